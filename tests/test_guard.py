"""The four ways one malformed file used to take a run down (issue 23), each built in code.

- a cell reference past Excel's limits made calamine allocate the whole sheet and abort
  the process (SIGABRT: no output at all, and ``serve`` died with it);
- a truncated .xls made calamine panic: pyo3's ``PanicException`` is a BaseException, so
  it escaped every ``except Exception`` as a raw traceback;
- a far-out saved time (core.xml, OLE FILETIME) raised OverflowError: 内部错误, exit 2;
- a zip entry flagged "strong encryption" raised NotImplementedError from zipfile.

Every one is now a ``file-unreadable`` finding naming the file (or, for the saved time,
a note), and the run goes on with the other files. The CLI runs in a child process here,
so that a regression aborts the child, not the test run.
"""

from __future__ import annotations

import json
import re
import struct
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import GOOD_ROWS, appendix1_rows, make_workbook, rewrite_zip
from programs import run_zhenggai
from zhenggai import FileResult
from zhenggai.checking.versions import decide_files
from zhenggai.intake import guard, sniff
from zhenggai.intake.reader import read_book

SHEET1 = "xl/worksheets/sheet1.xml"
CRASHES = Path(__file__).parent / "crashes"
UNREADABLE = "文件已损坏或含有异常内容，无法读取"


@pytest.fixture(scope="module")
def reply(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workbook(tmp_path_factory.mktemp("reply") / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})


def _sheet_edit(src: Path, dst: Path, edit: object) -> Path:
    return rewrite_zip(src, dst, {SHEET1: edit})  # type: ignore[dict-item]


def _validate_json(*paths: Path) -> tuple[int, dict[str, object], str]:
    proc = run_zhenggai("validate", *map(str, paths), "--format", "json", "--as-of", "2022-07-15")
    assert "Traceback" not in proc.stderr and "内部错误" not in proc.stdout + proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def _codes(report: dict[str, object], name: str) -> list[str]:
    files = report["files"]
    assert isinstance(files, list)
    entry = next(f for f in files if f["path"].endswith(name))
    return [x["code"] for x in entry["findings"]]


def _first_ref(data: bytes, new: bytes) -> bytes:
    return re.sub(rb'r="A5"', b'r="' + new + b'"', data, count=1)


REFS = {
    "A99999999": lambda d: _first_ref(d, b"A99999999"),  # the case: 41 GB, abort
    "A1048577": lambda d: _first_ref(d, b"A1048577"),  # one row past the last
    "XFE5": lambda d: _first_ref(d, b"XFE5"),  # one column past XFD
    "AAAA5": lambda d: _first_ref(d, b"AAAA5"),
    "zz99999": lambda d: _first_ref(d, b"zz99999"),  # calamine reads lower case: 702 × 99,999 cells
    "row-r": lambda d: d.replace(b'<row r="5"', b'<row r="99999999"', 1),
    "dimension": lambda d: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:N99999999"/>', d),
    "mergeCell": lambda d: d.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:A99999999"/></mergeCells>', 1),
}


@pytest.mark.parametrize("case", sorted(REFS))
def test_a_reference_past_excels_limits_is_refused_before_calamine(reply: Path, tmp_path: Path, case: str) -> None:
    bad = _sheet_edit(reply, tmp_path / f"{case}.xlsx", REFS[case])
    book = read_book(bad)
    assert [f.code for f in book.findings] == ["file-unreadable"], book.findings
    assert "附件1" in book.findings[0].message  # names the sheet


def test_validate_and_merge_go_on_past_a_file_that_used_to_abort(reply: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    _sheet_edit(reply, inbox / "保康县.xlsx", REFS["A99999999"])
    good = make_workbook(inbox / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    rc, report, _ = _validate_json(inbox)
    assert rc == 1
    assert _codes(report, "保康县.xlsx") == ["file-unreadable"]
    assert "file-unreadable" not in _codes(report, good.name)
    proc = run_zhenggai("merge", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--format", "json",
                        "--as-of", "2022-07-15")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert (tmp_path / "汇总.xlsx").exists()


def test_a_truncated_xls_that_makes_calamine_panic_is_a_finding() -> None:
    # A .xls written by LibreOffice from the test reply, cut after 5,120 bytes: calamine's
    # compound-file reader sliced past the end and panicked (pyo3 PanicException); now
    # guard.ole_problem sees the directory sector past the end of the file first.
    path = CRASHES / "xls-truncated-sector-past-end-panics.xls"
    book = read_book(path)
    assert [f.code for f in book.findings] == ["file-unreadable"]
    assert UNREADABLE in book.findings[0].message


def test_a_panic_in_the_native_reader_is_a_finding(reply: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pyo3's PanicException derives from BaseException: ``except Exception`` misses it.
    from zhenggai.intake import reader

    panic = type("PanicException", (BaseException,), {})

    def boom(*_: object) -> object:
        raise panic("slice index starts at 5120 but ends at 4608")

    monkeypatch.setattr(reader, "_open_calamine", boom)
    book = read_book(reply)
    assert [f.code for f in book.findings] == ["file-unreadable"]
    assert "PanicException" in book.findings[0].message
    monkeypatch.setattr(reader, "_open_calamine", lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        read_book(reply)


def test_a_panic_is_told_from_an_interrupt() -> None:
    panic = type("PanicException", (BaseException,), {})
    assert guard.is_panic(panic("boom"))
    assert not guard.is_panic(KeyboardInterrupt())


def _core_modified(value: bytes) -> object:
    return lambda d: re.sub(rb"(<dcterms:modified[^>]*>)[^<]*<", rb"\g<1>" + value + b"<", d)


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59Z"])
def test_an_impossible_saved_time_is_ignored_with_a_note(reply: Path, tmp_path: Path, stamp: str) -> None:
    bad = rewrite_zip(reply, tmp_path / "谷城县.xlsx", {"docProps/core.xml": _core_modified(stamp.encode())})
    rc, report, _ = _validate_json(bad)
    assert rc == 0
    assert "saved-time-ignored" in _codes(report, bad.name)
    assert sniff.saved_time(bad, "xlsx") is None


def test_an_ole_filetime_past_the_calendar_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from zhenggai.intake import xls

    # A SummaryInformation property set holding one property, PIDSI_LASTSAVE_DTM = 0xFFFF…:
    # 58,000 years after 1601.
    section = struct.pack("<II", 24, 1) + struct.pack("<II", 13, 16) + struct.pack("<III", 64, 2**32 - 1, 2**32 - 1)
    stream = b"\0" * 44 + struct.pack("<I", 48) + section
    monkeypatch.setattr(xls, "stream", lambda *_: stream)
    path = tmp_path / "x.xls"
    path.write_bytes(b"")
    when, note = sniff.saved_time_noted(path, "xls")
    assert when is None and note is not None and "FILETIME" in note


def test_file_system_times_past_the_calendar_do_not_break_the_version_choice(tmp_path: Path) -> None:
    a = FileResult(tmp_path / "谷城县.xlsx", "谷城县.xlsx", mtime=1e20)
    b = FileResult(tmp_path / "谷城县(1).xlsx", "谷城县(1).xlsx", mtime=1.0)
    best, reasons, doubtful = decide_files([a, b])
    assert best == 0 and doubtful and "无法识别的时间" in reasons[1]


def _flag(src: Path, dst: Path, bit: int, member: bytes | None = None) -> Path:
    """Set a general-purpose flag bit on the members' local and central headers."""
    data = bytearray(src.read_bytes())
    for sig, flag_at, name_len_at, head in ((b"PK\x01\x02", 8, 28, 46), (b"PK\x03\x04", 6, 26, 30)):
        i = data.find(sig)
        while i >= 0:
            n = int.from_bytes(data[i + name_len_at:i + name_len_at + 2], "little")
            if member is None or bytes(data[i + head:i + head + n]) == member:
                flags = int.from_bytes(data[i + flag_at:i + flag_at + 2], "little") | bit
                data[i + flag_at:i + flag_at + 2] = flags.to_bytes(2, "little")
            i = data.find(sig, i + 1)
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("member", [None, b"xl/workbook.xml", b"docProps/core.xml", SHEET1.encode()])
def test_a_strong_encryption_flag_is_unreadable_not_an_internal_error(
    reply: Path, tmp_path: Path, member: bytes | None
) -> None:
    bad = _flag(reply, tmp_path / "保康县.xlsx", 0x40, member)
    book = read_book(bad)
    assert [f.code for f in book.findings] == ["file-unreadable"]
    assert UNREADABLE in book.findings[0].message


def test_strong_encryption_in_an_inbox_run(reply: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    _flag(reply, inbox / "保康县.xlsx", 0x40)
    make_workbook(inbox / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    rc, report, _ = _validate_json(inbox)
    assert rc == 1 and _codes(report, "保康县.xlsx") == ["file-unreadable"]
    proc = run_zhenggai("merge", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--as-of", "2022-07-15")
    assert proc.returncode == 1 and "内部错误" not in proc.stdout + proc.stderr


def test_a_merge_over_the_whole_sheet_is_cut_to_the_grid(reply: Path, tmp_path: Path) -> None:
    bad = _sheet_edit(reply, tmp_path / "x.xlsx", lambda d: d.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="B7:XFD1048576"/></mergeCells>', 1))
    book = read_book(bad)
    assert not book.findings
    grid = book.grids[0]
    ((r0, c0), (r1, c1)), = grid.merges
    assert (r0, c0) == (6, 1) and r1 == len(grid.rows) + 15 and c1 == max(map(len, grid.rows)) + 15


def test_merges_covering_the_grid_many_times_over_are_refused() -> None:
    rows: list[list[object]] = [[""] * 10 for _ in range(10)]
    assert guard.clip_merges([((0, 0), (9, 9))], rows) == [((0, 0), (9, 9))]
    assert guard.clip_merges([((0, 0), (10**6, 10**4))] * 2000, rows) is None


def test_a_normal_sheet_has_nothing_suspect(reply: Path) -> None:
    import zipfile

    with zipfile.ZipFile(reply) as zf:
        data = zf.read(SHEET1)
    assert not guard.suspect(data) and guard.out_of_limits(data) is None
    assert guard.out_of_limits(b'<c r="XFD1048576"/>') is None
    assert guard.out_of_limits(b'<pageMargins header="0.3" footer="0.3"/>') is None
    assert guard.out_of_limits(b'<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                               b'relationships" xmlns="x">') is None
    # Excel and XlsxWriter declare xmlns:r on every sheet: not a lower-case reference, so an
    # ordinary reply takes the quick scan; a real one (after white space) still counts.
    assert not guard.suspect(b'<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships" xmlns="x"><c r="A1"/>')
    assert guard.suspect(b'<worksheet xmlns:r="http://x"><c r="a1"/>') and guard.suspect(b'<c\tr="XFE1"/>')
    # Ranges: the usual ones pass at once; one past the limits anywhere is still found, even
    # inside another attribute that ends in "ref".
    assert guard.out_of_limits(b'<dimension ref="A1:K20"/><mergeCell ref="$B$2:C3"/>') is None
    assert guard.out_of_limits(b'<mergeCell ref="A1:XFD1048577"/>') == "XFD1048577"
    assert guard.out_of_limits(b'<mergeCell ref="a1:xfe2"/>') == "xfe2"
    assert guard.out_of_limits(b'<x xref="a b ref=\'XFE1\'"/>') == "XFE1"
    assert guard.out_of_limits(b'<x xref="XFE1"/>') is None


def test_a_reply_is_opened_once(reply: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kind, zip guard, scans, styles, saved time, digest and calamine share one read of the
    file and one parse of its zip directory (intake/package.py)."""
    import zipfile

    opened: list[object] = []
    real = zipfile.ZipFile

    def counting(*args: object, **kw: object) -> zipfile.ZipFile:
        opened.append(args[0])
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile, "ZipFile", counting)
    book = read_book(reply)
    assert not book.findings and book.grids and book.saved is not None
    assert len(opened) == 1
    import hashlib

    assert book.sha256 == hashlib.sha256(reply.read_bytes()).hexdigest()


def test_saved_time_in_the_future_is_impossible() -> None:
    assert sniff.saved_time_noted(Path("/nonexistent"), "xlsx") == (None, None)
    assert sniff._parse_iso("2022-07-01T09:00:00Z") == datetime(2022, 7, 1, 9, 0)


def test_a_number_cell_of_infinity_is_written_as_text_not_a_crash(tmp_path: Path) -> None:
    """Fuzz seed 2: a number cell 1e999 reads as infinity; validate reported it, but merge
    handed it to XlsxWriter's write_number (内部错误). It is written as text beside its finding."""
    import shutil
    import subprocess
    import sys

    crash = Path(__file__).resolve().parent / "crashes" / "xlsx-number-cell-1e999-infinity-merge-internal-error.xlsx"
    inbox = tmp_path / "收件"
    inbox.mkdir()
    shutil.copy(crash, inbox / crash.name)
    out = tmp_path / "汇总.xlsx"
    proc = subprocess.run([sys.executable, "-m", "zhenggai", "merge", str(inbox), "-o", str(out)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode in (0, 1) and out.exists(), proc.stderr
    assert "内部错误" not in proc.stderr


_REF_PARTS = st.tuples(st.sampled_from(["", "A", "G", "z", "AA", "ab", "XFD", "xfe", "ZZZZ", "$B", "Ab"]),
                       st.sampled_from(["", "1", "20", "99999", "100000", "153847", "1048576", "1048577", "99999999"]))
_TAGS = st.sampled_from(['<c r="{}"/>', "<c r='{}'/>", '<row r="{}">', '<c r="{}" t="s"><v>1</v></c>',
                         '<dimension ref="A1:{}"/>', '<mergeCell ref="{}:B2"/>', '<x header="{}"/>', "<c>{}</c>",
                         ' r="{}', 'xr="{}"'])


@settings(max_examples=400)
@given(st.lists(st.tuples(_TAGS, _REF_PARTS), max_size=12), st.sampled_from([guard.MAX_CELLS, 1_000, 40, 3_000_000]))
def test_one_pass_over_the_odd_references_gives_the_same_answers(parts: list[tuple[str, tuple[str, str]]],
                                                                 budget: int) -> None:
    # reader._guard_sheet looks only where guard.odd_refs found a reference out of the ordinary.
    data = "".join(tag.format(letters + digits) for tag, (letters, digits) in parts).encode()
    odd = guard.odd_refs(data)
    assert guard.out_of_limits(data, odd) == guard.out_of_limits(data)
    assert guard.used_range(data, budget, odd) == guard.used_range(data, budget)
