"""What calamine cannot tell us about an .ods (LibreOffice, 统信UOS/麒麟's default format).

A helper of ``reader.py``. calamine reads the values of an OpenDocument spreadsheet but
(0.9) returns no merged ranges for it and reads an error value (``#DIV/0!``) as an
empty cell. Both matter: a 问题描述 or 责任单位 merged down several rows must read like
the same merge in Excel, and an error must never count as 0. So we walk
``content.xml`` once (defusedxml, streaming, memory flat) and also measure the used
range, since a cell repeated over a million rows (``number-rows-repeated``) is a few
bytes in the file and gigabytes once expanded.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT_P = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"
_CALCEXT_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"
_CELLS = (f"{_T}table-cell", f"{_T}covered-table-cell")


@dataclass(slots=True)
class OdsSheet:
    """Per sheet: merged ranges (0-based, inclusive), error cells, and the used range."""

    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    rows: int = 0
    cols: int = 0
    # Rows and columns hidden in LibreOffice/WPS (table:visibility "collapse", or "filter"
    # for rows an autofilter hides): not data, as in Excel (reader.blank_hidden).
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)


def scan(path: Path) -> dict[str, OdsSheet]:
    """Sheet name → what calamine misses; raises on XML it cannot parse (the caller refuses)."""
    found: dict[str, OdsSheet] = {}
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        sheet: OdsSheet | None = None
        row = col = row_repeat = column = 0
        for event, el in SafeET.iterparse(fh, events=("start", "end"), forbid_dtd=True):
            tag = el.tag
            if event == "start":
                if tag == f"{_T}table":
                    sheet = found.setdefault(el.get(f"{_T}name", ""), OdsSheet())
                    row = column = 0
                elif tag == f"{_T}table-row":
                    col = 0
                    row_repeat = _int(el.get(f"{_T}number-rows-repeated"))
                    if sheet is not None and el.get(f"{_T}visibility", "visible") != "visible" and row < _MAX_HIDDEN:
                        sheet.hidden_rows.update(range(row, row + min(row_repeat, _MAX_HIDDEN)))
                elif tag == f"{_T}table-column" and sheet is not None:
                    repeat = _int(el.get(f"{_T}number-columns-repeated"))
                    if el.get(f"{_T}visibility", "visible") != "visible" and column < _MAX_HIDDEN:
                        sheet.hidden_cols.update(range(column, column + min(repeat, _MAX_HIDDEN)))
                    column += repeat
                continue
            if sheet is None:
                continue
            if tag in _CELLS:
                repeat = _int(el.get(f"{_T}number-columns-repeated"))
                filled = el.get(f"{_O}value-type") is not None or len(el) > 0
                if filled:
                    sheet.rows = max(sheet.rows, row + row_repeat)
                    sheet.cols = max(sheet.cols, col + repeat)
                    if el.get(_CALCEXT_TYPE) == "error":
                        text = "".join(p.text or "" for p in el.iter(_TEXT_P)).strip()
                        sheet.errors[(row, col)] = text or "#N/A"
                if tag == f"{_T}table-cell":
                    rs = _int(el.get(f"{_T}number-rows-spanned"))
                    cs = _int(el.get(f"{_T}number-columns-spanned"))
                    if rs > 1 or cs > 1:
                        sheet.merges.append(((row, col), (row + rs - 1, col + cs - 1)))
                col += repeat
                el.clear()
            elif tag == f"{_T}table-row":
                row += row_repeat
                el.clear()
            elif tag == f"{_T}table":
                sheet = None
                el.clear()
    return found


_MAX_HIDDEN = 1 << 16  # "hide every row below" repeats a hidden row a million times


def _int(text: str | None) -> int:
    try:
        return max(1, int(text)) if text else 1
    except ValueError:
        return 1
