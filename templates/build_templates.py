"""Build the bundled Word templates of the report packs (run: python templates/build_templates.py).

The templates are ordinary .docx files with docxtpl (jinja2) tags; users restyle them in
Word, in their workspace's templates/ folder. This script is how the bundled ones are made,
so that they can be regenerated after a change: it writes them next to itself.

Page setup and styles follow GB/T 9704-2012 (党政机关公文格式): A4; margins 37 mm top,
35 mm bottom, 28 mm left, 26 mm right; title 方正小标宋简体 二号 centred; body 仿宋_GB2312
三号; level-1 headings 黑体 (一、), level-2 headings 楷体_GB2312 (（一）); page numbers
"— 1 —" in 宋体 四号. Every font is set for East Asian text (w:eastAsia) as well as Latin.

Tags used (see docs/packs.md for every variable):
- ``{{ x }}`` text; ``{{r x }}`` rich text (highlighted 「（待填写）」 placeholders);
- ``{%p for … %}`` / ``{%p endfor %}`` repeat a paragraph, ``{%p if … %}`` keeps one;
- ``{%tr for … %}`` / ``{%tr endfor %}`` repeat a table row.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parent

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_TABLE = Pt(12)  # 小四, for table text
SIZE_TABLE_WIDE = Pt(10.5)  # 五号, for tables of seven columns (ids and dates fit on one line)
LINE = Pt(28.95)  # 22 lines on the 225 mm type area
INDENT = Pt(32)  # two characters of 三号


def set_fonts(rpr_parent, name: str) -> None:
    """Set the font of a style or run for Latin AND East Asian text (w:eastAsia)."""
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _style(doc, name: str, *, font: str, size, base: str | None = "Normal", bold: bool = False):
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base:
        style.base_style = styles[base]
    style.font.name = font
    style.font.size = size
    style.font.bold = bold
    set_fonts(style.element, font)
    style.quick_style = True
    return style


def new_document():
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(28)
    section.start_type = WD_SECTION.NEW_PAGE

    normal = _style(doc, "Normal", font=BODY_FONT, size=SIZE_3, base=None)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    # East Asian language for the default run properties, so Word picks the CJK fonts
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)

    title = _style(doc, "公文标题", font=TITLE_FONT, size=SIZE_2)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    title.paragraph_format.line_spacing = Pt(35)
    title.paragraph_format.space_after = Pt(28.95)

    body = _style(doc, "公文正文", font=BODY_FONT, size=SIZE_3)
    body.paragraph_format.first_line_indent = INDENT
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    addressee = _style(doc, "主送机关", font=BODY_FONT, size=SIZE_3)
    addressee.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

    h1 = _style(doc, "公文一级标题", font=H1_FONT, size=SIZE_3)
    h1.paragraph_format.first_line_indent = INDENT
    h1.paragraph_format.keep_with_next = True

    h2 = _style(doc, "公文二级标题", font=H2_FONT, size=SIZE_3)
    h2.paragraph_format.first_line_indent = INDENT
    h2.paragraph_format.keep_with_next = True

    signature = _style(doc, "公文落款", font=BODY_FONT, size=SIZE_3)
    signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.right_indent = Pt(64)

    cell = _style(doc, "表格文字", font=BODY_FONT, size=SIZE_TABLE)
    cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cell.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    wide = _style(doc, "表格文字（五号）", font=BODY_FONT, size=SIZE_TABLE_WIDE)
    wide.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    wide.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    note = _style(doc, "表格说明", font=BODY_FONT, size=SIZE_TABLE)
    note.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE

    _page_number_footer(section)
    props = doc.core_properties
    props.author = "gdcomply"
    props.last_modified_by = "gdcomply"
    props.revision = 1
    return doc


def _page_number_footer(section) -> None:
    """Footer "— PAGE —" centred, 宋体 四号 (GB/T 9704 7.5)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def run(text: str | None = None):
        r = paragraph.add_run(text)
        r.font.size = SIZE_4
        set_fonts(r._r, PAGE_NUMBER_FONT)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind is not None:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            r._r.append(field)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        else:
            r.text = text
    run(" —")


# -- building blocks ------------------------------------------------------------------------


def title(doc, text: str) -> None:
    doc.add_paragraph(text, style="公文标题")


def addressee(doc, text: str = "{{ addressee }}：") -> None:
    doc.add_paragraph(text, style="主送机关")


def body(doc, text: str) -> None:
    doc.add_paragraph(text, style="公文正文")


def h1(doc, text: str) -> None:
    doc.add_paragraph(text, style="公文一级标题")


def h2(doc, text: str) -> None:
    doc.add_paragraph(text, style="公文二级标题")


def tag(doc, text: str) -> None:
    """A paragraph that holds only a {%p … %} tag (docxtpl removes it)."""
    doc.add_paragraph(text, style="公文正文")


def paragraphs(doc, variable: str) -> None:
    """One body paragraph per item of a list of rich texts."""
    tag(doc, f"{{%p for text in {variable} %}}")
    body(doc, "{{r text }}")
    tag(doc, "{%p endfor %}")


def table(
    doc, headers: list[str], cells: list[str], loop: str, widths_mm: list[float], text_style: str = "表格文字"
) -> None:
    """A table: a header row and one row repeated for each item of loop ("row in rows")."""
    tbl = doc.add_table(rows=4, cols=len(headers))
    tbl.style = doc.styles["Table Grid"]
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, header in enumerate(headers):
        cell = tbl.rows[0].cells[index]
        cell.paragraphs[0].style = doc.styles[text_style]
        r = cell.paragraphs[0].add_run(header)
        r.bold = True
    _repeat_header(tbl.rows[0])
    loop_row, data_row, end_row = tbl.rows[1], tbl.rows[2], tbl.rows[3]
    loop_row.cells[0].paragraphs[0].text = f"{{%tr for {loop} %}}"
    end_row.cells[0].paragraphs[0].text = "{%tr endfor %}"
    for index, text in enumerate(cells):
        paragraph = data_row.cells[index].paragraphs[0]
        paragraph.style = doc.styles[text_style]
        paragraph.text = text
    # Fixed layout with the grid set too: Word reads the cell widths, LibreOffice and WPS the
    # grid; without both, long ids and dates wrap in equal-width columns.
    tbl.autofit = False
    for index, width in enumerate(widths_mm):
        tbl.columns[index].width = Mm(width)
    for row in tbl.rows:
        for index, width in enumerate(widths_mm):
            row.cells[index].width = Mm(width)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def signature(doc) -> None:
    doc.add_paragraph("", style="公文正文")
    doc.add_paragraph("{{ sender_full }}", style="公文落款")
    doc.add_paragraph("{{ date_text }}", style="公文落款")


def attachments(doc) -> None:
    tag(doc, "{%p if attachments %}")
    doc.add_paragraph("", style="公文正文")
    tag(doc, "{%p for item in attachments %}")
    body(doc, "{{ item }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


def notices(doc) -> None:
    """Highlighted notices on the first page (e.g. a unit whose data is missing)."""
    tag(doc, "{%p for text in notices %}")
    body(doc, "{{r text }}")
    tag(doc, "{%p endfor %}")


TARGET_TABLE = (
    ["指标", "方案目标", "本期数值", "是否达标"],
    ["{{ row.measure }}", "{{ row.target }}", "{{ row.value }}", "{{ row.verdict }}"],
    "row in targets",
    [62, 32, 32, 26],
)
STATUS_TABLE = (
    ["事项", "期次", "报送对象", "截止日期", "报送日期", "状态"],
    ["{{ row.title }}", "{{ row.period }}", "{{ row.receiver }}", "{{ row.due }}", "{{ row.submitted }}", "{{ row.status }}"],
    "row in status_rows",
    [44, 20, 24, 24, 24, 20],
)
MILESTONE_TABLE = (
    ["里程碑", "完成时限", "完成日期", "状态"],
    ["{{ row.title }}", "{{ row.due }}", "{{ row.submitted }}", "{{ row.status }}"],
    "row in milestones",
    [64, 30, 30, 32],
)
HV_TABLE = (
    ["申请编号", "户名", "业务类型", "容量(kVA)", "受理日期", "送电日期", "接电时长(工作日)"],
    [
        "{{ row.application_id }}", "{{ row.customer }}", "{{ row.business_type }}", "{{ row.capacity_kva }}",
        "{{ row.accepted }}", "{{ row.energised }}", "{{ row.working_days }}",
    ],
    "row in high_voltage_rows",
    [29, 30, 19, 14, 25, 25, 14],
)


def targets_block(doc) -> None:
    tag(doc, "{%p if targets %}")
    table(doc, *TARGET_TABLE)
    tag(doc, "{%p endif %}")


# -- the templates ----------------------------------------------------------------------------


def connection_data():
    doc = new_document()
    title(doc, "{{ title }}")
    addressee(doc)
    notices(doc)
    body(doc, "按照《广西桂东电力股份有限公司用户“获得电力”优质服务工作实施方案》（以下简称《方案》）"
              "三（三）“定期报送用户报装信息”的要求，现将{{ sender }}{{ period_label }}（{{ period_range }}）"
              "用户报装信息报送如下。")
    h1(doc, "一、总体情况")
    paragraphs(doc, "overview")
    h1(doc, "二、各类用户办电情况")
    h2(doc, "（一）已送电的高压新装及增容")
    paragraphs(doc, "high_voltage_text")
    tag(doc, "{%p if high_voltage_rows %}")
    table(doc, *HV_TABLE, text_style="表格文字（五号）")
    tag(doc, "{%p endif %}")
    paragraphs(doc, "high_voltage_more")
    h2(doc, "（二）小微企业")
    paragraphs(doc, "small_micro_text")
    h2(doc, "（三）低压居民")
    paragraphs(doc, "residential_text")
    h1(doc, "三、指标完成情况")
    body(doc, "对照《方案》二（一）2、3规定的目标，本期各项指标完成情况如下：")
    table(doc, *TARGET_TABLE)
    h1(doc, "四、数据说明")
    paragraphs(doc, "data_notes")
    attachments(doc)
    signature(doc)
    return doc


def progress_report():
    doc = new_document()
    title(doc, "{{ title }}")
    addressee(doc)
    notices(doc)
    body(doc, "按照《广西桂东电力股份有限公司用户“获得电力”优质服务工作实施方案》（以下简称《方案》）"
              "三（四）的要求，现将{{ sender }}截至{{ as_of_text }}用户“获得电力”优质服务工作开展情况报告如下。")
    h1(doc, "一、报送事项完成情况")
    paragraphs(doc, "status_text")
    table(doc, *STATUS_TABLE)
    tag(doc, "{%p if milestones %}")
    body(doc, "重要节点完成情况如下：")
    table(doc, *MILESTONE_TABLE)
    tag(doc, "{%p endif %}")
    h1(doc, "二、重点工作开展情况")
    h2(doc, "（一）加强业扩报装管理，提升业务办理整体水平")
    paragraphs(doc, "section_2_1")
    paragraphs(doc, "figures_text")
    targets_block(doc)
    h2(doc, "（二）创新供电服务方式，保障人民群众便利用电")
    paragraphs(doc, "section_2_2")
    h2(doc, "（三）加大信息公开和宣传力度")
    paragraphs(doc, "section_2_3")
    h2(doc, "（四）坚持问题导向，协同推进问题解决")
    paragraphs(doc, "section_2_4")
    h1(doc, "三、下一步工作安排")
    paragraphs(doc, "section_3")
    attachments(doc)
    signature(doc)
    return doc


def self_inspection():
    doc = new_document()
    title(doc, "{{ title }}")
    addressee(doc)
    notices(doc)
    body(doc, "按照《广西桂东电力股份有限公司用户“获得电力”优质服务工作实施方案》（以下简称《方案》）"
              "二（一）1和三（二）的要求，{{ sender }}对{{ inspection_range }}用户“获得电力”优质服务相关工作"
              "开展了自查，现将自查情况报告如下。")
    h1(doc, "一、自查期间业扩报装基本情况")
    paragraphs(doc, "figures_text")
    targets_block(doc)
    h1(doc, "二、自查情况")
    h2(doc, "（一）业扩报装管理和业务办理")
    paragraphs(doc, "section_2_1")
    h2(doc, "（二）供电服务方式")
    paragraphs(doc, "section_2_2")
    h2(doc, "（三）信息公开和宣传")
    paragraphs(doc, "section_2_3")
    h2(doc, "（四）投诉问题处理")
    paragraphs(doc, "section_2_4")
    h1(doc, "三、存在的问题")
    paragraphs(doc, "section_3")
    h1(doc, "四、下一步整改方向")
    paragraphs(doc, "section_4")
    attachments(doc)
    signature(doc)
    return doc


def rectification():
    doc = new_document()
    title(doc, "{{ title }}")
    addressee(doc)
    notices(doc)
    body(doc, "根据《广西桂东电力股份有限公司用户“获得电力”优质服务工作实施方案》三（二）的要求，"
              "{{ sender }}针对自查中发现的问题，制定整改措施并落实时间节点如下。")
    table(
        doc,
        ["序号", "问题", "整改措施", "责任部门", "完成时限"],
        ["{{ row.number }}", "{{ row.problem }}", "{{ row.measure }}", "{{ row.department }}", "{{ row.deadline }}"],
        "row in items",
        [12, 46, 52, 22, 24],
    )
    paragraphs(doc, "summary_text")
    attachments(doc)
    signature(doc)
    return doc


TEMPLATES = {
    "connection-data.docx": connection_data,
    "progress-report.docx": progress_report,
    "self-inspection.docx": self_inspection,
    "rectification.docx": rectification,
}


def _stable_bytes(doc) -> bytes:
    """The document with fixed core-property dates and zip entry times (reproducible builds)."""
    buffer = io.BytesIO()
    stamp = datetime(2018, 6, 1, tzinfo=timezone.utc)
    doc.core_properties.created = doc.core_properties.modified = stamp
    doc.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<cp:lastPrinted>[^<]*</cp:lastPrinted>", b"", data)
            entry = zipfile.ZipInfo(info.filename, date_time=(2018, 6, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data, compresslevel=6)
    return out.getvalue()


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else HERE
    target.mkdir(parents=True, exist_ok=True)
    for name, build in TEMPLATES.items():
        (target / name).write_bytes(_stable_bytes(build()))
        print(f"wrote {target / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
