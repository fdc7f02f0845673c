"""The self-inspection pack (自查报告) of a unit: a Word report, and with --input a workbook of figures.

The narrative per section comes from --notes; the figures are those of the applications
energised during the inspection (by default June of the year before to June of the
report's year, as the plan's inspection ran); in section 二(四), the complaints received
during the inspection, when the workspace has a ledger (gdcomply.packs.complaint_figures).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from gdcomply.errors import UsageError
from gdcomply.packs.complaint_figures import complaints_block
from gdcomply.packs.model import Sheet, placeholder
from gdcomply.packs.shared import PackContext, Plan, figures_block, paragraphs, summary_sheet, unit_only

if TYPE_CHECKING:
    from gdcomply.packs.notes import Section


def plan_pack(ctx: PackContext) -> Plan:
    request = ctx.request
    unit_only(request, "自查报告")
    plan = Plan()
    year = int(request.period.split("-", 1)[0])
    # The plan's inspection ran from June of the year before to June of the report's year.
    start = request.inspect_from or date(year - 1, 6, 1)
    end = request.inspect_to or date(year, 6, 30)
    if end < start:
        raise UsageError(f"--to（{end.isoformat()}）早于 --from（{start.isoformat()}）")
    narrative = ctx.narrative(plan, inspection_sections())
    figures_text, targets, figures = figures_block(ctx, plan, start, end, "自查期间")
    complaint_texts, complaint_sheet = complaints_block(ctx, plan, start, end, "自查期间")
    if not figures_text:
        figures_text = [placeholder()]
    plan.inputs.extend(ctx.config_inputs())
    sender = ctx.party_full(request.party)
    context = ctx.base_context(f"{sender}用户“获得电力”优质服务相关工作自查报告")
    context.update(
        inspection_range=f"{start.year}年{start.month}月至{end.year}年{end.month}月",
        figures_text=figures_text,
        targets=targets,
        section_2_1=paragraphs(narrative, "二(一)"),
        section_2_2=paragraphs(narrative, "二(二)"),
        section_2_3=paragraphs(narrative, "二(三)"),
        section_2_4=paragraphs(narrative, "二(四)") + complaint_texts,
        section_3=paragraphs(narrative, "三"),
        section_4=paragraphs(narrative, "四"),
    )
    if figures is not None or complaint_sheet is not None:
        annex = f"自查期间报装指标_{sender}.xlsx" if figures is not None else f"自查期间投诉情况_{sender}.xlsx"
        context["attachments"] = [f"附件：{annex}"]
        title = f"{sender} 自查期间（{start.isoformat()} 至 {end.isoformat()}）用户报装指标"

        def sheets() -> list[Sheet]:
            found = [summary_sheet(title, [], figures)] if figures is not None else []
            return found + ([complaint_sheet] if complaint_sheet is not None else [])

        ctx.workbook(plan, annex, sheets)
    ctx.word(plan, "self-inspection.docx", f"自查报告_{sender}.docx", context)
    return plan


def inspection_sections() -> tuple[Section, ...]:
    from gdcomply.packs.notes import Section

    return (
        Section("二(一)", "业扩报装管理和业务办理"),
        Section("二(二)", "供电服务方式"),
        Section("二(三)", "信息公开和宣传"),
        Section("二(四)", "投诉问题处理"),
        Section("三", "存在的问题"),
        Section("四", "下一步整改方向"),
    )
