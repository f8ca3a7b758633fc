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

from zhenggai.core.schema import APPENDIX1, Kind
from zhenggai.rollup.layout import Status

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from zhenggai.rollup.model import Rollup, RollupItem

_I_SEQ, _I_PROBLEM = APPENDIX1.keys.index("seq"), APPENDIX1.keys.index("problem")


def problem_groups(items: Sequence[RollupItem]) -> list[list[RollupItem]]:
    """The 附件1 rows grouped into problems, the one grouping every count uses (overview,
    categories, frames): the rows of a 问题描述 merged over several measures are one problem
    (finished when all its measures are); two rows that only repeat a 问题描述 under their own
    序号 are two (validate warns ``problem-duplicate``), as the county's own 附件1 counts them.

    A rollup read back from its workbook has lost the merge: there the rows of one problem
    are consecutive rows of one source file repeating its 序号 and 问题描述.
    """
    groups: list[list[RollupItem]] = []
    prev: RollupItem | None = None
    for i in items:
        if prev is None or (prev.prefecture, prev.county, prev.source_file) != (i.prefecture, i.county, i.source_file):
            same = False
        elif i.problem_row is not None:
            same = i.problem_row == prev.problem_row
        else:
            text = i.values[_I_PROBLEM]
            same = (prev.problem_row is None and text not in ("", None) and text == prev.values[_I_PROBLEM]
                    and i.values[_I_SEQ] in (prev.values[_I_SEQ], ""))
        if same:
            groups[-1].append(i)
        else:
            groups.append([i])
        prev = i
    return groups


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


def _problem_ids(rollup: Rollup) -> list[int]:
    """A number per 附件1 problem (``problem_groups``), the same on each of its rows."""
    return [n for n, group in enumerate(problem_groups(rollup.items), start=1) for _ in group]


def _texts(rows: list[dict[str, str]], key: str, values: list[object]) -> list[str | None]:
    """The clerk's text of each cell: as recorded when read from the county's file, else
    as the rollup shows it (a rollup read back from its workbook)."""
    from zhenggai.core.parse import display

    return [r.get(key, display(v)) for r, v in zip(rows, values, strict=True)]


def _items_frame(rollup: Rollup) -> pd.DataFrame:
    """整改清单汇总: one row per 附件1 row, with ``problem_id`` and the clerk's texts."""
    import pandas as pd

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
            continue
        texts = _texts([i.texts for i in rollup.items], c.key, values) if c.kind is not Kind.YESNO else None
        if texts is not None:
            columns[f"{c.key}_text"] = pd.array(texts, dtype="string")
        if c.kind is Kind.YESNO:
            columns[f"{c.key}_text"] = pd.array([_text(v) for v in values], dtype="string")
    columns.update({
        "problem_id": pd.array(_problem_ids(rollup), dtype="Int64"),
        "category": pd.array([i.category for i in rollup.items], dtype="string"),
        "extras": pd.array([_text(i.extras) for i in rollup.items], dtype="string"),
        "source_file": pd.array([i.source_file for i in rollup.items], dtype="string"),
        "source_row": pd.array([i.source_row for i in rollup.items], dtype="Int64"),
        "errors": pd.array([i.errors for i in rollup.items], dtype="Int64"),
    })
    frame: pd.DataFrame = pd.DataFrame(columns)
    return frame


def _stats_frame(rollup: Rollup) -> pd.DataFrame:
    """成果统计汇总: one row per county's 附件2; counts Int64, amounts Float64, texts beside."""
    import pandas as pd

    spec = rollup.a2
    stats_cols: dict[str, object] = {"prefecture": pd.array([s.prefecture for s in rollup.stats], dtype="string")}
    for c in spec.columns:
        raw = [s.values.get(c.key) for s in rollup.stats]
        if c.is_number:
            nums = [None if c.key in s.unreadable or not isinstance(v, (int, float)) else v
                    for s, v in zip(rollup.stats, raw, strict=True)]
            if c.kind is Kind.COUNT:  # a count is whole (a fraction is unreadable, so NA)
                stats_cols[c.key] = pd.array([_int_or_none(v) for v in nums], dtype="Int64")
            else:
                stats_cols[c.key] = pd.array([None if v is None else float(v) for v in nums], dtype="Float64")
            stats_cols[f"{c.key}_text"] = pd.array(_texts([s.texts for s in rollup.stats], c.key, raw),
                                                    dtype="string")
        elif c.key == "county":
            stats_cols[c.key] = pd.array([s.county for s in rollup.stats], dtype="string")
        else:
            stats_cols[c.key] = pd.array([_text(v) for v in raw], dtype="string")
    stats_cols["unreadable"] = pd.array([",".join(sorted(s.unreadable)) or None for s in rollup.stats],
                                        dtype="string")
    stats_cols["source_file"] = pd.array([s.source_file for s in rollup.stats], dtype="string")
    # A row that only keeps the place of a county without a usable 附件2: its status, else NA.
    status = pd.CategoricalDtype([s.value for s in Status])
    stats_cols["status"] = pd.Series([s.status.value if s.status else None for s in rollup.stats], dtype=status)
    stats_cols["marked"] = pd.array([",".join(sorted(s.marks)) or None for s in rollup.stats], dtype="string")
    frame: pd.DataFrame = pd.DataFrame(stats_cols)
    return frame


def to_frames(rollup: Rollup) -> RollupFrames:
    """The rollup's counties, items, statistics and findings as typed DataFrames.

    Counts are ``Int64``, amounts ``Float64``; what is not known is NA (``rows_read`` of a
    rollup read back from its workbook, a number or date that could not be read), never
    0. Beside every parsed date and number is the clerk's own text (``deadline_text``,
    ``seq_text``, ``<key>_text``), and ``problem_id`` groups the measure rows of one
    problem, so that a per-problem rate computes exactly the rollup's ``rate``.
    """
    import pandas as pd

    from zhenggai.core.results import findings_frame

    status = pd.CategoricalDtype([s.value for s in Status])
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

    items = _items_frame(rollup)

    stats = _stats_frame(rollup)

    county_of = {name: c.county for c in rollup.counties for name in c.files}
    findings = findings_frame(rollup.report, county_of)
    return RollupFrames(counties, items, stats, findings)
