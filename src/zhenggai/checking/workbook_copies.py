"""Two different copies of one appendix for one county inside ONE workbook.

A clerk who copies the sheet to revise it ("附件1 整改清单" and "附件1 (修改)", both
visible) leaves no rule to choose by: file times and sheet order say nothing about which
copy the bureau signed. The merge counts neither and says so (rollup/county.py); validate
says the same before the reply is sent, from the same comparison, so that a clerk never
sees "0 个错误" for a workbook the prefecture will not count.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from zhenggai.core.findings import Finding, make
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import display
from zhenggai.core.results import APPENDIX_NAMES

if TYPE_CHECKING:
    from zhenggai.core.results import FileResult, Stats, TableResult

__all__ = ["Candidate", "conflict", "content_key", "workbook_conflicts"]

# One appendix of one county as found: the file, the table and, for 附件2, the row that
# counts for this county (a table may hold several counties' rows).
Candidate = tuple["FileResult", "TableResult", "Stats | None"]


def content_key(c: Candidate) -> tuple[object, ...]:
    """What a table says for this county, as the clerk sees it: equal keys mean identical copies."""
    if c[2] is not None:
        return (tuple(display(v) for v in c[2].values), tuple(sorted(c[2].numbers.items())))
    return tuple(tuple(display(v) for v in r.values) for r in c[1].table.records)


def conflict(county: str, kind: TableKind, group: list[Candidate]) -> Finding | None:
    """``duplicate-in-workbook`` when the tables of one workbook for one county and appendix
    say different things; None when there is one, or all are identical copies."""
    if len(group) < 2:
        return None
    distinct = list({content_key(c): c for c in group}.values())
    if len(distinct) < 2:
        return None
    return make("duplicate-in-workbook", file=group[0][0].display, county=county, n=len(distinct),
                appendix=APPENDIX_NAMES[kind], sheets="、".join(f"“{c[1].table.sheet}”" for c in distinct))


def workbook_conflicts(result: FileResult) -> list[Finding]:
    """Every ``duplicate-in-workbook`` of one checked file (what validate adds; the merge
    finds the same through :func:`conflict` while choosing each county's tables)."""
    groups: dict[tuple[str, TableKind], list[Candidate]] = defaultdict(list)
    for t in result.tables:
        if t.blank:
            continue
        if t.table.kind == TableKind.APPENDIX1:
            groups[(t.county or "", t.table.kind)].append((result, t, None))
        else:
            for name, row in t.counties.items():
                groups[(name or "", t.table.kind)].append((result, t, row))
    found = (conflict(county or "（县名未知）", kind, group) for (county, kind), group in groups.items())
    return [f for f in found if f is not None]
