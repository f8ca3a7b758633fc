"""Schema → the official 附件1 / 附件2 workbooks that ``init-county`` writes.

Layout follows the notice: "附件1" top left, the title centred over the table, the
bureau line to be sealed, the header row, room for rows, and the contact line under
the table. Entry rules (dropdowns, date limits, number limits) are data validations
that Excel and WPS enforce while the clerk types; the validator checks them again,
because nothing guarantees a clerk's program honoured them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from zhenggai.core.errors import OutputExists
from zhenggai.core.results import DEADLINE
from zhenggai.core.schema import APPENDIX1, Column, Kind, TableSpec, appendix2, load_indicators
from zhenggai.core.schema import Indicator as Indicator
from zhenggai.forms.formdef import write_definition
from zhenggai.outputs.xlsx import Styles, break_header, row_height, setup_print, write_atomically, write_cell

PLACEHOLDER_COUNTY = "**县（市、区）"
BUREAU_SUFFIX = "商务主管部门（盖章）"
CONTACT_LINE = "（联系人：" + "\u3000" * 6 + "联系电话：" + "\u3000" * 8 + "）"
BLANK_ROWS = 20  # room for rows in a blank 附件1: the feedback lists run 5-30 problems
HEADER_ROW = 3  # 0-based: row 4 in Excel, under 附件N / title / bureau line
FIRST_DATA_ROW = HEADER_ROW + 1
EARLIEST_DATE = date(2019, 1, 1)  # the demonstration programme's earliest rounds
# Printed line height of 11 pt 宋体 with some leading. LibreOffice draws it with Noto CJK,
# whose lines are taller than SimSun's; text_width() counts a CJK character as two
# digits, wider than Noto draws it, so the two errors leave LibreOffice a little room.
LINE = 16.0
HEADER_LINE = 15.0


@dataclass(frozen=True, slots=True)
class Prefill:
    """Rows to pre-fill 附件1 with: (category or None, problem text), in order."""

    problems: tuple[tuple[str | None, str], ...] = ()

    @property
    def total(self) -> int:
        """Number of problems (category headings not counted)."""
        return len(self.problems)


@dataclass(frozen=True, slots=True)
class CountyForms:
    """What to write for one county (``county`` None: the blank official form)."""

    county: str | None = None
    prefecture: str | None = None
    deadline: date = DEADLINE
    indicators: tuple[Indicator, ...] | None = None
    prefill: Prefill = field(default_factory=Prefill)


def bureau_line(county: str | None) -> str:
    """"谷城县商务主管部门（盖章）", or the placeholder line of the blank form."""
    return f"{county or PLACEHOLDER_COUNTY}{BUREAU_SUFFIX}"


def file_names(county: str | None, *, combined: bool) -> list[str]:
    """Output file names; they start with the county name when there is one."""
    prefix = f"{county}-" if county else ""
    if combined:
        return [f"{prefix}附件1附件2-示范县整改清单及成果统计表.xlsx"]
    return [
        f"{prefix}附件1-{APPENDIX1.title}.xlsx",
        f"{prefix}附件2-{appendix2().title}.xlsx",
    ]


def header_text(c: Column) -> str:
    """The header as printed: whole words per line, the unit on its own line (break_header)."""
    return break_header(c.header, c.width)


def _heading(ws: Worksheet, st: Styles, spec: TableSpec, county: str | None) -> None:
    last = len(spec.columns) - 1
    ws.write_string(0, 0, spec.label, st.label)
    ws.set_row(1, 36)
    ws.merge_range(1, 0, 1, last, spec.title, st.title)
    ws.merge_range(2, 0, 2, last, bureau_line(county), st.subtitle)
    texts = [header_text(c) for c in spec.columns]
    lines = max(max(t.count("\n") + 1 for t in texts), 2)
    ws.set_row(HEADER_ROW, lines * HEADER_LINE + 8)
    for col, (c, text) in enumerate(zip(spec.columns, texts, strict=True)):
        ws.set_column(col, col, c.width)
        ws.write_string(HEADER_ROW, col, text, st.header)


def _format_for(st: Styles, kind: Kind) -> object:
    return {
        Kind.SEQ: st.center,
        Kind.YESNO: st.center,
        Kind.DATE: st.date,
        Kind.COUNT: st.count,
        Kind.AMOUNT: st.amount,
        Kind.COUNTY: st.center,
    }.get(kind, st.text)


def _validations(ws: Worksheet, spec: TableSpec, first: int, last: int, deadline: date) -> None:
    for col, c in enumerate(spec.columns):
        rule: dict[str, object] | None = None
        if c.kind is Kind.YESNO:
            rule = {
                "validate": "list",
                "source": ["是", "否"],
                "input_title": "是否完成整改",
                "input_message": "请从下拉列表选择“是”或“否”",
                "error_title": "只能填“是”或“否”",
                "error_message": "是否完成整改 只能填“是”或“否”，请从下拉列表选择。",
            }
        elif c.kind is Kind.DATE:
            shown = f"{deadline.year}年{deadline.month}月{deadline.day}日"
            rule = {
                "validate": "date",
                "criteria": "between",
                "minimum": EARLIEST_DATE,
                "maximum": deadline,
                "input_title": "完成时限",
                "input_message": f"请填写日期，如 {deadline.isoformat()}；不得晚于 {shown}。"
                "已完成的填实际完成日期。",
                "error_title": "日期不对",
                "error_message": f"请填写 {shown} 之前的日期，格式如 {deadline.isoformat()}。"
                "“长期坚持”“年底前”等文字不是日期。",
            }
        elif c.kind is Kind.COUNT:
            rule = {
                "validate": "integer",
                "criteria": ">=",
                "value": 0,
                "input_title": c.header[:32],
                "input_message": "请填写不小于 0 的整数；没有请填 0。",
                "error_title": "应为整数",
                "error_message": f"{c.header} 应为不小于 0 的整数，不要带单位。",
            }
        elif c.kind is Kind.AMOUNT:
            rule = {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "input_title": c.header[:32],
                "input_message": "请填写不小于 0 的数字，单位万元，最多 2 位小数；没有请填 0。",
                "error_title": "应为数字",
                "error_message": f"{c.header} 应为不小于 0 的数字（万元），不要带单位。",
            }
        if rule is not None:
            ws.data_validation(first, col, last, col, rule)


def _contact(ws: Worksheet, st: Styles, row: int, last_col: int) -> None:
    ws.merge_range(row, 0, row, last_col, CONTACT_LINE, st.note)


def _lines(text: str, width: float) -> int:
    """Printed lines of ``text`` in a column ``width`` units wide (wrapped, CJK counted 2)."""
    height = row_height([text], [width], line=1.0)
    return 1 if height is None else round(height - 3)


def prefilled_height(problem: str, width: float) -> float:
    """Height of a pre-filled 附件1 row: the whole problem text, and one line to spare.

    Neither LibreOffice nor Excel grows a row to fit text that a file brings along, so
    without a height a long problem prints over the row below. The height is a custom
    one, which Excel and WPS then keep while the clerk types: the spare line (and the
    wider 整改措施 column) gives the answer room, and a double-click on the row border
    fits it again.
    """
    return (max(_lines(problem, width), 1) + 1) * LINE + 4


def write_appendix1(wb: Workbook, st: Styles, forms: CountyForms, sheet_name: str) -> None:
    """附件1 示范县整改清单, blank or pre-filled with the county's feedback problems."""
    spec = APPENDIX1
    ws = wb.add_worksheet(sheet_name)
    _heading(ws, st, spec, forms.county)
    last_col = len(spec.columns) - 1
    formats = [_format_for(st, c.kind) for c in spec.columns]
    widths = [c.width for c in spec.columns]
    row = FIRST_DATA_ROW
    category: str | None = None
    for seq, (cat, text) in enumerate(forms.prefill.problems, start=1):
        if cat and cat != category:
            # A category heading is one cell merged across the table, as in the
            # province's lists ("一、业务建设方面"); the reader treats it as such.
            # Excel never grows a merged row to fit its text: the height is written.
            ws.merge_range(row, 0, row, last_col, cat, st.category)
            ws.set_row(row, _lines(cat, sum(widths)) * LINE + 4)
            category = cat
            row += 1
        for col, c in enumerate(spec.columns):
            value: object = seq if c.key == "seq" else text if c.key == "problem" else None
            write_cell(ws, row, col, value, formats[col])
        ws.set_row(row, prefilled_height(text, spec.column("problem").width))
        row += 1
    rows = BLANK_ROWS if not forms.prefill.problems else 0
    for _ in range(rows):
        for col in range(len(spec.columns)):
            ws.write_blank(row, col, None, formats[col])
        row += 1
    last_data = row - 1
    # Heights of blank rows are left unset on purpose: a row with a custom height no
    # longer grows when Excel wraps the long text a clerk types into it.
    _validations(ws, spec, FIRST_DATA_ROW, max(last_data, FIRST_DATA_ROW), forms.deadline)
    _contact(ws, st, row + 1, last_col)
    setup_print(ws, header_row=HEADER_ROW, last_col=last_col, last_row=row + 1)


def write_appendix2(wb: Workbook, st: Styles, forms: CountyForms, sheet_name: str) -> None:
    """附件2 示范县专项整改成果统计表 with the county's row ready to fill."""
    spec = appendix2(forms.indicators)
    ws = wb.add_worksheet(sheet_name)
    _heading(ws, st, spec, forms.county)
    last_col = len(spec.columns) - 1
    row = FIRST_DATA_ROW
    ws.set_row(row, 30)
    for col, c in enumerate(spec.columns):
        value: object = None
        if c.key == "county":
            value = forms.county
        elif c.key == "total" and forms.prefill.problems:
            value = forms.prefill.total
        write_cell(ws, row, col, value, _format_for(st, c.kind))
    _validations(ws, spec, row, row, forms.deadline)
    _contact(ws, st, row + 2, last_col)
    setup_print(ws, header_row=HEADER_ROW, last_col=last_col, last_row=row + 2)


def _definition(wb: Workbook, forms: CountyForms) -> None:
    """The hidden sheet that carries 附件2's indicator columns (see formdef)."""
    write_definition(wb, forms.indicators if forms.indicators is not None else load_indicators(None))


def _properties(wb: Workbook, forms: CountyForms, title: str) -> None:
    # No "recalculate when opened" flag (XlsxWriter writes fullCalcOnLoad="1" by default): the
    # forms hold no formula, and a 合计 formula the county adds must not inherit a flag that
    # tells the reader the saved results are a program's, never calculated (intake/reader.py).
    wb.calc_on_load = False
    wb.set_properties(
        {
            "title": title,
            "subject": "电子商务进农村综合示范专项整改",
            "company": f"{forms.prefecture}商务局" if forms.prefecture else "",
            "keywords": " ".join(x for x in (forms.prefecture, forms.county) if x),
            "comments": "由 zhenggai 生成",
        }
    )


def write_county_forms(
    out_dir: str | os.PathLike[str], forms: CountyForms, *, combined: bool = False, force: bool = False
) -> list[Path]:
    """Write the county's 附件1 and 附件2 (two files, or one with ``combined``).

    Every target is checked before anything is written, so a refusal to overwrite
    leaves the folder as it was.
    """
    out_dir = Path(out_dir)
    names = file_names(forms.county, combined=combined)
    targets = [out_dir / n for n in names]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        shown = "、".join(str(t) for t in existing)
        raise OutputExists(f"文件已存在：{shown}（如需覆盖请加 --force）")

    def both(wb: Workbook) -> None:
        st = Styles(wb)
        _properties(wb, forms, "示范县整改清单及成果统计表")
        write_appendix1(wb, st, forms, "附件1 整改清单")
        write_appendix2(wb, st, forms, "附件2 成果统计表")
        _definition(wb, forms)

    def one(which: int) -> None:
        def build(wb: Workbook) -> None:
            st = Styles(wb)
            if which == 1:
                _properties(wb, forms, APPENDIX1.title)
                write_appendix1(wb, st, forms, "附件1 整改清单")
            else:
                _properties(wb, forms, appendix2(forms.indicators).title)
                write_appendix2(wb, st, forms, "附件2 成果统计表")
                _definition(wb, forms)  # only where a 附件2 is: 附件1 has no indicators

        write_atomically(targets[which - 1], build, force=True)

    if combined:
        write_atomically(targets[0], both, force=True)
    else:
        one(1)
        one(2)
    return targets


def write_many(
    out_dir: str | os.PathLike[str], forms: Sequence[CountyForms], *, combined: bool = False, force: bool = False
) -> list[Path]:
    """Write forms for several counties; refuses before writing if any target exists."""
    out_dir = Path(out_dir)
    if not force:
        existing = [
            out_dir / n
            for f in forms
            for n in file_names(f.county, combined=combined)
            if (out_dir / n).exists()
        ]
        if existing:
            shown = "、".join(str(t) for t in existing[:5])
            more = f" 等 {len(existing)} 个" if len(existing) > 5 else ""
            raise OutputExists(f"文件已存在：{shown}{more}（如需覆盖请加 --force）")
    written: list[Path] = []
    for f in forms:
        written += write_county_forms(out_dir, f, combined=combined, force=True)
    return written
