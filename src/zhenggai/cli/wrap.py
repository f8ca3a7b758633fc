"""Chinese line breaking (禁则) for everything the terminal shows: results and help.

Rich breaks lines at spaces and folds a longer "word" at any character, so a Chinese
sentence (no spaces) broke anywhere: lines began with 。，、, a quote opened at the end
of one line and closed at the start of the next, "第 12" and "行）" parted. Here a line
never starts with a closing mark (。，、；：？！）】」』” …) and never ends with an
opening one (（【「『“ …); a number keeps its unit (30万元, 第 12 行, 80%), an ASCII run
(an option, a path, an A1 cell, a date) stays whole, and an example command line
(``zhenggai …``) is never broken at all.

:class:`BreakingText` is a rich ``Text`` whose ``wrap`` uses these rules, so tables,
panels and plain prints all lay out with them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console
from rich.containers import Lines
from rich.measure import Measurement
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import ConsoleOptions, RenderResult

# A line may not start with these (closing marks, pause and stop marks) ...
NO_START = frozenset("。，、；：？！）】」』”’》〉〕］｝…‥·．％,.;:?!)]}%")
# ... nor end with these (opening marks).
NO_END = frozenset("（【「『“‘《〈〔［｛([{")

# Units a number keeps on its line, longest first.
_UNITS = ("万元", "亿元", "万人", "公里", "小时", "个月", "元", "万", "亿", "个", "人", "家", "项", "村", "行", "列",
          "年", "月", "日", "天", "次", "名", "条", "处", "户", "所", "座", "倍", "张", "份", "页", "套", "批", "%")
_UNIT = "|".join(map(re.escape, _UNITS))

# A path, kept whole so that a copied path still opens: a run (Chinese folder and file names
# included, as clerks name them; it ends at a space or Chinese punctuation) that starts at a
# root (/, C:\, ~, ./, …/) or holds a separator and ends with a file extension or a separator.
# Prose such as 12/19 or 附件1/附件2 is not a path and still breaks like prose.
_PC = r"[^\s，。；、：“”「」（）【】《》]"
_PATH = (rf"(?<!{_PC})(?:(?:[A-Za-z]:|~|\.{{1,2}}|…)?[\\/]{_PC}*"
         rf"|(?={_PC}+[\\/]){_PC}+?[\\/](?:{_PC}*?(?:\.[A-Za-z0-9]{{1,5}}|[\\/]))?(?!{_PC}))")

# One unbreakable atom: a short bracketed or quoted word, a path, a number (with 第 before and its unit after), an
# ASCII run (option, A1 cell, date, code) with a 行/列 after it, a run of spaces, or one character.
_ATOM = re.compile(
    r"[（(【「『“‘《〈][^（(【「『“‘《〈）)】」』”’》〉\s]{1,6}[）)】」』”’》〉]"  # （万元）, “是”, 「完成时限」
    rf"|{_PATH}"
    rf"|(?:第\s?)?[!-~]*\d[!-~]*(?:\s?(?:{_UNIT}))?"
    r"|[!-~]+(?:\s?[行列])?"
    r"|\s+"
    r"|.",
    re.S,
)
# A help line that shows a command to type: never broken, or it no longer runs when copied.
_COMMAND = re.compile(r"^\s*(?:\$\s*)?zhenggai\s")


def _segments(text: str) -> list[str]:
    """The text cut into the pieces a line may break between (禁则 applied)."""
    atoms = _ATOM.findall(text)
    segs: list[str] = []
    for atom in atoms:
        glue = bool(segs) and not segs[-1].isspace() and not atom.isspace() and (
            atom[0] in NO_START or segs[-1][-1] in NO_END)
        if glue:
            segs[-1] += atom
        else:
            segs.append(atom)
    return segs


def break_offsets(text: str, width: int) -> list[int]:
    """Character offsets at which to start a new line so no line is wider than ``width``.

    A piece wider than ``width`` on its own (a long path) is folded by character, the
    only case where a line may start with a closing mark; an example command is never cut.
    """
    if cell_len(text) <= width:
        return []
    if _COMMAND.match(text):
        return _command_offsets(text, width)
    offsets: list[int] = []
    pos, used = 0, 0
    for seg in _segments(text):
        w = cell_len(seg)
        if seg.isspace():
            if used:  # a space ending a line is dropped with the line end (see wrap)
                used += w
            elif offsets and offsets[-1] == pos:
                offsets[-1] = pos + len(seg)  # no spaces at the start of a line
            pos += len(seg)
            continue
        if used and used + w > width and pos:
            offsets.append(pos)
            used = 0
        while w > width:  # fold an over-long piece
            cut, cw = 0, 0
            while cut < len(seg) and cw + cell_len(seg[cut]) <= width - used:
                cw += cell_len(seg[cut])
                cut += 1
            folder = max(seg.rfind("/", 0, cut), seg.rfind("\\", 0, cut))
            cut = folder + 1 if folder > 0 else max(cut, 1)  # a path folds after a folder, not inside a name
            pos += cut
            seg = seg[cut:]
            offsets.append(pos)
            used, w = 0, cell_len(seg)
        used += w
        pos += len(seg)
    return [o for o in offsets if 0 < o < len(text)]


def _command_offsets(text: str, width: int) -> list[int]:
    """An example command wider than the window: broken only between arguments (each
    continuation indented by :data:`CONTINUE`), never inside one."""
    indent = len(text) - len(text.lstrip())
    room = width - indent - len(CONTINUE)
    tokens: list[tuple[int, str]] = []
    for m in re.finditer(r"-\S+ [^-\s]\S*|\S+", text):  # an option stays with its value ...
        if cell_len(m.group()) <= room:
            tokens.append((m.start(), m.group()))
        else:  # ... unless together they do not fit on a line
            tokens += [(m.start() + n.start(), n.group()) for n in re.finditer(r"\S+", m.group())]
    offsets: list[int] = []
    used = 0
    for start, token in tokens:
        w = cell_len(token)
        if used and used + 1 + w > width:
            offsets.append(start)
            used = indent + len(CONTINUE) + w
        else:
            used = (used + 1 if used else start) + w
    return offsets


CONTINUE = "    "  # indent of an example command's continuation line


def wrap_lines(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` cells (for tests and plain output)."""
    out: list[str] = []
    for line in text.split("\n"):
        offsets = break_offsets(line, width)
        starts = [0, *offsets]
        ends = [*offsets, len(line)]
        pieces = [line[a:b].rstrip() for a, b in zip(starts, ends, strict=True)]
        if _COMMAND.match(line):
            lead = line[:len(line) - len(line.lstrip())] + CONTINUE
            pieces = pieces[:1] + [lead + p for p in pieces[1:]]
        out += pieces
    return out


class BreakingText(Text):
    """A rich ``Text`` that wraps by the rules above."""

    @classmethod
    def of(cls, text: Text | str, **kwargs: Any) -> BreakingText:
        if isinstance(text, str):
            return cls(text, **kwargs)
        return cls(text.plain, style=text.style, justify=text.justify, overflow=text.overflow,
                   no_wrap=text.no_wrap, end=text.end, tab_size=text.tab_size, spans=list(text.spans))

    def wrap(self, console: Console, width: int, *, justify: Any = None, overflow: Any = None,
             tab_size: int = 8, no_wrap: bool | None = None) -> Lines:
        if no_wrap or self.no_wrap or overflow == "ignore":
            return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size,
                                no_wrap=no_wrap)
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            plain = line.plain
            parts = line.divide(break_offsets(plain, width))
            for part in parts:
                part.rstrip()
            command = bool(_COMMAND.match(plain))
            if command and len(parts) > 1:
                lead = plain[:len(plain) - len(plain.lstrip())] + CONTINUE
                parts = Lines([parts[0], *(Text(lead) + p for p in parts[1:])])
            how = justify or self.justify
            if how is not None and how not in ("default", "left") and not command:
                parts.justify(console, width, justify=how, overflow="fold")
            lines.extend(parts)
        return lines

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.plain.splitlines() or [""]
        widest = max(cell_len(line) for line in lines)
        pieces = [seg for line in lines for seg in
                  ([line] if _COMMAND.match(line) else _segments(line)) if not seg.isspace()]
        narrowest = max((cell_len(p) for p in pieces), default=widest)
        return Measurement(min(narrowest, widest), widest)


class _Whole:
    """Hands a :class:`BreakingText` to rich as it is: ``Console.print`` joins the Text
    objects it is given into one plain ``Text`` first, which would lose the rules."""

    def __init__(self, text: BreakingText) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.text


class BreakingConsole(Console):
    """A rich ``Console`` whose ``print`` keeps :class:`BreakingText` breaking by the rules."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(_Whole(o) if isinstance(o, BreakingText) else o for o in objects), **kwargs)
