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
import queue
import tempfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO

_MARK = "\x00zhenggai-rows\x00"  # where the rows go: no XML XlsxWriter writes holds a NUL
STEP = 4 << 20  # per read and deflate call: each hands the GIL back to the writing (up to 5 ms wait)


@dataclass(slots=True)
class Early:
    """A sheet assembled and being deflated ahead of ``close()``: from when it is complete
    (:func:`start` then :func:`end`), or while its rows are still being written (:func:`start`
    with a plan of its extent, :func:`tell` as they are, :func:`end` once they are all)."""

    path: str  # the sheet's XML file (the early thread writes it)
    row_file: str  # its row file (FastWorksheet.stream)
    ends: tuple[str, str]  # its XML before and after the rows, as it was (or is planned) then
    head: bytes  # the file's bytes before the rows
    level: int  # the zlib level deflated with
    told: queue.SimpleQueue[tuple[int, bytes | None]]  # to the thread: rows written so far; the end
    stream: Future[bytes] | None = None  # the raw deflate stream of the file at ``path``
    rows: int = -1  # the bytes of its row file at the end (-1: not ended)
    held: bytes = b""  # the XML of the row it still held then (written to the row file by close())
    tail: bytes = b""  # the file's bytes after the rows: the held row and the XML after the rows


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


def start(wb: Any, ws: Any, pool: ThreadPoolExecutor, level: int,
          plan: tuple[int, int, int, int] | None = None) -> Early | None:
    """Begin assembling and deflating the streamed sheet ``ws`` in ``pool``: its XML up to the
    rows now, its rows as :func:`tell` says they are written, the rest at :func:`end` (None: not
    for this sheet). ``plan``: the sheet's extent (first and last row, first and last column)
    once all its rows are written, when it is begun before (else it is complete: call
    :func:`end` at once); its print settings must be made by then."""
    if not quiet(ws):
        return None
    saved = ws.dim_rowmin, ws.dim_rowmax, ws.dim_colmin, ws.dim_colmax
    try:
        if plan is not None:
            ws.dim_rowmin, ws.dim_rowmax, ws.dim_colmin, ws.dim_colmax = plan
        with as_stored(wb, ws):
            made = ends(ws)
    finally:
        ws.dim_rowmin, ws.dim_rowmax, ws.dim_colmin, ws.dim_colmax = saved
    if made is None:
        return None
    fd, path = tempfile.mkstemp(dir=wb.tmpdir)  # as Packager._filename makes the sheet's file
    os.close(fd)
    early = Early(path, ws.row_data_filename, made, _disk(made[0]), level, queue.SimpleQueue())
    early.stream = pool.submit(_make, early)
    return early


def flushed(fh: Any) -> int:
    """How much of the file ``fh`` writes is on its way to the disk (written out of its buffer)."""
    fh.flush()
    return os.fstat(fh.fileno()).st_size


def _written(ws: Any) -> int:
    return flushed(ws.row_data_fh)


def tell(early: Early, ws: Any) -> None:
    """The rows written so far may be deflated (the sheet's rows are being written)."""
    if early.rows < 0:
        early.told.put((_written(ws), None))


def end(early: Early, ws: Any) -> None:
    """``ws`` is complete: its rows and what comes after them may be deflated to the end."""
    if early.rows >= 0:
        return
    early.held = _disk(held_row(ws))
    early.tail = early.held + _disk(early.ends[1])
    early.rows = _written(ws)
    early.told.put((early.rows, early.tail))


def _make(early: Early) -> bytes:
    """Write the sheet's XML file (its head, the row file's bytes as they are written, the held
    row and its tail) and return its raw deflate stream, as ``ZipFile.write`` makes it
    (xlsx_zip._deflate: zlib's stream does not depend on how its input is cut)."""
    z = zlib.compressobj(early.level, zlib.DEFLATED, -15)
    out = [z.compress(early.head)]
    with open(early.path, "wb") as dst, open(early.row_file, "rb") as src:
        dst.write(early.head)
        done = 0
        while True:
            size, tail = early.told.get()
            if size < 0:
                raise OSError(f"{early.path}: given up")  # drop(): the stream is never used
            for chunk in pieces(src, size - done):
                dst.write(chunk)
                out.append(z.compress(chunk))
            done = size
            if tail is not None:
                dst.write(tail)
                out.append(z.compress(tail))
                break
    out.append(z.flush())
    return b"".join(out)


def pieces(src: BinaryIO, size: int) -> Iterator[bytes]:
    """The next ``size`` bytes of a file still being written (a row file, sharedStrings.xml),
    in pieces of ``STEP``."""
    while size > 0:
        chunk = src.read(min(STEP, size))
        if not chunk:  # never (the file only grows); close() then assembles or deflates it itself
            raise OSError(f"{src.name}: shorter than told")
        size -= len(chunk)
        yield chunk


def assemble(early: Early) -> None:
    """Write the ended sheet's XML file here (its thread failed: close() zips it as it is)."""
    with open(early.path, "wb") as dst, open(early.row_file, "rb") as src:
        dst.write(early.head)
        for chunk in pieces(src, early.rows):
            dst.write(chunk)
        dst.write(early.tail)


def matches(ws: Any, early: Early, level: int) -> bool:
    """Whether ``early`` is the file ``close()`` would assemble for ``ws`` now: called there, after
    the held row is written out. The early work must not have failed (an error: assembled again)."""
    stream = early.stream
    if early.rows < 0 or early.level != level or not quiet(ws) or stream is None or (
            stream.done() and stream.exception() is not None):
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
    """Throw the early work away (its thread ended first: it writes the file removed here)."""
    if early.rows < 0:
        early.told.put((-1, None))  # a thread waiting for rows that will never be told
    if early.stream is not None and not early.stream.cancel():
        with contextlib.suppress(Exception):
            early.stream.result()
    with contextlib.suppress(OSError):
        os.remove(early.path)
