"""The display is part of the value: number formats and strikethrough that change what a cell means.

python-calamine hands over a cell's stored value, never its number format. For most cells
that is the value the clerk meant; for three families it is not:

- a date shown only as a month or a year (``yyyy"年"m"月"``, ``mmm-yy``, ``yyyy"年"``): Excel
  stores the 1st of that month, the clerk wrote a month. It is read as the same text typed
  ("2022年12月" → the month's last day, ``date-approximate``), never as the 1st;
- a number shown with a unit (``0"元"``, ``#,##0.00"万元"``): read as the same text typed
  ("500000元", converted by the column's unit rules with ``unit-converted``, or refused);
- a number shown scaled or rewritten (``0,,``, ``0.0,"万"``, ``0!.0000"万元"``, ``0%``): the
  clerk saw a different number from the one stored, so neither is known to be the figure
  meant: refused with the format quoted (``number-format-scaled``); a percentage is shown
  as its text ("50%"), which no amount or count column can take.

Strikethrough over every filled cell of a row means the clerk deleted the row (the way a
paper form is corrected): the row is blanked and named in a warning. Strikethrough inside
a row is deletion too, cell by cell: a cell struck through whole is blank, and a cell whose
text is struck through in part ("~~30~~25", "~~已完成~~力争年底完成") keeps only the text not
struck. calamine joins a cell's runs into one string, so without this "~~30~~25" would be
read as 3025. Each such cell is named in a warning with the text left out.

Only cells that carry such a style are touched: the styles part is read first (small),
and a sheet is searched for the style indices only when one exists, so an ordinary reply
costs one parse of styles.xml. Formats are read from .xlsx/.xlsm; .xls and .ods keep
their stored values (see the README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from defusedxml import ElementTree as SafeET

from zhenggai.core.parse import Shown, excel_serial_to_date

if TYPE_CHECKING:
    from collections.abc import Iterable
    from xml.etree.ElementTree import Element

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# Built-in format ids whose code is not written in styles.xml. For zh-CN Excel/WPS, ids
# 27, 36, 50, 52 and 57 are yyyy"年"m"月" (ECMA-376 Part 1, 18.8.30); 17 is mmm-yy in every
# locale; 9 and 10 are 0% and 0.00%.
BUILTIN = {9: "0%", 10: "0.00%", 17: "mmm-yy", 27: 'yyyy"年"m"月"', 36: 'yyyy"年"m"月"',
           50: 'yyyy"年"m"月"', 52: 'yyyy"年"m"月"', 57: 'yyyy"年"m"月"'}

MONTH, YEAR, UNIT, SCALED, PERCENT = "month", "year", "unit", "scaled", "percent"
_CURRENCY = "¥￥$"


@dataclass(frozen=True, slots=True)
class Section:
    """One ``;``-separated section of a number format, as far as it changes the value."""

    kind: str | None  # MONTH, YEAR, UNIT, SCALED, PERCENT or None (the stored value stands)
    prefix: str = ""
    suffix: str = ""
    condition: tuple[str, float] | None = None  # [>=10000] → (">=", 10000.0)
    # SCALED by thousands commas: the divisor and decimals, to say what the clerk saw (0 when
    # the decimal point is moved by a literal, which is not rendered here).
    divisor: float = 0.0
    decimals: int = 0


@dataclass(frozen=True, slots=True)
class Struck:
    """A cell's text struck through in part or whole: ``kept`` is what the clerk left standing."""

    full: str
    kept: str
    removed: str  # the struck text (separate struck parts joined by …)

    @property
    def gone(self) -> bool:
        """Nothing is left standing: the cell is deleted."""
        return not self.kept.strip()


@dataclass(slots=True)
class Styles:
    """The cell styles (cellXfs indices) of a workbook that change what a cell means."""

    formats: dict[int, tuple[str, tuple[Section, ...]]] = field(default_factory=dict)  # xf → (code, sections)
    struck: set[int] = field(default_factory=set)  # xf whose font is struck through

    def __bool__(self) -> bool:
        return bool(self.formats or self.struck)


_SECTION_SPLIT = re.compile(r'(?:"[^"]*"|\\.|[^;"\\])+')
_BRACKET = re.compile(r"\[([^\]]*)\]")
_CONDITION = re.compile(r"^(<=|>=|<>|<|>|=)\s*(-?\d+(?:\.\d+)?)$")
_DATE_LETTERS = re.compile(r"[yYmMdDhHsSeE]|aaa|AM/PM|上午/下午")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _tokens(code: str) -> tuple[str, list[tuple[int, str]]]:
    """(the code's format characters, [(position, literal text)]) with quotes and escapes resolved."""
    plain: list[str] = []
    literals: list[tuple[int, str]] = []
    i = 0
    while i < len(code):
        ch = code[i]
        if ch == '"':
            end = code.find('"', i + 1)
            end = len(code) if end < 0 else end
            literals.append((len(plain), code[i + 1:end]))
            i = end + 1
        elif ch in "\\!" and i + 1 < len(code):
            literals.append((len(plain), code[i + 1]))
            i += 2
        elif ch in "_*" and i + 1 < len(code):
            i += 2  # a space the width of the next character, or a fill: nothing shown as text
        elif _CJK.match(ch):
            literals.append((len(plain), ch))  # WPS writes 0元 unquoted
            i += 1
        else:
            plain.append(ch)
            i += 1
    return "".join(plain), literals


def _section(code: str) -> Section:
    condition: tuple[str, float] | None = None
    for m in _BRACKET.finditer(code):
        c = _CONDITION.match(m[1].strip())
        if c is not None:
            condition = (c[1], float(c[2]))
    body = _BRACKET.sub(lambda m: m[1][1:].split("-")[0] if m[1].startswith("$") else "", code)
    # "General" (Chinese Excel and WPS write "G/通用格式") shows the number as stored: a placeholder.
    body = re.sub("G/通用格式|general", "0", body, flags=re.IGNORECASE)
    plain, literals = _tokens(body)
    if plain.strip() in ("@", ""):
        return Section(None, condition=condition)
    if _DATE_LETTERS.search(plain):
        low = plain.lower()
        if any(x in low for x in "dhs") or "aaa" in low or "e" in low:
            return Section(None, condition=condition)  # a whole date: the stored date is what it shows
        if "y" in low:
            return Section(MONTH if "m" in low else YEAR, condition=condition)
        return Section(None, condition=condition)
    digits = [i for i, ch in enumerate(plain) if ch in "0#?"]
    if not digits:
        return Section(None, condition=condition)
    first, last = digits[0], digits[-1]
    # A comma after the last digit placeholder divides by 1,000 (0,, by a million); a
    # literal "." or digit between placeholders (0!.0000) moves the decimal point by hand.
    scaled = plain[last + 1:last + 2] == "," or any(first < pos <= last and (text.strip(" ") not in ("", ","))
                                                   for pos, text in literals)
    if scaled:
        commas = len(plain[last + 1:]) - len(plain[last + 1:].lstrip(","))
        moved = any(first < pos <= last and text.strip(" ") not in ("", ",") for pos, text in literals)
        dot = plain.find(".", first)
        decimals = sum(1 for ch in plain[dot:last + 1] if ch in "0#?") if 0 <= dot <= last else 0
        suffix = "".join(t for pos, t in literals if pos > last).strip(_CURRENCY + " ")
        return Section(SCALED, suffix=suffix, condition=condition,
                       divisor=0.0 if moved or not commas else 1000.0 ** commas, decimals=decimals)
    if "%" in plain:
        return Section(PERCENT, condition=condition)
    prefix = "".join(t for pos, t in literals if pos <= first).strip()
    suffix = "".join(t for pos, t in literals if pos > last).strip()
    # A sign, a bracket or a dash ("-" for zero in accounting formats) is no unit.
    prefix, suffix = prefix.strip(_CURRENCY + " -+()（）"), suffix.strip(_CURRENCY + " -+()（）")
    if not prefix and not suffix:
        return Section(None, condition=condition)
    return Section(UNIT, prefix, suffix, condition)


def classify(code: str) -> tuple[Section, ...] | None:
    """The sections of a format code, or None when no section changes what a value means."""
    sections = tuple(_section(s) for s in _SECTION_SPLIT.findall(code)) or (Section(None),)
    if all(s.kind is None for s in sections):
        return None
    return sections


_ATTR_NUMFMT_ID = re.compile(rb"""numFmtId\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_ATTR_FORMAT_CODE = re.compile(rb"""formatCode\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_XML_ENCODING = re.compile(rb"""\s*(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']*)""")


def plain_styles(styles_xml: bytes) -> bool:
    """Whether :func:`read_styles` surely finds nothing, told without parsing: no ``strike``
    anywhere, no built-in number format of :data:`BUILTIN` named by any ``numFmtId``, and
    every ``formatCode`` one that :func:`classify` leaves alone. False whenever unsure (an
    encoding other than UTF-8, an entity or a line break in a value): then parse."""
    if b"strike" in styles_xml or b"\x00" in styles_xml:
        return False  # a struck font, or UTF-16 text the byte patterns below cannot see
    declared = _XML_ENCODING.match(styles_xml)
    if declared is not None and declared[1].lower() not in (b"utf-8", b"utf8"):
        return False
    for m in _ATTR_NUMFMT_ID.finditer(styles_xml):
        value = m[2]
        if b"&" in value:
            return False
        try:
            if int(value) in BUILTIN:
                return False
        except ValueError:
            continue  # read_styles skips it too
    for m in _ATTR_FORMAT_CODE.finditer(styles_xml):
        value = m[2]
        if b"&" in value or b"\n" in value or b"\r" in value or b"\t" in value:
            return False  # the parser would decode or normalise it
        try:
            code = value.decode("utf-8")
        except UnicodeDecodeError:
            return False
        if classify(code) is not None:
            return False
    return True


def read_styles(styles_xml: bytes) -> Styles:
    """The styles of ``xl/styles.xml`` that change what a cell means (empty for most workbooks)."""
    root = SafeET.fromstring(styles_xml)
    codes = dict(BUILTIN)
    numfmts = root.find(f"{_NS}numFmts")
    if numfmts is not None:
        for nf in numfmts.iter(f"{_NS}numFmt"):
            try:
                codes[int(nf.get("numFmtId", "-1"))] = nf.get("formatCode", "")
            except ValueError:
                continue
    struck_fonts: set[int] = set()
    fonts = root.find(f"{_NS}fonts")
    if fonts is not None:
        for i, font in enumerate(fonts.iter(f"{_NS}font")):
            strike = font.find(f"{_NS}strike")
            if strike is not None and strike.get("val", "1") not in ("0", "false"):
                struck_fonts.add(i)
    styles = Styles()
    xfs = root.find(f"{_NS}cellXfs")
    if xfs is None:
        return styles
    classified: dict[int, tuple[Section, ...] | None] = {}
    for i, xf in enumerate(xfs.iter(f"{_NS}xf")):
        try:
            fmt_id, font_id = int(xf.get("numFmtId", "0")), int(xf.get("fontId", "0"))
        except ValueError:
            continue
        if font_id in struck_fonts:
            styles.struck.add(i)
        code = codes.get(fmt_id)
        if code is None:
            continue
        if fmt_id not in classified:
            classified[fmt_id] = classify(code)
        sections = classified[fmt_id]
        if sections is not None:
            styles.formats[i] = (code, sections)
    return styles


_REF = re.compile(rb"""\sr=["']([A-Z]{1,3})(\d{1,7})["']""")


def styled_cells(sheet_xml: bytes, xfs: Iterable[int]) -> dict[tuple[int, int], int]:
    """(row, col) 0-based → style index, for the cells of a sheet whose style is one of ``xfs``."""
    wanted = [x for x in sorted(set(xfs)) if f's="{x}"'.encode() in sheet_xml or f"s='{x}'".encode() in sheet_xml]
    if not wanted:
        return {}
    alternation = b"|".join(str(x).encode() for x in wanted)
    tag = re.compile(rb"""<(?:\w+:)?c(\s[^>]*?\ss=["'](""" + alternation + rb""")["'][^>]*)>""")
    out: dict[tuple[int, int], int] = {}
    for m in tag.finditer(sheet_xml):
        ref = _REF.search(m[1])
        if ref is None:
            continue  # a cell without its address: Excel, WPS and LibreOffice always write it
        col = 0
        for ch in ref[1]:
            col = col * 26 + ch - 64
        out[(int(ref[2]) - 1, col - 1)] = int(m[2])
    return out


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # OOXML's escape for control characters, as calamine decodes it


def _on(el: Element) -> bool:
    """An OOXML on/off element (``<strike/>``, ``<strike val="0"/>``): on unless it says off."""
    return str(el.get("val", "1")).lower() not in ("0", "false", "off")


@dataclass(frozen=True, slots=True)
class Rich:
    """A rich-text string: its runs as (text, struck), struck None for a run without run
    properties, which is shown in the cell's own font (struck when the cell's font is)."""

    runs: tuple[tuple[str, bool | None], ...]

    def resolve(self, cell_struck: bool) -> Struck | None:
        """What is struck through in a cell holding this string; None when nothing is.

        A run with run properties has its own font: LibreOffice gives a cell the font of its
        first run, so "~~30~~25" saved by LibreOffice is a struck cell whose "25" run says
        it is not struck, and the runs, not the cell, decide."""
        kept: list[str] = []
        removed: list[str] = []
        last = False
        for text, struck in self.runs:
            if (cell_struck if struck is None else struck) and text.strip():
                removed[-1:] = [removed[-1] + text] if last else [*removed[-1:], text]
                last = True
            else:
                kept.append(text)
                last = last and not text.strip()
        if not removed:
            return None
        return Struck("".join(t for t, _ in self.runs), "".join(kept), "…".join(x.strip() for x in removed))


def _rich(item: Element) -> Rich | None:
    """The runs of a ``<si>`` or ``<is>``; None for a plain string (no runs)."""
    runs: list[tuple[str, bool | None]] = []
    for run in item.findall(f"{_NS}r"):
        text = "".join(t.text or "" for t in run.findall(f"{_NS}t"))
        text = _ESCAPED.sub(lambda m: chr(int(m[1], 16)), text)
        props = run.find(f"{_NS}rPr")
        strike = props.find(f"{_NS}strike") if props is not None else None
        runs.append((text, None if props is None else strike is not None and _on(strike)))
    return Rich(tuple(runs)) if runs else None


def rich_strings(sst_xml: bytes, struck_cells: bool) -> dict[int, Rich]:
    """The shared strings (index → runs) written as rich text that can show struck text: a
    struck run, or (``struck_cells``: some cell font is struck) any run at all, since a run's
    own font overrides the cell's. Call only when strikethrough is possible (``strike`` in
    the part, or a struck cell font): most workbooks never parse it."""
    root = SafeET.fromstring(sst_xml)
    out: dict[int, Rich] = {}
    for i, si in enumerate(root.findall(f"{_NS}si")):
        found = _rich(si)
        if found is not None and (struck_cells or any(s for _, s in found.runs)):
            out[i] = found
    return out


def struck_text_cells(sheet_xml: bytes, strings: dict[int, Rich], struck_xfs: set[int]
                      ) -> dict[tuple[int, int], Struck | None]:
    """(row, col) 0-based → what is struck through in each rich-text cell of a sheet that may
    hold struck text (None: its runs say nothing is, whatever its cell font). Parsed,
    streaming, only when the sheet can hold such a cell."""
    import io

    from zhenggai.core.findings import parse_a1

    inline = b"inlineStr" in sheet_xml and (b"strike" in sheet_xml or bool(struck_xfs))
    if not strings and not inline:
        return {}
    out: dict[tuple[int, int], Struck | None] = {}
    cell_tag, row_tag = f"{_NS}c", f"{_NS}row"
    for _, el in SafeET.iterparse(io.BytesIO(sheet_xml), events=("end",), forbid_dtd=True):
        if el.tag == cell_tag:
            rich = _rich_cell(el, strings, inline)
            at = parse_a1(el.get("r", "")) if rich is not None else None
            if rich is not None and at is not None:
                xf = el.get("s", "0")
                out[(at[0] - 1, at[1])] = rich.resolve(xf.isdigit() and int(xf) in struck_xfs)
            el.clear()
        elif el.tag == row_tag:
            el.clear()  # memory stays flat on a long sheet
    return out


def _rich_cell(el: Element, strings: dict[int, Rich], inline: bool) -> Rich | None:
    kind = el.get("t")
    if kind == "s" and strings:
        v = el.find(f"{_NS}v")
        text = (v.text or "").strip() if v is not None else ""
        return strings.get(int(text)) if text.isdigit() else None
    if kind == "inlineStr" and inline:
        item = el.find(f"{_NS}is")
        return _rich(item) if item is not None else None
    return None


def _applies(s: Section, x: float) -> bool:
    if s.condition is None:
        return False
    op, n = s.condition
    return {"<": x < n, "<=": x <= n, ">": x > n, ">=": x >= n, "=": x == n, "<>": x != n}[op]


def _pick(sections: tuple[Section, ...], x: float) -> Section:
    """The section Excel shows ``x`` with: a matching condition, else positive;negative;zero."""
    if any(s.condition is not None for s in sections):
        for s in sections:
            if _applies(s, x):
                return s
        rest = [s for s in sections if s.condition is None]
        return rest[0] if rest else sections[-1]
    if x < 0 and len(sections) > 1:
        return sections[1]
    if x == 0 and len(sections) > 2:
        return sections[2]
    return sections[0]


def _number_text(x: float) -> str:
    from zhenggai.core.parse import clean_text

    return clean_text(x)


def shown(value: object, code: str, sections: tuple[Section, ...]) -> object:
    """The value as the clerk reads it through its format: a :class:`Shown`, or ``value`` unchanged."""
    if isinstance(value, bool):
        return value
    when: date | None = None
    if isinstance(value, datetime):
        when, x = value.date(), None
    elif isinstance(value, date):
        when, x = value, None
    elif isinstance(value, (int, float)):
        x = float(value)
    else:
        return value  # text typed into a formatted cell: the format does not apply to it
    if x is not None and any(s.kind in (MONTH, YEAR) for s in sections):
        when = excel_serial_to_date(x)
    s = _pick(sections, x) if x is not None else sections[0]
    if s.kind in (MONTH, YEAR):
        if when is None:
            return value
        return Shown(f"{when.year}年{when.month}月" if s.kind == MONTH else f"{when.year}年", value, code)
    if x is None or s.kind is None:
        return value
    if s.kind == PERCENT:
        return Shown(_number_text(float(f"{x * 100:.15g}")) + "%", value, code)
    text = ("-" if x < 0 else "") + _number_text(abs(x))
    if s.kind == SCALED:
        if s.divisor:
            text = f"{x / s.divisor:.{s.decimals}f}{s.suffix}"  # what Excel shows, rounded as it rounds
        return Shown(text, value, code, refused=True)
    return Shown(f"{s.prefix}{text}{s.suffix}", value, code)


def from_codes(formats: dict[tuple[int, int], str], struck: set[tuple[int, int]]
               ) -> tuple[Styles, dict[tuple[int, int], int]] | None:
    """Styles and styled cells from per-cell format codes (an .ods: ods.py gives the codes)."""
    styles = Styles()
    ids: dict[tuple[str, bool], int] = {}
    cells: dict[tuple[int, int], int] = {}
    for at in {*formats, *struck}:
        key = (formats.get(at, ""), at in struck)
        if key not in ids:
            ids[key] = xf = len(ids)
            sections = classify(key[0]) if key[0] else None
            if sections is not None:
                styles.formats[xf] = (key[0], sections)
            if key[1]:
                styles.struck.add(xf)
        if ids[key] in styles.formats or ids[key] in styles.struck:
            cells[at] = ids[key]
    return (styles, cells) if cells else None


def from_xfs(codes: dict[int, str], xfs: list[tuple[int, bool]]) -> Styles:
    """Styles from an .xls's FORMAT and XF records (xls.py): XF index → (format id, struck)."""
    styles = Styles()
    known = {**BUILTIN, **codes}
    for i, (fmt, struck) in enumerate(xfs):
        code = known.get(fmt)
        sections = classify(code) if code else None
        if sections is not None and code is not None:
            styles.formats[i] = (code, sections)
        if struck:
            styles.struck.add(i)
    return styles


def apply(rows: list[list[object]], cells: dict[tuple[int, int], int], styles: Styles,
          texts: dict[tuple[int, int], Struck | None] | None = None
          ) -> tuple[list[int], dict[tuple[int, int], Struck]]:
    """Put what the clerk sees into ``rows``: blank the rows struck through, and inside other
    rows the text struck through. Returns those rows (0-based) and the cells changed."""
    struck_at: dict[int, set[int]] = {}
    whole: dict[tuple[int, int], Struck] = {}
    texts = texts or {}
    for (r, c), xf in cells.items():
        if r >= len(rows) or c >= len(rows[r]):
            continue
        fmt = styles.formats.get(xf)
        if fmt is not None:
            rows[r][c] = shown(rows[r][c], *fmt)
        if xf in styles.struck and rows[r][c] not in ("", None) and (r, c) not in texts:
            struck_at.setdefault(r, set()).add(c)
            value = rows[r][c]
            text = getattr(value, "text", value)
            shown_text = _number_text(text) if isinstance(text, (int, float)) else str(text)
            whole[(r, c)] = Struck(shown_text, "", shown_text)
    for (r, c), found in texts.items():
        if found is not None and r < len(rows) and c < len(rows[r]):
            if found.gone:
                struck_at.setdefault(r, set()).add(c)
            whole[(r, c)] = found
    deleted: list[int] = []
    for r, cols in sorted(struck_at.items()):
        row = rows[r]
        filled = {c for c, v in enumerate(row) if v != "" and v is not None}
        if filled and filled <= cols:
            deleted.append(r)
            rows[r] = [""] * len(row)
    changed: dict[tuple[int, int], Struck] = {}
    for (r, c), found in sorted(whole.items()):
        if r not in deleted:
            rows[r][c] = found.kept.strip()
            changed[(r, c)] = found
    return deleted, changed
