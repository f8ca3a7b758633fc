"""What the terminal costs: drawing merge's summary against the merge itself (issue 11).

The national benchmark (1,500 counties, about 20,000 overdue warnings as of today) once
spent more time drawing its findings table than reading and writing every workbook.
This measures, in one process on the same rollup: the merge (read, check, build, write)
and the terminal summary as the clerk gets it (80 columns, a screenful), and with
``--all`` (every county and finding), and prints each as a share of the merge.

    .venv/bin/python benchmarks/terminal.py            # 1,500 counties, 3 repeats
    .venv/bin/python benchmarks/terminal.py --counties 60

The target (the default summary under 5 % of the merge) is reported, not asserted.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import ensure_data  # noqa: E402 - the same cached inboxes as bench.py


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="终端输出占一次全国汇总的比例")
    p.add_argument("--counties", type=int, default=1500)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", type=Path, default=HERE / "data")
    args = p.parse_args(argv)

    from rich.console import Console

    from zhenggai.api import merge
    from zhenggai.cli import render
    from zhenggai.core.results import Options
    from zhenggai.rollup.model import MergeOptions

    folder = ensure_data(args.data, args.seed, [args.counties], 0, sys.executable)[f"c{args.counties}"]
    opts = MergeOptions(validate=Options(as_of=date.today()))  # today: every open item is overdue
    merges, drawn, drawn_all = [], [], []
    lines = lines_all = findings = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            result = merge([folder], opts, Path(tmp) / "汇总.xlsx", force=True)
            merges.append(time.perf_counter() - t0)
        findings = sum(len(fr.findings) for fr in result.rollup.report.files)
        for show_all, times in ((False, drawn), (True, drawn_all)):
            buf = io.StringIO()
            # What a clerk's 80-column console gets (colour codes included).
            render.stdout = Console(file=buf, width=80, force_terminal=True, highlight=False, soft_wrap=False)
            t0 = time.perf_counter()
            render.merge_summary(result.rollup, show_all=show_all, output="汇总.xlsx")
            times.append(time.perf_counter() - t0)
            n = buf.getvalue().count("\n")
            if show_all:
                lines_all = n
            else:
                lines = n
    m, d, a = statistics.median(merges), statistics.median(drawn), statistics.median(drawn_all)
    print(f"## 终端输出的代价（{args.counties} 个县，{findings:,} 个问题，{args.repeat} 次的中位数）\n")
    print("| 项目 | 用时 | 占汇总的比例 | 输出行数 |")
    print("|---|---:|---:|---:|")
    print(f"| merge（读、查、建、写汇总表） | {m:.2f} s | 100 % | |")
    print(f"| 终端摘要（默认，80 列） | {d * 1000:.1f} ms | {d / m:.2%} | {lines} |")
    print(f"| 终端摘要（--all，全部列出） | {a:.2f} s | {a / m:.1%} | {lines_all:,} |")
    print(f"\n目标：默认摘要 < 5 % —— {'达到' if d / m < 0.05 else '未达到'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
