"""The zip guard's cheaper ways of looking at a big .xlsx give the answers of the plain ones
(intake/reader.py, issue 22): ``re``'s literal search for ``in``, a kept member inflated in one
call instead of piece by piece, the shared strings not searched again for struck inline text.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhenggai.intake import reader
from zhenggai.intake.package import Package

# Bytes made of what sheet XML is made of, so that needles and their pieces occur often.
_NEEDLES = [b"<f", b":f", b't="e"', b"t='e'", b"strike", b"inlineStr", b"hidden="]
# Sheet XML as pieces: needles, their halves, and what surrounds them in a sheet.
_PIECES = [*_NEEDLES, *(n[:k] for n in _NEEDLES for k in (1, 2, 3)), *(n[2:] for n in _NEEDLES),
           b'<c r="A1" t="s"><v>1</v></c>', b"<row>", b" ", b"e", b"f", b'"', b"'"]
_XMLISH = st.lists(st.sampled_from(_PIECES), max_size=30).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(_XMLISH, st.lists(st.sampled_from(_NEEDLES), min_size=1, max_size=3))
def test_finder_is_in(data: bytes, needles: list[bytes]) -> None:
    assert reader._finder(*needles)(data) == any(n in data for n in needles)


def test_finder_finds_a_needle_at_either_end() -> None:
    holds = reader._finder(b"<f", b":f")
    assert holds(b"<f>1</f>") and holds(b"x:f") and holds(b"ab:f")
    assert not holds(b"<c><v>1</v></c>") and not holds(b"")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40).map(lambda b: b * 50), st.booleans())
def test_the_watch_sees_a_needle_across_pieces(text: bytes, split: bool) -> None:
    data = text + b"strike" + text
    watch = reader._Watch(b"strike")
    cut = len(text) + 3 if split else len(data)
    watch.feed(data[:cut])
    watch.feed(data[cut:])
    assert watch.found


def _member(payload: bytes, declared: int | None = None, cut: int = 0) -> tuple[io.BytesIO, zipfile.ZipInfo]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", payload)
    info = zipfile.ZipFile(io.BytesIO(buf.getvalue())).infolist()[0]
    if declared is not None:
        info.file_size = declared  # a header that lies about the size
    info.compress_size -= cut  # the stream goes on past the bytes the header names
    return io.BytesIO(buf.getvalue()), info


def _both(payload: bytes, declared: int | None, limit: int, keep_max: int,
          monkeypatch: pytest.MonkeyPatch, cut: int = 0) -> list[tuple[object, ...]]:
    out = []
    for whole in (True, False):
        with monkeypatch.context() as m:
            if not whole:
                m.setattr(reader, "_inflate_whole", lambda *_a: None)
            fh, info = _member(payload, declared, cut)
            parts: list[bytes] = []
            watch = reader._Watch(b"strike")
            size, head = reader._inflate(fh, info, limit, parts, keep_max, watch)
            out.append((size, head, b"".join(parts), watch.found))
    return out


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200).map(lambda b: b * 300), st.sampled_from(["true", "half", "more", "less", "zero"]),
       st.sampled_from([10**9, 5_000, -1]), st.sampled_from([10**9, 20_000, -1]))
def test_a_member_inflated_whole_is_the_member_inflated_piece_by_piece(
        payload: bytes, lie: str, limit: int, keep_max: int) -> None:
    size = len(payload) + 6
    declared = {"true": None, "half": size // 2, "more": size + 1, "less": size - 1, "zero": 0}[lie]
    tight = size if declared is None else declared  # -1: the limit is the declared size itself
    with pytest.MonkeyPatch.context() as monkeypatch:
        whole, pieces = _both(payload + b"strike", declared, tight if limit < 0 else limit,
                              tight if keep_max < 0 else keep_max, monkeypatch)
    assert whole == pieces


def test_a_member_inflated_whole_is_one_piece_kept_without_a_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = b"<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>" * 50_000
    fh, info = _member(payload)
    parts: list[bytes] = []
    assert reader._inflate(fh, info, 10**9, parts, 10**9, None) == (len(payload), payload[:reader._HEAD])
    assert parts == [payload]
    assert b"".join(parts) is parts[0]  # what _zip_measured keeps: no copy of 30 MB


def test_a_cut_stream_falls_back_to_the_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = bytes(range(256)) * 4000
    whole, pieces = _both(payload, None, 10**9, 10**9, monkeypatch, cut=50)
    assert whole == pieces and whole[0] < len(payload)  # the loop's answer: inflated as far as named


def test_struck_inline_text_is_looked_for_in_the_shared_strings_only_when_they_may_hold_it() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings.xml", b"<sst><si><t>inlineStr strike</t></si></sst>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
    pkg = Package.open(Path("x.xlsx"), buf.getvalue())
    for name in pkg.names():
        pkg.members[name] = pkg.read(name)
    assert not reader._no_inline_strike(pkg)  # the strings may hold it: looked for
    assert not reader._no_inline_strike(pkg, sst_strike=True)
    pkg.members["xl/sharedStrings.xml"] = b"<sst><si><t>inlineStr</t></si></sst>"
    assert reader._no_inline_strike(pkg, sst_strike=False) == reader._no_inline_strike(pkg)
