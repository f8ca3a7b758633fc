"""CSV exports read as a one-sheet workbook (issue 18, class 5): "CSV (逗号分隔)" from Excel or
WPS in GBK or UTF-8 with a BOM, CRLF line ends, commas padding every row to the widest.
The encoding is decided by a rule and named in a warning; mojibake is an error."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

import zhenggai
from builders import GOOD_A2, GOOD_ROWS, Row, appendix1_rows, appendix2_rows, make_workbook
from zhenggai import Options
from zhenggai.intake.csvfile import decode, mojibake

OPTS = Options(as_of=date(2022, 9, 1))


def export(path: Path, rows: list[Row], encoding: str, *, bom: bool = False, pad: bool = True,
           crlf: bool = True) -> Path:
    """What Excel/WPS write for "CSV (逗号分隔)": every row padded with commas to the widest."""
    width = max(len(r) for r in rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    for r in rows:
        cells = ["" if v is None else v for v in r]
        writer.writerow(cells + ([""] * (width - len(cells)) if pad else []))
    data = buf.getvalue().encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


@pytest.mark.parametrize(("encoding", "bom", "pad", "crlf", "named"), [
    ("gbk", False, True, True, "GBK"),
    ("gb18030", False, False, False, "GBK"),
    ("utf-8", True, True, True, "UTF-8（带 BOM）"),
    ("utf-8", False, True, False, "UTF-8"),
    ("utf-16", False, True, True, "UTF-16"),
])
def test_a_csv_export_reads_like_the_workbook(tmp_path: Path, encoding: str, bom: bool, pad: bool, crlf: bool,
                                              named: str) -> None:
    a1 = appendix1_rows([list(r) for r in GOOD_ROWS])
    a2 = appendix2_rows(list(GOOD_A2))
    export(tmp_path / "csv" / "谷城县附件1.csv", a1, encoding, bom=bom, pad=pad, crlf=crlf)
    export(tmp_path / "csv" / "谷城县附件2.csv", a2, encoding, bom=bom, pad=pad, crlf=crlf)
    make_workbook(tmp_path / "xlsx" / "谷城县.xlsx", {"附件1": a1, "附件2": a2})
    validated = zhenggai.validate([tmp_path / "csv"], OPTS)
    report, results = validated.report, validated.files
    expected = zhenggai.validate([tmp_path / "xlsx"], OPTS).files
    assert [(f.code, f.severity.value) for f in report.findings()] == [("csv-read", "warning")] * 2
    assert all(named in f.message for f in report.findings())
    got_items = [(it.row, it.done, it.deadline) for r in results for t in r.tables_of("appendix1") for it in t.items]
    want_items = [(it.row, it.done, it.deadline) for r in expected for t in r.tables_of("appendix1") for it in t.items]
    assert got_items == want_items
    got = [s.numbers for r in results for t in r.tables_of("appendix2") for s in t.counties.values()]
    want = [s.numbers for r in expected for t in r.tables_of("appendix2") for s in t.counties.values()]
    assert got == want
    assert [r.county for r in results] == ["谷城县", "谷城县"]


@pytest.mark.parametrize("garble", [
    lambda t: t.encode("utf-8").decode("latin-1").encode("utf-8"),  # opened as Latin-1, saved as UTF-8
    lambda t: t.encode("utf-8").decode("cp1252", "replace").encode("utf-8"),
    lambda t: t.encode("utf-8").decode("gbk", "replace").encode("gbk", "replace"),  # 锟斤拷 and friends
    lambda t: ("锟斤拷" + t).encode("gbk"),
])
def test_mojibake_is_an_error(tmp_path: Path, garble: object) -> None:
    text = "\r\n".join(",".join("" if v is None else str(v) for v in r)
                       for r in appendix1_rows([list(r) for r in GOOD_ROWS]))
    path = tmp_path / "谷城县附件1.csv"
    path.write_bytes(garble(text))  # type: ignore[operator]
    validated = zhenggai.validate([path], OPTS)
    report, results = validated.report, validated.files
    assert [(f.code, f.severity.value) for f in report.findings()] == [("csv-encoding", "error")]
    assert not results[0].tables


def test_bytes_that_are_neither_utf8_nor_gbk_are_refused(tmp_path: Path) -> None:
    data = "序号,问题描述\r\n".encode("gbk") + b"1,\x80\xff\r\n"
    assert decode(data) is None
    path = tmp_path / "谷城县附件1.csv"
    path.write_bytes(data)
    report = zhenggai.validate([path], OPTS).report
    assert [f.code for f in report.findings()] == ["csv-encoding"]


def test_text_with_the_form_words_is_not_mojibake() -> None:
    assert mojibake("序号,问题描述,整改措施\r\n1,问题,措施") is None


def test_plain_text_without_the_form_is_no_table(tmp_path: Path) -> None:
    path = tmp_path / "说明.csv"
    path.write_text("这是说明,没有表格\r\n", encoding="gbk")
    report = zhenggai.validate([path], OPTS).report
    assert sorted(f.code for f in report.findings()) == ["csv-read", "no-table"]
