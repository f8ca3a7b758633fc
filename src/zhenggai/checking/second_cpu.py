"""Half of a big table's row checks in a forked child, on the machine's second CPU (issue 22).

Checking the rows of a 100,000-row 附件1 (pydantic row models and the measure classifier) is
about two seconds of one CPU. Where a second CPU is idle, a forked child checks the second half
of the rows while this process checks the first; the child sends back what the rows gave
(parsed values and findings: small, picklable), and this process goes on in row order, so the
result and the order of the findings are those of a one-process run: the child runs the same
code on the same rows.

If the child cannot be started, dies, or sends something unreadable, this process checks its
half as well: a slower run, never a different one.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Pending:
    """A forked child computing a value."""

    pid: int
    fd: int  # the read end of its pipe

    def result(self) -> object | None:
        """The child's value, or None when it did not finish cleanly."""
        with os.fdopen(self.fd, "rb") as f:
            data = f.read()  # to EOF before waiting: a full pipe would block the child
        _, status = os.waitpid(self.pid, 0)
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            return None
        with contextlib.suppress(Exception):
            value: object = pickle.loads(data)  # our own child's value, over our own pipe
            return value
        return None


def start(compute: Callable[[], object]) -> Pending | None:
    """``compute()`` in a forked child; None when no child could be started."""
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # pragma: no cover - the child (its value is checked by the parent's tests)
        status = 1
        try:
            os.close(r)
            data = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as f:
                f.write(data)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no buffered output written twice
    os.close(w)
    return Pending(pid, r)
