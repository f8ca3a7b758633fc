"""What a forked child sends back (intake/second_cpu.py, checking/rows.py): its result is
read whole or not at all, and whatever it sends that cannot be used, this process checks
those rows itself, with the findings and rows of a one-process run."""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic_core import PydanticCustomError

from builders import appendix1_rows, make_workbook
from zhenggai.checking import rows as row_rules
from zhenggai.checking.files import check_file
from zhenggai.core.kinds import TableKind
from zhenggai.core.results import Options
from zhenggai.intake import second_cpu


def test_a_value_told_before_the_child_dies_is_not_its_result() -> None:
    # The result's length is marked (second_cpu._RESULT): a child that told a value and then
    # died has no result, though the last value read was whole.
    def tells_then_dies(tell: Any) -> object:
        tell("有效的预告")
        os._exit(3)

    pending = second_cpu.start_telling(tells_then_dies)
    assert pending is not None
    assert pending.next() == (True, "有效的预告")
    assert pending.result() is None
    def tells_then_ends(tell: Any) -> object:
        tell("预告")
        return "结果"

    pending = second_cpu.start_telling(tells_then_ends)
    assert pending is not None
    assert pending.result() == "结果"
    assert pending.result() == "结果"  # the same answer again, and the child is reaped later
    second_cpu._reap()


def test_children_not_yet_reaped_are_reaped_when_this_process_ends() -> None:
    # A whole result is used without waiting for the child's exit; at this process's end
    # (_reap_all, an atexit function) it is still waited for, so its CPU time and memory count
    # as this process's children's (time, wait4, benchmarks/bench.py) and no zombie is left.
    import resource

    def children_cpu() -> float:
        use = resource.getrusage(resource.RUSAGE_CHILDREN)
        return use.ru_utime + use.ru_stime

    before = children_cpu()

    def busy() -> object:
        import time

        while time.process_time() < 0.2:  # its own CPU time (a forked child starts at 0), however busy the machine
            pass
        return "结果"

    pending = second_cpu.start(busy)
    assert pending is not None
    assert pending.result() == "结果"
    pid = pending.pid
    assert pid in second_cpu._exiting or children_cpu() > before
    second_cpu._reap_all()
    assert not second_cpu._exiting
    assert children_cpu() >= before + 0.15  # its CPU time counted (0.2 s of it)
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # reaped: nothing left of it
    else:
        raise AssertionError("the child was not reaped")


class _Dies:
    def __reduce__(self) -> Any:
        os._exit(4)  # the child dies while pickling its result: nothing of it is sent


def test_a_child_that_dies_while_sending_its_result_has_none() -> None:
    pending = second_cpu.start(lambda: [1, _Dies()])
    assert pending is not None
    assert pending.result() is None


ROWS = 120


def _table(tmp_path: Path) -> Path:
    rows: list[Sequence[Any]] = [[i + 1, f"问题{i}", f"已整改第{i}项", "否" if i % 3 else "是",
             ("2023-03-01", "2022-06-30", "2022-12-31")[i % 3], "张三" if i % 11 else "", "县商务局"]
            for i in range(ROWS)]
    return make_workbook(tmp_path / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows)})


def _raising_rule(row: Any, info: Any) -> Any:
    # A rule that raises on some rows: those rows lose their parsed values (None from
    # validate_rows, (None, None) in their items) and get the error's finding instead.
    if row.row % 7 == 0:
        raise PydanticCustomError("date-invalid", "无效")
    return row


def _forced(tmp_path: Path, monkeypatch: Any, block: int = 7) -> tuple[Path, Options, Any]:
    """The table, its one-process result with rows that fail their validator, and the second
    CPU forced on (the row model rebuilt with the raising rule, and rebuilt again after)."""
    monkeypatch.setitem(row_rules.MODEL_RULES, TableKind.APPENDIX1, (*row_rules.MODEL_RULES[TableKind.APPENDIX1],
                                                                      _raising_rule))
    row_rules.row_model.cache_clear()  # cleared again after the test
    row_rules._adapter.cache_clear()
    path = _table(tmp_path)
    opts = Options(as_of=date(2022, 9, 1))
    plain = check_file(path, opts)
    monkeypatch.setattr(second_cpu, "ROWS_MIN", 10)
    monkeypatch.setattr(row_rules, "_second_cpu", lambda: True)
    monkeypatch.setattr(row_rules, "BLOCK", block)
    return path, opts, plain


def _same(got: Any, plain: Any) -> None:
    assert got.findings == plain.findings
    assert [t.items for t in got.tables] == [t.items for t in plain.tables]


def test_rows_whose_validator_raised_come_back_from_the_child(tmp_path: Path, monkeypatch: Any) -> None:
    try:
        path, opts, plain = _forced(tmp_path, monkeypatch)
        items = plain.tables[0].items
        assert sum(1 for it in items if it.done is None) >= ROWS // 7
        assert sum(1 for f in plain.findings if f.code == "date-invalid") >= ROWS // 7
        sent: list[object] = []
        real = row_rules._received

        def seen(got: object, end: int, n: int) -> Any:
            sent.append(got)
            return real(got, end, n)

        monkeypatch.setattr(row_rules, "_received", seen)
        _same(check_file(path, opts), plain)
        child_rows = row_rules._received(sent[0], sent[0][0], ROWS)  # type: ignore[index]
        assert child_rows is not None and None in child_rows[0]  # the child had such rows
    finally:
        row_rules.row_model.cache_clear()
        row_rules._adapter.cache_clear()


def test_what_the_child_sends_that_cannot_be_used_is_checked_here(tmp_path: Path, monkeypatch: Any) -> None:
    try:
        path, opts, plain = _forced(tmp_path, monkeypatch)
        real = row_rules._checked

        def spoiled(how: str) -> Any:
            def checked(*args: Any) -> Any:
                first, blocks = real(*args)
                if how == "garbage":
                    return first, [*blocks[:-1], b"not a pickle"]
                if how == "short":
                    return first, blocks[1:]  # a block missing: fewer rows than it took
                if how == "shape":
                    return first, [pickle.dumps(([(True,)], []))]
                return first + 1, blocks  # other rows than those it took
            return checked

        for how in ("garbage", "short", "shape", "first"):
            monkeypatch.setattr(row_rules, "_checked", spoiled(how))
            _same(check_file(path, opts), plain)
    finally:
        row_rules.row_model.cache_clear()
        row_rules._adapter.cache_clear()


def test_the_last_blocks_are_smaller(monkeypatch: Any) -> None:
    # rows._size: BLOCK rows while many are left, a quarter of it for the last four blocks.
    monkeypatch.setattr(row_rules, "BLOCK", 100)
    meeting = second_cpu.Meeting(0, 1000)
    try:
        sizes = []
        while (block := meeting.front(row_rules._size(meeting))) is not None:
            sizes.append(block[1] - block[0])
        assert sizes == [100] * 6 + [25] * 16
    finally:
        meeting.close()
