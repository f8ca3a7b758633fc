"""``zhenggai report``: a rollup → 督办清单.xlsx and 情况报告.docx (registered in ``app.py``).

Thin: parse the options, call ``zhenggai.api.report.report``, print the list. Imports
nothing from ``app.py`` (which registers this command), so there is no import cycle;
a run that cannot finish raises ``FatalError``, which the command wrapper prints as one
Chinese line with exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from zhenggai.core.findings import Report


def report_cmd(
    rollup: Annotated[Path, typer.Argument(help="zhenggai 生成的市州汇总表或全省汇总表（.xlsx）。",
                                           metavar="汇总表", dir_okay=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件夹：写入 督办清单.xlsx 和 情况报告.docx。",
                                         file_okay=False)],
    as_of: Annotated[
        Optional[str],  # noqa: UP045 - typer reads this annotation at runtime on Python 3.10
        typer.Option("--as-of", help="成文日期，也按这一天判断逾期（默认：汇总表上的统计截至日期）。"),
    ] = None,
    rules: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--rules", help="督办规则文件（TOML），只写要改的项；默认规则和写法见 README。", dir_okay=False),
    ] = None,
    template: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--template", help="情况报告的模板（.docx 文件，可放本单位红头），占位符见 README。",
                     dir_okay=False),
    ] = None,
    contact: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--contact", help="联系人姓名，写在情况报告和督办清单末尾；也可写在配置文件里。"),
    ] = None,
    phone: Annotated[Optional[str], typer.Option("--phone", help="联系电话。")] = None,  # noqa: UP045
    config: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--config", help="配置文件（TOML），与 merge 的相同（联系人、电话、填报单位）。", dir_okay=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="覆盖已存在的输出文件。")] = False,
) -> None:
    """从汇总表生成督办清单和情况报告初稿。

    督办清单列出符合督办规则的县（市、区）（全省汇总时也列出市（州）），每条规则写明数量和所依据的单元格，
    并给出建议措施（提醒 / 通报 / 约谈 / 督办）；汇总表中没有所需数据的规则列为“未评估”。
    情况报告按公文格式写出总体情况、分类整改情况、整改成果和督办建议，数字全部取自汇总表。

    退出码：0 已生成；1 已生成，但汇总表生成后被改动过（各表不一致、合计不符，这些县不计入，见提示）；
    2 用法错误、不是 zhenggai 汇总表、规则文件或模板有误、无法写出。

    示例:

        zhenggai report 襄阳市汇总.xlsx -o 报告/

        zhenggai report 汇总.xlsx -o 报告/ --rules 规则.toml --template 模板.docx
    """
    from zhenggai.api.report import ReportOptions, report
    from zhenggai.cli.config import ConfigError, load
    from zhenggai.core.errors import FatalError
    from zhenggai.core.parse import parse_date
    from zhenggai.rollup.model import Signoff

    day = None
    if as_of is not None:
        day = parse_date(as_of).value
        if day is None:
            raise FatalError(f"--as-of 的值“{as_of}”不是日期，请写成 2022-07-15 的形式")
    if template is not None and template.suffix.lower() != ".docx":
        raise FatalError(f"报告模板须是 .docx 文件，现为“{template.name}”")
    try:
        settings = load(config)
    except ConfigError as exc:
        raise FatalError(str(exc)) from None
    signoff = Signoff(unit=settings.get("unit"), contact=(contact or "").strip() or settings.get("contact"),
                      phone=(phone or "").strip() or settings.get("phone"))
    result = report(rollup, output, ReportOptions(as_of=day, rules=rules, template=template, signoff=signoff),
                    force=force)
    sv = result.supervision
    if sv.targets:
        typer.echo(f"督办清单（{len(sv.targets)} 个）：")
        for t in sv.targets:
            where = f"{t.prefecture} " if sv.province and t.name != t.prefecture else ""
            typer.echo(f"  {t.level}  {where}{t.name}：{t.reasons}")
    else:
        typer.echo("没有县（市、区）符合启用的督办规则。")
    for s in sv.not_evaluated:
        typer.echo(f"  未评估  {s.rule.label}：{s.reason}")
    typer.echo(f"已生成 {result.workbook}", err=True)
    typer.echo(f"已生成 {result.document}", err=True)
    if _edited(result.rollup.report, rollup):
        raise typer.Exit(1)


def _edited(report: Report, rollup: Path) -> bool:
    """What reading the rollup found wrong with the workbook itself (its sheets edited by hand:
    the counties concerned are in no figure of the papers), said here, never only in a cell
    comment; True when there is such an error."""
    from zhenggai.core.findings import Severity

    edited = [f for f in report.findings() if f.file == str(rollup) and f.severity is Severity.ERROR]
    for f in edited:
        typer.echo(f"错误  {f.sheet + '!' + f.cell + '  ' if f.sheet and f.cell else ''}{f.message}", err=True)
    return bool(edited)
