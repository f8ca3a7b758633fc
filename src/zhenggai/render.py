"""Rich rendering for cli.py: findings tables, summaries and progress bars.

Colour only on a terminal (rich decides from the stream); progress bars only when
stderr is a terminal, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from zhenggai.findings import Report, Severity
from zhenggai.report import ordered, summary_line

if TYPE_CHECKING:
    from zhenggai.rollup.model import Rollup
    from zhenggai.rounds import Comparison

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "dim"}

# Piped output is read in a wide editor or a log, not an 80-column console.
stdout = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 120)
stderr = Console(stderr=True, highlight=False)


def findings(report: Report, *, show_info: bool = True) -> None:
    """Per file: a table of findings (errors first) and one summary line."""
    for fr in report.files:
        items = [f for f in ordered(fr) if show_info or f.severity is not Severity.INFO]
        stdout.print(Text(fr.path, style="bold"))
        if items:
            table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
            table.add_column("级别", no_wrap=True)
            table.add_column("位置", no_wrap=True)
            table.add_column("列", max_width=14, overflow="fold")
            table.add_column("填写内容", max_width=20, overflow="ellipsis", no_wrap=True)
            table.add_column("说明", ratio=1, overflow="fold")
            for f in items:
                where = "!".join(x for x in (f.sheet, f.cell) if x) or "整个文件"
                # Text(), never str: a plain str is read as rich markup, and a clerk's
                # "[/]" crashes the table (MarkupError) while "[red]" is swallowed.
                table.add_row(
                    Text(f.severity.label, style=STYLE[f.severity]),
                    Text(where),
                    Text(f.field or ""),
                    Text(f.value or ""),
                    Text(f.message),
                )
            stdout.print(table)
        stdout.print(Text(f"  {summary_line(fr)}"))
        stdout.print()
    total = f"共 {len(report.files)} 个文件：{report.errors} 个错误，{report.warnings} 个警告"
    style = "bold red" if report.errors else "yellow" if report.warnings else "bold green"
    stdout.print(Text(total, style=style))


def note(text: str) -> None:
    """One line to stderr (progress and notes, never results)."""
    stderr.print(Text(text, style="dim"))


@contextmanager
def progress(label: str, *, enabled: bool) -> Iterator[Any]:
    """A progress callback ``(done, total, path)``: a bar on a terminal, nothing otherwise."""
    if not enabled or not stderr.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int, _path: str) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def merge_summary(rollup: Rollup) -> None:
    """Per county: status, rows read and written, progress, findings; then what is wrong where."""
    t = Table(title="汇总情况", show_header=True, header_style="bold", title_justify="left", box=None)
    from zhenggai.rollup.layout import COUNTY_HEADER, OVERVIEW, PREFECTURE_HEADER
    from zhenggai.rollup.model import Status

    if rollup.province:
        t.add_column(PREFECTURE_HEADER, no_wrap=True)
    status_header = OVERVIEW.header("status")
    names = (COUNTY_HEADER, status_header, "读入行", "写入行", "已完成", "未完成", "完成率", "逾期", "错误", "警告")
    for name in names:
        left = name in (COUNTY_HEADER, status_header)
        t.add_column(name, justify="left" if left else "right", no_wrap=True)
    coverage = any(c.coverage is not None for c in rollup.counties)
    if coverage:
        t.add_column("反馈问题覆盖", justify="right", no_wrap=True)
    for c in rollup.counties:
        style = "red" if c.status is not Status.SUBMITTED or c.errors else "yellow" if c.warnings else ""
        rate = f"{c.rate:.0%}" if c.rate is not None else "—"
        cells = [c.county, c.status.label, str(c.rows_read), str(c.rows_written), str(c.done), str(c.open), rate,
                 str(c.overdue), str(c.errors), str(c.warnings)]
        if rollup.province:
            cells.insert(0, c.prefecture or "")
        if coverage:
            cells.append(f"{c.coverage[0]}/{c.coverage[1]}" if c.coverage else "—")
        t.add_row(*[Text(x) for x in cells], style=style)  # county names are clerks' text, not markup
    stdout.print(t)
    problems = [
        (fr.path, f) for fr in rollup.report.files for f in fr.findings if f.severity is not Severity.INFO
    ]
    if problems:
        p = Table(title="需要处理的问题（错误和警告）", show_header=True, header_style="bold", title_justify="left",
                  box=None)
        p.add_column("级别", no_wrap=True)
        p.add_column("文件", max_width=30, overflow="fold")
        p.add_column("位置", no_wrap=True)
        p.add_column("说明", ratio=1, overflow="fold")
        for path, f in sorted(problems, key=lambda x: (x[1].severity.rank, x[0])):
            where = "!".join(x for x in (f.sheet, f.cell) if x)
            p.add_row(Text(f.severity.label, style=STYLE[f.severity]), Text(path), Text(where), Text(f.message))
        stdout.print(p)
    if rollup.skipped:
        k = Table(title=f"未汇总的文件（{len(rollup.skipped)} 个）", show_header=True, header_style="bold",
                  title_justify="left", box=None)
        k.add_column("文件", max_width=40, overflow="fold")
        k.add_column("原因", ratio=1, overflow="fold")
        for item in rollup.skipped:
            k.add_row(Text(item.file), Text(item.reason, style=STYLE[item.severity]))
        stdout.print(k)
    report = rollup.report
    sent = sum(1 for c in rollup.counties if c.status is Status.SUBMITTED)
    total = (f"{len(rollup.counties)} 个县（市、区），{sent} 个{Status.SUBMITTED.label}；"
             f"{report.errors} 个错误，{report.warnings} 个警告")
    stdout.print(Text(total, style="bold red" if report.errors else "yellow" if report.warnings else "bold green"))


def progress_summary(c: Comparison, *, changes: bool) -> None:
    """与上次报送相比: per county what moved; with ``changes`` also every changed item."""
    from zhenggai.rollup.model import Status
    from zhenggai.rounds import severities

    t = Table(title=f"与上次报送相比（上一轮：{c.previous}）", show_header=True, header_style="bold",
              title_justify="left", box=None)
    heads = ("县（市、区）", "完成率", "新完成", "重开", "推迟", "未更新", "缺失", "新增", "指标减")
    for name in heads:
        t.add_column(name, justify="left" if name == "县（市、区）" else "right", no_wrap=True)
    for s in c.counties:
        before = f"{s.rate_before:.0%}" if s.rate_before is not None else "—"
        now = f"{s.rate_now:.0%}" if s.rate_now is not None else "—"
        silent = s.status_now == Status.MISSING.value and s.status_before is not None
        name = f"{s.county}（本次未报送）" if silent else s.county
        counts = (s.finished, s.reopened, s.postponed, s.stalled, s.missing, s.new, s.decreased)
        style = "red" if s.reopened or s.missing or silent else "yellow" if any(counts[2:]) else ""
        t.add_row(Text(name), Text(f"{before}→{now}"), *[Text(str(x)) for x in counts], style=style)
    stdout.print(t)
    county_level = [n.finding for n in c.notes]
    if changes and (c.changes or county_level):
        d = Table(title="变化明细", show_header=True, header_style="bold", title_justify="left", box=None)
        for name, wrap in (("级别", False), ("县（市、区）", False), ("序号", False), ("变化", False), ("说明", True)):
            d.add_column(name, no_wrap=not wrap, overflow="fold", ratio=1 if wrap else None)
        for ch in c.changes:
            f = ch.finding
            d.add_row(Text(f.severity.label, style=STYLE[f.severity]), Text(ch.county),
                      Text("" if ch.seq is None else str(ch.seq)), Text(ch.what), Text(f.message))
        for f in county_level:
            d.add_row(Text(f.severity.label, style=STYLE[f.severity]), Text(""), Text(""), Text("整个县"),
                      Text(f.message))
        stdout.print(d)
    errors, warnings = severities(c)
    moved = sum(s.finished for s in c.counties)
    line = f"与上次相比：{moved} 个问题新完成；{errors} 个错误，{warnings} 个警告"
    stdout.print(Text(line, style="bold red" if errors else "yellow" if warnings else "bold green"))
