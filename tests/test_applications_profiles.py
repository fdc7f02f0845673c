"""Target profiles (issue 18): dated, sourced profiles; each application judged against the
verified profile in force on its acceptance date; unverified ones only compared, as 待核实."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from gdcomply.applications.judging import Prepared, judge
from gdcomply.applications.measures import AlertStatus, check_open, check_to_json, measure, measures_to_json
from gdcomply.applications.model import ApplicationSet, BusinessType, Pause, PauseKind, Period, RowCounts
from gdcomply.applications.profiles import CapacityUnit, ZeroInvestment, capacity_within
from gdcomply.applications.targets import Targets, load_targets
from gdcomply.errors import ConfigError, UsageError
from test_applications_support import application, calendar, run_cli, write_csv

D = date
SMALL = dict(business_type=BusinessType.LV_NON_RESIDENTIAL_NEW, small_micro=True)

# A workspace's targets.yaml with a verified later profile from 2026-03-02 (a Monday).
STAGE = """\
profiles:
  - name: plan-2018
    title: 2018年实施方案
    document: 实施方案
    from: 2018-01-01
    verified: true
  - name: stage-2026
    title: 2026年目标
    document: 测试文件〔2026〕1号
    from: 2026-03-02
    verified: true
    pauses-left-out: [customer, approval]
    classes:
      residential: {limit: 5}
      low-voltage-three-zero: {limit: 20, mean-limit: 10}
      low-voltage-other: {limit: 6, counts: own-steps}
      high-voltage: {limit: 30}
  - name: draft-2027
    title: 2027年目标
    document: 征求意见稿
    from: 2027-01-01
    verified: false
    classes:
      low-voltage: {limit: 3, zero-investment: {capacity: 100, unit: kW}}
"""


def targets_of(tmp_path: Path, text: str) -> Targets:
    path = tmp_path / "targets.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_targets(path)


def app_set(*applications) -> ApplicationSet:
    n = len(applications)
    return ApplicationSet("t.csv", "t.csv:", tuple(applications), (), RowCounts(n, n, 0))


def test_the_day_before_and_the_day_a_profile_takes_effect(tmp_path):
    targets = targets_of(tmp_path, STAGE)
    before = application("BEFORE", D(2026, 2, 27), None)  # a Friday: the 2018 plan, 22 days
    on_the_day = application("ON", D(2026, 3, 2), None)  # the new profile: 5 days
    result = check_open(app_set(before, on_the_day), calendar(), targets, as_of=D(2026, 3, 10))
    rows = {o.application.application_id: (o.profile.name, o.limit, o.working_days, o.status) for o in result.open}
    assert rows == {
        "BEFORE": ("plan-2018", 22, 8, AlertStatus.ON_TRACK),  # Feb 28 (a make-up Saturday), Mar 2-6, 9, 10
        "ON": ("stage-2026", 5, 6, AlertStatus.OVERDUE),  # Mar 3-6, 9, 10
    }
    assert [(p.name, n) for p, n in result.profiles] == [("plan-2018", 1), ("stage-2026", 1)]
    payload = check_to_json(result)
    assert payload["judged"]["ON"] == {"profile": "stage-2026", "verified": True, "calendar_days": 8}
    assert [p["name"] for p in payload["profiles"]] == ["plan-2018", "stage-2026"]


def test_a_stage_by_the_end_of_a_year_is_in_force_from_the_next_day():
    profiles = Targets().profiles  # bundled: only the 2018 plan is verified
    assert profiles.in_force(D(2030, 1, 1)).name == "plan-2018"
    verified = Targets(later=tuple(replace(p, verified=True) for p in Targets().later)).profiles
    assert verified.in_force(D(2020, 12, 31)).name == "plan-2018"
    assert verified.in_force(D(2021, 1, 1)).name == "ndrc-2020-end-2020"
    assert verified.in_force(D(2022, 12, 31)).name == "ndrc-2020-end-2021"
    assert verified.in_force(D(2023, 1, 1)).name == "ndrc-2020-end-2022"
    assert verified.in_force(D(2017, 6, 1)).name == "plan-2018"  # the plan covers every earlier day


def test_a_period_spanning_two_profiles_judges_each_average_separately(tmp_path):
    targets = targets_of(tmp_path, STAGE)
    old = application("OLD", D(2026, 1, 5), D(2026, 1, 30), **SMALL)  # Jan 6-9, 12-16, 19-23, 26-30 = 19
    new = application("NEW", D(2026, 3, 2), D(2026, 3, 16), **SMALL)._replace(three_zero=True)  # Mar 3-6, 9-13, 16 = 10
    newer = application("NEWER", D(2026, 3, 2), D(2026, 3, 18), **SMALL)._replace(three_zero=True)  # 12
    figures = measure(app_set(old, new, newer), calendar(), targets, period=Period(2026, 1))
    assert not figures.plan_only
    plan, stage = figures.judgements
    assert (plan.profile.name, plan.count, stage.profile.name, stage.count) == ("plan-2018", 1, "stage-2026", 2)
    (plan_small,) = [c for c in plan.classes if c.target.key == "small-micro"]
    (stage_small,) = [c for c in stage.classes if c.target.key == "low-voltage-three-zero"]
    assert (plan_small.mean_working_days, plan_small.breaches) == (Decimal(19), ())  # <= 25
    assert (stage_small.mean_working_days, stage_small.breaches) == (Decimal(11), ("mean_limit",))  # > 10
    # the plan's own tables are unchanged figures over all three, without verdicts in the packs
    assert figures.of(figures.classes[1].customer_class).count == 3
    payload = measures_to_json(figures)
    assert [j["profile"]["name"] for j in payload["judgements"]] == ["plan-2018", "stage-2026"]
    assert payload["judgements"][1]["classes"]["low-voltage-three-zero"]["result"] == "未达标"
    assert payload["plan_only"] is False


def test_pause_kinds_left_out_per_profile(tmp_path):
    targets = targets_of(tmp_path, STAGE)
    approval = (Pause(D(2026, 3, 9), D(2026, 3, 13), "规划许可", PauseKind.APPROVAL),)  # 5 working days
    works = (Pause(D(2026, 3, 9), D(2026, 3, 13), "外线施工", PauseKind.EXTERNAL_WORKS),)
    # accepted before the stage: the 2018 plan leaves out customer-caused pauses only
    plan_app = application("P", D(2026, 2, 27), D(2026, 3, 20), pauses=approval)
    (item,) = measure(app_set(plan_app), calendar(), targets).judgements
    # Feb 28 (a make-up Saturday), Mar 2-6, 9-13, 16-20 = 16: the approval counted
    assert item.classes[0].mean_working_days == Decimal(16)
    assert measure(app_set(plan_app), calendar(), targets).classes[0].mean_working_days == Decimal(16)
    # the stage leaves out approvals too
    stage_app = application("S", D(2026, 3, 2), D(2026, 3, 20), pauses=approval)
    (item,) = measure(app_set(stage_app), calendar(), targets).judgements
    residential = item.classes[0]
    assert (residential.mean_working_days, residential.mean_calendar_days) == (Decimal(9), Decimal(13))  # 18 - 5
    # own steps also leave out external works; the whole process does not
    facts = dict(business_type=BusinessType.LV_NON_RESIDENTIAL_NEW)
    own = application("O", D(2026, 3, 2), D(2026, 3, 20), pauses=works, **facts)._replace(three_zero=False)
    whole = application("W", D(2026, 3, 2), D(2026, 3, 20), pauses=works, **facts)._replace(three_zero=True)
    (item,) = measure(app_set(own, whole), calendar(), targets).judgements
    times = {c.target.key: c.mean_working_days for c in item.classes if c.count}
    assert times == {"low-voltage-other": Decimal(9), "low-voltage-three-zero": Decimal(14)}


def test_a_missing_fact_is_not_judged_and_counted(tmp_path):
    targets = targets_of(tmp_path, STAGE)
    unknown = application("U", D(2026, 3, 2), D(2026, 3, 20), business_type=BusinessType.LV_NON_RESIDENTIAL_NEW)
    (item,) = measure(app_set(unknown), calendar(), targets).judgements
    assert (item.not_judged, item.missing_facts) == (1, (("三零服务", 1),))
    result = check_open(app_set(unknown._replace(energised=None)), calendar(), targets, as_of=D(2026, 3, 20))
    assert [(o.status, o.missing_fact) for o in result.open] == [(AlertStatus.NOT_JUDGED, "三零服务")]
    assert check_to_json(result)["not_judged"] == 1


def test_kw_against_kva_is_refused_without_a_power_factor():
    zero = ZeroInvestment(CapacityUnit.KW, Decimal(100))
    only_kva = application("K", D(2026, 3, 2), D(2026, 3, 20), capacity="120")
    assert capacity_within(only_kva, zero, None) is None  # never compared as if 120 kVA were 120 kW
    assert capacity_within(only_kva, zero, Decimal("0.8")) is True  # 96 kW
    assert capacity_within(only_kva, zero, Decimal("0.9")) is False  # 108 kW
    assert capacity_within(only_kva._replace(capacity_kw=Decimal(90)), zero, None) is True
    assert capacity_within(only_kva, ZeroInvestment(CapacityUnit.KVA, Decimal(100)), None) is False
    profile = Targets().profiles.named("ndrc-2025")
    lv = only_kva._replace(external_works=False, cost=Decimal(0))
    judged = judge(Prepared([lv], calendar()), profile, decides=False, power_factor=None)
    (figures,) = [c for c in judged.classes if c.count]
    assert (figures.within_capacity, figures.capacity_unknown, figures.zero_cost_share) == (0, 1, None)
    assert "未设定功率因数" in figures.capacity_reason
    judged = judge(Prepared([lv], calendar()), profile, decides=False, power_factor=Decimal("0.9"))
    (figures,) = [c for c in judged.classes if c.count]
    assert (figures.within_capacity, figures.capacity_unknown, figures.zero_cost_share) == (1, 0, Decimal(1))


def test_the_bundled_later_profiles_are_unverified_and_only_compared():
    targets = Targets()
    assert [p.verified for p in targets.profiles.all] == [True, False, False, False, False]
    a = application("R", D(2026, 3, 2), D(2026, 3, 20), visits=0)
    figures = measure(app_set(a), calendar(), targets)
    assert figures.plan_only and [j.profile.name for j in figures.judgements] == ["plan-2018"]
    assert [j.decides for j in figures.comparisons] == [False] * 4
    payload = measures_to_json(figures)
    comparison = payload["comparisons"][0]
    assert comparison["profile"]["verified"] is False
    assert comparison["profile"]["label"] == "2020年意见（2020年底目标）（待核实）"
    assert comparison["classes"]["residential"]["result"] == "待核实"


def test_targets_names_a_profile_or_is_refused():
    with pytest.raises(UsageError) as raised:
        Targets().profiles.named("ndrc-2030")
    assert str(raised.value).startswith("--targets 的值“ndrc-2030”不是 targets.yaml 中的目标方案，应为 plan-2018（2018年实施方案）")


# -- the file --------------------------------------------------------------------------------


def test_every_profile_problem_with_its_position(tmp_path):
    text = """\
    profiles:
      - name: plan-2018
        title: 2018年实施方案
        document: 实施方案
        from: 2018-01-01
        verified: true
      - name: a
        title: A
        document: 文件
        from: 2021-01-01
        verified: true
        classes:
          residential: {limit: 5}
          low-voltage: {limit: 9}
          low-voltage-three-zero: {limit: 20}
          high-voltag: {limit: 3}
      - name: b
        title: B
        document: 文件
        from: 2021-01-01
        verified: true
        classes:
          low-voltage: {limit: 5, zero-investment: {capacity: 160, unit: kWh}}
    """
    with pytest.raises(ConfigError) as raised:
        targets_of(tmp_path, text)
    shown = [str(p) for p in raised.value.problems]
    where = str(tmp_path / "targets.yaml")
    assert shown == [
        f"{where}:14:7: profiles[1].classes.low-voltage: 类别 low-voltage（低压）与 residential（低压居民）有重叠："
        "同一件申请不能同时属于两类",
        f"{where}:15:7: profiles[1].classes.low-voltage-three-zero: 类别 low-voltage-three-zero（低压非居民（三零服务））"
        "与 low-voltage（低压）有重叠：同一件申请不能同时属于两类",
        f"{where}:15:7: profiles[1].classes.low-voltage-three-zero: 类别 low-voltage-three-zero 只是按“三零服务”分开的一半，"
        "缺少另一半 low-voltage-other（低压非居民（非三零服务））：没有它，那部分申请无目标可判",
        f"{where}:16:7: profiles[1].classes.high-voltag: 未知的字段“high-voltag”，是否应为“high-voltage”？"
        f"（允许的字段：{'、'.join(sorted(__import__('gdcomply.applications.profiles', fromlist=['x']).PROFILE_CLASSES))}）",
        f"{where}:23:70: profiles[2].classes.low-voltage.zero-investment.unit: 容量单位“kWh”应为 kVA（千伏安）或 kW（千瓦）",
    ]


def test_two_verified_profiles_on_one_day_and_no_plan(tmp_path):
    text = """\
    profiles:
      - name: plan-2018
        title: 2018年实施方案
        document: 实施方案
        from: 2018-01-01
        verified: true
      - {name: a, title: A, document: 文件, from: 2021-01-01, verified: true, classes: {high-voltage: {limit: 9}}}
      - {name: b, title: B, document: 文件, from: 2021-01-01, verified: true, classes: {high-voltage: {limit: 8}}}
    facts:
      power-factor: 1.2
    """
    with pytest.raises(ConfigError) as raised:
        targets_of(tmp_path, text)
    messages = [p.message for p in raised.value.problems]
    assert any("与已核实的方案“a”同一天生效（2021-01-01），同一天只能有一个已核实的方案" in m for m in messages)
    assert any("功率因数“1.2”应大于 0 且不大于 1" in m for m in messages)
    with pytest.raises(ConfigError) as raised:
        targets_of(tmp_path, "profiles:\n  - {name: a, title: A, document: B, from: 2021-01-01, verified: true, "
                             "classes: {high-voltage: {limit: 9}}}\n")
    assert "缺少 2018 年方案" in raised.value.problems[0].message


# -- through the CLI: the export's facts, --targets and the 待核实 mark -------------------------


HEADER = ["申请编号", "供电单位", "户名", "业务类型", "容量(kVA)", "受理日期", "送电日期", "三零服务", "外线工程", "容量(kW)"]


@pytest.fixture
def later(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "160")
    rows = [
        ["A1", "桂源公司", "甲", "低压居民新装", 8, "2026-03-02", "2026-03-20", "", "否", ""],
        ["A2", "桂源公司", "乙", "低压非居民新装", 50, "2026-03-02", "2026-03-09", "是", "是", 40],
        ["A3", "桂源公司", "丙", "低压居民新装", 8, "2026-03-10", "", "", "", ""],
    ]
    write_csv(tmp_path / "later.csv", rows, header=HEADER)
    (tmp_path / "pauses.csv").write_text(
        "申请编号,暂停开始,暂停结束,原因,暂停类型\nA1,2026-03-09,2026-03-13,规划许可,行政审批\n", encoding="utf-8")
    return tmp_path


def test_facts_and_pause_kinds_are_read_from_the_export(later):
    from gdcomply.applications.read import read_applications

    app_set = read_applications(later / "later.csv", later / "pauses.csv", Targets())
    a1, a2, _ = app_set.applications
    assert (a1.external_works, a1.three_zero, a2.three_zero, a2.external_works, a2.capacity_kw) == (
        False, None, True, True, Decimal(40))
    assert a1.pauses[0].kind is PauseKind.APPROVAL
    # the 2018 plan leaves out customer-caused pauses only: the approval's 5 days count
    # (Mar 3-6, 9-13, 16-20 = 14)
    figures = measure(app_set, calendar(), Targets())
    assert figures.classes[0].mean_working_days == Decimal(14)


def test_stats_targets_an_unverified_profile_marked_in_table_and_json(later, capsys):
    code, out, _ = run_cli(capsys, "applications", "stats", "later.csv", "--pauses", "pauses.csv", "--targets", "ndrc-2025")
    assert code == 0
    assert "判定依据：按 --targets 指定的方案 2025年意见（待核实）" in out
    assert "该方案待核实，只作对照，不作判定。" in out
    assert "低压（无外线工程）" in out and "待核实" in out
    code, out, _ = run_cli(capsys, "applications", "stats", "later.csv", "--pauses", "pauses.csv", "--targets",
                           "ndrc-2025", "--format", "json")
    payload = json.loads(out)
    (judgement,) = payload["judgements"]
    assert (payload["targets"], judgement["decides"], judgement["profile"]["verified"]) == ("ndrc-2025", False, False)
    no_works = judgement["classes"]["low-voltage-no-external-works"]
    # A1: Mar 3-6, 9-13, 16-20 = 14 (the 2025 profile leaves out customer pauses only), 18 calendar days
    assert (no_works["count"], no_works["mean_working_days"], no_works["mean_calendar_days"]) == (1, 14, 18)
    assert no_works["result"] == "待核实"
    works = judgement["classes"]["low-voltage-external-works"]
    assert (works["within_capacity"], works["capacity_not_judged"]) == (1, 0)  # 40 kW from the kW column


def test_the_stats_page_names_the_profile_and_marks_it_unverified(later, capsys):
    import html5lib

    code, _, _ = run_cli(capsys, "applications", "stats", "later.csv", "--pauses", "pauses.csv", "--targets",
                         "ndrc-2025", "--format", "html", "--out", "stats.html")
    assert code == 0
    page = html5lib.parse((later / "stats.html").read_text(encoding="utf-8"), namespaceHTMLElements=False)
    basis = page.find(".//section[@class='basis']")
    text = "".join(basis.itertext())
    assert "判定依据：按 --targets 指定的方案 2025年意见（待核实）" in text and "该方案待核实，只作对照，不作判定。" in text
    (table,) = basis.findall(".//table")
    assert table.get("data-verified") == "no" and "待核实，仅供对照" in "".join(table.find("caption").itertext())
    rows = {tr.findall("td")[0].text: [td.text for td in tr.findall("td")] for tr in table.find("tbody").findall("tr")}
    # A1 as in the JSON: 14 working days, 18 calendar days, its verdict 待核实
    assert rows["低压（无外线工程）"][1:4] == ["1", "14.00", "18.00"] and rows["低压（无外线工程）"][-1] == "待核实"
    # the 2018 plan's own tables say they are its statistics, with no verdict of their own
    assert "上面各表是按 2018 年方案口径的统计" in text
    verdicts = [td for td in page.iterfind(".//section[@class='class']//td") if "达标" in "".join(td.itertext())]
    assert verdicts == []


def test_check_with_an_unverified_profile_never_fails_on_its_verdicts(later, capsys):
    code, out, _ = run_cli(capsys, "applications", "check", "later.csv", "--as-of", "2026-03-31",
                           "--targets", "ndrc-2025")
    assert code == 0  # an unverified profile decides nothing (A3 lacks 外线工程: not judged)
    assert "按 --targets 指定的方案判定：2025年意见（待核实）" in out
    assert "未判定" in out  # A3 has no 外线工程
    code, out, _ = run_cli(capsys, "applications", "check", "later.csv", "--as-of", "2026-03-31",
                           "--targets", "plan-2018")
    assert code == 0 and "2018年实施方案" in out
    code, out, err = run_cli(capsys, "applications", "check", "later.csv", "--targets", "nothing")
    assert code == 2 and "--targets 的值“nothing”不是 targets.yaml 中的目标方案" in err


def test_unverified_mark_in_the_workbook_and_the_word_report(cli, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    from gdcomply.applications.sample import generate
    from gdcomply.reports.sample_xlsx import write_sample_xlsx

    assert cli(["init", "ws", "--since", "2026-01-01"]).exit_code == 0
    data = tmp_path / "data.xlsx"
    write_sample_xlsx(generate(120, 3, calendar(), date(2026, 7, 5)), data)
    result = cli(["pack", "connection-data", "--period", "2026-H1", "--party", "guiyuan", "--input", data,
                  "--workspace", tmp_path / "ws", "--as-of", "2026-07-06"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "packs" / "connection-data_2026-H1_guiyuan"
    sheet = load_workbook(folder / "用户报装信息_2026上半年_桂源公司.xlsx")["汇总"]
    rows = [r for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r[0] == "类别")
    assert header[-1] == "依据方案"
    plan_rows = [r for r in rows if r[6] == "2018年实施方案"]
    assert plan_rows and {r[4] for r in plan_rows} <= {"达标", "未达标", "—"}
    unverified = [r for r in rows if r[6] and "（待核实）" in str(r[6])]
    assert unverified and {r[4] for r in unverified} <= {"待核实", "—"}
    assert "待核实" in {r[4] for r in unverified}
    doc = Document(folder / "用户报装信息报送说明_2026上半年_桂源公司.docx")
    table = doc.tables[-1]
    marked = [[c.text for c in row.cells] for row in table.rows if "待核实" in row.cells[0].text]
    assert marked and all(cells[3] == "待核实" for cells in marked)
    texts = [p.text for p in doc.paragraphs]
    assert any(t.startswith("判定依据（按受理日期当天有效的已核实目标方案）：2018年实施方案") for t in texts)
    assert any("只作对照，不作判定" in t for t in texts)


def test_check_shows_each_profile_when_a_later_one_is_verified(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "160")
    config = tmp_path / "ws" / "config"
    config.mkdir(parents=True)
    (config / "deadlines.yaml").write_text("", encoding="utf-8")
    (config / "targets.yaml").write_text(textwrap.dedent(STAGE), encoding="utf-8")
    rows = [
        ["B1", "桂源公司", "甲", "低压居民新装", 8, "2026-02-27", "", "", "", ""],
        ["B2", "桂源公司", "乙", "低压居民新装", 8, "2026-03-02", "", "", "", ""],
        ["B3", "桂源公司", "丙", "低压非居民新装", 8, "2026-03-02", "", "", "", ""],
    ]
    write_csv(tmp_path / "d.csv", rows, header=HEADER)
    code, out, _ = run_cli(capsys, "applications", "check", "d.csv", "--as-of", "2026-03-10", "--workspace", "ws")
    assert code == 1  # B2 is past the verified stage's 5 days
    assert "判定依据（按受理日期当天有效的已核实方案）：\n  2018年实施方案：2018-01-01 起受理的 1 件（实施方案）\n" in out
    assert "  2026年目标：2026-03-02 起受理的 2 件（测试文件〔2026〕1号）\n" in out
    assert "按 2026年目标 判定（2026-03-02 起受理）：" in out
    assert "未判定（数据文件没有该方案需要的列）：B3 缺“三零服务”。" in out
    b2 = next(line for line in out.splitlines() if "B2" in line)
    assert b2.split("│")[0].strip() == "已超期" and "│      8 │" in b2  # 6 working days, 8 calendar days
