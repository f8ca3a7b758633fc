"""An annotated copy of a clerk's workbook: error cells red, warnings yellow, comments.

The clerk's own file is never touched: we copy it into the chosen folder and open the
copy with openpyxl (it can edit .xlsx/.xlsm; XlsxWriter can only create files). A
legacy .xls cannot be edited by any of our libraries, so its copy is a new .xlsx
built from the values we read, which the findings sheet says.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from zhenggai.errors import OutputError
from zhenggai.findings import Finding, Severity, sort_key
from zhenggai.validate import FileResult

if TYPE_CHECKING:
    from openpyxl import Workbook

FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C"}
FINDINGS_SHEET = "校验问题"


def annotated_name(path: Path) -> str:
    """"谷城县-附件1.xlsx" → "谷城县-附件1-校验标注.xlsx"."""
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return f"{path.stem}-校验标注{suffix}"


def annotate(result: FileResult, out_dir: Path, inputs: set[Path]) -> Path | None:
    """Write the annotated copy of one file into ``out_dir``; None when it was unreadable."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    if not result.readable:
        return None
    target = out_dir / annotated_name(result.path)
    if target.resolve() in inputs:
        raise OutputError(f"标注文件 {target} 与输入文件同名，请换一个 --annotate 文件夹")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if result.path.suffix.lower() in (".xlsx", ".xlsm"):
            shutil.copyfile(result.path, target)
            wb = openpyxl.load_workbook(target, keep_vba=target.suffix == ".xlsm")
        else:
            wb = _from_values(result)
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{exc.strerror or exc}") from exc

    findings = sorted(result.findings, key=sort_key)
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            by_cell[(f.sheet, f.cell)].append(f)
    for (sheet, cell), items in by_cell.items():
        worst = min(items, key=lambda f: f.severity.rank)
        ws = wb[sheet]
        c = ws[cell]
        colour = FILLS.get(worst.severity)
        if colour:
            c.fill = PatternFill("solid", start_color=colour, end_color=colour)
        text = "\n".join(f"【{f.severity.label}】{f.message}" for f in items)
        comment = Comment(text, "zhenggai")
        comment.width, comment.height = 320, 40 + 20 * len(text) // 18
        c.comment = comment

    if FINDINGS_SHEET in wb.sheetnames:
        del wb[FINDINGS_SHEET]
    ws = wb.create_sheet(FINDINGS_SHEET, 0)
    ws.append(["级别", "工作表", "单元格", "列", "填写内容", "问题说明", "代码"])
    if result.path.suffix.lower() not in (".xlsx", ".xlsm"):
        ws.append(["提示", "", "", "", "", "原文件是 .xls，此副本按读到的内容重建，只保留数值，不保留格式", ""])
    for f in findings:
        # set data_type "s" explicitly: a clerk's value starting with "=" stays text.
        ws.append([f.severity.label, f.sheet or "", f.cell or "", f.field or "", f.value or "", f.message, f.code])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for col, width in zip("ABCDEFG", (6, 16, 8, 16, 24, 70, 20), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        wb.save(tmp)
        tmp.replace(target)
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def _from_values(result: FileResult) -> Workbook:
    """A new workbook holding the values read from a legacy .xls, sheet by sheet."""
    import openpyxl

    from zhenggai.reader import read_book

    book = read_book(result.path, result.display)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for grid in book.grids:
        ws = wb.create_sheet(grid.name[:31])
        for r, row in enumerate(grid.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v != "":
                    cell = ws.cell(r, c, v)
                    if isinstance(v, str):
                        cell.data_type = "s"
        for (r0, c0), (r1, c1) in grid.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    return wb


def annotate_all(results: list[FileResult], out_dir: Path) -> list[Path]:
    """Annotated copies of every readable file; never writes over an input."""
    inputs = {r.path.resolve() for r in results}
    written: list[Path] = []
    for r in results:
        p = annotate(r, out_dir, inputs)
        if p is not None:
            written.append(p)
    return written
