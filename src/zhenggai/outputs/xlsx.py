"""Writing styled workbooks with XlsxWriter: shared by the templates and the rollup.

XlsxWriter rather than openpyxl: it writes styled sheets about 3× faster, and it
writes data validations, print settings and native charts that Excel and WPS honour.
It can only create files, never edit them, which is what we want: zhenggai never
re-saves a workbook it was given.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter import worksheet as _xw_worksheet
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from zhenggai.core.atomic import atomic_path
from zhenggai.outputs.xlsx_zip import FastWorkbook

BODY_FONT = "宋体"  # SimSun: present on every Chinese Windows; LibreOffice maps it to Noto CJK
TITLE_FONT = "黑体"  # SimHei, the usual face for 附件 labels and table titles in official forms


class FastWorksheet(Worksheet):  # type: ignore[misc]  # XlsxWriter is untyped here
    """XlsxWriter's worksheet, writing the cell XML of a saved workbook with less Python.

    XlsxWriter turns every stored cell into XML in ``close()``: ``_write_cell`` builds an
    attribute list, escapes each attribute and dispatches on the cell's class name, about
    half of writing a 1,500-county rollup (1.2 million cells). The cells zhenggai writes
    are nearly all a string, a number or a blank with a format: for those this writes the
    very same bytes directly (``tests/test_xlsx_writer.py`` compares the XML with XlsxWriter's
    own for each kind); any other cell, or one without a format, goes to XlsxWriter.

    :meth:`stream` writes a sheet's rows out as they are finished instead of holding them.
    """

    def stream(self) -> None:
        """Write each finished row to a temporary file, as XlsxWriter's ``constant_memory``
        does, but keep the shared-string table: the rollup's 附件1, 核对底稿 and 校验问题
        (1.2 million cells at 1,500 counties) would otherwise hold ~190 MB of cell tuples
        until ``close()``. Rows must then be written in order, each row's cells and height
        before the next row's: :func:`cell_writer` and :func:`row_writer` refuse a cell
        above a finished row (XlsxWriter's own methods would drop it silently).
        Call before anything is written; the sheet's <row> tags then carry no ``spans``
        (optional) and the few cells written through XlsxWriter's own methods (title,
        header) are inline strings: the cells, formats and heights stay the same."""
        if self.dim_rowmin is not None or self.constant_memory:  # type: ignore[has-type]
            raise RuntimeError("stream() before any cell is written")
        fd, name = tempfile.mkstemp(dir=self.tmpdir, prefix="zhenggai-rows-")
        os.close(fd)
        self.row_data_filename = name
        self.row_data_fh = self.fh = open(name, mode="w+", encoding="utf-8")  # noqa: SIM115 - XlsxWriter closes it
        self.constant_memory = True
        # line_writer's rows: an XML template per shape, and what set_row leaves per height (_emit_line)
        self.row_templates: dict[tuple[Any, ...], str] = {}
        self.row_settings: dict[float, tuple[Any, list[Any]]] = {}
        self.date_serials: dict[date, float] = {}  # _emit_line: a date's Excel serial number

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        t = type(cell)
        fmt = cell.format
        if not fmt or (t is not _STRING and t is not _NUMBER and t is not _BLANK) or (
                t is _STRING and type(cell.string) is not int):  # a streamed sheet's inline string
            super()._write_cell(row, col, cell)
            return
        # As XlsxWriter writes them: r, then s (an int is never escaped), then the value.
        ref = _COLUMNS[col] + str(row + 1) if col < len(_COLUMNS) else xl_rowcol_to_cell(row, col)
        if t is _STRING:
            self.fh.write(f'<c r="{ref}" s="{fmt._get_xf_index()}" t="s"><v>{cell.string}</v></c>')
        elif t is _NUMBER:
            self.fh.write(f'<c r="{ref}" s="{fmt._get_xf_index()}"><v>{cell.number:.16G}</v></c>')
        else:
            self.fh.write(f'<c r="{ref}" s="{fmt._get_xf_index()}"/>')


_STRING: Any = getattr(_xw_worksheet, "CellStringTuple", None)
_NUMBER: Any = getattr(_xw_worksheet, "CellNumberTuple", None)
_BLANK: Any = getattr(_xw_worksheet, "CellBlankTuple", None)
_COLUMNS = [xl_col_to_name(c) for c in range(256)]


def new_workbook(path: Path) -> Workbook:
    """An XlsxWriter workbook with the options every zhenggai output needs."""
    # XlsxWriter 3.3's workbook with its last step, the zip, on two cores (xlsx_zip.py).
    workbook = FastWorkbook if xlsxwriter.__version__.startswith("3.3.") else xlsxwriter.Workbook
    wb = workbook(
        str(path),
        {
            # Clerks' text such as "=见附件" or "-30万元" must stay text. XlsxWriter's
            # write() would turn "=..." into a formula; we also call write_string for
            # all text, but switch the guess off so no path can get it wrong.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            # Excel shows dates as numbers unless a format is set; default to ISO.
            "default_date_format": "yyyy-mm-dd",
        },
    )
    if None not in (_STRING, _NUMBER, _BLANK):  # XlsxWriter's cell tuples as we know them (3.3)
        wb.worksheet_class = FastWorksheet
    return wb


class Styles:
    """The cell formats of one workbook (XlsxWriter formats belong to a workbook)."""

    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter"}
        cell = {**base, "border": 1, "text_wrap": True}
        self.label = wb.add_format({"font_name": TITLE_FONT, "font_size": 14})
        self.label_top = wb.add_format({"font_name": TITLE_FONT, "font_size": 14, "valign": "top"})
        self.title = wb.add_format(
            {"font_name": TITLE_FONT, "font_size": 18, "align": "center", "valign": "vcenter"}
        )
        self.subtitle = wb.add_format({**base, "font_size": 12})
        self.subtitle_right = wb.add_format({**base, "font_size": 12, "align": "right"})
        self.note = wb.add_format({**base, "font_size": 11})
        self.header = wb.add_format(
            {**cell, "bold": True, "align": "center", "bg_color": "#F2F2F2"}
        )
        self.text = wb.add_format({**cell, "align": "left"})
        self.center = wb.add_format({**cell, "align": "center"})
        self.date = wb.add_format({**cell, "align": "center", "num_format": "yyyy-mm-dd"})
        self.count = wb.add_format({**cell, "align": "right", "num_format": "0"})
        self.amount = wb.add_format({**cell, "align": "right", "num_format": "0.00"})
        self.percent = wb.add_format({**cell, "align": "right", "num_format": "0.0%"})
        self.category = wb.add_format({**cell, "bold": True, "align": "left"})
        self.total_text = wb.add_format({**cell, "bold": True, "align": "center"})
        self.total_count = wb.add_format({**cell, "bold": True, "num_format": "0"})
        self.total_amount = wb.add_format({**cell, "bold": True, "num_format": "0.00"})
        self.total_percent = wb.add_format({**cell, "bold": True, "num_format": "0.0%"})
        self.error = wb.add_format({**cell, "bg_color": "#FFC7CE"})
        self.warning = wb.add_format({**cell, "bg_color": "#FFEB9C"})
        # Papers that go upward (公文, GB/T 9704): the 附件 label 黑体 三号 (16 pt) on its own
        # line; the title 方正小标宋简体 二号 (22 pt), written as its usual fallback 宋体 bold
        # (an .xlsx names one font, and 方正小标宋 is missing on many machines); dates
        # written 2022年7月15日 like the 统计截至 line above them.
        self.doc_label = wb.add_format({"font_name": TITLE_FONT, "font_size": 16, "valign": "vcenter"})
        self.doc_title = wb.add_format({"font_name": BODY_FONT, "font_size": 22, "bold": True, "align": "center",
                                        "valign": "vcenter"})
        self.date_cn = wb.add_format({**cell, "align": "center", "num_format": 'yyyy"年"m"月"d"日"'})
        self._wb, self._cell, self._marked = wb, cell, dict[tuple[str, str, bool], Any]()

    def marked(self, severity: str, num_format: str = "", *, bold: bool = False) -> Any:
        """A red ("error") or yellow ("warning") cell keeping its number format: a figure
        the rollup marks still reads 60.0% or 12.50, not 0.6 or 12.5."""
        key = (severity, num_format, bold)
        if key not in self._marked:
            fmt = {**self._cell, "bold": bold, "bg_color": "#FFC7CE" if severity == "error" else "#FFEB9C",
                   "align": "right" if num_format else "center"}
            if num_format:
                fmt["num_format"] = num_format
            self._marked[key] = self._wb.add_format(fmt)
        return self._marked[key]


def write_cell(ws: Worksheet, row: int, col: int, value: object, fmt: Any) -> None:
    """Write one value with its proper type; text is always written as text."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, float) and not math.isfinite(value):
        # A number cell holding 1e999 reads as infinity; XlsxWriter refuses it (and Excel has
        # no such number): it is written as the text it is, beside its red finding.
        ws.write_string(row, col, str(value), fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, (datetime, date)):
        ws.write_datetime(
            row, col, value if isinstance(value, datetime) else datetime(*value.timetuple()[:3]),
            fmt,
        )
    else:
        # write_string, never write(): "=1+1", "+86…", "-", "@x" stay the text the clerk typed.
        ws.write_string(row, col, str(value), fmt)


CellWriter = Callable[[int, int, object, Any], None]


def cell_writer(ws: Worksheet) -> CellWriter:
    """:func:`write_cell` for one sheet, for loops that write every cell of the rollup.

    Same cells as :func:`write_cell`; only faster (about 1/6 of merge's writing time at
    1,500 counties): the common types (str, int, float, None) are told apart by one type
    check, and the cell is handed to XlsxWriter's undecorated ``_write_*`` methods, which
    skip the per-call A1-notation check our integer coordinates never need. Other types
    (bool, dates, subclasses such as enums) go through :func:`write_cell` itself.
    """
    if isinstance(ws, FastWorksheet):
        return _fast_put(ws)
    string = getattr(ws, "_write_string", ws.write_string)
    number = getattr(ws, "_write_number", ws.write_number)
    blank = getattr(ws, "_write_blank", ws.write_blank)

    def put(row: int, col: int, value: object, fmt: Any) -> None:
        t = type(value)
        if t is str:
            if value:
                string(row, col, value, fmt)
            else:
                blank(row, col, None, fmt)
        elif t is int or (t is float and math.isfinite(value)):  # type: ignore[arg-type]
            number(row, col, value, fmt)
        elif value is None:
            blank(row, col, None, fmt)
        else:
            write_cell(ws, row, col, value, fmt)

    return put


def stream(ws: Worksheet) -> None:
    """:meth:`FastWorksheet.stream` where the sheet is one (else nothing: rows are held)."""
    if isinstance(ws, FastWorksheet):
        ws.stream()


def finish(wb: Workbook, ws: Worksheet) -> None:
    """``ws`` is complete: nothing more is written to it. A streamed sheet of a FastWorkbook is
    then assembled and deflated at once, on the second core, while the next sheets are written
    (outputs/xlsx_early.py), instead of on the run's serial tail in ``close()``; the file is the
    same (``close()`` checks the sheet did not change since, else it assembles it itself)."""
    if isinstance(wb, FastWorkbook) and isinstance(ws, FastWorksheet):
        wb.finish_sheet(ws)


def follow(wb: Workbook, ws: Worksheet, last_row: int, last_col: int) -> Callable[[], None]:
    """Zip the streamed sheet ``ws`` as its rows are written (:func:`finish` when they all are):
    ``last_row``/``last_col``, its last cell once they are (its first is A1: the title), and its
    print settings made before its rows. Call the function returned every few thousand rows.
    Where the sheet ends up otherwise, ``close()`` assembles it itself (the same file)."""
    if isinstance(wb, FastWorkbook) and isinstance(ws, FastWorksheet):
        return wb.follow_sheet(ws, (0, last_row, 0, last_col))
    return lambda: None


def _next_row(ws: FastWorksheet, row: int) -> None:
    """A streamed sheet (FastWorksheet.stream): write out the finished rows before ``row``."""
    if row > ws.previous_row:
        ws._write_single_row(row)
    elif row < ws.previous_row:
        raise RuntimeError(f"第 {row + 1} 行写在已写完的第 {ws.previous_row + 1} 行之后")  # a bug, never data


def _fast_put(ws: FastWorksheet) -> CellWriter:
    """:func:`cell_writer` storing a string, number or formatted blank the way XlsxWriter's
    ``_write_string``/``_write_number``/``_write_blank`` store it, in one Python call instead
    of four (the method, its dimension check, the shared-string lookup, the cell tuple's
    ``__new__``): the same shared-string indexes, cell tuples and dimensions."""
    table = ws.table
    sst = ws.str_table
    strings = sst.string_table
    new = tuple.__new__  # what the cell namedtuples' __new__ calls, without its Python frame
    half = ws.xls_strmax // 2  # longer strings may need XlsxWriter's UTF-16 truncation
    rowmax, colmax = ws.xls_rowmax, ws.xls_colmax

    def put(row: int, col: int, value: object, fmt: Any) -> None:
        t = type(value)
        if t is str and value:
            if len(value) > half:  # type: ignore[arg-type]
                write_cell(ws, row, col, value, fmt)
                return
            cell: Any = None
        elif t is int or (t is float and math.isfinite(value)):  # type: ignore[arg-type]
            cell = new(_NUMBER, (value, fmt))
        elif value is None or t is str:  # None or ""
            if fmt is None:
                return  # as _write_blank: an unformatted blank is not stored at all
            cell = new(_BLANK, (fmt,))
        else:
            write_cell(ws, row, col, value, fmt)
            return
        # Worksheet._check_dimensions
        if row < 0 or col < 0 or row >= rowmax or col >= colmax:
            return
        if ws.constant_memory:
            _next_row(ws, row)
        if ws.dim_rowmin is None or row < ws.dim_rowmin:
            ws.dim_rowmin = row
        if ws.dim_rowmax is None or row > ws.dim_rowmax:
            ws.dim_rowmax = row
        if ws.dim_colmin is None or col < ws.dim_colmin:
            ws.dim_colmin = col
        if ws.dim_colmax is None or col > ws.dim_colmax:
            ws.dim_colmax = col
        if cell is None:  # SharedStringTable._get_shared_string_index
            index = strings.get(value)
            if index is None:
                index = strings[value] = sst.unique_count
                sst.unique_count += 1
            sst.count += 1
            cell = new(_STRING, (index, fmt))
        table[row][col] = cell

    return put


RowWriter = Callable[[int, int, Sequence[object], Sequence[Any]], None]


def row_writer(ws: Worksheet) -> RowWriter:
    """``put_row(row, first_col, values, formats)``: the cells of one row, as
    :func:`cell_writer` writes them one by one (the loops that write every row of the
    rollup: one call a row, the dimensions updated once)."""
    put = cell_writer(ws)
    if not isinstance(ws, FastWorksheet):
        def put_each(row: int, first: int, values: Sequence[object], fmts: Sequence[Any]) -> None:
            for c, (v, f) in enumerate(zip(values, fmts, strict=True), start=first):
                put(row, c, v, f)
        return put_each
    table = ws.table
    sst = ws.str_table
    strings = sst.string_table
    new = tuple.__new__
    half = ws.xls_strmax // 2
    rowmax, colmax = ws.xls_rowmax, ws.xls_colmax

    def put_row(row: int, first: int, values: Sequence[object], fmts: Sequence[Any]) -> None:
        last = first + len(values) - 1
        if len(fmts) != len(values) or not (0 <= row < rowmax and first >= 0 and last < colmax) or None in fmts:
            for c, (v, f) in enumerate(zip(values, fmts, strict=True), start=first):
                put(row, c, v, f)  # the rare case, cell by cell (an unformatted blank is not stored)
            return
        if ws.constant_memory:
            _next_row(ws, row)
        cells = table[row]
        c = first
        for v, fmt in zip(values, fmts, strict=True):  # equal lengths: checked above
            t = type(v)
            if t is str and v:
                if len(v) > half:  # type: ignore[arg-type]
                    write_cell(ws, row, c, v, fmt)
                else:
                    index = strings.get(v)
                    if index is None:
                        index = strings[v] = sst.unique_count
                        sst.unique_count += 1
                    sst.count += 1
                    cells[c] = new(_STRING, (index, fmt))
            elif t is int or (t is float and math.isfinite(v)):  # type: ignore[arg-type]
                cells[c] = new(_NUMBER, (v, fmt))
            elif v is None or t is str:
                cells[c] = new(_BLANK, (fmt,))
            else:
                write_cell(ws, row, c, v, fmt)
            c += 1
        if last < first:
            return
        # Worksheet._check_dimensions, once for the row
        if ws.dim_rowmin is None or row < ws.dim_rowmin:
            ws.dim_rowmin = row
        if ws.dim_rowmax is None or row > ws.dim_rowmax:
            ws.dim_rowmax = row
        if ws.dim_colmin is None or first < ws.dim_colmin:
            ws.dim_colmin = first
        if ws.dim_colmax is None or last > ws.dim_colmax:
            ws.dim_colmax = last

    return put_row


LineWriter = Callable[[int, Sequence[object], Sequence[Any], float], None]


def line_writer(ws: Worksheet) -> LineWriter:
    """``put_line(row, values, formats, height)``: a whole row from column A and its height,
    as :func:`row_writer` and ``ws.set_row(row, height)`` write them.

    On a streamed sheet (:meth:`FastWorksheet.stream`) a row written whole is turned into its
    XML at once: no cell tuples held until the next row, no second pass over them. The
    bytes are the ones XlsxWriter writes for the same calls (``tests/test_xlsx_writer.py``):
    the <row> tag by XlsxWriter's own ``_write_row``, the cells as :class:`FastWorksheet`
    writes them, the shared strings numbered in the same order. Nothing more may be written
    on that row afterwards (a later cell there is refused, as :func:`row_writer` refuses a
    cell above a finished row). A row it cannot write so (another type of value, a long
    string, a row already begun) goes the ordinary way.
    """
    put_row = row_writer(ws)

    def ordinary(row: int, values: Sequence[object], fmts: Sequence[Any], height: float) -> None:
        put_row(row, 0, values, fmts)
        ws.set_row(row, height)

    if not isinstance(ws, FastWorksheet):
        return ordinary
    half = ws.xls_strmax // 2

    def put_line(row: int, values: Sequence[object], fmts: Sequence[Any], height: float) -> None:
        n = len(values)
        if (not ws.constant_memory or row < ws.previous_row or not 0 <= row < ws.xls_rowmax
                or not 0 < n <= len(_COLUMNS) or len(fmts) != n or None in fmts):
            ordinary(row, values, fmts, height)
            return
        if row > ws.previous_row:
            ws._write_single_row(row)  # the row before, if it is still held
        elif ws.table.get(row) or row in ws.row_info or row in ws.comments:
            ordinary(row, values, fmts, height)  # the row was begun another way: finish it that way
            return
        # A value _emit_line does not write itself leaves the row untouched: the ordinary
        # way then writes it (the row before is written out either way).
        if not _emit_line(ws, row, values, fmts, height, half):
            ordinary(row, values, fmts, height)

    return put_line


def _emit_line(ws: FastWorksheet, row: int, values: Sequence[object], fmts: Sequence[Any], height: float,
               half: int) -> bool:
    """The XML of one whole row of a streamed sheet, nothing of it held (see :func:`line_writer`);
    False, with nothing written and nothing changed, when a value is not one it writes itself
    (a str, int, float, None, date or datetime, and no string longer than ``half``, no
    infinite number: as :func:`row_writer` stores them); the caller writes that row the
    ordinary way.

    A row's XML depends on its row number, its cells' values and its shape: its height,
    each cell's format and kind (a shared string, a number, a blank). A sheet's rows come in
    a handful of shapes, so each shape's XML is made once as a template (:func:`_template`)
    and filled with the row number and the values by one ``str.format`` call: the rollup's
    120,000 long-sheet rows spend about half the time they took cell by cell."""
    args: list[Any] = [row + 1]
    kinds: list[str] = []
    texts: list[int] = []  # where in args a string is, to be given its shared-string index
    # One pass tells the values apart and checks them before anything is changed.
    for v in values:
        t = type(v)
        if t is str:
            if v:
                if len(v) > half:  # type: ignore[arg-type]
                    return False
                texts.append(len(args))
                args.append(v)
                kinds.append("s")
            else:
                kinds.append("")  # "": a formatted blank
        elif t is int:
            args.append(v)
            kinds.append("n")
        elif t is float:
            if not math.isfinite(v):  # type: ignore[arg-type]
                return False
            args.append(v)
            kinds.append("n")
        elif v is None:
            kinds.append("")
        elif t is date:  # as write_cell → write_datetime; the serial number worked out once per date
            serial = ws.date_serials.get(v)  # type: ignore[call-overload]
            if serial is None:
                serial = ws.date_serials[v] = ws._convert_date_time(  # type: ignore[index]
                    datetime(*v.timetuple()[:3]))  # type: ignore[attr-defined]
            args.append(serial)
            kinds.append("n")
        elif t is datetime:  # not cached: an aware datetime equals others of other zones
            args.append(ws._convert_date_time(v))
            kinds.append("n")
        else:
            return False
    n = len(values)
    # Worksheet._check_dimensions, once for the row (as row_writer)
    if ws.dim_rowmin is None or row < ws.dim_rowmin:
        ws.dim_rowmin = row
    if ws.dim_rowmax is None or row > ws.dim_rowmax:
        ws.dim_rowmax = row
    if ws.dim_colmin is None or ws.dim_colmin > 0:
        ws.dim_colmin = 0
    if ws.dim_colmax is None or n - 1 > ws.dim_colmax:
        ws.dim_colmax = n - 1
    sst = ws.str_table
    strings = sst.string_table
    for i in texts:  # SharedStringTable._get_shared_string_index, left to right as the cells
        index = strings.get(args[i])
        if index is None:
            index = strings[args[i]] = sst.unique_count
            sst.unique_count += 1
        args[i] = index
    sst.count += len(texts)
    key = (height, *fmts, *kinds)
    template = ws.row_templates.get(key)
    if template is None:
        template = ws.row_templates[key] = _template(ws, row, height, fmts, kinds)
    ws.row_info[row], ws.row_sizes[row] = ws.row_settings[height]  # as ws.set_row(row, height) leaves them
    ws.fh.write(template.format(*args))
    ws.previous_row = row + 1  # this row is written: the next one starts afresh
    return True


def _template(ws: FastWorksheet, row: int, height: float, fmts: Sequence[Any], kinds: Sequence[str]) -> str:
    """The XML of a row of this shape as a ``str.format`` template: ``{0}`` the row number,
    ``{1}``… the values (a shared string's index, a number); the <row> tag is XlsxWriter's
    own ``_write_row``'s, the cells as :class:`FastWorksheet` writes them."""
    ws.set_row(row, height)
    ws.row_settings[height] = (ws.row_info[row], ws.row_sizes[row])
    fh, buffer = ws.fh, io.StringIO()
    ws.fh = buffer  # type: ignore[assignment]
    try:
        ws._write_row(row, None, ws.row_info[row])
    finally:
        ws.fh = fh
    tag = buffer.getvalue()
    start = f'<row r="{row + 1}"'
    if not tag.startswith(start):  # pragma: no cover - not as XlsxWriter 3.3 writes it
        raise RuntimeError("XlsxWriter wrote an unexpected <row> tag")
    parts = ['<row r="{0}"' + tag[len(start):].replace("{", "{{").replace("}", "}}")]
    arg = 1
    for c, (fmt, kind) in enumerate(zip(fmts, kinds, strict=True)):
        head = f'<c r="{_COLUMNS[c]}{{0}}" s="{fmt._get_xf_index()}"'
        if kind == "s":
            parts.append(f'{head} t="s"><v>{{{arg}}}</v></c>')
            arg += 1
        elif kind == "n":
            parts.append(f"{head}><v>{{{arg}:.16G}}</v></c>")
            arg += 1
        else:
            parts.append(f"{head}/>")
    parts.append("</row>")
    return "".join(parts)


_NARROW = re.compile("[\x00-\u2e80]")


def text_width(text: str) -> float:
    """Approximate width in Excel column units: a CJK character is about two digits wide."""
    narrow = len(_NARROW.findall(text))  # counted in C: this runs on every cell of the rollup
    width = 2.0 * (len(text) - narrow) + 1.1 * narrow
    if narrow and abs(width - round(width)) < 1e-6:
        # Next to a whole number the per-character sum may round the other way: use it, so
        # that line counts (int(width) // column width) stay exactly what they were.
        return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in text)
    return width


def break_header(text: str, width: float) -> str:
    """A header as printed in a column ``width`` units wide, with explicit line breaks.

    Left to the program, "补充人员（人）" wraps wherever the column ends ("补充人员（人" /
    "）"), and where that is differs between Excel, WPS and LibreOffice. So: one line when
    it fits; else a trailing unit "（万元）" on a line of its own, a bracket never split
    ("县" / "（市、区）"), and a long name in balanced lines ("快递村村通" / "新覆盖村").
    Readers ignore line breaks in headers.
    """
    per_line = max(2, int((width - 2.5) // 2))  # CJK characters per line, bold, padded
    if len(text) <= per_line or "\n" in text:
        return text
    suffix = ""
    if text.endswith("）") and "（" in text:
        at = text.rindex("（")
        text, suffix = text[:at], text[at:]
    if len(text) > per_line:
        n = -(-len(text) // per_line)
        size = -(-len(text) // n)
        text = "\n".join(text[i : i + size] for i in range(0, len(text), size))
    return f"{text}\n{suffix}" if text and suffix else text or suffix


def row_height(values: list[object], widths: list[float], *, line: float = 14.5) -> float | None:
    """Height that shows every wrapped line, or None when one line is enough.

    Excel grows a row to fit wrapped text only when the text is typed in; LibreOffice
    and Excel draw a file's long text over the next rows unless the height is written.
    """
    return row_measure(widths, line=line)(values)


def row_measure(widths: Sequence[float], *, line: float = 14.5) -> Callable[[Sequence[object]], float | None]:
    """:func:`row_height` for rows of one sheet's columns, each column's usable width worked
    out once (the loops that measure every row of the rollup)."""
    usables = [int(max(width - 1.5, 1.0)) for width in widths]

    def height(values: Sequence[object]) -> float | None:
        lines = 1
        for value, usable in zip(values, usables, strict=False):
            # At most 2 units a character: a text without a line break that fits so is one line.
            if isinstance(value, str) and (2 * len(value) > usable or "\n" in value):
                n = _lines(value, usable)
                if n > lines:
                    lines = n
        return None if lines == 1 else lines * line + 3

    return height


def _lines(value: str, usable: int) -> int:
    """Wrapped lines of ``value`` in a column ``usable`` units wide. Not cached: the texts
    measured are the long ones, nearly all different (a cache of the rollup's 附件1 missed
    on almost every row and cost more than it saved)."""
    return sum(max(1, -(-int(text_width(part)) // usable)) for part in value.split("\n"))


def setup_print(
    ws: Worksheet,
    *,
    header_row: int,
    last_col: int,
    last_row: int,
    freeze: bool = True,
    footer: str = "&C第 &P 页，共 &N 页",
    restart: bool = False,
) -> None:
    """A4 landscape, one page wide, header row repeated, centred, page numbers.

    ``restart``: number this sheet's pages from 1 (a sheet printed on its own, or a
    working sheet after a stamped set), else they follow the sheet before.
    """
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # all columns on one page width, as many pages tall as needed
    ws.repeat_rows(header_row)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer(footer)
    if restart:
        ws.set_start_page(1)
    ws.print_area(0, 0, last_row, last_col)
    if freeze:
        ws.freeze_panes(header_row + 1, 0)


def write_atomically(target: Path, build: Callable[[Workbook], None], *, force: bool) -> Path:
    """Create ``target`` with ``build(workbook)``, atomically (see :func:`atomic_path`)."""
    with atomic_path(target, force=force) as tmp:
        wb = new_workbook(tmp)
        try:
            build(wb)
            wb.close()
        finally:
            _discard_streams(wb)
    return target


def _discard_streams(wb: Workbook) -> None:
    """Close and remove the row files of streamed sheets that ``close()`` did not consume
    (the build failed, or the sheet stayed empty); any sheet assembled ahead thrown away."""
    if isinstance(wb, FastWorkbook):
        wb.discard_early()
    for ws in wb.worksheets():
        fh = getattr(ws, "row_data_fh", None) if isinstance(ws, FastWorksheet) else None
        if fh is not None and not fh.closed:
            fh.close()
            with contextlib.suppress(OSError):
                os.unlink(ws.row_data_filename)
