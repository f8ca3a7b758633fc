"""Rows with no header of their own: a 附件1 continued on the next sheet or in the next Word
table without its header repeated (audit 26, class 3).

Clerks run out of room: the rest of 附件1 goes onto Sheet2, or Word splits the table at a page
break and the second part has no header. Such rows are read as the table they continue when
that is clear: the previous sheet's (or Word table's) last table is 附件1, the rows fit its
columns, and the first one's 序号 carries on from its last (2 → 3). checking/sheets.py then
joins the two, as it joins a continuation that repeats the header. Rows that look like table
rows but are not clearly a continuation are named in an error: never dropped unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import clean_text, parse_number, parse_yes_no
from zhenggai.core.table import Header, Table
from zhenggai.forms.tables import build_table
from zhenggai.intake.reader import Grid


@dataclass(frozen=True, slots=True)
class Loose:
    """Rows of a sheet without a header that look like a table's rows, and why they were not read."""

    first: int  # 1-based row of the first such row
    rows: list[int]  # 1-based rows
    text: str  # the first row's text, for the message
    why: str


def _filled(row: list[object]) -> list[int]:
    return [c for c, v in enumerate(row) if clean_text(v)]


def _whole(v: object) -> int | None:
    """A cell read as a whole number (序号: 3, 3.0 or "3"), else None."""
    if isinstance(v, bool):
        return None
    num = parse_number(v) if isinstance(v, str) else None
    x = num.value if num is not None and num.status == "ok" else v
    if isinstance(x, (int, float)) and float(x).is_integer():
        return int(x)
    return None


# A contact or signature line set out as a small table ("填报人 | 张三 | 联系电话 | 138…"): no table's row.
_CONTACT = re.compile(r"联系人|联系电话|电话|手机|填报人|填表人|审核人|负责人[:：]|日期[:：]")


def _tabular(row: list[object]) -> bool:
    """A row that reads as a table's row: three or more cells, one a number or 是/否, none a
    contact or signature label."""
    cells = [v for v in row if clean_text(v)]
    if len(cells) < 3 or any(isinstance(v, str) and _CONTACT.search(v) for v in cells):
        return False
    return any(
        _whole(v) is not None or isinstance(v, float) or parse_yes_no(v).status in ("ok", "variant") for v in cells)


def _rows(grid: Grid) -> list[int]:
    """0-based rows of the grid that read as table rows (a Word table's own rows only)."""
    lo, hi = grid.table_rows if grid.table_rows is not None else (0, len(grid.rows))
    return [r for r in range(lo, hi) if _tabular(grid.rows[r])]


def continuation(grid: Grid, prev: Table | None) -> Table | Loose | None:
    """The table ``grid`` continues (its rows read under ``prev``'s header), the rows that look
    like table rows but do not clearly continue it, or None (nothing that looks like rows)."""
    rows = _rows(grid)
    if not rows:
        return None
    first = rows[0]
    lo = grid.table_rows[0] if grid.table_rows is not None else 0
    if any(len(_filled(grid.rows[r])) >= 3 for r in range(lo, first)):
        return None  # a header of its own, not one of ours: another table (乡镇明细), not headerless rows
    why = _not_continued(grid, prev, first, rows)
    if why is not None or prev is None:
        return Loose(first + 1, [r + 1 for r in rows], " ".join(clean_text(v) for v in grid.rows[first] if
                                                                 clean_text(v))[:60], why or "")
    h = prev.header
    header = Header(first - 1, dict(h.cols), dict(h.labels), [], dict(h.extras), [], list(h.twins))
    table = build_table(grid, prev.spec, header, (), max(first - 1, 0))
    table.continues = prev.sheet
    return table


def _not_continued(grid: Grid, prev: Table | None, first: int, rows: list[int]) -> str | None:
    """Why the rows from ``first`` are not clearly ``prev`` continued; None when they are."""
    if prev is None or not prev.records:
        return "前面没有可接续的表格"
    if prev.kind != TableKind.APPENDIX1 or "seq" not in prev.header.cols:
        return f"前一张表（“{prev.sheet}”）不是带序号的附件1"
    cols = [*prev.header.cols.values(), *prev.header.extras]
    lo, hi = min(cols), max(cols)
    if any(c < lo or c > hi for r in rows for c in _filled(grid.rows[r])):
        return f"列数与“{prev.sheet}”的附件1 不同"
    seq_col = prev.header.cols["seq"]
    last = _whole(prev.records[-1].values[prev.spec.keys.index("seq")])
    mine = _whole(grid.rows[first][seq_col]) if seq_col < len(grid.rows[first]) else None
    if last is None or mine is None or mine != last + 1:
        return f"序号没有接着“{prev.sheet}”的 {last if last is not None else '最后一行'} 往下编"
    return None
