"""annotate: a marked-up copy of each workbook; the clerk's own file is never touched."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

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
from zhenggai import FileResult, Options, Severity
from zhenggai.core.errors import OutputError
from zhenggai.outputs.annotated import FILLS, FINDINGS_SHEET, annotate, annotate_all, annotated_name

OPTS = Options(as_of=date(2022, 9, 1))
RED, YELLOW = FILLS[Severity.ERROR], FILLS[Severity.WARNING]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sheet(path: Path, name: str) -> Worksheet:
    ws = openpyxl.load_workbook(path)[name]
    assert isinstance(ws, Worksheet)
    return ws


def fill(ws: Worksheet, cell: str) -> str | None:
    f = ws[cell].fill
    if f.fill_type != "solid":
        return None
    rgb = str(f.start_color.rgb)
    return rgb[-6:]


def checked(paths: list[Path]) -> list[FileResult]:
    return list(zhenggai.validate(paths, OPTS).files)


def test_messy_workbook_copy_marks_every_finding_and_leaves_the_input_alone(tmp_path: Path) -> None:
    src = messy_workbook(tmp_path / "in" / "谷城县报送.xlsx")
    before = sha256(src)
    results = checked([src])
    assert results[0].findings  # there is something to mark
    written = annotate_all(results, tmp_path / "标注")
    assert written == [tmp_path / "标注" / "谷城县报送-校验标注.xlsx"]
    assert sha256(src) == before  # byte-identical

    wb = openpyxl.load_workbook(written[0])
    # The clerk's form first and active (only tab selected), the list last.
    assert wb.sheetnames == ["整改清单", "Sheet2", FINDINGS_SHEET]
    assert wb.active.title == "整改清单"  # type: ignore[union-attr]
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets] == [True, False, False]
    a1 = wb["整改清单"]
    a2 = wb["Sheet2"]
    assert isinstance(a1, Worksheet) and isinstance(a2, Worksheet)
    # errors red, warnings yellow, information only commented
    assert fill(a1, "E9") == RED and fill(a1, "D13") == RED and fill(a1, "F13") == RED
    assert fill(a1, "C8") == YELLOW
    assert fill(a1, "D8") is None and a1["D8"].comment is not None
    assert fill(a2, "B5") == RED and fill(a2, "F5") == YELLOW  # measure-figure-mismatch (and number-dash, info)
    # untouched cells stay untouched, values are the clerk's
    assert fill(a1, "B7") is None and a1["B7"].comment is None
    assert a1["E9"].value == "长期坚持" and a1["B7"].value == "县级电商公共服务中心停止运营"
    # the comment says what to change, every message for that cell
    b5 = a2["B5"].comment
    assert b5 is not None and b5.author == "zhenggai"
    assert "不等于反馈问题数 6" in b5.text and "附件1 有 5 个问题" in b5.text
    # the findings sheet lists them all
    listing = wb[FINDINGS_SHEET]
    assert isinstance(listing, Worksheet)
    rows = list(listing.iter_rows(values_only=True))
    assert rows[0] == ("级别", "工作表", "单元格", "列", "填写内容", "问题说明", "代码")
    assert [[r[1], r[2], r[6]] for r in rows[1:]] == MESSY_FINDINGS
    assert listing.freeze_panes == "A2"
    # Printed: A4 landscape, one page wide, header row on every page, long rows tall enough.
    assert listing.page_setup.orientation == "landscape" and listing.page_setup.paperSize == 9
    assert listing.sheet_properties.pageSetUpPr.fitToPage is True  # type: ignore[union-attr]
    assert listing.page_setup.fitToWidth in (None, 1) and listing.page_setup.fitToHeight == 0
    assert listing.print_title_rows == "$1:$1"
    assert listing["F2"].alignment.wrap_text is True


def test_input_is_never_overwritten(tmp_path: Path) -> None:
    # 谷城县.xlsx's copy would be 谷城县-校验标注.xlsx, which is itself an input here.
    src = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    other = shutil.copyfile(src, tmp_path / "谷城县-校验标注.xlsx")
    before = sha256(other)
    results = checked([src, other])
    with pytest.raises(OutputError, match="同名"):
        annotate_all(results, tmp_path)
    assert sha256(other) == before


def test_unreadable_file_gets_no_copy(tmp_path: Path) -> None:
    (tmp_path / "坏.xlsx").write_text("not a workbook", encoding="utf-8")
    results = checked([tmp_path / "坏.xlsx"])
    assert annotate(results[0], tmp_path / "out", set()) is None
    assert not (tmp_path / "out").exists()


def test_finding_inside_a_merged_range_marks_the_merged_cell(tmp_path: Path) -> None:
    # 已完成 merged down D5:D6 is read into both rows, so there are findings at D5 and D6;
    # openpyxl's D6 is a read-only MergedCell (setting its comment raised AttributeError).
    rows = [[1, "问题甲", "投入5万元", "已完成", "2022-05-31", "赵六", "县商务局"],
            [2, "问题乙", "投入6万元", None, "2022-05-31", "赵六", "县商务局"]]
    src = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)}, merges={"附件1": ["D5:D6"]})
    results = checked([src])
    assert [f.cell for f in results[0].findings] == ["D5", "D6"]
    out = annotate_all(results, tmp_path / "out")[0]
    ws = sheet(out, "附件1")
    comment = ws["D5"].comment
    assert comment is not None and comment.text.count("已按“是”处理") == 1  # said once, not twice


def test_control_characters_do_not_stop_the_copy(tmp_path: Path) -> None:
    # Text pasted from Word brings \x07 and \x0b; openpyxl refuses them (IllegalCharacterError).
    rows = [[1, "问题\x0b甲", "高度重视\x07", "也许\x07", "2022-05-31", "赵六", "县商务局"]]
    src = make_xlsxwriter_book(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    validated = zhenggai.validate([src], OPTS)
    report, results = validated.report, validated.files
    assert report.flatten(("cell", "code", "value")) == [
        ["C5", "measure-pledge-only", "高度重视\x07"], ["D5", "done-invalid", "也许\x07"]]
    out = annotate_all(results, tmp_path / "out")[0]
    listing = sheet(out, FINDINGS_SHEET)
    assert [r[4] for r in listing.iter_rows(min_row=2, values_only=True)] == ["高度重视", "也许"]
    comment = sheet(out, "附件1")["D5"].comment
    assert comment is not None and "\x07" not in comment.text


def test_clerks_value_starting_with_equals_stays_text(tmp_path: Path) -> None:
    rows = [[1, "问题甲", "投入5万元", "=是", "2022-05-31", "赵六", "县商务局"]]
    src = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    ws = sheet(src, "附件1")
    ws.parent["附件1"]["D5"].data_type = "s"  # the clerk typed the text "=是"
    ws.parent.save(src)
    results = checked([src])
    assert [(f.cell, f.code, f.value) for f in results[0].findings] == [("D5", "done-invalid", "=是")]
    out = annotate_all(results, tmp_path / "out")[0]
    cell = sheet(out, FINDINGS_SHEET)["E2"]
    assert cell.value == "=是" and cell.data_type == "s"


def test_copy_when_openpyxl_cannot_open_the_file(tmp_path: Path) -> None:
    # calamine reads this file (it ignores docProps); openpyxl raises ParseError on it.
    good = make_workbook(tmp_path / "src.xlsx", {"附件1": appendix1_rows([[*GOOD_ROWS[0][:3], "也许",
                                                                         *GOOD_ROWS[0][4:]]])})
    src = rewrite_zip(good, tmp_path / "谷城县.xlsx", {"docProps/core.xml": lambda _: b"<broken"})
    results = checked([src])
    assert [f.code for f in results[0].findings] == ["done-invalid"]
    out = annotate_all(results, tmp_path / "out")[0]
    assert out.suffix == ".xlsx"
    ws = sheet(out, "附件1")
    assert ws["D5"].value == "也许" and fill(ws, "D5") == RED
    listing = sheet(out, FINDINGS_SHEET)
    assert "重建" in str(listing["F2"].value)


def test_previous_findings_sheet_is_replaced(tmp_path: Path) -> None:
    src = make_workbook(tmp_path / "谷城县.xlsx", {FINDINGS_SHEET: [["旧的"]], "附件1": appendix1_rows(GOOD_ROWS)})
    out = annotate_all(checked([src]), tmp_path / "out")[0]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["附件1", FINDINGS_SHEET]
    assert wb[FINDINGS_SHEET]["A2"].value is None  # no findings, header only


@pytest.mark.parametrize(("name", "expected"), [
    ("谷城县-附件1.xlsx", "谷城县-附件1-校验标注.xlsx"),
    ("谷城县.xls", "谷城县-校验标注.xlsx"),
    ("谷城县.et", "谷城县-校验标注.xlsx"),
])
def test_annotated_name(name: str, expected: str) -> None:
    assert annotated_name(Path(name)) == expected


def test_xlsm_copy_stays_xlsm(tmp_path: Path) -> None:
    src = make_workbook(tmp_path / "谷城县.xlsm", {"附件1": appendix1_rows(GOOD_ROWS)})
    assert annotated_name(src) == "谷城县-校验标注.xlsm"
    out = annotate_all(checked([src]), tmp_path / "out")[0]
    assert out.name == "谷城县-校验标注.xlsm"
    assert openpyxl.load_workbook(out).sheetnames == ["附件1", FINDINGS_SHEET]


def test_xlsm_copy_leaves_no_zip_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl's keep_vba archive is closed by us, not by the garbage collector later."""
    import zipfile

    opened: list[zipfile.ZipFile] = []
    real_init = zipfile.ZipFile.__init__

    def tracking_init(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", tracking_init)
    src = make_workbook(tmp_path / "谷城县.xlsm", {"附件1": appendix1_rows(GOOD_ROWS)})
    annotate_all(checked([src]), tmp_path / "out")
    assert opened and all(zf.fp is None for zf in opened)  # ZipFile.close() sets fp to None


@pytest.mark.libreoffice
def test_xls_gets_an_xlsx_copy_rebuilt_from_its_values(tmp_path: Path) -> None:
    src = messy_workbook(tmp_path / "src" / "谷城县报送.xlsx")
    src_wb = openpyxl.load_workbook(src)
    src_widths = {"B": 36.0, "E": 11.0}  # 11: just wide enough for 2022-06-30
    for col, width in src_widths.items():
        src_wb.worksheets[0].column_dimensions[col].width = width
    src_wb.save(src)
    xls = soffice_convert([src], "xls", tmp_path / "xls")[0]
    renamed = shutil.copyfile(xls, tmp_path / "xls" / "改名.xlsx")  # an .xls named .xlsx
    before = sha256(xls)
    # one at a time: two copies of one county's reply would switch off the cross checks
    written = [*annotate_all(checked([xls]), tmp_path / "标注"), *annotate_all(checked([renamed]), tmp_path / "标注")]
    assert sorted(p.name for p in written) == ["改名-校验标注.xlsx", "谷城县报送-校验标注.xlsx"]
    assert sha256(xls) == before
    for out in written:
        wb = openpyxl.load_workbook(out)
        assert wb.sheetnames == ["整改清单", "Sheet2", FINDINGS_SHEET]
        assert wb.active.title == "整改清单"  # type: ignore[union-attr]
        a1 = wb["整改清单"]
        assert isinstance(a1, Worksheet)
        # The .xls's column widths and date format survive: dates do not print as "###".
        assert a1.column_dimensions["B"].width == pytest.approx(src_widths["B"], abs=0.6)
        assert a1.column_dimensions["E"].width == pytest.approx(src_widths["E"], abs=0.6)
        assert a1["E7"].number_format == "yyyy-mm-dd"
        assert a1["E9"].value == "长期坚持" and fill(a1, "E9") == RED
        assert "G7:G9" in {str(r) for r in a1.merged_cells.ranges}
        listing = wb[FINDINGS_SHEET]
        assert isinstance(listing, Worksheet)
        assert "重建" in str(listing["F2"].value)
        assert [[r[1], r[2], r[6]] for r in listing.iter_rows(min_row=3, values_only=True)] == MESSY_FINDINGS


def test_same_file_names_in_different_folders_get_distinct_copies(tmp_path: Path) -> None:
    # One folder per county, each with "附件1.xlsx": the second copy replaced the first.
    files = []
    for folder, county in (("收件/保康县", "保康县"), ("收件/谷城县", "谷城县"), ("上次/谷城县", "南漳县")):
        sheets = {"附件1": appendix1_rows(GOOD_ROWS, county=county)}
        files.append(make_workbook(tmp_path / folder / "附件1.xlsx", sheets))
    written = annotate_all(checked(files), tmp_path / "标注")
    assert [p.name for p in written] == ["附件1-校验标注.xlsx", "谷城县-附件1-校验标注.xlsx",
                                         "谷城县-附件1-校验标注-2.xlsx"]
    assert [str(sheet(p, "附件1")["A3"].value)[:3] for p in written] == ["保康县", "谷城县", "南漳县"]
