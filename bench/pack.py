"""Benchmark of the connection-data packs and `applications stats` against the floors of reading and writing their rows.

    python bench/pack.py [--sizes 300000] [--repeat 5] [--cases unit,csv,company,stats] [--out bench/out]

(stats-csv or stats-xlsx alone: one of the two stats cases, e.g. the CSV at 300,000 rows and
the .xlsx at 100,000, where issue 19 sets its goal.)

For each size it makes (once; later runs reuse them) a worst-case unit export: N applications
of 桂源公司, every one energised in 2026-H1 (drawn with the `applications sample` generator,
then filtered), so every row lands in the pack's 明细 sheet and in its class sheets; beside it
the same rows as a GBK CSV (with its pauses CSV, as a Chinese Windows export would be) and
the same rows as 供电公司's export (for the company's consolidation). Then, each in its own
process, --repeat rounds of:

- unit: `gdcomply pack connection-data --period 2026-H1 --party guiyuan --input FILE --force`
  beside the floor: a bare python-calamine read of the same .xlsx plus a bare openpyxl
  write-only write of the rows it read (values as read, no styles; the floor of issue 5),
- csv: the same pack from the GBK CSV and its pauses CSV (against the same floor),
- company: `pack connection-data --party company` consolidating the two unit packs (桂源公司's
  and 供电公司's, N rows each) beside the unit pack,
- stats: `applications stats` of the GBK CSV beside a bare csv-module read of it, and of the
  .xlsx beside a bare python-calamine read of it,

the commands of a round one after the other, so that each ratio compares runs made under the
same load (the machine is shared). It prints each command's median wall time, CPU time
(user + sys) and peak memory (the child's ru_maxrss, from os.wait4), and each ratio as the
median of the rounds' ratios. A forked child starts with its parent's high-water mark, so the
samples are made in a child process too and this one stays small: otherwise every peak would
read as the generator's.

A round of every case at 300,000 rows takes ~20 minutes on the shared 2-CPU machine (the
company's pack alone ~5): choose with --cases and --repeat.

Goals (issue 19): the unit pack at 300,000 rows in 20 s and 0.5x its floor, peak 500 MB; the
company pack within 1.5x the unit pack; stats of a GBK CSV within 3x a bare csv read, of an
.xlsx within 1.3x a bare calamine read.
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

BARE_XLSX = """
import sys
from python_calamine import CalamineWorkbook
rows = 0
for row in CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name("申请").iter_rows():
    rows += 1
print(rows)
"""

BARE_CSV = """
import csv, sys
rows = 0
with open(sys.argv[1], encoding="gbk", newline="") as handle:
    for record in csv.reader(handle):
        rows += 1
print(rows)
"""

PERIOD_START, PERIOD_END = date(2026, 1, 1), date(2026, 6, 30)
OTHER_UNIT = "供电公司"  # the second unit, for the company's consolidation


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mb: float


def run(argv: list[str], env: dict[str, str], cwd: Path, ok: tuple[int, ...] = (0,)) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"failed ({code}): {' '.join(argv)}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def samples(rows: int, out: Path) -> tuple[Path, Path, Path, Path]:
    """The unit's .xlsx, its GBK CSV and pauses CSV, and the other unit's .xlsx, for N rows."""
    xlsx = out / f"pack-unit-{rows}.xlsx"
    csv_file = out / f"pack-unit-{rows}-gbk.csv"
    return xlsx, csv_file, csv_file.with_name(f"{csv_file.stem}-pauses.csv"), out / f"pack-other-{rows}.xlsx"


def ensure_sample(rows: int, out: Path) -> None:
    """N applications of one unit, all energised in 2026-H1, with their pauses; as .xlsx, as GBK
    CSV, and as the other unit's .xlsx (the same rows under its name and its own numbers)."""
    from gdcomply.applications.sample import SampleData, generate, write_sample_csv
    from gdcomply.reports.sample_xlsx import write_sample_xlsx
    from gdcomply.workdays.workcalendar import WorkCalendar

    xlsx, csv_file, _, other = samples(rows, out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if xlsx.exists():
        data = _read_sample(xlsx)
    else:
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
        data = SampleData(header, chosen, data.pause_header, pauses)
        write_sample_xlsx(data, xlsx)
    if not csv_file.exists():
        write_sample_csv(data, csv_file, encoding="gbk")
    if not other.exists():
        unit = data.application_header.index("供电单位")
        renamed = [("G" + row[0],) + row[1:unit] + (OTHER_UNIT,) + row[unit + 1 :] for row in data.applications]
        pauses = [("G" + p[0],) + p[1:] for p in data.pauses]
        write_sample_xlsx(SampleData(data.application_header, renamed, data.pause_header, pauses), other)
    print(f"  samples of {rows} rows ready in {time.perf_counter() - started:.1f} s")


def _read_sample(path: Path):
    """A sample workbook read back (dates as dates, empty cells as None)."""
    from python_calamine import CalamineWorkbook

    from gdcomply.applications.sample import SampleData

    book = CalamineWorkbook.from_path(str(path))

    def table(name: str) -> tuple[tuple, list[tuple]]:
        rows = book.get_sheet_by_name(name).to_python()
        return tuple(rows[0]), [tuple(_as_written(v) for v in row) for row in rows[1:]]

    header, applications = table("申请")
    pause_header, pauses = table("暂停")
    return SampleData(header, applications, pause_header, pauses)


def _as_written(value):
    """A cell as the generator gave it: calamine reads every number as a float (4.0 for 4 steps)."""
    if value == "":
        return None
    if value.__class__ is float and value.is_integer():
        return int(value)
    return value


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", default="unit,csv,company,stats")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--make-sample", type=int, metavar="ROWS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_sample:
        ensure_sample(args.make_sample, args.out)
        return 0
    cases = set(args.cases.split(","))
    env = dict(os.environ)
    env.update(GDCOMPLY_HOME=tempfile.mkdtemp(prefix="gdc-bench-home-"))
    env.pop("GDCOMPLY_WORKSPACE", None)
    gdcomply = [sys.executable, "-m", "gdcomply"]
    pack = [*gdcomply, "pack", "connection-data", "--period", "2026-H1", "--as-of", "2026-07-08", "--force"]
    load = os.getloadavg()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f},"
          f" median of {args.repeat} alternating rounds")  # fmt: skip
    print(f"{'rows':>8}  {'what':<40} {'wall s':>7} {'cpu s':>7} {'peak MB':>8}")
    for rows in [int(s) for s in args.sizes.split(",")]:
        xlsx, csv_file, csv_pauses, other = samples(rows, args.out)
        if not all(p.exists() for p in (xlsx, csv_file, csv_pauses, other)):
            subprocess.run([sys.executable, __file__, "--make-sample", str(rows), "--out", str(args.out)], check=True)
        work = Path(tempfile.mkdtemp(prefix="gdc-bench-pack-", dir=args.out))
        unit_out, other_out = work / "guiyuan", work / "gongdian"
        commands: dict[str, list[str]] = {}
        if cases & {"unit", "csv", "company"}:
            commands["pack (unit, .xlsx)"] = [*pack, "--party", "guiyuan", "--input", str(xlsx), "--out", str(unit_out)]
        if cases & {"unit", "csv"}:
            commands["floor: calamine read + write-only"] = [
                sys.executable, "-c", FLOOR, str(xlsx), str(work / "floor.xlsx")
            ]  # fmt: skip
        if "csv" in cases:
            commands["pack (unit, GBK .csv)"] = [
                *pack, "--party", "guiyuan", "--input", str(csv_file), "--pauses", str(csv_pauses),
                "--out", str(work / "guiyuan-csv"),
            ]  # fmt: skip
        if cases & {"stats", "stats-csv"}:
            commands["stats (GBK .csv)"] = [
                *gdcomply, "applications", "stats", str(csv_file), "--pauses", str(csv_pauses), "--format", "json"
            ]  # fmt: skip
            commands["bare csv read (GBK)"] = [sys.executable, "-c", BARE_CSV, str(csv_file)]
        if "company" in cases:
            # the other unit's pack is an input here, made once before the rounds
            run([*pack, "--party", "gongdian", "--input", str(other), "--out", str(other_out)], env, work)
            commands["pack (company, two units)"] = [
                *pack, "--party", "company", "--input", "{unit}", "--input", str(next(other_out.glob("*/*.xlsx"))),
                "--out", str(work / "company"),
            ]  # fmt: skip
        if cases & {"stats", "stats-xlsx"}:
            commands["stats (.xlsx)"] = [*gdcomply, "applications", "stats", str(xlsx), "--format", "json"]
            commands["bare calamine read (.xlsx)"] = [sys.executable, "-c", BARE_XLSX, str(xlsx)]
        results: dict[str, list[Run]] = {label: [] for label in commands}
        for _ in range(args.repeat):
            for label, argv in commands.items():
                if "{unit}" in argv:
                    argv = [next(unit_out.glob("*/*.xlsx")).as_posix() if a == "{unit}" else a for a in argv]
                results[label].append(run(argv, env, work, ok=(0, 1) if "stats" in label else (0,)))
        for label, runs in results.items():
            print(f"{rows:>8}  {label:<40} {median([r.wall for r in runs]):>7.2f} {median([r.cpu for r in runs]):>7.2f}"
                  f" {median([r.peak_mb for r in runs]):>8.0f}")  # fmt: skip
        for label, over, under, goal in (
            ("ratio pack / floor", "pack (unit, .xlsx)", "floor: calamine read + write-only", 0.5),
            ("ratio pack from CSV / floor", "pack (unit, GBK .csv)", "floor: calamine read + write-only", 0.5),
            ("ratio company / unit pack", "pack (company, two units)", "pack (unit, .xlsx)", 1.5),
            ("ratio stats / bare csv read", "stats (GBK .csv)", "bare csv read (GBK)", 3.0),
            ("ratio stats / bare calamine read", "stats (.xlsx)", "bare calamine read (.xlsx)", 1.3),
        ):
            if over in results and under in results:
                pairs = list(zip(results[over], results[under]))
                print(f"{rows:>8}  {label:<40} {median([a.wall / b.wall for a, b in pairs]):>7.2f}"
                      f" {median([a.cpu / b.cpu for a, b in pairs]):>7.2f}"
                      f" {median([a.peak_mb / b.peak_mb for a, b in pairs]):>8.2f}   goal {goal}x wall")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
