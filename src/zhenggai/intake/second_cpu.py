"""Work for the machine's second CPU, in a forked child (issue 22).

Used for a big table's rows (checking/rows.py) and for a big sheet's scans while calamine
reads it (intake/reader.py). Checking the rows of a 100,000-row 附件1 (pydantic row models
and the measure classifier) is about two seconds of one CPU. Where a second CPU is idle, a
forked child checks the second half of the rows while this process checks the first; the
child sends back what the rows gave (parsed values and findings: small, picklable), and this
process goes on in row order, so the result and the order of the findings are those of a
one-process run: the child runs the same code on the same rows.

If the child cannot be started, dies, or sends something unreadable, this process checks its
half as well: a slower run, never a different one.

A child may also send values before its result (``tell``, e.g. "the sheets are guarded"):
each value goes over the pipe as a length and a pickle, read in order with ``Pending.next``.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
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


@dataclass(slots=True)
class Pending:
    """A forked child computing a value (and maybe telling others before it)."""

    pid: int
    fd: int  # the read end of its pipe
    _file: BinaryIO | None = None
    _last: object | None = None  # the last value read
    _done: bool = False  # waited for: ``_last`` is the result (None when not clean)

    def _reader(self) -> BinaryIO:
        if self._file is None:
            self._file = os.fdopen(self.fd, "rb")
        return self._file

    def next(self) -> tuple[bool, object]:
        """The child's next value in order, (True, value); (False, None) at its end or when
        what it sent cannot be read (the caller then does the work itself)."""
        if self._done:
            return False, None
        f = self._reader()
        head = f.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            return False, None
        data = f.read(_LENGTH.unpack(head)[0])
        with contextlib.suppress(Exception):
            value: object = pickle.loads(data)  # our own child's value, over our own pipe
            self._last = value
            return True, value
        return False, None

    def result(self) -> object | None:
        """The child's last value (its result), or None when it did not finish cleanly.
        Waits for the child the first time; the same answer after that."""
        if self._done:
            return self._last
        more = True
        while more:  # to the end before waiting: a full pipe would block the child
            more, _ = self.next()
        tail = self._reader().read()  # anything unreadable: not a clean finish
        self._reader().close()
        _, status = os.waitpid(self.pid, 0)
        self._done = True
        if tail or not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            self._last = None
        return self._last


def start(compute: Callable[[], object]) -> Pending | None:
    """``compute()`` in a forked child; None when no child could be started."""
    return start_telling(lambda _tell: compute())


def start_telling(compute: Callable[[Callable[[object], None]], object]) -> Pending | None:
    """``compute(tell)`` in a forked child, where ``tell(value)`` sends a value ahead of the
    result; None when no child could be started."""
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

                def tell(value: object) -> None:
                    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                    f.write(_LENGTH.pack(len(data)) + data)
                    f.flush()

                tell(compute(tell))
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no buffered output written twice
    os.close(w)
    return Pending(pid, r)
