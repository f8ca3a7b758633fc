"""附件2 rows read by their labels (audit26): a total row however it is labelled (全县, 谷城县合计,
县级合计 …) is never summed with the township rows it totals; two periods of one county
(本期/累计, 上次/本次, 6月/7月, as rows or as columns turned sideways) are two readings, never
added; a row naming the county that is neither total nor part is never summed silently; a
blank breakdown cell is not 0."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import zhenggai
from builders import A2_HEADERS, Row, appendix1_rows, appendix2_rows, make_workbook
from test_layouts import codes, opts, rows_for, run, stats_rows

FUNDS = "县级财政安排经费（万元）"


def _a2(*rows: Row) -> list[Row]:
    out = appendix2_rows(list(rows[0]))
    for i, r in enumerate(rows[1:]):
        out.insert(5 + i, list(r))
    return out


def _files(a2: list[Row]) -> dict[str, dict[str, list[Row]]]:
    return {"谷城县.xlsx": {"附件1": appendix1_rows(rows_for("谷城", 3, 2)), "附件2": a2}}


def _town(name: str, funds: float, staff: int, counts: tuple[int | None, ...] = (None, None, None)) -> Row:
    return [name, *counts, funds, 0, staff, 2, 0, 3, 4, 1]


LABELS = ["全县", "全市", "全区", "总数", "合计数", "谷城县合计", "谷城县（合计）", "谷城（合计）", "县级合计",
          "谷城县汇总", "谷城县全县", "全县总计", "累计"]


@pytest.mark.parametrize("top", [True, False])
@pytest.mark.parametrize("label", LABELS)
def test_a_total_row_however_labelled_is_the_total_never_a_township(tmp_path: Path, label: str, top: bool) -> None:
    towns = [_town("城关镇", 30, 1), _town("石花镇", 20, 2)]
    total = [label, 3, 2, 1, 50, 0, 3, 4, 0, 6, 8, 2]
    result, out = run(tmp_path, _files(_a2(*([total, *towns] if top else [*towns, total]))), "谷城县")
    assert stats_rows(out) == {"谷城县": 50, "合计": 50}  # it was 100: the total added to its townships
    assert codes(result) == []
    # ... and as a total it is checked against its rows: 1 + 2 is not 4
    wrong = [label, 3, 2, 1, 50, 0, 4, 4, 0, 6, 8, 2]
    result, out = run(tmp_path / "错", _files(_a2(*([wrong, *towns] if top else [*towns, wrong]))), "谷城县")
    assert [c[0] for c in codes(result)] == ["township-sum-mismatch"]
    assert stats_rows(out, "补充人员（人）")["合计"] == 0 and stats_rows(out)["谷城县"] == 50


@pytest.mark.parametrize("zone", ["高新区小计", "开发区合计", "经开区合计"])
def test_a_zones_subtotal_is_a_part_never_the_countys_total(tmp_path: Path, zone: str) -> None:
    # "高新区小计" read as a total label became the county's figure (20 for 50): a zone is a part
    # when no rows above it could be its detail (the first row) ...
    a2 = _a2(_town(zone, 20, 2, (1, 1, 0)), _town("城关镇", 30, 1, (2, 1, 1)))
    result, out = run(tmp_path, _files(a2), "谷城县")
    assert stats_rows(out)["谷城县"] == 50
    assert [c[0] for c in codes(result)] == ["township-summed"]
    # ... under a township it differs from, it may be that township's subtotal, mistyped, or a
    # part: summed (50) or not (30), one reading would be wrong; it counts in no total.
    a2 = _a2(_town("城关镇", 30, 1, (2, 1, 1)), _town(zone, 20, 2, (1, 1, 0)))
    result, out = run(tmp_path / "下", _files(a2), "谷城县")
    assert [c[0] for c in codes(result)] == ["township-nesting-unclear", "township-summed"]
    assert stats_rows(out)["合计"] == 0


def _unit(name: str, funds: float, staff: int, n: int = 1) -> Row:
    return [name, None, None, None, funds, 0, staff, n, 0, n, n, n]


def test_a_subtotal_under_its_rows_counts_once_never_with_them(tmp_path: Path) -> None:
    # 县本级合计 under its bureaus, summed with them and the township: 25 for 15.
    for label in ("县本级合计", "县本级小计", "县直单位合计", "城关镇小计", "小计数"):
        a2 = _a2(_unit("商务局", 6, 1), _unit("邮政局", 4, 0), _unit(label, 10, 1, 2), _unit("石花镇", 5, 1))
        result, out = run(tmp_path / label, _files(a2), "谷城县")
        assert stats_rows(out) == {"谷城县": 15, "合计": 15}, label
        found = {f.code: f for f in result.rollup.report.findings()}
        read = found["township-subtotal-read"]
        assert read.cell == "A7" and "第 5–6 行的小计" in read.message


@pytest.mark.parametrize(("rows", "row"), [
    # a subtotal that is not the sum of the rows above it: mistyped, or a part named so
    ([_unit("商务局", 6, 1), _unit("邮政局", 4, 0), _unit("县本级合计", 11, 1, 2), _unit("石花镇", 5, 1)], "A7"),
    # 乡镇合计 above the townships it totals
    ([_unit("县直单位", 6, 1), _unit("乡镇合计", 10, 1, 2), _unit("城关镇", 5, 1), _unit("石花镇", 5, 0)], "A6"),
    # 其中 under a township: its breakdown (50), or one more part (60)?
    ([_unit("城关镇", 30, 1), _unit("其中：城关村", 10, 0), _unit("石花镇", 20, 2)], "A6"),
])
def test_rows_that_may_total_or_break_down_others_count_in_no_total(tmp_path: Path, rows: list[Row], row: str) -> None:
    result, out = run(tmp_path, _files(_a2(*rows)), "谷城县")
    assert ("township-nesting-unclear", "附件2", row) in codes(result)
    assert stats_rows(out)["合计"] == 0  # never the straight sum of every row
    msg = next(f.message for f in result.rollup.report.findings() if f.code == "township-nesting-unclear")
    assert f"「{FUNDS}」" in msg and "未计入汇总" in msg


def test_breakdowns_with_their_total_or_the_countys_row_are_checked_not_refused(tmp_path: Path) -> None:
    # 其中 first, or under the county's own row: the list of parts, as before
    for i, rows in enumerate([[_unit("其中：城关镇", 30, 1), _unit("石花镇", 20, 2)],
                              [_unit("谷城县", 50, 3, 2), _unit("其中：城关镇", 30, 1), _unit("石花镇", 20, 2)]]):
        result, out = run(tmp_path / str(i), _files(_a2(*rows)), "谷城县")
        assert stats_rows(out)["谷城县"] == 50 and "township-nesting-unclear" not in [c[0] for c in codes(result)]
    # a subtotal read as its rows' and a 合计 that agrees: no mismatch
    total = ["合计", None, None, None, 15, 0, 2, 3, 0, 3, 3, 3]
    a2 = _a2(_unit("商务局", 6, 1), _unit("邮政局", 4, 0), _unit("县本级合计", 10, 1, 2), _unit("石花镇", 5, 1), total)
    result, out = run(tmp_path / "合计", _files(a2), "谷城县")
    assert stats_rows(out)["谷城县"] == 15
    assert [c for c in codes(result) if not c[0].startswith("cross-")] == []  # 附件1 has other counts


def test_the_county_as_a_whole_is_no_township(tmp_path: Path) -> None:
    # "谷城县城乡" ends like a township (乡): it was summed as one more (100 for 50).
    a2 = _a2(_unit("城关镇", 30, 1), _unit("石花镇", 20, 2), _unit("谷城县城乡", 50, 3, 2))
    result, out = run(tmp_path, _files(a2), "谷城县")
    assert ("township-row-unclear", "附件2", "A7") in codes(result)
    assert stats_rows(out)["合计"] == 0


def test_a_row_naming_the_county_that_is_neither_total_nor_part_is_never_summed(tmp_path: Path) -> None:
    a2 = _a2(_town("城关镇", 30, 1, (2, 1, 1)), _town("石花镇", 20, 2, (1, 1, 0)), _town("谷城县实际完成", 50, 3))
    result, out = run(tmp_path, _files(a2), "谷城县")
    assert codes(result) == [("township-row-unclear", "附件2", "A7"), ("township-summed", "附件2", "A5")]
    assert stats_rows(out)["合计"] == 0  # not 100 (summed), not 50 (one reading chosen)
    msg = next(f.message for f in result.rollup.report.findings() if f.code == "township-row-unclear")
    assert "“谷城县实际完成”" in msg and f"「{FUNDS}」" in msg
    # the county's own bureaus and a township written with the county's name are parts
    a2 = _a2(_town("谷城县本级", 30, 1, (2, 1, 1)), _town("谷城县石花镇", 20, 2, (1, 1, 0)))
    result, out = run(tmp_path / "分项", _files(a2), "谷城县")
    assert codes(result) == [("township-summed", "附件2", "A5")]
    assert stats_rows(out)["谷城县"] == 50


@pytest.mark.parametrize("labels", [("谷城县（本期）", "谷城县（累计）"), ("谷城县（上次报送）", "谷城县（本次报送）"),
                                    ("谷城县", "累计"), ("本期合计", "累计")])
def test_two_periods_of_the_county_are_two_readings_never_added(tmp_path: Path, labels: tuple[str, str]) -> None:
    a2 = _a2([labels[0], 3, 2, 1, 50, 0, 3, 4, 0, 6, 8, 2], [labels[1], 3, 3, 0, 120, 0, 5, 4, 0, 6, 8, 2])
    result, out = run(tmp_path, _files(a2), "谷城县")
    assert codes(result) == [("county-periods", "附件2", "A5")]
    assert stats_rows(out)["合计"] == 0  # was 170: two periods added as townships
    assert stats_rows(out, "补充人员（人）")["合计"] == 0
    assert stats_rows(out, "新整合快递企业（家）")["合计"] == 4  # both periods say 4: one reading
    msg = next(f.message for f in result.rollup.report.findings() if f.code == "county-periods")
    assert f"第 5 行“{labels[0]}”" in msg and f"第 6 行“{labels[1]}”" in msg and f"「{FUNDS}」" in msg


def _sideways(tmp_path: Path, columns: list[tuple[str, list[object]]], corner: str = "指标") -> Path:
    """A 附件2 turned sideways: indicator names down column A, one column of figures per value column."""
    rows: list[Row] = [["附件2"], ["示范县专项整改成果统计表"], ["谷城县商务主管部门（盖章）"],
                       [corner, *(name for name, _ in columns)]]
    rows += [[h, *(values[k] for _, values in columns)] for k, h in enumerate(A2_HEADERS[1:12])]
    rows.append(["（联系人：张三  联系电话：0710-7223456）"])
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县附件1.xlsx", {"附件1": appendix1_rows(rows_for("谷城", 3, 2))})
    make_workbook(folder / "谷城县附件2.xlsx", {"附件2": rows})
    return folder


ONE = [3, 2, 1, 50, 0, 3, 4, 0, 6, 8, 2]
TWO = [3, 3, 0, 120, 0, 5, 4, 0, 6, 8, 2]


@pytest.mark.parametrize("names", [("本次新增", "累计"), ("6月", "7月")])
def test_period_columns_of_a_sideways_table_are_never_added(tmp_path: Path, names: tuple[str, str]) -> None:
    folder = _sideways(tmp_path, [(names[0], ONE), (names[1], TWO)])
    result = zhenggai.merge([folder], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert codes(result) == [("county-periods", "附件2", "B4")]  # the first column's head, on the sheet
    assert stats_rows(tmp_path / "汇总.xlsx")["合计"] == 0  # was 170


@pytest.mark.parametrize("corner", ["指标", "项目", "指标名称"])
def test_a_sideways_table_headed_by_its_label_column_has_its_county_column(tmp_path: Path, corner: str) -> None:
    # "指标 | 谷城县" over the names: no spurious missing 县（市、区）; a blank 备注 column is no township
    folder = _sideways(tmp_path, [("谷城县", ONE), ("备注", [None] * 11)], corner)
    result = zhenggai.merge([folder], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert codes(result) == []
    assert stats_rows(tmp_path / "汇总.xlsx") == {"谷城县": 50, "合计": 50}


def test_blank_cells_of_breakdown_rows_are_not_zero(tmp_path: Path) -> None:
    # "其中" rows fill only the columns they break down: a blank is not 0 ("相加为 0" was an error)
    a2 = _a2(["谷城县", 3, 2, 1, 50, 0, 3, 4, 12, 6, 8, 2],
             ["其中：城关镇", None, None, None, 30, None, None, None, 7],
             ["石花镇", None, None, None, 20, None, None, None, 5])
    result, out = run(tmp_path, _files(a2), "谷城县")
    assert codes(result) == []
    assert stats_rows(out) == {"谷城县": 50, "合计": 50} and stats_rows(out, "补充人员（人）")["谷城县"] == 3
    # the filled cells still add up or not: 30 + 25 is not 50
    a2[6][4] = 25
    result, out = run(tmp_path / "错", _files(a2), "谷城县")
    assert codes(result) == [("township-sum-mismatch", "附件2", "E5")]


# --- hidden rows inside a table (audit26 t34, t02) ---------------------------------------------


def _filter(path: Path, sheet: str, ref: str, rows: tuple[int, ...]) -> None:
    """An autofilter over ``ref`` that hides ``rows``, as Excel saves it."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    ws.auto_filter.ref = ref
    for r in rows:
        ws.row_dimensions[r].hidden = True
    wb.save(path)


def test_a_township_row_a_filter_hides_is_read_and_its_columns_count_nowhere(tmp_path: Path) -> None:
    a2 = _a2(_town("城关镇", 30, 1, (3, 2, 1)), _town("石花镇", 20, 1), _town("冷集镇", 15, 1))
    folder = tmp_path / "收件"
    for name, sheets in _files(a2).items():
        make_workbook(folder / name, sheets)
    _filter(folder / "谷城县.xlsx", "附件2", "A4:M7", (7,))
    result = zhenggai.merge([folder], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert codes(result) == [("hidden-row-read", "附件2", "A7"), ("township-summed", "附件2", "A5")]
    assert stats_rows(tmp_path / "汇总.xlsx")["合计"] == 0  # was 50: 冷集镇's 15 silently dropped
    msg = next(f.message for f in result.rollup.report.findings() if f.code == "hidden-row-read")
    assert "第 7 行" in msg and "未计入汇总" in msg
    cell = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["成果统计汇总"]["E5"]
    # red, the sum as read (with the hidden row) as its text: a province reading it back sees
    # a figure not counted, never a blank it would read as 0
    assert cell.value == "65" and cell.comment is not None and "第 7 行是隐藏的行" in cell.comment.text
    province = zhenggai.read_rollup(tmp_path / "汇总.xlsx")
    assert "county_funds" in province.stats[0].unreadable


def test_problem_rows_a_filter_hides_are_read_into_the_rate_with_an_error(tmp_path: Path) -> None:
    # the clerk filtered 是否完成整改 = 否 and saved: the two finished problems were out of the rate
    folder = tmp_path / "收件"
    make_workbook(folder / "谷城县.xlsx", {"附件1": appendix1_rows(rows_for("谷城", 4, 2)),
                                           "附件2": appendix2_rows(["谷城县", 4, 2, 2, 50, 0, 3, 4, 0, 6, 8, 2])})
    _filter(folder / "谷城县.xlsx", "附件1", "A4:G8", (5, 6))
    result = zhenggai.merge([folder], opts("谷城县"), tmp_path / "汇总.xlsx")
    assert result.rollup.counties[0].total == 4 and result.rollup.counties[0].done == 2
    assert codes(result) == [("hidden-row-read", "附件1", "A5")]
    assert result.rollup.report.errors == 1
