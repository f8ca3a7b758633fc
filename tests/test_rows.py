"""The pydantic row models: derived from the schema, extended by adding a validator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

from builders import GOOD_A2, GOOD_ROWS, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import Options
from zhenggai.checking import rows
from zhenggai.checking.files import check_file
from zhenggai.core.schema import APPENDIX1, Indicator, appendix2

OPTS = Options(as_of=date(2022, 9, 1))


@pytest.fixture
def fresh_models() -> Iterator[None]:
    """Models are cached per spec: rebuild them around a test that changes the rules."""
    rows.row_model.cache_clear()
    rows._adapter.cache_clear()
    yield
    rows.row_model.cache_clear()
    rows._adapter.cache_clear()


def test_models_are_derived_from_the_schema() -> None:
    a1 = rows.row_model(APPENDIX1)
    assert a1.__name__ == "Appendix1Row"
    assert set(a1.model_fields) == {"row", "is_total", *APPENDIX1.keys}
    indicator = Indicator(key="json", header="直播带货场次", unit="场", type="count")
    spec = appendix2((indicator,))
    a2 = rows.row_model(spec)
    assert a2.__name__ == "Appendix2Row"
    # an indicator key that is a BaseModel attribute still gets its own field
    assert "json_" in a2.model_fields and "total" in a2.model_fields


def _a1(tmp_path: Path, values: list[object]) -> Path:
    return make_workbook(tmp_path / "谷城县-附件1.xlsx", {"附件1": appendix1_rows([*GOOD_ROWS, values])})


def test_a_rule_is_added_by_adding_a_validator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_models: None
) -> None:
    def no_initials(v: object, info: ValidationInfo) -> object:
        if isinstance(v, str) and v.isascii() and v.strip():
            ctx = info.context
            assert isinstance(ctx, rows.RowContext)
            ctx.report("required-missing", info.data[rows.ROW], "owner", v)
        return v

    monkeypatch.setitem(rows.COLUMN_RULES, "owner", (no_initials,))
    path = _a1(tmp_path, [3, "站点重复建设", "淘汰站点6个", "是", "2022-06-30", "ZS", "县商务局"])
    result = check_file(path, OPTS)
    assert [(f.cell, f.code, f.value) for f in result.findings if f.code == "required-missing"] == [
        ("F7", "required-missing", "ZS")]
    assert [i.errors for t in result.tables for i in t.items] == [0, 0, 1]


def test_a_validation_error_becomes_findings_in_one_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_models: None
) -> None:
    def rejects(v: object) -> object:
        if v == "县发改局":
            raise PydanticCustomError("extra-column", "单位不对", {"detail": "x"})
        return v

    monkeypatch.setitem(rows.COLUMN_RULES, "unit", (rejects,))
    path = _a1(tmp_path, [3, "站点重复建设", "淘汰站点6个", "是", "2022-06-30", "张三", "县发改局"])
    result = check_file(path, OPTS)
    assert ("G7", "extra-column") in [(f.cell, f.code) for f in result.findings]
    # only the failing row loses its parsed values; the findings of the others are not doubled
    assert [(i.row, i.done) for t in result.tables for i in t.items] == [(5, True), (6, False), (7, None)]
    assert len([f for f in result.findings if f.code == "extra-column"]) == 1


def test_appendix2_numbers_and_sums_through_the_model(tmp_path: Path) -> None:
    values = list(GOOD_A2)
    values[1], values[4] = 3, "待统计"  # 反馈问题数 3 ≠ 1 + 1; an amount that is no number
    path = make_workbook(tmp_path / "谷城县-附件2.xlsx", {"附件2": appendix2_rows(values)})
    result = check_file(path, OPTS)
    got = {(f.cell, f.code) for f in result.findings}
    assert {("B5", "count-sum-mismatch"), ("E5", "number-invalid")} <= got
    (stats,) = [s for t in result.tables for s in t.stats]
    assert stats.numbers["county_funds"] is None and stats.numbers["total"] == 3.0 and stats.errors >= 2
    assert stats.reasons == {"county_funds": "不是可识别的数字"}
