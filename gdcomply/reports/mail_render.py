"""Reminder emails rendered from the jinja2 templates in templates/ (the workspace may override them).

Three templates: ``reminder_subject.txt.j2`` (one line), ``reminder.txt.j2`` (plain text) and
``reminder.html.j2`` (the HTML alternative, autoescaped). They run in a sandbox with strict
undefined variables, so a typo in a user's template is an error with its file and line, not
an empty line in 30 emails. The variables they get are documented in docs/reminders.md.

A workspace gets copies of the templates at ``init``. A copy that is byte for byte one of
the earlier bundled versions (``EARLIER_BUNDLED``) was never edited, so the current bundled
template is used instead (as dpkg upgrades an unmodified conffile); an edited copy is the
user's and is used as it is.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from gdcomply.calendar import Calendar, Contact
from gdcomply.complaints.deadlines import COMPLAINT_REPLY
from gdcomply.errors import RenderError
from gdcomply.reminders.plan import PlannedEmail, ReminderItem
from gdcomply.tracking import Status
from gdcomply.workdays.model import DayKind

SUBJECT_TEMPLATE = "reminder_subject.txt.j2"
TEXT_TEMPLATE = "reminder.txt.j2"
HTML_TEMPLATE = "reminder.html.j2"
_WEEKDAYS = "一二三四五六日"

# SHA-256 of every earlier bundled version of each template (git history of templates/):
# a workspace copy equal to one of them is upgraded to the current bundled template.
EARLIER_BUNDLED = {
    SUBJECT_TEMPLATE: frozenset({"cdbc6b4906d37c77c495d5ab2c7592ad656dba546d5f52b69ff636f096c75b05"}),
    TEXT_TEMPLATE: frozenset({
        "009d88b475f68163a38cefc75e3aa77b1fb45d7034baeeb1d7008c4d1ee9ab1b",
        "ee8e8712efe83106b5a07ba9e661695aa76409f2b1ca6793889c1df150e9022a",
    }),
    HTML_TEMPLATE: frozenset({
        "b61acbe12432874f0d5f27edf149780753a0779f00adc0f1c7cfd2e03ad7d5d0",
        "cfb0150c97a75d49db242ea9c442b03732c3207e63e600a4575017f5262914c7",
    }),
}  # fmt: skip

# The groups of an email, most urgent first (PlannedEmail.groups), as the subject names them.
GROUP_LABELS = {"due_today": "今天截止", "overdue": "已逾期", "escalations": "下属单位逾期", "due_later": "即将到期"}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


@dataclass(frozen=True)
class ContactView:
    """A person to write to or call, with ``text`` ready to print: 张三（a@example.com，电话 0774-5288888）."""

    name: str
    address: str
    phone: str
    text: str


def contact_view(name: str, address: str, phone: str = "") -> ContactView:
    details = "，".join(part for part in (address if name else "", f"电话 {phone}" if phone else "") if part)
    head = name or address
    return ContactView(name, address, phone, f"{head}（{details}）" if details else head)


@dataclass(frozen=True)
class GroupView:
    """One group of an email (``key`` due_today, overdue, escalations or due_later)."""

    key: str
    label: str  # 今天截止, 已逾期, 下属单位逾期, 即将到期
    count: int


@dataclass(frozen=True)
class Questions:
    """Whom an email tells its reader to ask, and whether replying reaches them (Reply-To set)."""

    contacts: tuple[ContactView, ...]
    reply_to: ContactView | None


def questions_for(calendar: Calendar, *, reply_to_name: str, reply_to_address: str | None, party: str) -> Questions:
    """The Reply-To (named as in deadlines.yaml when it is a contact there), else `party`'s contacts.

    Unset, the escalation party (营销部) is named: it runs the reminders and records the reports.
    """
    known = {c.email.strip().lower(): c for p in calendar.parties.values() for c in p.contacts}
    if reply_to_address is not None:
        contact = known.get(reply_to_address.lower())
        view = contact_view(reply_to_name or (contact.name if contact else ""), reply_to_address,
                            contact.phone if contact else "")  # fmt: skip
        return Questions((view,), view)
    found = calendar.parties.get(party)
    return Questions(tuple(_contact(c) for c in found.contacts) if found else (), None)


def _contact(contact: Contact) -> ContactView:
    return contact_view(contact.name, contact.email.strip(), contact.phone)


@dataclass(frozen=True)
class ItemView:
    """What a template sees of one item (names, not ids; dates as text)."""

    instance_id: str
    obligation: str
    title: str
    period: str
    sender: str
    receiver: str | None
    route: str
    due: str
    due_weekday: str
    due_day_note: str  # 调休上班 (a make-up working day), a holiday's name, or ""
    due_text: str  # 2026-10-10（周六，调休上班）, 2026-06-08（周一）
    due_today: bool
    sender_contacts: tuple[ContactView, ...]  # the reporting party's contacts (for escalation copies)
    sender_contacts_text: str  # 桂源公司专责（guiyuan@example.com，电话 0774-5288888）, joined by 、
    nominal: str
    rolled: bool
    status: str
    status_label: str
    days_text: str
    working_days_left: int | None
    working_days_overdue: int | None
    stage: str
    stage_label: str
    escalated: bool
    at_risk_text: str
    source: str


@dataclass(frozen=True)
class RecipientView:
    name: str
    address: str
    parties: tuple[str, ...]  # party ids this address is a contact of (e.g. ("company",))


def weekday_zh(day: date) -> str:
    return f"周{_WEEKDAYS[day.weekday()]}"


def item_view(calendar: Calendar, item: ReminderItem) -> ItemView:
    instance = item.instance
    sender = calendar.party_name(instance.sender)
    receiver = calendar.party_name(instance.receiver) if instance.receiver else None
    route = f"{sender} → {receiver}" if receiver else f"{sender}（完成/公开）"
    if instance.obligation == COMPLAINT_REPLY:
        route = f"{sender} → 投诉客户（答复）"
    if item.status is Status.OVERDUE:
        overdue = item.working_days_overdue or 0
        days_text = f"已逾期 {overdue} 个工作日" if overdue else "已过截止日期"
        label = Status.OVERDUE.label
    elif item.due_today:
        days_text = label = "今天截止"
    else:
        left = item.working_days_left or 0
        # 0 left but not due today: the due date is a day off (roll: none) after the last working day
        days_text = f"还剩 {left} 个工作日" if left else "今天是截止前的最后一个工作日"
        label = item.status.label
    if item.due_day_kind is DayKind.MAKEUP_WORKDAY:
        day_note = "调休上班"
    elif item.due_day_kind is DayKind.HOLIDAY:
        day_note = item.due_holiday or "节假日"
    else:
        day_note = ""
    due_weekday = weekday_zh(instance.due)
    due_text = f"{instance.due.isoformat()}（{due_weekday}{'，' + day_note if day_note else ''}）"
    party = calendar.parties.get(instance.sender)
    contacts = tuple(_contact(c) for c in party.contacts) if party else ()
    at_risk = ""
    if item.at_risk_from:
        names = []
        for feeding in item.at_risk_from:
            party = calendar.party_name(feeding.rsplit("/", 1)[-1].split("->")[0])
            if party not in names:
                names.append(party)
        at_risk = f"{'、'.join(names)}未按时报送，汇总时间紧张"
    return ItemView(
        instance_id=instance.id, obligation=instance.obligation, title=instance.title,
        period=instance.period, sender=sender, receiver=receiver, route=route,
        due=instance.due.isoformat(), due_weekday=due_weekday, due_day_note=day_note, due_text=due_text,
        due_today=item.due_today, sender_contacts=contacts,
        sender_contacts_text="、".join(c.text for c in contacts), nominal=instance.nominal.isoformat(),
        rolled=instance.rolled, status=item.status.value, status_label=label, days_text=days_text,
        working_days_left=item.working_days_left, working_days_overdue=item.working_days_overdue,
        stage=item.stage.name, stage_label=item.stage.label, escalated=item.escalated,
        at_risk_text=at_risk, source=instance.source,
    )  # fmt: skip


class MailTemplates:
    """The three reminder templates, compiled once per run."""

    def __init__(self, locate: Callable[[str], Path]) -> None:
        """`locate(name)` gives the file of a template: the workspace's own, else the bundled one."""
        self._paths = {name: _current(name, locate(name)) for name in (SUBJECT_TEMPLATE, TEXT_TEMPLATE, HTML_TEMPLATE)}
        self._compiled = {
            name: self._compile(path, autoescape=name == HTML_TEMPLATE) for name, path in self._paths.items()
        }

    @staticmethod
    def _compile(path: Path, *, autoescape: bool):
        from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
        from jinja2.sandbox import SandboxedEnvironment

        env = SandboxedEnvironment(
            loader=FileSystemLoader(str(path.parent)),
            autoescape=autoescape,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        try:
            return env.get_template(path.name)
        except TemplateSyntaxError as exc:
            raise RenderError(f"邮件模板有语法错误：{path}:{exc.lineno}: {exc.message}") from None
        except TemplateError as exc:
            raise RenderError(f"无法读取邮件模板 {path}：{exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RenderError(f"无法读取邮件模板 {path}：{exc}") from None

    def _render(self, name: str, context: dict) -> str:
        from jinja2 import TemplateError

        path = self._paths[name]
        try:
            return self._compiled[name].render(context)
        except TemplateError as exc:
            line = _template_line(exc, path)
            where = f"{path}:{line}" if line else str(path)
            raise RenderError(f"邮件模板出错：{where}: {exc}") from None

    def render(
        self, calendar: Calendar, email: PlannedEmail, as_of: date, questions: Questions = Questions((), None)
    ) -> RenderedEmail:
        views = [item_view(calendar, item) for item in email.items]
        by_id = {(v.instance_id, v.stage): v for v in views}

        def pick(items: tuple[ReminderItem, ...]) -> list[ItemView]:
            return [by_id[(i.instance.id, i.stage.name)] for i in items]

        # the people who answer the questions are not told to ask themselves
        ask = questions.contacts
        if any(c.address.lower() == email.recipient.address for c in ask):
            ask = ()
        context = {
            "recipient": RecipientView(email.recipient.name, email.recipient.address, email.recipient.parties),
            "as_of": as_of.isoformat(),
            "as_of_weekday": weekday_zh(as_of),
            "items": views,
            "groups": [GroupView(key, GROUP_LABELS[key], len(items)) for key, items in email.groups],
            "due_today": pick(email.due_today),
            "overdue": pick(email.overdue),
            "escalations": pick(email.escalations),
            "due_later": pick(email.due_later),
            "upcoming": pick(email.upcoming),
            "reply_to": questions.reply_to,
            "ask": list(ask),
            "ask_text": "、".join(c.text for c in ask),
        }
        subject = " ".join(self._render(SUBJECT_TEMPLATE, context).split())
        if not subject:
            raise RenderError(f"邮件模板 {self._paths[SUBJECT_TEMPLATE]} 生成了空的主题")
        return RenderedEmail(subject, self._render(TEXT_TEMPLATE, context), self._render(HTML_TEMPLATE, context))


def _current(name: str, path: Path) -> Path:
    """The bundled template instead of a workspace copy that is an unedited earlier version."""
    from gdcomply.resources import bundled_templates_dir

    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return path  # reported with its name when it is compiled
    return bundled_templates_dir() / name if digest in EARLIER_BUNDLED[name] else path


def _template_line(exc: BaseException, path: Path) -> int | None:
    """The template line of a runtime error (jinja2 puts template frames into the traceback)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).name == path.name:
            line = frame.lineno
    return line


def settings_check_email(
    *, host: str, port: int, security: str, sender: str, reply_to: str = "", logged_in: bool, at: datetime
) -> RenderedEmail:
    """The body of `gdcomply remind --test-to`: proves the settings work, names no secret."""
    login = "已使用环境变量 GDCOMPLY_SMTP_USER / GDCOMPLY_SMTP_PASSWORD 中的账号登录" if logged_in else "未登录（未设置账号）"
    replies = reply_to or "未设置（收件人点“回复”将发往发件人地址）"
    text = (
        "这是 gdcomply 发送的测试邮件。\n\n"
        "收到此邮件，说明 config/reminders.yaml 中的邮件设置可以正常发送提醒。\n\n"
        f"发送时间：{at.isoformat(timespec='seconds')}\n"
        f"邮件服务器：{host}:{port}（加密方式：{security}）\n"
        f"发件人：{sender}\n"
        f"回复地址（Reply-To）：{replies}\n"
        f"登录：{login}\n"
    )
    return RenderedEmail("【获得电力报送提醒】测试邮件", text, None)
