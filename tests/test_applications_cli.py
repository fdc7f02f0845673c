"""`gdcomply applications check|stats|sample`: exact exit codes, messages and JSON."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import BUNDLED_NOTICE
from test_applications_support import PAUSE_HEADER, csv_text, row, run_cli, write_csv, write_xlsx

D = date

# The 2026-H2 data of test_applications_measures, as a unit exports it (figures worked out there).
ROWS = [
    row("R1", "桂源公司", "低压居民新装", D(2026, 9, 28), D(2026, 10, 12), visits=0),
    row("R2", "供电公司", "低压居民新装", D(2026, 9, 28), D(2026, 10, 12), visits=0),
    row("R3", "桂源公司", "低压居民增容", D(2026, 9, 1), D(2026, 10, 9), visits=1),
    row("S1", "桂源公司", "低压非居民新装", D(2026, 9, 28), D(2026, 10, 10), small_micro="是", capacity=160,
        steps=2, materials="营业执照、身份证明", cost=0, visits=0),
    row("S2", "供电公司", "低压非居民新装", D(2026, 9, 14), D(2026, 10, 23), small_micro="是", capacity=200,
        steps=3, materials=3, cost=1200.5, visits=2),
    row("O1", "供电公司", "低压非居民增容", D(2026, 10, 9), D(2026, 10, 12)),
    row("H1", "桂源公司", "高压新装", D(2026, 8, 3), D(2026, 9, 30), capacity=630, visits=1,
        customer="贺州市瑞丰商贸有限公司"),
    row("H2", "供电公司", "高压增容", D(2026, 10, 8), D(2026, 10, 13), capacity=315, visits=0,
        customer="钟山县黄姚食品有限公司"),
    row("R4", "桂源公司", "低压居民新装", D(2026, 6, 1), D(2026, 6, 5), visits=0),
    # open on 2026-10-14: (09-08, 10-14] = Sep 9-11 (3), 14-18 (5), 20 (1), 21-24 (4), 28-30 (3),
    # Oct 8-10 (3), 12-14 (3) = 22: at the limit, not past it
    row("X1", "桂源公司", "低压居民新装", D(2026, 9, 8), ""),
    # open: (09-07, 10-14] = 23: past the limit of 22
    row("X2", "供电公司", "低压居民新装", D(2026, 9, 7), "", customer="覃秀英"),
]
PAUSES = [
    ["R2", D(2026, 9, 29), D(2026, 10, 9), "客户要求暂缓"],
    ["R2", D(2026, 10, 8), D(2026, 10, 10), "客户内部工程未完工"],
]


@pytest.fixture
def files(tmp_path, monkeypatch):
    """data.xlsx (sheets 申请 and 暂停), data.csv and data-pauses.csv in the current directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "160")
    write_xlsx(tmp_path / "data.xlsx", ROWS, pauses=PAUSES)
    write_csv(tmp_path / "data.csv", ROWS, encoding="utf-8-sig")
    (tmp_path / "data-pauses.csv").write_text(csv_text(PAUSES, header=PAUSE_HEADER), encoding="gbk")
    return tmp_path


# -- stats ---------------------------------------------------------------------------------


def test_xlsx_and_csv_of_the_same_data_give_identical_json(files, capsys):
    code, from_xlsx, err = run_cli(capsys, "applications", "stats", "data.xlsx", "--period", "2026-H2", "--format", "json")
    assert (code, err) == (0, BUNDLED_NOTICE)
    code, from_csv, err = run_cli(capsys, "applications", "stats", "data.csv", "--pauses", "data-pauses.csv",
                                  "--period", "2026-H2", "--format", "json")
    assert (code, err) == (0, BUNDLED_NOTICE)
    assert from_xlsx == from_csv
    payload = json.loads(from_xlsx)
    # the plan's figures as before, then which target profiles judged them (issue 18)
    assert list(payload) == ["period", "unit", "rows", "classes", "problems", "targets", "plan_only",
                             "judgements", "comparisons", "problem_count"]
    assert (payload["period"], payload["unit"], payload["rows"]) == (
        "2026-H2", None, {"read": 11, "valid": 11, "rejected": 0})
    residential = payload["classes"]["residential"]
    # (6 + 1 + 23) / 3 = 10: R2 is 1, its pauses including both their days (re-derived in
    # test_applications_measures.test_overlapping_pauses_count_once)
    assert (residential["count"], residential["mean_working_days"], residential["max_working_days"]) == (3, 10, 23)
    small = payload["classes"]["small-micro"]
    assert (small["mean_cost"], small["total_cost"], small["breaches"]) == ("600.25", "1200.50", ["steps", "cost", "visits"])
    assert payload["classes"]["high-voltage"]["total_kva"] == "945"


def test_stats_lists_a_huge_cost_instead_of_crashing(files, capsys):
    write_csv(files / "big.csv", [*ROWS[:4], row("BIG", "桂源公司", "低压非居民新装", D(2026, 9, 28), D(2026, 10, 10),
                                               small_micro="是", cost="1e30")])
    code, out, err = run_cli(capsys, "applications", "stats", "big.csv", "--period", "2026-H2", "--format", "json")
    assert (code, err) == (1, BUNDLED_NOTICE)  # a rejected row
    payload = json.loads(out)
    assert payload["problems"] == [
        {"where": "big.csv:6", "message": "接电费用(元): 数值过大（超过 100 亿元）：“1e30”，请核对是否填错"}]
    assert payload["classes"]["small-micro"]["mean_cost"] == "0.00"  # S1 only


def test_stats_of_one_unit_by_name(files, capsys):
    code, out, _ = run_cli(capsys, "applications", "stats", "data.xlsx", "--period", "2026-h2", "--unit", "桂源公司",
                           "--format", "json")
    payload = json.loads(out)
    assert (code, payload["unit"], payload["classes"]["residential"]["mean_working_days"]) == (0, "guiyuan", 14.5)


def test_stats_table_shows_targets_and_verdicts(files, capsys):
    code, out, err = run_cli(capsys, "applications", "stats", "data.xlsx", "--period", "2026-H2")
    assert (code, err) == (0, BUNDLED_NOTICE)
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[:2] == [
        "报装数据测算：两供电单位合计，2026年下半年（2026-H2）送电的申请。",
        "读取 11 行，有效 11 行，有问题未计入 0 行。接电时长单位为工作日。",
    ]
    text = "\n".join(lines)
    assert "低压居民（3 件）" in text and "小微企业（2 件）" in text
    cells = [line.split() for line in lines]
    assert ["超过时限的件数", "│", "1", "│", "0", "│", "未达标"] in cells  # residential: R3
    assert ["平均接电时长", "│", "15.00", "│", "≤", "25", "│", "达标"] in cells  # small/micro
    assert ["零投资比例", "│", "50.0%", "│", "100%（0.00", "元）", "│", "未达标"] in cells
    assert ["H1", "│", "桂源公司", "│", "贺州市瑞丰商贸有限公司", "│", "高压新装", "│", "630", "│",
            "2026-08-03", "│", "2026-09-30", "│", "42"] in cells


def test_stats_lists_rejected_rows_on_stderr_and_still_measures(files, capsys):
    write_csv(files / "bad.csv", [*ROWS[:3], row("BAD", "桂源公司", "低压居民新装", "2026-10-40")])
    code, out, err = run_cli(capsys, "applications", "stats", "bad.csv", "--period", "2026-H2")
    assert code == 1
    assert "读取 4 行，有效 3 行，有问题未计入 1 行。" in out
    assert err == BUNDLED_NOTICE + (
        "注意：有 1 行数据有问题，未参与计算（共 1 处问题）：\n"
        "  bad.csv:5: 受理日期: “2026-10-40”不是有效的日期（2026 年没有 10 月 40 日）\n"
    )
    code, out, err = run_cli(capsys, "applications", "stats", "bad.csv", "--format", "json")
    assert (code, err) == (1, BUNDLED_NOTICE)
    assert json.loads(out)["problems"] == [
        {"where": "bad.csv:5", "message": "受理日期: “2026-10-40”不是有效的日期（2026 年没有 10 月 40 日）"}
    ]


def test_strict_refuses_to_compute_with_any_problem(files, capsys):
    write_csv(files / "bad.csv", [*ROWS[:3], row("BAD", "桂源公司", "低压居民新装", "2026-10-09", capacity=-1)])
    code, out, err = run_cli(capsys, "applications", "stats", "bad.csv", "--strict", "--format", "json")
    assert (code, out) == (1, "")
    assert err == BUNDLED_NOTICE + (
        "错误：数据文件有 1 处问题，--strict 模式下不做计算（1 行受影响）：\n"
        "bad.csv:5: 容量(kVA): “-1”应为大于 0 的数字\n"
    )
    code, _, _ = run_cli(capsys, "applications", "stats", "data.xlsx", "--strict", "--format", "json")
    assert code == 0


def test_bad_period_and_unit_are_usage_errors(files, capsys):
    assert run_cli(capsys, "applications", "stats", "data.xlsx", "--period", "2026-Q3") == (
        2, "", "错误：半年度“2026-Q3”无效，格式应为 YYYY-H1（上半年）或 YYYY-H2（下半年），如 2026-H1\n")
    assert run_cli(capsys, "applications", "stats", "data.xlsx", "--unit", "桂东") == (
        2, "", BUNDLED_NOTICE + "错误：--unit 的值“桂东”不是已知的供电单位，应为 guiyuan（桂源公司）、gongdian（供电公司）\n")


def test_unusable_file_exits_1(files, capsys):
    assert run_cli(capsys, "applications", "stats", "nothing.xlsx") == (1, "", BUNDLED_NOTICE + "错误：文件不存在：nothing.xlsx\n")
    (files / "empty.csv").write_bytes(b"")
    assert run_cli(capsys, "applications", "check", "empty.csv", "--as-of", "2026-10-14") == (
        1, "", BUNDLED_NOTICE + "错误：empty.csv: 文件是空的，没有任何数据\n")


def test_targets_from_the_workspace_config(files, capsys):
    config = files / "ws" / "config"
    config.mkdir(parents=True)
    (config / "deadlines.yaml").write_text("", encoding="utf-8")
    (config / "targets.yaml").write_text("limits:\n  residential: 5\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "applications", "stats", "data.xlsx", "--period", "2026-H2", "--format", "json",
                           "--workspace", "ws")
    assert (code, json.loads(out)["classes"]["residential"]["over_limit"]) == (0, 2)  # 6 and 23 > 5
    code, out, _ = run_cli(capsys, "applications", "stats", "data.xlsx", "--period", "2026-H2", "--format", "json",
                           "--config", "ws/config/deadlines.yaml")
    assert json.loads(out)["classes"]["residential"]["limit"] == 5
    (config / "targets.yaml").write_text("limits:\n  residental: 5\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "applications", "stats", "data.xlsx", "--workspace", "ws")
    assert (code, out) == (2, "")
    shown = config.resolve() / "targets.yaml"
    assert err.startswith(f"错误：目标值文件 {shown} 有错误（共 1 处问题）：\n"
                          f"{shown}:2:3: limits.residental: 未知的字段“residental”，是否应为“residential”？")


def test_check_and_stats_use_the_workspace_they_run_in(files, capsys, monkeypatch):
    """Issue 11 item 4: found as `check` finds it (cwd upward, $GDCOMPLY_WORKSPACE), no --workspace needed."""
    config = files / "ws" / "config"
    config.mkdir(parents=True)
    (config / "deadlines.yaml").write_text("", encoding="utf-8")
    (config / "targets.yaml").write_text("limits:\n  residential: 5\n", encoding="utf-8")
    # The workspace's 2026 replaces the package's: no National Day, 10-12 and 10-13 off, no make-up days.
    # X1 (accepted 09-08) has then used (09-08, 10-14] = 16 weekdays in Sep + Oct 1-2, 5-9, 14 = 24, not 22.
    (config / "holidays.yaml").write_text(
        "2026:\n  notice: 测试\n  days_off:\n    - 2026-10-12..2026-10-13: 测试假日\n  workdays: []\n",
        encoding="utf-8",
    )
    (files / "ws" / "data.xlsx").write_bytes((files / "data.xlsx").read_bytes())
    monkeypatch.chdir(files / "ws")
    code, out, _ = run_cli(capsys, "applications", "stats", "data.xlsx", "--period", "2026-H2", "--format", "json")
    assert (code, json.loads(out)["classes"]["residential"]["limit"]) == (0, 5)
    code, out, _ = run_cli(capsys, "applications", "check", "data.xlsx", "--as-of", "2026-10-14", "--format", "json")
    assert {o["application_id"]: o["working_days"] for o in json.loads(out)["open"]}["X1"] == 24
    monkeypatch.chdir(files)
    monkeypatch.setenv("GDCOMPLY_WORKSPACE", str(files / "ws"))
    code, out, _ = run_cli(capsys, "applications", "stats", "data.xlsx", "--period", "2026-H2", "--format", "json")
    assert json.loads(out)["classes"]["residential"]["limit"] == 5


# -- check ---------------------------------------------------------------------------------


def test_check_exits_1_with_an_overdue_open_application(files, capsys):
    code, out, err = run_cli(capsys, "applications", "check", "data.xlsx", "--as-of", "2026-10-14", "--format", "json")
    assert (code, err) == (1, BUNDLED_NOTICE)
    payload = json.loads(out)
    assert payload["summary"] == {"overdue": 1, "due-soon": 1, "on-track": 1, "no-limit": 0}
    assert [(o["application_id"], o["working_days"], o["working_days_left"], o["due"], o["status"])
            for o in payload["open"]] == [
        ("X2", 23, -1, None, "overdue"),
        ("X1", 22, 0, "2026-10-14", "due-soon"),
        # (09-14, 10-14] = Sep 15-18, 20, 21-24, 28-30 (12) + Oct 8-10, 12-14 (6); due Oct 15-16, 19-23
        ("S2", 18, 7, "2026-10-23", "on-track"),
    ]
    # closed in 2026-H2 over 22: R3 (23)
    assert [(c["application_id"], c["working_days"], c["limit"]) for c in payload["closed_over_limit"]] == [("R3", 23, 22)]


def test_check_table(files, capsys):
    code, out, err = run_cli(capsys, "applications", "check", "data.xlsx", "--as-of", "2026-10-14", "--unit", "guiyuan")
    assert (code, err) == (0, BUNDLED_NOTICE)  # guiyuan's X1 is at its limit, not past it
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == (
        "截至 2026-10-14，桂源公司未送电的申请 1 件：已超期 0 件，即将超期 1 件（剩余不超过 5 个工作日），正常 0 件。"
    )
    assert lines[3].split() == ["即将超期", "│", "X1", "│", "测试户", "│", "低压居民", "│",
                                "2026-09-08", "│", "22", "│", "22", "│", "0", "│", "2026-10-14"]
    assert "本期（2026年下半年）已送电但接电时长超过时限的申请 1 件：" in lines


def test_check_on_a_past_day_replays_it(files, capsys):
    """On 2026-09-30 the applications energised later were still open (figures by hand):
    R3 (09-01): Sep 2-4, 7-11, 14-18, 20, 21-24, 28-30 = 21, 1 left; X2 (09-07): 17, 5 left;
    X1 (09-08): 16, 6 left; S2 (09-14): 12 of 25; R1 and S1 (09-28): 2; R2: 2 less Sep 29 and 30
    paused (re-derived: the pause [09-29, 10-09] includes its first day) = 0, 22 left."""
    code, out, _ = run_cli(capsys, "applications", "check", "data.xlsx", "--as-of", "2026-09-30", "--format", "json",
                           "--horizon", "6")
    payload = json.loads(out)
    assert (code, payload["horizon"], payload["period"]) == (0, 6, "2026-H2")
    assert [(o["application_id"], o["working_days"], o["paused_working_days"], o["working_days_left"], o["status"])
            for o in payload["open"]] == [
        ("R3", 21, 0, 1, "due-soon"),
        ("X2", 17, 0, 5, "due-soon"),
        ("X1", 16, 0, 6, "due-soon"),
        ("S2", 12, 0, 13, "on-track"),
        ("R1", 2, 0, 20, "on-track"),
        ("R2", 0, 2, 22, "on-track"),
        ("S1", 2, 0, 23, "on-track"),
    ]
    assert payload["closed_over_limit"] == []  # H1 (42 days) is high-voltage: no limit


def test_check_bad_as_of(files, capsys):
    assert run_cli(capsys, "applications", "check", "data.xlsx", "--as-of", "2026-10-32") == (
        2, "", "错误：--as-of 的值“2026-10-32”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）\n")


# -- sample --------------------------------------------------------------------------------


def test_sample_xlsx_and_csv_give_identical_stats(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "applications", "sample", "s.xlsx", "--rows", "400", "--seed", "5", "--as-of", "2026-07-01")
    assert (code, err) == (0, BUNDLED_NOTICE)
    assert out.startswith("已写入 s.xlsx（工作表“申请”400 条，“暂停”")
    code, out, _ = run_cli(capsys, "applications", "sample", "s.csv", "--rows", "400", "--seed", "5", "--as-of", "2026-07-01")
    assert out.startswith("已写入 s.csv（400 条申请）和 s-pauses.csv（")
    _, from_xlsx, _ = run_cli(capsys, "applications", "stats", "s.xlsx", "--format", "json")
    _, from_csv, _ = run_cli(capsys, "applications", "stats", "s.csv", "--pauses", "s-pauses.csv", "--format", "json")
    assert from_xlsx == from_csv
    payload = json.loads(from_xlsx)
    assert payload["rows"] == {"read": 400, "valid": 400, "rejected": 0}
    assert all(payload["classes"][c]["count"] > 0 for c in ("residential", "small-micro", "other-low-voltage", "high-voltage"))
    code, out, _ = run_cli(capsys, "applications", "check", "s.csv", "--pauses", "s-pauses.csv", "--as-of", "2026-07-01",
                           "--format", "json")
    check = json.loads(out)
    assert check["open"] and {o["unit"] for o in check["open"]} == {"guiyuan", "gongdian"}
    assert code == (1 if check["summary"]["overdue"] else 0)


def test_sample_is_reproducible_and_seeded(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name, seed in (("a.csv", "3"), ("b.csv", "3"), ("c.csv", "4")):
        run_cli(capsys, "applications", "sample", name, "--rows", "50", "--seed", seed, "--as-of", "2026-07-01")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes().startswith("\ufeff申请编号,供电单位,户名".encode("utf-8"))


def test_sample_refuses_to_overwrite_without_force(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real.xlsx").write_bytes(b"a real export")
    assert run_cli(capsys, "applications", "sample", "real.xlsx", "--rows", "20", "--as-of", "2026-07-01") == (
        2, "", "错误：输出文件“real.xlsx”已存在，未写入（以免覆盖真实的导出数据）。请换一个文件名，或加 --force 覆盖\n")
    assert (tmp_path / "real.xlsx").read_bytes() == b"a real export"
    # a CSV sample also writes NAME-pauses.csv: that one is protected too
    (tmp_path / "s-pauses.csv").write_text("kept", encoding="utf-8")
    assert run_cli(capsys, "applications", "sample", "s.csv", "--rows", "20", "--as-of", "2026-07-01") == (
        2, "", "错误：输出文件“s-pauses.csv”已存在，未写入（以免覆盖真实的导出数据）。请换一个文件名，或加 --force 覆盖\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.xlsx", "s-pauses.csv"]
    code, out, _ = run_cli(capsys, "applications", "sample", "real.xlsx", "--rows", "20", "--as-of", "2026-07-01",
                           "--force")
    assert code == 0 and out.startswith("已写入 real.xlsx（工作表“申请”20 条")
    assert (tmp_path / "real.xlsx").read_bytes().startswith(b"PK")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.xlsx", "s-pauses.csv"]  # no temporary file left


def test_sample_xlsx_is_byte_identical_and_dated_as_of(tmp_path, monkeypatch, capsys):
    import time
    import zipfile

    monkeypatch.chdir(tmp_path)
    run_cli(capsys, "applications", "sample", "a.xlsx", "--rows", "30", "--seed", "2", "--as-of", "2026-07-01")
    time.sleep(2.1)  # the zip format stores times to 2 s: a wall-clock stamp would now differ
    run_cli(capsys, "applications", "sample", "b.xlsx", "--rows", "30", "--seed", "2", "--as-of", "2026-07-01")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 7, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-07-01T00:00:00Z</dcterms:created>" in core and "2026-07-01T00:00:00Z</dcterms:modified>" in core


def test_sample_csv_failure_leaves_the_old_files(tmp_path):
    from gdcomply.applications.sample import SampleData, write_sample_csv

    class Unwritable:
        def __str__(self) -> str:
            raise RuntimeError("disk full, say")

    (tmp_path / "s.csv").write_text("old", encoding="utf-8")
    data = SampleData(("申请编号",), [("A1",), (Unwritable(),)], ("申请编号",), [])
    with pytest.raises(RuntimeError):
        write_sample_csv(data, tmp_path / "s.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv"]
    assert (tmp_path / "s.csv").read_text(encoding="utf-8") == "old"


def test_sample_needs_xlsx_or_csv(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "applications", "sample", "s.ods") == (2, "", "错误：输出文件“s.ods”的扩展名应为 .xlsx 或 .csv\n")


def test_every_command_has_help(capsys):
    for command in ("check", "stats", "sample"):
        code, out, _ = run_cli(capsys, "applications", command, "--help")
        assert code == 0 and f"gdcomply applications {command}" in out
    code, out, _ = run_cli(capsys, "applications", "--help")
    assert code == 0 and all(c in out for c in ("check", "stats", "sample"))


def test_docs_show_each_command():
    from pathlib import Path

    docs = Path(__file__).resolve().parent.parent / "docs" / "applications.md"
    text = docs.read_text(encoding="utf-8")
    for command in ("applications check", "applications stats", "applications sample"):
        assert f"$ gdcomply {command}" in text


def test_progress_bar_only_on_a_terminal(files, capsys, monkeypatch):
    import sys

    code, _, err = run_cli(capsys, "applications", "stats", "data.xlsx", "--format", "json")
    assert (code, err) == (0, BUNDLED_NOTICE)  # a pipe: no progress bar on stderr
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run_cli(capsys, "applications", "stats", "data.xlsx", "--format", "json")
    assert code == 0 and json.loads(out)["rows"]["read"] == 11
    assert "读取 data.xlsx" in err


def test_json_lists_long_record_lists_one_record_per_line(capsys, monkeypatch):
    from gdcomply.cli.applications_cmds import write_json

    records = [{"application_id": f"H{i}", "working_days": i} for i in range(25)]
    payload = {"classes": {"high-voltage": {"count": 25, "energised": records, "few": [{"a": 1}]}}, "problems": []}
    write_json(payload)
    out = capsys.readouterr().out
    assert json.loads(out) == payload
    lines = out.splitlines()
    assert lines[4:6] == [
        '      "energised": [',
        '        {"application_id": "H0", "working_days": 0},',
    ]
    assert lines[29:31] == ['        {"application_id": "H24", "working_days": 24}', "      ],"]


def test_brackets_in_names_are_not_markup(files, capsys):
    write_csv(files / "b.csv", [row("B1", "桂源公司", "高压新装", "2026-09-01", "2026-09-30", capacity=400,
                                    customer="贺州市[bold]测试[/bold]公司")])
    code, out, _ = run_cli(capsys, "applications", "stats", "b.csv")
    assert code == 0 and "贺州市[bold]测试[/bold]公司" in out


def test_provisional_year_warns_and_strict_refuses(files, capsys):
    # 2034's holiday notice is years away: the figures carry a warning.
    # (2034-03-01 Wed, 2034-03-07 Tue]: Mar 2, 3, 6, 7 = 4
    write_csv(files / "y.csv", [row("Y1", "桂源公司", "低压居民新装", "2034-03-01", "2034-03-07")])
    code, out, err = run_cli(capsys, "applications", "stats", "y.csv", "--format", "json")
    assert (code, json.loads(out)["classes"]["residential"]["mean_working_days"]) == (0, 4)
    assert err.startswith(BUNDLED_NOTICE + "警告：2034 年的法定节假日安排尚未公布")
    code, out, err = run_cli(capsys, "applications", "stats", "y.csv", "--strict")
    assert (code, out) == (1, "")
    assert err.startswith(BUNDLED_NOTICE + "错误：严格模式（--strict）下不能使用未公布节假日安排的年份：\n2034 年")


def test_a_file_of_bad_rows_shows_the_first_problems_the_count_and_exits_1(files, capsys):
    """Issue 11 item 5: every row bad printed every problem (221 MB) and exited 0."""
    bad = [row(f"B{i}", "桂源公司", "低压居民新装", f"2026-13-{i % 28 + 1:02d}") for i in range(500)]
    write_csv(files / "bad.csv", bad)
    code, out, err = run_cli(capsys, "applications", "check", "bad.csv", "--as-of", "2026-10-14")
    assert code == 1
    assert "未送电的申请 0 件" in out
    lines = err.splitlines()
    assert lines[0] == BUNDLED_NOTICE.rstrip("\n")
    assert lines[1] == "注意：有 500 行数据有问题，未参与计算（共 500 处问题）："
    assert lines[2] == "  bad.csv:2: 受理日期: “2026-13-01”不是有效的日期（2026 年没有 13 月 1 日）"
    assert len(lines) == 1 + 1 + 20 + 1
    assert lines[-1] == "  ……其余 480 处问题未显示；加 --problems 文件名 可把全部问题写入文件。"

    code, out, err = run_cli(capsys, "applications", "stats", "bad.csv", "--problems", "problems.txt")
    assert code == 1
    assert err.splitlines()[-1] == "全部问题已写入 problems.txt。"
    written = (files / "problems.txt").read_text(encoding="utf-8").splitlines()
    assert len(written) == 500 and written[499].startswith("bad.csv:501: 受理日期: “2026-13-")

    code, out, err = run_cli(capsys, "applications", "check", "bad.csv", "--as-of", "2026-10-14", "--format", "json")
    payload = json.loads(out)
    assert (code, err, len(payload["problems"]), payload["problem_count"]) == (1, BUNDLED_NOTICE, 20, 500)

    code, out, err = run_cli(capsys, "applications", "stats", "bad.csv", "--strict")
    assert (code, out) == (1, "")
    assert err.startswith(BUNDLED_NOTICE + "错误：数据文件有 500 处问题，--strict 模式下不做计算（500 行受影响）：\n")
    assert len(err.splitlines()) == 1 + 22
