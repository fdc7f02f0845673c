"""Benchmark of gdcomply's start-up: three everyday commands, each in a fresh process.

    python bench/startup.py [--runs 5] [--python PYTHON …]

Times, in subprocesses as a user runs them,

- `gdcomply workdays add 2026-09-28 22` (the working-day calendar only),
- `gdcomply check --format json` (calendar, ledger and statuses, on a new workspace whose
  ledger tracks 2026; as of 2026-11-19, so the year's instances are judged), and
- `gdcomply --help` (every command module loaded),

and prints the median wall time and CPU time (user + system, from getrusage of the
children) of each. The commands run alternately, so that load drifts hit all alike, after
one warm-up run each (the holidays cache, the OS's file cache, compiled bytecode).

--python (repeatable) names the interpreter of each installation to time, e.g. a virtual
environment of the commit before a change and one of the change, measured in the same
sitting: `python bench/startup.py --python /tmp/venv-before/bin/python --python
/tmp/venv-after/bin/python`. Default: this interpreter. This script never imports gdcomply,
so any version can be timed with it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TODAY = "2026-11-19"
COMMANDS = {
    "workdays add 2026-09-28 22": ["workdays", "add", "2026-09-28", "22"],
    "check --format json": ["check", "--format", "json", "--workspace", "{ws}"],
    "--help": ["--help"],
}


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and user+sys CPU seconds of one child process (exit 0, or 1 for a finding)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # check exits 1 when something is overdue
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr.decode()}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument("--python", action="append", help="the interpreter of an installation to time (repeatable)")
    args = parser.parse_args()
    pythons = args.python or [sys.executable]

    base = Path(tempfile.mkdtemp(prefix="gdc-bench-startup-"))
    try:
        runs: dict[tuple[int, str], list[tuple[float, float]]] = {}
        plans: list[tuple[int, str, list[str], dict[str, str]]] = []
        for index, python in enumerate(pythons):
            folder = base / f"install-{index}"
            folder.mkdir()
            env = dict(os.environ, GDCOMPLY_HOME=str(folder / "home"), GDCOMPLY_CACHE_DIR=str(folder / "cache"))
            env["GDCOMPLY_TODAY"] = TODAY
            env.pop("GDCOMPLY_WORKSPACE", None)
            # Compiled bytecode, as an installed gdcomply has it, kept in a folder of the bench's
            # own (see bench/check.py): with PYTHONDONTWRITEBYTECODE every run would compile.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
            gdcomply = [python, "-m", "gdcomply"]
            workspace = folder / "ws"
            subprocess.run([*gdcomply, "init", str(workspace), "--since", "2026-01-01"], env=env, cwd=folder,
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            for name, command in COMMANDS.items():
                argv = [*gdcomply, *(part.format(ws=workspace) for part in command)]
                plans.append((index, name, argv, env))
                timed(argv, env, folder)  # warm-up
                runs[(index, name)] = []
        for _ in range(args.runs):
            for index, name, argv, env in plans:
                runs[(index, name)].append(timed(argv, env, base / f"install-{index}"))
    finally:
        shutil.rmtree(base, ignore_errors=True)

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; medians of {args.runs} alternating runs")
    width = max(len(n) for n in COMMANDS)
    for index, python in enumerate(pythons):
        if len(pythons) > 1:
            print(f"[{index + 1}] {python}")
        for name in COMMANDS:
            walls = [w for w, _ in runs[(index, name)]]
            cpus = [c for _, c in runs[(index, name)]]
            print(f"    gdcomply {name:<{width}}  wall {statistics.median(walls) * 1000:6.0f} ms"
                  f"  cpu {statistics.median(cpus) * 1000:6.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
