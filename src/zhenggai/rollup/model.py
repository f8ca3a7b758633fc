"""The rollup as data: what a merge builds, the workbook shows and a province merge reads back.

``county.py`` builds it from county replies, ``province.py`` from prefecture rollups,
``workbook.py`` writes it; the CLI renders it and the web intake shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from zhenggai.core.findings import Finding, Report, Severity
from zhenggai.core.results import FileResult, Options
from zhenggai.rollup.layout import Status

if TYPE_CHECKING:
    from zhenggai.core.schema import TableSpec
    from zhenggai.forms.feedback_list import FeedbackList
    from zhenggai.progress.compare import Comparison
    from zhenggai.rollup.frames import RollupFrames

MERGE_FILE = "（汇总检查）"  # the report entry holding findings about counties, not files

__all__ = ["MERGE_FILE", "CountySummary", "Mark", "MergeOptions", "MergeResult", "PrefectureSummary", "Rollup",
           "RollupItem", "RollupStats", "SkippedFile", "Status", "skipped_list", "version_key"]

# Statuses whose county sent figures the rollup can count (without a feedback list, the
# others are missing from every 合计, and the 合计 says so).
COUNTED = frozenset({Status.SUBMITTED, Status.VERSION_UNCERTAIN, Status.NO_APPENDIX1, Status.NO_APPENDIX2})


def version_key(mtime: float, name: str) -> tuple[float, str]:
    """Sort key that puts the newest of several versions of one submission first.

    The later modification time first; on a tie, the larger name ("…v2" before "…v1").
    """
    return (-mtime, "".join(chr(0x10FFFF - ord(ch)) for ch in name))


@dataclass(frozen=True, slots=True)
class Signoff:
    """Who sends the rollup: the 填报单位 and 联系人 lines of every printed sheet.

    Empty fields print as blanks to fill in by hand. The unit defaults to the
    prefecture's bureau ("襄阳市商务局").
    """

    unit: str | None = None
    contact: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class MergeOptions:
    """What a merge run needs besides the validate options."""

    validate: Options = field(default_factory=Options)
    prefecture: str | None = None
    expect: tuple[str, ...] = ()
    feedback: FeedbackList | None = None  # --problems: coverage, and the counties to expect
    signoff: Signoff = field(default_factory=Signoff)  # --contact/--phone, or the config file
    previous: Path | None = None  # --previous: last round's rollup, compared on the sheet 进展对比


@dataclass(frozen=True, slots=True)
class Mark:
    """A cell of the rollup that prints with a colour and a comment: red (error) for a
    figure that is not the county's own or that 附件1 and 附件2 disagree on, yellow
    (warning) for one to check. The figure is counted; the 合计 over it is marked too."""

    severity: Severity
    text: str


@dataclass(slots=True)
class RollupItem:
    """One 附件1 row in the rollup, with where it came from."""

    prefecture: str | None
    county: str
    values: list[object]  # the seven official columns, as they will be written
    category: str | None
    source_file: str
    source_row: int
    extras: str
    errors: int
    sheet: str | None = None  # where the row is in the source file (None when read from a rollup)
    columns: dict[str, int] = field(default_factory=dict)  # column key → 0-based column there
    # The clerk's own text of the cells written parsed (序号, 完成时限): "2022年6月底" beside 2022-06-30.
    texts: dict[str, str] = field(default_factory=dict)
    # The source row where this row's problem starts: rows of a 问题描述 merged over several
    # measures share it (one problem, finished when all its measures are). None when read back.
    problem_row: int | None = None
    # The row is in a Word table (``sheet`` is "表格2", ``source_row`` the table's row): a cell
    # is named "表格2 第5行" there, as the clerk sees it, never "表格2!C5".
    in_word: bool = False


@dataclass(slots=True)
class RollupStats:
    """One county's 附件2 row in the rollup: numbers, or the raw text when unreadable."""

    prefecture: str | None
    county: str
    values: dict[str, object]
    unreadable: set[str]
    source_file: str
    source_row: int
    sheet: str | None = None  # as in RollupItem: lets a finding name the source cell
    columns: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # why each uncounted number is not counted
    texts: dict[str, str] = field(default_factory=dict)  # the clerk's own text of each number cell
    marks: dict[str, Mark] = field(default_factory=dict)  # column key → colour and comment (counted)
    # Not None: the county has no usable 附件2 and this row only keeps its place (its
    # status printed in 备注, indicator cells blank, red, in no total).
    status: Status | None = None


@dataclass(slots=True)
class CountySummary:
    """One row of 汇总概览."""

    county: str
    prefecture: str | None = None
    status: Status = Status.MISSING
    rows_read: int | None = 0  # None: not known (a rollup read back from its workbook)
    rows_written: int | None = 0
    total: int = 0
    done: int = 0
    open: int = 0
    overdue: int = 0
    errors: int = 0
    warnings: int = 0
    files: list[str] = field(default_factory=list)
    coverage: tuple[int, int] | None = None  # (answered, feedback problems) with --problems
    # With a feedback list, total/done/open are the official figures (the list's problems;
    # unanswered ones count 未完成); ``reported`` keeps the county's own (problems, done)
    # when they differ, and ``marks`` says so on the printed cells.
    official: bool = False
    reported: tuple[int, int] | None = None
    marks: dict[str, Mark] = field(default_factory=dict)
    # 审核状态 of the submission counted (web intake only: 已通过 / 待审核 / 退回修改); None
    # for a rollup made by ``merge``, which has no review: the column is then left out.
    review: str | None = None

    @property
    def rate(self) -> float | None:
        """完成率: done / total, None when there is nothing to count."""
        return self.done / self.total if self.total else None

    @property
    def counted(self) -> bool:
        """Whether the county's figures are in the totals (official ones always are)."""
        return self.official or self.status in COUNTED

    @property
    def self_reported(self) -> bool:
        """Counted by the rows the county chose to write: no feedback list gives its problems."""
        return self.counted and not self.official

    def to_dict(self) -> dict[str, object]:
        """The ``counties`` entry of ``--format json``."""
        data: dict[str, object] = {
            "county": self.county,
            "status": self.status.value,
            "status_label": self.status.label,
            "rows": self.rows_read,
            "done": self.done,
            "open": self.open,
            "overdue": self.overdue,
            "errors": self.errors,
            "warnings": self.warnings,
            "files": self.files,
        }
        if self.prefecture is not None:
            data["prefecture"] = self.prefecture
        if self.coverage is not None:
            data["coverage"] = {"answered": self.coverage[0], "total": self.coverage[1]}
        data["total"] = self.total
        data["rate"] = self.rate
        data["official"] = self.official
        if self.reported is not None:
            data["reported"] = {"total": self.reported[0], "done": self.reported[1]}
        if self.review is not None:
            data["review"] = self.review
        return data


@dataclass(slots=True)
class PrefectureSummary:
    """One row of the province rollup's 市州汇总: a prefecture and its rollup."""

    prefecture: str
    expected: int = 0  # counties in its rollup (its --expect or feedback list, and any that sent)
    reported: int = 0  # counties that sent figures the rollup counts
    total: int = 0
    done: int = 0
    overdue: int = 0
    errors: int = 0
    saved: datetime | None = None  # when its rollup was made (the time saved inside the workbook)
    file: str = ""
    submitted: bool = True  # False: an expected prefecture whose rollup did not arrive

    @property
    def rate(self) -> float | None:
        """完成率 over the prefecture's official problems."""
        return self.done / self.total if self.total else None

    def to_dict(self) -> dict[str, object]:
        """The ``prefectures`` entry of a province merge's ``--format json``."""
        return {"prefecture": self.prefecture, "submitted": self.submitted, "expected": self.expected,
                "reported": self.reported, "total": self.total, "done": self.done, "rate": self.rate,
                "overdue": self.overdue, "errors": self.errors,
                "saved": self.saved.isoformat(sep=" ") if self.saved else None, "file": self.file}


@dataclass(slots=True)
class Rollup:
    """Everything the rollup workbook shows (a merge's result, or a rollup workbook read back).

    Not frozen: a merge builds it in steps (``merge --previous`` adds the comparison and
    its findings after the county rows are in). ``MergeResult`` around it is frozen.
    """

    prefecture: str | None
    as_of: date
    a2: TableSpec
    counties: list[CountySummary]
    items: list[RollupItem]
    stats: list[RollupStats]
    report: Report
    province: bool = False  # rows carry their 市（州）; totals per prefecture too
    skipped: list[SkippedFile] = field(default_factory=list)  # files not in the rollup, and why
    comparison: Comparison | None = None  # with --previous: what moved since the last round
    prefectures: list[PrefectureSummary] = field(default_factory=list)  # province only: 市州汇总

    def missing_from_totals(self) -> list[CountySummary]:
        """Counties whose figures no 合计 holds (no feedback list gave them official ones)."""
        return [c for c in self.counties if not c.counted]

    def totals(self) -> dict[str, object]:
        """The overview's 合计 row as data: the ``totals`` entry of ``--format json``."""
        total = sum(c.total for c in self.counties)
        done = sum(c.done for c in self.counties)
        return {"counties": len(self.counties),
                "submitted": sum(1 for c in self.counties if c.status is Status.SUBMITTED),
                "total": total, "done": done, "open": sum(c.open for c in self.counties),
                "rate": done / total if total else None, "overdue": sum(c.overdue for c in self.counties),
                "official": bool(self.counties) and all(c.official for c in self.counties),
                "incomplete": [c.county for c in self.missing_from_totals()]}

    def frames(self) -> RollupFrames:
        """Counties, items, statistics and findings as typed pandas DataFrames (see ``frames.py``)."""
        from zhenggai.rollup.frames import to_frames

        return to_frames(self)


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What ``merge`` did: the rollup, and where it was written (None: not written)."""

    rollup: Rollup
    output: Path | None

    @property
    def report(self) -> Report:
        """Every finding of the run, by file."""
        return self.rollup.report

    def frames(self) -> RollupFrames:
        """The rollup as typed pandas DataFrames: ``counties``, ``items``, ``stats``, ``findings``."""
        return self.rollup.frames()

def skipped_list(results: Sequence[FileResult], used: set[str], notes: list[Finding]) -> list[SkippedFile]:
    """Every file that does not reach the rollup, with the reason a clerk can act on."""
    why_unused = {n.file: n for n in notes if n.code in ("duplicate-submission", "duplicate-identical",
                                                          "version-uncertain")}
    out: list[SkippedFile] = []
    for f in results:
        if f.display in used:
            continue
        if f.skipped:
            first = f.findings[0] if f.findings else None
            reason = first.message.removeprefix("已跳过：") if first else "已跳过"
            out.append(SkippedFile(f.display, reason, Severity.INFO))
        elif not f.readable:
            worst = min(f.findings, key=lambda x: x.severity.rank, default=None)
            out.append(SkippedFile(f.display, worst.message if worst else "无法读取",
                                   worst.severity if worst else Severity.ERROR))
        elif f.tables and all(t.blank for t in f.tables):
            out.append(SkippedFile(f.display, "空白表样或下发时原样未填的表，不作为报送", Severity.INFO))
        elif f.tables:
            note = why_unused.get(f.display)
            if note is not None:
                reason = "与采用的文件内容相同，只计一次" if note.code == "duplicate-identical" else "另一版本，未采用"
                out.append(SkippedFile(f.display, reason, note.severity))
    return sorted(out, key=lambda x: (x.severity.rank, x.file))


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file that did not reach the rollup: its name as shown, and why."""

    file: str
    reason: str
    severity: Severity

    def to_dict(self) -> dict[str, object]:
        """The ``skipped`` entry of ``--format json``."""
        return {"file": self.file, "reason": self.reason, "severity": self.severity.value}
