"""The deadline calendar: config/deadlines.yaml loaded into frozen models, and its instances.

``load_calendar(path)`` reads and checks the whole file, collecting every problem with its
position (``FILE:LINE:COLUMN: field.path: message``) before raising one ``ConfigError``.
``Calendar.schedule(start, end, workdays)`` turns the rules into dated ``Instance``s:
one per obligation, period, sender and receiver, rolled off non-working days and checked
for squeezed cascades (a unit's due date too close to the date of the report it feeds).

One module of some 870 lines on purpose: the models and the loader that checks every key
of deadlines.yaml change together (a new key is a field and its check), and the module's
place is fixed by the product's design (docs/architecture.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from gdcomply import yamlsource
from gdcomply.errors import CalendarRangeError
from gdcomply.workdays.model import RANGE_END, RANGE_START, CalendarWarning, Roll
from gdcomply.workdays.workcalendar import WorkCalendar
from gdcomply.yamlsource import Node, Problems

PARTY_IDS_HINT = "bureau、company、guiyuan、gongdian"
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")

_TOP_KEYS = frozenset({"version", "defaults", "parties", "obligations"})
_DEFAULT_KEYS = frozenset({"roll", "min_gap_working_days"})
_PARTY_KEYS = frozenset({"name", "short_name", "aliases", "department", "contacts"})
_CONTACT_KEYS = frozenset({"name", "email", "role", "phone"})
_OBLIGATION_KEYS = frozenset(
    {"title", "source", "years", "roll", "min_gap_working_days", "steps", "rounds", "follows", "note"}
)
_YEARS_KEYS = frozenset({"first", "last"})
_STEP_KEYS = frozenset({"from", "to", "also_to", "feeds", "title"})
_ROUND_KEYS = frozenset({"period", "dates", "in_next_year", "inferred", "opens"})
_FOLLOW_KEYS = frozenset({"obligation", "step"})


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    role: str = ""
    # why no mail can be sent to this contact ("FILE:LINE:COLUMN: path: message"), or "".
    # A bad address is not fatal to the calendar: `validate` reports it, and `remind` sends
    # everyone else's mail and names this contact as not sent (one typo must not stop the rest).
    problem: str = ""
    phone: str = ""  # as written (an unquoted 0774… keeps its zero); shown in escalation copies


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    short_name: str
    department: str
    contacts: tuple[Contact, ...]
    aliases: tuple[str, ...] = ()  # other names people use for it (e.g. 桂东电力)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name that identifies this party on the command line: id, names, aliases."""
        return tuple(dict.fromkeys((self.id, self.name, self.short_name, *self.aliases)))


@dataclass(frozen=True)
class Step:
    """One link of a cascade: who reports to whom (no receiver: a milestone or disclosure)."""

    key: str
    senders: tuple[str, ...]
    receiver: str | None
    also_to: tuple[tuple[str, str], ...]  # (sender, extra receiver) on the same date
    feeds: str | None  # key of the step whose report this one feeds
    title: str | None


@dataclass(frozen=True)
class MonthDay:
    month: int
    day: int


@dataclass(frozen=True)
class Round:
    period: str | None  # "R1", "H2"…; None for once-a-year obligations (label = the year)
    dates: tuple[tuple[str, MonthDay], ...]  # step key -> month and day
    in_next_year: bool
    inferred: tuple[tuple[str, str], ...]  # step key -> note why the date is inferred
    # the first day a submission for this round can be made (in the year of its due dates):
    # connection data for a half-year only once it has ended; None: January 1 of the period's year
    opens: MonthDay | None = None


@dataclass(frozen=True)
class Follow:
    obligation: str
    step: str


@dataclass(frozen=True)
class Obligation:
    id: str
    title: str
    source: str
    first_year: int
    last_year: int | None
    roll: Roll
    min_gap: int
    steps: tuple[Step, ...]
    rounds: tuple[Round, ...]
    follows: tuple[Follow, ...]
    note: str


@dataclass(frozen=True)
class Instance:
    """One dated report (or milestone) that one party owes, for one period."""

    id: str
    obligation: str
    title: str
    period: str
    sender: str
    receiver: str | None
    nominal: date
    due: date
    rolled: bool
    inferred: bool
    inferred_note: str
    parent: str | None
    squeeze_gap: int | None  # working days to the parent's due date, when below the minimum
    source: str
    order: int  # position of the obligation and step in the file, for stable sorting
    opens: date  # a submission dated before this day cannot be for this instance

    @property
    def is_milestone(self) -> bool:
        return self.receiver is None


@dataclass(frozen=True)
class Schedule:
    start: date
    end: date
    instances: tuple[Instance, ...]
    warnings: tuple[CalendarWarning, ...]


@dataclass(frozen=True)
class Calendar:
    path: Path
    roll: Roll
    min_gap: int
    parties: dict[str, Party]
    obligations: tuple[Obligation, ...]

    def contact_problems(self) -> tuple[str, ...]:
        """Every contact that cannot be mailed, with where it is and why."""
        return tuple(c.problem for p in self.parties.values() for c in p.contacts if c.problem)

    def party_name(self, party_id: str | None) -> str:
        if party_id is None:
            return "—"
        party = self.parties.get(party_id)
        return party.short_name if party else party_id

    def party_names(self) -> dict[str, str]:
        """Each party's id and its short name (a shared ledger's refusals name both sides)."""
        return {party_id: party.short_name for party_id, party in self.parties.items()}

    def resolve_party(self, text: str) -> str | None:
        """The id of the party named by its id, full name, short name or an alias; None if unknown.

        Ids match without regard to case; names ignore surrounding and inner spaces
        (“桂源 公司” is 桂源公司). Names are unique across parties (the loader checks it).
        """
        wanted = _name_key(text)
        if not wanted:
            return None
        for party in self.parties.values():
            if any(_name_key(name) == wanted for name in party.names):
                return party.id
        return None

    def obligation(self, obligation_id: str) -> Obligation | None:
        return next((o for o in self.obligations if o.id == obligation_id), None)

    def schedule(self, start: date, end: date, workdays: WorkCalendar) -> Schedule:
        """Every instance whose due date falls in [start, end], sorted by due date."""
        if start < RANGE_START or end > RANGE_END:
            raise CalendarRangeError(
                f"日期范围 {start.isoformat()} 至 {end.isoformat()} 超出工作日历支持的范围"
                f"（{RANGE_START.isoformat()} 至 {RANGE_END.isoformat()}）"
            )
        # periods of the year before (half-years due in January) and of the year after (a
        # 01-01 date rolled back to December) can fall due inside the range
        instances = [
            i for i in self.instances_for_years(start.year - 1, end.year + 1, workdays) if start <= i.due <= end
        ]
        instances.sort(key=lambda i: (i.due, i.order, i.id))
        return Schedule(start, end, tuple(instances), tuple(schedule_warnings(self, instances, workdays)))

    def instances_for_years(self, first: int, last: int, workdays: WorkCalendar) -> list[Instance]:
        """All instances of the periods that start in the years first..last (inclusive)."""
        result: list[Instance] = []
        by_obligation: dict[tuple[str, str], list[Instance]] = {}
        for index, obligation in enumerate(self.obligations):
            if obligation.follows:
                continue
            made = _instances_of(obligation, index, first, last, workdays)
            result.extend(made)
            for step_index, step in enumerate(obligation.steps):
                by_obligation[(obligation.id, step.key)] = [
                    i for i in made if i.order == index * 100 + step_index
                ]
        for index, obligation in enumerate(self.obligations):
            if not obligation.follows:
                continue
            step = obligation.steps[0]
            seen: set[str] = set()
            for follow in obligation.follows:
                for followed in by_obligation.get((follow.obligation, follow.step), []):
                    for sender in step.senders:
                        instance_id = f"{obligation.id}/{followed.period}/{sender}"
                        if instance_id in seen:
                            continue  # one disclosure per period, however many reports it follows
                        seen.add(instance_id)
                        result.append(
                            Instance(
                                id=instance_id,
                                obligation=obligation.id,
                                title=obligation.title,
                                period=followed.period,
                                sender=sender,
                                receiver=None,
                                nominal=followed.nominal,
                                due=followed.due,
                                rolled=followed.rolled,
                                inferred=followed.inferred,
                                inferred_note=followed.inferred_note,
                                parent=None,
                                squeeze_gap=None,
                                source=obligation.source,
                                order=index * 100,
                                opens=followed.opens,
                            )
                        )
        return result


def _instances_of(
    obligation: Obligation, index: int, first: int, last: int, workdays: WorkCalendar
) -> list[Instance]:
    years_from = max(first, obligation.first_year)
    years_to = min(last, obligation.last_year if obligation.last_year is not None else last)
    made: list[Instance] = []
    for year in range(years_from, years_to + 1):
        for round_ in obligation.rounds:
            period = f"{year}-{round_.period}" if round_.period else str(year)
            due_year = year + (1 if round_.in_next_year else 0)
            dates = dict(round_.dates)
            inferred = dict(round_.inferred)
            if due_year > RANGE_END.year:
                continue  # beyond the working-day calendar; never inside a valid range
            opens = (
                date(due_year, round_.opens.month, round_.opens.day) if round_.opens else date(year, 1, 1)
            )
            dated: dict[str, tuple[date, date]] = {}
            for step in obligation.steps:
                md = dates[step.key]
                nominal = date(due_year, md.month, md.day)
                dated[step.key] = (nominal, workdays.roll(nominal, obligation.roll))
            for step_index, step in enumerate(obligation.steps):
                nominal, due = dated[step.key]
                parent_due: date | None = None
                parent_id_for: dict[str, str | None] = {}
                if step.feeds is not None:
                    feeds = next(s for s in obligation.steps if s.key == step.feeds)
                    parent_due = dated[feeds.key][1]
                    for sender in step.senders:
                        parent_sender = step.receiver if step.receiver in feeds.senders else feeds.senders[0]
                        parent_id_for[sender] = _instance_id(
                            obligation.id, period, parent_sender, feeds.receiver
                        )
                title = obligation.title + (f"（{step.title}）" if step.title else "")
                gap = workdays.count(due, parent_due) if parent_due is not None else None
                squeeze = gap if gap is not None and gap < obligation.min_gap else None
                receivers_of = {s: [step.receiver] for s in step.senders}
                for sender, extra in step.also_to:
                    receivers_of[sender].append(extra)
                for sender in step.senders:
                    for receiver in receivers_of[sender]:
                        direct = receiver == step.receiver
                        made.append(
                            Instance(
                                id=_instance_id(obligation.id, period, sender, receiver),
                                obligation=obligation.id,
                                title=title,
                                period=period,
                                sender=sender,
                                receiver=receiver,
                                nominal=nominal,
                                due=due,
                                rolled=due != nominal,
                                inferred=step.key in inferred,
                                inferred_note=inferred.get(step.key, ""),
                                parent=parent_id_for.get(sender) if direct else None,
                                squeeze_gap=squeeze if direct else None,
                                source=obligation.source,
                                order=index * 100 + step_index,
                                opens=opens,
                            )
                        )
    return made


def _instance_id(obligation: str, period: str, sender: str, receiver: str | None) -> str:
    return f"{obligation}/{period}/{sender}->{receiver}" if receiver else f"{obligation}/{period}/{sender}"


def schedule_warnings(
    calendar: Calendar, instances: list[Instance] | tuple[Instance, ...], workdays: WorkCalendar
) -> list[CalendarWarning]:
    """Provisional years the instances depend on, and every squeezed cascade."""
    warnings: list[CalendarWarning] = []
    if instances:
        days = [d for i in instances for d in (i.nominal, i.due)]
        warnings.extend(workdays.warnings_for(min(days), max(days)))
    by_id = {i.id: i for i in instances}
    for instance in instances:
        if instance.squeeze_gap is None:
            continue
        parent = by_id.get(instance.parent or "")
        parent_text = f"（{parent.due.isoformat()}）" if parent else ""
        obligation = calendar.obligation(instance.obligation)
        minimum = obligation.min_gap if obligation else calendar.min_gap
        warnings.append(
            CalendarWarning(
                "squeeze",
                f"{instance.title} {instance.period}：{calendar.party_name(instance.sender)}"
                f"报{calendar.party_name(instance.receiver)}的期限 {instance.due.isoformat()} "
                f"与其所汇入的上报期限{parent_text}只相隔 {instance.squeeze_gap} 个工作日"
                f"（至少应为 {minimum} 个），汇总时间被挤压",
            )
        )
    return warnings


def instance_to_json(instance: Instance) -> dict[str, Any]:
    """The stable JSON form of an instance (keys fixed: other tools read them)."""
    return {
        "id": instance.id,
        "obligation": instance.obligation,
        "title": instance.title,
        "period": instance.period,
        "from": instance.sender,
        "to": instance.receiver,
        "nominal": instance.nominal.isoformat(),
        "due": instance.due.isoformat(),
        "rolled": instance.rolled,
        "inferred": instance.inferred,
        "parent": instance.parent,
        "squeeze": None if instance.squeeze_gap is None else {"gap_working_days": instance.squeeze_gap},
        "source": instance.source,
    }


# -- loading -------------------------------------------------------------------------------


def load_calendar(path: Path, display: str | None = None) -> Calendar:
    """Load and check deadlines.yaml; a ConfigError lists every problem with its position."""
    root, problems = yamlsource.load(path, display)
    calendar = _parse(root, path, problems, display or str(path))
    problems.raise_if_any(f"期限日历 {display or path} 有错误")
    assert calendar is not None
    return calendar


@dataclass
class _Parser:
    problems: Problems
    source: str
    party_ids: set[str] = field(default_factory=set)


def _parse(root: Node | None, path: Path, problems: Problems, shown: str) -> Calendar | None:
    if root is None:
        if not problems.items:
            problems.add(None, "文件为空，应包含 parties 和 obligations", where=shown)
        return None
    if not yamlsource.expect_map(root, problems):
        return None
    yamlsource.check_keys(root, _TOP_KEYS, problems)
    version = root.get("version")
    if version is not None and version.value != 1:
        problems.add(version, f"不支持的版本“{version.shown}”，本程序只认识 version: 1")

    roll, min_gap = Roll.PRECEDING, 1
    defaults = root.get("defaults")
    if defaults is not None and yamlsource.expect_map(defaults, problems):
        yamlsource.check_keys(defaults, _DEFAULT_KEYS, problems)
        roll = _roll(defaults.get("roll"), problems) or roll
        min_gap = _non_negative_int(defaults.get("min_gap_working_days"), problems, min_gap)

    parties = _parse_parties(_required(root, "parties", problems), problems)
    obligations_node = _required(root, "obligations", problems)
    obligations: list[Obligation] = []
    if obligations_node is not None and yamlsource.expect_map(obligations_node, problems):
        for obligation_id, node in obligations_node.value.items():
            obligation = _parse_obligation(obligation_id, node, set(parties), roll, min_gap, problems)
            if obligation is not None:
                obligations.append(obligation)
        _check_follows(obligations, obligations_node, problems)
    return Calendar(path, roll, min_gap, parties, tuple(obligations))


def _required(node: Node, key: str, problems: Problems, what: str = "") -> Node | None:
    child = node.get(key)
    if child is None:
        problems.add(node, f"缺少必需的字段 {key}{what}")
    return child


def _roll(node: Node | None, problems: Problems) -> Roll | None:
    if node is None:
        return None
    try:
        return Roll(str(node.value))
    except ValueError:
        problems.add(
            node,
            f"顺延规则“{node.shown}”无效，应为 preceding（提前到前一个工作日）、"
            f"following（顺延到后一个工作日）或 none（不调整）",
        )
        return None


def _non_negative_int(node: Node | None, problems: Problems, default: int) -> int:
    if node is None:
        return default
    if isinstance(node.value, bool) or not isinstance(node.value, int) or node.value < 0:
        problems.add(node, f"“{node.shown}”应为不小于 0 的整数（工作日数）")
        return default
    if node.value > 250:  # about a year of working days; more would run past the calendar's range
        problems.add(node, f"“{node.shown}”太大，应为 0 到 250 之间的整数（工作日数）")
        return default
    return node.value


def _name_key(text: str) -> str:
    """A party name as compared: no spaces (ASCII or ideographic), ids in lower case."""
    return re.sub(r"\s+", "", text).lower()


def _parse_parties(node: Node | None, problems: Problems) -> dict[str, Party]:
    parties: dict[str, Party] = {}
    if node is None or not yamlsource.expect_map(node, problems):
        return parties
    owners: dict[str, str] = {}  # name key -> the party it already names
    for party_id, entry in node.value.items():
        if not re.fullmatch(r"[a-z][a-z0-9-]*", party_id):
            problems.add(entry, f"单位标识“{party_id}”只能使用小写英文字母、数字和连字符", at_key=True)
            continue
        if not yamlsource.expect_map(entry, problems):
            continue
        yamlsource.check_keys(entry, _PARTY_KEYS, problems)
        name_node = _required(entry, "name", problems, "（单位中文名称）")
        name = yamlsource.expect_str(name_node, problems) if name_node else None
        short_node = entry.get("short_name")
        short = yamlsource.expect_str(short_node, problems) if short_node else None
        department_node = entry.get("department")
        department = yamlsource.expect_str(department_node, problems) if department_node else None
        contacts: list[Contact] = []
        contacts_node = entry.get("contacts")
        if contacts_node is not None and contacts_node.value is not None:
            if contacts_node.kind != "seq":
                problems.add(contacts_node, "应为联系人列表（每项含 name 和 email）")
            else:
                for contact_node in contacts_node.value:
                    contact = parse_contact(contact_node, problems)
                    if contact is not None:
                        contacts.append(contact)
        aliases = _parse_aliases(entry.get("aliases"), problems)
        party = Party(
            party_id, name or party_id, short or name or party_id, department or "", tuple(contacts),
            tuple(text for text, _ in aliases),
        )  # fmt: skip
        named_at = {party_id: entry, party.name: name_node or entry, party.short_name: short_node or entry}
        named_at.update((text, alias_node) for text, alias_node in aliases)
        for text in party.names:
            owner = owners.setdefault(_name_key(text), party_id)
            if owner != party_id:
                problems.add(
                    named_at.get(text, entry),
                    f"名称“{text}”已用于单位 {owner}（{parties[owner].short_name}）：一个名称只能指一个单位",
                )
        parties[party_id] = party
    return parties


def _parse_aliases(node: Node | None, problems: Problems) -> list[tuple[str, Node]]:
    """The aliases list: each a non-empty name, with its node for positioned errors."""
    if node is None or node.value is None:
        return []
    if node.kind != "seq":
        problems.add(node, "应为名称列表，如 [桂东电力]")
        return []
    aliases = []
    for item in node.value:
        text = yamlsource.expect_str(item, problems, required_text="单位名称")
        if text is not None and text.strip():
            aliases.append((text.strip(), item))
        elif text is not None:
            problems.add(item, "单位名称不能为空")
    return aliases


def parse_contact(node: Node, problems: Problems) -> Contact | None:
    if not yamlsource.expect_map(node, problems, "联系人（含 name 和 email）"):
        return None
    yamlsource.check_keys(node, _CONTACT_KEYS, problems)
    name_node = _required(node, "name", problems, "（联系人姓名）")
    email_node = _required(node, "email", problems, "（联系人邮箱）")
    name = yamlsource.expect_str(name_node, problems) if name_node else None
    email = yamlsource.expect_str(email_node, problems) if email_node else None
    role_node = node.get("role")
    role = yamlsource.expect_str(role_node, problems) if role_node else None
    phone_node = node.get("phone")
    phone = _phone(phone_node, problems) if phone_node else None
    if name is None or email is None:
        return None
    problem = ""
    name_problem, email_problem = display_name_problem(name), address_problem(email)
    if email_problem and email_node is not None:
        problem = f"{email_node.where}: {email_node.path}: {email_problem}"
    elif name_problem and name_node is not None:
        problem = f"{name_node.where}: {name_node.path}: {name_problem}"
    return Contact(name, email, role or "", problem, phone or "")


MAX_PHONE_LENGTH = 40


def _phone(node: Node, problems: Problems) -> str | None:
    """A contact's phone number as the user wrote it (YAML would read 07745281234 as a number).

    Lenient on purpose (extensions, spaces, 转): one line with a digit in it, for a person to dial.
    """
    hint = "应为一行电话号码，如 0774-5288888 或 138 0013 8000"
    if node.kind != "scalar" or node.value is None:
        problems.add(node, hint)
        return None
    text = node.text.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        problems.add(node, f"电话号码中有换行或控制字符：{hint}")
        return None
    if not any(c.isdigit() for c in text) or len(text) > MAX_PHONE_LENGTH:
        problems.add(node, f"“{text}”不是电话号码：{hint}（不超过 {MAX_PHONE_LENGTH} 个字符）")
        return None
    return text


def address_problem(text: str) -> str | None:
    """Why text is not one plain mail address (user@example.com), in Chinese; None if it is one.

    The stdlib's RFC 5322 parser (email.headerregistry) decides, plus what a mail server here
    needs: a dot in the domain and an ASCII user name (no SMTPUTF8).
    """
    from email import errors
    from email.headerregistry import Address

    hint = "应只写一个邮箱地址，如 zhangsan@example.com（不要加姓名、尖括号、逗号、分号或空格）"
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return f"邮箱地址中有换行或控制字符：{hint}"
    try:
        address = Address(addr_spec=text)
    except (ValueError, IndexError, errors.MessageError):
        return f"“{text}”不是有效的邮箱地址：{hint}"
    domain = address.domain
    if (
        address.addr_spec != text or not address.username or not address.username.isascii()
        or "." not in domain or domain.startswith(("[", "-", ".")) or domain.endswith((".", "-"))
    ):  # fmt: skip
        return f"“{text}”不是有效的邮箱地址：{hint}"
    return None


def display_name_problem(text: str) -> str | None:
    """A name shown in a To: header must be one line of text."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return "姓名中有换行或控制字符（请改为一行文字）"
    return None


def _party_ref(node: Node, known: set[str], problems: Problems) -> str | None:
    value = yamlsource.expect_str(node, problems, required_text="单位标识")
    if value is None:
        return None
    if value not in known:
        problems.add(node, f"未知的单位“{value}”（已定义的单位：{'、'.join(sorted(known)) or '无'}）")
        return None
    return value


def _parse_obligation(
    obligation_id: str,
    node: Node,
    party_ids: set[str],
    default_roll: Roll,
    default_gap: int,
    problems: Problems,
) -> Obligation | None:
    if not re.fullmatch(r"[a-z][a-z0-9-]*", obligation_id):
        problems.add(node, f"事项标识“{obligation_id}”只能使用小写英文字母、数字和连字符", at_key=True)
        return None
    if not yamlsource.expect_map(node, problems):
        return None
    yamlsource.check_keys(node, _OBLIGATION_KEYS, problems)
    title_node = _required(node, "title", problems, "（事项中文名称）")
    source_node = _required(node, "source", problems, "（依据的方案条款，如 三(四)）")
    title = yamlsource.expect_str(title_node, problems) if title_node else None
    source = yamlsource.expect_str(source_node, problems) if source_node else None
    roll = _roll(node.get("roll"), problems) or default_roll
    min_gap = _non_negative_int(node.get("min_gap_working_days"), problems, default_gap)
    note_node = node.get("note")
    note = (yamlsource.expect_str(note_node, problems) if note_node else None) or ""

    steps_node = _required(node, "steps", problems)
    steps = _parse_steps(steps_node, party_ids, problems)
    step_keys = set(steps_node.value) if steps_node is not None and steps_node.kind == "map" else set()
    follows: list[Follow] = []
    follows_node = node.get("follows")
    rounds_node = node.get("rounds")
    first_year, last_year = RANGE_START.year, None
    if follows_node is not None:
        follows = [follow for follow, _ in _parse_follows(follows_node, problems)]
        if rounds_node is not None:
            problems.add(rounds_node, "有 follows（跟随其他事项的日期）时不能再给出 rounds")
        if len(step_keys) != 1 or any(s.receiver for s in steps):
            problems.add(node, "有 follows 的事项只能有一个没有接收方（to）的步骤")
        rounds: list[Round] = []
    else:
        first_year, last_year = _parse_years(_required(node, "years", problems), problems)
        rounds = _parse_rounds(_required(node, "rounds", problems), step_keys, problems)
    if title is None or source is None or not steps:
        return None
    return Obligation(
        obligation_id, title, source, first_year, last_year, roll, min_gap,
        tuple(steps), tuple(rounds), tuple(follows), note,
    )  # fmt: skip


def _parse_years(node: Node | None, problems: Problems) -> tuple[int, int | None]:
    if node is None:
        return RANGE_START.year, None
    if node.kind == "scalar":
        year = _year(node, problems)
        return (year, year) if year is not None else (RANGE_START.year, None)
    if not yamlsource.expect_map(node, problems, "年份（如 2018）或 {first: 2018, last: 2020}"):
        return RANGE_START.year, None
    yamlsource.check_keys(node, _YEARS_KEYS, problems)
    first_node = _required(node, "first", problems, "（第一年）")
    first = _year(first_node, problems) if first_node else None
    last_node = node.get("last")
    last = _year(last_node, problems) if last_node else None
    if first is not None and last is not None and last < first:
        problems.add(last_node, f"最后一年 {last} 早于第一年 {first}")
    return (first if first is not None else RANGE_START.year), last


def _year(node: Node, problems: Problems) -> int | None:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or not (
        RANGE_START.year <= value <= RANGE_END.year
    ):
        problems.add(node, f"“{node.shown}”不是 {RANGE_START.year} 至 {RANGE_END.year} 之间的年份")
        return None
    return value


def _parse_steps(node: Node | None, party_ids: set[str], problems: Problems) -> list[Step]:
    steps: list[Step] = []
    if node is None or not yamlsource.expect_map(node, problems, "以步骤名为键的映射"):
        return steps
    for key, entry in node.value.items():
        if not yamlsource.expect_map(entry, problems):
            continue
        yamlsource.check_keys(entry, _STEP_KEYS, problems)
        senders: list[str] = []
        from_node = _required(entry, "from", problems, "（报送单位）")
        if from_node is not None:
            items = from_node.value if from_node.kind == "seq" else [from_node]
            if not items:
                problems.add(from_node, "报送单位列表不能为空")
            for item in items:
                party = _party_ref(item, party_ids, problems)
                if party is not None:
                    if party in senders:
                        problems.add(item, f"报送单位“{party}”重复")
                    senders.append(party)
        receiver = None
        to_node = entry.get("to")
        has_receiver = to_node is not None and to_node.value is not None
        if has_receiver:
            receiver = _party_ref(to_node, party_ids, problems)
        also: list[tuple[str, str]] = []
        also_node = entry.get("also_to")
        if also_node is not None and yamlsource.expect_map(also_node, problems, "“报送单位: 另一接收单位”的映射"):
            for sender_key, extra_node in also_node.value.items():
                if sender_key not in senders:
                    problems.add(extra_node, f"“{sender_key}”不是本步骤的报送单位（from）", at_key=True)
                    continue
                extra = _party_ref(extra_node, party_ids, problems)
                if extra is not None:
                    if not has_receiver:
                        problems.add(extra_node, "没有接收方（to）的步骤不能有 also_to")
                    elif extra == receiver:
                        problems.add(extra_node, f"“{extra}”已是本步骤的接收方")
                    elif receiver is not None:  # (a wrong receiver is reported already)
                        also.append((sender_key, extra))
        feeds_node = entry.get("feeds")
        feeds = yamlsource.expect_str(feeds_node, problems, required_text="步骤名") if feeds_node else None
        title_node = entry.get("title")
        title = yamlsource.expect_str(title_node, problems) if title_node else None
        # a step with a wrong party is left out (its problem is reported); other checks know
        # it exists through the keys of the steps mapping, so they do not report it missing
        if senders and (receiver is not None or not has_receiver):
            steps.append(Step(key, tuple(senders), receiver, tuple(also), feeds, title))
    # an instance id is obligation/period/sender->receiver: two steps with the same route
    # would give two instances one id
    routes: dict[tuple[str, str | None], str] = {}
    for step in steps:
        pairs = [(sender, step.receiver) for sender in step.senders] + list(step.also_to)
        for sender, receiver in pairs:
            first = routes.setdefault((sender, receiver), step.key)
            if first != step.key:
                route = f"{sender}→{receiver}" if receiver else f"{sender}（无接收方）"
                problems.add(
                    node.value[step.key],
                    f"报送路线 {route} 已在步骤“{first}”中出现；同一事项中每条报送路线只能属于一个步骤",
                    at_key=True,
                )
    keys = set(node.value)
    parsed = {s.key for s in steps}
    for step in steps:
        if step.feeds is None:
            continue
        where = node.value[step.key].get("feeds")
        if step.feeds not in keys:
            problems.add(where, f"汇入的步骤“{step.feeds}”不存在（本事项的步骤：{'、'.join(sorted(keys))}）")
        elif step.feeds not in parsed:
            continue  # that step has problems of its own
        elif step.feeds == step.key:
            problems.add(where, "步骤不能汇入自身")
        elif step.receiver is None:
            problems.add(where, "没有接收方（to）的步骤不能汇入其他步骤")
        else:
            target = next(s for s in steps if s.key == step.feeds)
            if step.receiver not in target.senders:
                problems.add(
                    where,
                    f"本步骤报送给“{step.receiver}”，但步骤“{step.feeds}”的报送单位中没有它，无法汇入",
                )
    return steps


def _parse_rounds(node: Node | None, step_keys: set[str], problems: Problems) -> list[Round]:
    rounds: list[Round] = []
    if node is None:
        return rounds
    if node.kind != "seq" or not node.value:
        problems.add(node, "应为期次列表（每项含 dates，可选 period、in_next_year、inferred、opens）")
        return rounds
    seen: dict[str | None, Node] = {}
    for entry in node.value:
        if not yamlsource.expect_map(entry, problems):
            continue
        yamlsource.check_keys(entry, _ROUND_KEYS, problems)
        period_node = entry.get("period")
        period = yamlsource.expect_str(period_node, problems, required_text="期次名") if period_node else None
        if period is not None and not re.fullmatch(r"[A-Za-z0-9]+", period):
            problems.add(period_node, f"期次名“{period}”只能使用英文字母和数字（如 R1、H2）")
        if period in seen:
            problems.add(period_node or entry, f"期次“{period or '（按年）'}”重复（第一次在第 {seen[period].line} 行）")
        seen[period] = entry
        next_node = entry.get("in_next_year")
        in_next_year = False
        if next_node is not None:
            if not isinstance(next_node.value, bool):
                problems.add(next_node, "应为 true 或 false")
            else:
                in_next_year = next_node.value
        dates: list[tuple[str, MonthDay]] = []
        dates_node = _required(entry, "dates", problems, "（各步骤的日期，如 {units: 06-08, company: 06-10}）")
        if dates_node is not None and yamlsource.expect_map(dates_node, problems):
            for step_key, date_node in dates_node.value.items():
                if step_key not in step_keys:
                    problems.add(date_node, f"未知的步骤“{step_key}”（本事项的步骤：{'、'.join(sorted(step_keys))}）", at_key=True)
                    continue
                month_day = _month_day(date_node, problems)
                if month_day is not None:
                    dates.append((step_key, month_day))
            for missing in sorted(step_keys - {k for k, _ in dates} - set(dates_node.value)):
                problems.add(dates_node, f"缺少步骤“{missing}”的日期")
        inferred: list[tuple[str, str]] = []
        inferred_node = entry.get("inferred")
        if inferred_node is not None and yamlsource.expect_map(inferred_node, problems, "“步骤名: 推定理由”的映射"):
            for step_key, note_node in inferred_node.value.items():
                if step_key not in step_keys:
                    problems.add(note_node, f"未知的步骤“{step_key}”", at_key=True)
                    continue
                note = yamlsource.expect_str(note_node, problems, required_text="推定理由")
                if note:
                    inferred.append((step_key, note))
        opens: MonthDay | None = None
        opens_node = entry.get("opens")
        if opens_node is not None:
            opens = _month_day(opens_node, problems)
            late = [key for key, md in dates if opens is not None and (md.month, md.day) < (opens.month, opens.day)]
            if late:
                problems.add(opens_node, f"开始报送日期晚于步骤“{'、'.join(late)}”的期限")
        rounds.append(Round(period, tuple(dates), in_next_year, tuple(inferred), opens))
    return rounds


def _month_day(node: Node, problems: Problems) -> MonthDay | None:
    value = node.value
    text = value.isoformat() if isinstance(value, date) else node.shown
    match = _MONTH_DAY.match(text)
    if not match:
        problems.add(node, f"“{text}”不是月-日格式的日期（应为 MM-DD，如 06-08）")
        return None
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(2001, month, day)  # a common year: 02-29 does not exist every year
    except ValueError:
        extra = "（02-29 不是每年都有）" if (month, day) == (2, 29) else ""
        problems.add(node, f"“{text}”不是有效的日期{extra}")
        return None
    return MonthDay(month, day)


def _parse_follows(node: Node, problems: Problems) -> list[tuple[Follow, Node]]:
    """Each valid entry with its node (entries with problems are reported and left out)."""
    follows: list[tuple[Follow, Node]] = []
    if node.kind != "seq":
        problems.add(node, "应为列表（每项含 obligation 和 step）")
        return follows
    for entry in node.value:
        if not yamlsource.expect_map(entry, problems):
            continue
        yamlsource.check_keys(entry, _FOLLOW_KEYS, problems)
        obligation_node = _required(entry, "obligation", problems)
        step_node = _required(entry, "step", problems)
        obligation = yamlsource.expect_str(obligation_node, problems) if obligation_node else None
        step = yamlsource.expect_str(step_node, problems) if step_node else None
        if obligation and step:
            follows.append((Follow(obligation, step), entry))
    return follows


def _check_follows(obligations: list[Obligation], node: Node, problems: Problems) -> None:
    by_id = {o.id: o for o in obligations}
    for obligation in obligations:
        if not obligation.follows:
            continue
        # the entries again, with their nodes (their problems were reported the first time)
        entries = _parse_follows(node.value[obligation.id].get("follows"), Problems())
        for follow, where in entries:
            target = by_id.get(follow.obligation)
            if target is None:
                problems.add(where, f"跟随的事项“{follow.obligation}”不存在")
            elif target.follows:
                problems.add(where, f"跟随的事项“{follow.obligation}”本身也是跟随型事项，不能再被跟随")
            elif follow.step not in {s.key for s in target.steps}:
                problems.add(where, f"事项“{follow.obligation}”中没有步骤“{follow.step}”")
