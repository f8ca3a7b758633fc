"""Rules across the rows of one table: 序号 in sequence, the same problem twice, header units.

They report through the same ``RowContext`` as the row models of ``rows.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

from zhenggai.checking.done_text import says_not_done
from zhenggai.checking.rows import RowContext
from zhenggai.core.findings import a1, make
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import display, header_unit, number_text, parse_number, parse_yes_no, unit_factor
from zhenggai.core.table import Record, Table
from zhenggai.forms.shapes import row_counties
from zhenggai.forms.tables import CAPTION_UNIT_RE, FORMULA_NO_VALUE


def _seq_number(raw: object) -> int | None:
    """序号 as a whole number; None when it is not one."""
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)  # how Excel hands over most 序号: skip the parser
    num = parse_number(raw)
    if num.status != "ok" or num.value is None or not float(num.value).is_integer():
        return None
    return int(num.value)


def _per_county(table: Table) -> list[list[Record]]:
    """The records as one county's list each: a 市's collected 附件1 (a 县（市、区） column naming
    several counties) numbers and lists each county's problems on its own."""
    names = row_counties(table)
    if names is None:
        return [table.records]
    parts: dict[str, list[Record]] = {}
    for rec, name in zip(table.records, names, strict=True):
        parts.setdefault(name, []).append(rec)
    return list(parts.values())


def sequence_rule(table: Table, ctx: RowContext) -> None:
    """序号 run 1, 2, 3 … (restarting at 1 under a new category heading): gaps, repeats, text."""
    if "seq" not in ctx.cols:
        return
    for records in _per_county(table):
        _sequence(records, table.spec.keys.index("seq"), ctx)


def _sequence(records: list[Record], i_seq: int, ctx: RowContext) -> None:
    seen: dict[int, int] = {}
    prev: int | None = None
    prev_category: str | None = None
    for rec in records:
        raw, r = rec.values[i_seq], rec.row
        if rec.group is not None and rec.group != r:
            # The further measure rows of a merged 问题描述 share its 序号 (merged too, or empty).
            prev_category = rec.category
            continue
        if raw is FORMULA_NO_VALUE:
            prev = (prev or 0) + 1  # reported by cell_rules; it holds its place
        elif raw != "":
            n = _seq_number(raw)
            if n is None:
                ctx.report("seq-invalid", r, "seq", raw)
                # It still takes its place in the count: "一, 2, 3" is one wrong
                # number, not a wrong number and a gap at the next row.
                prev = (prev or 0) + 1
            else:
                restart = rec.category != prev_category and n == 1
                if restart:
                    seen.clear()
                if n in seen:
                    ctx.report("seq-duplicate", r, "seq", raw, other_row=seen[n])
                else:
                    expected = 1 if prev is None or restart else prev + 1
                    if n != expected:
                        ctx.report("seq-gap", r, "seq", raw, expected=expected)
                    seen[n] = r
                prev = n
        prev_category = rec.category


# Punctuation and spaces do not make another problem: a 问题描述's key is its letters, digits and
# ideographs ([\s\W_] dropped). Joining what _KEPT finds is ~25 % cheaper than substituting
# the rest away (100,000 rows: 0.10 → 0.08 s) and the same text (tests/test_row_classes.py).
_KEPT = re.compile(r"[^\W_]+")


def duplicate_problem_rule(table: Table, ctx: RowContext) -> None:
    """The same 问题描述 twice (punctuation and spaces aside)."""
    if "problem" not in ctx.cols:
        return
    i_problem = table.spec.keys.index("problem")
    kept, join = _KEPT.findall, "".join
    for records in _per_county(table):
        problems = [rec.values[i_problem] for rec in records]
        keys = [join(kept(p)) if isinstance(p, str) and p else None for p in problems]
        # Only a key written twice can make a finding: counted at C speed, the loop below
        # then visits only those rows (a big table's 100,000 rows have a few hundred).
        twice = {k for k, n in Counter(keys).items() if n > 1 and k is not None}
        if not twice:
            continue
        seen: dict[str, tuple[int, Record]] = {}  # key → (merged group's first row, or -row), its first row
        for rec, problem, key in zip(records, problems, keys, strict=True):
            if key not in twice:
                continue
            if key in seen:
                group, first = seen[key]
                if group != (rec.group or -rec.row):
                    ctx.report("problem-duplicate", rec.row, "problem", problem, other_row=abs(group))
                    _answers_differ(table, ctx, first, rec, problem)
            else:
                # One 问题描述 merged down over its measures is one problem, not duplicates.
                seen[key] = (rec.group or -rec.row, rec)


def _answers_differ(table: Table, ctx: RowContext, first: Record, again: Record, problem: object) -> None:
    """``problem-duplicate-disagrees`` when one problem written twice says 是 on one row and
    not on the other: counted as two problems, one done and one not, the rate was one reading
    of two (5 of 6 for 4 or 5 of 5), with a warning only (audit28). Without a feedback list
    nothing says which row is true; with one, ``problem-answers-disagree`` says it too."""
    if "done" not in ctx.cols:
        return
    i_done = table.spec.keys.index("done")
    a, b = (parse_yes_no(r.values[i_done]).value for r in (first, again))
    if a is b or (a is not True and b is not True):
        return  # the same answer, or neither says done: not done either way
    ctx.report("problem-duplicate-disagrees", again.row, "done", again.values[i_done], other_row=first.row,
               other=display(first.values[i_done]) or "未填", problem=problem)


def done_contradicted_rule(table: Table, ctx: RowContext) -> None:
    """``done-contradicted``: 是 in 是否完成整改 while the row's 整改措施 last says the work is not
    finished (checking/done_text.py). The clerk's 是 still counts; the error says the two
    cells disagree."""
    if "done" not in ctx.cols or "measure" not in ctx.cols:
        return
    i_done, i_measure = table.spec.keys.index("done"), table.spec.keys.index("measure")
    for rec in table.records:
        # The measure first: it rules out nearly every row without parsing the answer.
        if (words := says_not_done(rec.values[i_measure])) and parse_yes_no(rec.values[i_done]).value is True:
            ctx.report("done-contradicted", rec.row, "done", rec.values[i_done], words=words)


TABLE_RULES: dict[str, tuple[Callable[[Table, RowContext], None], ...]] = {
    TableKind.APPENDIX1: (sequence_rule, duplicate_problem_rule, done_contradicted_rule),
    TableKind.APPENDIX2: (),
}
"""Rules across the rows of one table, per table kind."""


class Stated(NamedTuple):
    """A unit the clerk stated for a column, and where."""

    unit: str
    row: int  # 1-based
    col: int  # 0-based
    where: str  # 表头 / 表头下的单位行 / 表格上方
    text: str  # as written


def header_factors(table: Table, ctx: RowContext) -> dict[str, float | None]:
    """Per number column: the factor from the unit the clerk stated to the column's unit.

    A unit is stated in the header ("县级财政安排经费（元）"), in a row of units under it,
    or, for amounts, in a "单位：元" line above the table. "（元）" under the form's 万元
    converts every value of the column (÷10,000) with an info finding; a unit that cannot
    convert (人 over 万元) makes the whole column an error, never summed; and two places
    stating different units (header 万元, unit row 元) are two readings of every figure in
    the column: an error, the column not summed, never one of them chosen.
    """
    h = table.header
    out: dict[str, float | None] = {}
    for c in table.spec.columns:
        if not c.is_number or c.key not in h.cols:
            continue
        stated = stated_units(table, c.key, c.unit)
        factors = list(dict.fromkeys(unit_factor(s.unit, c.unit) for s in stated))
        factor = out[c.key] = factors[0] if len(factors) == 1 else None if factors else 1.0
        if len(factors) > 1:
            ctx.unit_reasons[c.key] = "本列的单位写了两种，无法确定"
            places = "，".join(f"{s.where}写“{''.join(s.text.split())}”（{a1(s.row, s.col)}）" for s in stated)
            ctx.findings.append(make("unit-conflict", file=ctx.file, sheet=table.sheet, row=h.row + 1,
                                     cell=a1(h.row + 1, h.cols[c.key]), field=c.header, value=h.labels[c.key],
                                     places=places))
        elif factor is None:
            s = stated[0]
            ctx.unit_reasons[c.key] = f"单位“{s.unit}”不能换算为{c.unit}"
            ctx.findings.append(make("unit-invalid", file=ctx.file, sheet=table.sheet, cell=a1(s.row, s.col),
                                     row=s.row, field=c.header, value=s.text, unit=s.unit, column_unit=c.unit))
        elif factor != 1.0:
            s = stated[0]
            ctx.findings.append(make("unit-converted", file=ctx.file, sheet=table.sheet, cell=a1(s.row, s.col),
                                     row=s.row, field=c.header, value=s.text,
                                     detail=f"{s.where}单位为“{s.unit}”，本列每个数值已乘以 {number_text(factor)} "
                                            f"换算为{c.unit}（1{s.unit} = {number_text(factor)}{c.unit}）"))
    return out


def stated_units(table: Table, key: str, column_unit: str | None) -> list[Stated]:
    """Each unit stated for one column, in the order header, unit row, line above the table."""
    h = table.header
    out: list[Stated] = []
    if unit := header_unit(h.labels[key]):
        out.append(Stated(unit, h.row + 1, h.cols[key], "表头", h.labels[key]))
    if key in table.unit_cells:
        r, col, text = table.unit_cells[key]
        if unit := header_unit(text if text.startswith(("(", "（")) else f"（{text}）"):
            out.append(Stated(unit, r, col, "表头下的单位行", text))
    # "单位：元" above the table speaks of amounts: a money column's unit (a count column's
    # 个/人/家 are labels, never converted).
    if table.caption_unit is not None and (column_unit or "").endswith("元"):
        r, col, text = table.caption_unit
        if (m := CAPTION_UNIT_RE.search(text)) is not None:
            out.append(Stated(m[1], r, col, "表格上方", text))
    return out
