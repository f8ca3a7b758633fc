"""XlsxWriter's last step, packing the sheet files into the .xlsx zip, on two cores.

Deflating a 1,500-county rollup's three large parts (附件1, 核对底稿 and the shared
strings, ~20 MB of XML each) takes about as long as writing half its cells, one part
after the other. zlib lets other threads run while it deflates, so here the large parts
are deflated in two threads as soon as each is complete (the sheets while XlsxWriter
writes the shared strings), and the zip is written from those streams. The file is the
same to the byte: the same ZipInfo as ``ZipFile.write`` makes, and the same deflate
stream (zlib's output does not depend on how its input is cut into calls;
``tests/test_xlsx_writer.py`` compares whole files with XlsxWriter's own).

Only :meth:`FastWorkbook._store_workbook` differs from XlsxWriter 3.3 (pinned), and only
in how each part goes into the zip.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from zipfile import ZIP_DEFLATED, LargeZipFile, ZipFile, ZipInfo

from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.workbook import Workbook

from zhenggai.outputs import xlsx_early

_AHEAD_MIN = 1 << 20  # parts smaller than this are deflated in line, as XlsxWriter does
_FOLLOW_MIN = 20_000  # distinct strings from which sharedStrings.xml is deflated as it is written (_follow)


def _deflate(path: str, level: int) -> bytes:
    """The raw deflate stream ``ZipFile.write`` writes for the file (``level`` as it passes it)."""
    z = zlib.compressobj(level, zlib.DEFLATED, -15)
    out = []
    with open(path, "rb") as fh:
        while chunk := fh.read(xlsx_early.STEP):
            out.append(z.compress(chunk))
    out.append(z.flush())
    return b"".join(out)


class _Deflated:
    """Stands in for zipfile's compressor: the stream was made ahead (see :func:`_deflate`)."""

    def __init__(self, stream: Future[bytes]) -> None:
        self._stream = stream

    def compress(self, data: bytes) -> bytes:
        return b""

    def flush(self) -> bytes:
        return self._stream.result()


class _AheadPackager(Packager):  # type: ignore[misc]  # XlsxWriter is untyped here
    """XlsxWriter's packager, handing each large finished part to the deflating threads."""

    pool: ThreadPoolExecutor | None = None
    level: int = -1
    ahead: dict[str, Future[bytes]]
    early: dict[int, xlsx_early.Early]  # id(sheet) → that sheet assembled ahead (FastWorkbook.finish_sheet)
    taken: dict[str, xlsx_early.Early]  # the sheet files taken from there → how they were made

    def send_ahead(self) -> None:
        if self.pool is None or self.in_memory:
            return
        for os_filename, _, _ in self.filenames:
            if os_filename not in self.ahead and os.path.getsize(os_filename) >= _AHEAD_MIN:
                self.ahead[os_filename] = self.pool.submit(_deflate, os_filename, self.level)

    def _write_worksheet_files(self) -> None:
        # Packager._write_worksheet_files, each large sheet handed to the deflating threads as
        # soon as it is written (附件1 is deflated while 核对底稿 is being written), not after the
        # last; a sheet assembled ahead (xlsx_early.py) taken as it is when it is the same.
        index = 1
        for worksheet in self.workbook.worksheets():
            if worksheet.is_chartsheet:
                continue
            if worksheet.constant_memory:
                worksheet._opt_reopen()
                worksheet._write_single_row()
            name = "xl/worksheets/sheet" + str(index) + ".xml"
            early = self.early.pop(id(worksheet), None)
            if early is not None and xlsx_early.matches(worksheet, early, self.level):
                self.filenames.append((early.path, name, False))
                self.ahead[early.path] = early.stream  # type: ignore[assignment]  # matches(): it is there
                self.taken[early.path] = early
                worksheet.row_data_fh.close()  # its rows are in the early file (removed once zipped)
            else:
                if early is not None:
                    xlsx_early.drop(early)
                worksheet._set_xml_writer(self._filename(name))
                worksheet._assemble_xml_file()
            index += 1
            self.send_ahead()

    def _write_shared_strings_file(self) -> None:
        self.send_ahead()  # the sheets are written: deflate them while the shared strings are
        # Packager._write_shared_strings_file, with the strings written by _SharedStrings.
        sst = _SharedStrings()
        sst.string_table = self.workbook.str_table
        if not self.workbook.str_table.count:
            return
        path = self._filename("xl/sharedStrings.xml")
        sst._set_xml_writer(path)
        if self.pool is None or self.in_memory or sst.string_table.unique_count < _FOLLOW_MIN:
            sst._assemble_xml_file()
            return
        # Deflated as it is written (_follow): not after, on the run's last, serial stretch.
        sizes: queue.SimpleQueue[tuple[int, bool]] = queue.SimpleQueue()
        self.ahead[path] = self.pool.submit(_follow, path, sizes, self.level)
        end = -1  # the writing failed: the follower stops, the stream is never used
        try:
            sst.written = lambda: sizes.put((xlsx_early.flushed(sst.fh), False))
            sst._assemble_xml_file()
            end = os.path.getsize(path)
        finally:
            sizes.put((end, True))


# What XlsxWriter's SharedStrings._write_si changes or escapes in a string: "_xHHHH_",
# control characters, U+FFFE/U+FFFF, & < > (and "<r>…</r>", a rich string, begins with <).
_SPECIAL = re.compile(r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff&<>]")


class _SharedStrings(SharedStrings):  # type: ignore[misc]  # XlsxWriter is untyped here
    """XlsxWriter's sharedStrings.xml, its plain strings (nearly all) written in one go.

    The rollup's 125,000 distinct strings went one by one through five regular expressions
    and three method calls; a string none of them changes is written here as they would
    write it, any other by XlsxWriter's own ``_write_si``. The strings are looked at 4,096 at
    a time: one search of them joined by a tab (which neither changes nor escapes, and which
    no "_xHHHH_" can span) finds whether any is special; whitespace at either end (their
    leading and trailing ``\\s``: one character, ``str.isspace``) asks for xml:space."""

    written: Callable[[], None] | None = None  # told after each batch (the deflating follows: _follow)

    def _write_sst_strings(self) -> None:
        special = _SPECIAL.search
        strings = self.string_table.string_array
        for start in range(0, len(strings), 4096):  # in pieces: the whole table at once would hold ~80 MB
            if start and self.written is not None:
                self.written()  # the batches before this one are written
            batch = strings[start:start + 4096]
            if special("\t".join(batch)) is None:
                self.fh.write("".join([f'<si><t xml:space="preserve">{s}</t></si>'
                                       if s[:1].isspace() or s[-1:].isspace() else f"<si><t>{s}</t></si>"
                                       for s in batch]))
                continue
            out: list[str] = []
            for string in batch:
                if special(string) is not None:
                    self.fh.write("".join(out))
                    out.clear()
                    self._write_si(string)
                elif string[:1].isspace() or string[-1:].isspace():
                    out.append(f'<si><t xml:space="preserve">{string}</t></si>')
                else:
                    out.append(f"<si><t>{string}</t></si>")
            self.fh.write("".join(out))


def _zip_write(zf: ZipFile, filename: str, arcname: str, stream: Future[bytes] | None) -> None:
    """``zf.write(filename, arcname)``, the deflating done ahead when ``stream`` is given."""
    if stream is None:
        zf.write(filename, arcname)
        return
    zinfo = ZipInfo.from_file(filename, arcname, strict_timestamps=zf._strict_timestamps)  # type: ignore[attr-defined]
    zinfo.compress_type = zf.compression
    zinfo._compresslevel = zf.compresslevel  # type: ignore[attr-defined]
    with open(filename, "rb") as src, zf.open(zinfo, "w") as dest:
        dest._compressor = _Deflated(stream)  # type: ignore[attr-defined]
        shutil.copyfileobj(src, dest, 1024 * 8)  # the sizes and the CRC, as zipfile counts them


class FastWorkbook(Workbook):  # type: ignore[misc]  # XlsxWriter is untyped here
    """XlsxWriter's workbook, deflating its large parts in two threads (see the module), a
    streamed sheet from the moment it is complete (:meth:`finish_sheet`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool: ThreadPoolExecutor | None = None
        self._early: dict[int, xlsx_early.Early] = {}

    def _deflaters(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="zhenggai-deflate")
        return self._pool

    def finish_sheet(self, ws: Any) -> None:
        """``ws``, a streamed sheet, is complete (nothing more is written to it): assemble and
        deflate it now, in a thread, while the next sheets are written (xlsx_early.py)."""
        early = self._early.get(id(ws))
        if early is None:
            early = self._start(ws, None)
        if early is not None:
            try:
                xlsx_early.end(early, ws)
            except (OSError, UnicodeError, ValueError):
                xlsx_early.drop(self._early.pop(id(ws)))  # close() assembles it as XlsxWriter does

    def follow_sheet(self, ws: Any, plan: tuple[int, int, int, int]) -> Callable[[], None]:
        """Assemble and deflate the streamed sheet ``ws`` while its rows are written: ``plan`` is
        its extent once they are (first and last row and column); call the function returned
        as they are written (the rows so far may be deflated), :meth:`finish_sheet` at the end."""
        early = self._start(ws, plan) if id(ws) not in self._early else None
        return (lambda: xlsx_early.tell(early, ws)) if early is not None else (lambda: None)

    def _start(self, ws: Any, plan: tuple[int, int, int, int] | None) -> xlsx_early.Early | None:
        if self.in_memory or self.vba_project or self.fileclosed:
            return None
        try:
            # zipfile's default level: _store_workbook's ZipFile is made without one (checked there)
            early = xlsx_early.start(self, ws, self._deflaters(), zlib.Z_DEFAULT_COMPRESSION, plan)
        except (OSError, UnicodeError, ValueError):
            return None  # close() assembles it as XlsxWriter does
        if early is not None:
            self._early[id(ws)] = early
        return early

    def discard_early(self) -> None:
        """The workbook is not closed (its writing failed): the early work thrown away, the threads ended."""
        for early in self._early.values():
            xlsx_early.drop(early)
        self._early.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _store_workbook(self) -> None:
        # XlsxWriter 3.3's Workbook._store_workbook, but for the zip of the parts on disk.
        xlsx_file = ZipFile(self.filename, "w", compression=ZIP_DEFLATED, allowZip64=self.allow_zip64)
        packager = _AheadPackager()
        if not self.worksheets():
            self.add_worksheet()
        if self.worksheet_meta.activesheet == 0:
            self.worksheets_objs[0].selected = 1
            self.worksheets_objs[0].hidden = 0
        for sheet in self.worksheets():
            if sheet.index == self.worksheet_meta.activesheet:
                sheet.active = 1
        if self.vba_project:
            for sheet in self.worksheets():
                if sheet.vba_codename is None:
                    sheet.set_vba_name()
        self._prepare_sst_string_data()
        self._prepare_vml()
        self._prepare_defined_names()
        self._prepare_drawings()
        self._add_chart_data()
        self._prepare_tables()
        self._prepare_metadata()
        packager._add_workbook(self)
        packager._set_tmpdir(self.tmpdir)
        packager._set_in_memory(self.in_memory)
        packager.pool, packager.level, packager.ahead = self._deflaters(), _level(xlsx_file), {}
        packager.early, packager.taken = self._early, {}
        try:
            xml_files = packager._create_package()
            packager.send_ahead()
            self._zip_parts(xlsx_file, xml_files, packager.ahead, packager.taken)
        finally:
            for stream in packager.ahead.values():
                stream.cancel()
            self.discard_early()  # those not taken; the threads ended (then their files may go)
            for early in packager.taken.values():
                with contextlib.suppress(OSError):
                    os.remove(early.row_file)
                with contextlib.suppress(OSError):
                    os.remove(early.path)  # when the zip failed before it (else removed once zipped)
        xlsx_file.close()

    def _zip_parts(self, xlsx_file: ZipFile, xml_files: list[Any], ahead: dict[str, Future[bytes]],
                   taken: dict[str, xlsx_early.Early]) -> None:
        for file_id, (os_filename, xml_filename, is_binary) in enumerate(xml_files):
            if self.in_memory:
                zipinfo = ZipInfo(xml_filename, (1980, 1, 1, 0, 0, 0))
                zipinfo.compress_type = xlsx_file.compression
                if is_binary:
                    xlsx_file.writestr(zipinfo, os_filename.getvalue())
                else:
                    xlsx_file.writestr(zipinfo, os_filename.getvalue().encode("utf-8"))
                continue
            stream = ahead.get(os_filename)
            if stream is not None and stream.exception() is not None:
                # Its thread failed (an I/O error): deflated here, as XlsxWriter does (a sheet
                # assembled ahead is first written here too). The same file, or this run's error.
                if os_filename in taken:
                    xlsx_early.assemble(taken[os_filename])
                stream = None
            timestamp = time.mktime((1980, 1, 31, 0, 0, 0, 0, 0, -1))
            os.utime(os_filename, (timestamp, timestamp))
            try:
                _zip_write(xlsx_file, os_filename, xml_filename, stream)
                os.remove(os_filename)
            except LargeZipFile:
                for i in range(file_id, len(xml_files) - 1):
                    os.remove(xml_files[i][0])
                raise


def _follow(path: str, sizes: queue.SimpleQueue[tuple[int, bool]], level: int) -> bytes:
    """The raw deflate stream of the file at ``path`` (as :func:`_deflate`) while it is being
    written: ``sizes`` says how far it is written each time, then its whole size, last (or -1:
    its writing failed; the stream is then never used). The file only grows, so the bytes
    read are the file's, in order, and zlib's stream does not depend on how they are cut."""
    z = zlib.compressobj(level, zlib.DEFLATED, -15)
    out: list[bytes] = []
    done = 0
    with open(path, "rb") as fh:
        last = False
        while not last:
            size, last = sizes.get()
            if size < 0:
                raise OSError(f"{path}: not written")
            out.extend(map(z.compress, xlsx_early.pieces(fh, size - done)))
            done = size
    out.append(z.flush())
    return b"".join(out)


def _level(zf: ZipFile) -> int:
    """The zlib level ``ZipFile.write`` deflates with (zipfile's default: zlib's own)."""
    level = zf.compresslevel
    return zlib.Z_DEFAULT_COMPRESSION if level is None else level


__all__ = ["FastWorkbook"]
