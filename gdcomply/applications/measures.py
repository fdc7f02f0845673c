"""The measures of the plan's targets over connection applications, the open-application check,
and their JSON documents.

Pure functions over validated applications and a WorkCalendar; nothing here reads files or
the clock. Public API (the CLI and the report packs use exactly this)::

    from gdcomply.applications.read import read_applications        # files -> ApplicationSet
    from gdcomply.applications.targets import load_targets, Targets  # config/targets.yaml
    from gdcomply.applications.model import Period, periods_of
    from gdcomply.applications.measures import check_open, check_to_json, measure, measures_to_json

    targets = load_targets(config_dir / "targets.yaml")
    app_set = read_applications(path, pauses_path, targets, progress=None)
    figures = measure(app_set, calendar, targets, period=Period.parse("2026-H1"), unit="guiyuan")
    payload = measures_to_json(figures)                       # the `applications stats` JSON
    alerts = check_open(app_set, calendar, targets, as_of=date(2026, 7, 1))
    payload = check_to_json(alerts)                           # the `applications check` JSON

Connection time and the customer classes are defined in gdcomply.applications.model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext
from enum import Enum
from typing import TYPE_CHECKING, Any, Iterable

from gdcomply.applications.judging import basis_json, check_basis_json
from gdcomply.applications.model import (
    Application,
    ApplicationSet,
    BusinessType,
    CustomerClass,
    Pause,
    Period,
    RowCounts,
    connection_time,
    gc_paused,
    limit_for,
    merge_pauses,
    paused_working_days,
    pauses_left_out,
    working_day_positions,
)
from gdcomply.applications.numbers import mean as _mean
from gdcomply.applications.numbers import median as _median
from gdcomply.applications.numbers import rounded as _rounded
from gdcomply.applications.numbers import share as _share
from gdcomply.applications.profiles import FACT_LABELS
from gdcomply.errors import Problem

if TYPE_CHECKING:
    from gdcomply.applications.judging import ProfileJudgement
    from gdcomply.applications.profiles import Profile
    from gdcomply.applications.targets import Targets
    from gdcomply.workdays.model import CalendarWarning
    from gdcomply.workdays.workcalendar import WorkCalendar


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
    # (working days, how many applications took that long), shortest first: the histogram
    distribution: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class PeriodMeasures:
    """The measures of one period (None: every energised application) and unit (None: all)."""

    period: Period | None
    unit: str | None
    rows: RowCounts
    classes: tuple[ClassMeasures, ...]  # in CustomerClass order
    problems: tuple[Problem, ...]
    warnings: tuple[CalendarWarning, ...]
    # each deciding profile's applications judged (by acceptance date, or all by --targets)
    judgements: tuple[ProfileJudgement, ...] = ()
    # the unverified profiles, judged over every application for comparison only (待核实)
    comparisons: tuple[ProfileJudgement, ...] = ()
    chosen: Profile | None = None  # --targets

    def of(self, customer_class: CustomerClass) -> ClassMeasures:
        return next(c for c in self.classes if c.customer_class is customer_class)

    @property
    def plan_only(self) -> bool:
        """True when the 2018 plan decided every application: the plan's tables are the verdicts."""
        return self.chosen is None and all(j.profile.is_plan for j in self.judgements)


_CENT = Decimal("0.01")
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def measure(
    app_set: ApplicationSet,
    calendar: WorkCalendar,
    targets: Targets,
    period: Period | None = None,
    unit: str | None = None,
    chosen: str | None = None,
) -> PeriodMeasures:
    """The figures for the applications energised in period (all if None) of unit.

    The plan's tables (classes) as before; each application judged against the verified
    profile in force on its acceptance date (judgements), or all against the profile named
    by chosen (--targets); the unverified profiles beside them for comparison.
    """
    profile = targets.profiles.named(chosen) if chosen is not None else None
    with gc_paused():
        return _measure(app_set, calendar, targets, period, unit, profile)


def _measure(
    app_set: ApplicationSet, calendar: WorkCalendar, targets: Targets, period: Period | None, unit: str | None,
    chosen: Profile | None = None,
) -> PeriodMeasures:
    from gdcomply.applications.judging import Prepared, group_by_profile, judge

    low, high = (period.start, period.end) if period is not None else (date.min, date.max)
    chosen_list = [
        a
        for a in app_set.applications
        if a.energised is not None and low <= a.energised <= high and (unit is None or a.unit == unit)
    ]
    position = working_day_positions(
        calendar, {a.accepted for a in chosen_list} | {a.energised for a in chosen_list}  # type: ignore[misc]
    )
    apps: dict[CustomerClass, list[Application]] = {c: [] for c in CustomerClass}
    add = {c: members.append for c, members in apps.items()}
    for a in chosen_list:
        add[a.customer_class](a)
    left_out = targets.plan.pauses_left_out
    times = {
        customer_class: [
            position[a.energised] - position[a.accepted]
            - (paused_working_days(calendar, pauses_left_out(a.pauses, left_out), a.accepted, a.energised)
               if a.pauses else 0)
            for a in members
        ]
        for customer_class, members in apps.items()
    }  # fmt: skip
    # the earliest date of the intervals is an accepted date, the latest an energised one
    warnings = tuple(calendar.warnings_for(min(position), max(position))) if position else ()
    classes = tuple(_class_measures(c, apps[c], times[c], targets) for c in CustomerClass)
    profiles = targets.profiles
    factor = targets.power_factor
    everything = Prepared(chosen_list, calendar, position, apps, (left_out, times))
    judgements = tuple(
        judge(everything if members is chosen_list else Prepared(members, calendar, position), profile,
              decides=profile.verified, power_factor=factor)
        for profile, members in group_by_profile(chosen_list, profiles, chosen)
    )
    comparisons = () if chosen is not None or not chosen_list else tuple(
        judge(everything, profile, decides=False, power_factor=factor) for profile in profiles.unverified
    )  # fmt: skip
    return PeriodMeasures(
        period, unit, app_set.rows, classes, app_set.problems, warnings, judgements, comparisons, chosen
    )


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
        distribution=tuple(sorted(Counter(times).items())),
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
    NOT_JUDGED = "not-judged"  # the profile needs a fact the export lacks

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    AlertStatus.OVERDUE: "已超期",
    AlertStatus.DUE_SOON: "即将超期",
    AlertStatus.ON_TRACK: "正常",
    AlertStatus.NO_LIMIT: "无时限",
    AlertStatus.NOT_JUDGED: "未判定",
}
# the statuses of the summary; not-judged has its own count (check_to_json's not_judged)
SUMMARY_STATUSES = (AlertStatus.OVERDUE, AlertStatus.DUE_SOON, AlertStatus.ON_TRACK, AlertStatus.NO_LIMIT)
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
    profile: Profile | None = None  # the profile it was judged against
    calendar_days: int | None = None
    missing_fact: str = ""  # for not-judged: the column the profile needs


@dataclass(frozen=True)
class ClosedOverLimit:
    """An application energised in the current period whose connection time broke its limit."""

    application: Application
    working_days: int
    paused_working_days: int
    limit: int
    profile: Profile | None = None
    calendar_days: int | None = None


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
    chosen: Profile | None = None  # --targets
    # the profiles the applications listed were judged against, with how many each
    profiles: tuple[tuple[Profile, int], ...] = ()

    def count(self, status: AlertStatus) -> int:
        return sum(1 for o in self.open if o.status is status)

    @property
    def decides(self) -> bool:
        """False when the whole check is against an unverified profile (--targets): 待核实."""
        return self.chosen is None or self.chosen.verified


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
    chosen: str | None = None,
) -> CheckResult:
    """Open applications on as_of with their status; closed breaches of as_of's half-year.

    An application is open on as_of when it was accepted on or before as_of and not
    energised by then, so a past as_of replays that day's view of the same file. Each is
    judged against the verified profile in force on its acceptance date, or all against the
    profile named by chosen (--targets).
    """
    from gdcomply.applications.judging import limit_under, profile_chooser
    from gdcomply.applications.model import paused_calendar_days

    horizon = targets.alert_horizon if horizon is None else horizon
    period = Period.containing(as_of)
    open_rows: list[OpenApplication] = []
    closed: list[ClosedOverLimit] = []
    earliest = as_of
    profiles = targets.profiles
    picked = profiles.named(chosen) if chosen is not None else None
    profile_of = profile_chooser(profiles, picked)
    used: dict[str, list[Any]] = {}
    for application in app_set.applications:
        if (unit is not None and application.unit != unit) or application.accepted > as_of:
            continue
        profile = profile_of(application.accepted)
        limit, left_out, missing = limit_under(targets, profile, application)
        energised = application.energised
        if energised is not None and energised <= as_of:
            if limit is not None and energised in period:
                working_days, paused = connection_time(calendar, application, energised, left_out)
                if working_days > limit:
                    days = _calendar_days(application, energised, left_out, paused_calendar_days)
                    closed.append(ClosedOverLimit(application, working_days, paused, limit, profile, days))
                    earliest = min(earliest, application.accepted)
                    used.setdefault(profile.name, [profile, 0])[1] += 1
            continue
        earliest = min(earliest, application.accepted)
        used.setdefault(profile.name, [profile, 0])[1] += 1
        working_days, paused = connection_time(calendar, application, as_of, left_out)
        days = _calendar_days(application, as_of, left_out, paused_calendar_days)
        if limit is None:
            status = AlertStatus.NOT_JUDGED if missing else AlertStatus.NO_LIMIT
            open_rows.append(
                OpenApplication(application, working_days, paused, None, None, None, status, profile, days,
                                FACT_LABELS.get(missing, ""))
            )  # fmt: skip
            continue
        left = limit - working_days
        if left < 0:
            status, due = AlertStatus.OVERDUE, None
        else:
            status = AlertStatus.DUE_SOON if left <= horizon else AlertStatus.ON_TRACK
            due = calendar.add(_resumes(pauses_left_out(application.pauses, left_out), as_of), left)
        open_rows.append(OpenApplication(application, working_days, paused, limit, left, due, status, profile, days))
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
        app_set.problems, warnings, picked,
        tuple((p, n) for p, n in sorted(used.values(), key=lambda item: item[0].effective)),
    )


def _calendar_days(application: Application, end: date, left_out: frozenset, paused_calendar_days: Any) -> int:
    """Calendar days from the day after acceptance to end, the pauses left out excluded."""
    days = (end - application.accepted).days
    if not application.pauses:
        return days
    return days - paused_calendar_days(pauses_left_out(application.pauses, left_out), application.accepted, end)


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
        **basis_json(figures),
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
        "summary": {s.value: result.count(s) for s in SUMMARY_STATUSES},
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
        **check_basis_json(result, result.count(AlertStatus.NOT_JUDGED)),
    }
