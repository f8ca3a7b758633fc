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

The XML is read with python-docx's parser (no entity resolution); the package has
already passed the reader's zip-bomb and DTD checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_BELOW = re.compile(r"联系人|联系电话|^注[:：]|^说明[:：]|^填表|^填报")
_ABOVE_MAX = 8  # title, notes and the 盖章 line: a few paragraphs at most


@dataclass(slots=True)
class WordTable:
    """One table as a grid: what ``reader.Grid`` needs (reader builds the Grid)."""

    name: str
    rows: list[list[object]]
    merges: list[tuple[tuple[int, int], tuple[int, int]]]
    table_rows: tuple[int, int]


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
        rows, merges = _table(el)
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


def _table(tbl: Any) -> tuple[list[list[object]], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Rows of cell texts on the table's grid columns, and the merged ranges."""
    from docx.oxml.ns import qn

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
            text = "\n".join(t for t in (_text(p) for p in tc.iterchildren(qn("w:p"))) if t)
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
    return rows, merges


def _continues(marks: list[int], col: int) -> bool:
    return any(marks[k] == col and marks[k + 2] == 2 for k in range(0, len(marks), 3))


def _int(text: str | None) -> int:
    try:
        return int(text) if text else 1
    except ValueError:
        return 1
