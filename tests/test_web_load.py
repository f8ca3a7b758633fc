"""Load and faults against the real server (loopback, bounded): see benchmarks/web_load.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

LOAD = Path(__file__).resolve().parents[1] / "benchmarks" / "web_load.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zhenggai_bench_web_load", LOAD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def test_hundred_counties_upload_at_once(tmp_path: Path) -> None:
    r = _load().run(100, tmp_path)
    print(f"100 counties: p50 {r['p50_s']} s, p95 {r['p95_s']} s, wall {r['wall_s']} s")  # measured, not asserted
    assert r["errors"] == [] and r["acked"] == 100
    assert r["lost"] == [] and r["doubled"] == [] and r["bad_blobs"] == [] and r["temp_files"] == []
    assert r["work_files"] == [] and r["integrity"] == "ok"


def test_sigkill_mid_uploads_loses_no_acknowledged_upload(tmp_path: Path) -> None:
    r = _load().run(100, tmp_path, kill=True)
    assert r["killed_after_acks"] is not None and r["killed_after_acks"] >= 33
    assert r["acked"] < 100  # the kill really came in the middle
    assert r["lost"] == [] and r["doubled"] == []
    assert r["bad_blobs"] == [] and r["temp_files"] == []  # the restart removed any half-written temp file
    assert r["work_files"] == []  # and the checks' temporary folders
    assert r["integrity"] == "ok"
