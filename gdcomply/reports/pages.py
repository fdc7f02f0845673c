"""HTML pages (the weekly check, the year's timeline, connection figures) and the weekly digest
email, rendered from the jinja2 templates in ``gdcomply/reports/html/``.

Pages are self-contained: inline CSS and SVG, no script, no font or image from the network,
so they open offline, in a browser or an email client, and print on A4. The charts are plain
SVG drawn by the templates from the geometry of ``timeline.py`` and ``histogram.py`` (a chart
library would add an import to every page and draw nothing these few shapes need). The
digest email uses tables and inline styles only (many mail clients drop <style> and SVG).

The templates belong to the program (not the workspace's ``templates/``): the page's
structure is what its tests and its readers rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from gdcomply.calendar import Calendar, Instance
from gdcomply.reports.timeline import STATUS_COLOURS, layout
from gdcomply.tracking import STATUS_ORDER, CheckReport, Status, StatusItem, status_detail

if TYPE_CHECKING:
    from gdcomply.reports.mail_render import RenderedEmail

HTML_DIR = Path(__file__).with_name("html")
_WEEKDAYS = "一二三四五六日"
# text colour on each status's colour (the badges): dark on the light amber, white elsewhere
_BADGE_TEXT = {Status.DUE_SOON: "#1a1a1a"}


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined

    from gdcomply.workdays.package import cache_dir

    # The compiled templates are kept in gdcomply's cache folder (as the holidays table is):
    # compiling check.html.j2 and its macros costs a start ~40 ms, loading it ~2 ms.
    cache = None
    folder = cache_dir()
    if folder is not None:
        try:
            (folder / "templates").mkdir(parents=True, exist_ok=True)
            cache = FileSystemBytecodeCache(str(folder / "templates"))
        except OSError:  # a read-only or missing home: compile each time
            cache = None
    return Environment(
        loader=FileSystemLoader(str(HTML_DIR)),
        bytecode_cache=cache,
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),  # HTML and SVG escaped; the text email not
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context) -> str:
    return _environment().get_template(template).render(**context)


def weekday_zh(day: date) -> str:
    return f"周{_WEEKDAYS[day.weekday()]}"


@dataclass(frozen=True)
class StatusView:
    value: str
    label: str
    colour: str
    text_colour: str
    count: int


@dataclass(frozen=True)
class ItemView:
    """One deadline item as the page and the digest show it."""

    id: str
    status: StatusView
    due: str
    due_text: str  # 2026-12-07 周一
    title: str
    period: str
    sender: str
    receiver: str
    route: str
    detail: str
    marks: str  # 原定…；推定；挤压… (calendar page)


def status_view(status: Status, count: int = 0) -> StatusView:
    return StatusView(status.value, status.label, STATUS_COLOURS[status], _BADGE_TEXT.get(status, "#ffffff"), count)


def item_view(calendar: Calendar, item: StatusItem, as_of: date) -> ItemView:
    instance = item.instance
    sender = calendar.party_name(instance.sender)
    receiver = calendar.party_name(instance.receiver) if instance.receiver else "（完成/公开）"
    route = f"{sender} → {receiver}" if instance.receiver else f"{sender}（完成/公开）"
    return ItemView(
        instance.id, status_view(item.status), instance.due.isoformat(),
        f"{instance.due.isoformat()} {weekday_zh(instance.due)}", instance.title, instance.period,
        sender, receiver, route, status_detail(calendar, item, as_of), "",
    )  # fmt: skip


@dataclass(frozen=True)
class Group:
    status: StatusView
    items: tuple[ItemView, ...]


def check_context(calendar: Calendar, report: CheckReport, *, party: str | None, show_all: bool) -> dict:
    """What check.html.j2 and the digest templates get: summary, groups by status, warnings."""
    views = [item_view(calendar, item, report.as_of) for item in report.items]
    groups: dict[Status, list[ItemView]] = {}
    for item, view in zip(report.items, views):
        groups.setdefault(item.status, []).append(view)
    summary = [status_view(status, count) for status, count in report.summary.items()]
    scope = f"{calendar.party_name(party)}的事项" if party else "全部单位的事项"
    shown = "本年度全部事项" if show_all else "逾期、有风险、即将到期和近 30 天完成的事项"
    return {
        "as_of": report.as_of.isoformat(),
        "as_of_weekday": weekday_zh(report.as_of),
        "tracking_since": report.tracking_since.isoformat(),
        "horizon": report.horizon,
        "scope": scope,
        "shown": shown,
        "summary": summary,
        "total": sum(report.summary.values()),
        "groups": [Group(status_view(s, len(groups[s])), tuple(groups[s])) for s in sorted(groups, key=STATUS_ORDER.get)],
        "items": views,
        "warnings": [w.message for w in report.warnings],
    }


def check_page(
    calendar: Calendar, report: CheckReport, *, party: str | None, show_all: bool, complaints: Sequence[str] = ()
) -> str:
    """The weekly check as one self-contained HTML page, with the year's timeline; complaints:
    the lines of the overdue complaint replies (their heading first), as the table shows them."""
    year = report.as_of.year
    timeline = layout(calendar, report.year, date(year, 1, 1), date(year, 12, 31), report.as_of)
    return render(
        "check.html.j2", **check_context(calendar, report, party=party, show_all=show_all), timeline=timeline, year=year,
        complaints=list(complaints),
    )  # fmt: skip


def calendar_page(
    calendar: Calendar,
    instances: Sequence[Instance],
    warnings: Sequence[str],
    *,
    start: date,
    end: date,
    today: date,
    scope: str,
) -> str:
    """The deadlines between start and end as a timeline alone, for printing and pinning up."""
    timeline = layout(calendar, instances, start, end, today)
    return render(
        "calendar.html.j2", timeline=timeline, start=start.isoformat(), end=end.isoformat(),
        today=today.isoformat(), scope=scope, warnings=list(warnings), count=len(instances),
    )  # fmt: skip


def iso_week(day: date) -> str:
    """2026-W49: the ISO week of a day (weeks begin on Monday), the digest's key in the ledger."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_email(calendar: Calendar, report: CheckReport, *, party_name: str) -> RenderedEmail:
    """The weekly digest for the marketing department: the check's summary and items as tables
    with inline styles (no SVG: many mail clients do not draw it), and a plain-text alternative."""
    from gdcomply.reports.mail_render import RenderedEmail

    context = check_context(calendar, report, party=None, show_all=False)
    context.update(week=iso_week(report.as_of), recipient_party=party_name)
    urgent = [f"{s.label} {s.count}" for s in context["summary"] if s.count and s.value in ("overdue", "at-risk", "due-soon")]
    subject = f"【获得电力报送周报】{context['week']}：" + ("，".join(urgent) if urgent else "没有逾期或即将到期的事项")
    return RenderedEmail(subject, render("digest.txt.j2", **context), render("digest.html.j2", **context))
