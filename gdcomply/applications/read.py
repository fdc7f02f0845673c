"""Reading connection-application exports (.xlsx via python-calamine, .csv) into an ApplicationSet.

Every problem is collected with where it is: ``FILE:SHEET!CELL: column: message`` for a
workbook, ``FILE:LINE: column: message`` for a CSV. A row with a problem is left out of the
measures, counted as rejected and listed. Problems with the file as a whole (not a
spreadsheet, empty, no header, a required column missing) raise InputError.

Speed: a 300k-row export must cost little more than calamine's own read. An export repeats
few distinct units, types, dates and amounts, so the cells the measures need are looked up
in three groups (unit/type/small-micro/capacity, accepted/energised, steps/materials/cost/
visits) in dicts that remember each distinct group once checked: a row costs three lookups.
Each distinct cell value is parsed once (``_Memo``), text dates by one regex, and problems
are worded only for rows that have them; no exception is raised per cell.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable, Iterator

from gdcomply.applications.measures import (
    APPLICATION_COLUMNS,
    PAUSE_COLUMNS,
    Application,
    ApplicationSet,
    BusinessType,
    Column,
    Pause,
    RowCounts,
    classify,
    gc_paused,
)
from gdcomply.errors import InputError, Problem
from gdcomply.applications.targets import Targets
from gdcomply.workdays import RANGE_END, RANGE_START

ProgressCallback = Callable[[int, int], None]
"""Called now and then with (rows done, rows expected); the expected number is an estimate."""

APPLICATION_SHEETS = ("申请", "applications")
PAUSE_SHEETS = ("暂停", "pauses")
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
HEADER_SEARCH_ROWS = 20
_PROGRESS_EVERY = 8192
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


class _Bad:
    """A cell value that failed: the message, without the column name in front."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class _Memo(dict):
    """value -> converted value (or _Bad), converting each distinct value once.

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


_EMPTY_REQUIRED = _Bad("为空（必填）")


def _shown(value: Any) -> str:
    """A cell value as the user typed it (an integral float without its .0)."""
    if value.__class__ is float and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _text(value: Any) -> str:
    if value.__class__ is str:
        return value.strip()
    if value.__class__ is float and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _to_date(value: Any) -> date | _Bad | None:
    cls = value.__class__
    if cls is date:
        day = value
    elif cls is datetime:
        day = value.date()
    elif cls is float or cls is int:
        if not _FIRST_SERIAL <= value < _LAST_SERIAL + 1:
            return _Bad(
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
            return _Bad(f"“{text}”不是日期（应写成 2026-03-05、2026/3/5 或 2026年3月5日）")
        year, month, day_of_month = (int(g) for g in match.groups())
        try:
            day = date(year, month, day_of_month)
        except ValueError:
            return _Bad(f"“{text}”不是有效的日期（{year} 年没有 {month} 月 {day_of_month} 日）")
    else:
        return _Bad(f"“{_shown(value)}”不是日期")
    if not RANGE_START <= day <= RANGE_END:
        return _Bad(
            f"日期 {day.isoformat()} 超出工作日历支持的范围"
            f"（{RANGE_START.isoformat()} 至 {RANGE_END.isoformat()}）"
        )
    return day


def _to_required_date(value: Any) -> date | _Bad:
    day = _to_date(value)
    return _EMPTY_REQUIRED if day is None else day


def _to_decimal(value: Any) -> Decimal | _Bad | None:
    """A number as Decimal; None for an empty cell. Text may carry 元/kVA, ¥ and thousands commas."""
    cls = value.__class__
    if cls is float:
        if value != value or value in (float("inf"), float("-inf")):
            return _Bad(f"“{value}”不是数字")
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    if cls is int:
        return Decimal(value)
    if cls is not str:
        return _Bad(f"“{_shown(value)}”不是数字")
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
        return _Bad(f"“{text}”不是数字")
    if not number.is_finite():
        return _Bad(f"“{text}”不是数字")
    return number


def _too_large(value: Any, limit: str) -> _Bad:
    # a huge float cell shows as 1e+30, not as its 31 digits
    shown = repr(value) if value.__class__ is float and abs(value) >= 1e16 else _shown(value)
    return _Bad(f"数值过大（超过 {limit}）：“{shown}”，请核对是否填错")


def _to_capacity(value: Any) -> Decimal | _Bad:
    number = _to_decimal(value)
    if number is None:
        return _EMPTY_REQUIRED
    if number.__class__ is Decimal:
        if number <= 0:
            return _Bad(f"“{_shown(value)}”应为大于 0 的数字")
        if number > MAX_CAPACITY_KVA:
            return _too_large(value, "1000 万 kVA")
    return number


def _to_cost(value: Any) -> Decimal | _Bad | None:
    number = _to_decimal(value)
    if number.__class__ is Decimal:
        if number < 0:
            return _Bad(f"“{_shown(value)}”不能为负数")
        if number > MAX_COST:
            return _too_large(value, "100 亿元")
    return number


def _to_count(value: Any) -> int | _Bad | None:
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
        return _Bad(f"“{_shown(value)}”应为不小于 0 的整数")
    if number > MAX_COUNT:
        return _too_large(value, str(MAX_COUNT))
    return number


def _to_materials(value: Any) -> int | _Bad | None:
    if value.__class__ is not str:
        return _to_count(value)
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return _to_count(text)
    return sum(1 for item in _LIST_SEPARATORS.split(text) if item.strip())


def _to_small_micro(value: Any) -> bool | _Bad:
    text = _text(value).lower() if value.__class__ is not bool else str(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return _Bad(f"“{_shown(value)}”应为“是”或“否”")


def _to_business_type(value: Any) -> BusinessType | _Bad:
    text = _text(value)
    if not text:
        return _EMPTY_REQUIRED
    try:
        return BusinessType(text)
    except ValueError:
        names = "、".join(t.value for t in BusinessType)
        return _Bad(f"“{text}”不是已知的业务类型（应为 {names} 之一）")


def _unit_converter(targets: Targets) -> Callable[[Any], str | _Bad]:
    known = "、".join(f"{names[0]}（{party}）" for party, names in targets.units.items())

    def convert(value: Any) -> str | _Bad:
        text = _text(value)
        if not text:
            return _EMPTY_REQUIRED
        party = targets.resolve_unit(text)
        if party is None:
            return _Bad(
                f"“{text}”不是已知的供电单位（应为 {known}；"
                f"其他写法请加到 config/targets.yaml 的 units 中）"
            )
        return party

    return convert


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


@dataclass
class _Table:
    """An opened sheet or CSV: its data rows after the header, and how to name a position."""

    source: str
    sheet: str | None  # None for a CSV
    rows: Iterator[tuple[int, list[Any]]]  # (row number or line, cells), after the header
    header_number: int
    header: list[Any]
    first_column: int  # absolute index of the sheet's first column (calamine starts there)
    expected_rows: int

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


def _find_columns(
    table: _Table, columns: tuple[Column, ...], targets: Targets, what: str
) -> tuple[dict[str, int], dict[str, str], list[Problem], bool]:
    """Locate the header among the first rows: each column's index and header text,
    the problems, and whether the table has no data at all."""
    lookup = _header_lookup(columns, dict(targets.columns))
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
        if not any(any(_text(c) for c in cells) for _, cells in consumed):
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
                    f"本单位表头不同时，请在 config/targets.yaml 的 columns 中对照 {column.key}）",
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


def _sheet_table(workbook: Any, sheet_name: str, shown: str) -> _Table:
    from python_calamine import CalamineError

    try:
        sheet = workbook.get_sheet_by_name(sheet_name)
    except CalamineError as exc:
        raise InputError(f"{shown}: 工作表“{sheet_name}”无法读取（{exc}）") from None
    start = sheet.start or (0, 0)
    # calamine yields rows from the sheet's first row, but cells from its first used column
    rows = enumerate(sheet.iter_rows(), start=1)
    return _Table(shown, sheet_name, rows, 0, [], start[1], max(sheet.height - 1, 0))


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


def _csv_table(path: Path, shown: str) -> _Table:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"文件不存在：{shown}") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {shown}：{exc.strerror}") from None
    text = _decode(data, shown)
    if not text.strip():
        raise InputError(f"{shown}: 文件是空的，没有任何数据")
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _Table(shown, None, _numbered(reader), 0, [], 0, max(text.count("\n") - 1, 0))


def _open_tables(path: Path, shown: str, sheets: tuple[str, ...], *, pauses_only: bool) -> list[_Table]:
    """The table(s) of a file: for a workbook the wanted sheet, and its 暂停 sheet if asked."""
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


# -- pauses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PauseRow:
    """A valid pause row, with enough of its position to name its cells later."""

    application_id: str
    pause: Pause
    table: _Table
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
    table: _Table,
    targets: Targets,
    order: int,
    file_problems: list[Problem],
    located: list[tuple[tuple[int, int, int], Problem]],
) -> list[_PauseRow]:
    """The valid pause rows of a table; problems of its rows go to located."""
    index, shown, header_problems, empty = _find_columns(table, PAUSE_COLUMNS, targets, "暂停表")
    if empty and table.sheet is not None:
        return []  # an empty 暂停 sheet: no pauses
    if header_problems:
        file_problems.extend(header_problems)
        return []
    starts, ends = _Memo(_to_required_date), _Memo(_to_date)
    result = []
    width = len(table.header)
    i_id, i_start = index["application-id"], index["pause-start"]
    i_end, i_reason = index.get("pause-end"), index.get("reason")
    for number, cells in table.rows:
        if len(cells) < width:
            cells = [*cells, *([""] * (width - len(cells)))]
        application_id = _text(cells[i_id])
        if not application_id and not any(_text(c) for c in cells):
            continue  # a blank row
        start = starts[cells[i_start]]
        end = ends[cells[i_end]] if i_end is not None else None
        reason = _text(cells[i_reason]) if i_reason is not None else ""
        bad = False
        for key, value in (
            ("application-id", application_id or _EMPTY_REQUIRED),
            ("pause-start", start),
            ("pause-end", end),
        ):
            if value.__class__ is _Bad:
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
            _PauseRow(application_id, Pause(start, end, reason), table, order, number, i_id, i_start, i_end)
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
    tables = _open_tables(path, shown, APPLICATION_SHEETS, pauses_only=False)
    pause_tables = tables[1:]
    if pauses_path is not None:
        pause_tables += _open_tables(pauses_path, pauses_display or str(pauses_path), PAUSE_SHEETS, pauses_only=True)
    main = tables[0]
    index, headers, file_problems, _ = _find_columns(main, APPLICATION_COLUMNS, targets, "申请表")
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

    def __init__(self, targets: Targets, position: dict[str, int]) -> None:
        self.position = position
        self.memos: dict[str, _Memo] = {
            "unit": _Memo(_unit_converter(targets)),
            "business-type": _Memo(_to_business_type),
            "small-micro": _Memo(_to_small_micro),
            "capacity-kva": _Memo(_to_capacity),
            "accepted": _Memo(_to_required_date),
            "energised": _Memo(_to_date),
            "steps": _Memo(_to_count),
            "materials": _Memo(_to_materials),
            "cost": _Memo(_to_cost),
            "visits": _Memo(_to_count),
        }
        self.kind_key = itemgetter(*(position[k] for k in self.KIND))
        self.dates_key = itemgetter(position["accepted"], position["energised"])
        self.extras_key = itemgetter(*(position[k] for k in self.EXTRAS))
        self.kinds: dict[Any, tuple[str, BusinessType, Any, Decimal] | None] = {}
        self.date_pairs: dict[Any, tuple[date, date | None] | None] = {}
        self.extras: dict[Any, tuple[Any, Any, Any, Any] | None] = {}

    def remember(self, cells: list[Any]) -> tuple[Any, Any, Any]:
        """The row's three groups, checking (and storing) those not seen before."""
        memos = self.memos
        raw = self.kind_key(cells)
        if raw not in self.kinds:
            unit, business_type, small, capacity = (memos[k][v] for k, v in zip(self.KIND, raw))
            ok = _Bad not in (unit.__class__, business_type.__class__, small.__class__, capacity.__class__)
            self.kinds[raw] = (unit, business_type, classify(business_type, small), capacity) if ok else None
        raw_dates = self.dates_key(cells)
        if raw_dates not in self.date_pairs:
            accepted = memos["accepted"][raw_dates[0]]
            energised = memos["energised"][raw_dates[1]]
            ok = accepted.__class__ is not _Bad and energised.__class__ is not _Bad
            ok = ok and (energised is None or energised >= accepted)
            self.date_pairs[raw_dates] = (accepted, energised) if ok else None
        raw_extras = self.extras_key(cells)
        if raw_extras not in self.extras:
            extras = tuple(memos[k][v] for k, v in zip(self.EXTRAS, raw_extras))
            self.extras[raw_extras] = None if any(v.__class__ is _Bad for v in extras) else extras
        return self.kinds[raw], self.date_pairs[raw_dates], self.extras[raw_extras]

    def values(self, cells: list[Any]) -> dict[str, Any]:
        """Each checked cell's converted value or _Bad, for wording a rejected row's problems."""
        return {key: memo[cells[self.position[key]]] for key, memo in self.memos.items()}


def _read_rows(
    table: _Table,
    index: dict[str, int],
    headers: dict[str, str],
    pause_rows: list[_PauseRow],
    located: list[tuple[tuple[int, int, int], Problem]],
    targets: Targets,
    progress: ProgressCallback | None,
) -> ApplicationSet:
    width = len(table.header)
    absent = width  # a missing optional column reads the empty cell appended to every row
    needs_pad = any(c.key not in index for c in APPLICATION_COLUMNS)
    position = {c.key: index.get(c.key, absent) for c in APPLICATION_COLUMNS}
    i_id, i_customer = position["application-id"], position["customer"]
    i_address, i_voltage, i_channel = position["address"], position["voltage"], position["channel"]

    checker = _RowChecker(targets, position)
    kinds, date_pairs, extras_memo = checker.kinds, checker.date_pairs, checker.extras
    kind_key, dates_key, extras_key = checker.kind_key, checker.dates_key, checker.extras_key
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
        application_id = raw_id.strip() if raw_id.__class__ is str else _text(raw_id)
        if not application_id and not any(_text(c) for c in cells):
            continue  # a blank row
        read += 1
        if progress is not None and not read % _PROGRESS_EVERY:
            progress(read, expected)
        try:
            kind = kinds[kind_key(cells)]
            dates = date_pairs[dates_key(cells)]
            extras = extras_memo[extras_key(cells)]
        except KeyError:  # a group not seen before: check it once
            kind, dates, extras = remember(cells)
        raw_customer = cells[i_customer]
        customer = raw_customer.strip() if raw_customer.__class__ is str else _text(raw_customer)
        if application_id:
            ids.append(application_id)
            numbers.append(number)

        if kind is None or dates is None or extras is None or not customer or not application_id:
            values = checker.values(cells)
            values["application-id"] = application_id or _EMPTY_REQUIRED
            values["customer"] = customer or _EMPTY_REQUIRED
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
                    address.strip() if address.__class__ is str else _text(address),
                    voltage.strip() if voltage.__class__ is str else _text(voltage),
                    channel.strip() if channel.__class__ is str else _text(channel),
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
    table: _Table,
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
    table: _Table,
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
        if value.__class__ is _Bad and key in index:
            add(key, value.message)
    accepted, energised = values["accepted"], values["energised"]
    if isinstance(accepted, date) and isinstance(energised, date) and energised < accepted:
        add("energised", f"{energised.isoformat()} 早于受理日期 {accepted.isoformat()}")


def _check_pauses(
    table: _Table,
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
    return _text(row.table.header[column])


