"""The ledger's records, free of any database: what a store returns and what it is asked to record.

A submission is in one of STATES: ``active`` (the instance's current one), ``superseded``
(a newer submission of the same instance replaced it) or ``withdrawn`` (taken back, with a
reason); nothing is ever deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from gdcomply.complaints.model import RECORD_FIELDS, Complaint, changed_fields, records

STATES = frozenset({"active", "superseded", "withdrawn"})


@dataclass(frozen=True)
class EvidenceFile:
    """One file of a submission: its original name, SHA-256 and size in bytes."""

    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Submission:
    """One recorded submission of an instance, with its files and its current state."""

    id: int
    instance_id: str
    obligation: str
    period: str
    sender: str
    receiver: str | None
    submitted_on: date
    note: str
    recorded_at: str
    recorded_by: str
    state: str  # active | superseded | withdrawn
    superseded_by: int | None
    withdrawn_reason: str | None
    files: tuple[EvidenceFile, ...]


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log: who changed what, when, with the state before and after."""

    id: int
    at: str
    os_user: str
    action: str
    submission_id: int | None
    instance_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    client: str | None = None  # the client's address (a shared ledger's database writes it); None on SQLite


@dataclass(frozen=True)
class SentReminder:
    """A reminder the mail server accepted (so that it is never sent twice)."""

    instance_id: str
    stage: str
    recipient: str
    message_id: str
    sent_at: str
    sent_on: date


@dataclass(frozen=True)
class Recorded:
    """What record_submissions did with one request."""

    request: NewSubmission
    recorded: Submission | None  # None: nothing new recorded
    existing: Submission | None  # then: the identical active submission that was kept
    replaced: int | None = None  # the active submission the new one superseded or corrected


@dataclass(frozen=True)
class NewSubmission:
    """What a submit command wants recorded for one instance."""

    instance_id: str
    obligation: str
    period: str
    sender: str
    receiver: str | None
    submitted_on: date
    note: str
    files: tuple[EvidenceFile, ...]

    @property
    def fileset(self) -> str:
        return ",".join(sorted(f.sha256 for f in self.files))


# The rules of recording and the audit rows they write, the same on every store (a ledger
# copied from one to the other must export the same audit log).

Change = tuple[dict[str, Any], dict[str, Any]]  # an audit row's before and after


def is_repeat(item: NewSubmission, current_fileset: str, current_on: str, correct_date: bool) -> bool:
    """Whether the instance's active submission (its fileset and ISO date) already is this
    request: then nothing new is recorded (with correct_date, the date must be the same too)."""
    return current_fileset == item.fileset and (not correct_date or current_on == item.submitted_on.isoformat())


def correction(current_on: str, item: NewSubmission, new_id: int) -> tuple[str, Change]:
    """The reason and audit change of an active submission withdrawn because new_id corrects its date."""
    new_on = item.submitted_on.isoformat()
    reason = f"报送日期更正：{current_on} → {new_on}（见 #{new_id}）"
    after = {"state": "withdrawn", "reason": reason, "corrected_by": new_id, "submitted_on": new_on}
    return reason, ({"state": "active", "submitted_on": current_on}, after)


def supersession(new_id: int) -> Change:
    return {"state": "active"}, {"state": "superseded", "superseded_by": new_id}


def withdrawal(state: str, reason: str) -> Change:
    return {"state": state}, {"state": "withdrawn", "reason": reason}


def reinstatement(superseded_by: int | None) -> Change:
    return {"state": "superseded", "superseded_by": superseded_by}, {"state": "active"}


def submit_audit(item: NewSubmission, new_id: int) -> dict[str, Any]:
    """The audit row's "after" of a recorded submission (the same on every store)."""
    return {
        "id": new_id,
        "instance_id": item.instance_id,
        "submitted_on": item.submitted_on.isoformat(),
        "note": item.note,
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in item.files],
        "state": "active",
    }


# The tables of an export (``export --format json/csv``, backups, ``ledger copy``) and their
# columns, in this order, on every store: the contract other tools read. Values are plain:
# dates as YYYY-MM-DD, times as ISO 8601 with their offset (to the second), the audit's before
# and after as JSON text. Who recorded a row is ``recorded_by`` / ``os_user``: the OS user on
# SQLite, the database user on PostgreSQL; ``client_addr`` is the address the database saw the
# change come from (PostgreSQL's audit; empty on SQLite).
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "submissions": (
        "id", "instance_id", "obligation", "period", "sender", "receiver", "submitted_on", "note",
        "recorded_at", "recorded_by", "state", "superseded_by", "withdrawn_reason", "fileset",
    ),
    "files": ("submission_id", "position", "sha256", "original_name", "size"),
    "evidence": ("sha256", "size", "first_recorded_at"),
    "audit": ("id", "at", "os_user", "action", "submission_id", "instance_id", "before", "after", "client_addr"),
    "reminders": ("id", "instance_id", "stage", "recipient", "message_id", "sent_at", "sent_on"),
    "complaints": ("id", *RECORD_FIELDS, "recorded_at", "recorded_by", "updated_at"),
    "complaint_audit": ("id", "at", "os_user", "action", "complaint_id", "before", "after"),
}  # fmt: skip


# -- complaints (gdcomply.complaints): one row per (source, ticket), updated by later exports --

StoredRecord = tuple[int, tuple[Any, ...]]  # a stored complaint's id and its record values


@dataclass(frozen=True)
class ComplaintPlan:
    """What recording an export's complaints will do, the same on every store."""

    new: list[tuple[Any, ...]]  # records to insert
    updates: list[tuple[int, tuple[Any, ...], tuple[Any, ...]]]  # (id, before, after)
    unchanged: int


def plan_complaints(items: Iterable[Complaint], existing: dict[tuple[str, str], StoredRecord]) -> ComplaintPlan:
    """New records, changed ones and the count of those already recorded exactly so (an
    export imported again changes nothing: no row and no audit row)."""
    if not existing:  # a first import: every record new
        return ComplaintPlan(records(items), [], 0)
    new: list[tuple[Any, ...]] = []
    updates: list[tuple[int, tuple[Any, ...], tuple[Any, ...]]] = []
    unchanged = 0
    for record in records(items):
        stored = existing.get(record[:2])
        if stored is None:
            new.append(record)
        elif stored[1] == record:
            unchanged += 1
        else:
            updates.append((stored[0], stored[1], record))
    return ComplaintPlan(new, updates, unchanged)


def complaint_filter(
    unit: str | None, since: date | None, open_on: date | None, mark: str, *, iso: bool
) -> tuple[str, tuple]:
    """The WHERE clause (with the store's parameter mark) and parameters of Ledger.complaints;
    iso: the store keeps dates as ISO text (SQLite), else as dates."""
    conditions: list[str] = []
    params: list[Any] = []
    if unit is not None:
        conditions.append(f"unit = {mark}")
        params.append(unit)
    if since is not None and open_on is not None:
        conditions.append(f"(received >= {mark} OR replied IS NULL OR replied > {mark})")
        params += [since.isoformat(), open_on.isoformat()] if iso else [since, open_on]
    elif since is not None:
        conditions.append(f"received >= {mark}")
        params.append(since.isoformat() if iso else since)
    return ("WHERE " + " AND ".join(conditions) if conditions else ""), tuple(params)


def complaint_changed(before: tuple[Any, ...], after: tuple[Any, ...]) -> Change:
    """The audit change of an updated complaint: the fields that differ, before and after."""
    return changed_fields(before, after)
