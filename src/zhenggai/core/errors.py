"""The one kind of exception zhenggai raises on purpose: a run that cannot produce a report.

Data problems are findings (see ``findings.py``), never exceptions. A ``FatalError``
carries a Chinese message that the CLI prints as one line on stderr before exiting 2.
"""

from __future__ import annotations

import errno


class FatalError(Exception):
    """The run cannot go on (bad arguments, unwritable output); ``str()`` is Chinese."""


class OutputExists(FatalError):
    """An output file exists and ``--force`` was not given."""


class OutputError(FatalError):
    """An output file or folder cannot be written."""


class InputError(FatalError):
    """An input path named on the command line does not exist or cannot be listed."""


class SchemaError(FatalError):
    """The ``--indicators`` file cannot be used."""


_REASONS = {
    errno.ENOENT: "文件夹或文件不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "位置是只读的",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EBUSY: "文件正被其他程序占用（请先在 Excel/WPS 中关闭它）",
}


def os_reason(exc: OSError) -> str:
    """A file-system error in Chinese ("没有权限"), for one-line messages to clerks."""
    reason = _REASONS.get(exc.errno or -1)
    if reason is None:
        # Windows reports a file open in Excel as a sharing violation (winerror 32).
        if getattr(exc, "winerror", None) == 32:
            return _REASONS[errno.EBUSY]
        return f"系统错误 {exc.errno}" if exc.errno else "系统错误"
    return reason


def toml_place(exc: Exception) -> str:
    """Where a TOML file went wrong, in Chinese ("第 3 行第 10 列附近"): Python 3.11's
    ``TOMLDecodeError`` carries the place only in its English text ("… (at line 3, column 10)")."""
    import re

    line = getattr(exc, "lineno", None)
    col = getattr(exc, "colno", None)
    if line is None:
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        if m is None:
            return ""
        line, col = int(m.group(1)), int(m.group(2))
    return f"第 {line} 行第 {col} 列附近" if col else f"第 {line} 行附近"
