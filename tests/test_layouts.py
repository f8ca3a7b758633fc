"""Layouts clerks really send: several counties in a workbook, hidden copies, 合计 rows,
township breakdowns, merged problems, two-row headers. Each case is built in code and the
rollup is reopened: the exact rows and numbers, or the exact error finding."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

import zhenggai
from builders import (
    A1_HEADERS,
    A2_HEADERS,
    HEADER_ROW,
    META_SHEET,
    Row,
    add_form_definition,
    appendix1_rows,
    appendix2_rows,
    make_workbook,
)
from zhenggai import MergeOptions, MergeResult, Options

AS_OF = date(2022, 9, 1)
P1 = "问题描述（按反馈问题清单填报）"


def opts(*expect: str) -> MergeOptions:
    return MergeOptions(validate=Options(as_of=AS_OF), prefecture="宜昌市", expect=expect)


def rows_for(county: str, n: int, done: int) -> list[Row]:
    return [
        # An action with figures no 附件2 indicator reads (measure-figure-mismatch is tested in test_quantities).
        [i + 1, f"{county}问题{i + 1}", f"投入{i + 1}万元，培训学员{i + 1}人", "是" if i < done else "否",
         "2022-06-30" if i < done else "2022-12-31", "张三", "商务局"]
        for i in range(n)
    ]


def a2_row(county: str, n: int, done: int, funds: object = 10.5) -> Row:
    return [county, n, done, n - done, funds, 0, 1, 2, 0, 3, 4, 1, None]


def sheet_rows(path: Path, name: str) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[name]
    assert isinstance(ws, Worksheet)
    header = [str(c.value or "").replace("\n", "") for c in ws[HEADER_ROW + 1]]  # printed with line breaks
    # Not the 联系人 line under the table (the rollup is a formal attachment).
    return [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True)
            if any(v is not None for v in r) and not str(r[0] or "").startswith("联系人：")]


def overview(path: Path) -> dict[str, tuple[Any, ...]]:
    return {r["县（市、区）"]: (r["报送状态"], r["反馈问题数"], r["已完成"], r["未完成"])
            for r in sheet_rows(path, "汇总概览")}


def stats_rows(path: Path, key: str = "县级财政安排经费（万元）") -> dict[str, Any]:
    return {r["县（市、区）"]: r[key] for r in sheet_rows(path, "成果统计汇总")}


def codes(result: MergeResult) -> list[tuple[str, str | None, str | None]]:
    return sorted((f.code, f.sheet, f.cell) for f in result.rollup.report.findings()
                  if f.severity.value != "info" and f.code not in ("contact-missing", "phone-missing", "phone-invalid"))


def run(tmp_path: Path, files: dict[str, dict[str, list[Row]]], *expect: str,
        merges: dict[str, dict[str, list[str]]] | None = None) -> tuple[MergeResult, Path]:
    folder = tmp_path / "收件"
    for name, sheets in files.items():
        make_workbook(folder / name, sheets, merges=(merges or {}).get(name))
    out = tmp_path / "汇总.xlsx"
    return zhenggai.merge([folder], opts(*expect), out), out


# --- several counties in one workbook ------------------------------------------------------


@pytest.mark.parametrize(("stated", "found"), [(17.5, []), (27.5, [("collected-total-differs", "附件2", "E7")])])
def test_a_workbook_with_several_counties_gives_each_county_its_rows(tmp_path: Path, stated: float,
                                                                     found: list[tuple[str, str, str]]) -> None:
    # A 市's table: 长阳 10.5 + 五峰 7 = 17.5. A 合计 row that says 27.5 (one row typed over) is
    # an error; the rollup adds the county rows either way.
    a2 = appendix2_rows(a2_row("长阳土家族自治县", 3, 1), county="宜昌市")
    a2.insert(5, a2_row("五峰土家族自治县", 2, 2, 7))
    a2.insert(6, ["合计", 5, 3, 2, stated, 0, 2, 4, 0, 6, 8, 2])
    result, out = run(tmp_path, {"宜昌市各县报送.xlsx": {
        "长阳": appendix1_rows(rows_for("长阳", 3, 1), county="长阳土家族自治县"),
        "五峰": appendix1_rows(rows_for("五峰", 2, 2), county="五峰土家族自治县"),
        "附件2": a2,
    }}, "长阳土家族自治县", "五峰土家族自治县")
    assert overview(out) == {
        "长阳土家族自治县": ("已报送", 3, 1, 2), "五峰土家族自治县": ("已报送", 2, 2, 0),
        "合计": ("2/2 已报送", 5, 3, 2),
    }
    assert stats_rows(out) == {"长阳土家族自治县": 10.5, "五峰土家族自治县": 7, "合计": 17.5}
    assert codes(result) == found


def test_bureau_line_with_any_unit_names_the_county(tmp_path: Path) -> None:
    a1 = appendix1_rows(rows_for("长阳", 2, 1), county="长阳土家族自治县")
    a1[2] = ["长阳土家族自治县经济和信息化局（盖章）"]
    a2 = appendix2_rows(a2_row("长阳土家族自治县", 2, 1))
    a2[2] = ["填报单位：长阳土家族自治县商务和经济信息化局"]
    result, out = run(tmp_path, {"报送.xlsx": {"附件1": a1, "附件2": a2}}, "长阳土家族自治县")
    assert overview(out)["长阳土家族自治县"] == ("已报送", 2, 1, 1)
    assert codes(result) == []


def test_unreadable_bureau_line_says_what_was_found_without_blaming_a_placeholder(tmp_path: Path) -> None:
    a1 = appendix1_rows(rows_for("谷城", 2, 1))
    a1[2] = ["经济和信息化局（盖章）"]
    result, _ = run(tmp_path, {"谷城县附件1.xlsx": {"附件1": a1}})
    # The county is in the file name: read from there with a warning (issue 18), never silently.
    msg = next(f.message for f in result.rollup.report.findings() if f.code == "county-found-elsewhere")
    assert "“经济和信息化局（盖章）”" in msg and "**县" not in msg and "文件名：“谷城县”" in msg


# --- hidden sheets, rows and columns -------------------------------------------------------


def _hide(path: Path, sheet: str | None = None, rows: tuple[int, ...] = (), cols: tuple[str, ...] = (),
          state: str = "hidden") -> None:
    wb = openpyxl.load_workbook(path)
    if sheet is not None:
        wb[sheet].sheet_state = state
    ws = wb.worksheets[0]
    for r in rows:
        ws.row_dimensions[r].hidden = True
    for c in cols:
        ws.column_dimensions[c].hidden = True
    wb.save(path)


def test_hidden_sheet_with_an_older_copy_is_ignored_with_a_warning(tmp_path: Path) -> None:
    import xlsxwriter

    folder = tmp_path / "收件"
    folder.mkdir()
    wb = xlsxwriter.Workbook(str(folder / "谷城县.xlsx"))
    sheets = {"Sheet1": appendix1_rows(rows_for("谷城", 3, 2)),
              "Sheet1 (2)": appendix1_rows(rows_for("谷城旧", 5, 0)),
              "附件2": appendix2_rows(a2_row("谷城县", 3, 2))}
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        if name == "Sheet1 (2)":
            ws.hide()  # an older copy the clerk hid
    add_form_definition(wb)  # zhenggai's own hidden sheet: no warning for it
    wb.close()
    result = zhenggai.merge([folder], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert overview(tmp_path / "汇总.xlsx")["谷城县"] == ("已报送", 3, 2, 1)
    assert codes(result) == [("hidden-sheet-ignored", "Sheet1 (2)", None)]
    msg = next(f.message for f in result.rollup.report.findings() if f.code == "hidden-sheet-ignored")
    assert "“Sheet1 (2)”" in msg
    assert META_SHEET not in {f.sheet for f in result.rollup.report.findings()}


def test_hidden_columns_are_not_data_and_hidden_rows_of_a_table_are_read_with_an_error(tmp_path: Path) -> None:
    # A hidden row inside a table (an old problem, or one a filter hides) has two readings:
    # it is read, and the error hidden-row-read names it (it was only a warning, and dropped).
    folder = tmp_path / "收件"
    headers = [*A2_HEADERS[:4], "县级财政安排经费（万元）", *A2_HEADERS[4:]]
    a2 = appendix2_rows(a2_row("谷城县", 3, 2, 12), headers=headers)
    a2[4] = [*a2[4][:4], 99, *a2[4][4:]]  # an older value in a column the clerk hid
    path = make_workbook(folder / "谷城县.xlsx", {"附件2": a2, "附件1": appendix1_rows(
        [*rows_for("谷城", 3, 2), [4, "旧问题", "已删除", "否", "2022-12-31", "张三", "商务局"]])})
    _hide(path, rows=(), cols=("E",))
    wb = openpyxl.load_workbook(path)
    wb["附件1"].row_dimensions[8].hidden = True
    wb.save(path)
    result = zhenggai.merge([folder], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert overview(tmp_path / "汇总.xlsx")["谷城县"] == ("已报送", 4, 2, 2)
    assert stats_rows(tmp_path / "汇总.xlsx")["谷城县"] == 12
    found = codes(result)
    assert ("hidden-row-read", "附件1", "A8") in found and ("hidden-cells-ignored", "附件2", "E4") in found
    assert ("hidden-cells-ignored", "附件1", "A8") not in found


def test_hidden_rows_of_an_xls_table_are_read_with_an_error(tmp_path: Path, soffice: Any) -> None:
    src = make_workbook(tmp_path / "src" / "谷城县.xlsx", {"附件1": appendix1_rows(
        [*rows_for("谷城", 2, 1), [3, "旧问题", "已删除", "否", "2022-12-31", "张三", "商务局"]])})
    wb = openpyxl.load_workbook(src)
    wb["附件1"].row_dimensions[7].hidden = True
    wb["附件1"].column_dimensions["H"].hidden = True
    wb.save(src)
    [xls] = soffice([src], "xls", tmp_path / "收件")
    result = zhenggai.merge([xls.parent], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert result.rollup.counties[0].total == 3
    assert [f.cell for f in result.rollup.report.findings() if f.code == "hidden-row-read"] == ["A7"]


def test_two_visible_copies_in_one_workbook_are_an_error_never_first_wins(tmp_path: Path) -> None:
    result, out = run(tmp_path, {"谷城县.xlsx": {
        "Sheet1": appendix1_rows(rows_for("谷城", 3, 2)),
        "Sheet1 (2)": appendix1_rows(rows_for("谷城", 4, 1)),
        "附件2": appendix2_rows(a2_row("谷城县", 3, 2)),
    }}, "谷城县")
    found = [f for f in result.rollup.report.findings() if f.code == "duplicate-in-workbook"]
    assert len(found) == 1 and "“Sheet1”、“Sheet1 (2)”" in found[0].message
    assert overview(out)["谷城县"][0] == "缺附件1"
    assert result.rollup.report.errors >= 1


def test_two_identical_copies_in_one_workbook_count_once(tmp_path: Path) -> None:
    result, out = run(tmp_path, {"谷城县.xlsx": {
        "Sheet1": appendix1_rows(rows_for("谷城", 3, 2)),
        "Sheet1 (2)": appendix1_rows(rows_for("谷城", 3, 2)),
        "附件2": appendix2_rows(a2_row("谷城县", 3, 2)),
    }}, "谷城县")
    assert overview(out)["谷城县"] == ("已报送", 3, 2, 1)
    assert codes(result) == []


# --- totals rows, townships, merged problems ------------------------------------------------


@pytest.mark.parametrize("label", ["合计", "合  计", "合\u3000计", "总计", "小计：", "全县合计"])
def test_total_rows_are_not_data_in_either_table(tmp_path: Path, label: str) -> None:
    a1 = appendix1_rows([*rows_for("谷城", 2, 1), [label, None, None, None, None, None, None]])
    a1b = appendix1_rows([*rows_for("谷城", 2, 1), [None, label, "2", "1", None, None, None]])
    _, out = run(tmp_path, {"谷城县.xlsx": {"附件1": a1}, "保康县.xlsx": {
        "附件1": [*appendix1_rows(rows_for("保康", 2, 1), county="保康县")[:5], *a1b[5:]],
        "附件2": [*appendix2_rows(a2_row("保康县", 2, 1), county="保康县"), [label, 2, 1, 1, 10.5]]}})
    assert overview(out)["谷城县"][1:] == (2, 1, 1)
    assert overview(out)["保康县"][1:] == (2, 1, 1)
    assert stats_rows(out)["保康县"] == 10.5


def _township_a2(*rows: Row) -> list[Row]:
    # The indicators after 县级财政安排经费 are 0 in every row: a blank in the row that counts
    # would be a figure not stated (number-blank), not what these tests are about.
    full = [[*r, *([0] * (12 - len(r)))] if len(r) < 12 else list(r) for r in rows]
    out = appendix2_rows(full[0])
    for i, r in enumerate(full[1:]):
        out.insert(5 + i, r)
    return out


def test_township_breakdown_uses_its_total_row_when_the_rows_add_up(tmp_path: Path) -> None:
    a2 = _township_a2(["城关镇", 2, 1, 1, 3], ["石花镇", 1, 1, 0, 4.5], ["合  计", 3, 2, 1, 7.5])
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}},
                      "谷城县")
    assert stats_rows(out) == {"谷城县": 7.5, "合计": 7.5}
    assert stats_rows(out, "反馈问题数（个）") == {"谷城县": 3, "合计": 3}
    assert codes(result) == []


def test_township_rows_that_do_not_add_up_are_an_error_and_not_summed(tmp_path: Path) -> None:
    a2 = _township_a2(["城关镇", 2, 1, 1, 3], ["石花镇", 1, 1, 0, 4.5], ["合计", 3, 2, 1, 9])
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}},
                      "谷城县")
    assert codes(result) == [("township-sum-mismatch", "附件2", "E7")]
    assert stats_rows(out)["合计"] == 0  # the column is out of every total ...
    ws = openpyxl.load_workbook(out)["成果统计汇总"]
    assert ws["E5"].value == "9" and ws["E5"].comment is not None  # ... and the county's cell is red text
    assert "各行相加为 7.5" in ws["E5"].comment.text
    assert result.rollup.report.errors == 1


def test_a_total_row_that_disagrees_with_the_county_row_counts_neither(tmp_path: Path) -> None:
    # "谷城县 … 3" and under it "合计 … 5": two figures for one county in its own reply; the
    # county row is not quietly preferred (it was, until 2026-12-05).
    a2 = appendix2_rows(a2_row("谷城县", 3, 2, 3))
    a2.insert(5, ["合计", *a2_row("谷城县", 3, 2, 5)[1:]])
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}},
                      "谷城县")
    assert codes(result) == [("total-row-differs", "附件2", "E6")]
    assert stats_rows(out)["合计"] == 0
    assert stats_rows(out, "反馈问题数（个）") == {"谷城县": 3, "合计": 3}  # the columns that agree still count
    assert "本县行为 3，合计行为 5" in openpyxl.load_workbook(out)["成果统计汇总"]["E5"].comment.text
    same = appendix2_rows(a2_row("谷城县", 3, 2, 3))
    same.insert(5, ["合计", 3, 2, 1, 3])
    result, out = run(tmp_path / "一致", {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)),
                                                         "附件2": same}}, "谷城县")
    assert codes(result) == [] and stats_rows(out) == {"谷城县": 3, "合计": 3}


def test_the_county_row_typed_twice_with_other_figures_counts_neither(tmp_path: Path) -> None:
    # "谷城县 … 10" and below it an updated "谷城县 … 50": not the last row quietly.
    a2 = appendix2_rows(a2_row("谷城县", 3, 2, 10))
    a2.insert(5, a2_row("谷城县", 3, 2, 50))
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}},
                      "谷城县")
    assert ("county-row-repeated", "附件2", "A5") in codes(result)
    assert overview(out)["谷城县"][0] == "缺附件2" and stats_rows(out)["合计"] == 0
    same = appendix2_rows(a2_row("谷城县", 3, 2, 10))
    same.insert(5, a2_row("谷城县", 3, 2, 10))
    result, out = run(tmp_path / "相同", {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)),
                                                         "附件2": same}}, "谷城县")
    assert codes(result) == [] and stats_rows(out) == {"谷城县": 10, "合计": 10}


def test_a_file_named_for_another_county_of_the_run_is_an_error(tmp_path: Path) -> None:
    # 保康县 copied 谷城县's form and sent it unchanged: its 盖章 line says 谷城县. Filed under
    # the 盖章 line as before, but an error now says whose it may be (it was only a warning).
    result, _ = run(tmp_path, {
        "谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)),
                       "附件2": appendix2_rows(a2_row("谷城县", 3, 2))},
        "保康县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 1))},
    }, "谷城县", "保康县")
    found = [f for f in result.rollup.report.findings() if f.code == "county-file-name-other"]
    assert [(f.file, f.severity.value) for f in found] == [("保康县.xlsx", "error")]
    assert "“保康县”" in found[0].message and "“谷城县”" in found[0].message
    # one county spelled two ways is not "another county" (--expect's hint names the spelling)
    result, _ = run(tmp_path / "写法", {"老河口市.xlsx": {"附件1": appendix1_rows(rows_for("老河口", 3, 2),
                                                                               county="老河口")}}, "老河口市")
    assert not [f for f in result.rollup.report.findings() if f.code == "county-file-name-other"]
    # a file named for the 市 (not a county of the run) stays a warning
    result, _ = run(tmp_path / "市", {"襄阳市.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2))}}, "谷城县")
    assert not [f for f in result.rollup.report.findings() if f.code == "county-file-name-other"]


@pytest.mark.parametrize("merge", ["I5:J5", "E5:E6"])
def test_one_figure_merged_over_several_number_cells_counts_nowhere(tmp_path: Path, merge: str) -> None:
    # 12 merged across 淘汰站点 and 新建改造站点 read 12 twice; 30 merged down over two
    # townships' rows was summed to 60. One figure, several readings: an error, in no total.
    a2 = _township_a2(["城关镇", 2, 1, 1, 30, 0, 1, 2, 12, None], ["石花镇", 1, 1, 0, None, 0, 1, 2, 3, 4])
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}},
                      "谷城县", merges={"谷城县.xlsx": {"附件2": [merge]}})
    found = [(f.code, f.cell) for f in result.rollup.report.findings() if f.code == "number-merged"]
    assert found == [("number-merged", merge.split(":")[0])]
    key = "淘汰站点（个）" if merge == "I5:J5" else "县级财政安排经费（万元）"
    assert stats_rows(out, key)["合计"] == 0 and result.rollup.report.errors >= 1


def test_township_rows_without_a_total_are_summed_with_a_warning(tmp_path: Path) -> None:
    a2 = _township_a2(["城关镇", 2, 1, 1, 3], ["石花镇", 1, 1, 0, 4.5])
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}},
                      "谷城县")
    assert stats_rows(out) == {"谷城县": 7.5, "合计": 7.5}
    assert stats_rows(out, "反馈问题数（个）")["谷城县"] == 3
    assert codes(result) == [("township-summed", "附件2", "A5")]


def test_a_problem_merged_over_several_measures_counts_once(tmp_path: Path) -> None:
    rows: list[Row] = [
        [1, "站点运营不规范", "新建站点3个", "是", "2022-06-30", "张三", "商务局"],
        [None, None, "淘汰站点2个", "否", "2022-08-31", "张三", "商务局"],
        [None, None, "培训3期", "是", "2022-06-30", "张三", "商务局"],
        [2, "快递整合不够", "整合快递企业2家", "是", "2022-06-30", "李四", "邮政"],
    ]
    a1 = appendix1_rows(rows)
    a2 = list(a2_row("谷城县", 2, 1))
    a2[8] = 2  # 淘汰站点, as the measures state (else measure-figure-mismatch)
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件1": a1, "附件2": appendix2_rows(a2)}},
                      "谷城县", merges={"谷城县.xlsx": {"附件1": ["A5:A7", "B5:B7"]}})
    assert overview(out)["谷城县"] == ("已报送", 2, 1, 1)
    over = {r["县（市、区）"]: r["逾期未完成"] for r in sheet_rows(out, "汇总概览")}
    assert over["谷城县"] == 1
    assert len([r for r in sheet_rows(out, "整改清单汇总") if r["县（市、区）"] == "谷城县"]) == 4
    assert codes(result) == [("overdue", "附件1", "E6")]


# --- headers -------------------------------------------------------------------------------


def test_two_row_header_with_a_group_cell_reads_as_one(tmp_path: Path) -> None:
    top = ["序号", "问题描述", "整改情况", None, None, "责任人", "责任单位"]
    sub = [None, None, "是否完成整改", "整改措施", "完成时限", None, None]
    data = [[1, "问题一", "是", "投入5万元", "2022-06-30", "张三", "商务局"],
            [2, "问题二", "否", "新建站点2个", "2022-12-31", "李四", "商务局"]]
    rows: list[Row] = [["附件1"], ["示范县整改清单"], ["谷城县商务主管部门（盖章）"], top, sub, *data]
    _, out = run(tmp_path, {"谷城县.xlsx": {"附件1": rows}}, "谷城县",
                      merges={"谷城县.xlsx": {"附件1": ["C4:E4", "A4:A5", "B4:B5", "F4:F5", "G4:G5"]}})
    assert overview(out)["谷城县"] == ("缺附件2", 2, 1, 1)
    items = sheet_rows(out, "整改清单汇总")
    assert [(r[P1], r["整改措施和情况"], r["是否完成整改"]) for r in items] == [
        ("问题一", "投入5万元", "是"), ("问题二", "新建站点2个", "否")]


def test_two_row_header_of_appendix2_with_county_merged_down(tmp_path: Path) -> None:
    top = ["县（市、区）", "反馈问题数（个）", "已完成整改数（个）", "未完成整改数（个）", "整改成果",
           *[None] * 7, "备注"]
    sub = [None, None, None, None, *A2_HEADERS[4:12], None]
    rows: list[Row] = [["附件2"], ["示范县专项整改成果统计表"], ["谷城县商务主管部门（盖章）"], top, sub,
                       a2_row("谷城县", 3, 2, 6)]
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件2": rows, "附件1": appendix1_rows(rows_for("谷城", 3, 2))}},
                      "谷城县", merges={"谷城县.xlsx": {"附件2": ["E4:L4", "A4:A5", "B4:B5", "C4:C5", "D4:D5"]}})
    assert stats_rows(out)["谷城县"] == 6
    assert stats_rows(out, "优化培训课程（个）")["谷城县"] == 1
    assert codes(result) == []


def test_header_far_down_is_found_and_the_message_says_where_search_stopped(tmp_path: Path) -> None:
    notes: list[Row] = [[f"说明第{i}行"] for i in range(150)]
    far = appendix1_rows(rows_for("谷城", 2, 1))
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件1": [*notes, *far]},
                                 "保康县.xlsx": {"附件1": [*[[f"说明{i}"] for i in range(205)], A1_HEADERS]}})
    assert overview(out)["谷城县"][1:] == (2, 1, 1)
    msg = next(f.message for f in result.rollup.report.findings() if f.code == "no-table")
    assert "前 200 行" in msg


# --- blank forms ---------------------------------------------------------------------------


def test_a_blank_form_never_displaces_a_reply_and_alone_is_not_submitted(tmp_path: Path) -> None:
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows_for("谷城", 3, 2))})
    make_workbook(folder / "谷城县-附件2.xlsx", {"附件2": appendix2_rows(a2_row("谷城县", 3, 2))})
    make_workbook(folder / "谷城县-附件1(空白).xlsx", {"附件1": appendix1_rows([[1], [2], [3]])})
    make_workbook(folder / "保康县-附件1.xlsx", {"附件1": appendix1_rows([], county="保康县")})
    make_workbook(folder / "保康县-附件2.xlsx", {"附件2": appendix2_rows(["保康县"], county="保康县")})
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([folder], opts("谷城县", "保康县"), out)
    assert overview(out) == {"谷城县": ("已报送", 3, 2, 1), "保康县": ("未填报", None, None, None),  # unknown, not 0
                             "合计": ("1/2 已报送", 3, 2, 1)}
    assert ("county-blank-only", None, None) in codes(result)
    assert "保康县 只交了空白表样" in next(f.message for f in result.rollup.report.findings()
                                     if f.code == "county-blank-only")


def test_one_appendix1_sheet_with_a_county_column_gives_each_county_its_rows(tmp_path: Path) -> None:
    headers = ["县（市、区）", *A1_HEADERS]
    rows: list[Row] = [["谷城县", *r] for r in rows_for("谷城", 2, 1)]
    rows += [["保康县" if i == 0 else None, *r] for i, r in enumerate(rows_for("谷城", 3, 3))]  # the same texts
    a1 = appendix1_rows(rows, county="襄阳市", headers=headers)
    a2 = appendix2_rows(a2_row("谷城县", 2, 1), county="襄阳市")
    a2.insert(5, a2_row("保康县", 3, 3))
    result, out = run(tmp_path, {"襄阳市汇总各县.xlsx": {"附件1": a1, "附件2": a2}}, "谷城县", "保康县",
                      merges={"襄阳市汇总各县.xlsx": {"附件1": ["A7:A9"]}})
    assert overview(out) == {"谷城县": ("已报送", 2, 1, 1), "保康县": ("已报送", 3, 3, 0),
                             "合计": ("2/2 已报送", 5, 4, 1)}
    assert [c for c in codes(result) if c[0].startswith(("cross", "duplicate", "county"))] == []
    # Each county numbers and lists its own problems: 序号 1 again and a problem text both
    # counties share are not "重复" across counties (they were, row for row).
    assert [c for c in codes(result) if c[0] in ("seq-duplicate", "seq-gap", "problem-duplicate")] == []


@pytest.mark.parametrize("kind", ["附件1", "附件2"])
def test_two_different_visible_copies_of_either_appendix_are_an_error(tmp_path: Path, kind: str) -> None:
    first = {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": appendix2_rows(a2_row("谷城县", 3, 2))}
    second = {"附件1": appendix1_rows(rows_for("谷城", 3, 1)), "附件2": appendix2_rows(a2_row("谷城县", 3, 2, 99))}
    result, out = run(tmp_path, {"谷城县.xlsx": {**first, f"{kind} (2)": second[kind]}}, "谷城县")
    assert [f.code for f in result.rollup.report.findings() if f.code == "duplicate-in-workbook"] == [
        "duplicate-in-workbook"]
    assert overview(out)["谷城县"][0] == ("缺附件1" if kind == "附件1" else "缺附件2")


@pytest.mark.parametrize("kind", ["附件1", "附件2"])
def test_validate_tells_the_clerk_what_the_merge_will_not_count(tmp_path: Path, kind: str) -> None:
    # A clerk who copies a sheet to revise it must hear "two different copies" before sending,
    # not "0 个错误" from validate and then a rejected appendix at the prefecture.
    first = {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": appendix2_rows(a2_row("谷城县", 3, 2))}
    second = {"附件1": appendix1_rows(rows_for("谷城", 3, 1)), "附件2": appendix2_rows(a2_row("谷城县", 3, 2, 99))}
    book = make_workbook(tmp_path / "谷城县.xlsx", {**first, f"{kind} (2)": second[kind]})
    found = [f for f in zhenggai.validate([book]).report.findings() if f.code == "duplicate-in-workbook"]
    assert len(found) == 1 and found[0].severity.value == "error"
    assert f"“{kind}”、“{kind} (2)”" in found[0].message
    same = make_workbook(tmp_path / "同样.xlsx", {**first, f"{kind} (2)": first[kind]})
    assert not [f for f in zhenggai.validate([same]).report.findings() if f.code == "duplicate-in-workbook"]


def test_a_row_naming_no_county_among_several_counties_is_an_error_not_added_to_one(tmp_path: Path) -> None:
    a2 = appendix2_rows(a2_row("谷城县", 2, 1), county="襄阳市")
    a2.insert(5, a2_row("保康县", 2, 2, 3))
    a2.insert(6, a2_row("襄阳市本级", 1, 1, 100))
    result, out = run(tmp_path, {"襄阳市.xlsx": {"附件2": a2}}, "谷城县", "保康县")
    assert stats_rows(out) == {"谷城县": 10.5, "保康县": 3, "合计": 13.5}
    assert [c for c in codes(result) if c[0] == "county-row-unknown"] == [("county-row-unknown", "附件2", "A7")]


def _ods_with_hidden(tmp_path: Path, soffice: Any) -> tuple[Path, Path]:
    """The same reply as .xlsx and re-saved by LibreOffice as .ods: 附件1 row 8 and 附件2
    columns E:F hidden (one ``table:table-column`` repeated twice, visibility="collapse")."""
    headers = [*A2_HEADERS[:4], "县级财政安排经费（万元）", "市级财政安排经费（万元）", *A2_HEADERS[4:]]
    a2 = appendix2_rows(a2_row("谷城县", 3, 2, 12), headers=headers)
    a2[4] = [*a2[4][:4], 99, 98, *a2[4][4:]]  # older values in columns the clerk hid
    src = make_workbook(tmp_path / "src" / "谷城县.xlsx", {"附件2": a2, "附件1": appendix1_rows(
        [*rows_for("谷城", 3, 2), [4, "旧问题", "已删除", "否", "2022-12-31", "张三", "商务局"]])})
    _hide(src, cols=("E", "F"))
    wb = openpyxl.load_workbook(src)
    wb["附件1"].row_dimensions[8].hidden = True
    wb.save(src)
    [ods] = soffice([src], "ods", tmp_path / "收件")
    return src, ods


def test_hidden_rows_and_columns_of_an_ods_read_as_in_excel(tmp_path: Path, soffice: Any) -> None:
    import zipfile

    src, ods = _ods_with_hidden(tmp_path, soffice)
    content = zipfile.ZipFile(ods).read("content.xml").decode()
    assert 'table:visibility="collapse"' in content  # the shape under test is LibreOffice's own
    result = zhenggai.merge([ods.parent], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert overview(tmp_path / "汇总.xlsx")["谷城县"] == ("已报送", 4, 2, 2)
    assert stats_rows(tmp_path / "汇总.xlsx")["谷城县"] == 12
    found = codes(result)
    assert ("hidden-row-read", "附件1", "A8") in found and ("hidden-cells-ignored", "附件2", "E4") in found
    # the same mechanism as .xlsx: the .xlsx it came from reads with the same findings
    from_xlsx = zhenggai.merge([src.parent], opts("谷城县"), tmp_path / "汇总2.xlsx")
    assert codes(from_xlsx) == found


def test_rows_an_ods_filter_hides_and_repeated_hidden_rows_are_read_with_an_error(tmp_path: Path,
                                                                                  soffice: Any) -> None:
    """visibility="filter" (a standard filter) on a row repeated twice: both rows are hidden."""
    import re

    from builders import rewrite_zip

    old = [9, "旧问题", "已删除", "否", "2022-12-31", "张三", "商务局"]
    src = make_workbook(tmp_path / "src" / "谷城县.xlsx", {"附件1": appendix1_rows(
        [*rows_for("谷城", 3, 2), old, old])})
    [saved] = soffice([src], "ods", tmp_path / "lo")

    def edit(data: bytes) -> bytes:
        # LibreOffice writes the two identical rows out; a writer may join them into one
        # row element repeated twice (ODF allows it), here also hidden by a filter.
        text = data.decode()
        rows = [m[0] for m in re.finditer(r"<table:table-row [^>]*>(?:(?!</table:table-row>).)*旧问题.*?"
                                          r"</table:table-row>", text)]
        assert len(rows) == 2 and rows[0] == rows[1]
        one = rows[0].replace("<table:table-row ", '<table:table-row table:number-rows-repeated="2" '
                              'table:visibility="filter" ', 1)
        return text.replace(rows[0] + rows[1], one).encode()

    (tmp_path / "收件").mkdir()
    ods = rewrite_zip(saved, tmp_path / "收件" / "谷城县.ods", {"content.xml": edit})
    result = zhenggai.merge([ods.parent], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert result.rollup.counties[0].total == 5
    assert result.rollup.counties[0].done == 2
    found = [f for f in result.rollup.report.findings() if f.code == "hidden-row-read"]
    assert [f.cell for f in found] == ["A8"] and "第 8、9 行" in found[0].message


def test_hidden_rows_columns_and_sheets_of_an_ods(tmp_path: Path, soffice: Any) -> None:
    headers = [*A2_HEADERS[:4], "县级财政安排经费（万元）", *A2_HEADERS[4:]]
    a2 = appendix2_rows(a2_row("谷城县", 3, 2, 12), headers=headers)
    a2[4] = [*a2[4][:4], 99, *a2[4][4:]]  # an older value in a column the clerk hid
    src = make_workbook(tmp_path / "src" / "谷城县.xlsx", {
        "附件1": appendix1_rows([*rows_for("谷城", 3, 2), [4, "旧问题", "已删", "否", "2022-12-31", "张三", "商务局"]]),
        "附件2": a2, "附件1 (2)": appendix1_rows(rows_for("谷城旧", 5, 0))})
    wb = openpyxl.load_workbook(src)
    wb["附件1"].row_dimensions[8].hidden = True
    wb["附件2"].column_dimensions["E"].hidden = True
    wb["附件1 (2)"].sheet_state = "hidden"
    wb.save(src)
    [ods] = soffice([src], "ods", tmp_path / "收件")
    result = zhenggai.merge([ods.parent], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert overview(tmp_path / "汇总.xlsx")["谷城县"] == ("已报送", 4, 2, 2)
    assert stats_rows(tmp_path / "汇总.xlsx")["谷城县"] == 12
    found = codes(result)
    assert {("hidden-row-read", "附件1", "A8"), ("hidden-cells-ignored", "附件2", "E4"),
            ("hidden-sheet-ignored", "附件1 (2)", None)} <= set(found)
