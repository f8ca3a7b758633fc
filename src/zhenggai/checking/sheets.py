"""Tables that stand on a sheet in an unusual way, read as the clerk meant them (issue 18).

A 附件1 continued on the next sheet (the same header, 序号 carrying on) is checked as one
table and its findings and rows are then given back their own sheet; a 附件2 read sideways
(``forms.tables``) has its findings turned back onto the cells the clerk sees.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from zhenggai.core.findings import Finding, a1, column_letter, make
from zhenggai.core.kinds import TableKind
from zhenggai.core.results import Item, TableResult
from zhenggai.core.table import Reading, Table

_CONTINUED_OFFSET = 1_000_000  # rows of a continuation sheet, while checked as one table


def join_continued(tables: list[TableResult], notes: Callable[[Table, str], list[Finding]],
                   shown: str) -> tuple[list[TableResult], list[tuple[int, int, str]], list[Finding]]:
    """附件1 continued on the next sheet (the same header, 序号 carrying on) is one table.

    Its rows are checked with the first sheet's, numbered past ``_CONTINUED_OFFSET`` so that
    no row of the two sheets shares a number; :func:`split_back` gives every finding and
    row its own sheet again. A second sheet that names another county is not a continuation.
    Returns the tables kept, (index of the first sheet's table among them, offset,
    continuation sheet) for each join, and the findings about the continuation sheets.
    """
    joined: list[tuple[int, int, str]] = []
    kept: list[TableResult] = []
    found: list[Finding] = []
    for t in tables:
        prev = kept[-1] if kept else None
        if prev is None or not _continues(prev.table, t.table):
            kept.append(t)
            continue
        offset = _CONTINUED_OFFSET * (len(joined) + 1)
        found += notes(t.table, shown)  # the second sheet's header and rows, on that sheet
        first, last = _seq(prev.table, -1), _seq(t.table, 0)
        # Without a header of its own (forms/continuation.py) the note stands on its first row.
        row = t.table.header.row + 1 if t.table.continues is None else t.table.records[0].row
        found.append(make("table-continued" if t.table.continues is None else "table-continued-headerless",
                          file=shown, sheet=t.table.sheet, cell=a1(row, 0), row=row, name=t.table.sheet,
                          prev=prev.table.sheet, seq=f"{last} 接 {first}"))
        # The tables were just found in this file (forms.find_tables): no one else holds them.
        for rec in t.table.records:
            rec.row += offset
            rec.group = rec.group + offset if rec.group is not None else None
        prev.table.records.extend(t.table.records)
        prev.table.formula_cells.extend((r + offset, c, k) for r, c, k in t.table.formula_cells)
        prev.table.readings.extend(Reading(x.key, {r + offset: v for r, v in x.cells.items()}, x.col, x.label)
                                   for x in t.table.readings)
        prev.table.contact = prev.table.contact or t.table.contact
        joined.append((len(kept) - 1, offset, t.table.sheet))
    return kept, joined, found


def _seq(t: Table, at: int) -> int | None:
    """The 序号 of a table's first (0) or last (-1) record, when it is a whole number."""
    col = t.spec.keys.index("seq")
    if not t.records or "seq" not in t.header.cols:
        return None
    v = t.records[at].values[col]
    if isinstance(v, str) and v.strip().isdigit():
        return int(v)  # a Word table's 序号 is text
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() else None


def _continues(a: Table, b: Table) -> bool:
    if a.kind != TableKind.APPENDIX1 or b.kind != TableKind.APPENDIX1 or a.sheet == b.sheet or a.transposed:
        return False
    if set(a.header.cols) != set(b.header.cols) or (b.county is not None and b.county != a.county):
        return False
    last, first = _seq(a, -1), _seq(b, 0)
    return last is not None and first is not None and first == last + 1 and first > 1


def split_back(findings: Sequence[Finding], t: TableResult, offset: int,
               sheet: str) -> tuple[TableResult, list[Finding]]:
    """Findings and rows of a continuation sheet on their own sheet and rows again: the
    table and the findings, new values."""
    def back(x: Finding) -> Finding:
        if x.sheet != t.table.sheet or x.row is None or not offset <= x.row < offset + _CONTINUED_OFFSET:
            return x
        row = x.row - offset
        cell = x.cell.rstrip("0123456789") + str(row) if x.cell else x.cell
        return replace(x, sheet=sheet, row=row, cell=cell)

    def item(it: Item) -> Item:
        if not offset <= it.row < offset + _CONTINUED_OFFSET:
            return it
        # The group stays past the offset: no problem shares its number.
        return replace(it, group=it.group or it.row, row=it.row - offset, sheet=sheet)

    for rec in t.table.records:  # this file's own table (see join_continued)
        if offset <= rec.row < offset + _CONTINUED_OFFSET:
            rec.row -= offset
    return replace(t, items=tuple(item(it) for it in t.items)), [back(x) for x in findings]


def turn_back(x: Finding) -> Finding:
    """A finding on a 附件2 read sideways: its cell on the sheet as the clerk sees it."""
    if not x.cell or x.row is None or not x.cell[:1].isalpha():
        return x
    letters = x.cell.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return replace(x, cell=f"{column_letter(x.row - 1)}{col}", row=col)
