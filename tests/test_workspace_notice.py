"""Outside any workspace a command says, in one line on stderr and at every run, which workspace
it uses instead (issue 12 item 6: after the first run `check` used the default one silently).
A workspace named or found says nothing; JSON on stdout stays clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import BUNDLED_NOTICE

AS_OF = ["--as-of", "2026-11-19"]
PREFIX = "提示：当前目录不在任何工作区内"


def notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(PREFIX)]


def default_root(tmp_path: Path) -> Path:
    return (tmp_path / "gdc-home" / "workspace").resolve()  # the cli fixture's GDCOMPLY_HOME


def test_check_names_the_default_workspace_on_the_first_and_every_later_run(cli, tmp_path) -> None:
    root = default_root(tmp_path)
    first = cli(["check", *AS_OF])
    assert first.exit_code in (0, 1), first.output
    assert notices(first.stderr) == [f"{PREFIX}，已创建并使用默认工作区 {root}。"]
    assert (root / "config" / "deadlines.yaml").is_file()
    for _ in range(2):
        again = cli(["check", *AS_OF])
        assert notices(again.stderr) == [f"{PREFIX}，使用默认工作区 {root}。"]
        assert again.stdout.startswith("2026-11-19 报送检查：")
    as_json = cli(["check", *AS_OF, "--format", "json"])
    assert json.loads(as_json.stdout)["as_of"] == "2026-11-19"  # stdout is only the JSON
    assert notices(as_json.stderr) == [f"{PREFIX}，使用默认工作区 {root}。"]


def test_read_only_commands_name_the_bundled_config_then_the_default_workspace(cli, tmp_path) -> None:
    root = default_root(tmp_path)
    calendar = cli(["calendar", "--year", "2026", "--format", "json"])
    assert calendar.stderr == BUNDLED_NOTICE
    assert json.loads(calendar.stdout)["range"] == {"from": "2026-01-01", "to": "2026-12-31"}
    assert cli(["workdays", "count", "2026-09-30", "2026-10-12"]).stderr == BUNDLED_NOTICE
    assert not root.exists()  # reading never makes the default workspace
    assert cli(["submit", "progress-report", "--help"]).stderr == ""
    cli(["check", *AS_OF])  # a recording command makes it
    for args in (["calendar", "--year", "2026"], ["workdays", "count", "2026-09-30", "2026-10-12"]):
        assert cli(args).stderr == f"{PREFIX}，使用默认工作区 {root}。\n", args


@pytest.mark.parametrize(
    "args",
    [
        ["check", *AS_OF],
        ["calendar", "--year", "2026"],
        ["validate"],
        ["info"],
        ["holidays", "status", *AS_OF],
        ["log"],
        ["export", "--format", "json"],
        ["verify"],
        ["workdays", "month", "2026-10"],
    ],
)
def test_every_command_says_it_once(cli, tmp_path, args) -> None:
    cli(["check", *AS_OF])  # the default workspace, with its ledger
    result = cli(args)
    assert result.exit_code in (0, 1), result.output
    assert notices(result.stderr) == [f"{PREFIX}，使用默认工作区 {default_root(tmp_path)}。"]


def test_a_workspace_named_or_found_says_nothing(cli, tmp_path, monkeypatch) -> None:
    workspace = tmp_path / "ws"
    assert cli(["init", workspace, "--since", "2026-11-01"]).exit_code == 0
    assert notices(cli(["check", "-w", workspace, *AS_OF]).stderr) == []
    monkeypatch.setenv("GDCOMPLY_WORKSPACE", str(workspace))
    assert notices(cli(["check", *AS_OF]).stderr) == []
    monkeypatch.delenv("GDCOMPLY_WORKSPACE")
    (workspace / "sub").mkdir()
    monkeypatch.chdir(workspace / "sub")  # found upward from the current folder
    assert notices(cli(["check", *AS_OF]).stderr) == []
    assert cli(["calendar", "--year", "2026"]).stderr == ""


def test_a_calendar_named_by_config_outside_any_workspace_says_nothing(cli, tmp_path) -> None:
    from conftest import BUNDLED_CONFIG

    result = cli(["calendar", "--year", "2026", "--config", BUNDLED_CONFIG / "deadlines.yaml"])
    assert (result.exit_code, result.stderr) == (0, "")


def test_a_ledger_pack_outside_any_workspace_says_which_one_once(cli, tmp_path) -> None:
    root = default_root(tmp_path)
    args = ["pack", "progress-report", "--period", "2026-R2", "--party", "桂源公司", "--as-of", "2026-08-05"]
    first = cli([*args, "--out", str(tmp_path / "p1")])
    assert first.exit_code == 0, first.output
    assert notices(first.stderr) == [f"{PREFIX}，已创建并使用默认工作区 {root}。"]
    again = cli([*args, "--out", str(tmp_path / "p2")])
    assert again.exit_code == 0, again.output
    assert notices(again.stderr) == [f"{PREFIX}，使用默认工作区 {root}。"]
