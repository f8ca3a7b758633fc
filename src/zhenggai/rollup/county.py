"""Many county replies → one prefecture rollup that loses nothing and counts nothing twice.

Every workbook goes through the validate reader and rules; the rollup is built from
exactly what was validated. A county's 附件1 and 附件2 are paired by the county found
inside them, whatever the files are called. Two different submissions of the same
appendix from one county are never both counted: ``versions.py`` chooses by the time
saved inside the file, then by a version mark in the name, and says so; a choice that
rests only on file-system time is an error and marks the county. Every file that
does not reach the rollup is listed with its reason (``Rollup.skipped``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from zhenggai.checking.files import cross_pair, problem_counts
from zhenggai.checking.workbook_copies import Candidate, conflict, content_key
from zhenggai.core.codes import FindingCode
from zhenggai.core.findings import FileReport, Finding, Report, Severity, make, sort_key
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import county_from_filename, display, parse_number, unnamed_county
from zhenggai.core.results import (
    APPENDIX_NAMES,
    FINDINGS_SHEET,
    FileResult,
    Options,
    Stats,
    TableResult,
)
from zhenggai.core.schema import APPENDIX1, TableSpec
from zhenggai.rollup.attribution import named_elsewhere, near_names
from zhenggai.rollup.layout import MARKER_SHEETS, PROGRESS_SHEET
from zhenggai.rollup.model import (
    MERGE_FILE,
    CountySummary,
    Mark,
    MergeOptions,
    Rollup,
    RollupItem,
    RollupStats,
    Status,
    skipped_list,
)
from zhenggai.rollup.official import VERSION_NOTE, apply_official, plausibility_marks, stats_rows, total_incomplete

if TYPE_CHECKING:
    from zhenggai.intake.inbox import Inbox


# --- choosing and pairing ---------------------------------------------------------------

Notes = list[tuple[str, Finding]]  # (county, finding) for findings about a county, not a cell
# A county whose 附件2 version is in doubt: column key → (unused file, its figure there) per other version.
Unsure = dict[str, list[tuple[str, "float | None"]]]


def _pick(county: str, kind: TableKind, candidates: list[Candidate], notes: Notes, doubt: set[str],
          unsure: Unsure | None = None) -> Candidate | None:
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
        if (clash := conflict(county, kind, group)) is not None:
            notes.append((county, clash))
            return None
        for c in group[1:]:
            notes.append((county, make("duplicate-identical", file=c[0].display, sheet=c[1].table.sheet,
                                       county=county, appendix=APPENDIX_NAMES[kind], used=c[0].display,
                                       unused=f"{c[0].display} 工作表“{c[1].table.sheet}”", reason="")))
        firsts.append(group[0])
    return _pick_version(county, kind, firsts, notes, doubt, unsure)


def _pick_version(county: str, kind: TableKind, firsts: list[Candidate], notes: Notes, doubt: set[str],
                  unsure: Unsure | None = None) -> Candidate:
    """One of several files (one candidate each): identical copies count once, different
    versions are decided by ``versions.decide`` and named with the reason and the differences.
    A doubtful choice leaves in ``unsure`` each figure another version states otherwise."""
    if len(firsts) == 1:
        return firsts[0]  # one file: nothing to compare (its content is not even looked at)
    from zhenggai.checking.versions import decide, differences, differing_figures

    groups: dict[tuple[object, ...], list[Candidate]] = {}
    for c in firsts:
        groups.setdefault(content_key(c), []).append(c)
    reps = [g[0] for g in groups.values()]
    decision = decide(reps) if len(reps) > 1 else None
    used = decision.used if decision is not None else reps[0]
    if decision is not None and decision.doubtful:
        doubt.add(county)
        if unsure is not None:
            for other in reps:
                if other is not used:
                    for col, value in differing_figures(used, other, county).items():
                        unsure.setdefault(col, []).append((other[0].display, value))
    used_key = content_key(used)
    for key, group in groups.items():
        for other in group:
            if other is used:
                continue
            if key == used_key:
                notes.append((county, make("duplicate-identical", file=other[0].display, sheet=other[1].table.sheet,
                                           county=county, appendix=APPENDIX_NAMES[kind], unused=other[0].display)))
                continue
            assert decision is not None
            code: FindingCode = "version-uncertain" if decision.doubtful else "duplicate-submission"
            notes.append((county, make(code, file=other[0].display, sheet=other[1].table.sheet, county=county,
                                       appendix=APPENDIX_NAMES[kind], used=used[0].display,
                                       unused=other[0].display, reason=decision.reasons[id(group[0])],
                                       diff=f"；{differences(used, other, county)}")))
    return used


def county_key(name: str) -> str:
    """A county name as --expect compares it: NFKC (full-width → half-width) and no spaces."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", name).split())


def _match_expected(name: str, expect: Sequence[str]) -> str:
    """The --expect spelling of ``name`` when they are equal after :func:`county_key`.

    Exact only: "老河口" is not "老河口市" and "谷城" is not "谷城县". Completing a prefix
    silently printed a county under a name nobody wrote (or under another county's); the
    CLI suggests the near name instead, and the person decides.
    """
    if name in expect:
        return name
    key = county_key(name)
    hits = [e for e in expect if county_key(e) == key]
    return hits[0] if hits else name


# --- building the rollup ----------------------------------------------------------------


_I_DONE, _I_DEADLINE, _I_SEQ = (APPENDIX1.keys.index(k) for k in ("done", "deadline", "seq"))


def _item_values(values: list[object], done: bool | None, deadline: date | None) -> list[object]:
    out = list(values)
    i_done, i_deadline, i_seq = _I_DONE, _I_DEADLINE, _I_SEQ
    if done is not None:
        out[i_done] = "是" if done else "否"  # variants (已完成, 整改中…) written as 是/否
    if deadline is not None:
        out[i_deadline] = deadline
    raw = out[i_seq]
    if type(raw) is float and raw.is_integer():
        out[i_seq] = int(raw)  # what parse_number reads a whole float as (58,000 rows: the usual 序号)
    else:
        seq = parse_number(raw)
        if seq.status == "ok" and seq.value is not None and float(seq.value).is_integer():
            out[i_seq] = int(seq.value)
    return ["" if v is None else v for v in out]


def _item_texts(values: list[object]) -> dict[str, str]:
    """The clerk's text of the cells the rollup writes parsed (序号, 完成时限), for frames."""
    out = {}
    for key, i in (("seq", _I_SEQ), ("deadline", _I_DEADLINE)):
        raw = values[i]
        # display() of the usual cells, told by their exact type: a whole float, a date.
        if type(raw) is float and raw.is_integer():
            out[key] = str(int(raw))
        elif type(raw) is date:
            out[key] = raw.isoformat()
        elif (text := display(raw)) is not None:
            out[key] = text
    return out


def _extras_text(extras: dict[str, object]) -> str:
    return "；".join(f"{k}：{display(v)}" for k, v in extras.items() if display(v))


def _stats_row(prefecture: str | None, county: str, f: FileResult, t: TableResult, s: Stats) -> RollupStats:
    spec = t.table.spec
    values: dict[str, object] = {}
    unreadable: set[str] = set()
    texts: dict[str, str] = {}
    s_reasons = dict(s.reasons)
    for i, c in enumerate(spec.columns):
        raw = s.values[i]
        if c.is_number:
            text = display(raw)
            if text is not None:
                texts[c.key] = text
            n = s.numbers.get(c.key)
            if n is not None:
                values[c.key] = n
                continue
            # Unreadable, or an error (negative, a unit that cannot convert, rows that do not
            # add up, a blank): written as the clerk wrote it, red, in no total. A column the
            # form lacks (an old template, a hidden column: missing-column) is not stated either.
            unreadable.add(c.key)
            values[c.key] = display(raw) or ""
            if c.key not in t.table.header.cols:
                s_reasons[c.key] = f"{county}的附件2 没有「{c.header}」这一列（旧版表样或隐藏了这一列），没有填报这个数"
        elif c.key == "county":
            values[c.key] = county
        else:
            values[c.key] = display(raw) or ""
    extra = _extras_text(s.extras)
    if extra:
        values["note"] = "；".join(x for x in (str(values.get("note") or ""), extra) if x)
    return RollupStats(prefecture, county, values, unreadable, f.display, s.row, t.table.sheet, t.table.header.cols,
                       s_reasons, texts, marks=plausibility_marks(spec, values, unreadable, texts))


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


@dataclass(slots=True)
class _Found:
    """Every table of the run, by the county it belongs to (the --expect spelling)."""

    a1: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    a2: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    unreadable: dict[str, list[FileResult]] = field(default_factory=lambda: defaultdict(list))
    blank: dict[str, list[FileResult]] = field(default_factory=lambda: defaultdict(list))

    def counties(self, expect: Sequence[str]) -> list[str]:
        """Every county named anywhere, the expected ones first in their order."""
        return sorted(set(self.a1) | set(self.a2) | set(expect) | set(self.unreadable) | set(self.blank),
                      key=_county_order(expect))


@dataclass(slots=True)
class _Built:
    """What the county loop gathers besides the summaries."""

    notes: Notes = field(default_factory=list)
    doubt: set[str] = field(default_factory=set)
    contributing: set[str] = field(default_factory=set)  # files whose tables reach the rollup
    items: list[RollupItem] = field(default_factory=list)
    stats: list[RollupStats] = field(default_factory=list)
    used_a2: list[tuple[str, TableSpec]] = field(default_factory=list)
    # Findings a file's result gains or has replaced here (by id of the FileResult): the
    # results are frozen, build_rollup makes the new ones.
    more: dict[int, list[Finding]] = field(default_factory=lambda: defaultdict(list))
    replaced: dict[int, tuple[Finding, ...]] = field(default_factory=dict)


def _sort_tables(results: list[FileResult], expect: Sequence[str]) -> _Found:
    found = _Found()
    for f in results:
        if f.skipped:
            continue
        if not f.readable:
            guess = county_from_filename(f.path)
            found.unreadable[_match_expected(guess, expect) if guess else f.display].append(f)
            continue
        unknown = unnamed_county(f.display)
        for t in f.tables:
            if t.blank:
                # A blank issued form or a template is never a reply: it displaces nothing.
                found.blank[_match_expected(t.county or unknown, expect)].append(f)
            elif t.table.kind == TableKind.APPENDIX1:
                found.a1[_match_expected(t.county or unknown, expect)].append((f, t, None))
            else:
                for name, row in t.counties.items():
                    found.a2[_match_expected(name or unknown, expect)].append((f, t, row))
    return found


def reply_counties(results: Sequence[FileResult]) -> set[str]:
    """Every county the replies name (as build_rollup files them, placeholders left out)."""
    from zhenggai.core.parse import is_unnamed_county

    return {name for name in _sort_tables(list(results), ()).counties(()) if not is_unnamed_county(name)}


def build_rollup(results: list[FileResult], opts: MergeOptions) -> Rollup:
    """Pair, choose, count and total: everything but writing the workbook."""
    expect = tuple(dict.fromkeys(county_key(x) for x in opts.expect if county_key(x)))
    if not expect and opts.feedback is not None:
        expect = tuple(opts.feedback.counties)  # the list names every county that must answer
    found = _sort_tables(results, expect)
    b = _Built()
    _fold_near_names(found, expect, b)
    b.notes += named_elsewhere(results, found.counties(expect))
    summaries = [_county(county, found, opts, expect, b) for county in found.counties(expect)]
    if (gap := total_incomplete(summaries)) is not None:  # without a list, or a county the list lacks
        b.notes.append(("", gap))
    a2_spec = _rollup_a2(opts.validate, b.used_a2, b.notes)
    results = [replace(f, findings=b.replaced.get(id(f), f.findings) + tuple(b.more.get(id(f), ())))
               if id(f) in b.replaced or id(f) in b.more else f for f in results]
    skipped_files = skipped_list(results, b.contributing, [n for _, n in b.notes])
    used_paths = {name for s in summaries for name in s.files}
    # A file not used (a duplicate): its own findings would be counted for nothing; the
    # duplicate note names it and says which file was used instead.
    results = [replace(f, findings=()) if f.readable and f.tables and f.display not in used_paths
               and not all(t.blank for t in f.tables) else f for f in results]
    report = _report(results, [n for _, n in b.notes])
    _tally(summaries, report, b)
    stats = stats_rows(summaries, b.stats, a2_spec)
    return Rollup(opts.prefecture, opts.validate.as_of, a2_spec, summaries, b.items, stats, report,
                  skipped=skipped_files)


def _fold_near_names(found: _Found, expect: Sequence[str], b: _Built) -> None:
    """A reply naming an expected county by a shorter or longer spelling ("枣阳" for 枣阳市)
    is filed under that county, with an error naming both: as a county of its own it was
    counted twice (its 附件2 problems again, or the list's problems again)."""
    names = found.counties(())
    # Without a list of who must report, the full names among the replies are the list.
    known = expect or [n for n in names if n[-1:] in ("县", "市", "区", "旗")]
    for name, county in near_names(names, known).items():
        files: list[str] = []
        for tables in (found.a1, found.a2):
            if name in tables:
                moved = tables.pop(name)
                tables[county].extend(moved)
                files += [c[0].display for c in moved]
        for lists in (found.unreadable, found.blank):
            if name in lists:
                moved_files = lists.pop(name)
                lists[county].extend(moved_files)
                files += [f.display for f in moved_files]
        b.notes.append((county, make("county-name-near", file=MERGE_FILE, name=name, county=county,
                                     files="、".join(dict.fromkeys(files)))))


def _tally(summaries: list[CountySummary], report: Report, b: _Built) -> None:
    """Rows written, errors and warnings per county, from the report as it stands."""
    by_file = {fr.path: fr for fr in report.files}
    about: dict[str, list[Finding]] = defaultdict(list)
    for county, n in b.notes:
        about[county].append(n)
    written = Counter(it.county for it in b.items)  # one pass: not one scan of all items per county
    for s in summaries:
        own = [f for name in s.files if name in by_file for f in by_file[name].findings]
        own += [n for n in about[s.county] if n.file not in s.files]
        s.rows_written = written[s.county]
        s.errors = sum(1 for f in own if f.severity is Severity.ERROR)
        s.warnings = sum(1 for f in own if f.severity is Severity.WARNING)


def _county(county: str, found: _Found, opts: MergeOptions, expect: Sequence[str], b: _Built) -> CountySummary:
    """One county: choose its tables, take their rows and counts, set its status."""
    s = CountySummary(county=county, prefecture=opts.prefecture)
    unsure1: Unsure = {}
    used1 = _pick(county, TableKind.APPENDIX1, found.a1.get(county, []), b.notes, b.doubt, unsure1)
    unsure: Unsure = {}
    used2 = _pick(county, TableKind.APPENDIX2, found.a2.get(county, []), b.notes, b.doubt, unsure)
    if used1 and used2 and (len(found.a1[county]) > 1 or len(found.a2[county]) > 1):
        # validate's cross check skips counties with several copies; now that one
        # of each is chosen, check the pair that will be counted.
        f2, t2, row = used2
        b.more[id(f2)] += cross_pair(used1[1], f2.display, t2, row, f1=used1[0])
    used_files = {id(x[0]): x[0] for x in (used1, used2) if x is not None}
    s.files = sorted(f.display for f in used_files.values())
    b.contributing.update(s.files)
    if used1 is not None:
        _take_items(s, used1, opts, b)
    if used2 is not None:
        f, t, chosen = used2
        b.used_a2.append((county, t.table.spec))
        if chosen is not None:
            b.stats.append(_stats_row(opts.prefecture, county, f, t, chosen))
            if unsure:
                b.more[id(f)] += _mark_unsure(b.stats[-1], f, t, chosen, unsure)
            if used1 is None:
                s.total = int(chosen.numbers.get("total") or 0)
                s.done = int(chosen.numbers.get("done") or 0)
                s.open = int(chosen.numbers.get("open") or 0)
    _set_status(s, used1 is not None, used2 is not None, found, b)
    if expect and county not in expect and s.status is not Status.UNREADABLE:
        b.notes.append((county, make("county-unexpected", file=MERGE_FILE, county=county)))
    if opts.feedback is not None:
        differs = apply_official(s, used1[1] if used1 is not None else None, opts.feedback)
        if differs is not None:
            b.notes.append((county, differs))
    if unsure1 and used1 is not None:
        _mark_counts_unsure(s, unsure1)
    return s


def _mark_counts_unsure(s: CountySummary, unsure: Unsure) -> None:
    """附件3's figures of a county whose 附件1 version is in doubt, where another version
    counts otherwise: red, naming the other version's counts (the 合计 says so too). With a
    feedback list 反馈问题数 is the list's, whatever the version: only 已完成 may move."""
    from zhenggai.core.parse import number_text

    mine = {"total": s.total, "done": s.done, "open": s.open}
    if s.official:
        keys = ["done", "open", "rate"]
    else:
        keys = [k for k in mine if any(v != mine[k] for _, v in unsure.get(k, []))]
        keys += ["rate"] if {"total", "done"} & set(keys) else []
    others: dict[str, dict[str, float | None]] = {}
    for key, found in unsure.items():
        for name, value in found:
            others.setdefault(name, {})[key] = value
    # The stamped sheet goes upward: the figures only; which files, the 校验问题 sheet says.
    said = "；".join(f"{number_text(v.get('total') or 0)} 个问题、{number_text(v.get('done') or 0)} 个已完成"
                    for v in others.values())
    text = (f"{VERSION_NOTE}{s.county}有几份不同的附件1，此数按其中一份计，另一份为 {said}。"
            "请向该县确认以哪份为准后重新汇总")
    for key in keys:
        had = s.marks.get(key)
        s.marks[key] = Mark(Severity.ERROR, f"{had.text}；{text}" if had else text)


def _mark_unsure(st: RollupStats, f: FileResult, t: TableResult, row: Stats, unsure: Unsure) -> list[Finding]:
    """The figures of a county whose 附件2 version is in doubt (``version-uncertain``) that
    another version states otherwise: counted from the likelier version, but red, and the
    合计 over them and the 情况报告 say a provisional figure is in them. One finding per
    figure, on its cell (the report reads which figures are provisional back from them)."""
    from zhenggai.checking.sheets import turn_back
    from zhenggai.core.findings import a1
    from zhenggai.core.parse import number_text

    found: list[Finding] = []
    spec, cols = t.table.spec, t.table.header.cols
    for key, others in unsure.items():
        if key not in {c.key for c in spec.columns}:
            continue
        c = spec.column(key)
        value = st.values.get(key, "")
        shown = number_text(value) if isinstance(value, (int, float)) else (str(value) or "空白")
        said = "、".join(number_text(v) if v is not None else "无法识别的数" for _, v in others)
        if key not in st.unreadable:  # the figures only on the stamped sheet; the files are in 校验问题
            text = f"{VERSION_NOTE}{st.county}有几份不同的附件2，此数 {shown} 取自其中一份，另一份为 {said}。"
            st.marks[key] = Mark(Severity.ERROR, text + "请向该县确认以哪份为准后重新汇总")
        at = {"cell": a1(row.row, cols[key]), "row": row.row} if key in cols else {}
        x = make("version-figure-uncertain", file=f.display, sheet=t.table.sheet, field=c.header, value=shown,
                 county=st.county, appendix=APPENDIX_NAMES[TableKind.APPENDIX2], unused=others[0][0],
                 other=said,
                 **at)  # type: ignore[arg-type]
        found.append(turn_back(x) if t.table.transposed else x)
    return found


def _take_items(s: CountySummary, used1: Candidate, opts: MergeOptions, b: _Built) -> None:
    f, t, _ = used1
    for it in t.items:
        b.items.append(RollupItem(opts.prefecture, s.county, _item_values(it.values, it.done, it.deadline),
                                  it.category, f.display, f.shown_row(it.sheet or t.table.sheet, it.row),
                                  _extras_text(it.extras), it.errors, it.sheet or t.table.sheet,
                                  t.table.header.cols, texts=_item_texts(it.values),
                                  problem_row=f.shown_row(it.sheet or t.table.sheet, it.problem),
                                  in_word=(it.sheet or t.table.sheet) in f.word_rows))
    s.rows_read = len(t.table.records)
    # Problems, not rows: a 问题描述 merged over several measure rows is one problem.
    s.total, s.done, s.open = problem_counts(t.items)
    as_of = opts.validate.as_of
    s.overdue = len({it.problem for it in t.items if it.done is False and it.deadline is not None
                     and it.deadline < as_of})


def _set_status(s: CountySummary, has1: bool, has2: bool, found: _Found, b: _Built) -> None:
    county = s.county
    if has1 and has2:
        s.status = Status.VERSION_UNCERTAIN if county in b.doubt else Status.SUBMITTED
    elif has1:
        s.status = Status.NO_APPENDIX2
    elif has2:
        s.status = Status.NO_APPENDIX1
    elif county in found.unreadable:
        s.status = Status.UNREADABLE
        s.files = sorted(f.display for f in found.unreadable[county])
    elif county in found.blank:
        s.status = Status.BLANK
        s.files = sorted({f.display for f in found.blank[county]})
    if (has1 or has2) and county in found.unreadable:
        b.replaced |= _scans_beside_original(county, found.unreadable[county], s.files)
    if s.status in (Status.NO_APPENDIX1, Status.NO_APPENDIX2):
        missing = APPENDIX_NAMES[TableKind.APPENDIX1 if s.status is Status.NO_APPENDIX1 else TableKind.APPENDIX2]
        b.notes.append((county, make("appendix-missing", file=MERGE_FILE, county=county, appendix=missing)))
    elif s.status is Status.MISSING:
        b.notes.append((county, make("county-not-submitted", file=MERGE_FILE, county=county)))
    elif s.status is Status.BLANK:
        b.notes.append((county, make("county-blank-only", file=MERGE_FILE, county=county)))


def _scans_beside_original(county: str, files: list[FileResult], used: list[str]) -> dict[int, tuple[Finding, ...]]:
    """A scan sent with the original is a record copy: say so, do not blame the county.
    Returns the findings that replace each such file's own (by id of its result)."""
    from zhenggai.intake import sniff

    out: dict[int, tuple[Finding, ...]] = {}
    for f in files:
        if f.kind in (sniff.PDF, sniff.IMAGE) and all(x.code == "scan-only" for x in f.findings):
            kind = "PDF 文件" if f.kind == sniff.PDF else "图片"
            out[id(f)] = (make("scan-with-original", file=f.display, kind=kind, county=county, used="、".join(used)),)
    return out


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
    """What zhenggai wrote, for a workbook it recognises as its own output, else None:
    "rollup" for a rollup (or one that looks like it), "progress" for ``diff -o``'s
    进展对比 workbook. Neither is a county reply (read as one it would only say no-table).

    Only ``xl/workbook.xml`` (and for a 进展对比 sheet, ``docProps/core.xml``) is read,
    through defusedxml and with a size cap: this runs on every file of an inbox, before
    the guarded reader has seen it. A workbook with two or more of the rollup's sheet
    names is treated as a rollup, so that one missing a sheet is refused with a finding
    in province mode instead of read as a county. Other workbooks zhenggai writes are
    forms a county fills in (init-county, the web's pre-filled forms) or a returned
    -校验标注 copy, and those are replies (see check.FINDINGS_SHEET).
    """
    import zipfile
    import zlib

    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as SafeET

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size > 1 << 20:
                return None
            data = zf.read(info)
            if not _may_name(data, (*MARKER_SHEETS, FINDINGS_SHEET, PROGRESS_SHEET)):
                return None  # told from the bytes: a county's reply (nearly every file) is not parsed
            root = SafeET.fromstring(data, forbid_dtd=True)
            names = {el.get("name", "") for el in root.iter() if el.tag.endswith("}sheet")}
            if len(names & (MARKER_SHEETS | {FINDINGS_SHEET})) >= 2:
                return "rollup"
            if PROGRESS_SHEET not in names:
                return None
            if names == {PROGRESS_SHEET}:
                return "progress"
            # a sheet added after diff -o wrote it: its document keywords still say so
            core = zf.getinfo("docProps/core.xml")
            if core.file_size > 1 << 16:
                return None
            return "progress" if b"zhenggai progress" in zf.read(core) else None
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, SafeET.ParseError, DefusedXmlException, EOFError,
            NotImplementedError, RuntimeError, zlib.error):
        # Not an xlsx, or broken (a member flagged encrypted or "strong encryption", an unknown
        # compression method): the reader says what is wrong. A rollup saved again as .xls/.et/
        # .ods is one too (audit28: read as a county's reply it pushed the real rollups out).
        from zhenggai.rollup.other_formats import rollup_elsewhere

        return "rollup" if rollup_elsewhere(path) else None


def _may_name(xml: bytes, names: Sequence[str]) -> bool:
    """Whether UTF-8 XML may hold one of ``names`` (no markup characters in them) as an
    attribute value: False only when none is there as bytes, and none could be spelt
    otherwise (a character reference, another encoding)."""
    if b"&#" in xml or b"\x00" in xml:
        return True  # &#x9644; or UTF-16: parse
    head = xml[:200].lower()
    if b"encoding" in head and b"utf-8" not in head and b"utf8" not in head:
        return True
    return any(n.encode() in xml for n in names)


def collect(paths: Sequence[Path], output: Path | None) -> tuple[list[Path], list[Path], list[FileResult], Inbox]:
    """County replies, earlier rollups, skipped files (output excluded), and the inbox
    that holds any extracted archive members (close it when done)."""
    from zhenggai.intake.inbox import open_inbox, resolved

    out_key = output.resolve() if output is not None else None
    folders: dict[Path, Path] = {}  # resolved(): each folder resolved once, not every file's path

    def kind(p: Path) -> str | None:
        """"output" (this run's own: left out silently, as a second run with the output in the
        input folder must give the same rollup as the first), "temporary", or own_output's."""
        if out_key is not None and resolved(p, folders) == out_key:
            return "output"
        if p.name.startswith(".zhenggai-"):
            return "temporary"
        return own_output(p)

    # Each file's kind found as the inbox is listed (for half of a big inbox on the second CPU).
    box = open_inbox(paths, relative=True, also=kind)  # the rollup prints names, never machine paths
    replies: list[Path] = []
    rollups: list[Path] = []
    for p in box.files:
        own = box.also[p] if p in box.also else kind(p)
        if own == "output":
            continue
        if own == "temporary":
            box.skipped.append(skipped_file(p, "汇总写入时的临时文件", box.display(p)))
        elif own == "rollup":
            rollups.append(p)
        elif own == "progress":
            box.skipped.append(skipped_file(p, "zhenggai diff 生成的进展对比表，不是县级报送", box.display(p)))
        else:
            replies.append(p)
    return replies, rollups, box.skipped, box


def skipped_file(p: Path, reason: str, shown: str | None = None) -> FileResult:
    name = shown or str(p)
    return FileResult(p, name, findings=(make("file-skipped", file=name, reason=reason),),
                      readable=False, skipped=True)
