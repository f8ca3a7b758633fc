"""Small enums every layer names: which official table a sheet holds, what a file is.

Stdlib only, so that naming a kind (``--help``, the result types) never imports pydantic.
"""

from __future__ import annotations

import sys
from enum import Enum

__all__ = ["FileKind", "StrEnum", "TableKind"]

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


class FileKind(StrEnum):
    """What a file is, from its bytes (``intake.sniff``), never from its name.

    The first four are read; the others are refused with a finding that says why.
    """

    XLSX = "xlsx"  # also .xlsm, .et saved as OOXML
    XLS = "xls"  # BIFF (Excel 97–2003, WPS .et)
    ODS = "ods"  # OpenDocument (LibreOffice, 统信UOS/麒麟 default)
    DOCX = "docx"  # Word tables
    ARCHIVE = "zip"
    RAR = "rar"
    SEVENZIP = "7z"
    LEGACY_WORD = "doc"
    PDF = "pdf"
    IMAGE = "image"
    UNKNOWN = "?"
    CSV = "csv"  # a text file read as a CSV export (intake/csvfile.py)
