"""A prefecture rollup's own 合计 row against its county rows, when the province reads it.

The province recomputes every total from the county rows (rollup/province.py) and never
copies a prefecture's. A 合计 that zhenggai wrote always equals its rows; one that does
not means the workbook was edited after it was made: a county's figure typed over, or
the total. The province cannot tell which of the two the prefecture stands by, so it
says so (``rollup-total-differs``, an error naming both figures) rather than quietly
printing a 小计 the prefecture never signed.
"""

from __future__ import annotations

from collections.abc import Sequence

from zhenggai.core.findings import Finding, a1, make
from zhenggai.core.parse import clean_text, exact_sum, number_text
from zhenggai.rollup.layout import COUNTY_HEADER, PREFECTURE_HEADER, TOTAL_LABELS

__all__ = ["stated_totals"]


def stated_totals(shown: str, sheet: str, grid: Sequence[Sequence[object]], header: tuple[int, list[str]] | None,
                  headers: Sequence[str]) -> list[Finding]:
    """``rollup-total-differs`` for each column of ``headers`` whose 合计 differs from the sum
    of the numbers in the county rows above it (text cells are figures the prefecture did
    not count: in neither). ``header``: the header row and its texts as province.py found
    them. Only a prefecture's rollup: a province's has 小计 per 市州."""
    if header is None:
        return []
    head, labels = header
    if PREFECTURE_HEADER in labels:
        return []
    cols = {h: labels.index(h) for h in headers if h in labels}
    at_county = labels.index(COUNTY_HEADER)
    figures: dict[str, list[float]] = {h: [] for h in cols}
    found: list[Finding] = []
    for r in range(head + 1, len(grid)):
        row = grid[r]
        name = clean_text(row[at_county]) if at_county < len(row) else ""
        if name not in TOTAL_LABELS:
            for h, c in cols.items():
                v = row[c] if c < len(row) else None
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    figures[h].append(v)
            continue
        for h, c in cols.items():
            total = row[c] if c < len(row) else None
            if not isinstance(total, (int, float)) or isinstance(total, bool):
                continue
            rows_sum = exact_sum(figures[h])
            if rows_sum != exact_sum([total]):
                found.append(make("rollup-total-differs", file=shown, sheet=sheet, cell=a1(r + 1, c), row=r + 1,
                                  field=h, value=number_text(total), total=number_text(total),
                                  sum=number_text(rows_sum)))
        break
    return found

