"""Checks on a file's bytes that must pass before the native reader (python-calamine) sees it.

calamine is Rust: what it cannot handle does not always come back as a Python exception.
A cell reference past Excel's limits makes it allocate the whole sheet as one dense
rectangle (``r="A99999999"``: 41 GB, and Rust's allocator aborts the process); a
truncated .xls makes it panic, and pyo3 raises that as ``PanicException``, which derives
from ``BaseException`` so that ``except Exception`` does not catch it. So:

- every cell and row reference of a sheet is checked against Excel's limits
  (1,048,576 rows × 16,384 columns) and the used range against :data:`MAX_CELLS`,
  letters in either case (calamine reads ``r="zz99999"`` as ZZ99999);
- merged ranges are clipped to the grid that was read (a merge over A1:XFD1048576 in a
  20-row sheet would otherwise make the table finder fill 16,384 columns per row);
- :func:`is_panic` tells a native panic from an interrupt at the reader boundary.

Stdlib only, no parsing: these run on every file, on sheet XML of up to tens of MB.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator

EXCEL_ROWS = 1_048_576
EXCEL_COLS = 16_384
# calamine holds a sheet as one dense rectangle from its first to its last value, at
# ~64 bytes a cell while it builds it: two values at A1 and XFD1048576 (a 5 KB file)
# ask for 550 GB and abort the whole process; in a 6 KB .xls, A1 and IV65536 take
# 1.1 GB. 4 M cells (100,000 rows × 40 columns) is ~250 MB and far beyond any county's
# reply.
MAX_CELLS = 4_000_000

UNREADABLE = "文件已损坏或含有异常内容，无法读取"
"""The reason of a ``file-unreadable`` finding for a file that crashed or broke the reader."""

# A reference that may be out of Excel's limits or not written by Excel at all: three or
# more letters (XFE…), seven or more digits (1048577…), or a lower-case letter. Starts
# with the literal ``r=`` so that the regex engine skips ahead by byte search; none of
# these occurs in a normal reply, so the exact check below runs on (almost) nothing.
_SUSPECT_RE = re.compile(rb"""r=["'](?:[A-Za-z]{3}|[A-Za-z]{0,3}\d{7}|[A-Za-z]{0,2}[a-z])""")
_R_VALUE_RE = re.compile(rb"""r=["']([^"']{0,64})["']""")
_ONE_REF_RE = re.compile(rb"\$?([A-Za-z]*)\$?(\d*)")
# Ranges (dimension, mergeCell, autoFilter …): `` ref="A1:B5"``; few per sheet. The white
# space before ``ref`` is checked after the match: a leading ``\s`` makes the search 7× slower.
_RANGE_ATTR_RE = re.compile(rb"""ref=["']([^"']{0,200})["']""")
_PLAIN_RANGE_RE = re.compile(rb"\$?[A-Z]{1,2}\$?\d{1,6}(?:[: ]\$?[A-Z]{1,2}\$?\d{1,6})*")


def column_number(letters: bytes | str) -> int:
    """1-based column of letters, either case (b"C" → 3, "xfd" → 16384); 0 for none."""
    col = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode("ascii", "replace"):
        col = col * 26 + (ord(ch) - 64)
    return col


def suspect(data: bytes) -> bool:
    """Whether a sheet's XML may hold a reference past the limits or in lower case (cheap).

    Only an ``r=`` after white space is an attribute r, as in :func:`out_of_limits`: every
    sheet Excel writes declares ``xmlns:r="http://…"``, which otherwise looks like a
    lower-case reference and sent every reply to the slow scan."""
    return any(data[m.start() - 1:m.start()].isspace() for m in _SUSPECT_RE.finditer(data))


# Every reference that is not one to seven digits after one capital letter: two letters or
# more, a lower-case letter, six digits or more. Each match of _SUSPECT_RE, of _WIDE_COLUMN_RE
# and of a long-row search in used_range (six digits or more) begins where one of these does,
# so one pass finds where to look for all three (a 100,000-row sheet: ~1,600 places).
_ODD_REF_RE = re.compile(rb"""r=["'](?:[A-Za-z]{2}|[A-Za-z]?[a-z]|[A-Za-z]?\d{6})""")


def odd_refs(data: bytes) -> list[int]:
    """Where references out of the ordinary begin: give them to :func:`out_of_limits` and
    :func:`used_range`, which then search only there (the same answers, one pass instead of three)."""
    return [m.start() for m in _ODD_REF_RE.finditer(data)]


def _matches(pattern: re.Pattern[bytes], data: bytes, odd: list[int] | None) -> Iterator[re.Match[bytes]]:
    """``pattern.finditer(data)``, or its matches at the places in ``odd`` (see :data:`_ODD_REF_RE`;
    no two matches can overlap: a reference holds no "=")."""
    if odd is None:
        yield from pattern.finditer(data)
        return
    for at in odd:
        m = pattern.match(data, at)
        if m is not None:
            yield m


def out_of_limits(data: bytes, odd: list[int] | None = None) -> str | None:
    """The first cell/row reference or range of a sheet's XML past Excel's limits, or None
    (``odd``: :func:`odd_refs` of ``data``, when known)."""
    for m in _matches(_SUSPECT_RE, data, odd):
        if not data[m.start() - 1:m.start()].isspace():
            continue  # another attribute ending in r (header="…", xmlns:r="http://…")
        value = _R_VALUE_RE.match(data, m.start())
        if value is None:
            return data[m.start() + 3:m.start() + 23].decode("ascii", "replace")  # 64+ bytes: no reference
        bad = _bad_ref(value[1])
        if bad is not None:
            return bad
    return range_out_of_limits(data)


def range_out_of_limits(data: bytes) -> str | None:
    """:func:`out_of_limits` for the ranges alone (``ref="A1:B5"``): where :func:`suspect`
    found nothing, the only references that can be past the limits."""
    at = 0
    while (m := _RANGE_ATTR_RE.search(data, at)) is not None:
        if not data[m.start() - 1:m.start()].isspace():
            at = m.start() + 1  # "xref=…" is no range, but a " ref=" may follow inside it
            continue
        at = m.end()
        if _PLAIN_RANGE_RE.fullmatch(m[1]):
            continue  # "A1:K20": two letters and six digits at most are always within the limits
        for part in m[1].replace(b" ", b":").split(b":"):
            bad = _bad_ref(part)
            if bad is not None:
                return bad
    return None


def _bad_ref(ref: bytes) -> str | None:
    m = _ONE_REF_RE.fullmatch(ref)
    if m is None:
        return None  # not a reference at all: calamine reports it as a broken file
    letters, digits = m[1], m[2]
    too_wide = len(letters) > 3 or column_number(letters) > EXCEL_COLS
    too_long = len(digits) > 7 or (digits and int(digits) > EXCEL_ROWS)
    if too_wide or too_long:
        return ref.decode("ascii", "replace")[:20]
    return None


def limits_reason(sheet: str, ref: str) -> str:
    """The reason of the finding for a reference past Excel's limits."""
    return (f"工作表“{sheet}”中有超出 Excel 范围的单元格引用（{ref}；Excel 最多 1,048,576 行 × 16,384 列），"
            f"{UNREADABLE}")


# --- the used range: what calamine will allocate ------------------------------------------

_WIDE_COLUMN_RE = re.compile(rb"""r=["']([A-Za-z]{2,3})\d""")
_NARROW_COLUMN_RE = re.compile(rb"""r=["']([A-Za-z])\d""")
_REF_QUOTES = (b' r="', b" r='")
_TAG_RE = re.compile(rb"<(?:\w+:)?(row|c)(\s[^>]*)?/?>")
_ATTR_REF_RE = re.compile(rb"""\sr=["']([A-Za-z]{0,3})(\d{1,7})["']""")


def tags_without_ref(data: bytes) -> bool:
    """Whether some ``<c>``/``<row>`` tag omits ``r`` (readers then count on from the last one)."""
    tags = data.count(b"<c ") + data.count(b"<c>") + data.count(b"<row ") + data.count(b"<row>")
    return tags > sum(data.count(q) for q in _REF_QUOTES)


def used_range(data: bytes, budget: int = MAX_CELLS, odd: list[int] | None = None) -> tuple[int, int] | None:
    """(rows, columns) calamine would allocate for this sheet when over ``budget``, else None.

    Read from the cell references without parsing: the widest column first (none past Z in
    a normal sheet), then only the row numbers long enough to matter, so a 100,000-row
    sheet costs a few passes of ``bytes`` searching (~0.2 s). Cells and rows may omit
    ``r`` (readers then count on from the previous one); Excel, WPS and LibreOffice always
    write it, so a sheet without it is walked tag by tag instead. References past Excel's
    limits are :func:`out_of_limits`'s business (call it first). ``odd``: :func:`odd_refs` of
    ``data``, when known.
    """
    if tags_without_ref(data):
        rows, cols = _walk_range(data)  # some tags lack r: the slow, exact way
    else:
        wide = [m[1] for m in _matches(_WIDE_COLUMN_RE, data, odd)]
        cols = _widest(wide) if wide else 26
        # Row numbers with at least as many digits as the most rows allowed: none in a normal sheet.
        digits = len(str(budget // cols))
        long_row = re.compile(rb"""r=["'][A-Za-z]{0,3}(\d{%d,7})["']""" % digits)
        big = [m[1] for m in _matches(long_row, data, odd if digits >= 6 else None)] if digits <= 7 else []
        rows = max(map(int, big), default=0)
        if not wide and rows * cols > budget:
            # Many rows: count the columns exactly (a 200,000-row table of 7 columns is fine).
            cols = _widest(_NARROW_COLUMN_RE.findall(data))
    if rows * cols > budget:
        return rows, cols
    return None


def _walk_range(data: bytes) -> tuple[int, int]:
    """Rows × columns the way a reader numbers cells and rows that omit ``r``: one more
    than the previous. A Python loop over every tag, so only for such (rare) sheets."""
    row = col = rows = cols = 0
    for m in _TAG_RE.finditer(data):
        ref = _ATTR_REF_RE.search(m[2]) if m[2] else None
        if m[1] == b"row":
            row = int(ref[2]) if ref else row + 1
            col = 0
            continue
        if ref is not None and ref[1]:
            col = column_number(ref[1])
            row = int(ref[2])
        else:
            col += 1
        rows, cols = max(rows, row), max(cols, col)
    return rows, cols


def _widest(letters: list[bytes]) -> int:
    """Number of the rightmost column among column letters (b"C" → 3), 0 for none."""
    if not letters:
        return 0
    longest = max(map(len, letters))
    return max(column_number(w) for w in letters if len(w) == longest)


# --- after the read -----------------------------------------------------------------------

Merge = tuple[tuple[int, int], tuple[int, int]]


# A merged range may reach a little past the last cell holding a value (a title merged
# over A1:N1 when only A1 is filled, a 责任单位 merged down over empty rows): that much is
# kept as written.
_MERGE_SLACK = 16


def clip_merges(merges: list[Merge], rows: list[list[object]]) -> list[Merge] | None:
    """Merged ranges cut to the grid that was read (plus a little); None when they cover it
    many times over.

    A merge over A1:XFD1048576 in a 20-row sheet would otherwise make the table finder
    fill 16,384 columns of every row. Excel never writes overlapping merges, so their
    area together is at most the grid's: more than that (plus slack for a tool's odd
    overlap) is a hostile file, and the finder would fill the same cells again and again.
    """
    height = len(rows) + _MERGE_SLACK
    width = max((len(r) for r in rows), default=0) + _MERGE_SLACK
    out: list[Merge] = []
    area = 0
    for (r0, c0), (r1, c1) in merges:
        r0, c0 = max(r0, 0), max(c0, 0)
        if r0 >= height or c0 >= width or r1 < r0 or c1 < c0:
            continue  # nothing of it is near the grid (or a range written backwards)
        r1, c1 = min(r1, height - 1), min(c1, width - 1)
        area += (r1 - r0 + 1) * (c1 - c0 + 1)
        out.append(((r0, c0), (r1, c1)))
    if area > height * width + 100_000:
        return None
    return out


# --- OLE compound files (.xls) ---------------------------------------------------------

_OLE_END = 0xFFFFFFFA  # sector numbers from here up mean "free", "end of chain" …


def ole_problem(data: bytes) -> str | None:
    """Why an OLE compound file's header or directory cannot be right, or None.

    calamine sizes its buffers from these fields before checking them against the file: a
    zeroed mini-stream cutoff or a directory entry claiming a 4 GB stream made it ask for
    4 GB and abort (benchmarks/fuzz.py, kept in tests/crashes/). The specification fixes
    most of them (MS-CFB 2.2: sector shift 9 or 12, mini shift 6, cutoff 4096), and no
    stream can be longer than the file that holds it.
    """
    if len(data) < 512:
        return "文件头不完整"
    major, order, shift, mini_shift = struct.unpack_from("<HHHH", data, 0x1A)
    n_dir, n_fat, dir_start, _, cutoff, _, n_mini_fat, _, n_difat = struct.unpack_from("<9I", data, 0x28)
    if order != 0xFFFE or (major, shift) not in ((3, 9), (4, 12)) or mini_shift != 6 or cutoff != 4096:
        return "文件头的格式参数不合规范"
    size = 1 << shift
    sectors = (len(data) + size - 1) // size
    if (major == 3 and n_dir) or n_fat > sectors or n_mini_fat > sectors or n_difat > sectors:
        return "文件头记录的扇区数超出文件大小"
    fat: list[int] = []
    for s in struct.unpack_from("<109I", data, 0x4C)[:n_fat]:  # DIFAT beyond the header: rare, not followed
        at = (s + 1) * size
        if s >= _OLE_END or at + size > len(data):
            return "扇区分配表超出文件范围" if s < _OLE_END else None
        fat += struct.unpack_from(f"<{size // 4}I", data, at)
    return _ole_directory(data, size, dir_start, fat)


def _ole_directory(data: bytes, size: int, start: int, fat: list[int]) -> str | None:
    seen: set[int] = set()
    first = True
    while start < _OLE_END and start not in seen and start < len(fat):
        seen.add(start)
        at = (start + 1) * size
        if at + size > len(data):
            return "目录扇区超出文件范围"
        for entry in range(at, at + size, 128):
            name_len, kind = struct.unpack_from("<HB", data, entry + 64)
            low, high = struct.unpack_from("<II", data, entry + 120)
            if first and kind != 5:
                return "缺少根目录"
            first = False
            if kind not in (0, 1, 2, 5) or name_len > 64 or name_len % 2:
                return "目录项格式不对"
            length = low if size == 512 else low | high << 32  # version 3 ignores the high half
            if kind in (2, 5) and length > len(data):
                return "目录项记录的数据长度超出文件大小"
        start = fat[start]
    return None


def is_panic(exc: BaseException) -> bool:
    """A Rust panic inside a native reader (pyo3's ``PanicException``).

    pyo3 creates the class at run time in a module called ``pyo3_runtime`` and derives it
    from ``BaseException``; each extension built with pyo3 may have its own copy, so it is
    recognised by name, never imported.
    """
    return type(exc).__name__ == "PanicException"
