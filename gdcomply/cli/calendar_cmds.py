"""CLI commands: calendar, workdays (count, add, month) and validate."""

from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from gdcomply.cli.common import (
    ConfigOption,
    ForceOption,
    HtmlOutOption,
    StrictOption,
    TableOrJson,
    WorkspaceOption,
    check_html_out,
    console,
    load_setup_for,
    parse_date,
    print_warnings,
    resolve_party,
    today,
    write_json,
    write_page,
)
from gdcomply.errors import UsageError

if TYPE_CHECKING:
    from gdcomply.calendar import Calendar, Instance

WEEKDAYS = "一二三四五六日"


class CalendarFormat(str, Enum):
    table = "table"
    json = "json"
    ics = "ics"
    html = "html"


def weekday_zh(d: date) -> str:
    return f"周{WEEKDAYS[d.weekday()]}"


def calendar_command(
    year: Annotated[Optional[int], typer.Option("--year", metavar="年份", help="列出这一年内到期的事项（默认：今年）。")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", metavar="日期", help="起始日期 YYYY-MM-DD（含）。")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", metavar="日期", help="截止日期 YYYY-MM-DD（含）。")] = None,
    party: Annotated[
        Optional[str], typer.Option("--party", metavar="单位", help="只列出与该单位有关的事项：单位名称（如 桂源公司、供电公司、公司）或代号（如 guiyuan）。")
    ] = None,
    output_format: Annotated[
        CalendarFormat,
        typer.Option("--format", help="输出格式：table 表格、json、ics 日历文件，或 html 时间线网页（可打印张贴）。"),
    ] = CalendarFormat.table,
    out: HtmlOutOption = None,
    force: ForceOption = False,
    config: ConfigOption = None,
    workspace: WorkspaceOption = None,
    strict: StrictOption = False,
) -> None:
    """列出报送期限：按截止日期排序，标出节假日调整、推定日期和被挤压的汇总时间。"""
    if year is not None and (date_from or date_to):
        raise UsageError("--year 不能与 --from/--to 同时使用")
    from gdcomply.workdays.model import RANGE_END, RANGE_START

    if year is not None and not RANGE_START.year <= year <= RANGE_END.year:
        raise UsageError(
            f"--year 的值 {year} 超出工作日历支持的范围（{RANGE_START.year} 至 {RANGE_END.year} 年）"
        )
    this_year = year if year is not None else today().year
    start = parse_date(date_from, "--from") if date_from else None
    end = parse_date(date_to, "--to") if date_to else None
    # --from alone runs to the end of its year, --to alone from the start of its year
    start = start or date(end.year if end else this_year, 1, 1)
    end = end or date(start.year, 12, 31)
    if end < start:
        raise UsageError(f"--to（{end.isoformat()}）早于 --from（{start.isoformat()}）")
    check_in_range(start, end)
    check_html_out(out, force, output_format is CalendarFormat.html)
    setup = load_setup_for(config, workspace, strict=strict)
    party = resolve_party(setup.calendar, party, "--party") if party is not None else None
    schedule = setup.calendar.schedule(start, end, setup.workdays)
    instances = [i for i in schedule.instances if party is None or party in (i.sender, i.receiver)]
    warnings = schedule.warnings
    if party is not None:
        from gdcomply.calendar import schedule_warnings

        # the party's own instances, and the reports that feed them (a squeeze concerns both ends)
        shown = {i.id for i in instances}
        related = [i for i in schedule.instances if i.id in shown or i.parent in shown]
        warnings = tuple(schedule_warnings(setup.calendar, related, setup.workdays))

    if output_format is CalendarFormat.json:
        from gdcomply.calendar import instance_to_json

        write_json(
            {
                "range": {"from": start.isoformat(), "to": end.isoformat()},
                "instances": [instance_to_json(i) for i in instances],
                "warnings": [{"code": w.code, "message": w.message} for w in warnings],
            }
        )
        return
    print_warnings(warnings)
    if output_format is CalendarFormat.html:
        from gdcomply.reports.pages import calendar_page

        scope = f"{setup.calendar.party_name(party)}的事项" if party else "全部单位的事项"
        page = calendar_page(
            setup.calendar, instances, [w.message for w in warnings], start=start, end=end, today=today(), scope=scope
        )
        write_page(page, out, force, setup.workspace.protected)
        return
    if output_format is CalendarFormat.ics:
        from gdcomply.cli.common import now
        from gdcomply.reports.ics import instances_to_ics

        sys.stdout.buffer.write(instances_to_ics(setup.calendar, instances, now()))
        sys.stdout.flush()
        return
    squeezed_parents = {i.parent for i in schedule.instances if i.squeeze_gap is not None and i.parent}
    _print_calendar_table(setup.calendar, instances, squeezed_parents, start, end)


def check_in_range(*days: date) -> None:
    """A date typed on the command line outside the working-day calendar is wrong usage (exit 2)."""
    from gdcomply.workdays.model import RANGE_END, RANGE_START

    for day in days:
        if not RANGE_START <= day <= RANGE_END:
            raise UsageError(
                f"日期 {day.isoformat()} 超出工作日历支持的范围"
                f"（{RANGE_START.isoformat()} 至 {RANGE_END.isoformat()}）"
            )


def route_text(calendar: Calendar, instance: Instance) -> str:
    sender = calendar.party_name(instance.sender)
    if instance.receiver is None:
        return f"{sender}（完成/公开）"
    return f"{sender} → {calendar.party_name(instance.receiver)}"


def instance_marks(instance: Instance, squeezed_parents: set[str]) -> list[str]:
    marks = []
    if instance.rolled:
        marks.append(f"原定{instance.nominal.strftime('%m-%d')}{weekday_zh(instance.nominal)}")
    if instance.inferred:
        marks.append("推定")
    if instance.squeeze_gap is not None:
        marks.append(f"挤压：距汇总仅{instance.squeeze_gap}个工作日")
    if instance.id in squeezed_parents:
        marks.append("汇总被挤压")
    return marks


def _print_calendar_table(
    calendar: Calendar, instances: list[Instance], squeezed_parents: set[str], start: date, end: date
) -> None:
    """The deadlines as a table that fits the terminal, as check's (see ledger_cmds._print_check):
    six columns, or 事项 and 期次 in one, or one block of lines per deadline; nothing is cut."""
    from gdcomply.cli.layout import Cell, print_blocks, print_table

    title = f"报送期限 {start.isoformat()} 至 {end.isoformat()}（共 {len(instances)} 项）"
    rows: list[dict[str, Cell]] = []
    for instance in instances:
        style = "yellow" if instance.squeeze_gap is not None or instance.id in squeezed_parents else ""
        due = f"{instance.due.isoformat()} {weekday_zh(instance.due)}"
        name = Cell.of(instance.title, style)
        marks = "；".join(instance_marks(instance, squeezed_parents))
        rows.append(
            {
                "截止日期": Cell.of(due, style),
                "事项": name,
                "期次": Cell((instance.period,), style),
                "事项、期次": Cell((*name.pieces[:-1], name.pieces[-1] + " ", instance.period), style),
                "报送 → 接收": Cell.of(route_text(calendar, instance), style),
                "标记": Cell.of(marks, style),
                "依据": Cell.of(instance.source, style),
                "标题": Cell((f"{due}  ", *name.pieces[:-1], name.pieces[-1] + " ", instance.period), style),
                "标记行": Cell.of(marks, style),
                "依据行": Cell.of(f"依据 {instance.source}", style),
            }
        )
    layouts = []
    for names in (
        ("截止日期", "事项", "期次", "报送 → 接收", "标记", "依据"),
        ("截止日期", "事项、期次", "报送 → 接收", "标记", "依据"),
    ):
        layouts.append(([Cell.of(n) for n in names], [[row[n] for n in names] for row in rows]))
    out = console()
    if not print_table(out, layouts, title):
        print_blocks(
            out,
            [
                [row["标题"], row["报送 → 接收"], *([row["标记行"]] if row["标记行"].text else []), row["依据行"]]
                for row in rows
            ],
            title,
        )


# -- workdays -------------------------------------------------------------------------------

workdays_app = typer.Typer(help="工作日计算：两日期间的工作日数、若干工作日后的日期、月历。", no_args_is_help=True)


@workdays_app.command("count")
def workdays_count(
    start: Annotated[str, typer.Argument(metavar="起始日期", help="起始日期 YYYY-MM-DD（不计入）。")],
    end: Annotated[str, typer.Argument(metavar="结束日期", help="结束日期 YYYY-MM-DD（计入）。")],
    output_format: Annotated[TableOrJson, typer.Option("--format", help="输出格式。")] = TableOrJson.table,
    config: ConfigOption = None,
    workspace: WorkspaceOption = None,
    strict: StrictOption = False,
) -> None:
    """两日期之间的工作日数：计入起始日期之后、结束日期当天及之前的工作日（同一天为 0）。"""
    a, b = parse_date(start, "起始日期"), parse_date(end, "结束日期")
    check_in_range(a, b)
    workdays = _workdays(config, workspace, strict)
    n = workdays.count(a, b)
    warnings = workdays.warnings_for(a, b)
    if output_format is TableOrJson.json:
        write_json({"start": a.isoformat(), "end": b.isoformat(), "working_days": n, "warnings": _w(warnings)})
        return
    print_warnings(warnings)
    sys.stdout.write(f"{a.isoformat()}（{weekday_zh(a)}）至 {b.isoformat()}（{weekday_zh(b)}）：{n} 个工作日\n")


# "-5" must reach N as a number, not be taken for an unknown option
@workdays_app.command("add", context_settings={"ignore_unknown_options": True})
def workdays_add(
    start: Annotated[str, typer.Argument(metavar="起始日期", help="起始日期 YYYY-MM-DD。")],
    n: Annotated[int, typer.Argument(metavar="工作日数", help="工作日数（可为负数，表示之前）。")],
    output_format: Annotated[TableOrJson, typer.Option("--format", help="输出格式。")] = TableOrJson.table,
    config: ConfigOption = None,
    workspace: WorkspaceOption = None,
    strict: StrictOption = False,
) -> None:
    """起始日期之后（或之前）的第几个工作日是哪一天（如受理后第 22 个工作日）。"""
    from gdcomply.errors import CalendarRangeError

    a = parse_date(start, "起始日期")
    check_in_range(a)
    workdays = _workdays(config, workspace, strict)
    try:
        result = workdays.add(a, n)
    except CalendarRangeError as exc:  # N too large for the calendar: the user's input, not the data
        raise UsageError(exc.message) from None
    warnings = workdays.warnings_for(a, result)
    if output_format is TableOrJson.json:
        write_json({"start": a.isoformat(), "working_days": n, "date": result.isoformat(), "warnings": _w(warnings)})
        return
    print_warnings(warnings)
    direction = "之后" if n >= 0 else "之前"
    sys.stdout.write(
        f"{a.isoformat()}（{weekday_zh(a)}）{direction}第 {abs(n)} 个工作日："
        f"{result.isoformat()}（{weekday_zh(result)}）\n"
    )


@workdays_app.command("month")
def workdays_month(
    month: Annotated[str, typer.Argument(metavar="月份", help="月份 YYYY-MM。")],
    output_format: Annotated[TableOrJson, typer.Option("--format", help="输出格式。")] = TableOrJson.table,
    config: ConfigOption = None,
    workspace: WorkspaceOption = None,
    strict: StrictOption = False,
) -> None:
    """月历：标出周末、法定节假日和调休上班日。"""
    from gdcomply.workdays.model import DayKind, month_days

    try:
        year_text, month_text = month.split("-")
        days = month_days(int(year_text), int(month_text))
    except ValueError:
        raise UsageError(f"月份“{month}”无效，格式应为 YYYY-MM（如 2026-10）") from None
    check_in_range(days[0])
    workdays = _workdays(config, workspace, strict)
    kinds = {d: workdays.day_kind(d) for d in days}
    warnings = workdays.warnings_for(days[0], days[-1])
    if output_format is TableOrJson.json:
        write_json(
            {
                "month": f"{days[0]:%Y-%m}",
                "working_days": sum(1 for k in kinds.values() if k in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)),
                "days": [
                    {"date": d.isoformat(), "kind": kinds[d].value, "name": workdays.holiday_name(d)} for d in days
                ],
                "warnings": _w(warnings),
            }
        )
        return
    print_warnings(warnings)
    _print_month(days, kinds, workdays)


def _print_month(days: list[date], kinds: dict, workdays) -> None:
    from gdcomply.cli.common import month_grid
    from gdcomply.workdays.model import DayKind

    out = console()
    out.print(month_grid(days, kinds))
    notes = [f"{d.isoformat()} {workdays.holiday_name(d)}" for d in days if kinds[d] is DayKind.HOLIDAY]
    notes += [f"{d.isoformat()} 调休上班" for d in days if kinds[d] is DayKind.MAKEUP_WORKDAY]
    if notes:
        out.print("说明：“休”为法定节假日（放假），“班”为调休上班日。")
        for note in sorted(notes):
            out.print(f"  {note}")


def _workdays(config, workspace, strict: bool):
    from gdcomply.cli.common import resolve_workspace
    from gdcomply.setup import load_workdays

    config_dir = config.parent if config is not None else resolve_workspace(workspace).config_dir
    return load_workdays(config_dir, strict=strict)


def _w(warnings) -> list[dict[str, str]]:
    return [{"code": w.code, "message": w.message} for w in warnings]


# -- validate -------------------------------------------------------------------------------


def validate_command(
    config: ConfigOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """检查期限日历、节假日、目标值、提醒设置、投诉设置和工作区设置文件：没有问题时给出一行摘要，否则列出每一处问题及其行列号。"""
    from gdcomply.applications.targets import load_targets
    from gdcomply.cli.common import resolve_workspace
    from gdcomply.complaints.settings import check_against_calendar, load_complaint_settings
    from gdcomply.errors import ConfigError
    from gdcomply.ledger.location import SETTINGS_NAME, load_settings
    from gdcomply.reminders.settings import check_against_parties, load_remind_config
    from gdcomply.setup import load_setup
    from gdcomply.workdays.holidayfile import load_holiday_overrides

    found = resolve_workspace(workspace, config=config)
    deadlines = config if config is not None else found.deadlines_file
    config_dir = deadlines.parent
    reports: list[str] = []

    def attempt(load) -> object | None:
        try:
            return load()
        except ConfigError as exc:
            if str(exc) not in reports:
                reports.append(str(exc))
            return None

    setup = attempt(lambda: load_setup(found, config))
    if setup is None:
        # a broken calendar stops loading before the holidays file is read: check that one
        # too, so that one run lists every problem of every file
        holidays_file = config_dir / "holidays.yaml"
        if holidays_file.exists():
            attempt(lambda: load_holiday_overrides(holidays_file))
    # The workspace's other settings files, each with its own loader.
    attempt(lambda: load_targets(config_dir / "targets.yaml"))
    remind = attempt(lambda: load_remind_config(config_dir / "reminders.yaml"))
    complaints_file = config_dir / "complaints.yaml"
    complaints = attempt(lambda: load_complaint_settings(complaints_file))
    settings = config_dir / SETTINGS_NAME  # which ledger the workspace uses (no connection is made)
    attempt(lambda: load_settings(settings, f"{config_dir.name}/{SETTINGS_NAME}"))
    if setup is not None and remind is not None:
        attempt(lambda: check_against_parties(remind, set(setup.calendar.parties)))
    if setup is not None and complaints is not None:
        found_problems = check_against_calendar(complaints, setup.calendar, str(complaints_file))  # type: ignore[arg-type]
        found_problems += [c.problem for d in complaints.departments.values() for c in d.contacts if c.problem]  # type: ignore[attr-defined]
        if found_problems:
            reports.append(f"投诉设置文件 {complaints_file} 有错误：\n" + "\n".join(found_problems))
    if setup is not None and setup.calendar.contact_problems():
        contacts = setup.calendar.contact_problems()
        reports.append(
            f"期限日历 {setup.deadlines_file} 中有 {len(contacts)} 个联系人无法发送邮件"
            f"（其他人的提醒照常发送，这些人收不到）：\n" + "\n".join(contacts)
        )
    if reports or setup is None:
        sys.stderr.write("\n".join(reports) + "\n")
        raise typer.Exit(1)
    checked = [
        p.name for p in (config_dir / "targets.yaml", config_dir / "reminders.yaml", complaints_file, settings) if p.exists()
    ]
    calendar = setup.calendar
    instances = calendar.instances_for_years(2018, today().year + 1, setup.workdays)
    official = sorted(setup.workdays.data.official_years)
    extra = f"，节假日文件覆盖 {len(official)} 年（{'、'.join(map(str, official))}）" if official else ""
    sys.stdout.write(
        f"{setup.deadlines_file}：没有发现问题。{len(calendar.parties)} 个单位，"
        f"{len(calendar.obligations)} 个事项，2018 年至明年共 {len(instances)} 个报送节点{extra}"
        + (f"；{'、'.join(checked)} 也已检查" if checked else "")
        + "。\n"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("calendar")(calendar_command)
    app.add_typer(workdays_app, name="workdays")
    app.command("validate")(validate_command)
