"""Two rounds of reports → what actually moved, and what only looks like progress.

Pure functions over plain records (no I/O): ``compare(previous, current)`` pairs each
county's 附件1 items with the previous round's, then reports every change as a finding
with a stable code (catalogue in ``findings.py``) and as the rows of the 进展对比 sheet.
``rounds_load.py`` turns county replies and rollups into these records; the web intake
can build them from a county's stored submissions the same way.

Items are paired by the feedback-list problem they answer (the matching of
``--problems``), else by their normalised 问题描述 (序号 decides between duplicates),
else by the same 序号 with a similar text (reported, never silent). What stays unpaired
is listed both ways: a problem that left the list is an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from zhenggai.checking.measures import is_pledge
from zhenggai.core.codes import FindingCode
from zhenggai.core.findings import Finding, Severity, a1, make, sort_key
from zhenggai.core.parse import clean_text, is_unnamed_county, number_text
from zhenggai.core.schema import APPENDIX1, Column
from zhenggai.forms.feedback_list import SIMILAR, match_problems, normalize_problem

if TYPE_CHECKING:
    from zhenggai.forms.feedback_list import FeedbackList

COUNTY_FILE = "（进展对比）"  # the report entry for findings about a county, not a cell
# A county's status is ``rollup.model.Status.value`` (not the enum: the rollup model refers to
# this module, and this one stays below it). These mean the county sent a usable table.
REPORTED = frozenset({"submitted", "no-appendix1", "no-appendix2"})
MISSING = "missing"
SILENT = frozenset({MISSING, "blank"})  # nothing, or only blank forms (未填报)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a finding about a record points: the file, sheet and row, and its columns."""

    file: str
    sheet: str | None = None
    row: int | None = None
    columns: Mapping[str, int] = field(default_factory=dict)  # field key → 0-based column

    def cell(self, key: str) -> str | None:
        """A1 address of ``key`` in this row, None when the column is not known."""
        col = self.columns.get(key)
        return a1(self.row, col) if col is not None and self.row is not None else None


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One 附件1 item of one round, as read."""

    county: str
    seq: int | None
    problem: str
    measure: str
    done: bool | None  # None: not readable this round (its own finding says why)
    deadline: date | None
    place: Place
    prefecture: str | None = None


@dataclass(frozen=True, slots=True)
class CountyRecord:
    """One county of one round: status, counts and its 附件2 numbers (None: unreadable)."""

    county: str
    status: str  # rollup.model.Status value: "submitted", "missing", "no-appendix1" …
    total: int = 0
    done: int = 0
    indicators: Mapping[str, float | None] = field(default_factory=dict)
    place: Place | None = None  # the 附件2 row
    prefecture: str | None = None

    @property
    def reported(self) -> bool:
        """True when the county sent a usable reply this round."""
        return self.status in REPORTED

    @property
    def rate(self) -> float | None:
        """完成率, None when there is nothing to count."""
        return self.done / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class RoundData:
    """One round: every county's items and numbers; ``label`` names it (a file or folder)."""

    label: str
    items: tuple[ItemRecord, ...]
    counties: tuple[CountyRecord, ...]
    as_of: date | None = None  # 统计截至 of the round, when known


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the 进展对比 detail table."""

    county: str
    prefecture: str | None
    seq: int | None
    problem: str
    what: str  # 新完成, 重新打开 …
    before: str
    after: str
    finding: Finding


@dataclass(slots=True)
class CountyProgress:
    """One county's line of the 进展对比 summary."""

    county: str
    prefecture: str | None
    status_before: str | None  # Status value; None: the county was not in the previous round at all
    status_now: str
    rate_before: float | None
    rate_now: float | None
    finished: int = 0
    reopened: int = 0
    postponed: int = 0
    stalled: int = 0  # open items whose measure did not move (unchanged or pledge words only)
    missing: int = 0
    new: int = 0
    decreased: int = 0
    name_before: str | None = None  # last round's spelling, when it differed ("谷城" for 谷城县)

    def to_dict(self) -> dict[str, Any]:
        """The ``progress.counties`` entry of ``--format json``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class CountyNote:
    """A finding about a whole county rather than one of its items."""

    county: str
    prefecture: str | None
    finding: Finding


@dataclass(frozen=True, slots=True)
class Comparison:
    """What moved between two rounds: per county, per item, and the findings."""

    previous: str
    current: str
    counties: tuple[CountyProgress, ...]
    changes: tuple[Change, ...]
    notes: tuple[CountyNote, ...]  # findings about a whole county (silent, unchanged, renamed)
    findings: tuple[Finding, ...]  # every change's finding and every note's, in report order
    previous_as_of: date | None = None
    current_as_of: date | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``progress`` key of ``--format json``."""
        return {
            "previous": self.previous,
            "current": self.current,
            "previous_as_of": self.previous_as_of.isoformat() if self.previous_as_of else None,
            "current_as_of": self.current_as_of.isoformat() if self.current_as_of else None,
            "counties": [c.to_dict() for c in self.counties],
            "changes": [{"county": c.county, "prefecture": c.prefecture, "seq": c.seq, "problem": c.problem,
                         "code": c.finding.code, "before": c.before, "after": c.after} for c in self.changes],
        }


# --- pairing ----------------------------------------------------------------------------


def problem_key(text: str) -> str:
    """问题描述 for pairing: as ``--problems`` normalises it, or the cleaned text when nothing is left."""
    return normalize_problem(text) or clean_text(text)


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a in b or b in a:
        return min(len(a), len(b)) >= 6
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= SIMILAR


def _feedback_index(items: Sequence[ItemRecord], feedback: FeedbackList | None, county: str) -> list[int | None]:
    """For each item, the index of the feedback problem it answers (first answer only)."""
    if feedback is None:
        return [None] * len(items)
    problems = feedback.for_county(county)
    if not problems:
        return [None] * len(items)
    hits = match_problems([(i, it.problem) for i, it in enumerate(items)], problems)
    out: list[int | None] = [None] * len(items)
    taken: set[int] = set()
    for i in range(len(items)):
        hit = hits.get(i)
        if hit is not None and hit[0] not in taken:
            taken.add(hit[0])
            out[i] = hit[0]
    return out


def pair_items(
    previous: Sequence[ItemRecord], current: Sequence[ItemRecord], feedback: FeedbackList | None = None
) -> tuple[list[tuple[ItemRecord, ItemRecord, bool]], list[ItemRecord], list[ItemRecord]]:
    """One county's items: (previous, current, reworded) pairs, previous-only, current-only."""
    pairs: list[tuple[ItemRecord, ItemRecord, bool]] = []
    left_p = list(range(len(previous)))
    left_c = list(range(len(current)))
    county = current[0].county if current else previous[0].county if previous else ""
    fp, fc = _feedback_index(previous, feedback, county), _feedback_index(current, feedback, county)
    by_problem = {k: i for i, k in enumerate(fp) if k is not None}
    for ci in list(left_c):
        fk = fc[ci]
        pi = by_problem.get(fk) if fk is not None else None
        if pi is not None and pi in left_p:
            pairs.append((previous[pi], current[ci], False))
            left_p.remove(pi)
            left_c.remove(ci)
    keys_p = {pi: problem_key(previous[pi].problem) for pi in left_p}
    for ci in list(left_c):
        c = current[ci]
        key = problem_key(c.problem)
        same = [pi for pi in left_p if key and keys_p[pi] == key]
        if not same:
            continue
        # The same problem listed twice (validate says problem-duplicate): the row with the
        # same 序号, else the same measure, else the first.
        pi = next((p for p in same if previous[p].seq == c.seq),
                  next((p for p in same if _measure_key(previous[p].measure) == _measure_key(c.measure)), same[0]))
        pairs.append((previous[pi], current[ci], False))
        left_p.remove(pi)
        left_c.remove(ci)
    for ci in list(left_c):
        c = current[ci]
        if c.seq is None:
            continue
        key = problem_key(c.problem)
        same = [pi for pi in left_p if previous[pi].seq == c.seq and _similar(keys_p[pi], key)]
        if len(same) == 1:  # two candidates would be a guess: leave both unpaired, listed
            pairs.append((previous[same[0]], c, True))
            left_p.remove(same[0])
            left_c.remove(ci)
    return pairs, [previous[i] for i in left_p], [current[i] for i in left_c]


# --- measures ---------------------------------------------------------------------------


def _measure_key(text: str) -> str:
    return normalize_problem(text)  # NFKC, no numbering, no whitespace or punctuation


def added_text(before: str, after: str) -> str:
    """The text ``after`` adds to ``before`` (inserted and replacing fragments, joined by ，)."""
    a, b = clean_text(before), clean_text(after)
    sm = SequenceMatcher(None, a, b, autojunk=False)
    parts = [b[j1:j2] for op, _, _, j1, j2 in sm.get_opcodes() if op in ("insert", "replace")]
    return "，".join(p.strip(" ，,。；;、") for p in parts if p.strip(" ，,。；;、"))


def pledge_only_change(before: str, after: str) -> str | None:
    """The added text when a measure changed only by pledge words (else None)."""
    if _measure_key(before) == _measure_key(after):
        return None
    added = added_text(before, after)
    if not added:
        return ""  # only deletions: nothing new either
    return added if is_pledge(added) else None


# --- comparing --------------------------------------------------------------------------


def _d(x: date | None) -> str:
    return x.isoformat() if x is not None else ""


def _yn(x: bool | None) -> str:
    return "" if x is None else "是" if x else "否"


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return number_text(x)


def _county_key(prefecture: str | None, county: str) -> tuple[str, str]:
    return (prefecture or "", county)


Key = tuple[str, str]  # (prefecture or "", county)


def align_names(previous: set[Key], current: set[Key]) -> dict[Key, Key]:
    """Previous (prefecture, county) keys → current ones for a county spelled shorter or longer
    in one round ("谷城" / "谷城县"), only when exactly one name on each side fits."""
    only_p, only_c = previous - current, current - previous

    def fits(a: Key, b: Key) -> bool:
        return a[0] == b[0] and (a[1].startswith(b[1]) or b[1].startswith(a[1]))

    out = {}
    for p in only_p:
        hits = [c for c in only_c if fits(p, c)]
        if len(hits) == 1 and sum(1 for q in only_p if fits(q, hits[0])) == 1:
            out[p] = hits[0]
    return out


def _renamed(old: Key, new: Key, cc: CountyRecord | None, ic: Sequence[ItemRecord]) -> CountyNote:
    """The pairing ``align_names`` made is a reading: said, so a person can undo it by fixing the name."""
    place = cc.place if cc is not None and cc.place is not None else (ic[0].place if ic else Place(COUNTY_FILE))
    f = make("round-county-renamed", file=place.file, sheet=place.sheet, value=new[1], old=old[1], new=new[1])
    return CountyNote(new[1], new[0] or None, f)


def _same_items(p: Sequence[ItemRecord], c: Sequence[ItemRecord]) -> bool:
    if len(p) != len(c):
        return False

    def raw(it: ItemRecord) -> tuple[object, ...]:
        return (it.seq, it.problem, it.measure, it.done, it.deadline)

    if [raw(x) for x in p] == [raw(x) for x in c]:
        return True  # the common case, without normalising every text (NFKC is slow on 60,000 rows)

    def key(it: ItemRecord) -> tuple[object, ...]:
        return (it.seq, problem_key(it.problem), _measure_key(it.measure), it.done, it.deadline)

    return len(p) == len(c) and sorted(map(key, p), key=repr) == sorted(map(key, c), key=repr)


def _order(counties_p: Iterable[Key], items_p: Iterable[Key], counties_c: Iterable[Key],
           items_c: Iterable[Key]) -> list[Key]:
    """The counties compared, this round's first. Last round's "（县名未知）附件1.xlsx" was a
    file whose county could not be read, not a county that reported then and is silent now:
    nothing to compare it with (it had its error then)."""
    now = {*counties_c, *items_c}
    keys = dict.fromkeys([*counties_c, *counties_p, *items_c, *items_p])
    return [k for k in keys if k in now or not is_unnamed_county(k[1])]


def compare(
    previous: RoundData,
    current: RoundData,
    *,
    deadline: date,
    cumulative: Sequence[Column] = (),
    feedback: FeedbackList | None = None,
) -> Comparison:
    """Everything that moved from ``previous`` to ``current``; a round against itself gives
    no change rows (only, per county still holding open items, that nothing moved)."""
    items_p: dict[tuple[str, str], list[ItemRecord]] = {}
    items_c: dict[tuple[str, str], list[ItemRecord]] = {}
    for it in previous.items:
        items_p.setdefault(_county_key(it.prefecture, it.county), []).append(it)
    for it in current.items:
        items_c.setdefault(_county_key(it.prefecture, it.county), []).append(it)
    counties_p = {_county_key(c.prefecture, c.county): c for c in previous.counties}
    counties_c = {_county_key(c.prefecture, c.county): c for c in current.counties}
    rename = align_names({*counties_p, *items_p}, {*counties_c, *items_c})
    renamed_from = {new: old[1] for old, new in rename.items()}
    items_p = {rename.get(k, k): v for k, v in items_p.items()}
    counties_p = {rename.get(k, k): v for k, v in counties_p.items()}
    order = _order(counties_p, items_p, counties_c, items_c)
    changes: list[Change] = []
    extra = [_renamed(old, new, counties_c.get(new), items_c.get(new, [])) for old, new in rename.items()]
    summaries: list[CountyProgress] = []
    for key in order:
        cp, cc = counties_p.get(key), counties_c.get(key)
        prefecture, county = (key[0] or None), key[1]
        s = CountyProgress(county, prefecture, cp.status if cp else None, cc.status if cc else MISSING,
                           cp.rate if cp else None, cc.rate if cc else None, name_before=renamed_from.get(key))
        summaries.append(s)
        ip, ic = items_p.get(key, []), items_c.get(key, [])
        if cp is not None and cp.reported and (cc is None or not cc.reported) and not ic:
            if cc is None or cc.status in SILENT:
                extra.append(CountyNote(county, prefecture, make("round-county-silent", file=COUNTY_FILE,
                                                                 county=county)))
            continue  # nothing this round to compare against (an unreadable reply has its own error)
        if ip and not ic and cc is not None and cc.reported:
            continue  # 附件1 missing this round: appendix-missing says so; its items are not "deleted"
        if ip and ic and _same_items(ip, ic) and _same_numbers(cp, cc):
            still_open = sum(1 for it in ic if it.done is False)
            if still_open:
                place = ic[0].place
                extra.append(CountyNote(county, prefecture, make("round-county-unchanged", file=place.file,
                                                                 sheet=place.sheet, county=county, open=still_open)))
                s.stalled = still_open
            continue

        pairs, gone, new = pair_items(ip, ic, feedback)
        for p, c, reworded in pairs:
            changes += _item_changes(p, c, reworded, s, deadline)
        for p in gone:
            s.missing += 1
            where = f"上次第 {p.place.row} 行" if p.place.row else "上次报送"
            seq = f"序号 {p.seq}，" if p.seq is not None else ""
            target = ic[0].place if ic else (cc.place if cc and cc.place else Place(COUNTY_FILE))
            f = make("round-item-missing", file=target.file, sheet=target.sheet, value=p.problem,
                     problem=p.problem, where=f"{seq}{where}")
            changes.append(Change(county, prefecture, p.seq, p.problem, "问题缺失", _yn(p.done), "（无）", f))
        for c in new:
            s.new += 1
            changes.append(_change(c, "新增问题", "（无）", _yn(c.done), "round-item-new", "problem", c.problem))
        if cp is not None and cc is not None and cp.reported and cc.reported:
            for col in cumulative:
                old, now = cp.indicators.get(col.key), cc.indicators.get(col.key)
                if old is None or now is None or now >= old:
                    continue
                s.decreased += 1
                place = cc.place or Place(COUNTY_FILE)
                f = make("round-indicator-decreased", file=place.file, sheet=place.sheet, cell=place.cell(col.key),
                         row=place.row, field=col.header, value=_num(now), old=_num(old), new=_num(now))
                changes.append(Change(county, prefecture, None, f"附件2「{col.header}」", "累计指标减少",
                                      _num(old), _num(now), f))
    rank = {k: i for i, k in enumerate(order)}
    # Stable: one item's changes keep the order they were found in (rewording, done, deadline, measure).
    changes.sort(key=lambda c: (rank[_county_key(c.prefecture, c.county)], c.seq is None, c.seq or 0))
    findings = sorted([*(c.finding for c in changes), *(n.finding for n in extra)], key=sort_key)
    return Comparison(previous.label, current.label, tuple(summaries), tuple(changes), tuple(extra), tuple(findings),
                      previous.as_of, current.as_of)


def _item_changes(p: ItemRecord, c: ItemRecord, reworded: bool, s: CountyProgress, deadline: date) -> list[Change]:
    """What moved on one item between two rounds (counted into ``s``)."""
    out: list[Change] = []
    if reworded:
        out.append(_change(c, "问题描述改动", p.problem, c.problem, "round-problem-reworded", "problem", c.problem,
                           problem=p.problem))
    if p.done is False and c.done is True:
        s.finished += 1
        out.append(_change(c, "新完成", "否", "是", "round-item-finished", "done", "是"))
    elif p.done is True and c.done is False:
        s.reopened += 1
        out.append(_change(c, "重新打开", "是", "否", "round-item-reopened", "done", "否"))
    if c.done is not False or p.done is not False:
        return out  # the rest is about items open in both rounds
    if p.deadline is not None and c.deadline is not None and c.deadline > p.deadline:
        s.postponed += 1
        code: FindingCode = "round-deadline-past" if c.deadline > deadline else "round-deadline-postponed"
        out.append(_change(c, "完成时限推迟", _d(p.deadline), _d(c.deadline), code, "deadline", _d(c.deadline),
                           old=_d(p.deadline), new=_d(c.deadline), deadline=_d(deadline)))
    if not c.measure.strip():
        return out  # a blank measure is required-missing already
    if p.measure == c.measure or _measure_key(p.measure) == _measure_key(c.measure):
        s.stalled += 1
        out.append(_change(c, "措施未更新", p.measure, c.measure, "round-measure-unchanged", "measure", c.measure))
    else:
        added = pledge_only_change(p.measure, c.measure)
        if added is not None:
            s.stalled += 1
            detail = f"只多了表态性文字“{added}”" if added else "只删去了部分文字"
            out.append(_change(c, "只增加表态" if added else "只删减文字", p.measure, c.measure,
                               "round-measure-pledge-only", "measure", c.measure, detail=detail))
    return out


_HEADERS = {c.key: c.header for c in APPENDIX1.columns}


def _change(it: ItemRecord, what: str, before: str, after: str, code: FindingCode, col: str | None = None,
            value: str | None = None, **params: object) -> Change:
    """A change of one item, its finding on the cell of ``col`` in the current round."""
    f = make(code, file=it.place.file, sheet=it.place.sheet, cell=it.place.cell(col) if col else None,
             row=it.place.row, field=_HEADERS.get(col or ""), value=value, **params)
    return Change(it.county, it.prefecture, it.seq, it.problem, what, before, after, f)


def _same_numbers(cp: CountyRecord | None, cc: CountyRecord | None) -> bool:
    if cp is None or cc is None:
        return cp is cc
    return dict(cp.indicators) == dict(cc.indicators) and (cp.total, cp.done) == (cc.total, cc.done)


def severities(c: Comparison) -> tuple[int, int]:
    """(errors, warnings) among the comparison's findings."""
    errors = sum(1 for f in c.findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in c.findings if f.severity is Severity.WARNING)
    return errors, warnings
