"""The whole journey in a real browser: Debian's Chromium driven by Playwright, against ``zhenggai serve``.

No browser is downloaded: Playwright's own driver launches /usr/bin/chromium. Set
``ZHENGGAI_SCREENSHOTS=folder`` to keep the screenshots (the README's come from here).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from programs import CHROMIUM, run_zhenggai
from webtools import Server, reply, review_column, shot, table_rows, upload

pytestmark = pytest.mark.chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Chromium puts its singleton socket under TMPDIR, and a Unix socket path holds at most
    # 107 bytes: under a long TMPDIR (a Windows-style 张三 folder is 3 bytes a character) it
    # aborts with "Socket path too long". Its own TMPDIR is a short folder of our making.
    short = Path(tempfile.mkdtemp(prefix="zg-", dir="/tmp" if os.path.isdir("/tmp") else None))
    env = {**os.environ, "TMPDIR": str(short)}
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], env=env)
            yield b
            b.close()
    finally:
        shutil.rmtree(short, ignore_errors=True)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path / "收件库").start()
    yield s
    s.stop()


def _cells(path: Path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_journey_in_a_real_browser(browser: Browser, server: Server, tmp_path: Path) -> None:
    links = server.links()
    county_ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    pref_ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    county, pref = county_ctx.new_page(), pref_ctx.new_page()
    errors: list[str] = []
    county.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Other counties: one submits a clean reply, one uploads with errors and has not submitted.
    other = county_ctx.new_page()
    other.goto(links["老河口市"])
    upload(other, reply(tmp_path / "lhk", "老河口市"))
    other.get_by_role("button", name="提交").click()
    expect(other.locator(".state-submitted")).to_be_visible()
    other.goto(links["保康县"])
    upload(other, reply(tmp_path / "bk", "保康县", bad=True))
    other.close()

    # The county: its page, its pre-filled form, a reply with an error.
    county.goto(links["谷城县"])
    expect(county.get_by_role("heading", level=1)).to_contain_text("谷城县")
    with county.expect_download() as dl:
        county.get_by_role("link", name="下载 附件1 整改清单").click()
    assert dl.value.suggested_filename.startswith("谷城县-附件1")

    upload(county, reply(tmp_path / "v1", "谷城县", bad=True))
    expect(county.locator("#check .summary")).to_contain_text("1 处错误")
    finding = county.locator("table.findings tr.sev-error")
    expect(finding).to_contain_text("E6")
    expect(finding).to_contain_text("2023-06-30")
    bad = county.locator("td.bad-error")
    expect(bad).to_have_count(1)
    expect(bad).to_have_attribute("title", "E6：" + finding.locator("td").last.inner_text())
    assert bad.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    shot(county, "网上报送-县页面.png")

    with county.expect_download() as dl:
        county.get_by_role("link", name="下载标注副本").first.click()
    annotated = tmp_path / dl.value.suggested_filename
    dl.value.save_as(annotated)
    assert annotated.name.endswith("-校验标注.xlsx")
    ws = openpyxl.load_workbook(annotated)["附件1"]
    assert ws["E6"].comment is not None and ws["E6"].fill.fgColor.rgb not in (None, "00000000")

    # Corrected, then submitted.
    upload(county, reply(tmp_path / "v2", "谷城县"))
    expect(county.locator("#check .summary")).to_contain_text("没有错误")
    county.get_by_role("button", name="提交").click()
    expect(county.locator(".state-submitted")).to_contain_text("已报送，待市州审核")

    # The prefecture returns it with a note.
    pref.goto(links["市州（审核）"])
    row = pref.locator("tr", has_text="谷城县")
    expect(row).to_contain_text("已报送，待审核")
    expect(pref.locator("tr", has_text="保康县")).to_contain_text("已上传，未提交")
    shot(pref, "网上报送-市州页面.png")
    row.get_by_role("link", name="审核").click()
    pref.fill("#note", "第2行“整改措施”请写明新覆盖的村名。")
    shot(pref, "网上报送-市州审核.png")
    pref.get_by_role("button", name="退回修改").click()
    expect(pref.locator(".notice")).to_contain_text("已退回")

    # The county sees the note and submits again.
    county.goto(links["谷城县"])
    expect(county.locator(".state-returned")).to_contain_text("第2行“整改措施”请写明新覆盖的村名。")
    shot(county, "网上报送-县页面-退回.png")
    county.get_by_role("button", name="提交").click()
    expect(county.locator(".state-submitted")).to_be_visible()

    # The prefecture approves, downloads the rollup and the export.
    pref.goto(links["市州（审核）"])
    pref.locator("tr", has_text="谷城县").get_by_role("link", name="审核").click()
    pref.get_by_role("button", name="通过").click()
    expect(pref.locator(".state-approved")).to_be_visible()
    pref.goto(links["市州（审核）"])
    expect(pref.locator("tr", has_text="谷城县")).to_contain_text("已通过")
    with pref.expect_download() as dl:
        pref.get_by_role("link", name="下载汇总表").click()
    rollup = tmp_path / "网页汇总.xlsx"
    dl.value.save_as(rollup)
    with pref.expect_download() as dl:
        pref.get_by_role("link", name="导出全部报送文件（文件夹压缩包）").click()
    exported = tmp_path / "导出"
    archive = tmp_path / dl.value.suggested_filename
    dl.value.save_as(archive)
    zipfile.ZipFile(archive).extractall(exported)

    command = (exported / "说明.txt").read_text(encoding="utf-8-sig").splitlines()[-1].split()
    proc = run_zhenggai(*command[1:], cwd=exported)
    assert proc.returncode in (0, 1), proc.stderr
    merged = exported / command[command.index("-o") + 1]
    web, cli = _cells(rollup), _cells(merged)
    assert review_column(web)[:2] == ["审核状态", "已通过"]  # the one column only the web knows
    cli["汇总概览"] = table_rows(cli["汇总概览"])
    assert web == cli
    lines = [row for row in web["整改清单汇总"] if row and row[0] in ("谷城县", "老河口市", "保康县")]
    counties = {row[0] for row in lines if row[1] not in (None, "")}  # 序号: a problem row
    assert counties == {"谷城县", "老河口市"}  # 保康县 uploaded but never submitted
    assert [row[2] for row in lines if row[0] == "保康县"] == ["未报送"]  # its line keeps its place
    assert errors == []
    county_ctx.close()
    pref_ctx.close()


def test_drag_and_dropupload(browser: Browser, server: Server, tmp_path: Path) -> None:
    links = server.links()
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(links["谷城县"])
    data = reply(tmp_path, "谷城县", bad=True).read_bytes()
    # A drop event carrying a file, as the browser makes one when a clerk drags it from the desktop.
    handle = page.evaluate_handle(
        """(bytes) => { const dt = new DataTransfer();
           dt.items.add(new File([new Uint8Array(bytes)], "拖进来的.xlsx")); return dt; }""",
        list(data),
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": handle})
    page.wait_for_url("**/?done=*")
    expect(page.locator("td.bad-error")).to_have_count(1)
    expect(page.locator("#check")).to_contain_text("拖进来的.xlsx")
    page.close()


def test_upload_and_submit_work_without_javascript(browser: Browser, server: Server, tmp_path: Path) -> None:
    links = server.links()
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(links["保康县"])
    expect(page.locator("#files")).to_be_visible()  # the browser's own file control, since no script hides it
    page.set_input_files("#files", str(reply(tmp_path, "保康县")))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#check .summary")).to_contain_text("没有错误")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".state-submitted")).to_be_visible()
    ctx.close()


def test_second_round_compared_in_a_real_browser(browser: Browser, server: Server) -> None:
    """谷城县 sends the shipped first round, then the second: the page says what moved."""
    examples = Path(__file__).resolve().parent.parent / "examples"
    one, two = examples / "襄阳市收件", examples / "襄阳市收件-第二轮"
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page.goto(server.links()["谷城县"])
    upload(page, one / "谷城县 附件1（7月8日修改）.xlsx", one / "谷城县 附件2.xlsx")
    page.locator("input[name=confirm]").check()  # the shipped first round has errors of its own
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".state-submitted")).to_be_visible()
    expect(page.locator("#compared")).to_have_count(0)
    upload(page, two / "谷城县 附件1（10月12日修改）.xlsx", two / "谷城县 附件2（第二轮）.xlsx")
    section = page.locator("#compared")
    expect(section).to_contain_text("完成率：40% → 50%")
    expect(section.locator("tr.sev-error", has_text="重新打开")).to_contain_text("请说明原因")
    expect(section.locator("tr", has_text="问题缺失")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling at 1366×768
    section.scroll_into_view_if_needed()
    page.evaluate("document.getElementById('compared').scrollIntoView()")
    shot(page, "网上报送-与上次报送相比.png")
    page.close()
