"""The working-day calendar's plain data: the supported range, day kinds, roll rules, the
official arrangement of a year, warnings, and the merge of the holiday sources.

``merge_holidays`` lays the official years of config/holidays.yaml over the holidays
package's table (a given year replaces the package's entirely) and says which years are
provisional: neither source has the year's make-up workdays, so its days are a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

RANGE_START = date(2000, 1, 1)
RANGE_END = date(2035, 12, 31)


class Roll(str, Enum):
    """What to do with a deadline that falls on a non-working day."""

    PRECEDING = "preceding"
    FOLLOWING = "following"
    NONE = "none"


class DayKind(str, Enum):
    """Why a day is or is not a working day."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup-workday"


@dataclass(frozen=True)
class YearOverride:
    """One year's official holiday arrangement, given in config/holidays.yaml."""

    year: int
    notice: str  # the sources, joined with "；"
    days_off: dict[date, str]
    workdays: frozenset[date]
    sources: tuple[str, ...] = ()  # each notice (or other source) the year is taken from
    workday_names: dict[date, str] = field(default_factory=dict)  # the holiday a make-up day serves


@dataclass(frozen=True)
class CalendarWarning:
    """A caveat attached to a result (e.g. it depends on a provisional year)."""

    code: str
    message: str
    year: int | None = None


@dataclass(frozen=True)
class HolidayData:
    """Days off (with their Chinese names) and make-up workdays, with where they came from."""

    days_off: dict[date, str]
    workdays: frozenset[date]
    provisional_years: frozenset[int]
    official_years: dict[int, str] = field(default_factory=dict)  # year -> source text
    # The first year of the holidays package's arrangements (its first make-up workday): a
    # provisional year before it is not "not yet published" but outside the data's coverage.
    covered_from: int | None = None


def provisional_message(year: int) -> str:
    """The warning for a year whose arrangement is not published yet (or not yet packaged)."""
    return (
        f"{year} 年的法定节假日安排尚未公布（holidays 包中没有 {year} 年的调休数据，"
        f"config/holidays.yaml 中也没有该年），相关工作日按推测计算。"
        f"国务院办公厅公布通知后，运行“gdcomply holidays import 通知文件”录入 {year} 年的放假安排"
    )


def uncovered_message(year: int, covered_from: int) -> str:
    """The warning for a year before the holidays data begins: long published, just not here."""
    return (
        f"{year} 年不在节假日数据的覆盖范围内（holidays 包的放假安排从 {covered_from} 年开始，"
        f"config/holidays.yaml 中也没有 {year} 年），相关工作日按推测计算，未计调休上班日。"
        f"如有该年的放假通知，可运行“gdcomply holidays import 通知文件”录入"
    )


def merge_holidays(
    package_days_off: dict[date, str],
    package_workdays: set[date] | frozenset[date],
    overrides: tuple[YearOverride, ...] | list[YearOverride] = (),
) -> HolidayData:
    """Overlay official year arrangements on the package data; a given year replaces it entirely."""
    by_year = {o.year: o for o in overrides}
    days_off = {d: n for d, n in package_days_off.items() if d.year not in by_year}
    workdays = {d for d in package_workdays if d.year not in by_year}
    for override in by_year.values():
        days_off.update(override.days_off)
        workdays.update(override.workdays)
    years_with_makeup = {d.year for d in package_workdays}
    provisional = frozenset(
        y
        for y in range(RANGE_START.year, RANGE_END.year + 1)
        if y not in years_with_makeup and y not in by_year
    )
    official = {o.year: o.notice for o in by_year.values()}
    covered_from = min(years_with_makeup) if years_with_makeup else None
    return HolidayData(days_off, frozenset(workdays), provisional, official, covered_from)


def month_days(year: int, month: int) -> list[date]:
    """Every date of a month, in order."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]
