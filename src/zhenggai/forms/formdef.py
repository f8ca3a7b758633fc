"""The form's own definition, carried inside the workbooks ``init-county`` writes.

A custom 附件2 (``--indicators``) used to need the same flag on every command, in every
county, or validate reported its columns missing. The definition now travels with the
form: a hidden sheet (:data:`~zhenggai.core.schema.META_SHEET`) lists the indicator columns,
one per row. A hidden sheet, not custom document properties: Excel, WPS and LibreOffice
keep it through a re-save, also as .xls, where custom properties are dropped.

validate and merge read it back; an ``--indicators`` flag still overrides it, and a
difference between the two is reported (``indicators-mismatch``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from zhenggai.core.parse import clean_text
from zhenggai.core.schema import META_SHEET, Indicator
from zhenggai.intake.reader import Grid

if TYPE_CHECKING:  # only the writer's type: validate reads forms without loading xlsxwriter (~30 ms)
    from xlsxwriter.workbook import Workbook

MAGIC = "zhenggai-form"
VERSION = 1
NOTE = "本表由 zhenggai 生成，记录附件2 的成果指标列，供校验和汇总使用。请勿修改或删除。"
ALIAS_SEP = "\n"


def _cell(value: object) -> str:
    if value is None:
        return ""  # an unset optional field (plausible): read back as absent
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ALIAS_SEP.join(str(v) for v in value)
    return str(value)


def write_definition(wb: Workbook, indicators: Sequence[Indicator]) -> None:
    """Add the hidden definition sheet (last, so the forms keep their places).

    One column per field of :class:`Indicator`, named in row 2, so a later zhenggai
    with more fields still reads an older form, and the other way round.
    """
    fields = list(Indicator.model_fields)
    ws = wb.add_worksheet(META_SHEET)
    ws.write_string(0, 0, MAGIC)
    ws.write_number(0, 1, VERSION)
    ws.write_string(0, 2, NOTE)
    for col, name in enumerate(fields):
        ws.write_string(1, col, name)
    for row, ind in enumerate(indicators, start=2):
        data = ind.model_dump()
        for col, name in enumerate(fields):
            ws.write_string(row, col, _cell(data[name]))
    ws.hide()


def read_definition(grids: Sequence[Grid]) -> tuple[tuple[Indicator, ...] | None, str | None]:
    """(indicators, problem) from a workbook's definition sheet.

    ``(None, None)``: no definition sheet (a form made by hand or by an older zhenggai).
    ``(None, reason)``: a definition sheet that cannot be read (someone edited it).
    """
    grid = next((g for g in grids if g.name == META_SHEET), None)
    if grid is None:
        return None, None
    rows = [[clean_text(v) for v in r] for r in grid.rows]
    if len(rows) < 2 or not rows[0] or rows[0][0] != MAGIC:
        return None, "表样定义工作表的格式不对"
    names = [n for n in rows[1] if n]
    known = set(Indicator.model_fields)
    found: list[Indicator] = []
    for n, r in enumerate(rows[2:], start=3):
        if not any(r):
            continue
        data: dict[str, object] = {}
        for name, value in zip(names, r, strict=False):
            if name not in known or value == "":
                continue
            field_type = Indicator.model_fields[name].annotation
            data[name] = tuple(a for a in value.split(ALIAS_SEP) if a.strip()) if "tuple" in str(field_type) \
                else value
        try:
            found.append(Indicator.model_validate(data))
        except ValidationError:
            return None, f"表样定义工作表第 {n} 行读不懂"
    if not found:
        return None, "表样定义工作表里没有成果指标"
    if "measure_verbs" not in names:
        found = _with_measure_words(found)
    return tuple(found), None


def _with_measure_words(found: list[Indicator]) -> list[Indicator]:
    """A form written before the measure fields existed: an indicator the packaged set has
    (same key and header) reads measures the packaged way, so its 附件2 is compared with its
    measures like any other (checking/quantities.py); other indicators are not compared."""
    from zhenggai.core.schema import load_indicators

    known = {(i.key, i.header): i for i in load_indicators()}
    out = []
    for ind in found:
        d = known.get((ind.key, ind.header))
        out.append(ind if d is None else ind.model_copy(update={
            "measure_verbs": d.measure_verbs, "measure_objects": d.measure_objects, "measure_units": d.measure_units}))
    return out


def same_columns(a: Sequence[Indicator], b: Sequence[Indicator]) -> bool:
    """True when two definitions give 附件2 the same columns (aliases aside)."""
    def cols(x: Sequence[Indicator]) -> list[tuple[str, str, str, str]]:
        return [(i.key, i.header, i.unit, i.type) for i in x]

    return cols(a) == cols(b)


def describe(indicators: Sequence[Indicator]) -> str:
    """"县级财政安排经费（万元）、补充人员（人）…" for messages."""
    return "、".join(f"{i.header}（{i.unit}）" for i in indicators)
