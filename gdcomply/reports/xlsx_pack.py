"""Write the Excel workbooks of report packs from sheet specifications (gdcomply.packs.Sheet).

openpyxl (write-only mode) builds the package: workbook, styles, column widths, frozen
header, auto-filter and charts. The cells themselves are streamed by this module as
worksheet XML into a temporary file beside the output and spliced into the package when it
is normalised (reports/deterministic.py): openpyxl spends ~20 µs per cell on its generic
cell machinery, which made a 100k-row 明细 sheet several times slower than reading the
export; here a cell is a few string operations. Nothing is held in memory per row: sheet
rows are generators and the XML goes straight to disk.

Cells: text as inline strings; numbers with number formats for working days, kVA, money and
shares; dates as real date cells (serial numbers with a date format); 达标/未达标 coloured.
A text that Excel would read as a formula (= + - @) or an error code is a text cell with
Excel's quote prefix, never a formula.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Callable, Sequence

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
_EPOCH = date(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


class _StyleIds:
    """The cellXfs index of each style the pack uses, registered with the workbook."""

    def __init__(self, ws) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        def style(**properties: Any) -> int:
            cell = WriteOnlyCell(ws)
            for name, value in properties.items():
                setattr(cell, name, value)
            return cell.style_id

        self.header = style(
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor=_HEADER_FILL),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.title = style(font=Font(bold=True, size=14))
        self.formats = {kind: style(number_format=fmt) for kind, fmt in _FORMATS.items()}
        self.quoted = style(quotePrefix=True)
        self.good = style(fill=PatternFill("solid", fgColor=_GOOD_FILL))
        self.bad = style(fill=PatternFill("solid", fgColor=_BAD_FILL), font=Font(color="9C0006", bold=True))


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str) -> str:
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(ref: str, text: str, style: int | None = None) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_escape(text)}</t></is></c>'


def _is_risky(text: str) -> bool:
    return text[:1] in ("=", "+", "-", "@") or text in _ERROR_CODES


def _number_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return str(value)


CellWriter = Callable[[str, Any], str]


def _writer_for(kind: Kind, ids: _StyleIds) -> CellWriter:
    """A function (cell reference, value) -> the cell's XML, for one column kind."""
    quoted = ids.quoted

    def text(ref: str, value: Any) -> str:
        value = value if isinstance(value, str) else str(value)
        return _text(ref, value, quoted if _is_risky(value) else None)

    if kind is Kind.TEXT:
        return text
    if kind is Kind.VERDICT:
        good, bad = ids.good, ids.bad

        def verdict(ref: str, value: Any) -> str:
            return _text(ref, str(value), good if value == "达标" else bad if value == "未达标" else None)

        return verdict
    style = ids.formats[kind]
    s = f' s="{style}"'
    if kind is Kind.DATE:

        def day(ref: str, value: Any) -> str:
            if isinstance(value, datetime):
                serial = (value - datetime(1899, 12, 30, tzinfo=value.tzinfo)).total_seconds() / 86400
                return f'<c r="{ref}"{s}><v>{serial!r}</v></c>'
            if isinstance(value, date):
                return f'<c r="{ref}"{s}><v>{(value - _EPOCH).days}</v></c>'
            return text(ref, value)

        return day

    def number(ref: str, value: Any) -> str:
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float, Decimal)):
            return f'<c r="{ref}"{s}><v>{_number_text(value)}</v></c>'
        return text(ref, value)

    return number


def _write_cells(handle: IO[str], sheet: Sheet, ids: _StyleIds) -> tuple[int, int]:
    """Stream the sheet's preamble, header and rows as <row> elements; (header row, last row)."""
    width = len(sheet.columns)
    refs = [_column_letters(i) for i in range(width)]
    writers = [_writer_for(c.kind, ids) for c in sheet.columns]
    kind_writers: dict[Kind, CellWriter] = {}
    write = handle.write
    row_number = 0
    for position, line in enumerate(sheet.preamble):
        row_number += 1
        write(f'<row r="{row_number}">{_text(f"A{row_number}", line, ids.title if position == 0 else None)}</row>')
    if sheet.preamble:
        row_number += 1  # a blank row between the lines above and the table
    row_number += 1
    header_row = row_number
    write(f'<row r="{row_number}">')
    write("".join(_text(f"{refs[i]}{row_number}", c.header, ids.header) for i, c in enumerate(sheet.columns)))
    write("</row>")
    for row in sheet.rows:
        row_number += 1
        number = str(row_number)
        parts = [f'<row r="{number}">']
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            if type(value) is Typed:
                if value.value is None:
                    continue
                writer = kind_writers.get(value.kind)
                if writer is None:
                    writer = kind_writers[value.kind] = _writer_for(value.kind, ids)
                parts.append(writer(refs[index] + number, value.value))
            else:
                parts.append(writers[index](refs[index] + number, value))
        parts.append("</row>")
        write("".join(parts))
    return header_row, row_number


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
    last = max(last_row, header_row + 1)
    for index in spec.series_columns:
        chart.add_data(Reference(ws, min_col=index + 1, min_row=header_row, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=spec.category_column + 1, min_row=header_row + 1, max_row=last))
    ws.add_chart(chart, spec.anchor)


def write_workbook(sheets: Sequence[Sheet], out: Path, *, as_of: date) -> None:
    """Write the sheets, in order, to out (normalised for reproducibility)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "gdcomply"
    wb.properties.lastModifiedBy = "gdcomply"
    cell_files: dict[str, Path] = {}
    try:
        for index, sheet in enumerate(sheets, start=1):
            ws = wb.create_sheet(sheet.name)
            ids = _StyleIds(ws)
            for column_index, column in enumerate(sheet.columns):
                ws.column_dimensions[_column_letters(column_index)].width = column.width
            cells = out.with_name(f".{out.name}.sheet{index}.xml")
            cell_files[f"xl/worksheets/sheet{index}.xml"] = cells
            with cells.open("w", encoding="utf-8") as handle:
                header_row, last_row = _write_cells(handle, sheet, ids)
            ws.freeze_panes = f"A{header_row + 1}"
            ws.auto_filter.ref = f"A{header_row}:{_column_letters(len(sheet.columns) - 1)}{max(last_row, header_row)}"
            if sheet.chart is not None:
                _add_chart(ws, sheet, header_row, last_row)
        try:
            wb.save(str(out))
        except OSError as exc:
            raise RenderError(f"无法写入 {out}：{exc.strerror or exc}") from None
        normalise_office_zip(out, as_of, sheet_data=cell_files)
    finally:
        for path in cell_files.values():
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
