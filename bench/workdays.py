"""Benchmark of the working-day calendar and of the calendar command's start-up.

(a) one million WorkCalendar.count calls on random date pairs across 2018-2027 (the pairs
    are made first; only the calls are timed);
(b) the process time of `gdcomply calendar --year 2026 --format json` beside a bare
    `python -c "import typer, rich, yaml, holidays"`, run alternately, medians of wall time
    and of user+sys CPU (from getrusage of the children).

Goals (issue 2): (a) well under 1 s; (b) the command within 1.3x of the bare import.

    python bench/workdays.py [--calls N] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

COMMAND_ARGS = ["calendar", "--year", "2026", "--format", "json"]
BARE_IMPORT = "import typer, rich, yaml, holidays"


def bench_count(calls: int, seed: int = 2018) -> tuple[float, int]:
    """Seconds for `calls` count() calls on random pairs of 2018-2027 (and a checksum)."""
    from gdcomply.resources import bundled_config_dir
    from gdcomply.workdays.workcalendar import WorkCalendar

    workdays = WorkCalendar.default(bundled_config_dir() / "holidays.yaml")
    rng = random.Random(seed)
    first = date(2018, 1, 1)
    span = (date(2027, 12, 31) - first).days
    days = [first + timedelta(days=i) for i in range(span + 1)]
    pairs = [(rng.choice(days), rng.choice(days)) for _ in range(calls)]
    count = workdays.count
    started = time.perf_counter()
    total = 0
    for a, b in pairs:
        total += count(a, b)
    elapsed = time.perf_counter() - started
    return elapsed, total


def _command() -> list[str]:
    """The installed console script, else the same entry point through python."""
    script = shutil.which("gdcomply", path=str(Path(sys.executable).parent)) or shutil.which("gdcomply")
    if script:
        return [script, *COMMAND_ARGS]
    return [sys.executable, "-c", "from gdcomply.cli import main; main()", *COMMAND_ARGS]


def _timed(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall seconds and user+sys CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def bench_startup(runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, cpu) of the command and of the bare import, run alternately."""
    env = dict(os.environ)
    env.pop("GDCOMPLY_WORKSPACE", None)
    # Measure what a user's start costs: with PYTHONDONTWRITEBYTECODE (set in some dev and CI
    # shells) every gdcomply module would be compiled from source at every run, while the
    # libraries of the bare import load their .pyc written at install time.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="gdc-bench-") as folder:
        # the holidays cache is the user's own (GDCOMPLY_CACHE_DIR or the platform's cache
        # folder), warmed below like after any first run; no workspace: the bundled config
        env["GDCOMPLY_HOME"] = str(Path(folder) / "home")
        command = _command()
        bare = [sys.executable, "-c", BARE_IMPORT]
        # warm the holidays cache and the OS's file cache
        _timed(command, env, folder)
        _timed(bare, env, folder)
        samples: dict[str, list[tuple[float, float]]] = {"command": [], "bare": []}
        for _ in range(runs):
            samples["command"].append(_timed(command, env, folder))
            samples["bare"].append(_timed(bare, env, folder))
    return {
        name: (statistics.median(w for w, _ in runs_), statistics.median(c for _, c in runs_))
        for name, runs_ in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000, help="count() calls (default 1000000)")
    parser.add_argument("--runs", type=int, default=15, help="runs of each process (default 15)")
    args = parser.parse_args()

    elapsed, checksum = bench_count(args.calls)
    goal = "ok" if elapsed < 1.0 else "MISSED"
    print(f"(a) {args.calls:,} count() calls: {elapsed:.3f} s "
          f"({elapsed / args.calls * 1e9:.0f} ns per call; checksum {checksum}) [goal < 1 s: {goal}]")

    medians = bench_startup(args.runs)
    (cmd_wall, cmd_cpu), (bare_wall, bare_cpu) = medians["command"], medians["bare"]
    print(f"(b) medians of {args.runs} alternating runs each:")
    print(f"    gdcomply {' '.join(COMMAND_ARGS)}: wall {cmd_wall * 1000:.0f} ms, cpu {cmd_cpu * 1000:.0f} ms")
    print(f"    python -c \"{BARE_IMPORT}\": wall {bare_wall * 1000:.0f} ms, cpu {bare_cpu * 1000:.0f} ms")
    ratio_wall, ratio_cpu = cmd_wall / bare_wall, cmd_cpu / bare_cpu
    goal = "ok" if ratio_wall <= 1.3 else "MISSED"
    print(f"    ratio: wall {ratio_wall:.2f}x, cpu {ratio_cpu:.2f}x [goal <= 1.3x: {goal}]")


if __name__ == "__main__":
    main()
