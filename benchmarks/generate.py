"""Generate realistic county replies for the benchmarks (invented sample data).

    python benchmarks/generate.py OUTDIR --counties 1500 --seed 1
    python benchmarks/generate.py OUTDIR --counties 0 --big-rows 100000

Each county sends 附件1 整改清单 (5-60 rows × 7 columns) and 附件2 成果统计表 (one row ×
13 columns), laid out as ``zhenggai init-county`` writes them: the 附件N label, the
title, the "XX县商务主管部门（盖章）" line, the header, the rows and the contact line.
Like a real inbox, the replies vary:

- two files, or one workbook with both sheets; a few in a subfolder per county;
- about 5 % legacy .xls, converted from .xlsx by ONE batched LibreOffice call
  (skipped with a note when soffice is missing, or with ``--no-xls``);
- messy headers (title/note rows above, line breaks, 整改措施及情况, 完成时间, an extra
  备注 column), category headings merged across the table, one 责任单位 merged down
  several rows;
- dates as date cells, as text (2022年6月30日, 2022-06-30, 2022年12月底) or as bare
  serial numbers; 是/否 with the odd 已完成 / 整改中;
- a few mistakes: an invalid date (长期坚持), a blank 责任人, a pledge-only measure.

Everything is deterministic by ``--seed``: each county draws from its own random
generator, and county names come from one seeded permutation, so the first 60 counties
of a 1,500-county set are the 60 counties of a 60-county set. County names are made up
from a fixed character list (2 characters + 县/市/区); the titles say 示例数据.

Dates are 2022 dates as a county would have sent them in July 2022: items marked 是
were finished by 2022-07-10, open items are due 2022-07-20 … 2022-12-31. Validate them
with ``--as-of 2022-07-15`` to see the data as the prefecture saw it then.

``--big-rows N`` also writes ``big-附件1.xlsx``: one 附件1 with N rows, the stress case.
Files are written with XlsxWriter (shared strings, styles, merged cells, as Excel and
WPS save them); only XlsxWriter and the standard library are needed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

SAMPLE = "（示例数据，纯属虚构）"
CREATED = datetime(2022, 7, 8, 9, 30)  # fixed document property: identical runs, identical content

# Name characters: none of 县市区旗州盟地省 (county/prefecture markers), 某 or ×X* (placeholders),
# 商务 (the bureau line is cut at 商务): every name reads back as exactly itself.
NAME_CHARS = (
    "安宁平和丰泰兴隆昌永清河阳山江源城川林峰溪桥康乐祥福庆华南北东西新青石云龙凤岭泉远长德仁义"
    "定武文明水沙松柏桃梅湖海宝金银玉春秋"
)
SUFFIXES = ("县",) * 16 + ("市",) * 3 + ("区",)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国红志玲波辉鹏斌宇浩凯健俊帆"

A1_HEADERS = ["序号", "问题描述（按反馈问题清单填报）", "整改措施和情况", "是否完成整改", "完成时限",
              "责任人", "责任单位"]
A1_MESSY = [
    ["序号", "问题描述\n(按反馈问题清单填报)", "整改措施及情况", "是否完成\n整改", "完成时间", "责任人", "责任单位"],
    ["序 号", "问题描述", "整改措施和情况", "是否完成整改", "完成时间", "责任人", "责任\n单位"],
    ["序号", "存在问题", "整改措施\n及情况", "是否完成", "完成时限", "责任人", "责任部门"],
]
A2_HEADERS = ["县（市、区）", "反馈问题数（个）", "已完成整改数（个）", "未完成整改数（个）",
              "县级财政安排经费（万元）", "追回企业资金（万元）", "补充人员（人）", "新整合快递企业（家）",
              "淘汰站点（个）", "新建改造站点（个）", "快递村村通新覆盖村（个）", "优化培训课程（个）", "备注"]
A2_MESSY = ["县(市、区)", "反馈问题数\n（个）", "已完成\n整改数（个）", "未完成\n整改数（个）",
            "县级财政安排经费\n（万元）", "追回企业资金\n（万元）", "补充人员\n（人）", "新整合快递企业\n（家）",
            "淘汰站点\n（个）", "新建改造站点\n（个）", "快递村村通\n新覆盖村（个）", "优化培训课程\n（个）", "备注"]
CATEGORIES = ["一、业务建设方面", "二、资金和资产管理方面", "三、组织保障方面"]
NOTES_ABOVE = ["（请于7月10日前报市商务局）", "填报说明：完成时限请填写具体日期", "（此表报送电子版和盖章扫描件）"]

PROBLEMS = [
    "{town}电子商务公共服务中心服务功能弱化，年服务企业不足{a}家",
    "{town}物流配送中心运行不稳定，配送时效超过{h}小时",
    "快递企业整合不够，{town}{a}个行政村未实现快递进村",
    "{town}{a}个村级电商服务站点无人值守，存活率仅{p}%",
    "{town}电商培训以理论性、普及型为主，{y}年培训{b}人次，转化率不足{p}%",
    "资金执行进度较慢，{town}项目沉淀资金{m}万元",
    "未建立固定资产管理制度，{town}服务站{a}项资产未入账",
    "{town}网货产品开发不足，仅开发网货{a}款，网络营销工作薄弱",
    "对承办企业工作量审核把关不严，{town}项目多拨付资金{m}万元",
    "超范围列支中央财政资金{m}万元用于{town}办公用房维修",
    "项目申报、评审等管理程序不健全，{town}{a}个项目未履行评审程序",
    "对企业、站点的奖补政策未公开，涉及{town}站点{a}个",
    "村级服务站点布局不合理，{town}{a}个站点重复建设",
    "农产品上行渠道单一，{town}{y}年网络零售额仅{m}万元",
    "品牌培育不足，{town}{a}个农产品未取得“三品一标”认证",
    "站点负责人业务培训不够，{town}{a}个站点造血能力弱",
    "县乡村三级物流体系不健全，{town}及周边{a}个村未设快递网点",
    "示范项目绩效目标完成率{p}%，{town}{a}项指标未达标",
]
# Clauses of a measure, as counties write them; a measure joins two or three (issue 19: one
# template filled with numbers would make every row a "copy" of thousands of others). The
# tuple names the 附件2 column (index in A2_HEADERS) a figure of the clause feeds: 附件2 is
# the sum of what the measures state, as in a careful county's reply.
MEASURES: list[tuple[str, dict[str, int]]] = [
    ("县财政安排{town}站点运营经费{m}万元，以政府购买服务方式委托{co}运营", {"m": 4}),
    ("追回{co}多拨付资金{r}万元，已归垫至示范资金专户", {"r": 5}),
    ("补充{town}服务中心工作人员{c}人，由{person}负责日常运营", {"c": 6}),
    ("新整合快递企业{c}家，在{town}设立共同配送点", {"c": 7}),
    ("淘汰{town}不达标站点{a}个，设备调拨{vil}站点使用", {"a": 8}),
    ("新建改造{town}{vil}等村级站点{a}个", {"a": 9}),
    ("快递村村通新覆盖{town}{vil}等行政村{a}个", {"a": 10}),
    ("优化培训课程{c}门，增加{topic}等实操课程", {"c": 11}),
    ("在{town}开展{topic}专题培训{a}期，培训学员{b}人次", {}),
    ("印发《{town}电子商务服务站点管理办法》，对{vil}等{a}个站点逐一核查", {}),
    ("已与{co}解除运营合同，{town}服务中心由县商务局收回", {}),
    ("对{co}开展专项审计，审计报告已报县政府", {}),
    ("{town}物流配送中心更换运营企业为{co}，配送时效缩短至{h}小时以内", {}),
    ("在县政府网站公开{town}奖补政策和兑付结果，公开项目{a}个", {}),
    ("已支付{town}项目资金{m}万元，剩余资金{mo}月底前支付完毕", {}),
    ("完成{town}{vil}等{a}个站点资产清查，建立资产台账", {}),
    ("约谈{co}负责人{person}，责令限期整改", {}),
    ("开发{town}{product}等网货产品{a}款，对接电商平台{b}家", {}),
    ("聘请第三方机构对{town}{a}个项目开展绩效评价", {}),
    ("{vil}村级站点由{person}接管，恢复代收代发业务", {}),
]
DETAILS = ["，由{person}具体负责", "，涉及{vil}等{b}户", "，{mo}月已通过县商务局验收", "，相关资料已存档备查",
           "，{town}同步推进", "，台账由{person}管理", "，{vil}{person}等群众反映良好", "，经{co}确认"]
TOPICS = ["直播带货", "网店运营", "短视频制作", "农产品包装", "电商客服", "社群营销", "冷链物流", "品牌策划"]
PRODUCTS = ["香菇", "茶叶", "柑橘", "土蜂蜜", "腊肉", "核桃", "木耳", "猕猴桃", "红薯粉", "菜籽油"]
PLEDGE = "高度重视，进一步加强管理，认真落实整改责任，确保整改到位"
UNITS = ["{s}商务局", "{s}邮政分公司", "{s}财政局", "{s}供销社", "{s}交通运输局", "{s}农业农村局",
         "{s}市场监管局", "{s}审计局", "{s}电子商务服务中心"]


@dataclass(slots=True)
class Item:
    """One 附件1 row."""

    seq: int
    problem: str
    measure: str
    stated: dict[int, float]  # the figures the measure states: 附件2 column → value
    done: Any  # "是" / "否" / variant
    deadline: Any  # datetime, text, serial number, or an invalid text
    owner: Any
    unit: str
    note: str = ""
    category: str | None = None


@dataclass(slots=True)
class Reply:
    """What one county sends."""

    county: str
    items: list[Item]
    a2: list[Any]
    contact: str
    combined: bool = False
    messy: bool = False
    categories: bool = False
    merged_units: list[tuple[int, int]] = field(default_factory=list)  # (first, last) item index
    names: list[str] = field(default_factory=list)  # file names (separate: [附件1, 附件2])
    subfolder: bool = False
    sheet_names: tuple[str, str] = ("附件1 整改清单", "附件2 成果统计表")


def county_names(n: int, seed: int) -> list[str]:
    """``n`` unique invented county names; the first k are the same for any n ≥ k."""
    rng = random.Random(f"{seed}:names")
    pairs = [a + b for a in NAME_CHARS for b in NAME_CHARS if a != b]
    rng.shuffle(pairs)
    if n > len(pairs):
        raise SystemExit(f"最多生成 {len(pairs)} 个县")
    return [p + rng.choice(SUFFIXES) for p in pairs[:n]]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    return f"07{rng.randrange(10, 100)}-{rng.randrange(2000000, 9000000)}"


def _town(rng: random.Random) -> str:
    return rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + rng.choice(("镇", "乡", "镇", "街道"))


def _slots(rng: random.Random) -> dict[str, Any]:
    return {
        "a": rng.randint(2, 60), "b": rng.randint(5, 300), "p": rng.randint(10, 60),
        "h": rng.choice((24, 36, 48, 72)), "y": rng.choice((2020, 2021)),
        "m": round(rng.uniform(3, 480), rng.choice((0, 1, 2))), "mo": rng.randint(8, 12), "town": _town(rng),
        # small figures: a county's 附件2 sums them (within indicators.toml's plausible ranges)
        "c": rng.randint(1, 4), "r": round(rng.uniform(1, 60), rng.choice((0, 1, 2))),
        "vil": rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + "村",
        "co": rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + rng.choice(("物流公司", "电商公司", "供销公司")),
        "person": _person(rng), "topic": rng.choice(TOPICS), "product": rng.choice(PRODUCTS),
    }


def _fill(template: str, rng: random.Random) -> str:
    return template.format(**_slots(rng))


def _clause(rng: random.Random, template: str, feeds: dict[str, int], figures: dict[int, float]) -> str:
    """One clause of a measure; the figures it states are added to ``figures`` (附件2 column → sum)."""
    slots = _slots(rng)
    for slot, column in feeds.items():
        figures[column] = figures.get(column, 0) + slots[slot]
    detail = rng.choice(DETAILS) if rng.random() < 0.6 else ""
    return (template + detail).format(**slots)


def _deadline(rng: random.Random, done: bool) -> Any:
    if done:
        day = date(2022, 3, 1) + timedelta(days=rng.randint(0, 131))  # … 2022-07-10
    else:
        day = date(2022, 7, 20) + timedelta(days=rng.randint(0, 164))  # … 2022-12-31
    x = rng.random()
    if x < 0.80:
        return datetime(day.year, day.month, day.day)
    if x < 0.88:
        return f"{day.year}年{day.month}月{day.day}日"
    if x < 0.93:
        return day.isoformat()
    if x < 0.97 and not done:
        return f"{day.year}年{day.month}月底"  # read as the month's last day (info finding)
    return float((day - date(1899, 12, 30)).days)  # a date cell whose format was lost


def make_items(rng: random.Random, n: int, seat: str, *, categories: bool, errors: bool,
               figures: dict[int, float]) -> list[Item]:
    """``n`` 附件1 rows; with ``errors`` one invalid date and/or one blank 责任人. The figures the
    measures state are summed into ``figures``; about 1 % of the rows copy an earlier row's measure
    under their own problem (the copy a province official should hear about)."""
    owners = [_person(rng) for _ in range(rng.randint(2, 5))]
    items: list[Item] = []
    cats = CATEGORIES[: rng.randint(2, 3)] if categories else [None]
    for i in range(n):
        done = rng.random() < 0.65
        yn: str = "是" if done else "否"
        if rng.random() < 0.02:
            yn = "已完成" if done else "整改中"
        stated: dict[int, float] = {}
        parts = [_clause(rng, t, feeds, stated) for t, feeds in rng.sample(MEASURES, rng.choice((2, 3, 3)))]
        if rng.random() < 0.5:
            measure = "\n".join(f"{k}.{p}。" for k, p in enumerate(parts, start=1))
        else:
            measure = "；".join(parts) + "。"
        x = rng.random()
        if x < 0.005:
            measure, stated = PLEDGE, {}
        elif x < 0.015 and items:
            copied = rng.choice(items)
            measure, stated = copied.measure, dict(copied.stated)
        for column, value in stated.items():
            figures[column] = figures.get(column, 0) + value
        category = cats[min(len(cats) - 1, i * len(cats) // n)]
        items.append(Item(
            seq=i + 1, problem=_fill(rng.choice(PROBLEMS), rng), measure=measure, stated=stated, done=yn,
            deadline=_deadline(rng, done), owner=rng.choice(owners),
            unit=rng.choice(UNITS).format(s=seat), category=category,
            note="持续推进" if not done and rng.random() < 0.1 else "",
        ))
    if errors:
        bad = rng.sample(range(n), k=min(n, 2))
        if rng.random() < 0.7:
            items[bad[0]].deadline = rng.choice(("长期坚持", "2022年13月", "年底前"))
        if rng.random() < 0.7 or len(bad) == 1:
            items[bad[-1]].owner = ""
    return items


def make_reply(index: int, county: str, seed: int) -> Reply:
    """The reply of the ``index``-th county, from its own random generator."""
    rng = random.Random(f"{seed}:county:{index}")
    seat = county[-1]  # 县商务局 / 市商务局 / 区商务局
    n = round(rng.triangular(5, 60, 50))  # mean ≈ 38 rows, as in the planning figures
    categories = rng.random() < 0.3
    errors = index % 16 == 1  # 1 county in 16: an invalid date and/or a blank 责任人
    figures: dict[int, float] = {}
    items = make_items(rng, n, seat, categories=categories, errors=errors, figures=figures)
    merged: list[tuple[int, int]] = []
    if rng.random() < 0.25:  # 责任单位 merged down a few runs of rows
        i = rng.randrange(0, max(1, n - 3))
        while i < n - 1:
            length = rng.randint(2, 5)
            last = min(n - 1, i + length - 1)
            if all(items[k].category == items[i].category for k in range(i, last + 1)) and last > i:
                for k in range(i + 1, last + 1):
                    items[k].unit = items[i].unit
                merged.append((i, last))
            i = last + 1 + rng.randint(2, 8)
    done = sum(1 for it in items if it.done in ("是", "已完成"))
    # 附件2: what the measures state; the county with errors miscounts its 新建改造站点 by one.
    a2: list[Any] = [county, n, done, n - done, *(round(figures.get(k, 0), 2) for k in range(4, 12)), ""]
    if errors:
        a2[9] += 1
    messy = rng.random() < 0.2
    if messy and rng.random() < 0.5:
        a2[4] = f"{a2[4]}万元"  # the unit typed into the cell: still read as a number
    contact = f"（联系人：{_person(rng)}  联系电话：{_phone(rng)}）"
    combined = rng.random() < 0.4
    if combined:
        names = [rng.choice((f"{county}专项整改材料.xlsx", f"{county}附件1附件2.xlsx",
                             f"{county}-示范县整改清单及成果统计表.xlsx"))]
    else:
        style = rng.randrange(3)
        if style == 0:
            names = [f"{county}-附件1-示范县整改清单.xlsx", f"{county}-附件2-成果统计表.xlsx"]
        elif style == 1:
            names = [f"{county} 附件1（7月{rng.randint(1, 9)}日修改）.xlsx", f"{county} 附件2.xlsx"]
        else:
            names = [f"附件1-{county}.xlsx", f"附件2-{county}.xlsx"]
    sheet_names = rng.choice((("附件1 整改清单", "附件2 成果统计表"), ("整改清单", "成果统计表"), ("Sheet1", "Sheet2")))
    return Reply(county, items, a2, contact, combined=combined, messy=messy, categories=categories,
                 merged_units=merged, names=names, subfolder=rng.random() < 0.1, sheet_names=sheet_names)


# --- writing ------------------------------------------------------------------------------


class _Formats:
    def __init__(self, wb: Any) -> None:
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        cell = {**base, "border": 1, "text_wrap": True}
        self.label = wb.add_format({"font_name": "黑体", "font_size": 14})
        self.title = wb.add_format({"font_name": "方正小标宋简体", "font_size": 18, "align": "center",
                                    "valign": "vcenter"})
        self.line = wb.add_format({**base, "font_size": 12})
        self.header = wb.add_format({**cell, "bold": True, "align": "center"})
        self.text = wb.add_format({**cell, "align": "left"})
        self.center = wb.add_format({**cell, "align": "center"})
        self.date = wb.add_format({**cell, "align": "center", "num_format": "yyyy-mm-dd"})
        self.category = wb.add_format({**cell, "bold": True, "align": "left"})


def _put(ws: Any, row: int, col: int, value: Any, fmt: Any, date_fmt: Any = None) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, date_fmt or fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def write_appendix1(wb: Any, fm: _Formats, name: str, r: Reply) -> None:
    """附件1 in the official layout, with this county's quirks."""
    ws = wb.add_worksheet(name)
    headers = list(A1_HEADERS)
    if r.messy:
        headers = list(random.Random(r.county).choice(A1_MESSY))
    extra_note = r.messy and any(it.note for it in r.items)
    if extra_note:
        headers.append("备注")
    last = len(headers) - 1
    for col, width in enumerate((6, 38, 48, 10, 13, 10, 16, 12)[: last + 1]):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, "附件1", fm.label)
    ws.set_row(1, 36)
    ws.merge_range(1, 0, 1, last, "示范县整改清单" + SAMPLE, fm.title)
    row = 2
    if r.messy:
        ws.write_string(row, 0, NOTES_ABOVE[len(r.county) % len(NOTES_ABOVE)], fm.line)
        row += 2  # and a blank row
    ws.merge_range(row, 0, row, last, f"{r.county}商务主管部门（盖章）", fm.line)
    row += 1
    ws.set_row(row, 42)
    for col, h in enumerate(headers):
        ws.write_string(row, col, h, fm.header)
    row += 1
    merged_first = dict(r.merged_units)
    covered = {k for first, last_i in r.merged_units for k in range(first + 1, last_i + 1)}
    category: str | None = None
    for i, it in enumerate(r.items):
        if r.categories and it.category != category:
            ws.merge_range(row, 0, row, last, it.category, fm.category)
            category = it.category
            row += 1
        _put(ws, row, 0, it.seq, fm.center)
        _put(ws, row, 1, it.problem, fm.text)
        _put(ws, row, 2, it.measure, fm.text)
        _put(ws, row, 3, it.done, fm.center)
        _put(ws, row, 4, it.deadline, fm.center, fm.date)
        _put(ws, row, 5, it.owner, fm.center)
        if i in merged_first:
            ws.merge_range(row, 6, row + merged_first[i] - i, 6, it.unit, fm.center)
        elif i not in covered:
            _put(ws, row, 6, it.unit, fm.text)
        if extra_note:
            _put(ws, row, 7, it.note, fm.text)
        row += 1
    ws.merge_range(row + 1, 0, row + 1, last, r.contact, fm.line)
    ws.repeat_rows(3)
    ws.set_landscape()
    ws.set_paper(9)


def write_appendix2(wb: Any, fm: _Formats, name: str, r: Reply) -> None:
    """附件2: one county row."""
    ws = wb.add_worksheet(name)
    headers = A2_MESSY if r.messy else A2_HEADERS
    last = len(headers) - 1
    for col in range(last + 1):
        ws.set_column(col, col, 12 if col else 14)
    ws.write_string(0, 0, "附件2", fm.label)
    ws.set_row(1, 36)
    ws.merge_range(1, 0, 1, last, "示范县专项整改成果统计表" + SAMPLE, fm.title)
    ws.merge_range(2, 0, 2, last, f"{r.county}商务主管部门（盖章）", fm.line)
    ws.set_row(3, 48)
    for col, h in enumerate(headers):
        ws.write_string(3, col, h, fm.header)
    for col, v in enumerate(r.a2):
        _put(ws, 4, col, v, fm.center if col == 0 else fm.text)
    ws.merge_range(6, 0, 6, last, r.contact, fm.line)
    ws.set_landscape()


def _workbook(path: Path) -> tuple[Any, _Formats]:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": "示范县整改清单" + SAMPLE, "author": "示例", "created": CREATED})
    return wb, _Formats(wb)


def write_reply(r: Reply, folder: Path) -> list[Path]:
    """The county's file(s) under ``folder``."""
    if r.subfolder:
        folder = folder / r.county
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / n for n in r.names]
    if r.combined:
        wb, fm = _workbook(paths[0])
        write_appendix1(wb, fm, r.sheet_names[0], r)
        write_appendix2(wb, fm, r.sheet_names[1], r)
        wb.close()
    else:
        wb, fm = _workbook(paths[0])
        write_appendix1(wb, fm, r.sheet_names[0], r)
        wb.close()
        wb, fm = _workbook(paths[1])
        write_appendix2(wb, fm, r.sheet_names[1], r)
        wb.close()
    return paths


def write_big(path: Path, rows: int, seed: int) -> Path:
    """One 附件1 with ``rows`` rows: category headings every ~500 rows, a few merges and mistakes."""
    rng = random.Random(f"{seed}:big")
    county = "示例县"
    items = make_items(rng, rows, "县", categories=False, errors=False, figures={})  # no 附件2 to sum into
    for it in rng.sample(items, k=max(1, rows // 2000)):
        it.deadline = "长期坚持"
    for it in rng.sample(items, k=max(1, rows // 2000)):
        it.owner = ""
    cats = 0
    for i, it in enumerate(items):
        if i % 500 == 0:
            cats += 1
        it.category = f"第{cats}部分 第{cats}批问题"
    r = Reply(county, items, [], "（联系人：王敏  联系电话：0710-6221234）", categories=True)
    i = 3
    while i < rows - 5:  # 责任单位 merged down a few rows now and then
        last = i + rng.randint(1, 4)
        if items[last].category == items[i].category:
            for k in range(i + 1, last + 1):
                items[k].unit = items[i].unit
            r.merged_units.append((i, last))
        i = last + rng.randint(40, 120)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb, fm = _workbook(path)
    write_appendix1(wb, fm, "附件1 整改清单", r)
    wb.close()
    return path


# --- the run --------------------------------------------------------------------------------


def _one(args: tuple[int, str, int, str, bool]) -> list[str]:
    index, county, seed, folder, as_xls = args
    r = make_reply(index, county, seed)
    return [str(p) for p in write_reply(r, Path(folder))] if not as_xls else [
        str(p) for p in write_reply(r, Path(folder) / ".xls-staging" / f"{index:05d}")]


def soffice_path() -> str | None:
    """LibreOffice's command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_xls(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Convert staged .xlsx files to .xls next to their targets in ONE LibreOffice call."""
    exe = soffice_path()
    if exe is None or not pairs:
        return
    with tempfile.TemporaryDirectory(prefix="zg-lo-") as tmp:
        out = Path(tmp) / "out"
        # LibreOffice names outputs by stem: give every input a unique stem first.
        staged = []
        for k, (src, _) in enumerate(pairs):
            dst = Path(tmp) / f"f{k:05d}.xlsx"
            shutil.copyfile(src, dst)
            staged.append(dst)
        subprocess.run(
            [exe, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "xls",
             "--outdir", str(out), *map(str, staged)],
            check=True, capture_output=True, timeout=1800,
        )
        for k, (_, target) in enumerate(pairs):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(out / f"f{k:05d}.xls"), target)


def generate(
    outdir: Path, counties: int, seed: int, *, big_rows: int = 0, xls_share: float = 0.05, jobs: int | None = None,
) -> list[str]:
    """Write the replies of ``counties`` counties (and the big 附件1); returns the county names."""
    outdir.mkdir(parents=True, exist_ok=True)
    names = county_names(counties, seed)
    n_xls = round(counties * xls_share)
    if n_xls and soffice_path() is None:
        print(f"注意：没有找到 LibreOffice（soffice），不生成 .xls（原计划 {n_xls} 个县）", file=sys.stderr)
        n_xls = 0
    # Every k-th county (k = 1/share, from a seeded offset): the first 60 of a 1,500 set are
    # the same .xls counties as a 60 set.
    xls: set[int] = set()
    if n_xls:
        period = max(1, round(1 / xls_share))
        offset = random.Random(f"{seed}:xls").randrange(period)
        xls = {i for i in range(counties) if i % period == offset}
    tasks = [(i, name, seed, str(outdir), i in xls) for i, name in enumerate(names)]
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and counties >= 50:
        with ProcessPoolExecutor(jobs) as pool:
            written = list(pool.map(_one, tasks, chunksize=16))
    else:
        written = [_one(t) for t in tasks]
    staging = outdir / ".xls-staging"
    if xls:
        pairs = []
        for i, files in zip(sorted(xls), (written[i] for i in sorted(xls)), strict=True):
            for f in files:
                src = Path(f)
                rel = src.relative_to(staging / f"{i:05d}")
                pairs.append((src, (outdir / rel).with_suffix(".xls")))
        convert_to_xls(pairs)
    if staging.exists():
        shutil.rmtree(staging)
    if big_rows:
        write_big(outdir / "big-附件1.xlsx", big_rows, seed)
    return names


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: see the module docstring."""
    p = argparse.ArgumentParser(description="生成基准测试用的县级报送文件（示例数据，纯属虚构）")
    p.add_argument("outdir", type=Path)
    p.add_argument("--counties", type=int, default=60)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--big-rows", type=int, default=0, help="另写一个 N 行的 big-附件1.xlsx")
    p.add_argument("--xls-share", type=float, default=0.05, help="以 .xls 报送的县的比例（默认 0.05）")
    p.add_argument("--no-xls", action="store_true", help="不生成 .xls（不调用 LibreOffice）")
    p.add_argument("--jobs", type=int, default=None, help="并行进程数（默认：CPU 核数）")
    a = p.parse_args(argv)
    names = generate(a.outdir, a.counties, a.seed, big_rows=a.big_rows,
                     xls_share=0.0 if a.no_xls else a.xls_share, jobs=a.jobs)
    files = sum(1 for x in a.outdir.rglob("*") if x.suffix in (".xlsx", ".xls"))
    print(f"{a.outdir}: {len(names)} 个县，{files} 个工作簿" + ("，含 big-附件1.xlsx" if a.big_rows else ""))


if __name__ == "__main__":
    main()
