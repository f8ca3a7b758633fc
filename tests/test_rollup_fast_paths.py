"""The rollup's shortcuts for the usual cells (rollup/county.py: a whole float 序号, a date
完成时限) give what the general path gives, for every float and date."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from zhenggai.core.parse import display, parse_number
from zhenggai.core.schema import APPENDIX1
from zhenggai.rollup.county import _item_texts, _item_values

SEQ, DEADLINE = APPENDIX1.keys.index("seq"), APPENDIX1.keys.index("deadline")
CELLS = st.one_of(st.floats(), st.integers(), st.dates(), st.datetimes(), st.text(max_size=8), st.none(),
                  st.booleans(), st.sampled_from([1.0, 2.0000000000000004, -0.0, 1e16, 1e300, 3.5]))


def _row(seq: object, deadline: object) -> list[object]:
    values: list[object] = [""] * len(APPENDIX1.keys)
    values[SEQ], values[DEADLINE] = seq, deadline
    return values


@given(CELLS, CELLS)
def test_the_shortcuts_read_as_the_general_path(seq: object, deadline: object) -> None:
    values = _row(seq, deadline)
    texts = {k: t for k, t in (("seq", display(seq)), ("deadline", display(deadline))) if t is not None}
    assert _item_texts(values) == texts
    parsed = parse_number(seq)
    want = int(parsed.value) if parsed.status == "ok" and parsed.value is not None and float(
        parsed.value).is_integer() else seq
    want = "" if want is None else want
    got = _item_values(values, None, None)[SEQ]
    assert (got is want or got == want) and type(got) is type(want)  # `is`: a NaN kept as it was


def test_a_datetime_is_not_taken_for_a_date() -> None:
    assert _item_texts(_row("", datetime(2022, 6, 30, 8, 30)))["deadline"] == "2022-06-30 08:30:00"
    assert _item_texts(_row("", date(2022, 6, 30)))["deadline"] == "2022-06-30"
