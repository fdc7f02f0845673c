"""Write the Excel workbooks of report packs from sheet specifications (gdcomply.packs.Sheet).

openpyxl in write-only mode writes everything — cells, styles, column widths, frozen header,
auto-filter and charts; this module only decides what each cell is. Rows are pulled from each
sheet's iterator and appended one at a time (``ws.append``), and openpyxl serialises a row as
soon as it is appended, so a 100k-row 明细 sheet never sits in memory.

Cells: plain text and integers are appended bare (openpyxl types them). Values that need a
style — dates as real date cells with a date format; working days, kVA, money and shares as
numbers with their number formats; 达标/未达标 coloured — go through one styled WriteOnlyCell
per column and kind, given the row's value before each append: openpyxl has written the cell
by the time ``append`` returns, so the same cell object can carry the next row's value.
The price of letting the library write the cells is its per-cell time: the unit pack of 100k
rows takes ~1.6x the floor of bench/pack.py (a bare read plus a bare write-only write).

Safety: a text that Excel would read as a formula (= + - @) or an error code (#N/A…) is
written as a text cell (data type "s") with Excel's quote prefix, never as a formula; control
characters that XML cannot carry are removed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gdcomply.errors import RenderError
from gdcomply.packs import Kind, Sheet, Typed
from gdcomply.reports.deterministic import normalise_office_zip

_FORMATS = {
    Kind.INT: "0",
    Kind.DAYS: "0.00",
    Kind.KVA: "#,##0.00",
    Kind.MONEY: "#,##0.00",
    Kind.DATE: "yyyy-mm-dd",
    Kind.SHARE: "0.00%",
}
_GOOD_FILL = "C6EFCE"
_BAD_FILL = "FFC7CE"
_HEADER_FILL = "DDEBF7"
_RISKY_START = frozenset("=+-@#")  # a formula's first character, or an error code's (#N/A)
_ERROR_CODES = frozenset(ERROR_CODES)

# turns one value of a column into what ws.append takes: the value itself, None or a cell
Converter = Callable[[Any], Any]


class _Styles:
    """The pack's cell styles, made once per worksheet."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.header = dict(
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor=_HEADER_FILL),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.title = dict(font=Font(bold=True, size=14))
        self.good = dict(fill=PatternFill("solid", fgColor=_GOOD_FILL))
        self.bad = dict(fill=PatternFill("solid", fgColor=_BAD_FILL), font=Font(color="9C0006", bold=True))
        self.quoted = dict(quotePrefix=True)

    def cell(self, **style: Any):
        """A new write-only cell with the given style attributes (font=…, number_format=…)."""
        cell = WriteOnlyCell(self.ws)
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    def label(self, text: str, **style: Any):
        """A cell of a title line or a header: always text, whatever it begins with."""
        cell = self.cell(**style)
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
        cell.data_type = "s"
        return cell


def _converter(kind: Kind, styles: _Styles) -> Converter:
    """The converter for one column of one kind, owning that column's reusable cells.

    Each column has its own cells: a row is serialised only once it is complete, so two
    columns sharing a cell would both show the last value.
    """
    quoted = styles.cell(**styles.quoted)
    typed: dict[Kind, Converter] = {}

    def other(value: Any) -> Any:
        """What is not of the column's kind: a Typed value, or anything else as text."""
        if type(value) is Typed:
            converter = typed.get(value.kind)
            if converter is None:
                converter = typed[value.kind] = _converter(value.kind, styles)
            return converter(value.value)
        return text(value)

    def text(value: Any) -> Any:
        if type(value) is not str:
            if value is None:
                return None
            if type(value) is Typed:
                return other(value)
            value = str(value)
        if not value:
            return None
        if ILLEGAL_CHARACTERS_RE.search(value):
            # control characters XML cannot carry: openpyxl refuses them, the pack drops them
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[0] in _RISKY_START and (value[0] != "#" or value in _ERROR_CODES):
            quoted.value = value
            # openpyxl would type "=…" as a formula and "#N/A" as an error: force text
            quoted.data_type = "s"
            return quoted
        return value

    if kind is Kind.TEXT:
        return text
    if kind is Kind.VERDICT:
        good, bad = styles.cell(**styles.good), styles.cell(**styles.bad)

        def verdict(value: Any) -> Any:
            cell = good if value == "达标" else bad if value == "未达标" else None
            if cell is None:
                return other(value)
            cell.value = value
            return cell

        return verdict
    styled = styles.cell(number_format=_FORMATS[kind])
    if kind is Kind.DATE:

        def day(value: Any) -> Any:
            if isinstance(value, date):
                if isinstance(value, datetime) and value.tzinfo is not None:
                    value = value.replace(tzinfo=None)  # Excel has no time zones: keep the wall time
                styled.value = value
                return styled
            return other(value)

        return day

    whole = kind is Kind.INT

    def number(value: Any) -> Any:
        if (whole and type(value) is int) or type(value) is bool:
            return value  # a whole number needs no format: General shows it as "0" would
        if isinstance(value, (int, float, Decimal)):
            styled.value = value
            return styled
        return other(value)

    return number


def _row_converter(sheet: Sheet, styles: _Styles) -> Callable[[Sequence[Any]], list[Any]]:
    """A function turning one row of the sheet into the list ws.append takes."""
    by_column = [_converter(column.kind, styles) for column in sheet.columns]

    def convert(row: Sequence[Any]) -> list[Any]:
        return [converter(value) for converter, value in zip(by_column, row)]

    return convert


def _add_chart(ws, sheet: Sheet, header_row: int, last_row: int) -> None:
    spec = sheet.chart
    assert spec is not None
    chart = LineChart()
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.x_axis.title = spec.x_title
    chart.height, chart.width = 9, 18
    # openpyxl hides the axes by default (delete=True); a report's reader needs them
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    last = max(last_row, header_row + 1)
    for index in spec.series_columns:
        chart.add_data(Reference(ws, min_col=index + 1, min_row=header_row, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=spec.category_column + 1, min_row=header_row + 1, max_row=last))
    ws.add_chart(chart, spec.anchor)


def _write_sheet(wb: Workbook, sheet: Sheet) -> None:
    ws = wb.create_sheet(sheet.name)
    styles = _Styles(ws)
    # widths and the frozen header go before the first row: write-only sheets write them first
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    header_row = len(sheet.preamble) + (1 if sheet.preamble else 0) + 1
    ws.freeze_panes = f"A{header_row + 1}"
    for position, line in enumerate(sheet.preamble):
        ws.append([styles.label(line, **(styles.title if position == 0 else {}))])
    if sheet.preamble:
        ws.append([])  # a blank row between the lines above and the table
    ws.append([styles.label(column.header, **styles.header) for column in sheet.columns])
    convert = _row_converter(sheet, styles)
    last_row = header_row
    append = ws.append
    for row in sheet.rows:
        append(convert(row))
        last_row += 1
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(sheet.columns))}{last_row}"
    if sheet.chart is not None:
        _add_chart(ws, sheet, header_row, last_row)


def write_workbook(sheets: Sequence[Sheet], out: Path, *, as_of: date) -> None:
    """Write the sheets, in order, to out (normalised for reproducibility)."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "gdcomply"
    wb.properties.lastModifiedBy = "gdcomply"
    for sheet in sheets:
        _write_sheet(wb, sheet)
    try:
        wb.save(str(out))
    except OSError as exc:
        raise RenderError(f"无法写入 {out}：{exc.strerror or exc}") from None
    normalise_office_zip(out, as_of)
