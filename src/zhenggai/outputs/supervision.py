"""督办清单: which counties (and 市州) meet a 督办 rule, with the cells each rests on.

Every figure comes from the rollup read back (``read_rollup``): the overview's status,
errors and feedback-list coverage, the 附件1 rows (逾期 recounted as of the report's
day), and the finding codes on its 校验问题 sheet. A rule whose input the rollup does
not hold (no feedback list figures, no 进展对比, no 校验问题, a check this version does
not make) is listed as 未评估 with the reason, never silently skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from zhenggai.core.findings import CATALOGUE, Finding
from zhenggai.core.parse import clean_text, parse_number
from zhenggai.core.schema import specs
from zhenggai.outputs.supervision_rules import LEVELS, Rule, Rules
from zhenggai.rollup.categories import deadline_text, is_overdue
from zhenggai.rollup.layout import OVERVIEW, Status
from zhenggai.rollup.model import MERGE_FILE, CountySummary, Rollup

MAX_EVIDENCE = 8  # cells listed per rule and county; the rest are counted ("等共 N 处")
NOT_SUBMITTED = frozenset({Status.MISSING, Status.UNREADABLE, Status.BLANK})
MISSING_APPENDIX = frozenset({Status.NO_APPENDIX1, Status.NO_APPENDIX2})
PREFECTURE_ROW = "（全市州）"  # the county cell of a 市州's own row at province level

# Rules resting on finding codes. pledge_only and copied_measures take every catalogued
# code of their kind, so the measure checks' codes (measure-…) count as soon as they exist.
FINDING_CODES: dict[str, Callable[[str], bool]] = {
    "deadline_late": lambda c: c in ("deadline-too-late", "round-deadline-past"),
    "pledge_only": lambda c: c.startswith("measure-") and ("pledge" in c or c.endswith("-only")),
    "copied_measures": lambda c: c.startswith("measure-") and "cop" in c,
    "reopened": lambda c: c == "round-item-reopened",
    "deleted": lambda c: c == "round-item-missing",
    "no_progress": lambda c: c in ("round-measure-unchanged", "round-measure-pledge-only",
                                   "round-county-unchanged", "round-county-silent"),
}
STATUS_CODES = frozenset({"county-not-submitted", "appendix-missing"})  # counted by the status rules
ROUND_RULES = frozenset({"reopened", "deleted", "no_progress"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """A cell (or a row of the rollup) a rule rests on: where it is (``file``, ``sheet``, ``cell``:
    the rollup's 校验问题 sheet names them for whoever checks), and ``place``, the same in the
    words of the reply (附件1 序号5), which is what the paper shows."""

    file: str
    sheet: str | None
    cell: str | None
    note: str = ""
    place: str = ""

    @property
    def text(self) -> str:
        """"附件1 序号5 整改措施和情况：高度重视…" — the paper goes upward: the reply's own
        words, never a file name, a worksheet or a cell (GB/T 9704: official content only)."""
        return f"{self.place} {self.note}" if self.place and self.note else self.place or self.note


# Which form a finding's field belongs to, by its header (附件2's with the default indicators;
# a bureau's own indicator names no form: the field and value are still shown).
_FORM_FIELDS = {header: name for name, spec in zip(("附件1", "附件2"), specs(), strict=True)
                for header in (c.header for c in spec.columns)}


def seq_places(rollup: Rollup) -> dict[tuple[str, int], str]:
    """(source file, row) → "附件1 序号5" for every 附件1 row of the rollup."""
    out: dict[tuple[str, int], str] = {}
    for it in rollup.items:
        seq = clean_text(it.texts.get("seq") or (it.values[0] if it.values else ""))
        out[(it.source_file, it.source_row)] = f"附件1 序号{seq}" if seq else f"附件1 第{it.source_row}行"
    return out


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule met by one county or 市州: how often, and where."""

    rule: Rule
    count: int
    detail: str  # "3 项", "40.0%（2/5）"
    evidence: tuple[Evidence, ...]
    more: int = 0  # evidence not listed

    @property
    def summary(self) -> str:
        """"逾期未完成 3 项", "缺附件（缺附件2）", "未报送"."""
        if self.detail == self.rule.label:
            return self.detail
        if self.rule.threshold is None:
            return f"{self.rule.label}（{self.detail}）"
        return f"{self.rule.label} {self.detail}"


@dataclass(frozen=True, slots=True)
class Target:
    """One row of the 督办清单."""

    prefecture: str | None
    county: str  # PREFECTURE_ROW for a 市州's own row
    hits: tuple[Hit, ...]
    level: str

    @property
    def name(self) -> str:
        """"谷城县", or "襄阳市" for a 市州 row."""
        return self.prefecture or "" if self.county == PREFECTURE_ROW else self.county

    @property
    def reasons(self) -> str:
        """"未报送；逾期未完成 3 项"."""
        return "；".join(h.summary for h in self.hits)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A rule not evaluated (or switched off), and why."""

    rule: Rule
    reason: str


@dataclass(frozen=True, slots=True)
class Supervision:
    """The 督办清单 of one rollup."""

    place: str
    province: bool
    as_of: date  # the day 逾期 is counted on
    targets: tuple[Target, ...]
    not_evaluated: tuple[Skipped, ...]
    disabled: tuple[Rule, ...] = field(default=())
    rollup_as_of: date | None = None  # the rollup's own 统计截至 (its counts), when it differs


def _owners(rollup: Rollup) -> tuple[dict[str, CountySummary], Callable[[Finding], CountySummary | None]]:
    by_file = {f: s for s in rollup.counties for f in s.files}
    names = sorted(rollup.counties, key=lambda s: -len(s.county))

    def owner(f: Finding) -> CountySummary | None:
        if f.file in by_file:
            return by_file[f.file]
        if f.file == MERGE_FILE or f.file.endswith(f"›{MERGE_FILE}"):
            # 汇总检查 findings (未报送, 整县无变化) name their county in the message.
            text = f"{f.message} {f.value or ''}"
            hits = [s for s in names if s.county in text
                    and (not rollup.province or not s.prefecture or s.prefecture in text
                         or sum(1 for x in names if x.county == s.county) == 1)]
            return hits[0] if hits else None
        return None

    return by_file, owner


def missing_prefectures(rollup: Rollup) -> dict[str, Finding]:
    """市州 the province expected whose rollup did not arrive (``prefecture-not-submitted``
    on the 校验问题 sheet): name → the finding. The name is the message's first part, as
    the catalogue's template "{prefecture} 未报送汇总表" writes it."""
    tail = CATALOGUE["prefecture-not-submitted"].template.split("{prefecture}", 1)[1]
    return {f.message.removesuffix(tail).strip(): f for fr in rollup.report.files for f in fr.findings
            if f.code == "prefecture-not-submitted" and f.message.endswith(tail)}


def _reasons_not_evaluable(rollup: Rollup, rule: Rule, has_progress: bool) -> str | None:
    # In the words of a paper that goes upward (督办清单, 情况报告): what is missing, never a
    # command-line option, a sheet name or the tool's name (the README says how to supply it).
    no_findings = any(f.code == "rollup-no-findings" for fr in rollup.report.files for f in fr.findings)
    if rule.key == "low_rate" and not any(s.coverage for s in rollup.counties):
        return "汇总表没有反馈问题清单的数字（未按省厅反馈问题清单核定各县问题数），无法按清单问题数计算完成率"
    if rule.key in ROUND_RULES and not has_progress:
        return "汇总表没有与上一轮汇总情况的对比，无法判断与上一轮相比的变化"
    if rule.key in FINDING_CODES:
        if not any(FINDING_CODES[rule.key](c) for c in CATALOGUE):
            return "暂无这项检查"
        if no_findings:
            return "汇总表没有各县报送材料的校验结果，无法得知各县的问题"
    return None


def _not_rated(rollup: Rollup) -> str | None:
    """The counties 完成率低 is not judged for when others are: no feedback-list figures for
    them (a 市州 rolled up without --problems, a county the list does not name). Said on the
    paper, never a judgement over the others passed off as the whole."""
    names = [f"{s.county}（{s.prefecture}）" if rollup.province else s.county
             for s in rollup.counties if not s.coverage and s.status not in NOT_SUBMITTED]
    if not names:
        return None
    shown = "、".join(names[:8]) + (f" 等 {len(names)} 个" if len(names) > 8 else "")
    return f"{shown}没有反馈问题清单的数字（汇总时未按清单计数），未对其评估完成率"


def _of_deletion(f: Finding, s: CountySummary, findings: list[Finding]) -> bool:
    """An error that a problem deleted since last round (``round-item-missing``, counted by the
    删除 rule) explains: the listed problem now unanswered, and 附件2's 反馈问题数 short by
    exactly the deleted ones. Counted again it was one deletion under two rules, and with
    escalate_at the county's measure rose a level for it (约谈 → 督办)."""
    deleted = {clean_text(x.value) for x in findings if x.code == "round-item-missing" and x.value}
    if not deleted:
        return False
    if f.code == "problem-unanswered":
        return clean_text(f.value) in deleted
    if f.code == "problem-count-mismatch" and s.coverage:
        stated = parse_number(f.value).value
        return stated is not None and stated == s.coverage[1] - len(deleted)
    return False


def _evidence(items: Iterable[Evidence]) -> tuple[tuple[Evidence, ...], int]:
    listed = list(items)
    return tuple(listed[:MAX_EVIDENCE]), max(0, len(listed) - MAX_EVIDENCE)


def _from_finding(f: Finding, places: dict[tuple[str, int], str] | None = None) -> Evidence:
    # "完成时限：2023年3月" says what is in the cell; without a value, the finding's own message.
    form = _FORM_FIELDS.get(f.field or "", "")
    place = (places or {}).get((f.file, f.row or 0), "") if form == "附件1" else form
    if form == "附件1" and not place and f.row:
        place = f"附件1 第{f.row}行"
    return Evidence(f.file, f.sheet, f.cell, f"{f.field}：{f.value}" if f.field and f.value else f.message, place)


def _measure(rule: Rule, s: CountySummary, findings: list[Finding], rollup: Rollup, as_of: date,
             overview: Evidence, places: dict[tuple[str, int], str]) -> tuple[int, str, list[Evidence]]:
    """(count, detail, evidence) of one rule for one county; count 0 when not met at all."""
    status_rule = {"not_submitted": NOT_SUBMITTED, "missing_appendix": MISSING_APPENDIX}.get(rule.key)
    if status_rule is not None:
        if s.status not in status_rule:
            return 0, "", []
        return 1, s.status.label, [Evidence(overview.file, overview.sheet, None,
                                            f"{overview.note} 报送状态：{s.status.label}", overview.place)]
    if rule.key == "uncorrected_errors":
        # The errors of the 校验问题 sheet that no other rule counts (未报送, 缺附件, a late
        # 完成时限, a reopened or deleted item are rules of their own): nothing counts twice.
        errors = [f for f in findings if f.severity.value == "error" and f.code not in STATUS_CODES
                  and not any(match(f.code) for match in FINDING_CODES.values()) and not _of_deletion(f, s, findings)]
        return len(errors), f"{len(errors)} 处", [_from_finding(f, places) for f in errors]
    if rule.key == "low_rate":
        listed = s.coverage[1] if s.coverage and s.status not in NOT_SUBMITTED else 0
        if not listed or rule.threshold is None or s.done / listed >= rule.threshold:
            return 0, "", []
        answered = s.coverage[0] if s.coverage else 0
        note = f"{overview.note} 已完成 {s.done}，反馈问题覆盖 {answered}/{listed}"
        return 1, f"{s.done / listed * 100:.1f}%（已完成 {s.done} / 清单问题 {listed}）", [
            Evidence(overview.file, overview.sheet, None, note, overview.place)]
    if rule.key == "overdue":
        rows = [it for it in rollup.items if it.county == s.county and it.prefecture == s.prefecture
                and is_overdue(it, as_of)]
        # The merge's own 逾期 finding names the 完成时限 cell; a row it did not flag
        # (overdue only as of a later --as-of) is named by its row.
        cells = {(f.file, f.row): f for f in findings if f.code == "overdue"}
        ev = []
        for it in rows:
            flagged = cells.get((it.source_file, it.source_row))
            place = places.get((it.source_file, it.source_row), f"附件1 第{it.source_row}行")
            sheet, cell = (flagged.sheet, flagged.cell) if flagged else (it.sheet, None)
            ev.append(Evidence(it.source_file, sheet, cell, f"完成时限 {deadline_text(it)}", place))
        return len(rows), f"{len(rows)} 项", ev
    hit = [f for f in findings if FINDING_CODES[rule.key](f.code)]
    return len(hit), f"{len(hit)} 处", [_from_finding(f, places) for f in hit]


def _county_hits(
    s: CountySummary, rules: list[Rule], findings: list[Finding], rollup: Rollup, as_of: date, source: str,
    places: dict[tuple[str, int], str],
) -> list[Hit]:
    overview = Evidence(source, OVERVIEW.name, None, f"{s.county}（{s.prefecture}）" if rollup.province else s.county,
                        OVERVIEW.name)
    hits: list[Hit] = []
    for rule in rules:
        count, detail, ev = _measure(rule, s, findings, rollup, as_of, overview, places)
        threshold = rule.threshold if rule.threshold is not None and rule.key != "low_rate" else 1
        if count and count >= threshold:
            listed_ev, more = _evidence(ev)
            hits.append(Hit(rule, count, detail, listed_ev, more))
    return hits


def _level(hits: list[Hit], escalate_at: int) -> str:
    rank = max(LEVELS.index(h.rule.level) for h in hits)
    if escalate_at and len(hits) >= escalate_at:
        rank = min(rank + 1, len(LEVELS) - 1)
    return LEVELS[rank]


def _prefecture_hits(prefecture: str, members: list[tuple[CountySummary, list[Hit]]], rules: list[Rule],
                     source: str) -> list[Hit]:
    """A 市州 meets a rule when its counties together do (counts summed, rate over the sum)."""
    hits: list[Hit] = []
    for rule in rules:
        if rule.key == "low_rate":
            covered = [s for s, _ in members if s.coverage]
            listed = sum(s.coverage[1] for s in covered if s.coverage)
            done = sum(s.done for s in covered)
            if not listed or rule.threshold is None or done / listed >= rule.threshold:
                continue
            left = len(members) - len(covered)  # no list figures: the rate is over the others, said so
            part = f"，不含未按清单计数的 {left} 个县（市、区）" if left else ""
            hits.append(Hit(rule, 1, f"{done / listed * 100:.1f}%（已完成 {done} / 清单问题 {listed}{part}）",
                            (Evidence(source, OVERVIEW.name, None, f"{prefecture} 各县（市、区）合计",
                                      OVERVIEW.name),)))
            continue
        per = [(s, next(h for h in hs if h.rule.key == rule.key)) for s, hs in members
               if any(h.rule.key == rule.key for h in hs)]
        total = sum(h.count for _, h in per)
        if total and total >= (rule.threshold or 1):
            ev = tuple(Evidence(source, OVERVIEW.name, None, f"{s.county} {h.detail}", OVERVIEW.name) for s, h in per)
            unit = "个县（市、区）" if rule.threshold is None else ("处" if rule.key != "overdue" else "项")
            hits.append(Hit(rule, total, f"{total} {unit}", ev))
    return hits


def evaluate(rollup: Rollup, rules: Rules, *, as_of: date | None = None, source: str = "汇总表",
             has_progress: bool = False) -> Supervision:
    """The 督办清单 of ``rollup``: rows sorted by level (heaviest first), then by rules met.

    ``source``: the rollup's file name, shown in evidence that rests on its overview;
    ``has_progress``: the rollup holds a 进展对比 sheet (merge --previous).
    """
    day = as_of or rollup.as_of
    disabled = tuple(r for r in rules.rules if not r.enabled)
    skipped: list[Skipped] = []
    active: list[Rule] = []
    for rule in rules.rules:
        if not rule.enabled:
            continue
        reason = _reasons_not_evaluable(rollup, rule, has_progress)
        if reason:
            skipped.append(Skipped(rule, reason))
        else:
            active.append(rule)
            if rule.key == "low_rate" and (part := _not_rated(rollup)):
                skipped.append(Skipped(rule, part))
    _, owner = _owners(rollup)
    findings: dict[int, list[Finding]] = {id(s): [] for s in rollup.counties}
    for fr in rollup.report.files:
        for f in fr.findings:
            who = owner(f)
            if who is not None:
                findings[id(who)].append(f)
    order = {id(s): i for i, s in enumerate(rollup.counties)}
    targets: list[tuple[int, Target]] = []
    by_prefecture: dict[str, list[tuple[CountySummary, list[Hit]]]] = {}
    places = seq_places(rollup)
    for s in rollup.counties:
        hits = _county_hits(s, active, findings[id(s)], rollup, day, source, places)
        by_prefecture.setdefault(s.prefecture or "", []).append((s, hits))
        if hits:
            level = _level(hits, rules.escalate_at)
            targets.append((order[id(s)], Target(s.prefecture, s.county, tuple(hits), level)))
    if rollup.province:
        for i, (p, members) in enumerate(by_prefecture.items()):
            hits = _prefecture_hits(p, members, active, source)
            if hits:
                targets.append((-len(by_prefecture) + i, Target(p, PREFECTURE_ROW, tuple(hits),
                                                                _level(hits, rules.escalate_at))))
        for rule in (r for r in active if r.key == "not_submitted"):
            for p, f in missing_prefectures(rollup).items():
                hit = Hit(rule, 1, "未报送汇总表", (_from_finding(f),))
                targets.append((-len(by_prefecture) - 1, Target(p, PREFECTURE_ROW, (hit,), _level([hit], 0))))
    targets.sort(key=lambda t: (-LEVELS.index(t[1].level), t[1].county != PREFECTURE_ROW, -len(t[1].hits), t[0]))
    place = rollup.prefecture or ("全省" if rollup.province else "")
    return Supervision(place, rollup.province, day, tuple(t for _, t in targets), tuple(skipped), disabled,
                       rollup.as_of if rollup.as_of != day else None)
