"""What every kind of pack shares: the planning context, the plan, the target table and the figures block.

A kind's planner (``plan_pack(ctx) -> Plan`` in each kind's module) gets a ``PackContext``: the
request, the instance, the workspace's calendars, and the loaders every kind uses (targets,
applications, --notes, templates), each recording the inputs it reads for the manifest.
The plan lists the files to render; nothing is written until the build has the whole plan.
The target table (every target of the plan beside the period's figure) is the 汇总 sheet of
the workbooks and the targets table of the Word reports that show figures; the figures
block is the paragraph of figures that the progress report and the self-inspection quote.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from gdcomply.errors import RenderError, UsageError
from gdcomply.packs.model import Column, Kind, Sheet, Text, Typed, placeholder

from gdcomply.applications.profiles import UNVERIFIED_MARK

if TYPE_CHECKING:
    from gdcomply.applications.judging import ProfileJudgement
    from gdcomply.applications.measures import ClassMeasures, PeriodMeasures
    from gdcomply.applications.model import ApplicationSet
    from gdcomply.applications.targets import Targets
    from gdcomply.calendar import Calendar, Instance
    from gdcomply.ledger.store import Evidence, Ledger
    from gdcomply.packs.model import PackRequest
    from gdcomply.packs.notes import Narrative, Section
    from gdcomply.setup import Setup
    from gdcomply.workdays.workcalendar import WorkCalendar


UNIT_PARTIES = ("guiyuan", "gongdian")


# -- the plan and its context ------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    role: str
    path: Path
    name: str  # as recorded in the manifest (no absolute paths: packs stay reproducible)
    party: str | None = None


@dataclass
class Plan:
    """What one pack consists of, gathered before anything is written."""

    files: list[tuple[str, Callable[[Path], None]]] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing_units: list[str] = field(default_factory=list)


class PackContext:
    """Everything a planner needs, with the loaders it shares."""

    def __init__(
        self,
        setup: Setup,
        request: PackRequest,
        primary: Instance,
        instances: list[Instance],
        ledger: Ledger | None,
        evidence: Evidence | None,
    ) -> None:
        self.setup = setup
        self.request = request
        self.primary = primary
        self.instances = instances
        self.ledger = ledger
        self.evidence = evidence
        self.calendar: Calendar = setup.calendar
        self.workdays: WorkCalendar = setup.workdays
        self._targets: Targets | None = None

    @property
    def config_dir(self) -> Path:
        return self.setup.deadlines_file.parent

    @property
    def targets(self) -> Targets:
        if self._targets is None:
            from gdcomply.applications.targets import load_targets

            self._targets = load_targets(self.config_dir / "targets.yaml")
        return self._targets

    def config_inputs(self) -> list[Input]:
        """The config files the figures depend on (recorded in the manifest)."""
        found = []
        for name in ("deadlines.yaml", "holidays.yaml", "targets.yaml"):
            path = self.config_dir / name
            if path.is_file():
                found.append(Input("config", path, f"config/{name}"))
        return found

    def party_full(self, party: str | None) -> str:
        if party is None:
            return "—"
        found = self.calendar.parties.get(party)
        return found.name if found else party

    def party_short(self, party: str | None) -> str:
        return self.calendar.party_name(party)

    def receiver_label(self, party: str | None) -> str:
        found = self.calendar.parties.get(party or "")
        if found is None:
            return party or "—"
        return found.name + (found.department or "")

    def addressee(self) -> str:
        receivers = [i.receiver for i in self.instances if i.receiver]
        return "、".join(dict.fromkeys(self.receiver_label(r) for r in receivers)) or "—"

    def template(self, name: str) -> Path:
        return self.setup.workspace.template(name)

    def base_context(self, title: str) -> dict[str, Any]:
        party = self.request.party
        return {
            "title": title,
            "addressee": self.addressee(),
            "sender": self.party_full(party),
            "sender_full": self.party_full(party),
            "date_text": cn_date(self.request.as_of),
            "as_of_text": cn_date(self.request.as_of),
            "period": self.request.period,
            "notices": [],
            "attachments": [],
        }

    def word(self, plan: Plan, template_name: str, filename: str, context: dict[str, Any]) -> None:
        template = self.template(template_name)
        if not template.is_file():
            raise RenderError(f"找不到模板 {template_name}（工作区 templates/ 和内置模板中都没有）")
        plan.inputs.append(Input("template", template, f"templates/{template_name}"))
        as_of = self.request.as_of

        def render(target: Path) -> None:
            from gdcomply.reports.docx_pack import render_docx

            render_docx(template, context, target, as_of=as_of)

        plan.files.append((filename, render))

    def workbook(self, plan: Plan, filename: str, sheets: Callable[[], list[Sheet]]) -> None:
        as_of = self.request.as_of

        def render(target: Path) -> None:
            from gdcomply.reports.xlsx_pack import write_workbook

            write_workbook(sheets(), target, as_of=as_of)

        plan.files.append((filename, render))

    def read_applications(self, plan: Plan, path: Path, pauses: Path | None) -> ApplicationSet:
        from gdcomply.applications.read import read_applications

        plan.inputs.append(Input("applications", path, path.name))
        if pauses is not None:
            plan.inputs.append(Input("pauses", pauses, pauses.name))
        return read_applications(path, pauses, self.targets, display=path.name,
                                 pauses_display=pauses.name if pauses else None)  # fmt: skip

    def narrative(self, plan: Plan, sections: tuple[Section, ...]) -> Narrative | None:
        from gdcomply.packs.notes import load_narrative

        if self.request.notes is None:
            return None
        plan.inputs.append(Input("notes", self.request.notes, self.request.notes.name))
        return load_narrative(self.request.notes, sections)


def paragraphs(narrative: Narrative | None, key: str) -> list[Text]:
    texts = narrative.of(key) if narrative is not None else ()
    return [Text(t) for t in texts] if texts else [placeholder()]


def unit_only(request: PackRequest, what: str) -> None:
    if request.party not in UNIT_PARTIES:
        raise UsageError(f"{what}由两供电单位编制（--party guiyuan 或 gongdian）")


def measure_figures(ctx: PackContext, app_set: ApplicationSet, period, unit: str | None) -> PeriodMeasures:
    from gdcomply.applications.measures import measure

    return measure(app_set, ctx.workdays, ctx.targets, period=period, unit=unit)


# -- small formatting helpers ------------------------------------------------------------------


CENT = Decimal("0.01")


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def number_text(value: Decimal | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    else:
        text = str(value)
    return f"{text}{unit}"


def percent_text(share: Decimal | None) -> str:
    if share is None:
        return "—"
    return f"{(share * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def money_text(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# -- the target table and the figures block ----------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    customer_class: str
    measure: str
    target: str
    value: Any
    kind: Kind
    verdict: str  # 达标 | 未达标 | 待核实 | —
    note: str = ""
    basis: str = ""  # the profile judged against, with （待核实） when not verified


def verdict_of(figures: ClassMeasures, breach: str | None, applies: bool = True) -> str:
    if figures.count == 0 or not applies or breach is None:
        return "—"
    return "未达标" if breach in figures.breaches else "达标"


def target_rows(figures: PeriodMeasures) -> list[TargetRow]:
    """Every target beside the figure, met or missed (the 汇总 sheet's table): the plan's rows,
    then each later deciding profile's and each unverified profile's (verdict 待核实)."""
    from dataclasses import replace

    rows = _plan_rows(figures)
    if figures.plan_only:
        basis = figures.judgements[0].profile.label if figures.judgements else ""
        rows = [replace(r, basis=basis) for r in rows]
    else:  # a later profile decided some applications: the plan's rows only describe
        rows = [replace(r, verdict="—", basis="2018年实施方案口径（仅统计）") for r in rows]
        for judgement in figures.judgements:
            rows += judgement_rows(judgement)
    for judgement in figures.comparisons:
        rows += judgement_rows(judgement)
    return rows


def judgement_rows(judgement: ProfileJudgement) -> list[TargetRow]:
    """A profile's figures per class with applications, and its not-judged count."""
    from gdcomply.applications.judging import verdict_text

    profile = judgement.profile
    basis = profile.label
    rows: list[TargetRow] = []
    for item in judgement.classes:
        if not item.count:
            continue
        target = item.target
        label = f"{profile.title}：{target.label}"
        counted = "只计供电企业办理环节" if target.counts.value == "own-steps" else "全流程"
        rows += [
            TargetRow(label, "件数", "—", item.count, Kind.INT, "—", basis=basis),
            TargetRow(label, "平均接电时长(工作日)", f"≤{target.mean_limit}" if target.mean_limit is not None else "—",
                      item.mean_working_days, Kind.DAYS,
                      verdict_text(judgement, item, "mean_limit") if target.mean_limit is not None else "—",
                      counted, basis),
            TargetRow(label, "平均接电时长(日历日)", "—", item.mean_calendar_days, Kind.DAYS, "—", basis=basis),
        ]  # fmt: skip
        if target.limit is not None:
            rows.append(TargetRow(label, "超过时限件数", "0", item.over_limit, Kind.INT,
                                  verdict_text(judgement, item, "limit"), f"每件不超过{target.limit}个工作日", basis))  # fmt: skip
        if target.steps is not None and item.mean_steps is not None:
            rows.append(TargetRow(label, "平均环节数", f"≤{target.steps}", item.mean_steps, Kind.DAYS,
                                  verdict_text(judgement, item, "steps"), basis=basis))  # fmt: skip
        if target.zero_investment is not None:
            note = f"{target.zero_investment.text}及以下零投资"
            if item.capacity_unknown:
                note += f"；{item.capacity_unknown} 件未判定：{item.capacity_reason}"
            rows.append(TargetRow(label, "容量以内零投资占比", "100%", item.zero_cost_share, Kind.SHARE,
                                  verdict_text(judgement, item, "cost") if item.zero_cost_share is not None else "—",
                                  note, basis))  # fmt: skip
    if judgement.not_judged:
        missing = "，".join(f"缺“{name}” {n} 件" for name, n in judgement.missing_facts)
        rows.append(TargetRow(profile.title, "未判定件数", "—", judgement.not_judged, Kind.INT, "—",
                              f"数据文件没有该方案需要的列（{missing}）", basis))  # fmt: skip
    return rows


def _plan_rows(figures: PeriodMeasures) -> list[TargetRow]:
    """The 2018 plan's rows."""
    from gdcomply.applications.model import CustomerClass

    rows: list[TargetRow] = []
    res = figures.of(CustomerClass.RESIDENTIAL)
    sm = figures.of(CustomerClass.SMALL_MICRO)
    other = figures.of(CustomerClass.OTHER_LOW_VOLTAGE)
    hv = figures.of(CustomerClass.HIGH_VOLTAGE)

    label = CustomerClass.RESIDENTIAL.label
    rows += [
        TargetRow(label, "送电户数", "—", res.count, Kind.INT, "—"),
        TargetRow(label, "平均接电时长(工作日)", "—", res.mean_working_days, Kind.DAYS, "—"),
        TargetRow(label, "最长接电时长(工作日)", f"≤{res.limit}" if res.limit is not None else "—",
                  res.max_working_days, Kind.INT, verdict_of(res, "limit", res.limit is not None)),
        TargetRow(label, "超过时限户数", "0", res.over_limit, Kind.INT, verdict_of(res, "limit", res.limit is not None),
                  f"每户接电时长不超过{res.limit}个工作日" if res.limit is not None else ""),
        TargetRow(label, "零跑动（一次都不跑）占比", "100%", res.zero_visit_share, Kind.SHARE,
                  verdict_of(res, "visits", res.zero_visit_share is not None), "跑动次数目标：0"),
    ]  # fmt: skip
    label = CustomerClass.SMALL_MICRO.label
    rows += [
        TargetRow(label, "送电户数", "—", sm.count, Kind.INT, "—"),
        TargetRow(label, "平均接电时长(工作日)", f"≤{sm.mean_working_days_target}", sm.mean_working_days,
                  Kind.DAYS, verdict_of(sm, "mean_working_days")),
        TargetRow(label, "最长接电时长(工作日)", "—", sm.max_working_days, Kind.INT, "—"),
        TargetRow(label, "超过预警时限户数", "—", sm.over_limit, Kind.INT, "—",
                  f"单户超过{sm.limit}个工作日（预警）" if sm.limit is not None else ""),
        TargetRow(label, "平均环节数", f"{sm.steps_target}", sm.mean_steps, Kind.DAYS,
                  verdict_of(sm, "steps", sm.mean_steps is not None), "报装、验收接表接电两个环节"),
        TargetRow(label, "平均申请材料数", "—", sm.mean_materials, Kind.DAYS, "—"),
        TargetRow(label, "平均接电费用(元)", money_text(sm.cost_target), sm.mean_cost, Kind.MONEY,
                  verdict_of(sm, "cost", sm.mean_cost is not None), "零投资"),
        TargetRow(label, "接电费用合计(元)", "—", sm.total_cost if sm.count else None, Kind.MONEY, "—"),
        TargetRow(label, "零投资占比", "100%", sm.zero_cost_share, Kind.SHARE,
                  verdict_of(sm, "cost", sm.zero_cost_share is not None)),
        TargetRow(label, "平均跑动次数", "—", sm.mean_visits, Kind.DAYS, "—"),
        TargetRow(label, f"跑动超过{sm.visits_target}次的户数", "0", sm.over_visits if sm.mean_visits is not None else None,
                  Kind.INT, verdict_of(sm, "visits", sm.mean_visits is not None), "最多跑一次"),
        TargetRow(label, f"容量{number_text(sm.capacity_kva_target)}kVA及以下占比", "—", sm.within_capacity_share,
                  Kind.SHARE, "—", "低压接入容量提升至160千伏安"),
    ]  # fmt: skip
    label = CustomerClass.HIGH_VOLTAGE.label
    rows += [
        TargetRow(label, "已送电高压新装及增容户数", "—", hv.count, Kind.INT, "—"),
        TargetRow(label, "容量合计(kVA)", "—", hv.total_kva if hv.count else None, Kind.KVA, "—"),
        TargetRow(label, "平均接电时长(工作日)", "—", hv.mean_working_days, Kind.DAYS, "—"),
        TargetRow(label, "平均跑动次数", "—", hv.mean_visits, Kind.DAYS, "—"),
        TargetRow(label, f"跑动超过{hv.visits_target}次的户数", "0", hv.over_visits if hv.mean_visits is not None else None,
                  Kind.INT, verdict_of(hv, "visits", hv.mean_visits is not None), "最多跑一次"),
    ]  # fmt: skip
    label = CustomerClass.OTHER_LOW_VOLTAGE.label
    rows += [
        TargetRow(label, "送电户数", "—", other.count, Kind.INT, "—"),
        TargetRow(label, "平均接电时长(工作日)", "—", other.mean_working_days, Kind.DAYS, "—"),
    ]
    return rows


def summary_sheet(title: str, lines: list[str], figures: PeriodMeasures) -> Sheet:
    columns = (
        Column("类别", Kind.TEXT, 14),
        Column("指标", Kind.TEXT, 30),
        Column("方案目标", Kind.TEXT, 12),
        Column("本期数值", Kind.DAYS, 14),
        Column("是否达标", Kind.VERDICT, 10),
        Column("说明", Kind.TEXT, 30),
        Column("依据方案", Kind.TEXT, 28),
    )
    rows = [
        (r.customer_class, r.measure, r.target, Typed(r.value, r.kind), r.verdict, r.note, r.basis)
        for r in target_rows(figures)
    ]
    return Sheet("汇总", columns, rows, preamble=(title, *lines))


def _word_value(row: TargetRow) -> str:
    if row.value is None:
        return "—"
    if row.kind is Kind.SHARE:
        return percent_text(row.value)
    if row.kind is Kind.MONEY:
        return money_text(row.value)
    return number_text(row.value)


def word_targets(figures: PeriodMeasures) -> list[dict[str, str]]:
    """The Word reports' target table; a row of an unverified profile says so in its measure."""
    return [
        {
            "measure": f"{r.customer_class}：{r.measure}"
            + (f"（{UNVERIFIED_MARK}，仅供对照）" if UNVERIFIED_MARK in r.basis else ""),
            "target": r.target,
            "value": _word_value(r),
            "verdict": r.verdict,
            "basis": r.basis,
        }
        for r in target_rows(figures)
        if r.target != "—"
    ]


def basis_text(figures: PeriodMeasures) -> str:
    """One sentence naming the profiles that judged the figures (the Word reports quote it)."""
    if figures.chosen is not None:
        return f"本表按{figures.chosen.label}（{figures.chosen.document}）判定。"
    used = "；".join(
        f"{j.profile.label}（{j.profile.document}，{j.profile.effective.isoformat()}起受理的申请）{j.count} 户"
        for j in figures.judgements
    )
    text = f"判定依据（按受理日期当天有效的已核实目标方案）：{used}。" if used else ""
    if figures.comparisons:
        names = "、".join(j.profile.label for j in figures.comparisons)
        text += f"{names}的数值尚未对照正式文件核实，表中相应行只作对照，不作判定。"
    return text


def figures_block(
    ctx: PackContext, plan: Plan, start: date, end: date, what: str
) -> tuple[list[Text], list[dict[str, str]], PeriodMeasures | None]:
    """Figures of applications energised in [start, end] (the party's own, or all for the company)."""
    from dataclasses import replace

    from gdcomply.applications.model import CustomerClass

    request = ctx.request
    if not request.inputs:
        return [], [], None
    if len(request.inputs) != 1:
        raise UsageError("--input 只能指定一个申请数据文件")
    app_set = ctx.read_applications(plan, request.inputs[0], request.pauses)
    unit = request.party if request.party in UNIT_PARTIES else None
    chosen = tuple(a for a in app_set.applications if a.energised is not None and start <= a.energised <= end)
    figures = measure_figures(ctx, replace(app_set, applications=chosen), None, unit)
    plan.warnings.extend(w.message for w in figures.warnings)
    res, sm, hv = (figures.of(c) for c in (CustomerClass.RESIDENTIAL, CustomerClass.SMALL_MICRO, CustomerClass.HIGH_VOLTAGE))
    texts = [
        Text(
            f"{what}（{cn_date(start)}至{cn_date(end)}，按送电日期，数据来源：{request.inputs[0].name}），"
            f"低压居民送电 {res.count} 户，平均接电时长 {number_text(res.mean_working_days)} 个工作日，"
            f"超过 {res.limit} 个工作日的 {number_text(res.over_limit)} 户；小微企业送电 {sm.count} 户，平均接电时长 "
            f"{number_text(sm.mean_working_days)} 个工作日（目标不超过 {sm.mean_working_days_target} 个）；"
            f"已送电高压新装及增容 {hv.count} 户，容量合计 {number_text(hv.total_kva if hv.count else Decimal(0))} 千伏安。"
        )
    ]
    if app_set.rows.rejected:
        texts.append(Text(f"申请数据中有 {app_set.rows.rejected} 行有问题，未纳入统计。"))
    basis = basis_text(figures)
    if basis:
        texts.append(Text(basis))
    return texts, word_targets(figures), figures
