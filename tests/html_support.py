"""Helpers of the HTML page tests (test_html_pages.py, test_browser.py): the 2018 replay
workspace of test_check_cli.py on an SQLite ledger, and reading a page with a strict parser."""

from __future__ import annotations

from pathlib import Path

import html5lib

from test_check_cli import REPLAY_2018, _ok

SVG = "{http://www.w3.org/2000/svg}"
AS_OF = "2018-11-19"  # 供电公司's 2018-R4 is missing: overdue, the company's report at risk


def replay_workspace(root: Path) -> Path:
    """2018 tracked from 06-01, every report of REPLAY_2018 submitted (one late, one missing)."""
    _ok(["init", root, "--since", "2018-06-01"])
    files = root.parent / "files"
    files.mkdir()
    for n, (obligation, period, sender, receiver, on) in enumerate(REPLAY_2018):
        evidence = files / f"{n:02d}.txt"
        evidence.write_text(f"{obligation} {period} {sender} {on}", encoding="utf-8")
        args = ["submit", obligation, evidence, "--period", period, "--from", sender, "--on", on, "-w", root]
        _ok(args + (["--to", receiver] if receiver else []))
    return root


def parse_page(text: str):
    """The page's root element; any HTML5 parse error (a stray end tag, a bad nesting) raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


def text_of(element) -> str:
    return "".join(element.itertext()).strip()


def page_items(doc) -> list[dict[str, str]]:
    """Each item row of a check page: its data attributes and the text of its cells by class."""
    rows = []
    for row in doc.iter("tr"):
        if row.get("class") == "item":
            cells = {td.get("class"): text_of(td) for td in row.findall("td")}
            rows.append({"id": row.get("data-id"), "data-status": row.get("data-status"), **cells})
    return rows


def page_summary(doc) -> dict[str, int]:
    summary = next(ul for ul in doc.iter("ul") if ul.get("class") == "summary")
    return {li.get("data-status"): int(text_of(li).split()[0]) for li in summary.findall("li")}


def timeline_marks(doc) -> dict[str, dict[str, str]]:
    """The timeline's marks by instance id: status, label text, whether squeezed."""
    marks = {}
    for g in doc.iter(f"{SVG}g"):
        if g.get("class") == "mark":
            label = next(t for t in g.findall(f"{SVG}text"))
            marks[g.get("data-id")] = {
                "status": g.get("data-status"), "label": text_of(label), "squeezed": g.get("data-squeezed") == "true",
                "title": text_of(g.find(f"{SVG}title")),
            }  # fmt: skip
    return marks
