"""Statistics by problem category (问题类别): per category the problems, done, rate, overdue.

The category of a 附件1 row is the feedback list's 问题类别 it was filed under (the
category rows of the issued form, "一、业务建设方面"), as the rollup carries it in its
问题类别 column. The numbering ("一、") is left out of the name so that the same category
numbered differently by two prefectures counts once. Rows without a category count
under 未分类, never dropped: the categories always add up to the rollup's totals.

Overdue is counted as of a given day from each row's 是否完成整改 and 完成时限, the
same way the rollup counts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from zhenggai.core.parse import clean_text, parse_date, parse_yes_no
from zhenggai.core.schema import APPENDIX1
from zhenggai.rollup.frames import problem_groups
from zhenggai.rollup.model import Rollup, RollupItem

if TYPE_CHECKING:
    from zhenggai.forms.feedback_list import FeedbackList

UNCATEGORISED = "未分类"
UNANSWERED = "未填报的反馈问题"  # listed problems no 附件1 row answers (a county that sent nothing: all of its)
_I_DONE, _I_DEADLINE = APPENDIX1.keys.index("done"), APPENDIX1.keys.index("deadline")
_I_PROBLEM = APPENDIX1.keys.index("problem")
_NUMBERING = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十]+[)）、.．]|[（(]?\d+[)）、.．])\s*")


def category_name(raw: str | None) -> str:
    """"一、业务建设方面" → "业务建设方面"; empty → 未分类."""
    text = _NUMBERING.sub("", raw or "").strip()
    return text or UNCATEGORISED


def is_done(item: RollupItem) -> bool:
    """The row's 是否完成整改 reads 是."""
    return parse_yes_no(item.values[_I_DONE]).value is True


def is_overdue(item: RollupItem, as_of: date) -> bool:
    """Open (否) with a 完成时限 before ``as_of``: the rollup's own 逾期 rule."""
    if parse_yes_no(item.values[_I_DONE]).value is not False:
        return False
    when = parse_date(item.values[_I_DEADLINE]).value
    return when is not None and when < as_of


def deadline_text(item: RollupItem) -> str:
    """The row's 完成时限 as written in the rollup (for evidence lines)."""
    when = parse_date(item.values[_I_DEADLINE]).value
    return f"{when.year}年{when.month}月{when.day}日" if when else str(item.values[_I_DEADLINE])


@dataclass(frozen=True, slots=True)
class CategoryRow:
    """One line of the category table: a category (within a 市州 at province level)."""

    category: str
    prefecture: str | None  # None: the whole rollup
    total: int
    done: int
    overdue: int

    @property
    def rate(self) -> float | None:
        """Done / total, None when there is no problem."""
        return self.done / self.total if self.total else None


def official_groups(rollup: Rollup) -> list[tuple[list[RollupItem], bool]]:
    """The problems to count, each with whether it is done.

    For a county with official figures (a feedback list) only the listed problems count,
    as in the overview: a row answering no listed problem (``problem-extra``) or answering
    one a second time (``problem-answered-twice``) is no problem of its own, and a problem
    whose answers disagree (``problem-answers-disagree``, on its first row) is not done.
    The categories then add up to the overview's official 合计, problem by problem.
    """
    official = {(s.prefecture, s.county) for s in rollup.counties if s.official}
    # A county in no total (a province's read-back of a hand-edited rollup keeps its rows to be
    # seen): in no category either, or one paper prints two rates (audit28).
    uncounted = {(s.prefecture, s.county) for s in rollup.counties if not s.counted}
    skip: set[tuple[str, int]] = set()
    disputed: set[tuple[str, int]] = set()
    if official:
        for f in rollup.report.findings():
            if f.row is not None and f.code in ("problem-extra", "problem-answered-twice"):
                skip.add((f.file, f.row))
            elif f.row is not None and f.code == "problem-answers-disagree":
                disputed.add((f.file, f.row))
    out = []
    for group in problem_groups(rollup.items):
        first = group[0]
        at = (first.source_file, first.source_row)
        listed = (first.prefecture, first.county) in official
        if (listed and at in skip) or (first.prefecture, first.county) in uncounted:
            continue
        out.append((group, all(is_done(it) for it in group) and not (listed and at in disputed)))
    return out


def _unanswered(rollup: Rollup, groups: list[tuple[list[RollupItem], bool]], overall: dict[str, list[int]],
                by_prefecture: dict[tuple[str | None, str], list[int]], order: list[str]) -> None:
    """With official figures (a feedback list), the listed problems no row answers count as
    未填报, open: the categories then add up to the overview's official 合计."""
    answered: dict[tuple[str | None, str], int] = {}
    for group, _ in groups:
        key = (group[0].prefecture, group[0].county)
        answered[key] = answered.get(key, 0) + 1
    for s in rollup.counties:
        missing = s.total - answered.get((s.prefecture, s.county), 0) if s.official else 0
        if missing <= 0:
            continue
        if UNANSWERED not in order:
            order.append(UNANSWERED)
        overall.setdefault(UNANSWERED, [0, 0, 0])[0] += missing
        if rollup.province:
            by_prefecture.setdefault((s.prefecture, UNANSWERED), [0, 0, 0])[0] += missing


def category_stats(rollup: Rollup, as_of: date | None = None) -> tuple[list[CategoryRow], list[CategoryRow]]:
    """(rows per category over the whole rollup, rows per 市州 and category at province level).

    Counted per problem (several measure rows of one problem count once: done when all
    are, overdue when one is); with a feedback list, per listed problem (``official_groups``).
    Categories keep the order in which the rollup first lists them; 未分类 comes last. The
    second list is empty for a prefecture rollup.
    """
    day = as_of or rollup.as_of
    order: list[str] = []
    overall: dict[str, list[int]] = {}
    by_prefecture: dict[tuple[str | None, str], list[int]] = {}
    groups = official_groups(rollup)
    for group, done in groups:
        first = group[0]
        name = category_name(next((it.category for it in group if it.category), None))
        if name not in order:
            order.append(name)
        overdue = any(is_overdue(it, day) for it in group)
        counters = [overall.setdefault(name, [0, 0, 0])]
        if rollup.province:
            counters.append(by_prefecture.setdefault((first.prefecture, name), [0, 0, 0]))
        for c in counters:
            c[0] += 1
            c[1] += done
            c[2] += overdue
    _unanswered(rollup, groups, overall, by_prefecture, order)
    order.sort(key=lambda n: (n == UNANSWERED, n == UNCATEGORISED))  # stable: these two last
    rows = [CategoryRow(n, None, *overall[n]) for n in order]
    per_prefecture: list[CategoryRow] = []
    for p in dict.fromkeys(it.prefecture for it in rollup.items) if rollup.province else ():
        per_prefecture += [CategoryRow(n, p, *by_prefecture[(p, n)]) for n in order if (p, n) in by_prefecture]
    return rows, per_prefecture


def fill_categories(rollup: Rollup, feedback: FeedbackList) -> None:
    """Each answered row's 问题类别 from the feedback list (the official classification).

    A county's own category row ("一、业务建设方面") is kept only for a row that answers
    no listed problem: the list decides, so two counties that number or word a category
    differently still count in one. Rows are matched to problems as the coverage check
    matches them (``match_problems``).
    """
    from zhenggai.forms.feedback_list import match_problems

    by_county: dict[tuple[str | None, str], list[RollupItem]] = {}
    for it in rollup.items:
        by_county.setdefault((it.prefecture, it.county), []).append(it)
    for (_, county), items in by_county.items():
        problems = feedback.for_county(county)
        if not problems:
            continue
        groups = problem_groups(items)
        rows = [(i, clean_text(g[0].values[_I_PROBLEM])) for i, g in enumerate(groups)]
        # matched as official counts match them: a problem not done all through may be a piece of one
        open_groups = {i for i, g in enumerate(groups) if not all(is_done(it) for it in g)}
        for gi, (pi, _) in match_problems(rows, problems, open_groups).items():
            category = problems[pi].category
            if category:
                for it in groups[gi]:
                    it.category = category
