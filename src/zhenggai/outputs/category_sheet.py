"""The 问题类别统计 sheet of the rollup: per problem category the problems, done, rate, overdue.

Figures from ``rollup/categories.py`` (counted per problem from the 整改清单汇总 rows, so
the categories add up to the overview's totals); at province level one block per 市州
then the province's own lines. Printed like the other sheets: A4 landscape, title, the
填报单位 line with the as-of date, the 联系人 line, page numbers.
"""

from __future__ import annotations

from xlsxwriter.workbook import Workbook

from zhenggai.outputs.paper import place_of, working_label
from zhenggai.outputs.xlsx import Styles, break_header, cell_writer, setup_print, text_width
from zhenggai.rollup.categories import CategoryRow, category_stats
from zhenggai.rollup.layout import (
    AS_OF_LABEL,
    HEADER_ROW,
    PREFECTURE_HEADER,
    SUBTITLE_ROW,
    TITLE_PREFIX,
    TITLE_ROW,
    WORKING_FOOTER,
)
from zhenggai.rollup.model import Rollup

SHEET = "问题类别统计"
HEADERS = (("问题类别", 22), ("问题数", 9), ("已完成", 9), ("未完成", 9), ("完成率", 9), ("逾期未完成", 10))
TOTAL = "合计"


def _values(r: CategoryRow) -> list[object]:
    return [r.category, r.total, r.done, r.total - r.done, r.rate if r.rate is not None else "", r.overdue]


def write_category_sheet(wb: Workbook, st: Styles, rollup: Rollup, *, unit: str, contact: str) -> None:
    """Add the 问题类别统计 sheet to a rollup workbook being written."""
    ws = wb.add_worksheet(SHEET)
    put = cell_writer(ws)
    overall, per_prefecture = category_stats(rollup)
    cols = ([(PREFECTURE_HEADER, 10)] if rollup.province else []) + list(HEADERS)
    last = len(cols) - 1
    title = f"{place_of(rollup)}{TITLE_PREFIX}{SHEET}"
    # A narrow table under a long 22-point title (twice the body's 11 points): the 问题类别
    # column takes what the title needs, or the title prints cut off at both ends.
    need = round(text_width(title) * 2 + 4 - sum(w for _, w in cols))
    if need > 0:
        i = 1 if rollup.province else 0
        cols[i] = (cols[i][0], cols[i][1] + need)
    working_label(ws, st)
    ws.set_row(TITLE_ROW, 40)
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title, st.doc_title)
    a = rollup.as_of
    split = last // 2
    ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, split, unit, st.subtitle)
    ws.merge_range(SUBTITLE_ROW, split + 1, SUBTITLE_ROW, last, f"{AS_OF_LABEL} {a.year}年{a.month}月{a.day}日",
                   st.subtitle_right)
    ws.set_row(HEADER_ROW, 38)
    for c, (name, width) in enumerate(cols):
        ws.set_column(c, c, width)
        ws.write_string(HEADER_ROW, c, break_header(name, width), st.header)
    fmts = [st.text, st.count, st.count, st.count, st.percent, st.count]
    total_fmts = [st.total_text, st.total_count, st.total_count, st.total_count, st.total_percent, st.total_count]
    row = HEADER_ROW + 1
    blocks: list[tuple[str | None, list[CategoryRow]]] = []
    if rollup.province:
        for p in dict.fromkeys(r.prefecture for r in per_prefecture):
            blocks.append((p, [r for r in per_prefecture if r.prefecture == p]))
        blocks.append(("全省", overall))
    else:
        blocks.append((None, overall))
    for prefecture, rows in blocks:
        sums = [sum(r.total for r in rows), sum(r.done for r in rows), sum(r.overdue for r in rows)]
        total = CategoryRow(TOTAL, prefecture, sums[0], sums[1], sums[2])
        for r, styles in [*((r, fmts) for r in rows), (total, total_fmts)]:
            c = 0
            if rollup.province:
                put(row, 0, prefecture or "", st.center if styles is fmts else st.total_text)
                c = 1
            for i, v in enumerate(_values(r)):
                put(row, c + i, v, styles[i])
            ws.set_row(row, 21)  # as tall as the rows of the other printed sheets
            row += 1
    ws.merge_range(row + 1, 0, row + 1, last, contact, st.note)
    # Not one of the stamped 附件: its own page numbers, from 1.
    setup_print(ws, header_row=HEADER_ROW, last_col=last, last_row=row + 1,
                footer=WORKING_FOOTER.format(name=SHEET), restart=True)
