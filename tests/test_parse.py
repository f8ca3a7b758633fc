"""Tests for zhenggai.core.parse: cell value → Python value."""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhenggai.core.parse import (
    DateValue,
    NumberValue,
    YesNoValue,
    clean_text,
    county_from_bureau_line,
    display,
    excel_serial_to_date,
    is_valid_phone,
    nfkc,
    normalize_header,
    parse_date,
    parse_number,
    parse_yes_no,
)

D = date


# ---------------------------------------------------------------- clean_text / display / header


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  谷城县 ", "谷城县"),
        ("\u3000谷城县\u3000", "谷城县"),  # full-width IME space
        ("\xa0谷城县\xa0", "谷城县"),  # non-breaking space pasted from the web
        ("\ufeff\u200b谷城县\n", "谷城县"),  # BOM / zero-width space
        ("谷 城 县", "谷 城 县"),  # inner spaces are the clerk's, not ours to remove
        (12, "12"),
        (-3, "-3"),
        (12.0, "12"),
        (12.5, "12.5"),
        (0.1 + 0.2, "0.3"),
        (True, "TRUE"),
        (False, "FALSE"),
        (datetime(2022, 12, 31), "2022-12-31"),
        (datetime(2022, 12, 31, 8, 30), "2022-12-31 08:30:00"),
        (date(2022, 12, 31), "2022-12-31"),
        (time(8, 30), "08:30:00"),
    ],
)
def test_clean_text(raw: object, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("  \u3000", None), (" 是 ", "是"), (0, "0"), (12.0, "12")],
)
def test_display(raw: object, expected: str | None) -> None:
    assert display(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("问题描述\n(按反馈问题清单填报)", "问题描述（按反馈问题清单填报）"),
        ("整改\u3000时限", "整改时限"),
        (" 序 号 ", "序号"),
        ("资金（万元）", "资金(万元)"),
        ("ＡＢＣ１", "ABC1"),
    ],
)
def test_normalize_header_equal(a: str, b: str) -> None:
    assert normalize_header(a) == normalize_header(b)


def test_normalize_header_value() -> None:
    assert normalize_header("问题描述\r\n（按反馈问题清单填报）") == "问题描述(按反馈问题清单填报)"
    assert normalize_header(None) == ""
    assert normalize_header("整改措施") != normalize_header("整改成效")


# ---------------------------------------------------------------- Excel serials


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, D(1900, 1, 1)),
        (59, D(1900, 2, 28)),
        (60, None),  # Excel's fake 1900-02-29
        (61, D(1900, 3, 1)),
        (44926, D(2022, 12, 31)),
        (44926.75, D(2022, 12, 31)),  # fraction = time of day
        (45000, D(2023, 3, 15)),
        (2958465, D(9999, 12, 31)),
        (2958466, None),
        (0, None),
        (0.5, None),
        (-1, None),
        (math.nan, None),
        (math.inf, None),
    ],
)
def test_excel_serial_to_date(serial: float, expected: date | None) -> None:
    assert excel_serial_to_date(serial) == expected


# ---------------------------------------------------------------- parse_date

OK_EXACT = [
    (datetime(2022, 12, 31), D(2022, 12, 31)),
    (datetime(2022, 12, 31, 17, 45), D(2022, 12, 31)),
    (date(2023, 6, 30), D(2023, 6, 30)),
    (44926, D(2022, 12, 31)),
    (44926.0, D(2022, 12, 31)),
    ("44926", D(2022, 12, 31)),  # a date cell formatted as text shows its serial
    ("2022-12-31", D(2022, 12, 31)),
    ("2022/12/31", D(2022, 12, 31)),
    ("2022.12.31", D(2022, 12, 31)),
    ("2022.1.5", D(2022, 1, 5)),
    ("2022年12月31日", D(2022, 12, 31)),
    ("2022年12月31", D(2022, 12, 31)),
    ("2022年12月31日前", D(2022, 12, 31)),
    ("2022年12月31号", D(2022, 12, 31)),
    ("２０２２年１２月３１日", D(2022, 12, 31)),
    ("２０２２－１２－３１", D(2022, 12, 31)),
    (" 2022 年 12 月 31 日 ", D(2022, 12, 31)),
    ("2022-12-31 00:00:00", D(2022, 12, 31)),
    ("2022-12-31T08:00", D(2022, 12, 31)),
    ("2022/12/31 8:05", D(2022, 12, 31)),
    ("二〇二二年十二月三十一日", D(2022, 12, 31)),
    ("二〇二三年一月五日", D(2023, 1, 5)),
    ("二〇二三年二月二十八日", D(2023, 2, 28)),
    ("2024-02-29", D(2024, 2, 29)),
]

OK_APPROX = [
    ("2022-12", D(2022, 12, 31)),
    ("2022/2", D(2022, 2, 28)),
    ("2024.02", D(2024, 2, 29)),
    ("2022年12月", D(2022, 12, 31)),
    ("2022年6月", D(2022, 6, 30)),
    ("2022年12月底", D(2022, 12, 31)),
    ("2022年12月末", D(2022, 12, 31)),
    ("2022年12月底前", D(2022, 12, 31)),
    ("2022年12月前", D(2022, 12, 31)),
    ("2022年11月份", D(2022, 11, 30)),
    ("2022 年 12 月", D(2022, 12, 31)),
    ("2022年底", D(2022, 12, 31)),
    ("2022年底前", D(2022, 12, 31)),
    ("2022年末", D(2022, 12, 31)),
    ("2022年", D(2022, 12, 31)),
    ("2022年年底", D(2022, 12, 31)),
    ("二〇二二年十二月", D(2022, 12, 31)),
    ("二零二二年十二月底", D(2022, 12, 31)),
    ("二○二二年九月", D(2022, 9, 30)),  # ○ (U+25CB) typed for 〇
    ("二〇二二年底", D(2022, 12, 31)),
]

INVALID_DATES = [
    "2022-02-30",
    "2022年2月30日",
    "2023-02-29",
    "2022-13-01",
    "2022-00",
    "2022年13月",
    "长期坚持",
    "持续推进",
    "已完成",
    "12月",
    "12月31日",
    "2022年前",  # could mean "before 2022"
    "2022年10月-2022年12月",
    "2022-12/31",  # mixed separators
    "22-12-31",
    "0022-12-31",
    "2022年12月中旬",
    "2022年底前完成",
    "2022-12 08:00",  # a time needs a full date
    "二〇二二年十三月",
    "二二年十二月",
    "100",
    "19999",
    "80001",
    "abc",
    "—",
]


@pytest.mark.parametrize(("raw", "expected"), OK_EXACT)
def test_parse_date_exact(raw: object, expected: date) -> None:
    assert parse_date(raw) == DateValue(expected, "ok", approximate=False)


@pytest.mark.parametrize(("raw", "expected"), OK_APPROX)
def test_parse_date_approximate(raw: str, expected: date) -> None:
    assert parse_date(raw) == DateValue(expected, "ok", approximate=True)


@pytest.mark.parametrize("raw", INVALID_DATES)
def test_parse_date_invalid_text(raw: str) -> None:
    assert parse_date(raw) == DateValue(None, "invalid")


@pytest.mark.parametrize(
    "raw",
    [True, False, time(8, 0), timedelta(days=3), 0, 60, 19999, 80001, 20221231, -44926, math.nan],
)
def test_parse_date_invalid_values(raw: object) -> None:
    assert parse_date(raw).status == "invalid"
    assert parse_date(raw).value is None


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\n"])
def test_parse_date_blank(raw: object) -> None:
    assert parse_date(raw) == DateValue(None, "blank")


@pytest.mark.parametrize(("serial", "expected"), [(20000, D(1954, 10, 3)), (80000, D(2119, 1, 11))])
def test_parse_date_serial_bounds(serial: int, expected: date) -> None:
    assert parse_date(serial) == DateValue(expected, "ok")


def _date_texts(d: date) -> list[str]:
    y, m, dd = d.year, d.month, d.day
    return [
        d.isoformat(),
        f"{y}-{m}-{dd}",
        f"{y}/{m:02d}/{dd:02d}",
        f"{y}/{m}/{dd}",
        f"{y}.{m:02d}.{dd:02d}",
        f"{y}.{m}.{dd}",
        f"{y}年{m}月{dd}日",
        f"{y}年{m:02d}月{dd:02d}日",
        f"{y}年{m}月{dd}",
        f"{y} 年 {m} 月 {dd} 日",
        f"{d.isoformat()} 00:00:00",
    ]


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_parse_date_roundtrip_text_formats(d: date) -> None:
    for text in _date_texts(d):
        assert parse_date(text) == DateValue(d, "ok"), text
    full_width = d.isoformat().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})
    assert parse_date(full_width) == DateValue(d, "ok")


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_parse_date_roundtrip_datetime_and_serial(d: date) -> None:
    assert parse_date(datetime(d.year, d.month, d.day)) == DateValue(d, "ok")
    serial = (d - D(1899, 12, 30)).days
    assert parse_date(serial) == DateValue(d, "ok")
    assert parse_date(str(serial)) == DateValue(d, "ok")


@given(st.integers(1990, 2100), st.integers(1, 12))
def test_parse_date_month_is_last_day(year: int, month: int) -> None:
    result = parse_date(f"{year}年{month}月底")
    assert result.status == "ok"
    assert result.approximate
    assert result.value is not None
    assert (result.value.year, result.value.month) == (year, month)
    assert (result.value + timedelta(days=1)).day == 1


# ---------------------------------------------------------------- parse_number


@pytest.mark.parametrize(
    ("raw", "value", "decimals"),
    [
        (3, 3.0, 0),
        (0, 0.0, 0),
        (-2, -2.0, 0),
        (12.0, 12.0, 0),
        (12.3, 12.3, 1),
        (12.345, 12.345, 3),
        (0.1 + 0.2, 0.3, 1),  # binary noise is not a 17th decimal: read as Excel shows it
        (30.000000000000004, 30.0, 0),
        (1e-7, 1e-7, 7),
        (1.5e-7, 1.5e-7, 8),
        ("3", 3.0, 0),
        ("３", 3.0, 0),
        ("12.50", 12.5, 2),
        ("12.345", 12.345, 3),
        ("30万元", 30.0, 0),  # the unit label is stripped, never multiplied
        ("30.5 万元", 30.5, 1),
        ("４人", 4.0, 0),
        ("5个", 5.0, 0),
        ("12家", 12.0, 0),
        ("3期", 3.0, 0),
        ("2场", 2.0, 0),
        ("50%", 50.0, 0),
        ("５０％", 50.0, 0),
        ("1,234.5", 1234.5, 1),
        ("1，234", 1234.0, 0),
        ("12,345,678", 12345678.0, 0),
        (" 7 ", 7.0, 0),
        ("-5", -5.0, 0),
        ("+5", 5.0, 0),
        ("0.5", 0.5, 1),
        (".5", 0.5, 1),
        ("0", 0.0, 0),
    ],
)
def test_parse_number_ok(raw: object, value: float, decimals: int) -> None:
    got = parse_number(raw)
    assert (got.value, got.status, got.decimals) == (value, "ok", decimals)


@pytest.mark.parametrize(
    "raw",
    ["—", "-", "－", "/", "／", "无", "——", "—/—", "\\", "N/A", "n/a", "空", " — ", "--", "–"],
)
def test_parse_number_dash(raw: str) -> None:
    assert parse_number(raw) == NumberValue(None, "dash")


@pytest.mark.parametrize("raw", [None, "", "  ", "\u3000"])
def test_parse_number_blank(raw: object) -> None:
    assert parse_number(raw) == NumberValue(None, "blank")


@pytest.mark.parametrize(
    "raw",
    [
        "约30",
        "30-40",
        "若干",
        "30万元左右",
        "3,5",  # a list or a European decimal, not 35
        "1,23",
        "12.",
        "1.2.3",
        "30 40",
        "1 234",
        "12. 5",
        "待定",
        "无数据",
        "NaN",
        "abc",
        True,
        False,
        datetime(2022, 1, 1),
        date(2022, 1, 1),
        math.nan,
        math.inf,
    ],
)
def test_parse_number_invalid(raw: object) -> None:
    nv = parse_number(raw)  # an estimate ("约30", "30-40") also says why (test_qualifiers.py)
    assert (nv.value, nv.status, nv.unit) == (None, "invalid", "")


@given(
    st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False, places=2)
    | st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False, places=1)
    | st.integers(0, 10**9).map(Decimal)
)
def test_parse_number_roundtrip_decimal(d: Decimal) -> None:
    text = str(d)
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    expected = NumberValue(float(d), "ok", -exponent)
    assert parse_number(text) == expected
    # The unit is returned, not applied: merge converts it to the column's unit.
    assert parse_number(text + "万元") == dataclasses.replace(expected, unit="万元")
    assert parse_number(f" {text} 万元 ") == dataclasses.replace(expected, unit="万元")


_UNIT_CHARS = set("万元人个家村次期场门名处户座课节项所条件类千百亿")
# Chinese numerals are numbers (read by cn2an), not foreign text.
_UNIT_CHARS |= set("零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点")
_FOREIGN_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF).filter(
    lambda c: c not in _UNIT_CHARS
)


@settings(deadline=None)  # the first Chinese numeral imports cn2an (~0.2 s)
@given(st.text(max_size=8), _FOREIGN_CJK, st.text(max_size=8))
def test_parse_number_rejects_foreign_cjk(before: str, cjk: str, after: str) -> None:
    assert parse_number(before + cjk + after).status != "ok"


@given(st.integers(0, 10**6), _FOREIGN_CJK)
def test_parse_number_rejects_number_with_foreign_cjk(n: int, cjk: str) -> None:
    assert parse_number(f"{cjk}{n}").status == "invalid"
    assert parse_number(f"{n}{cjk}").status == "invalid"


# ---------------------------------------------------------------- parse_yes_no


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", YesNoValue(True, "ok")),
        ("否", YesNoValue(False, "ok")),
        (" 是\n", YesNoValue(True, "ok")),
        ("\u3000否\u3000", YesNoValue(False, "ok")),
        (None, YesNoValue(None, "blank")),
        ("", YesNoValue(None, "blank")),
        ("  ", YesNoValue(None, "blank")),
        ("已完成", YesNoValue(True, "variant")),
        ("完成", YesNoValue(True, "variant")),
        ("已整改", YesNoValue(True, "variant")),
        ("已完成整改", YesNoValue(True, "variant")),
        ("整改完成", YesNoValue(True, "variant")),
        ("√", YesNoValue(True, "variant")),
        ("✓", YesNoValue(True, "variant")),
        ("✔", YesNoValue(True, "variant")),
        ("Y", YesNoValue(True, "variant")),
        ("y", YesNoValue(True, "variant")),
        ("YES", YesNoValue(True, "variant")),
        ("yes", YesNoValue(True, "variant")),
        ("Ｙｅｓ", YesNoValue(True, "variant")),
        ("是的", YesNoValue(True, "variant")),
        ("已 完 成", YesNoValue(True, "variant")),
        ("未完成", YesNoValue(False, "variant")),
        ("正在整改", YesNoValue(False, "variant")),
        ("整改中", YesNoValue(False, "variant")),
        ("未整改", YesNoValue(False, "variant")),
        ("持续整改", YesNoValue(False, "variant")),
        ("推进中", YesNoValue(False, "variant")),
        ("进行中", YesNoValue(False, "variant")),
        ("×", YesNoValue(False, "variant")),
        ("✗", YesNoValue(False, "variant")),
        ("N", YesNoValue(False, "variant")),
        ("no", YesNoValue(False, "variant")),
        ("否（整改中）", YesNoValue(False, "variant")),
        ("否(持续推进)", YesNoValue(False, "variant")),
        ("是（已验收）", YesNoValue(True, "variant")),
        ("是【已完成】", YesNoValue(True, "variant")),
        # A 是 taken back in its own bracket is no 是: the clerk decides (never counted done).
        ("是（基本完成）", YesNoValue(None, "invalid")),
        ("是(阶段性完成，需长期坚持)", YesNoValue(None, "invalid")),
        ("是（部分完成）", YesNoValue(None, "invalid")),
        ("是（尚未验收）", YesNoValue(None, "invalid")),
        (True, YesNoValue(True, "variant")),
        (False, YesNoValue(False, "variant")),
        ("是否", YesNoValue(None, "invalid")),
        ("基本完成", YesNoValue(None, "invalid")),
        ("否，整改中", YesNoValue(None, "invalid")),
        ("否（整改中", YesNoValue(None, "invalid")),
        ("—", YesNoValue(None, "invalid")),
        ("1", YesNoValue(None, "invalid")),
        (1, YesNoValue(None, "invalid")),
        (datetime(2022, 1, 1), YesNoValue(None, "invalid")),
    ],
)
def test_parse_yes_no(raw: object, expected: YesNoValue) -> None:
    assert parse_yes_no(raw) == expected


# ---------------------------------------------------------------- is_valid_phone


@pytest.mark.parametrize(
    "text",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "１３８００１３８０００",
        "027-85780263",
        "0710-1234567",
        "(0710)1234567",
        "（0710）1234567",
        "0710-1234567转123",
        "027-85780263、13800138000",
        "027-85780263，13800138000",
        "13800138000; 13900139000",
        "13800138000/0710-1234567",
        "13800138000、",
        "+86 13800138000",
    ],
)
def test_phone_valid(text: str) -> None:
    assert is_valid_phone(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "85741147",  # no area code
        "1380013800",  # 10 digits
        "138001380001",
        "12800138000",  # 12x is not a mobile prefix
        "710-1234567",
        "0710-123456",
        "0710123456",
        "010-123456",
        "027-85780263、85741147",
        "张三13800138000",
        "无",
        "13800138000转123",
    ],
)
def test_phone_invalid(text: str) -> None:
    assert not is_valid_phone(text)


# ---------------------------------------------------------------- county_from_bureau_line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("谷城县商务主管部门（盖章）", "谷城县"),
        ("填报单位：谷城县商务局（盖章）", "谷城县"),
        ("填报单位:谷城县商务局(盖章)", "谷城县"),
        ("单位：枣阳市商务局", "枣阳市"),
        ("  谷城县 商务主管部门（盖章）   填报日期：2022年10月", "谷城县"),
        ("襄阳市襄州区商务主管部门（盖章）", "襄州区"),
        ("湖北省襄阳市襄州区商务局", "襄州区"),
        ("襄阳市商务局", "襄阳市"),
        ("枣阳市商务局（盖章）", "枣阳市"),
        ("郑州市金水区商务局", "金水区"),
        ("济南市市中区商务局", "市中区"),
        ("恩施州恩施市商务局", "恩施市"),
        ("恩施土家族苗族自治州利川市商务局", "利川市"),
        ("神农架林区商务局", "神农架林区"),
        ("谷城县经济商务和信息化局", "谷城县"),
        ("谷城县人民政府商务局", "谷城县"),
        # joint seals and the party committee: the county, never "中共谷城县委谷城县"
        ("中共谷城县委 谷城县人民政府（盖章）", "谷城县"),
        ("中共谷城县委办公室（盖章）", "谷城县"),
        ("中共谷城县委 保康县人民政府（盖章）", None),  # two counties: no guess
        ("**县(市、区)商务主管部门(盖章)", None),
        ("＊＊县（市、区）商务主管部门（盖章）", None),
        ("县（市、区）商务主管部门（盖章）", None),
        ("××县商务局", None),
        ("XX县商务局", None),
        ("填报单位：（盖章）", None),
        ("商务主管部门（盖章）", None),
        ("", None),
        ("问题描述", None),
    ],
)
def test_county_from_bureau_line(text: str, expected: str | None) -> None:
    assert county_from_bureau_line(text) == expected


# ---------------------------------------------------------------- value objects


def test_value_objects_are_frozen() -> None:
    v = parse_number("3")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.value = 4.0  # type: ignore[misc]
    assert DateValue(None, "blank").approximate is False
    assert NumberValue(None, "blank").decimals == 0


def test_parse_a1_is_the_inverse_of_a1() -> None:
    from zhenggai.core.findings import a1, parse_a1

    for row, col in [(1, 0), (7, 2), (1048576, 16383), (12, 26), (3, 701)]:
        assert parse_a1(a1(row, col)) == (row, col)
    assert parse_a1("$C$7") == (7, 2)
    for not_a1 in ["表格2 第5行", "C", "7", "", "A0", "ABCD1", "Ａ1"]:
        assert parse_a1(not_a1) is None


@pytest.mark.parametrize(("name", "county"), [
    ("谷城县-附件1.xlsx", "谷城县"), ("襄阳市谷城县附件2.xlsx", "谷城县"),
    ("老河口市-附件1-示范县整改清单.xlsx", "老河口市"),
    ("附件1.xlsx", None), ("示范县整改清单.xlsx", None),
])
def test_county_from_file_name(name: str, county: str | None) -> None:
    from pathlib import Path

    from zhenggai.core.parse import county_from_filename

    assert county_from_filename(Path(name)) == county



# Full-width punctuation, other full-width forms, compatibility characters (①, ㎡, ﬁ), combining
# marks that compose with what comes before (also with a full-width letter), CJK and ASCII.
_NFKC_CHARS = st.sampled_from(list("，；：（）！？％０１２ＡＢａ　①㎡ﬁ\u0301\u0308\u3099かは整改万元12.5 ,;:()aA"))


@settings(max_examples=2000)
@given(st.lists(_NFKC_CHARS | st.characters(), max_size=40).map("".join))
def test_nfkc_is_nfkc(text: str) -> None:
    """The fast path of nfkc is NFKC exactly, whatever the text (measures are classified on it)."""
    assert nfkc(text) == unicodedata.normalize("NFKC", text)
