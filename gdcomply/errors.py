"""The one exception tree of gdcomply; the CLI turns these into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in an input, with where it is (file:line:column, FILE:SHEET!CELL, …)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class GdcomplyError(Exception):
    """Base of every error gdcomply reports to the user (message in Chinese)."""

    exit_code = 1

    def __init__(self, message: str, problems: tuple[Problem, ...] | list[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = tuple(problems)

    def __str__(self) -> str:
        lines = [self.message, *(str(p) for p in self.problems)]
        return "\n".join(lines)


class ConfigError(GdcomplyError):
    """The calendar, holidays or workspace configuration is invalid: the tool cannot run as configured."""

    exit_code = 2


class UsageError(GdcomplyError):
    """The command was called wrongly (bad option value, unknown party, malformed date)."""

    exit_code = 2


class CalendarRangeError(GdcomplyError):
    """A date lies outside the range the working-day calendar covers."""

    exit_code = 1


class ProvisionalYearError(GdcomplyError):
    """A result depends on a year whose official holiday notice is not known (with --strict)."""

    exit_code = 1


class LedgerError(GdcomplyError):
    """The ledger database is missing, foreign, too new, or a ledger operation was refused."""

    exit_code = 1


class LedgerSetupError(LedgerError):
    """The ledger cannot be used as set up (login refused, no such database, no schema or an
    older one, no rights): a person must act before any run can succeed."""

    exit_code = 2


class LedgerMissingError(LedgerError):
    """A workspace that had a ledger has lost it: nothing is created in its place."""

    exit_code = 2


class InputError(GdcomplyError):
    """An input file (evidence, applications, notes) is missing, unreadable or invalid."""

    exit_code = 1


class RenderError(GdcomplyError):
    """A report could not be rendered (broken template tag, unwritable output)."""

    exit_code = 1


class MailError(GdcomplyError):
    """Mail settings are wrong or the SMTP server could not be used."""

    exit_code = 1


# errno → what a person is told (Python's strerror is English); the reason, then what to do.
_OS_REASONS = {
    "ENOSPC": ("磁盘空间已满", "请清理磁盘空间后重试"),
    "EDQUOT": ("超出磁盘配额", "请清理空间或请管理员提高配额后重试"),
    "EACCES": ("没有写入或读取权限", "请检查文件和目录的所有者与权限（是否曾以其他用户身份运行过 gdcomply）"),
    "EPERM": ("操作不被允许（文件可能被设为只读或不可更改）", "请检查文件属性和权限（如 lsattr、ls -l）"),
    "EROFS": ("所在的文件系统是只读的", "请把工作区放在可写的磁盘上，或请管理员重新以读写方式挂载"),
    "ENOENT": ("文件或目录不存在", "请检查路径"),
    "ENOTDIR": ("路径中的某一级不是目录", "请检查路径"),
    "EISDIR": ("是目录，不是文件", "请检查路径"),
    "EEXIST": ("已存在", "请换一个名称"),
    "EIO": ("磁盘读写错误", "请检查磁盘是否正常"),
    "ENAMETOOLONG": ("文件名过长", "请使用较短的文件名"),
    "EMFILE": ("打开的文件过多", "请稍后重试"),
}


def os_reason(exc: OSError) -> str:
    """A Chinese account of an OSError (reason and what to do), for messages shown to people."""
    import errno

    name = errno.errorcode.get(exc.errno or -1, "")
    if name in _OS_REASONS:
        reason, remedy = _OS_REASONS[name]
        return f"{reason}，{remedy}"
    return f"系统错误 {name or exc.errno}：{exc.strerror or exc}"
