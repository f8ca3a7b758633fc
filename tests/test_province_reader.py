"""Province mode (#10): prefecture rollups read through the guarded reader, 逾期 recounted as
of --as-of, and a workbook that only looks like a rollup refused with a finding."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from conftest import Row, appendix1_rows, appendix2_rows, make_workbook, rewrite_zip, run_zhenggai
from zhenggai.results import Options
from zhenggai.rollup.county import merge
from zhenggai.rollup.model import MergeOptions


def rows_for(county: str, n: int, done: int, deadline: str) -> list[Row]:
    return [[i + 1, f"{county}问题{i + 1}", f"投入{i + 1}万元，新建站点{i + 1}个", "是" if i < done else "否",
             "2022-06-30" if i < done else deadline, "张三", f"{county}商务局"] for i in range(n)]


def prefecture(tmp_path: Path, name: str, county: str, n: int, done: int, deadline: str) -> Path:
    """A prefecture's rollup, made as of 2022-07-15 (its open items not yet overdue then)."""
    src = tmp_path / f"{name}收件"
    make_workbook(src / f"{county}.xlsx", {
        "附件1": appendix1_rows(rows_for(county, n, done, deadline), county=county),
        "附件2": appendix2_rows([county, n, done, n - done, 10.5, 0, 1, 2, 0, 3, 4, 1, None], county=county)})
    out = tmp_path / "各市州" / f"{name}汇总.xlsx"
    merge([src], out, MergeOptions(validate=Options(as_of=date(2022, 7, 15)), prefecture=name))
    return out


def test_overdue_is_recounted_as_of_the_province_run(tmp_path: Path) -> None:
    prefecture(tmp_path, "襄阳市", "谷城县", 3, 1, "2022-08-31")
    prefecture(tmp_path, "宜昌市", "秭归县", 2, 0, "2022-12-31")
    at_july = merge([tmp_path / "各市州"], None, MergeOptions(validate=Options(as_of=date(2022, 7, 15))),
                    write=False)
    at_sept = merge([tmp_path / "各市州"], None, MergeOptions(validate=Options(as_of=date(2022, 9, 1))),
                    write=False)
    assert {c.county: c.overdue for c in at_july.rollup.counties} == {"谷城县": 0, "秭归县": 0}
    # The prefectures wrote 0 on 2022-07-15; on 2022-09-01 谷城县's two open items are past 08-31.
    assert {c.county: c.overdue for c in at_sept.rollup.counties} == {"谷城县": 2, "秭归县": 0}


def test_a_rollup_missing_its_fourth_sheet_is_read_with_a_warning(tmp_path: Path) -> None:
    good = prefecture(tmp_path, "襄阳市", "谷城县", 3, 1, "2022-12-31")
    wb = openpyxl.load_workbook(good)
    del wb["校验问题"]
    wb.save(good)
    result = merge([tmp_path / "各市州"], None, MergeOptions(validate=Options(as_of=date(2022, 9, 1))),
                   write=False)
    assert [(c.county, c.total) for c in result.rollup.counties] == [("谷城县", 3)]
    assert [(f.code, f.file) for f in result.rollup.report.findings() if f.code.startswith("rollup")] == [
        ("rollup-no-findings", str(good))]


def test_a_look_alike_is_refused_with_a_finding_not_a_crash(tmp_path: Path) -> None:
    prefecture(tmp_path, "宜昌市", "秭归县", 2, 0, "2022-12-31")
    fake = tmp_path / "各市州" / "荆州市汇总.xlsx"
    make_workbook(fake, {"汇总概览": [["荆州市电子商务进农村综合示范专项整改汇总概览"], ["县（市、区）", "报送状态"]],
                         "整改清单汇总": [["x"]], "校验问题": [["文件"]]})
    res = run_zhenggai("merge", str(tmp_path / "各市州"), "-o", str(tmp_path / "省.xlsx"))
    assert res.returncode == 1, res.stderr
    assert "内部错误" not in res.stderr and "Traceback" not in res.stderr
    result = merge([tmp_path / "各市州"], None, MergeOptions(), write=False)
    (refused,) = [f for f in result.rollup.report.findings() if f.code == "rollup-incomplete"]
    assert refused.file == str(fake) and "缺少工作表“成果统计汇总”" in refused.message
    assert [s.file for s in result.rollup.skipped] == [str(fake)]
    assert [c.county for c in result.rollup.counties] == ["秭归县"]


def test_a_hostile_rollup_goes_through_the_guards(tmp_path: Path) -> None:
    good = prefecture(tmp_path, "襄阳市", "谷城县", 3, 1, "2022-12-31")
    evil = tmp_path / "各市州" / "宜昌市汇总.xlsx"
    laughs = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
    rewrite_zip(good, evil, {"xl/sharedStrings.xml": lambda data: laughs + data.split(b"?>", 1)[1]})
    result = merge([tmp_path / "各市州"], None, MergeOptions(), write=False)
    (f,) = [f for f in result.rollup.report.findings() if f.file == str(evil)]
    assert f.code == "file-unreadable" and "DTD" in f.message
    assert [c.county for c in result.rollup.counties] == ["谷城县"]
