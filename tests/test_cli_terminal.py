"""The terminal a clerk reads: Chinese and whole, 80 columns, GBK consoles, never a flood."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from rich.cells import cell_len

from builders import HEADER_ROW, appendix1_rows, appendix2_rows, make_workbook


def run(*args: str, cwd: Path | None = None, columns: int = 80, encoding: str = "utf-8") -> tuple[int, str, str]:
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONIOENCODING": encoding}
    env.pop("FORCE_COLOR", None)
    p = subprocess.run([sys.executable, "-m", "zhenggai", *args], capture_output=True, cwd=cwd, env=env,
                       timeout=300, check=False)
    return p.returncode, p.stdout.decode(encoding), p.stderr.decode(encoding)


def county(folder: Path, name: str, *, bad: int = 0, measure: str = "投入5万元，新建站点2个") -> None:
    rows = [[i + 1, f"{name}问题{i + 1}", measure, "是" if i >= bad else "也许", "2022-06-30", "张三",
             f"{name}商务局"] for i in range(3)]
    make_workbook(folder / f"{name}-附件1.xlsx", {"附件1": appendix1_rows(rows, county=name)})
    make_workbook(folder / f"{name}-附件2.xlsx",
                  {"附件2": appendix2_rows([name, 3, 3 - bad, 0, 1, 0, 0, 0, 0, 0, 0, 0, None], county=name)})


def english(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """English words left after removing what is meant to be Latin (options, file names, codes)."""
    text = re.sub(r"--?[a-zA-Z][a-z-]*|\S+\.(?:xlsx|xls|toml|txt|md)\b|zhenggai|json|text|TOML|README|A4"
                  r"|python|init-county|validate|merge|diff|serve|report", "", text)
    for a in allowed:
        text = text.replace(a, "")
    return re.findall(r"[A-Za-z]{2,}", text)


# --- usage errors: Chinese and whole -------------------------------------------------------

USAGE = [
    (["merge", "收件", "--out", "x.xlsx"], ["没有这个选项：--out", "是不是 --output"]),
    (["merge", "收件"], ["缺少选项 --output（-o）"]),
    (["merge", "收件", "-o", "汇总/"], ["--output（-o）的值不对", "“汇总/”是文件夹"]),
    (["merge", "收件", "-o", "x.xlsx", "--strict=3"], ["选项 --strict 不带值"]),
    (["merge"], ["缺少参数 收件文件夹"]),
    (["validate"], ["缺少参数 文件或文件夹"]),
    (["mrege"], ["没有这个命令：mrege", "是不是 merge"]),
    (["frob"], ["没有这个命令：frob", "可用的命令"]),
    (["init-county", "-o"], ["选项 -o 后面需要一个值"]),
    (["merge", "收件", "-o", "x.xlsx", "--format", "xml"], ["--format 只能是 text 或 json"]),
    (["validate", "收件", "--indicators", "bad.toml"], ["格式不对", "type（类型）只能是 amount（金额）或 count（个数）",
                                                       "设置 foo 不认识"]),
    (["merge", "收件", "-o", "x.xlsx", "--config", "没有.toml"], ["找不到配置文件：没有.toml"]),
]


@pytest.mark.parametrize(("args", "says"), USAGE, ids=[" ".join(a) for a, _ in USAGE])
def test_every_usage_error_is_chinese_and_whole(tmp_path: Path, args: list[str], says: list[str]) -> None:
    (tmp_path / "收件").mkdir()
    (tmp_path / "汇总").mkdir()
    (tmp_path / "bad.toml").write_text('[[indicator]]\nkey = "x"\nheader = "a"\nunit = "个"\ntype = "weight"\n'
                                       "foo = 1\n", encoding="utf-8")
    code, _, err = run(*args, cwd=tmp_path)
    assert code == 2, err
    for s in says:
        assert s in err, err
    # What the clerk typed is echoed (“frob”, xml), TOML keys are what they must write, and
    # the command names are what they type.
    # (measure_units before unit: the longer keys go first.)
    echoed = (*args, "foo", "measure_verbs", "measure_objects", "measure_units",
              "key", "header", "unit", "type", "aliases", "cumulative", "plausible", "indicator",
              "amount", "count", "validate", "merge", "init-county", "diff", "serve", "report")
    assert not english(err, allowed=echoed), err
    assert "'" not in err and "用法错误：\n" not in err and not err.startswith("用法错误：\n")


def test_the_bare_command_shows_help_without_an_empty_error_line(tmp_path: Path) -> None:
    _, out, err = run(cwd=tmp_path)
    assert "zhenggai [选项] 命令 [参数]" in out + err
    assert not any(line.strip() == "用法错误：" for line in err.splitlines())


@pytest.mark.parametrize("command", [[], ["init-county"], ["validate"], ["merge"], ["diff"], ["report"]])
def test_help_is_chinese_and_fits_80_columns(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    for bad in ("<bool>", "<str>", "<path>", "[OPTIONS]", "COMMAND [ARGS]", "list[Path]", "…│", "… │"):
        assert bad not in out, (bad, out)
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    assert not english(out, allowed=("validate", "merge", "init-county", "diff", "serve", "report", "xlsx", "xls",
                                     "docx",
                                     "amount", "count", "text", "UTF", "bash", "zsh", "fish", "PowerShell")), out


# --- merge: a screenful, errors first, where the rest is ---------------------------------------


def test_merge_shows_a_screenful_and_says_where_the_rest_is(tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    names = [f"{a}{b}县" for a in "甲乙丙丁戊己庚辛壬癸" for b in "东西南北"]
    for i, name in enumerate(names):
        county(inbox, name, bad=2 if i % 3 == 0 else 0)
    out_file = tmp_path / "汇总.xlsx"
    code, out, _ = run("merge", str(inbox), "-o", str(out_file), "--as-of", "2022-07-01")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) <= 40, out
    assert all(cell_len(line) <= 80 for line in lines), out
    assert "另有" in out and "--all" in out
    assert "还有" in out and "“校验问题”工作表" in out and "--format json" in out
    # Errors come before warnings, and counties with errors before the rest.
    first = next(i for i, line in enumerate(lines) if line.startswith(("错误", "警告")))
    assert lines[first].startswith("错误")
    assert "合计：40 个县（市、区）" in out
    code, everything, _ = run("merge", str(inbox), "-o", str(out_file), "--as-of", "2022-07-01", "--force", "--all")
    assert code == 1 and "还有" not in everything and "另有" not in everything
    assert len(everything.splitlines()) > len(lines)
    ws = openpyxl.load_workbook(out_file)["校验问题"]
    listed = sum(1 for r in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True) if r[4] in ("错误", "警告"))
    assert listed >= 14 * 2  # every problem is in the workbook, whatever the terminal shows


def test_80_columns_drop_columns_before_truncating(tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    county(inbox, "长阳土家族自治县", bad=1)
    county(inbox, "谷城县")
    code, out, _ = run("merge", str(inbox), "-o", str(tmp_path / "x.xlsx"), "--as-of", "2022-07-01",
                       "--problems", str(tmp_path / "none.xlsx"), columns=60)
    assert code == 2  # the list does not exist: a usage-level error
    code, out, _ = run("merge", str(inbox), "-o", str(tmp_path / "x.xlsx"), "--as-of", "2022-07-01", columns=60)
    assert all(cell_len(line) <= 60 for line in out.splitlines()), out
    assert "长阳土家族自治县" in out.replace("\n", "") or "长阳土家族自" in out
    assert "…" not in out.split("需要处理的问题")[0]  # the county table is never cut with "…"
    assert "完成率" not in out.split("\n", 2)[1] or "未完成" not in out.split("\n", 2)[1]  # a column dropped


# --- GBK consoles and redirects --------------------------------------------------------------


def test_gbk_console_neither_crashes_nor_breaks_json(tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    county(inbox, "谷城县", bad=1, measure="高度重视 › 认真落实 ✅ 𠀀")  # › ✅ 𠀀: none exist in GBK
    county(inbox, "保康县")
    code, out, err = run("merge", str(inbox), "-o", str(tmp_path / "x.xlsx"), "--as-of", "2022-07-01",
                         encoding="gbk")
    assert code == 1, err
    assert "合计：2 个县（市、区）" in out and "已生成汇总表" in err
    code, out_json, err = run("merge", str(inbox), "-o", str(tmp_path / "y.xlsx"), "--as-of", "2022-07-01",
                              "--format", "JSON", encoding="gbk")
    assert code == 1, err
    data = json.loads(out_json)
    code, out_utf8, _ = run("merge", str(inbox), "-o", str(tmp_path / "z.xlsx"), "--as-of", "2022-07-01",
                            "--format", "json")
    assert data["counties"] == json.loads(out_utf8)["counties"]
    assert "\\u203a" in out_json  # escaped, as JSON allows
    values = [f["value"] for fr in data["files"] for f in fr["findings"] if f.get("value")]
    assert "高度重视 › 认真落实 ✅ 𠀀" in values, values  # the clerk's text, exact


# --- --expect near-miss, contact from a config file ---------------------------------------


def test_expect_near_miss_suggests_the_county(tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    county(inbox, "枣阳市")
    code, _, err = run("merge", str(inbox), "-o", str(tmp_path / "x.xlsx"), "--expect", "枣杨市",
                       "--as-of", "2022-07-01")
    assert code == 1
    assert "--expect 中的“枣杨市”没有收到报送；收件中有“枣阳市”，是不是写错了？" in err


def test_contact_line_from_options_and_from_the_config_file(tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    county(inbox, "谷城县")
    (tmp_path / "zhenggai.toml").write_text('prefecture = "襄阳市"\ncontact = "李四"\nphone = "0710-3256789"\n',
                                            encoding="utf-8")
    code, _, err = run("merge", "收件", "-o", "x.xlsx", "--as-of", "2022-07-01", cwd=tmp_path)
    assert code == 0, err
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["成果统计汇总"]
    lines = [str(r[0]) for r in ws.iter_rows(values_only=True) if str(r[0] or "").startswith("联系人")]
    assert lines == ["联系人：李四\u3000\u3000联系电话：0710-3256789"]
    assert "填报单位：襄阳市商务局（盖章）" in [ws.cell(r, 1).value for r in range(1, 6)]  # under the label and title
    code, _, _ = run("merge", "收件", "-o", "y.xlsx", "--as-of", "2022-07-01", "--contact", "王五", cwd=tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "y.xlsx")["汇总概览"]
    assert any(str(r[0] or "").startswith("联系人：王五") for r in ws.iter_rows(values_only=True))
    props = openpyxl.load_workbook(tmp_path / "y.xlsx").properties
    assert "zhenggai" in (props.description or "")  # the tool's name: in the file properties only
    (tmp_path / "zhenggai.toml").write_text('contact = "李四"\nemail = "x"\n', encoding="utf-8")
    code, _, err = run("merge", "收件", "-o", "z.xlsx", cwd=tmp_path)
    assert code == 2 and "不认识的设置：email" in err
    # A config file that is not TOML: where, in Chinese (on Python 3.11 the reader crashed
    # asking the parser's error for a line number it does not have).
    (tmp_path / "zhenggai.toml").write_text('contact = 李四\n', encoding="utf-8")
    code, _, err = run("merge", "收件", "-o", "z.xlsx", cwd=tmp_path)
    assert code == 2 and "配置文件 " in err and "的写法不对（第 1 行第 11 列附近）" in err
    assert "内部错误" not in err and "at line" not in err


def test_problems_file_that_is_a_form_says_what_it_is(tmp_path: Path) -> None:
    form = make_workbook(tmp_path / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(
        [[1, "中心停运", "投入5万元", "是", "2022-06-30", "张三", "县商务局"]], county="谷城县")})
    code, _, err = run("init-county", "--problems", str(form), "--all", "-o", str(tmp_path / "下发"))
    assert code == 2
    assert "这是附件1（示范县整改清单），不是省厅下发的反馈问题清单" in err
    assert not (tmp_path / "下发").exists()


def test_shell_completion_as_typer_documents_it() -> None:
    code, out, err = run("--show-completion", "bash")
    assert code == 0, err
    assert "zhenggai_completion" in out and "complete" in out
    code, out, _ = run("--help")
    assert "--install-completion" in out and "安装命令和选项的自动补全" in out


def test_validate_lists_a_screenful_of_a_long_sheet(tmp_path: Path) -> None:
    rows = [[i + 1, f"问题{i + 1}", "投入5万元", "也许", "2022-06-30", "张三", "县商务局"] for i in range(60)]
    book = make_workbook(tmp_path / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows)})
    code, out, _ = run("validate", str(book), "--as-of", "2022-07-01")
    assert code == 1
    assert "还有 20 个问题未显示" in out and "--annotate" in out and "--all" in out
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    assert "…" not in out
    code, everything, _ = run("validate", str(book), "--as-of", "2022-07-01", "--all")
    assert "未显示" not in everything and everything.count("「是否完成整改」") == 60


def test_gbk_console_province_merge_with_its_source_arrows(tmp_path: Path) -> None:
    # Province rows name their source as "襄阳市汇总.xlsx›谷城县-附件1.xlsx"; "›" is not in GBK,
    # and printing it crashed the province merge after its workbook was written.
    (tmp_path / "各市州").mkdir()
    for prefecture, names in (("襄阳市", ("谷城县", "保康县")), ("宜昌市", ("秭归县",))):
        inbox = tmp_path / prefecture
        for name in names:
            county(inbox, name, bad=1)
        code, _, err = run("merge", str(inbox), "-o", str(tmp_path / "各市州" / f"{prefecture}汇总.xlsx"),
                           "-p", prefecture, "--as-of", "2022-07-01", encoding="gbk")
        assert code == 1, err
    code, out, err = run("merge", str(tmp_path / "各市州"), "-o", str(tmp_path / "湖北省汇总.xlsx"), "-p", "湖北省",
                         "--as-of", "2022-07-01", "--all", encoding="gbk")
    assert code == 1, err
    assert "内部错误" not in err and "已生成汇总表" in err
    assert "合计：3 个县（市、区）" in out
