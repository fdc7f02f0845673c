"""Start-up stays light: the calendar commands never load the report libraries, and the core
never loads the CLI's. Each check runs in a fresh interpreter, so that what this test process
has imported already cannot hide an import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPORT_LIBRARIES = {"openpyxl", "xlsxwriter", "jinja2", "docxtpl", "icalendar"}
CLI_LIBRARIES = {"typer", "click", "rich", "openpyxl", "xlsxwriter", "jinja2", "docxtpl", "icalendar"}

RUN_COMMANDS = """
import json, sys
from gdcomply.cli import main

results = []
for args in json.loads(sys.argv[2]):
    try:
        main(args)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    # cumulative: a library loaded by one command is seen by every later check too, and the
    # first command that shows it is the one that loaded it
    results.append({"args": args, "exit_code": code, "modules": sorted(sys.modules)})
with open(sys.argv[1], "w") as out:
    json.dump(results, out)
"""

CALENDAR_COMMANDS = [
    ["calendar", "--year", "2018"],
    ["calendar", "--year", "2026", "--format", "json"],
    ["workdays", "count", "2026-09-30", "2026-10-12"],
    ["workdays", "add", "2026-09-25", "22", "--format", "json"],
    ["workdays", "month", "2026-10"],
    ["validate"],
]


def run_in_child(tmp_path: Path, env: dict[str, str], script: str, *args: str):
    """What script wrote to its report file (argv[1]), run in a fresh interpreter."""
    report = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", script, str(report), *args],
        cwd=tmp_path,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )
    return json.loads(report.read_text(encoding="utf-8"))


def top_level(modules: list[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_calendar_commands_do_not_import_the_report_libraries(tmp_path, child_env):
    results = run_in_child(tmp_path, child_env, RUN_COMMANDS, json.dumps(CALENDAR_COMMANDS))
    assert [r["args"] for r in results] == CALENDAR_COMMANDS
    for result in results:
        command = " ".join(result["args"])
        modules = top_level(result["modules"])
        assert result["exit_code"] == 0, command
        assert {"gdcomply", "yaml"} <= modules, command  # the command really ran
        assert modules & REPORT_LIBRARIES == set(), command
        # with the holidays cache warm (child_env sees to it) the package itself is not
        # loaded: importing it costs more than the rest of the start
        assert "holidays" not in modules, command


def test_icalendar_is_imported_only_for_ics(tmp_path, child_env):
    args = ["calendar", "--year", "2018", "--format", "ics"]
    (result,) = run_in_child(tmp_path, child_env, RUN_COMMANDS, json.dumps([args]))
    assert result["exit_code"] == 0
    modules = top_level(result["modules"])
    assert "icalendar" in modules  # the check above would see it
    assert modules & (REPORT_LIBRARIES - {"icalendar"}) == set()


CORE_ONLY = """
import json, sys
from datetime import date
from gdcomply.calendar import instance_to_json, load_calendar
from gdcomply.workdays.holidayfile import load_holiday_overrides
from gdcomply.resources import bundled_config_dir
from gdcomply.workdays.workcalendar import WorkCalendar
import gdcomply.errors, gdcomply.yamlsource
from gdcomply.complaints.deadlines import check_complaints
from gdcomply.complaints.stats import complaint_stats
from gdcomply.complaints.settings import load_complaint_settings

config = bundled_config_dir()
workdays = WorkCalendar.default(config / "holidays.yaml")
calendar = load_calendar(config / "deadlines.yaml")
schedule = calendar.schedule(date(2018, 1, 1), date(2027, 12, 31), workdays)
assert [instance_to_json(i) for i in schedule.instances]
settings = load_complaint_settings(config / "complaints.yaml")
assert check_complaints([], workdays, settings, as_of=date(2026, 7, 1)).items == ()
with open(sys.argv[1], "w") as out:
    json.dump({"modules": sorted(sys.modules)}, out)
"""


def test_the_core_does_not_import_the_cli_or_report_libraries(tmp_path, child_env):
    report = run_in_child(tmp_path, child_env, CORE_ONLY)
    modules = top_level(report["modules"])
    assert {"gdcomply", "yaml"} <= modules
    assert modules & CLI_LIBRARIES == set()
    assert not [m for m in report["modules"] if m.startswith("gdcomply.cli")]


SQLITE_LEDGER_COMMANDS = [
    ["init", "ws", "--since", "2018-06-01"],
    ["check", "--as-of", "2018-11-19", "-w", "ws"],
    ["export", "-w", "ws"],
    ["verify", "-w", "ws"],
    ["log", "-w", "ws"],
    ["info", "-w", "ws"],
    ["complaints", "check", "--as-of", "2018-11-19", "-w", "ws"],
]


def test_the_postgresql_driver_is_imported_only_for_a_shared_ledger(tmp_path, child_env):
    """psycopg costs ~0.1 s to import: the SQLite ledger (the default) never pays it."""
    results = run_in_child(tmp_path, child_env, RUN_COMMANDS, json.dumps(SQLITE_LEDGER_COMMANDS))
    for result in results:
        command = " ".join(result["args"])
        assert result["exit_code"] in (0, 1), command  # check exits 1: something is overdue
        assert "gdcomply.ledger.sqlite" in result["modules"], command  # the ledger was really opened
        assert "psycopg" not in top_level(result["modules"]), command
        assert "gdcomply.ledger.postgres" not in result["modules"], command
    shared = [["check", "--ledger", "postgresql://gdcomply@127.0.0.1:1/ledger", "-w", "ws"]]
    (result,) = run_in_child(tmp_path, child_env, RUN_COMMANDS, json.dumps(shared))
    assert result["exit_code"] == 1  # nothing listens on port 1: the message says so
    assert {"psycopg", "gdcomply"} <= top_level(result["modules"])  # the check above would see it
