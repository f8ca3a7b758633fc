"""The result types every layer shares: options, and what checking a file learned.

``checking.files.check_file`` builds a file's result once, frozen; a later stage that
learns more (the cross check, the feedback list's coverage, the rollup) returns a new
value (:meth:`FileResult.with_findings`), never appends to a shared one. ``rollup``
builds on them, ``annotate``, the CLI and the web intake read them. This module imports nothing heavy (stdlib and
``findings``), so it sits near the bottom of the dependency graph and every import
arrow points towards it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from zhenggai.core.findings import FileReport, Finding, Report, Severity, TableInfo, sort_key
from zhenggai.core.kinds import TableKind
from zhenggai.core.pickled import pickled_by_fields

if TYPE_CHECKING:
    import pandas as pd

    from zhenggai.core.schema import Indicator, TableSpec
    from zhenggai.core.table import Table

DEADLINE = date(2022, 12, 31)
"""整改期限. 通知：原则上应在2022年底全部完成问题整改. The one place this date is written."""

FINDINGS_SHEET = "校验问题"
"""The sheet an annotated copy adds; a returned 校验标注 copy is read without it."""

APPENDIX_NAMES = {TableKind.APPENDIX1: "附件1（整改清单）", TableKind.APPENDIX2: "附件2（成果统计表）"}

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
        from zhenggai.core.schema import APPENDIX1, appendix2

        return APPENDIX1, appendix2(self.indicators)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Item:
    """One 附件1 row as read and checked."""

    row: int
    category: str | None
    values: list[object]  # raw, in APPENDIX1 column order
    extras: dict[str, object]
    done: bool | None
    deadline: date | None
    errors: int = 0
    group: int | None = None  # first row of a 问题描述 merged down: rows sharing it are one problem
    # The sheet of this row when it is not its table's (附件1 continued on another sheet).
    sheet: str | None = None

    @property
    def problem(self) -> int:
        """The problem this row answers: rows of one merged 问题描述 share it."""
        return self.group or self.row


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Stats:
    """One 附件2 row as read and checked; ``numbers[key]`` is None when not counted.

    A number is not counted when it is unreadable or an error (negative, fractional
    count, a unit that cannot convert): ``reasons[key]`` then says why, for the red
    cell of the rollup, and no total includes it.
    """

    row: int
    county: str | None
    values: list[object]
    extras: dict[str, object]
    numbers: dict[str, float | None]
    errors: int = 0
    total: bool = False  # a 合计/总计/小计 row
    reasons: dict[str, str] = field(default_factory=dict)
    parts: int = 0  # >0: the sum of this many township rows (no 合计 row given)


# Columns an issued form may already hold: init-county pre-fills 序号 and 问题描述 (附件1)
# and the county and 反馈问题数 (附件2) from the feedback list. A form with nothing else is
# what was issued, never a reply (a pre-filled 附件2 would otherwise count as zeros, and
# could even win the version choice over the county's real one).
_PREFILLED = frozenset({"seq", "problem", "county", "note", "total"})


@dataclass(frozen=True, slots=True)
class TableResult:
    """A table and its parsed rows (built by ``checking.files``; frozen: a stage that learns
    more makes a new one with ``dataclasses.replace``)."""

    table: Table
    items: tuple[Item, ...] = ()
    stats: tuple[Stats, ...] = ()
    county: str | None = None  # the county this table belongs to (its sheet's bureau line first)
    # 附件2: the row that counts for each county it holds (one for a county's own form,
    # several when a 市 collected its 县区 first; a township breakdown gives its 合计).
    counties: Mapping[str, Stats] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        """No data at all: a blank issued form or a template, never a reply.

        Forms may be issued pre-filled (问题描述 from the feedback list, the county's
        name in 附件2): what the clerk fills in is what makes a reply.
        """
        spec = self.table.spec
        keys = [i for i, c in enumerate(spec.columns) if c.key not in _PREFILLED]
        # A 附件2 whose only row is 合计 is the county's row (issue 18), not a blank form.
        only_totals = all(r.total for r in self.table.records)
        return not any(
            (only_totals or not r.total) and any(r.values[i] not in ("", None) for i in keys)
            for r in self.table.records
        )


@dataclass(frozen=True, slots=True)
class FileResult:
    """Everything validation learned about one file.

    Frozen, its sequences tuples: ``checking.files.check_file`` builds it once, and a stage
    that learns more returns a new value (:meth:`with_findings`) instead of appending to
    a result other stages (or worker processes) share.
    """

    path: Path
    display: str
    county: str | None = None
    tables: tuple[TableResult, ...] = ()
    findings: tuple[Finding, ...] = ()
    digest: str = ""
    readable: bool = True
    skipped: bool = False
    kind: str = ""  # what the file is, from its bytes (sniff.py): "xlsx", "docx", "pdf" …
    saved: datetime | None = None  # last-saved time written inside the file
    mtime: float | None = None  # file-system modification time (download time for e-mail)
    # Word tables (sheet "表格2"): grid rows [start, end) are the table's rows; positions
    # are shown as "第5行" of the table, not as worksheet cells (see word.py).
    word_rows: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def with_findings(self, more: Iterable[Finding]) -> FileResult:
        """This result with ``more`` findings after its own (a new value; ``self`` is unchanged)."""
        more = tuple(more)
        return replace(self, findings=self.findings + more) if more else self

    def tables_of(self, kind: TableKind) -> list[TableResult]:
        """Tables of one kind (附件1 or 附件2)."""
        return [t for t in self.tables if t.table.kind == kind]

    def report(self) -> FileReport:
        """The JSON-able report of this file, findings in deterministic order."""
        findings: Iterable[Finding] = self.findings
        if self.word_rows:
            findings = [self._word_position(f) for f in self.findings]
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
    """What ``zhenggai.validate`` found: the report, and each file's parsed tables.

    Members of .zip archives are extracted to a temporary folder that ``files[i].path``
    points into (``annotate`` reads them again). ``close()`` removes it; use the result
    as a context manager (``with zhenggai.validate(...) as result:``) in a long-running
    process such as ``zhenggai serve``, where waiting for the process to exit would let
    the folders pile up. Closing twice is harmless; the report stays usable.
    """

    report: Report
    files: tuple[FileResult, ...]
    _close: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def close(self) -> None:
        """Remove the extracted archive members (their findings and tables stay)."""
        if self._close is not None:
            self._close()

    def __enter__(self) -> ValidationResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    def frames(self) -> ValidationFrames:
        """``files`` (one row per file) and ``findings`` (one row per finding) as typed pandas
        DataFrames; see :func:`findings_frame`. pandas is imported only here."""
        import pandas as pd

        files = self.report.files
        return ValidationFrames(
            files=pd.DataFrame({
                "file": pd.array([fr.path for fr in files], dtype="string"),
                "county": pd.array([fr.county for fr in files], dtype="string"),
                "tables": pd.array(["、".join(t.kind for t in fr.tables) or None for fr in files], dtype="string"),
                "rows": pd.array([sum(t.rows for t in fr.tables) for fr in files], dtype="Int64"),
                "errors": pd.array([fr.count(Severity.ERROR) for fr in files], dtype="Int64"),
                "warnings": pd.array([fr.count(Severity.WARNING) for fr in files], dtype="Int64"),
            }),
            findings=findings_frame(self.report),
        )


class ValidationFrames(NamedTuple):
    """``ValidationResult.frames()``."""

    files: pd.DataFrame
    """One row per file: its county, the tables found, data rows, errors and warnings."""
    findings: pd.DataFrame
    """One row per finding (:func:`findings_frame`)."""


SEVERITY_ORDER = [s.value for s in (Severity.INFO, Severity.WARNING, Severity.ERROR)]
"""Severities from least to most serious: ``findings["severity"] > "warning"`` selects errors."""


def findings_frame(report: Report, county_of: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per finding: ``county`` (the file's, else ``county_of[file]``), ``file``,
    ``sheet``, ``cell``, ``row``, ``column`` (the header), ``code``, ``severity`` (an ordered
    category: error > warning > info), ``value`` (the clerk's text as typed) and ``message``.
    Files in path order, findings in sheet/row/column order, as everywhere."""
    import pandas as pd

    rows = [(fr.county or (county_of or {}).get(fr.path), fr.path, f) for fr in report.files for f in fr.findings]
    frame: pd.DataFrame = pd.DataFrame({
        "county": pd.array([c for c, _, _ in rows], dtype="string"),
        "file": pd.array([p for _, p, _ in rows], dtype="string"),
        "sheet": pd.array([f.sheet for _, _, f in rows], dtype="string"),
        "cell": pd.array([f.cell for _, _, f in rows], dtype="string"),
        "row": pd.array([f.row for _, _, f in rows], dtype="Int64"),
        "column": pd.array([f.field for _, _, f in rows], dtype="string"),
        "code": pd.array([str(f.code) for _, _, f in rows], dtype="string"),
        "severity": pd.Series([f.severity.value for _, _, f in rows],
                              dtype=pd.CategoricalDtype(SEVERITY_ORDER, ordered=True)),
        "value": pd.array([f.value for _, _, f in rows], dtype="string"),
        "message": pd.array([f.message for _, _, f in rows], dtype="string"),
    })
    return frame
