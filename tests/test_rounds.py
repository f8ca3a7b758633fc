"""The comparison core: two rounds built as records → exact findings and change rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from zhenggai.core.findings import CATALOGUE
from zhenggai.core.schema import default_appendix2
from zhenggai.forms.feedback_list import FeedbackList, FeedbackProblem
from zhenggai.outputs.progress_sheet import county_line
from zhenggai.progress.compare import (
    Comparison,
    CountyRecord,
    ItemRecord,
    Place,
    RoundData,
    added_text,
    compare,
    pair_items,
    pledge_only_change,
    problem_key,
)

COLS = {"seq": 0, "problem": 1, "measure": 2, "done": 3, "deadline": 4, "owner": 5, "unit": 6}
DEADLINE = date(2022, 12, 31)
CUMULATIVE = tuple(c for c in default_appendix2().columns if c.cumulative)

P1 = "县级电商公共服务中心停止运营"
P2 = "快递企业整合不够"
P3 = "村级站点无人值守"
P4 = "培训流于形式"


def item(seq: int, problem: str, measure: str, done: bool | None, deadline: date | None,
         *, county: str = "谷城县", file: str = "本轮.xlsx") -> ItemRecord:
    return ItemRecord(county, seq, problem, measure, done, deadline, Place(file, "附件1", seq + 4, COLS))


def county(name: str = "谷城县", status: str = "submitted", total: int = 0, done: int = 0,
           file: str = "本轮.xlsx", **numbers: float | None) -> CountyRecord:
    cols = {c.key: i for i, c in enumerate(default_appendix2().columns)}
    return CountyRecord(name, status, total, done, numbers, Place(file, "附件2", 5, cols))


def rounds(prev_items: list[ItemRecord], cur_items: list[ItemRecord], **kw: object) -> Comparison:
    def counts(items: list[ItemRecord], file: str) -> CountyRecord:
        return county(total=len(items), done=sum(1 for i in items if i.done), file=file)

    prev = RoundData("上一轮.xlsx", tuple(replace(i, place=replace(i.place, file="上一轮.xlsx")) for i in prev_items),
                     (counts(prev_items, "上一轮.xlsx"),))
    cur = RoundData("本轮.xlsx", tuple(cur_items), (counts(cur_items, "本轮.xlsx"),))
    return compare(prev, cur, deadline=DEADLINE, cumulative=CUMULATIVE, **kw)  # type: ignore[arg-type]


def flat(c: Comparison) -> list[tuple[str | None, str | None, str]]:
    return [(f.file, f.cell, f.code) for f in c.findings]


BASE = [
    item(1, P1, "县财政安排30万元购买服务，恢复运营", False, date(2022, 9, 30)),
    item(2, P2, "新整合快递企业3家", True, date(2022, 6, 30)),
    item(3, P3, "高度重视，加强管理", False, date(2022, 10, 31)),
]


def test_every_round_code_is_catalogued() -> None:
    codes = {c for c in CATALOGUE if c.startswith("round-")}
    assert len(codes) == 13


def test_a_round_against_itself_reports_no_change() -> None:
    c = rounds(BASE, BASE)
    assert c.changes == ()
    # Only one line per county saying that nothing moved while items are still open.
    assert flat(c) == [("本轮.xlsx", None, "round-county-unchanged")]
    assert "2 个未完成的问题都没有报告新的进展" in c.findings[0].message
    (s,) = c.counties
    assert (s.finished, s.reopened, s.postponed, s.missing, s.new, s.decreased) == (0, 0, 0, 0, 0, 0)
    assert s.rate_before == s.rate_now == pytest.approx(1 / 3)


def test_a_finished_round_against_itself_says_nothing() -> None:
    done = [replace(i, done=True) for i in BASE]
    assert rounds(done, done).findings == ()


def test_each_item_change_is_one_exact_finding() -> None:
    cur = [
        item(1, P1, "县财政安排30万元购买服务，恢复运营，新增运营人员4人", True, date(2022, 9, 30)),  # finished
        item(2, P2, "新整合快递企业3家", False, date(2022, 11, 30)),  # reopened
        item(3, P3, "高度重视，进一步加强管理，确保按时完成", False, date(2022, 11, 30)),  # postponed + pledge words
    ]
    c = rounds(BASE, cur)
    assert [(ch.seq, ch.what, ch.before, ch.after, ch.finding.code, ch.finding.cell) for ch in c.changes] == [
        (1, "新完成", "否", "是", "round-item-finished", "D5"),
        (2, "重新打开", "是", "否", "round-item-reopened", "D6"),
        (3, "完成时限推迟", "2022-10-31", "2022-11-30", "round-deadline-postponed", "E7"),
        (3, "只增加表态", "高度重视，加强管理", "高度重视，进一步加强管理，确保按时完成",
         "round-measure-pledge-only", "C7"),
    ]
    messages = {ch.finding.code: ch.finding.message for ch in c.changes}
    assert messages["round-deadline-postponed"] == "完成时限由 2022-10-31 推迟到 2022-11-30"
    assert "“进一步，确保按时完成”" in messages["round-measure-pledge-only"]
    assert c.changes[1].finding.severity.value == "error"
    (s,) = c.counties
    assert (s.finished, s.reopened, s.postponed, s.stalled) == (1, 1, 1, 1)
    assert (s.rate_before, s.rate_now) == (pytest.approx(1 / 3), pytest.approx(1 / 3))


def test_postponed_past_the_campaign_deadline_is_an_error() -> None:
    cur = [*BASE[:2], item(3, P3, "淘汰站点6个，新建站点5个", False, date(2023, 3, 31))]
    c = rounds(BASE, cur)
    assert flat(c) == [("本轮.xlsx", "C5", "round-measure-unchanged"), ("本轮.xlsx", "E7", "round-deadline-past")]
    assert c.findings[1].message == "完成时限由 2022-10-31 推迟到 2023-03-31，超过整改期限 2022-12-31"
    assert c.findings[1].severity.value == "error"


def test_measure_unchanged_while_open_is_a_warning_but_not_once_finished() -> None:
    cur = [BASE[0], BASE[1], replace(BASE[2], measure="高度重视， 加强管理。")]  # only spacing and punctuation
    cur[0] = replace(cur[0], done=True)
    c = rounds(BASE, cur)
    assert [(ch.seq, ch.finding.code) for ch in c.changes] == [(1, "round-item-finished"),
                                                               (3, "round-measure-unchanged")]


def test_a_real_new_measure_is_progress() -> None:
    cur = [replace(BASE[0], measure="恢复运营，2022年8月起第三方运营"), BASE[1],
           replace(BASE[2], measure="高度重视，加强管理，已淘汰无人值守站点6个")]
    assert rounds(BASE, cur).changes == ()


def test_missing_and_new_problems_are_listed_both_ways() -> None:
    cur = [replace(BASE[0], done=True), BASE[1], item(3, P4, "优化培训课程8个", False, date(2022, 12, 31))]
    c = rounds(BASE, cur)
    assert [(ch.seq, ch.what, ch.finding.code, ch.finding.severity.value) for ch in c.changes] == [
        (1, "新完成", "round-item-finished", "info"),
        (3, "问题缺失", "round-item-missing", "error"),
        (3, "新增问题", "round-item-new", "warning"),
    ]
    assert "上次报送的问题“村级站点无人值守”（序号 3，上次第 7 行）本次没有了" in c.changes[1].finding.message


def test_renumbered_and_reordered_items_still_pair_by_text() -> None:
    cur = [replace(BASE[2], seq=1), replace(BASE[0], seq=2), replace(BASE[1], seq=3)]
    pairs, gone, new = pair_items(BASE, cur)
    assert [(p.problem, c.seq) for p, c, _ in pairs] == [(P3, 1), (P1, 2), (P2, 3)]
    assert gone == [] and new == []


def test_same_seq_and_similar_text_pairs_with_a_warning() -> None:
    cur = [replace(BASE[0], done=True), BASE[1], replace(BASE[2], problem="部分村级站点无人值守")]
    c = rounds(BASE, cur)
    assert [(ch.seq, ch.finding.code) for ch in c.changes] == [(1, "round-item-finished"),
                                                               (3, "round-problem-reworded"),
                                                               (3, "round-measure-unchanged")]
    assert c.changes[1].finding.message.endswith("上次为“村级站点无人值守”")


def test_feedback_list_pairs_rewordings_the_list_recognises() -> None:
    fl = FeedbackList(Path("清单.xlsx"), "清单.xlsx", {"谷城县": [
        FeedbackProblem("谷城县", t, None, "清单", i + 2) for i, t in enumerate((P1, P2, "部分村级服务站点无人值守"))]})
    cur = [replace(BASE[0], done=True), BASE[1], replace(BASE[2], seq=7, problem="部分村级服务站点无人值守，存活率低")]
    assert [ch.finding.code for ch in rounds(BASE, cur, feedback=fl).changes] == [
        "round-item-finished", "round-measure-unchanged"]
    # Without the list, a different 序号 and a rewording leave both unpaired, both listed.
    assert [ch.finding.code for ch in rounds(BASE, cur).changes] == [
        "round-item-finished", "round-item-missing", "round-item-new"]


def test_cumulative_indicator_that_went_down_is_a_warning() -> None:
    prev = RoundData("上一轮.xlsx", (), (county(file="上一轮.xlsx", county_funds=50, stations_built=8),))
    cur = RoundData("本轮.xlsx", (), (county(county_funds=30, stations_built=9),))
    c = compare(prev, cur, deadline=DEADLINE, cumulative=CUMULATIVE)
    assert flat(c) == [("本轮.xlsx", "E5", "round-indicator-decreased")]
    assert c.findings[0].message == "「县级财政安排经费（万元）」是累计数，本次 30 比上次 50 少：请核实"
    assert c.counties[0].decreased == 1
    # An unreadable number (None) is never compared: number-invalid already says so.
    cur2 = RoundData("本轮.xlsx", (), (county(county_funds=None, stations_built=9),))
    assert compare(prev, cur2, deadline=DEADLINE, cumulative=CUMULATIVE).findings == ()


def test_not_cumulative_columns_may_go_down() -> None:
    prev = RoundData("a", (), (county(file="a", county_funds=50),))
    cur = RoundData("b", (), (county(file="b", county_funds=30),))
    assert compare(prev, cur, deadline=DEADLINE, cumulative=()).findings == ()


def test_a_county_that_reported_last_round_and_is_silent_now() -> None:
    prev = RoundData("上一轮", (BASE[0], replace(BASE[0], county="保康县")),
                     (county(), county("保康县")))
    cur = RoundData("本轮", (BASE[0],), (county(),))
    c = compare(prev, cur, deadline=DEADLINE)
    assert [(f.file, f.code, f.message) for f in c.findings] == [
        ("本轮.xlsx", "round-county-unchanged", "谷城县 本次报送与上次完全相同，1 个未完成的问题都没有报告新的进展"),
        ("（进展对比）", "round-county-silent", "保康县 上次报送了，本次没有报送"),
    ]
    assert [(s.county, s.status_before, s.status_now) for s in c.counties] == [
        ("谷城县", "submitted", "submitted"), ("保康县", "submitted", "missing")]


def test_a_county_that_sent_only_blank_forms_is_silent() -> None:
    prev = RoundData("上一轮", tuple(BASE), (county(),))
    cur = RoundData("本轮", (), (county(status="blank"),))
    c = compare(prev, cur, deadline=DEADLINE)
    assert [f.code for f in c.findings] == ["round-county-silent"]
    assert (c.counties[0].status_before, c.counties[0].status_now) == ("submitted", "blank")


def test_a_county_missing_its_appendix1_now_does_not_delete_its_problems() -> None:
    prev = RoundData("上一轮", tuple(BASE), (county(),))
    cur = RoundData("本轮", (), (county(status="no-appendix1"),))
    assert compare(prev, cur, deadline=DEADLINE).findings == ()


def test_added_text_and_pledge_detection() -> None:
    assert added_text("新建站点5个", "新建站点8个") == "8"
    assert pledge_only_change("新建站点5个", "新建站点8个") is None
    assert pledge_only_change("加强管理", "进一步加强管理，压实责任") == "进一步，压实责任"
    assert pledge_only_change("加强管理，2022年底完成", "加强管理") == ""  # only deletions
    assert pledge_only_change("加强管理", "加强管理。") is None  # unchanged, not "changed by pledge words"


def test_added_text_is_read_by_the_measure_classifier() -> None:
    # diff / merge --previous judge the added words by checking.measures (issue 19), not by
    # "has a number": an action without a figure is progress, a count of meetings is not.
    assert pledge_only_change("加强管理", "加强管理，已终止与原运营企业的合作") is None
    assert pledge_only_change("加强管理", "加强管理，召开党组会议3次专题研究") == "召开党组会议3次专题研究"
    assert pledge_only_change("加强管理", "加强管理，确保9月30日前整改到位") == "确保9月30日前整改到位"


def test_json_shape() -> None:
    cur = [replace(BASE[0], done=True), BASE[1], BASE[2]]
    data = rounds(BASE, cur).to_dict()
    assert data["previous"] == "上一轮.xlsx" and data["current"] == "本轮.xlsx"
    assert data["counties"][0]["finished"] == 1
    assert data["changes"][0] == {"county": "谷城县", "prefecture": None, "seq": 1, "problem": P1,
                                  "code": "round-item-finished", "before": "否", "after": "是"}


def test_a_measure_that_only_lost_text_is_no_progress() -> None:
    cur = [replace(BASE[0], done=True), BASE[1], replace(BASE[2], measure="高度重视")]
    (ch,) = [c for c in rounds(BASE, cur).changes if c.seq == 3]
    assert (ch.what, ch.finding.code) == ("只删减文字", "round-measure-pledge-only")
    assert ch.finding.message == "问题仍未完成，整改措施与上次相比只删去了部分文字，没有新的具体进展"


def test_a_county_spelled_shorter_in_one_round_is_the_same_county() -> None:
    prev = RoundData("上一轮", tuple(replace(i, county="谷城") for i in BASE), (county("谷城"),))
    cur = RoundData("本轮", (replace(BASE[0], done=True), BASE[1], BASE[2]), (county(),))
    c = compare(prev, cur, deadline=DEADLINE)
    assert [(s.county, s.finished) for s in c.counties] == [("谷城县", 1)]
    assert [ch.finding.code for ch in c.changes] == ["round-item-finished", "round-measure-unchanged"]
    # The pairing is a reading, so it is said (a warning naming both spellings), not made silently.
    notes = [(n.county, n.finding.code, n.finding.severity, n.finding.message) for n in c.notes]
    assert notes == [("谷城县", "round-county-renamed", "warning",
                      "上一轮的「谷城」和本轮的「谷城县」名称不同，按同一个县比较；如果不是同一个县，请改正县名")]
    assert "round-county-renamed" in [f.code for f in c.findings]
    assert county_line(c.counties[0]).startswith("谷城县（上一轮名为“谷城”）　报送 已报送 → 已报送")
    # Two candidates ("谷城县", "谷城镇"): no guess, both listed as they are.
    cur2 = RoundData("本轮", cur.items, (county(), county("谷城镇")))
    names = [s.county for s in compare(prev, cur2, deadline=DEADLINE).counties]
    assert names == ["谷城县", "谷城镇", "谷城"]


# --- properties ---------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(alphabet=st.sampled_from("站点培训资金台账快递中心运营整改加强落实12345，。"), min_size=1, max_size=20)
_ITEMS = st.lists(
    st.tuples(_TEXT, _TEXT, st.sampled_from([True, False, None]),
              st.one_of(st.none(), st.dates(date(2022, 1, 1), date(2023, 6, 30)))),
    max_size=8, unique_by=lambda t: problem_key(t[0]),  # one problem per row, as the list has it
)


def _round(rows: list[tuple[str, str, bool | None, date | None]], label: str) -> RoundData:
    items = tuple(item(i + 1, p, m, d, when, file=label) for i, (p, m, d, when) in enumerate(rows))
    return RoundData(label, items, (county(total=len(items), done=sum(1 for i in items if i.done), file=label),))


@settings(max_examples=60, deadline=None)
@given(_ITEMS, st.randoms(use_true_random=False))
def test_a_round_against_itself_or_reordered_never_moves(rows: list[tuple[str, str, bool | None, date | None]],
                                                          rnd: object) -> None:
    r = _round(rows, "本轮.xlsx")
    c = compare(r, r, deadline=DEADLINE, cumulative=CUMULATIVE)
    assert c.changes == ()
    assert [n.finding.code for n in c.notes] == (["round-county-unchanged"] if any(x[2] is False for x in rows) else [])
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    moved = compare(r, _round(shuffled, "本轮.xlsx"), deadline=DEADLINE, cumulative=CUMULATIVE)
    # Renumbered rows pair by their text: nothing appears, disappears, finishes or reopens.
    assert {ch.finding.code for ch in moved.changes} <= {"round-measure-unchanged"}
