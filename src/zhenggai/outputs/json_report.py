"""Report → JSON and plain text (no rich here: the library's own output formats)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from zhenggai.core.findings import FileReport, Finding, Report


def to_json(report: Report, **extra: Any) -> str:
    """The documented JSON shape (``extra`` adds top-level keys, e.g. ``counties``)."""
    return "".join(json_chunks(report, **extra))


def json_chunks(report: Report, **extra: Any) -> Iterator[str]:
    """:func:`to_json`'s text in pieces, as it is encoded: the CLI writes them as they come
    instead of holding the whole text (and the encoder's list of its pieces) at once; a
    national merge's report runs to tens of MB."""
    data = report.to_dict()
    data.update(extra)
    return json.JSONEncoder(ensure_ascii=False, indent=2, default=str).iterencode(data)


def ordered(fr: FileReport) -> list[Finding]:
    """A file's findings for display: errors first, then warnings, then info, by position."""
    return sorted(fr.findings, key=lambda f: f.severity.rank)


def summary_line(fr: FileReport) -> str:
    """"谷城县：附件1 12 行；2 个错误，1 个警告"."""
    tables = "，".join(
        f"{'附件1' if t.kind == 'appendix1' else '附件2'} {t.rows} 行" for t in fr.tables
    ) or "未读到表格"
    errors = sum(1 for f in fr.findings if f.severity.value == "error")
    warnings = sum(1 for f in fr.findings if f.severity.value == "warning")
    return f"{fr.county or '（县名未知）'}：{tables}；{errors} 个错误，{warnings} 个警告"
