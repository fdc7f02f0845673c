"""`gdcomply remind` against a real SMTP server on 127.0.0.1 (aiosmtpd, in the test process).

The workspace tracks from 2026-05-01 with the bundled calendar and contacts. Dates used:
progress report 2026-R1 is due 2026-06-08 (Mon) for the units (guiyuan → company, guiyuan →
bureau, gongdian → company) and 2026-06-10 (Wed) for the company (→ bureau, and disclosure).
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from gdcomply.cli import main
from gdcomply.ledger.sqlite import Ledger
from gdcomply.workspace import init_workspace

GUIYUAN, GONGDIAN, YINGXIAO = "guiyuan@example.com", "gongdian@example.com", "yingxiao@example.com"
PASSWORD = "Gd-S3cret!pw-4711"
USER = "reminder-bot"


# -- a real SMTP server ---------------------------------------------------------------------


@dataclass
class Received:
    rcpt: list[str]
    message: EmailMessage
    raw: bytes

    @property
    def to(self) -> str:
        return self.rcpt[0]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def plain(self) -> str:
        """The plain text with the CRLFs of the wire turned into newlines, for exact comparisons."""
        return self.text.replace("\r\n", "\n")

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


@dataclass
class Mailbox:
    """The handler: keeps what it accepted; can refuse recipients, go slow, or call a hook on DATA."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0
    on_data: object = None
    rcpt_seen: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen.set()
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.content
        self.received.append(Received(list(envelope.rcpt_tos), message_from_bytes(raw, policy=policy.default), raw))
        if callable(self.on_data):
            self.on_data(len(self.received))
        return "250 2.0.0 Ok: queued"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.to == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def start_server():
    started: list[Controller] = []

    def start(**smtp_options) -> tuple[Mailbox, int]:
        mailbox = Mailbox()
        port = free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, **smtp_options)
        controller.start()
        started.append(controller)
        return mailbox, port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def server(start_server) -> tuple[Mailbox, int]:
    return start_server()


# -- workspace and CLI ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_smtp_login(monkeypatch):
    """Tests that log in set these themselves; cli (conftest.py) isolates the rest."""
    for name in ("GDCOMPLY_SMTP_USER", "GDCOMPLY_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def write_remind_config(
    ws: Path, port: int, extra: str = "", *, host: str = "127.0.0.1", lock_wait: float = 20, timeout: float = 5
) -> None:
    (ws / "config" / "reminders.yaml").write_text(
        textwrap.dedent(
            f"""\
            version: 1
            lock_wait_seconds: {lock_wait}
            smtp:
              host: {host}
              port: {port}
              security: none
              sender: 获得电力报送提醒 <noreply@gdcomply.test>
              timeout_seconds: {timeout}
            """
        )
        + textwrap.dedent(extra),
        encoding="utf-8",
    )


def make_workspace(root: Path) -> Path:
    """What `gdcomply init ROOT --since 2026-05-01` makes (through the library: faster)."""
    init_workspace(root)
    Ledger.open(root / "data" / "ledger.sqlite3", create=True, tracking_since=date(2026, 5, 1)).close()
    return root


@pytest.fixture
def ws(tmp_path, server, backend: str, request: pytest.FixtureRequest) -> Path:
    """A workspace tracking since 2026-05-01 whose ledger is an SQLite file or, with the
    postgresql backend, a shared ledger named in config/workspace.yaml: remind runs on both."""
    if backend == "postgresql":
        from gdcomply.ledger import postgres
        from gdcomply.ledger.location import settings_text

        url = request.getfixturevalue("pg_database")
        postgres.Ledger.migrate(url, tracking_since=date(2026, 5, 1), today=date(2026, 5, 1))
        root = init_workspace(tmp_path / "ws").root
        (root / "config" / "workspace.yaml").write_text(settings_text(url), encoding="utf-8")
    else:
        root = make_workspace(tmp_path / "ws")
    write_remind_config(root, server[1])
    return root


sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])  # about the SQLite store itself


def remind(cli, ws: Path, *args: object):
    return cli(["remind", "--workspace", ws, *args])


def sent_records(ws: Path) -> list[tuple[str, str, str]]:
    from gdcomply.ledger.location import choose
    from gdcomply.ledger.store import open_store
    from gdcomply.workspace import Workspace

    with open_store(choose(Workspace.at(ws), None, {})) as opened:
        return [(r.instance_id, r.stage, r.recipient) for r in opened.ledger.reminders()]


def item_lines(text: str) -> list[str]:
    """The numbered item lines of a plain-text reminder, in order."""
    return [line.split(". ", 1)[1] for line in text.splitlines() if line[:1].isdigit() and ". " in line]


# -- what the server receives ---------------------------------------------------------------


def test_one_email_per_recipient_in_chinese_with_the_due_items(cli, ws, server):
    mailbox, _ = server
    result = remind(cli, ws, "--as-of", "2026-06-01")
    assert result.exit_code == 0, result.output
    assert sorted(r.to for r in mailbox.received) == [GONGDIAN, GUIYUAN]
    guiyuan = mailbox.to(GUIYUAN)[0]
    assert guiyuan.subject == "【获得电力报送提醒】即将到期 2 项"
    assert b"=?utf-8?" in guiyuan.raw.split(b"\r\n\r\n", 1)[0]  # RFC 2047-encoded headers
    assert guiyuan.message["Message-ID"].startswith("<gdcomply.")
    assert guiyuan.message["Date"] is not None
    assert str(guiyuan.message["To"]) == f"桂源公司专责 <{GUIYUAN}>"
    assert guiyuan.message["Reply-To"] is None  # smtp.reply_to is not set
    assert item_lines(guiyuan.text) == [
        "工作开展情况报告 2026-R1（桂源公司 → 南方监管局）",
        "工作开展情况报告 2026-R1（桂源公司 → 公司）",
    ]
    assert "截止日期：2026-06-08（周一），还剩 5 个工作日" in guiyuan.text
    assert "桂源公司 → 南方监管局" in guiyuan.html and "还剩 5 个工作日" in guiyuan.html
    assert "已发送：桂源公司专责 <guiyuan@example.com>，2 项（即将到期 2）" in result.stdout
    assert sorted(sent_records(ws)) == [
        ("progress-report/2026-R1/gongdian->company", "lead-5", GONGDIAN),
        ("progress-report/2026-R1/guiyuan->bureau", "lead-5", GUIYUAN),
        ("progress-report/2026-R1/guiyuan->company", "lead-5", GUIYUAN),
    ]


def test_a_second_run_the_same_day_sends_nothing(cli, ws, server):
    mailbox, _ = server
    assert remind(cli, ws, "--as-of", "2026-06-01").exit_code == 0
    again = remind(cli, ws, "--as-of", "2026-06-01")
    assert again.exit_code == 0
    assert "没有需要发送的提醒" in again.stdout
    assert len(mailbox.received) == 2


def test_overdue_first_with_escalation_to_the_marketing_department(cli, ws, server, tmp_path):
    mailbox, _ = server
    for day, expected in (("2026-06-01", "lead-5"), ("2026-06-04", "lead-2"), ("2026-06-08", "lead-0")):
        before = len(mailbox.received)
        assert remind(cli, ws, "--as-of", day).exit_code == 0
        assert {r.to for r in mailbox.received[before:]} >= {GONGDIAN, GUIYUAN}
        assert ("progress-report/2026-R1/gongdian->company", expected, GONGDIAN) in sent_records(ws)
    assert "今天截止" in mailbox.to(GONGDIAN)[-1].text

    before = len(mailbox.received)
    assert remind(cli, ws, "--as-of", "2026-06-09").exit_code == 0
    on_0609 = mailbox.received[before:]
    assert sorted(r.to for r in on_0609) == [GONGDIAN, GUIYUAN, YINGXIAO]
    gongdian = next(r for r in on_0609 if r.to == GONGDIAN)
    assert gongdian.subject == "【获得电力报送提醒】已逾期 1 项"
    assert "已逾期 1 个工作日" in gongdian.text
    marketing = next(r for r in on_0609 if r.to == YINGXIAO)
    assert marketing.subject == "【获得电力报送提醒】下属单位逾期 3 项"
    assert "【抄送营销部】" in marketing.text
    assert (
        "   截止日期：2026-06-08（周一），已逾期 1 个工作日\n"
        "   责任单位：供电公司，联系人：供电公司专责（gongdian@example.com）\n"
    ) in marketing.plain

    # gongdian submits; two working days later only guiyuan is reminded again (overdue-2),
    # and the company gets its own overdue items first, then the copies.
    evidence = tmp_path / "报告.pdf"
    evidence.write_bytes(b"%PDF-1.4 report")
    submit = cli(["submit", "progress-report", "--period", "2026-R1", "--from", "gongdian", "--to", "company",
                  evidence, "--on", "2026-06-09", "--workspace", ws])  # fmt: skip
    assert submit.exit_code == 0, submit.output
    before = len(mailbox.received)
    assert remind(cli, ws, "--as-of", "2026-06-11").exit_code == 0
    on_0611 = mailbox.received[before:]
    assert sorted(r.to for r in on_0611) == [GUIYUAN, YINGXIAO]
    marketing = next(r for r in on_0611 if r.to == YINGXIAO)
    assert item_lines(marketing.text) == [
        "工作开展情况报告 2026-R1（公司 → 南方监管局）",
        "信息公开 2026-R1（公司（完成/公开））",
        "工作开展情况报告 2026-R1（桂源公司 → 南方监管局）",
        "工作开展情况报告 2026-R1（桂源公司 → 公司）",
    ]
    assert "【已逾期】" in marketing.text and marketing.text.index("【已逾期】") < marketing.text.index("【抄送营销部】")
    assert ("progress-report/2026-R1/gongdian->company", "overdue-2", GONGDIAN) not in sent_records(ws)
    assert ("progress-report/2026-R1/guiyuan->company", "escalation-2", YINGXIAO) in sent_records(ws)


def test_nothing_on_a_saturday_unless_configured(cli, ws, server):
    mailbox, port = server
    saturday = remind(cli, ws, "--as-of", "2026-06-06")
    assert saturday.exit_code == 0
    assert "2026-06-06（周六，周末）不是工作日" in saturday.stdout and "2026-06-08" in saturday.stdout
    assert mailbox.received == [] and sent_records(ws) == []

    write_remind_config(ws, port, "send_on_non_working_days: true\n")
    configured = remind(cli, ws, "--as-of", "2026-06-06")
    assert configured.exit_code == 0, configured.output
    assert sorted(r.to for r in mailbox.received) == [GONGDIAN, GUIYUAN, YINGXIAO]
    assert "还剩 1 个工作日" in mailbox.to(GUIYUAN)[0].text  # lead-2 for the units (due Monday)
    assert "还剩 3 个工作日" in mailbox.to(YINGXIAO)[0].text  # lead-5 for the company (due Wednesday)


def test_a_first_run_lists_the_copies_before_what_is_coming(cli, ws, server):
    mailbox, _ = server
    assert remind(cli, ws, "--as-of", "2026-06-09").exit_code == 0
    marketing = mailbox.to(YINGXIAO)[0]
    assert marketing.subject == "【获得电力报送提醒】下属单位逾期 3 项，共 5 项"
    assert item_lines(marketing.text) == [
        "工作开展情况报告 2026-R1（供电公司 → 公司）",
        "工作开展情况报告 2026-R1（桂源公司 → 南方监管局）",
        "工作开展情况报告 2026-R1（桂源公司 → 公司）",
        "工作开展情况报告 2026-R1（公司 → 南方监管局）",
        "信息公开 2026-R1（公司（完成/公开））",
    ]
    assert "注意：供电公司、桂源公司未按时报送" in marketing.text  # the company's report is at risk
    assert "报送后请在台账中登记（gdcomply submit）" in marketing.text  # the marketing department records
    assert "回执交营销部登记" in mailbox.to(GUIYUAN)[0].text  # a unit hands its receipt over


def test_a_missed_run_is_caught_up_with_the_most_urgent_stage(cli, ws, server):
    mailbox, _ = server
    # No run on 06-01 (lead-5) nor 06-04 (lead-2): on 06-05 the units have 1 working day left
    # and get lead-2 only (not lead-5 as well); the company, 3 days left, gets its lead-5.
    assert remind(cli, ws, "--as-of", "2026-06-05").exit_code == 0
    assert sorted(r.to for r in mailbox.received) == [GONGDIAN, GUIYUAN, YINGXIAO]
    stages = {(instance.split("/")[-1], stage) for instance, stage, _ in sent_records(ws)}
    assert stages == {
        ("gongdian->company", "lead-2"), ("guiyuan->company", "lead-2"), ("guiyuan->bureau", "lead-2"),
        ("company->bureau", "lead-5"), ("company", "lead-5"),
    }  # fmt: skip


# -- faults ---------------------------------------------------------------------------------


def test_a_refused_recipient_does_not_stop_the_others_and_is_retried(cli, ws, server):
    mailbox, _ = server
    mailbox.refuse = {GONGDIAN}
    first = remind(cli, ws, "--as-of", "2026-06-01")
    assert first.exit_code == 1
    assert "未发送：供电公司专责 <gongdian@example.com>：邮件服务器拒收收件人 gongdian@example.com（550" in first.stdout
    assert "错误：1 封提醒邮件未能发送" in first.stderr
    assert [r.to for r in mailbox.received] == [GUIYUAN]
    assert all(recipient != GONGDIAN for _, _, recipient in sent_records(ws))

    mailbox.refuse = set()
    second = remind(cli, ws, "--as-of", "2026-06-02")
    assert second.exit_code == 0, second.output
    assert [r.to for r in mailbox.received] == [GUIYUAN, GONGDIAN]
    assert ("progress-report/2026-R1/gongdian->company", "lead-5", GONGDIAN) in sent_records(ws)


def test_a_server_that_is_down_records_nothing_and_the_next_run_sends_all(cli, ws, server):
    mailbox, port = server
    write_remind_config(ws, free_port())  # nobody listens there
    down = remind(cli, ws, "--as-of", "2026-06-01")
    assert down.exit_code == 1
    assert down.stdout.count("连接被拒绝") == 2 and "共 2 封：已发送 0 封，未发送 2 封" in down.stdout
    assert sent_records(ws) == []

    write_remind_config(ws, port)
    up = remind(cli, ws, "--as-of", "2026-06-01")
    assert up.exit_code == 0
    assert sorted(r.to for r in mailbox.received) == [GONGDIAN, GUIYUAN]
    assert len(sent_records(ws)) == 3


def test_a_server_that_never_answers_times_out(cli, ws, server):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts the connection but never sends the greeting
    try:
        write_remind_config(ws, silent.getsockname()[1], timeout=0.3)
        started = time.monotonic()
        result = remind(cli, ws, "--as-of", "2026-06-01")
    finally:
        silent.close()
    assert result.exit_code == 1
    assert "超时（0.3 秒无响应）" in result.stdout
    assert time.monotonic() - started < 3  # one timeout, not one per message
    assert sent_records(ws) == []


@sqlite_only
def test_failing_to_record_after_the_send_gives_one_duplicate_never_a_loss(cli, ws, server, monkeypatch):
    mailbox, _ = server
    real_record = Ledger.record_reminders
    broken = {"left": 1}

    def flaky_record(self, reminders):
        if any(r.recipient == GUIYUAN for r in reminders) and broken["left"]:
            broken["left"] -= 1
            raise sqlite3.OperationalError("disk I/O error")
        return real_record(self, reminders)

    monkeypatch.setattr(Ledger, "record_reminders", flaky_record)
    first = remind(cli, ws, "--as-of", "2026-06-01")
    assert first.exit_code == 1
    assert "已发送但未能记入台账：桂源公司专责 <guiyuan@example.com>（OperationalError: disk I/O error）" in first.stdout
    second = remind(cli, ws, "--as-of", "2026-06-01")
    assert second.exit_code == 0
    assert len(mailbox.to(GUIYUAN)) == 2  # the one duplicate
    assert len(mailbox.to(GONGDIAN)) == 1
    assert mailbox.to(GUIYUAN)[0].message["Message-ID"] == mailbox.to(GUIYUAN)[1].message["Message-ID"]
    assert len(sent_records(ws)) == 3


def test_killed_between_send_and_record_at_most_one_duplicate_and_no_loss(cli, ws, server, child_env):
    mailbox, _ = server
    process = subprocess.Popen(
        [sys.executable, "-m", "gdcomply", "remind", "--workspace", str(ws), "--as-of", "2026-06-01"],
        env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    # The server has the first message; the sender dies before it hears "250" and records it.
    mailbox.on_data = lambda count: os.kill(process.pid, signal.SIGKILL) if count == 1 else None
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert [r.to for r in mailbox.received] == [GONGDIAN]
    assert sent_records(ws) == []

    mailbox.on_data = None
    rerun = remind(cli, ws, "--as-of", "2026-06-01")
    assert rerun.exit_code == 0, rerun.output
    assert len(mailbox.to(GONGDIAN)) == 2  # at most one duplicate …
    assert len(mailbox.to(GUIYUAN)) == 1  # … and nothing lost
    assert len(sent_records(ws)) == 3


def test_a_second_run_waits_for_the_first_and_then_sends_nothing(cli, ws, server, child_env):
    mailbox, _ = server
    mailbox.delay = 0.25
    first = subprocess.Popen(
        [sys.executable, "-m", "gdcomply", "remind", "--workspace", str(ws), "--as-of", "2026-06-01"],
        env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert mailbox.rcpt_seen.wait(20)  # the first run holds the lock and is sending
    second = remind(cli, ws, "--as-of", "2026-06-01")
    out, err = first.communicate(timeout=30)
    assert first.returncode == 0, out + err
    assert "另一个“gdcomply remind”正在运行" in second.stderr and "等待它结束" in second.stderr
    assert second.exit_code == 0
    assert "没有需要发送的提醒" in second.stdout
    assert sorted(r.to for r in mailbox.received) == [GONGDIAN, GUIYUAN]


def test_a_second_run_gives_up_when_the_lock_stays_taken(cli, ws, server, backend):
    mailbox, port = server
    write_remind_config(ws, port, lock_wait=0.3)
    if backend == "postgresql":  # another host's run holds the shared ledger's lock
        import psycopg

        from conftest import shared_ledger_of
        from gdcomply.ledger.postgres import LOCKS

        with psycopg.connect(shared_ledger_of(ws), autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", LOCKS["remind"])
            result = remind(cli, ws, "--as-of", "2026-06-01")
    else:
        with open(ws / "data" / "remind.lock", "a+") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            result = remind(cli, ws, "--as-of", "2026-06-01")
    assert result.exit_code == 1
    assert "另一个“gdcomply remind”正在运行" in result.stderr and "本次没有发送任何提醒" in result.stderr
    assert mailbox.received == [] and sent_records(ws) == []


# -- the password ---------------------------------------------------------------------------


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself


def test_the_password_never_appears_in_any_output(cli, tmp_path, start_server, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    mailbox, port = start_server(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    root = make_workspace(tmp_path / "ws")
    write_remind_config(root, port)
    monkeypatch.setenv("GDCOMPLY_SMTP_USER", USER)
    monkeypatch.setenv("GDCOMPLY_SMTP_PASSWORD", PASSWORD)
    outputs = []

    ok = remind(cli, root, "--as-of", "2026-06-01")
    assert ok.exit_code == 0, ok.output
    assert len(mailbox.received) == 2
    outputs.append(ok.output)
    outputs.append(remind(cli, root, "--test-to", "it@example.org").output)
    outputs.append(remind(cli, root, "--as-of", "2026-06-04", "--dry-run").output)
    outputs.append(remind(cli, root, "--history", "--format", "json").output)

    monkeypatch.setenv("GDCOMPLY_SMTP_PASSWORD", PASSWORD + "-wrong")
    refused = remind(cli, root, "--as-of", "2026-06-04")
    assert refused.exit_code == 1
    assert "拒绝登录（535" in refused.stdout and "GDCOMPLY_SMTP_PASSWORD" in refused.stdout
    outputs.append(refused.output)
    test_refused = remind(cli, root, "--test-to", "it@example.org")
    assert test_refused.exit_code == 1 and "拒绝登录" in test_refused.stderr
    outputs.append(test_refused.output)
    with pytest.raises(Exception) as raised:  # --debug lets the error through with its traceback
        main(["--debug", "remind", "--workspace", str(root), "--test-to", "it@example.org"])
    import traceback

    outputs.append("".join(traceback.format_exception(raised.value)))

    write_remind_config(root, free_port())  # server down
    outputs.append(remind(cli, root, "--as-of", "2026-06-04").output)
    write_remind_config(root, port, host="mail.example.org")
    plaintext = remind(cli, root, "--as-of", "2026-06-04")
    assert plaintext.exit_code == 2 and "不能把密码发往 mail.example.org" in plaintext.stderr
    outputs.append(plaintext.output)

    secrets = [w for pw in (PASSWORD, PASSWORD + "-wrong") for w in (pw, base64.b64encode(pw.encode()).decode(),
               base64.b64encode(f"\0{USER}\0{pw}".encode()).decode())]  # fmt: skip
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]  # aiosmtpd is the server
    everything = "\n".join(outputs + ours)
    assert everything.strip()
    for secret in secrets:
        assert secret not in everything
    assert PASSWORD.encode() not in (root / "data" / "ledger.sqlite3").read_bytes()
    assert all(PASSWORD.encode() not in r.raw for r in mailbox.received)


# -- dry run, outbox, history, test mail, templates -----------------------------------------


def test_dry_run_prints_the_emails_and_records_nothing(cli, ws, server):
    mailbox, _ = server
    result = remind(cli, ws, "--as-of", "2026-06-01", "--dry-run")
    assert result.exit_code == 0
    assert "演习（--dry-run）：2026-06-01（周一）应发送 2 封提醒邮件；没有发送，也没有记入台账。" in result.stdout
    assert "收件人：桂源公司专责 <guiyuan@example.com>" in result.stdout
    assert "主题：【获得电力报送提醒】即将到期 2 项" in result.stdout
    assert "回复地址：" not in result.stdout  # smtp.reply_to is not set
    assert "截止日期：2026-06-08（周一），还剩 5 个工作日" in result.stdout
    assert mailbox.received == [] and sent_records(ws) == []


def test_dry_run_outbox_writes_eml_files(cli, ws, tmp_path):
    outbox = tmp_path / "outbox"
    result = remind(cli, ws, "--as-of", "2026-06-09", "--dry-run", "--outbox", outbox)
    assert result.exit_code == 0, result.output
    files = sorted(outbox.glob("*.eml"))
    assert [f.name for f in files] == [
        "2026-06-09-01-gongdian@example.com.eml",
        "2026-06-09-02-guiyuan@example.com.eml",
        "2026-06-09-03-yingxiao@example.com.eml",
    ]
    raw = files[2].read_bytes()
    raw.decode("ascii")  # 7-bit clean: headers RFC 2047, bodies base64
    message = message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    assert str(message["Subject"]) == "【获得电力报送提醒】下属单位逾期 3 项，共 5 项"
    assert sent_records(ws) == []
    assert remind(cli, ws, "--as-of", "2026-06-01", "--outbox", outbox).exit_code == 2  # --outbox needs --dry-run


def test_history_shows_what_was_sent_when(cli, ws, server):
    assert "尚未发送过提醒" in remind(cli, ws, "--history").stdout
    remind(cli, ws, "--as-of", "2026-06-01")
    table = remind(cli, ws, "--history")
    assert table.exit_code == 0
    assert "已发送的提醒（3 条" in table.stdout and "截止前 5 个工作日" in table.stdout
    only = remind(cli, ws, "--history", "--instance", "progress-report/2026-R1/gongdian->company", "--format", "json")
    import json

    rows = json.loads(only.stdout)
    assert [(r["stage"], r["recipient"], r["sent_on"]) for r in rows] == [("lead-5", GONGDIAN, "2026-06-01")]
    assert rows[0]["message_id"].startswith("<gdcomply.") and rows[0]["sent_at"].endswith("+08:00")


def test_test_to_sends_one_test_email_and_records_nothing(cli, ws, server):
    mailbox, _ = server
    result = remind(cli, ws, "--test-to", "admin@example.org")
    assert result.exit_code == 0, result.output
    assert "测试邮件已发送至 admin@example.org" in result.stdout
    assert [r.to for r in mailbox.received] == ["admin@example.org"]
    assert mailbox.received[0].subject == "【获得电力报送提醒】测试邮件"
    assert "邮件服务器：127.0.0.1" in mailbox.received[0].text
    assert sent_records(ws) == []
    assert remind(cli, ws, "--test-to", "not-an-address").exit_code == 2


def test_the_workspace_can_override_a_template(cli, ws, server):
    mailbox, _ = server
    (ws / "templates" / "reminder_subject.txt.j2").write_text("报送提醒 {{ recipient.name }} {{ items|length }} 项", encoding="utf-8")
    assert remind(cli, ws, "--as-of", "2026-06-01").exit_code == 0
    assert mailbox.to(GUIYUAN)[0].subject == "报送提醒 桂源公司专责 2 项"


def test_a_broken_template_is_an_error_with_its_line_and_nothing_is_sent(cli, ws, server):
    mailbox, _ = server
    (ws / "templates" / "reminder.txt.j2").write_text("第一行\n{{ recipient.nmae }}\n", encoding="utf-8")
    result = remind(cli, ws, "--as-of", "2026-06-01")
    assert result.exit_code == 1
    assert f"{ws / 'templates' / 'reminder.txt.j2'}:2" in result.stderr and "nmae" in result.stderr
    assert mailbox.received == [] and sent_records(ws) == []


def test_no_mail_server_configured_is_a_config_error(cli, tmp_path):
    root = tmp_path / "fresh"
    assert cli(["init", root, "--since", "2026-05-01"]).exit_code == 0  # the bundled reminders.yaml: no server yet
    result = remind(cli, root, "--as-of", "2026-06-01")
    assert result.exit_code == 2
    assert "尚未设置邮件服务器" in result.stderr and "smtp.host、smtp.sender" in result.stderr
    assert remind(cli, root, "--as-of", "2026-06-01", "--dry-run").exit_code == 0


def test_an_unknown_escalation_party_names_its_position(cli, ws, server):
    write_remind_config(ws, server[1], "escalation:\n  to_party: marketing\n")
    result = remind(cli, ws, "--as-of", "2026-06-01", "--dry-run")
    assert result.exit_code == 2
    assert "reminders.yaml:10:13: escalation.to_party: 未知的单位“marketing”" in result.stderr


# -- contacts that cannot be mailed (issue 11, item 11) -------------------------------------


@pytest.mark.parametrize(
    ("line", "replacement", "column", "message"),
    [
        ("        email: gongdian@example.com", "        email: gongdian@example.com,", 16, "“gongdian@example.com,”不是有效的邮箱地址"),
        ("        email: gongdian@example.com", "        email: <gongdian@example.com>", 16, "“<gongdian@example.com>”不是有效的邮箱地址"),
        ("        email: gongdian@example.com", "        email: gongdian@example..com", 16, "“gongdian@example..com”不是有效的邮箱地址"),
        ("      - name: 供电公司专责", '      - name: "供电公司\\r\\n专责"', 15, "姓名中有换行或控制字符"),
    ],
    ids=["comma", "brackets", "double-dot", "crlf-name"],
)
def test_a_bad_contact_is_found_by_validate_and_never_stops_the_others(cli, ws, server, line, replacement, column, message):
    mailbox, _ = server
    deadlines = ws / "config" / "deadlines.yaml"
    text = deadlines.read_text(encoding="utf-8")
    assert line in text
    deadlines.write_text(text.replace(line, replacement, 1), encoding="utf-8")
    number = next(i for i, row in enumerate(text.splitlines(), 1) if row == line)

    result = cli(["validate", "--workspace", ws])
    assert result.exit_code == 1
    assert f"{deadlines.resolve()}:{number}:{column}: parties.gongdian.contacts[0]." in result.stderr
    assert message in result.stderr

    result = remind(cli, ws, "--as-of", "2026-06-01")
    assert result.exit_code == 1, result.output
    assert [r.to for r in mailbox.received] == [GUIYUAN]  # the others' mail went out
    assert "已发送：桂源公司专责 <guiyuan@example.com>" in result.stdout
    assert f"错误：联系人无法发送邮件，本次不给他发提醒：{deadlines.resolve()}:{number}:{column}:" in result.stderr
    assert "1 个联系人的邮箱或姓名有误，没有收到提醒" in result.stderr
    assert "Traceback" not in result.output
    assert all(recipient == GUIYUAN for _, _, recipient in sent_records(ws))


# -- a run lock the cron user cannot write (issue 11, item 14) -------------------------------


@pytest.mark.skipif(os.geteuid() != 0 and os.environ.get("CI") != "true", reason="needs root to act as another user")
def test_a_lock_file_left_by_root_is_explained_not_a_traceback(server, child_env):
    """root once ran `remind`: data/remind.lock is root's 0644, and cron runs as another user."""
    import shutil
    import tempfile

    mailbox, port = server
    base = Path(tempfile.mkdtemp(prefix="gdc-lock-", dir="/tmp"))
    try:
        base.chmod(0o755)
        ws = make_workspace(base / "ws")
        write_remind_config(ws, port)
        for path in (base, *base.rglob("*")):
            os.chown(path, 65534, 65534)
        lock = ws / "data" / "remind.lock"
        lock.write_text("4242\n", encoding="utf-8")  # root's, as `sudo gdcomply remind` leaves it
        lock.chmod(0o644)
        env = {**child_env, "HOME": str(base), "GDCOMPLY_HOME": str(base / "home"),
               "GDCOMPLY_CACHE_DIR": str(base / "cache")}  # fmt: skip
        result = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             sys.executable, "-m", "gdcomply", "remind", "--workspace", str(ws), "--as-of", "2026-06-01"],
            env=env, cwd=base, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        shutil.rmtree(base)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        f"错误：无法打开提醒的运行锁文件 {lock}：当前用户 nobody 没有写入权限（它属于用户 root，"
        f"可能有人曾用 root 等其他账户运行过“gdcomply remind”，或文件被设为不可修改）。本次没有发送任何提醒。"
        f"请让管理员执行“chown nobody {lock}”"
    )
    assert mailbox.received == []


# -- what the recipients read: what to do first, whom to chase, whom to ask (issue 12 item 8) --


def add_phone(ws: Path, address: str, phone: str) -> None:
    """Give a contact of the workspace's deadlines.yaml a phone number, written as a user would."""
    deadlines = ws / "config" / "deadlines.yaml"
    text = deadlines.read_text(encoding="utf-8")
    line = f"        email: {address}\n"
    assert line in text
    deadlines.write_text(text.replace(line, f"{line}        phone: {phone}\n"), encoding="utf-8")


def test_what_is_due_today_leads_the_subject_and_the_body_before_long_overdue_items(cli, ws, server):
    """07-10: guiyuan's 2026-H1 connection data is due today; its 2026-R1 reports are long overdue."""
    mailbox, _ = server
    result = remind(cli, ws, "--as-of", "2026-07-10")
    assert result.exit_code == 0, result.output
    guiyuan = mailbox.to(GUIYUAN)[0]
    assert guiyuan.subject == "【获得电力报送提醒】今天截止 2 项，共 4 项"
    assert guiyuan.plain.split("\n\n")[2:4] == [
        "【今天截止】请今天报送\n"
        "1. 用户报装信息 2026-H1（桂源公司 → 南方监管局）\n"
        "   截止日期：2026-07-10（周五），今天截止\n"
        "2. 用户报装信息 2026-H1（桂源公司 → 公司）\n"
        "   截止日期：2026-07-10（周五），今天截止",
        "【已逾期】请尽快报送\n"
        "1. 工作开展情况报告 2026-R1（桂源公司 → 南方监管局）\n"
        "   截止日期：2026-06-08（周一），已逾期 23 个工作日\n"
        "2. 工作开展情况报告 2026-R1（桂源公司 → 公司）\n"
        "   截止日期：2026-06-08（周一），已逾期 23 个工作日",
    ]
    assert guiyuan.html.index("今天截止：请今天报送") < guiyuan.html.index("已逾期：请尽快报送")
    assert "已发送：桂源公司专责 <guiyuan@example.com>，4 项（今天截止 2，已逾期 2）" in result.stdout


def test_the_marketing_department_sees_its_own_deadline_today_before_the_copies(cli, ws, server):
    mailbox, _ = server
    assert remind(cli, ws, "--as-of", "2026-06-10").exit_code == 0
    marketing = mailbox.to(YINGXIAO)[0]
    assert marketing.subject == "【获得电力报送提醒】今天截止 2 项，共 5 项"
    assert item_lines(marketing.text) == [
        "工作开展情况报告 2026-R1（公司 → 南方监管局）",
        "信息公开 2026-R1（公司（完成/公开））",
        "工作开展情况报告 2026-R1（供电公司 → 公司）",
        "工作开展情况报告 2026-R1（桂源公司 → 南方监管局）",
        "工作开展情况报告 2026-R1（桂源公司 → 公司）",
    ]


def test_a_due_date_on_a_make_up_saturday_says_so(cli, tmp_path, server):
    """2026-10-10 is a Saturday worked in exchange for the National Day holiday (调休上班)."""
    mailbox, port = server
    ws = tmp_path / "ws"
    init_workspace(ws)
    Ledger.open(ws / "data" / "ledger.sqlite3", create=True, tracking_since=date(2026, 9, 1)).close()
    write_remind_config(ws, port)
    assert remind(cli, ws, "--as-of", "2026-09-30").exit_code == 0
    marketing = mailbox.to(YINGXIAO)[0]
    assert marketing.plain.split("\n\n")[2] == (
        "【即将到期】\n"
        "1. 工作开展情况报告 2026-R3（公司 → 南方监管局）\n"
        "   截止日期：2026-10-10（周六，调休上班），还剩 3 个工作日\n"
        "2. 信息公开 2026-R3（公司（完成/公开））\n"
        "   截止日期：2026-10-10（周六，调休上班），还剩 3 个工作日"
    )
    assert "<td>2026-10-10（周六，调休上班）</td>" in marketing.html
    assert "截止日期：2026-10-08（周四），" in mailbox.to(GUIYUAN)[0].text  # an ordinary Thursday: no note


def test_escalation_copies_name_the_late_units_contacts(cli, ws, server):
    mailbox, _ = server
    add_phone(ws, GONGDIAN, "0774-5288888")
    add_phone(ws, GUIYUAN, "07745211234")  # unquoted: YAML would read an octal number; kept as written
    assert remind(cli, ws, "--as-of", "2026-06-09").exit_code == 0
    marketing = mailbox.to(YINGXIAO)[0]
    assert marketing.plain.split("\n\n")[2] == (
        "【抄送营销部】以下单位的报送已逾期，请督办\n"
        "1. 工作开展情况报告 2026-R1（供电公司 → 公司）\n"
        "   截止日期：2026-06-08（周一），已逾期 1 个工作日\n"
        "   责任单位：供电公司，联系人：供电公司专责（gongdian@example.com，电话 0774-5288888）\n"
        "2. 工作开展情况报告 2026-R1（桂源公司 → 南方监管局）\n"
        "   截止日期：2026-06-08（周一），已逾期 1 个工作日\n"
        "   责任单位：桂源公司，联系人：桂源公司专责（guiyuan@example.com，电话 07745211234）\n"
        "3. 工作开展情况报告 2026-R1（桂源公司 → 公司）\n"
        "   截止日期：2026-06-08（周一），已逾期 1 个工作日\n"
        "   责任单位：桂源公司，联系人：桂源公司专责（guiyuan@example.com，电话 07745211234）"
    )
    assert "<td>供电公司</td><td>供电公司专责（gongdian@example.com，电话 0774-5288888）</td>" in marketing.html
    # the unit itself is not told its own phone number
    assert "电话" not in mailbox.to(GUIYUAN)[0].text


def test_without_a_reply_to_the_body_ends_naming_the_marketing_department(cli, ws, server):
    mailbox, _ = server
    assert remind(cli, ws, "--as-of", "2026-06-09").exit_code == 0
    for unit in (GONGDIAN, GUIYUAN):
        received = mailbox.to(unit)[0]
        assert received.message["Reply-To"] is None
        assert received.plain.endswith(
            "——\n本邮件由 gdcomply 自动发送，请勿直接回复。\n如有疑问，请联系：营销部专责（yingxiao@example.com）。\n"
        )
    # the marketing department is not told to ask itself
    assert mailbox.to(YINGXIAO)[0].plain.endswith("——\n本邮件由 gdcomply 自动发送，请勿直接回复。\n")


def test_reply_to_is_a_header_the_server_receives_and_the_body_says_whom_to_ask(cli, ws, server):
    mailbox, port = server
    write_remind_config(ws, port)
    config = ws / "config" / "reminders.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "  reply_to: 营销部 张三 <zhangsan@example.com>\n", encoding="utf-8"
    )
    dry = remind(cli, ws, "--as-of", "2026-06-09", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (
        "收件人：桂源公司专责 <guiyuan@example.com>\n"
        "回复地址：营销部 张三 <zhangsan@example.com>\n"
        "主题：【获得电力报送提醒】已逾期 2 项\n"
    ) in dry.stdout

    assert remind(cli, ws, "--as-of", "2026-06-09").exit_code == 0
    assert sorted(r.to for r in mailbox.received) == [GONGDIAN, GUIYUAN, YINGXIAO]
    for received in mailbox.received:
        assert str(received.message["Reply-To"]) == "营销部 张三 <zhangsan@example.com>"
        header = received.raw.split(b"\r\n\r\n", 1)[0]
        assert b"Reply-To: =?utf-8?" in header and b"<zhangsan@example.com>" in header  # RFC 2047
        assert received.plain.endswith(
            "——\n本邮件由 gdcomply 自动发送。\n如有疑问，请直接回复本邮件，或联系：营销部 张三（zhangsan@example.com）。\n"
        )
        assert "如有疑问，请直接回复本邮件，或联系：营销部 张三（zhangsan@example.com）。" in received.html
    test_mail = remind(cli, ws, "--test-to", "admin@example.org")
    assert test_mail.exit_code == 0, test_mail.output
    checked = mailbox.to("admin@example.org")[0]
    assert str(checked.message["Reply-To"]) == "营销部 张三 <zhangsan@example.com>"
    assert "回复地址（Reply-To）：营销部 张三 <zhangsan@example.com>\n" in checked.plain


def test_a_reply_to_of_a_known_contact_gives_their_phone_and_spares_them_the_line(cli, ws, server):
    mailbox, port = server
    add_phone(ws, YINGXIAO, "0774-5280000")
    config = ws / "config" / "reminders.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"  reply_to: {YINGXIAO}\n", encoding="utf-8")
    assert remind(cli, ws, "--as-of", "2026-06-09").exit_code == 0
    assert str(mailbox.to(GUIYUAN)[0].message["Reply-To"]) == YINGXIAO
    assert mailbox.to(GUIYUAN)[0].plain.endswith(
        "如有疑问，请直接回复本邮件，或联系：营销部专责（yingxiao@example.com，电话 0774-5280000）。\n"
    )
    assert mailbox.to(YINGXIAO)[0].plain.endswith("——\n本邮件由 gdcomply 自动发送。\n")


def test_a_bad_reply_to_stops_the_run_and_validate_names_its_position(cli, ws, server):
    mailbox, port = server
    config = ws / "config" / "reminders.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "  reply_to: zhangsan@example.com, lisi@example.com\n", encoding="utf-8"
    )
    line = len(config.read_text(encoding="utf-8").splitlines())
    expected = (
        f"{config}:{line}:13: smtp.reply_to: “zhangsan@example.com, lisi@example.com”不是有效的回复地址，"
        f"应写作“名称 <邮箱>”或只写一个邮箱，如 营销部 张三 <zhangsan@example.com>"
    )
    run = remind(cli, ws, "--as-of", "2026-06-09")
    assert run.exit_code == 2
    assert expected in run.stderr
    assert mailbox.received == [] and sent_records(ws) == []
    validate = cli(["validate", "--workspace", ws])
    assert validate.exit_code == 1
    assert expected in validate.stderr


def test_an_unedited_copy_of_an_earlier_bundled_template_gives_way_to_the_current_one(cli, ws, server):
    """A workspace made before this version has the old templates; unedited, they are upgraded."""
    earlier_subject = (
        "{#- 提醒邮件的主题（只取一行）。可用的变量见 docs/reminders.md。 -#}\n"
        "【获得电力报送提醒】\n"
        "{%- if overdue %}{{ overdue|length }} 项已逾期{% endif %}\n"
        "{%- if escalations %}{% if overdue %}，{% endif %}{{ escalations|length }} 项下属单位逾期{% endif %}\n"
        "{%- if upcoming %}{% if overdue or escalations %}，{% endif %}{{ upcoming|length }} 项即将到期{% endif %}\n"
        "（{{ as_of }}）\n"
    )
    own = ws / "templates" / "reminder_subject.txt.j2"
    own.write_text(earlier_subject, encoding="utf-8")
    assert "主题：【获得电力报送提醒】已逾期 2 项\n" in remind(cli, ws, "--as-of", "2026-06-09", "--dry-run").stdout
    own.write_text(earlier_subject.replace("项已逾期", "项逾期"), encoding="utf-8")  # edited: the user's own
    assert "主题：【获得电力报送提醒】2 项逾期（2026-06-09）\n" in remind(cli, ws, "--as-of", "2026-06-09", "--dry-run").stdout


def test_a_template_written_before_due_today_still_lists_todays_items_under_upcoming(cli, ws, server):
    mailbox, _ = server
    (ws / "templates" / "reminder.txt.j2").write_text(
        "{% for item in overdue %}逾期：{{ item.title }} {{ item.period }}\n{% endfor %}"
        "{% for item in upcoming %}将到期：{{ item.title }} {{ item.period }} {{ item.days_text }}\n{% endfor %}",
        encoding="utf-8",
    )
    assert remind(cli, ws, "--as-of", "2026-07-10").exit_code == 0
    assert mailbox.to(GUIYUAN)[0].plain == (
        "逾期：工作开展情况报告 2026-R1\n逾期：工作开展情况报告 2026-R1\n"
        "将到期：用户报装信息 2026-H1 今天截止\n将到期：用户报装信息 2026-H1 今天截止\n"
    )


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_run_that_loses_the_shared_ledger_stops_sending_at_once(cli, ws, server, pg_admin):
    """Review of issue 14: a run whose connection dropped lost its run lock with its session, so
    another host may be sending the same reminders: it must not go on sending unrecorded mail."""
    from conftest import shared_ledger_of

    mailbox, _ = server
    database = shared_ledger_of(ws).rsplit("/", 1)[1]

    def cut_the_ledger(count: int) -> None:
        if count == 1:  # the server has the first message; the sender's database session goes
            pg_admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )

    mailbox.on_data = cut_the_ledger
    first = remind(cli, ws, "--as-of", "2026-06-01")
    assert first.exit_code == 1
    assert [r.to for r in mailbox.received] == [GONGDIAN]  # nothing more went out
    assert "已发送但未能记入台账：供电公司专责 <gongdian@example.com>" in first.stdout
    assert "未发送：桂源公司专责 <guiyuan@example.com>：台账无法记录已发送的提醒，为免重复发送，其余提醒本次不发送" in first.stdout
    mailbox.on_data = None
    rerun = remind(cli, ws, "--as-of", "2026-06-01")
    assert rerun.exit_code == 0, rerun.output
    assert sorted(r.to for r in mailbox.received) == [GONGDIAN, GONGDIAN, GUIYUAN]  # one duplicate, no loss
    assert len(sent_records(ws)) == 3


# -- complaint replies (issue 16) -------------------------------------------------------------


def test_complaint_replies_are_reminded_2_and_0_working_days_before_and_when_overdue(cli, ws, server):
    from gdcomply.reports.sample_xlsx import write_sheets

    mailbox, _ = server
    header = ("工单编号", "来源", "受理时间", "责任单位", "类别", "客户名称", "联系电话", "答复时间")
    rows = [
        ("GX001", "12398", date(2026, 9, 28), "桂源公司", "业扩报装", "张三", "13812341234", None),  # due 10-16
        ("K002", "966068", date(2026, 9, 28), "运维检修部", "供电质量", "李四", "13900001111", None),  # a department
    ]
    write_sheets([("投诉", header, rows)], ws / "c.xlsx")
    assert cli(["complaints", "import", ws / "c.xlsx", "-w", ws]).exit_code == 0

    def complaint_mail(day: str) -> dict[str, list[str]]:
        before = len(mailbox.received)
        assert remind(cli, ws, "--as-of", day).exit_code == 0
        found: dict[str, list[str]] = {}
        for message in mailbox.received[before:]:
            assert b"13812341234" not in message.raw and "张三" not in message.text  # masked, no name
            lines = [line for line in item_lines(message.text) if line.startswith("投诉答复")]
            if lines:
                found[message.to] = lines
        return found

    assert complaint_mail("2026-10-13") == {}  # 3 working days left: not yet
    on_1014 = complaint_mail("2026-10-14")
    assert on_1014[GUIYUAN] == ["投诉答复：12398 工单 GX001（业扩报装，客户电话 138****1234） 受理 2026-09-28（桂源公司 → 投诉客户（答复））"]
    assert on_1014["yunjian@example.com"] == [
        "投诉答复：966068 工单 K002（供电质量，客户电话 139****1111） 受理 2026-09-28（运维检修部 → 投诉客户（答复））"
    ]
    assert set(complaint_mail("2026-10-16")) == {GUIYUAN, "yunjian@example.com"}  # the due day
    # a later export records the reply of GX001: from then on only K002 is reminded
    write_sheets([("投诉", header, [rows[0][:7] + (date(2026, 10, 16),), rows[1]])], ws / "c2.xlsx")
    assert cli(["complaints", "import", ws / "c2.xlsx", "-w", ws]).exit_code == 0
    overdue = complaint_mail("2026-10-19")
    assert set(overdue) == {"yunjian@example.com", YINGXIAO}  # its contact, and the copy to 营销部
    stages = {(i, s) for i, s, _ in sent_records(ws) if i.startswith("complaint/")}
    assert stages == {
        ("complaint/12398/GX001", "lead-2"), ("complaint/12398/GX001", "lead-0"),
        ("complaint/966068/K002", "lead-2"), ("complaint/966068/K002", "lead-0"),
        ("complaint/966068/K002", "overdue-1"), ("complaint/966068/K002", "escalation-1"),
    }  # fmt: skip
