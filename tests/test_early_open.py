"""The zip guard's measuring on the second CPU (reader._read_aside, issue 22): what a clerk is
told about a file never depends on it.

Everywhere the child measures (inflates) the members while this process prepares; calamine
opens and reads the file before the guards' verdicts only in a supervised CLI run
(boundary.early_open), where a crash meanwhile makes the supervisor read the file again with
the guards first: a bomb, a corrupt zip or a sheet of absurd range then gets the guard's
finding, as in any other run, never a crash's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from builders import GOOD_ROWS, appendix1_rows, make_workbook, rewrite_zip
from test_hostile import CHILD_ONLY, MB, REFUSED, SHEET1, _bomb, files  # noqa: F401 - the hostile files
from zhenggai.core.findings import Finding
from zhenggai.intake import boundary, reader, second_cpu
from zhenggai.intake.reader import read_book

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="第二个 CPU 上的子进程需要 fork")

SIZE_MISMATCH = "压缩包记录的大小与实际内容不符"  # the guard's reason for a lying zip header


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("early")
    good = make_workbook(d / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    far = rewrite_zip(good, d / "南漳县.xlsx", {SHEET1: lambda b: b.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')})
    return {"good": good, "lying": _bomb(good, d / "保康县.xlsx", 8 * MB, declare=5000), "far": far}


def _codes(findings: list[Finding] | list[dict[str, str]]) -> list[str]:
    return [f.code if isinstance(f, Finding) else f["code"] for f in findings]


def test_calamine_never_opens_a_file_before_its_guard_without_a_supervisor(
        books: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    want = read_book(books["lying"])
    assert _codes(want.findings) == ["file-unreadable"] and SIZE_MISMATCH in want.findings[0].message
    opened: list[Path] = []
    real: Callable[..., object] = reader._open_calamine

    def spy(path: Path, *args: object) -> object:
        opened.append(path)
        return real(path, *args)

    started: list[bool] = []
    start = second_cpu.start_telling

    def child(compute: Callable[[Callable[[object], None]], object]) -> second_cpu.Pending | None:
        started.append(True)
        return start(compute)

    monkeypatch.setattr(second_cpu, "start_telling", child)
    monkeypatch.setattr(reader, "ASIDE_MIN", 0)
    monkeypatch.setattr(second_cpu, "available", lambda: True)
    monkeypatch.setattr(reader, "_open_calamine", spy)
    monkeypatch.delenv(boundary.SUPERVISED_ENV, raising=False)
    got = read_book(books["lying"])
    assert started == [True] and opened == []  # measured aside, refused before calamine saw it
    assert got.findings == want.findings
    good = read_book(books["good"])
    assert not good.findings and good.grids and opened == [books["good"]]


# A supervised run in which calamine "aborts" opening the file, as Rust does when an allocation
# fails: the early opening of the first attempt, and (``always``) every opening after it.
_RUN = textwrap.dedent("""
    import os, sys
    from zhenggai.intake import boundary, reader, second_cpu
    reader.ASIDE_MIN = 0
    second_cpu.available = lambda: True
    log, mode = sys.argv[1], sys.argv[2]
    real = reader._open_calamine

    state = {"early": False}

    def aborting(*args):
        early = state["early"]
        with open(log, "a") as f:
            f.write("early\\n" if early else "after\\n")
        if mode != "never" and (early or mode == "always"):
            os.abort()
        return real(*args)

    reader._open_calamine = aborting
    told = boundary.unguarded

    def unguarded(on):  # what the supervisor is told, seen by ``aborting``
        state["early"] = on
        with open(log, "a") as f:
            f.write("U\\n" if on else "G\\n")
        told(on)

    boundary.unguarded = unguarded
    sys.argv = ["zhenggai", "validate", *sys.argv[3:], "--format", "json", "--as-of", "2022-07-15"]
    from zhenggai.cli.app import main
    main()
""")


def _supervised(tmp_path: Path, path: Path, always: bool = False, never: bool = False,
                code: int = 1) -> tuple[list[dict[str, str]], list[str]]:
    log = tmp_path / "opened.log"
    log.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in (boundary.SUPERVISED_ENV, "ZHENGGAI_ISOLATION")}
    mode = "always" if always else "never" if never else "once"
    proc = subprocess.run([sys.executable, "-c", _RUN, str(log), mode, str(path)],
                          capture_output=True, text=True, timeout=300, env=env, check=False)
    assert proc.returncode == code and "Traceback" not in proc.stderr and "内部错误" not in proc.stderr, proc.stderr
    (entry,) = json.loads(proc.stdout)["files"]
    return entry["findings"], log.read_text().split() if log.exists() else []


def test_a_crash_while_calamine_opens_early_reads_the_file_again_guard_first(
        books: dict[str, Path], tmp_path: Path) -> None:
    found, opened = _supervised(tmp_path, books["lying"])
    assert opened == ["U", "early"]  # the first attempt opened it early and died; the second: refused first
    assert _codes(found) == ["file-unreadable"] and SIZE_MISMATCH in found[0]["message"]


def test_a_file_that_crashes_calamine_after_its_guard_too_is_named_as_a_crash(
        books: dict[str, Path], tmp_path: Path) -> None:
    found, opened = _supervised(tmp_path, books["good"], always=True)
    assert opened == ["U", "early", "after"]  # the guard passed it: the crash is the file's
    assert _codes(found) == ["file-unreadable"] and "异常终止" in found[0]["message"]


def test_a_sheet_read_before_its_guard_that_crashes_gets_the_guards_finding(
        books: dict[str, Path], tmp_path: Path) -> None:
    # A value at XFD1048576: calamine asks for 550 GB and aborts (test_hostile.py). Read while
    # the child still guards the sheet, it ends the first attempt; the second refuses it first.
    found, opened = _supervised(tmp_path, books["far"], never=True)
    assert opened == ["U", "early", "after"]  # no "G": the first attempt died reading; the second waited
    assert _codes(found) == ["file-unreadable"] and "使用范围大得异常" in found[0]["message"]


def test_an_early_read_of_a_good_file_is_the_read_of_any_run(books: dict[str, Path], tmp_path: Path) -> None:
    found, opened = _supervised(tmp_path, books["good"], never=True, code=0)
    assert opened == ["U", "early", "G"]
    assert found == []


def test_breadcrumbs_of_an_early_opening() -> None:
    events, rest = boundary.read_crumbs(bytearray(b"S" + (1).to_bytes(4, "little") + b"a" + b"UGE"))
    assert events == ["a", True, False, None] and not rest


# Every book read the plain way (this process, guards first) and then the early way (made a
# supervised run: calamine opens and reads while the child guards), in one fresh process.
_SAME = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    from zhenggai.intake import boundary, reader, second_cpu

    def key(b):
        return repr(((b.findings, b.notes, b.fmt, b.sha256, b.saved), [
            (g.name, g.rows, sorted(g.merges), sorted(g.formulas_without_value), g.hidden, g.hidden_rows,
             g.hidden_cols, g.struck_rows, sorted(g.struck_cells.items())) for g in b.grids]))

    paths = [Path(p) for p in sys.argv[1:]]
    plain = [key(reader.read_book(p)) for p in paths]
    reader.ASIDE_MIN = 0
    second_cpu.available = lambda: True
    told = boundary.unguarded
    early = []
    boundary.unguarded = lambda on: (early.append(on), told(on))
    boundary.become_supervised(os.open(os.devnull, os.O_WRONLY), {}, boundary.Limits())
    differ = [p.name for p, want in zip(paths, plain) if key(reader.read_book(p)) != want]
    print(json.dumps({"differ": differ, "early": early.count(True)}))
""")


def test_every_book_read_early_is_the_book_read_guards_first(
        tmp_path: Path, files: dict[str, Path]) -> None:  # noqa: F811
    from test_read_aside import _unusual

    paths = [*_unusual(tmp_path), *(files[n] for n in sorted(set(REFUSED) - CHILD_ONLY))]
    proc = subprocess.run([sys.executable, "-c", _SAME, *map(str, paths)], capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["differ"] == []
    assert result["early"] >= 4  # the workbooks past the zip's headers were opened early
