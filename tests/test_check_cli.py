"""`gdcomply check` replaying 2018 from the plan, through the real CLI and a real ledger (each store).

The workspace tracks since 2018-06-01 and records what happened, all through `gdcomply submit`:

- every report of 2018 on time, with these exceptions:
- LATE: 供电公司's first progress report (2018-R1, due Fri 06-08) came on Tue 06-12,
  2 working days late (06-11, 06-12);
- MISSING: 供电公司's fourth progress report (2018-R4, due 11-18, a Sunday, so Fri 11-16)
  never came;
- 桂源公司 reported 2018-R3 on Sun 09-30, a make-up workday (调休) before National Day.

The 2018 dates used below (China's calendar): 06-10, 07-15, 08-05 and 11-18 are Sundays, so
those deadlines roll back to the Friday before (06-08, 07-13, 08-03, 11-16).
"""

from __future__ import annotations

import re

import contextlib
import io
import json
from pathlib import Path

import pytest

from gdcomply.cli import main

# (obligation, period, --from, --to, --on); None: no --to (one receiver, or a milestone)
REPLAY_2018 = [
    ("implementation-plan", "2018", "guiyuan", None, "2018-06-06"),
    ("implementation-plan", "2018", "gongdian", None, "2018-06-08"),
    ("implementation-plan", "2018", "company", None, "2018-06-08"),
    ("disclosure", "2018", "company", None, "2018-06-08"),
    ("progress-report", "2018-R1", "guiyuan", "all", "2018-06-08"),
    ("progress-report", "2018-R1", "gongdian", None, "2018-06-12"),  # late
    ("progress-report", "2018-R1", "company", None, "2018-06-08"),
    ("disclosure", "2018-R1", "company", None, "2018-06-08"),
    ("connection-data", "2018-H1", "guiyuan", "all", "2018-07-10"),
    ("connection-data", "2018-H1", "gongdian", None, "2018-07-09"),
    ("connection-data", "2018-H1", "company", None, "2018-07-13"),
    ("self-inspection", "2018", "guiyuan", None, "2018-07-13"),  # no --to: the 完成自查 milestone
    ("self-inspection", "2018", "gongdian", None, "2018-07-13"),
    ("self-inspection", "2018", "guiyuan", "all", "2018-07-20"),  # the report: all receivers
    ("self-inspection", "2018", "gongdian", "company", "2018-07-19"),
    ("self-inspection", "2018", "company", None, "2018-07-31"),
    ("rectification", "2018", "guiyuan", "all", "2018-08-03"),
    ("rectification", "2018", "gongdian", None, "2018-08-02"),
    ("progress-report", "2018-R2", "guiyuan", "all", "2018-08-08"),
    ("progress-report", "2018-R2", "gongdian", None, "2018-08-08"),
    ("progress-report", "2018-R2", "company", None, "2018-08-10"),
    ("disclosure", "2018-R2", "company", None, "2018-08-10"),
    ("progress-report", "2018-R3", "guiyuan", "all", "2018-09-30"),  # a make-up Sunday
    ("progress-report", "2018-R3", "gongdian", None, "2018-10-08"),
    ("progress-report", "2018-R3", "company", None, "2018-10-10"),
    ("disclosure", "2018-R3", "company", None, "2018-10-10"),
    ("progress-report", "2018-R4", "guiyuan", "all", "2018-11-16"),
    # 2018-R4 from gongdian: missing
    ("progress-report", "2018-R4", "company", None, "2018-11-20"),
    ("disclosure", "2018-R4", "company", None, "2018-11-20"),
    ("wechat-account", "2018", "company", None, "2018-11-29"),
]

PR = "progress-report"


def _run(args: list[str]) -> tuple[int, str, str]:
    """gdcomply ARGS in-process (for the module fixtures, which cannot use the `cli` fixture)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:  # pragma: no cover - main always exits
            code = 0
    return code, out.getvalue(), err.getvalue()


def _ok(args: list[str]) -> str:
    code, out, err = _run(args)
    assert code == 0, (args, out, err)
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ws2018(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _isolated_environment: Path) -> Path:
    """The 2018 workspace, tracking since 2018-06-01, with every submission of REPLAY_2018, its
    ledger an SQLite file or a shared PostgreSQL database: every test of it runs on both."""
    root = tmp_path_factory.mktemp("replay") / "ws"
    if request.param == "postgresql":
        url = request.getfixturevalue("new_pg_database")()
        _ok(["ledger", "migrate", "--ledger", url, "--since", "2018-06-01"])
        _ok(["init", root, "--ledger", url])
    else:
        _ok(["init", root, "--since", "2018-06-01"])
    files = root.parent / "files"
    files.mkdir()
    for n, (obligation, period, sender, receiver, on) in enumerate(REPLAY_2018):
        evidence = files / f"{n:02d}-{obligation}-{period}-{sender}.docx"
        evidence.write_text(f"{obligation} {period} {sender} {on}", encoding="utf-8")
        args = ["submit", obligation, evidence, "--period", period, "--from", sender, "--on", on, "-w", root]
        if receiver:
            args += ["--to", receiver]
        out = _ok(args)
        assert out.startswith("已登记 #"), out
    return root


def check_json(cli, ws: Path, *args: str) -> tuple[int, dict]:
    result = cli(["check", "--format", "json", "-w", ws, *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def statuses(payload: dict) -> dict[str, str]:
    return {item["id"]: item["status"] for item in payload["items"]}


def by_id(payload: dict) -> dict[str, dict]:
    return {item["id"]: item for item in payload["items"]}


def ids_for(period: str, obligation: str = PR) -> dict[str, str]:
    """The four instances of one progress-report round, by who reports to whom."""
    return {
        "guiyuan->company": f"{obligation}/{period}/guiyuan->company",
        "guiyuan->bureau": f"{obligation}/{period}/guiyuan->bureau",
        "gongdian->company": f"{obligation}/{period}/gongdian->company",
        "company->bureau": f"{obligation}/{period}/company->bureau",
    }


ALL_2018 = sorted(
    [
        "implementation-plan/2018/guiyuan->company",
        "implementation-plan/2018/gongdian->company",
        "implementation-plan/2018/company->bureau",
        "disclosure/2018/company",
        *(i for r in ("R1", "R2", "R3", "R4") for i in ids_for(f"2018-{r}").values()),
        *(f"disclosure/2018-{r}/company" for r in ("R1", "R2", "R3", "R4")),
        *ids_for("2018-H1", "connection-data").values(),
        "self-inspection/2018/guiyuan",
        "self-inspection/2018/gongdian",
        "self-inspection/2018/guiyuan->company",
        "self-inspection/2018/guiyuan->bureau",
        "self-inspection/2018/gongdian->company",
        "self-inspection/2018/company->bureau",
        "rectification/2018/guiyuan->company",
        "rectification/2018/guiyuan->bureau",
        "rectification/2018/gongdian->company",
        "wechat-account/2018/company",
    ]
)
ZERO = {"overdue": 0, "at-risk": 0, "due-soon": 0, "late": 0, "done": 0, "upcoming": 0, "untracked": 0}


def test_the_replay_recorded_one_row_per_instance(cli, ws2018: Path) -> None:
    exported = json.loads(cli(["export", "--format", "json", "-w", ws2018]).stdout)
    recorded = sorted(row["instance_id"] for row in exported["submissions"])
    missing = "progress-report/2018-R4/gongdian->company"
    assert recorded == sorted(i for i in ALL_2018 if i != missing)
    assert all(row["state"] == "active" for row in exported["submissions"])


def test_2018_11_19_a_missing_unit_report_puts_the_company_at_risk(cli, ws2018: Path) -> None:
    """R4: units due Fri 11-16 (11-18 is a Sunday), the company Tue 11-20; 供电公司 never reports."""
    code, payload = check_json(cli, ws2018, "--as-of", "2018-11-19", "--all")
    assert code == 1  # something is overdue
    r4 = ids_for("2018-R4")
    expected = {i: "done" for i in ALL_2018}
    expected.update(
        {
            r4["gongdian->company"]: "overdue",
            r4["company->bureau"]: "at-risk",
            # the company discloses on 11-20: not yet as of 11-19 (later rows are ignored)
            "disclosure/2018-R4/company": "due-soon",
            ids_for("2018-R1")["gongdian->company"]: "late",
            "wechat-account/2018/company": "upcoming",
        }
    )
    assert statuses(payload) == expected
    assert payload["summary"] == {**ZERO, "done": 33, "late": 1, "overdue": 1, "at-risk": 1, "due-soon": 1, "upcoming": 1}
    assert payload["as_of"] == "2018-11-19"
    assert payload["tracking_since"] == "2018-06-01"

    items = by_id(payload)
    overdue = items[r4["gongdian->company"]]
    assert (overdue["due"], overdue["nominal"], overdue["rolled"]) == ("2018-11-16", "2018-11-18", True)
    assert (overdue["working_days_left"], overdue["working_days_overdue"], overdue["working_days_late"]) == (None, 1, None)
    assert overdue["submission"] is None
    at_risk = items[r4["company->bureau"]]
    assert at_risk["due"] == "2018-11-20"
    assert (at_risk["working_days_left"], at_risk["working_days_overdue"], at_risk["working_days_late"]) == (1, None, None)
    assert items["disclosure/2018-R4/company"]["working_days_left"] == 1
    late = items[ids_for("2018-R1")["gongdian->company"]]
    assert (late["working_days_left"], late["working_days_overdue"], late["working_days_late"]) == (None, None, 2)
    assert late["submission"]["submitted_on"] == "2018-06-12"
    assert items["wechat-account/2018/company"]["working_days_left"] == 9  # 11-20 … 11-30
    done = items[r4["guiyuan->bureau"]]
    assert (done["working_days_left"], done["working_days_overdue"], done["working_days_late"]) == (None, None, None)
    assert done["submission"]["submitted_on"] == "2018-11-16"
    assert [f["name"] for f in done["submission"]["files"]] == ["26-progress-report-2018-R4-guiyuan.docx"]
    assert len(done["submission"]["files"][0]["sha256"]) == 64
    # guiyuan's --to all recorded one submission per receiver: two rows, the same file
    twin = items[r4["guiyuan->company"]]["submission"]
    assert twin["id"] != done["submission"]["id"] and twin["files"] == done["submission"]["files"]


def test_2018_11_19_default_view_is_most_urgent_first(cli, ws2018: Path) -> None:
    code, payload = check_json(cli, ws2018, "--as-of", "2018-11-19")
    r4 = ids_for("2018-R4")
    # overdue, at-risk, due soon, then what was completed in the last 30 days (11-16)
    assert [(i["id"], i["status"]) for i in payload["items"]] == [
        (r4["gongdian->company"], "overdue"),
        (r4["company->bureau"], "at-risk"),
        ("disclosure/2018-R4/company", "due-soon"),
        (r4["guiyuan->bureau"], "done"),
        (r4["guiyuan->company"], "done"),
    ]
    # the summary still counts the whole year
    assert sum(payload["summary"].values()) == len(ALL_2018)
    assert code == 1


def test_check_json_has_exactly_the_documented_keys(cli, ws2018: Path) -> None:
    _, payload = check_json(cli, ws2018, "--as-of", "2018-11-19", "--all")
    assert set(payload) == {"as_of", "tracking_since", "summary", "items", "warnings", "complaints"}
    assert payload["complaints"] == {"overdue": 0, "items": []}  # overdue complaint replies (issue 16)
    assert list(payload["summary"]) == ["overdue", "at-risk", "due-soon", "late", "done", "upcoming", "untracked"]
    calendar = json.loads(cli(["calendar", "--year", "2018", "--format", "json", "-w", ws2018]).stdout)
    calendar_items = {i["id"]: i for i in calendar["instances"]}
    extra = ["status", "working_days_left", "working_days_overdue", "working_days_late", "submission"]
    for item in payload["items"]:
        instance = calendar_items[item["id"]]
        assert list(item) == [*instance, *extra]
        assert {k: item[k] for k in instance} == instance  # the calendar's own keys and values
        if item["submission"] is not None:
            assert set(item["submission"]) == {"id", "submitted_on", "files"}
            assert all(set(f) == {"name", "sha256"} for f in item["submission"]["files"])
    # squeezes of 2018 (06-10 is a Sunday: the company's date meets the units') are warned about
    assert any(w["code"] == "squeeze" and "2018-06-08" in w["message"] for w in payload["warnings"])


def test_2018_06_05_nothing_is_submitted_yet_and_later_rows_are_ignored(cli, ws2018: Path) -> None:
    """Replaying a past day: the submissions dated after it do not count."""
    code, payload = check_json(cli, ws2018, "--as-of", "2018-06-05", "--all")
    due_0608 = [
        "implementation-plan/2018/guiyuan->company",
        "implementation-plan/2018/gongdian->company",
        "implementation-plan/2018/company->bureau",
        "disclosure/2018/company",
        *ids_for("2018-R1").values(),
        "disclosure/2018-R1/company",
    ]
    expected = {i: "upcoming" for i in ALL_2018}
    expected.update({i: "due-soon" for i in due_0608})
    assert statuses(payload) == expected
    assert {by_id(payload)[i]["working_days_left"] for i in due_0608} == {3}  # 06-06, 06-07, 06-08
    assert payload["summary"] == {**ZERO, "due-soon": 9, "upcoming": 29}
    assert all(i["submission"] is None for i in payload["items"])
    assert code == 0  # nothing overdue
    default_code, default = check_json(cli, ws2018, "--as-of", "2018-06-05")
    assert sorted(statuses(default)) == sorted(due_0608)
    assert default_code == 0


def test_2018_06_11_the_late_report_is_first_overdue(cli, ws2018: Path) -> None:
    code, payload = check_json(cli, ws2018, "--as-of", "2018-06-11")
    r1 = ids_for("2018-R1")
    done = [
        "implementation-plan/2018/guiyuan->company",
        "implementation-plan/2018/gongdian->company",
        "implementation-plan/2018/company->bureau",
        "disclosure/2018/company",
        r1["guiyuan->company"],
        r1["guiyuan->bureau"],
        r1["company->bureau"],
        "disclosure/2018-R1/company",
    ]
    assert payload["items"][0]["id"] == r1["gongdian->company"]
    assert payload["items"][0]["working_days_overdue"] == 1  # Fri 06-08 → Mon 06-11
    assert statuses(payload) == {r1["gongdian->company"]: "overdue", **{i: "done" for i in done}}
    # the company reported on time although a unit was late: done, never at risk afterwards
    assert payload["summary"] == {**ZERO, "overdue": 1, "done": 8, "upcoming": 29}
    assert code == 1


def test_2018_11_21_overdue_grows_in_working_days_and_horizon_widens_due_soon(cli, ws2018: Path) -> None:
    _, payload = check_json(cli, ws2018, "--as-of", "2018-11-21", "--all")
    items = by_id(payload)
    r4 = ids_for("2018-R4")
    assert items[r4["gongdian->company"]]["working_days_overdue"] == 3  # 11-19, 11-20, 11-21
    assert items[r4["company->bureau"]]["status"] == "done"  # reported 11-20: no longer at risk
    assert items["wechat-account/2018/company"]["status"] == "upcoming"  # 7 working days left
    assert items["wechat-account/2018/company"]["working_days_left"] == 7
    _, wider = check_json(cli, ws2018, "--as-of", "2018-11-21", "--horizon", "7")
    assert by_id(wider)["wechat-account/2018/company"]["status"] == "due-soon"
    _, narrower = check_json(cli, ws2018, "--as-of", "2018-11-21", "--horizon", "6")
    assert "wechat-account/2018/company" not in statuses(narrower)


def test_party_filter(cli, ws2018: Path) -> None:
    _, payload = check_json(cli, ws2018, "--as-of", "2018-11-19", "--party", "gongdian")
    assert statuses(payload) == {ids_for("2018-R4")["gongdian->company"]: "overdue"}
    assert payload["summary"] == {**ZERO, "done": 7, "late": 1, "overdue": 1}
    _, bureau = check_json(cli, ws2018, "--as-of", "2018-11-19", "--party", "bureau", "--all")
    assert all(item["to"] == "bureau" for item in bureau["items"])
    assert len(bureau["items"]) == 14
    # the company's at-risk judgement still sees 供电公司's report, which --party bureau hides
    assert by_id(bureau)[ids_for("2018-R4")["company->bureau"]]["status"] == "at-risk"


def test_fail_on_exit_codes(cli, ws2018: Path) -> None:
    # 11-19: something overdue
    assert cli(["check", "-w", ws2018, "--as-of", "2018-11-19"]).exit_code == 1
    assert cli(["check", "-w", ws2018, "--as-of", "2018-11-19", "--fail-on", "overdue"]).exit_code == 1
    assert cli(["check", "-w", ws2018, "--as-of", "2018-11-19", "--fail-on", "never"]).exit_code == 0
    # 06-05: nothing overdue, but due soon
    assert cli(["check", "-w", ws2018, "--as-of", "2018-06-05"]).exit_code == 0
    assert cli(["check", "-w", ws2018, "--as-of", "2018-06-05", "--fail-on", "due-soon"]).exit_code == 1
    # 10-15: all of R3 done, R4 far away; nothing due soon
    quiet = cli(["check", "-w", ws2018, "--as-of", "2018-10-15", "--fail-on", "due-soon"])
    assert quiet.exit_code == 0, quiet.output


def test_table_on_a_pipe_never_cuts_the_period_date_or_route(cli, tmp_path: Path) -> None:
    """Cron mails the table: with long details, the key columns must still be whole."""
    workspace = tmp_path / "quiet"
    assert cli(["init", str(workspace), "--since", "2026-01-01"]).exit_code == 0
    result = cli(["check", "-w", str(workspace), "--as-of", "2026-11-19"])
    rows = [line for line in result.stdout.splitlines() if line.startswith(("已逾期 ", "有风险 "))]
    assert len(rows) == 27
    for row in rows:
        cells = [cell.strip() for cell in row.split("│")]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} 周[一二三四五六日]", cells[1]), row
        assert re.fullmatch(r"\d{4}-(R[1-4]|H[12])", cells[3]), row
        assert "…" not in cells[4] and ("→" in cells[4] or cells[4] == "公司（完成/公开）"), row
    assert "未按时报送" in result.stdout.replace("\n", "").replace("│", "").replace(" ", "")


def test_table_output_has_the_summary_line_and_chinese_details(cli, ws2018: Path) -> None:
    result = cli(["check", "-w", ws2018, "--as-of", "2018-11-19"])
    lines = result.stdout.splitlines()
    assert lines[0] == "2018-11-19 报送检查：已逾期 1，有风险 1，即将到期 1，逾期完成 1，按时完成 33，未到期 1"
    assert "已逾期 3 天（1 个工作日）" in result.stdout
    assert "剩 1 个工作日；供电公司未按时报送" in result.stdout
    assert "警告：" in result.stderr and "汇总时间被挤压" in result.stderr


def test_bad_usage_exits_2_with_a_chinese_message(cli, ws2018: Path) -> None:
    result = cli(["check", "-w", ws2018, "--as-of", "2018/11/19"])
    assert result.exit_code == 2
    assert result.stderr == "错误：--as-of 的值“2018/11/19”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）\n"
    result = cli(["check", "-w", ws2018, "--as-of", "2018-11-19", "--party", "gongdain"])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：--party 的值“gongdain”不是已知的单位。是否想输入：gongdian？可选：")
    assert "供电公司（gongdian）" in result.stderr
    result = cli(["check", "-w", ws2018, "--horizon", "-1"])
    assert (result.exit_code, result.stderr) == (2, "错误：--horizon 不能为负数\n")
    result = cli(["check", "-w", ws2018, "--fail-on", "sometimes"])
    assert result.exit_code == 2 and result.stdout == ""


@pytest.fixture(scope="module")
def ws_late_start(tmp_path_factory: pytest.TempPathFactory, _isolated_environment: Path) -> Path:
    """A team that starts tracking on 2018-08-01; it recorded one report of July anyway."""
    root = tmp_path_factory.mktemp("late-start") / "ws"
    _ok(["init", root, "--since", "2018-08-01"])
    evidence = root.parent / "自查报告.pdf"
    evidence.write_bytes(b"%PDF self-inspection")
    _ok(["submit", "self-inspection", evidence, "--period", "2018", "--from", "company", "--on", "2018-07-31", "-w", root])
    return root


def test_instances_due_before_tracking_start_are_untracked(cli, ws_late_start: Path) -> None:
    code, payload = check_json(cli, ws_late_start, "--as-of", "2018-08-06", "--all")
    assert payload["tracking_since"] == "2018-08-01"
    before_start = [
        i
        for i in ALL_2018
        if i.startswith(("implementation-plan/", "disclosure/2018/", "connection-data/", "self-inspection/"))
        or "2018-R1" in i
    ]
    assert len(before_start) == 19
    expected = {i: "upcoming" for i in ALL_2018}
    expected.update({i: "untracked" for i in before_start})
    expected["self-inspection/2018/company->bureau"] = "done"  # submitted: judged after all
    expected.update({i: "overdue" for i in ALL_2018 if i.startswith("rectification/")})  # Fri 08-03
    expected.update({i: "due-soon" for i in ALL_2018 if "2018-R2" in i})
    assert statuses(payload) == expected
    assert payload["summary"] == {**ZERO, "untracked": 18, "done": 1, "overdue": 3, "due-soon": 5, "upcoming": 11}
    items = by_id(payload)
    assert items["rectification/2018/gongdian->company"]["working_days_overdue"] == 1
    assert items["progress-report/2018-R2/guiyuan->company"]["working_days_left"] == 2
    assert items["progress-report/2018-R2/company->bureau"]["working_days_left"] == 4
    untracked = items["implementation-plan/2018/company->bureau"]
    assert (untracked["working_days_left"], untracked["working_days_overdue"], untracked["working_days_late"]) == (None, None, None)
    assert code == 1
    # without --all the untracked are counted but not listed
    _, default = check_json(cli, ws_late_start, "--as-of", "2018-08-06")
    assert "untracked" not in set(statuses(default).values())
    assert default["summary"]["untracked"] == 18
    assert statuses(default)["self-inspection/2018/company->bureau"] == "done"  # completed in the last 30 days


def test_a_later_year_shows_earlier_overdue_items(cli, ws2018: Path) -> None:
    """2019-01-07: last year's missing R4 report is still overdue and still shown."""
    _, payload = check_json(cli, ws2018, "--as-of", "2019-01-07")
    items = statuses(payload)
    assert items["progress-report/2018-R4/gongdian->company"] == "overdue"
    assert items["connection-data/2018-H2/gongdian->company"] == "due-soon"  # due 2019-01-10
    assert not any(i.startswith("progress-report/2018-R3") for i in items)


@pytest.mark.parametrize("command", [["check"], ["remind", "--dry-run"]])
def test_an_as_of_outside_the_calendar_is_wrong_usage_not_a_finding(cli, tmp_path: Path, command) -> None:
    workspace = tmp_path / "ws"
    assert cli(["init", str(workspace), "--since", "2026-01-01"]).exit_code == 0
    result = cli([*command, "-w", str(workspace), "--as-of", "2036-01-01"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "错误：--as-of 的值 2036-01-01 超出工作日历支持的范围（2000-01-01 至 2035-12-31）\n"
