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

from zhenggai.intake.formats import Rich, Struck

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_X = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TEXT_P = f"{_X}p"
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
    # Cells whose text is struck through in part (a span), as formats.py reads them.
    struck_text: dict[tuple[int, int], Struck | None] = field(default_factory=dict)


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
    text_styles: dict[str, bool | None] = {}  # text (span) style → struck through; None: not said
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
        spans = False
        for event, el in SafeET.iterparse(fh, events=("start", "end"), forbid_dtd=True):
            tag = el.tag
            if event == "end" and sheet is None and tag in _NUMBER_STYLES:
                data_styles[el.get(f"{_S}name", "")] = format_code(el)
                continue
            if event == "end" and sheet is None and tag == f"{_S}style":
                _note_style(el, cell_styles, text_styles)
                continue
            if event == "start":
                if tag == f"{_T}table":
                    sheet = found.setdefault(el.get(f"{_T}name", ""), OdsSheet())
                    row = column = 0
                    # the styles come before the tables: can any text be struck through?
                    spans = True in text_styles.values() or any(s for _, s in cell_styles.values())
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
                    if spans:
                        _struck_spans(sheet, el, (row, col), text_styles, bool(styled and styled[1]))
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


def _line_through(props: Element | None) -> bool | None:
    """Struck through per a style's text properties; None when they say nothing of it.
    LibreOffice writes a text style's strikethrough as ``text-line-through-type`` alone."""
    if props is None:
        return None
    said = [props.get(f"{_S}text-line-through-{k}") for k in ("style", "type")]
    if not any(said):
        return None
    return any(x not in (None, "none") for x in said)


def _note_style(el: Element, cell_styles: dict[str, tuple[str | None, bool]],
                text_styles: dict[str, bool | None]) -> None:
    family, name = el.get(f"{_S}family"), el.get(f"{_S}name", "")
    props = el.find(f"{_S}text-properties")
    if family == "table-cell":
        cell_styles[name] = (el.get(f"{_S}data-style-name"), bool(_line_through(props)))
    elif family == "text":
        text_styles[name] = _line_through(props)


def _struck_spans(sheet: OdsSheet, cell: Element, at: tuple[int, int], text_styles: dict[str, bool | None],
                  cell_struck: bool) -> None:
    """A cell whose text has spans: its runs (a span's style decides for its text, the rest
    is in the cell's style), as formats.Rich resolves them. Paragraphs join with a line break."""
    runs: list[tuple[str, bool | None]] = []
    spans = False
    for i, p in enumerate(cell.iter(_TEXT_P)):
        if i:
            runs.append(("\n", None))
        runs.append((p.text or "", None))
        for child in p:
            text = " " * int(child.get(f"{_X}c", "1")) if child.tag == f"{_X}s" else "".join(child.itertext())
            struck = text_styles.get(child.get(f"{_X}style-name", "")) if child.tag == f"{_X}span" else None
            spans = spans or child.tag == f"{_X}span"
            runs += [(text, struck), (child.tail or "", None)]
    if spans:
        found = Rich(tuple(runs)).resolve(cell_struck)
        sheet.struck_text[at] = found


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
