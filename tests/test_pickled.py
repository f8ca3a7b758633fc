"""Rows pickled by their fields (core/pickled.py; keyword-only ones by their slots) come back equal, every field set."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass, field, fields
from datetime import date

import pytest

from zhenggai.core.findings import Finding, Severity
from zhenggai.core.pickled import pickled_by_fields
from zhenggai.core.results import Item, Stats
from zhenggai.core.table import Record

ROWS = [
    Item(7, "商贸流通", [1, "问题", "措施", "是", date(2022, 6, 30), "张三", "县商务局"], {"备注": "x"}, True,
         date(2022, 6, 30), errors=2, group=5, sheet="续表"),
    Stats(9, "谷城县", [1, 2.5, "三"], {"说明": "y"}, {"total": 1.0, "done": None}, errors=1, total=True,
          reasons={"done": "不是数字"}, parts=3),
    Record(12, ["a", 1.0, None], category="类别", extras={"k": "v"}, total=True, group=11),
    Finding(code="overdue", severity=Severity.WARNING, message="已逾期", file="谷城县.xlsx", sheet="附件1",
            cell="E7", row=7, field="完成时限", value="2022-06-30"),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: type(r).__name__)
def test_every_field_comes_back(row: object) -> None:
    # No field left at its default: a field the pickle dropped would come back as its default.
    defaults = {f.name: f.default for f in fields(row)}  # type: ignore[arg-type]
    assert all(getattr(row, n) != d for n, d in defaults.items())
    for back in (pickle.loads(pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)), copy.copy(row),
                 copy.deepcopy(row)):
        assert type(back) is type(row)
        assert back == row
        assert [getattr(back, f.name) for f in fields(back)] == [getattr(row, f.name) for f in fields(row)]  # type: ignore[arg-type]


def test_values_shared_by_a_row_and_its_record_stay_shared() -> None:
    """An Item and its Record hold one values list: pickled together it stays one list."""
    values: list[object] = ["a", 1.0]
    rec, item = Record(3, values), Item(3, None, values, {}, None, None)
    rec2, item2 = pickle.loads(pickle.dumps((rec, item)))
    assert rec2.values is item2.values


def test_a_class_with_keyword_only_fields_needs_slots() -> None:
    @dataclass(frozen=True, kw_only=True)
    class KeywordOnly:
        a: int
        b: int = field(default=0)

    with pytest.raises(TypeError):
        pickled_by_fields(KeywordOnly)


def test_a_field_not_in_init_is_refused() -> None:
    @dataclass(frozen=True)
    class Computed:
        a: int
        b: int = field(default=0, init=False)

    with pytest.raises(TypeError):
        pickled_by_fields(Computed)
