"""Reading the hotline systems' complaint exports (.xlsx/.xls via python-calamine, .csv in UTF-8
or GBK) with the applications reader's machinery: the same header search and column mapping
(``applications.tables``), cell conversions (``applications.cells``) and positioned problems
(``FILE:SHEET!CELL: column: message``, ``FILE:LINE: column: message``).

A row with a problem is left out and listed; the others are read. A ticket that appears twice
in one export (same source and 工单编号) is left out in both rows: which one is right cannot
be told. Each distinct cell value of a coded column (source, unit, category, dates) is
converted once (``cells.Memo``): a 100,000-row export costs little more than calamine's read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from gdcomply.applications.cells import (
    EMPTY_REQUIRED, Bad, Memo, cell_text, name_converter, to_date, to_required_date, to_yes_no,
)  # fmt: skip
from gdcomply.applications.model import gc_paused
from gdcomply.applications.tables import Table, find_columns, open_table
from gdcomply.complaints.model import Category, Complaint, Source
from gdcomply.complaints.settings import COMPLAINT_COLUMNS, SETTINGS_FILE, ComplaintSettings, Units
from gdcomply.errors import InputError, Problem

COMPLAINT_SHEETS = ("投诉", "工单", "complaints")
_SOURCE_WORDS = {"12398": Source.HOTLINE_12398, "966068": Source.HOTLINE_966068, "其他": Source.OTHER,
                 "other": Source.OTHER}  # fmt: skip
_CATEGORY_WORDS = {c.value: c for c in Category} | {"报装": Category.CONNECTION, "业扩": Category.CONNECTION,
                   "电费": Category.BILLING, "收费": Category.BILLING, "电能质量": Category.QUALITY}  # fmt: skip
_SUBSTANTIATED = {"属实": True, "部分属实": True, "不属实": False, "待核实": None, "核实中": None}


@dataclass(frozen=True)
class ComplaintExport:
    """What an export held: the valid complaints, the problems of the others, and the counts."""

    source: str
    complaints: tuple[Complaint, ...]
    problems: tuple[Problem, ...]
    read: int

    @property
    def rejected(self) -> int:
        return self.read - len(self.complaints)


def to_source(value: Any) -> Source | Bad:
    text = cell_text(value)
    if not text:
        return EMPTY_REQUIRED
    found = _SOURCE_WORDS.get(text.lower())
    if found is not None:
        return found
    for number in ("12398", "966068"):
        if number in text:
            return _SOURCE_WORDS[number]
    if text.isdigit():  # a hotline number mistyped, not another channel
        return Bad(f"“{text}”不是已知的热线号码（应为 12398 或 966068；其他渠道请写渠道名称或“其他”）")
    return Source.OTHER  # 网站, 信函, 营业厅…: another channel


def to_category(value: Any) -> Category | Bad:
    text = cell_text(value)
    if not text:
        return EMPTY_REQUIRED
    found = _CATEGORY_WORDS.get(text)
    if found is None:
        known = "、".join(c.value for c in Category)
        return Bad(f"“{text}”不是已知的投诉类别（应为 {known} 之一）")
    return found


def to_substantiated(value: Any) -> bool | Bad | None:
    text = cell_text(value)
    if text in _SUBSTANTIATED:
        return _SUBSTANTIATED[text]
    answer = to_yes_no(value)
    if answer.__class__ is Bad:
        return Bad(f"“{text}”应为“是”“否”（或“属实”“部分属实”“不属实”），尚未核实的留空")
    return answer


def unit_converter(units: Units) -> Callable[[Any], str | Bad]:
    return name_converter(
        units.resolve,
        lambda text: f"“{text}”不是已知的责任单位（应为 {units.choices()}；"
        f"公司的其他部门请加到 {SETTINGS_FILE} 的 departments 中）",
    )


_CODED = ("source", "received", "unit", "category", "replied", "closed", "substantiated")


def read_complaints(
    path: Path, settings: ComplaintSettings, units: Units, *, display: str | None = None
) -> ComplaintExport:
    """Read an export, validating every row. InputError when the file cannot be used at all."""
    shown = display or str(path)
    table = open_table(path, shown, COMPLAINT_SHEETS)
    index, headers, problems, _ = find_columns(table, COMPLAINT_COLUMNS, settings.columns, "投诉表", SETTINGS_FILE)
    if problems:
        raise InputError(f"无法使用投诉文件（共 {len(problems)} 处问题）：", problems)
    with gc_paused():
        return _read_rows(table, index, headers, units)


def _read_rows(table: Table, index: dict[str, int], headers: dict[str, str], units: Units) -> ComplaintExport:
    width = len(table.header)
    absent = width  # a missing optional column reads the empty cell appended to every row
    position = {c.key: index.get(c.key, absent) for c in COMPLAINT_COLUMNS}
    memos = {
        "source": Memo(to_source), "received": Memo(to_required_date), "unit": Memo(unit_converter(units)),
        "category": Memo(to_category), "replied": Memo(to_date), "closed": Memo(to_date),
        "substantiated": Memo(to_substantiated),
    }  # fmt: skip
    m_source, m_received, m_unit, m_category, m_replied, m_closed, m_substantiated = (memos[k] for k in _CODED)
    i_source, i_received, i_unit, i_category, i_replied, i_closed, i_substantiated = (position[k] for k in _CODED)
    i_ticket, i_customer, i_phone, i_summary, i_measures, i_application = (
        position[k] for k in ("ticket", "customer", "phone", "summary", "measures", "application-id")
    )
    located: list[tuple[tuple[int, int], Problem]] = []
    first_row: dict[tuple[str, str], int] = {}
    repeated: set[tuple[str, str]] = set()
    valid: list[Complaint] = []
    read = 0
    make = tuple.__new__
    pad = [""] * (width + 1)
    needs_pad = any(c.key not in index for c in COMPLAINT_COLUMNS)
    for number, cells in table.rows:
        if needs_pad or len(cells) < width:
            cells = [*cells, *pad]  # a short row, and the absent columns, read as empty
        ticket = cells[i_ticket]
        ticket = ticket.strip() if ticket.__class__ is str else cell_text(ticket)
        if not ticket and not any(cell_text(c) for c in cells):
            continue  # a blank row
        read += 1
        source = m_source[cells[i_source]]
        received = m_received[cells[i_received]]
        unit = m_unit[cells[i_unit]]
        category = m_category[cells[i_category]]
        replied = m_replied[cells[i_replied]]
        closed = m_closed[cells[i_closed]]
        substantiated = m_substantiated[cells[i_substantiated]]
        if (
            not ticket or source.__class__ is Bad or received.__class__ is Bad or unit.__class__ is Bad
            or category.__class__ is Bad or replied.__class__ is Bad or closed.__class__ is Bad
            or substantiated.__class__ is Bad or (replied is not None and replied < received)
            or (closed is not None and closed < received)
        ):  # fmt: skip
            _row_problems(table, number, index, headers, located, ticket, dict(zip(_CODED, (
                source, received, unit, category, replied, closed, substantiated))))  # fmt: skip
            continue
        key = (source.value, ticket)
        if key in first_row:
            repeated.add(key)
            column = index["ticket"]
            located.append(
                (
                    (number, column),
                    Problem(
                        table.where(number, column),
                        f"{headers['ticket']}: 工单“{source.value}/{ticket}”重复，与 {table.short(first_row[key], column)}"
                        f" 相同；两行都未导入",
                    ),
                )
            )
            continue
        first_row[key] = number
        customer, phone, summary, measures, application_id = [
            c.strip() if c.__class__ is str else cell_text(c)
            for c in (cells[i_customer], cells[i_phone], cells[i_summary], cells[i_measures], cells[i_application])
        ]
        valid.append(
            make(
                Complaint,
                (source, ticket, received, unit, category, customer, phone, summary, replied, closed,
                 substantiated, measures, application_id, number),
            )  # fmt: skip
        )
    if repeated:
        valid = [c for c in valid if c.key not in repeated]
    located.sort(key=lambda item: item[0])
    return ComplaintExport(table.source, tuple(valid), tuple(p for _, p in located), read)


def _row_problems(
    table: Table, number: int, index: dict[str, int], headers: dict[str, str],
    located: list[tuple[tuple[int, int], Problem]], ticket: str, values: dict[str, Any],
) -> None:  # fmt: skip
    """Word every problem of a rejected row, each at its cell."""
    bad = [(key, value.message) for key, value in values.items() if value.__class__ is Bad]
    if not ticket:
        bad.insert(0, ("ticket", EMPTY_REQUIRED.message))
    received = values["received"]
    if received.__class__ is date:
        for key in ("replied", "closed"):
            day = values[key]
            if day.__class__ is date and day < received:
                bad.append((key, f"{day.isoformat()} 早于受理时间 {received.isoformat()}"))
    for key, message in bad:
        column = index[key]
        located.append(((number, column), Problem(table.where(number, column), f"{headers[key]}: {message}")))
