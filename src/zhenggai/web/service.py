"""The one module of the web intake that calls the library.

Everything a page shows about a workbook (findings, tables found, the sheet itself, the
annotated copy, the pre-filled forms, the rollup) comes from the same functions the
command line uses; nothing here reads a workbook or applies a rule by itself. When the
library's public API lands, only this module changes.

Since lib's public API landed, checks and merges go through ``zhenggai.validate`` /
``zhenggai.merge`` and the form writers; the sheet preview, the annotated copy and the
feedback list still use their modules directly (not part of the public API yet).

The rollup is produced by ``zhenggai.merge`` in the server (no subprocess), run on the
export folder with the options ``zhenggai merge`` would resolve there (the config file's
sign-off included), so the workbook the prefecture downloads is, cell for cell, what
``zhenggai merge`` gives on the exported folder (file names included, which the rollup
lists as sources), plus the 审核状态 column only the intake knows.

Work per upload is bounded: the sheet preview shows at most ``PREVIEW_ROWS`` rows and
``PREVIEW_COLS_MAX`` columns whatever is flagged, and a page lists at most
``FINDINGS_SHOWN`` findings per file; every finding is still counted and kept,
compressed where the check ran (``FileCheck.packed``), for the full list download.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import threading
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhenggai.core.results import DEADLINE

if TYPE_CHECKING:
    from zhenggai.forms.feedback_list import FeedbackList

PREVIEW_ROWS = 120  # rows of a sheet shown on the page; a county's reply has 5–60
PREVIEW_COLS = 16
PREVIEW_COLS_MAX = 40  # flagged columns widen the preview up to here, never further
FINDINGS_SHOWN = 200  # findings listed on a page per file; all are counted and downloadable
KIND_LABELS = {"appendix1": "附件1", "appendix2": "附件2"}


@dataclass(frozen=True, slots=True)
class Settings:
    """What every check and the rollup compare against (from ``serve``'s options)."""

    prefecture: str | None = None
    counties: tuple[str, ...] = ()
    deadline: date = DEADLINE
    problems: Path | None = None  # the feedback list, stored in the intake folder
    previous: Path | None = None  # last round's rollup (``serve --previous``), stored in the intake folder
    folder: Path | None = None  # the intake folder: its zhenggai.toml gives the rollup's sign-off
    work: Path | None = None  # where temporary folders go (emptied when a server starts)

    def temp(self, prefix: str) -> contextlib.AbstractContextManager[str]:
        """A temporary folder for one piece of work, inside the intake folder when there is one."""
        if self.work is None:
            return tempfile.TemporaryDirectory(prefix=prefix)
        return scratch(self.work / f"{prefix}{os.getpid()}-{threading.get_ident()}")


@contextlib.contextmanager
def scratch(folder: Path) -> Iterator[str]:
    """A folder of this thread's own, emptied when done but kept: creating and removing a
    folder costs a disk sync (5 ms here) per check, which a hundred counties uploading at
    once would wait for in turn. A thread does one piece of work at a time; the folders are
    removed when the server next starts (``Store.claim``)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield str(folder)
    finally:
        for p in folder.iterdir():
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    p.unlink()


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
    findings: list[dict[str, Any]] = field(default_factory=list)  # at most FINDINGS_SHOWN
    sheets: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0  # findings in all
    packed: bytes = b""  # every finding, as zlib-compressed JSON (a 150,000-row sheet's stay small)
    written: dict[str, Any] | None = None  # where and how the file names its county (county-not-link)


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
    refused = fl.unusable  # a warning (a hidden old sheet) does not refuse the list
    reason = refused.message if refused else None
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
    with settings.temp("zhenggai-forms-") as tmp:
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
        # Never widened to the last flagged row: a 150,000-row sheet with an error near its
        # end gave a 158 MB page. Findings beyond the preview are in the list and the copy.
        last_row = min(len(grid.rows), PREVIEW_ROWS)
        width = max((len(r) for r in grid.rows[:last_row]), default=0)
        flagged_cols = [c for (s, r, c) in marks if s == grid.name and r <= last_row]
        width = min(width, max([PREVIEW_COLS, *flagged_cols]), PREVIEW_COLS_MAX)
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
        shown_flags = sum(1 for (s, r, c) in marks if s == grid.name and r <= last_row and c <= width)
        sheets.append({"name": grid.name, "columns": [column_letter(j) for j in range(width)], "rows": rows,
                       "more": len(grid.rows) > last_row, "total_rows": len(grid.rows), "flagged": flagged,
                       "hidden_flags": flagged - shown_flags})
    return sheets


def _owner(placed: dict[Path, Entry], r: Any) -> Entry | None:
    """The stored file a result comes from: the file itself, or the .zip it was extracted from
    (a member's display is "<archive> › <member>")."""
    entry = placed.get(r.path)
    if entry is not None:
        return entry
    for path, e in placed.items():
        if str(r.display).startswith(f"{path} › "):
            return e
    return None


def _anchored(findings: list[dict[str, Any]], sheets: list[dict[str, Any]]) -> None:
    """Mark the findings whose cell the preview shows (the list links only to those)."""
    shown = {s["name"]: (len(s["rows"]), len(s["columns"])) for s in sheets}
    for f in findings:
        pos = _cell_index(f["cell"]) if f.get("cell") else None
        size = shown.get(f.get("sheet") or "")
        f["anchor"] = bool(pos and size and pos[0] <= size[0] and pos[1] <= size[1])


def check(settings: Settings, entries: Sequence[Entry], *, preview: bool = True,
          county: str | None = None) -> list[FileCheck]:
    """Check files together (as one county's reply): findings and sheet previews per file.

    A .zip gives one FileCheck holding all its members (tables, counts and findings together).
    ``county``: whose link the files came through; a file naming another county gets a
    county-not-link error (its rows would land under that county in the rollup).
    """
    import zhenggai

    with settings.temp("zhenggai-check-") as tmp, contextlib.ExitStack() as stack:
        placed = _place(entries, Path(tmp))
        # closed when done: extracted .zip members must not pile up in a long-running server
        result = stack.enter_context(zhenggai.validate(list(placed), _options(settings),
                                                       problems=feedback_list(settings)))
        by_display = {fr.path: fr for fr in result.report.files}
        out: dict[int, FileCheck] = {}
        every: dict[int, list[dict[str, Any]]] = {}
        for r in result.files:
            entry = _owner(placed, r)
            if entry is None:
                continue  # the feedback list's own findings: shown to the prefecture at start-up
            fr = by_display.get(r.display)
            findings = [f.to_dict() for f in (fr.findings if fr is not None else [])]
            fc = out.setdefault(entry.key, FileCheck(entry.key))
            fc.kinds = sorted({*fc.kinds, *(str(t.table.kind.value) for t in r.tables)})
            fc.errors += r.errors
            fc.warnings += r.warnings
            fc.county = fc.county or r.county
            fc.written = fc.written or _written_county(r)
            sheets = _preview(r.path, entry.name, r, findings) if preview and r.readable else []
            if r.path not in placed:  # a .zip member: say which member each sheet is from
                member = str(r.display).split(" › ", 1)[-1]
                for sh in sheets:
                    sh["member"] = member
            _anchored(findings, sheets)
            fc.sheets += sheets
            every.setdefault(entry.key, []).extend(findings)
        for key, fc in out.items():
            found = every.get(key, [])
            if county is not None and fc.county is not None and not same_county(fc.county, county):
                extra = not_this_county(fc.county, county, fc.written)
                mark(fc.sheets, extra)
                found.insert(0, extra)
                fc.errors += 1
            fc.findings, fc.total = found[:FINDINGS_SHOWN], len(found)
            fc.packed = zlib.compress(json.dumps(found, ensure_ascii=False).encode("utf-8"), 6)
        return [out[e.key] for e in entries if e.key in out]


def check_job(settings: Settings, entries: Sequence[Entry], preview: bool, county: str | None) -> list[FileCheck]:
    """:func:`check` with positional arguments, as the reader boundary sends a job."""
    return check(settings, entries, preview=preview, county=county)


def crashed(entry: Entry, reason: str) -> FileCheck:
    """The check of a file whose reading ended its worker (a parser abort, a limit): unreadable,
    with the reason, as ``zhenggai validate`` reports such a file."""
    from zhenggai.checking.files import crashed_file

    r = crashed_file(entry.path, entry.name, reason)
    findings = [f.to_dict() for f in r.findings]
    return FileCheck(entry.key, [], r.errors, r.warnings, None, findings, total=len(findings),
                     packed=zlib.compress(json.dumps(findings, ensure_ascii=False).encode("utf-8")))


def _written_county(r: Any) -> dict[str, Any] | None:
    """Where the file names its county, as the clerk wrote it (the 盖章 line's own text and
    cell), so a wrong-county message quotes what the clerk typed, not the name it matched."""
    from zhenggai.core.findings import a1

    for t in r.tables:
        if t.table.bureau is not None and t.table.county:
            row, col, text = t.table.bureau
            return {"text": str(text).strip(), "sheet": t.table.sheet, "cell": a1(row, col), "row": row}
    return None


def same_county(a: str, b: str) -> bool:
    """"谷城" and "谷城县" name the same county (as the feedback list matches them)."""
    return a == b or a.startswith(b) or b.startswith(a)


def not_this_county(found: str, county: str, written: dict[str, Any] | None = None) -> dict[str, Any]:
    """The finding for a file that another county's data is in (the link says who sent it);
    it quotes and points at the 盖章 line as written when there is one."""
    from zhenggai.core.findings import make

    if written:
        return make("county-not-link", file="", sheet=written["sheet"], cell=written["cell"], row=written["row"],
                    value=written["text"], found=written["text"], county=county).to_dict()
    return make("county-not-link", file="", value=found, found=found, county=county).to_dict()


def mark(sheets: list[dict[str, Any]], finding: dict[str, Any]) -> None:
    """Put a finding made after the check (county-not-link) on its cell of the preview."""
    pos = _cell_index(finding["cell"]) if finding.get("cell") else None
    for sh in sheets:
        if pos is None or sh["name"] != finding.get("sheet") or sh.get("member"):
            continue
        row, col = pos
        if row <= len(sh["rows"]) and col <= len(sh["rows"][row - 1]):
            cell = sh["rows"][row - 1][col - 1]
            cell["sev"] = "error"
            cell["tip"] = "；".join(x for x in (finding["message"], cell["tip"]) if x)
            sh["flagged"] += 1
            finding["anchor"] = True
            return
    finding["anchor"] = False


def annotated_copy(settings: Settings, entries: Sequence[Entry], key: int) -> tuple[str, bytes] | None:
    """The annotated copy of one file of a set (name, bytes): errors red, warnings yellow, notes.

    For a .zip, each member workbook is annotated; several are sent back as a .zip.
    """
    import zipfile

    import zhenggai
    from zhenggai.outputs.annotated import annotate, annotated_name

    with settings.temp("zhenggai-annotate-") as tmp, contextlib.ExitStack() as stack:
        placed = _place(entries, Path(tmp) / "in")
        # closed when done: extracted .zip members must not pile up in a long-running server
        result = stack.enter_context(zhenggai.validate(list(placed), _options(settings),
                                                       problems=feedback_list(settings)))
        out = Path(tmp) / "out"
        out.mkdir()
        written: list[Path] = []
        for r in result.files:
            entry = _owner(placed, r)
            if entry is not None and entry.key == key:
                name = annotated_name(r.path)
                n = 2
                while (out / name).exists():  # two members of one archive with the same name
                    name = f"{Path(annotated_name(r.path)).stem}-{n}.xlsx"
                    n += 1
                w = annotate(r, out, set(placed), name)
                if w is not None:
                    written.append(w)
        if not written:
            return None
        if len(written) == 1:
            return written[0].name, written[0].read_bytes()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for w in written:
                zf.write(w, w.name)
        return "校验标注.zip", buf.getvalue()


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


def write_export(settings: Settings, by_county: dict[str, list[Entry]], root: Path,
                 reviews: dict[str, str] | None = None) -> Path:
    """The export: ``root/襄阳市报送/<县>/<files>``, the feedback list and a 说明.txt beside it."""
    folder = root / export_folder_name(settings)
    folder.mkdir(parents=True)
    for county, entries in by_county.items():
        _place(entries, folder / county)
    if settings.problems is not None and settings.problems.is_file():
        shutil.copyfile(settings.problems, root / "反馈问题清单.xlsx")
    command = " ".join(["zhenggai", *(a if " " not in a else f'"{a}"' for a in merge_command(settings))])
    states = "".join(f"    {c}：{reviews[c]}\r\n" for c in by_county if reviews and c in reviews)
    (root / "说明.txt").write_text(
        f"{export_folder_name(settings)} 文件夹中是各县（市、区）汇总所用的报送：已通过审核的；"
        f"还没有通过的，是最近一次提交。\r\n"
        + (f"各县的审核状态：\r\n{states}" if states else "")
        + f"在本文件所在的文件夹中运行下面的命令，得到与网上报送系统下载的相同的汇总表"
        f"（还有县未通过审核时，网上下载的汇总表另有“审核状态”一列）：\r\n\r\n"
        f"    {command}\r\n", encoding="utf-8-sig")
    return folder


def _merged(settings: Settings, by_county: dict[str, list[Entry]], reviews: dict[str, str],
            root: Path) -> tuple[Any, Any]:
    """The rollup of the export (as ``zhenggai merge`` reads it), each county's 审核状态 set."""
    import zhenggai
    from zhenggai.api.config import ConfigError, load, resolve

    folder = write_export(settings, by_county, root, reviews)
    try:
        config = load(None, settings.folder)
    except ConfigError:
        config = {}  # a broken zhenggai.toml: the sign-off lines stay blank, as without one
    prefecture, signoff = resolve(config, settings.prefecture)
    opts = zhenggai.MergeOptions(validate=_options(settings), prefecture=prefecture, expect=settings.counties,
                                 signoff=signoff)
    result = zhenggai.merge([folder], opts, problems=feedback_list(settings))
    for s in result.rollup.counties:
        s.review = next((v for c, v in reviews.items() if same_county(s.county, c)), None)
    return result, signoff


def rollup(settings: Settings, by_county: dict[str, list[Entry]], reviews: dict[str, str]) -> bytes:
    """The rollup workbook, built in this process by the library as ``zhenggai merge`` builds it
    from the export; ``reviews``: county → 审核状态 (已通过 / 待审核 / 退回修改)."""
    from zhenggai.outputs.rollup_workbook import write_rollup

    with settings.temp("zhenggai-rollup-") as tmp:
        result, signoff = _merged(settings, by_county, reviews, Path(tmp))
        if all(s.review in (None, "已通过") for s in result.rollup.counties):
            # Every county counted is approved: the workbook goes upward as it is, and its 附件3
            # carries the official columns only (GB/T 9704), as `zhenggai merge` writes it. The
            # 审核状态 column is written while a county is 待审核 or 退回修改, never mixed in silently.
            for s in result.rollup.counties:
                s.review = None
        out = Path(tmp) / f"{settings.prefecture or ''}汇总.xlsx"
        write_rollup(result.rollup, out, force=True, signoff=signoff)
        return out.read_bytes()


def county_numbers(settings: Settings, by_county: dict[str, list[Entry]],
                   reviews: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per county, what the rollup's 汇总概览 says (status, rows, 完成率, overdue, coverage, 审核状态 …)."""
    with settings.temp("zhenggai-overview-") as tmp:
        result, _ = _merged(settings, by_county, reviews, Path(tmp))
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
NOTE_WHAT = {"round-county-unchanged": "整份未更新", "round-county-silent": "本次未报送",
             "round-county-renamed": "县名不同"}


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
    with settings.temp("zhenggai-compare-") as tmp:
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
