"""The pack model: what a pack consists of, as plain data that gdcomply.reports renders.

A workbook is a list of ``Sheet`` specifications (typed ``Column``s, rows that may stream
from a generator, an optional native chart); a Word document gets a context of strings,
lists, dicts and ``Text`` paragraphs. The request a build takes and the result it returns
are here too. gdcomply.reports imports this module and never the modules that plan and
build packs, so this one imports nothing of gdcomply and no library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, Iterable, Sequence

PLACEHOLDER = "（待填写）"


# -- what reports/ renders ---------------------------------------------------------------------


class Kind(str, Enum):
    """How a column's values are written: the cell type and number format."""

    TEXT = "text"
    INT = "int"
    DAYS = "days"  # working days with two decimals (means)
    KVA = "kva"
    MONEY = "money"
    DATE = "date"
    SHARE = "share"  # a fraction shown as a percentage
    VERDICT = "verdict"  # 达标 (green) / 未达标 (red) / —


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float = 12.0


@dataclass(frozen=True)
class LineChartSpec:
    """A native Excel line chart over the sheet's own table (column indexes from 0)."""

    title: str
    y_title: str
    x_title: str
    category_column: int
    series_columns: tuple[int, ...]
    anchor: str


@dataclass(frozen=True, eq=False)
class Sheet:
    """A worksheet: optional lines above the table, then a header row and the rows.

    rows may be a generator: the workbook writer streams it (big sheets never sit in memory).
    """

    name: str
    columns: tuple[Column, ...]
    rows: Iterable[Sequence[Any]]
    preamble: tuple[str, ...] = ()
    chart: LineChartSpec | None = None


@dataclass(frozen=True)
class Typed:
    """A value whose cell type differs from its column's (the 汇总 sheet mixes counts and shares)."""

    value: Any
    kind: Kind


@dataclass(frozen=True)
class Text:
    """A paragraph of a Word document; a placeholder is shown highlighted, emphasis in red."""

    text: str
    placeholder: bool = False
    emphasis: bool = False


def placeholder() -> Text:
    return Text(PLACEHOLDER, placeholder=True)


# -- requests and results ----------------------------------------------------------------------


@dataclass(frozen=True)
class PackRequest:
    obligation: str
    period: str
    party: str
    as_of: date
    out_dir: Path
    inputs: tuple[Path, ...] = ()
    pauses: Path | None = None
    notes: Path | None = None
    make_zip: bool = False
    force: bool = False
    allow_missing: bool = False
    inspect_from: date | None = None
    inspect_to: date | None = None


@dataclass(frozen=True)
class PackFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PackResult:
    folder: Path
    zip_path: Path | None
    instance_id: str
    files: tuple[PackFile, ...]
    warnings: tuple[str, ...]
    missing_units: tuple[str, ...]
    replaced: bool
