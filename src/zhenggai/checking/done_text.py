"""是否完成整改 against what the 整改措施 says of it.

A row marked 是 whose measure ends by saying the work is not finished ("该问题尚未完成整改，
正在施工", "目前仍未整改到位") counted as done, with no finding (audit28): the county's 完成率
and the 情况报告 said 100 %. The two cells are the clerk's two statements of one fact; which
is true is the county's to say (``done-contradicted``, an error on the 是 cell).

Only the text's last word on completion counts: "此前尚未完成，现已全部完成" is done, "已完成
招标，但仍未完成建设" is not. A negation that qualifies a noun ("对未完成整改的站点已全部清退")
says nothing of this problem.
"""

from __future__ import annotations

import re
from typing import Final

from zhenggai.core.parse import nfkc

# Said of the work itself: not finished (尚未/仍未/还未/暂未 完成, 未整改到位, 正在整改) …
_NOT_DONE: Final = re.compile(
    r"(?:尚未|仍未|还未|暂未|未能|没有|尚没有|还没有)(?:全部|完全|彻底)?(?:完成|整改|到位|办结|验收|落实到位)"
    r"|未(?:完成整改|整改到位|整改完成|全部完成|彻底整改)"
    r"|(?:正在|仍在|尚在|还在)(?:整改|施工|建设|推进整改)"
    r"|整改(?:尚未|仍未|还未)"
)
# … or finished (已完成, 已整改到位, 整改完毕; not "未整改到位", whose 整改到位 is negated;
# "已完成60%" / "已完成3个" is progress, not completion).
_DONE: Final = re.compile(r"(?:已(?:全部|基本)?(?:完成|整改到位|整改完毕|办结|验收)"
                          r"|(?<![未没不])整改(?:完毕|到位|完成)(?!的)|已经完成)(?![\d.%％])")


def _may_say_not_done(text: str) -> bool:
    """False when no phrase of ``_NOT_DONE`` can occur in ``text``: each holds 未 or 没, or
    is one of 正在/仍在/尚在/还在 (a bare 在 is everywhere: 存在, 在城关镇). Most measures end
    here for ~0.2 µs; tests/test_done_text.py checks the claim against the pattern. The four
    words of a 在 are one character class (36 % of the benchmark's measures hold a 在: 100,000
    measures 48 → 30 ms, against ``any`` over the four)."""
    return "未" in text or "没" in text or ("在" in text and _STILL(text) is not None)


_STILL: Final = re.compile("[正仍尚还]在").search  # 正在, 仍在, 尚在, 还在


def says_not_done(measure: object) -> str | None:
    """The words with which ``measure`` last says the work is not finished, or None when its
    last word on completion says it is (or it says nothing of it)."""
    if not isinstance(measure, str) or not _may_say_not_done(measure):
        return None
    text = nfkc(measure)
    last_no = None
    for m in _NOT_DONE.finditer(text):
        if text[m.end():m.end() + 1] != "的":  # 未完成整改的站点: a kind of site, not this problem
            last_no = m
    if last_no is None:
        return None
    last_yes = max((m.start() for m in _DONE.finditer(text)), default=-1)
    if last_yes >= last_no.end():
        return None
    return last_no.group()
