"""The ledger's PostgreSQL store: one shared ledger for several offices; the only module that talks to PostgreSQL.

The same records and the same public API as gdcomply.ledger.sqlite.Ledger (the protocol
gdcomply.ledger.store.Ledger), on a database named by a libpq URL (gdcomply.ledger.location:
never with a password). The tables live in the schema ``gdcomply``, made and upgraded only by
``gdcomply ledger migrate`` (the database owner's job): the other commands never change the
schema of a shared database, so a newer program on one PC cannot lock the others out, and an
older one is told to upgrade. What differs from SQLite by nature:

- Evidence is kept in the database, content-addressed: ``evidence.content`` under its
  SHA-256, once however many submissions name it, and the database refuses content whose
  hash or size does not match its key (CHECK constraints). A submission, the content of its
  files and its audit rows commit in one transaction: one pg_dump is a complete backup and
  no shared folder is needed.
- Who recorded a row is the database user (``session_user``, filled in by the database) in
  the columns where SQLite keeps the OS user (``recorded_by``, ``audit.os_user``): the same
  export keys.
- Values are typed (date, timestamptz, jsonb) so the database refuses a damaged one;
  export_tables gives them back exactly as the SQLite store writes them (gdcomply.ledger.model.
  EXPORT_COLUMNS), so both stores export the same JSON.
- Writers take one transaction-level advisory lock (as SQLite's BEGIN IMMEDIATE), and a
  deferred exclusion constraint keeps at most one active submission per instance.

Every psycopg error becomes one Chinese line naming the URL and what to do (``pg_error``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, Collection, Iterator, Mapping, TypeVar

import psycopg
from psycopg import errors as pg_errors

from gdcomply.complaints.model import RECORD_FIELDS, Complaint, ImportResult, from_record
from gdcomply.errors import InputError, LedgerError, LedgerSetupError
from gdcomply.ledger.evidence import DEFAULT_MAX_MB, EvidenceProblem, StoredFile, hash_file
from gdcomply.ledger.model import (
    EXPORT_COLUMNS, AuditEntry, EvidenceFile, NewSubmission, Recorded, SentReminder, Submission, complaint_filter,
    correction, is_repeat, plan_complaints,
)  # fmt: skip
from gdcomply.ledger.pg_schema import MIGRATIONS, SCHEMA_VERSION

SCHEMA = "gdcomply"
CONNECT_TIMEOUT_S = 10
WRITE_LOCK_WAIT_S = 30  # how long a write waits for another office's before it gives up
_SESSION_DEFAULTS = (
    "-c idle_in_transaction_session_timeout=300000"  # ms
    " -c tcp_keepalives_idle=60 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=6"
)
_CLIENT_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10, "keepalives_count": 6}
_SHANGHAI = timezone(timedelta(hours=8))  # no daylight saving since 1991: the offset of every stamp
_CHUNK = 1 << 20
_GDCP = 0x47444350  # "GDCP", the first key of gdcomply's advisory locks
LOCKS = {"write": (_GDCP, 1), "migrate": (_GDCP, 2), "remind": (_GDCP, 3)}
# Tests only: the path of a file; record_submissions writes its backend's pid there just before
# COMMIT and waits while the file exists, so that a test can kill the connection at that moment.
PAUSE_BEFORE_COMMIT = "GDCOMPLY_TEST_PAUSE_BEFORE_COMMIT"

# A moment as text, made by the server: as _stamp_text makes it, without a datetime per row
# (the weekly check reads a thousand submissions)
_STAMP_SQL = "to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"')"

# The tables in the order a copy fills them (a file names its evidence and its submission).
_TABLES = {"evidence": "evidence", "submissions": "submissions", "files": "submission_files",
           "audit": "audit", "reminders": "reminders", "complaints": "complaints",
           "complaint_audit": "complaint_audit"}  # fmt: skip
_ORDER = {"evidence": 'sha256 COLLATE "C"', "submissions": "id", "files": "submission_id, position",
          "audit": "id", "reminders": "id", "complaints": "id", "complaint_audit": "id"}  # fmt: skip
_WITH_IDS = ("submissions", "audit", "reminders", "complaints", "complaint_audit")
_TABLE_SINCE = {"evidence": 1, "submissions": 1, "submission_files": 1, "audit": 1, "reminders": 2,
                "complaints": 4, "complaint_audit": 4}  # schema version  # fmt: skip
_COMPLAINT_FIELDS = ", ".join(RECORD_FIELDS)
_HASH_CONSTRAINTS = ("evidence_hash_matches", "evidence_size_matches")

_T = TypeVar("_T")


# -- errors -----------------------------------------------------------------------------------


def _detail(exc: BaseException) -> str:
    """The server's or libpq's own words, on one line, without the "connection to server at…
    failed:" preamble (it never holds a password: URLs with one are refused before this)."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = primary or str(exc)
    lines = [line.strip() for line in text.replace("\t", " ").splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if " failed: " in text and text.startswith(("connection to server", "connection failed")):
        text = text.rsplit(" failed: ", 1)[1]
    return " ".join(text.split())


def connect_error(exc: psycopg.Error, url: str) -> LedgerError:
    """Why a connection could not be made, in words a person can act on."""
    detail = _detail(exc)
    pgconn = getattr(exc, "pgconn", None)
    if pgconn is not None and getattr(pgconn, "needs_password", False):
        return LedgerSetupError(
            f"无法登录共享台账 {url}：服务器要求密码，但没有提供。请用环境变量 PGPASSWORD 或密码文件"
            f" ~/.pgpass（Windows：%APPDATA%\\postgresql\\pgpass.conf）提供密码（不要写在地址中），台账未做任何修改"
        )
    text = str(exc)
    # The server's words are in its lc_messages: English, or (a server set up in Chinese) zh_CN.
    answered = any(word in text for word in ("FATAL", "致命错误"))
    if answered or (pgconn is not None and getattr(pgconn, "used_password", False)):
        if any(word in text for word in ("does not exist", "不存在")) and any(word in text for word in ("database", "数据库")):
            return LedgerSetupError(
                f"共享台账 {url} 的数据库不存在（{detail}）。请检查地址中的数据库名，"
                f"或请管理员创建该数据库后运行“gdcomply ledger migrate --ledger {url}”"
            )
        if any(word in text for word in ("too many clients", "starting up", "shutting down", "recovery", "客户端太多", "正在启动", "正在关闭", "恢复")):
            return LedgerError(f"共享台账 {url} 的服务器暂时不能接受连接（{detail}），台账未做任何修改。请稍后重试")
        if pgconn is not None and getattr(pgconn, "used_password", False):
            return LedgerSetupError(
                f"无法登录共享台账 {url}：用户名或密码不对（{detail}）。请核对环境变量 PGPASSWORD 或密码文件中的密码，"
                f"或请管理员检查该数据库用户，台账未做任何修改"
            )
        return LedgerSetupError(
            f"共享台账 {url} 的服务器拒绝登录（{detail}）。请核对地址中的用户名，"
            f"或请管理员为该用户开通登录（数据库用户和 pg_hba.conf），台账未做任何修改"
        )
    return LedgerError(
        f"无法连接共享台账 {url}：数据库服务器没有响应（{detail}）。请检查地址和端口、网络连接，"
        f"或请管理员确认 PostgreSQL 服务已启动，台账未做任何修改"
    )


# What the Ledger methods do (the words of _pg_errors), by whether they write: a lost connection
# is worded for what it may have cut short.
_SUBMISSION_WRITES = frozenset({"登记报送", "撤回报送记录"})
_WRITES = _SUBMISSION_WRITES | {"写入台账", "记录已发送的提醒", "创建或升级台账架构"}


def pg_error(exc: psycopg.Error, url: str, doing: str, *, broken: bool = False, user: str = "") -> LedgerError:
    """A LedgerError saying why PostgreSQL could not do it, in words a person can act on."""
    detail = _detail(exc)
    if broken or isinstance(exc, (pg_errors.AdminShutdown, pg_errors.CrashShutdown)):
        if doing in _SUBMISSION_WRITES:
            return LedgerError(
                f"与共享台账 {url} 的连接在{doing}时中断（{detail}），{doing}没有完成。一次登记的报送记录、"
                f"佐证材料和审计记录只会一起写入或都不写入，不会只写入一部分。请检查网络和数据库服务后重新运行同一命令"
                f"（若中断前已经写入，它会说明未重复登记）"
            )
        if doing in _WRITES:
            return LedgerError(
                f"与共享台账 {url} 的连接在{doing}时中断（{detail}），{doing}没有完成，也没有只写入一部分。"
                f"请检查网络和数据库服务后重新运行同一命令"
            )
        return LedgerError(
            f"与共享台账 {url} 的连接在{doing}时中断（{detail}），台账没有任何改动。请检查网络和数据库服务后重新运行同一命令"
        )
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        who = f"数据库用户 {user} " if user else ""
        return LedgerSetupError(f"{who}没有{doing}的权限（共享台账 {url}：{detail}），未做任何修改。请管理员授予相应权限")
    if isinstance(exc, (pg_errors.UndefinedTable, pg_errors.UndefinedColumn, pg_errors.InvalidSchemaName)):
        return LedgerSetupError(
            f"共享台账 {url} 的架构不完整或被改动（{detail}），无法{doing}，未做任何修改。"
            f"请由数据库所有者运行“gdcomply ledger migrate --ledger {url}”；仍不行时从备份恢复"
        )
    if isinstance(exc, pg_errors.CheckViolation) and "evidence_" in detail:
        return LedgerError(f"数据库拒绝了内容与 SHA-256 不符的佐证材料（{detail}），无法{doing}，未做任何记录")
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return LedgerSetupError(f"共享台账 {url} 当前只读（{detail}），无法{doing}。请连接主库，或请管理员检查")
    return LedgerError(
        f"无法{doing}：共享台账 {url} 出错（{detail}），未做任何修改。请稍后重新运行同一命令；仍不行时请管理员查看数据库服务器的日志"
    )


def _pg_errors(doing: str) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
    """Turn a psycopg error inside a Ledger method into one Chinese line (what, and what to do)."""

    def wrap(method: Callable[..., _T]) -> Callable[..., _T]:
        @functools.wraps(method)
        def run(self: Ledger, *args: Any, **kwargs: Any) -> _T:
            try:
                return method(self, *args, **kwargs)
            except psycopg.Error as exc:
                raise self._error(exc, doing) from None

        return run

    return wrap


# -- connecting -------------------------------------------------------------------------------


def _connect(url: str) -> psycopg.Connection:
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise LedgerSetupError(f"共享台账地址 {url} 无法解析（{_detail(exc)}）") from None
    extra: dict[str, Any] = {
        "autocommit": True,
        "fallback_application_name": "gdcomply",
        # A client that hangs or loses its network inside a transaction must not hold the
        # offices' write lock for the two hours of the system's TCP keepalive: the server drops
        # an idle transaction, and probes the line, in minutes (the URL's own options may say
        # otherwise: they come after these). Dates and times come back in the zone every stamp
        # is written in.
        "options": f"{_SESSION_DEFAULTS} {given.get('options', '')} -c TimeZone=Asia/Shanghai".replace("  ", " "),
    }
    for key, value in _CLIENT_KEEPALIVES.items():
        if key not in given:
            extra[key] = value  # the client notices a dead server as the server notices a dead client
    if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
        extra["connect_timeout"] = CONNECT_TIMEOUT_S  # an unreachable server fails in seconds, not minutes
    try:
        return psycopg.connect(url, **extra)
    except psycopg.Error as exc:
        raise connect_error(exc, url) from None


@dataclass(frozen=True)
class Probed:
    """What Ledger.probe found in a database."""

    version: int  # 0: no gdcomply schema
    tracking_since: date | None
    has_rows: bool  # any submission, file, evidence, audit or reminder row


@dataclass(frozen=True)
class Migrated:
    """What ``ledger migrate`` did: the schema version before and after, and the tracking start."""

    before: int
    after: int
    tracking_since: date


# -- the ledger -------------------------------------------------------------------------------


class Ledger:
    """An open PostgreSQL ledger. Use ``Ledger.connect(url)``; close it (or use ``with``)."""

    def __init__(self, connection: psycopg.Connection, url: str) -> None:
        self._db = connection
        self.url = url
        self._evidence: DatabaseEvidence | None = None

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def connect(cls, url: str) -> Ledger:
        """Connect to the ledger at url; its schema must be this program's (``ledger migrate``)."""
        ledger = cls(_connect(url), url)
        try:
            try:
                version = ledger._found_version()
            except psycopg.Error as exc:
                raise ledger._error(exc, "打开台账") from None
            if version == 0:
                raise LedgerSetupError(
                    f"共享台账 {url} 的数据库中还没有 gdcomply 台账。请由数据库所有者运行"
                    f"“gdcomply ledger migrate --ledger {url} --since 跟踪起始日”创建；"
                    f"要迁入现有的台账，在其工作区运行“gdcomply ledger copy --to {url}”"
                )
            ledger._refuse_newer(version)
            if version < SCHEMA_VERSION:
                raise LedgerSetupError(
                    f"共享台账 {url} 的架构版本是 {version}，本程序需要 {SCHEMA_VERSION}。请由数据库所有者运行"
                    f"“gdcomply ledger migrate --ledger {url}”升级（升级后旧版本的 gdcomply 将不能再使用它）"
                )
        except BaseException:
            ledger.close()
            raise
        return ledger

    @classmethod
    def migrate(cls, url: str, *, tracking_since: date | None, today: date) -> Migrated:
        """Create the schema in an empty database (tracking from tracking_since, else today), or
        bring an older one forward; in one transaction, one migrating process at a time."""
        ledger = cls(_connect(url), url)
        with ledger:
            return ledger._migrate(tracking_since, today)

    @classmethod
    def probe(cls, url: str) -> Probed:
        """What is at url: the schema version (0: no ledger yet), the tracking start and whether
        any table holds rows; a server that cannot be reached or used raises as connect does."""
        with cls(_connect(url), url) as ledger:
            try:
                version = ledger._found_version()
                ledger._refuse_newer(version)
                if version == 0:
                    return Probed(0, None, False)
                tables = [name for name, since in _TABLE_SINCE.items() if since <= version]
                has_rows = any(
                    ledger._db.execute(f"SELECT EXISTS (SELECT 1 FROM gdcomply.{name})").fetchone()[0] for name in tables
                )
            except psycopg.Error as exc:
                raise ledger._error(exc, "读取台账") from None
            return Probed(version, ledger.tracking_since, has_rows)

    @_pg_errors("创建或升级台账架构")
    def _migrate(self, tracking_since: date | None, today: date) -> Migrated:
        db = self._db
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s, %s)", LOCKS["migrate"])
            before = self._found_version()  # read under the lock: another may have migrated meanwhile
            self._refuse_newer(before)
            if before == 0:
                db.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            for step in range(before, SCHEMA_VERSION):
                db.execute(MIGRATIONS[step])
                db.execute("INSERT INTO gdcomply.schema_migrations(version) VALUES (%s)", (step + 1,))
            if before == 0:
                since = tracking_since or today
                db.execute("INSERT INTO gdcomply.meta(key, value) VALUES ('tracking_since', %s)", (since.isoformat(),))
            else:
                since = self.tracking_since
                if tracking_since is not None and tracking_since != since:
                    raise LedgerSetupError(
                        f"共享台账 {self.url} 已从 {since.isoformat()} 开始跟踪；migrate 不会修改已有台账的跟踪起始日，"
                        f"未做任何修改。请去掉 --since 后重新运行"
                    )
        return Migrated(before, SCHEMA_VERSION, since)

    def _found_version(self) -> int:
        """The schema version in the database; 0 when it has no gdcomply schema."""
        exists = self._db.execute("SELECT to_regclass('gdcomply.schema_migrations') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return 0
        row = self._db.execute("SELECT coalesce(max(version), 0) FROM gdcomply.schema_migrations").fetchone()
        return int(row[0]) if row else 0

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"共享台账 {self.url} 由更新版本的 gdcomply 创建或升级（架构版本 {version}，"
                f"本程序最高支持 {SCHEMA_VERSION}）。请升级 gdcomply 后再使用，台账未做任何修改"
            )

    def close(self) -> None:
        if self._evidence is not None:
            self._evidence.close()
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _error(self, exc: psycopg.Error, doing: str) -> LedgerError:
        user = ""
        if not self._db.broken and not self._db.closed:
            user = self._db.info.user or ""
        return pg_error(exc, self.url, doing, broken=self._db.broken or self._db.closed, user=user)

    @property
    def shown(self) -> str:
        """The ledger as messages name it: its URL (never with a password)."""
        return self.url

    is_shared = True  # several offices write it (a run lock is the database's, not a file's)

    @property
    def closed(self) -> bool:
        return self._db.closed or self._db.broken

    @property
    def evidence(self) -> DatabaseEvidence:
        """The evidence this ledger keeps in its database."""
        if self._evidence is None:
            self._evidence = DatabaseEvidence(self)
        return self._evidence

    @property
    def user(self) -> str:
        """The database user this connection records as."""
        return self._db.info.user or ""

    # -- meta -----------------------------------------------------------------------------

    @property
    @_pg_errors("读取台账")
    def schema_version(self) -> int:
        return self._found_version()

    @property
    @_pg_errors("读取台账")
    def tracking_since(self) -> date:
        row = self._db.execute("SELECT value FROM gdcomply.meta WHERE key = 'tracking_since'").fetchone()
        if row is None:
            raise LedgerError(f"共享台账 {self.url} 已损坏：缺少跟踪起始日（meta.tracking_since）。请从备份恢复")
        try:
            return date.fromisoformat(row[0])
        except ValueError:
            raise LedgerError(
                f"共享台账 {self.url} 已损坏：跟踪起始日（meta.tracking_since）的值“{row[0]}”不是有效日期。请从备份恢复"
            ) from None

    # -- submissions ----------------------------------------------------------------------

    @_pg_errors("读取台账")
    def active_submission(self, instance_id: str) -> Submission | None:
        rows = self._submission_rows("WHERE instance_id = %s AND state = 'active'", (instance_id,))
        return rows[-1] if rows else None

    @_pg_errors("读取台账")
    def submissions(self, instance_id: str | None = None, *, include_withdrawn: bool = True) -> list[Submission]:
        clauses, params = [], []
        if instance_id is not None:
            clauses.append("instance_id = %s")
            params.append(instance_id)
        if not include_withdrawn:
            clauses.append("state <> 'withdrawn'")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self._submission_rows(where, tuple(params))

    @_pg_errors("读取台账")
    def submission_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM gdcomply.submissions").fetchone()[0]

    @_pg_errors("读取台账")
    def submission(self, submission_id: int) -> Submission | None:
        rows = self._submission_rows("WHERE id = %s", (submission_id,))
        return rows[0] if rows else None

    @_pg_errors("读取台账")
    def deciding_submissions(self, as_of: date) -> dict[str, list[Submission]]:
        """Per instance, only the submissions its status depends on as of as_of: of those not
        withdrawn and dated on or before as_of, the newest and the earliest-dated (the first
        recorded of that date), as sqlite.Ledger.deciding_submissions chooses them."""
        by_instance: dict[str, list[Submission]] = {}
        with self._snapshot():
            # one pass, grouped by hashing (no sort of the instance ids in the database's collation):
            # the newest id, and the id of the smallest (date, id)
            ids = {
                submission_id
                for pair in self._db.execute(
                    "SELECT max(id), (min(ARRAY[submitted_on - DATE '2000-01-01', id]))[2] FROM gdcomply.submissions"
                    " WHERE state <> 'withdrawn' AND submitted_on <= %s GROUP BY instance_id",
                    (as_of,),
                )
                for submission_id in pair
            }
            rows = self._submission_rows("WHERE id = ANY(%s)", (sorted(ids),)) if ids else []
        for submission in rows:
            by_instance.setdefault(submission.instance_id, []).append(submission)
        return by_instance

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Several SELECTs that see one state of the ledger, whatever others commit meanwhile."""
        if self._db.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            yield  # already inside one
            return
        with self._db.transaction():
            self._db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    def _submission_rows(self, where: str, params: tuple | dict) -> list[Submission]:
        with self._snapshot():
            rows = self._db.execute(
                "SELECT id, instance_id, obligation, period, sender, receiver, submitted_on, note,"
                f" {_STAMP_SQL.format(column='recorded_at')}, recorded_by, state, superseded_by, withdrawn_reason"
                f" FROM gdcomply.submissions {where} ORDER BY id",
                params,
            ).fetchall()
            if not rows:
                return []
            files: dict[int, list[EvidenceFile]] = {}
            query = "SELECT submission_id, original_name, sha256, size FROM gdcomply.submission_files"
            if where:
                file_rows = self._db.execute(
                    f"{query} WHERE submission_id = ANY(%s) ORDER BY submission_id, position", ([r[0] for r in rows],)
                )
            else:
                file_rows = self._db.execute(f"{query} ORDER BY submission_id, position")
            for submission_id, name, sha, size in file_rows:
                files.setdefault(submission_id, []).append(EvidenceFile(name, sha, size))
        return [
            Submission(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
                tuple(files.get(r[0], ())),
            )
            for r in rows
        ]

    @_pg_errors("登记报送")
    def check_writable(self, senders: Collection[str] = (), party_names: Mapping[str, str] | None = None) -> None:
        """Fail before any file is read for a record this role could not make: no rights to
        record at all, or a sender it does not act for (exit 1, naming the role and the party)."""
        row = self._db.execute(
            "SELECT has_table_privilege('gdcomply.submissions', 'INSERT')"
            " AND has_table_privilege('gdcomply.submission_files', 'INSERT')"
            " AND has_table_privilege('gdcomply.evidence', 'INSERT')"
        ).fetchone()
        if not row or not row[0]:
            from gdcomply.ledger.pg_rights import held_by

            names = party_names or {}
            held = held_by(self._db, names)
            parties = "、".join(names.get(s, s) for s in sorted(senders))
            raise LedgerError(
                f"数据库用户 {self.user}（{held}）无权在共享台账 {self.url} 中登记{parties + '的' if parties else ''}报送记录，"
                f"未做任何记录。请由有权限的用户登记，或请管理员用“gdcomply ledger grant”授权"
            )
        for sender in sorted(senders):
            self._refuse_unless_acting_for(self._db, sender, party_names or {}, "登记")

    @contextmanager
    def _writing(self, before_lock: Callable[[psycopg.Cursor], None] | None = None) -> Iterator[psycopg.Cursor]:
        """One write transaction, taken after every other writer's (an advisory lock).

        ``before_lock`` runs first in the same transaction: the slow part (the content of
        evidence files, perhaps hundreds of MB from a network share) goes in without holding
        the other offices up, and still commits with the rows or not at all. The lock is
        waited for WRITE_LOCK_WAIT_S at most.
        """
        with self._db.transaction():
            cursor = self._db.cursor()
            if before_lock is not None:
                before_lock(cursor)
            cursor.execute(f"SET LOCAL lock_timeout = '{WRITE_LOCK_WAIT_S}s'")
            try:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", LOCKS["write"])
            except pg_errors.LockNotAvailable:
                raise LedgerError(
                    f"另一处正在写入共享台账 {self.url}，等了 {WRITE_LOCK_WAIT_S} 秒仍未轮到，未做任何记录。请稍后重新运行同一命令"
                ) from None
            cursor.execute("SET LOCAL lock_timeout = 0")
            yield cursor

    @_pg_errors("登记报送")
    def record_submissions(
        self, new: list[NewSubmission], *, at: datetime, os_user: str, correct_date: bool = False,
        sources: Mapping[str, Path] | None = None,
    ) -> list[Recorded]:  # fmt: skip
        """Record each new submission, with the content of its files (read from sources, by
        SHA-256) and its audit rows, in one transaction; an identical active one is kept instead.

        As sqlite.Ledger.record_submissions (correct_date included); os_user is not used: the
        database records its own user.
        """
        stamp = _stamp(at)
        recorded_ids: list[int | None] = []
        kept_ids: list[int | None] = []
        replaced_ids: list[int | None] = []
        def store_contents(db: psycopg.Cursor) -> None:
            self._store_contents(db, tuple(f for item in new for f in item.files), sources or {}, stamp)

        with self._writing(before_lock=store_contents) as db:
            for item in new:
                current = db.execute(
                    "SELECT id, fileset, submitted_on FROM gdcomply.submissions"
                    " WHERE instance_id = %s AND state = 'active' ORDER BY id DESC LIMIT 1",
                    (item.instance_id,),
                ).fetchone()
                if correct_date and current is None:
                    raise LedgerError(f"{item.instance_id} 没有有效的报送记录，无需更正日期；请去掉 --correct-date 后登记")
                if current is not None and is_repeat(item, current[1], current[2].isoformat(), correct_date):
                    recorded_ids.append(None)
                    kept_ids.append(current[0])
                    replaced_ids.append(None)
                    continue
                new_id = db.execute(
                    "INSERT INTO gdcomply.submissions(instance_id, obligation, period, sender, receiver,"
                    " submitted_on, note, recorded_at, state, fileset)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'active', %s) RETURNING id",
                    (
                        item.instance_id, item.obligation, item.period, item.sender, item.receiver,
                        item.submitted_on, item.note, stamp, item.fileset,
                    ),  # fmt: skip
                ).fetchone()[0]
                db.executemany(
                    "INSERT INTO gdcomply.submission_files(submission_id, position, sha256, original_name, size)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    [(new_id, position, f.sha256, f.name, f.size) for position, f in enumerate(item.files)],
                )
                # the audit rows (submit, then correct or supersede) are the database's own (pg_schema)
                if current is not None and correct_date:
                    reason, _ = correction(current[2].isoformat(), item, new_id)
                    db.execute(
                        "UPDATE gdcomply.submissions SET state = 'withdrawn', withdrawn_reason = %s WHERE id = %s",
                        (reason, current[0]),
                    )
                elif current is not None:
                    db.execute(
                        "UPDATE gdcomply.submissions SET state = 'superseded', superseded_by = %s WHERE id = %s",
                        (new_id, current[0]),
                    )
                recorded_ids.append(new_id)
                kept_ids.append(None)
                replaced_ids.append(current[0] if current is not None else None)
            results = [
                Recorded(
                    item,
                    self.submission(new_id) if new_id is not None else None,
                    self.submission(kept_id) if kept_id is not None else None,
                    replaced_id,
                )
                for item, new_id, kept_id, replaced_id in zip(new, recorded_ids, kept_ids, replaced_ids)
            ]
            _pause_if_asked(self._db)
        return results

    def _store_contents(
        self, db: psycopg.Cursor, files: tuple[EvidenceFile, ...], sources: Mapping[str, Path], stamp: datetime
    ) -> None:
        """The content of each file the database does not hold yet, read now from its source
        (and refused if it changed since it was hashed: the database would refuse it too)."""
        wanted = sorted({f.sha256 for f in files})
        present = {sha for (sha,) in db.execute("SELECT sha256 FROM gdcomply.evidence WHERE sha256 = ANY(%s)", (wanted,))}
        for file in {f.sha256: f for f in files}.values():
            if file.sha256 in present:
                continue
            source = sources.get(file.sha256)
            if source is None:
                raise LedgerError(f"佐证材料 {file.name}（{file.sha256}）的内容没有提供，未做任何记录")
            content = _read_exactly(source, file)
            db.execute(
                "INSERT INTO gdcomply.evidence(sha256, size, first_recorded_at, content) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (sha256) DO NOTHING",
                (file.sha256, file.size, stamp, content),
            )

    @_pg_errors("撤回报送记录")
    def withdraw(
        self, submission_id: int, reason: str, *, at: datetime, os_user: str, party_names: Mapping[str, str] | None = None
    ) -> Submission:
        """As sqlite.Ledger.withdraw; the database writes the audit rows, and refuses a role
        that does not act for the submission's sender (a Chinese error naming both)."""
        with self._writing() as db:
            row = db.execute(
                "SELECT state, instance_id, sender FROM gdcomply.submissions WHERE id = %s", (submission_id,)
            ).fetchone()
            if row is None:
                raise LedgerError(f"没有编号为 {submission_id} 的报送记录（可用“gdcomply log”查看）")
            state, instance_id, sender = row
            self._refuse_unless_acting_for(db, sender, party_names or {}, "撤回")
            if state == "withdrawn":
                raise LedgerError(f"报送记录 #{submission_id} 已经撤回，未做任何修改")
            db.execute(
                "UPDATE gdcomply.submissions SET state = 'withdrawn', withdrawn_reason = %s WHERE id = %s",
                (reason, submission_id),
            )
            if state == "active":
                # The newest submission not withdrawn becomes the instance's current one again.
                previous = db.execute(
                    "SELECT id FROM gdcomply.submissions WHERE instance_id = %s AND state = 'superseded'"
                    " ORDER BY id DESC LIMIT 1",
                    (instance_id,),
                ).fetchone()
                if previous is not None:
                    db.execute(
                        "UPDATE gdcomply.submissions SET state = 'active', superseded_by = NULL WHERE id = %s",
                        (previous[0],),
                    )
            result = self.submission(submission_id)
        assert result is not None
        return result

    def _refuse_unless_acting_for(self, db: psycopg.Connection | psycopg.Cursor, sender: str, names: Mapping[str, str], doing: str) -> None:
        """Raise the refusal of a write for sender by a role that does not act for it (the row-level
        security policies would refuse the row itself; this says why, before anything is written)."""
        if db.execute("SELECT gdcomply.acts_for(%s)", (sender,)).fetchone()[0]:
            return
        from gdcomply.ledger.pg_rights import held_by

        party = names.get(sender, sender)
        held = held_by(db, names)
        raise LedgerError(
            f"数据库用户 {self.user}（{held}）无权{doing}{party}的报送记录：共享台账 {self.url} 只允许{party}自己的用户"
            f"和公司（营销部）的用户{doing}，由数据库强制执行，未做任何修改。请由有权限的用户办理，"
            f"或请管理员用“gdcomply ledger grant”调整授权"
        )

    @_pg_errors("读取审计日志")
    def audit_log(self, instance_id: str | None = None) -> list[AuditEntry]:
        where, params = ("WHERE instance_id = %s", (instance_id,)) if instance_id else ("", ())
        rows = self._db.execute(
            "SELECT id, at, os_user, action, submission_id, instance_id, before, after, client_addr"
            f" FROM gdcomply.audit {where}"
            " ORDER BY id",
            params,
        )
        return [AuditEntry(r[0], _stamp_text(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows]

    def backup_to(self, target: Path) -> None:
        """A consistent copy of the whole ledger as an SQLite ledger file in target (the backup
        archive's format), from one snapshot: others go on writing meanwhile."""
        from gdcomply.ledger import sqlite

        with self._read_snapshot("备份台账"):
            # a unit's role sees only its own complaints (row-level security): its copy would
            # be a partial backup that says it is whole
            if not self._db.execute("SELECT gdcomply.sees_all_complaints()").fetchone()[0]:
                from gdcomply.ledger.pg_rights import held_by

                raise LedgerError(
                    f"数据库用户 {self.user}（{held_by(self._db, {})}）只能看到本单位的投诉，备份会不完整，未生成。"
                    f"请由营销部、只读或所有者的用户备份共享台账 {self.url}"
                )
            since = self.tracking_since
            tables = self.export_tables()
        sqlite.write_copy(target, since, tables)

    @contextmanager
    def _read_snapshot(self, doing: str) -> Iterator[None]:
        try:
            with self._snapshot():
                yield
        except psycopg.Error as exc:
            raise self._error(exc, doing) from None

    @_pg_errors("检查台账")
    def problems(self) -> list[str]:
        """Everything wrong inside the ledger (``verify`` lists them). The database's types and
        constraints refuse what the SQLite store has to look for (bad dates, states, JSON,
        dangling references); left to check: the tracking start, and that the constraints
        which make the database refuse altered evidence are still there."""
        found = []
        since = self._db.execute("SELECT value FROM gdcomply.meta WHERE key = 'tracking_since'").fetchone()
        try:
            date.fromisoformat(since[0] if since else "")
        except ValueError:
            found.append(f"跟踪起始日（meta.tracking_since）：值“{since[0] if since else ''}”不是有效日期")
        present = {
            name
            for (name,) in self._db.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'gdcomply.evidence'::regclass AND contype = 'c'"
            )
        }
        for name in _HASH_CONSTRAINTS:
            if name not in present:
                found.append(f"数据库约束 {name} 不见了：数据库不再拒绝与 SHA-256 不符的佐证材料，请由数据库所有者检查")
        return found

    @_pg_errors("读取台账")
    def evidence_sizes(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT sha256, size FROM gdcomply.evidence").fetchall())

    # -- reminders ------------------------------------------------------------------------

    @_pg_errors("读取提醒记录")
    def reminder_sent(self, instance_id: str, stage: str, recipient: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM gdcomply.reminders WHERE instance_id = %s AND stage = %s AND recipient = %s",
            (instance_id, stage, recipient),
        ).fetchone()
        return row is not None

    @_pg_errors("记录已发送的提醒")
    def record_reminders(self, reminders: list[SentReminder]) -> int:
        """Record the reminders of one accepted email in one transaction; returns how many were new."""
        added = 0
        with self._db.transaction():
            for reminder in reminders:
                cursor = self._db.execute(
                    "INSERT INTO gdcomply.reminders(instance_id, stage, recipient, message_id, sent_at, sent_on)"
                    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (instance_id, stage, recipient) DO NOTHING",
                    (
                        reminder.instance_id, reminder.stage, reminder.recipient, reminder.message_id,
                        reminder.sent_at, reminder.sent_on,
                    ),  # fmt: skip
                )
                added += cursor.rowcount
        return added

    def record_reminder(self, reminder: SentReminder) -> bool:
        """Record one reminder the server accepted; False if it was already recorded."""
        return self.record_reminders([reminder]) == 1

    @_pg_errors("读取提醒记录")
    def reminders(self, instance_id: str | None = None) -> list[SentReminder]:
        where, params = ("WHERE instance_id = %s", (instance_id,)) if instance_id else ("", ())
        rows = self._db.execute(
            f"SELECT instance_id, stage, recipient, message_id, sent_at, sent_on FROM gdcomply.reminders {where}"
            " ORDER BY id",
            params,
        )
        return [SentReminder(r[0], r[1], r[2], r[3], _stamp_text(r[4]), r[5]) for r in rows]

    # -- complaints -----------------------------------------------------------------------

    @_pg_errors("读取投诉记录")
    def complaints(self, unit: str | None = None, *, since: date | None = None, open_on: date | None = None) -> list[Complaint]:
        """As sqlite.Ledger.complaints."""
        where, params = complaint_filter(unit, since, open_on, "%s", iso=False)
        rows = self._db.execute(f"SELECT {_COMPLAINT_FIELDS} FROM gdcomply.complaints {where} ORDER BY id", params)
        return [from_record(row) for row in rows]

    @_pg_errors("登记投诉")
    def record_complaints(
        self, items: list[Complaint], *, at: datetime, os_user: str, party_names: Mapping[str, str] | None = None
    ) -> ImportResult:
        """As sqlite.Ledger.record_complaints, in one transaction under the write lock; new rows
        go in by COPY. The database writes the audit rows (pg_schema, step 4) and its own user;
        only the company's roles may record complaints (refused here first, naming the role)."""
        stamp = _stamp(at)
        with self._writing() as db:
            may = db.execute(
                "SELECT has_table_privilege('gdcomply.complaints', 'INSERT') AND gdcomply.acts_for('company')"
            ).fetchone()[0]
            if not may:
                from gdcomply.ledger.pg_rights import held_by

                raise LedgerError(
                    f"数据库用户 {self.user}（{held_by(db, party_names or {})}）无权在共享台账 {self.url} 中登记投诉："
                    f"只有公司（营销部）的用户能导入投诉，由数据库强制执行，未做任何修改。请由营销部导入"
                )
            existing = {
                (row[1], row[2]): (row[0], _stored(row[1:]))
                for row in db.execute(f"SELECT id, {_COMPLAINT_FIELDS} FROM gdcomply.complaints")
            }
            plan = plan_complaints(items, existing)
            if plan.new:
                # COPY into a table under row-level security is refused (to all but superusers):
                # the rows go through a temporary table, then one INSERT … SELECT the policies check
                columns = f"{_COMPLAINT_FIELDS}, recorded_at, updated_at"
                db.execute(
                    f"CREATE TEMPORARY TABLE complaints_in ON COMMIT DROP AS SELECT {columns}"
                    " FROM gdcomply.complaints WITH NO DATA"
                )
                with db.copy(f"COPY complaints_in({columns}) FROM STDIN") as copy:
                    for record in plan.new:
                        copy.write_row((*record, stamp, stamp))
                db.execute(f"INSERT INTO gdcomply.complaints({columns}) SELECT {columns} FROM complaints_in")
            assignments = ", ".join(f"{name} = %s" for name in RECORD_FIELDS)
            for complaint_id, _, after in plan.updates:
                db.execute(
                    f"UPDATE gdcomply.complaints SET {assignments}, updated_at = %s WHERE id = %s",
                    (*after, stamp, complaint_id),
                )
        return ImportResult(len(plan.new), len(plan.updates), plan.unchanged)

    # -- locks ----------------------------------------------------------------------------

    @_pg_errors("取得运行锁")
    def try_session_lock(self, purpose: str) -> bool:
        """Take the lock of purpose ("remind") for this session, unless another session holds it."""
        return bool(self._db.execute("SELECT pg_try_advisory_lock(%s, %s)", LOCKS[purpose]).fetchone()[0])

    def holds_run_lock(self, purpose: str = "remind") -> bool:
        """Whether this session still holds the lock of purpose (False once the connection is lost:
        the server released it with the session)."""
        if self.closed:
            return False
        try:
            row = self._db.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 2)",
                LOCKS[purpose],
            ).fetchone()
        except psycopg.Error:
            return False
        return bool(row and row[0])

    @_pg_errors("记录已发送的提醒")
    def check_may_record_reminders(self, party_names: Mapping[str, str] | None = None) -> None:
        """Refuse, before any mail is sent, a run whose role could not record what it sends."""
        if self._db.execute("SELECT has_table_privilege('gdcomply.reminders', 'INSERT')").fetchone()[0]:
            return
        from gdcomply.ledger.pg_rights import held_by

        names = party_names or {}
        held = held_by(self._db, names)
        raise LedgerError(
            f"数据库用户 {self.user}（{held}）无权在共享台账 {self.url} 中记录已发送的提醒，本次没有发送任何提醒。"
            f"请用提醒任务的角色运行 remind（管理员：gdcomply ledger grant 角色 --reminders）"
        )

    @_pg_errors("释放运行锁")
    def release_session_lock(self, purpose: str) -> None:
        self._db.execute("SELECT pg_advisory_unlock(%s, %s)", LOCKS[purpose])

    @_pg_errors("读取运行锁")
    def session_lock_holder(self, purpose: str) -> str:
        """Who holds the lock of purpose: "user@client (pid N)", or "" when nobody does."""
        row = self._db.execute(
            "SELECT a.usename, coalesce(host(a.client_addr), 'local'), l.pid FROM pg_locks l"
            " LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 2",
            LOCKS[purpose],
        ).fetchone()
        return f"{row[0] or '?'}@{row[1]}，数据库进程 {row[2]}" if row else ""

    # -- export and copy --------------------------------------------------------------------

    @_pg_errors("导出台账")
    def export_tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every table as rows of plain values, exactly as sqlite.Ledger.export_tables gives them."""
        result: dict[str, list[dict[str, Any]]] = {}
        with self._snapshot():
            for table in EXPORT_COLUMNS:
                columns = EXPORT_COLUMNS[table]
                rows = self._db.execute(
                    f"SELECT {', '.join(columns)} FROM gdcomply.{_TABLES[table]} ORDER BY {_ORDER[table]}"
                )
                result[table] = [dict(zip(columns, map(_plain, row))) for row in rows]
        return {name: result[name] for name in EXPORT_COLUMNS}

    def export_columns(self) -> dict[str, list[str]]:
        """The column names of each exported table (a CSV of an empty table still has its header)."""
        return {name: list(columns) for name, columns in EXPORT_COLUMNS.items()}

    @_pg_errors("检查目标数据库是否为空")
    def row_counts(self) -> dict[str, int]:
        """How many rows each exported table holds."""
        return {
            table: self._db.execute(f"SELECT count(*) FROM gdcomply.{name}").fetchone()[0]
            for table, name in _TABLES.items()
        }

    @_pg_errors("写入台账")
    def import_tables(
        self, tables: dict[str, list[dict[str, Any]]], tracking_since: date, content: Callable[[str], bytes]
    ) -> None:
        """Put another store's export (rows and ids as they are) into this empty ledger, the
        evidence with its content (content(sha256) gives the bytes; the database checks each
        against its SHA-256), in one transaction that commits only when this ledger then
        exports exactly the same tables."""
        with self._writing() as db:
            from gdcomply.ledger.pg_rights import must_be_owner

            must_be_owner(self, db, "把台账复制进来（复制会原样写入审计记录）")
            # the source's audit rows come as they are: the database writes none of its own for the copy
            db.execute("SELECT set_config('gdcomply.copying', 'on', true)")
            counts = {t: db.execute(f"SELECT count(*) FROM gdcomply.{n}").fetchone()[0] for t, n in _TABLES.items()}
            if any(counts.values()):
                raise LedgerError(
                    f"共享台账 {self.url} 不是空的（已有 {counts['submissions']} 条报送记录、{counts['audit']} 条审计记录、"
                    f"{counts['evidence']} 个佐证材料），未做任何修改。只能复制到一个空的数据库"
                )
            db.execute("SET CONSTRAINTS ALL DEFERRED")  # a row names the later one that superseded it
            db.execute(
                "INSERT INTO gdcomply.meta(key, value) VALUES ('tracking_since', %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (tracking_since.isoformat(),),
            )
            for row in tables["evidence"]:
                db.execute(
                    "INSERT INTO gdcomply.evidence(sha256, size, first_recorded_at, content) VALUES (%s, %s, %s, %s)",
                    (row["sha256"], row["size"], row["first_recorded_at"], content(row["sha256"])),
                )
            for table in ("submissions", "files", "audit", "reminders", "complaints", "complaint_audit"):
                columns = EXPORT_COLUMNS[table]
                db.executemany(
                    f"INSERT INTO gdcomply.{_TABLES[table]}({', '.join(columns)})"
                    f" VALUES ({', '.join(['%s'] * len(columns))})",
                    [[row[c] for c in columns] for row in tables.get(table, ())],
                )
            for table in _WITH_IDS:
                db.execute(
                    f"SELECT setval(pg_get_serial_sequence('gdcomply.{table}', 'id'), coalesce(max(id), 0) + 1, false)"
                    f" FROM gdcomply.{table}"
                )
            db.execute("SET CONSTRAINTS ALL IMMEDIATE")
            copied = self.export_tables()
            for table in EXPORT_COLUMNS:
                if copied[table] != tables[table]:
                    different = next(
                        (n for n, (a, b) in enumerate(zip(copied[table], tables[table])) if a != b),
                        min(len(copied[table]), len(tables[table])),
                    )
                    raise LedgerError(
                        f"复制到共享台账 {self.url} 后，{table} 表第 {different + 1} 行与原台账不一致，已全部撤销，未做任何修改"
                    )


# -- the evidence in the database ---------------------------------------------------------------


class DatabaseEvidence:
    """The evidence of a PostgreSQL ledger, in its evidence table (gdcomply.ledger.store.Evidence).

    Files are hashed on the client; their content goes in with the row that names them, in
    the ledger's transaction; the database re-hashes it on the way in and in ``verify``.
    """

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._scratch: Path | None = None

    @property
    def shown(self) -> str:
        return f"共享台账 {self._ledger.url} 的数据库"

    def put(self, source: Path, max_bytes: int = DEFAULT_MAX_MB << 20) -> tuple[StoredFile, bool]:
        return hash_file(source, max_bytes), False

    def verify(self, expected: dict[str, int]) -> list[EvidenceProblem]:
        """Re-hash every expected file in the database (the server reads it, the client gets
        one flag per file); a row whose content cannot even be read counts as altered."""
        ledger = self._ledger
        where = f"{ledger.url} 的 evidence 表"
        wanted = sorted(expected)
        check = "length(content) = size AND encode(sha256(content), 'hex') = sha256"
        found: dict[str, tuple[int, bool]] = {}  # sha256 -> (size recorded, content intact)
        try:
            try:
                rows = ledger._db.execute(
                    f"SELECT sha256, size, {check} FROM gdcomply.evidence WHERE sha256 = ANY(%s)", (wanted,)
                ).fetchall()
                found = {sha: (size, bool(ok)) for sha, size, ok in rows}
            except (pg_errors.DataCorrupted, pg_errors.InternalError_, pg_errors.IndexCorrupted):
                for sha in wanted:  # one file at a time, to name the damaged ones
                    try:
                        row = ledger._db.execute(
                            f"SELECT size, {check} FROM gdcomply.evidence WHERE sha256 = %s", (sha,)
                        ).fetchone()
                    except (pg_errors.DataCorrupted, pg_errors.InternalError_, pg_errors.IndexCorrupted):
                        found[sha] = (expected[sha], False)
                        continue
                    if row is not None:
                        found[sha] = (row[0], bool(row[1]))
        except psycopg.Error as exc:
            raise ledger._error(exc, "校验佐证材料") from None
        problems = []
        for sha in wanted:
            if sha not in found:
                problems.append(EvidenceProblem(sha, "missing", where))
            elif found[sha] != (expected[sha], True):
                problems.append(EvidenceProblem(sha, "altered", where))
        return problems

    def stored_hashes(self) -> set[str]:
        try:
            return {sha for (sha,) in self._ledger._db.execute("SELECT sha256 FROM gdcomply.evidence")}
        except psycopg.Error as exc:
            raise self._ledger._error(exc, "读取佐证材料") from None

    def stray_incoming(self) -> list[Path]:
        """None: nothing is copied anywhere before its transaction."""
        return []

    def open(self, sha256: str) -> BinaryIO:
        """The content, read in slices (a large file is never held whole in memory)."""
        try:
            row = self._ledger._db.execute("SELECT size FROM gdcomply.evidence WHERE sha256 = %s", (sha256,)).fetchone()
        except psycopg.Error as exc:
            raise self._ledger._error(exc, "读取佐证材料") from None
        if row is None:
            raise FileNotFoundError(2, "数据库中没有该佐证材料", sha256)
        return io.BufferedReader(_ContentReader(self._ledger, sha256, row[0]), buffer_size=_CHUNK)

    def local_file(self, sha256: str) -> Path | None:
        """The content in a file of this machine (a private folder removed on close), or None."""
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="gdcomply-evidence-"))
        target = self._scratch / sha256
        if target.is_file():
            return target
        try:
            source = self.open(sha256)
        except FileNotFoundError:
            return None
        digest = hashlib.sha256()
        with source, target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            target.unlink()
            return None
        return target

    def close(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


class _ContentReader(io.RawIOBase):
    """One evidence file's content, fetched slice by slice (storage EXTERNAL makes a slice cheap)."""

    def __init__(self, ledger: Ledger, sha256: str, size: int) -> None:
        self._ledger = ledger
        self._sha256 = sha256
        self._size = size
        self._offset = 0
        self._cursor = ledger._db.cursor(binary=True)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), _CHUNK, self._size - self._offset)
        if wanted <= 0:
            return 0
        try:
            row = self._cursor.execute(
                "SELECT substring(content FROM %s FOR %s) FROM gdcomply.evidence WHERE sha256 = %s",
                (self._offset + 1, wanted, self._sha256),
            ).fetchone()
        except psycopg.Error as exc:
            raise self._ledger._error(exc, "读取佐证材料") from None
        data = bytes(row[0]) if row is not None else b""
        buffer[: len(data)] = data
        self._offset += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._cursor.close()
        super().close()


# -- small helpers --------------------------------------------------------------------------------


def _stamp(at: datetime) -> datetime:
    """A moment as the ledger keeps it: to the second (as the SQLite store's text)."""
    return at.replace(microsecond=0)


def _stamp_text(value: datetime) -> str:
    return value.astimezone(_SHANGHAI).isoformat(timespec="seconds")


def _stored(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A complaints row's record values as the SQLite store keeps them (dates as ISO text)."""
    return tuple(v.isoformat() if isinstance(v, date) else v for v in values)


def _plain(value: Any) -> Any:
    """A value as the SQLite store exports it: dates and times as ISO text, JSON as text."""
    if isinstance(value, datetime):
        return _stamp_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _read_exactly(source: Path, file: EvidenceFile) -> bytes:
    """The content of source, which must still be what was hashed (else nothing is recorded)."""
    try:
        with source.open("rb") as handle:
            content = handle.read(file.size + 1)
    except OSError as exc:
        from gdcomply.errors import os_reason

        raise InputError(f"无法读取 {source}：{os_reason(exc)}。未做任何记录") from None
    if len(content) != file.size or hashlib.sha256(content).hexdigest() != file.sha256:
        raise InputError(f"{source} 在登记过程中被改动了（内容与刚才计算的 SHA-256 不同），未做任何记录。请确认文件后重新登记")
    return content


def _pause_if_asked(connection: psycopg.Connection) -> None:
    """Tests only ($GDCOMPLY_TEST_PAUSE_BEFORE_COMMIT): say this backend's pid, then wait while
    the file exists (at most a minute), so that a test can end the connection right here."""
    flag = os.environ.get(PAUSE_BEFORE_COMMIT)
    if not flag:
        return
    path = Path(flag)
    path.write_text(str(connection.info.backend_pid), encoding="utf-8")
    deadline = time.monotonic() + 60
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
