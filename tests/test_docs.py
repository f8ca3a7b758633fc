"""The README and the help texts tell the truth: every code, command and the quick start."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from zhenggai.cli.app import app
from zhenggai.core.findings import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = ["init-county", "validate", "merge", "diff", "serve", "report"]


def _code_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_every_finding_code_is_in_the_readme_table() -> None:
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (错误|警告|提示) \|", README, flags=re.M))
    assert set(rows) == set(CATALOGUE)
    for code, entry in CATALOGUE.items():
        assert rows[code] == entry.severity.label, code


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_chinese_help_and_a_readme_section(runner: CliRunner, command: str) -> None:
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0
    assert "示例" in res.stdout
    for english in ("Show this message", "Usage:", "Options", "Arguments", "[default"):
        assert english not in res.stdout
    assert f"### zhenggai {command}" in README


def test_top_level_help_is_chinese(runner: CliRunner) -> None:
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    assert "用法" in res.stdout and "命令" in res.stdout
    for command in COMMANDS:
        assert command in res.stdout


def test_readme_starts_with_the_two_commands() -> None:
    blocks = _code_blocks()
    assert "zhenggai merge examples/襄阳市收件/" in blocks[0]
    assert blocks[1].strip() == 'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && scripts/check'
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -q -e ".[test]"' in ci and "\nscripts/check" in ci


@pytest.mark.parametrize(("pip", "zhenggai", "ok"), [
    (0, 0, True), (0, 1, True),  # no errors; errors found in the example (expected)
    (1, 1, False), (1, 0, False),  # the install failed: the line fails, whatever follows
    (0, 2, False),  # zhenggai could not finish
])
def test_quick_start_fails_loudly(tmp_path: Path, pip: int, zhenggai: int, ok: bool) -> None:
    """The quick-start line, with its programs replaced by stubs, fails unless the install
    worked and ``zhenggai merge`` ended with 0 or 1 (errors in the example are expected)."""
    import subprocess

    line = _code_blocks()[0].strip()
    assert line.startswith("python3 -m venv .venv && .venv/bin/pip install . && ")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, code in (("pip", pip), ("zhenggai", zhenggai)):
        (bin_dir / name).write_text(f"#!/bin/sh\nexit {code}\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    stubbed = line.replace("python3 -m venv .venv", "true", 1)
    done = subprocess.run(["bash", "-c", stubbed], cwd=tmp_path, capture_output=True, timeout=60, check=False)
    assert (done.returncode == 0) == ok, (pip, zhenggai, done.returncode)


def test_ci_installs_every_program_and_reruns_under_a_chinese_temp_path() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for pkg in ("libreoffice-calc-nogui", "libreoffice-writer-nogui", "fonts-noto-cjk", "poppler-utils",
                "chromium"):
        assert pkg in ci, pkg
    second = ci.split("\nscripts/check\n", 1)[1]
    assert "--basetemp=" in second and "张三" in second
    for test in ("test_golden.py", "test_golden_formats.py", "test_web_browser.py", "test_render_pages.py"):
        assert test in second, test


def test_quick_start_reproduces_the_shipped_rollup(tmp_path: Path, runner: CliRunner) -> None:
    line = _code_blocks()[0].strip()
    merge_part = line.split(".venv/bin/zhenggai ", 1)[1].split(" || ", 1)[0]
    args = shlex.split(merge_part)
    out_index = args.index("-o") + 1
    args = [str(ROOT / a) if a.startswith("examples/") else a for a in args]
    args[out_index] = str(tmp_path / "襄阳市汇总.xlsx")
    res = runner.invoke(app, args)
    assert res.exit_code == 1, res.output  # the samples hold mistakes on purpose
    fresh = openpyxl.load_workbook(tmp_path / "襄阳市汇总.xlsx")
    shipped = openpyxl.load_workbook(ROOT / "examples" / "襄阳市汇总.xlsx")
    assert fresh.sheetnames == shipped.sheetnames
    for name in fresh.sheetnames:
        def cells(wb: openpyxl.Workbook, name: str = name) -> list[tuple[object, ...]]:
            rows = list(wb[name].iter_rows(values_only=True))
            # The generation date is in the file properties only; 来源文件 paths are
            # relative to where it ran.
            return [tuple(_strip_root(v) for v in r) for r in rows]

        assert cells(fresh) == cells(shipped), name


def _strip_root(value: object) -> object:
    if isinstance(value, str):
        return value.replace(str(ROOT) + "/", "")
    return value
