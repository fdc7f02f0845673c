"""Start-up stays light: the calendar commands never load the report libraries, and the core
never loads the CLI's. Each check runs in a fresh interpreter, so that what this test process
has imported already cannot hide an import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPORT_LIBRARIES = {"openpyxl", "jinja2", "docxtpl", "icalendar"}
CLI_LIBRARIES = {"typer", "click", "rich", "openpyxl", "jinja2", "docxtpl", "icalendar"}

RUN_COMMAND = """
import json, sys
from gdcomply.cli import main
try:
    main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(sys.argv[1], "w") as out:
    json.dump({"exit_code": code, "modules": sorted(sys.modules)}, out)
"""


def imported_by(tmp_path: Path, env: dict[str, str], script: str, *args: str) -> tuple[int, set[str]]:
    """The exit code and the top-level packages loaded by running script with args."""
    report = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", script, str(report), *args],
        cwd=tmp_path,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    result = json.loads(report.read_text(encoding="utf-8"))
    return result.get("exit_code", 0), {name.split(".")[0] for name in result["modules"]}


@pytest.mark.parametrize(
    "args",
    [
        ["calendar", "--year", "2018"],
        ["calendar", "--year", "2026", "--format", "json"],
        ["workdays", "count", "2026-09-30", "2026-10-12"],
        ["workdays", "add", "2026-09-25", "22", "--format", "json"],
        ["workdays", "month", "2026-10"],
        ["validate"],
    ],
    ids=" ".join,
)
def test_calendar_commands_do_not_import_the_report_libraries(tmp_path, child_env, args):
    exit_code, modules = imported_by(tmp_path, child_env, RUN_COMMAND, *args)
    assert exit_code == 0
    assert "gdcomply" in modules and "yaml" in modules  # the command really ran
    assert modules & REPORT_LIBRARIES == set()


def test_icalendar_is_imported_only_for_ics(tmp_path, child_env):
    exit_code, modules = imported_by(tmp_path, child_env, RUN_COMMAND, "calendar", "--year", "2018", "--format", "ics")
    assert exit_code == 0
    assert "icalendar" in modules  # the check above would see it
    assert modules & (REPORT_LIBRARIES - {"icalendar"}) == set()


CORE_ONLY = """
import json, sys
from datetime import date
from gdcomply.calendar import instance_to_json, load_calendar
from gdcomply.holidayfile import load_holiday_overrides
from gdcomply.resources import bundled_config_dir
from gdcomply.workdays import WorkCalendar
import gdcomply.errors, gdcomply.yamlsource

config = bundled_config_dir()
workdays = WorkCalendar.default(config / "holidays.yaml")
calendar = load_calendar(config / "deadlines.yaml")
schedule = calendar.schedule(date(2018, 1, 1), date(2027, 12, 31), workdays)
assert [instance_to_json(i) for i in schedule.instances]
with open(sys.argv[1], "w") as out:
    json.dump({"modules": sorted(sys.modules)}, out)
"""


def test_the_core_does_not_import_the_cli_or_report_libraries(tmp_path, child_env):
    _, modules = imported_by(tmp_path, child_env, CORE_ONLY)
    assert {"gdcomply", "yaml"} <= modules
    assert modules & CLI_LIBRARIES == set()
    report = json.loads((tmp_path / "modules.json").read_text(encoding="utf-8"))
    assert not [m for m in report["modules"] if m.startswith("gdcomply.cli")]
