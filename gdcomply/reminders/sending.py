"""Sending and recording reminders together: the rules that make each one go out once.

Used by ``remind`` (the reminders) and ``remind --digest`` (the weekly summary), under the
run lock the CLI holds. Each message is recorded right after the mail server accepted it
(a kill in between gives one duplicate, never a loss: docs/reminders.md), and the run stops
sending:

- before anything is sent, when the ledger's user could not record what it sends (a shared
  ledger's role without the right: refused, nothing sent);
- before a message, when a shared ledger's session no longer holds the run lock (the
  connection was lost: another host may take the lock and send the same reminders);
- after the first message the ledger could not record (every further one would be
  unrecorded too, to be sent again by the next run or by another host).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from gdcomply.ledger.model import SentReminder
from gdcomply.ledger.store import Ledger
from gdcomply.reminders.mail import Credentials, DeliveryFailure, Outgoing, StopDelivery, deliver
from gdcomply.reminders.settings import SmtpSettings


@dataclass
class Delivered:
    """What happened to each message of a run."""

    recorded: list[Outgoing] = field(default_factory=list)  # sent and recorded
    unrecorded: list[tuple[Outgoing, str]] = field(default_factory=list)  # sent, not recorded: why
    failures: list[DeliveryFailure] = field(default_factory=list)  # not sent (or not sent any more)


def send_and_record(
    ledger: Ledger,
    outgoing: Sequence[Outgoing],
    smtp: SmtpSettings,
    credentials: Credentials | None,
    rows_of: Callable[[Outgoing], list[SentReminder]],
    party_names: Mapping[str, str],
) -> Delivered:
    """Send each message and record rows_of(message) in one transaction once it is accepted."""
    ledger.check_may_record_reminders(party_names)
    done = Delivered()

    def still_ours(_: Outgoing) -> None:
        if ledger.is_shared and not ledger.holds_run_lock():  # type: ignore[attr-defined]
            raise StopDelivery(f"与共享台账 {ledger.shown} 的连接中断，本次运行已失去运行锁；为免重复发送，停止发送")

    def record(accepted: Outgoing) -> None:
        try:
            ledger.record_reminders(rows_of(accepted))  # one transaction per email
        except Exception as exc:  # noqa: BLE001 - reported by the caller; nothing more is sent
            done.unrecorded.append((accepted, f"{type(exc).__name__}: {exc}"))
            raise StopDelivery("台账无法记录已发送的提醒，为免重复发送，其余提醒本次不发送") from None
        done.recorded.append(accepted)

    done.failures = deliver(outgoing, smtp, credentials, record, before_send=still_ours)
    return done
