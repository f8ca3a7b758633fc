"""The files of an inbox, including those inside .zip archives as e-mailed.

A county often mails its two attachments as one ``谷城县.zip``, and a prefecture clerk
saves whole mailboxes as zips. Each member is extracted to a private temporary folder
and read like any other file; everywhere a file is named (findings, the rollup's 来源文件
column, the terminal) it is shown as ``收件.zip › 谷城县附件1.xlsx``.

Zips made on Chinese Windows (the built-in "发送到压缩文件夹", older WinRAR, 360压缩)
store member names in GBK without setting the UTF-8 flag (bit 0x800); Python then
decodes them as cp437 ("╣╚│╟╧╪"). We take the raw bytes back and try UTF-8 (macOS and
some mail clients write UTF-8 without the flag), then GB18030.

Archives come from outside, so the same limits as for a workbook apply: the total
uncompressed size of everything extracted from one top-level archive, the ratio of a
member, the number of members, and the nesting depth. Python's zipfile never inflates
past a member's declared size (it fails the CRC instead), so declared sizes bound the
work. Each extracted workbook is then checked again by ``reader.py`` for its own parts.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from zhenggai.core.findings import make
from zhenggai.core.results import FileResult
from zhenggai.intake import sniff
from zhenggai.intake.reader import MAX_RATIO, MAX_UNCOMPRESSED, RATIO_FLOOR
from zhenggai.intake.sniff import READ_SUFFIXES

ARCHIVE_SEP = " › "
MAX_DEPTH = 3  # 收件.zip › 谷城县.zip › 附件.zip: deeper nesting is not an e-mail habit
MAX_MEMBERS = 2_000
_UTF8_FLAG = 0x800
_TEMP_DIRS: list[str] = []


@atexit.register
def _cleanup() -> None:  # pragma: no cover - runs at interpreter exit
    for d in _TEMP_DIRS:
        shutil.rmtree(d, ignore_errors=True)


@dataclass(slots=True)
class Inbox:
    """Files to read (archive members extracted), their display names, and what was skipped."""

    files: list[Path] = field(default_factory=list)
    names: dict[Path, str] = field(default_factory=dict)
    skipped: list[FileResult] = field(default_factory=list)
    archives: list[str] = field(default_factory=list)  # display names of archives opened
    also: dict[Path, object] = field(default_factory=dict)  # open_inbox(also=…)'s answer for each file
    _tmp: str | None = None

    def display(self, path: Path) -> str:
        """How a file is named to the clerk."""
        return self.names.get(path, str(path))

    def close(self) -> None:
        """Remove the extracted members (the results keep their display names)."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            with contextlib.suppress(ValueError):
                _TEMP_DIRS.remove(self._tmp)
            self._tmp = None

    def __enter__(self) -> Inbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _dir(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="zhenggai-zip-")
            _TEMP_DIRS.append(self._tmp)
        return Path(self._tmp)


def skip_reason(path: Path) -> str | None:
    """Why a file found in a folder is not read as a county reply (None: read it)."""
    name = path.name
    if name.startswith("~$"):
        return "Excel/WPS 打开文件时留下的锁定文件"
    if name.startswith("."):
        return "隐藏文件"
    if path.suffix.lower() not in READ_SUFFIXES:
        # Opened by content whatever the extension says among these; anything else
        # (an e-mail, a note) is listed as skipped.
        return "不是工作簿、Word 文档、压缩包或扫描件"
    # A -校验标注 copy is read like any reply: a clerk may correct it and send it back.
    # Left unchanged beside the original it is an identical copy, counted once.
    return None


def relative_namer(paths: Sequence[Path]) -> Callable[[Path], str]:
    """How a rollup names a file: relative to the inbox folder it was found in.

    ``枣阳市/枣阳市-附件1.xlsx`` for a file under the folder given, the bare name for a
    file given itself; with several inputs each name starts with its input's own name
    (``第一批/x.xlsx``). A rollup is printed and sent upward: a path of the machine that
    made it (a user folder, a temporary folder) must never appear on it, and the names
    must not depend on where the inbox happens to lie.
    """
    roots = [(p, p.is_dir()) for p in paths]
    several = len(roots) > 1
    given: dict[str, Path] = {}

    def name(path: Path) -> str:
        shown = _relative(path)
        # Names are keys (which file was used): two inputs that give one name keep their paths.
        if given.setdefault(shown, path) != path:
            return str(path)
        return shown

    def _relative(path: Path) -> str:
        for root, is_dir in roots:
            if not is_dir:
                if path == root:
                    return root.name
                continue
            try:
                rel = path.relative_to(root).as_posix()
            except ValueError:
                continue
            return f"{root.resolve().name}/{rel}" if several else rel
        return path.name

    return name


def expand(
    paths: Iterable[Path], namer: Callable[[Path], str] = str
) -> tuple[list[Path], list[FileResult]]:
    """Files to read (folders recursively, sorted) and the files skipped, as results."""
    from zhenggai.core.errors import InputError

    files: list[Path] = []
    skipped: list[FileResult] = []
    for p in paths:
        if p.is_dir():
            for child in sorted(x for x in p.rglob("*") if x.is_file()):
                hidden_dir = any(part.startswith(".") for part in child.relative_to(p).parts[:-1])
                # Files under hidden folders (.git, macOS .Trashes …) are not replies.
                reason = "在隐藏文件夹中" if hidden_dir else skip_reason(child)
                if reason is None:
                    files.append(child)
                else:
                    shown = namer(child)
                    skipped.append(FileResult(child, shown, findings=(
                        make("file-skipped", file=shown, reason=reason),), readable=False, skipped=True))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(f"找不到文件或文件夹：{p}")
    seen: set[Path] = set()
    unique = []
    folders: dict[Path, Path] = {}
    for p in files:
        key = resolved(p, folders)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, skipped



def resolved(path: Path, folders: dict[Path, Path]) -> Path:
    """``path.resolve()``, its folder's part worked out once per folder (``folders``: folder →
    resolved). ``resolve()`` looks at every part of the path (a 1,500-county inbox: ~20,000
    system calls, 0.06 s before anything is read); a file that is no link is its resolved folder
    joined with its name, as ``os.path.realpath`` itself joins it. A link, or not POSIX
    (Windows resolves otherwise): ``resolve()`` itself."""
    try:
        plain = os.name == "posix" and not stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:  # realpath then takes it as it is; resolve() below says the same
        plain = False
    if not plain:
        return path.resolve()
    folder = folders.get(path.parent)
    if folder is None:
        folder = folders[path.parent] = path.parent.resolve()
    return folder / path.name


LOOK_ASIDE_MIN = 400
"""Files from which the second CPU pays for looking at each file (~0.1 ms each: its zip's
directory read once for the archive check and once by ``also``; a fork and its pipe ~10 ms)."""


def open_inbox(paths: Iterable[Path], *, relative: bool = False,
               also: Callable[[Path], object] | None = None) -> Inbox:
    """Expand folders (see ``validate.expand``) and .zip archives, recursively.

    ``relative``: name each file relative to the inbox (``relative_namer``), as a rollup
    prints it; otherwise as given on the command line. ``also``: called on each file to be
    read (an archive's members too), its result kept in ``Inbox.also``; it must only look
    (rollup/county.py: whether zhenggai wrote the file). With many files and an idle second
    CPU, a forked child looks at the second half of them (whether each is an archive, and
    ``also``) while this process looks at the first (intake/second_cpu.py): the same answers
    (a child that fails is replaced by looking here), before reading begins.
    """
    paths = list(paths)
    namer = relative_namer(paths) if relative else str
    files, skipped = expand(paths, namer)
    box = Inbox(skipped=skipped)
    looks = _looks(files, also)
    for p, look in zip(files, looks, strict=True):
        _add(box, p, namer(p), depth=0, budget=[MAX_UNCOMPRESSED], also=also, look=look)
    return box


def _is_archive(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return (head.startswith(sniff.ZIP_MAGIC) or head.startswith(sniff.EMPTY_ZIP_MAGIC)) and (
        sniff.kind_of(path, head) == sniff.ARCHIVE
    )


_Look = tuple[bool, object]  # a file: whether it is an archive, and also(file) when it is not


def _look(path: Path, also: Callable[[Path], object] | None) -> _Look:
    if _is_archive(path):
        return True, None
    return False, also(path) if also is not None else None


def _looks(files: Sequence[Path], also: Callable[[Path], object] | None) -> list[_Look | None]:
    """What :func:`_add` would find out about each file, the second half in a forked child
    where that pays (None: found out in :func:`_add`, as without a child)."""
    from zhenggai.intake import second_cpu

    if also is None or len(files) < LOOK_ASIDE_MIN or not second_cpu.available():
        return [None] * len(files)
    half = len(files) // 2
    pending = second_cpu.start(lambda: [_look(p, also) for p in files[half:]])
    mine: list[_Look | None] = [_look(p, also) for p in files[:half]]
    theirs = pending.result() if pending is not None else None
    if isinstance(theirs, list) and len(theirs) == len(files) - half:
        return [*mine, *theirs]
    return [*mine, *([None] * (len(files) - half))]  # the child failed: _add looks itself


def _add(box: Inbox, path: Path, shown: str, *, depth: int, budget: list[int],
         also: Callable[[Path], object] | None, look: _Look | None = None) -> None:
    archive, seen = look if look is not None else _look(path, also)
    if not archive:
        box.files.append(path)
        if also is not None:
            box.also[path] = seen
        if shown != str(path):
            box.names[path] = shown
        return
    box.archives.append(shown)
    if depth >= MAX_DEPTH:
        box.skipped.append(_refused(path, shown, f"压缩包套了 {depth + 1} 层以上，请解压后放入文件夹"))
        return
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if len(infos) > MAX_MEMBERS:
                box.skipped.append(_refused(path, shown,
                                            f"压缩包中有 {len(infos)} 个文件，数量异常，请解压后放入文件夹"))
                return
            declared = sum(i.file_size for i in infos)
            if declared > budget[0] or any(
                i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos
            ):
                box.skipped.append(FileResult(path, shown, findings=(
                    make("file-too-large", file=shown, size=f"{declared / 1024 / 1024:.0f} MB"),), readable=False))
                return
            budget[0] -= declared
            folder = box._dir() / str(len(box.names) + len(box.files) + len(box.archives))
            for n, info in enumerate(infos):
                name = member_name(info)
                inner = f"{shown}{ARCHIVE_SEP}{name}"
                pure = PurePosixPath(name)
                if pure.parts and pure.parts[0] == "__MACOSX":
                    continue  # macOS resource forks, not files the clerk made
                reason = "在隐藏文件夹中" if any(p.startswith(".") for p in pure.parts[:-1]) else skip_reason(
                    Path(pure.name or "_"))
                if reason is not None:
                    box.skipped.append(FileResult(Path(pure.name), inner, findings=(
                        make("file-skipped", file=inner, reason=reason),), readable=False, skipped=True))
                    continue
                # The member's own name (not its folders) keeps county_from_filename and the
                # version marks in the name working; the number keeps equal names apart.
                target = folder / str(n) / _safe(pure.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                _set_mtime(target, info)
                _add(box, target, inner, depth=depth + 1, budget=budget, also=also)
    except OSError as exc:
        from zhenggai.core.errors import os_reason

        box.skipped.append(_refused(path, shown, f"无法解压（{os_reason(exc)}）"))
    except Exception as exc:  # noqa: BLE001 - the archive boundary: zipfile, zlib, lzma, struct …
        # RuntimeError: an encrypted member; NotImplementedError: a compression method or
        # flag zipfile lacks (deflate64, "strong encryption"); zlib.error: a damaged stream
        # (found by benchmarks/fuzz.py). Whatever the archive does, it is named, never 内部错误.
        reason = ("压缩包有密码" if isinstance(exc, RuntimeError)
                  else f"压缩包已损坏或格式不支持（{type(exc).__name__}）")
        box.skipped.append(_refused(path, shown, f"{reason}，请解压后放入文件夹"))


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as the sender's computer showed it (GBK names without the UTF-8 flag)."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG:
        return name
    try:
        raw = name.encode("cp437")  # how zipfile decoded it: undo that
    except UnicodeEncodeError:
        return name
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return name


def _safe(name: str) -> str:
    """A file name that is safe to create: no separators, no empty or dot names."""
    cleaned = "".join("_" if ch in '/\\:*?"<>|\0' else ch for ch in name).strip(" .")
    return cleaned[:150] or "file"


def _set_mtime(target: Path, info: zipfile.ZipInfo) -> None:
    """The member's own time, so that the file-system-time fallback compares like with like."""
    try:
        t = datetime(*info.date_time).timestamp()
        os.utime(target, (t, t))
    except (ValueError, OverflowError, OSError):
        pass


def _refused(path: Path, shown: str, reason: str) -> FileResult:
    return FileResult(path, shown, findings=(make("archive-unreadable", file=shown, reason=reason),), readable=False)
