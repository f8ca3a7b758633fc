"""A command-line run watched by a supervisor, so that a reader crash cannot end it.

``validate``, ``merge`` and ``diff`` read files from outside. With many files they are
read in worker processes (intake/boundary.py); a single file is read in process, because
sending a 100,000-row result back from a worker costs more than reading it. Instead the
whole run is a forked child of this small supervisor: the child reports each file it
starts to read; when it dies of a signal while reading one (Rust's abort on a failed
allocation, a segfault, the CPU limit) or takes longer than the wall-clock limit, the
supervisor runs the command again, and this time that file is a ``file-unreadable``
finding naming it. Nothing was written yet: outputs come after reading. If it died while
calamine had a big file before the guards had passed it (reader._read_aside, which only a
supervised run does), the file is not named yet: the next attempt reads it guard first, so
that a bomb gets the guard's finding, the same as in any other run.

Only where ``os.fork`` exists (not Windows: there the run is not supervised, and a single
file is read in process behind the guards alone; see README 安全).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zhenggai.intake import boundary

COMMANDS = frozenset({"validate", "merge", "diff"})
_MAX_ATTEMPTS = 20  # one per crashing file; a run that crashes more often stops


def supervise(argv: list[str]) -> None:
    """Return in the child that runs the command; the supervisor exits with its status."""
    if not argv or argv[0] not in COMMANDS or not hasattr(os, "fork") or "--help" in argv:
        return
    # Imported only now: --help and --version never need it (nor multiprocessing, ~20 ms).
    from zhenggai.intake import boundary

    if not boundary.available() or os.environ.get(boundary.SUPERVISED_ENV):
        return
    limits = boundary.Limits.from_env()
    crashed: dict[str, str] = {}
    for _ in range(_MAX_ATTEMPTS):
        sys.stdout.flush()
        sys.stderr.flush()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            boundary.become_supervised(w, crashed, limits)
            return
        os.close(w)
        status, current, timed_out, early = _watch(pid, r, limits)
        os.close(r)
        if os.WIFEXITED(status):
            os._exit(os.WEXITSTATUS(status))
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        if not timed_out and sig not in boundary.READER_SIGNALS:
            os._exit(128 + sig)  # stopped from outside (SIGTERM, SIGHUP …): so are we
        if current is not None and early and current not in crashed:
            # calamine had the file before its zip guard had passed it (reader._read_aside): read
            # it again with the guard first, so that a bomb is named as a bomb, as anywhere else.
            crashed[current] = ""
            continue
        if current is None or crashed.get(current):
            why = boundary.signal_reason(sig, limits)
            sys.stderr.write(f"内部错误（{why}）。请把这条信息和所用文件发给技术支持。\n")
            os._exit(2)
        crashed[current] = boundary.timeout_reason(limits) if timed_out else boundary.signal_reason(sig, limits)
    sys.stderr.write("内部错误：读取时多次异常终止。请把这条信息和所用文件发给技术支持。\n")
    os._exit(2)


def _watch(pid: int, fd: int, limits: boundary.Limits) -> tuple[int, str | None, bool, bool]:
    """Follow the child's breadcrumbs until it ends: (wait status, the file it was reading,
    whether we killed it for taking too long on that file, whether calamine had that file
    before its zip guard had passed it)."""
    from zhenggai.intake import boundary

    # Ctrl-C reaches the child too: it says 已中止 and exits 2, which we pass on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGTERM))
    buffer = bytearray()
    current: str | None = None
    started = 0.0
    timed_out = early = False
    while True:
        timeout = None if current is None else max(0.0, started + limits.wall_s - time.monotonic())
        with contextlib.suppress(InterruptedError):
            ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            if current is not None and time.monotonic() - started > limits.wall_s:
                os.kill(pid, signal.SIGKILL)  # a hang: the retry marks the file
                timed_out = True
                break
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break  # the child ended
        events, buffer = boundary.read_crumbs(buffer + chunk)
        for event in events:
            if isinstance(event, bool):
                early = event
            else:
                current, started, early = event, time.monotonic(), False
    _, status = os.waitpid(pid, 0)
    return status, current, timed_out, early
