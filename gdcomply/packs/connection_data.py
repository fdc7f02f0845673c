"""The connection-data pack of a unit (用户报装信息): a workbook and a Word report from its export.

The workbook holds the 汇总 table, the sheets per class, the monthly trend, every
application of the half-year (明细) with its pauses (暂停), and the rows the export could
not use (问题数据). The company's consolidation (gdcomply.packs.company) reads 明细, 暂停 and
问题数据 back, and builds its own pack from the same sheets and report: it imports the pieces
here, never the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from gdcomply.errors import UsageError
from gdcomply.packs.model import Column, Kind, LineChartSpec, Sheet, Text
from gdcomply.packs.shared import (
    CENT,
    PackContext,
    Plan,
    basis_text,
    cn_date,
    measure_figures,
    money_text,
    number_text,
    percent_text,
    sha256_of,
    summary_sheet,
    unit_only,
    verdict_of,
    word_targets,
)

if TYPE_CHECKING:
    from gdcomply.applications.measures import PeriodMeasures
    from gdcomply.applications.model import Application, ApplicationSet, Period
    from gdcomply.applications.targets import Targets
    from gdcomply.workdays.workcalendar import WorkCalendar


# The sheets the company reads back, and the line of 问题数据 that names the export read
DETAIL_SHEET = "明细"
PAUSE_SHEET = "暂停"
PROBLEM_SHEET = "问题数据"
SOURCE_PREFIX = "数据来源："

WORD_HIGH_VOLTAGE_ROWS = 30  # the Word report lists this many; the workbook lists them all


def ended_period(ctx: PackContext) -> Period:
    """The half-year the request names, which must be over by as_of (for a unit's pack and the company's)."""
    from gdcomply.applications.model import Period

    period = Period.parse(ctx.request.period)
    if ctx.request.as_of <= period.end:
        raise UsageError(
            f"{period.label}（{period}）到 {period.end.isoformat()} 才结束，截至 {ctx.request.as_of.isoformat()} "
            f"尚未结束，不能生成其用户报装信息报送包。请在 {(period.end + timedelta(days=1)).isoformat()} "
            "及以后生成（或用 --as-of 指定日期）"
        )
    return period


def plan_pack(ctx: PackContext) -> Plan:
    """A unit's pack, from its export (--input, and --pauses)."""
    period = ended_period(ctx)
    request = ctx.request
    unit_only(request, "单位的用户报装信息")
    if len(request.inputs) != 1:
        raise UsageError(
            "请用 --input 指定本单位从营销系统导出的申请数据文件（一个 .xlsx 或 .csv），"
            "如：gdcomply pack connection-data --period 2026-H1 --party guiyuan --input 申请.xlsx"
        )
    if request.notes is not None:
        raise UsageError("用户报装信息报送包不使用 --notes")
    plan = Plan()
    app_set = ctx.read_applications(plan, request.inputs[0], request.pauses)
    plan.inputs.extend(ctx.config_inputs())
    party = request.party
    figures = measure_figures(ctx, app_set, period, party)
    rows = measured_rows(app_set, ctx.workdays, ctx.targets, period, party)
    others = sum(1 for a in app_set.applications if a.unit != party)
    unit_name = ctx.party_full(party)
    source_lines = [
        f"数据来源：{request.inputs[0].name}，读取 {app_set.rows.read} 行，有效 {app_set.rows.valid} 行，"
        f"{app_set.rows.rejected} 行有问题未纳入统计（逐行见附件“{PROBLEM_SHEET}”工作表）。"
    ]
    if others:
        source_lines.append(f"文件中另有其他单位的申请 {others} 条，未纳入本单位统计。")
    plan.warnings.extend(w.message for w in figures.warnings)
    if app_set.rows.rejected:
        plan.warnings.append(f"申请数据有 {app_set.rows.rejected} 行有问题，未纳入统计，已列入“{PROBLEM_SHEET}”工作表")
    stem = f"{period.year}{'上' if period.half == 1 else '下'}半年_{unit_name}"
    workbook_name = f"用户报装信息_{stem}.xlsx"
    title = f"{unit_name} {period.label}用户报装信息汇总"
    lines = [
        f"统计期间：{period.start.isoformat()} 至 {period.end.isoformat()}（按送电日期）",
        *source_lines,
        f"生成日期：{request.as_of.isoformat()}",
    ]
    problems = app_set.problems
    targets = ctx.targets
    exports = [(request.inputs[0], "")] + ([(request.pauses, "暂停：")] if request.pauses is not None else [])
    source = SOURCE_PREFIX + "，".join(f"{label}{path.name}（SHA-256：{sha256_of(path)[0]}）" for path, label in exports)
    ctx.workbook(plan, workbook_name, lambda: connection_sheets(
        title, lines, figures, rows, period, targets, problems, source,
    ))  # fmt: skip
    context = connection_word(ctx, figures, rows, period, source_lines, [], workbook_name)
    ctx.word(plan, "connection-data.docx", f"用户报装信息报送说明_{stem}.docx", context)
    return plan


# -- the rows of the half-year -----------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """One application of the period with its connection time (what the 明细 sheet holds)."""

    application: Application
    working_days: int
    paused_days: int
    limit: int | None
    where: str

    @property
    def address(self) -> str:
        return self.application.address

    @property
    def voltage(self) -> str:
        return self.application.voltage

    @property
    def channel(self) -> str:
        return self.application.channel


def measured_rows(
    app_set: ApplicationSet, workdays: WorkCalendar, targets: Targets, period, unit: str | None,
) -> list[Measured]:  # fmt: skip
    from gdcomply.applications.judging import limit_under, profile_chooser
    from gdcomply.applications.model import connection_time

    rows = []
    profile_of = profile_chooser(targets.profiles, None)  # the verified profile in force on acceptance
    for application in app_set.applications:
        energised = application.energised
        if energised is None or energised not in period or (unit is not None and application.unit != unit):
            continue
        limit, left_out, _ = limit_under(targets, profile_of(application.accepted), application)
        working_days, paused = connection_time(workdays, application, energised, left_out)
        rows.append(
            Measured(
                application, working_days, paused, limit,
                app_set.where(application) if app_set.location else "",
            )  # fmt: skip
        )
    rows.sort(key=lambda m: (m.application.energised, m.application.application_id))
    return rows


DETAIL_COLUMNS = (
    Column("申请编号", Kind.TEXT, 16),
    Column("供电单位", Kind.TEXT, 10),
    Column("户名", Kind.TEXT, 28),
    Column("用电地址", Kind.TEXT, 32),
    Column("业务类型", Kind.TEXT, 14),
    Column("类别", Kind.TEXT, 12),
    Column("小微企业", Kind.TEXT, 8),
    Column("电压等级", Kind.TEXT, 9),
    Column("容量(kVA)", Kind.KVA, 11),
    Column("受理日期", Kind.DATE, 11),
    Column("送电日期", Kind.DATE, 11),
    Column("客户原因暂停", Kind.TEXT, 24),
    Column("暂停工作日", Kind.INT, 9),
    Column("接电时长(工作日)", Kind.INT, 10),
    Column("时限(工作日)", Kind.INT, 9),
    Column("是否超限", Kind.TEXT, 8),
    Column("环节数", Kind.INT, 7),
    Column("申请材料数", Kind.INT, 8),
    Column("接电费用(元)", Kind.MONEY, 12),
    Column("跑动次数", Kind.INT, 8),
    Column("受理渠道", Kind.TEXT, 14),
    Column("来源", Kind.TEXT, 22),
)
DETAIL_HEADERS = tuple(c.header for c in DETAIL_COLUMNS)


def _pause_text(application: Application) -> str:
    """The pauses for people to read beside the row; the program reads them from the 暂停 sheet."""
    parts = []
    for pause in application.pauses:
        end = pause.end.isoformat() if pause.end else ""
        parts.append(f"{pause.start.isoformat()}~{end}" + (f" {pause.reason}" if pause.reason else ""))
    return "；".join(parts)


# One row per pause, the columns of the pauses table users give the tool: a reason keeps any
# text (a “；” included), and the dates are date cells, so the company reads them back exactly.
PAUSE_COLUMNS = (
    Column("申请编号", Kind.TEXT, 16),
    Column("暂停开始", Kind.DATE, 11),
    Column("暂停结束", Kind.DATE, 11),
    Column("原因", Kind.TEXT, 40),
)
PAUSE_HEADERS = tuple(c.header for c in PAUSE_COLUMNS)


def _pause_rows(rows: list[Measured]) -> Iterator[tuple]:
    for m in rows:
        for pause in m.application.pauses:
            yield m.application.application_id, pause.start, pause.end, pause.reason


def _detail_rows(rows: list[Measured], targets: Targets) -> Iterator[tuple]:
    from gdcomply.applications.model import CustomerClass

    for m in rows:
        a = m.application
        yield (
            a.application_id, targets.unit_name(a.unit), a.customer, m.address, a.business_type.value,
            a.customer_class.label, "是" if a.customer_class is CustomerClass.SMALL_MICRO else "否", m.voltage,
            a.capacity_kva, a.accepted, a.energised, _pause_text(a), m.paused_days, m.working_days, m.limit,
            ("是" if m.working_days > m.limit else "否") if m.limit is not None else "", a.steps, a.materials,
            a.cost, a.visits, m.channel, m.where,
        )  # fmt: skip


# -- the workbook and the Word report ----------------------------------------------------------


def _monthly_sheet(rows: list[Measured], period, targets: Targets) -> Sheet:
    from gdcomply.applications.model import CustomerClass

    months = [(period.year, m) for m in (range(1, 7) if period.half == 1 else range(7, 13))]
    sums: dict[tuple[int, CustomerClass], list[int]] = {}
    for m in rows:
        key = (m.application.energised.month, m.application.customer_class)  # type: ignore[union-attr]
        bucket = sums.setdefault(key, [0, 0])
        bucket[0] += m.working_days
        bucket[1] += 1

    def mean(month: int, cls: CustomerClass) -> Decimal | None:
        total, count = sums.get((month, cls), (0, 0))
        return (Decimal(total) / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else None

    def count(month: int, cls: CustomerClass) -> int:
        return sums.get((month, cls), (0, 0))[1]

    res_target = targets.residential_limit
    sm_target = targets.small_micro_mean_working_days
    table = [
        (
            f"{year}-{month:02d}",
            mean(month, CustomerClass.RESIDENTIAL), res_target,
            mean(month, CustomerClass.SMALL_MICRO), sm_target,
            mean(month, CustomerClass.HIGH_VOLTAGE),
            count(month, CustomerClass.RESIDENTIAL), count(month, CustomerClass.SMALL_MICRO),
            count(month, CustomerClass.HIGH_VOLTAGE),
        )  # fmt: skip
        for year, month in months
    ]
    columns = (
        Column("月份", Kind.TEXT, 10),
        Column("低压居民平均接电时长", Kind.DAYS, 12),
        Column("低压居民时限", Kind.INT, 10),
        Column("小微企业平均接电时长", Kind.DAYS, 12),
        Column("小微企业平均目标", Kind.INT, 10),
        Column("高压平均接电时长", Kind.DAYS, 12),
        Column("低压居民户数", Kind.INT, 10),
        Column("小微企业户数", Kind.INT, 10),
        Column("高压户数", Kind.INT, 10),
    )
    chart = LineChartSpec("月度平均接电时长与目标", "工作日", "月份", 0, (1, 2, 3, 4, 5), "A10")
    return Sheet("月度趋势", columns, table, chart=chart)


def _problem_sheet(problems: Iterable, source: str) -> Sheet:
    """Rejected rows with where and why; source (the “数据来源：…” line naming the export and its
    SHA-256) tells the company which file the positions refer to."""
    columns = (Column("位置", Kind.TEXT, 36), Column("问题", Kind.TEXT, 80))
    preamble = ("未纳入统计的问题数据", source) if source else ("未纳入统计的问题数据",)
    return Sheet(PROBLEM_SHEET, columns, ((p.where, p.message) for p in problems), preamble=preamble)


def connection_sheets(
    title: str, lines: list[str], figures: PeriodMeasures, rows: list[Measured], period, targets: Targets,
    problems: Iterable, problem_source: str = "",
) -> list[Sheet]:  # fmt: skip
    from gdcomply.applications.model import CustomerClass

    hv = [m for m in rows if m.application.customer_class is CustomerClass.HIGH_VOLTAGE]
    sm = [m for m in rows if m.application.customer_class is CustomerClass.SMALL_MICRO]
    res_over = [
        m for m in rows
        if m.application.customer_class is CustomerClass.RESIDENTIAL and m.limit is not None and m.working_days > m.limit
    ]  # fmt: skip
    smf = figures.of(CustomerClass.SMALL_MICRO)
    resf = figures.of(CustomerClass.RESIDENTIAL)
    return [
        summary_sheet(title, lines, figures),
        Sheet(
            "高压新装增容",
            (
                Column("申请编号", Kind.TEXT, 16), Column("户名", Kind.TEXT, 30), Column("用电地址", Kind.TEXT, 32),
                Column("业务类型", Kind.TEXT, 12), Column("电压等级", Kind.TEXT, 9), Column("容量(kVA)", Kind.KVA, 11),
                Column("受理日期", Kind.DATE, 11), Column("送电日期", Kind.DATE, 11),
                Column("接电时长(工作日)", Kind.INT, 10),
            ),  # fmt: skip
            (
                (m.application.application_id, m.application.customer, m.address, m.application.business_type.value,
                 m.voltage, m.application.capacity_kva, m.application.accepted, m.application.energised, m.working_days)
                for m in hv
            ),  # fmt: skip
        ),
        Sheet(
            "小微企业",
            (
                Column("申请编号", Kind.TEXT, 16), Column("户名", Kind.TEXT, 30), Column("用电地址", Kind.TEXT, 32),
                Column("业务类型", Kind.TEXT, 14), Column("容量(kVA)", Kind.KVA, 11), Column("受理日期", Kind.DATE, 11),
                Column("送电日期", Kind.DATE, 11), Column("办理时长(工作日)", Kind.INT, 10), Column("环节数", Kind.INT, 7),
                Column("申请材料数", Kind.INT, 8), Column("接电费用(元)", Kind.MONEY, 12), Column("跑动次数", Kind.INT, 8),
            ),  # fmt: skip
            (
                (m.application.application_id, m.application.customer, m.address, m.application.business_type.value,
                 m.application.capacity_kva, m.application.accepted, m.application.energised, m.working_days,
                 m.application.steps, m.application.materials, m.application.cost, m.application.visits)
                for m in sm
            ),  # fmt: skip
            preamble=(
                f"小微企业 {smf.count} 户",
                f"平均办理时长：{number_text(smf.mean_working_days)} 个工作日（目标不超过 {smf.mean_working_days_target} 个）",
                f"平均环节数：{number_text(smf.mean_steps)}（目标 {smf.steps_target} 个：报装、验收接表接电）",
                f"平均申请材料数：{number_text(smf.mean_materials)} 份",
                f"平均接电费用：{money_text(smf.mean_cost)} 元，合计 {money_text(smf.total_cost)} 元，零投资占比 {percent_text(smf.zero_cost_share)}",
            ),
        ),
        Sheet(
            "低压居民",
            (
                Column("申请编号", Kind.TEXT, 16), Column("户名", Kind.TEXT, 16), Column("用电地址", Kind.TEXT, 32),
                Column("业务类型", Kind.TEXT, 14), Column("受理日期", Kind.DATE, 11), Column("送电日期", Kind.DATE, 11),
                Column("暂停工作日", Kind.INT, 9), Column("接电时长(工作日)", Kind.INT, 10),
                Column("超出工作日", Kind.INT, 9),
            ),  # fmt: skip
            (
                (m.application.application_id, m.application.customer, m.address, m.application.business_type.value,
                 m.application.accepted, m.application.energised, m.paused_days, m.working_days,
                 m.working_days - (m.limit or 0))
                for m in res_over
            ),  # fmt: skip
            preamble=(
                f"低压居民 {resf.count} 户，平均接电时长 {number_text(resf.mean_working_days)} 个工作日，"
                f"最长 {number_text(resf.max_working_days)} 个工作日",
                f"超过 {resf.limit} 个工作日的 {number_text(resf.over_limit)} 户（下表逐户列出）；零跑动占比 {percent_text(resf.zero_visit_share)}",
            ),
        ),
        _monthly_sheet(rows, period, targets),
        Sheet(DETAIL_SHEET, DETAIL_COLUMNS, _detail_rows(rows, targets)),
        Sheet(PAUSE_SHEET, PAUSE_COLUMNS, _pause_rows(rows)),
        _problem_sheet(problems, problem_source),
    ]


def connection_word(
    ctx: PackContext, figures: PeriodMeasures, rows: list[Measured], period, source_lines: list[str],
    notices: list[Text], workbook_name: str,
) -> dict[str, Any]:  # fmt: skip
    from gdcomply.applications.model import CustomerClass

    sender = ctx.party_full(ctx.request.party)
    context = ctx.base_context(f"{sender}{period.label}用户报装信息报送说明")
    res, sm, other, hv = (figures.of(c) for c in (CustomerClass.RESIDENTIAL, CustomerClass.SMALL_MICRO,
                                                  CustomerClass.OTHER_LOW_VOLTAGE, CustomerClass.HIGH_VOLTAGE))  # fmt: skip
    total = res.count + sm.count + other.count + hv.count
    range_text = f"{cn_date(period.start)}至{cn_date(period.end)}"
    hv_rows = [m for m in rows if m.application.customer_class is CustomerClass.HIGH_VOLTAGE]
    context.update(
        notices=notices,
        period_label=period.label,
        period_range=range_text,
        overview=[Text(
            f"{range_text}，{sender}已送电的用户报装共 {total} 户，其中高压新装及增容 {hv.count} 户"
            f"（容量合计 {number_text(hv.total_kva if hv.count else Decimal(0))} 千伏安），小微企业 {sm.count} 户，"
            f"低压居民 {res.count} 户，其他低压非居民 {other.count} 户。"
        )],
        high_voltage_text=[Text(
            f"本期已送电的高压新装及增容 {hv.count} 户，容量合计 {number_text(hv.total_kva if hv.count else Decimal(0))} 千伏安，"
            f"平均接电时长 {number_text(hv.mean_working_days)} 个工作日。" if hv.count else "本期没有已送电的高压新装及增容。"
        )],
        high_voltage_rows=[
            {"application_id": m.application.application_id, "customer": m.application.customer,
             "business_type": m.application.business_type.value, "capacity_kva": number_text(m.application.capacity_kva),
             "accepted": m.application.accepted.isoformat(),
             "energised": m.application.energised.isoformat(),  # type: ignore[union-attr]
             "working_days": str(m.working_days)}
            for m in hv_rows[:WORD_HIGH_VOLTAGE_ROWS]
        ],  # fmt: skip
        high_voltage_more=[Text(f"上表列出前 {WORD_HIGH_VOLTAGE_ROWS} 户，全部 {len(hv_rows)} 户见附件“高压新装增容”工作表。")]
        if len(hv_rows) > WORD_HIGH_VOLTAGE_ROWS else [],
        small_micro_text=[Text(
            f"本期小微企业送电 {sm.count} 户，平均办理时长 {number_text(sm.mean_working_days)} 个工作日"
            f"（《方案》目标不超过 {sm.mean_working_days_target} 个工作日，{verdict_of(sm, 'mean_working_days')}）；"
            f"平均环节数 {number_text(sm.mean_steps)} 个（目标 {sm.steps_target} 个）；平均申请材料 {number_text(sm.mean_materials)} 份；"
            f"平均接电费用 {money_text(sm.mean_cost)} 元，零投资占比 {percent_text(sm.zero_cost_share)}；"
            f"平均跑动 {number_text(sm.mean_visits)} 次。"
        ) if sm.count else Text("本期没有小微企业送电。")],
        residential_text=[Text(
            f"本期低压居民送电 {res.count} 户，平均接电时长 {number_text(res.mean_working_days)} 个工作日，"
            f"最长 {number_text(res.max_working_days)} 个工作日；超过 {res.limit} 个工作日的 {number_text(res.over_limit)} 户"
            f"（逐户见附件“低压居民”工作表）；零跑动（一次都不跑）占比 {percent_text(res.zero_visit_share)}。"
        ) if res.count else Text("本期没有低压居民送电。")],
        targets=word_targets(figures),
        data_notes=[Text(line) for line in source_lines] + [Text(
            "接电时长按工作日计：自受理日期次日起至送电日期（含）止的工作日数，扣除客户原因暂停的工作日；"
            "法定节假日和调休按国务院办公厅的安排。"
        )] + ([Text(basis)] if (basis := basis_text(figures)) else []),
        attachments=[f"附件：{workbook_name}"],
    )
    return context
