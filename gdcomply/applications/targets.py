"""Loader of the workspace file config/targets.yaml: the limits and targets that connection
applications are measured against (the dated target profiles), the supply units' names and
the column mapping.

The file is optional: without it the bundled values apply (the 2018 plan, 实施方案 二(一)2、3,
verified, and the later national targets as not yet verified), so ``load_targets(None)`` and
``Targets()`` are the bundled file. The 2018 plan's figures are the ``limits`` and ``targets``
sections; its entry in ``profiles`` names it and its source. Every problem in the file is
collected and reported as ``FILE:LINE:COLUMN: field.path: message`` (a ConfigError, exit 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from gdcomply import yamlsource
from gdcomply.applications.columns import APPLICATION_COLUMNS, FACT_COLUMNS, PAUSE_COLUMNS, Column
from gdcomply.applications.model import PauseKind
from gdcomply.applications.profiles import CapacityUnit, ClassTarget, Profile, Profiles, ZeroInvestment
from gdcomply.applications.profilefile import BUNDLED_LATER, PLAN_2018, parse_profiles
from gdcomply.applications.profilefile import decimal_value as _decimal
from gdcomply.applications.profilefile import whole_number as _whole_number
from gdcomply.yamlsource import Node, Problems

_DEFAULT_UNITS = MappingProxyType({"guiyuan": ("桂源公司",), "gongdian": ("供电公司",)})
_PARTY_ID = re.compile(r"[a-z][a-z0-9-]*\Z")


@dataclass(frozen=True)
class Targets:
    """Limits (working days per application), the plan's targets, unit names and extra headers.

    A limit of None means the plan sets no per-application limit for that class.
    """

    residential_limit: int | None = 22
    small_micro_limit: int | None = 25  # the plan's 25 is an average; also the per-application alert
    other_low_voltage_limit: int | None = None
    high_voltage_limit: int | None = None
    small_micro_mean_working_days: int = 25
    small_micro_steps: int = 2
    small_micro_capacity_kva: Decimal = Decimal(160)
    small_micro_cost: Decimal = Decimal(0)
    residential_visits: int = 0
    small_micro_visits: int = 1
    high_voltage_visits: int = 1
    alert_horizon: int = 5
    # party id -> the names a file may use for the unit; the first is the display name
    units: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _DEFAULT_UNITS)
    # column id (e.g. "accepted") -> extra header names a unit's export uses for it
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # the 2018 plan's name, source and date (its figures are the fields above)
    plan: Profile = PLAN_2018
    # the profiles after the plan, as config/targets.yaml lists them
    later: tuple[Profile, ...] = BUNDLED_LATER
    # kW = kVA x power factor, when a kW limit meets an export without 容量(kW); None: never converted
    power_factor: Decimal | None = None
    # the kind of a pause whose export says none (no 暂停类型 column, or an empty cell)
    pause_kind: PauseKind = PauseKind.CUSTOMER

    @property
    def base_profile(self) -> Profile:
        """The 2018 plan as a profile, with the figures of the fields above."""
        from dataclasses import replace

        zero = ZeroInvestment(CapacityUnit.KVA, self.small_micro_capacity_kva)
        classes = (
            ClassTarget("residential", limit=self.residential_limit, visits=self.residential_visits),
            ClassTarget(
                "small-micro", limit=self.small_micro_limit, mean_limit=self.small_micro_mean_working_days,
                steps=self.small_micro_steps, visits=self.small_micro_visits, zero_investment=zero,
                cost=self.small_micro_cost,
            ),
            ClassTarget("other-low-voltage", limit=self.other_low_voltage_limit),
            ClassTarget("high-voltage", limit=self.high_voltage_limit, visits=self.high_voltage_visits),
        )
        return replace(self.plan, classes=classes, is_plan=True)

    @property
    def profiles(self) -> Profiles:
        """Every profile: the plan first, then the later ones."""
        return Profiles((self.base_profile, *self.later))

    def unit_name(self, party: str) -> str:
        names = self.units.get(party)
        return names[0] if names else party

    def resolve_unit(self, text: str) -> str | None:
        """The party id for a unit given by id or by one of its names, or None if unknown."""
        wanted = text.strip()
        if wanted in self.units:
            return wanted
        for party, names in self.units.items():
            if wanted in names:
                return party
        return None


_TOP_KEYS = frozenset({"limits", "targets", "alert", "units", "columns", "profiles", "facts"})
_LIMIT_KEYS = {
    "residential": "residential_limit",
    "small-micro": "small_micro_limit",
    "other-low-voltage": "other_low_voltage_limit",
    "high-voltage": "high_voltage_limit",
}
_INT_TARGET_KEYS = {
    "small-micro-mean-working-days": "small_micro_mean_working_days",
    "small-micro-steps": "small_micro_steps",
    "residential-visits": "residential_visits",
    "small-micro-visits": "small_micro_visits",
    "high-voltage-visits": "high_voltage_visits",
}
_DECIMAL_TARGET_KEYS = {
    "small-micro-capacity-kva": "small_micro_capacity_kva",
    "small-micro-cost": "small_micro_cost",
}
_ALERT_KEYS = {"horizon": "alert_horizon"}


def load_targets(path: Path | None, display: str | None = None) -> Targets:
    """The targets of the file, the plan's values when it does not exist, or a ConfigError."""
    if path is None or not path.exists():
        return Targets()
    root, problems = yamlsource.load(path, display)
    targets = parse_targets(root, problems)
    problems.raise_if_any(f"目标值文件 {display or path} 有错误")
    return targets


def parse_targets(root: Node | None, problems: Problems) -> Targets:
    """Targets from a parsed document; every problem is added to problems."""
    if root is None:
        return Targets()
    if not yamlsource.expect_map(root, problems):
        return Targets()
    yamlsource.check_keys(root, _TOP_KEYS, problems)
    values: dict[str, object] = {}
    section = root.get("limits")
    if section is not None and yamlsource.expect_map(section, problems):
        yamlsource.check_keys(section, set(_LIMIT_KEYS), problems)
        for key, attr in _LIMIT_KEYS.items():
            node = section.get(key)
            if node is not None:
                values[attr] = _whole_number(node, problems, allow_empty=True, minimum=1)
    section = root.get("targets")
    if section is not None and yamlsource.expect_map(section, problems):
        yamlsource.check_keys(section, set(_INT_TARGET_KEYS) | set(_DECIMAL_TARGET_KEYS), problems)
        for key, attr in _INT_TARGET_KEYS.items():
            node = section.get(key)
            if node is not None:
                number = _whole_number(node, problems, allow_empty=False, minimum=0)
                if number is not None:
                    values[attr] = number
        for key, attr in _DECIMAL_TARGET_KEYS.items():
            node = section.get(key)
            if node is not None:
                amount = _decimal(node, problems)
                if amount is not None:
                    values[attr] = amount
    section = root.get("alert")
    if section is not None and yamlsource.expect_map(section, problems):
        yamlsource.check_keys(section, set(_ALERT_KEYS), problems)
        node = section.get("horizon")
        if node is not None:
            number = _whole_number(node, problems, allow_empty=False, minimum=0)
            if number is not None:
                values["alert_horizon"] = number
    section = root.get("units")
    if section is not None:
        units = _units(section, problems)
        if units is not None:
            values["units"] = units
    section = root.get("columns")
    if section is not None:
        values["columns"] = parse_columns(section, problems)
    section = root.get("profiles")
    if section is not None:
        parsed = parse_profiles(section, problems)
        if parsed is not None:
            values["plan"], values["later"] = parsed
    section = root.get("facts")
    if section is not None:
        values.update(_facts(section, problems))
    return Targets(**values)  # type: ignore[arg-type]


def _facts(section: Node, problems: Problems) -> dict[str, object]:
    """The facts section: power-factor (0 < f <= 1, may be empty) and pause-kind."""
    values: dict[str, object] = {}
    if not yamlsource.expect_map(section, problems):
        return values
    yamlsource.check_keys(section, {"power-factor", "pause-kind"}, problems)
    node = section.get("power-factor")
    if node is not None and not (node.kind == "scalar" and node.value is None):
        factor = _decimal(node, problems)
        if factor is not None:
            if not 0 < factor <= 1:
                problems.add(node, f"功率因数“{node.shown}”应大于 0 且不大于 1（如 0.9）")
            else:
                values["power_factor"] = factor
    node = section.get("pause-kind")
    if node is not None:
        text = yamlsource.expect_str(node, problems)
        kinds = {k.value: k for k in PauseKind} | {k.label: k for k in PauseKind}
        if text is not None:
            if text not in kinds:
                problems.add(node, f"“{text}”不是已知的暂停类型（应为 {'、'.join(k.value for k in PauseKind)}）")
            else:
                values["pause_kind"] = kinds[text]
    return values


def header_names(node: Node, problems: Problems) -> tuple[str, ...] | None:
    """A list of names (or one name); None after reporting a problem."""
    items = node.value if node.kind == "seq" else [node]
    names: list[str] = []
    for item in items:
        text = yamlsource.expect_str(item, problems, required_text="名称文字")
        if text is None:
            return None
        names.append(text)
    return tuple(names)


def _units(section: Node, problems: Problems) -> Mapping[str, tuple[str, ...]] | None:
    if not yamlsource.expect_map(section, problems, "以单位代号为键的映射（如 guiyuan: [桂源公司]）"):
        return None
    units: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for party, node in section.value.items():
        if not _PARTY_ID.match(party):
            problems.add(node, f"单位代号“{party}”应为小写英文字母、数字和连字符（如 guiyuan）")
            continue
        names = header_names(node, problems)
        if names is None:
            continue
        if not names:
            problems.add(node, "至少要写一个单位名称（第一个用于显示）")
            continue
        for name in (party, *names):
            if owner.get(name, party) != party:
                problems.add(node, f"名称“{name}”已用于单位 {owner[name]}")
            owner[name] = party
        units[party] = names
    if not units:
        return None
    return MappingProxyType(units)


def parse_columns(
    section: Node, problems: Problems, columns: tuple[Column, ...] = APPLICATION_COLUMNS + FACT_COLUMNS + PAUSE_COLUMNS,
    example: str = "accepted: [受理时间]",
) -> Mapping[str, tuple[str, ...]]:
    """A ``columns`` section: column key -> the extra header names an export uses for it
    (also config/complaints.yaml's, with the complaint columns)."""
    if section.kind == "scalar" and section.value is None:
        return MappingProxyType({})
    if not yamlsource.expect_map(section, problems, f"以列代号为键的映射（如 {example}）"):
        return MappingProxyType({})
    known = {c.key for c in columns}
    yamlsource.check_keys(section, known, problems)
    columns: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for key, node in section.value.items():
        if key not in known:
            continue
        if node.kind == "scalar" and node.value is None:
            continue  # an empty entry, as the bundled file shows them
        names = header_names(node, problems)
        if not names:
            continue
        for name in names:
            if owner.get(name, key) != key:
                problems.add(node, f"表头“{name}”已对照到 {owner[name]}，同一个表头只能对应一列")
            owner[name] = key
        columns[key] = names
    return MappingProxyType(columns)

