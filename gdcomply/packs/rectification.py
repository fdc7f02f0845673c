"""The rectification pack (整改措施) of a unit: the measures of --notes as a Word report and a workbook."""

from __future__ import annotations

from gdcomply.errors import UsageError
from gdcomply.packs.model import Column, Kind, Sheet, Text
from gdcomply.packs.shared import Input, PackContext, Plan, cn_date, unit_only

_MEASURE_COLUMNS = (
    Column("序号", Kind.INT, 6),
    Column("问题", Kind.TEXT, 40),
    Column("整改措施", Kind.TEXT, 48),
    Column("责任部门", Kind.TEXT, 14),
    Column("完成时限", Kind.DATE, 12),
)


def plan_pack(ctx: PackContext) -> Plan:
    from gdcomply.packs.notes import load_measures

    request = ctx.request
    unit_only(request, "整改措施")
    if request.notes is None:
        raise UsageError(
            "请用 --notes 指定整改措施表（YAML 或 Excel，列：问题、整改措施、责任部门、完成时限），"
            "格式见 docs/packs.md"
        )
    plan = Plan()
    measures = load_measures(request.notes)
    plan.inputs.append(Input("notes", request.notes, request.notes.name))
    plan.inputs.extend(ctx.config_inputs())
    sender = ctx.party_full(request.party)
    due = ctx.primary.due
    late = [m for m in measures if m.deadline < request.as_of]
    summary = [Text(f"共 {len(measures)} 项整改措施，最晚完成时限为{cn_date(max(m.deadline for m in measures))}。")]
    if late:
        plan.warnings.append(f"{len(late)} 项整改措施的完成时限早于 {request.as_of.isoformat()}")
    context = ctx.base_context(f"{sender}用户“获得电力”优质服务自查问题整改措施")
    context.update(
        items=[
            {"number": str(n), "problem": m.problem, "measure": m.measure, "department": m.department,
             "deadline": cn_date(m.deadline)}
            for n, m in enumerate(measures, start=1)
        ],  # fmt: skip
        summary_text=summary,
        attachments=[f"附件：整改措施表_{sender}.xlsx"],
        report_due=due.isoformat(),
    )
    ctx.word(plan, "rectification.docx", f"整改措施_{sender}.docx", context)
    rows = [(n, m.problem, m.measure, m.department, m.deadline) for n, m in enumerate(measures, start=1)]
    ctx.workbook(plan, f"整改措施表_{sender}.xlsx", lambda: [
        Sheet("整改措施", _MEASURE_COLUMNS, rows, preamble=(f"{sender}自查问题整改措施",))
    ])  # fmt: skip
    return plan
