"""Test workbooks, documents and archives built in code: pure functions, no fixtures.

Every test builds its input here (``from builders import make_workbook, appendix1_rows``):
the official 附件1/附件2 layouts as a clerk's file would have them, the messy workbook
clerks really send, Word documents, .zip archives as e-mailed from Chinese Windows, and
the facts of our own output a test reads back (the rollup's header row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

# The notice's columns, from the one place they are defined: the forms a test builds are
# the forms a county is issued.
from zhenggai.core.schema import APPENDIX1, default_appendix2
from zhenggai.core.schema import META_SHEET as META_SHEET  # the hidden sheet of the form's definition

# Facts of our own output that tests read back, written out here as a user sees them;
# test_public_api pins each to the writer's own constant.
HEADER_ROW = 3
"""The header row of every rollup sheet, 0-based: Excel row 4 (the 附件 label, the title
and the subtitle above it); data from Excel row 5."""
FINDINGS_SHEET = "校验问题"
"""The sheet listing the findings that an annotated copy (``validate --annotate``) adds."""

Row = Sequence[Any]

A1_HEADERS = [c.header for c in APPENDIX1.columns]
A2_HEADERS = [c.header for c in default_appendix2().columns]


def make_workbook(
    path: Path,
    sheets: dict[str, list[Row]],
    *,
    merges: dict[str, list[str]] | None = None,
) -> Path:
    """Write a workbook with openpyxl: each sheet's rows start at A1 (None = empty cell)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def appendix1_rows(
    rows: list[Row],
    *,
    county: str | None = "谷城县",
    headers: Sequence[str] = A1_HEADERS,
    contact: str | None = "（联系人：张三  联系电话：13800138000）",
) -> list[Row]:
    """The official 附件1 layout as a clerk's file would have it, rows from Excel row 5."""
    out: list[Row] = [
        ["附件1"],
        ["示范县整改清单"],
        [f"{county or '**县（市、区）'}商务主管部门（盖章）"],
        list(headers),
        *rows,
    ]
    if contact is not None:
        out += [[], [contact]]
    return out


def appendix2_rows(
    values: Row,
    *,
    county: str | None = "谷城县",
    headers: Sequence[str] = A2_HEADERS,
    contact: str | None = "（联系人：张三  联系电话：0710-7223456）",
) -> list[Row]:
    """The official 附件2 layout with one county row at Excel row 5."""
    out: list[Row] = [
        ["附件2"],
        ["示范县专项整改成果统计表"],
        [f"{county or '**县（市、区）'}商务主管部门（盖章）"],
        list(headers),
        list(values),
    ]
    if contact is not None:
        out += [[], [contact]]
    return out


GOOD_ROWS: list[Row] = [
    [1, "县级电商公共服务中心停止运营", "县财政安排30万元购买服务，恢复运营，新增运营人员4人",
     "是", "2022-06-30", "李四", "县商务局"],
    [2, "快递企业整合不够", "新整合快递企业3家，新覆盖村12个", "否", "2022-12-31", "王五",
     "县邮政分公司"],
]
GOOD_A2: Row = ["谷城县", 2, 1, 1, 30, 0, 4, 3, 0, 5, 12, 2, None]


def rewrite_zip(src: Path, dst: Path, edits: dict[str, Callable[[bytes], bytes]]) -> Path:
    """Copy a zip (an .xlsx) member by member, passing the named members through ``edits``."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data)
            zout.writestr(info, data)
    return dst


def make_xlsxwriter_book(
    path: Path,
    sheets: dict[str, list[Row]],
    *,
    merges: dict[str, list[str]] | None = None,
    formulas: dict[str, dict[str, tuple[str, Any]]] | None = None,
    saved_by_excel: bool = True,
) -> Path:
    """Like :func:`make_workbook`, written by XlsxWriter: merges keep their value, and
    ``formulas[sheet][cell] = (formula, cached value)`` saves a result as Excel would: Excel,
    saving, also drops the "recalculate when opened" flag XlsxWriter writes (fullCalcOnLoad),
    which ``saved_by_excel=False`` keeps, as a file straight from a program."""
    import xlsxwriter
    from xlsxwriter.utility import xl_cell_to_rowcol, xl_range

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        merged: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for rng in (merges or {}).get(name, []):
            a, b = rng.split(":")
            r0, c0 = xl_cell_to_rowcol(a)
            r1, c1 = xl_cell_to_rowcol(b)
            merged[(r0, c0)] = (r0, c0, r1, c1)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) in merged:
                    continue
                if value is not None:
                    ws.write(r, c, value)
        for (r, c), (r0, c0, r1, c1) in merged.items():
            value = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
            ws.merge_range(xl_range(r0, c0, r1, c1), value if value is not None else "")
        for cell, (formula, cached) in (formulas or {}).get(name, {}).items():
            ws.write_formula(cell, formula, None, cached)
    wb.close()
    if saved_by_excel:
        import re

        plain = path.with_name(f".{path.name}")
        path.rename(plain)
        rewrite_zip(plain, path, {"xl/workbook.xml": lambda x: re.sub(rb'\sfullCalcOnLoad="1"', b"", x)})
        plain.unlink()
    return path


MESSY_A1_HEADERS = ["序 号", "问题描述\n(按反馈问题清单填报)", "整改措施及情况", "是否完成\n整改", "完成时间", "责任人",
                    "责任\n单位", "备注"]
MESSY_A2_HEADERS = ["县(市、区)", "反馈问题数\n（个）", "已完成\n整改数（个）", "未完成\n整改数（个）", *A2_HEADERS[4:]]


def messy_workbook(path: Path) -> Path:
    """One county's reply as clerks really send it: both tables in one workbook, sheets named
    anything, titles and notes above the header, variant headers, an extra 备注 column,
    category rows merged across, one 责任单位 merged down three rows, blank and numbered
    empty rows, a contact line merged across, dates as date cells, serials and text.

    Expected findings: see ``MESSY_FINDINGS``.
    """
    from datetime import datetime

    a1: list[Row] = [
        ["附件1"],
        ["示范县整改清单"],
        ["说明：问题描述须与省厅反馈问题清单一致"],
        ["谷城县商务主管部门（盖章）"],
        MESSY_A1_HEADERS,
        ["一、业务建设方面"],
        [1, "县级电商公共服务中心停止运营", "县财政安排30万元购买服务，恢复运营", "是", datetime(2022, 6, 30), "李四",
         "县商务局", "已验收"],
        [2, "乡村站点未正常运营", "高度重视，认真落实，进一步加强管理", "整改中", "2022年12月底", "王五", None],
        [3, "培训流于形式", "优化培训课程8个", "否", "长期坚持", "赵六", None],
        [],
        ["二、资金和资产管理方面"],
        [1, "资金使用不规范", "追回企业资金12.5万元", "是", 44742, "钱七", "县财政局"],
        [2, "资产台账不全", "建立台账，登记资产120项", "也许", "2022-11-30", None, "县财政局"],
        [3],
        [],
        ["（联系人：张三  联系电话：0710-7223456）"],
    ]
    a2: list[Row] = [
        ["附件2"],
        ["示范县专项整改成果统计表"],
        ["谷城县商务主管部门（盖章）"],
        MESSY_A2_HEADERS,
        ["谷城县", 6, 2, 3, "30万元", "—", 4, "３", 0, 5, 12, 2, "详见附件"],
        [],
        ["（联系人：张三  联系电话：0710-7223456）"],
    ]
    merges = {"整改清单": ["A2:H2", "A6:H6", "G7:G9", "A11:H11", "A16:H16"], "Sheet2": ["A2:M2", "A7:M7"]}
    return make_workbook(path, {"整改清单": a1, "Sheet2": a2}, merges=merges)


MESSY_FINDINGS: list[list[Any]] = [
    ["Sheet2", "B5", "count-sum-mismatch"],
    ["Sheet2", "B5", "cross-total-mismatch"],
    # The measures state 追回企业资金12.5万元 and 优化培训课程8个 (actions); 附件2 has — (read as 0) and 2.
    ["Sheet2", "F5", "measure-figure-mismatch"],
    ["Sheet2", "F5", "number-dash"],
    ["Sheet2", "L5", "measure-figure-mismatch"],
    ["整改清单", "C5", "header-variant"],
    ["整改清单", "E5", "header-variant"],
    ["整改清单", "H5", "extra-column"],
    ["整改清单", "C8", "measure-pledge-only"],
    ["整改清单", "D8", "done-variant"],
    ["整改清单", "E8", "date-approximate"],
    ["整改清单", "E9", "date-invalid"],
    ["整改清单", "D13", "done-invalid"],
    ["整改清单", "F13", "required-missing"],
]


def set_saved_time(path: Path, when: Any) -> Path:
    """Set the last-saved time inside an .xlsx/.docx (docProps/core.xml), as Excel/Word write it.

    openpyxl stamps ``modified`` with the time of saving, so two versions written by a
    test a moment apart would otherwise differ by chance.
    """
    import re
    import shutil as _shutil

    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def edit(data: bytes) -> bytes:
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                      rb"\g<1>" + stamp.encode() + rb"\g<2>", data)

    tmp = path.with_name(path.name + ".tmp")
    rewrite_zip(path, tmp, {"docProps/core.xml": edit})
    _shutil.move(tmp, path)
    return path


def make_docx(path: Path, blocks: Sequence[Any], *, saved: Any = None) -> Path:
    """A Word document: each block is a paragraph (str) or a table (list of rows, each a list of
    cell texts; a cell may be ``("text", {"span": 2})`` for gridSpan, ``{"vmerge": "restart"}`` /
    ``{"vmerge": "continue"}`` for a vertical merge, ``{"runs": [("8", "strike"), ("10", "")]}`` for runs
    struck through (``strike``, ``dstrike``) or a revision not accepted (``ins``, ``del``)). Written by
    python-docx, like Word would."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        width = max(sum(c[1].get("span", 1) if isinstance(c, tuple) else 1 for c in row) for row in block)
        table = document.add_table(rows=len(block), cols=width)
        for r, row in enumerate(block):
            tr = table.rows[r]._tr
            tcs = list(tr.iterchildren(qn("w:tc")))
            col = 0
            for cell in row:
                text, opts = (cell, {}) if not isinstance(cell, tuple) else cell
                tc = tcs[col]
                span = opts.get("span", 1)
                for extra in tcs[col + 1:col + span]:
                    tr.remove(extra)
                props = tc.get_or_add_tcPr()
                if span > 1:
                    gs = OxmlElement("w:gridSpan")
                    gs.set(qn("w:val"), str(span))
                    props.append(gs)
                if "vmerge" in opts:
                    vm = OxmlElement("w:vMerge")
                    if opts["vmerge"] == "restart":
                        vm.set(qn("w:val"), "restart")
                    props.append(vm)
                if text not in (None, ""):
                    tc.find(qn("w:p")).append(_run(str(text)))
                for part, how in opts.get("runs", ()):
                    tc.find(qn("w:p")).append(_run(part, how))
                col += span
    if saved is not None:
        document.core_properties.modified = saved
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _run(text: str, how: str = "") -> Any:
    """A run; ``how``: "strike"/"dstrike" (struck through) or "ins"/"del" (a revision not accepted)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r = OxmlElement("w:r")
    if how in ("strike", "dstrike"):
        props = OxmlElement("w:rPr")
        props.append(OxmlElement(f"w:{how}"))
        r.append(props)
    t = OxmlElement("w:delText" if how == "del" else "w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    if how not in ("ins", "del"):
        return r
    wrap = OxmlElement(f"w:{how}")
    wrap.set(qn("w:id"), "1" if how == "del" else "2")
    wrap.set(qn("w:author"), "张三")
    wrap.set(qn("w:date"), "2022-07-10T00:00:00Z")
    wrap.append(r)
    return wrap


def make_zip(path: Path, members: dict[str, Path | bytes], *, gbk: bool = True) -> Path:
    """A .zip as e-mailed from Chinese Windows: member names in GBK without the UTF-8 flag
    (bit 0x800) when ``gbk``, else UTF-8 with the flag (as Python, 7-Zip and macOS write)."""
    import zipfile

    class _GbkInfo(zipfile.ZipInfo):
        def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile picks the flag here
            return self.filename.encode("gbk"), self.flag_bits & ~0x800

    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            data = content.read_bytes() if isinstance(content, Path) else content
            info = (_GbkInfo if gbk else zipfile.ZipInfo)(name, date_time=(2022, 7, 8, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def add_form_definition(wb: Any) -> None:
    """Add the hidden sheet zhenggai's templates carry (``META_SHEET``: the form's own
    definition) to an XlsxWriter workbook, as an issued form that a clerk filled has it."""
    from zhenggai.core.schema import load_indicators
    from zhenggai.forms.formdef import write_definition

    write_definition(wb, load_indicators())
