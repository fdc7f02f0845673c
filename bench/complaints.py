"""Benchmark of `gdcomply complaints import` and `complaints check` (issue 16's speed goals).

    python bench/complaints.py [--rows 100000] [--repeat 5] [--ledger postgresql://…] [--out bench/out]

Writes (once; later runs reuse it) a synthetic hotline export of --rows complaints as .xlsx
with `gdcomply complaints sample`'s generator, then runs in separate processes, interleaved:

- `gdcomply complaints import FILE` into a new, empty workspace each time (every complaint
  new: the ledger rows and their audit rows written), against a bare python-calamine read of
  the same file (every row of the sheet iterated);
- `gdcomply complaints import FILE` again into a workspace that already holds them (all
  unchanged: nothing written);
- `gdcomply complaints check --format json` over the workspace's stored complaints.

With --ledger, the workspaces use that shared PostgreSQL ledger instead (emptied before each
import by dropping and re-migrating its schema). Prints the median wall time of --repeat runs
and the ratio (the median of each round's import over its bare read, which runs just after
it: the machine's speed drifts between rounds). Goals: import within 2x of the bare read;
check under 1 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BARE_XLSX = """
import sys
from python_calamine import CalamineWorkbook
sheet = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0)
rows = 0
for row in sheet.iter_rows():
    rows += 1
print(rows)
"""


def timed(argv: list[str], ok: tuple[int, ...] = (0, 1)) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    if result.returncode not in ok:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(argv)}\n{result.stderr.decode()}")
    return wall


def ensure_sample(rows: int, seed: int, as_of: date, out: Path) -> Path:
    from gdcomply.complaints.sample import HEADER, generate
    from gdcomply.reports.sample_xlsx import write_sheets
    from gdcomply.workdays.workcalendar import WorkCalendar

    path = out / f"complaints-{rows}-s{seed}-{as_of.isoformat()}.xlsx"
    if not path.exists():
        out.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        data = generate(rows, seed, WorkCalendar.default(), as_of, ("桂源公司", "供电公司", "公司"))
        write_sheets([("投诉", HEADER, data)], path)
        print(f"  generated {rows} complaints in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def fresh_workspace(gdcomply: list[str], folder: Path, ledger: str | None) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    if ledger is None:
        subprocess.run([*gdcomply, "init", str(folder), "--since", "2024-01-01"], check=True, stdout=subprocess.DEVNULL)
        return folder
    import psycopg

    with psycopg.connect(ledger, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS gdcomply CASCADE")
    subprocess.run([*gdcomply, "ledger", "migrate", "--ledger", ledger, "--since", "2024-01-01"], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    subprocess.run([*gdcomply, "init", str(folder), "--ledger", ledger], check=True, stdout=subprocess.DEVNULL)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2026-07-06")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ledger", help="a shared PostgreSQL ledger to use (its gdcomply schema is dropped!)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    gdcomply = [sys.executable, "-m", "gdcomply"]
    export = ensure_sample(args.rows, args.seed, as_of, args.out)
    store = "PostgreSQL" if args.ledger else "SQLite"
    with tempfile.TemporaryDirectory(prefix="gdc-bench-") as temporary:
        folder = Path(temporary) / "ws"
        imports, bares, again, checks = [], [], [], []
        for _ in range(args.repeat):
            ws = fresh_workspace(gdcomply, folder, args.ledger)
            imports.append(timed([*gdcomply, "complaints", "import", str(export), "-w", str(ws)]))
            bares.append(timed([sys.executable, "-c", BARE_XLSX, str(export)]))
            again.append(timed([*gdcomply, "complaints", "import", str(export), "-w", str(ws)]))
            checks.append(timed([*gdcomply, "complaints", "check", "--format", "json", "--as-of", args.as_of, "-w", str(ws)]))
    median = statistics.median
    print(f"{args.rows} complaints, {store} ledger, median of {args.repeat} runs (wall seconds):")
    print(f"  complaints import (all new)      {median(imports):6.2f}")
    ratios = [i / b for i, b in zip(imports, bares)]  # each round's import against the read just after it
    print(f"  bare python-calamine read        {median(bares):6.2f}   ratio {median(ratios):.2f}x (goal <= 2x;"
          f" rounds {min(ratios):.2f}-{max(ratios):.2f}x)")
    print(f"  complaints import (all unchanged) {median(again):5.2f}")
    print(f"  complaints check --format json   {median(checks):6.2f}   (goal < 1 s)")


if __name__ == "__main__":
    main()
