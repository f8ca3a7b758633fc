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
from zhenggai.rollup.figure_marks import mark_warned_figures
from zhenggai.rollup.model import MergeOptions, MergeResult, Rollup

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


def _expect_last_round(opts: MergeOptions, previous: PreviousRound | None,
                       results: Sequence[FileResult]) -> MergeOptions:
    """Without --expect and a feedback list, the counties of last round's rollup are the ones
    expected: a county that reported then and sent nothing now is 未报送 in this rollup (an
    error, and a row in every table), not merely absent — the 情况报告 would otherwise count
    "应报送 2 个，已报送 2 个" for a prefecture of three.

    Only counties: last round's "（县名未知）附件1.xlsx" was a file whose county could not be
    read, never one to expect (it was printed 未报送 and sent a 通报). A county spelled
    shorter or longer this round (谷城 → 谷城县) is expected under this round's name, by the
    pairing the rounds comparison makes and says (``round-county-renamed``): one county is
    never both 未报送 and 已报送.
    """
    if opts.expect or opts.feedback is not None or previous is None or previous.rollup is None:
        return opts
    if previous.rollup.province:
        return opts  # a province rollup's counties are not one prefecture's to expect
    from dataclasses import replace

    from zhenggai.core.parse import is_unnamed_county
    from zhenggai.progress.compare import align_names
    from zhenggai.rollup.county import county_key, reply_counties

    last = [county_key(c.county) for c in previous.rollup.counties if not is_unnamed_county(c.county)]
    now = {county_key(name) for name in reply_counties(results)}
    renamed = align_names({("", name) for name in last}, {("", name) for name in now})
    expect = [renamed.get(("", name), ("", name))[1] for name in last]
    return replace(opts, expect=tuple(dict.fromkeys(expect)))


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

            if opts.feedback is not None:
                # The prefectures' rollups hold counts made with or without a list: the province
                # does not re-match their rows. Ignored, the list left every figure self-reported
                # while the clerk believed it applied (audit28): say so and stop.
                raise InputError(f"{_shown(paths)} 中是各市州的汇总表：全省汇总不按 --problems 的反馈问题清单重新核对，"
                                 "各县是否按清单计数以各市州汇总时为准（汇总概览中写明）。请去掉 --problems 后再汇总")

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
            rollup = build_rollup([*results, *skipped], _expect_last_round(opts, previous, results))
            if opts.feedback is not None:  # 问题类别 as the list classifies each problem
                from zhenggai.rollup.categories import fill_categories

                fill_categories(rollup, opts.feedback)
    if previous is not None:
        from zhenggai.rollup.previous import attach_previous

        attach_previous(rollup, previous, opts, label=output.name if output is not None else "本轮")
    # Every warning that can doubt a 附件2 figure is known now, the previous round's included: the
    # copied measures still to come (_finish) are warnings on 附件1's 整改措施 cells, never on a figure.
    mark_warned_figures(rollup)
    last = [previous.rollup] if previous is not None and previous.rollup is not None else []
    del previous  # from here on only its rollup, held by _finish until the copied measures are found
    return _finish(rollup, last, output if write else None, opts, force=force, strict=strict)


def _finish(rollup: Rollup, last: list[Rollup], output: Path | None, opts: MergeOptions, *,
            force: bool, strict: bool) -> MergeResult:
    """The copied measures (issue 19) and the workbook (when ``output`` is given).

    Where the machine has an idle CPU the copies are looked for in a forked child
    (intake/second_cpu.py) while the stamped sheets, which show no findings, are written;
    the workbook's working sheets (核对底稿's warning counts, 校验问题) wait for them, and
    ``--strict`` waits before writing anything. A child that fails is replaced by looking
    for them here: the findings are the same either way."""
    from zhenggai.intake import second_cpu
    from zhenggai.rollup.copies import add_copies, rollup_copies

    held = last[:1]  # last round's rollup, until the copies are found (then let go: memory)
    last.clear()
    pending = second_cpu.start(lambda: rollup_copies(rollup, held[0] if held else None)) \
        if second_cpu.available() else None
    added: list[bool] = []

    def with_copies() -> None:
        if not added:
            found = pending.result() if pending is not None else None
            add_copies(rollup, found if isinstance(found, list) else rollup_copies(rollup, held[0] if held else None))
            held.clear()
            added.append(True)

    if pending is None:
        with_copies()  # here and now, as the workbook is not written yet: last round's rollup is let go first
    try:
        if strict:
            with_copies()
            if rollup.report.errors or rollup.report.warnings:
                output = None
        if output is not None:
            from zhenggai.outputs.rollup_workbook import write_rollup

            counts = write_rollup(rollup, output, force=force, signoff=opts.signoff, findings=with_copies)
            for s in rollup.counties:
                # What the workbook really holds, counted by the writer as it wrote.
                s.rows_written = counts.get((s.prefecture, s.county), 0)
        with_copies()
    finally:
        if pending is not None and not added:
            pending.result()  # the run failed: wait for the child (it ends within a second or two)
    return MergeResult(rollup, output)
