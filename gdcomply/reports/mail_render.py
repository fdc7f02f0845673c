"""Reminder emails rendered from the jinja2 templates in templates/ (the workspace may override them).

Three templates: ``reminder_subject.txt.j2`` (one line), ``reminder.txt.j2`` (plain text) and
``reminder.html.j2`` (the HTML alternative, autoescaped). They run in a sandbox with strict
undefined variables, so a typo in a user's template is an error with its file and line, not
an empty line in 30 emails. The variables they get are documented in docs/reminders.md.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from gdcomply.calendar import Calendar
from gdcomply.errors import RenderError
from gdcomply.reminders import PlannedEmail, ReminderItem
from gdcomply.tracking import Status

SUBJECT_TEMPLATE = "reminder_subject.txt.j2"
TEXT_TEMPLATE = "reminder.txt.j2"
HTML_TEMPLATE = "reminder.html.j2"
_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


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
    if item.status is Status.OVERDUE:
        overdue = item.working_days_overdue or 0
        days_text = f"已逾期 {overdue} 个工作日" if overdue else "已过截止日期"
        label = Status.OVERDUE.label
    else:
        left = item.working_days_left or 0
        days_text = "今天截止" if left == 0 else f"还剩 {left} 个工作日"
        label = "今天截止" if left == 0 else item.status.label
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
        due=instance.due.isoformat(), due_weekday=weekday_zh(instance.due), nominal=instance.nominal.isoformat(),
        rolled=instance.rolled, status=item.status.value, status_label=label, days_text=days_text,
        working_days_left=item.working_days_left, working_days_overdue=item.working_days_overdue,
        stage=item.stage.name, stage_label=item.stage.label, escalated=item.escalated,
        at_risk_text=at_risk, source=instance.source,
    )  # fmt: skip


class MailTemplates:
    """The three reminder templates, compiled once per run."""

    def __init__(self, locate: Callable[[str], Path]) -> None:
        """`locate(name)` gives the file of a template: the workspace's own, else the bundled one."""
        self._paths = {name: locate(name) for name in (SUBJECT_TEMPLATE, TEXT_TEMPLATE, HTML_TEMPLATE)}
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

    def render(self, calendar: Calendar, email: PlannedEmail, as_of: date) -> RenderedEmail:
        views = [item_view(calendar, item) for item in email.items]
        by_id = {(v.instance_id, v.stage): v for v in views}

        def pick(items: tuple[ReminderItem, ...]) -> list[ItemView]:
            return [by_id[(i.instance.id, i.stage.name)] for i in items]

        context = {
            "recipient": RecipientView(email.recipient.name, email.recipient.address, email.recipient.parties),
            "as_of": as_of.isoformat(),
            "as_of_weekday": weekday_zh(as_of),
            "items": views,
            "overdue": pick(email.overdue),
            "escalations": pick(email.escalations),
            "upcoming": pick(email.upcoming),
        }
        subject = " ".join(self._render(SUBJECT_TEMPLATE, context).split())
        if not subject:
            raise RenderError(f"邮件模板 {self._paths[SUBJECT_TEMPLATE]} 生成了空的主题")
        return RenderedEmail(subject, self._render(TEXT_TEMPLATE, context), self._render(HTML_TEMPLATE, context))


def _template_line(exc: BaseException, path: Path) -> int | None:
    """The template line of a runtime error (jinja2 puts template frames into the traceback)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).name == path.name:
            line = frame.lineno
    return line


def settings_check_email(
    *, host: str, port: int, security: str, sender: str, logged_in: bool, at: datetime
) -> RenderedEmail:
    """The body of `gdcomply remind --test-to`: proves the settings work, names no secret."""
    login = "已使用环境变量 GDCOMPLY_SMTP_USER / GDCOMPLY_SMTP_PASSWORD 中的账号登录" if logged_in else "未登录（未设置账号）"
    text = (
        "这是 gdcomply 发送的测试邮件。\n\n"
        "收到此邮件，说明 config/reminders.yaml 中的邮件设置可以正常发送提醒。\n\n"
        f"发送时间：{at.isoformat(timespec='seconds')}\n"
        f"邮件服务器：{host}:{port}（加密方式：{security}）\n"
        f"发件人：{sender}\n"
        f"登录：{login}\n"
    )
    return RenderedEmail("【获得电力报送提醒】测试邮件", text, None)
