"""The columns of 附件1 and 附件2: the single source of truth.

The template writer, the reader's header matching, the validator and the rollup all
take their columns from here. 附件2's indicator columns are data (a TOML file shipped
in the package, replaceable with ``--indicators``), because the province's real form
may name other measures than the notice does.
"""

from __future__ import annotations

import sys
from enum import Enum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, SupportsIndex

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zhenggai.core.errors import SchemaError, os_reason, toml_place
from zhenggai.core.kinds import TableKind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


# The hidden sheet in which ``init-county`` writes the form's own definition (which
# indicator columns its 附件2 has), so that validate and merge read a custom 附件2 with
# no ``--indicators`` flag. A hidden sheet, not custom document properties: it survives
# a re-save in Excel, WPS and as .xls. Readers must not treat it as an "older hidden
# copy" of a form, and must never look for a table in it.
META_SHEET = "zhenggai表样定义"


class Kind(str, Enum):
    """What a column holds; decides its parser, its Excel rule and its rollup."""

    SEQ = "seq"  # 序号
    TEXT = "text"
    YESNO = "yesno"  # 是/否
    DATE = "date"
    COUNT = "count"  # whole number ≥ 0
    AMOUNT = "amount"  # number ≥ 0, at most 2 decimals
    COUNTY = "county"  # 县（市、区）


class Column(BaseModel):
    """One column of an official table."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    header: str
    kind: Kind
    required: bool = False
    width: float = 12
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    # The measures the notice lists: 附件2 indicator columns, summed in the rollup.
    indicator: bool = False
    # A running total since the campaign began: it may not go down between two rounds.
    cumulative: bool = False
    # How a 整改措施 states this indicator ("追回…资金…35万元"): checking/quantities.py.
    measure_verbs: tuple[str, ...] = ()
    measure_objects: tuple[str, ...] = ()
    measure_units: tuple[str, ...] = ()
    # (low, high): a figure outside is a warning with its likely cause; an amount that reads
    # as 元 typed into a 万元 column is an error (as_yuan).
    plausible: tuple[float, float] | None = None

    @property
    def is_number(self) -> bool:
        """True for the columns that hold counts or amounts."""
        return self.kind in (Kind.COUNT, Kind.AMOUNT)

    def as_yuan(self, value: float) -> float | None:
        """The figure in 万元 when ``value`` in this 万元 column lies above its plausible range
        and, read as 元, falls inside it (500000 → 50): the two readings differ 10,000-fold,
        so the figure is an error and in no total (checking/rows.py); None otherwise."""
        if self.plausible is None or self.unit != "万元":
            return None
        low, high = self.plausible
        return value / 10000 if value > high and low <= value / 10000 <= high else None


class TableSpec(BaseModel):
    """One official table: its label, title and columns in order."""

    model_config = ConfigDict(frozen=True)

    kind: TableKind
    label: str  # 附件1
    title: str  # 示范县整改清单
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        """The column with this key (KeyError when there is none)."""
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        """Column keys in order."""
        return tuple(c.key for c in self.columns)

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        """The packaged tables pickle as a reference to themselves, any other table in full.

        A reading worker's result (intake/boundary.py) holds the table of each form it found:
        at 1,500 counties 3,900 copies of 附件1 and 附件2, which the merge unpickled into
        3,900 new models of ~20 columns each (about half of all the unpickling, ~0.4 s)."""
        if self is APPENDIX1:
            return "APPENDIX1"
        if self is default_appendix2():
            return default_appendix2, ()
        return super().__reduce_ex__(protocol)


APPENDIX1 = TableSpec(
    kind=TableKind.APPENDIX1,
    label="附件1",
    title="示范县整改清单",
    columns=(
        Column(key="seq", header="序号", kind=Kind.SEQ, width=6, aliases=("编号", "序")),
        Column(
            key="problem",
            header="问题描述（按反馈问题清单填报）",
            kind=Kind.TEXT,
            required=True,
            width=38,
            aliases=("问题描述", "存在问题", "反馈问题", "问题"),
        ),
        Column(
            key="measure",
            header="整改措施和情况",
            kind=Kind.TEXT,
            required=True,
            width=48,
            aliases=("整改措施及情况", "整改措施与情况", "整改措施", "整改情况", "整改措施和进展"),
        ),
        Column(
            key="done",
            header="是否完成整改",
            kind=Kind.YESNO,
            required=True,
            width=14.5,  # "是否完成整改" on one line
            aliases=("是否完成", "是否整改完成", "完成情况", "整改进度"),
        ),
        Column(
            key="deadline",
            header="完成时限",
            kind=Kind.DATE,
            required=True,
            width=13,
            aliases=("完成时间", "整改时限", "整改期限", "完成期限", "整改完成时限", "完成日期"),
        ),
        Column(
            key="owner",
            header="责任人",
            kind=Kind.TEXT,
            required=True,
            width=10,
            aliases=("责任领导", "负责人"),
        ),
        Column(
            key="unit",
            header="责任单位",
            kind=Kind.TEXT,
            required=True,
            width=16,
            aliases=("责任部门", "牵头单位"),
        ),
    ),
)


class Indicator(BaseModel):
    """One measure of 附件2, as written in an ``--indicators`` TOML file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    header: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    type: Literal["amount", "count"]
    aliases: tuple[str, ...] = ()
    cumulative: bool = False  # a running total: merge --previous / diff warn when it goes down
    # How a 整改措施 states it: a verb, then an object, then a figure with one of the units
    # (any money unit for an amount). Measures' figures are summed and compared with 附件2.
    measure_verbs: tuple[str, ...] = ()
    measure_objects: tuple[str, ...] = ()
    measure_units: tuple[str, ...] = ()
    # The range a county's figure plausibly lies in (a province can change it): outside it
    # is a warning on the cell, with the likely cause ("是否按元填写？").
    plausible: tuple[float, float] | None = None

    @field_validator("plausible")
    @classmethod
    def _ordered(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not 0 <= v[0] <= v[1]:
            raise ValueError("合理范围须写成 [下限, 上限]，0 ≤ 下限 ≤ 上限")
        return v

    @field_validator("header", "unit")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    def column(self) -> Column:
        """The 附件2 column for this indicator."""
        return Column(
            key=self.key,
            header=f"{self.header}（{self.unit}）",
            kind=Kind.AMOUNT if self.type == "amount" else Kind.COUNT,
            width=header_width(self.header, self.unit),
            aliases=(self.header, *self.aliases),
            unit=self.unit,
            indicator=True,
            cumulative=self.cumulative,
            measure_verbs=self.measure_verbs,
            measure_objects=self.measure_objects,
            measure_units=self.measure_units,
            plausible=self.plausible,
        )


def header_width(name: str, unit: str | None = None) -> float:
    """Column width (Excel units) for a header printed as name, then （unit） on its own line.

    A name of up to 7 characters gets one line; a longer one two balanced lines. A CJK
    character is two units wide, plus room for the cell's padding and the bold face.
    """
    per_line = len(name) if len(name) <= 7 else -(-len(name) // 2)
    unit_chars = len(unit) + 2 if unit else 0
    return max(10.0, 2.0 * max(per_line, unit_chars) + 2.5)


class IndicatorFile(BaseModel):
    """The whole ``--indicators`` file: a list of ``[[indicator]]`` tables."""

    model_config = ConfigDict(extra="forbid")

    indicator: list[Indicator] = Field(min_length=1)

    @field_validator("indicator")
    @classmethod
    def _unique(cls, v: list[Indicator]) -> list[Indicator]:
        keys = [i.key for i in v]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"key 重复：{'、'.join(dup)}")
        return v


_FIXED_KEYS = {"county", "total", "done", "open", "note"}


_FIELD_NAMES = {"key": "key（英文标识）", "header": "header（表头文字）", "unit": "unit（单位）",
                "type": "type（类型）", "aliases": "aliases（其他写法）", "cumulative": "cumulative（是否累计）",
                "measure_verbs": "measure_verbs（措施中的动词）", "measure_objects": "measure_objects（措施中的对象）",
                "measure_units": "measure_units（措施中的单位）",
                "plausible": "plausible（合理范围）"}


def _chinese_error(e: Any) -> str:
    """One pydantic error about an indicators file, in Chinese ("第 2 个指标的 type（类型）只能是 …")."""
    loc = [p for p in e.get("loc", ()) if p != "indicator"]
    where = ""
    if loc and isinstance(loc[0], int):
        where = f"第 {loc[0] + 1} 个 [[indicator]] 的"
        loc = loc[1:]
    name = _FIELD_NAMES.get(str(loc[0]), str(loc[0])) if loc else ""
    kind = e.get("type", "")
    if kind == "missing":
        return f"{where}缺少 {name}" if name else "缺少 [[indicator]]"
    if kind == "extra_forbidden":
        return f"{where}设置 {loc[0] if loc else ''} 不认识（可用：{'、'.join(_FIELD_NAMES)}）"
    if kind == "literal_error":
        return f"{where}{name}只能是 amount（金额）或 count（个数）"
    if kind == "string_pattern_mismatch":
        return f"{where}{name}只能用小写英文字母、数字和下划线，并以字母开头"
    if kind in ("string_too_short", "too_short"):
        return f"{where}{name}不能为空" if name else "至少要有一个 [[indicator]]"
    if kind.startswith(("string_type", "int_type", "bool", "tuple_type", "list_type")):
        return f"{where}{name}的类型不对（文字要加引号，列表写成 [\"…\"]）"
    if kind == "value_error":
        return f"{where}{str(e.get('msg', '')).removeprefix('Value error, ')}"
    return f"{where}{name}的值不对"


def load_indicators(path: Path | None = None) -> tuple[Indicator, ...]:
    """Read an indicators TOML file (the packaged default when ``path`` is None)."""
    try:
        if path is None:
            text = resources.files("zhenggai").joinpath("data/indicators.toml").read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
        parsed = IndicatorFile.model_validate(data)
    except FileNotFoundError as exc:
        raise SchemaError(f"找不到指标文件 {path}") from exc
    except UnicodeDecodeError as exc:
        raise SchemaError(f"无法读取指标文件 {path}（请用 UTF-8 编码保存）") from exc
    except OSError as exc:
        raise SchemaError(f"无法读取指标文件 {path}：{os_reason(exc)}") from exc
    except tomllib.TOMLDecodeError as exc:
        where = toml_place(exc)
        raise SchemaError(f"指标文件 {path} 的写法不对{f'（{where}）' if where else ''}，"
                          "请对照内置指标文件的写法") from exc
    except ValidationError as exc:
        problems = "；".join(_chinese_error(e) for e in exc.errors())
        raise SchemaError(f"指标文件 {path} 格式不对：{problems}") from exc
    clash = sorted(_FIXED_KEYS & {i.key for i in parsed.indicator})
    if clash:
        raise SchemaError(f"指标文件 {path} 的 key 与固定列重名：{'、'.join(clash)}")
    return tuple(parsed.indicator)


def appendix2(indicators: tuple[Indicator, ...] | None = None) -> TableSpec:
    """附件2 with the given indicator columns (the packaged default set when None)."""
    if indicators is None:
        return default_appendix2()
    return _build_appendix2(indicators)


@cache
def default_appendix2() -> TableSpec:
    """附件2 with the packaged indicators (cached: built once per process)."""
    return _build_appendix2(load_indicators(None))


def _build_appendix2(indicators: tuple[Indicator, ...]) -> TableSpec:
    count = Kind.COUNT
    return TableSpec(
        kind=TableKind.APPENDIX2,
        label="附件2",
        title="示范县专项整改成果统计表",
        columns=(
            Column(
                key="county",
                header="县（市、区）",
                kind=Kind.COUNTY,
                required=True,
                width=header_width("县（市、区）"),
                aliases=("县市区", "县(市区)", "示范县", "县区", "县（市）", "单位"),
            ),
            Column(key="total", header="反馈问题数（个）", kind=count, width=header_width("反馈问题数", "个"),
                   unit="个", aliases=("反馈问题数", "问题数", "反馈问题个数")),
            Column(key="done", header="已完成整改数（个）", kind=count, width=header_width("已完成整改数", "个"),
                   unit="个", aliases=("已完成整改数", "已完成数", "已整改数", "已完成整改")),
            Column(key="open", header="未完成整改数（个）", kind=count, width=header_width("未完成整改数", "个"),
                   unit="个",
                   aliases=("未完成整改数", "未完成数", "未完成整改")),
            *(i.column() for i in indicators),
            Column(key="note", header="备注", kind=Kind.TEXT, width=14, aliases=("说明",)),
        ),
    )


def specs(indicators: tuple[Indicator, ...] | None = None) -> tuple[TableSpec, TableSpec]:
    """Both official tables."""
    return APPENDIX1, appendix2(indicators)


PROBLEM_LIST = TableSpec(
    kind=TableKind.PROBLEMS,
    label="反馈问题清单",
    title="反馈问题清单",
    columns=(
        Column(key="seq", header="序号", kind=Kind.SEQ, aliases=("编号",)),
        Column(key="county", header="县（市、区）", kind=Kind.COUNTY,
               aliases=("县市区", "县(市区)", "示范县", "县区", "县（市）", "县名", "地区")),
        Column(key="category", header="问题类别", kind=Kind.TEXT,
               aliases=("类别", "问题类型", "问题分类", "分类", "方面")),
        Column(key="problem", header="问题描述", kind=Kind.TEXT, required=True,
               aliases=("反馈问题", "存在问题", "问题", "问题内容", "主要问题", "问题清单")),
    ),
)
