"""The rows of the province rollup's 市州汇总 sheet: one per 市州, then the 合计.

``rollup_workbook.py`` writes the sheet's title, header and 联系人 line around them.
The 汇总表生成时间 is the time saved inside each prefecture's rollup, written
2022年7月15日 10:30 like every date on paper; a 市州 whose rollup did not arrive is
red, 未报送, and the 合计 names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xlsxwriter.worksheet import Worksheet

from zhenggai.outputs.xlsx import Styles, cell_writer
from zhenggai.rollup.layout import HEADER_ROW
from zhenggai.rollup.model import PrefectureSummary


def _when(p: PrefectureSummary) -> str:
    s = p.saved
    return f"{s.year}年{s.month}月{s.day}日 {s.hour:02d}:{s.minute:02d}" if s is not None else ""


def write_rows(ws: Worksheet, st: Styles, prefectures: Sequence[PrefectureSummary]) -> int:
    """Write the 市州 rows and the 合计 under the header; returns the 合计's row."""
    put = cell_writer(ws)
    row = HEADER_ROW + 1
    for p in prefectures:
        values: list[tuple[object, Any]] = [
            (p.prefecture, st.center), ("已报送", st.center), (p.expected, st.count), (p.reported, st.count),
            (p.total, st.count), (p.done, st.count), (p.total - p.done, st.count),
            (p.rate if p.rate is not None else "", st.percent), (p.overdue, st.warning if p.overdue else st.count),
            (p.errors, st.error if p.errors else st.count), (_when(p), st.center)]
        if not p.submitted:  # nothing arrived: no figures to show, not zeros
            values = [values[0], ("未报送", st.marked("error")), *(("", st.text) for _ in values[2:])]
        for c, (v, f) in enumerate(values):
            put(row, c, v, f)
        row += 1
    sent = [p for p in prefectures if p.submitted]
    total, done = sum(p.total for p in sent), sum(p.done for p in sent)
    totals: list[tuple[object, Any]] = [
        ("合计", st.total_text), (f"{len(sent)}/{len(prefectures)} 已报送", st.total_text),
        *((sum(getattr(p, k) for p in sent), st.total_count) for k in ("expected", "reported", "total", "done")),
        (total - done, st.total_count), (done / total if total else "", st.total_percent),
        *((sum(getattr(p, k) for p in sent), st.total_count) for k in ("overdue", "errors")), ("", st.total_text)]
    for c, (v, f) in enumerate(totals):
        put(row, c, v, f)
    missing = [p.prefecture for p in prefectures if not p.submitted]
    if missing:
        text = f"不完整：不含 {'、'.join(missing)}（未报送汇总表）"
        for c in (1, 4, 5, 6, 7):
            put(row, c, totals[c][0], st.marked("error", "0.0%" if c == 7 else "0" if c > 1 else "", bold=True))
            ws.write_comment(row, c, text)
    return row
