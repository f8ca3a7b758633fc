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
    return indented(data)


# --- the same text as json.JSONEncoder(ensure_ascii=False, indent=2, default=str) -----------
# The standard library encodes an indented document in Python, one generator step per piece
# (~10 µs a finding: 100,000 rows' 4,600 findings ~0.05 s, a national merge's report ~0.1 s,
# both after everything else). Here a container is written into one list of pieces: the
# same characters (tests/test_report.py compares the two on generated documents), a third
# of the time. Keys that are not strings, and floats, take the standard library's own rules.

_INDENT = "  "
_encode_str = json.encoder.encode_basestring  # the C function when available, as the encoder's
_INF = float("inf")


def _float_text(o: float) -> str:
    """json.encoder's floatstr (allow_nan): NaN, Infinity, -Infinity, else float's repr."""
    if o != o:
        return "NaN"
    if o == _INF:
        return "Infinity"
    if o == -_INF:
        return "-Infinity"
    return float.__repr__(o)


def indented(data: Any) -> Iterator[str]:
    """``data`` as JSON text indented by two spaces, non-ASCII kept, anything else ``str()``:
    a piece for each item of the top-level object's lists (the files, the counties)."""
    if not isinstance(data, dict) or not data:
        out: list[str] = []
        _put(data, 0, out)
        yield "".join(out)
        return
    yield "{\n" + _INDENT
    first = True
    for key, value in data.items():
        head = ("" if first else ",\n" + _INDENT) + _key(key) + ": "
        first = False
        if isinstance(value, (list, tuple)) and value:
            yield head + "[\n" + _INDENT * 2
            sep = ""
            for item in value:
                out = [sep]
                _put(item, 2, out)
                yield "".join(out)
                sep = ",\n" + _INDENT * 2
            yield "\n" + _INDENT + "]"
        else:
            out = [head]
            _put(value, 1, out)
            yield "".join(out)
    yield "\n}"


def _key(key: object) -> str:
    if isinstance(key, str):
        return _encode_str(key)
    if isinstance(key, float):
        return _encode_str(_float_text(key))
    if key is True or key is False or key is None:
        return _encode_str("true" if key is True else "false" if key is False else "null")
    if isinstance(key, int):
        return _encode_str(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _put(o: object, level: int, out: list[str]) -> None:
    """``o`` at indent ``level`` appended to ``out`` (json.encoder._make_iterencode's text)."""
    if isinstance(o, str):
        out.append(_encode_str(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, int):
        out.append(int.__repr__(o))
    elif isinstance(o, float):
        out.append(_float_text(o))
    elif isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        inner = "\n" + _INDENT * (level + 1)
        sep = "[" + inner
        for item in o:
            out.append(sep)
            _put(item, level + 1, out)
            sep = "," + inner
        out.append("\n" + _INDENT * level + "]")
    elif isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        inner = "\n" + _INDENT * (level + 1)
        sep = "{" + inner
        for key, value in o.items():
            name = _encode_str(key) if key.__class__ is str else _key(key)
            # The common values written here, without a call each (a finding is 8 of them).
            if value.__class__ is str:
                out.append(f"{sep}{name}: {_encode_str(value)}")
            elif value is None:
                out.append(f"{sep}{name}: null")
            elif value.__class__ is int:
                out.append(f"{sep}{name}: {int.__repr__(value)}")
            elif value is True or value is False:
                out.append(f"{sep}{name}: {'true' if value else 'false'}")
            else:
                out.append(f"{sep}{name}: ")
                _put(value, level + 1, out)
            sep = "," + inner
        out.append("\n" + _INDENT * level + "}")
    else:
        _put(str(o), level, out)  # default=str: the encoder encodes what str() gives


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
