"""``zhenggai.report``: a rollup → 督办清单.xlsx and 情况报告.docx, the papers after the rollup.

The one orchestration of ``zhenggai report`` and the web intake's two downloads: read the
rollup back, evaluate the 督办 rules, write the list, fill the report template. Nothing
prints; a run that cannot finish raises ``FatalError`` (Chinese message).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Union

from zhenggai.outputs.supervision import Supervision
from zhenggai.rollup.model import Rollup, Signoff

PathLike = Union[str, os.PathLike]  # type: ignore[type-arg]  # noqa: UP007 - a runtime alias on Python 3.10

WORKBOOK_NAME = "督办清单.xlsx"
DOCUMENT_NAME = "情况报告.docx"


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What ``report`` needs besides the rollup: all optional."""

    as_of: date | None = None  # 统计截至: default the rollup's own date; 逾期 is counted as of it
    rules: Path | None = None  # a province's 督办规则 TOML; default the packaged one
    template: Path | None = None  # a bureau's own Word template; default the packaged one
    signoff: Signoff = field(default_factory=Signoff)  # 署名 unit, 联系人, 电话


@dataclass(frozen=True, slots=True)
class ReportResult:
    """What ``report`` read and wrote."""

    rollup: Rollup
    supervision: Supervision
    workbook: Path
    document: Path


def has_progress(path: Path) -> bool:
    """The rollup holds a 进展对比 sheet (merged with --previous): the sheet's name only."""
    from openpyxl import load_workbook

    from zhenggai.rollup.layout import PROGRESS_SHEET

    wb = load_workbook(path, read_only=True)
    try:
        return PROGRESS_SHEET in wb.sheetnames
    finally:
        wb.close()


def write_papers(rollup: Rollup, folder: Path, options: ReportOptions | None = None, *, source: str = "汇总表",
                 progress: bool = False, force: bool = False) -> ReportResult:
    """Both papers for a rollup already in memory (``source``: its file name for evidence;
    ``progress``: it holds 进展对比). The web intake calls this with the rollup it built."""
    from zhenggai.outputs.paper import contact_line, unit_line
    from zhenggai.outputs.report_docx import render_report, report_context
    from zhenggai.outputs.supervision import evaluate
    from zhenggai.outputs.supervision_rules import load_rules
    from zhenggai.outputs.supervision_xlsx import write_supervision

    opts = options or ReportOptions()
    rules = load_rules(opts.rules)  # before writing anything: a bad rules file leaves no half output
    as_of = opts.as_of or rollup.as_of
    sv = evaluate(rollup, rules, as_of=as_of, source=source, has_progress=progress)
    signoff = opts.signoff
    # The attachments by the titles printed on them ("…专项整改清单汇总表", not "…整改整改清单汇总").
    from zhenggai.outputs.paper import place_of
    from zhenggai.outputs.supervision_xlsx import title
    from zhenggai.rollup.layout import ITEMS, OVERVIEW, STATS

    attachments = [*(f"{place_of(rollup)}{sheet.heading}" for sheet in (ITEMS, STATS, OVERVIEW)), title(sv)]
    context = report_context(rollup, sv, as_of=as_of, signoff=signoff, attachments=attachments)
    document = folder / DOCUMENT_NAME
    workbook = folder / WORKBOOK_NAME
    for target in (document, workbook):
        if target.exists() and not force:
            from zhenggai.core.errors import OutputExists

            raise OutputExists(f"文件已存在：{target}（如需覆盖请加 --force）")
    render_report(context, document, template=opts.template, force=force)  # template errors first
    write_supervision(sv, workbook, unit=unit_line(rollup, signoff), contact=contact_line(signoff), force=force)
    return ReportResult(rollup, sv, workbook, document)


def report(path: PathLike, folder: PathLike, options: ReportOptions | None = None, *,
           force: bool = False) -> ReportResult:
    """A prefecture or province rollup zhenggai wrote → ``folder``/督办清单.xlsx and 情况报告.docx.

    Raises ``FatalError`` when the file is not such a rollup, the rules file or the template
    cannot be used, or an output exists and ``force`` is not given.
    """
    from zhenggai.api import read_rollup
    from zhenggai.core.errors import InputError

    src = Path(path)
    if not src.is_file():
        raise InputError(f"找不到汇总表：{src}")
    rollup = read_rollup(src)
    return write_papers(rollup, Path(folder), options, source=src.name, progress=has_progress(src), force=force)
