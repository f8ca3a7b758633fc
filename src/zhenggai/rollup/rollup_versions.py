"""Which prefecture rollups are versions of one prefecture, and which version counts.

A province inbox may hold a prefecture's rollup twice (downloaded twice, corrected and sent
again, merged without --prefecture under two file names). Rollups sharing a county are one
prefecture's versions; identical copies count once; different ones are chosen by
``checking.versions.decide_files`` with a finding naming both (an error when the choice
rests on file-system time alone or on disagreeing signals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from zhenggai.core.findings import Finding, make
from zhenggai.core.results import FileResult
from zhenggai.rollup.model import MERGE_FILE, CountySummary

__all__ = ["Versions", "join_overlapping", "pick_rollup", "shared_counties"]

# Per prefecture name: each rollup file and its content (identical contents are one copy).
Versions = dict[str, list[tuple[FileResult, tuple[object, ...]]]]


def join_overlapping(versions: Versions, counties: Mapping[Path, Sequence[CountySummary]],
                     guessed: set[Path] | frozenset[Path] = frozenset()) -> Versions:
    """Rollups that hold a county in common are versions of one prefecture when the name of
    one of them is only guessed from its file name (``guessed``: merged without --prefecture,
    ``rollup-unnamed``): 襄阳市汇总表.xlsx and 襄阳市汇总表（修改）.xlsx were two "prefectures".

    Two rollups whose titles name different prefectures are never versions of each other,
    whatever counties they share: 石家庄市's and 邢台市's rollups both hold a 桥西区, and one
    county misfiled into another prefecture's rollup made that whole prefecture an "older
    version" and dropped it, exit 0 (audit28). A county in two named prefectures' rollups is
    :func:`shared_counties`' business."""
    names = sorted(versions)
    named = {n for n in names if any(fr.path not in guessed for fr, _ in versions[n])}
    group = {n: n for n in names}

    def root(n: str) -> str:
        while group[n] != n:
            n = group[n]
        return n

    owner: dict[str, str] = {}
    for name in names:
        for fr, _ in versions[name]:
            for c in counties[fr.path]:
                other = owner.setdefault(c.county, name)
                if root(other) != root(name) and not (other in named and name in named):
                    group[max(root(other), root(name))] = min(root(other), root(name))
    joined: Versions = {}
    for name in names:
        joined.setdefault(root(name), []).extend(versions[name])
    return joined


def pick_rollup(prefecture: str, found: list[tuple[FileResult, tuple[object, ...]]], notes: list[Finding],
                 doubt: set[str]) -> FileResult:
    """One rollup of a prefecture: identical copies count once; different versions by
    ``versions.decide_files`` (internal last-saved time, then the name's version mark); a
    choice resting on file-system time alone, or on disagreeing signals, is an error and
    the prefecture is marked 版本待确认."""
    from zhenggai.checking.versions import decide_files

    groups: dict[tuple[object, ...], list[FileResult]] = {}
    for fr, content in found:
        groups.setdefault(content, []).append(fr)
    reps = [g[0] for g in groups.values()]
    best, reasons, doubtful = decide_files(reps) if len(reps) > 1 else (0, {}, False)
    if doubtful:
        doubt.add(prefecture)
    used = reps[best]
    for gi, group in enumerate(groups.values()):
        for fr in group:
            if fr is used:
                continue
            if gi == best:
                notes.append(make("duplicate-identical", file=fr.display, county=prefecture, appendix="汇总表",
                                  unused=fr.display))
            else:
                notes.append(make("version-uncertain" if doubtful else "duplicate-submission", file=fr.display,
                                  county=prefecture, appendix="汇总表", used=used.display, unused=fr.display,
                                  reason=reasons[gi], diff=""))
    return used


def shared_counties(chosen: Mapping[str, Sequence[CountySummary]],
                    content: Mapping[tuple[str, str], object]) -> list[Finding]:
    """``county-in-two-prefectures`` (an error) for a county in the rollups of two prefectures,
    both counted: one county's reply filed into another prefecture's rollup as well counts
    twice, and nothing in the rollups tells it from two counties of one name (桥西区 of 石家庄市
    and of 邢台市; Hubei has none). The same content in both (rows and figures alike) is said to
    be one reply twice."""
    where: dict[str, list[str]] = {}
    for prefecture, counties in sorted(chosen.items()):
        for c in counties:
            where.setdefault(c.county, []).append(prefecture)
    found: list[Finding] = []
    for county, prefectures in sorted(where.items()):
        if len(prefectures) < 2:
            continue
        same = len({repr(content.get((p, county))) for p in prefectures}) == 1
        found.append(make("county-in-two-prefectures", file=MERGE_FILE, county=county,
                          prefectures="、".join(prefectures),
                          how="内容完全相同，像是同一份报送放进了两个市州的汇总表" if same
                          else "内容不同，可能是一个县的两份报送分别放进了两个市州的汇总表，也可能是两个同名的县"))
    return found
