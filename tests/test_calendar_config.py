"""The deadline calendar: the bundled config reproduces the plan, and every kind of mistake in a
deadlines.yaml is reported as FILE:LINE:COLUMN: field.path: message."""

from __future__ import annotations

import importlib
import re
import textwrap
from datetime import date
from pathlib import Path

import pytest

from gdcomply.calendar import Calendar, Instance, instance_to_json, load_calendar
from gdcomply.errors import ConfigError
from gdcomply.resources import bundled_config_dir
from gdcomply.workdays.model import Roll

BUNDLED = bundled_config_dir()
SHOWN = "config/deadlines.yaml"
ID_FORMAT = re.compile(r"[a-z][a-z-]*/\d{4}(-(R[1-4]|H[12]))?/[a-z]+(->[a-z]+)?")


@pytest.fixture(scope="module")
def bundled() -> Calendar:
    return load_calendar(BUNDLED / "deadlines.yaml")


@pytest.fixture(scope="module")
def all_years(bundled, workdays) -> dict[str, Instance]:
    """Every instance of 2018 to 2035, by id (ids must be unique: checked by a test)."""
    instances = bundled.schedule(date(2018, 1, 1), date(2035, 12, 31), workdays).instances
    return {i.id: i for i in instances}


def in_year(bundled, workdays, year: int) -> dict[str, Instance]:
    schedule = bundled.schedule(date(year, 1, 1), date(year, 12, 31), workdays)
    return {i.id: i for i in schedule.instances}


# -- the plan, as the bundled calendar computes it -------------------------------------------


def test_2018_first_progress_report_rolls_to_friday_and_squeezes_the_units(all_years):
    company = all_years["progress-report/2018-R1/company->bureau"]
    assert (company.nominal, company.due, company.rolled) == (date(2018, 6, 10), date(2018, 6, 8), True)
    assert company.squeeze_gap is None and company.parent is None
    for unit in ("guiyuan", "gongdian"):
        report = all_years[f"progress-report/2018-R1/{unit}->company"]
        assert (report.nominal, report.due, report.rolled) == (date(2018, 6, 8), date(2018, 6, 8), False)
        assert report.parent == company.id
        assert report.squeeze_gap == 0


def test_2018_units_fourth_round_rolls_from_sunday_to_friday(all_years):
    for unit in ("guiyuan", "gongdian"):
        report = all_years[f"progress-report/2018-R4/{unit}->company"]
        assert (report.nominal, report.due, report.rolled) == (date(2018, 11, 18), date(2018, 11, 16), True)
        assert report.squeeze_gap is None  # two working days before the company's 11-20
    assert all_years["progress-report/2018-R4/company->bureau"].due == date(2018, 11, 20)


def test_2026_10_10_is_a_makeup_workday_and_does_not_roll(all_years):
    company = all_years["progress-report/2026-R3/company->bureau"]
    assert (company.nominal, company.due, company.rolled) == (date(2026, 10, 10), date(2026, 10, 10), False)
    # the units' 10-08 falls in the National Day holiday (10-01..10-07 off, 10-08 worked)
    assert all_years["progress-report/2026-R3/guiyuan->company"].due == date(2026, 10, 8)


def test_2018_second_half_connection_data_is_due_in_january_2019(bundled, workdays):
    year_2019 = in_year(bundled, workdays, 2019)
    for unit in ("guiyuan", "gongdian"):
        report = year_2019[f"connection-data/2018-H2/{unit}->company"]
        assert (report.period, report.due) == ("2018-H2", date(2019, 1, 10))
    assert year_2019["connection-data/2018-H2/company->bureau"].due == date(2019, 1, 15)
    assert year_2019["connection-data/2018-H2/guiyuan->bureau"].due == date(2019, 1, 10)
    # and the first half-year the plan covers is 2018-H1: nothing for 2017
    year_2018 = in_year(bundled, workdays, 2018)
    assert "connection-data/2018-H1/company->bureau" in year_2018
    assert not any(i.startswith("connection-data/2017") for i in year_2018)
    assert not any(i.startswith("connection-data/2018-H2") for i in year_2018)


def test_2019_units_first_round_rolls_past_the_dragon_boat_holiday(all_years):
    report = all_years["progress-report/2019-R1/gongdian->company"]
    assert (report.nominal, report.due, report.rolled) == (date(2019, 6, 8), date(2019, 6, 6), True)


def test_guiyuan_also_reports_straight_to_the_bureau_on_its_own_date(all_years):
    for obligation, period in [
        ("progress-report", "2018-R1"),
        ("progress-report", "2030-R4"),
        ("connection-data", "2018-H2"),
        ("self-inspection", "2018"),
        ("rectification", "2018"),
    ]:
        to_company = all_years[f"{obligation}/{period}/guiyuan->company"]
        to_bureau = all_years[f"{obligation}/{period}/guiyuan->bureau"]
        assert (to_bureau.nominal, to_bureau.due) == (to_company.nominal, to_company.due)
        assert to_bureau.parent is None and to_bureau.squeeze_gap is None
        assert f"{obligation}/{period}/gongdian->bureau" not in all_years
    # the plan does not ask guiyuan to send its implementation plan to the bureau
    assert "implementation-plan/2018/guiyuan->bureau" not in all_years


def test_dates_the_plan_does_not_give_are_marked_inferred(all_years):
    plan = all_years["implementation-plan/2018/guiyuan->company"]
    assert plan.inferred and plan.due == date(2018, 6, 8)
    assert "6月8日" in plan.inferred_note
    assert not all_years["implementation-plan/2018/company->bureau"].inferred
    finish = all_years["self-inspection/2018/gongdian"]
    assert finish.inferred and finish.receiver is None
    assert (finish.nominal, finish.due) == (date(2018, 7, 15), date(2018, 7, 13))
    assert not all_years["self-inspection/2018/gongdian->company"].inferred
    inferred = sorted(i.id for i in all_years.values() if i.inferred)
    assert inferred == [
        "implementation-plan/2018/gongdian->company",
        "implementation-plan/2018/guiyuan->company",
        "self-inspection/2018/gongdian",
        "self-inspection/2018/guiyuan",
    ]


def test_milestones_have_no_receiver(all_years):
    wechat = all_years["wechat-account/2018/company"]
    assert wechat.receiver is None and wechat.due == date(2018, 11, 30)  # "12月份前": before December
    hall = all_years["online-hall/2019/company"]
    assert hall.receiver is None and hall.nominal == date(2019, 6, 30)
    assert hall.due == date(2019, 6, 28)  # 06-30 is a Sunday
    assert instance_to_json(hall)["to"] is None
    assert "wechat-account/2019/company" not in all_years


def test_one_offs_of_2018_stay_as_history_only(all_years):
    for obligation in ("implementation-plan", "self-inspection", "rectification"):
        periods = {i.period for i in all_years.values() if i.obligation == obligation}
        assert periods == {"2018"}, obligation
    assert all_years["self-inspection/2018/company->bureau"].due == date(2018, 7, 31)
    assert all_years["rectification/2018/gongdian->company"].due == date(2018, 8, 3)  # 08-05 a Sunday
    assert not any(i.startswith("rectification/2018/company") for i in all_years)


def test_disclosure_follows_the_company_dates_to_the_bureau(all_years):
    company_reports = [
        i
        for i in all_years.values()
        if i.obligation in ("progress-report", "implementation-plan") and i.sender == "company"
    ]
    assert len(company_reports) == 1 + 4 * 18  # the 2018 plan, four rounds a year 2018..2035
    for report in company_reports:
        disclosure = all_years[f"disclosure/{report.period}/company"]
        assert (disclosure.nominal, disclosure.due, disclosure.rolled) == (
            report.nominal,
            report.due,
            report.rolled,
        )
        assert disclosure.receiver is None and disclosure.source == "三(六)"
    assert len([i for i in all_years.values() if i.obligation == "disclosure"]) == len(company_reports)


def test_a_regular_year(bundled, workdays):
    year = in_year(bundled, workdays, 2020)
    by_obligation: dict[str, int] = {}
    for instance in year.values():
        by_obligation[instance.obligation] = by_obligation.get(instance.obligation, 0) + 1
    # progress: 4 rounds x (2 units + guiyuan's copy + company); connection data: 2019-H2 and
    # 2020-H1 x 4; a disclosure per round
    assert by_obligation == {"progress-report": 16, "connection-data": 8, "disclosure": 4}


def test_instance_ids_are_well_formed_and_unique(bundled, workdays):
    instances = bundled.schedule(date(2018, 1, 1), date(2035, 12, 31), workdays).instances
    ids = [i.id for i in instances]
    assert len(ids) == len(set(ids))
    assert all(ID_FORMAT.fullmatch(i) for i in ids), [i for i in ids if not ID_FORMAT.fullmatch(i)]
    # the same as all periods of those years, less 2035-H2, due in 2036 beyond the calendar
    assert len(ids) == len(bundled.instances_for_years(2018, 2035, workdays))
    assert not any(i.startswith("connection-data/2035-H2") for i in ids)
    assert [i.due for i in instances] == sorted(i.due for i in instances)


def test_the_schedule_of_2018(bundled, workdays):
    schedule = bundled.schedule(date(2018, 1, 1), date(2018, 12, 31), workdays)
    assert len(schedule.instances) == 38
    assert schedule.instances[0].due == date(2018, 6, 8)
    assert schedule.instances[-1].id == "wechat-account/2018/company"
    squeezes = [w.message for w in schedule.warnings if w.code == "squeeze"]
    assert squeezes == [
        "工作实施方案 2018：供电公司报公司的期限 2018-06-08 与其所汇入的上报期限（2018-06-08）"
        "只相隔 0 个工作日（至少应为 1 个），汇总时间被挤压",
        "工作实施方案 2018：桂源公司报公司的期限 2018-06-08 与其所汇入的上报期限（2018-06-08）"
        "只相隔 0 个工作日（至少应为 1 个），汇总时间被挤压",
        "工作开展情况报告 2018-R1：供电公司报公司的期限 2018-06-08 与其所汇入的上报期限（2018-06-08）"
        "只相隔 0 个工作日（至少应为 1 个），汇总时间被挤压",
        "工作开展情况报告 2018-R1：桂源公司报公司的期限 2018-06-08 与其所汇入的上报期限（2018-06-08）"
        "只相隔 0 个工作日（至少应为 1 个），汇总时间被挤压",
    ]
    assert not [w for w in schedule.warnings if w.code == "provisional-year"]


def test_a_provisional_year_warns(bundled, workdays):
    schedule = bundled.schedule(date(2027, 1, 1), date(2027, 12, 31), workdays)
    assert [w.year for w in schedule.warnings if w.code == "provisional-year"] == [2027]


def test_the_bundled_parties(bundled):
    assert list(bundled.parties) == ["bureau", "company", "guiyuan", "gongdian"]
    assert bundled.parties["bureau"].name == "国家能源局南方监管局"
    assert bundled.parties["company"].department == "营销部"
    assert all(bundled.parties[p].contacts for p in ("company", "guiyuan", "gongdian"))
    assert [o.id for o in bundled.obligations] == [
        "implementation-plan",
        "progress-report",
        "connection-data",
        "self-inspection",
        "rectification",
        "wechat-account",
        "online-hall",
        "disclosure",
    ]
    assert {o.roll for o in bundled.obligations} == {Roll.PRECEDING}


# -- every shipped config file is loaded and checked -------------------------------------------


def _loader_for(path: Path):
    from gdcomply.applications.targets import load_targets
    from gdcomply.reminders.settings import load_remind_config
    from gdcomply.workdays.holidayfile import load_holiday_overrides

    known = {
        "deadlines.yaml": load_calendar,
        "holidays.yaml": load_holiday_overrides,
        "reminders.yaml": load_remind_config,
        "targets.yaml": load_targets,
    }
    if path.name in known:
        return known[path.name]
    # the convention for the other files: config/NAME.yaml -> gdcomply.NAME.load_NAME
    try:
        module = importlib.import_module(f"gdcomply.{path.stem}")
    except ImportError:
        return None
    return getattr(module, f"load_{path.stem}", None)


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_file_loads_without_problems(path):
    from gdcomply import yamlsource

    loader = _loader_for(path)
    if loader is not None:
        loader(path)  # raises ConfigError listing the problems
    else:
        _, problems = yamlsource.load(path)
        assert problems.items == []


def test_the_shipped_config_files_include_the_calendar():
    assert {p.name for p in BUNDLED.glob("*.yaml")} >= {"deadlines.yaml", "holidays.yaml"}


# -- what a small config expresses -----------------------------------------------------------

SMALL = textwrap.dedent(
    """\
    parties:
      bureau: {name: 监管局}
      company: {name: 公司}
      unit: {name: 单位}
    obligations:
      report:
        title: 报告
        source: 三(四)
        years: {first: 2018}
        steps:
          units:
            from: unit
            to: company
            feeds: company
          company:
            from: company
            to: bureau
        rounds:
          - period: R1
            dates: {units: 06-08, company: 06-10}
    """
)


def test_a_small_config(tmp_path, write_config, workdays):
    calendar = load_calendar(write_config(tmp_path, SMALL))
    schedule = calendar.schedule(date(2018, 1, 1), date(2018, 12, 31), workdays)
    assert [i.id for i in schedule.instances] == ["report/2018-R1/unit->company", "report/2018-R1/company->bureau"]
    assert calendar.party_name("unit") == "单位"  # short_name defaults to name
    assert calendar.roll is Roll.PRECEDING and calendar.min_gap == 1


def test_roll_policy_per_obligation_and_a_larger_minimum_gap(tmp_path, write_config, workdays):
    text = SMALL.replace(
        "    years: {first: 2018}\n", "    years: {first: 2018}\n    roll: following\n    min_gap_working_days: 3\n"
    )
    calendar = load_calendar(write_config(tmp_path, text))
    schedule = calendar.schedule(date(2018, 1, 1), date(2018, 12, 31), workdays)
    unit, company = schedule.instances
    assert (unit.due, company.due) == (date(2018, 6, 8), date(2018, 6, 11))  # Sunday 06-10 moves forward
    assert company.rolled and not unit.rolled
    assert unit.squeeze_gap == 1  # Monday is one working day after Friday, below 3


def test_roll_none_keeps_the_nominal_date(tmp_path, write_config, workdays):
    text = SMALL.replace("    years: {first: 2018}\n", "    years: {first: 2018}\n    roll: none\n")
    calendar = load_calendar(write_config(tmp_path, text))
    _, company = calendar.schedule(date(2018, 1, 1), date(2018, 12, 31), workdays).instances
    assert (company.due, company.rolled) == (date(2018, 6, 10), False)


def test_defaults_apply_to_every_obligation(tmp_path, write_config, workdays):
    text = "defaults: {roll: following, min_gap_working_days: 0}\n" + SMALL
    calendar = load_calendar(write_config(tmp_path, text))
    unit, company = calendar.schedule(date(2018, 1, 1), date(2018, 12, 31), workdays).instances
    assert company.due == date(2018, 6, 11)
    assert unit.squeeze_gap is None  # a gap of 1 is not below 0


def test_a_new_year_date_rolled_back_into_december_is_in_the_old_year(tmp_path, write_config, workdays):
    calendar = load_calendar(
        write_config(
            tmp_path,
            """
            parties:
              company: {name: 公司}
            obligations:
              new-year:
                title: 年初报告
                source: 三
                years: {first: 2018}
                steps:
                  company: {from: company}
                rounds:
                  - dates: {company: 01-01}
            """,
        )
    )
    # 2019-01-01 is a holiday; 12-30 and 12-31 too; Saturday 2018-12-29 was worked instead
    schedule = calendar.schedule(date(2018, 1, 1), date(2018, 12, 31), workdays)
    # (the 2018 one, due 01-01, rolls back into 2017)
    assert [(i.id, i.due) for i in schedule.instances] == [("new-year/2019/company", date(2018, 12, 29))]


# -- every kind of mistake, with its message and position --------------------------------------


def problems(tmp_path: Path, write_config, text: str) -> list[str]:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_calendar(path, SHOWN)
    error = caught.value
    assert error.exit_code == 2
    assert error.message == f"期限日历 {SHOWN} 有错误（共 {len(error.problems)} 处问题）："
    return [str(p) for p in error.problems]


def test_a_date_that_does_not_exist(tmp_path, write_config):
    text = SMALL.replace("dates: {units: 06-08, company: 06-10}", "dates: {units: 11-31, company: 06-10}")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:20:24: obligations.report.rounds[0].dates.units: “11-31”不是有效的日期"
    ]


def test_february_29th_does_not_exist_every_year(tmp_path, write_config):
    text = SMALL.replace("company: 06-10}", "company: 02-29}")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:20:40: obligations.report.rounds[0].dates.company: “02-29”不是有效的日期（02-29 不是每年都有）"
    ]


def test_a_date_that_is_not_month_day(tmp_path, write_config):
    text = SMALL.replace("units: 06-08", "units: 2018-06-08")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:20:24: obligations.report.rounds[0].dates.units: "
        "“2018-06-08”不是月-日格式的日期（应为 MM-DD，如 06-08）"
    ]


def test_an_unknown_party(tmp_path, write_config):
    text = SMALL.replace("from: unit", "from: [unit, guiyuan]")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:12:22: obligations.report.steps.units.from[1]: 未知的单位“guiyuan”（已定义的单位：bureau、company、unit）"
    ]


def test_an_unknown_receiver(tmp_path, write_config):
    text = SMALL.replace("to: bureau", "to: regulator")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:17:13: obligations.report.steps.company.to: 未知的单位“regulator”（已定义的单位：bureau、company、unit）"
    ]


def test_a_typo_in_a_key_is_an_error_at_the_key(tmp_path, write_config):
    text = SMALL.replace("    rounds:", "    round:")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:7:5: obligations.report: 缺少必需的字段 rounds",
        f"{SHOWN}:18:5: obligations.report.round: 未知的字段“round”，是否应为“rounds”？"
        "（允许的字段：follows、min_gap_working_days、note、roll、rounds、source、steps、title、years）",
    ]


def test_a_typo_in_a_step(tmp_path, write_config):
    text = SMALL.replace("        feeds: company", "        feed: company")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:14:9: obligations.report.steps.units.feed: 未知的字段“feed”，是否应为“feeds”？"
        "（允许的字段：also_to、feeds、from、title、to）"
    ]


def test_a_duplicate_obligation_id(tmp_path, write_config):
    text = SMALL + (
        "  report:\n"
        "    title: 另一个报告\n"
        "    source: 三(五)\n"
        "    years: 2018\n"
        "    steps: {company: {from: company}}\n"
        "    rounds: [{dates: {company: 06-30}}]\n"
    )
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:21:3: obligations.report: 重复的键“report”（第一次出现在第 6 行）"
    ]


def test_a_duplicate_party(tmp_path, write_config):
    text = SMALL.replace("  unit: {name: 单位}\n", "  unit: {name: 单位}\n  company: {name: 公司二}\n")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:5:3: parties.company: 重复的键“company”（第一次出现在第 3 行）"
    ]


def test_two_steps_with_the_same_route(tmp_path, write_config):
    text = SMALL.replace(
        "      company:\n        from: company\n",
        "      draft:\n        from: unit\n        to: company\n      company:\n        from: company\n",
    )
    text = text.replace("dates: {units: 06-08,", "dates: {draft: 06-01, units: 06-08,")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:15:7: obligations.report.steps.draft: "
        "报送路线 unit→company 已在步骤“units”中出现；同一事项中每条报送路线只能属于一个步骤"
    ]


def test_a_missing_field(tmp_path, write_config):
    text = SMALL.replace("    source: 三(四)\n", "")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:7:5: obligations.report: 缺少必需的字段 source（依据的方案条款，如 三(四)）"
    ]


def test_a_missing_date_of_a_step(tmp_path, write_config):
    text = SMALL.replace("dates: {units: 06-08, company: 06-10}", "dates: {units: 06-08}")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:20:16: obligations.report.rounds[0].dates: 缺少步骤“company”的日期"
    ]


def test_a_bad_roll_policy(tmp_path, write_config):
    text = SMALL.replace("    years: {first: 2018}\n", "    years: {first: 2018}\n    roll: backward\n")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:10:11: obligations.report.roll: 顺延规则“backward”无效，"
        "应为 preceding（提前到前一个工作日）、following（顺延到后一个工作日）或 none（不调整）"
    ]


def test_a_parent_that_does_not_exist(tmp_path, write_config):
    text = SMALL.replace("feeds: company", "feeds: headquarters")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:14:16: obligations.report.steps.units.feeds: 汇入的步骤“headquarters”不存在（本事项的步骤：company、units）"
    ]


def test_a_parent_that_the_step_does_not_report_to(tmp_path, write_config):
    text = SMALL.replace("to: company\n", "to: bureau\n")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:14:16: obligations.report.steps.units.feeds: "
        "本步骤报送给“bureau”，但步骤“company”的报送单位中没有它，无法汇入"
    ]


def test_following_an_obligation_that_does_not_exist(tmp_path, write_config):
    text = SMALL + (
        "  disclosure:\n"
        "    title: 信息公开\n"
        "    source: 三(六)\n"
        "    follows:\n"
        "      - {obligation: reprot, step: company}\n"
        "    steps: {company: {from: company}}\n"
    )
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:25:9: obligations.disclosure.follows[0]: 跟随的事项“reprot”不存在"
    ]


def test_each_follows_entry_is_reported_at_its_own_position(tmp_path, write_config):
    text = SMALL + (
        "  disclosure:\n"
        "    title: 信息公开\n"
        "    source: 三(六)\n"
        "    follows:\n"
        "      - {obligation: report}\n"
        "      - {obligation: reprot, step: company}\n"
        "      - {obligation: report, step: units2}\n"
        "    steps: {company: {from: company}}\n"
    )
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:25:9: obligations.disclosure.follows[0]: 缺少必需的字段 step",
        f"{SHOWN}:26:9: obligations.disclosure.follows[1]: 跟随的事项“reprot”不存在",
        f"{SHOWN}:27:9: obligations.disclosure.follows[2]: 事项“report”中没有步骤“units2”",
    ]


def test_also_to_from_a_party_that_does_not_send(tmp_path, write_config):
    text = SMALL.replace("        feeds: company\n", "        feeds: company\n        also_to: {company: bureau}\n")
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:15:19: obligations.report.steps.units.also_to.company: “company”不是本步骤的报送单位（from）"
    ]


def test_bad_numbers_and_years(tmp_path, write_config):
    text = "version: 2\ndefaults: {min_gap_working_days: -1}\n" + SMALL.replace(
        "years: {first: 2018}", "years: {first: 2018, last: 2017}"
    )
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:1:10: version: 不支持的版本“2”，本程序只认识 version: 1",
        f"{SHOWN}:2:34: defaults.min_gap_working_days: “-1”应为不小于 0 的整数（工作日数）",
        f"{SHOWN}:11:32: obligations.report.years.last: 最后一年 2017 早于第一年 2018",
    ]


def test_several_problems_are_all_reported_in_file_order(tmp_path, write_config):
    text = (
        SMALL.replace("from: unit", "from: nobody")
        .replace("title: 报告", "titel: 报告")
        .replace("06-10}", "13-01}")
        .replace("to: bureau", "to: bureau\n        also: x")
    )
    assert problems(tmp_path, write_config, text) == [
        f"{SHOWN}:7:5: obligations.report.titel: 未知的字段“titel”，是否应为“title”？"
        "（允许的字段：follows、min_gap_working_days、note、roll、rounds、source、steps、title、years）",
        f"{SHOWN}:7:5: obligations.report: 缺少必需的字段 title（事项中文名称）",
        f"{SHOWN}:12:15: obligations.report.steps.units.from: 未知的单位“nobody”（已定义的单位：bureau、company、unit）",
        f"{SHOWN}:18:9: obligations.report.steps.company.also: 未知的字段“also”，是否应为“also_to”？"
        "（允许的字段：also_to、feeds、from、title、to）",
        f"{SHOWN}:21:40: obligations.report.rounds[0].dates.company: “13-01”不是有效的日期",
    ]


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        # the step is left out, but its dates and the step feeding it are not reported as well
        (("from: company", "from: hq"), "16:15: obligations.report.steps.company.from: 未知的单位“hq”"),
        (("from: unit", "from: nobody"), "12:15: obligations.report.steps.units.from: 未知的单位“nobody”"),
        (
            ("to: company", "to: compnay\n        also_to: {unit: bureau}"),
            "13:13: obligations.report.steps.units.to: 未知的单位“compnay”",
        ),
    ],
)
def test_one_wrong_party_is_one_problem(tmp_path, write_config, typo, expected):
    assert problems(tmp_path, write_config, SMALL.replace(*typo)) == [
        f"{SHOWN}:{expected}（已定义的单位：bureau、company、unit）"
    ]


def test_a_yaml_syntax_error(tmp_path, write_config):
    assert problems(tmp_path, write_config, "parties:\n  company: {name: 公司\nobligations: {}\n") == [
        f"{SHOWN}:3:12: YAML 语法错误：花括号 {{ }} 没有闭合，或两项之间缺少逗号（did not find expected ',' or '}}'）"
    ]


def test_tabs_are_a_syntax_error_not_a_traceback(tmp_path, write_config):
    (found,) = problems(tmp_path, write_config, "parties:\n\tcompany: {name: 公司}\n")
    assert found.startswith(f"{SHOWN}:2:1: YAML 语法错误：")


@pytest.mark.parametrize("text", ["", "# 只有注释\n", "\n\n"])
def test_an_empty_file(tmp_path, write_config, text):
    assert problems(tmp_path, write_config, text) == [f"{SHOWN}: 文件为空，应包含 parties 和 obligations"]


def test_a_file_that_is_not_a_mapping(tmp_path, write_config):
    assert problems(tmp_path, write_config, "- parties\n") == [f"{SHOWN}:1:1: 应为映射（键: 值）"]


def test_a_missing_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_calendar(tmp_path / "nowhere.yaml", SHOWN)
    assert str(caught.value) == f"期限日历 {SHOWN} 有错误（共 1 处问题）：\n{SHOWN}: 文件不存在：{SHOWN}"


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "deadlines.yaml"
    path.write_bytes("parties:\n  company: {name: 公司}\n".encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        load_calendar(path, SHOWN)
    assert str(caught.value).splitlines()[1] == (
        f"{SHOWN}:2:19: 文件不是 UTF-8 编码（可能是用 GBK 保存的），请在编辑器中以 UTF-8 编码另存"
    )


def test_a_file_saved_by_notepad_with_bom_and_crlf_loads(tmp_path):
    text = (BUNDLED / "deadlines.yaml").read_text(encoding="utf-8").replace("\n", "\r\n")
    path = tmp_path / "deadlines.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    calendar = load_calendar(path)
    assert list(calendar.parties) == ["bureau", "company", "guiyuan", "gongdian"]
    assert calendar.parties["bureau"].name == "国家能源局南方监管局"  # no stray \r
