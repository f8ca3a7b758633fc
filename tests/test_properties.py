"""Round trips: the official template, filled with random valid rows, validates clean and reads
back what was typed; breaking one random cell reports exactly that cell."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.worksheet import Worksheet

import zhenggai
from builders import A1_HEADERS, appendix1_rows, make_workbook
from zhenggai import CountyForms, FileResult, Options, write_county_forms
from zhenggai.core.findings import column_letter
from zhenggai.core.parse import display
from zhenggai.core.schema import default_appendix2
from zhenggai.outputs.annotated import annotate_all
from zhenggai.outputs.templates import FIRST_DATA_ROW

AS_OF = date(2022, 6, 30)  # finished rows are dated on or before it, open rows from it to the deadline
OPTS = Options(as_of=AS_OF)
FIRST = FIRST_DATA_ROW + 1  # Excel row of the first data row: 5
CONTACT = "（联系人：张三  联系电话：0710-7223456）"
A2 = default_appendix2()
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Printable text as a clerk types it: no control characters (openpyxl refuses them) and no
# surrogates or unassigned code points; any script, punctuation and spaces.
TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn")), max_size=25).filter(
    lambda s: not s.lstrip().startswith("="))  # openpyxl would write "=…" as a formula


def day(lo: date, hi: date) -> st.SearchStrategy[date]:
    return st.integers(0, (hi - lo).days).map(lambda n: lo + timedelta(days=n))


# How a date may be typed: a date cell, or text in the forms clerks use.
DATE_FORMS = st.sampled_from([
    lambda d: datetime(d.year, d.month, d.day),
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
])


@dataclass
class A1Row:
    problem: str
    measure: str
    done: bool
    when: date
    typed_when: Any
    owner: str
    unit: str

    def cells(self, seq: int) -> list[Any]:
        return [seq, self.problem, self.measure, "是" if self.done else "否", self.typed_when, self.owner, self.unit]


@st.composite
def a1_row(draw: st.DrawFn, index: int) -> A1Row:
    done = draw(st.booleans())
    when = draw(day(date(2019, 1, 1), AS_OF) if done else day(AS_OF, date(2022, 12, 31)))
    return A1Row(
        # numbered, so that no two problems are the same after punctuation is dropped
        problem=f"问题{index:03d}：{draw(TEXT)}",
        # a figure with a unit: never a pledge-only measure
        measure=f"{draw(TEXT)}；投入{draw(st.integers(1, 999))}万元",
        done=done,
        when=when,
        typed_when=draw(DATE_FORMS)(when),
        owner="责任人" + draw(TEXT),
        unit="单位" + draw(TEXT),
    )


@st.composite
def a1_rows(draw: st.DrawFn) -> list[A1Row]:
    n = draw(st.integers(1, 12))
    return [draw(a1_row(i + 1)) for i in range(n)]


AMOUNT = st.integers(0, 10**7).map(lambda n: n / 100)  # at most 2 decimals
COUNT = st.integers(0, 5000)


def _valid(c: Any) -> st.SearchStrategy[float]:
    """A valid figure for an indicator: within its plausible range (outside is a warning)."""
    if c.plausible is None:
        return AMOUNT if c.kind.value == "amount" else COUNT
    low, high = c.plausible
    if c.kind.value == "amount":
        return st.integers(int(low * 100), int(high * 100)).map(lambda n: n / 100)
    return st.integers(int(low), int(high))


@st.composite
def a2_numbers(draw: st.DrawFn) -> dict[str, float]:
    return {c.key: draw(_valid(c)) for c in A2.columns if c.indicator}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    a1, a2 = write_county_forms(tmp_path_factory.mktemp("template"), CountyForms(county="谷城县"))
    return a1, a2


def _sheet(wb: openpyxl.Workbook) -> Worksheet:
    ws = wb.worksheets[0]
    assert isinstance(ws, Worksheet)
    return ws


def _fill_contact(ws: Worksheet) -> None:
    # The template's contact line, in column A under the table: searched from the bottom,
    # because a random row may well contain "联系人" too.
    for r in range(ws.max_row, FIRST - 1, -1):
        cell = ws.cell(r, 1)
        if isinstance(cell.value, str) and cell.value.startswith("（联系人"):
            cell.value = CONTACT
            return
    raise AssertionError("template has no contact line")


def fill(template: tuple[Path, Path], folder: Path, rows: list[A1Row], numbers: dict[str, float],
         note: str = "") -> tuple[Path, Path]:
    a1 = Path(shutil.copy(template[0], folder))
    a2 = Path(shutil.copy(template[1], folder))
    wb = openpyxl.load_workbook(a1)
    ws = _sheet(wb)
    for i, r in enumerate(rows):
        for c, value in enumerate(r.cells(i + 1), start=1):
            ws.cell(FIRST + i, c, value)
    _fill_contact(ws)
    wb.save(a1)
    wb = openpyxl.load_workbook(a2)
    ws = _sheet(wb)
    done = sum(r.done for r in rows)
    values = {"total": len(rows), "done": done, "open": len(rows) - done, **numbers, "note": note or None}
    for c, col in enumerate(A2.columns, start=1):
        if col.key in values:
            ws.cell(FIRST, c, values[col.key])
    _fill_contact(ws)
    wb.save(a2)
    return a1, a2


def _items(results: list[FileResult]) -> list[Any]:
    return [i for r in results for t in r.tables_of("appendix1") for i in t.items]


@SETTINGS
@given(rows=a1_rows(), numbers=a2_numbers(), note=TEXT)
def test_template_filled_with_valid_rows_is_clean_and_reads_back(
    template: tuple[Path, Path], rows: list[A1Row], numbers: dict[str, float], note: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        a1, a2 = fill(template, Path(tmp), rows, numbers, note)
        validated = zhenggai.validate([a1, a2], OPTS)
        report, results = validated.report, validated.files
        assert report.flatten(("file", "cell", "code")) == []
        assert [fr.county for fr in report.files] == ["谷城县", "谷城县"]
        items = _items(results)
        assert [i.row for i in items] == list(range(FIRST, FIRST + len(rows)))
        for item, r in zip(items, rows, strict=True):
            assert (item.done, item.deadline) == (r.done, r.when)
            assert [display(v) for v in (item.values[1], item.values[2], item.values[5], item.values[6])] == [
                display(r.problem), display(r.measure), display(r.owner), display(r.unit)]
        stats = [s for fr in results for t in fr.tables_of("appendix2") for s in t.stats]
        assert len(stats) == 1
        done = sum(r.done for r in rows)
        assert stats[0].numbers == {"total": len(rows), "done": done, "open": len(rows) - done, **numbers}


# One broken cell: (column key, value typed there, code expected at that cell).
A1_BREAKS = [
    ("deadline", "长期坚持", "date-invalid"),
    ("deadline", "2022年13月1日", "date-invalid"),
    ("deadline", None, "required-missing"),
    ("done", "也许", "done-invalid"),
    ("done", None, "required-missing"),
    ("done", "已完成", "done-variant"),
    ("problem", None, "required-missing"),
    ("measure", "\u3000", "required-missing"),
    ("owner", None, "required-missing"),
    ("unit", "  ", "required-missing"),
    ("seq", "第一", "seq-invalid"),
]
A1_COLS = {"seq": 0, "problem": 1, "measure": 2, "done": 3, "deadline": 4, "owner": 5, "unit": 6}


@SETTINGS
@given(rows=a1_rows(), data=st.data(), brk=st.sampled_from(A1_BREAKS))
def test_one_broken_cell_in_appendix1_is_reported_exactly(
    template: tuple[Path, Path], rows: list[A1Row], data: st.DataObject, brk: tuple[str, Any, str]
) -> None:
    key, value, code = brk
    if key == "done" and value == "已完成":
        # 已完成 reads as 是: only sensible on a finished row, else the date rules speak too
        index = data.draw(st.sampled_from([i for i, r in enumerate(rows) if r.done] or [-1]))
        if index < 0:
            return
    else:
        index = data.draw(st.integers(0, len(rows) - 1))
    with tempfile.TemporaryDirectory() as tmp:
        a1, _ = fill(template, Path(tmp), rows, {})
        wb = openpyxl.load_workbook(a1)
        cell = _sheet(wb).cell(FIRST + index, A1_COLS[key] + 1)
        cell.value = value
        wb.save(a1)
        report = zhenggai.validate([a1], OPTS).report
        assert report.flatten(("cell", "code")) == [[f"{column_letter(A1_COLS[key])}{FIRST + index}", code]]


@st.composite
def a2_break(draw: st.DrawFn) -> tuple[str, Any, str]:
    amounts = [c.key for c in A2.columns if c.kind.value == "amount"]
    indicator_counts = [c.key for c in A2.columns if c.kind.value == "count" and c.indicator]
    numbers = [c.key for c in A2.columns if c.is_number]
    return draw(st.sampled_from([
        (draw(st.sampled_from(numbers)), draw(st.sampled_from(["若干", "30 40", "abc"])), "number-invalid"),
        (draw(st.sampled_from(numbers)), draw(st.sampled_from(["约30", "三十多", "10-20"])), "number-estimate"),
        (draw(st.sampled_from(numbers)), "—", "number-dash"),
        (draw(st.sampled_from(amounts)), draw(st.sampled_from([-1, "-2.5", "－3万元"])), "number-negative"),
        (draw(st.sampled_from(amounts)), draw(st.sampled_from([1.234, "0.001", "12.345万元"])),
         "number-too-many-decimals"),
        (draw(st.sampled_from(indicator_counts)), draw(st.sampled_from([2.5, "3.5个", "0.1"])), "number-not-integer"),
        ("county", None, "required-missing"),
    ]))


@SETTINGS
@given(rows=a1_rows(), numbers=a2_numbers(), brk=a2_break())
def test_one_broken_cell_in_appendix2_is_reported_exactly(
    template: tuple[Path, Path], rows: list[A1Row], numbers: dict[str, float], brk: tuple[str, Any, str]
) -> None:
    key, value, code = brk
    if code == "number-dash" and key in ("total", "done", "open"):
        # "—" is 0: in a count that must add up, the sum check speaks too; covered elsewhere
        return
    with tempfile.TemporaryDirectory() as tmp:
        _, a2 = fill(template, Path(tmp), rows, numbers)
        wb = openpyxl.load_workbook(a2)
        col = A2.keys.index(key)
        _sheet(wb).cell(FIRST, col + 1).value = value
        wb.save(a2)
        report = zhenggai.validate([a2], OPTS).report
        assert report.flatten(("cell", "code")) == [[f"{column_letter(col)}{FIRST}", code]]


CELL = st.one_of(
    st.none(), TEXT, st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(), st.dates(date(1950, 1, 1), date(2100, 1, 1)),
    st.sampled_from(["是", "否", "已完成", "—", "/", "无", "2022年底", "长期坚持", "一、业务建设方面", "合计",
                     "（联系人：张三  联系电话：123）", "注：说明", "=1+1", "#N/A", "30万元", "", " "]),
)


@SETTINGS
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=10),
       merges=st.lists(st.tuples(st.integers(5, 14), st.integers(1, 8), st.integers(0, 3), st.integers(0, 3)),
                       max_size=3))
def test_any_cell_contents_give_findings_never_an_exception(
    rows: list[list[Any]], merges: list[tuple[int, int, int, int]]
) -> None:
    ranges, used = [], set()
    for r, c, down, across in merges:
        cells = {(r + i, c + j) for i in range(down + 1) for j in range(across + 1)}
        if (down or across) and not cells & used:  # merged ranges may not overlap
            used |= cells
            ranges.append(f"{column_letter(c - 1)}{r}:{column_letter(c - 1 + across)}{r + down}")
    with tempfile.TemporaryDirectory() as tmp:
        path = make_workbook(Path(tmp) / "谷城县.xlsx", {"附件1": appendix1_rows(rows, headers=[*A1_HEADERS, "备注"])},
                             merges={"附件1": ranges})
        validated = zhenggai.validate([path], OPTS)
        report, results = validated.report, validated.files
        assert results[0].readable
        for f in report.findings():
            assert f.message and f.code
            if f.row is not None and not f.code.startswith("county-"):
                assert f.row >= 4  # nothing above the header is blamed on a data rule
        annotate_all(results, Path(tmp) / "out")
