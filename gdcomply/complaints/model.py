"""Complaints as the register keeps them: sources, categories, the record, periods and masking.

A complaint is identified by its source and the ticket number the hotline system gave it
(``12398/GX2026…``); a later export of the same ticket updates the record. ``record()`` is
the row the ledger stores (plain text, dates as YYYY-MM-DD), the same on every store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from operator import attrgetter
from typing import Any, Iterable, NamedTuple

from gdcomply.errors import UsageError


class Source(Enum):
    """Where a complaint came in: the regulator's 12398 hotline, the company's 966068, or another channel."""

    HOTLINE_12398 = "12398"
    HOTLINE_966068 = "966068"
    OTHER = "other"

    @property
    def label(self) -> str:
        return "其他" if self is Source.OTHER else self.value


class Category(Enum):
    """The fields of supervision the plan names (二(四)), and 其他."""

    CONNECTION = "业扩报装"
    BILLING = "营业收费"
    SERVICE = "供电服务"
    DISCLOSURE = "信息公开"
    QUALITY = "供电质量"
    OTHER = "其他"


# The sheets a hotline system exports its tickets under (else an export's first sheet is read).
COMPLAINT_SHEETS = ("投诉", "工单", "complaints")

# The columns of the ledger's complaints table that hold the record, in this order (the rest
# are id, recorded_at, recorded_by and updated_at).
RECORD_FIELDS: tuple[str, ...] = (
    "source", "ticket", "received", "unit", "category", "customer", "phone", "summary",
    "replied", "closed", "substantiated", "measures", "application_id",
)  # fmt: skip


class Complaint(NamedTuple):
    """One complaint ticket. substantiated: True 属实, False 不属实, None not (yet) decided.

    A named tuple (as applications.model.Application): a 100,000-row export builds it fast.
    """

    source: Source
    ticket: str
    received: date
    unit: str  # a party id of config/deadlines.yaml or a department id of config/complaints.yaml
    category: Category
    customer: str
    phone: str
    summary: str
    replied: date | None
    closed: date | None
    substantiated: bool | None
    measures: str
    application_id: str  # "" when the complaint is about no connection application
    row: int = 0  # the export's row or line it was read from (0: read from the ledger)

    @property
    def id(self) -> str:
        return f"{self.source.value}/{self.ticket}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.source.value, self.ticket)

    def record(self) -> tuple[Any, ...]:
        """The stored row's values, in RECORD_FIELDS order."""
        return records((self,))[0]


def records(items: Iterable[Complaint]) -> list[tuple[Any, ...]]:
    """The stored rows of many complaints (each as Complaint.record gives it), built column by
    column: the conversions run as C-level map and zip, each distinct date turned into text
    once, 256 complaints at a time while their fields are still in the CPU's caches (an
    export of 100,000 complaints: ~0.1 s instead of ~1 s row by row)."""
    items = items if isinstance(items, (list, tuple)) else list(items)
    iso = _IsoText().__getitem__
    result: list[tuple[Any, ...]] = []
    for start in range(0, len(items), 256):
        (source, ticket, received, unit, category, customer, phone, summary, replied, closed, substantiated,
         measures, application_id, _) = zip(*items[start : start + 256])  # fmt: skip
        result += zip(
            map(ENUM_VALUE, source), ticket, map(iso, received), unit, map(ENUM_VALUE, category), customer, phone,
            summary, map(iso, replied), map(iso, closed), map(_SUBSTANTIATED_VALUES.__getitem__, substantiated),
            measures, application_id,
        )  # fmt: skip
    return result


class _IsoText(dict):
    """date -> its ISO text, converted at the first lookup; None stays None."""

    def __missing__(self, day: date | None) -> str | None:
        text = self[day] = None if day is None else day.isoformat()
        return text


_SOURCES = {s.value: s for s in Source}
_CATEGORIES = {c.value: c for c in Category}
# enum's .value is a descriptor call and a member's hash a Python call; attrgetter reads the
# member's value (its documented _value_) at C speed, several times faster per record
ENUM_VALUE = attrgetter("_value_")
_SUBSTANTIATED_VALUES = {None: None, True: "yes", False: "no"}
_FROM_STORED = {"yes": True, "no": False, None: None}


def from_record(values: tuple[Any, ...] | list[Any]) -> Complaint:
    """A Complaint from a stored row (RECORD_FIELDS order); ValueError (or KeyError) if damaged."""
    (source, ticket, received, unit, category, customer, phone, summary,
     replied, closed, substantiated, measures, application_id) = values  # fmt: skip
    if received.__class__ is str:  # SQLite keeps dates as text, PostgreSQL as dates
        received = _ISO_DATE(received)
        replied = _ISO_DATE(replied) if replied else None
        closed = _ISO_DATE(closed) if closed else None
    if received.__class__ is not date:
        raise ValueError(received)
    return Complaint(
        _SOURCES[source], ticket, received, unit, _CATEGORIES[category], customer or "", phone or "",
        summary or "", replied, closed, _FROM_STORED[substantiated], measures or "", application_id or "",
    )  # fmt: skip


_ISO_DATE = date.fromisoformat


def record_dict(values: tuple[Any, ...]) -> dict[str, Any]:
    """A stored row's values by field name: the audit's before and after."""
    return dict(zip(RECORD_FIELDS, values))


def changed_fields(before: tuple[Any, ...], after: tuple[Any, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The audit change of an updated record: only the fields that differ, before and after."""
    names = [n for n, a, b in zip(RECORD_FIELDS, before, after) if a != b]
    old, new = record_dict(before), record_dict(after)
    return {n: old[n] for n in names}, {n: new[n] for n in names}


@dataclass(frozen=True)
class ImportResult:
    """What recording an export's complaints did."""

    added: int
    updated: int
    unchanged: int


# -- masking -------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str) -> str:
    """A phone number as every display shows it: 138****1234 (the record keeps it whole).

    The first three and last four digits stay; a number of seven digits or fewer keeps only
    its last two. Separators (0774-5211234) are dropped in the masked form.
    """
    digits = "".join(_DIGITS.findall(phone))
    if not digits:
        return "****" if phone.strip() else ""
    if len(digits) >= 8:
        return f"{digits[:3]}****{digits[-4:]}"
    return f"****{digits[-2:]}"


# -- periods -------------------------------------------------------------------------------

_PERIOD = re.compile(r"(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?\Z")


@dataclass(frozen=True, order=True)
class ReportPeriod:
    """A year, half-year, quarter or month: 2026, 2026-H1, 2026-Q2, 2026-06."""

    start: date
    end: date
    name: str

    @classmethod
    def parse(cls, text: str) -> ReportPeriod:
        match = _PERIOD.match(text.strip().upper())
        period = None
        if match:
            year, part = int(match.group(1)), match.group(2)
            if part is None:
                period = cls.of(year, 1, 12)
            elif part[0] == "H":
                period = cls.of(year, 1 if part == "H1" else 7, 6 if part == "H1" else 12)
            elif part[0] == "Q":
                first = 3 * int(part[1]) - 2
                period = cls.of(year, first, first + 2)
            elif 1 <= int(part) <= 12:
                period = cls.of(year, int(part), int(part))
        if period is None:
            raise UsageError(
                f"期间“{text}”无效，应写成 2026（全年）、2026-H1（上半年）、2026-Q2（第二季度）或 2026-06（月份）"
            )
        return period

    @classmethod
    def of(cls, year: int, first_month: int, last_month: int) -> ReportPeriod:
        start = date(year, first_month, 1)
        end = (date(year + (last_month == 12), last_month % 12 + 1, 1)) - timedelta(days=1)
        span = last_month - first_month + 1
        if span == 12:
            name = f"{year}"
        elif span == 6:
            name = f"{year}-H{1 if first_month == 1 else 2}"
        elif span == 3:
            name = f"{year}-Q{(first_month + 2) // 3}"
        else:
            name = f"{year}-{first_month:02d}"
        return cls(start, end, name)

    @classmethod
    def half_year(cls, day: date) -> ReportPeriod:
        """The half-year containing day: the current period of ``complaints check``."""
        return cls.of(day.year, 1, 6) if day.month <= 6 else cls.of(day.year, 7, 12)

    def previous(self) -> ReportPeriod:
        span = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        month = self.start.month - span
        year = self.start.year
        if month < 1:
            month += 12
            year -= 1
        return ReportPeriod.of(year, month, month + span - 1)

    @property
    def label(self) -> str:
        year = self.start.year
        if self.name == str(year):
            return f"{year}年"
        if "-H" in self.name:
            return f"{year}年{'上' if self.name.endswith('1') else '下'}半年"
        if "-Q" in self.name:
            return f"{year}年第{'一二三四'[int(self.name[-1]) - 1]}季度"
        return f"{year}年{self.start.month}月"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.name
