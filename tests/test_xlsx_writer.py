"""The rollup's fast cell path writes exactly what XlsxWriter itself writes (outputs/xlsx.py).

``FastWorksheet``, ``cell_writer`` and ``row_writer`` bypass XlsxWriter's public write
methods and its per-cell XML code for speed. They lean on XlsxWriter internals (its cell
tuples, shared-string table, ``_write_cell``), so this test writes one set of awkward
cells both ways and compares the saved XML byte for byte: an XlsxWriter upgrade that
changes those internals fails here, not in a clerk's rollup.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter

from zhenggai.outputs import xlsx

CELLS: list[object] = [
    "县商务局", "", None, 0, 1, -3, 2.5, 1e-7, 123456789.123456, 10**16, float("inf"), True, False,
    date(2022, 7, 15), datetime(2022, 7, 15, 8, 30), "a < b & c > d \"q\"", "=1+1", " 前后有空格 ", "换行\n第二行",
    "x" * 20000, "县商务局",  # a long string (XlsxWriter's own path) and a repeated one (shared index)
]


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/") and n.endswith(".xml")}


def _write(path: Path, fast: bool) -> dict[str, bytes]:
    if fast:
        wb = xlsx.new_workbook(path)
    else:
        wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                             "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"})
    fmt = wb.add_format({"border": 1, "text_wrap": True})
    other = wb.add_format({"bold": True})
    ws = wb.add_worksheet("表")
    assert isinstance(ws, xlsx.FastWorksheet) is fast
    put = xlsx.cell_writer(ws) if fast else (lambda r, c, v, f: xlsx.write_cell(ws, r, c, v, f))
    for r, value in enumerate(CELLS):
        put(r, 1, value, fmt)
        put(r, 3, value, None)  # without a format: an unformatted blank is not stored at all
    fmts = [fmt, other] * len(CELLS)
    base = len(CELLS) + 2
    if fast:
        put_row = xlsx.row_writer(ws)
        put_row(base, 2, CELLS, fmts[:len(CELLS)])
        put_row(base + 1, 2, CELLS[:4], [fmt, None, other, fmt])  # a None format: cell by cell
        put_row(base + 2, 0, CELLS[:3], [fmt] * 3)  # the sheet's first column and last row: its dimension
    else:
        for c, (v, f) in enumerate(zip(CELLS, fmts[:len(CELLS)], strict=True), start=2):
            put(base, c, v, f)
        for c, (v, f) in enumerate(zip(CELLS[:4], [fmt, None, other, fmt], strict=True), start=2):
            put(base + 1, c, v, f)
        for c, v in enumerate(CELLS[:3]):
            put(base + 2, c, v, fmt)
    ws.set_row(base, 30)
    wb.close()
    return _parts(path)


def test_fast_path_writes_the_bytes_xlsxwriter_writes(tmp_path: Path) -> None:
    fast = _write(tmp_path / "fast.xlsx", fast=True)
    stock = _write(tmp_path / "stock.xlsx", fast=False)
    assert fast.keys() == stock.keys()
    for name in stock:
        assert fast[name] == stock[name], name
    assert b'<dimension ref="A1:' in stock["xl/worksheets/sheet1.xml"]


def test_the_fast_path_is_in_use() -> None:
    """Fails when an XlsxWriter upgrade renames the cell tuples: the speed would go silently."""
    if xlsx._STRING is None:  # pragma: no cover - an older XlsxWriter
        pytest.skip("XlsxWriter without CellStringTuple: the stock path is used")
    wb = xlsx.new_workbook(Path("unused.xlsx"))
    assert isinstance(wb.add_worksheet(), xlsx.FastWorksheet)
