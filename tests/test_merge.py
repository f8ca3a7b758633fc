"""merge: a prefecture rollup that loses nothing and counts nothing twice."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

import zhenggai
from builders import A1_HEADERS, GOOD_A2, GOOD_ROWS, HEADER_ROW, Row, appendix1_rows, appendix2_rows, make_workbook
from programs import run_zhenggai
from zhenggai import MergeOptions, Options, Status
from zhenggai.cli.app import app

AS_OF = date(2022, 9, 1)
OPTS = MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市", expect=("枣阳市", "保康县", "谷城县"))


def rows_for(county: str, n: int, done: int) -> list[Row]:
    return [
        [i + 1, f"{county}问题{i + 1}", f"投入{i + 1}万元，新建站点{i + 1}个", "是" if i < done else "否",
         "2022-06-30" if i < done else "2022-12-31", "张三", f"{county}商务局"]
        for i in range(n)
    ]


def a2_for(county: str, n: int, done: int, **numbers: Any) -> Row:
    values = [county, n, done, n - done, 10.5, 0, 1, 2, 0, 3, 4, 1, None]
    return values


def county_files(folder: Path, county: str, n: int, done: int, a2: Row | None = None) -> None:
    make_workbook(folder / f"{county}-附件1.xlsx", {"附件1": appendix1_rows(rows_for(county, n, done), county=county)})
    make_workbook(folder / f"{county}-附件2.xlsx",
                  {"附件2": appendix2_rows(a2 or a2_for(county, n, done), county=county)})


def sheet(path: Path, name: str) -> Worksheet:
    ws = openpyxl.load_workbook(path)[name]
    assert isinstance(ws, Worksheet)
    return ws


def table(ws: Worksheet) -> list[dict[str, Any]]:
    """Rows under the header as dicts, as a clerk reads the rollup (not the 联系人 line under it)."""
    # Headers print with line breaks ("追回企业资金" / "（万元）"); a reader sees them whole.
    header = [str(c.value or "").replace("\n", "") for c in ws[HEADER_ROW + 1]]
    out = []
    for row in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True):
        if any(v is not None for v in row) and not str(row[0] or "").startswith("联系人："):
            out.append(dict(zip(header, row, strict=False)))
    return out


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "收件"
    county_files(folder, "枣阳市", 5, 3)
    county_files(folder / "子文件夹", "谷城县", 3, 1)
    # one county sends a single workbook with both tables
    make_workbook(folder / "保康县报送.xlsx", {
        "整改清单": appendix1_rows(rows_for("保康县", 4, 4), county="保康县"),
        "统计表": appendix2_rows(a2_for("保康县", 4, 4), county="保康县"),
    })
    (folder / "~$枣阳市-附件1.xlsx").write_bytes(b"lock")
    (folder / "说明.txt").write_text("各县报送材料", encoding="utf-8")
    return folder


def test_rows_in_equal_rows_out_per_county(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "襄阳市汇总.xlsx"
    result = zhenggai.merge([inbox], OPTS, out)
    counties = {c.county: c for c in result.rollup.counties}
    assert {k: (c.status.label, c.rows_read, c.rows_written) for k, c in counties.items()} == {
        "枣阳市": ("已报送", 5, 5), "保康县": ("已报送", 4, 4), "谷城县": ("已报送", 3, 3),
    }
    items = table(sheet(out, "整改清单汇总"))
    per_county = {k: sum(1 for r in items if r["县（市、区）"] == k) for k in counties}
    assert per_county == {"枣阳市": 5, "保康县": 4, "谷城县": 3}
    assert {r["问题描述（按反馈问题清单填报）"] for r in items} == {
        f"{c}问题{i}" for c, n in (("枣阳市", 5), ("保康县", 4), ("谷城县", 3)) for i in range(1, n + 1)
    }
    first_at = next(i for i, r in enumerate(items) if r["问题描述（按反馈问题清单填报）"] == "谷城县问题1")
    first = items[first_at]
    assert first["完成时限"].date() == date(2022, 6, 30)
    # The stamped 附件1 carries the official columns only; where each row came from is on 核对底稿.
    assert list(first) == ["县（市、区）", *A1_HEADERS]
    (work,) = [r for r in table(sheet(out, "核对底稿"))
               if r["所在表"] == "附件1" and r["所在行"] == HEADER_ROW + 2 + first_at]
    assert (work["县（市、区）"], work["序号"], work["来源行"], work["来源文件"]) == (
        "谷城县", 1, 5, "子文件夹/谷城县-附件1.xlsx")  # named relative to the inbox


def test_overview_counts_progress_and_marks_missing(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    opts = MergeOptions(validate=Options(as_of=date(2023, 1, 15)), prefecture="襄阳市",
                        expect=("枣阳市", "保康县", "谷城县", "老河口市"))
    result = zhenggai.merge([inbox], opts, out)
    rows = table(sheet(out, "汇总概览"))
    by = {r["县（市、区）"]: r for r in rows}
    assert by["枣阳市"]["已完成"] == 3 and by["枣阳市"]["未完成"] == 2
    assert by["枣阳市"]["完成率"] == pytest.approx(0.6)
    assert by["枣阳市"]["逾期未完成"] == 2  # open items due 2022-12-31, as of 2023-01-15
    assert by["老河口市"]["报送状态"] == "未报送"
    assert by["合计"]["反馈问题数"] == 12 and by["合计"]["已完成"] == 8
    codes = [(f.code, f.message) for f in result.rollup.report.findings() if f.code == "county-not-submitted"]
    assert codes == [("county-not-submitted", "老河口市 未报送")]
    ws = sheet(out, "汇总概览")
    assert len(ws._charts) == 1  # the native bar chart of 完成率
    # A formal attachment: label, title, 填报单位 and as-of line, 联系人 line under the table.
    # 公文: the 附件 label on its own line, the title under it reading right, then the 盖章 line.
    assert [c.value for c in ws[1]] == ["附件3", *[None] * (ws.max_column - 1)]
    assert ws["A2"].value == "襄阳市电子商务进农村综合示范专项整改进展汇总表"
    assert ws["A1"].font.name == "黑体" and ws["A1"].font.sz == 16 and ws["A2"].font.b and ws["A2"].font.sz == 22
    assert ws["A3"].value == "填报单位：襄阳市商务局（盖章）"
    assert "统计截至 2023年1月15日" in [c.value for c in ws[3]]
    assert ws.oddFooter.center.text == "— &P —" and not ws.page_setup.useFirstPageNumber  # numbered through
    contact = [r[0] for r in ws.iter_rows(values_only=True) if str(r[0] or "").startswith("联系人：")]
    assert contact == ["联系人：　　　　　　　　联系电话：　　　　　　"]  # blanks to fill in by hand
    assert not any("zhenggai" in str(c.value or "") for row in ws.iter_rows() for c in row)


def test_the_terminal_shows_no_counts_for_a_county_in_no_count(inbox: Path, tmp_path: Path) -> None:
    # 老河口市 未报送: its 已完成/未完成/逾期 are "—" as the workbook's cells are blank, never a 0
    # that reads as a county with nothing left to do.
    proc = run_zhenggai("merge", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--expect",
                        "枣阳市,保康县,谷城县,老河口市", "--as-of", "2023-01-15")
    assert proc.returncode == 1
    line = next(x for x in proc.stdout.splitlines() if x.startswith("老河口市"))
    assert line.split()[1:] == ["未报送", "1", "0", "—", "—", "0", "—", "—"]
    zaoyang = next(x for x in proc.stdout.splitlines() if x.startswith("枣阳市"))
    assert zaoyang.split()[-2:] == ["3", "2"]


def test_totals_equal_the_sum_of_county_rows(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    zhenggai.merge([inbox], OPTS, out)
    rows = table(sheet(out, "成果统计汇总"))
    counties = [r for r in rows if r["县（市、区）"] != "合计"]
    total = next(r for r in rows if r["县（市、区）"] == "合计")
    assert len(counties) == 3
    for header in ("反馈问题数（个）", "县级财政安排经费（万元）", "快递村村通新覆盖村（个）"):
        assert total[header] == pytest.approx(sum(r[header] for r in counties))
    assert total["反馈问题数（个）"] == 12
    assert isinstance(total["县级财政安排经费（万元）"], float)  # a value, not a formula


def test_unreadable_number_is_never_counted_as_zero(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    county_files(folder, "谷城县", 2, 1, a2=["谷城县", 2, 1, 1, "约30万", 0, 4, 3, 0, 5, 12, 2, None])
    county_files(folder, "保康县", 2, 1)
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)), out)
    assert ["E5", "number-estimate"] in result.rollup.report.flatten(("cell", "code"))
    ws = sheet(out, "成果统计汇总")
    rows = table(ws)
    gucheng = next(r for r in rows if r["县（市、区）"] == "谷城县")
    assert gucheng["县级财政安排经费（万元）"] == "约30万"  # the clerk's text, kept
    total_row = next(i for i, r in enumerate(rows, start=HEADER_ROW + 2) if r["县（市、区）"] == "合计")
    cell = ws.cell(total_row, 5)
    assert cell.value == pytest.approx(10.5)  # 保康县 only
    assert cell.comment is not None and "谷城县" in cell.comment.text
    assert cell.fill.start_color.rgb.endswith("FFC7CE")


def test_identical_copies_count_once_and_different_ones_name_the_file_used(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    county_files(folder, "谷城县", 3, 1)
    shutil.copy(folder / "谷城县-附件1.xlsx", folder / "谷城县-附件1(1).xlsx")
    make_workbook(folder / "新版" / "谷城县-附件1-修改.xlsx",
                  {"附件1": appendix1_rows(rows_for("谷城县", 4, 2), county="谷城县")})
    now = 1_700_000_000
    os.utime(folder / "谷城县-附件1.xlsx", (now, now))
    os.utime(folder / "谷城县-附件1(1).xlsx", (now, now))
    os.utime(folder / "新版" / "谷城县-附件1-修改.xlsx", (now + 60, now + 60))
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)), tmp_path / "out.xlsx")
    county = result.rollup.counties[0]
    assert (county.county, county.rows_read, county.rows_written) == ("谷城县", 4, 4)
    assert any(f.endswith("谷城县-附件1-修改.xlsx") for f in county.files)
    findings = result.rollup.report.findings()
    dups = sorted((f.code, Path(f.file).name) for f in findings if f.code.startswith("duplicate"))
    assert dups == [("duplicate-submission", "谷城县-附件1(1).xlsx"), ("duplicate-submission", "谷城县-附件1.xlsx")]
    msg = next(f.message for f in result.rollup.report.findings() if f.code == "duplicate-submission")
    assert "采用" in msg and "谷城县-附件1-修改.xlsx" in msg and "未采用" in msg


def test_identical_copy_alone_is_an_info(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    county_files(folder, "谷城县", 3, 1)
    shutil.copy(folder / "谷城县-附件2.xlsx", folder / "谷城县-附件2 - 副本.xlsx")
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)), tmp_path / "out.xlsx")
    dups = [(f.code, f.severity.value) for f in result.rollup.report.findings() if f.code.startswith("duplicate")]
    assert dups == [("duplicate-identical", "info")]
    assert len(result.rollup.stats) == 1


def test_missing_appendix_and_unreadable_file(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    make_workbook(folder / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows_for("谷城县", 2, 1))})
    (folder / "保康县-附件1.xlsx").write_bytes(b"this is not a workbook")
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF), expect=("谷城县", "保康县")),
                            tmp_path / "out.xlsx")
    status = {c.county: c.status.label for c in result.rollup.counties}
    assert status == {"谷城县": "缺附件2", "保康县": "文件无法读取"}
    codes = sorted(f.code for f in result.rollup.report.findings() if f.severity.value == "error")
    assert codes == ["appendix-missing", "file-unreadable"]


def test_refuses_to_overwrite_and_skips_its_own_output(inbox: Path) -> None:
    out = inbox / "襄阳市汇总.xlsx"
    zhenggai.merge([inbox], OPTS, out)
    with pytest.raises(zhenggai.OutputExists):
        zhenggai.merge([inbox], OPTS, out)
    first = _snapshot(out)
    zhenggai.merge([inbox], OPTS, out, force=True)
    assert _snapshot(out) == first
    # an earlier rollup under another name is not county data either: skipped, named
    shutil.copy(out, inbox / "旧汇总.xlsx")
    third = zhenggai.merge([inbox], OPTS, out, force=True)
    assert [c.rows_read for c in third.rollup.counties] == [5, 4, 3]
    skipped = [f.message for f in third.rollup.report.findings() if f.code == "file-skipped"]
    assert any("以前生成的汇总表" in m for m in skipped)
    now = _snapshot(out)
    assert {k: v for k, v in now.items() if k != "校验问题"} == {k: v for k, v in first.items() if k != "校验问题"}


def test_an_earlier_rollup_naming_its_sheets_by_character_references_is_skipped(inbox: Path, tmp_path: Path) -> None:
    """The rollup is told from its sheet names before anything is parsed; spelt as &#x…;
    (or in another encoding) they cannot be seen in the bytes, and the XML is parsed."""
    from builders import rewrite_zip

    out = tmp_path / "汇总.xlsx"
    zhenggai.merge([inbox], OPTS, out)

    def refs(data: bytes) -> bytes:  # every character outside ASCII as &#x…;
        return "".join(ch if ord(ch) < 128 else f"&#x{ord(ch):X};" for ch in data.decode()).encode()

    rewrite_zip(out, inbox / "旧汇总.xlsx", {"xl/workbook.xml": refs})
    again = zhenggai.merge([inbox], OPTS, tmp_path / "又一次.xlsx")
    skipped = [f.message for f in again.rollup.report.findings() if f.code == "file-skipped"]
    assert any("以前生成的汇总表" in m for m in skipped)
    assert [c.rows_read for c in again.rollup.counties] == [5, 4, 3]


def test_another_prefectures_rollup_among_county_tables_is_an_error(inbox: Path, tmp_path: Path,
                                                                    runner: CliRunner) -> None:
    """A province inbox: 襄阳市 sent its zhenggai rollup, 十堰市 tables it collected by hand.
    Read as county replies, the hand tables give 郧西县; the rollup's counties are none of
    them, so it is not "last round's rollup": leaving its four counties out is an error
    naming them (before: a one-line skip, exit 0 when the rest was clean)."""
    xiangyang = tmp_path / "襄阳市汇总.xlsx"
    zhenggai.merge([inbox], OPTS, xiangyang)
    province = tmp_path / "全省收件"
    make_workbook(province / "十堰市汇总表.xlsx", {"附件1": appendix1_rows(rows_for("郧西县", 2, 2), county="郧西县"),
                                               "附件2": appendix2_rows(a2_for("郧西县", 2, 2), county="郧西县")})
    shutil.copy(xiangyang, province / "襄阳市汇总.xlsx")
    out = tmp_path / "湖北省.xlsx"
    result = runner.invoke(app, ["merge", str(province), "-o", str(out), "--as-of", "2022-09-01"])
    assert result.exit_code == 1, result.output
    said = "".join(result.output.split())  # the terminal wraps long messages
    assert "错误襄阳市汇总.xlsx这是一份汇总表" in said and "它的数据没有计入本次汇总" in said
    merged = zhenggai.merge([province], MergeOptions(validate=Options(as_of=AS_OF)), None)
    found = [(f.file, f.severity.value, f.message) for f in merged.rollup.report.findings()
             if f.code == "rollup-among-replies"]
    assert [(file, severity) for file, severity, _ in found] == [("襄阳市汇总.xlsx", "error")]
    assert "（枣阳市、保康县、谷城县）都不在本次的县级报送中" in found[0][2]


def test_a_deadline_typed_as_a_number_is_printed_as_typed_never_as_an_1905_date(tmp_path: Path) -> None:
    """2022.1 typed in a General cell (meant 2022.10, or January?) is date-invalid. The rollup
    wrote the number under the date format: it printed 1905-07-14 07:12 and, read back by
    report or the province, counted overdue. Now: the number as typed, red, no date format."""
    rows = rows_for("谷城县", 2, 1)
    rows[1][4] = 2022.1
    folder = tmp_path / "in"
    make_workbook(folder / "谷城县.xlsx", {"附件1": appendix1_rows(rows, county="谷城县"),
                                         "附件2": appendix2_rows(a2_for("谷城县", 2, 1), county="谷城县")})
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)), out)
    assert [f.cell for f in result.rollup.report.findings() if f.code == "date-invalid"] == ["E6"]
    ws = openpyxl.load_workbook(out)["整改清单汇总"]
    cell = ws.cell(HEADER_ROW + 3, 6)  # the county column first: 完成时限 is F; the second item
    assert (cell.value, cell.is_date, cell.fill.fgColor.rgb) == (2022.1, False, "FFFFC7CE")
    assert ws.cell(HEADER_ROW + 2, 6).is_date  # a read date keeps its date format
    back = zhenggai.read_rollup(out)
    assert [(c.county, c.overdue) for c in back.counties] == [("谷城县", 0)]


@pytest.mark.parametrize("expect", [("枣阳市", "谷城县"), ()])
def test_a_county_spelled_short_in_one_file_is_one_county_with_an_error(tmp_path: Path,
                                                                      expect: tuple[str, ...]) -> None:
    """枣阳市's 附件2 names "枣阳": as a county of its own it counted 枣阳市's problems twice
    (its 附件2's 3 again; with a feedback list, the list's problems again). Filed under
    枣阳市, with an error naming both spellings; without --expect the full name found among
    the replies is the one."""
    folder = tmp_path / "in"
    make_workbook(folder / "枣阳市附件1.xlsx", {"附件1": appendix1_rows(rows_for("枣阳市", 3, 2), county="枣阳市")})
    make_workbook(folder / "枣阳市附件2.xlsx", {"附件2": appendix2_rows(a2_for("枣阳", 3, 2), county="枣阳")})
    make_workbook(folder / "谷城县.xlsx", {"附件1": appendix1_rows(rows_for("谷城县", 2, 1), county="谷城县"),
                                         "附件2": appendix2_rows(a2_for("谷城县", 2, 1), county="谷城县")})
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF), expect=expect), None)
    counties = {c.county: (c.status.label, c.total, c.done) for c in result.rollup.counties}
    assert counties == {"枣阳市": ("已报送", 3, 2), "谷城县": ("已报送", 2, 1)}
    assert result.rollup.totals()["total"] == 5
    (near,) = [f for f in result.rollup.report.findings() if f.code == "county-name-near"]
    assert near.severity.value == "error" and "县名“枣阳”不在应报送名单中，与“枣阳市”只差简称" in near.message
    assert [s.county for s in result.rollup.stats] == ["枣阳市", "谷城县"]


def _snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path)
    # Row 2 holds the generation date; everything else must be identical.
    return {ws.title: [r for i, r in enumerate(ws.iter_rows(values_only=True), start=1) if i != 2]
            for ws in wb.worksheets}


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    rows = [[1, "=HYPERLINK(\"http://x\")", "+30万元投入", "是", "2022-06-30", "-张三", "@县商务局"]]
    make_workbook(folder / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows)})
    wb = openpyxl.load_workbook(folder / "谷城县-附件1.xlsx")
    wb.worksheets[0]["B5"].data_type = "s"
    wb.save(folder / "谷城县-附件1.xlsx")
    out = tmp_path / "out.xlsx"
    zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)), out)
    ws = sheet(out, "整改清单汇总")
    cells = [ws.cell(HEADER_ROW + 2, c) for c in (3, 4, 7, 8)]
    assert [c.value for c in cells] == ["=HYPERLINK(\"http://x\")", "+30万元投入", "-张三", "@县商务局"]
    assert all(c.data_type == "s" for c in cells)


def test_crash_while_writing_leaves_no_output(inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zhenggai.outputs.rollup_workbook as rollup

    def boom(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(rollup, "_findings", boom)
    out = tmp_path / "out" / "汇总.xlsx"
    with pytest.raises(RuntimeError):
        zhenggai.merge([inbox], OPTS, out)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []


def test_inputs_are_never_modified(inbox: Path, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}
    zhenggai.merge([inbox], OPTS, tmp_path / "out.xlsx")
    assert {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()} == before


def _rollup_view(result: Any) -> tuple[Any, ...]:
    r = result.rollup
    return (
        [(c.county, c.status.label, c.rows_read, c.done, c.open, c.errors, c.warnings) for c in r.counties],
        sorted((i.county, i.source_row, tuple(str(v) for v in i.values)) for i in r.items),
        sorted((s.county, tuple(sorted((k, str(v)) for k, v in s.values.items()))) for s in r.stats),
        r.report.flatten(("file", "cell", "code")),
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(6)))
def test_result_does_not_depend_on_file_order(tmp_path_factory: pytest.TempPathFactory, order: list[int]) -> None:
    folder = tmp_path_factory.mktemp("order")
    for county, n, d in (("枣阳市", 3, 1), ("保康县", 2, 2), ("谷城县", 4, 0)):
        county_files(folder, county, n, d)
    files = sorted(folder.iterdir())
    for p in files:
        os.utime(p, (1_700_000_000, 1_700_000_000))
    baseline = zhenggai.merge(files, OPTS)
    shuffled = zhenggai.merge([files[i] for i in order], OPTS)
    assert _rollup_view(shuffled) == _rollup_view(baseline)


def test_province_rollup_from_prefecture_rollups(tmp_path: Path) -> None:
    xiangyang, yichang = tmp_path / "襄阳", tmp_path / "宜昌"
    county_files(xiangyang, "谷城县", 3, 1)
    county_files(xiangyang, "保康县", 2, 2)
    county_files(yichang, "秭归县", 4, 1)
    rollups = tmp_path / "各市州"
    zhenggai.merge([xiangyang], MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市"),
                   rollups / "襄阳市汇总.xlsx")
    zhenggai.merge([yichang], MergeOptions(validate=Options(as_of=AS_OF), prefecture="宜昌市"),
                   rollups / "宜昌市汇总.xlsx")
    out = tmp_path / "湖北省汇总.xlsx"
    result = zhenggai.merge([rollups], MergeOptions(validate=Options(as_of=AS_OF), prefecture="湖北省"), out)
    assert result.rollup.province
    overview = table(sheet(out, "汇总概览"))
    assert {(r["市（州）"], r["县（市、区）"]) for r in overview if r["县（市、区）"] != "合计"} == {
        ("襄阳市", "谷城县"), ("襄阳市", "保康县"), ("宜昌市", "秭归县")}
    items = table(sheet(out, "整改清单汇总"))
    assert len(items) == 9
    stats = table(sheet(out, "成果统计汇总"))
    subtotals = {r["市（州）"]: r["反馈问题数（个）"] for r in stats if r["县（市、区）"] == "小计"}
    assert subtotals == {"襄阳市": 5, "宜昌市": 4}
    grand = next(r for r in stats if r["县（市、区）"] == "合计")
    assert grand["反馈问题数（个）"] == 9


def test_cli_merge_exit_codes_and_json(inbox: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "汇总.xlsx"
    args = ["merge", str(inbox), "-o", str(out), "--prefecture", "襄阳市", "--as-of", "2022-09-01",
            "--expect", "枣阳市，保康县、谷城县", "--format", "json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["errors"] == 0
    assert [c["county"] for c in data["counties"]] == ["枣阳市", "保康县", "谷城县"]
    assert set(data["counties"][0]) >= {"county", "status", "rows", "done", "open", "overdue", "errors",
                                        "warnings", "files"}
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "已存在" in again.stderr
    strict = tmp_path / "strict.xlsx"
    res = runner.invoke(app, ["merge", str(inbox), "-o", str(strict), "--expect", "老河口市", "--strict"])
    assert res.exit_code == 1
    assert not strict.exists()


def test_cli_merge_subprocess_writes_rollup_and_prints_summary(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    proc = run_zhenggai("merge", str(inbox), "-o", str(out), "--prefecture", "襄阳市", "--expect",
                        "枣阳市,保康县,谷城县,老河口市", "--as-of", "2022-09-01")
    assert proc.returncode == 1  # 老河口市 未报送
    assert "老河口市" in proc.stdout and "未报送" in proc.stdout
    assert "Traceback" not in proc.stderr and "已生成汇总表" in proc.stderr
    assert out.exists()


def test_good_rows_fixture_is_valid(tmp_path: Path) -> None:
    # The builders sample used by other tests: a clean county that merges without errors.
    folder = tmp_path / "in"
    make_workbook(folder / "a1.xlsx", {"s": appendix1_rows(GOOD_ROWS)})
    make_workbook(folder / "a2.xlsx", {"s": appendix2_rows(GOOD_A2)})
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=date(2022, 12, 31))))
    assert result.rollup.report.errors == 0
    assert [(c.county, c.status) for c in result.rollup.counties] == [("谷城县", Status.SUBMITTED)]


def test_cross_check_runs_on_the_chosen_pair_when_a_county_sent_two_versions(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    county_files(folder, "谷城县", 3, 1)  # 附件2 says 3 problems
    newer = make_workbook(folder / "谷城县-附件1-修改.xlsx",
                          {"附件1": appendix1_rows(rows_for("谷城县", 4, 1), county="谷城县")})
    os.utime(folder / "谷城县-附件1.xlsx", (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_700_000_100, 1_700_000_100))
    result = zhenggai.merge([folder], MergeOptions(validate=Options(as_of=AS_OF)))
    got = [(Path(f.file).name, f.cell, f.code) for f in result.rollup.report.findings() if f.code.startswith("cross")]
    assert got == [("谷城县-附件2.xlsx", "B5", "cross-total-mismatch")]


def test_unwritable_output_is_one_chinese_line_and_exit_2(inbox: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "不是文件夹"
    blocker.write_text("x", encoding="utf-8")
    res = CliRunner().invoke(app, ["merge", str(inbox), "-o", str(blocker / "汇总.xlsx")])
    assert res.exit_code == 2
    assert res.stderr.startswith("错误：无法写入") and "不是文件夹" in res.stderr
    assert not any(ch.isascii() and ch.isalpha() for ch in res.stderr.split("：", 2)[-1])


def test_files_in_hidden_folders_are_skipped(inbox: Path, tmp_path: Path) -> None:
    shutil.copy(inbox / "枣阳市-附件1.xlsx", (inbox / ".备份").mkdir() or inbox / ".备份" / "旧.xlsx")
    result = zhenggai.merge([inbox], OPTS)
    assert [c.rows_read for c in result.rollup.counties] == [5, 4, 3]
    skipped = [f.message for f in result.rollup.report.findings() if f.code == "file-skipped"]
    assert "已跳过：在隐藏文件夹中" in skipped


def test_no_machine_path_prints_in_the_rollup(tmp_path: Path) -> None:
    """Every file is named relative to the inbox (a subfolder, a .zip member); an unknown
    county is named by that relative name too: no cell of any sheet holds the machine's path."""
    from builders import make_zip

    inbox = tmp_path / "收件"
    make_workbook(inbox / "枣阳市" / "枣阳市-附件1.xlsx", {"附件1": appendix1_rows(rows_for("枣阳市", 2, 1),
                                                                               county="枣阳市")})
    both = make_workbook(tmp_path / "x" / "谷城县附件.xlsx", {
        "附件1": appendix1_rows(rows_for("谷城县", 2, 1)), "附件2": appendix2_rows(a2_for("谷城县", 2, 1))})
    make_zip(inbox / "邮件.zip", {"谷城县附件.xlsx": both})
    make_workbook(inbox / "附件1.xlsx", {"附件1": appendix1_rows(rows_for("某", 1, 1), county=None)})
    out = tmp_path / "out.xlsx"
    result = zhenggai.merge([inbox], OPTS, out)
    files = {c.county: c.files for c in result.rollup.counties}
    assert files["枣阳市"] == ["枣阳市/枣阳市-附件1.xlsx"]
    assert files["谷城县"] == ["邮件.zip › 谷城县附件.xlsx"]
    assert "（县名未知）附件1.xlsx" in files
    wb = openpyxl.load_workbook(out)
    texts = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
    assert not [t for t in texts if str(tmp_path) in t or "zhenggai-zip-" in t]


def test_two_inboxes_are_named_by_their_folders(tmp_path: Path) -> None:
    for folder, county in (("第一批", "枣阳市"), ("第二批", "谷城县")):
        make_workbook(tmp_path / folder / "附件1.xlsx", {"附件1": appendix1_rows(rows_for(county, 1, 1),
                                                                                 county=county)})
    result = zhenggai.merge([tmp_path / "第一批", tmp_path / "第二批"], OPTS)
    files = {c.county: c.files for c in result.rollup.counties if c.files}
    assert files == {"枣阳市": ["第一批/附件1.xlsx"], "谷城县": ["第二批/附件1.xlsx"]}
