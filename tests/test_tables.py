"""tables: grids → tables, on hand-made grids (what calamine hands over), no files involved."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import A1_HEADERS, A2_HEADERS, GOOD_A2, GOOD_ROWS, MESSY_A1_HEADERS, MESSY_A2_HEADERS, Row
from zhenggai.core.schema import APPENDIX1, default_appendix2
from zhenggai.forms.tables import (
    FORMULA_NO_VALUE,
    HEADER_SCAN_ROWS,
    Table,
    find_header,
    find_tables,
    parse_contact,
)
from zhenggai.intake.reader import Grid

SPECS = (APPENDIX1, default_appendix2())


def grid(rows: list[Row], merges: list[str] | None = None, formulas: set[tuple[int, int]] | None = None) -> Grid:
    """A rectangular grid as calamine gives it: "" for empty cells; merges as A1 ranges."""
    width = max((len(r) for r in rows), default=0)
    cells = [[("" if v is None else v) for v in r] + [""] * (width - len(r)) for r in rows]
    spans = []
    for rng in merges or []:
        a, b = rng.split(":")
        spans.append((_rc(a), _rc(b)))
    return Grid("附件1", cells, spans, formulas or set())


def _rc(ref: str) -> tuple[int, int]:
    col = ord(ref[0]) - 65
    return int(ref[1:]) - 1, col


def only_table(g: Grid) -> Table:
    tables = find_tables(g, SPECS)
    assert len(tables) == 1
    return tables[0]


LAYOUT: list[Row] = [["附件1"], ["示范县整改清单"], ["谷城县商务主管部门（盖章）"], A1_HEADERS]


def test_header_found_below_titles_and_notes() -> None:
    rows: list[Row] = [["附件1"], [], ["说明：问题描述须与反馈问题清单一致"], ["谷城县商务主管部门（盖章）"], [],
                       A1_HEADERS, *GOOD_ROWS]
    found = find_header(grid(rows), SPECS)
    assert found is not None
    spec, h = found
    assert spec.kind == "appendix1"
    assert h.row == 5
    assert h.cols == {k: i for i, k in enumerate(APPENDIX1.keys)}
    assert h.missing == [] and h.variants == [] and h.extras == {}


def test_header_beyond_the_scan_window_is_not_found() -> None:
    rows: list[Row] = [[f"说明第{i}行"] for i in range(HEADER_SCAN_ROWS)] + [A1_HEADERS, *GOOD_ROWS]
    assert find_header(grid(rows), SPECS) is None


def test_a_note_mentioning_column_names_is_not_a_header() -> None:
    rows: list[Row] = [["问题描述", "请按清单填写"], ["整改措施", "写明金额"], A1_HEADERS, *GOOD_ROWS]
    found = find_header(grid(rows), SPECS)
    assert found is not None and found[1].row == 2


def test_header_shifted_right_and_with_odd_spelling() -> None:
    headers = ["", "序\u3000号", "问题描述\r\n（按反馈问题清单填报）", "整改措施及情况", "是否\n完成整改", "整改时限",
               "责任人", "责任单位", "备注"]
    found = find_header(grid([headers]), SPECS)
    assert found is not None
    _, h = found
    assert h.cols["seq"] == 1 and h.cols["unit"] == 7
    assert h.variants == [("measure", "整改措施及情况"), ("deadline", "整改时限")]
    assert h.extras == {8: "备注"}
    assert h.last_col == 8


def test_appendix2_recognised_by_its_header_and_column_aliases() -> None:
    headers = ["县(市、区)", "反馈问题数", "已完成整改数", "未完成整改数", *A2_HEADERS[4:]]
    found = find_header(grid([headers]), SPECS)
    assert found is not None
    spec, h = found
    assert spec.kind == "appendix2"
    assert h.missing == []
    assert [k for k, _ in h.variants] == ["total", "done", "open"]


def test_missing_columns_are_listed() -> None:
    headers = [h for h in A1_HEADERS if h not in ("责任人", "完成时限")]
    found = find_header(grid([headers]), SPECS)
    assert found is not None
    assert found[1].missing == ["deadline", "owner"]


def test_rows_keep_their_excel_numbers_and_skip_blank_rows() -> None:
    rows: list[Row] = [*LAYOUT, GOOD_ROWS[0], [], ["", "  ", ""], GOOD_ROWS[1]]
    t = only_table(grid(rows))
    assert [r.row for r in t.records] == [5, 8]
    assert t.records[0].values == list(GOOD_ROWS[0])


def test_numbered_empty_rows_are_blank() -> None:
    rows: list[Row] = [*LAYOUT, *GOOD_ROWS, [3.0], [4.0, "", "", "", "", "", ""], [5.0, " "]]
    assert [r.row for r in only_table(grid(rows)).records] == [5, 6]


def test_vertical_merge_fills_every_row_it_covers() -> None:
    r1, r2 = (list(r) for r in GOOD_ROWS)
    r2[6] = ""
    r3 = [3, "问题丙", "投入5万元", "是", "2022-05-31", "赵六", ""]
    t = only_table(grid([*LAYOUT, r1, r2, r3], merges=["G5:G7"]))
    assert [r.values[6] for r in t.records] == ["县商务局", "县商务局", "县商务局"]


def test_merged_category_rows_are_headings_not_data() -> None:
    rows: list[Row] = [*LAYOUT, ["一、业务建设方面"], *GOOD_ROWS, ["资金和资产管理方面"],
                       [1, "问题丙", "投入5万元", "是", "2022-05-31", "赵六", "县商务局"]]
    t = only_table(grid(rows, merges=["A5:G5", "A8:G8"]))
    assert [(r.row, r.category) for r in t.records] == [
        (6, "一、业务建设方面"), (7, "一、业务建设方面"), (9, "资金和资产管理方面")]


def test_unmerged_numbered_heading_is_a_category_too() -> None:
    rows: list[Row] = [*LAYOUT, ["（一）业务建设方面"], *GOOD_ROWS, ["", "二、组织保障方面"], GOOD_ROWS[0]]
    t = only_table(grid(rows))
    assert [(r.row, r.category) for r in t.records] == [
        (6, "（一）业务建设方面"), (7, "（一）业务建设方面"), (9, "二、组织保障方面")]


def test_merged_contact_line_ends_the_table() -> None:
    rows: list[Row] = [*LAYOUT, *GOOD_ROWS, *([n] for n in range(3, 21)), [],
                       ["（联系人：张三  联系电话：13800138000）"], ["一、附表"], GOOD_ROWS[0]]
    t = only_table(grid(rows, merges=["A26:G26", "A27:G27"]))
    assert [r.row for r in t.records] == [5, 6]
    assert t.contact is not None and (t.contact.row, t.contact.col, t.contact.name) == (26, 0, "张三")


def test_merged_note_line_ends_the_table() -> None:
    rows: list[Row] = [*LAYOUT, *GOOD_ROWS, ["注：本表由县商务局填报，一式两份"], GOOD_ROWS[0]]
    t = only_table(grid(rows, merges=["A7:G7"]))
    assert [r.row for r in t.records] == [5, 6]


def test_contact_found_a_few_rows_below_a_note() -> None:
    rows: list[Row] = [*LAYOUT, *GOOD_ROWS, ["注：金额单位为万元"], [], ["联系人：张三", "", "", "电话：0710-7223456"]]
    t = only_table(grid(rows))
    assert [r.row for r in t.records] == [5, 6]
    assert t.contact is not None and (t.contact.name, t.contact.phone) == ("张三", "0710-7223456")


@pytest.mark.parametrize(("text", "name", "phone"), [
    ("（联系人：张三  联系电话：13800138000）", "张三", "13800138000"),
    ("(联系人:张三 联系电话:0710-7223456)", "张三", "0710-7223456"),
    ("联系人：欧阳娜娜\u3000\u3000联系电话：\u3000138 0013 8000\u3000", "欧阳娜娜", "138 0013 8000"),
    ("联系人：张三 手机：13800138000", "张三", "13800138000"),
    ("联系人：张三 电话：13800138000、0710-7223456", "张三", "13800138000、0710-7223456"),
    ("（联系人：\u3000\u3000\u3000联系电话：\u3000\u3000\u3000）", "", ""),
    ("联系人：张三", "张三", ""),
])
def test_parse_contact(text: str, name: str, phone: str) -> None:
    c = parse_contact(9, ["", text])
    assert c is not None
    assert (c.row, c.col, c.name, c.phone) == (10, 1, name, phone)


def test_parse_contact_ignores_other_rows() -> None:
    assert parse_contact(0, ["填表人：张三"]) is None


def test_county_from_the_bureau_line() -> None:
    t = only_table(grid([*LAYOUT, GOOD_ROWS[0]]))
    assert t.bureau == (3, 0, "谷城县商务主管部门（盖章）")
    assert t.county == "谷城县"
    placeholder = [["附件1"], ["示范县整改清单"], ["**县（市、区）商务主管部门（盖章）"], A1_HEADERS, GOOD_ROWS[0]]
    t = only_table(grid(placeholder))
    assert t.bureau == (3, 0, "**县（市、区）商务主管部门（盖章）") and t.county is None


def test_formula_cells_without_value_are_marked() -> None:
    g = grid([*LAYOUT, GOOD_ROWS[0], [2, "问题乙", "投入5万元", "否", "", "王五", "县商务局"]], formulas={(5, 4)})
    t = only_table(g)
    assert t.records[1].values[4] is FORMULA_NO_VALUE
    assert t.formula_cells == [(6, 4, "deadline")]


def test_appendix2_total_row_and_county_row() -> None:
    rows: list[Row] = [["附件2"], ["示范县专项整改成果统计表"], ["谷城县商务主管部门（盖章）"], A2_HEADERS,
                       list(GOOD_A2), ["合计", 2, 1, 1]]
    t = only_table(grid(rows))
    assert t.kind == "appendix2"
    # The 合计 row is kept, marked: a township breakdown is checked against it.
    assert [(r.row, r.total) for r in t.records] == [(5, False), (6, True)]


def test_a_table_of_only_headings_and_blank_rows_has_no_records() -> None:
    rows: list[Row] = [*LAYOUT, ["一、业务建设方面"], [], [1], [2]]
    t = only_table(grid(rows, merges=["A5:G5"]))
    assert t.records == []


def test_grid_without_table() -> None:
    assert find_tables(grid([["姓名", "电话"], ["张三", "1"]]), SPECS) == []
    assert find_tables(grid([]), SPECS) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*A1_HEADERS, *A2_HEADERS, *MESSY_A1_HEADERS, *MESSY_A2_HEADERS, "", " 备注 ",
                                 "序号", "合计", 3.0, None, "县（市、区）\n", "完成整改"]) | st.text(max_size=8),
                max_size=12))
def test_a_header_row_reads_the_same_from_the_matchers_memory(row: list[object]) -> None:
    """_Matcher.cells remembers each cell text's match (a merge reads 1,500 replies' headers):
    a row matched with a matcher that has seen every text reads as with a new one."""
    from zhenggai.forms.tables import _match_row, _Matcher, _matcher

    for spec in SPECS:
        warm = _matcher(spec)
        _match_row(row, warm)  # every text of the row remembered
        assert _match_row(row, warm) == _match_row(row, _Matcher(spec))
