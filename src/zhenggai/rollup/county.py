"""Many county replies → one prefecture rollup that loses nothing and counts nothing twice.

Every workbook goes through the validate reader and rules; the rollup is built from
exactly what was validated. A county's 附件1 and 附件2 are paired by the county found
inside them, whatever the files are called. Two different submissions of the same
appendix from one county are never both counted: the newest file wins (modification
time, then file name), and both the used and the unused file are named.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from zhenggai.annotate import ANNOTATED_SUFFIX, FINDINGS_SHEET
from zhenggai.check import check_files, cross_pair, expand, problem_counts
from zhenggai.findings import FileReport, Finding, Report, Severity, make, sort_key
from zhenggai.parse import county_from_filename, display, parse_number
from zhenggai.results import APPENDIX_NAMES, FileResult, Options, ProgressCallback, Stats, TableResult
from zhenggai.rollup.layout import MARKER_SHEETS
from zhenggai.rollup.model import (
    MERGE_FILE,
    CountySummary,
    MergeOptions,
    MergeResult,
    Rollup,
    RollupItem,
    RollupStats,
    Status,
    version_key,
)
from zhenggai.schema import APPENDIX1, TableSpec

if TYPE_CHECKING:
    from zhenggai.problems import Coverage


# --- choosing and pairing ---------------------------------------------------------------

# One appendix of one county as found: the file, the table and, for 附件2, the row that
# counts for this county (a table may hold several counties' rows).
Candidate = tuple[FileResult, TableResult, "Stats | None"]


def _content_key(c: Candidate) -> tuple[object, ...]:
    """What a table says for this county, as the clerk sees it: equal keys mean identical copies."""
    if c[2] is not None:
        return (tuple(display(v) for v in c[2].values), tuple(sorted(c[2].numbers.items())))
    return tuple(tuple(display(v) for v in r.values) for r in c[1].table.records)


def _newest_first(candidates: list[Candidate]) -> list[Candidate]:
    def key(c: Candidate) -> tuple[float, str]:
        try:
            mtime = c[0].path.stat().st_mtime
        except OSError:
            mtime = 0.0
        return version_key(mtime, c[0].display)

    return sorted(candidates, key=key)


Notes = list[tuple[str, Finding]]  # (county, finding) for findings about a county, not a cell


def _pick(county: str, kind: str, candidates: list[Candidate], notes: Notes) -> Candidate | None:
    """One table per county and appendix; name what was used and what was not.

    Two different copies inside ONE workbook (Sheet1 and Sheet1 (2), both visible) leave
    no rule to choose by: an error asks which counts, and neither is counted.
    """
    if not candidates:
        return None
    by_file: dict[int, list[Candidate]] = defaultdict(list)
    for c in candidates:
        by_file[id(c[0])].append(c)
    firsts: list[Candidate] = []
    for group in by_file.values():
        # Only several tables of one workbook need comparing (the common case is one).
        distinct = list({_content_key(c): c for c in group}.values()) if len(group) > 1 else group
        if len(distinct) > 1:
            f = group[0][0]
            notes.append((county, make("duplicate-in-workbook", file=f.display, county=county, n=len(distinct),
                                       appendix=APPENDIX_NAMES[kind],
                                       sheets="、".join(f"“{c[1].table.sheet}”" for c in distinct))))
            return None
        for c in group[1:]:
            notes.append((county, make("duplicate-identical", file=c[0].display, sheet=c[1].table.sheet,
                                       county=county, appendix=APPENDIX_NAMES[kind], used=c[0].display,
                                       unused=f"{c[0].display} 工作表“{c[1].table.sheet}”", reason="")))
        firsts.append(group[0])
    ordered = _newest_first(firsts)
    used = ordered[0]
    for other in ordered[1:]:
        same = _content_key(other) == _content_key(used)
        code = "duplicate-identical" if same else "duplicate-submission"
        notes.append((county, make(code, file=other[0].display, sheet=other[1].table.sheet, county=county,
                          appendix=APPENDIX_NAMES[kind], used=used[0].display, unused=other[0].display,
                          reason="修改时间最新" if not same else "")))
    return used


def _match_expected(name: str, expect: Sequence[str]) -> str:
    """Map a county name onto the --expect spelling ("谷城" → "谷城县") when unambiguous."""
    if name in expect:
        return name
    hits = [e for e in expect if e.startswith(name) or name.startswith(e)]
    return hits[0] if len(hits) == 1 else name


# --- building the rollup ----------------------------------------------------------------


_I_DONE, _I_DEADLINE, _I_SEQ = (APPENDIX1.keys.index(k) for k in ("done", "deadline", "seq"))


def _item_values(values: list[object], done: bool | None, deadline: date | None) -> list[object]:
    out = list(values)
    i_done, i_deadline, i_seq = _I_DONE, _I_DEADLINE, _I_SEQ
    if done is not None:
        out[i_done] = "是" if done else "否"  # variants (已完成, 整改中…) written as 是/否
    if deadline is not None:
        out[i_deadline] = deadline
    seq = parse_number(out[i_seq])
    if seq.status == "ok" and seq.value is not None and float(seq.value).is_integer():
        out[i_seq] = int(seq.value)
    return ["" if v is None else v for v in out]


def _extras_text(extras: dict[str, object]) -> str:
    return "；".join(f"{k}：{display(v)}" for k, v in extras.items() if display(v))


def _stats_row(prefecture: str | None, county: str, f: FileResult, t: TableResult, s: Stats) -> RollupStats:
    spec = t.table.spec
    values: dict[str, object] = {}
    unreadable: set[str] = set()
    for i, c in enumerate(spec.columns):
        raw = s.values[i]
        if c.is_number:
            n = s.numbers.get(c.key)
            if n is None and c.key in t.table.header.cols:
                # Unreadable, or an error (negative, a unit that cannot convert, rows that
                # do not add up): written as the clerk wrote it, red, in no total.
                unreadable.add(c.key)
                values[c.key] = display(raw) or ""
            else:
                values[c.key] = n if n is not None else ""
        elif c.key == "county":
            values[c.key] = county
        else:
            values[c.key] = display(raw) or ""
    extra = _extras_text(s.extras)
    if extra:
        values["note"] = "；".join(x for x in (str(values.get("note") or ""), extra) if x)
    return RollupStats(prefecture, county, values, unreadable, f.display, s.row, t.table.sheet, t.table.header.cols,
                       dict(s.reasons))


def _rollup_a2(v: Options, used: list[tuple[str, TableSpec]], notes: Notes) -> TableSpec:
    """附件2's columns in the rollup: ``--indicators``, else the definition the forms carry.

    Forms made by ``init-county`` carry their indicator columns (formdef), so a custom
    附件2 merges without the flag. When counties' forms disagree, the most common
    definition is used and every other county gets an error: its columns that the
    rollup lacks are not counted, and a person must be told.
    """
    if v.indicators is not None or not used:
        return v.specs()[1]
    kinds = Counter(tuple(c.key for c in spec.columns) for _, spec in used)
    top = kinds.most_common(1)[0][0]
    chosen = next(spec for _, spec in used if tuple(c.key for c in spec.columns) == top)

    def shown(spec: TableSpec) -> str:
        return "、".join(c.header for c in spec.columns if c.indicator)

    for county, spec in used:
        if tuple(c.key for c in spec.columns) != top:
            notes.append((county, make("indicators-differ", file=MERGE_FILE, county=county,
                                       carried=shown(spec), used=shown(chosen))))
    return chosen


def build_rollup(
    results: list[FileResult], opts: MergeOptions, coverage: dict[str, Coverage] | None = None
) -> Rollup:
    """Pair, choose, count and total: everything but writing the workbook."""
    v = opts.validate
    expect = tuple(dict.fromkeys(x.strip() for x in opts.expect if x.strip()))
    if not expect and opts.feedback is not None:
        expect = tuple(opts.feedback.counties)  # the list names every county that must answer
    notes: Notes = []
    a1: dict[str, list[Candidate]] = defaultdict(list)
    a2: dict[str, list[Candidate]] = defaultdict(list)
    unreadable: dict[str, list[FileResult]] = defaultdict(list)
    blank: dict[str, list[FileResult]] = defaultdict(list)
    for f in results:
        if f.skipped:
            continue
        if not f.readable:
            guess = county_from_filename(f.path)
            unreadable[_match_expected(guess, expect) if guess else f.display].append(f)
            continue
        unknown = f"（县名未知）{f.display}"
        for t in f.tables:
            if t.blank:
                # A blank issued form or a template is never a reply: it displaces nothing.
                blank[_match_expected(t.county or unknown, expect)].append(f)
            elif t.table.kind == "appendix1":
                a1[_match_expected(t.county or unknown, expect)].append((f, t, None))
            else:
                for name, row in t.counties.items():
                    a2[_match_expected(name or unknown, expect)].append((f, t, row))

    counties = sorted(set(a1) | set(a2) | set(expect) | set(unreadable) | set(blank), key=_county_order(expect))
    summaries: list[CountySummary] = []
    used_a2: list[tuple[str, TableSpec]] = []
    items: list[RollupItem] = []
    stats: list[RollupStats] = []
    for county in counties:
        s = CountySummary(county=county, prefecture=opts.prefecture)
        used1 = _pick(county, "appendix1", a1.get(county, []), notes)
        used2 = _pick(county, "appendix2", a2.get(county, []), notes)
        if used1 and used2 and (len(a1[county]) > 1 or len(a2[county]) > 1):
            # validate's cross check skips counties with several copies; now that one
            # of each is chosen, check the pair that will be counted.
            cross_pair(used1[1], *used2)
        used_files = {id(x[0]): x[0] for x in (used1, used2) if x is not None}
        s.files = sorted(f.display for f in used_files.values())
        if used1 is not None:
            f, t, _ = used1
            for it in t.items:
                items.append(RollupItem(opts.prefecture, county, _item_values(it.values, it.done, it.deadline),
                                        it.category, f.display, it.row, _extras_text(it.extras), it.errors,
                                        t.table.sheet, t.table.header.cols))
            s.rows_read = len(t.table.records)
            # Problems, not rows: a 问题描述 merged over several measure rows is one problem.
            s.total, s.done, s.open = problem_counts(t.items)
            overdue: set[int] = {it.problem for it in t.items if it.done is False and it.deadline is not None
                                 and it.deadline < v.as_of}
            s.overdue = len(overdue)
        if used2 is not None:
            f, t, chosen = used2
            used_a2.append((county, t.table.spec))
            if chosen is not None:
                row = chosen
                stats.append(_stats_row(opts.prefecture, county, f, t, row))
                if used1 is None:
                    s.total = int(row.numbers.get("total") or 0)
                    s.done = int(row.numbers.get("done") or 0)
                    s.open = int(row.numbers.get("open") or 0)
        if used1 and used2:
            s.status = Status.SUBMITTED
        elif used1:
            s.status = Status.NO_APPENDIX2
        elif used2:
            s.status = Status.NO_APPENDIX1
        elif county in unreadable:
            s.status = Status.UNREADABLE
            s.files = sorted(f.display for f in unreadable[county])
        elif county in blank:
            s.status = Status.BLANK
            s.files = sorted({f.display for f in blank[county]})
        if s.status in (Status.NO_APPENDIX1, Status.NO_APPENDIX2):
            missing = APPENDIX_NAMES["appendix1" if s.status is Status.NO_APPENDIX1 else "appendix2"]
            notes.append((county, make("appendix-missing", file=MERGE_FILE, county=county, appendix=missing)))
        elif s.status is Status.MISSING:
            notes.append((county, make("county-not-submitted", file=MERGE_FILE, county=county)))
        elif s.status is Status.BLANK:
            notes.append((county, make("county-blank-only", file=MERGE_FILE, county=county)))
        if expect and county not in expect and s.status is not Status.UNREADABLE:
            notes.append((county, make("county-unexpected", file=MERGE_FILE, county=county)))
        summaries.append(s)

    a2_spec = _rollup_a2(v, used_a2, notes)
    used_paths = {name for s in summaries for name in s.files}
    for f in results:
        if f.readable and f.tables and f.display not in used_paths:
            # Not used (a duplicate): its own findings would be counted for nothing;
            # the duplicate note names it and says which file was used instead.
            f.findings = []
    report = _report(results, [n for _, n in notes])
    by_file = {fr.path: fr for fr in report.files}
    about: dict[str, list[Finding]] = defaultdict(list)
    for county, n in notes:
        about[county].append(n)
    written = Counter(it.county for it in items)  # one pass: not one scan of all items per county
    for s in summaries:
        own = [f for name in s.files if name in by_file for f in by_file[name].findings]
        own += [n for n in about[s.county] if n.file not in s.files]
        s.rows_written = written[s.county]
        if opts.feedback is not None:
            listed = opts.feedback.for_county(s.county)
            got = (coverage or {}).get(s.county)
            s.coverage = (got.answered, got.total) if got else (0, len(listed or []))
        s.errors = sum(1 for f in own if f.severity is Severity.ERROR)
        s.warnings = sum(1 for f in own if f.severity is Severity.WARNING)
    return Rollup(opts.prefecture, v.as_of, a2_spec, summaries, items, stats, report)


def _county_order(expect: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    order = {name: i for i, name in enumerate(expect)}

    def key(name: str) -> tuple[int, str]:
        return (order.get(name, len(order)), name)

    return key


def _report(results: list[FileResult], notes: list[Finding]) -> Report:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for n in notes:
        by_file[n.file].append(n)
    files = []
    for f in results:
        rep = f.report()
        extra = by_file.pop(f.display, [])
        if extra:
            rep = FileReport(rep.path, rep.county, rep.tables, tuple(sorted([*rep.findings, *extra], key=sort_key)))
        files.append(rep)
    for name, extra in by_file.items():
        files.append(FileReport(name, None, (), tuple(sorted(extra, key=sort_key))))
    return Report(tuple(sorted(files, key=lambda fr: fr.path)))


# --- the run ----------------------------------------------------------------------------


def own_output(path: Path) -> str | None:
    """"rollup" or "annotated" for workbooks zhenggai wrote itself, else None.

    Only the sheet list is read (calamine loads sheets lazily), so this is cheap.
    """
    import python_calamine as pc

    try:
        with pc.CalamineWorkbook.from_path(str(path)) as wb:
            names = wb.sheet_names
    except Exception:  # noqa: BLE001 - unreadable files are reported by the reader
        return None
    if set(names) >= MARKER_SHEETS:
        return "rollup"
    if names and names[0] == FINDINGS_SHEET and path.stem.endswith(ANNOTATED_SUFFIX):
        return "annotated"
    return None


def collect(
    paths: Sequence[Path], output: Path | None
) -> tuple[list[Path], list[Path], list[FileResult]]:
    """County replies, earlier rollups, and skipped files (output excluded)."""
    files, skipped = expand(paths)
    out_key = output.resolve() if output is not None else None
    replies: list[Path] = []
    rollups: list[Path] = []
    for p in files:
        if out_key is not None and p.resolve() == out_key:
            # Silently: a second run with the output in the input folder must give
            # the same rollup as the first.
            continue
        elif p.name.startswith(".zhenggai-"):
            skipped.append(_skipped(p, "汇总写入时的临时文件"))
        else:
            kind = own_output(p)
            if kind == "rollup":
                rollups.append(p)
            elif kind == "annotated":
                skipped.append(_skipped(p, "这是 validate --annotate 生成的标注副本"))
            else:
                replies.append(p)
    return replies, rollups, skipped


def _skipped(p: Path, reason: str) -> FileResult:
    return FileResult(p, str(p), findings=[make("file-skipped", file=str(p), reason=reason)],
                      readable=False, skipped=True)


def merge(
    paths: Sequence[Path],
    output: Path | None,
    opts: MergeOptions | None = None,
    *,
    force: bool = False,
    write: bool = True,
    strict: bool = False,
    on_progress: ProgressCallback | None = None,
) -> MergeResult:
    """Validate every reply under ``paths`` and write the rollup to ``output``.

    A folder of county replies gives a prefecture rollup. A folder of prefecture
    rollups (and no county replies) gives a province rollup. Earlier rollups lying
    among county replies are skipped, never read as county data.
    """
    from zhenggai.errors import OutputExists

    opts = opts or MergeOptions()
    if write and output is not None and output.exists() and not force:
        raise OutputExists(f"文件已存在：{output}（如需覆盖请加 --force）")
    replies, rollups, skipped = collect(paths, output)
    if opts.feedback is not None:
        listed = opts.feedback.path.resolve()
        replies = [p for p in replies if p.resolve() != listed]
    if rollups and not replies:
        from zhenggai.rollup.province import build_province

        rollup = build_province(rollups, opts, skipped, on_progress)
    else:
        skipped += [_skipped(p, "这是以前生成的汇总表，不作为县级数据读取") for p in rollups]
        results = check_files(replies, opts.validate, on_progress)
        coverage = None
        if opts.feedback is not None:
            from zhenggai.problems import check_coverage

            coverage = check_coverage(results, opts.feedback)
            if opts.feedback.findings:
                skipped.append(opts.feedback.result())
        rollup = build_rollup([*results, *skipped], opts, coverage)
    if opts.previous is not None:
        from zhenggai.rounds_load import attach_previous

        attach_previous(rollup, opts.previous, opts, label=output.name if output is not None else "本轮")
    if strict and (rollup.report.errors or rollup.report.warnings):
        write = False
    if write and output is not None:
        from zhenggai.rollup.workbook import write_rollup

        counts = write_rollup(rollup, output, force=force, signoff=opts.signoff)
        for s in rollup.counties:
            # What the workbook really holds, counted by the writer as it wrote.
            s.rows_written = counts.get((s.prefecture, s.county), 0)
    return MergeResult(rollup, output if write else None)
