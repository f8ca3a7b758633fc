"""Where the county is (issue 18, class 3): the 盖章/填报单位 line in any wording, else the
title, else the sheet name, else the file name, with a warning saying where it was found."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import zhenggai
from builders import GOOD_A2, GOOD_ROWS, Row, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import MergeOptions, Options

OPTS = Options(as_of=date(2022, 9, 1))


def a1_with_line(line: Row, *, contact: str | None = "（联系人：张三  联系电话：13800138000）") -> list[Row]:
    rows = appendix1_rows([list(r) for r in GOOD_ROWS], contact=contact)
    rows[2] = line
    return rows


@pytest.mark.parametrize("line", [
    ["报送单位（盖章）：谷城县经济商务和信息化局"],
    ["谷城县商务局（章）"],
    ["单位名称：谷城县商务局"],
    ["谷城县（市、区）商务主管部门（盖章）"],  # the placeholder half edited
    ["**谷城县商务主管部门（盖章）"],
    ["填报单位（签章）：", "谷城县商务局"],
    ["谷城县商务局（盖章）      填报日期：2022年7月8日"],
])
def test_a_bureau_line_in_any_wording(tmp_path: Path, line: Row) -> None:
    path = make_workbook(tmp_path / "报送.xlsx", {"附件1": a1_with_line(line)})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert results[0].county == "谷城县"
    assert report.findings() == []


@pytest.mark.parametrize("line", [
    ["填报单位：谷城县商务局    联系人：张三    联系电话：13800138000"],
    ["填报单位：谷城县商务局", "", "联系人：张三", "", "电话：13800138000"],
])
def test_county_and_contact_on_one_line(tmp_path: Path, line: Row) -> None:
    path = make_workbook(tmp_path / "报送.xlsx", {"附件1": a1_with_line(line, contact=None)})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert results[0].county == "谷城县"
    contact = results[0].tables[0].table.contact
    assert contact is not None and (contact.name, contact.phone) == ("张三", "13800138000")
    assert report.findings() == []


@pytest.mark.parametrize(("title", "sheet", "name", "where"), [
    ("谷城县示范县整改清单", "附件1", "报送.xlsx", "标题"),
    ("湖北省襄阳市谷城县电子商务进农村综合示范县整改清单", "附件1", "报送.xlsx", "标题"),
    ("示范县整改清单", "谷城县", "报送.xlsx", "工作表名"),
    ("示范县整改清单", "附件1", "谷城县-附件1.xlsx", "文件名"),
])
def test_county_found_elsewhere_with_a_warning(tmp_path: Path, title: str, sheet: str, name: str,
                                               where: str) -> None:
    rows = a1_with_line(["**县（市、区）商务主管部门（盖章）"])
    rows[1] = [title]
    path = make_workbook(tmp_path / name, {sheet: rows})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert results[0].county == "谷城县"
    (f,) = report.findings()
    assert (f.code, f.severity.value, f.cell) == ("county-found-elsewhere", "warning", "A3")
    assert f"县名取自{where}：“谷城县”" in f.message


def test_what_else_disagreed_is_named(tmp_path: Path) -> None:
    rows = a1_with_line([])
    rows[1] = ["谷城县示范县整改清单"]
    path = make_workbook(tmp_path / "保康县-附件1.xlsx", {"附件1": rows})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert results[0].county == "谷城县"
    warning = next(f for f in report.findings() if f.code == "county-found-elsewhere")
    assert "保康县" in warning.message


def test_nowhere_is_still_an_error(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "报送.xlsx", {"附件1": a1_with_line(["**县（市、区）商务主管部门（盖章）"])})
    report = zhenggai.validate([path], OPTS).report
    assert [(f.code, f.severity.value) for f in report.findings()] == [("county-missing", "error")]


@pytest.mark.parametrize("label", ["合计", "合  计", "全县合计", "总计"])
def test_an_appendix2_whose_only_row_is_the_total_is_the_county(tmp_path: Path, label: str) -> None:
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows([list(r) for r in GOOD_ROWS]),
                                                    "附件2": appendix2_rows([label, *GOOD_A2[1:]])})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    stats = results[0].tables_of("appendix2")[0].counties["谷城县"]
    assert (stats.numbers["total"], stats.numbers["county_funds"]) == (2, 30)
    assert report.errors == 0, [f.message for f in report.findings()]


# --- a 附件2 turned sideways ----------------------------------------------------------------

def _sideways(values: Row, *, label_col: int = 0) -> list[Row]:
    from builders import A2_HEADERS

    pad = [None] * label_col
    return [["附件2"], ["示范县专项整改成果统计表"], ["谷城县商务主管部门（盖章）"],
            *([*pad, h, v] for h, v in zip(A2_HEADERS, values, strict=True)),
            [], ["（联系人：张三  联系电话：0710-7223456）"]]


@pytest.mark.parametrize("label_col", [0, 1])
def test_an_appendix2_turned_sideways_is_read(tmp_path: Path, label_col: int) -> None:
    path = make_workbook(tmp_path / "报送.xlsx", {"附件1": appendix1_rows([list(r) for r in GOOD_ROWS]),
                                                  "附件2": _sideways(list(GOOD_A2), label_col=label_col)})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    stats = results[0].tables_of("appendix2")[0].counties["谷城县"]
    assert (stats.numbers["total"], stats.numbers["county_funds"], stats.numbers["staff_added"]) == (2, 30, 4)
    assert [(f.code, f.sheet) for f in report.findings()] == [("table-transposed", "附件2")]


def test_a_finding_on_a_sideways_table_names_the_cell_the_clerk_sees(tmp_path: Path) -> None:
    values = list(GOOD_A2)
    values[4] = "约30"  # 县级财政安排经费, the 5th indicator: sheet row 3 + 5 = 8, column B
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件2": _sideways(values)})
    report = zhenggai.validate([path], OPTS).report
    bad = [(f.cell, f.row, f.code) for f in report.findings() if f.severity.value == "error"]
    assert bad == [("B8", 8, "number-estimate")]


# --- 附件1 continued on another sheet --------------------------------------------------------

def _numbered(first: int, n: int, done: int = 0) -> list[Row]:
    return [[i, f"问题{i}", f"投入{i}万元", "是" if i - first < done else "否", "2022-12-31", "张三", "县商务局"]
            for i in range(first, first + n)]


@pytest.mark.parametrize("second_top", [
    [],  # the header alone at the top of the second sheet
    [["附件1"], ["示范县整改清单"], ["谷城县商务主管部门（盖章）"]],  # the whole layout again
])
def test_appendix1_continued_on_another_sheet_is_one_table(tmp_path: Path, second_top: list[Row]) -> None:
    from builders import A1_HEADERS

    first = appendix1_rows(_numbered(1, 3, 3), contact=None)
    second: list[Row] = [*second_top, A1_HEADERS, *_numbered(4, 2), ["（联系人：张三  联系电话：13800138000）"]]
    second[-2][4] = "2022年13月"  # a bad date on the second sheet: named on that sheet
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": first, "附件1（续）": second})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    (t,) = results[0].tables_of("appendix1")
    assert [(it.sheet, it.row) for it in t.items] == [(None, 5), (None, 6), (None, 7),
                                                      ("附件1（续）", len(second_top) + 2),
                                                      ("附件1（续）", len(second_top) + 3)]
    got = [(f.sheet, f.cell, f.code) for f in report.findings()]
    assert ("附件1（续）", f"E{len(second_top) + 3}", "date-invalid") in got
    assert ("附件1（续）", f"A{len(second_top) + 1}", "table-continued") in got
    assert not [x for x in got if x[2] in ("seq-gap", "duplicate-in-workbook", "contact-missing")]


def test_two_sheets_numbered_from_1_are_not_one_table(tmp_path: Path) -> None:
    """序号 starting again at 1: two copies (or two counties), never silently one table."""
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(_numbered(1, 2)),
                                                    "Sheet2": appendix1_rows(_numbered(1, 3))})
    results = zhenggai.validate([path], OPTS).files
    assert len(results[0].tables_of("appendix1")) == 2


def test_a_continued_appendix1_counts_every_problem_once_in_the_rollup(tmp_path: Path) -> None:
    from builders import A1_HEADERS



    first = appendix1_rows(_numbered(1, 3, 3), contact=None)
    second: list[Row] = [A1_HEADERS, *_numbered(4, 2), ["（联系人：张三  联系电话：13800138000）"]]
    make_workbook(tmp_path / "收件" / "谷城县.xlsx", {"附件1": first, "Sheet2": second})
    result = zhenggai.merge([tmp_path / "收件"], MergeOptions(validate=OPTS))
    (c,) = result.rollup.counties
    assert (c.county, c.total, c.done, c.open) == ("谷城县", 5, 3, 2)
    assert [(i.sheet, i.source_row) for i in result.rollup.items] == [
        ("附件1", 5), ("附件1", 6), ("附件1", 7), ("Sheet2", 2), ("Sheet2", 3)]
