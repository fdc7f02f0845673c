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
from gdcomply.ledger import SentReminder, Submission
from gdcomply.remindconfig import RemindRules, default_remind_config
from gdcomply.reminders import (
    Stage,
    StageKind,
    lead_stage,
    overdue_round,
    plan_reminders,
    reminder_statuses,
)
from gdcomply.resources import bundled_config_dir
from gdcomply.setup import load_workdays
from gdcomply.workdays import WorkCalendar

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


@settings(max_examples=25, deadline=None)
@given(st.lists(st.booleans(), min_size=18, max_size=18))
def test_daily_runs_with_random_misses_never_repeat_or_go_backwards(runs_on):
    """Whatever days the cron job misses: no (instance, stage, recipient) twice, stages only get
    more urgent, and after any run the most urgent stage reached that day has been sent."""
    _, workdays = bundled()
    days = workdays.working_days_in(date(2026, 5, 29), date(2026, 6, 30))[: len(runs_on)]
    sent: list[SentReminder] = []
    for day, runs in zip(days, runs_on):
        if not runs:
            continue
        sent.extend(sent_from(plan(day, sent=sent), day))
        assert plan(day, sent=sent).emails == ()  # a second run the same day sends nothing
    keys = [(r.instance_id, r.stage, r.recipient) for r in sent]
    assert len(keys) == len(set(keys))
    last: dict[tuple[str, str, str], int] = {}
    for record in sent:
        stage = Stage.parse(record.stage)
        key = (record.instance_id, record.recipient, stage.track)
        assert stage.urgency > last.get(key, -(10**9))
        last[key] = stage.urgency


def test_the_core_imports_no_cli_smtp_or_template_library():
    code = (
        "import sys, gdcomply.reminders, gdcomply.remindconfig; "
        "print(sorted(m for m in ('typer', 'rich', 'jinja2', 'smtplib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
