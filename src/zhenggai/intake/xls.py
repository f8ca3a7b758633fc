"""What calamine cannot tell us about a legacy .xls: its used range and its error values.

A helper of ``reader.py``. An .xls is an OLE compound file whose "Workbook" stream is a
list of BIFF records; we walk the records once, before calamine allocates anything:

- calamine holds each sheet as one dense rectangle, so a 6 KB .xls with values at A1 and
  IV65536 makes it allocate 1.1 GB; the reader refuses such a file from the range we find.
- calamine reads an error value (#DIV/0!, #N/A …) as an empty cell, which in a count
  would silently be 0; we return the error text for each such cell.

Stdlib only, and defensive: a file we cannot follow gives ``None`` and calamine reports
what is wrong with it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from zhenggai.intake.formats import Rich

_FREE_OR_END = 0xFFFFFFFA  # sector numbers from here on are markers, not sectors
_CELL_RECORDS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E})  # values only
_MULRK = 0x00BD
_BOF, _EOF, _BOUNDSHEET, _FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F
# ROW: grbit at offset 12, fDyZero (0x20) = the row is hidden. COLINFO: colFirst, colLast,
# then grbit at offset 8, fHidden (0x01). [MS-XLS] 2.4.221 and 2.4.53.
_ROW, _COLINFO = 0x0208, 0x007D
_MAX_HIDDEN_COLS = 256
# FORMAT (2.4.126), FONT (2.4.122: grbit 0x08 = fStrikeOut), XF (2.4.353: ifnt, ifmt), and
# the value records that carry an XF index at offset 4 (LABEL, BLANK too), MULRK per cell.
_FORMAT, _FONT, _XF = 0x041E, 0x0031, 0x00E0
# SST (2.4.265) and its CONTINUE records (2.4.58); LABELSST (2.4.149) points a cell at a string.
_SST, _CONTINUE, _LABELSST = 0x00FC, 0x003C, 0x00FD
_PERIOD_OR_PERCENT_IDS = frozenset({9, 10, 17, 27, 36, 50, 52, 57})
_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
           0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


@dataclass(slots=True)
class XlsScan:
    """Per sheet name: rows × columns spanned by values, and error cells (0-based) with their text."""

    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    hidden_rows: dict[str, set[int]] = field(default_factory=dict)  # 0-based
    hidden_cols: dict[str, set[int]] = field(default_factory=dict)  # 0-based
    # Layout kept in the .xlsx copy of an .xls: column → width (characters), row → height
    # (points), 0-based. Without the widths a rebuilt copy prints dates as "###".
    widths: dict[str, dict[int, float]] = field(default_factory=dict)
    heights: dict[str, dict[int, float]] = field(default_factory=dict)
    # Number formats and strikethrough (formats.py): format id → code, XF index → (format id,
    # struck through), and per sheet the cells whose XF may matter (a custom or a 年月/percent
    # format, or a struck font), 0-based.
    format_codes: dict[int, str] = field(default_factory=dict)
    xf_styles: list[tuple[int, bool]] = field(default_factory=list)
    styled: dict[str, dict[tuple[int, int], int]] = field(default_factory=dict)
    # Strings of the shared string table with formatting runs in a struck font, when the
    # workbook has one: index → runs; and per sheet the cells holding them → (index, XF).
    rich: dict[int, Rich] = field(default_factory=dict)
    rich_cells: dict[str, dict[tuple[int, int], tuple[int, int]]] = field(default_factory=dict)


def _sheet_name(book: bytes, body: int) -> str:
    """The sheet name of a BOUNDSHEET record ([MS-XLS] 2.4.28) whose body starts at ``body``."""
    n, high = struct.unpack_from("<BB", book, body + 6)
    raw = book[body + 8:body + 8 + n * (2 if high & 1 else 1)]
    return raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")


def sheet_names(data: bytes) -> set[str]:
    """The sheet names of a BIFF8 workbook (.xls, WPS .et): its globals' BOUNDSHEET records,
    read up to the globals' end (the sheets are not walked); never raises."""
    book = stream(data, ("Workbook", "Book", "WORKBOOK", "BOOK"))
    names: set[str] = set()
    pos, end = 0, len(book or b"") - 4
    try:
        while book is not None and pos <= end:
            kind, length = struct.unpack_from("<HH", book, pos)
            if kind == _BOUNDSHEET and length >= 8:
                names.add(_sheet_name(book, pos + 4))
            elif kind == _EOF:
                break
            pos += 4 + length
    except struct.error:
        pass  # a record cut short: the names read so far
    return names


def stream_names(data: bytes) -> set[str]:
    """Names of every entry in an OLE compound file's directory ("WordDocument", "Workbook" …)."""
    found: set[str] = set()
    _stream(data, (), found)
    return found


def stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """The named stream of an OLE compound file (first match), or None; never raises."""
    try:
        return _stream(data, names)
    except struct.error:
        return None


def _stream(data: bytes, names: tuple[str, ...], listing: set[str] | None = None) -> bytes | None:
    """The named stream of an OLE compound file (first match), or None; with ``listing``,
    collect every entry's name into it instead."""
    if len(data) < 512:
        return None
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if size not in (512, 4096) or mini_size != 64:
        return None
    n_fat, dir_start = struct.unpack_from("<II", data, 0x2C)
    mini_cutoff, mini_fat_start, _, difat_start, n_difat = struct.unpack_from("<IIIII", data, 0x38)
    per = size // 4

    def sector(n: int) -> bytes:
        at = (n + 1) * size
        return data[at:at + size]

    difat = list(struct.unpack_from("<109I", data, 0x4C))
    s = difat_start
    for _ in range(min(n_difat, len(data) // size)):
        if s >= _FREE_OR_END:
            break
        block = sector(s)
        if len(block) < size:
            return None
        more = struct.unpack_from(f"<{per}I", block)
        difat += more[:-1]
        s = more[-1]
    fat: list[int] = []
    for s in difat[:n_fat]:
        block = sector(s)
        if s >= _FREE_OR_END or len(block) < size:
            return None
        fat += struct.unpack_from(f"<{per}I", block)

    def chain(start: int, table: list[int]) -> list[int]:
        # A hostile file can make a chain loop; each sector is visited once at most.
        out: list[int] = []
        seen: set[int] = set()
        while start < _FREE_OR_END and start < len(table) and start not in seen:
            seen.add(start)
            out.append(start)
            start = table[start]
        return out

    directory = b"".join(sector(s) for s in chain(dir_start, fat))
    entries: list[tuple[str, int, int]] = []
    for at in range(0, len(directory) - 127, 128):
        name_len = struct.unpack_from("<H", directory, at + 64)[0]
        name = directory[at:at + max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
        start, length = struct.unpack_from("<II", directory, at + 116)
        entries.append((name, start, length))
    if not entries:
        return None
    if listing is not None:
        listing.update(name for name, _, _ in entries[1:])
        return None
    for name, start, length in entries[1:]:
        if name not in names:
            continue
        if length >= mini_cutoff:
            return b"".join(sector(s) for s in chain(start, fat))[:length]
        mini_fat: list[int] = []
        for s in chain(mini_fat_start, fat):
            mini_fat += struct.unpack_from(f"<{per}I", sector(s))
        mini_stream = b"".join(sector(s) for s in chain(entries[0][1], fat))
        return b"".join(mini_stream[m * 64:(m + 1) * 64] for m in chain(start, mini_fat))[:length]
    return None


def scan(data: bytes) -> XlsScan | None:
    """Walk the BIFF records of an .xls file; None when it cannot be followed or is encrypted."""
    try:
        book = _stream(data, ("Workbook", "Book", "WORKBOOK", "BOOK"))
    except struct.error:
        return None
    if book is None:
        return None
    names: dict[int, str] = {}  # stream offset of a sheet's BOF → sheet name
    found = XlsScan()
    sheet: str | None = None
    rows = cols = count = 0
    fonts: list[bool] = []  # per font index: struck through
    wanted: set[int] = set()  # XF indices worth noting per cell (known once the globals are read)
    pos, end = 0, len(book) - 4
    while pos <= end:
        kind, length = struct.unpack_from("<HH", book, pos)
        body = pos + 4
        if kind == _FILEPASS:
            return None  # encrypted from here on: calamine says "password", we say nothing
        if kind == _BOF:
            count += 1
            # The globals substream has no BOUNDSHEET pointing at it; a sheet whose name we
            # could not decode (BIFF5 writes it in the system code page) still has a range.
            sheet = names.get(pos) or (f"#{count}" if count > 1 else None)
            rows = cols = 0
        elif kind == _EOF:
            if sheet is not None:
                found.ranges[sheet] = (rows, cols)
            sheet = None
        elif kind == _BOUNDSHEET and length >= 8:
            names[struct.unpack_from("<I", book, body)[0]] = _sheet_name(book, body)
        elif sheet is not None and kind == _ROW and length >= 8:
            row, _, _, height = struct.unpack_from("<HHHH", book, body)
            if length >= 16 and struct.unpack_from("<H", book, body + 12)[0] & 0x20:
                found.hidden_rows.setdefault(sheet, set()).add(row)
            if not height & 0x8000:  # bit 15: the default height, nothing to keep for the copy
                found.heights.setdefault(sheet, {})[row] = (height & 0x7FFF) / 20
        elif sheet is not None and kind == _COLINFO and length >= 10:
            first, last, width = struct.unpack_from("<HHH", book, body)
            if struct.unpack_from("<H", book, body + 8)[0] & 0x01:
                found.hidden_cols.setdefault(sheet, set()).update(
                    range(first, min(last, first + _MAX_HIDDEN_COLS - 1) + 1))
            cols_w = found.widths.setdefault(sheet, {})
            for c in range(first, min(last, 255) + 1):  # BIFF8 has 256 columns; last may say 256
                cols_w[c] = width / 256  # in characters (1/256 units), for the annotated copy
        elif sheet is not None and length >= 6 and (kind in _CELL_RECORDS or kind == _MULRK):
            row, col = struct.unpack_from("<HH", book, body)
            last = struct.unpack_from("<H", book, body + length - 2)[0] if kind == _MULRK else col
            rows, cols = max(rows, row + 1), max(cols, last + 1)
            error = _error_text(kind, book, body, length)
            if error is not None:
                found.errors.setdefault(sheet, {})[(row, col)] = error
            if wanted:
                _styled_cells(found, sheet, wanted, kind, book, body, length)
            if found.rich and kind == _LABELSST and length >= 10:
                xf, isst = struct.unpack_from("<HI", book, body + 4)
                if isst in found.rich:
                    found.rich_cells.setdefault(sheet, {})[(row, col)] = (isst, xf)
        elif sheet is None and kind == _SST and any(fonts):
            found.rich = _struck_strings(_sst_parts(book, pos), fonts, any(x for _, x in found.xf_styles))
        elif sheet is None:
            _style_record(found, fonts, kind, book, body, length)
        if kind == _BOF and sheet is not None and not wanted and found.xf_styles:
            wanted = {i for i, (fmt, struck) in enumerate(found.xf_styles)
                      if struck or fmt >= 164 or fmt in _PERIOD_OR_PERCENT_IDS}
        pos = body + length
    return found


def _sst_parts(book: bytes, pos: int) -> list[bytes]:
    """The bodies of the SST record at ``pos`` and of the CONTINUE records after it."""
    parts: list[bytes] = []
    while pos + 4 <= len(book):
        kind, length = struct.unpack_from("<HH", book, pos)
        if parts and kind != _CONTINUE:
            break
        parts.append(book[pos + 4:pos + 4 + length])
        pos += 4 + length
    return parts


class _Parts:
    """Reads across the SST and its CONTINUE records. Characters cut by a record boundary go
    on after one option byte (its bit 0: two bytes a character); everything else just goes on."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts, self.i, self.pos = parts, 0, 8  # after cstTotal and cstUnique

    def take(self, n: int) -> bytes:
        out: list[bytes] = []
        while n > 0:
            if self.pos >= len(self.parts[self.i]):
                self.i, self.pos = self.i + 1, 0  # IndexError past the last record: the caller stops
                continue
            piece = self.parts[self.i][self.pos:self.pos + n]
            out.append(piece)
            self.pos += len(piece)
            n -= len(piece)
        return b"".join(out)

    def chars(self, n: int, wide: bool) -> str:
        text = ""
        while n > 0:
            if self.pos >= len(self.parts[self.i]):
                self.i, self.pos = self.i + 1, 1
                wide = bool(self.parts[self.i][0] & 1)
            width = 2 if wide else 1
            k = min(n, (len(self.parts[self.i]) - self.pos) // width)
            if k == 0:
                raise struct.error("a character cut in two")
            raw = self.parts[self.i][self.pos:self.pos + k * width]
            text += raw.decode("utf-16-le" if wide else "latin-1", "replace")
            self.pos += k * width
            n -= k
        return text


def _struck_strings(parts: list[bytes], fonts: list[bool], struck_cells: bool) -> dict[int, Rich]:
    """The SST's strings with formatting runs that can show struck text (as formats.rich_strings
    for an .xlsx): runs in a struck font, or any runs when a cell font is struck. A table
    that cannot be followed gives what was read before it."""
    out: dict[int, Rich] = {}
    if not parts or len(parts[0]) < 8:
        return out
    total = struct.unpack_from("<I", parts[0], 4)[0]
    reader = _Parts(parts)
    try:
        for i in range(total):
            cch, flags = struct.unpack("<HB", reader.take(3))
            runs = struct.unpack("<H", reader.take(2))[0] if flags & 0x08 else 0
            ext = struct.unpack("<I", reader.take(4))[0] if flags & 0x04 else 0
            text = reader.chars(cch, bool(flags & 1))
            marks = [struct.unpack_from("<HH", reader.take(4)) for _ in range(runs)]
            reader.take(ext)
            struck = [(ich, ifnt < len(fonts) and fonts[ifnt]) for ich, ifnt in marks]
            if struck and (struck_cells or any(x for _, x in struck)):
                out[i] = _runs(text, struck)
    except (struct.error, IndexError):
        pass
    return out


def _runs(text: str, marks: list[tuple[int, bool]]) -> Rich:
    """Text before the first run is in the cell's font (None); each run in its own."""
    starts = [0, *(ich for ich, _ in marks)]
    fonts: list[bool | None] = [None, *(x for _, x in marks)]
    ends = [*starts[1:], len(text)]
    return Rich(tuple((text[a:b], f) for a, b, f in zip(starts, ends, fonts, strict=True) if b > a))


def _style_record(found: XlsScan, fonts: list[bool], kind: int, book: bytes, body: int, length: int) -> None:
    """FONT, FORMAT and XF records of the workbook globals (BIFF8)."""
    if body + length > len(book):
        return  # a record cut off by the end of the stream: calamine says what is wrong
    if kind == _FONT and length >= 4:
        fonts.append(bool(struct.unpack_from("<H", book, body + 2)[0] & 0x08))
        if len(fonts) == 4:
            fonts.append(False)  # font index 4 is never written: indices skip it
    elif kind == _FORMAT and length >= 5:
        ifmt, cch, high = struct.unpack_from("<HHB", book, body)
        raw = book[body + 5:body + 5 + cch * (2 if high & 1 else 1)]
        found.format_codes[ifmt] = raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")
    elif kind == _XF and length >= 4:
        ifnt, ifmt = struct.unpack_from("<HH", book, body)
        found.xf_styles.append((ifmt, ifnt < len(fonts) and fonts[ifnt]))


def _styled_cells(found: XlsScan, sheet: str, wanted: set[int], kind: int, book: bytes, body: int,
                  length: int) -> None:
    """The cells of a value record whose XF may change what they mean."""
    if body + length > len(book):
        return
    row, col = struct.unpack_from("<HH", book, body)
    cells = found.styled.setdefault(sheet, {})
    if kind == _MULRK:
        for i in range((length - 6) // 6):
            xf = struct.unpack_from("<H", book, body + 4 + 6 * i)[0]
            if xf in wanted:
                cells[(row, col + i)] = xf
        return
    xf = struct.unpack_from("<H", book, body + 4)[0]
    if xf in wanted:
        cells[(row, col)] = xf


def _error_text(kind: int, book: bytes, body: int, length: int) -> str | None:
    """The error a BOOLERR or FORMULA record holds, as Excel shows it."""
    if kind == 0x0205 and length >= 8 and book[body + 7] == 1:
        return _ERRORS.get(book[body + 6], "#N/A")
    if kind == 0x0006 and length >= 14 and book[body + 6] == 2 and book[body + 12:body + 14] == b"\xff\xff":
        return _ERRORS.get(book[body + 8], "#N/A")
    return None
