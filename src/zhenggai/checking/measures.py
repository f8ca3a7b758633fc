"""整改措施: 表态 or 实际动作 — the measure classifier (issue 19).

The notice's complaint is "表态性措施多、实际动作少". A measure is an action when one of
its clauses says something was done (已…, …完毕), names a verifiable step with an object
(追回, 印发, 解除合同, 摘牌 …) outside the scope of an intent ("确保…完成", "将追回"), a
steering verb ("加强资金拨付管理"), a negation ("尚未完成") or a future deadline ("年底前
完成"), or states a quantity of results ("新建站点8个"; a count of meetings is not one).
Anything else is a pledge, told apart by the one concrete thing it holds: meetings and
bodies only (MEETING), a deadline only (DEADLINE), or nothing (PLEDGE).

The words live in ``data/measure_rules.toml`` with one sentence of reasoning per rule.
Words are matched as words, not substrings: the text is segmented by rjieba (jieba's
dictionary in Rust: ~0.08 s to load, ~4 µs a measure; Python jieba needs ~0.5 s to load
and ~100 µs a measure, which a 57,000-row merge cannot afford), with every rule word
added to its dictionary. Segmentation is dictionary-only (no HMM guesses), so it is
deterministic. rjieba is imported on first use: ``zhenggai --help`` never loads it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Final

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from zhenggai.checking.measure_text import (
    CLAUSE_END,
    CLAUSE_SPLIT,
    LAST_CLAUSE_END,
    MARKER_AT,
    drop_markers,
    no_marker_at,
    without_set_phrases,
)
from zhenggai.core.parse import nfkc

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["Kind", "Verdict", "classify", "is_pledge", "may_not_report", "rules_table"]


class Kind(str, Enum):
    """What a measure is."""

    ACTION = "action"  # at least one thing done, a verifiable step, or a quantity of results
    PLEDGE = "pledge"  # attitude, intent or targets only
    DEADLINE = "deadline"  # a pledge whose one concrete element is a deadline
    MEETING = "meeting"  # a pledge whose one concrete element is meetings, bodies, 列入…
    EMPTY = "empty"  # no words at all ("/", "—", blank): another finding's business


class Verdict:
    """A measure's kind and the words that decided it (in reading order, no repeats).

    ``words`` of an action may be read only on first use (``_words`` is then the measure text as
    given, the one ``classify`` was asked about, a ``str`` where words are a tuple: no wrapper object,
    ~0.4 µs less a measure): a validate or merge asks for the words of pledges only, and an
    action proved by a clause's quantity of results (``_counts``) needs no segmentation for its
    kind. Two verdicts are equal when their kind and words are; the words are the same whenever
    they are computed.
    """

    __slots__ = ("_words", "kind")
    kind: Kind
    _words: tuple[str, ...] | str

    def __init__(self, kind: Kind, words: tuple[str, ...] | str = ()) -> None:
        _set_kind(self, kind)  # the slots' own setters: frozen, and cheaper than object.__setattr__
        _set_words(self, words)

    @property
    def words(self) -> tuple[str, ...]:
        """Pledge: the pledge/meeting/deadline words; action: the action evidence."""
        w = self._words
        if isinstance(w, str):
            w = _read(drop_markers(nfkc(w)), _rules()).words
            _set_words(self, w)
        return w

    @property
    def pledge(self) -> bool:
        """True for the three pledge kinds (what the notice calls 表态性措施)."""
        return self.kind in (Kind.PLEDGE, Kind.DEADLINE, Kind.MEETING)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Verdict is frozen: {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return self.kind is other.kind and self.words == other.words

    def __hash__(self) -> int:
        return hash((self.kind, self.words))

    def __repr__(self) -> str:
        return f"Verdict(kind={self.kind!r}, words={self.words!r})"


_ACTION: Final = Kind.ACTION  # a global, read faster than the enum's attribute (~0.1 µs a measure)
_set_kind: Final[Callable[[Verdict, Kind], None]] = Verdict.__dict__["kind"].__set__
_set_words: Final[Callable[[Verdict, object], None]] = Verdict.__dict__["_words"].__set__


@dataclass(frozen=True, slots=True)
class _Rules:
    kinds: dict[str, str]  # word → kind
    quantity: re.Pattern[str]
    meeting_units: frozenset[str]


_KINDS: Final = ("done", "action", "intent", "steer", "attitude", "meeting", "negation", "deadline", "vague")


def rules_table() -> list[tuple[str, tuple[str, ...], str]]:
    """The rules file as (kind, words, why) rows, in file order (README and tests read it)."""
    data = tomllib.loads(resources.files("zhenggai").joinpath("data/measure_rules.toml").read_text("utf-8"))
    return [(r["kind"], tuple(r["words"]), r["why"]) for r in data["rule"]]


@cache
def _rules() -> _Rules:
    data = tomllib.loads(resources.files("zhenggai").joinpath("data/measure_rules.toml").read_text("utf-8"))
    kinds: dict[str, str] = {}
    for kind, words, _ in rules_table():
        assert kind in _KINDS, kind
        for w in words:
            kinds.setdefault(w, kind)  # the first rule naming a word wins
    q = data["quantity"]
    return _Rules(kinds, _quantity_pattern(q["units"]), frozenset(q["meeting_units"]))


_NUMERALS: Final = "〇零一二两三四五六七八九十百千万"


def _quantity_pattern(units: list[str]) -> re.Pattern[str]:
    r"""A figure (arabic after NFKC, or Chinese numerals) right before a unit: "35万元", "三期", "46个".

    The plain pattern is ``(?:\d+(?:\.\d+)?|[numerals]+)(?:多|余)?(?:units, longest first)``. This one
    gives the same matches (tests/test_measures_same.py) at 2/3 of the cost: it begins with one
    character class, so re skips to a figure instead of trying both branches at every character,
    and the branch is the one the first character allows (a digit or a numeral: the look-behind
    reads the character just matched). The units of one character are one class after the longer
    ones: at most one of them matches a character, and a longer unit is still tried first.

    The leading class is ``_FIGURE_LEAD``, not ``[\d…]``: ``\d`` asks Unicode's tables about every
    character re skips (the search cost half as much without it, 1.37 → 0.74 µs on the benchmark's
    measures); the look-behinds still admit only a digit or a numeral, so any superset of both
    gives the same matches."""
    longest = sorted(units, key=len, reverse=True)
    singles = "".join(re.escape(u) for u in longest if len(u) == 1)
    branches = [*(re.escape(u) for u in longest if len(u) > 1), *([f"[{singles}]"] if singles else [])]
    n = _NUMERALS
    return re.compile(rf"{_FIGURE_LEAD}(?:(?<=\d)\d*(?:\.\d+)?|(?<=[{n}])[{n}]*)[多余]?(?:{'|'.join(branches)})")


# Every character ``\d`` matches and every numeral, in a class that re checks from a bitmap: the
# ASCII digits, the numerals, and all but ASCII and U+3000–U+9FFF (CJK punctuation, kana and
# ideographs: fully assigned blocks, no decimal digit among them, and no gap of ten code points
# where Unicode could put a run of 0–9). tests/test_measures_same.py checks every ``\d``.
_FIGURE_LEAD: Final = rf"[0-9{_NUMERALS}\x80-\u2fff\ua000-\U0010ffff]"


@cache
def _tokenizer() -> Callable[[str], list[tuple[str, int, int]]]:
    import rjieba  # ~0.08 s: only when a measure is read

    for word in _rules().kinds:
        if not rjieba.has_word(word):
            rjieba.add_word(word, None, None)

    def tokenize(text: str) -> list[tuple[str, int, int]]:
        # search mode also yields the words inside a long word ("全面完成" → 全面, 完成);
        # no HMM: only dictionary words, the same cut on every machine and run.
        return rjieba.tokenize(text, "search", False)

    return tokenize


_CJK_RE: Final = re.compile(r"[\u4e00-\u9fff]")
@dataclass(slots=True)
class _Clause:
    """What one clause says, read left to right."""

    action: list[str]
    pledge: list[str]
    meeting: list[str]
    deadline: list[str]


def _read_clause(text: str, tokens: list[tuple[str, int, int]], r: _Rules, out: _Clause) -> None:
    kinds = r.kinds
    scoped = steered = negated = future = done = False
    after_negation = False  # the word right after 未: "未完成…" negates the clause, "未履约企业" only a modifier
    for word, _, _ in tokens:
        kind = kinds.get(word)
        if after_negation and (kind is not None or _CJK_RE.match(word)):
            after_negation = False
            negated = kind == "action"
        if kind is None:
            if done and not scoped and not negated and len(word) >= 2 and _CJK_RE.match(word):
                out.action.append(word)  # "已对示范项目…": done, with an object
                done = False
            continue
        if kind == "action":
            if not negated and (done or not (scoped or steered or future)):
                out.action.append(word)
        elif kind == "done":
            done, negated = True, False  # "对长期未运营的站点已予以清退": a fresh statement
        elif kind == "intent":
            if word == "将" and done:
                continue  # "已将…移交": the 把 of a done deed, not a future 将
            scoped, done = True, False
            out.pledge.append(word)
        elif kind in ("steer", "attitude", "meeting"):
            steered = steered or kind == "steer"
            done = False  # "已召开会议" "已高度重视": what was done is the meeting, the attitude
            (out.meeting if kind == "meeting" else out.pledge).append(word)
        elif kind == "negation":
            after_negation = True
            out.pledge.append(word)
        elif kind == "deadline":
            out.deadline.append(word)
            future = future or not done
    if out.action or scoped or negated or future:
        return  # a quantity in a promise ("计划新建站点10个") or a negation counts nothing
    clean = without_set_phrases(text)
    for m in r.quantity.finditer(clean):
        unit = m.group().lstrip(_FIGURE)
        if out.meeting and unit in r.meeting_units:
            continue  # "召开会议3次": a count of meetings, not of results
        out.action.append(m.group())
        return


# The verdicts of the measures that are actions by their first quantity, by that quantity: a
# verdict is frozen and compared by its kind and words, so one made per quantity serves every
# measure it decides (the benchmark's 62,000 such measures have 490 quantities). Making one cost
# ~0.3 µs and an object the garbage collector then walks; a look-up costs ~0.03 µs. Cleared
# when full: a national merge's quantities are a few thousand.
_COUNTED: Final[dict[str, Verdict]] = {}
_COUNTED_MAX: Final = 1 << 14


def _counted(word: str) -> Verdict:
    """``Verdict(ACTION, (word,))``, shared by the measures that this quantity decides."""
    v = _COUNTED.get(word)
    if v is None:
        if len(_COUNTED) >= _COUNTED_MAX:
            _COUNTED.clear()
        v = _COUNTED[word] = Verdict(_ACTION, (word,))
    return v


@lru_cache(maxsize=16384)
def classify(text: str) -> Verdict:
    """The kind of a 整改措施 text and the words that decided it."""
    s = nfkc(text)
    # The first and third characters are the cheap witnesses ("1.补充…"); else look at every one.
    if not (s[:1].isalpha() or s[2:3].isalpha() or any(c.isalpha() for c in s)):
        return Verdict(Kind.EMPTY)
    r = _rules()
    # Whether a blocker occurs is the same before list markers are dropped: no blocker holds a
    # digit, ".、()", a circled number or a space (tests/test_measures_same.py), so none overlaps
    # a marker, and none spans the space put in its place.
    blocked = _blockers().search(s) is not None
    clean = without_set_phrases(s)
    if not blocked:
        q = r.quantity.search(clean)
        if q is not None and (
                "." not in (word := q.group()) or (clean is s and no_marker_at(s, q.start(), word))):
            # Dropping the list markers changes the first quantity only where one holds a marker:
            # "1.5个" is " 5个" once "1." is dropped; a quantity holds no other marker character
            # (tests/test_measures_same.py: the same first quantity). Half the benchmark's
            # measures have markers: not dropping them here saves ~1 µs a measure (and ~2 µs
            # where the first quantity is a decimal, "21.6万元", no marker: 5 % of them).
            return _COUNTED.get(word) or _counted(word)
    elif clean is s and "\r" not in s and (q := r.quantity.search(s)) and _a_clause_counts(s, s, q, r, True):
        # A clause that counts, found before the list markers are dropped (``_a_clause_counts``):
        # most blocked measures of the benchmark are actions so (32 % of all), ~1.3 µs cheaper each.
        return Verdict(_ACTION, text)  # its words read when asked
    s = drop_markers(s)
    clean = without_set_phrases(s)
    q = r.quantity.search(clean)
    if q is not None and not blocked:
        # No intent, negation, deadline or meeting word, not even as a substring (words are made
        # of their characters): nothing can keep a figure from counting, so every segmentation
        # reads this quantity of results as an action. Most measures of a national merge take
        # this path and are not segmented (43 → 29 µs a measure on the benchmark's, benchmarks/README.md).
        return _counted(q.group())
    if "\r" in s:
        return _read(s, r)  # "\r\n" is one token, no clause end: CLAUSE_SPLIT would cut there
    # A clause that counts (``_counts``) holds a figure with its unit, and so does the whole text.
    if q is not None and _a_clause_counts(s, clean, q, r):
        return Verdict(_ACTION, text)  # its words read when asked
    return _read_clauses(s, r, text)


def _read_clauses(s: str, r: _Rules, text: str) -> Verdict:
    """``_read`` of a text none of whose clauses counts, one clause at a time, stopping at the
    first clause that makes ``s`` an action.

    A clause end is a token of its own and no word runs across it (the segmenter cuts only runs
    of letters and digits into words), so a clause segmented alone is cut as in the whole text.
    What ``_read_clause`` reads of the clauses before one never undoes an action: once one is
    found the kind is ACTION, whatever follows, and its words are read only if asked (``Verdict``).
    A pledge reads every clause, as ``_read`` does.
    """
    clause = _Clause([], [], [], [])
    tokenize, kinds = _tokenizer(), r.kinds
    for piece in CLAUSE_SPLIT.split(s):
        if not piece:
            continue
        tokens = _words(tokenize(piece), kinds)
        _read_clause(piece[tokens[0][1]:tokens[-1][2]], tokens, r, clause)
        if clause.action:
            return Verdict(_ACTION, text)  # the measure as given: see Verdict
    return _verdict(clause)


def _a_clause_counts(s: str, clean: str, q: re.Match[str], r: _Rules, marked: bool = False) -> bool:
    """True when a clause of ``s`` counts (``_counts``): the text is then an action, whichever
    clause ``_read_clauses`` would have found first (a clause that counts is an action after any
    clauses before it, and the words of an action are read from the whole text when asked).

    Found from the quantities of the whole text, ``q`` (in ``clean``) the first: no figure or unit
    is a clause end, so the quantities of a clause are those of the text that lie in it. Where set
    phrases were dropped, the positions in ``clean`` are not those in ``s``: clause by clause.

    ``marked``: ``s`` still holds its list markers (and no set phrase); True then says what
    ``s`` with its markers dropped would give, and False only that it is not known. A marker
    holds no clause end, no blocker and no unit, so each clause and each quantity's unit are
    the same once it is dropped; only a clause's first two characters may change
    (``_begins_marked``). tests/test_measures_same.py compares it with the plain reading."""
    if clean is not s:
        return any(_counts(piece, r) for piece in CLAUSE_SPLIT.split(s) if piece)
    units, blockers, has_word, quantity = r.meeting_units, _figure_blockers(), _has_word(), r.quantity
    m: re.Match[str] | None = q
    while m is not None:  # what finditer would give, without finding q again
        if m.group().lstrip(_FIGURE) not in units:
            before, after = LAST_CLAUSE_END.match(s, 0, m.start()), CLAUSE_SPLIT.search(s, m.end())
            a, b = before.end() if before else 0, after.start() if after else len(s)
            if blockers.search(s, a, b) is None and (
                    s[a].isspace() or (_begins_marked(s, a) if marked else has_word(s[a:a + 2]))):
                return True
        m = quantity.search(s, m.end())
    return False


def _begins_marked(s: str, a: int) -> bool:
    """True when the clause of ``s`` (markers not dropped) from ``a`` begins as ``_counts`` needs
    once they are: with the space a marker leaves, or with a dictionary word of two characters
    that no marker touches (a marker at a + 1 would change the second: not known, False)."""
    return MARKER_AT.match(s, a) is not None or (MARKER_AT.match(s, a + 1) is None and _has_word()(s[a:a + 2]))


def _read(s: str, r: _Rules) -> Verdict:
    """The verdict of a measure (normalised, list markers dropped), its clauses read in order."""
    tokens = _words(_tokenizer()(s), r.kinds)
    clause = _Clause([], [], [], [])
    start = 0
    for i, (word, _, _) in enumerate([*tokens, ("。", len(s), len(s))]):
        if word in CLAUSE_END or i == len(tokens):
            if i > start:
                t0, t1 = tokens[start][1], tokens[i - 1][2]
                _read_clause(s[t0:t1], tokens[start:i], r, clause)
            start = i + 1
    return _verdict(clause)


def _verdict(clause: _Clause) -> Verdict:
    if clause.action:
        return Verdict(Kind.ACTION, _unique(clause.action))
    if clause.meeting:
        return Verdict(Kind.MEETING, _unique([*clause.meeting, *clause.pledge]))
    if clause.deadline:
        return Verdict(Kind.DEADLINE, _unique([*clause.pledge, *clause.deadline]))
    return Verdict(Kind.PLEDGE, _unique(clause.pledge))


def _counts(piece: str, r: _Rules) -> bool:
    """True when the clause ``piece`` surely makes its measure an action by a quantity of
    results, told without segmenting it.

    ``_read_clause`` counts a clause's first figure with a unit when the clause holds no intent,
    negation or deadline word, which no substring of it is (``_figure_blockers``); a figure whose
    unit is not a meeting unit counts even after a meeting word, in this clause or an earlier one
    (or an earlier clause was an action already): whatever the clauses before it say, such a
    clause makes its measure an action. What it reads is the clause from its first token to its last:
    the last ends where the clause does, and the first begins where it does when the clause
    begins with a space (a list marker dropped) or with a dictionary word of two characters
    (search mode yields a long word's first two characters first). Else: segment the clause.
    """
    for m in r.quantity.finditer(without_set_phrases(piece)):
        if m.group().lstrip(_FIGURE) not in r.meeting_units:
            break
    else:
        return False
    return _figure_blockers().search(piece) is None and (piece[0].isspace() or _has_word()(piece[:2]))


_FIGURE: Final = "0123456789.〇零一二两三四五六七八九十百千万多余"  # what precedes a quantity's unit


@cache
def _has_word() -> Callable[[str], bool]:
    _tokenizer()  # the rule words are in the dictionary
    import rjieba

    has: Callable[[str], bool] = rjieba.has_word
    return has


def _words(tokens: list[tuple[str, int, int]], kinds: dict[str, str]) -> list[tuple[str, int, int]]:
    """Search-mode tokens without the pieces of a rule word ("整改到位" is vague: its "改到" is no word)."""
    spans = [(a, b) for w, a, b in tokens if b - a > 2 and w in kinds]
    if not spans:
        return tokens
    return [t for t in tokens if not any(a <= t[1] and t[2] <= b and t[2] - t[1] < b - a for a, b in spans)]


def _unique(words: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


@cache
def _blockers() -> re.Pattern[str]:
    """Any intent, negation, deadline or meeting word, as a substring (``classify``, ``may_not_report``)."""
    return _any_of(("intent", "negation", "deadline", "meeting"))


@cache
def _figure_blockers() -> re.Pattern[str]:
    """Any word that keeps a figure from counting in ``_read_clause``: the blockers but the meeting
    words (a meeting word keeps only a count of meetings, a meeting unit, from counting)."""
    return _any_of(("intent", "negation", "deadline"))


def _any_of(kinds: Iterable[str]) -> re.Pattern[str]:
    """A pattern that finds a word of these kinds in a text when there is one (which one it finds
    is not said): a word holding another ("尚未" holds "未", "专题会议" "会议") is left out, as
    the other is there whenever it is; 65 → 50 words, 20 % cheaper to search."""
    wanted = set(kinds)
    words = [w for w, k in _rules().kinds.items() if k in wanted]
    kept = [w for w in words if not any(o != w and o in w for o in words)]
    return re.compile("|".join(map(re.escape, sorted(kept, key=len, reverse=True))))


def warm() -> None:
    """Load the rules, the segmenter and its dictionary now (before a fork: pledges.py)."""
    _rules()
    _blockers()
    _figure_blockers()
    _has_word()


def may_not_report(clause: str) -> bool:
    """False when no intent, negation, deadline or meeting word occurs in ``clause``, even as a
    substring: a figure with its unit there is then a quantity of results, which is what
    ``classify`` says too, without segmenting (checking/quantities.py reads tens of thousands
    of clauses a national merge; most hold none of these words)."""
    return _blockers().search(clause) is not None


def is_pledge(text: str) -> bool:
    """True when a measure is 表态性 (pledge, deadline-only or meeting-only)."""
    return classify(text).pledge


def cue_text(words: tuple[str, ...], limit: int = 6) -> str:
    """The words that made a measure a pledge, for a message: "（“确保”“年底前”）"; "" when none."""
    if not words:
        return ""
    shown = "".join(f"“{w}”" for w in words[:limit])
    return f"（{shown}{'等' if len(words) > limit else ''}）"
