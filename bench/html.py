"""Benchmark: the weekly check as a page beside the same check as JSON, on a big ledger.

    python bench/html.py [--runs 10] [--submissions 10000] [--keep DIR]

Builds the workspace of bench/check.py (a calendar of 20 years, 2016–2035, and a ledger of
10,000 submissions; tracking since 2016, so every year is judged), then times, alternately,

- `gdcomply check --format json --as-of 2035-11-19`,
- `gdcomply check --format html --as-of 2035-11-19` (the page with the year's timeline), and
- `gdcomply check --format html --all --as-of 2035-11-19` (every item of the year listed),

each writing to /dev/null, and prints the median wall and CPU time of each and the ratio of
the page to the JSON. The goal (issue 17): the page within 1.3× of the JSON.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check import AS_OF, FIRST_YEAR, build, gdcomply_command, time_runs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it")
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="gdcomply-bench-html-"))
    root = base / "ws"
    if root.exists():
        shutil.rmtree(root)
    env = dict(os.environ, GDCOMPLY_CACHE_DIR=str(base / "cache"), GDCOMPLY_HOME=str(base / "home"))
    env.pop("GDCOMPLY_WORKSPACE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled bytecode, as an installation has it
    env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
    try:
        started = time.perf_counter()
        instances, recorded = build(root, args.submissions, env)
        print(f"台账：{recorded} 条报送记录，{instances} 个报送节点（{FIRST_YEAR}–2035），"
              f"建立用时 {time.perf_counter() - started:.1f} s")  # fmt: skip
        gdcomply = gdcomply_command()
        check = ["check", "--as-of", AS_OF, "--workspace", str(root)]
        commands = {
            "check --format json": [*gdcomply, *check, "--format", "json"],
            "check --format html": [*gdcomply, *check, "--format", "html"],
            "check --format html --all": [*gdcomply, *check, "--format", "html", "--all"],
        }
        page = subprocess.run(commands["check --format html"], env=env, capture_output=True, text=True).stdout
        full = subprocess.run(commands["check --format html --all"], env=env, capture_output=True, text=True).stdout
        item, mark = 'class="item"', 'class="mark"'
        print(f"网页 {len(page.encode()) // 1024} KB（{page.count(item)} 项，时间线 {page.count(mark)} 个节点）；"
              f"--all：{len(full.encode()) // 1024} KB，{full.count(item)} 项")  # fmt: skip

        timings = time_runs(commands, args.runs, env)
        medians = {name: (statistics.median(timings[name][0]), statistics.median(timings[name][1])) for name in commands}
        width = max(len(name) for name in commands) + 12  # the ratio rows are longer
        print(f"\n{'':{width}}  wall (median)  CPU (median)   ({args.runs} runs each, alternating)")
        for name, (wall, cpu) in medians.items():
            print(f"{name:{width}}  {wall * 1000:10.0f} ms  {cpu * 1000:9.0f} ms")
        json_wall, json_cpu = medians["check --format json"]
        for name in ("check --format html", "check --format html --all"):
            wall, cpu = medians[name]
            ratio = max(wall / json_wall, cpu / json_cpu)
            verdict = "met" if ratio <= 1.3 else "MISSED"
            print(f"{'ratio ' + name.split(' ', 1)[1] + ' / json':{width}}  {wall / json_wall:12.2f}×  "
                  f"{cpu / json_cpu:11.2f}×   goal ≤ 1.3×: {verdict}")  # fmt: skip
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
