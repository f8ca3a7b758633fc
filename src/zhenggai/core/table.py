"""A table as found on a sheet: where its header is, its rows and the lines around it.

The value ``forms.tables`` hands to checking. Plain data over the schema's ``TableSpec``,
so every stage above can name it without importing the table finder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zhenggai.core.codes import FindingCode
from zhenggai.core.kinds import TableKind
from zhenggai.core.pickled import pickled_by_fields
from zhenggai.core.schema import TableSpec

__all__ = ["Contact", "Header", "Reading", "Record", "Table"]


@dataclass(slots=True)
class Header:
    """Where a table's columns are: the header row and each column's position."""

    row: int  # 0-based row of the (last) header row
    cols: dict[str, int]  # column key → 0-based column
    labels: dict[str, str]  # column key → the header text as the clerk wrote it
    variants: list[tuple[str, str]]  # (key, text) matched by alias or similarity
    extras: dict[int, str]  # 0-based column → header text, for columns not in the schema
    missing: list[str]  # keys of schema columns not found
    # A second column headed for the same counted field (是否完成整改 twice, a 7月 and a 10月
    # one; 县级财政安排经费 twice): (key, 0-based column). It is also in ``extras``.
    twins: list[tuple[str, int]] = field(default_factory=list)

    @property
    def last_col(self) -> int:
        """Rightmost column that belongs to the table."""
        return max([*self.cols.values(), *self.extras.keys()])


@pickled_by_fields
@dataclass(slots=True)
class Record:
    """One data row: raw values in schema column order, with where they came from."""

    row: int  # 1-based Excel row
    values: list[object]  # "" for empty; FORMULA_NO_VALUE; None when the column is missing
    category: str | None = None
    extras: dict[str, object] = field(default_factory=dict)
    # 附件2: a 合计/总计/小计 row (kept to check a township breakdown against it).
    total: bool = False
    # 附件1: 1-based row of the first row of a 问题描述 merged down over several measure
    # rows; rows sharing it are ONE problem with several measures. None: not merged.
    group: int | None = None


@dataclass(slots=True)
class Reading:
    """A second reading of some cells of one column, for checking to compare with the first.

    Either another column headed for the same field (``col`` is that column, ``label`` its
    header text), or the text a Word cell held before a revision not yet accepted
    (``col`` None): the clerk may have meant either. checking/readings.py parses both; cells
    that read the same are counted, cells that differ are an error and in no total.
    """

    key: str  # the schema column both readings belong to
    cells: dict[int, object]  # 1-based row → the other reading's raw value
    col: int | None = None
    label: str = ""


@dataclass(slots=True)
class Contact:
    """The contact line under the table."""

    row: int  # 1-based
    col: int  # 0-based
    name: str
    phone: str
    text: str


@dataclass(slots=True)
class Table:
    """A table found on a sheet."""

    spec: TableSpec
    sheet: str
    header: Header
    records: list[Record]
    bureau: tuple[int, int, str] | None  # (1-based row, 0-based col, text) of the 盖章 line
    county: str | None  # county named in the bureau line (None: missing or placeholder)
    contact: Contact | None
    formula_cells: list[tuple[int, int, str]]  # (1-based row, 0-based col, key) without value
    # How rows were read that a clerk should hear about: (finding code, 1-based row, 0-based
    # col, message parameters), e.g. a continuation row appended to the problem above.
    notes: list[tuple[FindingCode, int, int, dict[str, object]]] = field(default_factory=list)
    # Without a readable 盖章 line: (where, county) named elsewhere on the sheet — ("标题", …)
    # from a title row above the header, or ("工作表名", …) from the sheet's name.
    county_elsewhere: tuple[str, str] | None = None
    # A 附件2 turned sideways: rows and columns here are the sheet's columns and rows
    # (the finding's cells are turned back in checking/files.py).
    transposed: bool = False
    # Where the clerk states units outside the header cells: the row of units right under
    # the header (column key → (1-based row, 0-based col, text)), and a "单位：元" line above
    # the table ((1-based row, 0-based col, text)). checking/table_rules.py reads them.
    unit_cells: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    caption_unit: tuple[int, int, str] | None = None
    # 附件2: merged cells that put one figure in several number cells of the data rows
    # ((1-based first row, 0-based first col, 1-based last row, 0-based last col)).
    merged_numbers: list[tuple[int, int, int, int]] = field(default_factory=list)
    # Cells with a second reading (a twin column, a Word revision): checking/readings.py.
    readings: list[Reading] = field(default_factory=list)
    # 1-based rows hidden on the sheet (by a filter or by hand) that lie inside the table and
    # were read as its rows: whether they count the reader cannot tell (hidden-row-read).
    hidden_read: list[int] = field(default_factory=list)
    # Rows with no header of their own read under the table of this sheet (or Word table)
    # they continue (forms/continuation.py): its name; None for a table with its own header.
    continues: str | None = None

    @property
    def kind(self) -> TableKind:
        """Which official table this is."""
        return self.spec.kind
