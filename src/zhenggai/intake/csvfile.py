"""CSV exports ("CSV (逗号分隔)" from Excel or WPS) read as a one-sheet workbook.

A clerk who saves the form as CSV keeps the text of every cell as it was shown, and
loses everything else: number formats, merged cells, hidden rows, several sheets. The
grid is read like a sheet, with a warning that says what CSV does not keep.

The encoding is decided by a rule, never guessed: a byte-order mark says it (UTF-8,
UTF-16); else text that is valid UTF-8 is UTF-8 (GBK text of any length is almost
never valid UTF-8, the reverse is not true, so UTF-8 is tried first); else valid GB18030
(the superset of GBK that Chinese Windows Excel and WPS write) is GBK; else the file is
refused. Text that decodes but reads as mojibake (UTF-8 once opened as GBK or Latin-1
and saved again: "璋峰煄鍘"、"è°·åŸŽåŽ¿") is an error, never read as names and numbers.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from zhenggai.core.findings import Finding, make

# Excel and WPS name their exports .csv; only such a name (and text inside) is read as CSV.
SUFFIXES = frozenset({".csv", ".tsv"})
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
# Words every reply holds in its header: if decoding the text a second way reveals them,
# the file is mojibake.
_FORM_WORDS = ("问题", "整改", "县", "完成", "措施", "序号", "附件")
_MOJIBAKE_MARKS = ("锟斤拷", "\ufffd", "Ã", "â€", "å", "æ", "ç", "é")


def looks_like_text(head: bytes) -> bool:
    """True when the first bytes hold no NUL (a binary file) and at least one separator or line."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 (Excel's "Unicode 文本"), NULs and all
    return b"\x00" not in head and (b"," in head or b"\t" in head or b"\n" in head)


def decode(data: bytes) -> tuple[str, str] | None:
    """(text, the encoding's name as a clerk knows it), or None when no rule applies."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "UTF-8（带 BOM）"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError:
        return None


def mojibake(text: str) -> str | None:
    """How the text was garbled, when decoding it back the other way reveals the form's words."""
    sample = text[:4000]
    if "锟斤拷" in sample or sample.count("\ufffd") > 2:
        return "文件里有“锟斤拷”或替换字符，内容在保存前已经损坏"
    if any(w in sample for w in _FORM_WORDS):
        return None
    for wrong in ("gb18030", "latin-1", "cp1252"):
        try:
            # "replace": a byte lost when the garbled text was saved spoils one character, not the test
            fixed = sample.encode(wrong, "replace").decode("utf-8", "replace")
        except UnicodeError:
            continue
        if any(w in fixed for w in _FORM_WORDS):
            return f"这是 UTF-8 文字被当成 {'GBK' if wrong == 'gb18030' else 'Latin-1'} 打开后又保存的乱码"
    if sum(sample.count(m) for m in _MOJIBAKE_MARKS[2:]) > 10:
        return "文字看起来是乱码（UTF-8 被当成西文编码打开过）"
    return None


def _cell(text: str) -> object:
    """A cell as Excel reads it back from CSV: plain numbers are numbers, everything else text."""
    s = text.strip()
    if _NUMBER.fullmatch(s) and not (len(s) > 1 and s.startswith("0") and s[1] != "."):
        return float(s) if "." in s else int(s)
    return text


def read_rows(text: str) -> list[list[object]]:
    """The rows of a CSV text, rectangular ("" for empty cells) as calamine hands sheets over."""
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = [[_cell(v) for v in r] for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        r.extend([""] * (width - len(r)))
    return rows


def read(path: Path, shown: str, max_cells: int) -> tuple[list[list[object]] | None, list[Finding]]:
    """(rows, findings): the rows and a warning naming the encoding; or None and the error."""
    data = path.read_bytes()
    decoded = decode(data)
    if decoded is None:
        return None, [make("csv-encoding", file=shown, reason="既不是 UTF-8 也不是 GBK 编码")]
    text, encoding = decoded
    garbled = mojibake(text)
    if garbled is not None:
        return None, [make("csv-encoding", file=shown, reason=garbled)]
    rows = read_rows(text)
    if len(rows) * max((len(r) for r in rows), default=0) > max_cells:
        return None, [make("file-unreadable", file=shown, reason="CSV 文件大得异常，疑为误填或恶意文件")]
    return rows, [make("csv-read", file=shown, encoding=encoding)]
