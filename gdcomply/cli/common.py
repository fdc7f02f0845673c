"""Shared pieces of the CLI layer: the clock, option types, date parsing and output helpers."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterable, Optional, Sequence

import typer

from gdcomply.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from gdcomply.calendar import Calendar

    from gdcomply.setup import Setup
    from gdcomply.workdays.model import CalendarWarning
    from gdcomply.workspace import Workspace

TIMEZONE = "Asia/Shanghai"


ENV_TODAY = "GDCOMPLY_TODAY"  # a fixed "today" (YYYY-MM-DD) for tests, demos and replays


def today() -> date:
    """Today in Asia/Shanghai (or $GDCOMPLY_TODAY): the only place gdcomply reads the clock."""
    fixed = os.environ.get(ENV_TODAY)
    if fixed:
        return parse_date(fixed, f"环境变量 {ENV_TODAY}")
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(TIMEZONE)).date()


def now() -> datetime:
    """The current moment, timezone-aware, in Asia/Shanghai (on $GDCOMPLY_TODAY's date if set)."""
    from zoneinfo import ZoneInfo

    moment = datetime.now(ZoneInfo(TIMEZONE))
    if os.environ.get(ENV_TODAY):
        moment = datetime.combine(today(), moment.timetz())
    return moment


def parse_date(text: str, option: str) -> date:
    """An ISO date given on the command line, or a Chinese usage error naming the option.

    A date outside the working-day calendar's range is wrong usage too (exit 2), so that
    cron never reads "--as-of 2036-01-01" as "something is overdue" (exit 1).
    """
    from gdcomply.workdays.model import RANGE_END, RANGE_START

    # "--as-of 的值", but "起始日期的值" (an argument is named in Chinese, as its help shows it)
    subject = f"{option} " if option[-1:].isascii() else option
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{subject}的值“{text}”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）"
        ) from None
    if not RANGE_START <= day <= RANGE_END:
        raise UsageError(
            f"{subject}的值 {day.isoformat()} 超出工作日历支持的范围"
            f"（{RANGE_START.isoformat()} 至 {RANGE_END.isoformat()}）"
        )
    return day


def as_of_or_today(text: str | None) -> date:
    return parse_date(text, "--as-of") if text else today()


class TableOrJson(str, Enum):
    table = "table"
    json = "json"


class TableJsonOrHtml(str, Enum):
    table = "table"
    json = "json"
    html = "html"


HtmlOutOption = Annotated[
    Optional[Path],
    typer.Option("--out", metavar="文件", dir_okay=False, help="与 --format html 一起使用：把网页写入此文件（默认：标准输出）。"),
]
ForceOption = Annotated[bool, typer.Option("--force", help="与 --out 一起使用：覆盖已存在的文件。")]


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="期限日历文件 deadlines.yaml 的路径（默认：工作区的 config/deadlines.yaml）。",
        dir_okay=False,
    ),
]
WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="工作区目录（默认：环境变量 GDCOMPLY_WORKSPACE，或当前目录向上最近的工作区）。",
        file_okay=False,
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option("--strict", help="涉及没有正式节假日安排的年份（尚未公布，或不在节假日数据的覆盖范围内）时报错，而不是只给出警告。"),
]
LedgerOption = Annotated[
    str | None,
    typer.Option(
        "--ledger",
        metavar="地址",
        help="使用共享台账（PostgreSQL），写成 postgresql://用户@主机:端口/数据库，密码不要写在地址中"
        "（默认：环境变量 GDCOMPLY_LEDGER，或工作区 config/workspace.yaml 中的 ledger，否则工作区 data/ 中的 SQLite 台账）。",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", metavar="日期", help="按哪一天计算（YYYY-MM-DD，默认：今天，北京时间）。"),
]


def shown_path(path: Path) -> str:
    """A path as a message shows it: relative to the current folder when inside it (short, and
    the same on every machine), else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def party_choices(calendar: Calendar) -> str:
    """The parties as a user names them: “桂源公司（guiyuan）、…”."""
    return "、".join(f"{p.short_name}（{p.id}）" for p in calendar.parties.values())


def resolve_party(calendar: Calendar, text: str, option: str) -> str:
    """The party id a --party/--from/--to value names (id, full or short name, alias), or a
    usage error that lists the parties by the names people use and suggests the nearest."""
    party = calendar.resolve_party(text)
    if party is not None:
        return party
    import difflib

    names = [name for p in calendar.parties.values() for name in p.names]
    near = difflib.get_close_matches(text.strip(), names, n=1, cutoff=0.5)
    hint = f"是否想输入：{near[0]}？" if near else ""
    raise UsageError(f"{option} 的值“{text}”不是已知的单位。{hint}可选：{party_choices(calendar)}")


def write_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def check_html_out(out: Path | None, force: bool, html: bool, protected: Sequence[tuple[Path, str]] = ()) -> None:
    """--out and --force belong to --format html; the target is checked before any work is done."""
    if (out is not None or force) and not html:
        raise UsageError("--out 和 --force 只能与 --format html 一起使用")
    if force and out is None:
        raise UsageError("--force 只能与 --out 一起使用")
    if out is not None:
        from gdcomply.safefiles import check_target

        check_target(out, force=force, protected=protected)


def write_page(page: str, out: Path | None, force: bool, protected: Sequence[tuple[Path, str]] = ()) -> None:
    """An HTML page to --out (checked again, a temporary file renamed into place) or standard output."""
    if out is None:
        sys.stdout.write(page)
        return
    from gdcomply.safefiles import atomic_output, check_target

    check_target(out, force=force, protected=protected)
    umask = os.umask(0)
    os.umask(umask)
    with atomic_output(out, "wb") as handle:
        os.fchmod(handle.fileno(), 0o666 & ~umask)  # a page to share: readable as any new file, not 0600
        handle.write(page.encode("utf-8"))
    sys.stderr.write(f"已写入 {out}\n")


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, highlight=False, soft_wrap=False, width=output_width(stream))


PIPE_WIDTH = 120  # columns of output to a pipe or a file when $COLUMNS does not say


def output_width(stream: Any) -> int | None:
    """The width to lay output out for: $COLUMNS when set (on a terminal or not), else the
    terminal's own (None: rich asks it), else 120 for a pipe or a file (cron mail, a saved
    report), not rich's 80: Chinese text is double width and the tables would wrap every cell.
    """
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if stream.isatty() else PIPE_WIDTH


def month_grid(days: list[date], kinds: dict) -> Any:
    """A month as a rich table, Monday first: “休” marks a holiday, “班” a make-up working day."""
    from rich.table import Table

    from gdcomply.workdays.model import DayKind

    working = sum(1 for k in kinds.values() if k in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY))
    table = Table(title=f"{days[0].year} 年 {days[0].month} 月（{working} 个工作日）", show_lines=False)
    for name in "一二三四五六日":
        table.add_column(name, justify="center")
    week: list[str] = [""] * days[0].weekday()
    styles = {DayKind.HOLIDAY: "bold red", DayKind.WEEKEND: "dim", DayKind.MAKEUP_WORKDAY: "bold cyan"}
    for d in days:
        mark = {DayKind.HOLIDAY: "休", DayKind.MAKEUP_WORKDAY: "班"}.get(kinds[d], "")
        style = styles.get(kinds[d])
        cell = f"{d.day}{mark}"
        week.append(f"[{style}]{cell}[/]" if style else cell)
        if len(week) == 7:
            table.add_row(*week)
            week = []
    if week:
        table.add_row(*week, *[""] * (7 - len(week)))
    return table


def print_warnings(warnings: Iterable[CalendarWarning | str]) -> None:
    """Warnings go to stderr so that JSON on stdout stays machine-readable."""
    seen: set[str] = set()
    for warning in warnings:
        text = warning if isinstance(warning, str) else warning.message
        if text in seen:
            continue
        seen.add(text)
        sys.stderr.write(f"警告：{text}\n")


def resolve_workspace(
    option: Path | None, *, create_default: bool = False, config: Path | None = None
) -> Workspace:
    """The workspace of this command; with create_default, the default one is made on first use.

    A workspace named (--workspace, $GDCOMPLY_WORKSPACE) or found above the current folder is
    used without a word. Outside any, the command says on stderr, in one line and at every
    run, which one it uses instead: the default workspace (made on first use), or the bundled
    configuration (not said when --config names the calendar: then nothing is implicit).
    """
    from gdcomply.workspace import bundled_workspace, default_workspace_dir, find_workspace, init_workspace

    found = find_workspace(option)
    if found is not None:
        if found.is_default:
            sys.stderr.write(f"提示：当前目录不在任何工作区内，使用默认工作区 {found.root}。\n")
        return found
    if not create_default:
        if config is None:
            sys.stderr.write(
                "提示：当前目录不在任何工作区内，使用内置的默认配置（可运行“gdcomply init”创建工作区）。\n"
            )
        return bundled_workspace()
    root = default_workspace_dir()
    workspace = init_workspace(root, exist_ok=True)
    sys.stderr.write(f"提示：当前目录不在任何工作区内，已创建并使用默认工作区 {workspace.root}。\n")
    return replace(workspace, is_default=True)


def load_setup_for(config: Path | None, workspace: Path | None, *, strict: bool = False) -> Setup:
    from gdcomply.setup import load_setup

    return load_setup(resolve_workspace(workspace, config=config), config, strict=strict)
