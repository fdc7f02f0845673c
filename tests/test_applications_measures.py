"""The measures over validated applications: every figure here is worked out by hand.

Calendar facts used (China, 2026): 09-20 (Sun) and 10-10 (Sat) are make-up workdays;
09-25 (Mid-Autumn) and 10-01..10-07 are days off; 01-01 and 01-02 are days off and
01-04 (Sun) is a make-up workday; 04-04..04-06 (Qingming) are days off. Counting
convention: working days d with start < d <= end; a pause [start, end] includes both its days.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdcomply.applications.measures import AlertStatus, check_open, check_to_json, measure, measures_to_json
from gdcomply.applications.model import (
    ApplicationSet,
    BusinessType,
    CustomerClass,
    Pause,
    Period,
    RowCounts,
    connection_time,
    merge_pauses,
)
from gdcomply.errors import UsageError
from gdcomply.applications.targets import Targets
from test_applications_support import application, calendar

D = date
SMALL = dict(business_type=BusinessType.LV_NON_RESIDENTIAL_NEW, small_micro=True)


def app_set(*applications) -> ApplicationSet:
    n = len(applications)
    return ApplicationSet("t.xlsx", "t.xlsx:申请!A", tuple(applications), (), RowCounts(n, n, 0))


# -- connection time -----------------------------------------------------------------------


def test_national_day_interval_counts_the_saturday_makeup_workday():
    # (09-28, 10-12]: 09-29, 09-30, 10-08, 10-09, 10-10 (Sat, make-up), 10-12
    a = application("R1", D(2026, 9, 28), D(2026, 10, 12))
    assert connection_time(calendar(), a, a.energised) == (6, 0)


def test_energised_on_the_makeup_saturday():
    # (09-28, 10-10]: 09-29, 09-30, 10-08, 10-09, 10-10
    a = application("S1", D(2026, 9, 28), D(2026, 10, 10))
    assert connection_time(calendar(), a, a.energised) == (5, 0)


def test_overlapping_pauses_count_once():
    # Re-derived for pauses that include both their days (docs/applications.md):
    # pause [09-29, 10-09]: 09-29, 09-30, 10-08, 10-09 (4); pause [10-08, 10-10]: 10-08,
    # 10-09, 10-10 (3). Merged [09-29, 10-10]: 09-29, 09-30, 10-08, 10-09, 10-10 = 5
    # (not 4 + 3 = 7); of the 6 working days in (09-28, 10-12] that leaves 10-12: 1.
    pauses = (Pause(D(2026, 9, 29), D(2026, 10, 9)), Pause(D(2026, 10, 8), D(2026, 10, 10)))
    a = application("R2", D(2026, 9, 28), D(2026, 10, 12), pauses=pauses)
    assert connection_time(calendar(), a, a.energised) == (1, 5)


def test_one_pause_inside_the_holiday_interval():
    # re-derived: [09-29, 10-09] pauses 09-29, 09-30, 10-08, 10-09 = 4; 6 - 4 = 2 (10-10, 10-12)
    a = application("R2", D(2026, 9, 28), D(2026, 10, 12), pauses=(Pause(D(2026, 9, 29), D(2026, 10, 9)),))
    assert connection_time(calendar(), a, a.energised) == (2, 4)


def test_open_pause_runs_to_the_end_of_the_measured_interval():
    # open on 2026-01-06; counted (12-29, 01-06] = 12-30, 12-31, 01-04 (Sun, make-up), 01-05,
    # 01-06 = 5. Re-derived: paused since 2025-12-31, both ends included: [12-31, 01-06] =
    # 12-31, 01-04, 01-05, 01-06 = 4, leaving 12-30: 1.
    a = application("X", D(2025, 12, 29), None, pauses=(Pause(D(2025, 12, 31), None),))
    assert connection_time(calendar(), a, D(2026, 1, 6)) == (1, 4)


# March 2026 has no holiday: (03-02, 03-20] = Mar 3-6 (4), 9-13 (5), 16-20 (5) = 14.


def test_one_day_pause_removes_that_day():
    a = application("P", D(2026, 3, 2), D(2026, 3, 20), pauses=(Pause(D(2026, 3, 9), D(2026, 3, 9)),))
    assert connection_time(calendar(), a, a.energised) == (13, 1)


def test_monday_to_friday_pause_removes_five_days():
    a = application("P", D(2026, 3, 2), D(2026, 3, 20), pauses=(Pause(D(2026, 3, 9), D(2026, 3, 13)),))
    assert connection_time(calendar(), a, a.energised) == (9, 5)


def test_pauses_at_the_edges_of_the_interval():
    # [03-02, 03-03]: the accepted day 03-02 is never counted, so only 03-03 (1);
    # [03-20, 03-20]: the energised day is counted, so it is paused (1). 14 - 2 = 12.
    pauses = (Pause(D(2026, 3, 2), D(2026, 3, 3)), Pause(D(2026, 3, 20), D(2026, 3, 20)))
    a = application("P", D(2026, 3, 2), D(2026, 3, 20), pauses=pauses)
    assert connection_time(calendar(), a, a.energised) == (12, 2)
    # the same one at a time (the single-pause path) and over the whole interval
    for pause, expected in (
        (Pause(D(2026, 3, 2), D(2026, 3, 3)), (13, 1)),
        (Pause(D(2026, 3, 20), D(2026, 3, 20)), (13, 1)),
        (Pause(D(2026, 3, 2), D(2026, 3, 20)), (0, 14)),
    ):
        a = application("P", D(2026, 3, 2), D(2026, 3, 20), pauses=(pause,))
        assert connection_time(calendar(), a, a.energised) == expected


def test_measure_uses_the_same_pause_rule():
    a = application("P", D(2026, 3, 2), D(2026, 3, 20), pauses=(Pause(D(2026, 3, 9), D(2026, 3, 13)),))
    figures = measure(app_set(a), calendar(), Targets(), period=Period(2026, 1))
    assert figures.of(CustomerClass.RESIDENTIAL).max_working_days == 9


def test_merge_pauses_joins_adjacent_days():
    # [03-02, 03-05] and [03-06, 03-09] leave no day between them
    spans = merge_pauses([Pause(D(2026, 3, 6), D(2026, 3, 9)), Pause(D(2026, 3, 2), D(2026, 3, 5))], until=D(2026, 12, 31))
    assert spans == [(D(2026, 3, 2), D(2026, 3, 9))]


def test_merge_pauses_joins_touching_and_nested_spans():
    spans = merge_pauses(
        [Pause(D(2026, 3, 10), D(2026, 3, 12)), Pause(D(2026, 3, 2), D(2026, 3, 5)),
         Pause(D(2026, 3, 5), D(2026, 3, 6)), Pause(D(2026, 3, 3), D(2026, 3, 4))],
        until=D(2026, 12, 31),
    )
    assert spans == [(D(2026, 3, 2), D(2026, 3, 6)), (D(2026, 3, 10), D(2026, 3, 12))]


days = st.dates(min_value=D(2025, 9, 1), max_value=D(2026, 12, 31))


@settings(max_examples=150, deadline=None)
@given(days, st.integers(0, 120), st.lists(st.tuples(st.integers(0, 120), st.integers(0, 30)), max_size=4))
def test_connection_time_equals_a_day_by_day_count(accepted, length, raw_pauses):
    """Brute force: the working days in (accepted, energised] that no pause [start, end] covers."""
    cal = calendar()
    energised = accepted + timedelta(days=length)
    pauses = tuple(
        Pause(accepted + timedelta(days=offset), min(accepted + timedelta(days=offset + span), energised))
        for offset, span in raw_pauses
        if offset <= length
    )
    a = application("P", accepted, energised, pauses=pauses)
    expected_paused = 0
    expected_total = 0
    day = accepted + timedelta(days=1)
    while day <= energised:
        if cal.is_working_day(day):
            expected_total += 1
            if any(p.start <= day <= p.end for p in pauses):
                expected_paused += 1
        day += timedelta(days=1)
    assert connection_time(cal, a, energised) == (expected_total - expected_paused, expected_paused)


# -- stats ---------------------------------------------------------------------------------

H2_SET = app_set(
    # residential: 6, 1 (paused 5: see test_overlapping_pauses_count_once), 23 (over 22)
    application("R1", D(2026, 9, 28), D(2026, 10, 12), visits=0),
    application("R2", D(2026, 9, 28), D(2026, 10, 12), unit="gongdian", visits=0,
                pauses=(Pause(D(2026, 9, 29), D(2026, 10, 9)), Pause(D(2026, 10, 8), D(2026, 10, 10)))),
    # (09-01, 10-09]: Sep 2-4 (3), 7-11 (5), 14-18 (5), 20 (1), 21-24 (4), 28-30 (3); Oct 8, 9 = 23
    application("R3", D(2026, 9, 1), D(2026, 10, 9), visits=1),
    # small/micro: 5 and 25
    application("S1", D(2026, 9, 28), D(2026, 10, 10), steps=2, materials=2, cost="0", visits=0,
                capacity="160", **SMALL),
    # (09-14, 10-23]: Sep 15-18 (4), 20 (1), 21-24 (4), 28-30 (3); Oct 8-10 (3), 12-16 (5), 19-23 (5) = 25
    application("S2", D(2026, 9, 14), D(2026, 10, 23), unit="gongdian", steps=3, materials=3,
                cost="1200.5", visits=2, capacity="200", **SMALL),
    # other low-voltage: (10-09, 10-12] = 10-10, 10-12
    application("O1", D(2026, 10, 9), D(2026, 10, 12), unit="gongdian",
                business_type=BusinessType.LV_NON_RESIDENTIAL_INCREASE),
    # high-voltage: 42 (worked out in test_high_voltage_interval_worked_out) and 4
    application("H1", D(2026, 8, 3), D(2026, 9, 30), business_type=BusinessType.HV_NEW, capacity="630",
                visits=1, customer="贺州市瑞丰商贸有限公司"),
    # (10-08, 10-13]: 10-09, 10-10, 10-12, 10-13
    application("H2", D(2026, 10, 8), D(2026, 10, 13), unit="gongdian", business_type=BusinessType.HV_INCREASE,
                capacity="315", visits=0, customer="钟山县黄姚食品有限公司"),
    # energised in H1, and one still open: neither is in 2026-H2's figures
    application("R4", D(2026, 6, 1), D(2026, 6, 5), visits=0),
    application("X1", D(2026, 10, 8), None),
)


def test_high_voltage_interval_worked_out():
    # Aug: 4-7 (4), 10-14 (5), 17-21 (5), 24-28 (5), 31 (1) = 20
    # Sep: 1-4 (4), 7-11 (5), 14-18 (5), 20 Sun make-up (1), 21-24 (4; 25th is Mid-Autumn), 28-30 (3) = 22
    h1 = H2_SET.applications[6]
    assert connection_time(calendar(), h1, h1.energised) == (42, 0)


def test_stats_of_the_second_half_of_2026():
    figures = measure(H2_SET, calendar(), Targets(), period=Period(2026, 2))
    payload = measures_to_json(figures)
    assert payload["period"] == "2026-H2"
    assert payload["unit"] is None
    assert payload["rows"] == {"read": 10, "valid": 10, "rejected": 0}
    assert payload["problems"] == []
    assert payload["classes"]["residential"] == {
        "count": 3,
        "mean_working_days": 10,  # (6 + 1 + 23) / 3, re-derived: R2 is 1 with its pauses inclusive
        "median_working_days": 6,
        "max_working_days": 23,
        "over_limit": 1,
        "limit": 22,
        "zero_visit_share": 0.6667,
        "over_visits": 1,
        "visits_target": 0,
        "known": {"visits": 3},
        "breaches": ["limit", "visits"],
    }
    assert payload["classes"]["small-micro"] == {
        "count": 2,
        "mean_working_days": 15,
        "median_working_days": 15,
        "max_working_days": 25,
        "over_limit": 0,  # 25 is within "no more than 25"
        "limit": 25,
        "mean_working_days_target": 25,
        "mean_steps": 2.5,
        "steps_target": 2,
        "mean_materials": 2.5,
        "mean_cost": "600.25",
        "total_cost": "1200.50",
        "cost_target": "0.00",
        "zero_cost_share": 0.5,
        "mean_visits": 1,
        "over_visits": 1,
        "visits_target": 1,
        "within_capacity_share": 0.5,
        "capacity_kva_target": "160",
        "known": {"steps": 2, "materials": 2, "cost": 2, "visits": 2},
        "breaches": ["steps", "cost", "visits"],
    }
    assert payload["classes"]["other-low-voltage"] == {
        "count": 1,
        "mean_working_days": 2,
        "median_working_days": 2,
        "max_working_days": 2,
        "over_limit": None,
        "limit": None,
        "breaches": [],
    }
    high = payload["classes"]["high-voltage"]
    assert {k: high[k] for k in ("count", "mean_working_days", "median_working_days", "max_working_days",
                                 "total_kva", "mean_visits", "over_visits", "breaches")} == {
        "count": 2,
        "mean_working_days": 23,  # (42 + 4) / 2
        "median_working_days": 23,
        "max_working_days": 42,
        "total_kva": "945",
        "mean_visits": 0.5,
        "over_visits": 0,
        "breaches": [],
    }
    assert high["energised"] == [
        {"application_id": "H1", "unit": "guiyuan", "customer": "贺州市瑞丰商贸有限公司",
         "business_type": "高压新装", "capacity_kva": "630", "accepted": "2026-08-03",
         "energised": "2026-09-30", "working_days": 42},
        {"application_id": "H2", "unit": "gongdian", "customer": "钟山县黄姚食品有限公司",
         "business_type": "高压增容", "capacity_kva": "315", "accepted": "2026-10-08",
         "energised": "2026-10-13", "working_days": 4},
    ]


def test_stats_of_one_unit():
    figures = measure(H2_SET, calendar(), Targets(), period=Period(2026, 2), unit="guiyuan")
    residential = figures.of(CustomerClass.RESIDENTIAL)
    assert (residential.count, residential.mean_working_days, residential.median_working_days) == (
        2, Decimal("14.50"), Decimal("14.5"))  # R1 6, R3 23
    assert figures.of(CustomerClass.SMALL_MICRO).count == 1
    assert figures.of(CustomerClass.OTHER_LOW_VOLTAGE).count == 0
    assert [e.application_id for e in figures.of(CustomerClass.HIGH_VOLTAGE).energised] == ["H1"]


def test_without_period_every_energised_application_counts():
    figures = measure(H2_SET, calendar(), Targets())
    # R4 (06-01 .. 06-05: 06-02..06-05 = 4) joins; the open X1 never does
    assert figures.of(CustomerClass.RESIDENTIAL).count == 4
    assert sum(c.count for c in figures.classes) == 9


def test_small_micro_mean_compared_exactly_not_rounded():
    # 25, 25, 26: mean 25.33 > 25 (a breach); one application is over the per-application alert
    apps = app_set(
        application("A", D(2026, 9, 14), D(2026, 10, 23), **SMALL),
        application("B", D(2026, 9, 14), D(2026, 10, 23), **SMALL),
        application("C", D(2026, 9, 14), D(2026, 10, 26), **SMALL),
    )
    figures = measure(apps, calendar(), Targets()).of(CustomerClass.SMALL_MICRO)
    assert (figures.mean_working_days, figures.over_limit) == (Decimal("25.33"), 1)
    assert figures.breaches == ("limit", "mean_working_days")


def test_stricter_targets_from_config_change_the_verdicts():
    strict = Targets(residential_limit=5, small_micro_mean_working_days=10)
    figures = measure(H2_SET, calendar(), strict, period=Period(2026, 2))
    assert figures.of(CustomerClass.RESIDENTIAL).over_limit == 2  # 6 and 23 > 5
    assert "mean_working_days" in figures.of(CustomerClass.SMALL_MICRO).breaches  # 15 > 10


def test_empty_class_has_no_figures():
    figures = measure(app_set(), calendar(), Targets())
    residential = measures_to_json(figures)["classes"]["residential"]
    assert residential["count"] == 0
    assert residential["mean_working_days"] is None
    assert residential["zero_visit_share"] is None
    assert residential["breaches"] == []


def test_period_parsing():
    assert Period.parse("2026-h2") == Period(2026, 2)
    assert str(Period.containing(D(2026, 6, 30))) == "2026-H1"
    assert Period(2026, 2).start == D(2026, 7, 1) and Period(2026, 2).end == D(2026, 12, 31)
    with pytest.raises(UsageError) as error:
        Period.parse("2026-H3")
    assert error.value.message == "半年度“2026-H3”无效，格式应为 YYYY-H1（上半年）或 YYYY-H2（下半年），如 2026-H1"


# -- open applications ---------------------------------------------------------------------

CHECK_SET = app_set(
    # (2025-12-01, 2026-01-06]: Dec 2-5 (4), 8-12, 15-19, 22-26 (15), 29-31 (3) = 22; Jan 4 (Sun), 5, 6 = 3
    application("OVER", D(2025, 12, 1), None),
    # (12-08, 01-06]: Dec 9-12 (4), 15-19 (5), 22-26 (5), 29-31 (3) = 17; Jan 4, 5, 6 = 3; 20
    application("SOON", D(2025, 12, 8), None),
    # open across the year boundary: (12-29, 01-06] = 12-30, 12-31, 01-04, 01-05, 01-06
    application("SMALL", D(2025, 12, 29), None, unit="gongdian", **SMALL),
    application("FRESH", D(2026, 1, 5), None),
    application("HV", D(2025, 12, 29), None, business_type=BusinessType.HV_NEW, capacity="800"),
    # closed in 2026-H1 over the limit: 22 + 01-04, 01-05 = 24
    application("LATE", D(2025, 12, 1), D(2026, 1, 5)),
    # closed in 2025-H2 (not the current period) over the limit: not listed
    application("OLD", D(2025, 10, 9), D(2025, 12, 31)),
    # energised after as_of: still open on 2026-01-06; (01-05, 01-06] = 1
    application("LATER", D(2026, 1, 5), D(2026, 1, 20)),
    # accepted after as_of: not yet there
    application("FUTURE", D(2026, 1, 7), None),
)


def test_check_open_applications_across_the_new_year():
    result = check_open(CHECK_SET, calendar(), Targets(), as_of=D(2026, 1, 6))
    rows = [
        (o.application.application_id, o.working_days, o.limit, o.working_days_left, o.due, o.status)
        for o in result.open
    ]
    assert rows == [
        ("OVER", 25, 22, -3, None, AlertStatus.OVERDUE),
        ("SOON", 20, 22, 2, D(2026, 1, 8), AlertStatus.DUE_SOON),
        ("SMALL", 5, 25, 20, D(2026, 2, 3), AlertStatus.ON_TRACK),
        ("FRESH", 1, 22, 21, D(2026, 2, 4), AlertStatus.ON_TRACK),
        ("LATER", 1, 22, 21, D(2026, 2, 4), AlertStatus.ON_TRACK),
        ("HV", 5, None, None, None, AlertStatus.NO_LIMIT),
    ]
    assert [(c.application.application_id, c.working_days, c.limit) for c in result.closed_over_limit] == [
        ("LATE", 24, 22)
    ]
    assert result.period == Period(2026, 1)
    payload = check_to_json(result)
    assert payload["summary"] == {"overdue": 1, "due-soon": 1, "on-track": 3, "no-limit": 1}
    assert payload["open"][0] == {
        "application_id": "OVER", "unit": "guiyuan", "customer": "测试户", "class": "residential",
        "business_type": "低压居民新装", "accepted": "2025-12-01", "working_days": 25,
        "paused_working_days": 0, "limit": 22, "working_days_left": -3, "due": None, "status": "overdue",
    }


def test_due_date_skips_the_holidays():
    # SMALL on 2026-01-06 has 20 working days left: Jan 7-9 (3), 12-16, 19-23, 26-30 (15), Feb 2, 3 = 20
    result = check_open(CHECK_SET, calendar(), Targets(), as_of=D(2026, 1, 6), unit="gongdian")
    assert [(o.application.application_id, o.due) for o in result.open] == [("SMALL", D(2026, 2, 3))]


def test_horizon_decides_due_soon():
    result = check_open(CHECK_SET, calendar(), Targets(), as_of=D(2026, 1, 6), horizon=1)
    assert result.count(AlertStatus.DUE_SOON) == 0
    result = check_open(CHECK_SET, calendar(), Targets(alert_horizon=21), as_of=D(2026, 1, 6))
    assert result.count(AlertStatus.DUE_SOON) == 4  # SOON, SMALL (20), FRESH and LATER (21)


def test_paused_open_application_gains_time():
    paused = app_set(application("P", D(2025, 12, 1), None, pauses=(Pause(D(2025, 12, 5), D(2025, 12, 12)),)))
    # (12-01, 01-06]: Dec 2-5 (4), 8-12 (5), 15-19 (5), 22-26 (5), 29-31 (3), Jan 4 (Sun,
    # make-up), 5, 6 (3) = 25. Re-derived: paused [12-05, 12-12] = Dec 5, 8-12 = 6, so
    # 25 - 6 = 19 working days, 22 - 19 = 3 left (within the horizon of 5)
    (item,) = check_open(paused, calendar(), Targets(), as_of=D(2026, 1, 6)).open
    assert (item.working_days, item.paused_working_days, item.working_days_left, item.status) == (
        19, 6, 3, AlertStatus.DUE_SOON
    )


def test_means_of_huge_amounts_do_not_raise():
    """The reader rejects such amounts; the rounding must not raise InvalidOperation anyway."""
    huge = app_set(
        application("B1", D(2026, 3, 2), D(2026, 3, 20), cost="1e30", **SMALL),
        application("B2", D(2026, 3, 2), D(2026, 3, 20), cost="12345678901234567890123456789", **SMALL),
    )
    small = measures_to_json(measure(huge, calendar(), Targets(), period=Period(2026, 1)))["classes"]["small-micro"]
    # (10^30 + 12345678901234567890123456789) / 2 = 506172839450617283945061728394.5
    assert small["total_cost"] == "1012345678901234567890123456789.00"
    assert small["mean_cost"] == "506172839450617283945061728394.50"


def test_open_application_with_a_one_day_pause_on_as_of():
    # (03-02, 03-09] = Mar 3-6, 9 = 5; paused [03-09, 03-09] = 1: 4 used, 18 left;
    # due: Mar 10-13 (4), 16-20, 23-27 (10), 30, 31, Apr 1, 2 (4) = 18 -> 04-02
    a = application("P", D(2026, 3, 2), None, pauses=(Pause(D(2026, 3, 9), D(2026, 3, 9)),))
    (item,) = check_open(app_set(a), calendar(), Targets(), as_of=D(2026, 3, 9)).open
    assert (item.working_days, item.paused_working_days, item.working_days_left, item.due) == (4, 1, 18, D(2026, 4, 2))


def test_due_date_waits_for_the_recorded_end_of_a_pause_under_way():
    # On 03-10: (03-02, 03-10] = 6; paused [03-09, 03-10] so far = 2: 4 used, 18 left. The
    # pause runs to 03-13, so the clock restarts after it: Mar 16-20, 23-27 (10), 30, 31,
    # Apr 1-3 (5; Apr 4-6 Qingming), 7, 8, 9 (3) = 18 -> 04-09
    a = application("P", D(2026, 3, 2), None, pauses=(Pause(D(2026, 3, 9), D(2026, 3, 13)),))
    (item,) = check_open(app_set(a), calendar(), Targets(), as_of=D(2026, 3, 10)).open
    assert (item.working_days, item.paused_working_days, item.working_days_left, item.due) == (4, 2, 18, D(2026, 4, 9))
    # a pause that begins after as_of is not known yet on as_of: 03-06 sees no pause
    (item,) = check_open(app_set(a), calendar(), Targets(), as_of=D(2026, 3, 6)).open
    assert (item.working_days, item.paused_working_days, item.due) == (4, 0, calendar().add(D(2026, 3, 6), 18))


def test_core_modules_do_not_import_the_cli_or_openpyxl():
    import subprocess

    code = (
        "import sys, gdcomply.applications.measures, gdcomply.applications.read, gdcomply.applications.sample, gdcomply.applications.targets;"
        "print(sorted(m for m in ('typer', 'rich', 'openpyxl', 'python_calamine') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
