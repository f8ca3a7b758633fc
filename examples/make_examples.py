"""Build the sample Xiangyang inbox in examples/ (invented data, marked as sample).

    python examples/make_examples.py

Four counties, as replies really arrive: 枣阳市 sends two clean .xlsx files; 保康县
one legacy .xls workbook with both tables, category headings merged across the table
and one 责任单位 merged down several rows; 谷城县 a messy header (title and note rows,
line breaks, 整改措施及情况, 完成时间, an extra 备注 column) and a few mistakes;
老河口市 only its 附件1. Plus an Excel lock file and a 说明.txt, as in a real folder.
Also writes the province's feedback list 反馈问题清单.xlsx for these counties.
The .xls is made by LibreOffice (soffice), as a clerk's old Excel would save it.

The second round (襄阳市收件-第二轮, three months later) moves as real rounds do:
枣阳市 finishes its last item; 保康县 copies its open item's measure word for word, pushes
its 完成时限 back a month and reports one 新建改造站点 fewer; 谷城县 finishes one item,
reopens another, pads a pledge-only measure with more pledge words and drops a problem
from its list; 老河口市 sends nothing. ``zhenggai merge … --previous 襄阳市汇总.xlsx``
shows all of it on the sheet 进展对比.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side

HERE = Path(__file__).resolve().parent
INBOX = HERE / "襄阳市收件"
INBOX2 = HERE / "襄阳市收件-第二轮"
SAMPLE = "（示例数据，纯属虚构）"

A1_HEADERS = ["序号", "问题描述（按反馈问题清单填报）", "整改措施和情况", "是否完成整改", "完成时限", "责任人", "责任单位"]
A2_HEADERS = ["县（市、区）", "反馈问题数（个）", "已完成整改数（个）", "未完成整改数（个）", "县级财政安排经费（万元）",
              "追回企业资金（万元）", "补充人员（人）", "新整合快递企业（家）", "淘汰站点（个）", "新建改造站点（个）",
              "快递村村通新覆盖村（个）", "优化培训课程（个）", "备注"]

# (category, problem) per county: the province's feedback list
PROBLEMS: dict[str, list[tuple[str, str]]] = {
    "枣阳市": [
        ("一、业务建设方面", "县级电子商务公共服务中心服务功能弱化，持续运营能力不足"),
        ("一、业务建设方面", "快递企业整合不够，县级物流配送中心未充分发挥作用"),
        ("一、业务建设方面", "部分村级电商服务站点无人值守，存活率偏低"),
        ("一、业务建设方面", "电商培训以理论性、普及型为主，培训转化率不高"),
        ("二、资金和资产管理方面", "资金执行进度较慢，存在资金沉淀"),
        ("二、资金和资产管理方面", "未建立固定资产管理制度，资产台账不完善"),
    ],
    "保康县": [
        ("一、业务建设方面", "县级电商公共服务中心已停止运营"),
        ("一、业务建设方面", "乡镇快递网点覆盖不足，快递进村比例低"),
        ("一、业务建设方面", "村级服务站点布局不合理，部分站点重复建设"),
        ("二、资金和资产管理方面", "超范围列支中央财政资金"),
        ("二、资金和资产管理方面", "对承办企业工作量审核把关不严，资金拨付依据不足"),
    ],
    "谷城县": [
        ("一、业务建设方面", "县级物流配送中心运行不稳定，配送时效差"),
        ("一、业务建设方面", "网货产品开发不足，网络营销工作薄弱"),
        ("一、业务建设方面", "站点负责人业务培训不够，站点造血能力弱"),
        ("二、资金和资产管理方面", "对企业、站点的奖补政策未公开"),
        ("二、资金和资产管理方面", "项目申报、评审等管理程序不健全"),
    ],
    "老河口市": [
        ("一、业务建设方面", "县级电商公共服务中心运营人员不足"),
        ("一、业务建设方面", "快递村村通覆盖率偏低"),
        ("二、资金和资产管理方面", "资金管理办法不健全"),
    ],
}

MEASURES = [
    "县财政安排运营经费50万元，以政府购买服务方式委托第三方运营，补充工作人员3人，2022年6月已恢复正常运营。",
    "统筹邮政、供销及“三通一达”等资源，新整合快递企业4家，新覆盖行政村18个，实现共同配送。",
    "对全市站点逐一核查，淘汰不具备条件站点12个，新建改造站点8个，并对站点负责人开展培训2期。",
    "优化培训课程6个，增加直播带货、网店运营等实操课程，培训后跟踪服务学员120人。",
    "制定资金支付计划，已支付资金320万元，剩余资金2022年12月底前支付完毕。",
    "印发《电子商务进农村综合示范项目资产管理办法》，完成资产清查盘点，建立资产台账1套。",
]


def _thin() -> Border:
    side = Side(style="thin")
    return Border(left=side, right=side, top=side, bottom=side)


def _sheet_a1(ws: openpyxl.worksheet.worksheet.Worksheet, county: str, rows: list[list[object]],
              headers: list[str] = A1_HEADERS, above: list[str] | None = None) -> int:
    ws.append(["附件1"])
    ws.append(["示范县整改清单" + SAMPLE])
    for line in above or []:
        ws.append([line])
    ws.append([f"{county}商务主管部门（盖章）"])
    ws.append(headers)
    header_row = ws.max_row
    for row in rows:
        ws.append(row)
    ws.append([])
    ws.append(["（联系人：王敏  联系电话：0710-6221234）"])
    widths = [6, 36, 48, 10, 12, 9, 16, 14]
    for i, w in enumerate(widths[: len(headers)]):
        ws.column_dimensions[chr(65 + i)].width = w
    for r in ws.iter_rows(min_row=header_row, max_row=header_row + len(rows)):
        for c in r:
            c.border = _thin()
            c.alignment = Alignment(wrap_text=True, vertical="center")
            c.font = Font(name="宋体", size=11)
    return header_row


def _sheet_a2(ws: openpyxl.worksheet.worksheet.Worksheet, county: str, values: list[object]) -> None:
    ws.append(["附件2"])
    ws.append(["示范县专项整改成果统计表" + SAMPLE])
    ws.append([f"{county}商务主管部门（盖章）"])
    ws.append(A2_HEADERS)
    ws.append(values)
    ws.append([])
    ws.append(["（联系人：王敏  联系电话：13972200000）"])
    for r in ws.iter_rows(min_row=4, max_row=5):
        for c in r:
            c.border = _thin()


def zaoyang() -> None:
    county = "枣阳市"
    done = [True, True, True, True, False, True]
    rows = [[i + 1, p, MEASURES[i], "是" if d else "否", datetime(2022, 4 + (i % 3), 28) if d else datetime(2022, 12, 31),
             ["张建国", "李红", "刘洋"][i % 3],
             "市商务局" if i != 1 else "市邮政分公司"]
            for i, ((_, p), d) in enumerate(zip(PROBLEMS[county], done, strict=True))]
    wb = openpyxl.Workbook()
    _sheet_a1(wb.active, county, rows)
    wb.active.title = "附件1"
    wb.save(INBOX / "枣阳市" / "枣阳市-附件1-示范县整改清单.xlsx")
    wb = openpyxl.Workbook()
    _sheet_a2(wb.active, county, [county, 6, 5, 1, 50, 0, 3, 4, 12, 8, 18, 6, None])
    wb.active.title = "附件2"
    wb.save(INBOX / "枣阳市" / "枣阳市-附件2-成果统计表.xlsx")
    # An Excel lock file left behind while the clerk had the file open.
    (INBOX / "枣阳市" / "~$枣阳市-附件1-示范县整改清单.xlsx").write_bytes(b"\x05zhenggai-sample-lock")


def baokang(tmp: Path) -> Path:
    county = "保康县"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "整改清单"
    ws.append(["附件1"])
    ws.append(["示范县整改清单" + SAMPLE])
    ws.append([f"{county}商务主管部门（盖章）"])
    ws.append(A1_HEADERS)
    category = None
    seq = 0
    measures = [
        "县财政安排经费30万元，重新招标运营企业，补充电商办工作人员2人，中心已于2022年7月恢复运营。",
        "与邮政合作新整合快递企业2家，快递村村通新覆盖村25个。",
        "淘汰重复建设站点6个，依托供销社新建改造站点5个，实现多站合一。",
        "已将超范围列支资金86.5万元归垫至电商示范资金专户。",
        "追回承办企业多拨付资金12.3万元，修订合同审核流程。",
    ]
    done = ["是", "是", "否", "是", "是"]
    dates = [datetime(2022, 7, 15), datetime(2022, 6, 30), datetime(2022, 11, 30), datetime(2022, 5, 20),
             datetime(2022, 6, 30)]
    for i, (cat, problem) in enumerate(PROBLEMS[county]):
        if cat != category:
            ws.append([cat])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=7)
            ws.cell(ws.max_row, 1).font = Font(bold=True)
            category = cat
        seq += 1
        ws.append([seq, problem, measures[i], done[i], dates[i], "陈志强", "县商务局" if seq in (1, 4) else None])
    # 县商务局 is responsible for rows 1-3 of the first category: one merged cell.
    ws.merge_cells("G6:G8")
    ws.merge_cells("G10:G11")
    ws["G6"] = "县商务局"
    ws["G10"] = "县财政局"
    ws.append([])
    ws.append(["（联系人：陈志强  联系电话：0710-5881234）"])
    ws2 = wb.create_sheet("成果统计表")
    _sheet_a2(ws2, county, [county, 5, 4, 1, 30, 12.3, 2, 2, 6, 5, 25, 0, "示例"])
    path = tmp / "保康县专项整改材料.xlsx"
    wb.save(path)
    return path


def gucheng() -> None:
    county = "谷城县"
    headers = ["序号", "问题描述\n(按反馈问题清单填报)", "整改措施及情况", "是否完成\n整改", "完成时间", "责任人", "责任单位",
               "备注"]
    rows = [
        [1, "县级物流配送中心运行不稳定，配送时效差", "整合快递企业3家，县内次日达，新覆盖村15个", "是",
         "2022年6月30日", "周磊", "县商务局", None],
        [2, "网货产品开发不足，网络营销工作薄弱", "高度重视，进一步加强网货开发，认真落实整改责任", "整改中",
         "2022年底前", "周磊", "县商务局", "持续推进"],
        [3, "站点负责人培训不够，站点造血能力弱", "开展站点负责人培训3期，帮助32个站点对接销售平台", "是",
         44742, "吴霞", "县商务局", None],
        [4, "对企业、站点的奖补政策未公开", "在县政府网站公开奖补政策和兑付结果", "否", "长期坚持", "吴霞", "县商务局",
         None],
        [5, "项目申报、评审等管理程序不健全", "印发项目管理办法，2022年10月完成项目审计", "否", "2023年3月",
         "", "县审计局", None],
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    _sheet_a1(ws, county, rows, headers=headers, above=["（请于7月10日前报市商务局）", ""])
    wb.save(INBOX / "谷城县 附件1（7月8日修改）.xlsx")
    wb = openpyxl.Workbook()
    _sheet_a2(wb.active, county, [county, 5, 2, 3, "15万元", 0, "2人", 3, 0, 4, 15, "—", None])
    wb.save(INBOX / "谷城县 附件2.xlsx")


def laohekou() -> None:
    county = "老河口市"
    rows = [[i + 1, p, MEASURES[i], "是" if i == 0 else "否", datetime(2022, 6, 30) if i == 0 else datetime(2022, 12, 31),
             "孙丽", "市商务局"] for i, (_, p) in enumerate(PROBLEMS[county])]
    wb = openpyxl.Workbook()
    _sheet_a1(wb.active, county, rows)
    wb.save(INBOX / "老河口市-附件1.xlsx")


# In the list but answered by no row of the county's 附件1: shows 反馈问题未整改.
LIST_ONLY = {"老河口市": ("二、资金和资产管理方面", "固定资产未纳入行政性国有资产管理，未建立资产台账")}


def feedback_list() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "反馈问题清单"
    ws.append(["襄阳市电子商务进农村综合示范县第三方评估反馈问题清单" + SAMPLE])
    ws.append([])
    ws.append(["序号", "县（市、区）", "问题类别", "问题描述"])
    n = 0
    for county, problems in PROBLEMS.items():
        for cat, p in [*problems, *([LIST_ONLY[county]] if county in LIST_ONLY else [])]:
            n += 1
            ws.append([n, county, cat.split("、", 1)[1], p])
    for col, w in zip("ABCD", (6, 12, 22, 60), strict=True):
        ws.column_dimensions[col].width = w
    wb.save(HERE / "反馈问题清单.xlsx")


def to_xls(path: Path, out_dir: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("需要 LibreOffice（soffice）来生成 .xls 示例")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xls",
                        "--outdir", str(out_dir), str(path)], check=True, capture_output=True)


# --- the second round (three months later) ----------------------------------------------


def zaoyang_2() -> None:
    county = "枣阳市"
    rows = [[i + 1, p, MEASURES[i], "是", datetime(2022, 4 + (i % 3), 28), ["张建国", "李红", "刘洋"][i % 3],
             "市商务局" if i != 1 else "市邮政分公司"] for i, (_, p) in enumerate(PROBLEMS[county])]
    # The one open item is finished: what was done, and when.
    rows[4][2] = "制定资金支付计划，已支付资金320万元；剩余160万元已于2022年9月28日支付完毕，资金全部执行。"
    rows[4][4] = datetime(2022, 9, 28)
    (INBOX2 / county).mkdir(parents=True)
    wb = openpyxl.Workbook()
    _sheet_a1(wb.active, county, rows)
    wb.active.title = "附件1"
    wb.save(INBOX2 / county / "枣阳市-附件1-示范县整改清单（第二轮）.xlsx")
    wb = openpyxl.Workbook()
    _sheet_a2(wb.active, county, [county, 6, 6, 0, 50, 0, 3, 4, 12, 8, 18, 6, None])
    wb.active.title = "附件2"
    wb.save(INBOX2 / county / "枣阳市-附件2-成果统计表（第二轮）.xlsx")


def baokang_2(tmp: Path) -> Path:
    county = "保康县"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "整改清单"
    ws.append(["附件1"])
    ws.append(["示范县整改清单" + SAMPLE])
    ws.append([f"{county}商务主管部门（盖章）"])
    ws.append(A1_HEADERS)
    measures = [
        "县财政安排经费30万元，重新招标运营企业，补充电商办工作人员2人，中心已于2022年7月恢复运营。",
        "与邮政合作新整合快递企业2家，快递村村通新覆盖村25个。",
        "淘汰重复建设站点6个，依托供销社新建改造站点5个，实现多站合一。",  # copied from round 1, still open
        "已将超范围列支资金86.5万元归垫至电商示范资金专户。",
        "追回承办企业多拨付资金12.3万元，修订合同审核流程。",
    ]
    done = ["是", "是", "否", "是", "是"]
    dates = [datetime(2022, 7, 15), datetime(2022, 6, 30), datetime(2022, 12, 31), datetime(2022, 5, 20),
             datetime(2022, 6, 30)]  # the open item's 完成时限: 11-30 last round
    category = None
    for i, (cat, problem) in enumerate(PROBLEMS[county]):
        if cat != category:
            ws.append([cat])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=7)
            ws.cell(ws.max_row, 1).font = Font(bold=True)
            category = cat
        ws.append([i + 1, problem, measures[i], done[i], dates[i], "陈志强", "县商务局" if i < 3 else "县财政局"])
    ws.append([])
    ws.append(["（联系人：陈志强  联系电话：0710-5881234）"])
    ws2 = wb.create_sheet("成果统计表")
    # 新建改造站点 5 → 4: one station counted last round was rebuilt by another programme.
    _sheet_a2(ws2, county, [county, 5, 4, 1, 30, 12.3, 2, 2, 6, 4, 25, 0, "示例"])
    path = tmp / "保康县专项整改材料（第二轮）.xlsx"
    wb.save(path)
    return path


def gucheng_2() -> None:
    county = "谷城县"
    headers = ["序号", "问题描述\n(按反馈问题清单填报)", "整改措施及情况", "是否完成\n整改", "完成时间", "责任人", "责任单位",
               "备注"]
    rows = [
        [1, "县级物流配送中心运行不稳定，配送时效差", "整合快递企业3家，县内次日达，新覆盖村15个", "是",
         "2022年6月30日", "周磊", "县商务局", None],
        [2, "网货产品开发不足，网络营销工作薄弱", "高度重视，进一步加强网货开发，认真落实整改责任，确保按期完成", "否",
         "2022年底前", "周磊", "县商务局", "持续推进"],
        [3, "站点负责人培训不够，站点造血能力弱", "开展站点负责人培训3期；复核发现11个站点仍无销售业绩，重新组织帮扶", "否",
         datetime(2022, 12, 15), "吴霞", "县商务局", "复核不达标"],
        [4, "对企业、站点的奖补政策未公开", "已在县政府网站公开奖补政策和2021年度兑付结果", "是", datetime(2022, 9, 20),
         "吴霞", "县商务局", None],
        # 项目申报、评审等管理程序不健全 is no longer listed: a problem cannot leave the list.
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    _sheet_a1(ws, county, rows, headers=headers, above=["（请于10月15日前报市商务局）", ""])
    wb.save(INBOX2 / "谷城县 附件1（10月12日修改）.xlsx")
    wb = openpyxl.Workbook()
    _sheet_a2(wb.active, county, [county, 4, 2, 2, "15万元", 0, "2人", 3, 0, 4, 15, "—", None])
    wb.save(INBOX2 / "谷城县 附件2（第二轮）.xlsx")


def second_round() -> None:
    if INBOX2.exists():
        shutil.rmtree(INBOX2)
    INBOX2.mkdir()
    (INBOX2 / "说明.txt").write_text(
        "襄阳市各示范县专项整改材料第二轮（示例数据，纯属虚构）。老河口市本轮未报送。\n", encoding="utf-8")
    zaoyang_2()
    gucheng_2()
    with tempfile.TemporaryDirectory() as tmp:
        to_xls(baokang_2(Path(tmp)), INBOX2)


def main() -> None:
    if INBOX.exists():
        shutil.rmtree(INBOX)
    (INBOX / "枣阳市").mkdir(parents=True)
    (INBOX / "说明.txt").write_text(
        "襄阳市各示范县专项整改材料（示例数据，纯属虚构）。\n各县按附件1、附件2报送。\n", encoding="utf-8")
    zaoyang()
    gucheng()
    laohekou()
    with tempfile.TemporaryDirectory() as tmp:
        to_xls(baokang(Path(tmp)), INBOX)
    feedback_list()
    second_round()
    print(f"已生成示例：{INBOX}、{INBOX2}")


if __name__ == "__main__":
    main()
