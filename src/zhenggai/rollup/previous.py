"""Rollups → rounds (``rounds.RoundData``), and ``merge --previous`` (``attach_previous``).

A round is read by the code that already reads it: a rollup built by ``merge`` as it is,
a rollup file through ``read_rollup``. Only rollups of the same level are compared;
anything else is a usage error, never a guess. ``rounds_diff.py`` adds county replies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from zhenggai.core.errors import InputError
from zhenggai.core.findings import FileReport, Finding, Report, Severity, sort_key
from zhenggai.core.parse import clean_text, parse_date, parse_number, parse_yes_no
from zhenggai.core.schema import APPENDIX1
from zhenggai.progress.compare import Comparison, CountyRecord, ItemRecord, Place, RoundData, compare
from zhenggai.rollup.model import MergeOptions, Rollup, Status

Level = Literal["county", "prefecture", "province"]
LEVEL_NAMES: dict[str, str] = {"county": "县级报送", "prefecture": "市州汇总表", "province": "全省汇总表"}
_I = {k: i for i, k in enumerate(APPENDIX1.keys)}


# --- rollup → round ---------------------------------------------------------------------


def _seq(v: object) -> int | None:
    if type(v) is int and abs(v) < 2**53:
        return v  # the common case (read back, or as merged): what parse_number would give
    n = parse_number(v)
    return int(n.value) if n.status == "ok" and n.value is not None and float(n.value).is_integer() else None


def round_from_rollup(rollup: Rollup, label: str, *, keep_prefecture: bool) -> RoundData:
    """A rollup (built by merge, or read from a rollup file) as one round.

    ``keep_prefecture`` is True only when comparing province rollups: a prefecture's own
    rollups name it (or not, without ``--prefecture``), which must not split its counties.
    """
    items = []
    i_seq, i_problem, i_measure, i_done, i_deadline = (_I[k] for k in ("seq", "problem", "measure", "done", "deadline"))
    for it in rollup.items:
        v = it.values
        pref = it.prefecture if keep_prefecture else None
        items.append(ItemRecord(
            it.county, _seq(v[i_seq]), clean_text(v[i_problem]), clean_text(v[i_measure]),
            parse_yes_no(v[i_done]).value, parse_date(v[i_deadline]).value,
            Place(it.source_file, it.sheet, it.source_row or None, it.columns), pref))
    stats = {(s.prefecture if keep_prefecture else None, s.county): s for s in rollup.stats}
    counties = []
    for c in rollup.counties:
        pref = c.prefecture if keep_prefecture else None
        s = stats.get((pref, c.county))
        numbers: dict[str, float | None] = {}
        place = None
        if s is not None:
            for col in rollup.a2.columns:
                raw = s.values.get(col.key)
                ok = col.is_number and col.key not in s.unreadable and isinstance(raw, (int, float))
                numbers[col.key] = float(raw) if ok and isinstance(raw, (int, float)) else None
            place = Place(s.source_file, s.sheet, s.source_row or None, s.columns)
        counties.append(CountyRecord(c.county, c.status.value, c.total, c.done, numbers, place, pref))
    return RoundData(label, tuple(items), tuple(counties), rollup.as_of)


def compare_rounds(previous: RoundData, current: RoundData, opts: MergeOptions) -> Comparison:
    """``rounds.compare`` with this run's deadline, cumulative columns and feedback list."""
    cumulative = tuple(c for c in opts.validate.specs()[1].columns if c.cumulative)
    return compare(previous, current, deadline=opts.validate.deadline, cumulative=cumulative, feedback=opts.feedback)


def compare_rollups(previous: Rollup, current: Rollup, options: MergeOptions | None = None, *,
                    labels: tuple[str, str] = ("上次报送", "本次报送")) -> Comparison:
    """与上次报送相比 for two rollups already in memory (``merge`` results, ``read_rollup``, or a
    county's two submissions in the web intake): the comparison ``diff`` and ``merge --previous`` make."""
    province = previous.province and current.province
    return compare_rounds(round_from_rollup(previous, labels[0], keep_prefecture=province),
                          round_from_rollup(current, labels[1], keep_prefecture=province), options or MergeOptions())


# --- merge --previous -------------------------------------------------------------------


def with_findings(report: Report, findings: Sequence[Finding]) -> Report:
    """The report with ``findings`` added to their files' entries (new entries as needed)."""
    extra: dict[str, list[Finding]] = {}
    for f in findings:
        extra.setdefault(f.file, []).append(f)
    files = []
    for fr in report.files:
        add = extra.pop(fr.path, [])
        files.append(replace(fr, findings=tuple(sorted([*fr.findings, *add], key=sort_key))) if add else fr)
    files += [FileReport(name, None, (), tuple(sorted(fs, key=sort_key))) for name, fs in extra.items()]
    return Report(tuple(sorted(files, key=lambda fr: fr.path)))


@dataclass(frozen=True, slots=True)
class PreviousRound:
    """``--previous`` as read: the rollup, or the error that stops the merge when it is compared."""

    path: Path
    rollup: Rollup | None
    error: InputError | None = None


def read_previous(previous: Path, opts: MergeOptions) -> PreviousRound:
    """Last round's rollup file, read for ``attach_previous``.

    ``run_merge`` reads it before the county replies: its reading peak (the whole workbook
    as cells, ~200 MB at 1,500 counties) then comes while the process holds little, and the
    rows kept are a fraction of that (issue 22). Its error is raised where it always was,
    after the inbox, so a run with two problems still reports the first one first.
    """
    if not previous.is_file():
        return PreviousRound(previous, None, InputError(f"找不到上一轮汇总表：{previous}"))
    from zhenggai.intake import boundary

    if boundary.available() and not boundary.in_worker():
        # Read in a worker: the reading's transient peak (the whole workbook as cells) then
        # stays there and this process receives only the rows kept (1,500 counties: peak of
        # merge --previous 415 → see benchmarks/README.md). A crash there is a read error here.
        [got] = boundary.run_jobs(read_previous_here, [(previous, opts)])
        if isinstance(got, boundary.Crash):
            return PreviousRound(previous, None, InputError(f"无法读取上一轮汇总表 {previous.name}（{got.reason}）"))
        return got
    return read_previous_here(previous, opts)


def read_previous_here(previous: Path, opts: MergeOptions) -> PreviousRound:
    """:func:`read_previous` in this process (a worker's job)."""
    from zhenggai.rollup.province import read_rollup

    try:
        return PreviousRound(previous, read_rollup(previous, opts))
    except InputError:
        return PreviousRound(previous, None, InputError(f"--previous 须是 zhenggai 生成的汇总表，{previous.name} 不是"
                                                        "（两份县级报送请用 zhenggai diff 比较）"))


def attach_previous(rollup: Rollup, previous: Path | PreviousRound, opts: MergeOptions, *,
                    label: str = "本轮") -> Rollup:
    """Compare a fresh rollup with the previous round's rollup (a file, or ``read_previous``'s);
    findings join its report.

    The comparison is ``rollup.comparison``; the previous rollup as read is returned (copied
    measures look into it)."""
    read = previous if isinstance(previous, PreviousRound) else read_previous(previous, opts)
    if read.rollup is None:
        assert read.error is not None
        raise read.error
    prev, previous = read.rollup, read.path
    level: Level = "province" if rollup.province else "prefecture"
    prev_level: Level = "province" if prev.province else "prefecture"
    if prev_level != level:
        raise InputError(f"--previous 的 {previous.name} 是{LEVEL_NAMES[prev_level]}，本次汇总是{LEVEL_NAMES[level]}，"
                         "只能比较同一层级")
    prev_round = round_from_rollup(prev, previous.name, keep_prefecture=level == "province")
    cur_round = round_from_rollup(rollup, label, keep_prefecture=level == "province")
    comparison = compare_rounds(prev_round, cur_round, opts)
    # A county in the rollup as 未报送 (on --expect) or 未填报 (blank forms only) already has an
    # error saying so (county-not-submitted, county-blank-only): "it reported last round"
    # would say the same thing twice. The 进展对比 line still shows it.
    expected_missing = {(s.prefecture if level == "province" else None, s.county)
                        for s in rollup.counties if s.status in (Status.MISSING, Status.BLANK)}
    repeated = {id(n.finding) for n in comparison.notes
                if n.finding.code == "round-county-silent" and (n.prefecture, n.county) in expected_missing}
    rollup.report = with_findings(rollup.report, [f for f in comparison.findings if id(f) not in repeated])
    # Counted by file, then per county: not every finding against every county's files.
    errors: Counter[str] = Counter(f.file for f in comparison.findings if f.severity is Severity.ERROR)
    warnings: Counter[str] = Counter(f.file for f in comparison.findings if f.severity is Severity.WARNING)
    for s in rollup.counties:
        files = set(s.files)
        s.errors += sum(errors[name] for name in files)
        s.warnings += sum(warnings[name] for name in files)
    rollup.comparison = comparison
    return prev
