"""reader: workbooks as Excel, WPS, LibreOffice and programs write them → grids with true addresses."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import zhenggai
from builders import (
    GOOD_ROWS,
    MESSY_FINDINGS,
    appendix1_rows,
    make_workbook,
    make_xlsxwriter_book,
    messy_workbook,
    rewrite_zip,
)
from programs import soffice_convert
from zhenggai import FileResult, Options
from zhenggai.core.parse import display
from zhenggai.intake import xls
from zhenggai.intake.reader import OLE_MAGIC, Book, read_book

SHEET1 = "xl/worksheets/sheet1.xml"
OPTS = Options(as_of=date(2022, 9, 1))


def reader_ole_header() -> bytes:
    """An OLE header whose FAT points nowhere: what a truncated .xls starts with."""
    header = bytearray(OLE_MAGIC + bytes(504))
    header[0x1E:0x22] = b"\x09\x00\x06\x00"  # 512-byte sectors, 64-byte mini sectors
    header[0x2C:0x34] = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # one FAT sector; directory at 0
    header[0x4C:0x50] = b"\x05\x00\x00\x00"  # FAT sector 5, beyond the end
    return bytes(header) + bytes(1024)


def one_grid(book: Book) -> list[list[Any]]:
    assert book.findings == []
    assert len(book.grids) == 1
    return book.grids[0].rows


def test_leading_empty_rows_and_columns_keep_excel_addresses(tmp_path: Path) -> None:
    # python-calamine drops the empty area above and left of the first value unless told
    # not to; every A1 address in a finding would then be off.
    path = make_workbook(tmp_path / "a.xlsx", {"S": [[], [], [], [], [None, None, "C5"]]})
    rows = one_grid(read_book(path))
    assert len(rows) == 5 and rows[4][2] == "C5"


def test_cell_types_as_the_rules_expect_them(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "a.xlsx", {"S": [[1, 2.5, "文字", True, datetime(2022, 6, 30), date(2022, 7, 1)]]})
    rows = one_grid(read_book(path))
    assert rows[0][:4] == [1, 2.5, "文字", True]
    assert [display(v) for v in rows[0][4:]] == ["2022-06-30", "2022-07-01"]


def test_merged_ranges_are_zero_based_corners(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "a.xlsx", {"S": [["a"], ["b"]]}, merges={"S": ["A1:C1", "B2:B5"]})
    book = read_book(path)
    assert sorted(book.grids[0].merges) == [((0, 0), (0, 2)), ((1, 1), (4, 1))]


def test_hidden_sheet_is_read_and_marked(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "a.xlsx", {"S": [["a"]], "H": [["b"]]})
    wb = openpyxl.load_workbook(path)
    wb["H"].sheet_state = "hidden"
    wb.save(path)
    book = read_book(path)
    assert [(g.name, g.hidden) for g in book.grids] == [("S", False), ("H", True)]


# --- formulas -----------------------------------------------------------------------------------


def test_formula_without_saved_value_is_marked(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["B1"], ws["C3"] = 1, "=A1+1", "=SUM(A1:B1)"
    wb.save(tmp_path / "f.xlsx")
    assert b"<f>A1+1</f><v" in zipfile.ZipFile(tmp_path / "f.xlsx").read(SHEET1)  # no cached value
    book = read_book(tmp_path / "f.xlsx")
    assert book.grids[0].formulas_without_value == {(0, 1), (2, 2)}


def test_formula_with_saved_value_gives_the_value(tmp_path: Path) -> None:
    path = make_xlsxwriter_book(tmp_path / "f.xlsx", {"S": [[1]]},
                                formulas={"S": {"B1": ("=A1+2", 3), "C1": ("=\"x\"&A1", "x1")}})
    book = read_book(path)
    assert one_grid(book)[0] == [1, 3, "x1"]
    assert book.grids[0].formulas_without_value == set()


def _edit(path: Path, old: bytes, new: bytes) -> Path:
    def swap(data: bytes) -> bytes:
        assert old in data
        return data.replace(old, new)

    return rewrite_zip(path, path.with_name("edited.xlsx"), {SHEET1: swap, WORKBOOK: excel_saved})


WORKBOOK = "xl/workbook.xml"


def excel_saved(workbook_xml: bytes) -> bytes:
    """openpyxl asks for recalculation on opening (fullCalcOnLoad); Excel, saving, drops it.
    These tests edit cells into what Excel saves, so the flag goes too."""
    import re

    return re.sub(rb"""\sfullCalcOnLoad=["']1["']""", b"", workbook_xml)


@pytest.mark.parametrize(("cell", "flagged"), [
    # Excel and LibreOffice save a formula whose result is "" (=IF(B5="","",…), common in
    # templates) as t="str" with an empty <v>: a saved value, not a missing one.
    (b'<c r="B1" t="str"><f>IF(A1=1,"","x")</f><v></v></c>', False),
    (b'<c r="B1" t="str"><f>IF(A1=1,"","x")</f><v/></c>', False),
    (b'<c r="B1" t="inlineStr"><f>"x"</f><is><t>x</t></is></c>', False),
    (b'<c r="B1"><f t="shared" ref="B1:B2" si="0">A1+1</f><v>2</v></c>', False),
    (b'<c r="B1"><f t="shared" si="0"/><v>2</v></c>', False),
    (b'<c r="B1"><f t="shared" si="0"/></c>', True),
    (b'<c r="B1" s="3"><f>A1+1</f></c>', True),
    (b'<c r="B1"><f>A1+1</f><v></v></c>', True),
    (b'<c r="B1"><f>A1&gt;0</f><v>  </v></c>', True),
])
def test_what_counts_as_a_saved_formula_result(tmp_path: Path, cell: bytes, flagged: bool) -> None:
    path = make_workbook(tmp_path / "f.xlsx", {"S": [[1, "placeholder"]]})
    data = zipfile.ZipFile(path).read(SHEET1)
    start = data.index(b'<c r="B1"')
    end = data.index(b"</c>", start) + 4
    edited = _edit(path, data[start:end], cell)
    book = read_book(edited)
    assert book.findings == []
    assert book.grids[0].formulas_without_value == ({(0, 1)} if flagged else set())


def test_a_program_written_result_is_no_saved_value(tmp_path: Path) -> None:
    # The same cells in a workbook that asks to be recalculated when opened (fullCalcOnLoad,
    # as openpyxl and XlsxWriter write it): the results in it are the program's, not Excel's.
    path = make_workbook(tmp_path / "f.xlsx", {"S": [[1, "placeholder"]]})
    stale = rewrite_zip(path, tmp_path / "stale.xlsx", {SHEET1: lambda d: d.replace(
        b'<c r="B1" t="inlineStr"><is><t>placeholder</t></is></c>', b'<c r="B1"><f>A1+1</f><v>0</v></c>')})
    assert b"fullCalcOnLoad" in zipfile.ZipFile(stale).read(WORKBOOK)
    assert read_book(stale).grids[0].formulas_without_value == {(0, 1)}
    saved = rewrite_zip(stale, tmp_path / "saved.xlsx", {WORKBOOK: excel_saved})
    assert read_book(saved).grids[0].formulas_without_value == set()


def test_error_values_read_as_their_text_not_as_empty(tmp_path: Path) -> None:
    path = make_xlsxwriter_book(tmp_path / "e.xlsx", {"S": [[1]]}, formulas={"S": {
        "B1": ("=1/0", "#DIV/0!"), "C1": ("=NA()", "#N/A"), "E2": ("=A1+#REF!", "#REF!")}})
    rows = one_grid(read_book(path))
    assert rows[0][1:3] == ["#DIV/0!", "#N/A"]
    assert rows[1][4] == "#REF!"


def test_error_value_typed_without_formula(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "e.xlsx", {"S": [[1, "placeholder"]]})
    edited = _edit(path, b'<c r="B1" t="inlineStr"><is><t>placeholder</t></is></c>',
                   b'<c r="B1" t="e"><v>#VALUE!</v></c>')
    assert one_grid(read_book(edited))[0] == [1, "#VALUE!"]


def test_namespace_prefixed_sheet_xml(tmp_path: Path) -> None:
    # Programs built on the .NET OpenXML SDK write <x:c><x:f>…: the same cells.
    import re

    path = make_workbook(tmp_path / "a.xlsx", {"S": [[1, "x"]]})

    def prefix(data: bytes) -> bytes:
        data = data.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                            b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
        data = re.sub(rb"<(/?)(?!\?)([a-zA-Z])", rb"<\1x:\2", data)
        return data.replace(b'<x:c r="B1" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>',
                            b'<x:c r="B1"><x:f>A1+1</x:f></x:c>'
                            b'<x:c r="C1" t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>')

    book = read_book(rewrite_zip(path, tmp_path / "prefixed.xlsx", {SHEET1: prefix, WORKBOOK: excel_saved}))
    assert one_grid(book) == [[1, "", "#DIV/0!"]]
    assert book.grids[0].formulas_without_value == {(0, 1)}


# --- file formats -------------------------------------------------------------------------------


def test_xlsx_renamed_to_xls_is_read_by_content(tmp_path: Path) -> None:
    # calamine's from_path picks the reader by the file name; clerks rename files freely.
    src = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    renamed = src.rename(tmp_path / "谷城县.xls")
    report = zhenggai.validate([renamed], OPTS).report
    assert report.flatten() == []
    assert report.files[0].tables[0].rows == 2


def test_sheet_written_without_cell_references_is_read(tmp_path: Path) -> None:
    # r="…" is optional in the file format; some generators leave it out.
    path = make_workbook(tmp_path / "a.xlsx", {"S": [["a", "b"], ["c", "d"]]})

    def strip_refs(data: bytes) -> bytes:
        import re

        return re.sub(rb' r="[A-Z]*\d+"', b"", data)

    edited = rewrite_zip(path, tmp_path / "norefs.xlsx", {SHEET1: strip_refs})
    assert one_grid(read_book(edited)) == [["a", "b"], ["c", "d"]]


# --- LibreOffice: .xls and re-saved copies give the same rows and findings ---------------------


def _rows(result: FileResult) -> list[tuple[str, int, str | None, list[str | None]]]:
    out = []
    for t in result.tables:
        for i in t.items:
            out.append((t.table.sheet, i.row, i.category, [display(v) for v in i.values]))
        for s in t.stats:
            out.append((t.table.sheet, s.row, None, [display(v) for v in s.values]))
    return out


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The messy workbook, and LibreOffice's .xls, .xlsx and .xls→.xlsx copies of it (one
    soffice call per format; each into its own folder, because the stems are equal)."""
    base = tmp_path_factory.mktemp("lo")
    src = messy_workbook(base / "src" / "谷城县报送.xlsx")
    formulas = base / "src" / "formulas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = 1, "=A1+1", '=IF(A1=1,"","x")', "=1/0"
    wb.save(formulas)
    xls = soffice_convert([src, formulas], "xls", base / "xls")
    xlsx = soffice_convert([src, formulas], "xlsx:Calc MS Excel 2007 XML", base / "xlsx")
    back = soffice_convert([xls[0]], "xlsx:Calc MS Excel 2007 XML", base / "back")
    return {"src": src, "xls": xls[0], "xlsx": xlsx[0], "back": back[0], "formulas.xls": xls[1],
            "formulas.xlsx": xlsx[1]}


@pytest.mark.libreoffice
@pytest.mark.parametrize("copy", ["xls", "xlsx", "back"])
def test_libreoffice_copies_give_the_same_rows_and_findings(converted: dict[str, Path], copy: str) -> None:
    validated = zhenggai.validate([converted["src"]], OPTS)
    original, results = validated.report, validated.files
    assert original.flatten(("sheet", "cell", "code")) == MESSY_FINDINGS
    validated = zhenggai.validate([converted[copy]], OPTS)
    again, copies = validated.report, validated.files
    assert again.flatten(("sheet", "cell", "code")) == MESSY_FINDINGS
    assert _rows(copies[0]) == _rows(results[0])
    assert [(t.kind, t.sheet, t.rows) for t in again.files[0].tables] == [
        ("appendix1", "整改清单", 5), ("appendix2", "Sheet2", 1)]
    assert sorted(read_book(converted[copy]).grids[0].merges) == sorted(read_book(converted["src"]).grids[0].merges)


@pytest.mark.libreoffice
def test_libreoffice_xlsx_formulas(converted: dict[str, Path]) -> None:
    # LibreOffice computed every formula: values are there, "" stays "", #DIV/0! is text.
    book = read_book(converted["formulas.xlsx"])
    assert one_grid(book)[0] == [1, 2, "", "#DIV/0!"]
    assert book.grids[0].formulas_without_value == set()


@pytest.mark.libreoffice
def test_libreoffice_xls_formulas(converted: dict[str, Path]) -> None:
    # calamine reads an .xls error value as an empty cell too; the BIFF records say which.
    book = read_book(converted["formulas.xls"])
    assert book.fmt == "xls"
    assert one_grid(book)[0] == [1, 2, "", "#DIV/0!"]


@pytest.mark.libreoffice
def test_xls_scan_follows_both_kinds_of_ole_stream(converted: dict[str, Path]) -> None:
    # formulas.xls keeps its Workbook stream in the OLE mini stream (< 4096 bytes), the
    # messy workbook in ordinary sectors: both must be found.
    small = xls.scan(converted["formulas.xls"].read_bytes())
    assert small is not None and small.ranges == {"Sheet": (1, 4)} and small.errors == {"Sheet": {(0, 3): "#DIV/0!"}}
    big = xls.scan(converted["xls"].read_bytes())
    assert big is not None and big.ranges == {"整改清单": (16, 8), "Sheet2": (7, 13)} and big.errors == {}


@pytest.mark.parametrize("data", [b"", b"not ole at all" * 100, reader_ole_header(), reader_ole_header()[:600]])
def test_xls_scan_gives_up_quietly_on_what_it_cannot_follow(data: bytes) -> None:
    assert xls.scan(data) is None


@pytest.mark.libreoffice
def test_xls_renamed_to_xlsx_is_read_by_content(converted: dict[str, Path], tmp_path: Path) -> None:
    renamed = tmp_path / "谷城县报送.xlsx"
    shutil.copyfile(converted["xls"], renamed)
    report = zhenggai.validate([renamed], OPTS).report
    assert report.flatten(("sheet", "cell", "code")) == MESSY_FINDINGS
