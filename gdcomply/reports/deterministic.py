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
import shutil
import zipfile
from datetime import date
from pathlib import Path

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


_CHUNK = 1 << 20


def normalise_office_zip(path: Path, as_of: date) -> None:
    """Rewrite path in place (through a temporary file) with fixed dates and compression.

    Entries are streamed, so a large worksheet is never held in memory whole. A new entry
    without a level is deflated at zlib's default, level 6.
    """
    tmp = path.with_name(path.name + ".norm")
    when = zip_time(as_of)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w", allowZip64=True) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            if info.filename == _CORE:
                target.writestr(entry, _fix_core(source.read(info), as_of))
                continue
            entry.file_size = info.file_size  # lets zipfile choose ZIP64 up front for a huge sheet
            with source.open(info) as data, target.open(entry, "w") as out:
                shutil.copyfileobj(data, out, _CHUNK)
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
