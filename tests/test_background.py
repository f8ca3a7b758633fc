"""core/background.py: a step computed in a forked child gives what it gives in process."""

from __future__ import annotations

import os
import signal

import pytest

from zhenggai.core.background import can_fork, start

needs_fork = pytest.mark.skipif(not can_fork(), reason="no fork here (Windows, one CPU, or threads running)")


def _where_and_sum(parent: int, numbers: list[int]) -> tuple[bool, int]:
    return os.getpid() != parent, sum(numbers)


@needs_fork
def test_the_result_comes_from_a_child() -> None:
    job = start(_where_and_sum, os.getpid(), list(range(1000)))
    assert job.result() == (True, 499500)
    assert job.result() == (True, 499500)  # asked twice: the same value, the child is gone


def test_off_computes_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGGAI_BACKGROUND", "off")
    assert start(_where_and_sum, os.getpid(), [1, 2]).result() == (False, 3)


def _dies_in_a_child(parent: int) -> int:
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer or a crash would do
    return 42


@needs_fork
def test_a_child_that_dies_is_replaced_by_computing_here() -> None:
    assert start(_dies_in_a_child, os.getpid()).result() == 42


def _fails(parent: int) -> int:
    raise ValueError(f"failed in {'a child' if os.getpid() != parent else 'the parent'}")


@needs_fork
def test_an_error_is_raised_as_in_process() -> None:
    with pytest.raises(ValueError, match="failed in the parent"):
        start(_fails, os.getpid()).result()


@needs_fork
def test_cancel_stops_a_child_nobody_waits_for() -> None:
    job = start(signal.pause)  # never returns
    pid = job._pid
    assert pid is not None
    job.cancel()
    with pytest.raises(ChildProcessError):  # killed and reaped: no zombie left behind
        os.waitpid(pid, os.WNOHANG)
