"""Synthetic connection-application exports for demos, tests and benchmarks.

``generate`` is pure: the same rows, seed, as-of date and calendar give the same data. Each
application's connection time is drawn first and its dates are laid out with the calendar,
so the data hold both units, every class, a share of breaches, some customer-caused pauses
and, near as_of, applications not yet energised. Writing .xlsx lives in
gdcomply.reports.sample_xlsx (only reports/ touches openpyxl); CSV is written here.
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gdcomply.applications.columns import APPLICATION_COLUMNS, PAUSE_COLUMNS
from gdcomply.applications.model import BusinessType
from gdcomply.errors import RenderError
from gdcomply.workdays.model import Roll

if TYPE_CHECKING:
    from gdcomply.workdays.workcalendar import WorkCalendar

APPLICATION_HEADER: tuple[str, ...] = tuple(c.header for c in APPLICATION_COLUMNS)
PAUSE_HEADER: tuple[str, ...] = tuple(c.header for c in PAUSE_COLUMNS)
SPAN_DAYS = 540  # accepted dates spread over about three half-years before as_of

_UNITS = (("GY", "桂源公司", 0.55), ("GD", "供电公司", 0.45))
_SURNAMES = "李黄陈梁刘林张莫韦覃蒙卢罗谢钟廖周吴邓杨何潘唐蒋苏"
_GIVEN = "文华明建国志伟秀英桂芳丽海军平玉兰东红春燕金凤德成永强德荣"
_PLACES = ("贺州市八步区", "贺州市平桂区", "昭平县", "钟山县", "富川瑶族自治县")
_STREETS = ("建设中路", "太白路", "灵峰北路", "光明大道", "江北东路", "西约街", "民主街", "八达东路", "鹅塘镇")
_TRADE_NAMES = "桂东瑞丰宏达富民瑶乡昭平黄姚钟灵金源顺通华盛鑫茂"
_TRADES = ("商贸", "餐饮", "建材", "食品", "物流", "农业科技", "五金", "木业", "茶业", "电子")
_FIRMS = ("有限公司", "经营部", "加工厂", "店")
_CHANNELS = ("网上营业厅", "微信公众号", "营业厅", "966068 服务热线", "客户经理上门")
_REASONS = ("客户要求暂缓送电", "客户内部工程未完工", "客户资料补充中", "客户申请变更容量")
_MATERIALS = {
    "residential": ("身份证明、房屋产权证明", "身份证明"),
    "small-micro": ("营业执照、法人身份证明、用电地址权属证明", "营业执照、用电地址权属证明"),
    "other": ("营业执照、法人身份证明、用电地址权属证明、用电设备清单",),
    "high": ("营业执照、法人身份证明、用电地址权属证明、项目批复文件、用电设备清单",),
}


@dataclass(frozen=True)
class SampleData:
    """Rows ready to write: dates as date, amounts as Decimal or int, None for an empty cell."""

    application_header: tuple[str, ...]
    applications: list[tuple[Any, ...]]
    pause_header: tuple[str, ...]
    pauses: list[tuple[Any, ...]]


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _firm(rng: random.Random, place: str) -> str:
    city = "贺州市" if place.startswith("贺州市") else place
    trade_name = "".join(rng.choice(_TRADE_NAMES) for _ in range(2))
    return f"{city}{trade_name}{rng.choice(_TRADES)}{rng.choice(_FIRMS)}"


def generate(rows: int, seed: int, calendar: WorkCalendar, as_of: date) -> SampleData:
    """rows applications accepted over the SPAN_DAYS before as_of, with their pauses."""
    rng = random.Random(seed)
    first_day = as_of - timedelta(days=SPAN_DAYS)
    accepted_days = sorted(
        min(calendar.roll(first_day + timedelta(days=rng.randrange(SPAN_DAYS + 1)), Roll.FOLLOWING), as_of)
        for _ in range(rows)
    )
    applications: list[tuple[Any, ...]] = []
    pauses: list[tuple[Any, ...]] = []
    for sequence, accepted in enumerate(accepted_days, start=1):
        prefix, unit = (_UNITS[0] if rng.random() < _UNITS[0][2] else _UNITS[1])[:2]
        application_id = f"{prefix}{accepted.year}{sequence:07d}"
        place = rng.choice(_PLACES)
        address = f"{place}{rng.choice(_STREETS)}{rng.randint(1, 388)}号"
        draw = rng.random()
        small_micro = "否"
        cost: Decimal | None = Decimal(0)
        if draw < 0.60:
            kind = "residential"
            business_type = BusinessType.LV_RESIDENTIAL_NEW if rng.random() < 0.8 else BusinessType.LV_RESIDENTIAL_INCREASE
            customer = _person(rng)
            voltage = rng.choice(("0.22kV", "0.4kV"))
            capacity = Decimal(rng.choice((4, 6, 8, 10, 12, 16, 20)))
            working_days = rng.randint(3, 18) if rng.random() > 0.05 else rng.randint(23, 30)
            steps, visits = 2, 0 if rng.random() < 0.92 else 1
        elif draw < 0.80:
            kind = "small-micro"
            small_micro = "是"
            business_type = BusinessType.LV_NON_RESIDENTIAL_NEW if rng.random() < 0.75 else BusinessType.LV_NON_RESIDENTIAL_INCREASE
            customer = _firm(rng, place)
            voltage = "0.4kV"
            capacity = Decimal(rng.choice((20, 30, 50, 80, 100, 125, 160, 160, 200)))
            working_days = rng.randint(5, 24) if rng.random() > 0.08 else rng.randint(26, 35)
            steps = 2 if rng.random() < 0.9 else 3
            visits = 0 if rng.random() < 0.7 else (1 if rng.random() < 0.9 else 2)
            if rng.random() > 0.85:
                cost = Decimal(rng.choice((1200, 2350, 3580))) + Decimal(rng.choice((0, 50))) / 100
        elif draw < 0.92:
            kind = "other"
            business_type = BusinessType.LV_NON_RESIDENTIAL_NEW if rng.random() < 0.7 else BusinessType.LV_NON_RESIDENTIAL_INCREASE
            customer = _firm(rng, place)
            voltage = "0.4kV"
            capacity = Decimal(rng.choice((50, 100, 160, 200, 250, 315)))
            working_days = rng.randint(5, 30)
            steps, visits = 3, rng.choice((0, 1, 1))
            cost = Decimal(rng.choice((0, 0, 4800, 12600)))
        else:
            kind = "high"
            business_type = BusinessType.HV_NEW if rng.random() < 0.7 else BusinessType.HV_INCREASE
            customer = _firm(rng, place).replace("店", "有限公司")
            voltage = "10kV"
            capacity = Decimal(rng.choice((250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000)))
            working_days = rng.randint(20, 60)
            steps, visits = 4, rng.choice((0, 1, 1, 2))
            cost = Decimal(rng.choice((0, 35000, 86000, 152000)))
        if (as_of - accepted).days <= 60 and rng.random() < 0.15:
            working_days += rng.randint(10, 25)  # held up: some of these are open and overdue on as_of
        paused = 0
        if rng.random() < 0.05:
            paused = rng.randint(2, 8)
            pause_start = calendar.add(accepted, rng.randint(1, max(1, working_days - 1)))
            pause_end = calendar.add(pause_start, paused)
        energised: date | None = calendar.add(accepted, working_days + paused)
        if energised > as_of:  # type: ignore[operator]
            energised = None
            if paused and pause_end > as_of:
                pause_end = None  # still paused on as_of
        if paused and pause_start <= as_of:
            pauses.append((application_id, pause_start, pause_end, rng.choice(_REASONS)))
        applications.append(
            (
                application_id,
                unit,
                customer,
                address,
                business_type.value,
                small_micro,
                voltage,
                capacity,
                accepted,
                energised,
                steps,
                rng.choice(_MATERIALS[kind]),
                cost,
                visits,
                rng.choice(_CHANNELS),
            )
        )
    return SampleData(APPLICATION_HEADER, applications, PAUSE_HEADER, pauses)


def pauses_csv_path(path: Path) -> Path:
    """Where the pauses of a CSV sample go: beside it, as NAME-pauses.csv."""
    return path.with_name(f"{path.stem}-pauses{path.suffix}")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value.year}/{value.month}/{value.day}"  # as Excel on a Chinese Windows writes it
    return str(value)


def sample_paths(path: Path) -> list[Path]:
    """The files a sample written to path occupies: path, and for a CSV its pauses file."""
    return [path, pauses_csv_path(path)] if path.suffix.lower() == ".csv" else [path]


def write_sample_csv(data: SampleData, path: Path, encoding: str = "utf-8-sig") -> list[Path]:
    """The applications CSV and, beside it, the pauses CSV; UTF-8 with BOM opens well in Excel.

    Both are written under temporary names first and renamed into place only when both are
    complete, so a failure leaves neither a half-written file nor a half-replaced pair.
    """
    targets = [
        (path, data.application_header, data.applications),
        (pauses_csv_path(path), data.pause_header, data.pauses),
    ]
    write_csv_files(targets, encoding)
    return [target for target, _, _ in targets]


def write_csv_files(targets: list[tuple[Path, tuple[str, ...], list[tuple[Any, ...]]]], encoding: str = "utf-8-sig") -> None:
    """Write (path, header, rows) CSV files: under temporary names first, renamed into place
    only when all are complete (also the complaints sample's writer)."""
    shown = targets[0][0]
    temporary = [target.with_name(f".{target.name}.{os.getpid()}.tmp") for target, _, _ in targets]
    try:
        for tmp, (_, header, rows) in zip(temporary, targets):
            with tmp.open("w", encoding=encoding, newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows([_csv_cell(v) for v in row] for row in rows)
        for tmp, (target, _, _) in zip(temporary, targets):
            os.replace(tmp, target)
    except OSError as exc:
        raise RenderError(f"无法写入 {shown}：{exc.strerror or exc}") from None
    except UnicodeEncodeError as exc:
        raise RenderError(f"无法以 {encoding} 编码写入 {shown}：{exc.reason}") from None
    finally:
        for tmp in temporary:
            tmp.unlink(missing_ok=True)
