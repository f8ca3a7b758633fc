"""Rollup → the workbook a prefecture sends to the province (four print-ready sheets).

Totals are written as values, not formulas: a program that does not calculate
(a previewer, a phone, pandas) must read the same numbers Excel shows. A number that
could not be read is written as the clerk's text, marked red, and the total of its
column is marked too: it is never silently counted as 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from zhenggai.core.parse import exact_sum
from zhenggai.core.schema import APPENDIX1, Kind
from zhenggai.core.schema import Column as FormColumn
from zhenggai.outputs.category_sheet import write_category_sheet
from zhenggai.outputs.xlsx import Styles, cell_writer, row_height, setup_print, write_atomically
from zhenggai.rollup.layout import (
    AS_OF_LABEL,
    CHART_MIN_HEIGHT,
    CHART_MIN_ROWS,
    CHART_WIDTH,
    CONTACT_PREFIX,
    FINDINGS,
    HEADER_ROW,
    ITEMS,
    OVERVIEW,
    PREFECTURES,
    ROW_PIXELS,
    STATS,
    SUBTITLE_ROW,
    TITLE_PREFIX,
    TITLE_ROW,
    Column,
    SheetSpec,
    chart_height,
)
from zhenggai.rollup.model import CountySummary, Mark, Rollup, RollupItem, RollupStats, Signoff, Status
from zhenggai.rollup.official import total_mark, total_marks

TITLE_HEIGHT, HEADER_HEIGHT = 32, 36  # points


BLANK = "\u3000" * 6  # room to write by hand, as in the official forms


def unit_line(rollup: Rollup, signoff: Signoff) -> str:
    """"填报单位：襄阳市商务局（盖章）" (the province's 商务厅 for a province rollup)."""
    place = rollup.prefecture or ""
    unit = signoff.unit or (f"{place}{'商务厅' if rollup.province else '商务局'}" if place else BLANK)
    return f"填报单位：{unit}（盖章）"


def contact_line(signoff: Signoff) -> str:
    """"联系人：张三　　联系电话：0710-3256789", blanks where nothing was given."""
    return f"{CONTACT_PREFIX}{signoff.contact or BLANK}\u3000\u3000联系电话：{signoff.phone or BLANK}"


def _title(ws: Worksheet, st: Styles, rollup: Rollup, sheet: SheetSpec, last_col: int, signoff: Signoff) -> None:
    """附件 label, title, and the 填报单位 line with the as-of date at its right.

    The tool's name and the generation date are in the file properties, not on the
    page: the printed sheet is the prefecture's own attachment.
    """
    place = rollup.prefecture or ("全省" if rollup.province else "")
    ws.set_row(TITLE_ROW, TITLE_HEIGHT)
    first = 0
    if sheet.label and last_col > 0:
        ws.write_string(TITLE_ROW, 0, sheet.label, st.label_top)
        first = 1
    ws.merge_range(TITLE_ROW, first, TITLE_ROW, last_col, f"{place}{TITLE_PREFIX}{sheet.name}", st.title)
    ws.set_row(SUBTITLE_ROW, 20)
    as_of = rollup.as_of
    when = f"{AS_OF_LABEL} {as_of.year}年{as_of.month}月{as_of.day}日"
    split = max(0, last_col // 2)
    if split == 0 or split == last_col:
        ws.write_string(SUBTITLE_ROW, 0, f"{unit_line(rollup, signoff)}\u3000\u3000{when}", st.subtitle)
        return
    ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, split, unit_line(rollup, signoff), st.subtitle)
    ws.merge_range(SUBTITLE_ROW, split + 1, SUBTITLE_ROW, last_col, when, st.subtitle_right)


def _contact(ws: Worksheet, st: Styles, row: int, last_col: int, signoff: Signoff) -> int:
    """The 联系人 line one row under the table; returns its row."""
    ws.merge_range(row, 0, row, last_col, contact_line(signoff), st.note)
    return row


def _cols(columns: Sequence[Column]) -> list[tuple[str, float]]:
    return [(c.header, c.width) for c in columns]


def _fit(ws: Worksheet, row: int, values: Sequence[object], cols: Sequence[tuple[str, float]]) -> None:
    height = row_height(list(values), [w for _, w in cols])
    if height is not None:
        ws.set_row(row, height)


def _header(ws: Worksheet, st: Styles, columns: Sequence[tuple[str, float]]) -> None:
    # Header texts stay exactly the layout's (no line breaks inserted): programs that
    # read rollups find their columns by these texts. Room for three wrapped lines.
    ws.set_row(HEADER_ROW, max(HEADER_HEIGHT, 3 * 15 + 8))
    for c, (name, width) in enumerate(columns):
        ws.set_column(c, c, width)
        ws.write_string(HEADER_ROW, c, name, st.header)


def _overview(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff) -> None:
    ws = wb.add_worksheet(OVERVIEW.name)
    put = cell_writer(ws)
    coverage = any(s.coverage is not None for s in rollup.counties)
    spec = OVERVIEW.columns(province=rollup.province, coverage=coverage)
    cols = _cols(spec)
    last = len(cols) - 1
    _title(ws, st, rollup, OVERVIEW, last, signoff)
    _header(ws, st, cols)
    row = HEADER_ROW + 1
    keys = [c.key for c in spec]
    rate_col, county_col = keys.index("rate"), keys.index("county")
    for s in rollup.counties:
        fmt = st.error if s.status is not Status.SUBMITTED else st.center
        values: list[tuple[object, Any]] = []
        if rollup.province:
            values.append((s.prefecture or "", st.center))
        values += [(s.county, st.center), (s.status.label, fmt), (s.total, st.count), (s.done, st.count),
                   (s.open, st.count), (s.rate if s.rate is not None else "", st.percent),
                   (s.overdue, st.warning if s.overdue else st.count),
                   (s.errors, st.error if s.errors else st.count), (s.warnings, st.count)]
        if coverage:
            values.append((f"{s.coverage[0]}/{s.coverage[1]}" if s.coverage else "", st.center))
        values.append(("\n".join(s.files), st.text))
        for c, (v, f) in enumerate(values):
            put(row, c, v, f)
        _marks(ws, st, row, keys, values, s.marks)
        _fit(ws, row, [v for v, _ in values], cols)
        row += 1
    first_data, last_data = HEADER_ROW + 1, row - 1
    total = sum(s.total for s in rollup.counties)
    done = sum(s.done for s in rollup.counties)
    totals: list[tuple[object, Any]] = []
    if rollup.province:
        totals.append(("", st.total_text))
    submitted = sum(1 for s in rollup.counties if s.status is Status.SUBMITTED)
    totals += [("合计", st.total_text), (f"{submitted}/{len(rollup.counties)} {Status.SUBMITTED.label}", st.total_text),
               (total, st.total_count), (done, st.total_count),
               (sum(s.open for s in rollup.counties), st.total_count),
               (done / total if total else "", st.total_percent),
               (sum(s.overdue for s in rollup.counties), st.total_count),
               (sum(s.errors for s in rollup.counties), st.total_count),
               (sum(s.warnings for s in rollup.counties), st.total_count)]
    if coverage:
        answered = sum(s.coverage[0] for s in rollup.counties if s.coverage)
        listed = sum(s.coverage[1] for s in rollup.counties if s.coverage)
        totals.append((f"{answered}/{listed}", st.total_text))
    totals.append(("", st.total_text))
    for c, (v, f) in enumerate(totals):
        put(row, c, v, f)
    missing = [p.prefecture for p in rollup.prefectures if not p.submitted]
    _marks(ws, st, row, keys, totals, total_marks(rollup.counties, missing), bold=True)
    chart_row = _contact(ws, st, row + 2, last, signoff) + 2
    if rollup.counties:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({
            "name": OVERVIEW.header("rate"),
            "categories": [OVERVIEW.name, first_data, county_col, last_data, county_col],
            "values": [OVERVIEW.name, first_data, rate_col, last_data, rate_col],
            "data_labels": {"value": True, "num_format": "0%"},
            "fill": {"color": "#4472C4"},
        })
        chart.set_title({"name": "各县（市、区）整改完成率", "name_font": {"name": "黑体", "size": 12}})
        chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True, "num_font": {"name": "宋体"}})
        chart.set_legend({"none": True})
        chart.set_size({"width": CHART_WIDTH, "height": max(CHART_MIN_HEIGHT, chart_height(len(rollup.counties)))})
        ws.insert_chart(chart_row, 0, chart)
    rows_for_chart = max(CHART_MIN_ROWS, chart_height(len(rollup.counties)) // ROW_PIXELS + 1)
    setup_print(ws, header_row=HEADER_ROW, last_col=last, last_row=chart_row + rows_for_chart)


_NUM_FORMATS = {"count": "0", "rate": "0.0%", "amount": "0.00"}


def _marks(ws: Worksheet, st: Styles, row: int, keys: Sequence[str], values: Sequence[tuple[object, Any]],
           marks: Mapping[str, Mark], *, bold: bool = False) -> None:
    """Rewrite the marked cells of one written row red or yellow, with the mark's comment."""
    kinds = {c.key: c.kind for c in OVERVIEW.columns(province=True, coverage=True)}
    for key, mark in marks.items():
        if key not in keys:
            continue
        c = keys.index(key)
        fmt = st.marked(mark.severity.value, _NUM_FORMATS.get(kinds.get(key, "text"), ""), bold=bold)
        cell_writer(ws)(row, c, values[c][0], fmt)
        ws.write_comment(row, c, mark.text)


def _items(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff) -> dict[tuple[str | None, str], int]:
    ws = wb.add_worksheet(ITEMS.name)
    put = cell_writer(ws)
    cols = _cols(ITEMS.columns(province=rollup.province))
    last = len(cols) - 1
    _title(ws, st, rollup, ITEMS, last, signoff)
    _header(ws, st, cols)
    fmts = [{Kind.SEQ: st.center, Kind.YESNO: st.center, Kind.DATE: st.date}.get(c.kind, st.text)
            for c in APPENDIX1.columns]
    counts: dict[tuple[str | None, str], int] = {}
    row = HEADER_ROW + 1
    # Hoisted out of the loop, which runs once per 附件1 row of every county (~60,000 for
    # the ministry's 1,500 counties): widths, the unmeasured lead columns, bound methods.
    widths = [w for _, w in cols]
    lead: list[object] = ["", ""] if rollup.province else [""]
    set_row = ws.set_row
    i_problem = APPENDIX1.keys.index("problem") + len(lead)
    for it in _items_in_order(rollup):
        if isinstance(it, CountySummary):
            # A county with no 附件1 rows keeps its line: its status where the problems would be.
            if rollup.province:
                put(row, 0, it.prefecture or "", st.center)
            put(row, len(lead) - 1, it.county, st.center)
            for c in range(len(lead), last + 1):
                put(row, c, it.status.label if c == i_problem else "", st.error if c == i_problem else st.text)
            row += 1
            continue
        c = 0
        if rollup.province:
            put(row, c, it.prefecture or "", st.center)
            c += 1
        put(row, c, it.county, st.center)
        c += 1
        for i, v in enumerate(it.values):
            put(row, c + i, v, fmts[i])
        c += len(it.values)
        put(row, c, it.category or "", st.text)
        put(row, c + 1, it.extras, st.text)
        put(row, c + 2, it.source_file, st.text)
        put(row, c + 3, it.source_row, st.count)
        put(row, c + 4, it.errors, st.error if it.errors else st.count)
        height = row_height([*lead, *it.values, it.category or "", it.extras, it.source_file], widths)
        if height is not None:
            set_row(row, height)
        key = (it.prefecture, it.county)
        counts[key] = counts.get(key, 0) + 1
        row += 1
    ws.autofilter(HEADER_ROW, 0, max(row - 1, HEADER_ROW), last)
    contact = _contact(ws, st, max(row, HEADER_ROW + 1) + 1, last, signoff)
    setup_print(ws, header_row=HEADER_ROW, last_col=last, last_row=contact)
    return counts


def _flagged(ws: Worksheet, st: Styles, row: int, col: int, c: FormColumn, s: RollupStats) -> bool:
    """Write a 成果统计汇总 cell that is not counted (red, the clerk's text) or marked
    (counted, red or yellow, with the mark's comment); False for an ordinary cell."""
    v = s.values.get(c.key, "")
    if c.key in s.unreadable:
        if v == "":  # no figure at all (a county without 附件2): a blank red cell, not ""
            ws.write_blank(row, col, None, st.error)
        else:
            ws.write_string(row, col, str(v), st.error)
        why = s.reasons.get(c.key, "不是可识别的数字")
        if s.status is not None:  # a county without a usable 附件2: the row keeps its place
            ws.write_comment(row, col, f"{why}，未计入合计。")
        else:
            ws.write_comment(row, col, f"“{v}”{why}，未计入合计。请县里更正后重新汇总。")
        return True
    mark = s.marks.get(c.key)
    if mark is None:
        return False
    cell_writer(ws)(row, col, v, st.marked(mark.severity.value, "0.00" if c.kind is Kind.AMOUNT else "0"))
    ws.write_comment(row, col, mark.text)
    return True


def _prefectures(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff) -> None:
    """The province rollup's 市州汇总 (its rows: ``prefecture_sheet.py``)."""
    from zhenggai.outputs.prefecture_sheet import write_rows

    ws = wb.add_worksheet(PREFECTURES.name)
    cols = _cols(PREFECTURES.columns())
    last = len(cols) - 1
    _title(ws, st, rollup, PREFECTURES, last, signoff)
    _header(ws, st, cols)
    row = write_rows(ws, st, rollup.prefectures)
    contact = _contact(ws, st, row + 2, last, signoff)
    setup_print(ws, header_row=HEADER_ROW, last_col=last, last_row=contact)


def _items_in_order(rollup: Rollup) -> Iterator[RollupItem | CountySummary]:
    """附件1 rows county by county in the overview's order; a county without rows as itself."""
    by: dict[tuple[str | None, str], list[RollupItem]] = {}
    for it in rollup.items:
        by.setdefault((it.prefecture, it.county), []).append(it)
    for s in rollup.counties:
        rows = by.pop((s.prefecture, s.county), None)
        if rows is None:
            yield s
        else:
            yield from rows
    for rows in by.values():
        yield from rows


def _stats(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff) -> None:
    ws = wb.add_worksheet(STATS.name)
    put = cell_writer(ws)
    spec = rollup.a2
    cols = _cols(STATS.columns(province=rollup.province, a2=spec))
    last = len(cols) - 1
    _title(ws, st, rollup, STATS, last, signoff)
    _header(ws, st, cols)
    off = 1 if rollup.province else 0

    def fmt_for(kind: Kind, total: bool = False) -> Any:
        if kind is Kind.AMOUNT:
            return st.total_amount if total else st.amount
        return st.total_count if total else st.count

    row = HEADER_ROW + 1

    def write_stats(s: RollupStats) -> None:
        nonlocal row
        if rollup.province:
            put(row, 0, s.prefecture or "", st.center)
        for i, c in enumerate(spec.columns):
            v = s.values.get(c.key, "")
            if _flagged(ws, st, row, off + i, c, s):
                pass
            elif c.is_number:
                put(row, off + i, v, fmt_for(c.kind))
            elif c.key == "note" and s.status is not None:
                put(row, off + i, v, st.error)
            else:
                put(row, off + i, v, st.center if c.key == "county" else st.text)
        put(row, off + len(spec.columns), s.source_file, st.text)
        _fit(ws, row, [*([""] * off), *(s.values.get(c.key, "") for c in spec.columns), s.source_file], cols)
        row += 1

    def write_total(label: str, group: list[RollupStats], prefecture: str | None) -> None:
        nonlocal row
        if rollup.province:
            put(row, 0, prefecture or "", st.total_text)
        for i, c in enumerate(spec.columns):
            if c.key == "county":
                put(row, off + i, label, st.total_text)
            elif c.is_number:
                values = [s.values.get(c.key) for s in group if c.key not in s.unreadable]
                value = exact_sum(float(v) for v in values if isinstance(v, (int, float)))
                mark = total_mark(group, c.key)
                if mark is not None:  # counties it lacks, or figures marked in their rows
                    fmt = st.marked(mark.severity.value, "0.00" if c.kind is Kind.AMOUNT else "0", bold=True)
                    ws.write_number(row, off + i, value, fmt)
                    ws.write_comment(row, off + i, mark.text)
                else:
                    put(row, off + i, value, fmt_for(c.kind, total=True))
            else:
                put(row, off + i, "", st.total_text)
        put(row, off + len(spec.columns), "", st.total_text)
        row += 1

    if rollup.province:
        groups: dict[str | None, list[RollupStats]] = {}
        for s in rollup.stats:
            groups.setdefault(s.prefecture, []).append(s)
        for prefecture, group in groups.items():
            for s in group:
                write_stats(s)
            write_total("小计", group, prefecture)
        write_total("合计", rollup.stats, "全省")
    else:
        for s in rollup.stats:
            write_stats(s)
        write_total("合计", rollup.stats, None)
    contact = _contact(ws, st, row + 1, last, signoff)
    setup_print(ws, header_row=HEADER_ROW, last_col=last, last_row=contact)


def _findings(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff) -> None:
    ws = wb.add_worksheet(FINDINGS.name)
    put = cell_writer(ws)
    cols = _cols(FINDINGS.columns())
    last = len(cols) - 1
    _title(ws, st, rollup, FINDINGS, last, signoff)
    _header(ws, st, cols)
    row = HEADER_ROW + 1
    sev_fmt = {"error": st.error, "warning": st.warning, "info": st.text}
    for fr in rollup.report.files:
        for f in fr.findings:
            for c, v in enumerate((fr.path, f.sheet or "", f.cell or "", f.field or "")):
                put(row, c, v, st.text)
            put(row, 4, f.severity.label, sev_fmt[f.severity.value])
            put(row, 5, f.value or "", st.text)
            put(row, 6, f.message, st.text)
            put(row, 7, f.code, st.text)
            _fit(ws, row, [fr.path, f.sheet or "", f.cell or "", f.field or "", "", f.value or "", f.message], cols)
            row += 1
    ws.autofilter(HEADER_ROW, 0, max(row - 1, HEADER_ROW), last)
    setup_print(ws, header_row=HEADER_ROW, last_col=last, last_row=max(row - 1, HEADER_ROW))


def write_rollup(
    rollup: Rollup, output: Path, *, force: bool, signoff: Signoff | None = None
) -> dict[tuple[str | None, str], int]:
    """Write the rollup workbook atomically; returns rows written per (prefecture, county)."""
    signoff = signoff or Signoff()
    counts: dict[tuple[str | None, str], int] = {}

    def build(wb: Workbook) -> None:
        st = Styles(wb)
        wb.set_properties({
            "title": f"{rollup.prefecture or ''}{TITLE_PREFIX}汇总",
            "subject": "电子商务进农村综合示范专项整改",
            "author": signoff.contact or "",
            "company": unit_line(rollup, signoff).removeprefix("填报单位：").removesuffix("（盖章）").strip("\u3000"),
            "keywords": "zhenggai rollup",
            # The tool belongs here, not on the printed page.
            "comments": f"由 zhenggai 汇总生成，生成日期 {date.today().isoformat()}",
        })
        _overview(wb, st, rollup, signoff)
        if rollup.prefectures:  # a province rollup: one row per 市州
            _prefectures(wb, st, rollup, signoff)
        counts.update(_items(wb, st, rollup, signoff))
        _stats(wb, st, rollup, signoff)
        if rollup.comparison is not None:  # merge --previous
            from zhenggai.outputs.progress_sheet import write_sheet

            place = rollup.prefecture or ("全省" if rollup.province else "")
            write_sheet(wb, st, rollup.comparison, place=place, as_of=rollup.as_of, province=rollup.province,
                        unit=unit_line(rollup, signoff), contact=contact_line(signoff))
        write_category_sheet(wb, st, rollup, unit=unit_line(rollup, signoff), contact=contact_line(signoff))
        _findings(wb, st, rollup, signoff)

    write_atomically(output, build, force=force)
    return counts
