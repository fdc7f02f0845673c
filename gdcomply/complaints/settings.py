"""Loader of the workspace file config/complaints.yaml: reply and closure limits, the company's
departments that answer complaints, and the column mapping of the hotline exports.

The file is optional: without it a reply is due 10 working days after a complaint was
received (《供电监管办法》 电监会令第27号, 第三十二条 answers within 10 working days), no
closure limit is tracked, and complaints can be put on the parties of config/deadlines.yaml
only. Every problem is reported as ``FILE:LINE:COLUMN: field.path: message`` (a ConfigError).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

from gdcomply import yamlsource
from gdcomply.applications.columns import Column
from gdcomply.applications.profilefile import whole_number
from gdcomply.applications.targets import header_names, parse_columns
from gdcomply.calendar import Contact, parse_contact
from gdcomply.complaints.model import Category, Source
from gdcomply.yamlsource import Node, Problems

if TYPE_CHECKING:
    from gdcomply.calendar import Calendar

DEFAULT_REPLY_WORKING_DAYS = 10  # 《供电监管办法》（电监会令第27号）
DEFAULT_REPEAT_WINDOW_DAYS = 90
SETTINGS_FILE = "config/complaints.yaml"
_ID = re.compile(r"[a-z][a-z0-9-]*\Z")

COMPLAINT_COLUMNS: tuple[Column, ...] = (
    Column("ticket", "工单编号", True, ("工单号", "投诉编号", "ticket")),
    Column("source", "来源", True, ("投诉来源", "来源渠道", "source")),
    Column("received", "受理时间", True, ("受理日期", "投诉时间", "received")),
    Column("unit", "责任单位", True, ("责任部门", "承办单位", "unit")),
    Column("category", "类别", True, ("投诉类别", "业务类别", "category")),
    Column("customer", "客户名称", False, ("客户姓名", "户名", "customer")),
    Column("phone", "联系电话", False, ("电话", "手机号码", "phone")),
    Column("summary", "内容摘要", False, ("投诉内容", "摘要", "summary")),
    Column("replied", "答复时间", False, ("答复日期", "回复时间", "replied")),
    Column("closed", "办结时间", False, ("办结日期", "结案时间", "closed")),
    Column("substantiated", "是否属实", False, ("属实", "核实情况", "substantiated")),
    Column("measures", "整改措施", False, ("处理措施", "措施", "measures")),
    Column("application-id", "关联申请编号", False, ("申请编号", "关联申请", "application id")),
)


@dataclass(frozen=True)
class Limits:
    """Working days from receipt to a reply (or closure): per source and per category, else the default.

    Where both a source and a category limit apply, the stricter (smaller) one does.
    None: not tracked.
    """

    default: int | None
    by_source: Mapping[Source, int] = field(default_factory=lambda: MappingProxyType({}))
    by_category: Mapping[Category, int] = field(default_factory=lambda: MappingProxyType({}))

    def limit(self, source: Source, category: Category) -> int | None:
        specific = [n for n in (self.by_source.get(source), self.by_category.get(category)) if n is not None]
        return min(specific) if specific else self.default

    @property
    def tracked(self) -> bool:
        return self.default is not None or bool(self.by_source) or bool(self.by_category)


@dataclass(frozen=True)
class Department:
    """A department of the company that answers complaints (营销部…), with its contacts."""

    id: str
    name: str
    aliases: tuple[str, ...]
    contacts: tuple[Contact, ...]


@dataclass(frozen=True)
class ComplaintSettings:
    """What config/complaints.yaml says (the defaults when it does not exist)."""

    reply: Limits = Limits(DEFAULT_REPLY_WORKING_DAYS)
    closure: Limits = Limits(None)
    repeat_window_days: int = DEFAULT_REPEAT_WINDOW_DAYS
    departments: Mapping[str, Department] = field(default_factory=lambda: MappingProxyType({}))
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Units:
    """Who can answer for a complaint: the parties of the calendar and the departments."""

    names: Mapping[str, str]  # unit id -> display name
    lookup: Mapping[str, str]  # every id and name, spaces removed -> unit id
    contacts: Mapping[str, tuple[Contact, ...]]

    @classmethod
    def of(cls, calendar: Calendar, settings: ComplaintSettings) -> Units:
        names: dict[str, str] = {}
        lookup: dict[str, str] = {}
        contacts: dict[str, tuple[Contact, ...]] = {}
        for party in calendar.parties.values():
            if party.id == "bureau":
                continue  # the regulator answers no complaint
            names[party.id] = party.short_name
            contacts[party.id] = party.contacts
            for name in party.names:
                lookup.setdefault(_key(name), party.id)
        for department in settings.departments.values():
            names[department.id] = department.name
            contacts[department.id] = department.contacts
            for name in (department.id, department.name, *department.aliases):
                lookup.setdefault(_key(name), department.id)
        return cls(MappingProxyType(names), MappingProxyType(lookup), MappingProxyType(contacts))

    def resolve(self, text: str) -> str | None:
        """The unit id of a party or department named by its id or one of its names; None if unknown."""
        return self.lookup.get(_key(text))

    def name(self, unit: str) -> str:
        return self.names.get(unit, unit)

    def choices(self) -> str:
        return "、".join(f"{name}（{unit}）" for unit, name in self.names.items())


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


_TOP_KEYS = frozenset({"version", "reply", "closure", "repeat", "departments", "columns"})
_LIMIT_KEYS = frozenset({"working-days", "by-source", "by-category"})
_DEPARTMENT_KEYS = frozenset({"name", "aliases", "contacts"})


def load_complaint_settings(path: Path | None, display: str | None = None) -> ComplaintSettings:
    """The settings of the file, the defaults when it does not exist, or a ConfigError."""
    if path is None or not path.exists():
        return ComplaintSettings()
    root, problems = yamlsource.load(path, display)
    settings = parse_settings(root, problems)
    problems.raise_if_any(f"投诉设置文件 {display or path} 有错误")
    return settings


def parse_settings(root: Node | None, problems: Problems) -> ComplaintSettings:
    if root is None or not yamlsource.expect_map(root, problems):
        return ComplaintSettings()
    yamlsource.check_keys(root, _TOP_KEYS, problems)
    values: dict[str, object] = {}
    version = root.get("version")
    if version is not None and version.value != 1:
        problems.add(version, f"“{version.shown}”不是支持的版本，应为 1")
    for key, default in (("reply", DEFAULT_REPLY_WORKING_DAYS), ("closure", None)):
        section = root.get(key)
        if section is not None:
            values[key] = _limits(section, problems, default)
    section = root.get("repeat")
    if section is not None and yamlsource.expect_map(section, problems):
        yamlsource.check_keys(section, {"window-days"}, problems)
        node = section.get("window-days")
        if node is not None:
            days = whole_number(node, problems, allow_empty=False, minimum=1)
            if days is not None:
                values["repeat_window_days"] = days
    section = root.get("departments")
    if section is not None and not (section.kind == "scalar" and section.value is None):
        values["departments"] = _departments(section, problems)
    section = root.get("columns")
    if section is not None:
        values["columns"] = parse_columns(section, problems, COMPLAINT_COLUMNS, "received: [登记时间]")
    return ComplaintSettings(**values)  # type: ignore[arg-type]


def _limits(section: Node, problems: Problems, default: int | None) -> Limits:
    if section.kind == "scalar" and section.value is None:
        return Limits(default)
    if not yamlsource.expect_map(section, problems, "映射（working-days、by-source、by-category）"):
        return Limits(default)
    yamlsource.check_keys(section, _LIMIT_KEYS, problems)
    node = section.get("working-days")
    # a reply is always due some day (empty is refused); a closure limit may be left empty: not tracked
    days = default if node is None else whole_number(node, problems, allow_empty=default is None, minimum=1)
    by_source: dict[Source, int] = {}
    sources = {s.value: s for s in Source} | {"其他": Source.OTHER}
    node = section.get("by-source")
    if node is not None and not (node.kind == "scalar" and node.value is None):
        for key, child in _entries(node, problems, "以来源为键的映射（如 \"966068\": 5）"):
            if key not in sources:
                problems.add(child, f"未知的来源“{key}”（应为 12398、966068 或 other）", at_key=True)
                continue
            number = whole_number(child, problems, allow_empty=False, minimum=1)
            if number is not None:
                by_source[sources[key]] = number
    by_category: dict[Category, int] = {}
    node = section.get("by-category")
    if node is not None and not (node.kind == "scalar" and node.value is None):
        for key, child in _entries(node, problems, "以类别为键的映射（如 业扩报装: 5）"):
            try:
                category = Category(key)
            except ValueError:
                known = "、".join(c.value for c in Category)
                problems.add(child, f"未知的类别“{key}”（应为 {known} 之一）", at_key=True)
                continue
            number = whole_number(child, problems, allow_empty=False, minimum=1)
            if number is not None:
                by_category[category] = number
    return Limits(days, MappingProxyType(by_source), MappingProxyType(by_category))


def _entries(node: Node, problems: Problems, what: str) -> list[tuple[str, Node]]:
    if not yamlsource.expect_map(node, problems, what):
        return []
    return [(str(key), child) for key, child in node.value.items()]


def _departments(section: Node, problems: Problems) -> Mapping[str, Department]:
    if not yamlsource.expect_map(section, problems, "以部门代号为键的映射（如 marketing: {name: 营销部}）"):
        return MappingProxyType({})
    departments: dict[str, Department] = {}
    for key, node in section.value.items():
        if not _ID.match(key):
            problems.add(node, f"部门代号“{key}”应为小写英文字母、数字和连字符（如 marketing）", at_key=True)
            continue
        if not yamlsource.expect_map(node, problems, "部门（含 name，可选 aliases 和 contacts）"):
            continue
        yamlsource.check_keys(node, _DEPARTMENT_KEYS, problems)
        name_node = node.get("name")
        name = yamlsource.expect_str(name_node, problems, required_text="部门名称") if name_node else None
        if name_node is None:
            problems.add(node, "缺少 name（部门名称，如 营销部）")
        aliases_node = node.get("aliases")
        aliases = header_names(aliases_node, problems) if aliases_node is not None else ()
        contacts: list[Contact] = []
        contacts_node = node.get("contacts")
        if contacts_node is not None and contacts_node.value is not None:
            if contacts_node.kind != "seq":
                problems.add(contacts_node, "应为联系人列表（每项含 name 和 email）")
            else:
                for item in contacts_node.value:
                    contact = parse_contact(item, problems)
                    if contact is not None:
                        contacts.append(contact)
        if name is not None:
            departments[key] = Department(key, name, aliases or (), tuple(contacts))
    return MappingProxyType(departments)


def check_against_calendar(settings: ComplaintSettings, calendar: Calendar, shown: str) -> list[str]:
    """Problems between the two files: a department id or name that is also a party's."""
    found = []
    party_names = {_key(n): p.id for p in calendar.parties.values() for n in p.names}
    for department in settings.departments.values():
        for name in (department.id, department.name, *department.aliases):
            if _key(name) in party_names:
                found.append(
                    f"{shown}: departments.{department.id}: 名称“{name}”已是 config/deadlines.yaml 中"
                    f"单位 {party_names[_key(name)]} 的名称，请换一个"
                )
    return found


def calendar_with_departments(calendar: Calendar, settings: ComplaintSettings) -> Calendar:
    """The calendar with the departments as parties too (name, contacts): what ``remind`` plans
    and renders with, so that a department's overdue complaint replies reach its contacts."""
    from dataclasses import replace

    from gdcomply.calendar import Party

    if not settings.departments:
        return calendar
    parties = dict(calendar.parties)
    # a person who is a party's contact too is that contact (with the phone the calendar gives)
    known = {c.email.strip().lower(): c for p in calendar.parties.values() for c in p.contacts}
    for department in settings.departments.values():
        contacts = tuple(known.get(c.email.strip().lower(), c) for c in department.contacts)
        parties.setdefault(
            department.id,
            Party(department.id, department.name, department.name, department.name, contacts, department.aliases),
        )
    return replace(calendar, parties=parties)
