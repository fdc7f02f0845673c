"""Crash safety and concurrency of `gdcomply submit`, with real processes.

- A submit is SIGKILLed at random moments (half of them at a random delay after start, half
  once its evidence file is being written, so kills land in every phase: start-up, copying,
  renaming, the ledger transaction). After each kill `verify` must pass: never a ledger row
  without its file, and the ledger opens.
- Two processes record 20 submissions each at the same time: 40 rows, no error.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIG = 16 << 20  # large enough that copying and fsyncing it takes a noticeable share of a run
KILLS = 10


@pytest.fixture
def ws(cli, tmp_path: Path) -> Path:
    result = cli(["init", tmp_path / "ws", "--since", "2018-06-01"])
    assert result.exit_code == 0, result.output
    return tmp_path / "ws"


def submit_args(ws: Path, evidence: Path) -> list[str]:
    return [
        sys.executable, "-m", "gdcomply", "submit", "progress-report", str(evidence),
        "--period", "2018-R3", "--from", "gongdian", "--on", "2018-10-08", "--workspace", str(ws),
    ]  # fmt: skip


def rows_and_files(ws: Path) -> tuple[int, list[tuple[str, int]]]:
    """Submissions and the files they name, read independently of gdcomply (and integrity-checked)."""
    db = sqlite3.connect(ws / "data" / "ledger.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = db.execute("SELECT count(*) FROM submissions").fetchone()[0]
        files = db.execute("SELECT DISTINCT sha256, size FROM submission_files").fetchall()
    finally:
        db.close()
    return count, files


def incoming(ws: Path) -> bool:
    store = ws / "data" / "evidence"
    return any(name.startswith(".incoming-") for name in os.listdir(store)) if store.is_dir() else False


def test_submit_killed_at_random_moments_never_leaves_a_row_without_its_file(cli, ws: Path, child_env, tmp_path) -> None:
    rng = random.Random(os.environ.get("GDCOMPLY_CRASH_SEED", "2018-11-16"))
    evidence = tmp_path / "进度报告.bin"
    evidence.write_bytes(os.urandom(BIG))

    def new_content(marker: int) -> None:
        with evidence.open("r+b") as handle:  # a different file each run: a new row each time
            handle.write(marker.to_bytes(8, "big"))

    # one run to completion tells how long a run takes here
    new_content(0)
    started = time.monotonic()
    subprocess.run(submit_args(ws, evidence), env=child_env, check=True, capture_output=True)
    duration = time.monotonic() - started

    outcomes = []
    for run in range(1, KILLS + 1):
        new_content(run)
        digest = hashlib.sha256(evidence.read_bytes()).hexdigest()
        final = ws / "data" / "evidence" / digest[:2] / digest
        before, _ = rows_and_files(ws)
        process = subprocess.Popen(submit_args(ws, evidence), env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + duration * 3
        mode = ("any moment", "while copying", "after the rename")[run % 3]
        if mode == "any moment":
            time.sleep(rng.uniform(0, duration))
        elif mode == "while copying":
            while not incoming(ws) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.05))
        else:  # the file is complete under its name; the ledger row is being committed (or not yet)
            while not final.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.01))
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate()
        killed = process.returncode == -signal.SIGKILL
        assert killed or process.returncode == 0, stderr.decode()
        after, files = rows_and_files(ws)
        phase = "recorded" if after > before else "file stored, no row" if final.exists() else "nothing stored"
        outcomes.append((mode, "killed" if killed else "finished", phase))
        assert after - before in (0, 1)
        for sha, size in files:  # every file a row names is there, whole
            stored = ws / "data" / "evidence" / sha[:2] / sha
            assert stored.is_file() and stored.stat().st_size == size, (outcomes, sha)
        result = cli(["verify", "--workspace", ws])
        assert result.exit_code == 0, (outcomes, result.output)
        assert "校验通过" in result.stdout

    # kills landed after the copy had begun, not only during start-up
    assert any(kind == "killed" and mode != "any moment" for mode, kind, _ in outcomes), outcomes
    # the killed runs left the ledger usable: a last submit records normally
    new_content(KILLS + 1)
    done = subprocess.run(submit_args(ws, evidence), env=child_env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("已登记 #"), done.stderr
    # and what verify checked is sound: the stored files hash to their names
    _, files = rows_and_files(ws)
    for digest, _ in files:
        stored = ws / "data" / "evidence" / digest[:2] / digest
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest


# The driver runs 20 submits one after the other inside one Python process (each is a whole
# `gdcomply submit`: parse, open the ledger, store, record, close) so that the two processes
# overlap for the whole time instead of spending it in interpreter start-up.
DRIVER = r"""
import sys, time
from pathlib import Path
from gdcomply.cli import main

ws, sender, start, shared = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
files = Path(ws).parent / sender
files.mkdir()
periods = [f"{year}-R{n}" for year in range(2018, 2023) for n in range(1, 5)]
while time.time() < start:
    time.sleep(0.001)
failures = []
for period in periods:
    own = files / f"{period}.pdf"
    own.write_text(f"{sender} {period}", encoding="utf-8")
    try:
        main(["submit", "progress-report", str(own), shared, "--period", period, "--from", sender,
              "--to", "company", "--on", "2025-01-06", "--workspace", ws])
    except SystemExit as exc:
        if exc.code:
            failures.append((period, exc.code))
print("FAILURES", failures)
sys.exit(1 if failures else 0)
"""


def test_two_processes_submitting_at_the_same_time_both_succeed(cli, ws: Path, child_env, tmp_path) -> None:
    shared = tmp_path / "公用附件.pdf"  # in every submission of both: the store sees the same file at once
    shared.write_bytes(b"shared annex" * 1000)
    start = time.time() + 1.0
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(ws), sender, str(start), str(shared)],
            env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for sender in ("guiyuan", "gongdian")
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, (out, err)
        assert "FAILURES []" in out
        assert err.count("错误") == 0, err
        assert out.count("已登记 #") == 20

    db = sqlite3.connect(ws / "data" / "ledger.sqlite3")
    try:
        rows = db.execute("SELECT sender, count(*), count(DISTINCT instance_id) FROM submissions GROUP BY sender ORDER BY sender").fetchall()
        audit = db.execute("SELECT count(*) FROM audit WHERE action = 'submit'").fetchone()[0]
        ids = [r[0] for r in db.execute("SELECT id FROM submissions ORDER BY id")]
    finally:
        db.close()
    assert rows == [("gongdian", 20, 20), ("guiyuan", 20, 20)]
    assert audit == 40 and ids == list(range(1, 41))
    result = cli(["verify", "--workspace", ws])
    assert (result.exit_code, result.stdout) == (0, "校验通过：台账完好，41 个佐证材料文件完好。\n")
