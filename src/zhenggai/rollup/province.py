"""Prefecture rollups → a province rollup: the same tool serves 县 → 市州 → 省.

A prefecture rollup is a workbook zhenggai wrote, so its sheets are read by their
header texts (``layout.py``, which ``workbook.py`` writes); each county row keeps its prefecture in a
市（州） column, and totals are recomputed per prefecture and overall, never copied.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from zhenggai.findings import CATALOGUE, FileReport, Finding, Report, Severity, make, sort_key
from zhenggai.parse import clean_text, parse_number
from zhenggai.results import FileResult, ProgressCallback
from zhenggai.rollup.layout import (
    AS_OF_LABEL,
    CONTACT_PREFIX,
    COUNTY_HEADER,
    FINDINGS,
    HEADER_SEARCH_ROWS,
    ITEMS,
    MARKER_SHEETS,
    OVERVIEW,
    PREFECTURE_HEADER,
    STATS,
    TITLE_PREFIX,
    TOTAL_LABELS,
)
from zhenggai.rollup.model import (
    MERGE_FILE,
    CountySummary,
    MergeOptions,
    Rollup,
    RollupItem,
    RollupStats,
    Status,
    version_key,
)
from zhenggai.schema import APPENDIX1

_SEVERITY = {s.label: s for s in Severity}
_PLACE = re.compile(rf"^(.+?){TITLE_PREFIX}")
_O = {c.key: c.header for c in OVERVIEW.columns(province=True, coverage=True)}
_I = {c.key: c.header for c in ITEMS.columns(province=True)}
_F = {c.key: c.header for c in FINDINGS.columns()}
_S_SOURCE = STATS.header("source_file")


def _table(rows: Sequence[Sequence[object]]) -> tuple[dict[str, int], list[list[object]]]:
    """Header positions and the data rows under the row that holds 县（市、区） or 文件."""
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        # Headers are printed with line breaks ("追回企业资金" / "（万元）"): read them whole.
        texts = [clean_text(v).replace("\n", "") for v in row]
        if COUNTY_HEADER in texts or (_F["file"] in texts and _F["message"] in texts):
            data: list[list[object]] = []
            for x in rows[r + 1:]:
                first = next((clean_text(v) for v in x if clean_text(v)), "")
                if first.startswith(CONTACT_PREFIX):
                    break  # the 联系人 line under the table, and the chart's rows after it
                data.append(list(x))
            return {t: i for i, t in enumerate(texts) if t}, data
    return {}, []


def _status(label: str) -> Status:
    # A label we did not write (someone edited the rollup) is not 已报送: shown in red.
    return Status.from_label(label) or Status.UNREADABLE


def _get(row: list[object], cols: dict[str, int], name: str) -> object:
    i = cols.get(name)
    return row[i] if i is not None and i < len(row) else ""


def _int(v: object) -> int:
    n = parse_number(v)
    return int(n.value) if n.value is not None else 0


def _read_one(path: Path, fallback: str, opts: MergeOptions) -> tuple[
    str, list[CountySummary], list[RollupItem], list[RollupStats], list[FileReport]
]:
    """Every sheet of one prefecture rollup, from a single read of the workbook."""
    import python_calamine as pc

    with pc.CalamineWorkbook.from_path(str(path)) as wb:
        sheets: dict[str, list[list[object]]] = {
            n: [list(r) for r in wb.get_sheet_by_name(n).to_python(skip_empty_area=False)] for n in wb.sheet_names
        }
    # The title, wherever it is: rollups carry a 附件 label in A1 before it (older ones did not).
    texts = (clean_text(v) for r in sheets[OVERVIEW.name][:HEADER_SEARCH_ROWS] for v in r)
    title = next((t for t in texts if TITLE_PREFIX in t), "")
    m = _PLACE.match(title)
    prefecture = m.group(1) if m and m.group(1) not in ("", "全省") else fallback

    def pref(row: list[object], cols: dict[str, int]) -> str:
        return clean_text(_get(row, cols, PREFECTURE_HEADER)) or prefecture

    cols, rows = _table(sheets[OVERVIEW.name])
    counties: list[CountySummary] = []
    for row in rows:
        county = clean_text(_get(row, cols, COUNTY_HEADER))
        if not county or county in TOTAL_LABELS:
            continue
        cov = clean_text(_get(row, cols, _O["coverage"]))
        coverage = None
        if "/" in cov:
            a, b = cov.split("/", 1)
            coverage = (_int(a), _int(b))
        files = clean_text(_get(row, cols, _O["files"]))
        counties.append(CountySummary(
            county=county, prefecture=pref(row, cols), status=_status(clean_text(_get(row, cols, _O["status"]))),
            total=_int(_get(row, cols, _O["total"])), done=_int(_get(row, cols, _O["done"])),
            open=_int(_get(row, cols, _O["open"])), overdue=_int(_get(row, cols, _O["overdue"])),
            errors=_int(_get(row, cols, _O["errors"])), warnings=_int(_get(row, cols, _O["warnings"])),
            files=[f"{path.name}›{x}" for x in files.split("、") if x], coverage=coverage,
        ))
    cols, rows = _table(sheets[ITEMS.name])
    items: list[RollupItem] = []
    for row in rows:
        county = clean_text(_get(row, cols, COUNTY_HEADER))
        if not county:
            continue
        values: list[object] = []
        for c in APPENDIX1.columns:
            v = _get(row, cols, c.header)
            if isinstance(v, datetime):
                v = v.date()
            elif isinstance(v, float) and v.is_integer():
                v = int(v)
            values.append(v)
        items.append(RollupItem(
            pref(row, cols), county, values, clean_text(_get(row, cols, _I["category"])) or None,
            f"{path.name}›{clean_text(_get(row, cols, _I['source_file']))}", _int(_get(row, cols, _I["source_row"])),
            clean_text(_get(row, cols, _I["extras"])), _int(_get(row, cols, _I["errors"])),
        ))
    stats = _stats(path, sheets[STATS.name], prefecture, opts)
    return prefecture, counties, items, stats, _findings(path, sheets[FINDINGS.name])


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
            row=int(re.sub(r"^[A-Z]+", "", cell)) if cell else None,
            field=clean_text(_get(row, cols, _F["field"])) or None,
            value=clean_text(_get(row, cols, _F["value"])) or None,
        ))
    return [FileReport(n, None, (), tuple(sorted(fs, key=sort_key))) for n, fs in by_file.items()]


def _stats(path: Path, grid: list[list[object]], prefecture: str, opts: MergeOptions) -> list[RollupStats]:
    spec = opts.validate.specs()[1]
    cols, rows = _table(grid)
    out: list[RollupStats] = []
    for row in rows:
        county = clean_text(_get(row, cols, COUNTY_HEADER))
        if not county or county in TOTAL_LABELS:
            continue
        values: dict[str, object] = {}
        unreadable: set[str] = set()
        for c in spec.columns:
            v = _get(row, cols, c.header)
            if c.is_number:
                n = parse_number(v)
                if n.status == "invalid":
                    unreadable.add(c.key)
                    values[c.key] = clean_text(v)
                else:
                    values[c.key] = n.value if n.value is not None else 0.0
            else:
                values[c.key] = clean_text(v)
        values["county"] = county
        source = clean_text(_get(row, cols, _S_SOURCE))
        out.append(RollupStats(clean_text(_get(row, cols, PREFECTURE_HEADER)) or prefecture, county, values,
                               unreadable, f"{path.name}›{source}", 0))
    return out


def build_province(
    rollups: Sequence[Path],
    opts: MergeOptions,
    skipped: list[FileResult],
    on_progress: ProgressCallback | None = None,
) -> Rollup:
    """Read prefecture rollups; one rollup per prefecture (the newest when there are two)."""
    chosen: dict[str, tuple[tuple[float, str], Path]] = {}
    notes: list[Finding] = []
    parsed = {}
    for i, path in enumerate(sorted(rollups), start=1):
        fallback = path.stem.replace("汇总", "")
        data = _read_one(path, fallback, opts)
        parsed[path] = data
        mtime = path.stat().st_mtime
        prefecture = data[0]
        prev = chosen.get(prefecture)
        cand = (version_key(mtime, path.name), path)
        if prev is None or cand[0] < prev[0]:
            if prev is not None:
                notes.append(make("duplicate-submission", file=str(prev[1]), county=prefecture,
                                  appendix="汇总表", used=str(path), unused=str(prev[1]), reason="修改时间最新"))
            chosen[prefecture] = cand
        else:
            notes.append(make("duplicate-submission", file=str(path), county=prefecture, appendix="汇总表",
                              used=str(prev[1]), unused=str(path), reason="修改时间最新"))
        if on_progress is not None:
            on_progress(i, len(rollups), str(path))
    counties: list[CountySummary] = []
    items: list[RollupItem] = []
    stats: list[RollupStats] = []
    files: list[FileReport] = [r.report() for r in skipped]
    for prefecture in sorted(chosen):
        path = chosen[prefecture][1]
        _, c, it, st, reports = parsed[path]
        counties += c
        items += it
        stats += st
        files += reports
    per_county = Counter((it.prefecture, it.county) for it in items)  # one pass, not one per county
    for s in counties:
        s.rows_read = s.rows_written = per_county[(s.prefecture, s.county)]
    if notes:
        files.append(FileReport(MERGE_FILE, None, (), tuple(sorted(notes, key=sort_key))))
    report = Report(tuple(sorted(files, key=lambda fr: fr.path)))
    as_of = opts.validate.as_of if isinstance(opts.validate.as_of, date) else date.today()
    return Rollup(opts.prefecture, as_of, opts.validate.specs()[1], counties, items, stats, report, province=True)


def read_rollup(path: Path, opts: MergeOptions | None = None) -> Rollup:
    """A rollup workbook zhenggai wrote (prefecture or province), read back as a ``Rollup``.

    Raises ``InputError`` (Chinese message) when the file is not such a workbook.
    """
    import python_calamine as pc

    from zhenggai.errors import InputError

    opts = opts or MergeOptions()
    try:
        with pc.CalamineWorkbook.from_path(str(path)) as wb:
            names = set(wb.sheet_names)
            grid = wb.get_sheet_by_name(OVERVIEW.name).to_python(skip_empty_area=False) \
                if OVERVIEW.name in names else []
    except Exception as exc:
        raise InputError(f"无法读取汇总表：{path}") from exc
    if not names >= MARKER_SHEETS:
        raise InputError(f"{path} 不是 zhenggai 生成的汇总表（缺少工作表：{'、'.join(sorted(MARKER_SHEETS - names))}）")
    prefecture, counties, items, stats, reports = _read_one(path, path.stem, opts)
    province = any(PREFECTURE_HEADER in (clean_text(v).replace("\n", "") for v in row)
                   for row in grid[:HEADER_SEARCH_ROWS])
    # "统计截至 2022年7月15日" (or 2022-07-15, as older rollups wrote it) above the header.
    above = " ".join(clean_text(v) for row in grid[:HEADER_SEARCH_ROWS] for v in row)
    m = re.search(rf"{AS_OF_LABEL}\s*(\d{{4}})[-年](\d{{1,2}})[-月](\d{{1,2}})", above)
    as_of = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else opts.validate.as_of
    report = Report(tuple(sorted(reports, key=lambda fr: fr.path)))
    return Rollup(prefecture, as_of, opts.validate.specs()[1], counties, items, stats, report, province=province)
