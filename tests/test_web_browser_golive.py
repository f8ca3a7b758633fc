"""Go-live journeys in Debian's Chromium (issue 21): a .zip reply, the review-aware rollup with an
approval withdrawn, refused actions whose message is in view, and HTTPS with a made certificate."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from builders import GOOD_ROWS
from webtools import Server, reply, shot, upload

CHROMIUM = "/usr/bin/chromium"
VIEW = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path / "收件库").start()
    yield s
    s.stop()


def _in_view(page: Page, selector: str = "#notice") -> str:
    """The element's text, after asserting that its box lies inside the viewport."""
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} not shown"
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEW["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEW["width"], box
    return page.locator(selector).inner_text()


def _overview(page: Page, link: str, tmp: Path, name: str) -> dict[str, list[object]]:
    page.goto(link)
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载汇总表").click()
    path = tmp / name
    dl.value.save_as(path)
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(path)["汇总概览"].iter_rows()]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "县（市、区）")
    out: dict[str, list[object]] = {"header": rows[head]}
    out.update({str(r[0]): r for r in rows[head + 1:] if r and r[0]})
    return out


def test_zip_reply_read_and_submitted(browser: Browser, server: Server, tmp_path: Path) -> None:
    links = server.links()
    page = browser.new_page(viewport=VIEW, locale="zh-CN")
    page.goto(links["谷城县"])
    archive = tmp_path / "谷城县报送.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(reply(tmp_path / "src", "谷城县"), "谷城县-报送.xlsx")
    upload(page, archive)
    check = page.locator("#check")
    expect(check).to_contain_text("谷城县报送.zip")
    expect(check.locator(".tag").first).to_have_text("附件1、附件2")
    expect(check.locator(".summary").first).to_contain_text("没有")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".state-submitted")).to_contain_text("已报送，待市州审核")
    page.close()


def test_rollup_by_review_state_and_withdrawn_approval(browser: Browser, server: Server, tmp_path: Path) -> None:
    links = server.links()
    ctx = browser.new_context(viewport=VIEW, accept_downloads=True, locale="zh-CN")
    county, pref = ctx.new_page(), ctx.new_page()
    half = [list(r) for r in GOOD_ROWS]
    done = [list(r) for r in GOOD_ROWS]
    done[1][3], done[1][4] = "是", "2022-06-30"
    for name, rows in (("谷城县", half), ("老河口市", done), ("保康县", half)):
        county.goto(links[name])
        upload(county, reply(tmp_path / name, name, rows=rows))
        if county.locator("input[name=confirm]").count():
            county.locator("input[name=confirm]").check()
        county.get_by_role("button", name="提交").click()
        expect(county.locator(".state-submitted")).to_be_visible()

    def open_county(name: str) -> None:
        pref.goto(links["市州（审核）"])
        pref.locator("tr", has_text=name).get_by_role("link").click()

    open_county("谷城县")
    pref.get_by_role("button", name="通过").click()
    expect(pref.locator("#notice")).to_contain_text("已通过")
    open_county("保康县")
    pref.fill("#note", "请补充佐证材料")
    pref.get_by_role("button", name="退回修改").click()
    expect(pref.locator("#notice")).to_contain_text("已退回")

    # 谷城县 sends everything done after its approval: counted only once approved.
    county.goto(links["谷城县"])
    upload(county, reply(tmp_path / "g2", "谷城县", rows=done))
    expect(county.locator(".state-rereview")).to_contain_text("提交后将重新审核")
    if county.locator("input[name=confirm]").count():
        county.locator("input[name=confirm]").check()
    county.get_by_role("button", name="提交").click()
    expect(county.locator("#notice")).to_contain_text("市州重新审核")

    pref.goto(links["市州（审核）"])
    expect(pref.locator("tr", has_text="谷城县")).to_contain_text("已通过")
    shot(pref, "网上报送-审核状态.png")
    expect(pref.locator(".waiting")).to_contain_text("还有 2 个县（市、区）的报送没有通过审核")
    pref.get_by_role("link", name="下载情况报告（初稿）").click()  # refused: the page says why
    expect(pref.locator("h1")).to_have_text("督办清单和情况报告还不能生成")
    expect(pref.locator("main")).to_contain_text("老河口市（待审核）、保康县（退回修改）")
    shot(pref, "网上报送-报告须审核通过.png")
    rows = _overview(pref, links["市州（审核）"], tmp_path, "第一次.xlsx")
    rate = rows["header"].index("完成率")
    assert rows["header"][2] == "审核状态"
    assert [(rows[c][2], rows[c][rate]) for c in ("谷城县", "老河口市", "保康县")] == [
        ("已通过", 0.5), ("待审核", 1.0), ("退回修改", 0.5)]
    assert rows["合计"][2] == "1/3 已通过"

    # The approval withdrawn: 谷城县 now counts its latest submission, marked 待审核.
    open_county("谷城县")
    pref.locator("details.withdraw summary").click()
    pref.fill("#withdraw-note", "数据与台账不符")
    shot(pref, "网上报送-撤销通过.png")
    pref.get_by_role("button", name="撤销通过，退回修改").click()
    said = _in_view(pref)
    assert "已撤销通过" in said and "标为“待审核”" in said  # what the rollup below counts
    shot(pref, "网上报送-撤销通过后.png")
    rows = _overview(pref, links["市州（审核）"], tmp_path, "撤销后.xlsx")
    assert (rows["谷城县"][2], rows["谷城县"][rate]) == ("待审核", 1.0)
    assert rows["合计"][2] == "0/3 已通过"
    pref.goto(links["市州（审核）"])
    pref.get_by_role("link", name="操作记录").click()
    expect(pref.locator("table.audit")).to_contain_text("撤销通过（退回）")
    shot(pref, "网上报送-操作记录.png")
    ctx.close()


def test_refused_actions_show_their_message_in_view(browser: Browser, server: Server, tmp_path: Path) -> None:
    links = server.links()
    # Without JavaScript the empty upload reaches the server (the script would stop it first).
    plain = browser.new_context(java_script_enabled=False, viewport=VIEW, locale="zh-CN").new_page()
    plain.goto(links["保康县"])
    plain.get_by_role("button", name="上传并检查").click()
    assert "请先选择要上传的文件" in _in_view(plain)
    plain.context.close()

    page = browser.new_page(viewport=VIEW, locale="zh-CN")
    page.goto(links["谷城县"])
    upload(page, reply(tmp_path, "谷城县", bad=True))
    page.get_by_role("button", name="提交").click()  # errors, not confirmed
    assert "还有 1 处错误" in _in_view(page)
    shot(page, "网上报送-县页面-提示.png")

    pref = browser.new_page(viewport=VIEW, locale="zh-CN")
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="提交").click()
    pref.goto(links["市州（审核）"])
    pref.locator("tr", has_text="谷城县").get_by_role("link", name="审核").click()
    pref.get_by_role("button", name="退回修改").click()  # no note
    assert "退回时请写明" in _in_view(pref)
    page.close()
    pref.close()


def test_https_with_a_made_certificate(tmp_path: Path, browser: Browser) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "证书.pem", tmp_path / "私钥.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    server = Server(tmp_path / "收件库", "--cert", str(cert), "--key", str(key)).start()
    try:
        links = server.links()
        assert all(url.startswith(f"https://127.0.0.1:{server.port}/") for url in links.values())
        trusted = ssl.create_default_context(cafile=str(cert))  # verified against the made certificate
        with urllib.request.urlopen(links["谷城县"], context=trusted, timeout=30) as r:
            assert r.status == 200 and "谷城县" in r.read().decode()
        with pytest.raises(urllib.error.URLError):  # an unknown certificate is refused, not ignored
            urllib.request.urlopen(links["谷城县"], context=ssl.create_default_context(), timeout=30)
        plain = urllib.request.Request(links["谷城县"].replace("https://", "http://"))
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            urllib.request.urlopen(plain, timeout=30)
        page = browser.new_context(ignore_https_errors=True, viewport=VIEW).new_page()
        page.goto(links["谷城县"])
        expect(page.get_by_role("heading", level=1)).to_contain_text("谷城县")
        page.context.close()
    finally:
        server.stop()
