"""China's working-day calendar: public holidays, weekends and make-up workdays (调休).

The one convention used everywhere in gdcomply: ``count(start, end)`` is the number of
working days d with start < d <= end (negative when end < start, 0 when equal). So an
application accepted on a Friday and energised the next Monday took 1 working day, and
``add(start, n)`` is the date n working days after start, with ``count(start, add(start, n)) == n``.

All queries are O(1) lookups in flat tables built once per calendar (a prefix sum of
working days over the whole supported range and the positions of the working days).
"""

from __future__ import annotations

import json
import os
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from pathlib import Path

from gdcomply.errors import CalendarRangeError, ProvisionalYearError, UsageError

RANGE_START = date(2000, 1, 1)
RANGE_END = date(2035, 12, 31)
_CACHE_FORMAT = 1


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


def _cache_dir() -> Path | None:
    explicit = os.environ.get("GDCOMPLY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return None
    return Path(user_cache_dir("gdcomply", appauthor=False))


def _holidays_version() -> str:
    """The installed holidays package's version, read from its dist-info folder's name.

    Importing holidays only to ask its version costs ~60 ms (it reads its own metadata through
    importlib.metadata), more than everything else a cached start does; when the folder cannot
    be found unambiguously the package is imported after all.
    """
    from importlib.util import find_spec

    spec = find_spec("holidays")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if len(locations) == 1:
        site = Path(locations[0]).parent
        try:
            found = [
                entry.name[len("holidays-") : -len(".dist-info")]
                for entry in os.scandir(site)
                if entry.name.startswith("holidays-") and entry.name.endswith(".dist-info")
            ]
        except OSError:
            found = []
        if len(found) == 1:
            return found[0]
    import holidays

    return str(getattr(holidays, "__version__", "unknown"))


def package_holidays() -> tuple[dict[date, str], set[date]]:
    """China's days off and make-up workdays over the whole range, from the holidays package.

    Loading the package's country module costs ~80 ms at every start, so the result is
    cached on disk per holidays version; a missing or broken cache is simply rebuilt.
    """
    version = _holidays_version()
    cache_dir = _cache_dir()
    cache_file = cache_dir / f"holidays-cn-{version}-f{_CACHE_FORMAT}.json" if cache_dir else None
    if cache_file is not None:
        try:
            raw = json.loads(cache_file.read_text(encoding="utf-8"))
            days_off = {date.fromisoformat(k): v for k, v in raw["days_off"].items()}
            workdays = {date.fromisoformat(k) for k in raw["workdays"]}
            return days_off, workdays
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    import holidays

    cn = holidays.country_holidays(
        "CN", years=range(RANGE_START.year, RANGE_END.year + 1), language="zh_CN"
    )
    days_off = {d: str(name) for d, name in cn.items()}
    workdays = {d for d in getattr(cn, "weekend_workdays", set())}
    if cache_file is not None:
        payload = {
            "days_off": {d.isoformat(): n for d, n in sorted(days_off.items())},
            "workdays": sorted(d.isoformat() for d in workdays),
        }
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, cache_file)
        except OSError:
            pass  # a read-only home only costs the rebuild next time
    return days_off, workdays


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


class WorkCalendar:
    """Working days between RANGE_START and RANGE_END, with O(1) count, add and roll."""

    def __init__(self, data: HolidayData, *, strict: bool = False) -> None:
        self.data = data
        self.strict = strict
        self._origin = RANGE_START.toordinal()
        self._last = RANGE_END.toordinal()
        size = self._last - self._origin + 1
        working = bytearray(size)
        origin = self._origin
        first_weekday = RANGE_START.weekday()
        for i in range(size):
            working[i] = 1 if (first_weekday + i) % 7 < 5 else 0
        for d in data.days_off:
            if RANGE_START <= d <= RANGE_END and d not in data.workdays:
                working[d.toordinal() - origin] = 0
        for d in data.workdays:
            if RANGE_START <= d <= RANGE_END:
                working[d.toordinal() - origin] = 1
        # prefix[i] = working days among days 0..i; positions[k] = index of the (k+1)-th working day
        prefix = [0] * size
        positions: list[int] = []
        running = 0
        for i in range(size):
            if working[i]:
                running += 1
                positions.append(i)
            prefix[i] = running
        self._working = bytes(working)
        self._prefix = prefix
        self._positions = positions

    @classmethod
    def default(cls, holidays_file: Path | None = None, *, strict: bool = False) -> WorkCalendar:
        """China's calendar from the holidays package, overlaid by a holidays.yaml if it exists."""
        overrides: tuple[YearOverride, ...] = ()
        if holidays_file is not None and holidays_file.exists():
            from gdcomply.workdays.holidayfile import load_holiday_overrides

            overrides = load_holiday_overrides(holidays_file)
        days_off, workdays = package_holidays()
        return cls(merge_holidays(days_off, workdays, overrides), strict=strict)

    # -- lookups -------------------------------------------------------------------------

    def _index(self, d: date) -> int:
        i = d.toordinal() - self._origin
        if i < 0 or d.toordinal() > self._last:
            raise CalendarRangeError(
                f"日期 {d.isoformat()} 超出工作日历支持的范围"
                f"（{RANGE_START.isoformat()} 至 {RANGE_END.isoformat()}）"
            )
        return i

    def is_working_day(self, d: date) -> bool:
        return bool(self._working[self._index(d)])

    def day_kind(self, d: date) -> DayKind:
        working = self.is_working_day(d)
        weekend = d.weekday() >= 5
        if working:
            return DayKind.MAKEUP_WORKDAY if weekend else DayKind.WORKDAY
        if d in self.data.days_off:
            return DayKind.HOLIDAY
        return DayKind.WEEKEND

    def holiday_name(self, d: date) -> str | None:
        return self.data.days_off.get(d)

    def count(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; negative when end < start."""
        # the hot path of every duration measured (a million calls in the benchmark): the
        # index arithmetic is inlined; a list index past the end raises IndexError, and
        # (i | j) < 0 when either is negative (which a list would silently wrap around)
        origin = self._origin
        i = start.toordinal() - origin
        j = end.toordinal() - origin
        if (i | j) >= 0:
            try:
                return self._prefix[j] - self._prefix[i]
            except IndexError:
                pass
        return self._prefix[self._index(end)] - self._prefix[self._index(start)]  # raises the range error

    def add(self, start: date, n: int) -> date:
        """The date n working days after start (before it when n < 0); add(d, 0) == d."""
        i = self._index(start)
        if n == 0:
            return start
        k = self._prefix[i] + n  # the k-th working day of the range
        if k < 1 or k > len(self._positions):
            raise CalendarRangeError(
                f"{start.isoformat()} 加 {n} 个工作日超出工作日历支持的范围"
                f"（{RANGE_START.isoformat()} 至 {RANGE_END.isoformat()}）"
            )
        return date.fromordinal(self._origin + self._positions[k - 1])

    def roll(self, d: date, policy: Roll | str) -> date:
        """Move a non-working day to the preceding or following working day (or not at all)."""
        policy = _as_roll(policy)
        i = self._index(d)
        if policy is Roll.NONE or self._working[i]:
            return d
        if policy is Roll.PRECEDING:
            k = self._prefix[i]  # working days up to d; the last of them precedes d
            if k == 0:
                raise CalendarRangeError(f"{d.isoformat()} 之前没有工作日历范围内的工作日")
            return date.fromordinal(self._origin + self._positions[k - 1])
        k = self._prefix[i]  # index into positions of the first working day after d
        if k >= len(self._positions):
            raise CalendarRangeError(f"{d.isoformat()} 之后没有工作日历范围内的工作日")
        return date.fromordinal(self._origin + self._positions[k])

    def working_days_in(self, start: date, end: date) -> list[date]:
        """The working days d with start <= d <= end, in order."""
        lo = bisect_left(self._positions, self._index(start))
        hi = bisect_left(self._positions, self._index(end) + 1)
        return [date.fromordinal(self._origin + p) for p in self._positions[lo:hi]]

    # -- provisional years ---------------------------------------------------------------

    def is_provisional(self, year: int) -> bool:
        """No official arrangement for the year: not published yet, or before the data's coverage."""
        return year in self.data.provisional_years

    def is_uncovered(self, year: int) -> bool:
        """A provisional year before the holidays package's first year: not covered, not unpublished."""
        first = self.data.covered_from
        return self.is_provisional(year) and first is not None and year < first

    def provisional_warning(self, year: int) -> CalendarWarning:
        """The caveat for a provisional year, worded for a past year not covered or a year to come."""
        if self.is_uncovered(year):
            assert self.data.covered_from is not None
            return CalendarWarning("uncovered-year", uncovered_message(year, self.data.covered_from), year)
        return CalendarWarning("provisional-year", provisional_message(year), year)

    def provisional_years(self, *days: date) -> list[int]:
        """The provisional years touched by the span from the earliest to the latest of days."""
        if not days:
            return []
        lo, hi = min(days).year, max(days).year
        return [y for y in range(lo, hi + 1) if y in self.data.provisional_years]

    def warnings_for(self, *days: date) -> list[CalendarWarning]:
        """Warnings for results that depend on these dates; an error instead when strict."""
        warnings = [self.provisional_warning(y) for y in self.provisional_years(*days)]
        if warnings and self.strict:
            what = "没有正式节假日安排" if any(w.code == "uncovered-year" for w in warnings) else "未公布节假日安排"
            raise ProvisionalYearError(
                f"严格模式（--strict）下不能使用{what}的年份：\n" + "\n".join(w.message for w in warnings)
            )
        return warnings


def _as_roll(policy: Roll | str) -> Roll:
    if isinstance(policy, Roll):
        return policy
    try:
        return Roll(policy)
    except ValueError:
        raise UsageError(
            f"顺延规则“{policy}”无效，应为 preceding（提前）、following（顺延）或 none（不调整）"
        ) from None


def month_days(year: int, month: int) -> list[date]:
    """Every date of a month, in order."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]
