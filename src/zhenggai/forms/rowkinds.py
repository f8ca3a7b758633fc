"""The rows under a table's header, each classified by all its cells (issue 18, class 2).

A row is data; a category heading (text only in the first one or two columns, or one
cell merged across the table); a continuation (only 整改措施 or 备注 filled, no 序号 and
no problem: a paragraph pasted from Word onto a row of its own, appended to the problem
above); this table's header repeated (after a page break or blank rows: skipped); a row
of units or column numbers under the header (skipped); 合计; a note or the contact line
(the table ends there); another table's header (附件2 under 附件1 on one sheet: this
table ends); or blank. A row that fits none is an error naming it, never a heading
because of its first characters. How a row was read, when the clerk should hear it,
goes into ``Table.notes``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from zhenggai.core.codes import FindingCode
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import clean_text, normalize_header
from zhenggai.core.schema import TableSpec
from zhenggai.core.table import Header, Record
from zhenggai.intake.reader import Grid

Note = tuple[FindingCode, int, int, dict[str, object]]

class _FormulaNoValue:
    """Marks a formula cell whose result was never saved (calamine reads it as empty)."""

    __slots__ = ()

    # Written as text where a cell's value is shown (the rollup's sheets, messages): Chinese,
    # as everything a clerk reads; the cell's own finding (formula-no-value) says what to do.
    def __repr__(self) -> str:
        return "（公式未保存计算结果）"

    __str__ = __repr__


FORMULA_NO_VALUE = _FormulaNoValue()

_CATEGORY = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[部类项])"
)
FOOTER = re.compile(r"^(?:注[:：]|说明[:：]|填表说明|填表人|审核人|单位负责人|制表|填报说明)")
CONTACT_RE = re.compile(r"联系人|联系电话")
# A total row's label: 合计, 全县合计, 合计数, 总数, and the county's (or 市's) own name before
# it (谷城县合计, 谷城县（合计）, 谷城县汇总, 县级合计), or the whole county alone (全县, 全市,
# 全区, 谷城县全县). Unrecognised, such a row was added to the township rows it totals:
# the county's figures counted twice (audit26 t24/t25). "县本级" is a part (the county's own
# bureaus beside its townships), never a total.
_TOTAL_RE = re.compile(
    r"^(?P<place>[\u4e00-\u9fff]{1,10}?[县市区州旗盟省])?[（(]?"
    r"(?:(?:全[县市省区州旗盟]|本[县市区]|各[乡镇]+|[县市区州]级)?(?:合计|总计|小计|共计|汇总|总数|总量)数?"
    r"|全[县市省区州旗盟])"
    r"[)）]?[:：]?$")
_ALL_SPACE = re.compile(r"\s+")
_TOTAL_END = frozenset("计总数量县市省区州旗盟")  # the last character of every _TOTAL_RE match, before ) and :
_TOTAL_CHARS = frozenset("计汇总全")
TOTAL_LABEL_MAX = 40  # a label, not a sentence: longer text is never a total (spares the regex)


def is_total_label(text: str) -> bool:
    """True for a 合计/总计/小计/全县 label in any spacing: such a row holds totals, not data."""
    # Every label holds 计, 汇, 总 or 全 and is short: a test of length and characters spares
    # the regex substitution for the ~100,000 problem descriptions of a big table. Four
    # substring tests, not _TOTAL_CHARS.isdisjoint(text): that makes a str of each CJK
    # character (~2 µs a description, ~8× these); the same answer (tests/test_row_classes.py).
    if not text or len(text) > TOTAL_LABEL_MAX or not ("计" in text or "汇" in text or "总" in text or "全" in text):
        return False
    # A label ends in 计, 总, 数, 量 or the 县 of 全县, then perhaps ")" and ":", spaces anywhere:
    # a text ending otherwise is none, without the regex (~1.5 µs; a big table's problem texts
    # with 全 or 总 in them, ~10 % of its rows). Stripped in the regex's order, from the end.
    if text.rstrip().rstrip(":：").rstrip().rstrip(")）").rstrip()[-1:] not in _TOTAL_END:
        return False
    m = _TOTAL_RE.match(_ALL_SPACE.sub("", text))
    # 高新区小计, 开发区合计: a zone's subtotal is a part of the county, never its total.
    return m is not None and not (m["place"] and _ZONE_END.search(m["place"]))


_ZONE_END = re.compile(r"(?:开发|经开|园|新|城|片|矿|景|工业|保税|农业|产业|物流)区$")


def row_text(row: list[object]) -> str:
    return " ".join(t for t in (clean_text(v) for v in row) if t)


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


# --- the rows under a header, each classified by all its cells ---------------------------
#
# data · category heading · continuation · repeated header · units (or column-number) row ·
# 合计 · notes and the contact line (the table ends) · blank. A row that fits none is an
# error naming it, never a heading because of its first characters.

DATA, SKIP, HEADING, CONTINUATION, HEADER, UNITS, END, CONTACT, UNCLASSIFIED, SPLIT = range(10)
# Units written in a row of their own under the header: "万元", "（个）", "单位：万元".
_UNITS_CELL = re.compile(
    r"^[（(]?(?:(?:金额|计量)?单位[:：]?)?[（(]?(?:[十百千万亿]?元|个|人|家|村|次|项|名|处|%)[)）]?$"
)
# Columns that alone make a row a continuation of the row above: what a paragraph pasted
# from Word onto a row of its own fills.
_CONTINUED = {TableKind.APPENDIX1: frozenset({"measure"}), TableKind.APPENDIX2: frozenset({"note"})}


def _blank(v: object) -> bool:
    return v is None or v == "" or (isinstance(v, str) and v.isspace())


class Rows:
    """The columns of one table and what its merges fill in, to classify each row by all its cells."""

    def __init__(self, grid: Grid, spec: TableSpec, h: Header, others: tuple[TableSpec, ...],
                 header_of: Callable[[list[object], TableSpec], bool]) -> None:
        self.grid, self.spec, self.h, self.others = grid, spec, h, others
        self.header_of = header_of  # tables.py's header test: (row, spec) → whether it is that spec's header
        self.first = h.row + 1
        self.cols = [h.cols.get(c.key) for c in spec.columns]
        self.keyed = [(c.key, h.cols[c.key]) for c in spec.columns if c.key in h.cols]
        self.seq_col = h.cols.get("seq")
        self.county_col = h.cols.get("county")
        self.probe_col = h.cols.get("problem", self.county_col)  # a short text here may be a header
        mapped = {c for c in self.cols if c is not None}
        self.extra_cols = sorted(h.extras)
        self.first_col = min(mapped | set(self.extra_cols))
        self.last_mapped = max(mapped, default=-1)
        merged = bool(grid.merges)
        self.fill, self.across = _merge_maps(grid, self.first, self.first_col, h.last_col) if merged else ({}, {})
        self.groups = _problem_groups(grid, h.cols.get("problem"), self.first) if merged else {}
        self.continued = {h.cols[k] for k in _CONTINUED.get(spec.kind, ()) if k in h.cols} | set(self.extra_cols)
        self.lead = {self.first_col, self.first_col + 1}
        # Every column of the spec found, as in nearly every reply: one C call takes a row's values.
        self.take = itemgetter(*self.cols) if len(self.cols) > 1 and None not in self.cols else None
        self.plain = plain_reader(self)

    def values(self, row: list[object], r: int) -> list[object]:
        width = len(row)
        if width > self.last_mapped:  # every mapped column is in the row (calamine's rows are all as wide)
            take = self.take
            values = list(take(row)) if take is not None else [None if c is None else row[c] for c in self.cols]
        else:
            values = [None if c is None else row[c] if c < width else "" for c in self.cols]
        if self.fill:
            for i, c in enumerate(self.cols):
                if c is not None and values[i] == "":
                    values[i] = self.fill.get((r, c), "")
        return values

    def own(self, row: list[object]) -> list[int]:
        """Columns of the table filled in this row itself (not by a merge from above)."""
        end = min(len(row), self.h.last_col + 1)
        return [c for c in range(self.first_col, end) if not _blank(row[c])]

    def is_header(self, row: list[object], r: int) -> int | None:
        """HEADER (this table's header again) or END (another table's) for a header row."""
        probe = self.probe_col
        text = row[probe] if probe is not None and probe < len(row) else ""
        if not isinstance(text, str) or len(text) > 24 or any(isinstance(v, (int, float)) for v in row):
            return None  # a header's cells are short texts: data rows leave here
        for kind, spec in ((HEADER, self.spec), *((END, o) for o in self.others if o is not self.spec)):
            if self.header_of(row, spec):
                return kind
        return None

    def is_units(self, row: list[object], own: list[int], r: int) -> bool:
        """A row of units ("万元", "（个）") or of column numbers (1 2 3 … right under the header)."""
        texts = [clean_text(row[c]) for c in own]
        if all(_UNITS_CELL.match(normalize_header(t).replace("(", "（").replace(")", "）")) for t in texts):
            return True
        numbers = [int(float(t)) if t.replace(".0", "").isdigit() else -1 for t in texts]
        return r == self.first and len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1))

    def isheading_text(self, row: list[object], own: list[int], r: int) -> bool:
        """Text only in the first one or two columns (序号 not a number), or a lone ordinal problem cell."""
        if not own or not set(own) <= self.lead or r in self.groups:
            return False
        if any(not isinstance(row[c], str) for c in own):
            return False
        first = clean_text(row[own[0]])
        if is_total_label(first.replace(" ", "")):
            return False  # 合计/小计: totals, never the category of the rows below
        if own[0] == self.seq_col or (self.seq_col is None and own[0] not in self.h.cols.values()):
            return not first.isdigit()
        # Only the 问题描述 column: a heading when it reads as one and the next row is a
        # problem of its own (under a heading); a problem whose measures follow is data.
        nxt = next((x for x in self.grid.rows[r + 1:r + 40] if self.own(x)), None)
        follows = nxt is not None and any(not _blank(nxt[c]) for c in self.lead if c < len(nxt))
        return len(own) == 1 and _CATEGORY.match(first) is not None and follows

    def classify(self, row: list[object], r: int, values: list[object], have_records: bool) -> int:
        """What a non-blank row is (DATA the common case, decided first)."""
        seq = values[0] if self.seq_col is not None else None
        if (type(seq) is float or type(seq) is int) and self.spec.kind == TableKind.APPENDIX1:
            # 序号 a number: data, unless the rest is a row of column numbers under the header.
            return UNITS if r == self.first and self.is_units(row, self.own(row), r) else DATA
        own = self.own(row)
        if not own:
            return SKIP  # only filled by a merge from above, or outside the table
        text = row_text(row) if len(own) <= 2 else ""
        if text and CONTACT_RE.search(text):
            return CONTACT
        if text and FOOTER.match(text):
            return END
        header = self.is_header(row, r)
        if header is not None:
            return header
        if all(isinstance(row[c], str) for c in own) and self.is_units(row, own, r):
            return UNITS
        if self.spec.kind == TableKind.APPENDIX2:
            return DATA
        if self.isheading_text(row, own, r):
            return HEADING
        if self.continued and set(own) <= self.continued and self.h.cols.get("problem") not in self.fill_cols(r):
            return CONTINUATION if have_records else UNCLASSIFIED
        if have_records and self.split(row, own, r):
            return SPLIT
        return DATA

    def split(self, row: list[object], own: list[int], r: int) -> bool:
        """No 序号, no 是否完成整改 and no 完成时限, only text (问题描述 wrapped onto a row of its own,
        with or without more 整改措施 and a 责任人): the row above written over two rows, or
        another problem left half filled in. Never a problem of its own without saying so."""
        h = self.h.cols
        if self.seq_col is None or self.seq_col in own or (r, self.seq_col) in self.fill:
            return False
        text = {h[k] for k in ("problem", "measure", "owner", "unit") if k in h} | set(self.extra_cols)
        return set(own) <= text and not any(
            h[k] in self.fill_cols(r) for k in ("problem", "done", "deadline") if k in h)

    def fill_cols(self, r: int) -> set[int]:
        return {c for c in self.cols if c is not None and (r, c) in self.fill} if self.fill else set()


def _first_two_filled(values: list[object]) -> list[object]:
    """The first two values that are not blank (``_blank`` written out, and no further: this
    runs for every row of a 100,000-row table, and a data row's first two cells are filled)."""
    if len(values) >= 2:
        # A data row: 序号 and 问题描述 both filled (the loop below, unrolled for them).
        a, b = values[0], values[1]
        if (a is not None and a != "" and not (isinstance(a, str) and a.isspace())
                and b is not None and b != "" and not (isinstance(b, str) and b.isspace())):
            return [a, b]
    out: list[object] = []
    for v in values:
        if v is None or v == "" or (isinstance(v, str) and v.isspace()):
            continue
        out.append(v)
        if len(out) == 2:
            break
    return out


def make_record(rows: Rows, r: int, row: list[object], values: list[object], category: str | None,
            formula_cells: list[tuple[int, int, str]]) -> Record | None:
    """The record of a data row; None for a row that only looks filled (序号 alone, 附件1's 合计)."""
    filled = _first_two_filled(values)
    width = len(row)
    if len(filled) < 2 and not any(row[c] != "" for c in rows.extra_cols if c < width):
        if not filled:
            return None
        if rows.seq_col is not None and values[0] == filled[0]:
            return None  # only 序号 filled: a numbered empty row of the template
    # A plain loop, not any(genexpr): this runs for every row of a 100,000-row table. Every
    # total label is short and holds 计, 汇, 总 or 全 (is_total_label), which trimming cannot
    # add: a problem description without them is no label, without trimming it.
    total = False
    for v in filled:
        if isinstance(v, str) and len(v) <= TOTAL_LABEL_MAX and is_total_label(clean_text(v)):
            total = True
            break
    county_col = rows.county_col
    if not total and county_col is not None:
        total = is_total_label(clean_text(row[county_col] if county_col < width else ""))
    if total and rows.spec.kind != TableKind.APPENDIX2:
        return None  # a 合计 row of 附件1: totals, not a problem
    groups = rows.groups
    # Positional (extras a new dict, as its default_factory makes): keywords cost a tenth more.
    rec = Record(r + 1, values, category, {}, total, groups.get(r) if groups else None)
    if rows.extra_cols:
        rec.extras = {rows.h.extras[c]: row[c] for c in rows.extra_cols if c < width and row[c] != ""}
    formula = rows.grid.formulas_without_value
    if formula:
        for i, c in enumerate(rows.cols):
            if c is not None and (r, c) in formula:
                values[i] = FORMULA_NO_VALUE
                formula_cells.append((r + 1, c, rows.spec.columns[i].key))
    return rec


PlainReader = Callable[[int, "str | None", Callable[[Record], None]], int]


def plain_reader(rows: Rows) -> PlainReader | None:
    """What ``classify`` and ``make_record`` make of plain data rows, decided in a few tests.

    A big 附件1 is ~100,000 rows that are all alike: 序号 a number, 问题描述 a text that is no
    total label, no category merged across, formula or hidden row among them. Read the general
    way each costs ~2.5 µs (values, classify, make_record, is_total_label: five calls); this
    reads it in ~1 µs, most of it the record itself: the parent's serial time before the rows
    are checked on two CPUs (issue 22). ``read(r, category, keep)`` reads the plain rows from
    ``r`` on in one loop (a call a row less), each record to ``keep``, and returns the first row
    it did not read (``r`` when that one is not proved plain), which the general path reads as
    before: the records are the ones it makes (tests/test_plain_rows.py builds tables both
    ways). None when the table is not a 附件1 whose columns are all found."""
    grid = rows.grid
    if (rows.spec.kind != TableKind.APPENDIX1 or rows.take is None or rows.seq_col is None
            or rows.county_col is not None):
        return None
    cols = [c for c in rows.cols if c is not None]  # all of them (rows.take)
    # The rows the general path reads otherwise than by their own cells: a category merged
    # across, a hidden row, a formula without its value, and the first row (perhaps column
    # numbers: classify's UNITS).
    special = sorted({rows.first, *rows.across, *grid.hidden_values, *(r for r, _ in grid.formulas_without_value)})
    # Cells a merge above fills in (values()), per row: (position in values, value). Never
    # the first two: a plain row has them filled itself, and values() fills only blanks.
    at = {c: i for i, c in enumerate(cols)}
    fills: dict[int, list[tuple[int, object]]] = {}
    for (r, c), v in rows.fill.items():
        if c in at:
            fills.setdefault(r, []).append((at[c], v))
    fill_of = fills.get if fills else None
    group_of = rows.groups.get if rows.groups else None
    # classify reads values[0] as 序号 and make_record the first two values: the first two columns.
    first_at, second_at, last = cols[0], cols[1], rows.last_mapped
    extra_cols, names = rows.extra_cols, rows.h.extras
    # The columns side by side (the official order, as nearly always): a slice, half the cost
    # of the itemgetter (the same list).
    lo, hi = cols[0], cols[0] + len(cols)
    take = rows.take if cols != list(range(lo, hi)) else None
    table, end = grid.rows, len(grid.rows)

    def read(r: int, category: str | None, keep: Callable[[Record], None]) -> int:
        at_special = bisect_left(special, r)
        stop = special[at_special] if at_special < len(special) else end  # read up to the next special row
        while r < stop:
            row = table[r]
            if len(row) <= last:
                return r  # values() would pad the row; classify or make_record look further
            seq = row[first_at]
            second: Any = row[second_at]  # by its class below: a str subclass (Shown) goes the general way
            # classify: a numeric 序号 (not bool) in 附件1, not the first row → DATA. make_record:
            # both first values filled, so they are the two it reads; 序号 is no text, and the
            # second no total label (is_total_label, which the characters' test spares the regex
            # for nearly every row: longer than any label, or none of 计汇总全), nor for a text
            # ending in a letter or digit no label ends in (what clean_text and is_total_label
            # strip from the end is spaces, invisible marks, colons and brackets, never one:
            # "…未设快递网点" is no label, ~10 % of a big table's rows, ~1 µs each).
            if not ((seq.__class__ is float or seq.__class__ is int) and second.__class__ is str and second
                    and not second.isspace()):
                return r
            if (len(second) <= TOTAL_LABEL_MAX
                    and ("计" in second or "汇" in second or "总" in second or "全" in second)
                    and (second[-1] in _TOTAL_END or not second[-1].isalnum())
                    and is_total_label(clean_text(second))):
                return r
            values = row[lo:hi] if take is None else list(take(row))
            if fill_of is not None and (filled := fill_of(r)) is not None:
                # values() also sets "" where no merge fills a blank: "" again (a grid's only str
                # subclass, Shown, is never empty).
                for i, v in filled:
                    if values[i] == "":
                        values[i] = v
            rec = Record(r + 1, values, category, {}, False, group_of(r) if group_of is not None else None)
            if extra_cols:
                width = len(row)
                rec.extras = {names[c]: row[c] for c in extra_cols if c < width and row[c] != ""}
            keep(rec)
            r += 1
        return r

    return read


def _join(a: object, b: object) -> object:
    if _blank(a):
        return b
    return f"{clean_text(a)}\n{clean_text(b)}"


def continue_row(rows: Rows, prev: Record, r: int, row: list[object]) -> Note:
    """Append a continuation row's text to the record above (with a line break): one problem, one measure."""
    what = []
    for i, c in enumerate(rows.cols):
        if c is not None and c in rows.continued and not _blank(row[c]):
            prev.values[i] = _join(prev.values[i], row[c])
            what.append(rows.spec.columns[i].header)
    for c in rows.extra_cols:
        if c < len(row) and not _blank(row[c]):
            name = rows.h.extras[c]
            prev.extras[name] = _join(prev.extras.get(name, ""), row[c])
            what.append(name)
    return ("row-continuation", r + 1, rows.own(row)[0], {"fields": "、".join(f"「{w}」" for w in what),
                                                           "prev": prev.row})


def heading_text(row: list[object], own: list[int]) -> str:
    """A category heading's text: "一、业务建设方面", or "一" and "业务建设方面" in two cells."""
    parts = [clean_text(row[c]) for c in own]
    if len(parts) == 2 and (parts[0][-1:] in "、.．" or parts[0].isdigit()):
        return parts[0] + parts[1]
    return "、".join(parts) if len(parts) == 2 and _CN_ORDINAL.fullmatch(parts[0]) else " ".join(parts)


_CN_ORDINAL = re.compile(r"[一二三四五六七八九十]+|[（(][一二三四五六七八九十]+[)）]")


def fold_merged_rows(lay: Rows, records: list[Record], notes: list[Note]
                      ) -> list[Record]:
    """附件2: rows under one 县（市、区） cell merged down are one county's row.

    The merged cells hold one value for all of them; the cells each row has of its own
    (备注, a number typed twice) are joined, never one kept: a number joined with another is
    no number, so it is reported, not silently taken from one row.
    """
    col = lay.county_col
    spans = sorted((r0, r1) for (r0, c0), (r1, c1) in lay.grid.merges
                   if col is not None and c0 <= col <= c1 and r1 > r0)
    if not spans:
        return records
    out: list[Record] = []
    by_span: dict[tuple[int, int], Record] = {}
    for rec in records:
        span = next(((a, b) for a, b in spans if a <= rec.row - 1 <= b), None)
        base = by_span.get(span) if span is not None else None
        if span is None or base is None:
            if span is not None:
                by_span[span] = rec
            out.append(rec)
            continue
        r = rec.row - 1
        for i, c in enumerate(lay.cols):
            if c is not None and (r, c) not in lay.fill and not _blank(rec.values[i]):
                sep = "\n" if lay.spec.columns[i].key in ("note", "county") else "、"
                mine = clean_text(rec.values[i])
                base.values[i] = rec.values[i] if _blank(base.values[i]) else f"{clean_text(base.values[i])}{sep}{mine}"
        for name, v in rec.extras.items():
            base.extras[name] = _join(base.extras.get(name, ""), v)
        if notes and notes[-1][0] == "rows-merged-joined" and notes[-1][1] == base.row:
            notes.pop()  # one note per merged cell, naming all its rows
        notes.append(("rows-merged-joined", base.row, col or 0, {"rows": f"{base.row}–{rec.row}"}))
    return out

