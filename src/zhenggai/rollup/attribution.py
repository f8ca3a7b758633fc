"""A reply whose file name names another county of the same run.

The county of a table is its 盖章 line (checking/county.py); a file name that says
otherwise is a warning there, because a file name may name anything (the 市, a folder's
habit). But when the name is another county this run also collects — 保康县附件1.xlsx
whose 盖章 line reads 谷城县 — the likeliest story is a form copied from a neighbour and
sent unchanged: 保康县's figures would count as 谷城县's (and may displace 谷城县's own
reply) while 保康县 looks 未报送. The merge still files the table under its 盖章 line, and
says so as an error naming both counties, so a person decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zhenggai.core.findings import Finding, make
from zhenggai.core.parse import county_from_filename
from zhenggai.core.results import FileResult

__all__ = ["named_elsewhere"]


def named_elsewhere(results: Sequence[FileResult], counties: Iterable[str]) -> list[tuple[str, Finding]]:
    """(county, ``county-file-name-other``) for each file whose tables name one county and
    whose file name names another county of ``counties``."""
    known = set(counties)
    out: list[tuple[str, Finding]] = []
    for f in results:
        if not f.readable or f.skipped:
            continue
        named = county_from_filename(f.path)
        if named is None or named not in known:
            continue
        inside = sorted({t.county for t in f.tables if t.county and not t.blank})
        if len(inside) != 1 or named.startswith(inside[0]) or inside[0].startswith(named):
            continue  # several counties in one workbook, or none, or one county spelled two ways (老河口/老河口市)
        out.append((inside[0], make("county-file-name-other", file=f.display, county=inside[0], named=named)))
    return out
