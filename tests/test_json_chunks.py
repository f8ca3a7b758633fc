"""The JSON report's text (outputs/json_report.encode_chunks) is the standard encoder's, character
for character: its dicts of plain values go through the C encoder (issue 22), everything else
as before, whatever the data holds."""

from __future__ import annotations

import gc
import json
import math
from datetime import date
from enum import IntEnum
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from zhenggai.core.findings import FileReport, Report, TableInfo, make
from zhenggai.core.kinds import TableKind
from zhenggai.outputs import json_report
from zhenggai.outputs.json_report import encode_chunks, json_chunks

STANDARD = json.JSONEncoder(ensure_ascii=False, indent=2, default=str)


class Level(IntEnum):
    LOW = 1


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**20), st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e300, 5e-324]),
    st.text(), st.text(alphabet="\n\r\t\"\\\u2028\u2029\x00\x1f 谷城县{}[],:"),
    st.dates(), st.sampled_from([TableKind.APPENDIX1, Level.LOW]),  # a str and an int subclass; a date: default=str
)
KEYS = st.one_of(st.text(max_size=6), st.sampled_from(["code", "row", "message", "\n", '"', ""]))
# Dict keys the standard encoder turns into text (a number, a bool, None): walked its way.
ODD_KEYS = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(KEYS, inner, max_size=5), st.dictionaries(st.one_of(KEYS, ODD_KEYS), inner, max_size=3),
    ),
    max_leaves=25,
)


@settings(max_examples=600, deadline=None)
@given(DATA)
def test_the_text_is_the_standard_encoders(data: object) -> None:
    assert "".join(encode_chunks(data)) == STANDARD.encode(data)


@given(st.lists(st.dictionaries(KEYS, SCALARS, max_size=9), max_size=6))
def test_lists_of_flat_dicts_the_findings_shape(findings: list[dict[str, object]]) -> None:
    data = {"files": [{"path": "谷城县.xlsx", "county": None, "tables": [], "findings": findings}], "errors": 0}
    assert "".join(encode_chunks(data)) == STANDARD.encode(data)


def test_a_report_reads_as_before() -> None:
    found = tuple(make("required-missing", file="f", sheet="附件1", cell=f"B{r}", row=r, field="问题描述")
                  for r in range(5, 9))
    report = Report((FileReport("谷城县.xlsx", "谷城县", (TableInfo(TableKind.APPENDIX1, "附件1", 4),), found),))
    extra = {"counties": [{"name": "谷城县", "when": date(2022, 7, 15), "rate": 0.5}]}
    data = report.to_dict() | extra
    text = "".join(json_chunks(report, **extra))
    assert text == STANDARD.encode(data)
    assert json.loads(text)["files"][0]["findings"][3]["cell"] == "B8"


@settings(max_examples=200, deadline=None)
@given(DATA)
def test_without_the_c_encoder_the_text_is_the_same(data: object) -> None:
    """Where json has no C encoder, the dicts of plain values are walked in Python: the same text."""
    with (mock.patch.object(json_report, "c_make_encoder", None),
          mock.patch.dict(json_report._flat_encoders, clear=True)):
        assert "".join(encode_chunks(data)) == STANDARD.encode(data)


def test_the_encoding_leaves_nothing_for_the_cyclic_collector() -> None:
    """A merge pauses the cyclic collector (core/gcpause.py): encoding must make no reference
    cycles (the standard encoder makes some per call: a call per number held ~40 MB)."""
    county = {"county": "谷城县", "files": ["谷城县.xlsx"], "rows": 12, "rate": 0.5, "official": True, "review": None,
              "coverage": {"answered": 3, "total": 4}, "when": date(2022, 7, 15), "kind": TableKind.APPENDIX1}
    data = {"files": [], "errors": 1, "warnings": 0, "counties": [dict(county) for _ in range(50)]}
    gc.collect()
    gc.disable()
    try:
        text = "".join(encode_chunks(data))
    finally:
        garbage = gc.collect()
        gc.enable()
    assert garbage == 0
    assert text == STANDARD.encode(data)
