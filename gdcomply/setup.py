"""Everything a command needs from a workspace: its calendar and its working-day calendar."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gdcomply.calendar import Calendar, load_calendar
from gdcomply.workdays.workcalendar import WorkCalendar
from gdcomply.workspace import Workspace


@dataclass(frozen=True)
class Setup:
    workspace: Workspace
    deadlines_file: Path
    calendar: Calendar
    workdays: WorkCalendar


def load_workdays(config_dir: Path, *, strict: bool = False) -> WorkCalendar:
    """China's working days overlaid by config_dir/holidays.yaml (when it exists)."""
    return WorkCalendar.default(config_dir / "holidays.yaml", strict=strict)


def load_setup(workspace: Workspace, config: Path | None = None, *, strict: bool = False) -> Setup:
    """Load the calendar (--config, else the workspace's) and the holidays beside it."""
    deadlines = config if config is not None else workspace.deadlines_file
    calendar = load_calendar(deadlines)
    return Setup(workspace, deadlines, calendar, load_workdays(deadlines.parent, strict=strict))
