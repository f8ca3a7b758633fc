"""Numbers with qualifiers and two-digit years (issue 18, class 4).

A leading number followed by a note (a footnote mark, a bracketed 含…/其中… remark) is that
number, with an ``info`` quoting the note; an estimate or a range is no figure: an error.
A two-digit year is read when 年 says it is the year, with a note.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import zhenggai
from builders import GOOD_A2, GOOD_ROWS, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import Options
from zhenggai.core.parse import parse_date, parse_number

OPTS = Options(as_of=date(2022, 9, 1))


@pytest.mark.parametrize(("text", "value", "unit", "note"), [
    ("12①", 12.0, "", "①"),  # NFKC would make ① a digit: 121
    ("12²", 12.0, "", "²"),
    ("12*", 12.0, "", "*"),
    ("12※", 12.0, "", "※"),
    ("30万元（含追加5万元）", 30.0, "万元", "含追加5万元"),
    ("5(其中2人为兼职)", 5.0, "", "其中2人为兼职"),
    ("8【包括已验收3家】", 8.0, "", "包括已验收3家"),
    ("12注1", 12.0, "", "注1"),
])
def test_a_number_with_a_note_is_that_number(text: str, value: float, unit: str, note: str) -> None:
    nv = parse_number(text)
    assert (nv.value, nv.status, nv.unit, nv.note, nv.estimate) == (value, "ok", unit, note, False)


@pytest.mark.parametrize(("text", "qualifier"), [
    ("约30", "约"), ("30左右", "左右"), ("30余万元", "余"), ("10-20", "10-20"), ("10~20万元", "10~20"),
    ("10至20", "10至20"), ("三十左右", "左右"), ("30（预计）", "预计"), ("100多", "多"), ("近50", "近"),
    ("50以上", "以上"),
])
def test_an_estimate_or_a_range_is_not_a_figure(text: str, qualifier: str) -> None:
    nv = parse_number(text)
    assert (nv.value, nv.status, nv.estimate, nv.note) == (None, "invalid", True, qualifier)


@pytest.mark.parametrize("text", ["12（另改造8个）", "30万元（另有5万元待拨付）"])
def test_a_note_that_adds_to_the_figure_is_not_a_figure(text: str) -> None:
    # "另…" adds to the number before it: 12 or 20 new stations? Not one figure, so not read.
    nv = parse_number(text)
    assert (nv.value, nv.status) == (None, "invalid")


@pytest.mark.parametrize("text", ["30（万元）", "abc", "12（见附表）x", "-5"])
def test_other_text_is_not_a_note(text: str) -> None:
    nv = parse_number(text)
    assert not nv.note and not nv.estimate


def test_qualifiers_in_a_reply(tmp_path: Path) -> None:
    a2 = list(GOOD_A2)
    a2[4], a2[6], a2[7] = "30（含追加5万元）", "约4", "3*"
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows([list(r) for r in GOOD_ROWS]),
                                                    "附件2": appendix2_rows(a2)})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    got = [(f.cell, f.code, f.severity.value) for f in report.findings()]
    assert ("E5", "number-note", "info") in got and ("H5", "number-note", "info") in got
    assert ("G5", "number-estimate", "error") in got
    numbers = results[0].tables_of("appendix2")[0].stats[0].numbers
    assert (numbers["county_funds"], numbers["staff_added"], numbers["couriers_integrated"]) == (30.0, None, 3.0)
    note = next(f for f in report.findings() if f.cell == "E5")
    assert "含追加5万元" in note.message


@pytest.mark.parametrize(("text", "when", "approximate"), [
    ("22年12月底", date(2022, 12, 31), True),
    ("22年12月31日", date(2022, 12, 31), False),
    ("22年底", date(2022, 12, 31), True),
    ("23年6月", date(2023, 6, 30), True),
])
def test_two_digit_years_marked_by_nian(text: str, when: date, approximate: bool) -> None:
    dv = parse_date(text)
    assert (dv.value, dv.status, dv.approximate, dv.short_year) == (when, "ok", approximate, True)


@pytest.mark.parametrize("text", ["22.12.31", "22/12/31", "22-6-30", "二二年底"])
def test_two_digit_years_without_nian_are_ambiguous(text: str) -> None:
    """22.12.31 could be 2022-12-31 or 22 Dec 2031: no reading is chosen."""
    assert parse_date(text).status == "invalid"


def test_two_digit_year_in_a_reply(tmp_path: Path) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][4] = "22年12月31日"
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert [(f.cell, f.code) for f in report.findings()] == [("E6", "date-two-digit-year")]
    assert results[0].tables_of("appendix1")[0].items[1].deadline == date(2022, 12, 31)
