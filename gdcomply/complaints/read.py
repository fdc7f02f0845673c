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
from functools import partial
from itertools import compress
from operator import itemgetter, lt
from pathlib import Path
from typing import Any, Callable

from gdcomply.applications.cells import (
    EMPTY_REQUIRED, Bad, Memo, cell_text, cell_texts, name_converter, to_date, to_required_date, to_yes_no,
)  # fmt: skip
from gdcomply.applications.model import gc_paused
from gdcomply.applications.tables import CHUNK_ROWS, OpenInBackground, Table, find_columns, open_table
from gdcomply.complaints.model import COMPLAINT_SHEETS, ENUM_VALUE, Category, Complaint, Source
from gdcomply.complaints.settings import COMPLAINT_COLUMNS, SETTINGS_FILE, ComplaintSettings, Units
from gdcomply.errors import InputError, Problem

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
    path: Path | OpenInBackground, settings: ComplaintSettings, units: Units, *, display: str | None = None
) -> ComplaintExport:
    """Read an export (or the one an OpenInBackground of COMPLAINT_SHEETS opens), validating
    every row. InputError when the file cannot be used at all."""
    if isinstance(path, OpenInBackground):
        table = path.tables()[0]
    else:
        table = open_table(path, display or str(path), COMPLAINT_SHEETS)
    index, headers, problems, _ = find_columns(table, COMPLAINT_COLUMNS, settings.columns, "投诉表", SETTINGS_FILE)
    if problems:
        raise InputError(f"无法使用投诉文件（共 {len(problems)} 处问题）：", problems)
    with gc_paused():
        return _read_rows(table, index, headers, units)


def _read_rows(table: Table, index: dict[str, int], headers: dict[str, str], units: Units) -> ComplaintExport:
    """Validate and convert the rows a chunk at a time, column by column: each column is taken
    out of the chunk's rows, its cells converted by C-level map over a Memo, and only the rows
    found bad (rare) are looked at one by one. Then tickets that appear twice are left out."""
    memos = {
        "source": Memo(to_source), "received": Memo(to_required_date), "unit": Memo(unit_converter(units)),
        "category": Memo(to_category), "replied": Memo(to_date), "closed": Memo(to_date),
        "substantiated": Memo(to_substantiated),
    }  # fmt: skip
    width = len(table.header)
    pad = [""] * width
    make = partial(tuple.__new__, Complaint)
    located: list[tuple[tuple[int, int], Problem]] = []
    complaints: list[Complaint] = []
    read = 0
    for numbers, rows in table.chunks(CHUNK_ROWS):
        if min(map(len, rows)) < width:  # a short CSV line reads as empty cells at its end
            rows = [r if len(r) >= width else [*r, *pad][:width] for r in rows]
        count = len(rows)

        def column(key: str) -> list[Any]:
            if key not in index:
                return [""] * count  # an absent optional column reads as empty cells
            return list(map(itemgetter(index[key]), rows))

        tickets = cell_texts(column("ticket"))
        no_ticket = [i for i, ticket in enumerate(tickets) if not ticket] if "" in tickets else []
        blank = {i for i in no_ticket if not any(map(cell_text, rows[i]))}
        read += count - len(blank)
        values = {key: list(map(memo.__getitem__, column(key))) for key, memo in memos.items()}
        rejected = set(no_ticket)
        for key, memo in memos.items():
            if any(value.__class__ is Bad for value in memo.values()) and Bad in map(type, values[key]):
                rejected.update(i for i, value in enumerate(values[key]) if value.__class__ is Bad)
        received = values["received"]
        for key in ("replied", "closed"):
            if _any_before(values[key], received, memos[key], memos["received"]):
                rejected.update(
                    i for i, (first, later) in enumerate(zip(received, values[key]))
                    if later.__class__ is date and first.__class__ is date and later < first
                )  # fmt: skip
        rejected -= blank  # a blank row's cells are all empty, required or not
        for i in rejected:
            _row_problems(table, numbers[i], index, headers, located, tickets[i], {key: values[key][i] for key in _CODED})
        texts = [cell_texts(column(key)) for key in ("customer", "phone", "summary", "measures", "application-id")]
        chunk = map(make, zip(
            values["source"], tickets, received, values["unit"], values["category"], texts[0], texts[1], texts[2],
            values["replied"], values["closed"], values["substantiated"], texts[3], texts[4], numbers,
        ))  # fmt: skip
        left_out = rejected | blank
        complaints += compress(chunk, [i not in left_out for i in range(count)]) if left_out else chunk
    keys = list(zip(map(ENUM_VALUE, map(itemgetter(0), complaints)), map(itemgetter(1), complaints)))
    if len(set(keys)) < len(keys):
        repeated = _repeated(table, index, headers, complaints, keys, located)
        complaints = [c for c, key in zip(complaints, keys) if key not in repeated]
    located.sort(key=lambda item: item[0])
    return ComplaintExport(table.source, tuple(complaints), tuple(p for _, p in located), read)


def _any_before(later: list[Any], first: list[Any], later_memo: Memo, first_memo: Memo) -> bool:
    """Whether any date of later comes before the same row's date of first, at C speed: each
    distinct value is mapped once to a date that compares (no date: later never, first always)."""
    never = {value: value if value.__class__ is date else date.max for value in later_memo.values()}
    always = {value: value if value.__class__ is date else date.min for value in first_memo.values()}
    return any(map(lt, map(never.__getitem__, later), map(always.__getitem__, first)))


def _repeated(
    table: Table, index: dict[str, int], headers: dict[str, str], complaints: list[Complaint],
    keys: list[tuple[str, str]], located: list[tuple[tuple[int, int], Problem]],
) -> set[tuple[str, str]]:  # fmt: skip
    """The tickets that appear more than once (every row of one is left out: which is right
    cannot be told), each later row located and named with the first."""
    first_row: dict[tuple[str, str], int] = {}
    repeated: set[tuple[str, str]] = set()
    column = index["ticket"]
    for complaint, key in zip(complaints, keys):
        if key not in first_row:
            first_row[key] = complaint.row
            continue
        repeated.add(key)
        source, ticket = key
        message = f"{headers['ticket']}: 工单“{source}/{ticket}”重复，与 {table.short(first_row[key], column)} 相同；两行都未导入"
        located.append(((complaint.row, column), Problem(table.where(complaint.row, column), message)))
    return repeated


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
