"""核对底稿: the working sheet that stays with the prefecture (never stamped, never a 附件).

Everything the tool adds to the official tables, county by county in the overview's
order: a 附件3 line per county (its source files, error and warning counts, how many of
the feedback list's problems it answered), then one line per 附件1 row (source file
and row, 问题类别, errors, the clerk's extra columns), then its 附件2 line. 所在表 and
所在行 point at the stamped cell, so a clerk who finds a doubtful figure on 附件1 row 12
sees here which file and row it came from. The province reader joins these lines back
county by county (``province.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xlsxwriter.workbook import Workbook

from zhenggai.outputs.paper import ROW_MIN, columns_of, header_row, print_setup, shown_file, title_block
from zhenggai.outputs.xlsx import Styles, finish, follow, line_writer, row_measure, stream
from zhenggai.rollup.layout import HEADER_ROW, WORK, WORK_TABLES
from zhenggai.rollup.model import CountySummary, Rollup, RollupItem, RollupStats, Signoff

Key = tuple[str | None, str]


def _lines(rollup: Rollup, where: dict[int, int]) -> Iterable[dict[str, object]]:
    """The sheet's lines as column key → value, in the overview's county order."""
    items: dict[Key, list[RollupItem]] = {}
    for it in rollup.items:
        items.setdefault((it.prefecture, it.county), []).append(it)
    stats: dict[Key, list[RollupStats]] = {}
    for st in rollup.stats:
        stats.setdefault((st.prefecture, st.county), []).append(st)
    for s in rollup.counties:
        key = (s.prefecture, s.county)
        yield _county_line(s, where)
        for it in items.pop(key, []):
            yield {"prefecture": it.prefecture, "county": it.county, "table": WORK_TABLES["items"],
                   "row": where.get(id(it), ""), "seq": it.values[0], "category": it.category or "",
                   "files": shown_file(it.source_file), "source_row": it.source_row or "", "errors": it.errors,
                   "extras": it.extras}
        for st in stats.pop(key, []):
            yield _stats_line(st, where)
    for rest in items.values():  # rows of a county the overview lacks (never expected, kept all the same)
        for it in rest:
            yield {"prefecture": it.prefecture, "county": it.county, "table": WORK_TABLES["items"],
                   "row": where.get(id(it), ""), "seq": it.values[0], "files": shown_file(it.source_file),
                   "source_row": it.source_row or "", "errors": it.errors, "extras": it.extras}
    for srest in stats.values():
        for st in srest:
            yield _stats_line(st, where)


def _county_line(s: CountySummary, where: dict[int, int]) -> dict[str, object]:
    return {"prefecture": s.prefecture, "county": s.county, "table": WORK_TABLES["overview"],
            "row": where.get(id(s), ""), "files": "\n".join(shown_file(f) for f in s.files), "errors": s.errors,
            "warnings": s.warnings, "coverage": f"{s.coverage[0]}/{s.coverage[1]}" if s.coverage else ""}


def _stats_line(st: RollupStats, where: dict[int, int]) -> dict[str, object]:
    return {"prefecture": st.prefecture, "county": st.county, "table": WORK_TABLES["stats"],
            "row": where.get(id(st), ""), "files": shown_file(st.source_file), "source_row": st.source_row or ""}


def write_work(wb: Workbook, st: Styles, rollup: Rollup, signoff: Signoff, where: dict[int, int]) -> None:
    """Add the 核对底稿 sheet (after the stamped set; its pages numbered from 1)."""
    ws = wb.add_worksheet(WORK.name)
    stream(ws)  # rows written in order; not held until close (memory)
    put_line = line_writer(ws)
    spec = WORK.columns(province=rollup.province)
    cols = columns_of(spec)
    measure = row_measure([w for _, w in cols])
    last = len(cols) - 1
    title_block(ws, st, rollup, WORK, last, signoff)
    header_row(ws, st, cols)
    fmts: dict[str, Any] = {"prefecture": st.center, "county": st.center, "table": st.center, "row": st.center,
                            "seq": st.center, "source_row": st.center, "errors": st.count, "warnings": st.count,
                            "coverage": st.center}
    keys = [c.key for c in spec]
    # Each line's formats: a county's line (附件3) bold in 县 and 所在表, an 错误数 other than 0 red.
    plain = [fmts.get(k, st.text) for k in keys]
    bold = [st.category if k in ("county", "table") else f for k, f in zip(keys, plain, strict=True)]
    at_errors = keys.index("errors")
    # A line per county, 附件1 row and 附件2 row (_lines): the sheet's extent and print settings
    # are known before its rows, which are then zipped on the second core as they are written
    # (xlsx.follow); the same settings are made again below from the rows really written.
    lines = len(rollup.counties) + len(rollup.items) + len(rollup.stats)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + lines, last)
    print_setup(ws, WORK, last_col=last, last_row=HEADER_ROW + lines)
    told = follow(wb, ws, HEADER_ROW + lines, last)
    row = HEADER_ROW + 1
    for line in _lines(rollup, where):
        if row % 4096 == 0:
            told()
        values = [line.get(k, "") for k in keys]
        row_fmts = bold if line["table"] == WORK_TABLES["overview"] else plain
        if values[at_errors]:
            row_fmts = [*row_fmts]
            row_fmts[at_errors] = st.error
        height = measure(values)  # as paper.fit_row
        put_line(row, ["" if v is None else v for v in values], row_fmts, max(ROW_MIN, height or 0))
        row += 1
    ws.autofilter(HEADER_ROW, 0, max(row - 1, HEADER_ROW), last)
    print_setup(ws, WORK, last_col=last, last_row=max(row - 1, HEADER_ROW))
    finish(wb, ws)  # zipped on the second core while 校验问题 and the shared strings are written
