"""Tables that fit the terminal: cells wrap only where a reader expects a break, never cut.

rich wraps a cell at spaces and folds a longer "word" character by character (or cuts it
with an ellipsis). Neither suits the Chinese texts of gdcomply, which mix numbers and units
with spaces: "已逾期 1 天（1 个工作日）" must not become "已逾期 1" / "天（1 个" / "工作日）".
Here a cell is a sequence of phrases cut only at natural break points (after ；，、：。,
before （, after "→ ", between a date and what follows it); a column is never narrower
than its longest phrase. The spare width goes where it saves the most wrapped lines. When
the columns do not fit even at their narrowest, `fit_widths` says so and the caller takes a
layout with fewer columns, or one block of lines per item (`print_blocks`).

Widths are measured in terminal cells (rich's cell_len: a Chinese character takes two).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

from rich.cells import cell_len, chop_cells
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

# Where a line may break: after Chinese clause punctuation, before an opening parenthesis,
# after an arrow, after an ISO date followed by a space ("2026-11-18 周三", "2026-11-17 报送").
_BREAK = re.compile(r"(?<=[；，、。：])(?=\S)|(?<=\S)(?=（)|(?<=→ )|(?<=\d{4}-\d{2}-\d{2} )")

INDENT = "  "  # the lines of a block below its heading


def phrases(text: str) -> tuple[str, ...]:
    """text cut at its natural break points; the pieces joined give text back."""
    cuts = [m.start() for m in _BREAK.finditer(text)]
    bounds = [0, *cuts, len(text)]
    return tuple(text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a)


@lru_cache(maxsize=4096)
def wrap(pieces: tuple[str, ...], width: int) -> tuple[str, ...]:
    """The lines of a cell: as many whole phrases on each line as fit in width cells.

    A phrase wider than width is folded at character boundaries; the layouts below never
    let that happen (a column is at least as wide as its longest phrase), but a terminal
    narrower than one phrase still gets every character.
    """
    lines: list[str] = []
    line = ""
    for piece in pieces:
        candidate = line + piece
        if not line or cell_len(candidate.rstrip()) <= width:
            line = candidate
            continue
        lines.append(line.rstrip())
        line = piece.lstrip()
    if line or not lines:
        lines.append(line.rstrip())
    fitted: list[str] = []
    for text in lines:
        fitted.extend(chop_cells(text, width) if cell_len(text) > width > 0 else [text])
    return tuple(fitted)


@dataclass(frozen=True)
class Cell:
    """One cell's text as phrases, with its style (a rich style name, or "")."""

    pieces: tuple[str, ...]
    style: str = ""

    @classmethod
    def of(cls, text: str, style: str = "") -> Cell:
        return cls(phrases(text), style)

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def min_width(self) -> int:
        return max((cell_len(p.strip()) for p in self.pieces), default=0)

    @property
    def natural_width(self) -> int:
        return cell_len(self.text.strip())

    def lines(self, width: int) -> tuple[str, ...]:
        return wrap(self.pieces, width)

    def run_widths(self) -> set[int]:
        """The widths at which the cell's wrapping can change: each run of whole phrases."""
        return {
            cell_len("".join(self.pieces[i : j + 1]).strip())
            for i in range(len(self.pieces))
            for j in range(i, len(self.pieces))
        }


def table_overhead(columns: int) -> int:
    """Cells taken by rules and padding besides the contents: the tables here have no outer
    edge (rich's show_edge=False, pad_edge=False, as the applications tables), so n columns
    take n - 1 rules and one cell of padding on each side of each rule."""
    return 3 * (columns - 1)


def table_height(headers: Sequence[Cell], rows: Sequence[Sequence[Cell]], widths: Sequence[int]) -> int:
    """Lines the table's header and rows take at these column widths."""
    return sum(max(len(cell.lines(w)) for cell, w in zip(row, widths)) for row in (headers, *rows))


def fit_widths(headers: Sequence[Cell], rows: Sequence[Sequence[Cell]], width: int) -> list[int] | None:
    """Column widths that fit the table in width cells without cutting a phrase, or None.

    Each column starts at its longest phrase. If every column fits unwrapped, that is the
    answer; else, step by step, the spare cells go to the widening of one column that saves
    the most lines per cell spent — lines of the table first, then lines within cells (which
    lead to whole table lines once the other cells of a row are widened too); the earlier
    column on a tie. Spare cells that would save nothing are left unused.
    """
    count = len(headers)
    table = [list(headers), *[list(r) for r in rows]]
    widths = [max(row[c].min_width for row in table) for c in range(count)]
    natural = [max(row[c].natural_width for row in table) for c in range(count)]
    spare = width - table_overhead(count) - sum(widths)
    if spare < 0:
        return None
    if sum(natural) - sum(widths) <= spare:
        return natural
    candidates = [sorted(set().union(*(row[c].run_widths() for row in table))) for c in range(count)]

    def height(ws: list[int]) -> int:
        """Table lines, weighted above the lines of the cells (the tie-breaker)."""
        counts = [[len(row[c].lines(ws[c])) for c in range(count)] for row in table]
        return sum(max(row) for row in counts) * 1000 + sum(map(sum, counts))

    current = height(widths)
    while spare > 0 and widths != natural:
        best: tuple[float, int, int, int] | None = None  # (-saved per cell, cost, column, width)
        for c in range(count):
            for w in candidates[c]:
                cost = w - widths[c]
                if cost <= 0 or w > natural[c] or cost > spare:
                    continue
                trial = [*widths[:c], w, *widths[c + 1 :]]
                saved = current - height(trial)
                if saved > 0:
                    key = (-saved / cost, cost, c, w)
                    if best is None or key < best:
                        best = key
        if best is None:
            break
        _, cost, c, w = best
        widths[c] = w
        spare -= cost
        current = height(widths)
    return widths


def build_table(
    headers: Sequence[Cell], rows: Sequence[Sequence[Cell]], widths: Sequence[int], title: str | None = None
) -> Table:
    """rich's default table with these column widths; every cell already broken into lines."""
    from rich.table import Table

    total = sum(widths) + table_overhead(len(widths))
    caption = Text("\n".join(wrap(phrases(title), total)), style="table.title") if title else None
    table = Table(title=caption, show_edge=False, pad_edge=False)
    for header, w in zip(headers, widths):
        table.add_column(Text("\n".join(header.lines(w))), width=w, no_wrap=True, overflow="fold")
    for row in rows:
        table.add_row(*(Text("\n".join(cell.lines(w)), style=cell.style) for cell, w in zip(row, widths)))
    return table


def print_table(
    out: Console,
    layouts: Sequence[tuple[Sequence[Cell], Sequence[Sequence[Cell]]]],
    title: str | None = None,
) -> bool:
    """Print, of the layouts (headers, rows) whose columns fit the console, the one that takes
    the fewest lines (the earlier on a tie); False when none fits.

    On a terminal the table goes out as rich draws it; to a pipe or a file, without the
    spaces that pad the last column (a mail or a saved report has no use for them).
    """
    best: tuple[int, int, list[int]] | None = None
    for index, (headers, rows) in enumerate(layouts):
        widths = fit_widths(headers, rows, out.width)
        if widths is not None:
            height = table_height(headers, rows, widths)
            if best is None or height < best[0]:
                best = (height, index, widths)
    if best is None:
        return False
    headers, rows = layouts[best[1]]
    table = build_table(headers, rows, best[2], title)
    if out.is_terminal:
        out.print(table)
        return True
    with out.capture() as captured:
        out.print(table)
    out.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    return True


def print_wrapped(out: Console, text: str, style: str = "") -> None:
    """A line of text, broken at its natural break points to the console's width."""
    for line in wrap(phrases(text), out.width):
        out.print(Text(line, style=style))


def print_blocks(out: Console, blocks: Sequence[Sequence[Cell]], title: str | None = None) -> None:
    """One block per item for a narrow terminal: its first cell as a heading, the others
    indented below it; every cell broken at its natural break points, a blank line between
    blocks and before the first. A heading's own continuation lines are indented too."""
    inner = max(out.width - len(INDENT), 1)
    if title:
        print_wrapped(out, title)
    for block in blocks:
        out.print()
        for index, cell in enumerate(block):
            for k, line in enumerate(cell.lines(inner)):
                prefix = "" if index == 0 and k == 0 else INDENT
                out.print(Text(prefix + line, style=cell.style))
