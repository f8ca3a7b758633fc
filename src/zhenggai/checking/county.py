"""The county of each table of a file, and where it was found.

The 盖章 line of each sheet names its county; else the title, the sheet name, 附件2's
县（市、区） column or the file name does, with a warning saying where (none at all is an
error); places that disagree are a warning naming each. A workbook holding several
counties (a 市 that collected its 县区) keeps each table's own. ``checking.files.check_file`` calls
:func:`resolve_county`; it returns new tables and the findings, changing nothing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from zhenggai.core.findings import Finding, a1, make
from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import county_from_filename, is_bureau_placeholder
from zhenggai.core.results import TableResult
from zhenggai.core.table import Table


def _county_missing_detail(t: Table) -> str:
    """What the clerk must change, naming what was found (never a placeholder not written)."""
    if t.bureau is None:
        return "表格上方没有盖章行（如“长阳土家族自治县经济和信息化局（盖章）”），读不出县（市、区）名称"
    text = t.bureau[2]
    if is_bureau_placeholder(text):
        return "盖章行没有写明县（市、区）名称，请把“**县（市、区）”改为本县名称"
    return (f"盖章行“{text}”中读不出县（市、区）名称：应为县名在前、单位名称在后，"
            "如“长阳土家族自治县经济和信息化局（盖章）”")


def resolve_county(tables: list[TableResult], path: Path, shown: str) -> tuple[list[TableResult], str | None,
                                                                                list[Finding]]:
    """County of each table from its own 盖章 line; else 附件2's column or the file name.

    A workbook may hold several counties (a 市 that collected its 县区 first): each
    sheet's 盖章 line names that sheet's county, and none may vanish. Returns the tables
    (each with its county, 附件2's with the row that counts per county), the file's county
    and the findings.
    """
    from zhenggai.forms.shapes import assign_counties, split_by_county_column

    split: list[TableResult] = []
    for t in tables:
        parts = split_by_county_column(t) if t.table.kind == TableKind.APPENDIX1 else None
        split.extend(parts or [t])
    from_line = [t.table.county for t in split if t.table.county]
    lines = list(dict.fromkeys(from_line))
    hints = list(dict.fromkeys(t.table.county_elsewhere for t in split if t.table.county_elsewhere))
    from_a2 = [s.county for t in split if t.table.kind == TableKind.APPENDIX2 for s in t.stats if s.county]
    from_name = county_from_filename(path)
    # Where the county is, in order: the 盖章 line, the title, the sheet name, 附件2's
    # 县（市、区） column, the file name. Found anywhere but the 盖章 line: a warning.
    where, county = (("盖章行", from_line[0]) if from_line else hints[0] if hints
                     else ("附件2 的县（市、区）列", from_a2[0]) if len(from_a2) == 1
                     else ("文件名", from_name) if from_name else ("", None))
    out: list[TableResult] = []
    found: list[Finding] = []
    for t in split:
        own = t.table.county_elsewhere
        t = replace(t, county=t.table.county or (own[1] if own else county))
        if t.table.kind == TableKind.APPENDIX2:
            counties, notes = assign_counties(t, shown, t.county)
            t = replace(t, counties=counties)
            found += notes
        out.append(t)
        if t.table.county or t.blank:
            continue
        named = [*lines, *(n for _, n in hints), *from_a2, *([from_name] if from_name else [])]
        found += _county_not_on_bureau_line(shown, t, own or (where, county), named)
    file_county = "、".join(lines) if len(lines) > 1 else county
    if len(lines) > 1 or len({"".join(n.split()) for n in from_a2}) > 1:
        return out, file_county, found  # several counties in one workbook: each table has its own county
    sources = []
    if from_line:
        sources += [("盖章行", x) for x in lines]
    sources += [(w, n) for w, n in hints if n not in lines]
    if len(from_a2) == 1:
        sources.append(("附件2", from_a2[0]))
    if from_name:
        sources.append(("文件名", from_name))
    # "谷  城  县" (spaced out to line up in its cell) names the same county as 谷城县.
    if len({"".join(n.split()) for _, n in sources}) > 1:
        found.append(_county_mismatch(out, sources, shown))
    return out, file_county, found


def _county_mismatch(tables: list[TableResult], sources: list[tuple[str, str]], shown: str) -> Finding:
    """The places naming a county disagree: on 附件2's 县（市、区） cell when it is one of them."""
    detail = "，".join(f"{src}为“{n}”" for src, n in sources)
    a2 = [(t, s) for t in tables if t.table.kind == TableKind.APPENDIX2 for s in t.stats if s.county]
    if a2 and len({n for src, n in sources if src != "文件名"}) > 1:
        t, s = a2[0]
        col = t.table.header.cols["county"]
        return make("county-mismatch", file=shown, sheet=t.table.sheet, cell=a1(s.row, col), row=s.row,
                    field="县（市、区）", value=s.county, detail=detail)
    return make("county-mismatch", file=shown, detail=detail)


def _county_not_on_bureau_line(shown: str, t: TableResult, found: tuple[str, str | None],
                               named: list[str]) -> list[Finding]:
    """The 盖章 line names no county: a warning saying where it was found, else an error."""
    where, county = found
    detail = _county_missing_detail(t.table)
    at: dict[str, object] = {"sheet": t.table.sheet}
    if t.table.bureau is not None:
        r, c, text = t.table.bureau
        at |= {"cell": a1(r, c), "row": r, "value": text}
    if county is None:
        return [make("county-missing", file=shown, fallback="", detail=detail, **at)]  # type: ignore[arg-type]
    others = sorted({n for n in named if n != county})
    disagree = f"；但其他地方写的是“{'、'.join(others)}”，请核对" if others else ""
    return [make("county-found-elsewhere", file=shown, detail=detail, where=where, county=county,
                 disagree=disagree, **at)]  # type: ignore[arg-type]
