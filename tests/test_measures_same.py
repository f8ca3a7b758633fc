"""The measure classifier's short cuts give the verdicts of the plain reading (issues 19, 22).

``classify`` skips segmentation where it can (a clause that surely counts a quantity, found from
the whole text's quantities; one clause segmented at a time; an action's words read only if
asked), drops list markers reading the text backwards, and searches with patterns written for
speed. ``reference`` below is the classifier as issue 19 wrote it, with issue 19's patterns:
segment the whole text, read every clause. On texts built from the rule words, figures, units,
list markers, set phrases and punctuation, and on the 100,000 measures of the benchmark's big
附件1 (built by benchmarks/generate.py), both must give the same kind and the same words.
"""

from __future__ import annotations

import dataclasses
import fcntl
import importlib.util
import random
import re
import sys
from collections.abc import Sequence
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import appendix1_rows, make_workbook
from zhenggai.checking import measure_text, measures
from zhenggai.checking import rows as row_rules
from zhenggai.checking.files import check_file
from zhenggai.checking.measures import Kind, Verdict, classify, rules_table
from zhenggai.core.parse import nfkc
from zhenggai.core.results import Options
from zhenggai.core.schema import APPENDIX1, appendix2
from zhenggai.intake import second_cpu

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# The list-marker regex of issue 19, as written there.
OLD_MARKER = re.compile(r"(?:^|(?<=[\s。;,:!?、]))\d{1,2}[.、)]|\(\d{1,2}\)|[\u2460-\u24ff\u2776-\u2793]")
_RULES_FILE = resources.files("zhenggai").joinpath("data/measure_rules.toml")
_QUANTITY = tomllib.loads(_RULES_FILE.read_text("utf-8"))["quantity"]
# The quantity pattern of issue 19, as written there.
OLD_QUANTITY = re.compile(r"(?:\d+(?:\.\d+)?|[〇零一二两三四五六七八九十百千万]+)(?:多|余)?(?:"
                          + "|".join(re.escape(u) for u in sorted(_QUANTITY["units"], key=len, reverse=True)) + ")")


def _old_blockers(kinds: tuple[str, ...]) -> re.Pattern[str]:
    """Issue 19's blocker pattern: every word of these kinds."""
    words = sorted((w for w, k in measures._rules().kinds.items() if k in kinds), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


OLD_BLOCKERS = _old_blockers(("intent", "negation", "deadline", "meeting"))


@cache
def _old_rules() -> Any:
    return dataclasses.replace(measures._rules(), quantity=OLD_QUANTITY)


def reference(text: str) -> Verdict:
    """Issue 19's classify: the whole text segmented, every clause read."""
    s = nfkc(text)
    if not any(c.isalpha() for c in s):
        return Verdict(Kind.EMPTY)
    s = OLD_MARKER.sub(" ", s)
    r = _old_rules()
    if OLD_BLOCKERS.search(s) is None and (q := r.quantity.search(measure_text.SET_PHRASES.sub("", s))):
        return Verdict(Kind.ACTION, (q.group(),))
    tokens = measures._words(measures._tokenizer()(s), r.kinds)
    clause = measures._Clause([], [], [], [])
    start = 0
    for i, (word, _, _) in enumerate([*tokens, ("。", len(s), len(s))]):
        if word in measure_text.CLAUSE_END or i == len(tokens):
            if i > start:
                measures._read_clause(s[tokens[start][1]:tokens[i - 1][2]], tokens[start:i], r, clause)
            start = i + 1
    unique = measures._unique
    if clause.action:
        return Verdict(Kind.ACTION, unique(clause.action))
    if clause.meeting:
        return Verdict(Kind.MEETING, unique([*clause.meeting, *clause.pledge]))
    if clause.deadline:
        return Verdict(Kind.DEADLINE, unique([*clause.pledge, *clause.deadline]))
    return Verdict(Kind.PLEDGE, unique(clause.pledge))


RULE_WORDS = sorted({w for _, words, _ in rules_table() for w in words})
UNITS = ["万元", "元", "个", "家", "人", "人次", "次", "场", "期", "轮", "项", "户", "村", "课时"]
FIGURES = ["1", "3", "35", "12.5", "0", "３５", "一", "三", "十二", "两", "百", "〇", "五十", "2022"]
PIECES = [
    *"，,；;。！？\n：:、 　（）()．.…/%",
    "\r\n", "\r", "\t", "1.", "2、", "3)", "(4)", "（5）", "①", "❶", "12.", "１．", "⓫", "⑴", "⒈", "(12)", "١٢",
    "进一步", "下一步", "逐一", "第一", "一些", "四个意识", "三会一课", "举一反三",
    "对", "站点", "资金", "企业", "县财政", "安排", "服务中心", "村级", "合同", "运营", "开展", "专项",
    "乡镇", "公司", "未", "尚未", "没有", "不", "年底", "前", "月底", "以来", "全部", "整改到位",
]
piece = st.one_of(
    st.sampled_from(RULE_WORDS),
    st.sampled_from(PIECES),
    st.builds(lambda f, x, u: f + x + u, st.sampled_from(FIGURES), st.sampled_from(["", "多", "余"]),
              st.sampled_from(UNITS)),
    st.sampled_from(FIGURES),
    st.text(alphabet="对站点资金项目专项管理工作县局问题整改情况人员中心已将未不前会", min_size=1, max_size=4),
)
texts = st.lists(piece, min_size=1, max_size=16).map("".join)


@settings(max_examples=1500)
@given(texts)
def test_same_verdict_as_the_plain_reading(text: str) -> None:
    measures.classify.cache_clear()
    got = classify(text)
    want = reference(text)
    assert (got.kind, got.words) == (want.kind, want.words)


@settings(max_examples=500)
@given(texts)
def test_same_list_markers_dropped(text: str) -> None:
    s = nfkc(text)
    assert measure_text.drop_markers(s) == OLD_MARKER.sub(" ", s)


def test_clause_ends_are_tokens_of_their_own() -> None:
    # What _read_clauses relies on: the segmenter never joins a clause end to a word, and
    # "\r\n" is one token (classify reads such a text whole).
    tokens = measures._tokenizer()("追回资金3万元,已完成;a:b!c?d。e\nf\r\ng")
    words = [w for w, _, _ in tokens]
    for end in ",;:!?。\n":
        assert end in words
    assert "\r\n" in words


def test_action_words_are_read_when_asked() -> None:
    # A clause with a quantity of results makes the measure an action without segmenting it;
    # its words are the ones the plain reading gives.
    text = "县财政安排站点运营经费15.1万元；已与物流公司解除运营合同，责令限期整改"
    measures.classify.cache_clear()
    got = classify(text)
    assert got.kind is Kind.ACTION
    assert got == reference(text)
    assert got.words == reference(text).words


@settings(max_examples=500)
@given(texts)
def test_a_clause_read_from_its_start(text: str) -> None:
    # _counts reads a clause from its first character when it begins with a space or a
    # dictionary word of two characters: there the first token (search mode) begins.
    r = measures._rules()
    for piece in measure_text.CLAUSE_SPLIT.split(measure_text.drop_markers(nfkc(text))):
        if piece and "\r" not in piece and (piece[0].isspace() or measures._has_word()(piece[:2])):
            tokens = measures._words(measures._tokenizer()(piece), r.kinds)
            assert tokens[0][1] == 0
            assert tokens[-1][2] == len(piece)


MEASURES = [
    "县财政安排30万元购买服务，恢复运营，新增运营人员4人", "新整合快递企业3家，新覆盖村12个",
    "高度重视，进一步加强管理，认真落实整改责任", "确保年底前完成站点整合", "召开党组会议3次专题研究整改工作",
    "已与物流公司解除运营合同，责令限期整改", "将进一步加强资金拨付管理", "计划新建改造站点10个",
    "尚未完成站点整合", "/", "1.高度重视；2.加强监管", "已召开专题会议研究部署整改工作",
]


def _table(tmp_path: Path) -> Path:
    rows: list[Sequence[Any]] = [
        [i + 1, f"问题{i}", f"{MEASURES[i % len(MEASURES)]}（第{i}条）", "否" if i % 3 else "是",
         ("2023-03-01", "2022-06-30", "2022-12-31")[min(i % 5, 2)], "张三", "县商务局" if i % 7 else ""]
        for i in range(120)]
    return make_workbook(tmp_path / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows)})


def _two_cpus_forced(tmp_path: Path, monkeypatch: Any) -> tuple[Path, Options, Any]:
    """The 120-row table, its one-process result, and the second CPU forced on from 10 rows."""
    path = _table(tmp_path)
    opts = Options(as_of=date(2022, 9, 1))
    plain = check_file(path, opts)
    monkeypatch.setattr(second_cpu, "ROWS_MIN", 10)
    monkeypatch.setattr(row_rules, "_second_cpu", lambda: True)
    return path, opts, plain


def test_a_table_checked_on_two_cpus_gives_the_same_result(tmp_path: Path, monkeypatch: Any) -> None:
    # second_cpu.py: blocks of rows taken by this process from the front and by a forked child
    # from the back until they meet, wherever that is (blocks of 1 to 50 rows: many meetings).
    path, opts, plain = _two_cpus_forced(tmp_path, monkeypatch)
    codes = [f.code for f in plain.findings]
    assert codes.count("measure-pledge-only") >= 30
    assert {"required-missing", "deadline-too-late", "overdue"} <= set(codes)
    for block in (1, 7, 50, 1024):
        monkeypatch.setattr(row_rules, "BLOCK", block)
        forked = check_file(path, opts)
        assert forked.findings == plain.findings
        assert [t.items for t in forked.tables] == [t.items for t in plain.tables]


def test_two_processes_take_every_item_once() -> None:
    # second_cpu.Meeting: the front's blocks and the back's blocks together are the range,
    # each item once, the front's all before the back's.
    meeting = second_cpu.Meeting(3, 40)
    try:
        taken: list[tuple[str, tuple[int, int]]] = []
        for i in range(100):
            side = "front" if i % 3 else "back"
            block = meeting.front(4) if side == "front" else meeting.back(5)
            if block is not None:
                taken.append((side, block))
        assert meeting.left() == 0 and meeting.front(4) is None and meeting.back(5) is None
        items = sorted(i for _, (a, b) in taken for i in range(a, b))
        assert items == list(range(3, 40))
        fronts = [b for side, (_, b) in taken if side == "front"]
        backs = [a for side, (a, _) in taken if side == "back"]
        assert max(fronts) == min(backs)
    finally:
        meeting.close()


def test_a_failed_child_only_makes_it_slower(tmp_path: Path, monkeypatch: Any) -> None:
    # A child that dies, or none at all: this process checks the second half too.
    path, opts, plain = _two_cpus_forced(tmp_path, monkeypatch)

    def crash(*args: object) -> None:
        raise RuntimeError

    monkeypatch.setattr(row_rules, "_checked", crash)  # raises in the child: it exits 1
    assert check_file(path, opts).findings == plain.findings

    def takes_then_dies(table: object, ctx: object, meeting: second_cpu.Meeting, fields: object) -> None:
        meeting.back(30)  # rows taken from the back, never checked
        raise RuntimeError

    monkeypatch.setattr(row_rules, "BLOCK", 7)
    monkeypatch.setattr(row_rules, "_checked", takes_then_dies)
    assert check_file(path, opts).findings == plain.findings


def test_no_meeting_point_or_no_lock_only_makes_it_slower(tmp_path: Path, monkeypatch: Any) -> None:
    # second_cpu.Meeting needs a temporary file and shared memory: without them one process
    # checks every row; a lock refused (ENOLCK) stops a side, and this process checks the rest.
    path, opts, plain = _two_cpus_forced(tmp_path, monkeypatch)
    monkeypatch.setattr(row_rules, "BLOCK", 7)
    real = second_cpu.Meeting

    def no_lock(first: int, end: int) -> second_cpu.Meeting:
        meeting = real(first, end)
        calls = iter(range(1000))

        def lockf(fd: int, cmd: int) -> None:
            if cmd == fcntl.LOCK_EX and next(calls) == 5:
                raise OSError(37, "No locks available")
            real_lockf(fd, cmd)

        monkeypatch.setattr(fcntl, "lockf", lockf)
        return meeting

    real_lockf = fcntl.lockf
    monkeypatch.setattr(second_cpu, "Meeting", no_lock)
    assert check_file(path, opts).findings == plain.findings

    def no_file(first: int, end: int) -> second_cpu.Meeting:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fcntl, "lockf", real_lockf)
    monkeypatch.setattr(second_cpu, "Meeting", no_file)
    assert check_file(path, opts).findings == plain.findings
    monkeypatch.setattr(second_cpu, "start", lambda compute: None)  # fork refused
    assert check_file(path, opts).findings == plain.findings


def test_measures_classified_ahead_give_the_findings_of_the_row_model(tmp_path: Path) -> None:
    # rows._classified: a chunk's measures classified before pydantic validates its rows; the row
    # model, validating one row on its own (no verdicts ahead), reports the same.
    from zhenggai.checking.rows import RowContext, _validate, row_model
    from zhenggai.forms.tables import find_tables
    from zhenggai.intake.reader import read_book

    path = _table(tmp_path)
    book = read_book(path, "x.xlsx")
    table = next(t for g in book.grids for t in find_tables(g, (APPENDIX1, appendix2())))
    ahead = RowContext(table, "x.xlsx", date(2022, 12, 31), date(2022, 9, 1))
    models = list(_validate(table, ahead, 0, len(table.records)))
    assert ahead.verdicts and any(f.code == "measure-pledge-only" for f in ahead.findings)
    alone = RowContext(table, "x.xlsx", date(2022, 12, 31), date(2022, 9, 1))
    keys = (*table.spec.keys, "row", "is_total", "formulas")
    for rec, m in zip(table.records, models, strict=True):
        data = dict(zip(keys, [*rec.values, rec.row, rec.total, False], strict=True))
        assert row_model(table.spec).model_validate(data, context=alone) == m
    assert not alone.verdicts
    assert alone.findings == ahead.findings


def test_every_set_phrase_holds_a_mark_the_short_cut_looks_for() -> None:
    # measure_text.without_set_phrases skips the sub when none of 一两四八 occurs in the text.
    phrases = measure_text.SET_PHRASES.pattern.split("|")
    assert len(phrases) > 20
    for phrase in phrases:
        assert any(c in phrase for c in "一两四八"), phrase
        assert measure_text.without_set_phrases(f"新建{phrase}站点") == "新建站点"


@given(st.text(alphabet="一两四八进步统第些三会课五位体个站点新建 0123", max_size=30))
def test_set_phrases_dropped_as_the_plain_sub_drops_them(text: str) -> None:
    assert measure_text.without_set_phrases(text) == measure_text.SET_PHRASES.sub("", text)


# --- issue 22: the patterns written for speed find what issue 19's find -----------------------

UNIT_TEXT = "".join(_QUANTITY["units"])
figure_text = st.text(alphabet="0123456789١٢.〇零一二两三四五六七八九十百千万多余" + UNIT_TEXT + "方里程 ,前会",
                      max_size=24)


@settings(max_examples=3000)
@given(figure_text)
def test_quantity_pattern_finds_what_the_plain_one_finds(text: str) -> None:
    # _quantity_pattern: one leading class and the single-character units as a class.
    new = measures._rules().quantity
    assert [m.span() for m in new.finditer(text)] == [m.span() for m in OLD_QUANTITY.finditer(text)]
    for pos in range(len(text)):
        a, b = new.search(text, pos), OLD_QUANTITY.search(text, pos)
        assert (a and a.span()) == (b and b.span())


marker_text = st.text(alphabet="0123456789١.、)( \n。;,:!?a一个①⑳⓫⓿❶➓", max_size=20)


@settings(max_examples=3000)
@given(marker_text)
def test_markers_dropped_backwards_as_forwards(text: str) -> None:
    # drop_markers reads the text backwards (and only circled numbers without ".、)").
    assert measure_text.drop_markers(text) == OLD_MARKER.sub(" ", text)


@settings(max_examples=1000)
@given(texts)
def test_the_shorter_blocker_patterns_find_a_word_where_the_full_ones_do(text: str) -> None:
    # _any_of leaves out the words that hold another word of their kinds: found or not, the same.
    s = measure_text.drop_markers(nfkc(text))
    assert (measures._blockers().search(s) is None) == (OLD_BLOCKERS.search(s) is None)
    figure = _old_blockers(("intent", "negation", "deadline"))
    assert (measures._figure_blockers().search(s) is None) == (figure.search(s) is None)
    assert measures.may_not_report(s) == (OLD_BLOCKERS.search(s) is not None)


@settings(max_examples=2000)
@given(texts)
def test_a_clause_that_counts_is_found_from_the_whole_text(text: str) -> None:
    # _a_clause_counts: the quantities of the whole text, each in its clause, as _counts reads a clause.
    r = measures._rules()
    s = measure_text.drop_markers(nfkc(text))
    clean = measure_text.without_set_phrases(s)
    q = r.quantity.search(clean)
    pieces = [p for p in measure_text.CLAUSE_SPLIT.split(s) if p]
    want = any(measures._counts(p, r) for p in pieces)
    assert (q is not None and measures._a_clause_counts(s, clean, q, r)) == want


def test_a_meeting_word_does_not_keep_a_quantity_of_results_from_counting() -> None:
    # _figure_blockers: "安排" (a meeting word) is no blocker of "15万元", but of "3次".
    measures.classify.cache_clear()
    for text in ("县财政安排站点运营经费15万元，委托物流公司运营", " 安排部署培训3期，培训学员20人次"):
        assert classify(text) == reference(text)
        assert classify(text).kind is Kind.ACTION
    assert classify("安排部署培训3期") == reference("安排部署培训3期")
    assert classify("安排部署培训3期").kind is Kind.MEETING


def test_no_blocker_holds_a_list_marker_character() -> None:
    # classify looks for blockers before dropping list markers: no blocker may overlap a marker
    # or span the space that replaces one.
    marker_chars = re.compile(r"[\d.、()\s\u2460-\u24ff\u2776-\u2793]")
    words = [w for w, k in measures._rules().kinds.items() if k in ("intent", "negation", "deadline", "meeting")]
    assert len(words) > 40
    assert not [w for w in words if marker_chars.search(w)]


quantity_piece = st.one_of(
    st.sampled_from(["1.", "2、", "3)", "(4)", "12.", "⓫", "①", "\n", " ", ",", "。", "、", ".", "进一步", "第一",
                     "站点"]),
    st.builds(lambda f, x, u: f + x + u, st.sampled_from(["1", "1.5", "12.5", "3", "一", "十二", ""]),
              st.sampled_from(["", "多", ".5", "5"]), st.sampled_from(["个", "万元", "人次", "人", "次", "元"])),
)


@settings(max_examples=3000)
@given(st.lists(quantity_piece, max_size=10).map("".join))
def test_the_first_quantity_without_a_point_is_the_same_once_markers_are_dropped(text: str) -> None:
    # classify's first short cut: a first quantity without "." is the one found after the list
    # markers are dropped ("1.5个" is not: it is " 5个" then).
    s = nfkc(text)
    q0 = measures._rules().quantity.search(measure_text.without_set_phrases(s))
    q1 = OLD_QUANTITY.search(measure_text.SET_PHRASES.sub("", OLD_MARKER.sub(" ", s)))
    if q0 is not None and "." not in q0.group():
        assert q1 is not None and q1.group() == q0.group()
    measures.classify.cache_clear()
    got, want = classify(text), reference(text)
    assert (got.kind, got.words) == (want.kind, want.words)


def test_a_decimal_after_a_list_marker() -> None:
    measures.classify.cache_clear()
    assert classify("1.5个站点整改完毕") == reference("1.5个站点整改完毕") == Verdict(Kind.ACTION, ("5个",))
    assert classify("新建1.5个站点") == Verdict(Kind.ACTION, ("1.5个",))


def _benchmark_measures(rows: int) -> list[str]:
    """The measures of the benchmark's big 附件1 (benchmarks/generate.py's write_big, seed 1)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("zhenggai_measures_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    items = module.make_items(random.Random("1:big"), rows, "县", categories=False, errors=False, figures={})
    return [it.measure for it in items]


def test_the_benchmark_measures_get_the_verdicts_of_the_plain_reading() -> None:
    # Every verdict, words included (an action's read when asked, as a report would ask).
    texts = list(dict.fromkeys(_benchmark_measures(100_000)))
    assert len(texts) > 90_000
    fresh = classify.__wrapped__  # type: ignore[attr-defined]
    kinds = set()
    for text in texts:
        got, want = fresh(text), reference(text)
        assert (got.kind, got.words) == (want.kind, want.words), text
        kinds.add(got.kind)
    assert {Kind.ACTION, Kind.PLEDGE} <= kinds


# --- the classifier's cheaper steps (cls30): each against its plain form ---------------------------


def test_the_figure_lead_holds_every_digit_and_numeral() -> None:
    # _quantity_pattern begins with measures._FIGURE_LEAD instead of [\d numerals]: it must hold
    # every character \d matches (any script: "١٢" is a figure to re), or a figure goes unseen.
    every = "".join(map(chr, range(0x110000)))
    digits = set(re.findall(r"\d", every))
    lead = re.compile(measures._FIGURE_LEAD)
    assert len(digits) > 500
    assert not {c for c in digits if not lead.fullmatch(c)}
    assert all(lead.fullmatch(c) for c in measures._NUMERALS)
    assert not lead.search(nfkc("对站点资金项目，。；、（）《》"))  # what it is for: CJK text is skipped


def test_verdicts_shared_by_quantity_are_the_plain_ones(monkeypatch: Any) -> None:
    # classify's first quantity verdicts come from measures._COUNTED, shared by every measure with
    # that quantity and cleared when full: the same kind and words as the plain reading.
    monkeypatch.setattr(measures, "_COUNTED_MAX", 3)
    measures._COUNTED.clear()
    texts = [f"新建站点{n}{unit}" for n in (1, 2, 3, 12) for unit in ("个", "家", "万元")] * 2
    fresh = classify.__wrapped__  # type: ignore[attr-defined]
    for text in texts:
        got, want = fresh(text), reference(text)
        assert (got.kind, got.words) == (want.kind, want.words) and got == want
        assert len(measures._COUNTED) <= 3
    assert fresh("新建站点4个") is fresh("补充人员4个")  # one verdict for the one quantity


marked_piece = st.one_of(
    st.sampled_from(["1.", "2、", "3)", "(4)", "12.", "①", "⓫", "\n", " ", ",", "。", ";", "、", ".", "(", ")",
                     "将", "年底前", "召开会议", "尚未", "安排", "未", "已", "追回", "站点", "资金", "开展", "专项",
                     "培训", "企业", "服务中心", "整改到位", "第一", "一些"]),
    st.builds(lambda f, x, u: f + x + u, st.sampled_from(["1", "1.5", "12.5", "3", "35", "一", "十二"]),
              st.sampled_from(["", "多", ".5", "5"]), st.sampled_from(["个", "万元", "人次", "次", "家", "期"])),
)


@settings(max_examples=3000)
@given(st.lists(marked_piece, min_size=1, max_size=14).map("".join))
def test_a_clause_that_counts_is_found_before_markers_are_dropped(text: str) -> None:
    # classify's blocked measures: _a_clause_counts(marked=True) on the text with its list markers,
    # True only where the text with them dropped has a clause that counts.
    r = measures._rules()
    s = nfkc(text)
    q = r.quantity.search(s)
    if q is not None and measure_text.without_set_phrases(s) is s and measures._a_clause_counts(s, s, q, r, True):
        dropped = measure_text.drop_markers(s)
        q1 = r.quantity.search(measure_text.without_set_phrases(dropped))
        assert q1 is not None
        assert measures._a_clause_counts(dropped, measure_text.without_set_phrases(dropped), q1, r)
    measures.classify.cache_clear()
    got, want = classify(text), reference(text)
    assert (got.kind, got.words) == (want.kind, want.words)


def test_an_action_found_before_markers_are_dropped_reads_its_words_without_them() -> None:
    # Its words are read when asked, from the text with its markers dropped, as the plain reading does.
    text = "1.确保年底前完成;\n2.新建站点3个,追回资金5万元"
    measures.classify.cache_clear()
    got = classify(text)
    assert got.kind is Kind.ACTION and got == reference(text)
    assert got.words == reference(text).words


@settings(max_examples=3000)
@given(st.lists(quantity_piece, max_size=10).map("".join))
def test_a_first_quantity_with_a_point_and_no_marker_is_the_same_once_markers_are_dropped(text: str) -> None:
    # classify's first short cut also takes a decimal ("21.6万元") where no marker begins it
    # (measure_text.no_marker_at): the first quantity found once the markers are dropped.
    s = nfkc(text)
    q0 = measures._rules().quantity.search(s)
    plain = measure_text.without_set_phrases(s) is s
    if q0 is not None and "." in q0.group() and plain and measure_text.no_marker_at(s, q0.start(), q0.group()):
        q1 = OLD_QUANTITY.search(OLD_MARKER.sub(" ", s))
        assert q1 is not None and q1.group() == q0.group()
    no_marker_at = measure_text.no_marker_at
    assert no_marker_at("资金21.6万元", 2, "21.6万元") and no_marker_at("125.5个", 0, "125.5个")
    assert not no_marker_at("12.5个", 0, "12.5个") and not no_marker_at("。1.5个", 1, "1.5个")
