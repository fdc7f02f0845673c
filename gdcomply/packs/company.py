"""The company's connection-data pack: the consolidation of its units' packs.

Each unit's workbook comes from the ledger (the workbook of its active submission to the
company) or from --input. Its 明细 and 暂停 sheets are read back into applications
(``read_unit_pack``) and measured again with the company's working-day calendar, its
问题数据 rows listed once; a unit that has not reported (or reported no pack workbook) is an
error naming what to do, or with --allow-missing a notice in the pack. The sheets and the
Word report are the unit pack's (gdcomply.packs.connection_data), imported from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gdcomply.errors import InputError, UsageError
from gdcomply.packs.connection_data import (
    DETAIL_HEADERS,
    DETAIL_SHEET,
    PAUSE_HEADERS,
    PAUSE_SHEET,
    PROBLEM_SHEET,
    SOURCE_PREFIX,
    Measured,
    connection_sheets,
    connection_word,
    ended_period,
    measured_rows,
)
from gdcomply.packs.model import Text
from gdcomply.packs.shared import Input, PackContext, Plan, measure_figures

if TYPE_CHECKING:
    from gdcomply.applications.model import Application
    from gdcomply.applications.targets import Targets
    from gdcomply.workdays.workcalendar import WorkCalendar


def _unit_parties(ctx: PackContext) -> list[str]:
    """The units whose reports feed the company's instance, in calendar order."""
    year = int(ctx.request.period.split("-", 1)[0])
    feeding = [
        i.sender
        for i in ctx.calendar.instances_for_years(year - 1, year + 1, ctx.workdays)
        if i.parent == ctx.primary.id
    ]
    return list(dict.fromkeys(feeding))


def plan_pack(ctx: PackContext) -> Plan:
    """The company's pack, from its units' pack workbooks (in the ledger, or given by --input)."""
    from gdcomply.applications.model import ApplicationSet, RowCounts

    period = ended_period(ctx)
    request = ctx.request
    if request.notes is not None:
        raise UsageError("用户报装信息报送包不使用 --notes")
    if request.pauses is not None:
        raise UsageError("公司汇总使用各单位报送包中已扣除暂停的明细，不使用 --pauses")
    plan = Plan()
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
        plan.inputs.append(Input("unit-pack", path, shown, party))
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
    figures = measure_figures(ctx, app_set, period, None)
    rows = measured_rows(app_set, ctx.workdays, ctx.targets, period, None)
    rows = [
        Measured(m.application, m.working_days, m.paused_days, m.limit, wheres.get(m.application.application_id, ""))
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
    ctx.workbook(plan, workbook_name, lambda: connection_sheets(title, lines, figures, rows, period, targets, problems))
    context = connection_word(ctx, figures, rows, period, source_lines, notices, workbook_name)
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


def _missing_reason(ctx: PackContext, unit: str, unusable: _Unusable | None, period) -> str:
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


def _unit_submission(ctx: PackContext, unit: str, period) -> tuple[Path, str, str] | _Unusable | None:
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
        path = ctx.evidence.local_file(file.sha256)
        if path is None:
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


# -- reading a unit's workbook back ------------------------------------------------------------


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


def _read_problem_sheet(workbook) -> tuple[list, str]:
    """The 问题数据 rows as Problems, and the sheet's “数据来源：…” line ("" in older packs)."""
    from gdcomply.errors import Problem

    if PROBLEM_SHEET not in workbook.sheet_names:
        return [], ""
    rows = workbook.get_sheet_by_name(PROBLEM_SHEET).to_python(skip_empty_area=False)
    header = next((i for i, row in enumerate(rows[:10]) if row and str(row[0]) == "位置"), 0)
    source = next((str(row[0]) for row in rows[:header] if row and str(row[0]).startswith(SOURCE_PREFIX)), "")
    found = [
        Problem(str(row[0]), str(row[1]) if len(row) > 1 else "")
        for row in rows[header + 1 :]
        if row and str(row[0]).strip()
    ]
    return found, source
