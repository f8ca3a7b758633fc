"""zhenggai validate on the command line: exit codes, stdout vs stderr, JSON, --annotate, no tracebacks."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import zhenggai
from builders import (
    FINDINGS_SHEET,
    GOOD_A2,
    GOOD_ROWS,
    appendix1_rows,
    appendix2_rows,
    make_workbook,
    make_zip,
    messy_workbook,
)
from programs import run_zhenggai, soffice_convert
from zhenggai import Options
from zhenggai.cli.app import app

AS_OF = ["--as-of", "2022-09-01"]
FILE_KEYS = {"path", "county", "tables", "findings"}
TABLE_KEYS = {"kind", "sheet", "rows"}
FINDING_KEYS = {"code", "severity", "sheet", "cell", "row", "field", "value", "message"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    sheets = {"附件1": appendix1_rows(GOOD_ROWS), "附件2": appendix2_rows(GOOD_A2)}
    return make_workbook(tmp_path / "谷城县.xlsx", sheets)


@pytest.fixture
def pledge(tmp_path: Path) -> Path:
    """Only a warning: a measure that quantifies nothing."""
    rows = [list(GOOD_ROWS[0]), list(GOOD_ROWS[1])]
    rows[0][2] = "高度重视，认真落实"
    return make_workbook(tmp_path / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows)})


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    return messy_workbook(tmp_path / "收件" / "谷城县报送.xlsx")


def test_no_findings_exit_0(runner: CliRunner, good: Path) -> None:
    res = runner.invoke(app, ["validate", str(good), *AS_OF])
    assert res.exit_code == 0, res.output
    assert "谷城县：附件1 2 行，附件2 1 行；0 个错误，0 个警告" in res.stdout
    assert "共 1 个文件：0 个错误，0 个警告" in res.stdout
    assert res.stderr == ""  # no progress bar when stderr is not a terminal
    assert "\x1b[" not in res.stdout  # colour only on a terminal


def test_warnings_exit_0_unless_strict(runner: CliRunner, pledge: Path) -> None:
    res = runner.invoke(app, ["validate", str(pledge), *AS_OF])
    assert res.exit_code == 0
    assert "整改措施只有表态" in res.stdout
    strict = runner.invoke(app, ["validate", str(pledge), *AS_OF, "--strict"])
    assert strict.exit_code == 1


def test_errors_exit_1_and_text_lists_errors_first(runner: CliRunner, messy: Path) -> None:
    res = runner.invoke(app, ["validate", str(messy), *AS_OF])
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    labels = [line.split()[0] for line in lines if line.split() and line.split()[0] in ("错误", "警告", "提示")]
    assert labels == sorted(labels, key=["错误", "警告", "提示"].index)
    assert labels.count("错误") == 5 and labels.count("警告") == 3  # 2: measure-figure-mismatch
    row = next(line for line in lines if "整改清单!E9" in line)
    assert "完成时限" in row and "长期坚持" in row and "不是日期" in row
    assert "谷城县：附件1 5 行，附件2 1 行；5 个错误，3 个警告" in res.stdout


def test_json_is_the_library_report(runner: CliRunner, messy: Path, tmp_path: Path) -> None:
    other = make_workbook(tmp_path / "保康县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS, county="保康县")})
    res = runner.invoke(app, ["validate", str(messy), str(other), *AS_OF, "--format", "json"])
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    report = zhenggai.validate([messy, other], Options(as_of=date(2022, 9, 1))).report
    assert data == json.loads(json.dumps(report.to_dict(), default=str))
    assert set(data) == {"files", "errors", "warnings"}
    assert (data["errors"], data["warnings"]) == (5, 3)
    assert [(f["path"], f["county"]) for f in data["files"]] == [(str(other), "保康县"), (str(messy), "谷城县")]
    for f in data["files"]:
        assert set(f) == FILE_KEYS
        for t in f["tables"]:
            assert set(t) == TABLE_KEYS and t["kind"] in ("appendix1", "appendix2")
        for finding in f["findings"]:
            assert set(finding) == FINDING_KEYS
            assert finding["severity"] in ("error", "warning", "info")
    first = data["files"][1]
    assert first["tables"] == [{"kind": "appendix1", "sheet": "整改清单", "rows": 5},
                               {"kind": "appendix2", "sheet": "Sheet2", "rows": 1}]
    e9 = next(x for x in first["findings"] if x["cell"] == "E9")
    assert e9 == {"code": "date-invalid", "severity": "error", "sheet": "整改清单", "cell": "E9", "row": 9,
                  "field": "完成时限", "value": "长期坚持",
                  "message": "「完成时限」“长期坚持”不是日期，请填写具体日期，如 2022-12-31"}


def test_json_file_level_finding_has_null_cell(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "坏.xlsx").write_bytes(b"")
    res = runner.invoke(app, ["validate", str(tmp_path / "坏.xlsx"), "--format", "json"])
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    message = "无法读取此文件：文件是空的（0 字节）。请用 Excel 或 WPS 打开确认后另存为 .xlsx 再提交"
    assert data["files"] == [{"path": str(tmp_path / "坏.xlsx"), "county": None, "tables": [], "findings": [
        {"code": "file-unreadable", "severity": "error", "sheet": None, "cell": None, "row": None, "field": None,
         "value": None, "message": message}]}]


@pytest.mark.parametrize(("args", "message"), [
    (["validate", "不存在.xlsx"], "找不到文件或文件夹"),
    (["validate", "{good}", "--format", "xml"], "--format 只能是 text 或 json"),
    (["validate", "{good}", "--deadline", "明年"], "--deadline 的值“明年”不是日期"),
    (["validate", "{good}", "--as-of", "2022-13-45"], "--as-of 的值“2022-13-45”不是日期"),
])
def test_usage_errors_exit_2_with_one_chinese_line(runner: CliRunner, good: Path, args: list[str],
                                                    message: str) -> None:
    res = runner.invoke(app, [a.replace("{good}", str(good)) for a in args])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert message in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_folder_without_any_workbook_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    # Exit 0 with "共 0 个文件" would tell a clerk who named the wrong folder that all is well.
    (tmp_path / "说明.txt").write_text("x", encoding="utf-8")
    res = runner.invoke(app, ["validate", str(tmp_path)])
    assert res.exit_code == 2
    assert "没有找到 Excel 工作簿" in res.stderr and res.stdout == ""


def test_deadline_and_as_of_accept_chinese_dates(runner: CliRunner, tmp_path: Path) -> None:
    rows = [list(GOOD_ROWS[0]), [*GOOD_ROWS[1][:4], "2023-03-31", *GOOD_ROWS[1][5:]]]
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    assert runner.invoke(app, ["validate", str(path), *AS_OF]).exit_code == 1  # deadline-too-late
    res = runner.invoke(app, ["validate", str(path), "--deadline", "2023年6月底", "--as-of", "2022年9月1日"])
    assert res.exit_code == 0, res.stdout


def test_clerks_brackets_are_printed_not_taken_as_markup(runner: CliRunner, tmp_path: Path) -> None:
    # rich reads "[/]" in a plain string as a closing tag and raised MarkupError.
    rows = [[*GOOD_ROWS[0][:3], "[/]", *GOOD_ROWS[0][4:]], [*GOOD_ROWS[1][:3], "[red]否", *GOOD_ROWS[1][4:]]]
    path = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(rows)})
    res = runner.invoke(app, ["validate", str(path), *AS_OF])
    assert res.exit_code == 1, res.output
    assert "现为“[/]”" in res.stdout and "现为“[red]否”" in res.stdout


def test_annotate_writes_marked_copies_and_leaves_inputs_alone(runner: CliRunner, messy: Path, good: Path,
                                                               tmp_path: Path) -> None:
    before = {p: sha256(p) for p in (messy, good)}
    out = tmp_path / "标注"
    res = runner.invoke(app, ["validate", str(messy), str(good), *AS_OF, "--annotate", str(out)])
    assert res.exit_code == 1
    assert {p: sha256(p) for p in (messy, good)} == before
    assert sorted(p.name for p in out.iterdir()) == ["谷城县-校验标注.xlsx", "谷城县报送-校验标注.xlsx"]
    assert "已生成标注副本" in res.stderr and "已生成标注副本" not in res.stdout
    wb = openpyxl.load_workbook(out / "谷城县报送-校验标注.xlsx")
    a1 = wb["整改清单"]
    assert a1["E9"].fill.start_color.rgb[-6:] == "FFC7CE"  # red
    assert a1["C8"].fill.start_color.rgb[-6:] == "FFEB9C"  # yellow
    assert a1["E9"].comment is not None and "不是日期" in a1["E9"].comment.text
    assert wb.sheetnames[-1] == FINDINGS_SHEET and wb.active.title == "整改清单"  # type: ignore[union-attr]


def test_annotate_into_an_existing_file_is_a_usage_error(runner: CliRunner, good: Path) -> None:
    res = runner.invoke(app, ["validate", str(good), "--annotate", str(good)])
    assert res.exit_code == 2


@pytest.mark.libreoffice
def test_annotate_xls_gives_xlsx(runner: CliRunner, messy: Path, tmp_path: Path) -> None:
    xls = soffice_convert([messy], "xls", tmp_path / "xls")[0]
    before = sha256(xls)
    res = runner.invoke(app, ["validate", str(xls), *AS_OF, "--annotate", str(tmp_path / "out")])
    assert res.exit_code == 1
    assert sha256(xls) == before
    copy = tmp_path / "out" / "谷城县报送-校验标注.xlsx"
    wb = openpyxl.load_workbook(copy)
    assert wb["整改清单"]["E9"].value == "长期坚持"
    assert [p.name for p in (tmp_path / "out").iterdir()] == [copy.name]


# --- the real console entry point -----------------------------------------------------------------


def test_subprocess_json_and_exit_codes(messy: Path, good: Path) -> None:
    proc = run_zhenggai("validate", str(messy), *AS_OF, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    report = zhenggai.validate([messy], Options(as_of=date(2022, 9, 1))).report
    assert json.loads(proc.stdout) == json.loads(json.dumps(report.to_dict(), default=str))
    ok = run_zhenggai("validate", str(good), *AS_OF)
    assert ok.returncode == 0 and "0 个错误" in ok.stdout and ok.stderr == ""


def test_subprocess_ends_at_once_yet_leaves_no_extracted_members(messy: Path, tmp_path: Path) -> None:
    # A supervised run ends with os._exit once its output is written (cli/app.finish): the
    # whole report is there, the exit code too, and the members of a .zip are removed.
    temp = tmp_path / "temp"
    temp.mkdir()
    inbox = make_zip(tmp_path / "收件.zip", {"谷城县.xlsx": messy})
    env = {**os.environ, "TMPDIR": str(temp)}
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in env["PYTHONPATH"].split(os.pathsep))
    proc = subprocess.run([sys.executable, "-m", "zhenggai", "validate", str(inbox), *AS_OF, "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr
    assert [f["path"] for f in json.loads(proc.stdout)["files"]] == [f"{inbox} › 谷城县.xlsx"]
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["validate", "/不存在/谷城县.xlsx"],
    ["validate", "{good}", "--format", "yaml"],
    ["validate", "{good}", "--deadline", "abc"],
    ["validate", "{good}", "--no-such-option"],
    ["validate"],
])
def test_subprocess_usage_errors(good: Path, args: list[str]) -> None:
    proc = run_zhenggai(*[a.replace("{good}", str(good)) for a in args])
    assert proc.returncode == 2
    assert proc.stdout == "" or args == ["validate"]  # bare "validate" prints its help
    assert "Traceback" not in proc.stderr + proc.stdout


def test_subprocess_never_shows_a_traceback_on_bad_files(tmp_path: Path, good: Path) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "空.xlsx").write_bytes(b"")
    (inbox / "文本.xlsx").write_text("县名,问题", encoding="utf-8")
    (inbox / "截断.xlsx").write_bytes(good.read_bytes()[:900])
    (inbox / "加密.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"))
    (inbox / "~$锁定.xlsx").write_bytes(b"x")
    make_workbook(inbox / "名单.xlsx", {"Sheet1": [["姓名"], ["张三"]]})
    proc = run_zhenggai("validate", str(inbox), "--annotate", str(tmp_path / "标注"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    for name, text in (("空.xlsx", "文件是空的"), ("文本.xlsx", "不是 Excel"), ("截断.xlsx", "损坏"),
                       ("加密.xlsx", "密码"), ("名单.xlsx", "没有找到附件1")):
        assert name in proc.stdout and text in proc.stdout, name
    assert not (tmp_path / "标注").exists() or list((tmp_path / "标注").iterdir()) == []
