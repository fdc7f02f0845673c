"""Write the Excel workbooks of report packs from sheet specifications (gdcomply.packs.model.Sheet).

XlsxWriter writes everything — cells, formats, column widths, frozen header, auto-filter and
charts; this module only decides what each cell is and which of XlsxWriter's typed writers
(write_string, write_number, write_datetime) writes it. The workbook is opened in XlsxWriter's
``constant_memory`` mode: a row goes to a temporary file as soon as the next row begins, so a
100k-row 明细 sheet never sits in memory. That mode wants rows written in order, each row's
cells before the next row's, which is exactly how a sheet's rows are pulled from its iterator.

Why XlsxWriter rather than openpyxl's write-only mode: its per-cell time is a fraction of
openpyxl's, and the pack writes ~1.5x the cells of bench/pack.py's floor (明细 alone has 22
columns): with openpyxl the unit pack took 1.77x the floor at 10k rows, 1.68x at 100k.

Cells: each column gets one writer for its kind, with its format made once per workbook.
Dates are real date cells (yyyy-mm-dd); working days, kVA, money and shares are numbers with
their number formats; 达标/未达标 are coloured. Whole numbers in an INT column are written bare.

Safety: nothing is ever written through XlsxWriter's type-guessing ``write``: text goes through
``write_string``, which never makes a formula, and a text that Excel would read as a formula
(= + - @) or an error code (#N/A…) also carries Excel's quote prefix, so editing the cell in
Excel keeps it text. Control characters that XML cannot carry are removed.

Reproducibility: the document's creation date is as_of (00:00 UTC) and XlsxWriter dates every
zip entry 1980-01-31, so the same sheets and as_of give the same bytes; no rewrite of the
archive afterwards is needed.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Sequence

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.utility import xl_cell_to_rowcol

from gdcomply.errors import RenderError
from gdcomply.packs.model import Kind, Sheet, Typed

_FORMATS = {
    Kind.INT: "0",
    Kind.DAYS: "0.00",
    Kind.KVA: "#,##0.00",
    Kind.MONEY: "#,##0.00",
    Kind.DATE: "yyyy-mm-dd",
    Kind.SHARE: "0.00%",
}
_GOOD_FILL = "#C6EFCE"
_BAD_FILL = "#FFC7CE"
_BAD_FONT = "#9C0006"
_HEADER_FILL = "#DDEBF7"
_RISKY_START = frozenset("=+-@#")  # a formula's first character, or an error code's (#N/A)
_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
# the characters XML 1.0 cannot carry (the same set openpyxl refuses)
_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# a chart's size in pixels: 18 cm by 9 cm, as the packs have always had
_CHART_SIZE = {"width": 680, "height": 340}
# Printing on A4 (XlsxWriter's paper 9): a sheet whose columns are wider than this (in Excel's
# character widths) is printed landscape. A4 portrait with 1.8 cm side margins holds about 95
# characters of Calibri 11 at 100 %; landscape about 140. Wider still, fit-to-width scales down.
_PORTRAIT_WIDTH = 95.0
_A4 = 9

# writes one value of a column at (row, column), or nothing for an empty value
Writer = Callable[[int, int, Any], None]


def _clean(text: str) -> str:
    if _ILLEGAL_CHARACTERS.search(text):
        return _ILLEGAL_CHARACTERS.sub("", text)
    return text


class _Formats:
    """The pack's cell formats, made once per workbook (XlsxWriter shares them between sheets)."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.header = wb.add_format(
            {"bold": True, "bg_color": _HEADER_FILL, "pattern": 1, "align": "center", "valign": "vcenter",
             "text_wrap": True}  # fmt: skip
        )
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.good = wb.add_format({"bg_color": _GOOD_FILL, "pattern": 1})
        self.bad = wb.add_format({"bg_color": _BAD_FILL, "pattern": 1, "font_color": _BAD_FONT, "bold": True})
        self.quoted = wb.add_format({"quote_prefix": True})
        self.number = {kind: wb.add_format({"num_format": code}) for kind, code in _FORMATS.items()}


def _writer(kind: Kind, ws, formats: _Formats) -> Writer:
    """The writer for one column of one kind."""
    write_string, write_number = ws.write_string, ws.write_number
    quoted = formats.quoted
    typed: dict[Kind, Writer] = {}

    def other(row: int, col: int, value: Any) -> None:
        """What is not of the column's kind: a Typed value, or anything else as text."""
        if type(value) is Typed:
            writer = typed.get(value.kind)
            if writer is None:
                writer = typed[value.kind] = _writer(value.kind, ws, formats)
            writer(row, col, value.value)
        else:
            text(row, col, value)

    def text(row: int, col: int, value: Any) -> None:
        if type(value) is not str:
            if value is None:
                return
            if type(value) is Typed:
                other(row, col, value)
                return
            value = str(value)
        if not value:
            return
        if _ILLEGAL_CHARACTERS.search(value):
            # control characters XML cannot carry: the pack drops them
            value = _ILLEGAL_CHARACTERS.sub("", value)
            if not value:
                return
        if value[0] in _RISKY_START and (value[0] != "#" or value in _ERROR_CODES):
            write_string(row, col, value, quoted)
        else:
            write_string(row, col, value)

    if kind is Kind.TEXT:
        return text
    if kind is Kind.VERDICT:
        good, bad = formats.good, formats.bad

        def verdict(row: int, col: int, value: Any) -> None:
            if value == "达标":
                write_string(row, col, value, good)
            elif value == "未达标":
                write_string(row, col, value, bad)
            else:
                other(row, col, value)

        return verdict
    styled = formats.number[kind]
    if kind is Kind.DATE:
        write_datetime = ws.write_datetime

        def day(row: int, col: int, value: Any) -> None:
            if isinstance(value, date):
                if isinstance(value, datetime):
                    if value.tzinfo is not None:
                        value = value.replace(tzinfo=None)  # Excel has no time zones: keep the wall time
                else:
                    value = datetime.combine(value, time())
                write_datetime(row, col, value, styled)
            else:
                other(row, col, value)

        return day

    whole = kind is Kind.INT
    write_boolean = ws.write_boolean

    def number(row: int, col: int, value: Any) -> None:
        kind_of = type(value)
        if kind_of is bool:
            write_boolean(row, col, value)
        elif whole and kind_of is int:
            write_number(row, col, value)  # a whole number needs no format: General shows it as "0" would
        elif kind_of is int or kind_of is float or isinstance(value, (int, float)):
            write_number(row, col, value, styled)
        elif kind_of is Decimal:
            write_number(row, col, float(value), styled)
        else:
            other(row, col, value)

    return number


def _add_chart(wb: xlsxwriter.Workbook, ws, sheet: Sheet, header_row: int, last_row: int) -> None:
    """The sheet's native line chart; rows are 0-based here (header_row is the header's)."""
    spec = sheet.chart
    assert spec is not None
    chart = wb.add_chart({"type": "line"})
    chart.set_title({"name": spec.title})
    chart.set_x_axis({"name": spec.x_title})
    chart.set_y_axis({"name": spec.y_title})
    chart.set_size(_CHART_SIZE)
    first, last = header_row + 1, max(last_row, header_row + 1)
    category = spec.category_column
    for index in spec.series_columns:
        chart.add_series(
            {
                "name": [sheet.name, header_row, index],
                "categories": [sheet.name, first, category, last, category],
                "values": [sheet.name, first, index, last, index],
            }
        )
    row, col = xl_cell_to_rowcol(spec.anchor)
    ws.insert_chart(row, col, chart)


def _write_sheet(wb: xlsxwriter.Workbook, formats: _Formats, sheet: Sheet) -> None:
    ws = wb.add_worksheet(sheet.name)
    for index, column in enumerate(sheet.columns):
        ws.set_column(index, index, column.width)
    # 0-based: the preamble's lines, a blank row, then the header
    header_row = len(sheet.preamble) + (1 if sheet.preamble else 0)
    ws.freeze_panes(header_row + 1, 0)
    for position, line in enumerate(sheet.preamble):
        ws.write_string(position, 0, _clean(line), formats.title if position == 0 else None)
    for index, column in enumerate(sheet.columns):
        ws.write_string(header_row, index, _clean(column.header), formats.header)
    writers = [(index, _writer(column.kind, ws, formats)) for index, column in enumerate(sheet.columns)]
    row_number = header_row
    for row in sheet.rows:
        row_number += 1
        for (index, write), value in zip(writers, row):
            if value is not None:
                write(row_number, index, value)
    ws.autofilter(header_row, 0, row_number, len(sheet.columns) - 1)
    if sheet.chart is not None:
        _add_chart(wb, ws, sheet, header_row, row_number)
    _print_setup(ws, sheet, header_row)


def _print_setup(ws, sheet: Sheet, header_row: int) -> None:
    """A4, landscape when the columns are wide, one page wide (as many pages tall as it takes),
    the header row repeated on every page, the sheet's title in the page header and
    "第 N 页，共 M 页" in the footer, so a printed row never loses its columns or its headings."""
    ws.set_paper(_A4)
    if sum(column.width for column in sheet.columns) > _PORTRAIT_WIDTH:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    title = (sheet.preamble[0] if sheet.preamble else sheet.name)[:120]  # Excel allows 255 characters of codes and text
    # "&" starts a code in Excel's header/footer language: a literal one is written "&&"
    ws.set_header(f"&C&\"-,Bold\"{_clean(title).replace('&', '&&')}", {"margin": 0.3})
    ws.set_footer(f"&L{_clean(sheet.name).replace('&', '&&')}&R第 &P 页，共 &N 页", {"margin": 0.3})


def write_workbook(sheets: Sequence[Sheet], out: Path, *, as_of: date) -> None:
    """Write the sheets, in order, to out; the same sheets and as_of give the same bytes.

    A failure leaves no file at out (nor any of XlsxWriter's temporary files).
    """
    created = datetime.combine(as_of, time(), tzinfo=timezone.utc)
    try:
        with tempfile.TemporaryDirectory(prefix="gdcomply-xlsx-") as scratch:
            wb = xlsxwriter.Workbook(
                str(out),
                {
                    "constant_memory": True,
                    "tmpdir": scratch,
                    # nothing is typed by guessing; these only guard against a stray write()
                    "strings_to_formulas": False,
                    "strings_to_numbers": False,
                    "strings_to_urls": False,
                    "nan_inf_to_errors": True,
                },
            )
            try:
                wb.set_properties({"author": "gdcomply", "created": created})
                formats = _Formats(wb)
                for sheet in sheets:
                    _write_sheet(wb, formats, sheet)
                wb.close()
            except BaseException:
                _abandon(wb)
                raise
    except FileCreateError as exc:
        _remove(out)
        cause = exc.args[0] if exc.args else exc
        raise RenderError(f"无法写入 {out}：{getattr(cause, 'strerror', None) or cause}") from None
    except OSError as exc:
        _remove(out)
        raise RenderError(f"无法写入 {out}：{exc.strerror or exc}") from None
    except BaseException:
        _remove(out)
        raise


def _abandon(wb: xlsxwriter.Workbook) -> None:
    """After a failure: close the sheets' row files (constant_memory) before their folder goes."""
    wb.fileclosed = True  # nothing more to save: keeps XlsxWriter's destructor quiet
    for ws in wb.worksheets():
        handle = getattr(ws, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
