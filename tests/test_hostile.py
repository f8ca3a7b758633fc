"""Hostile and broken files: each is refused as a finding, fast, in little memory, never a crash.

The files are built once per module. Time and memory are measured in a child process
(python-calamine allocates in Rust, which tracemalloc cannot see; ``ru_maxrss`` can), and
the child also keeps a reader bug that aborts the process (Rust's out-of-memory handler
calls abort()) from taking the test run down with it.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from builders import GOOD_ROWS, appendix1_rows, make_workbook, rewrite_zip
from zhenggai import Options
from zhenggai.checking.files import check_file
from zhenggai.intake import reader
from zhenggai.intake.reader import OLE_MAGIC, read_book

OPTS = Options()
SHEET1 = "xl/worksheets/sheet1.xml"
MB = 1024 * 1024

# Nine levels of ten: 10^9 "lol"s (3 GB) if anything expanded them.
LAUGHS = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
) + b"]>\n"
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"


def _without_decl(data: bytes) -> bytes:
    return data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data


def _bomb(base: Path, dst: Path, size: int, *, declare: int | None = None) -> Path:
    """``base`` with sheet1.xml replaced by ``size`` bytes of "0" (streamed: flat memory);
    ``declare`` patches the sizes the zip headers claim (a lying header)."""
    chunk = b"0" * (8 * MB)
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            if info.filename != SHEET1:
                zout.writestr(info, zin.read(info.filename))
                continue
            with zout.open(SHEET1, "w", force_zip64=size > 2**31) as w:
                w.write(SHEET_HEAD)
                left = size
                while left > 0:
                    w.write(chunk[: min(left, len(chunk))])
                    left -= len(chunk)
                w.write(SHEET_TAIL)
    if declare is not None:
        data = bytearray(dst.read_bytes())
        name = SHEET1.encode()
        for sig, name_at, size_at, header in ((b"PK\x03\x04", 26, 22, 30), (b"PK\x01\x02", 28, 24, 46)):
            pos = data.find(sig)
            while pos >= 0:
                n = struct.unpack_from("<H", data, pos + name_at)[0]
                if data[pos + header:pos + header + n] == name:
                    struct.pack_into("<I", data, pos + size_at, declare)
                pos = data.find(sig, pos + 4)
        dst.write_bytes(bytes(data))
    return dst


def _ole(marker_at: int = 1200, size: int = 4096) -> bytes:
    """An OLE compound file (what an encrypted .xlsx is) with the EncryptedPackage stream name."""
    body = bytearray(OLE_MAGIC + b"\x00" * (size - len(OLE_MAGIC)))
    marker = "EncryptedPackage".encode("utf-16-le")
    body[marker_at:marker_at + len(marker)] = marker
    return bytes(body)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hostile")
    good = make_workbook(d / "good.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    raw = good.read_bytes()
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        out[name] = d / name
        out[name].write_bytes(data)

    put("text.xlsx", "县名,问题\n谷城县,站点\n".encode())
    put("empty.xlsx", b"")
    put("truncated.xlsx", raw[: len(raw) * 2 // 3])
    put("truncated-tail.xlsx", raw[:-30])
    put("encrypted.xlsx", _ole())
    # the stream name straddling the reader's 1 MB chunks
    put("encrypted-straddle.xlsx", _ole(marker_at=(1 << 20) - 9, size=(1 << 20) + 4096))
    with zipfile.ZipFile(d / "document.xlsx", "w") as z:  # a .docx, say
        z.writestr("word/document.xml", "<w:document/>")
    out["document.xlsx"] = d / "document.xlsx"
    out["bomb.xlsx"] = _bomb(good, d / "bomb.xlsx", 1024 * MB)  # 1 GB of "0", ~5 MB on disk
    out["ratio.xlsx"] = _bomb(good, d / "ratio.xlsx", 30 * MB)  # small in total, absurd ratio
    out["lying.xlsx"] = _bomb(good, d / "lying.xlsx", 600 * MB, declare=5000)
    out["lying-small.xlsx"] = _bomb(good, d / "lying-small.xlsx", 8 * MB, declare=5000)

    def laughs_in(member: str, inject: bytes = b"") -> bytes:
        def edit(data: bytes) -> bytes:
            body = _without_decl(data)
            if inject:
                body = body.replace(b"</sheetData>", inject + b"</sheetData>", 1)
            return LAUGHS + body

        return rewrite_zip(good, d / "tmp.xlsx", {member: edit}).read_bytes()

    use = b'<row r="99"><c r="A99" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    put("laughs-sheet.xlsx", laughs_in(SHEET1, use))
    put("laughs-workbook.xlsx", laughs_in("xl/workbook.xml"))
    put("laughs-styles.xlsx", laughs_in("xl/styles.xml"))  # a part only calamine reads
    put("external-entity.xlsx", rewrite_zip(good, d / "tmp.xlsx", {SHEET1: lambda b: (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + _without_decl(b)
    ).replace(b"<t>", b"<t>&e;", 1)}).read_bytes())
    # Two values, at A1 and XFD1048576: a 5 KB file for which calamine asks 550 GB and
    # aborts the process (found by this test; the reader now refuses it first).
    put("far-cell.xlsx", rewrite_zip(good, d / "tmp.xlsx", {SHEET1: lambda b: b.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    }).read_bytes())
    put("far-row.xlsx", rewrite_zip(good, d / "tmp.xlsx", {SHEET1: lambda b: b.replace(
        b"</sheetData>", b'<row r="1048576"><c r="G1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    }).read_bytes())
    # Big files on disk (sparse: instant to make, no disk used): hashed and sniffed in
    # chunks, never read whole into memory.
    with (d / "huge.xlsx").open("wb") as fh:
        fh.truncate(320 * MB)
    out["huge.xlsx"] = d / "huge.xlsx"
    make_workbook(d / "no-table.xlsx", {"Sheet1": [["姓名", "电话"], ["张三", "13800138000"]]})
    out["no-table.xlsx"] = d / "no-table.xlsx"
    return out


REFUSED = {
    "text.xlsx": "file-unreadable",
    "empty.xlsx": "file-unreadable",
    "truncated.xlsx": "file-unreadable",
    "truncated-tail.xlsx": "file-unreadable",
    "encrypted.xlsx": "file-encrypted",
    "encrypted-straddle.xlsx": "file-encrypted",
    "document.xlsx": "file-unreadable",
    "bomb.xlsx": "file-too-large",
    "ratio.xlsx": "file-too-large",
    "lying.xlsx": "file-too-large",
    "lying-small.xlsx": "file-unreadable",
    "laughs-sheet.xlsx": "file-unreadable",
    "laughs-workbook.xlsx": "file-unreadable",
    "laughs-styles.xlsx": "file-unreadable",
    "external-entity.xlsx": "file-unreadable",
    "far-cell.xlsx": "file-unreadable",
    "far-row.xlsx": "file-unreadable",
    "huge.xlsx": "file-unreadable",
    "no-table.xlsx": "no-table",
}
# Cases that would crash or exhaust this process if the guard failed run only in the child.
CHILD_ONLY = {"far-cell.xlsx", "far-row.xlsx", "lying.xlsx", "huge.xlsx"}


@pytest.mark.parametrize("name", sorted(set(REFUSED) - CHILD_ONLY))
def test_refused_as_one_file_level_finding(files: dict[str, Path], name: str) -> None:
    started = time.perf_counter()
    result = check_file(files[name], OPTS)
    assert time.perf_counter() - started < 5
    assert [(f.code, f.severity.value, f.sheet, f.cell) for f in result.findings] == [
        (REFUSED[name], "error", None, None)]
    assert not result.readable and result.tables == ()
    assert result.findings[0].message  # a Chinese sentence, not a traceback


def test_messages_say_what_happened(files: dict[str, Path]) -> None:
    def message(name: str) -> str:
        return check_file(files[name], OPTS).findings[0].message

    assert "空的" in message("empty.xlsx")
    assert "不是 Excel 工作簿" in message("text.xlsx")
    assert "损坏" in message("truncated.xlsx")
    assert "密码" in message("encrypted.xlsx")
    assert "压缩炸弹" in message("bomb.xlsx")
    assert "DTD" in message("laughs-sheet.xlsx")
    assert "Word 文档已损坏" in message("document.xlsx")  # sniffed by content: a broken .docx


def test_bomb_is_refused_before_anything_is_inflated(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # The honest header admits 1 GB: refused from the zip directory alone.
    def boom(*_: object) -> object:
        raise AssertionError("inflated a member the directory already condemned")

    monkeypatch.setattr(reader, "_inflate", boom)
    assert [f.code for f in read_book(files["bomb.xlsx"]).findings] == ["file-too-large"]


def test_size_limit_counts_true_sizes(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # With the limit below the good file's true size, even an honest small file is refused:
    # the limit is on what inflates, whatever the headers say.
    monkeypatch.setattr(reader, "MAX_UNCOMPRESSED", 4 * 1024)
    assert [f.code for f in read_book(files["lying-small.xlsx"]).findings] == ["file-too-large"]


def test_oversized_xls_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_UNCOMPRESSED", MB)
    with (tmp_path / "大.xls").open("wb") as fh:
        fh.write(OLE_MAGIC)
        fh.truncate(2 * MB)
    assert [f.code for f in read_book(tmp_path / "大.xls").findings] == ["file-too-large"]


def test_a_normal_workbook_still_passes_every_guard(files: dict[str, Path]) -> None:
    result = check_file(files["no-table.xlsx"].with_name("good.xlsx"), Options())
    assert result.readable and [t.table.kind for t in result.tables] == ["appendix1"]


_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from zhenggai import Options
    from zhenggai.checking.files import check_file
    out = {}
    for p in sys.argv[1:]:
        t = time.process_time()  # CPU seconds: the wall clock of a shared machine says nothing
        r = check_file(Path(p), Options())
        out[Path(p).name] = [[f.code for f in r.findings], time.process_time() - t]
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
""")


def test_every_hostile_file_is_refused_fast_and_in_little_memory(files: dict[str, Path]) -> None:
    # One child reads them all: ru_maxrss is its peak over every file, so one number bounds each.
    proc = subprocess.run([sys.executable, "-c", _CHILD, *(str(files[n]) for n in REFUSED)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    for name, code in REFUSED.items():
        codes, seconds = out[name]
        assert codes == [code], name
        assert seconds < 5, name
    assert out["maxrss_mb"] < 300


_UNO = textwrap.dedent('''
    """Save a password-protected .xls copy with LibreOffice through UNO: SRC OUT PROFILE."""
    import os, pathlib, signal, subprocess, sys, time
    import uno
    from com.sun.star.beans import PropertyValue

    def prop(name, value):
        p = PropertyValue()
        p.Name, p.Value = name, value
        return p

    src, out, profile = sys.argv[1:4]
    pipe = "zhenggai_test_%d" % os.getpid()
    profile_url = pathlib.Path(profile).as_uri()  # percent-encoded: the path may hold 张三
    soffice = subprocess.Popen(["soffice", "-env:UserInstallation=" + profile_url, "--headless", "--invisible",
                                "--nologo", "--norestore", "--accept=pipe,name=%s;urp;" % pipe],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(300):
            try:
                ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
                break
            except Exception:
                time.sleep(0.1)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
        doc.storeToURL(uno.systemPathToFileUrl(out), (prop("FilterName", "MS Excel 97"), prop("Password", "abc")))
        doc.close(True)
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        try:
            soffice.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(soffice.pid, signal.SIGKILL)
''')


def _python_with_uno() -> str | None:
    for exe in ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", shutil.which("python3")):
        if exe and os.path.exists(exe):
            ok = subprocess.run([exe, "-c", "import uno"], capture_output=True, timeout=30, check=False)
            if ok.returncode == 0:
                return exe
    return None


@pytest.mark.libreoffice
def test_password_protected_xls(tmp_path: Path) -> None:
    python = _python_with_uno()
    if shutil.which("soffice") is None or python is None:
        pytest.skip("需要 LibreOffice 和它的 Python-UNO 接口")
    src = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows(GOOD_ROWS)})
    script = tmp_path / "encrypt.py"
    script.write_text(_UNO, encoding="utf-8")
    target = tmp_path / "谷城县-加密.xls"
    subprocess.run([python, str(script), str(src), str(target), str(tmp_path / "profile")],
                   capture_output=True, timeout=120, check=True)
    assert target.read_bytes().startswith(OLE_MAGIC)
    result = check_file(target, OPTS)
    assert [(f.code, f.cell) for f in result.findings] == [("file-encrypted", None)]
    # renamed to .xlsx, as clerks do, it is still recognised
    renamed = shutil.copyfile(target, tmp_path / "谷城县.xlsx")
    assert [f.code for f in check_file(renamed, OPTS).findings] == ["file-encrypted"]


@pytest.mark.libreoffice
def test_xls_with_a_far_cell_is_refused_before_calamine_allocates(tmp_path: Path) -> None:
    # A1 and IV65536 in a 6 KB .xls: calamine alone takes 1.1 GB and 3 s for it.
    import openpyxl

    from programs import soffice_convert

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["IV65536"] = "x", "y"
    wb.save(tmp_path / "far.xlsx")
    xls = soffice_convert([tmp_path / "far.xlsx"], "xls", tmp_path / "xls")[0]
    assert xls.stat().st_size < 20_000
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(xls)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    codes, seconds = out["far.xls"]
    assert codes == ["file-unreadable"] and seconds < 5
    assert out["maxrss_mb"] < 300
    assert "65536 行 × 256 列" in check_file(xls, OPTS).findings[0].message
