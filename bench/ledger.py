"""Benchmark: the shared ledger (PostgreSQL) beside the embedded one (SQLite), as a user runs them.

    python bench/ledger.py [--runs 5] [--submissions 10000] [--submit-mb 5]
                           [--admin-url postgresql://postgres@127.0.0.1:5432/test] [--keep DIR]

Builds the workspace of bench/check.py — a calendar of 20 years (2016–2035) and a ledger of
10,000 submissions, most of them amended, some withdrawn — with every evidence file in its
store, then copies that ledger with `gdcomply ledger copy` into a new PostgreSQL database (a
random name on the server of --admin-url, dropped at the end). Then it times, alternately,
--runs times each (median wall time):

- `gdcomply check --format json --as-of 2035-11-19` on SQLite and on PostgreSQL (the same
  workspace, `--ledger URL` for the second); both outputs must be identical;
- `gdcomply submit` of one file of --submit-mb MB (new content each run) on each.

Goals (issue 14): check on PostgreSQL within 1.5× of SQLite; a submit under 0.5 s. Two more
rows say where the difference goes: importing the PostgreSQL driver (psycopg, on top of the
libraries every command loads), which no query can win back.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check import AS_OF, FIRST_YEAR, build, gdcomply_command  # noqa: E402 - the workspace of bench/check.py


def run(command: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in ok:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return wall, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--submit-mb", type=int, default=5)
    parser.add_argument("--admin-url", default=os.environ.get("GDCOMPLY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it (the database is dropped all the same)")
    args = parser.parse_args()

    import psycopg

    base = args.keep or Path(tempfile.mkdtemp(prefix="gdcomply-bench-ledger-"))
    root = base / "ws"
    if root.exists():
        shutil.rmtree(root)
    env = dict(os.environ, GDCOMPLY_CACHE_DIR=str(base / "cache"), GDCOMPLY_HOME=str(base / "home"))
    for name in ("GDCOMPLY_WORKSPACE", "GDCOMPLY_LEDGER", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")  # compiled once, as an installed gdcomply is
    name = f"gdcomply_bench_{secrets.token_hex(4)}"
    url = urlsplit(args.admin_url)._replace(path=f"/{name}").geturl()
    admin = psycopg.connect(args.admin_url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        started = time.perf_counter()
        _, rows = build(root, args.submissions, env, with_evidence=True)
        gdcomply = gdcomply_command()
        run([*gdcomply, "ledger", "copy", "--to", url, "--workspace", str(root)], env)
        print(f"台账：{rows} 条报送记录（{FIRST_YEAR}–2035 年的日历），已复制到 {url}；准备用时 {time.perf_counter() - started:.1f} s")

        check = ["check", "--format", "json", "--as-of", AS_OF, "--workspace", str(root)]
        commands = {"check  SQLite": [*gdcomply, *check], "check  PostgreSQL": [*gdcomply, *check, "--ledger", url]}
        outputs = {label: run(command, env, ok=(0, 1))[1] for label, command in commands.items()}  # warm-up
        assert len(set(outputs.values())) == 1, "check gives different results on the two ledgers"
        print(f"check 输出两边完全一致（{len(json.loads(outputs['check  SQLite'])['items'])} 项）")

        big = base / "report.bin"
        big.write_bytes(os.urandom(args.submit_mb << 20))
        submit = ["submit", "progress-report", str(big), "--period", "2035-R4", "--from", "gongdian",
                  "--on", AS_OF, "--workspace", str(root)]  # fmt: skip
        submit_env = dict(env, GDCOMPLY_TODAY=AS_OF)
        marker = [0]

        def submitting(extra: list[str]) -> float:
            marker[0] += 1
            with big.open("r+b") as handle:  # new content each run: a new record, not a repeat
                handle.write(marker[0].to_bytes(8, "big"))
            wall, out = run([*gdcomply, *submit, *extra], submit_env)
            assert out.startswith("已登记 #"), out
            return wall

        floor = "import typer, rich, yaml, sqlite3"
        imports = {
            "import (floor)": [sys.executable, "-c", floor],
            "import + psycopg": [sys.executable, "-c", f"{floor}, psycopg"],
        }
        for command in imports.values():
            run(command, env)  # compiled once
        commands.update(imports)
        timings: dict[str, list[float]] = {label: [] for label in (*commands, "submit SQLite", "submit PostgreSQL")}
        for _ in range(args.runs):
            for label, command in commands.items():
                timings[label].append(run(command, env, ok=(0, 1))[0])
            timings["submit SQLite"].append(submitting([]))
            timings["submit PostgreSQL"].append(submitting(["--ledger", url]))
        medians = {label: statistics.median(values) for label, values in timings.items()}
        print(f"\n{'':20}  median of {args.runs}, wall")
        for label, value in medians.items():
            print(f"{label:20}  {value * 1000:8.0f} ms")
        driver = medians["import + psycopg"] - medians["import (floor)"]
        print(f"{'psycopg 的导入':16}  {driver * 1000:8.0f} ms    (PostgreSQL − SQLite 的 check："
              f"{(medians['check  PostgreSQL'] - medians['check  SQLite']) * 1000:.0f} ms)")
        ratio = medians["check  PostgreSQL"] / medians["check  SQLite"]
        print(f"{'check PG / SQLite':20}  {ratio:8.2f}×    goal ≤ 1.5×: {'met' if ratio <= 1.5 else 'MISSED'}")
        slowest = max(medians["submit SQLite"], medians["submit PostgreSQL"])
        print(f"{'submit ' + str(args.submit_mb) + ' MB':20}  {slowest * 1000:8.0f} ms    goal < 500 ms: {'met' if slowest < 0.5 else 'MISSED'}")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
