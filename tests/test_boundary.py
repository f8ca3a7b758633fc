"""The boundary (intake/boundary.py, cli/supervise.py): a reader that aborts, hangs, eats
memory or raises gives a ``file-unreadable`` finding for its file, and the run goes on.

The aborting file is real: a sheet with one value at A1 and one at N280000 is within the
guard's budget (3.9 M cells), but under a 100 MB address-space limit calamine's allocation
fails and Rust aborts the process (SIGABRT), as it would for a file just past what the
machine has. ``ZHENGGAI_READ_LIMITS`` sets the limit for the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builders import GOOD_ROWS, appendix1_rows, make_workbook, rewrite_zip
from zhenggai.intake import boundary

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="子进程的限额需要 POSIX")

UNREADABLE = "文件已损坏或含有异常内容，无法读取"
TIGHT = "memory_mb=100"


def far_sheet(good: Path, dst: Path) -> Path:
    """A reply with one more value at N280000: calamine allocates 280,000 × 14 cells."""
    return rewrite_zip(good, dst, {"xl/worksheets/sheet1.xml": lambda d: d.replace(
        b"</sheetData>", b'<row r="280000"><c r="N280000"><v>1</v></c></row></sheetData>', 1)})


def _zhenggai(*args: str, limits: str = TIGHT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZHENGGAI_READ_LIMITS": limits}
    return subprocess.run([sys.executable, "-m", "zhenggai", *args], capture_output=True, text=True,
                          timeout=300, env=env, check=False)


def _findings(out: str) -> dict[str, list[dict[str, str]]]:
    report = json.loads(out)
    return {Path(f["path"]).name: f["findings"] for f in report["files"]}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("收件")
    good = make_workbook(folder / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    far_sheet(good, folder / "保康县.xlsx")
    return folder


def _assert_only_far_unreadable(out: str) -> None:
    found = _findings(out)
    far = found["保康县.xlsx"]
    assert [f["code"] for f in far] == ["file-unreadable"]
    assert UNREADABLE in far[0]["message"] and "异常终止" in far[0]["message"]
    assert all(f["code"] != "file-unreadable" for f in found["谷城县.xlsx"])


def test_a_single_file_that_aborts_the_reader_is_a_finding(inbox: Path) -> None:
    # One file: read in process, under the supervisor, which runs the command again.
    proc = _zhenggai("validate", str(inbox / "保康县.xlsx"), "--format", "json", "--as-of", "2022-07-15")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "内部错误" not in proc.stderr
    found = _findings(proc.stdout)["保康县.xlsx"]
    assert [f["code"] for f in found] == ["file-unreadable"] and "异常终止" in found[0]["message"]


def test_a_member_of_an_archive_that_aborts_is_named_although_extracted_anew_each_attempt(
    inbox: Path, tmp_path: Path
) -> None:
    import zipfile

    archive = tmp_path / "收件.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(inbox / "保康县.xlsx", "保康县.xlsx")
    proc = _zhenggai("validate", str(archive), "--format", "json", "--as-of", "2022-07-15")
    assert proc.returncode == 1 and "内部错误" not in proc.stderr, proc.stderr
    (entry,) = json.loads(proc.stdout)["files"]
    assert entry["path"].endswith("收件.zip › 保康县.xlsx")
    assert [f["code"] for f in entry["findings"]] == ["file-unreadable"]


def test_validate_and_merge_of_a_folder_go_on_past_the_abort(inbox: Path, tmp_path: Path) -> None:
    proc = _zhenggai("validate", str(inbox), "--format", "json", "--as-of", "2022-07-15")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    _assert_only_far_unreadable(proc.stdout)
    out = tmp_path / "汇总.xlsx"
    proc = _zhenggai("merge", str(inbox), "-o", str(out), "--format", "json", "--as-of", "2022-07-15")
    assert proc.returncode == 1 and out.exists(), proc.stderr
    assert "异常终止" in proc.stdout


def test_the_library_reads_behind_the_boundary(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zhenggai

    monkeypatch.setenv("ZHENGGAI_READ_LIMITS", TIGHT)
    with zhenggai.validate(inbox) as result:
        codes = {Path(f.path).name: [x.code for x in f.findings] for f in result.report.files}
    assert codes["保康县.xlsx"] == ["file-unreadable"]
    with zhenggai.validate(inbox / "保康县.xlsx") as result:  # one file: one worker
        assert [x.code for x in result.findings()] == ["file-unreadable"]


# --- the pool itself ----------------------------------------------------------------------


def _spin() -> None:
    while True:
        pass


def _greedy() -> bytes:
    return b"x" * (2 << 30)


def _fail() -> None:
    raise ValueError("broken file")


def _big_answer() -> bytes:
    return b"x" * (3 << 20)


def test_every_way_a_job_can_fail_is_a_crash_and_the_others_finish() -> None:
    jobs = [(1,), (2,), (3,)]
    out = boundary.run_jobs(abs, jobs, workers=2)
    assert out == [1, 2, 3]
    limits = boundary.Limits(memory_mb=512, cpu_s=1, wall_s=20, output_mb=1)
    t0 = time.monotonic()
    out = boundary.run_jobs(_run, [("ok",), ("abort",), ("spin",), ("greedy",), ("fail",), ("big",), ("ok",)],
                            workers=2, limits=limits)
    assert time.monotonic() - t0 < 60
    assert out[0] == out[-1] == "ok"
    reasons = [x.reason if isinstance(x, boundary.Crash) else x for x in out[1:-1]]
    assert "异常终止" in reasons[0]  # SIGABRT
    assert "CPU" in reasons[1]  # SIGXCPU after 1 s
    assert "内存" in reasons[2]  # MemoryError under RLIMIT_AS
    assert "ValueError" in reasons[3]
    assert "结果大得异常" in reasons[4]


def test_a_hang_is_killed_at_the_wall_clock_limit() -> None:
    limits = boundary.Limits(wall_s=1.5)
    t0 = time.monotonic()
    out = boundary.run_jobs(time.sleep, [(60,), (0,)], workers=1, limits=limits)
    assert isinstance(out[0], boundary.Crash) and "仍未完成" in out[0].reason
    assert out[1] is None
    assert time.monotonic() - t0 < 30


def _run(what: str) -> object:
    if what == "abort":
        os.abort()
    return {"spin": _spin, "greedy": _greedy, "fail": _fail, "big": _big_answer}.get(what, lambda: "ok")()


def test_isolation_can_be_turned_off(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGGAI_ISOLATION", "off")
    assert not boundary.available()
    from zhenggai.checking.files import _in_process

    assert _in_process(10)


def test_a_supervised_run_reads_in_process_when_the_cpus_are_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers run in parallel only where a CPU is idle; on a busy machine a supervised CLI run
    reads every file itself (the supervisor still turns a crash into a finding)."""
    from zhenggai.checking.files import _in_process

    monkeypatch.setattr(boundary, "pool_size", lambda jobs: min(jobs, 2))
    monkeypatch.setenv(boundary.SUPERVISED_ENV, str(os.getpid()))
    monkeypatch.setattr(boundary.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert not _in_process(10)  # a CPU to spare: two workers
    assert _in_process(1)  # nothing to run in parallel
    monkeypatch.setattr(boundary.os, "getloadavg", lambda: (3.9, 3.0, 2.0))
    # Busy means others are running now too (``running_others``): pinned, or the test would
    # follow the machine it runs on (it failed on an idle CI machine).
    monkeypatch.setattr(boundary, "running_others", lambda samples=3: 3)
    assert _in_process(10)
    monkeypatch.setattr(boundary, "running_others", lambda samples=3: 0)
    assert not _in_process(10)  # only this process's own last minute in the load: not busy
    monkeypatch.setattr(boundary, "running_others", lambda samples=3: 3)
    monkeypatch.delenv(boundary.SUPERVISED_ENV)
    assert not _in_process(10)  # the library and serve: always behind the boundary


def test_breadcrumbs_survive_being_split() -> None:
    msg = b"S" + (5).to_bytes(4, "little") + "谷".encode() + b"ab" + b"E"
    events, rest = boundary.read_crumbs(bytearray(msg[:4]))
    assert events == [] and rest == msg[:4]
    events, rest = boundary.read_crumbs(bytearray(msg))
    assert events == ["谷ab", None] and not rest


def test_workers_are_spawned_when_the_temporary_path_is_too_long_for_a_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A threaded process (serve) would use the fork server, whose socket lives under the
    temporary folder; under a long path in Chinese it cannot listen, so workers are spawned."""
    monkeypatch.setattr(boundary.threading, "active_count", lambda: 2)
    long = "/tmp/测试目录-张三的文件夹-一个很长的路径用来检查输出与临时路径无关"
    monkeypatch.setattr(boundary.tempfile, "gettempdir", lambda: long)
    assert boundary._context().get_start_method() == "spawn"
    monkeypatch.setattr(boundary.tempfile, "gettempdir", lambda: "/tmp")
    assert boundary._context().get_start_method() == "forkserver"


def test_a_worker_result_refers_to_the_packaged_tables_by_name(tmp_path: Path) -> None:
    """A reading worker's result names 附件1 and the default 附件2 instead of carrying them
    (schema.TableSpec.__reduce_ex__): the parent gets its own objects back, not 3,900 copies;
    a table of a form definition of its own still travels whole."""
    import pickle

    from zhenggai.core.schema import APPENDIX1, Indicator, appendix2, default_appendix2

    assert pickle.loads(pickle.dumps(APPENDIX1)) is APPENDIX1
    assert pickle.loads(pickle.dumps(default_appendix2())) is default_appendix2()
    own = appendix2((Indicator(key="sites", header="新建站点", unit="个", type="count"),))
    back = pickle.loads(pickle.dumps(own))
    assert back == own and back is not own
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS, county="谷城县")})
    from zhenggai.checking.files import check_file
    from zhenggai.core.results import Options

    sent = boundary.run_jobs(check_file, [(path, Options(), None)], workers=1)[0]
    assert not isinstance(sent, boundary.Crash)
    assert [t.table.spec for t in sent.tables] == [APPENDIX1] and sent.tables[0].table.spec is APPENDIX1
    assert sent == check_file(path, Options())


@pytest.mark.parametrize(("load", "others", "busy"), [
    (0.9, 3, False),  # a quiet last minute: two readers, whatever runs at this instant
    (1.8, 0, False),  # the last minute was busy (our own merge just before), nothing else runs now
    (1.8, 1, False),  # one other program: a CPU stays free for a second reader
    (1.8, 2, True),  # others keep both CPUs busy: read in process
    (6.0, None, True),  # the kernel does not say what runs now: the load average alone
])
def test_cpus_are_busy_when_others_keep_them_busy_now(monkeypatch: pytest.MonkeyPatch, load: float,
                                                      others: int | None, busy: bool) -> None:
    monkeypatch.setattr(boundary, "pool_size", lambda jobs: min(jobs, 2))
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(boundary, "running_others", lambda: others)
    assert boundary.cpus_busy() is busy


def test_running_others_reads_the_kernels_count() -> None:
    others = boundary.running_others()
    if not Path("/proc/loadavg").exists():
        assert others is None
    else:
        assert others is not None and others >= 0  # this process runs: it is not counted
