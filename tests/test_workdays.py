"""The working-day calendar: facts of the real Chinese calendar, rolling, provisional years,
the holidays.yaml override, and properties of the arithmetic."""

from __future__ import annotations

import json
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdcomply.errors import CalendarRangeError, ConfigError, ProvisionalYearError, UsageError
from gdcomply.workdays.model import (
    RANGE_END,
    RANGE_START,
    DayKind,
    Roll,
    YearOverride,
    merge_holidays,
    month_days,
    provisional_message,
    uncovered_message,
)
from gdcomply.workdays.package import package_holidays
from gdcomply.workdays.workcalendar import WorkCalendar

PROVISIONAL_2027 = (
    "2027 年的法定节假日安排尚未公布（holidays 包中没有 2027 年的调休数据，"
    "config/holidays.yaml 中也没有该年），相关工作日按推测计算。"
    "国务院办公厅公布通知后，运行“gdcomply holidays import 通知文件”录入 2027 年的放假安排"
)

# An official-looking 2027 arrangement that deliberately leaves out days the holidays
# package guesses (端午 2027-06-09, 中秋 2027-09-15, the 国庆 "补假" days), so the test can
# see that the file replaces the package's year instead of adding to it.
HOLIDAYS_2027 = """
    2027:
      notice: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
      days_off:
        - 2027-01-01: 元旦
        - 2027-02-06..2027-02-12: 春节
        - 2027-10-01..2027-10-07: 国庆节
      workdays:
        - 2027-02-14
        - 2027-10-09
"""


def _calendar_with(tmp_path: Path, holidays_yaml: str, *, strict: bool = False) -> WorkCalendar:
    path = tmp_path / "holidays.yaml"
    path.write_text(textwrap.dedent(holidays_yaml).lstrip("\n"), encoding="utf-8")
    return WorkCalendar.default(path, strict=strict)


# -- the convention -----------------------------------------------------------------------


def test_count_counts_days_after_start_up_to_and_including_end(workdays):
    friday, monday = date(2026, 11, 6), date(2026, 11, 9)
    assert workdays.count(friday, monday) == 1  # Saturday and Sunday do not count
    assert workdays.count(monday, friday) == -1
    assert workdays.count(friday, friday) == 0
    assert workdays.count(date(2026, 11, 7), date(2026, 11, 8)) == 0  # a weekend
    assert workdays.count(friday, date(2026, 11, 13)) == 5


def test_add_is_the_inverse_of_count(workdays):
    friday = date(2026, 11, 6)
    assert workdays.add(friday, 0) == friday
    assert workdays.add(friday, 1) == date(2026, 11, 9)
    assert workdays.add(friday, -1) == date(2026, 11, 5)
    saturday = date(2026, 11, 7)
    assert workdays.add(saturday, 0) == saturday  # add(d, 0) == d even on a day off
    assert workdays.add(saturday, 1) == date(2026, 11, 9)
    assert workdays.add(saturday, -1) == date(2026, 11, 5)  # count(sat, thu) == -1: Friday lies between


def test_national_day_2026_with_its_makeup_workdays(workdays):
    # 2026 国庆: 10-01..10-07 off, Sunday 09-20 and Saturday 10-10 worked instead
    assert workdays.count(date(2026, 9, 30), date(2026, 10, 12)) == 4  # 10-08, 10-09, 10-10, 10-12
    assert workdays.add(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert workdays.add(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_application_accepted_gets_its_22nd_working_day(workdays):
    # the staff's everyday question: a low-voltage residential connection may take 22 working days
    accepted = date(2026, 9, 25)
    due = workdays.add(accepted, 22)
    assert due == date(2026, 11, 2)
    assert workdays.count(accepted, due) == 22


# -- day kinds ----------------------------------------------------------------------------


def test_2026_10_10_saturday_is_a_makeup_workday(workdays):
    day = date(2026, 10, 10)
    assert day.weekday() == 5
    assert workdays.is_working_day(day)
    assert workdays.day_kind(day) is DayKind.MAKEUP_WORKDAY
    assert workdays.roll(day, Roll.PRECEDING) == day


def test_day_kinds(workdays):
    assert workdays.day_kind(date(2026, 10, 1)) is DayKind.HOLIDAY
    assert workdays.holiday_name(date(2026, 10, 1)) == "国庆节"
    assert workdays.day_kind(date(2026, 10, 3)) is DayKind.HOLIDAY  # a Saturday inside the holiday
    assert workdays.day_kind(date(2026, 10, 17)) is DayKind.WEEKEND
    assert workdays.holiday_name(date(2026, 10, 17)) is None
    assert workdays.day_kind(date(2026, 10, 12)) is DayKind.WORKDAY
    assert workdays.day_kind(date(2019, 6, 7)) is DayKind.HOLIDAY  # 端午 2019, a Friday
    assert not workdays.is_working_day(date(2019, 6, 7))


def test_working_days_in_lists_the_working_days_of_a_span(workdays):
    assert workdays.working_days_in(date(2026, 10, 1), date(2026, 10, 12)) == [
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
        date(2026, 10, 12),
    ]
    assert workdays.working_days_in(date(2026, 10, 3), date(2026, 10, 4)) == []


def test_month_days():
    assert len(month_days(2028, 2)) == 29
    assert month_days(2026, 12)[-1] == date(2026, 12, 31)
    assert month_days(2026, 10)[0] == date(2026, 10, 1)


# -- rolling ------------------------------------------------------------------------------


def test_sunday_rolls_back_to_friday(workdays):
    assert workdays.roll(date(2018, 6, 10), Roll.PRECEDING) == date(2018, 6, 8)
    assert workdays.roll(date(2018, 6, 10), "preceding") == date(2018, 6, 8)


def test_saturday_after_a_friday_holiday_rolls_back_to_thursday(workdays):
    # 2019-06-08 is a Saturday; Friday 06-07 is 端午节
    assert workdays.roll(date(2019, 6, 8), Roll.PRECEDING) == date(2019, 6, 6)


def test_following_policy_moves_forward(workdays):
    assert workdays.roll(date(2018, 6, 10), Roll.FOLLOWING) == date(2018, 6, 11)
    assert workdays.roll(date(2019, 6, 8), "following") == date(2019, 6, 10)
    assert workdays.roll(date(2026, 10, 1), Roll.FOLLOWING) == date(2026, 10, 8)


def test_none_policy_and_working_days_do_not_move(workdays):
    assert workdays.roll(date(2018, 6, 10), Roll.NONE) == date(2018, 6, 10)
    assert workdays.roll(date(2018, 6, 8), Roll.FOLLOWING) == date(2018, 6, 8)


def test_bad_roll_policy_is_a_usage_error(workdays):
    with pytest.raises(UsageError) as caught:
        workdays.roll(date(2018, 6, 10), "backward")
    assert str(caught.value) == (
        "顺延规则“backward”无效，应为 preceding（提前）、following（顺延）或 none（不调整）"
    )


# -- the supported range ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda w: w.count(date(1999, 12, 31), date(2000, 1, 5)),
        lambda w: w.count(date(2000, 1, 5), date(1999, 12, 31)),
        lambda w: w.is_working_day(date(1999, 12, 31)),
        lambda w: w.add(date(1999, 12, 31), 0),
        lambda w: w.add(date(1999, 12, 31), 3),
        lambda w: w.roll(date(1999, 12, 31), Roll.PRECEDING),
        lambda w: w.day_kind(date(1999, 12, 31)),
    ],
)
def test_before_the_range_is_an_error(workdays, call):
    with pytest.raises(CalendarRangeError) as caught:
        call(workdays)
    assert str(caught.value) == "日期 1999-12-31 超出工作日历支持的范围（2000-01-01 至 2035-12-31）"


def test_after_the_range_is_an_error(workdays):
    with pytest.raises(CalendarRangeError) as caught:
        workdays.count(date(2035, 12, 1), date(2036, 1, 1))
    assert str(caught.value) == "日期 2036-01-01 超出工作日历支持的范围（2000-01-01 至 2035-12-31）"
    assert workdays.is_working_day(RANGE_END) == (RANGE_END.weekday() < 5)
    assert workdays.count(RANGE_START, RANGE_END) > 8000


def test_adding_past_the_range_is_an_error(workdays):
    with pytest.raises(CalendarRangeError) as caught:
        workdays.add(date(2035, 12, 1), 100)
    assert str(caught.value) == "2035-12-01 加 100 个工作日超出工作日历支持的范围（2000-01-01 至 2035-12-31）"
    with pytest.raises(CalendarRangeError) as caught:
        workdays.add(date(2000, 1, 10), -30)
    assert str(caught.value) == "2000-01-10 加 -30 个工作日超出工作日历支持的范围（2000-01-01 至 2035-12-31）"


def test_rolling_off_the_edge_of_the_range_is_an_error(workdays):
    assert date(2000, 1, 1).weekday() == 5
    with pytest.raises(CalendarRangeError) as caught:
        workdays.roll(date(2000, 1, 1), Roll.PRECEDING)
    assert str(caught.value) == "2000-01-01 之前没有工作日历范围内的工作日"
    last_day_off = WorkCalendar(merge_holidays({RANGE_END: "测试"}, set()))
    with pytest.raises(CalendarRangeError) as caught:
        last_day_off.roll(RANGE_END, Roll.FOLLOWING)
    assert str(caught.value) == "2035-12-31 之后没有工作日历范围内的工作日"


# -- provisional years --------------------------------------------------------------------


def test_unpublished_years_are_provisional(workdays):
    assert not workdays.is_provisional(2026)
    assert not workdays.is_provisional(2018)
    assert workdays.is_provisional(2027)
    assert workdays.is_provisional(2035)
    assert provisional_message(2027) == PROVISIONAL_2027


def test_results_touching_a_provisional_year_carry_a_warning(workdays):
    assert workdays.warnings_for(date(2026, 3, 1), date(2026, 12, 31)) == []
    (warning,) = workdays.warnings_for(date(2026, 12, 1), date(2027, 1, 5))
    assert (warning.code, warning.year, warning.message) == ("provisional-year", 2027, PROVISIONAL_2027)
    years = [w.year for w in workdays.warnings_for(date(2026, 12, 1), date(2029, 1, 5))]
    assert years == [2027, 2028, 2029]


def test_strict_mode_makes_a_provisional_year_an_error(tmp_path):
    strict = WorkCalendar.default(None, strict=True)
    assert strict.warnings_for(date(2026, 1, 5)) == []
    with pytest.raises(ProvisionalYearError) as caught:
        strict.warnings_for(date(2026, 12, 1), date(2027, 1, 5))
    assert str(caught.value) == "严格模式（--strict）下不能使用未公布节假日安排的年份：\n" + PROVISIONAL_2027
    assert caught.value.exit_code == 1


def test_a_year_before_the_package_data_is_not_covered_not_unpublished(workdays):
    """Issue 12 item 7: "2000 年…尚未公布" was said of a year long past."""
    first = min(d.year for d in package_holidays()[1])  # the package's first make-up workday
    assert workdays.data.covered_from == first
    assert RANGE_START.year < first <= 2018  # 2000 is before the package's arrangements
    assert workdays.is_provisional(2000) and workdays.is_uncovered(2000)
    assert not workdays.is_uncovered(first) and not workdays.is_uncovered(2027)
    (past,) = workdays.warnings_for(date(2000, 3, 1), date(2000, 3, 8))
    assert (past.code, past.year) == ("uncovered-year", 2000)
    assert past.message == uncovered_message(2000, first) == (
        f"2000 年不在节假日数据的覆盖范围内（holidays 包的放假安排从 {first} 年开始，"
        "config/holidays.yaml 中也没有 2000 年），相关工作日按推测计算，未计调休上班日。"
        "如有该年的放假通知，可运行“gdcomply holidays import 通知文件”录入"
    )
    assert "尚未公布" not in past.message
    (future,) = workdays.warnings_for(date(2027, 3, 1))
    assert (future.code, future.message) == ("provisional-year", PROVISIONAL_2027)


def test_coverage_starts_at_the_first_make_up_workday_of_the_package_data():
    data = merge_holidays({}, {date(2010, 2, 20)})
    calendar = WorkCalendar(data)
    assert data.covered_from == 2010
    assert [calendar.is_uncovered(y) for y in (2005, 2009, 2010, 2011)] == [True, True, False, False]
    assert calendar.is_provisional(2011)  # after the data: not yet published
    assert calendar.warnings_for(date(2011, 1, 3))[0].code == "provisional-year"
    # a year given in holidays.yaml is official, before the coverage or not
    given = merge_holidays({}, {date(2010, 2, 20)}, [YearOverride(2005, "通知", {}, frozenset())])
    assert 2005 not in given.provisional_years
    # no make-up workday at all: nothing to be before, every year is still to be published
    assert merge_holidays({}, set()).covered_from is None
    assert not WorkCalendar(merge_holidays({}, set())).is_uncovered(2005)


def test_strict_mode_names_a_year_not_covered_as_without_an_official_arrangement(workdays):
    strict = WorkCalendar(workdays.data, strict=True)
    with pytest.raises(ProvisionalYearError) as caught:
        strict.warnings_for(date(2000, 12, 20), date(2001, 1, 5))
    first = workdays.data.covered_from
    assert str(caught.value) == (
        "严格模式（--strict）下不能使用没有正式节假日安排的年份：\n" + uncovered_message(2000, first)
    )


def test_override_makes_the_year_official_and_replaces_the_package_year(tmp_path, workdays):
    # what the package guesses for 2027
    assert workdays.day_kind(date(2027, 6, 9)) is DayKind.HOLIDAY  # guessed 端午, a Wednesday
    assert workdays.day_kind(date(2027, 10, 4)) is DayKind.HOLIDAY
    assert not workdays.is_working_day(date(2027, 2, 5))  # package's Spring Festival: 02-05..02-10

    official = _calendar_with(tmp_path, HOLIDAYS_2027, strict=True)
    assert not official.is_provisional(2027)
    assert official.warnings_for(date(2027, 1, 1), date(2027, 12, 31)) == []  # strict, yet no error
    assert official.data.official_years == {2027: "国务院办公厅关于2027年部分节假日安排的通知（测试用）"}
    # the file's days
    assert official.day_kind(date(2027, 2, 12)) is DayKind.HOLIDAY
    assert official.holiday_name(date(2027, 2, 12)) == "春节"
    assert official.day_kind(date(2027, 2, 14)) is DayKind.MAKEUP_WORKDAY
    assert official.day_kind(date(2027, 10, 9)) is DayKind.MAKEUP_WORKDAY
    # the package's guesses that the file leaves out are working days again
    assert official.day_kind(date(2027, 6, 9)) is DayKind.WORKDAY
    assert official.holiday_name(date(2027, 6, 9)) is None
    assert official.day_kind(date(2027, 9, 15)) is DayKind.WORKDAY
    assert official.is_working_day(date(2027, 2, 5))
    # other years keep the package's data
    assert official.day_kind(date(2026, 10, 1)) is DayKind.HOLIDAY
    assert official.is_provisional(2028)
    # after 02-05: 02-06..02-12 off, Saturday 02-13 off, Sunday 02-14 worked, Monday 02-15 worked
    assert official.count(date(2027, 2, 5), date(2027, 2, 15)) == 2


def test_an_empty_holidays_file_changes_nothing(tmp_path, workdays):
    calendar = _calendar_with(tmp_path, "# 暂无\n")
    assert calendar.data.official_years == {}
    assert calendar.is_provisional(2027)
    assert calendar.count(date(2018, 1, 1), date(2027, 12, 31)) == workdays.count(
        date(2018, 1, 1), date(2027, 12, 31)
    )


def test_a_broken_holidays_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        _calendar_with(tmp_path, "2027:\n  notice: 通知\n  days_off: [2027-02-30]\n  workdays: []\n")
    assert caught.value.exit_code == 2
    where = tmp_path / "holidays.yaml"
    assert str(caught.value) == (
        f"节假日文件 {where} 有错误（共 1 处问题）：\n"
        f"{where}:3:14: 2027.days_off[0]: “2027-02-30”不是有效的日期（该日期不存在）"
    )


def test_merge_replaces_a_year_and_keeps_the_others():
    package_off = {date(2026, 10, 1): "国庆节", date(2027, 6, 9): "端午节"}
    package_work = {date(2026, 10, 10)}
    override = YearOverride(2027, "通知", {date(2027, 6, 10): "端午节"}, frozenset({date(2027, 6, 12)}))
    data = merge_holidays(package_off, package_work, [override])
    assert data.days_off == {date(2026, 10, 1): "国庆节", date(2027, 6, 10): "端午节"}
    assert data.workdays == frozenset({date(2026, 10, 10), date(2027, 6, 12)})
    assert 2026 not in data.provisional_years  # has a make-up workday in the package
    assert 2027 not in data.provisional_years  # given in the file
    assert 2028 in data.provisional_years


# -- the holidays package cache -----------------------------------------------------------


def test_the_holidays_version_is_read_without_importing_the_package():
    import holidays

    from gdcomply.workdays.package import _holidays_version

    assert _holidays_version() == holidays.__version__


def test_the_package_data_is_cached_and_a_broken_cache_is_rebuilt(tmp_path, monkeypatch, workdays):
    import holidays

    monkeypatch.setenv("GDCOMPLY_CACHE_DIR", str(tmp_path))
    cache = tmp_path / f"holidays-cn-{holidays.__version__}-f1.json"
    cache.write_text("{not json", encoding="utf-8")
    rebuilt = WorkCalendar.default()
    assert rebuilt.count(RANGE_START, RANGE_END) == workdays.count(RANGE_START, RANGE_END)
    payload = json.loads(cache.read_text(encoding="utf-8"))
    assert payload["days_off"]["2026-10-01"] == "国庆节"
    assert "2026-10-10" in payload["workdays"]

    # the cache really is what gets read: a doctored one shows through
    payload["days_off"]["2026-11-11"] = "测试假日"
    cache.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    doctored = WorkCalendar.default()
    assert doctored.holiday_name(date(2026, 11, 11)) == "测试假日"
    assert not doctored.is_working_day(date(2026, 11, 11))


# -- properties ---------------------------------------------------------------------------

inner_dates = st.dates(min_value=date(2000, 2, 1), max_value=date(2035, 11, 30))
any_dates = st.dates(min_value=RANGE_START, max_value=RANGE_END)


@given(day=inner_dates, policy=st.sampled_from([Roll.PRECEDING, Roll.FOLLOWING]))
def test_a_rolled_date_is_the_nearest_working_day_in_its_direction(workdays, day, policy):
    rolled = workdays.roll(day, policy)
    assert workdays.is_working_day(rolled)
    if workdays.is_working_day(day):
        assert rolled == day
    step = timedelta(days=-1 if policy is Roll.PRECEDING else 1)
    between = day
    while between != rolled:  # no working day is skipped
        assert not workdays.is_working_day(between)
        between += step
    assert abs((rolled - day).days) <= 12  # the longest break (Spring Festival + weekends)


@given(start=st.dates(min_value=date(2002, 1, 1), max_value=date(2033, 12, 31)), n=st.integers(-400, 400))
def test_count_add_round_trip(workdays, start, n):
    end = workdays.add(start, n)
    assert workdays.count(start, end) == n
    if n != 0:
        assert workdays.is_working_day(end)
    assert (end > start) == (n > 0) and (end < start) == (n < 0)


@given(start=any_dates, end=any_dates)
def test_add_of_count_lands_on_a_working_end(workdays, start, end):
    if workdays.is_working_day(end) and start != end:
        assert workdays.add(start, workdays.count(start, end)) == end


@given(a=any_dates, b=any_dates, c=any_dates)
def test_count_is_additive(workdays, a, b, c):
    assert workdays.count(a, b) + workdays.count(b, c) == workdays.count(a, c)


@given(a=any_dates, b=any_dates)
def test_count_is_antisymmetric(workdays, a, b):
    assert workdays.count(a, b) == -workdays.count(b, a)
    assert workdays.count(a, a) == 0


@given(start=any_dates, days=st.integers(0, 120))
def test_count_agrees_with_counting_day_by_day(workdays, start, days):
    end = min(start + timedelta(days=days), RANGE_END)
    expected = sum(
        workdays.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )
    assert workdays.count(start, end) == expected
    assert len(workdays.working_days_in(start + timedelta(days=1), end) if end > start else []) == expected


@settings(max_examples=50)
@given(day=any_dates)
def test_day_kind_agrees_with_is_working_day(workdays, day):
    kind = workdays.day_kind(day)
    assert workdays.is_working_day(day) == (kind in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY))
    if kind is DayKind.MAKEUP_WORKDAY:
        assert day.weekday() >= 5
    if kind is DayKind.WEEKEND:
        assert day.weekday() >= 5
