"""Build the packaged 情况报告 template (src/zhenggai/data/report_template.docx) with python-docx.

    PYTHONPATH=src .venv/bin/python scripts/build_report_template.py

The layout follows GB/T 9704-2012 (党政机关公文格式) as far as python-docx reaches:
A4; margins giving the 156 mm × 225 mm text area (top 37 mm, left 28 mm); 22 lines a
page (a w:docGrid line grid set in the XML, python-docx has no API for it, and exact
28.95 pt lines) of 28 characters (三号 condensed by 0.2 pt; see ``grid``);
title 方正小标宋简体 二号 (22 pt), body 仿宋_GB2312 三号 (16 pt),
first-level headings 黑体, second-level 楷体_GB2312; page numbers "— 1 —" in 宋体 四号,
odd pages right, even pages left. Fonts a machine may lack name a fallback in the font
table (w:altName: 宋体, 仿宋, 楷体), which Word uses when the first is not installed;
the title is bold so that the 宋体 fallback still reads as a title.

The placeholders ({{ … }}, {%p … %}) are docxtpl's (Jinja2 in Word); README's
“情况报告模板” lists them. Rerun after changing this script and commit both.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

OUT = Path(__file__).resolve().parents[1] / "src" / "zhenggai" / "data" / "report_template.docx"
TITLE, BODY, H1, H2, NUMBER = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
FALLBACK = {TITLE: "宋体", BODY: "仿宋", H2: "楷体"}
LINE = Pt(28.95)  # 225 mm / 22 lines
SIZE_2, SIZE_3, SIZE_4 = Pt(22), Pt(16), Pt(14)


def font(run_or_style: object, name: str, size: Pt, *, bold: bool = False) -> None:
    f = run_or_style.font  # type: ignore[attr-defined]
    f.name, f.size, f.bold = name, size, bold
    rpr = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def style(doc: Document, name: str, face: str, size: Pt, *, bold: bool = False, align: int | None = None,
          indent: bool = False) -> None:
    st = doc.styles.add_style(name, 1)  # paragraph style
    st.base_style = doc.styles["Normal"]
    font(st, face, size, bold=bold)
    pf = st.paragraph_format
    pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    pf.space_before = pf.space_after = Pt(0)
    if align is not None:
        pf.alignment = align
    if indent:
        pf.first_line_indent = Pt(31.6)  # two characters of 三号 as condensed
    if size == SIZE_3:
        condense(st)


def grid(section: object) -> None:
    """22 lines a page: w:docGrid on the section (no python-docx API for it).

    The line grid only: a character grid (type linesAndChars) is drawn by LibreOffice
    with twice the pitch Word uses. The 28 characters a line come from the body styles
    instead: 三号 (16 pt) condensed by 0.2 pt is 15.8 pt, 28 of them fill 156 mm.
    """
    sect = section._sectPr  # type: ignore[attr-defined]
    for old in sect.findall(qn("w:docGrid")):
        sect.remove(old)
    g = OxmlElement("w:docGrid")
    g.set(qn("w:type"), "lines")
    g.set(qn("w:linePitch"), "579")  # 28.95 pt in twips: 225 mm / 22
    sect.append(g)


def condense(st: object) -> None:
    """Character spacing −0.2 pt (w:spacing in twentieths of a point): 28 characters a line."""
    rpr = st.element.get_or_add_rPr()  # type: ignore[attr-defined]
    sp = OxmlElement("w:spacing")
    sp.set(qn("w:val"), "-4")
    rpr.append(sp)


def page_number(paragraph: object, align: int) -> None:
    """"— 1 —": the PAGE field between em dashes, 宋体 四号."""
    p = paragraph
    p.alignment = align  # type: ignore[attr-defined]
    p.paragraph_format.right_indent = p.paragraph_format.left_indent = Pt(14)  # type: ignore[attr-defined]
    font(p.add_run("— "), NUMBER, SIZE_4)  # type: ignore[attr-defined]
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)  # type: ignore[attr-defined]
    font(p.add_run(" —"), NUMBER, SIZE_4)  # type: ignore[attr-defined]


def fallbacks(doc: Document) -> None:
    """w:altName for the fonts a machine may lack (Word substitutes the named font)."""
    from lxml import etree

    part = next(p for p in doc.part.package.iter_parts() if p.partname.endswith("fontTable.xml"))
    root = etree.fromstring(part.blob)
    for name, alt in FALLBACK.items():
        f = etree.SubElement(root, qn("w:font"))
        f.set(qn("w:name"), name)
        a = etree.SubElement(f, qn("w:altName"))
        a.set(qn("w:val"), alt)
        cs = etree.SubElement(f, qn("w:charset"))
        cs.set(qn("w:val"), "86")  # GB2312
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def build(out: Path) -> None:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    sec.footer_distance = Mm(28 - 7)  # the number sits about 7 mm below the text area
    grid(sec)
    font(doc.styles["Normal"], BODY, SIZE_3)
    style(doc, "公文标题", TITLE, SIZE_2, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    style(doc, "公文正文", BODY, SIZE_3, indent=True)
    style(doc, "公文顶格", BODY, SIZE_3)
    style(doc, "一级标题", H1, SIZE_3, indent=True)
    style(doc, "公文署名", BODY, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.styles["公文署名"].paragraph_format.right_indent = Pt(63.2)  # 成文日期右空四字
    # 署名 and 成文日期 stay together (and with what follows): never the date alone on a last page.
    doc.styles["公文署名"].paragraph_format.keep_with_next = True
    # 附件说明: "附件：" two characters in; a name that wraps lines up under the first
    # character of the names ("附件：1．" is 4.5 characters), as GB/T 9704 asks.
    style(doc, "公文附件", BODY, SIZE_3)
    doc.styles["公文附件"].paragraph_format.left_indent = Pt(15.8 * 6.5)
    doc.styles["公文附件"].paragraph_format.first_line_indent = Pt(-15.8 * 4.5)

    def para(text: str, st: str = "公文正文") -> object:
        return doc.add_paragraph(text, style=st)

    para("{{ title }}", "公文标题")
    para("", "公文顶格")
    para("{{ to }}", "公文顶格")
    para("{{ intro }}")
    para("{{ heading.overview }}", "一级标题")
    para("{{ overview }}")
    para("{{ heading.categories }}", "一级标题")
    para("{%p for c in categories %}")
    p = doc.add_paragraph(style="公文正文")
    font(p.add_run("{{ c.heading }}"), H2, SIZE_3)
    p.add_run("{{ c.body }}")
    para("{%p endfor %}")
    para("{%p if prefectures %}")
    para("{{ heading.prefectures }}", "一级标题")
    para("{%p for p in prefectures %}")
    para("{{ p.text }}")
    para("{%p endfor %}")
    para("{%p endif %}")
    para("{{ heading.results }}", "一级标题")
    para("{{ results_text }}")
    para("{{ heading.supervision }}", "一级标题")
    para("{%p for t in supervision %}")
    para("{{ t.text }}")
    para("{%p endfor %}")
    para("{%p if supervision_none %}")
    para("{{ supervision_none }}")
    para("{%p endif %}")
    para("{%p if not_evaluated %}")
    para("以下规则未评估（汇总表中没有所需的数据，不代表没有问题）：")
    para("{%p for n in not_evaluated %}")
    para("{{ n.text }}")
    para("{%p endfor %}")
    para("{%p endif %}")
    para("", "公文顶格")
    para("{%p for a in attachments %}")
    para("{% if loop.first %}附件：{% else %}\u3000\u3000\u3000{% endif %}{{ a }}", "公文附件")
    para("{%p endfor %}")
    para("", "公文顶格")
    para("", "公文顶格")
    para("{{ unit }}", "公文署名")
    para("{{ date }}", "公文署名")
    para("{%p if contact or phone %}")
    para("（联系人：{{ contact }}，联系电话：{{ phone }}）")
    para("{%p endif %}")
    doc.settings.odd_and_even_pages_header_footer = True
    page_number(sec.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    page_number(sec.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    doc.core_properties.title = "情况报告模板"
    doc.core_properties.author = ""
    doc.core_properties.comments = "zhenggai report 的默认模板（scripts/build_report_template.py 生成）"
    fallbacks(doc)
    doc.save(str(out))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    build(target)
    print(f"已生成 {target}")
