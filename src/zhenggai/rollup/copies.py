"""Copied measures: the same 整改措施 under another problem or from another county (issue 19).

A measure is a copy when, after dropping punctuation, list markers, numbers and county
names, it is the same or nearly the same text (rapidfuzz ``ratio`` ≥ 90) as a measure
written for a different problem of the same county, any measure of another county in
this inbox, or another county's measure of the previous round (``--previous``). Each
copy in this round gets a warning naming the other cells. The same county's measure of
the previous round is not a copy: ``round-measure-unchanged`` says that already.

Comparing every pair of 57,000 measures is 1.6 billion comparisons; an index keeps it to
about 340,000, scored in C++. Identical normalised texts are grouped by hash first (the
word-for-word copy: every one is found). Nearly identical ones are found by sorted-neighbourhood
blocking (``near_pairs``): the few words a copier changes leave its beginning or its end in
place, so the copy sorts next to its original one way or the other. Only texts that are
directly alike are named as each other's copies (no chains: A like B and B like C does
not make A a copy of C). On the benchmark's national inbox (57,851 measures) the whole check
costs 1.1–1.4 s of CPU, about 5 % of the merge's (benchmarks/README.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Final

from zhenggai.core.findings import Finding, Severity, a1, make
from zhenggai.core.schema import APPENDIX1
from zhenggai.forms.feedback_list import normalize_problem
from zhenggai.rollup.model import Rollup, RollupItem
from zhenggai.rollup.previous import with_findings

MIN_LENGTH: Final = 15  # normalised characters: "已完成整改" twice is no copy, a sentence is
SIMILAR: Final = 90  # rapidfuzz ratio: one or two words changed in a sentence
WINDOW: Final = 3  # neighbours scored in each sort order (benchmarks/README.md: recall and cost)
NAMED: Final = 3  # other cells named in one warning; the rest are counted

_MEASURE, _PROBLEM = APPENDIX1.keys.index("measure"), APPENDIX1.keys.index("problem")
_COUNTY_ENDS: Final = "县市区旗"


# What a copier changes without changing the measure, deleted in one pass: punctuation, spaces
# and symbols (\W, _), and every figure — digits (\d: full-width too), Chinese numerals but
# 万/亿 (units too: "十二万元" and "12万元" both give "万元"), circled and bracketed numbers
# (①, ⑴, ㈠: \w to re). List markers ("1." "(2)" "①") go with them. Deleting figures instead of
# writing a placeholder loses only where a figure stood, which no two measures of 15
# characters differ by alone; one pass costs a third of three.
_DROP: Final = re.compile(r"[\W_\d〇零一二两三四五六七八九十百千\u2460-\u24ff\u2776-\u2793\u3220-\u3243\u3251-\u32bf]+")
_COUNTY_END: Final = re.compile("[县市区旗]")


@dataclass(frozen=True, slots=True)
class _Counties:
    """County names, looked up where a name can end (县/市/区/旗)."""

    names: frozenset[str]
    lengths: tuple[int, ...]  # of the names, longest first

    @classmethod
    def of(cls, names: Iterable[str]) -> _Counties:
        known = frozenset(n for n in names if n and n[-1] in _COUNTY_ENDS)
        return cls(known, tuple(sorted({len(n) for n in known}, reverse=True)))

    def replace(self, s: str) -> str:
        """Every known county name in ``s`` replaced by 某县 (the longest name ending at each place)."""
        out: list[str] = []
        i = 0
        for m in _COUNTY_END.finditer(s):
            j = m.start()
            for n in self.lengths:
                start = j + 1 - n
                if start >= i and s[start:j + 1] in self.names:
                    out += [s[i:start], "某县"]
                    i = j + 1
                    break
        return "".join(out) + s[i:] if out else s


def normalise(text: str, counties: Iterable[str] | _Counties = ()) -> str:
    """A measure as compared: county names as 某县; no punctuation, spaces, list markers or figures; NFKC."""
    known = counties if isinstance(counties, _Counties) else _Counties.of(counties)
    # County names first: a name may hold a numeral (五峰县, 三台县).
    s = _DROP.sub("", known.replace(text) if known.names else text)
    if s.isascii() or unicodedata.is_normalized("NFKC", s):
        return s  # most Chinese text without its punctuation is NFKC already
    return _DROP.sub("", unicodedata.normalize("NFKC", s))


def near_pairs(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of texts with rapidfuzz ratio ≥ SIMILAR that sort near each other.

    Sorted-neighbourhood blocking (Hernández & Stolfo, 1995): the texts are sorted, once as
    written and once read backwards, and each is scored against the WINDOW texts after it in
    either order, by rapidfuzz in C++ (``cpdist``, one call per offset). A copy with a few
    words changed keeps its beginning or its end, and sorts next to its original there.
    """
    # imported on first use: zhenggai --help stays light
    from rapidfuzz.distance.Indel import normalized_similarity  # = fuzz.ratio / 100, without its wrapper
    from rapidfuzz.process import cpdist

    pairs: set[tuple[int, int]] = set()
    n = len(texts)
    forwards = sorted(range(n), key=texts.__getitem__)
    backwards = sorted(range(n), key=lambda i: texts[i][::-1])
    for order in (forwards, backwards):
        ranked = [texts[i] for i in order]
        for k in range(1, min(WINDOW, n - 1) + 1):
            scores = cpdist(ranked[:-k], ranked[k:], scorer=normalized_similarity, score_cutoff=SIMILAR / 100)
            for pos in scores.nonzero()[0].tolist():
                i, j = order[pos], order[pos + k]
                pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


@dataclass(frozen=True, slots=True)
class _Ref:
    """One measure in a group of alike measures, and where it is."""

    item: RollupItem
    problem: str  # normalised: rows of one problem share it
    previous: bool  # from the previous round's rollup


def _where(ref: _Ref) -> str:
    it = ref.item
    col = it.columns.get("measure")
    if it.in_word:
        place = f"{it.sheet} 第{it.source_row}行"  # a Word table has no worksheet cell
    elif it.sheet and col is not None:
        place = f"{it.sheet}!{a1(it.source_row, col)}"
    else:
        place = f"第{it.source_row}行"
    return f"{'上一轮 ' if ref.previous else ''}{it.county}：{it.source_file} › {place}"


def _is_copy_of(ref: _Ref, other: _Ref, province: bool) -> bool:
    """Whether ``other`` makes ``ref`` (of this round) a copy."""
    a, b = ref.item, other.item
    if province:
        # A prefecture's own merge reported the copies within it (its 校验问题 come along).
        return a.prefecture != b.prefecture
    # One prefecture's merge: a county is its name (a rollup read back names its 市州 by its file).
    if a.county != b.county:
        return True  # another county's measure, this round or the last
    return not other.previous and other.problem != ref.problem  # the same county, another problem


def _alike(keys: list[str]) -> dict[int, list[int]]:
    """For each key index, the indices of the keys nearly the same as it (``near_pairs``)."""
    near: dict[int, list[int]] = defaultdict(list)
    for i, j in near_pairs(keys):
        near[i].append(j)
        near[j].append(i)
    return near


def find_copies(items: Iterable[RollupItem], previous: Iterable[RollupItem] = (), *,
                province: bool = False) -> list[Finding]:
    """A ``measure-copied`` warning on each measure of ``items`` that copies another (see the module doc).

    ``province``: the items come from prefecture rollups, whose own merge reported the copies
    within each prefecture (their 校验问题 come along): only copies across prefectures are new.
    """
    current = list(items)
    everyone = [*current, *previous]
    fresh = len(current)  # everyone[n] is of this round when n < fresh
    counties = _Counties.of({it.county for it in everyone})
    by_key: dict[str, list[int]] = defaultdict(list)
    normalised: dict[str, str] = {}  # a measure not changed since the previous round is normalised once
    for n, it in enumerate(everyone):
        text = it.values[_MEASURE]
        if isinstance(text, str) and len(text) >= MIN_LENGTH:
            key = normalised.get(text)
            if key is None:
                key = normalised[text] = normalise(text, counties)
            if len(key) >= MIN_LENGTH:
                by_key[key].append(n)
    del normalised
    keys = list(by_key)
    near = _alike(keys)
    refs: dict[int, _Ref] = {}  # only measures with a like are looked at more closely

    def ref(n: int) -> _Ref:
        if n not in refs:
            it = everyone[n]
            refs[n] = _Ref(it, normalize_problem(str(it.values[_PROBLEM] or "")), n >= fresh)
        return refs[n]

    findings = []
    candidates = list(near) + [k for k, key in enumerate(keys) if len(by_key[key]) > 1 and k not in near]
    for k in sorted(candidates):
        members = by_key[keys[k]]
        mine = [n for n in members if n < fresh]  # the previous round's own are reported there
        if not mine:
            continue
        group = {*members, *(n for j in near.get(k, ()) for n in by_key[keys[j]])}
        if _one_side(group, everyone, fresh, province):
            continue
        alike = sorted((ref(n) for n in group), key=_reading_order)
        # Counted, not listed: a boilerplate sentence in 300 counties is 300 warnings, not 90,000 pairs.
        sides = Counter(_side(r, province) for r in alike)
        for n in mine:
            me = ref(n)
            copies = len(alike) - sum(sides[s] for s in _own_sides(me, province))
            if copies > 0:
                named = list(islice((o for o in alike if o is not me and _is_copy_of(me, o, province)), NAMED))
                findings.append(_finding(me, named, copies))
    return findings


def _one_side(group: set[int], everyone: list[RollupItem], fresh: int, province: bool) -> bool:
    """Whether no measure of ``group`` can be a copy of another, seen without normalising
    problems (``_side``): all of one prefecture (province), or one county's with a single
    measure of this round among them (its own previous round's is no copy). With
    ``--previous`` nearly every measure has its like: last round's, unchanged."""
    if province:
        return len({everyone[n].prefecture for n in group}) == 1
    return len({everyone[n].county for n in group}) == 1 and sum(1 for n in group if n < fresh) == 1


def _reading_order(r: _Ref) -> tuple[bool, str, int]:
    """This round first, then by file and row: the cells named are the same on every run."""
    return r.previous, r.item.source_file, r.item.source_row


def _side(r: _Ref, province: bool) -> tuple[object, ...]:
    """Measures on one side are no copies of each other (see ``_is_copy_of``)."""
    it = r.item
    if province:
        return (it.prefecture,)
    return (it.county, None, True) if r.previous else (it.county, r.problem, False)


def _own_sides(me: _Ref, province: bool) -> list[tuple[object, ...]]:
    """The sides holding the measures ``me`` does not copy: its own problem's, its county's last round."""
    it = me.item
    if province:
        return [(it.prefecture,)]
    return [(it.county, me.problem, False), (it.county, None, True)]


def _finding(ref: _Ref, named: list[_Ref], copies: int) -> Finding:
    it = ref.item
    col = it.columns.get("measure")
    more = f" 等 {copies} 处" if copies > len(named) else ""
    return make("measure-copied", file=it.source_file, sheet=it.sheet,
                cell=a1(it.source_row, col) if it.sheet and col is not None else None, row=it.source_row,
                field=APPENDIX1.column("measure").header, value=str(it.values[_MEASURE] or ""),
                others="；".join(_where(o) for o in named) + more)


def rollup_copies(rollup: Rollup, previous: Rollup | None = None) -> list[Finding]:
    """``find_copies`` over a fresh rollup (and the previous round's); see :func:`add_copies`."""
    return find_copies(rollup.items, previous.items if previous is not None else (), province=rollup.province)


def add_copies(rollup: Rollup, findings: Sequence[Finding]) -> None:
    """The findings of :func:`rollup_copies` join the rollup's report and its counties' warning counts."""
    if not findings:
        return
    rollup.report = with_findings(rollup.report, findings)
    by_file: dict[str, int] = defaultdict(int)
    for f in findings:
        if f.severity is Severity.WARNING:
            by_file[f.file] += 1
    for s in rollup.counties:
        s.warnings += sum(by_file[name] for name in s.files)


def attach_copies(rollup: Rollup, previous: Rollup | None = None) -> None:
    """``find_copies`` over a fresh rollup (and the previous round's); findings join its report."""
    add_copies(rollup, rollup_copies(rollup, previous))
