"""Grids → tables: find 附件1 / 附件2 by their header row, never by position.

Clerks move things: title and note rows above the table, line breaks and spaces in
headers, full-width or half-width brackets, 整改措施及情况 for 整改措施和情况, extra
columns such as 备注, category headings merged across the table, one 责任单位 merged
down five rows, a contact line under the table. The column definitions in
``schema.py`` drive all the matching here.
"""

from __future__ import annotations

import re

from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import clean_text, county_from_bureau_line, normalize_header
from zhenggai.core.schema import TableSpec
from zhenggai.core.table import Contact, Header, Record, Table
from zhenggai.intake.reader import Grid

# Titles, notes, a pasted copy of the notice and blank rows may stand above the header:
# look through this many rows of each sheet (the no-table message says where it stopped).
HEADER_SCAN_ROWS = 200


class _FormulaNoValue:
    """Marks a formula cell whose result was never saved (calamine reads it as empty)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<formula without value>"


FORMULA_NO_VALUE = _FormulaNoValue()

_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CATEGORY = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[部类项])"
)
_FOOTER = re.compile(r"^(?:注[:：]|说明[:：]|填表说明|填表人|审核人|单位负责人|制表|填报说明)")
_CONTACT = re.compile(r"联系人|联系电话")
_CONTACT_PARTS = re.compile(
    r"联系人\s*[:：]?\s*(?P<name>.*?)\s*(?:联系)?(?:电话|手机)\s*[:：]?\s*(?P<phone>.*?)\s*[)）]?\s*$"
)
_CONTACT_NAME = re.compile(r"联系人\s*[:：]?\s*(?P<name>.*?)\s*[)）]?\s*$")
# 合计/总计/小计 rows, however spaced ("合  计", full-width "合　计") and prefixed
# ("全县合计", "本县小计：").
_TOTAL_RE = re.compile(r"^(?:全[县市省区州]|本[县市区]|各[乡镇]+)?(?:合计|总计|小计|共计|汇总)(?:数)?[:：]?$")
_ALL_SPACE = re.compile(r"\s+")


def is_total_label(text: str) -> bool:
    """True for a 合计/总计/小计 label in any spacing: such a row holds totals, not data."""
    # Every label holds 计 (合计/总计/小计/共计) or 汇 (汇总): a substring test spares the
    # regex substitution for the ~100,000 problem descriptions of a big table.
    if not text or ("计" not in text and "汇" not in text):
        return False
    return _TOTAL_RE.match(_ALL_SPACE.sub("", text)) is not None


class _Matcher:
    """Header text → column key for one table spec."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.exact: dict[str, str] = {}
        self.loose: dict[str, str] = {}
        self.contained: list[tuple[str, str]] = []
        for c in spec.columns:
            official = normalize_header(c.header)
            self.exact[official] = c.key
            for name in (c.header, *c.aliases):
                n = normalize_header(name)
                stripped = _BRACKETS.sub("", n)
                self.loose.setdefault(n, c.key)
                self.loose.setdefault(stripped, c.key)
                if len(stripped) >= 3:
                    self.contained.append((stripped, c.key))
        # Longest names first, so 已完成整改数 wins over 完成整改 inside a header.
        self.contained.sort(key=lambda t: -len(t[0]))

    def match(self, text: str) -> tuple[str, bool] | None:
        """(key, exact) for a normalised header text, or None."""
        if not text:
            return None
        key = self.exact.get(text)
        if key is not None:
            return key, True
        key = self.loose.get(text) or self.loose.get(_BRACKETS.sub("", text))
        if key is not None:
            return key, False
        hits = {k for name, k in self.contained if name in text}
        if len(hits) == 1:
            return hits.pop(), False
        return None


_MATCHERS: dict[int, _Matcher] = {}


def _matcher(spec: TableSpec) -> _Matcher:
    m = _MATCHERS.get(id(spec))
    if m is None or m.spec is not spec:
        m = _MATCHERS[id(spec)] = _Matcher(spec)
    return m


def _match_row(row: list[object], m: _Matcher) -> Header:
    cols: dict[str, int] = {}
    labels: dict[str, str] = {}
    variants: list[tuple[str, str]] = []
    extras: dict[int, str] = {}
    for ci, raw in enumerate(row):
        text = clean_text(raw)
        if not text:
            continue
        hit = m.match(normalize_header(text))
        if hit is None or hit[0] in cols:
            extras[ci] = text
            continue
        key, exact = hit
        cols[key] = ci
        labels[key] = text
        if not exact:
            variants.append((key, text))
    missing = [k for k in m.spec.keys if k not in cols]
    return Header(-1, cols, labels, variants, extras, missing)


def _is_header(h: Header, spec: TableSpec) -> bool:
    if spec.kind == TableKind.PROBLEMS:
        # The feedback list: 问题描述 and at least one of 序号 / 县（市、区） / 问题类别.
        return "problem" in h.cols and len(h.cols) >= 2
    anchor = {TableKind.APPENDIX1: ("problem", "measure"), TableKind.APPENDIX2: ("county", "total", "done", "open")}
    found = len(h.cols)
    anchors = sum(1 for k in anchor[spec.kind] if k in h.cols)
    return found >= 4 and anchors >= (1 if spec.kind == TableKind.APPENDIX1 else 2)


def find_header(grid: Grid, specs: tuple[TableSpec, ...]) -> tuple[TableSpec, Header] | None:
    """The first row that reads as a header of one of ``specs`` (best match wins a tie)."""
    # A header needs this many matched columns (see _is_header): rows with fewer filled
    # cells (the 附件N label, the title, the 盖章 line, blank rows) are skipped unmatched.
    least = min(2 if spec.kind == TableKind.PROBLEMS else 4 for spec in specs)
    for r, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        if len(row) - row.count("") < least:
            continue
        best: tuple[int, TableSpec, Header] | None = None
        for spec in specs:
            h = _match_row(row, _matcher(spec))
            if _is_header(h, spec) and (best is None or len(h.cols) > best[0]):
                best = (len(h.cols), spec, h)
        if best is None:
            continue
        _, spec, h = best
        h.row = r
        combined = _combined_header(grid, spec, r, h)
        if combined is not None:
            return spec, combined
        _two_row_header(grid, spec, h)
        return spec, h
    return None


def _combined_header(grid: Grid, spec: TableSpec, r: int, h: Header) -> Header | None:
    """A header over two rows read as one, when that reads more columns than the top row.

    Two shapes: a group cell (整改情况, 整改成果) merged across sub-columns whose names
    stand in the row below, and cells such as 县（市、区） merged down both rows (only the
    top cell holds the text). Per column: the lower text where the upper cell is empty or
    is the group label of a merge across, else the upper text.
    """
    rows = grid.rows
    if r + 1 >= len(rows):
        return None
    top, below = rows[r], rows[r + 1]
    if not any(isinstance(v, str) and v.strip() for v in below):
        return None
    if any(v != "" and not isinstance(v, str) for v in below):
        return None  # numbers or dates: the row below is data, not a header
    groups = {c0 for (r0, c0), (r1, c1) in grid.merges if r0 == r and r1 == r and c1 > c0}
    width = max(len(top), len(below))
    joined: list[object] = []
    for c in range(width):
        up = top[c] if c < len(top) else ""
        down = below[c] if c < len(below) else ""
        if down != "" and (up == "" or c in groups):
            joined.append(down)
        else:
            joined.append(up)
    hj = _match_row(joined, _matcher(spec))
    if len(hj.cols) <= len(h.cols) or not _is_header(hj, spec):
        return None
    hj.row = r + 1
    return hj


def _two_row_header(grid: Grid, spec: TableSpec, h: Header) -> None:
    """Headers split over two rows (a group label above the indicator names)."""
    if not h.missing or h.row + 1 >= len(grid.rows):
        return
    below = _match_row(grid.rows[h.row + 1], _matcher(spec))
    new = {k: c for k, c in below.cols.items() if k in h.missing}
    if len(new) < 2 or any(not isinstance(v, str) for v in grid.rows[h.row + 1] if v != ""):
        return
    for k, c in new.items():
        h.cols[k] = c
        h.labels[k] = below.labels[k]
        h.extras.pop(c, None)
        if (k, below.labels[k]) in below.variants:
            h.variants.append((k, below.labels[k]))
    h.missing = [k for k in spec.keys if k not in h.cols]
    h.row += 1


def _row_text(row: list[object]) -> str:
    return " ".join(t for t in (clean_text(v) for v in row) if t)


def _bureau(grid: Grid, header_row: int) -> tuple[int, int, str] | None:
    """The 盖章 line above the header: "谷城县商务主管部门（盖章）" or a 填报单位 line."""
    for r in range(header_row - 1, -1, -1):
        for c, raw in enumerate(grid.rows[r]):
            text = clean_text(raw)
            if text and ("盖章" in text or "主管部门" in text or text.startswith("填报单位")):
                return r + 1, c, text
    return None


def parse_contact(row_index: int, row: list[object]) -> Contact | None:
    """The contact line "（联系人：张三  联系电话：0710-1234567）", in one cell or several."""
    text = _row_text(row)
    if not _CONTACT.search(text):
        return None
    col = next((c for c, v in enumerate(row) if clean_text(v)), 0)
    m = _CONTACT_PARTS.search(text)
    name = phone = ""
    if m:
        name = m.group("name").strip(" （(：:")
        phone = m.group("phone").strip(" ）)：:")
    else:
        # "联系人：张三" with no 电话 label: the name is there, the phone is missing.
        only = _CONTACT_NAME.search(text)
        if only:
            name = only.group("name").strip(" （(：:）)")
    return Contact(row=row_index + 1, col=col, name=name, phone=phone, text=text)


def _merge_maps(
    grid: Grid, first: int, first_col: int, last_col: int
) -> tuple[dict[tuple[int, int], object], dict[int, str]]:
    """Values to copy into cells covered by vertical merges; rows merged across the table."""
    fill: dict[tuple[int, int], object] = {}
    across: dict[int, str] = {}
    width = last_col - first_col + 1
    rows = grid.rows
    for (r0, c0), (r1, c1) in grid.merges:
        if r1 < first or r0 >= len(rows):
            continue
        top = rows[r0][c0] if c0 < len(rows[r0]) else ""
        if r0 == r1 and (c1 - c0 + 1) >= max(2, width * 0.6) and r0 >= first:
            # One cell merged across the table: a category heading ("一、业务建设方面").
            text = clean_text(top)
            if text:
                across[r0] = text
            continue
        for r in range(max(r0, first), min(r1, len(rows) - 1) + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    # Only the top-left cell of a merged range holds the value; every
                    # row the range covers gets it (one 责任单位 for rows 5-9).
                    fill[(r, c)] = top
    return fill, across


def _problem_groups(grid: Grid, col: int | None, first: int) -> dict[int, int]:
    """0-based row → 1-based first row, for rows under one 问题描述 merged down.

    Clerks write one problem once and merge its cell down over the rows of its several
    measures: that is one problem, counted once, finished when all its measures are.
    """
    out: dict[int, int] = {}
    if col is None:
        return out
    for (r0, c0), (r1, c1) in grid.merges:
        if c0 <= col <= c1 and r1 > r0 and r0 >= first:
            for r in range(r0, r1 + 1):
                out[r] = r0 + 1
    return out


def build_table(grid: Grid, spec: TableSpec, h: Header) -> Table:
    """Read the data rows under a header, up to the contact line or the end."""
    rows = grid.rows
    first = h.row + 1
    cols = [h.cols.get(c.key) for c in spec.columns]
    seq_col = h.cols.get("seq")
    county_col = h.cols.get("county")
    mapped = {c for c in cols if c is not None}
    extra_cols = sorted(h.extras)
    first_col = min(mapped | set(extra_cols))
    last_mapped = max(mapped, default=-1)
    last_col = h.last_col
    fill, across = _merge_maps(grid, first, first_col, last_col) if grid.merges else ({}, {})
    groups = _problem_groups(grid, h.cols.get("problem"), first) if grid.merges else {}
    formula = grid.formulas_without_value
    records: list[Record] = []
    formula_cells: list[tuple[int, int, str]] = []
    contact: Contact | None = None
    category: str | None = None
    for r in range(first, len(rows)):
        row = rows[r]
        if row.count("") == len(row) and not fill:
            continue  # the common blank row, without building anything
        if r in across:
            # A row merged across the table is a category heading, unless it is the
            # contact line or a note: the official template merges its contact line
            # across the whole width too, and nothing under it is data.
            text = across[r]
            if _CONTACT.search(text):
                contact = parse_contact(r, row)
                break
            if _FOOTER.match(text):
                break
            category = text
            continue
        width = len(row)
        values: list[object]
        if width > last_mapped:  # every mapped column is in the row (calamine's rows are all as wide)
            values = [None if c is None else row[c] for c in cols]
        else:
            values = [None if c is None else row[c] if c < width else "" for c in cols]
        if fill:
            for i, c in enumerate(cols):
                if c is not None and values[i] == "":
                    values[i] = fill.get((r, c), "")
        # A cell holding only spaces looks empty to the clerk, so it counts as empty
        # ("".isspace() is False, hence the two tests).
        filled = [v for v in values if v is not None and v != "" and not (isinstance(v, str) and v.isspace())]
        if not filled:
            text = _row_text(row)
            if not text:
                continue
            contact = parse_contact(r, row) if _CONTACT.search(text) else None
            if contact is not None or _FOOTER.match(text):
                break
            extras_only = {h.extras[c]: row[c] for c in extra_cols if c < width and row[c] != ""}
            if not extras_only:
                continue
        if len(filled) == 1:
            first_text = clean_text(filled[0])
            if _CATEGORY.match(first_text) and not first_text.isdigit():
                category = first_text
                continue
        if len(filled) <= 2:
            text = _row_text(row)
            if _CONTACT.search(text) and (contact := parse_contact(r, row)) is not None:
                break
            if _FOOTER.match(text):
                break
        if (
            seq_col is not None
            and len(filled) == 1
            and values[0] == filled[0]
            and not any(row[c] != "" for c in extra_cols if c < width)
        ):
            continue  # only 序号 filled: a numbered empty row of the template
        # A plain loop, not any(genexpr): this runs for every row of a 100,000-row table.
        total = False
        for v in filled[:2]:
            if isinstance(v, str) and is_total_label(clean_text(v)):
                total = True
                break
        if not total and county_col is not None:
            total = is_total_label(clean_text(row[county_col] if county_col < width else ""))
        if total and spec.kind != TableKind.APPENDIX2:
            continue  # a 合计 row of 附件1: totals, not a problem
        rec = Record(row=r + 1, values=values, category=category, total=total, group=groups.get(r))
        if extra_cols:
            rec.extras = {h.extras[c]: row[c] for c in extra_cols if c < width and row[c] != ""}
        if formula:
            for i, c in enumerate(cols):
                if c is not None and (r, c) in formula:
                    values[i] = FORMULA_NO_VALUE
                    formula_cells.append((r + 1, c, spec.columns[i].key))
        records.append(rec)
    if contact is None:
        end = records[-1].row if records else first
        for r in range(end, min(end + 8, len(rows))):
            contact = parse_contact(r, rows[r])
            if contact is not None:
                break
    bureau = _bureau(grid, h.row)
    county = None
    if bureau is not None:
        county = county_from_bureau_line(bureau[2])
        if county is None:
            # "填报单位（盖章）：" in one cell and "谷城县商务局" in the next.
            county = county_from_bureau_line(_row_text(rows[bureau[0] - 1]))
    return Table(spec, grid.name, h, records, bureau, county, contact, formula_cells)


def find_tables(grid: Grid, specs: tuple[TableSpec, ...]) -> list[Table]:
    """The tables on one sheet (zero or one: each official table has a sheet of its own)."""
    found = find_header(grid, specs)
    if found is None:
        return []
    spec, h = found
    return [build_table(grid, spec, h)]
