"""The rows of 附件1 and 附件2 as pydantic models derived from the schema, and their rules.

One model per table, built from ``schema.py``'s column definitions, never written out
a second time: each column's ``Kind`` gives its type and its ``BeforeValidator`` (the
clerk-text cleaning of ``parse.py``), a few columns add a rule of their own
(``COLUMN_RULES``), and the rules that compare fields are model validators. All rows
of a table are validated in one ``TypeAdapter`` call (a Rust loop, not a Python one).

A rule reports through the validation context, a ``RowContext``: ``ctx.report(code,
row, key, raw, **params)``, the one finding emitter (code, cell from the column key,
Chinese message from the catalogue). Rules report and carry on, so a row with an error
still gives its parsed values to the rollup, and one row can have several findings.
A validator may also raise ``PydanticCustomError(code, …)``; that error, like any other
``ValidationError``, becomes findings in exactly one place, ``RowContext.from_errors``
(error type → code, field → column → A1 cell), and only that row loses its parsed values.

Rules that need more than one row (序号 in sequence, the same problem twice) are table
rules, in ``table_rules.py``; ``check.check_table`` runs both on one table.
"""

from __future__ import annotations

import pickle
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import cache, lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    create_model,
)
from pydantic import model_validator as _model_validator

from zhenggai.checking.measures import Verdict, classify, cue_text, warm
from zhenggai.core.codes import FindingCode
from zhenggai.core.findings import Finding, a1, make
from zhenggai.core.gcpause import collector_paused
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import Shown as _Shown
from zhenggai.core.parse import (
    clean_text,
    display,
    exact_product,
    number_text,
    parse_date,
    parse_number,
    parse_yes_no,
    unit_factor,
)
from zhenggai.core.results import DEADLINE
from zhenggai.core.schema import APPENDIX1, Column, Kind, TableSpec
from zhenggai.core.table import Record, Table
from zhenggai.forms.tables import FORMULA_NO_VALUE
from zhenggai.intake import second_cpu

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails


ROW = "row"  # the model field holding the 1-based Excel row
IS_TOTAL = "is_total"  # the model field: a 合计/总计/小计 row (tables.Record.total)
FORMULAS = "formulas"  # input flag: the row holds a formula cell without a saved value


class RowContext:
    """The validation context of one table: what the rules compare against, and the emitter."""

    __slots__ = ("_records", "as_of", "cols", "deadline", "factors", "file", "findings", "reasons", "sheet",
                 "spec", "table", "unit_reasons", "verdicts")

    def __init__(self, table: Table, file: str, deadline: date, as_of: date) -> None:
        self.table = table
        self._records: dict[int, list[object]] | None = None
        self.spec: TableSpec = table.spec
        self.cols: dict[str, int] = table.header.cols
        self.sheet = table.sheet
        self.file = file
        self.deadline = deadline
        self.as_of = as_of
        self.findings: list[Finding] = []
        self.factors: dict[str, float | None] = {}  # 附件2: number column → factor of its header's unit
        self.reasons: dict[int, dict[str, str]] = {}  # 附件2: row → column → why its number is not counted
        self.unit_reasons: dict[str, str] = {}  # 附件2: column whose stated unit is unusable (factor None) → why
        self.verdicts: dict[str, Verdict] = {}  # 附件1: the measures of the rows being validated (_classified)

    def not_counted(self, row: int, key: str, reason: str) -> None:
        """A number of 附件2 that no total may include, and why (for the rollup's red cell)."""
        self.reasons.setdefault(row, {})[key] = reason

    def report(self, code: FindingCode, row: int, key: str, raw: object = None, **params: object) -> None:
        """The one finding emitter: ``code`` at the cell of column ``key`` in ``row``."""
        self.findings.append(make(code, file=self.file, sheet=self.sheet, cell=a1(row, self.cols[key]), row=row,
                                  field=self.spec.column(key).header, value=display(raw), **params))

    def raw(self, row: int, key: str) -> object:
        """What the clerk typed in column ``key`` of ``row`` (for a model rule's message)."""
        if self._records is None:
            self._records = {rec.row: rec.values for rec in self.table.records}
        return self._records[row][self.spec.keys.index(key)]

    def from_errors(self, errors: Sequence[ErrorDetails], row: int) -> None:
        """A row's ``ValidationError`` as findings: error type → code, field → column → A1 cell."""
        for e in errors:
            key = e["loc"][0] if e["loc"] else None
            if not isinstance(key, str) or key not in self.cols:
                key = next(iter(self.cols))  # a whole-row error: the row's first cell
            params = {k: v for k, v in (e.get("ctx") or {}).items() if isinstance(v, (str, int, float, date))}
            # Every rule raises PydanticCustomError with a catalogue code as its type.
            self.report(cast("FindingCode", e["type"]), row, key, e.get("input"), **params)


def _ctx(info: ValidationInfo) -> RowContext:
    ctx = info.context
    assert isinstance(ctx, RowContext)
    return ctx


# A date outside these years in a date column is not what the clerk meant: typically a
# number typed into a date-formatted cell (12 shows as 1900-01-12, 2022 as 1905-07-14).
DATE_MIN, DATE_MAX = date(2015, 1, 1), date(2030, 12, 31)


# --- field validators (one per Kind), and the rules some columns add --------------------
#
# Each gets the raw cell and returns the parsed value. Formula cells without a saved
# result and blank required text are checked once per row by ``cell_rules`` (a model
# "before" validator): one call per row instead of one per text cell.


def _absent(v: object, key: str, info: ValidationInfo) -> bool:
    # A column the table does not have holds None in every record (tables.Record).
    return key not in _ctx(info).cols


# Clerks repeat themselves (是/否, the same few dates): each distinct cell value is parsed
# once. ``typed``: 1, 1.0 and True are different cells. The parse functions are pure and
# their results frozen, so sharing them is safe.
_parse_yes_no = lru_cache(maxsize=1024, typed=True)(parse_yes_no)
_parse_date = lru_cache(maxsize=16384, typed=True)(parse_date)


def _yes_no(key: str) -> Callable[[object, ValidationInfo], bool | None]:
    def validate(v: object, info: ValidationInfo) -> bool | None:
        if v is FORMULA_NO_VALUE or (v is None and _absent(v, key, info)):
            return None
        yn = _parse_yes_no(v)
        if yn.status != "ok":
            row = info.data[ROW]
            if yn.status == "blank":
                _ctx(info).report("required-missing", row, key)
            elif yn.status == "invalid":
                _ctx(info).report("done-invalid", row, key, v)
            elif yn.status == "variant":
                _ctx(info).report("done-variant", row, key, v, as_value="是" if yn.value else "否")
        return yn.value

    return validate


def _date(key: str) -> Callable[[object, ValidationInfo], date | None]:
    def validate(v: object, info: ValidationInfo) -> date | None:
        if v is FORMULA_NO_VALUE or (v is None and _absent(v, key, info)):
            return None
        dv = _parse_date(v)
        when = dv.value
        if (dv.status == "ok" and not dv.approximate and not dv.short_year and when is not None
                and DATE_MIN <= when <= DATE_MAX):
            return when  # the common case
        row = info.data[ROW]
        if dv.short_year:
            _ctx(info).report("date-two-digit-year", row, key, v, date=when)
        if dv.status == "blank":
            _ctx(info).report("required-missing", row, key)
        elif dv.status == "invalid":
            _ctx(info).report("date-invalid", row, key, v)
        elif when is not None and not DATE_MIN <= when <= DATE_MAX:
            _ctx(info).report("date-out-of-range", row, key, v)
            return None  # not a date the clerk meant: counts in no 逾期 figure
        elif dv.approximate:
            _ctx(info).report("date-approximate", row, key, v, date=when)
        return when

    return validate


def _number(c: Column) -> Callable[[object, ValidationInfo], float | None]:
    key, kind = c.key, c.kind

    def validate(v: object, info: ValidationInfo) -> float | None:
        if v is FORMULA_NO_VALUE:
            _ctx(info).not_counted(info.data[ROW], key, "公式没有保存计算结果")  # reported by cell_rules
            return None
        if v is None and _absent(v, key, info):
            return None
        if isinstance(v, _Shown) and v.refused:
            _ctx(info).not_counted(info.data[ROW], key, "单元格格式显示的数与存的数不同")
            _ctx(info).report("number-format-scaled", info.data[ROW], key, v, fmt=v.fmt,
                              stored=clean_text(v.stored), column_unit=c.unit or "本列单位")
            return None
        nv = parse_number(v)
        if nv.status == "blank":
            return 0.0
        ctx, row = _ctx(info), info.data[ROW]
        if nv.status == "dash":
            ctx.report("number-dash", row, key, v)
            return 0.0
        x = nv.value
        if nv.status == "invalid" or x is None:
            ctx.not_counted(row, key, "估计数或范围，不是确切的数" if nv.estimate else "不是可识别的数字")
            ctx.report("number-estimate" if nv.estimate else "number-invalid", row, key, v, note=nv.note)
            return None
        if nv.note:
            ctx.report("number-note", row, key, v, number=number_text(x) + (nv.unit or ""), note=nv.note)
        if nv.status == "variant":
            ctx.report("number-chinese", row, key, v, number=number_text(x) + (nv.unit or ""))
        head = ctx.factors.get(key, 1.0)
        own = unit_factor(nv.unit, c.unit) if nv.unit else 1.0
        if head is None or own is None:
            ctx.not_counted(row, key, f"单位“{nv.unit}”不能换算为{c.unit}" if own is None else ctx.unit_reasons[key])
            if own is None:
                ctx.report("unit-invalid", row, key, v, unit=nv.unit, column_unit=c.unit)
            return None
        factor = own if nv.unit else head
        # In decimal, not rounded: 12000 × 0.0001 is 1.2 and 123.4567元 stays 0.01234567万元.
        converted = x if factor == 1.0 else exact_product(x, factor)
        if nv.unit and own != 1.0:
            ctx.report("unit-converted", row, key, v, detail=f"“{display(v)}”按 {number_text(converted)}{c.unit} 计")
        if x < 0:
            ctx.not_counted(row, key, "负数")
            ctx.report("number-negative", row, key, v)
            return None
        if kind is Kind.COUNT and not float(converted).is_integer():
            ctx.not_counted(row, key, "应为整数")
            ctx.report("number-not-integer", row, key, v)
            return None
        if (kind is Kind.AMOUNT and not nv.unit and (yuan := c.as_yuan(float(converted))) is not None
                and not info.data[IS_TOTAL]):
            # 500000 under 县级财政安排经费（万元）: 50万元 typed in 元, or 50亿元? Never summed as
            # either (a township sheet's 合计 row is checked against its rows instead). A figure
            # with its own unit (5000万元, 0.5亿) was not typed in 元: out of range, it is only
            # implausible (indicator-implausible says so), not "please convert to 万元".
            assert c.plausible is not None
            ctx.not_counted(row, key, "像是按元填写，两种读法相差一万倍")
            ctx.report("amount-maybe-yuan", row, key, v, number=number_text(converted), yuan=number_text(yuan),
                       low=number_text(c.plausible[0]), high=number_text(c.plausible[1]))
            return None
        if kind is Kind.AMOUNT and nv.decimals > 2 and converted == x:
            ctx.report("number-too-many-decimals", row, key, v)
        return converted

    return validate


def _county(key: str) -> Callable[[object, ValidationInfo], str | None]:
    def validate(v: object, info: ValidationInfo) -> str | None:
        if v is None and _absent(v, key, info):
            return None
        county = clean_text(v)
        if not county and not info.data[IS_TOTAL]:
            _ctx(info).report("required-missing", info.data[ROW], key)
        return county or None

    return validate


_PLEDGE_CODES: dict[str, FindingCode] = {
    "pledge": "measure-pledge-only", "deadline": "measure-deadline-only", "meeting": "measure-meeting-only"}


def _pledge_only(v: object, info: ValidationInfo) -> object:
    """整改措施 that only promises (“将进一步加强”, “确保年底前完成”, “召开会议3次”): measures.py decides."""
    if isinstance(v, str) and v:
        verdict = _ctx(info).verdicts.get(v) or classify(v)
        if verdict.pledge:
            _ctx(info).report(_PLEDGE_CODES[verdict.kind.value], info.data[ROW], "measure", v,
                              words=cue_text(verdict.words))
    return v


COLUMN_RULES: dict[str, tuple[Callable[[object, ValidationInfo], object], ...]] = {
    "measure": (_pledge_only,),
}
"""Rules of one column beyond its kind's: column key → extra before-validators."""


def _field(c: Column) -> tuple[Any, Any]:
    """A column's model field: its parsed type and validators, from its ``Kind``."""
    key, kind = c.key, c.kind
    validators: list[Any] = [BeforeValidator(rule) for rule in COLUMN_RULES.get(key, ())]
    tp: Any = Any  # text and 序号 stay as the clerk wrote them (序号 in sequence: a table rule)
    if kind is Kind.YESNO:
        tp, validators = bool | None, [*validators, BeforeValidator(_yes_no(key))]
    elif kind is Kind.DATE:
        tp, validators = date | None, [*validators, BeforeValidator(_date(key))]
    elif kind in (Kind.COUNT, Kind.AMOUNT):
        tp, validators = float | None, [*validators, BeforeValidator(_number(c))]
    elif kind is Kind.COUNTY:
        tp, validators = str | None, [*validators, BeforeValidator(_county(key))]
    # pydantic runs the last-listed BeforeValidator first: the kind's validator parses first.
    metadata = (tp, *validators)
    return (Annotated[metadata] if validators else tp), Field(None, validation_alias=key)


def _cell_rules(spec: TableSpec) -> Callable[[Any, ValidationInfo], Any]:
    """Formula cells without a saved value, and blank required text, in one row."""
    # 附件2's text columns (县, 备注) hold nothing counted: only its numbers are reported.
    formula_keys = [c.key for c in spec.columns if spec.kind == TableKind.APPENDIX1 or c.is_number]
    required_text = [c.key for c in spec.columns if c.required and c.kind is Kind.TEXT]

    def cell_rules(data: Any, info: ValidationInfo) -> Any:
        for key in required_text:
            v = data[key]
            # Blank or only spaces (what strip() removes is what isspace() tests); only a
            # str is ever blank. isspace() stops at the first letter of a long description.
            if isinstance(v, str) and (not v or v.isspace()):
                _ctx(info).report("required-missing", data[ROW], key)
        if data[FORMULAS]:
            for key in formula_keys:
                if data[key] is FORMULA_NO_VALUE:
                    _ctx(info).report("formula-no-value", data[ROW], key)
        return data

    return cell_rules


# --- rules across the fields of a row (model validators) -------------------------------


def deadline_rules(row: Any, info: ValidationInfo) -> Any:
    """完成时限 against 是否完成整改, the deadline and the as-of date (附件1)."""
    when, done = row.deadline, row.done
    if when is None or done is None:
        return row
    ctx: RowContext = info.context  # type: ignore[assignment]
    r = row.row
    if done is False:
        if when > ctx.deadline:
            # The notice's 2022年底 is quoted only when it is the deadline used (--deadline may differ).
            basis = "（通知要求原则上2022年底前全部完成）" if ctx.deadline == DEADLINE else ""
            ctx.report("deadline-too-late", r, "deadline", ctx.raw(r, "deadline"), date=when, deadline=ctx.deadline,
                       basis=basis)
        elif when < ctx.as_of:
            ctx.report("overdue", r, "deadline", ctx.raw(r, "deadline"), date=when, as_of=ctx.as_of)
    elif when > ctx.as_of:
        ctx.report("done-date-future", r, "deadline", ctx.raw(r, "deadline"), date=when, as_of=ctx.as_of)
    return row


def count_sum_rule(row: Any, info: ValidationInfo) -> Any:
    """已完成 + 未完成 = 反馈问题数 (附件2)."""
    total, done, open_ = row.total, row.done, row.open
    if total is not None and done is not None and open_ is not None and done + open_ != total:
        ctx = _ctx(info)
        ctx.report("count-sum-mismatch", row.row, "total", ctx.raw(row.row, "total"), done=number_text(done),
                   open=number_text(open_), sum=number_text(done + open_), total=number_text(total))
    return row


MODEL_RULES: dict[str, tuple[Callable[[Any, ValidationInfo], Any], ...]] = {
    TableKind.APPENDIX1: (deadline_rules,),
    TableKind.APPENDIX2: (count_sum_rule,),
}
"""Rules across the fields of one row, per table kind (run after the fields are parsed)."""

class _RowBase(BaseModel):
    model_config = ConfigDict(extra="ignore", arbitrary_types_allowed=True)

    row: int
    is_total: bool = False


def field_name(key: str) -> str:
    """The model field of a column key (an indicator key may be a BaseModel attribute: ``json``)."""
    return f"{key}_" if hasattr(_RowBase, key) else key


@cache
def row_model(spec: TableSpec) -> type[BaseModel]:
    """The row model of a table, derived from its columns (cached per spec)."""
    fields: dict[str, Any] = {field_name(c.key): _field(c) for c in spec.columns}
    validators: dict[str, Any] = {"cell_rules": _model_validator(mode="before")(_cell_rules(spec))}
    validators |= {
        rule.__name__: _model_validator(mode="after")(rule) for rule in MODEL_RULES[spec.kind]
    }
    name = "Appendix1Row" if spec.kind == TableKind.APPENDIX1 else "Appendix2Row"
    model: type[BaseModel] = create_model(name, __base__=_RowBase, __validators__=validators, **fields)
    return model


@cache
def _adapter(spec: TableSpec) -> TypeAdapter[list[Any]]:
    model: Any = row_model(spec)
    adapter: TypeAdapter[list[Any]] = TypeAdapter(list[model])
    return adapter


CHUNK = 4096
"""Rows per ``TypeAdapter`` call: only one chunk's models are alive at a time (a 100,000-row
table would otherwise hold 100,000 models at once, about 100 MB)."""


BLOCK = 1024
"""Rows a process takes at a time when two share a big 附件1 (second_cpu.Meeting): ~30 ms of
checking, so the two processes end within about that of each other."""


def _size(meeting: second_cpu.Meeting) -> int:
    """The rows to take next: ``BLOCK``, a quarter of it once no more than four blocks are left,
    so that the two processes end within a smaller block of each other (~3 ms rather than ~10:
    the one done first waits for the other, serial time)."""
    return BLOCK if meeting.left() > 4 * BLOCK else max(BLOCK // 4, 1)


MEANWHILE_LEFT = 0.35
"""When no more than this part of a shared 附件1's rows is left to take, this process runs
``meanwhile`` (the table rules, roughly a seventh of the rows' cost) while the child goes on
checking. Too early costs nothing (this process then comes back for the rows still left); too
late would leave the child idle at the end."""


def validate_rows(table: Table, ctx: RowContext, *, fields: Sequence[str] | None = None,
                  meanwhile: Callable[[], None] | None = None, as_tuples: bool = False) -> Iterator[Any]:
    """Every record of ``table`` through its row model, in order; findings go to ``ctx``.

    Yields each record's model, or None for a row whose validator raised; with ``as_tuples``,
    the tuple of its ``fields`` instead of the model (what a caller that reads only those
    fields keeps: the child's rows then come as they were sent, none made a named tuple and
    taken apart again, ~0.4 µs a row serial at the end of a big 附件1). A big 附件1's rows
    are shared with a forked child where a second CPU is idle (second_cpu.py): this process
    takes blocks of rows from the front, the child from the back, until they meet, so both end
    together whatever each one's speed. 附件1's rules only report, so the child's findings and
    parsed values are all its rows give; its rows come as named tuples of the model's
    ``fields`` (all when None: the attributes the caller reads). ``meanwhile()`` is called
    once, before the child's rows are waited for: after this process's rows, or, when a child
    shares them, once few are left to take (and this process then checks any still left).
    """
    fields = tuple(fields or row_model(table.spec).model_fields)
    with collector_paused():
        yield from _halves(table, ctx, fields, meanwhile, _shape(fields) if as_tuples else None)


_Shape = Callable[[Any], tuple[Any, ...]]


def _shape(fields: tuple[str, ...]) -> _Shape:
    """A model → the tuple of its ``fields`` (one C call)."""
    get = attrgetter(*fields)
    return get if len(fields) > 1 else lambda m: (get(m),)  # attrgetter of one name gives no tuple


def _halves(table: Table, ctx: RowContext, fields: tuple[str, ...],
            meanwhile: Callable[[], None] | None, shape: _Shape | None) -> Iterator[Any]:
    n = len(table.records)
    if (n >= second_cpu.ROWS_MIN and table.spec.kind == TableKind.APPENDIX1 and _second_cpu()
            and (meeting := _meeting(n)) is not None):
        warm()  # the segmenter loaded once, before the fork, not in both processes
        try:
            pending = second_cpu.start(lambda: _checked(table, ctx, meeting, fields))
            if pending is not None:
                yield from _shared(table, ctx, fields, meanwhile, meeting, pending, shape)
                return
        finally:
            meeting.close()
    yield from _validate(table, ctx, 0, n, shape)
    if meanwhile is not None:
        meanwhile()


def _meeting(n: int) -> second_cpu.Meeting | None:
    """The rows' meeting point for two processes, or None (no temporary file or shared memory
    to be had: one process checks them all)."""
    try:
        return second_cpu.Meeting(0, n)
    except OSError:
        return None


def _shared(table: Table, ctx: RowContext, fields: tuple[str, ...], meanwhile: Callable[[], None] | None,
            meeting: second_cpu.Meeting, pending: second_cpu.Pending, shape: _Shape | None) -> Iterator[Any]:
    """This process's part of rows shared with a child: blocks from the front, then the child's rows."""
    n = len(table.records)
    end = 0  # this process has checked rows 0:end
    while True:
        if meanwhile is not None and meeting.left() <= MEANWHILE_LEFT * n:
            meanwhile()
            meanwhile = None
        block = meeting.front(_size(meeting))
        if block is None:
            break
        yield from _validate(table, ctx, *block, shape)
        end = block[1]
    if meanwhile is not None:
        meanwhile()
    got = _received(pending.result(), end, n)
    if got is None:  # the child failed (or took other rows, or sent something unreadable): the rest here
        yield from _validate(table, ctx, end, n, shape)
        return
    rows, findings = got
    ctx.findings += findings
    if shape is not None:
        yield from rows  # already what the caller asked for: the tuples of its fields
        return
    values = _values(table.spec, fields)
    for row in rows:
        yield None if row is None else values._make(row)


_Block = bytes
"""A block of rows checked by the child: its rows (the tuples of their fields, None where a
validator raised) and its findings, pickled."""


def _received(got: object, end: int, n: int) -> tuple[list[tuple[Any, ...] | None], list[Finding]] | None:
    """The child's rows and findings, in row order, or None unless they are rows ``end:n`` (every
    block read before any row is used: a bad one leaves nothing half done)."""
    try:
        first, blocks = cast("tuple[int, list[_Block]]", got)
        if first != end:
            return None
        rows: list[tuple[Any, ...] | None] = []
        findings: list[Finding] = []
        for block in blocks:
            got_rows, found = pickle.loads(block)  # our own child's rows, over our own pipe
            rows += got_rows
            findings += found
        if len(rows) != n - end:
            return None
    except Exception:  # noqa: BLE001 - anything unreadable: this process checks those rows
        return None
    return rows, findings


@cache
def _values(spec: TableSpec, fields: tuple[str, ...]) -> Any:
    """A row checked by the child, as a named tuple of some of its model's fields (what the model
    would hold, attribute by attribute; building 50,000 models again would cost what the child saved)."""
    return namedtuple(f"{row_model(spec).__name__}Values", fields)


def _checked(table: Table, ctx: RowContext, meeting: second_cpu.Meeting,
             fields: tuple[str, ...]) -> tuple[int, list[_Block]]:
    """In the child: blocks of rows from the back until the two processes meet; the first row
    it checked, and the ``fields`` of its rows and their findings by block, in row order.

    Each block is pickled as soon as it is checked: that work is shared by the Meeting like the
    checking, instead of lying between the child's last row and this process's use of its rows
    (~20 ms of a 100,000-row 附件1: 60,000 tuples and 2,400 findings)."""
    first = len(table.records)
    shape = _shape(fields)
    blocks: list[_Block] = []
    while (block := meeting.back(_size(meeting))) is not None:
        start = len(ctx.findings)
        rows = list(_validate(table, ctx, *block, shape))
        blocks.append(pickle.dumps((rows, ctx.findings[start:]), protocol=pickle.HIGHEST_PROTOCOL))
        first = block[0]
    blocks.reverse()  # taken from the back: the last block holds the first rows
    return first, blocks


def _validate(table: Table, ctx: RowContext, first: int, end: int, shape: _Shape | None = None) -> Iterator[Any]:
    """Records ``first:end`` through the row model, a chunk of them per TypeAdapter call: each
    one's model (``shape(model)`` with a ``shape``), or None where its validator raised."""
    keys = table.spec.keys
    formula_rows = {row for row, _, _ in table.formula_cells}  # the only rows holding FORMULA_NO_VALUE
    adapter = _adapter(table.spec)
    records = table.records
    measure = table.spec.keys.index("measure") if "measure" in table.spec.keys else None
    for lo in range(first, end, CHUNK):
        data: list[dict[str, Any]] = []
        keep = data.append
        for rec in records[lo:min(lo + CHUNK, end)]:
            # A record holds one value per column of the spec (Rows.values): zip without strict=.
            # The three more set one by one: no list of all ten built first (~15 % less).
            d: dict[str, Any] = dict(zip(keys, rec.values))  # noqa: B905
            d[ROW] = rec.row
            d[IS_TOTAL] = rec.total
            d[FORMULAS] = rec.row in formula_rows
            keep(d)
        if measure is not None:
            ctx.verdicts = _classified(records, lo, min(lo + CHUNK, end), measure)
        start = len(ctx.findings)
        try:
            models = adapter.validate_python(data, context=ctx)
        except ValidationError:
            # A validator raised: validate row by row, so only the failing rows lose their
            # parsed values (None); the findings of the first pass are made again.
            del ctx.findings[start:]
        else:
            yield from (models if shape is None else map(shape, models))
            continue
        model = row_model(table.spec)
        for d in data:
            try:
                m = model.model_validate(d, context=ctx)
            except ValidationError as exc:
                ctx.from_errors(exc.errors(include_url=False), d[ROW])
                yield None
            else:
                yield m if shape is None else shape(m)


def _classified(records: Sequence[Record], lo: int, end: int, at: int) -> dict[str, Verdict]:
    """The verdicts of the measures (column ``at``) of records ``lo:end``, for ``_pledge_only``.

    The same ``classify`` calls the row model would make, made one after another before the
    chunk is validated: the classifier's patterns and the segmenter's tables then stay in the
    CPU's caches instead of being pushed out by pydantic's work between two rows (100,000 rows
    of the benchmark: ~26 → ~22 µs a row on one CPU). ``classify`` is pure: the verdict is the one
    ``_pledge_only`` would compute itself, which it still does for any text not found here.
    A measure repeated within the chunk is classified once; past its ``lru_cache``
    (``__wrapped__``), whose upkeep (~0.8 µs a text) buys nothing when nearly every row's
    measure is its own, as in a real county's list."""
    verdicts: dict[str, Verdict] = {}
    for rec in records[lo:end]:
        v = rec.values[at]
        if isinstance(v, str) and v and v not in verdicts:
            verdicts[v] = _classify_fresh(v)
    return verdicts


_classify_fresh: Callable[[str], Verdict] = classify.__wrapped__


def prepare() -> None:
    """What checking a big 附件1 needs, loaded ahead: the segmenter and the row model. The
    reader calls it while it waits for the guard of a big sheet on the second CPU
    (reader._read_aside); both are loaded once a process, and needed anyway."""
    warm()
    _adapter(APPENDIX1)


def _second_cpu() -> bool:
    return second_cpu.available()
