"""Chinese line breaking (禁则) in the terminal and in help; no padding when not a terminal."""

from __future__ import annotations

import io
import os
import re
import string
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from zhenggai.cli.app import app
from zhenggai.cli.wrap import BreakingConsole, BreakingText, wrap_lines
from zhenggai.core.findings import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NO_START = "。，、；：？！）】」』”"
NO_END = "（【「『“"

# What clerks and the tool put into messages: quotes, units, A1 cells, dates, long runs.
VALUES = ["追回企业资金（万元）", "是", "否", "“是”或“否”", "12.5万元", "30万元", "E9", "第 12 行", "12", "2022-12-31",
          "长期坚持", "谷城县", "县财政安排30万元购买服务，恢复运营，新增运营人员4人", "优化培训课程8个、新建站点3个",
          "附件1", "新建改造站点（个）", "examples/襄阳市收件/谷城县-附件1.xlsx", "80%"]


def _fill(template: str, values: list[str]) -> str:
    names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
    return template.format_map({n: values[i % len(values)] for i, n in enumerate(names)})


def _rendered(text: str, width: int) -> list[str]:
    """``text`` as the terminal shows it: printed through rich at ``width`` columns."""
    out = io.StringIO()
    BreakingConsole(file=out, width=width, color_system=None, highlight=False).print(BreakingText(text))
    return out.getvalue().splitlines()


def _check_lines(lines: list[str], text: str, width: int) -> None:
    for i, line in enumerate(lines):
        assert cell_len(line) <= width, (width, line)
        if i:
            assert line[:1] not in NO_START, (width, lines)
        if i < len(lines) - 1:
            assert line.rstrip()[-1:] not in NO_END, (width, lines)
            nxt = lines[i + 1]
            # a number keeps its unit, an A1 cell / 第 n its 行 or 列
            assert not (re.search(r"\d\s?$", line) and re.match(r"[万元个行列%]", nxt)), (width, lines)
            assert not (line.endswith("第") and nxt[:1].isdigit()), (width, lines)
    assert "".join(x.strip() for x in lines).replace(" ", "") == text.replace(" ", "")  # nothing lost


@settings(max_examples=150)
@given(code=st.sampled_from(sorted(CATALOGUE)), width=st.integers(40, 120),
       values=st.lists(st.sampled_from(VALUES), min_size=1, max_size=6))
def test_every_catalogue_message_breaks_by_the_rules(code: str, width: int, values: list[str]) -> None:
    message = _fill(CATALOGUE[code].template, values)
    _check_lines(_rendered(message, width), message, width)
    _check_lines(wrap_lines(message, width), message, width)


def test_the_cases_from_the_issue() -> None:
    lines = _rendered("「追回企业资金（万元）」填了“约30万”，请改为“是”或“否”，第 12 行", 20)
    assert lines == ["「追回企业资金", "（万元）」填了", "“约30万”，请改为“是”", "或“否”，第 12 行"]
    for width in range(10, 30):
        lines = _rendered("淘汰和新建改造多少站点、快递新覆盖多少村、优化多少培训课程。", width)
        assert not any(x.startswith(("、", "。")) for x in lines), lines


def test_a_path_with_chinese_names_is_not_broken_inside_a_name() -> None:
    """A path the clerk copies from the terminal must still open: it moves to a line of its
    own; when it is wider than the window it folds after a folder, never inside a name."""
    path = "/home/张三/桌面/一个很长的文件夹名字用来测试换行/襄阳市汇总表.xlsx"
    text = f"还有 2 个问题未显示：完整清单见汇总表 {path} 的“校验问题”工作表"
    width = cell_len(path) + 4
    lines = _rendered(text, width)
    assert any(x.split(" ")[0] == path for x in lines), lines
    _check_lines(lines, text, width)
    folded = _rendered(text, 30)
    assert "".join(folded).replace(" ", "").count(path.replace(" ", "")) == 1
    pieces = [x for x in folded if "/" in x or x.endswith(".xlsx")]
    assert all(x.endswith("/") or x.endswith(".xlsx") for x in pieces[:-1]), folded
    # prose with a slash still breaks like prose
    assert wrap_lines("已完成12/19个问题，附件1/附件2均已收到，请核对后报送", 12)[0] != "已完成12/19个问题，"


def test_a_note_in_a_log_stays_one_line(tmp_path: Path) -> None:
    out = tmp_path / "一个很长的文件夹名字用来测试换行的情况一个很长的文件夹名字"
    out.mkdir()
    p = subprocess.run([sys.executable, "-m", "zhenggai", "merge", str(EXAMPLES / "襄阳市收件"), "-o",
                        str(out / "襄阳市汇总表很长很长的名字.xlsx"), "--as-of", "2022-07-15"],
                       capture_output=True, text=True, timeout=300, check=False,
                       env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    assert p.returncode == 1, p.stderr
    done = [x for x in p.stderr.splitlines() if x.startswith("已生成汇总表")]
    assert done == [f"已生成汇总表 {out / '襄阳市汇总表很长很长的名字.xlsx'}"], p.stderr


def test_an_example_command_is_never_broken_inside_an_argument() -> None:
    cmd = "    zhenggai merge 收件/ -o 襄阳市汇总.xlsx --prefecture 襄阳市 --expect 枣阳市,保康县,谷城县,老河口市"
    for width in range(40, 121):
        lines = _rendered(cmd, width)
        assert " ".join(x.strip() for x in lines) == cmd.strip(), width
        if width >= 8 + cell_len("--expect 枣阳市,保康县,谷城县,老河口市"):  # fits on a continuation line
            assert "--expect 枣阳市,保康县,谷城县,老河口市" in "\n".join(lines)  # an option keeps its value
        if cell_len(cmd) <= width:
            assert lines == [cmd]


def _help(*args: str, columns: int = 80) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "TERMINAL_WIDTH": str(columns)}
    p = subprocess.run([sys.executable, "-m", "zhenggai", *args, "--help"], capture_output=True, text=True, env=env,
                       timeout=120, check=False)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_help_at_80_columns_keeps_examples_whole_and_breaks_by_the_rules() -> None:
    for command in app.registered_commands:
        assert command.name is not None and command.callback is not None
        text = _help(command.name)
        examples = [x.strip() for x in (command.callback.__doc__ or "").splitlines()
                    if x.strip().startswith("zhenggai ")]
        assert examples
        shown = [x.strip() for x in text.splitlines()]
        for example in examples:
            assert example in shown, (command.name, example)
        for line in text.splitlines():
            body = line.strip(" │╭╮╰╯─")
            assert cell_len(line) <= 80, line
            assert not (body and body[0] in NO_START), (command.name, line)
            assert not (body and body[-1] in NO_END), (command.name, line)


def test_redirected_output_has_no_padding(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "zhenggai", "merge", str(EXAMPLES / "襄阳市收件"), "-o",
                        str(tmp_path / "汇总.xlsx"), "--as-of", "2022-07-15", "-p", "襄阳市"],
                       capture_output=True, text=True, timeout=300, check=False,
                       env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    assert p.returncode == 1, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) > 8
    assert [x for x in lines if x != x.rstrip()] == []
    assert [x for x in p.stderr.splitlines() if x != x.rstrip()] == []


def test_rounds_table_at_80_columns_drops_columns_not_headers() -> None:
    for columns in (80, 60, 40):
        env = {**os.environ, "COLUMNS": str(columns)}
        p = subprocess.run([sys.executable, "-m", "zhenggai", "diff", str(EXAMPLES / "襄阳市汇总.xlsx"),
                            str(EXAMPLES / "襄阳市汇总-第二轮.xlsx")], capture_output=True, text=True, env=env,
                           timeout=300, check=False)
        assert p.returncode == 1, p.stderr
        assert "…" not in p.stdout
        lines = p.stdout.splitlines()
        header = next(x for x in lines if x.startswith("县（市、区）"))
        heads = header.split()
        assert heads[:3] == ["县（市、区）", "完成率", "新完成"], columns
        assert all(cell_len(x) <= columns for x in lines), columns
        for name in ("重开", "缺失", "推迟", "未更新", "新增", "指标减"):
            assert name in heads or name in p.stdout.split("未显示：", 1)[-1], (columns, name)
        assert next(x for x in lines if x.startswith("老河口市")).startswith("老河口市（本次未报送）")


def test_on_a_terminal_the_progress_bar_stays_on_one_line(tmp_path: Path) -> None:
    """On a real (pseudo-)terminal: the bar redraws in place, then the table; Ctrl-C-free run."""
    import pty
    import select

    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "80", "LINES": "50", "TERM": "xterm"}
    p = subprocess.Popen([sys.executable, "-m", "zhenggai", "merge", str(EXAMPLES / "襄阳市收件"), "-o",
                          str(tmp_path / "汇总.xlsx"), "--as-of", "2022-07-15"],
                         stdin=child, stdout=child, stderr=child, env=env, close_fds=True)
    os.close(child)
    out = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    p.kill() if p.poll() is None else None
    assert p.wait(timeout=60) == 1
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode("utf-8", "replace"))
    assert "汇总情况" in text and "合计：" in text
    assert text.count("正在读取") < 50  # redrawn in place, not printed line after line
    assert max(cell_len(x) for x in text.splitlines()) <= 80
