"""The display is part of the value (issue 18, class 1; issue 16 item 4): number formats and
strikethrough change what a cell means, and are read as the clerk sees them.

Each family is built with several members: a format written by openpyxl, by WPS (a unit
not quoted), a built-in format id that styles.xml does not spell out, conditions and
sections. The rule: a month or year display is read like the same text typed (period end,
``date-approximate``); a unit in the format like the same text typed (``unit-converted``);
a format that shows another number than the one stored is refused, quoting the format.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Font

import zhenggai
from builders import GOOD_A2, GOOD_ROWS, appendix1_rows, appendix2_rows
from zhenggai import Options
from zhenggai.core.parse import Shown
from zhenggai.intake.formats import classify
from zhenggai.intake.reader import read_book

OPTS = Options(as_of=date(2022, 9, 1))


def _book(path: Path, a1_rows: list[list[object]] | None = None, a2: list[object] | None = None,
          formats: dict[str, str] | None = None, struck: tuple[str, ...] = ()) -> Path:
    """附件1 (data from row 5) and 附件2 (row 5) with number formats on "sheet!cell" keys."""
    wb = openpyxl.Workbook()
    ws1 = wb.active
    assert ws1 is not None
    ws1.title = "附件1"
    for row in appendix1_rows(a1_rows if a1_rows is not None else [list(r) for r in GOOD_ROWS]):
        ws1.append(list(row))
    ws2 = wb.create_sheet("附件2")
    for row in appendix2_rows(a2 if a2 is not None else list(GOOD_A2)):
        ws2.append(list(row))
    for ref, code in (formats or {}).items():
        sheet, cell = ref.split("!")
        wb[sheet][cell].number_format = code
    for ref in struck:
        sheet, cell = ref.split("!")
        wb[sheet][cell].font = Font(strike=True)
    wb.save(path)
    return path


def _findings(path: Path) -> list[tuple[str | None, str]]:
    report = zhenggai.validate([path], OPTS).report
    return [(f.cell, f.code) for f in report.findings() if f.code not in ("cross-total-mismatch",
                                                                           "cross-done-mismatch")]


def _rewrite_styles(path: Path, old: str, new: str) -> None:
    """Edit styles.xml in place (a built-in format id, as Excel writes it, or WPS's unquoted unit)."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/styles.xml"] = re.sub(old.encode(), new.encode(), parts["xl/styles.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)


# --- dates shown as a month or a year: a period, read as its last day ---------------------

@pytest.mark.parametrize(("code", "shown", "deadline"), [
    ('yyyy"年"m"月"', "2022年12月", date(2022, 12, 31)),
    ("yyyy-mm", "2022年12月", date(2022, 12, 31)),
    ("mmm-yy", "2022年12月", date(2022, 12, 31)),
    ('[$-804]yyyy"年"mm"月"', "2022年12月", date(2022, 12, 31)),
    ('yyyy"年"', "2022年", date(2022, 12, 31)),
    ("yyyy", "2022年", date(2022, 12, 31)),
])
def test_a_month_shown_is_the_month_not_its_first_day(tmp_path: Path, code: str, shown: str, deadline: date) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][4] = datetime(2022, 12, 1)  # what Excel stores when "2022年12月" is typed into a month-format cell
    path = _book(tmp_path / "谷城县.xlsx", rows, formats={"附件1!E6": code})
    results = zhenggai.validate([path], OPTS).files
    item = results[0].tables_of("appendix1")[0].items[1]
    assert item.deadline == deadline  # not 2022-12-01: an open item is not made overdue a month early
    assert isinstance(item.values[4], Shown) and str(item.values[4]) == shown
    assert ("E6", "date-approximate") in _findings(path)


def test_a_builtin_month_format_id_is_recognised(tmp_path: Path) -> None:
    """Excel writes zh-CN's 年月 format as built-in id 57 (or 27/36/50/52), with no code in styles.xml."""
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][4] = datetime(2022, 11, 1)
    path = _book(tmp_path / "谷城县.xlsx", rows, formats={"附件1!E6": 'yyyy"年"m"月"'})
    _rewrite_styles(path, r'numFmtId="164"', 'numFmtId="57"')
    results = zhenggai.validate([path], OPTS).files
    assert results[0].tables_of("appendix1")[0].items[1].deadline == date(2022, 11, 30)


def test_whole_dates_and_text_keep_their_value(tmp_path: Path) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][4] = datetime(2022, 6, 30)
    rows[1][4] = "2022年12月31日"  # text typed into a month-format cell: the format does not apply
    path = _book(tmp_path / "谷城县.xlsx", rows,
                 formats={"附件1!E5": 'yyyy"年"m"月"d"日"', "附件1!E6": 'yyyy"年"m"月"'})
    results = zhenggai.validate([path], OPTS).files
    items = results[0].tables_of("appendix1")[0].items
    assert [it.deadline for it in items] == [date(2022, 6, 30), date(2022, 12, 31)]
    assert _findings(path) == []


# --- numbers shown with a unit: read like the same text typed ------------------------------

@pytest.mark.parametrize(("code", "stored", "counted", "finding"), [
    ('0"元"', 300000, 30.0, "unit-converted"),
    ('#,##0.00"元"', 123456.5, 12.34565, "unit-converted"),
    ('0"万元"', 30, 30.0, None),
    ('0.00"万"', 12.5, 12.5, None),
    ('"￥"#,##0.00', 30, 30.0, None),  # a currency sign is no unit: the column's own unit
    ('0"千元"', 1500, 150.0, "unit-converted"),
    ('0"个"', 30, None, "unit-invalid"),  # a count unit in a money column: refused
    ('G/通用格式"元"', 300000, 30.0, "unit-converted"),  # Chinese Excel's General with a unit
])
def test_a_unit_in_the_format_is_read_like_typed_text(tmp_path: Path, code: str, stored: float,
                                                      counted: float | None, finding: str | None) -> None:
    a2 = list(GOOD_A2)
    a2[4] = stored
    path = _book(tmp_path / "谷城县.xlsx", a2=a2, formats={"附件2!E5": code})
    results = zhenggai.validate([path], OPTS).files
    stats = results[0].tables_of("appendix2")[0].stats[0]
    assert stats.numbers["county_funds"] == counted
    found = [c for cell, c in _findings(path) if cell == "E5"]
    assert found == ([finding] if finding else [])


def test_wps_unquoted_unit(tmp_path: Path) -> None:
    a2 = list(GOOD_A2)
    a2[4] = 500000
    path = _book(tmp_path / "谷城县.xlsx", a2=a2, formats={"附件2!E5": '0"元"'})
    _rewrite_styles(path, 'formatCode="0&quot;元&quot;"', 'formatCode="0元"')
    results = zhenggai.validate([path], OPTS).files
    assert results[0].tables_of("appendix2")[0].stats[0].numbers["county_funds"] == 50.0


def test_a_count_unit_in_a_count_column_is_a_label(tmp_path: Path) -> None:
    a2 = list(GOOD_A2)
    path = _book(tmp_path / "谷城县.xlsx", a2=a2, formats={"附件2!G5": '0"人"'})
    results = zhenggai.validate([path], OPTS).files
    assert results[0].tables_of("appendix2")[0].stats[0].numbers["staff_added"] == 4.0
    assert _findings(path) == []


# --- formats that show another number than the one stored: refused, quoting the format ------

@pytest.mark.parametrize(("code", "stored", "shown"), [
    ("0,,", 5_000_000, "5"),
    ('0.0,"万"', 12345, "12.3万"),
    ('[>=10000]0.0,"万";0', 123456, "123.5万"),
    ('0!.0000"万元"', 123456, "123456"),
    ("#,##0,", 300000, "300"),
])
def test_a_scaled_format_is_refused_quoting_it(tmp_path: Path, code: str, stored: int, shown: str) -> None:
    a2 = list(GOOD_A2)
    a2[5] = stored
    path = _book(tmp_path / "谷城县.xlsx", a2=a2, formats={"附件2!F5": code})
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    stats = results[0].tables_of("appendix2")[0].stats[0]
    assert stats.numbers["recovered_funds"] is None
    (f,) = [f for f in report.findings() if f.cell == "F5"]
    assert f.code == "number-format-scaled" and f.severity.value == "error"
    assert code in f.message and str(stored) in f.message and f.value == shown


def test_a_condition_that_does_not_apply_leaves_the_number(tmp_path: Path) -> None:
    a2 = list(GOOD_A2)
    a2[5] = 500  # below 10000: shown by the plain section as 500
    path = _book(tmp_path / "谷城县.xlsx", a2=a2, formats={"附件2!F5": '[>=10000]0.0,"万";0'})
    results = zhenggai.validate([path], OPTS).files
    assert results[0].tables_of("appendix2")[0].stats[0].numbers["recovered_funds"] == 500.0


def test_a_percentage_is_no_amount(tmp_path: Path) -> None:
    a2 = list(GOOD_A2)
    a2[4] = 0.5
    path = _book(tmp_path / "谷城县.xlsx", a2=a2, formats={"附件2!E5": "0%"})
    report = zhenggai.validate([path], OPTS).report
    assert [(f.cell, f.code, f.value) for f in report.findings() if f.cell == "E5"] == [("E5", "unit-invalid", "50%")]


@pytest.mark.parametrize(("code", "kinds"), [
    ("General", None), ("0.00", None), ("#,##0", None), ("0.00E+00", None), ("yyyy-mm-dd", None),
    ('m"月"d"日"', None), ("[Red]0.00;[Blue]-0.00", None), ("@", None),
    ('yyyy"年"m"月"', ("month",)), ('0"元";-0"元"', ("unit", "unit")), ("0,,", ("scaled",)), ("0%", ("percent",)),
    ("G/通用格式", None), ('_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', None), ("#,##0.00_);(#,##0.00)", None),
    ('yy"年"m"月"', ("month",)), ("yyyy/m", ("month",)), ('0.00,,"百万"', ("scaled",)), ('@"元"', None),
])
def test_format_families(code: str, kinds: tuple[str, ...] | None) -> None:
    sections = classify(code)
    assert (None if sections is None else tuple(s.kind for s in sections)) == kinds


# --- strikethrough: the clerk deleted the row ---------------------------------------------

def test_a_row_struck_through_is_deleted_with_a_warning(tmp_path: Path) -> None:
    rows = [list(r) for r in GOOD_ROWS] + [[3, "已删除的问题", "旧措施", "否", "2022-12-31", "赵六", "县商务局"]]
    path = _book(tmp_path / "谷城县.xlsx", rows, struck=tuple(f"附件1!{c}7" for c in "ABCDEFG"))
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert [it.row for it in results[0].tables_of("appendix1")[0].items] == [5, 6]
    assert [(f.cell, f.code, f.severity.value) for f in report.findings() if f.code == "row-struck-through"] == [
        ("A7", "row-struck-through", "warning")]
    assert "第 7 行" in next(f.message for f in report.findings() if f.code == "row-struck-through")


def test_one_struck_cell_does_not_delete_the_row_but_is_not_read(tmp_path: Path) -> None:
    """Only a row whose every filled cell is struck is deleted; a cell struck through whole is
    deleted too (a struck "是" must not count as done), blank and named, so the clerk is told."""
    path = _book(tmp_path / "谷城县.xlsx", struck=("附件1!D5",))
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert [it.row for it in results[0].tables_of("appendix1")[0].items] == [5, 6]
    found = {(f.cell, f.code): f for f in report.findings()}
    assert found[("D5", "text-struck-through")].value == "是"
    assert "本格按未填写读取" in found[("D5", "text-struck-through")].message
    assert found[("D5", "text-struck-through")].field == "是否完成整改"
    assert any(cell == "D5" and f.severity.value == "error" for (cell, _), f in found.items())


# --- strikethrough inside a cell: the struck runs are deleted text -------------------------

def _rich(path: Path, cells: dict[str, list[tuple[str, bool]]], *, writer: str) -> Path:
    """附件1 and 附件2 with rich text in "sheet!cell": runs of (text, struck). ``writer``:
    "xlsxwriter" writes shared strings as Excel and WPS do, "openpyxl" inline strings."""
    if writer == "openpyxl":
        from openpyxl.cell.rich_text import CellRichText, TextBlock
        from openpyxl.cell.text import InlineFont

        _book(path)
        wb = openpyxl.load_workbook(path, rich_text=True)
        for ref, runs in cells.items():
            sheet, cell = ref.split("!")
            wb[sheet][cell].value = CellRichText(*(TextBlock(InlineFont(strike=s), t) for t, s in runs))
        wb.save(path)
        return path
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    struck, plain = book.add_format({"font_strikeout": True}), book.add_format({})
    sheets = {"附件1": appendix1_rows([list(r) for r in GOOD_ROWS]), "附件2": appendix2_rows(list(GOOD_A2))}
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
        for ref, runs in cells.items():
            sheet, cell = ref.split("!")
            if sheet == name:
                parts: list[Any] = [x for t, s in runs for x in (struck if s else plain, t)]
                ws.write_rich_string(cell, *parts)
    book.close()
    return path


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_text_struck_through_inside_a_cell_is_not_read(tmp_path: Path, writer: str) -> None:
    """A clerk corrects 30 to 25 by striking 30 out in the same cell: calamine joins the runs
    into "3025". The figure read (and rolled up) is 25, and the clerk is told what was left out."""
    path = _rich(tmp_path / "谷城县.xlsx", {
        "附件2!E5": [("30", True), ("25", False)],
        "附件1!C5": [("已完成站点整合。", True), ("力争年底前完成站点整合", False)],
        "附件1!C6": [("新整合快递企业3家，", False), ("新覆盖村12个", True), ("，新覆盖村10个", False)],
    }, writer=writer)
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    numbers = results[0].tables_of("appendix2")[0].counties["谷城县"].numbers
    assert 25 in numbers.values() and 3025 not in numbers.values()
    found = {f.cell: f for f in report.findings() if f.code == "text-struck-through"}
    assert sorted(found) == ["C5", "C6", "E5"]
    assert "“30”加了删除线" in found["E5"].message and "本格按“25”读取" in found["E5"].message
    assert found["E5"].field == "县级财政安排经费（万元）"
    assert "“新覆盖村12个”加了删除线" in found["C6"].message
    measures = [it.values[2] for it in results[0].tables_of("appendix1")[0].items]
    assert measures == ["力争年底前完成站点整合", "新整合快递企业3家，，新覆盖村10个"]
    # the measure left standing is a pledge: the struck 已完成 does not make it an action
    assert any(f.cell == "C5" and f.code.startswith("measure-") for f in report.findings())


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_struck_text_saved_by_libreoffice(tmp_path: Path, soffice: Any, fmt: str) -> None:
    """LibreOffice re-saves "~~30~~25" with the cell in the first run's (struck) font and the
    "25" run saying it is not struck (.xlsx), as text spans (.ods), as BIFF runs (.xls)."""
    src = _rich(tmp_path / "谷城县.xlsx", {"附件2!E5": [("30", True), ("25", False)]}, writer="openpyxl")
    (other,) = soffice([src], fmt, tmp_path / fmt)
    validated = zhenggai.validate([other], OPTS)
    report, results = validated.report, validated.files
    numbers = results[0].tables_of("appendix2")[0].counties["谷城县"].numbers
    found = [f for f in report.findings() if f.code == "text-struck-through"]
    assert [f.cell for f in found] == ["E5"]
    assert 3025 not in numbers.values()
    assert 25 in numbers.values() and "本格按“25”读取" in found[0].message


def test_struck_text_after_the_first_sst_record_of_an_xls(tmp_path: Path, soffice: Any) -> None:
    """An .xls keeps its strings in one SST record of at most 8,224 bytes and CONTINUE records
    after it, a string cut by a boundary going on after an option byte: 400 distinct Chinese
    measures push the struck strings far past the first record."""
    rows = [[i, f"问题{i}", f"第{i}项措施：" + "县商务局组织专班逐村核查站点运营情况并建立台账" * 2, "是", "2022-06-30",
             "李四", "县商务局"] for i in range(1, 401)]
    src = _book(tmp_path / "谷城县.xlsx", rows)
    wb = openpyxl.load_workbook(src, rich_text=True)
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    wb["附件2"]["E5"].value = CellRichText(TextBlock(InlineFont(strike=True), "30"), TextBlock(InlineFont(), "25"))
    wb["附件1"]["C404"].value = CellRichText(TextBlock(InlineFont(), "新建站点3个，"),
                                             TextBlock(InlineFont(strike=True), "已完成整合"),
                                             TextBlock(InlineFont(), "新覆盖村12个"))
    wb.save(src)
    (xls,) = soffice([src], "xls", tmp_path / "xls")
    result = zhenggai.validate([xls], OPTS)
    report, results = result.report, result.files
    found = {f.cell: f.message for f in report.findings() if f.code == "text-struck-through"}
    assert sorted(found) == ["C404", "E5"], found
    assert "“已完成整合”加了删除线" in found["C404"] and "本格按“新建站点3个，新覆盖村12个”读取" in found["C404"]
    assert 25 in results[0].tables_of("appendix2")[0].counties["谷城县"].numbers.values()


def test_runs_all_struck_make_a_struck_row(tmp_path: Path) -> None:
    """Every filled cell of row 6 struck through by its runs (not by the cell's font): deleted."""
    path = _rich(tmp_path / "谷城县.xlsx", {f"附件1!{c}6": [(str(v), True)] for c, v in zip("ABCDEFG", GOOD_ROWS[1],
                                                                                     strict=True)},
                 writer="openpyxl")
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert [it.row for it in results[0].tables_of("appendix1")[0].items] == [5]
    assert [f.code for f in report.findings() if f.cell and f.cell.endswith("6")] == ["row-struck-through"]


def test_a_struck_row_without_number_or_sequence(tmp_path: Path) -> None:
    """A continuation or note row struck through goes as well (only its filled cells count)."""
    rows = [list(r) for r in GOOD_ROWS] + [[None, None, "作废的补充说明"]]
    path = _book(tmp_path / "谷城县.xlsx", rows, struck=("附件1!C7",))
    book = read_book(path)
    assert book.grids[0].struck_rows == [6]
    assert all(v in ("", None) for v in book.grids[0].rows[6])


def test_an_ordinary_workbook_is_not_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No such style in styles.xml: the reader leaves every value as calamine gives it, and
    does not even parse the shared strings (no struck run seen while the zip guard inflated them)."""
    from zhenggai.intake import formats

    def parsed(*_a: object) -> None:
        raise AssertionError("sharedStrings.xml parsed")

    monkeypatch.setattr(formats, "rich_strings", parsed)
    path = _book(tmp_path / "谷城县.xlsx")
    book = read_book(path)
    assert not any(isinstance(v, Shown) for g in book.grids for r in g.rows for v in r)


# --- .ods and .xls: the same families, from OpenDocument number styles and BIFF records -----

@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_ods_and_xls_read_formats_and_strikethrough_like_the_xlsx(tmp_path: Path, soffice: Any, fmt: str) -> None:
    """LibreOffice writes the same formats as OpenDocument number styles and as BIFF FORMAT/XF records."""
    rows = [list(r) for r in GOOD_ROWS] + [[3, "已删除的问题", "旧措施", "否", "2022-12-31", "赵六", "县商务局"]]
    rows[1][4] = datetime(2022, 12, 1)
    a2 = list(GOOD_A2)
    a2[4], a2[5] = 300000, 12345
    src = _book(tmp_path / "谷城县.xlsx", rows, a2,
                formats={"附件1!E6": 'yyyy"年"m"月"', "附件2!E5": '0"元"', "附件2!F5": '0.0,"万"'},
                struck=tuple(f"附件1!{c}7" for c in "ABCDEFG"))
    want = _findings(src)
    (other,) = soffice([src], fmt, tmp_path / fmt)
    assert other.suffix == f".{fmt}"
    assert _findings(other) == want
    assert sorted(want) == sorted([("E6", "date-approximate"), ("E5", "unit-converted"),
                                   ("F5", "number-format-scaled"), ("A7", "row-struck-through")])


_STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main">{numfmts}<fonts count="2"><font><sz val="11"/></font>{font}</fonts>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0"/><xf numFmtId="{xf}" fontId="1" applyNumberFormat="1"/>'
           '</cellXfs></styleSheet>')


@pytest.mark.parametrize(("numfmts", "font", "xf", "plain"), [
    ('<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>', "<font/>", "164", True),
    ("", "<font/>", "0", True),
    ("", "<font/>", "14", True),  # 14 is a whole date: the stored value stands
    ('<numFmts count="1"><numFmt numFmtId="164" formatCode="0&quot;元&quot;"/></numFmts>', "<font/>", "164", False),
    ('<numFmts count="1"><numFmt numFmtId="164" formatCode=\'0"万元"\'/></numFmts>', "<font/>", "164", False),
    ('<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy年m月"/></numFmts>', "<font/>", "164", False),
    ("", "<font/>", "57", False),  # a built-in 年月 format
    ("", "<font/>", " 9 ", False),  # 0%, the id spelt with spaces
    ("", "<font><strike/></font>", "0", False),
])
def test_styles_told_plain_without_parsing_are_those_that_change_nothing(numfmts: str, font: str, xf: str,
                                                                         plain: bool) -> None:
    """formats.plain_styles (which lets an ordinary reply skip parsing styles.xml) says True
    only where read_styles finds nothing; UTF-16 and other encodings are always parsed."""
    from zhenggai.intake import formats

    xml = _STYLES.format(numfmts=numfmts, font=font, xf=xf)
    assert formats.plain_styles(xml.encode()) is plain
    assert bool(formats.read_styles(xml.encode())) is not plain
    assert not formats.plain_styles(xml.replace("UTF-8", "UTF-16").encode("utf-16"))
    assert not formats.plain_styles(xml.replace("UTF-8", "GBK").encode("gbk"))
