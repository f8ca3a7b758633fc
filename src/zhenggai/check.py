"""Tables → findings: the rules of 附件1 and 附件2, per row, per table and across a county.

Every finding names the cell the clerk must change. The rows are also returned,
parsed, because ``merge`` builds the rollup from exactly what was validated.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from zhenggai.annotate import ANNOTATED_SUFFIX
from zhenggai.findings import Report, Severity, a1, make
from zhenggai.parse import (
    clean_text,
    county_from_filename,
    display,
    header_unit,
    is_bureau_placeholder,
    is_pledge_only,
    is_valid_phone,
    parse_date,
    parse_number,
    parse_yes_no,
    unit_factor,
)
from zhenggai.reader import MAX_UNCOMPRESSED, WORKBOOK_SUFFIXES, Grid, read_book
from zhenggai.results import APPENDIX_NAMES, FileResult, Item, Options, ProgressCallback, Stats, TableResult
from zhenggai.schema import APPENDIX1, META_SHEET, Column, Kind, TableSpec, appendix2
from zhenggai.tables import FORMULA_NO_VALUE, HEADER_SCAN_ROWS, Table, find_tables

if TYPE_CHECKING:
    from zhenggai.problems import FeedbackList

# A date outside these years in a date column is not what the clerk meant: typically a
# number typed into a date-formatted cell (12 shows as 1900-01-12, 2022 as 1905-07-14).
DATE_MIN, DATE_MAX = date(2015, 1, 1), date(2030, 12, 31)


# --- 附件1 ------------------------------------------------------------------------------

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _problem_key(text: str) -> str:
    return _PUNCT.sub("", text)


def check_appendix1(t: TableResult, f: FileResult, opts: Options) -> None:
    """Row rules of 附件1; fills ``t.items`` and adds findings to ``f``."""
    table = t.table
    spec = table.spec
    cols = table.header.cols
    sheet = table.sheet
    out = f.findings
    file = f.display
    keys = spec.keys
    idx = {k: i for i, k in enumerate(keys)}
    i_seq, i_problem, i_measure = idx["seq"], idx["problem"], idx["measure"]
    i_done, i_deadline = idx["done"], idx["deadline"]
    required_text = [(idx[k], k) for k in ("problem", "measure", "owner", "unit") if k in cols]
    has_done, has_deadline = "done" in cols, "deadline" in cols
    deadline_limit, as_of = opts.deadline, opts.as_of
    seen_problem: dict[str, int] = {}  # key → merged group's first row, or -row when not merged
    seen_seq: dict[int, int] = {}
    prev_seq: int | None = None
    prev_category: str | None = None

    def add(code: str, row: int, key: str, raw: object = None, **params: object) -> None:
        out.append(make(code, file=file, sheet=sheet, cell=a1(row, cols[key]), row=row,
                        field=spec.column(key).header, value=display(raw), **params))

    formula_rows = {row for row, _, _ in table.formula_cells}  # the only rows holding FORMULA_NO_VALUE
    for rec in table.records:
        v = rec.values
        r = rec.row
        before = len(out)
        if r in formula_rows:
            for i, key in enumerate(keys):
                if v[i] is FORMULA_NO_VALUE:
                    add("formula-no-value", r, key)
        for i, key in required_text:
            raw = v[i]
            if raw == "" or (isinstance(raw, str) and not raw.strip()):
                add("required-missing", r, key)
        done: bool | None = None
        if has_done and v[i_done] is not FORMULA_NO_VALUE:
            yn = parse_yes_no(v[i_done])
            done = yn.value
            if yn.status == "blank":
                add("required-missing", r, "done")
            elif yn.status == "invalid":
                add("done-invalid", r, "done", v[i_done])
            elif yn.status == "variant":
                add("done-variant", r, "done", v[i_done], as_value="是" if done else "否")
        when: date | None = None
        if has_deadline and v[i_deadline] is not FORMULA_NO_VALUE:
            raw = v[i_deadline]
            dv = parse_date(raw)
            when = dv.value
            if dv.status == "blank":
                add("required-missing", r, "deadline")
            elif dv.status == "invalid":
                add("date-invalid", r, "deadline", raw)
            elif when is not None and not DATE_MIN <= when <= DATE_MAX:
                add("date-out-of-range", r, "deadline", raw)
                when = None  # not a date the clerk meant: counts in no 逾期 figure
            elif dv.approximate:
                add("date-approximate", r, "deadline", raw, date=when)
            if when is not None:
                if done is False:
                    if when > deadline_limit:
                        add("deadline-too-late", r, "deadline", raw, date=when, deadline=deadline_limit)
                    elif when < as_of:
                        add("overdue", r, "deadline", raw, date=when, as_of=as_of)
                elif done is True and when > as_of:
                    add("done-date-future", r, "deadline", raw, date=when, as_of=as_of)
        measure = v[i_measure]
        if isinstance(measure, str) and measure and is_pledge_only(measure):
            add("measure-pledge-only", r, "measure", measure)
        if "seq" in cols and (rec.group is None or rec.group == r):
            # The further measure rows of a merged 问题描述 share its 序号 (merged too, or empty).
            raw_seq = v[i_seq]
            if raw_seq is FORMULA_NO_VALUE:
                prev_seq = (prev_seq or 0) + 1  # reported above; it holds its place
            elif raw_seq != "":
                num = parse_number(raw_seq)
                if num.status != "ok" or num.value is None or not float(num.value).is_integer():
                    add("seq-invalid", r, "seq", raw_seq)
                    # It still takes its place in the count: "一, 2, 3" is one wrong
                    # number, not a wrong number and a gap at the next row.
                    prev_seq = (prev_seq or 0) + 1
                else:
                    n = int(num.value)
                    restart = rec.category != prev_category and n == 1
                    if restart:
                        seen_seq.clear()
                    if n in seen_seq:
                        add("seq-duplicate", r, "seq", raw_seq, other_row=seen_seq[n])
                    else:
                        expected = 1 if prev_seq is None or restart else prev_seq + 1
                        if n != expected:
                            add("seq-gap", r, "seq", raw_seq, expected=expected)
                        seen_seq[n] = r
                    prev_seq = n
        prev_category = rec.category
        problem = v[i_problem]
        if "problem" in cols and isinstance(problem, str) and problem:
            key = _problem_key(problem)
            if key in seen_problem:
                if seen_problem[key] != (rec.group or -r):
                    add("problem-duplicate", r, "problem", problem, other_row=abs(seen_problem[key]))
            else:
                # One 问题描述 merged down over its measures is one problem, not duplicates.
                seen_problem[key] = rec.group or -r
        errors = sum(1 for x in out[before:] if x.severity is Severity.ERROR) if len(out) > before else 0
        t.items.append(Item(r, rec.category, v, rec.extras, done, when, errors, rec.group))


# --- 附件2 ------------------------------------------------------------------------------


def _header_factors(t: TableResult, f: FileResult, number_cols: list[tuple[int, Column]]) -> dict[str, float | None]:
    """Per number column: the factor from the unit its header names to the column's unit.

    "县级财政安排经费（元）" under the form's 万元 converts every value of the column
    (÷10,000) with an info finding; a header unit that cannot convert (人 over 万元) makes
    the whole column an error, never summed.
    """
    table = t.table
    h = table.header
    out: dict[str, float | None] = {}
    for _, c in number_cols:
        unit = header_unit(h.labels[c.key])
        factor = unit_factor(unit, c.unit)
        out[c.key] = factor
        if factor == 1.0:
            continue
        cell = a1(h.row + 1, h.cols[c.key])
        if factor is None:
            f.findings.append(make("unit-invalid", file=f.display, sheet=table.sheet, cell=cell, row=h.row + 1,
                                   field=c.header, value=h.labels[c.key], unit=unit, column_unit=c.unit))
        else:
            f.findings.append(make("unit-converted", file=f.display, sheet=table.sheet, cell=cell, row=h.row + 1,
                                   field=c.header, value=h.labels[c.key],
                                   detail=f"表头单位为“{unit}”，本列每个数值已乘以 {_n(factor)} 换算为{c.unit}"
                                          f"（1{unit} = {_n(factor)}{c.unit}）"))
    return out


def check_appendix2(t: TableResult, f: FileResult) -> None:
    """Row rules of 附件2; fills ``t.stats`` and adds findings to ``f``."""
    table = t.table
    spec = table.spec
    cols = table.header.cols
    out = f.findings

    def add(code: str, row: int, key: str, raw: object = None, **params: object) -> None:
        out.append(make(code, file=f.display, sheet=table.sheet, cell=a1(row, cols[key]), row=row,
                        field=spec.column(key).header, value=display(raw), **params))

    number_cols = [(i, c) for i, c in enumerate(spec.columns) if c.is_number and c.key in cols]
    factors = _header_factors(t, f, number_cols)
    i_county = spec.keys.index("county")
    for rec in table.records:
        v = rec.values
        r = rec.row
        before = len(out)
        numbers: dict[str, float | None] = {}
        reasons: dict[str, str] = {}
        for i, c in number_cols:
            raw = v[i]
            key = c.key
            if raw is FORMULA_NO_VALUE:
                add("formula-no-value", r, key)
                numbers[key], reasons[key] = None, "公式没有保存计算结果"
                continue
            nv = parse_number(raw)
            if nv.status == "blank":
                numbers[key] = 0.0
                continue
            if nv.status == "dash":
                numbers[key] = 0.0
                add("number-dash", r, key, raw)
                continue
            if nv.status == "invalid" or nv.value is None:
                numbers[key], reasons[key] = None, "不是可识别的数字"
                add("number-invalid", r, key, raw)
                continue
            x = nv.value
            if nv.status == "variant":
                add("number-chinese", r, key, raw, number=_n(x) + (nv.unit or ""))
            head = factors[key]
            own = unit_factor(nv.unit, c.unit) if nv.unit else 1.0
            if head is None or own is None:
                bad_unit = nv.unit or header_unit(table.header.labels[key])
                numbers[key], reasons[key] = None, f"单位“{bad_unit}”不能换算为{c.unit}"
                if own is None:
                    add("unit-invalid", r, key, raw, unit=nv.unit, column_unit=c.unit)
                continue
            converted = x * (own if nv.unit else head)
            if converted != x:
                converted = round(converted, 6)  # 12000 × 0.0001: keep binary noise out of the totals
            if nv.unit and own != 1.0:
                add("unit-converted", r, key, raw, detail=f"“{display(raw)}”按 {_n(converted)}{c.unit} 计")
            if x < 0:
                numbers[key], reasons[key] = None, "负数"
                add("number-negative", r, key, raw)
            elif c.kind is Kind.COUNT and not float(converted).is_integer():
                numbers[key], reasons[key] = None, "应为整数"
                add("number-not-integer", r, key, raw)
            else:
                numbers[key] = converted
                if c.kind is Kind.AMOUNT and nv.decimals > 2 and converted == x:
                    add("number-too-many-decimals", r, key, raw)
        county = clean_text(v[i_county]) if "county" in cols else ""
        if "county" in cols and not county and not rec.total:
            add("required-missing", r, "county")
        total, done, open_ = numbers.get("total"), numbers.get("done"), numbers.get("open")
        if total is not None and done is not None and open_ is not None and done + open_ != total:
            add("count-sum-mismatch", r, "total", v[spec.keys.index("total")],
                done=_n(done), open=_n(open_), sum=_n(done + open_), total=_n(total))
        errors = sum(1 for x in out[before:] if x.severity is Severity.ERROR)
        t.stats.append(Stats(r, None if rec.total else county or None, v, rec.extras, numbers, errors,
                             total=rec.total, reasons=reasons))


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --- a file -----------------------------------------------------------------------------

def _header_findings(t: Table, f: FileResult) -> None:
    h = t.header
    row = h.row + 1
    for key in h.missing:
        c = t.spec.column(key)
        if key == "seq" or (t.spec.kind == "appendix2" and key == "note"):
            continue  # 序号 and 备注 may be left out without losing anything
        f.findings.append(make("missing-column", file=f.display, sheet=t.sheet, row=row, field=c.header))
    for key, text in h.variants:
        f.findings.append(make("header-variant", file=f.display, sheet=t.sheet, row=row,
                               cell=a1(row, h.cols[key]), field=t.spec.column(key).header, value=text))
    for col, text in sorted(h.extras.items()):
        f.findings.append(make("extra-column", file=f.display, sheet=t.sheet, row=row,
                               cell=a1(row, col), value=text))


def _contact_findings(t: Table, f: FileResult) -> None:
    c = t.contact
    if c is None:
        f.findings.append(make("contact-missing", file=f.display, sheet=t.sheet))
        return
    cell = a1(c.row, c.col)
    if not c.name:
        f.findings.append(make("contact-missing", file=f.display, sheet=t.sheet, cell=cell, row=c.row,
                               field="联系人", value=c.text))
    if not is_valid_phone(c.phone):
        f.findings.append(make("phone-invalid", file=f.display, sheet=t.sheet, cell=cell, row=c.row,
                               field="联系电话", value=c.phone or c.text))


def _county_missing_detail(t: Table) -> str:
    """What the clerk must change, naming what was found (never a placeholder not written)."""
    if t.bureau is None:
        return "表格上方没有盖章行（如“长阳土家族自治县经济和信息化局（盖章）”），读不出县（市、区）名称"
    text = t.bureau[2]
    if is_bureau_placeholder(text):
        return "盖章行没有写明县（市、区）名称，请把“**县（市、区）”改为本县名称"
    return (f"盖章行“{text}”中读不出县（市、区）名称：应为县名在前、单位名称在后，"
            "如“长阳土家族自治县经济和信息化局（盖章）”")


def _resolve_county(f: FileResult) -> None:
    """County of each table from its own 盖章 line; else 附件2's column or the file name.

    A workbook may hold several counties (a 市 that collected its 县区 first): each
    sheet's 盖章 line names that sheet's county, and none may vanish.
    """
    from zhenggai.layouts import assign_counties, split_by_county_column

    split: list[TableResult] = []
    for t in f.tables:
        parts = split_by_county_column(t) if t.table.kind == "appendix1" else None
        split.extend(parts or [t])
    f.tables = split
    from_line = [t.table.county for t in f.tables if t.table.county]
    lines = list(dict.fromkeys(from_line))
    from_a2 = [s.county for t in f.tables_of("appendix2") for s in t.stats if s.county]
    from_name = county_from_filename(f.path)
    county = from_line[0] if from_line else from_a2[0] if len(from_a2) == 1 else from_name
    f.county = "、".join(lines) if len(lines) > 1 else county
    for t in f.tables:
        t.county = t.table.county or county
        if t.table.kind == "appendix2":
            assign_counties(t, f, t.county)
        if t.table.county or t.blank:
            continue
        fallback = f"（暂按“{county}”处理）" if county else ""
        detail = _county_missing_detail(t.table)
        if t.table.bureau is not None:
            r, c, text = t.table.bureau
            f.findings.append(make("county-missing", file=f.display, sheet=t.table.sheet, cell=a1(r, c),
                                   row=r, value=text, fallback=fallback, detail=detail))
        else:
            f.findings.append(make("county-missing", file=f.display, sheet=t.table.sheet,
                                   fallback=fallback, detail=detail))
    if len(lines) > 1 or len(set(from_a2)) > 1:
        return  # several counties in one workbook: each table has its own county
    sources = []
    if from_line:
        sources += [("盖章行", x) for x in lines]
    if len(from_a2) == 1:
        sources.append(("附件2", from_a2[0]))
    if from_name:
        sources.append(("文件名", from_name))
    names = {n for _, n in sources}
    if len(names) > 1:
        detail = "，".join(f"{src}为“{n}”" for src, n in sources)
        a2 = [(t, s) for t in f.tables_of("appendix2") for s in t.stats if s.county]
        if a2 and len({n for src, n in sources if src != "文件名"}) > 1:
            t, s = a2[0]
            col = t.table.header.cols["county"]
            f.findings.append(make("county-mismatch", file=f.display, sheet=t.table.sheet,
                                   cell=a1(s.row, col), row=s.row, field="县（市、区）", value=s.county,
                                   detail=detail))
        else:
            f.findings.append(make("county-mismatch", file=f.display, detail=detail))


def _digest(path: Path) -> str:
    """SHA-256 of the file, read in chunks; "" when unreadable or too big to be a reply.

    A 2 GB video renamed .xlsx must be refused in moments: not read into memory, and not
    hashed for seconds (the reader refuses anything that large anyway).
    """
    try:
        if path.stat().st_size > MAX_UNCOMPRESSED:
            return ""
        h = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return ""


def _hidden_sheet(grid: Grid, tables: list[Table], f: FileResult) -> None:
    """A hidden sheet is not data; one holding a form (an older copy) is named in a warning."""
    for t in tables:
        if t.records:
            f.findings.append(make("hidden-sheet-ignored", file=f.display, sheet=grid.name, name=grid.name,
                                   appendix=APPENDIX_NAMES[t.kind]))


def _file_specs(grids: Sequence[Grid], opts: Options, f: FileResult) -> tuple[TableSpec, TableSpec]:
    """The tables to look for: the form's own definition, unless ``--indicators`` overrides it."""
    from zhenggai.formdef import describe, read_definition, same_columns

    carried, problem = read_definition(grids)
    if problem is not None:
        fallback = "--indicators 文件" if opts.indicators is not None else "内置的成果指标"
        f.findings.append(make("indicators-definition-invalid", file=f.display, sheet=META_SHEET,
                               reason=problem, fallback=fallback))
    if carried is None:
        return opts.specs()
    if opts.indicators is None:
        return APPENDIX1, appendix2(carried)
    if not same_columns(carried, opts.indicators):
        f.findings.append(make("indicators-mismatch", file=f.display, sheet=META_SHEET,
                               carried=describe(carried), given=describe(opts.indicators)))
    return opts.specs()


def check_file(path: Path, opts: Options, display_name: str | None = None) -> FileResult:
    """Read one workbook, find its tables and apply every rule that needs only this file."""
    shown = display_name or str(path)
    f = FileResult(path=path, display=shown)
    f.digest = _digest(path)
    book = read_book(path, shown)
    f.findings.extend(book.findings)
    if book.findings:
        f.readable = False
        return f
    specs = _file_specs(book.grids, opts, f)
    from zhenggai.layouts import hidden_findings

    for grid in book.grids:
        if grid.name == META_SHEET:
            continue  # zhenggai's own definition of the form (see schema.META_SHEET), never a table
        tables = find_tables(grid, specs)
        if grid.hidden:
            _hidden_sheet(grid, tables, f)
            continue
        hidden_findings(grid, tables, f)
        for table in tables:
            f.tables.append(TableResult(table))
    if not f.tables:
        f.readable = False
        f.findings.append(make("no-table", file=shown, rows=HEADER_SCAN_ROWS))
        return f
    for t in f.tables:
        _header_findings(t.table, f)
        if t.blank:
            # Row rules on an unfilled form would only list every empty cell.
            f.findings.append(make("blank-form", file=shown, sheet=t.table.sheet,
                                   appendix=APPENDIX_NAMES[t.table.kind]))
            continue
        if t.table.kind == "appendix1":
            check_appendix1(t, f, opts)
        else:
            check_appendix2(t, f)
        _contact_findings(t.table, f)
    _resolve_county(f)
    return f


def problem_counts(items: Sequence[Item]) -> tuple[int, int, int]:
    """(problems, finished, unfinished) of 附件1 rows: a 问题描述 merged over several
    measure rows is one problem, finished when all its measures are."""
    if all(it.group is None for it in items):  # the common case: one row, one problem
        return len(items), sum(1 for it in items if it.done is True), sum(1 for it in items if it.done is False)
    state: dict[int, list[bool | None]] = {}
    for it in items:
        state.setdefault(it.problem, []).append(it.done)
    done = sum(1 for v in state.values() if all(x is True for x in v))
    open_ = sum(1 for v in state.values() if any(x is False for x in v))
    return len(state), done, open_


def cross_check(results: Sequence[FileResult]) -> None:
    """附件2's 反馈问题数 / 已完成整改数 against the county's 附件1 (same or paired file)."""
    a1s: dict[str, list[TableResult]] = {}
    a2s: dict[str, list[tuple[FileResult, TableResult, Stats]]] = {}
    for f in results:
        if not f.readable:
            continue
        for t in f.tables:
            if t.blank:
                continue
            # A workbook holding both tables is one county's reply even when no county
            # name could be found in it: pair its own two tables.
            if t.table.kind == "appendix1":
                a1s.setdefault(t.county or f"\0{f.path}", []).append(t)
            else:
                for name, s in t.counties.items():
                    a2s.setdefault(name or f"\0{f.path}", []).append((f, t, s))
    for county, t1s in a1s.items():
        t2s = a2s.get(county, [])
        if len(t1s) != 1 or len(t2s) != 1:
            continue  # nothing to pair, or duplicates: merge decides which one counts
        cross_pair(t1s[0], *t2s[0])


def cross_pair(t1: TableResult, f2: FileResult, t2: TableResult, s: Stats | None = None) -> None:
    """One county's 附件2 row against its 附件1: findings go on the 附件2 cells."""
    if s is None:
        if len(t2.counties) != 1:
            return
        s = next(iter(t2.counties.values()))
    cols = t2.table.header.cols
    rows, done_rows, _ = problem_counts(t1.items)
    total, done = s.numbers.get("total"), s.numbers.get("done")
    spec = t2.table.spec
    if total is not None and "total" in cols and total != rows:
        f2.findings.append(make("cross-total-mismatch", file=f2.display, sheet=t2.table.sheet,
                                cell=a1(s.row, cols["total"]), row=s.row, field=spec.column("total").header,
                                value=_n(total), total=_n(total), rows=rows))
    if done is not None and "done" in cols and done != done_rows:
        f2.findings.append(make("cross-done-mismatch", file=f2.display, sheet=t2.table.sheet,
                                cell=a1(s.row, cols["done"]), row=s.row, field=spec.column("done").header,
                                value=_n(done), done=_n(done), rows=done_rows))


# --- many files -------------------------------------------------------------------------


def skip_reason(path: Path) -> str | None:
    """Why a file found in a folder is not read as a county reply (None: read it)."""
    name = path.name
    if name.startswith("~$"):
        return "Excel/WPS 打开文件时留下的锁定文件"
    if name.startswith("."):
        return "隐藏文件"
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return "不是 Excel 工作簿"
    if path.stem.endswith(ANNOTATED_SUFFIX):
        # Our own --annotate copies, e.g. in 收件/标注/: read again, they would count
        # every county twice and switch off the cross-file checks.
        return "zhenggai 生成的标注副本"
    return None


def expand(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Files to read (folders recursively, sorted) and the files skipped, as results."""
    from zhenggai.errors import InputError

    files: list[Path] = []
    skipped: list[FileResult] = []
    for p in paths:
        if p.is_dir():
            for child in sorted(x for x in p.rglob("*") if x.is_file()):
                hidden_dir = any(part.startswith(".") for part in child.relative_to(p).parts[:-1])
                # Files under hidden folders (.git, macOS .Trashes …) are not replies.
                reason = "在隐藏文件夹中" if hidden_dir else skip_reason(child)
                if reason is None:
                    files.append(child)
                else:
                    skipped.append(FileResult(child, str(child), findings=[
                        make("file-skipped", file=str(child), reason=reason)], readable=False, skipped=True))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(f"找不到文件或文件夹：{p}")
    seen: set[Path] = set()
    unique = []
    for p in files:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, skipped


def check_files(
    files: Sequence[Path], opts: Options, on_progress: ProgressCallback | None = None
) -> list[FileResult]:
    """Check many files, then the rules across each county's files."""
    results: list[FileResult] = []
    for i, path in enumerate(files, start=1):
        results.append(check_file(path, opts))
        if on_progress is not None:
            on_progress(i, len(files), str(path))
    cross_check(results)
    return results


def make_report(results: Iterable[FileResult]) -> Report:
    """The report of a run, files sorted by path."""
    return Report(tuple(sorted((r.report() for r in results), key=lambda fr: fr.path)))


def validate(
    paths: Sequence[Path],
    opts: Options | None = None,
    on_progress: ProgressCallback | None = None,
    *,
    feedback: FeedbackList | None = None,
) -> tuple[Report, list[FileResult]]:
    """Validate files and folders: the report, and each file's parsed tables.

    With ``feedback`` (the province's list, see ``problems.py``) every county's 附件1
    is also checked to answer each of its feedback problems.
    """
    opts = opts or Options()
    files, skipped = expand(paths)
    if feedback is not None:
        files = [p for p in files if p.resolve() != feedback.path.resolve()]
    if not files:
        # "共 0 个文件：0 个错误" with exit 0 would tell a clerk who named the wrong folder
        # that all is well: nothing to check is a usage error.
        from zhenggai.errors import InputError

        shown = "、".join(str(p) for p in paths)
        raise InputError(f"{shown} 中没有找到 Excel 工作簿（.xlsx/.xlsm/.xls）")
    results = check_files(files, opts, on_progress)
    if feedback is not None:
        from zhenggai.problems import check_coverage

        check_coverage(results, feedback)
        if feedback.findings:
            skipped.append(feedback.result())
    return make_report([*results, *skipped]), [*results, *skipped]
