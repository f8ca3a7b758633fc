"""The rollup workbook's layout as data: sheet names, columns, header texts and widths.

One source of truth for everything that writes or reads a rollup: the writer
(``workbook.py``), the province reader (``province.py``), the terminal renderer, the
DataFrames (``frames.py``) and other programs that read rollups (progress between
rounds). A rollup sheet has a title row, a subtitle row, the header row, then data.
The 整改清单汇总 and 成果统计汇总 sheets embed the official form's columns (from
``schema.py``), between their own leading and trailing columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Literal

from zhenggai.core.kinds import TableKind

if TYPE_CHECKING:
    from zhenggai.core.schema import TableSpec

# 0-based rows of every rollup sheet (xlsxwriter and calamine count from 0). The rollup
# goes to the province as a formal attachment: the title row starts with the "附件N"
# label in column A (the title is merged across the other columns), the subtitle row
# is the 填报单位（盖章） line with the as-of date at its right, and a 联系人 line
# (CONTACT_PREFIX) follows each table.
TITLE_ROW, SUBTITLE_ROW, HEADER_ROW = 0, 1, 2
FIRST_DATA_ROW = HEADER_ROW + 1
# A reader looks for the header row among this many rows: room for a prefecture that
# inserted a note row or two above our header before sending the rollup on.
HEADER_SEARCH_ROWS = 10
CONTACT_PREFIX = "联系人："  # the line under each table: ends the table for a reader
TOTAL_LABELS = frozenset({"合计", "小计", "总计"})  # total rows, never counties
TITLE_PREFIX = "电子商务进农村综合示范专项整改"  # row 1 reads "{place}{TITLE_PREFIX}{sheet}"
AS_OF_LABEL = "统计截至"  # row 2 reads "统计截至 2022-07-15　　生成日期 …"

class Status(Enum):
    """A county's 报送状态: an English value for JSON and code, ``label`` for people."""

    SUBMITTED = "submitted"
    MISSING = "missing"
    NO_APPENDIX1 = "no-appendix1"
    NO_APPENDIX2 = "no-appendix2"
    UNREADABLE = "unreadable"
    VERSION_UNCERTAIN = "version-uncertain"  # counted, but which of its versions counts is in doubt
    BLANK = "blank"  # only blank forms (no data row) arrived: never 已报送

    @property
    def label(self) -> str:
        """The Chinese text written in the rollup and shown in the terminal."""
        return _LABELS[self]

    @classmethod
    def from_label(cls, text: str) -> Status | None:
        """The status whose label is ``text`` (as read back from a rollup), else None."""
        return _BY_LABEL.get(text)


_LABELS = {
    Status.SUBMITTED: "已报送",
    Status.MISSING: "未报送",
    Status.NO_APPENDIX1: "缺附件1",
    Status.NO_APPENDIX2: "缺附件2",
    Status.UNREADABLE: "文件无法读取",
    Status.VERSION_UNCERTAIN: "版本待确认",
    Status.BLANK: "未填报",
}
_BY_LABEL = {label: status for status, label in _LABELS.items()}


ColumnKind = Literal["text", "count", "amount", "rate", "date", "status", "int"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a rollup sheet: an English key, the Chinese header, a width."""

    key: str
    header: str
    width: float
    kind: ColumnKind = "text"
    only: Literal["province", "coverage"] | None = None  # written only in that case


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """One rollup sheet: leading columns, the official form's columns (if any), trailing columns."""

    name: str
    lead: tuple[Column, ...]
    form: TableKind | None = None
    tail: tuple[Column, ...] = ()
    # The 附件 label printed top left. The two official tables keep the notice's
    # numbers (the province files them as the prefecture's 附件1 and 附件2); the
    # overview is the third; the findings list is a working list, not an attachment.
    label: str | None = None

    def columns(
        self, *, province: bool = False, coverage: bool = False, a2: TableSpec | None = None
    ) -> tuple[Column, ...]:
        """The columns as written for this rollup (``a2``: this run's 附件2, default the packaged one)."""
        on = {None, *(("province",) if province else ()), *(("coverage",) if coverage else ())}
        return (
            *(c for c in self.lead if c.only in on),
            *self._form_columns(a2),
            *(c for c in self.tail if c.only in on),
        )

    def _form_columns(self, a2: TableSpec | None) -> tuple[Column, ...]:
        if self.form is None:
            return ()
        from zhenggai.core.schema import APPENDIX1, Kind, default_appendix2

        spec = APPENDIX1 if self.form == TableKind.APPENDIX1 else a2 or default_appendix2()
        kinds: dict[Kind, ColumnKind] = {Kind.COUNT: "count", Kind.AMOUNT: "amount", Kind.DATE: "date",
                                         Kind.SEQ: "int"}
        return tuple(Column(c.key, c.header, c.width, kinds.get(c.kind, "text")) for c in spec.columns)

    def header(self, key: str, a2: TableSpec | None = None) -> str:
        """The header text of the column with this key (KeyError when there is none)."""
        for c in self.columns(province=True, coverage=True, a2=a2):
            if c.key == key:
                return c.header
        raise KeyError(key)


PREFECTURE_HEADER = "市（州）"
COUNTY_HEADER = "县（市、区）"

OVERVIEW = SheetSpec(
    name="汇总概览",
    label="附件3",
    lead=(
        Column("prefecture", PREFECTURE_HEADER, 10, only="province"),
        Column("county", COUNTY_HEADER, 12),
        Column("status", "报送状态", 10, "status"),
        Column("total", "反馈问题数", 9, "count"),
        Column("done", "已完成", 8, "count"),
        Column("open", "未完成", 8, "count"),
        Column("rate", "完成率", 9, "rate"),
        Column("overdue", "逾期未完成", 9, "count"),
        Column("errors", "错误数", 8, "count"),
        Column("warnings", "警告数", 8, "count"),
        Column("coverage", "反馈问题覆盖", 11, only="coverage"),
        Column("files", "来源文件", 44),
    ),
)

ITEMS = SheetSpec(
    name="整改清单汇总",
    label="附件1",
    lead=(
        Column("prefecture", PREFECTURE_HEADER, 9, only="province"),
        Column("county", COUNTY_HEADER, 10),
    ),
    form=TableKind.APPENDIX1,
    tail=(
        Column("category", "问题类别", 14),
        Column("extras", "其他列", 16),
        Column("source_file", "来源文件", 26),
        Column("source_row", "来源行", 7, "int"),
        Column("errors", "校验错误数", 8, "count"),
    ),
)

STATS = SheetSpec(
    name="成果统计汇总",
    label="附件2",
    lead=(Column("prefecture", PREFECTURE_HEADER, 9, only="province"),),
    form=TableKind.APPENDIX2,
    tail=(Column("source_file", "来源文件", 26),),
)

FINDINGS = SheetSpec(
    name="校验问题",
    lead=(
        Column("file", "文件", 30),
        Column("sheet", "工作表", 12),
        Column("cell", "单元格", 7),
        Column("field", "列", 14),
        Column("severity", "级别", 6),
        Column("value", "填写内容", 18),
        Column("message", "说明", 60),
        Column("code", "代码", 18),
    ),
)

PREFECTURES = SheetSpec(
    name="市州汇总",
    lead=(
        Column("prefecture", PREFECTURE_HEADER, 10),
        Column("status", "报送状态", 10, "status"),
        Column("expected", "应报县数", 8, "count"),
        Column("reported", "已报县数", 8, "count"),
        Column("total", "反馈问题数", 9, "count"),
        Column("done", "已完成", 8, "count"),
        Column("open", "未完成", 8, "count"),
        Column("rate", "完成率", 9, "rate"),
        Column("overdue", "逾期未完成", 9, "count"),
        Column("errors", "错误数", 8, "count"),
        Column("saved", "汇总表生成时间", 20, "date"),
    ),
)
"""Province rollups only: one row per 市州 (written after 汇总概览; readers skip it)."""

SHEETS = (OVERVIEW, ITEMS, STATS, FINDINGS)
"""Every sheet of a rollup, in workbook order."""

MARKER_SHEETS = frozenset({OVERVIEW.name, ITEMS.name, STATS.name})
"""A workbook holding all of these is a rollup zhenggai wrote (not a county reply)."""

PROGRESS_SHEET = "进展对比"
"""The sheet ``merge --previous`` adds to a rollup and the only sheet of ``diff -o``'s workbook."""

# The 完成率 chart under 汇总概览: a bar per county, in pixels, and the rows it covers
# when printed (default row height 20 px).
CHART_WIDTH = 720
CHART_BAR = 28  # pixels per county
CHART_MARGIN = 90  # title and axis
CHART_MIN_HEIGHT = 220
CHART_MIN_ROWS = 12
ROW_PIXELS = 20


def chart_height(counties: int) -> int:
    """Pixel height of the 完成率 chart for this many counties (its bars and margins)."""
    return CHART_BAR * counties + CHART_MARGIN
