"""Totals are the decimal sums of what the clerks wrote, never binary noise.

1.85 + 1.84 is 3.6900000000000004 in binary floating point, and 12000 × 0.0001 is
1.2000000000000002. Such a number in the rollup, the JSON or the DataFrames is not what any
clerk wrote; and a township total checked with a tolerance would let a real difference pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import Row, appendix1_rows, appendix2_rows
from test_layouts import _township_a2, a2_row, codes, rows_for, run, stats_rows
from zhenggai.core.parse import exact_product, exact_sum, parse_number


def test_exact_sum_and_product_are_decimal() -> None:
    assert exact_sum([1.85, 1.84]) == 3.69
    assert exact_sum([0.1, 0.2]) == 0.3
    assert exact_sum([]) == 0
    assert exact_product(12000, 0.0001) == 1.2
    assert exact_product(123.4567, 0.0001) == 0.01234567  # not rounded away


def test_a_float_cell_reads_as_excel_shows_it() -> None:
    # =SUM(1.85,1.84) is stored as 3.6900000000000004; Excel shows 3.69 (15 significant digits).
    assert parse_number(3.6900000000000004).value == 3.69
    assert parse_number(0.30000000000000004).value == 0.3
    assert parse_number(1234567.891).value == 1234567.891  # digits the clerk typed are kept


def _counties(tmp_path: Path, funds: dict[str, object]) -> tuple[object, Path]:
    files: dict[str, dict[str, list[Row]]] = {}
    for county, value in funds.items():
        short = county[:-1]
        files[f"{county}.xlsx"] = {"附件1": appendix1_rows(rows_for(short, 3, 2), county=county),
                                  "附件2": appendix2_rows(a2_row(county, 3, 2, value), county=county)}
    return run(tmp_path, files, *funds)


def test_the_prefecture_total_is_the_decimal_sum(tmp_path: Path) -> None:
    result, out = _counties(tmp_path, {"谷城县": 0.1, "保康县": 0.2, "枣阳市": 1.85, "南漳县": 1.84})
    assert stats_rows(out)["合计"] == 3.99  # exactly, not 3.9900000000000002
    assert codes(result) == []


def test_a_converted_value_and_its_total_are_exact(tmp_path: Path) -> None:
    _, out = _counties(tmp_path, {"谷城县": "12000元", "保康县": 0.1})
    rows = stats_rows(out)
    assert rows["谷城县"] == 1.2
    assert rows["合计"] == 1.3


def test_township_rows_add_up_in_decimal(tmp_path: Path) -> None:
    a2 = _township_a2(["城关镇", 2, 1, 1, 1.85], ["石花镇", 1, 1, 0, 1.84])
    _, out = run(tmp_path, {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}}, "谷城县")
    assert stats_rows(out) == {"谷城县": 3.69, "合计": 3.69}


@pytest.mark.parametrize("total", [3.69, 3.6900000000000004])  # typed, or an Excel SUM with its noise
def test_a_township_total_row_that_adds_up_is_no_mismatch(tmp_path: Path, total: float) -> None:
    a2 = _township_a2(["城关镇", 2, 1, 1, 1.85], ["石花镇", 1, 1, 0, 1.84], ["合计", 3, 2, 1, total])
    result, out = run(tmp_path, {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}},
                      "谷城县")
    assert codes(result) == []
    assert stats_rows(out)["谷城县"] == 3.69


def test_a_township_total_one_hundredth_off_is_a_mismatch(tmp_path: Path) -> None:
    a2 = _township_a2(["城关镇", 2, 1, 1, 1.85], ["石花镇", 1, 1, 0, 1.84], ["合计", 3, 2, 1, 3.68])
    result, _ = run(tmp_path, {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}},
                    "谷城县")
    assert codes(result) == [("township-sum-mismatch", "附件2", "E7")]
