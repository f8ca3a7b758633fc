"""Work for the machine's second CPU, in a forked child (issue 22).

Used for a big table's rows (checking/rows.py) and for a big sheet's scans while calamine
reads it (intake/reader.py). Checking the rows of a 100,000-row 附件1 (pydantic row models
and the measure classifier) is about three seconds of one CPU. Where a second CPU is idle, a
forked child checks the last rows while this process checks the first (``Meeting``); the
child sends back what its rows gave (parsed values and findings: small, picklable), and this
process goes on in row order, so the result and the order of the findings are those of a
one-process run: the child runs the same code on the same rows.

If the child cannot be started, dies, or sends something unreadable, this process checks its
rows as well: a slower run, never a different one.

Work split by measured cost is still unbalanced whenever one process is slower than the
estimate (the child's first touches of copied memory, another program on one CPU, a busy
table rule): ``Meeting`` lets the two take blocks of rows from the two ends of a range until
they meet, so both finish within one block of each other, whatever each one's speed.

A child may also send values before its result (``tell``, e.g. "the sheets are guarded"):
each value goes over the pipe as a length and a pickle, read in order with ``Pending.next``.
The result's length is marked as the result's: once it is read whole, it is the child's
result whatever happens to the child after, and this process goes on without waiting for
the child's exit (a forked child of a big process takes ~8 ms to give back its memory).
"""

from __future__ import annotations

import atexit
import contextlib
import mmap
import os
import pickle
import struct
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from zhenggai.intake.boundary import cpus_busy

ROWS_MIN = 20_000
"""Rows from which a second CPU pays (a fork and its pipe cost ~20 ms; sending a row back ~2 µs)."""


def available() -> bool:
    """Whether a forked child would run on an idle CPU: fork exists, this process may use two
    CPUs or more, the machine is not busy (boundary.cpus_busy), and no other thread runs (a
    fork copies only the calling thread: a lock another holds would stay locked in the child)."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        cpus = os.cpu_count() or 1
    return cpus >= 2 and not cpus_busy()


_LENGTH = struct.Struct("<Q")
_RESULT = 1 << 63
"""Set in the length of the child's result (a tell's length never has it: no pickle is that long)."""
_exiting: list[int] = []
"""Children whose result was read while they were still exiting: reaped by a later start, or
when this process ends (_reap_all)."""
_PAIR = struct.Struct("<qq")


class Meeting:
    """The items ``first:end`` shared by this process and a forked child, made before the fork:
    this process takes blocks from the front (``front``), the child from the back (``back``),
    until the two meet. Each block is taken under a lock, so no item is taken twice, and every
    item up to the meeting point is this process's, every one after it the child's.

    The two positions live in a shared anonymous mapping; the lock is a POSIX record lock on a
    nameless temporary file (``lockf``: held per process, and let go by the kernel when its
    holder dies, so a crashed child never leaves this process waiting)."""

    __slots__ = ("_lock", "_mem")

    def __init__(self, first: int, end: int) -> None:
        self._mem = mmap.mmap(-1, _PAIR.size)  # MAP_SHARED: the forked child sees the same bytes
        _PAIR.pack_into(self._mem, 0, first, end)
        self._lock = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()

    def _take(self, size: int, from_back: bool) -> tuple[int, int] | None:
        # Imported here: Windows has no fcntl (nor fork: a Meeting is made only after a fork,
        # available()), and validate imports this module there too.
        import fcntl

        fd = self._lock.fileno()
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)  # a system call: the positions read below are current
        except OSError:  # no lock to be had (ENOLCK): this side takes no more; the caller sees
            return None  # where each side stopped and checks any rows between them itself
        try:
            front, back = _PAIR.unpack_from(self._mem, 0)
            if front >= back:
                return None
            if from_back:
                block = (max(back - size, front), back)
                _PAIR.pack_into(self._mem, 0, front, block[0])
            else:
                block = (front, min(front + size, back))
                _PAIR.pack_into(self._mem, 0, block[1], back)
            return block
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN)

    def front(self, size: int) -> tuple[int, int] | None:
        """The next block of at most ``size`` items from the front, or None when all are taken."""
        return self._take(size, from_back=False)

    def back(self, size: int) -> tuple[int, int] | None:
        """The next block of at most ``size`` items from the back, or None when all are taken."""
        return self._take(size, from_back=True)

    def left(self) -> int:
        """How many items no one has taken yet (a moment's look: the other may be taking some)."""
        front, back = _PAIR.unpack_from(self._mem, 0)
        return max(int(back) - int(front), 0)

    def close(self) -> None:
        self._lock.close()
        self._mem.close()


@dataclass(slots=True)
class Pending:
    """A forked child computing a value (and maybe telling others before it)."""

    pid: int
    fd: int  # the read end of its pipe
    _file: BinaryIO | None = None
    _last: object | None = None  # the last value read
    _final: bool = False  # ``_last`` is the child's result, read whole
    _done: bool = False  # waited for: ``_last`` is the result (None when not clean)

    def _reader(self) -> BinaryIO:
        if self._file is None:
            self._file = os.fdopen(self.fd, "rb")
        return self._file

    def next(self) -> tuple[bool, object]:
        """The child's next value in order, (True, value); (False, None) at its end or when
        what it sent cannot be read (the caller then does the work itself)."""
        if self._done or self._final:
            return False, None
        f = self._reader()
        head = f.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            return False, None
        length = _LENGTH.unpack(head)[0]
        data = f.read(length & ~_RESULT)
        if len(data) != length & ~_RESULT:  # cut short: the child died while writing
            return False, None
        with contextlib.suppress(Exception):
            value: object = pickle.loads(data)  # our own child's value, over our own pipe
            self._last, self._final = value, bool(length & _RESULT)
            return True, value
        return False, None

    def result(self) -> object | None:
        """The child's last value (its result), or None when it did not finish cleanly.
        Waits for the child the first time (for its exit only when no whole result came);
        the same answer after that."""
        if self._done:
            return self._last
        more = True
        while more:  # to the end before waiting: a full pipe would block the child
            more, _ = self.next()
        if self._final:  # the result, whole: nothing can follow it, and no exit status changes it
            self._reader().close()
            self._done = True
            _exiting.append(self.pid)
            _reap()
            return self._last
        tail = self._reader().read()  # anything unreadable: not a clean finish
        self._reader().close()
        _, status = os.waitpid(self.pid, 0)
        self._done = True
        if tail or not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            self._last = None
        return self._last


def _reap() -> None:
    """Reap the children that have exited since their results were read (never waits)."""
    for pid in list(_exiting):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue  # still exiting
        _exiting.remove(pid)


def _reap_all() -> None:
    """At this process's end, the children still unreaped: waited for, so that they stay its
    children to the end (``time``, ``wait4`` and benchmarks/bench.py count their CPU time and
    memory) and none outlives it as a zombie. By then they have long exited: nothing waits."""
    for pid in _exiting:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    _exiting.clear()


atexit.register(_reap_all)  # the command line's runs end with atexit's functions, then os._exit (cli/app.finish)


def start(compute: Callable[[], object]) -> Pending | None:
    """``compute()`` in a forked child; None when no child could be started."""
    return start_telling(lambda _tell: compute())


def start_telling(compute: Callable[[Callable[[object], None]], object]) -> Pending | None:
    """``compute(tell)`` in a forked child, where ``tell(value)`` sends a value ahead of the
    result; None when no child could be started."""
    _reap()
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # pragma: no cover - the child (its values are checked by the parent's tests)
        status = 1
        try:
            os.close(r)
            with os.fdopen(w, "wb") as f:

                def send(value: object, mark: int = 0) -> None:
                    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                    f.write(_LENGTH.pack(len(data) | mark) + data)
                    f.flush()

                send(compute(send), _RESULT)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no buffered output written twice
    os.close(w)
    return Pending(pid, r)
