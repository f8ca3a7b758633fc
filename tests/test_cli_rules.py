"""Command-line rules (#17): output folders, --expect spelling, --problems that is no list, Ctrl-C."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from builders import GOOD_ROWS, appendix1_rows, appendix2_rows, make_workbook
from zhenggai.cli.app import app

AS_OF = ["--as-of", "2022-07-15"]


def _county(folder: Path, name: str) -> None:
    make_workbook(folder / f"{name}.xlsx", {"附件1": appendix1_rows(GOOD_ROWS, county=name),
                                           "附件2": appendix2_rows([name, 2, 1, 1, 30, 0, 4, 3, 0, 5, 12, 2, None],
                                                                   county=name)})


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "收件"
    for name in ("谷城县", "老河口市"):
        _county(folder, name)
    return folder


# --- output folders: never created silently ---------------------------------------------------


@pytest.mark.parametrize("command", [
    ["merge", "{inbox}", "-o", "{tmp}/没有/这个/文件夹/汇总.xlsx"],
    ["diff", "{inbox}/谷城县.xlsx", "{inbox}/谷城县.xlsx", "-o", "{tmp}/没有/进展对比.xlsx"],
    ["validate", "{inbox}", "--annotate", "{tmp}/没有/标注"],
    ["init-county", "-c", "谷城县", "-o", "{tmp}/没有/下发"],
])
def test_a_missing_output_folder_is_a_usage_error(runner: CliRunner, inbox: Path, tmp_path: Path,
                                                  command: list[str]) -> None:
    args = [a.format(inbox=inbox, tmp=tmp_path) for a in command]
    res = runner.invoke(app, [*args, *([] if command[0] == "init-county" else AS_OF)])
    assert res.exit_code == 2, res.output
    assert "不存在" in res.stderr and "请先建好它" in res.stderr
    assert not (tmp_path / "没有").exists()
    assert res.stdout == ""


def test_an_output_folder_inside_an_existing_one_is_created(runner: CliRunner, inbox: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["init-county", "-c", "谷城县", "-o", str(tmp_path / "下发")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "下发").glob("谷城县-附件*.xlsx"))) == 2


# --- --expect: exact after normalising, near names only suggested --------------------------


def _statuses(res: Any) -> dict[str, str]:
    return {c["county"]: c["status_label"] for c in json.loads(res.stdout)["counties"]}


@pytest.mark.parametrize(("expect", "near"), [("谷城县,老河口", "老河口市"), ("谷城县,老河口市区", "老河口市"),
                                              ("谷城,老河口市", "谷城县")])
def test_expect_never_completes_a_name(runner: CliRunner, inbox: Path, tmp_path: Path, expect: str,
                                       near: str) -> None:
    out = tmp_path / "汇总.xlsx"
    res = runner.invoke(app, ["merge", str(inbox), "-o", str(out), "--expect", expect, "--format", "json", *AS_OF])
    assert res.exit_code == 1, res.output
    written = expect.split(",")
    wrong = next(n for n in written if n not in ("谷城县", "老河口市"))
    statuses = _statuses(res)
    assert statuses[wrong] == "未报送"
    assert statuses[near] == "已报送"  # printed under its own name, not the --expect spelling
    assert f"--expect 中的“{wrong}”没有收到报送；收件中有“{near}”，是不是写错了？" in res.stderr


@pytest.mark.parametrize("expect", ["谷城县, 老河口市", "谷城县，老河 口市", "谷城县、老河口市\u3000",
                                    " 谷 城 县 ;老河口市"])
def test_expect_matches_after_spaces_and_width_are_normalised(runner: CliRunner, inbox: Path, tmp_path: Path,
                                                             expect: str) -> None:
    out = tmp_path / "汇总.xlsx"
    res = runner.invoke(app, ["merge", str(inbox), "-o", str(out), "--expect", expect, "--format", "json", *AS_OF])
    assert res.exit_code == 0, res.output
    assert _statuses(res) == {"谷城县": "已报送", "老河口市": "已报送"}
    assert "是不是写错了" not in res.stderr


# --- --problems that is not a feedback list ------------------------------------------------------


def test_a_county_reply_given_as_problems_stops(runner: CliRunner, inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    for command in (["merge", str(inbox), "-o", str(out)], ["validate", str(inbox)]):
        res = runner.invoke(app, [*command, "--problems", str(inbox / "谷城县.xlsx"), *AS_OF])
        assert res.exit_code == 2, res.output
        assert "不是省厅下发的反馈问题清单" in res.stderr
        assert res.stdout == ""
    assert not out.exists()


def test_an_empty_workbook_given_as_problems_stops(runner: CliRunner, inbox: Path, tmp_path: Path) -> None:
    empty = make_workbook(tmp_path / "清单.xlsx", {"Sheet1": [["说明"]]})
    res = runner.invoke(app, ["merge", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--problems", str(empty),
                              *AS_OF])
    assert res.exit_code == 2, res.output
    assert "反馈问题清单无法使用" in res.stderr or "没有找到反馈问题" in res.stderr


# --- Ctrl-C: one line, exit 130, no partial output -----------------------------------------------


def test_ctrl_c_in_process(runner: CliRunner, inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zhenggai.api as api

    def interrupted(*_a: Any, **_k: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "merge", interrupted)
    res = runner.invoke(app, ["merge", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), *AS_OF])
    assert res.exit_code == 130
    assert res.stderr == "已中断，未生成汇总表。\n"
    assert res.stdout == ""


# A real SIGINT, delivered while the rollup is being written (the temporary file exists).
_INTERRUPT = textwrap.dedent("""
    import os, signal, sys
    import zhenggai.outputs.xlsx as xlsx
    real = xlsx.new_workbook
    def new_workbook(path, *a, **k):
        os.kill(os.getpid(), signal.SIGINT)
        return real(path, *a, **k)
    xlsx.new_workbook = new_workbook
    from zhenggai.cli.app import main
    sys.argv = ["zhenggai", *sys.argv[1:]]
    main()
""")


@pytest.mark.parametrize("command", ["merge", "diff"])
def test_ctrl_c_leaves_one_line_and_no_file(inbox: Path, tmp_path: Path, command: str) -> None:
    out = tmp_path / "结果"
    out.mkdir()
    args = (["merge", str(inbox), "-o", str(out / "汇总.xlsx"), *AS_OF] if command == "merge" else
            ["diff", str(inbox / "谷城县.xlsx"), str(inbox / "谷城县.xlsx"), "-o", str(out / "进展对比.xlsx")])
    p = subprocess.run([sys.executable, "-c", _INTERRUPT, *args], capture_output=True, text=True, timeout=300,
                       check=False, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert p.returncode == 130, p.stderr
    word = "汇总表" if command == "merge" else "进展对比"
    assert p.stderr == f"已中断，未生成{word}。\n"
    assert list(out.iterdir()) == []  # no rollup, no temporary file
    if command == "merge":
        assert p.stdout == ""
