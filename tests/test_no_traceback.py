"""No traceback, ever: every command and subcommand, driven with wrong types, huge and negative
numbers, impossible dates, non-UTF-8 paths and missing files (issue 11, item 6).

The commands are enumerated from the typer app itself, so a command added later is driven
too. A run passes when it exits 0, 1 or 2, an exit 2 says `错误：…`, and nothing printed is a
Python traceback or the last-resort "internal error" line of main().
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import BUNDLED_NOTICE

NON_UTF8 = os.fsdecode(b"\xc4\xfa\xba\xc3.csv")  # 您好.csv in GBK, as a Windows zip names it
HUGE = "99999999999999999999999"

# A plausible value for each required parameter, by name, so that the bad value under test
# is what the command meets (not a missing argument). Unknown names get a generic value.
PLAUSIBLE = {
    "obligation": "progress-report",
    "period": "2026-R1",
    "sender": "guiyuan",
    "party": "guiyuan",
    "submission_id": "1",
    "reason": "测试",
    "start": "2026-06-01",
    "end": "2026-06-30",
    "n": "5",
    "month": "2026-06",
}


def _commands() -> Iterator[tuple[list[str], Any]]:
    import typer

    from gdcomply.cli import build_app

    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            yield path, command
            return
        for name, sub in subcommands.items():
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(build_app()), [])


def _kind(param: Any) -> str:
    name = type(param.type).__name__
    if getattr(param, "is_flag", False):
        return "flag"
    if "Int" in name or "Float" in name:
        return "number"
    if "Path" in name:
        return "path"
    if "Choice" in name:
        return "choice"
    return "text"


BAD_VALUES = {
    "number": ["abc", HUGE, f"-{HUGE}", "-1", "1e400"],
    "text": ["2026-02-30", "0000-00-00", NON_UTF8, HUGE, "-1", ""],
    "path": ["missing/nothing.xlsx", NON_UTF8, "."],
    "choice": ["bogus"],
}


def _plausible(param: Any, files: dict[str, str]) -> str:
    if param.name in PLAUSIBLE:
        return PLAUSIBLE[param.name]
    kind = _kind(param)
    if kind == "number":
        return "1"
    if kind == "path":
        return files["new"] if param.name in ("out", "directory") else files["data"]
    return "x"


def _cases(files: dict[str, str]) -> Iterator[list[str]]:
    for path, command in _commands():
        params = [p for p in command.params if p.name != "help"]
        yield path  # nothing but the command
        for tested in params:
            kind = _kind(tested)
            if kind == "flag":
                continue
            for bad in BAD_VALUES[kind]:
                positional: list[str] = []
                options: list[str] = []
                for param in params:
                    if param is tested:
                        value = bad
                    elif param.required:
                        value = _plausible(param, files)
                    else:
                        continue
                    if param.param_type_name == "argument":
                        positional.append(value)
                    else:
                        options += [param.opts[0], value]
                yield [*path, *options, "--", *positional] if positional else [*path, *options]


@pytest.fixture
def workspace(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    assert cli(["init", tmp_path / "ws", "--since", "2026-01-01"]).exit_code == 0
    root = tmp_path / "ws"
    monkeypatch.chdir(root)
    monkeypatch.setenv("GDCOMPLY_TODAY", "2026-06-09")
    data = root / "data.csv"
    assert cli(["applications", "sample", data, "--rows", "20"]).exit_code == 0
    (root / NON_UTF8).write_bytes(data.read_bytes())
    return {"data": str(data), "new": str(root / "new-output.xlsx")}


class _TooSlow(BaseException):
    """A run took longer than any of these inputs should (a hang, or a loop over a huge number)."""


def _too_slow(signum: int, frame: Any) -> None:
    raise _TooSlow()


def test_every_command_with_bad_input_says_one_chinese_line_never_a_traceback(cli, workspace):
    import signal
    import time

    started = time.perf_counter()
    failures: list[str] = []
    runs = 0
    previous = signal.signal(signal.SIGALRM, _too_slow)
    for argv in _cases(workspace):
        runs += 1
        signal.setitimer(signal.ITIMER_REAL, 5)
        try:
            result = cli(argv)
        except _TooSlow:
            failures.append(f"{argv!r}: still running after 5 s")
            continue
        except BaseException as exc:  # noqa: BLE001 - anything escaping main() is the bug we look for
            failures.append(f"{argv!r}: {type(exc).__name__}: {exc}")
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        text = result.output
        if "Traceback" in text or "程序内部错误" in text or result.exit_code not in (0, 1, 2):
            failures.append(f"{argv!r}: exit {result.exit_code}: {text[-400:]}")
        elif result.exit_code == 2 and "错误：" not in result.stderr:
            failures.append(f"{argv!r}: exit 2 without an 错误 line: {text[-300:]}")
    signal.signal(signal.SIGALRM, previous)
    assert not failures, f"{len(failures)} of {runs} runs failed:\n" + "\n".join(failures)
    assert runs > 200  # every command was driven
    assert time.perf_counter() - started < 30


def test_the_issues_examples(cli, workspace):
    assert cli(["check", "--horizon", "9999999999"]).stderr.startswith(
        "错误：参数值无效：--horizon（9999999999 超出范围，应不大于 1000）")
    result = cli(["withdraw", HUGE, "--reason", "x"])
    assert (result.exit_code, result.stderr.splitlines()[0]) == (
        2, f"错误：参数值无效：记录编号（{HUGE} 超出范围，应为 1 到 9223372036854775807）")
    for year in ("0", "10000", "-1"):
        result = cli(["calendar", "--year", year])
        assert (result.exit_code, result.stderr) == (2, f"错误：--year 的值 {year} 超出工作日历支持的范围（2000 至 2035 年）\n")
    result = cli(["applications", "sample", "no/such/folder/x.xlsx"])
    assert (result.exit_code, result.stderr) == (
        2, "错误：输出文件夹“no/such/folder”不存在（或不是文件夹）：请先创建它，或换一个位置\n")
    # a GBK file name is read (calamine gets the open file) and shown escaped
    result = cli(["applications", "stats", NON_UTF8, "--format", "json"])
    assert result.exit_code == 0, result.output
    result = cli(["applications", "stats", "missing-" + NON_UTF8])
    assert (result.exit_code, result.stderr) == (1, "错误：文件不存在：missing-\\udcc4\\udcfa\\udcba\\udcc3.csv\n")


def test_an_ascii_terminal_gets_escaped_text_not_a_traceback(tmp_path, child_env):
    env = {**child_env, "PYTHONIOENCODING": "ascii", "GDCOMPLY_TODAY": "2026-06-09"}
    run = [sys.executable, "-m", "gdcomply"]
    result = subprocess.run([*run, "calendar", "--year", "2026"], env=env, cwd=tmp_path, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert b"\\u5de5\\u4f5c" in result.stdout  # 工作 (工作开展情况报告), escaped
    result = subprocess.run(
        [*run, "applications", "check", os.fsencode("missing-" + NON_UTF8)], env=env, cwd=tmp_path,
        capture_output=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == BUNDLED_NOTICE.encode("ascii", "backslashreplace") + b"\\u9519\\u8bef\\uff1a\\u6587\\u4ef6\\u4e0d\\u5b58\\u5728\\uff1amissing-\\udcc4\\udcfa\\udcba\\udcc3.csv\n"
    assert b"Traceback" not in result.stdout + result.stderr
