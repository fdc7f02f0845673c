"""How `applications check` and `stats` show their tables: the row helper, and what the target
profiles add (which profiles judged the period, each profile's figures, the 待核实 comparisons)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gdcomply.cli.common import console

if TYPE_CHECKING:
    from gdcomply.applications.measures import CheckResult, PeriodMeasures
    from gdcomply.applications.targets import Targets


def add_row(table: Any, *values: str) -> None:
    """A table row of data: as plain text, so that "[…]" in a customer's name is not markup."""
    from rich.text import Text

    table.add_row(*(Text(value) for value in values))

def days_text(value: Decimal | int | None) -> str:
    return "—" if value is None else f"{value}"

def open_table(items: Any, targets: Targets, by_unit: bool, *, calendar_days: bool) -> Any:
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    for name, justify in (
        ("状态", "left"), ("申请编号", "left"), ("单位", "left"), ("户名", "left"),
        ("类别", "left"), ("受理日期", "left"), ("已用", "right"), ("日历日", "right"), ("时限", "right"),
        ("剩余", "right"), ("到期日", "left"),
    ):
        if (name != "单位" or by_unit) and (name != "日历日" or calendar_days):
            table.add_column(name, justify=justify, no_wrap=name != "户名", overflow="fold")  # type: ignore[arg-type]
    for item in items:
        application = item.application
        paused = f"（停{item.paused_working_days}）" if item.paused_working_days else ""
        add_row(
            table,
            item.status.label,
            application.application_id,
            *([targets.unit_name(application.unit)] if by_unit else []),
            application.customer,
            application.customer_class.label,
            application.accepted.isoformat(),
            f"{item.working_days}{paused}",
            *([str(item.calendar_days)] if calendar_days else []),
            "—" if item.limit is None else str(item.limit),
            "—" if item.working_days_left is None else str(item.working_days_left),
            item.due.isoformat() if item.due else "—",
        )
    return table


def print_check_basis(result: CheckResult) -> None:
    out = console()
    if result.chosen is not None:
        chosen = result.chosen
        note = "" if chosen.verified else "；该方案待核实，只作对照，不作判定（已超期的申请不影响退出码）"
        out.print(f"按 --targets 指定的方案判定：{chosen.label}（{chosen.document}）{note}。")
        return
    out.print("判定依据（按受理日期当天有效的已核实方案）：")
    for profile, count in result.profiles:
        out.print(f"  {profile.label}：{profile.effective.isoformat()} 起受理的 {count} 件（{profile.document}）")

def print_basis(figures: PeriodMeasures) -> None:
    """Which profiles judged the period, their tables when not only the plan, and the comparisons."""
    out = console()
    out.print()
    if figures.chosen is not None:
        chosen = figures.chosen
        note = "" if chosen.verified else "该方案待核实，只作对照，不作判定。"
        out.print(f"判定依据：按 --targets 指定的方案 {chosen.label}（{chosen.document}）判定整个期间。{note}")
    elif figures.judgements:
        out.print("判定依据（按受理日期当天有效的已核实方案）：")
        for judgement in figures.judgements:
            profile = judgement.profile
            out.print(f"  {profile.label}：{profile.effective.isoformat()} 起受理的 {judgement.count} 件（{profile.document}）")
    if not figures.plan_only:
        for judgement in figures.judgements:
            print_judgement(judgement, f"按 {judgement.profile.label} 判定")
    if figures.comparisons:
        out.print()
        out.print("对照（待核实的方案只作对照，不作判定；本期全部申请都按该方案计算，只列有申请的类别）：")
        for judgement in figures.comparisons:
            print_judgement(judgement, f"对照：{judgement.profile.label}", only_counted=True)


def print_judgement(judgement: Any, title: str, *, only_counted: bool = False) -> None:
    from rich.table import Table

    from gdcomply.applications.judging import verdict_text

    out = console()
    table = Table(title=f"{title}（{judgement.count} 件）", title_justify="left", show_edge=False, pad_edge=False)
    for name in ("类别", "件数", "平均(工作日)", "平均(日历日)", "最长(工作日)", "目标", "超时限", "结果"):
        table.add_column(name, justify="left" if name in ("类别", "目标", "结果") else "right", overflow="fold")
    notes: list[str] = []
    for item in judgement.classes:
        if only_counted and not item.count:
            continue
        target = item.target
        goals = []
        if target.limit is not None:
            goals.append(f"每件 ≤ {target.limit}")
        if target.mean_limit is not None:
            goals.append(f"平均 ≤ {target.mean_limit}")
        if target.steps is not None:
            goals.append(f"环节 ≤ {target.steps}")
        if target.visits is not None:
            goals.append(f"跑动 ≤ {target.visits}")
        if target.zero_investment is not None:
            goals.append(f"{target.zero_investment.text} 零投资")
        counted = "；只计供电企业环节" if target.counts.value == "own-steps" else ""
        result = verdict_text(judgement, item, "limit") if item.count else ""
        if result == "达标" and item.breaches:
            result = "未达标"
        add_row(
            table, target.label, str(item.count), days_text(item.mean_working_days), days_text(item.mean_calendar_days),
            days_text(item.max_working_days), "；".join(goals) + counted or "—",
            days_text(item.over_limit), result,
        )  # fmt: skip
        if item.capacity_unknown:
            notes.append(f"{target.label}：{item.capacity_unknown} 件的零投资容量未判定（{item.capacity_reason}）")
    out.print()
    if table.row_count:
        out.print(table)
    else:
        out.print(f"{table.title}：没有可按该方案判定的申请。")
    if judgement.not_judged:
        missing = "，".join(f"缺“{name}” {n} 件" for name, n in judgement.missing_facts)
        out.print(f"未判定 {judgement.not_judged} 件：数据文件没有该方案需要的列（{missing}）。")
    if judgement.no_target:
        out.print(f"该方案未规定目标的申请 {judgement.no_target} 件。")
    for note in notes:
        out.print(note)
