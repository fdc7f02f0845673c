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
    from rich.table import Table

    from gdcomply.reports.stats_page import JUDGEMENT_COLUMNS, basis_lines, judgement_views

    out = console()
    out.print()
    for line in basis_lines(figures):
        out.print(line)
    views = judgement_views(figures)
    if figures.comparisons:
        first_comparison = len(views) - len(figures.comparisons)
    for index, view in enumerate(views):
        if figures.comparisons and index == first_comparison:
            out.print()
            out.print("对照（待核实的方案只作对照，不作判定；本期全部申请都按该方案计算，只列有申请的类别）：")
        table = Table(title=f"{view.title}（{view.count} 件）", title_justify="left", show_edge=False, pad_edge=False)
        for name in JUDGEMENT_COLUMNS:
            table.add_column(name, justify="left" if name in ("类别", "目标", "结果") else "right", overflow="fold")
        for row in view.rows:
            add_row(table, *row)
        out.print()
        if view.rows:
            out.print(table)
        for note in view.notes:
            out.print(note)
