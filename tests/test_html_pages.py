"""The HTML pages without a browser: `check --format html` lists exactly the items and the summary
of `check --format json` for the same options, every status in words; the page is conforming
HTML5 (a strict parser), lang="zh-CN", self-contained (no script, nothing from the network);
`calendar --format html` is the year's timeline with the squeezed cascades marked;
`applications stats --format html` draws each class's distribution with its limit.
(test_browser.py renders the same pages in Chromium.)"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from gdcomply.tracking import STATUS_LABELS, Status
from html_support import AS_OF, SVG, page_items, page_summary, parse_page, replay_workspace, text_of, timeline_marks

NAMES = {"guiyuan": "桂源公司", "gongdian": "供电公司", "company": "公司", "bureau": "南方监管局"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory, _isolated_environment) -> Path:
    return replay_workspace(tmp_path_factory.mktemp("pages") / "ws")


def run_check(cli, ws: Path, fmt: str, *options: str):
    result = cli(["check", "--format", fmt, "--as-of", AS_OF, "-w", ws, *options])
    assert result.exit_code in (0, 1), result.output
    return result


def assert_self_contained(page: str) -> None:
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)  # nothing from the network
    assert "@import" not in page and "url(" not in page  # no stylesheet, font or image fetched by CSS


@pytest.mark.parametrize(
    "options", [(), ("--all",), ("--party", "gongdian"), ("--party", "桂源公司", "--all"), ("--horizon", "30")]
)
def test_check_page_lists_exactly_the_items_and_counts_of_check_json(cli, ws, options):
    as_json = run_check(cli, ws, "json", *options)
    data = json.loads(as_json.stdout)
    as_html = run_check(cli, ws, "html", *options)
    assert as_html.exit_code == as_json.exit_code  # --fail-on means the same
    page = as_html.stdout
    doc = parse_page(page)
    assert doc.tag == "html" and doc.get("lang") == "zh-CN"
    assert_self_contained(page)

    assert page_summary(doc) == data["summary"]
    items = page_items(doc)
    assert [i["id"] for i in items] == [i["id"] for i in data["items"]]
    assert items, "the replay has overdue and at-risk items"
    for shown, item in zip(items, data["items"]):
        assert shown["data-status"] == item["status"]
        assert shown["status"] == STATUS_LABELS[Status(item["status"])]  # the status in words
        assert shown["due"].startswith(item["due"])
        assert shown["period"] == item["period"]
        assert shown["title"] == item["title"]
        assert shown["route"].startswith(NAMES[item["from"]])
        if item["to"]:
            assert shown["route"] == f"{NAMES[item['from']]} → {NAMES[item['to']]}"
        assert shown["detail"]


def test_check_page_timeline_shows_the_whole_year_with_statuses_and_today(cli, ws):
    doc = parse_page(run_check(cli, ws, "html").stdout)
    everything = json.loads(run_check(cli, ws, "json", "--all").stdout)
    year = {i["id"]: i for i in everything["items"] if i["due"].startswith("2018")}
    calendar = json.loads(cli(["calendar", "--year", "2018", "--format", "json", "-w", ws]).stdout)
    marks = timeline_marks(doc)
    assert sorted(marks) == sorted(i["id"] for i in calendar["instances"]) == sorted(year)
    for instance_id, mark in marks.items():
        label = STATUS_LABELS[Status(year[instance_id]["status"])]
        assert mark["status"] == year[instance_id]["status"]
        assert mark["label"].endswith(label) or "挤压" in mark["label"]
        assert label in mark["title"] and year[instance_id]["due"] in mark["title"]
    squeezed = {i["id"] for i in calendar["instances"] if i["squeeze"]}
    assert squeezed and {k for k, m in marks.items() if m["squeezed"]} == squeezed
    today = [g for g in doc.iter(f"{SVG}g") if g.get("class") == "today"]
    assert len(today) == 1 and text_of(today[0]) == "今天 11-19"
    lanes = [g for g in doc.iter(f"{SVG}g") if g.get("class") == "lane"]
    assert "汇总时间被挤压" in text_of(next(g for g in lanes if g.get("data-period") == "2018-R1"))


def test_check_page_to_a_file(cli, ws, tmp_path):
    out = tmp_path / "周检查.html"
    first = run_check(cli, ws, "html", "--out", str(out))
    assert first.stdout == "" and f"已写入 {out}" in first.stderr
    assert parse_page(out.read_text(encoding="utf-8")).get("lang") == "zh-CN"
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # a page to share, readable like any new file
    out.write_text("keep", encoding="utf-8")
    again = cli(["check", "--format", "html", "--as-of", AS_OF, "-w", ws, "--out", out])
    assert again.exit_code == 2 and "已存在" in again.stderr and out.read_text(encoding="utf-8") == "keep"
    forced = run_check(cli, ws, "html", "--out", str(out), "--force")
    assert forced.exit_code == 1 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    into_data = cli(["check", "--format", "html", "-w", ws, "--out", ws / "data" / "page.html"])
    assert into_data.exit_code == 2 and not (ws / "data" / "page.html").exists()
    wrong = cli(["check", "--format", "json", "-w", ws, "--out", tmp_path / "x.html"])
    assert wrong.exit_code == 2 and "--out 和 --force 只能与 --format html 一起使用" in wrong.stderr


def test_calendar_page_is_the_timeline_alone(cli, ws, tmp_path):
    result = cli(["calendar", "--year", "2018", "--format", "html", "-w", ws])
    assert result.exit_code == 0, result.output
    page = result.stdout
    doc = parse_page(page)
    assert doc.get("lang") == "zh-CN"
    assert_self_contained(page)
    assert "size: A4 landscape" in page
    assert page_items(doc) == []  # no list: the picture, for pinning up
    calendar = json.loads(cli(["calendar", "--year", "2018", "--format", "json", "-w", ws]).stdout)
    marks = timeline_marks(doc)
    assert sorted(marks) == sorted(i["id"] for i in calendar["instances"])
    for instance in calendar["instances"]:
        mark = marks[instance["id"]]
        assert mark["status"] == ""  # the calendar knows no ledger: no status, nothing coloured as one
        assert mark["label"].startswith(instance["due"][5:])
        assert mark["squeezed"] == bool(instance["squeeze"])
        if instance["squeeze"]:
            assert f"距汇总仅 {instance['squeeze']['gap_working_days']} 个工作日" in mark["label"]
    party = cli(["calendar", "--year", "2018", "--party", "gongdian", "--format", "html", "-w", ws])
    assert all("供电公司" in m["label"] for m in timeline_marks(parse_page(party.stdout)).values())


def test_stats_page_draws_each_class_with_its_limit(cli, ws, tmp_path, workdays):
    from gdcomply.applications.sample import generate
    from gdcomply.reports.sample_xlsx import write_sample_xlsx

    data = tmp_path / "申请导出.xlsx"
    write_sample_xlsx(generate(500, 3, workdays, date(2026, 7, 5)), data)
    figures = json.loads(cli(["applications", "stats", data, "--period", "2026-H1", "--format", "json", "-w", ws]).stdout)
    out = tmp_path / "指标.html"
    result = cli(["applications", "stats", data, "--period", "2026-H1", "--format", "html", "--out", out, "-w", ws])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    doc = parse_page(page)
    assert doc.get("lang") == "zh-CN"
    assert_self_contained(page)
    sections = {s.get("data-class"): s for s in doc.iter("section") if s.get("class") == "class"}
    assert sorted(sections) == sorted(figures["classes"])
    for key, section in sections.items():
        expected = figures["classes"][key]
        bars = [r for r in section.iter(f"{SVG}rect") if r.get("class") == "bar"]
        assert sum(int(b.get("data-count")) for b in bars) == expected["count"]
        over = sum(int(b.get("data-count")) for b in bars if "超过时限" in text_of(b))
        limits = [line for line in section.iter(f"{SVG}line") if line.get("class") == "limit"]
        if expected.get("over_limit") is not None:
            assert over == expected["over_limit"] and len(limits) == 1
        else:
            assert over == 0 and not limits
        figures_table = {text_of(tr[0]): [text_of(td) for td in tr[1:]] for tr in section.iter("tr") if tr[0].tag == "td"}
        assert float(figures_table["平均接电时长"][0]) == pytest.approx(expected["mean_working_days"])
