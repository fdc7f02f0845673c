"""Connection applications (业扩报装): the model, half-year periods and connection time.

Pure: validated applications and a WorkCalendar in, numbers out; nothing here reads files or
the clock.

Connection time is ``calendar.count(受理日期, 送电日期)`` (working days d with
accepted < d <= energised, the one convention of gdcomply) minus the paused working days:
customer-caused pauses are merged so that overlaps count once, and a pause [start, end]
includes both its days: it removes the working days d with start <= d <= end that lie in the
counted interval (accepted, energised] (or (accepted, as_of] while open).

Classes: 低压居民* is residential; 低压非居民* is small/micro when 小微企业 = 是, otherwise
other low-voltage; 高压* is high-voltage. The business type decides: 小微企业 = 是 on a
residential or high-voltage row changes nothing (the plan's small/micro class is low-voltage
non-residential) and is not a problem of the row. An application belongs to the half-year in which
it was energised.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple

from gdcomply.errors import Problem, UsageError

if TYPE_CHECKING:
    from gdcomply.workdays.workcalendar import WorkCalendar


# -- the model -----------------------------------------------------------------------------


class BusinessType(str, Enum):
    """业务类型 as the marketing system names it."""

    LV_RESIDENTIAL_NEW = "低压居民新装"
    LV_RESIDENTIAL_INCREASE = "低压居民增容"
    LV_NON_RESIDENTIAL_NEW = "低压非居民新装"
    LV_NON_RESIDENTIAL_INCREASE = "低压非居民增容"
    HV_NEW = "高压新装"
    HV_INCREASE = "高压增容"


class CustomerClass(str, Enum):
    """The classes the plan sets targets for."""

    RESIDENTIAL = "residential"
    SMALL_MICRO = "small-micro"
    OTHER_LOW_VOLTAGE = "other-low-voltage"
    HIGH_VOLTAGE = "high-voltage"

    @property
    def label(self) -> str:
        return _CLASS_LABELS[self]


_CLASS_LABELS = {
    CustomerClass.RESIDENTIAL: "低压居民",
    CustomerClass.SMALL_MICRO: "小微企业",
    CustomerClass.OTHER_LOW_VOLTAGE: "其他低压非居民",
    CustomerClass.HIGH_VOLTAGE: "高压",
}


def classify(business_type: BusinessType, small_micro: bool) -> CustomerClass:
    if business_type in (BusinessType.HV_NEW, BusinessType.HV_INCREASE):
        return CustomerClass.HIGH_VOLTAGE
    if business_type in (BusinessType.LV_RESIDENTIAL_NEW, BusinessType.LV_RESIDENTIAL_INCREASE):
        return CustomerClass.RESIDENTIAL
    return CustomerClass.SMALL_MICRO if small_micro else CustomerClass.OTHER_LOW_VOLTAGE


class PauseKind(str, Enum):
    """Why an application was paused (暂停类型); each target profile says which kinds it leaves out."""

    CUSTOMER = "customer"
    APPROVAL = "approval"
    EXTERNAL_WORKS = "external-works"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _PAUSE_LABELS[self]


_PAUSE_LABELS = {
    PauseKind.CUSTOMER: "客户原因",
    PauseKind.APPROVAL: "行政审批",
    PauseKind.EXTERNAL_WORKS: "外线工程",
    PauseKind.OTHER: "其他",
}


@dataclass(frozen=True)
class Pause:
    """A pause of an application; end None means the application is still paused.

    kind is customer-caused unless the export's 暂停类型 column (or the settings' default
    for exports without it) says otherwise.
    """

    start: date
    end: date | None
    reason: str = ""
    kind: PauseKind = PauseKind.CUSTOMER


class Application(NamedTuple):
    """One validated application row.

    A NamedTuple rather than a frozen dataclass: it is as immutable, and a 300k-row file
    builds it 300k times, where a frozen dataclass's __init__ costs five times as much.
    """

    application_id: str
    unit: str  # party id
    customer: str
    business_type: BusinessType
    customer_class: CustomerClass
    capacity_kva: Decimal
    accepted: date
    energised: date | None
    steps: int | None
    materials: int | None
    cost: Decimal | None
    visits: int | None
    pauses: tuple[Pause, ...]
    row: int  # the sheet row or CSV line, for ApplicationSet.where
    # Descriptive columns the reports list (not measured); empty when the export lacks them.
    address: str = ""
    voltage: str = ""
    channel: str = ""
    # Facts the later target profiles need (None: the export does not say). See profiles.py.
    three_zero: bool | None = None  # 三零服务 (零上门、零审批、零投资)
    external_works: bool | None = None  # 外线工程: the connection needed external line works
    dual_source: bool | None = None  # 电源: True for dual power source (high voltage)
    rural: bool | None = None  # 城乡: True for countryside, False for town
    capacity_kw: Decimal | None = None  # 容量(kW)


@dataclass(frozen=True)
class RowCounts:
    """Application rows read (blank rows not counted), valid, and rejected for problems."""

    read: int
    valid: int
    rejected: int


@dataclass(frozen=True)
class ApplicationSet:
    """What was read from an export: the valid applications and every problem found."""

    source: str  # the applications file as shown to the user
    location: str  # "FILE:SHEET!" for a workbook, "FILE:" for a CSV: where(app) appends the row
    applications: tuple[Application, ...]
    problems: tuple[Problem, ...]
    rows: RowCounts

    def where(self, application: Application) -> str:
        """The position of the application's row (its 申请编号 cell in a workbook)."""
        return f"{self.location}{application.row}"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that live on.

    Reading 300k rows keeps ~600k tuples and lists alive; the collector would traverse
    them again and again as they accumulate (measured: the row loop takes 1.5-2.0 s with
    it, 1.0 s without). On the way out they are moved to the collector's permanent
    generation (gc.freeze) before it resumes: otherwise its next run, right after, would
    traverse all of them once more (~0.4 s after reading 300k rows), and again as they
    age. The price: a reference cycle made before that point is never collected (reference
    counting still frees every other object); these objects hold none, and a command is a
    short process. The previous state is restored on the way out.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


# -- periods -------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    """A half-year, YYYY-H1 (January to June) or YYYY-H2 (July to December)."""

    year: int
    half: int

    @classmethod
    def parse(cls, text: str) -> Period:
        value = text.strip().upper()
        if len(value) == 7 and value[:4].isdigit() and value[4:6] == "-H" and value[6] in "12":
            return cls(int(value[:4]), int(value[6]))
        raise UsageError(f"半年度“{text}”无效，格式应为 YYYY-H1（上半年）或 YYYY-H2（下半年），如 2026-H1")

    @classmethod
    def containing(cls, day: date) -> Period:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return f"{self.year}年{'上' if self.half == 1 else '下'}半年"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"


def periods_of(app_set: ApplicationSet) -> list[Period]:
    """The half-years in which applications of the set were energised, in order."""
    return sorted({Period.containing(a.energised) for a in app_set.applications if a.energised})


# -- connection time -----------------------------------------------------------------------

_ONE_DAY = timedelta(days=1)


def merge_pauses(pauses: Iterable[Pause], until: date) -> list[tuple[date, date]]:
    """Pauses as inclusive [start, end] spans, open ones ending at until, overlapping or
    adjacent ones merged; a span that ends before it starts (an open pause begun after
    until) is dropped."""
    spans = sorted((p.start, p.end if p.end is not None else until) for p in pauses)
    merged: list[tuple[date, date]] = []
    for start, end in spans:
        if end < start:
            continue
        # [a, b] and [c, d] with a <= c share days iff c <= b; merging when c == b + 1
        # (adjacent) changes no count, so that merges too.
        if merged and start <= merged[-1][1] + _ONE_DAY:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _paused_in(calendar: WorkCalendar, start: date, stop: date, accepted: date, end: date) -> int:
    """Working days d with start <= d <= stop (a pause, both days included) and
    accepted < d <= end (the counted interval).

    count(lo, hi) counts lo < d <= hi, so the pause becomes (start - 1 day, stop] before
    clipping: a pause starting on the accepted day then clips to (accepted, ...], which
    rightly leaves the accepted day (never counted) out.
    """
    lo = max(start - _ONE_DAY, accepted)
    hi = min(stop, end)
    return calendar.count(lo, hi) if hi > lo else 0


def paused_working_days(
    calendar: WorkCalendar, pauses: tuple[Pause, ...], accepted: date, end: date
) -> int:
    """Working days of the merged pauses, both ends included, that fall inside (accepted, end]."""
    if len(pauses) == 1:  # the usual case, without the merging
        pause = pauses[0]
        return _paused_in(calendar, pause.start, pause.end or end, accepted, end)
    return sum(_paused_in(calendar, start, stop, accepted, end) for start, stop in merge_pauses(pauses, end))


def connection_time(
    calendar: WorkCalendar, application: Application, end: date, left_out: frozenset[PauseKind] | None = None
) -> tuple[int, int]:
    """(working days counted against the utility, paused working days) up to end.

    left_out: the pause kinds the time leaves out (None: every pause, as the 2018 plan
    counts an export that gives no kinds, whose pauses are all customer-caused).
    """
    gross = calendar.count(application.accepted, end)
    pauses = application.pauses if left_out is None else pauses_left_out(application.pauses, left_out)
    if not pauses:
        return gross, 0
    paused = paused_working_days(calendar, pauses, application.accepted, end)
    return gross - paused, paused


def pauses_left_out(pauses: tuple[Pause, ...], left_out: frozenset[PauseKind]) -> tuple[Pause, ...]:
    """The pauses of the kinds left out of the time (the same tuple when that is all of them)."""
    if all(p.kind in left_out for p in pauses):
        return pauses
    return tuple(p for p in pauses if p.kind in left_out)


def paused_calendar_days(pauses: tuple[Pause, ...], accepted: date, end: date) -> int:
    """Calendar days of the merged pauses, both ends included, inside (accepted, end]."""
    total = 0
    for start, stop in merge_pauses(pauses, end):
        lo, hi = max(start, accepted + _ONE_DAY), min(stop, end)
        if hi >= lo:
            total += (hi - lo).days + 1
    return total


def working_day_positions(calendar: WorkCalendar, days: Iterable[date]) -> dict[date, int]:
    """date -> calendar.count(first day of the calendar, date) for each of days.

    count(a, b) == positions[b] - positions[a]: measuring 300k applications then costs two
    dict lookups each, with exactly the calendar's convention.
    """
    from gdcomply.workdays.model import RANGE_START

    return {day: calendar.count(RANGE_START, day) for day in set(days)}


def limit_for(targets: Any, customer_class: CustomerClass) -> int | None:
    """The 2018 plan's per-application limit in working days of targets (a Targets; None: the
    plan sets none). Typed Any: targets.py imports this module, and no import circle is allowed."""
    if customer_class is CustomerClass.RESIDENTIAL:
        return targets.residential_limit
    if customer_class is CustomerClass.SMALL_MICRO:
        return targets.small_micro_limit
    if customer_class is CustomerClass.OTHER_LOW_VOLTAGE:
        return targets.other_low_voltage_limit
    return targets.high_voltage_limit
