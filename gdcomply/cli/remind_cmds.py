"""CLI commands: remind (registered on the root app by gdcomply.cli).

`gdcomply remind` is meant for cron on every working morning. The order of a run: check the
settings; skip a non-working day; take the run lock; read the ledger; plan (gdcomply.reminders.plan);
render (gdcomply.reports.mail_render); send (gdcomply.reminders.mail), recording each reminder in the
ledger right after the server accepted its message. Exit 0: everything due was sent (or
nothing was due); 1: something was not sent and will be retried by the next run; 2: usage or
configuration error.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Callable, Iterator, Optional

import typer

from gdcomply.cli.common import (
    AsOfOption,
    ConfigOption,
    LedgerOption,
    TableOrJson,
    WorkspaceOption,
    as_of_or_today,
    console,
    now,
    shown_path,
    write_json,
)
from gdcomply.errors import ConfigError, GdcomplyError, MailError, UsageError

if TYPE_CHECKING:
    from gdcomply.ledger.postgres import Ledger as SharedLedger
    from gdcomply.ledger.store import Ledger
    from gdcomply.reminders.mail import Credentials, Outgoing
    from gdcomply.reminders.plan import PlannedEmail
    from gdcomply.reminders.settings import RemindConfig
    from gdcomply.setup import Setup

REMIND_CONFIG = "reminders.yaml"
LOCK_FILE = "remind.lock"
_WEEKDAYS = "一二三四五六日"


def _weekday(day: date) -> str:
    return f"周{_WEEKDAYS[day.weekday()]}"


@contextmanager
def run_lock(path: Path, wait_seconds: float) -> Iterator[None]:
    """One reminder run per workspace at a time: a second one waits up to wait_seconds, then gives up.

    A file lock in the workspace's data/ (POSIX flock: the cron server's, the one place a
    client of gdcomply needs a POSIX call); a shared ledger uses shared_run_lock instead.
    """
    import fcntl

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise ConfigError(_lock_problem(path, exc)) from None

    def take() -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def holder() -> str:
        handle.seek(0)
        pid = handle.read().strip()
        return f"进程 {pid}" if pid.isdigit() else ""

    with handle:
        _wait_for_lock(take, holder, wait_seconds, f"锁文件：{path}")
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def shared_run_lock(ledger: SharedLedger, wait_seconds: float) -> Iterator[None]:
    """One reminder run per shared ledger at a time, whichever host runs it: an advisory lock
    of the database session (released by the server if the run dies)."""

    def take() -> bool:
        return ledger.try_session_lock("remind")

    _wait_for_lock(take, lambda: ledger.session_lock_holder("remind"), wait_seconds, f"共享台账：{ledger.url}")
    try:
        yield
    finally:
        if not ledger.closed:  # a lost connection has lost its session's locks too
            ledger.release_session_lock("remind")


def _wait_for_lock(take: Callable[[], bool], holder: Callable[[], str], wait_seconds: float, where: str) -> None:
    """Take the run lock, waiting up to wait_seconds (saying so once) while another run holds it."""
    deadline = time.monotonic() + wait_seconds
    told = False
    while not take():
        who = holder()
        who = f"（{who}）" if who else ""
        if time.monotonic() >= deadline:
            raise GdcomplyError(
                f"另一个“gdcomply remind”正在运行{who}，等待 {wait_seconds:g} 秒后仍未结束，"
                f"本次没有发送任何提醒。它发送的提醒已记入台账，稍后再运行即可补发其余的；{where}"
            )
        if not told:
            sys.stderr.write(f"另一个“gdcomply remind”正在运行{who}，等待它结束（最多 {wait_seconds:g} 秒）…\n")
            told = True
        time.sleep(0.1)


def _lock_problem(path: Path, exc: OSError) -> str:
    """Why the run lock cannot be opened and how to fix it (typically: root once ran remind)."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    owner = ""
    try:
        import pwd

        uid = path.stat().st_uid
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = str(uid)
    except OSError:
        pass
    if isinstance(exc, PermissionError):
        whose = f"它属于用户 {owner}，" if owner and owner != user else ""
        return (
            f"无法打开提醒的运行锁文件 {path}：当前用户 {user} 没有写入权限（{whose}可能有人曾用 root 等其他账户运行过"
            f"“gdcomply remind”，或文件被设为不可修改）。本次没有发送任何提醒。"
            f"请让管理员执行“chown {user} {path}”（或删除该文件：“rm {path}”，下次运行会重新创建；"
            f"若设置了不可修改属性，先执行“chattr -i {path}”），并确认 {path.parent} 目录对 {user} 可写"
        )
    return f"无法打开提醒的运行锁文件 {path}：{exc.strerror or exc}。本次没有发送任何提醒"


def remind_command(
    as_of: AsOfOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只显示将要发送的提醒邮件，不发送，也不记入台账。")
    ] = False,
    outbox: Annotated[
        Optional[Path],
        typer.Option("--outbox", help="与 --dry-run 一起使用：把邮件写成 .eml 文件存入此目录，而不是显示出来。", file_okay=False),
    ] = None,
    history: Annotated[bool, typer.Option("--history", help="显示已发送的提醒：何时、发给谁、哪个事项的哪一阶段。")] = False,
    instance: Annotated[
        Optional[str],
        typer.Option("--instance", metavar="报送节点", help="与 --history 一起使用：只看这个报送节点（如 progress-report/2026-R3/guiyuan->company）。"),
    ] = None,
    output_format: Annotated[
        TableOrJson, typer.Option("--format", help="与 --history 一起使用：table（默认）或 json。")
    ] = TableOrJson.table,
    digest: Annotated[
        bool,
        typer.Option(
            "--digest",
            help="发送每周汇总（周报）给营销部（reminders.yaml 中 escalation.to_party 单位的联系人），而不是逐项提醒；"
            "每周只在第一个工作日的运行中发送一次，可与每日提醒写在同一行 cron 中。",
        ),
    ] = False,
    test_to: Annotated[
        Optional[str], typer.Option("--test-to", metavar="邮箱地址", help="按邮件设置向这个地址发送一封测试邮件（不记入台账），用于检查设置。")
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    ledger_url: LedgerOption = None,
) -> None:
    """邮件提醒：给负责人发送即将到期和已逾期的报送事项，逾期事项抄送营销部（供 cron 每个工作日早上运行）。"""
    from gdcomply.cli.ledger_cmds import open_for_ledger
    from gdcomply.reminders.settings import check_against_parties, load_remind_config

    if outbox is not None and not dry_run:
        raise UsageError("--outbox 只能与 --dry-run 一起使用（演习时把邮件写成 .eml 文件）")
    if (instance is not None or output_format is not TableOrJson.table) and not history:
        raise UsageError("--instance 和 --format 只能与 --history 一起使用")
    if history and (dry_run or test_to or as_of):
        raise UsageError("--history 只显示已发送的提醒，不能与 --dry-run、--test-to 或 --as-of 同时使用")
    if test_to is not None and dry_run:
        raise UsageError("--test-to 会真正发送一封测试邮件，不能与 --dry-run 同时使用")
    if digest and (history or test_to is not None):
        raise UsageError("--digest 发送每周汇总，不能与 --history 或 --test-to 同时使用")

    setup, opened = open_for_ledger(workspace, config, ledger_option=ledger_url)
    with opened:
        ledger = opened.ledger
        if history:
            _show_history(ledger, instance, output_format)
            return
        remind_config = load_remind_config(setup.workspace.config_file(REMIND_CONFIG))
        check_against_parties(remind_config, set(setup.calendar.parties))
        if test_to is not None:
            _send_test(remind_config, test_to)
            return
        day = as_of_or_today(as_of)
        credentials = None
        if not dry_run:
            from gdcomply.reminders.mail import check_ready, credentials_from_env

            credentials = credentials_from_env()
            check_ready(remind_config.smtp, credentials, str(remind_config.path))
        workdays = setup.workdays
        if not workdays.is_working_day(day) and not remind_config.rules.send_on_non_working_days:
            kind = setup.workdays.holiday_name(day) or "周末"
            following = workdays.add(day, 1)
            sys.stdout.write(
                f"{day.isoformat()}（{_weekday(day)}，{kind}）不是工作日：按设置不发送提醒"
                f"（send_on_non_working_days: false）。下一个工作日 {following.isoformat()} 的运行会发送到期的提醒。\n"
            )
            return
        wait = remind_config.lock_wait_seconds
        if dry_run:
            lock = nullcontext()
        elif ledger.is_shared:
            lock = shared_run_lock(ledger, wait)  # type: ignore[arg-type]
        else:
            lock = run_lock(setup.workspace.data_dir / LOCK_FILE, wait)
        with lock:
            if digest:
                from gdcomply.cli.remind_digest import run_digest

                failed = run_digest(setup, ledger, remind_config, day, dry_run=dry_run, outbox=outbox, credentials=credentials)
            else:
                failed = _run(setup, ledger, remind_config, day, dry_run=dry_run, outbox=outbox, credentials=credentials)
    if failed:
        raise typer.Exit(1)


def _run(
    setup: Setup, ledger: Ledger, remind_config: RemindConfig, day: date, *,
    dry_run: bool, outbox: Path | None, credentials: Credentials | None,
) -> bool:  # fmt: skip
    """Plan, render and send (or show); True when some reminder could not be sent or recorded."""
    from email.errors import MessageError

    from gdcomply.cli.common import print_warnings
    from gdcomply.ledger.model import SentReminder
    from gdcomply.reminders.mail import Outgoing, build_message, message_id_for
    from gdcomply.reminders.plan import plan_reminders, reminder_statuses
    from gdcomply.reminders.sending import send_and_record
    from gdcomply.reports.mail_render import MailTemplates, questions_for

    from gdcomply.complaints.deadlines import reminder_statuses as complaint_statuses
    from gdcomply.complaints.settings import calendar_with_departments, load_complaint_settings

    rules = remind_config.rules
    complaint_settings = load_complaint_settings(setup.deadlines_file.parent / "complaints.yaml")
    setup = replace(setup, calendar=calendar_with_departments(setup.calendar, complaint_settings))
    setup, unmailable = _without_unmailable_contacts(setup)
    for problem in unmailable:
        sys.stderr.write(f"{'警告' if dry_run else '错误'}：联系人无法发送邮件，本次不给他发提醒：{problem}\n")
    statuses = reminder_statuses(
        setup.calendar, setup.workdays, ledger.deciding_submissions(day), rules,
        as_of=day, tracking_since=ledger.tracking_since,
    )  # fmt: skip
    unanswered = ledger.complaints(since=day + timedelta(days=1), open_on=day)  # received later: none
    statuses += complaint_statuses(unanswered, setup.workdays, complaint_settings, as_of=day)
    plan = plan_reminders(rules, setup.calendar, statuses, ledger.reminders(), as_of=day, workdays=setup.workdays)
    print_warnings(plan.warnings)
    if not plan.emails:
        sys.stdout.write(
            f"{day.isoformat()}（{_weekday(day)}）没有需要发送的提醒"
            f"（没有临近截止或逾期的事项，或今天该发的提醒已经发过）。\n"
        )
        return bool(unmailable) and not dry_run

    smtp = remind_config.smtp
    if smtp.sender_address is None:  # only a dry run gets here without a sender
        smtp = replace(smtp, sender_name="gdcomply", sender_address="gdcomply@localhost")
        sys.stderr.write(f"提示：{shown_path(remind_config.path)} 尚未设置发件人 smtp.sender，演习中暂用 gdcomply@localhost。\n")
    templates = MailTemplates(setup.workspace.template)
    questions = questions_for(
        setup.calendar, reply_to_name=smtp.reply_to_name, reply_to_address=smtp.reply_to_address, party=rules.escalate_to
    )
    at = now()
    outgoing: list[Outgoing] = []
    by_recipient: dict[str, tuple[PlannedEmail, str]] = {}
    unbuilt: list[tuple[PlannedEmail, str]] = []
    for email in plan.emails:
        rendered = templates.render(setup.calendar, email, day, questions)
        key = "|".join([day.isoformat(), email.recipient.address, *sorted(f"{i.instance.id}#{i.stage.name}" for i in email.items)])
        message_id = message_id_for(key, smtp.sender_address or "")
        try:
            message = build_message(
                smtp, to_name=email.recipient.name, to_address=email.recipient.address, subject=rendered.subject,
                text=rendered.text, html=rendered.html, message_id=message_id, at=at,
            )  # fmt: skip
        except (ValueError, TypeError, IndexError, MessageError) as exc:  # one bad header never stops the others
            unbuilt.append((email, f"无法生成邮件（收件人姓名或地址无效：{exc}）"))
            continue
        outgoing.append(Outgoing(email.recipient.address, message))
        by_recipient[email.recipient.address] = (email, message_id)

    if dry_run:
        for email, reason in unbuilt:
            sys.stderr.write(f"警告：{_who(email)}：{reason}\n")
        _show_dry_run(plan.as_of, outgoing, by_recipient, outbox)
        return False

    def rows_of(accepted: Outgoing) -> list[SentReminder]:
        email, message_id = by_recipient[accepted.recipient]
        sent_at = now().isoformat(timespec="seconds")  # when the server accepted it
        return [SentReminder(item.instance.id, item.stage.name, email.recipient.address, message_id, sent_at, day)
                for item in email.items]  # fmt: skip

    delivered = send_and_record(ledger, outgoing, smtp, credentials, rows_of, setup.calendar.party_names())
    sent = [by_recipient[o.recipient][0] for o in delivered.recorded]
    unrecorded = [(by_recipient[o.recipient][0], reason) for o, reason in delivered.unrecorded]
    failures = delivered.failures
    out = sys.stdout
    out.write(f"{day.isoformat()}（{_weekday(day)}）提醒邮件：\n")
    for email in sent:
        out.write(f"  已发送：{_who(email)}，{_counts(email)}\n")
    for email, reason in unrecorded:
        out.write(f"  已发送但未能记入台账：{_who(email)}（{reason}）。下次运行会再发一次（至多重复一封）。\n")
    for failure in failures:
        email = by_recipient[failure.outgoing.recipient][0]
        out.write(f"  未发送：{_who(email)}：{failure.reason}。未记入台账，下次运行时重发。\n")
    for email, reason in unbuilt:
        out.write(f"  未发送：{_who(email)}：{reason}。未记入台账，改正后下次运行时发送。\n")
    not_sent = len(failures) + len(unbuilt)
    total = len(outgoing) + len(unbuilt)
    out.write(f"共 {total} 封：已发送 {len(sent) + len(unrecorded)} 封" + (f"，未发送 {not_sent} 封" if not_sent else "") + "。\n")
    if not_sent or unrecorded:
        out.flush()
        problems = not_sent + len(unrecorded)
        sys.stderr.write(f"错误：{problems} 封提醒邮件未能发送或未能记入台账，下次运行会重试（退出码 1）。\n")
        return True
    if unmailable:
        out.flush()
        sys.stderr.write(f"错误：{len(unmailable)} 个联系人的邮箱或姓名有误，没有收到提醒（见上文；请改正 deadlines.yaml，退出码 1）。\n")
        return True
    return False


def _without_unmailable_contacts(setup: Setup) -> tuple[Setup, tuple[str, ...]]:
    """The setup with the contacts that cannot be mailed left out, and what is wrong with each."""
    problems = setup.calendar.contact_problems()
    if not problems:
        return setup, ()
    parties = {
        party_id: replace(party, contacts=tuple(c for c in party.contacts if not c.problem))
        for party_id, party in setup.calendar.parties.items()
    }
    return replace(setup, calendar=replace(setup.calendar, parties=parties)), problems


def _who(email: PlannedEmail) -> str:
    return f"{email.recipient.name} <{email.recipient.address}>"


_GROUP_COUNTS = {"due_today": "今天截止", "overdue": "已逾期", "escalations": "逾期抄送", "due_later": "即将到期"}


def _counts(email: PlannedEmail) -> str:
    """“3 项（今天截止 1，已逾期 2）”: the groups in the email's order, most urgent first."""
    parts = [f"{_GROUP_COUNTS[key]} {len(items)}" for key, items in email.groups]
    return f"{len(email.items)} 项（{'，'.join(parts)}）"


def _show_dry_run(
    day: date, outgoing: list[Outgoing], by_recipient: dict[str, tuple[PlannedEmail, str]], outbox: Path | None
) -> None:
    out = sys.stdout
    total = len(outgoing)
    if outbox is not None:
        try:
            outbox.mkdir(parents=True, exist_ok=True)
            for index, item in enumerate(outgoing, 1):
                target = outbox / f"{day.isoformat()}-{index:02d}-{item.recipient}.eml"
                target.write_bytes(item.message.as_bytes())
                out.write(f"已写入 {target}\n")
        except OSError as exc:
            raise MailError(f"无法写入 --outbox 目录 {outbox}：{exc.strerror or exc}") from None
        out.write(f"演习（--dry-run）：{day.isoformat()} 应发送 {total} 封提醒邮件，已写成 .eml 文件；没有发送，也没有记入台账。\n")
        return
    out.write(f"演习（--dry-run）：{day.isoformat()}（{_weekday(day)}）应发送 {total} 封提醒邮件；没有发送，也没有记入台账。\n")
    for index, item in enumerate(outgoing, 1):
        email = by_recipient[item.recipient][0]
        message = item.message
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        stages = "、".join(dict.fromkeys(i.stage.name for i in email.items))
        out.write(
            f"\n===== 第 {index}/{total} 封 =====\n"
            f"收件人：{message['To']}\n"
            + (f"回复地址：{message['Reply-To']}\n" if message["Reply-To"] else "")
            + f"主题：{message['Subject']}\n"
            f"提醒阶段：{stages}\n\n"
            f"{text.rstrip()}\n"
        )


def _send_test(remind_config: RemindConfig, address: str) -> None:
    from email.utils import make_msgid

    from gdcomply.reminders.mail import Outgoing, build_message, check_ready, credentials_from_env, deliver
    from gdcomply.reports.mail_render import settings_check_email

    from gdcomply.calendar import address_problem

    problem = address_problem(address.strip())
    if problem:
        raise UsageError(f"--test-to 的值无效：{problem}")
    address = address.strip()
    smtp = remind_config.smtp
    credentials = credentials_from_env()
    check_ready(smtp, credentials, str(remind_config.path))
    assert smtp.host is not None and smtp.sender_address is not None
    at = now()
    sender = f"{smtp.sender_name} <{smtp.sender_address}>" if smtp.sender_name else smtp.sender_address
    reply_to = ""
    if smtp.reply_to_address is not None:
        reply_to = f"{smtp.reply_to_name} <{smtp.reply_to_address}>" if smtp.reply_to_name else smtp.reply_to_address
    rendered = settings_check_email(
        host=smtp.host, port=smtp.port, security=smtp.security.value, sender=sender, reply_to=reply_to,
        logged_in=credentials is not None, at=at,
    )  # fmt: skip
    domain = smtp.sender_address.rpartition("@")[2]
    message = build_message(
        smtp, to_name="", to_address=address, subject=rendered.subject, text=rendered.text, html=None,
        message_id=make_msgid("gdcomply-test", domain=domain), at=at,
    )  # fmt: skip
    accepted: list[Outgoing] = []
    failures = deliver([Outgoing(address, message)], smtp, credentials, accepted.append)
    if failures:
        raise MailError(f"测试邮件未能发送：{failures[0].reason}")
    sys.stdout.write(
        f"测试邮件已发送至 {address}：邮件服务器 {smtp.host}:{smtp.port}（{smtp.security.value}）已接受。"
        f"请到该邮箱查收（也请看看垃圾邮件文件夹）。此邮件不记入台账。\n"
    )


def _show_history(ledger: Ledger, instance: str | None, output_format: TableOrJson) -> None:
    from gdcomply.reminders.plan import Stage

    records = ledger.reminders(instance)
    if output_format is TableOrJson.json:
        write_json(
            [
                {"instance_id": r.instance_id, "stage": r.stage, "recipient": r.recipient,
                 "message_id": r.message_id, "sent_at": r.sent_at, "sent_on": r.sent_on.isoformat()}  # fmt: skip
                for r in records
            ]
        )
        return
    if not records:
        scope = f"报送节点 {instance} " if instance else ""
        sys.stdout.write(f"{scope}尚未发送过提醒。\n")
        return
    from rich.table import Table

    table = Table(title=f"已发送的提醒（{len(records)} 条；完整记录含 Message-ID：--format json）")
    for header in ("发送时间", "阶段", "收件人"):
        table.add_column(header, no_wrap=True)
    table.add_column("报送节点", overflow="fold")
    for record in records:
        stage = Stage.parse(record.stage)
        label = stage.label if stage else {"digest": "每周汇总"}.get(record.stage, record.stage)
        table.add_row(record.sent_at[:16].replace("T", " "), label, record.recipient, record.instance_id)
    console().print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("remind")(remind_command)
