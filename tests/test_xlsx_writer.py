"""The rollup's fast cell path writes exactly what XlsxWriter itself writes (outputs/xlsx.py).

``FastWorksheet``, ``cell_writer`` and ``row_writer`` bypass XlsxWriter's public write
methods and its per-cell XML code for speed. They lean on XlsxWriter internals (its cell
tuples, shared-string table, ``_write_cell``), so this test writes one set of awkward
cells both ways and compares the saved XML byte for byte: an XlsxWriter upgrade that
changes those internals fails here, not in a clerk's rollup.
"""

from __future__ import annotations

import tempfile
import threading
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

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


def _cells(path: Path) -> list[tuple[object, ...]]:
    import openpyxl

    ws = openpyxl.load_workbook(path)["表"]
    return [(c.coordinate, c.value, c.number_format, repr(c.font), repr(c.border), repr(c.alignment),
             ws.row_dimensions[c.row].height) for row in ws.iter_rows() for c in row]


def test_a_streamed_sheet_holds_the_same_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FastWorksheet.stream(): rows go to a file as they are finished; cells, formats and
    row heights are those of a sheet held until close(); the row file is gone after."""
    rows_dir = tmp_path / "tmp"
    rows_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(rows_dir))
    out: dict[bool, Path] = {}
    for streamed in (False, True):
        path = out[streamed] = tmp_path / f"{streamed}.xlsx"

        def build(wb: xlsxwriter.Workbook, streamed: bool = streamed) -> None:
            fmt = wb.add_format({"border": 1, "text_wrap": True})
            ws = wb.add_worksheet("表")
            if streamed:
                xlsx.stream(ws)
            ws.set_row(0, 40)
            ws.write_string(0, 0, "标题", fmt)  # XlsxWriter's own method: an inline string when streamed
            put, put_row = xlsx.cell_writer(ws), xlsx.row_writer(ws)
            for r, value in enumerate(CELLS, start=1):
                put_row(r, 0, [value, r, ""], [fmt, fmt, fmt])
                put(r, 3, value, fmt)
                ws.set_row(r, 20 + r)

        xlsx.write_atomically(path, build, force=False)
    assert _cells(out[True]) == _cells(out[False])
    assert not list(rows_dir.iterdir())


def test_a_streamed_sheet_refuses_a_cell_above_a_finished_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows_dir = tmp_path / "tmp"
    rows_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(rows_dir))

    def build(wb: xlsxwriter.Workbook) -> None:
        ws = wb.add_worksheet("表")
        xlsx.stream(ws)
        fmt = wb.add_format({"border": 1})
        put = xlsx.cell_writer(ws)
        put(5, 0, "第六行", fmt)
        put(2, 0, "第三行", fmt)  # XlsxWriter's constant_memory would drop it silently

    with pytest.raises(RuntimeError, match="第 3 行"):
        xlsx.write_atomically(tmp_path / "x.xlsx", build, force=False)
    assert not (tmp_path / "x.xlsx").exists()
    assert not list(rows_dir.iterdir())  # the failed build's row file is removed too


def test_a_row_written_whole_is_the_xml_of_the_same_cells_written_one_by_one(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """line_writer turns a streamed row into XML at once: the same bytes as row_writer and
    set_row (every kind of value; the ones it leaves to the ordinary way: a long string,
    infinity, a bool; a row begun cell by cell; cells on the row after)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    parts: dict[bool, dict[str, bytes]] = {}
    for whole in (False, True):
        path = tmp_path / f"{whole}.xlsx"

        def build(wb: xlsxwriter.Workbook, whole: bool = whole) -> None:
            fmt, other = wb.add_format({"border": 1, "text_wrap": True}), wb.add_format({"bold": True})
            ws = wb.add_worksheet("表")
            xlsx.stream(ws)
            ws.set_row(0, 40)
            ws.write_string(0, 0, "标题", fmt)
            put, put_row, put_line = xlsx.cell_writer(ws), xlsx.row_writer(ws), xlsx.line_writer(ws)
            row = 1
            for value in [*CELLS, *CELLS]:  # the second time every string is shared already
                # A string new to the table before the value: a row left to the ordinary way
                # (a long string, infinity, a bool) must not have taken its index already.
                values, fmts = [f"第{row}行", value, row, "", None, "县商务局"], [other, fmt, other, fmt, other, fmt]
                if whole:
                    put_line(row, values, fmts, 20 + row % 7)
                else:
                    put_row(row, 0, values, fmts)
                    ws.set_row(row, 20 + row % 7)
                row += 1
            put(row, 0, "先写一格", fmt)  # a row begun cell by cell, then written whole
            (put_line if whole else lambda r, v, f, h: (put_row(r, 0, v, f), ws.set_row(r, h)))(
                row, ["先写一格", 1], [fmt, fmt], 30)
            put(row + 1, 2, "下一行", fmt)
            ws.set_row(row + 1, 25)
            put(row + 3, 1, "隔一行", other)

        xlsx.write_atomically(path, build, force=False)
        parts[whole] = _parts(path)
    assert parts[True] == parts[False]


@pytest.mark.parametrize("ahead", [0, 1 << 20])
def test_the_zip_deflated_on_two_cores_is_xlsxwriters_file_to_the_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       ahead: int) -> None:
    """xlsx_zip.FastWorkbook deflates the large parts in threads: the same file, every byte
    (every part deflated ahead, or only those of 1 MB and more)."""
    from zhenggai.outputs import xlsx_zip

    monkeypatch.setattr(xlsx_zip, "_AHEAD_MIN", ahead)
    deflated: list[str] = []
    real = xlsx_zip._deflate
    monkeypatch.setattr(xlsx_zip, "_deflate", lambda path, level: deflated.append(path) or real(path, level))
    files = {}
    for fast in (False, True):
        path = tmp_path / f"{fast}.xlsx"
        wb = (xlsx_zip.FastWorkbook if fast else xlsxwriter.Workbook)(str(path))
        wb.set_properties({"created": datetime(2022, 7, 15, 8, 30)})
        fmt = wb.add_format({"border": 1})
        for name in ("甲", "乙"):
            ws = wb.add_worksheet(name)
            for r in range(16000):
                ws.write_row(r, 0, [f"{name}县第{r}行整改措施", r * 1.5, f"单位{r % 97}", r], fmt)
        ws.write_comment(0, 0, "批注")
        # sharedStrings.xml: strings XlsxWriter escapes or marks, among the plain ones
        ws.write_row(16000, 0, [" 前导空格", "末尾空格 ", "a & b < c > d", "_x0041_", "控制\x01字符", "非字符\ufffe",
                                "<r><t>富文本</t></r>", "换行\n", '引号"', "\t"], fmt)
        wb.close()
        files[fast] = path.read_bytes()
    assert files[True] == files[False]
    assert 0 < len(deflated) < 20 if ahead else len(deflated) >= 8  # the two sheets, or every part


def test_shared_strings_in_batches_are_the_ones_xlsxwriter_writes(tmp_path: Path) -> None:
    """xlsx_zip._SharedStrings writes 4,096 strings at a time, the batch whole when none of it
    needs escaping: whitespace at either end (ASCII, a newline, an ideographic space) in a
    plain batch, and a batch with one string to escape, give XlsxWriter's own bytes."""
    ends = [" 前有空格", "后有空格 ", "换行结尾\n", "\u3000全角空格", "中\u3000间", "\t制表"]
    strings = [f"第{i}行" for i in range(10_000)]
    strings[10:10 + len(ends)] = ends  # the first batch: plain but for whitespace
    strings[5000:5003] = ["a & b", "_x0041_", "控制\x01字符"]  # the second batch: escaped one by one
    parts = []
    for fast in (True, False):
        path = tmp_path / f"{fast}.xlsx"
        wb = xlsx.new_workbook(path) if fast else xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
        ws = wb.add_worksheet("表")
        for r, s in enumerate(strings):
            ws.write_string(r, 0, s)
        wb.close()
        parts.append(_parts(path)["xl/sharedStrings.xml"])
    assert parts[0] == parts[1]
    assert b'<t xml:space="preserve">\xe3\x80\x80' in parts[0] and b"_x005F_x0041_" in parts[0]


def _early_book(path: Path, finish: bool, after: str = "") -> None:
    """Two streamed sheets of rows written whole and cells written after them (a row still
    held at the end), each finished early when ``finish``; ``after``: what is done to the
    first sheet after it was finished (close() must then assemble it itself)."""
    from zhenggai.outputs import xlsx_zip

    wb = xlsx_zip.FastWorkbook(str(path), {"strings_to_formulas": False})
    wb.worksheet_class = xlsx.FastWorksheet
    wb.set_properties({"created": datetime(2022, 7, 15, 8, 30)})
    fmt, other = wb.add_format({"border": 1, "text_wrap": True}), wb.add_format({"bold": True})
    sheets = []
    for name in ("甲", "乙", "丙"):
        ws = wb.add_worksheet(name)
        sheets.append(ws)
        if name == "丙":
            ws.write_string(0, 0, "不流式的表")  # held until close(): never finished early
            continue
        xlsx.stream(ws)
        ws.write_string(0, 0, f"{name}表标题", other)  # an inline string
        told = lambda: None  # noqa: E731
        if finish and name == "乙":  # zipped while its rows are written: its extent planned
            ws.autofilter(0, 0, 3000, 4)
            ws.repeat_rows(0)
            ws.freeze_panes(1, 0)
            told = xlsx.follow(wb, ws, 3000 if after == "plan-wrong" else 3001, 4)
        put_line = xlsx.line_writer(ws)
        for r in range(1, 3000):
            if r % 512 == 0:
                told()
            put_line(r, [f"{name}县第{r}行整改措施", r * 1.5, f"单位{r % 97}", None, date(2022, 7, r % 28 + 1)],
                     [fmt, fmt, other, fmt, fmt], 20 + r % 3)
        ws.write_string(3001, 0, "联系人：张三", other)  # the row still held when finished
        ws.write_string(3001, 2, "电话：123", other)
        ws.autofilter(0, 0, 3000, 4)
        ws.repeat_rows(0)
        ws.freeze_panes(1, 0)
        if finish and (name == "甲" or after != "unfinished"):
            xlsx.finish(wb, ws)
    first = sheets[0]
    if after == "cell":  # a cell on the held row: the row file grows by more than the held row
        first.write_string(3001, 3, "补一格", other)
    elif after == "row":
        first.write_string(3005, 0, "又一行", other)
    elif after == "comment":
        first.write_comment(3001, 0, "批注")
    elif after == "activate":  # the sheet is no longer the selected one
        sheets[1].activate()
    elif after == "setup":  # its print setup (the XML after the rows) changed
        first.set_landscape()
    wb.close()


@pytest.mark.parametrize("after", ["", "cell", "row", "comment", "activate", "setup", "thread-fails",
                                   "thread-fails-late", "plan-wrong", "unfinished"])
def test_a_sheet_zipped_ahead_is_the_file_zipped_in_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           after: str) -> None:
    """xlsx_early: a streamed sheet assembled and deflated as soon as it is finished (甲), or
    while its rows are written (乙), gives the file, every byte, that close() gives; a sheet
    changed after it was finished (a cell, a row, a comment, another sheet selected, its print
    setup), its extent planned wrong, never finished, or an early thread that fails (before
    close() or after it took the sheet), and close() assembles that sheet itself: the same file
    again (and its thread ends: close() does not hang)."""

    from zhenggai.outputs import xlsx_early

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    taken: list[bool] = []
    real_matches = xlsx_early.matches
    late = threading.Event()  # the threads fail only once close() has taken both sheets

    def matches(ws: object, early: xlsx_early.Early, level: int) -> bool:
        if after == "thread-fails" and early.stream is not None:
            early.stream.exception()  # failed before close() looks, however slow the machine
        taken.append(real_matches(ws, early, level))
        if len(taken) == 2:
            late.set()
        return taken[-1]

    def failing(early: xlsx_early.Early) -> bytes:
        if after == "thread-fails-late":
            late.wait(10)
        raise OSError("磁盘已满")

    monkeypatch.setattr(xlsx_early, "matches", matches)
    if after.startswith("thread-fails"):
        monkeypatch.setattr(xlsx_early, "_make", failing)
    files = {}
    for finish in (False, True):
        path = tmp_path / f"{finish}.xlsx"
        _early_book(path, finish, "" if after.startswith("thread-fails") else after)
        assert not [t for t in threading.enumerate() if t.name.startswith("zhenggai-deflate")]
        files[finish] = path.read_bytes()
    assert files[True] == files[False]
    # activate(): the second sheet is now the selected one too (its tab), neither is taken
    assert taken == {"activate": [False, False], "thread-fails": [False, False], "": [True, True],
                     "thread-fails-late": [True, True], "plan-wrong": [True, False],
                     "unfinished": [True, False]}.get(after, [False, True])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["False.xlsx", "True.xlsx"]  # no file left behind


def test_the_shared_strings_deflated_as_written_are_xlsxwriters_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """xlsx_zip._follow deflates sharedStrings.xml while it is written, batch by batch: the same
    file as XlsxWriter's own, also when the thread fails (deflated in close() then); a writing
    that fails ends its thread (close() does not hang)."""
    from zhenggai.outputs import xlsx_zip

    monkeypatch.setattr(xlsx_zip, "_FOLLOW_MIN", 0)
    followed: list[str] = []
    real = xlsx_zip._follow

    def follow(path: str, sizes: Any, level: int) -> bytes:
        followed.append(path)
        if len(followed) == 2:
            raise OSError("读取失败")
        return real(path, sizes, level)

    monkeypatch.setattr(xlsx_zip, "_follow", follow)
    files = {}
    for name, fast in (("stock", False), ("fast", True), ("failed", True)):
        path = tmp_path / f"{name}.xlsx"
        wb = (xlsx_zip.FastWorkbook if fast else xlsxwriter.Workbook)(str(path))
        wb.set_properties({"created": datetime(2022, 7, 15, 8, 30)})
        ws = wb.add_worksheet("表")
        for r in range(20_000):
            ws.write_row(r, 0, [f"第{r}行整改措施", f"单位{r}", "a & b" if r == 15_000 else "县"])
        wb.close()
        files[name] = path.read_bytes()
    assert files["fast"] == files["stock"] == files["failed"]
    assert len(followed) == 2

    def fail(self: xlsx_zip._SharedStrings) -> None:
        self.fh.close()
        raise OSError("磁盘已满")

    monkeypatch.setattr(xlsx_zip._SharedStrings, "_write_sst_strings", fail)
    wb = xlsx_zip.FastWorkbook(str(tmp_path / "x.xlsx"))
    wb.add_worksheet("表").write_string(0, 0, "县")
    with pytest.raises(xlsxwriter.exceptions.FileCreateError):
        wb.close()  # and returns: the follower (if it had begun) is told the writing failed
    assert not [t for t in threading.enumerate() if t.name.startswith("zhenggai-deflate")]
