"""The .xls shared string table's formatting runs (xls.py), read for strikethrough inside a
cell: decoded right, and never an exception or a hang on a table cut or damaged anywhere."""

from __future__ import annotations

import random
import struct

from zhenggai.intake import xls
from zhenggai.intake.formats import Rich

FONTS = [False, False, False, False, False, True]  # index 5 is struck (4 is never written)


def _string(text: str, runs: list[tuple[int, int]]) -> bytes:
    flags = 0x01 | (0x08 if runs else 0)
    out = struct.pack("<HB", len(text), flags) + (struct.pack("<H", len(runs)) if runs else b"")
    return out + text.encode("utf-16-le") + b"".join(struct.pack("<HH", a, b) for a, b in runs)


def _sst(strings: list[bytes]) -> bytes:
    return struct.pack("<II", len(strings), len(strings)) + b"".join(strings)


STRINGS = [_string("县商务局", []), _string("3025", [(0, 5), (2, 0)]),
           _string("新建站点3个，已完成整合新覆盖村12个", [(7, 5), (12, 0)])]


def test_runs_in_a_struck_font_are_read() -> None:
    found = xls._struck_strings([_sst(STRINGS)], FONTS, struck_cells=False)
    assert sorted(found) == [1, 2]
    assert found[1] == Rich((("30", True), ("25", False)))
    got = found[2].resolve(cell_struck=False)
    assert got is not None and (got.kept, got.removed) == ("新建站点3个，新覆盖村12个", "已完成整合")


def test_characters_cut_by_a_continue_record_go_on_after_an_option_byte() -> None:
    whole = _sst(STRINGS)
    cut = len(whole) - len(STRINGS[2]) + 3 + 2 + 2 * 4  # inside the third string's characters
    parts = [whole[:cut], b"\x01" + whole[cut:]]
    assert xls._struck_strings(parts, FONTS, struck_cells=False) == xls._struck_strings([whole], FONTS, False)


def test_a_damaged_table_never_raises() -> None:
    rng = random.Random(23)
    whole = _sst(STRINGS * 20)
    for _ in range(2000):
        data = bytearray(whole)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            data[at:at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00", bytes([rng.randrange(256)]), b""])
        cuts = sorted(rng.sample(range(1, len(data)), k=rng.randint(0, 3)))
        parts = [bytes(data[a:b]) for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        found = xls._struck_strings(parts, FONTS, struck_cells=rng.random() < 0.5)
        assert all(isinstance(r, Rich) for r in found.values())
