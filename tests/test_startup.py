"""``zhenggai --help`` and ``--version`` stay light: no pandas, openpyxl, pydantic or readers.

Each check runs in a fresh interpreter, so that nothing this test session imported
counts. Timing is measured by benchmarks/bench.py, never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

HEAVY = ("pandas", "openpyxl", "pydantic", "pydantic_core", "python_calamine", "xlsxwriter", "rjieba", "rapidfuzz")

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
