"""Golden snapshot: what validate and merge produce on the examples and a benchmark set.

This pins the *outputs* (every finding as (file, sheet, cell, code), and every cell of the
written rollups, reopened) so that a refactoring proves "outputs unchanged" by a test.
It runs through the CLI, not library internals, so it survives moving modules around.

When a change is MEANT to change outputs (a new rule, a new column), regenerate the
snapshot with ONE command and review the diff of ``tests/golden/snapshot.json`` in git:

    ZHENGGAI_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py -q

The cases: the sample 襄阳 inbox (validate; merge with --expect and --problems), the
province merge of that rollup, and 6 generated counties (benchmarks/generate.py, seed 3,
no .xls) validated and merged. Dates are fixed with --as-of; the rollup subtitle's
生成日期 (today) and the temporary folder are replaced by placeholders.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from zhenggai.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = Path(__file__).resolve().parent / "golden" / "snapshot.json"
AS_OF = "2022-07-15"
REGEN = os.environ.get("ZHENGGAI_REGEN_GOLDEN") == "1"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("zhenggai_golden_generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def _norm(text: str, root: Path) -> str:
    today = date.today()
    text = text.replace(str(root), "<tmp>").replace(today.isoformat(), "<today>")
    # 市州汇总's 汇总表生成时间: when the test wrote the prefecture rollup, "2026年12月5日 11:10".
    return re.sub(rf"{today.year}年{today.month}月{today.day}日 \d{{2}}:\d{{2}}", "<today>", text)


def _cell(v: object, root: Path) -> object:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return _norm(v, root)
    return v


def _run(args: list[str], root: Path) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "--format", "json", "--as-of", AS_OF])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _findings(report: dict[str, Any], root: Path) -> list[list[object]]:
    return [
        [_norm(fr["path"], root), f.get("sheet"), f.get("cell"), f["code"]]
        for fr in report["files"] for f in fr["findings"]
    ]


def _workbook(path: Path, root: Path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path)
    out: dict[str, list[list[object]]] = {}
    for ws in wb.worksheets:
        out[ws.title] = [
            [c.coordinate, _cell(c.value, root)] for row in ws.iter_rows() for c in row if c.value is not None
        ]
    return out


def _snapshot(tmp: Path) -> dict[str, Any]:
    inbox = tmp / "襄阳市收件"
    shutil.copytree(ROOT / "examples" / "襄阳市收件", inbox)
    problems = tmp / "反馈问题清单.xlsx"
    shutil.copy(ROOT / "examples" / "反馈问题清单.xlsx", problems)
    snap: dict[str, Any] = {}

    code, rep = _run(["validate", str(inbox)], tmp)
    snap["examples-validate"] = {"exit": code, "findings": _findings(rep, tmp)}

    pref = tmp / "市州汇总"
    pref.mkdir()
    out = pref / "襄阳市汇总.xlsx"
    code, rep = _run(["merge", str(inbox), "-o", str(out), "--prefecture", "襄阳市",
                      "--expect", "枣阳市,保康县,谷城县,老河口市,南漳县", "--problems", str(problems)], tmp)
    snap["examples-merge"] = {"exit": code, "findings": _findings(rep, tmp), "cells": _workbook(out, tmp)}

    prov = tmp / "湖北省汇总.xlsx"
    code, rep = _run(["merge", str(pref), "-o", str(prov), "--prefecture", "湖北省"], tmp)
    snap["province-merge"] = {"exit": code, "findings": _findings(rep, tmp), "cells": _workbook(prov, tmp)}

    bench = tmp / "bench"
    _generator().generate(bench, 6, seed=3, xls_share=0.0, jobs=1)
    code, rep = _run(["validate", str(bench)], tmp)
    snap["bench-validate"] = {"exit": code, "findings": _findings(rep, tmp)}
    out = tmp / "bench-汇总.xlsx"
    code, rep = _run(["merge", str(bench), "-o", str(out), "--prefecture", "示例市"], tmp)
    snap["bench-merge"] = {"exit": code, "findings": _findings(rep, tmp), "cells": _workbook(out, tmp)}
    return snap


def test_outputs_match_golden_snapshot(tmp_path: Path) -> None:
    """Findings and rollup cells equal the committed snapshot (regenerate: see module docstring)."""
    snap = json.loads(json.dumps(_snapshot(tmp_path), ensure_ascii=False))
    if REGEN:
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(snap, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    golden = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert golden.keys() == snap.keys()
    for case in golden:
        for part in golden[case]:
            if part == "cells":
                for sheet in golden[case]["cells"]:
                    assert snap[case]["cells"].get(sheet) == golden[case]["cells"][sheet], (case, sheet)
                assert snap[case]["cells"].keys() == golden[case]["cells"].keys(), case
            else:
                assert snap[case][part] == golden[case][part], (case, part)
