"""What a 整改措施's text is made of before any word of it is read: clause ends, list markers
and set phrases (checking/measures.py reads the words; tests/test_measures_same.py checks the
claims made here against the plain readings)."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["CLAUSE_END", "CLAUSE_SPLIT", "LAST_CLAUSE_END", "MARKER_AT", "SET_PHRASES", "drop_markers",
           "no_marker_at", "without_set_phrases"]

# What ends a clause: each is a token of its own for the segmenter, and no word runs across it.
CLAUSE_END: Final = frozenset("，,；;。！!？?\n：:")

# List markers ("1.", "(2)", "①") count nothing: dropped before looking for quantities (each
# replaced by a space). A marker is one of (issue 19's regex, tests/test_measures_same.py):
#   D: one or two digits and one of ".、)", at the start or after a space or [。;,:!?、];
#   P: "(", one or two digits, ")";  C: a circled number (U+2460–24FF, U+2776–2793).
# No two markers overlap (a D or P never begins inside another: a digit after a digit or "(" is
# no D's first, and ".、)" begin none), so removing them is the same whatever the order they are
# found in. Read backwards, every D and P begins with one of ".、)", the rarest of their
# characters: re skips to it, where read forwards it stops at every digit and asks what precedes
# (the benchmark's measures: 1.9 → 1.1 µs with the two reversals). Without ".、)" only a C can occur.
_SEP: Final = r"\s。;,:!?、"
_CIRCLED: Final = "\u2460-\u24ff\u2776-\u2793"
_MARKER_REVERSED: Final = re.compile(rf"[.、){_CIRCLED}]"  # the last character first; then the P, D or C it ends
                                     rf"(?:(?<=\))\d\d?\(|(?<=[.、)])\d\d?(?![^{_SEP}])|(?<=[{_CIRCLED}]))")
_CIRCLED_RE: Final = re.compile(f"[{_CIRCLED}]")


def no_marker_at(s: str, a: int, word: str) -> bool:
    """True when no list marker begins at ``a``, where the quantity ``word`` with a point begins
    ("21.6万元", "1.5个"): a marker in it would be its first one or two digits and the point, at the
    start of ``s`` or after a separator (one at its second digit would follow a digit)."""
    return word.index(".") > 2 or (a > 0 and not s[a - 1].isspace() and s[a - 1] not in "。;,:!?、")


def drop_markers(s: str) -> str:
    """``s`` with each list marker replaced by a space."""
    if "." in s or "、" in s or ")" in s:
        return _MARKER_REVERSED.sub(" ", s[::-1])[::-1]
    return _CIRCLED_RE.sub(" ", s)


SET_PHRASES: Final = re.compile("进一步|下一步|一步|统一|唯一|逐一|一一|第一|一些|一起|一律|一体|举一反三|一把手|"
                                "一岗双责|三会一课|八项规定|两个维护|两个确立|四个意识|四个自信|五位一体")


def without_set_phrases(text: str) -> str:
    """``text`` without its set phrases (their 一 and 两 are no figures).

    Every set phrase holds 一, 两, 四 or 八 (tests/test_measures_same.py checks it): a text with
    none of them holds no set phrase, and four ``in`` tests are half the cost of the ``sub``
    that would find nothing to drop (86 % of the benchmark's measures)."""
    if "一" in text or "两" in text or "四" in text or "八" in text:
        return SET_PHRASES.sub("", text)
    return text


# A list marker (as _MARKER_REVERSED finds them) beginning where it is matched.
MARKER_AT: Final = re.compile(rf"(?:^|(?<=[{_SEP}]))\d{{1,2}}[.、)]|\(\d{{1,2}}\)|[{_CIRCLED}]")


# From the start of a text to its last clause end (backtracking from the end of the text given).
LAST_CLAUSE_END: Final = re.compile(r"(?s:.*)[" + "".join(sorted(CLAUSE_END)).replace("\n", "\\n") + "]")


# The clause ends of CLAUSE_END, each a token of its own (but "\r\n": see measures.classify).
CLAUSE_SPLIT: Final = re.compile("[" + "".join(sorted(CLAUSE_END)).replace("\n", "\\n") + "]")
