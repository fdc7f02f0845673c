"""The HTML pages in a real browser: Debian's Chromium, headless, driven by Playwright.

Each page is written by the CLI to a file and opened from it with the network cut off (any
request other than the file itself fails the test). The rendered DOM must hold exactly the
items and counts of `check --format json`; the Chinese must be drawn with a CJK font (without
one it renders as boxes and a screenshot still looks "not blank"); at 1280 px there is no
horizontal scroll and the screenshot is not blank; on a phone the page does not scroll
sideways either; printed to PDF on A4, no item row is cut across two pages and nothing runs
past the page's width.

Playwright's own browser download is never used (it cannot work offline): the browser is
/usr/bin/chromium (Debian's package; .ci/run installs it with fonts-noto-cjk and
poppler-utils). Without them the tests are skipped with the reason, and fail with CI=true.
Set GDCOMPLY_DOCS_SCREENSHOT=1 to copy the 1280 px screenshot to docs/check-page.png.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT, _unavailable
from html_support import AS_OF, replay_workspace

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
CJK_FONT = re.compile(r"CJK|Han Sans|YaHei|PingFang|WenQuanYi|Hei|Song|Ming", re.I)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """One Chromium for the module, with a fresh profile and no network."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("没有安装 Playwright（pip install -e '.[test]'），跳过浏览器测试")
    if not CHROMIUM.exists():
        _unavailable(f"没有 {CHROMIUM}（Debian 软件包 chromium），跳过浏览器测试")
    if not shutil.which("fc-list") or "CJK" not in subprocess.run(["fc-list"], capture_output=True, text=True).stdout:
        _unavailable("没有中文字体（Debian 软件包 fonts-noto-cjk），中文会显示为方框，跳过浏览器测试")
    if not shutil.which("pdftotext"):
        _unavailable("没有 pdftotext（Debian 软件包 poppler-utils），跳过浏览器测试")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, offline=True, viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        context.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())
        context.requests = requests  # type: ignore[attr-defined]
        yield context
        context.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory, _isolated_environment) -> dict[str, Path]:
    """The check page (and its JSON), the calendar page and the stats page of the 2018 replay."""
    from html_support import _ok

    base = tmp_path_factory.mktemp("browser")
    ws = replay_workspace(base / "ws")
    made = {name: base / f"{name}.html" for name in ("check", "calendar", "stats")}
    from gdcomply.cli import main  # noqa: F401  (the CLI is run in-process by _ok)

    code = subprocess_free_run(["check", "--format", "html", "--as-of", AS_OF, "-w", ws, "--out", made["check"]])
    assert code == 1  # overdue items: check's usual exit code
    made["check.json"] = base / "check.json"
    made["check.json"].write_text(_ok_or_one(["check", "--format", "json", "--as-of", AS_OF, "-w", ws]), encoding="utf-8")
    _ok(["calendar", "--year", "2018", "--format", "html", "-w", ws, "--out", made["calendar"]])
    from datetime import date

    from gdcomply.applications.sample import generate
    from gdcomply.reports.sample_xlsx import write_sample_xlsx
    from gdcomply.setup import load_workdays

    data = base / "申请导出.xlsx"
    write_sample_xlsx(generate(600, 5, load_workdays(ws / "config"), date(2026, 7, 5)), data)
    _ok(["applications", "stats", data, "--period", "2026-H1", "--format", "html", "--out", made["stats"], "-w", ws])
    return made


def subprocess_free_run(args: list) -> int:
    from test_check_cli import _run

    code, _, err = _run(args)
    assert code in (0, 1), err
    return code


def _ok_or_one(args: list) -> str:
    from test_check_cli import _run

    code, out, err = _run(args)
    assert code in (0, 1), err
    return out


def open_page(context, path: Path, width: int = 1280):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def ink_share(context, png: bytes) -> tuple[float, int]:
    """(share of pixels that are not background, distinct colours) of a screenshot, counted by
    drawing it on a canvas in the browser (no image library needed here)."""
    page = context.new_page()
    page.set_content("<canvas id=c></canvas>")
    result = page.evaluate(
        """async (data) => {
            const img = new Image(); img.src = data; await img.decode();
            const c = document.getElementById('c'); c.width = img.width; c.height = img.height;
            const g = c.getContext('2d'); g.drawImage(img, 0, 0);
            const px = g.getImageData(0, 0, img.width, img.height).data;
            const bg = [px[0], px[1], px[2]]; let ink = 0; const colours = new Set();
            for (let i = 0; i < px.length; i += 16) {
                const d = Math.abs(px[i] - bg[0]) + Math.abs(px[i+1] - bg[1]) + Math.abs(px[i+2] - bg[2]);
                if (d > 30) ink++;
                colours.add((px[i] >> 4) << 8 | (px[i+1] >> 4) << 4 | (px[i+2] >> 4));
            }
            return [ink / (px.length / 16), colours.size];
        }""",
        "data:image/png;base64," + base64.b64encode(png).decode(),
    )
    page.close()
    return result[0], result[1]


def fonts_used(context, page, selector: str) -> list[str]:
    """The platform fonts Chromium drew an element's text with (DevTools protocol)."""
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    return [f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]


def test_check_page_in_chromium_shows_what_check_json_says(browser_context, pages, tmp_path):
    expected = json.loads(pages["check.json"].read_text(encoding="utf-8"))
    page = open_page(browser_context, pages["check"])
    rendered = page.eval_on_selector_all(
        "tr.item",
        """rows => rows.map(r => ({id: r.dataset.id, status: r.querySelector('.status').innerText.trim(),
            due: r.querySelector('.due').innerText.trim(), period: r.querySelector('.period').innerText.trim(),
            visible: r.getBoundingClientRect().height > 0 && getComputedStyle(r).visibility === 'visible'}))""",
    )
    from gdcomply.tracking import STATUS_LABELS, Status

    assert [r["id"] for r in rendered] == [i["id"] for i in expected["items"]]
    for row, item in zip(rendered, expected["items"]):
        assert row["visible"]
        assert row["status"] == STATUS_LABELS[Status(item["status"])]
        assert row["due"].startswith(item["due"]) and row["period"] == item["period"]
    counts = page.eval_on_selector_all(
        "ul.summary li", "items => items.map(li => [li.dataset.status, li.querySelector('.count').innerText])"
    )
    assert {status: int(count) for status, count in counts} == expected["summary"]
    assert page.eval_on_selector_all("svg g.mark", "marks => marks.length") == 38  # 2018's instances
    assert any(CJK_FONT.search(name) for name in fonts_used(browser_context, page, "h1")), "Chinese drawn without a CJK font"

    assert no_horizontal_scroll(page)
    shot = page.screenshot(full_page=True)
    ink, colours = ink_share(browser_context, shot)
    assert ink > 0.05 and colours > 20, (ink, colours)
    if os.environ.get("GDCOMPLY_DOCS_SCREENSHOT"):
        (REPO_ROOT / "docs" / "check-page.png").write_bytes(shot)
    (tmp_path / "check-1280.png").write_bytes(shot)
    page.close()
    assert not [url for url in browser_context.requests if not url.startswith(("file:", "data:"))]


@pytest.mark.parametrize("name", ["check", "calendar", "stats"])
def test_pages_fit_a_phone_and_a_desktop(browser_context, pages, name):
    for width in (1280, 390):
        page = open_page(browser_context, pages[name], width)
        assert no_horizontal_scroll(page), f"{name} scrolls sideways at {width} px"
        ink, _ = ink_share(browser_context, page.screenshot())
        assert ink > 0.02, f"{name} looks blank at {width} px"
        page.close()
    assert not [url for url in browser_context.requests if not url.startswith(("file:", "data:"))]


@pytest.mark.parametrize("name", ["check", "calendar", "stats"])
def test_printed_on_a4_no_row_is_cut_and_nothing_overflows(browser_context, pages, tmp_path, name):
    page = open_page(browser_context, pages[name])
    rows = page.eval_on_selector_all(
        "tr.item", "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.innerText).join(''))"
    )
    page.emulate_media(media="print")
    a4_landscape = name == "calendar"
    content_width = round((297 if a4_landscape else 210) - 22) / 25.4 * 96  # the page less its 11 mm margins
    page.set_viewport_size({"width": int(content_width), "height": 1000})
    assert no_horizontal_scroll(page), f"{name} is wider than an A4 page"
    pdf = tmp_path / f"{name}.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = tuple(round(float(v)) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert size == ((842, 595) if a4_landscape else (595, 842)), size
    pages_count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    texts = []
    for number in range(1, pages_count + 1):
        raw = subprocess.run(["pdftotext", "-raw", "-f", str(number), "-l", str(number), str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
        texts.append(re.sub(r"\s+", "", raw))
        boxes = subprocess.run(["pdftotext", "-bbox", "-f", str(number), "-l", str(number), str(pdf), "-"],
                               capture_output=True, text=True, check=True).stdout  # fmt: skip
        right = max((float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes)), default=0)
        assert right <= size[0] - 25, f"{name}: text runs past the margin on page {number} ({right:.0f} pt)"
    for row in rows:  # each row whole on one page (in content order, so wrapped cells still match)
        assert any(re.sub(r"\s+", "", row) in text for text in texts), f"{name}: row cut across pages: {row}"
