"""是 in 是否完成整改 while the 整改措施 says the work is not finished (audit28): an error."""

from __future__ import annotations

from pathlib import Path

import pytest

import zhenggai
from builders import GOOD_ROWS, appendix1_rows, make_workbook
from zhenggai import Options
from zhenggai.checking.done_text import says_not_done


@pytest.mark.parametrize(("measure", "words"), [
    ("该问题尚未完成整改，正在施工", "正在施工"),
    ("目前仍未整改到位", "仍未整改"),
    ("已完成招标，但仍未完成建设", "仍未完成"),
    ("整改尚未完成，预计年底前完成", "整改尚未"),
    ("此前尚未完成，现已全部完成", None),  # the last word says done
    ("对未完成整改的站点已全部清退", None),  # a kind of site, not this problem
    ("正在整改中，已完成60%", "正在整改"),  # progress, not completion
    ("已完成整改，新建站点5个", None),
    ("投入30万元恢复运营", None),
    (None, None),
])
def test_what_a_measure_last_says_of_completion(measure: str | None, words: str | None) -> None:
    assert says_not_done(measure) == words


def test_done_while_the_measure_says_not_done_is_an_error(tmp_path: Path) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    done = next(i for i, r in enumerate(rows) if r[3] == "是")
    rows[done][2] = "该问题尚未完成整改，目前正在施工"
    make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    report = zhenggai.validate([tmp_path / "谷城县.xlsx"], Options()).report
    found = [f for f in report.findings() if f.code == "done-contradicted"]
    assert [(f.cell, f.severity.value) for f in found] == [(f"D{5 + done}", "error")]
    assert "“正在施工”" in found[0].message and "完成率暂按“是”计" in found[0].message



def _phrases(parsed: object) -> set[str]:
    """Every string a pattern of literals, alternatives, groups and optional parts matches."""
    from re import _constants as c  # type: ignore[attr-defined]

    out = {""}
    for op, arg in parsed:  # type: ignore[attr-defined]
        if op is c.LITERAL:
            alts = {chr(arg)}
        elif op is c.BRANCH:
            alts = set().union(*(_phrases(b) for b in arg[1]))
        elif op is c.SUBPATTERN:
            alts = _phrases(arg[-1])
        elif op is c.MAX_REPEAT and arg[:2] == (0, 1):
            alts = {"", *_phrases(arg[2])}
        else:
            raise AssertionError(f"not expanded: {op}")
        out = {a + b for a in out for b in alts}
    return out


def test_the_quick_look_lets_through_every_not_done_phrase() -> None:
    # says_not_done reads only the texts _may_say_not_done lets through (a speed-up): every
    # phrase the pattern can match must get through, or a 是 contradicted by its measure
    # would pass without its error.
    from re import _parser  # type: ignore[attr-defined]

    from zhenggai.checking.done_text import _NOT_DONE, _may_say_not_done

    phrases = _phrases(_parser.parse(_NOT_DONE.pattern))
    assert len(phrases) > 50 and "正在施工" in phrases and "整改尚未" in phrases
    for phrase in phrases:
        assert _NOT_DONE.fullmatch(phrase)
        assert _may_say_not_done(f"存在问题，{phrase}。"), phrase
