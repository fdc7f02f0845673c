"""The year as a picture: deadline cascades laid out on a date axis, for the SVG templates.

Pure geometry, no library: ``layout(...)`` turns instances (with their status, when a ledger
judged them) into lanes, rows and marks with pixel positions in a fixed 1000-unit-wide
drawing; ``templates/timeline.svg.j2`` draws them, and the page scales the drawing to its
width (viewBox). One lane per cascade (obligation and period): one row per report in it,
units first, the company's and the bureau's last, each a mark at its due date labelled with
its route and status, linked to the report it feeds. A squeezed link (a unit's date too close
to the company's, ``Instance.squeeze_gap``) is drawn dashed in red and says so in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Sequence

from gdcomply.calendar import Calendar, Instance
from gdcomply.tracking import Status, StatusItem

WIDTH = 1000
LABEL_WIDTH = 190  # the lane titles' column, left of the axis
RIGHT_MARGIN = 14
AXIS_TOP = 50  # the "today" flag, then the month labels, sit above this line
ROW_HEIGHT = 17
LANE_GAP = 9
BOTTOM = 12

# fill colours; every mark also carries its status in words (label and <title>), never colour alone
STATUS_COLOURS = {
    Status.OVERDUE: "#c62828",
    Status.AT_RISK: "#e65100",
    Status.DUE_SOON: "#f9a825",
    Status.LATE: "#8e24aa",
    Status.DONE: "#2e7d32",
    Status.UPCOMING: "#5c7c99",
    Status.UNTRACKED: "#9e9e9e",
}
NO_STATUS_COLOUR = "#37474f"


@dataclass(frozen=True)
class Mark:
    instance_id: str
    x: float
    y: float
    colour: str
    label: str  # 桂源公司→公司 · 已逾期
    label_x: float
    label_anchor: str  # start / end: labels near the right edge go to the left of their mark
    title: str  # the full text of the mark (the SVG <title>, read by screen readers)
    status: str  # the status value, "" without a ledger
    milestone: bool
    squeezed: bool


@dataclass(frozen=True)
class Link:
    """From a report to the report it feeds (in the same lane)."""

    x1: float
    y1: float
    x2: float
    y2: float
    squeezed: bool


@dataclass(frozen=True)
class Lane:
    title: str  # 工作开展情况报告
    period: str  # 2026-R2
    note: str  # 汇总时间被挤压 or ""
    y: float  # top
    height: float
    marks: tuple[Mark, ...]
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    axis_left: float
    axis_right: float
    axis_top: float
    start: date
    end: date
    ticks: tuple[Tick, ...]
    lanes: tuple[Lane, ...]
    today_x: float | None
    today_label: str
    legend: tuple[tuple[str, str], ...]  # (colour, label)
    summary: str  # one sentence for screen readers (the SVG's <desc>)

    @property
    def marks(self) -> int:
        return sum(len(lane.marks) for lane in self.lanes)


def layout(
    calendar: Calendar,
    entries: Sequence[Instance | StatusItem],
    start: date,
    end: date,
    today: date | None,
) -> Timeline:
    """The timeline of ``entries`` (instances, or status items of a check) between start and end."""
    span = max((end - start).days, 1)
    axis_left, axis_right = float(LABEL_WIDTH), float(WIDTH - RIGHT_MARGIN)

    def x_of(day: date) -> float:
        day = min(max(day, start), end)
        return round(axis_left + (axis_right - axis_left) * (day - start).days / span, 1)

    items = [(e.instance, e) if isinstance(e, StatusItem) else (e, None) for e in entries]
    by_id = {instance.id: instance for instance, _ in items}
    lanes_of: dict[tuple[str, str], list[tuple[Instance, StatusItem | None]]] = {}
    for instance, item in sorted(items, key=lambda pair: (pair[0].due, pair[0].order, pair[0].id)):
        lanes_of.setdefault((instance.obligation, instance.period), []).append((instance, item))

    lanes: list[Lane] = []
    y = float(AXIS_TOP + 6)
    used: dict[Status | None, int] = {}
    for (_, period), members in lanes_of.items():
        # the reports that feed others first (units), then what they feed (company, bureau)
        members.sort(key=lambda pair: (_depth(pair[0], by_id), pair[0].due, pair[0].order, pair[0].sender))
        rows: dict[str, float] = {}
        marks: list[Mark] = []
        squeezed_lane = False
        for row, (instance, item) in enumerate(members):
            my = round(y + ROW_HEIGHT * row + ROW_HEIGHT / 2, 1)
            rows[instance.id] = my
            mx = x_of(instance.due)
            status = item.status if item is not None else None
            used[status] = used.get(status, 0) + 1
            route = _route(calendar, instance)
            label = f"{instance.due.strftime('%m-%d')} {route}" + (f" · {status.label}" if status is not None else "")
            squeezed = instance.squeeze_gap is not None
            squeezed_lane = squeezed_lane or squeezed
            if squeezed:
                label += f"（挤压：距汇总仅 {instance.squeeze_gap} 个工作日）"
            right_side = mx < axis_left + (axis_right - axis_left) * 0.62
            title = f"{instance.title} {instance.period}：{route}，截止 {instance.due.isoformat()}" + (
                f"，{status.label}" if status is not None else ""
            ) + (f"，挤压：距汇总仅 {instance.squeeze_gap} 个工作日" if squeezed else "")
            marks.append(
                Mark(
                    instance.id, mx, my, STATUS_COLOURS.get(status, NO_STATUS_COLOUR) if status else NO_STATUS_COLOUR,
                    label, mx + 8 if right_side else mx - 8, "start" if right_side else "end", title,
                    status.value if status else "", instance.is_milestone, squeezed,
                )  # fmt: skip
            )
        links = []
        for instance, _ in members:
            parent = instance.parent
            if parent in rows:
                parent_instance = by_id[parent]
                links.append(
                    Link(x_of(instance.due), rows[instance.id], x_of(parent_instance.due), rows[parent],
                         instance.squeeze_gap is not None)  # fmt: skip
                )
        # two rows at least: the lane's title above its period
        height = ROW_HEIGHT * max(len(members), 2)
        first = members[0][0]
        obligation = calendar.obligation(first.obligation)
        lanes.append(Lane(obligation.title if obligation else first.title, period,
                          "汇总时间被挤压" if squeezed_lane else "", y, height, tuple(marks), tuple(links)))  # fmt: skip
        y += height + LANE_GAP

    ticks = tuple(Tick(x_of(day), label) for day, label in _ticks(start, end))
    today_x = x_of(today) if today is not None and start <= today <= end else None
    legend = tuple(
        (STATUS_COLOURS[s], s.label) for s in Status if s in used
    ) or ((NO_STATUS_COLOUR, "报送节点"),)
    summary = (
        f"{start.isoformat()} 至 {end.isoformat()} 的报送时间线：{len(lanes)} 组报送链，共 {len(items)} 个报送节点"
        + (f"；今天 {today.isoformat()}" if today_x is not None and today is not None else "")
        + "。每组一行或数行：下级单位的报送在上，汇总的报送在下，连线指向所汇入的报送。"
    )
    return Timeline(
        WIDTH, int(y + BOTTOM), axis_left, axis_right, float(AXIS_TOP), start, end, ticks, tuple(lanes),
        today_x, f"今天 {today.strftime('%m-%d')}" if today is not None else "", legend, summary,
    )  # fmt: skip


def _depth(instance: Instance, by_id: dict[str, Instance]) -> int:
    """How many reports lie above this one in its cascade, negated: units (deepest) come first."""
    depth = 0
    seen = {instance.id}
    parent = instance.parent
    while parent in by_id and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = by_id[parent].parent
    return -depth


def _route(calendar: Calendar, instance: Instance) -> str:
    sender = calendar.party_name(instance.sender)
    if instance.receiver is None:
        return f"{sender}（完成/公开）"
    return f"{sender}→{calendar.party_name(instance.receiver)}"


def _ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Month starts (labelled 1月…12月, with the year at January); quarters over long ranges."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = 1 if months <= 18 else 3 if months <= 60 else 12
    found = []
    day = date(start.year, start.month, 1)
    if day < start:
        day = (day + timedelta(days=32)).replace(day=1)
    while day <= end:
        if (day.month - 1) % step == 0:
            label = f"{day.year}年{day.month}月" if day.month == 1 or not found else f"{day.month}月"
            found.append((day, label))
        day = (day + timedelta(days=32)).replace(day=1)
    return found
