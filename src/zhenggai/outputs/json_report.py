"""Report → JSON and plain text (no rich here: the library's own output formats)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from json.encoder import c_encode_basestring, c_make_encoder, encode_basestring  # type: ignore[attr-defined]
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
    return encode_chunks(data)


_REFERENCE = json.JSONEncoder(ensure_ascii=False, indent=2, default=str)
_INDENT = "  "
_SCALARS = frozenset({str, int, float, bool, type(None)})  # a dict holding anything else is walked
_KEYS = frozenset({str})
_flat_encoders: dict[int, Callable[[object, int], list[str]]] = {}


def encode_chunks(data: object, level: int = 0) -> Iterator[str]:
    """``json.JSONEncoder(ensure_ascii=False, indent=2, default=str)``'s text of ``data``, in pieces.

    The standard encoder indents in Python (its C encoder indents nothing): ~40 pieces
    yielded per finding, the 5,000 findings of a 100,000-row 附件1 ~0.04 s, serial at the end
    of a validate (issue 22); ~0.02 s here, in 30 times fewer pieces. Each dict of plain
    values (a finding) is one call of the C encoder, whose item separator carries the newline
    and indent of its level; the dicts and lists around them are walked here, and every
    other value is the C encoder's text too (:func:`_other_text`). The same text, character
    for character (tests/test_json_chunks.py compares it with the standard encoder's)."""
    if type(data) is dict and data and _KEYS.issuperset(map(type, data)):
        flat = _flat_text(data, level)
        if flat is not None:
            yield flat
            return
        sep = "{"
        inner = "\n" + _INDENT * (level + 1)
        for k, v in data.items():
            yield sep + inner + encode_basestring(k) + ": "
            sep = ","
            yield from encode_chunks(v, level + 1)
        yield "\n" + _INDENT * level + "}"
    elif (type(data) is list or type(data) is tuple) and data:
        inner = "\n" + _INDENT * (level + 1)
        sep = "["
        for v in data:
            # A list of findings: each one piece, without a generator of its own.
            flat = _flat_text(v, level + 1) if type(v) is dict and v and _KEYS.issuperset(map(type, v)) else None
            if flat is not None:
                yield sep + inner + flat
            else:
                yield sep + inner
                yield from encode_chunks(v, level + 1)
            sep = ","
        yield "\n" + _INDENT * level + "]"
    else:
        yield _other_text(data, level)


def _other_text(data: object, level: int) -> str:
    """The text of a value that is no non-empty dict with str keys, list or tuple: a plain
    value (a number, a text, None, a date through ``default=str``) or an empty one as the C
    encoder writes it (what the standard encoder writes, it holds no newline); any other
    container (a dict subclass, other keys) as the standard encoder writes it, indented to
    ``level`` (an encoded string never holds a raw newline: JSON escapes it, so every newline
    of the text is the encoder's own). Not the standard encoder for every number: each of its calls makes functions
    that refer to each other, freed only by the cyclic collector, which a merge pauses
    (core/gcpause.py): ~40 MB held for the 20,000 figures of 1,500 counties."""
    if not isinstance(data, (dict, list, tuple)) or not data:
        plain = _flat(0)
        if plain is not None:
            return "".join(plain(data, 0))
    return _REFERENCE.encode(data).replace("\n", "\n" + _INDENT * level)


def _flat_text(data: dict[str, object], level: int) -> str | None:
    """The text of a non-empty dict of str keys and plain values at ``level`` (one C encoder
    call), or None for any other dict."""
    if not _SCALARS.issuperset(map(type, data.values())):
        return None
    flat = _flat(level + 1)
    if flat is None:
        return None
    text = "".join(flat(data, 0))  # {"code": "…",<newline, indent>"severity": …}
    return "{\n" + _INDENT * (level + 1) + text[1:-1] + "\n" + _INDENT * level + "}"


def _flat(level: int) -> Callable[[object, int], list[str]] | None:
    """The C encoder of a dict of plain values at ``level``, its items one per line; None
    without the C encoder (the Python one then walks the dict)."""
    enc = _flat_encoders.get(level)
    if enc is None and c_make_encoder is not None and c_encode_basestring is not None:
        # (markers, default, encoder, indent, key separator, item separator, sort_keys,
        # skipkeys, allow_nan): what the standard encoder passes it, but the item separator.
        enc = _flat_encoders[level] = c_make_encoder(None, str, c_encode_basestring, None, ": ",
                                                     ",\n" + _INDENT * level, False, False, True)
    return enc


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
