"""A prefecture rollup saved again as .xls or .ods (audit28): it was read as county replies and
the real .xlsx rollup beside it dropped as rollup-among-replies. It is a rollup, read like one."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

import zhenggai
from builders import appendix1_rows, appendix2_rows, make_workbook
from zhenggai import MergeOptions, Options

JULY = Options(as_of=date(2022, 7, 15))


def rollup(tmp_path: Path, name: str, counties: dict[str, int]) -> Path:
    """``name``'s rollup of counties with two problems each, ``counties[c]`` of them done."""
    src = tmp_path / f"{name}收件"
    for county, done in counties.items():
        rows = [[i + 1, f"{county}问题{i + 1}", f"投入{i + 1}万元，新建{county}站点{i + 1}个",
                 "是" if i < done else "否", "2022-06-30" if i < done else "2022-12-31", "张三", f"{county}商务局"]
                for i in range(2)]
        make_workbook(src / f"{county}.xlsx", {
            "附件1": appendix1_rows(rows, county=county),
            "附件2": appendix2_rows([county, 2, done, 2 - done, 10, 0, 1, 2, 0, 3, 4, 1, None], county=county)})
    out = tmp_path / "汇总" / f"{name}汇总.xlsx"
    zhenggai.merge([src], MergeOptions(validate=JULY, prefecture=name), out)
    return out


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_a_rollup_saved_as_xls_or_ods_is_read_as_a_rollup(tmp_path: Path, fmt: str,
                                                          soffice: Callable[..., list[Path]]) -> None:
    jingmen = rollup(tmp_path, "荆门市", {"京山市": 1, "钟祥市": 0})
    yichang = rollup(tmp_path, "宜昌市", {"远安县": 2})
    inbox = tmp_path / "各市州"
    inbox.mkdir()
    (saved,) = soffice([jingmen], fmt, tmp_path / "另存")
    shutil.copy(saved, inbox)
    shutil.copy(yichang, inbox)
    result = zhenggai.merge([inbox], MergeOptions(validate=JULY, prefecture="湖北省"))
    got = [(c.prefecture, c.county, c.status.label, c.total, c.done) for c in result.rollup.counties]
    assert got == [("宜昌市", "远安县", "已报送", 2, 2), ("荆门市", "京山市", "已报送", 2, 1),
                   ("荆门市", "钟祥市", "已报送", 2, 0)]
    codes = {f.code for f in result.rollup.report.findings()}
    assert not codes & {"rollup-among-replies", "rollup-sheets-disagree", "rollup-incomplete", "no-table"}


def test_a_county_reply_saved_as_xls_or_ods_is_still_a_reply(tmp_path: Path,
                                                              soffice: Callable[..., list[Path]]) -> None:
    reply = tmp_path / "谷城县.xlsx"
    make_workbook(reply, {"附件1": appendix1_rows([[1, "问题", "措施", "是", "2022-06-30", "张三", "商务局"]],
                                                 county="谷城县"),
                          "成果统计汇总": [["x"]]})  # one rollup sheet name alone is not a rollup
    for fmt in ("xls", "ods"):
        (saved,) = soffice([reply], fmt, tmp_path / fmt)
        result = zhenggai.merge([saved], MergeOptions(validate=JULY))
        assert [(c.county, c.total) for c in result.rollup.counties] == [("谷城县", 1)]
