"""附件1 text against 附件2 numbers: the quantities a county's measures state (issue 19).

A county writes "追回企业资金35万元" in a measure and 40 in 附件2's 追回企业资金 column:
one of them is wrong, and the province reads both. Each indicator of 附件2 says in the
indicators file how a measure states it (``measure_verbs``, ``measure_objects``,
``measure_units``: 追回 … 资金 … 35万元, 淘汰 … 站点 … 8个, 新覆盖 23个 行政村); the
quantities of all the county's measures are summed per indicator and compared with its
附件2 cell. Only clauses that are actions count (checking/measures.py): "计划新建站点10个"
promises, it reports nothing. An indicator no measure mentions is not compared: measures
need not repeat every figure. Custom indicators without these fields are not compared.

The rule above all applies to a warning too: a ``measure-figure-mismatch`` says the text
and the number disagree, so the text must have been read exactly. Where the text allows
two readings the check says nothing for that indicator (``_Reading.ambiguous``):

- a clause names the indicator (its verb and object) and holds a figure that the exact
  pattern does not read ("追回资金30余万元", "对8个站点进行改造", "追回资金35万"): the sum
  would leave it out and the warning would be false;
- an approximate figure (约, 近, 余, 多, 左右, 以上, 不少于 …): no sum of it is exact;
- a total (累计, 共计, 合计 …) beside other figures of the indicator: the total may include
  them ("新建站点5个…累计新建站点12个") or not;
- breakdowns are parts of a figure already counted, so they are never added: a clause
  opening with 其中/含/包括, and anything in brackets ("12个（含村级站点5个）", also a
  restatement such as "35万元（350000元）").

The same figure in two measures may be one deed told twice (a recovery that answers two
problems) or two deeds: both readings are kept and a warning comes only when 附件2 agrees
with neither; its message gives both. Money is converted to the column's unit when the
unit is written (5000元 is 0.5 万元); a figure without its unit is not read (see above).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from zhenggai.checking.measures import Kind, classify, may_not_report
from zhenggai.core.findings import Finding, a1, make
from zhenggai.core.parse import clean_text, parse_number, unit_factor

if TYPE_CHECKING:
    from zhenggai.core.results import FileResult, Stats, TableResult
    from zhenggai.core.schema import Column

_CLAUSES: Final = re.compile(r"[，,；;。！!？?\n：:]+")
_NUM: Final = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
_MONEY: Final = ("亿元", "万元", "千元", "元")
_FIGURE: Final = re.compile(r"\d|[零〇一二两三四五六七八九十百千]")
_GAP_VERB: Final = 12  # characters between the verb and its object ("追回承办企业多拨付资金")
_GAP_NUM: Final = 10  # between the object and its figure ("站点（含乡镇站）8个")
_BRACKETS: Final = re.compile(r"[（(][^（）()]*[）)]")
_BREAKDOWN: Final = re.compile(r"\s*(?:其中|含|包括|包含)")
# Figures that are dates or list markers, not quantities: dropped before asking whether a
# clause holds a figure the pattern did not read.
_NOT_QUANTITY: Final = re.compile(r"\d+\s*[年月日号]|[零〇一二三四五六七八九十]+[年月日号]|^\s*\d{1,2}[.、)]"
                                  r"|[上下本]半年|第[零〇一二两三四五六七八九十百\d]+")
_APPROX: Final = re.compile(r"[约近逾超]\s*[\d零〇一二两三四五六七八九十]|[\d零〇一二两三四五六七八九十百千]\s*[余多]"
                            r"|左右|以上|上下|不少于|至少|不到|不足|将近|接近")
_TOTAL: Final = re.compile(r"累计|共计|合计|总计|总共|一共|共(?=\s*[\d零〇一二两三四五六七八九十])")
_MAX_NAMED: Final = 6  # measure cells named in one message; the rest are counted


@dataclass(frozen=True, slots=True)
class Mention:
    """A quantity of one indicator stated in one measure cell."""

    row: int
    value: float  # in the indicator's unit
    text: str  # as written: "35万元"
    total: bool = False  # "累计…": may include the others


@dataclass(slots=True)
class _Reading:
    """What a county's measures say about one indicator."""

    mentions: list[Mention] = field(default_factory=list)
    ambiguous: bool = False  # stated in a way not read exactly: say nothing (module doc)


@lru_cache(maxsize=64)
def _pattern(verbs: tuple[str, ...], units: tuple[str, ...]) -> re.Pattern[str]:
    """verb, a gap without figures, figure unit, a few characters after; then more "、… figure unit".

    The object is looked for in the gap or right after the unit (``_read``): one lazy gap that
    stops at the first figure costs a fraction of a pattern that tries every object at every step.
    """
    v = "|".join(map(re.escape, sorted(verbs, key=len, reverse=True)))
    u = "|".join(map(re.escape, sorted(units, key=len, reverse=True)))
    return re.compile(rf"(?:{v})([^\d]{{0,{_GAP_VERB + _GAP_NUM}}}?){_NUM}({u})([^\d、]{{0,8}})"
                      rf"((?:[、和及][^\d、]{{0,{_GAP_NUM}}}?{_NUM}(?:{u}))*)")


def _units(col: Column) -> tuple[str, ...]:
    if col.kind.value == "amount":
        return _MONEY
    return tuple(col.measure_units) or ((col.unit,) if col.unit else ())


def _value(number: str, unit: str, col: Column) -> float | None:
    n = float(number) if number[0].isdigit() else parse_number(number).value
    factor = unit_factor(unit, col.unit) if col.kind.value == "amount" else 1.0
    return None if n is None or factor is None else n * factor


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to read one indicator in a measure."""

    col: Column
    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    pattern: re.Pattern[str]
    tail: re.Pattern[str]  # one further "、object figure unit" of an enumeration
    verb: re.Pattern[str]  # any of the verbs (one C scan instead of a Python loop over words)
    object: re.Pattern[str]
    object_after: re.Pattern[str]  # an object starting within 4 characters (after the unit)


@lru_cache(maxsize=256)
def _any(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``words`` (longest first); never matches when there are none."""
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))) or r"(?!)")


@lru_cache(maxsize=32)
def _plans(cols: tuple[Column, ...]) -> tuple[_Plan, ...]:
    """The indicators a measure can state, read once per indicator set (columns are frozen)."""
    plans = []
    for col in cols:
        units = _units(col)
        if col.indicator and col.measure_verbs and col.measure_objects and units:
            verbs, objects = tuple(col.measure_verbs), tuple(col.measure_objects)
            plans.append(_Plan(col, verbs, objects, _pattern(verbs, units),
                               re.compile(rf"[、和及]([^\d、]*?){_NUM}({'|'.join(map(re.escape, units))})"),
                               _any(verbs), _any(objects), re.compile(rf".{{0,4}}?(?:{_any(objects).pattern})")))
    return tuple(plans)


def _mentions(clause: str, row: int, p: _Plan, stops: re.Pattern[str]) -> list[Mention]:
    """The figures of ``p``'s indicator the pattern reads exactly in one clause (no brackets)."""
    out = []
    for m in p.pattern.finditer(clause):
        if not (p.object.search(m[1]) or p.object_after.match(m[4])):
            continue  # the object, before the figure or right after its unit, or it is another thing
        total = _TOTAL.search(clause, 0, m.start(2)) is not None
        parts = [(m[2], m[3])]
        for t in p.tail.finditer(m[5] or ""):
            # "新建改造乡镇服务站7个、村级服务点5个": the same object; "、淘汰站点2个" is another indicator.
            if stops.search(t[1]) or not p.object.search(t[1]):
                break
            parts.append((t[2], t[3]))
        for num, unit in parts:
            value = _value(num, unit, p.col)
            if value is not None:
                out.append(Mention(row, value, num + unit, total))
    return out


def _read(text: str, row: int, plans: Sequence[_Plan], into: dict[str, _Reading], stops: re.Pattern[str]) -> None:
    """What the action clauses of one measure state about each indicator, added to ``into``;
    ``stops``: every indicator's verbs (an enumeration stops at another indicator's verb)."""
    stated: set[str] = set()  # indicators this measure has stated a figure of, so far
    for clause in _CLAUSES.split(clean_text(text)):
        if stops.search(clause) is None or _FIGURE.search(clause) is None:
            continue  # no indicator's verb or no figure: nothing stated here
        named = [p for p in plans if p.verb.search(clause) and p.object.search(clause)]
        if not named or (may_not_report(clause) and classify(clause).kind is not Kind.ACTION):
            continue  # "计划新建站点10个", "尚未追回资金20万元": nothing reported
        if _BREAKDOWN.match(clause):
            # "其中新建村级站点5个": a part of a figure stated before, counted there; without one
            # before it, a part of what? (the whole is not written): not read exactly.
            for p in named:
                if p.col.key not in stated:
                    into.setdefault(p.col.key, _Reading()).ambiguous = True
            continue
        plain = _BRACKETS.sub("", clause)  # restatements and breakdowns in brackets
        for p in named:
            reading = into.setdefault(p.col.key, _Reading())
            found = _mentions(plain, row, p, stops)
            # A figure of it not read exactly (also one only in brackets: "完成整合（淘汰站点8个）"),
            # or an approximate one: the sum would be wrong.
            if _APPROX.search(plain) or (not found and _FIGURE.search(_NOT_QUANTITY.sub("", clause))):
                reading.ambiguous = True
            reading.mentions += found
            if found:
                stated.add(p.col.key)


def mentions(text: str, row: int, col: Column, others: Iterable[Column] = ()) -> list[Mention] | None:
    """The quantities of ``col``'s indicator that the action clauses of one measure state;
    None when the measure states it in a way not read exactly (the check then says nothing).
    ``others``: the table's other indicators, whose verbs end an enumeration of ``col``'s."""
    into: dict[str, _Reading] = {}
    _read(text, row, _plans((col,)), into, _any(tuple(v for c in (col, *others) for v in c.measure_verbs)))
    reading = into.get(col.key, _Reading())
    return None if reading.ambiguous else reading.mentions


def _decimals(x: float) -> int:
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return len(s.partition(".")[2])


def agree(stated: float, reported: float) -> bool:
    """Equal after rounding both to the coarser of their precisions (35.4 and 35 agree; 35.6 and 35 do not)."""
    d = min(_decimals(stated), _decimals(reported))
    return bool(abs(stated - reported) < 0.5 * 10.0 ** -d + 1e-9)


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def readings(ms: Sequence[Mention]) -> list[float]:
    """The sums the mentions allow: all of them, and (when a figure recurs) each figure once."""
    total = sum(m.value for m in ms)
    once = sum({m.value for m in ms})
    return [total] if once == total else [total, once]


def check_quantities(t1: TableResult, shown: str, t2: TableResult, s: Stats,
                     f1: FileResult | None = None) -> list[Finding]:
    """``measure-figure-mismatch`` on each 附件2 indicator cell (of file ``shown``) its county's
    measures (in ``t1`` of file ``f1``) contradict."""
    cols1, cols2 = t1.table.header.cols, t2.table.header.cols
    if "measure" not in cols1:
        return []
    measure = t1.table.spec.keys.index("measure")
    every = _plans(tuple(t2.table.spec.columns))
    stops = _any(tuple(v for p in every for v in p.verbs))  # also of the indicators not compared here
    plans = [p for p in every if p.col.key in cols2 and s.numbers.get(p.col.key) is not None]
    verbs = _any(tuple(v for p in plans for v in p.verbs))
    found: dict[str, _Reading] = {}
    for it in t1.items:
        text = it.values[measure]
        if isinstance(text, str) and verbs.search(text):
            _read(text, it.row, plans, found, stops)
    out = []
    for p in plans:
        r, reported = found.get(p.col.key), s.numbers.get(p.col.key)
        if r is None or not r.mentions or r.ambiguous or reported is None:
            continue  # not stated (measures need not repeat every figure), or not read exactly
        if any(m.total for m in r.mentions) and len(r.mentions) > 1:
            continue  # "累计…" beside other figures: it may include them or not (module doc)
        sums = readings(r.mentions)
        if any(agree(x, reported) for x in sums):
            continue
        out.append(_finding(p.col, r.mentions, sums, reported, (t1, f1), (shown, t2, s)))
    return out


def _finding(col: Column, ms: list[Mention], sums: list[float], reported: float,
             where1: tuple[TableResult, FileResult | None], where2: tuple[str, TableResult, Stats]) -> Finding:
    (t1, f1), (shown, t2, s) = where1, where2
    prefix = f"{f1.display} › " if f1 is not None and f1.display != shown else ""
    col1 = t1.table.header.cols["measure"]

    def cell(row: int) -> str:
        sheet = t1.table.sheet
        if f1 is not None and sheet in f1.word_rows:  # a Word table: its row, not a worksheet cell
            return f"{prefix}{sheet} 第{f1.shown_row(sheet, row)}行"
        return f"{prefix}{sheet}!{a1(row, col1)}"

    cells = "、".join(f"{cell(m.row)} {m.text}" for m in ms[:_MAX_NAMED])
    more = f" 等 {len(ms)} 处" if len(ms) > _MAX_NAMED else ""
    stated = _fmt(sums[0]) + (f"（相同的数若是同一笔则为 {_fmt(sums[1])}）" if len(sums) > 1 else "")
    return make("measure-figure-mismatch", file=shown, sheet=t2.table.sheet,
                cell=a1(s.row, t2.table.header.cols[col.key]), row=s.row, field=col.header,
                value=_fmt(reported), stated=stated, unit=col.unit or "", cells=cells + more)
