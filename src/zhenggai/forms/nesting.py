"""附件2 township rows that are not parts beside the others.

A helper of ``shapes.py``. A county broken down by township is summed row by row when no
合计 row is given; that is right only when every row is a part at the same level. Clerks
also write the subtotal of a group under its rows (县本级合计 under its bureaus, 城关镇小计
under its villages, 乡镇合计 under the townships) and the breakdown of a row under it
(城关镇 30, 其中：城关村 10). Added up with the rows they total or break down, the county's
figure counted them twice (25 for 15, 60 for 50), with nothing but ``township-summed``.

A subtotal whose rows right above it add up to it, in every column both fill, is read as
their subtotal: counted once, the rows not again (``township-subtotal-read``). A subtotal
with no rows above it (the first row, or right after another subtotal: 高新区小计 without
its detail) is a part. Anything else cannot be told — a subtotal that differs from the rows
above (a mistyped subtotal, or a part that happens to be named so), a 其中 row under a part
(does the breakdown run on to the next row?) — and is ``township-nesting-unclear``: the
columns it fills count in no total, as for ``township-row-unclear``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from zhenggai.core.findings import Finding, a1, make
from zhenggai.core.parse import clean_text, exact_sum

if TYPE_CHECKING:
    from collections.abc import Callable

    from zhenggai.core.results import Stats, TableResult

# The end of a subtotal's label: 县本级合计, 城关镇小计, 乡镇合计数, 开发区汇总 (a county's own
# total, 谷城县合计 or 全县, never reaches here: rowkinds.is_total_label reads it as the total).
_SUBTOTAL_END = re.compile(r"(?:小计|合计|汇总|总计|共计)数?[)）]?[:：]?$")
_BREAKDOWN_LEAD = re.compile(r"^[\s（(]*(?:其中|含|包括)")


@dataclass
class Nesting:
    """How a county's part rows nest: ``parts`` to add up (a subtotal read as such stands for
    its rows), the subtotals read with their rows, and the rows that cannot be told, with why."""

    parts: list[Stats]
    subtotals: list[tuple[Stats, list[Stats]]] = field(default_factory=list)
    unclear: list[tuple[Stats, str]] = field(default_factory=list)


def is_subtotal_label(label: str) -> bool:
    return _SUBTOTAL_END.search(clean_text(label).replace(" ", "")) is not None


def read_nesting(parts: list[Stats], label: Callable[[Stats], str], keys: list[str],
                 filled: Callable[[Stats, str], bool]) -> Nesting:
    """The nesting of ``parts`` (one county's part rows, in sheet order). ``label(row)`` is a
    row's label; ``filled(row, key)`` whether its cell of ``keys`` holds anything."""
    out = Nesting([])
    group: list[Stats] = []  # the rows since the start or the last subtotal
    for s in parts:
        text = label(s)
        if is_subtotal_label(text):
            if not group:
                out.parts.append(s)  # 高新区小计 alone: a zone whose detail is not given
            elif (why := _differs(s, group, keys, filled)) is None:
                out.subtotals.append((s, group))
                out.parts = [p for p in out.parts if all(p is not g for g in group)] + [s]
            else:
                out.unclear.append((s, why))
            group = []
            continue
        if _BREAKDOWN_LEAD.match(text) and group and not _BREAKDOWN_LEAD.match(label(group[-1])):
            out.unclear.append((s, f"写在第 {group[-1].row} 行“{label(group[-1])}”之下，像是它的分项"))
            continue
        out.parts.append(s)
        group.append(s)
    return out


def _differs(total: Stats, rows: list[Stats], keys: list[str], filled: Callable[[Stats, str], bool]) -> str | None:
    """None when ``rows`` add up to ``total`` in every column of ``keys`` either fills (and at
    least one is filled); else why it is not their subtotal, for the message."""
    checked = False
    for key in keys:
        if not filled(total, key) and not any(filled(r, key) for r in rows):
            continue
        values = [r.numbers.get(key) for r in rows]
        want = total.numbers.get(key)
        if want is None or any(v is None for v in values):
            return "像是上面几行的小计，但有的数未能读取，无法核对"
        got = exact_sum(v for v in values if v is not None)
        if got != want:
            return f"像是第 {rows[0].row}–{rows[-1].row} 行的小计，但这几行相加为 {_n(got)}，与它的 {_n(want)} 不符"
        checked = True
    return None if checked else "像是上面几行的小计，但没有数可以核对"


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.6g}"


def label_of(t: TableResult, s: Stats) -> str:
    """A 附件2 row's label: its 县（市、区） cell."""
    return clean_text(s.values[t.table.spec.keys.index("county")])


def not_counted(t: TableResult, s: Stats, keys: list[str], why: str) -> Stats:
    """``s`` with the figures of ``keys`` in no total for ``why``. A figure summed from township
    rows has no text of its own: the sum is written as its text, so the rollup's red cell
    says what was read, and a province reading that rollup back sees text, never a blank
    it would read as 0."""
    values = list(s.values)
    for k in keys:
        i = t.table.spec.keys.index(k)
        if (n := s.numbers.get(k)) is not None and not clean_text(values[i]):
            values[i] = _n(n)
    return replace(s, values=values, numbers={**s.numbers, **dict.fromkeys(keys)},
                   reasons={**s.reasons, **dict.fromkeys(keys, why)})




def read_table_nesting(t: TableResult, shown: str, county: str, data: list[Stats],
             totals: bool) -> tuple[list[Stats], list[tuple[Stats, str]], list[Finding]]:
    """The county's rows with each subtotal read as its rows' (nesting.py), the rows that cannot
    be told, and ``township-subtotal-read`` for each subtotal read. With a 合计 or the county's
    own row the rows that cannot be told stay among the parts checked against it (a mismatch
    is an error there); without, they count in no total (:func:`_nested_out`)."""
    spec = t.table.spec
    keys = [c.key for c in spec.columns if c.is_number and c.key in t.table.header.cols]
    own = [s for s in data if county and s.county == county]
    parts = [s for s in data if not (county and s.county == county)]
    nest = read_nesting(parts, lambda s: label_of(t, s), keys,
                        lambda s, k: bool(clean_text(s.values[spec.keys.index(k)])))
    if not nest.subtotals and not nest.unclear:
        return data, [], []
    col = t.table.header.cols.get("county", 0)
    found = [make("township-subtotal-read", file=shown, sheet=t.table.sheet, cell=a1(s.row, col), row=s.row,
                  field="县（市、区）", value=label_of(t, s), rows=f"{group[0].row}–{group[-1].row}")
             for s, group in nest.subtotals]
    anchored = totals or bool(own)
    kept = [s for s in data if s in own or any(s is p for p in nest.parts)
            or (anchored and any(s is u for u, _ in nest.unclear))]
    return kept, ([] if anchored else nest.unclear), found




def nested_out(t: TableResult, shown: str, nested: list[tuple[Stats, str]], rows: dict[str, Stats]) -> list[Finding]:
    """``township-nesting-unclear`` on each row that may total or break down others: the county's
    figures in the columns it fills count in no total (summed with it or without it, one of
    the two counts something twice or leaves it out)."""
    if not nested:
        return []
    spec, cols = t.table.spec, t.table.header.cols
    keys = [c.key for c in spec.columns if c.is_number and c.key in cols]
    filled = [k for k in keys if any(clean_text(s.values[spec.keys.index(k)]) for s, _ in nested)]
    for name, s in rows.items():
        why = f"第 {'、'.join(str(u.row) for u, _ in nested)} 行读不出是分项还是小计，相加可能重复计算"
        rows[name] = not_counted(t, s, filled, why)
    col = cols.get("county", 0)
    return [make("township-nesting-unclear", file=shown, sheet=t.table.sheet, cell=a1(s.row, col), row=s.row,
                 field="县（市、区）", value=label_of(t, s), why=why,
                 fields="、".join(f"「{spec.column(k).header}」" for k in filled) or "无") for s, why in nested]


