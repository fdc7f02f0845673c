"""The cells of an export, converted: each function takes a raw cell (str, float, int, date,
datetime or bool, as calamine or the csv module gives it) and returns its value, None for an
empty optional cell, or ``Bad`` with the message (without the column name in front).

Speed (see gdcomply.applications.read): no exception is raised per cell, text dates are
matched by one regex, and ``Memo`` converts each distinct value of a column once.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Callable, Iterable

from gdcomply.applications.model import BusinessType
from gdcomply.workdays.model import RANGE_END, RANGE_START

if TYPE_CHECKING:
    from gdcomply.applications.targets import Targets

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's phantom 1900-02-29 is skipped
_FIRST_SERIAL = (RANGE_START - _EXCEL_EPOCH).days
_LAST_SERIAL = (RANGE_END - _EXCEL_EPOCH).days
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:T|\s+)\d{1,2}[:：时]\d{1,2}(?:[:：分]\d{1,2}(?:\.\d+)?)?[分秒]?)?\s*\Z"
)
_LIST_SEPARATORS = re.compile(r"[、，,;；\n]")
# Plausibility bounds: a value above them is a typing or export error (and a 30-digit number
# would overflow the two-decimal rounding of the means). Far above any real connection:
# the largest single connection cost in the plan's area is in the millions of 元, a 220 kV
# substation's transformers are about 10^5-10^6 kVA, and a handful of steps, materials or
# visits is the norm.
MAX_COST = Decimal(10) ** 10  # 元: 100 亿元
MAX_CAPACITY_KVA = Decimal(10) ** 7  # kVA: 1000 万 kVA
MAX_COUNT = 1000  # 环节数, 申请材料, 跑动次数
_YES = frozenset({"是", "y", "yes", "true", "1", "√"})
_NO = frozenset({"否", "n", "no", "false", "0", ""})


# -- cell values ---------------------------------------------------------------------------


class Bad:
    """A cell value that failed: the message, without the column name in front."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class Memo(dict):
    """value -> converted value (or Bad), converting each distinct value once.

    Keys compare like Python values, so 1, 1.0 and True share an entry (here and in the
    group dicts of _read_rows): a boolean cell in a numeric column reads as 1 after a 1 was
    seen. Marketing-system exports never write boolean cells into these columns, and a type
    check per cell to catch it would cost more than the memo saves.
    """

    __slots__ = ("convert",)

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.convert(key)
        return value


EMPTY_REQUIRED = Bad("为空（必填）")


def _shown(value: Any) -> str:
    """A cell value as the user typed it (an integral float without its .0)."""
    if value.__class__ is float and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def cell_text(value: Any) -> str:
    if value.__class__ is str:
        return value.strip()
    if value.__class__ is float and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_texts(cells: Iterable[Any]) -> list[str]:
    """Cells as cell_text gives them, a column at a time: all text, as they mostly are, at C
    speed (str.strip mapped over them), else cell by cell."""
    cells = cells if isinstance(cells, list) else list(cells)
    try:
        return list(map(str.strip, cells))
    except TypeError:  # a number or a date among them
        return [c.strip() if c.__class__ is str else cell_text(c) for c in cells]


def to_date(value: Any) -> date | Bad | None:
    cls = value.__class__
    if cls is date:
        day = value
    elif cls is datetime:
        day = value.date()
    elif cls is float or cls is int:
        if not _FIRST_SERIAL <= value < _LAST_SERIAL + 1:
            return Bad(
                f"“{_shown(value)}”不是日期（作为 Excel 日期序号，它不在工作日历支持的"
                f" {RANGE_START.isoformat()} 至 {RANGE_END.isoformat()} 之间）"
            )
        return _EXCEL_EPOCH + timedelta(days=int(value))  # a fraction is the time of day
    elif cls is str:
        text = value.strip()
        if not text:
            return None
        match = _DATE_TEXT.match(text)
        if match is None:
            return Bad(f"“{text}”不是日期（应写成 2026-03-05、2026/3/5 或 2026年3月5日）")
        year, month, day_of_month = (int(g) for g in match.groups())
        try:
            day = date(year, month, day_of_month)
        except ValueError:
            return Bad(f"“{text}”不是有效的日期（{year} 年没有 {month} 月 {day_of_month} 日）")
    else:
        return Bad(f"“{_shown(value)}”不是日期")
    if not RANGE_START <= day <= RANGE_END:
        return Bad(
            f"日期 {day.isoformat()} 超出工作日历支持的范围"
            f"（{RANGE_START.isoformat()} 至 {RANGE_END.isoformat()}）"
        )
    return day


def to_required_date(value: Any) -> date | Bad:
    day = to_date(value)
    return EMPTY_REQUIRED if day is None else day


def _to_decimal(value: Any) -> Decimal | Bad | None:
    """A number as Decimal; None for an empty cell. Text may carry 元/kVA, ¥ and thousands commas."""
    cls = value.__class__
    if cls is float:
        if value != value or value in (float("inf"), float("-inf")):
            return Bad(f"“{value}”不是数字")
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    if cls is int:
        return Decimal(value)
    if cls is not str:
        return Bad(f"“{_shown(value)}”不是数字")
    text = value.strip()
    if not text:
        return None
    cleaned = text.replace(",", "").replace("，", "").lstrip("¥￥").strip()
    for unit in ("千伏安", "kVA", "kva", "KVA", "元"):
        if cleaned.endswith(unit):
            cleaned = cleaned[: -len(unit)].strip()
            break
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return Bad(f"“{text}”不是数字")
    if not number.is_finite():
        return Bad(f"“{text}”不是数字")
    return number


def _too_large(value: Any, limit: str) -> Bad:
    # a huge float cell shows as 1e+30, not as its 31 digits
    shown = repr(value) if value.__class__ is float and abs(value) >= 1e16 else _shown(value)
    return Bad(f"数值过大（超过 {limit}）：“{shown}”，请核对是否填错")


def to_capacity(value: Any) -> Decimal | Bad:
    number = _to_decimal(value)
    if number is None:
        return EMPTY_REQUIRED
    if number.__class__ is Decimal:
        if number <= 0:
            return Bad(f"“{_shown(value)}”应为大于 0 的数字")
        if number > MAX_CAPACITY_KVA:
            return _too_large(value, "1000 万 kVA")
    return number


def to_cost(value: Any) -> Decimal | Bad | None:
    number = _to_decimal(value)
    if number.__class__ is Decimal:
        if number < 0:
            return Bad(f"“{_shown(value)}”不能为负数")
        if number > MAX_COST:
            return _too_large(value, "100 亿元")
    return number


def to_count(value: Any) -> int | Bad | None:
    cls = value.__class__
    number: int | None = None
    if cls is str:
        text = value.strip()
        if not text:
            return None
        if text.isdigit():
            number = int(text)
    elif (cls is int or cls is float) and value >= 0 and float(value).is_integer():
        number = int(value)
    if number is None:
        return Bad(f"“{_shown(value)}”应为不小于 0 的整数")
    if number > MAX_COUNT:
        return _too_large(value, str(MAX_COUNT))
    return number


def to_materials(value: Any) -> int | Bad | None:
    if value.__class__ is not str:
        return to_count(value)
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return to_count(text)
    return sum(1 for item in _LIST_SEPARATORS.split(text) if item.strip())


def to_small_micro(value: Any) -> bool | Bad:
    answer = to_yes_no(value)
    return False if answer is None else answer


def to_business_type(value: Any) -> BusinessType | Bad:
    text = cell_text(value)
    if not text:
        return EMPTY_REQUIRED
    try:
        return BusinessType(text)
    except ValueError:
        names = "、".join(t.value for t in BusinessType)
        return Bad(f"“{text}”不是已知的业务类型（应为 {names} 之一）")


def unit_converter(targets: Targets) -> Callable[[Any], str | Bad]:
    known = "、".join(f"{names[0]}（{party}）" for party, names in targets.units.items())
    return name_converter(
        targets.resolve_unit,
        lambda text: f"“{text}”不是已知的供电单位（应为 {known}；其他写法请加到 config/targets.yaml 的 units 中）",
    )


def name_converter(resolve: Callable[[str], str | None], unknown: Callable[[str], str]) -> Callable[[Any], str | Bad]:
    """A required cell naming one of a set (a unit, a department): its id, or the message of
    unknown(text) (also the complaints reader's 责任单位)."""

    def convert(value: Any) -> str | Bad:
        text = cell_text(value)
        if not text:
            return EMPTY_REQUIRED
        found = resolve(text)
        return Bad(unknown(text)) if found is None else found

    return convert


def to_yes_no(value: Any) -> bool | Bad | None:
    """是/否 (and yes/no, true/false, 1/0, √) for a fact column or a complaint's 是否属实; None for
    an empty cell (the export does not say)."""
    text = cell_text(value).lower() if value.__class__ is not bool else str(value).lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    return Bad(f"“{_shown(value)}”应为“是”或“否”（不知道的空着）")


def to_dual_source(value: Any) -> bool | Bad | None:
    """电源: 单电源 False, 双电源 (or more) True; None when empty."""
    text = cell_text(value)
    if not text:
        return None
    if text in ("单电源", "单", "single"):
        return False
    if text in ("双电源", "双", "多电源", "dual"):
        return True
    return Bad(f"“{text}”应为“单电源”或“双电源”（不知道的空着）")


def to_rural(value: Any) -> bool | Bad | None:
    """城乡: 城镇/城市 False, 农村/乡村 True; None when empty."""
    text = cell_text(value)
    if not text:
        return None
    if text in ("城镇", "城市", "城区", "town"):
        return False
    if text in ("农村", "乡村", "countryside"):
        return True
    return Bad(f"“{text}”应为“城镇”或“农村”（不知道的空着）")


def to_capacity_kw(value: Any) -> Decimal | Bad | None:
    """容量(kW): optional; text may carry kW or 千瓦, never kVA."""
    if value.__class__ is str:
        text = value.strip()
        if "kva" in text.lower() or "千伏安" in text:
            return Bad(f"“{text}”是 kVA，这一列应填 kW")
        for unit in ("千瓦", "kW", "kw", "KW"):
            if text.endswith(unit):
                value = text[: -len(unit)].strip()
                break
    number = _to_decimal(value)
    if number.__class__ is Decimal:
        if number <= 0:
            return Bad(f"“{_shown(value)}”应为大于 0 的数字")
        if number > MAX_CAPACITY_KVA:
            return _too_large(value, "1000 万 kW")
    return number


def pause_kind_converter(default: Any) -> Callable[[Any], Any]:
    """暂停类型 by its Chinese label or its key; an empty cell takes the settings' default."""
    from gdcomply.applications.model import PauseKind

    known = {k.label: k for k in PauseKind} | {k.value: k for k in PauseKind} | {"客户": PauseKind.CUSTOMER}

    def convert(value: Any) -> Any:
        text = cell_text(value)
        if not text:
            return default
        found = known.get(text)
        if found is None:
            return Bad(f"“{text}”不是已知的暂停类型（应为 {'、'.join(k.label for k in PauseKind)}）")
        return found

    return convert
