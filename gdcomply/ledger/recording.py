"""Recording submissions: evidence first, then the ledger row that names it; verify and export.

On SQLite the evidence goes first, atomically, on disk: a ledger row is only ever committed
after every file it names is complete under its final name, so a kill at any moment never
leaves a row without its file (at worst an unreferenced file, which ``verify`` lists and
ignores). On PostgreSQL the files are hashed first and their content goes into the database
in the transaction of the row that names them: all or nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from gdcomply.calendar import Instance
from gdcomply.errors import UsageError, os_reason
from gdcomply.ledger.evidence import DEFAULT_MAX_MB, EvidenceProblem, check_readable
from gdcomply.ledger.model import EvidenceFile, NewSubmission, Submission
from gdcomply.ledger.store import Evidence, Ledger
from gdcomply.safefiles import atomic_output, check_not_protected, check_target
from gdcomply.setup import Setup
from gdcomply.tracking import find_instances


@dataclass(frozen=True)
class SubmitOutcome:
    instance: Instance
    recorded: Submission | None  # None: identical to the active submission, nothing recorded
    existing: Submission | None  # the active submission that made it a repeat
    replaced: int | None = None  # the active submission this one superseded or corrected


def submit(
    setup: Setup,
    ledger: Ledger,
    store: Evidence,
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
    max_bytes: int = DEFAULT_MAX_MB << 20,
    correct_date: bool = False,
) -> list[SubmitOutcome]:
    """Record that sender submitted this instance (or each of its receivers with "all").

    With correct_date, the instance's active submission was recorded with a wrong date: it is
    withdrawn (audited) and this one, with the same or other files, takes its place.
    """
    if not files:
        raise UsageError("至少需要一个佐证材料文件（报送的文件、回执截图或通知）")
    if submitted_on > as_of:
        raise UsageError(f"报送日期 {submitted_on.isoformat()} 晚于今天（{as_of.isoformat()}），不能预先登记")
    instances = find_instances(setup.calendar, setup.workdays, obligation, period, sender, receiver)
    for instance in instances:
        if submitted_on < instance.opens:
            raise UsageError(
                f"报送日期 {submitted_on.isoformat()} 早于“{instance.title} {instance.period}”最早可以报送的日期 "
                f"{instance.opens.isoformat()}（该期次在此之前还不能报送），未做任何记录。请检查 --on 和 --period"
            )
    check_readable(files, max_bytes)
    ledger.check_writable({i.sender for i in instances}, setup.calendar.party_names())
    # A file stored here is never removed again, even when a later file or the ledger write
    # fails: another process may have stored the same content meanwhile (put finds it there)
    # and committed a row that names it. An unused file is harmless; verify lists it.
    stored: list[EvidenceFile] = []
    sources: dict[str, Path] = {}
    for path in files:
        stored_file, _ = store.put(path, max_bytes)
        stored.append(EvidenceFile(path.name, stored_file.sha256, stored_file.size))
        sources.setdefault(stored_file.sha256, path)
    requests = [
        NewSubmission(i.id, i.obligation, i.period, i.sender, i.receiver, submitted_on, note, tuple(stored))
        for i in instances
    ]
    results = ledger.record_submissions(
        requests, at=at, os_user=os_user, correct_date=correct_date, sources=sources
    )
    return [SubmitOutcome(instance, r.recorded, r.existing, r.replaced) for instance, r in zip(instances, results)]


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    problems: tuple[EvidenceProblem, ...]
    unreferenced: tuple[str, ...]
    ledger_problems: tuple[str, ...]  # rows or values in the ledger file that are damaged
    stray: tuple[Path, ...]  # temporary files of copies killed before they ended

    @property
    def ok(self) -> bool:
        return not self.problems and not self.ledger_problems


def verify(ledger: Ledger, store: Evidence) -> VerifyReport:
    ledger_problems = tuple(ledger.problems())
    expected = ledger.evidence_sizes()
    problems = store.verify(expected)
    unreferenced = tuple(sorted(store.stored_hashes() - set(expected)))
    return VerifyReport(len(expected), tuple(problems), unreferenced, ledger_problems, tuple(store.stray_incoming()))


def export_json(ledger: Ledger) -> dict:
    return {"schema_version": ledger.schema_version, "tracking_since": ledger.tracking_since.isoformat(),
            **ledger.export_tables()}  # fmt: skip


def export_json_file(ledger: Ledger, out: Path, *, force: bool, protected: list[tuple[Path, str]]) -> None:
    """The JSON export written to out: checked first, written whole or not at all."""
    import json

    check_target(out, force=force, protected=protected)
    payload = export_json(ledger)
    with atomic_output(out, "w") as handle:
        handle.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def export_csv(ledger: Ledger, out_dir: Path, *, force: bool = False, protected: list[tuple[Path, str]] = ()) -> list[Path]:
    """One CSV (UTF-8 with BOM, so Excel opens it) per table, each written whole or not at all."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} 已存在且不是目录")
    if not out_dir.parent.is_dir():
        raise UsageError(f"--out {out_dir} 所在的目录 {out_dir.parent} 不存在，请先创建该目录")
    tables = ledger.export_tables()
    all_columns = ledger.export_columns()
    targets = [out_dir / f"{name}.csv" for name in tables]
    check_not_protected(out_dir, protected)
    for target in targets:  # all refusals before anything is written
        if out_dir.is_dir():
            check_target(target, force=force, protected=protected)
    rendered: dict[Path, str] = {}
    for target, (name, rows) in zip(targets, tables.items()):
        buffer = io.StringIO()
        columns = all_columns[name]
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_safe(row[c]) for c in columns])
        rendered[target] = buffer.getvalue()
    try:
        out_dir.mkdir(exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建目录 {out_dir}：{os_reason(exc)}") from None
    for path, text in rendered.items():
        with atomic_output(path, "w") as handle:
            handle.write("\ufeff" + text)  # the BOM tells Excel the file is UTF-8
    return list(rendered)


def _csv_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
