"""The calendar, workdays and validate commands through the CLI: exact exit codes and messages."""

from __future__ import annotations

import json
import re
from pathlib import Path
from datetime import date

import pytest

from gdcomply import __version__
from gdcomply.errors import ConfigError
from conftest import BUNDLED_NOTICE

INSTANCE_KEYS = {
    "id",
    "obligation",
    "title",
    "period",
    "from",
    "to",
    "nominal",
    "due",
    "rolled",
    "inferred",
    "parent",
    "squeeze",
    "source",
}
PARTIES = {"bureau", "company", "guiyuan", "gongdian"}
PROVISIONAL_2027 = (
    "2027 年的法定节假日安排尚未公布（holidays 包中没有 2027 年的调休数据，"
    "config/holidays.yaml 中也没有该年），相关工作日按推测计算。"
    "国务院办公厅公布通知后，运行“gdcomply holidays import 通知文件”录入 2027 年的放假安排"
)
SQUEEZE_2018_R1_GONGDIAN = (
    "工作开展情况报告 2018-R1：供电公司报公司的期限 2018-06-08 与其所汇入的上报期限（2018-06-08）"
    "只相隔 0 个工作日（至少应为 1 个），汇总时间被挤压"
)

BROKEN = """
    parties:
      company: {name: 公司}
    obligations:
      report:
        title: 报告
        source: 三(四)
        years: 2018
        roll: backward
        steps:
          company: {from: compnay}
        rounds:
          - dates: {company: 11-31}
"""

VALID = """
    parties:
      company: {name: 公司}
    obligations:
      report:
        title: 报告
        source: 三(四)
        years: 2018
        steps:
          company: {from: company}
        rounds:
          - dates: {company: 11-30}
"""


def calendar_json(cli, *args: str) -> dict:
    result = cli(["calendar", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- calendar ----------------------------------------------------------------------------------


def test_calendar_json_for_2018(cli):
    payload = calendar_json(cli, "--year", "2018")
    assert set(payload) == {"range", "instances", "warnings"}
    assert payload["range"] == {"from": "2018-01-01", "to": "2018-12-31"}
    instances = payload["instances"]
    assert len(instances) == 38
    for instance in instances:
        assert set(instance) == INSTANCE_KEYS
        assert instance["from"] in PARTIES and instance["to"] in PARTIES | {None}
        assert "2018-01-01" <= instance["due"] <= "2018-12-31"
        assert isinstance(instance["rolled"], bool) and isinstance(instance["inferred"], bool)
        assert instance["rolled"] == (instance["due"] != instance["nominal"])
    assert [i["due"] for i in instances] == sorted(i["due"] for i in instances)
    by_id = {i["id"]: i for i in instances}
    assert len(by_id) == len(instances)
    assert by_id["progress-report/2018-R1/company->bureau"] == {
        "id": "progress-report/2018-R1/company->bureau",
        "obligation": "progress-report",
        "title": "工作开展情况报告",
        "period": "2018-R1",
        "from": "company",
        "to": "bureau",
        "nominal": "2018-06-10",
        "due": "2018-06-08",
        "rolled": True,
        "inferred": False,
        "parent": None,
        "squeeze": None,
        "source": "三(四)",
    }
    assert by_id["progress-report/2018-R1/gongdian->company"]["squeeze"] == {"gap_working_days": 0}
    assert by_id["progress-report/2018-R1/gongdian->company"]["parent"] == "progress-report/2018-R1/company->bureau"
    assert by_id["wechat-account/2018/company"]["to"] is None
    assert by_id["self-inspection/2018/guiyuan"]["title"] == "自查报告（完成自查）"
    warnings = payload["warnings"]
    assert all(set(w) == {"code", "message"} for w in warnings)
    assert [w["code"] for w in warnings] == ["squeeze"] * 4
    assert {"code": "squeeze", "message": SQUEEZE_2018_R1_GONGDIAN} in warnings


def test_calendar_json_is_stable_across_runs(cli):
    assert calendar_json(cli, "--year", "2019") == calendar_json(cli, "--year", "2019")


def test_calendar_json_prints_no_warnings_on_stderr(cli):
    result = cli(["calendar", "--year", "2027", "--format", "json"])
    assert result.exit_code == 0
    assert result.stderr == BUNDLED_NOTICE  # which configuration, outside any workspace; no warning
    warnings = json.loads(result.stdout)["warnings"]
    assert warnings[0] == {"code": "provisional-year", "message": PROVISIONAL_2027}


def test_calendar_party_filter(cli):
    instances = calendar_json(cli, "--year", "2018", "--party", "guiyuan")["instances"]
    assert instances and all("guiyuan" in (i["from"], i["to"]) for i in instances)
    assert "progress-report/2018-R1/guiyuan->bureau" in {i["id"] for i in instances}
    bureau = calendar_json(cli, "--year", "2018", "--party", "bureau")
    assert all(i["to"] == "bureau" for i in bureau["instances"])
    # the squeezes of the reports feeding the bureau's are still reported
    assert len([w for w in bureau["warnings"] if w["code"] == "squeeze"]) == 4
    gongdian = calendar_json(cli, "--year", "2018", "--party", "gongdian")
    assert not any("桂源公司" in w["message"] for w in gongdian["warnings"])
    assert len(gongdian["warnings"]) == 2


def test_calendar_date_range(cli):
    payload = calendar_json(cli, "--from", "2018-06-09", "--to", "2018-08-08")
    assert payload["range"] == {"from": "2018-06-09", "to": "2018-08-08"}
    dues = sorted({i["due"] for i in payload["instances"]})
    assert dues == ["2018-07-10", "2018-07-13", "2018-07-20", "2018-07-31", "2018-08-03", "2018-08-08"]
    assert payload["warnings"] == []  # the squeezed 06-08 is outside


def test_calendar_from_or_to_alone_takes_the_rest_of_that_year(cli):
    assert calendar_json(cli, "--from", "2019-11-01")["range"] == {"from": "2019-11-01", "to": "2019-12-31"}
    assert calendar_json(cli, "--to", "2019-01-31")["range"] == {"from": "2019-01-01", "to": "2019-01-31"}


def test_calendar_year_2019_includes_the_second_half_of_2018(cli):
    instances = calendar_json(cli, "--year", "2019")["instances"]
    first = [(i["id"], i["due"]) for i in instances[:4]]
    assert first == [
        ("connection-data/2018-H2/gongdian->company", "2019-01-10"),
        ("connection-data/2018-H2/guiyuan->bureau", "2019-01-10"),
        ("connection-data/2018-H2/guiyuan->company", "2019-01-10"),
        ("connection-data/2018-H2/company->bureau", "2019-01-15"),
    ]


def test_calendar_default_is_the_current_year(cli):
    from gdcomply.cli.common import today

    payload = calendar_json(cli)
    year = today().year
    assert payload["range"] == {"from": f"{year}-01-01", "to": f"{year}-12-31"}


def test_calendar_table_marks_rolled_inferred_and_squeezed(cli):
    result = cli(["calendar", "--year", "2018"])
    assert result.exit_code == 0
    assert "报送期限 2018-01-01 至 2018-12-31（共 38 项）" in result.stdout
    lines = result.stdout.splitlines()
    company = next(line for line in lines if "工作开展情况报告" in line and "│ 公司 → 南方监管局" in line and "2018-R1" in line)
    assert "2018-06-08 周五" in company and "原定06-10周日" in company and "汇总被挤压" in company
    unit = next(line for line in lines if "工作实施方案" in line and "供电公司 → 公司" in line)
    assert "推定" in unit and "挤压：距汇总仅0个工作日" in unit
    assert "原定11-18周日" in result.stdout
    assert f"警告：{SQUEEZE_2018_R1_GONGDIAN}\n" in result.stderr


def test_calendar_table_with_a_party_still_marks_the_squeezed_consolidation(cli):
    result = cli(["calendar", "--year", "2018", "--party", "bureau"])
    assert result.exit_code == 0
    company = next(line for line in result.stdout.splitlines() if "2018-R1" in line and "│ 公司 → 南方监管局" in line)
    assert "汇总被挤压" in company


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2018-13-01"], "错误：--from 的值“2018-13-01”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）\n"),
        (["--to", "yesterday"], "错误：--to 的值“yesterday”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）\n"),
        (["--from", "2018-06-01", "--to", "2018-05-01"], "错误：--to（2018-05-01）早于 --from（2018-06-01）\n"),
        (["--year", "2018", "--from", "2018-06-01"], "错误：--year 不能与 --from/--to 同时使用\n"),
        (["--year", "1999"], "错误：--year 的值 1999 超出工作日历支持的范围（2000 至 2035 年）\n"),
        (["--year", "2018", "--party", "nobody"],
         "错误：--party 的值“nobody”不是已知的单位。可选：南方监管局（bureau）、公司（company）、桂源公司（guiyuan）、供电公司（gongdian）\n"),
    ],
)  # fmt: skip
def test_calendar_wrong_usage_exits_2(cli, args, message):
    result = cli(["calendar", *args])
    # a mistake found after the workspace was looked for comes after the notice saying which
    assert (result.exit_code, result.stdout, result.stderr.removeprefix(BUNDLED_NOTICE)) == (2, "", message)


def test_calendar_unknown_format_exits_2(cli):
    result = cli(["calendar", "--format", "pdf"])
    assert result.exit_code == 2
    assert result.stderr == (
        "错误：参数值无效：--format（“pdf”不是可选的值，可选：table、json、ics、html）\n"
        "运行“gdcomply calendar --help”查看用法。\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["calendar", "--year", "abc"], "错误：参数值无效：--year（“abc”不是整数）\n运行“gdcomply calendar --help”查看用法。\n"),
        (["calendar", "extra"], "错误：用法错误（多余的参数：extra）\n运行“gdcomply calendar --help”查看用法。\n"),
        (["withdraw", "4"], "错误：缺少必需的选项：--reason（应写成“--reason 原因”）\n运行“gdcomply withdraw --help”查看用法。\n"),
        (["--bogus"], "错误：未知的选项：--bogus（没有这个选项）\n运行“gdcomply --help”查看用法。\n"),
    ],
)  # fmt: skip
def test_typer_usage_errors_are_worded_in_chinese(cli, args, message):
    result = cli(args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_calendar_strict_refuses_a_provisional_year(cli):
    result = cli(["calendar", "--year", "2027", "--strict"])
    assert result.exit_code == 1
    assert result.stderr == f"{BUNDLED_NOTICE}错误：严格模式（--strict）下不能使用未公布节假日安排的年份：\n{PROVISIONAL_2027}\n"
    assert cli(["calendar", "--year", "2026", "--strict", "--format", "json"]).exit_code == 0


def test_calendar_uses_the_workspace_and_its_holidays_file(cli, tmp_path, write_config):
    write_config(
        tmp_path,
        """
        parties:
          company: {name: 公司}
        obligations:
          report:
            title: 年度报告
            source: 三
            years: {first: 2027}
            steps:
              company: {from: company}
            rounds:
              - dates: {company: 06-09}
        """,
        holidays="""
        2027:
          notice: 测试通知
          days_off: [2027-06-09]
          workdays: []
        """,
    )
    payload = calendar_json(cli, "--year", "2027")
    assert payload["warnings"] == []  # 2027 is official in the workspace's holidays.yaml
    (instance,) = payload["instances"]
    assert (instance["id"], instance["nominal"], instance["due"]) == ("report/2027/company", "2027-06-09", "2027-06-08")


def test_calendar_with_config_option(cli, tmp_path, write_config):
    path = write_config(tmp_path / "elsewhere", VALID)
    assert cli(["calendar", "--year", "2018", "--config", str(path), "--format", "json"]).exit_code == 0
    result = cli(["calendar", "--year", "2018", "--config", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'missing.yaml'}: 文件不存在" in result.stderr


def test_calendar_with_a_broken_config_exits_2_without_a_traceback(cli, tmp_path, write_config):
    path = write_config(tmp_path, BROKEN)
    result = cli(["calendar", "--year", "2018"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"错误：期限日历 {path} 有错误（共 3 处问题）：\n")
    assert "Traceback" not in result.stderr


# -- ics -------------------------------------------------------------------------------------


def _events(text: str):
    from icalendar import Calendar

    return [c for c in Calendar.from_ical(text).walk() if c.name == "VEVENT"]


def test_calendar_ics_has_one_all_day_event_per_instance(cli):
    instances = calendar_json(cli, "--year", "2018")["instances"]
    result = cli(["calendar", "--year", "2018", "--format", "ics"])
    assert result.exit_code == 0
    assert "警告：" in result.stderr  # the squeezes, on stderr: the .ics stays clean
    events = _events(result.stdout)
    assert len(events) == len(instances)
    by_uid = {str(e["UID"]): e for e in events}
    assert set(by_uid) == {f"{i['id']}@gdcomply" for i in instances}
    for instance in instances:
        event = by_uid[f"{instance['id']}@gdcomply"]
        start = event["DTSTART"].dt
        assert type(start) is date and start.isoformat() == instance["due"]  # all-day
        assert event["DTEND"].dt.toordinal() == start.toordinal() + 1
    company = by_uid["progress-report/2018-R1/company->bureau@gdcomply"]
    assert str(company["SUMMARY"]) == "工作开展情况报告（2018-R1）：公司报南方监管局"
    description = str(company["DESCRIPTION"])
    assert "报送：公司 → 南方监管局" in description
    assert "原定日期：2018-06-10" in description and "截止日期：2018-06-08（遇非工作日已调整）" in description
    assert "依据：方案三(四)" in description
    assert str(by_uid["wechat-account/2018/company@gdcomply"]["SUMMARY"]) == "微信公众号开发使用（2018）：公司完成"


def test_calendar_ics_uids_are_stable_across_runs(cli):
    first = [str(e["UID"]) for e in _events(cli(["calendar", "--year", "2026", "--format", "ics"]).stdout)]
    second = [str(e["UID"]) for e in _events(cli(["calendar", "--year", "2026", "--format", "ics"]).stdout)]
    assert first == second and len(first) == len(set(first)) > 0


def test_calendar_ics_with_a_party(cli):
    events = _events(cli(["calendar", "--year", "2018", "--party", "gongdian", "--format", "ics"]).stdout)
    assert events and all("gongdian" in str(e["UID"]) for e in events)


# -- workdays --------------------------------------------------------------------------------


def test_workdays_count(cli):
    result = cli(["workdays", "count", "2026-09-30", "2026-10-12"])
    assert (result.exit_code, result.stderr) == (0, BUNDLED_NOTICE)
    assert result.stdout == "2026-09-30（周三）至 2026-10-12（周一）：4 个工作日\n"
    backwards = cli(["workdays", "count", "2026-10-12", "2026-09-30"])
    assert backwards.stdout == "2026-10-12（周一）至 2026-09-30（周三）：-4 个工作日\n"


def test_workdays_count_json(cli):
    result = cli(["workdays", "count", "2026-09-30", "2026-10-12", "--format", "json"])
    assert json.loads(result.stdout) == {"start": "2026-09-30", "end": "2026-10-12", "working_days": 4, "warnings": []}


def test_workdays_count_into_a_provisional_year_warns(cli):
    result = cli(["workdays", "count", "2026-12-01", "2027-01-05"])
    assert result.exit_code == 0
    assert result.stderr == f"{BUNDLED_NOTICE}警告：{PROVISIONAL_2027}\n"
    as_json = json.loads(cli(["workdays", "count", "2026-12-01", "2027-01-05", "--format", "json"]).stdout)
    assert as_json["warnings"] == [{"code": "provisional-year", "message": PROVISIONAL_2027}]
    strict = cli(["workdays", "count", "2026-12-01", "2027-01-05", "--strict"])
    assert strict.exit_code == 1
    assert strict.stderr.startswith(f"{BUNDLED_NOTICE}错误：严格模式（--strict）下不能使用未公布节假日安排的年份：\n2027 年")


def test_workdays_add(cli):
    result = cli(["workdays", "add", "2026-09-25", "22"])
    assert result.exit_code == 0
    assert result.stdout == "2026-09-25（周五）之后第 22 个工作日：2026-11-02（周一）\n"
    assert json.loads(cli(["workdays", "add", "2026-09-25", "22", "--format", "json"]).stdout) == {
        "start": "2026-09-25",
        "working_days": 22,
        "date": "2026-11-02",
        "warnings": [],
    }


def test_workdays_add_a_negative_number(cli):
    result = cli(["workdays", "add", "2026-10-09", "-5"])
    assert (result.exit_code, result.stderr) == (0, BUNDLED_NOTICE)
    assert result.stdout == "2026-10-09（周五）之前第 5 个工作日：2026-09-24（周四）\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["count", "2026-02-30", "2026-03-01"], "错误：起始日期的值“2026-02-30”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）\n"),
        (["count", "1999-12-31", "2000-01-05"], "错误：起始日期的值 1999-12-31 超出工作日历支持的范围（2000-01-01 至 2035-12-31）\n"),
        (["add", "2035-12-01", "100"], "错误：2035-12-01 加 100 个工作日超出工作日历支持的范围（2000-01-01 至 2035-12-31）\n"),
        (["month", "2026-13"], "错误：月份“2026-13”无效，格式应为 YYYY-MM（如 2026-10）\n"),
        (["month", "October"], "错误：月份“October”无效，格式应为 YYYY-MM（如 2026-10）\n"),
        (["month", "2036-01"], "错误：日期 2036-01-01 超出工作日历支持的范围（2000-01-01 至 2035-12-31）\n"),
    ],
)  # fmt: skip
def test_workdays_wrong_usage_exits_2(cli, args, message):
    result = cli(["workdays", *args])
    assert (result.exit_code, result.stdout, result.stderr.removeprefix(BUNDLED_NOTICE)) == (2, "", message)


def test_workdays_add_needs_a_number(cli):
    result = cli(["workdays", "add", "2026-10-09", "five"])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：参数值无效：工作日数（“five”不是整数）")


def test_workdays_month_table(cli):
    result = cli(["workdays", "month", "2026-10"])
    assert result.exit_code == 0
    assert "2026 年 10 月（18 个工作日）" in result.stdout
    assert "1休" in result.stdout and "10班" in result.stdout
    assert "  2026-10-01 国庆节\n" in result.stdout
    assert "  2026-10-10 调休上班\n" in result.stdout


def test_workdays_month_json(cli):
    payload = json.loads(cli(["workdays", "month", "2026-10", "--format", "json"]).stdout)
    assert payload["month"] == "2026-10" and payload["working_days"] == 18 and payload["warnings"] == []
    days = {d["date"]: d for d in payload["days"]}
    assert len(days) == 31
    assert days["2026-10-01"] == {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}
    assert days["2026-10-10"] == {"date": "2026-10-10", "kind": "makeup-workday", "name": None}
    assert days["2026-10-11"]["kind"] == "weekend"
    assert days["2026-10-12"]["kind"] == "workday"
    assert json.loads(cli(["workdays", "month", "2027-02", "--format", "json"]).stdout)["warnings"] == [
        {"code": "provisional-year", "message": PROVISIONAL_2027}
    ]


# -- validate --------------------------------------------------------------------------------


def test_validate_the_bundled_calendar(cli):
    result = cli(["validate"])
    assert (result.exit_code, result.stderr) == (0, BUNDLED_NOTICE)
    assert re.fullmatch(
        r".*/config/deadlines\.yaml：没有发现问题。4 个单位，8 个事项，2018 年至明年共 \d+ 个报送节点"
        r"；targets\.yaml、reminders\.yaml、complaints\.yaml 也已检查。\n",
        result.stdout,
    )


def test_validate_checks_every_settings_file_of_the_workspace(cli, tmp_path):
    workspace = tmp_path / "ws"
    assert cli(["init", str(workspace), "--since", "2026-01-01"]).exit_code == 0
    with (workspace / "config" / "targets.yaml").open("a", encoding="utf-8") as handle:
        handle.write("bogus: 1\n")
    reminders = workspace / "config" / "reminders.yaml"
    text = reminders.read_text(encoding="utf-8")
    assert "\nlead_working_days:" in text
    reminders.write_text(text.replace("\nlead_working_days:", "\nlead_workin_days:"), encoding="utf-8")
    result = cli(["validate", "-w", str(workspace)])
    assert result.exit_code == 1
    assert "targets.yaml:" in result.stderr and "bogus: 未知的字段“bogus”" in result.stderr
    assert "lead_workin_days: 未知的字段“lead_workin_days”，是否应为“lead_working_days”？" in result.stderr
    assert result.stdout == ""


def test_validate_names_the_official_years_of_the_holidays_file(cli, tmp_path, write_config):
    from gdcomply.resources import bundled_config_dir

    path = write_config(
        tmp_path,
        (bundled_config_dir() / "deadlines.yaml").read_text(encoding="utf-8"),
        holidays="2027:\n  notice: 测试通知\n  days_off: [2027-01-01]\n  workdays: []\n",
    )
    result = cli(["validate"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{path}：没有发现问题。")
    assert result.stdout.endswith("，节假日文件覆盖 1 年（2027）。\n")


def test_validate_lists_every_problem_and_exits_1(cli, tmp_path, write_config):
    path = write_config(
        tmp_path,
        BROKEN,
        holidays="2027:\n  notice: 通知\n  workdays: [2027-02-15]\n  days_off: []\n",
    )
    holidays = path.parent / "holidays.yaml"
    result = cli(["validate"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"期限日历 {path} 有错误（共 3 处问题）：\n"
        f"{path}:8:11: obligations.report.roll: 顺延规则“backward”无效，"
        "应为 preceding（提前到前一个工作日）、following（顺延到后一个工作日）或 none（不调整）\n"
        f"{path}:10:23: obligations.report.steps.company.from: 未知的单位“compnay”（已定义的单位：company）\n"
        f"{path}:12:26: obligations.report.rounds[0].dates.company: “11-31”不是有效的日期\n"
        f"节假日文件 {holidays} 有错误（共 1 处问题）：\n"
        f"{holidays}:3:14: 2027.workdays[0]: 2027-02-15 不是周末，不需要列为调休上班日\n"
    )


def test_validate_a_broken_holidays_file_alone(cli, tmp_path, write_config):
    from gdcomply.resources import bundled_config_dir

    path = write_config(
        tmp_path,
        (bundled_config_dir() / "deadlines.yaml").read_text(encoding="utf-8"),
        holidays="2027:\n  notes: 通知\n",
    )
    result = cli(["validate"])
    assert result.exit_code == 1
    # the unknown key, the missing notice, and the missing days_off and workdays
    assert result.stderr.startswith(f"节假日文件 {path.parent / 'holidays.yaml'} 有错误（共 3 处问题）：\n")


def test_validate_with_config_option(cli, tmp_path, write_config):
    path = write_config(tmp_path / "other", "parties: [\n")
    result = cli(["validate", "--config", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"期限日历 {path} 有错误（共 1 处问题）：\n{path}:2:1: YAML 语法错误：缺少值（如列表项“-”后面是空的，或多了一个逗号）（did not find expected node content）\n"


# -- the CLI as a whole ----------------------------------------------------------------------


def test_debug_shows_the_traceback(cli, tmp_path, write_config):
    write_config(tmp_path, BROKEN)
    with pytest.raises(ConfigError):
        cli(["--debug", "calendar", "--year", "2018"])
    assert cli(["calendar", "--year", "2018"]).exit_code == 2  # and without it, a message


def test_version(cli):
    result = cli(["--version"])
    assert (result.exit_code, result.stdout) == (0, f"gdcomply {__version__}\n")


def test_no_arguments_shows_help(cli):
    result = cli([])
    assert result.exit_code == 0
    assert "用法：gdcomply" in result.stdout and "calendar" in result.stdout


def test_an_unknown_command_exits_2(cli):
    result = cli(["calender"])
    assert result.exit_code == 2
    assert result.stderr.endswith("运行“gdcomply --help”查看用法。\n")


def _commands():
    """Every command path of the CLI, e.g. ("workdays", "count")."""
    import typer.main

    from gdcomply.cli import app

    def walk(command, path):
        sub = getattr(command, "commands", None)
        if not sub:
            yield path, command
            return
        if path:
            yield path, command
        for name, child in sub.items():
            yield from walk(child, (*path, name))

    return list(walk(typer.main.get_command(app), ()))


def test_each_command_loads_only_its_own_module_and_the_table_is_complete():
    import typer.main

    from gdcomply.cli import COMMAND_MODULES, build_app

    everything = set(typer.main.get_command(build_app()).commands)
    assert everything == set(COMMAND_MODULES)
    for command, module in COMMAND_MODULES.items():
        alone = set(typer.main.get_command(build_app(command)).commands)
        assert alone == {c for c, m in COMMAND_MODULES.items() if m == module}


def test_an_unknown_command_is_named_in_chinese(cli):
    result = cli(["bogus"])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：未知的命令“bogus”。可用的命令：calendar、validate、init、info、check")


@pytest.mark.parametrize("path", [p for p, _ in _commands()], ids=" ".join)
def test_every_command_appears_in_the_readme(path):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"gdcomply {' '.join(path)}" in readme, f"README.md does not mention gdcomply {' '.join(path)}"


@pytest.mark.parametrize("path", [p for p, _ in _commands()], ids=" ".join)
def test_every_command_has_help_text(cli, path):
    command = dict(_commands())[path]
    assert (command.help or "").strip(), f"gdcomply {' '.join(path)} has no help text"
    result = cli([*path, "--help"])
    assert result.exit_code == 0
    # wrapped to the terminal: compare without the line breaks and spaces wrapping moved
    assert "".join(command.help.strip().splitlines()[0].split()) in "".join(result.stdout.split())


def test_the_calendar_commands_are_all_there():
    paths = {p for p, _ in _commands()}
    assert {("calendar",), ("validate",), ("workdays",), ("workdays", "count"), ("workdays", "add"), ("workdays", "month")} <= paths
