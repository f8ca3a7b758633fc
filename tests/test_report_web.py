"""The web intake's prefecture page offers the 督办清单 and the 情况报告, built by ``zhenggai report``
on the same rollup its 下载汇总表 gives."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
from docx import Document
from starlette.testclient import TestClient

from builders import GOOD_ROWS, appendix1_rows, appendix2_rows, make_workbook
from webtools import COUNTIES, PREFECTURE
from zhenggai.api.report import report
from zhenggai.web import launch
from zhenggai.web.app import create_app


def test_prefecture_page_offers_both_papers(tmp_path: Path) -> None:
    root = tmp_path / "收件库"
    store = launch.prepare(root, prefecture=PREFECTURE, problems=None, expect=",".join(COUNTIES), deadline=None)
    links = {x.who: x.url.split(":8000", 1)[1] for x in launch.links(store, "127.0.0.1", 8000)}
    client = TestClient(create_app(root, max_upload=1024 * 1024, burst=10))
    county, pref = links["谷城县"], links["市州（审核）"]
    reply = make_workbook(tmp_path / "谷城县.xlsx", {
        "附件1": appendix1_rows(GOOD_ROWS),
        "附件2": appendix2_rows(["谷城县", 2, 1, 1, 30, 0, 4, 3, 0, 5, 12, 2, None]),
    })
    client.post(county + "upload", files=[("files", (reply.name, reply.read_bytes()))], follow_redirects=True)
    client.post(county + "submit", data={"confirm": "1"}, follow_redirects=True)
    assert client.get(pref + "report.docx").status_code == 409  # not approved yet: see test_web_golive
    sub = re.findall(r"/decide/(\d+)", client.get(pref + "county/0").text)[0]
    client.post(f"{pref}decide/{sub}", data={"action": "approve"})

    page = client.get(pref).text
    assert f'href="{pref}report.xlsx"' in page and f'href="{pref}report.docx"' in page
    rollup = tmp_path / f"{PREFECTURE}汇总.xlsx"  # the name the page writes it under, as evidence names it
    rollup.write_bytes(client.get(pref + "rollup.xlsx").content)
    expected = report(rollup, tmp_path / "本地")

    web_xlsx = client.get(pref + "report.xlsx")
    assert web_xlsx.status_code == 200 and "filename*=UTF-8''" in web_xlsx.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(web_xlsx.content))["督办清单"]
    mine = openpyxl.load_workbook(expected.workbook)["督办清单"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [[c.value for c in r] for r in mine.iter_rows()]
    names = {t.county for t in expected.supervision.targets}
    assert set(COUNTIES) - {"谷城县"} <= names  # the others sent nothing: 未报送

    web_docx = client.get(pref + "report.docx")
    assert web_docx.status_code == 200
    text = [p.text for p in Document(io.BytesIO(web_docx.content)).paragraphs]
    assert text == [p.text for p in Document(str(expected.document)).paragraphs]
    assert client.get(pref + "report.pdf").status_code == 404
    assert client.get(county.replace("/c/", "/p/") + "report.docx").status_code == 404  # a county link cannot
