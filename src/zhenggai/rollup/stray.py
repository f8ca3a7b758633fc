"""Rollups found among county replies.

A prefecture's inbox often holds its own earlier rollup beside this round's replies: it is
skipped (``--previous`` is how it takes part). A rollup whose counties are none of the
replies' is something else: a province inbox where one 市州 sent tables it collected by
hand beside the other 市州's zhenggai rollups. Merging the replies as one prefecture would
leave that rollup's every county out, so it is an error naming them, never a quiet skip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from zhenggai.core.errors import InputError
from zhenggai.core.findings import make
from zhenggai.core.results import FileResult
from zhenggai.rollup.county import county_key, skipped_file

EARLIER = "这是以前生成的汇总表，不作为县级数据读取"


def skip_rollups(rollups: Sequence[Path], replies: Sequence[FileResult],
                 display: Callable[[Path], str]) -> list[FileResult]:
    """One skipped entry per rollup: the info ``file-skipped`` for an earlier rollup of
    these counties, the error ``rollup-among-replies`` for a rollup of other counties."""
    from zhenggai.rollup.province import read_rollup

    here = {county_key(name) for f in replies for t in f.tables if not t.blank
            for name in (t.county, *t.counties) if name}
    out: list[FileResult] = []
    for path in rollups:
        shown = display(path)
        try:
            theirs = [c.county for c in read_rollup(path).counties]
        except InputError:
            theirs = []  # not readable as a rollup: nothing to compare, skipped as before
        if not theirs or any(county_key(c) in here for c in theirs):
            out.append(skipped_file(path, EARLIER, shown))
            continue
        names = "、".join(theirs[:6]) + (f" 等 {len(theirs)} 个" if len(theirs) > 6 else "")
        found = make("rollup-among-replies", file=shown, counties=names)
        out.append(FileResult(path, shown, findings=(found,), readable=False, skipped=True))
    return out
