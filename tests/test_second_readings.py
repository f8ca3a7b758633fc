"""A field written twice: two columns headed for one counted field (audit 26, class 1).

Which column the clerk means is not ours to choose by position: a row whose two cells read
alike is counted; a row where they differ is an error and its value is in no total, rate or
逾期 (checking/readings.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

import zhenggai
from builders import A1_HEADERS, A2_HEADERS, GOOD_A2, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import MergeOptions, Options

OPTS = MergeOptions(validate=Options(as_of=date(2022, 7, 15)), prefecture="襄阳市")


def _a1_two_done(tmp_path: Path, first: str, second: str, new: list[str]) -> Path:
    """附件1 with an older 是否完成整改 column kept beside the new one (D and E)."""
    headers = [*A1_HEADERS[:4], second, *A1_HEADERS[4:]]
    headers[3] = first
    rows = [[i + 1, f"问题{i + 1}", f"措施{i + 1}，已投入{i + 1}万元", "否", yes, "2022-04-28", "张三", "商务局"]
            for i, yes in enumerate(new)]
    return make_workbook(tmp_path / "in" / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows, headers=headers)})


def _codes(report: zhenggai.Report) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for fr in report.files for f in fr.findings
            if f.code.startswith("column-twin") or f.code in ("overdue", "extra-column")]


def test_two_done_columns_that_differ_count_no_row_as_done_or_open(tmp_path: Path) -> None:
    _a1_two_done(tmp_path, "是否完成整改（7月）", "是否完成整改（10月）", ["是", "是", "否"])
    result = zhenggai.merge([tmp_path / "in"], OPTS, tmp_path / "汇总.xlsx")
    # Rows 5 and 6: 否 in the 7月 column, 是 in the 10月 one: two readings, each an error on
    # D (naming E); row 7 reads 否 in both and is an open problem, overdue.
    assert _codes(result.report) == [("column-twin-differs", "D5"), ("column-twin-differs", "D6"), ("overdue", "F7")]
    message = next(f.message for fr in result.report.files for f in fr.findings if f.cell == "D5")
    assert "D 列「是否完成整改（7月）」" in message and "E 列「是否完成整改（10月）」" in message and "“是”" in message
    county = result.rollup.counties[0]
    assert (county.done, county.open) == (0, 1)
    assert result.rollup.totals()["overdue"] == 1  # not the 7月 column's three


def test_the_first_column_never_wins_however_the_columns_are_headed(tmp_path: Path) -> None:
    # Exactly the official header twice: the same two readings.
    _a1_two_done(tmp_path, "是否完成整改", "是否完成整改", ["是", "否"])
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    assert _codes(result.report) == [("column-twin-differs", "D5"), ("overdue", "F6")]
    assert result.rollup.counties[0].done == 0


def test_two_columns_that_agree_are_read_as_one(tmp_path: Path) -> None:
    headers = [*A1_HEADERS[:4], "是否完成整改", *A1_HEADERS[4:]]
    rows = [[1, "问题1", "措施1，已投入5万元", "是", "是", "2022-04-28", "张三", "商务局"],
            [2, "问题2", "措施2，已投入5万元", "否", "否", "2022-12-31", "张三", "商务局"]]
    make_workbook(tmp_path / "in" / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows, headers=headers)})
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    assert _codes(result.report) == [("column-twin", "E4")]
    assert (result.rollup.counties[0].done, result.rollup.counties[0].open) == (1, 1)


def test_a2_amount_twice_is_in_no_total_and_the_cell_says_why(tmp_path: Path) -> None:
    headers = [*A2_HEADERS[:4], A2_HEADERS[4], *A2_HEADERS[4:]]
    values = [*GOOD_A2[:4], 30, 50, *GOOD_A2[5:]]
    make_workbook(tmp_path / "in" / "谷城县-附件2.xlsx", {"附件2": appendix2_rows(values, headers=headers)})
    result = zhenggai.merge([tmp_path / "in"], OPTS, tmp_path / "汇总.xlsx")
    assert _codes(result.report) == [("column-twin-differs", "E5")]
    ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["成果统计汇总"]
    assert ws["E4"].value.startswith("县级财政")
    assert ws["E5"].value == "30" and "“50”" in ws["E5"].comment.text  # the figure as text, not a number
    assert ws["E6"].value == 0 and "不完整" in ws["E6"].comment.text  # the 合计 without it, said so


def test_a2_amount_twice_in_two_units_that_agree_is_counted(tmp_path: Path) -> None:
    # 50 万元 and 500000 元: one figure in two units, the same reading.
    headers = [*A2_HEADERS[:4], A2_HEADERS[4], "县级财政安排经费（元）", *A2_HEADERS[5:]]
    values = [*GOOD_A2[:4], 50, 500000, *GOOD_A2[5:]]
    make_workbook(tmp_path / "in" / "谷城县-附件2.xlsx", {"附件2": appendix2_rows(values, headers=headers)})
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    assert _codes(result.report) == [("column-twin", "F4")]
    assert result.rollup.stats[0].values["county_funds"] == 50
