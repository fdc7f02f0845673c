"""What every ledger store offers, SQLite and PostgreSQL alike, and opening the one a command uses.

Two stores keep the same records (gdcomply.ledger.model) behind the same methods: the SQLite
file of a workspace (``sqlite.Ledger``, the embedded default) and a shared PostgreSQL
database (``postgres.Ledger``). Each comes with its evidence: the folder ``data/evidence``
of the workspace (``evidence.EvidenceStore``), or the database itself
(``postgres.DatabaseEvidence``). Callers (recording, backup, the packs, the CLI) are written
against the two protocols below and never ask which store they have.

The PostgreSQL driver is imported only when a PostgreSQL ledger is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Collection, Mapping, Protocol

from gdcomply.complaints.model import Complaint, ImportResult
from gdcomply.ledger.evidence import EvidenceProblem, EvidenceStore, StoredFile
from gdcomply.ledger.location import LedgerLocation
from gdcomply.ledger.model import AuditEntry, NewSubmission, Recorded, SentReminder, Submission


class Evidence(Protocol):
    """Where a ledger's evidence files are kept, by SHA-256."""

    @property
    def shown(self) -> str: ...

    def put(self, source: Path, max_bytes: int) -> tuple[StoredFile, bool]:
        """Make source's content ready for the record that names it: the folder store copies
        it in (complete on disk before any row names it); the database store only hashes it
        (its content goes in with the row, in the ledger's transaction)."""
        ...

    def verify(self, expected: dict[str, int]) -> list[EvidenceProblem]: ...

    def stored_hashes(self) -> set[str]: ...

    def stray_incoming(self) -> list[Path]: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def local_file(self, sha256: str) -> Path | None: ...

    def close(self) -> None: ...


class Ledger(Protocol):
    """The public API both stores implement (tests/test_ledger.py runs it on both)."""

    @property
    def shown(self) -> str: ...

    is_shared: bool

    @property
    def schema_version(self) -> int: ...

    @property
    def tracking_since(self) -> date: ...

    def close(self) -> None: ...

    def __enter__(self) -> Ledger: ...

    def __exit__(self, *exc: object) -> None: ...

    def active_submission(self, instance_id: str) -> Submission | None: ...

    def submissions(self, instance_id: str | None = None, *, include_withdrawn: bool = True) -> list[Submission]: ...

    def submission_count(self) -> int: ...

    def submission(self, submission_id: int) -> Submission | None: ...

    def deciding_submissions(self, as_of: date) -> dict[str, list[Submission]]: ...

    def check_writable(self, senders: Collection[str] = (), party_names: Mapping[str, str] | None = None) -> None:
        """Refuse, before any file is read, a record this user could not make (for senders)."""
        ...

    def record_submissions(
        self, new: list[NewSubmission], *, at: datetime, os_user: str, correct_date: bool = False,
        sources: Mapping[str, Path] | None = None,
    ) -> list[Recorded]: ...  # fmt: skip

    def withdraw(
        self, submission_id: int, reason: str, *, at: datetime, os_user: str, party_names: Mapping[str, str] | None = None
    ) -> Submission: ...

    def audit_log(self, instance_id: str | None = None) -> list[AuditEntry]: ...

    def backup_to(self, target: Path) -> None: ...

    def problems(self) -> list[str]: ...

    def evidence_sizes(self) -> dict[str, int]: ...

    def reminder_sent(self, instance_id: str, stage: str, recipient: str) -> bool: ...

    def check_may_record_reminders(self, party_names: Mapping[str, str] | None = None) -> None:
        """Refuse, before any mail is sent, a run that could not record the reminders it sends."""
        ...

    def record_reminders(self, reminders: list[SentReminder]) -> int: ...

    def record_reminder(self, reminder: SentReminder) -> bool: ...

    def reminders(self, instance_id: str | None = None) -> list[SentReminder]: ...

    def complaints(
        self, unit: str | None = None, *, since: date | None = None, open_on: date | None = None
    ) -> list[Complaint]: ...

    def record_complaints(
        self, items: list[Complaint], *, at: datetime, os_user: str, party_names: Mapping[str, str] | None = None
    ) -> ImportResult: ...

    def export_tables(self) -> dict[str, list[dict[str, Any]]]: ...

    def export_columns(self) -> dict[str, list[str]]: ...


@dataclass
class Opened:
    """A ledger a command opened, with its evidence; ``with`` closes both."""

    ledger: Ledger
    evidence: Evidence
    created: bool = False  # an SQLite ledger made by this opening (the first command of a workspace)

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.evidence.close()
        finally:
            self.ledger.close()


def open_store(location: LedgerLocation, *, create_since: date | None = None) -> Opened:
    """The ledger at location with its evidence.

    SQLite: the workspace's file, created with create_since only where there never was one
    (sqlite.open_workspace_ledger). PostgreSQL: a connection to a database whose schema
    ``gdcomply ledger migrate`` made; never created or migrated here.
    """
    if location.is_shared:
        from gdcomply.ledger import postgres

        assert location.url is not None
        shared = postgres.Ledger.connect(location.url)
        return Opened(shared, shared.evidence)
    from gdcomply.ledger import sqlite

    assert location.path is not None
    evidence_dir = location.path.parent / "evidence"
    ledger, created = sqlite.open_workspace_ledger(
        location.path, create_since=create_since, subdirs=(evidence_dir.name,)
    )
    return Opened(ledger, EvidenceStore(evidence_dir), created)
