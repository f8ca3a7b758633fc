"""Rich rendering for cli.py: findings tables, summaries and progress bars.

Colour only on a terminal (rich decides from the stream); progress bars only when
stderr is a terminal, so logs and pipes stay clean.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, cast

from rich.table import Table
from rich.text import Text as RichText

from zhenggai.cli.wrap import BreakingConsole
from zhenggai.cli.wrap import BreakingText as Text  # every text shown here breaks lines by 禁则
from zhenggai.core.findings import Report, Severity
from zhenggai.outputs.json_report import ordered, summary_line

if TYPE_CHECKING:
    from zhenggai.progress.compare import Comparison
    from zhenggai.rollup.model import Rollup

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "dim"}



class _Unpadded:
    """The current ``sys.stdout`` (or stderr), with the spaces rich pads table cells with
    removed from each line's end: a redirected ``> 结果.txt`` or a pipe gets the text, not
    a rectangle of trailing blanks. Looked up at each write, as CliRunner swaps streams."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending = ""

    @property
    def stream(self) -> Any:
        # While a progress bar shows, rich puts a proxy that prints through this very
        # console in sys.stdout/sys.stderr: write to the stream behind it, never in a loop.
        current = getattr(sys, self.name)
        return getattr(current, "rich_proxied_file", current)

    def write(self, text: str) -> int:
        if self.isatty():
            return int(self.stream.write(text))
        *lines, self.pending = (self.pending + text).split("\n")
        if lines:
            self.stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.stream.write(self.pending)  # an unfinished line keeps its spaces
            self.pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return int(self.stream.fileno())

    @property
    def encoding(self) -> str:
        return str(getattr(self.stream, "encoding", None) or "utf-8")


# Piped output is read in a wide editor or a log, not an 80-column console; COLUMNS,
# when set, is what the clerk's console (or a test) says its width is.
stdout = BreakingConsole(file=cast("IO[str]", _Unpadded("stdout")), highlight=False, soft_wrap=False,
                 width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120)
stderr = BreakingConsole(file=cast("IO[str]", _Unpadded("stderr")), highlight=False)


VALIDATE_LIMIT = 40  # findings validate lists before it says how many more there are


def findings(report: Report, *, show_info: bool = True, show_all: bool = False) -> None:
    """Per file: a table of findings (errors first) and one summary line.

    At most :data:`VALIDATE_LIMIT` findings in all unless ``show_all`` (a 100,000-row
    sheet must not scroll for minutes); then how many more and where they are. Narrow
    consoles lose the 列 and 填写内容 columns (the message names both) before anything
    is cut with "…".
    """
    wide = width() >= 100
    left = VALIDATE_LIMIT
    hidden = 0
    for fr in report.files:
        items = [f for f in ordered(fr) if show_info or f.severity is not Severity.INFO]
        if not show_all:
            hidden += max(0, len(items) - left)
            items = items[:left]
            left -= len(items)
        stdout.print(Text(fr.path, style="bold"))
        if items:
            table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
            # Headers as rich's plain Text, what rich makes of a str header anyway: a str is
            # read as markup with emoji codes first, and that loads rich's emoji table (~2.5 ms).
            table.add_column(RichText("级别"), no_wrap=True)
            table.add_column(RichText("位置"), no_wrap=True)
            if wide:
                table.add_column(RichText("列"), max_width=14, overflow="fold")
                table.add_column(RichText("填写内容"), max_width=20, overflow="fold")
            table.add_column(RichText("说明"), ratio=1, overflow="fold")
            for f in items:
                where = "!".join(x for x in (f.sheet, f.cell) if x) or "整个文件"
                # Text(), never str: a plain str is read as rich markup, and a clerk's
                # "[/]" crashes the table (MarkupError) while "[red]" is swallowed.
                cells = [Text(f.severity.label, style=STYLE[f.severity]), Text(where)]
                if wide:
                    cells += [Text(f.field or ""), Text(f.value or "")]
                table.add_row(*cells, Text(f.message))
            stdout.print(table)
        stdout.print(Text(f"  {summary_line(fr)}"))
        stdout.print()
    if hidden:
        stdout.print(Text(f"还有 {hidden} 个问题未显示：用 --annotate 生成标注副本，或用 --format json 查看全部；"
                          "加 --all 在这里全部显示。", style="dim"))
    total = f"共 {len(report.files)} 个文件：{report.errors} 个错误，{report.warnings} 个警告"
    style = "bold red" if report.errors else "yellow" if report.warnings else "bold green"
    stdout.print(Text(total, style=style))


def note(text: str) -> None:
    """One line to stderr (progress and notes, never results).

    Redirected to a log (``2> 日志.txt``) a note stays one line: the editor that opens the log
    wraps it, and a path in it can be copied whole. On a console (or with COLUMNS) it breaks
    by the rules in cli/wrap.py.
    """
    whole = not stderr.is_terminal and not os.environ.get("COLUMNS")
    stderr.print(Text(text, style="dim"), soft_wrap=whole)


@contextmanager
def progress(label: str, *, enabled: bool) -> Iterator[Any]:
    """A progress callback ``(done, total, path)``: a bar on a terminal, nothing otherwise."""
    if not enabled or not stderr.is_terminal:
        yield None
        return
    # Imported only for a bar that shows (rich.progress and its live display, spinners …:
    # ~8 ms): a redirected or piped run never needs it.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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


SCREEN_LINES = 24  # a console window: what the clerk sees without scrolling
MAX_COUNTY_LINES = 12  # counties listed one per line when there are many
MAX_FINDING_LINES = 10  # findings listed under the counties
FINDING_LINE_BUDGET = 12  # ... and the lines they may take, wrapped


def width() -> int:
    """The width we lay out for: the console's, or COLUMNS; 120 when neither says (a pipe, a file)."""
    return stdout.width


def _cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def short_path(path: str, room: int) -> str:
    """"…/谷城县/谷城县-附件1.xlsx": the end of a path is what tells files apart."""
    if _cells(path) <= room:
        return path
    parts = path.replace("\\", "/").split("/")
    tail = parts[-1]
    for part in reversed(parts[:-1]):
        if _cells(f"…/{part}/{tail}") > room:
            break
        tail = f"{part}/{tail}"
    shown = f"…/{tail}" if tail != path else tail
    while _cells(shown) > room and len(shown) > 2:
        shown = "…" + shown[2:]
    return shown


def _county_columns(rollup: Rollup) -> list[tuple[str, str]]:
    """(key, header) of the county table, least needed last: dropped first when narrow."""
    cols = [("county", "县（市、区）"), ("status", "状态"), ("errors", "错误"), ("warnings", "警告"),
            ("rate", "完成率"), ("overdue", "逾期"), ("rows", "行数"), ("done", "已完成"), ("open", "未完成")]
    if rollup.province:
        cols.insert(0, ("prefecture", "市（州）"))
    if any(c.coverage is not None for c in rollup.counties):
        cols.insert(6, ("coverage", "问题覆盖"))
    return cols


def _county_cells(c: Any) -> dict[str, str]:
    rate = f"{c.rate:.0%}" if c.rate is not None else "—"
    rows = ("—" if c.rows_written is None else str(c.rows_written) if c.rows_read == c.rows_written
            else f"{c.rows_written}/{'—' if c.rows_read is None else c.rows_read}")
    # A county in no count (未报送, 文件无法读取 …) shows "—", as the workbook leaves its cells blank:
    # 0 已完成 / 0 未完成 read as a county with nothing to do.
    counted = c.counted
    return {
        "prefecture": c.prefecture or "", "county": c.county, "status": c.status.label, "errors": str(c.errors),
        "warnings": str(c.warnings), "rate": rate, "overdue": str(c.overdue) if counted else "—", "rows": rows,
        "done": str(c.done) if counted else "—", "open": str(c.open) if counted else "—",
        "coverage": f"{c.coverage[0]}/{c.coverage[1]}" if c.coverage else "—",
    }


def _fit_columns(cols: list[tuple[str, str]], rows: list[dict[str, str]], room: int) -> list[tuple[str, str]]:
    """Drop the least needed columns until the table fits ``room`` cells (never truncate)."""
    keep = list(cols)

    def need(cs: list[tuple[str, str]]) -> int:
        return sum(max([_cells(h)] + [min(_cells(r[k]), 16) for r in rows]) + 2 for k, h in cs)

    while len(keep) > 3 and need(keep) > room:
        keep.pop()
    return keep


def merge_summary(rollup: Rollup, *, show_all: bool = False, output: str | None = None) -> None:
    """What the clerk needs from a merge, in about a screenful (everything with ``show_all``).

    One line per county with its counts (counties with errors first when they do not all
    fit), then the errors and warnings, errors first, and how many more there are and
    where the full list is: the rollup's 校验问题 sheet, or ``--format json``. Only the
    lines shown are formatted: a national merge (1,500 counties, 20,000 findings) draws
    as fast as a small one.
    """
    import heapq

    from zhenggai.rollup.model import Status

    room = max(40, width())
    counties = list(rollup.counties)

    def trouble(c: Any) -> tuple[int, int, int, str]:
        return (0 if c.status is not Status.SUBMITTED or c.errors else 1 if c.warnings else 2,
                -c.errors, -c.warnings, c.county)

    shown = counties if show_all or len(counties) <= MAX_COUNTY_LINES + 2 else \
        sorted(heapq.nsmallest(MAX_COUNTY_LINES, counties, key=trouble), key=trouble)
    rows = [_county_cells(c) for c in shown]
    cols = _fit_columns(_county_columns(rollup), rows, room)
    t = Table(title=f"汇总情况（{len(counties)} 个县（市、区））", show_header=True, header_style="bold",
              title_justify="left", box=None, pad_edge=False)
    for key, header in cols:
        left = key in ("prefecture", "county", "status")
        t.add_column(header, justify="left" if left else "right", overflow="fold",
                     no_wrap=key not in ("county", "prefecture"), max_width=16 if left else None)
    for c, cells in zip(shown, rows, strict=True):
        style = "red" if c.status is not Status.SUBMITTED or c.errors else "yellow" if c.warnings else ""
        t.add_row(*[Text(cells[k]) for k, _ in cols], style=style)  # clerks' text, never markup
    stdout.print(t)
    if len(shown) < len(counties):
        counties_left = len(counties) - len(shown)
        quiet = sum(1 for c in counties if c.status is Status.SUBMITTED and not c.errors and not c.warnings)
        detail = f"其中 {quiet} 个没有错误和警告" if quiet else ""
        stdout.print(Text(f"另有 {counties_left} 个县（市、区）未列出{('，' + detail) if detail else ''}"
                          f"：见汇总表的“汇总概览”，或加 --all 全部显示。", style="dim"))
    _problems(rollup, room, show_all=show_all, output=output)
    _skipped(rollup, room, show_all=show_all)
    report = rollup.report
    sent = sum(1 for c in counties if c.status is Status.SUBMITTED)
    sums = rollup.totals()  # the overview's 合计: official figures with a feedback list
    rate = f"{sums['rate']:.0%}" if isinstance(sums["rate"], float) else "—"
    gaps = sums["incomplete"]
    lacking = f"，不含 {len(gaps)} 个县" if isinstance(gaps, list) and gaps else ""
    # Without a feedback list the counts are the rows each county chose to write: said here,
    # as the overview's 合计 says it in a yellow comment (official.total_marks).
    own = sum(1 for c in counties if c.self_reported)
    if own:
        lacking += ("，按各县自报的问题计，未核对反馈问题清单" if own == len(counties)
                    else f"，其中 {own} 个县按自报的问题计")
    total = (f"合计：{len(counties)} 个县（市、区），{sent} 个{Status.SUBMITTED.label}；"
             f"已完成 {sums['done']}/{sums['total']} 个问题（{rate}{lacking}）；"
             f"{report.errors} 个错误，{report.warnings} 个警告")
    stdout.print(Text(total, style="bold red" if report.errors else "yellow" if report.warnings else "bold green"))


def _problems(rollup: Rollup, room: int, *, show_all: bool, output: str | None) -> None:
    """Errors first, then warnings; a screenful unless ``show_all``, then where the rest are."""
    import heapq

    county_of = {name: c.county for c in rollup.counties for name in c.files}
    found = [(fr.path, f) for fr in rollup.report.files for f in fr.findings
             if f.severity is not Severity.INFO]
    if not found:
        return

    def key(x: tuple[str, Any]) -> tuple[int, str, int]:
        return (x[1].severity.rank, x[0], x[1].row or 0)

    picked = sorted(found, key=key) if show_all else heapq.nsmallest(MAX_FINDING_LINES, found, key=key)
    place_width = max(16, room // 3)
    if not show_all:
        # A screenful of lines, not of findings: a long message wraps onto several.
        text_width = max(10, room - place_width - 8)
        budget = FINDING_LINE_BUDGET
        kept: list[tuple[str, Any]] = []
        for item in picked:
            lines = -(-_cells(item[1].message) // text_width)
            if kept and lines > budget:
                break
            kept.append(item)
            budget -= lines
        picked = kept
    errors = sum(1 for _, f in found if f.severity is Severity.ERROR)
    title = f"需要处理的问题（{errors} 个错误，{len(found) - errors} 个警告；错误在前）"
    p = Table(title=title, show_header=False, title_justify="left", box=None, pad_edge=False)
    p.add_column("级别", no_wrap=True)
    p.add_column("位置", overflow="fold", max_width=place_width)
    p.add_column("说明", ratio=1, overflow="fold")
    for path, f in picked:
        county = county_of.get(path)
        place = county or short_path(path, place_width)
        where = " ".join(x for x in (place, "!".join(y for y in (f.sheet, f.cell) if y)) if x)
        p.add_row(Text(f.severity.label, style=STYLE[f.severity]), Text(where), Text(f.message))
    stdout.print(p)
    left = len(found) - len(picked)
    if left:
        where = f"汇总表 {output} 的“校验问题”工作表" if output else "汇总表的“校验问题”工作表"
        stdout.print(Text(f"还有 {left} 个问题未显示：完整清单见{where}，或用 --format json；加 --all 在这里全部显示。",
                          style="dim"))


def _skipped(rollup: Rollup, room: int, *, show_all: bool) -> None:
    """Every file that did not reach the rollup, with its reason (``Rollup.skipped``): the
    ones a person must act on (unreadable, scans, unused versions) always, one per line;
    lock files and notes in one line, the first three unless ``show_all``."""
    serious = [k for k in rollup.skipped if k.severity is not Severity.INFO]
    quiet = [k for k in rollup.skipped if k.severity is Severity.INFO]
    if serious:
        t = Table(title=f"未汇总的文件（{len(serious)} 个需要处理）", show_header=False, title_justify="left",
                  box=None, pad_edge=False)
        t.add_column("文件", overflow="fold", max_width=max(16, room // 2))
        t.add_column("原因", ratio=1, overflow="fold")
        for k in serious:
            t.add_row(Text(short_path(k.file, max(16, room // 2))), Text(k.reason, style=STYLE[k.severity]))
        stdout.print(t)
    if not quiet:
        return
    shown = quiet if show_all else quiet[:3]
    names = "；".join(f"{short_path(k.file, 40)}（{k.reason}）" for k in shown)
    more = f" 等 {len(quiet)} 个" if len(shown) < len(quiet) else ""
    stdout.print(Text(f"跳过 {len(quiet)} 个文件：{names}{more}", style="dim", overflow="fold"))


# The rounds table's columns, least needed last: dropped first at 80 columns, never cut.
_ROUND_COLUMNS = ("county", "rate", "finished", "reopened", "missing", "postponed", "stalled", "new", "decreased")
_ROUND_HEADS = {"county": "县（市、区）", "rate": "完成率", "finished": "新完成", "reopened": "重开", "missing": "缺失",
                "postponed": "推迟", "stalled": "未更新", "new": "新增", "decreased": "指标减"}


def _rounds_table(c: Comparison) -> None:
    """One row per county: the rate before → now and how many items moved each way."""
    from zhenggai.rollup.model import Status

    rows: list[tuple[dict[str, str], str]] = []
    for s in c.counties:
        before = f"{s.rate_before:.0%}" if s.rate_before is not None else "—"
        now = f"{s.rate_now:.0%}" if s.rate_now is not None else "—"
        silent = s.status_now == Status.MISSING.value and s.status_before is not None
        cells = {"county": f"{s.county}（本次未报送）" if silent else s.county, "rate": f"{before}→{now}"}
        cells |= {k: str(getattr(s, k)) for k in _ROUND_COLUMNS[2:]}
        warn = s.postponed or s.stalled or s.new or s.decreased
        rows.append((cells, "red" if s.reopened or s.missing or silent else "yellow" if warn else ""))
    cols = _fit_columns([(k, _ROUND_HEADS[k]) for k in _ROUND_COLUMNS], [r for r, _ in rows], max(40, width()))
    t = Table(title=f"与上次报送相比（上一轮：{c.previous}）", show_header=True, header_style="bold",
              title_justify="left", box=None, pad_edge=False)
    for key, head in cols:
        t.add_column(head, justify="left" if key == "county" else "right", no_wrap=key != "county",
                     overflow="fold")
    for cells, style in rows:
        t.add_row(*[Text(cells[k]) for k, _ in cols], style=style)  # clerks' text, never markup
    stdout.print(t)
    if len(cols) < len(_ROUND_COLUMNS):
        dropped = "、".join(_ROUND_HEADS[k] for k in _ROUND_COLUMNS[len(cols):])
        stdout.print(Text(f"窗口较窄，未显示：{dropped}；加宽窗口或用 --format json 查看。", style="dim"))


def progress_summary(c: Comparison, *, changes: bool) -> None:
    """与上次报送相比: per county what moved; with ``changes`` also every changed item."""
    from zhenggai.progress.compare import severities

    _rounds_table(c)
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
