"""Shared pieces of the CLI layer: the clock, option types, date parsing and output helpers."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterable

import typer

from gdcomply.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from gdcomply.workdays import CalendarWarning

TIMEZONE = "Asia/Shanghai"


def today() -> date:
    """Today in Asia/Shanghai: the only place gdcomply reads the clock."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(TIMEZONE)).date()


def now() -> datetime:
    """The current moment, timezone-aware, in Asia/Shanghai."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(TIMEZONE))


def parse_date(text: str, option: str) -> date:
    """An ISO date given on the command line, or a Chinese usage error naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{option} 的值“{text}”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）"
        ) from None


def as_of_or_today(text: str | None) -> date:
    return parse_date(text, "--as-of") if text else today()


class TableOrJson(str, Enum):
    table = "table"
    json = "json"


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
    typer.Option("--strict", help="涉及尚未公布节假日安排的年份时报错，而不是只给出警告。"),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="按哪一天计算（YYYY-MM-DD，默认：今天，北京时间）。"),
]


def write_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def print_warnings(warnings: Iterable[CalendarWarning | str]) -> None:
    """Warnings go to stderr so that JSON on stdout stays machine-readable."""
    seen: set[str] = set()
    for warning in warnings:
        text = warning if isinstance(warning, str) else warning.message
        if text in seen:
            continue
        seen.add(text)
        sys.stderr.write(f"警告：{text}\n")
