"""The fuzz suite (benchmarks/fuzz.py) in CI: a bounded, deterministic set of mutants, and
every crash any fuzz run ever found (tests/crashes/, named after what each reproduces).

A few hundred mutants of ordinary replies (.xlsx at the zip and XML level, .xls and .ods at
the byte level, .docx, .zip) go through ``validate`` and ``merge`` in batches, with tight
reader limits (10 s CPU, 1 GB, 30 s per file): every run exits 0, 1 or 2 with no traceback
and no 内部错误, no reader crashes, hangs or bloats, and the whole thing stays under 400 MB
and a few minutes. The long run (thousands) is ``benchmarks/fuzz.py --count 3000``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from programs import run_zhenggai

FUZZ = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz.py"
CRASHES = Path(__file__).resolve().parent / "crashes"


def _fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zhenggai_bench_fuzz", FUZZ)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def test_every_crash_ever_found_is_a_finding_now(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tight limits: a regression shows as a limit hit in seconds, not after two minutes.
    monkeypatch.setenv("ZHENGGAI_READ_LIMITS", "cpu_s=10,memory_mb=1024,wall_s=30")
    files = sorted(p for p in CRASHES.iterdir() if p.is_file() and p.suffix != ".md")
    assert len(files) >= 5
    proc = run_zhenggai("validate", str(CRASHES), "--format", "json", "--as-of", "2022-07-15")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "内部错误" not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    named = " ".join(f["path"] for f in report["files"])
    assert all(p.name in named for p in files)
    for f in report["files"]:
        messages = " ".join(x["message"] for x in f["findings"])
        for mark in ("异常终止", "异常退出", "读取时出错", "仍未完成", "CPU 时间", "占用内存"):
            assert mark not in messages, f
    for p in files:  # one at a time too: a single file is read in process, supervised
        single = run_zhenggai("validate", str(p), "--format", "json", "--as-of", "2022-07-15")
        assert single.returncode in (0, 1) and "内部错误" not in single.stdout + single.stderr, single.stderr


@pytest.mark.slow
def test_a_few_hundred_mutants_neither_crash_hang_nor_bloat(tmp_path: Path) -> None:
    fuzz = _fuzz()
    out = fuzz.fuzz(300, 7, batch=150, work=tmp_path / "work", seeds_dir=tmp_path / "seeds")
    assert out.mutants == 300
    assert out.failures == [] and out.crashes == [] and out.hangs == [] and out.bloat == []
    assert set(out.exits) <= {0, 1, 2}
    assert out.peak_mb < 400
    assert out.seconds < 600  # ~70 s on this 2-core machine under a load of 12


def test_mutants_are_the_same_every_time(tmp_path: Path) -> None:
    fuzz = _fuzz()
    seeds = {"xlsx": fuzz.build_seeds(tmp_path)["xlsx"]}
    first = [(m.name, m.data) for m in fuzz.mutants(seeds, 20, 3)]
    assert first == [(m.name, m.data) for m in fuzz.mutants(seeds, 20, 3)]
    assert len({d for _, d in first}) > 15  # and they differ from each other
