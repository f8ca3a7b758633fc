"""validate: every rule of issue 3, asserted as the exact list of (cell, code) it reports.

Workbooks are built in code (``builders.make_workbook``: 附件1 header on Excel row 4, data
from row 5; 附件2's county row is row 5). ``AS_OF`` is fixed so that "today" never moves.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

import zhenggai
from builders import (
    A1_HEADERS,
    A2_HEADERS,
    GOOD_A2,
    GOOD_ROWS,
    Row,
    appendix1_rows,
    appendix2_rows,
    make_workbook,
    make_xlsxwriter_book,
)
from zhenggai import FileResult, Options, Report

AS_OF = date(2022, 9, 1)
OPTS = Options(as_of=AS_OF)


def run(
    tmp_path: Path,
    sheets: dict[str, list[Row]],
    *,
    name: str = "谷城县.xlsx",
    merges: dict[str, list[str]] | None = None,
    opts: Options = OPTS,
) -> tuple[Report, list[FileResult]]:
    path = make_workbook(tmp_path / name, sheets, merges=merges)
    validated = zhenggai.validate([path], opts)
    return validated.report, list(validated.files)


def a1(tmp_path: Path, rows: list[Row], **kw: Any) -> Report:
    """Validate a workbook holding only 附件1 with these data rows (from Excel row 5)."""
    opts = kw.pop("opts", OPTS)
    return run(tmp_path, {"附件1": appendix1_rows(rows, **kw)}, opts=opts)[0]


def a2(tmp_path: Path, values: Row, **kw: Any) -> Report:
    """Validate a workbook holding only 附件2 with this county row (Excel row 5)."""
    return run(tmp_path, {"附件2": appendix2_rows(values, **kw)})[0]


def good(**changes: Any) -> list[list[Any]]:
    """GOOD_ROWS with cells changed: ``good(D5="也许")``."""
    rows = [list(r) for r in GOOD_ROWS]
    for cell, value in changes.items():
        col = ord(cell[0]) - ord("A")
        rows[int(cell[1:]) - 5][col] = value
    return rows


def good_a2(**changes: Any) -> list[Any]:
    values = list(GOOD_A2)
    for cell, value in changes.items():
        values[ord(cell[0]) - ord("A")] = value
    return values


def items(results: list[FileResult]) -> list[Any]:
    return [i for r in results for t in r.tables_of("appendix1") for i in t.items]


def stats(results: list[FileResult]) -> list[Any]:
    return [s for r in results for t in r.tables_of("appendix2") for s in t.stats]


# --- the good case -------------------------------------------------------------------------


def test_good_workbook_with_both_tables_has_no_findings(tmp_path: Path) -> None:
    report, results = run(tmp_path, {"附件1": appendix1_rows(GOOD_ROWS), "附件2": appendix2_rows(GOOD_A2)})
    assert report.flatten() == []
    assert report.to_dict()["files"][0]["tables"] == [
        {"kind": "appendix1", "sheet": "附件1", "rows": 2},
        {"kind": "appendix2", "sheet": "附件2", "rows": 1},
    ]
    assert report.files[0].county == "谷城县"
    assert [(i.row, i.done, i.deadline) for i in items(results)] == [
        (5, True, date(2022, 6, 30)),
        (6, False, date(2022, 12, 31)),
    ]
    s = stats(results)[0]
    assert s.county == "谷城县"
    assert s.numbers == {"total": 2, "done": 1, "open": 1, "county_funds": 30, "recovered_funds": 0,
                         "staff_added": 4, "couriers_integrated": 3, "stations_closed": 0, "stations_built": 5,
                         "villages_covered": 12, "courses_improved": 2}


# --- 附件1: required fields ------------------------------------------------------------------


@pytest.mark.parametrize("col", ["B", "C", "D", "E", "F", "G"])
@pytest.mark.parametrize("blank", [None, "   ", "\u3000"])
def test_required_field_left_blank(tmp_path: Path, col: str, blank: str | None) -> None:
    # A cell holding only (full-width) spaces looks blank to the clerk, so it is blank.
    report = a1(tmp_path, good(**{f"{col}5": blank}))
    assert report.flatten() == [[f"{col}5", "required-missing"]]


def test_only_seq_filled_is_a_blank_template_row_not_five_errors(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, [3], [4, " ", None, None, None, None, "  "], [5]]
    report, _results = run(tmp_path, {"附件1": appendix1_rows(rows)})
    assert report.flatten() == []
    assert report.files[0].tables[0].rows == 2


# --- 附件1: 是否完成整改 --------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "row", "done"), [
    ("已完成", 5, True), ("完成", 5, True), ("√", 5, True), ("已整改", 5, True), ("是（已验收）", 5, True),
    ("未完成", 6, False), ("正在整改", 6, False), ("整改中", 6, False), ("×", 6, False),
])
def test_done_variants_are_accepted_with_info(tmp_path: Path, value: str, row: int, done: bool) -> None:
    report, results = run(tmp_path, {"附件1": appendix1_rows(good(**{f"D{row}": value}))})
    assert report.flatten() == [[f"D{row}", "done-variant"]]
    assert report.findings()[0].severity.value == "info"
    assert report.findings()[0].value == value
    assert items(results)[row - 5].done is done


@pytest.mark.parametrize("value", [" 是 ", "是\n", "否 "])
def test_done_with_stray_spaces_is_exact(tmp_path: Path, value: str) -> None:
    row = 5 if "是" in value else 6
    assert a1(tmp_path, good(**{f"D{row}": value})).flatten() == []


@pytest.mark.parametrize("value", ["也许", "部分完成", "基本完成？", 1, "是否"])
def test_done_invalid_is_an_error_and_skips_date_rules(tmp_path: Path, value: object) -> None:
    # With an unreadable 是/否 the date rules cannot know which rule applies: no guess.
    report, results = run(tmp_path, {"附件1": appendix1_rows(good(D5=value, E5="2023-06-30"))})
    assert report.flatten() == [["D5", "done-invalid"]]
    assert items(results)[0].done is None


# --- 附件1: 完成时限 -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "approximate"), [
    ("2022-12-31", False),
    ("2022/12/31", False),
    ("2022.12.31", False),
    ("2022年12月31日", False),
    ("2022 年 12 月 31 日", False),
    ("２０２２－１２－３１", False),  # full-width digits and dash
    ("2022-12-31 00:00:00", False),  # text copied out of a datetime cell
    (datetime(2022, 12, 31), False),  # a real date cell
    (44926, False),  # the same date as a bare Excel serial (format lost)
    ("44926", False),  # and as text
    ("2022年12月底", True),
    ("2022年底前", True),
    ("2022年12月", True),
    ("二〇二二年十二月", True),
    ("二○二二年十二月底", True),  # ○ (U+25CB) is what many IMEs offer for 〇
])
def test_every_date_form_reads_as_the_same_day(tmp_path: Path, value: object, approximate: bool) -> None:
    report, results = run(tmp_path, {"附件1": appendix1_rows(good(E6=value))})
    assert report.flatten() == ([["E6", "date-approximate"]] if approximate else [])
    assert items(results)[1].deadline == date(2022, 12, 31)


@pytest.mark.parametrize("value", ["长期坚持", "持续推进", "年底前", "2022-13-01", "2022-02-30", "下半年",
                                   "0022-12-31"])
def test_date_invalid(tmp_path: Path, value: str) -> None:
    report, results = run(tmp_path, {"附件1": appendix1_rows(good(E6=value))})
    assert report.flatten() == [["E6", "date-invalid"]]
    assert items(results)[1].deadline is None  # never a guessed date


def test_open_item_later_than_the_deadline(tmp_path: Path) -> None:
    assert a1(tmp_path, good(E6="2023-01-01")).flatten() == [["E6", "deadline-too-late"]]
    # --deadline moves the limit; a finished item may have been finished any time up to as-of
    later = Options(as_of=AS_OF, deadline=date(2023, 6, 30))
    assert a1(tmp_path, good(E6="2023-01-01"), opts=later).flatten() == []


def test_month_only_deadline_means_its_last_day(tmp_path: Path) -> None:
    # "2023年1月" is 2023-01-31: too late, and said once, with the info on how it was read.
    assert a1(tmp_path, good(E6="2023年1月")).flatten() == [["E6", "deadline-too-late"], ["E6", "date-approximate"]]


def test_finished_item_dated_after_as_of(tmp_path: Path) -> None:
    assert a1(tmp_path, good(E5="2022-09-02")).flatten() == [["E5", "done-date-future"]]
    assert a1(tmp_path, good(E5="2022-09-01")).flatten() == []  # as-of itself is today, fine
    assert a1(tmp_path, good(E5="2022-09-02"), opts=Options(as_of=date(2022, 12, 1))).flatten() == []


def test_open_item_past_its_date_is_overdue(tmp_path: Path) -> None:
    report = a1(tmp_path, good(E6="2022-08-31"))
    assert report.flatten() == [["E6", "overdue"]]
    assert report.findings()[0].severity.value == "warning"
    assert a1(tmp_path, good(E6="2022-09-01")).flatten() == []  # due today is not late yet


# --- 附件1: measures, 序号, duplicates ---------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("高度重视，进一步加强管理，认真落实整改责任", "measure-pledge-only"),
    ("立行立改，举一反三，建立长效机制", "measure-pledge-only"),
    ("县财政安排30万元", None),
    ("培训三期，新增运营人员四人", None),
    ("已终止与原运营企业的合作", None),  # an action without a number
    ("2022年10月前完成站点清理", "measure-deadline-only"),  # a promise with a date
    ("召开党组会议3次专题研究整改工作", "measure-meeting-only"),  # a count of meetings
    ("①高度重视②认真落实", "measure-pledge-only"),  # list markers are numbers that count nothing
])
def test_measure_that_only_pledges(tmp_path: Path, text: str, code: str | None) -> None:
    expected = [["C5", code]] if code else []
    assert a1(tmp_path, good(C5=text)).flatten() == expected


def test_pledge_message_names_the_words(tmp_path: Path) -> None:
    (finding,) = a1(tmp_path, good(C5="切实提高认识，确保9月30日前整改到位")).findings()
    assert finding.message.startswith("整改措施只有表态和时限（“切实”“提高认识”“确保”“日前”）")


def test_seq_gap_duplicate_and_not_a_number(tmp_path: Path) -> None:
    rows = [good()[0], [3, *good()[1][1:]]]
    assert a1(tmp_path, rows).flatten() == [["A6", "seq-gap"]]
    rows = [good()[0], [1, *good()[1][1:]]]
    assert a1(tmp_path, rows).flatten() == [["A6", "seq-duplicate"]]
    rows = [["一", *good()[0][1:]], good()[1]]
    assert a1(tmp_path, rows).flatten() == [["A5", "seq-invalid"]]


def test_seq_restarting_under_each_category_is_no_gap(tmp_path: Path) -> None:
    r1, r2 = good()
    rows = [["一、业务建设方面"], r1, r2, ["二、资金管理方面"], [1, "问题丙", *r1[2:]], [2, "问题丁", *r2[2:]]]
    report, results = run(tmp_path, {"附件1": appendix1_rows(rows)}, merges={"附件1": ["A5:G5", "A8:G8"]})
    assert report.flatten() == []
    assert [(i.row, i.category) for i in items(results)] == [
        (6, "一、业务建设方面"), (7, "一、业务建设方面"), (9, "二、资金管理方面"), (10, "二、资金管理方面")]
    assert report.files[0].tables[0].rows == 4


def test_repeated_problem_is_flagged_on_the_second_row(tmp_path: Path) -> None:
    r1 = good()[0]
    rows = [r1, [2, "县级电商公共服务中心 停止运营。", *r1[2:]]]  # same words, other spaces/punctuation
    report = a1(tmp_path, rows)
    assert report.flatten() == [["B6", "problem-duplicate"]]
    assert "第 5 行" in report.findings()[0].message


def test_a_repeated_problem_answered_done_and_not_done_is_an_error(tmp_path: Path) -> None:
    # Without a feedback list the two rows counted as two problems, one done (5 of 6, or 4 or
    # 5 of 5?), with a warning only (audit28): which row is true is the county's to say.
    r1, r2 = good()
    rows = [r1, [2, r1[1], r2[2], "否" if r1[3] == "是" else "是", *r2[4:]]]
    report = a1(tmp_path, rows)
    assert report.flatten() == [["B6", "problem-duplicate"], ["D6", "problem-duplicate-disagrees"]]
    found = report.findings()[1]
    assert found.severity.value == "error" and "第 5 行" in found.message and "无法确定" in found.message
    # the same answer twice stays a warning
    assert a1(tmp_path / "同", [r1, [2, r1[1], *r1[2:]]]).flatten() == [["B6", "problem-duplicate"]]


# --- 附件2 -------------------------------------------------------------------------------------


def test_appendix2_numbers(tmp_path: Path) -> None:
    report = a2(tmp_path, good_a2(E="-5", G=4.5, F=30.125, H="3.5家"))
    assert report.flatten() == [
        ["E5", "number-negative"], ["F5", "number-too-many-decimals"],
        ["G5", "number-not-integer"], ["H5", "number-not-integer"]]


@pytest.mark.parametrize(("value", "number"), [
    ("30万元", 30), ("３", 3), ("１２．５", 12.5), ("1,234.50", 1234.5), (" 7 ", 7), (30.1, 30.1),
])
def test_numbers_with_units_and_full_width_digits(tmp_path: Path, value: object, number: float) -> None:
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件2": appendix2_rows(good_a2(E=value))})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert report.flatten() == []
    assert stats(results)[0].numbers["county_funds"] == number


@pytest.mark.parametrize("dash", ["—", "——", "/", "无", "－", "-"])
def test_dash_counts_as_zero_with_info(tmp_path: Path, dash: str) -> None:
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件2": appendix2_rows(good_a2(F=dash, I=dash))})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert report.flatten() == [["F5", "number-dash"], ["I5", "number-dash"]]
    assert stats(results)[0].numbers["recovered_funds"] == 0
    assert stats(results)[0].numbers["stations_closed"] == 0


def test_a_blank_figure_is_not_stated_never_zero(tmp_path: Path) -> None:
    # A blank 成果 cell says neither 0 nor a number (the README: unknown is NA, not 0); it was
    # read as 0 silently until 2026-12-05. 0, — and 无 are the clerk's 0 (number-dash).
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件2": appendix2_rows(good_a2(F=None, L=None, I="无"))})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert report.flatten() == [["F5", "number-blank"], ["I5", "number-dash"], ["L5", "number-blank"]]
    counted = [s.numbers for r in results for t in r.tables_of("appendix2") for s in t.counties.values()]
    assert [(n["recovered_funds"], n["courses_improved"], n["stations_closed"]) for n in counted] == [(None, None, 0)]


@pytest.mark.parametrize(("text", "code"), [("若干", "number-invalid"), ("约30", "number-estimate"),
                                          ("30 40", "number-invalid"), ("TRUE", "number-invalid"),
                                          ("30万元以上", "number-estimate")])
def test_unreadable_number_is_an_error_never_a_number(tmp_path: Path, text: str, code: str) -> None:
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件2": appendix2_rows(good_a2(E=text))})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert report.flatten() == [["E5", code]]
    assert stats(results)[0].numbers["county_funds"] is None


def test_done_plus_open_must_equal_total(tmp_path: Path) -> None:
    report = a2(tmp_path, good_a2(B=3, C=1, D=1))
    assert report.flatten() == [["B5", "count-sum-mismatch"]]
    assert report.findings()[0].message == "已完成整改数 1 + 未完成整改数 1 = 2，不等于反馈问题数 3"


def test_appendix2_county_cell_required(tmp_path: Path) -> None:
    assert a2(tmp_path, good_a2(A=None)).flatten() == [["A5", "required-missing"]]


def test_total_row_is_not_a_county(tmp_path: Path) -> None:
    rows = appendix2_rows(GOOD_A2)
    rows.insert(5, ["合计", 2, 1, 1, 30, 0, 4, 3, 0, 5, 12, 2])
    report, results = run(tmp_path, {"附件2": rows})
    assert report.flatten() == []
    assert [(s.row, s.total) for s in stats(results)] == [(5, False), (6, True)]
    assert [(name, s.row) for name, s in results[0].tables[0].counties.items()] == [("谷城县", 5)]


# --- across a county's two tables -----------------------------------------------------------


@pytest.mark.parametrize(("values", "expected"), [
    (good_a2(B=3, C=1, D=2), [["B5", "cross-total-mismatch"]]),
    (good_a2(B=2, C=2, D=0), [["C5", "cross-done-mismatch"]]),
    (good_a2(B=3, C=3, D=0), [["B5", "cross-total-mismatch"], ["C5", "cross-done-mismatch"]]),
])
def test_cross_checks_in_one_workbook(tmp_path: Path, values: Row, expected: list[list[str]]) -> None:
    report, _ = run(tmp_path, {"附件1": appendix1_rows(GOOD_ROWS), "附件2": appendix2_rows(values)})
    assert report.flatten() == expected
    assert {f.sheet for f in report.findings()} == {"附件2"}


def test_cross_checks_across_two_files_given_together(tmp_path: Path) -> None:
    f1 = make_workbook(tmp_path / "谷城县-附件1.xlsx", {"整改清单": appendix1_rows(GOOD_ROWS)})
    f2 = make_workbook(tmp_path / "谷城县-附件2.xlsx", {"统计表": appendix2_rows(good_a2(B=3, C=2, D=1))})
    report = zhenggai.validate([f1, f2], OPTS).report
    assert report.flatten(("file", "cell", "code")) == [
        [str(f2), "B5", "cross-total-mismatch"], [str(f2), "C5", "cross-done-mismatch"]]
    # the same two files through a folder
    report = zhenggai.validate([tmp_path], OPTS).report
    assert report.flatten() == [["B5", "cross-total-mismatch"], ["C5", "cross-done-mismatch"]]


def test_no_cross_check_between_different_counties(tmp_path: Path) -> None:
    f1 = make_workbook(tmp_path / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    f2 = make_workbook(tmp_path / "保康县-附件2.xlsx",
                       {"附件2": appendix2_rows(good_a2(A="保康县", B=5, C=5, D=0), county="保康县")})
    report = zhenggai.validate([f1, f2], OPTS).report
    assert report.flatten() == []


def test_cross_check_in_one_workbook_without_any_county_name(tmp_path: Path) -> None:
    # Placeholder bureau lines, blank county cell, a file name without a county: still
    # one reply, so its two tables are checked against each other.
    sheets = {"附件1": appendix1_rows(GOOD_ROWS, county=None),
              "附件2": appendix2_rows(good_a2(A=None, B=3, C=1, D=2), county=None)}
    report, _ = run(tmp_path, sheets, name="报送材料.xlsx")
    assert report.flatten() == [
        ["A3", "county-missing"], ["A3", "county-missing"], ["A5", "required-missing"],
        ["B5", "cross-total-mismatch"]]
    assert report.files[0].county is None


def test_two_files_without_county_are_not_paired(tmp_path: Path) -> None:
    f1 = make_workbook(tmp_path / "附件1.xlsx", {"附件1": appendix1_rows(GOOD_ROWS, county=None)})
    f2 = make_workbook(tmp_path / "附件2.xlsx",
                       {"附件2": appendix2_rows(good_a2(A=None, B=9, C=1, D=8), county=None)})
    report = zhenggai.validate([f1, f2], OPTS).report
    assert "cross-total-mismatch" not in [f.code for f in report.findings()]


# --- the county ------------------------------------------------------------------------------


def test_placeholder_bureau_line_falls_back_to_the_appendix2_column(tmp_path: Path) -> None:
    report, _ = run(tmp_path, {"附件2": appendix2_rows(GOOD_A2, county=None)}, name="报送.xlsx")
    assert report.flatten() == [["A3", "county-found-elsewhere"]]
    f = report.findings()[0]
    assert f.severity.value == "warning" and f.value == "**县（市、区）商务主管部门（盖章）"
    assert "县名取自附件2 的县（市、区）列：“谷城县”" in f.message
    assert report.files[0].county == "谷城县"


def test_placeholder_bureau_line_falls_back_to_the_file_name(tmp_path: Path) -> None:
    report, _ = run(tmp_path, {"附件1": appendix1_rows(GOOD_ROWS, county=None)}, name="保康县-附件1.xlsx")
    assert report.flatten() == [["A3", "county-found-elsewhere"]]
    assert "县名取自文件名：“保康县”" in report.findings()[0].message
    assert report.files[0].county == "保康县"


def test_no_bureau_line_at_all(tmp_path: Path) -> None:
    rows = appendix1_rows(GOOD_ROWS)
    rows[2] = []
    report, _ = run(tmp_path, {"附件1": rows}, name="报送.xlsx")
    assert report.flatten() == [[None, "county-missing"]]
    assert report.files[0].county is None


def test_bureau_line_and_file_name_disagree(tmp_path: Path) -> None:
    report, _ = run(tmp_path, {"附件1": appendix1_rows(GOOD_ROWS)}, name="保康县-附件1.xlsx")
    assert report.flatten() == [[None, "county-mismatch"]]
    f = report.findings()[0]
    assert f.severity.value == "warning"
    assert "盖章行为“谷城县”" in f.message and "文件名为“保康县”" in f.message
    assert report.files[0].county == "谷城县"  # the sealed line wins


def test_bureau_line_and_appendix2_column_disagree(tmp_path: Path) -> None:
    report, _ = run(tmp_path, {"附件2": appendix2_rows(good_a2(A="保康县"))})
    assert report.flatten() == [["A5", "county-mismatch"]]


@pytest.mark.parametrize("spaced", ["谷  城  县", "谷\u3000城\u3000县"])
def test_a_county_spaced_out_to_line_up_is_the_same_county(tmp_path: Path, spaced: str) -> None:
    # Clerks space a short name out to fill its cell: no "县名不一致" for that.
    report, _ = run(tmp_path, {"附件2": appendix2_rows(good_a2(A=spaced))})
    assert report.flatten() == []


def test_county_written_in_the_cell_next_to_the_seal_label(tmp_path: Path) -> None:
    rows = appendix1_rows(GOOD_ROWS)
    rows[2] = ["填报单位（盖章）：", None, "谷城县商务局"]
    report, _ = run(tmp_path, {"附件1": rows}, name="报送.xlsx")
    assert report.flatten() == []
    assert report.files[0].county == "谷城县"


# --- reading: header, layout, merges, the end of the table ---------------------------------


def test_title_note_and_blank_rows_above_the_header(tmp_path: Path) -> None:
    rows: list[Row] = [
        ["附件1"], [], ["示范县整改清单"], ["填表说明：按反馈问题逐条填写，一行一个问题"], [],
        ["谷城县商务主管部门（盖章）", None, None, None, "填报日期：2022年9月1日"],
        A1_HEADERS, *GOOD_ROWS, [], ["（联系人：张三  联系电话：13800138000）"],
    ]
    report, results = run(tmp_path, {"Sheet1": rows})
    assert report.flatten() == []
    assert [i.row for i in items(results)] == [8, 9]
    assert results[0].tables[0].table.header.row == 6  # 0-based: Excel row 7


def test_header_with_line_breaks_spaces_brackets_and_variants(tmp_path: Path) -> None:
    headers = ["序 号", "问题描述\n(按反馈问题清单填报)", "整改措施及情况", "是否完成\n整改", "完成时间", " 责任人 ",
               "责任\n单位"]
    report, results = run(tmp_path, {"附件1": appendix1_rows(GOOD_ROWS, headers=headers)})
    assert report.flatten(("cell", "code", "value")) == [
        ["C4", "header-variant", "整改措施及情况"], ["E4", "header-variant", "完成时间"]]
    assert items(results)[0].values == GOOD_ROWS[0]


@pytest.mark.parametrize("variant", ["整改时限", "完成期限", "整改完成时限"])
def test_deadline_header_variants(tmp_path: Path, variant: str) -> None:
    headers = [*A1_HEADERS[:4], variant, *A1_HEADERS[5:]]
    report = a1(tmp_path, good(E6="2023-03-31"), headers=headers)
    assert report.flatten() == [["E4", "header-variant"], ["E6", "deadline-too-late"]]


def test_extra_column_is_kept_and_noted(tmp_path: Path) -> None:
    rows = [[*GOOD_ROWS[0], "已验收"], [*GOOD_ROWS[1], None]]
    report, results = run(tmp_path, {"附件1": appendix1_rows(rows, headers=[*A1_HEADERS, "备注"])})
    assert report.flatten(("cell", "code", "value")) == [["H4", "extra-column", "备注"]]
    assert report.findings()[0].severity.value == "info"
    assert [i.extras for i in items(results)] == [{"备注": "已验收"}, {}]


@pytest.mark.parametrize(("drop", "header"), [
    (2, "整改措施和情况"), (3, "是否完成整改"), (4, "完成时限"), (5, "责任人"), (6, "责任单位")])
def test_missing_column_is_an_error_naming_it(tmp_path: Path, drop: int, header: str) -> None:
    headers = [h for i, h in enumerate(A1_HEADERS) if i != drop]
    rows = [[v for i, v in enumerate(r) if i != drop] for r in GOOD_ROWS]
    report = a1(tmp_path, rows, headers=headers)
    assert report.flatten(("cell", "row", "code", "field")) == [[None, 4, "missing-column", header]]
    assert header in report.findings()[0].message


def test_missing_seq_column_is_fine(tmp_path: Path) -> None:
    rows = [r[1:] for r in GOOD_ROWS]
    assert a1(tmp_path, rows, headers=A1_HEADERS[1:]).flatten() == []


def test_sheet_name_does_not_matter_and_order_does_not_either(tmp_path: Path) -> None:
    report, _results = run(tmp_path, {"Sheet2": appendix2_rows(GOOD_A2), "数据": appendix1_rows(GOOD_ROWS)})
    assert report.flatten() == []
    assert [(t.kind, t.sheet, t.rows) for t in report.files[0].tables] == [
        ("appendix2", "Sheet2", 1), ("appendix1", "数据", 2)]


def test_value_merged_down_belongs_to_every_row(tmp_path: Path) -> None:
    r1, r2 = good()
    rows = [r1, r2, [3, "问题丙", "投入5万元", "是", "2022-05-31", "赵六", None],
            [4, "问题丁", "新建站点2个", "是", "2022-05-31", "赵六", None],
            [5, "问题戊", "新覆盖村3个", "是", "2022-05-31", None, None]]
    rows[1][6] = "县商务局"
    report, results = run(tmp_path, {"附件1": appendix1_rows(rows)}, merges={"附件1": ["G6:G9", "F7:F9"]})
    assert report.flatten() == []
    assert [(i.row, i.values[5], i.values[6]) for i in items(results)] == [
        (5, "李四", "县商务局"), (6, "王五", "县商务局"), (7, "赵六", "县商务局"), (8, "赵六", "县商务局"),
        (9, "赵六", "县商务局")]


def test_merged_down_value_with_a_finding_is_reported_on_each_row(tmp_path: Path) -> None:
    rows = [[1, "问题甲", "投入5万元", "已完成", "2022-05-31", "赵六", "县商务局"],
            [2, "问题乙", "投入6万元", None, "2022-05-31", "赵六", "县商务局"]]
    report, results = run(tmp_path, {"附件1": appendix1_rows(rows)}, merges={"附件1": ["D5:D6"]})
    assert report.flatten() == [["D5", "done-variant"], ["D6", "done-variant"]]
    assert [i.done for i in items(results)] == [True, True]


def test_table_ends_at_the_contact_line_and_skips_blank_rows(tmp_path: Path) -> None:
    rows: list[Row] = [*appendix1_rows([GOOD_ROWS[0], [], [], GOOD_ROWS[1]], contact=None),
                       [], ["（联系人：张三  联系电话：13800138000）"], ["注：本表由县商务局填报"],
                       [9, "不是数据", "投入5万元", "也许", "长期", None, None]]
    report, results = run(tmp_path, {"附件1": rows})
    assert report.flatten() == []
    assert [i.row for i in items(results)] == [5, 8]
    contact = results[0].tables[0].table.contact
    assert contact is not None and (contact.row, contact.name, contact.phone) == (10, "张三", "13800138000")


def test_contact_line_merged_across_the_table_as_in_the_template(tmp_path: Path) -> None:
    # The template merges the contact line over all columns, 20 numbered rows below the
    # data. Such a row is not a category heading, and what follows it is not data.
    rows: list[Row] = [*appendix1_rows(GOOD_ROWS, contact=None), *([n] for n in range(3, 21)), [],
                       ["（联系人：张三  联系电话：13800138000）"], ["一、以下为空"],
                       [1, "x", "y", "z", "w", None, None]]
    report, results = run(tmp_path, {"附件1": rows}, merges={"附件1": ["A26:G26", "A27:G27"]})
    assert report.flatten() == []
    contact = results[0].tables[0].table.contact
    assert contact is not None and (contact.row, contact.name) == (26, "张三")


@pytest.mark.parametrize(("line", "expected"), [
    ("（联系人：张三  联系电话：13800138000）", []),
    ("联系人：李四　　联系电话：0710-7223456", []),
    ("联系人：张三 手机：138 0013 8000", []),
    ("（联系人：　　　　　联系电话：13800138000）", [["A8", "contact-missing"]]),
    ("（联系人：张三  联系电话：7223456）", [["A8", "phone-invalid"]]),  # no area code
    ("（联系人：张三  联系电话：　　　　）", [["A8", "phone-missing"]]),
    ("联系人：张三", [["A8", "phone-missing"]]),
    ("（联系人：　　　联系电话：　　　）", [["A8", "contact-missing"], ["A8", "phone-missing"]]),
])
def test_contact_line(tmp_path: Path, line: str, expected: list[list[str]]) -> None:
    assert a1(tmp_path, GOOD_ROWS, contact=line).flatten() == expected


def test_contact_name_is_read_without_a_phone_label(tmp_path: Path) -> None:
    _, results = run(tmp_path, {"附件1": appendix1_rows(GOOD_ROWS, contact="联系人：张三")})
    contact = results[0].tables[0].table.contact
    assert contact is not None and (contact.name, contact.phone) == ("张三", "")


def test_no_contact_line_is_a_sheet_level_warning(tmp_path: Path) -> None:
    report = a1(tmp_path, GOOD_ROWS, contact=None)
    assert report.flatten(("sheet", "cell", "code")) == [["附件1", None, "contact-missing"]]


def test_contact_line_split_over_two_cells(tmp_path: Path) -> None:
    rows = [*appendix1_rows(GOOD_ROWS, contact=None), [], ["联系人：张三", None, None, "联系电话：0710-7223456"]]
    report, results = run(tmp_path, {"附件1": rows})
    assert report.flatten() == []
    contact = results[0].tables[0].table.contact
    assert contact is not None and (contact.name, contact.phone) == ("张三", "0710-7223456")


# --- formulas --------------------------------------------------------------------------------


def test_formula_without_saved_value_is_an_error_at_its_cell(tmp_path: Path) -> None:
    # openpyxl writes formulas without a result ("=B5+C5" → <f>B5+C5</f><v/>): a file no
    # Excel or WPS has ever saved. calamine reads those cells as empty; never as 0.
    a2_rows = appendix2_rows(good_a2(B="=C5+D5"))
    a1_rows = appendix1_rows(good(A5="=ROW()-4"))
    report, results = run(tmp_path, {"附件1": a1_rows, "附件2": a2_rows})
    assert report.flatten(("sheet", "cell", "code")) == [
        ["附件1", "A5", "formula-no-value"], ["附件2", "B5", "formula-no-value"]]
    assert "保存" in report.findings()[0].message
    assert stats(results)[0].numbers["total"] is None  # unknown, not 0


def test_formula_with_saved_value_gives_the_value(tmp_path: Path) -> None:
    path = make_xlsxwriter_book(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS),
                                                        "附件2": appendix2_rows(good_a2(B=None))},
                                formulas={"附件2": {"B5": ("=C5+D5", 2)}, "附件1": {"A6": ("=A5+1", 2)}})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert report.flatten() == []
    assert stats(results)[0].numbers["total"] == 2


def test_a_result_saved_by_a_program_that_asks_for_recalculation_is_not_read(tmp_path: Path) -> None:
    # XlsxWriter saves =20+30 with the result 0 and asks Excel to recalculate on opening
    # (fullCalcOnLoad): Excel and WPS show 50, the file holds 0. Read, 0 would be summed.
    sheets = {"附件1": appendix1_rows(GOOD_ROWS), "附件2": appendix2_rows(good_a2(E=None))}
    path = make_xlsxwriter_book(tmp_path / "谷城县.xlsx", sheets, formulas={"附件2": {"E5": ("=20+30", 0)}},
                                saved_by_excel=False)
    validated = zhenggai.validate([path], OPTS)
    assert validated.report.flatten(("sheet", "cell", "code")) == [["附件2", "E5", "formula-no-value"]]
    assert stats(validated.files)[0].numbers["county_funds"] is None  # unknown, not 0
    # The same file once Excel has saved it (the flag gone): its saved result is the value.
    again = make_xlsxwriter_book(tmp_path / "存过.xlsx", sheets, formulas={"附件2": {"E5": ("=20+30", 50)}})
    assert stats(zhenggai.validate([again], OPTS).files)[0].numbers["county_funds"] == 50


def test_formula_error_value_is_not_read_as_zero(tmp_path: Path) -> None:
    # calamine reads #DIV/0! as an empty cell; an empty count would silently be 0.
    path = make_xlsxwriter_book(tmp_path / "谷城县.xlsx", {"附件2": appendix2_rows(good_a2(E=None))},
                                formulas={"附件2": {"E5": ("=1/0", "#DIV/0!")}})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert report.flatten(("cell", "code", "value")) == [["E5", "number-invalid", "#DIV/0!"]]
    assert stats(results)[0].numbers["county_funds"] is None


# --- files -----------------------------------------------------------------------------------


def test_workbook_without_any_appendix_table(tmp_path: Path) -> None:
    report, results = run(tmp_path, {"Sheet1": [["姓名", "电话"], ["张三", "13800138000"]]})
    assert report.flatten(("sheet", "cell", "code")) == [[None, None, "no-table"]]
    assert report.files[0].tables == () and not results[0].readable


def test_an_xlsm_is_read(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "谷城县.xlsm", {"附件1": appendix1_rows(GOOD_ROWS)})
    f = zhenggai.validate(path, OPTS).files[0]
    assert f.findings == () and len(f.tables[0].items) == 2


def test_locked_and_hidden_files_are_skipped_and_annotated_copies_read(tmp_path: Path) -> None:
    make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    (tmp_path / "~$谷城县.xlsx").write_bytes(b"lock")
    make_workbook(tmp_path / "标注" / "谷城县-校验标注.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    (tmp_path / "说明.txt").write_text("x", encoding="utf-8")
    report = zhenggai.validate([tmp_path], OPTS).report
    assert {Path(fr.path).name: [f.code for f in fr.findings] for fr in report.files} == {
        "~$谷城县.xlsx": ["file-skipped"], "谷城县-校验标注.xlsx": [],
        "谷城县.xlsx": [], "说明.txt": ["file-skipped"]}
    assert report.errors == 0


def test_report_is_sorted_by_file_sheet_row_column(tmp_path: Path) -> None:
    rows = good(B6=None, D5="也许", G5=None)
    report = a1(tmp_path, rows, contact="联系人：张三")
    assert report.flatten(("row", "cell", "code")) == [
        [5, "D5", "done-invalid"], [5, "G5", "required-missing"], [6, "B6", "required-missing"],
        [8, "A8", "phone-missing"]]


def test_a2_headers_in_two_rows(tmp_path: Path) -> None:
    # A group label row above the indicator names ("整改成果" over E–L).
    top = [*A2_HEADERS[:4], "整改成果", None, None, None, None, None, None, None, "备注"]
    below = [None, None, None, None, *A2_HEADERS[4:12], None]
    rows: list[Row] = [["附件2"], ["示范县专项整改成果统计表"], ["谷城县商务主管部门（盖章）"], top, below,
                       list(GOOD_A2), [], ["（联系人：张三  联系电话：0710-7223456）"]]
    report, results = run(tmp_path, {"附件2": rows}, merges={"附件2": ["E4:L4"]})
    assert report.flatten() == []
    assert [s.row for s in stats(results)] == [6]
    assert stats(results)[0].numbers["courses_improved"] == 2
