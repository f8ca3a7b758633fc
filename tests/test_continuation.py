"""附件1 continued without its header (audit 26, class 3): on the next sheet, or in the next Word
table after a page break. Read as the table it continues when that is clear (its columns, 序号
carrying on), said in an info; rows that look like a table's but are not clearly a continuation
are an error naming them. Never dropped unread, never "请删除多余的一份" for half the problems.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import zhenggai
from builders import A1_HEADERS, A2_HEADERS, appendix1_rows, make_docx, make_workbook
from zhenggai import MergeOptions, Options

OPTS = MergeOptions(validate=Options(as_of=date(2022, 7, 15)), prefecture="襄阳市")
ROWS = [[i, f"问题{i}", f"措施{i}，已投入{i}万元", "是" if i % 2 else "否",
         "2022-12-31" if i % 2 == 0 else "2022-06-30", "张三", "县商务局"] for i in range(1, 5)]


def _codes(result: Any, *codes: str) -> list[tuple[str, str | None, str | None]]:
    return [(f.code, f.sheet, f.cell) for fr in result.report.files for f in fr.findings if f.code in codes]


def _excel(tmp_path: Path, rest: list[list[Any]]) -> Path:
    return make_workbook(tmp_path / "in" / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(ROWS[:2]), "Sheet2": rest})


def test_sheet2_without_header_continuing_the_seq_is_read_as_the_same_table(tmp_path: Path) -> None:
    rest = [list(r) for r in ROWS[2:]]
    rest[1][4] = "2022年13月"  # a finding on the continuation sheet names that sheet's own cell
    _excel(tmp_path, rest)
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    (county,) = result.rollup.counties
    assert (county.total, county.done, county.open) == (4, 2, 2)
    assert sorted(_codes(result, "table-continued-headerless", "date-invalid", "extra-column", "missing-column")) == [
        ("date-invalid", "Sheet2", "E2"), ("table-continued-headerless", "Sheet2", "A1")]
    assert [(it.sheet, it.source_row) for it in result.rollup.items] == [
        ("附件1", 5), ("附件1", 6), ("Sheet2", 1), ("Sheet2", 2)]


def test_rows_without_header_that_do_not_continue_are_an_error_naming_them(tmp_path: Path) -> None:
    # 序号 starts again at 1: another list, or the same problems again? Not ours to guess.
    _excel(tmp_path, [["说明：以下为补充问题"], [], *[[i - 2, *r[1:]] for i, r in enumerate(ROWS[2:], start=3)]])
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    (bad,) = [f for fr in result.report.files for f in fr.findings if f.code == "rows-without-header"]
    assert (bad.severity.value, bad.sheet, bad.cell) == ("error", "Sheet2", "A3")
    assert "第 3、4 行" in bad.message and "序号" in bad.message
    assert result.rollup.counties[0].total == 2


@pytest.mark.parametrize("sheet", [
    [["填报说明"], ["1. 问题描述按反馈问题清单填写"], ["2. 是否完成整改填“是”或“否”"]],
    [["填报人", "张三", "联系电话", 13800138000], ["审核人", "李四", "日期", "2022-07-10"]],
])
def test_a_sheet_of_notes_is_no_table_and_no_error(tmp_path: Path, sheet: list[list[Any]]) -> None:
    _excel(tmp_path, sheet)
    result = zhenggai.merge([tmp_path / "in"], OPTS)
    assert _codes(result, "rows-without-header", "table-continued-headerless") == []


def _word(tmp_path: Path, repeat: bool) -> Path:
    texts = [[str(v) for v in r] for r in ROWS]
    second = [A1_HEADERS, *texts[2:]] if repeat else texts[2:]
    a2 = ["谷城县", "4", "2", "2", "50", "0", "3", "4", "12", "8", "18", "6", ""]
    return make_docx(tmp_path / "in" / "谷城县整改材料.docx", [
        "附件1", "示范县整改清单", "谷城县商务主管部门（盖章）", [A1_HEADERS, *texts[:2]], "", second,
        "（联系人：张三  联系电话：13800138000）",
        "附件2", "示范县专项整改成果统计表", "谷城县商务主管部门（盖章）", [A2_HEADERS, a2],
        "（联系人：张三  联系电话：0710-7223456）"])


def test_a_word_table_split_at_a_page_break_is_one_table(tmp_path: Path) -> None:
    for repeat, code in ((True, "table-continued"), (False, "table-continued-headerless")):
        _word(tmp_path / str(repeat), repeat)
        result = zhenggai.merge([tmp_path / str(repeat) / "in"], OPTS)
        (county,) = result.rollup.counties
        assert (county.total, county.done, county.open, result.rollup.report.errors) == (4, 2, 2, 0), repeat
        assert _codes(result, "table-continued", "table-continued-headerless", "duplicate-in-workbook") == [
            (code, "表格2", "第1行")], repeat
