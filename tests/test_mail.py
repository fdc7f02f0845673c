"""gdcomply.reminders.mail (MIME, credentials, delivery failures) and gdcomply.reports.mail_render."""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date, datetime
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gdcomply.calendar import load_calendar
from gdcomply.errors import ConfigError, RenderError
from gdcomply.reminders.mail import (
    Credentials,
    Outgoing,
    _Scrubber,
    build_message,
    check_ready,
    credentials_from_env,
    deliver,
    message_id_for,
)
from gdcomply.reminders.plan import PlannedEmail, Recipient, ReminderItem, Stage, StageKind
from gdcomply.reminders.settings import Security, SmtpSettings
from gdcomply.reports.mail_render import (
    HTML_TEMPLATE,
    SUBJECT_TEMPLATE,
    TEXT_TEMPLATE,
    MailTemplates,
    contact_view,
    item_view,
)
from gdcomply.resources import bundled_config_dir, bundled_templates_dir
from gdcomply.setup import load_workdays
from gdcomply.tracking import Status
from gdcomply.workdays.model import DayKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = SmtpSettings("127.0.0.1", 25, Security.NONE, "获得电力报送提醒", "noreply@gdcomply.test", 2.0)


def message(**changes):
    values = dict(
        to_name="桂源公司专责", to_address="guiyuan@example.com", subject="【获得电力报送提醒】即将到期 2 项",
        text="桂源公司专责：\n\n您好！\n", html="<p>桂源公司专责：</p>", message_id=message_id_for("k", "noreply@gdcomply.test"),
        at=datetime(2026, 6, 1, 8, 0, 5, tzinfo=SHANGHAI),
    )  # fmt: skip
    values.update(changes)
    return build_message(SETTINGS, **values)


def test_the_message_is_7bit_utf8_with_rfc2047_headers_date_and_message_id():
    raw = message().as_bytes()
    raw.decode("ascii")
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "Subject: =?utf-8?" in headers and "From: =?utf-8?" in headers and "To: =?utf-8?" in headers
    parsed = message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) == "【获得电力报送提醒】即将到期 2 项"
    assert parsed["Reply-To"] is None  # not set
    assert str(parsed["From"]) == "获得电力报送提醒 <noreply@gdcomply.test>"
    assert str(parsed["To"]) == "桂源公司专责 <guiyuan@example.com>"
    assert parsedate_to_datetime(parsed["Date"]) == datetime(2026, 6, 1, 8, 0, 5, tzinfo=SHANGHAI)
    assert parsed["Message-ID"] == message_id_for("k", "noreply@gdcomply.test")
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_content_type() == "multipart/alternative"
    plain, html = parsed.iter_parts()
    assert (plain.get_content_type(), plain.get_content_charset()) == ("text/plain", "utf-8")
    assert (html.get_content_type(), html.get_content_charset()) == ("text/html", "utf-8")
    assert "您好！" in plain.get_content() and "<p>桂源公司专责：</p>" in html.get_content()


def test_smtp_reply_to_becomes_an_encoded_reply_to_header():
    settings = replace(SETTINGS, reply_to_name="营销部 张三", reply_to_address="zhangsan@example.com")
    raw = build_message(settings, **message_fields()).as_bytes()
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "Reply-To: =?utf-8?" in headers
    assert str(message_from_bytes(raw, policy=policy.default)["Reply-To"]) == "营销部 张三 <zhangsan@example.com>"


def message_fields() -> dict:
    return dict(
        to_name="桂源公司专责", to_address="guiyuan@example.com", subject="主题", text="正文\n", html=None,
        message_id=message_id_for("k", "noreply@gdcomply.test"), at=datetime(2026, 6, 1, 8, 0, 5, tzinfo=SHANGHAI),
    )  # fmt: skip


def test_without_html_it_is_a_single_text_part():
    parsed = message_from_bytes(message(html=None).as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "text/plain"


def test_message_ids_are_stable_for_the_same_content_and_differ_otherwise():
    first = message_id_for("2026-06-01|a@example.com|x#lead-5", "noreply@gdcomply.test")
    assert first == message_id_for("2026-06-01|a@example.com|x#lead-5", "noreply@gdcomply.test")
    assert first != message_id_for("2026-06-01|a@example.com|x#lead-2", "noreply@gdcomply.test")
    assert first.startswith("<gdcomply.") and first.endswith("@gdcomply.test>")


# -- credentials ----------------------------------------------------------------------------


def test_credentials_come_only_from_the_environment_and_never_show():
    assert credentials_from_env({}) is None
    credentials = credentials_from_env({"GDCOMPLY_SMTP_USER": "bot", "GDCOMPLY_SMTP_PASSWORD": "pw-123456"})
    assert credentials == Credentials("bot", "pw-123456")
    assert "pw-123456" not in repr(credentials) and "pw-123456" not in str(credentials)
    with pytest.raises(ConfigError) as raised:
        credentials_from_env({"GDCOMPLY_SMTP_PASSWORD": "pw-123456"})
    assert "GDCOMPLY_SMTP_USER" in str(raised.value) and "pw-123456" not in str(raised.value)


def test_check_ready_needs_a_server_and_a_sender_and_refuses_plaintext_passwords():
    credentials = Credentials("bot", "pw-123456")
    with pytest.raises(ConfigError, match="smtp.host、smtp.sender"):
        check_ready(replace(SETTINGS, host=None, sender_address=None), None, "reminders.yaml")
    check_ready(SETTINGS, credentials, "reminders.yaml")  # loopback: allowed
    remote = replace(SETTINGS, host="mail.example.com")
    check_ready(remote, None, "reminders.yaml")  # a relay without login: allowed
    with pytest.raises(ConfigError, match="不能把密码发往 mail.example.com") as raised:
        check_ready(remote, credentials, "reminders.yaml")
    assert "pw-123456" not in str(raised.value)
    check_ready(replace(remote, security=Security.STARTTLS, port=587), credentials, "reminders.yaml")


def test_the_scrubber_removes_the_password_in_every_form_it_travels_in():
    credentials = Credentials("bot", "pw-123456")
    scrub = _Scrubber(credentials)
    plain = base64.b64encode(b"\0bot\0pw-123456").decode()
    text = f"535 bad pw-123456 {base64.b64encode(b'pw-123456').decode()} {plain}"
    assert scrub(text) == "535 bad *** *** ***"
    assert _Scrubber(None)("pw-123456") == "pw-123456"


# -- delivery failures without a working server ---------------------------------------------


def outgoing(n: int) -> list[Outgoing]:
    return [Outgoing(f"user{i}@example.com", message(to_address=f"user{i}@example.com")) for i in range(n)]


def test_a_server_that_hangs_up_fails_every_message_after_one_attempt():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)
    accepted: list[int] = []
    stop = threading.Event()

    def hang_up() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            accepted.append(1)
            connection.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    try:
        settings = replace(SETTINGS, port=listener.getsockname()[1])
        recorded: list[Outgoing] = []
        failures = deliver(outgoing(3), settings, None, recorded.append)
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert recorded == []
    assert [f.outgoing.recipient for f in failures] == ["user0@example.com", "user1@example.com", "user2@example.com"]
    assert all("服务器断开了连接" in f.reason for f in failures)
    assert len(accepted) == 1  # the server is not hammered once per message


def test_nobody_listening_is_connection_refused():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    failures = deliver(outgoing(2), replace(SETTINGS, port=port), None, lambda _: None)
    assert [f.reason for f in failures] == [f"连接邮件服务器 127.0.0.1:{port} 失败：连接被拒绝（服务器未运行或端口不对）"] * 2


# -- rendering ------------------------------------------------------------------------------


def planned_email(title: str = "工作开展情况报告") -> tuple:
    calendar = load_calendar(bundled_config_dir() / "deadlines.yaml")
    workdays = load_workdays(bundled_config_dir())
    schedule = calendar.schedule(date(2026, 6, 1), date(2026, 6, 30), workdays)
    instance = next(i for i in schedule.instances if i.id == "progress-report/2026-R1/guiyuan->company")
    instance = replace(instance, title=title)
    items = (
        ReminderItem(instance, Stage(StageKind.OVERDUE, 1), Status.OVERDUE, None, 1, False, (), False, DayKind.WORKDAY, None),
        ReminderItem(instance, Stage(StageKind.LEAD, 0), Status.DUE_SOON, 0, None, False, (), True, DayKind.WORKDAY, None),
    )
    return calendar, PlannedEmail(Recipient("guiyuan@example.com", "桂源公司<专责>", ("guiyuan",)), items)


def test_html_is_autoescaped_and_text_is_not():
    calendar, email = planned_email("报告<script>alert(1)</script>")
    rendered = MailTemplates(lambda name: bundled_templates_dir() / name).render(calendar, email, date(2026, 6, 9))
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "&lt;专责&gt;" in rendered.html
    assert "报告<script>alert(1)</script> 2026-R1" in rendered.text
    assert rendered.subject == "【获得电力报送提醒】今天截止 1 项，共 2 项"
    assert "今天截止" in rendered.text and "已逾期 1 个工作日" in rendered.text


def test_due_dates_name_a_make_up_workday_or_a_holiday_and_the_last_working_day_is_said():
    calendar, _ = planned_email()
    instance = planned_email()[1].items[0].instance

    def view(due: date, kind: DayKind, holiday: str | None = None, *, left: int = 3, today: bool = False):
        item = ReminderItem(replace(instance, due=due), Stage(StageKind.LEAD, 5), Status.DUE_SOON, left, None,
                            False, (), today, kind, holiday)  # fmt: skip
        return item_view(calendar, item)

    assert view(date(2026, 10, 10), DayKind.MAKEUP_WORKDAY).due_text == "2026-10-10（周六，调休上班）"
    assert view(date(2026, 10, 1), DayKind.HOLIDAY, "国庆节").due_text == "2026-10-01（周四，国庆节）"
    assert view(date(2026, 6, 13), DayKind.WEEKEND).due_text == "2026-06-13（周六）"
    assert view(date(2026, 6, 8), DayKind.WORKDAY).due_text == "2026-06-08（周一）"
    # roll: none, due on a Saturday, run on the Friday before: 0 working days left, not due today
    assert view(date(2026, 6, 13), DayKind.WEEKEND, left=0).days_text == "今天是截止前的最后一个工作日"
    assert view(date(2026, 6, 12), DayKind.WORKDAY, left=0, today=True).days_text == "今天截止"


def test_a_contact_is_written_with_what_is_known_of_them():
    assert contact_view("张三", "zhangsan@example.com", "0774-5288888").text == "张三（zhangsan@example.com，电话 0774-5288888）"
    assert contact_view("张三", "zhangsan@example.com").text == "张三（zhangsan@example.com）"
    assert contact_view("", "zhangsan@example.com").text == "zhangsan@example.com"
    assert contact_view("", "zhangsan@example.com", "0774-5288888").text == "zhangsan@example.com（电话 0774-5288888）"


def test_a_template_error_names_the_file_and_line(tmp_path):
    (tmp_path / TEXT_TEMPLATE).write_text("第一行\n{% for item in items %}\n{{ item.title }\n", encoding="utf-8")

    def locate(name: str) -> Path:
        own = tmp_path / name
        return own if own.exists() else bundled_templates_dir() / name

    with pytest.raises(RenderError) as raised:
        MailTemplates(locate)
    assert f"{tmp_path / TEXT_TEMPLATE}:3:" in str(raised.value)


def test_templates_run_in_a_sandbox(tmp_path):
    (tmp_path / SUBJECT_TEMPLATE).write_text("{{ recipient.__class__.__mro__ }}", encoding="utf-8")
    templates = MailTemplates(lambda name: tmp_path / name if name == SUBJECT_TEMPLATE else bundled_templates_dir() / name)
    calendar, email = planned_email()
    with pytest.raises(RenderError):
        templates.render(calendar, email, date(2026, 6, 9))
    assert HTML_TEMPLATE.endswith(".html.j2")


def test_mail_imports_no_cli_or_template_library():
    code = "import sys, gdcomply.reminders.mail; print(sorted(m for m in ('typer', 'rich', 'jinja2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- a real server: 421 closes the channel; the password never shows (issue 11, items 12-13) --


class _Closing421:
    """An aiosmtpd handler answering 421 once, at MAIL, RCPT or DATA, for one recipient; else accepting."""

    def __init__(self, stage: str, victim: str) -> None:
        self.stage, self.victim = stage, victim
        self.fired = False
        self.received: list[str] = []
        self.mail_from: list[str] = []

    def _fire(self, stage: str, recipient: str) -> bool:
        if stage == self.stage and recipient == self.victim and not self.fired:
            self.fired = True
            return True
        return False

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # MAIL comes before the recipient is known: the victim's turn is the message after user0
        if self._fire("MAIL", self.victim if len(self.received) == 1 else ""):
            return "421 4.3.2 Service shutting down, closing channel"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._fire("RCPT", address):
            return "421 4.7.0 Too many connections, closing channel"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self._fire("DATA", envelope.rcpt_tos[0]):
            return "421 4.3.0 Temporary system problem, closing channel"
        self.received.extend(envelope.rcpt_tos)
        return "250 2.0.0 Ok: queued"


@pytest.mark.parametrize("stage", ["MAIL", "RCPT", "DATA"])
def test_a_421_closes_the_connection_and_delivery_goes_on_on_a_new_one(stage):
    from aiosmtpd.controller import Controller

    handler = _Closing421(stage, "user1@example.com")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        recorded: list[Outgoing] = []
        failures = deliver(outgoing(3), replace(SETTINGS, port=port), None, recorded.append)
    finally:
        controller.stop()
    assert handler.fired
    assert failures == []
    assert handler.received == ["user0@example.com", "user1@example.com", "user2@example.com"]
    assert [o.recipient for o in recorded] == handler.received


def test_a_server_that_keeps_answering_421_is_reported_as_unavailable_not_as_a_refused_sender():
    from aiosmtpd.controller import Controller

    class Always421:
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            return "421 4.3.2 Service shutting down"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Always421(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        failures = deliver(outgoing(3), replace(SETTINGS, port=port), None, lambda _: None)
    finally:
        controller.stop()
    assert len(failures) == 3
    assert all(f.reason == f"邮件服务器 127.0.0.1:{port} 暂时不可用，关闭了连接（421 4.3.2 Service shutting down）"
               for f in failures), failures[0].reason


@pytest.mark.parametrize("password", ["pw with  two\tgaps", "\tpw-leading-tab", "tab\tand  spaces "])
def test_a_password_with_whitespace_never_shows_in_a_refused_login(password):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        # a server that echoes what it was given, as some do in their 535 text
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad password {password} for bot")

    class Accept:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Accept(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        failures = deliver(outgoing(1), replace(SETTINGS, port=port), Credentials("bot", password), lambda _: None)
    finally:
        controller.stop()
    reason = failures[0].reason
    assert "拒绝登录" in reason and "***" in reason, reason
    for form in (password, " ".join(password.split()), "".join(password.split())):
        assert form not in reason
    for word in password.split():
        assert word not in reason, reason


def test_the_scrubber_matches_a_password_whose_whitespace_was_folded():
    scrub = _Scrubber(Credentials("bot", "a secret\twith  tabs"))
    assert scrub("535 bad a secret with tabs!") == "535 bad ***!"
    assert scrub("535 bad a secret\twith  tabs") == "535 bad ***"


# The SHA-256 of the bundled reminder templates as they are now. Changing one? Move its hash
# from here into mail_render.EARLIER_BUNDLED (so a workspace's unedited copy of it is upgraded)
# and pin the new one here.
CURRENT_BUNDLED = {
    SUBJECT_TEMPLATE: "f8237fa54e1de6f864e002fcc84acdc4ff3358dec3a932be3302de859aa506c4",
    TEXT_TEMPLATE: "8cb9702ed2c0a7311e4db2146e560082fbf54b9175d0c37cd5680d7d889cebcd",
    HTML_TEMPLATE: "7a88a2871688d3043ec4f98eeae2fdfcff5e47f0a9bda7ddb94af14d64a5c642",
}


def test_a_changed_bundled_template_keeps_unedited_workspace_copies_upgradable():
    import hashlib

    from gdcomply.reports.mail_render import EARLIER_BUNDLED

    for name, pinned in CURRENT_BUNDLED.items():
        digest = hashlib.sha256((bundled_templates_dir() / name).read_bytes()).hexdigest()
        assert digest == pinned, f"{name} changed: add {pinned} to EARLIER_BUNDLED[{name!r}] and pin {digest} here"
        assert digest not in EARLIER_BUNDLED[name]
