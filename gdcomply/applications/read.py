"""Reading connection-application exports (.xlsx via python-calamine, .csv) into an ApplicationSet.

Every problem is collected with where it is: ``FILE:SHEET!CELL: column: message`` for a
workbook, ``FILE:LINE: column: message`` for a CSV. A row with a problem is left out of the
measures, counted as rejected and listed. Problems with the file as a whole (not a
spreadsheet, empty, no header, a required column missing) raise InputError.

Speed: a 300k-row export must cost little more than calamine's own read. An export repeats
few distinct units, types, dates and amounts, so the cells the measures need are looked up
in three groups (unit/type/small-micro/capacity, accepted/energised, steps/materials/cost/
visits) in dicts that remember each distinct group once checked: a row costs three lookups.
Each distinct cell value is parsed once (``cells.Memo``), text dates by one regex, and problems
are worded only for rows that have them; no exception is raised per cell.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable

from gdcomply.applications.cells import (
    EMPTY_REQUIRED,
    Bad,
    Memo,
    cell_text,
    to_business_type,
    to_capacity,
    to_cost,
    pause_kind_converter,
    to_capacity_kw,
    to_count,
    to_date,
    to_dual_source,
    to_materials,
    to_required_date,
    to_rural,
    to_small_micro,
    to_yes_no,
    unit_converter,
)
from gdcomply.applications.columns import APPLICATION_COLUMNS, FACT_COLUMNS, PAUSE_COLUMNS

_COLUMNS = APPLICATION_COLUMNS + FACT_COLUMNS
from gdcomply.applications.model import Application, ApplicationSet, BusinessType, Pause, RowCounts, classify, gc_paused
from gdcomply.applications.tables import (
    APPLICATION_SHEETS,
    PAUSE_SHEETS,
    Table,
    column_letters,
    find_columns,
    open_tables,
)
from gdcomply.applications.targets import Targets
from gdcomply.errors import InputError, Problem

ProgressCallback = Callable[[int, int], None]
"""Called now and then with (rows done, rows expected); the expected number is an estimate."""

_PROGRESS_EVERY = 8192


# -- pauses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PauseRow:
    """A valid pause row, with enough of its position to name its cells later."""

    application_id: str
    pause: Pause
    table: Table
    order: int  # which pause table (1, 2): problems sort after the applications table's
    number: int
    i_id: int
    i_start: int
    i_end: int | None

    def where(self, column: int | None) -> str:
        return self.table.where(self.number, self.i_start if column is None else column)

    def key(self, column: int | None) -> tuple[int, int, int]:
        return (self.order, self.number, self.i_start if column is None else column)


def _read_pauses(
    table: Table,
    targets: Targets,
    order: int,
    file_problems: list[Problem],
    located: list[tuple[tuple[int, int, int], Problem]],
) -> list[_PauseRow]:
    """The valid pause rows of a table; problems of its rows go to located."""
    index, shown, header_problems, empty = find_columns(table, PAUSE_COLUMNS, targets.columns, "暂停表")
    if empty and table.sheet is not None:
        return []  # an empty 暂停 sheet: no pauses
    if header_problems:
        file_problems.extend(header_problems)
        return []
    starts, ends = Memo(to_required_date), Memo(to_date)
    kinds = Memo(pause_kind_converter(targets.pause_kind))
    result = []
    width = len(table.header)
    i_id, i_start = index["application-id"], index["pause-start"]
    i_end, i_reason, i_kind = index.get("pause-end"), index.get("reason"), index.get("pause-kind")
    for number, cells in table.rows:
        if len(cells) < width:
            cells = [*cells, *([""] * (width - len(cells)))]
        application_id = cell_text(cells[i_id])
        if not application_id and not any(cell_text(c) for c in cells):
            continue  # a blank row
        start = starts[cells[i_start]]
        end = ends[cells[i_end]] if i_end is not None else None
        reason = cell_text(cells[i_reason]) if i_reason is not None else ""
        kind = kinds[cells[i_kind]] if i_kind is not None else targets.pause_kind
        bad = False
        for key, value in (
            ("application-id", application_id or EMPTY_REQUIRED),
            ("pause-start", start),
            ("pause-end", end),
            ("pause-kind", kind),
        ):
            if value.__class__ is Bad:
                position = index[key]
                located.append(
                    (
                        (order, number, position),
                        Problem(table.where(number, position), f"{shown[key]}: {value.message}"),
                    )
                )
                bad = True
        if bad:
            continue
        if end is not None and end < start:
            located.append(
                (
                    (order, number, i_end),  # type: ignore[arg-type]  # end implies i_end
                    Problem(
                        table.where(number, i_end),
                        f"{shown['pause-end']}: 暂停结束 {end.isoformat()} 早于暂停开始 {start.isoformat()}",
                    ),
                )
            )
            continue
        result.append(
            _PauseRow(application_id, Pause(start, end, reason, kind), table, order, number, i_id, i_start, i_end)
        )
    return result


# -- applications --------------------------------------------------------------------------


def read_applications(
    path: Path,
    pauses_path: Path | None = None,
    targets: Targets | None = None,
    *,
    progress: ProgressCallback | None = None,
    display: str | None = None,
    pauses_display: str | None = None,
) -> ApplicationSet:
    """Read an export (and its pauses: the 暂停 sheet and/or a second file), validating every row.

    Raises InputError when a file cannot be used at all; row problems are returned in the set.
    """
    targets = targets or Targets()
    shown = display or str(path)
    tables = open_tables(path, shown, APPLICATION_SHEETS, pauses_only=False)
    pause_tables = tables[1:]
    if pauses_path is not None:
        pause_tables += open_tables(pauses_path, pauses_display or str(pauses_path), PAUSE_SHEETS, pauses_only=True)
    main = tables[0]
    index, headers, file_problems, _ = find_columns(main, _COLUMNS, targets.columns, "申请表")
    located: list[tuple[tuple[int, int, int], Problem]] = []
    pause_rows: list[_PauseRow] = []
    for order, table in enumerate(pause_tables, start=1):
        pause_rows.extend(_read_pauses(table, targets, order, file_problems, located))
    if file_problems:
        raise InputError(f"无法使用申请文件（共 {len(file_problems)} 处问题）：", file_problems)
    with gc_paused():
        return _read_rows(main, index, headers, pause_rows, located, targets, progress)


class _RowChecker:
    """Checks the cells the measures need, in three groups remembered once checked.

    A row is looked up by its groups (unit/type/small-micro/capacity, accepted/energised,
    steps/materials/cost/visits); each distinct group is converted once (``remember``) and
    stored, as None when any of its cells is wrong. The per-column memos also serve the
    cold path, which words each problem of a rejected row (``values``).
    """

    KIND = ("unit", "business-type", "small-micro", "capacity-kva")
    EXTRAS = ("steps", "materials", "cost", "visits")
    FACTS = ("three-zero", "external-works", "power-source", "area", "capacity-kw")

    def __init__(self, targets: Targets, position: dict[str, int], present: set[str]) -> None:
        self.position = position
        self.memos: dict[str, Memo] = {
            "unit": Memo(unit_converter(targets)),
            "business-type": Memo(to_business_type),
            "small-micro": Memo(to_small_micro),
            "capacity-kva": Memo(to_capacity),
            "accepted": Memo(to_required_date),
            "energised": Memo(to_date),
            "steps": Memo(to_count),
            "materials": Memo(to_materials),
            "cost": Memo(to_cost),
            "visits": Memo(to_count),
            "three-zero": Memo(to_yes_no),
            "external-works": Memo(to_yes_no),
            "power-source": Memo(to_dual_source),
            "area": Memo(to_rural),
            "capacity-kw": Memo(to_capacity_kw),
        }
        self.kind_key = itemgetter(*(position[k] for k in self.KIND))
        self.dates_key = itemgetter(position["accepted"], position["energised"])
        self.extras_key = itemgetter(*(position[k] for k in self.EXTRAS))
        # facts columns are often all absent: look up only those the export has
        self.present_facts = tuple(k for k in self.FACTS if k in present)
        fact_positions = [position[k] for k in self.present_facts]
        if len(fact_positions) > 1:
            self.facts_key = itemgetter(*fact_positions)
        elif fact_positions:
            only = fact_positions[0]
            self.facts_key = lambda cells: (cells[only],)
        else:
            self.facts_key = lambda cells: ()
        self.kinds: dict[Any, tuple[str, BusinessType, Any, Decimal] | None] = {}
        self.date_pairs: dict[Any, tuple[date, date | None] | None] = {}
        self.extras: dict[Any, tuple[Any, Any, Any, Any] | None] = {}
        self.facts: dict[Any, tuple[Any, ...] | None] = {}

    def remember(self, cells: list[Any]) -> tuple[Any, Any, Any, Any]:
        """The row's four groups, checking (and storing) those not seen before."""
        memos = self.memos
        raw = self.kind_key(cells)
        if raw not in self.kinds:
            unit, business_type, small, capacity = (memos[k][v] for k, v in zip(self.KIND, raw))
            ok = Bad not in (unit.__class__, business_type.__class__, small.__class__, capacity.__class__)
            self.kinds[raw] = (unit, business_type, classify(business_type, small), capacity) if ok else None
        raw_dates = self.dates_key(cells)
        if raw_dates not in self.date_pairs:
            accepted = memos["accepted"][raw_dates[0]]
            energised = memos["energised"][raw_dates[1]]
            ok = accepted.__class__ is not Bad and energised.__class__ is not Bad
            ok = ok and (energised is None or energised >= accepted)
            self.date_pairs[raw_dates] = (accepted, energised) if ok else None
        raw_extras = self.extras_key(cells)
        if raw_extras not in self.extras:
            extras = tuple(memos[k][v] for k, v in zip(self.EXTRAS, raw_extras))
            self.extras[raw_extras] = None if any(v.__class__ is Bad for v in extras) else extras
        raw_facts = self.facts_key(cells)
        if raw_facts not in self.facts:
            given = dict(zip(self.present_facts, raw_facts))
            facts = tuple(memos[k][given[k]] if k in given else None for k in self.FACTS)
            self.facts[raw_facts] = None if any(v.__class__ is Bad for v in facts) else facts
        return self.kinds[raw], self.date_pairs[raw_dates], self.extras[raw_extras], self.facts[raw_facts]

    def values(self, cells: list[Any]) -> dict[str, Any]:
        """Each checked cell's converted value or Bad, for wording a rejected row's problems."""
        size = len(cells)
        return {key: memo[cells[self.position[key]]] for key, memo in self.memos.items() if self.position[key] < size}


def _read_rows(
    table: Table,
    index: dict[str, int],
    headers: dict[str, str],
    pause_rows: list[_PauseRow],
    located: list[tuple[tuple[int, int, int], Problem]],
    targets: Targets,
    progress: ProgressCallback | None,
) -> ApplicationSet:
    width = len(table.header)
    absent = width  # a missing optional column reads the empty cell appended to every row
    facts = set(_RowChecker.FACTS)
    needs_pad = any(c.key not in index and c.key not in facts for c in _COLUMNS)
    position = {c.key: index.get(c.key, absent) for c in _COLUMNS}
    i_id, i_customer = position["application-id"], position["customer"]
    i_address, i_voltage, i_channel = position["address"], position["voltage"], position["channel"]

    checker = _RowChecker(targets, position, set(index))
    kinds, date_pairs, extras_memo, facts_memo = checker.kinds, checker.date_pairs, checker.extras, checker.facts
    kind_key, dates_key, extras_key = checker.kind_key, checker.dates_key, checker.extras_key
    facts_key = checker.facts_key
    remember = checker.remember

    pauses_by_id: dict[str, list[_PauseRow]] = {}
    for pause_row in pause_rows:
        pauses_by_id.setdefault(pause_row.application_id, []).append(pause_row)

    ids: list[str] = []  # every row's 申请编号, and its row number: duplicates are found after the loop
    numbers: list[int] = []
    valid: list[Application] = []
    read = 0
    make = tuple.__new__
    expected = table.expected_rows

    for number, cells in table.rows:
        if needs_pad or len(cells) < width:
            cells = [*cells, *([""] * (width + 1 - len(cells)))]
        raw_id = cells[i_id]
        application_id = raw_id.strip() if raw_id.__class__ is str else cell_text(raw_id)
        if not application_id and not any(cell_text(c) for c in cells):
            continue  # a blank row
        read += 1
        if progress is not None and not read % _PROGRESS_EVERY:
            progress(read, expected)
        try:
            kind = kinds[kind_key(cells)]
            dates = date_pairs[dates_key(cells)]
            extras = extras_memo[extras_key(cells)]
            facts = facts_memo[facts_key(cells)]
        except KeyError:  # a group not seen before: check it once
            kind, dates, extras, facts = remember(cells)
        raw_customer = cells[i_customer]
        customer = raw_customer.strip() if raw_customer.__class__ is str else cell_text(raw_customer)
        if application_id:
            ids.append(application_id)
            numbers.append(number)

        if kind is None or dates is None or extras is None or facts is None or not customer or not application_id:
            values = checker.values(cells)
            values["application-id"] = application_id or EMPTY_REQUIRED
            values["customer"] = customer or EMPTY_REQUIRED
            _row_problems(table, number, index, headers, located, values)
            continue

        accepted, energised = dates
        pauses: tuple[Pause, ...] = ()
        if pauses_by_id and application_id in pauses_by_id:
            checked = _check_pauses(
                table, number, i_id, headers, application_id, accepted, energised,
                pauses_by_id[application_id], located,
            )
            if checked is None:
                continue
            pauses = checked
        unit, business_type, customer_class, capacity = kind
        steps, materials, cost, visits = extras
        address, voltage, channel = cells[i_address], cells[i_voltage], cells[i_channel]
        valid.append(
            make(
                Application,
                (
                    application_id, unit, customer, business_type, customer_class, capacity,
                    accepted, energised, steps, materials, cost, visits, pauses, number,
                    address.strip() if address.__class__ is str else cell_text(address),
                    voltage.strip() if voltage.__class__ is str else cell_text(voltage),
                    channel.strip() if channel.__class__ is str else cell_text(channel),
                    *facts,
                ),
            )
        )

    # dict() keeps the last row of each id: reversed, the first
    first_seen = dict(zip(reversed(ids), reversed(numbers)))
    if len(first_seen) < len(ids):
        valid = _drop_duplicates(table, i_id, headers, ids, numbers, first_seen, valid, located)
    for application_id, rows in pauses_by_id.items():
        if application_id not in first_seen:
            for pause_row in rows:
                located.append(
                    (
                        pause_row.key(pause_row.i_id),
                        Problem(
                            pause_row.where(pause_row.i_id),
                            f"{_header_of(pause_row, pause_row.i_id)}: 申请“{application_id}”"
                            f"不在申请表中，这条暂停记录未使用",
                        ),
                    )
                )
    if progress is not None:
        progress(read, read)
    located.sort(key=lambda item: item[0])
    problems = tuple(dict.fromkeys(p for _, p in located))
    counts = RowCounts(read=read, valid=len(valid), rejected=read - len(valid))
    location = table.location
    if table.sheet is not None:
        location += column_letters(table.first_column + i_id)
    return ApplicationSet(table.source, location, tuple(valid), problems, counts)


def _drop_duplicates(
    table: Table,
    i_id: int,
    headers: dict[str, str],
    ids: list[str],
    numbers: list[int],
    first_seen: dict[str, int],
    valid: list[Application],
    located: list[tuple[tuple[int, int, int], Problem]],
) -> list[Application]:
    """Leave out every row of a repeated 申请编号; each later row names the first."""
    duplicated = set()
    for application_id, number in zip(ids, numbers):
        first = first_seen[application_id]
        if first != number:
            duplicated.add(application_id)
            located.append(
                (
                    (0, number, i_id),
                    Problem(
                        table.where(number, i_id),
                        f"{headers['application-id']}: 申请编号“{application_id}”重复，"
                        f"与 {table.short(first, i_id)} 相同；两行都不参与测算",
                    ),
                )
            )
    return [a for a in valid if a.application_id not in duplicated]


def _row_problems(
    table: Table,
    number: int,
    index: dict[str, int],
    headers: dict[str, str],
    located: list[tuple[tuple[int, int, int], Problem]],
    values: dict[str, Any],
) -> None:
    """Word every problem of a rejected row, each at its cell."""

    def add(key: str, message: str) -> None:
        position = index[key]
        located.append(
            ((0, number, position), Problem(table.where(number, position), f"{headers[key]}: {message}"))
        )

    for key, value in values.items():
        if value.__class__ is Bad and key in index:
            add(key, value.message)
    accepted, energised = values["accepted"], values["energised"]
    if isinstance(accepted, date) and isinstance(energised, date) and energised < accepted:
        add("energised", f"{energised.isoformat()} 早于受理日期 {accepted.isoformat()}")


def _check_pauses(
    table: Table,
    number: int,
    i_id: int,
    headers: dict[str, str],
    application_id: str,
    accepted: date,
    energised: date | None,
    rows: list[_PauseRow],
    located: list[tuple[tuple[int, int, int], Problem]],
) -> tuple[Pause, ...] | None:
    """The application's pauses, or None (after reporting) when one lies outside it."""
    span = f"受理 {accepted.isoformat()}，" + (f"送电 {energised.isoformat()}" if energised else "尚未送电")
    wrong: list[str] = []
    for row in rows:
        pause = row.pause
        column: int | None = row.i_start
        if pause.start < accepted:
            message = f"暂停开始 {pause.start.isoformat()} 早于申请“{application_id}”的受理日期（{span}）"
        elif energised is not None and pause.end is None:
            message = f"暂停没有结束日期，但申请“{application_id}”已送电（{span}）"
            column = row.i_end
        elif energised is not None and pause.end is not None and pause.end > energised:
            message = f"暂停结束 {pause.end.isoformat()} 晚于申请“{application_id}”的送电日期（{span}）"
            column = row.i_end
        else:
            continue
        if column is None:  # no 暂停结束 column at all: name the start cell
            column = row.i_start
        located.append((row.key(column), Problem(row.where(column), f"{_header_of(row, column)}: {message}")))
        wrong.append(row.table.short(row.number, column))
    if not wrong:
        return tuple(row.pause for row in rows)
    located.append(
        (
            (0, number, i_id),
            Problem(
                table.where(number, i_id),
                f"{headers['application-id']}: 申请“{application_id}”的暂停记录不在办理期间内"
                f"（见 {'、'.join(wrong)}），本申请不参与测算",
            ),
        )
    )
    return None


def _header_of(row: _PauseRow, column: int) -> str:
    return cell_text(row.table.header[column])
