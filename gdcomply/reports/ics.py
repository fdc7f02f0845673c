"""iCalendar export of deadline instances (one all-day event each, with a stable UID)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from gdcomply.calendar import Calendar, Instance


def instances_to_ics(calendar: Calendar, instances: Iterable[Instance], generated_at: datetime) -> bytes:
    """An .ics whose UIDs stay the same across runs, so a subscribed calendar updates in place."""
    from icalendar import Calendar as ICalendar
    from icalendar import Event

    ical = ICalendar()
    ical.add("prodid", "-//gdcomply//获得电力报送期限//ZH")
    ical.add("version", "2.0")
    ical.add("calscale", "GREGORIAN")
    ical.add("x-wr-calname", "获得电力报送期限")
    ical.add("x-wr-timezone", "Asia/Shanghai")
    for instance in instances:
        sender = calendar.party_name(instance.sender)
        if instance.receiver is None:
            summary = f"{instance.title}（{instance.period}）：{sender}完成"
            route = f"{sender}（里程碑/信息公开）"
        else:
            receiver = calendar.party_name(instance.receiver)
            summary = f"{instance.title}（{instance.period}）：{sender}报{receiver}"
            route = f"{sender} → {receiver}"
        lines = [
            f"报送：{route}",
            f"原定日期：{instance.nominal.isoformat()}",
            f"截止日期：{instance.due.isoformat()}" + ("（遇非工作日已调整）" if instance.rolled else ""),
            f"依据：方案{instance.source}",
        ]
        if instance.inferred:
            lines.append(f"推定日期：{instance.inferred_note}")
        if instance.squeeze_gap is not None:
            lines.append(f"注意：距上级汇总期限仅 {instance.squeeze_gap} 个工作日")
        event = Event()
        event.add("uid", f"{instance.id}@gdcomply")
        event.add("dtstamp", generated_at)
        event.add("summary", summary)
        event.add("description", "\n".join(lines))
        event.add("dtstart", instance.due)
        event.add("dtend", instance.due + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("categories", [instance.obligation])
        ical.add_component(event)
    return ical.to_ical()
