"""Reading connection-application exports (.xlsx via python-calamine, .csv) into an ApplicationSet.

Every problem is collected with where it is: ``FILE:SHEET!CELL: column: message`` for a
workbook, ``FILE:LINE: column: message`` for a CSV. A row with a problem is left out of the
measures, counted as rejected and listed. Problems with the file as a whole (not a
spreadsheet, empty, no header, a required column missing) raise InputError.

Speed: a 300k-row export must cost little more than calamine's own read. The rows are taken
256 at a time (``Table.chunks``) and converted column by column while the chunk's cells are
still in the CPU's caches. An export repeats few distinct units, types, dates and amounts, so
the cells the measures need are looked up in four groups (unit/type/small-micro/capacity,
accepted/energised, steps/materials/cost/visits, the facts) by C-level map over Memos that
check each distinct group once. Each distinct cell value is parsed once (``cells.Memo``), text
dates by one regex, and problems are worded only for rows that have them; no exception is
raised per cell.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import compress, repeat
from operator import gt, itemgetter
from pathlib import Path
from typing import Any, Callable

from gdcomply.applications.cells import (
    EMPTY_REQUIRED,
    Bad,
    Memo,
    cell_text,
    cell_texts,
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
from gdcomply.applications.model import Application, ApplicationSet, Pause, RowCounts, classify, gc_paused
from gdcomply.applications.tables import (
    CHUNK_ROWS,
    APPLICATION_SHEETS,
    PAUSE_SHEETS,
    OpenInBackground,
    Table,
    column_letters,
    find_columns,
    open_tables,
)
from gdcomply.applications.targets import Targets
from gdcomply.errors import InputError, Problem

ProgressCallback = Callable[[int, int], None]
"""Called every _PROGRESS_EVERY rows and at the end with (rows done, rows expected); the
expected number is an estimate."""


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
    path: Path | OpenInBackground,
    pauses_path: Path | None = None,
    targets: Targets | None = None,
    *,
    progress: ProgressCallback | None = None,
    display: str | None = None,
    pauses_display: str | None = None,
) -> ApplicationSet:
    """Read an export (and its pauses: the 暂停 sheet and/or a second file), validating every row.
    path may be an OpenInBackground already opening it (see tables.OpenInBackground).

    Raises InputError when a file cannot be used at all; row problems are returned in the set.
    """
    targets = targets or Targets()
    if isinstance(path, OpenInBackground):
        tables = path.tables()
    else:
        tables = open_tables(path, display or str(path), APPLICATION_SHEETS, pauses_only=False)
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


_KIND = ("unit", "business-type", "small-micro", "capacity-kva")
_DATES = ("accepted", "energised")
_EXTRAS = ("steps", "materials", "cost", "visits")
_FACTS = ("three-zero", "external-works", "power-source", "area", "capacity-kw")


def _memos(targets: Targets) -> dict[str, Memo]:
    """A Memo per checked column: each distinct cell converted once."""
    return {
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


def _kind(unit: Any, business_type: Any, small: Any, capacity: Any) -> tuple[Any, ...] | None:
    if Bad in (unit.__class__, business_type.__class__, small.__class__, capacity.__class__):
        return None
    return unit, business_type, classify(business_type, small), capacity


def _dates(accepted: Any, energised: Any) -> tuple[Any, ...] | None:
    if accepted.__class__ is Bad or energised.__class__ is Bad or (energised is not None and energised < accepted):
        return None
    return accepted, energised


def _all_good(*values: Any) -> tuple[Any, ...] | None:
    return None if any(v.__class__ is Bad for v in values) else values


class _Group:
    """Checks a group of cells (keys) of a chunk of rows: combine(*values) per row, None when a
    cell is wrong. Rows repeat few distinct groups, so a group is looked up by its raw cells
    (C-level map over a Memo) and converted once; an absent column reads as an empty cell.
    absent: the export has none of the group's columns (every row's values are None)."""

    def __init__(
        self, keys: tuple[str, ...], index: dict[str, int], memos: dict[str, Memo],
        combine: Callable[..., tuple[Any, ...] | None],
    ) -> None:  # fmt: skip
        present = [k for k in keys if k in index]
        self.absent = not present
        chosen = [memos[k] for k in keys]

        def convert(raw: tuple[Any, ...]) -> tuple[Any, ...] | None:
            given = dict(zip(present, raw))
            return combine(*(memo[given.get(k, "")] for k, memo in zip(keys, chosen)))

        if not present:
            return
        if len(present) == 1:
            self.key = itemgetter(index[present[0]])
            self.lookup = Memo(lambda value: convert((value,))).__getitem__
        else:
            self.key = itemgetter(*(index[k] for k in present))
            self.lookup = Memo(convert).__getitem__

    def __call__(self, rows: list[list[Any]]) -> list[Any]:
        return list(map(self.lookup, map(self.key, rows)))


_PROGRESS_EVERY = 8192


def _read_rows(
    table: Table,
    index: dict[str, int],
    headers: dict[str, str],
    pause_rows: list[_PauseRow],
    located: list[tuple[tuple[int, int, int], Problem]],
    targets: Targets,
    progress: ProgressCallback | None,
) -> ApplicationSet:
    """Validate and convert the rows a chunk at a time, column by column: each group of
    columns is taken out of the rows and converted by C-level map over a Memo, and only the
    rows found bad (rare) are looked at one by one."""
    width = len(table.header)
    memos = _memos(targets)
    kinds_of = _Group(_KIND, index, memos, _kind)
    dates_of = _Group(_DATES, index, memos, _dates)
    extras_of = _Group(_EXTRAS, index, memos, _all_good)
    facts_of = _Group(_FACTS, index, memos, _all_good)
    i_id = index["application-id"]
    id_of, customer_of = itemgetter(i_id), itemgetter(index["customer"])
    text_of = [itemgetter(index[k]) if k in index else None for k in ("address", "voltage", "channel")]
    pauses_by_id: dict[str, list[_PauseRow]] = {}
    for pause_row in pause_rows:
        pauses_by_id.setdefault(pause_row.application_id, []).append(pause_row)
    has_pauses = pauses_by_id.__contains__

    ids: list[str] = []  # every row's 申请编号, and its row number: duplicates are found after the loop
    id_numbers: list[int] = []
    valid: list[Application] = []
    read = 0
    reported = 0
    make = partial(tuple.__new__, Application)
    expected = table.expected_rows

    for numbers, rows in table.chunks(CHUNK_ROWS):
        size = len(rows)
        if min(map(len, rows)) < width:  # a short CSV line reads as empty cells at its end
            for i in compress(range(size), map(gt, repeat(width), map(len, rows))):
                rows[i] = [*rows[i], *([""] * (width - len(rows[i])))]
        chunk_ids = cell_texts(map(id_of, rows))
        customers = cell_texts(map(customer_of, rows))
        kinds = kinds_of(rows)
        dates = dates_of(rows)
        extras = None if extras_of.absent else extras_of(rows)
        facts = None if facts_of.absent else facts_of(rows)
        left_out: set[int] = set()
        blank = 0
        if (
            "" in chunk_ids or "" in customers or None in kinds or None in dates
            or (extras is not None and None in extras) or (facts is not None and None in facts)
        ):  # fmt: skip
            for i in range(size):
                application_id = chunk_ids[i]
                if not application_id and not any(map(cell_text, rows[i])):
                    left_out.add(i)  # a blank row
                    blank += 1
                elif (
                    not application_id or not customers[i] or kinds[i] is None or dates[i] is None
                    or (extras is not None and extras[i] is None) or (facts is not None and facts[i] is None)
                ):  # fmt: skip
                    left_out.add(i)
                    cells = [*rows[i], *([""] * (width - len(rows[i])))]
                    values = {key: memo[cells[index[key]]] for key, memo in memos.items() if key in index}
                    values.setdefault("energised", None)
                    values["application-id"] = application_id or EMPTY_REQUIRED
                    values["customer"] = customers[i] or EMPTY_REQUIRED
                    _row_problems(table, numbers[i], index, headers, located, values)
        pauses: Any = repeat(())
        if pauses_by_id:
            with_pauses = [i for i in compress(range(size), map(has_pauses, chunk_ids)) if i not in left_out]
            if with_pauses:
                pauses = [()] * size
                for i in with_pauses:
                    accepted, energised = dates[i]
                    checked = _check_pauses(
                        table, numbers[i], i_id, headers, chunk_ids[i], accepted, energised,
                        pauses_by_id[chunk_ids[i]], located,
                    )  # fmt: skip
                    if checked is None:
                        left_out.add(i)
                    else:
                        pauses[i] = checked
        if "" in chunk_ids:
            named = list(compress(range(size), chunk_ids))
            ids += map(chunk_ids.__getitem__, named)
            id_numbers += map(numbers.__getitem__, named)
        else:
            ids += chunk_ids
            id_numbers += numbers
        read += size - blank
        texts = [cell_texts(map(get, rows)) if get is not None else repeat("") for get in text_of]
        columns = [chunk_ids, kinds, customers, dates, extras, pauses, numbers, *texts, facts]
        if left_out:
            kept = [i not in left_out for i in range(size)]
            columns = [list(compress(c, kept)) if c is not None else None for c in columns]
            if len(left_out) == size:
                continue
        chunk_ids, kinds, customers, dates, extras, pauses, numbers, address, voltage, channel, facts = columns
        units, business_types, classes, capacities = zip(*kinds)
        valid += map(make, zip(
            chunk_ids, units, customers, business_types, classes, capacities, *zip(*dates),
            *(zip(*extras) if extras is not None else (repeat(None),) * 4), pauses, numbers, address, voltage, channel,
            *(zip(*facts) if facts is not None else (repeat(None),) * 5),
        ))  # fmt: skip
        if progress is not None and read - reported >= _PROGRESS_EVERY:
            progress(read, expected)
            reported = read

    # dict() keeps the last row of each id: reversed, the first
    first_seen = dict(zip(reversed(ids), reversed(id_numbers)))
    if len(first_seen) < len(ids):
        valid = _drop_duplicates(table, i_id, headers, ids, id_numbers, first_seen, valid, located)
    for application_id, pause_list in pauses_by_id.items():
        if application_id not in first_seen:
            for pause_row in pause_list:
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
