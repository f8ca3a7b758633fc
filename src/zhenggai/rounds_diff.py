"""``zhenggai diff``: two rounds of the same level, from files or folders.

Each side is read by the code that reads it for ``merge``: county replies through
validate and ``build_rollup``, rollups through the province reader. Only the same level
is compared (county replies with county replies of the same county, a prefecture rollup
with a prefecture rollup, a province rollup with a province rollup); any other pair is a
usage error with a Chinese message, never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zhenggai.errors import InputError
from zhenggai.findings import Report
from zhenggai.rollup.county import collect, merge
from zhenggai.rollup.model import MergeOptions, Rollup
from zhenggai.rounds import Comparison, RoundData
from zhenggai.rounds_load import LEVEL_NAMES, Level, compare_rounds, rollup_level, round_from_rollup, with_findings


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
        levels = {rollup_level(p) for p in rollups}
        if levels == {"prefecture"}:
            return ("prefecture" if len(rollups) == 1 else "province"), rollups
        if levels == {"province"} and len(rollups) == 1:
            return "province", rollups
        raise InputError(f"{shown} 中有多份汇总表，无法确定比较哪一份")
    if not replies:
        raise InputError(f"{shown} 中没有找到 Excel 工作簿（.xlsx/.xlsm/.xls）")
    return "county", replies


def read_round(paths: Sequence[Path], opts: MergeOptions) -> tuple[Level, RoundData, Rollup]:
    """One side of a comparison, read by the same code that reads it for ``merge``."""
    level, files = level_of(paths)
    label = "、".join(p.name or str(p) for p in paths)
    if level == "county":
        rollup = merge(list(paths), None, opts, write=False).rollup
    else:
        from zhenggai.rollup.province import build_province

        rollup = build_province(files, opts, [])
    return level, round_from_rollup(rollup, label, keep_prefecture=level == "province"), rollup


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
    comparison = compare_rounds(rp, rc, opts)
    named = rollup.counties[0].prefecture if lp == "prefecture" and rollup.counties else None
    return DiffResult(comparison, with_findings(Report(), comparison.findings), lp, opts.prefecture or named)
