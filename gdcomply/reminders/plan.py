"""Which reminder emails are due (pure): rules + calendar + statuses + sent records + as_of.

Stages, per instance and recipient (names as stored in the ledger):
- ``lead-N``: N working days or fewer are left (``working_days_left <= N``, see tracking.py);
  ``lead-0`` is the due date itself.
- ``overdue-K``: a reminder of an overdue instance. The first goes on the first run that finds
  the instance overdue (normally the first working day after the due date); the next one only
  once ``overdue_every_working_days`` (default 2) working days have passed since the last
  overdue reminder of that instance actually sent to that recipient (its ``sent_on``), so two
  overdue sends to one person are never closer than that, whatever runs were missed. ``0``:
  one overdue reminder only. K is the round the overdue working days have reached on the
  schedule (1 on days 0-1, +1 every N days: see ``overdue_round``), but always above the last
  K sent to that recipient, so a name is never reused.
- ``escalation-K``: the same, as a copy to the escalation party's contacts (the company's
  marketing department), once the instance is ``escalate_after_working_days`` overdue; spaced
  by that supervisor's own last escalation copy of the instance.

Catch-up: a run sends, per instance and recipient, only the MOST URGENT stage reached today,
and only if neither it nor a more urgent stage of the same kind was sent before. A missed run
is therefore made up by the next one (lead-5 is sent with 3 days left if the lead-5 day
had no run), and a stale stage is never sent after a more urgent one (after a week without
runs, only lead-0 goes out, not lead-5, lead-2 and lead-0 together). An overdue catch-up
(``overdue-56`` on the first run in months) restarts the spacing: the next round follows
``overdue_every_working_days`` working days after it, not the next day.

Only open, tracked instances are reminded (overdue, due-soon, upcoming, at-risk): a
submission recorded in the ledger stops the reminders of its instance from the next run on.

Complaint replies (gdcomply.complaints.deadlines.reminder_statuses) come in as instances of
the obligation ``complaint-reply``, owed by the responsible unit (a party, or a department
the caller adds to the calendar's parties): their leads are 2 and 0 working days, whatever
the rules say; a reply recorded by a later import stops them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Iterable, Mapping, Sequence

from gdcomply.calendar import Calendar, Instance
from gdcomply.complaints.deadlines import COMPLAINT_REPLY
from gdcomply.complaints.deadlines import REMINDER_LEADS as COMPLAINT_LEADS
from gdcomply.errors import CalendarRangeError
from gdcomply.ledger.model import SentReminder, Submission
from gdcomply.reminders.settings import RemindRules
from gdcomply.tracking import Status, StatusItem, compute_statuses
from gdcomply.workdays.model import RANGE_END, RANGE_START, DayKind
from gdcomply.workdays.workcalendar import WorkCalendar

OPEN_STATUSES = frozenset({Status.OVERDUE, Status.DUE_SOON, Status.UPCOMING, Status.AT_RISK})


class StageKind(str, Enum):
    LEAD = "lead"
    OVERDUE = "overdue"
    ESCALATION = "escalation"


@dataclass(frozen=True)
class Stage:
    kind: StageKind
    number: int  # lead: working days before due; overdue/escalation: the round, from 1

    @property
    def name(self) -> str:
        return f"{self.kind.value}-{self.number}"

    @property
    def track(self) -> str:
        """Lead and overdue reminders go to the same people in one sequence; escalation apart."""
        return "copy" if self.kind is StageKind.ESCALATION else "own"

    @property
    def urgency(self) -> int:
        """Higher is more urgent; within a track, a sent stage covers every less urgent one."""
        if self.kind is StageKind.LEAD:
            return -self.number
        return self.number

    @property
    def label(self) -> str:
        if self.kind is StageKind.LEAD:
            return "截止当天" if self.number == 0 else f"截止前 {self.number} 个工作日"
        if self.kind is StageKind.OVERDUE:
            return f"逾期提醒第 {self.number} 次"
        return f"逾期抄送第 {self.number} 次"

    @classmethod
    def parse(cls, name: str) -> Stage | None:
        kind_text, _, number_text = name.rpartition("-")
        try:
            return cls(StageKind(kind_text), int(number_text))
        except ValueError:
            return None


@dataclass(frozen=True)
class Recipient:
    address: str  # lower-cased: the key in the ledger
    name: str
    parties: tuple[str, ...]  # the parties this address is a contact of


@dataclass(frozen=True)
class ReminderItem:
    """One instance in one email, at one stage."""

    instance: Instance
    stage: Stage
    status: Status
    working_days_left: int | None
    working_days_overdue: int | None
    escalated: bool  # a copy to the escalation party, about someone else's overdue report
    at_risk_from: tuple[str, ...]  # feeding instances that are overdue or late
    due_today: bool  # not overdue and the due date is the run's day (not merely 0 working days left)
    due_day_kind: DayKind  # of the due date: a make-up Saturday is MAKEUP_WORKDAY (the email says 调休上班)
    due_holiday: str | None  # the holiday's name when the due date is one (only with roll: none)


@dataclass(frozen=True)
class PlannedEmail:
    """One recipient's email; its items in the order of what needs doing first (see _item_order)."""

    recipient: Recipient
    items: tuple[ReminderItem, ...]  # due today, own overdue, escalation copies, then what is coming

    @property
    def due_today(self) -> tuple[ReminderItem, ...]:
        return tuple(i for i in self.items if i.due_today)

    @property
    def overdue(self) -> tuple[ReminderItem, ...]:
        return tuple(i for i in self.items if i.status is Status.OVERDUE and not i.escalated)

    @property
    def escalations(self) -> tuple[ReminderItem, ...]:
        return tuple(i for i in self.items if i.escalated)

    @property
    def due_later(self) -> tuple[ReminderItem, ...]:
        return tuple(i for i in self.items if i.status is not Status.OVERDUE and not i.due_today)

    @property
    def upcoming(self) -> tuple[ReminderItem, ...]:
        """Everything not yet overdue, due today included (what templates written before
        `due_today` existed list: keeping its meaning means such a template loses no item)."""
        return tuple(i for i in self.items if i.status is not Status.OVERDUE)

    @property
    def groups(self) -> tuple[tuple[str, tuple[ReminderItem, ...]], ...]:
        """The non-empty groups, most urgent first: due_today, overdue, escalations, due_later."""
        found = (
            ("due_today", self.due_today), ("overdue", self.overdue),
            ("escalations", self.escalations), ("due_later", self.due_later),
        )  # fmt: skip
        return tuple((key, items) for key, items in found if items)


@dataclass(frozen=True)
class RemindPlan:
    as_of: date
    day_kind: DayKind
    skipped_non_working_day: bool  # nothing planned: today is not a working day
    emails: tuple[PlannedEmail, ...]
    warnings: tuple[str, ...]


def lead_stage(working_days_left: int, leads: Sequence[int]) -> Stage | None:
    """The most urgent lead stage reached with this many working days left (None: too early)."""
    reached = [n for n in leads if working_days_left <= n]
    return Stage(StageKind.LEAD, min(reached)) if reached else None


def overdue_round(working_days_overdue: int, every: int) -> int:
    """The round of the overdue reminder due now: 1 on overdue days 0-1, then +1 each `every` days.

    0 working days overdue happens only on a non-working day right after the due date.
    """
    if every <= 0:
        return 1
    return 1 + max(0, working_days_overdue - 1) // every


def next_overdue_stage(
    kind: StageKind,
    working_days_overdue: int,
    every: int,
    last_sent: tuple[int, date] | None,
    *,
    as_of: date,
    workdays: WorkCalendar,
) -> Stage | None:
    """The overdue (or escalation) stage to send one recipient today, or None: not yet / no more.

    `last_sent` is (highest round, latest sent_on) of this kind already sent to this recipient
    about this instance. Nothing sent yet: the round reached on the schedule goes now (catch-up).
    Otherwise a new round goes only once `every` working days have passed since `sent_on`
    (never with `every` 0), numbered at least one above the last one sent.
    """
    reached = overdue_round(working_days_overdue, every)
    if last_sent is None:
        return Stage(kind, reached)
    last_round, last_on = last_sent
    if every <= 0 or last_on >= as_of:
        return None
    try:
        elapsed = workdays.count(last_on, as_of)
    except CalendarRangeError:  # sent before the working-day calendar starts: long ago
        elapsed = every
    if elapsed < every:
        return None
    return Stage(kind, max(reached, last_round + 1))


def schedule_window(as_of: date, rules: RemindRules, tracking_since: date, workdays: WorkCalendar) -> tuple[date, date]:
    """The due dates a run must look at: from the tracking start to past the longest lead."""
    longest = max(rules.lead_working_days, default=0)
    try:
        end = workdays.add(as_of, longest + 1)
    except CalendarRangeError:  # beyond the working-day calendar: stop at its end
        end = RANGE_END
    return max(tracking_since, RANGE_START), min(end, RANGE_END)


def reminder_statuses(
    calendar: Calendar,
    workdays: WorkCalendar,
    submissions: Mapping[str, Sequence[Submission]],
    rules: RemindRules,
    *,
    as_of: date,
    tracking_since: date,
) -> list[StatusItem]:
    """The statuses a reminder run is about (tracking.compute_statuses over the run's window)."""
    start, end = schedule_window(as_of, rules, tracking_since, workdays)
    if end < start:
        return []
    schedule = calendar.schedule(start, end, workdays)
    return compute_statuses(
        schedule.instances, submissions, as_of=as_of, workdays=workdays,
        horizon=max(rules.lead_working_days, default=0), tracking_since=tracking_since,
    )  # fmt: skip


def plan_reminders(
    rules: RemindRules,
    calendar: Calendar,
    statuses: Iterable[StatusItem],
    sent: Iterable[SentReminder],
    *,
    as_of: date,
    workdays: WorkCalendar,
) -> RemindPlan:
    """The emails to send today: one per recipient, listing every item due for them."""
    day_kind = workdays.day_kind(as_of)
    if not workdays.is_working_day(as_of) and not rules.send_on_non_working_days:
        return RemindPlan(as_of, day_kind, True, (), ())

    covered: dict[tuple[str, str, str], int] = {}  # (instance, recipient, track) -> most urgent sent
    # (instance, recipient, overdue/escalation) -> (highest round sent, last sent_on)
    last_overdue: dict[tuple[str, str, StageKind], tuple[int, date]] = {}
    for record in sent:
        stage = Stage.parse(record.stage)
        if stage is None:
            continue
        key = (record.instance_id, record.recipient.lower(), stage.track)
        covered[key] = max(covered.get(key, stage.urgency), stage.urgency)
        if stage.kind is not StageKind.LEAD:
            round_key = (record.instance_id, record.recipient.lower(), stage.kind)
            known = last_overdue.get(round_key)
            if known is None:
                last_overdue[round_key] = (stage.number, record.sent_on)
            else:
                last_overdue[round_key] = (max(known[0], stage.number), max(known[1], record.sent_on))

    def overdue_stage_for(kind: StageKind, instance: Instance, address: str, overdue_days: int) -> Stage | None:
        return next_overdue_stage(
            kind, overdue_days, rules.overdue_every_working_days,
            last_overdue.get((instance.id, address, kind)), as_of=as_of, workdays=workdays,
        )  # fmt: skip

    recipients: dict[str, Recipient] = {}
    items: dict[str, list[ReminderItem]] = {}
    warnings: list[str] = []
    missing_contacts: set[str] = set()

    def contacts_of(party_id: str) -> list[Recipient]:
        party = calendar.parties.get(party_id)
        if party is None:
            return []
        found = []
        for contact in party.contacts:
            address = contact.email.strip().lower()
            known = recipients.get(address)
            if known is None:
                known = Recipient(address, contact.name, (party_id,))
            elif party_id not in known.parties:
                known = Recipient(address, known.name, (*known.parties, party_id))
            recipients[address] = known
            found.append(known)
        return found

    def add(instance: Instance, recipient: Recipient, item: ReminderItem) -> None:
        key = (instance.id, recipient.address, item.stage.track)
        if covered.get(key, -10**9) >= item.stage.urgency:
            return
        items.setdefault(recipient.address, []).append(item)

    for status in statuses:
        if status.status not in OPEN_STATUSES:
            continue
        instance = status.instance
        due_kind = workdays.day_kind(instance.due)
        due_holiday = workdays.holiday_name(instance.due) if due_kind is DayKind.HOLIDAY else None
        overdue = status.status is Status.OVERDUE
        overdue_days = status.working_days_overdue or 0
        lead: Stage | None = None
        if not overdue:
            leads = COMPLAINT_LEADS if instance.obligation == COMPLAINT_REPLY else rules.lead_working_days
            lead = lead_stage(status.working_days_left or 0, leads)
            if lead is None:
                continue
        owners = contacts_of(instance.sender)
        if not owners and instance.sender not in missing_contacts:
            missing_contacts.add(instance.sender)
            warnings.append(
                f"{calendar.party_name(instance.sender)}（{instance.sender}）在期限日历中没有联系人，"
                f"无法提醒其报送事项（如 {instance.title} {instance.period}）。"
                f"请在 config/deadlines.yaml 的 parties.{instance.sender}.contacts 中填写"
            )
        for owner in owners:
            stage = overdue_stage_for(StageKind.OVERDUE, instance, owner.address, overdue_days) if overdue else lead
            if stage is None:
                continue  # the last overdue reminder to this owner is too recent (or it was the only one)
            add(instance, owner, ReminderItem(
                instance, stage, status.status, status.working_days_left, status.working_days_overdue,
                False, status.at_risk_from, not overdue and instance.due == as_of, due_kind, due_holiday,
            ))  # fmt: skip
        if overdue and rules.escalation_enabled and overdue_days >= rules.escalate_after_working_days:
            owner_addresses = {o.address for o in owners}
            for supervisor in contacts_of(rules.escalate_to):
                if supervisor.address in owner_addresses:
                    continue  # already told about it as its owner
                copy = overdue_stage_for(StageKind.ESCALATION, instance, supervisor.address, overdue_days)
                if copy is None:
                    continue
                add(instance, supervisor, ReminderItem(
                    instance, copy, status.status, None, status.working_days_overdue, True, (),
                    False, due_kind, due_holiday,
                ))  # fmt: skip

    emails = []
    for address, found in items.items():
        found.sort(key=_item_order)
        emails.append(PlannedEmail(recipients[address], tuple(found)))
    emails.sort(key=lambda e: e.recipient.address)
    return RemindPlan(as_of, day_kind, False, tuple(emails), tuple(warnings))


def _item_order(item: ReminderItem) -> tuple:
    """What needs doing first: due today, own overdue, escalation copies, then what is coming.

    Due today leads: it can still be on time if it is done today, while an overdue report is
    late already (it stays right below, longest overdue on top: the longest lapse is the one
    the regulator sees most). The escalation copies are someone else's to do, the marketing
    department's to chase; what is due in 2 or 5 working days comes last, soonest first.
    """
    if item.due_today:
        group = 0
    elif item.status is Status.OVERDUE:
        group = 2 if item.escalated else 1
    else:
        group = 3
    return (group, item.instance.due, item.instance.order, item.instance.id)
