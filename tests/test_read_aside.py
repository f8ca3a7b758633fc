"""A big .xlsx is scanned in a forked child while calamine reads it (reader._read_aside, issue 22).

What is read must not depend on it: every book, hostile ones included, is the same as when
the scans run in this process; the sheets are guarded before calamine reads them; a child
that fails is replaced by the scans here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from builders import make_xlsxwriter_book, messy_workbook
from test_hostile import CHILD_ONLY, REFUSED, files  # noqa: F401 - the hostile files, built once
from zhenggai.intake import reader, second_cpu
from zhenggai.intake.reader import Book, read_book


def _unusual(tmp_path: Path) -> list[Path]:
    """Workbooks holding what only the scans see: formulas without a value, error values,
    hidden rows and columns, number formats, struck text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "附件1"
    for r in range(1, 40):
        ws.append([r, f"问题{r}", f"措施{r}", "是", datetime(2022, 6, r % 28 + 1), "张三"])
    ws["G2"], ws["G3"] = "=A2+1", "=SUM(A1:A3)"
    ws.row_dimensions[5].hidden = True
    ws.column_dimensions["F"].hidden = True
    ws["C7"].font = Font(strike=True)
    ws["E8"].number_format = 'yyyy"年"m"月"'
    ws["A9"].number_format = '0.00,"万"'
    wb.save(tmp_path / "unusual.xlsx")
    errors = make_xlsxwriter_book(tmp_path / "errors.xlsx", {"S": [[1]]}, formulas={"S": {
        "B1": ("=1/0", "#DIV/0!"), "C1": ("=NA()", "#N/A")}})
    return [tmp_path / "unusual.xlsx", errors, messy_workbook(tmp_path / "messy.xlsx")]


def _same(a: Book, b: Book) -> bool:
    return (a.findings, a.notes, a.fmt, a.sha256, a.saved) == (b.findings, b.notes, b.fmt, b.sha256, b.saved) and [
        (g.name, g.rows, sorted(g.merges), g.formulas_without_value, g.hidden, g.hidden_rows, g.hidden_cols,
         g.struck_rows, g.struck_cells) for g in a.grids
    ] == [(g.name, g.rows, sorted(g.merges), g.formulas_without_value, g.hidden, g.hidden_rows, g.hidden_cols,
           g.struck_rows, g.struck_cells) for g in b.grids]


def _aside(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """From now on every .xlsx is read aside; the list says whether each read started a child."""
    started: list[bool] = []
    real = second_cpu.start_telling

    def spy(compute: Callable[[Callable[[object], None]], object]) -> second_cpu.Pending | None:
        pending = real(compute)
        started.append(pending is not None)
        return pending

    monkeypatch.setattr(reader, "ASIDE_MIN", 0)
    monkeypatch.setattr(second_cpu, "available", lambda: True)
    monkeypatch.setattr(second_cpu, "start_telling", spy)
    return started


def test_the_scans_aside_read_every_book_the_same(tmp_path: Path, files: dict[str, Path],  # noqa: F811
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [*_unusual(tmp_path), *(files[n] for n in sorted(set(REFUSED) - CHILD_ONLY))]
    expected = [read_book(p) for p in paths]
    assert expected[0].grids[0].formulas_without_value and expected[0].grids[0].hidden_rows
    assert expected[0].grids[0].struck_cells and expected[1].grids[0].rows[0][1] == "#DIV/0!"
    started = _aside(monkeypatch)
    for p, want in zip(paths, expected, strict=True):
        assert _same(read_book(p), want), p.name
    assert len(started) >= 4 and all(started)  # the workbooks that pass the zip guard


def test_a_failed_child_is_replaced_by_the_scans_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unusual = _unusual(tmp_path)[0]
    want = read_book(unusual)
    started = _aside(monkeypatch)
    real = second_cpu.start_telling

    def dies(_compute: Callable[[Callable[[object], None]], object]) -> second_cpu.Pending | None:
        def crash(_tell: Callable[[object], None]) -> object:
            raise RuntimeError("the child fails")

        return real(crash)

    monkeypatch.setattr(second_cpu, "start_telling", dies)
    assert _same(read_book(unusual), want)
    assert started == [True]


_CHILD = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from zhenggai.intake import reader, second_cpu
    reader.ASIDE_MIN = 0
    second_cpu.available = lambda: True
    print(json.dumps({Path(p).name: [f.code for f in reader.read_book(Path(p)).findings] for p in sys.argv[1:]}))
""")


def test_the_sheets_are_guarded_before_calamine_reads_them(files: dict[str, Path]) -> None:  # noqa: F811
    # A cell at XFD1048576 makes calamine ask for 550 GB and abort: read aside in a child
    # process, so that a guard read too late would end only that process.
    names = sorted(CHILD_ONLY)
    proc = subprocess.run([sys.executable, "-c", _CHILD, *(str(files[n]) for n in names)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == {n: [REFUSED[n]] for n in names}


def test_a_spared_read_is_the_same_and_only_the_last_file_is_kept(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # spare_big_reads (the command line's validate): calamine's objects are not freed, the
    # book is the same; the next big file frees the previous one's.
    import python_calamine as pc

    paths = _unusual(tmp_path)
    expected = [read_book(p) for p in paths]
    started = _aside(monkeypatch)
    spared: list[object] = []
    monkeypatch.setattr(reader, "_spared", spared)
    monkeypatch.setattr(reader, "_sparing", [False])
    reader.spare_big_reads()
    for p, want in zip(paths, expected, strict=True):
        assert _same(read_book(p), want), p.name
        kinds = [type(o) for o in spared]
        assert kinds.count(pc.CalamineWorkbook) == 1 and pc.CalamineSheet in kinds, p.name
        assert len(spared) == 1 + len(want.grids)  # the workbook and each sheet read: this file's only
    assert all(started)
