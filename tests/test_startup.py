"""``zhenggai --help`` and ``--version`` stay light: no pandas, openpyxl, pydantic or readers.

Each check runs in a fresh interpreter, so that nothing this test session imported
counts. Timing is measured by benchmarks/bench.py, never asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from builders import GOOD_ROWS, appendix1_rows, make_workbook

HEAVY = ("pandas", "openpyxl", "pydantic", "pydantic_core", "python_calamine", "xlsxwriter", "rjieba", "rapidfuzz",
         "multiprocessing")  # the last: the supervisor's boundary, which help never needs

# Runs ``app([...], standalone_mode=False)`` (and the console entry point ``main``) in-process,
# then reports which heavy modules are in sys.modules and what the command printed.
SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from zhenggai.cli.app import app, main

    how, flag = sys.argv[1], sys.argv[2]
    out = io.StringIO()
    code = None
    with contextlib.redirect_stdout(out):
        try:
            if how == "app":
                code = app([flag], standalone_mode=False)
            else:
                sys.argv = ["zhenggai", flag]
                main()
        except SystemExit as exc:
            code = exc.code
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
    print(json.dumps({{"heavy": heavy, "output": out.getvalue(), "code": code}}))
    """
).format(heavy=set(HEAVY))


def _run(how: str, flag: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, how, flag],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("how", ["app", "main"])
def test_help_imports_nothing_heavy(how: str) -> None:
    result = _run(how, "--help")
    assert "merge" in str(result["output"])  # the help really ran
    assert result["code"] in (0, None)
    assert result["heavy"] == []


@pytest.mark.parametrize("how", ["app", "main"])
def test_version_imports_nothing_heavy(how: str) -> None:
    from zhenggai import __version__

    result = _run(how, "--version")
    assert __version__ in str(result["output"])
    assert result["code"] in (0, None)
    assert result["heavy"] == []


def test_bare_import_is_light() -> None:
    """``import zhenggai`` and ``zhenggai.cli.app`` alone load none of them either."""
    code = (
        "import json, sys, zhenggai, zhenggai.cli.app; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {set(HEAVY)!r})))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


# A validate run with JSON output, in process, then what it loaded: typer shows help and
# errors with rich (its rich_utils, ~0.1 s of imports); the Chinese for them is put in when
# rich_utils is imported (cli/i18n.py), so a run that shows neither never loads it.
RUN = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from zhenggai.cli import i18n
    from zhenggai.cli.app import main

    sys.argv = ["zhenggai", *sys.argv[1:]]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
    loaded = sorted(m for m in sys.modules if m.split(".")[0] == "rich" or m == "typer.rich_utils")
    import typer.rich_utils as ru  # now: the Chinese is put in as it is imported
    print(json.dumps({"code": code, "loaded": loaded, "files": len(json.loads(out.getvalue())["files"]),
                      "panel": ru.OPTIONS_PANEL_TITLE, "folding": type(ru.highlighter).__name__}))
    """
)


def test_a_json_run_loads_no_rich_and_rich_comes_in_chinese(tmp_path: Path) -> None:
    book = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    env = {**os.environ, "ZHENGGAI_ISOLATION": "off"}
    proc = subprocess.run([sys.executable, "-c", RUN, "validate", str(book), "--format", "json"],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["files"] == 1 and result["code"] in (0, 1)
    assert result["loaded"] == []
    assert result["panel"] == "选项" and result["folding"] == "Folding"


def test_validate_and_merge_run_where_there_is_no_fcntl(tmp_path: Path) -> None:
    # Windows has no fcntl (and no fork): intake/second_cpu.py imported it at the top, and every
    # validate and merge there stopped at the import. Simulated by hiding the module.
    book = make_workbook(tmp_path / "in" / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    script = textwrap.dedent("""
        import sys
        sys.modules["fcntl"] = None  # import fcntl now raises ImportError, as on Windows
        import zhenggai
        from zhenggai import MergeOptions, Options
        r = zhenggai.validate([sys.argv[1]], Options())
        m = zhenggai.merge([sys.argv[2]], MergeOptions(), sys.argv[3])
        print(len(r.report.files), len(m.rollup.counties))
    """)
    env = {**os.environ, "ZHENGGAI_ISOLATION": "off"}
    proc = subprocess.run([sys.executable, "-c", script, str(book), str(book.parent), str(tmp_path / "汇总.xlsx")],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1", "1"]


# cli/app.app_for: a run that names a command gets an app holding only that command (typer
# then builds no other command's options). Whatever it shows must be what the whole app
# shows: help, usage errors, a real run, a mistyped command.
ONLY = textwrap.dedent(
    """
    import sys
    import zhenggai.cli.app as cli

    if sys.argv[1] == "whole":
        cli.app_for = lambda argv: cli.app
    sys.argv = ["zhenggai", *sys.argv[2:]]
    cli.main()
    """
)


def test_an_app_with_only_the_named_command_shows_what_the_whole_app_shows(tmp_path: Path) -> None:
    book = str(make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)}))
    runs = [["validate", "--help"], ["merge", "--help"], ["report", "--help"], ["validate"],
            ["validate", book, "--format", "yaml"], ["validate", book, "--no-such-option"],
            ["validate", book, "--as-of", "2022-07-15"], ["validate", book, "--as-of", "2022-07-15", "--format",
                                                           "json"],
            ["diff", book], ["valdate", book], ["--version"]]
    env = {**os.environ, "COLUMNS": "100"}
    for args in runs:
        seen = [subprocess.run([sys.executable, "-c", ONLY, how, *args], capture_output=True, text=True,
                               timeout=120, env=env, check=False) for how in ("whole", "only")]
        whole, only = ((p.returncode, p.stdout, p.stderr) for p in seen)
        assert only == whole, args
        assert "Traceback" not in whole[2], args
