"""Official figures go upward: the feedback list's denominators, every county in every
table, one set of totals, plausible amounts, the province's 市州 table, issued forms."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

import zhenggai
from builders import HEADER_ROW, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import MergeOptions, Options, Status
from zhenggai.cli.app import app

AS_OF = date(2022, 9, 1)
RED, YELLOW = "FFFFC7CE", "FFFFEB9C"
PROBLEMS = {"枣阳市": ["甲问题", "乙问题", "丙问题"], "谷城县": ["丁问题", "戊问题", "己问题", "庚问题"],
            "保康县": ["辛问题", "壬问题"], "老河口市": ["子问题", "丑问题"]}


def _a1(problems: list[str], done: int) -> list[Any]:
    return [[i + 1, p, f"整改措施{i + 1}，投入{i + 1}万元", "是" if i < done else "否",
             "2022-06-30" if i < done else "2022-12-31", "张三", "县商务局"] for i, p in enumerate(problems)]


def _a2(county: str, total: object, done: object, open_: object, funds: object = 10) -> list[object]:
    return [county, total, done, open_, funds, 0, 1, 2, 0, 3, 4, 1, None]


def _feedback(tmp_path: Path) -> Path:
    rows: list[list[object]] = [["序号", "县（市、区）", "问题描述"]]
    rows += [[i, county, p] for county, ps in PROBLEMS.items() for i, p in enumerate(ps, start=1)]
    return make_workbook(tmp_path / "反馈问题清单.xlsx", {"清单": rows})


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """枣阳市 answers all; 谷城县 leaves 庚问题 out (deleted) and says 3 in 附件2; 保康县
    sends only 附件1; 老河口市 sends nothing."""
    folder = tmp_path / "收件"
    make_workbook(folder / "枣阳市附件1.xlsx", {"s": appendix1_rows(_a1(PROBLEMS["枣阳市"], 2), county="枣阳市")})
    make_workbook(folder / "枣阳市附件2.xlsx", {"s": appendix2_rows(_a2("枣阳市", 3, 2, 1), county="枣阳市")})
    make_workbook(folder / "谷城县附件1.xlsx", {"s": appendix1_rows(_a1(PROBLEMS["谷城县"][:3], 2))})
    make_workbook(folder / "谷城县附件2.xlsx", {"s": appendix2_rows(_a2("谷城县", 3, 2, 1))})
    make_workbook(folder / "保康县附件1.xlsx", {"s": appendix1_rows(_a1(PROBLEMS["保康县"], 1), county="保康县")})
    return folder


def _sheet(path: Path, name: str) -> Worksheet:
    ws = openpyxl.load_workbook(path)[name]
    assert isinstance(ws, Worksheet)
    return ws


def _rows(ws: Worksheet) -> dict[str, dict[str, Any]]:
    """County (or 合计) → {header: cell} for the rows under the header row."""
    header = [str(c.value or "").replace("\n", "") for c in ws[HEADER_ROW + 1]]
    i_county = header.index("县（市、区）")
    out: dict[str, dict[str, Any]] = {}
    for row in ws.iter_rows(min_row=HEADER_ROW + 2):
        name = row[i_county].value
        if name and not str(row[0].value or "").startswith("联系人"):
            out[str(name)] = dict(zip(header, row, strict=False))
    return out


def _fill(cell: Any) -> str:
    return str(cell.fill.fgColor.rgb)


def _merge_with_list(inbox: Path, tmp_path: Path) -> tuple[Path, Any]:
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([inbox], MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市"), out,
                            problems=_feedback(tmp_path))
    return out, result


def test_overview_counts_the_list_not_the_rows_a_county_filled(inbox: Path, tmp_path: Path) -> None:
    out, result = _merge_with_list(inbox, tmp_path)
    rows = _rows(_sheet(out, "汇总概览"))
    assert list(rows) == ["枣阳市", "谷城县", "保康县", "老河口市", "合计"]  # the list's order
    got = {k: (r["报送状态"].value, r["反馈问题数"].value, r["已完成"].value, r["未完成"].value, r["完成率"].value)
           for k, r in rows.items()}
    assert got == {
        "枣阳市": ("已报送", 3, 2, 1, pytest.approx(2 / 3)),
        "谷城县": ("已报送", 4, 2, 2, 0.5),  # 庚问题 left out: 未完成, not a smaller denominator
        "保康县": ("缺附件2", 2, 1, 1, 0.5),
        "老河口市": ("未报送", 2, 0, 2, 0),  # sent nothing: keeps its row and its official count
        "合计": ("2/4 已报送", 11, 5, 6, pytest.approx(5 / 11)),
    }
    gucheng = rows["谷城县"]["反馈问题数"]
    assert _fill(gucheng) == RED and "自己填报 3 个问题" in gucheng.comment.text
    assert "按反馈问题清单计 4 个问题" in gucheng.comment.text
    assert rows["谷城县"]["已完成"].comment is None  # 2 either way
    assert "谷城县" in rows["合计"]["反馈问题数"].comment.text
    codes = [(f.code, f.message) for f in result.rollup.report.findings() if f.code == "official-count-differs"]
    assert codes == [("official-count-differs", "谷城县 自己填报 3 个问题、已完成 2 个；汇总按反馈问题清单计 4 个问题、"
                                                "已完成 2 个（清单中没有填报或已删除的问题计为未完成）")]


def test_stats_sheet_has_every_county_with_official_counts(inbox: Path, tmp_path: Path) -> None:
    out, _ = _merge_with_list(inbox, tmp_path)
    rows = _rows(_sheet(out, "成果统计汇总"))
    assert list(rows) == ["枣阳市", "谷城县", "保康县", "老河口市", "合计"]
    total = "反馈问题数（个）"
    assert {k: r[total].value for k, r in rows.items()} == {"枣阳市": 3, "谷城县": 4, "保康县": 2, "老河口市": 2,
                                                            "合计": 11}
    assert {k: r["已完成整改数（个）"].value for k, r in rows.items()}["合计"] == 5
    assert {k: r["未完成整改数（个）"].value for k, r in rows.items()}["合计"] == 6
    g = rows["谷城县"][total]
    assert _fill(g) == RED and "附件2 填 3；按反馈问题清单和附件1 计为 4" in g.comment.text
    # No usable 附件2: counts from the list (yellow, said so), indicators blank, red, in no total.
    b = rows["保康县"]
    assert _fill(b[total]) == YELLOW and "按反馈问题清单计" in b[total].comment.text
    funds = "县级财政安排经费（万元）"
    assert b[funds].value in (None, "") and _fill(b[funds]) == RED
    assert b["备注"].value == "缺附件2" and rows["老河口市"]["备注"].value == "未报送"
    assert rows["合计"][funds].value == 20  # 枣阳市 + 谷城县 only
    assert rows["合计"][funds].comment.text == "不完整：不含 保康县（缺附件2）、老河口市（未报送）"
    assert "谷城县" in rows["合计"][total].comment.text


def test_items_sheet_keeps_a_line_for_a_county_without_rows(inbox: Path, tmp_path: Path) -> None:
    out, result = _merge_with_list(inbox, tmp_path)
    ws = _sheet(out, "整改清单汇总")
    counties = [r[0] for r in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True)
                if r[0] and not str(r[0]).startswith("联系人")]
    assert list(dict.fromkeys(counties)) == ["枣阳市", "谷城县", "保康县", "老河口市"]
    last = [r for r in ws.iter_rows(min_row=HEADER_ROW + 2) if r[0].value == "老河口市"]
    assert len(last) == 1 and last[0][2].value == "未报送" and _fill(last[0][2]) == RED
    assert last[0][1].value is None  # no 序号: not a problem row
    assert result.rollup.counties[3].rows_written == 0  # the line is no 附件1 row


def test_json_and_frames_carry_the_official_figures(inbox: Path, tmp_path: Path, runner: CliRunner) -> None:
    feedback = _feedback(tmp_path)
    res = runner.invoke(app, ["merge", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--problems", str(feedback),
                              "--as-of", "2022-09-01", "--format", "json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    by = {c["county"]: c for c in data["counties"]}
    assert {k: (c["total"], c["done"], c["open"], c["official"]) for k, c in by.items()} == {
        "枣阳市": (3, 2, 1, True), "谷城县": (4, 2, 2, True), "保康县": (2, 1, 1, True), "老河口市": (2, 0, 2, True)}
    assert by["谷城县"]["reported"] == {"total": 3, "done": 2} and "reported" not in by["枣阳市"]
    assert by["谷城县"]["rate"] == 0.5 and by["老河口市"]["status"] == "missing"
    assert data["totals"] == {"counties": 4, "submitted": 2, "total": 11, "done": 5, "open": 6,
                              "rate": pytest.approx(5 / 11), "overdue": 0, "official": True, "incomplete": []}
    frames = zhenggai.merge([inbox], MergeOptions(validate=Options(as_of=AS_OF)), problems=feedback).frames()
    c = frames.counties.set_index("county")
    assert c.loc["谷城县", "total"] == 4 and c.loc["谷城县", "reported_total"] == 3
    assert c.loc["老河口市", "total"] == 2 and c.loc["老河口市", "rate"] == 0
    s = frames.stats.set_index("county")
    assert list(s.index) == ["枣阳市", "谷城县", "保康县", "老河口市"]
    assert s.loc["谷城县", "total"] == 4 and s.loc["保康县", "status"] == "no-appendix2"
    assert s.loc["老河口市", "county_funds"] is pd_na()


def pd_na() -> Any:
    import pandas as pd

    return pd.NA


def test_the_shipped_second_round_reads_12_of_20(tmp_path: Path, runner: CliRunner) -> None:
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "第二轮.xlsx"
    res = runner.invoke(app, ["merge", str(root / "examples" / "襄阳市收件-第二轮"), "-o", str(out), "--prefecture",
                              "襄阳市", "--expect", "枣阳市,保康县,谷城县,老河口市", "--problems",
                              str(root / "examples" / "反馈问题清单.xlsx"), "--as-of", "2022-10-15",
                              "--format", "json"])
    assert res.exit_code == 1
    totals = json.loads(res.stdout)["totals"]
    assert (totals["total"], totals["done"], totals["rate"]) == (20, 12, 0.6)
    rows = _rows(_sheet(out, "汇总概览"))
    total = rows["合计"]
    assert (total["反馈问题数"].value, total["已完成"].value, total["完成率"].value) == (20, 12, 0.6)
    assert rows["谷城县"]["完成率"].value == 0.4 and rows["老河口市"]["反馈问题数"].value == 4
    stats = _rows(_sheet(out, "成果统计汇总"))
    assert stats["合计"]["反馈问题数（个）"].value == 20 and stats["合计"]["已完成整改数（个）"].value == 12


# --- without a feedback list ------------------------------------------------------------


def test_without_a_list_a_missing_county_is_named_on_every_total(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([inbox], MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市",
                                              expect=("枣阳市", "谷城县", "保康县", "老河口市")), out)
    rows = _rows(_sheet(out, "汇总概览"))
    assert rows["老河口市"]["报送状态"].value == "未报送" and rows["合计"]["反馈问题数"].value == 8
    for header in ("反馈问题数", "已完成", "未完成", "完成率"):
        cell = rows["合计"][header]
        assert _fill(cell) == RED and cell.comment.text == (
            "不完整：不含 老河口市（未报送）；枣阳市、谷城县、保康县的反馈问题数按县里附件1自己填报的问题计，"
            "未按反馈问题清单核对：漏填的问题不在其中")
    stats = _rows(_sheet(out, "成果统计汇总"))
    assert list(stats) == ["枣阳市", "谷城县", "保康县", "老河口市", "合计"]
    # 保康县 sent 附件1 only: its counts from 附件1 (yellow), indicators blank and red.
    assert stats["保康县"]["反馈问题数（个）"].value == 2 and _fill(stats["保康县"]["反馈问题数（个）"]) == YELLOW
    assert _fill(stats["老河口市"]["反馈问题数（个）"]) == RED and stats["老河口市"]["备注"].value == "未报送"
    assert "老河口市（未报送）" in stats["合计"]["反馈问题数（个）"].comment.text
    found = [f.message for f in result.rollup.report.findings() if f.code == "total-incomplete"]
    assert found == ["合计不含 老河口市（未报送）：没有可汇总的数据，也没有反馈问题清单给出应有的问题数，"
                     "合计不是全部县（市、区）的数"]


def test_without_a_list_the_rate_says_it_counts_the_rows_a_county_wrote(tmp_path: Path, runner: CliRunner) -> None:
    # 谷城县 answers 3 of its 4 problems and says 3 in 附件2 too: without the list nothing can
    # tell the fourth is missing, so 2/3 is the county's own figure. That is said on the
    # overview's 合计 (yellow, a comment) and on the terminal's last line, never passed off as
    # the official rate; with the list the figure is 2/4 and nothing says "自报".
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县.xlsx", {"附件1": appendix1_rows(_a1(PROBLEMS["谷城县"][:3], 2)),
                                         "附件2": appendix2_rows(_a2("谷城县", 3, 2, 1))})
    out = tmp_path / "汇总.xlsx"
    result = runner.invoke(app, ["merge", str(folder), "-o", str(out), "--as-of", "2022-09-01"])
    assert result.exit_code == 0, result.output
    assert "已完成 2/3 个问题（67%，按各县自报的问题计，未核对反馈问题清单）" in result.output
    total = _rows(_sheet(out, "汇总概览"))["合计"]
    for header in ("反馈问题数", "已完成", "未完成", "完成率"):
        assert _fill(total[header]) == YELLOW
        assert total[header].comment.text == ("各县（市、区）的反馈问题数按县里附件1自己填报的问题计，"
                                              "未按反馈问题清单核对：漏填的问题不在其中")
    listed = tmp_path / "按清单.xlsx"
    result = runner.invoke(app, ["merge", str(folder), "-o", str(listed), "--as-of", "2022-09-01",
                                 "--problems", str(_feedback(tmp_path)), "--expect", "谷城县"])
    assert "已完成 2/4 个问题（50%）" in result.output and "自报" not in result.output
    comment = _rows(_sheet(listed, "汇总概览"))["合计"]["反馈问题数"].comment
    assert comment is not None and "未按反馈问题清单核对" not in comment.text


def test_a2_that_contradicts_a1_is_red_with_both_figures(tmp_path: Path) -> None:
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县附件1.xlsx", {"s": appendix1_rows(_a1(["甲", "乙", "丙"], 1))})
    make_workbook(folder / "谷城县附件2.xlsx", {"s": appendix2_rows(_a2("谷城县", 5, 2, 3))})
    make_workbook(folder / "保康县附件1.xlsx", {"s": appendix1_rows(_a1(["丁", "戊"], 2), county="保康县")})
    make_workbook(folder / "保康县附件2.xlsx", {"s": appendix2_rows(_a2("保康县", 2, 2, 0), county="保康县")})
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)), out)
    codes = sorted({f.code for f in result.rollup.report.findings()})
    assert "cross-total-mismatch" in codes and "cross-done-mismatch" in codes
    stats = _rows(_sheet(out, "成果统计汇总"))
    total, done = stats["谷城县"]["反馈问题数（个）"], stats["谷城县"]["已完成整改数（个）"]
    assert total.value == 5 and _fill(total) == RED
    assert total.comment.text == "附件2 填 5，附件1 为 3：两个数不一致，请县里核对"
    assert done.value == 2 and done.comment.text == "附件2 填 2，附件1 为 1：两个数不一致，请县里核对"
    assert _fill(stats["保康县"]["反馈问题数（个）"]) != RED
    t = stats["合计"]["反馈问题数（个）"]
    assert t.value == 7 and _fill(t) == RED and t.comment.text == "含 谷城县 标出的数（见各格批注）"
    assert stats["合计"]["县级财政安排经费（万元）"].comment is None  # that column agrees


def test_counts_that_do_not_add_up_are_marked(tmp_path: Path) -> None:
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县附件1.xlsx", {"s": appendix1_rows(_a1(["甲", "乙", "丙"], 1))})
    make_workbook(folder / "谷城县附件2.xlsx", {"s": appendix2_rows(_a2("谷城县", 3, 1, 1))})
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)), out)
    assert "count-sum-mismatch" in {f.code for f in result.rollup.report.findings()}
    row = _rows(_sheet(out, "成果统计汇总"))["谷城县"]
    assert _fill(row["未完成整改数（个）"]) == RED
    assert row["未完成整改数（个）"].comment.text == "已完成 1 + 未完成 1 = 2，不等于反馈问题数 3"


# --- plausibility ------------------------------------------------------------------------


def test_yuan_typed_in_a_wan_yuan_column_is_an_error_in_no_total(tmp_path: Path) -> None:
    # 500000 under 县级财政安排经费（万元）reads as 50万元 typed in 元 or as 50亿元: a figure
    # with two readings 10,000-fold apart is never summed as one of them (it was, marked
    # yellow, until 2026-12-05: a 元 amount summed as 万元, exit 0).
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县附件1.xlsx", {"s": appendix1_rows(_a1(["甲", "乙"], 1))})
    make_workbook(folder / "谷城县附件2.xlsx", {"s": appendix2_rows(_a2("谷城县", 2, 1, 1, funds=500000))})
    report = zhenggai.validate([folder], Options(as_of=AS_OF)).report
    hits = [f for f in report.findings() if f.code in ("amount-maybe-yuan", "indicator-implausible")]
    assert [(f.code, f.cell, f.severity.value) for f in hits] == [("amount-maybe-yuan", "E5", "error")]
    assert "像是按元填写的（500000 元 = 50 万元）" in hits[0].message and "未计入合计" in hits[0].message
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)), out)
    assert result.rollup.report.errors >= 1
    stats = _rows(_sheet(out, "成果统计汇总"))
    cell = stats["谷城县"]["县级财政安排经费（万元）"]
    assert cell.value == "500000" and _fill(cell) == RED  # as the clerk wrote it, red, in no total
    total = stats["合计"]["县级财政安排经费（万元）"]
    assert total.value == 0 and _fill(total) == RED and "谷城县" in total.comment.text


@pytest.mark.parametrize("typed", ["5000万元", "3500万", "0.5亿"])
def test_a_large_figure_with_its_own_unit_was_not_typed_in_yuan(tmp_path: Path, typed: str) -> None:
    # "5000万元" says its unit: "像是按元填写，请换算为万元（0.5）" was wrong advice and kept
    # the figure out of every total. It is only implausible: counted, yellow, "请核实".
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县附件1.xlsx", {"s": appendix1_rows(_a1(["甲", "乙"], 1))})
    make_workbook(folder / "谷城县附件2.xlsx", {"s": appendix2_rows(_a2("谷城县", 2, 1, 1, funds=typed))})
    report = zhenggai.validate([folder], Options(as_of=AS_OF)).report
    hits = [(f.code, f.severity.value) for f in report.findings() if f.code in ("amount-maybe-yuan",
                                                                               "indicator-implausible")]
    assert hits == [("indicator-implausible", "warning")]
    message = next(f.message for f in report.findings() if f.code == "indicator-implausible")
    assert f"填写的是“{typed}”，请核实" in message and "按元" not in message


@pytest.mark.parametrize("total", [True, False])
def test_a_county_figure_summed_from_townships_is_checked_for_yuan_too(tmp_path: Path, total: bool) -> None:
    # 城关镇 2000 and 石花镇 2500 typed in 元: each row passes alone, their 4500 under 万元 is
    # the county's figure and reads as 0.45万元 in 元 — the same error as one row of 4500.
    folder = tmp_path / "收件"
    a2 = appendix2_rows(["城关镇", 2, 1, 1, 2000])
    a2[5:5] = [["石花镇", 1, 1, 0, 2500], *([["合计", 3, 2, 1, 4500]] if total else [])]
    make_workbook(folder / "谷城县附件2.xlsx", {"s": a2})
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)), tmp_path / "汇总.xlsx")
    hits = [(f.cell, f.severity.value) for f in result.rollup.report.findings() if f.code == "amount-maybe-yuan"]
    assert hits == [("E7" if total else "E5", "error")]
    row = _rows(_sheet(tmp_path / "汇总.xlsx", "成果统计汇总"))
    assert _fill(row["谷城县"]["县级财政安排经费（万元）"]) == RED
    assert row["合计"]["县级财政安排经费（万元）"].value == 0


def test_a_count_out_of_range_and_a_plausible_figure(tmp_path: Path) -> None:
    folder = tmp_path / "收件"
    row = ["谷城县", 2, 1, 1, 2999, 0, 1500, 2, 0, 3, 4, 1, None]  # 1500 补充人员: a digit too many?
    make_workbook(folder / "谷城县附件2.xlsx", {"s": appendix2_rows(row)})
    report = zhenggai.validate([folder], Options(as_of=AS_OF)).report
    hits = [(f.cell, f.message) for f in report.findings() if f.code == "indicator-implausible"]
    assert hits == [("G5", "「补充人员（人）」1500 超出合理范围（0～200）：是否多写了位数，或按其他单位填写？请核实")]


# --- issued forms are never a reply --------------------------------------------------------


def test_a_prefilled_appendix2_never_wins_over_the_real_one(tmp_path: Path) -> None:
    import os

    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县附件1.xlsx", {"s": appendix1_rows(_a1(["甲", "乙"], 1))})
    real = make_workbook(folder / "谷城县附件2.xlsx", {"s": appendix2_rows(_a2("谷城县", 2, 1, 1))})
    # The form init-county issued (county and 反馈问题数 pre-filled), saved later.
    issued = make_workbook(folder / "谷城县附件2（下发表样）.xlsx",
                           {"s": appendix2_rows(["谷城县", 2, None, None, None, None, None, None, None, None, None,
                                                 None, None])})
    os.utime(real, (1_600_000_000, 1_600_000_000))
    os.utime(issued, (1_700_000_000, 1_700_000_000))
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)))
    (s,) = result.rollup.counties
    assert s.status is Status.SUBMITTED and any(f.endswith("谷城县附件2.xlsx") for f in s.files)
    codes = {f.code for f in result.rollup.report.findings()}
    assert "blank-form" in codes and not codes & {"duplicate-submission", "version-uncertain"}
    assert result.rollup.stats[0].values["county_funds"] == 10
    assert [(k.file.endswith("（下发表样）.xlsx"), k.reason) for k in result.rollup.skipped] == [
        (True, "空白表样或下发时原样未填的表，不作为报送")]


def test_a_county_that_sent_only_the_issued_forms_has_not_replied(tmp_path: Path) -> None:
    folder = tmp_path / "收件"
    a1 = [[1, "甲问题", None, None, None, None, None], [2, "乙问题", None, None, None, None, None]]
    make_workbook(folder / "谷城县附件1.xlsx", {"s": appendix1_rows(a1)})
    make_workbook(folder / "谷城县附件2.xlsx", {"s": appendix2_rows(["谷城县", 2])})
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)))
    (s,) = result.rollup.counties
    assert s.status is Status.BLANK and s.total == 0
    assert "county-blank-only" in {f.code for f in result.rollup.report.findings()}


# --- province ------------------------------------------------------------------------------


def test_province_names_a_missing_prefecture_and_tabulates_each(inbox: Path, tmp_path: Path,
                                                                runner: CliRunner) -> None:
    rollups = tmp_path / "省收件"
    rollups.mkdir()
    zhenggai.merge([inbox], MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市"),
                   rollups / "襄阳市汇总.xlsx", problems=_feedback(tmp_path))
    out = tmp_path / "全省.xlsx"
    res = runner.invoke(app, ["merge", str(rollups), "-o", str(out), "--expect", "十堰市,襄阳市,宜昌市",
                              "--as-of", "2022-09-01", "--format", "json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    missing = [f["message"] for fr in data["files"] for f in fr["findings"] if f["code"] == "prefecture-not-submitted"]
    assert missing == ["十堰市 未报送汇总表", "宜昌市 未报送汇总表"]
    assert [p["prefecture"] for p in data["prefectures"]] == ["十堰市", "襄阳市", "宜昌市"]
    ws = _sheet(out, "市州汇总")
    header = [str(c.value).replace("\n", "") for c in ws[HEADER_ROW + 1]]  # printed with line breaks
    assert header == ["市（州）", "报送状态", "应报县数", "已报县数", "反馈问题数", "已完成", "未完成", "完成率",
                      "逾期未完成", "错误数", "汇总表生成时间"]
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=HEADER_ROW + 2, max_row=HEADER_ROW + 5)]
    saved = body[1][10]
    assert isinstance(saved, str) and saved.startswith(f"{date.today().year}年")  # the rollup's saved time
    errors = data["prefectures"][1]["errors"]
    assert body == [
        ["十堰市", "未报送", None, None, None, None, None, None, None, None, None],
        ["襄阳市", "已报送", 4, 3, 11, 5, 6, pytest.approx(5 / 11), 0, errors, saved],
        ["宜昌市", "未报送", None, None, None, None, None, None, None, None, None],
        ["合计", "1/3 已报送", 4, 3, 11, 5, 6, pytest.approx(5 / 11), 0, errors, None],
    ]
    assert errors > 0
    assert _fill(ws.cell(HEADER_ROW + 2, 2)) == RED
    assert ws.cell(HEADER_ROW + 5, 5).comment.text == "不完整：不含 十堰市、宜昌市（未报送汇总表）"
    overview = _rows(_sheet(out, "汇总概览"))
    assert "十堰市（未报送汇总表）" in overview["合计"]["反馈问题数"].comment.text


def test_province_reads_placeholders_as_no_data(inbox: Path, tmp_path: Path) -> None:
    rollups = tmp_path / "省收件"
    rollups.mkdir()
    zhenggai.merge([inbox], MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市"),
                   rollups / "襄阳市汇总.xlsx", problems=_feedback(tmp_path))
    result = zhenggai.merge([rollups], MergeOptions(validate=Options(as_of=AS_OF)), tmp_path / "全省.xlsx")
    by = {c.county: c for c in result.rollup.counties}
    assert (by["老河口市"].total, by["老河口市"].done, by["老河口市"].rows_read) == (2, 0, 0)
    assert by["老河口市"].official  # read back from a rollup made with a feedback list
    assert len(result.rollup.items) == 3 + 3 + 2  # the 未报送 line is no problem
    stats = {s.county: s for s in result.rollup.stats}
    assert "county_funds" in stats["老河口市"].unreadable and stats["老河口市"].status is Status.MISSING
    assert stats["保康县"].values["total"] == 2
    rows = _rows(_sheet(tmp_path / "全省.xlsx", "成果统计汇总"))
    assert rows["合计"]["县级财政安排经费（万元）"].value == 20


@pytest.mark.parametrize("how", ["blank", "no-column"])
def test_a_figure_the_county_did_not_state_is_in_no_total(tmp_path: Path, how: str) -> None:
    # A blank 追回企业资金 cell, or a form without that column (an old template, a hidden
    # column), states no figure: not 0. It was written as 0 (or left blank, unmarked) and the
    # 合计 claimed to be complete; now the cell is red, the 合计 names the county, the
    # province reading it back leaves it out too.
    folder = tmp_path / "收件"
    make_workbook(folder / "保康县附件1.xlsx", {"s": appendix1_rows(_a1(["甲", "乙"], 1), county="保康县")})
    make_workbook(folder / "保康县附件2.xlsx", {"s": appendix2_rows(
        ["保康县", 2, 1, 1, 10, 7, 1, 2, 0, 3, 4, 1, None], county="保康县")})
    make_workbook(folder / "谷城县附件1.xlsx", {"s": appendix1_rows(_a1(["甲", "乙"], 1))})
    gucheng = appendix2_rows(["谷城县", 2, 1, 1, 10, None, 1, 2, 0, 3, 4, 1, None])
    if how == "no-column":
        gucheng = [row[:5] + row[6:] if len(row) > 5 else row for row in gucheng]
    make_workbook(folder / "谷城县附件2.xlsx", {"s": gucheng})
    found = [(f.code, f.cell) for f in zhenggai.validate([folder], Options(as_of=AS_OF)).report.findings()
             if f.severity.value == "error"]
    assert found == ([("number-blank", "F5")] if how == "blank" else [("missing-column", None)])
    out = tmp_path / "省收件" / "襄阳市汇总.xlsx"
    out.parent.mkdir()
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市"), out)
    assert result.rollup.report.errors == 1
    stats = _rows(_sheet(out, "成果统计汇总"))
    cell = stats["谷城县"]["追回企业资金（万元）"]
    assert cell.value is None and _fill(cell) == RED and "没有" in cell.comment.text
    total = stats["合计"]["追回企业资金（万元）"]
    assert total.value == 7 and _fill(total) == RED and total.comment.text == "不完整：不含 谷城县（未填报此项）"
    funds = stats["合计"]["县级财政安排经费（万元）"]
    assert funds.value == 20 and funds.comment is None
    back = {s.county: s for s in zhenggai.read_rollup(out).stats}
    assert "recovered_funds" in back["谷城县"].unreadable and "recovered_funds" not in back["保康县"].unreadable
    province = zhenggai.merge([out.parent], MergeOptions(validate=Options(as_of=AS_OF)), tmp_path / "全省.xlsx")
    assert province.output is not None
    total = _rows(_sheet(province.output, "成果统计汇总"))["合计"]["追回企业资金（万元）"]
    assert total.value == 7 and _fill(total) == RED and "谷城县（未填报此项）" in total.comment.text
