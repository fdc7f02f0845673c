"""The ledger stores, SQLite and PostgreSQL: schema, migrations, refusals, records, audit, export.

The behaviour tests (records, supersede, withdraw, audit, reminders, export, snapshots) run on
both stores through the ``ledger`` fixture; the tests of the SQLite file itself (its format,
pragmas, migrations, refusals) are SQLite's own, PostgreSQL's are in test_ledger_postgres.py.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from gdcomply.errors import LedgerError
from gdcomply.ledger.model import EXPORT_COLUMNS, EvidenceFile, NewSubmission, SentReminder
from gdcomply.ledger.sqlite import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, Ledger
from gdcomply.ledger.store import Ledger as LedgerStore

SHANGHAI = timezone(timedelta(hours=8))
AT = datetime(2018, 11, 16, 17, 30, tzinfo=SHANGHAI)
UNIT = "progress-report/2018-R4/gongdian->company"
_CONTENT: dict[str, bytes] = {}  # what each evidence() file holds, by SHA-256
_SOURCES: list[Path] = []  # the folder record() writes the files it records into


def evidence(text: str, name: str | None = None) -> EvidenceFile:
    data = text.encode()
    digest = hashlib.sha256(data).hexdigest()
    _CONTENT[digest] = data
    return EvidenceFile(name or f"{text}.pdf", digest, len(data))


def request(*files: EvidenceFile, on: str = "2018-11-16", instance_id: str = UNIT, note: str = "") -> NewSubmission:
    obligation, period, route = instance_id.split("/")
    sender, _, receiver = route.partition("->")
    return NewSubmission(instance_id, obligation, period, sender, receiver or None, date.fromisoformat(on), note, files)


def sources(*requests: NewSubmission) -> dict[str, Path]:
    """The files of the requests, written out: a store that keeps evidence in its database
    reads them (the SQLite store's evidence folder is the evidence store's business)."""
    folder = _SOURCES[-1]
    result = {}
    for file in (f for r in requests for f in r.files):
        path = folder / file.sha256
        path.write_bytes(_CONTENT[file.sha256])
        result[file.sha256] = path
    return result


def open_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest, since: date = date(2018, 6, 1)):
    """A new, empty ledger of the backend's kind, tracking since `since`."""
    if backend == "sqlite":
        return Ledger.open(tmp_path / "ledger.sqlite3", create=True, tracking_since=since)
    from gdcomply.ledger import postgres

    url = request.getfixturevalue("pg_database")
    postgres.Ledger.migrate(url, tracking_since=since, today=date(2026, 1, 1))
    return postgres.Ledger.connect(url)


def reopen(ledger: LedgerStore) -> LedgerStore:
    """Another connection to the same ledger (another process, as far as the store can tell)."""
    if isinstance(ledger, Ledger):
        return Ledger.open(ledger.path)
    from gdcomply.ledger import postgres

    return postgres.Ledger.connect(ledger.url)


def recorder(ledger: LedgerStore, os_user: str) -> str:
    """Who a row says recorded it: the OS user given (SQLite) or the database user (PostgreSQL)."""
    return os_user if isinstance(ledger, Ledger) else ledger.user


@pytest.fixture
def ledger(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    (tmp_path / "sources").mkdir()
    _SOURCES.append(tmp_path / "sources")
    with open_store(backend, tmp_path, request) as opened:
        yield opened


@pytest.fixture
def sqlite_ledger(tmp_path: Path):
    with Ledger.open(tmp_path / "ledger.sqlite3", create=True, tracking_since=date(2018, 6, 1)) as opened:
        yield opened


def record(ledger: LedgerStore, *files: EvidenceFile, os_user: str = "营销部", **options):
    new = request(*files, **options)
    [result] = ledger.record_submissions([new], at=AT, os_user=os_user, sources=sources(new))
    return result


def file_state(path: Path) -> dict[str, str]:
    """The bytes (as hashes) of the ledger and of any -wal/-shm/-journal beside it."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.parent.iterdir())}


# -- the database file -----------------------------------------------------------------------


def test_a_new_ledger_is_marked_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ledger.sqlite3"
    with Ledger.open(path, create=True, tracking_since=date(2018, 6, 1)) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
        assert ledger.tracking_since == date(2018, 6, 1)
        connection = ledger._db  # the pragmas of the connection the ledger works with
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    raw.close()


def test_foreign_keys_are_enforced(sqlite_ledger: Ledger) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        sqlite_ledger._db.execute(
            "INSERT INTO submission_files(submission_id, position, sha256, original_name, size)"
            " VALUES (999, 0, 'nope', 'x', 1)"
        )


def test_a_missing_ledger_is_not_created_without_asking(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with pytest.raises(LedgerError) as caught:
        Ledger.open(path)
    assert str(caught.value) == f"台账文件 {path} 不存在。请先运行“gdcomply init”创建工作区"
    assert not path.exists()


def _version_1_ledger(path: Path) -> None:
    raw = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            raw.execute(statement)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute("PRAGMA user_version = 1")
    raw.execute("INSERT INTO meta VALUES ('tracking_since', '2018-06-01')")
    raw.execute("INSERT INTO evidence VALUES ('ab', 3, '2018-06-08T09:00:00+08:00')")
    raw.execute(
        "INSERT INTO submissions(id, instance_id, obligation, period, sender, receiver, submitted_on,"
        " recorded_at, recorded_by, state, fileset) VALUES (1, ?, 'progress-report', '2018-R4', 'gongdian',"
        " 'company', '2018-11-16', '2018-11-16T17:00:00+08:00', 'old', 'active', 'ab')",
        (UNIT,),
    )
    raw.execute("INSERT INTO submission_files VALUES (1, 0, 'ab', 'old.pdf', 3)")
    raw.close()


def test_migrates_a_version_1_ledger_forward_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _version_1_ledger(path)
    with Ledger.open(path) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION
        assert ledger.tracking_since == date(2018, 6, 1)
        [old] = ledger.submissions()
        assert (old.id, old.instance_id, old.files) == (1, UNIT, (EvidenceFile("old.pdf", "ab", 3),))
        # the table migration 2 adds works
        reminder = SentReminder(UNIT, "overdue-1", "gongdian@example.com", "<m@x>", "2018-11-19T09:00:00+08:00", date(2018, 11, 19))
        assert ledger.record_reminder(reminder) is True
    with Ledger.open(path) as again:  # opening a current ledger migrates nothing
        assert again.reminders() == [reminder]


def test_ledger_migrate_with_another_since_leaves_an_old_ledger_as_it_was(cli, tmp_path: Path) -> None:
    # a folder with '#' and '%' in its name: the read-only look at the file must find it (a URI)
    workspace = tmp_path / "ws#1 %20"
    assert cli(["init", workspace]).exit_code == 0
    ledger_file = workspace / "data" / "ledger.sqlite3"
    for leftover in ledger_file.parent.glob("ledger.sqlite3*"):
        leftover.unlink()
    _version_1_ledger(ledger_file)

    def state() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in ledger_file.parent.glob("ledger.sqlite3*")}

    before = state()
    refused = cli(["ledger", "migrate", "--since", "2019-01-01", "-w", workspace])
    assert refused.exit_code == 2
    assert "已从 2018-06-01 开始跟踪；migrate 不会修改已有台账的跟踪起始日，未做任何修改" in refused.stderr
    assert state() == before
    done = cli(["ledger", "migrate", "--since", "2018-06-01", "-w", workspace])
    assert done.exit_code == 0
    assert f"的架构从版本 1 升级到 {SCHEMA_VERSION}（从 2018-06-01 开始跟踪，不变）" in done.stdout


def _refused(path: Path) -> str:
    before = file_state(path)
    with pytest.raises(LedgerError) as caught:
        Ledger.open(path)
    assert file_state(path) == before, "the refused file (or files beside it) changed"
    return str(caught.value)


def test_refuses_random_bytes_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(bytes(range(256)) * 40)
    assert _refused(path) == (
        f"{path} 不是 gdcomply 台账（不是 SQLite 数据库文件），未做任何修改。请从备份恢复该文件，或检查工作区是否选对"
    )


def test_refuses_an_empty_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"")
    assert _refused(path).startswith(f"{path} 是空文件，不是 gdcomply 台账，未做任何修改。")


def test_refuses_a_foreign_sqlite_database_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE customers (name TEXT)")
    raw.execute("INSERT INTO customers VALUES ('张三')")
    raw.commit()
    raw.close()
    assert _refused(path) == f"{path} 不是 gdcomply 台账（是其他程序的 SQLite 数据库），未做任何修改"
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not switched to WAL
    raw.close()


def test_refuses_a_ledger_of_a_newer_schema_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    Ledger.open(path, create=True, tracking_since=date(2018, 6, 1)).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    assert _refused(path) == (
        f"台账 {path} 由更新版本的 gdcomply 创建（架构版本 {SCHEMA_VERSION + 1}，"
        f"本程序最高支持 {SCHEMA_VERSION}）。请升级 gdcomply 后再使用，台账未做任何修改"
    )


def test_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="是目录，不是台账文件"):
        Ledger.open(tmp_path)


# -- submissions, supersede, withdraw, audit --------------------------------------------------


def test_record_then_identical_records_nothing(ledger: LedgerStore) -> None:
    a, b = evidence("report"), evidence("annex")
    first = record(ledger, a, b, note="第四次")
    assert first.existing is None
    recorded = first.recorded
    assert (recorded.id, recorded.state, recorded.files, recorded.note) == (1, "active", (a, b), "第四次")
    assert (recorded.recorded_at, recorded.recorded_by) == ("2018-11-16T17:30:00+08:00", recorder(ledger, "营销部"))
    # the same files in another order, even with another date: nothing new
    again = record(ledger, b, a, on="2018-11-17")
    assert again.recorded is None and again.existing == recorded
    assert len(ledger.submissions()) == 1
    assert [e.action for e in ledger.audit_log()] == ["submit"]


def test_a_different_submission_supersedes_and_withdraw_reinstates(ledger: LedgerStore) -> None:
    first = record(ledger, evidence("v1")).recorded
    second = record(ledger, evidence("v2"), on="2018-11-19").recorded
    assert ledger.submission(first.id).state == "superseded"
    assert ledger.submission(first.id).superseded_by == second.id
    assert ledger.active_submission(UNIT) == second
    withdrawn = ledger.withdraw(second.id, "附件错误", at=AT, os_user="营销部")
    assert (withdrawn.state, withdrawn.withdrawn_reason) == ("withdrawn", "附件错误")
    assert ledger.active_submission(UNIT).id == first.id
    assert ledger.submission(first.id).superseded_by is None
    # nothing was deleted
    assert [(s.id, s.state) for s in ledger.submissions()] == [(1, "active"), (2, "withdrawn")]
    assert [s.id for s in ledger.submissions(include_withdrawn=False)] == [1]

    log = ledger.audit_log()
    assert [(e.action, e.submission_id) for e in log] == [
        ("submit", 1), ("submit", 2), ("supersede", 1), ("withdraw", 2), ("reinstate", 1),
    ]  # fmt: skip
    submit_2, supersede_1, withdraw_2, reinstate_1 = log[1:]
    assert submit_2.before is None
    assert submit_2.after == {
        "id": 2, "instance_id": UNIT, "submitted_on": "2018-11-19", "note": "", "state": "active",
        "files": [{"name": "v2.pdf", "sha256": evidence("v2").sha256, "size": 2}],
    }  # fmt: skip
    assert (supersede_1.before, supersede_1.after) == ({"state": "active"}, {"state": "superseded", "superseded_by": 2})
    assert (withdraw_2.before, withdraw_2.after) == ({"state": "active"}, {"state": "withdrawn", "reason": "附件错误"})
    assert (reinstate_1.before, reinstate_1.after) == ({"state": "superseded", "superseded_by": 2}, {"state": "active"})
    who = recorder(ledger, "营销部")
    assert all(e.os_user == who and e.instance_id == UNIT for e in log)
    if ledger.is_shared:  # the database writes its own audit: its clock, and where the change came from
        moments = {datetime.fromisoformat(e.at) for e in log}
        assert all(abs(datetime.now(SHANGHAI) - m) < timedelta(minutes=5) for m in moments), moments
        assert {e.client for e in log} == {"127.0.0.1"}
    else:
        assert {(e.at, e.client) for e in log} == {("2018-11-16T17:30:00+08:00", None)}
    # resubmitting the withdrawn files is a new record, not a repeat
    assert record(ledger, evidence("v2")).recorded.id == 3


def test_withdrawing_after_a_withdrawn_middle_one_reinstates_the_oldest(ledger: LedgerStore) -> None:
    a, b, c = (record(ledger, evidence(t)).recorded for t in ("a", "b", "c"))
    ledger.withdraw(b.id, "错报", at=AT, os_user="x")  # a superseded one: the active stays c
    assert ledger.active_submission(UNIT).id == c.id
    ledger.withdraw(c.id, "错报", at=AT, os_user="x")
    assert ledger.active_submission(UNIT).id == a.id
    # and the one standing is what an identical resubmission is compared with
    assert record(ledger, evidence("a")).recorded is None


def test_withdraw_refusals_change_nothing(ledger: LedgerStore) -> None:
    first = record(ledger, evidence("a")).recorded
    ledger.withdraw(first.id, "错报", at=AT, os_user="x")
    audit_before = ledger.audit_log()
    with pytest.raises(LedgerError) as caught:
        ledger.withdraw(first.id, "再撤", at=AT, os_user="x")
    assert str(caught.value) == f"报送记录 #{first.id} 已经撤回，未做任何修改"
    with pytest.raises(LedgerError) as caught:
        ledger.withdraw(42, "x", at=AT, os_user="x")
    assert str(caught.value) == "没有编号为 42 的报送记录（可用“gdcomply log”查看）"
    assert ledger.audit_log() == audit_before
    # the failed transactions were rolled back: the ledger still writes
    assert record(ledger, evidence("b")).recorded is not None


def test_one_transaction_for_all_receivers(ledger: LedgerStore) -> None:
    shared = evidence("R4")
    requests = [
        request(shared, instance_id="progress-report/2018-R4/guiyuan->company"),
        request(shared, instance_id="progress-report/2018-R4/guiyuan->bureau"),
    ]
    results = ledger.record_submissions(requests, at=AT, os_user="x", sources=sources(*requests))
    assert [r.recorded.instance_id for r in results] == [r.instance_id for r in requests]
    assert [r.recorded.receiver for r in results] == ["company", "bureau"]
    assert ledger.evidence_sizes() == {shared.sha256: 2}  # one evidence row for the shared file
    assert ledger.audit_log("progress-report/2018-R4/guiyuan->bureau")[0].submission_id == results[1].recorded.id


# -- reminders and export ----------------------------------------------------------------------


def test_reminders_are_recorded_once(ledger: LedgerStore) -> None:
    reminder = SentReminder(UNIT, "due-soon", "a@example.com", "<1@x>", "2018-11-12T09:00:00+08:00", date(2018, 11, 12))
    assert ledger.record_reminder(reminder) is True
    assert ledger.record_reminder(reminder) is False
    assert ledger.reminder_sent(UNIT, "due-soon", "a@example.com")
    assert not ledger.reminder_sent(UNIT, "overdue", "a@example.com")
    assert ledger.reminders(UNIT) == [reminder] and ledger.reminders("other") == []


def test_the_reminders_of_one_email_are_recorded_together_or_not_at_all(ledger: LedgerStore) -> None:
    def sent(stage: str) -> SentReminder:
        return SentReminder(UNIT, stage, "a@example.com", "<2@x>", "2018-11-12T09:00:00+08:00", date(2018, 11, 12))

    assert ledger.record_reminders([sent("lead-5"), sent("lead-2")]) == 2
    assert ledger.record_reminders([sent("lead-2"), sent("lead-0")]) == 1  # lead-2 was there already
    broken = SentReminder(UNIT, "overdue-1", "b@example.com", "<3@x>", "2018-11-12T09:00:00+08:00", None)  # type: ignore[arg-type]
    with pytest.raises((AttributeError, LedgerError)):  # fails after the first insert of the transaction
        ledger.record_reminders([sent("overdue-1"), broken])
    assert [r.stage for r in ledger.reminders(UNIT)] == ["lead-5", "lead-2", "lead-0"]


def test_export_tables_is_every_row(ledger: LedgerStore) -> None:
    one = record(ledger, evidence("a"), evidence("b")).recorded
    record(ledger, evidence("c"))
    tables = ledger.export_tables()
    assert list(tables) == list(EXPORT_COLUMNS) == [
        "submissions", "files", "evidence", "audit", "reminders", "complaints", "complaint_audit",
    ]  # fmt: skip
    assert {name: list(rows[0]) for name, rows in tables.items() if rows} == {
        name: list(columns) for name, columns in EXPORT_COLUMNS.items()
        if name not in ("reminders", "complaints", "complaint_audit")
    }  # fmt: skip
    assert ledger.export_columns() == {name: list(columns) for name, columns in EXPORT_COLUMNS.items()}
    assert [row["id"] for row in tables["submissions"]] == [1, 2]
    assert tables["submissions"][0]["state"] == "superseded"
    assert [(r["submission_id"], r["position"], r["original_name"]) for r in tables["files"]] == [
        (1, 0, "a.pdf"), (1, 1, "b.pdf"), (2, 0, "c.pdf"),
    ]  # fmt: skip
    assert {r["sha256"] for r in tables["evidence"]} == {f.sha256 for f in one.files} | {evidence("c").sha256}
    assert [r["action"] for r in tables["audit"]] == ["submit", "submit", "supersede"]
    assert tables["reminders"] == []


def test_deciding_submissions_are_those_the_status_depends_on(ledger: LedgerStore) -> None:
    """Against every row: per instance, the earliest date and the newest submission, as of each day."""
    rng = random.Random(7)
    instances = [f"progress-report/2018-R{n}/gongdian->company" for n in (1, 2, 3)]
    for step in range(120):
        instance_id = rng.choice(instances)
        on = (date(2018, 6, 1) + timedelta(days=rng.randrange(60))).isoformat()
        result = record(ledger, evidence(f"file {step}"), instance_id=instance_id, on=on)
        if rng.random() < 0.2:
            ledger.withdraw(result.recorded.id, "抽查", at=AT, os_user="x")
    every = ledger.submissions()
    assert {s.state for s in every} == {"active", "superseded", "withdrawn"}
    for as_of in (date(2018, 5, 31), date(2018, 6, 1), date(2018, 6, 20), date(2018, 7, 15), date(2018, 12, 31)):
        deciding = ledger.deciding_submissions(as_of)
        for instance_id in instances:
            valid = [s for s in every if s.instance_id == instance_id and s.state != "withdrawn" and s.submitted_on <= as_of]
            chosen = deciding.get(instance_id, [])
            if not valid:
                assert chosen == []
                continue
            newest = max(valid, key=lambda s: s.id)
            earliest = min(s.submitted_on for s in valid)
            assert newest in chosen and len(chosen) <= 2
            assert min(s.submitted_on for s in chosen) == earliest
            assert all(s in valid for s in chosen)  # whole rows, files included


def test_reads_that_span_several_queries_see_one_state(ledger: LedgerStore) -> None:
    """export_tables and deciding_submissions read in a snapshot: another process's commit waits."""
    record(ledger, evidence("a"))
    with reopen(ledger) as other:
        with ledger._snapshot():
            assert ledger.submission_count() == 1
            new = request(evidence("b"))
            other.record_submissions([new], at=AT, os_user="other", sources=sources(new))  # a writer is not blocked
            assert ledger.submission_count() == 1
            assert len(ledger.export_tables()["submissions"]) == 1
        assert ledger.submission_count() == 2
