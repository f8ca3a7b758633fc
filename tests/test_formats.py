"""Every reply is read or loudly refused (#10): .ods, .zip, Word, scans, legacy formats,
skipped files listed, returned -校验标注 copies, empty inboxes."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

import zhenggai
from builders import (
    A1_HEADERS,
    A2_HEADERS,
    HEADER_ROW,
    Row,
    appendix1_rows,
    appendix2_rows,
    make_docx,
    make_workbook,
    make_zip,
    set_saved_time,
)
from programs import run_zhenggai, soffice_convert
from zhenggai import MergeOptions, MergeResult, Options
from zhenggai.cli.app import app

AS_OF = date(2022, 9, 1)
OPTS = MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市")


def rows_for(county: str, n: int, done: int) -> list[Row]:
    return [
        [i + 1, f"{county}问题{i + 1}", f"投入{i + 1}万元，新建站点{i + 1}个", "是" if i < done else "否",
         "2022-06-30" if i < done else "2022-12-31", "张三", f"{county}商务局"]
        for i in range(n)
    ]


def a2_for(county: str, n: int, done: int) -> Row:
    return [county, n, done, n - done, 10.5, 0, 1, 2, 0, 3, 4, 1, None]


def both(path: Path, county: str, n: int, done: int) -> Path:
    """One workbook holding a county's 附件1 and 附件2."""
    return make_workbook(path, {"附件1": appendix1_rows(rows_for(county, n, done), county=county),
                                "附件2": appendix2_rows(a2_for(county, n, done), county=county)})


def convert(src: Path, fmt: str, dest: Path) -> Path:
    """Re-save through LibreOffice into ``dest`` (its profile folder stays out of the inbox)."""
    (out,) = soffice_convert([src], fmt, src.parent / "converted")
    dest.mkdir(parents=True, exist_ok=True)
    return Path(shutil.move(out, dest / out.name))


def rollup_rows(out: Path, name: str) -> list[dict[str, Any]]:
    """Data rows of a rollup sheet as a clerk reads them (no 合计, no 联系人 line)."""
    ws = openpyxl.load_workbook(out)[name]
    assert isinstance(ws, Worksheet)
    header = [str(c.value or "").replace("\n", "") for c in ws[HEADER_ROW + 1]]
    return [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True)
            if any(v is not None for v in r) and r[0] != "合计" and not str(r[0] or "").startswith("联系人：")]


def codes(result: MergeResult) -> list[tuple[str, str]]:
    return sorted((f.code, Path(f.file.split(" › ")[-1]).name) for f in result.rollup.report.findings()
                  if f.severity.value != "info")


def status(result: MergeResult) -> dict[str, str]:
    return {c.county: c.status.label for c in result.rollup.counties}


# --- .ods ---------------------------------------------------------------------------------------


def test_ods_reply_reads_like_the_excel_one(tmp_path: Path) -> None:
    """LibreOffice's own format, with a 责任单位 merged down three rows and a #DIV/0! in 附件2."""
    src = tmp_path / "src"
    a1 = appendix1_rows(rows_for("谷城县", 3, 1), county="谷城县")
    for r in a1[5:7]:
        r[6] = None  # 责任单位 of rows 6-7 come from the merge over G5:G7
    make_workbook(src / "谷城县.xlsx", {"附件1": a1, "附件2": appendix2_rows(
        ["谷城县", 3, 1, 2, "=1/0", 0, 1, 2, 0, 3, 4, 1, None], county="谷城县")}, merges={"附件1": ["G5:G7"]})
    ods = convert(src / "谷城县.xlsx", "ods", tmp_path / "in")
    read = zhenggai.validate(ods, Options(as_of=AS_OF)).files[0]
    assert read.kind == "ods" and read.readable
    result = zhenggai.merge([tmp_path / "in"], OPTS, tmp_path / "out.xlsx")
    items = rollup_rows(tmp_path / "out.xlsx", "整改清单汇总")
    assert [(r["序号"], r["是否完成整改"], r["责任单位"]) for r in items] == [
        (1, "是", "谷城县商务局"), (2, "否", "谷城县商务局"), (3, "否", "谷城县商务局")]
    # The error value is never a silent 0: it is an unreadable number, in red, out of the total.
    assert ("number-invalid", "谷城县.ods") in codes(result)
    (stats,) = rollup_rows(tmp_path / "out.xlsx", "成果统计汇总")
    assert stats["县级财政安排经费（万元）"] == "#DIV/0!"
    assert status(result) == {"谷城县": "已报送"}


# --- .zip ---------------------------------------------------------------------------------------


def test_zip_with_gbk_names_is_read_with_provenance(tmp_path: Path) -> None:
    files = tmp_path / "files"
    make_workbook(files / "a1.xlsx", {"附件1": appendix1_rows(rows_for("谷城县", 2, 1), county="谷城县")})
    make_workbook(files / "a2.xlsx", {"附件2": appendix2_rows(a2_for("谷城县", 2, 1), county="谷城县")})
    inner = make_zip(tmp_path / "inner.zip", {"保康县附件.xlsx": both(files / "b.xlsx", "保康县", 3, 3)})
    inbox = tmp_path / "in"
    make_zip(inbox / "收件.zip", {"谷城县/谷城县附件1.xlsx": files / "a1.xlsx", "谷城县附件2.xlsx": files / "a2.xlsx",
                                 "保康县.zip": inner, "说明.txt": "请查收".encode("gbk")})
    out = tmp_path / "out.xlsx"
    result = zhenggai.merge([inbox], OPTS, out)
    assert status(result) == {"保康县": "已报送", "谷城县": "已报送"}
    zipped = "收件.zip"  # named relative to the inbox, never by the machine path
    sources = {(r["县（市、区）"], r["来源文件"], r["来源行"]) for r in rollup_rows(out, "核对底稿")
               if r["所在表"] == "附件1"}
    assert sources == {
        ("谷城县", f"{zipped} › 谷城县/谷城县附件1.xlsx", 5), ("谷城县", f"{zipped} › 谷城县/谷城县附件1.xlsx", 6),
        *{("保康县", f"{zipped} › 保康县.zip › 保康县附件.xlsx", r) for r in (5, 6, 7)},
    }
    assert [(s.file, s.reason) for s in result.rollup.skipped] == [
        (f"{zipped} › 说明.txt", "不是工作簿、Word 文档、压缩包或扫描件")]
    assert result.rollup.report.errors == 0


def test_zip_with_utf8_names_and_the_flag(tmp_path: Path) -> None:
    both(tmp_path / "f" / "谷城县.xlsx", "谷城县", 2, 2)
    make_zip(tmp_path / "in" / "谷城县.zip", {"谷城县报送.xlsx": tmp_path / "f" / "谷城县.xlsx"}, gbk=False)
    result = zhenggai.merge([tmp_path / "in"], OPTS, tmp_path / "out.xlsx")
    assert result.rollup.counties[0].files == ["谷城县.zip › 谷城县报送.xlsx"]


def test_zip_guards_depth_and_bombs(tmp_path: Path) -> None:
    both(tmp_path / "f" / "谷城县.xlsx", "谷城县", 2, 2)
    z: Path = tmp_path / "f" / "谷城县.xlsx"
    for depth in range(4):
        z = make_zip(tmp_path / "f" / f"层{depth}.zip", {z.name: z})
    bomb = tmp_path / "f" / "bomb.zip"
    # 450 MB of "0" in ~0.5 MB, written in chunks: never held in this process's memory
    # (a child process's ru_maxrss starts from its parent's, see test_hostile).
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("保康县.xlsx", "w", force_zip64=True) as w:
        chunk = b"0" * (1 << 20)
        for _ in range(450):
            w.write(chunk)
    inbox = tmp_path / "in"
    shutil.copy(z, inbox.mkdir() or inbox / "深.zip")
    shutil.copy(bomb, inbox / "保康县.zip")
    both(inbox / "枣阳市.xlsx", "枣阳市", 1, 1)
    result = zhenggai.merge([inbox], OPTS, tmp_path / "out.xlsx")
    found = {(f.code, f.file) for f in result.rollup.report.findings() if f.severity.value == "error"}
    deep = "深.zip › 层2.zip › 层1.zip › 层0.zip"
    assert found == {("archive-unreadable", deep), ("file-too-large", "保康县.zip")}
    reasons = {s.file: s.reason for s in result.rollup.skipped}
    assert reasons[deep] == "压缩包中的文件无法读取：压缩包套了 4 层以上，请解压后放入文件夹"
    assert status(result)["枣阳市"] == "已报送"
    assert status(result)["保康县"] == "文件无法读取"


@pytest.mark.parametrize(("magic", "name"), [(b"Rar!\x1a\x07\x01\x00" + b"\0" * 64, "谷城县.rar"),
                                             (b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 64, "谷城县.7z")])
def test_rar_and_7z_say_unpack_first(tmp_path: Path, magic: bytes, name: str) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / name).write_bytes(magic)
    both(inbox / "保康县.xlsx", "保康县", 1, 1)
    result = zhenggai.merge([inbox], OPTS, tmp_path / "out.xlsx")
    (finding,) = [f for f in result.rollup.report.findings() if f.code == "archive-unsupported"]
    assert finding.file == name and "请解压后放入文件夹" in finding.message
    assert status(result) == {"保康县": "已报送", "谷城县": "文件无法读取"}
    assert [s.file for s in result.rollup.skipped] == [name]


# --- Word ---------------------------------------------------------------------------------------


def word_reply(path: Path, *, a2: Row | None = None, saved: datetime | None = None) -> Path:
    """Both tables in Word, the way counties fill the notice's own .docx: paragraphs above each
    table, 序号 and 问题描述 of problem 1 merged down over its two measure rows (one problem with two
    measures: finished only when both are), a contact line below."""
    merged = ("快递企业整合不够", {"vmerge": "restart"})
    table1 = [A1_HEADERS,
              [("1", {"vmerge": "restart"}), merged, "新整合快递企业3家", "是", "2022-06-30", "李四", "县邮政分公司"],
              [("", {"vmerge": "continue"}), ("", {"vmerge": "continue"}), "新覆盖村12个", "否", "2022-12-31", "王五",
               "县邮政分公司"],
              ["2", "培训流于形式", "优化培训课程8个", "是", "2022-05-31", "赵六", "县商务局"]]
    table2 = [A2_HEADERS, [str(x) if x is not None else "" for x in (a2 or
                                                                      ["谷城县", 2, 1, 1, 30, 0, 4, 3, 0, 5, 12, 2,
                                                                       None])]]
    return make_docx(path, [
        "附件1", "示范县整改清单", "谷城县商务主管部门（盖章）", table1, "（联系人：张三  联系电话：13800138000）",
        "附件2", "示范县专项整改成果统计表", "谷城县商务主管部门（盖章）", table2,
        "（联系人：张三  联系电话：0710-7223456）",
    ], saved=saved)


def test_a_rollup_with_findings_on_word_rows_reads_back(tmp_path: Path) -> None:
    """A finding on a Word row is written "第4行" in 校验问题 (no A1 there); reading the rollup
    back (report, diff, --previous, a province merge) took it for "C4" and crashed with an
    English ValueError, so one Word reply blocked the whole province."""
    path = word_reply(tmp_path / "in" / "谷城县报送.docx")
    import docx

    document = docx.Document(str(path))
    document.tables[0].rows[3].cells[0].paragraphs[0].runs[0].text = "5"  # 序号 1, 1, 5: seq-gap on 第4行
    document.save(str(path))
    out = tmp_path / "襄阳市汇总.xlsx"
    merged = zhenggai.merge([tmp_path / "in"], OPTS, out)
    gaps = [f.cell for f in merged.rollup.report.findings() if f.code == "seq-gap"]
    assert gaps and all("第" in (c or "") for c in gaps)
    back = zhenggai.read_rollup(out)
    rows = sorted((f.cell, f.row) for f in back.report.findings() if f.code == "seq-gap")
    assert rows == [("第4行", 4)]
    province = zhenggai.merge([out], MergeOptions(validate=Options(as_of=AS_OF), prefecture="湖北省"), None)
    assert [c.county for c in province.rollup.counties] == ["谷城县"]


@pytest.mark.parametrize("name", ["谷城县报送.docx", "谷城县报送.wps", "谷城县报送.doc"])
def test_word_tables_are_read_whatever_the_extension(tmp_path: Path, name: str) -> None:
    word_reply(tmp_path / "in" / name)
    out = tmp_path / "out.xlsx"
    result = zhenggai.merge([tmp_path / "in"], OPTS, out)
    assert status(result) == {"谷城县": "已报送"}
    items = rollup_rows(out, "整改清单汇总")
    rows = [r["来源行"] for r in rollup_rows(out, "核对底稿") if r["所在表"] == "附件1"]
    got = [(r["序号"], r["问题描述（按反馈问题清单填报）"], r["是否完成整改"], n)
           for r, n in zip(items, rows, strict=True)]
    assert got == [
        (1, "快递企业整合不够", "是", 2), (1, "快递企业整合不够", "否", 3), (2, "培训流于形式", "是", 4)]
    (stats,) = rollup_rows(out, "成果统计汇总")
    assert (stats["反馈问题数（个）"], stats["已完成整改数（个）"], stats["县级财政安排经费（万元）"]) == (2, 1, 30)
    (county,) = result.rollup.counties
    assert (county.total, county.done, county.open, result.rollup.report.errors) == (2, 1, 1, 0)


def test_word_findings_name_the_table_and_its_row(tmp_path: Path) -> None:
    path = word_reply(tmp_path / "谷城县.docx", a2=["谷城县", 2, 1, 1, "约30万", 0, 4, 3, 0, 5, 12, 2, None])
    report = zhenggai.validate([path], Options(as_of=AS_OF)).report
    (bad,) = [f for f in report.findings() if f.code == "number-estimate"]
    assert (bad.sheet, bad.cell, bad.row, bad.field) == ("表格2", "第2行", 2, "县级财政安排经费（万元）")
    assert report.errors == 1


@pytest.mark.writer
def test_word_merges_resaved_by_libreoffice_read_the_same(tmp_path: Path) -> None:
    word_reply(tmp_path / "src" / "谷城县.docx")
    convert(tmp_path / "src" / "谷城县.docx", "docx:MS Word 2007 XML", tmp_path / "in")
    out = tmp_path / "out.xlsx"
    result = zhenggai.merge([tmp_path / "in"], OPTS, out)
    assert status(result) == {"谷城县": "已报送"}
    assert [r["问题描述（按反馈问题清单填报）"] for r in rollup_rows(out, "整改清单汇总")] == [
        "快递企业整合不够", "快递企业整合不够", "培训流于形式"]


@pytest.mark.writer
def test_legacy_word_asks_for_docx(tmp_path: Path) -> None:
    word_reply(tmp_path / "src" / "谷城县报送.docx")
    doc = convert(tmp_path / "src" / "谷城县报送.docx", "doc:MS Word 97", tmp_path / "in")
    shutil.move(doc, tmp_path / "in" / "谷城县报送.wps")  # WPS's own name for the same binary format
    both(tmp_path / "in" / "保康县.xlsx", "保康县", 1, 1)
    result = zhenggai.merge([tmp_path / "in"], OPTS, tmp_path / "out.xlsx")
    (f,) = [f for f in result.rollup.report.findings() if f.severity.value == "error"]
    assert f.code == "word-legacy" and "请另存为 .docx 或 Excel" in f.message
    assert status(result) == {"保康县": "已报送", "谷城县": "文件无法读取"}


# --- scans --------------------------------------------------------------------------------------


def test_scan_alone_is_an_error_for_its_county(tmp_path: Path) -> None:
    both(tmp_path / "src" / "谷城县附件.xlsx", "谷城县", 2, 1)
    pdf = convert(tmp_path / "src" / "谷城县附件.xlsx", "pdf", tmp_path / "in")
    (tmp_path / "in" / "保康县盖章件.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 100)
    both(tmp_path / "in" / "枣阳市.xlsx", "枣阳市", 1, 1)
    result = zhenggai.merge([tmp_path / "in"], OPTS, tmp_path / "out.xlsx")
    assert status(result) == {"保康县": "文件无法读取", "枣阳市": "已报送", "谷城县": "文件无法读取"}
    scans = {(Path(f.file).name, f.message) for f in result.rollup.report.findings() if f.code == "scan-only"}
    assert scans == {
        (pdf.name, "这是PDF 文件（扫描件或照片），扫描件无法汇总，请同时报送 Excel 或 Word 原件"),
        ("保康县盖章件.jpg", "这是图片（扫描件或照片），扫描件无法汇总，请同时报送 Excel 或 Word 原件")}


def test_scan_beside_the_original_is_not_blamed(tmp_path: Path) -> None:
    both(tmp_path / "src" / "谷城县附件.xlsx", "谷城县", 2, 1)
    shutil.copytree(tmp_path / "src", tmp_path / "in")
    convert(tmp_path / "src" / "谷城县附件.xlsx", "pdf", tmp_path / "in" / "盖章")
    result = zhenggai.merge([tmp_path / "in"], OPTS, tmp_path / "out.xlsx")
    assert status(result) == {"谷城县": "已报送"}
    assert result.rollup.report.errors == 0
    (note,) = [f for f in result.rollup.report.findings() if f.code == "scan-with-original"]
    assert note.message == ("这是PDF 文件（扫描件或照片），未汇总；谷城县 的数字取自同时报送的原件 "
                            "谷城县附件.xlsx")
    assert [s.file for s in result.rollup.skipped] == ["盖章/谷城县附件.pdf"]


# --- skipped files in the terminal --------------------------------------------------------------


def test_every_skipped_file_is_listed_in_the_terminal(tmp_path: Path, runner: CliRunner) -> None:
    inbox = tmp_path / "in"
    both(inbox / "谷城县.xlsx", "谷城县", 2, 1)
    (inbox / "~$谷城县.xlsx").write_bytes(b"lock")
    (inbox / "说明.txt").write_text("x", encoding="utf-8")
    (inbox / "保康县.rar").write_bytes(b"Rar!\x1a\x07\x00" + b"\0" * 40)
    res = runner.invoke(app, ["merge", str(inbox), "-o", str(tmp_path / "out.xlsx")])
    assert res.exit_code == 1
    assert "未汇总的文件（1 个需要处理）" in res.stdout and "跳过 2 个文件：" in res.stdout
    for name in ("~$谷城县.xlsx", "说明.txt", "保康县.rar", "请解压后放入文件夹", "锁定文件"):
        assert name in res.stdout
    res = runner.invoke(app, ["merge", str(inbox), "-o", str(tmp_path / "out2.xlsx"), "--format", "json"])
    data = json.loads(res.stdout)
    assert {Path(s["file"]).name: s["severity"] for s in data["skipped"]} == {
        "保康县.rar": "error", "~$谷城县.xlsx": "info", "说明.txt": "info"}


# --- returned annotated copies ------------------------------------------------------------------


def test_corrected_annotated_copy_is_the_reply(tmp_path: Path, runner: CliRunner) -> None:
    inbox = tmp_path / "in"
    wrong = rows_for("谷城县", 2, 1)
    wrong[1][3] = "也许"
    original = make_workbook(inbox / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(wrong)})
    set_saved_time(original, datetime(2022, 7, 1, 9, 0))
    res = runner.invoke(app, ["validate", str(original), "--as-of", AS_OF.isoformat(),
                              "--annotate", str(tmp_path / "标注")])
    assert res.exit_code == 1, res.output  # 也许 is no 是/否
    (copy,) = (tmp_path / "标注").iterdir()
    # The clerk fixes the cell in the annotated copy and mails it back.
    wb = openpyxl.load_workbook(copy)
    assert "校验问题" in wb.sheetnames
    wb["附件1"]["D6"] = "否"
    returned = inbox / copy.name
    wb.save(returned)
    set_saved_time(returned, datetime(2022, 7, 3, 9, 0))
    make_workbook(inbox / "谷城县-附件2.xlsx", {"附件2": appendix2_rows(a2_for("谷城县", 2, 1))})
    result = zhenggai.merge([inbox], OPTS, tmp_path / "out.xlsx")
    (county,) = result.rollup.counties
    assert county.files == ["谷城县-附件1-校验标注.xlsx", "谷城县-附件2.xlsx"]
    assert (county.total, county.done, county.open, county.errors) == (2, 1, 1, 0)
    (dup,) = [f for f in result.rollup.report.findings() if f.code == "duplicate-submission"]
    assert dup.file == original.name and "2022-07-03 09:00 晚于 2022-07-01 09:00" in dup.message


# --- nothing to merge ---------------------------------------------------------------------------


def test_empty_folder_exits_2(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "in").mkdir()
    with pytest.raises(zhenggai.InputError):
        zhenggai.merge([tmp_path / "in"], OPTS, tmp_path / "out.xlsx")
    res = run_zhenggai("merge", str(tmp_path / "in"), "-o", str(tmp_path / "out.xlsx"))
    assert res.returncode == 2 and "没有找到" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_nothing_readable_exits_2_and_says_why(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "谷城县.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 100)
    (inbox / "说明.txt").write_text("x", encoding="utf-8")
    res = run_zhenggai("merge", str(inbox), "-o", str(tmp_path / "out.xlsx"))
    assert res.returncode == 2
    assert "没有一个文件能读出附件1或附件2" in res.stderr and "谷城县.pdf" in res.stderr and "扫描件" in res.stderr


# --- extracted .zip members live as long as the validation result ---------------------------------


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders made by zhenggai go here, so a test can see what is left behind."""
    import tempfile

    folder = tmp_path / "系统临时"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _zipped_reply(tmp_path: Path) -> Path:
    both(tmp_path / "f" / "谷城县.xlsx", "谷城县", 2, 1)
    return make_zip(tmp_path / "in" / "谷城县.zip", {"谷城县报送.xlsx": tmp_path / "f" / "谷城县.xlsx"})


def test_zip_members_are_removed_when_the_validation_result_is_closed(tmp_path: Path, own_tmp: Path) -> None:
    import zhenggai

    zipped = _zipped_reply(tmp_path)
    with zhenggai.validate([zipped], Options(as_of=AS_OF)) as result:
        (member,) = [f for f in result.files if f.tables]
        assert member.display == f"{zipped} › 谷城县报送.xlsx" and member.path.is_file()
        assert [p.name for p in own_tmp.iterdir()] != []
    assert not member.path.exists() and list(own_tmp.iterdir()) == []
    assert result.errors == 0 and [len(t.items) for t in member.tables if t.items] == [2]  # still usable
    result.close()  # twice is harmless
    many = [zhenggai.validate([zipped], Options(as_of=AS_OF)) for _ in range(3)]
    assert len(list(own_tmp.iterdir())) == 3  # without a close they wait for the process to end
    for r in many:
        r.close()
    assert list(own_tmp.iterdir()) == []


def test_annotate_still_works_on_zip_members_and_leaves_nothing_behind(
        tmp_path: Path, own_tmp: Path, runner: CliRunner) -> None:
    zipped = _zipped_reply(tmp_path)
    res = runner.invoke(app, ["validate", str(zipped), "--as-of", "2022-09-01", "--annotate", str(tmp_path / "标注")])
    assert res.exit_code == 0, res.output
    (copy,) = (tmp_path / "标注").iterdir()
    assert copy.name == "谷城县报送-校验标注.xlsx"
    assert "附件1" in openpyxl.load_workbook(copy).sheetnames
    assert list(own_tmp.iterdir()) == []


