"""Target profiles: dated, sourced sets of targets, each in force from its date.

A profile (the 2018 plan, a stage of the NDRC/NEA opinions of 2020, the 2025 opinions) names
its source document, the day from which it is in force and whether someone has verified its
figures against the official text; per class of customer it gives the per-application limit,
the average limit, the steps, the visits, the zero-investment capacity (in kVA or kW) and what
the time counts (the whole process, or only the supply company's own steps).

Rules (docs/applications.md):

- An application is judged against the *verified* profile in force on its acceptance date:
  the verified profile with the latest ``effective`` on or before that day; the earliest
  verified profile (the 2018 plan) also covers every earlier day.
- A stage "by the end of 2020" is in force for applications accepted from 2021-01-01.
- An unverified profile never decides a result; it is judged only for comparison and always
  labelled 待核实.
- A profile's classes are tried in order; the first whose customer classes include the
  application's and whose fact matches decides. A needed fact the export lacks makes the
  application 未判定 (not judged) for that profile; it is counted, never guessed.

Pure: no files, no clock.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Iterable

from gdcomply.applications.model import CustomerClass, PauseKind
from gdcomply.errors import UsageError

if TYPE_CHECKING:
    from gdcomply.applications.model import Application

UNVERIFIED_MARK = "待核实"
NOT_JUDGED_LABEL = "未判定"


class Counts(str, Enum):
    """What a class's connection time counts."""

    WHOLE_PROCESS = "whole-process"
    OWN_STEPS = "own-steps"

    @property
    def label(self) -> str:
        return "全流程" if self is Counts.WHOLE_PROCESS else "供电企业办理环节"


# the supply company's own steps leave out the approvals and the external works as well
OWN_STEPS_LEAVE_OUT = frozenset({PauseKind.APPROVAL, PauseKind.EXTERNAL_WORKS})


class CapacityUnit(str, Enum):
    KVA = "kVA"
    KW = "kW"


@dataclass(frozen=True)
class ZeroInvestment:
    """Up to which capacity a connection is free for the customer: one figure, or town/countryside."""

    unit: CapacityUnit
    everywhere: Decimal | None = None
    town: Decimal | None = None
    countryside: Decimal | None = None

    @property
    def text(self) -> str:
        def num(value: Decimal | None) -> str:
            return "—" if value is None else format(value.normalize(), "f")

        if self.everywhere is not None:
            return f"{num(self.everywhere)} {self.unit.value}"
        return f"城镇 {num(self.town)} / 农村 {num(self.countryside)} {self.unit.value}"


@dataclass(frozen=True)
class ProfileClass:
    """A class a profile may set targets for: the customer classes it covers, and the fact
    (an Application attribute) with the value it requires, if any."""

    key: str
    label: str
    bases: frozenset[CustomerClass]
    fact: str | None = None
    value: bool | None = None


_LV = frozenset({CustomerClass.RESIDENTIAL, CustomerClass.SMALL_MICRO, CustomerClass.OTHER_LOW_VOLTAGE})
_LV_NON_RES = frozenset({CustomerClass.SMALL_MICRO, CustomerClass.OTHER_LOW_VOLTAGE})
_HV = frozenset({CustomerClass.HIGH_VOLTAGE})

PROFILE_CLASSES: dict[str, ProfileClass] = {
    c.key: c
    for c in (
        ProfileClass("residential", "低压居民", frozenset({CustomerClass.RESIDENTIAL})),
        ProfileClass("small-micro", "小微企业", frozenset({CustomerClass.SMALL_MICRO})),
        ProfileClass("other-low-voltage", "其他低压非居民", frozenset({CustomerClass.OTHER_LOW_VOLTAGE})),
        ProfileClass("high-voltage", "高压", _HV),
        ProfileClass("low-voltage", "低压", _LV),
        ProfileClass("low-voltage-non-residential", "低压非居民", _LV_NON_RES),
        ProfileClass("low-voltage-three-zero", "低压非居民（三零服务）", _LV_NON_RES, "three_zero", True),
        ProfileClass("low-voltage-other", "低压非居民（非三零服务）", _LV_NON_RES, "three_zero", False),
        ProfileClass("low-voltage-no-external-works", "低压（无外线工程）", _LV, "external_works", False),
        ProfileClass("low-voltage-external-works", "低压（有外线工程）", _LV, "external_works", True),
        ProfileClass("high-voltage-single-source", "高压单电源", _HV, "dual_source", False),
        ProfileClass("high-voltage-dual-source", "高压双电源", _HV, "dual_source", True),
    )
}

FACT_LABELS = {
    "three_zero": "三零服务",
    "external_works": "外线工程",
    "dual_source": "电源",
    "rural": "城乡",
    "capacity_kw": "容量(kW)",
}


@dataclass(frozen=True)
class ClassTarget:
    """A profile's targets for one class; None: the profile sets none."""

    key: str
    limit: int | None = None  # working days per application
    mean_limit: int | None = None  # working days on average
    steps: int | None = None
    visits: int | None = None
    zero_investment: ZeroInvestment | None = None
    cost: Decimal | None = None  # the connection cost the customer bears (2018: 0 元)
    counts: Counts = Counts.WHOLE_PROCESS

    @property
    def profile_class(self) -> ProfileClass:
        return PROFILE_CLASSES[self.key]

    @property
    def label(self) -> str:
        return self.profile_class.label


@dataclass(frozen=True)
class Profile:
    """One dated, sourced set of targets."""

    name: str  # the id used by --targets and in JSON, e.g. "plan-2018"
    title: str  # a short Chinese title for tables
    document: str  # the source: number and title of the document
    effective: date  # in force for applications accepted on or after this day
    verified: bool
    classes: tuple[ClassTarget, ...]
    pauses_left_out: frozenset[PauseKind] = frozenset({PauseKind.CUSTOMER})
    note: str = ""
    is_plan: bool = False  # the 2018 plan, whose figures are targets.yaml's limits and targets

    @property
    def label(self) -> str:
        """The title, with 待核实 when not verified: the form every output shows."""
        return self.title if self.verified else f"{self.title}（{UNVERIFIED_MARK}）"

    def left_out(self, target: ClassTarget) -> frozenset[PauseKind]:
        """The pause kinds the time of the class leaves out."""
        if target.counts is Counts.OWN_STEPS:
            return self.pauses_left_out | OWN_STEPS_LEAVE_OUT
        return self.pauses_left_out

    def class_of(self, application: Application) -> ClassTarget | None | str:
        """The class target deciding the application; None when the profile sets no target
        for it; NOT_JUDGED_LABEL's fact name (a str) when a fact it needs is missing."""
        return self.class_for(application.customer_class, application)

    def class_for(self, customer_class: CustomerClass, application: Application) -> ClassTarget | None | str:
        for target in self.classes:
            cls = target.profile_class
            if customer_class not in cls.bases:
                continue
            if cls.fact is None:
                return target
            value = getattr(application, cls.fact)
            if value is None:
                return cls.fact
            if value is cls.value:
                return target
        return None


class Profiles:
    """The profiles of a workspace, and which one is in force on a day."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        self.all: tuple[Profile, ...] = tuple(profiles)
        verified = sorted((p for p in self.all if p.verified), key=lambda p: p.effective)
        self.verified = tuple(verified)
        self._starts = [p.effective for p in verified]

    def in_force(self, day: date) -> Profile:
        """The verified profile in force for an application accepted on day."""
        if not self.verified:
            raise UsageError("targets.yaml 中没有已核实的目标方案，无法判定")
        index = bisect.bisect_right(self._starts, day) - 1
        return self.verified[max(index, 0)]

    @property
    def unverified(self) -> tuple[Profile, ...]:
        return tuple(p for p in self.all if not p.verified)

    def named(self, name: str) -> Profile:
        for profile in self.all:
            if profile.name == name:
                return profile
        known = "、".join(f"{p.name}（{p.label}）" for p in self.all)
        raise UsageError(f"--targets 的值“{name}”不是 targets.yaml 中的目标方案，应为 {known}")


def capacity_within(
    application: Application, zero: ZeroInvestment, power_factor: Decimal | None
) -> bool | None:
    """Whether the application's capacity is within the zero-investment capacity.

    None when it cannot be told without guessing: the area is needed and unknown, or the
    limit is in kW and the export gives only kVA while the settings state no power factor
    (kW and kVA are never mixed silently). Raises nothing: callers count the Nones.
    """
    if zero.everywhere is not None:
        limit = zero.everywhere
    elif application.rural is None:
        return None
    else:
        limit = zero.countryside if application.rural else zero.town
        if limit is None:
            return None
    if zero.unit is CapacityUnit.KVA:
        return application.capacity_kva <= limit
    if application.capacity_kw is not None:
        return application.capacity_kw <= limit
    if power_factor is None:
        return None
    return application.capacity_kva * power_factor <= limit


def kw_needs_power_factor(zero: ZeroInvestment, application: Application, power_factor: Decimal | None) -> bool:
    """True when comparing needs kW the application lacks and no power factor is set."""
    return zero.unit is CapacityUnit.KW and application.capacity_kw is None and power_factor is None
