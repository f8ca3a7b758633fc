"""A streamed sheet zipped ahead: its XML assembled and deflated as soon as it is complete.

XlsxWriter assembles a sheet's XML (the part before its rows, the rows, the part after) and
deflates it only in ``close()``. For a 1,500-county rollup that puts 附件1 (20 MB of XML, ~0.4 s
of one core to assemble and deflate) on the run's serial tail, while during the sheets written
after it (附件2, 附件3, 问题类别, 核对底稿, ~1 s) the machine's second core is idle. So a
streamed sheet (``FastWorksheet.stream``) whose writing is done is assembled and deflated then,
in a thread (zlib and file I/O let the writing go on meanwhile), and ``close()`` takes the file
and its deflate stream from there: :class:`xlsx_zip.FastWorkbook`.

The same file to the byte, or the early work is thrown away: a streamed sheet's XML is the part
XlsxWriter writes before its rows, its row file (only ever appended to), the row it still holds
and the part after. The early thread writes exactly that; ``close()`` makes the two ends again
(:func:`ends`, without the rows) and compares them, and checks that the row file has grown by
exactly the held row. A cell written afterwards, a sheet selected otherwise, a comment or
anything else that differs: the sheet is assembled in ``close()`` as XlsxWriter does.
``tests/test_xlsx_writer.py`` compares whole files written with and without this.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

_MARK = "\x00zhenggai-rows\x00"  # where the rows go: no XML XlsxWriter writes holds a NUL
_STEP = 1 << 20


@dataclass(frozen=True, slots=True)
class Early:
    """A sheet assembled and being deflated ahead of ``close()``."""

    path: str  # the sheet's XML file (the early thread writes it)
    row_file: str  # its row file (FastWorksheet.stream)
    rows: int  # the bytes of its row file then
    held: bytes  # the XML of the row it still held (written to the row file by close())
    ends: tuple[str, str]  # its XML before and after the rows, as it was then
    head: bytes  # the file's bytes before the rows
    tail: bytes  # the file's bytes after them: the held row and the XML after the rows
    level: int  # the zlib level deflated with
    stream: Future[bytes]  # the raw deflate stream of the file at ``path``


_LOUD = ("is_chartsheet", "hyperlinks", "drawing", "comments", "has_vml", "has_header_vml", "background_image",
         "tables", "cond_formats", "data_bars_2010", "sparklines", "vba_codename", "header_images",
         "footer_images", "charts", "images", "shapes")


def quiet(ws: Any) -> bool:
    """Whether assembling ``ws``'s XML changes nothing in it: XlsxWriter numbers the sheet's
    relationships as it writes drawings, comments, hyperlinks, tables, pictures and data bars
    (``rel_count``), so only a sheet without them may have its ends made twice. (An attribute
    XlsxWriter no longer has counts as one of them.)"""
    return bool(getattr(ws, "constant_memory", False)) and getattr(ws, "dim_rowmin", None) is not None and not any(
        getattr(ws, name, True) for name in _LOUD)


def ends(ws: Any) -> tuple[str, str] | None:
    """``ws``'s XML before its rows and after them, as ``_assemble_xml_file`` writes them now
    (the rows themselves left out). Only for a :func:`quiet` sheet: nothing of it changes."""
    buf = io.StringIO()
    saved = ws.fh, ws.internal_fh

    def no_rows() -> None:  # Worksheet._write_optimized_sheet_data without the copying of the rows
        ws._xml_start_tag("sheetData")
        buf.write(_MARK)
        ws._xml_end_tag("sheetData")

    ws.fh, ws.internal_fh = buf, False
    ws._write_optimized_sheet_data = no_rows
    try:
        ws._assemble_xml_file()
    finally:
        del ws._write_optimized_sheet_data
        ws.fh, ws.internal_fh = saved
    head, mark, tail = buf.getvalue().partition(_MARK)
    return (head, tail) if mark and _MARK not in tail else None


def held_row(ws: Any) -> str:
    """The XML of the row a streamed sheet still holds (written out by the next row or by
    ``close()``), the sheet left as it was."""
    buf = io.StringIO()
    fh, table, previous = ws.fh, dict(ws.table), ws.previous_row
    ws.fh = buf
    try:
        ws._write_single_row(previous)  # writes the held row, empties the table
    finally:
        ws.fh, ws.previous_row = fh, previous
        ws.table.clear()
        ws.table.update(table)
    return buf.getvalue()


@contextlib.contextmanager
def as_stored(wb: Any, ws: Any) -> Iterator[None]:
    """``ws`` selected and active as ``Workbook._store_workbook`` makes it before writing it."""
    saved = ws.selected, ws.hidden, ws.active
    if wb.worksheet_meta.activesheet == 0 and ws is wb.worksheets_objs[0]:
        ws.selected, ws.hidden = 1, 0
    if ws.index == wb.worksheet_meta.activesheet:
        ws.active = 1
    try:
        yield
    finally:
        ws.selected, ws.hidden, ws.active = saved


def _disk(text: str) -> bytes:
    """``text`` as XlsxWriter's text-mode files write it (UTF-8, newlines as the system's)."""
    return text.replace("\n", os.linesep).encode("utf-8") if os.linesep != "\n" else text.encode("utf-8")


def start(wb: Any, ws: Any, pool: ThreadPoolExecutor, level: int) -> Early | None:
    """Assemble and deflate the complete streamed sheet ``ws`` in ``pool`` (None: not for this sheet)."""
    if not quiet(ws):
        return None
    with as_stored(wb, ws):
        made = ends(ws)
    if made is None:
        return None
    held = _disk(held_row(ws))
    ws.row_data_fh.flush()
    rows = os.fstat(ws.row_data_fh.fileno()).st_size
    head, tail = _disk(made[0]), held + _disk(made[1])
    fd, path = tempfile.mkstemp(dir=wb.tmpdir)  # as Packager._filename makes the sheet's file
    os.close(fd)
    early = Early(path, ws.row_data_filename, rows, held, made, head, tail, level, Future())
    return replace(early, stream=pool.submit(assemble, early, level))


def assemble(early: Early, level: int | None) -> bytes:
    """Write the sheet's XML file (its head, the row file's first ``rows`` bytes, the held row
    and its tail) and return its raw deflate stream, as ``ZipFile.write`` makes it
    (xlsx_zip._deflate); ``level`` None: only the file (b"")."""
    z = zlib.compressobj(level, zlib.DEFLATED, -15) if level is not None else None
    out = []
    with open(early.path, "wb") as dst, open(early.row_file, "rb") as src:
        for piece in _pieces(early, src):
            dst.write(piece)
            if z is not None:
                out.append(z.compress(piece))
    if z is not None:
        out.append(z.flush())
    return b"".join(out)


def _pieces(early: Early, rows: BinaryIO) -> Iterator[bytes]:
    yield early.head
    left = early.rows
    while left > 0:
        chunk = rows.read(min(_STEP, left))
        if not chunk:  # never (the row file only grows); close() then assembles the sheet itself
            raise OSError(f"{early.row_file}: shorter than {early.rows} bytes")
        left -= len(chunk)
        yield chunk
    yield early.tail


def matches(ws: Any, early: Early, level: int) -> bool:
    """Whether ``early`` is the file ``close()`` would assemble for ``ws`` now: called there, after
    the held row is written out. The early work must not have failed (an error: assembled again)."""
    if early.level != level or not quiet(ws) or (early.stream.done() and early.stream.exception() is not None):
        return False
    ws.row_data_fh.flush()
    if os.fstat(ws.row_data_fh.fileno()).st_size != early.rows + len(early.held):
        return False
    with open(ws.row_data_filename, "rb") as fh:
        fh.seek(early.rows)
        if fh.read() != early.held:
            return False
    return ends(ws) == early.ends


def drop(early: Early) -> None:
    """Throw the early work away (its thread finished first: it writes the file removed here)."""
    if not early.stream.cancel():
        with contextlib.suppress(Exception):
            early.stream.result()
    with contextlib.suppress(OSError):
        os.remove(early.path)
