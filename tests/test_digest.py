"""`gdcomply remind --digest`: the weekly summary for the marketing department, against the real
SMTP server of test_remind.py, on both ledgers. It goes out on the first working day of each ISO
week it runs on, once (recorded as digest/YYYY-Www), with the weekly check's content."""

from __future__ import annotations

import json

from gdcomply.tracking import STATUS_LABELS, Status
from html_support import page_items, page_summary, parse_page
from test_remind import YINGXIAO, make_workspace, remind, sent_records, server, start_server, write_remind_config, ws  # noqa: F401


def digests(mailbox):
    return [r for r in mailbox.received if r.subject.startswith("【获得电力报送周报】")]


def test_digest_goes_to_the_marketing_department_once_a_week(cli, ws, server):
    mailbox, _ = server
    first = remind(cli, ws, "--digest", "--as-of", "2026-06-08")  # a Monday: the units' 2026-R1 due today
    assert first.exit_code == 0, first.output
    assert "已发送：yingxiao@example.com" in first.stdout
    [digest] = digests(mailbox)
    assert digest.to == YINGXIAO and len(mailbox.received) == 1
    assert digest.subject == "【获得电力报送周报】2026-W24：即将到期 5"
    assert digest.message["Message-ID"].startswith("<gdcomply.")
    assert "营销部：" in digest.plain and "【即将到期】5 项" in digest.plain

    check = json.loads(cli(["check", "--format", "json", "--as-of", "2026-06-08", "-w", ws]).stdout)
    doc = parse_page(digest.html)  # conforming HTML, as the pages
    assert doc.get("lang") == "zh-CN" and "<svg" not in digest.html and "<style" not in digest.html
    assert [i["id"] for i in page_items(doc)] == [i["id"] for i in check["items"]]
    counts = {td.get("data-status"): int(td[0].text) for td in doc.iter("td") if td.get("class") == "count"}
    assert counts == check["summary"]
    for item in check["items"]:
        assert STATUS_LABELS[Status(item["status"])] in digest.html

    for day in ("2026-06-08", "2026-06-10", "2026-06-12"):  # the same week: nothing more
        again = remind(cli, ws, "--digest", "--as-of", day)
        assert again.exit_code == 0 and "本周（2026-W24）的周报已于 2026-06-08 发送，本次不再发送。" in again.stdout
    assert len(mailbox.received) == 1
    assert [r for r in sent_records(ws) if r[0].startswith("digest/")] == [("digest/2026-W24", "digest", YINGXIAO)]

    # the daily reminders of the same day still go out: a digest record is not a reminder stage
    daily = remind(cli, ws, "--as-of", "2026-06-08")
    assert daily.exit_code == 0 and any(r.subject.startswith("【获得电力报送提醒】") for r in mailbox.received)
    history = remind(cli, ws, "--history")
    assert "每周汇总" in history.stdout and "digest/2026-W24" in history.stdout

    monday = remind(cli, ws, "--digest", "--as-of", "2026-06-15")  # the next week
    assert monday.exit_code == 0 and len(digests(mailbox)) == 2
    assert digests(mailbox)[1].subject.startswith("【获得电力报送周报】2026-W25：")


def test_after_a_monday_holiday_the_digest_goes_on_the_first_working_day(cli, ws, server):
    mailbox, _ = server
    holiday = remind(cli, ws, "--digest", "--as-of", "2026-10-05")  # 国庆节 (Mon 10-05 to Wed 10-07)
    assert holiday.exit_code == 0 and "不是工作日" in holiday.stdout and not mailbox.received
    thursday = remind(cli, ws, "--digest", "--as-of", "2026-10-08")
    assert thursday.exit_code == 0 and len(digests(mailbox)) == 1
    assert digests(mailbox)[0].subject.startswith("【获得电力报送周报】2026-W41：")
    makeup_saturday = remind(cli, ws, "--digest", "--as-of", "2026-10-10")  # a working day, the same week
    assert makeup_saturday.exit_code == 0 and "本次不再发送" in makeup_saturday.stdout
    assert len(digests(mailbox)) == 1


def test_digest_dry_run_and_outbox_send_and_record_nothing(cli, ws, server, tmp_path):
    mailbox, _ = server
    shown = remind(cli, ws, "--digest", "--dry-run", "--as-of", "2026-06-08")
    assert shown.exit_code == 0 and "===== 周报 2026-W24 =====" in shown.stdout and "营销部专责 <yingxiao@example.com>" in shown.stdout
    outbox = tmp_path / "outbox"
    written = remind(cli, ws, "--digest", "--dry-run", "--outbox", outbox, "--as-of", "2026-06-08")
    assert written.exit_code == 0 and [p.name for p in outbox.iterdir()] == ["digest-2026-W24-yingxiao@example.com.eml"]
    assert not mailbox.received and not sent_records(ws)
    wrong = remind(cli, ws, "--digest", "--history")
    assert wrong.exit_code == 2 and "--digest" in wrong.stderr


def test_digest_without_a_contact_to_send_it_to(cli, tmp_path, server):
    root = make_workspace(tmp_path / "ws")
    write_remind_config(root, server[1], "escalation:\n  to_party: bureau\n")
    deadlines = root / "config" / "deadlines.yaml"
    text = deadlines.read_text(encoding="utf-8")
    assert "contacts" not in text.split("bureau:", 1)[1].split("company:", 1)[0]
    result = remind(cli, root, "--digest", "--as-of", "2026-06-08")
    assert result.exit_code == 1
    assert "南方监管局（bureau）在期限日历中没有可用的联系人，无法发送周报" in result.stderr
    assert not server[0].received
