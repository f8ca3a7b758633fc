"""validate_rows(as_tuples=True) gives each row's fields as the models give them (issue 22).

check_table reads a 附件1's rows as (done, deadline) tuples: the child's rows then come as it
sent them, none made a named tuple and taken apart again. Whether one process checks the rows
or two share them, and where a row's validator raises (None), the tuples are the models'.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from pydantic_core import PydanticCustomError

from builders import A1_HEADERS
from zhenggai.checking import rows as row_rules
from zhenggai.checking.rows import RowContext, validate_rows
from zhenggai.core.schema import APPENDIX1, default_appendix2
from zhenggai.core.table import Table
from zhenggai.forms.tables import find_tables
from zhenggai.intake import second_cpu
from zhenggai.intake.reader import Grid

FIELDS = ("done", "deadline")
AS_OF = date(2022, 9, 1)


def _table() -> Table:
    done = ["是", "否", "已完成", "", "进行中"]
    when: list[object] = ["2022-06-30", date(2023, 3, 1), 44700.0, "", "年底前", "2022年12月"]
    body: list[list[object]] = [
        [i + 1, f"问题{i}", "召开会议3次" if i % 4 else "投入30万元，新建站点2个", done[i % 5], when[i % 6], "张三",
         "县商务局"] for i in range(60)]
    (t,) = find_tables(Grid("附件1", [["附件1"], list(A1_HEADERS), *body]), (APPENDIX1, default_appendix2()))
    return t


def _both(table: Table) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    ctx_t, ctx_m = RowContext(table, "f", date(2022, 12, 31), AS_OF), RowContext(table, "f", date(2022, 12, 31), AS_OF)
    tuples = list(validate_rows(table, ctx_t, fields=FIELDS, as_tuples=True))
    models = [None if m is None else (m.done, m.deadline) for m in validate_rows(table, ctx_m, fields=FIELDS)]
    return tuples, models, ctx_t.findings, ctx_m.findings


@pytest.fixture
def raising(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A row rule that raises for rows 8 and 40 (those rows' models are None)."""
    real = row_rules.deadline_rules

    def rule(row: Any, info: Any) -> Any:
        if row.row in (8, 40):
            raise PydanticCustomError("date-invalid", "x")
        return real(row, info)

    rule.__name__ = real.__name__
    monkeypatch.setitem(row_rules.MODEL_RULES, APPENDIX1.kind, (rule,))
    for cached in (row_rules.row_model, row_rules._adapter, row_rules._values):
        cached.cache_clear()
    yield
    monkeypatch.undo()
    for cached in (row_rules.row_model, row_rules._adapter, row_rules._values):
        cached.cache_clear()


@pytest.mark.parametrize("cpus", [1, 2])
@pytest.mark.parametrize("fail", [False, True])
def test_the_tuples_are_the_models_fields(cpus: int, fail: bool, monkeypatch: pytest.MonkeyPatch,
                                          request: pytest.FixtureRequest) -> None:
    if fail:
        request.getfixturevalue("raising")
    if cpus == 2:  # a forked child takes blocks of 7 rows from the back
        monkeypatch.setattr(second_cpu, "ROWS_MIN", 10)
        monkeypatch.setattr(row_rules, "_second_cpu", lambda: True)
        monkeypatch.setattr(row_rules, "BLOCK", 7)
    table = _table()
    tuples, models, found_t, found_m = _both(table)
    assert tuples == models
    assert found_t == found_m
    assert (None in tuples) is fail
    assert {type(t) for t in tuples if t is not None} == {tuple}
    assert {v for t in tuples if t is not None for v in t} >= {True, False, None, date(2022, 6, 30)}
