"""Chinese for the texts that typer and its bundled click print on their own.

Clerks read every line zhenggai prints, so the few English words the framework
adds (Usage, Options, "Show this message and exit.", usage errors) are replaced
here, in the CLI layer only. Typer bundles its own copy of click with these strings
hard-coded, so we set the help-panel titles, wrap two methods of typer's public command
classes, and translate usage errors by pattern when we print them. Nothing here imports
typer's private ``typer._click``: it exists only in the typer versions that bundle click.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import re
import sys
from types import ModuleType
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_RICH_UTILS = "typer.rich_utils"

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

# Messages click and typer raise with English text and no structured fields to rebuild
# them from. Each is matched whole; anything unmatched is wrapped as "参数不对".
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^No such command '?(.+?)'?\.?$"), "没有这个命令：{0}"),
    (re.compile(r"^Missing command\.?$"), "缺少命令"),
    (re.compile(r"^Option '?(.+?)'? requires an argument\.?$"), "选项 {0} 后面需要一个值"),
    (re.compile(r"^Option '?(.+?)'? requires (\d+) arguments\.?$"), "选项 {0} 后面需要 {1} 个值"),
    (re.compile(r"^Option '?(.+?)'? does not take a value\.?$"), "选项 {0} 不带值，直接写 {0} 即可"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)\.?$"), "多余的参数：{0}"),
    (re.compile(r"^(?:File|Directory|Path|file|directory|path) '(.+)' does not exist\.?$"), "“{0}”不存在"),
    (re.compile(r"^(?:File|Path|file|path) '(.+)' is a directory\.?$"), "“{0}”是文件夹，这里需要一个文件名"),
    (re.compile(r"^(?:Directory|Path|directory|path) '(.+)' is a file\.?$"), "“{0}”是文件，这里需要一个文件夹"),
    (re.compile(r"^(?:File|Directory|Path|file|directory|path) '(.+)' is not readable\.?$"), "“{0}”没有读取权限"),
    (re.compile(r"^(?:File|Directory|Path|file|directory|path) '(.+)' is not writable\.?$"), "“{0}”没有写入权限"),
    (re.compile(r"^'?(.+?)'? is not a valid (?:integer|int)(?: range)?\.?$"), "“{0}”不是整数"),
    (re.compile(r"^'?(.+?)'? is not a valid (?:float|number)(?: range)?\.?$"), "“{0}”不是数字"),
    (re.compile(r"^'?(.+?)'? is not a valid (?:boolean|bool)\.?$"), "“{0}”不是“是/否”的值"),
    (re.compile(r"^Value '?(.+?)'? is not a valid (.+?)\.?$"), "“{0}”不是有效的值"),
    (re.compile(r"^'?(.+?)'? is not (?:one of|a valid choice)(.*)$"), "“{0}”不是可选的值"),
    (re.compile(r"^Value must be an iterable\.?$"), "这里需要一个或多个值"),
)


def translate_error(message: str) -> str:
    """A click/typer message in Chinese; unknown English becomes a whole Chinese sentence."""
    text = message.strip()
    for pattern, template in _ERRORS:
        m = pattern.match(text)
        if m:
            return template.format(*(g or "" for g in m.groups()))
    if re.search(r"[A-Za-z]{3,}", text) and not re.search(r"[\u4e00-\u9fff]", text):
        return "命令行参数不对，请对照帮助检查写法"  # never a half-translated English line
    return text


def param_hint(param: Any) -> str:
    """"--output（-o）" for an option, the Chinese name (metavar) for an argument."""
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.metavar or param.name or "").rstrip(".…")
    opts = [*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())]
    longs = [o for o in opts if o.startswith("--")]
    shorts = [o for o in opts if not o.startswith("--")]
    main = longs[0] if longs else (shorts[0] if shorts else str(param.name))
    rest = [o for o in opts if o != main]
    return f"{main}（{'、'.join(rest)}）" if rest else main


def _options_of(ctx: Any) -> list[str]:
    command = getattr(ctx, "command", None)
    return [o for p in getattr(command, "params", ()) for o in getattr(p, "opts", ()) if o.startswith("-")]


def chinese_message(exc: Any) -> str:
    """The whole message of a click usage error, in Chinese, rebuilt from its fields."""
    import difflib

    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    ctx = getattr(exc, "ctx", None)
    if kind == "NoArgsIsHelpError":
        return ""  # the help itself was shown; nothing to add
    if kind == "NoSuchOption":
        name = str(getattr(exc, "option_name", "") or "")
        known = _options_of(ctx) or list(getattr(exc, "possibilities", None) or ())
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        near = near or [o for o in known if o.startswith(name) or name.startswith(o)][:1]
        hint = f"。是不是 {near[0]}？" if near else ""
        return f"没有这个选项：{name}{hint}"
    if kind == "MissingParameter":
        what = "参数" if getattr(exc, "param_type", None) == "argument" or getattr(
            param, "param_type_name", "") == "argument" else "选项"
        return f"缺少{what} {param_hint(param)}".rstrip()
    message = str(getattr(exc, "message", "") or "")
    if kind == "NoSuchCommand" or message.startswith("No such command"):
        m = re.match(r"^No such command '?(.+?)'?\.?(?: Did you mean '?(.+?)'?\?)?$", message)
        cmds = sorted(getattr(getattr(ctx, "command", None), "commands", {}) or {})
        name = m.group(1) if m else ""
        near = difflib.get_close_matches(name, cmds, n=1, cutoff=0.5)
        hint = f"。是不是 {near[0]}？" if near else (f"。可用的命令：{'、'.join(cmds)}" if cmds else "")
        return f"没有这个命令：{name}{hint}"
    text = translate_error(message)
    if kind == "BadParameter" and param is not None:
        return f"{param_hint(param)}的值不对：{text}"
    return text


_TYPES = {"<str>": "文字", "<int>": "整数", "<float>": "数字", "<path>": "路径", "<file>": "文件",
          "<directory>": "文件夹", "<dir>": "文件夹", "<list[path]>": "路径…", "<list[str]>": "文字…", "<bool>": None}


_installed = False


def install() -> None:
    """Put the Chinese texts in place (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    _when_imported(_RICH_UTILS, _chinese_panels)
    for cls in (TyperCommand, TyperGroup):
        _chinese_help(cls)
    _chinese_completion()
    _chinese_types()
    _chinese_errors()


_COMPLETION = {
    "--install-completion": "为当前的命令行（bash、zsh、fish、PowerShell）安装命令和选项的自动补全。",
    "--show-completion": "显示当前命令行的自动补全脚本，可复制后自行安装。",
}


def _chinese_completion() -> None:
    """Typer's own --install-completion / --show-completion options, with Chinese help."""
    original = TyperGroup.get_params

    def get_params(self: Any, ctx: Any) -> Any:
        params = original(self, ctx)
        for p in params:
            for opt in getattr(p, "opts", ()):
                if opt in _COMPLETION:
                    setattr(p, "help", _COMPLETION[opt])  # noqa: B010 - click types Parameter without .help
        return params

    TyperGroup.get_params = get_params  # type: ignore[method-assign]


def _chinese_panels(rich_utils: Any) -> None:
    """The help and error panels' own words (typer.rich_utils) in Chinese, and Chinese folding."""
    for name, text in _PANELS.items():
        setattr(rich_utils, name, text)
    _fold_chinese(rich_utils)


def _when_imported(name: str, patch: Any) -> None:
    """``patch(module)`` now if ``name`` is imported, else the moment it is.

    typer imports its rich_utils (and with it rich's markdown, columns, tables …: ~0.1 s)
    only to show help or an error; importing it here to put the Chinese in made every
    command pay for it, ``validate --format json`` included (issue 22). However typer or
    anything else imports it later, the finder below runs the patch right after the module
    is executed and before anyone uses it, so no English panel title can reach a clerk.
    """
    module = sys.modules.get(name)
    if module is not None:
        patch(module)
        return
    sys.meta_path.insert(0, _PatchOnImport(name, patch))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: hands the real spec back with a loader that patches the module."""

    def __init__(self, name: str, patch: Any) -> None:
        self.name, self.patch = name, patch

    def find_spec(self, fullname: str, path: Any, target: ModuleType | None = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)  # once: the other finders find the real module
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Patching(spec.loader, self.patch)
        return spec


class _Patching(importlib.abc.Loader):
    def __init__(self, loader: Any, patch: Any) -> None:
        self.loader, self.patch = loader, patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self.loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        self.patch(module)


def _fold_chinese(rich_utils: Any) -> None:
    """Help text wraps like Chinese text (禁则, see ``cli/wrap.py``), not only at spaces.

    Rich breaks lines at whitespace and cuts a longer "word" with "…"; a Chinese
    sentence has no spaces, so at 80 columns every long help line lost its end, and
    folding at any character left a lone 。 on a line and broke example commands.
    Every help text passes through ``rich_utils.highlighter``: it returns a
    :class:`~zhenggai.cli.wrap.BreakingText` instead.
    """
    from rich.text import Text

    from zhenggai.cli.wrap import BreakingText

    original = rich_utils.highlighter

    class Folding:
        def __call__(self, text: Any) -> Any:
            result = original(text)
            if isinstance(result, Text):
                result = BreakingText.of(result)
                result.overflow = "fold"
            return result

        def __getattr__(self, name: str) -> Any:
            return getattr(original, name)

    rich_utils.highlighter = Folding()


def _chinese_errors() -> None:
    """Every click usage error formats itself in Chinese, however it is shown.

    Patched on the classes, so typer's own error panel (CliRunner, standalone mode) and
    our ``main`` print the same Chinese. The classes are found from typer's public
    ``BadParameter`` (its base ``UsageError`` and that base's subclasses), never by
    importing typer's private modules.
    """
    usage = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
    todo, seen = [usage], set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        cls.format_message = chinese_message  # type: ignore[attr-defined]
        todo.extend(cls.__subclasses__())


def _chinese_types() -> None:
    """Help shows 文字 / 文件 / 文件夹 for a value, and nothing for an on/off switch (not <bool>)."""
    original = TyperOption.display_type_rich

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if self.metavar is not None:
            return str(self.metavar)
        if getattr(self, "is_flag", False) or getattr(self, "is_bool_flag", False):
            return None
        shown = original(self, ctx)
        return _TYPES.get(str(shown).lower(), shown) if shown is not None else None

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]

    original_arg = TyperArgument.display_type_rich

    def argument_type(self: Any, ctx: Any) -> str | None:
        shown = original_arg(self, ctx)
        return _TYPES.get(str(shown).lower(), shown) if shown is not None else None

    TyperArgument.display_type_rich = argument_type  # type: ignore[method-assign]


def _chinese_help(cls: Any) -> None:
    original_help_option = cls.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_help_option(self, ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def format_usage(self: Any, ctx: Any, formatter: Any) -> None:
        pieces = " ".join(self.collect_usage_pieces(ctx))
        pieces = pieces.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]…")
        pieces = re.sub(r"\{([^{}]+)\}(?:\.\.\.)?", r"\1", pieces)  # "{收件文件夹…}..." → "收件文件夹…"
        formatter.write_usage(ctx.command_path, pieces, prefix="用法：")

    cls.get_help_option = get_help_option
    cls.format_usage = format_usage


def is_click_error(exc: BaseException, name: str = "ClickException") -> bool:
    """True for click's ``ClickException`` (or ``name``, e.g. ``UsageError``) and subclasses.

    By class name along the MRO: typer bundles its own click in some versions and uses
    the ``click`` package in others, and neither is importable the same way in both.
    """
    return any(c.__name__ == name for c in type(exc).__mro__)
