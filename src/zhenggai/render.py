"""Rich rendering for cli.py: findings tables, summaries and progress bars.

Colour only on a terminal (rich decides from the stream); progress bars only when
stderr is a terminal, so logs and pipes stay clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from zhenggai.findings import Report, Severity
from zhenggai.report import ordered, summary_line

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "dim"}

stdout = Console(highlight=False, soft_wrap=False)
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
                table.add_row(
                    Text(f.severity.label, style=STYLE[f.severity]),
                    where,
                    f.field or "",
                    f.value or "",
                    f.message,
                )
            stdout.print(table)
        stdout.print(f"  {summary_line(fr)}")
        stdout.print()
    total = f"共 {len(report.files)} 个文件：{report.errors} 个错误，{report.warnings} 个警告"
    style = "bold red" if report.errors else "yellow" if report.warnings else "bold green"
    stdout.print(Text(total, style=style))


def message(text: str, *, style: str = "") -> None:
    """One line to stdout."""
    stdout.print(Text(text, style=style))


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


def table(title: str, columns: list[str], rows: list[list[Any]], styles: list[str] | None = None) -> None:
    """A plain rich table on stdout."""
    t = Table(title=title, show_header=True, header_style="bold", title_justify="left")
    for c in columns:
        t.add_column(c, overflow="fold")
    for i, row in enumerate(rows):
        t.add_row(*[str(x) for x in row], style=(styles[i] if styles else None))
    stdout.print(t)
