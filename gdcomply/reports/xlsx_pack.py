"""Write the Excel workbooks of report packs from sheet specifications (gdcomply.packs.Sheet).

Streaming (openpyxl write-only mode): rows are pulled from each sheet's iterator and written
as they come, so a 100k-row 明细 sheet never sits in memory as cells. Every sheet gets its
header frozen, an auto-filter over its table, column widths, real date cells and number
formats for working days, kVA, money and shares.

Safety: a text that Excel would read as a formula (beginning with = + - @) or as an error
code (#N/A…) is written as a text cell with Excel's quote prefix, never as a formula.
"""

from __future__ import annotations

from copy import copy
from datetime import date
from pathlib import Path
from typing import Any, Sequence

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
_RISKY_START = ("=", "+", "-", "@")
_GOOD_FILL = "C6EFCE"
_BAD_FILL = "FFC7CE"
_HEADER_FILL = "DDEBF7"


class _Styles:
    """Prototype cells per (kind, extra) whose style arrays are copied onto new cells."""

    def __init__(self, ws) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        self._cell = WriteOnlyCell
        self.ws = ws
        self.header = WriteOnlyCell(ws)
        self.header.font = Font(bold=True)
        self.header.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        self.header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.title = WriteOnlyCell(ws)
        self.title.font = Font(bold=True, size=14)
        self.formats = {}
        for kind, fmt in _FORMATS.items():
            proto = WriteOnlyCell(ws)
            proto.number_format = fmt
            self.formats[kind] = proto._style
        self.text = WriteOnlyCell(ws)
        self.text.quotePrefix = True
        self.good = WriteOnlyCell(ws)
        self.good.fill = PatternFill("solid", fgColor=_GOOD_FILL)
        self.bad = WriteOnlyCell(ws)
        self.bad.fill = PatternFill("solid", fgColor=_BAD_FILL)
        self.bad.font = Font(color="9C0006", bold=True)

    def make(self, value: Any, style_of=None):
        cell = self._cell(self.ws, value=value)
        if style_of is not None:
            cell._style = copy(style_of)
        return cell

    def text_cell(self, text: str):
        cell = self._cell(self.ws)
        cell._value = text
        cell.data_type = "s"
        cell._style = copy(self.text._style)
        return cell


def _is_risky(text: str) -> bool:
    from openpyxl.cell.cell import ERROR_CODES

    return text.startswith(_RISKY_START) or text in ERROR_CODES


def _row_converter(columns: Sequence, styles: _Styles):
    """A function turning one row of Python values into what ws.append takes."""
    plans = []
    for column in columns:
        kind = column.kind
        if kind is Kind.TEXT:
            plans.append(0)
        elif kind is Kind.VERDICT:
            plans.append(1)
        elif kind is Kind.INT:
            plans.append(2)
        else:
            plans.append(styles.formats[kind])
    make, text_cell = styles.make, styles.text_cell
    good, bad = styles.good._style, styles.bad._style

    formats = styles.formats

    def convert(row: Sequence[Any]) -> list[Any]:
        out: list[Any] = []
        for plan, value in zip(plans, row):
            if type(value) is Typed:
                kind, value = value.kind, value.value
                if value is not None and kind in formats:
                    out.append(make(value, formats[kind]))
                    continue
            if value is None or value == "":
                out.append(None)
            elif plan == 0 or isinstance(value, str):
                text = value if isinstance(value, str) else str(value)
                if text[0] in "=+-@#" and _is_risky(text):
                    out.append(text_cell(text))
                else:
                    out.append(text)
            elif plan == 1:
                out.append(make(value, good if value == "达标" else bad if value == "未达标" else None))
            elif plan == 2:
                out.append(value)
            else:
                out.append(make(value, plan))
        return out

    return convert


def _add_chart(ws, sheet: Sheet, header_row: int, last_row: int) -> None:
    from openpyxl.chart import LineChart, Reference

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
    for index in spec.series_columns:
        data = Reference(ws, min_col=index + 1, min_row=header_row, max_row=max(last_row, header_row + 1))
        chart.add_data(data, titles_from_data=True)
    categories = Reference(
        ws, min_col=spec.category_column + 1, min_row=header_row + 1, max_row=max(last_row, header_row + 1)
    )
    chart.set_categories(categories)
    ws.add_chart(chart, spec.anchor)


def write_workbook(sheets: Sequence[Sheet], out: Path, *, as_of: date) -> None:
    """Write the sheets, in order, to out (normalised for reproducibility)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    props = wb.properties
    props.creator = "gdcomply"
    props.lastModifiedBy = "gdcomply"
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        styles = _Styles(ws)
        header_row = len(sheet.preamble) + (1 if sheet.preamble else 0) + 1
        for index, column in enumerate(sheet.columns, 1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = f"A{header_row + 1}"
        for position, line in enumerate(sheet.preamble):
            ws.append([styles.make(line, styles.title._style if position == 0 else None)])
        if sheet.preamble:
            ws.append([])
        ws.append([styles.make(c.header, styles.header._style) for c in sheet.columns])
        convert = _row_converter(sheet.columns, styles)
        last_row = header_row
        for row in sheet.rows:
            ws.append(convert(row))
            last_row += 1
        last_column = get_column_letter(len(sheet.columns))
        ws.auto_filter.ref = f"A{header_row}:{last_column}{max(last_row, header_row)}"
        if sheet.chart is not None:
            _add_chart(ws, sheet, header_row, last_row)
    try:
        wb.save(str(out))
    except OSError as exc:
        raise RenderError(f"无法写入 {out}：{exc.strerror or exc}") from None
    normalise_office_zip(out, as_of)
