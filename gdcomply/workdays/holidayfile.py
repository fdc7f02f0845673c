"""config/holidays.yaml: official holiday notices that override the holidays package.

Loads the file (every problem with its position) and writes year entries into it (from an
imported notice) without touching the rest of its text.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from gdcomply import yamlsource
from gdcomply.errors import ConfigError, InputError
from gdcomply.workdays.model import RANGE_END, RANGE_START, YearOverride
from gdcomply.yamlsource import Node, Problems

if TYPE_CHECKING:
    from gdcomply.workdays.notice import Notice

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
        sources = _sources(entry, problems)
        # An entry replaces the package's year entirely: one that does not say what its days
        # off and make-up days are would silently erase that year's holidays.
        missing = [key for key in ("days_off", "workdays") if entry.get(key) is None]
        if missing:
            problems.add(
                entry,
                f"缺少字段 {' 和 '.join(missing)}（该年在此填写后完全替换 holidays 包中的数据，"
                "必须写明全部放假日和调休上班日；没有调休上班日时写 workdays: []）",
            )
        days_off: dict[date, str] = {}
        for item in _items(entry.get("days_off"), problems):
            for day, name in _parse_days(item, year, problems):
                days_off[day] = name
        workdays: dict[date, str] = {}
        for item in _items(entry.get("workdays"), problems):
            for day, name in _parse_days(item, year, problems):
                if day.weekday() < 5:
                    problems.add(item, f"{day.isoformat()} 不是周末，不需要列为调休上班日")
                elif day in days_off:
                    problems.add(item, f"{day.isoformat()} 同时列为放假日和调休上班日")
                else:
                    workdays[day] = name
        names = {d: n for d, n in workdays.items() if n != DEFAULT_HOLIDAY_NAME}
        result.append(
            YearOverride(year, "；".join(sources), days_off, frozenset(workdays), tuple(sources), names)
        )
    return tuple(result)


def _sources(entry: Node, problems: Problems) -> list[str]:
    """The notice (or notices, as a list) the year is taken from."""
    node = entry.get("notice")
    if node is None:
        problems.add(entry, "缺少字段 notice（所依据的国务院办公厅通知的名称和文号）")
        return []
    items = node.value if node.kind == "seq" else [node]
    if node.kind == "seq" and not items:
        problems.add(node, "不能为空，应为通知名称（或通知名称的列表）")
    texts = [yamlsource.expect_str(item, problems, required_text="通知名称") for item in items]
    return [t for t in texts if t]


def _items(node: Node | None, problems: Problems) -> list[Node]:
    if node is None:
        return []
    if node.value is None:
        problems.add(node, "应为列表；没有时写空列表 []")
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


# -- importing a notice ----------------------------------------------------------------------

PACKAGE_SOURCE = "holidays 包中的数据"


def plan_import(
    notice: Notice,
    existing: tuple[YearOverride, ...],
    package_days_off: dict[date, str],
    package_workdays: set[date] | frozenset[date],
    *,
    amend: bool = False,
) -> list[YearOverride]:
    """The year entries a notice gives: its own year (replaced, or amended) and neighbouring years.

    A neighbouring year's entry (or, when the file has none, the package's data for it) keeps
    its other days; the notice is added to its sources. An InputError when that cannot be done
    without guessing.
    """
    if notice.is_amendment and not amend:
        raise InputError(f"《{notice.title}》只调整部分节日：请加 --amend，只替换它涉及的节日")
    by_year = {o.year: o for o in existing}
    notice_off, notice_work = notice.days_off(), notice.workdays()
    result = []
    for year in notice.years():
        year_off = {d: n for d, n in notice_off.items() if d.year == year}
        year_work = {d: n for d, n in notice_work.items() if d.year == year}
        if year == notice.year and not amend:
            result.append(_override(year, (notice.source,), year_off, year_work))
            continue
        base = by_year.get(year) or _package_year(year, package_days_off, package_workdays)
        if base is None:
            what = "被调整的" if year == notice.year else "相邻的"
            raise InputError(
                f"通知涉及{what} {year} 年，但 holidays 包和 config/holidays.yaml 中都没有该年的安排，"
                f"无法在其基础上修改：请先录入 {year} 年的放假通知"
            )
        days_off = dict(base.days_off)
        workdays = {d: base.workday_names.get(d, "") for d in base.workdays}
        if year == notice.year:  # --amend: the holidays the notice names are replaced
            named = {part for h in notice.holidays for part in h.name.split("、")}
            days_off = {d: n for d, n in days_off.items() if not named & set(n.split("、"))}
            workdays = {d: n for d, n in workdays.items() if not named & set(n.split("、"))}
        for day in year_off:
            workdays.pop(day, None)
        for day in year_work:
            days_off.pop(day, None)
        days_off.update(year_off)
        workdays.update(year_work)
        sources = base.sources or (base.notice,)
        if notice.source not in sources:
            sources = (*sources, notice.source)
        result.append(_override(year, sources, days_off, workdays))
    return result


def _override(year: int, sources: tuple[str, ...], days_off: dict[date, str], workdays: dict[date, str]) -> YearOverride:
    names = {d: n for d, n in workdays.items() if n}
    return YearOverride(year, "；".join(sources), dict(sorted(days_off.items())), frozenset(workdays), sources, names)


def _package_year(
    year: int, days_off: dict[date, str], workdays: set[date] | frozenset[date]
) -> YearOverride | None:
    """The package's data for a year, or None when the package does not have the year."""
    year_work = {d for d in workdays if d.year == year}
    if not year_work:
        return None
    year_off = {d: n for d, n in days_off.items() if d.year == year}
    return _override(year, (PACKAGE_SOURCE,), year_off, {d: "" for d in year_work})


def render_year(override: YearOverride) -> str:
    """A year entry as YAML text in the file's format (ranges of consecutive days with one name)."""
    lines = [f"{override.year}:"]
    sources = override.sources or (override.notice,)
    if len(sources) == 1:
        lines.append(f"  notice: {_scalar(sources[0])}")
    else:
        lines.append("  notice:")
        lines += [f"    - {_scalar(s)}" for s in sources]
    workdays = {d: override.workday_names.get(d, "") for d in override.workdays}
    for key, days in (("days_off", override.days_off), ("workdays", workdays)):
        runs = _runs(days)
        if not runs:
            lines.append(f"  {key}: []")
            continue
        lines.append(f"  {key}:")
        for first, last, name in runs:
            span = first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
            lines.append(f"    - {span}: {_scalar(name)}" if name else f"    - {span}")
    return "\n".join(lines) + "\n"


def _runs(days: dict[date, str]) -> list[tuple[date, date, str]]:
    runs: list[list] = []
    for day in sorted(days):
        name = days[day]
        if runs and runs[-1][1] + timedelta(days=1) == day and runs[-1][2] == name:
            runs[-1][1] = day
        else:
            runs.append([day, day, name])
    return [tuple(r) for r in runs]  # type: ignore[misc]


def _scalar(text: str) -> str:
    """A YAML scalar for text: plain when that reads back the same, else quoted."""
    import yaml

    dumped = yaml.safe_dump(text, allow_unicode=True, width=1_000_000)
    dumped = dumped.removesuffix("\n...\n").removesuffix("\n")
    return dumped


def write_years(path: Path, overrides: list[YearOverride], display: str | None = None) -> None:
    """Put these year entries into the file: each replaces its year's entry, or is appended.

    Everything else of the file (comments, other years, their formatting) stays byte for byte.
    The new text is written to a temporary file, checked by the loader, then renamed over the
    file, so a failure leaves the file as it was.
    """
    import os

    shown = display or str(path)
    original = path.read_bytes() if path.exists() else b""
    text = original.decode("utf-8", errors="replace")  # a file that is not UTF-8 is refused below
    spans = _year_spans(path, text, shown) if original else {}
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    replaced: dict[int, list[str]] = {}
    appended: list[str] = []
    for override in sorted(overrides, key=lambda o: o.year):
        block = [line + newline for line in render_year(override).splitlines()]
        if override.year in spans:
            replaced[spans[override.year][0]] = block
        else:
            appended += ([newline] if appended else []) + block
    result: list[str] = []
    skip_until = -1
    for index, line in enumerate(lines):
        if index < skip_until:
            continue
        if index in replaced:
            result += replaced[index]
            skip_until = next(end for start, end in spans.values() if start == index)
            continue
        result.append(line)
    if appended:
        if result and not result[-1].endswith("\n"):
            result[-1] += newline
        if result and result[-1].strip():
            result.append(newline)
        result += appended
    data = "".join(result).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        load_holiday_overrides(tmp, shown)  # what is written must load (else a bug: keep the file)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _year_spans(path: Path, text: str, shown: str) -> dict[int, tuple[int, int]]:
    """Year -> (first line, line after its last) of each entry, 0-based; comments after stay out."""
    root, problems = yamlsource.load(path, shown)
    parse_holiday_overrides(root, problems)
    problems.raise_if_any(f"节假日文件 {shown} 有错误，请先改正（未做任何修改）")
    if root is None:
        return {}
    lines = text.splitlines()
    starts = sorted((node.key_line - 1, key, node.key_column) for key, node in root.value.items())
    if any(column != 1 for _, _, column in starts):
        raise ConfigError(f"节假日文件 {shown} 不是逐行书写的格式（年份应顶格写在行首），无法自动修改，未做任何修改")
    spans: dict[int, tuple[int, int]] = {}
    for i, (start, key, _) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        spans[int(key)] = (start, end)
    return spans
