"""Golden snapshot of how the written rollups LOOK: formats, row heights, merges, comments, print.

``test_golden.py`` pins every cell value; this pins everything else a clerk sees on screen
or paper, so that a change to the writer (speed, refactoring) proves "nothing changed":
per sheet the row heights, column widths, merged ranges, frozen panes, autofilter, print
settings, comments, and each cell's format (font, fill, border, alignment, number format).
Cases: the sample 襄阳 rollup, its second round with ``--previous`` (进展对比), and the
province merge of the first. Regenerate, when a change is MEANT to alter the look:

    ZHENGGAI_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_formats.py -q
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from zhenggai.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = Path(__file__).resolve().parent / "golden" / "formats.json"
REGEN = os.environ.get("ZHENGGAI_REGEN_GOLDEN") == "1"


def _style(c: Any) -> str:
    f, a, b = c.font, c.alignment, c.border
    fill = c.fill.fgColor.rgb if c.fill is not None and c.fill.fill_type else None
    return "|".join(str(x) for x in (
        f.name, f.sz, f.b, f.color.rgb if f.color is not None else None, fill, c.number_format,
        a.horizontal, a.vertical, a.wrap_text,
        b.left.style, b.right.style, b.top.style, b.bottom.style,
    ))


def _look(path: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {}
    for ws in wb.worksheets:
        styles: dict[str, list[str]] = {}
        comments: dict[str, str] = {}
        for row in ws.iter_rows():
            for c in row:
                if c.has_style:
                    styles.setdefault(_style(c), []).append(c.coordinate)
                if c.comment is not None:
                    comments[c.coordinate] = c.comment.text
        ps = ws.page_setup
        out[ws.title] = {
            "heights": {str(r): d.height for r, d in sorted(ws.row_dimensions.items()) if d.height is not None},
            "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items())},
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "print": [ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight, str(ws.print_area),
                      str(ws.print_title_rows), ws.oddFooter.center.text, ws.print_options.horizontalCentered,
                      ws.page_margins.left, ws.page_margins.top],
            "charts": len(ws._charts),
            "comments": comments,
            "styles": styles,
        }
    return out


def _merge(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["merge", *args, "--force", "--format", "json", "--as-of", "2022-07-15"])
    assert result.exit_code in (0, 1), result.output


def _snapshot(tmp: Path) -> dict[str, Any]:
    inbox, second = tmp / "襄阳市收件", tmp / "襄阳市收件-第二轮"
    shutil.copytree(ROOT / "examples" / "襄阳市收件", inbox)
    shutil.copytree(ROOT / "examples" / "襄阳市收件-第二轮", second)
    pref = tmp / "市州"
    pref.mkdir()
    first = pref / "襄阳市汇总.xlsx"
    _merge([str(inbox), "-o", str(first), "--prefecture", "襄阳市"])
    again = tmp / "第二轮.xlsx"
    _merge([str(second), "-o", str(again), "--prefecture", "襄阳市", "--previous", str(first)])
    prov = tmp / "湖北省.xlsx"
    _merge([str(pref), "-o", str(prov), "--prefecture", "湖北省"])
    return {"examples-merge": _look(first), "second-round": _look(again), "province": _look(prov)}


def test_rollup_look_matches_golden(tmp_path: Path) -> None:
    """Formats, heights, merges, comments and print settings equal the committed snapshot."""
    snap = json.loads(json.dumps(_snapshot(tmp_path), ensure_ascii=False))
    if REGEN:
        SNAPSHOT.write_text(json.dumps(snap, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    golden = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert golden.keys() == snap.keys()
    for case in golden:
        assert golden[case].keys() == snap[case].keys(), case
        for sheet in golden[case]:
            for part in golden[case][sheet]:
                assert snap[case][sheet][part] == golden[case][sheet][part], (case, sheet, part)
