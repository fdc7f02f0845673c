"""China's working-day calendar: public holidays, weekends and make-up workdays (调休).

The one convention used everywhere in gdcomply: ``count(start, end)`` is the number of
working days d with start < d <= end (negative when end < start, 0 when equal). So an
application accepted on a Friday and energised the next Monday took 1 working day, and
``add(start, n)`` is the date n working days after start, with ``count(start, add(start, n)) == n``.

All queries are O(1) lookups in flat tables built once per calendar (a prefix sum of
working days over the whole supported range and the positions of the working days).
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date
from pathlib import Path

from gdcomply.errors import CalendarRangeError, ProvisionalYearError, UsageError
from gdcomply.workdays.model import (
    RANGE_END,
    RANGE_START,
    CalendarWarning,
    DayKind,
    HolidayData,
    Roll,
    YearOverride,
    merge_holidays,
    provisional_message,
    uncovered_message,
)
from gdcomply.workdays.package import package_holidays


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
