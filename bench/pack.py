"""Benchmark of the unit-level connection-data pack against the floor of reading and writing its rows.

    python bench/pack.py [--sizes 10000,100000] [--out bench/out]

For each size it makes (once; later runs reuse it) a worst-case unit export: N applications
of 桂源公司, every one energised in 2026-H1 (drawn with the `applications sample` generator,
then filtered), so every row lands in the pack's 明细 sheet and in its class sheets. Then,
each in its own process:

- `gdcomply pack connection-data --period 2026-H1 --party guiyuan --input FILE --force`,
- the floor: a bare python-calamine read of the same .xlsx plus a bare openpyxl write-only
  write of the rows it read (values as read, no styles),

and prints wall time, CPU time (user + sys) and peak memory (the child's ru_maxrss, from
os.wait4). A forked child starts with its parent's high-water mark, so the sample is made in
a child process too and this one stays small: otherwise every peak would read as the
generator's. Goal: the pack within 1.5x of the floor, memory bounded (write-only sheets).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

FLOOR = """
import sys
from python_calamine import CalamineWorkbook
from openpyxl import Workbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name("申请").iter_rows()
book = Workbook(write_only=True)
sheet = book.create_sheet("明细")
count = 0
for row in rows:
    sheet.append(row)
    count += 1
book.save(sys.argv[2])
print(count)
"""

PERIOD_START, PERIOD_END = date(2026, 1, 1), date(2026, 6, 30)


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mb: float


def run(argv: list[str], env: dict[str, str], cwd: Path) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(argv)}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def ensure_sample(rows: int, out: Path) -> Path:
    """N applications of one unit, all energised in 2026-H1, with their pauses."""
    from gdcomply.applications.sample import SampleData, generate
    from gdcomply.reports.sample_xlsx import write_sample_xlsx
    from gdcomply.workdays.workcalendar import WorkCalendar

    path = out / f"pack-unit-{rows}.xlsx"
    if path.exists():
        return path
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    data = generate(rows * 4, 11, WorkCalendar.default(), date(2026, 7, 5))
    header = data.application_header
    unit, energised = header.index("供电单位"), header.index("送电日期")
    chosen = []
    for row in data.applications:
        if row[energised] is not None and PERIOD_START <= row[energised] <= PERIOD_END:
            chosen.append(row[:unit] + ("桂源公司",) + row[unit + 1 :])
            if len(chosen) == rows:
                break
    if len(chosen) < rows:
        raise SystemExit(f"the generator gave only {len(chosen)} rows energised in 2026-H1")
    ids = {row[0] for row in chosen}
    pauses = [p for p in data.pauses if p[0] in ids]
    write_sample_xlsx(SampleData(header, chosen, data.pause_header, pauses), path)
    print(f"  wrote {path.name} ({rows} rows, {len(pauses)} pauses) in {time.perf_counter() - started:.1f} s")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--make-sample", type=int, metavar="ROWS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_sample:
        ensure_sample(args.make_sample, args.out)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    env = dict(os.environ)
    home = tempfile.mkdtemp(prefix="gdc-bench-home-")
    env.update(GDCOMPLY_HOME=home)
    env.pop("GDCOMPLY_WORKSPACE", None)
    gdcomply = [sys.executable, "-m", "gdcomply"]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'rows':>8}  {'what':<34} {'wall s':>7} {'cpu s':>7} {'peak MB':>8}")
    for rows in sizes:
        sample = args.out / f"pack-unit-{rows}.xlsx"
        if not sample.exists():
            subprocess.run([sys.executable, __file__, "--make-sample", str(rows), "--out", str(args.out)], check=True)
        work = Path(tempfile.mkdtemp(prefix="gdc-bench-pack-", dir=args.out))
        pack = run(
            [*gdcomply, "pack", "connection-data", "--period", "2026-H1", "--party", "guiyuan",
             "--input", str(sample), "--as-of", "2026-07-08", "--out", str(work), "--force"],
            env, work,
        )  # fmt: skip
        floor = run([sys.executable, "-c", FLOOR, str(sample), str(work / "floor.xlsx")], env, work)
        for label, result in (("gdcomply pack (unit, connection-data)", pack), ("floor: calamine read + write-only", floor)):
            print(f"{rows:>8}  {label:<34} {result.wall:>7.2f} {result.cpu:>7.2f} {result.peak_mb:>8.0f}")
        print(f"{rows:>8}  {'ratio pack / floor':<34} {pack.wall / floor.wall:>7.2f} {pack.cpu / floor.cpu:>7.2f}"
              f" {pack.peak_mb / floor.peak_mb:>8.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
