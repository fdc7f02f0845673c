"""config/holidays.yaml: what it accepts, and every kind of mistake with its message and position."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from gdcomply.errors import ConfigError
from gdcomply.workdays.holidayfile import load_holiday_overrides

SHOWN = "config/holidays.yaml"


def load(tmp_path: Path, text: str):
    path = tmp_path / "holidays.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return load_holiday_overrides(path, SHOWN)


def problems(tmp_path: Path, text: str) -> list[str]:
    """The problem lines of the ConfigError that loading text raises (the title checked too)."""
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    error = caught.value
    assert error.message == f"节假日文件 {SHOWN} 有错误（共 {len(error.problems)} 处问题）："
    assert str(error).splitlines()[0] == error.message
    return [str(p) for p in error.problems]


def test_a_year_with_ranges_names_and_makeup_workdays(tmp_path):
    (override,) = load(
        tmp_path,
        """
        # 2027 年
        2027:
          notice: 国务院办公厅关于2027年部分节假日安排的通知
          days_off:
            - 2027-01-01: 元旦
            - 2027-02-06..2027-02-08: 春节
            - 2027-04-05
          workdays:
            - 2027-02-14
        """,
    )
    assert override.year == 2027
    assert override.notice == "国务院办公厅关于2027年部分节假日安排的通知"
    assert override.days_off == {
        date(2027, 1, 1): "元旦",
        date(2027, 2, 6): "春节",
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",
        date(2027, 4, 5): "法定节假日",  # a bare date gets the generic name
    }
    assert override.workdays == frozenset({date(2027, 2, 14)})


def test_empty_and_comment_only_files_give_no_years(tmp_path):
    assert load(tmp_path, "") == ()
    assert load(tmp_path, "# 格式示例\n# 2027:\n") == ()


def test_the_shipped_holidays_file_loads(tmp_path):
    from gdcomply.resources import bundled_config_dir

    assert load_holiday_overrides(bundled_config_dir() / "holidays.yaml") == ()


def test_the_example_in_the_shipped_file_is_valid_once_uncommented(tmp_path):
    from gdcomply.resources import bundled_config_dir

    text = (bundled_config_dir() / "holidays.yaml").read_text(encoding="utf-8")
    example = [line[2:] for line in text.splitlines() if line.startswith("# ") and line[2:3] in ("2", " ")]
    (override,) = load(tmp_path, "\n".join(example[example.index("2027:") :]) + "\n")
    assert override.year == 2027
    assert date(2027, 2, 14) in override.workdays


def test_a_key_that_is_not_a_year(tmp_path):
    assert problems(
        tmp_path,
        """
        2027: {notice: 通知, days_off: [], workdays: []}
        abc:
          notice: 通知
        1999:
          notice: 通知
        """,
    ) == [
        f"{SHOWN}:2:1: abc: “abc”不是年份（应为 2000 至 2035 之间的年份）",
        f"{SHOWN}:4:1: 1999: “1999”不是年份（应为 2000 至 2035 之间的年份）",
    ]


def test_a_file_that_is_not_a_mapping_of_years(tmp_path):
    assert problems(tmp_path, "- 2027-01-01\n") == [f"{SHOWN}:1:1: 应为以年份为键的映射（如 2027:）"]


def test_a_year_that_is_not_a_mapping(tmp_path):
    assert problems(tmp_path, "2027: [2027-01-01]\n") == [f"{SHOWN}:1:7: 2027: 应为映射（键: 值）"]


def test_an_unknown_key_is_reported_where_the_key_is(tmp_path):
    assert problems(
        tmp_path,
        """
        2027:
          notice: 通知
          day_off:
            - 2027-01-01
          workdays: []
        """,
    ) == [
        f"{SHOWN}:2:3: 2027: 缺少字段 days_off（该年在此填写后完全替换 holidays 包中的数据，"
        "必须写明全部放假日和调休上班日；没有调休上班日时写 workdays: []）",
        f"{SHOWN}:3:3: 2027.day_off: 未知的字段“day_off”，是否应为“days_off”？"
        "（允许的字段：days_off、notice、workdays）",
    ]


def test_a_missing_or_empty_notice(tmp_path):
    assert problems(
        tmp_path,
        """
        2027:
          days_off: [2027-01-01]
          workdays: []
        2028:
          notice: ""
          days_off: []
          workdays: []
        """,
    ) == [
        f"{SHOWN}:2:3: 2027: 缺少字段 notice（所依据的国务院办公厅通知的名称和文号）",
        f"{SHOWN}:5:11: 2028.notice: 不能为空，应为通知名称",
    ]


def test_days_off_that_is_not_a_list(tmp_path):
    assert problems(tmp_path, "2027:\n  notice: 通知\n  days_off: 2027-01-01\n  workdays: []\n") == [
        f"{SHOWN}:3:13: 2027.days_off: 应为列表（每行一个日期或日期范围，如 - 2027-02-05..2027-02-11）"
    ]


def test_dates_that_do_not_exist_or_are_malformed(tmp_path):
    assert problems(
        tmp_path,
        """
        2027:
          notice: 通知
          days_off:
            - 2027-02-30
            - 2027-02-29: 春节
            - 2027/10/01
            - 2027-10-01..2027-10-32
          workdays: []
        """,
    ) == [
        f"{SHOWN}:4:7: 2027.days_off[0]: “2027-02-30”不是有效的日期（该日期不存在）",
        f"{SHOWN}:5:7: 2027.days_off[1]: “2027-02-29”不是有效的日期（该日期不存在）",
        f"{SHOWN}:6:7: 2027.days_off[2]: “2027/10/01”不是有效的日期（格式应为 YYYY-MM-DD）",
        f"{SHOWN}:7:7: 2027.days_off[3]: “2027-10-32”不是有效的日期（该日期不存在）",
    ]


def test_a_date_outside_its_year_and_a_backward_range(tmp_path):
    assert problems(
        tmp_path,
        """
        2027:
          notice: 通知
          days_off:
            - 2026-12-31: 元旦
            - 2027-10-07..2027-10-01: 国庆节
          workdays: []
        """,
    ) == [
        f"{SHOWN}:4:7: 2027.days_off[0]: 2026-12-31 不在 2027 年内",
        f"{SHOWN}:5:7: 2027.days_off[1]: 日期范围“2027-10-07..2027-10-01”的结束日期早于开始日期",
    ]


def test_a_range_reaching_into_another_year_is_one_problem(tmp_path):
    assert problems(
        tmp_path,
        """
        2027:
          notice: 通知
          days_off:
            - 2027-10-01..2072-10-07: 国庆节
          workdays:
            - 2026-12-26..2027-01-02
        """,
    ) == [
        f"{SHOWN}:4:7: 2027.days_off[0]: 日期范围“2027-10-01..2072-10-07”不全在 2027 年内",
        f"{SHOWN}:6:7: 2027.workdays[0]: 日期范围“2026-12-26..2027-01-02”不全在 2027 年内",
    ]


def test_an_item_with_two_dates_in_one_mapping(tmp_path):
    assert problems(
        tmp_path,
        """
        2027:
          notice: 通知
          days_off:
            - {2027-01-01: 元旦, 2027-01-02: 元旦}
          workdays: []
        """,
    ) == [f"{SHOWN}:4:7: 2027.days_off[0]: 应为“日期或范围: 名称”的一项，如 2027-02-05..2027-02-11: 春节"]


def test_makeup_workdays_must_be_weekend_days_that_are_not_off(tmp_path):
    assert problems(
        tmp_path,
        """
        2027:
          notice: 通知
          days_off:
            - 2027-02-06..2027-02-12: 春节
          workdays:
            - 2027-02-15
            - 2027-02-06
            - 2027-02-14
        """,
    ) == [
        f"{SHOWN}:6:7: 2027.workdays[0]: 2027-02-15 不是周末，不需要列为调休上班日",
        f"{SHOWN}:7:7: 2027.workdays[1]: 2027-02-06 同时列为放假日和调休上班日",
    ]


def test_a_year_given_twice(tmp_path):
    assert problems(
        tmp_path,
        """
        2027: {notice: 通知一, days_off: [], workdays: []}
        2027: {notice: 通知二, days_off: [], workdays: []}
        """,
    ) == [f"{SHOWN}:2:1: 2027: 重复的键“2027”（第一次出现在第 1 行）"]


def test_a_yaml_syntax_error(tmp_path):
    assert problems(tmp_path, "2027:\n  notice: 通知\n  days_off: [2027-01-01\n") == [
        f"{SHOWN}:4:1: YAML 语法错误：方括号 [ ] 没有闭合，或两项之间缺少逗号（did not find expected ',' or ']'）"
    ]


def test_every_problem_is_reported_in_file_order(tmp_path):
    found = problems(
        tmp_path,
        """
        2027:
          notice: 通知
          workdays: [2027-02-15]
          days_off:
            - 2027-13-01
        2028:
          notes: 拼错
          days_off: []
          workdays: []
        """,
    )
    assert found == [
        f"{SHOWN}:3:14: 2027.workdays[0]: 2027-02-15 不是周末，不需要列为调休上班日",
        f"{SHOWN}:5:7: 2027.days_off[0]: “2027-13-01”不是有效的日期（该日期不存在）",
        f"{SHOWN}:7:3: 2028.notes: 未知的字段“notes”，是否应为“notice”？（允许的字段：days_off、notice、workdays）",
        f"{SHOWN}:7:3: 2028: 缺少字段 notice（所依据的国务院办公厅通知的名称和文号）",
    ]


# -- a year entry must say what it replaces (issue 11, item 2) ----------------------------------


def test_an_empty_year_entry_is_an_error_not_a_year_without_holidays(tmp_path):
    # `2026: {notice: x}` used to load as a year with no holidays at all, silently turning
    # October 2026's seven days off into working days
    assert problems(tmp_path, "2026: {notice: x}\n") == [
        f"{SHOWN}:1:7: 2026: 缺少字段 days_off 和 workdays（该年在此填写后完全替换 holidays 包中的数据，"
        "必须写明全部放假日和调休上班日；没有调休上班日时写 workdays: []）"
    ]


def test_a_year_without_makeup_days_says_so_with_an_empty_list(tmp_path):
    (override,) = load(tmp_path, "2027:\n  notice: 通知\n  days_off: [2027-01-01]\n  workdays: []\n")
    assert override.workdays == frozenset()
    assert problems(tmp_path, "2027:\n  notice: 通知\n  days_off: [2027-01-01]\n  workdays:\n") == [
        f"{SHOWN}:4:12: 2027.workdays: 应为列表；没有时写空列表 []"
    ]


def test_a_year_may_name_several_notices(tmp_path):
    (override,) = load(
        tmp_path,
        """
        2019:
          notice:
            - 国务院办公厅关于2019年部分节假日安排的通知
            - 国务院办公厅关于调整2019年劳动节假期安排的通知
          days_off: [2019-05-01..2019-05-04: 劳动节]
          workdays: [2019-04-28: 劳动节, 2019-05-05]
        """,
    )
    assert override.sources == ("国务院办公厅关于2019年部分节假日安排的通知", "国务院办公厅关于调整2019年劳动节假期安排的通知")
    assert override.notice == "；".join(override.sources)
    assert override.workdays == {date(2019, 4, 28), date(2019, 5, 5)}
    assert override.workday_names == {date(2019, 4, 28): "劳动节"}
