"""What a file really is, from its bytes, and when its author last saved it.

Clerks rename files freely (a Word document saved as ``谷城县.wps``, an .xls renamed
.xlsx, a scan called ``附件1.pdf``), so the kind of a reply is decided by its content,
never by its extension. Stdlib and defusedxml only.

The last-saved time written *inside* a file (``docProps/core.xml`` of an OOXML
package, ``meta.xml`` of an .ods, the SummaryInformation stream of an .xls) is the
only time that travels with the file: an e-mail attachment saved to disk gets the
download time as its file-system time, so two versions downloaded in the wrong order
look reversed. ``merge`` uses this time to choose between versions (``versions.py``).
"""

from __future__ import annotations

import contextlib
import struct
import zipfile
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from defusedxml import ElementTree as SafeET

from zhenggai.core.kinds import FileKind

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"

# Kinds of file (core.kinds.FileKind), by their short names here. The first four are read;
# the others are refused with a finding.
XLSX, XLS, ODS, DOCX = FileKind.XLSX, FileKind.XLS, FileKind.ODS, FileKind.DOCX
ARCHIVE, RAR, SEVENZIP = FileKind.ARCHIVE, FileKind.RAR, FileKind.SEVENZIP
LEGACY_WORD, PDF, IMAGE, UNKNOWN = FileKind.LEGACY_WORD, FileKind.PDF, FileKind.IMAGE, FileKind.UNKNOWN
CSV = FileKind.CSV  # not told by magic bytes: a text file the reader then reads as CSV (csvfile.py)

# Extensions worth opening from a folder: everything else (notes, e-mails) is listed as
# skipped. The kind is then decided by the content.
READ_SUFFIXES = frozenset({
    ".xlsx", ".xlsm", ".xls", ".et", ".ett", ".ods", ".fods",
    ".docx", ".docm", ".doc", ".wps", ".wpt", ".dotx",
    ".zip", ".rar", ".7z",
    ".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".heic",
    ".csv",  # "CSV (逗号分隔)" exports from Excel or WPS
})
SCAN_SUFFIXES = frozenset({".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".webp",
                           ".heic"})

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")


def kind_of(path: Path, head: bytes, zf: zipfile.ZipFile | None = None) -> FileKind:
    """The kind of a file from its first bytes (and, for zips and OLE files, its parts).

    ``zf``: the file's zip, already opened by the caller (the reader opens it once)."""
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _zip_kind(path, zf)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    if head.startswith(b"Rar!\x1a\x07"):
        return RAR
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return SEVENZIP
    if head.startswith(b"%PDF"):
        return PDF
    if head.startswith(_IMAGE_MAGIC) or (head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1")) or (
        head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    ):
        return IMAGE
    return UNKNOWN


def _zip_kind(path: Path, opened: zipfile.ZipFile | None = None) -> FileKind:
    """OOXML workbook, Word document, OpenDocument spreadsheet, or a plain archive."""
    try:
        with contextlib.nullcontext(opened) if opened is not None else zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mime = zf.read("mimetype")[:100].strip()
                if mime == b"application/vnd.oasis.opendocument.spreadsheet":
                    return ODS
                if mime.startswith(b"application/vnd.oasis.opendocument"):
                    return UNKNOWN  # a text document or presentation: not a form we can read
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError, RuntimeError, EOFError,
            zlib.error):
        # Broken (or a member flagged "encrypted"/"strong encryption", an unknown method):
        # the workbook reader says so in its own words.
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names or any(n.endswith("workbook.xml") for n in names):
        return XLSX
    if "content.xml" in names:
        return ODS
    return ARCHIVE


_OLE_SNIFF_MAX = 64 * 1024 * 1024  # a Word reply is a few MB; larger OLE files go to the .xls guards


def _ole_kind(path: Path) -> FileKind:
    """A legacy Word/WPS document (a "WordDocument" stream) or a workbook."""
    if path.stat().st_size > _OLE_SNIFF_MAX:
        return XLS  # the reader refuses it by size before reading it through
    names = ole_names(path)
    if "WordDocument" in names:
        return LEGACY_WORD
    return XLS


def ole_names(path: Path) -> set[str]:
    """Names of the streams in an OLE compound file's directory (empty when unreadable)."""
    from zhenggai.intake import xls

    try:
        return xls.stream_names(path.read_bytes())
    except (OSError, struct.error):
        return set()


# --- last-saved time ----------------------------------------------------------------------

_DCTERMS_MODIFIED = "{http://purl.org/dc/terms/}modified"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
_PID_LASTSAVE_DTM = 13
_VT_FILETIME = 64
_FILETIME_EPOCH = datetime(1601, 1, 1)


class _Impossible(ValueError):
    """A saved time the file states but that cannot be: ignored, and the clerk told."""


def saved_time(path: Path, kind: str) -> datetime | None:
    """When the file's author last saved it, as the file itself says (naive UTC), or None."""
    return saved_time_noted(path, kind)[0]


def saved_time_noted(path: Path, kind: str, read: Callable[[str], bytes] | None = None,
                     ) -> tuple[datetime | None, str | None]:
    """:func:`saved_time`, and the value as written when the file states an impossible one.

    Metadata only ever breaks ties between versions, so it never stops a file from being
    read: a part that is missing or broken gives None, and a time that cannot be (year
    9999, a FILETIME past the calendar, a time after now) gives None and its text, for a
    note that says it was ignored. ``read``: a zip member's bytes, from a package the
    caller already opened (reader.py), else the zip is opened here.
    """
    try:
        if kind in (XLSX, DOCX) and read is not None:
            return _xml_time_of(read("docProps/core.xml"), _DCTERMS_MODIFIED), None
        if kind in (XLSX, DOCX):
            return _xml_time(path, "docProps/core.xml", _DCTERMS_MODIFIED), None
        if kind == ODS:
            return _xml_time(path, "meta.xml", _DC_DATE), None
        if kind == XLS:
            return _ole_time(path), None
    except _Impossible as exc:
        return None, str(exc)
    except Exception:  # noqa: BLE001 - zipfile, XML and struct raise many types on a broken file
        return None, None
    return None, None


def _xml_time(path: Path, part: str, tag: str) -> datetime | None:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
        if info.file_size > 1 << 20:
            return None  # a real core.xml is under 2 KB
        data = zf.read(part)
    return _xml_time_of(data, tag)


def _xml_time_of(data: bytes, tag: str) -> datetime | None:
    if len(data) > 1 << 20:
        return None  # a real core.xml is under 2 KB
    root = SafeET.fromstring(data)
    el = next(root.iter(tag), None)
    return _parse_iso(el.text) if el is not None and el.text else None


def _parse_iso(text: str) -> datetime | None:
    text = text.strip()
    shown = text[:40]
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is not None:
        try:
            # 9999-12-31T23:59:59-14:00 is past datetime.max in UTC: OverflowError.
            t = t.astimezone(timezone.utc).replace(tzinfo=None)
        except (OverflowError, ValueError) as exc:
            raise _Impossible(shown) from exc
    return _plausible(t, shown)


def _plausible(t: datetime, shown: str) -> datetime | None:
    if t.year < 1990:
        return None  # 1601/1899 placeholders mean "never set"
    if t > datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=2):
        raise _Impossible(shown)  # saved in the future: a wrong clock or a forged file
    return t


def _ole_time(path: Path) -> datetime | None:
    """PIDSI_LASTSAVE_DTM from the "\\x05SummaryInformation" property set of an .xls."""
    from zhenggai.intake import xls

    data = xls.stream(path.read_bytes(), ("\x05SummaryInformation",))
    if data is None or len(data) < 48:
        return None
    offset = struct.unpack_from("<I", data, 44)[0]  # first (only) property section
    if offset + 8 > len(data):
        return None
    count = struct.unpack_from("<I", data, offset + 4)[0]
    for i in range(min(count, 64)):
        pid, at = struct.unpack_from("<II", data, offset + 8 + 8 * i)
        if pid != _PID_LASTSAVE_DTM:
            continue
        vt, low, high = struct.unpack_from("<III", data, offset + at)
        if vt != _VT_FILETIME:
            return None
        ticks = (high << 32) | low  # 100 ns since 1601-01-01 UTC
        try:
            t = _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
        except OverflowError as exc:  # past 9999-12-31: up to 2^64 ticks is 58,000 years
            raise _Impossible(f"FILETIME {ticks:#x}") from exc
        return _plausible(t, f"{t:%Y-%m-%d %H:%M:%S}")
    return None
