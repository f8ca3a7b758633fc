"""A boundary a crash cannot cross: untrusted files are parsed in child processes with limits.

The guards (``guard.py``, ``reader.py``) refuse every malformed file we know of before
the native reader sees it, but python-calamine is Rust, and what Rust cannot handle ends
the process: an allocation failure calls ``abort()``, a stack overflow is SIGSEGV. One
such file must not take a run down, and in ``zhenggai serve`` it must not take the intake
down for every county. So each file is read and checked in a worker process:

- **limits**: address space (``RLIMIT_AS``), CPU seconds per file (``RLIMIT_CPU``,
  raised before each file), no core files, and the size of the pickled result; the
  parent also kills a worker that takes longer than a wall-clock limit (a hang);
- a worker that dies (a signal, a limit) or breaks a limit gives a :class:`Crash` for its
  file, the caller turns it into a ``file-unreadable`` finding naming the file, and a
  fresh worker takes the next file;
- with many files the workers also run in parallel, one per CPU: checking a file is
  free of shared state and returns its result.

Workers start by ``fork`` when the process has one thread (cheap: nothing is imported
again), by ``forkserver`` when it has more (the web server: forking a threaded process
can copy a held lock), by ``spawn`` where neither exists (Windows). Where ``resource``
is missing (Windows) there are no memory or CPU limits, only the wall-clock limit and
the process boundary itself. :func:`available` says whether workers can be started at
all (``ZHENGGAI_ISOLATION=off`` turns them off: everything is read in process).
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import pickle
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

try:  # POSIX only: Windows runs workers without memory and CPU limits
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

R = TypeVar("R")
_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What one worker may use for one file."""

    memory_mb: int = 3072  # address space: a 4 M-cell sheet (the guard's budget) needs ~1 GB
    cpu_s: int = 60  # a 100,000-row reply takes ~2 s
    wall_s: float = 120.0  # a hang (a 100,000-row reply takes 2 s, 15 s on a machine 7× overloaded)
    output_mb: int = 512  # the pickled result: ~45 MB for a 100,000-row reply


    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, or ``ZHENGGAI_READ_LIMITS="cpu_s=10,memory_mb=1024,wall_s=20"``
        (the fuzz run tightens them so that a slow or greedy file shows as a limit hit)."""
        given: dict[str, float] = {}
        for part in os.environ.get("ZHENGGAI_READ_LIMITS", "").split(","):
            key, _, value = part.partition("=")
            with contextlib.suppress(ValueError):
                if key.strip() in cls.__dataclass_fields__:
                    given[key.strip()] = float(value)
        base = cls()
        return cls(
            memory_mb=int(given.get("memory_mb", base.memory_mb)),
            cpu_s=int(given.get("cpu_s", base.cpu_s)),
            wall_s=given.get("wall_s", base.wall_s),
            output_mb=int(given.get("output_mb", base.output_mb)),
        )


@dataclass(frozen=True, slots=True)
class Crash(Generic[R]):
    """A job that did not come back: why, in Chinese, for a ``file-unreadable`` finding."""

    reason: str


_SIGNAL_REASONS = {
    "SIGXCPU": "读取时间过长，超过 {cpu} 秒 CPU 时间",
    "SIGKILL": "读取超时或占用内存过多",
    "SIGSEGV": "读取程序异常终止",
    "SIGABRT": "读取程序异常终止，多为内存不足",
    "SIGBUS": "读取程序异常终止",
    "SIGILL": "读取程序异常终止",
    "SIGFPE": "读取程序异常终止",
}
# Signals that mean the reading went wrong; any other (SIGTERM, SIGINT …) came from outside.
READER_SIGNALS = frozenset(getattr(signal, name) for name in _SIGNAL_REASONS if hasattr(signal, name))


def available() -> bool:
    """Whether files can be read in worker processes here."""
    return os.environ.get("ZHENGGAI_ISOLATION", "").lower() not in ("off", "0", "no")


SUPERVISED_ENV = "ZHENGGAI_SUPERVISED"


def supervised() -> bool:
    """Whether this process is a CLI run watched by a supervisor (cli/supervise.py)."""
    return os.environ.get(SUPERVISED_ENV) == str(os.getpid())


def pool_size(jobs: int) -> int:
    """Workers for ``jobs`` files: one per CPU this process may use, never more than jobs."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        cpus = os.cpu_count() or 1
    return max(1, min(jobs, cpus))


def cpus_busy() -> bool:
    """Whether other programs keep this machine's CPUs busy: the 1-minute load average is
    within half a CPU of the CPUs this process may use, and so many other tasks are runnable
    right now (:func:`running_others`). A second reader process then runs on no idle CPU: it
    only adds the cost of sending each result back (measured at 1,500 counties under load:
    ~3.5 s more CPU than reading in process, and no time saved).

    The load average alone also counts this process's own last minute: a merge run just
    before this one (its two readers) left it at 1.5–2 on an idle 2-CPU machine, and the next
    merge then read on one CPU, 4 s slower. Only a load that others keep up now is busy."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - Windows
        return False
    cpus = pool_size(1 << 16)
    if load <= cpus - 0.5:
        return False
    others = running_others()
    return others is None or others > cpus - 0.5


def running_others(samples: int = 3) -> int | None:
    """Tasks other than this one runnable right now, the least of a few looks 5 ms apart
    (``/proc/loadavg``'s fourth field counts every runnable task, this one included; the least:
    a burst of short processes is no lasting load). None where the kernel does not say."""
    counts = []
    for i in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as fh:
                counts.append(int(fh.read().split()[3].partition("/")[0]) - 1)
        except (OSError, ValueError, IndexError):
            return None
        if i + 1 < samples:
            time.sleep(0.005)
    return min(counts)


_FORKSERVER_TMP_MAX = 60  # + "/pymp-xxxxxxxx/listener-xxxxxxxx" stays under 107 bytes


def _context() -> Any:
    methods = mp.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return mp.get_context("fork")
    # The fork server listens on a socket under the temporary folder, and a socket's path may
    # not exceed ~107 bytes: under a long temporary path (a user folder in Chinese) it cannot
    # start ("AF_UNIX path too long"), so workers are spawned instead, as on Windows.
    if "forkserver" in methods and len(tempfile.gettempdir().encode()) <= _FORKSERVER_TMP_MAX:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["zhenggai.checking.files"])
        return ctx
    return mp.get_context("spawn")  # Windows; a long temporary path


# --- the worker ---------------------------------------------------------------------------


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    with contextlib.suppress(ValueError, OSError):
        old_hard = resource.getrlimit(kind)[1]
        if hard is None:
            hard = old_hard
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(kind, (soft, hard))


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _address_space() -> int:
    """This process's virtual address space in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker(conn: Connection, fn: Callable[..., Any], limits: Limits) -> None:
    """Run jobs from ``conn`` until it closes; each reply is the pickled result or a crash."""
    if resource is not None:
        _limit(resource.RLIMIT_CORE, 0, 0)  # an abort must not leave a core file behind
        # On top of what the worker already maps: a worker forked from a parent that imported
        # numpy/pandas starts with a large address space (OpenBLAS reserves its buffers), and a
        # bare limit would then fail every file, not only the one that eats memory.
        _limit(resource.RLIMIT_AS, _address_space() + limits.memory_mb * _MB)
    if faulthandler.is_enabled():
        faulthandler.disable()  # inherited (pytest enables it): an abort is reported by the parent
    # A Rust panic prints its message (and a backtrace) on stderr before Python sees it:
    # the finding says what happened, the user's terminal does not need the rest.
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        index, args = job
        if resource is not None:
            used = int(_cpu_used()) + 1
            _limit(resource.RLIMIT_CPU, used + limits.cpu_s, used + limits.cpu_s + 5)
        conn.send_bytes(_run_one(fn, index, args, limits))


def _run_one(fn: Callable[..., Any], index: int, args: tuple[Any, ...], limits: Limits) -> bytes:
    try:
        data = pickle.dumps((index, fn(*args), None), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = b""
        reason = f"读取时占用内存超过 {limits.memory_mb} MB"
    except BaseException as exc:  # the boundary: whatever a job raises is reported
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        data = b""
        reason = f"读取时出错：{type(exc).__name__}"
    else:
        if len(data) <= limits.output_mb * _MB:
            return data
        reason = f"读取结果大得异常，超过 {limits.output_mb} MB"
    del data
    return pickle.dumps((index, None, reason), protocol=pickle.HIGHEST_PROTOCOL)


# --- the parent ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Slot:
    proc: Any
    conn: Connection
    key: tuple[Any, Limits]
    job: int | None = None
    started: float = 0.0


# A long-running process (``zhenggai serve``) keeps idle workers for the next check instead
# of starting new ones each time: an upload is then checked in a worker at the cost of a
# pipe round trip. A command-line run does not (its workers end with it).
_idle: list[_Slot] = []
_idle_lock = threading.Lock()
_keep = {"on": False}


def keep_workers(on: bool = True) -> None:
    """Keep idle workers between runs (a server); they end with the process."""
    _keep["on"] = on


def _start(ctx: Any, fn: Callable[..., Any], limits: Limits) -> _Slot:
    key = (fn, limits)
    with _idle_lock:
        while _idle:
            slot = _idle.pop()
            if slot.key == key and slot.proc.is_alive():
                return slot
            _stop([slot])
    parent, child = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=_worker, args=(child, fn, limits), daemon=True, name="zhenggai-reader")
    proc.start()
    child.close()
    return _Slot(proc, parent, key)


def _release(slots: list[_Slot]) -> None:
    """Keep healthy idle workers (when a server asked for it), stop the others."""
    if not _keep["on"]:
        _stop(slots)
        return
    with _idle_lock:
        for slot in slots:
            if slot.job is None and slot.proc.is_alive() and len(_idle) < pool_size(1 << 10):
                _idle.append(slot)
            else:
                _stop([slot])


def _death_reason(slot: _Slot, limits: Limits) -> str:
    slot.proc.join(5)
    code = slot.proc.exitcode
    if code is not None and code < 0:
        return signal_reason(-code, limits)
    return f"读取程序异常退出，退出码 {code}"


def run_jobs(
    fn: Callable[..., R],
    jobs: Sequence[tuple[Any, ...]],
    *,
    workers: int = 1,
    limits: Limits | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[R | Crash[R]]:
    """``fn(*job)`` for every job, in worker processes; results in job order.

    A job whose worker dies, breaks a limit or raises gives a :class:`Crash` in its place;
    the other jobs go on. ``on_done(i)`` is called as job ``i`` finishes (any order).
    ``fn`` must be importable by name where workers are spawned (Windows, threaded
    processes): a module-level function.
    """
    limits = limits or Limits.from_env()
    ctx = _context()
    results: list[Any] = [_MISSING] * len(jobs)
    pending = deque(range(len(jobs)))
    slots: list[_Slot] = []
    try:
        while pending or slots:
            busy = sum(1 for s in slots if s.job is not None)
            while len(slots) < min(workers, busy + len(pending)):
                slots.append(_start(ctx, fn, limits))
            for slot in slots:
                if slot.job is None and pending:
                    slot.job, slot.started = pending.popleft(), time.monotonic()
                    slot.conn.send((slot.job, jobs[slot.job]))
            if not any(s.job is not None for s in slots):
                break
            for job in _collect(slots, results, limits):
                if on_done is not None:
                    on_done(job)
    finally:
        _release(slots)
    return results


_MISSING: Any = object()


def _collect(slots: list[_Slot], results: list[Any], limits: Limits) -> list[int]:
    """Wait for busy workers: a result, a death, or a wall-clock timeout. Dead workers
    leave ``slots`` (the caller starts new ones); returns the jobs that finished."""
    busy = [s for s in slots if s.job is not None]
    timeout = max(0.0, min(s.started + limits.wall_s for s in busy) - time.monotonic())
    ready = set(wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout))
    done: list[int] = []
    for slot in busy:
        outcome: Any = _MISSING
        if slot.conn in ready:
            with contextlib.suppress(EOFError, OSError):
                _, value, reason = pickle.loads(slot.conn.recv_bytes())
                outcome = value if reason is None else Crash(reason)
        # A worker ends only in the middle of a job (between jobs it waits on its pipe), so an
        # ended process or a pipe that closes without a reply is this job's doing.
        dead = outcome is _MISSING and (slot.conn in ready or slot.proc.sentinel in ready)
        if dead:
            outcome = Crash(_death_reason(slot, limits))
        elif outcome is _MISSING and time.monotonic() - slot.started > limits.wall_s:
            slot.proc.kill()
            slot.proc.join(5)
            outcome = Crash(timeout_reason(limits))
        if outcome is _MISSING:
            continue
        results[slot.job] = outcome  # type: ignore[index]
        done.append(slot.job)  # type: ignore[arg-type]
        slot.job = None
        if not slot.proc.is_alive():
            slot.conn.close()
            slots.remove(slot)
    return done


def _stop(slots: list[_Slot]) -> None:
    for slot in slots:
        if slot.job is not None:
            slot.proc.kill()  # interrupted mid-job (Ctrl-C): its answer is not wanted
        with contextlib.suppress(OSError, BrokenPipeError):
            slot.conn.send(None)
    for slot in slots:
        slot.proc.join(2)
        if slot.proc.is_alive():
            slot.proc.kill()
            slot.proc.join(2)
        slot.conn.close()


# --- a supervised CLI run (cli/supervise.py) ---------------------------------------------
#
# A command-line run reads a single file in process (sending a 100,000-row result back from
# a worker would cost more than reading it), but not unguarded: the run itself is a forked
# child of a small supervisor. Before each file it writes the file's path to the
# supervisor ("breadcrumbs"); if it dies reading one, the supervisor runs the command
# again with that file known as crashed, and the finding names it.

_CRUMB_START, _CRUMB_END = b"S", b"E"
# Calamine opens the file before its zip guard has finished measuring it (reader._read_aside)
# / the guard has passed it: a crash in between reads the file again, guard first.
_CRUMB_EARLY, _CRUMB_GUARDED = b"U", b"G"
_state: dict[str, Any] = {"fd": None, "known": {}, "limits": None}


def become_supervised(fd: int, known: dict[str, str], limits: Limits) -> None:
    """In the forked child: report to ``fd``; ``known`` maps paths that crashed to why."""
    os.environ[SUPERVISED_ENV] = str(os.getpid())
    _state.update(fd=fd, known=dict(known), limits=limits)
    if resource is not None:
        _limit(resource.RLIMIT_CORE, 0, 0)
        _limit(resource.RLIMIT_AS, _address_space() + limits.memory_mb * _MB)  # as in _worker


def known_crash(shown: str) -> str | None:
    """Why reading the file shown as ``shown`` crashed an earlier attempt of this run, or None.

    Files are known by the name shown for them (``收件.zip › 谷城县.xlsx``), not their path:
    a member of an archive is extracted to a new temporary folder on every attempt.
    """
    known: dict[str, str] = _state["known"]
    return (known.get(shown) or None) if known else None  # "": crashed unguarded (see early_open)


def early_open(shown: str) -> bool:
    """Whether calamine may open and read the file shown as ``shown`` while its guards still
    measure it on the second CPU (reader._read_aside): only in a supervised run, where a crash
    or a memory blow-up in calamine ends this attempt and the supervisor reads the file again
    with the guards first (:func:`unguarded`), so that a bomb gets the finding it gets
    anywhere; and not on that second reading. Never where no supervisor watches (Windows, the web, the
    library, ``ZHENGGAI_ISOLATION=off``, reading workers)."""
    return _state["fd"] is not None and supervised() and shown not in _state["known"]


def unguarded(on: bool) -> None:
    """Tell the supervisor that calamine now works on the current file before its zip guard
    has passed it (``on``), or that the guard has answered (a no-op when not supervised)."""
    fd = _state["fd"]
    if fd is not None and supervised():
        os.write(fd, _CRUMB_EARLY if on else _CRUMB_GUARDED)


@contextlib.contextmanager
def reading(shown: str) -> Iterator[None]:
    """Around an in-process read: tell the supervisor, limit CPU, keep Rust's panic text off
    the terminal (a panic is caught and becomes a finding). A no-op when not supervised."""
    fd = _state["fd"]
    if fd is None or not supervised():
        yield
        return
    limits: Limits = _state["limits"]
    name = shown.encode("utf-8", "surrogateescape")
    os.write(fd, _CRUMB_START + len(name).to_bytes(4, "little") + name)
    if resource is not None:
        used = int(_cpu_used()) + 1
        _limit(resource.RLIMIT_CPU, used + limits.cpu_s, used + limits.cpu_s + 5)
    saved = os.dup(2)
    try:
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.write(fd, _CRUMB_END)


def read_crumbs(buffer: bytearray) -> tuple[list[str | bool | None], bytearray]:
    """Parse what a supervised child wrote: the path it started (str), None for "done", True
    for "calamine works on it before its zip guard has passed it", False for "guard passed"."""
    events: list[str | bool | None] = []
    marks = {_CRUMB_END: None, _CRUMB_EARLY: True, _CRUMB_GUARDED: False}
    while buffer:
        if bytes(buffer[:1]) in marks:
            events.append(marks[bytes(buffer[:1])])
            buffer = buffer[1:]
            continue
        if len(buffer) < 5:
            break
        size = int.from_bytes(buffer[1:5], "little")
        if len(buffer) < 5 + size:
            break
        events.append(bytes(buffer[5:5 + size]).decode("utf-8", "surrogateescape"))
        buffer = buffer[5 + size:]
    return events, buffer


def signal_reason(sig: int, limits: Limits) -> str:
    """Why a reader died of ``sig``, in Chinese."""
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = f"信号 {sig}"
    return _SIGNAL_REASONS.get(name, "读取程序异常终止：{sig}").format(cpu=limits.cpu_s, sig=name)


def timeout_reason(limits: Limits) -> str:
    """Why a reader that was killed for taking too long gave nothing."""
    return f"读取超过 {limits.wall_s:.0f} 秒仍未完成"


def in_worker() -> bool:
    """Whether this process is a reader worker (nested pools are not started from one)."""
    return mp.current_process().name.startswith("zhenggai-reader")


__all__ = ["Crash", "Limits", "available", "become_supervised", "cpus_busy", "early_open", "in_worker",
           "keep_workers", "known_crash", "pool_size", "read_crumbs", "reading", "run_jobs",
           "running_others", "signal_reason", "supervised", "timeout_reason", "unguarded"]
