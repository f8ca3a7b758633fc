"""The 督办 rules: which counties a province reminds, 通报, 约谈 or 督办, read from TOML.

The packaged default (``data/supervision_rules.toml``) documents every key; a province's
own file (``--rules``) only writes what it changes, the rest comes from the default. An
unknown key or a bad value is a ``RulesError`` with one Chinese sentence naming it: a
mistyped threshold must never silently fall back to the default.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from zhenggai.core.errors import FatalError, toml_place

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LEVELS = ("提醒", "通报", "约谈", "督办")
"""Suggested measures, lightest first (the notice: 通报批评, 约谈, 下达督办函)."""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a rule is: its key, its Chinese name, and which threshold it takes."""

    key: str
    label: str
    threshold: str | None  # "at_least" (a count), "below" (a rate) or None


SPECS: tuple[RuleSpec, ...] = (
    RuleSpec("not_submitted", "未报送", None),
    RuleSpec("low_rate", "完成率低", "below"),
    RuleSpec("overdue", "逾期未完成", "at_least"),
    RuleSpec("deadline_late", "完成时限晚于整改期限", "at_least"),
    RuleSpec("pledge_only", "措施只有表态", "at_least"),
    RuleSpec("copied_measures", "措施照抄", "at_least"),
    RuleSpec("reopened", "已完成又改为未完成", "at_least"),
    RuleSpec("deleted", "删除上一轮的问题", "at_least"),
    RuleSpec("no_progress", "与上一轮相比没有进展", "at_least"),
    RuleSpec("missing_appendix", "缺附件", None),
    RuleSpec("uncorrected_errors", "错误未改正", "at_least"),
)
SPEC_BY_KEY = {s.key: s for s in SPECS}
TOP_KEYS = {"escalate_at": "触发规则数达到此数时建议措施加重一级（0 表示不加重）"}


class RulesError(FatalError):
    """A rules file that cannot be used (usage error, exit 2)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule as configured."""

    key: str
    label: str
    enabled: bool
    level: str
    threshold: float | None  # at_least (int) or below (0..1); None for rules without one

    def describe(self) -> str:
        """"逾期未完成（≥ 1 项）" / "完成率低（低于 60%）": how the rule reads in the report."""
        spec = SPEC_BY_KEY[self.key]
        if spec.threshold == "below" and self.threshold is not None:
            return f"{self.label}（低于 {self.threshold * 100:g}%）"
        if spec.threshold == "at_least" and self.threshold is not None and self.threshold > 1:
            return f"{self.label}（≥ {self.threshold:g} 项）"
        return self.label


@dataclass(frozen=True, slots=True)
class Rules:
    """Every rule, in the order of ``SPECS``, and the escalation count."""

    rules: tuple[Rule, ...]
    escalate_at: int

    def get(self, key: str) -> Rule:
        """The rule with this key."""
        return next(r for r in self.rules if r.key == key)


def _read(path: Path | None) -> tuple[dict[str, object], str]:
    name = "内置督办规则" if path is None else f"督办规则文件 {path}"
    try:
        if path is None:
            text = resources.files("zhenggai").joinpath("data/supervision_rules.toml").read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8-sig")
        return tomllib.loads(text), name
    except FileNotFoundError:
        raise RulesError(f"找不到督办规则文件：{path}") from None
    except (OSError, UnicodeDecodeError):
        raise RulesError(f"无法读取{name}（请用 UTF-8 编码保存）") from None
    except tomllib.TOMLDecodeError as exc:
        # Never the parser's English ("Cannot declare ('low_rate',) twice"): where, and how it should look.
        where = toml_place(exc)
        raise RulesError(f"{name}的写法不对{f'（{where}）' if where else ''}：每条规则写成一行 [规则名]，"
                         "下面每行 键 = 值（如 level = \"通报\"），同一条规则不能写两次") from None


def _known() -> str:
    return "、".join([*TOP_KEYS, *(f"[{s.key}]（{s.label}）" for s in SPECS)])


def _rule(name: str, key: str, table: object, base: Rule | None) -> Rule:
    spec = SPEC_BY_KEY[key]
    if not isinstance(table, dict):
        raise RulesError(f"{name}中 {key} 应是一个表（写成 [{key}] 后跟各项）")
    allowed = {"enabled", "level", *([spec.threshold] if spec.threshold else [])}
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise RulesError(f"{name}中 [{key}]（{spec.label}）有不认识的项：{'、'.join(unknown)}；"
                         f"可写的项：{'、'.join(sorted(allowed))}")
    enabled = table.get("enabled", base.enabled if base else None)
    level = table.get("level", base.level if base else None)
    threshold = table.get(spec.threshold, base.threshold if base else None) if spec.threshold else None
    if not isinstance(enabled, bool):
        raise RulesError(f"{name}中 [{key}] 的 enabled 应写 true 或 false，现为 {enabled!r}")
    if level not in LEVELS:
        raise RulesError(f"{name}中 [{key}] 的 level 应是 {'、'.join(LEVELS)} 之一，现为 {level!r}")
    if spec.threshold == "at_least" and (isinstance(threshold, bool) or not isinstance(threshold, int)
                                         or threshold < 1):
        raise RulesError(f"{name}中 [{key}] 的 at_least 应是不小于 1 的整数，现为 {threshold!r}")
    if spec.threshold == "below" and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                      or not 0 < threshold <= 1):
        raise RulesError(f"{name}中 [{key}] 的 below 应是 0 到 1 之间的小数（0.6 即 60%），现为 {threshold!r}")
    # at_least stays an int (so that a default read back passes its own check); below a float.
    value = None if threshold is None else threshold if spec.threshold == "at_least" else float(threshold)
    return Rule(key, spec.label, enabled, str(level), value)


def _parse(data: dict[str, object], name: str, base: Rules | None) -> Rules:
    unknown = sorted(k for k in data if k not in TOP_KEYS and k not in SPEC_BY_KEY)
    if unknown:
        raise RulesError(f"{name}中有不认识的设置：{'、'.join(unknown)}；可用的设置：{_known()}")
    rules: list[Rule] = []
    for spec in SPECS:
        old = base.get(spec.key) if base else None
        if spec.key in data:
            rules.append(_rule(name, spec.key, data[spec.key], old))
        elif old is not None:
            rules.append(old)
        else:
            raise RulesError(f"{name}缺少规则 [{spec.key}]（{spec.label}）")
    escalate = data.get("escalate_at", base.escalate_at if base else None)
    if isinstance(escalate, bool) or not isinstance(escalate, int) or escalate < 0:
        raise RulesError(f"{name}中 escalate_at 应是不小于 0 的整数（0 表示不加重），现为 {escalate!r}")
    return Rules(tuple(rules), escalate)


def load_rules(path: Path | None = None) -> Rules:
    """The packaged rules, with ``path``'s settings over them (RulesError when unusable)."""
    default = _parse(*_read(None), None)
    if path is None:
        return default
    return _parse(*_read(path), default)
