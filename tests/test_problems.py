"""The feedback list: pre-filled forms and proof that every problem was answered."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import zhenggai
from builders import HEADER_ROW, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import MergeOptions, Options
from zhenggai.cli.app import app
from zhenggai.forms.feedback_list import normalize_problem
from zhenggai.forms.feedback_reader import read_feedback_list

AS_OF = date(2022, 9, 1)
LIST = [
    ["湖北省电子商务进农村综合示范县反馈问题清单"],
    [],
    ["序号", "县（市、区）", "问题类别", "问题描述"],
    [1, "谷城县", "业务建设方面", "县级电商公共服务中心停止运营"],
    [2, None, "业务建设方面", "快递企业整合不够，物流配送体系不健全"],
    [3, None, "资金管理方面", "资金执行进度较慢"],
    [4, "保康县", "业务建设方面", "村级服务站点存活率偏低"],
]


@pytest.fixture
def feedback(tmp_path: Path) -> Path:
    # 谷城县 is merged down rows 4-6, as provinces lay their lists out.
    return make_workbook(tmp_path / "反馈问题清单.xlsx", {"清单": LIST}, merges={"清单": ["B4:B6"]})


def test_reads_the_list_with_merged_county_cells(feedback: Path) -> None:
    fl = read_feedback_list(feedback)
    assert fl.findings == []
    assert {c: [p.text for p in ps] for c, ps in fl.problems.items()} == {
        "谷城县": ["县级电商公共服务中心停止运营", "快递企业整合不够，物流配送体系不健全", "资金执行进度较慢"],
        "保康县": ["村级服务站点存活率偏低"],
    }
    assert [p.category for p in fl.problems["谷城县"]] == ["业务建设方面", "业务建设方面", "资金管理方面"]


@pytest.mark.parametrize(("under", "name"), [
    (None, "谷城县"),  # blank under the county, not merged: as a merged cell reads
    ("同上", "谷城县"), ("〃", "谷城县"), ("”", "谷城县"),  # "as above", as WPS users type it
])
def test_a_county_cell_saying_as_above_is_the_county_above(tmp_path: Path, under: str | None, name: str) -> None:
    # "同上" and "〃" were counties of their own (未报送), 谷城县's 反馈问题数 1 for 3 (audit28).
    rows = [r[:] for r in LIST]
    rows[4][1] = rows[5][1] = under
    fl = read_feedback_list(make_workbook(tmp_path / "清单.xlsx", {"清单": rows}))
    assert fl.findings == []
    assert {c: len(ps) for c, ps in fl.problems.items()} == {name: 3, "保康县": 1}


def test_a_note_after_the_county_is_not_part_of_its_name(tmp_path: Path) -> None:
    # "谷城县（3个）" was a county other than 谷城县's replies: its problems twice in the totals.
    rows = [r[:] for r in LIST]
    rows[3][1], rows[6][1] = "谷城县（3个）", "保康县(1个)"
    fl = read_feedback_list(make_workbook(tmp_path / "清单.xlsx", {"清单": rows}, merges={"清单": ["B4:B6"]}))
    assert {c: len(ps) for c, ps in fl.problems.items()} == {"谷城县": 3, "保康县": 1}


@pytest.mark.parametrize(("first", "why"), [("同上", "上面没有县名可以参照"), ("3个", "不是县名")])
def test_a_county_cell_that_names_no_county_is_a_finding(tmp_path: Path, first: str, why: str) -> None:
    rows = [r[:] for r in LIST]
    rows[3][1] = first
    fl = read_feedback_list(make_workbook(tmp_path / "清单.xlsx", {"清单": rows}, merges={"清单": ["B4:B6"]}))
    assert [f.code for f in fl.findings] == ["problems-unreadable"] * 3  # the merged cell's three rows
    assert why in fl.findings[0].message and "未计入任何县的反馈问题数" in fl.findings[0].message
    assert {c: len(ps) for c, ps in fl.problems.items()} == {"保康县": 1}  # never a county named 同上


def test_list_laid_out_one_sheet_per_county(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "清单.xlsx", {
        "谷城县": [["谷城县反馈问题清单"], ["序号", "问题描述"], [1, "问题甲"], [2, "问题乙"]],
        "Sheet2": [["保康县商务主管部门"], ["序号", "问题描述"], ["一、业务建设"], [1, "问题丙"]],
    }, merges={"Sheet2": ["A3:B3"]})
    fl = read_feedback_list(path)
    assert {c: [(p.category, p.text) for p in ps] for c, ps in fl.problems.items()} == {
        "谷城县": [(None, "问题甲"), (None, "问题乙")],
        "保康县": [("一、业务建设", "问题丙")],
    }


def test_a_hidden_old_sheet_is_not_read_and_a_problem_listed_twice_counts_once(tmp_path: Path,
                                                                             runner: CliRunner) -> None:
    # The official 反馈问题数 comes from this list: a hidden old version or a problem listed
    # on two sheets counted twice (5 or 6 problems where the province listed 3), and the
    # errors then blamed the county (problem-unanswered, problem-count-mismatch).
    path = make_workbook(tmp_path / "清单.xlsx", {
        "旧版": [["序号", "县（市、区）", "问题描述"], [1, "谷城县", "旧的问题"]],
        "新版": LIST,
        "补充": [["序号", "县（市、区）", "问题描述"], [1, "谷城县", "资金执行进度较慢。"]],
    }, merges={"新版": ["B4:B6"]})
    wb = openpyxl.load_workbook(path)
    wb["旧版"].sheet_state = "hidden"
    wb.save(path)
    fl = read_feedback_list(path)
    assert [p.text for p in fl.problems["谷城县"]] == [
        "县级电商公共服务中心停止运营", "快递企业整合不够，物流配送体系不健全", "资金执行进度较慢"]
    assert [(f.code, f.severity.value, f.sheet) for f in fl.findings] == [
        ("problem-list-hidden-sheet", "warning", "旧版"), ("problem-list-duplicate", "error", "补充")]
    assert "（工作表“新版”第 6 行、工作表“补充”第 2 行）" in fl.findings[1].message
    # A list that is only on a hidden sheet is no list (it read as a usable list of 0 problems).
    only = make_workbook(tmp_path / "只有隐藏.xlsx", {
        "旧版": [["序号", "县（市、区）", "问题描述"], [1, "谷城县", "问题甲"]], "说明": [["本清单见另一工作表"]]})
    wb = openpyxl.load_workbook(only)
    wb["旧版"].sheet_state = "hidden"
    wb.save(only)
    hidden = read_feedback_list(only)
    assert hidden.problems == {} and hidden.unusable is not None and not hidden.result().readable
    assert "只在隐藏的工作表上" in hidden.unusable.message
    # Still a usable list: init-county pre-fills from it (a warning or a duplicate is no refusal).
    result = runner.invoke(app, ["init-county", "--problems", str(path), "--county", "谷城县", "-o",
                                 str(tmp_path / "下发")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"not a workbook", "无法读取"), (None, "没有找到含“问题描述”列的表格")],
)
def test_unreadable_list_is_a_finding(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / "清单.xlsx"
    if content is None:
        make_workbook(path, {"s": [["a", "b"], [1, 2]]})
    else:
        path.write_bytes(content)
    fl = read_feedback_list(path)
    assert [f.code for f in fl.findings] == ["problems-unreadable"]
    assert reason in fl.findings[0].message


def test_normalize_ignores_numbering_spaces_and_punctuation() -> None:
    assert normalize_problem("1. 资金执行进度较慢。") == normalize_problem("（一）资金执行 进度较慢")
    assert normalize_problem("问题3：资金执行进度较慢") == "资金执行进度较慢"


def test_init_county_prefills_one_county(feedback: Path, tmp_path: Path) -> None:
    out = tmp_path / "下发"
    res = CliRunner().invoke(app, ["init-county", "--problems", str(feedback), "--county", "谷城县", "-o", str(out)])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out / "谷城县-附件1-示范县整改清单.xlsx").worksheets[0]
    assert [ws.cell(r, 1).value for r in range(5, 10)] == ["业务建设方面", 1, 2, "资金管理方面", 3]
    assert ws["B6"].value == "县级电商公共服务中心停止运营"
    assert ws["B9"].value == "资金执行进度较慢"
    assert {"A5:G5", "A8:G8"} <= {str(r) for r in ws.merged_cells.ranges}
    ws2 = openpyxl.load_workbook(out / "谷城县-附件2-示范县专项整改成果统计表.xlsx").worksheets[0]
    assert (ws2["A5"].value, ws2["B5"].value) == ("谷城县", 3)


def test_init_county_all_counties(feedback: Path, tmp_path: Path) -> None:
    out = tmp_path / "下发"
    res = CliRunner().invoke(app, ["init-county", "--problems", str(feedback), "--all", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "谷城县-附件1-示范县整改清单.xlsx", "谷城县-附件2-示范县专项整改成果统计表.xlsx",
        "保康县-附件1-示范县整改清单.xlsx", "保康县-附件2-示范县专项整改成果统计表.xlsx",
    ])
    bad = CliRunner().invoke(app, ["init-county", "--problems", str(feedback), "--county", "武汉市", "-o", str(out)])
    assert bad.exit_code == 2 and "没有“武汉市”" in bad.stderr


def _fill(path: Path, answers: dict[int, list[object]]) -> None:
    """Fill the pre-filled 附件1 the way a clerk does: columns C-G of the given rows."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for row, values in answers.items():
        for c, v in enumerate(values, start=3):
            ws.cell(row, c).value = v
    ws.cell(ws.max_row, 1).value = "（联系人：张三  联系电话：13800138000）"
    wb.save(path)


def test_round_trip_prefill_fill_validate(feedback: Path, tmp_path: Path) -> None:
    out = tmp_path / "下发"
    CliRunner().invoke(app, ["init-county", "--problems", str(feedback), "--county", "谷城县", "-o", str(out)])
    a1 = out / "谷城县-附件1-示范县整改清单.xlsx"
    a2 = out / "谷城县-附件2-示范县专项整改成果统计表.xlsx"
    answer = ["投入30万元恢复运营", "是", datetime(2022, 6, 30), "李四", "县商务局"]
    _fill(a1, {6: answer, 7: answer, 9: ["已支付资金120万元", "否", datetime(2022, 12, 31), "王五", "县财政局"]})
    wb = openpyxl.load_workbook(a2)
    ws = wb.worksheets[0]
    for c, v in enumerate([2, 1, 30, 0, 1, 2, 0, 3, 5, 1], start=3):
        ws.cell(5, c).value = v
    ws.cell(7, 1).value = "（联系人：张三  联系电话：0710-7223456）"
    wb.save(a2)
    report = zhenggai.validate([out], Options(as_of=AS_OF), problems=feedback).report
    assert report.flatten(("cell", "code")) == []
    assert report.errors == 0 and report.warnings == 0


def _county(tmp_path: Path, rows: list[list[object]]) -> Path:
    return make_workbook(tmp_path / "in" / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows)})


ROW = ["投入30万元", "是", "2022-06-30", "李四", "县商务局"]


def test_exact_reworded_missing_and_extra(feedback: Path, tmp_path: Path) -> None:
    _county(tmp_path, [
        [1, "一、县级电商公共服务中心停止运营。", *ROW],          # exact after numbering/punctuation
        [2, "快递企业整合不够，县乡村物流配送体系不健全", *ROW],   # reworded
        [3, "站点培训不够", *ROW],                                 # in no list
    ])
    report = zhenggai.validate([tmp_path / "in"], Options(as_of=AS_OF), problems=feedback).report
    got = [(f.cell, f.code) for f in report.findings() if f.code.startswith("problem")]
    assert got == [(None, "problem-unanswered"), ("B6", "problem-reworded"), ("B7", "problem-extra")]
    unanswered = next(f for f in report.findings() if f.code == "problem-unanswered")
    assert "反馈问题未整改" in unanswered.message and "资金执行进度较慢" in unanswered.message
    reworded = next(f for f in report.findings() if f.code == "problem-reworded")
    assert "物流配送体系不健全" in reworded.message and "县乡村物流配送体系不健全" in reworded.message


def test_problem_answered_twice_and_count_mismatch(feedback: Path, tmp_path: Path) -> None:
    _county(tmp_path, [
        [1, "县级电商公共服务中心停止运营", *ROW],
        [2, "县级电商公共服务中心停止运营问题", *ROW],
        [3, "快递企业整合不够，物流配送体系不健全", *ROW],
        [4, "资金执行进度较慢", *ROW],
    ])
    make_workbook(tmp_path / "in" / "谷城县-附件2.xlsx",
                  {"附件2": appendix2_rows(["谷城县", 4, 4, 0, 30, 0, 4, 3, 0, 5, 12, 2, None])})
    report = zhenggai.validate([tmp_path / "in"], Options(as_of=AS_OF), problems=feedback).report
    got = sorted((f.cell or "", f.code) for f in report.findings() if f.code.startswith("problem"))
    assert got == [("B5", "problem-count-mismatch"), ("B6", "problem-answered-twice")]


OPEN = ["计划投入30万元", "否", "2022-12-31", "李四", "县商务局"]


@pytest.mark.parametrize(("first", "second", "done"), [(ROW, OPEN, 1), (OPEN, ROW, 1), (ROW, ROW, 2)])
def test_a_problem_answered_twice_is_done_only_when_every_answer_says_so(
        feedback: Path, tmp_path: Path, first: list[object], second: list[object], done: int) -> None:
    # Never "the first row wins": one row 是 and another 否 for the same feedback problem is
    # an error and the problem is not done (1 of 3, the rate 33.3 %, in either order).
    _county(tmp_path, [
        [1, "县级电商公共服务中心停止运营", *first],
        [2, "县级电商公共服务中心停止运营", *second],
        [3, "快递企业整合不够，物流配送体系不健全", *ROW],
    ])
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([tmp_path / "in"], MergeOptions(validate=Options(as_of=AS_OF)), out, problems=feedback)
    county = next(c for c in result.rollup.counties if c.county == "谷城县")
    assert (county.total, county.done) == (3, done)
    disagree = [f for f in result.rollup.report.findings() if f.code == "problem-answers-disagree"]
    if done == 1:
        assert [(f.cell, f.severity.value) for f in disagree] == [("D5", "error")]
        assert "第 5 行“" in disagree[0].message and "第 6 行“" in disagree[0].message
    else:
        assert disagree == []
    checked = zhenggai.validate([tmp_path / "in"], Options(as_of=AS_OF), problems=feedback).report
    assert len([f for f in checked.findings() if f.code == "problem-answers-disagree"]) == len(disagree)


def test_merge_reports_coverage_and_every_unanswered_problem(feedback: Path, tmp_path: Path) -> None:
    _county(tmp_path, [[1, "县级电商公共服务中心停止运营", *ROW]])
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([tmp_path / "in"], MergeOptions(validate=Options(as_of=AS_OF)), out, problems=feedback)
    cov = {c.county: (c.status.label, c.coverage) for c in result.rollup.counties}
    assert cov == {"谷城县": ("缺附件2", (1, 3)), "保康县": ("未报送", (0, 1))}
    ws = openpyxl.load_workbook(out)["核对底稿"]  # a working figure: not on the stamped overview
    header = [str(c.value or "").replace("\n", "") for c in ws[HEADER_ROW + 1]]
    col = header.index("反馈问题覆盖") + 1
    assert ws.cell(HEADER_ROW + 2, 1).value == "谷城县" and ws.cell(HEADER_ROW + 2, col).value == "1/3"
    problems = openpyxl.load_workbook(out)["校验问题"]
    rows = problems.iter_rows(min_row=HEADER_ROW + 2, values_only=True)
    unanswered = [r[6] for r in rows if r[7] == "problem-unanswered"]
    assert len(unanswered) == 2
    res = CliRunner().invoke(app, ["merge", str(tmp_path / "in"), "-o", str(tmp_path / "j.xlsx"), "--problems",
                                   str(feedback), "--as-of", "2022-09-01", "--format", "json"])
    data = json.loads(res.stdout)
    assert [c["coverage"] for c in data["counties"]] == [{"answered": 1, "total": 3}, {"answered": 0, "total": 1}]


def test_a_problem_split_in_two_rows_is_done_only_when_both_are(feedback: Path, tmp_path: Path) -> None:
    # "快递企业整合不够" 是 and its other half "物流配送体系不健全" 否 under its own row: the 否
    # half matched nothing (problem-extra, left out), the problem counted done (audit28).
    _county(tmp_path, [
        [1, "县级电商公共服务中心停止运营", *ROW],
        [2, "快递企业整合不够", *ROW],
        ["", "物流配送体系不健全", *OPEN],
        [3, "资金执行进度较慢", *ROW],
        [4, "站点负责人培训", *OPEN],  # a piece of no listed problem: the county's own addition
    ])
    result = zhenggai.merge([tmp_path / "in"], MergeOptions(validate=Options(as_of=AS_OF)), tmp_path / "汇总.xlsx",
                            problems=feedback)
    county = next(c for c in result.rollup.counties if c.county == "谷城县")
    assert (county.total, county.done) == (3, 2)  # not 3 of 3
    codes = sorted((f.cell or "", f.code) for f in result.rollup.report.findings() if f.code.startswith("problem"))
    assert ("D6", "problem-answers-disagree") in codes and ("B9", "problem-extra") in codes
    assert ("B7", "problem-extra") not in codes


def test_a_done_piece_of_a_problem_does_not_answer_it(feedback: Path, tmp_path: Path) -> None:
    # only an open row is read as a short piece of a problem: a done piece would finish it alone
    _county(tmp_path, [[1, "县级电商公共服务中心停止运营", *ROW], [2, "配送体系", *ROW]])
    result = zhenggai.merge([tmp_path / "in"], MergeOptions(validate=Options(as_of=AS_OF)), tmp_path / "汇总.xlsx",
                            problems=feedback)
    county = next(c for c in result.rollup.counties if c.county == "谷城县")
    assert (county.total, county.done) == (3, 1)
    assert "problem-extra" in [f.code for f in result.rollup.report.findings()]
