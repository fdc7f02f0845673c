"""Reply (and closure) deadlines of complaints, and ``complaints check``: statuses as of a day.

A reply is due ``limit`` working days after the complaint was received: ``add(received,
limit)``, the project's one working-day convention (docs/architecture.md): the day of
receipt does not count, a 调休 Saturday does, holidays do not. As everywhere, ``as_of``
replays the past: complaints received after it and replies (closures) dated after it are
ignored. A complaint belongs to the period (half-year) in which it was received.

Statuses: ``open`` (no reply yet, not yet due), ``overdue`` (no reply and the due day is
past), ``on-time`` (replied on or before the due day), ``late`` (replied after it).
Working days left = count(as_of, due); overdue = count(due, as_of); late = count(due, replied).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any, Iterable

from gdcomply.complaints.model import Complaint, ReportPeriod, mask_phone
from gdcomply.complaints.settings import DEFAULT_REPLY_WORKING_DAYS, ComplaintSettings, Limits

if TYPE_CHECKING:
    from gdcomply.tracking import StatusItem
    from gdcomply.workdays.model import CalendarWarning
    from gdcomply.workdays.workcalendar import WorkCalendar


class Status(Enum):
    OPEN = "open"
    OVERDUE = "overdue"
    ON_TIME = "on-time"
    LATE = "late"

    @property
    def label(self) -> str:
        return {"open": "未答复", "overdue": "已超期", "on-time": "按时", "late": "超期答复"}[self.value]


STATUS_ORDER = (Status.OVERDUE, Status.OPEN, Status.LATE, Status.ON_TIME)


@dataclass(frozen=True)
class Deadline:
    """One deadline of a complaint (its reply, or its closure) as of a day."""

    limit: int
    due: date
    done: date | None  # the reply (closure) date, None when not done by as_of
    status: Status
    working_days_left: int | None  # open: working days until the due day (0: due today)
    working_days_overdue: int | None  # overdue: working days past the due day
    working_days_late: int | None  # late: working days the reply came after the due day


def deadline(calendar: WorkCalendar, received: date, limit: int, done: date | None, as_of: date) -> Deadline:
    """The deadline limit working days after received, as of as_of (done after as_of: not done)."""
    due = calendar.add(received, limit)
    if done is not None and done <= as_of:
        if done <= due:
            return Deadline(limit, due, done, Status.ON_TIME, None, None, None)
        return Deadline(limit, due, done, Status.LATE, None, None, calendar.count(due, done))
    if as_of > due:  # the end of the due day has passed
        return Deadline(limit, due, None, Status.OVERDUE, None, calendar.count(due, as_of), None)
    return Deadline(limit, due, None, Status.OPEN, calendar.count(as_of, due), None, None)


@dataclass(frozen=True)
class ComplaintStatus:
    """A complaint with its reply deadline (and its closure deadline, where a limit is set)."""

    complaint: Complaint
    reply: Deadline
    closure: Deadline | None


def status_of(
    complaint: Complaint, calendar: WorkCalendar, settings: ComplaintSettings, as_of: date
) -> ComplaintStatus:
    reply_limit = settings.reply.limit(complaint.source, complaint.category) or DEFAULT_REPLY_WORKING_DAYS
    reply = deadline(calendar, complaint.received, reply_limit, complaint.replied, as_of)
    return ComplaintStatus(complaint, reply, _closure(complaint, calendar, settings.closure, as_of))


def _closure(complaint: Complaint, calendar: WorkCalendar, limits: Limits, as_of: date) -> Deadline | None:
    limit = limits.limit(complaint.source, complaint.category)
    if limit is None:
        return None
    return deadline(calendar, complaint.received, limit, complaint.closed, as_of)


@dataclass(frozen=True)
class ComplaintCheck:
    """``complaints check``: the open complaints (any period) and the replies of the current period."""

    as_of: date
    period: ReportPeriod  # the half-year containing as_of
    unit: str | None
    items: tuple[ComplaintStatus, ...]  # overdue first, then open by due day, late, on time
    closure_tracked: bool
    warnings: tuple[CalendarWarning, ...]

    def count(self, status: Status) -> int:
        return sum(1 for item in self.items if item.reply.status is status)

    @property
    def summary(self) -> dict[str, int]:
        return {status.value: self.count(status) for status in STATUS_ORDER}

    def shown(self) -> list[ComplaintStatus]:
        """The lines of the table: open and overdue complaints, and replies that came late."""
        return [item for item in self.items if item.reply.status is not Status.ON_TIME]


def check_complaints(
    complaints: Iterable[Complaint], calendar: WorkCalendar, settings: ComplaintSettings, *,
    as_of: date, unit: str | None = None,
) -> ComplaintCheck:  # fmt: skip
    """Every complaint received by as_of that is unanswered, or was received in the current period."""
    period = ReportPeriod.half_year(as_of)
    start = period.start
    items = []
    earliest = as_of
    for complaint in complaints:
        received = complaint.received
        if received > as_of or (unit is not None and complaint.unit != unit):
            continue
        replied = complaint.replied
        if received < start and replied is not None and replied <= as_of:
            continue  # answered, and of an earlier period
        items.append(status_of(complaint, calendar, settings, as_of))
        if received < earliest:
            earliest = received
    rank = {status: position for position, status in enumerate(STATUS_ORDER)}
    items.sort(
        key=lambda item: (
            rank[item.reply.status], -(item.reply.working_days_overdue or 0), -(item.reply.working_days_late or 0),
            item.reply.due, item.complaint.received, item.complaint.id,
        )
    )
    warnings = tuple(calendar.warnings_for(earliest, max([as_of, *(i.reply.due for i in items)])))
    return ComplaintCheck(as_of, period, unit, tuple(items), settings.closure.tracked, warnings)


def deadline_to_json(value: Deadline | None, done_key: str) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "limit": value.limit,
        "due": value.due.isoformat(),
        done_key: value.done.isoformat() if value.done else None,
        "status": value.status.value,
        "working_days_left": value.working_days_left,
        "working_days_overdue": value.working_days_overdue,
        "working_days_late": value.working_days_late,
    }


def item_to_json(item: ComplaintStatus) -> dict[str, Any]:
    """One complaint as the JSON of ``check`` shows it (the phone number masked, no name)."""
    complaint, reply = item.complaint, item.reply
    return {
        "id": complaint.id,
        "source": complaint.source.value,
        "ticket": complaint.ticket,
        "unit": complaint.unit,
        "category": complaint.category.value,
        "received": complaint.received.isoformat(),
        "reply_limit": reply.limit,
        "reply_due": reply.due.isoformat(),
        "replied": reply.done.isoformat() if reply.done else None,
        "status": reply.status.value,
        "working_days_left": reply.working_days_left,
        "working_days_overdue": reply.working_days_overdue,
        "working_days_late": reply.working_days_late,
        "closure": deadline_to_json(item.closure, "closed"),
        "phone": mask_phone(complaint.phone),
        "application_id": complaint.application_id or None,
    }


def check_to_json(result: ComplaintCheck) -> dict[str, Any]:
    return {
        "as_of": result.as_of.isoformat(),
        "period": str(result.period),
        "unit": result.unit,
        "summary": result.summary,
        "items": [item_to_json(item) for item in result.items],
        "warnings": [w.message for w in result.warnings],
    }


# -- reminders -------------------------------------------------------------------------------

COMPLAINT_REPLY = "complaint-reply"  # the obligation of a complaint's reply, as reminders name it
REMINDER_LEADS = (2, 0)  # a reply is reminded 2 working days before its due day and on it


def reminder_statuses(
    complaints: Iterable[Complaint], calendar: WorkCalendar, settings: ComplaintSettings, *, as_of: date
) -> list[StatusItem]:
    """The unanswered complaints as the reminder planner's items (gdcomply.reminders.plan): each
    reply an instance ``complaint/SOURCE/TICKET`` owed by the responsible unit, due on its
    reply day; stages lead-2, lead-0 and overdue-K (with the escalation copies) as for reports.
    The title names the ticket, the category and the masked phone, never the customer."""
    from gdcomply.calendar import Instance
    from gdcomply.tracking import Status as ReportStatus
    from gdcomply.tracking import StatusItem

    items = []
    for complaint in complaints:
        if complaint.received > as_of or (complaint.replied is not None and complaint.replied <= as_of):
            continue
        reply = status_of(complaint, calendar, settings, as_of).reply
        phone = mask_phone(complaint.phone)
        title = f"投诉答复：{complaint.source.label} 工单 {complaint.ticket}（{complaint.category.value}" + (
            f"，客户电话 {phone}）" if phone else "）"
        )
        instance = Instance(
            f"complaint/{complaint.id}", COMPLAINT_REPLY, title, f"受理 {complaint.received.isoformat()}",
            complaint.unit, None, reply.due, reply.due, False, False, "", None, None, "二(四)", 10_000, complaint.received,
        )  # fmt: skip
        if reply.status is Status.OVERDUE:
            status = ReportStatus.OVERDUE
        else:
            status = ReportStatus.DUE_SOON if (reply.working_days_left or 0) <= max(REMINDER_LEADS) else ReportStatus.UPCOMING
        items.append(StatusItem(instance, status, reply.working_days_left, reply.working_days_overdue, None, None, None, ()))
    return items
