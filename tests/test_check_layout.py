"""The weekly check and the calendar fit the terminal: at 120, 80 and 40 columns, on a pipe and on
a terminal, nothing is cut, no line is wider than the width, and a cell breaks only where a reader
expects it (issue 12 item 5: at 80 columns 情况 was cut to "已逾/天（", at 40 it was unreadable).

The workspace is the README's weekly routine: tracking since 2026-11-01, 桂源公司's 2026-R4
progress report recorded on 2026-11-17 (to both receivers), 供电公司's missing.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from gdcomply.cli.layout import Cell, fit_widths, phrases, table_overhead, wrap

AS_OF = "2026-11-19"
# (状态, 截止日期, 事项, 期次, 报送 → 接收, 情况) of the README's check, in its order
README_ITEMS = [
    ("已逾期", "2026-11-18 周三", "工作开展情况报告", "2026-R4", "供电公司 → 公司", "已逾期 1 天（1 个工作日）"),
    ("有风险", "2026-11-20 周五", "工作开展情况报告", "2026-R4", "公司 → 南方监管局", "剩 1 个工作日；供电公司未按时报送"),
    ("即将到期", "2026-11-20 周五", "信息公开", "2026-R4", "公司（完成/公开）", "剩 1 个工作日"),
    ("按时完成", "2026-11-18 周三", "工作开展情况报告", "2026-R4", "桂源公司 → 南方监管局", "2026-11-17 报送"),
    ("按时完成", "2026-11-18 周三", "工作开展情况报告", "2026-R4", "桂源公司 → 公司", "2026-11-17 报送"),
]
SUMMARY = "2026-11-19 报送检查：已逾期 1，有风险 1，即将到期 1，按时完成 2，未跟踪 23"
PERIOD = re.compile(r"\d{4}(-(R[1-4]|H[12]))?")


@pytest.fixture
def weekly(cli, tmp_path: Path) -> Path:
    workspace = tmp_path / "获得电力报送"
    assert cli(["init", workspace, "--since", "2026-11-01"]).exit_code == 0
    report = tmp_path / "桂源公司2026年第四次工作开展情况报告.docx"
    report.write_text("R4", encoding="utf-8")
    submitted = cli(["submit", "progress-report", "--period", "2026-R4", "--from", "guiyuan", "--to", "all",
                     report, "--on", "2026-11-17", "-w", workspace])  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    return workspace


def check_at(cli, monkeypatch, workspace: Path, columns: int | None, *args: str) -> list[str]:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(columns))
    result = cli(["check", "-w", workspace, "--as-of", AS_OF, *args])
    assert result.exit_code == 1, result.output  # something is overdue
    return result.stdout.splitlines()


def assert_fits(lines: list[str], width: int) -> None:
    assert lines
    for line in lines:
        assert cell_len(line) <= width, (width, line)
        assert "…" not in line and line == line.rstrip(), line


STATUS = re.compile("已逾期|有风险|即将到期|逾期完成|按时完成|未到期|未跟踪")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}( 周.)?")


def table_rows(lines: list[str], starts: re.Pattern[str] = STATUS) -> list[list[list[str]]]:
    """The rows of an edgeless table drawn by rich, each cell as its lines: a row begins where
    the first column's text matches starts (a status for check, a date for the calendar)."""
    body = lines[lines.index(next(line for line in lines if line.startswith("━"))) + 1 :]
    rows: list[list[list[str]]] = []
    for line in body:
        cells = [cell.strip() for cell in line.split("│")]
        if starts.fullmatch(cells[0]):
            rows.append([[c] if c else [] for c in cells])
        else:
            for column, cell in enumerate(cells):
                if cell:
                    rows[-1][column].append(cell)
    return rows


def break_is_natural(before: str, after: str) -> bool:
    """A cell may go on to its next line only where a reader expects a break."""
    return (
        before.endswith(("；", "，", "、", "：", "。", "→"))
        or after.startswith("（")
        or (re.fullmatch(r".*\d{4}-\d{2}-\d{2}", before) is not None and bool(after))
        or PERIOD.fullmatch(after) is not None  # a title, then its period (事项、期次)
    )


def joined(parts: list[str]) -> str:
    """The lines of a cell read as one text (spaces are not significant across a break)."""
    return "".join(parts).replace(" ", "")


def assert_cells_break_naturally(rows: list[list[list[str]]]) -> None:
    for row in rows:
        for cell in row:
            for before, after in zip(cell, cell[1:]):
                assert break_is_natural(before, after), (before, after, row)


# -- the check -------------------------------------------------------------------------------


def test_at_120_columns_and_on_a_pipe_every_item_is_one_line(cli, monkeypatch, weekly) -> None:
    for columns in (120, None):  # None: a pipe without $COLUMNS gets 120
        lines = check_at(cli, monkeypatch, weekly, columns)
        assert_fits(lines, 120)
        assert lines[0] == SUMMARY
        assert lines[1].split("┃") == ["状态     ", " 截止日期        ", " 事项             ", " 期次    ",
                                      " 报送 → 接收           ", " 情况"]  # fmt: skip
        rows = table_rows(lines)
        assert [tuple(" ".join(c) for c in row) for row in rows] == README_ITEMS
        assert len(lines) == 3 + len(README_ITEMS)


def test_at_80_columns_the_table_wraps_at_natural_breaks_and_cuts_nothing(cli, monkeypatch, weekly) -> None:
    lines = check_at(cli, monkeypatch, weekly, 80)
    assert_fits(lines, 80)
    assert lines[0] == SUMMARY
    header = [h.strip() for h in lines[1].split("┃")]
    assert header == ["状态", "截止日期", "事项、期次", "报送 → 接收", "情况"]  # 事项 and 期次 share a column
    rows = table_rows(lines)
    assert_cells_break_naturally(rows)
    assert len(rows) == len(README_ITEMS)
    for row, (status, due, title, period, route, detail) in zip(rows, README_ITEMS):
        assert row[0] == [status]  # a status is never broken
        assert joined(row[1]) == joined([due]) and row[1][0] == due.split()[0]  # the date whole
        assert joined(row[2]) == joined([title, period]) and period in row[2][-1]
        assert joined(row[3]) == joined([route])
        assert joined(row[4]) == joined([detail])
    # the details the issue saw cut, each broken at its separator
    assert rows[0][4] == ["已逾期 1 天", "（1 个工作日）"]
    assert rows[1][4] == ["剩 1 个工作日；", "供电公司未按时报送"]


def test_at_40_columns_one_block_per_item(cli, monkeypatch, weekly) -> None:
    lines = check_at(cli, monkeypatch, weekly, 40)
    assert_fits(lines, 40)
    blank = lines.index("")
    assert joined(lines[:blank]) == joined([SUMMARY])  # the summary, wrapped after a “，”
    assert all(a.endswith("，") for a in lines[: blank - 1])
    blocks = "\n".join(lines[blank + 1 :]).split("\n\n")
    assert len(blocks) == len(README_ITEMS)
    for block, (status, due, title, period, route, detail) in zip(blocks, README_ITEMS):
        assert block.splitlines() == [f"{status}  截止 {due}", f"  {title} {period}", f"  {route}", f"  {detail}"]


@pytest.mark.parametrize("columns", [40, 55, 64, 72, 80, 90, 100, 110])
def test_many_overdue_items_fit_every_width(cli, monkeypatch, tmp_path, columns) -> None:
    """A workspace that recorded nothing all year: 26 overdue items, one at risk, one due soon."""
    workspace = tmp_path / "quiet"
    assert cli(["init", workspace, "--since", "2026-01-01"]).exit_code == 0
    payload = json.loads(cli(["check", "-w", workspace, "--as-of", AS_OF, "--format", "json"]).stdout)
    labels = {"overdue": "已逾期", "at-risk": "有风险", "due-soon": "即将到期"}
    expected = [labels[item["status"]] for item in payload["items"]]
    lines = check_at(cli, monkeypatch, workspace, columns)
    assert_fits(lines, columns)
    text = "\n".join(lines)
    if "┃" in lines[1]:
        rows = table_rows(lines)
        assert_cells_break_naturally(rows)
        assert [row[0] for row in rows] == [[label] for label in expected]
        details = [joined(row[-1]) for row in rows]
    else:
        heads = [line for line in lines if line and not line.startswith(" ") and "截止" in line]
        assert [h.split("  ")[0] for h in heads] == expected
        # heading, 事项 期次, route, then the detail (on as many lines as it needs)
        details = [joined(block.splitlines()[3:]) for block in text.split("\n\n")[1:]]
    for item, detail in zip(payload["items"], details):
        if item["status"] == "overdue":
            assert re.fullmatch(rf"已逾期\d+天（{item['working_days_overdue']}个工作日）", detail), detail
    assert "剩1个工作日；供电公司、桂源公司未按时报送" in details


def test_a_terminal_of_80_columns_gets_the_80_column_table(weekly, child_env) -> None:
    """On a real terminal (a pseudo-terminal here), $COLUMNS sets the width as on a pipe."""
    env = {**child_env, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    primary, secondary = pty.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "gdcomply", "check", "-w", str(weekly), "--as-of", AS_OF],
            stdin=subprocess.DEVNULL, stdout=secondary, stderr=subprocess.PIPE, env=env, timeout=60,
        )  # fmt: skip
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal is closed: all read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    assert process.returncode == 1, process.stderr
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8")).replace("\r", "")
    lines = [line.rstrip() for line in text.splitlines()]
    assert_fits(lines, 80)
    assert [h.strip() for h in lines[1].split("┃")] == ["状态", "截止日期", "事项、期次", "报送 → 接收", "情况"]
    assert table_rows(lines)[1][4] == ["剩 1 个工作日；", "供电公司未按时报送"]


# -- the calendar ----------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [40, 60, 80, 100, 120])
def test_the_2018_calendar_cuts_nothing(cli, monkeypatch, columns) -> None:
    """2018 has the longest marks (推定；挤压：距汇总仅0个工作日): at 80 they were cut with “…”."""
    payload = json.loads(cli(["calendar", "--year", "2018", "--format", "json"]).stdout)
    monkeypatch.setenv("COLUMNS", str(columns))
    result = cli(["calendar", "--year", "2018"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert_fits(lines, columns)
    if "┃" in result.stdout:
        title = lines[: next(n for n, line in enumerate(lines) if "┃" in line)]
        rows = table_rows(lines, DATE)
        assert_cells_break_naturally(rows)
        assert [joined(row[0])[:10] for row in rows] == [i["due"] for i in payload["instances"]]
        marks = [joined(row[-2]) for row in rows]
    else:
        title = lines[: lines.index("")]
        blocks = "\n".join(lines[len(title) + 1 :]).split("\n\n")
        assert [b[:10] for b in blocks] == [i["due"] for i in payload["instances"]]
        assert all(b.splitlines()[-1].startswith("  依据 三(") for b in blocks)
        marks = [joined(b.splitlines()[2:-1]) for b in blocks]
    assert joined(title) == "报送期限2018-01-01至2018-12-31（共38项）"
    assert marks.count("推定；挤压：距汇总仅0个工作日") == 2


def test_the_calendar_at_80_columns_keeps_each_mark_whole_per_line(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    lines = cli(["calendar", "--year", "2018"]).stdout.splitlines()
    rows = table_rows(lines, DATE)
    marks = [row[-2] for row in rows if row[-2]]
    assert ["推定；挤压：", "距汇总仅0个工作日"] in marks
    assert ["原定06-10周日；", "汇总被挤压"] in marks


# -- the layout itself -----------------------------------------------------------------------


def test_phrases_cut_only_at_natural_breaks_and_give_the_text_back() -> None:
    assert phrases("已逾期 1 天（1 个工作日）") == ("已逾期 1 天", "（1 个工作日）")
    assert phrases("剩 1 个工作日；供电公司、桂源公司未按时报送") == ("剩 1 个工作日；", "供电公司、", "桂源公司未按时报送")
    assert phrases("桂源公司 → 南方监管局") == ("桂源公司 → ", "南方监管局")
    assert phrases("2026-11-18 周三") == ("2026-11-18 ", "周三")
    assert phrases("2026-11-17 报送，逾期 2 个工作日") == ("2026-11-17 ", "报送，", "逾期 2 个工作日")
    assert phrases("工作开展情况报告") == ("工作开展情况报告",)
    assert phrases("（完成/公开）") == ("（完成/公开）",)
    text = "推定；挤压：距汇总仅0个工作日"
    assert "".join(phrases(text)) == text


def test_wrap_fills_lines_with_whole_phrases() -> None:
    pieces = phrases("剩 1 个工作日；供电公司未按时报送")
    assert wrap(pieces, 40) == ("剩 1 个工作日；供电公司未按时报送",)
    assert wrap(pieces, 18) == ("剩 1 个工作日；", "供电公司未按时报送")
    # narrower than a phrase (a terminal too narrow for any layout): folded, every character kept
    assert wrap(pieces, 8) == ("剩 1 个", "工作日；", "供电公司", "未按时报", "送")


def test_fit_widths_never_goes_below_a_phrase_and_says_when_nothing_fits() -> None:
    headers = [Cell.of("状态"), Cell.of("情况")]
    rows = [[Cell.of("已逾期"), Cell.of("已逾期 12 天（8 个工作日）")]]
    natural = [cell_len("已逾期"), cell_len("已逾期 12 天（8 个工作日）")]
    assert fit_widths(headers, rows, 100) == natural  # room for everything: unwrapped
    narrow = 6 + table_overhead(2) + cell_len("（8 个工作日）")
    assert fit_widths(headers, rows, narrow) == [6, cell_len("（8 个工作日）")]
    assert fit_widths(headers, rows, narrow - 1) is None
