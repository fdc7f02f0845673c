"""CLI commands: complaints import | check | stats | sample (registered on the root app by gdcomply.cli)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from gdcomply.cli.common import (
    AsOfOption,
    ConfigOption,
    LedgerOption,
    StrictOption,
    TableOrJson,
    WorkspaceOption,
    as_of_or_today,
    console,
    now,
    print_warnings,
    shown_path,
)
from gdcomply.cli.applications_cmds import write_json  # records one a line: fast for 100,000 complaints
from gdcomply.errors import UsageError

if TYPE_CHECKING:
    from gdcomply.complaints.deadlines import ComplaintCheck
    from gdcomply.complaints.settings import ComplaintSettings, Units
    from gdcomply.complaints.stats import ComplaintStats, Figures
    from gdcomply.ledger.store import Opened
    from gdcomply.setup import Setup

MAX_SAMPLE_ROWS = 1_000_000


class Encoding(str, Enum):
    utf8 = "utf-8"
    gbk = "gbk"


UnitOption = Annotated[
    Optional[str],
    typer.Option("--unit", metavar="单位", help="只看一个责任单位：单位代号或名称（如 guiyuan、桂源公司），或 complaints.yaml 中的部门（如 营销部）。"),
]
FormatOption = Annotated[TableOrJson, typer.Option("--format", help="输出格式：table（表格）或 json。")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    group = typer.Typer(
        name="complaints",
        help="12398、966068 投诉登记：导入热线系统的导出表、检查答复期限、按单位和类别统计、生成示例数据。",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    group.command("import")(import_command)
    group.command("check")(check_command)
    group.command("stats")(stats_command)
    group.command("sample")(sample_command)
    app.add_typer(group, name="complaints")


# -- shared steps --------------------------------------------------------------------------


def _open(
    workspace: Path | None, config: Path | None, strict: bool, ledger_url: str | None
) -> tuple[Setup, ComplaintSettings, Units, Opened]:
    from gdcomply.cli.ledger_cmds import open_for_ledger
    from gdcomply.complaints.settings import Units, load_complaint_settings

    setup, opened = open_for_ledger(workspace, config, strict, ledger_url)
    try:
        settings = load_complaint_settings(setup.deadlines_file.parent / "complaints.yaml")
    except BaseException:
        opened.close()
        raise
    return setup, settings, Units.of(setup.calendar, settings), opened


def _unit(text: str | None, units: Units) -> str | None:
    if text is None:
        return None
    unit = units.resolve(text)
    if unit is None:
        raise UsageError(f"--unit 的值“{text}”不是已知的责任单位，应为 {units.choices()}")
    return unit


def _add_row(table: Any, *values: str) -> None:
    """A table row of data: as plain text, so that "[…]" in a summary is not markup."""
    from rich.text import Text

    table.add_row(*(Text(value) for value in values))


# -- import --------------------------------------------------------------------------------


def import_command(
    file: Annotated[Path, typer.Argument(help="热线系统导出的投诉工单：.xlsx/.xls（第一个工作表或名为“投诉”的工作表）或 .csv（UTF-8 或 GBK）。", dir_okay=False)],
    problems_file: Annotated[
        Optional[Path],
        typer.Option("--problems", metavar="文件", help="把全部有问题的行（每处一行）写入此文本文件；屏幕上只列前 20 处。", dir_okay=False),
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    ledger_url: LedgerOption = None,
) -> None:
    """导入投诉工单：新工单登记入台账，已有工单（同一来源和工单编号）按新的导出更新并留审计记录，内容相同的不变。有问题的行不导入并指明位置，退出码为 1。"""
    from gdcomply.applications.tables import OpenInBackground
    from gdcomply.complaints.model import COMPLAINT_SHEETS

    # calamine parses the sheet on the other core while the rest is imported and the ledger opened
    reading = OpenInBackground(file, shown_path(file), COMPLAINT_SHEETS, pauses_only=True)

    from gdcomply.applications.model import gc_paused
    from gdcomply.cli.applications_cmds import _report_problems
    from gdcomply.cli.ledger_cmds import os_user
    from gdcomply.complaints.read import read_complaints

    setup, settings, units, opened = _open(workspace, config, False, ledger_url)
    with opened, gc_paused():  # an export's complaints and their records: no cycles, ~1 s of collecting saved
        export = read_complaints(reading, settings, units)
        result = opened.ledger.record_complaints(
            list(export.complaints), at=now(), os_user=os_user(), party_names=setup.calendar.party_names()
        )
    sys.stdout.write(
        f"已导入 {export.source}：读取 {export.read} 行，新增 {result.added} 条，更新 {result.updated} 条，"
        f"未变 {result.unchanged} 条" + (f"，有问题未导入 {export.rejected} 行" if export.rejected else "") + "。\n"
    )
    _report_problems(export.problems, export.rejected, problems_file, listing=True, left_out="未导入")
    if export.rejected:
        raise typer.Exit(1)


# -- check ---------------------------------------------------------------------------------


def check_command(
    as_of: AsOfOption = None,
    unit: UnitOption = None,
    output: FormatOption = TableOrJson.table,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    strict: StrictOption = False,
    ledger_url: LedgerOption = None,
) -> None:
    """投诉答复期限：未答复的投诉及其答复期限、剩余或已超期的工作日（超期的在前），以及本期（半年）超期答复的投诉。有超期未答复的投诉时退出码为 1。"""
    from gdcomply.complaints.deadlines import Status, check_complaints, check_to_json
    from gdcomply.complaints.model import ReportPeriod

    day = as_of_or_today(as_of)
    setup, settings, units, opened = _open(workspace, config, strict, ledger_url)
    with opened:
        party = _unit(unit, units)
        stored = opened.ledger.complaints(party, since=ReportPeriod.half_year(day).start, open_on=day)
    result = check_complaints(stored, setup.workdays, settings, as_of=day, unit=party)
    if output is TableOrJson.json:
        write_json(check_to_json(result))
    else:
        print_warnings(result.warnings)
        _print_check(result, units)
    if result.count(Status.OVERDUE):
        raise typer.Exit(1)


def _print_check(result: ComplaintCheck, units: Units) -> None:
    from gdcomply.cli.layout import Cell, print_blocks, print_table, print_wrapped
    from gdcomply.complaints.deadlines import Status
    from gdcomply.complaints.model import mask_phone

    out = console()
    scope = units.name(result.unit) if result.unit else "各责任单位"
    summary = result.summary
    out.print(
        f"截至 {result.as_of.isoformat()}，{scope}未答复的投诉 {summary['open'] + summary['overdue']} 件："
        f"已超期 {summary['overdue']} 件，未到期 {summary['open']} 件。"
    )
    out.print(
        f"本期（{result.period.label}）受理并已答复 {summary['on-time'] + summary['late']} 件："
        f"按时 {summary['on-time']} 件，超期答复 {summary['late']} 件。"
    )
    shown = result.shown()
    if not shown:
        return
    styles = {Status.OVERDUE: "bold red", Status.LATE: "magenta"}
    by_unit = result.unit is None
    rows: list[dict[str, Cell]] = []
    for item in shown:
        complaint, reply = item.complaint, item.reply
        if reply.status is Status.OVERDUE:
            detail = f"已超期 {reply.working_days_overdue} 个工作日"
        elif reply.status is Status.LATE:
            detail = f"超期 {reply.working_days_late} 个工作日（{reply.done.isoformat()} 答复）"  # type: ignore[union-attr]
        else:
            detail = f"剩 {reply.working_days_left} 个工作日"
        rows.append({
            "状态": Cell((reply.status.label,), styles.get(reply.status, "")),
            "工单": Cell((complaint.id,)),
            "责任单位": Cell((units.name(complaint.unit),)),
            "类别": Cell((complaint.category.value,)),
            "客户": Cell.of(complaint.customer),
            "电话": Cell((mask_phone(complaint.phone),)),
            "受理": Cell((complaint.received.isoformat(),)),
            "答复期限": Cell((reply.due.isoformat(),)),
            "情况": Cell.of(detail),
            "标题": Cell((f"{reply.status.label}  ", f"{complaint.id}  ", f"答复期限 {reply.due.isoformat()}"),
                        styles.get(reply.status, "")),
            "单位、类别": Cell.of(f"{units.name(complaint.unit)}，{complaint.category.value}；受理 "
                              f"{complaint.received.isoformat()}；{complaint.customer} {mask_phone(complaint.phone)}"),
        })  # fmt: skip
    unit_column = ("责任单位",) if by_unit else ()
    layouts = []
    for names in (
        ("状态", "工单", *unit_column, "类别", "客户", "电话", "受理", "答复期限", "情况"),
        ("状态", "工单", *unit_column, "类别", "客户", "电话", "答复期限", "情况"),
        ("状态", "工单", *unit_column, "类别", "答复期限", "情况"),
    ):
        layouts.append(([Cell.of(n) for n in names], [[row[n] for n in names] for row in rows]))
    # the first layout that fits (the customer and the masked phone are what a handler needs next)
    if not any(print_table(out, [layout]) for layout in layouts):
        print_blocks(out, [[row["标题"], row["单位、类别"], row["情况"]] for row in rows])
    print_wrapped(out, "剩余、超期均为工作日（受理次日起算，节假日不计，调休上班日计入）；“超期答复”为本期受理、答复晚于期限的投诉。")


# -- stats ---------------------------------------------------------------------------------


def stats_command(
    period: Annotated[str, typer.Option("--period", metavar="期间", help="统计期间：2026（全年）、2026-H1（半年）、2026-Q2（季度）或 2026-06（月份），按受理时间归属。")],
    as_of: AsOfOption = None,
    unit: UnitOption = None,
    applications: Annotated[
        Optional[Path],
        typer.Option("--applications", metavar="文件", help="报装申请导出表（同 applications check）：关联申请编号的投诉列出该申请的接电时长和是否超过时限。", dir_okay=False),
    ] = None,
    output: FormatOption = TableOrJson.table,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    strict: StrictOption = False,
    ledger_url: LedgerOption = None,
) -> None:
    """投诉统计：各责任单位、各类别的件数、属实率、按时答复率和答复用时中位数，重复投诉，与上期比较，以及最需要督导的单位和类别（按属实投诉）。"""
    from datetime import timedelta

    from gdcomply.complaints.model import ReportPeriod
    from gdcomply.complaints.stats import complaint_stats, stats_to_json

    chosen = ReportPeriod.parse(period)
    day = as_of_or_today(as_of)
    setup, settings, units, opened = _open(workspace, config, strict, ledger_url)
    with opened:
        party = _unit(unit, units)
        since = chosen.previous().start - timedelta(days=settings.repeat_window_days)
        stored = opened.ledger.complaints(party, since=since)
    app_set = targets = None
    if applications is not None:
        from gdcomply.applications.read import read_applications
        from gdcomply.applications.targets import load_targets

        targets = load_targets(setup.deadlines_file.parent / "targets.yaml")
        app_set = read_applications(applications, None, targets, display=shown_path(applications))
    figures = complaint_stats(
        stored, setup.workdays, settings, chosen, as_of=day, unit=party, applications=app_set, targets=targets
    )
    if output is TableOrJson.json:
        write_json(stats_to_json(figures))
    else:
        print_warnings(figures.warnings)
        _print_stats(figures, units)


def _percent(value: Any) -> str:
    from gdcomply.complaints.stats import percent

    return "—" if value is None else f"{percent(value)}%"


def _figures_row(figures: Figures) -> list[str]:
    change = figures.change
    return [
        str(figures.count),
        f"{figures.substantiated}（{_percent(figures.substantiated_share)}）",
        _percent(figures.on_time_rate),
        "—" if figures.median_reply_working_days is None else str(figures.median_reply_working_days),
        str(figures.previous_count),
        f"{change:+d}" if change else "0",
    ]


def _print_stats(stats: ComplaintStats, units: Units) -> None:
    from rich.table import Table

    from gdcomply.cli.layout import print_wrapped

    out = console()
    scope = units.name(stats.unit) if stats.unit else "全部责任单位"
    total = stats.total
    print_wrapped(
        out,
        f"投诉统计：{scope}，{stats.period.label}（{stats.period}）受理的投诉 {total.count} 件，"
        f"属实 {total.substantiated} 件，按时答复率 {_percent(total.on_time_rate)}；"
        f"上期（{stats.previous}）{total.previous_count} 件。截至 {stats.as_of.isoformat()}。",
    )
    if stats.focus_units or stats.focus_categories:
        focus_units = "、".join(f"{units.name(u)}（属实 {f.substantiated} 件）" for u, f in stats.focus_units)
        focus_categories = "、".join(f"{c.value}（属实 {f.substantiated} 件）" for c, f in stats.focus_categories)
        print_wrapped(out, f"需重点督导（按属实投诉）：单位 {focus_units or '无'}；类别 {focus_categories or '无'}。")
    else:
        print_wrapped(out, "本期没有属实的投诉。")
    headers = ("件数", "属实（属实率）", "按时答复率", "答复用时中位数", "上期件数", "增减")
    table = Table(show_edge=False, pad_edge=False)
    for name in ("责任单位", "类别", *headers):
        table.add_column(name, justify="left" if name in ("责任单位", "类别") else "right", overflow="fold")
    for unit, category, figures in stats.cells:
        _add_row(table, units.name(unit), category.value, *_figures_row(figures))
    if stats.unit is None:  # of one unit, its subtotal and the category totals are its own rows again
        for unit, figures in stats.units:
            _add_row(table, units.name(unit), "小计", *_figures_row(figures))
        for category, figures in stats.categories:
            _add_row(table, "合计", category.value, *_figures_row(figures))
    _add_row(table, "合计", "全部", *_figures_row(total))
    out.print()
    out.print(table)
    print_wrapped(out, "答复用时为工作日；属实率 = 属实件数 ÷ 件数；按时答复率 = 按时答复件数 ÷ 已答复或已到答复期限的件数。")
    if stats.repeats:
        out.print()
        print_wrapped(out, f"重复投诉 {stats.repeat_complaints} 件（同一电话在上一次投诉后 {stats.repeat_window_days} 天内再次投诉）：")
        for repeat in stats.repeats:
            out.print(f"  {repeat.phone}：{'、'.join(repeat.ids)}")
    else:
        out.print("\n本期没有重复投诉。")
    if stats.linked is not None:
        out.print(f"\n关联报装申请的投诉 {len(stats.linked)} 件：")
        table = Table(show_edge=False, pad_edge=False)
        for name in ("工单", "申请编号", "接电时长", "时限", "送电日期", "超过时限"):
            table.add_column(name, justify="right" if name in ("接电时长", "时限") else "left", overflow="fold")
        for item in stats.linked:
            if not item.found:
                _add_row(table, item.complaint_id, item.application_id, "—", "—", "", "申请表中没有此申请")
                continue
            over = "—" if item.over_limit is None else ("是" if item.over_limit else "否")
            _add_row(
                table, item.complaint_id, item.application_id, str(item.working_days),
                "—" if item.limit is None else str(item.limit),
                item.energised.isoformat() if item.energised else "未送电", over,
            )  # fmt: skip
        out.print(table)


# -- sample --------------------------------------------------------------------------------


def sample_command(
    out: Annotated[Path, typer.Argument(help="输出文件：.xlsx（工作表“投诉”）或 .csv。", dir_okay=False)],
    rows: Annotated[int, typer.Option("--rows", min=1, max=MAX_SAMPLE_ROWS, metavar="条数", help="投诉条数。")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="随机种子：相同的种子和日期生成相同的数据。")] = 1,
    encoding: Annotated[Encoding, typer.Option("--encoding", help=".csv 文件的编码：utf-8（默认）或 gbk（部分热线系统导出的编码）。")] = Encoding.utf8,
    as_of: AsOfOption = None,
    force: Annotated[bool, typer.Option("--force", help="输出文件已存在时覆盖它（默认不覆盖，以免误删真实的导出数据）。")] = False,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """生成虚构的投诉工单导出表（12398、966068 和其他渠道，各责任单位和类别，部分超期和未答复），用于演示和测试。"""
    from gdcomply.cli.applications_cmds import config_dir
    from gdcomply.cli.common import load_setup_for
    from gdcomply.complaints.sample import HEADER, generate, write_csv
    from gdcomply.complaints.settings import Units, load_complaint_settings

    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UsageError(f"输出文件“{out}”的扩展名应为 .xlsx 或 .csv")
    codec = "utf-8-sig" if encoding is Encoding.utf8 else "gbk"  # with a BOM, Excel opens UTF-8 right
    if not out.parent.is_dir():
        raise UsageError(f"输出文件夹“{out.parent}”不存在（或不是文件夹）：请先创建它，或换一个位置")
    if out.exists() and not force:
        raise UsageError(f"输出文件“{out}”已存在，未写入（以免覆盖真实的导出数据）。请换一个文件名，或加 --force 覆盖")
    day = as_of_or_today(as_of)
    setup = load_setup_for(config, workspace)
    settings = load_complaint_settings(config_dir(config, workspace) / "complaints.yaml")
    units = Units.of(setup.calendar, settings)
    # the supply units first (they get most complaints), then the company and its departments
    later = {"company", *settings.departments}
    names = [n for u, n in units.names.items() if u not in later] + [n for u, n in units.names.items() if u in later]
    data = generate(rows, seed, setup.workdays, day, tuple(names))
    if suffix == ".xlsx":
        from gdcomply.reports.sample_xlsx import write_sheets

        write_sheets([("投诉", HEADER, data)], out, as_of=day)
    else:
        write_csv(data, out, codec)
    open_count = sum(1 for row in data if row[8] is None)
    sys.stdout.write(f"已写入 {out}（{len(data)} 条投诉），截至 {day.isoformat()} 未答复 {open_count} 条。\n")
