"""Reading the province's feedback list (反馈问题清单) from a workbook.

Kept apart from the list's model and matching (``feedback_list``) so that comparing two
rounds, which only matches texts, does not pull in the file reader. The list is read with
the same tolerant reader as the county forms (header found by content, merged county
cells, category rows, one sheet per county).
"""

from __future__ import annotations

import re
from pathlib import Path

from zhenggai.core.findings import a1, make
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import clean_text, county_from_bureau_line, county_from_filename
from zhenggai.core.schema import PROBLEM_LIST
from zhenggai.forms.feedback_list import FeedbackList, FeedbackProblem, normalize_problem
from zhenggai.forms.tables import build_table, find_header
from zhenggai.intake.reader import Grid, read_book


def _sheet_county(sheet: str, above: list[list[object]], path: Path) -> str | None:
    """For lists laid out one sheet per county: the county from the sheet name or title."""
    m = re.fullmatch(r"\s*([\u4e00-\u9fff]{1,6}?[县市区旗])\s*", sheet)
    if m:
        return m.group(1)
    for row in above:
        for v in row:
            text = clean_text(v)
            if not text:
                continue
            named = county_from_bureau_line(text) if "商务" in text else None
            if named:
                return named
            m = re.match(r"^([\u4e00-\u9fff]{1,6}?[县市区旗])(?!商务)", text)
            if m and not text.startswith(("全省", "全市", "湖北省")):
                return m.group(1)
    return county_from_filename(path)


def _form_instead(grids: list[Grid]) -> tuple[str, str] | None:
    """(sheet, what) when a sheet holds one of the official forms (附件1/附件2), not a list."""
    from zhenggai.core.schema import specs

    for grid in grids:
        found = find_header(grid, specs())
        if found is not None:
            spec, header = found
            # 整改措施 / 是否完成整改 (附件1) or 已完成整改数 (附件2): columns no feedback list has.
            if {"measure", "done"} & set(header.cols) or spec.kind == TableKind.APPENDIX2:
                return grid.name, f"{spec.label}（{spec.title}）"
    return None


# A county cell that says "as above" (WPS users type 同上 or a ditto mark instead of the name).
_DITTO = frozenset({"同上", "同前", "同上县", "〃", "\"", "”", "“", "''", "、、", "々"})
# A note after the name: 谷城县（5个）, 谷城县(含2个新增).
_NOTE = re.compile(r"\s*[（(][^（()）]*[)）]$")


def county_cell(raw: str, above: str) -> tuple[str | None, str]:
    """The county a feedback-list row names (``above``: the row above's), or None and why not.
    Taken verbatim, "同上" and
    "〃" became counties of their own (未报送, and the county above short of its problems) and
    "谷城县（5个）" another county than 谷城县's replies (audit28): the official 反馈问题数 wrong."""
    if not raw and above:
        # Left blank under a county's first problem, as a merged cell would be: the county above
        # (a row with nothing above it still says it has no county).
        return above, ""
    if not raw:
        return None, "的问题不知道属于哪个县（市、区），未计入任何县的反馈问题数"
    if raw.replace(" ", "") in _DITTO:
        if above:
            return above, ""
        return None, f"的县（市、区）写着“{raw}”，上面没有县名可以参照，未计入任何县的反馈问题数"
    name = _NOTE.sub("", raw)
    if not name or any(ch.isdigit() for ch in name):
        return None, f"的县（市、区）“{raw}”不是县名，未计入任何县的反馈问题数"
    return name, ""


def read_feedback_list(path: Path, display_name: str | None = None) -> FeedbackList:
    """Read the feedback list; problems it cannot place become findings, never exceptions."""
    shown = display_name or str(path)
    fl = FeedbackList(path, shown)
    book = read_book(path, shown)
    if book.findings:
        fl.findings.append(make("problems-unreadable", file=shown, reason=book.findings[0].message))
        return fl
    form = _form_instead(book.grids)
    if form is not None:
        # A county's 附件1 has 序号 and 问题描述 too: read as a list, it would give forms
        # for a "county" named after its title (示范县). Say what the file is instead.
        fl.findings.append(make("problems-unreadable", file=shown, sheet=form[0],
                                reason=f"这是{form[1]}，不是省厅下发的反馈问题清单"))
        return fl
    for grid in book.grids:
        found = find_header(grid, (PROBLEM_LIST,))
        if found is None:
            continue
        if grid.hidden:
            # A hidden sheet is most often last version's list kept out of sight: not read,
            # and said, so a list spread over a hidden sheet on purpose is noticed.
            fl.findings.append(make("problem-list-hidden-sheet", file=shown, sheet=grid.name, name=grid.name))
            continue
        spec, header = found
        table = build_table(grid, spec, header)
        keys = spec.keys
        i_county, i_category, i_problem = keys.index("county"), keys.index("category"), keys.index("problem")
        sheet_county = None
        if "county" not in header.cols:
            sheet_county = _sheet_county(grid.name, grid.rows[: header.row], path)
        above = ""  # the county of the row above, for a 同上 / 〃 under it
        for rec in table.records:
            text = clean_text(rec.values[i_problem])
            if not text:
                continue
            raw = clean_text(rec.values[i_county]) if "county" in header.cols else sheet_county or ""
            county, why = county_cell(raw, above)
            if county is None:
                col = header.cols["county" if raw else "problem"]
                fl.findings.append(make("problems-unreadable", file=shown, sheet=grid.name, cell=a1(rec.row, col),
                                        row=rec.row, reason=f"第 {rec.row} 行{why}"))
                continue
            above = county
            category = clean_text(rec.values[i_category]) if "category" in header.cols else ""
            fl.problems.setdefault(county, []).append(
                FeedbackProblem(county, text, category or rec.category, grid.name, rec.row)
            )
    _one_each(fl)
    if not fl.problems and fl.unusable is None:
        # Not even when the only list is on a hidden sheet: a list of no problems is no list.
        hidden = any(f.code == "problem-list-hidden-sheet" for f in fl.findings)
        fl.findings.append(make("problems-unreadable", file=shown, reason=(
            "问题清单只在隐藏的工作表上，请取消隐藏后再用" if hidden else
            "没有找到含“问题描述”列的表格（至少还要有 序号、县（市、区）或 问题类别 之一）")))
    return fl


def _one_each(fl: FeedbackList) -> None:
    """A problem listed twice for one county (an old sheet left beside the new one, a row
    pasted twice) would count twice in the official 反馈问题数: counted once, and an error
    naming both places, for the province to confirm."""
    for county, problems in fl.problems.items():
        seen: dict[str, FeedbackProblem] = {}
        kept: list[FeedbackProblem] = []
        for p in problems:
            key = normalize_problem(p.text)  # as the matching compares: numbering, spaces, punctuation aside
            first = seen.get(key)
            if first is None:
                seen[key] = p
                kept.append(p)
                continue
            fl.findings.append(make("problem-list-duplicate", file=fl.display, sheet=p.sheet, row=p.row,
                                    value=p.text, county=county, problem=p.text,
                                    first=f"工作表“{first.sheet}”第 {first.row} 行",
                                    second=f"工作表“{p.sheet}”第 {p.row} 行"))
        fl.problems[county] = kept


# --- coverage ---------------------------------------------------------------------------
