"""The tables of a Word reply (.docx, also when saved under a .wps or .doc name) → grids.

Counties often fill 附件1 and 附件2 in the Word copy of the notice. Each table becomes a
grid that reads exactly like a worksheet, so the same header finder and the same rules
apply:

- A cell merged across (``gridSpan``) or down (``vMerge``) is one value at its top-left
  position plus a merged range, as calamine gives an Excel merge: a 问题描述 merged down
  over three measure rows behaves the same in Word and in Excel.
- The paragraphs just above a table (附件1, the title, "谷城县商务主管部门（盖章）") become
  rows above it, and a contact line just below it a row below, because that is where
  the header finder looks for the bureau and the contact line.
- ``Grid.table_rows`` records which grid rows are the table's own, so that findings and
  the rollup's 来源行 can say "表格2 第5行", as the clerk sees it in Word.
- Text struck through (``w:strike``, ``w:dstrike`` on a run) is deleted, as in Excel
  (formats.py): "~~8~~10" reads 10, not 810; a row struck through whole is no data.
- A revision not yet accepted (审阅→修订: ``w:ins``/``w:del``, ``w:moveTo``/``w:moveFrom``)
  is read as its revised text, the text Word shows, and the text before it is kept
  (``WordTable.revised``): checking tells the clerk, and where the two differ in a figure,
  是/否 or a date the cell is in no total (checking/readings.py).

The XML is read with python-docx's parser (no entity resolution); the package has
already passed the reader's zip-bomb and DTD checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zhenggai.intake.formats import Struck

_BELOW = re.compile(r"联系人|联系电话|^注[:：]|^说明[:：]|^填表|^填报")
_ABOVE_MAX = 8  # title, notes and the 盖章 line: a few paragraphs at most


@dataclass(slots=True)
class WordTable:
    """One table as a grid: what ``reader.Grid`` needs (reader builds the Grid)."""

    name: str
    rows: list[list[object]]
    merges: list[tuple[tuple[int, int], tuple[int, int]]]
    table_rows: tuple[int, int]
    # (row, col) 0-based → the cell's text struck through (formats.Struck), and the text a
    # cell held before a revision not accepted.
    struck: dict[tuple[int, int], Struck]
    revised: dict[tuple[int, int], str]


def read_docx(path: Path) -> list[WordTable]:
    """One grid per top-level table, named 表格1, 表格2 … in document order."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    body = document.element.body
    blocks: list[tuple[str, Any]] = []  # ("p", text) | ("tbl", element), in order
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            blocks.append(("p", _text(child)))
        elif child.tag == qn("w:tbl"):
            blocks.append(("tbl", child))
    grids: list[WordTable] = []
    for i, (what, el) in enumerate(blocks):
        if what != "tbl":
            continue
        above: list[str] = []
        for j in range(i - 1, -1, -1):
            if blocks[j][0] != "p" or len(above) >= _ABOVE_MAX:
                break
            if blocks[j][1]:
                above.insert(0, blocks[j][1])
        below: list[str] = []
        for j in range(i + 1, len(blocks)):
            if blocks[j][0] != "p":
                break
            text = blocks[j][1]
            if not text:
                continue
            if not _BELOW.search(text):
                break
            below.append(text)
        rows, merges, struck, revised = _table(el)
        width = max((len(r) for r in rows), default=1)
        top = len(above)
        grid_rows: list[list[object]] = [[t, *[""] * (width - 1)] for t in above]
        grid_rows += [r + [""] * (width - len(r)) for r in rows]
        grid_rows += [[t, *[""] * (width - 1)] for t in below]
        grids.append(WordTable(
            name=f"表格{len(grids) + 1}",
            rows=grid_rows,
            merges=[((r0 + top, c0), (r1 + top, c1)) for (r0, c0), (r1, c1) in merges],
            table_rows=(top, top + len(rows)),
            struck={(r + top, c): v for (r, c), v in struck.items()},
            revised={(r + top, c): v for (r, c), v in revised.items()},
        ))
    return grids


def _text(el: Any) -> str:
    """A paragraph's visible text (runs, tabs and line breaks), stripped."""
    from docx.oxml.ns import qn

    out: list[str] = []
    for node in el.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        if node.tag == qn("w:t"):
            out.append(node.text or "")
        elif node.tag == qn("w:tab"):
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out).strip()


_Merges = list[tuple[tuple[int, int], tuple[int, int]]]


def _table(tbl: Any) -> tuple[list[list[object]], _Merges, dict[tuple[int, int], Struck], dict[tuple[int, int], str]]:
    """Rows of cell texts on the table's grid columns, the merged ranges, and the cells with
    text struck through or revised (see :func:`_cell`)."""
    from docx.oxml.ns import qn

    struck: dict[tuple[int, int], Struck] = {}
    revised: dict[tuple[int, int], str] = {}
    rows: list[list[object]] = []
    spans: list[list[int]] = []  # per row: [col, span, vmerge (0 none, 1 restart, 2 continue)] flat
    for tr in tbl.iterchildren(qn("w:tr")):
        row: list[object] = []
        marks: list[int] = []
        before = tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}")
        col = _int(before.get(qn("w:val"))) if before is not None else 0
        row.extend([""] * col)
        # Cells may sit inside content controls (w:sdt); take every w:tc of this row.
        for tc in tr.iter(qn("w:tc")):
            if tc.getparent() is not tr and tc.getparent().tag != qn("w:sdtContent"):
                continue  # a nested table's cell
            props = tc.find(qn("w:tcPr"))
            span = vmerge = 0
            if props is not None:
                gs = props.find(qn("w:gridSpan"))
                span = _int(gs.get(qn("w:val"))) if gs is not None else 1
                vm = props.find(qn("w:vMerge"))
                if vm is not None:
                    vmerge = 1 if vm.get(qn("w:val")) == "restart" else 2
            span = max(span, 1)
            text, strike, before = _cell(tc)
            if vmerge != 2:
                if strike is not None:
                    struck[(len(rows), col)] = strike
                if before is not None:
                    revised[(len(rows), col)] = before
            row.extend([text if vmerge != 2 else "", *[""] * (span - 1)])
            marks += [col, span, vmerge]
            col += span
        rows.append(row)
        spans.append(marks)
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for r, marks in enumerate(spans):
        for k in range(0, len(marks), 3):
            col, span, vmerge = marks[k:k + 3]
            if vmerge == 2:
                continue  # part of a range started above
            last = r
            if vmerge == 1:
                # A vertical merge runs down while the cell at the same grid column continues it.
                while last + 1 < len(spans) and _continues(spans[last + 1], col):
                    last += 1
            if last > r or span > 1:
                merges.append(((r, col), (last, col + span - 1)))
    return rows, merges, struck, revised


_ON = frozenset({"", "1", "true", "on"})


def _cell(tc: Any) -> tuple[str, Struck | None, str | None]:
    """A cell's text as Word shows it with revisions accepted (struck runs included: the
    reader takes them out), what is struck through in it, and its text before the revisions
    (None when there are none, or they change nothing)."""
    from docx.oxml.ns import qn

    from zhenggai.intake.formats import Rich

    shown: list[tuple[str, bool | None]] = []
    before: list[tuple[str, bool | None]] = []
    revision = False
    for p in tc.iterchildren(qn("w:p")):
        now: list[tuple[str, bool | None]] = []
        then: list[tuple[str, bool | None]] = []
        for run in p.iter(qn("w:r")):
            text = _run_text(run)
            if not text:
                continue
            rev = _revision(run, p)
            revision = revision or rev != 0
            props = run.find(qn("w:rPr"))
            strike = any(el is not None and (el.get(qn("w:val")) or "").lower() in _ON
                         for el in ((props.find(qn("w:strike")), props.find(qn("w:dstrike"))) if props is not None
                                    else ()))
            if rev >= 0:
                now.append((text, strike))
            if rev <= 0:
                then.append((text, strike))
        for out, part in ((shown, now), (before, then)):
            joined = "".join(t for t, _ in part)
            if joined.strip():
                lead = len(joined) - len(joined.lstrip())  # the paragraph stripped, as _text does
                part = _strip(part, lead, len(joined.rstrip()))
                out.extend([*([("\n", None)] if out else []), *part])
    text = "".join(t for t, _ in shown)
    struck = Rich(tuple(shown)).resolve(False)
    if not revision:
        return text, struck, None
    found = Rich(tuple(before)).resolve(False)
    old = found.kept.strip() if found is not None else "".join(t for t, _ in before)
    return text, struck, (old if old != (struck.kept.strip() if struck is not None else text) else None)


def _strip(part: list[tuple[str, bool | None]], start: int, end: int) -> list[tuple[str, bool | None]]:
    """The runs cut to characters [start, end) of their joined text."""
    out: list[tuple[str, bool | None]] = []
    at = 0
    for text, strike in part:
        lo, hi = max(start - at, 0), min(end - at, len(text))
        if lo < hi:
            out.append((text[lo:hi], strike))
        at += len(text)
    return out


def _run_text(run: Any) -> str:
    from docx.oxml.ns import qn

    out: list[str] = []
    for node in run:
        if node.tag in (qn("w:t"), qn("w:delText")):
            out.append(node.text or "")
        elif node.tag == qn("w:tab"):
            out.append("\t")
        elif node.tag in (qn("w:br"), qn("w:cr")):
            out.append("\n")
    return "".join(out)


def _revision(run: Any, stop: Any) -> int:
    """1: the run was inserted by a revision not accepted; -1: deleted; 0: neither."""
    from docx.oxml.ns import qn

    el = run.getparent()
    while el is not None and el is not stop:
        if el.tag in (qn("w:ins"), qn("w:moveTo")):
            return 1
        if el.tag in (qn("w:del"), qn("w:moveFrom")):
            return -1
        el = el.getparent()
    return 0


def _continues(marks: list[int], col: int) -> bool:
    return any(marks[k] == col and marks[k + 2] == 2 for k in range(0, len(marks), 3))


def _int(text: str | None) -> int:
    try:
        return int(text) if text else 1
    except ValueError:
        return 1
