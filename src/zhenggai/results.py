"""The result types every layer shares: options, and what checking a file learned.

``check`` fills them, ``rollup`` builds on them, ``annotate``, ``problems``, the CLI
and the web intake read them. This module imports nothing heavy (stdlib and
``findings``), so it sits near the bottom of the dependency graph and every import
arrow points towards it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from zhenggai.findings import FileReport, Finding, Report, Severity, TableInfo, sort_key

if TYPE_CHECKING:
    from zhenggai.schema import Indicator, TableSpec
    from zhenggai.tables import Table

DEADLINE = date(2022, 12, 31)
"""整改期限. 通知：原则上应在2022年底全部完成问题整改. The one place this date is written."""

APPENDIX_NAMES = {"appendix1": "附件1（整改清单）", "appendix2": "附件2（成果统计表）"}

ProgressCallback = Callable[[int, int, str], None]
"""``on_progress(done, total, path)``, called after each file."""


@dataclass(frozen=True, slots=True)
class Options:
    """What the rules compare against."""

    deadline: date = DEADLINE
    as_of: date = field(default_factory=date.today)
    indicators: tuple[Indicator, ...] | None = None

    def specs(self) -> tuple[TableSpec, TableSpec]:
        """附件1 and 附件2 (with this run's indicator columns)."""
        from zhenggai.schema import APPENDIX1, appendix2

        return APPENDIX1, appendix2(self.indicators)


@dataclass(slots=True)
class Item:
    """One 附件1 row as read and checked."""

    row: int
    category: str | None
    values: list[object]  # raw, in APPENDIX1 column order
    extras: dict[str, object]
    done: bool | None
    deadline: date | None
    errors: int = 0


@dataclass(slots=True)
class Stats:
    """One 附件2 row as read and checked; ``numbers[key]`` is None when unreadable."""

    row: int
    county: str | None
    values: list[object]
    extras: dict[str, object]
    numbers: dict[str, float | None]
    errors: int = 0


@dataclass(slots=True)
class TableResult:
    """A table and its parsed rows."""

    table: Table
    items: list[Item] = field(default_factory=list)
    stats: list[Stats] = field(default_factory=list)


@dataclass(slots=True)
class FileResult:
    """Everything validation learned about one file."""

    path: Path
    display: str
    county: str | None = None
    tables: list[TableResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""
    readable: bool = True
    skipped: bool = False
    kind: str = ""  # what the file is, from its bytes (sniff.py): "xlsx", "docx", "pdf" …
    saved: datetime | None = None  # last-saved time written inside the file
    mtime: float | None = None  # file-system modification time (download time for e-mail)
    # Word tables (sheet "表格2"): grid rows [start, end) are the table's rows; positions
    # are shown as "第5行" of the table, not as worksheet cells (see word.py).
    word_rows: dict[str, tuple[int, int]] = field(default_factory=dict)

    def tables_of(self, kind: str) -> list[TableResult]:
        """Tables of one kind ("appendix1" / "appendix2")."""
        return [t for t in self.tables if t.table.kind == kind]

    def report(self) -> FileReport:
        """The JSON-able report of this file, findings in deterministic order."""
        findings = self.findings
        if self.word_rows:
            findings = [self._word_position(f) for f in findings]
        return FileReport(
            path=self.display,
            county=self.county,
            tables=tuple(
                TableInfo(t.table.kind, t.table.sheet, len(t.table.records)) for t in self.tables
            ),
            findings=tuple(sorted(findings, key=sort_key)),
        )

    def shown_row(self, sheet: str, row: int) -> int:
        """The row a clerk sees: a worksheet row, or the row of a Word table (1 = its first)."""
        span = self.word_rows.get(sheet)
        return row - span[0] if span is not None else row

    def _word_position(self, f: Finding) -> Finding:
        """A finding on a Word table: "表格2 第5行" instead of a worksheet cell."""
        span = self.word_rows.get(f.sheet or "")
        if span is None or f.row is None:
            return f
        start, end = span
        if f.row - 1 < start:
            return replace(f, cell="表格上方的文字", row=None)
        if f.row - 1 >= end:
            return replace(f, cell="表格下方的文字", row=None)
        row = f.row - start
        return replace(f, cell=f"第{row}行", row=row)

    @property
    def errors(self) -> int:
        """Number of error findings."""
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        """Number of warning findings."""
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """What ``zhenggai.validate`` found: the report, and each file's parsed tables."""

    report: Report
    files: tuple[FileResult, ...]

    @property
    def errors(self) -> int:
        """Number of error findings in all files."""
        return self.report.errors

    @property
    def warnings(self) -> int:
        """Number of warning findings in all files."""
        return self.report.warnings

    @property
    def ok(self) -> bool:
        """No error findings (what exit code 0 means on the command line)."""
        return self.report.errors == 0

    def findings(self) -> list[Finding]:
        """Every finding, files in path order, findings in sheet/row/column order."""
        return self.report.findings()
