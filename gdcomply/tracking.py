"""Status of each deadline instance: calendar instances + ledger rows + as_of → statuses (pure).

Conventions (one place, used by check, remind and the report packs):
- A due date is the end of that day in Asia/Shanghai: submitting on the due date is on time,
  and an instance becomes overdue on the day after.
- Working-day figures use ``WorkCalendar.count``: ``working_days_left = count(as_of, due)``,
  ``working_days_overdue = count(due, as_of)``, ``working_days_late = count(due, submitted_on)``.
- An instance is completed on the earliest date of its non-withdrawn submissions (an
  amendment after the due date does not make an on-time report late); the submission shown
  is the newest one. Submissions dated after as_of are ignored, so a past day can be replayed.
- Instances due before the tracking start are untracked, never overdue (unless submitted).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Iterable, Mapping, Sequence

from gdcomply.calendar import Calendar, Instance
from gdcomply.errors import UsageError
from gdcomply.ledger.model import Submission
from gdcomply.workdays.model import RANGE_END
from gdcomply.workdays.workcalendar import WorkCalendar

RECENT_DAYS = 30  # completed items stay in the weekly check this many days


class Status(str, Enum):
    OVERDUE = "overdue"
    AT_RISK = "at-risk"
    DUE_SOON = "due-soon"
    LATE = "late"
    DONE = "done"
    UPCOMING = "upcoming"
    UNTRACKED = "untracked"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.DONE: "按时完成",
    Status.LATE: "逾期完成",
    Status.OVERDUE: "已逾期",
    Status.DUE_SOON: "即将到期",
    Status.UPCOMING: "未到期",
    Status.UNTRACKED: "未跟踪",
    Status.AT_RISK: "有风险",
}
STATUS_ORDER = {status: index for index, status in enumerate(Status)}


@dataclass(frozen=True)
class StatusItem:
    """The status of one instance as of a day, with its working-day figures."""

    instance: Instance
    status: Status
    working_days_left: int | None
    working_days_overdue: int | None
    working_days_late: int | None
    completed_on: date | None
    submission: Submission | None  # the newest non-withdrawn submission as of as_of
    at_risk_from: tuple[str, ...]  # feeding instances that are overdue or late


@dataclass(frozen=True)
class CheckReport:
    """What the weekly check shows: the summary counts and the items, most urgent first."""

    as_of: date
    tracking_since: date
    horizon: int
    summary: dict[Status, int]
    items: tuple[StatusItem, ...]  # what to show, most urgent first
    warnings: tuple
    # every instance due in as_of's year (of --party, when given), in due-date order, whatever
    # its status: the year's timeline of the HTML page
    year: tuple[StatusItem, ...] = ()


def compute_statuses(
    instances: Sequence[Instance],
    submissions: Mapping[str, Sequence[Submission]],
    *,
    as_of: date,
    workdays: WorkCalendar,
    horizon: int,
    tracking_since: date,
) -> list[StatusItem]:
    """The status of each instance (same order as given)."""
    base: dict[str, StatusItem] = {}
    for instance in instances:
        valid = [
            s for s in submissions.get(instance.id, ()) if s.state != "withdrawn" and s.submitted_on <= as_of
        ]
        completed_on = min((s.submitted_on for s in valid), default=None)
        newest = max(valid, key=lambda s: s.id) if valid else None
        left = overdue = late = None
        if completed_on is not None:
            status = Status.DONE if completed_on <= instance.due else Status.LATE
            if status is Status.LATE:
                late = workdays.count(instance.due, completed_on)
        elif instance.due < tracking_since:
            status = Status.UNTRACKED
        elif as_of > instance.due:
            status = Status.OVERDUE
            overdue = workdays.count(instance.due, as_of)
        else:
            left = workdays.count(as_of, instance.due)
            status = Status.DUE_SOON if left <= horizon else Status.UPCOMING
        base[instance.id] = StatusItem(instance, status, left, overdue, late, completed_on, newest, ())

    children: dict[str, list[str]] = {}
    for instance in instances:
        if instance.parent:
            children.setdefault(instance.parent, []).append(instance.id)
    result = []
    for instance in instances:
        item = base[instance.id]
        if item.status in (Status.DUE_SOON, Status.UPCOMING):
            troubled = tuple(
                child
                for child in children.get(instance.id, ())
                if base[child].status in (Status.OVERDUE, Status.LATE)
            )
            if troubled:
                item = StatusItem(
                    item.instance, Status.AT_RISK, item.working_days_left, None, None, None, None, troubled
                )
        result.append(item)
    return result


def check(
    calendar: Calendar,
    workdays: WorkCalendar,
    submissions: Mapping[str, Sequence[Submission]],
    *,
    as_of: date,
    tracking_since: date,
    horizon: int = 5,
    party: str | None = None,
    show_all: bool = False,
) -> CheckReport:
    """The weekly check: this year's instances and earlier overdue ones, most urgent first."""
    if horizon < 0:
        raise UsageError("--horizon 不能为负数")
    workdays.is_working_day(as_of)  # a day outside the calendar's range: the error names that day
    year_start = date(as_of.year, 1, 1)
    start = min(tracking_since, year_start)
    end = min(max(date(as_of.year, 12, 31), as_of + timedelta(days=horizon * 2 + 14)), RANGE_END)
    schedule = calendar.schedule(start, end, workdays)
    instances = [i for i in schedule.instances if party is None or party in (i.sender, i.receiver)]
    # Parents must be judged with all their children, even when --party hides them.
    statuses = compute_statuses(
        schedule.instances, submissions, as_of=as_of, workdays=workdays,
        horizon=horizon, tracking_since=tracking_since,
    )  # fmt: skip
    wanted = {i.id for i in instances}
    urgent = (Status.OVERDUE, Status.AT_RISK, Status.DUE_SOON)
    in_view = [
        s
        for s in statuses
        if s.instance.id in wanted and (s.instance.due.year == as_of.year or s.status in urgent)
    ]
    summary = {status: 0 for status in Status}
    for item in in_view:
        summary[item.status] += 1
    if not show_all:
        recent = as_of - timedelta(days=RECENT_DAYS)
        in_view = [
            s
            for s in in_view
            if s.status in urgent
            or (s.completed_on is not None and s.completed_on >= recent)
        ]
    in_view.sort(key=lambda s: (STATUS_ORDER[s.status], s.instance.due, s.instance.order, s.instance.id))
    warnings = tuple(w for w in schedule.warnings if _relevant(w, as_of))
    year = tuple(s for s in statuses if s.instance.id in wanted and s.instance.due.year == as_of.year)
    return CheckReport(as_of, tracking_since, horizon, summary, tuple(in_view), warnings, year)


def status_detail(calendar: Calendar, item: StatusItem, as_of: date) -> str:
    """What the weekly check says of an item beside its status: 已逾期 3 天（2 个工作日）, 剩 4 个工作日…"""
    if item.status is Status.OVERDUE:
        days = (as_of - item.instance.due).days
        return f"已逾期 {days} 天（{item.working_days_overdue} 个工作日）"
    if item.status is Status.AT_RISK:
        late = "、".join(calendar.party_name(c.split("/")[-1].split("->")[0]) for c in item.at_risk_from)
        return f"剩 {item.working_days_left} 个工作日；{late}未按时报送"
    if item.status in (Status.DUE_SOON, Status.UPCOMING):
        return f"剩 {item.working_days_left} 个工作日"
    if item.status is Status.LATE:
        assert item.completed_on is not None
        return f"{item.completed_on.isoformat()} 报送，逾期 {item.working_days_late} 个工作日"
    if item.status is Status.DONE:
        assert item.completed_on is not None
        return f"{item.completed_on.isoformat()} 报送"
    return "跟踪开始前到期"


def _relevant(warning, as_of: date) -> bool:
    """Squeezes of past years are history; provisional years always matter."""
    if warning.code != "squeeze":
        return True
    return str(as_of.year) in warning.message


# -- finding the instance a user means ------------------------------------------------------


def find_instances(
    calendar: Calendar,
    workdays: WorkCalendar,
    obligation_id: str,
    period: str,
    sender: str,
    receiver: str | None,
) -> list[Instance]:
    """The instances a submit names: receiver "all" means every receiver of that sender;
    no receiver means the sender's milestone of that period, else its only receiver.

    Errors name what was typed and list the valid choices nearest to it.
    """
    obligation = calendar.obligation(obligation_id)
    if obligation is None:
        ids = [o.id for o in calendar.obligations]
        raise UsageError(f"未知的事项“{obligation_id}”。{_nearest_hint(obligation_id, ids)}可选：{'、'.join(ids)}")
    year_text = period.split("-", 1)[0]
    candidates: list[Instance] = []
    if year_text.isdigit() and len(year_text) == 4:
        year = int(year_text)
        candidates = [
            i
            for i in calendar.instances_for_years(year - 1, year, workdays)
            if i.obligation == obligation_id and i.period == period
        ]
    if not candidates:
        around = _valid_periods(calendar, workdays, obligation_id, year_text)
        raise UsageError(
            f"事项“{obligation.title}”（{obligation_id}）没有期次“{period}”。"
            f"{_nearest_hint(period, around)}可选期次如：{'、'.join(around[:12])}"
        )
    senders = sorted({i.sender for i in candidates})
    if sender not in senders:
        names = _named(calendar, senders)
        raise UsageError(
            f"{calendar.party_name(sender) if sender in calendar.parties else sender}"
            f"不是“{obligation.title} {period}”的报送单位。{_nearest_hint(sender, senders)}报送单位：{names}"
        )
    mine = [i for i in candidates if i.sender == sender]
    # A sender can owe a milestone and a report in the same period (self-inspection: 完成自查,
    # then the report to the company and the bureau). The milestone's id has no receiver, so
    # it is the one named without --to; "all" means every receiver, never the milestone.
    milestones = [i for i in mine if i.receiver is None]
    reports = [i for i in mine if i.receiver is not None]
    receivers = [i.receiver for i in reports]
    if receiver == "all":
        return reports or milestones
    if receiver is None:
        if milestones:
            return milestones
        if len(reports) == 1:
            return reports
        names = _named(calendar, [r for r in receivers if r])
        raise UsageError(
            f"{calendar.party_name(sender)}在“{obligation.title} {period}”有 {len(reports)} 个接收方：{names}。"
            f"请用 --to 指定其一，或用 --to all 同时记录"
        )
    chosen = [i for i in mine if i.receiver == receiver]
    if not chosen:
        valid = [r for r in receivers if r]
        names = _named(calendar, valid) or "无（这是里程碑事项，不需要 --to）"
        shown = calendar.party_name(receiver) if receiver in calendar.parties else f"“{receiver}”"
        raise UsageError(
            f"{calendar.party_name(sender)}的“{obligation.title} {period}”不报送给{shown}。"
            f"{_nearest_hint(receiver, valid)}接收方：{names}"
        )
    return chosen


def _valid_periods(calendar: Calendar, workdays: WorkCalendar, obligation_id: str, year_text: str) -> list[str]:
    obligation = calendar.obligation(obligation_id)
    assert obligation is not None
    if year_text.isdigit() and len(year_text) == 4:
        year = int(year_text)
    else:
        year = obligation.first_year
    lo = max(obligation.first_year, year - 1)
    hi = min(obligation.last_year or year + 1, year + 1)
    if lo > hi:
        lo = hi = obligation.last_year or obligation.first_year
    periods: list[str] = []
    for i in calendar.instances_for_years(lo - 1, hi, workdays):
        if i.obligation == obligation_id and i.period not in periods:
            periods.append(i.period)
    return sorted(periods)


def _named(calendar: Calendar, party_ids: Iterable[str]) -> str:
    """Parties as a user names them, with the id one may type too: “桂源公司（guiyuan）、…”."""
    return "、".join(f"{calendar.party_name(p)}（{p}）" for p in party_ids)


def _nearest_hint(typed: str, choices: Iterable[str]) -> str:
    found = difflib.get_close_matches(typed, list(choices), n=3, cutoff=0.5)
    return f"是否想输入：{'、'.join(found)}？" if found else ""
