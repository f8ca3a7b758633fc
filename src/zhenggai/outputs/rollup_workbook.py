"""Rollup → the workbook a prefecture sends to the province.

The stamped set (附件1, 附件2, 附件3) carries the official columns only, as 公文 papers
(GB/T 9704): the 附件 label on its own line, the title, the 填报单位（盖章） line, the
table, the 联系人 line, pages numbered through. What the tool adds to check the work
(source files and rows, error counts, the clerk's extra columns) is on the working
sheet 核对底稿 (``work_sheet.py``); findings on 校验问题. No machine path ever prints.

Totals are written as values, not formulas: a program that does not calculate
(a previewer, a phone, pandas) must read the same numbers Excel shows. A number that
could not be read is written as the clerk's text, marked red, and the total of its
column is marked too: it is never silently counted as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from zhenggai.core.parse import exact_sum
from zhenggai.core.schema import APPENDIX1, Kind
from zhenggai.core.schema import Column as FormColumn
from zhenggai.outputs.category_sheet import write_category_sheet
from zhenggai.outputs.paper import (
    ROW_MIN,
    columns_of,
    contact_block,
    contact_line,
    fit_row,
    header_row,
    place_of,
    print_setup,
    shown_file,
    title_block,
    unit_line,
)
from zhenggai.outputs.work_sheet import write_work
from zhenggai.outputs.xlsx import Styles, cell_writer, finish, line_writer, row_measure, stream, write_atomically
from zhenggai.rollup.layout import (
    CHART_MIN_HEIGHT,
    CHART_MIN_ROWS,
    CHART_WIDTH,
    FINDINGS,
    HEADER_ROW,
    ITEMS,
    OVERVIEW,
    PREFECTURES,
    ROW_PIXELS,
    STATS,
    TITLE_PREFIX,
    chart_height,
    cn_dates,
)
from zhenggai.rollup.model import CountySummary, Mark, Rollup, RollupItem, RollupStats, Signoff, Status
from zhenggai.rollup.official import total_mark, total_marks


def _overview(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff, where: dict[int, int]) -> None:
    """附件3: per county 报送状态 and progress, the 合计, then the 完成率 chart."""
    ws = wb.add_worksheet(OVERVIEW.name)
    put = cell_writer(ws)
    review = any(s.review is not None for s in rollup.counties)  # a web intake's rollup
    spec = OVERVIEW.columns(province=rollup.province, review=review)
    cols = columns_of(spec)
    last = len(cols) - 1
    title_block(ws, st, rollup, OVERVIEW, last, signoff)
    header_row(ws, st, cols)
    row = HEADER_ROW + 1
    keys = [c.key for c in spec]
    for s in rollup.counties:
        fmt = st.marked("error") if s.status is not Status.SUBMITTED else st.center
        values: list[tuple[object, Any]] = [(s.prefecture or "", st.center)] if rollup.province else []
        values += [(s.county, st.center), (s.status.label, fmt)]
        if review:  # anything not 已通过 is marked: never mixed in silently with approved figures
            values.append((s.review or "", st.center if s.review in (None, "已通过") else st.warning))
        if s.counted:
            values += [(s.total, st.count), (s.done, st.count),
                       (s.open, st.count), (s.rate if s.rate is not None else "", st.percent),
                       (s.overdue, st.warning if s.overdue else st.count)]
        else:  # no figures and no list to give them (未报送 without --problems): unknown, not 0
            values += [("", st.count), ("", st.count), ("", st.count), ("", st.percent), ("", st.count)]
        for c, (v, f) in enumerate(values):
            put(row, c, v, f)
        _marks(ws, st, row, keys, values, s.marks)
        fit_row(ws, row, [v for v, _ in values], cols)
        where[id(s)] = row + 1
        row += 1
    first_data, last_data = HEADER_ROW + 1, row - 1
    total = sum(s.total for s in rollup.counties)
    done = sum(s.done for s in rollup.counties)
    submitted = sum(1 for s in rollup.counties if s.status is Status.SUBMITTED)
    totals: list[tuple[object, Any]] = [("", st.total_text)] if rollup.province else []
    totals += [("合计", st.total_text), (f"{submitted}/{len(rollup.counties)} {Status.SUBMITTED.label}", st.total_text)]
    if review:
        approved = sum(1 for s in rollup.counties if s.review == "已通过")
        totals.append((f"{approved}/{len(rollup.counties)} 已通过", st.total_text))
    totals += [(total, st.total_count), (done, st.total_count),
               (sum(s.open for s in rollup.counties), st.total_count),
               (done / total if total else "", st.total_percent),
               (sum(s.overdue for s in rollup.counties), st.total_count)]
    for c, (v, f) in enumerate(totals):
        put(row, c, v, f)
    fit_row(ws, row, [v for v, _ in totals], cols)
    missing = [p.prefecture for p in rollup.prefectures if not p.submitted]
    _marks(ws, st, row, keys, totals, total_marks(rollup.counties, missing), bold=True)
    chart_row = contact_block(ws, st, row + 2, last, signoff) + 2
    if rollup.counties:
        # No wider than the table above it: the print area ends at the table's last column.
        width = min(CHART_WIDTH, int(sum(w for _, w in cols) * 7))
        _chart(wb, ws, (len(rollup.counties), width), (first_data, last_data),
               (keys.index("county"), keys.index("rate")), chart_row)
    rows_for_chart = max(CHART_MIN_ROWS, chart_height(len(rollup.counties)) // ROW_PIXELS + 1)
    print_setup(ws, OVERVIEW, last_col=last, last_row=chart_row + rows_for_chart)


def _chart(wb: Workbook, ws: Worksheet, size: tuple[int, int], rows: tuple[int, int], cols: tuple[int, int],
           at: int) -> None:
    """The 完成率 bar chart under the overview's table: a bar per county, from its cells."""
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({
        "name": OVERVIEW.header("rate"),
        "categories": [OVERVIEW.name, rows[0], cols[0], rows[1], cols[0]],
        "values": [OVERVIEW.name, rows[0], cols[1], rows[1], cols[1]],
        "data_labels": {"value": True, "num_format": "0%"},
        "fill": {"color": "#4472C4"},
    })
    chart.set_title({"name": "各县（市、区）整改完成率", "name_font": {"name": "黑体", "size": 12}})
    chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True, "num_font": {"name": "宋体"}})
    chart.set_legend({"none": True})
    n, width = size
    chart.set_size({"width": width, "height": max(CHART_MIN_HEIGHT, chart_height(n))})
    ws.insert_chart(at, 0, chart)


_NUM_FORMATS = {"count": "0", "rate": "0.0%", "amount": "0.00"}


def _marks(ws: Worksheet, st: Styles, row: int, keys: Sequence[str], values: Sequence[tuple[object, Any]],
           marks: Mapping[str, Mark], *, bold: bool = False) -> None:
    """Rewrite the marked cells of one written row red or yellow, with the mark's comment."""
    kinds = {c.key: c.kind for c in OVERVIEW.columns(province=True)}
    for key, mark in marks.items():
        if key not in keys:
            continue
        c = keys.index(key)
        fmt = st.marked(mark.severity.value, _NUM_FORMATS.get(kinds.get(key, "text"), ""), bold=bold)
        cell_writer(ws)(row, c, values[c][0], fmt)
        ws.write_comment(row, c, mark.text)


def _items(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff,
           where: dict[int, int]) -> dict[tuple[str | None, str], int]:
    """附件1: every county's 附件1 rows in the overview's order, the official columns only."""
    ws = wb.add_worksheet(ITEMS.name)
    stream(ws)  # rows written in order; not held until close (memory)
    put = cell_writer(ws)
    put_line = line_writer(ws)
    cols = columns_of(ITEMS.columns(province=rollup.province))
    last = len(cols) - 1
    title_block(ws, st, rollup, ITEMS, last, signoff)
    header_row(ws, st, cols)
    fmts = [{Kind.SEQ: st.center, Kind.YESNO: st.center, Kind.DATE: st.date_cn}.get(c.kind, st.text)
            for c in APPENDIX1.columns]
    counts: dict[tuple[str | None, str], int] = {}
    row = HEADER_ROW + 1
    # Hoisted out of the loop, which runs once per 附件1 row of every county (~60,000 for
    # the ministry's 1,500 counties): widths, the unmeasured lead columns, bound methods.
    lead: list[object] = ["", ""] if rollup.province else [""]
    # row_height with the columns' widths worked out once; the lead columns hold no text to measure
    measure = row_measure([w for _, w in cols][len(lead):])
    lead_fmts = [st.center] * len(lead)
    set_row = ws.set_row
    i_problem = APPENDIX1.keys.index("problem") + len(lead)
    # A 完成时限 no date could be read from (2022.1 typed as a number, 长期坚持) keeps the
    # clerk's value, red, in a cell with no date format: a number there would print, and
    # read back, as an 1905 date (then counted overdue by report and the province).
    i_deadline = APPENDIX1.keys.index("deadline")
    row_fmts = [*lead_fmts, *fmts]
    unread_fmts = [*row_fmts[:len(lead) + i_deadline], st.error, *row_fmts[len(lead) + i_deadline + 1:]]
    for it in _items_in_order(rollup):
        if isinstance(it, CountySummary):
            if rollup.province:
                put(row, 0, it.prefecture or "", st.center)
            put(row, len(lead) - 1, it.county, st.center)
            # A county with no 附件1 rows keeps its line: its status where the problems would be.
            for c in range(len(lead), last + 1):
                put(row, c, it.status.label if c == i_problem else "", st.error if c == i_problem else st.text)
            set_row(row, ROW_MIN)
            row += 1
            continue
        line = [it.prefecture or "", it.county] if rollup.province else [it.county]
        height = measure(it.values)
        deadline = it.values[i_deadline]
        put_line(row, [*line, *it.values], row_fmts if deadline == "" or isinstance(deadline, date) else unread_fmts,
                 max(ROW_MIN, height or 0))
        key = (it.prefecture, it.county)
        counts[key] = counts.get(key, 0) + 1
        where[id(it)] = row + 1
        row += 1
    ws.autofilter(HEADER_ROW, 0, max(row - 1, HEADER_ROW), last)
    contact = contact_block(ws, st, max(row, HEADER_ROW + 1) + 1, last, signoff)
    print_setup(ws, ITEMS, last_col=last, last_row=contact)
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
        elif v == "":  # not stated (a blank, a column its form lacks): no figure, never 0
            ws.write_comment(row, col, f"{why}，未计入合计。请县里补报后重新汇总。")
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
    cols = columns_of(PREFECTURES.columns())
    last = len(cols) - 1
    title_block(ws, st, rollup, PREFECTURES, last, signoff)
    header_row(ws, st, cols)
    row = write_rows(ws, st, rollup.prefectures)
    for r in range(HEADER_ROW + 1, row + 1):
        ws.set_row(r, ROW_MIN)
    contact = contact_block(ws, st, row + 2, last, signoff)
    print_setup(ws, PREFECTURES, last_col=last, last_row=contact)  # numbered with the stamped set


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


def _stats(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff, where: dict[int, int]) -> None:
    """附件2: each county's row of the notice's 成果统计表, the 合计 (and 小计 per 市州)."""
    ws = wb.add_worksheet(STATS.name)
    put = cell_writer(ws)
    spec = rollup.a2
    cols = columns_of(STATS.columns(province=rollup.province, a2=spec))
    last = len(cols) - 1
    title_block(ws, st, rollup, STATS, last, signoff)
    header_row(ws, st, cols)
    off = 1 if rollup.province else 0

    def fmt_for(kind: Kind, total: bool = False) -> Any:
        if kind is Kind.AMOUNT:
            return st.total_amount if total else st.amount
        return st.total_count if total else st.count

    row = HEADER_ROW + 1
    numeric = [c.is_number for c in spec.columns]  # asked once, not for every county's cell

    def write_stats(s: RollupStats) -> None:
        nonlocal row
        if rollup.province:
            put(row, 0, s.prefecture or "", st.center)
        for i, c in enumerate(spec.columns):
            v = s.values.get(c.key, "")
            if _flagged(ws, st, row, off + i, c, s):
                pass
            elif numeric[i]:
                put(row, off + i, v, fmt_for(c.kind))
            elif c.key == "note" and s.status is not None:
                put(row, off + i, v, st.error)
            else:
                put(row, off + i, v, st.center if c.key == "county" else st.text)
        fit_row(ws, row, [*([""] * off), *(s.values.get(c.key, "") for c in spec.columns)], cols)
        where[id(s)] = row + 1
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
        ws.set_row(row, ROW_MIN)
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
    contact = contact_block(ws, st, row + 1, last, signoff)
    print_setup(ws, STATS, last_col=last, last_row=contact)


def _findings(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff) -> None:
    """校验问题: a working list with its own title and page numbers, no 盖章 line."""
    ws = wb.add_worksheet(FINDINGS.name)
    stream(ws)  # rows written in order; not held until close (memory)
    put_line = line_writer(ws)
    cols = columns_of(FINDINGS.columns())
    measure = row_measure([w for _, w in cols])  # as paper.fit_row
    last = len(cols) - 1
    title_block(ws, st, rollup, FINDINGS, last, signoff)
    header_row(ws, st, cols)
    row = HEADER_ROW + 1
    sev_fmt = {"error": st.error, "warning": st.warning, "info": st.text}
    for fr in rollup.report.files:
        name = shown_file(fr.path)
        for f in fr.findings:
            message = cn_dates(f.message)  # the clerk's own text (填写内容) stays as typed
            height = measure([name, f.sheet or "", f.cell or "", f.field or "", "", f.value or "", message])
            put_line(row, [name, f.sheet or "", f.cell or "", f.field or "", f.severity.label, f.value or "",
                           message, f.code],
                     [st.text, st.text, st.text, st.text, sev_fmt[f.severity.value], st.text, st.text, st.text],
                     max(ROW_MIN, height or 0))
            row += 1
    ws.autofilter(HEADER_ROW, 0, max(row - 1, HEADER_ROW), last)
    print_setup(ws, FINDINGS, last_col=last, last_row=max(row - 1, HEADER_ROW))


def write_rollup(
    rollup: Rollup, output: Path, *, force: bool, signoff: Signoff | None = None,
    findings: Callable[[], None] | None = None,
) -> dict[tuple[str | None, str], int]:
    """Write the rollup workbook atomically; returns rows written per (prefecture, county).

    ``findings``: called before the first sheet that shows the report's findings or their
    counts (核对底稿, 校验问题): the caller may still be adding findings to the rollup while
    the sheets before them are written (api/pipeline.py: copied measures, in another process).

    Sheets in print order: the stamped set (附件1 整改清单汇总, 附件2 成果统计汇总, 附件3
    汇总概览, and a province's 市州汇总), pages numbered through; then the sheets that
    stay with the prefecture, each numbered from 1: 进展对比 (``--previous``), 核对底稿
    and 校验问题.
    """
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
        where: dict[int, int] = {}  # id(county, item or 附件2 row) → its Excel row, for 核对底稿
        counts.update(_items(wb, st, rollup, signoff, where))
        items = wb.get_worksheet_by_name(ITEMS.name)
        if findings is None:
            finish(wb, items)  # 附件1 zipped on the second core while the other sheets are written (xlsx_early.py)
        _stats(wb, st, rollup, signoff, where)
        _overview(wb, st, rollup, signoff, where)
        if rollup.prefectures:  # a province rollup: one row per 市州
            _prefectures(wb, st, rollup, signoff)
        if rollup.comparison is not None:  # merge --previous
            from zhenggai.outputs.progress_sheet import write_sheet

            write_sheet(wb, st, rollup.comparison, place=place_of(rollup), as_of=rollup.as_of,
                        province=rollup.province, contact=contact_line(signoff),
                        unit=unit_line(rollup, signoff).removesuffix("（盖章）"))  # not a stamped 附件
        write_category_sheet(wb, st, rollup, contact=contact_line(signoff),
                             unit=unit_line(rollup, signoff).removesuffix("（盖章）"))  # not a stamped 附件
        if findings is not None:
            findings()
            # Only now: until the findings are in, the second core may be busy finding them
            # (api/pipeline.py); 附件1 zipped meanwhile would only slow that, and this wait.
            finish(wb, items)
        write_work(wb, st, rollup, signoff, where)
        _findings(wb, st, rollup, signoff)

    write_atomically(output, build, force=force)
    return counts
