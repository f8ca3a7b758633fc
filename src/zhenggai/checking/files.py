"""Tables → findings: the rules of 附件1 and 附件2, per row, per table and across a county.

Every finding names the cell the clerk must change. The rows are also returned,
parsed, because ``merge`` builds the rollup from exactly what was validated.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhenggai.checking.county import resolve_county
from zhenggai.checking.quantities import check_quantities
from zhenggai.checking.readings import deleted_rows, second_readings
from zhenggai.checking.rows import RowContext, field_name, prepare, validate_rows
from zhenggai.checking.sheets import join_continued, split_back, turn_back
from zhenggai.checking.table_rules import TABLE_RULES, header_factors
from zhenggai.checking.workbook_copies import workbook_conflicts
from zhenggai.core.findings import Finding, Report, Severity, a1, make
from zhenggai.core.gcpause import collector_paused
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import (
    clean_text,
    is_valid_phone,
    number_text,
    parse_number,
)
from zhenggai.core.results import (
    APPENDIX_NAMES,
    FINDINGS_SHEET,
    FileResult,
    Item,
    Options,
    ProgressCallback,
    Stats,
    TableResult,
)
from zhenggai.core.schema import APPENDIX1, META_SHEET, Column, TableSpec, appendix2
from zhenggai.core.table import Record, Table
from zhenggai.forms.tables import HEADER_SCAN_ROWS, find_tables
from zhenggai.intake.inbox import Inbox, expand, open_inbox, skip_reason
from zhenggai.intake.reader import MAX_UNCOMPRESSED, Grid, read_book

if TYPE_CHECKING:
    from zhenggai.forms.feedback_list import FeedbackList

# --- the tables of a file --------------------------------------------------------------


def check_table(t: TableResult, shown: str, opts: Options) -> tuple[TableResult, list[Finding]]:
    """Every row rule (``rows.py``) and table rule (``table_rules.py``) of one table.

    Returns the table with its ``items`` (附件1) or ``stats`` (附件2), and its findings.
    """
    table = t.table
    ctx = RowContext(table, shown, opts.deadline, opts.as_of)
    if table.spec.kind == TableKind.APPENDIX2:
        ctx.factors = header_factors(table, ctx)
    ruled: list[Finding] = []
    parsed: list[tuple[Any, ...] | None] = []
    items: list[Item] = []
    # Second readings (readings.py) may still change a checked row: its item waits for them.
    early = table.spec.kind == TableKind.APPENDIX1 and not table.readings

    def meanwhile() -> None:
        # While a second CPU checks the last rows (rows.validate_rows): the table rules, whose
        # findings go after every row's, where they always were; and the items of the rows
        # checked so far, which have all their findings (the child's findings are on its rows).
        rows_found, ctx.findings = ctx.findings, ruled
        try:
            for rule in TABLE_RULES[table.spec.kind]:
                rule(table, ctx)
        finally:
            ctx.findings = rows_found
        if early:
            items.extend(_items(table.records, parsed, [*ctx.findings, *ruled], 0))

    fields = ("done", "deadline") if table.spec.kind == TableKind.APPENDIX1 else None
    # 附件1 without second readings: each row's (done, deadline) as validate_rows gives it.
    tuples = fields is not None and not table.readings
    models: Iterable[Any] = validate_rows(table, ctx, fields=fields, meanwhile=meanwhile, as_tuples=tuples)
    if table.readings:  # cells written two ways (a twin column, a Word revision): readings.py
        models = second_readings(table, ctx, list(models))
    if table.spec.kind == TableKind.APPENDIX1:
        # The tuples as validate_rows gives them (None where a validator raised, which _items
        # reads as (None, None)), taken by list.extend's own loop: ~50 ns a row less than an
        # append each, serial for the child's rows.
        parsed.extend(models if tuples else (None if m is None else (m.done, m.deadline) for m in models))
        ctx.findings += ruled
        items.extend(_items(table.records, parsed, ctx.findings, len(items)))
        return replace(t, items=t.items + tuple(items)), ctx.findings
    number_keys = [c.key for c in table.spec.columns if c.is_number and c.key in ctx.cols]
    counted = [(m.county, {k: getattr(m, field_name(k)) for k in number_keys}) if m
              else (None, dict.fromkeys(number_keys)) for m in models]
    ctx.findings += ruled
    errors = _errors(ctx.findings)
    stats = tuple(Stats(rec.row, None if rec.total else county, rec.values, rec.extras, numbers,
                        errors[rec.row], total=rec.total, reasons=ctx.reasons.get(rec.row, {}))
                  for rec, (county, numbers) in zip(table.records, counted, strict=True))
    return replace(t, stats=t.stats + stats), ctx.findings


def _errors(findings: Sequence[Finding]) -> Counter[int | None]:
    """Errors per row."""
    return Counter(x.row for x in findings if x.severity is Severity.ERROR)


def _items(records: Sequence[Record], parsed: Sequence[tuple[Any, ...] | None], findings: Sequence[Finding],
           start: int) -> list[Item]:
    """The items of records ``start:len(parsed)``, each with its row's errors among ``findings``;
    ``parsed`` holds each row's (done, deadline), or None when its validator raised (none known)."""
    # errors.get, not errors[...]: a Counter's missing key (most rows) calls its Python __missing__.
    errors = _errors(findings).get
    items: list[Item] = []
    keep = items.append
    for rec, pair in zip(records[start:len(parsed)], parsed[start:], strict=True):
        done, deadline = _NONE if pair is None else pair
        # The stores here, not in an __init__: one Python call an item less (~0.5 → ~0.4 µs;
        # the items of a child's 60,000 rows are built after both processes' rows, serial).
        it: Any = _ItemFields()
        it.row = row = rec.row
        it.category = rec.category
        it.values = rec.values
        it.extras = rec.extras
        it.done = done
        it.deadline = deadline
        it.errors = errors(row, 0)
        it.group = rec.group
        it.sheet = None  # Item's default: the row's table's own sheet
        it.__class__ = Item  # see _ItemFields
        keep(it)
    return items


_NONE = (None, None)


class _ItemFields:
    """An :class:`Item`'s fields filled by plain slot stores, then made the Item it is.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (~1 µs an
    item); plain stores into the same slots take ~0.3 µs: a 100,000-row 附件1's items ~0.1 →
    ~0.04 s, serial after its rows are checked (issue 22). Python lets an object's class change
    to a class with the same slots (same names, so the same layout); with any other slots the
    assignment raises TypeError, never a half-made Item. The Item is the one ``Item(...)``
    builds, field for field (tests/test_items_built.py compares them).
    """

    __slots__ = ("category", "deadline", "done", "errors", "extras", "group", "row", "sheet", "values")


# --- a file -----------------------------------------------------------------------------
# Each helper returns the findings it makes; check_file gathers them and builds the
# file's result once.

def _header_findings(t: Table, shown: str) -> list[Finding]:
    h = t.header
    row = h.row + 1
    out: list[Finding] = []
    for key in h.missing:
        c = t.spec.column(key)
        if key == "seq" or (t.spec.kind == TableKind.APPENDIX2 and key == "note"):
            continue  # 序号 and 备注 may be left out without losing anything
        out.append(make("missing-column", file=shown, sheet=t.sheet, row=row, field=c.header))
    for key, text in h.variants:
        out.append(make("header-variant", file=shown, sheet=t.sheet, row=row,
                        cell=a1(row, h.cols[key]), field=t.spec.column(key).header, value=text))
    twins = {col for _, col in h.twins}  # a second column of a counted field: readings.py says
    for col, text in sorted(h.extras.items()):
        if col not in twins:
            out.append(make("extra-column", file=shown, sheet=t.sheet, row=row, cell=a1(row, col), value=text))
    return out


def _table_notes(t: Table, shown: str) -> list[Finding]:
    """The header's findings and how the table's rows were read (``Table.notes``)."""
    # A continuation without a header of its own borrowed its table's: said there once.
    out = _header_findings(t, shown) if t.continues is None else []
    for code, row, col, params in t.notes:
        out.append(make(code, file=shown, sheet=t.sheet, cell=a1(row, col), row=row, line=row,
                        **params))  # type: ignore[arg-type]
    return out


def _contact_findings(t: Table, shown: str) -> list[Finding]:
    c = t.contact
    if c is None:
        return [make("contact-missing", file=shown, sheet=t.sheet)]
    cell = a1(c.row, c.col)
    out: list[Finding] = []
    if not c.name:
        out.append(make("contact-missing", file=shown, sheet=t.sheet, cell=cell, row=c.row,
                        field="联系人", value=c.text))
    if not (c.phone or "").strip():
        # The template's line left as it was: say it is not filled in, not that the
        # whole line "（联系人：　联系电话：　）" is a bad phone number.
        out.append(make("phone-missing", file=shown, sheet=t.sheet, cell=cell, row=c.row, field="联系电话"))
    elif not is_valid_phone(c.phone):
        out.append(make("phone-invalid", file=shown, sheet=t.sheet, cell=cell, row=c.row,
                        field="联系电话", value=c.phone))
    return out


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


def _hidden_sheet(grid: Grid, tables: list[Table], shown: str) -> list[Finding]:
    """A hidden sheet is not data; one holding a form (an older copy) is named in a warning."""
    return [make("hidden-sheet-ignored", file=shown, sheet=grid.name, name=grid.name, appendix=APPENDIX_NAMES[t.kind])
            for t in tables if t.records]


def _file_specs(grids: Sequence[Grid], opts: Options, shown: str) -> tuple[tuple[TableSpec, TableSpec], list[Finding]]:
    """The tables to look for: the form's own definition, unless ``--indicators`` overrides it."""
    from zhenggai.forms.formdef import describe, read_definition, same_columns

    carried, problem = read_definition(grids)
    found: list[Finding] = []
    if problem is not None:
        fallback = "--indicators 文件" if opts.indicators is not None else "内置的成果指标"
        found.append(make("indicators-definition-invalid", file=shown, sheet=META_SHEET,
                          reason=problem, fallback=fallback))
    if carried is None:
        return opts.specs(), found
    if opts.indicators is None:
        return (APPENDIX1, appendix2(carried)), found
    if not same_columns(carried, opts.indicators):
        found.append(make("indicators-mismatch", file=shown, sheet=META_SHEET,
                          carried=describe(carried), given=describe(opts.indicators)))
    return opts.specs(), found


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def check_file(path: Path, opts: Options, display_name: str | None = None) -> FileResult:
    """Read one workbook, find its tables and apply every rule that needs only this file.

    The one place a checked file's result is built: every step returns its findings and
    tables, gathered here into a frozen :class:`FileResult`.
    """
    # The cyclic collector off for the whole file: reading a big sheet leaves a million
    # cells alive, and the collector's walks over them found nothing (core/gcpause.py);
    # 100,000 rows: about 0.5 of 4.4 s CPU. Reference counting frees everything as before.
    with collector_paused():
        return _check_file(path, opts, display_name)


def _check_file(path: Path, opts: Options, display_name: str | None) -> FileResult:
    shown = display_name or str(path)
    mtime = _mtime(path)
    book = read_book(path, shown, meanwhile=prepare)
    digest = book.sha256 if book.sha256 is not None else _digest(path)  # the reader's bytes, else read here
    found = [*book.findings, *book.notes]
    tables: list[TableResult] = []
    word_rows: dict[str, tuple[int, int]] = {}
    county = None
    if not book.findings:
        tables, notes, word_rows = _find_tables(book.grids, opts, shown)
        found += notes
        if not tables:
            found.append(make("no-table", file=shown, rows=HEADER_SCAN_ROWS))
        else:
            tables, county, found = _check_tables(tables, path, shown, opts, found)
    return FileResult(path=path, display=shown, county=county, tables=tuple(tables), findings=tuple(found),
                      digest=digest, readable=bool(tables), kind=book.fmt, saved=book.saved, mtime=mtime,
                      word_rows=word_rows)


def _find_tables(grids: Sequence[Grid], opts: Options,
                 shown: str) -> tuple[list[TableResult], list[Finding], dict[str, tuple[int, int]]]:
    """The tables of a workbook's visible sheets, the findings about its sheets, and each
    Word table's rows."""
    specs, found = _file_specs(grids, opts, shown)
    from zhenggai.forms.shapes import hidden_findings

    tables: list[TableResult] = []
    word_rows: dict[str, tuple[int, int]] = {}
    last: Table | None = None  # the last table read, which rows without a header may continue
    for grid in grids:
        if grid.name == META_SHEET:
            continue  # zhenggai's own definition of the form (see schema.META_SHEET), never a table
        if grid.name == FINDINGS_SHEET:
            # A -校验标注 copy that the clerk corrected and sent back is a reply: its form
            # sheets count, the list of findings we wrote into it does not.
            continue
        if grid.table_rows is not None:
            word_rows[grid.name] = grid.table_rows
        on_sheet = find_tables(grid, specs)
        if grid.hidden:
            found += _hidden_sheet(grid, on_sheet, shown)
            continue
        if not on_sheet and tables:
            more, said = _headerless(grid, last, shown)
            on_sheet, found = more, found + said
        found += hidden_findings(grid, on_sheet, shown) + deleted_rows(grid, on_sheet, shown)
        tables += [TableResult(table) for table in on_sheet]
        last = on_sheet[-1] if on_sheet else last
    return tables, found, word_rows


def _headerless(grid: Grid, last: Table | None, shown: str) -> tuple[list[Table], list[Finding]]:
    """A sheet (or Word table) with no header after the file's first table: the table it
    clearly continues, or an error naming its rows that look like a table's (never dropped
    unread); nothing for a sheet of notes."""
    from zhenggai.forms.continuation import Loose, continuation

    got = continuation(grid, last)
    if got is None:
        return [], []
    if isinstance(got, Loose):
        return [], [make("rows-without-header", file=shown, sheet=grid.name, cell=a1(got.first, 0), row=got.first,
                         name=grid.name, rows=_row_list(got.rows), text=got.text, why=got.why)]
    return [got], []


def _row_list(rows: list[int]) -> str:
    """1-based rows as the clerk reads them: "3–6", "3、5、8", at most ten named."""
    if rows == list(range(rows[0], rows[-1] + 1)) and len(rows) > 2:
        return f"{rows[0]}–{rows[-1]}"
    return "、".join(map(str, rows[:10])) + (" 等" if len(rows) > 10 else "")


def _check_tables(tables: list[TableResult], path: Path, shown: str, opts: Options,
                  earlier: Sequence[Finding]) -> tuple[list[TableResult], str | None, list[Finding]]:
    """Every rule of the file's tables: the checked tables, the file's county, and the
    file's findings (``earlier`` ones first, turned back onto the cells a clerk sees)."""
    tables, joined, notes = join_continued(tables, _table_notes, shown)
    found = [*earlier, *notes]
    checked: list[TableResult] = []
    for t in tables:
        found += _table_notes(t.table, shown)
        if t.blank:
            # Row rules on an unfilled form would only list every empty cell.
            found.append(make("blank-form", file=shown, sheet=t.table.sheet, appendix=APPENDIX_NAMES[t.table.kind]))
        else:
            t, notes = check_table(t, shown, opts)
            found += notes + _contact_findings(t.table, shown)
        checked.append(t)
    for index, offset, sheet in joined:
        # Before the county is resolved: a 附件1 split by its 县（市、区） column keeps its
        # rows' own sheets. No later finding lies on a continuation's rows (those are 附件2's).
        checked[index], found = split_back(found, checked[index], offset, sheet)
    checked, county, notes = resolve_county(checked, path, shown)
    found += notes
    for i, t in enumerate(checked):
        if t.table.kind == TableKind.APPENDIX2 and not t.blank:
            checked[i], blanks = _blank_figures(t, shown)
            found += blanks + _plausibility(t, shown)
    for sheet in {t.table.sheet for t in checked if t.table.transposed}:
        found = [turn_back(x) if x.sheet == sheet else x for x in found]
    return checked, county, found


def implausible(c: Column, value: float, text: object = None) -> str | None:
    """The likely cause when ``value`` lies outside the column's plausible range, else None.

    500000 in a 万元 column that would be plausible divided by 10000 is 元 typed as 万元:
    the cause says so, with the figure converted, so the clerk can correct it. Not when
    the clerk's ``text`` states its own unit ("5000万元", "0.5亿"): that was not typed in 元.
    """
    if c.plausible is None:
        return None
    low, high = c.plausible
    if low <= value <= high:
        return None
    if isinstance(text, str) and parse_number(text).unit:
        return f"填写的是“{text.strip()}”，请核实"
    if (yuan := c.as_yuan(value)) is not None:
        return f"是否按元填写？请换算为万元（{number_text(yuan)} 万元）"
    if value > high:
        return "是否多写了位数，或按其他单位填写？请核实"
    return "请核实"


def _blank_figures(t: TableResult, shown: str) -> tuple[TableResult, list[Finding]]:
    """A blank 成果 cell in the row that counts for a county is not a figure: ``number-blank``,
    in no total (the README: what is not known is NA, never 0).

    The row reader reads a blank as 0 so that a township's empty cell adds nothing to a
    sum; the figure a county reports upward is what it wrote, and a blank says neither 0
    (the form asks for 0, — or 无 then, and those are read as 0) nor a number. Rows summed
    from townships (``parts``) keep their sum; counts (反馈问题数…) are checked against 附件1.
    """
    spec, cols = t.table.spec, t.table.header.cols
    keys = [(c, spec.keys.index(c.key)) for c in spec.columns if c.indicator and c.key in cols]
    counties: dict[str, Stats] = {}
    found: list[Finding] = []
    for name, s in t.counties.items():
        blank = [(c, i) for c, i in keys if not s.parts and s.numbers.get(c.key) == 0.0 and not clean_text(s.values[i])]
        if blank:
            numbers, reasons = dict(s.numbers), dict(s.reasons)
            for c, _ in blank:
                numbers[c.key] = None
                reasons[c.key] = "空白，县里没有填写这个数（0 请填 0 或“无”）"
                found.append(make("number-blank", file=shown, sheet=t.table.sheet, cell=a1(s.row, cols[c.key]),
                                  row=s.row, field=c.header))
            s = replace(s, numbers=numbers, reasons=reasons)
        counties[name] = s
    return replace(t, counties=counties), found


def _plausibility(t: TableResult, shown: str) -> list[Finding]:
    """``indicator-implausible`` on each counted 附件2 figure outside its column's range."""
    cols = t.table.header.cols
    out: list[Finding] = []
    for s in t.counties.values():
        for c in t.table.spec.columns:
            value = s.numbers.get(c.key)
            if value is None or c.key not in cols:
                continue
            cause = implausible(c, value, s.values[t.table.spec.keys.index(c.key)])
            if cause is not None:
                assert c.plausible is not None
                low, high = c.plausible
                out.append(make("indicator-implausible", file=shown, sheet=t.table.sheet, cell=a1(s.row, cols[c.key]),
                                row=s.row, field=c.header, value=number_text(value), low=number_text(low),
                                high=number_text(high), cause=cause))
    return out


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


def cross_check(results: Sequence[FileResult]) -> list[FileResult]:
    """附件2's 反馈问题数 / 已完成整改数 against the county's 附件1 (same or paired file): the
    results again, each 附件2's file with the findings about it added (new values)."""
    a1s: dict[str, list[tuple[TableResult, FileResult]]] = {}
    a2s: dict[str, list[tuple[int, TableResult, Stats]]] = {}
    for i, f in enumerate(results):
        if not f.readable:
            continue
        for t in f.tables:
            if t.blank:
                continue
            # A workbook holding both tables is one county's reply even when no county
            # name could be found in it: pair its own two tables.
            if t.table.kind == TableKind.APPENDIX1:
                a1s.setdefault(t.county or f"\0{f.path}", []).append((t, f))
            else:
                for name, s in t.counties.items():
                    a2s.setdefault(name or f"\0{f.path}", []).append((i, t, s))
    pairs: list[_Pair] = []
    for county, t1s in a1s.items():
        t2s = a2s.get(county, [])
        if len(t1s) != 1 or len(t2s) != 1:
            continue  # nothing to pair, or duplicates: merge decides which one counts
        i, t2, s = t2s[0]
        t1, f1 = t1s[0]
        pairs.append((i, t1, f1, t2, s))
    more: dict[int, list[Finding]] = {}
    for (i, *_), found in zip(pairs, _cross_pairs(pairs, results), strict=True):
        more.setdefault(i, []).extend(found)
    return [f.with_findings(more.get(i, ())) for i, f in enumerate(results)]


_Pair = tuple[int, TableResult, FileResult, TableResult, Stats]
PAIRS_MIN = 200
"""Counties from which the second CPU pays for the cross checks (~0.5 ms each, most of it the
figures the measures state; a fork and its pipe ~20 ms)."""


def _cross_pairs(pairs: Sequence[_Pair], results: Sequence[FileResult]) -> list[list[Finding]]:
    """:func:`cross_pair` of each county's pair, in order. With many counties and an idle second
    CPU (intake/second_cpu.py), a forked child checks the second half while this process checks
    the first: the same findings in the same order (a failed child's half is checked here)."""
    from zhenggai.intake import second_cpu

    def run(part: Sequence[_Pair]) -> list[list[Finding]]:
        return [cross_pair(t1, results[i].display, t2, s, f1=f1) for i, t1, f1, t2, s in part]

    half = len(pairs) // 2
    pending = second_cpu.start(lambda: run(pairs[half:])) \
        if len(pairs) >= PAIRS_MIN and second_cpu.available() else None
    if pending is None:
        return run(pairs)
    mine = run(pairs[:half])
    theirs = pending.result()
    return mine + (theirs if isinstance(theirs, list) else run(pairs[half:]))


def cross_pair(t1: TableResult, shown: str, t2: TableResult, s: Stats | None = None, *,
               f1: FileResult | None = None) -> list[Finding]:
    """One county's 附件2 row against its 附件1 (of file ``f1``): the findings, on the 附件2 cells of ``shown``."""
    if s is None:
        if len(t2.counties) != 1:
            return []
        s = next(iter(t2.counties.values()))
    cols = t2.table.header.cols
    rows, done_rows, _ = problem_counts(t1.items)
    total, done = s.numbers.get("total"), s.numbers.get("done")
    spec = t2.table.spec
    out: list[Finding] = []
    if total is not None and "total" in cols and total != rows:
        out.append(make("cross-total-mismatch", file=shown, sheet=t2.table.sheet,
                        cell=a1(s.row, cols["total"]), row=s.row, field=spec.column("total").header,
                        value=number_text(total), total=number_text(total), rows=rows))
    if done is not None and "done" in cols and done != done_rows:
        out.append(make("cross-done-mismatch", file=shown, sheet=t2.table.sheet,
                        cell=a1(s.row, cols["done"]), row=s.row, field=spec.column("done").header,
                        value=number_text(done), done=number_text(done), rows=done_rows))
    # The figures the measures state against 附件2's (issue 19).
    return out + check_quantities(t1, shown, t2, s, f1)


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
    names = names or {}
    if _in_process(len(files)):
        # In process: read_book reports each file to the supervisor, if any (boundary.reading).
        results: list[FileResult] = []
        for i, path in enumerate(files, start=1):
            shown = names.get(path)
            results.append(check_file(path, opts, shown))
            if on_progress is not None:
                on_progress(i, len(files), shown or str(path))
    else:
        results = _check_isolated(files, opts, on_progress, names)
    return cross_check(results)


def _in_process(count: int) -> bool:
    """Whether to read here rather than behind the boundary (boundary.py).

    Where workers cannot be started, in a worker itself, and in a CLI run that is already
    a supervised child (cli/supervise.py: a crash there names the file and the run is
    retried without it) when there is nothing to run in parallel: one file, one CPU, or
    CPUs that other programs keep busy (a second reader would get no CPU of its own and
    only add the cost of sending results back). Either way every file is checked alike.
    """
    from zhenggai.intake import boundary

    if not boundary.available() or boundary.in_worker():
        return True
    return boundary.supervised() and (boundary.pool_size(count) == 1 or boundary.cpus_busy())


def _check_isolated(
    files: Sequence[Path], opts: Options, on_progress: ProgressCallback | None, names: Mapping[Path, str]
) -> list[FileResult]:
    """Each file read and checked in a worker process, in parallel when there are many;
    a file whose worker crashed or broke a limit is ``file-unreadable``, and the run goes on."""
    from zhenggai.intake import boundary

    jobs = [(path, opts, names.get(path)) for path in files]
    finished = 0

    def done(i: int) -> None:
        nonlocal finished
        finished += 1
        if on_progress is not None:
            on_progress(finished, len(files), names.get(files[i]) or str(files[i]))

    out = boundary.run_jobs(check_file, jobs, workers=boundary.pool_size(len(files)), on_done=done)
    return [
        crashed_file(path, names.get(path) or str(path), r.reason) if isinstance(r, boundary.Crash) else r
        for path, r in zip(files, out, strict=True)
    ]


def crashed_file(path: Path, shown: str, reason: str) -> FileResult:
    """The result of a file whose reading crashed or broke a limit (see boundary.py)."""
    from zhenggai.intake.guard import UNREADABLE

    return FileResult(path=path, display=shown, digest=_digest(path), mtime=_mtime(path), readable=False,
                      findings=(make("file-unreadable", file=shown, reason=f"{UNREADABLE}（{reason}）"),))


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
    report, results, _ = validate_inbox(paths, opts, on_progress, feedback=feedback)
    return report, results  # extracted .zip members stay until the process ends


def validate_inbox(
    paths: Sequence[Path],
    opts: Options | None = None,
    on_progress: ProgressCallback | None = None,
    *,
    feedback: FeedbackList | None = None,
) -> tuple[Report, list[FileResult], Inbox]:
    """:func:`validate`, and the inbox holding any extracted .zip members: they stay on
    disk until ``inbox.close()`` (``--annotate`` reads them again after this returns;
    without a close they go when the process ends)."""
    opts = opts or Options()
    box = open_inbox(paths)
    try:
        files, skipped = box.files, box.skipped
        if feedback is not None:
            files = [p for p in files if p.resolve() != feedback.path.resolve()]
        if not files and not any(not s.skipped for s in skipped):
            # "共 0 个文件：0 个错误" with exit 0 would tell a clerk who named the wrong folder
            # that all is well: nothing to check is a usage error.
            from zhenggai.core.errors import InputError

            shown = "、".join(str(p) for p in paths)
            raise InputError(f"{shown} 中没有找到 Excel 工作簿或 Word 文档（.xlsx/.xls/.ods/.docx）")
        results = check_files(files, opts, on_progress, box.names)
        # What the merge will refuse to count (two different copies in one workbook), said
        # before the reply is sent; the merge finds it again while choosing (rollup/county.py).
        results = [f.with_findings(workbook_conflicts(f)) for f in results]
        if feedback is not None:
            from zhenggai.forms.feedback_list import check_coverage

            results = check_coverage(results, feedback)[0]
            if feedback.findings:
                skipped.append(feedback.result())
    except BaseException:
        box.close()
        raise
    return make_report([*results, *skipped]), [*results, *skipped], box
