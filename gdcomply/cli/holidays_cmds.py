"""CLI commands: holidays import (a State Council notice into config/holidays.yaml) and holidays status."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from gdcomply.cli.common import AsOfOption, ConfigOption, WorkspaceOption, console, parse_date, today
from gdcomply.errors import InputError, UsageError

if TYPE_CHECKING:
    from gdcomply.workdays.model import YearOverride
    from gdcomply.workdays.notice import Notice

WEEKDAYS = "一二三四五六日"

holidays_app = typer.Typer(
    help="法定节假日安排：录入国务院办公厅的放假通知，查看各年份节假日数据的来源。", no_args_is_help=True
)


@holidays_app.command("import")
def import_command(
    notice_file: Annotated[
        str, typer.Argument(metavar="通知文件", help="通知文件（.txt 或 .html，简体或繁体）；“-”表示从标准输入读取。")
    ],
    year: Annotated[
        Optional[int], typer.Option("--year", metavar="年份", help="通知所安排的年份（通知中没有标题时必须指定；有标题时须与之一致）。")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="不询问，直接写入（用于脚本）。")] = False,
    amend: Annotated[
        bool, typer.Option("--amend", help="调整通知：只替换它涉及的节日，该年的其他安排保留。")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """录入国务院办公厅关于某年部分节假日安排的通知：逐条核对后显示月历，确认后写入工作区的 config/holidays.yaml。"""
    from gdcomply.cli.common import resolve_workspace
    from gdcomply.workdays.holidayfile import load_holiday_overrides, plan_import, write_years
    from gdcomply.workdays.notice import parse_notice
    from gdcomply.workdays.package import package_holidays

    text, shown = _read_notice(notice_file)
    notice = parse_notice(text, shown, year=year)
    found = resolve_workspace(workspace, create_default=True)
    path = found.holidays_file
    display = "config/holidays.yaml"
    existing = load_holiday_overrides(path, display) if path.exists() else ()
    package_off, package_work = package_holidays()
    planned = plan_import(notice, existing, package_off, package_work, amend=amend)
    _show(notice, planned, existing, package_off, package_work)
    if not yes:
        if notice_file == "-" or not sys.stdin.isatty():
            raise UsageError(f"没有可供确认的终端，未写入 {display}。核对以上日期无误后，加 --yes 重新运行")
        if not typer.confirm(f"写入 {path}？", default=False):
            sys.stderr.write(f"已取消，未写入 {display}。\n")
            raise typer.Exit(1)
    write_years(path, planned, display)
    for override in planned:
        sources = "；".join(override.sources)
        sys.stdout.write(
            f"已写入 {display}：{override.year} 年，放假 {len(override.days_off)} 天，"
            f"调休上班 {len(override.workdays)} 天（依据：{sources}）\n"
        )


def _read_notice(name: str) -> tuple[str, str]:
    """The notice's text (UTF-8, or GBK as saved by Windows) and its name for messages."""
    if name == "-":
        data = sys.stdin.buffer.read()
        shown = "标准输入"
    else:
        path = Path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise UsageError(f"通知文件不存在：{name}") from None
        except IsADirectoryError:
            raise UsageError(f"“{name}”是目录，不是通知文件") from None
        except OSError as exc:
            raise InputError(f"无法读取通知文件 {name}：{exc.strerror}") from None
        shown = name
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), shown
        except UnicodeDecodeError:
            continue
    raise InputError(f"{shown} 既不是 UTF-8 也不是 GBK 编码的文本")  # pragma: no cover - gb18030 decodes most bytes


def _show(
    notice: Notice,
    planned: list[YearOverride],
    existing: tuple[YearOverride, ...],
    package_off: dict[date, str],
    package_work: set[date],
) -> None:
    """The notice as read: its holidays, then month grids of the calendar it gives."""
    from rich.columns import Columns

    from gdcomply.cli.common import month_grid
    from gdcomply.workdays.model import merge_holidays, month_days
    from gdcomply.workdays.workcalendar import WorkCalendar

    out = console()
    issued = f"{notice.issued.year}年{notice.issued.month}月{notice.issued.day}日" if notice.issued else "未注明"
    out.print(f"通知：{notice.title}" + (f"（{notice.number}）" if notice.number else ""))
    out.print(f"发布日期：{issued}")
    for holiday in notice.holidays:
        line = f"  {holiday.name}：放假 {_spans(holiday.days_off)}"
        if holiday.workdays:
            line += f"；上班 {'、'.join(f'{d.isoformat()}（周{WEEKDAYS[d.weekday()]}）' for d in holiday.workdays)}"
        out.print(line)
    for sentence in notice.encouragements:
        out.print(f"  不计入放假日（倡议）：{sentence}")
    merged = {o.year: o for o in existing}
    merged.update({o.year: o for o in planned})
    calendar = WorkCalendar(merge_holidays(package_off, package_work, tuple(merged.values())))
    months = sorted({(d.year, d.month) for h in notice.holidays for d in (*h.days_off, *h.workdays)})
    grids = []
    for y, m in months:
        days = month_days(y, m)
        grids.append(month_grid(days, {d: calendar.day_kind(d) for d in days}))
    out.print("“休”为放假日，“班”为调休上班日：")
    if out.is_terminal:
        out.print(Columns(grids))
        return
    # in a file or a pipe, without the padding that columns leave at the ends of lines
    with out.capture() as captured:
        out.print(Columns(grids))
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def _spans(days: tuple[date, ...]) -> str:
    """Consecutive days as ranges: 2026-02-15 至 2026-02-23（9 天）、2017-01-02."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return "、".join(
        r[0].isoformat() if len(r) == 1 else f"{r[0].isoformat()} 至 {r[-1].isoformat()}（{len(r)} 天）" for r in runs
    )


@holidays_app.command("status")
def status_command(
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """本年和明年的报送期限所涉及的每一年：节假日安排是否已公布、来自哪里，多少个报送节点依赖尚未公布的年份。"""
    from gdcomply.cli.common import load_setup_for
    from gdcomply.workdays.model import RANGE_END, RANGE_START

    day = parse_date(as_of, "--as-of") if as_of else today()
    setup = load_setup_for(config, workspace)
    workdays = setup.workdays
    instances = setup.calendar.instances_for_years(day.year, day.year + 1, workdays)
    per_year: dict[int, int] = {}
    unpublished = uncovered = 0  # instances touching a year not published yet / before the data
    for instance in instances:
        first, last = sorted((instance.nominal, instance.due))
        for y in range(first.year, last.year + 1):
            per_year[y] = per_year.get(y, 0) + 1
        years = workdays.provisional_years(first, last)
        uncovered += any(workdays.is_uncovered(y) for y in years)
        unpublished += any(not workdays.is_uncovered(y) for y in years)
    out = sys.stdout
    out.write(f"{day.year} 年和 {day.year + 1} 年的 {len(instances)} 个报送节点涉及的年份：\n")
    # the two years asked about are listed even when no deadline falls in them
    for y in sorted({*per_year, day.year, day.year + 1} & set(range(RANGE_START.year, RANGE_END.year + 1))):
        count = per_year.get(y, 0)
        if workdays.is_uncovered(y):
            out.write(
                f"  {y} 年：不在节假日数据覆盖范围内（holidays 包的放假安排从 {workdays.data.covered_from} 年开始），"
                f"按推测计算；{count} 个报送节点依赖该年\n"
            )
        elif workdays.is_provisional(y):
            out.write(f"  {y} 年：尚未公布，按推测计算；{count} 个报送节点依赖该年\n")
        elif y in workdays.data.official_years:
            out.write(f"  {y} 年：已公布，来自 config/holidays.yaml（{workdays.data.official_years[y]}）；"
                      f"{count} 个报送节点\n")
        else:
            out.write(f"  {y} 年：已公布，来自 holidays 包；{count} 个报送节点\n")
    if unpublished:
        out.write(
            f"{unpublished} 个报送节点依赖尚未公布节假日安排的年份。国务院办公厅公布通知后，"
            "运行“gdcomply holidays import 通知文件”录入。\n"
        )
    if uncovered:
        out.write(
            f"{uncovered} 个报送节点依赖节假日数据覆盖范围以外的年份；如有该年的放假通知，"
            "可运行“gdcomply holidays import 通知文件”录入。\n"
        )
    if not instances:
        out.write("这两年没有报送节点。\n")
    elif not unpublished and not uncovered:
        out.write("所有报送节点涉及的年份均已有正式的节假日安排。\n")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(holidays_app, name="holidays")
