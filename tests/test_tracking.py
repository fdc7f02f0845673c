"""The status core: compute_statuses, check and find_instances, with no database and no CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from itertools import count

import pytest

from gdcomply.calendar import Calendar, Instance, load_calendar
from gdcomply.errors import CalendarRangeError, UsageError
from gdcomply.ledger.model import EvidenceFile, Submission
from gdcomply.resources import bundled_config_dir
from gdcomply.tracking import STATUS_LABELS, Status, check, compute_statuses, find_instances

R4 = {
    "units": "progress-report/2018-R4/gongdian->company",
    "guiyuan": "progress-report/2018-R4/guiyuan->company",
    "direct": "progress-report/2018-R4/guiyuan->bureau",
    "company": "progress-report/2018-R4/company->bureau",
}
_ids = count(1)


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    return load_calendar(bundled_config_dir() / "deadlines.yaml")


@pytest.fixture(scope="module")
def year_2018(calendar: Calendar, workdays) -> dict[str, Instance]:
    schedule = calendar.schedule(date(2018, 1, 1), date(2018, 12, 31), workdays)
    return {i.id: i for i in schedule.instances}


def sub(instance_id: str, on: str, *, state: str = "active", sub_id: int | None = None) -> Submission:
    obligation, period, route = instance_id.split("/")
    sender, _, receiver = route.partition("->")
    return Submission(
        id=sub_id if sub_id is not None else next(_ids),
        instance_id=instance_id, obligation=obligation, period=period, sender=sender,
        receiver=receiver or None, submitted_on=date.fromisoformat(on), note="",
        recorded_at="2018-01-01T00:00:00+08:00", recorded_by="test", state=state,
        superseded_by=None, withdrawn_reason=None,
        files=(EvidenceFile("a.pdf", "0" * 64, 1),),
    )  # fmt: skip


def ledger_of(*submissions: Submission) -> dict[str, list[Submission]]:
    by_instance: dict[str, list[Submission]] = {}
    for s in submissions:
        by_instance.setdefault(s.instance_id, []).append(s)
    return by_instance


def statuses_of(year_2018, workdays, submissions, as_of: str, *, since: str = "2018-06-01", horizon: int = 5):
    items = compute_statuses(
        list(year_2018.values()), ledger_of(*submissions), as_of=date.fromisoformat(as_of),
        workdays=workdays, horizon=horizon, tracking_since=date.fromisoformat(since),
    )  # fmt: skip
    return {item.instance.id: item for item in items}


def figures(item) -> tuple:
    return item.status, item.working_days_left, item.working_days_overdue, item.working_days_late


def test_labels_are_the_chinese_of_the_issue() -> None:
    assert {s.value: s.label for s in Status} == {
        "overdue": "已逾期", "at-risk": "有风险", "due-soon": "即将到期", "late": "逾期完成",
        "done": "按时完成", "upcoming": "未到期", "untracked": "未跟踪",
    }  # fmt: skip
    assert set(STATUS_LABELS) == set(Status)


def test_the_due_date_is_end_of_day(year_2018, workdays) -> None:
    """R4 units: nominal Sun 11-18, due Fri 11-16. Due that day is on time; the next working day is late."""
    assert year_2018[R4["units"]].due == date(2018, 11, 16)
    on_due = statuses_of(year_2018, workdays, [sub(R4["units"], "2018-11-16")], "2018-11-16")
    assert figures(on_due[R4["units"]]) == (Status.DONE, None, None, None)
    on_due_day_unsubmitted = statuses_of(year_2018, workdays, [], "2018-11-16")
    assert figures(on_due_day_unsubmitted[R4["units"]]) == (Status.DUE_SOON, 0, None, None)
    # Saturday and Sunday after the due date: overdue, by 0 working days so far
    saturday = statuses_of(year_2018, workdays, [], "2018-11-17")
    assert figures(saturday[R4["units"]]) == (Status.OVERDUE, None, 0, None)
    monday = statuses_of(year_2018, workdays, [], "2018-11-19")
    assert figures(monday[R4["units"]]) == (Status.OVERDUE, None, 1, None)
    late = statuses_of(year_2018, workdays, [sub(R4["units"], "2018-11-19")], "2018-11-19")
    assert figures(late[R4["units"]]) == (Status.LATE, None, None, 1)
    assert late[R4["units"]].completed_on == date(2018, 11, 19)


def test_working_day_figures_skip_holidays_and_count_makeup_workdays(year_2018, workdays) -> None:
    """R3 units due Mon 10-08, after National Day (10-01…10-07; Sat 09-29 and Sun 09-30 are worked)."""
    r3 = "progress-report/2018-R3/gongdian->company"
    items = statuses_of(year_2018, workdays, [], "2018-09-28", horizon=3)
    assert figures(items[r3]) == (Status.DUE_SOON, 3, None, None)  # Sat 09-29, Sun 09-30, then 10-08
    items = statuses_of(year_2018, workdays, [], "2018-09-28", horizon=2)
    assert figures(items[r3]) == (Status.UPCOMING, 3, None, None)
    # reported on the make-up Sunday: on time
    early = statuses_of(year_2018, workdays, [sub(r3, "2018-09-30")], "2018-10-08")
    assert early[r3].status is Status.DONE
    # R2 units due Wed 08-08, reported Thu 08-16: 6 working days late
    r2 = "progress-report/2018-R2/gongdian->company"
    late = statuses_of(year_2018, workdays, [sub(r2, "2018-08-16")], "2018-08-20")
    assert figures(late[r2]) == (Status.LATE, None, None, 6)


def test_horizon_boundary(year_2018, workdays) -> None:
    wechat = "wechat-account/2018/company"  # due Fri 11-30
    assert statuses_of(year_2018, workdays, [], "2018-11-23", horizon=5)[wechat].status is Status.DUE_SOON
    assert statuses_of(year_2018, workdays, [], "2018-11-22", horizon=5)[wechat].status is Status.UPCOMING
    assert statuses_of(year_2018, workdays, [], "2018-11-22", horizon=5)[wechat].working_days_left == 6
    assert statuses_of(year_2018, workdays, [], "2018-11-30", horizon=0)[wechat].status is Status.DUE_SOON


def test_a_unit_overdue_puts_the_company_at_risk(year_2018, workdays) -> None:
    rows = [sub(R4["guiyuan"], "2018-11-16"), sub(R4["direct"], "2018-11-16")]
    items = statuses_of(year_2018, workdays, rows, "2018-11-19")
    company = items[R4["company"]]
    assert figures(company) == (Status.AT_RISK, 1, None, None)
    assert company.at_risk_from == (R4["units"],)
    assert figures(items[R4["units"]]) == (Status.OVERDUE, None, 1, None)
    # the company's disclosure is not fed by the units: merely due soon
    assert items["disclosure/2018-R4/company"].status is Status.DUE_SOON


def test_a_unit_late_also_puts_the_company_at_risk_until_it_reports(year_2018, workdays) -> None:
    rows = [sub(R4["guiyuan"], "2018-11-16"), sub(R4["units"], "2018-11-19")]
    items = statuses_of(year_2018, workdays, rows, "2018-11-19")
    assert items[R4["units"]].status is Status.LATE
    assert items[R4["company"]].status is Status.AT_RISK
    assert items[R4["company"]].at_risk_from == (R4["units"],)
    reported = statuses_of(year_2018, workdays, [*rows, sub(R4["company"], "2018-11-20")], "2018-11-20")
    assert reported[R4["company"]].status is Status.DONE


def test_only_feeding_reports_count_for_risk(year_2018, workdays) -> None:
    """桂源公司's direct report to the bureau does not feed the company's report."""
    rows = [sub(R4["guiyuan"], "2018-11-16"), sub(R4["units"], "2018-11-16")]
    items = statuses_of(year_2018, workdays, rows, "2018-11-19")
    assert items[R4["direct"]].status is Status.OVERDUE
    assert items[R4["company"]].status is Status.DUE_SOON


def test_an_overdue_company_report_stays_overdue(year_2018, workdays) -> None:
    items = statuses_of(year_2018, workdays, [], "2018-11-21")
    assert figures(items[R4["company"]]) == (Status.OVERDUE, None, 1, None)
    assert items[R4["company"]].at_risk_from == ()


def test_earliest_submission_decides_newest_is_shown_withdrawn_and_future_ignored(year_2018, workdays) -> None:
    unit = R4["units"]
    first = sub(unit, "2018-11-15", state="superseded", sub_id=10)
    amended = sub(unit, "2018-11-22", sub_id=11)  # an amendment after the due date
    items = statuses_of(year_2018, workdays, [first, amended], "2018-11-23")
    assert items[unit].status is Status.DONE
    assert items[unit].completed_on == date(2018, 11, 15)
    assert items[unit].submission is amended
    # as of before the amendment, the first one is shown
    assert statuses_of(year_2018, workdays, [first, amended], "2018-11-20")[unit].submission is first
    # a withdrawn submission does not count
    withdrawn = sub(unit, "2018-11-15", state="withdrawn", sub_id=12)
    assert statuses_of(year_2018, workdays, [withdrawn], "2018-11-19")[unit].status is Status.OVERDUE
    # neither does one dated after as_of
    assert statuses_of(year_2018, workdays, [amended], "2018-11-16")[unit].status is Status.DUE_SOON


def test_untracked_before_the_tracking_start(year_2018, workdays) -> None:
    r1 = "progress-report/2018-R1/gongdian->company"  # due 06-08
    items = statuses_of(year_2018, workdays, [], "2018-11-19", since="2018-06-09")
    assert figures(items[r1]) == (Status.UNTRACKED, None, None, None)
    # the company's R1 is untracked too: an untracked unit never puts anything at risk
    assert items["progress-report/2018-R1/company->bureau"].status is Status.UNTRACKED
    # due on the tracking start itself: tracked
    assert statuses_of(year_2018, workdays, [], "2018-11-19", since="2018-06-08")[r1].status is Status.OVERDUE
    # submitted anyway: judged like any other
    late = statuses_of(year_2018, workdays, [sub(r1, "2018-06-11")], "2018-11-19", since="2018-07-01")
    assert figures(late[r1]) == (Status.LATE, None, None, 1)


def test_order_is_kept(year_2018, workdays) -> None:
    instances = list(year_2018.values())[::-1]
    items = compute_statuses(
        instances, {}, as_of=date(2018, 11, 19), workdays=workdays, horizon=5, tracking_since=date(2018, 6, 1)
    )
    assert [i.instance.id for i in items] == [i.id for i in instances]


# -- check ----------------------------------------------------------------------------------


def run_check(calendar, workdays, rows, as_of, **options):
    return check(
        calendar, workdays, ledger_of(*rows), as_of=date.fromisoformat(as_of),
        tracking_since=date.fromisoformat(options.pop("since", "2018-06-01")), **options,
    )  # fmt: skip


def test_check_orders_by_urgency_then_due_date(calendar, workdays) -> None:
    rows = [sub(R4["guiyuan"], "2018-11-16"), sub(R4["direct"], "2018-11-16")]
    report = run_check(calendar, workdays, rows, "2018-11-19")
    shown = [(i.status, i.instance.id) for i in report.items]
    statuses = [s for s, _ in shown]
    assert statuses == sorted(statuses, key=list(Status).index)
    assert shown[-2:] == [(Status.DONE, R4["direct"]), (Status.DONE, R4["guiyuan"])]
    overdue = [i for i in report.items if i.status is Status.OVERDUE]
    assert [i.instance.due for i in overdue] == sorted(i.instance.due for i in overdue)
    assert overdue[0].instance.due == date(2018, 6, 8)  # nothing else was submitted: June is first
    assert report.summary[Status.AT_RISK] == 1
    assert sum(report.summary.values()) == 38  # every instance due in 2018


def test_check_recent_completions_window(calendar, workdays) -> None:
    r3 = "progress-report/2018-R3/gongdian->company"
    rows = [sub(r3, "2018-10-08")]
    assert r3 in {i.instance.id for i in run_check(calendar, workdays, rows, "2018-11-07").items}
    assert r3 not in {i.instance.id for i in run_check(calendar, workdays, rows, "2018-11-08").items}
    assert r3 in {i.instance.id for i in run_check(calendar, workdays, rows, "2018-11-08", show_all=True).items}


def test_check_party_and_previous_years(calendar, workdays) -> None:
    report = run_check(calendar, workdays, [], "2019-03-01", party="gongdian")
    ids = {i.instance.id for i in report.items}
    assert ids and all("gongdian" in i for i in ids)
    assert "progress-report/2018-R4/gongdian->company" in ids  # last year's, still overdue
    assert "connection-data/2018-H2/gongdian->company" in ids  # due 2019-01-10
    # what is shown is counted (so --fail-on sees last year's too): 9 reports of 2018 and 2018-H2
    assert report.summary[Status.OVERDUE] == 10
    assert report.summary[Status.UPCOMING] == 5  # 2019-R1…R4 and 2019-H1 (2019-H2 is due in 2020)


def test_check_reaches_into_next_january(calendar, workdays) -> None:
    """In late December the horizon covers January's connection data of the next year."""
    report = run_check(calendar, workdays, [], "2018-12-28", since="2018-12-01", horizon=10)
    due_soon = {i.instance.id for i in report.items if i.status is Status.DUE_SOON}
    assert "connection-data/2018-H2/gongdian->company" in due_soon  # due 2019-01-10


def test_check_rejects_a_negative_horizon_and_a_day_outside_the_calendar(calendar, workdays) -> None:
    with pytest.raises(UsageError, match="^--horizon 不能为负数$"):
        run_check(calendar, workdays, [], "2018-11-19", horizon=-1)
    for day in ("1999-12-31", "2036-01-01"):
        with pytest.raises(CalendarRangeError) as caught:
            run_check(calendar, workdays, [], day, since="2018-06-01")
        assert str(caught.value) == f"日期 {day} 超出工作日历支持的范围（2000-01-01 至 2035-12-31）"


# -- find_instances ---------------------------------------------------------------------------


def test_find_instances_routes(calendar, workdays) -> None:
    def ids(obligation, period, sender, receiver):
        return [i.id for i in find_instances(calendar, workdays, obligation, period, sender, receiver)]

    assert ids("progress-report", "2018-R4", "guiyuan", "all") == [R4["guiyuan"], R4["direct"]]
    assert ids("progress-report", "2018-R4", "guiyuan", "bureau") == [R4["direct"]]
    assert ids("progress-report", "2018-R4", "gongdian", None) == [R4["units"]]
    assert ids("progress-report", "2018-R4", "company", "all") == [R4["company"]]
    assert ids("wechat-account", "2018", "company", None) == ["wechat-account/2018/company"]
    assert ids("connection-data", "2018-H2", "company", None) == ["connection-data/2018-H2/company->bureau"]
    # self-inspection: the milestone 完成自查 has no receiver; "all" is the reports only
    assert ids("self-inspection", "2018", "guiyuan", None) == ["self-inspection/2018/guiyuan"]
    assert ids("self-inspection", "2018", "guiyuan", "all") == [
        "self-inspection/2018/guiyuan->company",
        "self-inspection/2018/guiyuan->bureau",
    ]
    assert ids("self-inspection", "2018", "gongdian", "company") == ["self-inspection/2018/gongdian->company"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("progress-reprot", "2018-R4", "guiyuan", "all"),
            "未知的事项“progress-reprot”。是否想输入：progress-report？可选：implementation-plan、progress-report、"
            "connection-data、self-inspection、rectification、wechat-account、online-hall、disclosure",
        ),
        (
            ("progress-report", "2018-R5", "guiyuan", "all"),
            "事项“工作开展情况报告”（progress-report）没有期次“2018-R5”。是否想输入：2018-R4、2018-R3、2018-R2？"
            "可选期次如：2018-R1、2018-R2、2018-R3、2018-R4、2019-R1、2019-R2、2019-R3、2019-R4",
        ),
        (
            ("connection-data", "2017-H2", "guiyuan", "all"),  # the plan's data start with 2018-H1
            "事项“用户报装信息”（connection-data）没有期次“2017-H2”。是否想输入：2018-H2、2018-H1？"
            "可选期次如：2018-H1、2018-H2",
        ),
        (
            ("progress-report", "2018-R4", "guiyaun", "all"),
            "guiyaun不是“工作开展情况报告 2018-R4”的报送单位。是否想输入：guiyuan？"
            "报送单位：公司（company）、供电公司（gongdian）、桂源公司（guiyuan）",
        ),
        (
            ("progress-report", "2018-R4", "bureau", None),
            "南方监管局不是“工作开展情况报告 2018-R4”的报送单位。"
            "报送单位：公司（company）、供电公司（gongdian）、桂源公司（guiyuan）",
        ),
        (
            ("progress-report", "2018-R4", "guiyuan", "buraeu"),
            "桂源公司的“工作开展情况报告 2018-R4”不报送给“buraeu”。是否想输入：bureau？"
            "接收方：公司（company）、南方监管局（bureau）",
        ),
        (
            ("progress-report", "2018-R4", "guiyuan", None),
            "桂源公司在“工作开展情况报告 2018-R4”有 2 个接收方：公司（company）、南方监管局（bureau）。"
            "请用 --to 指定其一，或用 --to all 同时记录",
        ),
        (
            ("wechat-account", "2018", "company", "bureau"),
            "公司的“微信公众号开发使用 2018”不报送给南方监管局。接收方：无（这是里程碑事项，不需要 --to）",
        ),
    ],
)
def test_find_instances_errors_name_the_nearest_valid_choices(calendar, workdays, args, message) -> None:
    with pytest.raises(UsageError) as caught:
        find_instances(calendar, workdays, *args)
    assert str(caught.value) == message
    assert caught.value.exit_code == 2


def test_the_core_imports_no_cli_libraries() -> None:
    code = (
        "import sys, gdcomply.tracking, gdcomply.ledger.sqlite, gdcomply.ledger.evidence, gdcomply.ledger.recording\n"
        "heavy = {'typer', 'rich', 'click', 'openpyxl'} & set(sys.modules)\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
