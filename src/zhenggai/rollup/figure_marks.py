"""A counted 附件2 figure with a warning on its cell is marked where it goes upward.

The merge counts a figure a warning doubts (its measure says 5 and the cell 4, a cumulative
figure lower than last round, a sum of township rows): it is the clerk's figure, so it is
counted, but the 成果统计汇总 cell and its 合计 are yellow with the warning as the comment,
and the 情况报告 names the county as 待核实 — a doubted figure never goes upward looking
like a checked one. Errors are already red and in no total; the plausibility marks
(``official.plausibility_marks``) come first and are kept. A rollup read back (``report``,
the province) marks the same cells again from its 校验问题 sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zhenggai.core.findings import Finding, Severity
from zhenggai.core.schema import TableSpec
from zhenggai.rollup.model import Mark, Rollup, RollupStats


def mark_warned_figures(rollup: Rollup) -> None:
    """Add a yellow mark to each counted indicator cell of ``rollup`` a warning points at."""
    mark_stats(rollup.stats, rollup.report.findings(), rollup.a2)


def mark_stats(stats: Sequence[RollupStats], findings: Iterable[Finding], spec: TableSpec) -> None:
    """The same for ``stats`` and ``findings`` (a rollup being read back: rows unknown there,
    a warning on the file's cell of that column marks it)."""
    by_field: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.severity is Severity.WARNING and f.field:
            by_field.setdefault((f.file, f.field), []).append(f)
    if not by_field:
        return
    for s in stats:
        if s.status is not None:
            continue  # a row kept only for its place: no figures
        for c in spec.columns:
            if not c.is_number or c.key in s.unreadable or c.key in s.marks:
                continue
            hits = [f for f in by_field.get((s.source_file, c.header), [])
                    if not s.source_row or (f.row == s.source_row and f.sheet == s.sheet)]
            if hits:
                s.marks[c.key] = Mark(Severity.WARNING, "；".join(dict.fromkeys(f.message for f in hits)))
