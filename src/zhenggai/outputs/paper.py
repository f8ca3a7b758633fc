"""The parts every printed rollup sheet shares (公文 conventions, GB/T 9704).

The 附件 label on its own line, the title, the 填报单位（盖章） line with the as-of date,
the header broken where the form breaks it, rows that hold their text, the 联系人 line,
and the page numbers: through the stamped set, from 1 on a working sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from xlsxwriter.worksheet import Worksheet

from zhenggai.outputs.xlsx import Styles, break_header, row_height, setup_print
from zhenggai.rollup.layout import (
    AS_OF_LABEL,
    CONTACT_PREFIX,
    HEADER_ROW,
    LABEL_ROW,
    PAGE_FOOTER,
    SUBTITLE_ROW,
    TITLE_ROW,
    WORKING_FOOTER,
    WORKING_NOTE,
    Column,
    SheetSpec,
    cn_date,
)
from zhenggai.rollup.model import Rollup, Signoff

LABEL_HEIGHT, TITLE_HEIGHT, SUBTITLE_HEIGHT = 24, 40, 22  # points
HEADER_LINE, ROW_MIN = 15, 21  # points: one header line; the least height of a printed row


BLANK = "\u3000" * 6  # room to write by hand, as in the official forms


def unit_line(rollup: Rollup, signoff: Signoff) -> str:
    """"填报单位：襄阳市商务局（盖章）" (the province's 商务厅 for a province rollup)."""
    place = rollup.prefecture or ""
    unit = signoff.unit or (f"{place}{'商务厅' if rollup.province else '商务局'}" if place else BLANK)
    return f"填报单位：{unit}（盖章）"


def contact_line(signoff: Signoff) -> str:
    """"联系人：张三　　联系电话：0710-3256789", blanks where nothing was given."""
    return f"{CONTACT_PREFIX}{signoff.contact or BLANK}\u3000\u3000联系电话：{signoff.phone or BLANK}"


def place_of(rollup: Rollup) -> str:
    """The place the titles start with: the prefecture, or 全省 for an unnamed province."""
    return rollup.prefecture or ("全省" if rollup.province else "")


def title_block(ws: Worksheet, st: Styles, rollup: Rollup, sheet: SheetSpec, last_col: int, signoff: Signoff) -> None:
    """The 附件 label on its own line, the title under it, then the 填报单位（盖章） line with
    the as-of date at its right. A working sheet says so where the label would be, and
    has no 盖章 line.

    The tool's name and the generation date are in the file properties, not on the
    page: the printed sheet is the prefecture's own attachment.
    """
    if sheet.stamped:
        ws.set_row(LABEL_ROW, LABEL_HEIGHT)
        ws.write_string(LABEL_ROW, 0, sheet.label or "", st.doc_label)
    else:
        working_label(ws, st)
    ws.set_row(TITLE_ROW, TITLE_HEIGHT)
    _span(ws, TITLE_ROW, last_col, f"{place_of(rollup)}{sheet.heading}", st.doc_title)
    ws.set_row(SUBTITLE_ROW, SUBTITLE_HEIGHT)
    when = f"{AS_OF_LABEL} {cn_date(rollup.as_of)}"
    left = unit_line(rollup, signoff) if sheet.stamped else ""
    split = max(0, last_col // 2)
    if split == 0 or split == last_col:
        ws.write_string(SUBTITLE_ROW, 0, f"{left}\u3000\u3000{when}".strip("\u3000"), st.subtitle)
        return
    ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, split, left, st.subtitle)
    ws.merge_range(SUBTITLE_ROW, split + 1, SUBTITLE_ROW, last_col, when, st.subtitle_right)


def working_label(ws: Worksheet, st: Styles) -> None:
    """Where a stamped sheet has its 附件 label, a working sheet says it is not one: every
    sheet of the rollup that is not part of the stamped set (核对底稿, 校验问题, 进展对比,
    问题类别统计) so that no page of it is filed upward by mistake."""
    ws.set_row(LABEL_ROW, LABEL_HEIGHT)
    ws.write_string(LABEL_ROW, 0, WORKING_NOTE, st.note)


def _span(ws: Worksheet, row: int, last_col: int, text: str, fmt: Any) -> None:
    if last_col > 0:
        ws.merge_range(row, 0, row, last_col, text, fmt)
    else:
        ws.write_string(row, 0, text, fmt)


def contact_block(ws: Worksheet, st: Styles, row: int, last_col: int, signoff: Signoff) -> int:
    """The 联系人 line one row under the table; returns its row."""
    _span(ws, row, last_col, contact_line(signoff), st.note)
    ws.set_row(row, SUBTITLE_HEIGHT)
    return row


def print_setup(ws: Worksheet, sheet: SheetSpec, *, last_col: int, last_row: int) -> None:
    """Print settings: the stamped set's pages are numbered through (— 1 —, — 2 — …);
    a working sheet numbers its own from 1 with its name."""
    if sheet.stamped:
        setup_print(ws, header_row=HEADER_ROW, last_col=last_col, last_row=last_row, footer=PAGE_FOOTER)
    else:
        setup_print(ws, header_row=HEADER_ROW, last_col=last_col, last_row=last_row,
                    footer=WORKING_FOOTER.format(name=sheet.name), restart=True)


def columns_of(columns: Sequence[Column]) -> list[tuple[str, float]]:
    return [(c.header, c.width) for c in columns]


def fit_row(ws: Worksheet, row: int, values: Sequence[object], cols: Sequence[tuple[str, float]]) -> None:
    """Every printed row holds its text: the wrapped height, and never less than ROW_MIN
    (a 合计 or 未报送 line is as tall as the rows around it)."""
    height = row_height(list(values), [w for _, w in cols])
    ws.set_row(row, max(ROW_MIN, height or 0))


def header_row(ws: Worksheet, st: Styles, columns: Sequence[tuple[str, float]]) -> None:
    """The header row, each text broken where the form breaks it: a unit "（万元）" on a
    line of its own, never a line that starts with the closing bracket (left to the
    program, "追回企业资金（万元" / "）"). Readers ignore line breaks in headers."""
    texts = [break_header(name, width) for name, width in columns]
    lines = max((t.count("\n") + 1 for t in texts), default=1)
    ws.set_row(HEADER_ROW, max(2, lines) * HEADER_LINE + 8)
    for c, ((_, width), text) in enumerate(zip(columns, texts, strict=True)):
        ws.set_column(c, c, width)
        ws.write_string(HEADER_ROW, c, text, st.header)


def shown_file(name: str) -> str:
    """A file name as printed: a name given with a machine path (the feedback list named on
    the command line) keeps only its own name; inbox names are relative already."""
    if name.startswith(("/", "\\")) or (len(name) > 2 and name[1] == ":" and name[2] in "\\/"):
        return PureWindowsPath(name).name if "\\" in name else PurePosixPath(name).name
    return name
