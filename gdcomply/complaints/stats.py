"""``complaints stats``: a period's figures per responsible unit and category, the repeat
callers, the change from the previous period, and where supervision is most needed.

Definitions (docs/complaints.md): a complaint counts in the period in which it was received;
the substantiated share is 属实 complaints over all complaints (not yet decided counts as not
substantiated); the on-time reply rate is replies made by the due day over the complaints
whose reply was made or due by as_of (open ones not yet due are left out); the median reply
time is count(received, replied) in working days over the replied ones; a repeat complaint is
one whose phone number complained before within the repeat window (90 days by default), the
earlier complaint possibly of an earlier period. Units and categories most in need of
supervision are ranked by substantiated complaints, then by complaints.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import TYPE_CHECKING, Any, Iterable

from gdcomply.complaints.deadlines import Status, status_of
from gdcomply.complaints.model import Category, Complaint, ReportPeriod, mask_phone
from gdcomply.complaints.settings import ComplaintSettings

if TYPE_CHECKING:
    from gdcomply.applications.model import ApplicationSet
    from gdcomply.applications.targets import Targets
    from gdcomply.workdays.model import CalendarWarning
    from gdcomply.workdays.workcalendar import WorkCalendar

FOCUS_SHOWN = 3
_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class Figures:
    """The figures of a group of complaints (a unit × category cell, a unit, a category, all)."""

    count: int
    substantiated: int
    decided: int  # replies made or due by as_of
    on_time: int
    median_reply_working_days: Decimal | None
    previous_count: int
    previous_substantiated: int

    @property
    def substantiated_share(self) -> Decimal | None:
        return _share(self.substantiated, self.count)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _share(self.on_time, self.decided)

    @property
    def change(self) -> int:
        return self.count - self.previous_count


@dataclass(frozen=True)
class Repeat:
    """A phone number that complained again within the window: its complaints in the period."""

    phone: str  # masked
    ids: tuple[str, ...]  # every complaint of the number from the first within the window, in order
    repeats: int  # how many of them in the period are repeats


@dataclass(frozen=True)
class Linked:
    """A complaint about a connection application, with that application's connection time."""

    complaint_id: str
    application_id: str
    found: bool
    working_days: int | None  # connection time so far (energised or not), paused days left out
    energised: date | None
    limit: int | None
    over_limit: bool | None


@dataclass(frozen=True)
class ComplaintStats:
    period: ReportPeriod
    previous: ReportPeriod
    as_of: date
    unit: str | None
    total: Figures
    cells: tuple[tuple[str, Category, Figures], ...]  # unit × category, with complaints in either period
    units: tuple[tuple[str, Figures], ...]
    categories: tuple[tuple[Category, Figures], ...]
    repeats: tuple[Repeat, ...]
    repeat_complaints: int
    repeat_window_days: int
    focus_units: tuple[tuple[str, Figures], ...]
    focus_categories: tuple[tuple[Category, Figures], ...]
    linked: tuple[Linked, ...] | None  # None: no applications export given
    warnings: tuple[CalendarWarning, ...]


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


class _Tally:
    __slots__ = ("count", "substantiated", "decided", "on_time", "reply_days", "previous", "previous_substantiated")

    def __init__(self) -> None:
        self.count = self.substantiated = self.decided = self.on_time = 0
        self.previous = self.previous_substantiated = 0
        self.reply_days: list[int] = []

    def figures(self) -> Figures:
        middle = Decimal(median(self.reply_days)).quantize(Decimal("0.1")) if self.reply_days else None
        return Figures(self.count, self.substantiated, self.decided, self.on_time, middle,
                       self.previous, self.previous_substantiated)  # fmt: skip


def complaint_stats(
    complaints: Iterable[Complaint], calendar: WorkCalendar, settings: ComplaintSettings, period: ReportPeriod, *,
    as_of: date, unit: str | None = None, applications: ApplicationSet | None = None, targets: Targets | None = None,
) -> ComplaintStats:  # fmt: skip
    """The period's figures as of as_of (later replies and complaints ignored)."""
    previous = period.previous()
    end = min(period.end, as_of)
    window = timedelta(days=settings.repeat_window_days)
    tallies: dict[tuple[str | None, Category | None], _Tally] = defaultdict(_Tally)
    by_phone: dict[str, list[Complaint]] = defaultdict(list)
    current: list[Complaint] = []
    for complaint in complaints:
        received = complaint.received
        if received > end or (unit is not None and complaint.unit != unit):
            continue
        if complaint.phone and received >= previous.start - window:
            by_phone[_DIGITS.sub("", complaint.phone)].append(complaint)
        keys = ((complaint.unit, complaint.category), (complaint.unit, None), (None, complaint.category), (None, None))
        if received in previous:
            for key in keys:
                tally = tallies[key]
                tally.previous += 1
                tally.previous_substantiated += complaint.substantiated is True
            continue
        if received not in period:
            continue
        current.append(complaint)
        reply = status_of(complaint, calendar, settings, as_of).reply
        decided = reply.status is not Status.OPEN
        on_time = reply.status is Status.ON_TIME
        days = calendar.count(received, reply.done) if reply.done is not None else None
        for key in keys:
            tally = tallies[key]
            tally.count += 1
            tally.substantiated += complaint.substantiated is True
            tally.decided += decided
            tally.on_time += on_time
            if days is not None:
                tally.reply_days.append(days)
    figures = {key: tally.figures() for key, tally in tallies.items()}
    empty = _Tally().figures()
    cells = tuple(
        sorted(((u, c, f) for (u, c), f in figures.items() if u is not None and c is not None),
               key=lambda x: (x[0], list(Category).index(x[1])))
    )  # fmt: skip
    units = tuple(sorted(((u, f) for (u, c), f in figures.items() if u is not None and c is None), key=lambda x: x[0]))
    categories = tuple((c, figures[(None, c)]) for c in Category if (None, c) in figures)
    repeats, repeat_count = _repeats(by_phone, period, window)
    rank = lambda item: (-item[1].substantiated, -item[1].count)  # noqa: E731
    focus_units = tuple(u for u in sorted(units, key=rank) if u[1].substantiated)[:FOCUS_SHOWN]
    focus_categories = tuple(c for c in sorted(categories, key=rank) if c[1].substantiated)[:FOCUS_SHOWN]
    linked = None
    if applications is not None and targets is not None:
        linked = _linked(current, applications, targets, calendar, as_of)
    warnings = tuple(calendar.warnings_for(previous.start, end)) if current else ()
    return ComplaintStats(
        period, previous, as_of, unit, figures.get((None, None), empty), cells, units, categories, repeats,
        repeat_count, settings.repeat_window_days, focus_units, focus_categories, linked, warnings,
    )  # fmt: skip


def _repeats(by_phone: dict[str, list[Complaint]], period: ReportPeriod, window: timedelta) -> tuple[tuple[Repeat, ...], int]:
    found = []
    total = 0
    for number, calls in by_phone.items():
        if len(calls) < 2 or not number:
            continue
        calls.sort(key=lambda c: (c.received, c.id))
        chain: list[Complaint] = []
        repeats = 0
        for before, after in zip(calls, calls[1:]):
            if after.received in period and after.received - before.received <= window:
                if not chain or chain[-1] is not before:
                    chain.append(before)
                chain.append(after)
                repeats += 1
        if repeats:
            total += repeats
            found.append(Repeat(mask_phone(calls[0].phone), tuple(c.id for c in chain), repeats))
    found.sort(key=lambda r: (-r.repeats, r.ids[0]))
    return tuple(found), total


def _linked(
    complaints: list[Complaint], applications: ApplicationSet, targets: Targets, calendar: WorkCalendar, as_of: date
) -> tuple[Linked, ...]:
    from gdcomply.applications.model import connection_time, limit_for

    by_id = {a.application_id: a for a in applications.applications}
    result = []
    for complaint in complaints:
        if not complaint.application_id:
            continue
        application = by_id.get(complaint.application_id)
        if application is None:
            result.append(Linked(complaint.id, complaint.application_id, False, None, None, None, None))
            continue
        energised = application.energised if application.energised and application.energised <= as_of else None
        working_days, _ = connection_time(calendar, application, energised or as_of)
        limit = limit_for(targets, application.customer_class)
        over = None if limit is None else working_days > limit
        result.append(Linked(complaint.id, complaint.application_id, True, working_days, energised, limit, over))
    return tuple(result)


def percent(share: Decimal | None) -> str | None:
    """A share in percent with one decimal, rounded half up once (5/11 is 45.5)."""
    return None if share is None else str((share * 100).quantize(Decimal("0.1"), ROUND_HALF_UP))


def figures_to_json(figures: Figures) -> dict[str, Any]:
    return {
        "count": figures.count,
        "substantiated": figures.substantiated,
        "substantiated_share": percent(figures.substantiated_share),
        "replies_due": figures.decided,
        "on_time": figures.on_time,
        "on_time_rate": percent(figures.on_time_rate),
        "median_reply_working_days": str(figures.median_reply_working_days)
        if figures.median_reply_working_days is not None else None,
        "previous_count": figures.previous_count,
        "change": figures.change,
    }  # fmt: skip


def stats_to_json(stats: ComplaintStats) -> dict[str, Any]:
    """The figures as JSON: shares and rates in percent (text, one decimal), phones masked, no names."""
    return {
        "period": str(stats.period),
        "previous_period": str(stats.previous),
        "as_of": stats.as_of.isoformat(),
        "unit": stats.unit,
        "focus": {
            "units": [{"unit": u, **figures_to_json(f)} for u, f in stats.focus_units],
            "categories": [{"category": c.value, **figures_to_json(f)} for c, f in stats.focus_categories],
        },
        "total": figures_to_json(stats.total),
        "by_unit": [{"unit": u, **figures_to_json(f)} for u, f in stats.units],
        "by_category": [{"category": c.value, **figures_to_json(f)} for c, f in stats.categories],
        "by_unit_and_category": [
            {"unit": u, "category": c.value, **figures_to_json(f)} for u, c, f in stats.cells
        ],
        "repeat_complaints": stats.repeat_complaints,
        "repeat_window_days": stats.repeat_window_days,
        "repeats": [{"phone": r.phone, "complaints": list(r.ids), "repeats": r.repeats} for r in stats.repeats],
        "applications": None if stats.linked is None else [
            {
                "complaint": item.complaint_id, "application_id": item.application_id, "found": item.found,
                "working_days": item.working_days, "energised": item.energised.isoformat() if item.energised else None,
                "limit": item.limit, "over_limit": item.over_limit,
            }
            for item in stats.linked
        ],
        "warnings": [w.message for w in stats.warnings],
    }  # fmt: skip
