"""Prefecture rollups → a province rollup: the same tool serves 县 → 市州 → 省.

A prefecture rollup is a workbook zhenggai wrote, so its sheets are read by their
header texts (``layout.py``, which ``workbook.py`` writes); each county row keeps its prefecture in a
市（州） column, and totals are recomputed per prefecture and overall, never copied.
逾期未完成 is recomputed too, as of this run's ``--as-of``, from each item's 是否完成整改
and 完成时限: the prefecture counted it on its own day.

A rollup comes from outside like any county file, so it is read through the same
guarded reader (zip bombs, DTDs, absurd used ranges). A workbook that only looks like
a rollup (a sheet or a header missing) is refused with a finding, never a crash.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path

from zhenggai.core.findings import CATALOGUE, FileReport, Finding, Report, Severity, make, parse_a1, sort_key
from zhenggai.core.parse import clean_text, parse_date, parse_number, parse_yes_no
from zhenggai.core.results import FileResult, ProgressCallback
from zhenggai.core.schema import APPENDIX1
from zhenggai.rollup.figure_marks import mark_stats
from zhenggai.rollup.layout import (
    AS_OF_LABEL,
    CONTACT_PREFIX,
    COUNTY_HEADER,
    FINDINGS,
    HEADER_SEARCH_ROWS,
    ITEMS,
    LEGACY_HEADERS,
    MARKER_SHEETS,
    OVERVIEW,
    PREFECTURE_HEADER,
    STATS,
    TITLE_PREFIX,
    TOTAL_LABELS,
    WORK,
    WORK_TABLES,
)
from zhenggai.rollup.model import (
    MERGE_FILE,
    CountySummary,
    MergeOptions,
    Rollup,
    RollupItem,
    RollupStats,
    Status,
    skipped_list,
)
from zhenggai.rollup.official import plausibility_marks, stats_rows
from zhenggai.rollup.rollup_versions import Versions, join_overlapping, pick_rollup, shared_counties
from zhenggai.rollup.sheet_agreement import OverviewRow, check_agreement
from zhenggai.rollup.stated_totals import stated_totals

_I_DONE, _I_DEADLINE = APPENDIX1.keys.index("done"), APPENDIX1.keys.index("deadline")


class _Refused(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding

_SEVERITY = {s.label: s for s in Severity}
_PLACE = re.compile(rf"^(.+?){TITLE_PREFIX}")
# A prefecture's name at the start of a file name: 襄阳市, 恩施土家族苗族自治州, 神农架林区.
_NAMED_PLACE = re.compile(r"^([\u4e00-\u9fff]{1,12}?(?:自治州|市|州|地区|林区|盟))")
_O = {c.key: c.header for c in OVERVIEW.columns(province=True)}
_F = {c.key: c.header for c in FINDINGS.columns()}
_W = {c.key: c.header for c in WORK.columns(province=True)}

_Key = tuple[str, str]  # (市州, county)
# The columns a rollup's figures are read from, by sheet: without one it cannot be read.
_NEEDED = {OVERVIEW.name: (_O["status"], _O["total"], _O["done"], _O["open"]),
           ITEMS.name: tuple(APPENDIX1.column(k).header for k in ("seq", "problem", "done", "deadline"))}
_Row = list[object]
_At = dict[str, "int | None"]  # a WORK key → its column on one sheet (LEGACY_HEADERS), None: not there


def _at(cols: dict[str, int]) -> _At:
    """Where a sheet holds each 核对底稿 column: the first of its LEGACY_HEADERS it has."""
    return {name: next((cols[h] for h in headers if h in cols), None) for name, headers in LEGACY_HEADERS.items()}


def _cell(row: _Row, i: int | None) -> object:
    """The cell at column ``i`` ("" when the sheet has no such column); rows from ``_table``
    reach its header's width, so any column found in the header is there."""
    return row[i] if i is not None else ""


class _Work:
    """The 核对底稿 lines of one rollup, by county and table, joined back to the stamped
    rows: a county's k-th 附件1 row here belongs to its k-th row on 整改清单汇总. A rollup
    written before 核对底稿 carried these columns on the stamped sheets: ``get`` falls back
    to the stamped row's own columns (LEGACY_HEADERS)."""

    def __init__(self, grid: Sequence[Sequence[object]] | None, prefecture: str) -> None:
        self.lines: dict[tuple[str, str, str], list[_Row]] = {}
        cols, rows = _table(grid or [])
        self.at = _at(cols)
        if _W["table"] not in cols:
            return
        ic, ip, it = cols.get(COUNTY_HEADER), cols.get(PREFECTURE_HEADER), cols[_W["table"]]
        for row in rows:
            county = clean_text(_cell(row, ic))
            if county:
                pref = clean_text(_cell(row, ip)) or prefecture
                self.lines.setdefault((pref, county, clean_text(row[it])), []).append(row)

    def line(self, key: _Key, table: str, k: int = 0) -> _Row | None:
        found = self.lines.get((*key, WORK_TABLES[table]), [])
        return found[k] if k < len(found) else None

    def get(self, name: str, line: _Row | None, own: _Row, own_at: _At) -> object:
        """Column ``name`` (a WORK key) from the 核对底稿 line, else from the stamped row
        (whose sheet's columns are ``own_at``)."""
        i = self.at[name]
        if line is not None and i is not None:
            return line[i]
        return _cell(own, own_at[name])


def _header(rows: Sequence[Sequence[object]]) -> tuple[int, list[str]] | None:
    """The row that holds 县（市、区） or 文件 among the first rows, and its texts."""
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        # Headers are printed with line breaks ("追回企业资金" / "（万元）"): read them whole.
        texts = [clean_text(v).replace("\n", "") for v in row]
        if COUNTY_HEADER in texts or (_F["file"] in texts and _F["message"] in texts):
            return r, texts
    return None


def _table(rows: Sequence[Sequence[object]]) -> tuple[dict[str, int], list[_Row]]:
    """Header positions and the data rows under the row that holds 县（市、区） or 文件.

    The rows are the grid's own (not copied: a national rollup's are 120,000), a short one
    padded to the header's width."""
    found = _header(rows)
    if found is None:
        return {}, []
    r, texts = found
    width = len(texts)
    data: list[_Row] = []
    for x in rows[r + 1:]:
        for v in x:
            first = clean_text(v)
            if first:
                break
        else:
            first = ""
        if first.startswith(CONTACT_PREFIX):
            break  # the 联系人 line under the table, and the chart's rows after it
        data.append(x if isinstance(x, list) and len(x) >= width else [*x, *[""] * (width - len(x))])
    return {t: i for i, t in enumerate(texts) if t}, data


def _status(label: str) -> Status:
    # A label we did not write (someone edited the rollup) is not 已报送: shown in red.
    return Status.from_label(label) or Status.UNREADABLE


def _get(row: _Row, cols: dict[str, int], name: str) -> object:
    return _cell(row, cols.get(name))


def _int(v: object) -> int:
    if type(v) is float and v.is_integer() and abs(v) < 2**53:
        return int(v)  # the common cell (calamine reads numbers as floats): what parse_number gives
    n = parse_number(v)
    return int(n.value) if n.value is not None else 0


_Parsed = tuple[str, list[CountySummary], list[RollupItem], list[RollupStats], list[FileReport]]


def _load(path: Path, shown: str) -> dict[str, list[list[object]]]:
    """Sheet name → rows, read by the guarded reader; raises _Refused with its finding."""
    return _load_timed(path, shown)[0]


def _load_timed(path: Path, shown: str) -> tuple[dict[str, list[list[object]]], datetime | None]:
    """Sheet name → rows and the last-saved time the workbook carries inside it."""
    from zhenggai.intake.reader import read_book

    book = read_book(path, shown)
    if book.findings:
        raise _Refused(book.findings[0])
    return {g.name: g.rows for g in book.grids}, book.saved


def _read_one(
    path: Path,
    shown: str,
    fallback: str,
    opts: MergeOptions,
    sheets: dict[str, list[list[object]]] | None = None,
    as_of: date | None = None,
) -> _Parsed:
    """Every sheet of one prefecture rollup, from a single guarded read of the workbook;
    raises _Refused with the finding when it cannot be read as a rollup. 逾期 is recounted
    as of ``as_of`` (this run's --as-of by default)."""
    if sheets is None:
        sheets = _load(path, shown)
    missing = [s.name for s in (OVERVIEW, ITEMS, STATS) if s.name not in sheets]
    if missing:
        raise _Refused(make("rollup-incomplete", file=shown, detail="缺少工作表“" + "”“".join(missing) + "”"))
    for spec in (OVERVIEW, ITEMS, STATS):
        found = _header(sheets[spec.name])
        if found is None:
            raise _Refused(make("rollup-incomplete", file=shown,
                                detail=f"工作表“{spec.name}”前 {HEADER_SEARCH_ROWS} 行中找不到“{COUNTY_HEADER}”表头"))
        # A column the counts are read from, deleted by hand: every county would read as
        # 文件无法读取 or 0 (audit28), so the rollup is refused whole.
        if lacking := [h for h in _NEEDED.get(spec.name, ()) if h not in found[1]]:
            raise _Refused(make("rollup-incomplete", file=shown,
                                detail=f"工作表“{spec.name}”缺少“" + "”“".join(lacking) + "”列"))
    notes: list[Finding] = []
    if FINDINGS.name not in sheets or _header(sheets[FINDINGS.name]) is None:
        notes.append(make("rollup-no-findings", file=shown))
    # The title, wherever it is: rollups carry a 附件 label in A1 before it (older ones did not).
    texts = (clean_text(v) for r in sheets[OVERVIEW.name][:HEADER_SEARCH_ROWS] for v in r)
    title = next((t for t in texts if TITLE_PREFIX in t), "")
    m = _PLACE.match(title)
    prefecture = m.group(1) if m and m.group(1) not in ("", "全省") else ""
    if not prefecture:
        # Merged without --prefecture: the title names no place. The file name is a guess
        # (襄阳市汇总表（修改）.xlsx → 襄阳市), so say so; its counties decide which rollups
        # are versions of one prefecture (_join_overlapping), not this name.
        named = _NAMED_PLACE.match(fallback)
        prefecture = named.group(1) if named else fallback
        notes.append(make("rollup-unnamed", file=shown, prefecture=prefecture))

    work = _Work(sheets.get(WORK.name), prefecture)
    lines: dict[tuple[str | None, str], OverviewRow] = {}
    counties = _counties(path, sheets[OVERVIEW.name], prefecture, work, lines)
    items = _items(path, sheets[ITEMS.name], prefecture, work)
    stats = _stats(path, sheets[STATS.name], prefecture, opts, {(c.prefecture, c.county): c for c in counties},
                   work)
    _recount_overdue(counties, items, as_of or opts.validate.as_of)
    reports = _findings(path, sheets.get(FINDINGS.name, []))
    a2 = opts.validate.specs()[1]
    read = Rollup(prefecture, as_of or opts.validate.as_of, a2, counties, items, stats, Report(tuple(reports)))
    notes += check_agreement(shown, read, lines, _named(sheets[ITEMS.name], prefecture),
                             _named(sheets[STATS.name], prefecture))
    mark_stats(stats, (f for fr in reports for f in fr.findings), a2)  # the warned figures, as the merge marked them
    for spec, headers in ((STATS, [c.header for c in a2.columns if c.is_number]),
                          (OVERVIEW, [_O["total"], _O["done"], _O["open"]])):
        grid = sheets[spec.name]
        notes += stated_totals(shown, spec.name, grid, _header(grid), headers)
    if notes:
        reports.append(FileReport(shown, None, (), tuple(notes)))
    return prefecture, counties, items, stats, reports


def _pref(row: _Row, cols: dict[str, int], prefecture: str) -> str:
    return clean_text(_get(row, cols, PREFECTURE_HEADER)) or prefecture


def _named(grid: list[list[object]], prefecture: str) -> set[tuple[str | None, str]]:
    """Every (市州, county) a sheet has a line for (a placeholder line too), 合计 rows left out."""
    cols, rows = _table(grid)
    names = {(_pref(row, cols, prefecture), clean_text(_get(row, cols, COUNTY_HEADER))) for row in rows}
    return {(p, c) for p, c in names if c and c not in TOTAL_LABELS}


def _counties(path: Path, grid: list[list[object]], prefecture: str, work: _Work,
              lines: dict[tuple[str | None, str], OverviewRow]) -> list[CountySummary]:
    """汇总概览's county rows, with files, errors and coverage from 核对底稿; ``lines`` gets
    each county's cells as typed (``sheet_agreement`` checks them against the other sheets)."""
    cols, rows = _table(grid)
    own = _at(cols)
    head = (_header(grid) or (0, []))[0]
    at = {k: cols[_O[k]] for k in ("total", "done", "open") if _O[k] in cols}
    counties: list[CountySummary] = []
    for r, row in enumerate(rows, start=head + 2):
        county = clean_text(_get(row, cols, COUNTY_HEADER))
        if not county or county in TOTAL_LABELS:
            continue
        key = (_pref(row, cols, prefecture), county)
        lines[key] = OverviewRow(r, clean_text(_get(row, cols, _O["status"])), {k: row[i] for k, i in at.items()}, at)
        line = work.line(key, "overview")
        cov = clean_text(work.get("coverage", line, row, own))
        coverage = None
        if "/" in cov:
            a, b = cov.split("/", 1)
            coverage = (_int(a), _int(b))
        # The writer puts one source file per line; rollups written before that joined them with "、".
        raw_files = str(work.get("files", line, row, own) or "")
        files = [clean_text(x) for x in raw_files.split("\n" if "\n" in raw_files else "、")]
        counties.append(CountySummary(
            county=county, prefecture=key[0], status=_status(clean_text(_get(row, cols, _O["status"]))),
            total=_int(_get(row, cols, _O["total"])), done=_int(_get(row, cols, _O["done"])),
            open=_int(_get(row, cols, _O["open"])), overdue=_int(_get(row, cols, _O["overdue"])),
            errors=_int(work.get("errors", line, row, own)), warnings=_int(work.get("warnings", line, row, own)),
            files=[f"{path.name}›{x}" for x in files if x], coverage=coverage,
            rows_read=None, rows_written=None,  # not in the workbook: unknown, not 0
            official=coverage is not None,  # written with a feedback list: the figures are the list's
        ))
    return counties


_ITEM_WORK = ("files", "category", "source_row", "extras", "errors")  # what an item takes from 核对底稿


def _items(path: Path, grid: list[list[object]], prefecture: str, work: _Work) -> list[RollupItem]:
    """整改清单汇总's rows (not a county's 未报送 line), with source and errors from 核对底稿.

    One object is kept for each distinct short text (``keep``): the grid gives every cell a
    string of its own, but a county's name, 是/否, a 责任人 or 责任单位 repeat on many of a
    national rollup's 58,000 rows, and merge --previous holds last round's rows through the
    merge (issue 22). 问题描述 and 整改措施 are nearly all different: hashing them saves nothing."""
    cols, rows = _table(grid)
    own = _at(cols)
    at = [(cols.get(c.header), c.key not in ("problem", "measure")) for c in APPENDIX1.columns]
    # Each 核对底稿 column: where the 核对底稿 line has it, else where this sheet has it (``_Work.get``).
    take = [(work.at[name], own[name]) for name in _ITEM_WORK]
    whole = [w for w, _ in take if w is not None]
    from_work = itemgetter(*whole) if len(whole) == len(take) else None  # a 核对底稿 line holds them all
    i_county, i_seq, i_problem = cols.get(COUNTY_HEADER), cols.get(_SEQ_HEADER), cols.get(_PROBLEM_HEADER)
    texts: dict[str, str] = {}
    keep = texts.setdefault
    days: dict[date, date] = {}
    sources: dict[str, str] = {}
    items: list[RollupItem] = []
    seen: Counter[_Key] = Counter()
    for row in rows:
        county = clean_text(_cell(row, i_county))
        if not county or _placeholder_line(_cell(row, i_seq), _cell(row, i_problem)):
            continue
        values: list[object] = []
        for i, shared in at:
            v = row[i] if i is not None else ""
            if isinstance(v, str):
                if shared:
                    v = keep(v, v)
            elif isinstance(v, date):
                day = v.date() if isinstance(v, datetime) else v
                v = days.setdefault(day, day)
            elif isinstance(v, float) and v.is_integer():
                v = int(v)
            values.append(v)
        pref = _pref(row, cols, prefecture)
        key = (keep(pref, pref), keep(county, county))
        line = work.line(key, "items", seen[key])
        seen[key] += 1
        if line is not None and from_work is not None:
            files, category, source_row, extras, errors = from_work(line)
        else:
            files, category, source_row, extras, errors = (
                line[w] if line is not None and w is not None else row[o] if o is not None else "" for w, o in take)
        source = clean_text(files)
        if source not in sources:
            sources[source] = f"{path.name}›{source}"
        category, extras = clean_text(category), clean_text(extras)
        items.append(RollupItem(key[0], key[1], values, keep(category, category) or None, sources[source],
                                _int(source_row), keep(extras, extras), _int(errors)))
    return items


_SEQ_HEADER, _PROBLEM_HEADER = APPENDIX1.column("seq").header, APPENDIX1.column("problem").header


def _placeholder_line(seq: object, problem: object) -> bool:
    """The line 整改清单汇总 gives a county without 附件1 rows: no 序号, its status as the problem."""
    if isinstance(seq, (int, float)):
        return False  # a number is never blank text: the common row, decided without clean_text
    return clean_text(seq) == "" and Status.from_label(clean_text(problem)) is not None


def _recount_overdue(counties: list[CountySummary], items: list[RollupItem], as_of: date) -> None:
    """逾期未完成 as of this run's day, from each item: open (否) with a 完成时限 before it."""
    overdue: Counter[tuple[str | None, str]] = Counter()
    for it in items:
        done = parse_yes_no(it.values[_I_DONE]).value
        when = parse_date(it.values[_I_DEADLINE]).value
        if done is False and when is not None and when < as_of:
            overdue[(it.prefecture, it.county)] += 1
    for s in counties:
        s.overdue = overdue[(s.prefecture, s.county)]


_WORD_ROW = re.compile(r"第\s*(\d+)\s*行")


def _row_of(cell: str | None) -> int | None:
    """The row of a finding's cell as the 校验问题 sheet writes it: "C5" in a sheet, "第4行"
    (or "表格2 第4行") in a Word table; anything else has no row (never a crash on read-back)."""
    if not cell:
        return None
    if (at := parse_a1(cell)) is not None:
        return at[0]
    m = _WORD_ROW.search(cell)
    return int(m.group(1)) if m else None


def _findings(path: Path, grid: Sequence[Sequence[object]]) -> list[FileReport]:
    cols, rows = _table(grid)
    by_file: dict[str, list[Finding]] = {}
    for row in rows:
        code = clean_text(_get(row, cols, _F["code"]))
        if code not in CATALOGUE:
            continue
        name = f"{path.name}›{clean_text(_get(row, cols, _F['file']))}"
        cell = clean_text(_get(row, cols, _F["cell"])) or None
        by_file.setdefault(name, []).append(Finding(
            code=code, severity=_SEVERITY.get(clean_text(_get(row, cols, _F["severity"])), Severity.INFO),
            message=clean_text(_get(row, cols, _F["message"])), file=name,
            sheet=clean_text(_get(row, cols, _F["sheet"])) or None, cell=cell,
            row=_row_of(cell),
            field=clean_text(_get(row, cols, _F["field"])) or None,
            value=clean_text(_get(row, cols, _F["value"])) or None,
        ))
    return [FileReport(n, None, (), tuple(sorted(fs, key=sort_key))) for n, fs in by_file.items()]


# A county with these statuses sent no usable 附件2: its 成果统计汇总 row only keeps its
# place, and its empty cells are no figures (never 0).
_NO_A2 = frozenset({Status.MISSING, Status.NO_APPENDIX2, Status.UNREADABLE, Status.BLANK})


def _stats(path: Path, grid: list[list[object]], prefecture: str, opts: MergeOptions,
           counties: dict[tuple[str | None, str], CountySummary], work: _Work) -> list[RollupStats]:
    spec = opts.validate.specs()[1]
    cols, rows = _table(grid)
    own = _at(cols)
    out: list[RollupStats] = []
    for row in rows:
        county = clean_text(_get(row, cols, COUNTY_HEADER))
        if not county or county in TOTAL_LABELS:
            continue
        values: dict[str, object] = {}
        unreadable: set[str] = set()
        reasons: dict[str, str] = {}
        for c in spec.columns:
            v = _get(row, cols, c.header)
            if c.is_number:
                n = parse_number(v)
                if n.status == "invalid":
                    unreadable.add(c.key)
                    values[c.key] = clean_text(v)
                elif isinstance(v, str) and v.strip():
                    # The writer puts every figure it counted as a number and one it did not
                    # count (元 typed as 万元, rows that do not add up…) as the clerk's text,
                    # red: "120000" read back as a number would be summed here after the
                    # prefecture refused it.
                    unreadable.add(c.key)
                    values[c.key] = clean_text(v)
                    reasons[c.key] = "在市（州）汇总表中是未计入合计的文字（原因见该表此格的批注）"
                elif n.value is None:
                    # A blank figure cell: the writer writes every counted figure as a number
                    # (0 too), so a blank is a figure the county did not state (or a county
                    # without 附件2, below): in no total, never 0.
                    unreadable.add(c.key)
                    values[c.key] = ""
                    reasons[c.key] = "在市（州）汇总表中是空白（县里没有填报这个数）"
                else:
                    values[c.key] = n.value
            else:
                values[c.key] = clean_text(v)
        values["county"] = county
        pref = clean_text(_get(row, cols, PREFECTURE_HEADER)) or prefecture
        source = clean_text(work.get("files", work.line((pref, county), "stats"), row, own))
        st = RollupStats(pref, county, values, unreadable, f"{path.name}›{source}" if source else "", 0,
                         marks=plausibility_marks(spec, values, unreadable))
        st.reasons.update(reasons)
        summary = counties.get((pref, county))
        if summary is not None and summary.status in _NO_A2:
            st.status = summary.status
            for c in spec.columns:
                if c.is_number and clean_text(_get(row, cols, c.header)) == "":
                    st.unreadable.add(c.key)
                    st.values[c.key] = ""
                    st.reasons[c.key] = f"{county}{summary.status.label}，没有附件2 的数"
        out.append(st)
    return out


def build_province(
    rollups: Sequence[Path],
    opts: MergeOptions,
    skipped: list[FileResult],
    on_progress: ProgressCallback | None = None,
    names: dict[Path, str] | None = None,
) -> Rollup:
    """Read prefecture rollups; one rollup per prefecture, chosen by ``versions.py``'s rules
    when a prefecture sent two (never by file-system time alone without an error)."""
    from zhenggai.rollup.prefectures import prefecture_rows

    notes: list[Finding] = []
    names = names or {}
    parsed, versions, refused = _read_all(rollups, opts, on_progress, names)
    guessed = {path for path, data in parsed.items() if any(f.code == "rollup-unnamed" for r in data[4]
                                                           for f in r.findings)}
    versions = join_overlapping(versions, {path: data[1] for path, data in parsed.items()}, guessed)
    chosen: dict[str, FileResult] = {}
    doubt: set[str] = set()
    for prefecture, found in versions.items():
        chosen[prefecture] = pick_rollup(prefecture, found, notes, doubt)
    notes += shared_counties({p: parsed[fr.path][1] for p, fr in chosen.items()}, _county_contents(parsed, chosen))
    counties: list[CountySummary] = []
    items: list[RollupItem] = []
    stats: list[RollupStats] = []
    files: list[FileReport] = [r.report() for r in [*skipped, *refused]]
    for prefecture in sorted(chosen):
        _, c, it, st, reports = parsed[chosen[prefecture].path]
        if prefecture in doubt:  # visible in 汇总概况: which rollup counts is for a person to confirm
            for s in c:
                if s.status == Status.SUBMITTED:
                    s.status = Status.VERSION_UNCERTAIN
        counties += c
        items += it
        stats += st
        files += reports
    per_county = Counter((it.prefecture, it.county) for it in items)  # one pass, not one per county
    for s in counties:
        s.rows_read = s.rows_written = per_county[(s.prefecture, s.county)]
    prefectures = prefecture_rows(opts.expect, chosen, counties, notes)
    if notes:
        files.append(FileReport(MERGE_FILE, None, (), tuple(sorted(notes, key=sort_key))))
    report = Report(tuple(sorted(files, key=lambda fr: fr.path)))
    as_of = opts.validate.as_of if isinstance(opts.validate.as_of, date) else date.today()
    used = {chosen[p].display for p in chosen}
    spec = opts.validate.specs()[1]
    return Rollup(opts.prefecture, as_of, spec, counties, items, stats_rows(counties, stats, spec), report,
                  province=True, skipped=skipped_list([*skipped, *refused], used, notes), prefectures=prefectures)


def _county_contents(parsed: dict[Path, _Parsed], chosen: dict[str, FileResult]) -> dict[tuple[str, str], object]:
    """(prefecture, county) → its 附件1 rows and 附件2 figures as read, to tell one reply filed in
    two prefectures' rollups from two counties of one name."""
    out: dict[tuple[str, str], object] = {}
    for prefecture, fr in chosen.items():
        _, _, items, stats, _ = parsed[fr.path]
        rows: dict[str, list[object]] = {}
        for it in items:
            rows.setdefault(it.county, []).append(tuple(map(str, it.values)))
        for st in stats:
            rows.setdefault(st.county, []).append(tuple(sorted((k, str(v)) for k, v in st.values.items())))
        for county, content in rows.items():
            out[(prefecture, county)] = tuple(content)
    return out


def _read_all(
    rollups: Sequence[Path], opts: MergeOptions, on_progress: ProgressCallback | None, names: dict[Path, str]
) -> tuple[dict[Path, _Parsed], Versions, list[FileResult]]:
    """Every rollup read once: parsed by path, the versions of each prefecture, the refused ones."""
    parsed: dict[Path, _Parsed] = {}
    versions: Versions = {}
    refused: list[FileResult] = []
    for i, path in enumerate(sorted(rollups), start=1):
        fallback = path.stem.replace("汇总表", "").replace("汇总", "") or path.stem
        shown = names.get(path, str(path))
        try:
            sheets, saved = _load_timed(path, shown)
            data = _read_one(path, shown, fallback, opts, sheets)
        except _Refused as exc:
            refused.append(FileResult(path, shown, findings=(exc.finding,), readable=False))
            continue
        parsed[path] = data
        fr = FileResult(path, shown, saved=saved, mtime=path.stat().st_mtime)
        # Two copies of one rollup (downloaded twice) count once, whatever their names and times.
        content = tuple((k, tuple(tuple(r) for r in v)) for k, v in sorted(sheets.items()))
        versions.setdefault(data[0], []).append((fr, content))
        if on_progress is not None:
            on_progress(i, len(rollups), shown)
    return parsed, versions, refused


def read_rollup(path: Path, opts: MergeOptions | None = None) -> Rollup:
    """A rollup workbook zhenggai wrote (prefecture or province), read back as a ``Rollup``.

    Read through the same guarded reader as county files. 逾期 is recounted as of the
    rollup's own 统计截至 date (its subtitle), so the figures are those it showed.
    Raises ``InputError`` (Chinese message) when the file is not such a workbook.
    """
    from zhenggai.core.errors import InputError

    opts = opts or MergeOptions()
    try:
        sheets = _load(path, str(path))
    except _Refused as exc:
        raise InputError(f"无法读取汇总表 {path}：{exc.finding.message}") from exc
    names = set(sheets)
    if not names >= MARKER_SHEETS:
        raise InputError(f"{path} 不是 zhenggai 生成的汇总表（缺少工作表：{'、'.join(sorted(MARKER_SHEETS - names))}）")
    grid = sheets[OVERVIEW.name]
    province = any(PREFECTURE_HEADER in (clean_text(v).replace("\n", "") for v in row)
                   for row in grid[:HEADER_SEARCH_ROWS])
    # "统计截至 2022年7月15日" (or 2022-07-15, as older rollups wrote it) above the header.
    above = " ".join(clean_text(v) for row in grid[:HEADER_SEARCH_ROWS] for v in row)
    m = re.search(rf"{AS_OF_LABEL}\s*(\d{{4}})[-年](\d{{1,2}})[-月](\d{{1,2}})", above)
    as_of = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else opts.validate.as_of
    try:
        prefecture, counties, items, stats, reports = _read_one(path, str(path), path.stem, opts, sheets, as_of)
    except _Refused as exc:
        raise InputError(f"无法读取汇总表 {path}：{exc.finding.message}") from exc
    report = Report(tuple(sorted(reports, key=lambda fr: fr.path)))
    return Rollup(prefecture, as_of, opts.validate.specs()[1], counties, items, stats, report, province=province)
