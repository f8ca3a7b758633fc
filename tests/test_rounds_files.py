"""Two rounds built as county workbooks: merge --previous and diff, the 进展对比 sheet reopened."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from typer.testing import CliRunner

import zhenggai
import zhenggai.api.report
from builders import HEADER_ROW, Row, appendix1_rows, appendix2_rows, make_workbook
from programs import run_zhenggai
from zhenggai import MergeOptions, Options, diff
from zhenggai.cli.app import app

AS_OF = ["--as-of", "2022-10-15"]
P = ["县级电商公共服务中心停止运营", "快递企业整合不够", "村级站点无人值守", "培训流于形式", "资金使用不规范",
     "资产台账不全"]
MEASURE_3 = "淘汰站点6个"

ROUND1: list[Row] = [
    [1, P[0], "县财政安排30万元购买服务，恢复运营", "否", "2022-09-30", "李四", "县商务局"],
    [2, P[1], "新整合快递企业3家", "是", "2022-06-30", "王五", "县邮政分公司"],
    [3, P[2], MEASURE_3, "否", "2022-10-31", "赵六", "县商务局"],
    [4, P[3], "优化培训课程8个", "否", "2022-12-31", "赵六", "县商务局"],
    [5, P[4], "追回企业资金12.5万元", "否", "2022-12-31", "钱七", "县财政局"],
]
ROUND2: list[Row] = [
    [1, P[0], "县财政安排30万元购买服务，2022年9月恢复运营", "是", "2022-09-30", "李四", "县商务局"],  # finished
    [2, P[1], "新整合快递企业3家", "否", "2022-11-30", "王五", "县邮政分公司"],  # reopened
    [3, P[2], MEASURE_3 + "，进一步加强管理", "否", "2022-11-30", "赵六", "县商务局"],  # postponed, pledge words
    [4, P[3], "优化培训课程8个", "否", "2022-12-31", "赵六", "县商务局"],  # measure unchanged
    [5, P[5], "建立台账，登记资产120项", "否", "2022-12-31", "钱七", "县财政局"],  # P[4] gone, P[5] new
]
A2_ROUND1: Row = ["谷城县", 5, 1, 4, 30, 12.5, 4, 3, 6, 0, 12, 8, None]
A2_ROUND2: Row = ["谷城县", 5, 1, 4, 20, 12.5, 4, 3, 6, 0, 12, 8, None]  # 县级财政安排经费 30 → 20


def county_reply(folder: Path, county: str, rows: list[Row], a2: Row) -> None:
    make_workbook(folder / f"{county}-附件1.xlsx", {"附件1": appendix1_rows(rows, county=county)})
    make_workbook(folder / f"{county}-附件2.xlsx", {"附件2": appendix2_rows(a2, county=county)})


@pytest.fixture
def two_rounds(tmp_path: Path) -> tuple[Path, Path]:
    r1, r2 = tmp_path / "第一轮", tmp_path / "第二轮"
    county_reply(r1, "谷城县", ROUND1, A2_ROUND1)
    county_reply(r1, "保康县", [[1, "超范围列支中央财政资金", "归垫资金86.5万元", "是", "2022-05-20", "陈志强",
                                 "县商务局"]], ["保康县", 1, 1, 0, 0, 86.5, 0, 0, 0, 0, 0, 0, None])
    county_reply(r2, "谷城县", ROUND2, A2_ROUND2)  # 保康县 is silent in round 2
    return r1, r2


EXPECTED_ROWS = [
    ("谷城县　报送 已报送 → 已报送　完成率 20.0% → 20.0%　新完成 1　重新打开 1　完成时限推迟 1"
     "　措施未更新 2　问题缺失 1　新增问题 1　指标减少 1", None, None, None, None, None, None, None),
    ("谷城县", 1, P[0], "新完成", "否", "是", "提示", "上次报送时未完成，本次已完成整改"),
    ("谷城县", 2, P[1], "重新打开", "是", "否", "错误", "上次报送时已完成整改，本次改为未完成：请说明原因，或改回“是”"),
    # Dates on paper are written one way, 2022年7月15日, in cells and messages alike.
    ("谷城县", 3, P[2], "完成时限推迟", "2022年10月31日", "2022年11月30日", "警告",
     "完成时限由 2022年10月31日 推迟到 2022年11月30日"),
    ("谷城县", 3, P[2], "只增加表态", MEASURE_3, MEASURE_3 + "，进一步加强管理", "警告",
     "问题仍未完成，整改措施与上次相比只多了表态性文字“进一步加强管理”，没有新的具体进展"),
    ("谷城县", 4, P[3], "措施未更新", "优化培训课程8个", "优化培训课程8个", "警告",
     "问题仍未完成，整改措施与上次报送一字未改，没有报告新的进展"),
    ("谷城县", 5, P[4], "问题缺失", "否", "（无）", "错误",
     "上次报送的问题“资金使用不规范”（序号 5，上次第 9 行）"
     "本次没有了：问题不能从整改清单中删除"),
    ("谷城县", 5, P[5], "新增问题", "（无）", "否", "警告",
     "此问题上次报送中没有（如是改写了问题描述，请与上次保持一致）"),
    ("谷城县", None, "附件2「县级财政安排经费（万元）」", "累计指标减少", "30", "20", "警告",
     "「县级财政安排经费（万元）」是累计数，本次 20 比上次 30 少：请核实"),
    ("保康县　报送 已报送 → 未报送　完成率 100.0% → —　无变化", None, None, None, None, None, None, None),
    ("合计 2 个县（市、区）　新完成 1　重新打开 1　完成时限推迟 1　措施未更新 2　问题缺失 1　新增问题 1　指标减少 1",
     None, None, None, None, None, None, None),
]


def sheet_rows(path: Path) -> list[tuple[object, ...]]:
    """The table under the header, down to its 合计 line (the 联系人 line follows in a rollup)."""
    ws = openpyxl.load_workbook(path)["进展对比"]
    rows = [tuple(r) for r in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True)]
    end = next(i for i, r in enumerate(rows) if any(str(v).startswith("合计 ") for v in r))
    return rows[:end + 1]


def round_findings(report_files: list[dict[str, object]]) -> list[tuple[str, str | None, str | None, str]]:
    out = []
    for fr in report_files:
        for f in fr["findings"]:  # type: ignore[attr-defined]
            if f["code"].startswith("round-"):
                out.append((Path(str(fr["path"])).name, f["sheet"], f["cell"], f["code"]))
    return out


EXPECTED_FINDINGS = [
    ("谷城县-附件1.xlsx", "附件1", None, "round-item-missing"),
    ("谷城县-附件1.xlsx", "附件1", "D5", "round-item-finished"),
    ("谷城县-附件1.xlsx", "附件1", "D6", "round-item-reopened"),
    ("谷城县-附件1.xlsx", "附件1", "C7", "round-measure-pledge-only"),
    ("谷城县-附件1.xlsx", "附件1", "E7", "round-deadline-postponed"),
    ("谷城县-附件1.xlsx", "附件1", "C8", "round-measure-unchanged"),
    ("谷城县-附件1.xlsx", "附件1", "B9", "round-item-new"),
    ("谷城县-附件2.xlsx", "附件2", "E5", "round-indicator-decreased"),
    ("（进展对比）", None, None, "round-county-silent"),
]


def test_merge_previous_adds_the_sheet_and_the_findings(two_rounds: tuple[Path, Path], runner: CliRunner) -> None:
    r1, r2 = two_rounds
    first, second = r1.parent / "第一轮汇总.xlsx", r1.parent / "第二轮汇总.xlsx"
    assert runner.invoke(app, ["merge", str(r1), "-o", str(first), *AS_OF]).exit_code == 0
    res = runner.invoke(app, ["merge", str(r2), "-o", str(second), "--previous", str(first), *AS_OF,
                              "--format", "json"])
    assert res.exit_code == 1, res.output  # reopened, missing and silent are errors
    data = json.loads(res.stdout)
    # 保康县, silent this round, is expected (it is in last round's rollup): county-not-submitted,
    # not also round-county-silent.
    assert round_findings(data["files"]) == EXPECTED_FINDINGS[:-1]
    assert {c["county"]: c["status"] for c in data["counties"]}["保康县"] == "missing"
    assert {c["county"]: c["reopened"] for c in data["progress"]["counties"]}["谷城县"] == 1
    wb = openpyxl.load_workbook(second)
    # The stamped set first, then the sheets that stay with the prefecture.
    assert wb.sheetnames == ["整改清单汇总", "成果统计汇总", "汇总概览", "进展对比", "问题类别统计", "核对底稿",
                             "校验问题"]
    # 保康县 is a county of this rollup now (未报送), listed in the rollup's order.
    assert sheet_rows(second) == [EXPECTED_ROWS[-2], *EXPECTED_ROWS[:-2], EXPECTED_ROWS[-1]]
    # Every sheet that is not a stamped 附件 says so where the 附件 label would be, so that no
    # page of it is filed upward by mistake.
    working = "工作用表（供核对，不作为附件报送，不盖章）"
    assert [name for name in wb.sheetnames if wb[name]["A1"].value == working] == wb.sheetnames[3:]
    assert [wb[name]["A1"].value for name in wb.sheetnames[:3]] == ["附件1", "附件2", "附件3"]
    # 问题类别统计 is narrow: its columns are widened to hold its 22-point title (else cut when printed)
    cats = wb["问题类别统计"]
    widths = sum(cats.column_dimensions[c].width for c in "ABCDEF")
    assert widths >= 2 * 2 * len(cats["A2"].value), (widths, cats["A2"].value)
    ws = wb["进展对比"]
    assert ws["A2"].value == "电子商务进农村综合示范专项整改进展对比"
    # Not one of the stamped 附件: the unit, no 盖章.
    assert ws["A3"].value.startswith("填报单位：") and "盖章" not in ws["A3"].value
    assert ws["E3"].value == "上次报送：第一轮汇总.xlsx（统计截至 2022年10月15日）　　统计截至 2022年10月15日"
    contact = [r[0] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]][-1]
    assert contact.startswith("联系人：")
    assert ws.print_title_rows == "$4:$4" and ws.page_setup.orientation == "landscape"
    assert ws.oddFooter.center.text == "进展对比　第 &P 页" and ws.page_setup.useFirstPageNumber  # from 1
    codes = [r[7] for r in wb["校验问题"].iter_rows(min_row=HEADER_ROW + 2, values_only=True)]
    assert sorted(c for c in codes if str(c).startswith("round-")) == sorted(f[3] for f in EXPECTED_FINDINGS[:-1])
    assert "county-not-submitted" in codes
    # 错误数, 警告数 (on 核对底稿, the county's 附件3 line): the round findings on its files count
    work = {r[0]: r for r in wb["核对底稿"].iter_rows(min_row=HEADER_ROW + 2, values_only=True) if r[1] == "附件3"}
    assert work["谷城县"][7:9] == (2, 5)


def test_last_rounds_rollup_read_in_a_worker_or_here_is_the_same(two_rounds: tuple[Path, Path],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # read_previous reads the rollup in a worker (its reading peak stays there); without
    # workers it reads it here: the comparison is the same either way.
    r1, r2 = two_rounds
    first = r1.parent / "第一轮汇总.xlsx"
    opts = MergeOptions(validate=Options(as_of=date(2022, 10, 15)))
    zhenggai.merge([r1], opts, first)
    with_previous = MergeOptions(validate=opts.validate, previous=first)
    away = zhenggai.merge([r2], with_previous).rollup
    monkeypatch.setenv("ZHENGGAI_ISOLATION", "off")
    here = zhenggai.merge([r2], with_previous).rollup
    assert away.comparison is not None and here.comparison is not None
    assert away.comparison.changes == here.comparison.changes and away.comparison.counties == here.comparison.counties
    assert len(away.comparison.changes) > 5


def test_merge_text_output_has_the_progress_table(two_rounds: tuple[Path, Path], runner: CliRunner) -> None:
    r1, r2 = two_rounds
    first = r1.parent / "第一轮汇总.xlsx"
    runner.invoke(app, ["merge", str(r1), "-o", str(first), *AS_OF])
    res = runner.invoke(app, ["merge", str(r2), "-o", str(r1.parent / "二.xlsx"), "--previous", str(first), *AS_OF])
    assert res.exit_code == 1
    assert "与上次报送相比（上一轮：第一轮汇总.xlsx）" in res.stdout
    assert "20%→20%" in res.stdout
    assert "保康县 未报送" in res.stdout  # expected: it is in last round's rollup


def test_a_rollup_compared_with_itself_reports_no_change(two_rounds: tuple[Path, Path], runner: CliRunner) -> None:
    r1, _ = two_rounds
    first, again = r1.parent / "第一轮汇总.xlsx", r1.parent / "再来一次.xlsx"
    runner.invoke(app, ["merge", str(r1), "-o", str(first), *AS_OF])
    res = runner.invoke(app, ["merge", str(r1), "-o", str(again), "--previous", str(first), *AS_OF, "--format",
                              "json"])
    assert res.exit_code == 0
    progress = json.loads(res.stdout)["progress"]
    assert progress["changes"] == []
    assert round_findings(json.loads(res.stdout)["files"]) == [
        ("谷城县-附件1.xlsx", "附件1", None, "round-county-unchanged")]
    rows = sheet_rows(again)
    assert [r[0] for r in rows] == [
        "保康县　报送 已报送 → 已报送　完成率 100.0% → 100.0%　无变化",
        "谷城县　报送 已报送 → 已报送　完成率 20.0% → 20.0%　措施未更新 4",
        "合计 2 个县（市、区）　新完成 0　重新打开 0　完成时限推迟 0　措施未更新 4　问题缺失 0　新增问题 0　指标减少 0"]
    # The same two rollups through diff: nothing moved, exit 0.
    res = runner.invoke(app, ["diff", str(first), str(again), *AS_OF, "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["progress"]["changes"] == []


def test_diff_of_two_county_replies_points_at_the_clerks_cells(two_rounds: tuple[Path, Path]) -> None:
    r1, r2 = two_rounds
    opts = MergeOptions(validate=Options(as_of=date(2022, 10, 15)))
    result = diff([r1 / "谷城县-附件1.xlsx", r1 / "谷城县-附件2.xlsx"], [r2], opts)
    assert result.level == "county"
    got = [(Path(fr.path).name, f.sheet, f.cell, f.code) for fr in result.report.files for f in fr.findings]
    assert got == EXPECTED_FINDINGS[:-1]  # 保康县 is not in the previous side here
    assert result.report.errors == 2


def test_diff_writes_the_sheet_with_o(two_rounds: tuple[Path, Path], runner: CliRunner) -> None:
    r1, r2 = two_rounds
    out = r1.parent / "进展对比.xlsx"
    res = runner.invoke(app, ["diff", str(r1), str(r2), "-o", str(out), *AS_OF])
    assert res.exit_code == 1, res.output
    assert "重新打开" in res.stdout and "保康县 上次报送了，本次没有报送" in res.stdout
    assert openpyxl.load_workbook(out).sheetnames == ["进展对比"]
    ws = openpyxl.load_workbook(out)["进展对比"]
    assert ws["A3"].value == "本次报送：第二轮"
    assert ws["E3"].value == "上次报送：第一轮　　统计截至 2022年10月15日"  # replies carry no as-of of their own
    assert sheet_rows(out) == EXPECTED_ROWS
    again = runner.invoke(app, ["diff", str(r1), str(r2), "-o", str(out)])
    assert again.exit_code == 2 and "文件已存在" in again.stderr


def test_diff_of_two_rollups_dates_the_sheet_as_the_current_rollup(two_rounds: tuple[Path, Path],
                                                                   runner: CliRunner) -> None:
    # Without --as-of the sheet said 统计截至 today (the day diff ran), not the round's date.
    r1, r2 = two_rounds
    first, second = r1.parent / "第一轮汇总.xlsx", r1.parent / "第二轮汇总.xlsx"
    zhenggai.merge([r1], MergeOptions(validate=Options(as_of=date(2022, 7, 15))), first)
    zhenggai.merge([r2], MergeOptions(validate=Options(as_of=date(2022, 10, 15))), second)
    out = r1.parent / "进展对比.xlsx"
    res = runner.invoke(app, ["diff", str(first), str(second), "-o", str(out)])
    assert res.exit_code in (0, 1), res.output
    ws = openpyxl.load_workbook(out)["进展对比"]
    assert any("统计截至 2022年10月15日" in str(c.value or "") for row in ws.iter_rows(max_row=4) for c in row)


def test_diff_of_a_mixed_pair_is_a_clear_chinese_error(two_rounds: tuple[Path, Path]) -> None:
    r1, r2 = two_rounds
    rollup = r1.parent / "第一轮汇总.xlsx"
    zhenggai.merge([r1], MergeOptions(validate=Options(as_of=date(2022, 10, 15))), rollup)
    res = run_zhenggai("diff", str(rollup), str(r2))
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.strip() == ("错误：两份材料不是同一层级：上一轮是市州汇总表，本轮是县级报送。"
                                  "请比较同一层级的两份材料（两份县级报送、两份市州汇总表或两份全省汇总表）")
    assert "Traceback" not in res.stderr


def test_diff_of_two_different_counties_is_refused(tmp_path: Path) -> None:
    county_reply(tmp_path / "a", "谷城县", ROUND1, A2_ROUND1)
    county_reply(tmp_path / "b", "枣阳市", ROUND1, ["枣阳市", *A2_ROUND1[1:]])
    res = run_zhenggai("diff", str(tmp_path / "a"), str(tmp_path / "b"))
    assert res.returncode == 2
    assert "两份县级报送不是同一个县：上一轮是谷城县，本轮是枣阳市" in res.stderr


def test_previous_must_be_a_rollup_of_the_same_level(two_rounds: tuple[Path, Path], runner: CliRunner) -> None:
    r1, r2 = two_rounds
    res = runner.invoke(app, ["merge", str(r2), "-o", str(r2.parent / "x.xlsx"), "--previous",
                              str(r1 / "谷城县-附件1.xlsx")])
    assert res.exit_code == 2
    assert "--previous 须是 zhenggai 生成的汇总表，谷城县-附件1.xlsx 不是" in res.stderr
    res = runner.invoke(app, ["merge", str(r2), "-o", str(r2.parent / "x.xlsx"), "--previous", "没有.xlsx"])
    assert res.exit_code == 2 and "找不到上一轮汇总表：没有.xlsx" in res.stderr


def test_a_bad_previous_is_reported_after_the_inbox_it_is_read_before(tmp_path: Path, runner: CliRunner) -> None:
    # --previous is read ahead of the replies (memory, issue 22); its error still comes where
    # it always did: after the inbox's own.
    inbox = tmp_path / "收件"
    make_workbook(inbox / "通知.xlsx", {"Sheet1": [["请各县于7月15日前报送"]]})
    not_a_rollup = tmp_path / "上一轮.xlsx"
    make_workbook(not_a_rollup, {"Sheet1": [["x"]]})
    res = runner.invoke(app, ["merge", str(inbox), "-o", str(tmp_path / "x.xlsx"), "--previous", str(not_a_rollup)])
    assert res.exit_code == 2
    assert "没有一个文件能读出附件1或附件2" in res.stderr and "--previous" not in res.stderr


def test_province_rollups_compare_by_prefecture_and_county(two_rounds: tuple[Path, Path], runner: CliRunner) -> None:
    r1, r2 = two_rounds
    for n, folder in ((1, r1), (2, r2)):
        (r1.parent / f"省{n}").mkdir()
        assert runner.invoke(app, ["merge", str(folder), "-o", str(r1.parent / f"省{n}" / "襄阳市汇总.xlsx"),
                                   "-p", "襄阳市", *AS_OF]).exit_code in (0, 1)
        runner.invoke(app, ["merge", str(r1.parent / f"省{n}"), "-o", str(r1.parent / f"全省{n}.xlsx"), *AS_OF])
    prefecture = r1.parent / "省1" / "襄阳市汇总.xlsx"
    res = runner.invoke(app, ["diff", str(r1.parent / "全省1.xlsx"), str(r1.parent / "全省2.xlsx"), *AS_OF,
                              "-o", str(r1.parent / "省对比.xlsx")])
    assert res.exit_code == 1, res.output
    rows = sheet_rows(r1.parent / "省对比.xlsx")
    assert rows[0][0] == "襄阳市" and rows[0][1].startswith("谷城县　报送 已报送 → 已报送　完成率 20.0% → 20.0%")
    assert [r[4] for r in rows if r[4]] == [r[3] for r in EXPECTED_ROWS if r[3]]  # same changes, 市（州） first
    res = runner.invoke(app, ["diff", str(prefecture), str(r1.parent / "全省2.xlsx")])
    assert res.exit_code == 2 and "上一轮是市州汇总表，本轮是全省汇总表" in res.stderr
    # merge of the prefecture rollups with --previous: the province rollup gets the same sheet.
    res = runner.invoke(app, ["merge", str(r1.parent / "省2"), "-o", str(r1.parent / "全省2b.xlsx"), *AS_OF,
                              "--previous", str(r1.parent / "全省1.xlsx")])
    assert res.exit_code == 1, res.output
    assert sheet_rows(r1.parent / "全省2b.xlsx") == rows
    res = runner.invoke(app, ["merge", str(r1.parent / "省2"), "-o", str(r1.parent / "全省2c.xlsx"), *AS_OF,
                              "--previous", str(prefecture)])
    assert res.exit_code == 2
    assert "--previous 的 襄阳市汇总.xlsx 是市州汇总表，本次汇总是全省汇总表，只能比较同一层级" in res.stderr


@pytest.mark.parametrize("expect", [["--expect", "谷城县,保康县"], []])
def test_an_expected_county_that_went_silent_is_reported_once(two_rounds: tuple[Path, Path],
                                                              runner: CliRunner, expect: list[str]) -> None:
    # Without --expect (and without a feedback list) last round's counties are the ones
    # expected: 保康县 is 未报送 in this rollup and its papers ("应报送 2 个，已报送 1 个"), not
    # merely absent from them.
    r1, r2 = two_rounds
    first = r1.parent / "第一轮汇总.xlsx"
    runner.invoke(app, ["merge", str(r1), "-o", str(first), *AS_OF])
    second = r1.parent / "第二轮汇总.xlsx"
    res = runner.invoke(app, ["merge", str(r2), "-o", str(second), "--previous", str(first), *AS_OF,
                              *expect, "--format", "json"])
    assert res.exit_code == 1
    assert {c["county"]: c["status"] for c in json.loads(res.stdout)["counties"]} == {
        "谷城县": "submitted", "保康县": "missing"}
    codes = [f["code"] for fr in json.loads(res.stdout)["files"] for f in fr["findings"]
             if "保康县" in f["message"]]
    # not also round-county-silent; total-incomplete says the 合计 lacks it (no feedback list)
    assert codes == ["county-not-submitted", "total-incomplete"]
    assert "保康县　报送 已报送 → 未报送　完成率 100.0% → —　无变化" in [r[0] for r in sheet_rows(second)]


def test_last_rounds_placeholder_and_old_spelling_are_not_expected(tmp_path: Path, runner: CliRunner) -> None:
    # Round 1: 保康县's 附件1 has the template's 盖章行 and a file name naming no county, so it
    # was filed under "（县名未知）附件1 整改清单.xlsx"; 谷城 wrote its name short. Round 2 (no --expect): both send,
    # 谷城 as 谷城县. Expecting last round's names made the file name a county 未报送 (printed
    # in 情况报告, given a 通报 in 督办清单) and 谷城 未报送 beside 谷城县 已报送.
    r1, r2 = tmp_path / "第一轮", tmp_path / "第二轮"
    make_workbook(r1 / "附件1 整改清单.xlsx", {"附件1": appendix1_rows(ROUND1, county=None)})
    make_workbook(r1 / "保康县附件2.xlsx", {"附件2": appendix2_rows(["保康县", *A2_ROUND1[1:]], county="保康县")})
    county_reply(r1, "谷城", ROUND1, ["谷城", *A2_ROUND1[1:]])
    county_reply(r2, "保康县", ROUND1, ["保康县", *A2_ROUND1[1:]])
    county_reply(r2, "谷城县", ROUND2, A2_ROUND2)
    first, second = tmp_path / "第一轮汇总.xlsx", tmp_path / "第二轮汇总.xlsx"
    runner.invoke(app, ["merge", str(r1), "-o", str(first), *AS_OF])
    assert [c.county for c in zhenggai.read_rollup(first).counties] == [
        "保康县", "谷城", "（县名未知）谷城-附件1.xlsx", "（县名未知）附件1 整改清单.xlsx"]
    res = runner.invoke(app, ["merge", str(r2), "-o", str(second), "--previous", str(first), *AS_OF,
                              "--format", "json"])
    data = json.loads(res.stdout)
    assert {c["county"]: c["status"] for c in data["counties"]} == {"保康县": "submitted", "谷城县": "submitted"}
    codes = {f["code"] for fr in data["files"] for f in fr["findings"]}
    assert "round-county-renamed" in codes  # the pairing is said
    assert not codes & {"county-not-submitted", "county-unexpected", "round-county-silent"}
    papers = zhenggai.api.report.report(second, tmp_path / "papers")
    assert [t.name for t in papers.supervision.targets if "未报送" in t.reasons] == []
    text = "\n".join(p.text for p in Document(str(papers.document)).paragraphs)
    assert "应报送整改情况的示范县（市、区）2个，已报送2个。" in text and "县名未知" not in text


ROOT = Path(__file__).resolve().parent.parent
SECOND_ROUND = ("zhenggai merge examples/襄阳市收件-第二轮/ -o 襄阳市汇总-第二轮.xlsx --prefecture 襄阳市 "
                "--expect 枣阳市,保康县,谷城县,老河口市 --problems examples/反馈问题清单.xlsx "
                "--previous examples/襄阳市汇总.xlsx --as-of 2022-10-15")


def test_the_readme_second_round_reproduces_the_shipped_rollup(tmp_path: Path, runner: CliRunner) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECOND_ROUND in readme
    args = SECOND_ROUND.split()[1:]
    args = [str(ROOT / a) if a.startswith("examples/") else a for a in args]
    args[args.index("-o") + 1] = str(tmp_path / "襄阳市汇总-第二轮.xlsx")
    res = runner.invoke(app, args)
    assert res.exit_code == 1, res.output  # a reopened item, a deleted problem, a silent county
    fresh = openpyxl.load_workbook(tmp_path / "襄阳市汇总-第二轮.xlsx")
    shipped = openpyxl.load_workbook(ROOT / "examples" / "襄阳市汇总-第二轮.xlsx")
    assert fresh.sheetnames == shipped.sheetnames
    for name in fresh.sheetnames:
        def cells(wb: openpyxl.Workbook, name: str = name) -> list[tuple[object, ...]]:
            rows = list(wb[name].iter_rows(values_only=True))
            return [tuple(v.replace(str(ROOT) + "/", "") if isinstance(v, str) else v for v in r)
                    for i, r in enumerate(rows, start=1) if i != 2]  # row 2: generation date

        assert cells(fresh) == cells(shipped), name
    whats = [r[3] for r in sheet_rows(ROOT / "examples" / "襄阳市汇总-第二轮.xlsx") if r[1] is not None or r[3]]
    assert whats == ["新完成", "完成时限推迟", "措施未更新", "累计指标减少",
                     "只增加表态", "重新打开", "新完成", "问题缺失"]


def test_a_county_that_sends_blank_forms_after_reporting(two_rounds: tuple[Path, Path], runner: CliRunner) -> None:
    r1, r2 = two_rounds
    first = r1.parent / "第一轮汇总.xlsx"
    runner.invoke(app, ["merge", str(r1), "-o", str(first), *AS_OF])
    make_workbook(r2 / "保康县-附件1.xlsx", {"附件1": appendix1_rows([], county="保康县")})  # the form, unfilled
    res = runner.invoke(app, ["merge", str(r2), "-o", str(r1.parent / "二.xlsx"), "--previous", str(first), *AS_OF,
                              "--format", "json"])
    data = json.loads(res.stdout)
    codes = [f["code"] for fr in data["files"] for f in fr["findings"] if "保康县" in f["message"]]
    assert "county-blank-only" in codes and "round-county-silent" not in codes
    (baokang,) = [c for c in data["progress"]["counties"] if c["county"] == "保康县"]
    assert (baokang["status_before"], baokang["status_now"]) == ("submitted", "blank")
    lines = [r[0] for r in sheet_rows(r1.parent / "二.xlsx")]
    assert "保康县　报送 已报送 → 未填报　完成率 100.0% → —　无变化" in lines


def test_a_diff_workbook_dropped_into_an_inbox_is_skipped_with_a_reason(
        two_rounds: tuple[Path, Path], runner: CliRunner) -> None:
    r1, r2 = two_rounds
    clean = zhenggai.merge([r2], MergeOptions(validate=Options(as_of=date(2022, 10, 15))))
    res = runner.invoke(app, ["diff", str(r1), str(r2), "-o", str(r2 / "进展对比.xlsx"), *AS_OF])
    assert res.exit_code == 1, res.output
    result = zhenggai.merge([r2], MergeOptions(validate=Options(as_of=date(2022, 10, 15))))
    got = [(f.code, f.file, f.message) for f in result.rollup.report.findings() if "进展对比" in f.file]
    assert got == [("file-skipped", "进展对比.xlsx",
                    "已跳过：zhenggai diff 生成的进展对比表，不是县级报送")]
    counts = [(c.county, c.status.label, c.total, c.done, c.open) for c in result.rollup.counties]
    assert counts == [(c.county, c.status.label, c.total, c.done, c.open) for c in clean.rollup.counties]
    assert counts == [("谷城县", "已报送", 5, 1, 4)]
    assert result.rollup.report.errors == clean.rollup.report.errors
    # opened in Excel/WPS and a sheet added: still recognised by what diff wrote in its properties
    wb = openpyxl.load_workbook(r2 / "进展对比.xlsx")
    wb.create_sheet("Sheet1")["A1"] = "备注"
    wb.save(r2 / "进展对比.xlsx")
    again = zhenggai.merge([r2], MergeOptions(validate=Options(as_of=date(2022, 10, 15))))
    assert [f.code for f in again.rollup.report.findings() if "进展对比" in f.file] == ["file-skipped"]
