"""Benchmark: `gdcomply check --format json` on a big ledger, beside importing its libraries.

    python bench/check.py [--runs 10] [--submissions 10000] [--keep DIR] [--breakdown]

Builds a workspace (in a temporary folder, or DIR with --keep) whose calendar spans 20
years — the bundled deadlines.yaml with the recurring obligations starting in 2016 instead
of 2018 — and whose ledger holds 10,000 submissions: every instance of 2016–2035 reported,
most of them amended several times (superseded rows), one in fifteen of the amendments
withdrawn. The rows go in through the ledger API (`Ledger.record_submissions`, one
transaction); no evidence files are written, since check never reads them.

Then it times, alternately, `gdcomply check --format json --as-of 2035-11-19` (tracking
since 2016-01-01, so all 20 years are judged) and `python -c "import typer, rich, yaml,
holidays"` (the floor any gdcomply command pays), and prints the median wall time and the
median CPU time (user + system, from getrusage(RUSAGE_CHILDREN) deltas) of each, and their
ratio (both with bytecode caching on, in a folder of the bench). The goal is a ratio within 1.5×. --breakdown adds rows that show where the time of
check goes: the CLI's own start-up (`gdcomply --version`), check on the same calendar with an
empty ledger (the cost of the 10,000 rows is the difference), and the imports plus pydantic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

AS_OF = "2035-11-19"
SINCE = date(2016, 1, 1)
FIRST_YEAR = 2016


def build(root: Path, submissions: int, env: dict[str, str], *, with_evidence: bool = False) -> tuple[int, int]:
    """The workspace at root; returns (instances, submissions recorded). With with_evidence, each
    evidence file is written into the store too (bench/ledger.py copies the ledger with it)."""
    from gdcomply.ledger.model import EvidenceFile, NewSubmission
    from gdcomply.ledger.sqlite import Ledger
    from gdcomply.setup import load_setup
    from gdcomply.workspace import find_workspace, init_workspace

    init_workspace(root)
    deadlines = root / "config" / "deadlines.yaml"
    text = deadlines.read_text(encoding="utf-8")
    assert text.count("years: {first: 2018}") == 2, "the bundled calendar changed: update the bench"
    deadlines.write_text(text.replace("years: {first: 2018}", f"years: {{first: {FIRST_YEAR}}}"), encoding="utf-8")

    os.environ.update(env)  # the holidays cache of the bench, not the user's
    workspace = find_workspace(root)
    assert workspace is not None
    setup = load_setup(workspace)
    schedule = setup.calendar.schedule(SINCE, date(2035, 12, 31), setup.workdays)
    instances = list(schedule.instances)

    # Every instance once (on its due date), then amendments round-robin until the total is reached.
    requests: list[NewSubmission] = []
    for n in range(submissions):
        instance = instances[n % len(instances)]
        content = f"{instance.id} #{n}".encode()
        evidence = EvidenceFile(f"{instance.period}-{instance.sender}.pdf", hashlib.sha256(content).hexdigest(), len(content))
        if with_evidence:  # straight into the store: a bench need not fsync 10,000 files
            stored = workspace.evidence_dir / evidence.sha256[:2] / evidence.sha256
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_bytes(content)
        on = instance.due + timedelta(days=n // len(instances))
        requests.append(
            NewSubmission(instance.id, instance.obligation, instance.period, instance.sender, instance.receiver, on, "", (evidence,))
        )
    at = datetime(2035, 11, 19, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    with Ledger.open(workspace.ledger_file, create=True, tracking_since=SINCE) as ledger:
        results = ledger.record_submissions(requests, at=at, os_user="bench")
        recorded = [r.recorded for r in results if r.recorded is not None]
        for submission in recorded[len(instances) :: 15]:  # some amendments withdrawn
            if submission.state == "superseded":
                ledger.withdraw(submission.id, "bench", at=at, os_user="bench")
    return len(instances), len(recorded)


def time_runs(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, tuple[list[float], list[float]]]:
    """Wall and CPU seconds of each command, run alternately so that load drifts hit both alike."""
    timings: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands}
    for name, command in commands.items():  # warm-up: OS caches, .pyc files, the holidays cache
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(runs):
        for name, command in commands.items():
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode not in (0, 1):  # check exits 1 when something is overdue
                sys.exit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
            timings[name][0].append(wall)
            timings[name][1].append((after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime))
    return timings


def gdcomply_command() -> list[str]:
    script = Path(sys.executable).with_name("gdcomply")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gdcomply"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it")
    parser.add_argument(
        "--breakdown", action="store_true",
        help="also time gdcomply --version, check on the same calendar with an empty ledger, "
        "and the imports plus pydantic (which typer ≥ 0.2x loads to coerce option values)",
    )  # fmt: skip
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="gdcomply-bench-"))
    root = base / "ws"
    for old in (root, base / "ws-empty"):
        if old.exists():
            shutil.rmtree(old)
    env = dict(os.environ, GDCOMPLY_CACHE_DIR=str(base / "cache"), GDCOMPLY_HOME=str(base / "home"))
    env.pop("GDCOMPLY_WORKSPACE", None)
    # Compiled bytecode, as an installed gdcomply has it (pip compiles on install), kept in a
    # folder of the bench's own: with PYTHONDONTWRITEBYTECODE set, every run would compile the
    # gdcomply sources again (~40 ms) while the libraries of the floor come precompiled.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
    try:
        started = time.perf_counter()
        instances, recorded = build(root, args.submissions, env)
        print(f"台账：{recorded} 条报送记录，{instances} 个报送节点（{FIRST_YEAR}–2035），"
              f"建立用时 {time.perf_counter() - started:.1f} s")  # fmt: skip

        gdcomply = gdcomply_command()
        check_args = ["check", "--format", "json", "--as-of", AS_OF, "--workspace"]
        commands = {
            f"gdcomply {' '.join(check_args)} WS": [*gdcomply, *check_args, str(root)],
            'python -c "import typer, rich, yaml, holidays"': [sys.executable, "-c", "import typer, rich, yaml, holidays"],
        }
        out = subprocess.run(commands[next(iter(commands))], env=env, capture_output=True, text=True)
        payload = json.loads(out.stdout)
        print(f"check 输出 {len(out.stdout) // 1024} KB，{len(payload['items'])} 项；汇总：{payload['summary']}")
        if args.breakdown:
            empty = base / "ws-empty"
            shutil.copytree(root / "config", empty / "config")
            from gdcomply.ledger.sqlite import Ledger

            Ledger.open(empty / "data" / "ledger.sqlite3", create=True, tracking_since=SINCE).close()
            commands.update(
                {
                    "gdcomply --version": [*gdcomply, "--version"],
                    f"gdcomply {' '.join(check_args)} WS-EMPTY-LEDGER": [*gdcomply, *check_args, str(empty)],
                    'python -c "import typer, rich, yaml, holidays, pydantic"': [
                        sys.executable, "-c", "import typer, rich, yaml, holidays, pydantic",
                    ],  # fmt: skip
                }
            )

        timings = time_runs(commands, args.runs, env)
        medians = {name: (statistics.median(timings[name][0]), statistics.median(timings[name][1])) for name in commands}
        width = max(len(name) for name in commands)
        print(f"\n{'':{width}}  wall (median)  CPU (median)   ({args.runs} runs each, alternating)")
        for name, (wall, cpu) in medians.items():
            print(f"{name:{width}}  {wall * 1000:10.0f} ms  {cpu * 1000:9.0f} ms")
        (check_wall, check_cpu), (floor_wall, floor_cpu) = list(medians.values())[:2]
        ratio_wall, ratio_cpu = check_wall / floor_wall, check_cpu / floor_cpu
        verdict = "met" if max(ratio_wall, ratio_cpu) <= 1.5 else "MISSED"
        print(f"{'ratio check / imports':{width}}  {ratio_wall:12.2f}×  {ratio_cpu:11.2f}×   goal ≤ 1.5×: {verdict}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
