"""Writing synthetic export workbooks (applications: sheets 申请 and 暂停; complaints: 投诉) with openpyxl's write-only mode."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from gdcomply.errors import RenderError

if TYPE_CHECKING:
    from gdcomply.applications.sample import SampleData

_FORMULA_STARTS = ("=", "+", "-", "@")


def write_sample_xlsx(data: SampleData, path: Path, as_of: date | None = None) -> None:
    """The applications sample: sheets 申请 and 暂停 (see write_sheets)."""
    write_sheets(
        [("申请", data.application_header, data.applications), ("暂停", data.pause_header, data.pauses)], path, as_of
    )


def write_sheets(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], path: Path,
                 as_of: date | None = None) -> None:  # fmt: skip
    """Write (title, header, rows) sheets; dates become date cells (openpyxl formats them);
    text Excel would take for a formula stays text.

    The workbook is written beside path under a temporary name and renamed over it, so a
    failure leaves no half-written file. With as_of, the workbook's and its zip entries'
    dates are set to as_of, so the same data and as_of give a byte-identical file.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from gdcomply.reports.deterministic import normalise_office_zip

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            cells: list[Any] = []
            for value in row:
                if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        workbook.save(tmp)
        if as_of is not None:
            normalise_office_zip(tmp, as_of)
        os.replace(tmp, path)
    except OSError as exc:
        raise RenderError(f"无法写入 {path}：{exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
