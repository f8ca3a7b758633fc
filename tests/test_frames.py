"""pandas frames (#17): typed columns, NA for what is not known, the clerk's text beside
every parsed date and number, and a problem key that gives exactly the rollup's rate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import zhenggai
from builders import appendix1_rows, appendix2_rows, make_workbook

AS_OF = date(2022, 7, 15)
OPTS = zhenggai.MergeOptions(validate=zhenggai.Options(as_of=AS_OF))


def _inbox(tmp_path: Path) -> Path:
    """谷城县: problem 1 answered by two measure rows (问题描述 merged), one done, one not;
    problem 2 done with a date typed as Chinese text; problem 3 open. 保康县: one row."""
    inbox = tmp_path / "收件"
    rows = [[1, "问题A", "措施一：投入5万元", "是", "2022-06-30", "张三", "县商务局"],
            [None, None, "措施二：新建站点2个", "否", "2022-12-31", "张三", "县商务局"],
            [2, "问题B", "投入3万元", "是", "2022年6月30日", "李四", "县商务局"],
            [3, "问题C", "投入3万元", "否", "2022-11-30", "李四", "县商务局"]]
    make_workbook(inbox / "谷城县.xlsx", {
        "附件1": appendix1_rows(rows),
        "附件2": appendix2_rows(["谷城县", 3, 1, 2, "三十多万", "１２万元", 4, 3, 0, 5, 12, 2, None])},
        merges={"附件1": ["A5:A6", "B5:B6"]})
    make_workbook(inbox / "保康县.xlsx", {"附件1": appendix1_rows(
        [[1, "问题D", "投入1万元", "是", "2022-06-30", "王五", "县商务局"]], county="保康县")})
    return inbox


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[zhenggai.MergeResult, zhenggai.Rollup]:
    tmp = tmp_path_factory.mktemp("frames")
    m = zhenggai.merge(_inbox(tmp), OPTS, tmp / "汇总.xlsx")
    return m, zhenggai.read_rollup(tmp / "汇总.xlsx")


def _per_problem_rate(items: pd.DataFrame) -> dict[str, float]:
    """The README's recipe, word for word."""
    done = items.assign(done=items["done"].fillna(False)).groupby(["county", "problem_id"])["done"].all()
    return dict(done.groupby("county").mean().to_dict())


@pytest.mark.parametrize("which", ["merge", "read_rollup"])
def test_the_readme_rate_per_problem_is_the_rollups_rate(both: tuple[zhenggai.MergeResult, zhenggai.Rollup],
                                                          which: str) -> None:
    counties, items, _, _ = (both[0] if which == "merge" else both[1]).frames()
    rates = counties.set_index("county")["rate"].dropna().to_dict()
    assert rates == {"谷城县": pytest.approx(1 / 3), "保康县": 1.0}
    assert _per_problem_rate(items) == rates  # exactly, not approximately
    assert items.groupby("county")["done"].mean()["谷城县"] == 0.5  # rows, not problems: the old recipe was wrong
    ids = items[items["county"] == "谷城县"]["problem_id"].tolist()
    assert ids[0] == ids[1] and len(set(ids)) == 3  # the two measures of 问题A: one problem


def test_every_column_has_its_type(both: tuple[zhenggai.MergeResult, zhenggai.Rollup]) -> None:
    for frames in (both[0].frames(), both[1].frames()):
        counties, items, stats, findings = frames
        for col in ("total", "done", "open", "overdue", "errors", "warnings", "rows_read", "rows_written",
                    "coverage_answered", "coverage_total"):
            assert str(counties[col].dtype) == "Int64", col
        assert str(counties["rate"].dtype) == "Float64" and str(counties["status"].dtype) == "category"
        assert {str(items[c].dtype) for c in ("seq", "problem_id", "source_row", "errors")} == {"Int64"}
        assert str(items["done"].dtype) == "boolean" and str(items["deadline"].dtype) == "datetime64[ns]"
        assert {str(items[c].dtype) for c in ("seq_text", "deadline_text", "done_text", "problem", "measure")} == {
            "string"}
        for col in ("total", "done", "open", "staff_added", "stations_built"):  # counts
            assert str(stats[col].dtype) == "Int64", col
        for col in ("county_funds", "recovered_funds"):  # amounts (万元)
            assert str(stats[col].dtype) == "Float64", col
        assert str(stats["county_funds_text"].dtype) == "string"
        assert list(findings.columns) == ["county", "file", "sheet", "cell", "row", "column", "code", "severity",
                                          "value", "message"]
        assert findings["severity"].cat.ordered and list(findings["severity"].cat.categories) == [
            "info", "warning", "error"]


def test_unknown_is_na_and_the_clerks_text_stays(both: tuple[zhenggai.MergeResult, zhenggai.Rollup]) -> None:
    m, back = both
    built = m.frames().counties.set_index("county")
    assert built.loc["谷城县", "rows_read"] == 4 and built.loc["谷城县", "rows_written"] == 4
    read = back.frames().counties
    assert read["rows_read"].isna().all() and read["rows_written"].isna().all()  # not in the workbook: NA, not 0

    items = m.frames().items.set_index(["county", "problem"])
    b = items.loc[("谷城县", "问题B")]
    assert b["deadline"] == pd.Timestamp(2022, 6, 30) and b["deadline_text"] == "2022年6月30日"
    stats = m.frames().stats.set_index("county")
    assert pd.isna(stats.loc["谷城县", "county_funds"]) and stats.loc["谷城县", "county_funds_text"] == "三十多万"
    assert stats.loc["谷城县", "recovered_funds"] == 12 and stats.loc["谷城县", "recovered_funds_text"] == "１２万元"


def test_validation_frames(tmp_path: Path) -> None:
    with zhenggai.validate(_inbox(tmp_path), OPTS.validate) as r:
        files, found = r.frames()
    assert files.set_index("county").loc["谷城县", "errors"] == r.report.files[1].count(zhenggai.Severity.ERROR)
    assert str(files["rows"].dtype) == "Int64" and files["county"].tolist() == ["保康县", "谷城县"]
    assert (found["severity"] > "warning").sum() == r.errors and (found["severity"] == "warning").sum() == r.warnings
    assert found["county"].notna().all()
    bad = found[found["value"] == "三十多万"].iloc[0]  # number-estimate or number-invalid: either way, here
    assert (bad["county"], bad["cell"], bad["column"], bad["value"]) == ("谷城县", "E5", "县级财政安排经费（万元）",
                                                                       "三十多万")
    assert str(found["severity"].dtype) == "category" and str(found["row"].dtype) == "Int64"
