"""Report packs: the Excel and Word files a unit or the company submits for one calendar instance.

``build_pack(setup, request, ledger=…, evidence=…, version=…)`` finds the instance the
request names, gathers its data (connection applications, the ledger's statuses, the
--notes), describes every file as plain data — ``Sheet`` specifications for workbooks, a
context of strings, lists and ``Text`` for Word templates — and has ``gdcomply.reports``
render them. This module never imports openpyxl, docxtpl or jinja2 (they are imported
lazily through ``gdcomply.reports`` when a pack is rendered).

A pack is a folder named after the instance (``connection-data_2026-H1_guiyuan``) holding
the documents and ``manifest.json`` (SHA-256 of every file and input, the gdcomply
version, the instance, as_of). It is rendered into a temporary folder beside the target
and renamed into place only when complete, so a failure leaves no half-written pack; an
existing pack is replaced only with ``force``.

Reproducibility: every file depends only on the inputs and as_of (documents' internal
timestamps are set to as_of, zip entries are dated and ordered), so the same inputs give
byte-identical packs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from gdcomply.errors import InputError, RenderError, UsageError

if TYPE_CHECKING:
    from gdcomply.applications.measures import ClassMeasures, PeriodMeasures
    from gdcomply.applications.model import Application, ApplicationSet
    from gdcomply.calendar import Calendar, Instance
    from gdcomply.ledger.evidence import EvidenceStore
    from gdcomply.ledger.sqlite import Ledger
    from gdcomply.packs.notes import Narrative, Section
    from gdcomply.setup import Setup
    from gdcomply.applications.targets import Targets
    from gdcomply.tracking import StatusItem
    from gdcomply.workdays import WorkCalendar

PLACEHOLDER = "（待填写）"
KINDS = ("connection-data", "progress-report", "self-inspection", "rectification")
UNIT_PARTIES = ("guiyuan", "gongdian")
DETAIL_SHEET = "明细"
PAUSE_SHEET = "暂停"
PROBLEM_SHEET = "问题数据"
WORD_HIGH_VOLTAGE_ROWS = 30  # the Word report lists this many; the workbook lists them all


# -- what reports/ renders ------------------------------------------------------------------


class Kind(str, Enum):
    """How a column's values are written: the cell type and number format."""

    TEXT = "text"
    INT = "int"
    DAYS = "days"  # working days with two decimals (means)
    KVA = "kva"
    MONEY = "money"
    DATE = "date"
    SHARE = "share"  # a fraction shown as a percentage
    VERDICT = "verdict"  # 达标 (green) / 未达标 (red) / —


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float = 12.0


@dataclass(frozen=True)
class LineChartSpec:
    """A native Excel line chart over the sheet's own table (column indexes from 0)."""

    title: str
    y_title: str
    x_title: str
    category_column: int
    series_columns: tuple[int, ...]
    anchor: str


@dataclass(frozen=True, eq=False)
class Sheet:
    """A worksheet: optional lines above the table, then a header row and the rows.

    rows may be a generator: the workbook writer streams it (big sheets never sit in memory).
    """

    name: str
    columns: tuple[Column, ...]
    rows: Iterable[Sequence[Any]]
    preamble: tuple[str, ...] = ()
    chart: LineChartSpec | None = None


@dataclass(frozen=True)
class Text:
    """A paragraph of a Word document; a placeholder is shown highlighted, emphasis in red."""

    text: str
    placeholder: bool = False
    emphasis: bool = False


def placeholder() -> Text:
    return Text(PLACEHOLDER, placeholder=True)


# -- requests and results -------------------------------------------------------------------


@dataclass(frozen=True)
class PackRequest:
    obligation: str
    period: str
    party: str
    as_of: date
    out_dir: Path
    inputs: tuple[Path, ...] = ()
    pauses: Path | None = None
    notes: Path | None = None
    make_zip: bool = False
    force: bool = False
    allow_missing: bool = False
    inspect_from: date | None = None
    inspect_to: date | None = None


@dataclass(frozen=True)
class PackFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PackResult:
    folder: Path
    zip_path: Path | None
    instance_id: str
    files: tuple[PackFile, ...]
    warnings: tuple[str, ...]
    missing_units: tuple[str, ...]
    replaced: bool


@dataclass(frozen=True)
class _Input:
    role: str
    path: Path
    name: str  # as recorded in the manifest (no absolute paths: packs stay reproducible)
    party: str | None = None


@dataclass
class _Plan:
    """What one pack consists of, gathered before anything is written."""

    files: list[tuple[str, Callable[[Path], None]]] = field(default_factory=list)
    inputs: list[_Input] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing_units: list[str] = field(default_factory=list)


def needs_ledger(obligation: str, party: str, inputs: Sequence[Path]) -> bool:
    """Whether building this pack reads the ledger (statuses, or the units' submissions)."""
    if obligation == "progress-report":
        return True
    return obligation == "connection-data" and party == "company" and not inputs


# -- small formatting helpers ---------------------------------------------------------------


_CENT = Decimal("0.01")


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _num(value: Decimal | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    else:
        text = str(value)
    return f"{text}{unit}"


def _pct(share: Decimal | None) -> str:
    if share is None:
        return "—"
    return f"{(share * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def _money(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount.quantize(_CENT, rounding=ROUND_HALF_UP):,}"


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# -- the entry point ------------------------------------------------------------------------


def pack_name(obligation: str, period: str, party: str) -> str:
    return f"{obligation}_{period}_{party}"


def build_pack(
    setup: Setup,
    request: PackRequest,
    *,
    version: str,
    ledger: Ledger | None = None,
    evidence: EvidenceStore | None = None,
) -> PackResult:
    """Render the pack the request names into request.out_dir (atomically); see the module doc."""
    from gdcomply.tracking import find_instances

    if request.obligation not in KINDS:
        raise UsageError(
            f"“{request.obligation}”没有报送包。可生成报送包的事项：{'、'.join(KINDS)}"
        )
    instances = find_instances(
        setup.calendar, setup.workdays, request.obligation, request.period, request.party, "all"
    )
    primary = _primary(instances, request.party)
    folder = request.out_dir / pack_name(request.obligation, request.period, request.party)
    zip_path = folder.with_name(folder.name + ".zip") if request.make_zip else None
    if not request.force:
        for existing in (folder, zip_path):
            if existing is not None and existing.exists():
                raise UsageError(f"报送包 {existing} 已存在，未做任何修改。如需重新生成并覆盖，请加 --force")
    _check_inputs(request)

    context = _Context(setup, request, primary, instances, ledger, evidence)
    plan = _PLANNERS[request.obligation](context)
    for name in sorted({name for name, _ in plan.files}):
        if "/" in name or name.startswith("."):
            raise RenderError(f"报送包文件名无效：{name}")

    try:
        request.out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=request.out_dir))
        staging.chmod(0o755)  # mkdtemp makes it private; a pack is an ordinary folder
    except OSError as exc:
        raise RenderError(f"无法在 {request.out_dir} 创建报送包：{exc.strerror or exc}") from None
    staged_zip: Path | None = None
    try:
        written: list[PackFile] = []
        for name, render in plan.files:
            target = staging / name
            try:
                render(target)
            except OSError as exc:
                raise RenderError(f"无法写入 {name}：{exc.strerror or exc}") from None
            sha, size = _sha256(target)
            written.append(PackFile(name, sha, size))
        manifest = _manifest(context, plan, written, version)
        (staging / "manifest.json").write_text(manifest, encoding="utf-8")
        if zip_path is not None:
            from gdcomply.reports.deterministic import write_zip

            staged_zip = zip_path.with_name(f".{zip_path.name}.tmp-{os.getpid()}")
            write_zip(staged_zip, staging, folder.name, request.as_of)
        replaced = _move_into_place(staging, folder, staged_zip, zip_path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if staged_zip is not None:
            staged_zip.unlink(missing_ok=True)
        raise
    return PackResult(
        folder, zip_path, primary.id, tuple(written), tuple(plan.warnings), tuple(plan.missing_units), replaced
    )


def _move_into_place(staging: Path, folder: Path, staged_zip: Path | None, zip_path: Path | None) -> bool:
    replaced = folder.exists()
    old: Path | None = None
    if replaced:
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
    try:
        os.replace(staging, folder)
    except OSError as exc:
        if old is not None:
            os.replace(old, folder)
        raise RenderError(f"无法写入报送包 {folder}：{exc.strerror or exc}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    if staged_zip is not None and zip_path is not None:
        os.replace(staged_zip, zip_path)
    return replaced


def _primary(instances: list[Instance], party: str) -> Instance:
    """The instance the pack is named after: the report to the party's first receiver."""
    preferred = "company" if party in UNIT_PARTIES else "bureau"
    for instance in instances:
        if instance.receiver == preferred:
            return instance
    with_receiver = [i for i in instances if i.receiver]
    return (with_receiver or instances)[0]


def _check_inputs(request: PackRequest) -> None:
    problems = []
    for path in (*request.inputs, request.pauses, request.notes):
        if path is None:
            continue
        if not path.exists():
            problems.append(f"{path}：文件不存在")
        elif path.is_dir():
            problems.append(f"{path}：是目录，不是文件")
    if problems:
        raise InputError("以下输入文件无法使用，未生成报送包：\n" + "\n".join(problems))


def _manifest(context: _Context, plan: _Plan, files: list[PackFile], version: str) -> str:
    request = context.request
    inputs = []
    for item in plan.inputs:
        sha, size = _sha256(item.path)
        entry: dict[str, Any] = {"role": item.role, "name": item.name, "sha256": sha, "size": size}
        if item.party:
            entry["party"] = item.party
        inputs.append(entry)
    document = {
        "gdcomply_version": version,
        "pack": request.obligation,
        "instance_id": context.primary.id,
        "instances": [i.id for i in context.instances],
        "period": request.period,
        "party": request.party,
        "as_of": request.as_of.isoformat(),
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in files],
        "inputs": inputs,
        "missing_units": list(plan.missing_units),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# -- shared context -------------------------------------------------------------------------


class _Context:
    """Everything a planner needs, with the loaders it shares."""

    def __init__(
        self,
        setup: Setup,
        request: PackRequest,
        primary: Instance,
        instances: list[Instance],
        ledger: Ledger | None,
        evidence: EvidenceStore | None,
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

    def config_inputs(self) -> list[_Input]:
        """The config files the figures depend on (recorded in the manifest)."""
        found = []
        for name in ("deadlines.yaml", "holidays.yaml", "targets.yaml"):
            path = self.config_dir / name
            if path.is_file():
                found.append(_Input("config", path, f"config/{name}"))
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

    def word(self, plan: _Plan, template_name: str, filename: str, context: dict[str, Any]) -> None:
        template = self.template(template_name)
        if not template.is_file():
            raise RenderError(f"找不到模板 {template_name}（工作区 templates/ 和内置模板中都没有）")
        plan.inputs.append(_Input("template", template, f"templates/{template_name}"))
        as_of = self.request.as_of

        def render(target: Path) -> None:
            from gdcomply.reports.docx_pack import render_docx

            render_docx(template, context, target, as_of=as_of)

        plan.files.append((filename, render))

    def workbook(self, plan: _Plan, filename: str, sheets: Callable[[], list[Sheet]]) -> None:
        as_of = self.request.as_of

        def render(target: Path) -> None:
            from gdcomply.reports.xlsx_pack import write_workbook

            write_workbook(sheets(), target, as_of=as_of)

        plan.files.append((filename, render))

    def read_applications(self, plan: _Plan, path: Path, pauses: Path | None) -> ApplicationSet:
        from gdcomply.applications.read import read_applications

        plan.inputs.append(_Input("applications", path, path.name))
        if pauses is not None:
            plan.inputs.append(_Input("pauses", pauses, pauses.name))
        return read_applications(path, pauses, self.targets, display=path.name,
                                 pauses_display=pauses.name if pauses else None)  # fmt: skip

    def narrative(self, plan: _Plan, sections: tuple[Section, ...]) -> Narrative | None:
        from gdcomply.packs.notes import load_narrative

        if self.request.notes is None:
            return None
        plan.inputs.append(_Input("notes", self.request.notes, self.request.notes.name))
        return load_narrative(self.request.notes, sections)


def _paragraphs(narrative: Narrative | None, key: str) -> list[Text]:
    texts = narrative.of(key) if narrative is not None else ()
    return [Text(t) for t in texts] if texts else [placeholder()]


def _unit_only(request: PackRequest, what: str) -> None:
    if request.party not in UNIT_PARTIES:
        raise UsageError(f"{what}由两供电单位编制（--party guiyuan 或 gongdian）")


# -- connection data ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Measured:
    """One application of the period with its connection time (what the 明细 sheet holds)."""

    application: Application
    working_days: int
    paused_days: int
    limit: int | None
    where: str

    @property
    def address(self) -> str:
        return self.application.address

    @property
    def voltage(self) -> str:
        return self.application.voltage

    @property
    def channel(self) -> str:
        return self.application.channel


def _period_of(request: PackRequest):
    from gdcomply.applications.model import Period

    return Period.parse(request.period)


def _measured_rows(
    app_set: ApplicationSet, workdays: WorkCalendar, targets: Targets, period, unit: str | None,
) -> list[_Measured]:  # fmt: skip
    from gdcomply.applications.model import connection_time, limit_for

    rows = []
    for application in app_set.applications:
        energised = application.energised
        if energised is None or energised not in period or (unit is not None and application.unit != unit):
            continue
        working_days, paused = connection_time(workdays, application, energised)
        rows.append(
            _Measured(
                application, working_days, paused, limit_for(targets, application.customer_class),
                app_set.where(application) if app_set.location else "",
            )  # fmt: skip
        )
    rows.sort(key=lambda m: (m.application.energised, m.application.application_id))
    return rows


_DETAIL_COLUMNS = (
    Column("申请编号", Kind.TEXT, 16),
    Column("供电单位", Kind.TEXT, 10),
    Column("户名", Kind.TEXT, 28),
    Column("用电地址", Kind.TEXT, 32),
    Column("业务类型", Kind.TEXT, 14),
    Column("类别", Kind.TEXT, 12),
    Column("小微企业", Kind.TEXT, 8),
    Column("电压等级", Kind.TEXT, 9),
    Column("容量(kVA)", Kind.KVA, 11),
    Column("受理日期", Kind.DATE, 11),
    Column("送电日期", Kind.DATE, 11),
    Column("客户原因暂停", Kind.TEXT, 24),
    Column("暂停工作日", Kind.INT, 9),
    Column("接电时长(工作日)", Kind.INT, 10),
    Column("时限(工作日)", Kind.INT, 9),
    Column("是否超限", Kind.TEXT, 8),
    Column("环节数", Kind.INT, 7),
    Column("申请材料数", Kind.INT, 8),
    Column("接电费用(元)", Kind.MONEY, 12),
    Column("跑动次数", Kind.INT, 8),
    Column("受理渠道", Kind.TEXT, 14),
    Column("来源", Kind.TEXT, 22),
)
DETAIL_HEADERS = tuple(c.header for c in _DETAIL_COLUMNS)


def _pause_text(application: Application) -> str:
    """The pauses for people to read beside the row; the program reads them from the 暂停 sheet."""
    parts = []
    for pause in application.pauses:
        end = pause.end.isoformat() if pause.end else ""
        parts.append(f"{pause.start.isoformat()}~{end}" + (f" {pause.reason}" if pause.reason else ""))
    return "；".join(parts)


# One row per pause, the columns of the pauses table users give the tool: a reason keeps any
# text (a “；” included), and the dates are date cells, so the company reads them back exactly.
_PAUSE_COLUMNS = (
    Column("申请编号", Kind.TEXT, 16),
    Column("暂停开始", Kind.DATE, 11),
    Column("暂停结束", Kind.DATE, 11),
    Column("原因", Kind.TEXT, 40),
)
PAUSE_HEADERS = tuple(c.header for c in _PAUSE_COLUMNS)


def _pause_rows(rows: list[_Measured]) -> Iterator[tuple]:
    for m in rows:
        for pause in m.application.pauses:
            yield m.application.application_id, pause.start, pause.end, pause.reason


def _detail_rows(rows: list[_Measured], targets: Targets) -> Iterator[tuple]:
    from gdcomply.applications.model import CustomerClass

    for m in rows:
        a = m.application
        yield (
            a.application_id, targets.unit_name(a.unit), a.customer, m.address, a.business_type.value,
            a.customer_class.label, "是" if a.customer_class is CustomerClass.SMALL_MICRO else "否", m.voltage,
            a.capacity_kva, a.accepted, a.energised, _pause_text(a), m.paused_days, m.working_days, m.limit,
            ("是" if m.working_days > m.limit else "否") if m.limit is not None else "", a.steps, a.materials,
            a.cost, a.visits, m.channel, m.where,
        )  # fmt: skip


@dataclass(frozen=True)
class _TargetRow:
    customer_class: str
    measure: str
    target: str
    value: Any
    kind: Kind
    verdict: str  # 达标 | 未达标 | —
    note: str = ""


def _verdict(figures: ClassMeasures, breach: str | None, applies: bool = True) -> str:
    if figures.count == 0 or not applies or breach is None:
        return "—"
    return "未达标" if breach in figures.breaches else "达标"


def target_rows(figures: PeriodMeasures) -> list[_TargetRow]:
    """Every target of the plan beside the figure, met or missed (the 汇总 sheet's table)."""
    from gdcomply.applications.model import CustomerClass

    rows: list[_TargetRow] = []
    res = figures.of(CustomerClass.RESIDENTIAL)
    sm = figures.of(CustomerClass.SMALL_MICRO)
    other = figures.of(CustomerClass.OTHER_LOW_VOLTAGE)
    hv = figures.of(CustomerClass.HIGH_VOLTAGE)

    label = CustomerClass.RESIDENTIAL.label
    rows += [
        _TargetRow(label, "送电户数", "—", res.count, Kind.INT, "—"),
        _TargetRow(label, "平均接电时长(工作日)", "—", res.mean_working_days, Kind.DAYS, "—"),
        _TargetRow(label, "最长接电时长(工作日)", f"≤{res.limit}" if res.limit is not None else "—",
                   res.max_working_days, Kind.INT, _verdict(res, "limit", res.limit is not None)),
        _TargetRow(label, "超过时限户数", "0", res.over_limit, Kind.INT, _verdict(res, "limit", res.limit is not None),
                   f"每户接电时长不超过{res.limit}个工作日" if res.limit is not None else ""),
        _TargetRow(label, "零跑动（一次都不跑）占比", "100%", res.zero_visit_share, Kind.SHARE,
                   _verdict(res, "visits", res.zero_visit_share is not None), "跑动次数目标：0"),
    ]  # fmt: skip
    label = CustomerClass.SMALL_MICRO.label
    rows += [
        _TargetRow(label, "送电户数", "—", sm.count, Kind.INT, "—"),
        _TargetRow(label, "平均接电时长(工作日)", f"≤{sm.mean_working_days_target}", sm.mean_working_days,
                   Kind.DAYS, _verdict(sm, "mean_working_days")),
        _TargetRow(label, "最长接电时长(工作日)", "—", sm.max_working_days, Kind.INT, "—"),
        _TargetRow(label, "超过预警时限户数", "—", sm.over_limit, Kind.INT, "—",
                   f"单户超过{sm.limit}个工作日（预警）" if sm.limit is not None else ""),
        _TargetRow(label, "平均环节数", f"{sm.steps_target}", sm.mean_steps, Kind.DAYS,
                   _verdict(sm, "steps", sm.mean_steps is not None), "报装、验收接表接电两个环节"),
        _TargetRow(label, "平均申请材料数", "—", sm.mean_materials, Kind.DAYS, "—"),
        _TargetRow(label, "平均接电费用(元)", _money(sm.cost_target), sm.mean_cost, Kind.MONEY,
                   _verdict(sm, "cost", sm.mean_cost is not None), "零投资"),
        _TargetRow(label, "接电费用合计(元)", "—", sm.total_cost if sm.count else None, Kind.MONEY, "—"),
        _TargetRow(label, "零投资占比", "100%", sm.zero_cost_share, Kind.SHARE,
                   _verdict(sm, "cost", sm.zero_cost_share is not None)),
        _TargetRow(label, "平均跑动次数", "—", sm.mean_visits, Kind.DAYS, "—"),
        _TargetRow(label, f"跑动超过{sm.visits_target}次的户数", "0", sm.over_visits if sm.mean_visits is not None else None,
                   Kind.INT, _verdict(sm, "visits", sm.mean_visits is not None), "最多跑一次"),
        _TargetRow(label, f"容量{_num(sm.capacity_kva_target)}kVA及以下占比", "—", sm.within_capacity_share,
                   Kind.SHARE, "—", "低压接入容量提升至160千伏安"),
    ]  # fmt: skip
    label = CustomerClass.HIGH_VOLTAGE.label
    rows += [
        _TargetRow(label, "已送电高压新装及增容户数", "—", hv.count, Kind.INT, "—"),
        _TargetRow(label, "容量合计(kVA)", "—", hv.total_kva if hv.count else None, Kind.KVA, "—"),
        _TargetRow(label, "平均接电时长(工作日)", "—", hv.mean_working_days, Kind.DAYS, "—"),
        _TargetRow(label, "平均跑动次数", "—", hv.mean_visits, Kind.DAYS, "—"),
        _TargetRow(label, f"跑动超过{hv.visits_target}次的户数", "0", hv.over_visits if hv.mean_visits is not None else None,
                   Kind.INT, _verdict(hv, "visits", hv.mean_visits is not None), "最多跑一次"),
    ]  # fmt: skip
    label = CustomerClass.OTHER_LOW_VOLTAGE.label
    rows += [
        _TargetRow(label, "送电户数", "—", other.count, Kind.INT, "—"),
        _TargetRow(label, "平均接电时长(工作日)", "—", other.mean_working_days, Kind.DAYS, "—"),
    ]
    return rows


def _summary_sheet(title: str, lines: list[str], figures: PeriodMeasures) -> Sheet:
    columns = (
        Column("类别", Kind.TEXT, 14),
        Column("指标", Kind.TEXT, 30),
        Column("方案目标", Kind.TEXT, 12),
        Column("本期数值", Kind.DAYS, 14),
        Column("是否达标", Kind.VERDICT, 10),
        Column("说明", Kind.TEXT, 30),
    )
    rows = [(r.customer_class, r.measure, r.target, Typed(r.value, r.kind), r.verdict, r.note) for r in target_rows(figures)]
    return Sheet("汇总", columns, rows, preamble=(title, *lines))


@dataclass(frozen=True)
class Typed:
    """A value whose cell type differs from its column's (the 汇总 sheet mixes counts and shares)."""

    value: Any
    kind: Kind


def _word_value(row: _TargetRow) -> str:
    if row.value is None:
        return "—"
    if row.kind is Kind.SHARE:
        return _pct(row.value)
    if row.kind is Kind.MONEY:
        return _money(row.value)
    return _num(row.value)


def _word_targets(figures: PeriodMeasures) -> list[dict[str, str]]:
    return [
        {"measure": f"{r.customer_class}：{r.measure}", "target": r.target, "value": _word_value(r), "verdict": r.verdict}
        for r in target_rows(figures)
        if r.target != "—"
    ]


def _monthly_sheet(rows: list[_Measured], period, targets: Targets) -> Sheet:
    from gdcomply.applications.model import CustomerClass

    months = [(period.year, m) for m in (range(1, 7) if period.half == 1 else range(7, 13))]
    sums: dict[tuple[int, CustomerClass], list[int]] = {}
    for m in rows:
        key = (m.application.energised.month, m.application.customer_class)  # type: ignore[union-attr]
        bucket = sums.setdefault(key, [0, 0])
        bucket[0] += m.working_days
        bucket[1] += 1

    def mean(month: int, cls: CustomerClass) -> Decimal | None:
        total, count = sums.get((month, cls), (0, 0))
        return (Decimal(total) / count).quantize(_CENT, rounding=ROUND_HALF_UP) if count else None

    def count(month: int, cls: CustomerClass) -> int:
        return sums.get((month, cls), (0, 0))[1]

    res_target = targets.residential_limit
    sm_target = targets.small_micro_mean_working_days
    table = [
        (
            f"{year}-{month:02d}",
            mean(month, CustomerClass.RESIDENTIAL), res_target,
            mean(month, CustomerClass.SMALL_MICRO), sm_target,
            mean(month, CustomerClass.HIGH_VOLTAGE),
            count(month, CustomerClass.RESIDENTIAL), count(month, CustomerClass.SMALL_MICRO),
            count(month, CustomerClass.HIGH_VOLTAGE),
        )  # fmt: skip
        for year, month in months
    ]
    columns = (
        Column("月份", Kind.TEXT, 10),
        Column("低压居民平均接电时长", Kind.DAYS, 12),
        Column("低压居民时限", Kind.INT, 10),
        Column("小微企业平均接电时长", Kind.DAYS, 12),
        Column("小微企业平均目标", Kind.INT, 10),
        Column("高压平均接电时长", Kind.DAYS, 12),
        Column("低压居民户数", Kind.INT, 10),
        Column("小微企业户数", Kind.INT, 10),
        Column("高压户数", Kind.INT, 10),
    )
    chart = LineChartSpec("月度平均接电时长与目标", "工作日", "月份", 0, (1, 2, 3, 4, 5), "A10")
    return Sheet("月度趋势", columns, table, chart=chart)


def _problem_sheet(problems: Iterable, source: str) -> Sheet:
    """Rejected rows with where and why; source (the “数据来源：…” line naming the export and its
    SHA-256) tells the company which file the positions refer to."""
    columns = (Column("位置", Kind.TEXT, 36), Column("问题", Kind.TEXT, 80))
    preamble = ("未纳入统计的问题数据", source) if source else ("未纳入统计的问题数据",)
    return Sheet(PROBLEM_SHEET, columns, ((p.where, p.message) for p in problems), preamble=preamble)


def _connection_sheets(
    title: str, lines: list[str], figures: PeriodMeasures, rows: list[_Measured], period, targets: Targets,
    problems: Iterable, problem_source: str = "",
) -> list[Sheet]:  # fmt: skip
    from gdcomply.applications.model import CustomerClass

    hv = [m for m in rows if m.application.customer_class is CustomerClass.HIGH_VOLTAGE]
    sm = [m for m in rows if m.application.customer_class is CustomerClass.SMALL_MICRO]
    res_over = [
        m for m in rows
        if m.application.customer_class is CustomerClass.RESIDENTIAL and m.limit is not None and m.working_days > m.limit
    ]  # fmt: skip
    smf = figures.of(CustomerClass.SMALL_MICRO)
    resf = figures.of(CustomerClass.RESIDENTIAL)
    return [
        _summary_sheet(title, lines, figures),
        Sheet(
            "高压新装增容",
            (
                Column("申请编号", Kind.TEXT, 16), Column("户名", Kind.TEXT, 30), Column("用电地址", Kind.TEXT, 32),
                Column("业务类型", Kind.TEXT, 12), Column("电压等级", Kind.TEXT, 9), Column("容量(kVA)", Kind.KVA, 11),
                Column("受理日期", Kind.DATE, 11), Column("送电日期", Kind.DATE, 11),
                Column("接电时长(工作日)", Kind.INT, 10),
            ),  # fmt: skip
            (
                (m.application.application_id, m.application.customer, m.address, m.application.business_type.value,
                 m.voltage, m.application.capacity_kva, m.application.accepted, m.application.energised, m.working_days)
                for m in hv
            ),  # fmt: skip
        ),
        Sheet(
            "小微企业",
            (
                Column("申请编号", Kind.TEXT, 16), Column("户名", Kind.TEXT, 30), Column("用电地址", Kind.TEXT, 32),
                Column("业务类型", Kind.TEXT, 14), Column("容量(kVA)", Kind.KVA, 11), Column("受理日期", Kind.DATE, 11),
                Column("送电日期", Kind.DATE, 11), Column("办理时长(工作日)", Kind.INT, 10), Column("环节数", Kind.INT, 7),
                Column("申请材料数", Kind.INT, 8), Column("接电费用(元)", Kind.MONEY, 12), Column("跑动次数", Kind.INT, 8),
            ),  # fmt: skip
            (
                (m.application.application_id, m.application.customer, m.address, m.application.business_type.value,
                 m.application.capacity_kva, m.application.accepted, m.application.energised, m.working_days,
                 m.application.steps, m.application.materials, m.application.cost, m.application.visits)
                for m in sm
            ),  # fmt: skip
            preamble=(
                f"小微企业 {smf.count} 户",
                f"平均办理时长：{_num(smf.mean_working_days)} 个工作日（目标不超过 {smf.mean_working_days_target} 个）",
                f"平均环节数：{_num(smf.mean_steps)}（目标 {smf.steps_target} 个：报装、验收接表接电）",
                f"平均申请材料数：{_num(smf.mean_materials)} 份",
                f"平均接电费用：{_money(smf.mean_cost)} 元，合计 {_money(smf.total_cost)} 元，零投资占比 {_pct(smf.zero_cost_share)}",
            ),
        ),
        Sheet(
            "低压居民",
            (
                Column("申请编号", Kind.TEXT, 16), Column("户名", Kind.TEXT, 16), Column("用电地址", Kind.TEXT, 32),
                Column("业务类型", Kind.TEXT, 14), Column("受理日期", Kind.DATE, 11), Column("送电日期", Kind.DATE, 11),
                Column("暂停工作日", Kind.INT, 9), Column("接电时长(工作日)", Kind.INT, 10),
                Column("超出工作日", Kind.INT, 9),
            ),  # fmt: skip
            (
                (m.application.application_id, m.application.customer, m.address, m.application.business_type.value,
                 m.application.accepted, m.application.energised, m.paused_days, m.working_days,
                 m.working_days - (m.limit or 0))
                for m in res_over
            ),  # fmt: skip
            preamble=(
                f"低压居民 {resf.count} 户，平均接电时长 {_num(resf.mean_working_days)} 个工作日，"
                f"最长 {_num(resf.max_working_days)} 个工作日",
                f"超过 {resf.limit} 个工作日的 {_num(resf.over_limit)} 户（下表逐户列出）；零跑动占比 {_pct(resf.zero_visit_share)}",
            ),
        ),
        _monthly_sheet(rows, period, targets),
        Sheet(DETAIL_SHEET, _DETAIL_COLUMNS, _detail_rows(rows, targets)),
        Sheet(PAUSE_SHEET, _PAUSE_COLUMNS, _pause_rows(rows)),
        _problem_sheet(problems, problem_source),
    ]


def _connection_word(
    ctx: _Context, figures: PeriodMeasures, rows: list[_Measured], period, source_lines: list[str],
    notices: list[Text], workbook_name: str,
) -> dict[str, Any]:  # fmt: skip
    from gdcomply.applications.model import CustomerClass

    sender = ctx.party_full(ctx.request.party)
    context = ctx.base_context(f"{sender}{period.label}用户报装信息报送说明")
    res, sm, other, hv = (figures.of(c) for c in (CustomerClass.RESIDENTIAL, CustomerClass.SMALL_MICRO,
                                                  CustomerClass.OTHER_LOW_VOLTAGE, CustomerClass.HIGH_VOLTAGE))  # fmt: skip
    total = res.count + sm.count + other.count + hv.count
    range_text = f"{cn_date(period.start)}至{cn_date(period.end)}"
    hv_rows = [m for m in rows if m.application.customer_class is CustomerClass.HIGH_VOLTAGE]
    context.update(
        notices=notices,
        period_label=period.label,
        period_range=range_text,
        overview=[Text(
            f"{range_text}，{sender}已送电的用户报装共 {total} 户，其中高压新装及增容 {hv.count} 户"
            f"（容量合计 {_num(hv.total_kva if hv.count else Decimal(0))} 千伏安），小微企业 {sm.count} 户，"
            f"低压居民 {res.count} 户，其他低压非居民 {other.count} 户。"
        )],
        high_voltage_text=[Text(
            f"本期已送电的高压新装及增容 {hv.count} 户，容量合计 {_num(hv.total_kva if hv.count else Decimal(0))} 千伏安，"
            f"平均接电时长 {_num(hv.mean_working_days)} 个工作日。" if hv.count else "本期没有已送电的高压新装及增容。"
        )],
        high_voltage_rows=[
            {"application_id": m.application.application_id, "customer": m.application.customer,
             "business_type": m.application.business_type.value, "capacity_kva": _num(m.application.capacity_kva),
             "accepted": m.application.accepted.isoformat(),
             "energised": m.application.energised.isoformat(),  # type: ignore[union-attr]
             "working_days": str(m.working_days)}
            for m in hv_rows[:WORD_HIGH_VOLTAGE_ROWS]
        ],  # fmt: skip
        high_voltage_more=[Text(f"上表列出前 {WORD_HIGH_VOLTAGE_ROWS} 户，全部 {len(hv_rows)} 户见附件“高压新装增容”工作表。")]
        if len(hv_rows) > WORD_HIGH_VOLTAGE_ROWS else [],
        small_micro_text=[Text(
            f"本期小微企业送电 {sm.count} 户，平均办理时长 {_num(sm.mean_working_days)} 个工作日"
            f"（《方案》目标不超过 {sm.mean_working_days_target} 个工作日，{_verdict(sm, 'mean_working_days')}）；"
            f"平均环节数 {_num(sm.mean_steps)} 个（目标 {sm.steps_target} 个）；平均申请材料 {_num(sm.mean_materials)} 份；"
            f"平均接电费用 {_money(sm.mean_cost)} 元，零投资占比 {_pct(sm.zero_cost_share)}；"
            f"平均跑动 {_num(sm.mean_visits)} 次。"
        ) if sm.count else Text("本期没有小微企业送电。")],
        residential_text=[Text(
            f"本期低压居民送电 {res.count} 户，平均接电时长 {_num(res.mean_working_days)} 个工作日，"
            f"最长 {_num(res.max_working_days)} 个工作日；超过 {res.limit} 个工作日的 {_num(res.over_limit)} 户"
            f"（逐户见附件“低压居民”工作表）；零跑动（一次都不跑）占比 {_pct(res.zero_visit_share)}。"
        ) if res.count else Text("本期没有低压居民送电。")],
        targets=_word_targets(figures),
        data_notes=[Text(line) for line in source_lines] + [Text(
            "接电时长按工作日计：自受理日期次日起至送电日期（含）止的工作日数，扣除客户原因暂停的工作日；"
            "法定节假日和调休按国务院办公厅的安排。"
        )],
        attachments=[f"附件：{workbook_name}"],
    )
    return context


def _plan_connection_data(ctx: _Context) -> _Plan:
    period = _period_of(ctx.request)
    if ctx.request.as_of <= period.end:
        raise UsageError(
            f"{period.label}（{period}）到 {period.end.isoformat()} 才结束，截至 {ctx.request.as_of.isoformat()} "
            f"尚未结束，不能生成其用户报装信息报送包。请在 {(period.end + timedelta(days=1)).isoformat()} "
            "及以后生成（或用 --as-of 指定日期）"
        )
    if ctx.request.party == "company":
        return _plan_company_connection_data(ctx)
    request = ctx.request
    _unit_only(request, "单位的用户报装信息")
    if len(request.inputs) != 1:
        raise UsageError(
            "请用 --input 指定本单位从营销系统导出的申请数据文件（一个 .xlsx 或 .csv），"
            "如：gdcomply pack connection-data --period 2026-H1 --party guiyuan --input 申请.xlsx"
        )
    if request.notes is not None:
        raise UsageError("用户报装信息报送包不使用 --notes")
    plan = _Plan()
    period = _period_of(request)
    app_set = ctx.read_applications(plan, request.inputs[0], request.pauses)
    plan.inputs.extend(ctx.config_inputs())
    party = request.party
    figures = _measure(ctx, app_set, period, party)
    rows = _measured_rows(app_set, ctx.workdays, ctx.targets, period, party)
    others = sum(1 for a in app_set.applications if a.unit != party)
    unit_name = ctx.party_full(party)
    source_lines = [
        f"数据来源：{request.inputs[0].name}，读取 {app_set.rows.read} 行，有效 {app_set.rows.valid} 行，"
        f"{app_set.rows.rejected} 行有问题未纳入统计（逐行见附件“{PROBLEM_SHEET}”工作表）。"
    ]
    if others:
        source_lines.append(f"文件中另有其他单位的申请 {others} 条，未纳入本单位统计。")
    plan.warnings.extend(w.message for w in figures.warnings)
    if app_set.rows.rejected:
        plan.warnings.append(f"申请数据有 {app_set.rows.rejected} 行有问题，未纳入统计，已列入“{PROBLEM_SHEET}”工作表")
    stem = f"{period.year}{'上' if period.half == 1 else '下'}半年_{unit_name}"
    workbook_name = f"用户报装信息_{stem}.xlsx"
    title = f"{unit_name} {period.label}用户报装信息汇总"
    lines = [
        f"统计期间：{period.start.isoformat()} 至 {period.end.isoformat()}（按送电日期）",
        *source_lines,
        f"生成日期：{request.as_of.isoformat()}",
    ]
    problems = app_set.problems
    targets = ctx.targets
    exports = [(request.inputs[0], "")] + ([(request.pauses, "暂停：")] if request.pauses is not None else [])
    source = _SOURCE_PREFIX + "，".join(f"{label}{path.name}（SHA-256：{_sha256(path)[0]}）" for path, label in exports)
    ctx.workbook(plan, workbook_name, lambda: _connection_sheets(
        title, lines, figures, rows, period, targets, problems, source,
    ))  # fmt: skip
    context = _connection_word(ctx, figures, rows, period, source_lines, [], workbook_name)
    ctx.word(plan, "connection-data.docx", f"用户报装信息报送说明_{stem}.docx", context)
    return plan


def _measure(ctx: _Context, app_set: ApplicationSet, period, unit: str | None) -> PeriodMeasures:
    from gdcomply.applications.measures import measure

    return measure(app_set, ctx.workdays, ctx.targets, period=period, unit=unit)


# -- company consolidation ------------------------------------------------------------------


def _unit_parties(ctx: _Context) -> list[str]:
    """The units whose reports feed the company's instance, in calendar order."""
    year = int(ctx.request.period.split("-", 1)[0])
    feeding = [
        i.sender
        for i in ctx.calendar.instances_for_years(year - 1, year + 1, ctx.workdays)
        if i.parent == ctx.primary.id
    ]
    return list(dict.fromkeys(feeding))


def _plan_company_connection_data(ctx: _Context) -> _Plan:
    from gdcomply.applications.model import ApplicationSet, RowCounts

    request = ctx.request
    if request.notes is not None:
        raise UsageError("用户报装信息报送包不使用 --notes")
    if request.pauses is not None:
        raise UsageError("公司汇总使用各单位报送包中已扣除暂停的明细，不使用 --pauses")
    plan = _Plan()
    period = _period_of(request)
    units = _unit_parties(ctx)
    sources: list[tuple[str | None, Path, str, str]] = []  # (party, path, shown name, how it was found)
    unusable: dict[str, _Unusable] = {}  # units whose active submission holds no pack workbook
    if request.inputs:
        for path in request.inputs:
            sources.append((None, path, path.name, f"文件 {path.name}"))
    else:
        if ctx.ledger is None or ctx.evidence is None:
            raise UsageError("公司汇总需要台账（或用 --input 指定各单位的报送包 Excel）")
        for unit in units:
            found = _unit_submission(ctx, unit, period)
            if isinstance(found, _Unusable):
                unusable[unit] = found
            elif found is not None:
                sources.append((unit, *found))
    applications: list[Application] = []
    problems: list = []
    wheres: dict[str, str] = {}
    declared: dict[str, int] = {}
    # A rejected row of an export both units read is in both their packs: list it once.
    seen_problems: set[tuple[str, str, str]] = set()
    read = valid = 0
    present: dict[str, str] = {}
    for party, path, shown, how in sources:
        plan.inputs.append(_Input("unit-pack", path, shown, party))
        detail = read_unit_pack(path, shown, ctx.targets, period, ctx.workdays)
        if party is not None and detail.units - {party}:
            other = "、".join(sorted(ctx.targets.unit_name(u) for u in detail.units - {party}))
            raise InputError(f"{how}是{ctx.targets.unit_name(party)}的报送记录，但明细中有其他单位（{other}）的数据")
        for unit in detail.units or ({party} if party else set()):
            if unit in present:
                raise InputError(f"{ctx.targets.unit_name(unit)}的明细出现了两次：{present[unit]} 和 {how}")
            present[unit] = how
        applications.extend(detail.applications)
        wheres.update(detail.wheres)
        declared.update(detail.declared)
        for problem in detail.problems:
            key = (detail.problem_source, problem.where, problem.message)
            if key not in seen_problems:
                seen_problems.add(key)
                problems.append(problem)
        read += len(detail.applications)
        valid += len(detail.applications)
    read += len(problems)
    missing = [u for u in units if u not in present]
    if missing and not request.allow_missing:
        raise InputError(
            "\n".join(_missing_reason(ctx, unit, unusable.get(unit), period) for unit in missing)
            + "；或加 --allow-missing 生成注明缺报的汇总"
        )
    plan.missing_units = missing
    missing_unsent = [u for u in missing if u not in unusable]
    missing_unusable = [u for u in missing if u in unusable]
    plan.warnings.extend(
        f"{ctx.targets.unit_name(u)}的{unusable[u].describe().removeprefix('其')}，本汇总未包含其数据"
        for u in missing_unusable
    )
    plan.inputs.extend(ctx.config_inputs())
    app_set = ApplicationSet("", "", tuple(applications), tuple(problems), RowCounts(read, valid, len(problems)))
    figures = _measure(ctx, app_set, period, None)
    rows = _measured_rows(app_set, ctx.workdays, ctx.targets, period, None)
    rows = [
        _Measured(m.application, m.working_days, m.paused_days, m.limit, wheres.get(m.application.application_id, ""))
        for m in rows
    ]
    plan.warnings.extend(w.message for w in figures.warnings)
    differing = [m for m in rows if declared.get(m.application.application_id, m.working_days) != m.working_days]
    if differing:
        first = differing[0]
        plan.warnings.append(
            f"{len(differing)} 条明细的接电时长与按公司工作日历重算的不同（如 {first.application.application_id}："
            f"单位填报 {declared[first.application.application_id]}，重算 {first.working_days}），"
            "汇总按公司的工作日历计算；请核对各单位的 config/holidays.yaml 是否与公司一致"
        )
    included = "、".join(f"{ctx.targets.unit_name(u)}（{present[u]}）" for u in present) or "无"
    source_lines = [f"汇总来源：{included}；有效明细 {valid} 条。"]
    notices: list[Text] = []
    for group, unsent in ((missing_unsent, True), (missing_unusable, False)):
        if not group:
            continue
        names = "、".join(ctx.targets.unit_name(u) for u in group)
        what = "尚未报送" if unsent else "未按规定格式报送（报送的文件中没有用户报装信息明细）"
        notice = f"注意：{names}的{period.label}用户报装信息{what}，本汇总未包含{names}的数据。"
        notices.append(Text(notice, emphasis=True))
        source_lines.insert(len(notices) - 1, notice)
        if unsent:
            plan.warnings.append(notice.removeprefix("注意："))
    name = ctx.party_full("company")
    stem = f"{period.year}{'上' if period.half == 1 else '下'}半年_{name}"
    workbook_name = f"用户报装信息_{stem}.xlsx"
    title = f"{name} {period.label}用户报装信息汇总"
    lines = [
        f"统计期间：{period.start.isoformat()} 至 {period.end.isoformat()}（按送电日期）",
        *source_lines,
        f"生成日期：{request.as_of.isoformat()}",
    ]
    targets = ctx.targets
    ctx.workbook(plan, workbook_name, lambda: _connection_sheets(title, lines, figures, rows, period, targets, problems))
    context = _connection_word(ctx, figures, rows, period, source_lines, notices, workbook_name)
    ctx.word(plan, "connection-data.docx", f"用户报装信息报送说明_{stem}.docx", context)
    return plan


@dataclass(frozen=True)
class _Unusable:
    """A unit's active submission that holds no workbook the company can consolidate."""

    submission_id: int
    submitted_on: date
    reasons: tuple[str, ...]  # one per file: its original name and what is wrong with it

    def describe(self) -> str:
        return (
            f"其报送记录 #{self.submission_id}（{self.submitted_on.isoformat()}）中没有可汇总的单位报送包 Excel："
            + "；".join(self.reasons)
        )


def _missing_reason(ctx: _Context, unit: str, unusable: _Unusable | None, period) -> str:
    request = ctx.request
    head = f"缺少 {ctx.targets.unit_name(unit)}（{unit}） 的 {period.label}用户报装信息："
    if request.inputs:
        return head + "--input 中没有其报送包"
    submit = f"gdcomply submit connection-data --period {request.period} --from {unit} --to company 文件…"
    if unusable is None:
        return head + f"台账中没有其有效的报送记录。请先登记其报送：{submit}"
    return head + (
        f"{unusable.describe()}。请用 gdcomply pack connection-data --period {request.period} --party {unit} "
        f"--input 导出文件 生成其报送包，再登记其中的用户报装信息 Excel：{submit}（新的登记取代 #{unusable.submission_id}）"
    )


def _unit_submission(ctx: _Context, unit: str, period) -> tuple[Path, str, str] | _Unusable | None:
    """The workbook of the unit's active connection-data submission to the company; None when
    there is no active submission, _Unusable (saying why) when it holds no pack workbook."""
    assert ctx.ledger is not None and ctx.evidence is not None
    instance_id = f"connection-data/{ctx.request.period}/{unit}->company"
    submission = ctx.ledger.active_submission(instance_id)
    if submission is None:
        return None
    candidates = [f for f in submission.files if f.name.lower().endswith((".xlsx", ".xlsm"))]
    candidates.sort(key=lambda f: (not f.name.startswith("用户报装信息"), f.name))
    reasons = []
    for file in candidates:
        path = ctx.evidence.path_of(file.sha256)
        if not path.is_file():
            reasons.append(f"{file.name} 在材料库中找不到（请运行 gdcomply verify 检查材料库）")
            continue
        problem = _not_a_unit_pack(path)
        if problem is None:
            return path, file.name, f"报送记录 #{submission.id}（{submission.submitted_on.isoformat()}）{file.name}"
        reasons.append(f"{file.name} {problem}")
    others = [f.name for f in submission.files if f not in candidates]
    if others:
        reasons.append(f"{'、'.join(others)} 不是 Excel 文件")
    if not submission.files:
        reasons.append("记录中没有文件")
    return _Unusable(submission.id, submission.submitted_on, tuple(reasons))


def _not_a_unit_pack(path: Path) -> str | None:
    """Why the file is not a unit's pack workbook (None: it has a 明细 sheet to read)."""
    from python_calamine import CalamineWorkbook

    try:
        names = CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:  # not a workbook calamine can open (its errors have no common base class)
        return "无法作为 Excel 工作簿打开（文件损坏，或不是 .xlsx 格式）"
    if DETAIL_SHEET not in names:
        return f"没有“{DETAIL_SHEET}”工作表，不是 gdcomply 生成的单位报送包"
    return None


@dataclass(frozen=True)
class UnitDetail:
    """The 明细 (and 问题数据) of a unit's pack workbook, as applications again."""

    applications: tuple[Application, ...]
    wheres: dict[str, str]  # application id -> where the row came from originally
    declared: dict[str, int]  # application id -> the unit's 接电时长(工作日)
    units: frozenset[str]
    problems: tuple
    rows_read: int
    rows_rejected: int
    # the 问题数据 sheet's “数据来源：…” line (names and SHA-256 of the export the unit read;
    # empty in packs made before it was written): rejected rows are the same rows only when
    # they come from the same source
    problem_source: str = ""


def _cell_date(value: Any) -> date | None:
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value if isinstance(value, date) else None


def _column_letter(index: int) -> str:
    return chr(ord("A") + index)  # the pack's sheets have fewer than 27 columns


def _read_pause_sheet(workbook, shown: str, problems: list) -> dict[str, list] | None:
    """The 暂停 sheet as application id -> [(Pause, sheet row)]; None in packs made before it existed."""
    from gdcomply.applications.model import Pause
    from gdcomply.errors import Problem

    if PAUSE_SHEET not in workbook.sheet_names:
        return None
    rows = workbook.get_sheet_by_name(PAUSE_SHEET).to_python(skip_empty_area=False)
    if not rows or tuple(str(c) for c in rows[0][: len(PAUSE_HEADERS)]) != PAUSE_HEADERS:
        problems.append(Problem(f"{shown}:{PAUSE_SHEET}!A1", "表头与 gdcomply 生成的“暂停”工作表不一致"))
        return {}
    found: dict[str, list] = {}
    for index in range(1, len(rows)):
        row = list(rows[index]) + [""] * (len(PAUSE_HEADERS) - len(rows[index]))
        if all(c in ("", None) for c in row):
            continue
        start, end = _cell_date(row[1]), _cell_date(row[2])
        if start is None:
            problems.append(Problem(f"{shown}:{PAUSE_SHEET}!B{index + 1}", f"暂停开始“{row[1]}”不是日期"))
            continue
        if end is None and row[2] not in ("", None):
            problems.append(Problem(f"{shown}:{PAUSE_SHEET}!C{index + 1}", f"暂停结束“{row[2]}”不是日期"))
            continue
        reason = "" if row[3] is None else str(row[3])
        found.setdefault(str(row[0]), []).append((Pause(start, end, reason), index + 1))
    return found


def _legacy_pause_spans(text: str) -> list[list] | str:
    """Pauses as packs before the 暂停 sheet wrote them: “开始~结束 原因” joined by “；”.

    Returns [[start, end, reason], …], or why the text cannot be read. A part that does not
    begin with a date span continues the previous reason (it had a “；” in it).
    """
    spans: list[list] = []
    for part in text.strip().split("；"):
        match = _LEGACY_SPAN.match(part)
        if match is None:
            if not spans:
                return "不是“开始~结束 原因”的格式"
            spans[-1][2] += "；" + part
            continue
        try:
            start = date.fromisoformat(match[1])
            end = date.fromisoformat(match[2]) if match[2] else None
        except ValueError:
            return f"“{match[0]}”不是有效的日期"
        spans.append([start, end, part[match.end() + 1 :]])
    return spans


def _legacy_pauses(
    text: str, declared_paused: Any, accepted: date, energised: date, workdays: WorkCalendar
) -> tuple | str:
    """The pauses of an old pack's 明细 cell, or why they cannot be read unambiguously.

    Several pauses in one cell are ambiguous when a reason itself held “；YYYY-MM-DD~…”: the
    split is accepted only when its paused working days equal the row's 暂停工作日.
    """
    from gdcomply.applications.model import Pause, paused_working_days

    spans = _legacy_pause_spans(text)
    if isinstance(spans, str):
        return spans
    pauses = tuple(Pause(start, end, reason) for start, end, reason in spans)
    if len(pauses) > 1:
        paused = paused_working_days(workdays, pauses, accepted, energised)
        declared = None if declared_paused in ("", None) else int(declared_paused)
        if declared != paused:
            return (
                f"按“；”分成 {len(pauses)} 段暂停共 {paused} 个工作日，与本行“暂停工作日”"
                f"{'（空）' if declared is None else declared} 不符，无法确定哪些“；”是原因中的文字"
            )
    return pauses


_LEGACY_SPAN = re.compile(r"(\d{4}-\d{2}-\d{2})~(\d{4}-\d{2}-\d{2})?(?= |$)")
_OPTIONAL_TEXT_FIELDS = (("address", "用电地址"), ("voltage", "电压等级"), ("channel", "受理渠道"))


def read_unit_pack(path: Path, shown: str, targets: Targets, period, workdays: WorkCalendar) -> UnitDetail:
    """Read the 明细 sheet of a unit's connection-data workbook back into applications.

    Pauses come from the 暂停 sheet; a pack made before that sheet existed has them only as
    text in 明细, read when unambiguous (see _legacy_pauses). Raises InputError naming every
    bad cell (``FILE:明细!C5: …``).
    """
    from python_calamine import CalamineWorkbook

    from gdcomply.applications.model import Application, BusinessType, CustomerClass, classify
    from gdcomply.errors import Problem

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's errors have no common base class
        raise InputError(f"{shown}：无法作为 Excel 工作簿读取（{exc}）") from None
    if DETAIL_SHEET not in workbook.sheet_names:
        raise InputError(f"{shown}：不是单位的用户报装信息报送包（没有“{DETAIL_SHEET}”工作表）")
    rows = workbook.get_sheet_by_name(DETAIL_SHEET).to_python(skip_empty_area=False)
    if not rows or tuple(str(c) for c in rows[0][: len(DETAIL_HEADERS)]) != DETAIL_HEADERS:
        raise InputError(f"{shown}:{DETAIL_SHEET}!A1：表头与 gdcomply 生成的明细不一致，无法汇总（请用 gdcomply pack 重新生成单位报送包）")
    col = {h: i for i, h in enumerate(DETAIL_HEADERS)}
    problems: list[Problem] = []
    sheet_pauses = _read_pause_sheet(workbook, shown, problems)
    pause_column = _column_letter(col["客户原因暂停"])
    applications: list[Application] = []
    wheres: dict[str, str] = {}
    declared: dict[str, int] = {}
    units: set[str] = set()

    def optional_int(value: Any) -> int | None:
        return None if value in ("", None) else int(value)

    def optional_decimal(value: Any) -> Decimal | None:
        return None if value in ("", None) else Decimal(str(value))

    for index in range(1, len(rows)):
        row = rows[index]
        if all(c in ("", None) for c in row):
            continue
        where = f"{shown}:{DETAIL_SHEET}!A{index + 1}"
        try:
            unit = targets.resolve_unit(str(row[col["供电单位"]]))
            if unit is None:
                raise ValueError(f"未知的供电单位“{row[col['供电单位']]}”")
            business_type = BusinessType(str(row[col["业务类型"]]))
            small_micro = str(row[col["小微企业"]]) == "是"
            accepted, energised = _cell_date(row[col["受理日期"]]), _cell_date(row[col["送电日期"]])
            if accepted is None or energised is None:
                raise ValueError("受理日期或送电日期不是日期")
            if energised not in period:
                raise ValueError(f"送电日期 {energised.isoformat()} 不在 {period.label}内")
            application_id = str(row[col["申请编号"]])
            if sheet_pauses is not None:
                pauses = tuple(pause for pause, _ in sheet_pauses.pop(application_id, ()))
            else:
                text = str(row[col["客户原因暂停"]] or "")
                pauses = _legacy_pauses(text, row[col["暂停工作日"]], accepted, energised, workdays) if text else ()
                if isinstance(pauses, str):
                    problems.append(Problem(
                        f"{shown}:{DETAIL_SHEET}!{pause_column}{index + 1}",
                        f"客户原因暂停“{text}”无法读取：{pauses}。这是没有“{PAUSE_SHEET}”工作表的旧版报送包，"
                        "请该单位用当前版本的 gdcomply 重新生成报送包（暂停逐条列在“暂停”工作表中）",
                    ))  # fmt: skip
                    continue
            customer_class = classify(business_type, small_micro)
            fields: dict[str, Any] = dict(
                application_id=application_id, unit=unit, customer=str(row[col["户名"]]),
                business_type=business_type, customer_class=customer_class,
                capacity_kva=Decimal(str(row[col["容量(kVA)"]])), accepted=accepted, energised=energised,
                steps=optional_int(row[col["环节数"]]), materials=optional_int(row[col["申请材料数"]]),
                cost=optional_decimal(row[col["接电费用(元)"]]), visits=optional_int(row[col["跑动次数"]]),
                pauses=pauses, row=index + 1,
            )  # fmt: skip
            for field_name, header in _OPTIONAL_TEXT_FIELDS:
                fields[field_name] = str(row[col[header]] or "")
            application = Application(**fields)
        except (ValueError, ArithmeticError, TypeError) as exc:
            problems.append(Problem(where, f"明细行无法读取：{exc}"))
            continue
        if customer_class is CustomerClass.SMALL_MICRO and not small_micro:  # pragma: no cover - classify guards
            continue
        applications.append(application)
        units.add(unit)
        wheres[application.application_id] = str(row[col["来源"]] or "") or where
        declared_days = row[col["接电时长(工作日)"]]
        if declared_days not in ("", None):
            declared[application.application_id] = int(declared_days)
    for application_id, orphans in (sheet_pauses or {}).items():
        for _, sheet_row in orphans:
            problems.append(Problem(f"{shown}:{PAUSE_SHEET}!A{sheet_row}", f"申请编号“{application_id}”不在明细中"))
    if problems:
        raise InputError(f"{shown} 的明细有错误（共 {len(problems)} 处）：", problems)
    unit_problems, source = _read_problem_sheet(workbook)
    return UnitDetail(
        tuple(applications), wheres, declared, frozenset(units), tuple(unit_problems),
        len(applications) + len(unit_problems), len(unit_problems), source,
    )  # fmt: skip


_SOURCE_PREFIX = "数据来源："


def _read_problem_sheet(workbook) -> tuple[list, str]:
    """The 问题数据 rows as Problems, and the sheet's “数据来源：…” line ("" in older packs)."""
    from gdcomply.errors import Problem

    if PROBLEM_SHEET not in workbook.sheet_names:
        return [], ""
    rows = workbook.get_sheet_by_name(PROBLEM_SHEET).to_python(skip_empty_area=False)
    header = next((i for i, row in enumerate(rows[:10]) if row and str(row[0]) == "位置"), 0)
    source = next((str(row[0]) for row in rows[:header] if row and str(row[0]).startswith(_SOURCE_PREFIX)), "")
    found = [
        Problem(str(row[0]), str(row[1]) if len(row) > 1 else "")
        for row in rows[header + 1 :]
        if row and str(row[0]).strip()
    ]
    return found, source


# -- progress report ------------------------------------------------------------------------


def progress_sections() -> tuple[Section, ...]:
    from gdcomply.packs.notes import Section

    return (
        Section("二(一)", "加强业扩报装管理，提升业务办理整体水平"),
        Section("二(二)", "创新供电服务方式，保障人民群众便利用电"),
        Section("二(三)", "加大信息公开和宣传力度"),
        Section("二(四)", "坚持问题导向，协同推进问题解决"),
        Section("三", "下一步工作安排"),
    )


def inspection_sections() -> tuple[Section, ...]:
    from gdcomply.packs.notes import Section

    return (
        Section("二(一)", "业扩报装管理和业务办理"),
        Section("二(二)", "供电服务方式"),
        Section("二(三)", "信息公开和宣传"),
        Section("二(四)", "投诉问题处理"),
        Section("三", "存在的问题"),
        Section("四", "下一步整改方向"),
    )


_STATUS_COLUMNS = (
    Column("事项", Kind.TEXT, 30),
    Column("期次", Kind.TEXT, 10),
    Column("报送单位", Kind.TEXT, 12),
    Column("报送对象", Kind.TEXT, 14),
    Column("截止日期", Kind.DATE, 11),
    Column("报送日期", Kind.DATE, 11),
    Column("状态", Kind.TEXT, 10),
    Column("说明", Kind.TEXT, 30),
    Column("报送记录", Kind.TEXT, 10),
)


def _status_note(item: StatusItem) -> str:
    if item.working_days_late is not None:
        return f"逾期 {item.working_days_late} 个工作日"
    if item.working_days_overdue is not None:
        return f"已逾期 {item.working_days_overdue} 个工作日"
    if item.working_days_left is not None:
        return f"还有 {item.working_days_left} 个工作日"
    if item.at_risk_from:
        return "所汇入的单位报送逾期"
    return ""


def _statuses(ctx: _Context, year: int) -> tuple[list[StatusItem], list[StatusItem]]:
    """This year's instances of the party (due in the year) and its milestones, with statuses."""
    from gdcomply.tracking import compute_statuses

    assert ctx.ledger is not None
    party = ctx.request.party
    schedule = ctx.calendar.schedule(date(year, 1, 1), date(year, 12, 31), ctx.workdays)
    milestone_obligations = {
        o.id for o in ctx.calendar.obligations if not o.follows and all(s.receiver is None for s in o.steps)
    }
    first = min((o.first_year for o in ctx.calendar.obligations), default=year)
    milestone_instances = [
        i for i in ctx.calendar.instances_for_years(first, year, ctx.workdays)
        if i.obligation in milestone_obligations and i.sender == party
    ]  # fmt: skip
    submissions: dict[str, list] = {}
    for submission in ctx.ledger.submissions():
        submissions.setdefault(submission.instance_id, []).append(submission)
    everything = list(schedule.instances) + [i for i in milestone_instances if i not in schedule.instances]
    statuses = compute_statuses(
        everything, submissions, as_of=ctx.request.as_of, workdays=ctx.workdays, horizon=5,
        tracking_since=ctx.ledger.tracking_since,
    )  # fmt: skip
    mine = [s for s in statuses if s.instance.sender == party and s.instance in schedule.instances]
    mine.sort(key=lambda s: (s.instance.due, s.instance.order, s.instance.id))
    milestones = [s for s in statuses if s.instance in milestone_instances]
    milestones.sort(key=lambda s: (s.instance.due, s.instance.id))
    return mine, milestones


def _status_row(ctx: _Context, item: StatusItem) -> tuple:
    instance = item.instance
    return (
        instance.title, instance.period, ctx.party_short(instance.sender),
        ctx.party_short(instance.receiver) if instance.receiver else "—",
        instance.due, item.completed_on, item.status.label, _status_note(item),
        f"#{item.submission.id}" if item.submission is not None else "",
    )  # fmt: skip


def _status_word(ctx: _Context, item: StatusItem) -> dict[str, str]:
    instance = item.instance
    note = _status_note(item)
    return {
        "title": instance.title,
        "period": instance.period,
        "receiver": ctx.party_short(instance.receiver) if instance.receiver else "—",
        "due": instance.due.isoformat(),
        "submitted": item.completed_on.isoformat() if item.completed_on else "—",
        "status": item.status.label + (f"（{note.split(' ', 1)[1]}）" if note and item.status.value in ("late", "overdue") else ""),
    }


def _round_label(period: str) -> str:
    year, _, label = period.partition("-")
    if label.startswith("R") and label[1:].isdigit():
        return f"{year}年第{int(label[1:])}次"
    return period


def _figures_block(
    ctx: _Context, plan: _Plan, start: date, end: date, what: str
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
    figures = _measure(ctx, replace(app_set, applications=chosen), None, unit)
    plan.warnings.extend(w.message for w in figures.warnings)
    res, sm, hv = (figures.of(c) for c in (CustomerClass.RESIDENTIAL, CustomerClass.SMALL_MICRO, CustomerClass.HIGH_VOLTAGE))
    texts = [
        Text(
            f"{what}（{cn_date(start)}至{cn_date(end)}，按送电日期，数据来源：{request.inputs[0].name}），"
            f"低压居民送电 {res.count} 户，平均接电时长 {_num(res.mean_working_days)} 个工作日，"
            f"超过 {res.limit} 个工作日的 {_num(res.over_limit)} 户；小微企业送电 {sm.count} 户，平均接电时长 "
            f"{_num(sm.mean_working_days)} 个工作日（目标不超过 {sm.mean_working_days_target} 个）；"
            f"已送电高压新装及增容 {hv.count} 户，容量合计 {_num(hv.total_kva if hv.count else Decimal(0))} 千伏安。"
        )
    ]
    if app_set.rows.rejected:
        texts.append(Text(f"申请数据中有 {app_set.rows.rejected} 行有问题，未纳入统计。"))
    return texts, _word_targets(figures), figures


def _plan_progress_report(ctx: _Context) -> _Plan:
    request = ctx.request
    plan = _Plan()
    year = int(request.period.split("-", 1)[0])
    narrative = ctx.narrative(plan, progress_sections())
    items, milestones = _statuses(ctx, year)
    figures_text, targets, figures = _figures_block(
        ctx, plan, date(request.as_of.year, 1, 1), request.as_of, "本年以来"
    )
    plan.inputs.extend(ctx.config_inputs())
    sender = ctx.party_full(request.party)
    label = _round_label(request.period)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.status.label] = counts.get(item.status.label, 0) + 1
    summary = "，".join(f"{name} {count} 项" for name, count in counts.items())
    status_text = [Text(
        f"截至{cn_date(request.as_of)}，本单位{year}年应报送及完成的事项共 {len(items)} 项" + (f"：{summary}。" if summary else "。")
        + "各事项的截止日期、报送日期和状态见下表（依据报送台账）。"
    )]  # fmt: skip
    stem = f"{label}_{sender}"
    annex = f"工作开展情况报告附表_{stem}.xlsx"
    context = ctx.base_context(f"{sender}用户“获得电力”优质服务工作开展情况报告（{label}）")
    context.update(
        status_text=status_text,
        status_rows=[_status_word(ctx, i) for i in items],
        milestones=[_status_word(ctx, i) for i in milestones],
        section_2_1=_paragraphs(narrative, "二(一)"),
        section_2_2=_paragraphs(narrative, "二(二)"),
        section_2_3=_paragraphs(narrative, "二(三)"),
        section_2_4=_paragraphs(narrative, "二(四)"),
        section_3=_paragraphs(narrative, "三"),
        figures_text=figures_text,
        targets=targets,
        attachments=[f"附件：{annex}"],
    )
    missing = [s.key for s in progress_sections() if narrative is None or not narrative.of(s.key)]
    if missing:
        plan.warnings.append(f"以下章节没有说明文字，已留“{PLACEHOLDER}”（高亮显示）：{'、'.join(missing)}")

    def sheets() -> list[Sheet]:
        result = [
            Sheet("报送事项", _STATUS_COLUMNS, [_status_row(ctx, i) for i in items],
                  preamble=(f"{sender}{year}年报送事项完成情况", f"统计日期：{request.as_of.isoformat()}（依据报送台账）")),
        ]  # fmt: skip
        if milestones:  # a party without milestones gets no 里程碑 sheet (not a bare header row)
            result.append(Sheet("里程碑", _STATUS_COLUMNS, [_status_row(ctx, i) for i in milestones]))
        if figures is not None:
            result.append(_summary_sheet(f"{sender}本年以来用户报装指标", [], figures))
        return result

    ctx.word(plan, "progress-report.docx", f"工作开展情况报告_{stem}.docx", context)
    ctx.workbook(plan, annex, sheets)
    return plan


# -- self-inspection and rectification ------------------------------------------------------


def _plan_self_inspection(ctx: _Context) -> _Plan:
    request = ctx.request
    _unit_only(request, "自查报告")
    plan = _Plan()
    year = int(request.period.split("-", 1)[0])
    # The plan's inspection ran from June of the year before to June of the report's year.
    start = request.inspect_from or date(year - 1, 6, 1)
    end = request.inspect_to or date(year, 6, 30)
    if end < start:
        raise UsageError(f"--to（{end.isoformat()}）早于 --from（{start.isoformat()}）")
    narrative = ctx.narrative(plan, inspection_sections())
    figures_text, targets, figures = _figures_block(ctx, plan, start, end, "自查期间")
    if not figures_text:
        figures_text = [placeholder()]
    plan.inputs.extend(ctx.config_inputs())
    sender = ctx.party_full(request.party)
    context = ctx.base_context(f"{sender}用户“获得电力”优质服务相关工作自查报告")
    context.update(
        inspection_range=f"{start.year}年{start.month}月至{end.year}年{end.month}月",
        figures_text=figures_text,
        targets=targets,
        section_2_1=_paragraphs(narrative, "二(一)"),
        section_2_2=_paragraphs(narrative, "二(二)"),
        section_2_3=_paragraphs(narrative, "二(三)"),
        section_2_4=_paragraphs(narrative, "二(四)"),
        section_3=_paragraphs(narrative, "三"),
        section_4=_paragraphs(narrative, "四"),
    )
    if figures is not None:
        annex = f"自查期间报装指标_{sender}.xlsx"
        context["attachments"] = [f"附件：{annex}"]
        title = f"{sender} 自查期间（{start.isoformat()} 至 {end.isoformat()}）用户报装指标"
        ctx.workbook(plan, annex, lambda: [_summary_sheet(title, [], figures)])
    ctx.word(plan, "self-inspection.docx", f"自查报告_{sender}.docx", context)
    return plan


_MEASURE_COLUMNS = (
    Column("序号", Kind.INT, 6),
    Column("问题", Kind.TEXT, 40),
    Column("整改措施", Kind.TEXT, 48),
    Column("责任部门", Kind.TEXT, 14),
    Column("完成时限", Kind.DATE, 12),
)


def _plan_rectification(ctx: _Context) -> _Plan:
    from gdcomply.packs.notes import load_measures

    request = ctx.request
    _unit_only(request, "整改措施")
    if request.notes is None:
        raise UsageError(
            "请用 --notes 指定整改措施表（YAML 或 Excel，列：问题、整改措施、责任部门、完成时限），"
            "格式见 docs/packs.md"
        )
    plan = _Plan()
    measures = load_measures(request.notes)
    plan.inputs.append(_Input("notes", request.notes, request.notes.name))
    plan.inputs.extend(ctx.config_inputs())
    sender = ctx.party_full(request.party)
    due = ctx.primary.due
    late = [m for m in measures if m.deadline < request.as_of]
    summary = [Text(f"共 {len(measures)} 项整改措施，最晚完成时限为{cn_date(max(m.deadline for m in measures))}。")]
    if late:
        plan.warnings.append(f"{len(late)} 项整改措施的完成时限早于 {request.as_of.isoformat()}")
    context = ctx.base_context(f"{sender}用户“获得电力”优质服务自查问题整改措施")
    context.update(
        items=[
            {"number": str(n), "problem": m.problem, "measure": m.measure, "department": m.department,
             "deadline": cn_date(m.deadline)}
            for n, m in enumerate(measures, start=1)
        ],  # fmt: skip
        summary_text=summary,
        attachments=[f"附件：整改措施表_{sender}.xlsx"],
        report_due=due.isoformat(),
    )
    ctx.word(plan, "rectification.docx", f"整改措施_{sender}.docx", context)
    rows = [(n, m.problem, m.measure, m.department, m.deadline) for n, m in enumerate(measures, start=1)]
    ctx.workbook(plan, f"整改措施表_{sender}.xlsx", lambda: [
        Sheet("整改措施", _MEASURE_COLUMNS, rows, preamble=(f"{sender}自查问题整改措施",))
    ])  # fmt: skip
    return plan


_PLANNERS: dict[str, Callable[[_Context], _Plan]] = {
    "connection-data": _plan_connection_data,
    "progress-report": _plan_progress_report,
    "self-inspection": _plan_self_inspection,
    "rectification": _plan_rectification,
}
