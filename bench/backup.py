"""Benchmark: `gdcomply backup` and `gdcomply restore` of a big workspace.

    python bench/backup.py [--submissions 10000] [--files 1000] [--file-kb 100] [--runs 3] [--keep DIR]

Builds a workspace (in a temporary folder, or DIR with --keep) whose ledger holds 10,000
submissions naming 1,000 distinct evidence files of 100 KB each (random bytes, like the
compressed office documents and scans real evidence is), recorded through the ledger API and
the evidence store. Then it runs, --runs times each, `gdcomply backup --out B.zip --force`
and `gdcomply restore B.zip NEW` as the user would (subprocesses), and prints the median wall
time of each, the archive's size, and what a bare copy of the same files costs (the floor:
`cp -r data/` for the bytes, as a reference).
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
from datetime import date, datetime, timedelta, timezone
from pathlib import Path


def build(root: Path, submissions: int, files: int, file_kb: int) -> None:
    from gdcomply.ledger.evidence import EvidenceStore
    from gdcomply.ledger.model import EvidenceFile, NewSubmission
    from gdcomply.ledger.sqlite import open_workspace_ledger
    from gdcomply.workspace import init_workspace

    workspace = init_workspace(root)
    ledger, _ = open_workspace_ledger(workspace.ledger_file, create_since=date(2016, 1, 1), subdirs=("evidence",))
    store = EvidenceStore(workspace.evidence_dir)
    scratch = root / "incoming.bin"
    stored: list[EvidenceFile] = []
    for index in range(files):
        scratch.write_bytes(os.urandom(file_kb * 1024))
        put, _ = store.put(scratch)
        stored.append(EvidenceFile(f"报告{index}.pdf", put.sha256, put.size))
    scratch.unlink()
    at = datetime(2026, 11, 19, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    requests = [
        NewSubmission(
            f"progress-report/bench-{n}/guiyuan->company", "progress-report", f"bench-{n}", "guiyuan", "company",
            date(2026, 11, 18), "", (stored[n % files],),
        )  # fmt: skip
        for n in range(submissions)
    ]
    with ledger:
        ledger.record_submissions(requests, at=at, os_user="bench")


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=1_000)
    parser.add_argument("--file-kb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path)
    options = parser.parse_args()

    base = options.keep or Path(tempfile.mkdtemp(prefix="gdc-bench-backup-"))
    base.mkdir(parents=True, exist_ok=True)
    root = base / "ws"
    try:
        started = time.perf_counter()
        if not root.exists():
            build(root, options.submissions, options.files, options.file_kb)
        print(f"workspace: {options.submissions} submissions, {options.files} evidence files of {options.file_kb} KB "
              f"(built in {time.perf_counter() - started:.1f} s)")
        env = dict(os.environ)
        gdcomply = [sys.executable, "-m", "gdcomply"]
        archive = base / "备份.zip"
        backups, restores, copies = [], [], []
        for run in range(options.runs):
            backups.append(timed([*gdcomply, "backup", "--out", str(archive), "--force", "--workspace", str(root)], env))
            target = base / f"restored-{run}"
            restores.append(timed([*gdcomply, "restore", str(archive), str(target)], env))
            shutil.rmtree(target)
            copy = base / f"copy-{run}"
            copies.append(timed(["cp", "-r", str(root / "data"), str(copy)], env))
            shutil.rmtree(copy)
        size = archive.stat().st_size
        print(f"backup : median {statistics.median(backups):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in backups)})")
        print(f"restore: median {statistics.median(restores):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in restores)})")
        print(f"cp -r data/ (reference): median {statistics.median(copies):.2f} s")
        print(f"archive: {size / (1 << 20):.1f} MB")
    finally:
        if options.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
