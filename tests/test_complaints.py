"""Complaints (issue 16): importing hotline exports into the ledger, reply deadlines, ``complaints
check`` and ``stats``, masking of phone numbers, the sample exports, on both ledger stores.

The 2026 calendar used: 2026-09-20 (Sunday) and 2026-10-10 (Saturday) are 调休 working days,
2026-10-01 to 10-07 the National Day holiday.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from gdcomply.complaints.deadlines import Status, deadline
from gdcomply.complaints.model import Category, Complaint, ReportPeriod, Source, mask_phone
from gdcomply.complaints.settings import ComplaintSettings
from gdcomply.complaints.stats import complaint_stats, percent

HEADER = ("工单编号", "来源", "受理时间", "责任单位", "类别", "客户名称", "联系电话", "内容摘要", "答复时间", "办结时间",
          "是否属实", "整改措施", "关联申请编号")  # fmt: skip
PHONE = "13812341234"
ROWS = [
    ("GX001", "12398", date(2026, 9, 28), "桂源公司", "业扩报装", "张三", PHONE, "报装慢", None, None, "", "", "GY20260000001"),
    ("K002", "966068", date(2026, 10, 9), "供电公司", "营业收费", "李四", "13900001111", "电费有误", date(2026, 10, 21), None, "是", "退还多收电费", ""),
    ("W003", "网上国网", date(2026, 9, 1), "营销部", "供电服务", "王五", "0774-5211234", "态度差", date(2026, 9, 10), date(2026, 9, 20), "否", "", ""),
    ("GX004", "12398", date(2026, 10, 12), "guiyuan", "供电质量", "赵六", PHONE, "频繁停电", None, None, "", "", ""),
]  # fmt: skip


def write_xlsx(path: Path, rows: list[tuple], header: tuple[str, ...] = HEADER) -> Path:
    from gdcomply.reports.sample_xlsx import write_sheets

    write_sheets([("投诉", header, rows)], path)
    return path


def write_csv(path: Path, rows: list[tuple], encoding: str = "gbk") -> Path:
    from gdcomply.applications.sample import write_csv_files

    write_csv_files([(path, HEADER, rows)], encoding)
    return path


@pytest.fixture
def ws(cli, tmp_path: Path, backend: str, shared_workspace) -> Path:
    """A workspace (SQLite, or a shared PostgreSQL ledger), the working directory inside it."""
    if backend == "postgresql":
        shared_workspace("ws")
    else:
        assert cli(["init", "ws", "--since", "2026-01-01"]).exit_code == 0
    os.chdir(tmp_path / "ws")
    return tmp_path / "ws"


sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


def exported(cli) -> dict:
    result = cli(["export", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- import --------------------------------------------------------------------------------


def test_an_xlsx_export_is_imported_with_its_bad_rows_located_and_left_out(cli, ws: Path) -> None:
    bad = [
        ("GX005", "12389", date(2026, 10, 12), "某单位", "收费", "", "", "", None, None, "", "", ""),
        ("GX006", "12398", "2026-13-01", "桂源公司", "供电服务", "", "", "", None, None, "也许", "", ""),
        ("GX007", "12398", date(2026, 10, 12), "桂源公司", "供电服务", "", "", "", date(2026, 10, 9), None, "", "", ""),
        ("K002", "966068", date(2026, 10, 9), "供电公司", "营业收费", "", "", "", None, None, "", "", ""),
    ]  # fmt: skip
    result = cli(["complaints", "import", write_xlsx(ws / "c.xlsx", ROWS + bad)])
    assert result.exit_code == 1
    assert result.stdout == "已导入 c.xlsx：读取 8 行，新增 3 条，更新 0 条，未变 0 条，有问题未导入 5 行。\n"
    assert result.stderr.splitlines() == [
        "注意：有 5 行数据有问题，未导入（共 6 处问题）：",
        "  c.xlsx:投诉!B6: 来源: “12389”不是已知的热线号码（应为 12398 或 966068；其他渠道请写渠道名称或“其他”）",
        "  c.xlsx:投诉!D6: 责任单位: “某单位”不是已知的责任单位（应为 公司（company）、桂源公司（guiyuan）、供电公司（gongdian）、"
        "营销部（marketing）、运维检修部（operations）；公司的其他部门请加到 config/complaints.yaml 的 departments 中）",
        "  c.xlsx:投诉!C7: 受理时间: “2026-13-01”不是有效的日期（2026 年没有 13 月 1 日）",
        "  c.xlsx:投诉!K7: 是否属实: “也许”应为“是”“否”（或“属实”“部分属实”“不属实”），尚未核实的留空",
        "  c.xlsx:投诉!I8: 答复时间: 2026-10-09 早于受理时间 2026-10-12",
        "  c.xlsx:投诉!A9: 工单编号: 工单“966068/K002”重复，与 投诉!A3 相同；两行都未导入",
    ]
    stored = exported(cli)["complaints"]
    assert [(row["source"], row["ticket"], row["unit"]) for row in stored] == [
        ("12398", "GX001", "guiyuan"), ("other", "W003", "marketing"), ("12398", "GX004", "guiyuan"),
    ]  # fmt: skip
    assert stored[0]["phone"] == PHONE  # the record keeps the number whole


@sqlite_only
def test_a_gbk_csv_export_is_read_and_its_bad_row_named_by_line(cli, ws: Path) -> None:
    rows = [*ROWS[:2], ("K009", "966068", date(2026, 10, 9), "供电公司", "电价", "", "", "", None, None, "", "", "")]
    path = write_csv(ws / "热线.csv", rows, "gbk")
    assert "桂源公司".encode("gbk") in path.read_bytes()
    result = cli(["complaints", "import", path])
    assert result.exit_code == 1
    assert result.stdout == "已导入 热线.csv：读取 3 行，新增 2 条，更新 0 条，未变 0 条，有问题未导入 1 行。\n"
    assert "  热线.csv:4: 类别: “电价”不是已知的投诉类别（应为 业扩报装、营业收费、供电服务、信息公开、供电质量、其他 之一）" in result.stderr


@sqlite_only
def test_the_reader_takes_numbers_blank_rows_an_absent_column_and_short_lines(cli, ws: Path) -> None:
    """The column-wise reader's edges: a phone typed as a number, a blank row (not counted), a
    row with no ticket, 办结 before 受理, no 关联申请编号 column at all; then a CSV with short lines."""
    rows = [
        ("GX011", "12398", date(2026, 10, 12), "桂源公司", "业扩报装", "张三", 13812341234, "报装慢", None, None, "", ""),
        (None,) * 12,
        ("", "12398", date(2026, 10, 12), "桂源公司", "业扩报装", "", "", "", None, None, "", ""),
        ("GX012", "12398", date(2026, 10, 12), "桂源公司", "业扩报装", "", "", "", None, date(2026, 10, 9), "", ""),
        (" GX013 ", "12398", date(2026, 10, 13), "供电公司", "信息公开", "", "", "", None, None, "属实", ""),
    ]  # fmt: skip
    result = cli(["complaints", "import", write_xlsx(ws / "c.xlsx", rows, HEADER[:-1])])
    assert result.exit_code == 1
    assert result.stdout == "已导入 c.xlsx：读取 4 行，新增 2 条，更新 0 条，未变 0 条，有问题未导入 2 行。\n"
    assert result.stderr.splitlines()[1:] == [
        "  c.xlsx:投诉!A4: 工单编号: 为空（必填）",
        "  c.xlsx:投诉!J5: 办结时间: 2026-10-09 早于受理时间 2026-10-12",
    ]
    stored = exported(cli)["complaints"]
    assert [(r["ticket"], r["phone"], r["application_id"], r["substantiated"]) for r in stored] == [
        ("GX011", "13812341234", "", None), ("GX013", "", "", "yes"),
    ]  # fmt: skip
    lines = ",".join(HEADER) + "\nK021,966068,2026-10-09,供电公司,营业收费\nK022,966068,2026-10-09,供电公司,营业收费,李四,139\n"
    (ws / "short.csv").write_text(lines, encoding="utf-8")
    result = cli(["complaints", "import", "short.csv"])
    assert (result.exit_code, result.stdout) == (0, "已导入 short.csv：读取 2 行，新增 2 条，更新 0 条，未变 0 条。\n")
    stored = exported(cli)["complaints"]
    assert [(r["ticket"], r["customer"], r["phone"], r["replied"]) for r in stored[2:]] == [
        ("K021", "", "", None), ("K022", "李四", "139", None),
    ]  # fmt: skip


@sqlite_only
def test_rows_are_checked_across_the_readers_chunks(cli, ws: Path) -> None:
    """The reader converts 256 rows at a time: a ticket repeated in a later chunk, and bad rows
    and line numbers in it, are found as in the first."""
    rows = [(f"GX{n:04d}", "12398", date(2026, 10, 12), "桂源公司", "业扩报装", "", "", "", None, None, "", "", "")
            for n in range(600)]  # fmt: skip
    rows[400] = rows[5]  # sheet row 402 repeats row 7
    rows[520] = ("GX9999", "12398", date(2026, 10, 12), "桂源公司", "电价", "", "", "", None, None, "", "", "")
    result = cli(["complaints", "import", write_xlsx(ws / "c.xlsx", rows)])
    assert result.exit_code == 1
    assert result.stdout == "已导入 c.xlsx：读取 600 行，新增 597 条，更新 0 条，未变 0 条，有问题未导入 3 行。\n"
    assert result.stderr.splitlines()[1:] == [
        "  c.xlsx:投诉!A402: 工单编号: 工单“12398/GX0005”重复，与 投诉!A7 相同；两行都未导入",
        "  c.xlsx:投诉!E522: 类别: “电价”不是已知的投诉类别（应为 业扩报装、营业收费、供电服务、信息公开、供电质量、其他 之一）",
    ]
    path = write_csv(ws / "c.csv", [*rows[:300], ("", *rows[1][1:]), *rows[301:]], "gbk")
    result = cli(["complaints", "import", path])
    assert "  c.csv:302: 工单编号: 为空（必填）" in result.stderr.splitlines()


def test_importing_the_same_export_again_changes_nothing(cli, ws: Path) -> None:
    path = write_xlsx(ws / "c.xlsx", ROWS)
    assert cli(["complaints", "import", path]).exit_code == 0
    before = exported(cli)
    again = cli(["complaints", "import", path])
    assert (again.exit_code, again.stdout) == (0, "已导入 c.xlsx：读取 4 行，新增 0 条，更新 0 条，未变 4 条。\n")
    assert exported(cli) == before
    assert len(before["complaint_audit"]) == 4 and {row["action"] for row in before["complaint_audit"]} == {"complaint-add"}
    assert [row["complaint_id"] for row in before["complaint_audit"]] == [row["id"] for row in before["complaints"]]
    assert json.loads(before["complaint_audit"][0]["after"]) == {
        "source": "12398", "ticket": "GX001", "received": "2026-09-28", "unit": "guiyuan",
    }  # fmt: skip


def test_a_later_export_updates_its_tickets_and_the_audit_keeps_before_and_after(cli, ws: Path) -> None:
    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", ROWS)]).exit_code == 0
    new = ("K010", "966068", date(2026, 10, 13), "供电公司", "营业收费", "", "", "", None, None, "", "", "")
    later = [ROWS[0][:8] + (date(2026, 10, 15), None, "是", "约谈班组", "GY20260000001"), *ROWS[1:], new]
    result = cli(["complaints", "import", write_xlsx(ws / "c2.xlsx", later)])
    assert (result.exit_code, result.stdout) == (0, "已导入 c2.xlsx：读取 5 行，新增 1 条，更新 1 条，未变 3 条。\n")
    tables = exported(cli)
    [row] = [r for r in tables["complaints"] if r["ticket"] == "GX001"]
    assert (row["replied"], row["substantiated"], row["measures"]) == ("2026-10-15", "yes", "约谈班组")
    added, change = tables["complaint_audit"][-2:]
    assert (added["action"], added["complaint_id"]) == ("complaint-add", 5)
    assert tables["complaints"][4]["ticket"] == "K010"
    assert (change["action"], change["complaint_id"]) == ("complaint-update", row["id"])
    assert json.loads(change["before"]) == {"replied": None, "substantiated": None, "measures": ""}
    assert json.loads(change["after"]) == {"replied": "2026-10-15", "substantiated": "yes", "measures": "约谈班组"}


@sqlite_only
def test_an_export_that_cannot_be_used_changes_nothing(cli, ws: Path) -> None:
    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", ROWS)]).exit_code == 0
    before = exported(cli)
    result = cli(["complaints", "import", write_xlsx(ws / "bad.xlsx", ROWS, ("工单编号", "来源") + HEADER[3:])])
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：无法使用投诉文件（共 1 处问题）：\nbad.xlsx:投诉!A1: 受理时间: 缺少这一必需的列")
    assert "config/complaints.yaml 的 columns 中对照 received" in result.stderr
    assert exported(cli) == before


# -- deadlines -----------------------------------------------------------------------------


def test_a_reply_is_due_ten_working_days_later_over_a_holiday_week(workdays) -> None:
    # received on the Monday before National Day: 09-29, 09-30, (10-01…10-07 off), 10-08, 10-09,
    # 10-10 (调休 Saturday), 10-12 … 10-16
    assert deadline(workdays, date(2026, 9, 28), 10, None, date(2026, 9, 28)).due == date(2026, 10, 16)
    # across the 调休 Saturday: it counts, so the reply is due on Thursday, not Friday
    assert deadline(workdays, date(2026, 10, 9), 10, None, date(2026, 10, 9)).due == date(2026, 10, 22)
    # the working days left on the 调休 Saturday itself, and the days late of a reply on Monday
    on_saturday = deadline(workdays, date(2026, 9, 28), 10, None, date(2026, 10, 10))
    assert (on_saturday.status, on_saturday.working_days_left) == (Status.OPEN, 5)
    late = deadline(workdays, date(2026, 9, 28), 10, date(2026, 10, 19), date(2026, 10, 20))
    assert (late.status, late.working_days_late) == (Status.LATE, 1)


def test_limits_per_source_and_category_take_the_stricter(tmp_path: Path) -> None:
    from gdcomply.complaints.settings import load_complaint_settings

    path = tmp_path / "complaints.yaml"
    path.write_text('version: 1\nreply:\n  by-source:\n    "966068": 5\n  by-category:\n    营业收费: 3\n    供电质量: 8\n'
                    "closure:\n  working-days: 20\n", encoding="utf-8")  # fmt: skip
    settings = load_complaint_settings(path)
    assert settings.reply.limit(Source.HOTLINE_966068, Category.BILLING) == 3
    assert settings.reply.limit(Source.HOTLINE_966068, Category.QUALITY) == 5
    assert settings.reply.limit(Source.HOTLINE_12398, Category.QUALITY) == 8
    assert settings.reply.limit(Source.HOTLINE_12398, Category.SERVICE) == 10
    assert settings.closure.limit(Source.OTHER, Category.OTHER) == 20


def check_json(cli, as_of: str, *more: str) -> tuple[int, dict]:
    result = cli(["complaints", "check", "--as-of", as_of, "--format", "json", *more])
    return result.exit_code, json.loads(result.stdout)


def test_statuses_at_chosen_as_of_dates(cli, ws: Path) -> None:
    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", ROWS)]).exit_code == 0
    code, early = check_json(cli, "2026-10-09")
    assert code == 0
    assert early["summary"] == {"overdue": 0, "open": 2, "late": 0, "on-time": 1}
    assert [(i["id"], i["status"], i["reply_due"], i["working_days_left"]) for i in early["items"]] == [
        ("12398/GX001", "open", "2026-10-16", 6),  # 10-10 (调休 Saturday), 10-12 … 10-16
        ("966068/K002", "open", "2026-10-22", 10),  # received that day
        ("other/W003", "on-time", "2026-09-15", None),  # received in this half-year, answered
    ]
    code, later = check_json(cli, "2026-10-20")
    assert code == 1  # GX001 is overdue
    assert {i["id"]: (i["status"], i["working_days_overdue"], i["working_days_left"]) for i in later["items"]} == {
        "12398/GX001": ("overdue", 2, None),
        "966068/K002": ("open", None, 2),  # its reply on 10-21 lies after as_of: ignored
        "12398/GX004": ("open", None, 4),  # due 10-26
        "other/W003": ("on-time", None, None),
    }
    assert later["period"] == "2026-H2" and later["summary"] == {"overdue": 1, "open": 2, "late": 0, "on-time": 1}
    code, replayed = check_json(cli, "2026-10-22", "--unit", "供电公司")
    assert code == 0
    [item] = replayed["items"]
    assert (item["id"], item["unit"], item["status"], item["replied"], item["reply_due"]) == (
        "966068/K002", "gongdian", "on-time", "2026-10-21", "2026-10-22",
    )
    assert set(item) >= {"id", "source", "unit", "category", "received", "reply_due", "replied", "status",
                         "working_days_left", "working_days_overdue", "working_days_late"}  # fmt: skip
    table = cli(["complaints", "check", "--as-of", "2026-10-20"])
    assert table.exit_code == 1
    assert table.stdout.startswith(
        "截至 2026-10-20，各责任单位未答复的投诉 3 件：已超期 1 件，未到期 2 件。\n"
        "本期（2026年下半年）受理并已答复 1 件：按时 1 件，超期答复 0 件。\n"
    )


def test_a_reply_that_came_late_is_listed_in_its_period(cli, ws: Path) -> None:
    rows = [ROWS[0][:8] + (date(2026, 10, 19), None, "", "", "")]
    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", rows)]).exit_code == 0
    code, result = check_json(cli, "2026-11-02")
    assert code == 0
    assert [(i["status"], i["working_days_late"]) for i in result["items"]] == [("late", 1)]
    code, next_half = check_json(cli, "2027-01-04")
    assert next_half["items"] == []  # answered, and of the previous period


# -- stats ---------------------------------------------------------------------------------


def complaint(ticket: str, received: date, unit: str, category: Category, phone: str, replied: date | None,
              substantiated: bool | None) -> Complaint:  # fmt: skip
    return Complaint(Source.HOTLINE_12398, ticket, received, unit, category, "某", phone, "", replied, None,
                     substantiated, "", "")  # fmt: skip


def test_stats_of_a_sample_with_known_figures(workdays) -> None:
    a, b = "13800000001", "13800000002"
    sample = [
        complaint("P1", date(2025, 12, 15), "guiyuan", Category.BILLING, a, date(2025, 12, 20), True),  # previous period
        complaint("1", date(2026, 3, 2), "guiyuan", Category.BILLING, a, date(2026, 3, 5), True),  # repeat of P1 (77 days)
        complaint("2", date(2026, 3, 2), "guiyuan", Category.BILLING, b, date(2026, 3, 20), False),  # 14 working days: late
        complaint("3", date(2026, 3, 9), "guiyuan", Category.SERVICE, "", date(2026, 3, 11), None),
        complaint("4", date(2026, 4, 1), "gongdian", Category.BILLING, b, None, True),  # 27 days after "2": a repeat
        complaint("5", date(2026, 8, 1), "gongdian", Category.BILLING, b, None, True),  # another period
    ]  # fmt: skip
    stats = complaint_stats(sample, workdays, ComplaintSettings(), ReportPeriod.parse("2026-H1"), as_of=date(2026, 4, 3))
    total = stats.total
    assert (total.count, total.substantiated, total.decided, total.on_time, total.previous_count) == (4, 2, 3, 2, 1)
    assert percent(total.substantiated_share) == "50.0" and percent(total.on_time_rate) == "66.7"
    assert total.median_reply_working_days == 3  # 3, 14 and 2 working days
    cell = {(u, c): f for u, c, f in stats.cells}
    billing = cell[("guiyuan", Category.BILLING)]
    assert (billing.count, billing.substantiated, billing.previous_count, billing.change) == (2, 1, 1, 1)
    assert str(billing.median_reply_working_days) == "8.5"
    assert stats.repeat_complaints == 2
    assert [(r.phone, r.ids) for r in stats.repeats] == [
        ("138****0001", ("12398/P1", "12398/1")), ("138****0002", ("12398/2", "12398/4")),
    ] or sorted(r.phone for r in stats.repeats) == ["138****0001", "138****0002"]
    assert [u for u, _ in stats.focus_units] == ["gongdian", "guiyuan"] or [u for u, _ in stats.focus_units] == ["guiyuan", "gongdian"]
    assert [c for c, _ in stats.focus_categories] == [Category.BILLING]
    assert ReportPeriod.parse("2026-Q2").previous().name == "2026-Q1"
    assert ReportPeriod.parse("2026-01").previous().name == "2025-12"
    assert ReportPeriod.parse("2026").previous().name == "2025"


# -- privacy -------------------------------------------------------------------------------


def test_phone_numbers_are_masked_in_every_display(cli, ws: Path) -> None:
    assert mask_phone(PHONE) == "138****1234" and mask_phone("0774-5211234") == "077****1234"
    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", ROWS)]).exit_code == 0
    outputs = [
        cli(["complaints", "check", "--as-of", "2026-10-20"]),
        cli(["complaints", "check", "--as-of", "2026-10-20", "--format", "json"]),
        cli(["complaints", "stats", "--period", "2026-H2", "--as-of", "2026-12-31"]),
        cli(["complaints", "stats", "--period", "2026-H2", "--as-of", "2026-12-31", "--format", "json"]),
    ]
    for result in outputs:
        text = result.stdout + result.stderr
        assert PHONE not in text and "13900001111" not in text and "5211234" not in text
    assert "138****1234" in outputs[0].stdout and "138****1234" in outputs[1].stdout
    assert "138****1234" in outputs[3].stdout  # the repeat caller
    assert "张三" not in outputs[3].stdout and "张三" not in outputs[1].stdout  # names only in the table of check
    assert PHONE in json.dumps(exported(cli), ensure_ascii=False)  # the record keeps it whole


# -- sample --------------------------------------------------------------------------------


@sqlite_only
def test_the_sample_exports_import_cleanly(cli, ws: Path) -> None:
    made = cli(["complaints", "sample", "s.xlsx", "--rows", "120", "--seed", "4", "--as-of", "2026-07-06"])
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith("已写入 s.xlsx（120 条投诉），截至 2026-07-06 未答复 ")
    gbk = cli(["complaints", "sample", "s.csv", "--rows", "50", "--seed", "5", "--encoding", "gbk", "--as-of", "2026-07-06"])
    assert gbk.exit_code == 0
    (ws / "s.csv").read_bytes().decode("gbk")
    assert cli(["complaints", "sample", "s.csv", "--rows", "5"]).exit_code == 2  # never overwritten without --force
    first = cli(["complaints", "import", "s.xlsx"])
    assert (first.exit_code, first.stdout) == (0, "已导入 s.xlsx：读取 120 行，新增 120 条，更新 0 条，未变 0 条。\n")
    assert cli(["complaints", "import", "s.csv"]).exit_code == 0
    again = cli(["complaints", "sample", "t.xlsx", "--rows", "120", "--seed", "4", "--as-of", "2026-07-06"])
    assert again.exit_code == 0 and (ws / "t.xlsx").read_bytes() == (ws / "s.xlsx").read_bytes()


# -- the ledger: copy and backup -----------------------------------------------------------


@sqlite_only
def test_ledger_copy_and_backup_carry_the_complaints(cli, ws: Path, pg_database: str, tmp_path: Path) -> None:
    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", ROWS)]).exit_code == 0
    later = [ROWS[0][:8] + (date(2026, 10, 15), None, "是", "", "GY20260000001"), *ROWS[1:]]
    assert cli(["complaints", "import", write_xlsx(ws / "c2.xlsx", later)]).exit_code == 0
    source = exported(cli)
    assert len(source["complaints"]) == 4 and len(source["complaint_audit"]) == 5
    copied = cli(["ledger", "copy", "--to", pg_database])
    assert copied.exit_code == 0, copied.output
    shared = cli(["export", "--format", "json", "--ledger", pg_database])
    assert json.loads(shared.stdout) == source
    assert cli(["backup", "--out", tmp_path / "b.zip"]).exit_code == 0
    assert cli(["restore", tmp_path / "b.zip", tmp_path / "restored"]).exit_code == 0
    restored = cli(["export", "--format", "json", "-w", tmp_path / "restored"])
    assert json.loads(restored.stdout) == source
    # the shared ledger goes on: a later export updates a copied ticket there
    again = cli(["complaints", "import", write_xlsx(ws / "c3.xlsx", ROWS), "--ledger", pg_database])
    assert again.stdout == "已导入 c3.xlsx：读取 4 行，新增 0 条，更新 1 条，未变 3 条。\n"


# -- the packs -----------------------------------------------------------------------------


def docx_text(path: Path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def sheet_rows(path: Path, name: str) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


@sqlite_only
def test_the_progress_report_and_self_inspection_packs_count_the_complaints_in_section_2_4(cli, ws: Path) -> None:
    rows = [*ROWS, ("GX008", "12398", date(2018, 3, 5), "桂源公司", "营业收费", "王八", "13700001234", "", date(2018, 3, 9),
                    None, "是", "", "")]  # fmt: skip
    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", rows)]).exit_code == 0
    made = cli(["pack", "progress-report", "--period", "2026-R4", "--party", "桂源公司", "--as-of", "2026-11-20"])
    assert made.exit_code == 0, made.output
    folder = ws / "packs" / "progress-report_2026-R4_guiyuan"
    text = docx_text(folder / "工作开展情况报告_2026年第4次_桂源公司.docx")
    section = text[text.index("（四）坚持问题导向") : text.index("三、下一步工作安排")]
    assert (
        "本年以来（2026年1月1日至2026年11月20日，按受理时间，依据投诉台账）受理投诉 2 件（12398 2 件），"
        "其中属实 0 件（属实率 0.0%），按时答复率 0.0%，答复用时中位数 — 个工作日；重复投诉 1 件。"
    ) in section  # GX001 and GX004 (the same caller 14 days later), both unanswered and overdue on 11-20
    assert "按类别：业扩报装 1 件、供电质量 1 件。" in section
    [annex] = folder.glob("工作开展情况报告附表_*.xlsx")
    table = sheet_rows(annex, "投诉情况")
    assert table[3][:4] == ["责任单位", "类别", "件数", "属实件数"]
    assert [row[:3] for row in table[4:]] == [["桂源公司", "业扩报装", 1], ["桂源公司", "供电质量", 1], ["合计", "全部", 2]]
    inspected = cli(["pack", "self-inspection", "--period", "2018", "--party", "guiyuan", "--as-of", "2018-07-02"])
    assert inspected.exit_code == 0, inspected.output
    inspection = ws / "packs" / "self-inspection_2018_guiyuan"
    text2 = docx_text(next(inspection.glob("*.docx")))
    assert "自查期间（2017年6月1日至2018年6月30日，按受理时间，依据投诉台账）受理投诉 1 件（12398 1 件），其中属实 1 件（属实率 100.0%），按时答复率 100.0%" in text2
    # to the regulator: counts and categories, never a name or a phone number
    for path in [*folder.iterdir(), *inspection.iterdir()]:
        content = docx_text(path) if path.suffix == ".docx" else path.read_bytes().decode("latin-1")
        if path.suffix == ".xlsx":
            content = "\n".join(str(c) for sheet in ("投诉情况",) for row in sheet_rows(path, sheet) for c in row)
        for secret in ("张三", "赵六", "王八", PHONE, "138****1234", "13700001234"):
            assert secret not in content, (path.name, secret)


def test_validate_checks_complaints_yaml(cli, tmp_path: Path) -> None:
    assert cli(["init", "ws", "--since", "2026-01-01"]).exit_code == 0
    (tmp_path / "ws" / "config" / "complaints.yaml").write_text(
        'version: 1\nreply:\n  working-days: 0\n  by-source:\n    "12389": 5\ndepartments:\n  marketing:\n    name: 营销部\n'
        "columns:\n  recieved: [登记时间]\n",
        encoding="utf-8",
    )  # fmt: skip
    result = cli(["validate", "-w", tmp_path / "ws"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("投诉设置文件 ") and lines[0].endswith("有错误（共 3 处问题）：")
    assert [line.split(": ", 1)[1] for line in lines[1:]] == [
        "reply.working-days: 0 应不小于 1",
        "reply.by-source.12389: 未知的来源“12389”（应为 12398、966068 或 other）",
        "columns.recieved: 未知的字段“recieved”，是否应为“received”？（允许的字段：application-id、category、closed、customer、"
        "measures、phone、received、replied、source、substantiated、summary、ticket、unit）",
    ]
    (tmp_path / "ws" / "config" / "complaints.yaml").write_text(
        "version: 1\ndepartments:\n  marketing:\n    name: 桂源公司\n", encoding="utf-8"
    )
    clash = cli(["validate", "-w", tmp_path / "ws"])
    assert clash.exit_code == 1
    assert "departments.marketing: 名称“桂源公司”已是 config/deadlines.yaml 中单位 guiyuan 的名称，请换一个" in clash.stderr


@sqlite_only
def test_a_damaged_complaint_row_is_named_by_verify_and_by_the_commands_that_read_it(cli, ws: Path) -> None:
    import sqlite3

    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", ROWS)]).exit_code == 0
    with sqlite3.connect(ws / "data" / "ledger.sqlite3") as db:
        db.execute("UPDATE complaints SET category = '投诉' WHERE id = 2")
    verified = cli(["verify"])
    assert verified.exit_code == 1
    assert "投诉记录 #2：来源、类别或日期的值无效" in verified.stdout + verified.stderr
    checked = cli(["complaints", "check", "--as-of", "2026-10-20"])
    assert checked.exit_code == 1
    assert "中的投诉记录 #2 已损坏" in checked.stderr


# -- the weekly check and the applications export ------------------------------------------


def test_the_weekly_check_lists_overdue_complaint_replies_and_exits_1(cli, ws: Path) -> None:
    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", ROWS)]).exit_code == 0
    table = cli(["check", "--as-of", "2026-10-20"])
    assert table.exit_code == 1
    assert (
        "投诉答复已超期 1 件（详见 gdcomply complaints check）：\n"
        "  12398/GX001，桂源公司，业扩报装：受理 2026-09-28，答复期限 2026-10-16，已超期 2 个工作日\n"
    ) in table.stdout
    assert PHONE not in table.stdout and "张三" not in table.stdout
    payload = json.loads(cli(["check", "--as-of", "2026-10-20", "--format", "json"]).stdout)
    assert payload["complaints"]["overdue"] == 1
    assert [(i["id"], i["status"], i["phone"]) for i in payload["complaints"]["items"]] == [
        ("12398/GX001", "overdue", "138****1234")
    ]
    only_gongdian = cli(["check", "--as-of", "2026-10-20", "--party", "供电公司", "--format", "json"])
    assert json.loads(only_gongdian.stdout)["complaints"] == {"overdue": 0, "items": []}
    assert cli(["check", "--as-of", "2026-10-20", "--fail-on", "never"]).exit_code == 0


@sqlite_only
def test_stats_show_the_connection_time_of_the_applications_complained_about(cli, ws: Path) -> None:
    assert cli(["complaints", "import", write_xlsx(ws / "c.xlsx", ROWS)]).exit_code == 0
    header = ("申请编号", "供电单位", "户名", "业务类型", "容量(kVA)", "受理日期", "送电日期")
    applications = [("GY20260000001", "桂源公司", "张三", "低压居民新装", 8, date(2026, 8, 3), date(2026, 9, 30))]
    write_xlsx(ws / "报装.xlsx", applications, header)
    result = cli(["complaints", "stats", "--period", "2026-H2", "--as-of", "2026-12-31", "--applications", "报装.xlsx",
                  "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["applications"] == [
        {"complaint": "12398/GX001", "application_id": "GY20260000001", "found": True, "working_days": 42,
         "energised": "2026-09-30", "limit": 22, "over_limit": True},
    ]  # fmt: skip
    assert payload["total"]["count"] == 4 and payload["repeat_complaints"] == 1
    assert [f["category"] for f in payload["focus"]["categories"]] == ["营业收费"]


def test_an_added_tickets_audit_text_is_what_json_dumps_writes(tmp_path: Path) -> None:
    """SQLite writes an added ticket's audit row itself (json_quote): the text must be the one
    json.dumps writes, as the PostgreSQL store's export of its jsonb gives it."""
    from datetime import datetime, timezone

    from gdcomply.complaints.model import Category, Complaint, Source
    from gdcomply.ledger.sqlite import Ledger

    tickets = ("GX001", 'K"2\\3', "工单/一", "tab\there", "ctl\x01\x1f", "é😀\u2028")
    with Ledger.open(tmp_path / "l.sqlite3", create=True, tracking_since=date(2026, 1, 1)) as ledger:
        ledger.record_complaints(
            [Complaint(Source.HOTLINE_12398, t, date(2026, 10, 1), "guiyuan-2", Category.SERVICE, "", "", "", None, None,
                       None, "", "") for t in tickets],
            at=datetime(2026, 10, 2, tzinfo=timezone.utc), os_user="x",
        )  # fmt: skip
        written = [row["after"] for row in ledger.export_tables()["complaint_audit"]]
    assert written == [
        json.dumps({"source": "12398", "ticket": t, "received": "2026-10-01", "unit": "guiyuan-2"}, ensure_ascii=False,
                   sort_keys=True)
        for t in tickets
    ]  # fmt: skip