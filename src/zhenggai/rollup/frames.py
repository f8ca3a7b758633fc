"""A rollup as pandas DataFrames, for analysts who study the data in a notebook.

Column names are the English keys of ``layout.py``; each column has one declared
dtype (nullable ``Int64``/``Float64``/``boolean``/``string``, ``datetime64`` for
dates, categoricals for the status and severity), whatever the clerks typed. A value
that is not what its column holds (a 完成时限 that is not a date, a number that could
not be read) becomes NA there, and its row is marked: ``errors`` > 0 on the item, or
the column's key listed in ``unreadable`` on the statistics row. Nothing becomes 0.

pandas is imported here only, when a caller asks for frames.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from zhenggai.core.findings import Severity
from zhenggai.core.schema import APPENDIX1, Kind
from zhenggai.rollup.layout import Status

if TYPE_CHECKING:
    import pandas as pd

    from zhenggai.rollup.model import Rollup


class RollupFrames(NamedTuple):
    """The four tables of a rollup."""

    counties: pd.DataFrame
    """One row per county (汇总概览)."""
    items: pd.DataFrame
    """One row per 附件1 problem (整改清单汇总)."""
    stats: pd.DataFrame
    """One row per county's 附件2 (成果统计汇总), totals not included."""
    findings: pd.DataFrame
    """One row per finding (校验问题)."""


def _int_or_none(v: object) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _yes_no(v: object) -> bool | None:
    return True if v == "是" else False if v == "否" else None


def _text(v: object) -> str | None:
    return None if v is None or v == "" else str(v)


def to_frames(rollup: Rollup) -> RollupFrames:
    """The rollup's counties, items, statistics and findings as typed DataFrames."""
    import pandas as pd

    status = pd.CategoricalDtype([s.value for s in Status])
    severity = pd.CategoricalDtype([s.value for s in Severity])
    counties = pd.DataFrame({
        "prefecture": pd.array([c.prefecture for c in rollup.counties], dtype="string"),
        "county": pd.array([c.county for c in rollup.counties], dtype="string"),
        "status": pd.Series([c.status.value for c in rollup.counties], dtype=status),
        "review": pd.array([c.review for c in rollup.counties], dtype="string"),  # 审核状态 (web intake)
        **{k: pd.array([getattr(c, k) for c in rollup.counties], dtype="Int64")
           for k in ("total", "done", "open", "overdue", "errors", "warnings", "rows_read", "rows_written")},
        "rate": pd.array([c.rate for c in rollup.counties], dtype="Float64"),
        "coverage_answered": pd.array([c.coverage[0] if c.coverage else None for c in rollup.counties], dtype="Int64"),
        "coverage_total": pd.array([c.coverage[1] if c.coverage else None for c in rollup.counties], dtype="Int64"),
        "files": pd.array(["、".join(c.files) for c in rollup.counties], dtype="string"),
        # total/done/open are the feedback list's when ``official``; the county's own then:
        "official": pd.array([c.official for c in rollup.counties], dtype="boolean"),
        "reported_total": pd.array([c.reported[0] if c.reported else None for c in rollup.counties], dtype="Int64"),
        "reported_done": pd.array([c.reported[1] if c.reported else None for c in rollup.counties], dtype="Int64"),
    })

    columns: dict[str, object] = {
        "prefecture": pd.array([i.prefecture for i in rollup.items], dtype="string"),
        "county": pd.array([i.county for i in rollup.items], dtype="string"),
    }
    for n, c in enumerate(APPENDIX1.columns):
        values = [i.values[n] for i in rollup.items]
        if c.kind is Kind.SEQ:
            columns[c.key] = pd.array([_int_or_none(v) for v in values], dtype="Int64")
        elif c.kind is Kind.YESNO:
            columns[c.key] = pd.array([_yes_no(v) for v in values], dtype="boolean")
        elif c.kind is Kind.DATE:
            columns[c.key] = pd.to_datetime(pd.Series([v if isinstance(v, date) else None for v in values],
                                                      dtype="object")).astype("datetime64[ns]")
        else:
            columns[c.key] = pd.array([_text(v) for v in values], dtype="string")
    columns.update({
        "category": pd.array([i.category for i in rollup.items], dtype="string"),
        "extras": pd.array([_text(i.extras) for i in rollup.items], dtype="string"),
        "source_file": pd.array([i.source_file for i in rollup.items], dtype="string"),
        "source_row": pd.array([i.source_row for i in rollup.items], dtype="Int64"),
        "errors": pd.array([i.errors for i in rollup.items], dtype="Int64"),
    })
    items = pd.DataFrame(columns)

    spec = rollup.a2
    stats_cols: dict[str, object] = {"prefecture": pd.array([s.prefecture for s in rollup.stats], dtype="string")}
    for c in spec.columns:
        raw = [s.values.get(c.key) for s in rollup.stats]
        if c.is_number:
            nums = [None if c.key in s.unreadable or not isinstance(v, (int, float)) else float(v)
                    for s, v in zip(rollup.stats, raw, strict=True)]
            stats_cols[c.key] = pd.array(nums, dtype="Float64")
        elif c.key == "county":
            stats_cols[c.key] = pd.array([s.county for s in rollup.stats], dtype="string")
        else:
            stats_cols[c.key] = pd.array([_text(v) for v in raw], dtype="string")
    stats_cols["unreadable"] = pd.array([",".join(sorted(s.unreadable)) or None for s in rollup.stats],
                                        dtype="string")
    stats_cols["source_file"] = pd.array([s.source_file for s in rollup.stats], dtype="string")
    # A row that only keeps the place of a county without a usable 附件2: its status, else NA.
    stats_cols["status"] = pd.Series([s.status.value if s.status else None for s in rollup.stats], dtype=status)
    stats_cols["marked"] = pd.array([",".join(sorted(s.marks)) or None for s in rollup.stats], dtype="string")
    stats = pd.DataFrame(stats_cols)

    found = [(fr.path, f) for fr in rollup.report.files for f in fr.findings]
    findings = pd.DataFrame({
        "file": pd.array([p for p, _ in found], dtype="string"),
        "sheet": pd.array([f.sheet for _, f in found], dtype="string"),
        "cell": pd.array([f.cell for _, f in found], dtype="string"),
        "row": pd.array([f.row for _, f in found], dtype="Int64"),
        "field": pd.array([f.field for _, f in found], dtype="string"),
        "severity": pd.Series([f.severity.value for _, f in found], dtype=severity),
        "value": pd.array([f.value for _, f in found], dtype="string"),
        "message": pd.array([f.message for _, f in found], dtype="string"),
        "code": pd.array([f.code for _, f in found], dtype="string"),
    })
    return RollupFrames(counties, items, stats, findings)
