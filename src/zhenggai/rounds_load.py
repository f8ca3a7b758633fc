"""Rollups → rounds (``rounds.RoundData``), and ``merge --previous`` (``attach_previous``).

A round is read by the code that already reads it: a rollup built by ``merge`` as it is,
a rollup file through the province reader. Only rollups of the same level are compared;
anything else is a usage error, never a guess. ``rounds_diff.py`` adds county replies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from zhenggai.errors import InputError
from zhenggai.findings import FileReport, Finding, Report, Severity, sort_key
from zhenggai.parse import clean_text, parse_date, parse_number, parse_yes_no
from zhenggai.rollup.layout import COUNTY_HEADER, HEADER_SEARCH_ROWS, MARKER_SHEETS, OVERVIEW, PREFECTURE_HEADER
from zhenggai.rollup.model import MergeOptions, Rollup
from zhenggai.rounds import Comparison, CountyRecord, ItemRecord, Place, RoundData, compare
from zhenggai.schema import APPENDIX1

Level = Literal["county", "prefecture", "province"]
LEVEL_NAMES: dict[str, str] = {"county": "县级报送", "prefecture": "市州汇总表", "province": "全省汇总表"}
_I = {k: i for i, k in enumerate(APPENDIX1.keys)}


def rollup_level(path: Path) -> Level | None:
    """"prefecture" or "province" for a rollup zhenggai wrote, None for any other workbook.

    A province rollup's overview has a 市（州） column; the sheet names tell a rollup.
    """
    import python_calamine as pc

    try:
        with pc.CalamineWorkbook.from_path(str(path)) as wb:
            if not set(wb.sheet_names) >= MARKER_SHEETS:
                return None
            rows = wb.get_sheet_by_name(OVERVIEW.name).to_python(skip_empty_area=False)
    except Exception:  # noqa: BLE001 - not a workbook calamine can open: not a rollup
        return None
    for row in rows[:HEADER_SEARCH_ROWS]:
        texts = [clean_text(v) for v in row]
        if COUNTY_HEADER in texts:
            return "province" if PREFECTURE_HEADER in texts else "prefecture"
    return "prefecture"


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
        counties.append(CountyRecord(c.county, c.status.value, c.total, c.done, numbers, place, pref))
    return RoundData(label, tuple(items), tuple(counties))


def compare_rounds(previous: RoundData, current: RoundData, opts: MergeOptions) -> Comparison:
    """``rounds.compare`` with this run's deadline, cumulative columns and feedback list."""
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
    prev_level = rollup_level(previous)
    if prev_level is None:
        raise InputError(f"--previous 须是 zhenggai 生成的汇总表，{previous.name} 不是"
                         "（两份县级报送请用 zhenggai diff 比较）")
    level: Level = "province" if rollup.province else "prefecture"
    if prev_level != level:
        raise InputError(f"--previous 的 {previous.name} 是{LEVEL_NAMES[prev_level]}，本次汇总是{LEVEL_NAMES[level]}，"
                         "只能比较同一层级")
    from zhenggai.rollup.province import build_province

    prev_round = round_from_rollup(build_province([previous], opts, []), previous.name,
                                   keep_prefecture=level == "province")
    cur_round = round_from_rollup(rollup, label, keep_prefecture=level == "province")
    comparison = compare_rounds(prev_round, cur_round, opts)
    rollup.report = with_findings(rollup.report, comparison.findings)
    for s in rollup.counties:
        own = [f for f in comparison.findings if f.file in s.files]
        s.errors += sum(1 for f in own if f.severity is Severity.ERROR)
        s.warnings += sum(1 for f in own if f.severity is Severity.WARNING)
    rollup.comparison = comparison
    return comparison
