"""Any workbook a clerk sends (.xlsx, .xlsm, .xls) → grids of cell values, safely.

Why python-calamine: it reads .xlsx, .xlsm and legacy .xls with one API, sees merged
ranges, and is 10-15× faster than openpyxl on the small files clerks send (measured:
1,500 county files in 0.7 s against 8.9 s for openpyxl read-only). It cannot tell a
formula without a saved value, nor an error value such as ``#DIV/0!``, from an empty
cell, so for .xlsx we look at the sheet XML ourselves, and only when it holds a
formula or an error at all.

Workbooks come from outside, so before calamine sees a byte we check what the file
is: a zip whose contents would expand out of all proportion (zip bomb) is refused,
measured by inflating every member ourselves because the sizes a zip header declares
can lie; XML carrying a DTD (the only way to declare entities, so the billion-laughs
attack) is refused; a sheet whose used range would make calamine allocate gigabytes
is refused; an encrypted OOXML package (an OLE file holding ``EncryptedPackage``) is
named as such, and anything else that is not a workbook is a finding, never an
exception. XML that we parse ourselves goes through defusedxml.

One exception to "before calamine sees a byte", for speed (issue 22): in a supervised CLI run
(cli/supervise.py) a big workbook is measured and guarded on the second CPU while calamine
already opens and reads it (:func:`_read_aside`); a crash there makes the supervisor read the
file again guard first, and the guard's refusal always comes before anything calamine did.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import posixpath
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from zhenggai.core.errors import os_reason
from zhenggai.core.findings import Finding, make
from zhenggai.intake import guard, sniff
from zhenggai.intake.package import Package, read_whole

if TYPE_CHECKING:
    from collections.abc import Callable

    from python_calamine import CalamineWorkbook

    from zhenggai.intake import formats, word

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".et", ".ods"})
OLE_MAGIC = sniff.OLE_MAGIC
ZIP_MAGIC = sniff.ZIP_MAGIC
# Real county replies are well under 1 MB; a 100,000-row sheet is ~40 MB of XML.
MAX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_RATIO = 150  # shared strings and sheet XML compress ~5-20×; bombs ~1000×
RATIO_FLOOR = 20 * 1024 * 1024  # ratios only matter for entries this large
MAX_CELLS = guard.MAX_CELLS  # the used range calamine may allocate (see guard.py)

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

Value = object  # str | float | int | bool | datetime | date | time | timedelta


@dataclass(slots=True)
class Grid:
    """One sheet: ``rows[r][c]`` is the value at Excel row r+1, column c (0-based)."""

    name: str
    rows: list[list[Value]]
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # (row, col) 0-based of formula cells that have no saved value
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)
    hidden: bool = False  # the sheet itself is hidden (or "very hidden")
    # 0-based rows and columns hidden in Excel/WPS that held something: the reader blanks
    # them (a hidden row or column is not data) and validate names them in a warning.
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)
    # What those hidden rows held (0-based row → its values, hidden columns blank): a hidden
    # row inside a table is data the clerk cannot see, read by forms/tables.py and reported.
    hidden_values: dict[int, list[Value]] = field(default_factory=dict)
    # A Word table: grid rows [start, end) are the table's own rows (the others are the
    # paragraphs above and below it); None for a worksheet. See word.py.
    table_rows: tuple[int, int] | None = None
    # 0-based rows whose every filled cell was struck through (deleted by the clerk): the
    # reader blanks them and validate names them in a warning (formats.py).
    struck_rows: list[int] = field(default_factory=list)
    # (row, col) 0-based → the text struck through in a cell of a row not deleted: the reader
    # keeps only the text not struck (blank when none) and validate names each cell.
    struck_cells: dict[tuple[int, int], formats.Struck] = field(default_factory=dict)
    # A Word table's cells with a revision not accepted: (row, col) 0-based → the text before
    # it (the grid holds the revised text; word.py, checking/readings.py).
    revised: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass(slots=True)
class Book:
    """A workbook as read: its grids, or the file-level findings that stopped reading."""

    path: Path
    grids: list[Grid]
    findings: list[Finding]
    fmt: str  # a kind from sniff.py: "xlsx" | "xls" | "ods" | "docx" | "doc" | "pdf" | …
    saved: datetime | None = None  # last-saved time written inside the file (sniff.saved_time)
    # Findings that do not stop reading (a CSV's encoding, an impossible saved time): the file is readable.
    notes: list[Finding] = field(default_factory=list)
    sha256: str | None = None  # of the file's bytes, when the reader held them whole (package.py)


class _Refused(Exception):
    """Internal: reading stops with this file-level finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def _unreadable(path: Path, display: str, reason: str, fmt: str = "?") -> Book:
    return Book(path, [], [make("file-unreadable", file=display, reason=reason)], fmt)


# --- the zip container --------------------------------------------------------------------

_ZIP_ENCRYPTED = 0x1  # general-purpose flag bit 0: the member is encrypted (a zip password)
_ZIP_STRONG_ENCRYPTION = 0x40  # bit 6
_INFLATE_STEP = 1 << 22  # inflate at most 4 MB at a time: memory stays flat for any bomb
_HEAD = 16 * 1024  # bytes of each member kept to look for a DTD (it must come before the root)
# Sheet bytes kept from the guard's inflation for the scan, at most (all sheets together):
# a 100,000-row sheet is ~30 MB; anything larger is inflated again, one member at a time.
_KEEP_MAX = 64 * 1024 * 1024


@functools.cache
def _finder(*needles: bytes) -> Callable[[bytes], bool]:
    """Whether a part holds any of ``needles``: ``any(n in data for n in needles)``, found by
    ``re``'s literal search. On sheet XML that is 2–3 times faster than ``bytes.__contains__``
    (30 MB of a 100,000-row sheet: ``b"<f" in data or b":f" in data`` 63 ms, the two searches
    30 ms; ``t="e"``/``t='e'`` 45 → 20 ms): ``in`` slows down on needles whose last byte is
    common in XML (``"``, ``f``, space), where ``re`` skips to the first byte and checks from
    there. The same answer for any bytes (tests/test_guard_search.py)."""
    searches = [re.compile(re.escape(n)).search for n in needles]
    return lambda data: any(search(data) is not None for search in searches)


@dataclass(slots=True)
class _Watch:
    """Whether a member holds ``needle``, learnt while the zip guard inflates it anyway, so
    that a part is read again only when it matters (sharedStrings.xml only when some text
    may be struck through: 26 MB for a 100,000-row sheet)."""

    needle: bytes
    found: bool = False
    tail: bytes = b""

    def feed(self, data: bytes) -> None:
        if not self.found:
            self.found = self.needle in self.tail + data[:len(self.needle)] or _finder(self.needle)(data)
            self.tail = data[-(len(self.needle) - 1):]


def _inflate(
    fh: BinaryIO, info: zipfile.ZipInfo, limit: int, parts: list[bytes] | None = None, keep_max: int = 0,
    watch: _Watch | None = None,
) -> tuple[int, bytes]:
    """(true uncompressed size, first bytes) of a member, inflating at most ``limit`` + a step.

    ``parts``: when given, every inflated piece is appended to it (the caller keeps a
    member's bytes only once its true size has passed the checks), up to ``keep_max``
    bytes: past that ``parts`` is emptied and memory stays flat as for any other member.

    The sizes in a zip's headers are whatever the sender wrote: Python's zipfile stops
    at the declared size, but calamine's zip reader inflates the whole stream, so a
    member that declares 5 KB can still expand to gigabytes inside calamine. Only
    inflating it tells the truth, and deflate inflates at several hundred MB/s.
    """
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or not local.startswith(ZIP_MAGIC):
        raise zipfile.BadZipFile("local header")
    name_len, extra_len = struct.unpack_from("<HH", local, 26)
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        if watch is not None:
            watch.found = True  # not looked at: it may hold the needle
        return left, fh.read(min(left, _HEAD))  # nothing kept in ``parts``: zf.read reads it
    if info.compress_type != zipfile.ZIP_DEFLATED:
        # Excel, WPS and LibreOffice only ever deflate or store.
        raise zipfile.BadZipFile(f"compression method {info.compress_type}")
    if parts is not None and info.file_size <= min(keep_max, limit):
        whole = _inflate_whole(fh, info, parts, watch)
        if whole is not None:
            return whole
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    head = b""
    while left > 0 and not inflater.eof:
        buf = fh.read(min(left, 1 << 20))
        if not buf:
            break  # truncated: the size then differs from the declared one
        left -= len(buf)
        while buf and not inflater.eof:
            out = inflater.decompress(buf, _INFLATE_STEP)
            if len(head) < _HEAD:
                head += out[: _HEAD - len(head)]
            size += len(out)
            if watch is not None:
                watch.feed(out)
            if parts is not None:
                if size > keep_max:
                    parts.clear()
                    parts = None
                else:
                    parts.append(out)
            if size > limit:
                return size, head
            buf = inflater.unconsumed_tail
    rest = inflater.flush()
    if watch is not None:
        watch.feed(rest)
    if parts is not None:
        if size + len(rest) > keep_max:
            parts.clear()
        else:
            parts.append(rest)
    return size + len(rest), head


def _inflate_whole(fh: BinaryIO, info: zipfile.ZipInfo, parts: list[bytes],
                   watch: _Watch | None) -> tuple[int, bytes] | None:
    """:func:`_inflate` of a member to be kept, in one call: what the piece by piece loop
    gives when the stream ends within its compressed bytes and inflates to no more than the
    header declares (the caller has checked that size against the limits); None otherwise,
    with ``fh`` back where it was (the loop then inflates it, as for any other member).

    A kept member is joined from its pieces afterwards: inflated whole it is one piece, and
    joining one piece copies nothing (a 100,000-row sheet and its shared strings: ~20 ms of
    copying, and the pieces and their join no longer both in memory at once)."""
    start = fh.tell()
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out = inflater.decompress(fh.read(info.compress_size), info.file_size + 1)
    if not inflater.eof or len(out) > info.file_size:
        fh.seek(start)
        return None
    if watch is not None:
        watch.feed(out)
    parts.append(out)
    return len(out), out[:_HEAD]


# The zip guard: broken, bomb-like or DTD-carrying zips are refused before any XML is parsed.
# The same guard serves .xlsx, .ods and .docx packages, in two steps, the cheap one first:
# _zip_header (the zip's directory) and _zip_measured (every member inflated; a big .xlsx has
# it done on the second CPU, _read_aside).


def _bomb(path: Path, display: str, total: int) -> Book:
    return Book(path, [], [make("file-too-large", file=display, size=_size(total))], "xlsx")


def _zip_header(pkg: Package, display: str) -> Book | None:
    """The zip guard's refusals told from the zip's directory alone (a broken zip, encryption,
    sizes the headers admit are too large); None when it passes."""
    path = pkg.path
    if pkg.zf is None:
        if not isinstance(pkg.error, (zipfile.BadZipFile, OSError, ValueError)):
            raise pkg.error or zipfile.BadZipFile("zip")  # the reader boundary names the file
        return _unreadable(path, display, f"文件已损坏或不完整（{type(pkg.error).__name__}）", "xlsx")
    infos = pkg.zf.infolist()

    if any(i.flag_bits & _ZIP_STRONG_ENCRYPTION for i in infos):
        # Bit 6, "strong encryption" (PKWARE's own scheme): zipfile raises NotImplementedError,
        # and no office program writes it.
        return _unreadable(path, display, f"压缩包使用了不支持的加密方式，{guard.UNREADABLE}", "xlsx")
    if any(i.flag_bits & _ZIP_ENCRYPTED for i in infos):
        return Book(path, [], [make("file-encrypted", file=display)], "xlsx")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNCOMPRESSED or any(_bomb_like(i.file_size, i.compress_size) for i in infos):
        return _bomb(path, display, declared)  # the cheap refusal: the header admits it
    return None


def _zip_measured(pkg: Package, display: str, keep: bool = False,
                  watch: dict[str, _Watch] | None = None) -> Book | None:
    """The zip guard's refusals found by inflating every member (after :func:`_zip_header`):
    the sizes a header declares can lie, a DTD hides inside."""
    path = pkg.path
    assert pkg.zf is not None  # _zip_header refused it otherwise
    infos = pkg.zf.infolist()

    total = kept = 0
    try:
        with pkg.stream() as fh:
            for info in infos:
                parts: list[bytes] | None = None
                if keep and info.file_size <= _KEEP_MAX - kept:
                    parts = []
                size, head = _inflate(fh, info, MAX_UNCOMPRESSED - total, parts, _KEEP_MAX - kept,
                                      (watch or {}).get(info.filename))
                total += size
                if total > MAX_UNCOMPRESSED or _bomb_like(size, info.compress_size):
                    return _bomb(path, display, max(total, size))
                if size != info.file_size:
                    return _unreadable(path, display, "文件已损坏（压缩包记录的大小与实际内容不符）", "xlsx")
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    # Excel never writes a DTD; in a file from outside it can only be an
                    # entity-expansion attack (billion laughs) or an external-entity probe.
                    return _unreadable(path, display, "工作簿的 XML 含有 DTD/实体声明，疑为恶意文件，已拒绝读取",
                                       "xlsx")
                if parts and keep:
                    data = b"".join(parts)
                    # Kept only when zipfile would read the same bytes (it checks the CRC);
                    # otherwise the scans read the member and meet the same error as before.
                    if zlib.crc32(data) == info.CRC:
                        pkg.members[info.filename] = data
                        kept += len(data)
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:
        return _unreadable(path, display, f"文件已损坏或不完整（{type(exc).__name__}）", "xlsx")
    return None


def _bomb_like(size: int, compressed: int) -> bool:
    return size > RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1)


def _is_encrypted_ooxml(head: bytes, path: Path) -> bool:
    """An encrypted .xlsx is an OLE container holding an "EncryptedPackage" stream."""
    if not head.startswith(OLE_MAGIC):
        return False
    # The stream name sits in the OLE directory, written as UTF-16LE.
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as fh:
        tail = b""
        while chunk := fh.read(1 << 20):
            if marker in tail + chunk:  # the marker may straddle two chunks
                return True
            tail = chunk[-len(marker):]
    return False


# --- the sheet XML ------------------------------------------------------------------------


def _sheet_paths(pkg: Package) -> dict[str, str]:
    """Sheet name → part name inside the zip, from workbook.xml and its rels (parsed once a package)."""
    if pkg.sheet_parts is None:
        pkg.sheet_parts = _parse_sheet_paths(pkg)
    return pkg.sheet_parts


def _parse_sheet_paths(pkg: Package) -> dict[str, str]:
    wb = SafeET.fromstring(pkg.read("xl/workbook.xml"))
    rels = SafeET.fromstring(pkg.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    out: dict[str, str] = {}
    for sheet in wb.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target)
        )
        out[sheet.get("name", "")] = part
    return out


def _cell_index(ref: str) -> tuple[int, int]:
    col = 0
    i = 0
    while i < len(ref) and ref[i].isalpha():
        col = col * 26 + (ord(ref[i].upper()) - 64)
        i += 1
    return int(ref[i:]) - 1, col - 1


# Columns of two or three letters (AA…XFD): no official table reaches them, so the search
# finds nothing in a normal sheet. Patterns start with the literal ``r=`` so that the
# regex engine can skip ahead by byte search: a leading ``\s`` makes them 7× slower.
_WIDE_COLUMN_RE = re.compile(rb"""r=["']([A-Za-z]{2,3})\d""")
# A formula element (not <filter>, <formula1> …) and the attributes of the cell around it.
_F_TAG_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")
_C_TAG_RE = re.compile(rb"<(?:\w+:)?c\s")
_ATTR_R_RE = re.compile(rb"""\sr=["']([A-Z]{1,3}\d{1,7})["']""")
_ATTR_T_RE = re.compile(rb"""\st=["'](\w+)["']""")
_V_RE = re.compile(rb"\s*<(?:\w+:)?(v|is)\b(/?)>([^<]*)")
# An error value (#DIV/0!, #N/A, #REF! …) with or without the formula that produced it.
_ERROR_CELL_RE = re.compile(
    rb"""<(?:\w+:)?c\s([^>]*?\st=["']e["'][^>]*)>\s*"""
    rb"""(?:<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*)?<(?:\w+:)?v>([^<]*)<"""
)


@dataclass(slots=True)
class _SheetScan:
    """What calamine cannot tell us about one sheet."""

    no_value: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[tuple[tuple[int, int], tuple[int, int]]] | None = None  # .ods only
    hidden_rows: set[int] = field(default_factory=set)  # 0-based
    hidden_cols: set[int] = field(default_factory=set)  # 0-based


def _scan_formulas(data: bytes, scan: _SheetScan, stale: bool = False) -> None:
    """Formula cells without a saved result, found by scanning around each ``<f>`` tag.

    Such a file was written by a program (openpyxl saves ``<f>B5+C5</f><v/>``) and never
    opened in Excel or WPS: calamine reads those cells as empty, which would silently
    turn a total into 0. A formula whose result is the empty string (=IF(B5="","",…), in
    many templates) is saved by Excel as ``t="str"`` with an empty ``<v>``: that is a
    saved value. Parsing the whole sheet with ElementTree would take 3 s and hundreds of
    MB on a 100,000-row sheet; the tags are found by byte search in a tenth of that.

    ``stale``: the workbook asks to be recalculated when opened (``fullCalcOnLoad``, which
    XlsxWriter and openpyxl write and Excel drops when it saves): a saved result there is
    whatever the program put (XlsxWriter writes 0 for =20+30, Excel then shows 50), so no
    formula has a saved value to trust.
    """
    for m in _F_TAG_RE.finditer(data):
        start = data.rfind(b"<", 0, m.start())  # <f> is the first child of its <c>
        head = data[start:m.start()]
        ref = _ATTR_R_RE.search(head)
        if ref is None or not _C_TAG_RE.match(head):
            continue
        t = _ATTR_T_RE.search(head)
        typ = t[1] if t else b"n"
        end = data.find(b">", m.start())
        if end < 0:
            continue
        if data[end - 1:end] != b"/":  # <f>text</f>: formula text holds no "<"
            close = data.find(b"</", end)
            end = data.find(b">", close) if close >= 0 else -1
            if end < 0:
                continue
        v = _V_RE.match(data, end + 1)
        has_value = not stale and v is not None and (v[1] == b"is" or bool(v[3].strip()) or typ == b"str")
        if not has_value:
            scan.no_value.add(_cell_index(ref[1].decode()))


# <row r="5" hidden="1"> and <col min="3" max="4" hidden="1"/>: Excel writes "1", other
# writers "true". A row hidden by an autofilter is written the same way, and is not data
# either: the clerk filtered it out of what they see.
_ROW_TAG_RE = re.compile(rb"<(?:\w+:)?row\s([^>]*)>")
_COL_TAG_RE = re.compile(rb"<(?:\w+:)?col\s([^>]*)>")
_HIDDEN_ATTR_RE = re.compile(rb"""\shidden=["'](?:1|true)["']""")
_ROW_R_RE = re.compile(rb"""\sr=["'](\d{1,7})["']""")
_COL_MIN_RE = re.compile(rb"""\smin=["'](\d{1,5})["']""")
_COL_MAX_RE = re.compile(rb"""\smax=["'](\d{1,5})["']""")
_MAX_HIDDEN_COLS = 256  # "hide every column to the right" writes max=16384: the table is far left


def _scan_hidden(data: bytes, scan: _SheetScan) -> None:
    """Hidden rows and columns of a sheet: calamine reads them like any other."""
    for m in _ROW_TAG_RE.finditer(data):
        if _HIDDEN_ATTR_RE.search(b" " + m[1]):
            r = _ROW_R_RE.search(b" " + m[1])
            if r is not None:
                scan.hidden_rows.add(int(r[1]) - 1)
    for m in _COL_TAG_RE.finditer(data):
        if _HIDDEN_ATTR_RE.search(b" " + m[1]):
            lo, hi = _COL_MIN_RE.search(b" " + m[1]), _COL_MAX_RE.search(b" " + m[1])
            if lo is not None and hi is not None:
                first = int(lo[1]) - 1
                scan.hidden_cols.update(range(first, min(int(hi[1]), first + _MAX_HIDDEN_COLS)))


def _scan_errors(data: bytes, scan: _SheetScan) -> None:
    """Error values: calamine reads #DIV/0! as an empty cell, which would count as 0."""
    for m in _ERROR_CELL_RE.finditer(data):
        ref = _ATTR_R_RE.search(b" " + m[1])
        if ref is not None:
            scan.errors[_cell_index(ref[1].decode())] = m[2].decode("utf-8", "replace").strip() or "#N/A"


# Standard parts that are never worksheets. Any other part, wherever a writer put it, may be.
_NOT_A_SHEET = re.compile(
    r"\[Content_Types\]\.xml$|docProps/|(?:.*/)?_rels/|xl/(?:styles|sharedStrings|workbook|calcChain)\.xml$"
    r"|xl/(?:theme|drawings|charts|media|printerSettings)/|xl/comments\d*\.xml$"
)
_WORKBOOK_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
# <calcPr … fullCalcOnLoad="1"/>: "recalculate everything when opened" (see _scan_formulas).
_FULL_CALC_RE = re.compile(rb"""<(?:\w+:)?calcPr\b[^>]*\sfullCalcOnLoad=["'](?:1|true)["']""")
_QUICK_SCAN_MAX = 1 << 20  # sheet XML of a county's reply: ~50 KB
# A row number of six digits or more: the used range may be too large (see _used_range).
_BIG_ROW_RE = re.compile(rb"""r=["'][A-Za-z]{0,3}\d{6}""")


# What _scan_sheets looks for before its regexes (see _finder: the needles of ``in`` tests).
_MAY_HOLD_FORMULA = _finder(b"<f", b":f")
_MAY_HOLD_ERROR = _finder(b't="e"', b"t='e'")


def _maybe_sheet(name: str) -> bool:
    return name.endswith(".xml") and _NOT_A_SHEET.match(name) is None


def _needs_scan(data: bytes) -> bool:
    """Whether a part may hold anything _scan_sheets reports: over-estimates, never misses.
    (Where guard.suspect finds no reference, only a range can be past the limits.)"""
    return (
        b"<f" in data or b":f" in data or b't="e"' in data or b"t='e'" in data or b"hidden=" in data
        or _WIDE_COLUMN_RE.search(data) is not None or _BIG_ROW_RE.search(data) is not None
        or guard.suspect(data) or guard.range_out_of_limits(data) is not None or guard.tags_without_ref(data)
    )


def _scan_sheets(pkg: Package, display: str, guarded: Callable[[], None] | None = None) -> dict[str, _SheetScan]:
    """Per sheet name: formula cells without value and error cells; refuses huge ranges.

    Reads the members as :func:`_zip_measured` inflated and measured them (``pkg.members``;
    a member missing from it is read from the zip). Every sheet is guarded before any is
    scanned; ``guarded()`` is called in between (calamine may then read the sheets).
    """
    found: dict[str, _SheetScan] = {}
    read = pkg.read
    if pkg.zf is None:
        raise zipfile.BadZipFile(str(pkg.error))
    names = pkg.names()
    maybe = [i for i in pkg.zf.infolist() if _maybe_sheet(i.filename)]
    if (
        all(i.file_size <= _QUICK_SCAN_MAX for i in maybe)
        and not any(_needs_scan(read(i.filename)) for i in maybe)
        and not any(b"<!DOCTYPE" in read(n) for n in _WORKBOOK_PARTS if n in names)
    ):
        # The common case, a county's small reply: no part that may be a sheet holds a
        # formula, an error value or a reference past column Z or row 99,999, so there
        # is nothing to map back to sheet names and workbook.xml is not parsed at all.
        # (Large sheets go straight to the full scan: no part is inflated twice.)
        return found
    try:
        parts = _sheet_paths(pkg)
    except (KeyError, SafeET.ParseError):
        return found  # calamine reports a workbook it cannot read
    stale = "xl/workbook.xml" in names and _FULL_CALC_RE.search(read("xl/workbook.xml")) is not None
    sheets: list[tuple[str, bytes]] = []
    for name, part in parts.items():
        try:
            data = read(part)
        except KeyError:
            continue
        _guard_sheet(display, name, data)
        sheets.append((name, data))
    if guarded is not None:
        guarded()
    for name, data in sheets:
        scan = _SheetScan()
        # Substring tests first (re's literal search, see _finder): most sheets hold neither.
        if _MAY_HOLD_FORMULA(data) and _F_TAG_RE.search(data):
            _scan_formulas(data, scan, stale)
        if _MAY_HOLD_ERROR(data):
            _scan_errors(data, scan)
        if b"hidden=" in data:
            _scan_hidden(data, scan)
        if scan.no_value or scan.errors or scan.hidden_rows or scan.hidden_cols:
            found[name] = scan
    return found


def _guard_sheet(display: str, name: str, data: bytes) -> None:
    """Refuse a sheet whose references calamine cannot be trusted with (see guard.py)."""
    odd = guard.odd_refs(data)  # one pass finds where both checks need to look
    bad = guard.out_of_limits(data, odd)
    if bad is not None:
        raise _Refused(make("file-unreadable", file=display, reason=guard.limits_reason(name, bad)))
    too_large = guard.used_range(data, MAX_CELLS, odd)
    if too_large is not None:
        raise _Refused(_too_large(display, name, *too_large))


def _scan_xls(path: Path, display: str, styled: dict[str, _Styled] | None = None) -> dict[str, _SheetScan]:
    """The .xls counterpart of :func:`_scan_sheets`: error values, and a range check; and
    into ``styled`` the cells whose number format or strikethrough matters (formats.py)."""
    from zhenggai.intake import formats, xls

    data = path.read_bytes()
    bad = guard.ole_problem(data)
    if bad is not None:
        raise _Refused(make("file-unreadable", file=display, reason=f"{bad}，{guard.UNREADABLE}"))
    found = xls.scan(data)
    if found is None:
        return {}  # calamine says what is wrong (or that it is password-protected)
    if styled is not None and (found.styled or found.rich_cells):
        styles = formats.from_xfs(found.format_codes, found.xf_styles)
        for name in {*found.styled, *found.rich_cells}:
            cells = found.styled.get(name, {})
            mine = {at: xf for at, xf in cells.items() if xf in styles.formats or xf in styles.struck}
            texts = {at: found.rich[isst].resolve(xf in styles.struck)
                     for at, (isst, xf) in found.rich_cells.get(name, {}).items()}
            if mine or texts:
                styled[name] = (styles, mine, texts)
    for name, (rows, cols) in found.ranges.items():
        if rows * cols > MAX_CELLS:
            raise _Refused(_too_large(display, name.lstrip("#"), rows, cols))
    return {
        name: _SheetScan(errors=found.errors.get(name, {}), hidden_rows=found.hidden_rows.get(name, set()),
                         hidden_cols=found.hidden_cols.get(name, set()))
        for name in {*found.errors, *found.hidden_rows, *found.hidden_cols}
    }


def _scan_ods(path: Path, display: str, styled: dict[str, _Styled] | None = None) -> dict[str, _SheetScan]:
    """The .ods counterpart of :func:`_scan_sheets`: merges, error values, a range check;
    and into ``styled`` the cells whose number format or strikethrough matters (formats.py)."""
    from zhenggai.intake import formats, ods

    found: dict[str, _SheetScan] = {}
    for name, sheet in ods.scan(path).items():
        if sheet.rows * sheet.cols > MAX_CELLS:
            raise _Refused(_too_large(display, name, sheet.rows, sheet.cols))
        found[name] = _SheetScan(errors=sheet.errors, merges=sheet.merges, hidden_rows=sheet.hidden_rows,
                                 hidden_cols=sheet.hidden_cols)
        cells = formats.from_codes(sheet.formats, sheet.struck) if styled is not None else None
        if styled is not None and (cells is not None or sheet.struck_text):
            styles, at = cells if cells is not None else (formats.Styles(), {})
            styled[name] = (styles, at, sheet.struck_text)
    return found


def _read_docx(path: Path, shown: str) -> Book:
    """The tables of a Word document as grids (word.py)."""
    from zhenggai.intake import word

    try:
        grids = [_word_grid(t) for t in word.read_docx(path)]
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise many types for broken files
        return _unreadable(path, shown, f"Word 文档已损坏或格式不对（{type(exc).__name__}）", sniff.DOCX)
    if sum(len(g.rows) * max((len(r) for r in g.rows), default=0) for g in grids) > MAX_CELLS:
        return _unreadable(path, shown, "Word 文档中的表格大得异常，疑为误填或恶意文件", sniff.DOCX)
    return Book(path, grids, [], sniff.DOCX)


def _word_grid(t: word.WordTable) -> Grid:
    """A Word table's grid, its struck text taken out as in a worksheet (formats.apply)."""
    from zhenggai.intake import formats

    grid = Grid(t.name, t.rows, t.merges, table_rows=t.table_rows)
    if t.struck:
        grid.struck_rows, grid.struck_cells = formats.apply(grid.rows, {}, formats.Styles(), dict(t.struck))
    gone = set(grid.struck_rows)
    grid.revised = {at: v for at, v in t.revised.items() if at[0] not in gone}
    return grid


def _too_large(display: str, sheet: str, rows: int, cols: int) -> Finding:
    return make("file-unreadable", file=display, reason=(
        f"工作表“{sheet}”的使用范围大得异常（{rows} 行 × {cols} 列），疑为误填或恶意文件；"
        "请删除表格以外的内容（按 Ctrl+End 可找到最后一个单元格）"))


# --- reading ------------------------------------------------------------------------------


_KIND_NAMES = {sniff.PDF: "PDF 文件", sniff.IMAGE: "图片", sniff.RAR: "RAR", sniff.SEVENZIP: "7z"}


def read_book(path: Path, display: str | None = None, *, meanwhile: Callable[[], None] | None = None) -> Book:
    """Read every worksheet of a workbook (or table of a Word document); problems become
    findings on the Book. What the file is comes from its bytes, never its name.

    ``meanwhile()``: work the caller will need next, done when this process would otherwise
    wait for the second CPU's guard of a big sheet (:func:`_read_aside`); not called otherwise.
    """
    shown = display or str(path)
    data: bytes | None = None
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
            if head.startswith((ZIP_MAGIC, sniff.EMPTY_ZIP_MAGIC)):
                with contextlib.suppress(OSError):  # read from the path then, as the steps did
                    data = read_whole(fh, head)  # once: kind, guard, scans and calamine share it
    except OSError as exc:
        return _unreadable(path, shown, f"打不开文件（{os_reason(exc)}）")
    if not head:
        return _unreadable(path, shown, "文件是空的（0 字节）")
    pkg = Package.open(path, data) if head.startswith((ZIP_MAGIC, sniff.EMPTY_ZIP_MAGIC)) else None
    try:
        book = _read_head(path, shown, head, pkg, meanwhile)
    finally:
        if pkg is not None:
            pkg.close()
    if data is not None and book.sha256 is None:  # the aside child may have hashed it (_digested)
        book.sha256 = hashlib.sha256(data).hexdigest()
    return book


def _read_head(path: Path, shown: str, head: bytes, pkg: Package | None,
               meanwhile: Callable[[], None] | None = None) -> Book:
    """:func:`read_book` once the file's first bytes (and a zip's package) are known."""
    try:
        fmt = sniff.kind_of(path, head, pkg.zf if pkg is not None else None)
    except OSError as exc:
        return _unreadable(path, shown, f"打不开文件（{os_reason(exc)}）")
    if fmt in (sniff.PDF, sniff.IMAGE):
        return Book(path, [], [make("scan-only", file=shown, kind=_KIND_NAMES[fmt])], fmt)
    if fmt in (sniff.RAR, sniff.SEVENZIP):
        return Book(path, [], [make("archive-unsupported", file=shown, kind=_KIND_NAMES[fmt])], fmt)
    if fmt == sniff.LEGACY_WORD:
        return Book(path, [], [make("word-legacy", file=shown)], fmt)
    if fmt == sniff.ARCHIVE:
        return _unreadable(path, shown, "这是一个压缩包，但不是 Excel 工作簿", fmt)
    if fmt == sniff.UNKNOWN:
        csv_book = _read_csv(path, shown)
        if csv_book is not None:
            return csv_book
        return _unreadable(path, shown, "这不是 Excel 工作簿或 Word 文档（.xlsx/.xls/.ods/.docx）")
    from zhenggai.intake import boundary

    crashed = boundary.known_crash(shown)
    if crashed is not None:  # it crashed an earlier attempt of this supervised run
        return _unreadable(path, shown, f"{guard.UNREADABLE}（{crashed}）", fmt)
    try:
        with boundary.reading(shown):
            book = _read_sniffed(path, shown, fmt, pkg, meanwhile)
    except BaseException as exc:
        if not isinstance(exc, Exception) and not guard.is_panic(exc):
            raise  # KeyboardInterrupt, SystemExit: not the file's doing
        # The reader boundary: whatever a parser raises on a broken or hostile file (zipfile's
        # NotImplementedError for a "strong encryption" flag, a Rust panic in calamine as
        # pyo3's PanicException, a BaseException) names the file and the run goes on.
        return _unreadable(path, shown, f"{guard.UNREADABLE}（{type(exc).__name__}）", fmt)
    if not book.findings:
        book.saved, note = sniff.saved_time_noted(path, fmt, pkg.read if pkg is not None and pkg.zf else None)
        if note is not None:
            book.notes.append(make("saved-time-ignored", file=shown, value=note))
    return book


def _read_csv(path: Path, shown: str) -> Book | None:
    """A CSV export read as a one-sheet workbook (csvfile.py); None when the file is not text."""
    from zhenggai.intake import csvfile

    if path.suffix.lower() not in csvfile.SUFFIXES:
        return None  # a text file named .xlsx is a broken workbook, not an export
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
        if not csvfile.looks_like_text(head):
            return None
        if path.stat().st_size > MAX_UNCOMPRESSED:
            return Book(path, [], [make("file-too-large", file=shown, size=_size(path.stat().st_size))], sniff.CSV)
        rows, found = csvfile.read(path, shown, MAX_CELLS)
    except OSError as exc:
        return _unreadable(path, shown, f"打不开文件（{os_reason(exc)}）")
    if rows is None:
        return Book(path, [], found, sniff.CSV)
    return Book(path, [Grid(path.stem or "CSV", rows)], [], sniff.CSV, notes=found)


def _read_sniffed(path: Path, shown: str, fmt: str, pkg: Package | None = None,
                  meanwhile: Callable[[], None] | None = None) -> Book:
    """Read a file whose kind is known to be readable: xlsx, xls, ods or docx."""

    scans: dict[str, _SheetScan] = {}
    styled: dict[str, _Styled] = {}
    if fmt in (sniff.XLSX, sniff.ODS, sniff.DOCX):
        pkg = pkg or Package.open(path, None)
        refused = _zip_header(pkg, shown)
        if refused is None and fmt == sniff.XLSX:
            aside = _read_aside(path, shown, pkg, meanwhile)  # the members measured there
            if aside is not None:
                return aside
        watch = {_SST: _Watch(b"strike")}
        if refused is None:
            refused = _zip_measured(pkg, shown, fmt == sniff.XLSX, watch)
        if refused is not None:
            refused.fmt = fmt
            return refused
        if fmt == sniff.DOCX:
            return _read_docx(path, shown)
        if fmt == sniff.XLSX:
            done = _xlsx_scans(path, shown, pkg, watch[_SST].found)
            if isinstance(done, Book):
                return done
            scans, styled = done
        else:
            try:
                scans = _scan_ods(path, shown, styled)
            except _Refused as exc:
                return Book(path, [], [exc.finding], fmt)
            except DefusedXmlException:
                return _unreadable(path, shown, "工作簿的 XML 含有不安全的内容", fmt)
            except SafeET.ParseError:
                # calamine's .ods reader loops forever on a content.xml cut short (a table
                # without its end tag: found by benchmarks/fuzz.py); ods.py parses it whole.
                return _unreadable(path, shown, f"content.xml 不是完整的 XML，{guard.UNREADABLE}", fmt)
            except (zipfile.BadZipFile, OSError, KeyError, ValueError, UnicodeDecodeError):
                scans = {}  # calamine reports what is wrong with the file
        pkg.members.clear()  # calamine inflates for itself: do not hold 30 MB through its read
    else:
        try:
            size = path.stat().st_size
        except OSError as exc:
            return _unreadable(path, shown, f"打不开文件（{os_reason(exc)}）")
        if size > MAX_UNCOMPRESSED:  # before anything reads it through
            return Book(path, [], [make("file-too-large", file=shown, size=_size(size))], fmt)
        if _is_encrypted_ooxml(OLE_MAGIC, path):
            return Book(path, [], [make("file-encrypted", file=shown)], fmt)
        try:
            scans = _scan_xls(path, shown, styled)
        except _Refused as exc:
            return Book(path, [], [exc.finding], fmt)

    with contextlib.ExitStack() as stack:
        try:
            wb = _open_calamine(path, fmt, stack, pkg)
        except Exception as exc:  # noqa: BLE001 - calamine raises several types for broken files
            return _not_opened(path, shown, fmt, exc)
        stack.enter_context(wb)
        book = _read_grids(path, shown, fmt, wb, lambda: scans)
    return _formatted(book, styled)


def _not_opened(path: Path, shown: str, fmt: str, exc: Exception) -> Book:
    """The book of a file calamine could not open."""
    import python_calamine as pc

    if isinstance(exc, pc.PasswordError):
        return Book(path, [], [make("file-encrypted", file=shown)], fmt)
    return _unreadable(path, shown, f"文件已损坏或格式不对（{type(exc).__name__}）", fmt)


def _formatted(book: Book, styled: dict[str, _Styled]) -> Book:
    for grid in book.grids:
        if grid.name in styled:
            _apply_formats(grid, styled[grid.name])
    return book


def _xlsx_scans(path: Path, shown: str, pkg: Package, sst_strike: bool,
                guarded: Callable[[], None] | None = None) -> Book | tuple[dict[str, _SheetScan], dict[str, _Styled]]:
    """What calamine cannot see in an .xlsx (after the zip guard): the sheets' scans and
    formats, or the book of a file refused by them."""
    try:
        scans = _scan_sheets(pkg, shown, guarded)
    except _Refused as exc:
        return Book(path, [], [exc.finding], sniff.XLSX)
    except DefusedXmlException:
        return _unreadable(path, shown, "工作簿的 XML 含有不安全的内容", sniff.XLSX)
    except (SafeET.ParseError, zipfile.BadZipFile, OSError, KeyError, ValueError, UnicodeDecodeError):
        scans = {}  # calamine reports what is wrong with the file
    return scans, _scan_formats(pkg, sst_strike)


# Sheet XML from which the zip guard's inflating and the scans run in a forked child while
# this process loads what checking needs and calamine reads (issue 22): a fork costs ~10 ms,
# inflating and scanning a 100,000-row sheet (30 MB) ~0.9 s. Told from the sizes the zip
# declares (the guard has not measured them yet): a lie only picks the other, equal path.
ASIDE_MIN = 4 * 1024 * 1024
_GUARDED = "guarded"


@dataclass(frozen=True, slots=True)
class _ZipVerdict:
    """What the child's zip guard (:func:`_zip_measured`) found: the refusal, or None."""

    refused: Book | None


class _Stop(Exception):
    """Internal: the scans refused the file after all (see _read_aside)."""

    def __init__(self, book: Book) -> None:
        super().__init__("refused")
        self.book = book


def _aside_child(path: Path, shown: str, pkg: Package,
                 tell: Callable[[object], None]) -> Book | tuple[dict[str, _SheetScan], dict[str, _Styled]]:
    """In the forked child: the zip guard's measuring (its verdict told first), then the
    sheets' guard (told as :data:`_GUARDED`) and scans, exactly as in one process."""
    watch = {_SST: _Watch(b"strike")}
    refused = _zip_measured(pkg, shown, True, watch)
    tell(_ZipVerdict(refused))
    if refused is not None:
        return refused
    return _xlsx_scans(path, shown, pkg, watch[_SST].found, lambda: tell(_GUARDED))


def _scans_here(path: Path, shown: str, pkg: Package) -> Book | tuple[dict[str, _SheetScan], dict[str, _Styled]]:
    """What :func:`_aside_child` gives, done in this process (a child that failed): the
    measuring again, for the members and the shared strings' watch the scans use."""
    watch = {_SST: _Watch(b"strike")}
    refused = _zip_measured(pkg, shown, True, watch)
    return refused if refused is not None else _xlsx_scans(path, shown, pkg, watch[_SST].found)


# Freeing a big workbook's cells is not free: ~40 ms for a 100,000-row sheet's and ~20 ms for
# its shared strings, one CPU, on the path a clerk waits on. A process that ends right after its
# command (the command line's, which ends in os._exit: cli/app.py) need not free them at all:
# the OS takes the memory back at exit (spare_big_reads). Only the last big file's are kept.
_spared: list[object] = []
_sparing: list[bool] = [False]


def spare_big_reads() -> None:
    """From now on keep the calamine objects of the last big .xlsx read (_read_aside) instead of
    freeing them, until the next one is read: for a process that ends after its one command.
    A 100,000-row 附件1: ~60 ms less, ~30–40 MB more at the peak (303 → 334–343 MB)."""
    _sparing[0] = True


def _held(stack: contextlib.ExitStack, wb: CalamineWorkbook, kept: list[object] | None) -> CalamineWorkbook:
    """``wb`` closed when ``stack`` ends, or, when its objects are spared (``kept``), never."""
    if kept is None:
        return stack.enter_context(wb)
    kept.append(wb)
    return wb


def _open_early(path: Path, stack: contextlib.ExitStack, pkg: Package,
                kept: list[object] | None = None) -> CalamineWorkbook | BaseException:
    """The workbook opened by calamine before the zip guard's verdict, or what it raised: kept
    until the verdict, which comes first (a refused file's finding is the guard's)."""
    try:
        return _held(stack, _open_calamine(path, sniff.XLSX, stack, pkg), kept)
    except BaseException as exc:
        if not isinstance(exc, Exception) and not guard.is_panic(exc):
            raise  # KeyboardInterrupt, SystemExit: not the file's doing
        return exc


def _read_aside(path: Path, shown: str, pkg: Package,
                meanwhile: Callable[[], None] | None = None) -> Book | None:
    """A big .xlsx read with its zip guard's measuring and its scans in a forked child
    (second_cpu.py), or None (read it here). Called once :func:`_zip_header` has passed.

    The child inflates every member (:func:`_zip_measured`) and tells its verdict, then
    guards every sheet (_scan_sheets), says so, then scans them. Meanwhile this process does
    ``meanwhile()`` (what checking will need); it opens the workbook with calamine once the
    zip guard has passed, and reads the sheets once they are guarded. In a supervised run
    (boundary.early_open) it opens and reads without waiting: a crash then makes the
    supervisor read the file again the other way. Either way the guard's refusal comes
    first, whatever calamine made of the file, as in one process; a child that fails is
    replaced by the same work here (slower, never different).
    """
    from zhenggai.intake import boundary, second_cpu

    if pkg.zf is None or sum(i.file_size for i in pkg.zf.infolist()) < ASIDE_MIN or not second_cpu.available():
        return None
    pending = second_cpu.start_telling(lambda tell: _digested(_aside_child(path, shown, pkg, tell), pkg))
    if pending is None:
        return None
    digest: list[str | None] = []  # the file's, from the child (_digested)
    kept: list[object] | None = [] if _sparing[0] else None  # spare_big_reads
    early = read_now = boundary.early_open(shown)
    with contextlib.ExitStack() as stack:
        stack.callback(pending.result)  # the child is always waited for
        if meanwhile is not None:
            meanwhile()  # while the child inflates: this process would wait
        wb: CalamineWorkbook | BaseException | None = None
        if early:
            boundary.unguarded(True)
            stack.callback(boundary.unguarded, False)  # once the guard's outcome is known
            wb = _open_early(path, stack, pkg, kept)
        more, verdict = pending.next()
        if not (more and isinstance(verdict, _ZipVerdict)):
            return None  # the child failed before its verdict: the guard and the read here
        if verdict.refused is not None:
            verdict.refused.fmt = sniff.XLSX  # the kind, as _read_sniffed sets it ("xlsx" in the guard)
            return verdict.refused
        if not early:
            try:
                wb = _held(stack, _open_calamine(path, sniff.XLSX, stack, pkg), kept)
            except Exception as exc:  # noqa: BLE001 - as in _read_sniffed, once the guard has passed the file
                wb = exc
            more, first = pending.next()
            read_now = more and first == _GUARDED  # the sheets are guarded
        got: list[tuple[dict[str, _SheetScan], dict[str, _Styled]]] = []

        def outcome() -> tuple[dict[str, _SheetScan], dict[str, _Styled]]:
            if not got:
                done = pending.result()
                if isinstance(done, tuple):
                    done, digest[:] = done[:2], done[2:]
                elif not isinstance(done, Book):  # the child failed: the scans here
                    done = _scans_here(path, shown, pkg)
                if isinstance(done, Book):
                    raise _Stop(done)
                got.append(done)
            return got[0]

        try:
            if not read_now or isinstance(wb, BaseException):
                outcome()  # a refusal first, or nothing needed guarding
            if isinstance(wb, Exception):
                return _not_opened(path, shown, sniff.XLSX, wb)
            if isinstance(wb, BaseException):
                raise wb  # a panic, as when calamine opens the file after the guard (_read_head)
            assert wb is not None
            book = _read_guarded(path, shown, wb, outcome, kept)
            styled = outcome()[1]
        except _Stop as stop:
            return stop.book
    if kept is not None:
        _spared[:] = kept  # the previous big file's freed now
    book.sha256 = digest[0] if digest else None
    return _formatted(book, styled)


def _digested(done: Book | tuple[dict[str, _SheetScan], dict[str, _Styled]],
              pkg: Package) -> Book | tuple[dict[str, _SheetScan], dict[str, _Styled], str | None]:
    """The child's scans with the file's SHA-256 (read_book's digest), made there: ~10 ms of
    hashing a 10 MB file off the path this process waits on."""
    if isinstance(done, Book):
        return done
    return (*done, None if pkg.data is None else hashlib.sha256(pkg.data).hexdigest())


def _read_guarded(path: Path, shown: str, wb: CalamineWorkbook,
                  outcome: Callable[[], tuple[dict[str, _SheetScan], dict[str, _Styled]]],
                  kept: list[object] | None = None) -> Book:
    """:func:`_read_grids` while the child scans (maybe still guards) the sheets: whatever the
    read raises comes after the guard's refusal (``outcome()`` raises :class:`_Stop` for it)."""
    try:
        return _read_grids(path, shown, sniff.XLSX, wb, lambda: outcome()[0], kept)
    except _Stop:
        raise
    except BaseException as exc:
        if not isinstance(exc, Exception) and not guard.is_panic(exc):
            raise  # KeyboardInterrupt, SystemExit: not the file's doing
        outcome()
        raise


# A sheet's styles, its styled cells (→ style index) and its cells with text struck through.
_Styled = tuple["formats.Styles", dict[tuple[int, int], int], dict[tuple[int, int], "formats.Struck | None"]]


_SST = "xl/sharedStrings.xml"


def _scan_formats(pkg: Package, sst_strike: bool = True) -> dict[str, _Styled]:
    """Per sheet: the cells whose number format or strikethrough changes what they mean (formats.py).

    styles.xml is small and read first; the sheets are searched only when it holds such a
    style, so an ordinary reply costs one parse of styles.xml. Runs after the zip guard.
    """
    from zhenggai.intake import formats

    out: dict[str, _Styled] = {}
    # Asked at most once (it searches every kept part: 66 MB for a 100,000-row sheet).
    no_inline_strike = functools.cache(lambda: _no_inline_strike(pkg, sst_strike))
    try:
        names = set(pkg.names())
        if not sst_strike and no_inline_strike() and (
                "xl/styles.xml" not in names or formats.plain_styles(pkg.read("xl/styles.xml"))):
            # No struck run, no inline struck text and no style that could change a value
            # (told from the bytes): nothing to find, as when styles.xml would not parse.
            return out
        styles = formats.read_styles(pkg.read("xl/styles.xml")) if "xl/styles.xml" in names else formats.Styles()
        strings: dict[int, formats.Rich] = {}
        # Text can be struck through only with a struck cell font or a struck run (in the
        # shared strings, seen by the zip guard): otherwise the part is not even read.
        if _SST in names and (sst_strike or styles.struck):
            strings = formats.rich_strings(pkg.read(_SST), bool(styles.struck))
        xfs = {*styles.formats, *styles.struck}
        if not xfs and not strings and no_inline_strike():
            return out  # nothing any sheet could hold: workbook.xml need not be parsed
        for name, part in _sheet_paths(pkg).items():
            data = pkg.members.get(part)
            if data is None and part in names:
                data = pkg.read(part)
            if not data:
                continue
            cells = formats.styled_cells(data, xfs) if xfs else {}
            texts = formats.struck_text_cells(data, strings, styles.struck)
            if cells or texts:
                out[name] = (styles, cells, texts)
    except (zipfile.BadZipFile, SafeET.ParseError, DefusedXmlException, OSError, KeyError, ValueError):
        return {}  # unreadable styles: the stored values stand, as before
    return out


def _no_inline_strike(pkg: Package, sst_strike: bool = True) -> bool:
    """Whether no part of the package holds an inline string that may be struck through:
    formats.struck_text_cells, given no shared rich strings and no struck cell style, finds
    nothing in such a part. False when a part was not kept by the zip guard.

    ``sst_strike`` False: the zip guard's watch saw no "strike" in the shared strings (the
    very bytes kept in ``pkg.members``), so that part holds no struck inline string either
    and is not searched again (36 MB for a 100,000-row sheet)."""
    for name in pkg.names():
        data = pkg.members.get(name)
        if data is None:
            return False
        if name == _SST and not sst_strike:
            continue
        if b"inlineStr" in data and b"strike" in data:
            return False
    return True


def _apply_formats(grid: Grid, styled: _Styled) -> None:
    from zhenggai.intake import formats

    styles, cells, texts = styled
    struck, changed = formats.apply(grid.rows, cells, styles, texts)
    grid.struck_rows = [r for r in struck if r not in set(grid.hidden_rows)]
    grid.struck_cells = {at: s for at, s in changed.items() if at[0] not in set(grid.hidden_rows)}


def _open_calamine(path: Path, fmt: str, stack: contextlib.ExitStack, pkg: Package | None = None) -> CalamineWorkbook:
    """Open with calamine by content, never by file name.

    calamine's ``from_path`` picks its reader by the name, and clerks rename .xls files
    to .xlsx (and back) all the time. ``from_filelike`` detects the format from the bytes,
    but for a password-protected .xls it only says "Cannot detect file format", where the
    .xls reader says PasswordError: so a zip is read from the bytes, and an OLE file
    through a path that ends in .xls (a temporary copy when the clerk's does not).
    """
    import python_calamine as pc

    if fmt in (sniff.XLSX, sniff.ODS):
        with pkg.stream() if pkg is not None else path.open("rb") as fh:  # the bytes read once (package.py)
            return pc.CalamineWorkbook.from_filelike(fh)
    if path.suffix.lower() != ".xls":
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zhenggai-")))
        path = Path(shutil.copyfile(path, tmp / "book.xls"))
    return pc.CalamineWorkbook.from_path(str(path))


def _read_grids(path: Path, shown: str, fmt: str, wb: CalamineWorkbook,
                scans: Callable[[], dict[str, _SheetScan]], kept: list[object] | None = None) -> Book:
    """Every worksheet of an open workbook as a grid; ``scans()`` is asked for once a sheet is
    read (_read_aside: the scans may still be running). ``kept``: each sheet's calamine object
    is added to it (spare_big_reads)."""
    import python_calamine as pc

    grids: list[Grid] = []
    for meta in wb.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            # skip_empty_area=False: keep leading empty rows and columns, so that
            # rows[r][c] is Excel's row r+1 and A1 addresses in findings are right.
            rows = sheet.to_python(skip_empty_area=False)
            merges = sheet.merged_cell_ranges or []
            if kept is not None:
                kept.append(sheet)
        except Exception as exc:  # noqa: BLE001
            return _unreadable(path, shown, f"工作表“{meta.name}”读不出来（{type(exc).__name__}）", fmt)
        scan = scans().get(meta.name)
        if scan is not None and scan.merges is not None:
            merges = scan.merges  # .ods: calamine gives none, content.xml has them
        if scan is not None and scan.errors:
            _put_errors(rows, scan.errors)  # type: ignore[arg-type]
        clipped = guard.clip_merges(list(merges), rows)  # type: ignore[arg-type]
        if clipped is None:
            return _unreadable(path, shown, f"工作表“{meta.name}”的合并单元格互相重叠，{guard.UNREADABLE}", fmt)
        grid = Grid(
            name=meta.name,
            rows=rows,  # type: ignore[arg-type]
            merges=clipped,
            formulas_without_value=scan.no_value if scan is not None else set(),
            hidden=meta.visible != pc.SheetVisibleEnum.Visible,
        )
        if scan is not None and (scan.hidden_rows or scan.hidden_cols):
            blank_hidden(grid, scan.hidden_rows, scan.hidden_cols)
        grids.append(grid)
    return Book(path, grids, [], fmt)


def blank_hidden(grid: Grid, rows: set[int], cols: set[int]) -> None:
    """Empty the hidden rows and columns of a grid, remembering those that held anything.

    A hidden row or column is not what the clerk sees: typically an older copy of a column,
    a 乡镇 breakdown kept for reference, or rows filtered out. Blanking them (rather than
    dropping them) keeps every A1 address right; a hidden row's values are kept
    (``hidden_values``): inside a table it is read and reported (forms/tables.py).
    """
    grid_rows = grid.rows
    for r in sorted(rows):
        if r < len(grid_rows):
            row = grid_rows[r]
            if any(v != "" and v is not None for v in row):
                grid.hidden_rows.append(r)
                grid.hidden_values[r] = row
            grid_rows[r] = [""] * len(row)
    if cols:
        held: set[int] = set()
        for row in grid_rows:
            for c in cols:
                if c < len(row) and row[c] != "" and row[c] is not None:
                    held.add(c)
                    row[c] = ""
        grid.hidden_cols = sorted(held)
        for row in grid.hidden_values.values():
            for c in cols:
                if c < len(row):
                    row[c] = ""
    grid.formulas_without_value = {
        (r, c) for r, c in grid.formulas_without_value if r not in rows and c not in cols
    }


def _put_errors(rows: list[list[Value]], errors: dict[tuple[int, int], str]) -> None:
    """Show error values as the text Excel shows ("#DIV/0!"): never an empty cell, never 0."""
    width = max((len(r) for r in rows), default=0)
    for (r, c), text in errors.items():
        while len(rows) <= r:
            rows.append([""] * width)
        row = rows[r]
        if len(row) <= c:
            row.extend([""] * (c + 1 - len(row)))
        if row[c] == "":
            row[c] = text
