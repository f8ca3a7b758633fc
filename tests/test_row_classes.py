"""Every row is classified by all its cells (issue 18, classes 2, 3 and 6).

Data, category heading, continuation, repeated header, units row, notes, 合计, blank; a row
that fits none is an error naming it, never a heading because of its first characters.
Tables are found wherever they stand on a sheet; a county's 附件2 cells merged over several
rows are joined, never one row kept. Each class is built here with several members.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhenggai
from builders import A1_HEADERS, A2_HEADERS, GOOD_A2, GOOD_ROWS, Row, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import Options
from zhenggai.checking.rows import RowContext
from zhenggai.checking.table_rules import duplicate_problem_rule
from zhenggai.core.schema import APPENDIX1, default_appendix2
from zhenggai.core.table import Header, Record, Table
from zhenggai.forms.tables import find_tables
from zhenggai.intake.reader import Grid

SPECS = (APPENDIX1, default_appendix2())
OPTS = Options(as_of=date(2022, 9, 1))
LAYOUT: list[Row] = [["附件1"], ["示范县整改清单"], ["谷城县商务主管部门（盖章）"], A1_HEADERS]
CONTACT: Row = ["（联系人：张三  联系电话：13800138000）"]


def grid(rows: list[Row], merges: list[str] | None = None) -> Grid:
    width = max((len(r) for r in rows), default=0)
    cells = [[("" if v is None else v) for v in r] + [""] * (width - len(r)) for r in rows]
    spans = []
    for rng in merges or []:
        a, b = rng.split(":")
        spans.append(((int(a[1:]) - 1, ord(a[0]) - 65), (int(b[1:]) - 1, ord(b[0]) - 65)))
    return Grid("附件1", cells, spans)


def row(seq: object, problem: str, measure: str = "措施：投入30万元", done: str = "是") -> Row:
    return [seq, problem, measure, done, "2022-06-30", "李四", "县商务局"]


def codes(rows: list[Row], merges: list[str] | None = None) -> list[tuple[str, int]]:
    (t,) = find_tables(grid(rows, merges), SPECS)
    return [(code, line) for code, line, _, _ in t.notes]


# --- continuation: only 整改措施 (or 备注) filled ------------------------------------------

@pytest.mark.parametrize("paragraph", ["二、加强对站点的日常巡查", "（三）建立长效机制", "1. 每月通报一次",
                                       "同时做好宣传"])
def test_a_measure_paragraph_on_its_own_row_continues_the_problem(paragraph: str) -> None:
    rows = [*LAYOUT, row(1, "问题一", "一、恢复运营"), [None, None, paragraph], row(2, "问题二"), [], CONTACT]
    (t,) = find_tables(grid(rows), SPECS)
    assert [r.row for r in t.records] == [5, 7]
    assert t.records[0].values[2] == f"一、恢复运营\n{paragraph}"
    assert [r.category for r in t.records] == [None, None]  # never the category of the rows below
    assert [(c, line) for c, line, _, _ in t.notes] == [("row-continuation", 6)]


def test_several_continuation_rows_and_a_remark() -> None:
    rows = [[*LAYOUT[0]], LAYOUT[1], LAYOUT[2], [*A1_HEADERS, "备注"],
            [*row(1, "问题一", "措施甲"), ""], [None, None, "措施乙", None, None, None, None, "乙已验收"],
            [None, None, "措施丙"], [*row(2, "问题二"), ""]]
    (t,) = find_tables(grid(rows), SPECS)
    assert [r.row for r in t.records] == [5, 8]
    assert t.records[0].values[2] == "措施甲\n措施乙\n措施丙"
    assert t.records[0].extras == {"备注": "乙已验收"}


def test_a_continuation_before_any_problem_is_an_error(tmp_path: Path) -> None:
    rows: list[Row] = [[None, None, "一、加强管理"], *GOOD_ROWS]
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    report = zhenggai.validate([path], OPTS).report
    assert [(f.cell, f.code, f.severity.value) for f in report.findings()] == [("C5", "row-unclassified", "error")]


def test_continuation_in_a_reply_counts_one_problem(tmp_path: Path) -> None:
    rows: list[Row] = [GOOD_ROWS[0], [None, None, "二、新增运营人员4人"], GOOD_ROWS[1]]
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    items = results[0].tables_of("appendix1")[0].items
    assert [it.row for it in items] == [5, 7]
    assert [(f.cell, f.code) for f in report.findings()] == [("C6", "row-continuation")]


# --- a problem written over two rows (audit 26, class 4) ----------------------------------

@pytest.mark.parametrize(("second", "cell"), [
    ([None, "持续运营能力不足"], "B6"),  # 问题描述 wrapped onto a row of its own
    ([None, "持续运营能力不足", "补充工作人员3人"], "B6"),  # and its measure with it
    ([None, None, "补充工作人员3人", None, None, "王五"], "C6"),  # a measure with its own 责任人
])
def test_a_problem_written_over_two_rows_is_no_fifth_problem(tmp_path: Path, second: Row, cell: str) -> None:
    rows: list[Row] = [[1, "县级电商公共服务中心服务功能弱化，", *GOOD_ROWS[0][2:]], second,
                       *[[i + 2, *r[1:]] for i, r in enumerate(GOOD_ROWS)]]
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    validated = zhenggai.validate([path], OPTS)
    assert [(f.cell, f.code, f.severity.value) for f in validated.report.findings()
            if not f.code.startswith("measure-")] == [(cell, "row-split", "error")]  # no "未填写" for each cell
    (split,) = [f for f in validated.report.findings() if f.code == "row-split"]
    assert "像是第 5 行的问题写成了两行" in split.message
    assert [it.row for it in validated.files[0].tables_of("appendix1")[0].items] == [5, 7, 8]


def test_rows_without_seq_in_a_table_without_seq_are_problems(tmp_path: Path) -> None:
    # No row has a 序号: a row without one is this table's way, not a wrapped row; the cells it
    # lacks are each reported, as before.
    rows: list[Row] = [[None, *GOOD_ROWS[0][1:]], [None, "快递企业整合不够", "新整合快递企业3家"]]
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    validated = zhenggai.validate([path], OPTS)
    assert [it.row for it in validated.files[0].tables_of("appendix1")[0].items] == [5, 6]
    assert {f.code for f in validated.report.findings() if f.row == 6} == {"required-missing"}


# --- category headings: by where the text stands, never by its first characters -----------

@pytest.mark.parametrize(("heading", "merges", "category"), [
    (["一、业务建设方面"], None, "一、业务建设方面"),
    (["一", "业务建设方面"], None, "一、业务建设方面"),
    (["（二）服务体系方面"], None, "（二）服务体系方面"),
    (["业务建设方面"], ["A5:G5"], "业务建设方面"),
    ([None, "（一）业务建设方面"], None, "（一）业务建设方面"),
])
def test_category_headings(heading: Row, merges: list[str] | None, category: str) -> None:
    rows = [*LAYOUT, heading, row(1, "问题一"), row(2, "问题二")]
    (t,) = find_tables(grid(rows, merges), SPECS)
    assert [(r.row, r.category) for r in t.records] == [(6, category), (7, category)]
    assert t.notes == []


def test_a_lone_problem_followed_by_its_measures_is_a_problem() -> None:
    """Only 问题描述 filled, its measures on the rows below: a problem, not a heading."""
    rows = [*LAYOUT, [None, "（一）站点运营不规范"], [None, None, "一、整顿站点"], [None, None, "二、加强考核"]]
    (t,) = find_tables(grid(rows), SPECS)
    assert [r.row for r in t.records] == [5]
    assert t.records[0].values[1] == "（一）站点运营不规范" and t.records[0].values[2] == "一、整顿站点\n二、加强考核"


# --- repeated headers, units rows, column numbers -----------------------------------------

def test_a_header_repeated_after_blank_rows_is_skipped() -> None:
    variant = ["序号", "问题\n描述", "整改措施及情况", "是否完成整改", "完成时限", "责任人", "责任单位"]
    rows = [*LAYOUT, row(1, "问题一"), [], [], A1_HEADERS, row(2, "问题二"), [], variant, row(3, "问题三")]
    (t,) = find_tables(grid(rows), SPECS)
    assert [r.row for r in t.records] == [5, 9, 12]
    assert codes(rows) == [("header-repeated", 8), ("header-repeated", 11)]


def test_column_numbers_under_the_header_are_skipped() -> None:
    rows = [*LAYOUT, [1, 2, 3, 4, 5, 6, 7], row(1, "问题一"), row(2, "问题二")]
    (t,) = find_tables(grid(rows), SPECS)
    assert [r.row for r in t.records] == [6, 7]
    assert codes(rows) == [("row-units-skipped", 5)]


@pytest.mark.parametrize("units", [
    [None, "个", "个", "个", "万元", "万元", "人", "家", "个", "个", "个", "个"],
    ["（单位：万元）"],
    [None, "（个）", "（个）", "（个）", "(万元)"],
])
def test_a_units_row_under_the_header_of_appendix2_is_skipped(tmp_path: Path, units: Row) -> None:
    rows = appendix2_rows(list(GOOD_A2))
    rows.insert(4, units)
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件2": rows})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert [(f.cell, f.code) for f in report.findings()] == [(f"{'A' if units[0] else 'B'}5", "row-units-skipped")]
    assert results[0].tables_of("appendix2")[0].counties["谷城县"].numbers["county_funds"] == 30


# --- tables wherever they are -------------------------------------------------------------

@pytest.mark.parametrize("between", [
    [[], CONTACT, [], ["附件2"], ["示范县专项整改成果统计表"], ["谷城县商务主管部门（盖章）"]],
    [[], ["附件2"], ["谷城县商务主管部门（盖章）"]],
    [[]],
    [],
])
def test_both_tables_on_one_sheet(tmp_path: Path, between: list[Row]) -> None:
    rows = [*appendix1_rows([list(r) for r in GOOD_ROWS], contact=None), *between, A2_HEADERS, list(GOOD_A2),
            [], ["（联系人：张三  联系电话：0710-7223456）"]]
    path = make_workbook(tmp_path / "谷城县.xlsx", {"Sheet1": rows})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    f = results[0]
    assert [t.table.kind for t in f.tables] == ["appendix1", "appendix2"]
    assert [it.row for it in f.tables_of("appendix1")[0].items] == [5, 6]
    assert f.tables_of("appendix2")[0].counties["谷城县"].numbers["total"] == 2
    assert report.errors == 0, [x.message for x in report.findings()]


# --- 附件2: one county's cells merged over several rows ------------------------------------

def test_merged_county_rows_join_their_remarks(tmp_path: Path) -> None:
    a2 = appendix2_rows([*GOOD_A2[:12], "备注一"])
    a2.insert(5, [None] * 12 + ["备注二"])
    merges = {"附件2": [f"{c}5:{c}6" for c in "ABCDEFGHIJKL"]}
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows([list(r) for r in GOOD_ROWS]), "附件2": a2},
                         merges=merges)
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    stats = results[0].tables_of("appendix2")[0].counties["谷城县"]
    assert stats.values[12] == "备注一\n备注二"
    assert stats.numbers["county_funds"] == 30
    assert [(f.cell, f.code) for f in report.findings()] == [("A5", "rows-merged-joined")]


def test_merged_county_with_a_number_on_each_row_is_an_error(tmp_path: Path) -> None:
    a2 = appendix2_rows(list(GOOD_A2))
    a2.insert(5, [None, None, None, None, 5])
    merges = {"附件2": [f"{c}5:{c}6" for c in "ABCD"]}
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件2": a2}, merges=merges)
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert results[0].tables_of("appendix2")[0].counties["谷城县"].numbers["county_funds"] is None
    assert ("E5", "number-invalid") in [(f.cell, f.code) for f in report.findings()]


@pytest.mark.parametrize("label", ["小计", "合  计", "本县小计："])
def test_a_subtotal_label_alone_is_no_heading(label: str) -> None:
    rows = [*LAYOUT, ["一、业务建设方面"], row(1, "问题一"), [label], row(2, "问题二")]
    (t,) = find_tables(grid(rows), SPECS)
    assert [(r.row, r.category) for r in t.records] == [(6, "一、业务建设方面"), (8, "一、业务建设方面")]


def test_a_note_in_the_first_column_between_problems_is_a_heading_not_a_problem() -> None:
    """Text only in the first column: a heading by where it stands, whatever its first characters."""
    rows = [*LAYOUT, row(1, "问题一"), ["服务体系方面"], row(2, "问题二")]
    (t,) = find_tables(grid(rows), SPECS)
    assert [(r.row, r.category) for r in t.records] == [(5, None), (7, "服务体系方面")]


# --- the short cuts of a 100,000-row table against the plain reading (issue 22) ---------------
# rowkinds.is_total_label and _first_two_filled, and table_rules.duplicate_problem_rule, take
# short cuts for big tables; each must give what the plain code kept here gives, for any input.

_CELLS = st.one_of(st.none(), st.sampled_from(["", " ", "\u3000", "\n", "合计", "全县", "一、"]),
                   st.floats(allow_nan=False), st.integers(-3, 3), st.text(max_size=6))


def _plain_first_two(values: list[object]) -> list[object]:
    from zhenggai.forms.rowkinds import _blank

    return [v for v in values if not _blank(v)][:2]


def _plain_total(text: str) -> bool:
    from zhenggai.forms.rowkinds import _ALL_SPACE, _TOTAL_CHARS, _TOTAL_RE, _ZONE_END, TOTAL_LABEL_MAX

    if not text or len(text) > TOTAL_LABEL_MAX or _TOTAL_CHARS.isdisjoint(text):
        return False
    m = _TOTAL_RE.match(_ALL_SPACE.sub("", text))
    return m is not None and not (m["place"] and _ZONE_END.search(m["place"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_CELLS, max_size=6))
def test_first_two_filled_is_the_plain_loop(values: list[object]) -> None:
    from zhenggai.forms.rowkinds import _first_two_filled

    assert _first_two_filled(values) == _plain_first_two(values)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("计汇总全合小县市区谷城 （）:\u3000镇乡园新"), max_size=14) | st.text(max_size=45))
def test_total_label_short_cut_is_the_plain_test(text: str) -> None:
    from zhenggai.forms.rowkinds import is_total_label

    assert is_total_label(text) == _plain_total(text)


def _plain_duplicates(table: Table, ctx: RowContext) -> None:
    """table_rules.duplicate_problem_rule as first written: every row's key, one loop."""
    from zhenggai.checking.table_rules import _per_county

    punct = re.compile(r"[\s\W_]+", re.UNICODE)  # the key as first written

    i = table.spec.keys.index("problem")
    for records in _per_county(table):
        seen: dict[str, int] = {}
        for rec in records:
            problem = rec.values[i]
            if isinstance(problem, str) and problem:
                key = punct.sub("", problem)
                if key in seen:
                    if seen[key] != (rec.group or -rec.row):
                        ctx.report("problem-duplicate", rec.row, "problem", problem, other_row=abs(seen[key]))
                else:
                    seen[key] = rec.group or -rec.row


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.sampled_from(["网点少", "网点少。", " 网点 少", "——", "_", "", "培训不足"]),
                                    st.none(), st.floats(0, 3)),
                          st.booleans()), max_size=12))
def test_duplicate_problems_short_cut_is_the_plain_rule(rows: list[tuple[object, bool]]) -> None:
    keys = APPENDIX1.keys
    header = Header(3, {k: i for i, k in enumerate(keys)}, {k: k for k in keys}, [], {}, [])
    records: list[Record] = []
    for n, (problem, merged) in enumerate(rows, start=5):
        values: list[object] = [""] * len(keys)
        values[keys.index("problem")] = problem
        # A problem merged down from the row above: the same group (one problem, two measures).
        group = records[-1].group or records[-1].row if merged and records else None
        records.append(Record(n, values, group=group))
    table = Table(APPENDIX1, "附件1", header, records, None, None, None, [])
    got, plain = (RowContext(table, "f.xlsx", date(2022, 9, 30), date(2022, 9, 1)) for _ in range(2))
    duplicate_problem_rule(table, got)
    _plain_duplicates(table, plain)
    assert got.findings == plain.findings


_KEY_CHARS = "谷城县站点运营不足，。、；：（）()［］_- \u3000\t\n0１2a Ｂ%％·…“”《》①"


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(alphabet=st.sampled_from(_KEY_CHARS), max_size=30), st.text(max_size=30)))
def test_duplicate_problems_key_is_what_dropping_punctuation_and_spaces_leaves(text: str) -> None:
    # duplicate_problem_rule joins what _KEPT finds instead of substituting [\s\W_]+ away (cheaper).
    from zhenggai.checking.table_rules import _KEPT

    assert "".join(_KEPT.findall(text)) == re.sub(r"[\s\W_]+", "", text)
