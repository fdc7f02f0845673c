"""The reminder rules and mail settings of a workspace: config/reminders.yaml.

``load_remind_config(path)`` reads and checks the file, collecting every problem with its
position (``FILE:LINE:COLUMN: field.path: message``); an absent file means the defaults
(which have no mail server, so only ``--dry-run`` works until one is set). The SMTP user
name and password are never read from here: only from the environment (see gdcomply.reminders.mail).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from gdcomply import yamlsource
from gdcomply.calendar import address_problem, display_name_problem
from gdcomply.errors import ConfigError
from gdcomply.yamlsource import Node, Problems

DEFAULT_LEADS = (5, 2, 0)
DEFAULT_OVERDUE_EVERY = 2
DEFAULT_ESCALATE_AFTER = 1
DEFAULT_ESCALATE_TO = "company"
DEFAULT_LOCK_WAIT_SECONDS = 60.0
DEFAULT_TIMEOUT_SECONDS = 30.0
MAX_SECONDS = 3600  # timeout_seconds and lock_wait_seconds: an hour is more than any run needs
MAX_WORKING_DAYS = 250  # about a year of working days: the most any reminder rule can mean

_TOP_KEYS = frozenset(
    {"version", "lead_working_days", "overdue_every_working_days", "escalation", "send_on_non_working_days",
     "lock_wait_seconds", "smtp"}
)  # fmt: skip
_ESCALATION_KEYS = frozenset({"enabled", "after_working_days_overdue", "to_party"})
_SMTP_KEYS = frozenset({"host", "port", "security", "sender", "reply_to", "timeout_seconds"})
_SECRET_KEYS = frozenset({"user", "username", "login", "password", "passwd", "pass", "secret", "token"})
SECRETS_HINT = "用户名和密码只能通过环境变量 GDCOMPLY_SMTP_USER 和 GDCOMPLY_SMTP_PASSWORD 提供，不能写在配置文件中"


class Security(str, Enum):
    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"

    @property
    def default_port(self) -> int:
        return {Security.STARTTLS: 587, Security.SSL: 465, Security.NONE: 25}[self]


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None  # None: not configured yet
    port: int
    security: Security
    sender_name: str
    sender_address: str | None  # None: not configured yet
    timeout_seconds: float  # for the connection and for every command after it
    # the Reply-To header, and whom the email says to ask (unset: no header; the body names
    # the escalation party's contacts instead, see reports/mail_render.question_contacts)
    reply_to_name: str = ""
    reply_to_address: str | None = None

    @property
    def configured(self) -> bool:
        return self.host is not None and self.sender_address is not None


@dataclass(frozen=True)
class RemindRules:
    lead_working_days: tuple[int, ...]  # most distant first, e.g. (5, 2, 0)
    overdue_every_working_days: int  # 0: one overdue reminder only
    escalation_enabled: bool
    escalate_after_working_days: int
    escalate_to: str  # party id whose contacts receive the escalation copies
    escalate_to_where: str  # where escalate_to was set, for a cross-file error
    send_on_non_working_days: bool


@dataclass(frozen=True)
class RemindConfig:
    path: Path
    exists: bool
    rules: RemindRules
    smtp: SmtpSettings
    lock_wait_seconds: float


def default_remind_config(path: Path) -> RemindConfig:
    """The settings when config/reminders.yaml does not exist (no mail server set)."""
    rules = RemindRules(
        DEFAULT_LEADS, DEFAULT_OVERDUE_EVERY, True, DEFAULT_ESCALATE_AFTER, DEFAULT_ESCALATE_TO, "", False
    )
    smtp = SmtpSettings(None, Security.STARTTLS.default_port, Security.STARTTLS, "", None, DEFAULT_TIMEOUT_SECONDS)
    return RemindConfig(path, False, rules, smtp, DEFAULT_LOCK_WAIT_SECONDS)


def load_remind_config(path: Path, display: str | None = None) -> RemindConfig:
    """Load and check reminders.yaml; the defaults when it does not exist."""
    if not path.exists():
        return default_remind_config(path)
    root, problems = yamlsource.load(path, display)
    config = _parse(root, path, problems)
    problems.raise_if_any(f"提醒设置 {display or path} 有错误")
    return config


def _parse(root: Node | None, path: Path, problems: Problems) -> RemindConfig:
    defaults = default_remind_config(path)
    if root is None:
        return RemindConfig(path, True, defaults.rules, defaults.smtp, defaults.lock_wait_seconds)
    if not yamlsource.expect_map(root, problems):
        return defaults
    _check_keys(root, _TOP_KEYS, problems)
    version = root.get("version")
    if version is not None and version.value != 1:
        problems.add(version, f"不支持的版本“{version.shown}”，本程序只认识 version: 1")

    leads = _leads(root.get("lead_working_days"), problems)
    every = _int(root.get("overdue_every_working_days"), problems, DEFAULT_OVERDUE_EVERY, minimum=0)
    send_on_off_days = _bool(root.get("send_on_non_working_days"), problems, False)
    lock_wait = _seconds(root.get("lock_wait_seconds"), problems, DEFAULT_LOCK_WAIT_SECONDS, allow_zero=True)

    enabled, after, to_party, to_where = True, DEFAULT_ESCALATE_AFTER, DEFAULT_ESCALATE_TO, ""
    escalation = root.get("escalation")
    if escalation is not None and escalation.value is not None and yamlsource.expect_map(escalation, problems):
        _check_keys(escalation, _ESCALATION_KEYS, problems)
        enabled = _bool(escalation.get("enabled"), problems, True)
        after = _int(escalation.get("after_working_days_overdue"), problems, DEFAULT_ESCALATE_AFTER, minimum=0)
        party_node = escalation.get("to_party")
        if party_node is not None:
            value = yamlsource.expect_str(party_node, problems, required_text="单位标识（如 company）")
            if value is not None:
                to_party, to_where = value, party_node.where
    rules = RemindRules(leads, every, enabled, after, to_party, to_where, send_on_off_days)
    return RemindConfig(path, True, rules, _smtp(root.get("smtp"), problems, defaults.smtp), lock_wait)


def _check_keys(node: Node, allowed: frozenset[str], problems: Problems) -> None:
    """Unknown keys are errors; a secret gets its own message (and its value is never echoed)."""
    secrets = {key: child for key, child in node.value.items() if key.lower() in _SECRET_KEYS}
    for key, child in secrets.items():
        problems.add(child, f"不能设置“{key}”：{SECRETS_HINT}", at_key=True)
    rest = Node({k: v for k, v in node.value.items() if k not in secrets}, node.line, node.column,
                node.path, node.source, node.kind)  # fmt: skip
    yamlsource.check_keys(rest, allowed, problems)


def _smtp(node: Node | None, problems: Problems, default: SmtpSettings) -> SmtpSettings:
    if node is None or node.value is None or not yamlsource.expect_map(node, problems):
        return default
    _check_keys(node, _SMTP_KEYS, problems)
    host: str | None = None
    host_node = node.get("host")
    if host_node is not None and host_node.value not in (None, ""):
        host = yamlsource.expect_str(host_node, problems, required_text="邮件服务器地址（如 smtp.example.com）")
    security = Security.STARTTLS
    security_node = node.get("security")
    if security_node is not None:
        try:
            if security_node.kind != "scalar":
                raise ValueError(security_node.kind)
            security = Security(str(security_node.value))
        except ValueError:
            problems.add(
                security_node,
                f"加密方式“{security_node.shown}”无效，应为 starttls（587 端口常用）、ssl（465 端口常用）"
                f"或 none（不加密，只适合本机或内网中继）",
            )
    port = security.default_port
    port_node = node.get("port")
    if port_node is not None and port_node.value is not None:
        if isinstance(port_node.value, int) and not isinstance(port_node.value, bool) and port_node.value > 65535:
            problems.add(port_node, f"端口“{port_node.shown}”无效，应为 1 到 65535")
        else:
            port = _int(port_node, problems, port, minimum=1, maximum=65535)
    sender_name, sender_address = _mailbox_setting(
        node.get("sender"), problems, "发件人", "获得电力报送提醒 <noreply@example.com>"
    )
    reply_to_name, reply_to_address = _mailbox_setting(
        node.get("reply_to"), problems, "回复地址", "营销部 张三 <zhangsan@example.com>"
    )
    timeout = _seconds(node.get("timeout_seconds"), problems, DEFAULT_TIMEOUT_SECONDS, allow_zero=False)
    return SmtpSettings(host, port, security, sender_name, sender_address, timeout, reply_to_name, reply_to_address)


def _mailbox_setting(node: Node | None, problems: Problems, what: str, example: str) -> tuple[str, str | None]:
    """An optional “名称 <邮箱>” (or bare address) setting: (name, address), ("", None) when unset."""
    if node is None or node.value in (None, ""):
        return "", None
    text = yamlsource.expect_str(node, problems, required_text=f"{what}（如 {example}）")
    if text is None:
        return "", None
    parsed = parse_mailbox(text)
    if parsed is None:
        problems.add(node, f"“{text}”不是有效的{what}，应写作“名称 <邮箱>”或只写一个邮箱，如 {example}")
        return "", None
    return parsed


def parse_mailbox(text: str) -> tuple[str, str] | None:
    """(display name, address) of exactly one mailbox written as in a mail header; None otherwise.

    The stdlib's RFC 5322 header parser decides, so a list (“a@x.cn, b@x.cn”), a group, or
    text it had to repair is refused rather than silently cut to its first address (which
    email.utils.parseaddr does); calendar.address_problem adds what a mail server here needs.
    """
    from email import errors
    from email.headerregistry import HeaderRegistry

    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return None
    try:
        header = HeaderRegistry()("Reply-To", text)
    except (ValueError, IndexError, errors.MessageError):
        return None
    groups = header.groups
    if header.defects or len(groups) != 1 or groups[0].display_name is not None or len(groups[0].addresses) != 1:
        return None
    mailbox = groups[0].addresses[0]
    if address_problem(mailbox.addr_spec) or display_name_problem(mailbox.display_name):
        return None
    return mailbox.display_name, mailbox.addr_spec


def _leads(node: Node | None, problems: Problems) -> tuple[int, ...]:
    if node is None:
        return DEFAULT_LEADS
    if node.value is None:
        return ()
    if node.kind != "seq":
        problems.add(node, "应为工作日数的列表，如 [5, 2, 0]（0 表示截止当天）")
        return DEFAULT_LEADS
    leads: list[int] = []
    for child in node.value:
        value = _int(child, problems, -1, minimum=0)
        if value < 0:
            continue
        if value in leads:
            problems.add(child, f"重复的提前天数 {child.shown}")
            continue
        leads.append(value)
    return tuple(sorted(leads, reverse=True))


def _int(node: Node | None, problems: Problems, default: int, *, minimum: int, maximum: int = MAX_WORKING_DAYS) -> int:
    if node is None:
        return default
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        problems.add(node, f"“{node.shown}”应为不小于 {minimum} 的整数")
        return default
    if value > maximum:
        problems.add(node, f"“{node.shown}”太大，应为 {minimum} 到 {maximum} 之间的整数")
        return default
    return value


def _seconds(node: Node | None, problems: Problems, default: float, *, allow_zero: bool) -> float:
    if node is None:
        return default
    value = node.value
    # .nan, .inf and 1e999 are floats too: a NaN timeout would wait forever, silently
    if (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
        or value < 0 or (value == 0 and not allow_zero) or value > MAX_SECONDS
    ):  # fmt: skip
        problems.add(node, f"“{node.shown}”应为{'不小于' if allow_zero else '大于'} 0、不超过 {MAX_SECONDS} 的秒数")
        return default
    return float(value)


def _bool(node: Node | None, problems: Problems, default: bool) -> bool:
    if node is None:
        return default
    if not isinstance(node.value, bool):
        problems.add(node, f"“{node.shown}”应为 true 或 false")
        return default
    return node.value


def check_against_parties(config: RemindConfig, party_ids: set[str] | frozenset[str] | list[str]) -> None:
    """The escalation party must exist in the deadline calendar (two files, one error with a position)."""
    rules = config.rules
    if rules.escalation_enabled and rules.escalate_to not in party_ids:
        where = rules.escalate_to_where or str(config.path)
        raise ConfigError(
            f"提醒设置有错误：{where}: escalation.to_party: 未知的单位“{rules.escalate_to}”"
            f"（期限日历中的单位：{'、'.join(sorted(party_ids))}）"
        )
