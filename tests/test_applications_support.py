"""Helpers shared by the tests/test_applications_*.py files (this module holds no tests).

Workbooks are written here with openpyxl in the test itself, so no binary fixture is
committed; CSV files are written as text in the encoding a test is about.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import pytest

from gdcomply.applications.columns import APPLICATION_COLUMNS
from gdcomply.applications.model import Application, BusinessType, Pause, classify

HEADER = [c.header for c in APPLICATION_COLUMNS]
PAUSE_HEADER = ["申请编号", "暂停开始", "暂停结束", "原因"]

_CALENDAR: list[Any] = []


def calendar() -> Any:
    """China's calendar from the holidays package (built once per test session)."""
    from gdcomply.workdays.workcalendar import WorkCalendar

    if not _CALENDAR:
        _CALENDAR.append(WorkCalendar.default())
    return _CALENDAR[0]


def row(
    application_id: str,
    unit: str,
    business_type: str,
    accepted: Any,
    energised: Any = "",
    *,
    small_micro: str = "否",
    capacity: Any = 8,
    steps: Any = "",
    materials: Any = "",
    cost: Any = "",
    visits: Any = "",
    customer: str = "测试户",
) -> list[Any]:
    """One applications row in the standard column order."""
    return [
        application_id, unit, customer, "贺州市八步区建设中路1号", business_type, small_micro,
        "0.4kV", capacity, accepted, energised, steps, materials, cost, visits, "网上营业厅",
    ]


def write_xlsx(
    path: Path,
    rows: Iterable[list[Any]],
    *,
    header: list[Any] | None = None,
    pauses: Iterable[list[Any]] | None = None,
    sheet: str = "申请",
    origin: tuple[int, int] = (1, 1),
    number_formats: dict[int, str] | None = None,
) -> Path:
    """A workbook with the applications sheet (header at origin) and optionally 暂停."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet_obj = workbook.active
    sheet_obj.title = sheet
    first_row, first_column = origin
    for r, values in enumerate([header or HEADER, *rows]):
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            cell = sheet_obj.cell(row=first_row + r, column=first_column + c, value=value)
            if number_formats and c in number_formats and r > 0:
                cell.number_format = number_formats[c]
    if pauses is not None:
        pause_sheet = workbook.create_sheet("暂停")
        for values in [PAUSE_HEADER, *pauses]:
            pause_sheet.append([None if v == "" else v for v in values])
    workbook.save(path)
    return path


def csv_text(rows: Iterable[list[Any]], header: list[Any] | None = None) -> str:
    """CSV text with dates written as text (ISO), as a test spells them."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for values in [header or HEADER, *rows]:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in values])
    return buffer.getvalue()


def write_csv(path: Path, rows: Iterable[list[Any]], *, encoding: str = "utf-8", header: list[Any] | None = None) -> Path:
    path.write_bytes(csv_text(rows, header).encode(encoding))
    return path


def application(
    application_id: str,
    accepted: date,
    energised: date | None,
    *,
    business_type: BusinessType = BusinessType.LV_RESIDENTIAL_NEW,
    small_micro: bool = False,
    unit: str = "guiyuan",
    capacity: str = "8",
    steps: int | None = None,
    materials: int | None = None,
    cost: str | None = None,
    visits: int | None = None,
    pauses: tuple[Pause, ...] = (),
    customer: str = "测试户",
) -> Application:
    """An already-validated application, for the pure measure tests."""
    return Application(
        application_id, unit, customer, business_type, classify(business_type, small_micro),
        Decimal(capacity), accepted, energised, steps, materials,
        None if cost is None else Decimal(cost), visits, pauses, 2,
    )


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `gdcomply ARGS` in-process: (exit code, stdout, stderr)."""
    from gdcomply.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err
