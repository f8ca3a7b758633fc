"""Indicators travel with the form: init-county writes the definition, validate and merge read it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest

import zhenggai
from builders import HEADER_ROW
from zhenggai import CountyForms, MergeOptions, Options, write_county_forms
from zhenggai.core.schema import META_SHEET, load_indicators
from zhenggai.forms.formdef import read_definition
from zhenggai.intake.reader import read_book

CUSTOM = (
    '[[indicator]]\nkey = "funds"\nheader = "安排资金"\nunit = "万元"\ntype = "amount"\n'
    'aliases = ["安排的资金"]\n\n'
    '[[indicator]]\nkey = "sites"\nheader = "新建站点"\nunit = "个"\ntype = "count"\n'
)
A1_ROWS = [[1, "中心停运", "安排30万元恢复运营", "是", date(2022, 6, 30), "李四", "县商务局"]]


def _forms(tmp_path: Path, county: str = "谷城县", toml: str = CUSTOM) -> tuple[Path, Path]:
    spec = tmp_path / f"{county}.toml"
    spec.write_text(toml, encoding="utf-8")
    a1, a2 = write_county_forms(tmp_path / "收件", CountyForms(county=county, indicators=load_indicators(spec)))
    wb = openpyxl.load_workbook(a1)
    for c, v in enumerate(A1_ROWS[0], start=1):
        wb.worksheets[0].cell(5, c).value = v
    wb.worksheets[0]["A27"] = "（联系人：张三  联系电话：13800138000）"
    wb.save(a1)
    wb = openpyxl.load_workbook(a2)
    n = wb.worksheets[0].max_column
    for c, v in enumerate([county, 1, 1, 0, 30, 2, None][:n], start=1):
        wb.worksheets[0].cell(5, c).value = v
    wb.worksheets[0]["A7"] = "（联系人：张三  联系电话：13800138000）"
    wb.save(a2)
    return a1, a2


def test_the_definition_is_a_hidden_last_sheet_only_where_a_2_is(tmp_path: Path) -> None:
    a1, a2 = write_county_forms(tmp_path, CountyForms(county="谷城县"))
    wb2 = openpyxl.load_workbook(a2)
    assert wb2.sheetnames[-1] == META_SHEET and wb2[META_SHEET].sheet_state == "hidden"
    assert wb2.active.title != META_SHEET  # type: ignore[union-attr]
    assert META_SHEET not in openpyxl.load_workbook(a1).sheetnames
    got, problem = read_definition(read_book(a2, a2.name).grids)
    assert problem is None and got == load_indicators(None)


def test_a_custom_form_validates_and_merges_without_the_flag(tmp_path: Path) -> None:
    _forms(tmp_path)
    report = zhenggai.validate([tmp_path / "收件"], Options(as_of=date(2022, 7, 1))).report
    codes = {f.code for f in report.findings()}
    assert "missing-column" not in codes and not report.errors, codes
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([tmp_path / "收件"], MergeOptions(validate=Options(as_of=date(2022, 7, 1))), out,
                            force=False)
    assert [c.key for c in result.rollup.a2.columns if c.indicator] == ["funds", "sites"]
    ws = openpyxl.load_workbook(out)["成果统计汇总"]
    headers = [str(ws.cell(HEADER_ROW + 1, c).value).replace("\n", "") for c in range(1, ws.max_column + 1)]
    assert "安排资金（万元）" in headers and "新建站点（个）" in headers
    row = [ws.cell(HEADER_ROW + 2, c).value for c in range(1, ws.max_column + 1)]
    assert row[headers.index("安排资金（万元）")] == 30 and row[headers.index("新建站点（个）")] == 2


def test_the_flag_overrides_and_a_difference_is_reported(tmp_path: Path) -> None:
    _forms(tmp_path)
    report = zhenggai.validate([tmp_path / "收件"],
                               Options(as_of=date(2022, 7, 1), indicators=load_indicators(None))).report
    hits = [f for f in report.findings() if f.code == "indicators-mismatch"]
    assert len(hits) == 1 and hits[0].file.endswith("附件2-示范县专项整改成果统计表.xlsx")
    assert "安排资金（万元）" in hits[0].message and "--indicators" in hits[0].message
    # Read by the flag: the form's columns are not the default ones.
    assert any(f.code == "missing-column" for f in report.findings())


def test_a_tampered_definition_is_reported_not_guessed(tmp_path: Path) -> None:
    _, a2 = _forms(tmp_path)
    wb = openpyxl.load_workbook(a2)
    wb[META_SHEET]["D3"] = "weight"
    wb.save(a2)
    report = zhenggai.validate([a2], Options(as_of=date(2022, 7, 1))).report
    hits = [f for f in report.findings() if f.code == "indicators-definition-invalid"]
    assert len(hits) == 1 and "第 3 行" in hits[0].message


def test_counties_with_different_definitions_are_an_error_in_the_merge(tmp_path: Path) -> None:
    _forms(tmp_path, "谷城县")
    _forms(tmp_path, "保康县")
    _forms(tmp_path, "南漳县", toml=CUSTOM.replace("sites", "villages").replace("新建站点", "覆盖村"))
    result = zhenggai.merge([tmp_path / "收件"], MergeOptions(validate=Options(as_of=date(2022, 7, 1))),
                            tmp_path / "汇总.xlsx", force=False)
    assert [c.key for c in result.rollup.a2.columns if c.indicator] == ["funds", "sites"]
    hits = [f for f in result.rollup.report.findings() if f.code == "indicators-differ"]
    assert len(hits) == 1 and "南漳县" in hits[0].message and "覆盖村（个）" in hits[0].message
    assert result.rollup.report.errors >= 1
    nanzhang = next(c for c in result.rollup.counties if c.county == "南漳县")
    assert nanzhang.errors >= 1


@pytest.mark.libreoffice
def test_the_definition_survives_a_resave_as_xls(tmp_path: Path, soffice: Callable[..., list[Path]]) -> None:
    _, a2 = _forms(tmp_path)
    (xls,) = soffice([a2], "xls", tmp_path / "xls")
    got, problem = read_definition(read_book(xls, xls.name).grids)
    assert problem is None and got is not None and [i.key for i in got] == ["funds", "sites"]
    assert got[0].aliases == ("安排的资金",)
    report = zhenggai.validate([xls], Options(as_of=date(2022, 7, 1))).report
    assert "missing-column" not in {f.code for f in report.findings()}


# --- plausible ranges (issue 16) in indicator files and the issued form ----------------------


def test_a_province_sets_its_own_range(tmp_path: Path) -> None:
    from zhenggai.core.errors import SchemaError
    from zhenggai.core.schema import load_indicators

    toml = tmp_path / "指标.toml"
    toml.write_text('[[indicator]]\nkey = "funds"\nheader = "经费"\nunit = "万元"\ntype = "amount"\n'
                    'plausible = [0, 100]\n', encoding="utf-8")
    (ind,) = load_indicators(toml)
    assert ind.plausible == (0, 100) and ind.column().plausible == (0, 100)
    toml.write_text('[[indicator]]\nkey = "funds"\nheader = "经费"\nunit = "万元"\ntype = "amount"\n'
                    'plausible = [100, 0]\n', encoding="utf-8")
    with pytest.raises(SchemaError, match="合理范围"):
        load_indicators(toml)


def test_the_range_travels_with_the_issued_form(tmp_path: Path) -> None:
    from zhenggai.core.schema import load_indicators
    from zhenggai.forms.formdef import read_definition, write_definition
    from zhenggai.intake.reader import read_book
    from zhenggai.outputs.xlsx import new_workbook

    indicators = load_indicators(None)
    path = tmp_path / "表样.xlsx"
    wb = new_workbook(path)
    wb.add_worksheet("附件2")
    write_definition(wb, indicators)
    wb.close()
    back, problem = read_definition(read_book(path, str(path)).grids)
    assert problem is None and back == indicators
    assert back is not None and back[0].plausible == (0, 3000)


def test_a_form_issued_before_the_measure_fields_reads_measures_the_packaged_way(tmp_path: Path) -> None:
    from zhenggai.outputs.xlsx import new_workbook

    indicators = load_indicators(None)
    older = [f for f in indicators[0].model_dump() if not f.startswith("measure_")]  # its field columns
    path = tmp_path / "旧表样.xlsx"
    wb = new_workbook(path)
    wb.add_worksheet("附件2")
    ws = wb.add_worksheet(META_SHEET)
    ws.write_string(0, 0, "zhenggai-form")
    for col, name in enumerate(older):
        ws.write_string(1, col, name)
    for row, ind in enumerate(indicators, start=2):
        data = ind.model_dump()
        for col, name in enumerate(older):
            value = data[name]
            text = "\n".join(map(str, value)) if isinstance(value, tuple) else "" if value is None else str(value)
            ws.write_string(row, col, text.lower() if isinstance(value, bool) else text)
    wb.close()
    back, problem = read_definition(read_book(path, str(path)).grids)
    assert problem is None and back == indicators  # 追回 … 资金 … 万元 as in the packaged set
