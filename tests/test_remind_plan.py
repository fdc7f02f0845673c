"""The reminder planner (pure): stages, catch-up, escalation, recipients — no SMTP, no CLI."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date
from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdcomply.calendar import Calendar, Contact, load_calendar
from gdcomply.ledger.model import SentReminder, Submission
from gdcomply.reminders.settings import RemindRules, default_remind_config
from gdcomply.reminders.plan import (
    Stage,
    StageKind,
    lead_stage,
    next_overdue_stage,
    overdue_round,
    plan_reminders,
    reminder_statuses,
)
from gdcomply.tracking import Status
from gdcomply.resources import bundled_config_dir
from gdcomply.setup import load_workdays
from gdcomply.workdays.model import DayKind
from gdcomply.workdays.workcalendar import WorkCalendar

SINCE = date(2026, 5, 1)
UNITS_R1 = ("progress-report/2026-R1/gongdian->company", "progress-report/2026-R1/guiyuan->bureau",
            "progress-report/2026-R1/guiyuan->company")  # fmt: skip
COMPANY_R1 = ("progress-report/2026-R1/company->bureau", "disclosure/2026-R1/company")


@lru_cache(maxsize=1)
def bundled() -> tuple[Calendar, WorkCalendar]:
    config = bundled_config_dir()
    return load_calendar(config / "deadlines.yaml"), load_workdays(config)


def rules(**changes) -> RemindRules:
    return dataclasses.replace(default_remind_config(bundled_config_dir() / "reminders.yaml").rules, **changes)


def submission(instance_id: str, on: date, state: str = "active") -> Submission:
    obligation, period, _ = instance_id.split("/")
    return Submission(1, instance_id, obligation, period, "x", None, on, "", "", "", state, None, None, ())


def plan(as_of: date, *, sent=(), submissions=(), calendar: Calendar | None = None, since: date = SINCE, **rule_changes):
    base, workdays = bundled()
    calendar = calendar or base
    chosen = rules(**rule_changes)
    by_instance: dict = {}
    for s in submissions:
        by_instance.setdefault(s.instance_id, []).append(s)
    statuses = reminder_statuses(calendar, workdays, by_instance, chosen, as_of=as_of, tracking_since=since)
    return plan_reminders(chosen, calendar, statuses, sent, as_of=as_of, workdays=workdays)


def sent_from(result, day: date) -> list[SentReminder]:
    return [
        SentReminder(item.instance.id, item.stage.name, email.recipient.address, "<id>", "t", day)
        for email in result.emails
        for item in email.items
    ]


def stages_of(result, address: str) -> dict[str, str]:
    email = next((e for e in result.emails if e.recipient.address == address), None)
    return {} if email is None else {item.instance.id: item.stage.name for item in email.items}


# -- stages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "expected"), [(9, None), (6, None), (5, "lead-5"), (3, "lead-5"), (2, "lead-2"), (1, "lead-2"), (0, "lead-0")]
)
def test_lead_stage_is_the_most_urgent_reached(left, expected):
    stage = lead_stage(left, (5, 2, 0))
    assert (stage.name if stage else None) == expected


@pytest.mark.parametrize(
    ("overdue", "every", "expected"),
    [(0, 2, 1), (1, 2, 1), (2, 2, 1), (3, 2, 2), (4, 2, 2), (5, 2, 3), (1, 1, 1), (2, 1, 2), (9, 0, 1)],
)
def test_overdue_rounds_repeat_every_n_working_days(overdue, every, expected):
    assert overdue_round(overdue, every) == expected


def test_stage_names_round_trip_and_order_by_urgency():
    names = ["lead-5", "lead-2", "lead-0", "overdue-1", "overdue-2"]
    stages = [Stage.parse(n) for n in names]
    assert [s.name for s in stages] == names
    assert [s.urgency for s in stages] == sorted(s.urgency for s in stages)
    assert Stage.parse("escalation-3") == Stage(StageKind.ESCALATION, 3)
    assert Stage.parse("nonsense") is None


# -- who gets what --------------------------------------------------------------------------


def test_units_get_lead_5_five_working_days_before():
    result = plan(date(2026, 6, 1))
    assert [e.recipient.address for e in result.emails] == ["gongdian@example.com", "guiyuan@example.com"]
    assert stages_of(result, "guiyuan@example.com") == {UNITS_R1[1]: "lead-5", UNITS_R1[2]: "lead-5"}


def test_escalation_goes_to_the_company_contacts_but_not_about_their_own_items():
    result = plan(date(2026, 6, 11))  # units 3 working days overdue, the company 1
    marketing = next(e for e in result.emails if e.recipient.address == "yingxiao@example.com")
    assert [(i.instance.id, i.stage.name, i.escalated) for i in marketing.items] == [
        (COMPANY_R1[0], "overdue-1", False),
        (COMPANY_R1[1], "overdue-1", False),
        (UNITS_R1[0], "escalation-2", True),
        (UNITS_R1[1], "escalation-2", True),
        (UNITS_R1[2], "escalation-2", True),
    ]


def test_escalation_waits_for_the_configured_number_of_overdue_days():
    for day in (date(2026, 6, 9), date(2026, 6, 10)):  # units 1 and 2 working days overdue
        result = plan(day, escalate_after_working_days=3)
        assert all(not e.escalations for e in result.emails)
    third = plan(date(2026, 6, 11), escalate_after_working_days=3)
    marketing = next(e for e in third.emails if e.recipient.address == "yingxiao@example.com")
    assert {i.stage.name for i in marketing.escalations} == {"escalation-2"}  # named after the overdue round
    assert all(not e.escalations for e in plan(date(2026, 6, 12), escalation_enabled=False).emails)


def test_a_submission_stops_the_reminders_and_a_withdrawal_restarts_them():
    done = [submission(UNITS_R1[0], date(2026, 6, 5))]
    assert stages_of(plan(date(2026, 6, 9), submissions=done), "gongdian@example.com") == {}
    withdrawn = [submission(UNITS_R1[0], date(2026, 6, 5), state="withdrawn")]
    assert stages_of(plan(date(2026, 6, 9), submissions=withdrawn), "gongdian@example.com") == {UNITS_R1[0]: "overdue-1"}
    late = [submission(UNITS_R1[0], date(2026, 6, 10))]
    assert stages_of(plan(date(2026, 6, 11), submissions=late), "gongdian@example.com") == {}


def test_untracked_instances_are_never_reminded():
    result = plan(date(2026, 6, 9), since=date(2026, 6, 9))  # the units' 06-08 reports are before tracking
    planned = {item.instance.id: item.stage.name for email in result.emails for item in email.items}
    assert planned == {COMPANY_R1[0]: "lead-2", COMPANY_R1[1]: "lead-2"}


def test_a_party_without_contacts_is_a_warning_and_the_others_are_still_planned():
    calendar, _ = bundled()
    parties = dict(calendar.parties)
    parties["gongdian"] = dataclasses.replace(parties["gongdian"], contacts=())
    result = plan(date(2026, 6, 1), calendar=dataclasses.replace(calendar, parties=parties))
    assert [e.recipient.address for e in result.emails] == ["guiyuan@example.com"]
    assert len(result.warnings) == 1 and "parties.gongdian.contacts" in result.warnings[0]


def test_one_person_responsible_for_two_parties_gets_one_email():
    calendar, _ = bundled()
    parties = dict(calendar.parties)
    shared = Contact("王工", "Wang@Example.com")
    for party_id in ("guiyuan", "gongdian"):
        parties[party_id] = dataclasses.replace(parties[party_id], contacts=(shared,))
    result = plan(date(2026, 6, 1), calendar=dataclasses.replace(calendar, parties=parties))
    assert [e.recipient.address for e in result.emails] == ["wang@example.com"]
    assert result.emails[0].recipient.parties == ("gongdian", "guiyuan")
    assert len(result.emails[0].items) == 3


def test_a_non_working_day_plans_nothing_unless_configured():
    saturday = date(2026, 6, 6)
    skipped = plan(saturday)
    assert skipped.skipped_non_working_day and skipped.emails == ()
    assert plan(saturday, send_on_non_working_days=True).emails


def test_no_lead_times_means_only_overdue_reminders():
    assert plan(date(2026, 6, 8), lead_working_days=()).emails == ()
    assert plan(date(2026, 6, 9), lead_working_days=()).emails


# -- the order of an email: what needs doing first (issue 12 item 8) ------------------------


def test_what_is_due_today_comes_before_long_overdue_items():
    result = plan(date(2026, 7, 10))  # connection data 2026-H1 due today; progress 2026-R1 overdue since 06-08
    guiyuan = next(e for e in result.emails if e.recipient.address == "guiyuan@example.com")
    assert [(i.instance.id, i.due_today) for i in guiyuan.items] == [
        ("connection-data/2026-H1/guiyuan->bureau", True),
        ("connection-data/2026-H1/guiyuan->company", True),
        (UNITS_R1[1], False),
        (UNITS_R1[2], False),
    ]
    assert [key for key, _ in guiyuan.groups] == ["due_today", "overdue"]
    assert len(guiyuan.upcoming) == 2 and guiyuan.due_later == ()  # `upcoming` still includes today's


def test_the_groups_go_due_today_overdue_copies_then_what_is_coming():
    marketing = next(e for e in plan(date(2026, 6, 10)).emails if e.recipient.address == "yingxiao@example.com")
    assert [key for key, _ in marketing.groups] == ["due_today", "escalations"]
    on_0611 = next(e for e in plan(date(2026, 6, 11)).emails if e.recipient.address == "yingxiao@example.com")
    assert [key for key, _ in on_0611.groups] == ["overdue", "escalations"]
    on_0609 = next(e for e in plan(date(2026, 6, 9)).emails if e.recipient.address == "yingxiao@example.com")
    assert [(key, len(items)) for key, items in on_0609.groups] == [("escalations", 3), ("due_later", 2)]


def test_due_today_means_the_due_date_not_the_lead_stage():
    """Without lead 0 the due day is reached as lead-2; it is still due today."""
    result = plan(date(2026, 6, 8), lead_working_days=(5, 2))
    items = {i.instance.id: (i.stage.name, i.due_today) for e in result.emails for i in e.items}
    assert {items[unit] for unit in UNITS_R1} == {("lead-2", True)}
    assert {items[company] for company in COMPANY_R1} == {("lead-2", False)}  # due 06-10, 2 working days left
    assert not any(i.due_today for e in plan(date(2026, 6, 5)).emails for i in e.items)


def test_each_item_carries_the_day_kind_of_its_due_date():
    result = plan(date(2026, 9, 30), since=date(2026, 9, 1))
    kinds = {i.instance.id: (i.instance.due, i.due_day_kind) for e in result.emails for i in e.items}
    assert kinds["progress-report/2026-R3/company->bureau"] == (date(2026, 10, 10), DayKind.MAKEUP_WORKDAY)
    assert kinds["progress-report/2026-R3/guiyuan->company"] == (date(2026, 10, 8), DayKind.WORKDAY)


# -- catch-up and exactly once --------------------------------------------------------------


def test_catch_up_sends_the_missed_stage_then_the_next_one():
    first = plan(date(2026, 6, 3))  # 3 days left, lead-5 day (06-01) had no run
    assert stages_of(first, "guiyuan@example.com") == {UNITS_R1[1]: "lead-5", UNITS_R1[2]: "lead-5"}
    sent = sent_from(first, date(2026, 6, 3))
    assert stages_of(plan(date(2026, 6, 3), sent=sent), "guiyuan@example.com") == {}
    assert stages_of(plan(date(2026, 6, 4), sent=sent), "guiyuan@example.com") == {
        UNITS_R1[1]: "lead-2", UNITS_R1[2]: "lead-2"
    }


def test_replaying_an_earlier_day_sends_nothing_once_a_more_urgent_stage_went_out():
    sent = sent_from(plan(date(2026, 6, 9)), date(2026, 6, 9))  # overdue-1 and escalation-1
    assert plan(date(2026, 6, 4), sent=sent).emails == ()


def test_a_new_contact_gets_the_current_stage_even_if_the_others_had_it():
    sent = [r for r in sent_from(plan(date(2026, 6, 1)), date(2026, 6, 1)) if r.recipient != "gongdian@example.com"]
    assert [e.recipient.address for e in plan(date(2026, 6, 2), sent=sent).emails] == ["gongdian@example.com"]


# -- overdue spacing: counted from the last overdue reminder actually sent -------------------

GONGDIAN_R1 = UNITS_R1[0]  # 2026-R1 due 2026-06-08


def overdue_sends(sent: list[SentReminder], instance_id: str, address: str, kind: str = "overdue") -> list[tuple[date, str]]:
    return [(r.sent_on, r.stage) for r in sent
            if r.instance_id == instance_id and r.recipient == address and r.stage.startswith(f"{kind}-")]  # fmt: skip


def run_days(days, *, since: date = SINCE, **rule_changes) -> list[SentReminder]:
    sent: list[SentReminder] = []
    for day in days:
        sent.extend(sent_from(plan(day, sent=sent, since=since, **rule_changes), day))
    return sent


def test_an_overdue_catch_up_is_not_followed_by_another_round_the_next_day():
    """The review's repro: first run months after the due date, then daily runs."""
    since = date(2026, 1, 1)
    first = plan(date(2026, 11, 18), since=since)
    assert stages_of(first, "gongdian@example.com")[GONGDIAN_R1] == "overdue-56"  # the round reached: catch-up
    sent = sent_from(first, date(2026, 11, 18))
    next_day = plan(date(2026, 11, 19), sent=sent, since=since)
    assert GONGDIAN_R1 not in stages_of(next_day, "gongdian@example.com")
    sent += sent_from(next_day, date(2026, 11, 19))
    two_later = plan(date(2026, 11, 20), sent=sent, since=since)  # 2 working days after the catch-up
    assert stages_of(two_later, "gongdian@example.com")[GONGDIAN_R1] == "overdue-57"
    sent += sent_from(two_later, date(2026, 11, 20))
    for day in (date(2026, 11, 23), date(2026, 11, 24)):  # Mon: 1 working day after Fri; Tue: 2
        sent += sent_from(plan(day, sent=sent, since=since), day)
    assert overdue_sends(sent, GONGDIAN_R1, "gongdian@example.com") == [
        (date(2026, 11, 18), "overdue-56"), (date(2026, 11, 20), "overdue-57"), (date(2026, 11, 24), "overdue-58"),
    ]  # fmt: skip


def test_escalation_copies_follow_the_same_spacing():
    since = date(2026, 1, 1)
    days = [date(2026, 11, d) for d in (18, 19, 20, 23, 24)]
    sent = run_days(days, since=since)
    for unit in UNITS_R1:
        assert overdue_sends(sent, unit, "yingxiao@example.com", "escalation") == [
            (date(2026, 11, 18), "escalation-56"), (date(2026, 11, 20), "escalation-57"),
            (date(2026, 11, 24), "escalation-58"),
        ]  # fmt: skip


def test_a_missed_overdue_day_restarts_the_spacing_from_the_late_send():
    # overdue-1 on 06-09 (1 overdue), no run on 06-11: 06-12 sends overdue-2, 06-15 nothing, 06-16 overdue-3
    days = [date(2026, 6, 9), date(2026, 6, 12), date(2026, 6, 15), date(2026, 6, 16)]
    sent = run_days(days)
    assert overdue_sends(sent, GONGDIAN_R1, "gongdian@example.com") == [
        (date(2026, 6, 9), "overdue-1"), (date(2026, 6, 12), "overdue-2"), (date(2026, 6, 16), "overdue-3"),
    ]  # fmt: skip


def test_a_late_escalation_start_is_spaced_from_its_own_first_copy():
    # escalation from 2 overdue: the copy starts on 06-10 (a day after overdue-1), then every 2 days
    _, workdays = bundled()
    days = workdays.working_days_in(date(2026, 6, 9), date(2026, 6, 16))
    sent = run_days(days, escalate_after_working_days=2)
    assert overdue_sends(sent, GONGDIAN_R1, "gongdian@example.com") == [
        (date(2026, 6, 9), "overdue-1"), (date(2026, 6, 11), "overdue-2"), (date(2026, 6, 15), "overdue-3"),
    ]  # fmt: skip
    assert overdue_sends(sent, GONGDIAN_R1, "yingxiao@example.com", "escalation") == [
        (date(2026, 6, 10), "escalation-1"), (date(2026, 6, 12), "escalation-2"), (date(2026, 6, 16), "escalation-3"),
    ]  # fmt: skip


def test_other_intervals_and_zero_meaning_once():
    since = date(2026, 1, 1)
    _, workdays = bundled()
    days = workdays.working_days_in(date(2026, 11, 18), date(2026, 11, 30))
    every_3 = overdue_sends(run_days(days, since=since, overdue_every_working_days=3), GONGDIAN_R1, "gongdian@example.com")
    assert [d for d, _ in every_3] == [date(2026, 11, 18), date(2026, 11, 23), date(2026, 11, 26)]
    assert [s for _, s in every_3] == sorted({s for _, s in every_3}, key=lambda n: int(n.split("-")[1]))
    once = run_days(days, since=since, overdue_every_working_days=0)
    assert overdue_sends(once, GONGDIAN_R1, "gongdian@example.com") == [(date(2026, 11, 18), "overdue-1")]
    assert overdue_sends(once, GONGDIAN_R1, "yingxiao@example.com", "escalation") == [
        (date(2026, 11, 18), "escalation-1")
    ]


def test_next_overdue_stage_never_reuses_a_round_name():
    _, workdays = bundled()
    saturday, tuesday = date(2026, 6, 13), date(2026, 6, 16)  # overdue-1 sent on a day off (0 overdue, say)
    stage = next_overdue_stage(StageKind.OVERDUE, 2, 2, (1, saturday), as_of=tuesday, workdays=workdays)
    assert stage == Stage(StageKind.OVERDUE, 2)  # the schedule says round 1 at 2 overdue: still a new name
    assert next_overdue_stage(StageKind.OVERDUE, 2, 2, (1, tuesday), as_of=saturday, workdays=workdays) is None
    assert next_overdue_stage(StageKind.ESCALATION, 9, 2, None, as_of=tuesday, workdays=workdays) == Stage(
        StageKind.ESCALATION, 5
    )


@settings(max_examples=30, deadline=None)
@given(st.lists(st.booleans(), min_size=18, max_size=18), st.sampled_from([0, 1, 2, 3]))
def test_daily_runs_with_random_misses_never_repeat_or_go_backwards(runs_on, every):
    """Whatever days the cron job misses: no (instance, stage, recipient) twice, stages only get
    more urgent, two overdue sends (or two escalation copies) of one instance to one recipient
    are at least `every` working days apart (only one with 0), and after any run every overdue
    instance's owners have been reminded of it, recently enough (never silently dropped)."""
    calendar, workdays = bundled()
    days = workdays.working_days_in(date(2026, 5, 29), date(2026, 6, 30))[: len(runs_on)]
    chosen = rules(overdue_every_working_days=every)
    sent: list[SentReminder] = []
    for day, runs in zip(days, runs_on):
        if not runs:
            continue
        sent.extend(sent_from(plan(day, sent=sent, overdue_every_working_days=every), day))
        assert plan(day, sent=sent, overdue_every_working_days=every).emails == ()  # a second run sends nothing
        statuses = reminder_statuses(calendar, workdays, {}, chosen, as_of=day, tracking_since=SINCE)
        for status in statuses:
            if status.status is not Status.OVERDUE:
                continue
            for contact in calendar.parties[status.instance.sender].contacts:
                latest = max(d for d, _ in overdue_sends(sent, status.instance.id, contact.email.lower()))
                assert every == 0 or workdays.count(latest, day) < every
    keys = [(r.instance_id, r.stage, r.recipient) for r in sent]
    assert len(keys) == len(set(keys))
    last: dict[tuple[str, str, str], int] = {}
    for record in sent:
        stage = Stage.parse(record.stage)
        key = (record.instance_id, record.recipient, stage.track)
        assert stage.urgency > last.get(key, -(10**9))
        last[key] = stage.urgency
    rounds: dict[tuple[str, str, StageKind], list[date]] = {}
    for record in sent:
        stage = Stage.parse(record.stage)
        if stage.kind is not StageKind.LEAD:
            rounds.setdefault((record.instance_id, record.recipient, stage.kind), []).append(record.sent_on)
    for sent_on in rounds.values():
        if every == 0:
            assert len(sent_on) == 1
        for earlier, later in zip(sent_on, sent_on[1:]):
            assert workdays.count(earlier, later) >= every


def test_the_core_imports_no_cli_smtp_or_template_library():
    code = (
        "import sys, gdcomply.reminders.plan, gdcomply.reminders.settings; "
        "print(sorted(m for m in ('typer', 'rich', 'jinja2', 'smtplib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
