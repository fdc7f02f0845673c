"""Make .xlsx and .docx files byte-identical for the same inputs and as-of date.

Both are zip archives whose entries carry a modification time, and whose docProps/core.xml
records when the document was created and modified. openpyxl stamps the wall clock into
both; a docxtpl render keeps the template's stamps. ``normalise_office_zip`` rewrites the
archive with every entry dated as_of (00:00), the core properties' dates set to as_of, and
a fixed compression level, keeping the entries in the order they were written (Office wants
``[Content_Types].xml`` first, which both writers already do).
"""

from __future__ import annotations

import os
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Mapping

_CORE = "docProps/core.xml"
_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
_LAST_PRINTED = re.compile(rb"<cp:lastPrinted>[^<]*</cp:lastPrinted>")
_REVISION = re.compile(rb"<cp:revision>[^<]*</cp:revision>")


def zip_time(as_of: date) -> tuple[int, int, int, int, int, int]:
    # the zip format cannot store dates before 1980
    year = max(as_of.year, 1980)
    return (year, as_of.month, as_of.day, 0, 0, 0)


def _fix_core(xml: bytes, as_of: date) -> bytes:
    stamp = f"{as_of.isoformat()}T00:00:00Z".encode()
    xml = _CORE_DATE.sub(lambda m: m.group(1) + stamp + m.group(3), xml)
    xml = _LAST_PRINTED.sub(b"", xml)
    return _REVISION.sub(b"<cp:revision>1</cp:revision>", xml)


_EMPTY_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")
_CHUNK = 1 << 20


def normalise_office_zip(path: Path, as_of: date, *, sheet_data: Mapping[str, Path] | None = None) -> None:
    """Rewrite path in place (through a temporary file) with fixed dates and compression.

    sheet_data maps a worksheet entry (xl/worksheets/sheet1.xml) to a file holding its
    <row> elements, streamed into the entry's empty <sheetData/>.
    """
    tmp = path.with_name(path.name + ".norm")
    when = zip_time(as_of)
    sheet_data = sheet_data or {}
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w", allowZip64=True) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == _CORE:
                data = _fix_core(data, as_of)
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            cells = sheet_data.get(info.filename)
            if cells is None:
                target.writestr(entry, data, compresslevel=6)
                continue
            match = _EMPTY_SHEET_DATA.search(data)
            if match is None:
                raise ValueError(f"{info.filename} has no empty sheetData to fill")
            # ZipFile.open("w") takes the level from the entry (renamed in Python 3.13)
            setattr(entry, "compress_level" if hasattr(entry, "compress_level") else "_compresslevel", 6)
            with target.open(entry, "w") as out, cells.open("rb") as rows:
                out.write(data[: match.start()] + b"<sheetData>")
                while chunk := rows.read(_CHUNK):
                    out.write(chunk)
                out.write(b"</sheetData>" + data[match.end():])
    os.replace(tmp, path)


def write_zip(target: Path, folder: Path, arcroot: str, as_of: date) -> None:
    """Zip folder's files (sorted by name) under arcroot/, with fixed dates."""
    when = zip_time(as_of)
    with zipfile.ZipFile(target, "w") as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = f"{arcroot}/{file.relative_to(folder).as_posix()}"
            entry = zipfile.ZipInfo(name, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            entry.flag_bits |= 0x800  # UTF-8 names (the pack's files have Chinese names)
            with file.open("rb") as handle:
                archive.writestr(entry, handle.read(), compresslevel=6)
