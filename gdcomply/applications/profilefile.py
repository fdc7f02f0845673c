"""The ``profiles`` section of config/targets.yaml, and the bundled profiles it mirrors.

Each entry names a profile, its source document, the day it is in force from and whether it
is verified; per class it gives the targets (``profiles.ClassTarget``). The 2018 plan's entry
has no ``classes``: its figures are the file's ``limits`` and ``targets`` sections, as before
profiles existed. Checked here, each problem with its position: unknown fields and classes,
a class whose customers another class of the same profile already covers (an overlap), a class
split by a fact without its other half (a gap), two verified profiles in force from the same
day, no verified profile at all, capacity units other than kVA and kW.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from gdcomply import yamlsource
from gdcomply.applications.model import PauseKind
from gdcomply.applications.profiles import (
    PROFILE_CLASSES,
    CapacityUnit,
    ClassTarget,
    Counts,
    Profile,
    ZeroInvestment,
)
from gdcomply.yamlsource import Node, Problems

MAX_WHOLE_NUMBER = 1000  # working days, visits, steps: larger is a typo (and past the calendar's range)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")

# -- the bundled profiles (config/targets.yaml says the same; a test holds them equal) ----------

PLAN_2018 = Profile(
    name="plan-2018",
    title="2018年实施方案",
    document="《广西桂东电力股份有限公司用户“获得电力”优质服务工作实施方案》二(一)2、3",
    effective=date(2018, 1, 1),
    verified=True,
    classes=(),
)
_NDRC_2020 = "发改能源规〔2020〕1479号《关于全面提升“获得电力”服务水平 持续优化用电营商环境的意见》"
_NDRC_2025 = "《关于深化提升“获得电力”服务水平 全面打造现代化用电营商环境的意见》（2025年6月）"


def _stage_2020(three_zero_limit: int, zero: ZeroInvestment | None) -> tuple[ClassTarget, ...]:
    return (
        ClassTarget("residential", limit=5),
        ClassTarget("low-voltage-three-zero", limit=three_zero_limit, steps=2, zero_investment=zero),
        ClassTarget("low-voltage-other", limit=6, steps=3, zero_investment=zero, counts=Counts.OWN_STEPS),
        ClassTarget("high-voltage-single-source", limit=22, counts=Counts.OWN_STEPS),
        ClassTarget("high-voltage-dual-source", limit=32, counts=Counts.OWN_STEPS),
    )


_KVA_160 = ZeroInvestment(CapacityUnit.KVA, Decimal(160))
BUNDLED_LATER: tuple[Profile, ...] = (
    Profile("ndrc-2020-end-2020", "2020年意见（2020年底目标）", _NDRC_2020, date(2021, 1, 1), False,
            _stage_2020(25, None)),
    Profile("ndrc-2020-end-2021", "2020年意见（2021年底目标）", _NDRC_2020, date(2022, 1, 1), False,
            _stage_2020(20, ZeroInvestment(CapacityUnit.KVA, None, Decimal(160), Decimal(100)))),
    Profile("ndrc-2020-end-2022", "2020年意见（2022年底目标）", _NDRC_2020, date(2023, 1, 1), False,
            _stage_2020(15, _KVA_160)),
    Profile("ndrc-2025", "2025年意见", _NDRC_2025, date(2025, 7, 1), False, (
        ClassTarget("low-voltage-no-external-works", limit=5,
                    zero_investment=ZeroInvestment(CapacityUnit.KW, Decimal(160))),
        ClassTarget("low-voltage-external-works", limit=15,
                    zero_investment=ZeroInvestment(CapacityUnit.KW, Decimal(160))),
        ClassTarget("high-voltage-single-source", limit=22, counts=Counts.OWN_STEPS),
        ClassTarget("high-voltage-dual-source", limit=32, counts=Counts.OWN_STEPS),
    )),
)  # fmt: skip


# -- numbers ------------------------------------------------------------------------------------


def whole_number(node: Node, problems: Problems, *, allow_empty: bool, minimum: int) -> int | None:
    value = node.value
    if value is None and node.kind == "scalar":
        if not allow_empty:
            problems.add(node, "不能为空，应为整数")
        return None
    if node.kind != "scalar" or isinstance(value, bool) or not isinstance(value, int):
        problems.add(node, f"“{node.shown}”应为整数")
        return None
    if value < minimum:
        problems.add(node, f"{node.shown} 应不小于 {minimum}")
        return None
    if value > MAX_WHOLE_NUMBER:
        problems.add(node, f"{node.shown} 太大，应为 {minimum} 到 {MAX_WHOLE_NUMBER} 之间的整数")
        return None
    return value


def decimal_value(node: Node, problems: Problems) -> Decimal | None:
    value = node.value
    if node.kind != "scalar" or isinstance(value, bool) or value is None:
        problems.add(node, "应为数字")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        problems.add(node, f"“{node.shown}”不是数字")
        return None
    if not amount.is_finite() or amount < 0:
        problems.add(node, f"“{node.shown}”应为不小于 0 的数字")
        return None
    return amount


# -- the section --------------------------------------------------------------------------------

_PROFILE_KEYS = frozenset({"name", "title", "document", "from", "verified", "pauses-left-out", "classes", "note"})
_CLASS_KEYS = frozenset({"limit", "mean-limit", "steps", "visits", "zero-investment", "cost", "counts"})
_ZERO_KEYS = frozenset({"capacity", "town", "countryside", "unit"})


def parse_profiles(section: Node, problems: Problems) -> tuple[Profile, tuple[Profile, ...]] | None:
    """(the plan's entry, the later profiles), or None after reporting a problem that leaves none."""
    if section.kind != "seq":
        problems.add(section, "应为目标方案的列表（每项以“- name:”开头）")
        return None
    before = len(problems.items)
    plan: Profile | None = None
    plan_node: Node | None = None
    later: list[tuple[Profile, Node]] = []
    names: dict[str, Node] = {}
    for node in section.value:
        profile = _profile(node, problems)
        if profile is None:
            continue
        if profile.name in names:
            problems.add(node.get("name") or node, f"方案名“{profile.name}”重复（第一次在第 {names[profile.name].line} 行）")
            continue
        names[profile.name] = node
        if node.get("classes") is None:
            if plan is not None:
                problems.add(node, "只有 2018 年方案可以不写 classes（它的数值在 limits 和 targets 两节）；"
                                   "其他方案请逐类写出目标")  # fmt: skip
                continue
            plan, plan_node = profile, node
        else:
            later.append((profile, node))
    if plan is None or plan_node is None:
        problems.add(section, "缺少 2018 年方案（不写 classes 的一项，数值在 limits 和 targets 两节）")
        return None
    if not plan.verified:
        problems.add(plan_node.get("verified") or plan_node, "2018 年方案是已核实的默认方案，verified 应为 true")
    for profile, node in later:
        if profile.effective <= plan.effective:
            problems.add(node.get("from") or node, f"生效日期应晚于 2018 年方案的 {plan.effective.isoformat()}")
    starts: dict[date, Profile] = {plan.effective: plan}
    for profile, node in sorted(later, key=lambda item: item[0].effective):
        if not profile.verified:
            continue
        other = starts.get(profile.effective)
        if other is not None:
            problems.add(node.get("from") or node,
                         f"与已核实的方案“{other.name}”同一天生效（{profile.effective.isoformat()}），"
                         "同一天只能有一个已核实的方案")  # fmt: skip
        starts[profile.effective] = profile
    if len(problems.items) > before:
        return None
    return plan, tuple(p for p, _ in later)


def _text(node: Node, key: str, problems: Problems) -> str | None:
    child = node.get(key)
    if child is None:
        problems.add(node, f"缺少字段 {key}")
        return None
    return yamlsource.expect_str(child, problems)


def _profile(node: Node, problems: Problems) -> Profile | None:
    if not yamlsource.expect_map(node, problems, "一个目标方案（name、title、document、from、verified、classes）"):
        return None
    yamlsource.check_keys(node, _PROFILE_KEYS, problems)
    before = len(problems.items)
    name = _text(node, "name", problems)
    if name is not None and not _NAME.match(name):
        problems.add(node.get("name"), f"方案名“{name}”应为小写英文字母、数字和连字符（如 ndrc-2025）")
    title, document = _text(node, "title", problems), _text(node, "document", problems)
    effective = _date(node, problems)
    verified_node = node.get("verified")
    verified = None
    if verified_node is None:
        problems.add(node, "缺少字段 verified（已核实写 true，待核实写 false）")
    elif not isinstance(verified_node.value, bool):
        problems.add(verified_node, f"“{verified_node.shown}”应为 true 或 false")
    else:
        verified = verified_node.value
    left_out = _pause_kinds(node.get("pauses-left-out"), problems)
    classes = _classes(node.get("classes"), problems)
    note = node.get("note")
    note_text = (yamlsource.expect_str(note, problems) or "") if note is not None else ""
    if len(problems.items) > before or None in (name, title, document, effective, verified, left_out):
        return None
    return Profile(name, title, document, effective, verified, classes, left_out, note_text)  # type: ignore[arg-type]


def _date(node: Node, problems: Problems) -> date | None:
    from gdcomply.workdays.model import RANGE_END, RANGE_START

    child = node.get("from")
    if child is None:
        problems.add(node, "缺少字段 from（生效日期，如 2021-01-01）")
        return None
    value = child.value
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            problems.add(child, f"“{child.shown}”不是日期（应写成 2021-01-01）")
            return None
    if not RANGE_START <= day <= RANGE_END:
        problems.add(child, f"{day.isoformat()} 超出工作日历支持的范围（{RANGE_START.isoformat()} 至 {RANGE_END.isoformat()}）")
        return None
    return day


def _pause_kinds(node: Node | None, problems: Problems) -> frozenset[PauseKind] | None:
    if node is None:
        return frozenset({PauseKind.CUSTOMER})
    items = node.value if node.kind == "seq" else [node]
    kinds: set[PauseKind] = set()
    known = {k.value: k for k in PauseKind}
    for item in items:
        text = yamlsource.expect_str(item, problems)
        if text is None:
            return None
        if text not in known:
            problems.add(item, f"“{text}”不是已知的暂停类型（应为 {'、'.join(known)}）")
            return None
        kinds.add(known[text])
    return frozenset(kinds)


def _classes(node: Node | None, problems: Problems) -> tuple[ClassTarget, ...]:
    if node is None:
        return ()
    if not yamlsource.expect_map(node, problems, "以客户类别为键的映射（如 residential: {limit: 5}）"):
        return ()
    yamlsource.check_keys(node, set(PROFILE_CLASSES), problems)
    targets: list[ClassTarget] = []
    nodes: dict[str, Node] = {}
    for key, child in node.value.items():
        if key not in PROFILE_CLASSES:
            continue
        target = _class_target(key, child, problems)
        if target is None:
            continue
        cls = PROFILE_CLASSES[key]
        for earlier in targets:
            other = earlier.profile_class
            if not (cls.bases & other.bases):
                continue
            if cls.fact is not None and cls.fact == other.fact and cls.value is not other.value:
                continue  # the two halves of one fact
            problems.add(child, f"类别 {key}（{cls.label}）与 {other.key}（{other.label}）有重叠："
                                "同一件申请不能同时属于两类", at_key=True)  # fmt: skip
        targets.append(target)
        nodes[key] = child
    present = set(nodes)
    for key, child in nodes.items():
        cls = PROFILE_CLASSES[key]
        if cls.fact is None:
            continue
        halves = [c for c in PROFILE_CLASSES.values() if c.fact == cls.fact and c.bases == cls.bases and c.key != key]
        if halves and not any(h.key in present for h in halves):
            problems.add(child, f"类别 {key} 只是按“{_fact_label(cls.fact)}”分开的一半，缺少另一半 "
                                f"{halves[0].key}（{halves[0].label}）：没有它，那部分申请无目标可判", at_key=True)  # fmt: skip
    return tuple(targets)


def _fact_label(fact: str) -> str:
    from gdcomply.applications.profiles import FACT_LABELS

    return FACT_LABELS[fact]


def _class_target(key: str, node: Node, problems: Problems) -> ClassTarget | None:
    if not yamlsource.expect_map(node, problems, "目标的映射（limit、mean-limit、steps、visits、zero-investment、cost、counts）"):
        return None
    yamlsource.check_keys(node, _CLASS_KEYS, problems)
    values: dict[str, object] = {}
    for field_key, attr, minimum in (("limit", "limit", 1), ("mean-limit", "mean_limit", 1),
                                     ("steps", "steps", 1), ("visits", "visits", 0)):  # fmt: skip
        child = node.get(field_key)
        if child is not None:
            values[attr] = whole_number(child, problems, allow_empty=True, minimum=minimum)
    child = node.get("cost")
    if child is not None:
        values["cost"] = decimal_value(child, problems)
    child = node.get("counts")
    if child is not None:
        text = yamlsource.expect_str(child, problems)
        if text is not None:
            try:
                values["counts"] = Counts(text)
            except ValueError:
                problems.add(child, f"“{text}”应为 whole-process（全流程）或 own-steps（只计供电企业办理环节）")
    child = node.get("zero-investment")
    if child is not None:
        values["zero_investment"] = _zero_investment(child, problems)
    return ClassTarget(key, **values)  # type: ignore[arg-type]


def _zero_investment(node: Node, problems: Problems) -> ZeroInvestment | None:
    if not yamlsource.expect_map(node, problems, "容量和单位的映射（如 {capacity: 160, unit: kVA}）"):
        return None
    yamlsource.check_keys(node, _ZERO_KEYS, problems)
    unit_node = node.get("unit")
    unit = None
    if unit_node is None:
        problems.add(node, "缺少字段 unit（容量单位：kVA 或 kW）")
    else:
        text = yamlsource.expect_str(unit_node, problems)
        units = {u.value.lower(): u for u in CapacityUnit}
        if text is not None and text.lower() in units:
            unit = units[text.lower()]
        elif text is not None:
            problems.add(unit_node, f"容量单位“{text}”应为 kVA（千伏安）或 kW（千瓦）")
    amounts = {k: decimal_value(node.get(k), problems) if node.get(k) is not None else None  # type: ignore[arg-type]
               for k in ("capacity", "town", "countryside")}  # fmt: skip
    if amounts["capacity"] is None and (amounts["town"] is None or amounts["countryside"] is None):
        problems.add(node, "应写 capacity（各地相同），或 town 和 countryside（城镇、农村各一个容量）")
        return None
    if amounts["capacity"] is not None and (amounts["town"] is not None or amounts["countryside"] is not None):
        problems.add(node, "capacity 与 town/countryside 只能写一种")
        return None
    if unit is None:
        return None
    return ZeroInvestment(unit, amounts["capacity"], amounts["town"], amounts["countryside"])
