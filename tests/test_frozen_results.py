"""A checked file's result is built once, by ``checking.files.check_file``, and never changed.

A stage that learns more about a file (the cross check of 附件1 and 附件2, the feedback
list's coverage, the rollup's choice of versions) returns a new result; nothing appends to
a result other stages or worker processes share (issue 22, "the cuts").
"""

from __future__ import annotations

import ast
from dataclasses import FrozenInstanceError
from datetime import date
from pathlib import Path

import pytest

import zhenggai
from builders import GOOD_A2, GOOD_ROWS, appendix1_rows, appendix2_rows, make_workbook

SRC = Path(__file__).resolve().parents[1] / "src" / "zhenggai"
OPTS = zhenggai.Options(as_of=date(2022, 7, 15))


def _checked(tmp_path: Path) -> zhenggai.FileResult:
    a2 = list(GOOD_A2)
    a2[1], a2[3] = 5, 4  # 反馈问题数 5 (1 done, 4 open) against two 附件1 rows: the cross check's finding
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS), "附件2": appendix2_rows(a2)})
    with zhenggai.validate(path, OPTS) as result:
        return result.files[0]


def test_a_checked_file_is_frozen(tmp_path: Path) -> None:
    f = _checked(tmp_path)
    assert [x.code for x in f.findings] == ["cross-total-mismatch"]  # added by a later stage, as a new value
    assert isinstance(f.findings, tuple) and isinstance(f.tables, tuple)
    assert len(f.tables) == 2
    assert all(isinstance(t.items, tuple) and isinstance(t.stats, tuple) for t in f.tables)
    with pytest.raises(FrozenInstanceError):
        f.findings = ()  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        f.county = "枣阳市"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        f.tables[0].county = "枣阳市"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        f.findings.append(f.findings[0])  # type: ignore[attr-defined]
    a1, a2 = (next(t for t in f.tables if t.table.kind == kind) for kind in ("appendix1", "appendix2"))
    with pytest.raises(FrozenInstanceError):
        a1.items[0].done = False  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        a2.stats[0].errors = 0  # type: ignore[misc]


def test_with_findings_returns_a_new_result(tmp_path: Path) -> None:
    f = _checked(tmp_path)
    more = f.with_findings(f.findings)
    assert len(more.findings) == 2 and len(f.findings) == 1
    assert more.tables is f.tables and more.display == f.display
    assert f.with_findings(()) is f


def _calls(name: str) -> list[tuple[str, ast.Call]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if called == name:
                    out.append((path.relative_to(SRC).as_posix(), node))
    return out


def test_only_check_file_builds_a_result_with_tables() -> None:
    """Elsewhere a FileResult is a file skipped or refused (findings only), never a checked one."""
    builders = {where for where, call in _calls("FileResult") if any(k.arg == "tables" for k in call.keywords)}
    assert builders == {"checking/files.py"}


def test_nothing_writes_around_frozen() -> None:
    """``object.__setattr__`` would change a frozen result behind every reader's back."""
    sneaky = [where for where, call in _calls("__setattr__") if isinstance(call.func, ast.Attribute)
              and isinstance(call.func.value, ast.Name) and call.func.value.id == "object"]
    assert sneaky == []
