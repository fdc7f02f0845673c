"""Rights in a shared ledger, enforced by PostgreSQL (issue 15): `ledger grant/revoke/roles`,
row-level security per party, an audit written by the database, and reminders sent once from
several hosts.

Every test connects as the roles it tests, never as the superuser (who bypasses row-level
security): the ledger belongs to an ordinary owner role, and 桂源公司 acts through a group
role whose member is one person's login (as docs/deployment.md sets an office up), 供电公司
through a login role of its own.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from conftest import database_url, pg_state
from gdcomply.ledger import pg_rights, postgres

UNIT_ROUND = ["progress-report", "--period", "2018-R4", "--on", "2018-11-16"]


@pytest.fixture(scope="module")
def role_names(pg_admin) -> Iterator[dict[str, str]]:
    """The cluster's roles for these tests (cluster-wide, so with a random suffix)."""
    suffix = secrets.token_hex(3)
    names = {key: f"gdc_{key}_{suffix}" for key in ("owner", "guiyuan", "guiyuan_person", "gongdian", "company", "viewer", "cron")}
    for key, name in names.items():
        pg_admin.execute(f'CREATE ROLE "{name}" {"NOLOGIN" if key == "guiyuan" else "LOGIN"}')
    pg_admin.execute(f'GRANT "{names["guiyuan"]}" TO "{names["guiyuan_person"]}"')
    yield names
    for name in names.values():
        pg_admin.execute(f'DROP ROLE IF EXISTS "{name}"')


class Rights:
    """A migrated shared ledger owned by an ordinary role, with every kind of role granted."""

    def __init__(self, database: str, names: dict[str, str]) -> None:
        self.database = database
        self.names = names

    def url(self, key: str) -> str:
        """The ledger's URL as the role `key` logs in (桂源公司: its person's login)."""
        login = self.names["guiyuan_person" if key == "guiyuan" else key]
        return database_url(self.database).replace("postgres@", f"{login}@", 1)

    def raw(self, key: str) -> psycopg.Connection:
        return psycopg.connect(self.url(key), autocommit=True)

    def grant_all(self) -> None:
        with postgres.Ledger.connect(self.url("owner")) as ledger:
            for key in ("guiyuan", "gongdian", "company"):
                pg_rights.grant(ledger, self.names[key], "party", key)
            pg_rights.grant(ledger, self.names["viewer"], "read-only", None)
            pg_rights.grant(ledger, self.names["cron"], "reminders", None)


@pytest.fixture
def rights(pg_admin, role_names) -> Iterator[Rights]:
    database = f"gdc_test_{secrets.token_hex(6)}"
    pg_admin.execute(f'CREATE DATABASE "{database}" OWNER "{role_names["owner"]}"')
    made = Rights(database, role_names)
    try:
        postgres.Ledger.migrate(made.url("owner"), tracking_since=date(2018, 6, 1), today=date(2026, 1, 1))
        yield made
    finally:
        pg_admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def granted(rights: Rights) -> Rights:
    rights.grant_all()
    return rights


@pytest.fixture
def ws(cli, tmp_path: Path, rights: Rights) -> Path:
    made = cli(["init", tmp_path / "ws", "--ledger", rights.url("owner")])
    assert made.exit_code == 0, made.output
    (tmp_path / "报告.pdf").write_bytes(b"report " + secrets.token_bytes(8))
    return tmp_path / "ws"


def submit(cli, ws: Path, rights: Rights, who: str, sender: str, *extra: str, file: str = "报告.pdf"):
    path = ws.parent / file
    if not path.exists():
        path.write_bytes(file.encode() + secrets.token_bytes(8))
    return cli(["submit", *UNIT_ROUND, "--from", sender, *extra, path, "-w", ws, "--ledger", rights.url(who)])


def audit_rows(rights: Rights, *, of_grants: bool = False) -> list[tuple]:
    """The audit rows of submissions (or, of_grants, of rights given and taken)."""
    with rights.raw("owner") as owner:
        return owner.execute(
            "SELECT action, os_user, client_addr, submission_id, instance_id, before, after FROM gdcomply.audit"
            f" WHERE action {'' if of_grants else 'NOT '}IN ('grant', 'revoke') ORDER BY id"
        ).fetchall()


# -- granting -----------------------------------------------------------------------------------


def test_grant_roles_and_revoke_through_the_cli(cli, rights: Rights, ws: Path) -> None:
    names, owner = rights.names, rights.url("owner")
    done = cli(["ledger", "grant", names["guiyuan"], "--party", "桂源公司", "--ledger", owner, "-w", ws])
    assert (done.exit_code, done.stdout) == (
        0,
        f"已授权：数据库角色 {names['guiyuan']} 代表桂源公司。可做的事：查看全部报送和桂源公司的投诉；只为桂源公司登记和撤回报送。\n"
        f"该角色的成员（GRANT {names['guiyuan']} TO 某人）也一样；授权已记入审计日志。\n",
    )
    assert cli(["ledger", "grant", names["company"], "--party", "company", "--ledger", owner, "-w", ws]).exit_code == 0
    assert cli(["ledger", "grant", names["viewer"], "--reminders", "--ledger", owner, "-w", ws]).exit_code == 0
    again = cli(["ledger", "grant", names["viewer"], "--read-only", "--ledger", owner, "-w", ws])
    assert again.stdout.startswith(f"已授权：数据库角色 {names['viewer']} 只读（原为：发送提醒）。可做的事：查看全部。\n")

    listed = cli(["ledger", "roles", "--format", "json", "--ledger", rights.url("viewer"), "-w", ws])  # anyone may look
    assert listed.exit_code == 0, listed.output
    roles = {r["role"]: r for r in json.loads(listed.stdout)["roles"]}
    assert {k: (v["kind"], v["party"], v["members"]) for k, v in roles.items()} == {
        names["owner"]: ("owner", None, []),
        names["guiyuan"]: ("party", "guiyuan", [names["guiyuan_person"]]),
        names["company"]: ("party", "company", []),
        names["viewer"]: ("read-only", None, []),
    }
    assert roles[names["company"]]["may"] == "查看全部；为任一单位登记和撤回报送；导入投诉"
    assert roles[names["guiyuan"]]["granted_by"] == names["owner"] and not roles[names["guiyuan"]]["can_login"]

    revoked = cli(["ledger", "revoke", names["viewer"], "--ledger", owner, "-w", ws])
    assert revoked.stdout == f"已撤销数据库角色 {names['viewer']} 的授权（原为：只读）；它登记过的记录不变。撤销已记入审计日志。\n"
    shut_out = cli(["check", "--ledger", rights.url("viewer"), "-w", ws, "--as-of", "2018-11-19"])
    assert shut_out.exit_code == 2 and "没有" in shut_out.stderr and "权限" in shut_out.stderr
    grants = [(a, b, c) for a, _, _, _, _, b, c in audit_rows(rights, of_grants=True)]
    assert grants[-1] == ("revoke", {"role": names["viewer"], "kind": "read-only", "party": None}, None)
    assert len(grants) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--party", "bureau"], "--party bureau：不是日历中报送材料的单位。可选："),
        (["--party", "guiyuan", "--read-only"], "请在 --party 单位、--read-only、--reminders 中选择一个且只选一个"),
        ([], "请在 --party 单位、--read-only、--reminders 中选择一个且只选一个"),
    ],
)
def test_grant_refuses_what_is_not_a_right(cli, rights: Rights, ws: Path, args: list[str], message: str) -> None:
    before = pg_state(rights.url("owner"))
    result = cli(["ledger", "grant", rights.names["gongdian"], *args, "--ledger", rights.url("owner"), "-w", ws])
    assert result.exit_code == 2 and message in result.stderr
    assert pg_state(rights.url("owner")) == before


def test_only_the_owner_grants_and_only_ordinary_existing_roles(cli, granted: Rights, ws: Path) -> None:
    names = granted.names
    before = pg_state(granted.url("owner"))
    by_company = cli(["ledger", "grant", names["gongdian"], "--party", "company", "--ledger", granted.url("company"), "-w", ws])
    assert by_company.exit_code == 2
    assert f"只有共享台账 {granted.url('company')} 的所有者（数据库用户 {names['owner']}）能授权" in by_company.stderr
    missing = cli(["ledger", "grant", "gdc_nobody_here", "--read-only", "--ledger", granted.url("owner"), "-w", ws])
    assert missing.exit_code == 2 and "数据库中没有角色 gdc_nobody_here" in missing.stderr
    superuser = cli(["ledger", "grant", "postgres", "--read-only", "--ledger", granted.url("owner"), "-w", ws])
    assert superuser.exit_code == 2 and "超级用户或可绕过行级安全" in superuser.stderr
    sqlite_ws = cli(["init", ws.parent / "local"])
    assert sqlite_ws.exit_code == 0
    local = cli(["ledger", "roles", "-w", ws.parent / "local"])
    assert local.exit_code == 2 and "只适用于 PostgreSQL 共享台账" in local.stderr
    assert pg_state(granted.url("owner")) == before


# -- who may record ----------------------------------------------------------------------------------


def test_a_unit_records_its_own_and_is_refused_for_the_other_unit_and_the_company(cli, granted: Rights, ws: Path) -> None:
    names, url = granted.names, granted.url("owner")
    own = submit(cli, ws, granted, "guiyuan", "guiyuan", "--to", "all")
    assert own.exit_code == 0, own.output  # to the company and, directly, to the bureau
    before = pg_state(url)
    for sender, party in (("gongdian", "供电公司"), ("company", "公司")):
        refused = submit(cli, ws, granted, "guiyuan", sender)
        assert (refused.exit_code, refused.stderr) == (
            1,
            f"错误：数据库用户 {names['guiyuan_person']}（代表桂源公司）无权登记{party}的报送记录：共享台账 "
            f"{granted.url('guiyuan')} 只允许{party}自己的用户和公司（营销部）的用户登记，由数据库强制执行，未做任何修改。"
            f"请由有权限的用户办理，或请管理员用“gdcomply ledger grant”调整授权\n",
        ), sender
        assert pg_state(url) == before
    # the same rows from roles that may write them: the refusal was about rights, not the row
    assert submit(cli, ws, granted, "gongdian", "gongdian").exit_code == 0
    assert submit(cli, ws, granted, "company", "company").exit_code == 0
    # and the company (the marketing department) may record for a unit
    assert submit(cli, ws, granted, "company", "gongdian", "--note", "营销部代登记", file="更正.pdf").exit_code == 0
    with granted.raw("owner") as owner:
        recorded = owner.execute("SELECT sender, recorded_by FROM gdcomply.submissions ORDER BY id").fetchall()
    assert recorded == [
        ("guiyuan", names["guiyuan_person"]), ("guiyuan", names["guiyuan_person"]), ("gongdian", names["gongdian"]),
        ("company", names["company"]), ("gongdian", names["company"]),
    ]  # fmt: skip


def test_withdrawing_another_partys_submission_is_refused(cli, granted: Rights, ws: Path) -> None:
    assert submit(cli, ws, granted, "gongdian", "gongdian").exit_code == 0
    before = pg_state(granted.url("owner"))
    refused = cli(["withdraw", "1", "--reason", "错报", "-w", ws, "--ledger", granted.url("guiyuan")])
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"错误：数据库用户 {granted.names['guiyuan_person']}（代表桂源公司）无权撤回供电公司的报送记录")
    assert pg_state(granted.url("owner")) == before
    done = cli(["withdraw", "1", "--reason", "附件错误", "-w", ws, "--ledger", granted.url("company")])
    assert done.exit_code == 0, done.output
    assert audit_rows(granted)[-1][:2] == ("withdraw", granted.names["company"])


def test_raw_sql_is_held_to_the_same_rights(granted: Rights) -> None:
    row = (
        "INSERT INTO gdcomply.submissions(instance_id, obligation, period, sender, receiver, submitted_on,"
        " recorded_at, state, fileset) VALUES (%s, 'progress-report', '2018-R4', %s, 'company', '2018-11-16', now(), 'active', '')"
    )
    with granted.raw("guiyuan") as unit:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            unit.execute(row, ("progress-report/2018-R4/gongdian->company", "gongdian"))
        unit.execute(row, ("progress-report/2018-R4/guiyuan->company", "guiyuan"))  # its own is accepted
    with granted.raw("gongdian") as other:
        gongdian_id = other.execute(row + " RETURNING id", ("progress-report/2018-R4/gongdian->company", "gongdian")).fetchone()[0]
    with granted.raw("guiyuan") as unit:
        # another party's row is not there to be changed; recorded facts are nobody's to rewrite
        changed = unit.execute("UPDATE gdcomply.submissions SET state = 'withdrawn' WHERE id = %s", (gongdian_id,))
        assert changed.rowcount == 0
        for statement in (
            "UPDATE gdcomply.submissions SET submitted_on = '2018-11-01'",
            "DELETE FROM gdcomply.submissions",
            "INSERT INTO gdcomply.reminders(instance_id, stage, recipient, message_id, sent_at, sent_on)"
            " VALUES ('x', 'due', 'a@b.c', '<m>', now(), '2018-11-16')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                unit.execute(statement)
    with granted.raw("owner") as owner:
        assert owner.execute("SELECT sender, state FROM gdcomply.submissions ORDER BY id").fetchall() == [
            ("guiyuan", "active"), ("gongdian", "active"),
        ]  # fmt: skip


def test_a_read_only_role_and_the_reminders_role_cannot_record(cli, granted: Rights, ws: Path) -> None:
    before = pg_state(granted.url("owner"))
    for key, held in (("viewer", "只读"), ("cron", "发送提醒")):
        refused = submit(cli, ws, granted, key, "gongdian")
        assert (refused.exit_code, refused.stderr) == (
            1,
            f"错误：数据库用户 {granted.names[key]}（{held}）无权在共享台账 {granted.url(key)} 中登记供电公司的报送记录，"
            f"未做任何记录。请由有权限的用户登记，或请管理员用“gdcomply ledger grant”授权\n",
        )
        with granted.raw(key) as raw, pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.execute("INSERT INTO gdcomply.evidence(sha256, size, first_recorded_at, content) VALUES"
                        " (encode(sha256('x'), 'hex'), 1, now(), 'x')")  # fmt: skip
        checked = cli(["check", "--ledger", granted.url(key), "-w", ws, "--as-of", "2018-11-19", "--format", "json"])
        assert checked.exit_code == 1 and json.loads(checked.stdout)["summary"]["overdue"] > 0  # reading is allowed
    assert pg_state(granted.url("owner")) == before


# -- the audit --------------------------------------------------------------------------------------


def test_the_audit_cannot_be_written_or_rewritten_by_any_role_but_the_owner(cli, granted: Rights, ws: Path) -> None:
    assert submit(cli, ws, granted, "gongdian", "gongdian").exit_code == 0
    before = pg_state(granted.url("owner"))
    for key in ("guiyuan", "gongdian", "company", "viewer", "cron"):
        with granted.raw(key) as raw:
            for statement in (
                "UPDATE gdcomply.audit SET os_user = 'nobody'",
                "DELETE FROM gdcomply.audit",
                "TRUNCATE gdcomply.audit",
                "INSERT INTO gdcomply.audit(at, action) VALUES (now(), 'submit')",
                "SELECT gdcomply.write_audit('submit', NULL, NULL, NULL, NULL)",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    raw.execute(statement)
    assert pg_state(granted.url("owner")) == before
    with granted.raw("owner") as owner:  # the owner may (it owns the database anyway)
        assert owner.execute("UPDATE gdcomply.audit SET os_user = os_user WHERE action = 'submit'").rowcount == 1


def test_a_raw_insert_through_psql_is_audited_with_its_database_user(granted: Rights) -> None:
    psql = shutil.which("psql")
    if psql is None:
        import os

        reason = "没有 psql（Debian 软件包 postgresql-client）"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true 时经由 psql 的审计测试必须运行：{reason}", pytrace=False)
        pytest.skip(f"{reason}，跳过经由 psql 的审计测试")
    script = (
        "BEGIN;"
        " INSERT INTO gdcomply.evidence VALUES (encode(sha256('psql'), 'hex'), 4, now(), 'psql');"
        " INSERT INTO gdcomply.submissions(instance_id, obligation, period, sender, receiver, submitted_on, note,"
        "  recorded_at, state, fileset) VALUES ('progress-report/2018-R4/guiyuan->company', 'progress-report',"
        "  '2018-R4', 'guiyuan', 'company', '2018-11-16', 'psql', now(), 'active', encode(sha256('psql'), 'hex'));"
        " INSERT INTO gdcomply.submission_files SELECT currval('gdcomply.submissions_id_seq'), 0,"
        "  encode(sha256('psql'), 'hex'), 'psql.txt', 4;"
        " COMMIT;"
        " UPDATE gdcomply.submissions SET state = 'withdrawn', withdrawn_reason = '直接撤回';"
        " INSERT INTO gdcomply.submission_files SELECT 1, 1, encode(sha256('psql'), 'hex'), 'later.txt', 4;"
    )
    done = subprocess.run([psql, granted.url("guiyuan"), "-v", "ON_ERROR_STOP=1", "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    person = granted.names["guiyuan_person"]
    psql_sha = hashlib.sha256(b"psql").hexdigest()
    assert audit_rows(granted) == [
        ("submit", person, "127.0.0.1", 1, "progress-report/2018-R4/guiyuan->company", None, {
            "id": 1, "instance_id": "progress-report/2018-R4/guiyuan->company", "submitted_on": "2018-11-16",
            "note": "psql", "files": [{"name": "psql.txt", "sha256": psql_sha, "size": 4}], "state": "active",
        }),
        ("withdraw", person, "127.0.0.1", 1, "progress-report/2018-R4/guiyuan->company", {"state": "active"},
         {"state": "withdrawn", "reason": "直接撤回"}),
        ("add-file", person, "127.0.0.1", 1, "progress-report/2018-R4/guiyuan->company", None,
         {"submission_id": 1, "position": 1, "sha256": psql_sha, "original_name": "later.txt", "size": 4}),
    ]  # fmt: skip


def test_the_log_shows_who_changed_what_from_where(cli, granted: Rights, ws: Path) -> None:
    assert submit(cli, ws, granted, "gongdian", "gongdian").exit_code == 0
    with granted.raw("company") as company:  # a change gdcomply never makes, straight through SQL
        company.execute("UPDATE gdcomply.submissions SET superseded_by = 1 WHERE id = 1")
    shown = cli(["log", "--format", "json", "-w", ws, "--ledger", granted.url("viewer")])
    entries = [e for e in json.loads(shown.stdout) if e["action"] != "grant"]
    assert [(e["action"], e["os_user"], e["client_addr"]) for e in entries] == [
        ("submit", granted.names["gongdian"], "127.0.0.1"), ("update", granted.names["company"], "127.0.0.1"),
    ]  # fmt: skip
    assert (entries[1]["before"], entries[1]["after"]) == ({"superseded_by": None}, {"superseded_by": 1})


# -- reminders ------------------------------------------------------------------------------------------


def test_a_role_that_cannot_record_reminders_sends_none(cli, granted: Rights, ws: Path, tmp_path: Path) -> None:
    from test_remind import write_remind_config

    from aiosmtpd.controller import Controller
    from test_remind import Mailbox, free_port

    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        write_remind_config(ws, port)
        result = cli(["remind", "-w", ws, "--ledger", granted.url("company"), "--as-of", "2018-11-19"])
    finally:
        controller.stop()
    assert result.exit_code == 1
    assert f"数据库用户 {granted.names['company']}（代表公司（可为各单位登记））无权在共享台账" in result.stderr
    assert "本次没有发送任何提醒" in result.stderr and mailbox.received == []


def test_two_hosts_running_remind_at_once_send_each_reminder_once(cli, granted: Rights, tmp_path: Path, child_env) -> None:
    from aiosmtpd.controller import Controller
    from test_remind import Mailbox, free_port, write_remind_config

    mailbox, port = Mailbox(), free_port()
    mailbox.delay = 0.1  # each message takes a while: the runs overlap
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        hosts = []
        for name in ("host-a", "host-b"):
            assert cli(["init", tmp_path / name, "--ledger", granted.url("cron")]).exit_code == 0
            write_remind_config(tmp_path / name, port, lock_wait=60)
            hosts.append(tmp_path / name)
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "gdcomply", "remind", "-w", str(host), "--as-of", "2018-11-19"],
                env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            for host in hosts
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
    finally:
        controller.stop()
    assert [run.returncode for run in runs] == [0, 0], outputs
    # one run sent everything; the other waited for the lock and found nothing left to send
    assert sum("没有需要发送的提醒" in out for out, _ in outputs) == 1, outputs
    recipients = [r.to for r in mailbox.received]
    assert recipients and len(recipients) == len(set(recipients))
    with granted.raw("viewer") as viewer:
        recorded = viewer.execute("SELECT instance_id, stage, recipient FROM gdcomply.reminders").fetchall()
    assert len(recorded) == len(set(recorded)) and {r[2] for r in recorded} == set(recipients)


# -- the schema step ---------------------------------------------------------------------------------


def test_privileges_granted_by_hand_before_rights_are_taken_by_the_migration(pg_admin, role_names) -> None:
    database = f"gdc_test_{secrets.token_hex(6)}"
    pg_admin.execute(f'CREATE DATABASE "{database}" OWNER "{role_names["owner"]}"')
    rights = Rights(database, role_names)
    try:
        with rights.raw("owner") as owner:
            owner.execute("CREATE SCHEMA gdcomply")
            for step, statement in enumerate(postgres.MIGRATIONS[:2], start=1):
                owner.execute(statement)
                owner.execute("INSERT INTO gdcomply.schema_migrations(version) VALUES (%s)", (step,))
            owner.execute("INSERT INTO gdcomply.meta VALUES ('tracking_since', '2018-06-01')")
            owner.execute(f'GRANT USAGE ON SCHEMA gdcomply TO "{role_names["gongdian"]}"')  # deployment.md before issue 15
            owner.execute(f'GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA gdcomply TO "{role_names["gongdian"]}"')
        done = postgres.Ledger.migrate(rights.url("owner"), tracking_since=None, today=date(2026, 1, 1))
        assert (done.before, done.after) == (2, postgres.SCHEMA_VERSION)
        with rights.raw("gongdian") as unit, pytest.raises(psycopg.errors.InsufficientPrivilege):
            unit.execute("INSERT INTO gdcomply.audit(at, action) VALUES (now(), 'forged')")
    finally:
        pg_admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_the_deployment_guide_says_what_each_role_can_do_in_the_programs_words() -> None:
    import re

    from gdcomply.setup import load_setup
    from gdcomply.workspace import bundled_workspace

    names = load_setup(bundled_workspace(), None).calendar.party_names()
    text = (Path(__file__).resolve().parents[1] / "docs" / "deployment.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (`--[^`]+`|the owner)[^|]*\| (.+?) \|$", text, flags=re.MULTILINE))
    assert table == {
        "`--party guiyuan`": pg_rights.can_do("party", "guiyuan", names),
        "`--party company`": pg_rights.can_do("party", "company", names),
        "`--read-only`": pg_rights.can_do("read-only", None, names),
        "`--reminders`": pg_rights.can_do("reminders", None, names),
        "the owner": pg_rights.can_do("owner", None, names),
    }


# -- complaints (issue 16 on the shared ledger) ---------------------------------------------------


def test_only_the_company_imports_complaints_and_a_unit_reads_its_own(cli, granted: Rights, ws: Path) -> None:
    sample = cli(["complaints", "sample", ws.parent / "c.xlsx", "--rows", "60", "--seed", "3", "--as-of", "2026-07-06"])
    assert sample.exit_code == 0, sample.output
    before = pg_state(granted.url("owner"))
    refused = cli(["complaints", "import", ws.parent / "c.xlsx", "-w", ws, "--ledger", granted.url("guiyuan")])
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        f"错误：数据库用户 {granted.names['guiyuan_person']}（代表桂源公司）无权在共享台账 {granted.url('guiyuan')} 中登记投诉："
        "只有公司（营销部）的用户能导入投诉"
    ), refused.stderr
    assert pg_state(granted.url("owner")) == before
    done = cli(["complaints", "import", ws.parent / "c.xlsx", "-w", ws, "--ledger", granted.url("company")])
    assert done.exit_code == 0, done.output

    def units_seen(key: str) -> set[str]:
        with granted.raw(key) as raw:
            return {unit for (unit,) in raw.execute("SELECT DISTINCT unit FROM gdcomply.complaints")}

    every = units_seen("viewer")
    assert {"guiyuan", "gongdian"} <= every and units_seen("company") == every == units_seen("cron")
    assert units_seen("guiyuan") == {"guiyuan"} and units_seen("gongdian") == {"gongdian"}
    with granted.raw("guiyuan") as unit:
        mine = unit.execute("SELECT count(*) FROM gdcomply.complaint_audit").fetchone()[0]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            unit.execute("UPDATE gdcomply.complaints SET replied = '2026-07-01'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            unit.execute("INSERT INTO gdcomply.complaint_audit(at, action, complaint_id) VALUES (now(), 'complaint-add', 1)")
    with granted.raw("owner") as owner:
        audit = owner.execute("SELECT action, os_user, count(*) FROM gdcomply.complaint_audit GROUP BY 1, 2").fetchall()
        stored = owner.execute("SELECT count(*) FROM gdcomply.complaints").fetchone()[0]
        theirs = owner.execute("SELECT count(*) FROM gdcomply.complaints WHERE unit = 'guiyuan'").fetchone()[0]
    assert audit == [("complaint-add", granted.names["company"], stored)]  # written by the database, one per ticket
    assert 0 < mine == theirs < stored  # a unit sees the audit of its own complaints only


def test_a_units_role_cannot_make_a_backup_that_would_miss_other_units_complaints(cli, granted: Rights, ws: Path) -> None:
    refused = cli(["backup", "--out", ws.parent / "b.zip", "-w", ws, "--ledger", granted.url("gongdian")])
    assert refused.exit_code == 1 and "只能看到本单位的投诉，备份会不完整，未生成" in refused.stderr
    assert not (ws.parent / "b.zip").exists()
    made = cli(["backup", "--out", ws.parent / "b.zip", "-w", ws, "--ledger", granted.url("viewer")])
    assert made.exit_code == 0, made.output


def test_revoking_a_role_that_holds_no_rights_changes_nothing(cli, granted: Rights, ws: Path) -> None:
    before = pg_state(granted.url("owner"))
    result = cli(["ledger", "revoke", "gdc_never_granted", "--ledger", granted.url("owner"), "-w", ws])
    assert (result.exit_code, result.stderr) == (
        1, f"错误：角色 gdc_never_granted 在共享台账 {granted.url('owner')} 中没有授权（见 gdcomply ledger roles），未做任何修改\n",
    )  # fmt: skip
    by_unit = cli(["ledger", "revoke", granted.names["gongdian"], "--ledger", granted.url("gongdian"), "-w", ws])
    assert by_unit.exit_code == 2 and "能撤销授权" in by_unit.stderr
    assert pg_state(granted.url("owner")) == before
