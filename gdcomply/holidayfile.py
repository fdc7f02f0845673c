"""Loader of config/holidays.yaml: official holiday notices that override the holidays package."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from gdcomply import yamlsource
from gdcomply.workdays import RANGE_END, RANGE_START, YearOverride
from gdcomply.yamlsource import Node, Problems

_YEAR_KEYS = frozenset({"notice", "days_off", "workdays"})
DEFAULT_HOLIDAY_NAME = "法定节假日"
_ISO_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


def load_holiday_overrides(path: Path, display: str | None = None) -> tuple[YearOverride, ...]:
    """Every year of the file, or a ConfigError listing every problem with its position."""
    root, problems = yamlsource.load(path, display)
    overrides = parse_holiday_overrides(root, problems)
    problems.raise_if_any(f"节假日文件 {display or path} 有错误")
    return overrides


def parse_holiday_overrides(root: Node | None, problems: Problems) -> tuple[YearOverride, ...]:
    if root is None:  # an empty file, or one with comments only
        return ()
    if not yamlsource.expect_map(root, problems, "以年份为键的映射（如 2027:）"):
        return ()
    result = []
    for key, entry in root.value.items():
        if not (key.isdigit() and RANGE_START.year <= int(key) <= RANGE_END.year):
            problems.add(
                entry,
                f"“{key}”不是年份（应为 {RANGE_START.year} 至 {RANGE_END.year} 之间的年份）",
                at_key=True,
            )
            continue
        year = int(key)
        if not yamlsource.expect_map(entry, problems):
            continue
        yamlsource.check_keys(entry, _YEAR_KEYS, problems)
        notice_node = entry.get("notice")
        notice = ""
        if notice_node is None:
            problems.add(entry, "缺少字段 notice（所依据的国务院办公厅通知的名称和文号）")
        else:
            notice = yamlsource.expect_str(notice_node, problems, required_text="通知名称") or ""
        days_off: dict[date, str] = {}
        for item in _items(entry.get("days_off"), problems):
            for day, name in _parse_days(item, year, problems):
                days_off[day] = name
        workdays: set[date] = set()
        for item in _items(entry.get("workdays"), problems):
            for day, _ in _parse_days(item, year, problems):
                if day.weekday() < 5:
                    problems.add(item, f"{day.isoformat()} 不是周末，不需要列为调休上班日")
                elif day in days_off:
                    problems.add(item, f"{day.isoformat()} 同时列为放假日和调休上班日")
                else:
                    workdays.add(day)
        result.append(YearOverride(year, notice, days_off, frozenset(workdays)))
    return tuple(result)


def _items(node: Node | None, problems: Problems) -> list[Node]:
    if node is None or node.value is None:
        return []
    if node.kind != "seq":
        problems.add(node, "应为列表（每行一个日期或日期范围，如 - 2027-02-05..2027-02-11）")
        return []
    return node.value


def _parse_days(node: Node, year: int, problems: Problems) -> list[tuple[date, str]]:
    """A date, a range 'A..B', or a one-key mapping {date or range: name}, all within year."""
    name = DEFAULT_HOLIDAY_NAME
    target = node
    if node.kind == "map":
        if len(node.value) != 1:
            problems.add(node, "应为“日期或范围: 名称”的一项，如 2027-02-05..2027-02-11: 春节")
            return []
        ((key, value_node),) = node.value.items()
        name = yamlsource.expect_str(value_node, problems, required_text="节日名称") or name
        text = key
    else:
        text = yamlsource.expect_str(node, problems, required_text="日期") or ""
        if not text:
            return []
    first_text, sep, last_text = text.partition("..")
    first = _date(first_text.strip(), target, problems)
    last = _date(last_text.strip(), target, problems) if sep else first
    if first is None or last is None:
        return []
    if last < first:
        problems.add(target, f"日期范围“{text}”的结束日期早于开始日期")
        return []
    if first.year != year or last.year != year:
        # one problem for the whole range (a mistyped year must not list every day of it)
        what = f"日期范围“{text}”不全在" if sep else f"{first.isoformat()} 不在"
        problems.add(target, f"{what} {year} 年内")
        return []
    return [(first + timedelta(days=i), name) for i in range((last - first).days + 1)]


def _date(text: str, node: Node, problems: Problems) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        # a well-formed day that does not exist (02-30) needs a different hint than a typo
        hint = "该日期不存在" if _ISO_SHAPE.fullmatch(text) else "格式应为 YYYY-MM-DD"
        problems.add(node, f"“{text}”不是有效的日期（{hint}）")
        return None
