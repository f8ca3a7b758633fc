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
from typing import TYPE_CHECKING

from defusedxml import ElementTree as SafeET

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

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
    # Cells whose number format changes what they mean, as an Excel-style format code
    # (formats.py reads it), and cells struck through.
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    struck: set[tuple[int, int]] = field(default_factory=set)


_N = "{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"
_S = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
_NUMBER_STYLES = {f"{_N}{k}-style" for k in ("number", "date", "percentage", "currency")}


def format_code(style: Element) -> str:
    """An OpenDocument number style as the Excel format code that shows the same (for formats.py)."""
    parts: list[str] = []
    for child in style:
        tag = child.tag.removeprefix(_N)
        if tag in ("year", "month", "day", "hours", "minutes", "seconds"):
            parts.append({"year": "yyyy", "month": "m", "day": "d", "hours": "h", "minutes": "mm",
                          "seconds": "ss"}[tag])
        elif tag == "text" and child.text:
            parts.append('"' + child.text.replace('"', "") + '"')
        elif tag == "number":
            places = child.get(f"{_N}decimal-places")
            decimals = _int(places) if places and places != "0" else 0
            body = "#,##0" if child.get(f"{_N}grouping") == "true" else "0"
            body += "." + "0" * decimals if decimals else ""
            factor = child.get(f"{_N}display-factor")
            # display-factor 1000 shows thousands, as Excel's trailing comma does.
            commas = {"1000": ",", "1000000": ",,"}.get(factor or "", "," if factor not in (None, "1") else "")
            parts.append(body + commas)
    code = "".join(parts)
    return code + "%" if style.tag == f"{_N}percentage-style" else code


def scan(path: Path) -> dict[str, OdsSheet]:
    """Sheet name → what calamine misses; raises on XML it cannot parse (the caller refuses)."""
    found: dict[str, OdsSheet] = {}
    data_styles: dict[str, str] = {}  # number style name → format code
    cell_styles: dict[str, tuple[str | None, bool]] = {}  # cell style → (data style, struck through)
    with zipfile.ZipFile(path) as zf:
        if "styles.xml" in zf.namelist():
            # LibreOffice keeps the number styles (N145 …) in styles.xml, the cell styles in content.xml.
            with zf.open("styles.xml") as sh:
                for _, el in SafeET.iterparse(sh, events=("end",), forbid_dtd=True):
                    if el.tag in _NUMBER_STYLES:
                        data_styles[el.get(f"{_S}name", "")] = format_code(el)
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        sheet: OdsSheet | None = None
        row = col = row_repeat = column = 0
        for event, el in SafeET.iterparse(fh, events=("start", "end"), forbid_dtd=True):
            tag = el.tag
            if event == "end" and sheet is None and tag in _NUMBER_STYLES:
                data_styles[el.get(f"{_S}name", "")] = format_code(el)
                continue
            if event == "end" and sheet is None and tag == f"{_S}style" and el.get(f"{_S}family") == "table-cell":
                text = el.find(f"{_S}text-properties")
                struck = text is not None and text.get(f"{_S}text-line-through-style", "none") != "none"
                cell_styles[el.get(f"{_S}name", "")] = (el.get(f"{_S}data-style-name"), struck)
                continue
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
                    styled = cell_styles.get(el.get(f"{_T}style-name", ""))
                    if styled is not None and repeat <= 64 and row_repeat <= 64:
                        _styled(sheet, styled, data_styles, row, col, row_repeat, repeat)
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


def _styled(sheet: OdsSheet, styled: tuple[str | None, bool], data_styles: dict[str, str], row: int, col: int,
            rows: int, cols: int) -> None:
    """Note a filled cell's number format (when it is one formats.py reads) and strikethrough."""
    code = data_styles.get(styled[0] or "")
    for r in range(row, row + rows):
        for c in range(col, col + cols):
            if code:
                sheet.formats[(r, c)] = code
            if styled[1]:
                sheet.struck.add((r, c))


_MAX_HIDDEN = 1 << 16  # "hide every row below" repeats a hidden row a million times


def _int(text: str | None) -> int:
    try:
        return max(1, int(text)) if text else 1
    except ValueError:
        return 1
