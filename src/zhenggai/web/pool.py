"""The checks' worker pool: a fixed number of threads, and a fair queue between counties.

Every piece of library work a page needs (checking a county's files, comparing them,
the prefecture's overview and rollup) is a job with an *owner* (the county, or the
prefecture) and a *key* (what it computes). Workers take owners in turn, one job each:
a county that uploads five big workbooks queues five jobs behind its own name, and
another county's job is taken next, never after all five. A job already queued or
running under the same key is shared, not run twice (a clerk refreshing the page while
the check runs).

Pages whose results are already stored never enter the pool: the job runs only when the
store has no result, so one county's 150,000-row upload occupies one worker and other
counties' pages answer from the store at once.

The work itself goes through the library's ``zhenggai.validate`` / ``zhenggai.merge``,
which keep a file that crashes its parser to a finding; a job that raises anyway fails
only its own callers (the pool's thread carries on).

``serve`` runs the library work of each job behind the library's reader boundary
(:mod:`zhenggai.intake.boundary`, :meth:`CheckPool.run`): in a worker process with
memory, CPU and time limits, kept between jobs. The checks then use both cores instead of
sharing one interpreter lock with the pages, a big workbook's memory is the worker's, and
a parser that aborts ends only its worker: the job gets a :class:`WorkerDied`, which a
check turns into a ``file-unreadable`` finding. The threads keep the fair queue and the
store writes; in-process tests run the work in the threads themselves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
DEFAULT_WORKERS = 2  # the intake runs on a small office machine; checks are CPU-bound


class WorkerDied(RuntimeError):
    """The worker process doing a job ended without a result (a crash in a parser, a limit)."""


@dataclass
class _Job:
    key: str
    fn: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)


class CheckPool:
    """A bounded pool of worker threads taking jobs round-robin by owner."""

    def __init__(self, workers: int = DEFAULT_WORKERS, isolate: bool = False) -> None:
        self.workers = max(1, workers)
        self.isolate = isolate
        self._queues: OrderedDict[str, deque[_Job]] = OrderedDict()  # owner → its jobs; order = turn
        self._pending: dict[str, _Job] = {}  # key → job queued or running
        self._cv = threading.Condition()
        self._closed = False
        self.busy = 0
        self._threads = [threading.Thread(target=self._work, name=f"zhenggai-check-{i}", daemon=True)
                         for i in range(self.workers)]
        for t in self._threads:
            t.start()

    def submit(self, owner: str, key: str, fn: Callable[[], T]) -> Future[T]:
        """Queue ``fn`` under ``owner``; the future of the same ``key`` when one is pending."""
        with self._cv:
            job = self._pending.get(key)
            if job is not None:
                return job.future
            if self._closed:
                raise RuntimeError("pool closed")
            job = _Job(key, fn)
            self._pending[key] = job
            self._queues.setdefault(owner, deque()).append(job)
            self._cv.notify()
            return job.future

    def call(self, owner: str, key: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` in the pool and wait for it (from a request's thread)."""
        if threading.current_thread() in self._threads:
            return fn()  # a job needing another job: run it here rather than wait on itself
        result: T = self.submit(owner, key, fn).result()
        return result

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Do a job's library work: behind the reader boundary when the pool isolates, else here.

        ``fn`` and ``args`` cross to the worker by pickling (a module-level function, plain data).
        """
        from zhenggai.intake import boundary

        if not self.isolate or not boundary.available() or boundary.in_worker():
            return fn(*args)
        result = boundary.run_jobs(fn, [args])[0]
        if isinstance(result, boundary.Crash):
            raise WorkerDied(result.reason)
        return result

    def queued(self) -> int:
        """Jobs waiting (not running)."""
        with self._cv:
            return sum(len(q) for q in self._queues.values())

    def _next(self) -> _Job | None:
        with self._cv:
            while not self._closed and not self._queues:
                self._cv.wait()
            if not self._queues:
                return None
            owner, queue = next(iter(self._queues.items()))
            job = queue.popleft()
            del self._queues[owner]
            if queue:
                self._queues[owner] = queue  # back of the line: the other owners go first
            self.busy += 1
            return job

    def _work(self) -> None:
        while (job := self._next()) is not None:
            try:
                if job.future.set_running_or_notify_cancel():
                    try:
                        job.future.set_result(job.fn())
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller, who logs it
                        job.future.set_exception(exc)
            finally:
                with self._cv:
                    self.busy -= 1
                    self._pending.pop(job.key, None)

    def close(self) -> None:
        """Stop taking jobs; workers finish the running ones and exit."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
