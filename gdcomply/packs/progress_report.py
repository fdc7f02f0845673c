"""The progress report pack (工作开展情况报告): a Word report and its annex workbook.

The statuses of the party's reports of the year and of its milestones come from the ledger
(gdcomply.tracking); the narrative per section from --notes; with --input, the figures of
the applications energised this year so far.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from gdcomply.packs.complaint_figures import complaints_block
from gdcomply.packs.model import PLACEHOLDER, Column, Kind, Sheet, Text
from gdcomply.packs.shared import PackContext, Plan, cn_date, figures_block, paragraphs, summary_sheet

if TYPE_CHECKING:
    from gdcomply.packs.notes import Section
    from gdcomply.tracking import StatusItem


def plan_pack(ctx: PackContext) -> Plan:
    request = ctx.request
    plan = Plan()
    year = int(request.period.split("-", 1)[0])
    narrative = ctx.narrative(plan, progress_sections())
    items, milestones = _statuses(ctx, year)
    figures_text, targets, figures = figures_block(
        ctx, plan, date(request.as_of.year, 1, 1), request.as_of, "本年以来"
    )
    complaint_texts, complaint_sheet = complaints_block(ctx, plan, date(year, 1, 1), request.as_of, "本年以来")
    plan.inputs.extend(ctx.config_inputs())
    sender = ctx.party_full(request.party)
    label = _round_label(request.period)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.status.label] = counts.get(item.status.label, 0) + 1
    summary = "，".join(f"{name} {count} 项" for name, count in counts.items())
    status_text = [Text(
        f"截至{cn_date(request.as_of)}，本单位{year}年应报送及完成的事项共 {len(items)} 项" + (f"：{summary}。" if summary else "。")
        + "各事项的截止日期、报送日期和状态见下表（依据报送台账）。"
    )]  # fmt: skip
    stem = f"{label}_{sender}"
    annex = f"工作开展情况报告附表_{stem}.xlsx"
    context = ctx.base_context(f"{sender}用户“获得电力”优质服务工作开展情况报告（{label}）")
    context.update(
        status_text=status_text,
        status_rows=[_status_word(ctx, i) for i in items],
        milestones=[_status_word(ctx, i) for i in milestones],
        section_2_1=paragraphs(narrative, "二(一)"),
        section_2_2=paragraphs(narrative, "二(二)"),
        section_2_3=paragraphs(narrative, "二(三)"),
        section_2_4=paragraphs(narrative, "二(四)") + complaint_texts,
        section_3=paragraphs(narrative, "三"),
        figures_text=figures_text,
        targets=targets,
        attachments=[f"附件：{annex}"],
    )
    missing = [s.key for s in progress_sections() if narrative is None or not narrative.of(s.key)]
    if missing:
        plan.warnings.append(f"以下章节没有说明文字，已留“{PLACEHOLDER}”（高亮显示）：{'、'.join(missing)}")

    def sheets() -> list[Sheet]:
        result = [
            Sheet("报送事项", _STATUS_COLUMNS, [_status_row(ctx, i) for i in items],
                  preamble=(f"{sender}{year}年报送事项完成情况", f"统计日期：{request.as_of.isoformat()}（依据报送台账）")),
        ]  # fmt: skip
        if milestones:  # a party without milestones gets no 里程碑 sheet (not a bare header row)
            result.append(Sheet("里程碑", _STATUS_COLUMNS, [_status_row(ctx, i) for i in milestones]))
        if figures is not None:
            result.append(summary_sheet(f"{sender}本年以来用户报装指标", [], figures))
        if complaint_sheet is not None:
            result.append(complaint_sheet)
        return result

    ctx.word(plan, "progress-report.docx", f"工作开展情况报告_{stem}.docx", context)
    ctx.workbook(plan, annex, sheets)
    return plan


def progress_sections() -> tuple[Section, ...]:
    from gdcomply.packs.notes import Section

    return (
        Section("二(一)", "加强业扩报装管理，提升业务办理整体水平"),
        Section("二(二)", "创新供电服务方式，保障人民群众便利用电"),
        Section("二(三)", "加大信息公开和宣传力度"),
        Section("二(四)", "坚持问题导向，协同推进问题解决"),
        Section("三", "下一步工作安排"),
    )


_STATUS_COLUMNS = (
    Column("事项", Kind.TEXT, 30),
    Column("期次", Kind.TEXT, 10),
    Column("报送单位", Kind.TEXT, 12),
    Column("报送对象", Kind.TEXT, 14),
    Column("截止日期", Kind.DATE, 11),
    Column("报送日期", Kind.DATE, 11),
    Column("状态", Kind.TEXT, 10),
    Column("说明", Kind.TEXT, 30),
    Column("报送记录", Kind.TEXT, 10),
)


def _status_note(item: StatusItem) -> str:
    if item.working_days_late is not None:
        return f"逾期 {item.working_days_late} 个工作日"
    if item.working_days_overdue is not None:
        return f"已逾期 {item.working_days_overdue} 个工作日"
    if item.working_days_left is not None:
        return f"还有 {item.working_days_left} 个工作日"
    if item.at_risk_from:
        return "所汇入的单位报送逾期"
    return ""


def _statuses(ctx: PackContext, year: int) -> tuple[list[StatusItem], list[StatusItem]]:
    """This year's instances of the party (due in the year) and its milestones, with statuses."""
    from gdcomply.tracking import compute_statuses

    assert ctx.ledger is not None
    party = ctx.request.party
    schedule = ctx.calendar.schedule(date(year, 1, 1), date(year, 12, 31), ctx.workdays)
    milestone_obligations = {
        o.id for o in ctx.calendar.obligations if not o.follows and all(s.receiver is None for s in o.steps)
    }
    first = min((o.first_year for o in ctx.calendar.obligations), default=year)
    milestone_instances = [
        i for i in ctx.calendar.instances_for_years(first, year, ctx.workdays)
        if i.obligation in milestone_obligations and i.sender == party
    ]  # fmt: skip
    submissions: dict[str, list] = {}
    for submission in ctx.ledger.submissions():
        submissions.setdefault(submission.instance_id, []).append(submission)
    everything = list(schedule.instances) + [i for i in milestone_instances if i not in schedule.instances]
    statuses = compute_statuses(
        everything, submissions, as_of=ctx.request.as_of, workdays=ctx.workdays, horizon=5,
        tracking_since=ctx.ledger.tracking_since,
    )  # fmt: skip
    mine = [s for s in statuses if s.instance.sender == party and s.instance in schedule.instances]
    mine.sort(key=lambda s: (s.instance.due, s.instance.order, s.instance.id))
    milestones = [s for s in statuses if s.instance in milestone_instances]
    milestones.sort(key=lambda s: (s.instance.due, s.instance.id))
    return mine, milestones


def _status_row(ctx: PackContext, item: StatusItem) -> tuple:
    instance = item.instance
    return (
        instance.title, instance.period, ctx.party_short(instance.sender),
        ctx.party_short(instance.receiver) if instance.receiver else "—",
        instance.due, item.completed_on, item.status.label, _status_note(item),
        f"#{item.submission.id}" if item.submission is not None else "",
    )  # fmt: skip


def _status_word(ctx: PackContext, item: StatusItem) -> dict[str, str]:
    instance = item.instance
    note = _status_note(item)
    return {
        "title": instance.title,
        "period": instance.period,
        "receiver": ctx.party_short(instance.receiver) if instance.receiver else "—",
        "due": instance.due.isoformat(),
        "submitted": item.completed_on.isoformat() if item.completed_on else "—",
        "status": item.status.label + (f"（{note.split(' ', 1)[1]}）" if note and item.status.value in ("late", "overdue") else ""),
    }


def _round_label(period: str) -> str:
    year, _, label = period.partition("-")
    if label.startswith("R") and label[1:].isdigit():
        return f"{year}年第{int(label[1:])}次"
    return period
