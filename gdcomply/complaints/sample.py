"""Synthetic complaint exports for demos, tests and benchmarks.

``generate`` is pure: the same rows, seed, as-of date, calendar and units give the same
export. Complaints come in over the SPAN_DAYS before as_of from both hotlines and other
channels; most replies are within 10 working days, some late, and recent ones are still
open; a share of phone numbers call again (repeat complaints). Writing .xlsx lives in
gdcomply.reports.sample_xlsx (only reports/ touches openpyxl); CSV (UTF-8 or GBK) is written
with the applications sample's writer.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gdcomply.applications.sample import write_csv_files
from gdcomply.complaints.model import Category
from gdcomply.complaints.settings import COMPLAINT_COLUMNS

if TYPE_CHECKING:
    from gdcomply.workdays.workcalendar import WorkCalendar

HEADER: tuple[str, ...] = tuple(c.header for c in COMPLAINT_COLUMNS)
SPAN_DAYS = 540
_SOURCES = (("12398", 0.35), ("966068", 0.55), ("网上国网", 0.10))
_CATEGORIES = ((Category.CONNECTION, 0.22), (Category.BILLING, 0.25), (Category.SERVICE, 0.28),
               (Category.DISCLOSURE, 0.05), (Category.QUALITY, 0.15), (Category.OTHER, 0.05))  # fmt: skip
_SUMMARIES = {
    Category.CONNECTION: ("新装用电办理时间过长", "增容申请多次要求补充材料", "报装后迟迟未装表接电"),
    Category.BILLING: ("对电费金额有异议", "电费缴纳后仍收到催费通知", "阶梯电价计算有疑问"),
    Category.SERVICE: ("营业厅工作人员态度差", "抢修人员到达不及时", "热线多次无人回访"),
    Category.DISCLOSURE: ("停电计划未提前公告", "收费标准未公开"),
    Category.QUALITY: ("频繁停电", "电压偏低，电器无法正常使用", "夜间电压波动大"),
    Category.OTHER: ("咨询线路迁改事宜", "其他意见建议"),
}
_SURNAMES = "李黄陈梁刘林张莫韦覃蒙卢罗谢钟廖周吴邓杨何潘唐蒋苏"
_GIVEN = "文华明建国志伟秀英桂芳丽海军平玉兰东红春燕金凤德成永强"


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    draw = rng.random()
    for value, weight in weighted:
        draw -= weight
        if draw < 0:
            return value
    return weighted[-1][0]


def generate(
    rows: int, seed: int, calendar: WorkCalendar, as_of: date, units: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    """rows complaints received over the SPAN_DAYS before as_of, put on the named units (the
    first two, the supply units, get most of them)."""
    rng = random.Random(seed)
    first_day = as_of - timedelta(days=SPAN_DAYS)
    received_days = sorted(first_day + timedelta(days=rng.randrange(SPAN_DAYS + 1)) for _ in range(rows))
    phones: list[str] = []
    result: list[tuple[Any, ...]] = []
    for sequence, received in enumerate(received_days, start=1):
        source = _pick(rng, _SOURCES)
        prefix = {"12398": "GX", "966068": "K"}.get(source, "W")
        ticket = f"{prefix}{received:%Y%m%d}{sequence:06d}"
        category = _pick(rng, _CATEGORIES)
        if phones and rng.random() < 0.06:
            phone = rng.choice(phones[-200:])  # the same caller again
        else:
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            phones.append(phone)
        customer = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
        draw = rng.random()  # the two supply units first, the rest less often
        unit = units[0] if draw < 0.4 else units[1 % len(units)] if draw < 0.75 else rng.choice(units)
        reply_days = rng.randint(1, 9) if rng.random() > 0.08 else rng.randint(11, 16)
        replied: date | None = calendar.add(received, reply_days)
        closed: date | None = calendar.add(replied, rng.randint(0, 12)) if replied else None  # type: ignore[arg-type]
        stalled = (as_of - received).days <= 40 and rng.random() < 0.12  # some recent ones left unanswered
        if stalled or replied > as_of:  # type: ignore[operator]
            replied = closed = None
        elif closed is not None and closed > as_of:
            closed = None
        draw = rng.random()
        substantiated = "" if replied is None or draw < 0.1 else ("是" if draw < 0.45 else "否")
        measures = "已约谈责任班组并限期整改" if substantiated == "是" else ""
        application_id = ""
        if category is Category.CONNECTION and rng.random() < 0.5:
            application_id = f"{rng.choice(('GY', 'GD'))}{received.year}{rng.randrange(1, 10**7):07d}"
        result.append(
            (
                ticket, source if source != "网上国网" else "其他", received, unit, category.value,
                customer, phone, rng.choice(_SUMMARIES[category]), replied, closed, substantiated, measures,
                application_id,
            )  # fmt: skip
        )
    return result


def write_csv(rows: list[tuple[Any, ...]], path: Path, encoding: str = "utf-8-sig") -> None:
    """The export as CSV: UTF-8 with BOM (opens well in Excel) or GBK, as hotline systems write it."""
    write_csv_files([(path, HEADER, rows)], encoding)
