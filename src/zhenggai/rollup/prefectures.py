"""The province rollup's 市州汇总: one row per prefecture, and the 市州 it expected.

A province official signs off 市州 by 市州: which prefectures sent their rollup, how
many of their counties were expected and reported, the official problems, done, rate,
overdue, errors, and when each prefecture's rollup was made (the time saved inside the
workbook, never the file-system time, which is the download time). An expected 市州
(``--expect``) whose rollup did not arrive is an error naming it, and keeps its row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from zhenggai.core.findings import Finding, make
from zhenggai.rollup.model import COUNTED, MERGE_FILE, CountySummary, PrefectureSummary

if TYPE_CHECKING:
    from zhenggai.core.results import FileResult


def prefecture_rows(
    expect: Sequence[str], chosen: dict[str, FileResult], counties: Sequence[CountySummary], notes: list[Finding]
) -> list[PrefectureSummary]:
    """Per 市州 (expected ones first, in their order), its figures from its counties' rows;
    ``prefecture-not-submitted`` / ``prefecture-unexpected`` go to ``notes``."""
    expected = tuple(dict.fromkeys(x.strip() for x in expect if x.strip()))
    names = [*expected, *sorted(p for p in chosen if p not in expected)]
    out: list[PrefectureSummary] = []
    for name in names:
        fr = chosen.get(name)
        if fr is None:
            notes.append(make("prefecture-not-submitted", file=MERGE_FILE, prefecture=name))
            out.append(PrefectureSummary(name, submitted=False))
            continue
        if expected and name not in expected:
            notes.append(make("prefecture-unexpected", file=MERGE_FILE, prefecture=name))
        own = [c for c in counties if c.prefecture == name]
        out.append(PrefectureSummary(
            name, expected=len(own), reported=sum(1 for c in own if c.status in COUNTED),
            total=sum(c.total for c in own), done=sum(c.done for c in own),
            overdue=sum(c.overdue for c in own), errors=sum(c.errors for c in own),
            saved=fr.saved, file=fr.display,
        ))
    return out
