"""The shared ledger on a real PostgreSQL server: schema and migrations, what the database itself
refuses, faults (each one Chinese line with the URL and what to do), a connection killed in the
middle of a submit, parallel submits, ledger copy from SQLite, and backups that restore into
either store.

Every test makes its own database (random name) and drops it (conftest.pg_database). The
behaviour both stores share is tested on both in test_ledger.py, test_submit_cli.py and
test_check_cli.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from conftest import database_url, pg_state, pg_tables
from gdcomply.errors import InputError
from gdcomply.ledger import postgres
from gdcomply.ledger.model import EvidenceFile, NewSubmission, SentReminder

AT = datetime(2018, 11, 16, 17, 30, tzinfo=timezone(timedelta(hours=8)))
R4_GONGDIAN = "progress-report/2018-R4/gongdian->company"
SUBMIT_R4 = ["submit", "progress-report", "--period", "2018-R4", "--from", "gongdian", "--on", "2018-11-16"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def url(pg_database: str) -> str:
    """A migrated, empty shared ledger tracking since 2018-06-01."""
    postgres.Ledger.migrate(pg_database, tracking_since=date(2018, 6, 1), today=date(2026, 1, 1))
    return pg_database


def exported(cli, *where: str) -> dict:
    result = cli(["export", "--format", "json", *where])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- schema and migrations ----------------------------------------------------------------------


def test_migrate_makes_the_schema_once_and_records_who_and_when(cli, pg_database: str) -> None:
    made = cli(["ledger", "migrate", "--ledger", pg_database, "--since", "2018-06-01"])
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith(f"已在共享台账 {pg_database} 中建立台账（架构版本 {postgres.SCHEMA_VERSION}），从 2018-06-01 开始跟踪。\n")
    again = cli(["ledger", "migrate", "--ledger", pg_database])
    assert again.stdout == f"共享台账 {pg_database} 的架构已是版本 {postgres.SCHEMA_VERSION}，无需升级（从 2018-06-01 开始跟踪）。\n"
    tables = pg_tables(pg_database)
    assert sorted(tables) == [
        "audit", "complaint_audit", "complaints", "evidence", "grants", "meta", "reminders", "schema_migrations", "submission_files",
        "submissions",
    ]  # fmt: skip
    assert [(version, who) for version, _, who in tables["schema_migrations"]] == [
        (step, "postgres") for step in range(1, postgres.SCHEMA_VERSION + 1)
    ]
    # the tracking start belongs to the ledger: migrate never changes it
    other = cli(["ledger", "migrate", "--ledger", pg_database, "--since", "2019-01-01"])
    assert (other.exit_code, other.stderr) == (
        2,
        f"错误：共享台账 {pg_database} 已从 2018-06-01 开始跟踪；migrate 不会修改已有台账的跟踪起始日，未做任何修改。"
        f"请去掉 --since 后重新运行\n",
    )
    from gdcomply.ledger import sqlite

    # one schema, versioned alike on both stores: a migration is added to both or to neither
    assert len(postgres.MIGRATIONS) == postgres.SCHEMA_VERSION == sqlite.SCHEMA_VERSION == len(sqlite.MIGRATIONS)


def test_a_database_without_the_schema_says_run_migrate(cli, pg_database: str) -> None:
    for command in (["check"], [*SUBMIT_R4, "x.pdf"], ["log"], ["verify"], ["export"]):
        result = cli([*command, "--ledger", pg_database])
        assert result.exit_code == 2, command
        assert result.stderr.endswith(
            f"错误：共享台账 {pg_database} 的数据库中还没有 gdcomply 台账。请由数据库所有者运行"
            f"“gdcomply ledger migrate --ledger {pg_database} --since 跟踪起始日”创建；"
            f"要迁入现有的台账，在其工作区运行“gdcomply ledger copy --to {pg_database}”\n"
        ), command
    assert pg_tables(pg_database) == {}  # nothing was created by a command that is not migrate


def _version_1_ledger(url: str) -> None:
    """A database as gdcomply's first schema made it, with one submission."""
    with psycopg.connect(url, autocommit=True) as raw:
        raw.execute("CREATE SCHEMA gdcomply")
        raw.execute(postgres.MIGRATIONS[0])
        raw.execute("INSERT INTO gdcomply.schema_migrations(version) VALUES (1)")
        raw.execute("INSERT INTO gdcomply.meta VALUES ('tracking_since', '2018-06-01')")
        raw.execute(
            "INSERT INTO gdcomply.evidence VALUES (%s, 3, '2018-06-08T09:00:00+08:00', 'old')", (sha(b"old"),)
        )
        raw.execute(
            "INSERT INTO gdcomply.submissions(instance_id, obligation, period, sender, receiver, submitted_on,"
            " recorded_at, recorded_by, state, fileset) VALUES (%s, 'progress-report', '2018-R4', 'gongdian',"
            " 'company', '2018-11-16', '2018-11-16T17:00:00+08:00', 'old', 'active', %s)",
            (R4_GONGDIAN, sha(b"old")),
        )
        raw.execute("INSERT INTO gdcomply.submission_files VALUES (1, 0, %s, 'old.pdf', 3)", (sha(b"old"),))


def test_an_older_schema_is_upgraded_by_migrate_only_keeping_its_rows(cli, pg_database: str) -> None:
    _version_1_ledger(pg_database)
    refused = cli(["check", "--ledger", pg_database])
    assert (refused.exit_code, refused.stderr.splitlines()[-1]) == (
        2,
        f"错误：共享台账 {pg_database} 的架构版本是 1，本程序需要 {postgres.SCHEMA_VERSION}。请由数据库所有者运行"
        f"“gdcomply ledger migrate --ledger {pg_database}”升级（升级后旧版本的 gdcomply 将不能再使用它）",
    )
    assert "reminders" not in pg_tables(pg_database)
    upgraded = cli(["ledger", "migrate", "--ledger", pg_database])
    assert upgraded.stdout == f"已把共享台账 {pg_database} 的架构从版本 1 升级到 {postgres.SCHEMA_VERSION}（从 2018-06-01 开始跟踪，不变）。\n"
    with postgres.Ledger.connect(pg_database) as ledger:
        [old] = ledger.submissions()
        assert (old.id, old.recorded_by, old.files) == (1, "old", (EvidenceFile("old.pdf", sha(b"old"), 3),))
        reminder = SentReminder(R4_GONGDIAN, "overdue-1", "a@example.com", "<m@x>", "2018-11-19T09:00:00+08:00", date(2018, 11, 19))
        assert ledger.record_reminder(reminder) is True  # the table migration 2 adds works
        assert ledger.reminders() == [reminder]


def test_a_newer_schema_is_refused_untouched(cli, url: str) -> None:
    with psycopg.connect(url, autocommit=True) as raw:
        raw.execute("INSERT INTO gdcomply.schema_migrations(version) VALUES (%s)", (postgres.SCHEMA_VERSION + 1,))
    before = pg_state(url)
    newer, supported = postgres.SCHEMA_VERSION + 1, postgres.SCHEMA_VERSION
    message = (
        f"错误：共享台账 {url} 由更新版本的 gdcomply 创建或升级（架构版本 {newer}，本程序最高支持 {supported}）。"
        f"请升级 gdcomply 后再使用，台账未做任何修改\n"
    )
    for command in (["check"], ["ledger", "migrate"], ["info"]):
        result = cli([*command, "--ledger", url])
        assert (result.exit_code, result.stderr.splitlines()[-1] + "\n") == (1, message), command
    assert pg_state(url) == before


# -- what the database itself refuses -----------------------------------------------------------


def test_the_database_refuses_evidence_whose_hash_or_size_does_not_match_its_key(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as raw:
        insert = "INSERT INTO gdcomply.evidence VALUES (%s, %s, now(), %s)"
        with pytest.raises(psycopg.errors.CheckViolation, match="evidence_hash_matches"):
            raw.execute(insert, (sha(b"report"), 6, b"forged"))
        with pytest.raises(psycopg.errors.CheckViolation, match="evidence_size_matches"):
            raw.execute(insert, (sha(b"report"), 7, b"report"))
        with pytest.raises(psycopg.errors.CheckViolation):
            raw.execute(insert, ("not-a-hash", 6, b"report"))
        raw.execute(insert, (sha(b"report"), 6, b"report"))
        with pytest.raises(psycopg.errors.CheckViolation, match="evidence_hash_matches"):
            raw.execute("UPDATE gdcomply.evidence SET content = 'altere'")
        assert raw.execute("SELECT content FROM gdcomply.evidence").fetchone() == (b"report",)


def test_the_database_keeps_one_active_submission_per_instance(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as raw:
        raw.execute("INSERT INTO gdcomply.evidence VALUES (%s, 1, now(), 'a')", (sha(b"a"),))
        row = (
            "INSERT INTO gdcomply.submissions(instance_id, obligation, period, sender, submitted_on, recorded_at,"
            " state, fileset) VALUES (%s, 'progress-report', '2018-R4', 'gongdian', '2018-11-16', now(), %s, 'a')"
        )
        raw.execute(row, (R4_GONGDIAN, "active"))
        with pytest.raises(psycopg.errors.ExclusionViolation):
            raw.execute(row, (R4_GONGDIAN, "active"))
        with pytest.raises(psycopg.errors.CheckViolation, match="superseded_names_its_successor"):
            raw.execute(row, (R4_GONGDIAN, "superseded"))
        # and who recorded a row is the database's own user, not something a client says
        assert raw.execute("SELECT recorded_by FROM gdcomply.submissions").fetchall() == [("postgres",)]


def test_a_file_changed_after_it_was_hashed_records_nothing(url: str, tmp_path: Path) -> None:
    report = tmp_path / "report.pdf"
    report.write_bytes(b"version 1")
    with postgres.Ledger.connect(url) as ledger:
        stored, _ = ledger.evidence.put(report)
        report.write_bytes(b"version 2")  # another program saves over it meanwhile
        new = NewSubmission(R4_GONGDIAN, "progress-report", "2018-R4", "gongdian", "company", date(2018, 11, 16), "",
                            (EvidenceFile("report.pdf", stored.sha256, stored.size),))  # fmt: skip
        before = pg_state(url)
        with pytest.raises(InputError) as caught:
            ledger.record_submissions([new], at=AT, os_user="x", sources={stored.sha256: report})
        assert str(caught.value) == (
            f"{report} 在登记过程中被改动了（内容与刚才计算的 SHA-256 不同），未做任何记录。请确认文件后重新登记"
        )
        assert pg_state(url) == before
        assert ledger.submission_count() == 0  # the transaction is over: the connection still works


def test_evidence_is_kept_once_in_the_database_and_verify_rehashes_it_there(cli, shared_workspace, tmp_path: Path) -> None:
    ws = shared_workspace("ws")
    report = tmp_path / "第四次报告.docx"
    report.write_bytes(b"R4 report")
    both = cli([*SUBMIT_R4[:5], "guiyuan", "--to", "all", "--on", "2018-11-16", report, "-w", ws])
    assert both.exit_code == 0, both.output
    url = postgres_url(ws)
    assert [(row[0], row[1], bytes(row[3])) for row in pg_tables(url)["evidence"]] == [(sha(b"R4 report"), 9, b"R4 report")]
    assert not (ws / "data").exists()  # no folder is needed on this PC
    ok = cli(["verify", "-w", ws])
    assert (ok.exit_code, ok.stdout) == (0, "校验通过：台账完好，1 个佐证材料文件完好。\n")
    with psycopg.connect(url, autocommit=True) as raw:  # someone with the owner's rights goes around the checks
        raw.execute("ALTER TABLE gdcomply.evidence DROP CONSTRAINT evidence_hash_matches")
        raw.execute("UPDATE gdcomply.evidence SET content = 'R4 forged'")
    bad = cli(["verify", "-w", ws])
    assert bad.exit_code == 1
    assert bad.stdout == (
        "台账记录有问题：数据库约束 evidence_hash_matches 不见了：数据库不再拒绝与 SHA-256 不符的佐证材料，请由数据库所有者检查\n"
        f"内容已被改动：{sha(b'R4 report')}（{url} 的 evidence 表）\n"
        "校验未通过：1 处台账记录、1 个文件有问题（佐证材料共 1 个）。可从备份恢复（gdcomply restore），或撤回有问题的记录后重新登记。\n"
    )


def postgres_url(ws: Path) -> str:
    from conftest import shared_ledger_of

    found = shared_ledger_of(ws)
    assert found is not None
    return found


# -- faults: one Chinese line with the URL and what to do ------------------------------------------


def test_an_unreachable_server(cli) -> None:
    url = "postgresql://gdcomply@127.0.0.1:1/ledger"
    result = cli(["check", "--ledger", url])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.endswith(
        f"错误：无法连接共享台账 {url}：数据库服务器没有响应（Connection refused）。请检查地址和端口、网络连接，"
        f"或请管理员确认 PostgreSQL 服务已启动，台账未做任何修改\n"
    )


def test_a_login_the_server_refuses(cli, pg_admin) -> None:
    url = database_url("test").replace("postgres@", "gdc_nobody_here@", 1)
    result = cli(["check", "--ledger", url])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"错误：共享台账 {url} 的服务器拒绝登录（FATAL: role \"gdc_nobody_here\" does not exist）。请核对地址中的用户名，"
        f"或请管理员为该用户开通登录（数据库用户和 pg_hba.conf），台账未做任何修改\n"
    )


def test_a_wrong_or_missing_password_and_then_the_right_one(cli, password_server, monkeypatch, tmp_path: Path) -> None:
    url = password_server.url
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))  # the user's own password file plays no part
    missing = cli(["check", "--ledger", url])
    assert (missing.exit_code, missing.stdout) == (2, "")
    assert missing.stderr.endswith(
        f"错误：无法登录共享台账 {url}：服务器要求密码，但没有提供。请用环境变量 PGPASSWORD 或密码文件"
        " ~/.pgpass（Windows：%APPDATA%\\postgresql\\pgpass.conf）提供密码（不要写在地址中），台账未做任何修改\n"
    )
    monkeypatch.setenv("PGPASSWORD", "Wr0ng-s3cret")
    wrong = cli(["check", "--ledger", url])
    assert (wrong.exit_code, wrong.stdout) == (2, "")
    assert wrong.stderr.endswith(
        f"错误：无法登录共享台账 {url}：用户名或密码不对（FATAL: password authentication failed for user \"clerk\"）。"
        "请核对环境变量 PGPASSWORD 或密码文件中的密码，或请管理员检查该数据库用户，台账未做任何修改\n"
    )
    assert "Wr0ng-s3cret" not in wrong.output
    # the right password from the password file (as a Windows PC keeps it): the login works and the
    # next fault is the one of an empty database
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{password_server.port}:*:clerk:right\n", encoding="utf-8")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    empty = cli(["check", "--ledger", url])
    assert empty.exit_code == 2 and "gdcomply ledger migrate" in empty.stderr, empty.stderr


def test_a_database_that_does_not_exist(cli, pg_admin) -> None:
    url = database_url("gdc_no_such_database")
    result = cli(["info", "--ledger", url])
    assert result.exit_code == 2
    assert f"台账：共享台账 {url}（PostgreSQL，设置来自 --ledger；无法使用，见下面的错误）\n" in result.stdout
    assert result.stderr.endswith(
        f"错误：共享台账 {url} 的数据库不存在（FATAL: database \"gdc_no_such_database\" does not exist）。"
        f"请检查地址中的数据库名，或请管理员创建该数据库后运行“gdcomply ledger migrate --ledger {url}”\n"
    )


@pytest.mark.parametrize(
    ("server_said", "meaning"),
    [
        ('connection failed: FATAL:  database "x" does not exist', "的数据库不存在"),
        ('connection failed: 致命错误:  数据库 "x" 不存在', "的数据库不存在"),  # a server whose lc_messages is zh_CN
        ('connection failed: 致命错误:  角色 "u" 不存在', "的服务器拒绝登录"),
        ("connection failed: 致命错误:  数据库系统正在启动", "的服务器暂时不能接受连接"),
        ("connection failed: Connection refused", "：数据库服务器没有响应"),
    ],
)
def test_the_server_is_understood_in_english_and_in_chinese(server_said: str, meaning: str) -> None:
    found = postgres.connect_error(psycopg.OperationalError(server_said), "postgresql://u@h/x")
    assert meaning in str(found)


def test_a_password_in_the_url_is_refused_and_never_shown(cli) -> None:
    result = cli(["check", "--ledger", "postgresql://marketing:s3cret@127.0.0.1:5432/test"])
    assert result.exit_code == 2
    assert "s3cret" not in result.output
    assert result.stderr.startswith("错误：--ledger 的值“postgresql://marketing:***@127.0.0.1:5432/test”不是可用的 PostgreSQL 地址：密码不能")


def test_a_write_waits_for_another_office_a_bounded_time_and_then_records_nothing(
    cli, shared_workspace, tmp_path: Path, monkeypatch
) -> None:
    ws = shared_workspace("ws")
    url = postgres_url(ws)
    monkeypatch.setattr(postgres, "WRITE_LOCK_WAIT_S", 1)
    evidence = tmp_path / "r.pdf"
    evidence.write_bytes(os.urandom(4096))
    before = pg_state(url)
    with psycopg.connect(url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", postgres.LOCKS["write"])  # another office, mid-write
        started = time.monotonic()
        result = cli([*SUBMIT_R4, evidence, "-w", ws])
        waited = time.monotonic() - started
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.endswith(f"错误：另一处正在写入共享台账 {url}，等了 1 秒仍未轮到，未做任何记录。请稍后重新运行同一命令\n")
    assert 1 <= waited < 10
    assert pg_state(url) == before  # the evidence that went in before the lock went out with the rest
    assert cli([*SUBMIT_R4, evidence, "-w", ws]).exit_code == 0  # once the other is done


def test_a_session_never_holds_the_offices_up_for_hours(shared_workspace) -> None:
    ledger = postgres.Ledger.connect(postgres_url(shared_workspace("ws")))
    with ledger:
        settings = {
            name: ledger._db.execute(f"SHOW {name}").fetchone()[0]
            for name in ("idle_in_transaction_session_timeout", "tcp_keepalives_idle", "TimeZone")
        }
    assert settings == {"idle_in_transaction_session_timeout": "5min", "tcp_keepalives_idle": "60", "TimeZone": "Asia/Shanghai"}


# -- a connection lost in the middle of a submit, and parallel submits ---------------------------


def submit_process(ws: Path, evidence: Path, env: dict[str, str], instance: str = "gongdian") -> list[str]:
    return [sys.executable, "-m", "gdcomply", *SUBMIT_R4[:5], instance, "--on", "2018-11-16", str(evidence), "--workspace", str(ws)]


@pytest.mark.slow
def test_a_connection_killed_just_before_commit_leaves_nothing_half_written(shared_workspace, child_env, tmp_path: Path) -> None:
    ws = shared_workspace("ws")
    url = postgres_url(ws)
    evidence = tmp_path / "第四次报告.pdf"
    evidence.write_bytes(os.urandom(1 << 20))
    flag = tmp_path / "paused"
    env = {**child_env, postgres.PAUSE_BEFORE_COMMIT: str(flag)}
    before = pg_state(url)
    process = subprocess.Popen(submit_process(ws, evidence, env), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (flag.exists() and flag.read_text().strip().isdigit()):
            assert time.monotonic() < deadline and process.poll() is None, process.communicate()
            time.sleep(0.02)
        backend = int(flag.read_text())
        with psycopg.connect(url, autocommit=True) as other:
            # the submission, its evidence and its audit rows are written, not yet committed
            assert other.execute("SELECT pg_terminate_backend(%s)", (backend,)).fetchone() == (True,)
        flag.unlink()
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert (process.returncode, out) == (1, "")
    assert err.startswith(f"错误：与共享台账 {url} 的连接在登记报送时中断（")
    assert err.endswith(
        "），登记报送没有完成。一次登记的报送记录、佐证材料和审计记录只会一起写入或都不写入，不会只写入一部分。"
        "请检查网络和数据库服务后重新运行同一命令（若中断前已经写入，它会说明未重复登记）\n"
    )
    assert pg_state(url) == before  # no submission, no evidence, no audit row
    again = subprocess.run(submit_process(ws, evidence, child_env), env=child_env, capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout.startswith("已登记 #"), again.stderr
    tables = pg_tables(url)
    assert (len(tables["submissions"]), len(tables["evidence"]), len(tables["audit"])) == (1, 1, 1)


@pytest.mark.slow
def test_three_offices_submitting_twenty_times_each_at_once(cli, shared_workspace, child_env, tmp_path: Path) -> None:
    """3 processes × 20 submits, each to the three units' instances in turn: 60 rows, one
    active submission per instance, every superseded row names a later one, verify clean."""
    ws = shared_workspace("ws")
    url = postgres_url(ws)
    script = (
        "import subprocess, sys\n"
        "for n in range(20):\n"
        "    unit = ('gongdian', 'guiyuan', 'gongdian')[n % 3]\n"
        "    path = sys.argv[1] + f'/w{sys.argv[2]}-{n}.pdf'\n"
        "    open(path, 'wb').write(f'worker {sys.argv[2]} report {n}'.encode())\n"
        "    to = ['--to', 'company'] if unit == 'guiyuan' else []\n"
        "    done = subprocess.run([sys.executable, '-m', 'gdcomply', 'submit', 'progress-report', path, '--period',\n"
        "        '2018-R4', '--from', unit, *to, '--on', '2018-11-16', '--workspace', sys.argv[3]], capture_output=True, text=True)\n"
        "    if done.returncode != 0 or not done.stdout.startswith('已登记 #'):\n"
        "        sys.exit(done.stderr or done.stdout)\n"
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(k), str(ws)], env=child_env, stderr=subprocess.PIPE, text=True)
        for k in range(3)
    ]
    failures = [(w.wait(timeout=600), w.stderr.read()) for w in workers]
    assert failures == [(0, "")] * 3
    rows = exported(cli, "-w", str(ws))["submissions"]
    assert len(rows) == 60 and sorted(r["id"] for r in rows) == list(range(1, 61))
    by_id = {r["id"]: r for r in rows}
    for instance in ("progress-report/2018-R4/gongdian->company", "progress-report/2018-R4/guiyuan->company"):
        mine = [r for r in rows if r["instance_id"] == instance]
        assert [r["state"] for r in mine].count("active") == 1
        newest = max(r["id"] for r in mine)
        assert by_id[newest]["state"] == "active"
        for row in mine:
            if row["state"] == "superseded":
                assert by_id[row["superseded_by"]]["instance_id"] == instance and row["superseded_by"] > row["id"]
    verified = cli(["verify", "-w", ws])
    assert (verified.exit_code, verified.stdout) == (0, "校验通过：台账完好，60 个佐证材料文件完好。\n")


def test_a_second_reminder_run_on_another_host_waits_for_the_first(url: str) -> None:
    from gdcomply.cli.remind_cmds import shared_run_lock
    from gdcomply.errors import GdcomplyError

    with postgres.Ledger.connect(url) as first, postgres.Ledger.connect(url) as second:
        with shared_run_lock(first, 5):
            with pytest.raises(GdcomplyError) as caught:
                with shared_run_lock(second, 0.3):
                    pass  # pragma: no cover - never entered
        message = str(caught.value)
        assert message.startswith("另一个“gdcomply remind”正在运行（postgres@")
        assert message.endswith(f"本次没有发送任何提醒。它发送的提醒已记入台账，稍后再运行即可补发其余的；共享台账：{url}")
        with shared_run_lock(second, 0.3):  # released by the first run
            assert not first.try_session_lock("remind")


# -- ledger copy, backup and restore -------------------------------------------------------------


@pytest.fixture
def busy_sqlite_ws(cli, tmp_path: Path) -> Path:
    """An SQLite workspace with submissions, a supersede, a withdrawal, a date correction, a
    shared file, a note with a quote and a sent reminder."""
    ws = tmp_path / "ws"
    assert cli(["init", ws, "--since", "2018-06-01"]).exit_code == 0

    def submit(content: bytes, *args: str) -> None:
        path = tmp_path / "in" / f"{sha(content)[:8]}.docx"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
        result = cli(["submit", "progress-report", path, "-w", ws, *args])
        assert result.exit_code == 0, result.output

    submit(b"guiyuan R4", "--period", "2018-R4", "--from", "guiyuan", "--to", "all", "--on", "2018-11-16")
    submit(b"gongdian R4", "--period", "2018-R4", "--from", "gongdian", "--on", "2018-11-16", "--note", '第一版 "草稿"')
    submit(b"gongdian R4 v2", "--period", "2018-R4", "--from", "gongdian", "--on", "2018-11-16")
    submit(b"gongdian R3", "--period", "2018-R3", "--from", "gongdian", "--on", "2018-10-08")
    submit(b"gongdian R3", "--period", "2018-R3", "--from", "gongdian", "--on", "2018-10-09", "--correct-date")
    assert cli(["withdraw", "4", "--reason", "错报", "-w", ws]).exit_code == 0  # #3 stands again
    from gdcomply.ledger.sqlite import Ledger

    with Ledger.open(ws / "data" / "ledger.sqlite3") as ledger:
        ledger.record_reminder(SentReminder(R4_GONGDIAN, "overdue-1", "gd@example.com", "<1@x>", "2018-11-19T09:00:00+08:00", date(2018, 11, 19)))
    return ws


@pytest.mark.parametrize("migrated", [True, False], ids=["migrated", "empty"])
def test_ledger_copy_moves_everything_and_both_export_the_same(cli, busy_sqlite_ws: Path, pg_database: str, migrated: bool) -> None:
    ws = busy_sqlite_ws
    if migrated:  # "migrated or not": a migrated but empty database takes the copy too
        assert cli(["ledger", "migrate", "--ledger", pg_database, "--since", "2020-01-01"]).exit_code == 0
    source = exported(cli, "-w", str(ws))
    copied = cli(["ledger", "copy", "--to", pg_database, "-w", ws])
    assert copied.exit_code == 0, copied.output
    replaced = "（取代了目标数据库迁移时设的 2020-01-01：跟踪起始日随原台账）" if migrated else ""
    assert copied.stdout.splitlines()[:3] == [
        f"已把台账 ws/data/ledger.sqlite3 复制到共享台账 {pg_database}：",  # as named from the current folder
        f"  报送记录 6 条（编号不变）、文件 6 条、审计日志 10 条、已发提醒 1 条，从 2018-06-01 开始跟踪{replaced}",
        "  佐证材料 4 个，数据库已逐一核对 SHA-256；两边导出的内容完全一致",
    ]
    assert exported(cli, "-w", str(ws), "--ledger", pg_database) == source  # ids, users, times, JSON: all kept
    assert {row[0]: bytes(row[3]) for row in pg_tables(pg_database)["evidence"]} == {
        sha(c): c for c in (b"guiyuan R4", b"gongdian R4", b"gongdian R4 v2", b"gongdian R3")
    }
    assert cli(["verify", "-w", ws, "--ledger", pg_database]).exit_code == 0
    # the next submission continues the numbering
    (ws / "next.pdf").write_bytes(b"next")
    after = cli([*SUBMIT_R4[:5], "guiyuan", "--to", "company", "--on", "2018-11-19", ws / "next.pdf", "-w", ws, "--ledger", pg_database])
    assert after.stdout.startswith("已登记 #7："), after.output
    # a target that is not empty is refused and left as it is
    before = pg_state(pg_database)
    again = cli(["ledger", "copy", "--to", pg_database, "-w", ws])
    assert (again.exit_code, again.stderr) == (
        1, f"错误：共享台账 {pg_database} 不是空的，未做任何修改。只能复制到一个空的数据库（可以已运行过 gdcomply ledger migrate）\n",
    )  # fmt: skip
    assert pg_state(pg_database) == before


def test_nothing_is_recorded_into_the_source_while_ledger_copy_holds_it(cli, busy_sqlite_ws: Path, monkeypatch) -> None:
    from gdcomply.ledger import sqlite

    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 300)
    ledger_file = busy_sqlite_ws / "data" / "ledger.sqlite3"
    (busy_sqlite_ws / "late.pdf").write_bytes(b"late")
    late = [*SUBMIT_R4[:5], "guiyuan", "--to", "company", "--on", "2018-11-19", busy_sqlite_ws / "late.pdf", "-w", busy_sqlite_ws]
    with sqlite.Ledger.open(ledger_file) as source, source.held_still():  # as copy_to_postgres holds it
        waited = cli(late)
        assert (waited.exit_code, waited.stdout) == (1, ""), waited.output
        assert waited.stderr.endswith("正被其他程序长时间占用，无法登记报送。请稍后重试\n")
        assert len(source.export_tables()["submissions"]) == 6
    assert cli(late).stdout.startswith("已登记 #7：")  # once the copy is done


def test_ledger_copy_refuses_a_source_with_a_missing_evidence_file(cli, busy_sqlite_ws: Path, pg_database: str) -> None:
    missing = busy_sqlite_ws / "data" / "evidence" / sha(b"gongdian R3")[:2] / sha(b"gongdian R3")
    missing.unlink()
    result = cli(["ledger", "copy", "--to", pg_database, "-w", busy_sqlite_ws])
    assert (result.exit_code, result.stderr) == (
        1,
        f"错误：佐证材料 {sha(b'gongdian R3')} 缺失（{missing}），共 1 个文件有问题，未复制。请先运行“gdcomply verify”并处理\n",
    )
    assert pg_tables(pg_database) == {}


def test_a_backup_of_the_shared_ledger_restores_into_either_store(cli, busy_sqlite_ws: Path, pg_database: str, pg_admin, tmp_path: Path) -> None:
    ws = busy_sqlite_ws
    assert cli(["ledger", "copy", "--to", pg_database, "-w", ws]).exit_code == 0
    (ws / "config" / "workspace.yaml").write_text(f"version: 1\nledger: {pg_database}\n", encoding="utf-8")
    shared = exported(cli, "-w", str(ws))
    assert shared["submissions"][0]["instance_id"] and shared == exported(cli, "-w", str(ws), "--ledger", pg_database)
    made = cli(["backup", "--out", tmp_path / "b.zip", "-w", ws])
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[1] == f"  台账：6 条报送记录（共享台账 {pg_database}，架构版本 {postgres.SCHEMA_VERSION}，从 2018-06-01 开始跟踪）"
    # into a new folder: an SQLite workspace (workspace.yaml is not in the backup: it would point at the live ledger)
    restored = cli(["restore", tmp_path / "b.zip", tmp_path / "restored"])
    assert restored.exit_code == 0, restored.output
    assert not (tmp_path / "restored" / "config" / "workspace.yaml").exists()
    assert exported(cli, "-w", str(tmp_path / "restored")) == shared
    assert cli(["verify", "-w", tmp_path / "restored"]).exit_code == 0
    # and from there into a new, empty PostgreSQL database
    second = database_url(f"{pg_database.rsplit('/', 1)[1]}_restored")
    pg_admin.execute(f'CREATE DATABASE "{second.rsplit("/", 1)[1]}"')
    try:
        assert cli(["ledger", "copy", "--to", second, "-w", tmp_path / "restored"]).exit_code == 0
        assert exported(cli, "-w", str(tmp_path / "restored"), "--ledger", second) == shared
    finally:
        pg_admin.execute(f'DROP DATABASE IF EXISTS "{second.rsplit("/", 1)[1]}" WITH (FORCE)')


# -- init, info, validate ----------------------------------------------------------------------


def test_init_with_a_shared_ledger_writes_workspace_yaml_and_info_names_it(cli, url: str, tmp_path: Path) -> None:
    made = cli(["init", tmp_path / "营销部", "--ledger", url])
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[3] == (
        f"  台账：共享台账 {url}（PostgreSQL，从 2018-06-01 开始跟踪），记在 {tmp_path / '营销部' / 'config' / 'workspace.yaml'}"
    )
    assert not (tmp_path / "营销部" / "data").exists()
    settings = (tmp_path / "营销部" / "config" / "workspace.yaml").read_text(encoding="utf-8")
    assert f"\nledger: {url}\n" in settings
    info = cli(["info", "-w", tmp_path / "营销部"])
    assert info.exit_code == 0
    assert (
        f"台账：共享台账 {url}（PostgreSQL，设置来自 config/workspace.yaml:8:9；架构版本 {postgres.SCHEMA_VERSION}，0 条报送记录，从 2018-06-01 开始跟踪）\n"
        "佐证材料：存于共享台账的数据库中（0 个文件）；本机以数据库用户 postgres 登记\n"
    ) in info.stdout
    since = cli(["init", tmp_path / "other", "--ledger", url, "--since", "2018-06-01"])
    assert since.exit_code == 2 and not (tmp_path / "other").exists()
    down = cli(["init", tmp_path / "third", "--ledger", "postgresql://u@127.0.0.1:1/x"])
    assert down.exit_code == 1 and not (tmp_path / "third").exists()  # nothing written when the server is down


def test_the_environment_variable_chooses_the_shared_ledger_for_every_command(cli, url: str, tmp_path: Path, monkeypatch) -> None:
    assert cli(["init", tmp_path / "ws", "--since", "2018-06-01"]).exit_code == 0  # an SQLite workspace
    (tmp_path / "r.pdf").write_bytes(b"r")
    monkeypatch.setenv("GDCOMPLY_LEDGER", url)
    result = cli([*SUBMIT_R4, tmp_path / "r.pdf", "-w", tmp_path / "ws"])
    assert result.stdout.startswith("已登记 #1："), result.output
    assert [row[0] for row in pg_tables(url)["submissions"]] == [1]
    monkeypatch.delenv("GDCOMPLY_LEDGER")
    assert exported(cli, "-w", str(tmp_path / "ws"))["submissions"] == []  # the workspace's own file is untouched


def test_init_under_the_environment_variable_makes_no_local_ledger_and_writes_no_setting(
    cli, url: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("GDCOMPLY_LEDGER", url)
    made = cli(["init", tmp_path / "ws"])
    assert made.exit_code == 0, made.output
    settings = tmp_path / "ws" / "config" / "workspace.yaml"
    assert made.stdout.splitlines()[3] == (
        f"  台账：共享台账 {url}（PostgreSQL，从 2018-06-01 开始跟踪），由环境变量 GDCOMPLY_LEDGER 选定，"
        f"未写入工作区；要固定使用，请在 {settings} 中写上“ledger: {url}”"
    )
    assert not (tmp_path / "ws" / "data").exists() and not settings.exists()
    since = cli(["init", tmp_path / "other", "--since", "2018-06-01"])
    assert since.exit_code == 2 and "环境变量 GDCOMPLY_LEDGER" in since.stderr and not (tmp_path / "other").exists()
    monkeypatch.delenv("GDCOMPLY_LEDGER")  # without it, the workspace is an ordinary SQLite one
    (tmp_path / "r.pdf").write_bytes(b"r")
    result = cli([*SUBMIT_R4, tmp_path / "r.pdf", "-w", tmp_path / "ws"])
    assert result.exit_code == 0 and "已创建台账" in result.stderr
    assert pg_tables(url)["submissions"] == []


def test_validate_checks_workspace_yaml(cli, url: str, tmp_path: Path) -> None:
    assert cli(["init", tmp_path / "ws", "--ledger", url]).exit_code == 0
    ok = cli(["validate", "-w", tmp_path / "ws"])
    assert ok.exit_code == 0 and "workspace.yaml 也已检查" in ok.stdout
    (tmp_path / "ws" / "config" / "workspace.yaml").write_text("version: 1\nledger: postgresql://u:pw@h/db\n", encoding="utf-8")
    bad = cli(["validate", "-w", tmp_path / "ws"])
    assert bad.exit_code == 1
    assert "config/workspace.yaml:2:9: ledger: “postgresql://u:***@h/db”不是可用的 PostgreSQL 地址：密码不能" in bad.stderr
    assert "pw@" not in bad.output

