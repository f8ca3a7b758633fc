"""Chinese for the texts that typer and its bundled click print on their own.

Clerks read every line zhenggai prints, so the few English words the framework
adds (Usage, Options, "Show this message and exit.", usage errors) are replaced
here, in the CLI layer only. Typer bundles its own copy of click with these strings
hard-coded, so we set the help-panel titles, wrap two methods of typer's public command
classes, and translate usage errors by pattern when we print them. Nothing here imports
typer's private ``typer._click``: it exists only in the typer versions that bundle click.
"""

from __future__ import annotations

import re
from typing import Any

from typer import rich_utils
from typer.core import TyperCommand, TyperGroup

_PANELS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已中止。",
    "DEFAULT_STRING": "[默认：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已弃用）",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}

_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^No such option: (.+?)(?: Did you mean (.+)\?)?$"), "没有这个选项：{0}"),
    (re.compile(r"^No such command '?(.+?)'?\.?$"), "没有这个命令：{0}"),
    (re.compile(r"^Missing option '?(.+?)'?\.?$"), "缺少选项 {0}"),
    (re.compile(r"^Missing argument '?(.+?)'?\.?$"), "缺少参数 {0}"),
    (re.compile(r"^Missing command\.?$"), "缺少命令"),
    (re.compile(r"^Option '?(.+?)'? requires an argument\.?$"), "选项 {0} 后面需要一个值"),
    (re.compile(r"^Option '?(.+?)'? requires (\d+) arguments\.?$"), "选项 {0} 后面需要 {1} 个值"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)$"), "多余的参数：{0}"),
    (re.compile(r"^Invalid value for '?(.+?)'?: (.+)$"), "{0} 的值不对：{1}"),
    (re.compile(r"^Invalid value: (.+)$"), "值不对：{0}"),
    (re.compile(r"^'(.+)' is not a valid (.+)\.$"), "“{0}”不是有效的值"),
    (re.compile(r"^Path '(.+)' does not exist\.$"), "路径不存在：{0}"),
)


def translate_error(message: str) -> str:
    """A click usage-error message in Chinese (unchanged when no pattern knows it)."""
    text = message.strip()
    for pattern, template in _ERRORS:
        m = pattern.match(text)
        if m:
            return template.format(*(g or "" for g in m.groups()))
    return text


_installed = False


def install() -> None:
    """Put the Chinese texts in place (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    for name, text in _PANELS.items():
        setattr(rich_utils, name, text)

    for cls in (TyperCommand, TyperGroup):
        _chinese_help(cls)


def _chinese_help(cls: Any) -> None:
    original_help_option = cls.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_help_option(self, ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def format_usage(self: Any, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")

    cls.get_help_option = get_help_option
    cls.format_usage = format_usage


def is_click_error(exc: BaseException, name: str = "ClickException") -> bool:
    """True for click's ``ClickException`` (or ``name``, e.g. ``UsageError``) and subclasses.

    By class name along the MRO: typer bundles its own click in some versions and uses
    the ``click`` package in others, and neither is importable the same way in both.
    """
    return any(c.__name__ == name for c in type(exc).__mro__)
