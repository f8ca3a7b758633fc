"""The one atomic writer: every file zhenggai writes appears whole under its name or not at all.

Used by the workbook writers, the annotated copy and the web intake's copies. The temporary
file is a hidden ``.zhenggai-*`` beside the target (same folder, so the rename is atomic);
an inbox merge skips such files if a crash ever leaves one behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from zhenggai.core.errors import OutputError, OutputExists, os_reason

__all__ = ["atomic_path"]


@contextlib.contextmanager
def atomic_path(target: Path, *, force: bool) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place only on success.

    A crash while writing leaves no half-written file under the target name, and an
    existing file is kept unless ``force``.
    """
    if target.exists() and not force:
        raise OutputExists(f"文件已存在：{target}（如需覆盖请加 --force）")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".zhenggai-", suffix=target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{os_reason(exc)}") from exc
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the permissions any new file gets.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{os_reason(exc)}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
