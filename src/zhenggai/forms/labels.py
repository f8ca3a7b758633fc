"""What the label of a 附件2 row says it is, beside a township or a county's name.

A helper of ``shapes.py`` (audit26). A county's 附件2 broken into rows is summed only when
its rows are parts of the county (townships, the county's own bureaus). A row labelled
with a period (谷城县（本期）/谷城县（累计）, 本次新增/累计 or 6月/7月 columns turned
sideways) is another reading of the same county, never a part: two periods are two
readings, so no column where they differ counts. A row labelled with the county's own name
and something that says neither part nor total ("谷城县城乡") cannot be told: never summed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from zhenggai.core.parse import clean_text
from zhenggai.forms.rowkinds import is_total_label

# Words that name a period of time, not a place: 本期/累计, 上次/本次报送, 本次新增, 6月, 2022年,
# 第二季度, 上半年, 截至6月底 … (searched in what is left of a label without the county's name).
_PERIOD_RE = re.compile(
    r"本期|上期|当期|同期|累计|截至|截止|本次|上次|前次|首次|此次|新增|本月|上月|当月|本年|今年|去年|上年|"
    r"本季|上季|季度|[上下]半年|年初|年末|年底|\d{4}年|\d{1,2}\s*月份?|[一二三四五六七八九十]{1,3}月份?")
# The end of a township's name (a street office, a zone too): never a county's, whatever precedes it.
TOWNSHIP_ENDS = "镇|乡|街道|街办|办事处|社区|村|开发区|园区|新区|管委会|农场|林场|片区|中心"
# The end of a part's name: a township, or the county's own bureaus.
_PART_RE = re.compile(rf"(?:{TOWNSHIP_ENDS}|本级|县直|直属|城区|局|公司|单位)$")
_TRIM = re.compile(r"^[\s（(【\[:：、，,.．]+|[\s）)】\]:：、，,.．]+$")
_NOTE_LABELS = frozenset({"备注", "说明", "注", "备注说明", "附注"})
_LEAD = re.compile(r"^(?:其中|含|包括)[:：]?")
# Words for the whole county, not a part of it, though 城乡 ends like a township (乡): "谷城县城乡"
# was summed with the townships as one more (100 for 50).
_WHOLE = frozenset({"城乡", "全域", "县域", "市域", "区域", "城乡合计", "全域合计", "县域合计"})


class LabelKind(NamedTuple):
    """What one label is: ``period`` (the period word), ``unclear`` (holds the county's name and
    says neither part nor total), ``total`` (the county's name and a total label: 谷城（合计）)."""

    period: str | None = None
    unclear: bool = False
    total: bool = False


def stem(county: str) -> str:
    """谷城县 → 谷城: the name as clerks shorten it (only when two characters or more are left)."""
    short = re.sub(r"(?:土家族|苗族|侗族|回族|彝族|自治)*[县市区旗]$", "", county)
    return short if len(short) >= 2 else county


def is_note_label(label: str) -> bool:
    """备注/说明: a column of notes turned sideways with a 附件2, not a township."""
    return clean_text(label).replace(" ", "") in _NOTE_LABELS


def label_kind(label: str, county: str) -> LabelKind:
    """What a 附件2 row's label says beside a plain township or county name."""
    text = _LEAD.sub("", clean_text(label).replace(" ", ""))
    rest = text
    if county:
        for name in (county, stem(county)):
            if name and name in rest:
                rest = rest.replace(name, "", 1)
                break
    rest = _TRIM.sub("", rest)
    if rest in _WHOLE:
        return LabelKind(unclear=True)
    if (m := _PERIOD_RE.search(rest)) and _PART_RE.search(rest) is None:  # 五月山乡 is a township, not May
        return LabelKind(period=m[0])
    if rest == text or not rest:
        return LabelKind()  # no county name in it (a township), or the county's name alone
    if is_total_label(rest) or is_total_label(f"（{rest}）"):
        return LabelKind(total=True)
    if _PART_RE.search(rest) is not None:
        return LabelKind()
    return LabelKind(unclear=True)
