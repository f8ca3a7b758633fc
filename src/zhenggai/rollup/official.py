"""Official figures and one set of totals: what goes upward is the province's count.

With a feedback list (``--problems``) a county's 反馈问题数 is the number of problems
the list gives it, never the rows it chose to fill: a problem its 附件1 does not answer
(or that it deleted since the last round) is 未完成, and a county that sent nothing
keeps its row with its official count and 0 done. Where the county's own figure
differs, both are kept (``CountySummary.reported``) and the printed cell is red with a
comment giving both.

Every county has a row in every table, in the overview's order: a county without a
usable 附件2 gets a 成果统计汇总 row whose indicator cells are blank, red and in no
total, its status in 备注. Where a 附件2 figure disagrees with 附件1 or with the list,
the cell is red with both figures, and the 合计 over it says so. Without a feedback
list, a 合计 that lacks counties (nothing sent, nothing readable) names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from zhenggai.core.findings import Finding, Severity, make
from zhenggai.core.parse import display
from zhenggai.rollup.model import MERGE_FILE, CountySummary, Mark, RollupStats, Status

if TYPE_CHECKING:
    from zhenggai.core.results import TableResult
    from zhenggai.core.schema import TableSpec
    from zhenggai.forms.feedback_list import FeedbackList

COUNT_KEYS = ("total", "done", "open")  # 附件2's three problem counts, in its column order
NOT_STATED = "未填报此项"  # a blank cell or a column the county's form lacks: not 0, not counted
VERSION_NOTE = "版本待确认："  # opens the mark of a figure another version of the county's reply states otherwise
ERROR, WARNING = Severity.ERROR, Severity.WARNING


def apply_official(s: CountySummary, used1: TableResult | None, feedback: FeedbackList) -> Finding | None:
    """Give ``s`` the list's figures; a finding when the county's own differ.

    Call after ``s.status`` and the county's own counts are set. A county the list does
    not name keeps its own figures (``problem-extra`` / ``county-unexpected`` say why).
    """
    from zhenggai.forms.feedback_list import official_tally
    from zhenggai.rollup.model import COUNTED

    listed = feedback.for_county(s.county)
    if listed is None:
        return None
    answered, done = official_tally(used1, listed) if used1 is not None else (0, 0)
    own = (s.total, s.done) if s.status in COUNTED else None
    s.coverage = (answered, len(listed))
    s.official = True
    s.total, s.done, s.open = len(listed), done, len(listed) - done
    if own is None or own == (s.total, s.done):
        return None
    s.reported = own
    text = (f"{s.county} 自己填报 {own[0]} 个问题、已完成 {own[1]} 个；按反馈问题清单计 {s.total} 个问题、"
            f"已完成 {s.done} 个（没有填报或已删除的问题计为未完成）")
    for key, mine, official in (("total", own[0], s.total), ("done", own[1], s.done)):
        if mine != official:
            s.marks[key] = Mark(ERROR, text)
    return make("official-count-differs", file=MERGE_FILE, county=s.county, reported=own[0], reported_done=own[1],
                total=s.total, done=s.done)


def total_incomplete(counties: Sequence[CountySummary]) -> Finding | None:
    """``total-incomplete`` naming the counties no 合计 holds (None when all are in)."""
    gaps = [c for c in counties if not c.counted]
    if not gaps:
        return None
    names = "、".join(f"{c.county}（{c.status.label}）" for c in gaps)
    return make("total-incomplete", file=MERGE_FILE, counties=names,
                why="没有可汇总的数据，也没有反馈问题清单给出应有的问题数")


def total_marks(counties: Sequence[CountySummary], missing_prefectures: Sequence[str] = ()) -> dict[str, Mark]:
    """Marks for the overview's 合计 row: counties (or, at province level, 市州) it lacks,
    and figures that are not the counties' own."""
    marks: dict[str, Mark] = {}
    gaps = [f"{c.county}（{c.status.label}）" for c in counties if not c.counted]
    gaps += [f"{p}（未报送汇总表）" for p in missing_prefectures]
    if gaps:
        text = "不完整：不含 " + "、".join(gaps)
        for key in ("total", "done", "open", "rate", "overdue"):
            marks[key] = Mark(ERROR, text)
    differ = [c.county for c in counties if c.reported is not None]
    if differ:
        text = f"按反馈问题清单计；{'、'.join(differ)} 自己填报的数不同，见各县该格批注"
        for key in ("total", "done", "open", "rate"):
            marks.setdefault(key, Mark(WARNING, text))
    unsure = [c.county for c in counties if any(VERSION_NOTE in m.text for m in c.marks.values())]
    if unsure:  # counted from the likelier version (version-uncertain): provisional, said
        text = f"含 {'、'.join(unsure)} 版本待确认的数，见各县该格批注"
        for key in ("total", "done", "open", "rate"):
            had = marks.get(key)
            marks[key] = Mark(ERROR, f"{had.text}；{text}" if had else text)
    own = [c for c in counties if c.self_reported]
    if own:
        who = "各县（市、区）" if len(own) == len(counties) else "、".join(c.county for c in own)
        text = f"{who}的反馈问题数按县里附件1自己填报的问题计，未按反馈问题清单核对：漏填的问题不在其中"
        for key in ("total", "done", "open", "rate"):
            had = marks.get(key)
            marks[key] = Mark(had.severity, f"{had.text}；{text}") if had else Mark(WARNING, text)
    return marks


def _absence(s: RollupStats, key: str) -> str:
    """Why a county's figure is in no total, in a word for the 合计's comment."""
    if s.status is not None:
        return s.status.label
    return NOT_STATED if s.values.get(key, "") == "" else "数据无法识别或有错误"


def total_mark(group: Sequence[RollupStats], key: str) -> Mark | None:
    """The mark of a 成果统计汇总 合计 (or 小计) cell: the counties it lacks (red), and the
    counties whose figure in it is marked (red if any such mark is, else yellow)."""
    bad = [f"{s.county}（{_absence(s, key)}）" for s in group if key in s.unreadable]
    marked = [s for s in group if key in s.marks]
    notes = [f"不完整：不含 {'、'.join(bad)}"] if bad else []
    if marked:
        notes.append(f"含 {'、'.join(s.county for s in marked)} 标出的数（见各格批注）")
    if not notes:
        return None
    red = bool(bad) or any(s.marks[key].severity is ERROR for s in marked)
    return Mark(ERROR if red else WARNING, "；".join(notes))


# --- 成果统计汇总: a row per county, in the overview's order, figures marked -------------


def stats_rows(counties: Sequence[CountySummary], stats: Sequence[RollupStats], spec: TableSpec) -> list[RollupStats]:
    """One 成果统计汇总 row per county of ``counties`` (and any extra ones after them),
    with official counts written and every disagreement marked."""
    by: dict[tuple[str | None, str], list[RollupStats]] = {}
    for st in stats:
        by.setdefault((st.prefecture, st.county), []).append(st)
    keys = {c.key for c in spec.columns}
    out: list[RollupStats] = []
    for s in counties:
        rows = by.pop((s.prefecture, s.county), None)
        if rows is None:
            out.append(placeholder(s, spec))
            continue
        for st in rows:
            if st.status is None:
                _not_stated(st, spec)
                mark_counts(st, s, keys)
            out.append(st)
    out += [st for rows in by.values() for st in rows]
    return out


def _not_stated(st: RollupStats, spec: TableSpec) -> None:
    """A number cell of a county's 附件2 row that holds no figure (its form lacks the column:
    an old template, another indicator set) is not stated, never a silent gap in the 合计:
    red, in no total, the 合计 names the county (as for a figure that cannot be read)."""
    for c in spec.columns:
        if c.is_number and c.key not in st.unreadable and st.values.get(c.key, "") in ("", None):
            st.unreadable.add(c.key)
            st.values[c.key] = ""
            st.reasons.setdefault(c.key, f"{st.county}没有填报这个数（附件2 没有这一列或空白）")


def placeholder(s: CountySummary, spec: TableSpec) -> RollupStats:
    """The row of a county without a usable 附件2: its counts when the overview has
    them (official, or from 附件1), indicators blank and red in no total, status in 备注."""
    values: dict[str, object] = {}
    unreadable: set[str] = set()
    reasons: dict[str, str] = {}
    marks: dict[str, Mark] = {}
    source = "反馈问题清单" if s.official else "附件1"
    for c in spec.columns:
        if c.key == "county":
            values[c.key] = s.county
        elif c.key in COUNT_KEYS and s.counted and (s.official or s.status is Status.NO_APPENDIX2):
            values[c.key] = getattr(s, c.key)
            marks[c.key] = Mark(WARNING, f"{s.county}{s.status.label}：此数按{source}计，不是县里附件2 所填")
        elif c.is_number:
            values[c.key] = ""
            unreadable.add(c.key)
            reasons[c.key] = f"{s.county}{s.status.label}，没有附件2 的数"
        elif c.key == "note":
            values[c.key] = s.status.label
        else:
            values[c.key] = ""
    return RollupStats(s.prefecture, s.county, values, unreadable, "", 0, reasons=reasons, marks=marks,
                       status=s.status)


def _number(v: object) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def mark_counts(st: RollupStats, s: CountySummary, keys: set[str]) -> None:
    """附件2's 反馈问题数/已完成/未完成 against the official figures (written instead,
    the county's kept in the comment) or, without a list, against 附件1 (both shown)."""
    from zhenggai.rollup.model import COUNTED

    for key in COUNT_KEYS:
        if key not in keys:
            continue
        own = st.values.get(key)
        mine = None if key in st.unreadable else _number(own)
        shown = display(own) or "空白"
        if s.official:
            official = getattr(s, key)
            if mine != official:
                st.values[key] = official
                st.unreadable.discard(key)
                st.marks[key] = Mark(ERROR, f"附件2 填 {shown}；按反馈问题清单和附件1 计为 {official}"
                                            "（没有填报或已删除的问题计为未完成），合计按清单的数")
        elif s.status in COUNTED and s.status is not Status.NO_APPENDIX1 and key != "open":
            a1 = getattr(s, key)
            if mine is not None and mine != a1:
                st.marks[key] = Mark(ERROR, f"附件2 填 {shown}，附件1 为 {a1}：两个数不一致，请县里核对")
    if s.official:
        return
    total, done, open_ = (None if k in st.unreadable else _number(st.values.get(k)) for k in COUNT_KEYS)
    if total is not None and done is not None and open_ is not None and done + open_ != total:
        text = (f"已完成 {display(done)} + 未完成 {display(open_)} = {display(done + open_)}，"
                f"不等于反馈问题数 {display(total)}")
        for key in COUNT_KEYS:
            st.marks.setdefault(key, Mark(ERROR, text))


def plausibility_marks(spec: TableSpec, values: dict[str, object], unreadable: set[str],
                       texts: dict[str, str] | None = None) -> dict[str, Mark]:
    """Yellow marks for counted figures outside their column's plausible range (the
    county's file has the ``indicator-implausible`` warning on the same cell)."""
    from zhenggai.checking.files import implausible

    marks: dict[str, Mark] = {}
    for c in spec.columns:
        v = _number(values.get(c.key))
        if c.plausible is None or v is None or c.key in unreadable:
            continue
        cause = implausible(c, v, (texts or {}).get(c.key))
        if cause is not None:
            low, high = (display(x) for x in c.plausible)
            marks[c.key] = Mark(WARNING, f"{display(v)} 超出合理范围（{low}～{high}）：{cause}")
    return marks
