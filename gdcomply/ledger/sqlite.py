"""The ledger's SQLite store: the only module that talks to the database.

Submissions with their evidence files, withdrawals, the audit log and sent reminders, kept
as the records of gdcomply.ledger.model. Nothing is deleted or overwritten: a state change
is an UPDATE of one state column plus an audit row with the before and after. Writes run in
BEGIN IMMEDIATE transactions (WAL mode, busy timeout), so two processes recording at the
same moment both succeed.

One module of some 1000 lines on purpose: it is every SQL statement of the ledger (schema and
migrations, the transactions, the reads that validate what they turn into values, the
check of the whole file), and keeping them together keeps one transaction discipline and
one translation of SQLite's errors.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
from contextlib import contextmanager
from datetime import date, datetime
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any, Callable, Collection, Iterator, Mapping, TypeVar

from gdcomply.errors import LedgerError, LedgerMissingError, os_reason
from gdcomply.complaints.model import RECORD_FIELDS, Complaint, ImportResult, from_record
from gdcomply.ledger.model import (
    EXPORT_COLUMNS, STATES, AuditEntry, EvidenceFile, NewSubmission, Recorded, SentReminder, Submission,
    complaint_changed, complaint_filter, correction, is_repeat, plan_complaints, reinstatement, submit_audit,
    supersession, withdrawal,
)  # fmt: skip
from gdcomply.safefiles import fsync_dir, hidden_dir

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
    # 3: the audit says where a change came from (filled by a shared ledger's database; on
    # SQLite it stays empty); the rights of that step are PostgreSQL's alone (pg_schema)
    """
    ALTER TABLE audit ADD COLUMN client_addr TEXT;
    """,
    # 4: complaints (gdcomply.complaints): one row per (source, ticket); unit is the responsible
    # party or department (on the shared ledger, the key of a unit's row-level security).
    # No CHECK of source, category or substantiated here (PostgreSQL has them): they doubled
    # the cost of writing 100,000 rows; every read validates them (from_record, problems()).
    """
    CREATE TABLE complaints (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        ticket TEXT NOT NULL,
        received TEXT NOT NULL,
        unit TEXT NOT NULL,
        category TEXT NOT NULL,
        customer TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        replied TEXT,
        closed TEXT,
        substantiated TEXT,
        measures TEXT NOT NULL DEFAULT '',
        application_id TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (source, ticket)
    );
    CREATE TABLE complaint_audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        os_user TEXT NOT NULL,
        action TEXT NOT NULL,
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        before TEXT,
        after TEXT
    );
    CREATE INDEX complaint_audit_by_complaint ON complaint_audit(complaint_id);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
# The tables each schema version has: a ledger missing one is damaged, not merely old.
TABLES = {1: frozenset({"meta", "evidence", "submissions", "submission_files", "audit"})}
TABLES[2] = TABLES[1] | {"reminders"}
TABLES[3] = TABLES[2]
TABLES[4] = TABLES[3] | {"complaints", "complaint_audit"}
RESTORE_HINT = "请从备份恢复（gdcomply restore 备份.zip 新目录，见 README“每月”一节）"

_T = TypeVar("_T")


def _sqlite_errors(doing: str) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
    """Turn an sqlite3 error inside a Ledger method into one Chinese line (what, and what to do)."""

    def wrap(method: Callable[..., _T]) -> Callable[..., _T]:
        @functools.wraps(method)
        def run(self: Ledger, *args: Any, **kwargs: Any) -> _T:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise sqlite_error(exc, self.path, doing) from None

        return run

    return wrap


def sqlite_error(exc: sqlite3.Error, path: Path, doing: str) -> LedgerError:
    """A LedgerError saying why SQLite could not do it, in words a person can act on."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return LedgerError(f"磁盘空间已满，无法{doing}；台账 {path} 未做修改。请清理磁盘空间后重试")
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN")) or "readonly" in text:
        return LedgerError(
            f"无法{doing}：台账 {path} 或其所在目录不可写（只读文件、只读磁盘或权限不足），台账未做修改。"
            f"请检查该文件和目录 {path.parent} 的所有者、权限和属性（ls -l、lsattr），"
            f"SQLite 还需要在同一目录中创建 -wal 和 -shm 文件"
        )
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        free = _free_bytes(path.parent)
        if free is not None and free < 1 << 20:
            return LedgerError(f"磁盘空间已满，无法{doing}；台账 {path} 未做修改。请清理磁盘空间后重试")
        return LedgerError(
            f"无法{doing}：读写台账 {path} 时发生磁盘错误（可能是目录不可写或磁盘故障），台账未做修改。"
            f"请检查目录 {path.parent} 的权限和磁盘状态"
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return LedgerError(f"台账 {path} 已损坏（{text}），无法{doing}。{RESTORE_HINT}")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return LedgerError(f"台账 {path} 正被其他程序长时间占用，无法{doing}。请稍后重试")
    if isinstance(exc, sqlite3.OperationalError) and "no such" in text:
        return LedgerError(f"台账 {path} 已损坏或被改动（{text}），无法{doing}。{RESTORE_HINT}")
    return LedgerError(f"无法{doing}：台账 {path} 出错（{text}）")


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


class Ledger:
    """An open ledger database. Use ``Ledger.open(path)``; close it (or use ``with``)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, create: bool = False, tracking_since: date | None = None) -> Ledger:
        """Open (and with create=True, make) the ledger; migrate an older schema forward.

        A new ledger is built under a temporary name and linked into place, so no other
        process ever opens a half-made one; if another made it first, that one is opened.
        """
        if path.is_dir():
            raise LedgerError(f"{path} 是目录，不是台账文件")
        if not path.exists():
            if not create:
                raise LedgerError(f"台账文件 {path} 不存在。请先运行“gdcomply init”创建工作区")
            if tracking_since is None:
                raise ValueError("a new ledger needs its tracking start date")
            _create_file(cls, path, tracking_since)
        try:
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise sqlite_error(exc, path, "打开台账") from None
        ledger = cls(connection, path)
        try:
            ledger._prepare(None)
        except sqlite3.DatabaseError as exc:
            connection.close()
            if "not a database" in str(exc) or "file is encrypted" in str(exc):
                raise LedgerError(
                    f"{path} 不是 gdcomply 台账（不是 SQLite 数据库文件），未做任何修改。"
                    f"请从备份恢复该文件，或检查工作区是否选对"
                ) from None
            raise sqlite_error(exc, path, "读取台账") from None
        except LedgerError:
            connection.close()
            raise
        return ledger

    def _prepare(self, tracking_since: date | None) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app_id != APPLICATION_ID and (app_id != 0 or tables):
            raise LedgerError(f"{self.path} 不是 gdcomply 台账（是其他程序的 SQLite 数据库），未做任何修改")
        if version == 0 and not tables and tracking_since is None:
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
        missing = sorted(TABLES.get(version, frozenset()) - tables)
        if missing:
            raise LedgerError(
                f"台账 {self.path} 已损坏：缺少数据表 {'、'.join(missing)}，未做任何修改。{RESTORE_HINT}"
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
            if db.in_transaction:  # SQLite may have rolled back already (a full disk, say)
                db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    @property
    def shown(self) -> str:
        """The ledger as messages name it: its file."""
        return str(self.path)

    is_shared = False  # one workspace's file

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
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'tracking_since'").fetchone()
        except sqlite3.Error as exc:
            raise sqlite_error(exc, self.path, "读取台账") from None
        if row is None:
            raise LedgerError(f"台账 {self.path} 已损坏：缺少跟踪起始日（meta.tracking_since）。{RESTORE_HINT}")
        day = _iso_date(row[0])
        if day is None:
            raise LedgerError(
                f"台账 {self.path} 已损坏：跟踪起始日（meta.tracking_since）的值“{row[0]}”不是有效日期。{RESTORE_HINT}"
            )
        return day

    # -- submissions ----------------------------------------------------------------------

    @_sqlite_errors("读取台账")
    def active_submission(self, instance_id: str) -> Submission | None:
        rows = self._submission_rows("WHERE instance_id = ? AND state = 'active'", (instance_id,))
        return rows[-1] if rows else None

    @_sqlite_errors("读取台账")
    def submissions(self, instance_id: str | None = None, *, include_withdrawn: bool = True) -> list[Submission]:
        clauses, params = [], []
        if instance_id is not None:
            clauses.append("instance_id = ?")
            params.append(instance_id)
        if not include_withdrawn:
            clauses.append("state != 'withdrawn'")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self._submission_rows(where, tuple(params))

    @_sqlite_errors("读取台账")
    def submission_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM submissions").fetchone()[0]

    @_sqlite_errors("读取台账")
    def submission(self, submission_id: int) -> Submission | None:
        rows = self._submission_rows("WHERE id = ?", (submission_id,))
        return rows[0] if rows else None

    @_sqlite_errors("读取台账")
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
            self._refuse_bad_dates()
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

    def _refuse_bad_dates(self) -> None:
        """A submission whose date is not a real ISO date would drop out of every date filter
        silently (and an instance would look overdue): refuse, naming the rows."""
        bad = self._db.execute(
            "SELECT id, submitted_on FROM submissions"
            " WHERE submitted_on IS NULL OR date(submitted_on) IS NOT submitted_on ORDER BY id LIMIT 5"
        ).fetchall()
        if bad:
            raise self._bad_row(bad[0][0], "submitted_on", bad[0][1], more=len(bad) - 1)

    def _bad_row(self, row_id: int, column: str, value: object, *, table: str = "submissions", more: int = 0) -> LedgerError:
        what = {"submissions": "报送记录", "reminders": "提醒记录", "complaints": "投诉记录"}[table]
        extra = "（另有其他记录也有问题）" if more else ""
        return LedgerError(
            f"台账 {self.path} 中的{what} #{row_id} 已损坏：{column} 的值“{value}”无效{extra}。"
            f"运行“gdcomply verify”列出全部问题；{RESTORE_HINT}，或撤回该记录后重新登记"
        )

    @contextmanager
    def held_still(self) -> Iterator[None]:
        """No other process can write the ledger until the block ends (readers go on): for
        moving the whole of it elsewhere, so that nothing recorded meanwhile is left behind.
        Reads inside see one state; nothing is written."""
        self._begin_immediate()
        try:
            yield
        finally:
            self._db.execute("ROLLBACK")

    @_sqlite_errors("锁定台账")
    def _begin_immediate(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

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
        return [self._submission_of(r, tuple(files.get(r[0], ()))) for r in rows]

    def _submission_of(self, r: tuple, files: tuple[EvidenceFile, ...]) -> Submission:
        """A Submission from its row, or a LedgerError naming the row and the bad value."""
        submitted_on = _iso_date(r[6])
        if submitted_on is None:
            raise self._bad_row(r[0], "submitted_on", r[6])
        if r[10] not in STATES:
            raise self._bad_row(r[0], "state", r[10])
        for column, value in (("instance_id", r[1]), ("sender", r[4]), ("recorded_at", r[8])):
            if not isinstance(value, str) or not value:
                raise self._bad_row(r[0], column, value)
        return Submission(
            r[0], r[1], r[2], r[3], r[4], r[5], submitted_on, r[7], r[8], r[9], r[10], r[11], r[12], files
        )

    @_sqlite_errors("登记报送")
    def check_writable(self, senders: Collection[str] = (), party_names: Mapping[str, str] | None = None) -> None:
        """Take and release the write lock: a ledger that cannot be written fails here, before
        anything (an evidence file) is stored for a record that could not be made. (Whoever can
        write the file may record for every party: rights are a shared ledger's.)"""
        self._db.execute("BEGIN IMMEDIATE")
        try:  # a read-only connection takes the lock but refuses the first write
            self._db.execute("UPDATE meta SET value = value WHERE key = 'tracking_since'")
        finally:
            self._db.execute("ROLLBACK")

    def check_may_record_reminders(self, party_names: Mapping[str, str] | None = None) -> None:
        """As check_writable: a ledger file that cannot be written fails before any mail is sent."""
        self.check_writable()

    @_sqlite_errors("登记报送")
    def record_submissions(
        self, new: list[NewSubmission], *, at: datetime, os_user: str, correct_date: bool = False,
        sources: Mapping[str, Path] | None = None,
    ) -> list[Recorded]:  # fmt: skip
        """Record each new submission in one transaction; an identical active one is kept instead.

        (sources, the files by SHA-256, are for a store that keeps evidence in its database;
        here the evidence store has them already, complete on disk before this transaction.)

        Returns, per request, the recorded submission, or the kept one where nothing new was
        recorded (the same files are already the instance's active submission). Both are read
        inside the transaction, so a concurrent identical submit is reported as kept.

        With correct_date, the request corrects the active submission's date: that one is
        withdrawn (with the correction as its reason and an audit row) rather than superseded,
        because the earliest submission not withdrawn is what decides "on time".
        """
        db = self._db
        recorded_ids: list[int | None] = []
        kept_ids: list[int | None] = []
        replaced_ids: list[int | None] = []
        stamp = at.isoformat(timespec="seconds")
        db.execute("BEGIN IMMEDIATE")
        try:
            for item in new:
                current = db.execute(
                    "SELECT id, fileset, submitted_on FROM submissions WHERE instance_id = ? AND state = 'active'"
                    " ORDER BY id DESC LIMIT 1",
                    (item.instance_id,),
                ).fetchone()
                if correct_date and current is None:
                    raise LedgerError(f"{item.instance_id} 没有有效的报送记录，无需更正日期；请去掉 --correct-date 后登记")
                if current is not None and is_repeat(item, current[1], current[2], correct_date):
                    recorded_ids.append(None)
                    kept_ids.append(current[0])
                    replaced_ids.append(None)
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
                after = submit_audit(item, new_id)
                self._audit(stamp, os_user, "submit", new_id, item.instance_id, None, after)
                if current is not None and correct_date:
                    reason, change = correction(current[2], item, new_id)
                    db.execute(
                        "UPDATE submissions SET state = 'withdrawn', withdrawn_reason = ? WHERE id = ?",
                        (reason, current[0]),
                    )
                    self._audit(stamp, os_user, "correct", current[0], item.instance_id, *change)
                elif current is not None:
                    db.execute(
                        "UPDATE submissions SET state = 'superseded', superseded_by = ? WHERE id = ?",
                        (new_id, current[0]),
                    )
                    self._audit(stamp, os_user, "supersede", current[0], item.instance_id, *supersession(new_id))
                recorded_ids.append(new_id)
                kept_ids.append(None)
                replaced_ids.append(current[0] if current is not None else None)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back already (a full disk, say)
                db.execute("ROLLBACK")
            raise
        return [
            Recorded(
                item,
                self.submission(new_id) if new_id is not None else None,
                self.submission(kept_id) if kept_id is not None else None,
                replaced_id,
            )
            for item, new_id, kept_id, replaced_id in zip(new, recorded_ids, kept_ids, replaced_ids)
        ]

    @_sqlite_errors("撤回报送记录")
    def withdraw(
        self, submission_id: int, reason: str, *, at: datetime, os_user: str, party_names: Mapping[str, str] | None = None
    ) -> Submission:
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
            self._audit(stamp, os_user, "withdraw", submission_id, instance_id, *withdrawal(state, reason))
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
                    self._audit(stamp, os_user, "reinstate", previous[0], instance_id, *reinstatement(previous[1]))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back already (a full disk, say)
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

    @_sqlite_errors("读取审计日志")
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

    @_sqlite_errors("备份台账")
    def backup_to(self, target: Path) -> None:
        """A consistent copy of the whole ledger in target, through SQLite's online backup API
        (one step under a read lock: in WAL mode other processes go on writing meanwhile)."""
        copy = sqlite3.connect(target)
        try:
            self._db.backup(copy)
        finally:
            copy.close()

    @_sqlite_errors("检查台账")
    def problems(self) -> list[str]:
        """Everything wrong inside the ledger file, one line each (``verify`` lists them): the
        database's own integrity check, and every value a read would refuse."""
        db = self._db
        found = [f"数据库完整性检查：{line}" for (line,) in db.execute("PRAGMA integrity_check") if line != "ok"]
        found += [
            f"{table} 第 {rowid} 行引用的 {parent} 记录不存在"
            for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check")
        ]
        since = db.execute("SELECT value FROM meta WHERE key = 'tracking_since'").fetchone()
        if since is None or _iso_date(since[0]) is None:
            found.append(f"跟踪起始日（meta.tracking_since）：值“{since[0] if since else ''}”不是有效日期")
        rows = db.execute(
            "SELECT id, instance_id, sender, submitted_on, recorded_at, state, superseded_by FROM submissions ORDER BY id"
        )
        for row_id, instance_id, sender, submitted_on, recorded_at, state, superseded_by in rows:
            if _iso_date(submitted_on) is None:
                found.append(f"报送记录 #{row_id}：submitted_on 的值“{submitted_on}”不是有效日期")
            if state not in STATES:
                found.append(f"报送记录 #{row_id}：state 的值“{state}”无效")
            elif state == "superseded" and superseded_by is None:
                found.append(f"报送记录 #{row_id}：已被取代却没有记录被谁取代（superseded_by）")
            for column, value in (("instance_id", instance_id), ("sender", sender), ("recorded_at", recorded_at)):
                if not isinstance(value, str) or not value:
                    found.append(f"报送记录 #{row_id}：{column} 为空或无效")
        for sha, size in db.execute("SELECT sha256, size FROM evidence ORDER BY sha256"):
            if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
                found.append(f"佐证材料记录“{sha}”：不是 SHA-256 值")
            if not isinstance(size, int) or size < 0:
                found.append(f"佐证材料 {sha}：大小“{size}”无效")
        for row_id, sent_on in db.execute("SELECT id, sent_on FROM reminders ORDER BY id"):
            if _iso_date(sent_on) is None:
                found.append(f"提醒记录 #{row_id}：sent_on 的值“{sent_on}”不是有效日期")
        for row in db.execute(f"SELECT id, {_COMPLAINT_FIELDS} FROM complaints ORDER BY id"):
            try:
                complaint = from_record(row[1:])
            except (ValueError, KeyError, TypeError):
                found.append(f"投诉记录 #{row[0]}：来源、类别或日期的值无效")
                continue
            if any(_iso_date(day) is None for day in (row[3], row[9] or "", row[10] or "") if day):
                found.append(f"投诉记录 #{row[0]}（{complaint.id}）：日期不是 YYYY-MM-DD")
            if not complaint.ticket or not complaint.unit:
                found.append(f"投诉记录 #{row[0]}：工单编号或责任单位为空")
        for table, what in (("audit", "审计日志"), ("complaint_audit", "投诉审计日志")):
            for row_id, before, after in db.execute(f"SELECT id, before, after FROM {table} ORDER BY id"):
                for column, text in (("before", before), ("after", after)):
                    if text:
                        try:
                            json.loads(text)
                        except ValueError:
                            found.append(f"{what} #{row_id}：{column} 不是有效的 JSON")
        return found

    @_sqlite_errors("读取台账")
    def evidence_sizes(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT sha256, size FROM evidence"))

    # -- reminders ------------------------------------------------------------------------

    @_sqlite_errors("读取提醒记录")
    def reminder_sent(self, instance_id: str, stage: str, recipient: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM reminders WHERE instance_id = ? AND stage = ? AND recipient = ?",
            (instance_id, stage, recipient),
        ).fetchone()
        return row is not None

    @_sqlite_errors("记录已发送的提醒")
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
            if db.in_transaction:  # SQLite may have rolled back already (a full disk, say)
                db.execute("ROLLBACK")
            raise
        return added

    def record_reminder(self, reminder: SentReminder) -> bool:
        """Record one reminder the server accepted; False if it was already recorded."""
        return self.record_reminders([reminder]) == 1

    @_sqlite_errors("读取提醒记录")
    def reminders(self, instance_id: str | None = None) -> list[SentReminder]:
        where, params = ("WHERE instance_id = ?", (instance_id,)) if instance_id else ("", ())
        rows = self._db.execute(
            f"SELECT id, instance_id, stage, recipient, message_id, sent_at, sent_on FROM reminders {where}"
            " ORDER BY id",
            params,
        )
        result = []
        for r in rows:
            sent_on = _iso_date(r[6])
            if sent_on is None:
                raise self._bad_row(r[0], "sent_on", r[6], table="reminders")
            result.append(SentReminder(r[1], r[2], r[3], r[4], r[5], sent_on))
        return result

    # -- complaints -----------------------------------------------------------------------

    @_sqlite_errors("读取投诉记录")
    def complaints(self, unit: str | None = None, *, since: date | None = None, open_on: date | None = None) -> list[Complaint]:
        """The stored complaints in the order they were first recorded: of one responsible unit,
        received since a day, or (with open_on too) received since it or unanswered on open_on."""
        where, params = complaint_filter(unit, since, open_on, "?", iso=True)
        rows = self._db.execute(f"SELECT id, {_COMPLAINT_FIELDS} FROM complaints {where} ORDER BY id", params)
        result = []
        for row in rows:
            try:
                result.append(from_record(row[1:]))
            except (ValueError, KeyError, TypeError):
                raise self._bad_row(row[0], "complaint", "、".join(map(str, row[1:5])), table="complaints") from None
        return result

    @_sqlite_errors("登记投诉")
    def record_complaints(
        self, items: list[Complaint], *, at: datetime, os_user: str, party_names: Mapping[str, str] | None = None
    ) -> ImportResult:
        """Record an export's complaints in one transaction: new tickets added, changed ones
        updated (the audit keeps the fields before and after), identical ones left alone."""
        db = self._db
        stamp = at.isoformat(timespec="seconds")
        db.execute("BEGIN IMMEDIATE")
        try:
            existing = {
                (row[1], row[2]): (row[0], row[1:])
                for row in db.execute(f"SELECT id, {_COMPLAINT_FIELDS} FROM complaints")
            }
            plan = plan_complaints(items, existing)
            placeholders = ", ".join("?" * (len(RECORD_FIELDS) + 3))
            audit = "INSERT INTO complaint_audit(at, os_user, action, complaint_id, before, after) VALUES (?, ?, ?, ?, ?, ?)"
            if plan.new:
                last = db.execute("SELECT coalesce(max(id), 0) FROM complaints").fetchone()[0]
                db.executemany(
                    f"INSERT INTO complaints({_COMPLAINT_FIELDS}, recorded_at, recorded_by, updated_at)"
                    f" VALUES ({placeholders})",
                    map(add, plan.new, repeat((stamp, os_user, stamp))),  # each record + its stamps, at C speed
                )
                # under the write lock, an INTEGER PRIMARY KEY gives each new row the largest id + 1:
                # the new rows are those above last. Their audit rows are made by SQLite itself, in
                # the text json.dumps(…, ensure_ascii=False, sort_keys=True) writes (json_quote escapes
                # the same way; tests/test_complaints.py compares them): no Python per row.
                db.execute(
                    "INSERT INTO complaint_audit(at, os_user, action, complaint_id, before, after)"
                    " SELECT ?, ?, 'complaint-add', id, NULL, printf('{\"received\": %s, \"source\": %s,"
                    " \"ticket\": %s, \"unit\": %s}', json_quote(received), json_quote(source), json_quote(ticket),"
                    " json_quote(unit)) FROM complaints WHERE id > ? ORDER BY id",
                    (stamp, os_user, last),
                )
            assignments = ", ".join(f"{name} = ?" for name in RECORD_FIELDS)
            for complaint_id, before, after in plan.updates:
                db.execute(f"UPDATE complaints SET {assignments}, updated_at = ? WHERE id = ?", (*after, stamp, complaint_id))
                old, new = complaint_changed(before, after)
                db.execute(audit, (stamp, os_user, "complaint-update", complaint_id, _dumps(old), _dumps(new)))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return ImportResult(len(plan.new), len(plan.updates), plan.unchanged)

    # -- export ---------------------------------------------------------------------------

    @_sqlite_errors("导出台账")
    def export_tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every table as rows of plain values, for backups and other tools."""
        result: dict[str, list[dict[str, Any]]] = {}
        with self._snapshot():  # a backup whose files and audit rows match its submissions
            for name, query in _EXPORT_QUERIES.items():
                cursor = self._db.execute(query)
                columns = [c[0] for c in cursor.description]
                result[name] = [dict(zip(columns, row)) for row in cursor]
        return result

    @_sqlite_errors("导出台账")
    def export_columns(self) -> dict[str, list[str]]:
        """The column names of each exported table (a CSV of an empty table still has its header)."""
        return {
            name: [c[0] for c in self._db.execute(f"{query} LIMIT 0").description]
            for name, query in _EXPORT_QUERIES.items()
        }

    def iter_instance_ids(self) -> Iterator[str]:
        for (instance_id,) in self._db.execute("SELECT DISTINCT instance_id FROM submissions"):
            yield instance_id

    @_sqlite_errors("写入台账副本")
    def import_tables(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Put an export's rows (another store's, as export_tables gives them) into this new,
        empty ledger as they are, ids included, in one transaction."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute("SELECT count(*) FROM submissions").fetchone()[0]:
                raise LedgerError(f"台账 {self.path} 不是空的，不能写入副本")
            db.execute("PRAGMA defer_foreign_keys = ON")  # a row names the later one that superseded it
            for table, name in _TABLE_NAMES.items():
                columns = EXPORT_COLUMNS[table]
                db.executemany(
                    f"INSERT INTO {name}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                    ([row[c] for c in columns] for row in tables.get(table, ())),
                )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise


def _create_file(cls: type[Ledger], path: Path, tracking_since: date) -> None:
    """Make a ledger at path atomically: built under a temporary name, then hard-linked into
    place (which never replaces a file). If another process linked its own first, keep that."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LedgerError(f"无法在 {path.parent} 创建台账：{os_reason(exc)}") from None
    tmp = path.parent / f".new-ledger-{os.getpid()}-{os.urandom(6).hex()}.sqlite3"
    try:
        connection = sqlite3.connect(tmp, isolation_level=None)
        try:
            cls(connection, tmp)._prepare(tracking_since)
        finally:
            connection.close()  # the last connection: SQLite checkpoints and removes the -wal file
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another first command made it at the same moment: use theirs
        except OSError:
            # a file system without hard links: rename, which could only replace a ledger made
            # in the last instant by another process (both are empty, so nothing is lost)
            if not path.exists():
                os.replace(tmp, path)
        fsync_dir(path.parent)
    except sqlite3.Error as exc:
        raise sqlite_error(exc, path, "创建台账") from None
    except OSError as exc:
        raise LedgerError(f"无法创建台账 {path}：{os_reason(exc)}") from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)


def open_workspace_ledger(
    ledger_file: Path, *, create_since: date | None = None, subdirs: tuple[str, ...] = ()
) -> tuple[Ledger, bool]:
    """The ledger of a workspace's data folder, and whether this call created it.

    A ledger is created only where there never was one: no data folder yet. A data folder
    without its ledger means the ledger was deleted or moved, and a new empty one would report
    every recorded submission as missing, so that is an error (LedgerMissingError). The new
    data folder (with subdirs, e.g. the evidence store) is built under a temporary name and
    renamed into place, so two first commands at once never see a half-made one.
    """
    data_dir = ledger_file.parent
    if ledger_file.exists() or ledger_file.is_symlink():
        return Ledger.open(ledger_file), False
    if data_dir.exists():
        raise LedgerMissingError(
            f"台账文件 {ledger_file} 不存在，但数据目录 {data_dir} 在：台账可能被删除或移走了。"
            f"为免把已登记的报送当作“未报送”，没有创建新台账。请把台账文件放回原处，或{RESTORE_HINT}"
        )
    if create_since is None:
        raise LedgerError(f"台账文件 {ledger_file} 不存在。请先运行“gdcomply init”创建工作区")
    staging: Path | None = None
    try:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = hidden_dir(data_dir.parent, ".new-data-")
        for name in subdirs:
            (staging / name).mkdir()
        Ledger.open(staging / ledger_file.name, create=True, tracking_since=create_since).close()
        try:
            os.rename(staging, data_dir)
            created = True
        except OSError:
            if not (ledger_file.exists()):
                raise
            created = False  # another first command made it at the same moment: use theirs
    except OSError as exc:
        raise LedgerError(f"无法在 {data_dir.parent} 创建台账：{os_reason(exc)}") from None
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    fsync_dir(data_dir.parent)
    return Ledger.open(ledger_file), created


def write_copy(path: Path, tracking_since: date, tables: dict[str, list[dict[str, Any]]]) -> None:
    """A new ledger file at path holding exactly these exported rows (a backup of another store)."""
    with Ledger.open(path, create=True, tracking_since=tracking_since) as ledger:
        ledger.import_tables(tables)


_TABLE_NAMES = {"evidence": "evidence", "submissions": "submissions", "files": "submission_files",
                "audit": "audit", "reminders": "reminders", "complaints": "complaints",
                "complaint_audit": "complaint_audit"}  # fmt: skip
_EXPORT_QUERIES = {
    "submissions": "SELECT * FROM submissions ORDER BY id",
    "files": "SELECT * FROM submission_files ORDER BY submission_id, position",
    "evidence": "SELECT * FROM evidence ORDER BY sha256",
    "audit": "SELECT * FROM audit ORDER BY id",
    "reminders": "SELECT * FROM reminders ORDER BY id",
    "complaints": "SELECT * FROM complaints ORDER BY id",
    "complaint_audit": "SELECT * FROM complaint_audit ORDER BY id",
}
_COMPLAINT_FIELDS = ", ".join(RECORD_FIELDS)


_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # as json.dumps(…) in _audit, one encoder


def _dumps(value: dict[str, Any] | None) -> str | None:
    return _JSON(value) if value is not None else None


def _loads(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return {"损坏的内容": text}  # shown as it is: the audit log must still be readable


def _iso_date(value: object) -> date | None:
    """The date an ISO 'YYYY-MM-DD' text names, or None for anything else."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def file_schema_version(path: Path) -> int:
    """The schema version of an SQLite ledger file as it is now (0: none), read without changing it."""
    version, _ = _peek(path)
    return version


def file_tracking_since(path: Path) -> date | None:
    """The tracking start an SQLite ledger file holds (None: no file, or none readable), read
    without changing it (opening a ledger brings an older schema forward)."""
    _, since = _peek(path)
    return since


def _peek(path: Path) -> tuple[int, date | None]:
    if not path.is_file():
        return 0, None
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)  # as_uri escapes # ? %
    except sqlite3.Error:
        return 0, None
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        row = connection.execute("SELECT value FROM meta WHERE key = 'tracking_since'").fetchone() if version else None
        return version, _iso_date(row[0]) if row else None
    except sqlite3.Error:
        return 0, None  # not a database: opening it says so
    finally:
        connection.close()
