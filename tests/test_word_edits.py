"""Word tables edited the way clerks edit them (audit 26, class 2): text struck through, and
revisions (审阅→修订) never accepted.

Struck text is deleted, as in a worksheet: "~~8~~10" is 10, never 810. A revision not
accepted is read as its revised text (what Word shows) with a warning; when it changes a
figure, 是/否 or a date, both texts are readings and the cell is in no total (an error).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import zhenggai
from builders import A1_HEADERS, A2_HEADERS, make_docx
from zhenggai import MergeOptions, Options

OPTS = MergeOptions(validate=Options(as_of=date(2022, 7, 15)), prefecture="襄阳市")
A1 = [["1", "公共服务中心运营不足", "县财政安排运营经费50万元，已恢复运营", "是", "2022-06-30", "张三", "县商务局"],
      ["2", "站点存活率偏低", "已完成站点清理", "否", "2022-12-31", "李四", "县商务局"]]
A2 = ["谷城县", "2", "1", "1", "50", "0", "3", "4", "12", "8", "18", "6", ""]


def _reply(path: Path, a1: list[list[Any]] = A1, a2: list[Any] = A2) -> Path:
    return make_docx(path, [
        "附件1", "示范县整改清单", "谷城县商务主管部门（盖章）", [A1_HEADERS, *a1],
        "（联系人：张三  联系电话：13800138000）",
        "附件2", "示范县专项整改成果统计表", "谷城县商务主管部门（盖章）", [A2_HEADERS, a2],
        "（联系人：张三  联系电话：0710-7223456）"])


def _findings(result: Any, *codes: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(f.code, f.sheet, f.cell, f.value) for fr in result.report.files for f in fr.findings if f.code in codes]


def _a2(**cells: Any) -> list[Any]:
    """附件2's row with some cells replaced (by column index as ``c4=…``)."""
    row: list[Any] = list(A2)
    for name, v in cells.items():
        row[int(name[1:])] = v
    return row


def test_struck_figure_in_a_word_cell_is_deleted_not_joined(tmp_path: Path) -> None:
    # ~~8~~10 in 新建改造站点: 10 (was 810), ~~~12~~~ double-struck then 20 in 淘汰站点: 20.
    _reply(tmp_path / "in" / "谷城县.docx", a2=_a2(c9=("", {"runs": [("8", "strike"), ("10", "")]}),
                                                   c8=("", {"runs": [("12", "dstrike"), ("20", "")]})))
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    (stats,) = result.rollup.stats
    assert (stats.values["stations_built"], stats.values["stations_closed"]) == (10, 20)
    assert sorted(_findings(result, "text-struck-through")) == [
        ("text-struck-through", "表格2", "第2行", "1220"), ("text-struck-through", "表格2", "第2行", "810")]
    assert result.rollup.report.errors == 0


def test_a_word_row_struck_through_whole_is_not_data(tmp_path: Path) -> None:
    struck = [("", {"runs": [(str(v), "strike")]}) for v in A1[1]]
    _reply(tmp_path / "in" / "谷城县.docx", a1=[A1[0], struck], a2=_a2(c1="1", c3="0"))
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    (county,) = result.rollup.counties
    assert (county.total, county.done) == (1, 1)
    assert [c for c, *_ in _findings(result, "row-struck-through")] == ["row-struck-through"]


def test_a_revision_that_changes_a_figure_is_in_no_total(tmp_path: Path) -> None:
    _reply(tmp_path / "in" / "谷城县.docx", a2=_a2(c4=("", {"runs": [("50", "del"), ("30", "ins")]})))
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    assert _findings(result, "revision-changes-value", "revision-unaccepted") == [
        ("revision-changes-value", "表格2", "第2行", "30")]
    (stats,) = result.rollup.stats
    assert "county_funds" in stats.unreadable and "修订前为“50”" in stats.reasons["county_funds"]


def test_two_revised_figures_on_one_row_are_both_said(tmp_path: Path) -> None:
    # The second revision's check dropped the first one's error from the row: 县级财政 was left
    # out of the total with nothing saying why.
    _reply(tmp_path / "in" / "谷城县.docx", a2=_a2(c4=("", {"runs": [("50", "del"), ("30", "ins")]}),
                                                   c9=("", {"runs": [("8", "del"), ("9", "ins")]})))
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    assert sorted(_findings(result, "revision-changes-value")) == [
        ("revision-changes-value", "表格2", "第2行", "30"), ("revision-changes-value", "表格2", "第2行", "9")]
    (stats,) = result.rollup.stats
    assert {"county_funds", "stations_built"} <= stats.unreadable


def test_a_revision_of_done_counts_the_problem_neither_done_nor_open(tmp_path: Path) -> None:
    done = ("", {"runs": [("否", "del"), ("是", "ins")]})
    _reply(tmp_path / "in" / "谷城县.docx", a1=[A1[0], [*A1[1][:3], done, *A1[1][4:]]])
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    assert _findings(result, "revision-changes-value") == [("revision-changes-value", "表格1", "第3行", "是")]
    (county,) = result.rollup.counties
    assert (county.done, county.open) == (1, 0)


def test_a_revision_of_text_is_read_as_revised_and_said(tmp_path: Path) -> None:
    measure = ("", {"runs": [("已完成站点清理", ""), ("，撤销站点12个", "ins"), ("，正在推进", "del")]})
    _reply(tmp_path / "in" / "谷城县.docx", a1=[A1[0], [*A1[1][:2], measure, *A1[1][3:]]])
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    (found,) = [f for fr in result.report.files for f in fr.findings if f.code == "revision-unaccepted"]
    assert (found.cell, found.value) == ("第3行", "已完成站点清理，撤销站点12个")
    assert "修订前“已完成站点清理，正在推进”" in found.message
    assert result.rollup.items[1].values[2] == "已完成站点清理，撤销站点12个"


def test_a_row_deleted_by_a_revision_is_an_error_not_a_silent_drop(tmp_path: Path) -> None:
    deleted = [("", {"runs": [(str(v), "del")]}) for v in A1[1]]
    _reply(tmp_path / "in" / "谷城县.docx", a1=[A1[0], deleted])
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    (found,) = [f for fr in result.report.files for f in fr.findings if f.code == "revision-row-deleted"]
    assert (found.severity.value, found.sheet, found.cell) == ("error", "表格1", "第3行")
    assert "站点存活率偏低" in found.message
    assert result.rollup.counties[0].total == 1
