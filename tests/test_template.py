"""init-county's workbooks, as a clerk's Excel would open them (read back with openpyxl)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

import zhenggai
from builders import A1_HEADERS, META_SHEET
from programs import pdf_pages as pages
from zhenggai import CountyForms, Prefill, write_county_forms
from zhenggai.core.errors import SchemaError
from zhenggai.core.schema import appendix2, default_appendix2, load_indicators
from zhenggai.outputs.templates import file_names

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _sheet(path: Path, index: int = 0) -> Worksheet:
    ws = openpyxl.load_workbook(path).worksheets[index]
    assert isinstance(ws, Worksheet)
    return ws


def _validations(ws: Worksheet) -> dict[str, object]:
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def test_writes_two_files_named_after_the_county(tmp_path: Path) -> None:
    written = write_county_forms(tmp_path, CountyForms(county="谷城县", prefecture="襄阳市"))
    assert [p.name for p in written] == [
        "谷城县-附件1-示范县整改清单.xlsx",
        "谷城县-附件2-示范县专项整改成果统计表.xlsx",
    ]
    assert all(p.exists() for p in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    # No "recalculate when opened" flag: a county's own formula in the form, saved by a
    # program that keeps the flag, would be read as an unverified result (formula-no-value).
    import zipfile

    for p in written:
        with zipfile.ZipFile(p) as zf:
            assert b"fullCalcOnLoad" not in zf.read("xl/workbook.xml")


def test_appendix1_layout_follows_the_notice(tmp_path: Path) -> None:
    path = write_county_forms(tmp_path, CountyForms(county="谷城县"))[0]
    ws = _sheet(path)
    assert ws["A1"].value == "附件1"
    assert ws["A2"].value == "示范县整改清单"
    assert ws["A2"].alignment.horizontal == "center"
    assert ws["A3"].value == "谷城县商务主管部门（盖章）"
    assert [ws.cell(4, c + 1).value for c in range(7)] == [
        "序号", "问题描述（按反馈问题清单填报）", "整改措施和情况", "是否完成整改",
        "完成时限", "责任人", "责任单位",
    ]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A2:G2", "A3:G3", "A26:G26"} <= merged
    contact = ws["A26"].value
    assert isinstance(contact, str)
    assert contact.startswith("（联系人：") and "联系电话：" in contact and contact.endswith("）")
    # borders on the table, wrapped text in the long columns, a Chinese font
    assert ws["B5"].border.left.style == "thin"
    assert ws["C24"].alignment.wrap_text is True
    assert ws["C5"].font.name == "宋体"


def test_blank_form_has_the_placeholder_bureau_line(tmp_path: Path) -> None:
    written = write_county_forms(tmp_path, CountyForms())
    assert [p.name for p in written] == ["附件1-示范县整改清单.xlsx", "附件2-示范县专项整改成果统计表.xlsx"]
    assert _sheet(written[0])["A3"].value == "**县（市、区）商务主管部门（盖章）"
    assert _sheet(written[1])["A5"].value is None


def test_appendix1_entry_rules(tmp_path: Path) -> None:
    forms = CountyForms(county="谷城县", deadline=dt.date(2022, 12, 31))
    ws = _sheet(write_county_forms(tmp_path, forms)[0])
    rules = _validations(ws)
    assert set(rules) == {"D5:D24", "E5:E24"}
    yes_no = rules["D5:D24"]
    assert yes_no.type == "list"  # type: ignore[attr-defined]
    assert yes_no.formula1 == '"是,否"'  # type: ignore[attr-defined]
    assert yes_no.showErrorMessage and yes_no.error and "是" in yes_no.error  # type: ignore[attr-defined]
    assert yes_no.prompt and yes_no.promptTitle == "是否完成整改"  # type: ignore[attr-defined]
    deadline = rules["E5:E24"]
    # "between" is the OOXML default operator, so it is left out of the file.
    assert deadline.type == "date" and deadline.operator in (None, "between")  # type: ignore[attr-defined]
    # Excel stores date limits as serial numbers: 44926 is 2022-12-31.
    assert deadline.formula2 == "44926"  # type: ignore[attr-defined]
    assert "2022年12月31日" in (deadline.error or "")  # type: ignore[attr-defined]


def test_deadline_option_moves_the_date_rule(tmp_path: Path) -> None:
    forms = CountyForms(county="谷城县", deadline=dt.date(2023, 6, 30))
    ws = _sheet(write_county_forms(tmp_path, forms)[0])
    assert _validations(ws)["E5:E24"].formula2 == "45107"  # type: ignore[attr-defined]


def test_appendix2_layout_and_rules(tmp_path: Path) -> None:
    path = write_county_forms(tmp_path, CountyForms(county="谷城县"))[1]
    ws = _sheet(path)
    spec = default_appendix2()
    assert ws["A1"].value == "附件2"
    assert ws["A2"].value == "示范县专项整改成果统计表"
    # Printed with explicit line breaks (name, then the unit on its own line).
    assert [str(ws.cell(4, c + 1).value).replace("\n", "") for c in range(len(spec.columns))] == [
        "县（市、区）", "反馈问题数（个）", "已完成整改数（个）", "未完成整改数（个）",
        "县级财政安排经费（万元）", "追回企业资金（万元）", "补充人员（人）",
        "新整合快递企业（家）", "淘汰站点（个）", "新建改造站点（个）",
        "快递村村通新覆盖村（个）", "优化培训课程（个）", "备注",
    ]
    assert ws["A5"].value == "谷城县"
    rules = {(str(dv.sqref), dv.type, dv.operator) for dv in ws.data_validations.dataValidation}
    assert ("B5", "whole", "greaterThanOrEqual") in rules
    assert ("E5", "decimal", "greaterThanOrEqual") in rules
    assert ("G5", "whole", "greaterThanOrEqual") in rules
    assert ("M5", "decimal", "greaterThanOrEqual") not in rules  # 备注 is free text
    contact = ws["A7"].value
    assert isinstance(contact, str) and contact.startswith("（联系人：")


@pytest.mark.parametrize("index", [0, 1])
def test_ready_to_print(tmp_path: Path, index: int) -> None:
    ws = _sheet(write_county_forms(tmp_path, CountyForms(county="谷城县"))[index])
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr is not None
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    # fitToWidth="1" is the OOXML default and left out; fitToHeight="0" means "as many as needed".
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$4:$4"
    assert ws.freeze_panes == "A5"
    assert ws.column_dimensions["B" if index == 0 else "A"].width >= 12


def test_combined_workbook_holds_both_sheets(tmp_path: Path) -> None:
    written = write_county_forms(tmp_path, CountyForms(county="保康县"), combined=True)
    assert [p.name for p in written] == ["保康县-附件1附件2-示范县整改清单及成果统计表.xlsx"]
    wb = openpyxl.load_workbook(written[0])
    assert wb.sheetnames == ["附件1 整改清单", "附件2 成果统计表", META_SHEET]  # the definition, hidden
    assert wb.worksheets[1]["A5"].value == "保康县"


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    first = write_county_forms(tmp_path, CountyForms(county="谷城县"))
    first[1].write_bytes(b"keep me")
    with pytest.raises(zhenggai.OutputExists, match="已存在"):
        write_county_forms(tmp_path, CountyForms(county="谷城县"))
    assert first[1].read_bytes() == b"keep me"
    write_county_forms(tmp_path, CountyForms(county="谷城县"), force=True)
    assert first[1].read_bytes() != b"keep me"


def test_clerk_fills_the_forms_and_reads_back_what_was_written(tmp_path: Path) -> None:
    a1_path, a2_path = write_county_forms(tmp_path, CountyForms(county="谷城县"))
    rows = [
        [1, "公共服务中心停运", "安排30万元恢复运营", "是", dt.datetime(2022, 6, 30), "李四", "县商务局"],
        [2, "=快递整合不够", "新整合快递企业3家", "否", dt.datetime(2022, 12, 31), "王五", "邮政"],
    ]
    wb = openpyxl.load_workbook(a1_path)
    ws = wb.worksheets[0]
    for r, row in enumerate(rows, start=5):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c).value = value
    ws["B6"].data_type = "s"  # what Excel stores when a clerk types a leading '=' as text
    wb.save(a1_path)
    back = openpyxl.load_workbook(a1_path).worksheets[0]
    got = [[back.cell(r, c).value for c in range(1, 8)] for r in (5, 6)]
    assert got == rows
    assert [back.cell(4, c).value for c in range(1, 8)] == A1_HEADERS

    values = ["谷城县", 2, 1, 1, 30.5, 0, 4, 3, 1, 5, 12, 2, "无"]
    wb2 = openpyxl.load_workbook(a2_path)
    for c, value in enumerate(values, start=1):
        wb2.worksheets[0].cell(5, c).value = value
    wb2.save(a2_path)
    back2 = openpyxl.load_workbook(a2_path).worksheets[0]
    assert [back2.cell(5, c).value for c in range(1, 14)] == values


def test_indicators_file_replaces_the_measure_columns(tmp_path: Path) -> None:
    toml = tmp_path / "指标.toml"
    toml.write_text(
        '[[indicator]]\nkey = "funds"\nheader = "安排资金"\nunit = "万元"\ntype = "amount"\n\n'
        '[[indicator]]\nkey = "sites"\nheader = "新建站点"\nunit = "个"\ntype = "count"\n',
        encoding="utf-8",
    )
    indicators = load_indicators(toml)
    spec = appendix2(indicators)
    assert [c.header for c in spec.columns] == [
        "县（市、区）", "反馈问题数（个）", "已完成整改数（个）", "未完成整改数（个）",
        "安排资金（万元）", "新建站点（个）", "备注",
    ]
    path = write_county_forms(tmp_path, CountyForms(county="谷城县", indicators=indicators))[1]
    ws = _sheet(path)
    assert ws["E4"].value == "安排资金\n（万元）" and ws["G4"].value == "备注"
    rules = {(str(dv.sqref), dv.type) for dv in ws.data_validations.dataValidation}
    assert ("E5", "decimal") in rules and ("F5", "whole") in rules


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[indicator]]\nkey = "x"\nheader = "a"\nunit = "个"\ntype = "weight"\n', "格式不对"),
        ("not toml [", "的写法不对（第 1 行第 5 列附近）"),
        ('[[indicator]]\nkey = "total"\nheader = "a"\nunit = "个"\ntype = "count"\n', "固定列重名"),
        ('[[indicator]]\nkey = "a"\nheader = "a"\nunit = "个"\ntype = "count"\n'
         '[[indicator]]\nkey = "a"\nheader = "b"\nunit = "个"\ntype = "count"\n', "重复"),
    ],
)
def test_bad_indicators_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    toml = tmp_path / "bad.toml"
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match=message):
        load_indicators(toml)


def test_prefill_writes_problems_and_category_headings(tmp_path: Path) -> None:
    prefill = Prefill(problems=(("一、业务建设方面", "中心停运"), ("一、业务建设方面", "站点存活率低"),
                                ("二、资金管理方面", "资金进度慢")))
    a1, a2 = write_county_forms(tmp_path, CountyForms(county="谷城县", prefill=prefill))
    ws = _sheet(a1)
    assert ws["A5"].value == "一、业务建设方面"
    assert "A5:G5" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws["A6"].value, ws["B6"].value, ws["A7"].value, ws["B7"].value] == [1, "中心停运", 2, "站点存活率低"]
    assert ws["A8"].value == "二、资金管理方面"
    assert [ws["A9"].value, ws["B9"].value] == [3, "资金进度慢"]
    assert _sheet(a2)["B5"].value == 3


def _rules(ws: Worksheet) -> dict[str, tuple[object, ...]]:
    return {
        str(d.sqref): (d.type, d.operator, d.formula1, d.formula2, d.error, d.prompt)
        for d in ws.data_validations.dataValidation
    }


def _cells(ws: Worksheet) -> dict[str, object]:
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.mark.parametrize("name", file_names(None, combined=False))
def test_shipped_templates_match_what_the_code_writes(tmp_path: Path, name: str) -> None:
    fresh = write_county_forms(tmp_path, CountyForms())
    new = {p.name: p for p in fresh}[name]
    shipped = TEMPLATES / name
    assert shipped.exists(), f"templates/{name} 缺失：运行 python -m zhenggai init-county -o templates --force"
    a, b = _sheet(shipped), _sheet(new)
    assert _cells(a) == _cells(b)
    assert {str(r) for r in a.merged_cells.ranges} == {str(r) for r in b.merged_cells.ranges}
    assert _rules(a) == _rules(b)
    assert (a.print_title_rows, a.freeze_panes, a.page_setup.orientation) == (
        b.print_title_rows, b.freeze_panes, b.page_setup.orientation
    )
    widths = {k: v.width for k, v in a.column_dimensions.items()}
    assert widths == {k: v.width for k, v in b.column_dimensions.items()}


@pytest.mark.libreoffice
def test_libreoffice_opens_and_prints_both_forms(
    tmp_path: Path, soffice: Callable[..., list[Path]]
) -> None:
    written = write_county_forms(tmp_path / "in", CountyForms(county="谷城县"))
    pdfs = soffice(written, "pdf", tmp_path / "pdf")
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF")
        # One page: all columns fit the width and the blank form fits one A4 sheet.
        assert len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) == 1


LONG = "县级物流配送中心运行不稳定，配送时效差，部分乡镇站点长期无人值守，快递进村“最后一公里”问题没有得到有效解决"


def test_prefilled_rows_are_tall_enough_for_their_text(tmp_path: Path) -> None:
    # Neither LibreOffice nor Excel grows a row for text the file brings: without a
    # written height a long problem prints over the row below.
    category = "二、资金和资产管理方面" + "，包括项目资金使用、资产登记、绩效评价等方面的问题" * 3
    prefill = Prefill(problems=(("一、业务建设方面", "短"), ("一、业务建设方面", LONG), (category, LONG * 2)))
    ws = _sheet(write_county_forms(tmp_path, CountyForms(county="谷城县", prefill=prefill))[0])
    height = {r: ws.row_dimensions[r].height or 0 for r in range(5, 10)}
    assert ws["B6"].value == "短" and ws["B7"].value == LONG and ws["A8"].value == category
    assert all(h > 0 for h in height.values())
    assert height[6] >= 2 * 15  # one line of text and one to spare for the answer
    assert height[7] > height[6] and height[9] > height[7]
    assert height[8] > height[5]  # the long category heading wraps onto a second line
    # Blank rows keep Excel's automatic height (they grow as the clerk types).
    blank = _sheet(write_county_forms(tmp_path / "b", CountyForms(county="谷城县"))[0])
    assert blank.row_dimensions[5].height is None


def test_appendix2_headers_read_whole(tmp_path: Path) -> None:
    ws = _sheet(write_county_forms(tmp_path, CountyForms(county="谷城县"))[1])
    for c in range(1, ws.max_column + 1):
        text = str(ws.cell(4, c).value)
        for line in text.split("\n"):
            # No line opens a bracket it does not close, or closes one it did not open.
            assert line.count("（") == line.count("）"), text
        unit = default_appendix2().columns[c - 1].unit
        if unit:
            assert text.endswith(f"\n（{unit}）"), text


@pytest.mark.libreoffice
def test_libreoffice_prints_the_prefilled_form_fully(tmp_path: Path, soffice: Callable[..., list[Path]]) -> None:
    problems = tuple(("一、业务建设方面" if i < 8 else "二、资金管理方面", f"{i + 1}. {LONG}") for i in range(16))
    written = write_county_forms(tmp_path / "in", CountyForms(county="谷城县", prefill=Prefill(problems=problems)))
    pdfs = soffice(written, "pdf", tmp_path / "pdf")
    a1_pages = pages(pdfs[0])
    # Sixteen problems of three lines each: more than one A4 page, each landscape.
    assert len(a1_pages) >= 2 and all(w > h for w, h in a1_pages)
    a2_pages = pages(pdfs[1])
    assert len(a2_pages) == 1 and all(w > h for w, h in a2_pages)
