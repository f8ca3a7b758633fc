"""情况报告.docx: a factual draft in 公文 format, rendered from a Word template (docxtpl).

Every figure in the context comes from the rollup read back (the overview's counts and
feedback-list coverage, the 整改清单汇总 rows by 问题类别, the 成果统计汇总 totals) or
from the 督办清单 built from it; the wording states them and nothing else, for the clerk
to edit. A bureau can put its own 红头, wording and layout into a copy of the template
(Jinja2 placeholders such as ``{{ overview }}``, see the README) and pass it with
``--template``; an unknown placeholder or a broken tag is a ``TemplateError`` naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from zhenggai.core.errors import FatalError
from zhenggai.core.parse import exact_sum
from zhenggai.outputs.supervision import Supervision, missing_prefectures
from zhenggai.rollup.categories import category_stats
from zhenggai.rollup.layout import Status
from zhenggai.rollup.model import CountySummary, Rollup, Signoff

NUMERALS = "一二三四五六七八九十"
_FIXED_A2 = frozenset({"county", "total", "done", "open", "note"})
_UNIT = re.compile(r"^(.*?)[（(]([^（）()]*)[)）]$")


class TemplateError(FatalError):
    """A report template that cannot be used: the message names the placeholder."""


def day_text(d: date) -> str:
    """2022年7月15日 (公文 dates: no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"


def _rate(done: int, total: int) -> str:
    return f"{done / total * 100:.1f}%" if total else "—"


def _number(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True, slots=True)
class Figures:
    """One group of counties in numbers (the whole rollup, or one 市州)."""

    expected: int
    reported: int
    missing: list[str]
    problems: int
    done: int
    overdue: int
    official: bool  # problems counted from the feedback list (coverage), not the counties' rows
    own: tuple[str, ...] = ()  # counted by the rows they wrote while others are counted by the list
    lacking: tuple[str, ...] = ()  # in no count: no figures and no list to give theirs
    # The other 报送状态 (缺附件2, 文件无法读取, 版本待确认 …) with their counties, in the
    # overview's order: 已报送 is what 附件3 calls 已报送, so the two papers agree.
    other: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def statuses(self) -> str:
        """"，已报送2个，缺附件2的1个（老河口市），未报送1个（南漳县）"."""
        parts = [f"已报送{self.reported}个"] + [f"{label}的{len(names)}个（{'、'.join(names)}）"
                                              for label, names in self.other]
        if self.missing:
            parts.append(f"未报送{len(self.missing)}个（{'、'.join(self.missing)}）")
        return "，" + "，".join(parts)

    @property
    def rate(self) -> str:
        """"60.0%"."""
        return _rate(self.done, self.problems)

    @property
    def basis(self) -> str:
        """What the counts cover, said whenever it is not every county by the list: a rate
        over a subset, or over two kinds of count, passed off as the whole misleads."""
        notes = ([f"其中{'、'.join(self.own)}按本县整改清单所列问题计"] if self.own else []) + (
            [f"不含{'、'.join(self.lacking)}，其没有可汇总的数据"] if self.lacking else [])
        return f"（{'；'.join(notes)}）" if notes else ""


def figures(counties: list[CountySummary], overdue: dict[int, int]) -> Figures:
    """Counts of ``counties``; problems from the feedback list when the rollup carries it."""
    official = bool(counties) and all(s.coverage is not None for s in counties)
    problems = sum(s.coverage[1] if s.coverage else s.total for s in counties)
    missing = [s.county for s in counties if s.status is Status.MISSING]
    listed = any(s.coverage is not None for s in counties)
    own = tuple(s.county for s in counties if listed and s.coverage is None and s.counted)
    lacking = tuple(s.county for s in counties if not s.counted)
    other: dict[Status, list[str]] = {}
    for s in counties:
        if s.status not in (Status.SUBMITTED, Status.MISSING):
            other.setdefault(s.status, []).append(s.county)
    reported = sum(1 for s in counties if s.status is Status.SUBMITTED)
    return Figures(len(counties), reported, missing, problems, sum(s.done for s in counties),
                   sum(overdue.get(id(s), 0) for s in counties), official, own, lacking,
                   tuple((st.label, tuple(names)) for st, names in other.items()))


def _overview_text(place: str, f: Figures, days: tuple[date, date]) -> str:
    """``days``: (the rollup's 统计截至, the day 逾期 is counted on: --as-of, by default the same)."""
    basis = ("反馈问题清单所列问题" if f.official else "问题" if f.own else "各县（市、区）整改清单所列问题")
    # The counts are the rollup's, as of its own day; only 逾期 follows a later --as-of.
    late = f"（按{day_text(days[1])}计）" if days[1] != days[0] else ""
    text = f"截至{day_text(days[0])}，{place}应报送整改情况的示范县（市、区）{f.expected}个{f.statuses}。"
    return text + (f"{basis}{f.problems}个{f.basis}，已完成整改{f.done}个，未完成{f.problems - f.done}个，"
                   f"完成率{f.rate}；逾期未完成{late}{f.overdue}个。")


def _results(rollup: Rollup) -> tuple[list[dict[str, str]], str]:
    """附件2 totals per indicator, as in 成果统计汇总's 合计 row (unreadable cells left out, said so)."""
    out: list[dict[str, str]] = []
    # A row kept only for its place (a county without a usable 附件2) holds no figures.
    stats = [s for s in rollup.stats if s.status is None]
    # Figures of a county whose 附件2 version is in doubt, as the rollup's findings name them
    # (red in the rollup, where the read-back sees no colour): counted, provisional, said.
    provisional = {(f.file, f.field) for f in rollup.report.findings() if f.code == "version-figure-uncertain"}
    for c in rollup.a2.columns:
        if not c.is_number or c.key in _FIXED_A2:
            continue
        good = [s.values.get(c.key) for s in stats if c.key not in s.unreadable]
        value = exact_sum(float(v) for v in good if isinstance(v, (int, float)))
        # A county that stated no figure (a blank, a column its form lacks) and one whose
        # figure is wrong are both left out of the total; the paper says which is which.
        unstated = [s.county for s in stats if c.key in s.unreadable and s.values.get(c.key, "") == ""]
        bad = [s.county for s in stats if c.key in s.unreadable and s.county not in unstated]
        # A counted figure the rollup marks (yellow: outside its plausible range, or a warning
        # on its cell) is in the total: the paper says so, as the rollup's 合计 cell does.
        unsure = [s.county for s in stats if c.key not in s.unreadable and (s.source_file, c.header) in provisional]
        doubtful = [s.county for s in stats if c.key not in s.unreadable and c.key in s.marks
                    and s.county not in unsure]
        m = _UNIT.match(c.header)
        name, unit = (m.group(1), m.group(2)) if m else (c.header, "")
        notes = ([f"不含{'、'.join(unstated)}，其未填报此项"] if unstated else []) + (
            [f"不含{'、'.join(bad)}，其数据有误或无法识别"] if bad else []) + (
            [f"含{'、'.join(unsure)}报送了几个版本、待确认的数"] if unsure else []) + (
            [f"含{'、'.join(doubtful)}待核实的数"] if doubtful else [])
        note = f"（{'；'.join(notes)}）" if notes else ""
        out.append({"name": name, "value": _number(value), "unit": unit, "text": f"{name}{_number(value)}{unit}{note}"})
    if not stats:
        return out, "成果统计汇总中没有数据。"
    counted = "、".join(dict.fromkeys(s.county for s in stats))
    return out, f"据{counted}报送的成果统计表合计：" + "；".join(r["text"] for r in out) + "。"


def report_context(rollup: Rollup, sv: Supervision, *, as_of: date, signoff: Signoff,
                   attachments: list[str]) -> dict[str, Any]:
    """Every placeholder of the report template, filled from the rollup and its 督办清单."""
    from zhenggai.rollup.categories import is_overdue

    place = sv.place
    overdue: dict[int, int] = {}
    for s in rollup.counties:
        overdue[id(s)] = sum(1 for it in rollup.items if it.county == s.county and it.prefecture == s.prefecture
                             and is_overdue(it, as_of))
    total = figures(rollup.counties, overdue)
    cats, _ = category_stats(rollup, as_of)
    categories: list[dict[str, Any]] = []
    for i, c in enumerate(cats):
        head = f"（{NUMERALS[i] if i < len(NUMERALS) else i + 1}）{c.category}。"
        body = (f"问题{c.total}个，已完成整改{c.done}个，未完成{c.total - c.done}个，完成率{_rate(c.done, c.total)}，"
                f"逾期未完成{c.overdue}个。")
        categories.append({"name": c.category, "total": c.total, "done": c.done, "open": c.total - c.done,
                           "rate": _rate(c.done, c.total), "overdue": c.overdue, "heading": head, "body": body,
                           "text": head + body})
    prefectures: list[dict[str, Any]] = []
    if rollup.province:
        groups: dict[str, list[CountySummary]] = {}
        for s in rollup.counties:
            groups.setdefault(s.prefecture or "", []).append(s)
        for name, members in groups.items():
            f = figures(members, overdue)
            prefectures.append({"name": name, "expected": f.expected, "reported": f.reported, "problems": f.problems,
                                "done": f.done, "rate": f.rate, "overdue": f.overdue,
                                "text": f"{name}：应报送{f.expected}个县（市、区）{f.statuses}；"
                                        f"问题{f.problems}个{f.basis}，已完成整改{f.done}个，完成率{f.rate}，"
                                        f"逾期未完成{f.overdue}个。"})
    absent = list(missing_prefectures(rollup)) if rollup.province else []
    for name in absent:  # an expected 市州 whose rollup did not arrive: said, never left out
        prefectures.append({"name": name, "expected": "", "reported": "", "problems": "", "done": "", "rate": "",
                            "overdue": "", "text": f"{name}：未报送汇总表。"})
    results, results_text = _results(rollup)
    supervision = [{"name": t.name, "prefecture": t.prefecture or "", "level": t.level, "reasons": t.reasons,
                    "text": f"{t.name}（建议{t.level}）：{t.reasons}。"} for t in sv.targets]
    sections = [("overview", "总体情况"), ("categories", "分类整改情况"),
                *([("prefectures", "各市（州）情况")] if rollup.province else []),
                ("results", "整改成果"), ("supervision", "督办建议")]
    heading = {key: f"{NUMERALS[i]}、{name}" for i, (key, name) in enumerate(sections)}
    unit = signoff.unit or (f"{place}{'商务厅' if rollup.province else '商务局'}" if place else "")
    return {
        "place": place, "unit": unit, "date": day_text(as_of), "as_of": day_text(rollup.as_of),
        "title": f"{unit}关于电子商务进农村综合示范专项整改工作情况的报告",
        "to": "商务部：" if rollup.province else "省商务厅：",
        "intro": f"现将截至{day_text(rollup.as_of)}{place}电子商务进农村综合示范专项整改工作情况报告如下：",
        "heading": heading,
        "overview": _overview_text(place, total, (rollup.as_of, as_of))
        + (f"未报送汇总表的市（州）：{'、'.join(absent)}。" if absent else ""),
        "expected": total.expected, "reported": total.reported, "missing": total.missing,
        "problems": total.problems, "done": total.done, "open": total.problems - total.done,
        "rate": total.rate, "overdue": total.overdue,
        "categories": categories, "prefectures": prefectures, "results": results, "results_text": results_text,
        "supervision": supervision,
        "supervision_none": "" if supervision else "按督办规则，没有需要提醒、通报、约谈或督办的县（市、区）。",
        "not_evaluated": [{"rule": s.rule.label, "reason": s.reason, "text": f"{s.rule.label}：{s.reason}"}
                          for s in sv.not_evaluated],
        "attachments": [f"{i}．{a}" for i, a in enumerate(attachments, start=1)],
        "contact": signoff.contact or "", "phone": signoff.phone or "",
    }


def default_template() -> Path:
    """The packaged template (GB/T 9704 layout, built by scripts/build_report_template.py)."""
    return Path(str(resources.files("zhenggai").joinpath("data/report_template.docx")))


def render_report(context: dict[str, Any], output: Path, *, template: Path | None = None, force: bool) -> Path:
    """Render ``template`` (default: the packaged one) with ``context`` into ``output``, atomically."""
    from zhenggai.core.atomic import atomic_path

    doc = _render(context, template or default_template())
    # A paper that goes upward carries the official content only: its properties name the
    # report, not the template it was made from or the tool ("情况报告模板", "zhenggai …").
    props = doc.docx.core_properties
    props.title, props.comments, props.keywords = str(context.get("title", "")), "", ""
    with atomic_path(output, force=force) as tmp:
        doc.save(str(tmp))
    return output


def _render(context: dict[str, Any], template: Path) -> Any:
    import jinja2
    from docxtpl import DocxTemplate

    name = template.name
    if not template.is_file():
        raise TemplateError(f"找不到报告模板：{template}")
    try:
        doc = DocxTemplate(str(template))
        doc.init_docx()
    except Exception:  # noqa: BLE001 - any unreadable .docx is one Chinese sentence
        raise TemplateError(f"报告模板 {name} 不是有效的 Word 文档（.docx），请用 Word 或 WPS 另存为 .docx") from None
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    try:
        unknown = sorted(doc.get_undeclared_template_variables(env) - set(context))
    except jinja2.TemplateSyntaxError as exc:
        near = _near(doc)
        raise TemplateError(f"报告模板 {name} 中的占位符写法有误：{near + '（' if near else ''}{_jinja_cn(exc)}"
                            f"{'）' if near else ''}") from None
    if unknown:
        raise TemplateError(f"报告模板 {name} 中的占位符 {'、'.join('{{ ' + u + ' }}' for u in unknown)} 不认识；"
                            f"可用的占位符：{'、'.join(sorted(context))}（见 README 的“情况报告模板”）")
    try:
        doc.render(context, env, autoescape=True)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"报告模板 {name} 中的占位符有误：{_jinja_cn(exc)}") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"报告模板 {name} 无法填写：{_jinja_cn(exc)}") from None
    except (ArithmeticError, TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        # A bureau's own expression ({{ done / 0 }}, {{ rate + "%" }}): one Chinese sentence, no traceback.
        raise TemplateError(f"报告模板 {name} 中的运算无法完成（{_CALC.get(type(exc), '数与文字混用或格式不对')}），"
                            "请检查模板里 {{ }} 中的计算和格式") from None
    return doc


_CALC: dict[type, str] = {ZeroDivisionError: "除以零", TypeError: "数与文字不能一起运算", KeyError: "没有这一项",
                          IndexError: "没有这一项", AttributeError: "这一项没有这个属性"}


def _jinja_cn(exc: Exception) -> str:
    """Jinja's English reason, in Chinese for the common ones (a clerk edits the template)."""
    text = str(getattr(exc, "message", None) or exc)
    for pattern, chinese in (
        (r"No filter named '([^']+)'", "没有名为“{0}”的过滤器"),
        (r"No test named '([^']+)'", "没有名为“{0}”的判断"),
        (r"Unexpected end of template",
         "模板结束时还有没写完的 {{% for %}} 或 {{% if %}}（缺少 {{% endfor %}} 或 {{% endif %}}）"),
        (r"has no attribute '([^']+)'", "没有“{0}”这一项"),
        (r"'([^']+)' is undefined", "没有“{0}”这一项"),
        (r"unexpected '([^']+)'", "这里不应出现“{0}”"),
        (r"expected token '([^']+)'", "这里缺少“{0}”"),
    ):
        m = re.search(pattern, text)
        if m:
            return chinese.format(*m.groups())
    return "模板里引用了不存在的项，或占位符、标签写法不对"


def _near(doc: Any) -> str:
    """The first tag of the template that does not parse on its own, e.g. "{{ rate }" ("" if none)."""
    import jinja2

    text = "".join(doc.docx.element.body.itertext())
    for tag in re.findall(r"\{\{.*?(?:\}\}|$)|\{%.*?(?:%\}|$)", text, flags=re.M):
        if tag.startswith("{{"):
            try:
                jinja2.Environment().parse(tag)
            except jinja2.TemplateSyntaxError:
                return str(tag)
    lone = re.search(r"\{\{[^}]*$|\{\{[^}]*\}(?!\})", text, flags=re.M)
    return lone.group(0) if lone else ""
