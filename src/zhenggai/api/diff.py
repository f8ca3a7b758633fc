"""``zhenggai diff``: two rounds of the same level, from files or folders.

Each side is read by the code that reads it for ``merge``: county replies through
validate and ``build_rollup``, rollups through the province reader. Only the same level
is compared (county replies with county replies of the same county, a prefecture rollup
with a prefecture rollup, a province rollup with a province rollup); any other pair is a
usage error with a Chinese message, never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path

from zhenggai.api.pipeline import run_merge as merge
from zhenggai.core.errors import InputError
from zhenggai.core.findings import Report
from zhenggai.progress.compare import Comparison, RoundData
from zhenggai.rollup.county import collect
from zhenggai.rollup.model import MergeOptions, Rollup
from zhenggai.rollup.previous import LEVEL_NAMES, Level, compare_rounds, round_from_rollup, with_findings
from zhenggai.rollup.province import build_province, read_rollup


def read_round(paths: Sequence[Path], opts: MergeOptions) -> tuple[Level, RoundData, Rollup]:
    """One side of a comparison, read by the code that reads it elsewhere: county replies as
    ``merge`` reads them, one rollup with ``read_rollup``, several prefecture rollups as the
    province merge reads them."""
    for p in paths:
        if not p.exists():
            raise InputError(f"找不到文件或文件夹：{p}")
    replies, rollups, _, _box = collect(paths, None)  # archive members stay extracted until exit
    shown = "、".join(str(p) for p in paths)
    label = "、".join(p.name or str(p) for p in paths)
    if replies and rollups:
        raise InputError(f"{shown} 中既有县级报送又有汇总表，请分开比较")
    level: Level
    if len(rollups) == 1:
        rollup = read_rollup(rollups[0], opts)
        level = "province" if rollup.province else "prefecture"
    elif rollups:
        if any(read_rollup(p, opts).province for p in rollups):
            raise InputError(f"{shown} 中有多份汇总表，其中有全省汇总表，无法确定比较哪一份")
        rollup, level = build_province(rollups, opts, []), "province"
    elif replies:
        rollup, level = merge(list(paths), None, opts, write=False).rollup, "county"
    else:
        raise InputError(f"{shown} 中没有找到 Excel 工作簿（.xlsx/.xlsm/.xls）")
    found = round_from_rollup(rollup, label, keep_prefecture=level == "province")
    if level == "county":
        # County replies carry no 统计截至 of their own (the --as-of of this run is not theirs).
        found = replace(found, as_of=None)
    return level, found, rollup


@dataclass(frozen=True, slots=True)
class DiffResult:
    """What ``diff`` found: the comparison, its findings as a report, and the level compared."""

    comparison: Comparison
    report: Report
    level: Level
    prefecture: str | None


def _paths(x: str | PathLike[str] | Sequence[str | PathLike[str]]) -> list[Path]:
    if isinstance(x, (str, PathLike)):
        return [Path(x)]
    return [Path(p) for p in x]


def diff(
    previous: str | PathLike[str] | Sequence[str | PathLike[str]],
    current: str | PathLike[str] | Sequence[str | PathLike[str]],
    options: MergeOptions | None = None,
) -> DiffResult:
    """Compare two rounds of the same level (county replies, or two rollups of one level).

    Each side is a file, a folder, or a list of them.
    """
    opts = options or MergeOptions()
    lp, rp, _ = read_round(_paths(previous), opts)
    lc, rc, rollup = read_round(_paths(current), opts)
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
