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


class InputError(GdcomplyError):
    """An input file (evidence, applications, notes) is missing, unreadable or invalid."""

    exit_code = 1


class RenderError(GdcomplyError):
    """A report could not be rendered (broken template tag, unwritable output)."""

    exit_code = 1


class MailError(GdcomplyError):
    """Mail settings are wrong or the SMTP server could not be used."""

    exit_code = 1
