"""The items of a checked 附件1 (checking/files._items) are the Items ``Item(...)`` builds.

_items fills each item's slots by plain stores and then makes it an Item (issue 22: a third of
the cost): each must equal, repr, pickle, copy and stay frozen as the dataclass's own.
"""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, fields, replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhenggai.checking.files import _ItemFields, _items
from zhenggai.core.findings import make
from zhenggai.core.results import Item
from zhenggai.core.table import Record

VALUES: st.SearchStrategy[list[object]] = st.lists(
    st.one_of(st.none(), st.text(max_size=5), st.floats(allow_nan=False), st.dates()), max_size=7)


_Rows = tuple[list[Record], list[tuple[bool | None, date | None] | None]]


@st.composite
def rows(draw: st.DrawFn) -> _Rows:
    n = draw(st.integers(0, 8))
    records = [Record(draw(st.integers(1, 30)), draw(VALUES), draw(st.none() | st.text(max_size=4)),
                      draw(st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2)), False,
                      draw(st.none() | st.integers(1, 30))) for _ in range(n)]
    # None: a row whose validator raised (no values: done and deadline None)
    parsed = [draw(st.none() | st.tuples(st.none() | st.booleans(), st.none() | st.dates())) for _ in range(n)]
    return records, parsed


@settings(max_examples=200, deadline=None)
@given(rows(), st.lists(st.integers(1, 30), max_size=6), st.data())
def test_items_are_the_items_the_dataclass_builds(
        got: _Rows, error_rows: list[int], data: st.DataObject,
) -> None:
    records, parsed = got
    start = data.draw(st.integers(0, len(records)))
    findings = [make("required-missing", file="f", sheet="s", row=r, field="问题描述") for r in error_rows]
    items = _items(records, parsed, findings, start)
    expected = [Item(rec.row, rec.category, rec.values, rec.extras, *(pair or (None, None)), error_rows.count(rec.row),
                     rec.group) for rec, pair in zip(records[start:], parsed[start:], strict=True)]
    assert items == expected
    for it, want in zip(items, expected, strict=True):
        assert type(it) is Item
        assert repr(it) == repr(want)
        for f in fields(Item):  # the same objects, not merely equal ones
            assert getattr(it, f.name) is getattr(want, f.name)
        assert pickle.loads(pickle.dumps(it)) == want
        assert replace(it, sheet="续表") == replace(want, sheet="续表")
        with pytest.raises(FrozenInstanceError):
            it.row = 1  # type: ignore[misc]


def test_the_fields_are_items_slots() -> None:
    """A field added to Item must be added to _ItemFields (else the class change raises)."""
    assert sorted(_ItemFields.__slots__) == sorted(f.name for f in fields(Item))
