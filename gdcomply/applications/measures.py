"""Connection applications (业扩报装): the model, and the measures of the plan's targets.

Pure functions over validated applications and a WorkCalendar; nothing here reads files or
the clock. Public API (the CLI and the report packs use exactly this)::

    from gdcomply.applications.read import read_applications           # files -> ApplicationSet
    from gdcomply.applications.targets import load_targets, Targets       # config/targets.yaml
    from gdcomply.applications.measures import (
        Period, measure, measures_to_json, check_open, check_to_json, periods_of,
    )

    targets = load_targets(config_dir / "targets.yaml")
    app_set = read_applications(path, pauses_path, targets, progress=None)
    figures = measure(app_set, calendar, targets, period=Period.parse("2026-H1"), unit="guiyuan")
    payload = measures_to_json(figures)                       # the `applications stats` JSON
    alerts = check_open(app_set, calendar, targets, as_of=date(2026, 7, 1))
    payload = check_to_json(alerts)                           # the `applications check` JSON

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
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, localcontext
from enum import Enum
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple

from gdcomply.errors import Problem, UsageError

if TYPE_CHECKING:
    from gdcomply.applications.targets import Targets
    from gdcomply.workdays import CalendarWarning, WorkCalendar


# -- columns of the input files ------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of an applications or pauses table: its config key, Chinese header and aliases."""

    key: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()


APPLICATION_COLUMNS: tuple[Column, ...] = (
    Column("application-id", "申请编号", True, ("申请号", "业务编号", "application id")),
    Column("unit", "供电单位", True, ("单位", "supply unit", "unit")),
    Column("customer", "户名", True, ("用户名称", "客户名称", "customer", "customer name")),
    Column("address", "用电地址", False, ("address",)),
    Column("business-type", "业务类型", True, ("business type", "type")),
    Column("small-micro", "小微企业", False, ("是否小微企业", "small micro", "small-micro enterprise")),
    Column("voltage", "电压等级", False, ("voltage", "voltage level")),
    Column("capacity-kva", "容量(kVA)", True, ("容量", "申请容量", "容量(千伏安)", "capacity", "capacity (kVA)")),
    Column("accepted", "受理日期", True, ("受理时间", "accepted", "accepted date")),
    Column("energised", "送电日期", False, ("送电时间", "接电日期", "energised", "energized", "energised date")),
    Column("steps", "环节数", False, ("环节", "steps")),
    Column("materials", "申请材料", False, ("materials",)),
    Column("cost", "接电费用(元)", False, ("接电费用", "connection cost", "cost")),
    Column("visits", "跑动次数", False, ("visits",)),
    Column("channel", "受理渠道", False, ("channel",)),
)

PAUSE_COLUMNS: tuple[Column, ...] = (
    Column("application-id", "申请编号", True, ("申请号", "业务编号", "application id")),
    Column("pause-start", "暂停开始", True, ("暂停开始日期", "pause start")),
    Column("pause-end", "暂停结束", False, ("暂停结束日期", "pause end")),
    Column("reason", "原因", False, ("暂停原因", "reason")),
)


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


@dataclass(frozen=True)
class Pause:
    """A customer-caused pause; end None means the application is still paused."""

    start: date
    end: date | None
    reason: str = ""


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
    it, 1.0 s without). They hold no reference cycles, so nothing is left uncollected;
    the previous state is restored on the way out.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
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


def connection_time(calendar: WorkCalendar, application: Application, end: date) -> tuple[int, int]:
    """(working days counted against the utility, paused working days) up to end."""
    gross = calendar.count(application.accepted, end)
    if not application.pauses:
        return gross, 0
    paused = paused_working_days(calendar, application.pauses, application.accepted, end)
    return gross - paused, paused


def working_day_positions(calendar: WorkCalendar, days: Iterable[date]) -> dict[date, int]:
    """date -> calendar.count(first day of the calendar, date) for each of days.

    count(a, b) == positions[b] - positions[a]: measuring 300k applications then costs two
    dict lookups each, with exactly the calendar's convention.
    """
    from gdcomply.workdays import RANGE_START

    return {day: calendar.count(RANGE_START, day) for day in set(days)}


def limit_for(targets: Targets, customer_class: CustomerClass) -> int | None:
    """The per-application limit in working days (None: the plan sets none)."""
    if customer_class is CustomerClass.RESIDENTIAL:
        return targets.residential_limit
    if customer_class is CustomerClass.SMALL_MICRO:
        return targets.small_micro_limit
    if customer_class is CustomerClass.OTHER_LOW_VOLTAGE:
        return targets.other_low_voltage_limit
    return targets.high_voltage_limit


# -- measures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnergisedConnection:
    """A high-voltage new connection or capacity increase energised in the period."""

    application_id: str
    unit: str
    customer: str
    business_type: BusinessType
    capacity_kva: Decimal
    accepted: date
    energised: date
    working_days: int


@dataclass(frozen=True)
class ClassMeasures:
    """The figures of one customer class; class-specific ones are None where they don't apply.

    Means of optional columns are over the applications that give the value; ``known``
    says how many did, so a mean of 3 applications out of 300 is not mistaken for all.
    Breaches name the targets missed: limit, mean_working_days, steps, cost, visits.
    """

    customer_class: CustomerClass
    count: int
    mean_working_days: Decimal | None
    median_working_days: Decimal | None
    max_working_days: int | None
    limit: int | None
    over_limit: int | None
    breaches: tuple[str, ...]
    known: tuple[tuple[str, int], ...] = ()
    # small/micro enterprises
    mean_working_days_target: int | None = None
    mean_steps: Decimal | None = None
    steps_target: int | None = None
    mean_materials: Decimal | None = None
    mean_cost: Decimal | None = None
    total_cost: Decimal | None = None
    cost_target: Decimal | None = None
    zero_cost_share: Decimal | None = None
    mean_visits: Decimal | None = None
    within_capacity_share: Decimal | None = None
    capacity_kva_target: Decimal | None = None
    # residential: zero visits; small/micro and high-voltage: at most one
    zero_visit_share: Decimal | None = None
    over_visits: int | None = None
    visits_target: int | None = None
    # high-voltage
    energised: tuple[EnergisedConnection, ...] | None = None
    total_kva: Decimal | None = None


@dataclass(frozen=True)
class PeriodMeasures:
    """The measures of one period (None: every energised application) and unit (None: all)."""

    period: Period | None
    unit: str | None
    rows: RowCounts
    classes: tuple[ClassMeasures, ...]  # in CustomerClass order
    problems: tuple[Problem, ...]
    warnings: tuple[CalendarWarning, ...]

    def of(self, customer_class: CustomerClass) -> ClassMeasures:
        return next(c for c in self.classes if c.customer_class is customer_class)


_CENT = Decimal("0.01")
_SHARE = Decimal("0.0001")


_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _rounded(value: Decimal, exponent: Decimal) -> Decimal:
    """value rounded half-up to exponent's places, never raising for a finite value.

    quantize raises InvalidOperation when the result needs more digits than the context's
    precision (28 by default: a 27-digit amount in cents); the context here is as wide as
    the value needs. The reader rejects implausibly large amounts, so this is a safety net.
    """
    digits = max(value.adjusted(), 0) - exponent.as_tuple().exponent + 2  # type: ignore[operator]
    context = Context(prec=max(digits, 28), rounding=ROUND_HALF_UP, Emax=MAX_EMAX, Emin=MIN_EMIN)
    return value.quantize(exponent, context=context)


def _divided(total: int | Decimal, count: int) -> Decimal:
    """total / count with every integral digit kept, whatever its size."""
    dividend = Decimal(total)
    context = Context(prec=max(dividend.adjusted(), 0) + 30, Emax=MAX_EMAX, Emin=MIN_EMIN)
    return context.divide(dividend, Decimal(count))


def _mean(total: int | Decimal, count: int) -> Decimal | None:
    if not count:
        return None
    return _rounded(_divided(total, count), _CENT)


def _share(part: int, count: int) -> Decimal | None:
    if not count:
        return None
    return _rounded(_divided(part, count), _SHARE)


def _median(sorted_values: list[int]) -> Decimal | None:
    n = len(sorted_values)
    if not n:
        return None
    middle = n // 2
    if n % 2:
        return Decimal(sorted_values[middle])
    return Decimal(sorted_values[middle - 1] + sorted_values[middle]) / 2


def measure(
    app_set: ApplicationSet,
    calendar: WorkCalendar,
    targets: Targets,
    period: Period | None = None,
    unit: str | None = None,
) -> PeriodMeasures:
    """The plan's figures for the applications energised in period (all if None) of unit."""
    with gc_paused():
        return _measure(app_set, calendar, targets, period, unit)


def _measure(
    app_set: ApplicationSet, calendar: WorkCalendar, targets: Targets, period: Period | None, unit: str | None
) -> PeriodMeasures:
    low, high = (period.start, period.end) if period is not None else (date.min, date.max)
    chosen = [
        a
        for a in app_set.applications
        if a.energised is not None and low <= a.energised <= high and (unit is None or a.unit == unit)
    ]
    position = working_day_positions(calendar, {a.accepted for a in chosen} | {a.energised for a in chosen})
    apps: dict[CustomerClass, list[Application]] = {c: [] for c in CustomerClass}
    add = {c: members.append for c, members in apps.items()}
    for a in chosen:
        add[a.customer_class](a)
    times = {
        customer_class: [
            position[a.energised] - position[a.accepted]
            - (paused_working_days(calendar, a.pauses, a.accepted, a.energised) if a.pauses else 0)
            for a in members
        ]
        for customer_class, members in apps.items()
    }
    # the earliest date of the intervals is an accepted date, the latest an energised one
    warnings = tuple(calendar.warnings_for(min(position), max(position))) if position else ()
    classes = tuple(_class_measures(c, apps[c], times[c], targets) for c in CustomerClass)
    return PeriodMeasures(period, unit, app_set.rows, classes, app_set.problems, warnings)


def _class_measures(
    customer_class: CustomerClass, apps: list[Application], unsorted_times: list[int], targets: Targets
) -> ClassMeasures:
    times = sorted(unsorted_times)
    count = len(times)
    total = sum(times)
    limit = limit_for(targets, customer_class)
    over_limit = sum(1 for t in times if t > limit) if limit is not None else None
    breaches: list[str] = []
    if over_limit:
        breaches.append("limit")
    common: dict[str, Any] = dict(
        customer_class=customer_class,
        count=count,
        mean_working_days=_mean(total, count),
        median_working_days=_median(times),
        max_working_days=times[-1] if times else None,
        limit=limit,
        over_limit=over_limit,
    )
    if customer_class is CustomerClass.RESIDENTIAL:
        visits = [a.visits for a in apps if a.visits is not None]
        over_visits = sum(1 for v in visits if v > targets.residential_visits)
        if over_visits:
            breaches.append("visits")
        return ClassMeasures(
            **common,
            breaches=tuple(breaches),
            known=(("visits", len(visits)),),
            zero_visit_share=_share(sum(1 for v in visits if v == 0), len(visits)),
            over_visits=over_visits,
            visits_target=targets.residential_visits,
        )
    if customer_class is CustomerClass.SMALL_MICRO:
        return _small_micro(common, breaches, apps, total, count, targets)
    if customer_class is CustomerClass.HIGH_VOLTAGE:
        visits = [a.visits for a in apps if a.visits is not None]
        over_visits = sum(1 for v in visits if v > targets.high_voltage_visits)
        if over_visits:
            breaches.append("visits")
        energised = tuple(
            EnergisedConnection(
                a.application_id, a.unit, a.customer, a.business_type, a.capacity_kva,
                a.accepted, a.energised, t,  # type: ignore[arg-type]  # measured ones are energised
            )
            for a, t in sorted(zip(apps, unsorted_times), key=lambda r: (r[0].energised, r[0].application_id))
        )
        return ClassMeasures(
            **common,
            breaches=tuple(breaches),
            known=(("visits", len(visits)),),
            mean_visits=_mean(sum(visits), len(visits)),
            over_visits=over_visits,
            visits_target=targets.high_voltage_visits,
            energised=energised,
            total_kva=sum((e.capacity_kva for e in energised), Decimal(0)),
        )
    return ClassMeasures(**common, breaches=tuple(breaches))


def _small_micro(
    common: dict[str, Any],
    breaches: list[str],
    apps: list[Application],
    total: int,
    count: int,
    targets: Targets,
) -> ClassMeasures:
    steps = [a.steps for a in apps if a.steps is not None]
    materials = [a.materials for a in apps if a.materials is not None]
    costs = [a.cost for a in apps if a.cost is not None]
    visits = [a.visits for a in apps if a.visits is not None]
    # The plan's 25 working days is an average: compare the exact mean, not the rounded one.
    if count and total > targets.small_micro_mean_working_days * count:
        breaches.append("mean_working_days")
    if steps and sum(steps) > targets.small_micro_steps * len(steps):
        breaches.append("steps")
    with localcontext(_EXACT):  # a sum of money is exact, never rounded to 28 digits
        total_cost = sum(costs, Decimal(0))
    if any(c > targets.small_micro_cost for c in costs):
        breaches.append("cost")
    over_visits = sum(1 for v in visits if v > targets.small_micro_visits)
    if over_visits:
        breaches.append("visits")
    return ClassMeasures(
        **common,
        breaches=tuple(breaches),
        known=(
            ("steps", len(steps)),
            ("materials", len(materials)),
            ("cost", len(costs)),
            ("visits", len(visits)),
        ),
        mean_working_days_target=targets.small_micro_mean_working_days,
        mean_steps=_mean(sum(steps), len(steps)),
        steps_target=targets.small_micro_steps,
        mean_materials=_mean(sum(materials), len(materials)),
        mean_cost=_mean(total_cost, len(costs)),
        total_cost=_rounded(total_cost, _CENT),
        cost_target=targets.small_micro_cost,
        zero_cost_share=_share(sum(1 for c in costs if c == 0), len(costs)),
        mean_visits=_mean(sum(visits), len(visits)),
        over_visits=over_visits,
        visits_target=targets.small_micro_visits,
        within_capacity_share=_share(
            sum(1 for a in apps if a.capacity_kva <= targets.small_micro_capacity_kva), count
        ),
        capacity_kva_target=targets.small_micro_capacity_kva,
    )


# -- open applications ---------------------------------------------------------------------


class AlertStatus(str, Enum):
    """Where an open application stands against its limit."""

    OVERDUE = "overdue"
    DUE_SOON = "due-soon"
    ON_TRACK = "on-track"
    NO_LIMIT = "no-limit"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    AlertStatus.OVERDUE: "已超期",
    AlertStatus.DUE_SOON: "即将超期",
    AlertStatus.ON_TRACK: "正常",
    AlertStatus.NO_LIMIT: "无时限",
}
_STATUS_ORDER = {s: i for i, s in enumerate(AlertStatus)}


@dataclass(frozen=True)
class OpenApplication:
    """An application not yet energised on the as-of date, measured against its limit.

    due is the date the limit is reached if no further pause begins (a pause under way on
    as_of with a recorded end holds the clock to that end); None when the class has no
    limit or the limit is already passed.
    """

    application: Application
    working_days: int
    paused_working_days: int
    limit: int | None
    working_days_left: int | None
    due: date | None
    status: AlertStatus


@dataclass(frozen=True)
class ClosedOverLimit:
    """An application energised in the current period whose connection time broke its limit."""

    application: Application
    working_days: int
    paused_working_days: int
    limit: int


@dataclass(frozen=True)
class CheckResult:
    """The open applications on as_of and the current period's closed breaches."""

    as_of: date
    period: Period
    unit: str | None
    horizon: int
    rows: RowCounts
    open: tuple[OpenApplication, ...]
    closed_over_limit: tuple[ClosedOverLimit, ...]
    problems: tuple[Problem, ...]
    warnings: tuple[CalendarWarning, ...]

    def count(self, status: AlertStatus) -> int:
        return sum(1 for o in self.open if o.status is status)


def _resumes(pauses: tuple[Pause, ...], as_of: date) -> date:
    """The day after which the clock runs again: as_of, or the last day of a pause begun
    by as_of whose recorded end is later (its days after as_of are paused too, both ends
    included). Pauses begun after as_of are not known on as_of and are left out."""
    if not pauses:
        return as_of
    known = [p for p in pauses if p.start <= as_of]
    for start, stop in merge_pauses(known, as_of):
        if start <= as_of <= stop:
            return stop
    return as_of


def check_open(
    app_set: ApplicationSet,
    calendar: WorkCalendar,
    targets: Targets,
    as_of: date,
    horizon: int | None = None,
    unit: str | None = None,
) -> CheckResult:
    """Open applications on as_of with their status; closed breaches of as_of's half-year.

    An application is open on as_of when it was accepted on or before as_of and not
    energised by then, so a past as_of replays that day's view of the same file.
    """
    horizon = targets.alert_horizon if horizon is None else horizon
    period = Period.containing(as_of)
    open_rows: list[OpenApplication] = []
    closed: list[ClosedOverLimit] = []
    earliest = as_of
    for application in app_set.applications:
        if (unit is not None and application.unit != unit) or application.accepted > as_of:
            continue
        limit = limit_for(targets, application.customer_class)
        energised = application.energised
        if energised is not None and energised <= as_of:
            if limit is not None and energised in period:
                working_days, paused = connection_time(calendar, application, energised)
                if working_days > limit:
                    closed.append(ClosedOverLimit(application, working_days, paused, limit))
                    earliest = min(earliest, application.accepted)
            continue
        earliest = min(earliest, application.accepted)
        working_days, paused = connection_time(calendar, application, as_of)
        if limit is None:
            open_rows.append(
                OpenApplication(application, working_days, paused, None, None, None, AlertStatus.NO_LIMIT)
            )
            continue
        left = limit - working_days
        if left < 0:
            status, due = AlertStatus.OVERDUE, None
        else:
            status = AlertStatus.DUE_SOON if left <= horizon else AlertStatus.ON_TRACK
            due = calendar.add(_resumes(application.pauses, as_of), left)
        open_rows.append(OpenApplication(application, working_days, paused, limit, left, due, status))
    open_rows.sort(
        key=lambda o: (
            _STATUS_ORDER[o.status],
            o.working_days_left if o.working_days_left is not None else 0,
            -o.working_days,
            o.application.application_id,
        )
    )
    closed.sort(key=lambda c: (c.application.energised, c.application.application_id))
    warnings = tuple(calendar.warnings_for(earliest, as_of))
    return CheckResult(
        as_of, period, unit, horizon, app_set.rows, tuple(open_rows), tuple(closed),
        app_set.problems, warnings,
    )


# -- JSON ----------------------------------------------------------------------------------


def money(amount: Decimal | None) -> str | None:
    """Money as a string with two decimals, as every JSON output gives it."""
    if amount is None:
        return None
    return str(_rounded(amount, _CENT))


def kva(amount: Decimal | None) -> str | None:
    """A capacity as an exact decimal string without trailing zeros ("630", "12.5")."""
    if amount is None:
        return None
    text = format(amount.normalize(), "f")
    return text


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _problems_json(problems: Iterable[Problem]) -> list[dict[str, str]]:
    return [{"where": p.where, "message": p.message} for p in problems]


def class_to_json(figures: ClassMeasures) -> dict[str, Any]:
    result: dict[str, Any] = {
        "count": figures.count,
        "mean_working_days": _number(figures.mean_working_days),
        "median_working_days": _number(figures.median_working_days),
        "max_working_days": figures.max_working_days,
        "over_limit": figures.over_limit,
        "limit": figures.limit,
    }
    cls = figures.customer_class
    if cls is CustomerClass.RESIDENTIAL:
        result.update(
            zero_visit_share=_number(figures.zero_visit_share),
            over_visits=figures.over_visits,
            visits_target=figures.visits_target,
        )
    elif cls is CustomerClass.SMALL_MICRO:
        result.update(
            mean_working_days_target=figures.mean_working_days_target,
            mean_steps=_number(figures.mean_steps),
            steps_target=figures.steps_target,
            mean_materials=_number(figures.mean_materials),
            mean_cost=money(figures.mean_cost),
            total_cost=money(figures.total_cost),
            cost_target=money(figures.cost_target),
            zero_cost_share=_number(figures.zero_cost_share),
            mean_visits=_number(figures.mean_visits),
            over_visits=figures.over_visits,
            visits_target=figures.visits_target,
            within_capacity_share=_number(figures.within_capacity_share),
            capacity_kva_target=kva(figures.capacity_kva_target),
        )
    elif cls is CustomerClass.HIGH_VOLTAGE:
        capacities: dict[Decimal, str | None] = {}  # a few distinct capacities, thousands of rows
        result.update(
            mean_visits=_number(figures.mean_visits),
            over_visits=figures.over_visits,
            visits_target=figures.visits_target,
            total_kva=kva(figures.total_kva),
            energised=[
                {
                    "application_id": e.application_id,
                    "unit": e.unit,
                    "customer": e.customer,
                    "business_type": e.business_type.value,
                    "capacity_kva": capacities[e.capacity_kva]
                    if e.capacity_kva in capacities
                    else capacities.setdefault(e.capacity_kva, kva(e.capacity_kva)),
                    "accepted": e.accepted.isoformat(),
                    "energised": e.energised.isoformat(),
                    "working_days": e.working_days,
                }
                for e in figures.energised or ()
            ],
        )
    if figures.known:
        result["known"] = dict(figures.known)
    result["breaches"] = list(figures.breaches)
    return result


def measures_to_json(figures: PeriodMeasures) -> dict[str, Any]:
    """The `applications stats --format json` document."""
    with gc_paused():
        return _measures_json(figures)


def _measures_json(figures: PeriodMeasures) -> dict[str, Any]:
    return {
        "period": str(figures.period) if figures.period else None,
        "unit": figures.unit,
        "rows": {"read": figures.rows.read, "valid": figures.rows.valid, "rejected": figures.rows.rejected},
        "classes": {c.customer_class.value: class_to_json(c) for c in figures.classes},
        "problems": _problems_json(figures.problems),
    }


def _application_json(application: Application) -> dict[str, Any]:
    return {
        "application_id": application.application_id,
        "unit": application.unit,
        "customer": application.customer,
        "class": application.customer_class.value,
        "business_type": application.business_type.value,
        "accepted": application.accepted.isoformat(),
    }


def check_to_json(result: CheckResult) -> dict[str, Any]:
    """The `applications check --format json` document."""
    return {
        "as_of": result.as_of.isoformat(),
        "period": str(result.period),
        "unit": result.unit,
        "horizon": result.horizon,
        "rows": {"read": result.rows.read, "valid": result.rows.valid, "rejected": result.rows.rejected},
        "summary": {s.value: result.count(s) for s in AlertStatus},
        "open": [
            {
                **_application_json(o.application),
                "working_days": o.working_days,
                "paused_working_days": o.paused_working_days,
                "limit": o.limit,
                "working_days_left": o.working_days_left,
                "due": o.due.isoformat() if o.due else None,
                "status": o.status.value,
            }
            for o in result.open
        ],
        "closed_over_limit": [
            {
                **_application_json(c.application),
                "energised": c.application.energised.isoformat(),  # type: ignore[union-attr]
                "working_days": c.working_days,
                "paused_working_days": c.paused_working_days,
                "limit": c.limit,
            }
            for c in result.closed_over_limit
        ],
        "problems": _problems_json(result.problems),
    }
