"""`gdcomply remind --digest`: the weekly summary email for the marketing department.

It goes to the contacts of the escalation party (``escalation.to_party`` in reminders.yaml,
营销部 of the company by default), with the weekly check's content (reports/pages.digest_email).
Each email sent is recorded in the ledger's sent-reminders table under the key
``digest/YYYY-Www`` (stage ``digest``), so the first run on a working day of an ISO week sends
it and every later run of that week sends nothing: from the daily cron line it goes out on
Monday, or on the first working day after a Monday holiday. Called by remind_cmds, under the
same run lock and working-day rule as the reminders.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from gdcomply.cli.common import now, shown_path

if TYPE_CHECKING:
    from gdcomply.ledger.store import Ledger
    from gdcomply.reminders.mail import Credentials
    from gdcomply.reminders.settings import RemindConfig
    from gdcomply.setup import Setup

DIGEST_STAGE = "digest"
DIGEST_PREFIX = "digest/"
DIGEST_HORIZON = 5  # working days: “即将到期” as in gdcomply check


def run_digest(
    setup: Setup, ledger: Ledger, remind_config: RemindConfig, day: date, *,
    dry_run: bool, outbox: Path | None, credentials: Credentials | None,
) -> bool:  # fmt: skip
    """Send (or show) this week's digest to whoever has not had it; True when one was not sent."""
    from dataclasses import replace
    from email.errors import MessageError

    from gdcomply.ledger.model import SentReminder
    from gdcomply.reminders.mail import Outgoing, build_message, message_id_for
    from gdcomply.reminders.sending import send_and_record
    from gdcomply.reports.pages import digest_email, iso_week
    from gdcomply.tracking import check

    week = iso_week(day)
    key = f"{DIGEST_PREFIX}{week}"
    party_id = remind_config.rules.escalate_to
    calendar = setup.calendar
    party = calendar.parties.get(party_id)
    contacts = [c for c in party.contacts if not c.problem] if party else []
    out = sys.stdout
    if not contacts:
        sys.stderr.write(
            f"错误：{calendar.party_name(party_id)}（{party_id}）在期限日历中没有可用的联系人，无法发送周报。"
            f"请在 config/deadlines.yaml 的 parties.{party_id}.contacts 中填写（周报发给 reminders.yaml 中"
            f"escalation.to_party 单位的联系人）。\n"
        )
        return True
    sent_before = {r.recipient.lower(): r for r in ledger.reminders(key)}
    due = [c for c in contacts if c.email.strip().lower() not in sent_before]
    if not due:
        first = min(sent_before.values(), key=lambda r: r.sent_at)
        out.write(f"本周（{week}）的周报已于 {first.sent_on.isoformat()} 发送，本次不再发送。\n")
        return False

    report = check(
        calendar, setup.workdays, ledger.deciding_submissions(day), as_of=day,
        tracking_since=ledger.tracking_since, horizon=DIGEST_HORIZON,
    )  # fmt: skip
    assert party is not None  # it has contacts
    rendered = digest_email(calendar, report, party_name=party.department or party.name)
    smtp = remind_config.smtp
    if smtp.sender_address is None:  # only a dry run gets here without a sender
        smtp = replace(smtp, sender_name="gdcomply", sender_address="gdcomply@localhost")
        sys.stderr.write(f"提示：{shown_path(remind_config.path)} 尚未设置发件人 smtp.sender，演习中暂用 gdcomply@localhost。\n")
    at = now()
    outgoing: list[Outgoing] = []
    message_ids: dict[str, str] = {}
    unbuilt: list[str] = []
    for contact in due:
        address = contact.email.strip().lower()
        message_id = message_id_for(f"{key}|{address}", smtp.sender_address or "")
        try:
            message = build_message(
                smtp, to_name=contact.name, to_address=address, subject=rendered.subject,
                text=rendered.text, html=rendered.html, message_id=message_id, at=at,
            )  # fmt: skip
        except (ValueError, TypeError, IndexError, MessageError) as exc:
            unbuilt.append(f"{contact.name} <{address}>：无法生成邮件（{exc}）")
            continue
        outgoing.append(Outgoing(address, message))
        message_ids[address] = message_id

    if dry_run:
        _show(week, outgoing, outbox)
        return False

    def rows_of(accepted: Outgoing) -> list[SentReminder]:
        sent_at = now().isoformat(timespec="seconds")  # when the server accepted it
        return [SentReminder(key, DIGEST_STAGE, accepted.recipient, message_ids[accepted.recipient], sent_at, day)]

    delivered = send_and_record(ledger, outgoing, smtp, credentials, rows_of, setup.calendar.party_names())
    sent = [o.recipient for o in delivered.recorded]
    unrecorded = [f"{o.recipient}（{reason}）" for o, reason in delivered.unrecorded]
    failures = delivered.failures
    out.write(f"{day.isoformat()} 周报（{week}）：\n")
    for address in sent:
        out.write(f"  已发送：{address}\n")
    for line in unrecorded:
        out.write(f"  已发送但未能记入台账：{line}。下次运行会再发一次。\n")
    for failure in failures:
        out.write(f"  未发送：{failure.outgoing.recipient}：{failure.reason}。未记入台账，下次运行时重发。\n")
    for line in unbuilt:
        out.write(f"  未发送：{line}。\n")
    if failures or unbuilt or unrecorded:
        out.flush()
        sys.stderr.write(f"错误：{len(failures) + len(unbuilt) + len(unrecorded)} 封周报未能发送或未能记入台账（退出码 1）。\n")
        return True
    return False


def _show(week: str, outgoing: list, outbox: Path | None) -> None:
    """--dry-run: the digests as .eml files in --outbox, or their text on standard output."""
    from gdcomply.errors import MailError

    out = sys.stdout
    if outbox is not None:
        try:
            outbox.mkdir(parents=True, exist_ok=True)
            for item in outgoing:
                target = outbox / f"digest-{week}-{item.recipient}.eml"
                target.write_bytes(item.message.as_bytes())
                out.write(f"已写入 {target}\n")
        except OSError as exc:
            raise MailError(f"无法写入 --outbox 目录 {outbox}：{exc.strerror or exc}") from None
    else:
        for item in outgoing:
            body = item.message.get_body(("plain",))
            out.write(
                f"===== 周报 {week} =====\n收件人：{item.message['To']}\n主题：{item.message['Subject']}\n\n"
                f"{(body.get_content() if body is not None else '').rstrip()}\n\n"
            )
    out.write(f"演习（--dry-run）：本周（{week}）应发送 {len(outgoing)} 封周报；没有发送，也没有记入台账。\n")
