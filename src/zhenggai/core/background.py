"""Work for the machine's other core: a function run in a forked child while this process goes on.

After reading, a merge is one process on one core: the rollup is checked for copied
measures, then its workbook is written, while the second core waits (issue 22: at 1,500
counties about 6 s of a 12 s merge). A step whose result is needed only later, such as the
``measure-copied`` findings (needed for 核对底稿 and 校验问题, not for the stamped sheets
written first), can run in a child forked from this process: the child sees every object
as it is (copy-on-write, nothing is sent to it), and sends back only its result, pickled.

:func:`start` returns a :class:`Background`; its :meth:`~Background.result` waits for the
child and returns what ``fn(*args)`` returned. Where a child cannot be forked safely (no
``os.fork``: Windows; other threads running: a forked child could inherit a lock one of
them holds; a single CPU: nothing to gain) ``fn`` runs in this process when the result is
asked for, and so it does when the child fails in any way (an exception, a signal): the
result is always the function's own, only where it was computed differs.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

R = TypeVar("R")

_OFF = "ZHENGGAI_BACKGROUND"  # "off": every step in this process (tests compare both ways)


def can_fork() -> bool:
    """Whether a child forked now can run work beside this process (see the module)."""
    if os.environ.get(_OFF, "").lower() in ("off", "0", "no") or not hasattr(os, "fork"):
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS
        cpus = os.cpu_count() or 1
    return cpus > 1 and threading.active_count() == 1


class Background(Generic[R]):
    """``fn(*args)`` computed in a forked child (or, failing that, here when asked)."""

    def __init__(self, fn: Callable[..., R], args: tuple[Any, ...]) -> None:
        self._fn, self._args = fn, args
        self._pid: int | None = None
        self._fd: int | None = None
        self._done = False
        self._value: Any = None
        if can_fork():
            self._fork()

    def _fork(self) -> None:
        r, w = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no memory or process left for a child: computed here when asked
            os.close(r)
            os.close(w)
            return
        if pid == 0:  # the child: compute, send, and leave without running anything of the parent's
            try:
                os.close(r)
                try:
                    data = pickle.dumps(self._fn(*self._args), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException:  # noqa: BLE001 - any failure: the parent computes it itself
                    data = b""
                with open(w, "wb") as out:
                    out.write(data)
            finally:
                os._exit(0)
        os.close(w)
        self._pid, self._fd = pid, r

    def result(self) -> R:
        """The result (waiting for the child); computed here if the child gave none."""
        if not self._done:
            data = self._collect()
            try:
                self._value = pickle.loads(data) if data else self._fn(*self._args)
            except (pickle.UnpicklingError, EOFError, ValueError):  # cut short: the child died writing it
                self._value = self._fn(*self._args)
            self._done = True
            self._args = ()
        return self._value  # type: ignore[no-any-return]

    def _collect(self) -> bytes:
        if self._fd is None:
            return b""
        fd, self._fd = self._fd, None
        try:
            with open(fd, "rb") as src:
                data = src.read()
        finally:
            self._reap()
        return data

    def _reap(self) -> None:
        if self._pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = None

    def cancel(self) -> None:
        """Stop the child if it still runs (the result is not wanted: the run failed)."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def start(fn: Callable[..., R], *args: Any) -> Background[R]:
    """Start ``fn(*args)`` in a forked child; ``.result()`` gives its value (see the module)."""
    return Background(fn, args)


__all__ = ["Background", "can_fork", "start"]
