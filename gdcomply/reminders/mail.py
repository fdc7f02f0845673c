"""The only module that talks SMTP: builds MIME messages and hands them to the mail server.

Credentials come only from the environment (GDCOMPLY_SMTP_USER, GDCOMPLY_SMTP_PASSWORD) and
never leave this module: they are not printed, logged, put in a repr, or in any error text
(server replies are scrubbed of the password and its base64 forms before they are shown).

``deliver()`` sends each message on one connection and calls ``on_accepted`` right after the
server accepted it, so the caller can record it at once; a message the server refused, or
one that could not be sent because the server is down, comes back as a ``DeliveryFailure``
and the other messages are still tried.
"""

from __future__ import annotations

import base64
import hashlib
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Callable, Mapping, Sequence

from gdcomply.errors import ConfigError
from gdcomply.reminders.settings import Security, SmtpSettings

ENV_USER = "GDCOMPLY_SMTP_USER"
ENV_PASSWORD = "GDCOMPLY_SMTP_PASSWORD"


@dataclass(frozen=True)
class Credentials:
    user: str = field(repr=False)
    password: str = field(repr=False)

    def __str__(self) -> str:
        return "Credentials(***)"


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    """The SMTP login from the environment; None when neither variable is set."""
    env = os.environ if env is None else env
    user, password = env.get(ENV_USER, ""), env.get(ENV_PASSWORD, "")
    if not user and not password:
        return None
    if not user or not password:
        present, missing = (ENV_USER, ENV_PASSWORD) if user else (ENV_PASSWORD, ENV_USER)
        raise ConfigError(f"设置了环境变量 {present}，但没有设置 {missing}：邮件服务器需要两者都设置（或都不设置）")
    return Credentials(user, password)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_ready(settings: SmtpSettings, credentials: Credentials | None, config_name: str) -> None:
    """Refuse to start a run that cannot send (no server or sender) or would leak the password."""
    missing = [key for key, value in (("smtp.host", settings.host), ("smtp.sender", settings.sender_address)) if value is None]
    if missing:
        raise ConfigError(
            f"尚未设置邮件服务器：请在 {config_name} 中填写 {'、'.join(missing)}"
            f"（可先用“gdcomply remind --dry-run”查看将要发送的提醒）"
        )
    assert settings.host is not None
    if credentials is not None and settings.security is Security.NONE and not _is_loopback(settings.host):
        raise ConfigError(
            f"{config_name} 中 smtp.security 为 none（不加密），不能把密码发往 {settings.host}："
            f"请改用 starttls 或 ssl；若该服务器不需要登录，请不要设置 {ENV_USER} 和 {ENV_PASSWORD}"
        )


# -- messages -------------------------------------------------------------------------------


def message_id_for(key: str, sender_address: str) -> str:
    """A Message-ID derived from what the message is about (a resend carries the same one)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    domain = sender_address.rpartition("@")[2] or "localhost"
    return f"<gdcomply.{digest}@{domain}>"


def build_message(
    settings: SmtpSettings,
    *,
    to_name: str,
    to_address: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    at: datetime,
) -> EmailMessage:
    """A UTF-8 message: RFC 2047 headers, Date, Message-ID, plain text with an HTML alternative.

    With ``smtp.reply_to`` set it carries a Reply-To, so a recipient's "reply" reaches a person
    rather than the (often unattended) sender address.
    """
    if settings.sender_address is None:
        raise ConfigError("尚未设置发件人 smtp.sender")
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    message["From"] = Address(settings.sender_name, addr_spec=settings.sender_address)
    message["To"] = Address(to_name, addr_spec=to_address)
    if settings.reply_to_address is not None:
        message["Reply-To"] = Address(settings.reply_to_name, addr_spec=settings.reply_to_address)
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    message.set_content(text, charset="utf-8", cte="base64")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    return message


# -- delivery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    recipient: str  # the envelope recipient (one per message)
    message: EmailMessage


@dataclass(frozen=True)
class DeliveryFailure:
    outgoing: Outgoing
    reason: str  # Chinese, scrubbed of secrets


class _Failed(Exception):
    """A delivery step failed; `broken` when the connection cannot be used any more;
    `closed_by_server` when the server said 421 (closing the channel): worth one more try."""

    def __init__(self, reason: str, *, broken: bool, closed_by_server: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.broken = broken
        self.closed_by_server = closed_by_server


SERVICE_CLOSING = 421  # RFC 5321 4.2.3: "Service not available, closing transmission channel"


class _Scrubber:
    """Removes the password (as typed, and as it travels in AUTH PLAIN/LOGIN) from a text.

    It runs on the text exactly as the server or the library gave it, before any
    reformatting, and then also matches each secret with its runs of whitespace collapsed
    (a reply's whitespace may already have been folded by the server or by smtplib), so a
    password containing spaces, tabs or newlines is removed in either shape.
    """

    def __init__(self, credentials: Credentials | None) -> None:
        import re

        self._patterns: list[re.Pattern[str]] = []
        if credentials is not None:
            pw = credentials.password
            forms = {
                pw,
                base64.b64encode(pw.encode()).decode(),
                base64.b64encode(f"\0{credentials.user}\0{pw}".encode()).decode(),
                base64.b64encode(f"{credentials.user}\0{credentials.user}\0{pw}".encode()).decode(),
            }
            for secret in sorted((s for s in forms if s.strip()), key=len, reverse=True):
                # each run of whitespace in the secret matches any run of whitespace (or none
                # at the ends of a folded line), so "pw with  tabs" is found as "pw with tabs"
                words = secret.split()
                body = r"\s*".join(re.escape(word) for word in words) if len(words) > 1 else re.escape(secret.strip())
                self._patterns.append(re.compile(body))
                if secret != secret.strip() or len(words) > 1:
                    self._patterns.append(re.compile(re.escape(secret)))

    def __call__(self, text: str) -> str:
        for pattern in self._patterns:
            text = pattern.sub("***", text)
        return text


def _reply(code: int, message: bytes | str, scrub: Callable[[str], str]) -> str:
    """A server reply for a message: scrubbed first, then its whitespace folded to one line."""
    text = scrub(message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message))
    return scrub(f"{code} {' '.join(text.split())}".strip())


class _Connection:
    def __init__(self, settings: SmtpSettings, credentials: Credentials | None, scrub: _Scrubber) -> None:
        self.settings = settings
        self.credentials = credentials
        self.scrub = scrub
        self.smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def open(self) -> None:
        settings = self.settings
        assert settings.host is not None
        context = ssl.create_default_context()
        step = "连接"
        try:
            if settings.security is Security.SSL:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout_seconds, context=context
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
            self.smtp = smtp
            smtp.ehlo()
            if settings.security is Security.STARTTLS:
                step = "启用 STARTTLS 加密"
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.credentials is not None:
                step = "登录"
                smtp.login(self.credentials.user, self.credentials.password)
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise _Failed(
                f"邮件服务器 {self.where} 拒绝登录（{_reply(exc.smtp_code, exc.smtp_error, self.scrub)}）："
                f"请检查环境变量 {ENV_USER} 和 {ENV_PASSWORD}",
                broken=True,
            ) from None
        except smtplib.SMTPNotSupportedError:
            self.close()
            what = "STARTTLS 加密" if step.startswith("启用") else "登录（AUTH）"
            raise _Failed(f"邮件服务器 {self.where} 不支持{what}：请检查 smtp.security 的设置", broken=True) from None
        except Exception as exc:  # noqa: BLE001 - every way a connection can fail is reported the same way
            self.close()
            raise _Failed(f"{step}邮件服务器 {self.where} 失败：{self._describe(exc)}", broken=True) from None

    def send(self, outgoing: Outgoing) -> None:
        if self.smtp is None:
            self.open()
        assert self.smtp is not None and self.settings.sender_address is not None
        scrub = self.scrub
        try:
            self.smtp.send_message(outgoing.message, self.settings.sender_address, [outgoing.recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (0, b""))
            if code == SERVICE_CLOSING:
                raise self._closing(code, reply) from None
            raise _Failed(f"邮件服务器拒收收件人 {outgoing.recipient}（{_reply(code, reply, scrub)}）", broken=False) from None
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code == SERVICE_CLOSING:
                raise self._closing(exc.smtp_code, exc.smtp_error) from None
            raise _Failed(
                f"邮件服务器拒绝发件人 {exc.sender}（{_reply(exc.smtp_code, exc.smtp_error, scrub)}）", broken=False
            ) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == SERVICE_CLOSING:
                raise self._closing(exc.smtp_code, exc.smtp_error) from None
            if isinstance(exc, smtplib.SMTPDataError):
                raise _Failed(f"邮件服务器拒收邮件（{_reply(exc.smtp_code, exc.smtp_error, scrub)}）", broken=False) from None
            self.close()
            raise _Failed(f"邮件服务器返回错误（{_reply(exc.smtp_code, exc.smtp_error, scrub)}）", broken=True) from None
        except Exception as exc:  # noqa: BLE001 - a dropped or timed-out connection
            self.close()
            raise _Failed(f"发送时与邮件服务器 {self.where} 的连接中断：{self._describe(exc)}", broken=True) from None

    def _closing(self, code: int, reply: bytes | str) -> _Failed:
        """421 to MAIL, RCPT or DATA: the server closed the channel (smtplib closed its side)."""
        self.close()
        return _Failed(
            f"邮件服务器 {self.where} 暂时不可用，关闭了连接（{_reply(code, reply, self.scrub)}）",
            broken=True,
            closed_by_server=True,
        )

    def _describe(self, exc: BaseException) -> str:
        # smtplib turns a read timeout into SMTPServerDisconnected; the timeout is its context.
        if isinstance(exc, (socket.timeout, TimeoutError)) or isinstance(exc.__context__, (socket.timeout, TimeoutError)):
            return f"超时（{self.settings.timeout_seconds:g} 秒无响应）"
        if isinstance(exc, ConnectionRefusedError):
            return "连接被拒绝（服务器未运行或端口不对）"
        if isinstance(exc, socket.gaierror):
            return "找不到该主机名（请检查 smtp.host）"
        if isinstance(exc, ssl.SSLError):
            return f"TLS 加密握手失败（{self.scrub(exc.reason or str(exc))}）"
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return "服务器断开了连接"
        if isinstance(exc, smtplib.SMTPResponseException):
            return _reply(exc.smtp_code, exc.smtp_error, self.scrub)
        if isinstance(exc, OSError) and exc.strerror:
            return self.scrub(exc.strerror)
        return self.scrub(f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except Exception:  # noqa: BLE001 - closing a broken connection
            smtp.close()


def _attempt(connection: _Connection, item: Outgoing) -> tuple[_Failed | None, bool]:
    """Send one message: (the failure or None, whether this attempt had to open the connection)."""
    opening = connection.smtp is None
    try:
        connection.send(item)
    except _Failed as failed:
        return failed, opening
    return None, opening


class StopDelivery(Exception):
    """Raised by deliver's callbacks: send nothing more (the reason fails every remaining message)."""


def deliver(
    outgoing: Sequence[Outgoing],
    settings: SmtpSettings,
    credentials: Credentials | None,
    on_accepted: Callable[[Outgoing], None],
    before_send: Callable[[Outgoing], None] | None = None,
) -> list[DeliveryFailure]:
    """Send every message; call on_accepted(message) as soon as the server has accepted it.

    A connection that cannot be opened fails every remaining message with the same reason;
    one that drops in the middle is opened again once for the next message. A 421 (the
    server closing the channel, e.g. on overload or shutdown) to MAIL, RCPT or DATA means the
    message was not accepted: it is tried once more on a new connection, and the run goes on.
    before_send(message) runs before each message, and either callback may raise StopDelivery
    (the ledger can no longer record what is sent): the remaining messages then fail with its
    reason, unsent.
    """
    scrub = _Scrubber(credentials)
    connection = _Connection(settings, credentials, scrub)
    failures: list[DeliveryFailure] = []
    unreachable: str | None = None
    try:
        for item in outgoing:
            if unreachable is not None:
                failures.append(DeliveryFailure(item, unreachable))
                continue
            if before_send is not None:
                try:
                    before_send(item)
                except StopDelivery as stop:
                    unreachable = str(stop)
                    failures.append(DeliveryFailure(item, unreachable))
                    continue
            failed, opening = _attempt(connection, item)
            if failed is not None and failed.closed_by_server:
                failed, opening = _attempt(connection, item)  # on a new connection
            if failed is not None:
                failures.append(DeliveryFailure(item, failed.reason))
                if failed.broken and opening:
                    unreachable = failed.reason  # the server is down or refuses us: stop trying
                continue
            try:
                on_accepted(item)
            except StopDelivery as stop:
                unreachable = str(stop)
    finally:
        connection.close()
    return failures
