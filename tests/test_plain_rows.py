"""The plain-row reader (forms/rowkinds.plain_reader) reads a table exactly as the general path.

A big 附件1's rows are read by a few tests each instead of classify and make_record (issue 22):
every table built here both ways must come out the same, notes, records and all, whatever
the rows hold (numbers, texts, total labels, blanks, bools, dates), wherever merges, formula
cells without a value, hidden rows and extra columns fall, and whatever the column order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import A1_HEADERS as _HEADERS
from zhenggai.core.parse import Shown, clean_text
from zhenggai.core.schema import APPENDIX1, default_appendix2
from zhenggai.core.table import Record, Table
from zhenggai.forms import rowkinds
from zhenggai.forms.tables import find_tables
from zhenggai.intake.reader import Grid

A1_HEADERS: list[object] = list(_HEADERS)
SPECS = (APPENDIX1, default_appendix2())
TOP: list[list[object]] = [["附件1"], ["谷城县商务主管部门（盖章）"]]

CELLS = st.one_of(
    st.sampled_from([
        1.0, 2, 3.5, 0, -1.0, True, False, "", " ", "\u3000", "\n", "1", "一", "合计", "合 计", "全县", "谷城县合计",
        "高新区小计", "小计：", "（合计）", "总体情况", "全面推进站点建设", "是", "否", "2022-06-30",
        "问题一", "整改措施：投入30万元", "一、业务建设方面", "万元", "（个）", "联系人：张三", "注：", "序号",
        "问题描述", "整改措施和情况", "是否完成整改", "完成时限", "责任人", "责任单位",
        "全" * 41, "问题" * 21, "计" * 40, date(2022, 6, 30),
    ]),
    st.builds(lambda n: Shown(f"{n}万元", n, '0"万元"'), st.integers(1, 9)),
    st.text(alphabet="合计总全县汇小共 　问题措施1.", max_size=12),
)


def _row(width: int) -> st.SearchStrategy[list[object]]:
    plain = [1.0, "问题一", "措施", "是", date(2022, 6, 30), "李四", "县商务局", "备注"][:width]
    # A plain row with a few of its cells drawn from all kinds (a bool 序号, a total label …).
    nearly = st.lists(st.tuples(st.one_of(st.integers(0, 2), st.integers(0, width - 1)), CELLS), max_size=2).map(
        lambda swaps: [next((v for i, v in reversed(swaps) if i == c), plain[c]) for c in range(width)])
    any_row = st.lists(CELLS, min_size=0, max_size=width + 1).map(lambda r: r + [""] * (width - len(r)))
    short = st.lists(CELLS, min_size=1, max_size=max(1, width - 2))  # a row narrower than the table
    return st.one_of(st.just(plain), nearly, nearly, any_row, short)


@st.composite
def grids(draw: st.DrawFn) -> Grid:
    order = draw(st.permutations(range(7))) if draw(st.booleans()) else list(range(7))
    extra = draw(st.booleans())
    header: list[object] = [A1_HEADERS[i] for i in order]
    header += ["备注"] if extra else []
    width = len(header)
    body = draw(st.lists(_row(width), min_size=1, max_size=25))
    rows: list[list[object]] = [[*r, *[""] * (width - len(r))] for r in TOP] + [header] + body
    n = len(rows)
    first = len(TOP) + 1
    merges = []
    for _ in range(draw(st.integers(0, 4))):
        r0 = draw(st.integers(first, n - 1))
        r1 = draw(st.integers(r0, min(n - 1, r0 + 3)))
        c0 = draw(st.one_of(st.integers(0, 2), st.integers(0, width - 1)))  # 序号 and 问题描述 often
        c1 = draw(st.integers(c0, width - 1)) if r0 == r1 else c0
        merges.append(((r0, c0), (r1, c1)))
    formulas = set(draw(st.lists(st.tuples(st.integers(first, n - 1), st.integers(0, width - 1)), max_size=3)))
    grid = Grid("附件1", rows, merges, formulas)
    for r in draw(st.lists(st.integers(first, n - 1), max_size=2)):
        grid.hidden_values[r] = rows[r]
        rows[r] = [""] * len(rows[r])
    return grid


def _both(grid: Grid) -> tuple[list[Table], list[Table]]:
    fast = find_tables(grid, SPECS)
    with mock.patch.object(rowkinds, "plain_reader", return_value=None):
        general = find_tables(grid, SPECS)
    return fast, general


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids())
def test_the_plain_reader_reads_every_table_as_the_general_path(grid: Grid) -> None:
    fast, general = _both(grid)
    assert fast == general
    for a, b in zip(fast, general, strict=True):
        # Equal values of other types (1 == 1.0 == True) would pass ==: the types too.
        assert [[type(v) for v in r.values] for r in a.records] == [[type(v) for v in r.values] for r in b.records]


@pytest.mark.parametrize("cells", [
    [1.0, " ", "合计"],  # 问题描述 blank: make_record looks at 整改措施 for a total label
    [1.0, "\u3000", "全县"],
    [True, "问题一", "措施"],  # a bool is no 序号 number
    [1.0, "谷城县合计", "措施"],
    [1.0, " 合 计 ", ""],
    [2, "全" * 40, "措施"],
    [2, "合" + " " * 35 + "计", "措施"],  # a total label of 37 characters, spaces and all
    [Shown("1万元", 1, '0"万元"'), "问题一", "措施"],
    [1.0, Shown("1万元", 1, '0"万元"'), "措施"],
    [1.0, "", "措施"],
])
def test_rows_near_plain_read_as_the_general_path(cells: list[object]) -> None:
    body = [[1.0, "问题一", "措施", "是", date(2022, 6, 30), "李四", "县商务局"],
            [*cells, "是", date(2022, 6, 30), "李四", "县商务局"][:7] + [""] * (4 - len(cells) + 3)]
    grid = Grid("附件1", [[*r, *[""] * 6] for r in TOP] + [A1_HEADERS, *(r[:7] for r in body)])
    fast, general = _both(grid)
    assert fast == general


def test_the_plain_reader_reads_the_plain_rows_of_a_big_table() -> None:
    """Not a test that cannot fail: the plain rows of a table are read by the plain reader."""
    body = [[float(i), f"问题{i}", "措施", "是", date(2022, 6, 30), "李四", "县商务局"] for i in range(1, 51)]
    body[10][1] = "合计"
    body[18][6] = body[19][6] = ""  # under the merge of rows 20–22: filled with its value
    body[17][6] = "县财政局"
    grid = Grid("附件1", [[*r, *[""] * 6] for r in TOP] + [A1_HEADERS, *body], [((20, 6), (22, 6))])
    read: list[int] = []
    real = rowkinds.plain_reader

    def counting(rows: rowkinds.Rows) -> rowkinds.PlainReader | None:
        inner = real(rows)
        assert inner is not None

        def count(r: int, category: str | None, keep: Callable[[Record], None]) -> int:
            after = inner(r, category, keep)
            read.extend(range(r, after))
            return after

        return count

    with mock.patch.object(rowkinds, "plain_reader", counting):
        (t,) = find_tables(grid, SPECS)
    assert len(t.records) == 49  # the 合计 row is no problem
    assert len(read) == 48  # all but the first (perhaps column numbers) and the 合计 row
    assert [rec.values[6] for rec in t.records[16:19]] == ["县财政局"] * 3  # the merge's value filled in
    fast, general = _both(grid)
    assert fast == general


@settings(max_examples=1500, deadline=None)
@given(st.text(st.sampled_from("计汇总全合小共数量县市区州旗盟省本各乡镇级谷城新 \t\n\u3000（）():：、"), max_size=16))
def test_total_labels_read_as_by_the_regex_alone(text: str) -> None:
    """is_total_label's test of the last character (before ) and :) spares the regex, never changes it."""
    assert rowkinds.is_total_label(text) == _regex_total(text)
    label = text.strip() + "合计" + text[:3] + "）："  # more texts that end as a label does
    assert rowkinds.is_total_label(label) == _regex_total(label)


def _regex_total(text: str) -> bool:
    if not text or len(text) > rowkinds.TOTAL_LABEL_MAX:
        return False
    m = rowkinds._TOTAL_RE.match(rowkinds._ALL_SPACE.sub("", text))
    return m is not None and not (m["place"] and rowkinds._ZONE_END.search(m["place"]))


@settings(max_examples=1500, deadline=None)
@given(st.text(st.sampled_from("计汇总全合小数量县市区点站村5Ａa \t\u3000\u200b\ufeff（）():：、"), min_size=1,
               max_size=16))
def test_a_text_ending_in_a_letter_no_label_ends_in_is_no_label(text: str) -> None:
    """The plain reader's test of the last character: no label ends in a letter or digit other than
    those of _TOTAL_END, and nothing clean_text or is_total_label strips from the end is one."""
    if text[-1] not in rowkinds._TOTAL_END and text[-1].isalnum():
        assert not rowkinds.is_total_label(clean_text(text))
    body = [[1.0, "问题一", "措施", "是", date(2022, 6, 30), "李四", "县商务局"],
            [2.0, text, "措施", "是", date(2022, 6, 30), "李四", "县商务局"]]
    grid = Grid("附件1", [[*r, *[""] * 6] for r in TOP] + [A1_HEADERS, *body])
    fast, general = _both(grid)
    assert fast == general
