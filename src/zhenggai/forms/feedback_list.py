"""The province's feedback list (反馈问题清单): pre-filled forms and proof of full coverage.

The rule of the campaign is 全覆盖、无遗漏: every problem fed back must be answered
in the county's 附件1. The list is read with the same tolerant reader as the county
forms (header found by content, merged county cells, category rows, one sheet per
county). A county's rows are matched to its problems exactly after normalising
whitespace, punctuation and numbering prefixes, then by similarity for text a clerk
reworded (with a warning that shows both texts).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from zhenggai.core.findings import Finding, a1, make
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import clean_text, display
from zhenggai.core.results import FileResult, TableResult

SIMILAR = 0.6  # SequenceMatcher ratio above which a reworded row answers a problem
# One text inside the other counts as a near match (0.9: well above SIMILAR) when the shorter
# holds at least this many characters; shorter fragments ("培训") match too much.
CONTAINED_RATIO, MIN_CONTAINED_CHARS = 0.9, 6
MIN_FRAGMENT_CHARS = 3  # an open row inside one problem's text answers it (match_problems)

_NUMBERING = re.compile(
    r"^(?:问题\s*\d+\s*[:：]?|[（(]?\d+[)）.、．]|[（(]?[一二三四五六七八九十]+[)）、.．]|[①-⑳])\s*"
)
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize_problem(text: str) -> str:
    """Problem text for matching: NFKC, no numbering prefix, no whitespace or punctuation."""
    t = unicodedata.normalize("NFKC", text).strip()
    while True:
        stripped = _NUMBERING.sub("", t, count=1)
        if stripped == t:
            break
        t = stripped
    return _NOISE.sub("", t)


@dataclass(frozen=True, slots=True)
class FeedbackProblem:
    """One problem of the feedback list."""

    county: str
    text: str
    category: str | None
    sheet: str
    row: int

    @property
    def key(self) -> str:
        """Normalised text used for matching."""
        return normalize_problem(self.text)


@dataclass(slots=True)
class FeedbackList:
    """The feedback list: problems per county, in list order, and what reading it found."""

    path: Path
    display: str
    problems: dict[str, list[FeedbackProblem]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def counties(self) -> list[str]:
        """Counties in the order the list names them."""
        return list(self.problems)

    def for_county(self, name: str) -> list[FeedbackProblem] | None:
        """The county's problems; "谷城" finds "谷城县" when that is unambiguous."""
        if name in self.problems:
            return self.problems[name]
        hits = [c for c in self.problems if c.startswith(name) or name.startswith(c)]
        return self.problems[hits[0]] if len(hits) == 1 else None

    @property
    def unusable(self) -> Finding | None:
        """Why the list cannot be used at all (``problems-unreadable``); None when it can (a
        warning such as a hidden old sheet does not make it unusable)."""
        return next((f for f in self.findings if f.code == "problems-unreadable"), None)

    def result(self) -> FileResult:
        """The list as a report entry (its own reading findings)."""
        return FileResult(self.path, self.display, findings=tuple(self.findings), readable=self.unusable is None,
                          skipped=True)


@dataclass(slots=True)
class Coverage:
    """How a county's 附件1 answers its feedback problems."""

    county: str
    answered: int
    total: int


def match_problems(rows: list[tuple[int, str]], problems: list[FeedbackProblem],
                   open_rows: Collection[int] = ()) -> dict[int, tuple[int, bool]]:
    """Row index → (problem index, exact) for every row that answers a problem.

    ``open_rows``: the indexes of rows not marked done. Such a row that matches nothing but
    is a piece of exactly one listed problem's text (three characters or more: "配送时效差" of
    "县级物流配送中心运行不稳定，配送时效差") answers that problem: a county that split a
    problem in two rows, 是 and 否, had it counted done by the 是 half, the 否 half dropped as
    an extra problem (audit28). Only rows not done: a done fragment would finish a problem
    nothing else answers."""
    keys = [p.key for p in problems]
    exact_index: dict[str, int] = {}
    for i, k in enumerate(keys):
        exact_index.setdefault(k, i)
    out: dict[int, tuple[int, bool]] = {}
    for ri, (_, text) in enumerate(rows):
        k = normalize_problem(text)
        if k in exact_index:
            out[ri] = (exact_index[k], True)
            continue
        best, best_ratio = -1, 0.0
        for pi, pk in enumerate(keys):
            if not pk or not k:
                continue
            if k in pk or pk in k:
                ratio = CONTAINED_RATIO if min(len(k), len(pk)) >= MIN_CONTAINED_CHARS else 0.0
            else:
                sm = SequenceMatcher(None, k, pk, autojunk=False)
                if sm.real_quick_ratio() < SIMILAR or sm.quick_ratio() < SIMILAR:
                    continue
                ratio = sm.ratio()
            if ratio > best_ratio:
                best, best_ratio = pi, ratio
        if best >= 0 and best_ratio >= SIMILAR:
            out[ri] = (best, False)
        elif ri in open_rows and len(k) >= MIN_FRAGMENT_CHARS:
            holders = [pi for pi, pk in enumerate(keys) if k in pk]
            if len(holders) == 1:
                out[ri] = (holders[0], False)
    return out


def check_coverage(results: Sequence[FileResult], feedback: FeedbackList) -> tuple[list[FileResult],
                                                                                 dict[str, Coverage]]:
    """The county files with their coverage findings added (new values), and the coverage
    per county checked."""
    coverage: dict[str, Coverage] = {}
    out: list[FileResult] = []
    for f in results:
        found: list[Finding] = []
        for t in f.tables if f.readable else ():
            # Each table's own county: a workbook may hold several counties.
            if t.blank:
                continue
            if t.table.kind == TableKind.APPENDIX2:
                found += _count_mismatches(f.display, t, feedback)
            elif t.table.kind == TableKind.APPENDIX1 and "problem" in t.table.header.cols and t.county:
                found += _table_coverage(f.display, t, feedback, coverage)
        out.append(f.with_findings(found))
    return out, coverage


def _count_mismatches(shown: str, t: TableResult, feedback: FeedbackList) -> list[Finding]:
    """附件2's 反馈问题数 against the number of problems the list gives each county."""
    table = t.table
    cols = table.header.cols
    found: list[Finding] = []
    for name, s in t.counties.items():
        listed = feedback.for_county(name) if name else None
        total = s.numbers.get("total")
        if listed is not None and total is not None and "total" in cols and total != len(listed):
            found.append(make(
                "problem-count-mismatch", file=shown, sheet=table.sheet, cell=a1(s.row, cols["total"]),
                row=s.row, field=table.spec.column("total").header, value=display(total),
                county=name, total=len(listed)))
    return found


def _table_coverage(shown: str, t: TableResult, feedback: FeedbackList,
                    coverage: dict[str, Coverage]) -> list[Finding]:
    """How one county's 附件1 answers its feedback problems: the findings, and its
    ``coverage`` entry."""
    county = t.county
    assert county is not None
    table = t.table
    problems = feedback.for_county(county)
    if problems is None:
        return [make("problem-extra", file=shown, sheet=table.sheet, county=county,
                     value=f"反馈问题清单中没有 {county}")]
    found: list[Finding] = []
    i_problem = table.spec.keys.index("problem")
    # One row per problem: the further measure rows of a merged 问题描述 answer the same one.
    rows = [(it.row, clean_text(it.values[i_problem])) for it in t.items if it.problem == it.row]
    matched = match_problems(rows, problems, _open(t, [row for row, _ in rows]))
    first_row: dict[int, int] = {}
    again: dict[int, list[int]] = {}  # problem index → every row answering it, when more than one
    col = table.header.cols["problem"]
    header = table.spec.column("problem").header
    for ri, (row, text) in enumerate(rows):
        hit = matched.get(ri)
        cell = a1(row, col)
        if hit is None:
            if text:
                found.append(make("problem-extra", file=shown, sheet=table.sheet, cell=cell, row=row,
                                  field=header, value=text, county=county))
            continue
        pi, exact = hit
        p = problems[pi]
        if pi in first_row:
            found.append(make("problem-answered-twice", file=shown, sheet=table.sheet, cell=cell,
                              row=row, field=header, value=text, problem=p.text, other_row=first_row[pi]))
            again.setdefault(pi, [first_row[pi]]).append(row)
            continue
        first_row[pi] = row
        if not exact:
            found.append(make("problem-reworded", file=shown, sheet=table.sheet, cell=cell, row=row,
                              field=header, value=text, problem=p.text))
    found += _answers_disagree(shown, t, {problems[pi].text: rows for pi, rows in again.items()})
    found += [make("problem-unanswered", file=shown, sheet=table.sheet, county=county, problem=p.text, value=p.text)
              for pi, p in enumerate(problems) if pi not in first_row]
    coverage[county] = Coverage(county, len(first_row), len(problems))
    return found


def _answers_disagree(shown: str, t: TableResult, again: dict[str, list[int]]) -> list[Finding]:
    """``problem-answers-disagree`` for a feedback problem answered on several rows that do
    not all say the same in 是否完成整改 (each row with the measures merged under it)."""
    table = t.table
    if "done" not in table.header.cols:
        return []
    state: dict[int, list[bool | None]] = {}
    for it in t.items:
        state.setdefault(it.problem, []).append(it.done)

    def says(row: int) -> str:
        marks = state.get(row, [None])
        return "是" if all(x is True for x in marks) else "否" if any(x is False for x in marks) else "未填"

    found = []
    for problem, rows in again.items():
        answers = [says(r) for r in rows]
        if len(set(answers)) > 1:
            first = rows[0]
            found.append(make("problem-answers-disagree", file=shown, sheet=table.sheet,
                              cell=a1(first, table.header.cols["done"]), row=first,
                              field=table.spec.column("done").header, value=problem, problem=problem,
                              answers="、".join(f"第 {r} 行“{a}”" for r, a in zip(rows, answers, strict=True))))
    return found


def official_tally(t: TableResult, problems: list[FeedbackProblem]) -> tuple[int, int]:
    """(answered, done) of a county's feedback problems by the 附件1 table the rollup uses.

    A problem is done when every row that answers it and every measure row merged under
    its 问题描述 say 是: answered twice, one row 是 and the other 否, it is not done (never
    "the first row wins"; ``problem-answers-disagree`` asks the county which is true). A
    problem no row answers is 未完成: the official denominator is the list, never the rows
    a county chose to fill.
    """
    cols = t.table.header.cols
    if "problem" not in cols or not problems:
        return 0, 0
    i_problem = t.table.spec.keys.index("problem")
    firsts = [it for it in t.items if it.problem == it.row]
    matched = match_problems([(it.row, clean_text(it.values[i_problem])) for it in firsts], problems,
                             _open(t, [it.row for it in firsts]))
    state: dict[int, list[bool | None]] = {}
    for it in t.items:
        state.setdefault(it.problem, []).append(it.done)
    answered: dict[int, list[int]] = {}  # problem index → the rows answering it
    for ri, it in enumerate(firsts):
        hit = matched.get(ri)
        if hit is not None:
            answered.setdefault(hit[0], []).append(it.row)
    done = sum(1 for rows in answered.values() if all(x is True for row in rows for x in state.get(row, [None])))
    return len(answered), done


def _open(t: TableResult, rows: list[int]) -> set[int]:
    """Indexes into ``rows`` (each a problem's first row) of the problems not all marked 是 (the
    measure rows merged under a 问题描述 included)."""
    state: dict[int, list[bool | None]] = {}
    for it in t.items:
        state.setdefault(it.problem, []).append(it.done)
    return {i for i, row in enumerate(rows) if not all(x is True for x in state.get(row, [None]))}
