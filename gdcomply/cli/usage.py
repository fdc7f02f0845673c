"""Help pages and usage errors in Chinese, wrapped to the terminal's width in display cells.

typer's vendored click writes its help in English ("Usage:", "Options", "[required]", "Show
this message and exit.", metavars such as `<str>`) and wraps by code points, so Chinese text
(two cells a character) overflows the terminal. Every command of the app is built with
ChineseCommand or ChineseGroup (`use_chinese_help` sets them on the typer app in one place),
which write the help page themselves and swap click's parameter types for ones that fail in
Chinese. `usage_message` turns the errors click raises while parsing into the one Chinese line
main() prints.

Nothing here imports more than `import typer` already did; rich (for cell widths) is imported
only when a help page is written.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import stat
from enum import Enum
from typing import Any, Iterable, Sequence

import typer
from typer import _click
from typer._click import exceptions as click_errors
from typer._click import types as click_types
from typer._click import utils as click_utils
from typer._types import TyperChoice
from typer.core import TyperCommand, TyperGroup
from typer.models import DefaultPlaceholder, TyperPath

HELP_OPTION_TEXT = "显示本帮助并退出。"
MAX_WIDTH = 80  # like click: wider lines are hard to read, even in a wide terminal
MIN_WIDTH = 20
TERM_COLUMN_MAX = 30  # a longer option (with its metavar) gets its text on the lines below
MIN_TEXT_COLUMN = 24  # narrower than this beside the options: every text goes below its option


# -- parameter types that fail in Chinese --------------------------------------------------


def _shown(value: Any) -> str:
    """A value the user typed, as it can be printed (a non-UTF-8 name arrives as surrogates)."""
    return click_utils.format_filename(value) if isinstance(value, (str, bytes, os.PathLike)) else str(value)


class ChineseInt(click_types.IntParamType):
    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return int(value)
        except ValueError:
            self.fail(f"“{_shown(value)}”不是整数", param, ctx)


class ChineseFloat(click_types.FloatParamType):
    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return float(value)
        except ValueError:
            self.fail(f"“{_shown(value)}”不是数字", param, ctx)


def describe_range(kind: click_types._NumberRangeBase) -> str:
    """“范围 1 至 1000”, “不大于 1000”, ...: the accepted values, for help and errors."""
    low = f"{'大于' if kind.min_open else '不小于'} {kind.min}"
    high = f"{'小于' if kind.max_open else '不大于'} {kind.max}"
    if kind.min is None:
        return high
    if kind.max is None:
        return low
    if not kind.min_open and not kind.max_open:
        return f"范围 {kind.min} 至 {kind.max}"
    return f"{low}且{high}"


class ChineseIntRange(click_types.IntRange):
    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        number = ChineseInt().convert(value, param, ctx)
        below = self.min is not None and (number <= self.min if self.min_open else number < self.min)
        above = self.max is not None and (number >= self.max if self.max_open else number > self.max)
        if self.clamp and (below or above):
            return self._clamp(self.min if below else self.max, 1 if below else -1, self.min_open if below else self.max_open)
        if below or above:
            if self.min is not None and self.max is not None and not (self.min_open or self.max_open):
                expected = f"为 {self.min} 到 {self.max}"  # the wording users already know
            else:
                expected = describe_range(self)
            self.fail(f"{number} 超出范围，应{expected}", param, ctx)
        return number


class ChineseChoice(TyperChoice):
    def get_metavar(self, param: Any, ctx: Any) -> str:
        return "|".join(self._normalized_mapping(ctx=ctx).values())

    def get_missing_message(self, param: Any, ctx: Any) -> str:
        return f"可选：{'、'.join(self._normalized_mapping(ctx=ctx).values())}"

    def get_invalid_choice_message(self, value: Any, ctx: Any) -> str:
        return f"“{_shown(value)}”不是可选的值，{self.get_missing_message(None, ctx)}"


class ChinesePath(TyperPath):
    """TyperPath's checks, worded in Chinese (same order, same conditions)."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.file_okay and self.allow_dash and value in (b"-", "-"):
            return self.coerce_path_result(value)
        path = os.path.realpath(value) if self.resolve_path else value
        shown = f"“{_shown(value)}”"
        try:
            status = os.stat(path)
        except OSError:
            if not self.exists:
                return self.coerce_path_result(path)
            self.fail(f"{shown}不存在", param, ctx)
        if not self.file_okay and stat.S_ISREG(status.st_mode):
            self.fail(f"{shown}是文件，不是目录", param, ctx)
        if not self.dir_okay and stat.S_ISDIR(status.st_mode):
            self.fail(f"{shown}是目录，不是文件", param, ctx)
        if self.readable and not os.access(path, os.R_OK):
            self.fail(f"{shown}没有读取权限", param, ctx)
        if self.writable and not os.access(path, os.W_OK):
            self.fail(f"{shown}没有写入权限", param, ctx)
        return self.coerce_path_result(path)


class ChineseFunc(click_types.FuncParamType):
    """A `parser=` function's type: its ValueError shown if it is Chinese, else the value named."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return self.func(value)
        except ValueError as exc:
            reason = str(exc)
            said = reason and not reason.isascii()  # worded for the user, not Python's own text
            self.fail(reason if said else f"“{_shown(value)}”无效", param, ctx)


CHINESE_TYPES = (ChineseInt, ChineseFloat, ChineseIntRange, ChineseChoice, ChinesePath, ChineseFunc)
# types that never fail on what a user types (flags take no value; any text is a str)
SILENT_TYPES = (click_types.StringParamType, click_types.BoolParamType)


def chinese_type(kind: click_types.ParamType) -> click_types.ParamType:
    """The Chinese-speaking equivalent of one of click's parameter types (others as they are)."""
    if isinstance(kind, CHINESE_TYPES):
        return kind
    if type(kind) is click_types.IntRange:
        return ChineseIntRange(kind.min, kind.max, kind.min_open, kind.max_open, kind.clamp)
    if type(kind) is click_types.IntParamType:
        return ChineseInt()
    if type(kind) is click_types.FloatParamType:
        return ChineseFloat()
    if type(kind) is click_types.FuncParamType:
        return ChineseFunc(kind.func)
    if type(kind) is TyperChoice:
        return ChineseChoice(kind.choices, kind.case_sensitive)
    if type(kind) is TyperPath:
        return ChinesePath(
            exists=kind.exists, file_okay=kind.file_okay, dir_okay=kind.dir_okay, writable=kind.writable,
            readable=kind.readable, resolve_path=kind.resolve_path, allow_dash=kind.allow_dash, path_type=kind.type,
        )  # fmt: skip
    return kind


# -- metavars and markers ------------------------------------------------------------------


def type_word(kind: click_types.ParamType, param: Any = None, ctx: Any = None) -> str:
    """What a value of this type is, in a word: 文本, 整数, 文件, 目录, or the choices."""
    if isinstance(kind, TyperChoice):
        return ChineseChoice.get_metavar(kind, param, ctx)  # type: ignore[arg-type]
    if isinstance(kind, TyperPath):
        return {"file": "文件", "directory": "目录"}.get(kind.name, "路径")
    if isinstance(kind, click_types.IntParamType):
        return "整数"
    if isinstance(kind, click_types.FloatParamType):
        return "数字"
    return "文本"


def display_name(param: Any, ctx: Any = None) -> str:
    """An argument's name as help and errors show it (its metavar), or an option's first name."""
    if param.param_type_name == "argument":
        return param.metavar or type_word(param.type, param, ctx)
    return param.opts[0]


def metavar(param: Any, ctx: Any = None) -> str:
    """The placeholder shown after an option, or as an argument: 日期, 单位, 文件...."""
    word = param.metavar or type_word(param.type, param, ctx)
    return f"{word}..." if param.nargs == -1 else word


def _default_text(param: Any) -> str:
    show = getattr(param, "show_default", False)
    if isinstance(show, str):
        return show
    if not show or getattr(param, "is_flag", False):
        return ""  # a flag is off unless given: nothing worth a marker
    value = param.default
    if value is None or callable(value):
        return ""
    values = value if isinstance(value, (list, tuple)) else [value]
    return "、".join(str(v.value if isinstance(v, Enum) else v) for v in values if str(v) != "")


def markers(param: Any) -> str:
    """“[默认值：5；不大于 1000]”, “[必填]”: what click shows in English after an option's text."""
    parts = []
    default = _default_text(param)
    if default:
        parts.append(f"默认值：{default}")
    if isinstance(param.type, click_types._NumberRangeBase):
        parts.append(describe_range(param.type))
    if param.required:
        parts.append("必填")
    return f"[{'；'.join(parts)}]" if parts else ""


# -- wrapping by display width -------------------------------------------------------------

# no line starts with a closing mark (or a hyphen: 名称-pauses.csv), no line ends with an
# opening one (kinsoku)
_CLOSING = set("，。、；：！？）】」』》〉”’…,.;:!?)]}%-")
_OPENING = set("（【「『《〈“‘([{")
# Hangul, CJK (with its punctuation), full-width forms, and the curly quotes Chinese text uses
_WIDE = "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff“”‘’"
# a run of spaces, one wide character, or a run of anything else (a word of Latin letters);
# as text: re compiles it when help is first wrapped, not at every start
_ATOM = rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+"


def _units(text: str, cjk: bool) -> list[tuple[str, str]]:
    """(space before, unit) pairs: the pieces a line may be broken between.

    With cjk, a line may break between two Chinese characters (as Chinese text is set), except
    before a closing mark or after an opening one; a run of Latin letters, digits and signs
    (an option, a file name, `due-soon`) is never broken unless it is wider than the line.
    Without cjk, only at spaces (a usage line, an option with its metavar).
    """
    if not cjk:
        return [(m.group(1), m.group(2)) for m in re.finditer(r"(\s*)(\S+)", text)]
    units: list[tuple[str, str]] = []
    space = ""
    glue = False  # the previous unit ends with an opening mark
    for match in re.finditer(_ATOM, text):
        atom = match.group()
        if atom.isspace():
            space, glue = " ", False
            continue
        if units and not space and (glue or atom[0] in _CLOSING):
            units[-1] = (units[-1][0], units[-1][1] + atom)
        else:
            units.append((space, atom))
        space, glue = "", atom[-1] in _OPENING
    return units


def wrap(text: str, width: int, *, cjk: bool = True) -> list[str]:
    """Lines of at most `width` display cells (Chinese characters count two)."""
    from rich.cells import cell_len

    width = max(width, 2)
    lines: list[str] = []
    line, used = "", 0
    for space, unit in _units(text, cjk):
        size = cell_len(unit)
        gap = cell_len(space) if line else 0
        if used + gap + size <= width:
            line, used = line + (space if line else "") + unit, used + gap + size
            continue
        if line:
            lines.append(line)
        pieces = _fold(unit, width) if size > width else [unit]
        lines.extend(pieces[:-1])
        line, used = pieces[-1], cell_len(pieces[-1])
    if line or not lines:
        lines.append(line)
    return lines


def _fold(word: str, width: int) -> list[str]:
    """A word wider than the line, in pieces: after a slash where it can (a path, an instance
    id), else wherever the width ends."""
    from rich.cells import cell_len, chop_cells

    pieces: list[str] = []
    for part in re.findall(r"[^/]*/|[^/]+", word):
        if pieces and cell_len(pieces[-1]) + cell_len(part) <= width:
            pieces[-1] += part
        else:
            pieces += chop_cells(part, width) if cell_len(part) > width else [part]
    return pieces


def _join_lines(lines: Iterable[str]) -> str:
    """One paragraph from the lines of a docstring: no space is put between Chinese characters."""
    text = ""
    for line in (part.strip() for part in lines):
        if text and line and not (_is_wide(text[-1]) and _is_wide(line[0])):
            text += " "
        text += line
    return text


def _is_wide(char: str) -> bool:
    from rich.cells import cell_len

    return cell_len(char) == 2


def paragraphs(text: str | None) -> list[str]:
    if not text:
        return []
    body = inspect.cleandoc(text).partition("\f")[0]
    blocks = re.split(r"\n\s*\n", body)
    return [_join_lines(b.replace("\b", "").splitlines()) for b in blocks if b.strip()]


def help_width() -> int:
    """The terminal's width ($COLUMNS, or 80 when piped), at most MAX_WIDTH."""
    columns = shutil.get_terminal_size((MAX_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(columns, MAX_WIDTH))


def definition_list(rows: Sequence[tuple[str, str, str]], width: int) -> list[str]:
    """(term, text, markers) rows: options or commands and their text, in two columns when the
    width allows, else each text below its term. The markers follow the text on its last line
    when they fit there, else on a line of their own."""
    from rich.cells import cell_len

    # a term wider than TERM_COLUMN_MAX gets its text below it rather than widening the column
    term_column = max((cell_len(t) for t, _, _ in rows if cell_len(t) <= TERM_COLUMN_MAX), default=TERM_COLUMN_MAX)
    text_at = 2 + term_column + 2
    stacked = width - text_at < MIN_TEXT_COLUMN
    if stacked:
        text_at = 6
    lines: list[str] = []
    for term, text, marks in rows:
        term_lines = ["  " + piece for piece in wrap(term, width - 2, cjk=False)]
        body = wrap(text, width - text_at) if text else []
        if marks:
            if body and cell_len(body[-1]) + 2 + cell_len(marks) <= width - text_at:
                body[-1] += "  " + marks
            else:
                body += wrap(marks, width - text_at)
        if not stacked and len(term_lines) == 1 and cell_len(term_lines[0]) <= text_at - 2 and body:
            first = term_lines[0]
            lines.append(first + " " * (text_at - cell_len(first)) + body[0])
            body = body[1:]
        else:
            lines += term_lines
        lines += [" " * text_at + piece for piece in body]
    return lines


# -- the commands --------------------------------------------------------------------------


class _ChineseHelp:
    """What ChineseCommand and ChineseGroup share: the help page, its usage line, Chinese types."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:  # type: ignore[attr-defined]
            param.type = chinese_type(param.type)

    def get_help_option(self, ctx: _click.Context) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except click_errors.UsageError as exc:
            if exc.ctx is None:  # click's parser raises a few without the command they concern
                exc.ctx, exc.cmd = ctx, ctx.command
            raise

    def usage_pieces(self, ctx: _click.Context) -> list[str]:
        pieces = ["[选项]"] if self.options_metavar else []  # type: ignore[attr-defined]
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            if param.param_type_name == "argument":
                name = metavar(param, ctx)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_usage(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        formatter.write("\n".join(self.usage_lines(ctx, help_width())) + "\n")

    def usage_lines(self, ctx: _click.Context, width: int) -> list[str]:
        prefix = "用法："
        indent = " " * 6  # the width of 用法：
        words = " ".join([ctx.command_path, *self.usage_pieces(ctx)])
        lines = wrap(words, width - len(indent), cjk=False)
        return [prefix + lines[0], *(indent + line for line in lines[1:])]

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        formatter.write("\n".join(self.help_lines(ctx, help_width())) + "\n")

    def help_lines(self, ctx: _click.Context, width: int) -> list[str]:
        lines = self.usage_lines(ctx, width)
        for paragraph in paragraphs(self.help):  # type: ignore[attr-defined]
            lines += ["", *("  " + line for line in wrap(paragraph, width - 2))]
        arguments, options = [], []
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            if getattr(param, "hidden", False):
                continue
            if param.param_type_name == "argument":
                arguments.append((metavar(param, ctx), param.help or "", markers(param)))
            else:
                names = ", ".join(sorted(param.opts, key=len))
                if param.secondary_opts:
                    names += " / " + ", ".join(sorted(param.secondary_opts, key=len))
                term = names if param.is_flag else f"{names} {metavar(param, ctx)}"
                options.append((term, param.help or "", markers(param)))
        for title, rows in (("参数：", arguments), ("选项：", options), ("命令：", self.command_rows(ctx))):
            if rows:
                lines += ["", title, *definition_list(rows, width)]
        lines += self.epilog_lines(ctx, width)
        return lines

    def command_rows(self, ctx: _click.Context) -> list[tuple[str, str, str]]:
        return []

    def epilog_lines(self, ctx: _click.Context, width: int) -> list[str]:
        lines = []
        for paragraph in paragraphs(self.epilog):  # type: ignore[attr-defined]
            lines += ["", *("  " + line for line in wrap(paragraph, width - 2))]
        return lines


class ChineseCommand(_ChineseHelp, TyperCommand):
    """A typer command whose help page and parameter errors are Chinese."""


class ChineseUsageError(click_errors.UsageError):
    """A usage error already worded in Chinese in full: main() prints it as it is."""


class ChineseGroup(_ChineseHelp, TyperGroup):
    """A typer group (the root, `workdays`, ...) whose help page and errors are Chinese."""

    def usage_pieces(self, ctx: _click.Context) -> list[str]:
        return [*super().usage_pieces(ctx), "命令", "[参数]..."]

    def command_rows(self, ctx: _click.Context) -> list[tuple[str, str, str]]:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            summary = command.short_help or next(iter(paragraphs(command.help)), "")
            rows.append((name, summary, ""))
        return rows

    def epilog_lines(self, ctx: _click.Context, width: int) -> list[str]:
        hint = f"运行“{ctx.command_path} 命令 --help”查看各命令的用法。"
        return [*super().epilog_lines(ctx, width), "", *wrap(hint, width)]

    def resolve_command(self, ctx: _click.Context, args: list[str]) -> Any:
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-") and not ctx.resilient_parsing:
            import difflib

            known = list(self.list_commands(ctx))
            near = difflib.get_close_matches(name, known, n=1)
            hint = f"是否想输入：{near[0]}？" if near else ""
            raise ChineseUsageError(f"未知的命令“{_shown(name)}”。{hint}可用的命令：{'、'.join(known)}", ctx)
        return super().resolve_command(ctx, args)


def use_chinese_help(app: typer.Typer) -> None:
    """Build every command and group of `app` (and of its sub-apps) with the Chinese classes."""
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):  # typer's default (a command's own cls is kept)
            command.cls = ChineseCommand
    for group in app.registered_groups:
        if group.cls in (None, TyperGroup) or isinstance(group.cls, DefaultPlaceholder):
            group.cls = ChineseGroup
        if group.typer_instance is not None:
            use_chinese_help(group.typer_instance)


# -- usage errors --------------------------------------------------------------------------

# click's parser says these few only in words (no attribute tells them apart)
# (patterns as text: re compiles them when an error needs them, not at every start)
_EXTRA_ARGUMENTS = r"(?s)^Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)$"
_REQUIRES_VALUE = r"(?s)^Option '.*' requires (?:an argument|\d+ arguments)\.$"
_TAKES_NO_VALUE = r"(?s)^Option '.*' does not take a value\.$"
_MISSING_COMMAND = "Missing command."


def _option_param(ctx: Any, name: str) -> Any:
    command = getattr(ctx, "command", None)
    for param in command.get_params(ctx) if command is not None else ():
        if name in getattr(param, "opts", ()) or name in getattr(param, "secondary_opts", ()):
            return param
    return None


def _written(param: Any, ctx: Any) -> str:
    """How an option is written with its value: “--as-of 日期”."""
    return f"“{param.opts[0]} {metavar(param, ctx)}”"


def _describe(exc: Exception, ctx: Any) -> tuple[str, str | None, str]:
    """(what kind of error, the option or argument it concerns, the detail) of a usage error."""
    message = getattr(exc, "message", str(exc))
    if isinstance(exc, click_errors.NoSuchOption):
        near = f"是否想输入：{'、'.join(sorted(exc.possibilities))}？" if exc.possibilities else "没有这个选项"
        return "未知的选项", exc.option_name, near
    if isinstance(exc, click_errors.MissingParameter):
        param = exc.param
        if param is None:
            return "缺少必需的参数", None, "缺少必需的值"
        if param.param_type_name == "option":
            return "缺少必需的选项", param.opts[0], f"应写成{_written(param, ctx)}"
        pieces = getattr(ctx.command, "usage_pieces", None) if ctx is not None else None
        usage = f"应写成“{' '.join([ctx.command_path, *pieces(ctx)])}”" if pieces is not None else "缺少必需的值"
        return "缺少必需的参数", display_name(param, ctx), usage
    if isinstance(exc, click_errors.BadParameter):  # worded by the Chinese types above
        param = exc.param
        return "参数值无效", display_name(param, ctx) if param is not None else None, message
    if isinstance(exc, click_errors.BadOptionUsage):
        param = _option_param(ctx, exc.option_name)
        if re.match(_REQUIRES_VALUE, message):
            return "选项缺少值", exc.option_name, f"应写成{_written(param, ctx)}" if param is not None else "缺少值"
        if re.match(_TAKES_NO_VALUE, message):
            return "选项用法错误", exc.option_name, f"该选项不带值，只写“{exc.option_name}”即可"
        return "选项用法错误", exc.option_name, message
    if isinstance(exc, click_errors.BadArgumentUsage):
        return "参数用法错误", None, message
    match = re.match(_EXTRA_ARGUMENTS, message)
    if match:
        return "用法错误", None, f"多余的参数：{match['args']}"
    if message == _MISSING_COMMAND and ctx is not None:
        return "用法错误", None, f"缺少命令，可用的命令：{'、'.join(ctx.command.list_commands(ctx))}"
    return "用法错误", None, message


def usage_message(exc: Exception) -> str:
    """The lines main() prints for a usage error (exit code 2): what is wrong, then where to look."""
    ctx = getattr(exc, "ctx", None)
    hint = f"运行“{getattr(ctx, 'command_path', None) or 'gdcomply'} --help”查看用法。"
    if isinstance(exc, ChineseUsageError):
        return f"错误：{exc.message}\n{hint}"
    label, name, detail = _describe(exc, ctx)
    what = f"：{name}" if name else ""
    return f"错误：{label}{what}（{detail}）\n{hint}"
