"""The benchmark generator writes replies that ``zhenggai merge`` reads: a fast smoke test."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import python_calamine as pc

from programs import run_zhenggai

GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zhenggai_bench_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def test_generated_counties_merge(tmp_path: Path) -> None:
    gen = _generator()
    inbox = tmp_path / "收件"
    # No .xls here: LibreOffice takes seconds to start, and 3 counties would get none anyway.
    names = gen.generate(inbox, 3, seed=7, xls_share=0.0, jobs=1)
    assert len(set(names)) == 3
    assert all(n[-1] in "县市区" and len(n) == 3 for n in names)
    files = sorted(p for p in inbox.rglob("*.xlsx"))
    assert 3 <= len(files) <= 6

    out = tmp_path / "汇总.xlsx"
    proc = run_zhenggai("merge", str(inbox), "-o", str(out), "--format", "json", "--as-of", "2022-07-15")
    assert proc.returncode <= 1, proc.stderr
    report = json.loads(proc.stdout)
    counties = {c["county"]: c for c in report["counties"]}
    assert set(counties) == set(names)
    assert all(c["status"] == "submitted" and c["rows"] >= 5 for c in counties.values())

    with pc.CalamineWorkbook.from_path(str(out)) as wb:
        overview = wb.get_sheet_by_name("汇总概览").to_python()
    listed = {str(row[0]) for row in overview}
    assert set(names) <= listed


def test_generator_is_deterministic(tmp_path: Path) -> None:
    gen = _generator()
    a, b = tmp_path / "a", tmp_path / "b"
    assert gen.generate(a, 2, seed=3, xls_share=0.0, jobs=1) == gen.generate(b, 2, seed=3, xls_share=0.0, jobs=1)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)
    # The first counties of a larger set are the same counties.
    assert gen.county_names(2, 3) == gen.county_names(50, 3)[:2]


def test_terminal_benchmark_reports_the_share(tmp_path: Path) -> None:
    import subprocess

    script = GENERATOR.parent / "terminal.py"
    proc = subprocess.run([sys.executable, str(script), "--counties", "3", "--repeat", "1", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "终端摘要（默认，80 列）" in proc.stdout and "占汇总的比例" in proc.stdout
    assert "目标：默认摘要 < 5 %" in proc.stdout
