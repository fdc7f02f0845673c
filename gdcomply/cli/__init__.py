"""The gdcomply command line: thin commands over the core; the one place errors become exit codes.

Exit codes everywhere: 0 success, 1 a finding or a problem in the data, 2 wrong usage or a
configuration the tool cannot run with. Heavy libraries are imported inside the commands
that need them, never here, so that start-up stays fast.
"""

from __future__ import annotations

import os
import sys

import typer

from gdcomply import __version__
from gdcomply.cli.usage import ChineseGroup, usage_message, use_chinese_help
from gdcomply.errors import GdcomplyError, os_reason

# Which module registers each top-level command. A run imports only the module of the
# command it runs (typer builds every registered command's parameters at each start, and
# the modules themselves cost ~10 ms each); --help and unknown commands load them all.
# tests/test_calendar_cli.py checks this table against what the modules register.
COMMAND_MODULES = {
    "calendar": "calendar_cmds",
    "validate": "calendar_cmds",
    "workdays": "calendar_cmds",
    "holidays": "holidays_cmds",
    "init": "ledger_cmds",
    "info": "ledger_cmds",
    "check": "ledger_cmds",
    "submit": "ledger_cmds",
    "withdraw": "ledger_cmds",
    "log": "ledger_cmds",
    "export": "ledger_cmds",
    "verify": "ledger_cmds",
    "backup": "backup_cmds",
    "restore": "backup_cmds",
    "ledger": "ledger_setup_cmds",
    "pack": "pack_cmds",
    "remind": "remind_cmds",
    "applications": "applications_cmds",
    "complaints": "complaints_cmds",
}
_MODULE_ORDER = (
    "calendar_cmds", "holidays_cmds", "ledger_cmds", "ledger_setup_cmds", "backup_cmds", "pack_cmds", "remind_cmds",
    "applications_cmds", "complaints_cmds",
)  # fmt: skip

_DEBUG = {"on": False}
_INTERRUPTED = 130  # the shell's code for a run stopped by a signal (128 + SIGINT)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"gdcomply {__version__}\n")
        raise typer.Exit(0)


def _root(
    debug: bool = typer.Option(False, "--debug", help="出错时显示完整的 Python 调用栈（供开发人员排查）。"),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="显示版本号并退出。"
    ),
) -> None:
    """“获得电力”监管报送工具。"""
    _DEBUG["on"] = debug or _DEBUG["on"]


def build_app(command: str | None = None) -> typer.Typer:
    """The root app with every command, or only the one named (when it is known)."""
    import importlib

    root = typer.Typer(
        name="gdcomply",
        help="“获得电力”监管报送的期限日历、报送台账、周检查、报装数据测算、报告生成与邮件提醒。",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        cls=ChineseGroup,
    )
    root.callback()(_root)
    wanted = (COMMAND_MODULES[command],) if command in COMMAND_MODULES else _MODULE_ORDER
    for name in wanted:
        importlib.import_module(f"gdcomply.cli.{name}").register(root)
    use_chinese_help(root)  # help pages and usage errors in Chinese, for every command
    return root


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the full app, for tests and tools that introspect the CLI
        return build_app()
    raise AttributeError(name)


def _command_of(args: list[str]) -> str | None:
    """The command a run names: its first argument that is not a root option."""
    for arg in args:
        if arg in ("--help", "--version"):
            return None
        if not arg.startswith("-"):
            return arg
    return None


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a cron timeout, a shutdown) unwinds like Ctrl-C, so half-written temporary
    files are removed on the way out."""
    raise KeyboardInterrupt


def _readable_output() -> None:
    """Text the terminal's encoding cannot show is escaped, never an error.

    PYTHONIOENCODING=ascii (or a C locale) cannot encode Chinese, and a file name that is
    not valid UTF-8 (GBK names from a Windows zip) arrives as surrogate escapes that no
    encoding accepts: printing either must not end the run with a traceback.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # a closed or detached stream: nothing will be printed on it
            pass


def _os_error(exc: OSError) -> str:
    """A file-system failure no command anticipated, as one line: what, where, why."""
    names = [str(name) for name in (exc.filename, exc.filename2) if name is not None]
    where = f"{' → '.join(names)}：" if names else ""
    return f"错误：无法读写文件 {where}{os_reason(exc)}。\n"


def _unexpected(exc: Exception) -> tuple[str, int]:
    """The one-line message and exit code of an exception no module turned into a GdcomplyError."""
    if isinstance(exc, UnicodeEncodeError) and "surrogate" in str(exc.reason):
        bad = exc.object[exc.start : exc.end] if isinstance(exc.object, str) else ""
        shown = bad.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
        return (
            f"错误：有文件名或文字不是有效的 UTF-8 编码（{shown}，常见于 Windows 压缩包中的 GBK 文件名）。"
            f"请把文件改成中文或英文的正常名称后再试。\n",
            1,
        )
    if isinstance(exc, OSError):
        return _os_error(exc), 1
    if isinstance(exc, OverflowError):
        return f"错误：数值太大，超出了可以处理的范围（{exc}）。请检查命令中的数字。\n", 2
    return (
        f"错误：程序内部错误（{type(exc).__name__}: {exc}）。这是 gdcomply 的缺陷："
        f"请加 --debug 重新运行，把输出发给维护人员。\n",
        1,
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    import signal

    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread (an embedding program): keep its handlers
        previous = None
    try:
        _run(list(sys.argv[1:] if argv is None else argv))
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(args: list[str]) -> None:
    _DEBUG["on"] = "--debug" in args or os.environ.get("GDCOMPLY_DEBUG") == "1"
    _readable_output()
    try:
        code = build_app(_command_of(args))(args=args, prog_name="gdcomply", standalone_mode=False)
    except GdcomplyError as exc:
        if _DEBUG["on"]:
            raise
        sys.stdout.flush()
        sys.stderr.write(f"错误：{exc}\n")
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("已中止。\n")
        sys.exit(1)
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
            sys.stdout.write(exc.ctx.get_help() + "\n")
            sys.exit(0)
        if _DEBUG["on"]:
            raise
        sys.stderr.write(usage_message(exc) + "\n")
        sys.exit(getattr(exc, "exit_code", 2) or 2)
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        sys.exit(_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - no traceback for users; --debug shows it
        if _DEBUG["on"]:
            raise
        message, code = _unexpected(exc)
        sys.stdout.flush()
        sys.stderr.write(message)
        sys.exit(code)
    if code == _INTERRUPTED:  # typer turns a KeyboardInterrupt inside a command into Exit(130)
        sys.stderr.write("已中断。\n")
    sys.exit(code if isinstance(code, int) else 0)
