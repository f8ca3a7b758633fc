"""Cells the clerk wrote two ways: the figure is one reading only when both read the same.

A table may give a counted field two readings (``core.table.Reading``): a second column
headed for it (是否完成整改（7月） beside 是否完成整改（10月）, 县级财政安排经费 twice), or a
Word cell whose revision was never accepted (原 30, 修订为 25). Which one the clerk means is
not ours to choose by position. Both are parsed by the same row model; a cell whose two
readings give the same value (是 and 是; 50 万元 and 500000 元) is counted, with a note; a
cell whose readings differ is an error and its value is in no total, no rate and no 逾期.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast

from zhenggai.checking.rows import RowContext, field_name, validate_rows
from zhenggai.checking.table_rules import header_factors
from zhenggai.core.findings import Finding, a1, column_letter, make
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import display
from zhenggai.core.schema import Kind
from zhenggai.core.table import Reading, Record, Table
from zhenggai.intake.reader import Grid


def second_readings(table: Table, ctx: RowContext, models: list[Any]) -> list[Any]:
    """``models`` (one per record, from ``validate_rows``) with each value whose readings
    differ set to None; the findings go to ``ctx``."""
    index = {rec.row: i for i, rec in enumerate(table.records)}
    at = table.spec.keys.index
    own = len(ctx.findings)  # the row models' findings; those added below stay
    for reading in table.readings:
        rows = [rec for rec in table.records if rec.row in reading.cells]
        if table.spec.column(reading.key).kind not in _COUNTED:
            # Text (整改措施, 责任单位): the revised text is read, and the clerk is told.
            for rec in rows:
                _revised(ctx, reading, rec, same=True)
            continue
        other = _other_values(table, ctx, reading, rows)
        name = field_name(reading.key)
        differ: list[int] = []
        for rec, (theirs, their_findings) in zip(rows, other, strict=True):
            i = index[rec.row]
            mine = getattr(models[i], name) if models[i] is not None else None
            # Both unreadable is the same only when written the same ("进行中" twice).
            if mine == theirs and (mine is not None or display(rec.values[at(reading.key)])
                                   == display(reading.cells[rec.row])):
                if reading.col is None:
                    _revised(ctx, reading, rec, same=True)
                continue
            differ.append(rec.row)
            models[i] = _unread(models[i], name)
            _keep_common(ctx, rec.row, their_findings, own)
            _report(table, ctx, reading, rec)
        _note(table, ctx, reading, differ)
    return models


def _other_values(table: Table, ctx: RowContext, reading: Reading,
                  rows: Sequence[Record]) -> list[tuple[Any, set[tuple[str, int, str | None]]]]:
    """Each row's value under the other reading, and the findings that reading gives the row."""
    i = table.spec.keys.index(reading.key)
    records = [replace(rec, values=[*rec.values[:i], reading.cells[rec.row], *rec.values[i + 1:]]) for rec in rows]
    header = table.header
    if reading.col is not None:  # the twin column's own header (its unit: 元 beside 万元)
        header = replace(header, cols={**header.cols, reading.key: reading.col},
                         labels={**header.labels, reading.key: reading.label})
    shadow = replace(table, records=records, header=header, readings=[])
    sctx = RowContext(shadow, ctx.file, ctx.deadline, ctx.as_of)
    if table.kind == TableKind.APPENDIX2:
        sctx.factors = header_factors(shadow, sctx)
    name = field_name(reading.key)
    values = [getattr(m, name) if m is not None else None for m in validate_rows(shadow, sctx)]
    said: dict[int, set[tuple[str, int, str | None]]] = {}
    for f in sctx.findings:
        if f.row is not None:
            said.setdefault(f.row, set()).add((f.code, f.row, f.field))
    return [(v, said.get(rec.row, set())) for v, rec in zip(values, rows, strict=True)]


def _unread(model: Any, name: str) -> Any:
    if model is None:
        return None
    if isinstance(model, tuple):  # a row checked by the second CPU (rows._values: a named tuple)
        return cast("Any", model)._replace(**{name: None})
    return model.model_copy(update={name: None})


def _keep_common(ctx: RowContext, row: int, theirs: set[tuple[str, int, str | None]], own: int) -> None:
    """Drop the first reading's findings on ``row`` that the other reading does not give:
    "已过完成时限" read from the 7月 column says nothing when the 10月 column says 是. Only
    among the row models' own findings (the first ``own``): an earlier reading's
    column-twin-differs or revision-changes-value on the same row stays."""
    ctx.findings = [f for i, f in enumerate(ctx.findings)
                    if i >= own or f.row != row or (f.code, f.row, f.field) in theirs]


def _where(table: Table, reading: Reading) -> str:
    return "Word 修订前的原文" if reading.col is None else f"{column_letter(reading.col)} 列「{reading.label}」"


_COUNTED = frozenset({Kind.YESNO, Kind.DATE, Kind.COUNT, Kind.AMOUNT})


def _revised(ctx: RowContext, reading: Reading, rec: Record, *, same: bool) -> None:
    """A Word revision not accepted: a warning when both texts read alike, else an error."""
    raw = rec.values[ctx.spec.keys.index(reading.key)]
    ctx.report("revision-unaccepted" if same else "revision-changes-value", rec.row, reading.key, raw,
               before=display(reading.cells[rec.row]) or "空", after=display(raw) or "空")


def _report(table: Table, ctx: RowContext, reading: Reading, rec: Record) -> None:
    key = reading.key
    raw = rec.values[table.spec.keys.index(key)]
    theirs = reading.cells[rec.row]
    if table.kind == TableKind.APPENDIX2:  # the rollup's red cell says why
        ctx.not_counted(rec.row, key, f"是未接受的 Word 修订（修订前为“{display(theirs) or '空'}”）"
                        if reading.col is None else
                        f"与{_where(table, reading)}的“{display(theirs) or '空'}”不同，不知道以哪一列为准")
    if reading.col is None:
        _revised(ctx, reading, rec, same=False)
        return
    col = ctx.cols[key]
    ctx.report("column-twin-differs", rec.row, key, raw, first=f"{column_letter(col)} 列「{table.header.labels[key]}」",
               second=_where(table, reading), other=display(theirs) or "空", other_cell=a1(rec.row, reading.col))


def _note(table: Table, ctx: RowContext, reading: Reading, differ: list[int]) -> None:
    """The twin column named once at its header, when every row reads the same in both."""
    if reading.col is None or differ:
        return
    h = table.header
    row = h.row + 1
    col = h.cols[reading.key]
    ctx.findings.append(make("column-twin", file=ctx.file, sheet=table.sheet, cell=a1(row, reading.col), row=row,
                             field=table.spec.column(reading.key).header, value=reading.label,
                             first=f"{column_letter(col)} 列「{h.labels[reading.key]}」"))



def deleted_rows(grid: Grid, tables: Sequence[Table], shown: str) -> list[Finding]:
    """Rows of a Word table that a revision not accepted deleted whole: blank as Word shows
    them, a problem (or a county's figures) before it. Whether the deletion was agreed is not
    ours to guess: an error naming the row, which is not read."""
    if not grid.revised or not tables:
        return []
    top = min(t.header.row for t in tables)
    rows: dict[int, list[str]] = {}
    for (r, _c), before in sorted(grid.revised.items()):
        if r > top and before and all(v == "" for v in grid.rows[r]):
            rows.setdefault(r, []).append(before)
    return [make("revision-row-deleted", file=shown, sheet=grid.name, cell=a1(r + 1, 0), row=r + 1,
                 text=" ".join(texts)[:60]) for r, texts in rows.items()]


__all__ = ["deleted_rows", "second_readings"]
