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


def test_one_big_upload_is_bounded_and_stalls_no_other_county(tmp_path: Path) -> None:
    """150,000 rows, each with an error: the page and the store stay small, and another county's
    page keeps answering in under a second while the big one is checked."""
    r = _load().big(tmp_path, 150_000)
    print(f"big upload: {r}")  # measured: the check's own time depends on the machine
    assert r["big_error"] == "" and r["upload_to_findings_s"] is not None
    assert r["other_page_n"] >= 3 and r["other_page_max_s"] < 1.0
    assert r["findings_listed"] == 200 and r["page_kb"] < 1024  # was 158 MB
    assert r["database_mb"] < 20  # was 119 MB of cached JSON
    assert r["server_peak_rss_mb"] < 400  # the checking happens in the library's reader worker
