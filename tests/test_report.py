"""zhenggai report: 督办清单.xlsx and 情况报告.docx, every figure checked against the rollup.

Rollups are built in code (county replies → prefecture rollups → a province rollup),
then read back with ``read_rollup``; the papers are opened with openpyxl and python-docx.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from docx import Document
from typer.testing import CliRunner

import zhenggai
from builders import A2_HEADERS, HEADER_ROW, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import FatalError, MergeOptions, Signoff
from zhenggai.api.report import ReportOptions, report
from zhenggai.cli.app import app
from zhenggai.rollup.categories import category_stats, is_overdue

AS_OF = date(2022, 9, 1)
PLEDGE = "高度重视，进一步加强，认真落实整改责任"
LIST = [
    ["反馈问题清单"],
    ["序号", "县（市、区）", "问题类别", "问题描述"],
    [1, "谷城县", "业务建设方面", "县级电商公共服务中心停止运营"],
    [2, "谷城县", "业务建设方面", "快递企业整合不够"],
    [3, "谷城县", "资金和资产管理方面", "资金执行进度较慢"],
    [4, "保康县", "资金和资产管理方面", "超范围列支中央财政资金"],
    [5, "老河口市", "业务建设方面", "站点存活率偏低"],
    [6, "郧西县", "业务建设方面", "网货开发不足"],
    [7, "郧西县", "资金和资产管理方面", "资产台账不完善"],
]


def _a2(county: str, total: int, done: int, funds: float) -> list[object]:
    values: list[object] = [county, total, done, total - done, funds, 1.5, 2, 1, 0, 3, 4, 1, None]
    assert len(values) == len(A2_HEADERS)
    return values


def _inbox(root: Path) -> None:
    # 谷城县: one done, one open and overdue (完成时限 before AS_OF) with a pledge-only measure;
    # its third listed problem is not answered.
    make_workbook(root / "襄阳" / "谷城县.xlsx", {
        "附件1": appendix1_rows([
            [1, "县级电商公共服务中心停止运营", "县财政安排30万元购买服务，恢复运营", "是", "2022-06-30", "李四",
             "县商务局"],
            [2, "快递企业整合不够", PLEDGE, "否", "2022-08-15", "王五", "县商务局"],
        ], county="谷城县"),
        "附件2": appendix2_rows(_a2("谷城县", 3, 1, 30), county="谷城县"),
    })
    make_workbook(root / "襄阳" / "保康县.xlsx", {
        "附件1": appendix1_rows([
            [1, "超范围列支中央财政资金", "已将超范围列支资金86.5万元归垫至专户", "是", "2022-05-20", "陈", "县财政局"],
        ], county="保康县"),
        "附件2": appendix2_rows(_a2("保康县", 1, 1, 12.25), county="保康县"),
    })
    make_workbook(root / "十堰" / "郧西县.xlsx", {
        "附件1": appendix1_rows([
            [1, "网货开发不足", "开发网货产品12个，上线销售", "是", "2022-07-30", "赵", "县商务局"],
            [2, "资产台账不完善", "完成资产清查，登记造册资产126项", "是", "2022-07-30", "赵", "县财政局"],
        ], county="郧西县"),
        "附件2": appendix2_rows(_a2("郧西县", 2, 2, 8), county="郧西县"),
    })


@pytest.fixture(scope="module")
def rollups(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report")
    _inbox(root)
    feedback = make_workbook(root / "反馈问题清单.xlsx", {"清单": LIST})
    opts = zhenggai.Options(as_of=AS_OF)
    out = root / "市州汇总"
    zhenggai.merge([root / "襄阳"], MergeOptions(validate=opts, prefecture="襄阳市",
                                                 expect=("谷城县", "保康县", "老河口市")),
                   out / "襄阳市汇总.xlsx", problems=feedback)
    zhenggai.merge([root / "十堰"], MergeOptions(validate=opts, prefecture="十堰市", expect=("郧西县",)),
                   out / "十堰市汇总.xlsx", problems=feedback)
    zhenggai.merge([out], MergeOptions(validate=opts, prefecture="湖北省", expect=("襄阳市", "十堰市", "宜昌市")),
                   root / "湖北省汇总.xlsx")  # 宜昌市 sends nothing
    plain = root / "无清单汇总.xlsx"  # no feedback list: the rate rule cannot be evaluated
    zhenggai.merge([root / "襄阳"], MergeOptions(validate=opts, prefecture="襄阳市"), plain)
    return {"prefecture": out / "襄阳市汇总.xlsx", "province": root / "湖北省汇总.xlsx", "plain": plain}


def _text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def _supervision_rows(path: Path) -> list[dict[str, Any]]:
    """The 督办清单's rule lines, with the merged county cells carried down."""
    ws = openpyxl.load_workbook(path)["督办清单"]
    header = [c.value for c in ws[3]]
    rows: list[dict[str, Any]] = []
    last: dict[str, Any] = {}
    for values in ws.iter_rows(min_row=4, values_only=True):
        row = dict(zip(header, values, strict=True))
        if not row.get("触发的规则"):
            break
        for key in ("序号", "市（州）", "县（市、区）", "建议措施"):
            if key in row and row[key] is None:
                row[key] = last.get(key)
        rows.append(row)
        last = row
    return rows


def _expected(path: Path) -> dict[str, Any]:
    """The figures the report must state, computed here from the rollup read back."""
    r = zhenggai.read_rollup(path)
    problems = sum(s.coverage[1] for s in r.counties if s.coverage)
    done = sum(s.done for s in r.counties)
    overdue = sum(1 for it in r.items if is_overdue(it, r.as_of))
    funds = sum(float(s.values["county_funds"]) for s in r.stats if s.status is None)  # type: ignore[arg-type]
    return {"rollup": r, "problems": problems, "done": done, "overdue": overdue, "funds": funds}


def test_prefecture_papers_state_the_rollups_figures(rollups: dict[str, Path], tmp_path: Path) -> None:
    res = report(rollups["prefecture"], tmp_path, ReportOptions(signoff=Signoff(contact="张三", phone="0710-1234567")))
    exp = _expected(rollups["prefecture"])
    # The fixture's own numbers, so that a wrong reading of the rollup cannot pass unnoticed.
    assert (exp["problems"], exp["done"], exp["overdue"], exp["funds"]) == (5, 2, 1, 42.25)
    text = _text(res.document)
    assert "襄阳市商务局关于电子商务进农村综合示范专项整改工作情况的报告" in text
    assert "省商务厅：" in text
    assert "截至2022年9月1日，襄阳市应报送整改情况的示范县（市、区）3个，已报送2个，未报送1个（老河口市）。" in text
    assert "反馈问题清单所列问题5个，已完成整改2个，未完成3个，完成率40.0%；逾期未完成1个。" in text
    cats, _ = category_stats(exp["rollup"])
    # 未填报: 谷城县's unanswered problem and 老河口市's one (it sent nothing), open.
    assert [(c.category, c.total, c.done, c.overdue) for c in cats] == [
        ("业务建设方面", 2, 1, 1), ("资金和资产管理方面", 1, 1, 0), ("未填报的反馈问题", 2, 0, 0)]
    assert sum(c.total for c in cats) == exp["problems"] and sum(c.done for c in cats) == exp["done"]
    assert "（一）业务建设方面。问题2个，已完成整改1个，未完成1个，完成率50.0%，逾期未完成1个。" in text
    assert "（二）资金和资产管理方面。问题1个，已完成整改1个，未完成0个，完成率100.0%，逾期未完成0个。" in text
    assert "县级财政安排经费42.25万元" in text and "追回企业资金3万元" in text
    # 谷城县: 逾期 (通报) and three more rules: escalate_at = 3 makes it one level heavier.
    assert "谷城县（建议约谈）：完成率低 33.3%（已完成 1 / 清单问题 3）；逾期未完成 1 项；措施只有表态 1 处；" in text
    assert "老河口市（建议通报）：未报送。" in text  # its 未报送 error is not counted again
    assert "各市（州）情况" not in text  # prefecture level: no 市州 section
    assert "附件：1．襄阳市电子商务进农村综合示范专项整改清单汇总表" in text  # the title printed on it
    assert "4．襄阳市电子商务进农村综合示范专项整改督办清单" in text and "整改整改" not in text
    assert "2022年9月1日" in text.splitlines()[-2] and "（联系人：张三，联系电话：0710-1234567）" in text
    rows = _supervision_rows(res.workbook)
    by = {(r["县（市、区）"], r["触发的规则"]): r for r in rows}
    assert by[("谷城县", "逾期未完成")]["数量或比例"] == "1 项"
    # in the reply's words: the item's 序号, never the file, worksheet or cell (E6)
    assert by[("谷城县", "逾期未完成")]["依据"] == "附件1 序号2 完成时限 2022年8月15日"
    assert by[("谷城县", "完成率低")]["数量或比例"] == "33.3%（已完成 1 / 清单问题 3）"
    assert by[("谷城县", "措施只有表态")]["数量或比例"] == "1 处"
    assert by[("谷城县", "措施只有表态")]["依据"].startswith("附件1 序号2 整改措施和情况：")  # the measure
    assert by[("老河口市", "未报送")]["建议措施"] == "通报"
    assert ("保康县", "完成率低") not in by
    # Sorted by level, heaviest first.
    levels = [r["建议措施"] for r in rows]
    order = ["督办", "约谈", "通报", "提醒"]
    assert levels == sorted(levels, key=order.index)
    ws = openpyxl.load_workbook(res.workbook)["督办清单"]
    assert ws.cell(1, 1).value == "襄阳市电子商务进农村综合示范专项整改督办清单"
    assert "统计截至 2022年9月1日" in [c.value for c in ws[2]]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert "&P" in ws.oddFooter.center.text
    # Papers that go upward carry the official content only, in their properties too.
    props = Document(str(res.document)).core_properties
    assert props.title == "襄阳市商务局关于电子商务进农村综合示范专项整改工作情况的报告"
    assert "zhenggai" not in f"{props.comments}{props.keywords}{props.subject}" and "模板" not in props.title
    book = openpyxl.load_workbook(res.workbook).properties
    assert "zhenggai" not in f"{book.description}{book.keywords}{book.subject}{book.title}"


def test_rules_that_cannot_be_evaluated_are_listed_with_the_reason(rollups: dict[str, Path], tmp_path: Path) -> None:
    res = report(rollups["plain"], tmp_path)
    skipped = {s.rule.key: s.reason for s in res.supervision.not_evaluated}
    assert "反馈问题清单" in skipped["low_rate"] and "上一轮" in skipped["reopened"]
    # Papers that go upward: what is missing, never a command-line option or a sheet name.
    assert not any("--" in r or "工作表" in r or "zhenggai" in r for r in skipped.values())
    assert {"deleted", "no_progress"} <= set(skipped)
    cells = [c for row in openpyxl.load_workbook(res.workbook)["督办清单"].iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert any(c.startswith("完成率低：汇总表没有反馈问题清单的数字") for c in cells)
    text = _text(res.document)
    assert "以下规则未评估" in text and "完成率低：汇总表没有反馈问题清单的数字" in text
    assert "各县（市、区）整改清单所列问题" in text  # not called the list's count when it is not


def test_province_papers_per_prefecture(rollups: dict[str, Path], tmp_path: Path) -> None:
    res = report(rollups["province"], tmp_path)
    exp = _expected(rollups["province"])
    assert (exp["problems"], exp["done"]) == (7, 4)
    text = _text(res.document)
    assert "湖北省商务厅关于" in text and "商务部：" in text
    assert "反馈问题清单所列问题7个，已完成整改4个，未完成3个，完成率57.1%；逾期未完成1个。" in text
    assert "三、各市（州）情况" in text
    assert ("襄阳市：应报送3个县（市、区），已报送2个，未报送1个（老河口市）；问题5个，已完成整改2个，完成率40.0%，"
            "逾期未完成1个。") in text
    assert "十堰市：应报送1个县（市、区），已报送1个；问题2个，已完成整改2个，完成率100.0%，逾期未完成0个。" in text
    assert "县级财政安排经费50.25万元" in text
    assert "未报送汇总表的市（州）：宜昌市。" in text and "宜昌市：未报送汇总表。" in text
    rows = _supervision_rows(res.workbook)
    prefecture_rows = {r["市（州）"] for r in rows if r["县（市、区）"] == "（全市州）"}
    assert prefecture_rows == {"襄阳市", "宜昌市"}  # 十堰市 meets no rule
    yichang = next(r for r in rows if r["市（州）"] == "宜昌市")
    assert (yichang["触发的规则"], yichang["数量或比例"], yichang["建议措施"]) == ("未报送", "未报送汇总表", "通报")
    assert "宜昌市 未报送汇总表" in yichang["依据"]
    assert {r["市（州）"] for r in rows if r["县（市、区）"] == "谷城县"} == {"襄阳市"}
    rate = next(r for r in rows if r["县（市、区）"] == "（全市州）" and r["触发的规则"] == "完成率低")
    assert rate["数量或比例"] == "40.0%（已完成 2 / 清单问题 5）"


def test_rollup_has_a_category_sheet_that_adds_up(rollups: dict[str, Path]) -> None:
    for level in ("prefecture", "province"):
        ws = openpyxl.load_workbook(rollups[level])["问题类别统计"]
        rows = [r for r in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True) if r[0]]
        r = zhenggai.read_rollup(rollups[level])
        total = sum(s.total for s in r.counties)
        if level == "prefecture":
            assert rows[:4] == [("业务建设方面", 2, 1, 1, 0.5, 1), ("资金和资产管理方面", 1, 1, 0, 1, 0),
                                ("未填报的反馈问题", 2, 0, 2, 0, 0), ("合计", 5, 2, 3, 0.4, 1)]
            assert rows[3][1] == total
        else:
            assert ("十堰市", "业务建设方面", 1, 1, 0, 1, 0) in rows
            assert ("全省", "合计", 7, 4, 3, 4 / 7, 1) in rows
            assert total == 7


def test_feedback_list_decides_the_category(tmp_path: Path) -> None:
    # The county filed both rows under its own heading; the list puts the second elsewhere.
    make_workbook(tmp_path / "in" / "谷城县.xlsx", {"附件1": appendix1_rows([
        ["一、业务建设"],
        [1, "县级电商公共服务中心停止运营", "恢复运营，补充人员2人", "是", "2022-06-30", "李四", "县商务局"],
        [3, "资金执行进度较慢", "已支付资金320万元", "是", "2022-06-30", "李四", "县商务局"],
    ], county="谷城县")}, merges={"附件1": ["A5:G5"]})
    feedback = make_workbook(tmp_path / "清单.xlsx", {"清单": LIST})
    res = zhenggai.merge([tmp_path / "in"], MergeOptions(validate=zhenggai.Options(as_of=AS_OF)),
                         tmp_path / "汇总.xlsx", problems=feedback)
    assert [it.category for it in res.rollup.items] == ["业务建设方面", "资金和资产管理方面"]


@pytest.mark.parametrize("read_back", [False, True])
def test_without_a_list_categories_count_problems_as_the_overview_does(tmp_path: Path, read_back: bool) -> None:
    # No feedback list: two rows with the same 问题描述 but their own 序号 are two problems in
    # the overview (validate warns problem-duplicate); the categories must count them the same
    # way (before: one problem, done only when both were, so 3/1 against the overview's 4/2).
    # A 问题描述 merged over two measure rows stays one problem in both.
    make_workbook(tmp_path / "in" / "谷城县.xlsx", {"附件1": appendix1_rows([
        ["一、业务建设方面"],
        [1, "县级电商公共服务中心停止运营", "恢复运营，补充人员2人", "是", "2022-06-30", "李四", "县商务局"],
        [2, "县级电商公共服务中心停止运营", "计划年底前完成", "否", "2022-12-31", "李四", "县商务局"],
        [3, "快递企业整合不够", "新整合快递企业3家", "是", "2022-06-30", "李四", "县商务局"],
        [None, None, "新建共配中心1个", "是", "2022-06-30", "李四", "县商务局"],
        [4, "资金执行进度较慢", "计划年底前支付完毕", "否", "2022-12-31", "李四", "县商务局"],
    ], county="谷城县")}, merges={"附件1": ["A5:G5", "A8:A9", "B8:B9"]})
    out = tmp_path / "汇总.xlsx"
    res = zhenggai.merge([tmp_path / "in"], MergeOptions(validate=zhenggai.Options(as_of=AS_OF)), out)
    rollup = zhenggai.read_rollup(out) if read_back else res.rollup
    (county,) = [c for c in rollup.counties if c.county == "谷城县"]
    assert (county.total, county.done) == (4, 2)
    cats, _ = category_stats(rollup, AS_OF)
    assert [(c.category, c.total, c.done) for c in cats] == [("业务建设方面", 4, 2)]


@pytest.mark.parametrize("read_back", [False, True])
def test_categories_count_the_listed_problems_only(tmp_path: Path, read_back: bool) -> None:
    # 谷城县 answers two of its three listed problems, adds a row of its own (done) and answers
    # the first problem twice (是, then 否). The overview counts 3 listed problems, 0 done; the
    # categories must say the same — the own row is no listed problem, the twice-answered one
    # is not done, the third is 未填报 (before: 3 problems, 2 done, 0 未填报).
    make_workbook(tmp_path / "in" / "谷城县.xlsx", {"附件1": appendix1_rows([
        [1, "县级电商公共服务中心停止运营", "恢复运营，补充人员2人", "是", "2022-06-30", "李四", "县商务局"],
        [2, "县级电商公共服务中心停止运营", "计划年底前完成", "否", "2022-12-31", "李四", "县商务局"],
        [3, "县里自查：站点标识不统一", "已统一更换标识20处", "是", "2022-06-30", "李四", "县商务局"],
        [4, "资金执行进度较慢", "计划年底前支付完毕", "否", "2022-12-31", "李四", "县商务局"],
    ], county="谷城县")})
    feedback = make_workbook(tmp_path / "清单.xlsx", {"清单": LIST[:5]})
    out = tmp_path / "汇总.xlsx"
    res = zhenggai.merge([tmp_path / "in"], MergeOptions(validate=zhenggai.Options(as_of=AS_OF)), out,
                         problems=feedback)
    rollup = zhenggai.read_rollup(out) if read_back else res.rollup
    (county,) = [c for c in rollup.counties if c.county == "谷城县"]
    assert (county.total, county.done) == (3, 0)
    cats, _ = category_stats(rollup, AS_OF)
    assert [(c.category, c.total, c.done) for c in cats] == [
        ("业务建设方面", 1, 0), ("资金和资产管理方面", 1, 0), ("未填报的反馈问题", 1, 0)]
    assert sum(c.total for c in cats) == county.total and sum(c.done for c in cats) == county.done


def test_a_county_without_list_figures_is_named_as_not_rated(tmp_path: Path) -> None:
    # 枣阳市 is not on the feedback list: 完成率低 is judged for 谷城县 only, and the paper says
    # that 枣阳市 was not judged (not a silence that reads as "rate fine").
    make_workbook(tmp_path / "in" / "谷城县.xlsx", {"附件1": appendix1_rows([
        [1, "县级电商公共服务中心停止运营", "计划年底前恢复运营", "否", "2022-12-31", "李四", "县商务局"],
    ], county="谷城县")})
    make_workbook(tmp_path / "in" / "枣阳市.xlsx", {"附件1": appendix1_rows([
        [1, "网货开发不足", "计划年底前完成", "否", "2022-12-31", "李四", "市商务局"],
    ], county="枣阳市")})
    feedback = make_workbook(tmp_path / "清单.xlsx", {"清单": LIST})
    out = tmp_path / "汇总.xlsx"
    zhenggai.merge([tmp_path / "in"], MergeOptions(validate=zhenggai.Options(as_of=AS_OF)), out, problems=feedback)
    res = report(out, tmp_path / "papers")
    reasons = [s.reason for s in res.supervision.not_evaluated if s.rule.key == "low_rate"]
    assert reasons == ["枣阳市没有反馈问题清单的数字（汇总时未按清单计数），未对其评估完成率"]
    assert "枣阳市没有反馈问题清单的数字" in _text(res.document)


def test_a_rate_over_some_counties_says_which_it_leaves_out(rollups: dict[str, Path], tmp_path: Path) -> None:
    # No list and 南漳县 expected but silent: "各县整改清单所列问题3个…完成率66.7%" read as the
    # whole 市; the rollup's 合计 says 不完整, so does the paper now.
    out = tmp_path / "汇总.xlsx"
    zhenggai.merge([rollups["plain"].parent / "襄阳"], MergeOptions(
        validate=zhenggai.Options(as_of=AS_OF), prefecture="襄阳市", expect=("谷城县", "保康县", "南漳县")), out)
    text = _text(report(out, tmp_path / "papers").document)
    assert "各县（市、区）整改清单所列问题3个（不含南漳县，其没有可汇总的数据），已完成整改2个" in text


def test_the_report_counts_已报送_as_the_overview_does(tmp_path: Path) -> None:
    # 附件3 says "1/3 已报送"; the report said "已报送2个（其中缺附件2：保康县）" and called a county
    # whose file could not be read 未报送. Now each 报送状态 is named as the overview names it.
    make_workbook(tmp_path / "in" / "谷城县.xlsx", {
        "附件1": appendix1_rows([[1, "快递企业整合不够", "新整合快递企业3家", "是", "2022-06-30", "李四", "县商务局"]],
                                county="谷城县"),
        "附件2": appendix2_rows(_a2("谷城县", 1, 1, 30), county="谷城县")})
    make_workbook(tmp_path / "in" / "保康县.xlsx", {"附件1": appendix1_rows(
        [[1, "资金执行进度较慢", "已支付资金320万元", "是", "2022-06-30", "陈", "县财政局"]], county="保康县")})
    (tmp_path / "in" / "南漳县附件1.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "汇总.xlsx"
    zhenggai.merge([tmp_path / "in"], MergeOptions(validate=zhenggai.Options(as_of=AS_OF), prefecture="襄阳市",
                                                   expect=("谷城县", "保康县", "南漳县")), out)
    text = _text(report(out, tmp_path / "papers").document)
    assert ("应报送整改情况的示范县（市、区）3个，已报送1个，缺附件2的1个（保康县），文件无法读取的1个（南漳县）。"
            in text)


def test_results_name_excluded_and_doubtful_figures(tmp_path: Path) -> None:
    # 500000 under 万元 is not counted (像是按元填写); 补充人员 1500 is counted but outside its
    # range (yellow in the rollup): the report says both, as the rollup's 合计 cells do.
    make_workbook(tmp_path / "in" / "谷城县.xlsx", {
        "附件1": appendix1_rows([[1, "县级电商公共服务中心停止运营", "恢复运营", "是", "2022-06-30", "李四",
                                 "县商务局"]], county="谷城县"),
        "附件2": appendix2_rows(["谷城县", 1, 1, 0, 500000, 1.5, 1500, 1, 0, 3, 4, 1, None], county="谷城县")})
    out = tmp_path / "汇总.xlsx"
    zhenggai.merge([tmp_path / "in"], MergeOptions(validate=zhenggai.Options(as_of=AS_OF)), out)
    text = _text(report(out, tmp_path / "papers").document)
    assert "县级财政安排经费0万元（不含谷城县，其数据有误或无法识别）" in text
    assert "补充人员1500人（含谷城县待核实的数）" in text


def test_results_say_which_county_stated_no_figure(tmp_path: Path) -> None:
    # 谷城县's 追回企业资金 is blank: the total is 保康县's alone and the paper says so (it
    # read "据保康县、谷城县报送…追回企业资金1.5万元", as if both had stated it).
    for county, recovered in (("谷城县", None), ("保康县", 1.5)):
        make_workbook(tmp_path / "in" / f"{county}.xlsx", {
            "附件1": appendix1_rows([[1, "县级电商公共服务中心停止运营", "恢复运营", "是", "2022-06-30", "李四",
                                     "县商务局"]], county=county),
            "附件2": appendix2_rows([county, 1, 1, 0, 10, recovered, 2, 1, 0, 3, 4, 1, None], county=county)})
    out = tmp_path / "汇总.xlsx"
    zhenggai.merge([tmp_path / "in"], MergeOptions(validate=zhenggai.Options(as_of=AS_OF)), out)
    text = _text(report(out, tmp_path / "papers").document)
    assert "追回企业资金1.5万元（不含谷城县，其未填报此项）" in text
    assert "县级财政安排经费20万元；" in text


def test_a_bureaus_own_template(rollups: dict[str, Path], tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("某某市商务局文件")  # the bureau's 红头
    doc.add_paragraph("{{ unit }}：截至{{ as_of }}完成率{{ rate }}，逾期{{ overdue }}个。")
    doc.add_paragraph("{%p for t in supervision %}")
    doc.add_paragraph("{{ loop.index }}. {{ t.name }}：{{ t.level }}")
    doc.add_paragraph("{%p endfor %}")
    template = tmp_path / "本局模板.docx"
    doc.save(str(template))
    res = report(rollups["prefecture"], tmp_path / "out", ReportOptions(template=template))
    text = _text(res.document)
    assert text.startswith("某某市商务局文件\n襄阳市商务局：截至2022年9月1日完成率40.0%，逾期1个。\n")
    names = [t.name for t in res.supervision.targets]
    assert [line.split("：")[0] for line in text.splitlines()[2:]] == [f"{i}. {n}" for i, n in
                                                                        enumerate(names, start=1)]


@pytest.mark.parametrize(("body", "named"), [
    ("完成率{{ ratee }}", "{{ ratee }}"),
    ("完成率{{ rate }", "{{ rate }"),
    ("{{ supervision[0].levle }}", "levle"),
])
def test_an_invalid_template_names_the_placeholder(rollups: dict[str, Path], tmp_path: Path, body: str,
                                                    named: str) -> None:
    doc = Document()
    doc.add_paragraph(body)
    template = tmp_path / "坏模板.docx"
    doc.save(str(template))
    with pytest.raises(FatalError, match=r"坏模板\.docx") as exc:
        report(rollups["prefecture"], tmp_path / "out", ReportOptions(template=template))
    assert named in str(exc.value)
    assert not (tmp_path / "out" / "督办清单.xlsx").exists()  # nothing half written


@pytest.mark.parametrize(("body", "said"), [
    ("{{ expected / 0 }}", "运算无法完成（除以零）"),
    ("{{ expected + '个' }}", "运算无法完成（数与文字不能一起运算）"),
    ("{{ place | nosuchfilter }}", "没有名为“nosuchfilter”的过滤器"),
    ("{% for t in supervision %}{{ t.name }}", "缺少 {% endfor %}"),
    ("{{ place.year }}", "没有“year”这一项"),
])
def test_a_bureaus_template_that_cannot_be_filled_says_why_in_chinese(rollups: dict[str, Path], tmp_path: Path,
                                                                     body: str, said: str) -> None:
    # Before: "内部错误（ZeroDivisionError）", or Jinja's English ("No filter named …").
    doc = Document()
    doc.add_paragraph(body)
    template = tmp_path / "本单位模板.docx"
    doc.save(str(template))
    with pytest.raises(FatalError) as exc:
        report(rollups["prefecture"], tmp_path / "out", ReportOptions(template=template))
    assert said in str(exc.value) and "本单位模板.docx" in str(exc.value)
    told = re.sub(r"\{%.*?%\}|“[^”]*”|\.docx", "", str(exc.value))  # tags and names quoted from the template
    assert not re.search(r"[A-Za-z]{3,}", told), told


def test_cli(rollups: dict[str, Path], tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "报告"
    res = runner.invoke(app, ["report", str(rollups["prefecture"]), "-o", str(out), "--as-of", "2022-12-31"])
    assert res.exit_code == 0, res.output
    assert "约谈" in res.stdout or "通报" in res.stdout
    assert "未评估" in res.stdout and "已生成" in res.stderr
    # --as-of: 逾期 as of that day; the counts stay the rollup's, as of its own day.
    text = _text(out / "情况报告.docx")
    assert "截至2022年9月1日，襄阳市应报送" in text and "逾期未完成（按2022年12月31日计）1个。" in text
    assert text.splitlines()[-1] == "2022年12月31日"  # the date the report is written (no contact line)
    ws = openpyxl.load_workbook(out / "督办清单.xlsx")["督办清单"]
    assert "统计截至 2022年9月1日，逾期按 2022年12月31日 计" in [c.value for c in ws[2]]
    again = runner.invoke(app, ["report", str(rollups["prefecture"]), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.stderr
    not_rollup = runner.invoke(app, ["report", str(tmp_path / "无.xlsx"), "-o", str(out), "--force"])
    assert not_rollup.exit_code == 2 and "错误：" in not_rollup.stderr
    bad_date = runner.invoke(app, ["report", str(rollups["prefecture"]), "-o", str(out), "--as-of", "明天"])
    assert bad_date.exit_code == 2 and "--as-of" in bad_date.stderr


def test_a_county_reply_is_not_a_rollup(tmp_path: Path, runner: CliRunner) -> None:
    reply = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows([])})
    res = runner.invoke(app, ["report", str(reply), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "不是 zhenggai 生成的汇总表" in res.stderr and "汇总概览" in res.stderr


@pytest.mark.libreoffice
def test_default_template_prints_on_a4_with_page_numbers(rollups: dict[str, Path], tmp_path: Path,
                                                         soffice: Any) -> None:
    from programs import pdf_pages

    res = report(rollups["province"], tmp_path)
    pdf = soffice([res.document], "pdf", tmp_path / "pdf")[0]
    pages = pdf_pages(pdf)
    assert pages and all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in pages)
    import subprocess

    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    import re

    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)  # the page numbers


def test_second_round_rules_rest_on_the_progress_sheet(tmp_path: Path) -> None:
    """The shipped second round (merged with --previous): the round rules are evaluated."""
    res = report(Path(__file__).resolve().parents[1] / "examples" / "襄阳市汇总-第二轮.xlsx", tmp_path)
    assert "reopened" not in {s.rule.key for s in res.supervision.not_evaluated}
    rows = {(r["县（市、区）"], r["触发的规则"]): r for r in _supervision_rows(res.workbook)}
    reopened = rows[("谷城县", "已完成又改为未完成")]
    assert reopened["数量或比例"] == "1 处"
    assert reopened["依据"].startswith("附件1 序号") and reopened["依据"].endswith(" 是否完成整改：否")
    # a paper that goes upward names no file, worksheet or cell (GB/T 9704: official content only)
    for r in rows.values():
        assert not any(w in r["依据"] for w in (".xlsx", ".xls", "›", "Sheet", "工作表")), r["依据"]
    assert ("谷城县", "删除上一轮的问题") in rows and ("保康县", "与上一轮相比没有进展") in rows
    assert rows[("谷城县", "完成率低")]["建议措施"] == "督办"  # five rules: 约谈 escalated
    # The deleted problem is counted once, under 删除: its problem-unanswered and 附件2's
    # 反馈问题数 short by one are the same event, not also "错误未改正 2 处".
    assert ("谷城县", "错误未改正") not in rows
    # 保康县's 新建改造站点 4 carries two warnings (its measure says 5; last round it was 5): the
    # figure is counted and the paper names it as 待核实, read back from the rollup's cells' findings.
    assert "新建改造站点16个（含保康县待核实的数）" in _text(res.document)
    assert rows[("老河口市", "未报送")]["数量或比例"] == "未报送"


def test_default_template_layout() -> None:
    """GB/T 9704 as the packaged template sets it: A4, the text area, 22 lines, the fonts."""
    from docx.oxml.ns import qn
    from docx.shared import Mm

    from zhenggai.outputs.report_docx import default_template

    doc = Document(str(default_template()))
    sec = doc.sections[0]
    def mm(length: int) -> float:  # Word stores twips: 210 mm reads back as 209.9998 mm
        return round(length / Mm(1), 1)

    assert (mm(sec.page_width), mm(sec.page_height)) == (210, 297)
    assert (mm(sec.top_margin), mm(sec.left_margin)) == (37, 28)
    assert mm(sec.page_width - sec.left_margin - sec.right_margin) == 156
    assert mm(sec.page_height - sec.top_margin - sec.bottom_margin) == 225
    grid = sec._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 225 mm / 22 lines
    fonts = {name: doc.styles[name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
             for name in ("公文标题", "公文正文", "一级标题")}
    assert fonts == {"公文标题": "方正小标宋简体", "公文正文": "仿宋_GB2312", "一级标题": "黑体"}
    assert doc.styles["公文标题"].font.size.pt == 22 and doc.styles["公文正文"].font.size.pt == 16
    kai = next(r for p in doc.paragraphs for r in p.runs if r.text == "{{ c.heading }}")
    assert kai.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "楷体_GB2312"
    footer = sec.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and "—" in footer
    # 署名 keeps with 成文日期; 附件说明 wraps under the names (a hanging indent).
    assert doc.styles["公文署名"].paragraph_format.keep_with_next is True
    attach = doc.styles["公文附件"].paragraph_format
    assert attach.first_line_indent < 0 < attach.left_indent
    assert any(p.style.name == "公文附件" and "附件：" in p.text for p in doc.paragraphs)
