"""A rollup zhenggai wrote, saved again as .xls, .et or .ods (opened in WPS or LibreOffice and
"另存为"): recognised by its sheet names like the .xlsx (``county.own_output``).

Read as county replies, its 整改清单汇总 became one more county's 附件1 and the real .xlsx
rollups beside it were dropped as ``rollup-among-replies`` (audit28). Recognised, it is read
like any rollup: the guarded reader reads .xls and .ods alike, and the sheets' texts and
numbers are what the .xlsx held (an uncounted figure stays the clerk's text).

Only the sheet names are read, before the guarded reader has seen the file, so the
reading is bounded: an .xls's workbook globals (its BOUNDSHEET records, before the first
sheet), an .ods's content.xml up to ``_ODS_CAP`` bytes inflated.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

from zhenggai.core.results import FINDINGS_SHEET
from zhenggai.rollup.layout import MARKER_SHEETS

__all__ = ["rollup_elsewhere"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_CAP = 64 * 1024 * 1024  # as sniff.py: a larger OLE file goes to the reader's size guard
_ODS_CAP = 32 * 1024 * 1024
_TABLE = re.compile(rb"<table:table\b[^>]*?\btable:name=\"([^\"]*)\"")
_MARKERS = MARKER_SHEETS | {FINDINGS_SHEET}


def rollup_elsewhere(path: Path) -> bool:
    """Whether ``path`` is an .xls/.et or .ods workbook holding two or more of a rollup's sheets
    (the rule ``own_output`` applies to an .xlsx)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
        if head.startswith(_OLE_MAGIC):
            names = _xls_sheets(path)
        elif head.startswith(b"PK"):
            names = _ods_sheets(path)
        else:
            return False
    except (OSError, ValueError, struct.error, zipfile.BadZipFile, zlib.error, KeyError, EOFError,
            NotImplementedError, RuntimeError):
        return False  # the reader says what is wrong with it
    return len(names & _MARKERS) >= 2


def _xls_sheets(path: Path) -> set[str]:
    """The sheet names of a BIFF8 workbook (.xls, WPS .et), from its globals only."""
    from zhenggai.intake import xls

    if path.stat().st_size > _OLE_CAP:
        return set()
    return xls.sheet_names(path.read_bytes())


def _ods_sheets(path: Path) -> set[str]:
    """The table names of an OpenDocument spreadsheet (none for any other zip)."""
    with zipfile.ZipFile(path) as zf:
        if "content.xml" not in zf.namelist() or "xl/workbook.xml" in zf.namelist():
            return set()
        names: set[str] = set()
        with zf.open("content.xml") as fh:
            tail, read = b"", 0
            while read < _ODS_CAP and not names >= _MARKERS:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                read += len(chunk)
                text = tail + chunk
                names.update(m.group(1).decode("utf-8", "replace") for m in _TABLE.finditer(text))
                tail = text[-4096:]  # a tag cut at the chunk's end is whole in the next
        return names
