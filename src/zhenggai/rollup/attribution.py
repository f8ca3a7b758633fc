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

__all__ = ["named_elsewhere", "near_names"]


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


def near_names(names: Iterable[str], expect: Sequence[str]) -> dict[str, str]:
    """Names found in the replies but not expected → the one expected county each is a short
    spelling of ("枣阳" → 枣阳市).

    Only when exactly one expected county fits and no other found name takes it: two files
    of 枣阳市, one saying "枣阳", were two counties, and with a feedback list "枣阳" was
    given 枣阳市's listed problems a second time (26 problems where the list has 20).
    """
    expected = [e for e in expect if e]
    found = [n for n in names if n and n not in expected and not n.startswith(("（", "("))]

    def fits(short: str, full: str) -> bool:
        # Only a short spelling into the full county name: a full name in the replies is
        # never filed under a shortened --expect entry (that one shows 未报送 and the CLI
        # suggests the near name, for a person to correct the list).
        # The short one is a bare place name (枣阳, 长阳): a name with its own 县/市/区 (老河口市)
        # is a county name as written, never re-filed under a longer one (老河口市区, a typo).
        return (len(short) >= 2 and short[-1] not in "县市区旗" and full != short and full.startswith(short)
                and full[-1] in "县市区旗")

    pairs = {n: hits[0] for n in found if len(hits := [e for e in expected if fits(n, e)]) == 1}
    taken = list(pairs.values())
    return {n: e for n, e in pairs.items() if taken.count(e) == 1}
