"""Pickling many small dataclasses cheaply: the rows a reader worker sends back (issue 22)."""

from __future__ import annotations

import operator
from dataclasses import fields
from typing import Any, TypeVar

_T = TypeVar("_T")


def pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle ``cls`` as its fields in order, rebuilt by its own ``__init__``.

    A reader worker sends each file's rows back pickled (intake/boundary.py; 58,000 附件1
    rows at 1,500 counties). A frozen dataclass with slots pickles through dataclasses'
    Python ``__getstate__``/``__setstate__``, which ask ``fields()`` for every row on both
    sides, and a plain one with slots through a dict of its slots per row; one ``attrgetter``
    call and the class's ``__init__`` do the same with less (1,500 counties: ~0.4 s less CPU
    in all). Every field must be a positional ``__init__`` argument (checked here;
    tests/test_pickled.py round-trips every field of each class that uses it).
    """
    own = fields(cls)  # type: ignore[arg-type]
    if len(own) < 2 or any(not f.init or f.kw_only for f in own):  # attrgetter of one name gives no tuple
        raise TypeError(f"{cls.__name__}: two or more fields, each a positional argument")
    values = operator.attrgetter(*(f.name for f in own))

    def __reduce__(self: Any) -> tuple[type[_T], tuple[object, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls
