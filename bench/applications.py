"""Benchmark of `gdcomply applications stats` against a bare read of the same file.

    python bench/applications.py [--sizes 10000,100000,300000] [--out bench/out]

For each size it writes (once; later runs reuse them) a synthetic export as .xlsx and .csv
with `gdcomply applications sample`'s generator, then runs in separate processes:

- `gdcomply applications stats FILE --format json` (stdout discarded),
- a bare python-calamine read of the .xlsx (every row of the sheet iterated), and
- a bare csv-module read of the .csv (every record iterated),

and prints each one's wall time, CPU time (user + sys) and peak memory (the child's own
ru_maxrss, from os.wait4). Each pair runs --repeat times, interleaved, and the best run of
each is shown: on a shared machine the best is the one least disturbed. The goal at 300k
rows: stats within 1.3x of the bare read and under 1 GB peak.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
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

BARE_CSV = """
import csv, sys
rows = 0
with open(sys.argv[1], encoding="utf-8-sig", newline="") as handle:
    for record in csv.reader(handle):
        rows += 1
print(rows)
"""


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mb: float


def run(argv: list[str]) -> Run:
    """Run a command to the end; its own wall time, CPU time and peak resident memory."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # stats exits 0; 1 would be a finding, not a crash
        raise SystemExit(f"failed ({process.returncode}): {' '.join(argv)}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def best(runs: list[Run]) -> Run:
    """The fastest run's times; memory is the largest seen (it hardly varies)."""
    fastest = min(runs, key=lambda r: r.wall)
    return Run(fastest.wall, min(r.cpu for r in runs), max(r.peak_mb for r in runs))


def ensure_samples(rows: int, seed: int, as_of: date, out: Path) -> tuple[Path, Path, Path]:
    from gdcomply.applications.sample import generate, pauses_csv_path, write_sample_csv
    from gdcomply.reports.sample_xlsx import write_sample_xlsx
    from gdcomply.workdays.workcalendar import WorkCalendar

    xlsx = out / f"sample-{rows}-s{seed}-{as_of.isoformat()}.xlsx"
    csv_file = xlsx.with_suffix(".csv")
    pauses = pauses_csv_path(csv_file)
    if not (xlsx.exists() and csv_file.exists() and pauses.exists()):
        out.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        data = generate(rows, seed, WorkCalendar.default(), as_of)
        write_sample_xlsx(data, xlsx)
        write_sample_csv(data, csv_file)
        print(f"  generated {rows} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return xlsx, csv_file, pauses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2026-07-01")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    python = sys.executable
    stats = [python, "-m", "gdcomply", "applications", "stats"]

    header = f"{'rows':>7} {'file':<5} {'stats s':>8} {'bare s':>7} {'ratio':>6} {'stats cpu':>9} {'bare cpu':>8} {'stats MB':>8} {'bare MB':>8}"
    print(header)
    print("-" * len(header))
    for size in (int(s) for s in args.sizes.split(",")):
        xlsx, csv_file, pauses = ensure_samples(size, args.seed, as_of, args.out)
        for kind, ours_argv, bare_argv in (
            ("xlsx", [*stats, str(xlsx), "--format", "json"], [python, "-c", BARE_XLSX, str(xlsx)]),
            (
                "csv",
                [*stats, str(csv_file), "--pauses", str(pauses), "--format", "json"],
                [python, "-c", BARE_CSV, str(csv_file)],
            ),
        ):
            runs = [(run(ours_argv), run(bare_argv)) for _ in range(args.repeat)]
            ours = best([r[0] for r in runs])
            bare = best([r[1] for r in runs])
            print(
                f"{size:>7} {kind:<5} {ours.wall:>8.2f} {bare.wall:>7.2f} {ours.wall / bare.wall:>6.2f}"
                f" {ours.cpu:>9.2f} {bare.cpu:>8.2f} {ours.peak_mb:>8.0f} {bare.peak_mb:>8.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
