"""The key under which duplicate_problem_rule compares 问题描述 (punctuation and spaces aside)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from zhenggai.checking.table_rules import _KEPT

# What the rule substituted away before it joined what it keeps instead (issue 22).
_DROPPED = re.compile(r"[\s\W_]+", re.UNICODE)

_CHARS = "谷城县站点运营不足，。、；：（）()［］_- \u3000\t\n0１2a Ｂ%％·…“”《》①"
_TEXT = st.text(alphabet=st.sampled_from(_CHARS), max_size=30)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_TEXT, st.text(max_size=30)))
def test_the_key_is_what_dropping_punctuation_and_spaces_leaves(text: str) -> None:
    assert "".join(_KEPT.findall(text)) == _DROPPED.sub("", text)
