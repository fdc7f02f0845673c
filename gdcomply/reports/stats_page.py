"""Connection figures as words and a picture: the rows of `applications stats` (figure, value,
target, verdict) that its terminal table and its HTML page share, and the histogram of
connection times per class with the limit drawn (plain SVG from ``html/stats.html.j2``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gdcomply.applications.measures import ClassMeasures, PeriodMeasures, kva, money
from gdcomply.applications.model import CustomerClass

if TYPE_CHECKING:
    from gdcomply.applications.targets import Targets

MAX_BARS = 40  # wider distributions are binned: several working days per bar
CHART_WIDTH, CHART_HEIGHT = 640, 240
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 46, 16, 26, 38


def _days(value: Decimal | int | None) -> str:
    return "—" if value is None else f"{value}"


def _percent(share: Decimal | None) -> str:
    return "—" if share is None else f"{(share * 100).quantize(Decimal('0.1'))}%"


def _yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{money(amount)} 元"


def _verdict_of(figures: ClassMeasures, key: str, applies: bool = True) -> str:
    if not applies or figures.count == 0:
        return ""
    return "未达标" if key in figures.breaches else "达标"


def class_rows(item: ClassMeasures, *, judged: bool = True) -> list[tuple[str, str, str, str]]:
    """One class's figures as (指标, 数值, 目标, 结果) rows, in the order the plan lists them;
    judged=False leaves 结果 empty (a later target profile judged the period: issue 18)."""

    def _verdict(figures: ClassMeasures, key: str, applies: bool = True) -> str:
        return _verdict_of(figures, key, applies) if judged else ""

    rows: list[tuple[str, str, str, str]] = []
    add = rows.append
    limit = "—" if item.limit is None else f"每件 ≤ {item.limit}"
    if item.customer_class is CustomerClass.SMALL_MICRO:
        add(("平均接电时长", _days(item.mean_working_days), f"≤ {item.mean_working_days_target}",
             _verdict(item, "mean_working_days")))  # fmt: skip
    else:
        add(("平均接电时长", _days(item.mean_working_days), "", ""))
    add(("中位数", _days(item.median_working_days), "", ""))
    add(("最长", _days(item.max_working_days), limit, ""))
    if item.limit is not None:
        add(("超过时限的件数", _days(item.over_limit), "0", _verdict(item, "limit")))
    known = dict(item.known)
    visits = (f"跑动超过 {item.visits_target} 次的件数", _days(item.over_visits), "0",
              _verdict(item, "visits", known.get("visits", 0) > 0))  # fmt: skip
    if item.customer_class is CustomerClass.RESIDENTIAL:
        add(("零跑动（一次都不跑）比例", _percent(item.zero_visit_share), "100%", ""))
        add(visits)
    elif item.customer_class is CustomerClass.SMALL_MICRO:
        add(("平均环节数", _days(item.mean_steps), f"≤ {item.steps_target}", _verdict(item, "steps", known.get("steps", 0) > 0)))
        add(("平均申请材料数", _days(item.mean_materials), "", ""))
        add(("平均接电费用", _yuan(item.mean_cost), "", ""))
        add(("接电费用合计", _yuan(item.total_cost), "", ""))
        add(("零投资比例", _percent(item.zero_cost_share), f"100%（{_yuan(item.cost_target)}）",
             _verdict(item, "cost", known.get("cost", 0) > 0)))  # fmt: skip
        add(("平均跑动次数", _days(item.mean_visits), "", ""))
        add(visits)
        add((f"容量不超过 {kva(item.capacity_kva_target)} kVA 的比例", _percent(item.within_capacity_share), "", ""))
    elif item.customer_class is CustomerClass.HIGH_VOLTAGE:
        add(("平均跑动次数", _days(item.mean_visits), "", ""))
        add(visits)
        add(("新装及增容容量合计", f"{kva(item.total_kva)} kVA", "", ""))
    return rows


def missing_note(item: ClassMeasures) -> str:
    """（未填写：环节数 3 件…）, or "" when every application gives every optional figure."""
    missing = {k: item.count - n for k, n in item.known if item.count and n < item.count}
    if not missing:
        return ""
    names = {"steps": "环节数", "materials": "申请材料", "cost": "接电费用", "visits": "跑动次数"}
    return "（未填写：" + "，".join(f"{names[k]} {n} 件" for k, n in missing.items()) + "；平均值只按填写了的申请计算）"


# -- the histogram ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # 12 个工作日 / 12–13 个工作日
    over: bool  # beyond the limit


@dataclass(frozen=True)
class Histogram:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float  # the baseline's y
    bars: tuple[Bar, ...]
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    limit_x: float | None
    limit_label: str
    summary: str  # the chart in words (<desc>)


def histogram(item: ClassMeasures) -> Histogram | None:
    """The distribution of connection times of one class (None: nothing was energised)."""
    if not item.distribution:
        return None
    top_day = max(max(d for d, _ in item.distribution), item.limit or 0) + 1
    step = max(1, math.ceil((top_day + 1) / MAX_BARS))
    bins = math.ceil((top_day + 1) / step)
    counts = [0] * bins
    for days, count in item.distribution:
        counts[days // step] += count
    plot_w = CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT
    plot_h = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    baseline = CHART_HEIGHT - PLOT_BOTTOM
    highest = max(counts)
    y_top = _nice(highest)
    bar_w = plot_w / bins

    def x_of(days: float) -> float:
        return round(PLOT_LEFT + bar_w * days / step, 1)

    bars = []
    for index, count in enumerate(counts):
        low, high = index * step, index * step + step - 1
        label = f"{low} 个工作日" if step == 1 else f"{low}–{high} 个工作日"
        height = round(plot_h * count / y_top, 1)
        over = item.limit is not None and low > item.limit
        bars.append(Bar(x_of(low) + 0.5, round(baseline - height, 1), round(bar_w - 1, 1), height, count, label, over))
    tick_every = step * max(1, math.ceil(bins / 10))
    x_ticks = tuple((x_of(d + step / 2), str(d)) for d in range(0, bins * step, tick_every))
    y_ticks = tuple((round(baseline - plot_h * v / y_top, 1), str(v)) for v in _y_ticks(y_top))
    limit_x = x_of(item.limit + 1) if item.limit is not None else None
    summary = (
        f"{item.customer_class.label}：{item.count} 件的接电时长分布，"
        f"最短 {item.distribution[0][0]}、最长 {item.distribution[-1][0]} 个工作日"
        + (f"；时限 {item.limit} 个工作日，超过 {item.over_limit} 件" if item.limit is not None else "")
    )
    return Histogram(
        CHART_WIDTH, CHART_HEIGHT, PLOT_LEFT, CHART_WIDTH - PLOT_RIGHT, PLOT_TOP, baseline, tuple(bars), x_ticks,
        y_ticks, limit_x, f"时限 {item.limit} 个工作日" if item.limit is not None else "", summary,
    )  # fmt: skip


def _nice(value: int) -> int:
    """The axis top: value rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 5:
        return max(value, 1)
    magnitude = 10 ** (len(str(value)) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _y_ticks(top: int) -> list[int]:
    step = max(1, top // 5)
    return list(range(0, top + 1, step))


@dataclass(frozen=True)
class ClassView:
    label: str
    count: int
    rows: tuple[tuple[str, str, str, str], ...]
    note: str
    chart: Histogram | None
    id: str


def stats_page(figures: PeriodMeasures, targets: Targets, *, read: str) -> str:
    """`applications stats --format html`: each class's figures beside its targets, and its histogram."""
    from gdcomply.reports.pages import render

    scope = targets.unit_name(figures.unit) if figures.unit else "两供电单位合计"
    when = f"{figures.period.label}（{figures.period}）送电" if figures.period else "文件中全部已送电"
    classes = [
        ClassView(item.customer_class.label, item.count, tuple(class_rows(item, judged=figures.plan_only)), missing_note(item),
                  histogram(item), item.customer_class.value)  # fmt: skip
        for item in figures.classes
    ]
    rows = figures.rows
    return render(
        "stats.html.j2", scope=scope, when=when, classes=classes, read=read,
        rows_read=rows.read, rows_valid=rows.valid, rows_rejected=rows.rejected,
        warnings=[w.message for w in figures.warnings], plan_only=figures.plan_only,
        basis=basis_lines(figures), judgements=judgement_views(figures), judgement_columns=JUDGEMENT_COLUMNS,
    )  # fmt: skip


# -- the target profiles that judged the period (issue 18), shared by the table and the page --

JUDGEMENT_COLUMNS = ("类别", "件数", "平均(工作日)", "平均(日历日)", "最长(工作日)", "目标", "超时限", "结果")


@dataclass(frozen=True)
class JudgementView:
    """One profile's figures as rows of JUDGEMENT_COLUMNS, with the notes under them."""

    title: str
    count: int
    verified: bool
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...]


def basis_lines(figures: PeriodMeasures) -> list[str]:
    """Which profiles judged the period, one line each (a chosen one: one line saying so)."""
    if figures.chosen is not None:
        chosen = figures.chosen
        note = "" if chosen.verified else "该方案待核实，只作对照，不作判定。"
        return [f"判定依据：按 --targets 指定的方案 {chosen.label}（{chosen.document}）判定整个期间。{note}"]
    if not figures.judgements:
        return []
    return ["判定依据（按受理日期当天有效的已核实方案）："] + [
        f"  {j.profile.label}：{j.profile.effective.isoformat()} 起受理的 {j.count} 件（{j.profile.document}）"
        for j in figures.judgements
    ]


def judgement_views(figures: PeriodMeasures) -> list[JudgementView]:
    """The tables of the profiles that judged the period (unless only the 2018 plan did), then
    the 待核实 comparisons (only classes with applications)."""
    views = [] if figures.plan_only else [judgement_view(j, f"按 {j.profile.label} 判定") for j in figures.judgements]
    return views + [judgement_view(j, f"对照：{j.profile.label}", only_counted=True) for j in figures.comparisons]


def judgement_view(judgement: Any, title: str, *, only_counted: bool = False) -> JudgementView:
    from gdcomply.applications.judging import verdict_text

    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for item in judgement.classes:
        if only_counted and not item.count:
            continue
        target = item.target
        goals = []
        if target.limit is not None:
            goals.append(f"每件 ≤ {target.limit}")
        if target.mean_limit is not None:
            goals.append(f"平均 ≤ {target.mean_limit}")
        if target.steps is not None:
            goals.append(f"环节 ≤ {target.steps}")
        if target.visits is not None:
            goals.append(f"跑动 ≤ {target.visits}")
        if target.zero_investment is not None:
            goals.append(f"{target.zero_investment.text} 零投资")
        counted = "；只计供电企业环节" if target.counts.value == "own-steps" else ""
        result = verdict_text(judgement, item, "limit") if item.count else ""
        if result == "达标" and item.breaches:
            result = "未达标"
        rows.append((
            target.label, str(item.count), _days(item.mean_working_days), _days(item.mean_calendar_days),
            _days(item.max_working_days), "；".join(goals) + counted or "—", _days(item.over_limit), result,
        ))  # fmt: skip
        if item.capacity_unknown:
            notes.append(f"{target.label}：{item.capacity_unknown} 件的零投资容量未判定（{item.capacity_reason}）")
    if not rows:
        notes.insert(0, f"{title}（{judgement.count} 件）：没有可按该方案判定的申请。")
    if judgement.not_judged:
        missing = "，".join(f"缺“{name}” {n} 件" for name, n in judgement.missing_facts)
        notes.append(f"未判定 {judgement.not_judged} 件：数据文件没有该方案需要的列（{missing}）。")
    if judgement.no_target:
        notes.append(f"该方案未规定目标的申请 {judgement.no_target} 件。")
    return JudgementView(title, judgement.count, judgement.profile.verified, tuple(rows), tuple(notes))
