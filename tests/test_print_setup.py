"""Every sheet of every pack prints on A4: landscape where wide, one page wide, the header row
repeated on each page, a title in the page header and page numbers in the footer.

The print settings are read back from the written files with openpyxl; one smoke test has
LibreOffice export a unit workbook to PDF and checks that each printed page of the wide 明细
sheet carries the whole header row (its columns were not split off onto other pages).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import _unavailable

AS_OF = "2026-07-08"


@pytest.fixture(scope="module")
def sample_xlsx(tmp_path_factory, workdays) -> Path:
    from gdcomply.applications.sample import generate
    from gdcomply.reports.sample_xlsx import write_sample_xlsx

    path = tmp_path_factory.mktemp("data") / "申请导出.xlsx"
    write_sample_xlsx(generate(1500, 7, workdays, date(2026, 7, 5)), path)
    return path


@pytest.fixture
def packs(cli, tmp_path, sample_xlsx) -> Path:
    """A unit's connection-data pack, a progress report's annex and a self-inspection pack."""
    assert cli(["init", "ws", "--since", "2026-01-01"]).exit_code == 0
    ws = tmp_path / "ws"
    runs = [
        ["connection-data", "--period", "2026-H1", "--party", "guiyuan", "--input", sample_xlsx, "--as-of", AS_OF],
        ["progress-report", "--period", "2026-R2", "--party", "guiyuan", "--input", sample_xlsx, "--as-of", "2026-08-06"],
        ["self-inspection", "--period", "2018", "--party", "gongdian", "--input", sample_xlsx,
         "--from", "2026-01-01", "--to", "2026-06-30", "--as-of", "2018-07-18"],
    ]  # fmt: skip
    for run in runs:
        result = cli(["pack", *run, "--workspace", ws])
        assert result.exit_code == 0, result.output
    return tmp_path / "packs"


def test_every_sheet_of_every_pack_prints_on_a4(packs):
    workbooks = sorted(packs.rglob("*.xlsx"))
    assert len(workbooks) == 3
    landscape = portrait = 0
    for path in workbooks:
        book = load_workbook(path)
        for sheet in book.worksheets:
            where = f"{path.name}!{sheet.title}"
            setup = sheet.page_setup
            assert setup.paperSize == 9, where  # A4
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
            # one page wide (1 is the default, which XlsxWriter leaves out), as tall as needed
            assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), where
            header_row = sheet.freeze_panes and int(re.sub(r"\D", "", sheet.freeze_panes)) - 1
            assert sheet.print_title_rows == f"${header_row}:${header_row}", where
            headings = [c.value for c in sheet[header_row]]
            assert headings[0] and all(h for h in headings[: sheet.max_column]), where
            width = sum(sheet.column_dimensions[c.column_letter].width for c in sheet[header_row])
            if width > 95:
                assert setup.orientation == "landscape", where
                landscape += 1
            else:
                assert setup.orientation == "portrait", where
                portrait += 1
            title = sheet["A1"].value if header_row > 1 else sheet.title
            assert sheet.oddHeader.center.text == title, where
            assert sheet.oddFooter.right.text == "第 &P 页，共 &N 页", where
            assert sheet.oddFooter.left.text == sheet.title, where
    assert landscape and portrait  # 明细 (22 columns) is wide; 汇总 is not


def test_libreoffice_pdf_keeps_each_row_on_one_page(packs, tmp_path):
    """The one LibreOffice test (seconds per workbook): a unit's workbook exported to PDF."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftotext") is None:
        _unavailable("没有 LibreOffice（Debian 软件包 libreoffice-calc-nogui）或 pdftotext（poppler-utils），跳过打印为 PDF 的测试")
    unit = next(packs.rglob("用户报装信息_*.xlsx"))
    detail = load_workbook(unit, read_only=True)["明细"]
    rows = list(detail.iter_rows(values_only=True))
    headings, ids = rows[0], {row[0] for row in rows[1:]}
    profile = tmp_path / "lo-profile"  # a profile of its own: never the user's, never shared between runs
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(unit)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "pdf" / unit.with_suffix(".pdf").name
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    detail_pages: list[str] = []
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout
        size = subprocess.run(["pdfinfo", "-f", str(page), "-l", str(page), str(pdf)],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
        width, height = map(float, re.search(r"size:\s+([\d.]+) x ([\d.]+)", size).groups())
        assert sorted((round(width), round(height))) == [595, 842], f"page {page} is not A4"
        footer = [line.split() for line in text.splitlines() if "页，共" in line]
        assert footer and footer[-1][0] in load_workbook(unit, read_only=True).sheetnames, f"page {page}"
        if footer[-1][0] == "明细":
            assert width > height, f"page {page}: 明细 (22 columns) prints landscape"
            detail_pages.append(re.sub(r"\s+", "", text))
    assert len(detail_pages) >= 2
    seen: list[str] = []
    for text in detail_pages:
        # every page of 明细 has the first and the last heading (the header row repeated, and no
        # column split off onto a page of its own) and the rows it shows, whole
        assert "申请编号" in text and re.sub(r"\s+", "", headings[-1]) in text
        seen += re.findall(r"[A-Z]{2}\d{11}", text)
    assert sorted(seen) == sorted(ids)  # every row printed, once
