"""Layouts clerks really send: which rows of a 附件2 belong to which county, what is hidden.

A helper of ``validate.py``. A 附件2 may hold one county's row (the form as issued),
one row per county (a 市 that collected its 县区 first), or one county broken down by
township, with or without a 合计 row. Each county gets exactly one row that counts,
or an error finding says why it cannot: never the first row found.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from zhenggai.core.findings import Finding, a1, make
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import clean_text, exact_sum
from zhenggai.core.results import APPENDIX_NAMES
from zhenggai.core.schema import Kind
from zhenggai.core.table import Table
from zhenggai.forms.labels import TOWNSHIP_ENDS, LabelKind, is_note_label, label_kind
from zhenggai.forms.nesting import label_of, nested_out, not_counted, read_table_nesting
from zhenggai.intake.reader import Grid

if TYPE_CHECKING:
    from zhenggai.core.results import Stats, TableResult

# Names of units below a county: a row named so is part of a breakdown, not a county.
_TOWNSHIP_RE = re.compile(rf"(?:{TOWNSHIP_ENDS})$")
_COUNTY_END_RE = re.compile(r"[县市区旗]$")


def is_county_name(name: str | None) -> bool:
    """True for a county-level name (谷城县, 枣阳市, 襄州区, 神农架林区), not a township's."""
    return bool(name) and _TOWNSHIP_RE.search(name or "") is None and _COUNTY_END_RE.search(name or "") is not None


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.6g}"


def assign_counties(t: TableResult, shown: str, county: str | None) -> tuple[dict[str, Stats], list[Finding]]:
    """The ``counties`` of a 附件2: the row that counts for each county it holds, and the
    findings about its rows.

    ``county`` is the sheet's county (its 盖章 line, else the file's). Key "" stands for
    a county that could not be named; merge names it after the file.
    """
    merged: list[Finding] = []
    if t.table.merged_numbers:
        t, merged = _merged_figures(t, shown)
    rows, found = _assign(t, shown, county)
    if t.table.hidden_read:
        rows = _hidden_out(t, rows)
    return rows, merged + found


def _hidden_out(t: TableResult, rows: dict[str, Stats]) -> dict[str, Stats]:
    """The figures a hidden row of the table gives or takes part in count in no total: read or
    not, one of the two readings is wrong (a filtered township, an old copy hidden by hand).
    In a 市's table of several counties only the county whose own row is hidden; in one
    county's table its figure, in every column a hidden row fills (hidden_findings says so)."""
    hidden = set(t.table.hidden_read)
    spec = t.table.spec
    keys = [c.key for c in spec.columns if c.is_number and c.key in t.table.header.cols]
    filled = {s.row: [k for k in keys if clean_text(s.values[spec.keys.index(k)])] for s in t.stats if s.row in hidden}
    several = len(rows) > 1
    out: dict[str, Stats] = {}
    for name, s in rows.items():
        mine = [r for r in filled if not several or r == s.row]
        cols = list(dict.fromkeys(k for r in mine for k in filled[r]))
        if not cols:
            out[name] = s
            continue
        why = f"第 {'、'.join(str(r) for r in sorted(mine))} 行是隐藏的行，读不出是否应计入"
        out[name] = not_counted(t, s, cols, why)
    return out


def _merged_figures(t: TableResult, shown: str) -> tuple[TableResult, list[Finding]]:
    """One figure merged over several number cells (tables.py ``merged_numbers``): in no total
    on any of the rows it covers, and ``number-merged`` (added once, it would count twice)."""
    spec, cols = t.table.spec, t.table.header.cols
    hit: dict[int, set[str]] = {}
    found: list[Finding] = []
    for r0, c0, r1, c1 in t.table.merged_numbers:
        keys = [c.key for c in spec.columns if c.is_number and c.key in cols and c0 <= cols[c.key] <= c1]
        for r in range(r0, r1 + 1):
            hit.setdefault(r, set()).update(keys)
        fields = "、".join(f"「{spec.column(k).header}」" for k in keys)
        rows = f"第 {r0} 行" if r0 == r1 else f"第 {r0}–{r1} 行"
        top = next((x for x in t.stats if x.row == r0), None)
        value = clean_text(top.values[spec.keys.index(keys[0])]) if top is not None else ""
        found.append(make("number-merged", file=shown, sheet=t.table.sheet, cell=a1(r0, c0), row=r0,
                          field=spec.column(keys[0]).header, value=value, rows=rows, fields=fields))
    stats = []
    for s in t.stats:
        covered = hit.get(s.row, set())
        if not covered:
            stats.append(s)
            continue
        numbers = {k: (None if k in covered else v) for k, v in s.numbers.items()}
        reasons = {**s.reasons, **dict.fromkeys(covered, "合并单元格：一个数占了几格，每格各算一次会多算")}
        stats.append(replace(s, numbers=numbers, reasons=reasons))
    return replace(t, stats=tuple(stats)), found


def _assign(t: TableResult, shown: str, county: str | None) -> tuple[dict[str, Stats], list[Finding]]:
    # A 备注 column of a 附件2 turned sideways is a row here; blank, it is no township.
    data = [s for s in t.stats if not s.total and not (is_note_label(label_of(t, s)) and _all_blank(t, s))]
    totals = [s for s in t.stats if s.total]
    if not data and not totals:
        return {}, []  # a blank form
    if len(data) == 1 and not totals:
        return {county or data[0].county or "": data[0]}, []
    names = [s.county for s in data]
    counties = {n for n in names if is_county_name(n)}
    if len(counties) > 1:
        # Several counties' rows (a 市's collected table). A row that names no county
        # (市本级, 某开发区) belongs to none of them: an error, never added to one.
        rows, found = _per_county(t, shown, [s for s in data if is_county_name(s.county)])
        col = t.table.header.cols.get("county", 0)
        found += [make("county-row-unknown", file=shown, sheet=t.table.sheet, cell=a1(s.row, col), row=s.row,
                       field="县（市、区）", value=s.county or "") for s in data if not is_county_name(s.county)]
        found += _collected_total(t, shown, [s for s in data if is_county_name(s.county)], totals)
        return rows, found
    return _by_label(t, shown, county or "", data, totals)


def _all_blank(t: TableResult, s: Stats) -> bool:
    keys = t.table.spec.keys
    return all(not clean_text(s.values[keys.index(c.key)]) for c in t.table.spec.columns if c.is_number)


def _by_label(t: TableResult, shown: str, county: str, data: list[Stats],
              totals: list[Stats]) -> tuple[dict[str, Stats], list[Finding]]:
    """One county's rows, by what their labels say (labels.py): two periods of the county are
    an error (``county-periods``); the county's name with a total label (谷城（合计）) is its
    total; with words that say neither part nor total, an error (``township-row-unclear``)
    and that row's figures in no total; the rest are its own row, townships and 合计 rows."""
    kinds = {s.row: label_kind(label_of(t, s), county) for s in [*data, *totals]}
    periods = [s for s in [*data, *totals] if kinds[s.row].period]
    own = [s for s in data if county and s.county == county]
    if periods and len(data) + len(totals) > 1:
        lone = periods[0] if len(periods) == 1 and not totals and not own else None
        if lone is None or kinds[lone.row].period != "累计":
            return _periods(t, shown, county, [*own, *periods])
        # "累计" under township rows is their 合计 (checked against them like one).
        kinds[lone.row] = LabelKind(total=True)
    named = [s for s in data if kinds[s.row].total]
    totals = [*totals, *(replace(s, county=None, total=True) for s in named)]
    unclear = [s for s in data if kinds[s.row].unclear]
    data = [s for s in data if not kinds[s.row].total and not kinds[s.row].unclear]
    # A bare 小计 with rows under it totals only the rows above it (a group's subtotal): read as one.
    inner = [s for s in totals if "小计" in label_of(t, s) and data and s.row < data[-1].row]
    totals = [s for s in totals if s not in inner]
    data = sorted([*data, *(replace(s, total=False) for s in inner)], key=lambda s: s.row)
    data, nested, found = read_table_nesting(t, shown, county, data, bool(totals))
    if len(data) == 1 and not totals and not unclear and not nested:
        return {county or data[0].county or "": data[0]}, found
    if not data and not totals:
        data = unclear[:1]  # only rows that cannot be told: the county's row, every figure out (below)
    rows, more = _breakdown(t, shown, county, data, totals)
    return rows, found + more + _unclear(t, shown, county, unclear, rows) + nested_out(t, shown, nested, rows)


def _unclear(t: TableResult, shown: str, county: str, unclear: list[Stats],
             rows: dict[str, Stats]) -> list[Finding]:
    """``township-row-unclear`` on each row naming the county that is neither its total nor a
    part: the county's figures in the columns such a row fills count in no total (``rows``
    updated: summed without it, or with it, both may be wrong)."""
    if not unclear:
        return []
    spec, cols = t.table.spec, t.table.header.cols
    keys = [c.key for c in spec.columns if c.is_number and c.key in cols]
    filled = [k for k in keys if any(clean_text(s.values[spec.keys.index(k)]) for s in unclear)]
    for name, s in rows.items():
        why = f"第 {'、'.join(str(u.row) for u in unclear)} 行写着本县县名，读不出是合计还是其中一部分"
        rows[name] = not_counted(t, s, filled, why)
    col = cols.get("county", 0)
    return [make("township-row-unclear", file=shown, sheet=t.table.sheet, cell=a1(s.row, col), row=s.row,
                 field="县（市、区）", value=label_of(t, s), county=county or "本县",
                 fields="、".join(f"「{spec.column(k).header}」" for k in filled) or "无") for s in unclear]


def _periods(t: TableResult, shown: str, county: str, rows: list[Stats]) -> tuple[dict[str, Stats], list[Finding]]:
    """Rows of one county for several periods (本期/累计, 上次/本次报送, 6月/7月): two readings of
    its figures, never added up as townships. A column where they agree counts; one where
    they differ counts in no total, and ``county-periods`` names the rows and the columns."""
    spec, cols = t.table.spec, t.table.header.cols
    keys = [c.key for c in spec.columns if c.is_number and c.key in cols]
    base = rows[0]
    numbers: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for key in keys:
        values = [s.numbers.get(key) for s in rows]
        if all(v is not None for v in values) and len(set(values)) == 1:
            numbers[key] = values[0]
            continue
        numbers[key] = None
        reasons[key] = "、".join(f"“{label_of(t, s)}”为 {'（未计入）' if v is None else _n(v)}"
                                for s, v in zip(rows, values, strict=True)) + "：几个时期的数，不知取哪一个"
    differ = [k for k in keys if numbers[k] is None]
    found = make("county-periods", file=shown, sheet=t.table.sheet, cell=a1(base.row, cols.get("county", 0)),
                 row=base.row, field="县（市、区）", value=label_of(t, base), county=county or "本县",
                 rows="、".join(f"第 {s.row} 行“{label_of(t, s)}”" for s in rows),
                 fields="、".join(f"「{spec.column(k).header}」" for k in differ) or "无")
    return {county: replace(base, county=county or None, numbers=numbers, reasons={**base.reasons, **reasons},
                            total=False)}, [found]


def _per_county(t: TableResult, shown: str, data: list[Stats]) -> tuple[dict[str, Stats], list[Finding]]:
    """One row per county (a 市's collected table): each county its own row."""
    by_name: dict[str, list[Stats]] = {}
    for s in data:
        by_name.setdefault(s.county or "", []).append(s)
    col = t.table.header.cols.get("county", 0)
    out: dict[str, Stats] = {}
    found: list[Finding] = []
    for name, rows in by_name.items():
        if len(rows) == 1:
            out[name] = rows[0]
            continue
        first = rows[0]
        found.append(make("county-row-repeated", file=shown, sheet=t.table.sheet, cell=a1(first.row, col),
                          row=first.row, field="县（市、区）", value=name, county=name, n=len(rows),
                          rows="、".join(str(s.row) for s in rows)))
    return out, found


def _breakdown(t: TableResult, shown: str, county: str, data: list[Stats],
               totals: list[Stats]) -> tuple[dict[str, Stats], list[Finding]]:
    """One county broken down by township: its 合计 row, checked against the rows; or their sum."""
    own = [s for s in data if county and s.county == county]
    if len({_figures(s) for s in own}) > 1:
        # "谷城县 10" and, below, an updated "谷城县 50": never the last row quietly, as for a
        # 市's table holding several counties (_per_county). Identical copies count once.
        return _per_county(t, shown, own)
    parts = [s for s in data if not (county and s.county == county)]
    grand = [s for s in totals if "小计" not in clean_text(s.values[0])] or totals
    anchor = (grand + own)[-1] if grand or own else None
    keys = [c.key for c in t.table.spec.columns if c.is_number and c.key in t.table.header.cols]
    cols = t.table.header.cols
    spec = t.table.spec
    found: list[Finding] = []
    if anchor is not None:
        numbers = dict(anchor.numbers)
        reasons = dict(anchor.reasons)
        for key in keys:
            values = [s.numbers.get(key) for s in parts]
            if not parts or numbers.get(key) is None or any(v is None for v in values):
                continue  # nothing to check against, or an error already reported on its cell
            got = exact_sum(v for v in values if v is not None)
            want = numbers[key]
            blank = [not clean_text(s.values[spec.keys.index(key)]) for s in parts]
            if any(blank) and (all(blank) or want is None or got <= want):
                # A blank cell is not 0: "其中：城关镇" rows that leave a column blank state
                # nothing about it (audit26 t23), so there is nothing to check against.
                continue
            if want is not None and got != want:  # both exact decimals: a fen off is off
                numbers[key] = None
                reasons[key] = f"各行相加为 {_n(got)}，与合计 {_n(want)} 不符"
                found.append(make("township-sum-mismatch", file=shown, sheet=t.table.sheet,
                                  cell=a1(anchor.row, cols[key]), row=anchor.row,
                                  field=spec.column(key).header, value=_n(want), sum=_n(got), total=_n(want)))
        found += _totals_agree(t, shown, anchor, [g for g in grand if g is not anchor], keys, numbers, reasons)
        if anchor.total or parts:
            found += _yuan_in_sum(t, shown, anchor.row, numbers, reasons)
        return {county: replace(anchor, county=county or None, numbers=numbers, reasons=reasons, total=False)}, found
    numbers_sum: dict[str, float | None] = {}
    reasons_sum: dict[str, str] = {}
    for key in keys:
        values = [s.numbers.get(key) for s in parts]
        if any(v is None for v in values):
            numbers_sum[key] = None
            bad = [str(s.row) for s in parts if s.numbers.get(key) is None]
            reasons_sum[key] = f"第 {'、'.join(bad)} 行的数未计入，合计不完整"
        else:
            # In decimal: 1.85 + 1.84 is 3.69, as the clerk adds it (binary gives 3.6900000000000004).
            numbers_sum[key] = exact_sum(v for v in values if v is not None)
    first = parts[0]
    values_out: list[object] = [""] * len(first.values)
    values_out[spec.keys.index("county")] = county
    values_out[spec.keys.index("note")] = f"由 {len(parts)} 个乡镇（单位）行相加"
    found.append(make("township-summed", file=shown, sheet=t.table.sheet, row=first.row,
                      cell=a1(first.row, cols.get("county", 0)), county=county or "本县", n=len(parts)))
    found += _yuan_in_sum(t, shown, first.row, numbers_sum, reasons_sum)
    return {county: replace(first, county=county or None, values=values_out, numbers=numbers_sum,
                            reasons=reasons_sum, extras={}, parts=len(parts),
                            errors=sum(s.errors for s in parts))}, found


def _collected_total(t: TableResult, shown: str, rows: list[Stats], totals: list[Stats]) -> list[Finding]:
    """A 市's collected 附件2: its 合计 row against the sum of the county rows. The rollup adds
    the county rows itself; a 合计 that differs means one of them is not what the 市 added
    up (``collected-total-differs``)."""
    cols = t.table.header.cols
    keys = [c.key for c in t.table.spec.columns if c.is_number and c.key in cols]
    index = {key: t.table.spec.keys.index(key) for key in keys}
    found: list[Finding] = []
    for total in [s for s in totals if "小计" not in clean_text(s.values[0])]:
        for key in keys:
            stated = total.numbers.get(key)
            values = [s.numbers.get(key) for s in rows]
            if stated is None or not clean_text(total.values[index[key]]) or any(v is None for v in values):
                continue  # a blank 合计 cell, or a county figure that is already an error
            got = exact_sum(v for v in values if v is not None)
            if got != stated:
                found.append(make("collected-total-differs", file=shown, sheet=t.table.sheet,
                                  cell=a1(total.row, cols[key]), row=total.row, field=t.table.spec.column(key).header,
                                  value=_n(stated), sum=_n(got), total=_n(stated)))
    return found


def _figures(s: Stats) -> tuple[tuple[str, float | None], ...]:
    return tuple(sorted(s.numbers.items()))


def _yuan_in_sum(t: TableResult, shown: str, row: int, numbers: dict[str, float | None],
                 reasons: dict[str, str]) -> list[Finding]:
    """``amount-maybe-yuan`` on the county's figure that a 合计 row or a sum of township rows
    gives (each row was checked alone in checking/rows.py; 2000 and 2500 typed in 元 each
    pass, their 4500 does not): the figure in no total (``numbers``, ``reasons`` updated)."""
    cols = t.table.header.cols
    found: list[Finding] = []
    for c in t.table.spec.columns:
        value = numbers.get(c.key)
        if c.kind is not Kind.AMOUNT or value is None or c.key not in cols or (yuan := c.as_yuan(value)) is None:
            continue
        assert c.plausible is not None
        numbers[c.key] = None
        reasons[c.key] = "像是按元填写，两种读法相差一万倍"
        found.append(make("amount-maybe-yuan", file=shown, sheet=t.table.sheet, cell=a1(row, cols[c.key]), row=row,
                          field=c.header, value=_n(value), number=_n(value), yuan=_n(yuan), low=_n(c.plausible[0]),
                          high=_n(c.plausible[1])))
    return found


def _totals_agree(t: TableResult, shown: str, anchor: Stats, others: list[Stats], keys: list[str],
                  numbers: dict[str, float | None], reasons: dict[str, str]) -> list[Finding]:
    """The county's own row against a 合计 row below it ("谷城县 15" and "合计 25"): two
    figures for one county, so a column where they differ counts in no total (``numbers``
    and ``reasons`` updated), never the county row quietly preferred."""
    cols = t.table.header.cols
    index = {key: t.table.spec.keys.index(key) for key in keys}
    found: list[Finding] = []
    for other in others:
        for key in keys:
            mine, theirs = numbers.get(key), other.numbers.get(key)
            if mine is None or theirs is None or mine == theirs or not clean_text(other.values[index[key]]):
                continue  # a blank 合计 cell states nothing (it reads as 0 only as a county's own figure)
            numbers[key] = None
            reasons[key] = f"本县行为 {_n(mine)}，合计行为 {_n(theirs)}，不一致"
            found.append(make("total-row-differs", file=shown, sheet=t.table.sheet, cell=a1(other.row, cols[key]),
                              row=other.row, field=t.table.spec.column(key).header, value=_n(theirs),
                              total=_n(theirs), own=_n(mine), own_row=anchor.row))
    return found


# A 县（市、区） column added to 附件1 by a 市 that collected its counties' rows into one sheet.
_COUNTY_COLUMN = frozenset({"县(市、区)", "县(市,区)", "县市区", "县区", "县(市)", "示范县", "县名", "县(市区)"})


def row_counties(table: Table) -> list[str] | None:
    """The county of each record of a 附件1 whose rows name several counties in an added
    县（市、区） column (a 市 that collected its 县区 first); None when the table has no such
    column or it names fewer than two counties. A row without a name belongs to the county
    above it (the cell is usually merged down)."""
    from zhenggai.core.parse import normalize_header

    header = next((text for text in table.header.extras.values() if normalize_header(text) in _COUNTY_COLUMN), None)
    if header is None:
        return None
    names: list[str] = []
    last = ""
    for rec in table.records:
        last = clean_text(rec.extras.get(header, "")) or last
        names.append(last)
    distinct = list(dict.fromkeys(n for n in names if n))
    if len(distinct) < 2 or not all(is_county_name(n) for n in distinct):
        return None
    return names


def split_by_county_column(t: TableResult) -> list[TableResult] | None:
    """A 附件1 whose rows name several counties in an added 县（市、区） column, split by county
    (``row_counties``); None when it has no such column."""
    from zhenggai.core.results import TableResult

    table = t.table
    names = row_counties(table) if len(t.items) == len(table.records) else None
    if names is None:
        return None
    out: list[TableResult] = []
    for name in dict.fromkeys(n for n in names if n):
        keep = [i for i, n in enumerate(names) if n == name]
        part = replace(table, records=[table.records[i] for i in keep], county=name)
        out.append(TableResult(part, items=tuple(t.items[i] for i in keep), county=name))
    return out


def struck_cell_findings(grid: Grid, tables: list[Table], display: str) -> list[Finding]:
    """A warning per cell whose text is struck through in a row not deleted: the reader kept
    only the text not struck (formats.py); the clerk sees what was left out and how it reads."""
    out = []
    for (r, c), s in sorted(grid.struck_cells.items()):
        kept = s.kept.strip()
        under = [t for t in tables if t.header.row < r and c in t.header.cols.values()]
        key = next((k for k, col in under[-1].header.cols.items() if col == c), None) if under else None
        out.append(make("text-struck-through", file=display, sheet=grid.name, cell=a1(r + 1, c), row=r + 1,
                        field=under[-1].spec.column(key).header if under and key else None,
                        value=s.full, struck=s.removed,
                        reading=f"本格按“{kept}”读取" if kept else "本格按未填写读取"))
    return out


_HIDDEN_EFFECT = {TableKind.APPENDIX1: "已计入问题数和完成率", TableKind.APPENDIX2: "这几行填了数的列未计入汇总"}


def hidden_findings(grid: Grid, tables: list[Table], shown: str) -> list[Finding]:
    """A warning per sheet whose hidden rows or columns (in or under a table) held something,
    and one for the rows struck through (the clerk's way of deleting a row on paper)."""
    if not tables:
        return []
    found: list[Finding] = []
    struck = [r for r in grid.struck_rows if r > min(t.header.row for t in tables)]
    if struck:
        found.append(make("row-struck-through", file=shown, sheet=grid.name, cell=a1(struck[0] + 1, 0),
                          row=struck[0] + 1, name=grid.name, rows="、".join(str(r + 1) for r in struck)))
    found += struck_cell_findings(grid, tables, shown)
    from zhenggai.core.findings import column_letter

    header_row = min(t.header.row for t in tables)
    for t in tables:
        if t.hidden_read:
            rows_read = "、".join(str(r) for r in t.hidden_read[:10]) + (" 等" if len(t.hidden_read) > 10 else "")
            found.append(make("hidden-row-read", file=shown, sheet=grid.name, cell=a1(t.hidden_read[0], 0),
                              row=t.hidden_read[0], name=grid.name, appendix=APPENDIX_NAMES[t.kind],
                              rows=rows_read, effect=_HIDDEN_EFFECT[t.kind]))
    read = {r - 1 for t in tables for r in t.hidden_read}
    rows = [r for r in grid.hidden_rows if r > header_row and r not in read]
    parts = []
    if rows:
        parts.append("第 " + "、".join(str(r + 1) for r in rows[:10]) + (" 等" if len(rows) > 10 else "") + " 行")
    if grid.hidden_cols:
        parts.append(" ".join(column_letter(c) for c in grid.hidden_cols[:10]) + " 列")
    if not parts:
        return found
    cell = a1(rows[0] + 1, 0) if rows else a1(header_row + 1, grid.hidden_cols[0])
    found.append(make("hidden-cells-ignored", file=shown, sheet=grid.name, cell=cell, name=grid.name,
                      what="、".join(parts)))
    return found
