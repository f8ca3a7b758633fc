"""Small enums every layer names: which official table a sheet holds.

Stdlib only, so that naming a kind (``--help``, the result types) never imports pydantic.
"""

from __future__ import annotations

import sys
from enum import Enum

__all__ = ["StrEnum", "TableKind"]

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # Python 3.10: the same behaviour (str() and f-strings give the value)
    class StrEnum(str, Enum):
        """``enum.StrEnum`` before Python 3.11."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return format(str(self.value), spec)


class TableKind(StrEnum):
    """Which official table a sheet holds. A ``str``: equal to its value, and JSON writes the value."""

    APPENDIX1 = "appendix1"  # 附件1 整改清单
    APPENDIX2 = "appendix2"  # 附件2 成果统计表
    PROBLEMS = "problems"  # the province's feedback list
