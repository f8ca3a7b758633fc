"""The web intake in process (ASGI test client): the journey, the store, and every security point."""

from __future__ import annotations

import hashlib
import io
import re
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient

import zhenggai
from builders import GOOD_A2, GOOD_ROWS, appendix1_rows, appendix2_rows, make_workbook, make_zip
from programs import run_zhenggai
from webtools import COUNTIES, FORMULA, PREFECTURE, XSS, bad_rows, reply, review_column, table_rows, token_of
from zhenggai.web import launch, workflow
from zhenggai.web.app import create_app, state
from zhenggai.web.store import BLOB_DIR, DB_NAME


@pytest.fixture
def intake(tmp_path: Path) -> tuple[TestClient, dict[str, str], Path]:
    """A fresh intake for three counties; (client, who → path of link, folder)."""
    root = tmp_path / "收件库"
    store = launch.prepare(root, prefecture=PREFECTURE, problems=None, expect=",".join(COUNTIES), deadline=None)
    links = {x.who: x.url.split(":8000", 1)[1] for x in launch.links(store, "127.0.0.1", 8000)}
    client = TestClient(create_app(root, max_upload=1024 * 1024, burst=10))
    return client, links, root


def upload(client: TestClient, link: str, *files: Path, names: list[str] | None = None) -> str:
    """Upload files through a county link; the page shown after it."""
    parts = [("files", ((names[i] if names else f.name), f.read_bytes())) for i, f in enumerate(files)]
    r = client.post(link + "upload", files=parts, follow_redirects=True)
    assert r.status_code == 200, r.text
    return r.text


def cells(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's values, for cell-for-cell comparisons."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


# --- the journey --------------------------------------------------------------------------


def test_county_and_prefecture_journey(intake: tuple[TestClient, dict[str, str], Path], tmp_path: Path) -> None:
    client, links, _ = intake
    county, pref = links["谷城县"], links["市州（审核）"]

    page = client.get(county).text
    assert "尚未提交" in page and "下载 附件1 整改清单" in page

    form = client.get(county + "form/1")
    assert form.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(form.content))
    assert any("谷城县" in str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)

    page = upload(client, county, reply(tmp_path / "a", "谷城县", bad=True))
    assert "1 处错误" in page
    assert re.search(r'<td class="bad-error" id="[^"]*-E6" title="E6：[^"]*2023-06-30', page), "E6 highlighted"
    assert ">E6</a>" in page  # named in the findings table

    uid = int(re.findall(r"/annotated/(\d+)", page)[0])
    ann = client.get(f"{county}annotated/{uid}")
    assert ann.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(ann.content))["附件1"]
    assert ws["E6"].comment is not None and "2022-12-31" in ws["E6"].comment.text

    page = upload(client, county, reply(tmp_path / "b", "谷城县"))
    assert "没有错误" in page and "bad-error" not in page
    page = client.post(county + "submit", follow_redirects=True).text
    assert "已提交" in page and "待市州审核" in page

    overview = client.get(pref).text
    assert "已报送，待审核" in overview and "未报送" in overview
    detail = client.get(pref + "county/0").text
    sid = re.findall(r"/decide/(\d+)", detail)[0]
    r = client.post(f"{pref}decide/{sid}", data={"action": "return", "note": "请补充第2行的整改措施<b>"},
                    follow_redirects=True)
    assert "已退回" in r.text

    page = client.get(county).text
    assert "退回修改" in page and "请补充第2行的整改措施&lt;b&gt;" in page
    page = client.post(county + "submit", follow_redirects=True).text
    assert "已提交" in page

    detail = client.get(pref + "county/0").text
    sid2 = re.findall(r"/decide/(\d+)", detail)[0]
    assert sid2 != sid
    assert "已通过" in client.post(f"{pref}decide/{sid2}", data={"action": "approve"}, follow_redirects=True).text
    assert "已通过" in client.get(county).text

    rollup = tmp_path / "web.xlsx"
    rollup.write_bytes(client.get(pref + "rollup.xlsx").content)
    out = tmp_path / "export"
    zipfile.ZipFile(io.BytesIO(client.get(pref + "export.zip").content)).extractall(out)
    command = (out / "说明.txt").read_text(encoding="utf-8-sig").splitlines()[-1].split()
    assert command[:2] == ["zhenggai", "merge"]
    proc = run_zhenggai(*command[1:], cwd=out)
    assert proc.returncode in (0, 1), proc.stderr
    merged = out / command[command.index("-o") + 1]
    web = cells(rollup)
    # every county counted approved: no 审核状态 column (附件3 goes upward), the very workbook merge writes
    assert "审核状态" not in str(web["汇总概览"])
    assert web == cells(merged)
    items = cells(merged)["整改清单汇总"]
    assert sum(1 for row in items if row[0] == "谷城县") == len(GOOD_ROWS)


def test_returned_only_with_note_and_only_latest(intake: tuple[TestClient, dict[str, str], Path],
                                                 tmp_path: Path) -> None:
    client, links, _ = intake
    county, pref = links["老河口市"], links["市州（审核）"]
    upload(client, county, reply(tmp_path, "老河口市"))
    client.post(county + "submit")
    sid = re.findall(r"/decide/(\d+)", client.get(pref + "county/1").text)[0]
    r = client.post(f"{pref}decide/{sid}", data={"action": "return", "note": "  "}, follow_redirects=True)
    assert "退回时请写明" in r.text
    assert "待市州审核" in client.get(county).text


def test_submit_with_errors_needs_confirmation(intake: tuple[TestClient, dict[str, str], Path],
                                               tmp_path: Path) -> None:
    client, links, _ = intake
    county = links["保康县"]
    upload(client, county, reply(tmp_path, "保康县", bad=True))
    page = client.post(county + "submit", follow_redirects=True).text
    assert "还有 1 处错误" in page and "尚未提交" in page
    page = client.post(county + "submit", data={"confirm": "1"}, follow_redirects=True).text
    assert "待市州审核" in page


def test_a_newer_file_replaces_the_older_one_of_its_kind(intake: tuple[TestClient, dict[str, str], Path],
                                                        tmp_path: Path) -> None:
    client, links, _ = intake
    county = links["谷城县"]
    upload(client, county, reply(tmp_path / "1", "谷城县", bad=True, name="第一版.xlsx"))
    page = upload(client, county, reply(tmp_path / "2", "谷城县", name="第二版.xlsx"))
    current = page.split('id="check"')[1].split('id="submit"')[0]
    assert "第二版.xlsx" in current and "第一版.xlsx" not in current
    assert "第一版.xlsx" in page  # still in the upload history


# --- the store ------------------------------------------------------------------------------


def test_uploads_stored_as_received_named_by_hash(intake: tuple[TestClient, dict[str, str], Path],
                                                  tmp_path: Path) -> None:
    client, links, root = intake
    f = reply(tmp_path, "谷城县")
    upload(client, links["谷城县"], f)
    upload(client, links["谷城县"], f)  # the same bytes again: one file, two uploads
    data = f.read_bytes()
    stored = list((root / BLOB_DIR).iterdir())
    assert [p.name for p in stored] == [hashlib.sha256(data).hexdigest() + ".xlsx"]
    assert stored[0].read_bytes() == data
    db = sqlite3.connect(root / DB_NAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM uploads").fetchone()[0] == 2
    actions = [r[0] for r in db.execute("SELECT action FROM audit")]
    assert actions == ["upload", "upload"]
    client_col = db.execute("SELECT client FROM audit").fetchone()[0]
    assert client_col == "testclient"


def test_uploaded_name_is_never_a_path(intake: tuple[TestClient, dict[str, str], Path], tmp_path: Path) -> None:
    client, links, root = intake
    f = reply(tmp_path, "谷城县")
    for name in ("../../逃逸.xlsx", "..\\..\\逃逸.xlsx", "/etc/passwd", "C:\\Windows\\win.ini"):
        upload(client, links["谷城县"], f, names=[name])
    assert not (root.parent / "逃逸.xlsx").exists()
    names = {p.name for p in root.rglob("*") if p.is_file()}
    fixed = {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", ".zhenggai-key", ".zhenggai-lock"}
    assert all(n in fixed or n.endswith((".xlsx", ".bin", ".ini")) for n in names)
    assert all(re.fullmatch(r"[0-9a-f]{64}\.(xlsx|bin|ini)", p.name) for p in (root / BLOB_DIR).iterdir())


def test_secrets_are_stored_only_as_hashes(intake: tuple[TestClient, dict[str, str], Path]) -> None:
    _, links, root = intake
    db = b"".join(p.read_bytes() for p in root.glob(f"{DB_NAME}*"))
    for url in links.values():
        token = token_of(url)
        assert token.encode() not in db
        assert hashlib.sha256(token.encode()).hexdigest().encode() in db


# --- security -------------------------------------------------------------------------------


def test_security_headers_on_every_response(intake: tuple[TestClient, dict[str, str], Path]) -> None:
    client, links, _ = intake
    for path in ("/", links["谷城县"], links["市州（审核）"], "/c/wrong/", "/static/app.css"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "set-cookie" not in r.headers  # no cookies at all
    page = client.get(links["谷城县"]).text
    assert "<script>" not in page and " on" not in re.sub(r"\s+", " ", page).replace(" one", "")
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # no external resources


@pytest.mark.parametrize("headers", [
    {"sec-fetch-site": "cross-site"},
    {"sec-fetch-site": "same-site"},
    {"origin": "http://evil.example"},
    {"origin": "null"},
])
def test_cross_site_posts_are_refused(intake: tuple[TestClient, dict[str, str], Path], tmp_path: Path,
                                      headers: dict[str, str]) -> None:
    client, links, root = intake
    f = reply(tmp_path, "谷城县")
    r = client.post(links["谷城县"] + "upload", files=[("files", (f.name, f.read_bytes()))], headers=headers)
    assert r.status_code == 403
    r = client.post(links["谷城县"] + "submit", headers=headers)
    assert r.status_code == 403
    assert list((root / BLOB_DIR).iterdir()) == []


def test_same_origin_posts_pass(intake: tuple[TestClient, dict[str, str], Path], tmp_path: Path) -> None:
    client, links, _ = intake
    f = reply(tmp_path, "谷城县")
    for headers in ({"sec-fetch-site": "same-origin"}, {"origin": "http://testserver"}):
        r = client.post(links["谷城县"] + "upload", files=[("files", (f.name, f.read_bytes()))], headers=headers,
                        follow_redirects=False)
        assert r.status_code == 303


def test_wrong_or_foreign_links_get_404_and_learn_nothing(intake: tuple[TestClient, dict[str, str], Path],
                                                          tmp_path: Path) -> None:
    client, links, _ = intake
    upload(client, links["谷城县"], reply(tmp_path, "谷城县", name="谷城县机密.xlsx"))
    gu_file = int(re.findall(r"/file/(\d+)", client.get(links["谷城县"]).text)[0])
    other = links["老河口市"]
    pref_token = token_of(links["市州（审核）"])
    county_token = token_of(other)
    probes = [
        client.get(f"{other}file/{gu_file}"), client.get(f"{other}annotated/{gu_file}"),
        client.get(f"{other}file/{gu_file + 1}"),
        client.get("/c/" + "A" * 32 + "/"), client.get("/p/" + "A" * 32 + "/"),
        client.get(f"/p/{county_token}/"), client.get(f"/p/{county_token}/rollup.xlsx"),
        client.get(f"/c/{pref_token}/"), client.get(f"/c/{county_token[:-1]}/"),
        client.get(f"/c/{county_token}x/"),
        client.post(f"/p/{county_token}/decide/1", data={"action": "approve"}),
    ]
    for r in probes:
        assert r.status_code == 404
        for secret in ("谷城县", "谷城县机密", "保康县", pref_token):
            assert secret not in r.text
    page = client.get(other).text
    assert "谷城县" not in page and "谷城县机密" not in page


def test_rotated_link_stops_working(intake: tuple[TestClient, dict[str, str], Path]) -> None:
    client, links, _root = intake
    old = links["谷城县"]
    assert client.get(old).status_code == 200
    store = state(client.app).store
    new = {x.who: x.url.split(":8000", 1)[1] for x in launch.links(store, "127.0.0.1", 8000, rotate="谷城县")}
    assert new["谷城县"] != old and new["老河口市"] == links["老河口市"]
    state(client.app).links._loaded = 0.0  # the running server re-reads links within 2 s
    assert client.get(old).status_code == 404
    assert client.get(new["谷城县"]).status_code == 200


def test_upload_size_limit(intake: tuple[TestClient, dict[str, str], Path]) -> None:
    client, links, root = intake
    big = b"PK\x03\x04" + b"0" * (2 * 1024 * 1024)
    r = client.post(links["谷城县"] + "upload", files=[("files", ("大.xlsx", big))])
    assert r.status_code == 413 and "20 MB" not in r.text and "1 MB" in r.text
    assert list((root / BLOB_DIR).iterdir()) == []
    db = sqlite3.connect(root / DB_NAME)
    assert db.execute("SELECT count(*) FROM uploads").fetchone()[0] == 0


def test_only_an_oversized_upload_is_called_too_large(intake: tuple[TestClient, dict[str, str], Path],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A ValueError while checking a stored upload is a server fault, never 文件太大 (413)."""
    server, links, _root = intake
    client = TestClient(server.app, raise_server_exceptions=False)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("a bug while checking")

    monkeypatch.setattr(workflow, "check_of", broken)
    monkeypatch.setattr(workflow, "_check_alone", lambda *_a, **_k: None)
    r = client.post(links["谷城县"] + "upload", files=[("files", ("小.xlsx", b"PK\x03\x04" + b"0" * 100))])
    assert r.status_code == 500 and "文件太大" not in r.text and "系统内部出错" in r.text


def test_upload_flood_is_rate_limited_per_link(intake: tuple[TestClient, dict[str, str], Path],
                                               tmp_path: Path) -> None:
    client, links, _ = intake
    f = reply(tmp_path, "谷城县")
    codes = [client.post(links["谷城县"] + "upload", files=[("files", (f.name, f.read_bytes()))],
                         follow_redirects=False).status_code for _ in range(14)]
    assert codes[:10] == [303] * 10 and 429 in codes[10:]
    # Another county's link is not slowed down by it.
    r = client.post(links["老河口市"] + "upload", files=[("files", (f.name, f.read_bytes()))],
                    follow_redirects=False)
    assert r.status_code == 303


def test_xss_through_a_cell_and_a_file_name_stays_text(intake: tuple[TestClient, dict[str, str], Path],
                                                       tmp_path: Path) -> None:
    client, links, _ = intake
    rows = bad_rows()
    rows[0][5] = XSS
    f = reply(tmp_path, "谷城县", rows=rows)
    wb = openpyxl.load_workbook(f)
    wb["附件1"]["C6"].value = FORMULA
    wb["附件1"]["C6"].data_type = "s"  # text a clerk typed (Excel shows it as a string, not a formula)
    wb.save(f)
    evil_name = "<img src=x onerror=alert(1)>.xlsx"
    page = upload(client, links["谷城县"], f, names=[evil_name])
    assert XSS not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;.xlsx" in page
    client.post(links["谷城县"] + "submit", data={"confirm": "1"})
    pref = client.get(links["市州（审核）"] + "county/0").text
    assert XSS not in pref and "<img src=x" not in pref
    out = tmp_path / "rollup.xlsx"
    out.write_bytes(client.get(links["市州（审核）"] + "rollup.xlsx").content)
    ws = openpyxl.load_workbook(out)["整改清单汇总"]
    values = [c for row in ws.iter_rows() for c in row]
    formula = [c for c in values if c.value == FORMULA]
    assert formula and all(c.data_type == "s" for c in formula)  # text, not a formula
    assert any(c.value == XSS for c in values)


def test_unreadable_upload_is_kept_and_explained(intake: tuple[TestClient, dict[str, str], Path]) -> None:
    client, links, root = intake
    page = client.post(links["谷城县"] + "upload", files=[("files", ("说明.docx", b"not a workbook"))],
                       follow_redirects=True).text
    assert "未找到附件1或附件2" in page and "说明.docx" in page
    assert len(list((root / BLOB_DIR).iterdir())) == 1


# --- the command ----------------------------------------------------------------------------


def test_serve_links_and_rotate(tmp_path: Path) -> None:
    root = tmp_path / "收件库"
    first = run_zhenggai("serve", str(root), "--prefecture", PREFECTURE, "--expect", "谷城县,保康县", "--links")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert [x.split("\t")[0] for x in lines] == ["市州（审核）", "谷城县", "保康县"]
    assert all(x.split("\t")[1].startswith("http://127.0.0.1:8000/") for x in lines)
    again = run_zhenggai("serve", str(root), "--links")
    assert again.stdout == first.stdout
    rotated = run_zhenggai("serve", str(root), "--rotate", "谷城县")
    assert rotated.returncode == 0
    assert rotated.stdout.splitlines()[1] != lines[1] and rotated.stdout.splitlines()[2] == lines[2]
    unknown = run_zhenggai("serve", str(root), "--rotate", "不存在县")
    assert unknown.returncode == 2 and "不存在县" in unknown.stderr and "Traceback" not in unknown.stderr


def test_serve_without_counties_is_a_usage_error(tmp_path: Path) -> None:
    r = run_zhenggai("serve", str(tmp_path / "空"), "--links")
    assert r.returncode == 2 and "--expect" in r.stderr and "Traceback" not in r.stderr


def test_readme_serve_command_starts_on_the_shipped_example(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    line = next(b for b in re.findall(r"```bash\n(.*?)```", readme, flags=re.S) if "zhenggai serve" in b).strip()
    args = line.split("zhenggai ", 1)[1].split()
    root = Path(__file__).resolve().parents[1]
    args = [str(root / a) if a.startswith("examples/") else a for a in args]
    args[1] = str(tmp_path / "收件库")
    r = run_zhenggai(*args, "--links")
    assert r.returncode == 0, r.stderr
    who = [x.split("\t")[0] for x in r.stdout.splitlines()]
    assert who == ["市州（审核）", "枣阳市", "保康县", "谷城县", "老河口市"]


def test_another_countys_file_is_an_error_and_cannot_be_submitted(
        intake: tuple[TestClient, dict[str, str], Path], tmp_path: Path) -> None:
    client, links, _ = intake
    county = links["谷城县"]
    page = upload(client, county, reply(tmp_path, "老河口市"))
    # The message quotes the 盖章 line as the clerk typed it, and points at its cell.
    assert "文件里写的是“老河口市商务主管部门（盖章）”，但这是谷城县的报送链接" in page and "1 处错误" in page
    assert re.search(r'<td class="bad-error" id="[^"]*-A3" title="A3：文件里写的是', page)
    page = client.post(county + "submit", data={"confirm": "1"}, follow_redirects=True).text
    assert "不能提交" in page and "尚未提交" in page
    assert client.get(links["市州（审核）"]).text.count("已报送，待审核") == 0


def test_prefecture_opens_an_earlier_submission(intake: tuple[TestClient, dict[str, str], Path],
                                                tmp_path: Path) -> None:
    client, links, _ = intake
    county, pref = links["谷城县"], links["市州（审核）"]
    upload(client, county, reply(tmp_path / "1", "谷城县", bad=True, name="第一次.xlsx"))
    client.post(county + "submit", data={"confirm": "1"})
    upload(client, county, reply(tmp_path / "2", "谷城县", name="第二次.xlsx"))
    client.post(county + "submit")
    latest = client.get(pref + "county/0").text.split('id="check"')[1]
    assert "第二次.xlsx" in latest.split("报送记录")[0]
    first_id = min(int(x) for x in re.findall(r"\?s=(\d+)", client.get(pref + "county/0").text))
    earlier = client.get(f"{pref}county/0?s={first_id}").text
    assert "不是最近一次" in earlier and "第一次.xlsx" in earlier.split('id="check"')[1].split("报送记录")[0]
    assert "bad-error" in earlier


def test_too_many_files_at_once_is_refused_in_chinese(intake: tuple[TestClient, dict[str, str], Path],
                                                       tmp_path: Path) -> None:
    client, links, root = intake
    data = reply(tmp_path, "谷城县").read_bytes()
    r = client.post(links["谷城县"] + "upload", files=[("files", (f"{i}.xlsx", data)) for i in range(6)])
    assert r.status_code == 400 and "一次最多上传 5 个文件" in r.text
    assert list((root / BLOB_DIR).iterdir()) == []


def test_a_library_crash_on_one_file_does_not_break_the_page(intake: tuple[TestClient, dict[str, str], Path],
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client, links, root = intake
    from zhenggai.web import service

    real = service.check

    def boom(*args: object, **kwargs: object) -> object:
        raise RuntimeError("library bug")

    monkeypatch.setattr(service, "check", boom)
    r = client.post(links["谷城县"] + "upload", files=[("files", ("a.xlsx", reply(tmp_path, "谷城县").read_bytes()))],
                    follow_redirects=False)
    assert r.status_code == 303  # stored and acknowledged all the same
    assert "“a.xlsx”已经保存，但检查时程序出错" in client.get(links["谷城县"]).text
    monkeypatch.setattr(service, "check", real)
    page = client.get(links["谷城县"]).text  # checked now, on the next view
    assert "a.xlsx" in page.split('id="check"')[1].split('id="submit"')[0]
    assert len(list((root / BLOB_DIR).iterdir())) == 1


def test_one_server_per_folder_and_links_beside_it_touch_no_upload(tmp_path: Path) -> None:
    from webtools import Server

    server = Server(tmp_path / "收件库").start()
    try:
        blobs = tmp_path / "收件库" / BLOB_DIR
        in_flight = blobs / ".tmp-0123456789abcdef"  # an upload being written right now
        in_flight.write_bytes(b"half")
        second = run_zhenggai("serve", str(tmp_path / "收件库"), "--port", str(server.port + 1))
        assert second.returncode == 2 and "正在被另一个 zhenggai serve 使用" in second.stderr
        assert run_zhenggai("serve", str(tmp_path / "收件库"), "--links").returncode == 0
        assert in_flight.exists()
    finally:
        server.stop()


def test_export_from_the_command_line_merges_to_the_web_rollup(intake: tuple[TestClient, dict[str, str], Path],
                                                                tmp_path: Path) -> None:
    client, links, root = intake
    upload(client, links["谷城县"], reply(tmp_path, "谷城县"))
    client.post(links["谷城县"] + "submit")
    web = tmp_path / "web.xlsx"
    web.write_bytes(client.get(links["市州（审核）"] + "rollup.xlsx").content)
    r = run_zhenggai("serve", str(root), "--export", str(tmp_path / "导出"))
    assert r.returncode == 0, r.stderr
    assert "已导出到" in r.stdout and "zhenggai merge 襄阳市报送" in r.stdout
    command = (tmp_path / "导出" / "说明.txt").read_text(encoding="utf-8-sig").splitlines()[-1].split()
    assert run_zhenggai(*command[1:], cwd=tmp_path / "导出").returncode in (0, 1)
    web_cells = cells(web)
    review_column(web_cells)
    merged = cells(tmp_path / "导出" / command[command.index("-o") + 1])
    merged["汇总概览"] = table_rows(merged["汇总概览"])
    assert web_cells == merged
    again = run_zhenggai("serve", str(root), "--export", str(tmp_path / "导出"))
    assert again.returncode == 2 and "已存在" in again.stderr


# --- 与上次报送相比 ------------------------------------------------------------------------


def _compared_rows(page: str) -> list[list[str]]:
    """The rows of the page's 与上次报送相比 table, as the cells' text (unescaped)."""
    import html

    section = page.split('id="compared"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<tr class="sev-\w+">(.*?)</tr>', section, re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", td)).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in rows]


def _round(done1: str, deadline2: str, measure2: str = "新整合快递企业3家，新覆盖村12个") -> list[list[object]]:
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][3] = done1
    rows[1][2], rows[1][4] = measure2, deadline2
    return rows


def test_second_submission_is_compared_with_the_first(intake: tuple[TestClient, dict[str, str], Path],
                                                      tmp_path: Path) -> None:
    client, links, _ = intake
    county, pref = links["谷城县"], links["市州（审核）"]
    upload(client, county, reply(tmp_path / "1", "谷城县", rows=_round("是", "2022-09-30")))
    first = client.post(county + "submit", follow_redirects=True).text
    assert "已提交" in first and 'id="compared"' not in first and "与上次报送相比" not in first
    assert "与上次报送相比" not in client.get(pref + "county/0").text

    # Item 1 reopened, item 2's deadline moved from 09-30 to 11-30 and its measure only gained a pledge.
    pledge = "新整合快递企业3家，新覆盖村12个，确保按期完成"
    second = reply(tmp_path / "2", "谷城县", rows=_round("否", "2022-11-30", pledge))
    page = upload(client, county, second)
    assert "与上次报送相比" in page  # before submitting: the new files against the submission
    page = client.post(county + "submit", data={"confirm": "1"}, follow_redirects=True).text
    rows = _compared_rows(page)
    assert [r[:6] for r in rows] == [
        ["错误", "1", "县级电商公共服务中心停止运营", "重新打开", "是", "否"],
        ["警告", "2", "快递企业整合不够", "完成时限推迟", "2022-09-30", "2022-11-30"],
        ["警告", "2", "快递企业整合不够", "只增加表态", "新整合快递企业3家，新覆盖村12个",
         "新整合快递企业3家，新覆盖村12个，确保按期完成"],
    ]
    assert rows[0][6] == "附件1 D5" and "请说明原因" in rows[0][7]
    assert "由 2022-09-30 推迟到 2022-11-30" in rows[1][7] and "确保按期完成" in rows[2][7]
    assert re.search(r"完成率：<b>50%</b> → <b>0%</b>", page)

    # The prefecture sees the same on the latest submission, and nothing on the first one.
    detail = client.get(pref + "county/0").text
    assert _compared_rows(detail) == rows
    # Another county's file uploaded by mistake is refused, not compared as "every item gone".
    page = upload(client, county, reply(tmp_path / "3", "老河口市"))
    assert "但这是谷城县的报送链接" in page
    assert 'id="compared"' not in page
    first_id = min(int(x) for x in re.findall(r"\?s=(\d+)", detail))
    assert 'id="compared"' not in client.get(f"{pref}county/0?s={first_id}").text


def test_compared_text_is_escaped(intake: tuple[TestClient, dict[str, str], Path], tmp_path: Path) -> None:
    client, links, _ = intake
    county = links["谷城县"]
    rows = _round("是", "2022-09-30")
    rows[1][1] = XSS
    upload(client, county, reply(tmp_path / "1", "谷城县", rows=rows))
    client.post(county + "submit")
    rows[0][3] = "否"
    page = upload(client, county, reply(tmp_path / "2", "谷城县", rows=rows))
    section = page.split('id="compared"', 1)[1].split("</section>", 1)[0]
    assert "重新打开" in section and "<script>" not in page.split("<body", 1)[1].replace(
        '<script src="/static/upload.js"></script>', "")


def test_first_submission_is_compared_with_last_rounds_rollup(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples"
    root = tmp_path / "收件库"
    with pytest.raises(zhenggai.InputError, match="不是"):  # a county reply is not a rollup: refused, never guessed
        launch.prepare(root, prefecture=PREFECTURE, problems=None, expect="谷城县", deadline=None,
                       previous=examples / "襄阳市收件-第二轮" / "谷城县 附件2（第二轮）.xlsx")
    store = launch.prepare(root, prefecture=PREFECTURE, problems=None, expect="谷城县,枣阳市", deadline=None,
                           previous=examples / "襄阳市汇总.xlsx")
    link = {x.who: x.url.split(":8000", 1)[1] for x in launch.links(store, "127.0.0.1", 8000)}["谷城县"]
    client = TestClient(create_app(root, max_upload=1024 * 1024, burst=10))
    assert 'id="compared"' not in client.get(link).text
    inbox = examples / "襄阳市收件-第二轮"
    page = upload(client, link, inbox / "谷城县 附件1（10月12日修改）.xlsx", inbox / "谷城县 附件2（第二轮）.xlsx")
    assert "与上一轮汇总表比较" in page and re.search(r"完成率：<b>40%</b> → <b>50%</b>", page)
    got = [(r[0], r[1], r[3]) for r in _compared_rows(page)]
    assert got == [("警告", "2", "只增加表态"), ("错误", "3", "重新打开"), ("提示", "4", "新完成"),
                   ("错误", "5", "问题缺失")]  # 枣阳市 and 老河口市 in that rollup are not this county's


def test_the_web_check_of_a_zip_upload_leaves_no_extracted_folder(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from zhenggai.web import service

    own_tmp = tmp_path / "系统临时"  # temporary folders made by zhenggai go here, to see what is left
    own_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))
    book = make_workbook(tmp_path / "f" / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS),
                                                        "附件2": appendix2_rows(GOOD_A2)})
    zipped = make_zip(tmp_path / "in" / "谷城县.zip", {"谷城县报送.xlsx": book})
    settings = service.Settings(prefecture="襄阳市", counties=("谷城县",))
    service.check(settings, [service.Entry(1, zipped, "谷城县.zip")])
    service.annotated_copy(settings, [service.Entry(1, zipped, "谷城县.zip")], 1)
    assert list(own_tmp.iterdir()) == []


def test_the_server_runs_with_the_cyclic_collector_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Short commands pause the collector for their whole run (cli/app.command and main); the
    # server runs for days, so it must collect its requests' cyclic garbage.
    import gc

    from typer.testing import CliRunner

    from zhenggai.cli.app import app

    seen: list[bool] = []
    monkeypatch.setattr(launch, "run", lambda *a, **k: seen.append(gc.isenabled()))
    was = gc.isenabled()
    try:
        res = CliRunner().invoke(app, ["serve", str(tmp_path / "收件库"), "--prefecture", "襄阳市",
                                       "--expect", "谷城县"])
    finally:
        if was:
            gc.enable()
    assert res.exit_code == 0, res.output
    assert seen == [True]
