"""The province rollup's 市州汇总 sheet: one row per 市州, then the 合计.

Written only for a province rollup (``Rollup.prefectures``). The 汇总表生成时间 is the
time saved inside each prefecture's rollup, written 2022年7月15日 10:30 like every date
on paper; a 市州 whose rollup did not arrive is red, 未报送, and named in the 合计.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook

from zhenggai.outputs.paper import contact_block, header_row, title_block
from zhenggai.outputs.xlsx import Styles, cell_writer, setup_print
from zhenggai.rollup.layout import HEADER_ROW, PAGE_FOOTER, PREFECTURES
from zhenggai.rollup.model import PrefectureSummary, Rollup, Signoff


def _when(p: PrefectureSummary) -> str:
    s = p.saved
    return f"{s.year}年{s.month}月{s.day}日 {s.hour:02d}:{s.minute:02d}" if s is not None else ""


def write_prefectures(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff) -> None:
    """Add the 市州汇总 sheet (nothing for a prefecture rollup)."""
    if not rollup.prefectures:
        return
    ws = wb.add_worksheet(PREFECTURES.name)
    put = cell_writer(ws)
    columns = PREFECTURES.columns()
    last = len(columns) - 1
    title_block(ws, st, rollup, PREFECTURES, last, signoff)
    header_row(ws, st, [(c.header, c.width) for c in columns])
    row = HEADER_ROW + 1
    for p in rollup.prefectures:
        status = ("已报送", st.center) if p.submitted else ("未报送", st.error)
        values: list[tuple[object, Any]] = [
            (p.prefecture, st.center), status, (p.expected, st.count), (p.reported, st.count),
            (p.total, st.count), (p.done, st.count), (p.total - p.done, st.count),
            (p.rate if p.rate is not None else "", st.percent), (p.overdue, st.warning if p.overdue else st.count),
            (p.errors, st.error if p.errors else st.count), (_when(p), st.center)]
        for c, (v, f) in enumerate(values):
            put(row, c, v, f)
        row += 1
    sent = [p for p in rollup.prefectures if p.submitted]
    total, done = sum(p.total for p in sent), sum(p.done for p in sent)
    totals: list[tuple[object, Any]] = [
        ("合计", st.total_text), (f"{len(sent)}/{len(rollup.prefectures)} 已报送", st.total_text),
        *((sum(getattr(p, k) for p in sent), st.total_count) for k in ("expected", "reported", "total", "done")),
        (total - done, st.total_count), (done / total if total else "", st.total_percent),
        *((sum(getattr(p, k) for p in sent), st.total_count) for k in ("overdue", "errors")), ("", st.total_text)]
    for c, (v, f) in enumerate(totals):
        put(row, c, v, f)
    missing = [p.prefecture for p in rollup.prefectures if not p.submitted]
    if missing:
        text = f"不完整：不含 {'、'.join(missing)}（未报送汇总表）"
        for c in (1, 4, 5, 6, 7):
            put(row, c, totals[c][0], st.marked("error", "0.0%" if c == 7 else "0" if c > 1 else "", bold=True))
            ws.write_comment(row, c, text)
    contact = contact_block(ws, st, row + 2, last, signoff)
    setup_print(ws, header_row=HEADER_ROW, last_col=last, last_row=contact, footer=PAGE_FOOTER)  # stamped set
