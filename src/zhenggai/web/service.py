"""The one module of the web intake that calls the library.

Everything a page shows about a workbook (findings, tables found, the sheet itself, the
annotated copy, the pre-filled forms, the rollup) comes from the same functions the
command line uses; nothing here reads a workbook or applies a rule by itself. When the
library's public API lands, only this module changes.

Since lib's public API landed, checks and merges go through ``zhenggai.validate`` /
``zhenggai.merge`` and the form writers; the sheet preview, the annotated copy and the
feedback list still use their modules directly (not part of the public API yet).

The rollup is produced by ``zhenggai merge`` itself, run on the export folder, so the
workbook the prefecture downloads is, cell for cell, what ``zhenggai merge`` gives on
the exported folder (file names included, which the rollup lists as sources).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhenggai.core.results import DEADLINE

if TYPE_CHECKING:
    from zhenggai.forms.feedback_list import FeedbackList

PREVIEW_ROWS = 120  # rows of a sheet shown on the page; a county's reply has 5–60
PREVIEW_COLS = 16
KIND_LABELS = {"appendix1": "附件1", "appendix2": "附件2"}


@dataclass(frozen=True, slots=True)
class Settings:
    """What every check and the rollup compare against (from ``serve``'s options)."""

    prefecture: str | None = None
    counties: tuple[str, ...] = ()
    deadline: date = DEADLINE
    problems: Path | None = None  # the feedback list, stored in the intake folder
    previous: Path | None = None  # last round's rollup (``serve --previous``), stored in the intake folder


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored file to check or export: its bytes, and a name for it (never the uploaded one)."""

    key: int  # upload id
    path: Path
    name: str  # e.g. 谷城县-附件1.xlsx
    mtime: float | None = None


@dataclass(slots=True)
class FileCheck:
    """One file's result, in the JSON shape the pages read."""

    key: int
    kinds: list[str] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    county: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)


def _options(settings: Settings) -> Any:
    import zhenggai

    return zhenggai.Options(deadline=settings.deadline, as_of=date.today())


def feedback_list(settings: Settings) -> FeedbackList | None:
    """The province's feedback list, when ``serve`` was given one."""
    if settings.problems is None or not settings.problems.is_file():
        return None
    from zhenggai.forms.feedback_reader import read_feedback_list

    return read_feedback_list(settings.problems, settings.problems.name)


def counties_of(problems: Path) -> tuple[list[str], str | None]:
    """The counties a feedback list names, and its first reading problem (None: readable)."""
    from zhenggai.forms.feedback_reader import read_feedback_list

    fl = read_feedback_list(problems, problems.name)
    reason = fl.findings[0].message if fl.findings else None
    return fl.counties, reason


def parse_deadline(text: str) -> date | None:
    """A deadline as clerks write it."""
    from zhenggai.core.parse import parse_date

    return parse_date(text).value


def county_forms(settings: Settings, county: str) -> list[tuple[str, bytes]]:
    """The county's pre-filled 附件1 and 附件2 (file name, bytes), as ``init-county`` writes them."""
    import zhenggai

    prefill = zhenggai.Prefill()
    fl = feedback_list(settings)
    if fl is not None:
        listed = fl.for_county(county)
        if listed:
            prefill = zhenggai.Prefill(problems=tuple((p.category, p.text) for p in listed))
    forms = zhenggai.CountyForms(county=county, prefecture=settings.prefecture, deadline=settings.deadline,
                                 prefill=prefill)
    with tempfile.TemporaryDirectory(prefix="zhenggai-forms-") as tmp:
        paths = zhenggai.write_county_forms(Path(tmp), forms)
        return [(p.name, p.read_bytes()) for p in paths]


def _place(entries: Sequence[Entry], folder: Path) -> dict[Path, Entry]:
    """Put each stored file into ``folder`` under its entry name (hard link, else copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    placed: dict[Path, Entry] = {}
    for e in entries:
        target = folder / e.name
        try:
            os.link(e.path, target)
        except OSError:
            shutil.copyfile(e.path, target)
        if e.mtime is not None:
            os.utime(target, (e.mtime, e.mtime))
        placed[target] = e
    return placed


def _cell_index(cell: str) -> tuple[int, int] | None:
    """"C7" → (row 7, column 3), both 1-based."""
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = cell[len(letters):]
    if not letters or not digits.isdigit():
        return None
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return int(digits), col


def _preview(path: Path, display: str, result: Any, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sheets holding a table, as text grids with each finding on its cell."""
    from zhenggai.core.findings import column_letter
    from zhenggai.core.parse import display as shown
    from zhenggai.intake.reader import read_book

    wanted = {t.table.sheet for t in result.tables}
    marks: dict[tuple[str, int, int], list[dict[str, Any]]] = {}
    for f in findings:
        pos = _cell_index(f["cell"]) if f.get("cell") else None
        if pos is not None and f.get("sheet"):
            marks.setdefault((f["sheet"], *pos), []).append(f)
    sheets = []
    for grid in read_book(path, display).grids:
        if grid.name not in wanted:
            continue
        flagged_rows = [r for (s, r, _) in marks if s == grid.name]
        last_row = min(len(grid.rows), max([PREVIEW_ROWS, *flagged_rows]))
        width = max((len(r) for r in grid.rows[:last_row]), default=0)
        flagged_cols = [c for (s, _, c) in marks if s == grid.name]
        width = min(width, max([PREVIEW_COLS, *flagged_cols]))
        rows = []
        for i in range(last_row):
            raw = grid.rows[i] if i < len(grid.rows) else []
            cells = []
            for j in range(width):
                text = shown(raw[j]) if j < len(raw) else None
                hits = marks.get((grid.name, i + 1, j + 1), [])
                sev = "error" if any(h["severity"] == "error" for h in hits) else (hits[0]["severity"] if hits else "")
                cells.append({"text": text or "", "sev": sev, "tip": "；".join(h["message"] for h in hits),
                              "ref": f"{column_letter(j)}{i + 1}"})
            rows.append(cells)
        flagged = sum(1 for (s, _, _) in marks if s == grid.name)
        sheets.append({"name": grid.name, "columns": [column_letter(j) for j in range(width)], "rows": rows,
                       "more": len(grid.rows) > last_row, "flagged": flagged})
    return sheets


def check(settings: Settings, entries: Sequence[Entry], *, preview: bool = True) -> list[FileCheck]:
    """Check files together (as one county's reply): findings and sheet previews per file."""
    import zhenggai

    with tempfile.TemporaryDirectory(prefix="zhenggai-check-") as tmp, contextlib.ExitStack() as stack:
        placed = _place(entries, Path(tmp))
        # closed when done: extracted .zip members must not pile up in a long-running server
        result = stack.enter_context(zhenggai.validate(list(placed), _options(settings),
                                                       problems=feedback_list(settings)))
        results = result.files
        by_display = {fr.path: fr for fr in result.report.files}
        out: list[FileCheck] = []
        for r in results:
            entry = placed.get(r.path)
            if entry is None:
                continue  # the feedback list's own findings: shown to the prefecture at start-up
            fr = by_display.get(r.display)
            findings = [f.to_dict() for f in (fr.findings if fr is not None else [])]
            kinds = sorted({t.table.kind.value for t in r.tables})
            fc = FileCheck(entry.key, kinds, r.errors, r.warnings, r.county, findings)
            if preview and r.readable:
                fc.sheets = _preview(r.path, entry.name, r, findings)
            out.append(fc)
        return out


def same_county(a: str, b: str) -> bool:
    """"谷城" and "谷城县" name the same county (as the feedback list matches them)."""
    return a == b or a.startswith(b) or b.startswith(a)


def not_this_county(found: str, county: str) -> dict[str, Any]:
    """The finding for a file that another county's data is in (the link says who sent it)."""
    from zhenggai.core.findings import make

    return make("county-not-link", file="", value=found, found=found, county=county).to_dict()


def annotated_copy(settings: Settings, entries: Sequence[Entry], key: int) -> tuple[str, bytes] | None:
    """The annotated copy of one file of a set (name, bytes): errors red, warnings yellow, notes."""
    import zhenggai
    from zhenggai.outputs.annotated import annotate, annotated_name

    with tempfile.TemporaryDirectory(prefix="zhenggai-annotate-") as tmp, contextlib.ExitStack() as stack:
        placed = _place(entries, Path(tmp) / "in")
        # closed when done: extracted .zip members must not pile up in a long-running server
        result = stack.enter_context(zhenggai.validate(list(placed), _options(settings),
                                                       problems=feedback_list(settings)))
        for r in result.files:
            entry = placed.get(r.path)
            if entry is not None and entry.key == key:
                out = Path(tmp) / "out"
                out.mkdir()
                written = annotate(r, out, set(placed), annotated_name(r.path))
                return (written.name, written.read_bytes()) if written is not None else None
    return None


def export_name(county: str, kinds: Sequence[str], suffix: str, taken: set[str]) -> str:
    """A file's name in the export: 谷城县-附件1.xlsx, 谷城县-附件1附件2.xlsx …"""
    label = "".join(KIND_LABELS[k] for k in sorted(kinds) if k in KIND_LABELS) or "文件"
    name, n = f"{county}-{label}{suffix}", 2
    while name.lower() in taken:
        name = f"{county}-{label}-{n}{suffix}"
        n += 1
    taken.add(name.lower())
    return name


def export_folder_name(settings: Settings) -> str:
    """The export's folder name: 襄阳市报送."""
    return f"{settings.prefecture or '市州'}报送"


def merge_command(settings: Settings) -> list[str]:
    """The ``zhenggai merge`` arguments that rebuild the rollup from an export (run beside it)."""
    args = ["merge", export_folder_name(settings), "-o", f"{settings.prefecture or ''}汇总.xlsx"]
    if settings.prefecture:
        args += ["--prefecture", settings.prefecture]
    if settings.counties:
        args += ["--expect", ",".join(settings.counties)]
    if settings.problems is not None:
        args += ["--problems", "反馈问题清单.xlsx"]
    args += ["--deadline", settings.deadline.isoformat()]
    return args


def write_export(settings: Settings, by_county: dict[str, list[Entry]], root: Path) -> Path:
    """The export: ``root/襄阳市报送/<县>/<files>``, the feedback list and a 说明.txt beside it."""
    folder = root / export_folder_name(settings)
    folder.mkdir(parents=True)
    for county, entries in by_county.items():
        _place(entries, folder / county)
    if settings.problems is not None and settings.problems.is_file():
        shutil.copyfile(settings.problems, root / "反馈问题清单.xlsx")
    command = " ".join(["zhenggai", *(a if " " not in a else f'"{a}"' for a in merge_command(settings))])
    (root / "说明.txt").write_text(
        f"{export_folder_name(settings)} 文件夹中是各县（市、区）最近一次报送的文件。\r\n"
        f"在本文件所在的文件夹中运行下面的命令，得到与网上报送系统下载的相同的汇总表：\r\n\r\n"
        f"    {command}\r\n", encoding="utf-8-sig")
    return folder


def rollup(settings: Settings, by_county: dict[str, list[Entry]]) -> bytes:
    """The rollup workbook: ``zhenggai merge`` run on the export, exactly as a person would."""
    with tempfile.TemporaryDirectory(prefix="zhenggai-rollup-") as tmp:
        write_export(settings, by_county, Path(tmp))
        args = merge_command(settings)
        out = Path(tmp) / args[args.index("-o") + 1]
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        proc = subprocess.run([sys.executable, "-m", "zhenggai", *args], cwd=tmp, capture_output=True,
                              timeout=600, check=False, env=env)
        if proc.returncode not in (0, 1) or not out.is_file():
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(message[-1] if message else "汇总失败")
        return out.read_bytes()


def county_numbers(settings: Settings, by_county: dict[str, list[Entry]]) -> dict[str, dict[str, Any]]:
    """Per county, what the rollup's 汇总概览 says (status, rows, 完成率, overdue, coverage …)."""
    import zhenggai

    with tempfile.TemporaryDirectory(prefix="zhenggai-overview-") as tmp:
        folder = write_export(settings, by_county, Path(tmp))
        opts = zhenggai.MergeOptions(validate=_options(settings), prefecture=settings.prefecture,
                                     expect=settings.counties)
        result = zhenggai.merge([folder], opts, problems=feedback_list(settings))
    out: dict[str, dict[str, Any]] = {}
    for s in result.rollup.counties:
        data = s.to_dict()
        data["rate"] = s.rate
        data["total"] = s.total
        out[s.county] = data
    return out


# --- 与上次报送相比 ------------------------------------------------------------------------

# Findings about a whole county (not one item) get a word in the 变化 column, as the
# 进展对比 sheet gives every row one.
NOTE_WHAT = {"round-county-unchanged": "整份未更新", "round-county-silent": "本次未报送"}


def previous_problem(path: Path) -> str | None:
    """Why ``path`` cannot be last round's rollup for ``serve --previous`` (None: it can)."""
    import zhenggai
    from zhenggai.core.errors import InputError

    try:
        rollup = zhenggai.read_rollup(path)
    except InputError:
        return f"--previous 须是 zhenggai 生成的市州汇总表，{path.name} 不是"
    if rollup.province:
        return f"--previous 的 {path.name} 是全省汇总表，请给本市州上一轮的汇总表"
    return None


def _merge_set(settings: Settings, county: str, entries: Sequence[Entry], folder: Path) -> Any:
    """One county's submitted files as a rollup, read by ``zhenggai.merge`` as ``merge`` reads them."""
    import zhenggai

    _place(entries, folder / county)
    opts = zhenggai.MergeOptions(validate=_options(settings), prefecture=settings.prefecture)
    return zhenggai.merge([folder], opts).rollup


def _rate(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def compare_submissions(settings: Settings, county: str, before: Sequence[Entry] | None,
                        now: Sequence[Entry], label: str) -> dict[str, Any]:
    """与上次报送相比: the county's files ``now`` against its earlier submission ``before`` (or,
    when None, last round's rollup ``settings.previous``), by ``zhenggai.compare_rollups`` (the
    comparison ``diff`` and ``merge --previous`` make). Only this county's lines are kept: a
    prefecture rollup holds the other counties too.
    """
    import zhenggai

    opts = zhenggai.MergeOptions(validate=_options(settings), prefecture=settings.prefecture,
                                 feedback=feedback_list(settings))
    with tempfile.TemporaryDirectory(prefix="zhenggai-compare-") as tmp:
        current = _merge_set(settings, county, now, Path(tmp) / "now")
        if before is not None:
            earlier = _merge_set(settings, county, before, Path(tmp) / "before")
        elif settings.previous is not None and settings.previous.is_file():
            earlier = zhenggai.read_rollup(settings.previous, opts)
        else:
            raise ValueError("nothing to compare with")
    c = zhenggai.compare_rollups(earlier, current, opts, labels=(label, "本次"))
    mine = [s for s in c.counties if same_county(s.county, county)]
    line = next((s for s in mine if s.status_now != "missing"), mine[0] if mine else None)
    rows: list[dict[str, Any]] = []
    for ch in c.changes:
        if same_county(ch.county, county):
            rows.append({"seq": ch.seq, "problem": ch.problem, "what": ch.what, "before": ch.before,
                         "after": ch.after, **_finding_cells(ch.finding)})
    for n in c.notes:
        if same_county(n.county, county):
            rows.append({"seq": None, "problem": "", "what": NOTE_WHAT.get(n.finding.code, ""), "before": "",
                         "after": "", **_finding_cells(n.finding)})
    counts = {k: getattr(line, k) for k in ("finished", "reopened", "postponed", "stalled", "missing", "new",
                                            "decreased")} if line else {}
    return {"label": label, "rate_before": _rate(line.rate_before if line else None),
            "rate_now": _rate(line.rate_now if line else None), "counts": counts, "rows": rows,
            "errors": sum(1 for r in rows if r["severity"] == "error"),
            "warnings": sum(1 for r in rows if r["severity"] == "warning")}


def _finding_cells(f: Any) -> dict[str, Any]:
    d = f.to_dict()
    return {"severity": d["severity"], "code": d["code"], "sheet": d.get("sheet"), "cell": d.get("cell"),
            "message": d["message"]}
