"""督办清单.xlsx: one block per county (and 市州) meeting a rule, heaviest level first.

Each rule met is a line with its count and what it rests on, in the reply's words (附件1 序号5);
the county, its 序号 and the suggested level are merged down its lines. Below the list,
the rules that could not be evaluated and why, and the rules switched off, so that a
reader never mistakes "not checked" for "nothing found". A4 landscape, page numbers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from zhenggai.outputs.supervision import Hit, Supervision, Target
from zhenggai.outputs.xlsx import Styles, cell_writer, row_height, setup_print, write_atomically
from zhenggai.rollup.layout import AS_OF_LABEL, COUNTY_HEADER, PREFECTURE_HEADER, TITLE_PREFIX

SHEET = "督办清单"
TITLE_ROW, SUBTITLE_ROW, HEADER_ROW = 0, 1, 2
EMPTY = "没有县（市、区）符合启用的督办规则"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def title(sv: Supervision) -> str:
    """"襄阳市电子商务进农村综合示范专项整改督办清单"."""
    return f"{sv.place}{TITLE_PREFIX}{SHEET}"


def _columns(province: bool) -> list[tuple[str, float]]:
    lead = [("序号", 6)] + ([(PREFECTURE_HEADER, 10)] if province else [])
    return [*lead, (COUNTY_HEADER, 12), ("建议措施", 9), ("触发的规则", 20), ("数量或比例", 16),
            ("依据", 80 if not province else 70)]


def evidence_text(hit: Hit) -> str:
    """The evidence lines of one rule, "…等共 N 处" when some are not listed."""
    lines = [e.text for e in hit.evidence]
    if hit.more:
        lines.append(f"……等共 {len(hit.evidence) + hit.more} 处，详见汇总表“校验问题”")
    return "\n".join(lines)


def _target(ws: Worksheet, st: Styles, level_fmt: Any, row: int, n: int, t: Target, province: bool) -> int:
    put = cell_writer(ws)
    cols = _columns(province)
    widths = [w for _, w in cols]
    lead = [n, *([t.prefecture or ""] if province else []), t.county, t.level]
    first = row
    for hit in t.hits:
        values: list[object] = [hit.rule.label, hit.detail, evidence_text(hit)]
        off = len(lead)
        for i, v in enumerate(values):
            put(row, off + i, v, st.center if i == 1 else st.text)
        # 15.5 pt a line: LibreOffice draws 宋体 11 with CJK fallback fonts a little taller than the
        # rollup's 14.5, and a six-line 依据 cell lost its last line (seen on the rendered page).
        height = row_height([*([""] * off), *values], widths, line=15.5)
        if height is not None:
            ws.set_row(row, height)
        row += 1
    for c, v in enumerate(lead):
        fmt = level_fmt if c == len(lead) - 1 else st.center
        if row - first > 1:
            ws.merge_range(first, c, row - 1, c, None, fmt)
        put(first, c, v, fmt)
    return row


def _notes(ws: Worksheet, st: Styles, row: int, sv: Supervision, last: int) -> int:
    if sv.not_evaluated:
        ws.merge_range(row, 0, row, last, "未评估的规则（汇总表中没有所需的数据，不代表没有问题）：", st.note)
        row += 1
        for s in sv.not_evaluated:
            ws.merge_range(row, 0, row, last, f"{s.rule.label}：{s.reason}", st.note)
            ws.set_row(row, 30)
            row += 1
    if sv.disabled:
        ws.merge_range(row, 0, row, last, "未启用的规则：" + "、".join(r.label for r in sv.disabled), st.note)
        row += 1
    return row


def write_supervision(sv: Supervision, output: Path, *, unit: str, contact: str, force: bool) -> Path:
    """Write 督办清单.xlsx atomically (OutputExists unless ``force``)."""

    def build(wb: Workbook) -> None:
        st = Styles(wb)
        # The level cell: red for 约谈/督办, amber for 通报, centred like the other lead cells.
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter", "border": 1, "align": "center",
                "bold": True}
        high = wb.add_format({**base, "bg_color": "#FFC7CE"})
        levels = {"督办": high, "约谈": high, "通报": wb.add_format({**base, "bg_color": "#FFEB9C"}),
                  "提醒": wb.add_format(base)}
        # Goes upward: the official title only, no tool name (情况报告.docx likewise).
        wb.set_properties({"title": title(sv), "subject": "电子商务进农村综合示范专项整改"})
        ws = wb.add_worksheet(SHEET)
        cols = _columns(sv.province)
        last = len(cols) - 1
        ws.set_row(TITLE_ROW, 32)
        ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title(sv), st.title)
        ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, last // 2, unit, st.subtitle)
        # The counts are the rollup's, as of its day; a later --as-of moves only 逾期.
        when = f"{AS_OF_LABEL} {_day(sv.rollup_as_of or sv.as_of)}"
        if sv.rollup_as_of is not None:
            when += f"，逾期按 {_day(sv.as_of)} 计"
        ws.merge_range(SUBTITLE_ROW, last // 2 + 1, SUBTITLE_ROW, last, when, st.subtitle_right)
        ws.set_row(HEADER_ROW, 24)
        for c, (name, width) in enumerate(cols):
            ws.set_column(c, c, width)
            ws.write_string(HEADER_ROW, c, name, st.header)
        row = HEADER_ROW + 1
        for n, t in enumerate(sv.targets, start=1):
            row = _target(ws, st, levels[t.level], row, n, t, sv.province)
        if not sv.targets:
            ws.merge_range(row, 0, row, last, EMPTY, st.center)
            row += 1
        row = _notes(ws, st, row + 1, sv, last)
        ws.merge_range(row + 1, 0, row + 1, last, contact, st.note)
        setup_print(ws, header_row=HEADER_ROW, last_col=last, last_row=row + 1)

    return write_atomically(output, build, force=force)
