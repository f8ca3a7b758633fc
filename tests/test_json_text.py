"""The JSON report's text is the standard library's, character for character (issue 22).

outputs/json_report.py writes the indented JSON itself (the standard library's indented
encoder runs in Python, a generator step per piece); what it writes must be exactly what
``json.JSONEncoder(ensure_ascii=False, indent=2, default=str)`` writes, for any document.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from zhenggai.outputs.json_report import indented

_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text()
            | st.dates() | st.sampled_from(["", "谷城县", "a\"b\\c\n\u2028", "\ud800", "😀"]))
_KEYS = st.text(max_size=5) | st.integers(-5, 5) | st.floats() | st.booleans() | st.none()
_DOCS = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                     | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=30)


def _stdlib(data: Any) -> str:
    return "".join(json.JSONEncoder(ensure_ascii=False, indent=2, default=str).iterencode(data))


@settings(max_examples=400, deadline=None)
@given(_DOCS)
def test_any_document_reads_as_the_standard_library_writes_it(data: Any) -> None:
    assert "".join(indented(data)) == _stdlib(data)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=6), _DOCS, max_size=5))
def test_a_report_shaped_document_too(data: dict[str, Any]) -> None:
    """A top-level object, its lists streamed item by item (the files, the counties)."""
    assert "".join(indented(data)) == _stdlib(data)


def test_a_report_with_findings() -> None:
    finding = {"code": "seq-gap", "severity": "error", "sheet": "附件1", "cell": "A7", "row": 7,
               "field": "序号", "value": "5", "message": "序号应为 4"}
    data = {"files": [{"path": "谷城县.xlsx", "county": None, "tables": [], "findings": [finding] * 3},
                      {"path": "b", "county": "谷城县", "tables": [{"kind": "appendix1", "sheet": "附件1", "rows": 3}],
                       "findings": []}],
            "errors": 3, "warnings": 0, "rate": 0.5, "when": date(2022, 7, 15), "empty": {}, "none": []}
    assert "".join(indented(data)) == _stdlib(data)
