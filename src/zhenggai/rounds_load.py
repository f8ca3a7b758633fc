"""Files → rounds: county replies and rollups read as ``rounds.RoundData``, and the two entry
points that use them: ``merge --previous`` (``attach_previous``) and ``diff`` (``diff``).

A round is read by the code that already reads it: county replies through validate and
``build_rollup``, rollups through the province reader. Only inputs of the same level are
compared (county replies with county replies, a prefecture rollup with a prefecture rollup,
a province rollup with a province rollup); anything else is a usage error, never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from zhenggai.errors import InputError
from zhenggai.findings import FileReport, Finding, Report, Severity, sort_key
from zhenggai.merge import MergeOptions, Rollup, collect, own_output
from zhenggai.parse import clean_text, parse_date, parse_number, parse_yes_no
from zhenggai.rounds import Comparison, CountyRecord, ItemRecord, Place, RoundData, compare
from zhenggai.schema import APPENDIX1

Level = Literal["county", "prefecture", "province"]
LEVEL_NAMES: dict[str, str] = {"county": "县级报送", "prefecture": "市州汇总表", "province": "全省汇总表"}
_I = {k: i for i, k in enumerate(APPENDIX1.keys)}


def _rollup_level(path: Path) -> Level:
    """A rollup zhenggai wrote is a province rollup when its overview has a 市（州） column."""
    import python_calamine as pc

    with pc.CalamineWorkbook.from_path(str(path)) as wb:
        rows = wb.get_sheet_by_name("汇总概览").to_python(skip_empty_area=False)
    for row in rows[:10]:
        texts = [clean_text(v) for v in row]
        if "县（市、区）" in texts:
            return "province" if "市（州）" in texts else "prefecture"
    return "prefecture"


def level_of(paths: Sequence[Path]) -> tuple[Level, list[Path]]:
    """What one side of a comparison is, and the files that make it up."""
    for p in paths:
        if not p.exists():
            raise InputError(f"找不到文件或文件夹：{p}")
    replies, rollups, _ = collect(paths, None)
    shown = "、".join(str(p) for p in paths)
    if replies and rollups:
        raise InputError(f"{shown} 中既有县级报送又有汇总表，请分开比较")
    if rollups:
        levels = {_rollup_level(p) for p in rollups}
        if levels == {"prefecture"}:
            return ("prefecture" if len(rollups) == 1 else "province"), rollups
        if levels == {"province"} and len(rollups) == 1:
            return "province", rollups
        raise InputError(f"{shown} 中有多份汇总表，无法确定比较哪一份")
    if not replies:
        raise InputError(f"{shown} 中没有找到 Excel 工作簿（.xlsx/.xlsm/.xls）")
    return "county", replies


# --- rollup → round ---------------------------------------------------------------------


def _seq(v: object) -> int | None:
    n = parse_number(v)
    return int(n.value) if n.status == "ok" and n.value is not None and float(n.value).is_integer() else None


def round_from_rollup(rollup: Rollup, label: str, *, keep_prefecture: bool) -> RoundData:
    """A rollup (built by merge, or read from a rollup file) as one round.

    ``keep_prefecture`` is True only when comparing province rollups: a prefecture's own
    rollups name it (or not, without ``--prefecture``), which must not split its counties.
    """
    items = []
    for it in rollup.items:
        v = it.values
        pref = it.prefecture if keep_prefecture else None
        items.append(ItemRecord(
            it.county, _seq(v[_I["seq"]]), clean_text(v[_I["problem"]]), clean_text(v[_I["measure"]]),
            parse_yes_no(v[_I["done"]]).value, parse_date(v[_I["deadline"]]).value,
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
        counties.append(CountyRecord(c.county, c.status, c.total, c.done, numbers, place, pref))
    return RoundData(label, tuple(items), tuple(counties))


def read_round(paths: Sequence[Path], opts: MergeOptions) -> tuple[Level, RoundData, Rollup]:
    """One side of a comparison, read by the same code that reads it for ``merge``."""
    level, files = level_of(paths)
    label = "、".join(p.name or str(p) for p in paths)
    if level == "county":
        from zhenggai.merge import merge

        rollup = merge(list(paths), None, opts, write=False).rollup
    else:
        from zhenggai.province import build_province

        rollup = build_province(files, opts, [])
    return level, round_from_rollup(rollup, label, keep_prefecture=level == "province"), rollup


def _compare(previous: RoundData, current: RoundData, opts: MergeOptions) -> Comparison:
    cumulative = tuple(c for c in opts.validate.specs()[1].columns if c.cumulative)
    return compare(previous, current, deadline=opts.validate.deadline, cumulative=cumulative, feedback=opts.feedback)


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


def attach_previous(rollup: Rollup, previous: Path, opts: MergeOptions, *, label: str = "本轮") -> Comparison:
    """Compare a fresh rollup with the previous round's rollup file; findings join its report."""
    if not previous.is_file():
        raise InputError(f"找不到上一轮汇总表：{previous}")
    if own_output(previous) != "rollup":
        raise InputError(f"--previous 须是 zhenggai 生成的汇总表，{previous.name} 不是"
                         "（两份县级报送请用 zhenggai diff 比较）")
    level: Level = "province" if rollup.province else "prefecture"
    prev_level = _rollup_level(previous)
    if prev_level != level:
        raise InputError(f"--previous 的 {previous.name} 是{LEVEL_NAMES[prev_level]}，本次汇总是{LEVEL_NAMES[level]}，"
                         "只能比较同一层级")
    from zhenggai.province import build_province

    prev_round = round_from_rollup(build_province([previous], opts, []), previous.name,
                                   keep_prefecture=level == "province")
    cur_round = round_from_rollup(rollup, label, keep_prefecture=level == "province")
    comparison = _compare(prev_round, cur_round, opts)
    rollup.report = with_findings(rollup.report, comparison.findings)
    for s in rollup.counties:
        own = [f for f in comparison.findings if f.file in s.files]
        s.errors += sum(1 for f in own if f.severity is Severity.ERROR)
        s.warnings += sum(1 for f in own if f.severity is Severity.WARNING)
    rollup.comparison = comparison
    return comparison


# --- diff -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiffResult:
    """What ``diff`` found: the comparison, its findings as a report, and the level compared."""

    comparison: Comparison
    report: Report
    level: Level
    prefecture: str | None


def diff(previous: Sequence[Path], current: Sequence[Path], opts: MergeOptions | None = None) -> DiffResult:
    """Compare two rounds of the same level (county replies, or two rollups of one level)."""
    opts = opts or MergeOptions()
    lp, rp, _ = read_round(previous, opts)
    lc, rc, rollup = read_round(current, opts)
    if lp != lc:
        raise InputError(f"两份材料不是同一层级：上一轮是{LEVEL_NAMES[lp]}，本轮是{LEVEL_NAMES[lc]}。"
                         "请比较同一层级的两份材料（两份县级报送、两份市州汇总表或两份全省汇总表）")
    if lp == "county":
        before = {c.county for c in rp.counties if c.reported}
        now = {c.county for c in rc.counties if c.reported}
        if before and now and not before & now:
            raise InputError(f"两份县级报送不是同一个县：上一轮是{'、'.join(sorted(before))}，"
                             f"本轮是{'、'.join(sorted(now))}")
    comparison = _compare(rp, rc, opts)
    named = rollup.counties[0].prefecture if lp == "prefecture" and rollup.counties else None
    return DiffResult(comparison, with_findings(Report(), comparison.findings), lp, opts.prefecture or named)
