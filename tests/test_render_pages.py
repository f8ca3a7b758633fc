"""Printed pages: the rollup and the annotated copy through LibreOffice, pages and orientation.

(The forms and the pre-filled form are printed in test_template.py.)
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import zhenggai
from builders import FINDINGS_SHEET, appendix1_rows, appendix2_rows, make_workbook
from programs import pdf_pages
from zhenggai import CountyForms, MergeOptions, Options, Prefill, Signoff, write_county_forms
from zhenggai.cli.app import app

pytestmark = pytest.mark.libreoffice
AS_OF = date(2022, 7, 15)


def _inbox(folder: Path, n: int) -> None:
    for i in range(n):
        name = f"{'甲乙丙丁戊己庚辛'[i]}县"
        rows = [[k + 1, f"{name}问题{k + 1}：县级物流配送中心运行不稳定，配送时效差，部分乡镇站点无人值守",
                 "高度重视" if k == 0 else f"投入{k}万元，新建站点{k}个", "是" if k % 2 else "否",
                 "2022-06-30" if k % 2 else "2022-12-31", "张三", f"{name}商务局"] for k in range(6)]
        make_workbook(folder / f"{name}-附件1.xlsx", {"附件1": appendix1_rows(rows, county=name)})
        make_workbook(folder / f"{name}-附件2.xlsx",
                      {"附件2": appendix2_rows([name, 6, 3, 3, 10, 0, 1, 2, 0, 3, 4, 1, None], county=name)})


def test_the_rollup_prints_as_a_landscape_attachment(tmp_path: Path, soffice: Callable[..., list[Path]]) -> None:
    _inbox(tmp_path / "收件", 8)
    out = tmp_path / "襄阳市汇总.xlsx"
    zhenggai.merge([tmp_path / "收件"], MergeOptions(validate=Options(as_of=AS_OF), prefecture="襄阳市",
                                                 signoff=Signoff(contact="张三", phone="0710-3256789")), out)
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$4:$4", ws.title
    pdf = soffice([out], "pdf", tmp_path / "pdf")[0]
    pages = pdf_pages(pdf)
    # 附件1 整改清单汇总 (48 rows of wrapped text) 2+, 附件2 1, 附件3 1; 问题类别统计 1, 核对底稿 1+, 校验问题 1+.
    assert 7 <= len(pages) <= 12, len(pages)
    assert all(w > h for w, h in pages)  # every page landscape
    texts = [t for t in subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                       check=True).stdout.split("\f") if t.strip()]
    numbers = [re.findall(r"—\s*(\d+)\s*—|(\S+)\s*第\s*(\d+)\s*页", t) for t in texts]
    footers = [f"{n[-1][0]}" if n[-1][0] else f"{n[-1][1]} {n[-1][2]}" for n in numbers]
    # The stamped set is numbered through in 公文 style (— 1 —); each working sheet from 1, with its name.
    stamped = [f for f in footers if f.isdigit()]
    assert stamped == [str(i) for i in range(1, len(stamped) + 1)] and len(stamped) >= 4, footers
    assert footers[len(stamped)] == "问题类别统计 1" and "核对底稿 1" in footers, footers
    assert footers[-1].startswith("校验问题 ") and "校验问题 1" in footers, footers
    first = texts[0]
    assert first.lstrip().startswith("附件1") and "襄阳市电子商务进农村综合示范专项整改清单汇总表" in first
    assert "来源文件" not in "".join(texts[:len(stamped)]) and "（盖章）" not in "".join(texts[len(stamped):])


def test_the_annotated_copy_prints_the_form_then_the_list(tmp_path: Path, soffice: Callable[..., list[Path]],
                                                          runner: CliRunner) -> None:
    problems = tuple(("一、业务建设方面", f"问题{i}：站点负责人业务培训不够，站点造血能力弱") for i in range(1, 4))
    a1, _ = write_county_forms(tmp_path / "下发", CountyForms(county="谷城县", prefill=Prefill(problems=problems)))
    wb = openpyxl.load_workbook(a1)
    ws = wb.worksheets[0]
    for r, values in ((6, ["高度重视", "否", "长期坚持"]), (7, ["投入5万元", "是", "2022-06-30"]),
                      (8, ["新建站点2个", "是", "2022-06-30"])):
        ws.cell(r, 3).value, ws.cell(r, 4).value, ws.cell(r, 5).value = values
        ws.cell(r, 6).value, ws.cell(r, 7).value = "张三", "县商务局"
    wb.save(a1)
    res = runner.invoke(app, ["validate", str(a1), "--as-of", AS_OF.isoformat(), "--annotate", str(tmp_path / "标注")])
    assert res.exit_code == 1, res.output  # 长期坚持 is no date
    (copy,) = (tmp_path / "标注").iterdir()
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames[0] == "附件1 整改清单" and book.sheetnames[-1] == FINDINGS_SHEET
    assert book.active.title == "附件1 整改清单"  # type: ignore[union-attr]
    pages = pdf_pages(soffice([copy], "pdf", tmp_path / "pdf")[0])
    assert len(pages) == 2  # the form, then the findings list
    assert all(w > h for w, h in pages)
