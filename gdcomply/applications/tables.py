"""Opening an export: the sheet of a workbook (python-calamine) or the records of a CSV, and
the header row with the columns the reader needs.

A ``Table`` yields its data rows with their row (or line) numbers and names any position
(``FILE:SHEET!CELL``, ``FILE:LINE``). Problems with the file as a whole (not a spreadsheet,
empty, an unknown encoding) raise InputError; problems with the header are returned.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import unicodedata
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from gdcomply.applications.cells import cell_text
from gdcomply.applications.columns import Column
from gdcomply.errors import InputError, Problem

APPLICATION_SHEETS = ("申请", "applications")
PAUSE_SHEETS = ("暂停", "pauses")
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
HEADER_SEARCH_ROWS = 20


# -- tables --------------------------------------------------------------------------------


def _normal(header: str) -> str:
    """Header text compared without width, case, spaces, underscores or hyphens."""
    folded = unicodedata.normalize("NFKC", header).lower()
    return re.sub(r"[\s_\-]+", "", folded)


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Rows converted at a time by the readers (Table.chunks): while a chunk's cells are still in
# the CPU's caches. Measured on a 300k-row CSV: 256 rows a chunk took half the time of the
# whole table at once (whose cells are long out of the cache when a column is taken), 1024
# rows most of that again; the complaints reader found the same.
CHUNK_ROWS = 256


@dataclass
class Table:
    """An opened sheet or CSV: its data rows after the header, and how to name a position."""

    source: str
    sheet: str | None  # None for a CSV
    rows: Iterator[tuple[int, list[Any]]]  # (row number or line, cells), after the header
    header_number: int
    header: list[Any]
    first_column: int  # absolute index of the sheet's first column (calamine starts there)
    expected_rows: int
    # the data rows in chunks (given the header's number and the chunk size), without a Python step per row
    chunked: Callable[[int, int], Iterator[tuple[Sequence[int], list[list[Any]]]]] | None = None

    def chunks(self, size: int) -> Iterator[tuple[Sequence[int], list[list[Any]]]]:
        """The data rows, size at a time, each chunk with its rows' row or line numbers, once
        find_columns has taken the rows up to the header (and no more) from rows."""
        if self.chunked is not None:
            yield from self.chunked(self.header_number, size)
            return
        while numbered := list(islice(self.rows, size)):
            numbers, rows = zip(*numbered)
            yield numbers, list(rows)

    def where(self, number: int, column: int | None = None) -> str:
        """FILE:SHEET!CELL, or FILE:LINE for a CSV."""
        if self.sheet is None:
            return f"{self.source}:{number}"
        return f"{self.source}:{self.short(number, column)}"

    def short(self, number: int, column: int | None = None) -> str:
        """SHEET!CELL, or 第 LINE 行 for a CSV: a position named inside a message."""
        if self.sheet is None:
            return f"第 {number} 行"
        return f"{self.sheet}!{column_letters(self.first_column + (column or 0))}{number}"

    @property
    def location(self) -> str:
        return f"{self.source}:{self.sheet}!" if self.sheet is not None else f"{self.source}:"


def _header_lookup(columns: tuple[Column, ...], extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised header text -> column key; names from the config win over built-in aliases."""
    lookup: dict[str, str] = {}
    for column in columns:
        for name in (column.header, column.key, *column.aliases):
            lookup.setdefault(_normal(name), column.key)
    keys = {c.key for c in columns}
    for key, names in extra.items():
        if key in keys:
            for name in names:
                lookup[_normal(name)] = key
    return lookup


def find_columns(
    table: Table,
    columns: tuple[Column, ...],
    extra: Mapping[str, tuple[str, ...]],
    what: str,
    settings: str = "config/targets.yaml",
) -> tuple[dict[str, int], dict[str, str], list[Problem], bool]:
    """Locate the header among the first rows: each column's index and header text,
    the problems, and whether the table has no data at all.

    extra: the header names a workspace's settings file (named in messages) adds per column
    key. Complaints exports (gdcomply.complaints.read) are read with the same machinery.
    """
    lookup = _header_lookup(columns, dict(extra))
    problems: list[Problem] = []
    consumed: list[tuple[int, list[Any]]] = []
    header: tuple[int, list[Any]] | None = None
    for number, cells in table.rows:
        matches = {lookup.get(_normal(c)) for c in cells if isinstance(c, str) and c.strip()}
        matches.discard(None)
        if len(matches) >= 2:
            header = (number, cells)
            break
        consumed.append((number, cells))
        if len(consumed) >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if not any(any(cell_text(c) for c in cells) for _, cells in consumed):
            where = table.where(1) if table.sheet is None else f"{table.source}:{table.sheet}"
            problems.append(Problem(where, f"{what}是空的，没有任何数据"))
            return {}, {}, problems, True
        names = "”“".join(c.header for c in columns if c.required)
        problems.append(
            Problem(
                table.where(consumed[0][0], 0),
                f"找不到{what}的表头行：前 {HEADER_SEARCH_ROWS} 行中没有“{names}”这些列名",
            )
        )
        return {}, {}, problems, False
    table.header_number, table.header = header
    index: dict[str, int] = {}
    shown: dict[str, str] = {}
    for position, cell in enumerate(table.header):
        if not isinstance(cell, str) or not cell.strip():
            continue
        key = lookup.get(_normal(cell))
        if key is None:
            continue  # exports carry many other columns
        if key in index:
            problems.append(
                Problem(
                    table.where(table.header_number, position),
                    f"{cell.strip()}: 与 {table.short(table.header_number, index[key])}"
                    f"“{shown[key]}”是同一列，请删去其中一列",
                )
            )
            continue
        index[key] = position
        shown[key] = cell.strip()
    for column in columns:
        if column.required and column.key not in index:
            aliases = "、".join(column.aliases[:3])
            problems.append(
                Problem(
                    table.where(table.header_number, 0),
                    f"{column.header}: 缺少这一必需的列（也可用列名 {aliases}；"
                    f"本单位表头不同时，请在 {settings} 的 columns 中对照 {column.key}）",
                )
            )
    return index, shown, problems, False


# -- opening files -------------------------------------------------------------------------


def _open_workbook(path: Path, shown: str) -> Any:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"文件不存在：{shown}") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {shown}：{exc.strerror}") from None
    if size == 0:
        raise InputError(f"{shown}: 文件是空的（0 字节），不是 Excel 工作簿")
    try:
        if _utf8_name(path):
            return CalamineWorkbook.from_path(str(path))
        # calamine takes a UTF-8 path; a name from a GBK zip (surrogate escapes) is opened here
        with path.open("rb") as handle:
            return CalamineWorkbook.from_filelike(handle)
    except CalamineError:
        if _looks_like_text(path):
            raise InputError(f"{shown}: 这是文本文件而不是 Excel 工作簿；如果是 CSV，请把扩展名改为 .csv") from None
        raise InputError(
            f"{shown}: 不是可以读取的 Excel 工作簿（文件已损坏或是其他格式）。请在 Excel 中另存为 .xlsx，或导出为 .csv"
        ) from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {shown}：{exc.strerror or exc}") from None


def _utf8_name(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _looks_like_text(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the 4096-byte window
                return True
    return False


def _sheet_named(workbook: Any, names: tuple[str, ...]) -> str | None:
    wanted = {n.casefold() for n in names}
    for name in workbook.sheet_names:
        if name.strip().casefold() in wanted:
            return name
    return None


def _sheet_table(workbook: Any, sheet_name: str, shown: str) -> Table:
    from python_calamine import CalamineError

    try:
        sheet = workbook.get_sheet_by_name(sheet_name)
    except CalamineError as exc:
        raise InputError(f"{shown}: 工作表“{sheet_name}”无法读取（{exc}）") from None
    start = sheet.start or (0, 0)
    # calamine yields rows from the sheet's first row, but cells from its first used column
    cells = sheet.iter_rows()

    def chunked(header_number: int, size: int) -> Iterator[tuple[range, list[list[Any]]]]:
        number = header_number + 1  # a row's number is its place in the sheet
        while rows := list(islice(cells, size)):
            yield range(number, number + len(rows)), rows
            number += len(rows)

    return Table(shown, sheet_name, enumerate(cells, start=1), 0, [], start[1], max(sheet.height - 1, 0), chunked)


def _decode(data: bytes, shown: str) -> str:
    """Text of a CSV: UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (covers GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
            raise InputError(f"{shown}: 这是 Excel 工作簿而不是 CSV 文本，请把扩展名改为 .xlsx（或 .xls）")
        if b"\x00" in data[:4096]:
            raise InputError(f"{shown}: 不是 CSV 文本文件（含有二进制内容），请提供 .xlsx 或 .csv 文件")
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"{shown}: 无法识别文件编码（既不是 UTF-8，也不是 GBK/GB18030）。"
        f"请在 Excel 中另存为“CSV UTF-8（逗号分隔）”"
    )


def _numbered(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on (a quoted cell may span lines)."""
    last = 0
    for record in reader:
        yield last + 1, record
        last = reader.line_num


# Line breaks str.splitlines() knows but a file read with newline="" does not (which the csv
# module expects): inside a cell they are text.
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _lines(text: str) -> Iterator[str] | list[str]:
    """The lines of a CSV's text as a file opened with newline="" gives them (split at \\r\\n,
    \\r or \\n, each with its end): a list from splitlines when the text has no other break
    (a third faster to parse than a StringIO's lines, which also copies the text), else a
    StringIO's lines."""
    if not any(map(text.__contains__, _OTHER_BREAKS)):  # a search per character: 8x faster than a regex
        return text.splitlines(keepends=True)
    return iter(io.StringIO(text, newline=""))


def _csv_table(path: Path, shown: str) -> Table:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"文件不存在：{shown}") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {shown}：{exc.strerror}") from None
    text = _decode(data, shown)
    del data
    if not text or text.isspace():
        raise InputError(f"{shown}: 文件是空的，没有任何数据")
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(_lines(text), delimiter=delimiter)
    numbered = _numbered(reader)

    def chunked(header_number: int, size: int) -> Iterator[tuple[Sequence[int], list[list[str]]]]:
        """The records after the header, size at a time, each parsed by one C-level list(): a
        record starts on the line after the one before it unless a quoted cell spans lines.
        Once one does, the lines are counted record by record, on a second parse of the text."""
        done = reader.line_num
        while records := list(islice(reader, size)):
            if reader.line_num - done == len(records):
                yield range(done + 1, done + 1 + len(records)), records
                done = reader.line_num
                continue
            again = _numbered(csv.reader(_lines(text), delimiter=delimiter))
            for first in again:
                if first[0] > done:  # the first record of this chunk
                    break
            rest = chain((first,), again)
            while numbered_records := list(islice(rest, size)):
                numbers, records = zip(*numbered_records)
                yield numbers, list(records)
            return

    return Table(shown, None, numbered, 0, [], 0, max(text.count("\n") - 1, 0), chunked)


class OpenInBackground:
    """open_tables started in a thread, as early as a command can: calamine parses a sheet
    without holding the GIL, so the command's start-up (its settings, the calendar, the
    ledger) runs meanwhile on the other core. tables() waits, then returns what open_tables
    returned or raises what it raised. The thread is a daemon: a command that fails first
    does not wait for it."""

    def __init__(self, path: Path, shown: str, sheets: tuple[str, ...], *, pauses_only: bool) -> None:
        self.path, self.shown = path, shown
        self._tables: list[Table] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._open, args=(path, shown, sheets, pauses_only), name="gdcomply-open", daemon=True
        )
        self._thread.start()

    def _open(self, path: Path, shown: str, sheets: tuple[str, ...], pauses_only: bool) -> None:
        try:
            self._tables = open_tables(path, shown, sheets, pauses_only=pauses_only)
        except BaseException as exc:  # handed to the caller's thread by tables()
            self._error = exc

    def tables(self) -> list[Table]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._tables


def open_table(path: Path, shown: str, sheets: tuple[str, ...]) -> Table:
    """The one table of a file: a CSV, or a workbook's sheet named in sheets, else its first sheet."""
    return open_tables(path, shown, sheets, pauses_only=True)[0]


def open_tables(path: Path, shown: str, sheets: tuple[str, ...], *, pauses_only: bool) -> list[Table]:
    """The table(s) of a file: for a workbook the wanted sheet, and its 暂停 sheet if asked
    (pauses_only: the wanted sheet or the first, alone)."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return [_csv_table(path, shown)]
    if suffix not in WORKBOOK_SUFFIXES:
        raise InputError(
            f"{shown}: 不支持的文件类型“{path.suffix or '无扩展名'}”，请提供 .xlsx 或 .csv 文件"
        )
    workbook = _open_workbook(path, shown)
    if not workbook.sheet_names:
        raise InputError(f"{shown}: 工作簿中没有工作表")
    tables = []
    named = _sheet_named(workbook, sheets)
    if pauses_only:
        tables.append(_sheet_table(workbook, named or workbook.sheet_names[0], shown))
        return tables
    pause_sheet = _sheet_named(workbook, PAUSE_SHEETS)
    main = named or next((n for n in workbook.sheet_names if n != pause_sheet), workbook.sheet_names[0])
    tables.append(_sheet_table(workbook, main, shown))
    if pause_sheet is not None and pause_sheet != main:
        tables.append(_sheet_table(workbook, pause_sheet, shown))
    return tables
