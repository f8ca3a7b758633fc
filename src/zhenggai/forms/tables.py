"""Grids → tables: find 附件1 / 附件2 by their header row, never by position.

Clerks move things: title and note rows above the table, line breaks and spaces in
headers, full-width or half-width brackets, 整改措施及情况 for 整改措施和情况, extra
columns such as 备注, category headings merged across the table, one 责任单位 merged
down five rows, a contact line under the table. The column definitions in
``schema.py`` drive all the matching here.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import islice

from zhenggai.core.codes import FindingCode
from zhenggai.core.gcpause import collector_paused
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import clean_text, county_from_bureau_line, county_in_text, normalize_header
from zhenggai.core.schema import Kind, TableSpec
from zhenggai.core.table import Contact, Header, Reading, Record, Table
from zhenggai.forms.rowkinds import (
    CONTACT,
    CONTACT_RE,
    CONTINUATION,
    DATA,
    END,
    FOOTER,
    HEADER,
    HEADING,
    SPLIT,
    UNCLASSIFIED,
    UNITS,
    Note,
    Rows,
    continue_row,
    fold_merged_rows,
    heading_text,
    make_record,
    row_text,
)
from zhenggai.forms.rowkinds import (
    FORMULA_NO_VALUE as FORMULA_NO_VALUE,  # re-exported: checking imports it from here
)
from zhenggai.forms.rowkinds import (
    is_total_label as is_total_label,
)
from zhenggai.intake.reader import Grid

# Titles, notes, a pasted copy of the notice and blank rows may stand above the header:
# look through this many rows of each sheet (the no-table message says where it stopped).
HEADER_SCAN_ROWS = 200


_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CONTACT_PARTS = re.compile(
    r"联系人\s*[:：]?\s*(?P<name>.*?)\s*(?:联系)?(?:电话|手机)\s*[:：]?\s*(?P<phone>.*?)\s*[)）]?\s*$"
)
_CONTACT_NAME = re.compile(r"联系人\s*[:：]?\s*(?P<name>.*?)\s*[)）]?\s*$")


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
        # A cell's text → (its clean text, match): every reply repeats the form's header
        # texts, and a merge reads thousands of replies in one process (_match_row).
        self.cells: dict[str, tuple[str, tuple[str, bool] | None]] = {}

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
_CELLS_KEPT = 50_000  # texts a matcher remembers (_Matcher.cells): a few MB at most


def _matcher(spec: TableSpec) -> _Matcher:
    m = _MATCHERS.get(id(spec))
    if m is None or m.spec is not spec:
        m = _MATCHERS[id(spec)] = _Matcher(spec)
    return m


# Columns whose cells are counted (a figure, 是/否, a date): a second column headed for one
# of them is a second reading of the field (see Header.twins), not merely an extra column.
_COUNTED = frozenset({Kind.YESNO, Kind.DATE, Kind.COUNT, Kind.AMOUNT})


def _match_row(row: list[object], m: _Matcher) -> Header:
    cols: dict[str, int] = {}
    labels: dict[str, str] = {}
    variants: list[tuple[str, str]] = []
    extras: dict[int, str] = {}
    twins: list[tuple[str, int]] = []
    cells = m.cells
    for ci, raw in enumerate(row):
        if raw.__class__ is str and raw in cells:
            text, hit = cells[raw]
        else:
            text = clean_text(raw)
            hit = m.match(normalize_header(text)) if text else None
            if raw.__class__ is str and len(cells) < _CELLS_KEPT:
                cells[raw] = (text, hit)
        if not text:
            continue
        if hit is None or hit[0] in cols:
            extras[ci] = text
            if hit is not None and m.spec.column(hit[0]).kind in _COUNTED:
                # 是否完成整改（7月） and 是否完成整改（10月）: which one the clerk means is not
                # ours to choose by position; checking compares them row by row.
                twins.append((hit[0], ci))
            continue
        key, exact = hit
        cols[key] = ci
        labels[key] = text
        if not exact:
            variants.append((key, text))
    missing = [k for k in m.spec.keys if k not in cols]
    return Header(-1, cols, labels, variants, extras, missing, twins)


def _is_header(h: Header, spec: TableSpec) -> bool:
    if spec.kind == TableKind.PROBLEMS:
        # The feedback list: 问题描述 and at least one of 序号 / 县（市、区） / 问题类别.
        return "problem" in h.cols and len(h.cols) >= 2
    anchor = {TableKind.APPENDIX1: ("problem", "measure"), TableKind.APPENDIX2: ("county", "total", "done", "open")}
    found = len(h.cols)
    anchors = sum(1 for k in anchor[spec.kind] if k in h.cols)
    return found >= 4 and anchors >= (1 if spec.kind == TableKind.APPENDIX1 else 2)


def _header_of(row: list[object], spec: TableSpec) -> bool:
    return _is_header(_match_row(row, _matcher(spec)), spec)


def find_header(grid: Grid, specs: tuple[TableSpec, ...], start: int = 0) -> tuple[TableSpec, Header] | None:
    """The first row from ``start`` that reads as a header of one of ``specs`` (best match wins a tie)."""
    # A header needs this many matched columns (see _is_header): rows with fewer filled
    # cells (the 附件N label, the title, the 盖章 line, blank rows) are skipped unmatched.
    least = min(2 if spec.kind == TableKind.PROBLEMS else 4 for spec in specs)
    for r, row in enumerate(grid.rows[start:start + HEADER_SCAN_ROWS], start=start):
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


def _bureau(grid: Grid, header_row: int, top: int = 0) -> tuple[int, int, str] | None:
    """The 盖章 line above the header (down to row ``top``): "谷城县商务主管部门（盖章）" or a 填报单位 line."""
    for r in range(header_row - 1, top - 1, -1):
        for c, raw in enumerate(grid.rows[r]):
            text = clean_text(raw)
            if text and ("盖章" in text or "主管部门" in text or _BUREAU_RE.search(text)):
                return r + 1, c, text
    return None


# The unit's line in the wordings clerks use: 盖章/签章/（章）, or a 填报单位/报送单位/单位名称 label.
_BUREAU_RE = re.compile(r"盖\s*章|签\s*章|[（(]\s*公?章\s*[)）]|^(?:填报|报送|填表|上报)?单位(?:名称)?\s*[（(:：]")


def _county_elsewhere(grid: Grid, header_row: int, top: int) -> tuple[str, str] | None:
    """Without a readable 盖章 line: the county named in a title row above the header, else the sheet name."""
    for r in range(top, header_row):
        for raw in grid.rows[r]:
            text = clean_text(raw)
            if text and len(text) <= 60 and not CONTACT_RE.search(text):
                name = county_in_text(text)
                if name is not None:
                    return "标题", name
    name = county_in_text(grid.name)
    return ("工作表名", name) if name is not None else None


def parse_contact(row_index: int, row: list[object]) -> Contact | None:
    """The contact line "（联系人：张三  联系电话：0710-1234567）", in one cell or several."""
    text = row_text(row)
    if not CONTACT_RE.search(text):
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


def build_table(grid: Grid, spec: TableSpec, h: Header, others: tuple[TableSpec, ...] = (), top: int = 0) -> Table:
    """Read the rows under a header, each classified by all its cells, up to the contact line,
    a note, another table's header (``others``) or the end; its 盖章 line and title no higher
    than row ``top``."""
    return _build_table(grid, spec, h, others, top)[0]


def _build_table(grid: Grid, spec: TableSpec, h: Header, others: tuple[TableSpec, ...], top: int = 0
                 ) -> tuple[Table, int]:
    """:func:`build_table`, and the 0-based row where another table may begin below it."""
    with collector_paused():  # a record per row: see core/gcpause.py
        return _read_rows(grid, spec, h, others, top)


def _read_rows(grid: Grid, spec: TableSpec, h: Header, others: tuple[TableSpec, ...], top: int
               ) -> tuple[Table, int]:
    rows = grid.rows
    lay = Rows(grid, spec, h, others, _header_of)
    records: list[Record] = []
    formula_cells: list[tuple[int, int, str]] = []
    notes: list[Note] = []
    unit_cells: dict[str, tuple[int, int, str]] = {}
    contact: Contact | None = None
    category: str | None = None
    end = limit = len(rows)  # where another table may begin; where the contact line may stand
    hidden = grid.hidden_values  # rows the reader blanked because they are hidden (usually none)
    hidden_read: list[int] = []
    # Bound once: the loop runs for every row of a 100,000-row table.
    fill, across, values_of, classify, keep = lay.fill, lay.across, lay.values, lay.classify, records.append
    plain = lay.plain  # plain data rows of a 附件1 in a few tests (rowkinds.plain_reader), else None
    for r in (todo := iter(range(lay.first, len(rows)))):
        if plain is not None and (after := plain(r, category, keep)) > r:
            if after > r + 1:  # rows r:after read: the loop goes on at ``after``
                next(islice(todo, after - r - 2, None), None)
            continue
        row = rows[r]
        if hidden and r in hidden:
            if _read_hidden(lay, r, hidden[r], records, notes, category, formula_cells):
                hidden_read.append(r + 1)
            continue
        if not fill and row.count("") == len(row):
            continue  # the common blank row, without building anything
        if r in across:
            # A row merged across the table is a category heading, unless it is the
            # contact line or a note: the official template merges its contact line
            # across the whole width too, and nothing under it is data.
            text = across[r]
            if CONTACT_RE.search(text) or FOOTER.match(text):
                contact = parse_contact(r, row) if CONTACT_RE.search(text) else None
                end = r + 1
                break
            category = text
            continue
        values = values_of(row, r)
        kind = classify(row, r, values, len(records) > 0)
        if kind == SPLIT and records[-1].values[0] in ("", None):
            kind = DATA  # the row above has no 序号 either: rows without 序号 are this table's way
        if kind == DATA:
            rec = make_record(lay, r, row, values, category, formula_cells)
            if rec is not None:
                keep(rec)
        elif kind == HEADING:
            category = heading_text(row, lay.own(row))
        elif kind == CONTINUATION:
            notes.append(continue_row(lay, records[-1], r, row))
        elif kind == SPLIT:
            notes.append(_split_note(lay, r, row, records[-1].row))
        elif kind == UNITS and not records:
            # The units a row under the header states count like the header's own (万元 above,
            # 元 here: two readings): keep them for checking/table_rules.py.
            unit_cells.update(_unit_cells(h, r, row))
            notes.append(("row-units-skipped", r + 1, lay.own(row)[0], {"text": row_text(row)[:60]}))
        elif kind in (HEADER, UNITS, UNCLASSIFIED):
            code: FindingCode = ("header-repeated" if kind == HEADER else "row-units-skipped" if kind == UNITS
                                 else "row-unclassified")
            notes.append((code, r + 1, lay.own(row)[0], {"text": row_text(row)[:60]}))
        elif kind in (CONTACT, END):
            contact = parse_contact(r, row) if kind == CONTACT else None
            end = r + 1 if kind == CONTACT or FOOTER.match(row_text(row)) else r
            limit = len(rows) if end > r else r  # never look for a contact line in the next table
            break
    if spec.kind == TableKind.APPENDIX2 and grid.merges:
        records = fold_merged_rows(lay, records, notes)
    readings = [*(_twin_readings(lay, records) if h.twins else ()),
                *(_revised_readings(lay, records) if grid.revised else ())]
    if contact is None:
        contact = _contact_below(rows, records[-1].row if records else lay.first, limit)
    bureau, county, contact = _bureau_county(grid, h, top, contact)
    elsewhere = _county_elsewhere(grid, h.row, top) if county is None else None
    table = Table(spec, grid.name, h, records, bureau, county, contact, formula_cells, notes, elsewhere,
                  unit_cells=unit_cells, caption_unit=_caption_unit(grid, h.row, top),
                  merged_numbers=_merged_numbers(grid, spec, h, records) if grid.merges else [],
                  readings=readings, hidden_read=hidden_read)
    return table, end


def _contact_below(rows: list[list[object]], last: int, limit: int) -> Contact | None:
    """The contact line in the 8 rows below the table's last row (0-based ``last`` on), above ``limit``."""
    for r in range(last, min(last + 8, limit)):
        contact = parse_contact(r, rows[r])
        if contact is not None:
            return contact
    return None


def _read_hidden(lay: Rows, r: int, row: list[object], records: list[Record], notes: list[Note],
                 category: str | None, formula_cells: list[tuple[int, int, str]]) -> bool:
    """A hidden row under the header (filtered out, or hidden by hand): a row of the table the
    clerk cannot see. Read like the others when it is data or a continuation (a filtered
    township dropped from a sum, or a filtered problem from the rate, was silent) and
    reported as an error (shapes.hidden_findings); anything else stays unread. True when read."""
    values = lay.values(row, r)
    kind = lay.classify(row, r, values, bool(records))
    if kind == DATA and (rec := make_record(lay, r, row, values, category, formula_cells)) is not None:
        records.append(rec)
        return True
    if kind == CONTINUATION:
        notes.append(continue_row(lay, records[-1], r, row))
        return True
    return False


def _bureau_county(grid: Grid, h: Header, top: int, contact: Contact | None
                   ) -> tuple[tuple[int, int, str] | None, str | None, Contact | None]:
    """The 盖章 line above the header, the county it names, and the contact line when it stands on it."""
    rows = grid.rows
    bureau = _bureau(grid, h.row, top)
    county = None
    if bureau is not None:
        county = county_from_bureau_line(bureau[2])
        if county is None:
            # "填报单位（盖章）：" in one cell and "谷城县商务局" in the next.
            county = county_from_bureau_line(row_text(rows[bureau[0] - 1]))
        if contact is None and CONTACT_RE.search(row_text(rows[bureau[0] - 1])):
            contact = parse_contact(bureau[0] - 1, rows[bureau[0] - 1])  # unit and contact on one line
    return bureau, county, contact


def _revised_readings(lay: Rows, records: list[Record]) -> list[Reading]:
    """A Word table's cells whose revision was not accepted: the text before it, per column."""
    by_key: dict[str, dict[int, object]] = {}
    revised = lay.grid.revised
    for rec in records:
        for key, c in lay.keyed:
            before = revised.get((rec.row - 1, c))
            if before is not None:
                by_key.setdefault(key, {})[rec.row] = before
    return [Reading(key, cells) for key, cells in by_key.items()]


def _split_note(lay: Rows, r: int, row: list[object], prev: int) -> Note:
    """``row-split``: the row looks like the row above written over two rows (rowkinds.Rows.split)."""
    own = lay.own(row)
    return ("row-split", r + 1, own[0], {"fields": "、".join(f"「{_header_at(lay, c)}」" for c in own), "prev": prev})


def _header_at(lay: Rows, c: int) -> str:
    """The official name of the table's column ``c`` (an extra column: its own header)."""
    key = next((k for k, col in lay.keyed if col == c), None)
    return lay.spec.column(key).header if key is not None else lay.h.extras.get(c, "")


def _twin_readings(lay: Rows, records: list[Record]) -> list[Reading]:
    """Each twin column's cells in the table's rows, as read for the first column (merges
    filled in, a formula without a saved value marked)."""
    out = []
    rows, formulas = lay.grid.rows, lay.grid.formulas_without_value
    for key, c in lay.h.twins:
        cells: dict[int, object] = {}
        for rec in records:
            r = rec.row - 1
            row = lay.grid.hidden_values.get(r, rows[r])  # a hidden row read into the table: its own values
            v = row[c] if c < len(row) else ""
            if v == "" and lay.fill:
                v = lay.fill.get((r, c), "")
            cells[rec.row] = FORMULA_NO_VALUE if (r, c) in formulas else v
        out.append(Reading(key, cells, c, lay.h.extras.get(c, "")))
    return out


def _merged_numbers(grid: Grid, spec: TableSpec, h: Header, records: list[Record]) -> list[tuple[int, int, int, int]]:
    """附件2's merged cells that give one figure to several number cells: across two number
    columns (淘汰站点 and 新建改造站点 both 12), or down over the rows of different counties or
    townships (each row would count it). Down within one county's merged 县（市、区） cell is
    one row (rowkinds.fold_merged_rows) and is fine."""
    if spec.kind != TableKind.APPENDIX2:
        return []
    numbers = {h.cols[c.key] for c in spec.columns if c.is_number and c.key in h.cols}
    county = h.cols.get("county")
    folds = [(r0, r1) for (r0, c0), (r1, c1) in grid.merges if county is not None and c0 <= county <= c1 and r1 > r0]
    rows = {rec.row - 1 for rec in records}
    out = []
    for (r0, c0), (r1, c1) in grid.merges:
        covered = [r for r in range(r0, r1 + 1) if r in rows]
        cols = [c for c in range(c0, c1 + 1) if c in numbers]
        if not covered or not cols:
            continue
        across = len(cols) > 1
        down = len(covered) > 1 and not any(a <= r0 and r1 <= b for a, b in folds)
        if across or down:
            out.append((r0 + 1, c0, r1 + 1, c1))
    return out


def _unit_cells(h: Header, r: int, row: list[object]) -> dict[str, tuple[int, int, str]]:
    """A unit row's non-blank cells under the table's columns: key → (1-based row, 0-based col, text)."""
    out = {}
    for key, c in h.cols.items():
        text = clean_text(row[c]) if c < len(row) else ""
        if text:
            out[key] = (r + 1, c, text)
    return out


# "单位：元", "金额单位：万元", "（单位：元）" above a table: the unit its amounts are written in.
# Not "填报单位：…" (the bureau), and the unit must end there ("单位：元阳县商务局" is a bureau).
CAPTION_UNIT_RE = re.compile(
    r"(?<!填报)(?<!报送)(?<!责任)(?:金额|计量)?单位\s*[:：]\s*[（(]?([千万亿]?元)(?=$|[)）、,，;；/\s])")


def _caption_unit(grid: Grid, header_row: int, top: int) -> tuple[int, int, str] | None:
    """The first "单位：元" line above the header (down to row ``top``), as (1-based row, 0-based col, text)."""
    for r in range(top, header_row):
        for c, raw in enumerate(grid.rows[r]):
            if isinstance(raw, str) and "单位" in raw and CAPTION_UNIT_RE.search(clean_text(raw)):
                return r + 1, c, clean_text(raw)
    return None


def find_tables(grid: Grid, specs: tuple[TableSpec, ...]) -> list[Table]:
    """The tables on one sheet: one, or several one under another (附件1 and 附件2 on one
    sheet); else a 附件2 turned sideways (its indicator names down a column)."""
    tables = _find_tables(grid, specs)
    if tables or not grid.rows:
        return tables
    sideways = tuple(s for s in specs if s.kind == TableKind.APPENDIX2)
    if not sideways:
        return tables
    width = max(len(r) for r in grid.rows)
    if width > HEADER_SCAN_ROWS:
        return tables  # more columns than a header scan: not a county's 附件2 turned sideways
    # Only a sheet where no table was found is turned (WPS/Excel "转置"), and only its rows
    # that name an indicator in their first cells: the title and 盖章 line above are not columns.
    m = _matcher(sideways[0])
    hits = [r for r, row in enumerate(grid.rows[:HEADER_SCAN_ROWS])
            if any(isinstance(v, str) and v and _names_column(m, normalize_header(v)) for v in row[:3])]
    if len(hits) < 4:
        return tables
    rows: list[list[object]] = [row if hits[0] <= r <= hits[-1] else [""] * len(row) for r, row in enumerate(grid.rows)]
    _label_row(grid, m, hits, rows)
    turned = Grid(grid.name, [[r[c] if c < len(r) else "" for r in rows] for c in range(width)],
                  [((c0, r0), (c1, r1)) for (r0, c0), (r1, c1) in grid.merges])
    found = _find_tables(turned, sideways)
    for t in found:
        _sideways(grid, t)
    return found


# What clerks write over the indicator names of a 附件2 turned sideways, where the form has
# 县（市、区）: "指标 | 谷城县" (or 项目, 指标名称 …) heads the column of names and the column of figures.
_LABEL_HEADER = re.compile(r"^(?:统计)?(?:指标|项目|类别|内容|名称)(?:名称|内容)?$")


def _label_row(grid: Grid, m: _Matcher, hits: list[int], rows: list[list[object]]) -> None:
    """The row above the first indicator name when it heads the columns ("指标 | 谷城县"): it is
    the turned table's 县（市、区） row (the figures' column named by its county or 数量), not a
    missing 县（市、区） column (audit26 t19). ``rows`` is changed in place."""
    def name_col(r: int) -> int | None:
        return next((c for c, v in enumerate(grid.rows[r][:3]) if isinstance(v, str) and v
                     and _names_column(m, normalize_header(v))), None)

    cols = Counter(c for r in hits if (c := name_col(r)) is not None)
    col = cols.most_common(1)[0][0]
    first = next(r for r in hits if name_col(r) == col)
    if first == 0 or (m.match(normalize_header(str(grid.rows[first][col]))) or ("",))[0] == "county":
        return  # the turned table has its 县（市、区） row
    above = grid.rows[first - 1]
    if col >= len(above) or not _LABEL_HEADER.match(normalize_header(clean_text(above[col]))):
        return
    if not any(clean_text(v) for v in above[col + 1:]):
        return  # a lone label: nothing heads a column of figures
    row = list(above)
    row[col] = "县（市、区）"
    rows[first - 1] = row


def _names_column(m: _Matcher, text: str) -> bool:
    """The text is a column's name or alias (not merely contains one, as a title does)."""
    return text in m.exact or text in m.loose or _BRACKETS.sub("", text) in m.loose


def _sideways(grid: Grid, t: Table) -> None:
    """The 盖章 line, title and contact line of a 附件2 turned sideways stand above and below
    it on the sheet: read them there, and keep every position in the turned coordinates."""
    first = min([*t.header.cols.values(), *t.header.extras])  # the table's top row on the sheet
    last = max([*t.header.cols.values(), *t.header.extras])
    bureau = _bureau(grid, first)
    t.bureau, t.county = None, None
    if bureau is not None:
        r, c, text = bureau
        t.bureau = (c + 1, r - 1, text)
        t.county = county_from_bureau_line(text) or county_from_bureau_line(row_text(grid.rows[r - 1]))
    t.county_elsewhere = _county_elsewhere(grid, first, 0) if t.county is None else None
    for r in range(last + 1, min(last + 9, len(grid.rows))):
        contact = parse_contact(r, grid.rows[r])
        if contact is not None:
            contact.row, contact.col = contact.col + 1, contact.row - 1
            t.contact = contact
            break
    t.transposed = True
    t.notes.append(("table-transposed", t.header.row + 1, first, {"name": grid.name}))


def _find_tables(grid: Grid, specs: tuple[TableSpec, ...]) -> list[Table]:
    tables: list[Table] = []
    start = top = 0
    while start < len(grid.rows):
        found = find_header(grid, specs, start)
        if found is None:
            break
        spec, h = found
        table, end = _build_table(grid, spec, h, specs, top)
        tables.append(table)
        start = max(end, h.row + 1)
        # The next table's 盖章 line stands between this table's last row and its header.
        top = table.records[-1].row if table.records else h.row + 1
    # Both tables on one sheet share the contact line under the last one, and the 盖章 line
    # above the first when the second has none of its own.
    shared = next((t.contact for t in reversed(tables) if t.contact is not None), None)
    for prev, t in zip([None, *tables], tables, strict=False):
        if t.contact is None:
            t.contact = shared
        if t.bureau is None and prev is not None:
            t.bureau, t.county = prev.bureau, prev.county
    return tables
