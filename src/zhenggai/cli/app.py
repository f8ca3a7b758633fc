"""The ``zhenggai`` command line: parse arguments, call one core function, render, exit.

Core modules are imported inside each command, not at the top: ``zhenggai --help``
and ``--version`` must answer fast and without loading pandas, openpyxl or pydantic.

Exit codes: 0 no error; 1 error findings; 2 usage error or a run that could not finish.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import functools
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional, TypeVar

import typer

from zhenggai import __version__
from zhenggai.cli.report_cmd import report_cmd
from zhenggai.core.results import DEADLINE

DEADLINE_TEXT = DEADLINE.isoformat()  # the --deadline default as help shows it

if TYPE_CHECKING:
    from zhenggai.core.results import Options
    from zhenggai.core.schema import Indicator
    from zhenggai.forms.feedback_list import FeedbackList

app = typer.Typer(
    name="zhenggai",
    help="整改：电子商务进农村综合示范专项整改——下发模板、校验填报、市州汇总。",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion, as typer documents them
    pretty_exceptions_show_locals=False,  # workbooks hold personal data: no locals in crashes
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_OK, EXIT_FINDINGS, EXIT_FATAL = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


class Fatal(Exception):
    """Raised inside a command for a one-line Chinese message and exit 2."""


F = TypeVar("F", bound=Callable[..., None])


def command(name: str, *, interrupted: str = "已中断。") -> Callable[[F], F]:
    """``app.command`` that turns a run that cannot finish into one Chinese line and exit 2,
    and Ctrl-C into the one line ``interrupted`` and exit 130 (output files are written
    to a temporary name and renamed only when complete, so none is left half-written).

    Done here, inside the command, so that ``zhenggai`` on the console, ``python -m
    zhenggai`` and typer's CliRunner in tests all behave the same.
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            from zhenggai.core.errors import FatalError
            from zhenggai.core.gcpause import collector_paused

            try:
                # A command is a short process building many small acyclic objects: the
                # cyclic GC is paused for all of it (the library pauses it itself only
                # while a file is read and checked, core/gcpause.py, e.g. in reading workers).
                with collector_paused():
                    fn(*args, **kwargs)
            except (Fatal, FatalError) as exc:
                typer.echo(f"错误：{exc}", err=True)
                raise typer.Exit(EXIT_FATAL) from None
            except KeyboardInterrupt:
                typer.echo(f"\n{interrupted}" if sys.stderr.isatty() else interrupted, err=True)  # after ^C
                raise typer.Exit(EXIT_INTERRUPTED) from None

        # The whole first line of the docstring: left to typer, the command list cuts it
        # with "…" at 80 columns; given explicitly, rich wraps it instead.
        first = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else None
        app.command(name, short_help=first)(wrapper)
        return fn

    return decorate


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zhenggai {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="显示版本号并退出。", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """整改：电子商务进农村综合示范专项整改——下发模板、校验填报、市州汇总。

    县（市、区）填报附件1《示范县整改清单》和附件2《示范县专项整改成果统计表》，
    市州商务局汇总后报省商务厅。
    """


def parse_day(text: str | None, option: str) -> date | None:
    """A date given on the command line (2022-12-31, 2022年12月31日, 2022年底 …)."""
    if text is None:
        return None
    from zhenggai.core.parse import parse_date

    parsed = parse_date(text)
    if parsed.value is None:
        raise Fatal(f"{option} 的值“{text}”不是日期，请写成 2022-12-31 的形式")
    return parsed.value


def load_indicators_option(path: Path | None) -> tuple[Indicator, ...] | None:
    """The ``--indicators`` file, or None for the packaged default."""
    if path is None:
        return None
    from zhenggai.core.schema import load_indicators

    return load_indicators(path)


IndicatorsOpt = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads this annotation at runtime on Python 3.10
    typer.Option(
        "--indicators",
        help="附件2 成果指标列的定义文件（TOML），替换内置的一套；格式见 README。",
        dir_okay=False,
    ),
]
DeadlineOpt = Annotated[
    str,
    typer.Option("--deadline", help="整改期限：未完成的问题，完成时限不得晚于此日期。"),
]
ForceOpt = Annotated[bool, typer.Option("--force", "-f", help="覆盖已存在的输出文件。")]
ProblemsOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--problems", help="省厅下发的反馈问题清单（.xlsx/.xls），检查每个反馈问题都已填报整改。",
                 dir_okay=False),
]


def load_feedback(path: Path | None, *, required: bool = False) -> FeedbackList | None:
    """The ``--problems`` list: fatal when it holds no problem (not a feedback list), or, when
    ``required`` (init-county), when any row is unusable; otherwise such rows are findings."""
    if path is None:
        return None
    if not path.is_file():
        raise Fatal(f"找不到反馈问题清单：{path}")
    from zhenggai.forms.feedback_reader import read_feedback_list

    fl = read_feedback_list(path)
    # Not a feedback list at all (a county's 附件1, an empty sheet): stop, or the rollup
    # shows coverage 0/0 as if every county had answered nothing.
    refused = fl.unusable  # not a warning about a hidden sheet
    if not fl.problems or (required and refused):
        reason = refused.message if refused else f"“{path.name}”里没有找到反馈问题"
        raise Fatal(reason)
    return fl


@command("init-county")
def init_county(
    county: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--county", "-c", help="县（市、区）名称；不填则生成空白的官方表样。"),
    ] = None,
    prefecture: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--prefecture", "-p", help="所属市（州），写入文件属性。"),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="输出文件夹（默认：当前文件夹）。", file_okay=False)
    ] = Path(),
    deadline: DeadlineOpt = DEADLINE_TEXT,
    combined: Annotated[
        bool, typer.Option("--combined", help="附件1和附件2放在同一个工作簿里（默认分成两个文件）。")
    ] = False,
    force: ForceOpt = False,
    indicators: IndicatorsOpt = None,
    problems: ProblemsOpt = None,
    all_counties: Annotated[
        bool, typer.Option("--all", help="配合 --problems：为清单中的每个县（市、区）各生成一套。")
    ] = False,
) -> None:
    """生成县（市、区）填报用的附件1、附件2 工作簿（带下拉框、日期限制和打印设置）。

    加 --problems 时，附件1 预先填好序号、问题描述（保留问题类别），附件2 预先填好反馈问题数。

    示例:

        zhenggai init-county --county 谷城县 --prefecture 襄阳市 -o 下发/

        zhenggai init-county --problems 反馈问题清单.xlsx --all -p 襄阳市 -o 下发/

        zhenggai init-county -o 空白表样/
    """
    from zhenggai.outputs.templates import CountyForms, Prefill, write_many

    base = CountyForms(
        county=county.strip() if county else None,
        prefecture=prefecture.strip() if prefecture else None,
        deadline=parse_day(deadline, "--deadline") or DEADLINE,
        indicators=load_indicators_option(indicators),
    )
    output_folder(output)
    if all_counties and problems is None:
        raise Fatal("--all 需要和 --problems 一起使用")
    if all_counties and county:
        raise Fatal("--all 和 --county 只能选一个")
    forms = [base]
    feedback = load_feedback(problems, required=True)
    if feedback is not None:
        if not all_counties and not county:
            raise Fatal("使用 --problems 时请用 --county 指定县（市、区），或用 --all 生成全部")
        names = feedback.counties if all_counties else [base.county or ""]
        forms = []
        for name in names:
            listed = feedback.for_county(name)
            if listed is None:
                known = "、".join(feedback.counties)
                raise Fatal(f"反馈问题清单中没有“{name}”（清单中有：{known}）")
            prefill = Prefill(problems=tuple((p.category, p.text) for p in listed))
            forms.append(replace(base, county=listed[0].county, prefill=prefill))
    written = write_many(output, forms, combined=combined, force=force)
    for path in written:
        typer.echo(f"已生成 {path}")


AsOfOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--as-of", help="按哪一天判断逾期和“完成日期不能晚于今天”（默认：今天）。"),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", help="输出格式：text（表格，默认）或 json（给脚本用）。"),
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="把警告也当作错误（退出码 1）。")]


def _validate_options(deadline: str, as_of: str | None, indicators: Path | None) -> Options:
    from zhenggai.core.results import Options

    return Options(
        deadline=parse_day(deadline, "--deadline") or DEADLINE,
        as_of=parse_day(as_of, "--as-of") or date.today(),
        indicators=load_indicators_option(indicators),
    )


def _check_format(fmt: str) -> str:
    """``text`` or ``json``, in any case (JSON, Json …)."""
    value = fmt.strip().lower()
    if value not in ("text", "json"):
        raise Fatal(f"--format 只能是 text 或 json，现为“{fmt}”")
    return value


AllOpt = Annotated[bool, typer.Option("--all", help="在终端里列出全部县（市、区）和全部问题（默认只列一屏）。")]
ContactOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--contact", help="联系人姓名，印在汇总表每张表下方；也可写在配置文件里（见 README）。"),
]
PhoneOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--phone", help="联系电话，印在联系人后面；也可写在配置文件里。"),
]
ConfigOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--config", help="配置文件（TOML），默认依次找当前文件夹的 zhenggai.toml 和用户配置文件夹。",
                 dir_okay=False),
]


@command("validate")
def validate_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="要检查的工作簿或文件夹（可以多个；文件夹会查找其中所有工作簿）。",
                                   metavar="文件或文件夹…")
    ],
    deadline: DeadlineOpt = DEADLINE_TEXT,
    as_of: AsOfOpt = None,
    indicators: IndicatorsOpt = None,
    fmt: FormatOpt = "text",
    annotate: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--annotate", help="把标注副本（错误标红、警告标黄、批注说明）写到这个文件夹。",
                     file_okay=False),
    ] = None,
    strict: StrictOpt = False,
    problems: ProblemsOpt = None,
    show_all: AllOpt = False,
) -> None:
    """检查附件1、附件2 的填报：指出哪个单元格有问题、为什么、怎么改。

    退出码：0 没有错误；1 有错误（加 --strict 时警告也算）；2 用法错误或无法完成。

    示例:

        zhenggai validate 谷城县-附件1.xlsx 谷城县-附件2.xlsx

        zhenggai validate 收件/ --annotate 标注/

        zhenggai validate 谷城县.xlsx --format json

        zhenggai validate 谷城县-附件1.xlsx --problems 反馈问题清单.xlsx
    """
    from zhenggai.api import validate

    fmt = _check_format(fmt)
    if annotate is not None:
        output_folder(annotate)
    else:
        from zhenggai.intake import boundary, reader

        # A supervised run ends with the report (finish → os._exit): a big file's calamine
        # cells are left to the OS, not freed first (~60 ms at 100,000 rows; +30–40 MB at
        # the peak). Not when annotating: openpyxl then opens the files again, in this process.
        if boundary.supervised():
            reader.spare_big_reads()
    opts = _validate_options(deadline, as_of, indicators)
    progress: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if fmt == "text":  # rich (cli/render.py) is loaded only for what a person reads
        from zhenggai.cli import render

        progress = render.progress("正在检查", enabled=True)
    with progress as on_progress:
        result = validate(paths, opts, problems=load_feedback(problems), on_progress=on_progress)
    with result:  # removes extracted .zip members once the annotated copies are written
        report = result.report
        if fmt == "json":
            from zhenggai.outputs.json_report import json_chunks

            echo_json(json_chunks(report))
        else:
            from zhenggai.cli import render

            render.findings(report, show_all=show_all)
        if annotate is not None:
            from zhenggai.cli import render
            from zhenggai.outputs.annotated import annotate_all

            for p in annotate_all(result.files, annotate):
                render.note(f"已生成标注副本 {p}")
        failed = report.errors > 0 or (strict and report.warnings > 0)
    finish(EXIT_FINDINGS if failed else EXIT_OK)


def expect_names(expect: str | None) -> tuple[str, ...]:
    """--expect split at commas (, ， 、 ; ；), each name without spaces (老河 口市 is 老河口市) and in half width."""
    import re

    from zhenggai.rollup.county import county_key

    names = (county_key(x) for x in re.split(r"[,，、;；]+", expect or ""))
    return tuple(dict.fromkeys(n for n in names if n))


def expect_hints(expected: tuple[str, ...], rollup: Any) -> list[str]:
    """"--expect 中的“枣杨市”没有收到报送；收件中有“枣阳市”，是不是写错了？"

    A mistyped or shortened name in --expect (枣杨市, 老河口) makes a county that did
    reply look 未报送 and the reply look unexpected; point at the county it probably
    means, never pick it silently. A prefix either way (老河口 / 老河口市) counts as near.
    """
    import difflib

    from zhenggai.rollup.model import Status

    got = [c.county for c in rollup.counties if c.county not in expected and c.status is not Status.MISSING]
    hints = []
    for c in rollup.counties:
        if c.county in expected and c.status is Status.MISSING:
            near = [g for g in got if g.startswith(c.county) or c.county.startswith(g)]
            near = near or difflib.get_close_matches(c.county, got, n=1, cutoff=0.6)
            if near:
                hints.append(f"--expect 中的“{c.county}”没有收到报送；收件中有“{near[0]}”，是不是写错了？")
    return hints


def output_file(path: Path, what: str, suffix: str = ".xlsx") -> Path:
    """An output file's name: the right suffix, and a folder that exists (never created
    silently: a typo in the path would put the rollup where nobody looks for it)."""
    if path.suffix.lower() != suffix:
        raise Fatal(f"{what}须保存为 {suffix} 文件，现为“{path.name}”")
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise Fatal(f"无法写入 {path}：“{folder.name}”是文件，不是文件夹")
    if not folder.is_dir():
        raise Fatal(f"输出文件夹“{folder}”不存在：请先建好它，或换一个已有的文件夹")
    return path


def output_folder(path: Path | None) -> Path | None:
    """An output folder: created if missing (it is the output), but only inside a folder
    that exists — never a whole chain of folders from a mistyped path. None: no such option."""
    if path is None:
        return None
    if path.exists() and not path.is_dir():
        raise Fatal(f"“{path}”是文件，这里需要一个文件夹")
    parent = path.absolute().parent
    if not path.exists() and not parent.is_dir():
        raise Fatal(f"输出文件夹“{path}”所在的文件夹“{parent}”不存在：请先建好它，或换一个已有的文件夹")
    return path


def _merge_options(expect: tuple[str, ...], opts: Options, *, prefecture: str | None, problems: Path | None,
                   previous: Path | None, contact: str | None, phone: str | None, config: Path | None) -> Any:
    """MergeOptions from the merge command's options and the config file (command line first)."""
    from zhenggai.cli.config import ConfigError, load, resolve
    from zhenggai.rollup.model import MergeOptions

    if previous is not None and not previous.is_file():
        raise Fatal(f"找不到上一轮汇总表：{previous}")
    try:
        prefecture, signoff = resolve(load(config), prefecture, contact, phone)
    except ConfigError as exc:
        raise Fatal(str(exc)) from None
    return MergeOptions(validate=opts, prefecture=prefecture or None, expect=expect,
                        feedback=load_feedback(problems), previous=previous, signoff=signoff)


def _show_merge(result: Any, expect: tuple[str, ...], *, fmt: str, show_all: bool, strict: bool) -> None:
    """The merge's result on stdout (table or JSON), its notes on stderr."""
    from zhenggai.cli import render

    rollup = result.rollup
    if fmt == "json":
        from zhenggai.outputs.json_report import json_chunks

        extra: dict[str, object] = {"totals": rollup.totals()}
        if rollup.prefectures:
            extra["prefectures"] = [p.to_dict() for p in rollup.prefectures]
        if rollup.comparison:
            extra["progress"] = rollup.comparison.to_dict()
        echo_json(json_chunks(rollup.report, counties=[c.to_dict() for c in rollup.counties],
                              skipped=[k.to_dict() for k in rollup.skipped], **extra))
    else:
        render.merge_summary(rollup, show_all=show_all,
                             output=str(result.output) if result.output is not None else None)
        if rollup.comparison is not None:
            render.progress_summary(rollup.comparison, changes=False)
    for hint in expect_hints(expect, rollup):
        render.note(hint)
    if result.output is not None:
        render.note(f"已生成汇总表 {result.output}")
    elif strict:
        render.note("有错误或警告，按 --strict 未生成汇总表")


@command("merge", interrupted="已中断，未生成汇总表。")
def merge_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="收件文件夹或文件（可以多个；子文件夹也会查找）。", metavar="收件文件夹…")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="汇总表文件名（.xlsx）。", dir_okay=False)],
    prefecture: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--prefecture", "-p", help="市（州）名称，写在汇总表标题里。"),
    ] = None,
    expect: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--expect", "-e", help="应报送的县（市、区），用逗号分隔；没交的会标为“未报送”。"),
    ] = None,
    deadline: DeadlineOpt = DEADLINE_TEXT,
    as_of: AsOfOpt = None,
    indicators: IndicatorsOpt = None,
    fmt: FormatOpt = "text",
    force: ForceOpt = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="有错误或警告时不生成汇总表，退出码 1。")
    ] = False,
    problems: ProblemsOpt = None,
    previous: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--previous", help="上一轮的汇总表：与之比较，汇总表中增加“进展对比”工作表。",
                     dir_okay=False),
    ] = None,
    contact: ContactOpt = None,
    phone: PhoneOpt = None,
    config: ConfigOpt = None,
    show_all: AllOpt = False,
) -> None:
    """把各县（市、区）报来的附件1、附件2 汇总成一个市州汇总表；汇总各市州汇总表则得到全省汇总。

    每个文件都先按 validate 的规则检查；有错误的行照样汇总并标出。

    退出码：0 没有错误；1 有错误（汇总表照常生成，加 --strict 则不生成）；2 用法错误或无法写出。

    示例:

        zhenggai merge 收件/ -o 汇总.xlsx -p 襄阳市 -e 枣阳市,保康县,谷城县

        zhenggai merge 收件/ -o 襄阳市汇总.xlsx --problems 反馈问题清单.xlsx

        zhenggai merge 各市州汇总/ -o 湖北省汇总.xlsx --prefecture 湖北省

        zhenggai merge 收件/ -o 第二轮汇总.xlsx --previous 第一轮汇总.xlsx
    """
    from zhenggai.api import merge
    from zhenggai.cli import render

    fmt = _check_format(fmt)
    names = expect_names(expect)
    mopts = _merge_options(names, _validate_options(deadline, as_of, indicators), prefecture=prefecture,
                           problems=problems, previous=previous, contact=contact, phone=phone, config=config)
    output_file(output, "汇总表")
    with render.progress("正在读取", enabled=fmt == "text") as on_progress:
        result = merge(paths, mopts, output, force=force, strict=strict, on_progress=on_progress)
    _show_merge(result, names, fmt=fmt, show_all=show_all, strict=strict)
    report = result.rollup.report
    failed = report.errors > 0 or (strict and report.warnings > 0)
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)


@command("diff", interrupted="已中断，未生成进展对比。")
def diff_cmd(
    previous: Annotated[Path, typer.Argument(help="上一轮：县级报送（文件或文件夹）或汇总表。", metavar="上一轮")],
    current: Annotated[Path, typer.Argument(help="本轮：与上一轮同一层级的报送或汇总表。", metavar="本轮")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="把“进展对比”写到这个工作簿（.xlsx）。", dir_okay=False),
    ] = None,
    prefecture: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--prefecture", "-p", help="市（州）名称，写在进展对比的标题里。"),
    ] = None,
    deadline: DeadlineOpt = DEADLINE_TEXT,
    as_of: AsOfOpt = None,
    indicators: IndicatorsOpt = None,
    fmt: FormatOpt = "text",
    force: ForceOpt = False,
    problems: ProblemsOpt = None,
) -> None:
    """比较两轮报送：哪些问题新完成、重新打开、推迟，哪些措施没有进展，哪些累计指标减少。

    两边须是同一层级：两份县级报送（一个县的文件或文件夹）、两份市州汇总表或两份全省汇总表。

    退出码：0 没有错误；1 有错误（如重新打开、问题缺失、推迟到整改期限之后）；2 用法错误或无法完成。

    示例:

        zhenggai diff 第一轮/谷城县/ 第二轮/谷城县/

        zhenggai diff 第一轮汇总.xlsx 第二轮汇总.xlsx -o 进展对比.xlsx

        zhenggai diff 上一轮.xlsx 本轮.xlsx --format json
    """
    from zhenggai.api.diff import diff
    from zhenggai.cli import render
    from zhenggai.rollup.model import MergeOptions

    fmt = _check_format(fmt)
    if output is not None:
        output_file(output, "进展对比")
        if output.exists() and not force:
            raise Fatal(f"文件已存在：{output}（如需覆盖请加 --force）")
    opts = _validate_options(deadline, as_of, indicators)
    mopts = MergeOptions(validate=opts, prefecture=prefecture.strip() if prefecture else None,
                         feedback=load_feedback(problems))
    result = diff([previous], [current], mopts)
    if fmt == "json":
        from zhenggai.outputs.json_report import json_chunks

        echo_json(json_chunks(result.report, progress=result.comparison.to_dict()))
    else:
        render.progress_summary(result.comparison, changes=True)
    if output is not None:
        from zhenggai.outputs.progress_sheet import write_diff

        place = result.prefecture or ("全省" if result.level == "province" else "")
        # 统计截至 of the sheet: the current round's own date (its rollup's subtitle), not today.
        when = (opts.as_of if as_of else None) or result.comparison.current_as_of or opts.as_of
        write_diff(result.comparison, output, place=place, as_of=when, province=result.level == "province",
                   force=force)
        render.note(f"已生成进展对比 {output}")
    raise typer.Exit(EXIT_FINDINGS if result.report.errors else EXIT_OK)


HostOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--host", help="监听地址（默认 127.0.0.1，只有本机能打开；给各县用请设为 0.0.0.0；"
                                "不给出时用上次启动时的值）。"),
]
PortOpt = Annotated[Optional[int], typer.Option("--port", help="端口（默认 8000，或上次启动时的值）。")]  # noqa: UP045
CertOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--cert", help="HTTPS 证书文件（PEM）；与 --key 一起给出时用 https:// 链接。", dir_okay=False),
]
KeyOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--key", help="HTTPS 证书的私钥文件（PEM，不设密码）。", dir_okay=False),
]


@command("serve")
def serve_cmd(
    folder: Annotated[Path, typer.Argument(help="收件库文件夹：数据库和收到的文件都保存在这里（没有就新建）。",
                                           metavar="收件库文件夹",
                                           file_okay=False)],
    prefecture: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--prefecture", "-p", help="市（州）名称，显示在页面和汇总表标题里。"),
    ] = None,
    problems: ProblemsOpt = None,
    expect: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--expect", "-e", help="应报送的县（市、区），用逗号分隔（有 --problems 时可不填）。"),
    ] = None,
    deadline: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--deadline", help="整改期限（默认 2022-12-31，或上次启动时设定的值）。"),
    ] = None,
    host: HostOpt = None,
    port: PortOpt = None,
    max_upload: Annotated[int, typer.Option("--max-upload", help="每次上传的大小上限（MB）。")] = 20,
    cert: CertOpt = None,
    key: KeyOpt = None,
    links_only: Annotated[bool, typer.Option("--links", help="只列出各县和市州的专用链接，不启动。")] = False,
    rotate: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--rotate", help="给这个县（市、区）换一个新链接（旧链接立即失效），不启动；“市州”换审核链接。"),
    ] = None,
    export: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--export", help="把各县最近一次提交导出到这个文件夹（可用 zhenggai merge 汇总），不启动。",
                     file_okay=False),
    ] = None,
    previous: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--previous", help="上一轮的汇总表：各县第一次提交时与之比较（页面上的“与上次报送相比”）。",
                     metavar="上一轮汇总表"),
    ] = None,
) -> None:
    """网上报送：各县在浏览器里上传、自查、提交，市州在浏览器里查看、退回或通过、下载汇总表。

    所有数据都保存在收件库文件夹里；启动时列出每个县的专用链接和市州的审核链接。

    示例:

        zhenggai serve 收件库/ --prefecture 襄阳市 --problems 反馈问题清单.xlsx

        zhenggai serve 收件库/ --host 0.0.0.0 --port 8000

        zhenggai serve 收件库/ --links

        zhenggai serve 收件库/ --rotate 谷城县

        zhenggai serve 收件库/ --export 导出/

        zhenggai serve 收件库/ --host 0.0.0.0 --cert 证书.pem --key 私钥.pem
    """
    from zhenggai.web import launch

    if max_upload < 1:
        raise Fatal("--max-upload 至少是 1（MB）")
    output_folder(export)
    start = not (links_only or rotate is not None or export is not None)
    tls = launch.tls_problem(cert, key) if start else None
    if tls is not None:
        raise Fatal(tls)
    opened = launch.open_intake(folder, start=start, prefecture=prefecture, problems=problems, expect=expect,
                                deadline=parse_day(deadline, "--deadline"), previous=previous, host=host,
                                port=port, https=(cert is not None) if start else None)
    for note in opened.notes:
        typer.echo(note, err=True)
    if export is not None:
        done = launch.export(opened.store, export)
        typer.echo(f"已导出到 {done}")
        typer.echo((export / "说明.txt").read_text(encoding="utf-8-sig").strip())
        return
    for link in launch.links(opened.store, rotate=rotate):
        typer.echo(f"{link.who}\t{link.url}")
    if start:
        _serve_start(opened.store, max_upload, cert, key)


def _serve_start(store: Any, max_upload: int, cert: Path | None, key: Path | None) -> None:
    """Run the intake server on the folder whose lock ``store`` holds, until Ctrl+C."""
    import gc

    from zhenggai.web import launch

    # The collector is paused for short commands (``command``, ``main``); a server runs for
    # days, and its requests' cyclic garbage must be collected.
    gc.enable()

    web_app = launch.build(store, max_upload * 1024 * 1024)
    host, port = launch.address(store)
    where = "只有本机能打开" if host in ("127.0.0.1", "localhost", "::1") else "局域网内可以打开"
    typer.echo(f"网上报送已启动（{where}），按 Ctrl+C 停止。请把各县的链接分别发给对应的县，审核链接只给市州。",
               err=True)
    launch.run(web_app, host, port, cert, key)


command("report")(report_cmd)  # zhenggai report: its own file, cli/report_cmd.py


def safe_streams() -> None:
    """Never crash on a character the console cannot show (Windows cmd is GBK: "›", "•", emoji).

    A clerk's text or a message reaching a GBK console or a ``> 结果.txt`` redirect
    raised UnicodeEncodeError after the work was done. Characters GBK lacks print as
    "?" in text output; JSON escapes them (:func:`json_for`) so it stays exact.
    """
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding not in ("utf8", "utf8sig") and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # a closed or exotic stream
                stream.reconfigure(errors="replace")


def finish(code: int) -> NoReturn:
    """End a command that has written everything with exit code ``code``.

    A supervised run (cli/supervise.py: a forked child whose supervisor passes its code on)
    ends here at once, after flushing its output and running the exit handlers: Python would
    otherwise free every object of the run one by one, the checked rows and cells of the
    file included (100,000 rows: millions of objects, ~0.2 s), only to end the process. Any
    other run (tests, a library caller's CliRunner) raises ``typer.Exit`` as usual.
    """
    from zhenggai.intake import boundary

    if boundary.supervised():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            raise typer.Exit(code) from None  # a closed pipe: Python's own exit says so, as before
        atexit._run_exitfuncs()  # e.g. removing extracted .zip members (intake/inbox.py)
        os._exit(code)
    raise typer.Exit(code)


def echo_json(chunks: Iterable[str]) -> None:
    """JSON on stdout as it is encoded, 64 K characters at a time (see :func:`json_for`): the
    same text as one ``echo``, without the whole of it (a national merge's report is tens of
    MB) in memory as text and again as bytes."""
    buf: list[str] = []
    size = 0
    for chunk in chunks:
        buf.append(chunk)
        size += len(chunk)
        if size >= 1 << 16:
            typer.echo(json_for("".join(buf)), nl=False)
            buf.clear()
            size = 0
    typer.echo(json_for("".join(buf)))


def json_for(text: str, stream: Any = None) -> str:
    """JSON text the stream can carry: characters its encoding lacks become \\uXXXX escapes.

    The escapes are JSON's own, so a program reading the output gets the exact text, and
    the Chinese the console can show stays readable.
    """
    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    except LookupError:
        return text
    out = []
    for ch in text:
        try:
            ch.encode(encoding)
            out.append(ch)
        except UnicodeEncodeError:
            code = ord(ch)
            if code > 0xFFFF:  # a surrogate pair, as JSON writes characters outside the BMP
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
    return "".join(out)


def app_for(argv: list[str]) -> typer.Typer:
    """The app, holding only the command that ``argv`` names when it names one.

    Typer builds every registered command's options before it parses (~8 ms for the six);
    a run names one, and nothing of the others can show: its help, its usage errors and
    its output are the command's own. Anything else (no command, a mistyped one, shell
    completion) gets the whole app, as do tests, which call ``app`` itself.
    """
    commands = [c for c in app.registered_commands if argv and c.name == argv[0]]
    if len(commands) != 1:
        return app
    only = copy.copy(app)
    only.registered_commands = commands
    return only


def main() -> None:
    """Console-script entry point: Chinese messages, no tracebacks, documented exit codes."""
    import gc

    # Paused from the start, not only inside the command (see ``command``): the imports and
    # typer's parsing make cyclic objects that live as long as the process, and the
    # collector's runs over them only cost time (~4 ms before a command starts).
    gc.disable()
    from zhenggai.cli import i18n as cli_text
    from zhenggai.core.errors import FatalError

    cli_text.install()
    safe_streams()
    from zhenggai.cli.supervise import supervise

    supervise(sys.argv[1:])  # returns in the child that runs the command (see supervise.py)
    try:
        code = app_for(sys.argv[1:])(standalone_mode=False)
    except (Fatal, FatalError) as exc:
        typer.echo(f"错误：{exc}", err=True)
        code = EXIT_FATAL
    except (typer.Abort, KeyboardInterrupt):  # Ctrl-C outside a command (while parsing)
        typer.echo("已中断。", err=True)
        code = EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - a clerk never sees a traceback
        code = EXIT_FATAL
        if cli_text.is_click_error(exc, "UsageError"):
            message = cli_text.chinese_message(exc)
            if message:  # empty after a bare command: the help was the answer
                typer.echo(f"用法错误：{message}", err=True)
                ctx = getattr(exc, "ctx", None)
                if ctx is not None:
                    typer.echo(f"运行 {ctx.command_path} --help 查看帮助。", err=True)
        elif cli_text.is_click_error(exc):
            typer.echo(f"错误：{cli_text.translate_error(exc.format_message())}", err=True)  # type: ignore[attr-defined]
        else:
            typer.echo(f"内部错误（{type(exc).__name__}）：{exc}。请把这条信息和所用文件发给技术支持。", err=True)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
