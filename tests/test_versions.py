"""Versions (#10): which of a county's different replies counts, and how sure we are.

The internal last-saved time decides first, then a version mark in the file name; a
decision that rests only on file-system time, or where the two disagree, is an error
(exit 1) that names both files, and the county is marked 版本待确认.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from docx import Document

import zhenggai
from builders import HEADER_ROW, Row, appendix1_rows, appendix2_rows, make_workbook, set_saved_time
from programs import soffice_convert
from zhenggai import MergeOptions, MergeResult, Options
from zhenggai.api.report import report
from zhenggai.checking.versions import compare_marks, name_mark
from zhenggai.intake.sniff import saved_time

AS_OF = date(2022, 9, 1)
OPTS = MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市")


def rows_for(n: int, done: int) -> list[Row]:
    return [[i + 1, f"问题{i + 1}", f"投入{i + 1}万元，新建站点{i + 1}个", "是" if i < done else "否",
             "2022-06-30" if i < done else "2022-12-31", "张三", "谷城县商务局"] for i in range(n)]


def version(path: Path, n: int, done: int, *, saved: datetime | None, mtime: float) -> Path:
    """谷城县's 附件1 with n problems, ``done`` of them finished; saved/downloaded at the given times."""
    make_workbook(path, {"附件1": appendix1_rows(rows_for(n, done))})
    if saved is not None:
        set_saved_time(path, saved)
    else:
        # A writer that leaves docProps/core.xml without a modified time (some WPS exports).
        set_saved_time(path, datetime(1601, 1, 1))
    os.utime(path, (mtime, mtime))
    return path


def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    make_workbook(folder / "谷城县-附件2.xlsx", {"附件2": appendix2_rows(["谷城县", 3, 2, 1, 10, 0, 1, 2, 0, 3, 4, 1,
                                                                          None])})
    return folder


def version_notes(result: MergeResult) -> list[tuple[str, str, str]]:
    return [(f.code, f.severity.value, Path(f.file).name) for f in result.rollup.report.findings()
            if f.code in ("duplicate-submission", "version-uncertain")]


T1, T2 = datetime(2022, 7, 6, 9, 0), datetime(2022, 7, 8, 16, 30)
EARLY, LATE = 1_700_000_000, 1_700_090_000


def test_internal_time_beats_download_order(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    # The corrected version was saved later but downloaded first: its file time is older.
    version(folder / "谷城县-附件1.xlsx", 2, 1, saved=T1, mtime=LATE)
    version(folder / "谷城县附件1.xlsx", 3, 2, saved=T2, mtime=EARLY)
    result = zhenggai.merge([folder], OPTS)
    (county,) = result.rollup.counties
    assert (county.status.label, county.total, county.done) == ("已报送", 3, 2)
    assert version_notes(result) == [("duplicate-submission", "warning", "谷城县-附件1.xlsx")]
    (note,) = [f for f in result.rollup.report.findings() if f.code == "duplicate-submission"]
    assert note.message == (
        "谷城县 有多份不同的附件1（整改清单）：采用 谷城县附件1.xlsx（文件内部记录的最后保存时间 "
        "2022-07-08 16:30 晚于 2022-07-06 09:00），未采用 谷城县-附件1.xlsx；"
        "采用的版本 3 行、2 个“是”，未采用的版本 2 行、1 个“是”")
    assert result.rollup.report.errors == 0


def test_name_mark_decides_when_internal_times_cannot(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    version(folder / "谷城县附件1（7月8日修改）.xlsx", 3, 2, saved=None, mtime=EARLY)
    version(folder / "谷城县附件1.xlsx", 2, 1, saved=None, mtime=LATE)
    result = zhenggai.merge([folder], OPTS)
    assert (result.rollup.counties[0].total, result.rollup.counties[0].status.label) == (3, "已报送")
    (note,) = [f for f in result.rollup.report.findings() if f.code == "duplicate-submission"]
    assert "文件名标有“7月8日、修改”，文件内部没有可比较的保存时间" in note.message
    assert result.rollup.report.errors == 0


def test_file_system_time_alone_is_an_error_and_marks_the_county(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    version(folder / "谷城县附件1.xlsx", 2, 1, saved=None, mtime=EARLY)
    version(folder / "附件1-谷城县.xlsx", 3, 2, saved=None, mtime=LATE)
    result = zhenggai.merge([folder], OPTS)
    (county,) = result.rollup.counties
    assert (county.status.label, county.total) == ("版本待确认", 3)
    assert version_notes(result) == [("version-uncertain", "error", "谷城县附件1.xlsx")]
    (note,) = [f for f in result.rollup.report.findings() if f.code == "version-uncertain"]
    for part in ("只能按文件系统时间", "附件1-谷城县.xlsx", "谷城县附件1.xlsx", "采用的版本 3 行、2 个“是”",
                 "未采用的版本 2 行、1 个“是”", "请向该县确认"):
        assert part in note.message
    assert county.errors >= 1 and result.rollup.report.errors >= 1


def test_counts_an_uncertain_version_may_change_are_marked_on_the_overview(tmp_path: Path) -> None:
    # 附件3 printed 3 problems, 2 done for 谷城县 with nothing but its 版本待确认 status: the
    # other version says 2 and 1. Now those cells and the 合计 over them say so.
    folder = inbox(tmp_path)
    version(folder / "谷城县附件1.xlsx", 2, 1, saved=None, mtime=EARLY)
    version(folder / "附件1-谷城县.xlsx", 3, 2, saved=None, mtime=LATE)
    out = tmp_path / "汇总.xlsx"
    zhenggai.merge([folder], OPTS, out)
    ws = openpyxl.load_workbook(out)["汇总概览"]
    county, total = (ws[HEADER_ROW + 2 + i] for i in range(2))
    assert [c.value for c in county[2:5]] == [3, 2, 1]
    for cell in county[2:4]:  # 反馈问题数, 已完成: differ between the versions
        assert cell.fill.fgColor.rgb == "FFFFC7CE"
        assert "版本待确认" in cell.comment.text and "另一份为 2 个问题、1 个已完成" in cell.comment.text
        assert ".xlsx" not in cell.comment.text  # a stamped sheet: the figures, not the file names
    assert county[4].comment is None  # 未完成 is 1 in both
    assert "含 谷城县 版本待确认的数" in total[2].comment.text


def test_internal_time_and_name_mark_disagreeing_is_an_error(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    version(folder / "谷城县附件1（定稿）.xlsx", 2, 1, saved=T1, mtime=LATE)
    version(folder / "谷城县附件1.xlsx", 3, 2, saved=T2, mtime=EARLY)
    result = zhenggai.merge([folder], OPTS)
    (county,) = result.rollup.counties
    assert (county.status.label, county.total) == ("版本待确认", 3)  # the internal time still picks
    (note,) = [f for f in result.rollup.report.findings() if f.code == "version-uncertain"]
    assert "未采用的文件名标有“定稿”，两种依据不一致" in note.message


def test_figures_an_uncertain_version_may_change_are_marked_up_to_the_report(tmp_path: Path) -> None:
    # Two 附件2 of 谷城县 told apart by download time only: 县级财政安排经费 80 in the likelier,
    # 50 in the other. The 80 was printed and summed (合计 100) unmarked, and 情况报告 said
    # "县级财政安排经费100万元"; only 附件3's status said 版本待确认.
    folder = tmp_path / "in"
    make_workbook(folder / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows_for(3, 2))})
    for name, funds, mtime in (("谷城县附件2.xlsx", 50, EARLY), ("附件2-谷城县.xlsx", 80, LATE)):
        path = make_workbook(folder / name, {"附件2": appendix2_rows(["谷城县", 3, 2, 1, funds, 0, 1, 2, 0, 3, 4, 1,
                                                                      None])})
        set_saved_time(path, datetime(1601, 1, 1))  # no internal time to tell them apart
        os.utime(path, (mtime, mtime))
    make_workbook(folder / "保康县.xlsx", {
        "附件1": appendix1_rows(rows_for(1, 1), county="保康县"),
        "附件2": appendix2_rows(["保康县", 1, 1, 0, 20, 0, 1, 2, 0, 3, 4, 1, None], county="保康县")})
    out = tmp_path / "汇总.xlsx"
    result = zhenggai.merge([folder], OPTS, out)
    assert [c.status.label for c in result.rollup.counties if c.county == "谷城县"] == ["版本待确认"]
    unsure = [(f.file, f.cell, f.field, f.severity.value) for f in result.rollup.report.findings()
              if f.code == "version-figure-uncertain"]
    assert unsure == [("附件2-谷城县.xlsx", "E5", "县级财政安排经费（万元）", "warning")]
    ws = openpyxl.load_workbook(out)["成果统计汇总"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=HEADER_ROW + 2) if r[0].value in ("谷城县", "合计")}
    funds, staff = rows["谷城县"][4], rows["谷城县"][6]
    assert funds.value == 80 and funds.fill.fgColor.rgb == "FFFFC7CE"
    assert "版本待确认" in funds.comment.text and "另一份为 50" in funds.comment.text
    assert ".xlsx" not in funds.comment.text  # a stamped sheet: the figures, not the file names
    assert staff.value == 1 and staff.comment is None  # the same in both versions: not in doubt
    total = rows["合计"][4]
    assert total.value == 100 and total.fill.fgColor.rgb == "FFFFC7CE" and "谷城县" in total.comment.text
    text = "\n".join(p.text for p in Document(str(report(out, tmp_path / "papers").document)).paragraphs)
    assert "县级财政安排经费100万元（含谷城县报送了几个版本、待确认的数）；追回企业资金0万元；补充人员2人；" in text


def test_identical_versions_are_one_copy_whatever_the_times(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    version(folder / "谷城县附件1.xlsx", 3, 2, saved=T1, mtime=EARLY)
    version(folder / "谷城县附件1 (1).xlsx", 3, 2, saved=T2, mtime=LATE)
    result = zhenggai.merge([folder], OPTS)
    assert version_notes(result) == []
    assert [f.code for f in result.rollup.report.findings() if f.code.startswith("duplicate")] == [
        "duplicate-identical"]


@pytest.mark.libreoffice
def test_saved_time_of_xls_and_ods_written_by_libreoffice(tmp_path: Path) -> None:
    src = version(tmp_path / "src" / "谷城县.xlsx", 2, 1, saved=T2, mtime=EARLY)
    xls, = soffice_convert([src], "xls", tmp_path / "xls")
    ods, = soffice_convert([src], "ods", tmp_path / "ods")
    assert saved_time(src, "xlsx") == T2
    assert saved_time(xls, "xls") == T2  # SummaryInformation PIDSI_LASTSAVE_DTM
    assert saved_time(ods, "ods") == T2  # meta.xml dc:date


@pytest.mark.parametrize(("a", "b", "later"), [
    ("谷城县附件1（修改）", "谷城县附件1", 1),
    ("谷城县附件1（定稿）", "谷城县附件1（修改）", 1),
    ("谷城县附件1 7月8日", "谷城县附件1 7月10日", -1),
    ("谷城县附件1_2022.7.8", "谷城县附件1_20220706", 1),
    ("谷城县附件1 第2版", "谷城县附件1 第3版", -1),
    ("谷城县附件1", "谷城县附件1 (1)", 0),  # a download counter is not a version mark
])
def test_name_marks(a: str, b: str, later: int) -> None:
    assert compare_marks(name_mark(a + ".xlsx"), name_mark(b + ".xlsx")) == later
