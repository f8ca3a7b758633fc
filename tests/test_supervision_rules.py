"""The 督办 rules file: the shipped default key by key, partial overrides, and clear usage errors."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from zhenggai import CountySummary, Report, Rollup, Status
from zhenggai.outputs.supervision_rules import LEVELS, SPECS, RulesError, load_rules

DEFAULT = resources.files("zhenggai").joinpath("data/supervision_rules.toml").read_text("utf-8")

# key → (enabled, level, threshold): the shipped default, one line per rule.
EXPECTED = {
    "not_submitted": (True, "通报", None),
    "low_rate": (True, "提醒", 0.6),
    "overdue": (True, "通报", 1),
    "deadline_late": (True, "通报", 1),
    "pledge_only": (True, "提醒", 1),
    "copied_measures": (True, "提醒", 1),
    "reopened": (True, "约谈", 1),
    "deleted": (True, "约谈", 1),
    "no_progress": (True, "通报", 1),
    "missing_appendix": (True, "提醒", None),
    "uncorrected_errors": (True, "提醒", 1),
}


def test_default_rules_key_by_key() -> None:
    rules = load_rules()
    assert [r.key for r in rules.rules] == list(EXPECTED) == [s.key for s in SPECS]
    for r in rules.rules:
        assert (r.enabled, r.level, r.threshold) == EXPECTED[r.key], r.key
    assert rules.escalate_at == 3


def test_every_key_of_the_default_is_documented_in_it() -> None:
    for spec in SPECS:
        # A comment line right above each table says what the rule is.
        assert re.search(rf"^# .+\n(?:# .+\n)*\[{spec.key}\]$", DEFAULT, flags=re.M), spec.key
    for key in ("enabled", "level", "at_least", "below", "escalate_at"):
        assert re.search(rf"^#\s+{key}\s", DEFAULT, flags=re.M) or f"{key} =" in DEFAULT, key
    for level in LEVELS:
        assert f'"{level}"' in DEFAULT


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "督办规则.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_province_file_changes_only_what_it_writes(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, "escalate_at = 0\n[low_rate]\nbelow = 0.8\n[overdue]\nat_least = 3\n"
                                        'level = "督办"\n[copied_measures]\nenabled = false\n'))
    assert rules.escalate_at == 0
    assert rules.get("low_rate").threshold == 0.8 and rules.get("low_rate").level == "提醒"
    assert (rules.get("overdue").threshold, rules.get("overdue").level) == (3, "督办")
    assert rules.get("copied_measures").enabled is False
    assert rules.get("deleted").level == "约谈"  # untouched: the default


@pytest.mark.parametrize(("text", "message"), [
    ("[overdu]\nat_least = 2\n", "不认识的设置：overdu"),
    ("[overdue]\nthreshold = 2\n", "[overdue]（逾期未完成）有不认识的项：threshold"),
    ("[not_submitted]\nat_least = 2\n", "不认识的项：at_least"),
    ('[overdue]\nlevel = "警告"\n', "level 应是 提醒、通报、约谈、督办 之一"),
    ("[overdue]\nat_least = 0\n", "at_least 应是不小于 1 的整数"),
    ("[overdue]\nat_least = 1.5\n", "at_least 应是不小于 1 的整数"),
    ("[low_rate]\nbelow = 60\n", "below 应是 0 到 1 之间的小数"),
    ('[low_rate]\nenabled = "是"\n', "enabled 应写 true 或 false"),
    ("escalate_at = -1\n", "escalate_at 应是不小于 0 的整数"),
    ("overdue = 3\n", "overdue 应是一个表"),
    ("[overdue\n", "写法不对（第 1 行第 9 列附近）"),
    ("[low_rate]\nbelow = 0.5\n[low_rate]\nbelow = 0.6\n", "同一条规则不能写两次"),
])
def test_bad_rules_are_a_clear_usage_error(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RulesError) as exc:
        load_rules(path)
    assert message in str(exc.value)
    assert "督办规则文件" in str(exc.value)
    # Never the TOML parser's English ("Cannot declare ('low_rate',) twice", "at line 1"); the
    # file's own path is left out of the look (a temporary folder may be named anything).
    said = str(exc.value).replace(str(path), "")
    assert not re.search(r"\b(?:line|column|Cannot|Expected|declare)\b", said)


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="找不到督办规则文件"):
        load_rules(tmp_path / "没有.toml")


def test_rules_change_the_list(tmp_path: Path) -> None:
    """A threshold from the file is applied: at_least 2 drops a county with one overdue item."""
    from datetime import date

    from zhenggai.core.schema import default_appendix2
    from zhenggai.outputs.supervision import evaluate
    from zhenggai.rollup.model import RollupItem

    item = RollupItem("襄阳市", "谷城县", [1, "问题", "措施已完成", "否", date(2022, 8, 1), "张", "局"], None,
                      "谷城县.xlsx", 5, "", 0)
    county = CountySummary("谷城县", "襄阳市", Status.SUBMITTED, total=1, coverage=(1, 1))
    rollup = Rollup("襄阳市", date(2022, 9, 1), default_appendix2(), [county], [item], [], Report(()))
    default = evaluate(rollup, load_rules())
    assert [(t.county, [h.rule.key for h in t.hits]) for t in default.targets] == [
        ("谷城县", ["low_rate", "overdue"])]
    stricter = evaluate(rollup, load_rules(_write(tmp_path, "[overdue]\nat_least = 2\n[low_rate]\nenabled = false\n")))
    assert stricter.targets == ()
    assert [r.key for r in stricter.disabled] == ["low_rate"]
