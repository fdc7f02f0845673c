"""Every help page and every usage error is Chinese, and help fits the terminal (issue 12, item 3).

The pages are enumerated from the typer app itself (like tests/test_no_traceback.py), so a
command added later is checked too. A page passes when no English word is left in it (only
what a user types: option and command names, choice values, the bundled config's ids, file
names, plus a short list of technical terms), no line is wider than the terminal in display
cells (a Chinese character takes two), no word is broken across lines, and the required and
default markers are Chinese.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any, Iterator

import pytest
import typer  # at the top: the annotations of a command below are resolved here

from gdcomply.resources import bundled_config_dir

# Terms a Chinese user reads in English in this tool's help, each for a reason:
TECHNICAL_TERMS = {
    "Excel", "Word", "YAML", "Markdown",  # file formats named as their programs call them
    "Python", "cron",  # the runtime (--debug shows its call stack) and the scheduler remind runs from
    "MB", "SHA-256", "UTF-8", "GBK",  # a unit, a hash and encodings: no Chinese name is clearer
    "SQLite", "PostgreSQL",  # the two ledger databases, named as their makers name them
    "YYYY-MM-DD", "YYYY-MM",  # the date formats one types
}  # fmt: skip
# A value of `submit --to` (“all：该单位的全部接收方”), the scheme of a ledger URL and the key of
# config/workspace.yaml that holds it, typed as they are.
TYPED_LITERALS = {"all", "postgresql://", "ledger"}
PERIOD = re.compile(r"(?:\d{4}|YYYY)-(?:R[1-4]|H[12]|Q[1-4])")  # 2026-R3, YYYY-H1, 2026-Q2: periods as typed
ENV_VARIABLE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
PATH_LIKE = re.compile(r"[\w.\-/>]*[./][\w.\-/>]*")  # config/deadlines.yaml, .xlsx, alert.horizon, a/b->c
CLOSING_MARKS = set("，。、；：！？）”")
OPENING_MARKS = set("（“")


def _tree() -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the app, the root and the groups included, with its path."""
    import typer.main

    from gdcomply.cli import build_app

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        yield path, command
        for name, sub in (getattr(command, "commands", None) or {}).items():
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(build_app()), ())


PAGES = [path for path, _ in _tree()]


def _typed_words() -> set[str]:
    """What a user types: the program, command and option names, choices, defaults, config ids."""
    from gdcomply.calendar import load_calendar

    words = {"gdcomply", "--help"} | TYPED_LITERALS
    for path, command in _tree():
        words.update(path)
        for param in command.params:
            words.update(getattr(param, "opts", ()))
            words.update(getattr(param, "secondary_opts", ()))
            words.update(str(choice) for choice in getattr(param.type, "choices", ()))
            if isinstance(param.default, (str, Path)):
                words.add(str(param.default))
    calendar = load_calendar(bundled_config_dir() / "deadlines.yaml")
    words.update(calendar.parties)
    words.update(obligation.id for obligation in calendar.obligations)
    return words


TYPED = _typed_words()


def english_words(text: str, typed: set[str] = TYPED) -> list[str]:
    """The English words of `text` a user would have to read (not type)."""
    found = []
    for run in re.findall(r"[\x21-\x7e]+", text):
        token = run.lstrip("([{“").rstrip(")]},.;:!?”")
        if not re.search(r"[A-Za-z]", token) or token in typed or token in TECHNICAL_TERMS:
            continue
        if all(part in typed for part in re.split(r"\||->", token)):  # table|json, guiyuan->company
            continue
        if PERIOD.fullmatch(token) or ENV_VARIABLE.fullmatch(token) or PATH_LIKE.fullmatch(token):
            continue
        found.append(token)
    return found


def cells(line: str) -> int:
    from rich.cells import cell_len

    return cell_len(line)


def _help_texts(command: Any) -> list[str]:
    return [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]


def check_page(path: tuple[str, ...], page: str, width: int) -> list[str]:
    """What is wrong with one help page shown `width` cells wide."""
    command = dict(_tree())[path]
    name = " ".join(("gdcomply", *path))
    problems = [f"{name}: English {word!r}" for word in english_words(page)]
    lines = page.splitlines()
    problems += [f"{name}: {cells(line)} cells > {width}: {line!r}" for line in lines if cells(line) > width]
    problems += [f"{name}: line starts with a closing mark: {line!r}" for line in lines if line.strip()[:1] in CLOSING_MARKS]
    problems += [f"{name}: line ends with an opening mark: {line!r}" for line in lines if line[-1:] in OPENING_MARKS]
    # a word of Latin letters (an option, a file name, due-soon) is never broken across lines
    for text in _help_texts(command):
        for word in re.findall(r"[\x21-\x7e]+", text):
            if cells(word) <= width - 8 and word not in page:
                problems.append(f"{name}: {word!r} broken across lines")
    if not page.startswith(f"用法：{name}"):
        problems.append(f"{name}: does not start with 用法：")
    if "--help" not in page or "显示本帮助并退出。" not in page:
        problems.append(f"{name}: the help option is not described in Chinese")
    required = [p for p in command.params if p.required]
    if page.count("必填") < len(required):
        problems.append(f"{name}: {len(required)} required parameters but {page.count('必填')} 必填 markers")
    return problems


@pytest.mark.parametrize("width", [80, 40])
def test_every_help_page_is_chinese_and_fits_the_terminal(cli, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    problems: list[str] = []
    for path in PAGES:
        result = cli([*path, "--help"])
        assert (result.exit_code, result.stderr) == (0, ""), path
        problems += check_page(path, result.stdout, width)
    assert not problems, "\n".join(problems)
    assert len(PAGES) >= 26  # root, 3 groups, 22 commands: all of them were looked at


DRIVER = """
import json, sys
from gdcomply.cli import main

pages = {}
for path in json.loads(sys.argv[1]):
    try:
        main([*path, "--help"])
    except SystemExit:
        pass
    sys.stdout.write("\\x00")
"""


def test_piped_help_is_80_columns_wide(tmp_path, child_env, cli, monkeypatch):
    """Piped (no terminal, no $COLUMNS) each page is exactly what an 80-column terminal shows."""
    env = {k: v for k, v in child_env.items() if k not in ("COLUMNS", "LINES")}
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(PAGES)], env=env, cwd=tmp_path, capture_output=True,
        timeout=120, check=True,
    )  # fmt: skip
    piped = run.stdout.decode("utf-8").split("\x00")[:-1]
    assert len(piped) == len(PAGES)
    monkeypatch.setenv("COLUMNS", "80")
    for path, page in zip(PAGES, piped):
        assert check_page(path, page, 80) == []
        assert page == cli([*path, "--help"]).stdout, path


def test_markers_ranges_and_metavars_are_chinese(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    check = cli(["check", "--help"]).stdout
    assert "--horizon 工作日数" in check and "[默认值：5；不大于 1000]" in check
    assert "--as-of 日期" in check and "--party 单位" in check and "-w, --workspace 目录" in check
    assert "--fail-on overdue|due-soon|never\n" in check  # too wide for the column: text below
    assert "[默认值：overdue]" in check
    sample = cli(["applications", "sample", "--help"]).stdout
    assert sample.startswith("用法：gdcomply applications sample [选项] 文件\n")
    assert "--rows 条数" in sample and "[默认值：200；范围 1 至 1000000]" in sample
    submit = cli(["submit", "--help"]).stdout
    assert submit.startswith("用法：gdcomply submit [选项] 事项 文件...\n")
    assert "\n参数：\n  事项     事项标识" in submit and "\n选项：\n" in submit
    assert "  --period 期次         期次，如 2026-R3、2026-H1、2018。  [必填]\n" in submit
    check_horizon = cli(["applications", "check", "--help"]).stdout
    assert "[不小于 0]" in check_horizon
    root = cli(["--help"]).stdout
    assert root.startswith("用法：gdcomply [选项] 命令 [参数]...\n")
    assert "\n命令：\n" in root and root.endswith("运行“gdcomply 命令 --help”查看各命令的用法。\n")
    assert cli(["init", "--help"]).stdout.startswith("用法：gdcomply init [选项] [目录]\n")  # optional


def test_chinese_text_wraps_between_characters_not_only_at_spaces():
    from gdcomply.cli.usage import wrap

    text = "工作区目录（默认：环境变量 GDCOMPLY_WORKSPACE，或当前目录向上最近的工作区）。"
    lines = wrap(text, 30)
    assert lines == ["工作区目录（默认：环境变量", "GDCOMPLY_WORKSPACE，或当前目录", "向上最近的工作区）。"]
    assert all(cells(line) <= 30 for line in lines)
    # no line starts with a closing mark or ends with an opening one; a Latin word stays whole
    assert wrap("何时结束：overdue（有逾期）、due-soon（有逾期）", 22) == ["何时结束：overdue（有", "逾期）、due-soon（有逾", "期）"]
    assert wrap("一二三四五，六", 10) == ["一二三四", "五，六"]
    # a word wider than the line is folded after a slash where it can, else where the line ends
    assert wrap("如 progress-report/2026-R3/guiyuan->company", 30) == ["如", "progress-report/2026-R3/", "guiyuan->company"]
    assert wrap("GDCOMPLY_WORKSPACE", 8) == ["GDCOMPLY", "_WORKSPA", "CE"]


def test_every_command_is_built_with_the_chinese_classes_and_types():
    """A command registered later gets Chinese help and errors without doing anything; a
    parameter type that could fail in English is noticed here."""
    from gdcomply.cli import COMMAND_MODULES, build_app
    from gdcomply.cli.usage import CHINESE_TYPES, SILENT_TYPES, ChineseCommand, ChineseGroup
    import typer.main

    apps = [typer.main.get_command(build_app())]
    apps += [typer.main.get_command(build_app(name)) for name in COMMAND_MODULES]  # lazily built ones
    for root in apps:
        stack = [root]
        while stack:
            command = stack.pop()
            assert isinstance(command, (ChineseCommand, ChineseGroup)), command.name
            for param in command.params:
                assert isinstance(param.type, CHINESE_TYPES + SILENT_TYPES), (command.name, param.name, param.type)
            stack += list(getattr(command, "commands", {}).values())


# -- usage errors ----------------------------------------------------------------------------


def _hint(command: str) -> str:
    return f"\n运行“{command} --help”查看用法。\n"


USAGE_ERRORS = [
    # a required option, a required argument, a required list of files
    (["withdraw", "4"], "错误：缺少必需的选项：--reason（应写成“--reason 原因”）" + _hint("gdcomply withdraw")),
    (["workdays", "count", "2026-01-01"],
     "错误：缺少必需的参数：结束日期（应写成“gdcomply workdays count [选项] 起始日期 结束日期”）"
     + _hint("gdcomply workdays count")),
    (["submit", "progress-report", "--period", "2026-R1", "--from", "guiyuan"],
     "错误：缺少必需的参数：文件（应写成“gdcomply submit [选项] 事项 文件...”）" + _hint("gdcomply submit")),
    # unknown options: with click's suggestion, without, a short one
    (["check", "--formt", "json"], "错误：未知的选项：--formt（是否想输入：--force、--format、--out？）" + _hint("gdcomply check")),
    (["--bogus"], "错误：未知的选项：--bogus（没有这个选项）" + _hint("gdcomply")),
    (["check", "-x"], "错误：未知的选项：-x（没有这个选项）" + _hint("gdcomply check")),
    # values: a choice, an integer (option and argument), ranges closed, above and below
    (["check", "--format", "pdf"], "错误：参数值无效：--format（“pdf”不是可选的值，可选：table、json、html）" + _hint("gdcomply check")),
    (["calendar", "--year", "abc"], "错误：参数值无效：--year（“abc”不是整数）" + _hint("gdcomply calendar")),
    (["workdays", "add", "2026-10-09", "five"],
     "错误：参数值无效：工作日数（“five”不是整数）" + _hint("gdcomply workdays add")),
    (["applications", "sample", "x.xlsx", "--rows", "0"],
     "错误：参数值无效：--rows（0 超出范围，应为 1 到 1000000）" + _hint("gdcomply applications sample")),
    (["check", "--horizon", "2000"], "错误：参数值无效：--horizon（2000 超出范围，应不大于 1000）" + _hint("gdcomply check")),
    (["applications", "check", "data.csv", "--horizon", "-1"],
     "错误：参数值无效：--horizon（-1 超出范围，应不小于 0）" + _hint("gdcomply applications check")),
    # paths: a file where a folder goes, a folder where a file goes
    (["check", "--workspace", "a-file"], "错误：参数值无效：--workspace（“a-file”是文件，不是目录）" + _hint("gdcomply check")),
    (["applications", "check", "."], "错误：参数值无效：文件（“.”是目录，不是文件）" + _hint("gdcomply applications check")),
    # the parser's own: extra arguments, an option without its value, a flag given a value
    (["calendar", "extra", "more"], "错误：用法错误（多余的参数：extra more）" + _hint("gdcomply calendar")),
    (["check", "--as-of"], "错误：选项缺少值：--as-of（应写成“--as-of 日期”）" + _hint("gdcomply check")),
    (["workdays", "count", "--format"],
     "错误：选项缺少值：--format（应写成“--format table|json”）" + _hint("gdcomply workdays count")),
    (["check", "--all=yes"], "错误：选项用法错误：--all（该选项不带值，只写“--all”即可）" + _hint("gdcomply check")),
    # unknown commands, at the top and in a group (its own commands are listed)
    (["calender"],
     "错误：未知的命令“calender”。是否想输入：calendar？可用的命令：calendar、validate、init、info、check、submit、"
     "withdraw、log、export、verify、backup、restore、pack、remind、workdays、holidays、ledger、applications、complaints" + _hint("gdcomply")),
    (["workdays", "cont"], "错误：未知的命令“cont”。是否想输入：count？可用的命令：count、add、month" + _hint("gdcomply workdays")),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_usage_errors_are_chinese_and_exit_2(cli, tmp_path, args, message):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    result = cli(args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert english_words(result.stderr, TYPED | set(args)) == []


def test_a_group_without_its_command_says_so_in_chinese():
    """`gdcomply --debug` alone (the one way to reach it; --debug then re-raises, by design)."""
    import typer.main

    from gdcomply.cli import build_app
    from gdcomply.cli.usage import usage_message
    from typer._click.exceptions import UsageError

    with pytest.raises(UsageError) as caught:
        typer.main.get_command(build_app()).main(["--debug"], prog_name="gdcomply", standalone_mode=False)
    assert usage_message(caught.value) == (
        "错误：用法错误（缺少命令，可用的命令：calendar、validate、init、info、check、submit、withdraw、log、export、"
        "verify、backup、restore、pack、remind、workdays、holidays、ledger、applications、complaints）" + _hint("gdcomply").rstrip("\n")
    )


def test_the_path_type_words_its_other_checks_in_chinese(tmp_path):
    import os

    from gdcomply.cli.usage import ChinesePath
    from typer._click.exceptions import BadParameter

    with pytest.raises(BadParameter) as caught:
        ChinesePath(exists=True).convert(str(tmp_path / "missing.xlsx"), None, None)
    assert caught.value.message == f"“{tmp_path / 'missing.xlsx'}”不存在"
    # Root may read and write anything, so as root (CI's case) the check runs in a child
    # process as nobody (setpriv, util-linux), on a file in a folder nobody can enter.
    folder = Path(tempfile.mkdtemp(prefix="gdc-perm-"))
    try:
        folder.chmod(0o755)
        locked = folder / "locked.xlsx"
        locked.write_text("x", encoding="utf-8")
        locked.chmod(0)
        check = (
            "import sys\n"
            "from gdcomply.cli.usage import ChinesePath\n"
            "from typer._click.exceptions import BadParameter\n"
            "for kind in (ChinesePath(), ChinesePath(readable=False, writable=True)):\n"
            "    try:\n"
            "        kind.convert(sys.argv[1], None, None)\n"
            "    except BadParameter as exc:\n"
            "        print(exc.message)\n"
        )
        command = [sys.executable, "-c", check, str(locked)]
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            assert setpriv, "setpriv (util-linux) is needed to drop root for this test"
            command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        source = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": source + os.pathsep + os.environ.get("PYTHONPATH", "")}
        done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", env=env, cwd="/", timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [f"“{locked}”没有读取权限", f"“{locked}”没有写入权限"]
    finally:
        shutil.rmtree(folder)


def _unit(text: str) -> str:
    if text == "nobody":
        raise ValueError("没有这个单位")
    return str(int(text))  # Python's own (English) ValueError for anything else


def test_a_parser_function_fails_in_chinese():
    """A `parser=` option (none today) fails in Chinese too: its own Chinese message, or the value."""
    import typer.main

    from gdcomply.cli.usage import usage_message, use_chinese_help

    app = typer.Typer(rich_markup_mode=None)

    @app.command()
    def show(value: Annotated[str, typer.Option("--unit", parser=_unit)]) -> None:
        """Show."""

    use_chinese_help(app)
    command = typer.main.get_command(app)
    for text, detail in (("nobody", "没有这个单位"), ("abc", "“abc”无效")):
        with pytest.raises(typer.BadParameter) as caught:
            command.main(["--unit", text], prog_name="gdcomply", standalone_mode=False)
        assert usage_message(caught.value) == f"错误：参数值无效：--unit（{detail}）\n运行“gdcomply --help”查看用法。"
