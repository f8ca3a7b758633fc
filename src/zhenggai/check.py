"""Tables → findings: the rules of 附件1 and 附件2, per row, per table and across a county.

Every finding names the cell the clerk must change. The rows are also returned,
parsed, because ``merge`` builds the rollup from exactly what was validated.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from zhenggai.findings import Report, Severity, a1, make
from zhenggai.inbox import expand, open_inbox, skip_reason
from zhenggai.parse import (
    clean_text,
    county_from_filename,
    display,
    is_pledge_only,
    is_valid_phone,
    parse_date,
    parse_number,
    parse_yes_no,
)
from zhenggai.reader import MAX_UNCOMPRESSED, Grid, read_book
from zhenggai.results import FileResult, Item, Options, ProgressCallback, Stats, TableResult
from zhenggai.schema import APPENDIX1, META_SHEET, Kind, TableSpec, appendix2
from zhenggai.tables import FORMULA_NO_VALUE, Table, find_tables

if TYPE_CHECKING:
    from zhenggai.problems import FeedbackList

FINDINGS_SHEET = "校验问题"  # the sheet annotate.py puts in front of an annotated copy

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
    seen_problem: dict[str, int] = {}
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
        if "seq" in cols:
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
                add("problem-duplicate", r, "problem", problem, other_row=seen_problem[key])
            else:
                seen_problem[key] = r
        errors = sum(1 for x in out[before:] if x.severity is Severity.ERROR) if len(out) > before else 0
        t.items.append(Item(r, rec.category, v, rec.extras, done, when, errors))


# --- 附件2 ------------------------------------------------------------------------------


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
    i_county = spec.keys.index("county")
    for rec in table.records:
        v = rec.values
        r = rec.row
        before = len(out)
        numbers: dict[str, float | None] = {}
        for i, c in number_cols:
            raw = v[i]
            if raw is FORMULA_NO_VALUE:
                add("formula-no-value", r, c.key)
                numbers[c.key] = None
                continue
            nv = parse_number(raw)
            if nv.status == "blank":
                numbers[c.key] = 0.0
            elif nv.status == "dash":
                numbers[c.key] = 0.0
                add("number-dash", r, c.key, raw)
            elif nv.status == "invalid" or nv.value is None:
                numbers[c.key] = None
                add("number-invalid", r, c.key, raw)
            else:
                x = nv.value
                numbers[c.key] = x
                if x < 0:
                    add("number-negative", r, c.key, raw)
                elif c.kind is Kind.COUNT and not float(x).is_integer():
                    add("number-not-integer", r, c.key, raw)
                elif c.kind is Kind.AMOUNT and nv.decimals > 2:
                    add("number-too-many-decimals", r, c.key, raw)
        county = clean_text(v[i_county]) if "county" in cols else ""
        if "county" in cols and not county:
            add("required-missing", r, "county")
        total, done, open_ = numbers.get("total"), numbers.get("done"), numbers.get("open")
        if total is not None and done is not None and open_ is not None and done + open_ != total:
            add("count-sum-mismatch", r, "total", v[spec.keys.index("total")],
                done=_n(done), open=_n(open_), sum=_n(done + open_), total=_n(total))
        errors = sum(1 for x in out[before:] if x.severity is Severity.ERROR)
        t.stats.append(Stats(r, county or None, v, rec.extras, numbers, errors))


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


def _resolve_county(f: FileResult) -> None:
    """County from the 盖章 line; fall back to 附件2's column or the file name."""
    from_line = [t.table.county for t in f.tables if t.table.county]
    from_a2 = [s.county for t in f.tables_of("appendix2") for s in t.stats if s.county]
    from_name = county_from_filename(f.path)
    county = from_line[0] if from_line else from_a2[0] if len(from_a2) == 1 else from_name
    f.county = county
    for t in f.tables:
        if t.table.county:
            continue
        fallback = f"（暂按“{county}”处理）" if county else ""
        if t.table.bureau is not None:
            r, c, text = t.table.bureau
            f.findings.append(make("county-missing", file=f.display, sheet=t.table.sheet, cell=a1(r, c),
                                   row=r, value=text, fallback=fallback))
        else:
            f.findings.append(make("county-missing", file=f.display, sheet=t.table.sheet,
                                   fallback=fallback))
    sources = []
    if from_line:
        sources += [("盖章行", x) for x in dict.fromkeys(from_line)]
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
    with contextlib.suppress(OSError):
        f.mtime = path.stat().st_mtime
    book = read_book(path, shown)
    f.kind, f.saved = book.fmt, book.saved
    f.findings.extend(book.findings)
    if book.findings:
        f.readable = False
        return f
    specs = _file_specs(book.grids, opts, f)
    for grid in book.grids:
        if grid.name in (META_SHEET, FINDINGS_SHEET):
            # The form's definition is never a table. A -校验标注 copy that the clerk
            # corrected and sent back is a reply: its form sheets count, the list of
            # findings we wrote into it does not.
            continue
        if grid.table_rows is not None:
            f.word_rows[grid.name] = grid.table_rows
        for table in find_tables(grid, specs):
            f.tables.append(TableResult(table))
    if not f.tables:
        f.readable = False
        f.findings.append(make("no-table", file=shown))
        return f
    for t in f.tables:
        _header_findings(t.table, f)
        if t.table.kind == "appendix1":
            check_appendix1(t, f, opts)
        else:
            check_appendix2(t, f)
        _contact_findings(t.table, f)
    _resolve_county(f)
    return f


def cross_check(results: Sequence[FileResult]) -> None:
    """附件2's 反馈问题数 / 已完成整改数 against the county's 附件1 rows (same or paired file)."""
    by_county: dict[str, list[FileResult]] = {}
    for f in results:
        if f.readable:
            # A workbook holding both tables is one county's reply even when no county
            # name could be found in it: pair its own two tables.
            key = f.county or f"\0{f.path}"
            by_county.setdefault(key, []).append(f)
    for files in by_county.values():
        a1s = [(f, t) for f in files for t in f.tables_of("appendix1")]
        a2s = [(f, t) for f in files for t in f.tables_of("appendix2")]
        if len(a1s) != 1 or len(a2s) != 1:
            continue  # nothing to pair, or duplicates: merge decides which one counts
        cross_pair(a1s[0][1], *a2s[0])


def cross_pair(t1: TableResult, f2: FileResult, t2: TableResult) -> None:
    """One county's 附件2 row against its 附件1: findings go on the 附件2 cells."""
    if len(t2.stats) != 1:
        return
    s = t2.stats[0]
    cols = t2.table.header.cols
    rows = len(t1.items)
    done_rows = sum(1 for i in t1.items if i.done is True)
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


# --- many files (listing a folder and opening archives: inbox.py) -----------------------

__all__ = ["check_file", "check_files", "cross_check", "cross_pair", "expand", "make_report", "skip_reason",
           "validate"]


def check_files(
    files: Sequence[Path],
    opts: Options,
    on_progress: ProgressCallback | None = None,
    names: Mapping[Path, str] | None = None,
) -> list[FileResult]:
    """Check many files, then the rules across each county's files; ``names`` gives the
    display name of a file extracted from an archive (``收件.zip › 谷城县附件1.xlsx``)."""
    results: list[FileResult] = []
    names = names or {}
    for i, path in enumerate(files, start=1):
        shown = names.get(path)
        results.append(check_file(path, opts, shown))
        if on_progress is not None:
            on_progress(i, len(files), shown or str(path))
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
    # Members of .zip archives stay extracted until the process ends: --annotate reads
    # them again after this returns.
    box = open_inbox(paths)
    files, skipped = box.files, box.skipped
    if feedback is not None:
        files = [p for p in files if p.resolve() != feedback.path.resolve()]
    if not files and not any(not s.skipped for s in skipped):
        # "共 0 个文件：0 个错误" with exit 0 would tell a clerk who named the wrong folder
        # that all is well: nothing to check is a usage error.
        from zhenggai.errors import InputError

        shown = "、".join(str(p) for p in paths)
        raise InputError(f"{shown} 中没有找到 Excel 工作簿或 Word 文档（.xlsx/.xls/.ods/.docx）")
    results = check_files(files, opts, on_progress, box.names)
    if feedback is not None:
        from zhenggai.problems import check_coverage

        check_coverage(results, feedback)
        if feedback.findings:
            skipped.append(feedback.result())
    return make_report([*results, *skipped]), [*results, *skipped]
