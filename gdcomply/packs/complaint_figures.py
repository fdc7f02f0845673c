"""The complaints of a pack's period (实施方案 二(四)): figures for the Word report's section
二(四) and a sheet for its annex, for the progress report and the self-inspection.

Counts and categories only: the packs go to the regulator, so no customer's name or phone
number is ever in them (gdcomply.complaints keeps those in the ledger). A unit's pack counts
the complaints it is responsible for; the company's counts all of them.
"""

from __future__ import annotations

from datetime import date

from gdcomply.complaints.model import ReportPeriod, Source
from gdcomply.packs.model import Column, Kind, Sheet, Text
from gdcomply.packs.shared import UNIT_PARTIES, Input, PackContext, Plan, cn_date, number_text

_COLUMNS = (
    Column("责任单位", Kind.TEXT, 12),
    Column("类别", Kind.TEXT, 10),
    Column("件数", Kind.INT, 8),
    Column("属实件数", Kind.INT, 10),
    Column("属实率", Kind.SHARE, 10),
    Column("按时答复率", Kind.SHARE, 12),
    Column("答复用时中位数（工作日）", Kind.DAYS, 14),
    Column("上期件数", Kind.INT, 10),
    Column("增减", Kind.INT, 8),
)


def complaints_block(ctx: PackContext, plan: Plan, start: date, end: date, what: str) -> tuple[list[Text], Sheet | None]:
    """The paragraphs and the annex sheet of the complaints received in [start, end]; nothing
    without a ledger (the pack then reads none)."""
    from gdcomply.complaints.settings import Units, load_complaint_settings
    from gdcomply.complaints.stats import complaint_stats, percent

    if ctx.ledger is None:
        return [], None
    settings_file = ctx.config_dir / "complaints.yaml"
    settings = load_complaint_settings(settings_file)
    if settings_file.is_file():
        plan.inputs.append(Input("config", settings_file, "config/complaints.yaml"))
    units = Units.of(ctx.calendar, settings)
    unit = ctx.request.party if ctx.request.party in UNIT_PARTIES else None
    period = ReportPeriod(start, end, f"{start.isoformat()}~{end.isoformat()}")
    stored = ctx.ledger.complaints(unit)
    as_of = min(ctx.request.as_of, end)
    stats = complaint_stats(stored, ctx.workdays, settings, period, as_of=as_of, unit=unit)
    plan.warnings.extend(w.message for w in stats.warnings)
    total = stats.total
    scope = f"（{cn_date(start)}至{cn_date(as_of)}，按受理时间，依据投诉台账）"
    if not total.count:
        return [Text(f"{what}{scope}，没有登记 12398、966068 等渠道的投诉。")], None
    sources = {source: 0 for source in Source}
    for complaint in stored:
        if start <= complaint.received <= as_of:
            sources[complaint.source] += 1
    by_source = "、".join(f"{s.label} {n} 件" for s, n in sources.items() if n)
    texts = [
        Text(
            f"{what}{scope}受理投诉 {total.count} 件（{by_source}），其中属实 {total.substantiated} 件"
            f"（属实率 {percent(total.substantiated_share)}%），按时答复率 {percent(total.on_time_rate) or '—'}%，"
            f"答复用时中位数 {number_text(total.median_reply_working_days)} 个工作日；"
            f"重复投诉 {stats.repeat_complaints} 件。"
        )
    ]
    by_category = "、".join(f"{c.value} {f.count} 件" for c, f in stats.categories)
    texts.append(Text(f"按类别：{by_category}。"))
    focus = "、".join(f"{c.value}（属实 {f.substantiated} 件）" for c, f in stats.focus_categories)
    if unit is None and stats.focus_units:
        focus_units = "、".join(f"{units.name(u)}（属实 {f.substantiated} 件）" for u, f in stats.focus_units)
        texts.append(Text(f"按属实投诉，需重点督导的单位为{focus_units}，类别为{focus}。", emphasis=True))
    elif focus:
        texts.append(Text(f"按属实投诉，需重点改进的类别为{focus}。", emphasis=True))
    rows = [
        (units.name(u), c.value, f.count, f.substantiated, f.substantiated_share, f.on_time_rate,
         f.median_reply_working_days, f.previous_count, f.change)
        for u, c, f in stats.cells
    ]  # fmt: skip
    rows.append(("合计", "全部", total.count, total.substantiated, total.substantiated_share, total.on_time_rate,
                 total.median_reply_working_days, total.previous_count, total.change))  # fmt: skip
    sheet = Sheet(
        "投诉情况", _COLUMNS, rows,
        preamble=(f"{what}投诉情况{scope}", "上期为此前同样长度的期间；属实率 = 属实件数 ÷ 件数；按时答复率 = 按时答复 ÷ 已答复或已到期限的件数"),
    )  # fmt: skip
    return texts, sheet
