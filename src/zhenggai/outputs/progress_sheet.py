"""The 进展对比 sheet: one print-ready page of what moved since the last round.

One table, grouped by county like the official 附件1 is grouped by category: a bold line
per county (报送状态 and 完成率 then and now, and the counts of each kind of change),
then that county's changed items. Every county of either round gets its line, also when
nothing changed, so the page answers "did everyone move?" at a glance.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from zhenggai.core.findings import Severity
from zhenggai.outputs.paper import working_label
from zhenggai.outputs.xlsx import Styles, break_header, cell_writer, row_height, setup_print, stream
from zhenggai.progress.compare import Change, Comparison, CountyProgress
from zhenggai.rollup.layout import (
    AS_OF_LABEL,
    COUNTY_HEADER,
    HEADER_ROW,
    PREFECTURE_HEADER,
    PROGRESS_SHEET,
    SUBTITLE_ROW,
    TITLE_PREFIX,
    TITLE_ROW,
    WORKING_FOOTER,
    Column,
    SheetSpec,
    cn_date,
    cn_dates,
)
from zhenggai.rollup.model import Status

PROGRESS = SheetSpec(
    name=PROGRESS_SHEET,
    lead=(
        Column("prefecture", PREFECTURE_HEADER, 9, only="province"),
        Column("county", COUNTY_HEADER, 10),
        Column("seq", "序号", 6, "int"),
        Column("problem", "问题描述", 28),
        Column("change", "变化", 11),
        Column("before", "上次报送", 28),
        Column("after", "本次报送", 28),
        Column("severity", "级别", 6),
        Column("message", "说明", 34),
    ),
)
"""The 进展对比 sheet (merge --previous, diff -o): county lines span the columns after 市（州）."""
SHEET = PROGRESS.name
_CENTERED = frozenset({"prefecture", "county", "seq", "change"})
_DATED = frozenset({"before", "after", "message"})  # 完成时限 and messages: dates as 2022年7月15日 on paper

COUNTS = (("finished", "新完成"), ("reopened", "重新打开"), ("postponed", "完成时限推迟"), ("stalled", "措施未更新"),
          ("missing", "问题缺失"), ("new", "新增问题"), ("decreased", "指标减少"))


def _rate(x: float | None) -> str:
    return f"{x:.1%}" if x is not None else "—"


def county_line(s: CountyProgress) -> str:
    """The bold group line of one county: "谷城县　报送 已报送 → 已报送　完成率 40.0% → 80.0%　新完成 2 …"."""
    before = Status(s.status_before).label if s.status_before is not None else "（无）"
    name = f"{s.county}（上一轮名为“{s.name_before}”）" if s.name_before else s.county
    parts = [name, f"报送 {before} → {Status(s.status_now).label}",
             f"完成率 {_rate(s.rate_before)} → {_rate(s.rate_now)}"]
    counts = [f"{label} {getattr(s, key)}" for key, label in COUNTS if getattr(s, key)]
    parts.append("　".join(counts) if counts else "无变化")
    return "　".join(parts)


def total_line(c: Comparison) -> str:
    """The closing line: every count summed over the counties."""
    counts = [f"{label} {sum(getattr(s, key) for s in c.counties)}" for key, label in COUNTS]
    return f"合计 {len(c.counties)} 个县（市、区）　" + "　".join(counts)


def rows(c: Comparison, *, province: bool = False) -> list[tuple[str, list[object]]]:
    """The sheet's rows below the header, as ("county" | "item" | "total", cells)."""
    out: list[tuple[str, list[object]]] = []
    by_county: dict[tuple[str | None, str], list[Change]] = {}
    for ch in c.changes:
        by_county.setdefault((ch.prefecture, ch.county), []).append(ch)
    for s in c.counties:
        lead: list[object] = [s.prefecture or ""] if province else []
        out.append(("county", [*lead, county_line(s)]))
        for ch in by_county.get((s.prefecture, s.county), []):
            f = ch.finding
            out.append(("item", [*lead, ch.county, ch.seq if ch.seq is not None else "", ch.problem, ch.what,
                                 ch.before, ch.after, f.severity.label, f.message]))
    out.append(("total", [*([""] if province else []), total_line(c)]))
    return out


def _day(d: date) -> str:
    return cn_date(d)


def write_sheet(wb: Workbook, st: Styles, c: Comparison, *, place: str, as_of: date, province: bool = False,
                unit: str | None = None, contact: str | None = None) -> None:
    """Add the 进展对比 sheet to a workbook being written (the rollup, or diff's own output).

    Laid out like the rollup's other printed sheets: the title; the 填报单位 line (``unit``,
    or for ``diff -o`` the two rounds compared) with the dates at its right; the table; the
    联系人 line (``contact``) under it.
    """
    ws = wb.add_worksheet(SHEET)
    stream(ws)  # rows written in order; a national comparison is not held until close (memory)
    put = cell_writer(ws)
    spec = PROGRESS.columns(province=province)
    cols = [(col.header, col.width) for col in spec]
    last = len(cols) - 1
    working_label(ws, st)
    ws.set_row(TITLE_ROW, 40)
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, f"{place}{TITLE_PREFIX}{SHEET}", st.doc_title)
    ws.set_row(SUBTITLE_ROW, 22)
    before = f"上次报送：{c.previous}" + (f"（{AS_OF_LABEL} {_day(c.previous_as_of)}）" if c.previous_as_of else "")
    split = last // 2
    ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, split, unit or f"本次报送：{c.current}", st.subtitle)
    ws.merge_range(SUBTITLE_ROW, split + 1, SUBTITLE_ROW, last, f"{before}　　{AS_OF_LABEL} {_day(as_of)}",
                   st.subtitle_right)
    ws.set_row(HEADER_ROW, 38)
    for i, (name, width) in enumerate(cols):
        ws.set_column(i, i, width)
        ws.write_string(HEADER_ROW, i, break_header(name, width), st.header)
    sev: dict[str, Any] = {Severity.ERROR.label: st.error, Severity.WARNING.label: st.warning}
    first = 1 if province else 0
    widths = [w for _, w in cols]
    row = HEADER_ROW + 1
    for kind, cells in rows(c, province=province):
        if kind in ("county", "total"):
            if province:
                put(row, 0, cells[0], st.category)
            # One line across the table, like a category row of 附件1.
            ws.merge_range(row, first, row, last, "", st.category)
            put(row, first, cells[-1], st.category)
            height = row_height([cells[-1]], [sum(widths[first:])])
        else:
            for i, v in enumerate(cells):
                key = spec[i].key
                fmt = sev.get(str(v), st.text) if key == "severity" else st.center if key in _CENTERED else st.text
                put(row, i, cn_dates(v) if isinstance(v, str) and key in _DATED else v, fmt)
            height = row_height(cells, widths)
        ws.set_row(row, max(21, height or 0))  # every printed row holds its text, none squeezed
        row += 1
    last_row = row - 1
    if contact is not None:
        last_row = row + 1
        ws.merge_range(last_row, 0, last_row, last, contact, st.note)
    # Not one of the stamped 附件: its own page numbers, from 1.
    setup_print(ws, header_row=HEADER_ROW, last_col=last, last_row=last_row,
                footer=WORKING_FOOTER.format(name=SHEET), restart=True)


def write_diff(c: Comparison, output: Path, *, place: str, as_of: date, province: bool, force: bool) -> Path:
    """``diff -o``: a workbook holding only the 进展对比 sheet, written atomically."""
    from zhenggai.outputs.xlsx import write_atomically

    def build(wb: Workbook) -> None:
        wb.set_properties({"title": f"{place}{TITLE_PREFIX}{SHEET}", "keywords": "zhenggai progress",
                           "comments": f"由 zhenggai 比较生成，生成日期 {date.today().isoformat()}"})
        write_sheet(wb, Styles(wb), c, place=place, as_of=as_of, province=province)

    return write_atomically(output, build, force=force)
