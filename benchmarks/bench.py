"""zhenggai against what a clerk's IT helper would write, and against the floor.

    .venv/bin/python benchmarks/bench.py --repeat 3

Generates the sample inboxes once (cached in benchmarks/data/, git-ignored), then runs,
on the same files in the same run, alternating and repeated, each measurement in a
fresh subprocess (wall time from start to exit, peak RSS from ``os.wait4``):

  merge      ``python -m zhenggai merge DIR -o OUT --force`` (text output, what a clerk waits for)
  baseline   pandas.read_excel (openpyxl; .xls with calamine, xlrd is not installed)
             for every file, pd.concat, DataFrame.to_excel (openpyxl)
  floor      python-calamine reads every cell of every file, XlsxWriter (constant_memory)
             writes every row read; nothing else
  validate   ``python -m zhenggai validate big-附件1.xlsx`` (100,000 rows; text output)
  read       python-calamine reads that file, nothing else
  --help / --version   ``python -m zhenggai --help`` / ``--version``

and prints a Markdown table of medians, the ratios and the peak memory, then checks the
targets of issue 6. Targets are reported, not asserted: the exit status is non-zero
only when a measured command crashed (merge/validate exit 0 or 1 are both fine).

Only the standard library is imported here: the ``--task`` subprocesses import pandas,
python-calamine or XlsxWriter themselves, inside the task.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = "2022-07-15"  # the replies are July 2022 replies: see generate.py
HEAVY = ("pandas", "openpyxl", "pydantic", "python_calamine", "xlsxwriter")

# Targets of issue 6 (this machine, same run).
MERGE_SPEEDUP_MIN = 4.0  # baseline / merge on the largest inbox
MERGE_FLOOR_MAX = 2.0  # merge / floor
MERGE_RSS_MAX_MB = 400
VALIDATE_READ_MAX = 2.5  # validate / read
VALIDATE_RSS_MAX_MB = 400  # issue 22: peak memory ≤ 400 MB
STARTUP_MAX_S = 0.25


# --- tasks: run as ``python bench.py --task NAME ...`` in a fresh process -----------------


def workbook_files(folder: Path) -> list[Path]:
    """Every .xlsx/.xls under ``folder``, sorted, as a helper's ``glob`` would find them."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xls")
                  and p.is_file() and not p.name.startswith(("~$", ".")))


def task_baseline(folder: Path, out: Path) -> dict[str, int]:
    """What a clerk's IT helper writes: read_excel every file, concat, to_excel."""
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")  # openpyxl's "no default style" and concat's FutureWarnings
    frames = []
    files = workbook_files(folder)
    for f in files:
        # pandas needs xlrd for .xls, which is not installed here: calamine reads those.
        engine = "calamine" if f.suffix.lower() == ".xls" else "openpyxl"
        for _, df in pd.read_excel(f, sheet_name=None, engine=engine).items():
            df.insert(0, "来源文件", f.name)
            frames.append(df)
    merged = pd.concat(frames, ignore_index=True)
    merged.to_excel(out, index=False, engine="openpyxl")
    return {"files": len(files), "rows": len(merged)}


def task_floor(folder: Path, out: Path) -> dict[str, int]:
    """The floor: read every cell with python-calamine, write every row with XlsxWriter."""
    import python_calamine as pc
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    ws = wb.add_worksheet()
    files = workbook_files(folder)
    r = 0
    for f in files:
        with pc.CalamineWorkbook.from_path(str(f)) as book:
            for name in book.sheet_names:
                for row in book.get_sheet_by_name(name).to_python():
                    ws.write_row(r, 0, row)
                    r += 1
    wb.close()
    return {"files": len(files), "rows": r}


def task_read(path: Path) -> dict[str, int]:
    """Read every sheet of one workbook with python-calamine, as zhenggai's reader does."""
    import python_calamine as pc

    cells = rows = 0
    with pc.CalamineWorkbook.from_path(str(path)) as book:
        for name in book.sheet_names:
            data = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            rows += len(data)
            cells += sum(len(x) for x in data)
    return {"rows": rows, "cells": cells}


def task_imports(which: str) -> dict[str, object]:
    """Run ``--help`` or ``--version`` in-process; which heavy modules got imported."""
    import contextlib
    import io

    from zhenggai.cli.app import app

    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        app([which], standalone_mode=False)
    return {"heavy": sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)}


def run_task(argv: Sequence[str]) -> None:
    """Dispatch ``--task NAME ARGS``; prints a one-line JSON summary on stdout."""
    name, *args = argv
    if name == "baseline":
        result: dict[str, object] = dict(task_baseline(Path(args[0]), Path(args[1])))
    elif name == "floor":
        result = dict(task_floor(Path(args[0]), Path(args[1])))
    elif name == "read":
        result = dict(task_read(Path(args[0])))
    elif name == "imports":
        result = task_imports(args[0])
    else:
        raise SystemExit(f"unknown task {name}")
    print(json.dumps(result, ensure_ascii=False))


# --- data -----------------------------------------------------------------------------------


def _generator_digest() -> str:
    return hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:12]


def ensure_data(data: Path, seed: int, counties: Sequence[int], big_rows: int, python: str) -> dict[str, Path]:
    """Generate each inbox once; reuse it while generate.py and the parameters are unchanged."""
    digest = _generator_digest()
    sets = {f"c{n}": ["--counties", str(n)] for n in counties}
    if big_rows:
        sets[f"big{big_rows}"] = ["--counties", "0", "--big-rows", str(big_rows)]
    out: dict[str, Path] = {}
    for key, args in sets.items():
        folder = data / f"seed{seed}-{key}"
        marker = data / f"seed{seed}-{key}.done"
        if not (marker.exists() and marker.read_text().strip() == digest and folder.exists()):
            if folder.exists():
                shutil.rmtree(folder)
            t0 = time.perf_counter()
            print(f"生成 {folder.name} …", file=sys.stderr, flush=True)
            subprocess.run([python, str(HERE / "generate.py"), str(folder), "--seed", str(seed), *args], check=True,
                           stdout=sys.stderr)
            print(f"  用时 {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
            marker.write_text(digest + "\n")
        out[key] = folder
    return out


def warm_page_cache(folders: Sequence[Path]) -> None:
    """Read every input once so that no measurement pays for a cold disk."""
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file():
                p.read_bytes()


# --- measuring ------------------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    """One measurement."""

    seconds: float
    rss_mb: float
    code: int
    cpu: float = float("nan")  # user + sys seconds of the process and every child it waited for
    info: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Case:
    """A command to measure, and the exit codes that are not a crash."""

    name: str
    cmd: list[str]
    ok: tuple[int, ...] = (0,)
    env: dict[str, str] | None = None  # None: ENV
    runs: list[Run] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median wall time of the runs."""
        return statistics.median(r.seconds for r in self.runs) if self.runs else float("nan")

    @property
    def cpu(self) -> float:
        """Median CPU seconds (user + sys) of the runs: what a busy machine disturbs least."""
        return statistics.median(r.cpu for r in self.runs) if self.runs else float("nan")

    @property
    def rss(self) -> float:
        """Highest peak RSS over the runs, MB."""
        return max((r.rss_mb for r in self.runs), default=float("nan"))


ENV: dict[str, str] = {}
LOADS: list[float] = []  # the 1-minute load average after each recorded run


def _with_before(group: list[Case], env: dict[str, str]) -> list[Case]:
    """``group`` with a twin of every zhenggai case run on the --before sources."""
    out: list[Case] = []
    for c in group:
        out.append(c)
        if c.cmd[1:3] == ["-m", "zhenggai"]:
            out.append(Case(c.name + BEFORE, c.cmd, c.ok, env))
    return out


def child_env(data: Path) -> dict[str, str]:
    """The environment of every measured process: bytecode cached, as in an installed package.

    PYTHONDONTWRITEBYTECODE (set on some machines) would make every run compile zhenggai
    from source; the cache goes to ``data/pycache``, never next to the sources.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(data / "pycache")
    env.pop("COLUMNS", None)
    return env


def measure(cmd: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> tuple[Run, str, str]:
    """Run ``cmd`` in a fresh process: wall time, CPU time, peak RSS (ru_maxrss), exit code, output.

    ``os.wait4`` gives the process's own usage plus that of every child it waited for
    (the supervisor's run, reader workers): CPU is their sum, ru_maxrss the largest one.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd,
                                env=env or ENV or None)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped by wait4: tell Popen so it does not wait again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    # ru_maxrss: kilobytes on Linux, bytes on macOS.
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Run(seconds, rss, code, usage.ru_utime + usage.ru_stime), stdout, stderr


# The last lines of zhenggai's text output (cli/render.py), which may wrap anywhere:
# merge  "合计：1500 个县（市、区），1500 个已报送；已完成 37699/57851 个问题（…）；147 个错误，1896 个警告"
# validate  "共 1 个文件：376 个错误，1083 个警告"
_MERGE_TOTAL = re.compile(r"合计：(\d+)个县.*?已完成\d+/(\d+)个问题.*?(\d+)个错误，(\d+)个警告")
_VALIDATE_TOTAL = re.compile(r"共\d+个文件：(\d+)个错误，(\d+)个警告")


def _text_info(stdout: str) -> dict[str, object]:
    """What :func:`_info` reads of a JSON output, from zhenggai's text output."""
    flat = "".join(stdout.split())  # rich wraps long lines at the terminal's width
    if m := _MERGE_TOTAL.search(flat.replace("县（市、区）", "县")):
        return {"rows": int(m[2]), "counties": int(m[1]), "errors": int(m[3]), "warnings": int(m[4])}
    if m := _VALIDATE_TOTAL.search(flat):
        return {"errors": int(m[1]), "warnings": int(m[2])}
    return {}


def _info(case: Case, stdout: str) -> dict[str, object]:
    """Rows written / read, from the command's own output."""
    try:
        data = json.loads(stdout) if stdout.strip() else {}
    except json.JSONDecodeError:
        return _text_info(stdout)
    if not isinstance(data, dict):
        return {}
    if "counties" in data:  # merge --format json
        return {"rows": sum(c.get("rows", 0) for c in data["counties"]), "counties": len(data["counties"]),
                "errors": data.get("errors"), "warnings": data.get("warnings")}
    if "files" in data and isinstance(data["files"], list):  # validate --format json
        return {"findings": sum(len(f.get("findings", [])) for f in data["files"]), "errors": data.get("errors")}
    return data


def run_case(case: Case, *, cwd: Path, record: bool = True) -> None:
    """Measure ``case`` once (a warm-up when ``record`` is false)."""
    run, stdout, stderr = measure(case.cmd, cwd=cwd, env=case.env)
    if run.code not in case.ok:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        case.crashes.append(f"exit {run.code}: {tail}")
        print(f"  !! {case.name} 退出码 {run.code}\n{tail}", file=sys.stderr, flush=True)
        return
    run.info = _info(case, stdout)
    if record:
        case.runs.append(run)
        LOADS.append(os.getloadavg()[0])
    print(f"  {case.name:<32} {run.seconds:7.2f} s {run.cpu:7.2f} s CPU {run.rss_mb:7.0f} MB"
          + ("" if record else "  (预热)"),
          file=sys.stderr, flush=True)


def _rotate(xs: list[Case], k: int) -> list[Case]:
    k %= len(xs)
    return xs[k:] + xs[:k]


# --- report ---------------------------------------------------------------------------------


def machine(python: str = sys.executable) -> dict[str, str]:
    """What the numbers were measured on, and which zhenggai was measured."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.splitlines()
        mem = free[1].split()[1] if len(free) > 1 else ""
    except OSError:
        mem = ""
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=False).stdout.strip()
        rev += " (src/ 有未提交改动)" if dirty else ""
    except OSError:
        rev = ""
    from importlib import metadata

    versions = []
    for pkg in ("zhenggai", "pandas", "openpyxl", "python-calamine", "XlsxWriter"):
        try:
            versions.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{pkg} —")
    try:
        where = subprocess.run([python, "-c", "import zhenggai, os; print(os.path.dirname(zhenggai.__file__))"],
                               capture_output=True, text=True, check=False, env=ENV or None).stdout.strip()
    except OSError:
        where = ""
    return {
        "zhenggai": where,
        "date": date.today().isoformat(),
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "os": platform.platform(),
        "git": rev,
        "packages": ", ".join(versions),
    }


def _fmt(x: float, digits: int = 2) -> str:
    return "—" if x != x else f"{x:.{digits}f}"  # NaN → —


def _ratio(a: Case | None, b: Case | None, *, cpu: bool = False) -> float:
    """a / b on the medians (wall, or CPU); NaN when either has no run."""
    if not (a and b and a.runs and b.runs):
        return float("nan")
    return (a.cpu / b.cpu) if cpu else (a.median / b.median)


BEFORE = " · 改前"  # suffix of the cases run with --before SRC


def report(cases: dict[str, Case], counties: Sequence[int], big_rows: int, imports: dict[str, list[str]],
           m: dict[str, str]) -> str:
    """The Markdown table, the ratios (wall and CPU) and the targets."""
    lines = [
        f"日期 {m['date']} · {m['cpus']} 核 {m['cpu']} · 内存 {m['memory']} · Python {m['python']} · {m['os']}",
        f"git {m['git']} · 测的是 {m['zhenggai']} · {m['packages']}",
        f"负载（1 分钟平均）：开始 {m.get('load_start', '')}，结束 {m.get('load_end', '')}，"
        f"测量中 {m.get('load_range', '')}",
        "",
        "| 测量 | 中位数 s | 最小 s | 最大 s | CPU s（中位数） | 峰值内存 MB | 次数 | 输出 |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in cases.values():
        lo = min((r.seconds for r in c.runs), default=float("nan"))
        hi = max((r.seconds for r in c.runs), default=float("nan"))
        info = c.runs[-1].info if c.runs else {}
        shown = ", ".join(f"{k} {v}" for k, v in info.items() if k in ("rows", "files", "counties", "findings",
                                                                        "errors", "cells"))
        if c.crashes:
            shown = f"崩溃 {len(c.crashes)} 次 " + shown
        lines.append(f"| {c.name} | {_fmt(c.median)} | {_fmt(lo)} | {_fmt(hi)} | {_fmt(c.cpu)} | {_fmt(c.rss, 0)} | "
                     f"{len(c.runs)} | {shown} |")
    suffixes = ["", BEFORE] if any(k.endswith(BEFORE) for k in cases) else [""]
    lines += ["", "| 比值 | 墙钟 | CPU |", "|---|---:|---:|"]
    for sfx in suffixes:
        for n in counties:
            mg, bl, fl = cases.get(f"merge {n}{sfx}"), cases.get(f"baseline {n}"), cases.get(f"floor {n}")
            pv = cases.get(f"merge {n} --previous{sfx}")
            for what, a, b in ((f"baseline / merge{sfx}（{n} 县，越大越快）", bl, mg),
                               (f"merge{sfx} / floor（{n} 县）", mg, fl),
                               (f"merge --previous{sfx} / merge{sfx}（{n} 县）", pv, mg)):
                if a and b:
                    lines.append(f"| {what} | {_fmt(_ratio(a, b))}× | {_fmt(_ratio(a, b, cpu=True))}× |")
        va, rd = cases.get(f"validate {big_rows}{sfx}"), cases.get(f"read {big_rows}")
        if va and rd:
            lines.append(f"| validate{sfx} / read（{big_rows} 行） | {_fmt(_ratio(va, rd))}× | "
                         f"{_fmt(_ratio(va, rd, cpu=True))}× |")
    lines += ["", "| 目标 | 结果（墙钟） | 实测墙钟 | 结果（CPU） | 实测 CPU |", "|---|---|---:|---|---:|"]
    for what, wall, cpu in _checks(cases, counties, big_rows, imports):
        lines.append(f"| {what} | {_verdict(wall)} | {wall[1]} | {_verdict(cpu)} | {cpu[1]} |")
    return "\n".join(lines)


Check = tuple[bool | None, str]


def _verdict(check: Check) -> str:
    return "" if check[0] is None else ("达到" if check[0] else "未达到")


def _checks(cases: dict[str, Case], counties: Sequence[int], big_rows: int,
            imports: dict[str, list[str]]) -> list[tuple[str, Check, Check]]:
    """Each target: (what, (met, measured) on wall time, the same on CPU time or (None, ""))."""
    none: Check = (None, "")
    out: list[tuple[str, Check, Check]] = []
    n = max(counties) if counties else 0
    mg, bl, fl = cases.get(f"merge {n}"), cases.get(f"baseline {n}"), cases.get(f"floor {n}")

    def ratio(a: Case | None, b: Case | None, limit: float, at_least: bool) -> tuple[Check, Check]:
        w, c = _ratio(a, b), _ratio(a, b, cpu=True)
        return ((w >= limit if at_least else w <= limit) if w == w else None, f"{_fmt(w)}×"), \
            ((c >= limit if at_least else c <= limit) if c == c else None, f"{_fmt(c)}×")

    if mg and bl and mg.runs and bl.runs:
        out.append((f"merge {n} 县至少比 baseline 快 {MERGE_SPEEDUP_MIN:g} 倍",
                    *ratio(bl, mg, MERGE_SPEEDUP_MIN, True)))
    if mg and fl and mg.runs and fl.runs:
        out.append((f"merge {n} 县不超过 floor 的 {MERGE_FLOOR_MAX:g} 倍", *ratio(mg, fl, MERGE_FLOOR_MAX, False)))
    if mg and mg.runs:
        out.append((f"merge {n} 县峰值内存 ≤ {MERGE_RSS_MAX_MB} MB", (mg.rss <= MERGE_RSS_MAX_MB, f"{mg.rss:.0f} MB"),
                    none))
    pv = cases.get(f"merge {n} --previous")
    if pv and pv.runs:  # reading last round's rollup must not take the merge over the limit either
        out.append((f"merge {n} 县 --previous 峰值内存 ≤ {MERGE_RSS_MAX_MB} MB",
                    (pv.rss <= MERGE_RSS_MAX_MB, f"{pv.rss:.0f} MB"), none))
    va, rd = cases.get(f"validate {big_rows}"), cases.get(f"read {big_rows}")
    if va and rd and va.runs and rd.runs:
        out.append((f"validate {big_rows} 行不超过 read 的 {VALIDATE_READ_MAX:g} 倍",
                    *ratio(va, rd, VALIDATE_READ_MAX, False)))
        out.append((f"validate {big_rows} 行峰值内存 ≤ {VALIDATE_RSS_MAX_MB} MB",
                    (va.rss <= VALIDATE_RSS_MAX_MB, f"{va.rss:.0f} MB"), none))
    for flag in ("--help", "--version"):
        c = cases.get(f"zhenggai {flag}")
        if c and c.runs:
            out.append((f"zhenggai {flag} < {STARTUP_MAX_S} s", (c.median < STARTUP_MAX_S, f"{c.median:.3f} s"),
                        none))
        heavy = imports.get(flag)
        if heavy is not None:
            out.append((f"zhenggai {flag} 不导入 {'/'.join(HEAVY)}", (not heavy, "、".join(heavy) or "无"), none))
    return out


# --- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: see the module docstring."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--task"]:
        run_task(argv[1:])
        return 0
    p = argparse.ArgumentParser(description="zhenggai 性能基准：merge / validate 对比 pandas 基线和下限")
    p.add_argument("--repeat", type=int, default=3, help="每项测量的次数（交替进行；默认 3）")
    p.add_argument("--counties", default="60,1500", help="收件夹的县数，逗号分隔（默认 60,1500）")
    p.add_argument("--big-rows", type=int, default=100_000, help="validate 压力测试的附件1 行数（0：不测）")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", type=Path, default=HERE / "data", help="生成数据的缓存文件夹（默认 benchmarks/data）")
    p.add_argument("--python", default=sys.executable, help="运行 zhenggai 和各任务的 Python（默认：当前解释器）")
    p.add_argument("--no-baseline", action="store_true", help="不测 pandas 基线（它最慢）")
    p.add_argument("--no-warmup", action="store_true", help="不做预热")
    p.add_argument("--json", type=Path, help="把全部测量写到这个 JSON 文件")
    p.add_argument("--src", default=str(ROOT / "src"),
                   help="被测的 zhenggai 源码（PYTHONPATH；默认本仓库的 src/；空字符串：解释器自己装的那份）")
    p.add_argument("--before", metavar="SRC",
                   help="另一份 zhenggai 源码（例如 git archive 出的旧提交的 src/）：每项 zhenggai 测量"
                        "都和它交替测一次，名字带“改前”")
    a = p.parse_args(argv)

    counties = [int(x) for x in a.counties.split(",") if x.strip()]
    a.data = a.data.resolve()
    a.data.mkdir(parents=True, exist_ok=True)
    ENV.update(child_env(a.data))
    if a.src:
        ENV["PYTHONPATH"] = str(Path(a.src).resolve())
    before_env = None
    if a.before:
        before_env = {**ENV, "PYTHONPATH": str(Path(a.before).resolve())}
    load_start = os.getloadavg()[0]
    sets = ensure_data(a.data, a.seed, counties, a.big_rows, a.python)
    py = a.python
    me = str(Path(__file__).resolve())
    work = Path(tempfile.mkdtemp(prefix="zg-bench-"))
    try:
        cases: dict[str, Case] = {}
        groups: list[list[Case]] = []
        for n in counties:
            d = str(sets[f"c{n}"])
            group = [Case(f"merge {n}", [py, "-m", "zhenggai", "merge", d, "-o", str(work / f"merge-{n}.xlsx"),
                                         "--force", "--as-of", AS_OF], ok=(0, 1))]
            # merge --previous against the rollup of the same inbox (made once, untimed): the
            # extra cost of reading a previous rollup of this size and comparing every item.
            previous = work / f"previous-{n}.xlsx"
            measure([py, "-m", "zhenggai", "merge", d, "-o", str(previous), "--force", "--as-of", AS_OF], cwd=work)
            group.append(Case(f"merge {n} --previous", [
                py, "-m", "zhenggai", "merge", d, "-o", str(work / f"merge-{n}-previous.xlsx"), "--force",
                "--as-of", AS_OF, "--previous", str(previous)], ok=(0, 1)))
            if not a.no_baseline:
                group.append(Case(f"baseline {n}", [py, me, "--task", "baseline", d, str(work / f"baseline-{n}.xlsx")]))
            group.append(Case(f"floor {n}", [py, me, "--task", "floor", d, str(work / f"floor-{n}.xlsx")]))
            groups.append(group)
        if a.big_rows:
            big = str(sets[f"big{a.big_rows}"] / "big-附件1.xlsx")
            groups.append([
                Case(f"validate {a.big_rows}", [py, "-m", "zhenggai", "validate", big,
                                                "--as-of", AS_OF], ok=(0, 1)),
                Case(f"read {a.big_rows}", [py, me, "--task", "read", big]),
            ])
        startup = [Case("zhenggai --help", [py, "-m", "zhenggai", "--help"]),
                   Case("zhenggai --version", [py, "-m", "zhenggai", "--version"])]
        groups.append(startup)
        if before_env is not None:  # each zhenggai case right after its twin: same load, alternating
            groups = [_with_before(g, before_env) for g in groups]
            startup = groups[-1]
        for g in groups:
            for c in g:
                cases[c.name] = c

        warm_page_cache(list(sets.values()))
        if not a.no_warmup:
            print("预热 …", file=sys.stderr, flush=True)
            for c in [*groups[0], *startup]:
                run_case(c, cwd=work, record=False)
        for rep in range(a.repeat):
            print(f"第 {rep + 1}/{a.repeat} 轮", file=sys.stderr, flush=True)
            for g in groups[:-1]:
                for c in _rotate(g, rep):
                    run_case(c, cwd=work)
            for _ in range(3):  # start-up is short and noisy: three times per round
                for c in _rotate(startup, rep):
                    run_case(c, cwd=work)

        imports: dict[str, list[str]] = {}
        for flag in ("--help", "--version"):
            run, out, err = measure([py, me, "--task", "imports", flag], cwd=work)
            if run.code == 0:
                imports[flag] = json.loads(out)["heavy"]
            else:
                print(f"!! imports {flag}: {err.strip()[-500:]}", file=sys.stderr)
        m = machine(py)
        m["load_start"] = f"{load_start:.2f}"
        m["load_end"] = f"{os.getloadavg()[0]:.2f}"
        m["load_range"] = f"{min(LOADS, default=load_start):.2f}–{max(LOADS, default=load_start):.2f}"
        if a.before:
            m["zhenggai"] += f"（改前：{Path(a.before).resolve()}）"
        text = report(cases, counties, a.big_rows, imports, m)
        print(text)
        if a.json:
            a.json.write_text(json.dumps({
                "machine": m,
                "cases": {c.name: {"cmd": c.cmd, "runs": [vars_run(r) for r in c.runs], "crashes": c.crashes}
                          for c in cases.values()},
                "imports": imports,
            }, ensure_ascii=False, indent=2))
        crashed = [c.name for c in cases.values() if c.crashes]
        if crashed:
            print(f"\n崩溃：{'、'.join(crashed)}", file=sys.stderr)
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def vars_run(r: Run) -> dict[str, object]:
    """A Run as JSON."""
    return {"seconds": round(r.seconds, 4), "cpu": round(r.cpu, 3), "rss_mb": round(r.rss_mb, 1), "code": r.code,
            "info": r.info}


if __name__ == "__main__":
    sys.exit(main())
