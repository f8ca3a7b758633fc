"""A prefecture rollup read back: its sheets against each other.

zhenggai writes 汇总概览, 整改清单汇总 and 成果统计汇总 from one set of counties, so in a
rollup it wrote they agree: every county is on all three, and a county's 反馈问题数 / 已完成 /
未完成 are its 附件1 rows counted problem by problem (``frames.problem_groups``, the grouping
every count of a read-back rollup uses), or its 附件2's when it sent no 附件1. A rollup
edited by hand after it was made may not: a county's row deleted from 汇总概览 while its
rows stay on the other sheets, 已完成 raised where its rows still say 否, a county typed in
with no rows, a count turned into "待核实". The province cannot tell which sheet the
prefecture stands by, so such a county is in no total: it is marked 文件无法读取, its
figures red with a comment saying what each sheet says, and an error names it
(``rollup-sheets-disagree``, ``rollup-count-unreadable``) — never one reading picked quietly.

(The 合计 row against the county rows is ``stated_totals.py``'s.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zhenggai.core.findings import Finding, Severity, a1, make
from zhenggai.core.parse import clean_text, display, parse_yes_no
from zhenggai.core.schema import APPENDIX1
from zhenggai.rollup.frames import problem_groups
from zhenggai.rollup.layout import ITEMS, OVERVIEW, STATS
from zhenggai.rollup.model import CountySummary, Mark, Rollup, RollupItem, RollupStats, Status

__all__ = ["OverviewRow", "check_agreement"]

_Key = tuple[str | None, str]
_I_DONE = APPENDIX1.keys.index("done")
_COUNTS = ("total", "done", "open")
_NAMES = {"total": "反馈问题数", "done": "已完成", "open": "未完成"}
# Statuses under which the prefecture counted a county's 附件1 rows (its figures are theirs).
_FROM_ROWS = frozenset({Status.SUBMITTED, Status.VERSION_UNCERTAIN, Status.NO_APPENDIX2})
# Statuses under which a county has no 附件1 rows at all in a rollup zhenggai wrote.
_NO_ROWS = frozenset({Status.NO_APPENDIX1, Status.MISSING, Status.BLANK})
_COUNTED = frozenset({*_FROM_ROWS, Status.NO_APPENDIX1})


@dataclass(slots=True)
class OverviewRow:
    """What 汇总概览 says of one county, as typed: its status label and count cells."""

    row: int  # 1-based worksheet row
    status: str
    cells: dict[str, object] = field(default_factory=dict)  # "total"/"done"/"open" → cell value
    cols: dict[str, int] = field(default_factory=dict)  # the same keys → 0-based column


def _whole(v: object) -> int | None:
    """A count cell's number: a whole number ≥ 0 (as the writer writes it), else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int) and v >= 0:
        return v
    if isinstance(v, float) and v.is_integer() and 0 <= v < 2**53:
        return int(v)
    return None


def _recount(items: Sequence[RollupItem]) -> tuple[int, int, int]:
    """(problems, finished, unfinished) of a county's rows, as the prefecture counted them:
    a problem is finished when all its measure rows say 是, unfinished when one says 否."""
    groups = problem_groups(items)
    states = [[parse_yes_no(it.values[_I_DONE]).value for it in g] for g in groups]
    return (len(groups), sum(1 for s in states if all(x is True for x in s)),
            sum(1 for s in states if any(x is False for x in s)))


def _said(figures: Sequence[int]) -> str:
    return f"{figures[0]} 个问题、已完成 {figures[1]} 个、未完成 {figures[2]} 个"


def _disagreements(s: CountySummary, seen: OverviewRow, rows: Sequence[RollupItem], st: RollupStats | None,
                   named: Mapping[str, bool], official: tuple[int, int]) -> list[str]:
    """What the other sheets say against 汇总概览's line of ``s`` (empty: they agree)."""
    out: list[str] = []
    for sheet, there in named.items():
        if not there:
            out.append(f"“{sheet}”中没有这个县（市、区）的行")
    if Status.from_label(seen.status) is None:
        out.append(f"报送状态“{seen.status or '空白'}”不是汇总时写的状态")
    mine = (s.total, s.done, s.open)
    stated = _stats_counts(st)
    if not named[ITEMS.name]:
        pass  # said above: nothing there to count
    elif s.status in _FROM_ROWS and not s.official:
        counted = _recount(rows)
        if counted != mine:
            out.append(f"汇总概览为 {_said(mine)}，“{ITEMS.name}”中该县的行计为 {_said(counted)}")
    elif s.status in _FROM_ROWS:  # with a feedback list: the list's problems, the rows answering them
        answered, done = official
        if s.coverage is not None and (s.total, answered) != (s.coverage[1], s.coverage[0]):
            out.append(f"汇总概览为反馈问题清单所列 {s.coverage[1]} 个问题中已填报 {s.coverage[0]} 个，"
                       f"“{ITEMS.name}”中该县的行答复了 {answered} 个，汇总概览的反馈问题数为 {s.total}")
        if s.done != done or s.done + s.open != s.total:
            out.append(f"汇总概览为 {_said(mine)}，“{ITEMS.name}”中该县已完成的反馈问题为 {done} 个")
    elif s.status in _NO_ROWS and rows:
        out.append(f"报送状态为“{s.status.label}”，但“{ITEMS.name}”中有该县 {len(rows)} 行整改清单")
    if (s.official or s.status is Status.NO_APPENDIX1) and stated is not None and stated != mine:
        out.append(f"汇总概览为 {_said(mine)}，“{STATS.name}”为 {_said(stated)}")
    return out


def _stats_counts(st: RollupStats | None) -> tuple[int, int, int] | None:
    """附件2's three counts of a county's 成果统计汇总 row, when all three are numbers."""
    if st is None or st.status is not None:
        return None
    found = [_whole(st.values.get(k)) if k not in st.unreadable else None for k in _COUNTS]
    return (found[0], found[1], found[2]) if None not in found else None  # type: ignore[return-value]


def _flag(s: CountySummary, text: str, stats: Sequence[RollupStats]) -> None:
    """``s`` in no total: 文件无法读取 (what the read-back calls a rollup line it cannot take
    as written), its figures red with ``text``, its 附件2 figures in no total either."""
    s.status = Status.UNREADABLE
    s.errors += 1  # the finding about it, on the terminal's and the overview's line
    s.total = s.done = s.open = s.overdue = 0  # not counted: blank on the sheet, in no 合计
    for key in (*_COUNTS, "rate"):
        s.marks[key] = Mark(Severity.ERROR, text)
    for st in stats:
        st.status = Status.UNREADABLE
        for key, v in list(st.values.items()):
            if isinstance(v, (int, float)) and not isinstance(v, bool) and key != "county":
                st.unreadable.add(key)
                st.values[key] = display(v) or ""
                st.reasons[key] = text


def check_agreement(shown: str, rollup: Rollup, overview: Mapping[_Key, OverviewRow],
                    on_items: set[_Key], on_stats: set[_Key]) -> list[Finding]:
    """The errors for every county whose sheets disagree; each such county is flagged
    (``_flag``). ``rollup``: as read (its report: the 校验问题 sheet's findings, which tell
    the rows answering no listed problem); ``overview``: 汇总概览's lines as typed;
    ``on_items``/``on_stats``: every county named on 整改清单汇总 (its placeholder line
    included) and 成果统计汇总."""
    from zhenggai.rollup.categories import official_groups

    counties, stats = rollup.counties, rollup.stats
    rows: dict[_Key, list[RollupItem]] = {}
    for it in rollup.items:
        rows.setdefault((it.prefecture, it.county), []).append(it)
    official: dict[_Key, list[int]] = {}
    for group, done in official_groups(rollup):  # the overview's own count with a feedback list
        tally = official.setdefault((group[0].prefecture, group[0].county), [0, 0])
        tally[0] += 1
        tally[1] += done
    by_stats: dict[_Key, list[RollupStats]] = {}
    for st in stats:
        by_stats.setdefault((st.prefecture, st.county), []).append(st)
    found: list[Finding] = []
    for s in counties:
        key = (s.prefecture, s.county)
        seen = overview[key]
        bad = [k for k in _COUNTS if _whole(seen.cells.get(k)) is None]
        if bad and (s.official or Status.from_label(seen.status) in _COUNTED):
            for k in bad:
                value = clean_text(seen.cells.get(k)) or "空白"
                found.append(make("rollup-count-unreadable", file=shown, sheet=OVERVIEW.name,
                                  cell=a1(seen.row, seen.cols[k]), row=seen.row, field=_NAMES[k], value=value,
                                  county=s.county))
            _flag(s, f"汇总概览中{s.county}的数无法读取（" + "、".join(
                f"{_NAMES[k]}为“{clean_text(seen.cells.get(k)) or '空白'}”" for k in bad) + "），不计入合计",
                by_stats.get(key, []))
            continue
        named = {ITEMS.name: key in on_items, STATS.name: key in on_stats}
        answered = official.get(key, [0, 0])
        said = _disagreements(s, seen, rows.get(key, []), next(iter(by_stats.get(key, [])), None), named,
                              (answered[0], answered[1]))
        if said:
            detail = "；".join(said)
            found.append(make("rollup-sheets-disagree", file=shown, sheet=OVERVIEW.name,
                              cell=a1(seen.row, 0), row=seen.row, county=s.county, detail=detail))
            _flag(s, f"汇总表各工作表不一致：{detail}；不计入合计", by_stats.get(key, []))
    found += _not_in_overview(shown, counties, set(overview), set(rows) | on_items, on_stats, by_stats)
    return found


def _not_in_overview(shown: str, counties: list[CountySummary], listed: set[_Key], on_items: set[_Key],
                     on_stats: set[_Key], by_stats: Mapping[_Key, list[RollupStats]]) -> list[Finding]:
    """A county on 整改清单汇总 or 成果统计汇总 that 汇总概览 lacks (its line deleted there, or
    it typed in elsewhere): added to the counties as 文件无法读取, in no total, said."""
    found: list[Finding] = []
    for key in sorted(on_items | on_stats, key=lambda k: (k[0] or "", k[1])):
        if key in listed:
            continue
        sheets = "、".join(f"“{n}”" for n, there in ((ITEMS.name, key in on_items), (STATS.name, key in on_stats))
                          if there)
        detail = f"{sheets}中有这个县（市、区）的行，但“{OVERVIEW.name}”中没有"
        found.append(make("rollup-sheets-disagree", file=shown, sheet=OVERVIEW.name, county=key[1], detail=detail))
        s = CountySummary(county=key[1], prefecture=key[0], rows_read=None, rows_written=None)
        _flag(s, f"汇总表各工作表不一致：{detail}；不计入合计", by_stats.get(key, []))
        counties.append(s)
    return found
