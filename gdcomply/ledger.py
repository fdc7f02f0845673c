"""The ledger: the only module that talks to the SQLite database.

Submissions with their evidence files, withdrawals, the audit log and sent reminders.
Nothing is deleted or overwritten: a state change is an UPDATE of one state column plus an
audit row with the before and after. Writes run in BEGIN IMMEDIATE transactions (WAL mode,
busy timeout), so two processes recording at the same moment both succeed.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

from gdcomply.errors import LedgerError

APPLICATION_ID = 0x47444350  # "GDCP": marks the file as a gdcomply ledger
BUSY_TIMEOUT_MS = 30_000
_IDS_PER_QUERY = 500  # bound parameters per "id IN (…)" query, well under SQLite's limit

# Forward migrations: MIGRATIONS[n] brings schema version n to n + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE evidence (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        first_recorded_at TEXT NOT NULL
    );
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        instance_id TEXT NOT NULL,
        obligation TEXT NOT NULL,
        period TEXT NOT NULL,
        sender TEXT NOT NULL,
        receiver TEXT,
        submitted_on TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('active', 'superseded', 'withdrawn')),
        superseded_by INTEGER REFERENCES submissions(id),
        withdrawn_reason TEXT,
        fileset TEXT NOT NULL
    );
    CREATE INDEX submissions_by_instance ON submissions(instance_id, state);
    CREATE TABLE submission_files (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        position INTEGER NOT NULL,
        sha256 TEXT NOT NULL REFERENCES evidence(sha256),
        original_name TEXT NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (submission_id, position)
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        os_user TEXT NOT NULL,
        action TEXT NOT NULL,
        submission_id INTEGER REFERENCES submissions(id),
        instance_id TEXT,
        before TEXT,
        after TEXT
    );
    CREATE INDEX audit_by_instance ON audit(instance_id);
    """,
    """
    CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        instance_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        recipient TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        sent_on TEXT NOT NULL,
        UNIQUE (instance_id, stage, recipient)
    );
    CREATE INDEX reminders_by_day ON reminders(sent_on);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


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


class Ledger:
    """An open ledger database. Use ``Ledger.open(path)``; close it (or use ``with``)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, create: bool = False, tracking_since: date | None = None) -> Ledger:
        """Open (and with create=True, make) the ledger; migrate an older schema forward."""
        exists = path.exists()
        if not exists and not create:
            raise LedgerError(f"台账文件 {path} 不存在。请先运行“gdcomply init”创建工作区")
        if exists and path.is_dir():
            raise LedgerError(f"{path} 是目录，不是台账文件")
        try:
            if not exists:
                path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise LedgerError(f"无法打开台账 {path}：{exc}") from None
        ledger = cls(connection, path)
        try:
            ledger._prepare(tracking_since)
        except sqlite3.DatabaseError as exc:
            connection.close()
            if "not a database" in str(exc) or "file is encrypted" in str(exc):
                raise LedgerError(
                    f"{path} 不是 gdcomply 台账（不是 SQLite 数据库文件），未做任何修改。"
                    f"请从备份恢复该文件，或检查工作区是否选对"
                ) from None
            raise LedgerError(f"无法读取台账 {path}：{exc}") from None
        except LedgerError:
            connection.close()
            raise
        return ledger

    def _prepare(self, tracking_since: date | None) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != APPLICATION_ID and (app_id != 0 or tables != 0):
            raise LedgerError(f"{self.path} 不是 gdcomply 台账（是其他程序的 SQLite 数据库），未做任何修改")
        if version == 0 and tables == 0 and tracking_since is None:
            # An empty file where the ledger should be: nothing to migrate, and no tracking start
            # to make a new ledger with. Refuse before anything (even WAL mode) writes to it.
            raise LedgerError(
                f"{self.path} 是空文件，不是 gdcomply 台账，未做任何修改。请从备份恢复该文件；"
                f"若它确实是多余的，删除后下次登记时会重新创建台账（从当天开始跟踪）"
            )
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"台账 {self.path} 由更新版本的 gdcomply 创建（架构版本 {version}，"
                f"本程序最高支持 {SCHEMA_VERSION}）。请升级 gdcomply 后再使用，台账未做任何修改"
            )
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = FULL")
        if version < SCHEMA_VERSION:
            self._migrate(version, tracking_since)

    def _migrate(self, version: int, tracking_since: date | None) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            current = db.execute("PRAGMA user_version").fetchone()[0]
            for step in range(current, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        db.execute(statement)
            if current == 0:
                if tracking_since is None:
                    raise ValueError("a new ledger needs its tracking start date")
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                since = tracking_since.isoformat()
                db.execute("INSERT INTO meta(key, value) VALUES ('tracking_since', ?)", (since,))
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta -----------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    @property
    def tracking_since(self) -> date:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'tracking_since'").fetchone()
        return date.fromisoformat(row[0])

    # -- submissions ----------------------------------------------------------------------

    def active_submission(self, instance_id: str) -> Submission | None:
        rows = self._submission_rows("WHERE instance_id = ? AND state = 'active'", (instance_id,))
        return rows[-1] if rows else None

    def submissions(self, instance_id: str | None = None, *, include_withdrawn: bool = True) -> list[Submission]:
        clauses, params = [], []
        if instance_id is not None:
            clauses.append("instance_id = ?")
            params.append(instance_id)
        if not include_withdrawn:
            clauses.append("state != 'withdrawn'")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self._submission_rows(where, tuple(params))

    def submission_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM submissions").fetchone()[0]

    def submission(self, submission_id: int) -> Submission | None:
        rows = self._submission_rows("WHERE id = ?", (submission_id,))
        return rows[0] if rows else None

    def deciding_submissions(self, as_of: date) -> dict[str, list[Submission]]:
        """Per instance, only the submissions its status depends on as of as_of.

        Of the submissions not withdrawn and dated on or before as_of, the status needs the
        earliest date and the newest submission (see tracking.compute_statuses), so these two
        are all that is loaded: the weekly check costs the same whether an instance was
        amended once or fifty times. compute_statuses gives the same result as with every row.
        """
        first: dict[str, tuple[str, int]] = {}  # instance -> (earliest date, its id)
        newest: dict[str, int] = {}
        by_instance: dict[str, list[Submission]] = {}
        with self._snapshot():
            rows = self._db.execute(
                "SELECT id, instance_id, submitted_on FROM submissions"
                " WHERE state != 'withdrawn' AND submitted_on <= ? ORDER BY id",
                (as_of.isoformat(),),
            )
            for submission_id, instance_id, submitted_on in rows:  # ISO dates compare as text
                newest[instance_id] = submission_id  # ids ascend: the last one seen is the newest
                earliest = first.get(instance_id)
                if earliest is None or submitted_on < earliest[0]:
                    first[instance_id] = (submitted_on, submission_id)
            ids = sorted(set(newest.values()) | {submission_id for _, submission_id in first.values()})
            for start in range(0, len(ids), _IDS_PER_QUERY):
                chunk = ids[start : start + _IDS_PER_QUERY]
                for submission in self._submission_rows(f"WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk)):
                    by_instance.setdefault(submission.instance_id, []).append(submission)
        return by_instance

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Several SELECTs that see one state of the ledger, whatever other processes commit
        meanwhile (a read transaction; in WAL mode it never blocks a writer)."""
        if self._db.in_transaction:  # already inside one
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    def _submission_rows(self, where: str, params: tuple) -> list[Submission]:
        db = self._db
        rows = db.execute(
            "SELECT id, instance_id, obligation, period, sender, receiver, submitted_on, note,"
            " recorded_at, recorded_by, state, superseded_by, withdrawn_reason"
            f" FROM submissions {where} ORDER BY id",
            params,
        ).fetchall()
        if not rows:
            return []
        files: dict[int, list[EvidenceFile]] = {}
        if len(rows) == 1:
            file_rows = db.execute(
                "SELECT submission_id, original_name, sha256, size FROM submission_files"
                " WHERE submission_id = ? ORDER BY position",
                (rows[0][0],),
            )
        elif where:  # only the files of the rows selected
            file_rows = db.execute(
                "SELECT submission_id, original_name, sha256, size FROM submission_files"
                f" WHERE submission_id IN (SELECT id FROM submissions {where})"
                " ORDER BY submission_id, position",
                params,
            )
        else:
            file_rows = db.execute(
                "SELECT submission_id, original_name, sha256, size FROM submission_files"
                " ORDER BY submission_id, position"
            )
        for submission_id, name, sha, size in file_rows:
            files.setdefault(submission_id, []).append(EvidenceFile(name, sha, size))
        return [
            Submission(
                r[0], r[1], r[2], r[3], r[4], r[5], date.fromisoformat(r[6]), r[7], r[8], r[9],
                r[10], r[11], r[12], tuple(files.get(r[0], ())),
            )  # fmt: skip
            for r in rows
        ]

    def record_submissions(self, new: list[NewSubmission], *, at: datetime, os_user: str) -> list[Recorded]:
        """Record each new submission in one transaction; an identical active one is kept instead.

        Returns, per request, the recorded submission, or the kept one where nothing new was
        recorded (the same files are already the instance's active submission). Both are read
        inside the transaction, so a concurrent identical submit is reported as kept.
        """
        db = self._db
        recorded_ids: list[int | None] = []
        kept_ids: list[int | None] = []
        stamp = at.isoformat(timespec="seconds")
        db.execute("BEGIN IMMEDIATE")
        try:
            for item in new:
                current = db.execute(
                    "SELECT id, fileset FROM submissions WHERE instance_id = ? AND state = 'active'"
                    " ORDER BY id DESC LIMIT 1",
                    (item.instance_id,),
                ).fetchone()
                if current is not None and current[1] == item.fileset:
                    recorded_ids.append(None)
                    kept_ids.append(current[0])
                    continue
                for f in item.files:
                    db.execute(
                        "INSERT OR IGNORE INTO evidence(sha256, size, first_recorded_at) VALUES (?, ?, ?)",
                        (f.sha256, f.size, stamp),
                    )
                cursor = db.execute(
                    "INSERT INTO submissions(instance_id, obligation, period, sender, receiver,"
                    " submitted_on, note, recorded_at, recorded_by, state, fileset)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)",
                    (
                        item.instance_id, item.obligation, item.period, item.sender, item.receiver,
                        item.submitted_on.isoformat(), item.note, stamp, os_user, item.fileset,
                    ),  # fmt: skip
                )
                new_id = cursor.lastrowid
                for position, f in enumerate(item.files):
                    db.execute(
                        "INSERT INTO submission_files(submission_id, position, sha256, original_name, size)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (new_id, position, f.sha256, f.name, f.size),
                    )
                after = _submission_json(item, new_id)
                self._audit(stamp, os_user, "submit", new_id, item.instance_id, None, after)
                if current is not None:
                    db.execute(
                        "UPDATE submissions SET state = 'superseded', superseded_by = ? WHERE id = ?",
                        (new_id, current[0]),
                    )
                    self._audit(
                        stamp, os_user, "supersede", current[0], item.instance_id,
                        {"state": "active"}, {"state": "superseded", "superseded_by": new_id},
                    )  # fmt: skip
                recorded_ids.append(new_id)
                kept_ids.append(None)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return [
            Recorded(
                item,
                self.submission(new_id) if new_id is not None else None,
                self.submission(kept_id) if kept_id is not None else None,
            )
            for item, new_id, kept_id in zip(new, recorded_ids, kept_ids)
        ]

    def withdraw(self, submission_id: int, reason: str, *, at: datetime, os_user: str) -> Submission:
        db = self._db
        stamp = at.isoformat(timespec="seconds")
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT state, instance_id FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
            if row is None:
                raise LedgerError(f"没有编号为 {submission_id} 的报送记录（可用“gdcomply log”查看）")
            state, instance_id = row
            if state == "withdrawn":
                raise LedgerError(f"报送记录 #{submission_id} 已经撤回，未做任何修改")
            db.execute(
                "UPDATE submissions SET state = 'withdrawn', withdrawn_reason = ? WHERE id = ?",
                (reason, submission_id),
            )
            self._audit(
                stamp, os_user, "withdraw", submission_id, instance_id,
                {"state": state}, {"state": "withdrawn", "reason": reason},
            )  # fmt: skip
            if state == "active":
                # The newest submission not withdrawn becomes the instance's current one again.
                # (Not only the one this one superseded: that may have been withdrawn meanwhile,
                # and an older one then still stands.)
                previous = db.execute(
                    "SELECT id, superseded_by FROM submissions WHERE instance_id = ? AND state = 'superseded'"
                    " ORDER BY id DESC LIMIT 1",
                    (instance_id,),
                ).fetchone()
                if previous is not None:
                    db.execute(
                        "UPDATE submissions SET state = 'active', superseded_by = NULL WHERE id = ?",
                        (previous[0],),
                    )
                    self._audit(
                        stamp, os_user, "reinstate", previous[0], instance_id,
                        {"state": "superseded", "superseded_by": previous[1]}, {"state": "active"},
                    )  # fmt: skip
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        result = self.submission(submission_id)
        assert result is not None
        return result

    def _audit(
        self, at: str, os_user: str, action: str, submission_id: int | None, instance_id: str | None,
        before: dict[str, Any] | None, after: dict[str, Any] | None,
    ) -> None:  # fmt: skip
        self._db.execute(
            "INSERT INTO audit(at, os_user, action, submission_id, instance_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                at, os_user, action, submission_id, instance_id,
                json.dumps(before, ensure_ascii=False, sort_keys=True) if before is not None else None,
                json.dumps(after, ensure_ascii=False, sort_keys=True) if after is not None else None,
            ),  # fmt: skip
        )

    def audit_log(self, instance_id: str | None = None) -> list[AuditEntry]:
        where, params = ("WHERE instance_id = ?", (instance_id,)) if instance_id else ("", ())
        rows = self._db.execute(
            f"SELECT id, at, os_user, action, submission_id, instance_id, before, after FROM audit {where}"
            " ORDER BY id",
            params,
        )
        return [
            AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], _loads(r[6]), _loads(r[7])) for r in rows
        ]

    def evidence_sizes(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT sha256, size FROM evidence"))

    # -- reminders ------------------------------------------------------------------------

    def reminder_sent(self, instance_id: str, stage: str, recipient: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM reminders WHERE instance_id = ? AND stage = ? AND recipient = ?",
            (instance_id, stage, recipient),
        ).fetchone()
        return row is not None

    def record_reminders(self, reminders: list[SentReminder]) -> int:
        """Record the reminders of one accepted email in one transaction; returns how many were new."""
        db = self._db
        added = 0
        db.execute("BEGIN IMMEDIATE")
        try:
            for reminder in reminders:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO reminders(instance_id, stage, recipient, message_id, sent_at, sent_on)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        reminder.instance_id, reminder.stage, reminder.recipient, reminder.message_id,
                        reminder.sent_at, reminder.sent_on.isoformat(),
                    ),  # fmt: skip
                )
                added += cursor.rowcount
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return added

    def record_reminder(self, reminder: SentReminder) -> bool:
        """Record one reminder the server accepted; False if it was already recorded."""
        return self.record_reminders([reminder]) == 1

    def reminders(self, instance_id: str | None = None) -> list[SentReminder]:
        where, params = ("WHERE instance_id = ?", (instance_id,)) if instance_id else ("", ())
        rows = self._db.execute(
            f"SELECT instance_id, stage, recipient, message_id, sent_at, sent_on FROM reminders {where}"
            " ORDER BY id",
            params,
        )
        return [SentReminder(r[0], r[1], r[2], r[3], r[4], date.fromisoformat(r[5])) for r in rows]

    # -- export ---------------------------------------------------------------------------

    def export_tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every table as rows of plain values, for backups and other tools."""
        result: dict[str, list[dict[str, Any]]] = {}
        with self._snapshot():  # a backup whose files and audit rows match its submissions
            for name, query in _EXPORT_QUERIES.items():
                cursor = self._db.execute(query)
                columns = [c[0] for c in cursor.description]
                result[name] = [dict(zip(columns, row)) for row in cursor]
        return result

    def export_columns(self) -> dict[str, list[str]]:
        """The column names of each exported table (a CSV of an empty table still has its header)."""
        return {
            name: [c[0] for c in self._db.execute(f"{query} LIMIT 0").description]
            for name, query in _EXPORT_QUERIES.items()
        }

    def iter_instance_ids(self) -> Iterator[str]:
        for (instance_id,) in self._db.execute("SELECT DISTINCT instance_id FROM submissions"):
            yield instance_id


_EXPORT_QUERIES = {
    "submissions": "SELECT * FROM submissions ORDER BY id",
    "files": "SELECT * FROM submission_files ORDER BY submission_id, position",
    "evidence": "SELECT * FROM evidence ORDER BY sha256",
    "audit": "SELECT * FROM audit ORDER BY id",
    "reminders": "SELECT * FROM reminders ORDER BY id",
}


def _submission_json(item: NewSubmission, new_id: int) -> dict[str, Any]:
    return {
        "id": new_id,
        "instance_id": item.instance_id,
        "submitted_on": item.submitted_on.isoformat(),
        "note": item.note,
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in item.files],
        "state": "active",
    }


def _loads(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None
