"""The web intake's go-live points (issue 21), in process: .zip replies, the review-aware
rollup, settings and links, error pages, names, messages, bounded work, the audit view."""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from starlette.testclient import TestClient

import zhenggai
from builders import GOOD_ROWS, appendix1_rows, make_workbook
from programs import run_zhenggai
from webtools import COUNTIES, PREFECTURE, bad_rows, reply
from zhenggai.web import launch, routes
from zhenggai.web.app import create_app
from zhenggai.web.store import WORK_NAME, Store

Intake = tuple[TestClient, dict[str, str], Path]


@pytest.fixture
def intake(tmp_path: Path) -> Intake:
    root = tmp_path / "收件库"
    store = launch.prepare(root, prefecture=PREFECTURE, problems=None, expect=",".join(COUNTIES), deadline=None)
    links = {x.who: x.url.split(":8000", 1)[1] for x in launch.links(store, "127.0.0.1", 8000)}
    return TestClient(create_app(root, max_upload=1024 * 1024, burst=50)), links, root


def upload(client: TestClient, link: str, path: Path, name: str | None = None) -> str:
    r = client.post(link + "upload", files=[("files", (name or path.name, path.read_bytes()))], follow_redirects=True)
    assert r.status_code == 200, r.text
    return r.text


def overview(content: bytes, tmp: Path) -> dict[str, list[object]]:
    """汇总概览 of a downloaded rollup: county → its row (header row under "header")."""
    path = tmp / "rollup.xlsx"
    path.write_bytes(content)
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(path)["汇总概览"].iter_rows()]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "县（市、区）")
    out: dict[str, list[object]] = {"header": rows[head]}
    out.update({str(r[0]): r for r in rows[head + 1:] if r and r[0]})
    return out


def decide(client: TestClient, pref: str, index: int, action: str, note: str = "", which: int = 0) -> str:
    ids = re.findall(r"/decide/(\d+)", client.get(f"{pref}county/{index}").text)
    r = client.post(f"{pref}decide/{ids[which]}", data={"action": action, "note": note}, follow_redirects=True)
    return r.text


# --- .zip replies ---------------------------------------------------------------------------


def test_a_zip_reply_is_read_checked_and_submitted(intake: Intake, tmp_path: Path) -> None:
    client, links, _ = intake
    county, pref = links["谷城县"], links["市州（审核）"]
    workbook = reply(tmp_path / "src", "谷城县", bad=True)
    archive = tmp_path / "谷城县报送.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(workbook, "谷城县/整改报送.xlsx")
    page = upload(client, county, archive)
    assert "还没有上传文件" not in page
    checked = page.split('id="check"')[1].split('id="submit"')[0]
    assert "谷城县报送.zip" in checked and "附件1、附件2" in checked and "1 处错误" in checked
    assert "谷城县/整改报送.xlsx 中的工作表“附件1”" in checked  # the sheet preview names the member
    assert re.search(r'<td class="bad-error" id="[^"]*-E6"', checked)
    history = page.split("上传记录")[1]
    assert "附件1、附件2" in history and "<td>1</td>" in history  # the same counts as 检查结果
    page = client.post(county + "submit", data={"confirm": "1"}, follow_redirects=True).text
    assert "已报送，待市州审核" in page
    uid = re.findall(r"/annotated/(\d+)", page)[0]
    annotated = client.get(f"{county}annotated/{uid}")
    ws = openpyxl.load_workbook(io.BytesIO(annotated.content))["附件1"]
    assert ws["E6"].comment is not None
    rows = overview(client.get(pref + "rollup.xlsx").content, tmp_path)
    assert rows["谷城县"][1:3] == ["已报送", "待审核"]


# --- the review-aware rollup ---------------------------------------------------------------


def test_rollup_counts_approved_and_marks_pending_and_returned(intake: Intake, tmp_path: Path) -> None:
    client, links, _ = intake
    pref = links["市州（审核）"]
    one_done = [list(r) for r in GOOD_ROWS]  # 1 of 2 done: 50 %
    all_done = [list(r) for r in GOOD_ROWS]
    all_done[1][3], all_done[1][4] = "是", "2022-06-30"
    # 谷城县: approved at 50 %, then sends 100 % (pending): the rollup keeps the approved 50 %.
    upload(client, links["谷城县"], reply(tmp_path / "g1", "谷城县", rows=one_done))
    client.post(links["谷城县"] + "submit")
    assert "已通过" in decide(client, pref, 0, "approve")
    page = upload(client, links["谷城县"], reply(tmp_path / "g2", "谷城县", rows=all_done))
    assert "提交后将重新审核" in page
    page = client.post(links["谷城县"] + "submit", data={"confirm": "1"}, follow_redirects=True).text
    assert "市州重新审核" in page
    # 老河口市: pending; 保康县: returned.
    upload(client, links["老河口市"], reply(tmp_path / "l", "老河口市", rows=all_done))
    client.post(links["老河口市"] + "submit", data={"confirm": "1"})
    upload(client, links["保康县"], reply(tmp_path / "b", "保康县", rows=one_done))
    client.post(links["保康县"] + "submit")
    decide(client, pref, 2, "return", "请补充佐证材料")

    rows = overview(client.get(pref + "rollup.xlsx").content, tmp_path)
    head = rows["header"]
    assert head[:4] == ["县（市、区）", "报送状态", "审核状态", "反馈问题数"]
    rate = head.index("完成率")
    assert [rows[c][2] for c in COUNTIES] == ["已通过", "待审核", "退回修改"]
    assert [rows[c][rate] for c in COUNTIES] == [0.5, 1.0, 0.5]
    assert rows["合计"][2] == "1/3 已通过"
    page = client.get(pref).text
    assert "汇总表采用" in page and "待审核" in page

    # Withdrawing the approval: 谷城县 then counts its latest (pending) submission, marked.
    text = decide(client, pref, 0, "return", "", which=-1)
    assert "撤销通过时请写明原因" in text
    text = decide(client, pref, 0, "return", "数据与台账不符", which=-1)
    assert "已撤销通过" in text
    rows = overview(client.get(pref + "rollup.xlsx").content, tmp_path)
    assert rows["谷城县"][2] == "待审核" and rows["谷城县"][rate] == 1.0
    audit = client.get(pref + "audit").text
    assert "撤销通过（退回）" in audit and "数据与台账不符" in audit


def test_withdrawn_approval_is_shown_to_the_county(intake: Intake, tmp_path: Path) -> None:
    client, links, _ = intake
    county, pref = links["保康县"], links["市州（审核）"]
    upload(client, county, reply(tmp_path, "保康县"))
    client.post(county + "submit")
    decide(client, pref, 2, "approve")
    page = client.get(county).text
    assert "已通过" in page and "可以提交" not in page and "确认无误即可提交" not in page
    decide(client, pref, 2, "return", "第3行佐证不足")
    page = client.get(county).text
    assert "退回修改" in page and "第3行佐证不足" in page
    assert "已提交" in client.post(county + "submit", follow_redirects=True).text  # it can be sent again


def test_withdrawing_a_newer_approval_never_brings_an_older_one_back(intake: Intake, tmp_path: Path) -> None:
    """S1 approved (50 %), S2 approved (100 %), S2's approval withdrawn: the rollup counts S2,
    marked 退回修改, as the page says; S1's older figures do not come back as 已通过."""
    client, links, _ = intake
    county, pref = links["谷城县"], links["市州（审核）"]
    one_done = [list(r) for r in GOOD_ROWS]
    all_done = [list(r) for r in GOOD_ROWS]
    all_done[1][3], all_done[1][4] = "是", "2022-06-30"
    upload(client, county, reply(tmp_path / "g1", "谷城县", rows=one_done))
    client.post(county + "submit")
    decide(client, pref, 0, "approve")
    upload(client, county, reply(tmp_path / "g2", "谷城县", rows=all_done))
    client.post(county + "submit", data={"confirm": "1"})
    decide(client, pref, 0, "approve")
    text = decide(client, pref, 0, "return", "数据与台账不符", which=-1)
    notice = re.search(r'id="notice"[^>]*>([^<]*)<', text)
    assert notice is not None and "已撤销通过" in notice.group(1) and "退回修改" in notice.group(1)
    rows = overview(client.get(pref + "rollup.xlsx").content, tmp_path)
    rate = rows["header"].index("完成率")
    assert rows["谷城县"][2] == "退回修改" and rows["谷城县"][rate] == 1.0
    page = client.get(f"{pref}county/0").text
    assert "汇总表中该县采用" not in page and "撤销通过（" not in page  # nothing approved counts now
    assert "更早通过的报送不再采用" in page
    assert "退回修改" in client.get(county).text
    # Sent again and approved: it counts as 已通过; the older approval stays history.
    client.post(county + "submit", data={"confirm": "1"})
    decide(client, pref, 0, "approve")
    rows = overview(client.get(pref + "rollup.xlsx").content, tmp_path)
    # every county counted approved now: 附件3 without the 审核状态 column, as merge writes it
    assert "审核状态" not in rows["header"] and rows["谷城县"][rows["header"].index("完成率")] == 1.0


def test_withdrawing_an_approval_names_what_the_rollup_counts_instead(intake: Intake, tmp_path: Path) -> None:
    """S1 approved, S2 pending, S1's approval withdrawn: the message says the rollup now uses the
    latest submission marked 待审核 (not 退回修改, which it would not be)."""
    client, links, _ = intake
    county, pref = links["谷城县"], links["市州（审核）"]
    upload(client, county, reply(tmp_path / "g1", "谷城县"))
    client.post(county + "submit")
    decide(client, pref, 0, "approve")
    upload(client, county, reply(tmp_path / "g2", "谷城县", bad=True))
    client.post(county + "submit", data={"confirm": "1"})
    text = decide(client, pref, 0, "return", "数据与台账不符", which=-1)
    notice = re.search(r'id="notice"[^>]*>([^<]*)<', text)
    assert notice is not None and "已撤销通过" in notice.group(1) and "待审核" in notice.group(1)
    rows = overview(client.get(pref + "rollup.xlsx").content, tmp_path)
    assert rows["谷城县"][2] == "待审核"


def test_papers_wait_until_every_submission_is_approved(intake: Intake, tmp_path: Path) -> None:
    """督办清单 and 情况报告 go to the province: a county counted only as 待审核 or 退回修改 would be
    in them as 已报送 with its figures. They are refused, naming those counties, until approved."""
    client, links, _ = intake
    pref = links["市州（审核）"]
    upload(client, links["谷城县"], reply(tmp_path / "g", "谷城县"))
    client.post(links["谷城县"] + "submit")
    upload(client, links["保康县"], reply(tmp_path / "b", "保康县"))
    client.post(links["保康县"] + "submit")
    decide(client, pref, 2, "return", "请补充佐证材料")
    page = client.get(pref).text
    assert "还有 2 个县（市、区）的报送没有通过审核" in page
    for which in ("xlsx", "docx"):
        r = client.get(pref + f"report.{which}")
        assert r.status_code == 409 and "content-disposition" not in r.headers
        assert "谷城县（待审核）、保康县（退回修改）" in r.text and "老河口市" in r.text  # 尚未提交: 未报送
    decide(client, pref, 0, "approve")
    assert "保康县（退回修改）" in client.get(pref + "report.docx").text
    client.post(links["保康县"] + "submit")  # sent again as it was, and approved
    decide(client, pref, 2, "approve")
    assert "没有通过审核" not in client.get(pref).text
    from docx import Document

    r = client.get(pref + "report.docx")
    assert r.status_code == 200
    text = "".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "已报送2个" in text and "未报送1个（老河口市）" in text
    assert client.get(pref + "report.xlsx").status_code == 200


def test_rollup_runs_in_process_with_the_folders_sign_off(intake: Intake, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client, links, root = intake
    (root / "zhenggai.toml").write_text('contact = "张三"\nphone = "0710-3256789"\n', encoding="utf-8")
    upload(client, links["谷城县"], reply(tmp_path, "谷城县"))
    client.post(links["谷城县"] + "submit")
    import subprocess

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError("the rollup must not start a process")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    path = tmp_path / "r.xlsx"
    path.write_bytes(client.get(links["市州（审核）"] + "rollup.xlsx").content)
    texts = [str(c.value) for row in openpyxl.load_workbook(path)["汇总概览"].iter_rows() for c in row if c.value]
    assert any("张三" in t and "0710-3256789" in t for t in texts)


def test_config_lookup_matches_typer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import typer

    from zhenggai.api.config import app_dir

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert app_dir() == Path(typer.get_app_dir("zhenggai"))


# --- settings, lock, links ------------------------------------------------------------------


def test_a_refused_second_serve_prints_nothing_and_keeps_the_settings(tmp_path: Path) -> None:
    root = tmp_path / "收件库"
    held = launch.open_intake(root, start=True, prefecture=PREFECTURE, expect="谷城县", port=8765).store
    before = held.config()
    r = run_zhenggai("serve", str(root), "--prefecture", "十堰市", "--deadline", "2023-06-30", "--port", "9001")
    assert r.returncode == 2 and "正在被另一个 zhenggai serve 使用" in r.stderr
    assert r.stdout == "" and "/c/" not in r.stderr  # no secret link printed
    assert held.config() == before
    links = run_zhenggai("serve", str(root), "--links", "--port", "9001", "--prefecture", "十堰市")
    assert links.returncode == 0 and "没有保存" in links.stderr
    assert all(":8765/" in line for line in links.stdout.splitlines())  # the running server's port
    rotated = run_zhenggai("serve", str(root), "--rotate", "谷城县")
    assert rotated.stdout.splitlines()[1].startswith("http://127.0.0.1:8765/c/") is False
    assert rotated.stdout.splitlines()[1].split("\t")[1].startswith("http://127.0.0.1:8765/c/")
    assert held.config() == before
    held.release()


def test_links_print_the_stored_address(tmp_path: Path) -> None:
    root = tmp_path / "收件库"
    opened = launch.open_intake(root, start=True, prefecture=PREFECTURE, expect="谷城县", host="127.0.0.2",
                                port=8123)
    opened.store.release()  # the server stopped
    r = run_zhenggai("serve", str(root), "--links")
    assert r.returncode == 0
    assert [line.split("\t")[1][:22] for line in r.stdout.splitlines()] == ["http://127.0.0.2:8123/"] * 2


def test_read_only_folder_is_said_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = sqlite3.connect

    def readonly(*args: object, **kwargs: object) -> sqlite3.Connection:
        db = real(*args, **kwargs)  # type: ignore[arg-type]
        db.execute("PRAGMA query_only = ON")  # as on a read-only share: every write fails
        return db

    monkeypatch.setattr(sqlite3, "connect", readonly)
    with pytest.raises(zhenggai.InputError, match="不能写入"):
        Store(tmp_path / "收件库")


def test_temporary_folders_are_cleaned_at_start(tmp_path: Path) -> None:
    root = tmp_path / "收件库"
    store = launch.prepare(root, prefecture=PREFECTURE, problems=None, expect="谷城县", deadline=None)
    stale = root / WORK_NAME / "zhenggai-check-killed"  # what a killed server left
    stale.mkdir(parents=True)
    (stale / "谷城县-上传1.xlsx").write_bytes(b"x")
    (root / WORK_NAME / "zhenggai-zip-abc").mkdir()
    beside = Store(root)
    assert beside.claim()
    beside.release()  # a --links run holding the lock briefly also cleans (no server is running)
    assert list((root / WORK_NAME).iterdir()) == []
    stale.mkdir()
    client = TestClient(create_app(root))
    assert not stale.exists()
    assert not Store(root).claim()  # while the server runs, nobody else cleans its folders
    link = launch.links(store, "127.0.0.1", 8000)[1].url.split(":8000", 1)[1]
    upload(client, link, reply(tmp_path, "谷城县"))
    pref = launch.links(store, "127.0.0.1", 8000)[0].url.split(":8000", 1)[1]
    assert "还没有县提交" in client.get(pref + "rollup.xlsx").text
    client.post(link + "submit")
    assert client.get(pref + "rollup.xlsx").status_code == 200
    assert [p for p in (root / WORK_NAME).rglob("*") if not p.is_dir()] == []  # checks leave no file behind


# --- errors, names, headers -----------------------------------------------------------------


def test_error_pages_in_the_layout_with_headers_and_a_way_back(intake: Intake,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    client, links, _ = intake
    county = links["谷城县"]
    r = client.get(county + "file/99999999999999999999999")  # bigger than SQLite's integers
    assert r.status_code == 404 and "找不到页面" in r.text and f'href="{county}"' in r.text
    r = client.post(county + "upload", headers={"sec-fetch-site": "cross-site"}, files=[("files", ("a.xlsx", b"x"))])
    assert r.status_code == 403 and "/static/app.css" in r.text and f'href="{county}"' in r.text
    assert r.headers["x-frame-options"] == "DENY"
    r = client.post(county + "upload", files=[("files", ("a.xlsx", b"x" * (2 * 1024 * 1024)))])
    assert r.status_code == 413 and "/static/app.css" in r.text and "返回" in r.text
    r = client.post(county + "upload", content=b"--x\r\nbroken", headers={"content-type": "multipart/form-data"})
    assert r.status_code == 400 and "一次最多上传" not in r.text and "返回" in r.text

    def boom(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(routes.workflow, "ensure_checked", boom)
    failing = TestClient(client.app, raise_server_exceptions=False)
    r = failing.get(county)
    assert r.status_code == 500 and "系统内部出错" in r.text and "Traceback" not in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert r.headers["x-content-type-options"] == "nosniff"


def test_direction_override_cannot_disguise_an_extension(intake: Intake, tmp_path: Path) -> None:
    client, links, _ = intake
    disguised = "谷城县报送\u202excod.exe"  # shows as "谷城县报送exe.docx"
    page = upload(client, links["谷城县"], reply(tmp_path, "谷城县"), name=disguised)
    assert "\u202e" not in page and "谷城县报送xcod.exe" in page
    overview_page = client.get(links["市州（审核）"] + "county/0").text
    assert "\u202e" not in overview_page and "谷城县报送xcod.exe" in overview_page


def test_download_name_encodes_every_slash() -> None:
    header = routes.download("谷城县/第二轮 报送.xlsx", b"").headers["content-disposition"]
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert "/" not in encoded and unquote(encoded) == "谷城县/第二轮 报送.xlsx"


def test_refused_actions_put_the_message_in_their_section(intake: Intake, tmp_path: Path) -> None:
    client, links, _ = intake
    county = links["保康县"]
    r = client.post(county + "upload", files=[("files", ("", b""))], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("at=upload#notice")
    upload(client, county, reply(tmp_path, "保康县", bad=True))
    r = client.post(county + "submit", follow_redirects=False)
    assert r.headers["location"].endswith("at=submit#notice")
    page = client.get(r.headers["location"]).text
    section = page.split('id="submit"')[1].split("</section>")[0]
    assert 'id="notice"' in section and "还有 1 处错误" in section


def test_submitting_only_one_form_needs_a_word(intake: Intake, tmp_path: Path) -> None:
    client, links, _ = intake
    county = links["谷城县"]
    only_a1 = make_workbook(tmp_path / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(GOOD_ROWS, county="谷城县")})
    page = upload(client, county, only_a1)
    assert "还没有上传附件2" in page
    page = client.post(county + "submit", follow_redirects=True).text
    assert "尚未提交" in page and "附件2以后再报" in page
    page = client.post(county + "submit", data={"partial": "1"}, follow_redirects=True).text
    assert "已报送，待市州审核" in page


def test_a_table_replaced_inside_an_older_workbook_is_not_submitted(intake: Intake, tmp_path: Path) -> None:
    """U1 holds 附件1 + 附件2 (saved 10-14); U2, uploaded later, a corrected 附件1 saved on 10-10.
    The page says U2's 附件1 counts; the merge would take U1's by the time saved inside. The set
    is not submitted: the clerk is told to upload one workbook, whose figures then count."""
    from datetime import datetime

    from builders import set_saved_time

    client, links, _ = intake
    county, pref = links["谷城县"], links["市州（审核）"]
    one_done = [list(r) for r in GOOD_ROWS]
    all_done = [list(r) for r in GOOD_ROWS]
    all_done[1][3], all_done[1][4] = "是", "2022-06-30"
    both = set_saved_time(reply(tmp_path / "u1", "谷城县", rows=one_done), datetime(2022, 10, 14, 9))
    fixed = set_saved_time(make_workbook(tmp_path / "u2" / "谷城县-附件1改.xlsx", {
        "附件1": appendix1_rows(all_done, county="谷城县")}), datetime(2022, 10, 10, 9))
    upload(client, county, both)
    page = upload(client, county, fixed)
    section = page.split('id="submit"')[1].split("</section>")[0]
    assert "“谷城县-报送.xlsx”里也有附件1" in section and "其中的附件2单独另存" in section
    assert 'name="confirm"' not in section
    page = client.post(county + "submit", data={"confirm": "1", "partial": "1"}, follow_redirects=True).text
    assert "尚未提交" in page and "“谷城县-报送.xlsx”里也有附件1" in page
    # One workbook with the corrected 附件1 and the 附件2: it alone is current, and counts.
    upload(client, county, reply(tmp_path / "u3", "谷城县", rows=all_done))
    assert "已提交" in client.post(county + "submit", data={"confirm": "1"}, follow_redirects=True).text
    decide(client, pref, 0, "approve")
    rows = overview(client.get(pref + "rollup.xlsx").content, tmp_path)
    assert rows["谷城县"][rows["header"].index("完成率")] == 1.0


def test_deadline_message_names_the_deadline_in_use(tmp_path: Path) -> None:
    from datetime import date

    root = tmp_path / "收件库"
    store = launch.prepare(root, prefecture=PREFECTURE, problems=None, expect="谷城县", deadline=date(2023, 6, 30))
    link = launch.links(store, "127.0.0.1", 8000)[1].url.split(":8000", 1)[1]
    client = TestClient(create_app(root))
    rows = bad_rows()
    rows[1][4] = "2023-12-31"
    page = upload(client, link, reply(tmp_path, "谷城县", rows=rows))
    assert "晚于整改期限 2023-06-30" in page and "2022年底" not in page


# --- bounded work --------------------------------------------------------------------------


def test_findings_beyond_the_page_are_counted_and_downloadable(intake: Intake, tmp_path: Path) -> None:
    client, links, _ = intake
    county = links["谷城县"]
    rows = [[i + 1, f"第{i + 1}个站点停运", f"新建改造站点{i + 1}个，县级财政安排经费{i + 1}万元", "否", "2023-06-30",
             "李四", "县商务局"] for i in range(260)]
    page = upload(client, county, reply(tmp_path, "谷城县", rows=rows))
    total = int(re.findall(r"共 (\d+) 处问题，下表只列出前 200 处", page)[0])
    assert total >= 260 and page.count('<tr class="sev-') == 200
    assert "（只显示前 120 行，共" in page
    uid = re.findall(r"/findings/(\d+)", page)[0]
    csv_text = client.get(f"{county}findings/{uid}").content.decode("utf-8-sig")
    assert csv_text.count("deadline-too-late") == 260 and csv_text.startswith("级别,工作表,单元格")


def test_audit_view_is_paginated(intake: Intake, tmp_path: Path) -> None:
    client, links, root = intake
    store = Store(root)
    for i in range(120):
        store.audit("county:谷城县", "upload", {"upload": i, "file": f"第{i}版.xlsx", "sha256": "ab" * 32,
                                                "size": 1000}, "10.0.0.7")
    pref = links["市州（审核）"]
    first = client.get(pref + "audit").text
    assert "第 1 / 3 页" in first and "第119版.xlsx" in first and "10.0.0.7" in first and "ab" * 32 in first
    assert "谷城县（县的链接）" in first and "第0版.xlsx" not in first
    last = client.get(pref + "audit?page=3").text
    assert "第0版.xlsx" in last and "上一页" in last
    assert client.get(pref + "audit?page=abc").status_code == 200
    assert client.get(links["谷城县"].replace("/c/", "/p/") + "audit").status_code == 404


def test_a_wrong_link_gets_the_same_404_with_a_way_to_the_start(intake: Intake) -> None:
    client, links, _ = intake
    wrong = client.get("/c/not-a-link/")
    assert wrong.status_code == 404 and 'href="/"' in wrong.text and "返回" in wrong.text
    foreign = client.get(links["谷城县"].replace("/c/", "/p/"))  # a county's secret on the prefecture's path
    assert foreign.status_code == 404 and 'href="/"' in foreign.text


def test_review_state_in_json_and_frames(tmp_path: Path) -> None:
    import zhenggai

    inbox = tmp_path / "收件"
    reply(inbox, "谷城县")
    result = zhenggai.merge([inbox], zhenggai.MergeOptions(expect=("谷城县", "保康县")))
    result.rollup.counties[0].review = "待审核"
    assert result.rollup.counties[0].to_dict()["review"] == "待审核"
    assert "review" not in result.rollup.counties[1].to_dict()  # merge's own rollups have no review
    counties = result.frames().counties.set_index("county")
    assert counties.loc["谷城县", "review"] == "待审核" and counties["review"].isna().sum() == 1
