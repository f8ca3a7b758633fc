"""One merge run: collect the inbox, check the replies, build the rollup, compare with the
previous round and write the workbook. The one place these stages meet (``zhenggai.merge``
and ``zhenggai diff`` call it); each stage below knows nothing of the ones above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from zhenggai.checking.files import check_files
from zhenggai.core.results import FileResult, ProgressCallback
from zhenggai.rollup.county import build_rollup, collect
from zhenggai.rollup.model import MergeOptions, MergeResult

if TYPE_CHECKING:
    from zhenggai.rollup.previous import PreviousRound


def _shown(paths: Sequence[Path]) -> str:
    return "、".join(str(p) for p in paths)


def _listing(files: Sequence[FileResult], limit: int = 8) -> str:
    """"：a.pdf（扫描件…）；b.txt（…）" for the one-line fatal message."""
    parts = []
    for f in files[:limit]:
        worst = min(f.findings, key=lambda x: x.severity.rank, default=None)
        parts.append(f"{f.display}（{worst.message.removeprefix('已跳过：') if worst else '无法读取'}）")
    more = f" 等 {len(files)} 个文件" if len(files) > limit else ""
    return ("：" + "；".join(parts) + more) if parts else ""


def _expect_last_round(opts: MergeOptions, previous: PreviousRound | None) -> MergeOptions:
    """Without --expect and a feedback list, the counties of last round's rollup are the ones
    expected: a county that reported then and sent nothing now is 未报送 in this rollup (an
    error, and a row in every table), not merely absent — the 情况报告 would otherwise count
    "应报送 2 个，已报送 2 个" for a prefecture of three."""
    if opts.expect or opts.feedback is not None or previous is None or previous.rollup is None:
        return opts
    if previous.rollup.province:
        return opts  # a province rollup's counties are not one prefecture's to expect
    from dataclasses import replace

    return replace(opts, expect=tuple(dict.fromkeys(c.county for c in previous.rollup.counties)))


def run_merge(
    paths: Sequence[Path],
    output: Path | None,
    opts: MergeOptions | None = None,
    *,
    force: bool = False,
    write: bool = True,
    strict: bool = False,
    on_progress: ProgressCallback | None = None,
) -> MergeResult:
    """Validate every reply under ``paths`` and write the rollup to ``output``.

    A folder of county replies gives a prefecture rollup. A folder of prefecture
    rollups (and no county replies) gives a province rollup. Earlier rollups lying
    among county replies are skipped, never read as county data.
    """
    from zhenggai.core.errors import InputError, OutputExists

    opts = opts or MergeOptions()
    if write and output is not None and output.exists() and not force:
        raise OutputExists(f"文件已存在：{output}（如需覆盖请加 --force）")
    replies, rollups, skipped, box = collect(paths, output)
    with box:
        if opts.feedback is not None:
            listed = opts.feedback.path.resolve()
            replies = [p for p in replies if p.resolve() != listed]
        if not replies and not rollups and all(f.skipped for f in skipped):
            # Exit 2 like validate: "0 个县" with exit 0 would tell the clerk all is well.
            raise InputError(f"{_shown(paths)} 中没有找到县（市、区）报来的文件（.xlsx/.xls/.ods/.docx/.zip）"
                             + _listing(skipped))
        # Last round's rollup first, while little is held: its reading peak and the inbox's do not add up.
        previous = None
        if opts.previous is not None:
            from zhenggai.rollup.previous import read_previous

            previous = read_previous(opts.previous, opts)
        if rollups and not replies:
            from zhenggai.rollup.province import build_province

            rollup = build_province(rollups, opts, skipped, on_progress, box.names)
        else:
            results = check_files(replies, opts.validate, on_progress, box.names)
            if rollups:
                from zhenggai.rollup.stray import skip_rollups

                skipped += skip_rollups(rollups, results, box.display)
            if not any(r.tables for r in results):
                raise InputError(f"{_shown(paths)} 中没有一个文件能读出附件1或附件2，无法汇总"
                                 + _listing([*results, *skipped]))
            if opts.feedback is not None:
                from zhenggai.forms.feedback_list import check_coverage

                results = check_coverage(results, opts.feedback)[0]  # findings on the files; figures: build_rollup
                if opts.feedback.findings:
                    skipped.append(opts.feedback.result())
            rollup = build_rollup([*results, *skipped], _expect_last_round(opts, previous))
            if opts.feedback is not None:  # 问题类别 as the list classifies each problem
                from zhenggai.rollup.categories import fill_categories

                fill_categories(rollup, opts.feedback)
    if previous is not None:
        from zhenggai.rollup.previous import attach_previous

        attach_previous(rollup, previous, opts, label=output.name if output is not None else "本轮")
    from zhenggai.rollup.copies import attach_copies

    attach_copies(rollup, previous.rollup if previous is not None else None)  # the same measure elsewhere (issue 19)
    previous = None  # not held while the workbook is written
    if strict and (rollup.report.errors or rollup.report.warnings):
        write = False
    if write and output is not None:
        from zhenggai.outputs.rollup_workbook import write_rollup

        counts = write_rollup(rollup, output, force=force, signoff=opts.signoff)
        for s in rollup.counties:
            # What the workbook really holds, counted by the writer as it wrote.
            s.rows_written = counts.get((s.prefecture, s.county), 0)
    return MergeResult(rollup, output if write else None)
