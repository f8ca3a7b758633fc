"""Which of a county's versions counts, and how sure we are.

A county that corrected its reply mails it again; the prefecture's inbox then holds
both. File-system times are download times (an e-mail client saves attachments when
they are opened, in any order), so they are the last resort. In order:

1. the last-saved time the file carries inside it (``sniff.saved_time``);
2. a version mark in the file name: 修改/修订/更正 < 定稿/终稿/最终/最新, a date such as
   ``7月8日`` or ``2022.7.8``, or ``第2版`` / ``V2``;
3. the file-system time.

The lead's ruling on the mission's rule: a choice that rests only on the file-system
time, or where the internal time and the name mark point at different files, is not
a choice we may make quietly. It is an error (exit 1) naming both files, the rule used
and what differs, and the county is marked in the rollup; the numbers still come from
the likelier version so that the rollup is complete. A clean decision (internal time,
or the name when the internal times cannot tell) is a warning that names both files,
the reason and what the unused version holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING

from zhenggai.core.kinds import TableKind
from zhenggai.core.parse import number_text

if TYPE_CHECKING:
    from zhenggai.core.results import FileResult, Stats, TableResult

# (file, table, the 附件2 row that counts for this county or None): as rollup/county.py pairs them.
Candidate = tuple["FileResult", "TableResult", "Stats | None"]

_WORDS = (("最终", 3), ("终稿", 3), ("定稿", 3), ("最新", 3), ("修订", 2), ("修改", 2), ("更正", 2), ("更新", 2),
          ("补充", 1))
_FULL_DATE = re.compile(r"(20\d{2})\s*[.\-/年_]\s*(\d{1,2})\s*[.\-/月_]\s*(\d{1,2})")
_COMPACT_DATE = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_NUMBERED = re.compile(r"第\s*(\d+)\s*[版稿次]|(?<![A-Za-z])[Vv]\s*(\d+)(?!\d)")


@dataclass(frozen=True, slots=True)
class Mark:
    """A version mark found in a file name."""

    text: str  # as written, for the message
    day: tuple[int, int, int] | None  # (year or 0, month, day)
    rank: int  # 0 none, 1 补充, 2 修改…, 3 定稿…
    number: int  # 第2版 / V2


def name_mark(name: str) -> Mark | None:
    """The version mark of a file name ("谷城县附件1（7月8日修改）.xlsx"), None when it has none."""
    stem = PurePath(name.split(" › ")[-1]).stem
    found: list[str] = []
    day: tuple[int, int, int] | None = None
    for rx in (_FULL_DATE, _COMPACT_DATE):
        m = rx.search(stem)
        if m and 1 <= int(m[2]) <= 12 and 1 <= int(m[3]) <= 31:
            day = (int(m[1]), int(m[2]), int(m[3]))
            found.append(m[0])
            break
    if day is None:
        m = _MONTH_DAY.search(stem)
        if m and 1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 31:
            day = (0, int(m[1]), int(m[2]))
            found.append(m[0])
    rank = 0
    for word, r in _WORDS:
        if word in stem and r > rank:
            rank = r
            found.append(word)
    number = 0
    m = _NUMBERED.search(stem)
    if m:
        number = int(m[1] or m[2])
        found.append(m[0])
    if day is None and rank == 0 and number == 0:
        return None
    return Mark("、".join(dict.fromkeys(found)), day, rank, number)


def compare_marks(a: Mark | None, b: Mark | None) -> int:
    """>0 when the name mark says ``a`` is the later version, <0 for ``b``, 0 when it cannot tell."""
    if a is None and b is None:
        return 0
    if a is None or b is None:
        return 1 if a is not None else -1  # a marked copy is the revision of an unmarked one
    if a.day is not None and b.day is not None:
        da, db = a.day, b.day
        if da[0] == 0 or db[0] == 0:
            da, db = (0, da[1], da[2]), (0, db[1], db[2])
        if da != db:
            return 1 if da > db else -1
    if a.rank != b.rank:
        return 1 if a.rank > b.rank else -1
    if a.number != b.number:
        return 1 if a.number > b.number else -1
    return 0


@dataclass(frozen=True, slots=True)
class Decision:
    """The version used, and why."""

    used: Candidate
    reasons: dict[int, str]  # id(unused candidate) → why ``used`` was preferred over it
    doubtful: bool  # an error: file-system time only, or internal time and name disagree


def _when(t: datetime | None) -> str:
    return t.strftime("%Y-%m-%d %H:%M") if t is not None else "无"


def _fs_when(stamp: float) -> str:
    """A file-system time as text; a stamp the calendar cannot hold (a file dated 9999, or
    before 1970 on Windows) is shown as such, never an OverflowError."""
    try:
        return f"{datetime.fromtimestamp(stamp):%Y-%m-%d %H:%M}"
    except (OverflowError, OSError, ValueError):
        return "无法识别的时间"


def decide(cands: Sequence[Candidate]) -> Decision:
    """Choose among versions whose contents differ (identical copies are removed first)."""
    best, reasons, doubtful = decide_files([c[0] for c in cands])
    return Decision(cands[best], {id(cands[i]): why for i, why in reasons.items()}, doubtful)


def decide_files(files: Sequence[FileResult]) -> tuple[int, dict[int, str], bool]:
    """The rules above on files alone (county replies, and prefecture rollups in province
    mode): the index of the version used, index of each unused one → why, and whether the
    choice is doubtful (an error)."""
    saved = [f.saved for f in files]
    marks = [name_mark(f.display) for f in files]
    n = len(files)
    if all(t is not None for t in saved):
        best = max(range(n), key=lambda i: saved[i])  # type: ignore[arg-type, return-value]
        if all(i == best or saved[i] != saved[best] for i in range(n)):
            reasons: dict[int, str] = {}
            doubtful = False
            for i in range(n):
                if i == best:
                    continue
                why = f"文件内部记录的最后保存时间 {_when(saved[best])} 晚于 {_when(saved[i])}"
                if compare_marks(marks[i], marks[best]) > 0:
                    doubtful = True
                    mark = marks[i]
                    why += f"，但未采用的文件名标有“{mark.text if mark else ''}”，两种依据不一致"
                reasons[i] = why
            return best, reasons, doubtful
    beats = [all(j == i or compare_marks(marks[i], marks[j]) > 0 for j in range(n)) for i in range(n)]
    if any(beats):
        best = beats.index(True)
        mark = marks[best]
        why = (f"文件名标有“{mark.text if mark else ''}”"
               + ("，文件内部保存时间无法区分" if all(t is not None for t in saved) else
                  "，文件内部没有可比较的保存时间"))
        return best, {i: why for i in range(n) if i != best}, False

    def fs(i: int) -> float:
        return files[i].mtime or 0.0

    order: Callable[[int], tuple[float, str]] = lambda i: (fs(i), files[i].display)  # noqa: E731
    best = max(range(n), key=order)
    reasons = {}
    for i in range(n):
        if i != best:
            reasons[i] = (f"文件内部保存时间（{_when(saved[best])} / {_when(saved[i])}）和文件名都无法区分，"
                          f"只能按文件系统时间（下载或复制的时间，不可靠）"
                          f"{_fs_when(fs(best))} 晚于 {_fs_when(fs(i))}")
    return best, reasons, True


def differences(used_c: Candidate, other_c: Candidate, county: str) -> str:
    """What the unused version holds that differs from the used one, in a clerk's words."""
    used, other = used_c[1], other_c[1]
    if used.table.kind == TableKind.APPENDIX1:
        def counts(t: TableResult) -> tuple[int, int]:
            return len(t.items), sum(1 for it in t.items if it.done is True)

        (n1, y1), (n2, y2) = counts(used), counts(other)
        text = f"采用的版本 {n1} 行、{y1} 个“是”，未采用的版本 {n2} 行、{y2} 个“是”"
        if (n1, y1) == (n2, y2):
            text += "（行数相同，具体内容不同）"
        return text
    a = used_c[2] or _county_row(used, county)
    b = other_c[2] or _county_row(other, county)
    if a is None or b is None:
        return "未采用的版本没有可比较的数据行"
    spec = used.table.spec
    diffs = []
    for c in spec.columns:
        if not c.is_number:
            continue
        x, y = a.numbers.get(c.key), b.numbers.get(c.key)
        if x != y:
            diffs.append(f"{c.header} {_num(x)} → {_num(y)}")
    if not diffs:
        return "数字相同，文字内容不同"
    more = f" 等 {len(diffs)} 项" if len(diffs) > 4 else ""
    return "未采用的版本与采用的版本不同：" + "；".join(diffs[:4]) + more


def differing_figures(used_c: Candidate, other_c: Candidate, county: str) -> dict[str, float | None]:
    """The figures the unused version states otherwise: 附件2 column key → its figure (None:
    unreadable there); for 附件1 its problem counts ("total", "done", "open": all three when
    any differs). Empty when either version has no row to compare."""
    used, other = used_c[1], other_c[1]
    if used.table.kind == TableKind.APPENDIX1:
        from zhenggai.checking.files import problem_counts

        mine, theirs = problem_counts(used.items), problem_counts(other.items)
        return {} if mine == theirs else dict(zip(("total", "done", "open"), map(float, theirs), strict=True))
    a = used_c[2] or _county_row(used, county)
    b = other_c[2] or _county_row(other, county)
    if a is None or b is None:
        return {}
    return {c.key: b.numbers.get(c.key) for c in used.table.spec.columns
            if c.is_number and a.numbers.get(c.key) != b.numbers.get(c.key)}


def _county_row(t: TableResult, county: str) -> Stats | None:
    return next((s for s in t.stats if s.county == county), t.stats[0] if t.stats else None)


def _num(x: float | None) -> str:
    if x is None:
        return "（无法识别）"
    return number_text(x)
