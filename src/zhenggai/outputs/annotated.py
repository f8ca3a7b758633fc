"""An annotated copy of a clerk's workbook: error cells red, warnings yellow, comments.

The clerk's own file is never written: openpyxl (it can edit .xlsx/.xlsm; XlsxWriter
can only create files) loads it and saves the marked-up workbook into the chosen
folder, through a temporary file. A legacy .xls cannot be edited by any of our
libraries, and openpyxl refuses some files calamine reads; their copy is a new .xlsx
built from the values we read, which the findings sheet says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from zhenggai.core.atomic import atomic_path
from zhenggai.core.errors import OutputError, os_reason
from zhenggai.core.findings import Finding, Severity, sort_key
from zhenggai.core.results import FINDINGS_SHEET, FileResult

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from zhenggai.intake.xls import XlsScan

FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C"}
ANNOTATED_SUFFIX = "-校验标注"  # "谷城县-附件1-校验标注.xlsx"
# A comment box sized to its text: 320 px wide holds about 18 Chinese characters a line,
# 20 px a line, plus room for the author line.
COMMENT_WIDTH, COMMENT_CHARS_PER_LINE, COMMENT_LINE_HEIGHT, COMMENT_BASE_HEIGHT = 320, 18, 20, 40


def annotated_name(path: Path) -> str:
    """"谷城县-附件1.xlsx" → "谷城县-附件1-校验标注.xlsx"."""
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" and _is_zip(path) else ".xlsx"
    return f"{path.stem}{ANNOTATED_SUFFIX}{suffix}"


def _is_zip(path: Path) -> bool:
    """True when the file is a zip (.xlsx/.xlsm) whatever its name says."""
    from zhenggai.intake.reader import ZIP_MAGIC

    try:
        with path.open("rb") as fh:
            return fh.read(4) == ZIP_MAGIC
    except OSError:
        return False


def _text(value: str) -> str:
    """Text openpyxl can write: control characters (a Word paste brings \x0b, \x07) dropped.

    openpyxl refuses them with IllegalCharacterError; a clerk's value in a finding or
    in a rebuilt .xls must never stop the copy from being written.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _anchor(ws: Worksheet, cell: str) -> str:
    """The top-left cell of the merged range holding ``cell`` (or ``cell`` itself).

    A value merged down rows 5-9 is read into each of those rows, so findings can name
    F6; openpyxl's F6 is then a read-only MergedCell, and the clerk edits F5 anyway.
    """
    for rng in ws.merged_cells.ranges:
        if cell in rng:
            return str(rng.start_cell.coordinate)
    return cell


def annotate(result: FileResult, out_dir: Path, inputs: set[Path], name: str | None = None) -> Path | None:
    """Write the annotated copy of one file into ``out_dir`` (as ``name``, default
    :func:`annotated_name`); None when it was unreadable."""
    if not result.readable:
        return None
    target = out_dir / (name or annotated_name(result.path))
    if target.resolve() in inputs:
        raise OutputError(f"标注文件 {target} 与输入文件同名，请换一个 --annotate 文件夹")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        wb, rebuilt = _open_copy(result, target)
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{os_reason(exc)}") from exc
    try:
        findings = sorted(result.findings, key=sort_key)
        _mark_cells(wb, findings)
        _findings_sheet(wb, result, findings, rebuilt)
        with atomic_path(target, force=True) as tmp:
            wb.save(tmp)
    finally:
        # openpyxl quirk: keep_vba=True holds the macros in an in-memory ZipFile opened for
        # appending (wb.vba_archive) and never closes it. Left to the garbage collector, its
        # close() runs in a later, unrelated place and can fail there ("ZipFile.__del__").
        if wb.vba_archive is not None:
            wb.vba_archive.close()
    return target


def _open_copy(result: FileResult, target: Path) -> tuple[Workbook, bool]:
    """The workbook to annotate, and whether it was rebuilt from the values read.

    By content, not by name: a .xls renamed to .xlsx is common, and openpyxl only opens
    zips. Anything openpyxl cannot open (it is stricter than calamine) gets the rebuilt
    copy instead of no copy at all.
    """
    import openpyxl

    if _is_zip(result.path):
        try:
            return openpyxl.load_workbook(result.path, keep_vba=target.suffix == ".xlsm"), False
        except Exception:  # noqa: BLE001 - openpyxl raises many types for files it dislikes
            pass
    return _from_values(result), True


def _mark_cells(wb: Workbook, findings: list[Finding]) -> None:
    """Each cell a finding names: filled in the worst severity's colour, with a comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            ws = wb[f.sheet]
            if isinstance(ws, Worksheet):
                by_cell[(f.sheet, _anchor(ws, f.cell))].append(f)
    for (sheet, cell), items in by_cell.items():
        worst = min(items, key=lambda f: f.severity.rank)
        ws = wb[sheet]
        assert isinstance(ws, Worksheet)
        c = ws[cell]
        colour = FILLS.get(worst.severity)
        if colour:
            c.fill = PatternFill("solid", start_color=colour, end_color=colour)
        # One line per message: a value merged down five rows gives five equal findings.
        text = _text("\n".join(dict.fromkeys(f"【{f.severity.label}】{f.message}" for f in items)))
        comment = Comment(text, "zhenggai")
        comment.width = COMMENT_WIDTH
        comment.height = COMMENT_BASE_HEIGHT + COMMENT_LINE_HEIGHT * len(text) // COMMENT_CHARS_PER_LINE
        c.comment = comment


def _findings_sheet(wb: Workbook, result: FileResult, findings: list[Finding], rebuilt: bool) -> None:
    """The 校验问题 list, as the last tab (the form stays the active sheet)."""
    if FINDINGS_SHEET in wb.sheetnames:
        del wb[FINDINGS_SHEET]
    # Last, not first: the clerk opens the copy on their own form, sees the red cells and
    # their comments, and prints the form as it was; the list follows as the last tab.
    ws = wb.create_sheet(FINDINGS_SHEET)
    _activate(wb, _form_sheet(result, wb))
    ws.append(["级别", "工作表", "单元格", "列", "填写内容", "问题说明", "代码"])
    if rebuilt:
        note = "此副本按读到的内容重建（原文件是 .xls 或格式特殊），只保留数值，不保留格式"
        ws.append(["提示", "", "", "", "", note, ""])
    for f in findings:
        ws.append([_text(x) for x in (f.severity.label, f.sheet or "", f.cell or "", f.field or "", f.value or "",
                                      f.message, f.code)])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            # openpyxl made every text starting with "=" a formula: a clerk's value
            # such as "=见附件" must stay text.
            if isinstance(cell.value, str):
                cell.data_type = "s"
    _print_setup(ws)


FINDINGS_WIDTHS = (6, 16, 8, 16, 24, 60, 20)


def _print_setup(ws: Worksheet) -> None:
    """The findings list as a page: A4 landscape, one page wide, header on every page.

    Row heights are written: LibreOffice does not grow a row for wrapped text a file
    brings, so a long message would print over the next row.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.properties import PageSetupProperties

    from zhenggai.outputs.xlsx import row_height

    for col, width in zip("ABCDEFG", FINDINGS_WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(ws.iter_rows(), start=1):
        for cell in row:
            cell.alignment = wrap
            if r == 1:
                cell.font = Font(bold=True)
        height = row_height([c.value for c in row], list(FINDINGS_WIDTHS))
        if height is not None:
            ws.row_dimensions[r].height = height
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"  # type: ignore[union-attr]


def _form_sheet(result: FileResult, wb: Workbook) -> str | None:
    """The sheet the clerk should see first: the first form that has findings, else the first form."""
    tables = [t.table.sheet for t in result.tables if t.table.sheet in wb.sheetnames]
    marked = {f.sheet for f in result.findings if f.sheet}
    return next((s for s in tables if s in marked), tables[0] if tables else None)


def _activate(wb: Workbook, sheet: str | None) -> None:
    """Make ``sheet`` the active tab, and the only selected one.

    A workbook saved with several tabs selected opens them grouped in Excel: whatever
    the clerk then types goes into every grouped sheet.
    """
    from openpyxl.worksheet.worksheet import Worksheet

    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    target = wb[sheet] if sheet else (visible[0] if visible else None)
    if not isinstance(target, Worksheet):
        return
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is target
    wb.active = wb.worksheets.index(target)


def _from_values(result: FileResult) -> Workbook:
    """A new workbook holding the values read from a legacy .xls, sheet by sheet."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    from zhenggai.intake.reader import read_book

    book = read_book(result.path, result.display)
    layout = _xls_layout(result.path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for grid in book.grids:
        ws = wb.create_sheet(grid.name[:31])
        if grid.hidden:
            ws.sheet_state = "hidden"  # e.g. the form's definition sheet: hidden it stays
        for r, row in enumerate(grid.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v != "":
                    cell = ws.cell(r, c, _text(v) if isinstance(v, str) else v)
                    if isinstance(v, str):
                        cell.data_type = "s"
                    elif isinstance(v, (datetime, date)):
                        # openpyxl's default date format carries the time ("2022-06-30
                        # 00:00:00"): too wide for the column, it prints as "###".
                        cell.number_format = "yyyy-mm-dd"
        for (r0, c0), (r1, c1) in grid.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        if layout is not None:
            for c, width in layout.widths.get(grid.name, {}).items():
                ws.column_dimensions[get_column_letter(c + 1)].width = width
            for r, height in layout.heights.get(grid.name, {}).items():
                ws.row_dimensions[r + 1].height = height
    return wb


def _xls_layout(path: Path) -> XlsScan | None:
    """Column widths and row heights of a legacy .xls (None for anything else)."""
    from zhenggai.intake.xls import scan

    try:
        data = path.read_bytes()
    except OSError:
        return None
    return None if data[:4] == b"PK\x03\x04" else scan(data)


def annotate_all(results: Sequence[FileResult], out_dir: Path) -> list[Path]:
    """Annotated copies of every readable file; never writes over an input."""
    inputs = {r.path.resolve() for r in results}
    written: list[Path] = []
    taken: set[str] = set()
    for r in results:
        if not r.readable:
            continue
        p = annotate(r, out_dir, inputs, _unique_name(r.path, taken))
        if p is not None:
            written.append(p)
    return written


def _unique_name(path: Path, taken: set[str]) -> str:
    """The copy's file name, unique in this run.

    Inboxes are often one folder per county, each holding "附件1.xlsx": all copies land in
    one folder, and the second would silently replace the first. A clash takes the
    folder's name as a prefix ("谷城县-附件1-校验标注.xlsx"), then a number.
    """
    name = annotated_name(path)
    if name.lower() in taken:
        name = f"{path.parent.name}-{name}" if path.parent.name else name
        stem, suffix = Path(name).stem, Path(name).suffix
        n = 2
        while name.lower() in taken:
            name = f"{stem}-{n}{suffix}"
            n += 1
    taken.add(name.lower())
    return name
