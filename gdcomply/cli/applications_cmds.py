"""CLI commands: applications check | stats | sample (registered on the root app by gdcomply.cli)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from gdcomply.cli.common import (
    AsOfOption,
    ConfigOption,
    ForceOption,
    HtmlOutOption,
    TableJsonOrHtml,
    TableOrJson,
    WorkspaceOption,
    as_of_or_today,
    check_html_out,
    console,
    print_warnings,
    write_page,
)
from gdcomply.cli.applications_show import add_row as _add_row
from gdcomply.cli.applications_show import open_table, print_basis, print_check_basis
from gdcomply.errors import InputError, UsageError

if TYPE_CHECKING:
    from gdcomply.applications.measures import CheckResult, PeriodMeasures
    from gdcomply.applications.model import ApplicationSet
    from gdcomply.applications.tables import OpenInBackground
    from gdcomply.applications.targets import Targets
    from gdcomply.errors import Problem
    from gdcomply.workdays.workcalendar import WorkCalendar


def config_dir(config: Path | None, workspace: Path | None) -> Path:
    """The config directory in use: --config's folder, else the workspace's config/.

    The workspace is found as every command finds it (--workspace, $GDCOMPLY_WORKSPACE, the
    nearest workspace above the current folder, the default one), falling back to the
    bundled config outside any workspace.
    """
    if config is not None:
        return config.parent
    from gdcomply.cli.common import resolve_workspace

    return resolve_workspace(workspace).config_dir


MAX_SAMPLE_ROWS = 1_000_000  # more than any unit's export; application ids have 7 digits
SHOWN_PROBLEMS = 20  # problems listed on the terminal; --problems FILE gets all of them

FileArgument = Annotated[
    Path,
    typer.Argument(help="申请数据文件：营销系统导出的 .xlsx（第一个工作表或名为“申请”的工作表）或 .csv。", dir_okay=False),
]
PausesOption = Annotated[
    Optional[Path],
    typer.Option(
        "--pauses",
        help="客户原因暂停记录文件（.xlsx 或 .csv，列：申请编号、暂停开始、暂停结束、原因）。"
        "工作簿中名为“暂停”的工作表会自动读取。",
        dir_okay=False,
    ),
]
UnitOption = Annotated[
    Optional[str],
    typer.Option("--unit", metavar="单位", help="只看一个供电单位：单位代号（guiyuan、gongdian）或名称（桂源公司、供电公司）。"),
]
FormatOption = Annotated[TableOrJson, typer.Option("--format", help="输出格式：table（表格）或 json。")]
ProblemsOption = Annotated[
    Optional[Path],
    typer.Option(
        "--problems",
        help=f"把数据文件的全部问题（每行一处）写入此文本文件（UTF-8）；屏幕上只列前 {SHOWN_PROBLEMS} 处。",
        dir_okay=False,
    ),
]
TargetsOption = Annotated[
    Optional[str],
    typer.Option(
        "--targets",
        metavar="方案",
        help="整个期间都按这一个目标方案判定（方案代号见 targets.yaml 的目标方案列表），用来看离下一阶段目标还有多远；"
        "默认按每件申请受理当天有效的已核实方案判定。待核实的方案只作对照，标“待核实”。",
    ),
]
StrictInputOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="数据文件有任何问题时不计算、直接报错（退出码 1）；涉及尚未公布节假日安排的年份时也报错。",
    ),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    group = typer.Typer(
        name="applications",
        help="用电报装（业扩报装）数据：检查未送电申请是否超期、测算接电时长等指标、生成示例数据。",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    group.command("check")(check)
    group.command("stats")(stats)
    group.command("sample")(sample)
    app.add_typer(group, name="applications")


# -- shared steps --------------------------------------------------------------------------


def _start_reading(file: Path) -> Path | OpenInBackground:
    """A workbook's sheets parsed in the background (calamine releases the GIL) while the
    command starts up (imports, settings): an OpenInBackground for _load, else the path."""
    from gdcomply.applications.tables import APPLICATION_SHEETS, WORKBOOK_SUFFIXES, OpenInBackground

    if file.suffix.lower() not in WORKBOOK_SUFFIXES:
        return file  # a CSV is decoded and parsed holding the GIL: nothing to gain
    return OpenInBackground(file, str(file), APPLICATION_SHEETS, pauses_only=False)


def _load(
    file: Path, pauses: Path | None, unit: str | None, config: Path | None, workspace: Path | None, strict: bool,
    problems_file: Path | None = None, reading: Path | OpenInBackground | None = None,
) -> tuple[Targets, str | None, WorkCalendar, ApplicationSet]:
    """Targets, the --unit's party id (checked before the long read), calendar and applications
    (reading: what _start_reading(file) returned, if called)."""
    from gdcomply.applications.targets import load_targets
    from gdcomply.workdays.workcalendar import WorkCalendar

    directory = config_dir(config, workspace)
    targets = load_targets(directory / "targets.yaml")
    party = _unit(unit, targets)
    app_set = _read(file if reading is None else reading, pauses, targets)
    if strict and app_set.problems:
        from gdcomply.errors import Problem

        problems = app_set.problems
        if problems_file is not None:
            _write_problems(problems, problems_file)
        shown = list(problems[:SHOWN_PROBLEMS])
        if problems_file is not None:
            shown.append(Problem("", f"全部问题已写入 {problems_file}。"))
        elif len(problems) > SHOWN_PROBLEMS:
            hidden = len(problems) - SHOWN_PROBLEMS
            shown.append(Problem("", f"……其余 {hidden} 处问题未显示；加 --problems 文件名 可把全部问题写入文件。"))
        raise InputError(
            f"数据文件有 {len(problems)} 处问题，--strict 模式下不做计算（{app_set.rows.rejected} 行受影响）：",
            shown,
        )
    calendar = WorkCalendar.default(directory / "holidays.yaml", strict=strict)
    return targets, party, calendar, app_set


def _read(file: Path | OpenInBackground, pauses: Path | None, targets: Targets) -> ApplicationSet:
    """Read the export (a path or an OpenInBackground); a progress bar on stderr only when it is a terminal."""
    from gdcomply.applications.read import read_applications

    if not sys.stderr.isatty():
        return read_applications(file, pauses, targets)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("读取 {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task((file if isinstance(file, Path) else file.path).name, total=None)

        def update(done: int, expected: int) -> None:
            bar.update(task, completed=done, total=max(done, expected))

        return read_applications(file, pauses, targets, progress=update)


def _unit(text: str | None, targets: Targets) -> str | None:
    if text is None:
        return None
    party = targets.resolve_unit(text)
    if party is None:
        known = "、".join(f"{p}（{names[0]}）" for p, names in targets.units.items())
        raise UsageError(f"--unit 的值“{text}”不是已知的供电单位，应为 {known}")
    return party


def _report_problems(
    problems: tuple[Problem, ...], rejected: int, problems_file: Path | None, *, listing: bool,
    left_out: str = "未参与计算",
) -> None:
    """The count and the first problems on stderr (table output); all of them in --problems FILE.

    A file whose every row is wrong has millions of problems: printing them all buries the
    result (and a cron mail) under hundreds of megabytes.
    """
    if problems_file is not None:
        _write_problems(problems, problems_file)
    if not problems or not listing:  # JSON carries rows.rejected, problem_count and the first problems
        return
    sys.stdout.flush()
    err = sys.stderr
    where = f"全部问题已写入 {problems_file}" if problems_file is not None else ""
    err.write(f"注意：有 {rejected} 行数据有问题，{left_out}（共 {len(problems)} 处问题）：\n")
    for problem in problems[:SHOWN_PROBLEMS]:
        err.write(f"  {problem}\n")
    hidden = len(problems) - SHOWN_PROBLEMS
    if where:
        err.write(f"{where}。\n")
    elif hidden > 0:
        err.write(f"  ……其余 {hidden} 处问题未显示；加 --problems 文件名 可把全部问题写入文件。\n")


def _write_problems(problems: tuple[Problem, ...], target: Path) -> None:
    """Every problem, one a line (UTF-8), written to a temporary name and renamed into place."""
    import os
    import tempfile

    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise InputError(f"无法写入 --problems 文件 {target}：{exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            for problem in problems:
                out.write(f"{problem}\n")
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"无法写入 --problems 文件 {target}：{exc.strerror or exc}") from None


def _capped(payload: dict[str, Any]) -> dict[str, Any]:
    """The JSON with the first problems only, and their count (the full list: --problems)."""
    problems = payload.get("problems", [])
    return {**payload, "problems": problems[:SHOWN_PROBLEMS], "problem_count": len(problems)}


def write_json(payload: dict[str, Any]) -> None:
    """Indented JSON on stdout, as common.write_json writes it, but each record of a long
    list on one line.

    json has no C accelerator for indented output; a 300k-row export lists ~20k
    high-voltage connections, whose indented encoding took longer than measuring them.
    The records are encoded without indent (in C) and put in place of placeholders.
    """
    records: list[str] = []
    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: dumps() builds one per call

    def lift(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: lift(v) for k, v in value.items()}
        if isinstance(value, list) and len(value) > 20 and all(isinstance(v, dict) for v in value):
            records.append(",\n".join(map(encode, value)))
            return f"\x00records-{len(records) - 1}\x00"
        return value

    text = json.dumps(lift(payload), ensure_ascii=False, indent=2)
    for number, body in enumerate(records):
        placeholder = json.dumps(f"\x00records-{number}\x00")
        start = text.index(placeholder)
        line = text[text.rindex("\n", 0, start) + 1 : start]
        indent = line[: len(line) - len(line.lstrip())]
        listing = f"[\n{indent}  " + body.replace("\n", f"\n{indent}  ") + f"\n{indent}]"
        text = text[:start] + listing + text[start + len(placeholder) :]
    sys.stdout.write(text + "\n")


# -- check ---------------------------------------------------------------------------------


def check(
    file: FileArgument,
    pauses: PausesOption = None,
    as_of: AsOfOption = None,
    unit: UnitOption = None,
    horizon: Annotated[
        Optional[int],
        typer.Option("--horizon", min=0, metavar="工作日数", help="剩余不超过多少个工作日时提示“即将超期”（默认：targets.yaml 中的 alert.horizon，5）。"),
    ] = None,
    output: FormatOption = TableOrJson.table,
    config: ConfigOption = None,
    workspace: WorkspaceOption = None,
    strict: StrictInputOption = False,
    problems_file: ProblemsOption = None,
    targets_name: TargetsOption = None,
) -> None:
    """检查未送电的申请：已用工作日、时限、剩余工作日和状态（已超期 / 即将超期 / 正常）。有已超期的申请或有问题的行时退出码为 1。"""
    from gdcomply.applications.measures import AlertStatus, check_open, check_to_json

    day = as_of_or_today(as_of)
    targets, party, calendar, app_set = _load(file, pauses, unit, config, workspace, strict, problems_file)
    result = check_open(app_set, calendar, targets, as_of=day, horizon=horizon, unit=party, chosen=targets_name)
    if output is TableOrJson.json:
        write_json(_capped(check_to_json(result)))
    else:
        _print_check(result, targets)
    _report_problems(result.problems, result.rows.rejected, problems_file, listing=output is TableOrJson.table)
    print_warnings(result.warnings)
    # an unverified profile (--targets) never decides: its overdue applications do not fail the check
    if (result.decides and result.count(AlertStatus.OVERDUE)) or result.rows.rejected:
        raise typer.Exit(1)


def _print_check(result: CheckResult, targets: Targets) -> None:
    from rich.table import Table

    from gdcomply.applications.measures import AlertStatus

    out = console()
    scope = targets.unit_name(result.unit) if result.unit else "两供电单位"
    plan_only = result.chosen is None and all(p.is_plan for p, _ in result.profiles)
    if not plan_only:
        print_check_basis(result)
    out.print(
        f"截至 {result.as_of.isoformat()}，{scope}未送电的申请 {len(result.open)} 件："
        f"已超期 {result.count(AlertStatus.OVERDUE)} 件，"
        f"即将超期 {result.count(AlertStatus.DUE_SOON)} 件（剩余不超过 {result.horizon} 个工作日），"
        f"正常 {result.count(AlertStatus.ON_TRACK)} 件"
        + (f"，无时限要求 {result.count(AlertStatus.NO_LIMIT)} 件" if result.count(AlertStatus.NO_LIMIT) else "")
        + (f"，未判定 {result.count(AlertStatus.NOT_JUDGED)} 件（缺少方案需要的列）"
           if result.count(AlertStatus.NOT_JUDGED) else "")
        + "。"
    )  # fmt: skip
    by_unit = result.unit is None  # with --unit the unit column says nothing
    if result.open and plan_only:
        out.print(open_table(result.open, targets, by_unit, calendar_days=False))
        out.print("已用、时限、剩余均为工作日；“停”为客户原因暂停、不计入的工作日。")
    elif result.open:  # one table per profile, calendar days beside working days
        for profile, _ in result.profiles:
            items = [o for o in result.open if o.profile is not None and o.profile.name == profile.name]
            if not items:
                continue
            out.print(f"\n按 {profile.label} 判定（{profile.effective.isoformat()} 起受理）：")
            out.print(open_table(items, targets, by_unit, calendar_days=True))
            missing = [f"{o.application.application_id} 缺“{o.missing_fact}”" for o in items if o.missing_fact]
            if missing:
                out.print("未判定（数据文件没有该方案需要的列）：" + "，".join(missing) + "。")
        out.print("已用、时限、剩余均为工作日，日历日为受理次日起的自然日；“停”为所依据方案不计入的暂停工作日。")
    period = result.period
    if result.closed_over_limit:
        out.print(f"\n本期（{period.label}）已送电但接电时长超过时限的申请 {len(result.closed_over_limit)} 件：")
        table = Table(show_edge=False, pad_edge=False)
        for name in ("申请编号", "单位", "户名", "类别", "受理日期", "送电日期", "接电时长", "时限", "依据"):
            if (name != "单位" or by_unit) and (name != "依据" or not plan_only):
                table.add_column(name, no_wrap=name != "户名", overflow="fold",
                                 justify="right" if name in ("接电时长", "时限") else "left")
        for closed in result.closed_over_limit:
            application = closed.application
            _add_row(
                table,
                application.application_id,
                *([targets.unit_name(application.unit)] if by_unit else []),
                application.customer,
                application.customer_class.label,
                application.accepted.isoformat(),
                application.energised.isoformat(),
                str(closed.working_days),
                str(closed.limit),
                *([] if plan_only or closed.profile is None else [closed.profile.label]),
            )
        out.print(table)
    else:
        out.print(f"本期（{period.label}）已送电的申请都没有超过时限。")


# -- stats ---------------------------------------------------------------------------------


def stats(
    file: FileArgument,
    pauses: PausesOption = None,
    period: Annotated[
        Optional[str],
        typer.Option("--period", metavar="期次", help="半年度 YYYY-H1 或 YYYY-H2（按送电日期归属；默认：文件中全部已送电的申请）。"),
    ] = None,
    unit: UnitOption = None,
    output: Annotated[
        TableJsonOrHtml,
        typer.Option("--format", help="输出格式：table（表格）、json，或 html 网页（各类指标与目标对照，接电时长分布图标出时限）。"),
    ] = TableJsonOrHtml.table,
    out: HtmlOutOption = None,
    force: ForceOption = False,
    config: ConfigOption = None,
    workspace: WorkspaceOption = None,
    strict: StrictInputOption = False,
    problems_file: ProblemsOption = None,
    targets_name: TargetsOption = None,
) -> None:
    """测算已送电申请的接电时长、环节、材料、费用、跑动次数等指标，并与《实施方案》的目标对照。有问题的行时退出码为 1。"""
    reading = _start_reading(file)  # a workbook is parsed while the rest starts up
    from gdcomply.applications.measures import measure, measures_to_json
    from gdcomply.applications.model import Period

    half_year = Period.parse(period) if period is not None else None
    check_html_out(out, force, output is TableJsonOrHtml.html)
    targets, party, calendar, app_set = _load(file, pauses, unit, config, workspace, strict, problems_file, reading)
    figures = measure(app_set, calendar, targets, period=half_year, unit=party, chosen=targets_name)
    if output is TableJsonOrHtml.json:
        write_json(_capped(measures_to_json(figures)))
    elif output is TableJsonOrHtml.html:
        from gdcomply.reports.stats_page import stats_page

        write_page(stats_page(figures, targets, read=file.name), out, force)
    else:
        _print_stats(figures, targets)
    _report_problems(figures.problems, figures.rows.rejected, problems_file, listing=output is TableJsonOrHtml.table)
    print_warnings(figures.warnings)
    if figures.rows.rejected:
        raise typer.Exit(1)


def _print_stats(figures: PeriodMeasures, targets: Targets) -> None:
    from rich.table import Table

    from gdcomply.applications.measures import kva
    from gdcomply.applications.model import CustomerClass
    from gdcomply.reports.stats_page import class_rows, missing_note

    out = console()
    scope = targets.unit_name(figures.unit) if figures.unit else "两供电单位合计"
    when = f"{figures.period.label}（{figures.period}）送电" if figures.period else "文件中全部已送电"
    rows = figures.rows
    out.print(f"报装数据测算：{scope}，{when}的申请。")
    out.print(f"读取 {rows.read} 行，有效 {rows.valid} 行，有问题未计入 {rows.rejected} 行。接电时长单位为工作日。")
    if not figures.plan_only:
        out.print("以下各表是按 2018 年方案口径的统计；本期的判定见后面的“判定依据”。")
    for item in figures.classes:
        table = Table(title=f"{item.customer_class.label}（{item.count} 件）", title_justify="left",
                      show_edge=False, pad_edge=False)
        table.add_column("指标")
        table.add_column("数值", justify="right")
        table.add_column("目标", justify="right")
        table.add_column("结果")
        for row in class_rows(item, judged=figures.plan_only):
            _add_row(table, *row)
        out.print()
        out.print(table)
        if note := missing_note(item):
            out.print(note)
        if item.customer_class is CustomerClass.HIGH_VOLTAGE and item.energised:
            listing = Table(title="已送电的高压新装及增容", title_justify="left", show_edge=False, pad_edge=False)
            by_unit = figures.unit is None
            for name in ("申请编号", "单位", "户名", "业务类型", "容量(kVA)", "受理日期", "送电日期", "接电时长"):
                if name != "单位" or by_unit:
                    listing.add_column(name, justify="right" if name in ("容量(kVA)", "接电时长") else "left",
                                       no_wrap=name != "户名", overflow="fold")
            for row in item.energised:
                _add_row(
                    listing,
                    row.application_id,
                    *([targets.unit_name(row.unit)] if by_unit else []),
                    row.customer,
                    row.business_type.value,
                    kva(row.capacity_kva) or "",
                    row.accepted.isoformat(),
                    row.energised.isoformat(),
                    str(row.working_days),
                )
            out.print()
            out.print(listing)
    print_basis(figures)


# -- sample --------------------------------------------------------------------------------


def sample(
    out: Annotated[Path, typer.Argument(help="输出文件：.xlsx（含“申请”“暂停”两个工作表）或 .csv（暂停记录另存为 名称-pauses.csv）。", dir_okay=False)],
    rows: Annotated[int, typer.Option("--rows", min=1, max=MAX_SAMPLE_ROWS, metavar="条数", help="申请条数。")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="随机种子：相同的种子和日期生成相同的数据。")] = 1,
    as_of: AsOfOption = None,
    force: Annotated[bool, typer.Option("--force", help="输出文件已存在时覆盖它（默认不覆盖，以免误删真实的导出数据）。")] = False,
    config: ConfigOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """生成虚构的报装申请数据（两个供电单位、各类客户、部分暂停和未送电的申请），用于演示、测试和性能测试。"""
    from gdcomply.applications.sample import generate, sample_paths, write_sample_csv
    from gdcomply.workdays.workcalendar import WorkCalendar

    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UsageError(f"输出文件“{out}”的扩展名应为 .xlsx 或 .csv")
    folder = out.parent
    if not folder.is_dir():
        raise UsageError(f"输出文件夹“{folder}”不存在（或不是文件夹）：请先创建它，或换一个位置")
    existing = [path for path in sample_paths(out) if path.exists()]
    if existing and not force:
        names = "、".join(f"“{path}”" for path in existing)
        raise UsageError(
            f"输出文件{names}已存在，未写入（以免覆盖真实的导出数据）。请换一个文件名，或加 --force 覆盖"
        )
    day = as_of_or_today(as_of)
    calendar = WorkCalendar.default(config_dir(config, workspace) / "holidays.yaml")
    data = generate(rows, seed, calendar, day)
    if suffix == ".xlsx":
        from gdcomply.reports.sample_xlsx import write_sample_xlsx

        write_sample_xlsx(data, out, as_of=day)
        written = f"{out}（工作表“申请”{len(data.applications)} 条，“暂停”{len(data.pauses)} 条）"
    else:
        paths = write_sample_csv(data, out)
        written = f"{paths[0]}（{len(data.applications)} 条申请）和 {paths[1]}（{len(data.pauses)} 条暂停记录）"
    open_count = sum(1 for row in data.applications if row[9] is None)
    sys.stdout.write(f"已写入 {written}，截至 {day.isoformat()} 未送电 {open_count} 条。\n")
