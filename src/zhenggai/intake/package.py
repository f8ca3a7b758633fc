"""A zip package (.xlsx, .ods, .docx) opened once for the whole of reading it.

Reading one reply looks at its zip several times: what kind of file it is (sniff.py), the
zip guard that inflates every member (reader.py), the scans for what calamine cannot see
(formulas, error values, hidden rows, number formats, struck text), the last-saved time,
the file's digest, and calamine itself. Each used to open the file and parse the zip's
central directory again (about six times a file), and to inflate the small parts (styles,
workbook, shared strings, core properties) again. Here the file is read once, its
directory parsed once, and every member the guard inflated (and measured, and whose CRC
matched) is kept for the steps after it: the guard's limits are unchanged, and nothing
is parsed before the guard has passed the package.
"""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

# The whole file is held in memory up to this size (calamine reads it whole anyway); a
# larger one is read from disk as before. Real replies are well under 1 MB.
HOLD_MAX = 64 * 1024 * 1024


@dataclass(slots=True)
class Package:
    """One zip file: its bytes (when held), its directory, and the members inflated so far."""

    path: Path
    data: bytes | None
    zf: zipfile.ZipFile | None  # None when the directory could not be read (``error`` says why)
    error: Exception | None = None
    members: dict[str, bytes] = field(default_factory=dict)  # inflated by the zip guard, CRC checked
    sheet_parts: dict[str, str] | None = None  # sheet name → part, once parsed (reader._sheet_paths)

    @classmethod
    def open(cls, path: Path, data: bytes | None) -> Package:
        """Open ``path`` (``data``: its bytes when already read); never raises for a broken zip."""
        try:
            zf = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
        except Exception as exc:  # noqa: BLE001 - kept: sniff.py and the zip guard report it as before
            return cls(path, data, None, exc)
        return cls(path, data, zf)

    def stream(self) -> BinaryIO:
        """A new file object over the package's bytes (close it after use)."""
        if self.data is not None:
            return io.BytesIO(self.data)
        return self.path.open("rb")

    def read(self, name: str) -> bytes:
        """A member's bytes: as the guard inflated them, else read from the zip (KeyError if absent)."""
        data = self.members.get(name)
        if data is not None:
            return data
        if self.zf is None:
            raise zipfile.BadZipFile(str(self.error))
        return self.zf.read(name)

    def names(self) -> list[str]:
        return self.zf.namelist() if self.zf is not None else []

    def close(self) -> None:
        self.members.clear()
        if self.zf is not None:
            with contextlib.suppress(OSError):
                self.zf.close()


def read_whole(fh: BinaryIO, head: bytes) -> bytes | None:
    """The rest of an open file after ``head``, joined to it, when it is small enough to hold."""
    try:
        size = os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None
    if size > HOLD_MAX:
        return None
    return head + fh.read()


__all__ = ["HOLD_MAX", "Package", "read_whole"]
