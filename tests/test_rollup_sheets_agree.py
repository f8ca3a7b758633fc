"""A prefecture rollup edited by hand after zhenggai wrote it (audit28): its sheets are checked
against each other when the province (or ``report``, ``--previous``) reads it back. A county
the sheets disagree on is in no total, marked, and an error names it; never one reading."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

import zhenggai
from builders import appendix1_rows, appendix2_rows, make_workbook
from programs import run_zhenggai
from zhenggai import MergeOptions, Options, Status, read_rollup

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NEW = ("rollup-sheets-disagree", "rollup-count-unreadable", "rollup-incomplete")
# county → 是否完成整改 of its two problems; 钟祥市 has none done
DONE = {"京山市": ("是", "否"), "沙洋县": ("是", "是"), "钟祥市": ("否", "否")}


def jingmen(tmp_path: Path) -> Path:
    """荆门市's rollup of three counties, as zhenggai writes it (汇总概览 rows 5-7, 合计 row 8)."""
    src = tmp_path / "荆门收件"
    for county, done in DONE.items():
        rows = [[i + 1, f"{county}问题{i + 1}", f"投入{i + 1}万元，新建站点{i + 1}个，{county}", d,
                 "2022-06-30" if d == "是" else "2022-12-31", "张三", f"{county}商务局"] for i, d in enumerate(done)]
        n = done.count("是")
        make_workbook(src / f"{county}.xlsx", {
            "附件1": appendix1_rows(rows, county=county),
            "附件2": appendix2_rows([county, 2, n, 2 - n, 20, 0, 1, 2, 0, 3, 4, 1, None], county=county)})
    out = tmp_path / "各市州" / "荆门市汇总.xlsx"
    zhenggai.merge([src], MergeOptions(validate=Options(as_of=date(2022, 7, 15)), prefecture="荆门市"), out)
    ws = openpyxl.load_workbook(out)["汇总概览"]
    assert [ws.cell(r, 1).value for r in range(5, 9)] == ["京山市", "沙洋县", "钟祥市", "合计"]
    return out


def edit(path: Path, change: object) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb)  # type: ignore[operator]
    wb.save(path)


def province(tmp_path: Path) -> tuple[int, str, list[tuple[str, str]], openpyxl.Workbook]:
    out = tmp_path / "湖北省.xlsx"
    res = run_zhenggai("merge", str(tmp_path / "各市州"), "-o", str(out), "--prefecture", "湖北省",
                       "--as-of", "2022-07-15")
    assert "Traceback" not in res.stderr
    result = zhenggai.merge([tmp_path / "各市州"], MergeOptions(validate=Options(as_of=date(2022, 7, 15))))
    found = [(f.code, f.message) for f in result.rollup.report.findings() if f.code in NEW]
    return res.returncode, res.stdout + res.stderr, found, openpyxl.load_workbook(out)


def overview(wb: openpyxl.Workbook) -> dict[str, tuple[object, ...]]:
    ws = wb["汇总概览"]
    return {str(r[1]): r[2:6] for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}


def test_a_clean_rollup_reads_back_without_a_new_finding(tmp_path: Path) -> None:
    jingmen(tmp_path)
    code, _, found, wb = province(tmp_path)
    assert (code, found) == (0, [])
    assert overview(wb)["钟祥市"] == ("已报送", 2, 0, 2)
    for name in ("襄阳市汇总.xlsx", "襄阳市汇总-第二轮.xlsx"):  # written with a feedback list
        report = read_rollup(EXAMPLES / name).report
        assert [f for f in report.findings() if f.code in NEW] == []


def _done_up(wb: openpyxl.Workbook) -> None:
    # 钟祥市 已完成 0 → 2 in 汇总概览 and its 合计 (so the 合计 still adds up); its rows still say 否
    ws = wb["汇总概览"]
    ws["D7"], ws["E7"], ws["F7"], ws["D8"], ws["E8"], ws["F8"] = 2, 0, 1.0, 5, 1, 5 / 6


def test_done_raised_in_the_overview_only_is_an_error_and_in_no_total(tmp_path: Path) -> None:
    edit(jingmen(tmp_path), _done_up)
    code, out, found, wb = province(tmp_path)
    assert code == 1
    (f,) = found
    assert f[0] == "rollup-sheets-disagree" and "钟祥市" in f[1] and "已完成 0 个" in f[1]
    assert "钟祥市：汇总概览为" in out and "文件无法读取" in out  # the terminal says it
    rows = overview(wb)
    assert rows["钟祥市"] == ("文件无法读取", None, None, None)  # no figure printed, none counted
    assert rows["合计"][1:] == (4, 3, 1)  # 京山市 and 沙洋县: never 6 problems with 5 done
    report = read_rollup(tmp_path / "各市州" / "荆门市汇总.xlsx")  # report and --previous read it so too
    (s,) = [c for c in report.counties if c.county == "钟祥市"]
    assert (s.status, s.counted, s.total, s.done) == (Status.UNREADABLE, False, 0, 0)
    assert "整改清单汇总" in s.marks["done"].text


def _del_county(wb: openpyxl.Workbook) -> None:
    # 钟祥市's line deleted from 汇总概览 and the 合计 adjusted; its 附件1 and 附件2 rows stay
    ws = wb["汇总概览"]
    ws.delete_rows(7)
    ws["B7"], ws["C7"], ws["D7"], ws["E7"], ws["F7"] = "2/2 已报送", 4, 3, 1, 0.75


def test_a_county_deleted_from_the_overview_only_is_named_not_dropped(tmp_path: Path) -> None:
    edit(jingmen(tmp_path), _del_county)
    code, _, found, wb = province(tmp_path)
    assert code == 1
    (f,) = found
    assert f[0] == "rollup-sheets-disagree" and f[1].startswith("钟祥市：") and "汇总概览”中没有" in f[1]
    assert overview(wb)["钟祥市"][0] == "文件无法读取"
    stats = {r[1]: r for r in wb["成果统计汇总"].iter_rows(min_row=5, values_only=True) if r[1]}
    assert stats["合计"][5] == 40  # 县级财政安排经费: 京山市 and 沙洋县 only, 钟祥市's 20 in no total


def _typed_in(wb: openpyxl.Workbook) -> None:
    # 南漳县 typed into 汇总概览 (before 合计) with figures; no 附件1 rows anywhere
    ws = wb["汇总概览"]
    ws.insert_rows(8)
    for c, v in zip("ABCDEF", ["南漳县", "已报送", 4, 4, 0, 1.0], strict=True):
        ws[f"{c}8"] = v
    ws["C9"], ws["D9"], ws["E9"] = 10, 7, 3


def _renamed(wb: openpyxl.Workbook) -> None:
    # 整改清单汇总: 钟祥市's rows "corrected" to 钟祥县 on that sheet only
    for row in wb["整改清单汇总"].iter_rows(min_row=5):
        if row[0].value == "钟祥市":
            row[0].value = "钟祥县"


def _items_done(wb: openpyxl.Workbook) -> None:
    # 整改清单汇总: 京山市's open problem set to 是; 汇总概览 untouched
    ws = wb["整改清单汇总"]
    (row,) = [r for r in ws.iter_rows(min_row=5) if r[0].value == "京山市" and r[4].value == "否"]
    row[4].value = "是"


@pytest.mark.parametrize(("change", "county"), [(_typed_in, "南漳县"), (_renamed, "钟祥县"),
                                                 (_items_done, "京山市")])
def test_a_county_the_sheets_disagree_on_is_an_error(tmp_path: Path, change: object, county: str) -> None:
    edit(jingmen(tmp_path), change)
    code, _, found, wb = province(tmp_path)
    assert code == 1
    assert any(c == "rollup-sheets-disagree" and m.startswith(f"{county}：") for c, m in found), found
    assert overview(wb)[county][0] == "文件无法读取"


def test_a_count_turned_into_text_is_never_read_as_0(tmp_path: Path) -> None:
    def text_cells(wb: openpyxl.Workbook) -> None:
        wb["汇总概览"]["C7"], wb["汇总概览"]["D5"] = "待核实", "约1"

    edit(jingmen(tmp_path), text_cells)
    code, _, found, wb = province(tmp_path)
    assert code == 1
    assert sorted(m.split("的「")[0] for c, m in found if c == "rollup-count-unreadable") == [
        "汇总概览中京山市", "汇总概览中钟祥市"]
    rows = overview(wb)
    assert rows["钟祥市"] == ("文件无法读取", None, None, None) and rows["京山市"][0] == "文件无法读取"
    assert rows["合计"][1:] == (2, 2, 0)  # 沙洋县 alone


def test_a_rollup_without_its_status_column_is_refused(tmp_path: Path) -> None:
    edit(jingmen(tmp_path), lambda wb: wb["汇总概览"].delete_cols(2))
    code, _, found, _ = province(tmp_path)
    assert code == 1
    assert found == [("rollup-incomplete", "这像是 zhenggai 生成的汇总表，但工作表“汇总概览”缺少“报送状态”列，"
                                           "无法作为市州汇总读取")]


def test_report_on_an_edited_rollup_says_so_and_prints_no_figure_of_that_county(tmp_path: Path) -> None:
    import docx

    path = jingmen(tmp_path)
    edit(path, _done_up)  # 汇总概览 says 5 of 6 done (83.3%); the rows say 3 of 6
    res = run_zhenggai("report", str(path), "-o", str(tmp_path / "报告"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "钟祥市：汇总概览为 2 个问题、已完成 2 个" in res.stderr
    text = "".join(p.text for p in docx.Document(str(tmp_path / "报告" / "情况报告.docx")).paragraphs)
    assert "问题4个（不含钟祥市" in text and "完成率75.0%" in text
    assert "83.3%" not in text and "问题6个" not in text  # 分类整改情况 agrees with 总体情况
