"""Recording submissions: evidence first (atomically, on disk), then the ledger row that names it.

The order is what makes a kill at any moment safe: a ledger row is only ever committed after
every file it names is complete under its final name, so ``verify`` never finds a row without
its file (at worst an unreferenced file is left, which ``verify`` lists and ignores).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from gdcomply.calendar import Instance
from gdcomply.errors import UsageError
from gdcomply.evidence import EvidenceProblem, EvidenceStore, check_readable
from gdcomply.ledger import EvidenceFile, Ledger, NewSubmission, Submission
from gdcomply.setup import Setup
from gdcomply.tracking import find_instances


@dataclass(frozen=True)
class SubmitOutcome:
    instance: Instance
    recorded: Submission | None  # None: identical to the active submission, nothing recorded
    existing: Submission | None  # the active submission that made it a repeat


def submit(
    setup: Setup,
    ledger: Ledger,
    store: EvidenceStore,
    *,
    obligation: str,
    period: str,
    sender: str,
    receiver: str | None,
    files: list[Path],
    submitted_on: date,
    note: str,
    as_of: date,
    at: datetime,
    os_user: str,
) -> list[SubmitOutcome]:
    """Record that sender submitted this instance (or each of its receivers with "all")."""
    if not files:
        raise UsageError("至少需要一个佐证材料文件（报送的文件、回执截图或通知）")
    if submitted_on > as_of:
        raise UsageError(f"报送日期 {submitted_on.isoformat()} 晚于今天（{as_of.isoformat()}），不能预先登记")
    instances = find_instances(setup.calendar, setup.workdays, obligation, period, sender, receiver)
    check_readable(files)
    # A file stored here is never removed again, even when a later file or the ledger write
    # fails: another process may have stored the same content meanwhile (put finds it there)
    # and committed a row that names it. An unused file is harmless; verify lists it.
    stored: list[EvidenceFile] = []
    for path in files:
        stored_file, _ = store.put(path)
        stored.append(EvidenceFile(path.name, stored_file.sha256, stored_file.size))
    requests = [
        NewSubmission(i.id, i.obligation, i.period, i.sender, i.receiver, submitted_on, note, tuple(stored))
        for i in instances
    ]
    results = ledger.record_submissions(requests, at=at, os_user=os_user)
    return [SubmitOutcome(instance, r.recorded, r.existing) for instance, r in zip(instances, results)]


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    problems: tuple[EvidenceProblem, ...]
    unreferenced: tuple[str, ...]


def verify(ledger: Ledger, store: EvidenceStore) -> VerifyReport:
    expected = ledger.evidence_sizes()
    problems = store.verify(expected)
    unreferenced = tuple(sorted(store.stored_hashes() - set(expected)))
    return VerifyReport(len(expected), tuple(problems), unreferenced)


def export_json(ledger: Ledger) -> dict:
    return {"schema_version": ledger.schema_version, "tracking_since": ledger.tracking_since.isoformat(),
            **ledger.export_tables()}  # fmt: skip


def export_csv(ledger: Ledger, out_dir: Path) -> list[Path]:
    """One CSV (UTF-8 with BOM, so Excel opens it) per table; written whole or not at all."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} 已存在且不是目录")
    tables = ledger.export_tables()
    all_columns = ledger.export_columns()
    rendered: dict[Path, str] = {}
    for name, rows in tables.items():
        buffer = io.StringIO()
        columns = all_columns[name]
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_safe(row[c]) for c in columns])
        rendered[out_dir / f"{name}.csv"] = buffer.getvalue()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, text in rendered.items():
        tmp = path.with_suffix(".csv.tmp")
        tmp.write_text(text, encoding="utf-8-sig", newline="")
        tmp.replace(path)
        written.append(path)
    return written


def _csv_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
