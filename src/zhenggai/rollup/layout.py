"""The rollup workbook's layout as data: sheet names, columns, header texts and widths.

One source of truth for everything that writes or reads a rollup: the writer
(``outputs/rollup_workbook.py``), the province reader (``province.py``), the terminal
renderer, the DataFrames (``frames.py``) and other programs that read rollups (progress
between rounds). A rollup sheet has a label row, a title row, a subtitle row, the header
row, then data. The stamped sheets (附件1 整改清单汇总, 附件2 成果统计汇总, 附件3 汇总概览)
carry the official form's columns (from ``schema.py``) and 县（市、区）/市（州） only; the
working sheets (核对底稿, 校验问题) carry everything the tool adds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Literal

from zhenggai.core.kinds import TableKind

if TYPE_CHECKING:
    from zhenggai.core.schema import TableSpec

# 0-based rows of every rollup sheet (xlsxwriter and calamine count from 0). The rollup
# goes to the province as formal attachments (公文 conventions, GB/T 9704): the "附件N"
# label on its own line top left, the title centred under it, the 填报单位（盖章） line with
# the as-of date at its right, the header, the data, and a 联系人 line (CONTACT_PREFIX)
# under each table. Working sheets keep the same rows: their first line says they are
# not part of the stamped set, and they carry no 盖章 line.
LABEL_ROW, TITLE_ROW, SUBTITLE_ROW, HEADER_ROW = 0, 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1
# A reader looks for the header row among this many rows: room for a prefecture that
# inserted a note row or two above our header before sending the rollup on.
HEADER_SEARCH_ROWS = 10
CONTACT_PREFIX = "联系人："  # the line under each table: ends the table for a reader
TOTAL_LABELS = frozenset({"合计", "小计", "总计"})  # total rows, never counties
TITLE_PREFIX = "电子商务进农村综合示范专项整改"  # the title reads "{place}{TITLE_PREFIX}{SheetSpec.title}"
AS_OF_LABEL = "统计截至"  # the 填报单位 line ends "统计截至 2022年7月15日"
WORKING_NOTE = "工作用表（供核对，不作为附件报送，不盖章）"  # the label row of a working sheet
PAGE_FOOTER = "&C— &P —"  # 公文 page numbers; the stamped set is numbered through
WORKING_FOOTER = "&C{name}　第 &P 页"  # a working sheet numbers its own pages from 1


def cn_date(d: date) -> str:
    """2022年7月15日: how every date on the printed pages is written."""
    return f"{d.year}年{d.month}月{d.day}日"


CN_DATE_FORMAT = 'yyyy"年"m"月"d"日"'  # the same, as an Excel number format for date cells
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def cn_dates(text: str) -> str:
    """Text printed on a page with its ISO dates written 2022年7月15日 (finding messages
    and the 进展对比 cells say 2022-12-31; the printed pages write every date one way)."""
    return _ISO_DATE.sub(lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", text)

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
    only: Literal["province", "coverage", "review"] | None = None  # written only in that case


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
    title: str = ""  # after "{place}{TITLE_PREFIX}"; the sheet name when empty
    stamped: bool = True  # part of the stamped set (盖章 line, pages numbered through)
    widths: dict[str, float] = field(default_factory=dict)  # printed widths that differ from the form's

    @property
    def heading(self) -> str:
        """The title after the place: "…专项整改清单汇总表", never "…专项整改整改清单汇总"."""
        return f"{TITLE_PREFIX}{self.title or self.name}"

    def columns(
        self, *, province: bool = False, coverage: bool = False, a2: TableSpec | None = None, review: bool = False
    ) -> tuple[Column, ...]:
        """The columns as written for this rollup (``a2``: this run's 附件2, default the packaged one;
        ``review``: the web intake's 审核状态 column)."""
        on = {None, *(("province",) if province else ()), *(("coverage",) if coverage else ()),
              *(("review",) if review else ())}
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
        return tuple(Column(c.key, c.header, self.widths.get(c.key, c.width), kinds.get(c.kind, "text"))
                     for c in spec.columns)

    def header(self, key: str, a2: TableSpec | None = None) -> str:
        """The header text of the column with this key (KeyError when there is none)."""
        for c in self.columns(province=True, coverage=True, a2=a2, review=True):
            if c.key == key:
                return c.header
        raise KeyError(key)


PREFECTURE_HEADER = "市（州）"
COUNTY_HEADER = "县（市、区）"

# The stamped set: 附件1, 附件2 (the notice's two forms, summed over the counties) and the
# overview as 附件3. Each carries only the official columns plus 县（市、区） (and 市（州）
# in a province rollup); what a prefecture needs to check its work is on WORK.
ITEMS = SheetSpec(
    name="整改清单汇总",
    label="附件1",
    title="清单汇总表",
    lead=(
        Column("prefecture", PREFECTURE_HEADER, 9, only="province"),
        Column("county", COUNTY_HEADER, 10),
    ),
    form=TableKind.APPENDIX1,
    widths={"deadline": 16.5},  # "2022年12月31日" on one line
)

STATS = SheetSpec(
    name="成果统计汇总",
    label="附件2",
    title="成果统计汇总表",
    lead=(Column("prefecture", PREFECTURE_HEADER, 9, only="province"),),
    form=TableKind.APPENDIX2,
)

OVERVIEW = SheetSpec(
    name="汇总概览",
    label="附件3",
    title="进展汇总表",
    lead=(
        Column("prefecture", PREFECTURE_HEADER, 14, only="province"),
        Column("county", COUNTY_HEADER, 16),
        Column("status", "报送状态", 14, "status"),
        Column("review", "审核状态", 14, only="review"),  # the web intake's review of what is counted
        Column("total", "反馈问题数", 14, "count"),
        Column("done", "已完成", 12, "count"),
        Column("open", "未完成", 12, "count"),
        Column("rate", "完成率", 12, "rate"),
        Column("overdue", "逾期未完成", 14, "count"),
    ),
)

# The working sheet: per county (its files, errors, warnings, coverage) and per row of
# 附件1 and 附件2 (source file and row, category, errors, the clerk's extra columns), in
# the stamped sheets' order. The province reader joins it back county by county.
WORK = SheetSpec(
    name="核对底稿",
    title="汇总核对底稿",
    stamped=False,
    lead=(
        Column("prefecture", PREFECTURE_HEADER, 9, only="province"),
        Column("county", COUNTY_HEADER, 10),
        Column("table", "所在表", 9),
        Column("row", "所在行", 9, "int"),
        Column("seq", "序号", 7, "int"),
        Column("category", "问题类别", 21),  # "二、资金和资产管理方面" on one line
        Column("files", "来源文件", 44),
        Column("source_row", "来源行", 9, "int"),
        Column("errors", "错误数", 9, "count"),
        Column("warnings", "警告数", 9, "count"),
        Column("coverage", "反馈问题覆盖", 15),
        Column("extras", "其他列", 30),
    ),
)
WORK_TABLES = {"overview": "附件3", "items": "附件1", "stats": "附件2"}  # 所在表 values

# Rollups written before 核对底稿 carried these columns on the stamped sheets themselves;
# the reader still finds them there (last round's rollup for merge --previous).
LEGACY_HEADERS = {"files": ("来源文件",), "errors": ("错误数", "校验错误数"), "warnings": ("警告数",),
                  "coverage": ("反馈问题覆盖",), "category": ("问题类别",), "extras": ("其他列",),
                  "source_row": ("来源行",)}

FINDINGS = SheetSpec(
    name="校验问题",
    title="汇总校验问题清单",
    stamped=False,
    lead=(
        Column("file", "文件", 30),
        Column("sheet", "工作表", 12),
        Column("cell", "单元格", 9),
        Column("field", "列", 14),
        Column("severity", "级别", 6),
        Column("value", "填写内容", 18),
        Column("message", "说明", 60),
        Column("code", "代码", 18),
    ),
)

PREFECTURES = SheetSpec(
    name="市州汇总",
    title="市州汇总表",
    lead=(
        Column("prefecture", PREFECTURE_HEADER, 10),
        Column("status", "报送状态", 10, "status"),
        Column("expected", "应报县数", 11, "count"),
        Column("reported", "已报县数", 11, "count"),
        Column("total", "反馈问题数", 13, "count"),
        Column("done", "已完成", 10, "count"),
        Column("open", "未完成", 10, "count"),
        Column("rate", "完成率", 10, "rate"),
        Column("overdue", "逾期未完成", 13, "count"),
        Column("errors", "错误数", 10, "count"),
        Column("saved", "汇总表生成时间", 22, "date"),
    ),
)
"""Province rollups only: one row per 市州 (printed after 汇总概览, numbered with the stamped set)."""

SHEETS = (ITEMS, STATS, OVERVIEW, WORK, FINDINGS)
"""Every sheet of a rollup, in workbook order (a province adds 市州汇总 after the overview,
``merge --previous`` adds 进展对比 before the working sheets)."""

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
