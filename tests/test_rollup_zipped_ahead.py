"""The rollup's long sheets are zipped on the second core as soon as (附件1) or while (核对底稿)
they are written (outputs/xlsx_early.py): the workbook is the one written without it, every
part to the byte, for a prefecture's rollup and a province's; and the early work is really
taken (核对底稿's extent and print settings are known before its rows: a wrong guess would
only cost the speed, silently, so this test says so)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

import zhenggai
from builders import appendix1_rows, appendix2_rows, make_workbook
from zhenggai import MergeOptions, Options
from zhenggai.outputs import xlsx_early, xlsx_zip

COUNTIES = {"京山市": 3, "沙洋县": 1, "钟祥市": 0}  # 钟祥市 sends no 附件1 rows: its status in their place


def _inbox(root: Path, prefecture: str) -> Path:
    src = root / f"{prefecture}收件"
    for county, n in COUNTIES.items():
        rows = [[i + 1, f"{county}问题{i + 1}", f"投入{i + 1}万元，新建站点{i + 1}个", "是" if i else "否",
                 "2022-06-30", "张三", f"{county}商务局", "多出的一列"] for i in range(n)]
        sheets = {"附件2": appendix2_rows([county, n, n, 0, 20, 0, 1, 2, 0, 3, 4, 1, None], county=county)}
        if rows:
            sheets["附件1"] = appendix1_rows(rows, county=county)
        make_workbook(src / f"{county}.xlsx", sheets)
    return src


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:  # docProps/core.xml holds the time it was written
        return {i.filename: zf.read(i) for i in zf.infolist() if i.filename != "docProps/core.xml"}


@pytest.mark.parametrize("province", [False, True])
def test_the_rollup_zipped_ahead_is_the_rollup_zipped_in_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               province: bool) -> None:
    opts = MergeOptions(validate=Options(as_of=date(2022, 7, 15)))
    if province:
        for prefecture in ("荆门市", "襄阳市"):
            zhenggai.merge([_inbox(tmp_path, prefecture)], MergeOptions(validate=opts.validate, prefecture=prefecture),
                           tmp_path / "各市州" / f"{prefecture}汇总.xlsx")
        inbox = tmp_path / "各市州"
    else:
        inbox = _inbox(tmp_path, "荆门市")
    taken: list[bool] = []
    real = xlsx_early.matches
    monkeypatch.setattr(xlsx_early, "matches", lambda ws, e, lv: taken.append(real(ws, e, lv)) or taken[-1])
    zhenggai.merge([inbox], opts, tmp_path / "ahead.xlsx")
    assert taken == [True, True]  # 附件1 and 核对底稿
    monkeypatch.setattr(xlsx_zip.FastWorkbook, "_start", lambda self, ws, plan: None)
    zhenggai.merge([inbox], opts, tmp_path / "plain.xlsx")
    assert taken == [True, True]
    assert _parts(tmp_path / "ahead.xlsx") == _parts(tmp_path / "plain.xlsx")
