"""Copied measures (rollup/copies.py): within a county, across counties, from the previous round."""

from __future__ import annotations

import os
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz.fuzz import ratio

from builders import A1_HEADERS, Row, appendix1_rows, appendix2_rows, make_docx, make_workbook
from zhenggai import Finding, MergeOptions, Options, merge
from zhenggai.rollup.copies import MIN_LENGTH, SIMILAR, near_pairs, normalise

OPTS = MergeOptions(validate=Options(as_of=date(2022, 9, 1)), prefecture="襄阳市")
COPIED = "谷城县商务局已终止与原运营企业的合作，中心场地由县商务局收回，追回资金35万元"


def county(folder: Path, name: str, measures: list[str]) -> None:
    rows: list[Row] = [[i + 1, f"{name}的问题{'甲乙丙丁'[i]}", m, "是", "2022-06-30", "张三", f"{name}商务局"]
                       for i, m in enumerate(measures)]
    make_workbook(folder / f"{name}-附件1.xlsx", {"附件1": appendix1_rows(rows, county=name)})
    n = len(rows)
    make_workbook(folder / f"{name}-附件2.xlsx",
                  {"附件2": appendix2_rows([name, n, n, 0, 0, 0, 0, 0, 0, 0, 0, 0, None], county=name)})


def copies(inbox: Path, out: Path, previous: Path | None = None) -> list[Finding]:
    opts = MergeOptions(validate=OPTS.validate, prefecture="襄阳市", previous=previous)
    rollup = merge([inbox], opts, out).rollup
    return [f for f in rollup.report.findings() if f.code == "measure-copied"]


def test_within_a_county_under_different_problems(tmp_path: Path) -> None:
    county(tmp_path / "收件", "谷城县", [COPIED, COPIED.replace("35", "12"), "新建改造站点5个，淘汰站点2个"])
    found = copies(tmp_path / "收件", tmp_path / "汇总.xlsx")
    assert [(f.file, f.sheet, f.cell) for f in found] == [
        ("谷城县-附件1.xlsx", "附件1", "C5"), ("谷城县-附件1.xlsx", "附件1", "C6")]
    assert "谷城县：谷城县-附件1.xlsx › 附件1!C6" in found[0].message
    assert "谷城县：谷城县-附件1.xlsx › 附件1!C5" in found[1].message
    assert found[0].severity.value == "warning"


def test_across_counties_after_dropping_county_names(tmp_path: Path) -> None:
    county(tmp_path / "收件", "谷城县", [COPIED, "新建改造站点5个，淘汰站点2个"])
    county(tmp_path / "收件", "保康县", ["县财政安排30万元购买服务", COPIED.replace("谷城县", "保康县")])
    nearly = "枣阳市商务局已终止与原运营企业的合作，中心场地由县商务局收回，并追回资金35万元。"
    county(tmp_path / "收件", "枣阳市", [nearly])
    found = copies(tmp_path / "收件", tmp_path / "汇总.xlsx")
    assert sorted((f.file, f.cell) for f in found) == [
        ("保康县-附件1.xlsx", "C6"), ("枣阳市-附件1.xlsx", "C5"), ("谷城县-附件1.xlsx", "C5")]
    gucheng = next(f for f in found if f.file.startswith("谷城县"))
    assert "保康县：保康县-附件1.xlsx › 附件1!C6" in gucheng.message
    assert "枣阳市：枣阳市-附件1.xlsx › 附件1!C5" in gucheng.message


def test_from_another_county_in_the_previous_round(tmp_path: Path) -> None:
    county(tmp_path / "一", "谷城县", [COPIED, "新建改造站点5个，淘汰站点2个"])
    first = tmp_path / "第一轮.xlsx"
    assert copies(tmp_path / "一", first) == []
    # Round two: 谷城县 keeps its own measure (not a copy: round-measure-unchanged's business);
    # 保康县, new this round, copies 谷城县's measure of the last round.
    county(tmp_path / "二", "谷城县", [COPIED, "新建改造站点6个，淘汰站点2个"])
    copied = COPIED.replace("谷城县", "保康县").replace("35", "20")
    county(tmp_path / "二", "保康县", ["县财政安排30万元购买服务", copied])
    found = copies(tmp_path / "二", tmp_path / "第二轮.xlsx", previous=first)
    assert [(f.file, f.cell) for f in found] == [("保康县-附件1.xlsx", "C6"), ("谷城县-附件1.xlsx", "C5")]
    # named as the previous rollup names it: its file › the county's source file, the row there
    assert "上一轮 谷城县：第一轮.xlsx›谷城县-附件1.xlsx › 第5行" in found[0].message
    assert "上一轮" not in found[1].message  # 谷城县's own last round is no copy; 保康县 this round is


def test_short_or_different_measures_are_no_copies(tmp_path: Path) -> None:
    county(tmp_path / "收件", "谷城县", ["已完成整改", "已完成整改", "新建改造站点5个，淘汰站点2个，新覆盖村3个"])
    county(tmp_path / "收件", "保康县", ["追回企业资金12万元，已归垫至示范资金专户", "已完成整改"])
    assert copies(tmp_path / "收件", tmp_path / "汇总.xlsx") == []
    assert len(normalise("已完成整改", frozenset())) < MIN_LENGTH


def test_normalise_drops_punctuation_numbers_markers_and_counties() -> None:
    counties = frozenset({"谷城县", "保康县", "五峰县"})
    assert normalise("1.谷城县追回资金35.5万元；\n2.新建站点８个。", counties) == "某县追回资金万元新建站点个"
    assert normalise("①保康县追回资金十二万元", counties) == "某县追回资金万元"  # 万 stays: a unit
    assert normalise("（２）五峰县新建站点三个", counties) == "某县新建站点个"  # a name holding a numeral
    assert normalise("市场监管局", frozenset({"场监管局"})) == "市场监管局"  # only whole names that end in 县/市/区/旗


def test_a_boilerplate_in_many_counties_names_three_and_counts_the_rest(tmp_path: Path) -> None:
    for name in ("谷城县", "保康县", "枣阳市", "南漳县", "宜城市"):
        county(tmp_path / "收件", name, [f"{name}高度重视，进一步加强站点管理，认真落实整改责任，确保整改到位"])
    found = copies(tmp_path / "收件", tmp_path / "汇总.xlsx")
    assert len(found) == 5
    gucheng = next(f for f in found if f.file.startswith("谷城县"))
    assert gucheng.message.count("-附件1.xlsx › 附件1!C5") == 3 and " 等 4 处" in gucheng.message


def test_index_finds_what_comparing_every_pair_finds() -> None:
    rng = random.Random(7)
    words = ["追回资金", "新建站点", "淘汰站点", "整合快递", "覆盖行政村", "优化课程", "补充人员", "印发办法",
             "收回场地", "解除合同", "专项审计", "登记造册"]
    texts = ["".join(rng.sample(words, 4)) for _ in range(150)]
    texts += [t[:5] + "某" + t[6:] for t in texts[:40]]  # one character changed
    texts += [t[:-3] for t in texts[40:70]]  # the end cut off
    brute = {(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
             if ratio(texts[i], texts[j], score_cutoff=SIMILAR)}
    assert brute and set(near_pairs(texts)) == brute


def test_province_adds_only_copies_across_prefectures(tmp_path: Path) -> None:
    county(tmp_path / "襄阳", "谷城县", [COPIED, "新建改造站点5个，淘汰站点2个"])
    county(tmp_path / "襄阳", "保康县", [COPIED.replace("谷城县", "保康县"), "县财政安排30万元购买服务"])
    county(tmp_path / "宜昌", "远安县", ["县财政安排40万元购买服务", COPIED.replace("谷城县", "远安县")])
    rollups = tmp_path / "市州"
    for pref in ("襄阳", "宜昌"):
        opts = MergeOptions(validate=OPTS.validate, prefecture=f"{pref}市")
        merge([tmp_path / pref], opts, rollups / f"{pref}市汇总.xlsx")
    province = merge([rollups], MergeOptions(validate=OPTS.validate), tmp_path / "全省.xlsx").rollup
    found = [f for f in province.report.findings() if f.code == "measure-copied"]
    # 襄阳's two copies were reported by 襄阳's own merge (and come along with its 校验问题);
    # the province adds the copies across prefectures: each of the three names the other side.
    new = [f for f in found if "远安县" in f.message or f.file.startswith("宜昌")]
    assert len(new) == 3
    assert all("第" in f.message for f in new)  # a rollup read back names rows, not cells


def test_a_copy_in_a_word_reply_is_named_by_its_table_row(tmp_path: Path) -> None:
    """A Word table has no worksheet cell: the other county's warning says 表格1 第2行 (row 1 is
    the header), as the clerk counts rows in Word."""
    county(tmp_path / "收件", "谷城县", [COPIED, "新建改造站点5个，淘汰站点2个"])
    row = ["1", "保康县的问题甲", COPIED.replace("谷城县", "保康县"), "是", "2022-06-30", "张三", "保康县商务局"]
    make_docx(tmp_path / "收件" / "保康县报送.docx", [
        "附件1", "示范县整改清单", "保康县商务主管部门（盖章）", [list(A1_HEADERS), row],
        "（联系人：张三  联系电话：13800138000）"])
    found = copies(tmp_path / "收件", tmp_path / "汇总.xlsx")
    gucheng = next(f for f in found if f.file.startswith("谷城县"))
    assert "保康县：保康县报送.docx › 表格1 第2行" in gucheng.message, gucheng.message
    assert "表格1!" not in gucheng.message


def _sheet(path: Path, name: str) -> list[tuple[object, ...]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_found_in_a_child_or_here_the_rollup_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copies are looked for in a child process while the stamped sheets are written
    (api/pipeline.py, core/background.py): the findings, 核对底稿's warning counts and
    校验问题 are those of looking for them in process, first."""
    from zhenggai.intake import second_cpu

    county(tmp_path / "二", "谷城县", [COPIED, COPIED.replace("35", "12")])
    county(tmp_path / "二", "保康县", ["县财政安排30万元购买服务", COPIED.replace("谷城县", "保康县")])
    started: list[object] = []
    start = second_cpu.start

    def start_and_count(compute: Any) -> Any:
        started.append(compute)
        return start(compute)

    monkeypatch.setattr(second_cpu, "available", lambda: True)  # even on a busy machine
    monkeypatch.setattr(second_cpu, "start", start_and_count)
    found = copies(tmp_path / "二", tmp_path / "子进程.xlsx")
    assert len(started) == 1
    monkeypatch.setattr(second_cpu, "start", lambda compute: start(lambda: os._exit(3)))  # a child that dies
    assert copies(tmp_path / "二", tmp_path / "子进程失败.xlsx") == found
    monkeypatch.setattr(second_cpu, "available", lambda: False)
    assert copies(tmp_path / "二", tmp_path / "本进程.xlsx") == found
    assert len(started) == 1
    assert len(found) == 3
    for sheet in ("核对底稿", "校验问题", "汇总概览"):
        assert _sheet(tmp_path / "子进程.xlsx", sheet) == _sheet(tmp_path / "本进程.xlsx", sheet)
        assert _sheet(tmp_path / "子进程失败.xlsx", sheet) == _sheet(tmp_path / "本进程.xlsx", sheet)
    assert sorted(f.file for f in found) == ["保康县-附件1.xlsx", "谷城县-附件1.xlsx", "谷城县-附件1.xlsx"]
    # 警告数 of each county's line on 核对底稿: its copies (2 and 1) and one warning of another kind
    work = {(row[0], row[1]): row[8] for row in _sheet(tmp_path / "子进程.xlsx", "核对底稿")}
    assert (work[("谷城县", "附件3")], work[("保康县", "附件3")]) == (3, 2)
