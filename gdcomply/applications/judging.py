"""Judging applications against target profiles: which profile decides each application, and
each profile's figures per class (working and calendar days, limits, averages, steps, visits,
zero investment), with the applications it could not judge counted.

Pure functions over validated applications and a WorkCalendar (see profiles.py for the rules).
measures.measure and measures.check_open call these; the figures of the 2018 plan's own tables
(ClassMeasures) stay in measures.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable

from gdcomply.applications.model import (
    Application,
    limit_for,
    paused_calendar_days,
    paused_working_days,
    pauses_left_out,
    working_day_positions,
)
from gdcomply.applications.numbers import mean as _mean
from gdcomply.applications.numbers import share
from gdcomply.applications.profiles import (
    FACT_LABELS,
    UNVERIFIED_MARK,
    ClassTarget,
    Profile,
    Profiles,
    capacity_within,
    kw_needs_power_factor,
)

if TYPE_CHECKING:
    from gdcomply.workdays.workcalendar import WorkCalendar


@dataclass(frozen=True)
class ClassJudgement:
    """One class of a profile: its applications' figures beside its targets.

    breaches name the targets missed: limit, mean_limit, steps, visits, cost (zero investment).
    capacity_unknown counts applications whose capacity could not be compared with the
    zero-investment capacity (area unknown, or kW against kVA without a power factor);
    capacity_reason says why.
    """

    target: ClassTarget
    count: int
    mean_working_days: Decimal | None
    max_working_days: int | None
    mean_calendar_days: Decimal | None
    max_calendar_days: int | None
    over_limit: int | None
    mean_steps: Decimal | None
    over_visits: int | None
    within_capacity: int | None
    capacity_unknown: int
    capacity_reason: str
    zero_cost_share: Decimal | None
    breaches: tuple[str, ...]


@dataclass(frozen=True)
class ProfileJudgement:
    """The applications given to one profile, judged.

    decides: True when the profile is verified (its verdicts count); False for a comparison
    with an unverified profile, whose verdicts are shown as 待核实.
    """

    profile: Profile
    decides: bool
    count: int
    not_judged: int
    missing_facts: tuple[tuple[str, int], ...]  # (Chinese column name, applications lacking it)
    no_target: int
    classes: tuple[ClassJudgement, ...]
    first_accepted: date | None = None
    last_accepted: date | None = None


def profile_chooser(profiles: Profiles, chosen: Profile | None) -> Callable[[date], Profile]:
    """accepted date -> the profile judging it (the chosen one, else the verified one in force)."""
    if chosen is not None:
        return lambda day: chosen
    memo: dict[date, Profile] = {}

    def of(day: date) -> Profile:
        found = memo.get(day)
        if found is None:
            found = memo[day] = profiles.in_force(day)
        return found

    return of


def limit_under(
    targets: Any, profile: Profile, application: Application
) -> tuple[int | None, frozenset, str]:
    """(the per-application limit, the pause kinds its time leaves out, the missing fact or "")
    of an application under profile; targets (a Targets) gives the 2018 plan's limits."""
    if profile.is_plan:
        return limit_for(targets, application.customer_class), profile.pauses_left_out, ""
    found = profile.class_of(application)
    if isinstance(found, str):
        return None, profile.pauses_left_out, found
    if found is None:
        return None, profile.pauses_left_out, ""
    return found.limit, profile.left_out(found), ""


def group_by_profile(
    apps: list[Application], profiles: Profiles, chosen: Profile | None
) -> list[tuple[Profile, list[Application]]]:
    """The applications per deciding profile, in the order the profiles take effect."""
    if chosen is not None:
        return [(chosen, apps)] if apps else []
    if not apps:
        return []
    of = {day: profiles.in_force(day) for day in {a.accepted for a in apps}}
    if len({p.name for p in of.values()}) == 1:  # the usual case: one profile for the whole period
        return [(next(iter(of.values())), apps)]
    groups: dict[str, tuple[Profile, list[Application]]] = {}
    for application in apps:
        profile = of[application.accepted]
        entry = groups.get(profile.name)
        if entry is None:
            entry = groups[profile.name] = (profile, [])
        entry[1].append(application)
    return sorted(groups.values(), key=lambda item: item[0].effective)


class Prepared:
    """Energised applications bucketed once by what decides their class in any profile, with
    their times per set of pause kinds left out, computed once and shared by every profile
    judged over the same applications (a 300k-row export has a handful of buckets)."""

    def __init__(
        self,
        apps: list[Application],
        calendar: WorkCalendar,
        position: dict[date, int] | None = None,
        by_class: dict[Any, list[Application]] | None = None,
        working: tuple[frozenset, dict[Any, list[int]]] | None = None,
    ) -> None:
        """by_class: apps already split by customer class (measure's lists), used when no
        application gives a class-deciding fact; working: (left_out, class -> working days
        of those lists), measure's own times, reused for that set of kinds."""
        self.apps = apps
        self.calendar = calendar
        if position is None:
            days = {a.accepted for a in apps} | {a.energised for a in apps}
            position = working_day_positions(calendar, days)  # type: ignore[arg-type]
        self.position = position
        self._times: dict[tuple[tuple[Any, ...], frozenset], tuple[list[int], list[int]]] = {}
        self._working: dict[tuple[tuple[Any, ...], frozenset], list[int]] = {}
        facts = set(map(_FACTS, apps))
        if by_class is not None and facts <= {(None, None, None)}:  # the usual export: no facts at all
            self.buckets = {(c, None, None, None): members for c, members in by_class.items() if members}
            if working is not None:
                kinds, lists = working
                for c, members in by_class.items():
                    if members:
                        self._working[((c, None, None, None), kinds)] = lists[c]
            return
        buckets: dict[tuple[Any, ...], list[Application]] = {}
        for key, a in zip(map(_CLASS_KEY, apps), apps):
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = []
            bucket.append(a)
        self.buckets = buckets

    @cached_property
    def ordinal(self) -> dict[date, int]:
        """date -> its ordinal, for every date of the applications (a subtraction of dates builds a
        timedelta per application)."""
        return {day: day.toordinal() for day in self.position}

    @cached_property
    def accepted_range(self) -> tuple[date | None, date | None]:
        if not self.apps:
            return None, None
        accepted = list(map(_ACCEPTED, self.apps))
        return min(accepted), max(accepted)

    def times(self, key: tuple[Any, ...], left_out: frozenset) -> tuple[list[int], list[int]]:
        """(working days, calendar days) of a bucket's applications, the kinds left_out excluded."""
        found = self._times.get((key, left_out))
        if found is not None:
            return found
        position, calendar, bucket = self.position, self.calendar, self.buckets[key]
        working = self._working.get((key, left_out))
        if working is None:
            working = [
                position[a.energised] - position[a.accepted]  # type: ignore[index]
                - (paused_working_days(calendar, pauses_left_out(a.pauses, left_out), a.accepted, a.energised)
                   if a.pauses else 0)  # type: ignore[arg-type]
                for a in bucket
            ]  # fmt: skip
        ordinal = self.ordinal
        days = [
            ordinal[a.energised] - ordinal[a.accepted]  # type: ignore[index]
            - (paused_calendar_days(pauses_left_out(a.pauses, left_out), a.accepted, a.energised)
               if a.pauses else 0)  # type: ignore[arg-type]
            for a in bucket
        ]  # fmt: skip
        found = self._times[(key, left_out)] = (working, days)
        return found


_ACCEPTED = itemgetter(Application._fields.index("accepted"))
_FACTS = itemgetter(*(Application._fields.index(f) for f in ("three_zero", "external_works", "dual_source")))
_CLASS_KEY = itemgetter(
    *(Application._fields.index(f) for f in ("customer_class", "three_zero", "external_works", "dual_source"))
)


def judge(
    prepared: Prepared, profile: Profile, *, decides: bool, power_factor: Decimal | None
) -> ProfileJudgement:
    """The profile's figures over the prepared (energised) applications."""
    members: dict[str, list[tuple[Any, ...]]] = {t.key: [] for t in profile.classes}
    missing: dict[str, int] = {}
    no_target = 0
    for key, bucket in prepared.buckets.items():
        found = profile.class_of(bucket[0])  # the bucket's key is all that decides the class
        if found is None:
            no_target += len(bucket)
        elif isinstance(found, str):
            missing[found] = missing.get(found, 0) + len(bucket)
        else:
            members[found.key].append(key)
    classes = tuple(_class_judgement(prepared, profile, t, members[t.key], power_factor) for t in profile.classes)
    first, last = prepared.accepted_range
    return ProfileJudgement(
        profile, decides, len(prepared.apps), sum(missing.values()),
        tuple((FACT_LABELS[f], n) for f, n in sorted(missing.items())), no_target, classes, first, last,
    )  # fmt: skip


def _class_judgement(
    prepared: Prepared, profile: Profile, target: ClassTarget, keys: list[tuple[Any, ...]], power_factor: Decimal | None
) -> ClassJudgement:
    left_out = profile.left_out(target)
    apps: list[Application] = []
    working: list[int] = []
    days: list[int] = []
    for key in keys:
        apps += prepared.buckets[key]
        w, d = prepared.times(key, left_out)
        working += w
        days += d
    count = len(apps)
    breaches: list[str] = []
    over_limit = sum(map(target.limit.__lt__, working)) if target.limit is not None else None
    if over_limit:
        breaches.append("limit")
    if target.mean_limit is not None and count and sum(working) > target.mean_limit * count:
        breaches.append("mean_limit")
    steps = [a.steps for a in apps if a.steps is not None] if target.steps is not None else []
    mean_steps = _mean(sum(steps), len(steps))
    if target.steps is not None and steps and sum(steps) > target.steps * len(steps):
        breaches.append("steps")
    over_visits = None
    if target.visits is not None:
        visits = [a.visits for a in apps if a.visits is not None]
        over_visits = sum(1 for v in visits if v > target.visits)
        if over_visits:
            breaches.append("visits")
    within, unknown, reason, zero_share = _zero_investment(target, apps, power_factor, breaches)
    return ClassJudgement(
        target, count, _mean(sum(working), count), max(working) if working else None,
        _mean(sum(days), count), max(days) if days else None, over_limit, mean_steps, over_visits,
        within, unknown, reason, zero_share, tuple(breaches),
    )  # fmt: skip


def _zero_investment(
    target: ClassTarget, apps: list[Application], power_factor: Decimal | None, breaches: list[str]
) -> tuple[int | None, int, str, Decimal | None]:
    """(applications within the capacity, ones that could not be compared, why, zero-cost share).

    The 2018 form (a cost target) asks zero cost of every application of the class; the later
    form (a zero-investment capacity without a cost) of those within the capacity.
    """
    zero = target.zero_investment
    if zero is None and target.cost is None:
        return None, 0, "", None
    inside: list[Application] = []
    unknown = 0
    reasons: set[str] = set()
    for application in apps:
        fits = capacity_within(application, zero, power_factor) if zero is not None else True
        if fits is None:
            unknown += 1
            if kw_needs_power_factor(zero, application, power_factor):  # type: ignore[arg-type]
                reasons.add("目标以 kW 计，数据只有 kVA，且未设定功率因数（facts.power-factor），不作换算")
            else:
                reasons.add("数据没有“城乡”列，无法确定适用城镇还是农村的容量")
        elif fits:
            inside.append(application)
    judged = apps if target.cost is not None else inside
    costs = [a.cost for a in judged if a.cost is not None]
    limit = target.cost if target.cost is not None else Decimal(0)
    if any(c > limit for c in costs):
        breaches.append("cost")
    within = len(inside) if zero is not None else None
    return within, unknown, "；".join(sorted(reasons)), share(sum(1 for c in costs if c == 0), len(costs))


# -- JSON ---------------------------------------------------------------------------------------


def profile_to_json(profile: Profile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "title": profile.title,
        "label": profile.label,  # the title, with （待核实） when not verified
        "document": profile.document,
        "effective": profile.effective.isoformat(),
        "verified": profile.verified,
    }


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def verdict_text(judgement: ProfileJudgement, figures: ClassJudgement, breach: str) -> str:
    """达标 / 未达标 of a deciding profile; 待核实 for a comparison; "" when nothing to judge."""
    if not figures.count:
        return ""
    if not judgement.decides:
        return UNVERIFIED_MARK
    return "未达标" if breach in figures.breaches else "达标"


def judgement_to_json(judgement: ProfileJudgement) -> dict[str, Any]:
    def zero_json(target: ClassTarget) -> dict[str, Any] | None:
        zero = target.zero_investment
        if zero is None:
            return None
        amounts = {"capacity": zero.everywhere, "town": zero.town, "countryside": zero.countryside}
        return {"unit": zero.unit.value, **{k: format(v.normalize(), "f") for k, v in amounts.items() if v is not None}}

    classes = {}
    for c in judgement.classes:
        t = c.target
        classes[t.key] = {
            "label": t.label,
            "counts": t.counts.value,
            "limit": t.limit,
            "mean_limit": t.mean_limit,
            "steps_target": t.steps,
            "visits_target": t.visits,
            "zero_investment": zero_json(t),
            "count": c.count,
            "mean_working_days": _num(c.mean_working_days),
            "max_working_days": c.max_working_days,
            "mean_calendar_days": _num(c.mean_calendar_days),
            "max_calendar_days": c.max_calendar_days,
            "over_limit": c.over_limit,
            "mean_steps": _num(c.mean_steps),
            "over_visits": c.over_visits,
            "within_capacity": c.within_capacity,
            "capacity_not_judged": c.capacity_unknown,
            "capacity_reason": c.capacity_reason,
            "zero_cost_share": _num(c.zero_cost_share),
            "breaches": list(c.breaches),
            "result": ("待核实" if not judgement.decides else ("未达标" if c.breaches else "达标")) if c.count else None,
        }
    return {
        "profile": profile_to_json(judgement.profile),
        "decides": judgement.decides,
        "applications": judgement.count,
        "first_accepted": judgement.first_accepted.isoformat() if judgement.first_accepted else None,
        "last_accepted": judgement.last_accepted.isoformat() if judgement.last_accepted else None,
        "not_judged": judgement.not_judged,
        "missing_facts": dict(judgement.missing_facts),
        "no_target": judgement.no_target,
        "classes": classes,
    }


def basis_json(figures: Any) -> dict[str, Any]:
    """The stats JSON's keys for a PeriodMeasures: which profiles judged the period."""
    return {
        "targets": figures.chosen.name if figures.chosen is not None else None,
        "plan_only": figures.plan_only,  # the 2018 plan decided every application: classes are its verdicts
        "judgements": [judgement_to_json(j) for j in figures.judgements],
        "comparisons": [judgement_to_json(j) for j in figures.comparisons],
    }


def check_basis_json(result: Any, not_judged: int) -> dict[str, Any]:
    """The check JSON's keys for a CheckResult: the profile of each application listed."""
    judged: dict[str, Any] = {}
    for item in (*result.open, *result.closed_over_limit):
        judged[item.application.application_id] = {
            "profile": item.profile.name if item.profile else None,
            "verified": item.profile.verified if item.profile else None,
            "calendar_days": item.calendar_days,
            **({"missing_fact": item.missing_fact} if getattr(item, "missing_fact", "") else {}),
        }
    return {
        "targets": result.chosen.name if result.chosen is not None else None,
        "decides": result.decides,
        "not_judged": not_judged,
        "profiles": [{**profile_to_json(p), "applications": n} for p, n in result.profiles],
        "judged": judged,
    }
