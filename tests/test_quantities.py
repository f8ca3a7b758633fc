"""附件1 text against 附件2 numbers (checking/quantities.py): the figures measures state, summed per indicator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from builders import Row, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import validate
from zhenggai.checking.quantities import agree, mentions
from zhenggai.core.results import Options
from zhenggai.core.schema import appendix2

OPTS = Options(as_of=date(2022, 9, 1))
COLS = {c.key: c for c in appendix2(None).columns}
# A–D: 县（市、区）, 反馈问题数, 已完成, 未完成; then the indicators in indicators.toml's order: 县级财政安排经费 E,
# 追回企业资金 F, 补充人员 G, 新整合快递企业 H, 淘汰站点 I, 新建改造站点 J, 新覆盖村 K, 优化培训课程 L; 备注 M
A2: Row = ["谷城县", 3, 3, 0, 0, 47, 0, 3, 8, 12, 46, 5, None]


def reply(tmp_path: Path, measures: list[str], a2: Row = A2) -> list[list[object]]:
    rows: list[Row] = [[i + 1, f"问题{i + 1}", m, "是", "2022-06-30", "张三", "县商务局"]
                       for i, m in enumerate(measures)]
    make_workbook(tmp_path / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows)})
    make_workbook(tmp_path / "谷城县-附件2.xlsx", {"附件2": appendix2_rows(a2)})
    with validate([tmp_path], OPTS) as result:
        root = f"{tmp_path}/"  # validate names files by the path it was given
        return [[f.file.replace(root, ""), f.cell, f.message.replace(root, "")] for f in result.findings()
                if f.code == "measure-figure-mismatch"]


MEASURES = [
    "追回承办企业多拨付资金35万元，已归垫至专户；整合邮政、中通等快递企业3家",
    "淘汰不具备条件站点8个，新建改造乡镇服务站7个、村级服务点5个；已追回资金12万元",
    "快递村村通新覆盖行政村46个，优化培训课程5门",
]


def test_measures_that_agree_with_appendix2_say_nothing(tmp_path: Path) -> None:
    assert reply(tmp_path, MEASURES) == []


def test_a_disagreement_names_the_appendix2_cell_and_the_measure_cells(tmp_path: Path) -> None:
    a2 = list(A2)
    a2[5] = 40  # 追回企业资金: the measures say 35 + 12 = 47
    a2[9] = 10  # 新建改造站点: the measures say 7 + 5 = 12
    found = reply(tmp_path, MEASURES, a2)
    assert [(file, cell) for file, cell, _ in found] == [("谷城县-附件2.xlsx", "F5"), ("谷城县-附件2.xlsx", "J5")]
    assert found[0][2] == ("附件1 的整改措施写明「追回企业资金（万元）」合计 47（谷城县-附件1.xlsx › 附件1!C5 35万元、"
                           "谷城县-附件1.xlsx › 附件1!C6 12万元），此处填报的是 40：两者不一致，请核对哪个对")


def test_a_figure_its_measures_contradict_is_marked_where_it_goes_upward(tmp_path: Path) -> None:
    # Counted (it is the clerk's figure), but yellow with the warning as its comment, and the
    # 合计 over it says so: a doubted figure does not go upward looking like a checked one.
    import openpyxl

    import zhenggai
    from zhenggai import MergeOptions

    a2 = list(A2)
    a2[9] = 10  # 新建改造站点: the measures say 7 + 5 = 12
    reply(tmp_path, MEASURES, a2)
    out = tmp_path / "汇总.xlsx"
    zhenggai.merge([tmp_path], MergeOptions(validate=OPTS), out)
    ws = openpyxl.load_workbook(out)["成果统计汇总"]
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "县（市、区）")
    cell, total = ws.cell(header + 1, 10), ws.cell(header + 2, 10)
    assert (cell.value, cell.fill.fgColor.rgb) == (10, "FFFFEB9C")
    assert cell.comment is not None and "此处填报的是 10" in cell.comment.text
    assert total.value == 10 and total.comment is not None and "含 谷城县 标出的数" in total.comment.text


def test_rounding_is_no_disagreement(tmp_path: Path) -> None:
    a2 = list(A2)
    a2[5] = 47.4
    assert reply(tmp_path, MEASURES, a2) == []  # 47 (as written) and 47.4 agree to the whole 万元
    assert agree(35.4, 35) and not agree(35.6, 35) and agree(0.5, 0.5) and not agree(47.46, 47.4)


def test_promises_and_unmentioned_indicators_are_not_summed(tmp_path: Path) -> None:
    measures = [*MEASURES, "计划新建改造站点10个，确保年底前再追回资金20万元", "尚未补充人员2人"]
    assert reply(tmp_path, measures) == []  # 补充人员 (0 in 附件2) is mentioned only in a negation


@pytest.mark.parametrize(("text", "key", "values"), [
    ("追回资金5000元", "recovered_funds", [0.5]),  # converted to the column's 万元
    ("追回企业资金十二万元", "recovered_funds", [12.0]),
    ("新覆盖23个行政村", "villages_covered", [23.0]),  # the figure before its object
    ("补充专职人员2名", "staff_added", [2.0]),
    ("新建改造乡镇服务站7个、村级服务点22个", "stations_built", [7.0, 22.0]),
    ("淘汰站点8个", "stations_built", []),
    ("将新建改造站点20个", "stations_built", []),
    ("新建改造站点8个、淘汰站点2个", "stations_built", [8.0]),  # the enumeration moves to another indicator
    ("已于2022年6月追回资金12万元", "recovered_funds", [12.0]),  # a date is no quantity
    # Breakdowns and restatements are parts of a figure already counted.
    ("新建改造站点12个（含村级站点5个）", "stations_built", [12.0]),
    ("新建改造站点12个，其中新建村级站点5个", "stations_built", [12.0]),
    ("追回资金35万元（350000元）", "recovered_funds", [35.0]),
    # Stated, but not exactly: None (the county's indicator is then not compared at all).
    ("培训课程由15门优化为9门", "courses_improved", None),  # the figure before the verb
    ("追回资金30余万元", "recovered_funds", None),  # approximate
    ("追回资金约30万元", "recovered_funds", None),
    ("追回资金35万", "recovered_funds", None),  # no unit this column knows
    ("对8个站点进行改造", "stations_built", None),
    ("完成站点整合（淘汰站点8个）", "stations_closed", None),  # the figure only in brackets
    ("完成站点整合，其中淘汰站点8个", "stations_closed", None),  # a part of a whole not written
])
def test_mentions(text: str, key: str, values: list[float] | None) -> None:
    found = mentions(text, 5, COLS[key], COLS.values())
    assert (None if found is None else [m.value for m in found]) == values


def test_one_figure_in_two_measures_has_two_readings(tmp_path: Path) -> None:
    twice = ["追回承办企业多拨付资金35万元，已归垫至专户", "已追回承办企业多拨付资金35万元"]
    a2 = list(A2)
    a2[5] = 35  # one recovery told under two problems: agrees with one reading
    assert reply(tmp_path / "a", twice, a2) == []
    a2[5] = 70  # two recoveries: agrees with the other
    assert reply(tmp_path / "b", twice, a2) == []
    a2[5] = 50  # neither: the message gives both
    found = reply(tmp_path / "c", twice, a2)
    assert [cell for _, cell, _ in found] == ["F5"]
    assert "合计 70（相同的数若是同一笔则为 35）" in found[0][2]


@pytest.mark.parametrize("measures", [
    ["追回资金30余万元", "追回资金12万元"],  # an approximate figure: no exact sum
    ["追回资金12万元", "累计追回资金40万元"],  # a total beside another figure: it may include it
    ["追回资金12万元", "追回资金30万"],  # a figure without the unit
])
def test_what_cannot_be_read_exactly_is_not_compared(tmp_path: Path, measures: list[str]) -> None:
    a2 = list(A2)
    a2[5] = 42.5
    assert reply(tmp_path, measures, a2) == []


def test_many_counties_checked_on_two_cpus_give_the_same_findings(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """With many counties the second half of the cross checks runs in a forked child
    (files._cross_pairs): the findings and their order are those of one process."""
    from zhenggai.checking import files
    from zhenggai.intake import second_cpu

    for n, county in enumerate(["谷城县", "保康县", "枣阳市", "南漳县", "宜城市"]):
        rows: list[Row] = [[i + 1, f"问题{i + 1}", m, "是", "2022-06-30", "张三", "县商务局"]
                           for i, m in enumerate(MEASURES)]
        a2 = [county, 3, 3 - n % 2, n % 2, 0, 47 - n, 0, 3, 8, 12 + n, 46, 5, None]
        make_workbook(tmp_path / f"{county}-附件1.xlsx", {"附件1": appendix1_rows(rows, county=county)})
        make_workbook(tmp_path / f"{county}-附件2.xlsx", {"附件2": appendix2_rows(a2, county=county)})

    def findings() -> list[tuple[str, str | None, str]]:
        with validate([tmp_path], OPTS) as result:
            return [(f.file, f.cell, f.code) for f in result.findings()]

    started: list[object] = []
    start = second_cpu.start
    monkeypatch.setattr(files, "PAIRS_MIN", 2)
    monkeypatch.setattr(second_cpu, "available", lambda: True)  # even on a busy machine
    monkeypatch.setattr(second_cpu, "start", lambda compute: started.append(compute) or start(compute))
    on_two = findings()
    assert len(started) == 1
    monkeypatch.setattr(second_cpu, "available", lambda: False)
    assert findings() == on_two
    codes = [code for _, _, code in on_two]
    assert codes.count("measure-figure-mismatch") == 8 and codes.count("cross-done-mismatch") == 2
