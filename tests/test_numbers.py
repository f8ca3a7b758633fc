"""Numbers and dates in the rollup: exactly what the clerk meant, or red and told.

Units convert (元/千元 under 万元, "12000元", "1.2万"), units that cannot convert are errors,
error values are in no total, Chinese numerals are read, implausible dates are errors.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import zhenggai
from builders import A2_HEADERS, HEADER_ROW, Row, appendix1_rows, appendix2_rows, make_docx, make_workbook
from test_layouts import a2_row, opts, rows_for, stats_rows
from zhenggai import MergeResult

FUNDS = "县级财政安排经费（万元）"
STAFF = "补充人员（人）"


def run_a2(tmp_path: Path, a2: list[Row], other: Row | None = None) -> tuple[MergeResult, Path]:
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县.xlsx", {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2})
    if other is not None:
        make_workbook(folder / "保康县.xlsx", {"附件1": appendix1_rows(rows_for("保康", 3, 2), county="保康县"),
                                              "附件2": appendix2_rows(other, county="保康县")})
    out = tmp_path / "汇总.xlsx"
    return zhenggai.merge([folder], opts("谷城县", "保康县"), out), out


def found(result: MergeResult, *codes: str) -> list[tuple[str, str | None, str]]:
    return [(f.code, f.cell, f.message) for f in result.rollup.report.findings() if f.code in codes]


def test_header_in_yuan_converts_every_value_with_an_info(tmp_path: Path) -> None:
    headers = list(A2_HEADERS)
    headers[4] = "县级财政安排经费（元）"
    result, out = run_a2(tmp_path, appendix2_rows(a2_row("谷城县", 3, 2, 125000), headers=headers),
                         a2_row("保康县", 3, 2, 10))
    assert stats_rows(out) == {"谷城县": 12.5, "保康县": 10, "合计": 22.5}
    assert found(result, "unit-converted") == [
        ("unit-converted", "E4",
         "「县级财政安排经费（万元）」表头单位为“元”，本列每个数值已乘以 0.0001 换算为万元（1元 = 0.0001万元）")]
    assert result.rollup.report.errors == 0


def test_header_in_thousands_converts(tmp_path: Path) -> None:
    headers = list(A2_HEADERS)
    headers[5] = "追回企业资金（千元）"
    values = a2_row("谷城县", 3, 2)
    values[5] = 35
    _, out = run_a2(tmp_path, appendix2_rows(values, headers=headers))
    assert stats_rows(out, "追回企业资金（万元）")["谷城县"] == 3.5


# --- a unit stated outside the header cell (a row of units, a "单位：元" line above) ----------


def _bare_money_headers() -> list[str]:
    headers = list(A2_HEADERS)
    headers[4], headers[5] = "县级财政安排经费", "追回企业资金"
    return headers


def test_a_unit_row_under_the_header_converts_like_the_header(tmp_path: Path) -> None:
    # A bare header and a row "元" under it: 2000 is 0.2万元, never 2000万元 (inside the
    # plausible range, so nothing else would have caught it).
    a2 = appendix2_rows(a2_row("谷城县", 3, 2, 2000), headers=_bare_money_headers())
    a2.insert(4, [None, None, None, None, "元", "元"])
    result, out = run_a2(tmp_path, a2, a2_row("保康县", 3, 2, 10))
    assert stats_rows(out) == {"谷城县": 0.2, "保康县": 10, "合计": 10.2}
    assert [(c, cell) for c, cell, _ in found(result, "unit-converted")] == [("unit-converted", "E5"),
                                                                              ("unit-converted", "F5")]
    assert "表头下的单位行单位为“元”" in found(result, "unit-converted")[0][2]
    assert result.rollup.report.errors == 0


@pytest.mark.parametrize("caption", ["单位：元", "金额单位：元", "（单位：元）", "单位: 元、个"])
def test_a_unit_line_above_the_table_converts_the_amounts(tmp_path: Path, caption: str) -> None:
    a2 = appendix2_rows(a2_row("谷城县", 3, 2, 2000), headers=_bare_money_headers())
    a2[2] = [a2[2][0], None, None, None, None, None, None, None, None, None, caption]
    result, out = run_a2(tmp_path, a2, a2_row("保康县", 3, 2, 10))
    assert stats_rows(out) == {"谷城县": 0.2, "保康县": 10, "合计": 10.2}
    assert stats_rows(out, "补充人员（人）")["谷城县"] == a2_row("谷城县", 3, 2)[6]  # counts: never converted
    assert {cell for _, cell, _ in found(result, "unit-converted")} == {"K3"}
    assert result.rollup.report.errors == 0


def test_a_unit_line_above_a_word_table_converts_the_amounts(tmp_path: Path) -> None:
    # In Word the 盖章 paragraph often ends with the unit: "谷城县商务局（盖章）　　单位：元".
    row = [str(v) for v in a2_row("谷城县", 3, 2, 20000)]
    doc = make_docx(tmp_path / "谷城县附件2.docx", [
        "附件2", "示范县专项整改成果统计表", "谷城县商务局（盖章）\u3000\u3000\u3000单位：元",
        [_bare_money_headers(), row], "联系人：李四　联系电话：0710-7222222"])
    result = zhenggai.validate([doc])
    stats = result.files[0].tables_of("appendix2")[0].counties["谷城县"]
    assert stats.numbers["county_funds"] == 2
    assert [f.code for f in result.report.findings() if f.code.startswith("unit")] == ["unit-converted"] * 2


def test_a_bureau_line_is_not_a_unit_line(tmp_path: Path) -> None:
    # "填报单位：元阳县商务局" names the bureau (元阳县 is a county), not amounts in 元.
    a2 = appendix2_rows(a2_row("谷城县", 3, 2, 2000), headers=_bare_money_headers())
    a2[2] = ["谷城县商务主管部门（盖章）", *[None] * 9, "填报单位：元阳县商务局"]
    result, out = run_a2(tmp_path, a2)
    assert stats_rows(out)["谷城县"] == 2000
    assert found(result, "unit-converted", "unit-conflict") == []


@pytest.mark.parametrize("where", ["row", "caption"])
def test_two_different_units_for_one_column_are_an_error_never_one_chosen(tmp_path: Path, where: str) -> None:
    # The official header says 万元, the clerk's unit row or line above says 元: every figure of
    # the column reads two ways, so none is counted and the clerk is asked to keep one unit.
    a2 = appendix2_rows(a2_row("谷城县", 3, 2, 2000), headers=A2_HEADERS)
    if where == "row":
        a2.insert(4, [None, None, None, None, "元", "万元"])
    else:
        a2[2] = [a2[2][0], None, None, None, None, None, None, None, None, None, "金额单位：元"]
    result, out = run_a2(tmp_path, a2, a2_row("保康县", 3, 2, 10))
    conflicts = found(result, "unit-conflict")
    assert [cell for _, cell, _ in conflicts] == (["E4"] if where == "row" else ["E4", "F4"])
    at = "表头下的单位行写“元”（E5）" if where == "row" else "表格上方写“金额单位：元”（K3）"
    assert f"表头写“县级财政安排经费（万元）”（E4），{at}" in conflicts[0][2]
    assert stats_rows(out) == {"谷城县": "2000", "保康县": 10, "合计": 10}  # shown as written, in no total
    assert result.rollup.report.errors == len(conflicts)
    assert zhenggai.validate([tmp_path / "收件" / "谷城县.xlsx"]).report.errors == len(conflicts)


@pytest.mark.parametrize(("value", "number"), [("12000元", 1.2), ("1.2万", 1.2), ("1.2万元", 1.2), ("8000 元", 0.8)])
def test_a_value_with_its_own_unit_converts(tmp_path: Path, value: str, number: float) -> None:
    result, out = run_a2(tmp_path, appendix2_rows(a2_row("谷城县", 3, 2, value)), a2_row("保康县", 3, 2, 10))
    assert stats_rows(out)["谷城县"] == number
    assert stats_rows(out)["合计"] == 10 + number  # exact: totals are decimal sums (test_exact_sums.py)
    assert result.rollup.report.errors == 0


@pytest.mark.parametrize("value", ["50%", "3人", "5个"])
def test_a_unit_that_cannot_convert_is_an_error_and_in_no_total(tmp_path: Path, value: str) -> None:
    result, out = run_a2(tmp_path, appendix2_rows(a2_row("谷城县", 3, 2, value)), a2_row("保康县", 3, 2, 10))
    assert [(c, cell) for c, cell, _ in found(result, "unit-invalid")] == [("unit-invalid", "E5")]
    assert stats_rows(out) == {"谷城县": value, "保康县": 10, "合计": 10}
    ws = openpyxl.load_workbook(out)["成果统计汇总"]
    total = next(r for r in ws.iter_rows(min_row=HEADER_ROW + 2) if r[0].value == "合计")
    assert total[4].comment is not None and "谷城县" in total[4].comment.text
    assert result.rollup.report.errors == 1


def test_money_in_a_count_column_is_an_error(tmp_path: Path) -> None:
    values = a2_row("谷城县", 3, 2)
    values[6] = "3万元"
    result, out = run_a2(tmp_path, appendix2_rows(values))
    assert [(c, cell) for c, cell, _ in found(result, "unit-invalid")] == [("unit-invalid", "G5")]
    assert stats_rows(out, STAFF) == {"谷城县": "3万元", "保康县": None, "合计": 0}  # 保康县 未报送: blank, red


@pytest.mark.parametrize(("column", "value", "code"), [
    (4, -5, "number-negative"), (6, 2.5, "number-not-integer"), (6, "若干", "number-invalid"),
])
def test_an_error_value_is_red_and_in_no_total(tmp_path: Path, column: int, value: Any, code: str) -> None:
    values = a2_row("谷城县", 3, 2)
    values[column] = value
    other = a2_row("保康县", 3, 2)
    result, out = run_a2(tmp_path, appendix2_rows(values), other)
    header = A2_HEADERS[column]
    got = stats_rows(out, header)
    assert got["合计"] == other[column]  # only 保康县's number
    assert str(got["谷城县"]) == str(value)
    ws = openpyxl.load_workbook(out)["成果统计汇总"]
    cell = ws.cell(row=HEADER_ROW + 2, column=column + 1)
    assert cell.comment is not None and "未计入合计" in cell.comment.text
    assert cell.fill.fgColor.rgb == "FFFFC7CE"  # the error fill
    assert [c for c, _, _ in found(result, code)] == [code]


@pytest.mark.parametrize(("value", "number"), [("十二", 12), ("壹拾", 10), ("三十五个", 35)])
def test_chinese_numerals_are_read_with_an_info(tmp_path: Path, value: str, number: int) -> None:
    values = a2_row("谷城县", 3, 2)
    values[9] = value  # 新建改造站点（个）
    result, out = run_a2(tmp_path, appendix2_rows(values))
    assert stats_rows(out, A2_HEADERS[9])["谷城县"] == number
    assert [(c, cell) for c, cell, _ in found(result, "number-chinese")] == [("number-chinese", "J5")]
    assert result.rollup.report.errors == 1  # only "保康县 未报送"


@pytest.mark.parametrize(("value", "shown"), [
    (datetime(1905, 7, 14), "1905-07-14"), (datetime(1900, 1, 12), "1900-01-12"), ("2035-06-30", "2035-06-30"),
])
def test_a_date_outside_2015_2030_is_an_error_showing_what_the_clerk_sees(
        tmp_path: Path, value: object, shown: str) -> None:
    rows = rows_for("谷城", 2, 1)
    rows[1][4] = value
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    result = zhenggai.merge([folder], opts("谷城县"), tmp_path / "汇总.xlsx")
    [(code, cell, message)] = found(result, "date-out-of-range")
    assert (code, cell) == ("date-out-of-range", "E6")
    assert f"“{shown}”" in message
    assert result.rollup.counties[0].overdue == 0  # not a date anyone meant: in no 逾期 count


def test_typed_number_in_a_date_cell_after_libreoffice(tmp_path: Path, soffice: Any) -> None:
    src = tmp_path / "src" / "谷城县.xlsx"
    make_workbook(src, {"附件1": appendix1_rows(rows_for("谷城", 2, 1))})
    wb = openpyxl.load_workbook(src)
    ws = wb["附件1"]
    ws["E6"] = 12
    ws["E6"].number_format = "yyyy-mm-dd"
    wb.save(src)
    [xls] = soffice([src], "xls", tmp_path / "收件")
    result = zhenggai.merge([xls.parent], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert [(c, cell, "“1900-01-12”" in m) for c, cell, m in found(result, "date-out-of-range")] == [
        ("date-out-of-range", "E6", True)]
    assert date(1900, 1, 12).year < 2015
