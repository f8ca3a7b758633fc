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
from zhenggai.rollup.model import CountySummary

__all__ = ["Versions", "join_overlapping", "pick_rollup"]

# Per prefecture name: each rollup file and its content (identical contents are one copy).
Versions = dict[str, list[tuple[FileResult, tuple[object, ...]]]]


def join_overlapping(versions: Versions, counties: Mapping[Path, Sequence[CountySummary]]) -> Versions:
    """Rollups that hold a county in common are versions of one prefecture, whatever name
    their titles or file names gave them: a county belongs to one prefecture, and two
    rollups both counted would count it twice (襄阳市汇总表.xlsx and 襄阳市汇总表（修改）.xlsx
    merged without --prefecture were two "prefectures" until 2026-12-05)."""
    names = sorted(versions)
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
                if root(other) != root(name):
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
