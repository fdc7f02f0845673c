"""Report packs: every generated file is opened again and its contents checked.

The applications data are made here (the sample generator, or small hand-written CSVs);
the only committed binaries are the bundled templates.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt
from openpyxl import load_workbook

AS_OF = "2026-07-08"
PERIOD = "2026-H1"
UNIT_SHEETS = ["汇总", "高压新装增容", "小微企业", "低压居民", "月度趋势", "明细", "暂停", "问题数据"]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# -- helpers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_xlsx(tmp_path_factory, workdays) -> Path:
    """400 synthetic applications of both units, with pauses, as the marketing system exports them."""
    from gdcomply.applications.sample import generate
    from gdcomply.reports.sample_xlsx import write_sample_xlsx

    path = tmp_path_factory.mktemp("data") / "申请导出.xlsx"
    write_sample_xlsx(generate(400, 7, workdays, date(2026, 7, 5)), path)
    return path


@pytest.fixture
def ws(cli, tmp_path) -> Path:
    result = cli(["init", "ws", "--since", "2026-01-01"])
    assert result.exit_code == 0, result.output
    return tmp_path / "ws"


@pytest.fixture
def any_ws(cli, tmp_path, backend: str, shared_workspace) -> Path:
    """ws with its ledger on either store, for the packs that read the ledger (the company's
    consolidation reads the units' submitted workbooks from the evidence, on PostgreSQL from
    the database)."""
    if backend == "postgresql":
        return shared_workspace("ws", since="2026-01-01")
    result = cli(["init", "ws", "--since", "2026-01-01"])
    assert result.exit_code == 0, result.output
    return tmp_path / "ws"


def pack(cli, ws: Path, *args: str):
    return cli(["pack", *args, "--workspace", ws, "--as-of", AS_OF])


def stats(cli, ws: Path, data: Path, *args: str) -> dict:
    result = cli(["applications", "stats", data, "--period", PERIOD, "--format", "json", "--workspace", ws, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def summary_values(path: Path) -> dict[tuple[str, str], object]:
    """The 汇总 sheet as {(类别, 指标): 本期数值}."""
    sheet = load_workbook(path)["汇总"]
    values = {}
    header_seen = False
    for row in sheet.iter_rows(values_only=True):
        if row[0] == "类别":
            header_seen = True
            continue
        if header_seen:
            values[(row[0], row[1])] = row[3]
    return values


def assert_summary_matches(values: dict, figures: dict) -> None:
    res, sm, hv = (figures["classes"][k] for k in ("residential", "small-micro", "high-voltage"))
    expected = {
        ("低压居民", "送电户数"): res["count"],
        ("低压居民", "平均接电时长(工作日)"): res["mean_working_days"],
        ("低压居民", "最长接电时长(工作日)"): res["max_working_days"],
        ("低压居民", "超过时限户数"): res["over_limit"],
        ("低压居民", "零跑动（一次都不跑）占比"): res["zero_visit_share"],
        ("小微企业", "送电户数"): sm["count"],
        ("小微企业", "平均接电时长(工作日)"): sm["mean_working_days"],
        ("小微企业", "平均环节数"): sm["mean_steps"],
        ("小微企业", "平均申请材料数"): sm["mean_materials"],
        ("小微企业", "平均接电费用(元)"): float(sm["mean_cost"]),
        ("小微企业", "接电费用合计(元)"): float(sm["total_cost"]),
        ("小微企业", "零投资占比"): sm["zero_cost_share"],
        ("小微企业", "平均跑动次数"): sm["mean_visits"],
        ("高压", "已送电高压新装及增容户数"): hv["count"],
        ("高压", "容量合计(kVA)"): float(hv["total_kva"]),
        ("高压", "平均接电时长(工作日)"): hv["mean_working_days"],
        ("其他低压非居民", "送电户数"): figures["classes"]["other-low-voltage"]["count"],
    }
    for key, value in expected.items():
        assert values[key] == pytest.approx(value), key


def only_pack_folder(out: Path) -> Path:
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


# -- unit level ---------------------------------------------------------------------------


def test_unit_pack_workbook(cli, ws, tmp_path, sample_xlsx):
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "packs" / "connection-data_2026-H1_guiyuan"
    assert f"已生成报送包 packs/connection-data_2026-H1_guiyuan（connection-data/{PERIOD}/guiyuan->company" in result.stdout
    xlsx = folder / "用户报装信息_2026上半年_桂源公司.xlsx"
    assert "用户报装信息_2026上半年_桂源公司.xlsx" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [xlsx.name, "用户报装信息报送说明_2026上半年_桂源公司.docx", "manifest.json"]
    )
    book = load_workbook(xlsx)
    assert book.sheetnames == UNIT_SHEETS

    assert_summary_matches(summary_values(xlsx), stats(cli, ws, sample_xlsx, "--unit", "guiyuan"))
    verdicts = {row[1]: (row[4], row[0]) for row in book["汇总"].iter_rows(values_only=True) if row[0] == "低压居民"}
    assert verdicts["超过时限户数"][0] in ("达标", "未达标")

    detail = book["明细"]
    headers = [c.value for c in detail[1]]
    assert headers[:3] == ["申请编号", "供电单位", "户名"] and "接电时长(工作日)" in headers
    assert detail.freeze_panes == "A2" and detail.auto_filter.ref.startswith("A1:")
    assert detail.column_dimensions["C"].width > 20
    accepted = detail.cell(row=2, column=headers.index("受理日期") + 1)
    assert isinstance(accepted.value, datetime) and accepted.number_format == "yyyy-mm-dd"
    kva = detail.cell(row=2, column=headers.index("容量(kVA)") + 1)
    assert isinstance(kva.value, (int, float)) and kva.number_format == "#,##0.00"
    units = {row[1] for row in detail.iter_rows(min_row=2, values_only=True)}
    assert units == {"桂源公司"}
    figures = stats(cli, ws, sample_xlsx, "--unit", "guiyuan")
    assert detail.max_row - 1 == sum(c["count"] for c in figures["classes"].values())

    high = book["高压新装增容"]
    assert [c.value for c in high[1]] == [
        "申请编号", "户名", "用电地址", "业务类型", "电压等级", "容量(kVA)", "受理日期", "送电日期", "接电时长(工作日)",
    ]  # fmt: skip
    assert high.max_row - 1 == figures["classes"]["high-voltage"]["count"]
    assert book["低压居民"].max_row - 4 == figures["classes"]["residential"]["over_limit"]
    trend = book["月度趋势"]
    assert len(trend._charts) == 1
    assert [trend.cell(row=r, column=1).value for r in range(2, 8)] == [f"2026-0{m}" for m in range(1, 7)]
    problems = book["问题数据"]
    sha = hashlib.sha256(sample_xlsx.read_bytes()).hexdigest()
    assert problems["A2"].value == f"数据来源：申请导出.xlsx（SHA-256：{sha}）"  # what the positions refer to
    assert [c.value for c in problems[4]] == ["位置", "问题"]


def test_unit_pack_word_report(cli, ws, tmp_path, sample_xlsx):
    assert pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "gongdian", "--input", sample_xlsx).exit_code == 0
    doc = Document(tmp_path / "packs/connection-data_2026-H1_gongdian/用户报装信息报送说明_2026上半年_供电公司.docx")
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "供电公司2026年上半年用户报装信息报送说明"
    assert texts[1] == "广西桂东电力股份有限公司营销部："
    figures = stats(cli, ws, sample_xlsx, "--unit", "gongdian")
    residential = figures["classes"]["residential"]
    assert any(f"本期低压居民送电 {residential['count']} 户" in t for t in texts)
    assert "一、总体情况" in texts and "（二）小微企业" in texts
    target_table = doc.tables[-1]
    assert [c.text for c in target_table.rows[0].cells] == ["指标", "方案目标", "本期数值", "是否达标"]
    assert not any("{{" in t or "{%" in t for t in texts)

    # GB/T 9704-2012 page setup and fonts
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    expected = {"公文标题": ("方正小标宋简体", 22), "公文正文": ("仿宋_GB2312", 16),
                "公文一级标题": ("黑体", 16), "公文二级标题": ("楷体_GB2312", 16)}  # fmt: skip
    for name, (font, size) in expected.items():
        style = doc.styles[name]
        fonts = style.element.rPr.find(f"{W}rFonts")
        assert fonts.get(f"{W}eastAsia") == font, name
        assert style.font.size == Pt(size), name
    assert doc.paragraphs[0].style.name == "公文标题"
    assert doc.paragraphs[0].style.paragraph_format.alignment == 1  # centred
    heading = next(p for p in doc.paragraphs if p.text.startswith("一、"))
    assert heading.style.name == "公文一级标题"
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in "".join(footer._p.itertext())


def test_manifest_and_zip(cli, ws, tmp_path, sample_xlsx):
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx, "--zip")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "packs/connection-data_2026-H1_guiyuan"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    from gdcomply import __version__

    assert manifest["gdcomply_version"] == __version__
    assert manifest["instance_id"] == "connection-data/2026-H1/guiyuan->company"
    assert manifest["instances"] == ["connection-data/2026-H1/guiyuan->company", "connection-data/2026-H1/guiyuan->bureau"]
    assert manifest["as_of"] == AS_OF
    for entry in manifest["files"]:
        assert hashlib.sha256((folder / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]
    roles = {i["role"]: i for i in manifest["inputs"]}
    assert roles["applications"]["sha256"] == hashlib.sha256(sample_xlsx.read_bytes()).hexdigest()
    assert {"template", "config"} <= set(roles)
    with zipfile.ZipFile(tmp_path / "packs/connection-data_2026-H1_guiyuan.zip") as archive:
        names = archive.namelist()
    assert sorted(names) == sorted(f"connection-data_2026-H1_guiyuan/{p.name}" for p in folder.iterdir())


def test_same_inputs_give_identical_bytes(cli, ws, tmp_path, sample_xlsx):
    args = ["connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx, "--zip"]
    assert pack(cli, ws, *args, "--out", "a").exit_code == 0
    assert pack(cli, ws, *args, "--out", "b").exit_code == 0
    first, second = tmp_path / "a", tmp_path / "b"
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(names) == 4
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_existing_pack_is_kept_unless_force(cli, ws, tmp_path, sample_xlsx):
    args = ["connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx]
    assert pack(cli, ws, *args).exit_code == 0
    manifest = tmp_path / "packs/connection-data_2026-H1_guiyuan/manifest.json"
    before = manifest.read_bytes()
    again = pack(cli, ws, *args)
    assert again.exit_code == 2
    assert again.stderr == (
        "错误：报送包 packs/connection-data_2026-H1_guiyuan 已存在，未做任何修改。如需重新生成并覆盖，请加 --force\n"
    )
    forced = cli(["pack", *args, "--workspace", ws, "--as-of", "2026-07-09", "--force"])
    assert forced.exit_code == 0 and forced.stdout.startswith("已重新生成报送包")
    assert manifest.read_bytes() != before
    assert sorted(p.name for p in (tmp_path / "packs").iterdir()) == ["connection-data_2026-H1_guiyuan"]


def test_formula_looking_customer_name_stays_text(cli, ws, tmp_path):
    data = tmp_path / "apps.csv"
    data.write_text(
        textwrap.dedent(
            """\
            申请编号,供电单位,户名,业务类型,容量(kVA),受理日期,送电日期
            GY1,桂源公司,"=HYPERLINK(""http://x"",""y"")",低压居民新装,8,2026-03-02,2026-03-10
            GY2,桂源公司,@SUM(A1),低压居民新装,8,2026-03-02,2026-03-11
            GY3,桂源公司,-1+2,低压非居民新装,30,2026-03-02,2026-03-12
            GY4,桂源公司,"A&B<贺州>'公司'",高压新装,630,2026-03-02,2026-04-20
            """
        ),
        encoding="utf-8",
    )
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", data)
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "packs/connection-data_2026-H1_guiyuan/用户报装信息_2026上半年_桂源公司.xlsx")
    detail = book["明细"]
    names = {detail.cell(row=r, column=3).value: detail.cell(row=r, column=3) for r in range(2, 5)}
    assert set(names) == {'=HYPERLINK("http://x","y")', "@SUM(A1)", "-1+2"}
    for cell in names.values():
        assert cell.data_type == "s"
        assert cell.quotePrefix
    # markup characters survive (escaped in the sheet's XML)
    assert book["高压新装增容"].cell(row=2, column=2).value == "A&B<贺州>'公司'"
    assert not book["高压新装增容"].cell(row=2, column=2).quotePrefix


def test_address_voltage_and_channel_reach_the_pack_and_the_company(cli, ws, tmp_path):
    data = tmp_path / "apps.csv"
    data.write_text(
        textwrap.dedent(
            """\
            申请编号,供电单位,户名,用电地址,业务类型,电压等级,容量(kVA),受理日期,送电日期,受理渠道
            GY1,桂源公司,贺州市某木业有限公司,贺州市八步区西约街1号,高压新装,10kV,630,2026-03-02,2026-04-20,网上营业厅
            GY2,桂源公司,李明,钟山县钟山镇2号,低压居民新装,0.4kV,8,2026-03-02,2026-03-10,
            """
        ),
        encoding="utf-8",
    )
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", data)
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "packs/connection-data_2026-H1_guiyuan/用户报装信息_2026上半年_桂源公司.xlsx")
    high = [row for row in book["高压新装增容"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[2], r[4]) for r in high] == [("GY1", "贺州市八步区西约街1号", "10kV")]
    detail = book["明细"]
    headers = [c.value for c in detail[1]]
    rows = {r[0]: r for r in detail.iter_rows(min_row=2, values_only=True)}
    column = {h: headers.index(h) for h in ("用电地址", "电压等级", "受理渠道")}
    assert rows["GY1"][column["受理渠道"]] == "网上营业厅"
    assert rows["GY2"][column["用电地址"]] == "钟山县钟山镇2号" and rows["GY2"][column["电压等级"]] == "0.4kV"
    assert rows["GY2"][column["受理渠道"]] in (None, "")

    unit_book = tmp_path / "packs/connection-data_2026-H1_guiyuan/用户报装信息_2026上半年_桂源公司.xlsx"
    company = pack(
        cli, ws, "connection-data", "--period", PERIOD, "--party", "company", "--input", unit_book,
        "--allow-missing", "--out", tmp_path / "company",
    )  # fmt: skip
    assert company.exit_code == 0, company.output
    consolidated = load_workbook(next((tmp_path / "company").glob("*/*.xlsx")))
    high = [row for row in consolidated["高压新装增容"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[2], r[4]) for r in high] == [("GY1", "贺州市八步区西约街1号", "10kV")]


def test_unit_pack_needs_its_export(cli, ws):
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan")
    assert result.exit_code == 2
    assert "请用 --input 指定本单位从营销系统导出的申请数据文件" in result.stderr


def test_unknown_pack_kind(cli, ws):
    result = pack(cli, ws, "wechat-account", "--period", "2018", "--party", "company")
    assert result.exit_code == 2
    assert result.stderr == (
        "错误：“wechat-account”没有报送包。可生成报送包的事项：connection-data、progress-report、self-inspection、rectification\n"
    )


# -- templates ----------------------------------------------------------------------------


def _template_with(path: Path, text: str) -> None:
    doc = Document()
    doc.add_paragraph("{{ title }}")
    doc.add_paragraph(text)
    doc.save(path)


def test_broken_template_tag_is_named_and_leaves_no_pack(cli, ws, tmp_path, sample_xlsx):
    template = ws / "templates" / "connection-data.docx"
    _template_with(template, "报送单位：{{ sender }")
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误：模板 {template} 的标签“{{{{ sender }}”有错误：")
    # the workbook was written before the Word document failed: nothing of it is left
    assert list((tmp_path / "packs").iterdir()) == []


def test_undefined_variable_and_sandbox(cli, ws, tmp_path, sample_xlsx):
    template = ws / "templates" / "connection-data.docx"
    _template_with(template, "{{ sendr }}")
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx)
    assert result.exit_code == 1
    assert "标签“{{ sendr }}”有错误：未定义的变量“sendr”" in result.stderr
    _template_with(template, "{{ title.__class__.__mro__ }}")
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx)
    assert result.exit_code == 1
    assert "有错误" in result.stderr and "__class__" in result.stderr
    assert list((tmp_path / "packs").iterdir()) == []


def test_workspace_template_overrides_bundled(cli, ws, tmp_path, sample_xlsx):
    _template_with(ws / "templates" / "connection-data.docx", "自定义模板：{{ sender }}")
    assert pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx).exit_code == 0
    doc = Document(tmp_path / "packs/connection-data_2026-H1_guiyuan/用户报装信息报送说明_2026上半年_桂源公司.docx")
    assert [p.text for p in doc.paragraphs] == ["桂源公司2026年上半年用户报装信息报送说明", "自定义模板：桂源公司"]


def test_bundled_templates_are_what_the_builder_makes(tmp_path):
    import subprocess
    import sys

    from gdcomply.resources import bundled_templates_dir

    bundled = bundled_templates_dir()
    script = bundled / "build_templates.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    def content(path: Path) -> list:
        doc = Document(path)
        paragraphs = [(p.style.name, p.text) for p in doc.paragraphs]
        tables = [[[c.text for c in row.cells] for row in table.rows] for table in doc.tables]
        return [paragraphs, tables, doc.sections[0].footer.paragraphs[0].text]

    for name in ("connection-data.docx", "progress-report.docx", "self-inspection.docx", "rectification.docx"):
        # same content (bytes may differ with another python-docx version's default template)
        assert content(tmp_path / name) == content(bundled / name), name


# -- company level ------------------------------------------------------------------------


def _unit_packs_submitted(cli, ws, tmp_path, data: Path, units=("guiyuan", "gongdian")) -> None:
    for unit in units:
        assert pack(cli, ws, "connection-data", "--period", PERIOD, "--party", unit, "--input", data).exit_code == 0
        workbook = next((tmp_path / f"packs/connection-data_2026-H1_{unit}").glob("*.xlsx"))
        document = next((tmp_path / f"packs/connection-data_2026-H1_{unit}").glob("*.docx"))
        result = cli(["submit", "connection-data", "--period", PERIOD, "--from", unit, "--to", "company",
                      workbook, document, "--on", "2026-07-09", "--workspace", ws])  # fmt: skip
        assert result.exit_code == 0, result.output


def test_company_consolidation_equals_raw_data(cli, any_ws, tmp_path, sample_xlsx):
    ws = any_ws
    _unit_packs_submitted(cli, ws, tmp_path, sample_xlsx)
    result = cli(["pack", "connection-data", "--period", PERIOD, "--party", "company",
                  "--workspace", ws, "--as-of", "2026-07-12"])  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = tmp_path / "packs/connection-data_2026-H1_company"
    xlsx = folder / "用户报装信息_2026上半年_广西桂东电力股份有限公司.xlsx"
    both = stats(cli, ws, sample_xlsx)  # the raw data of both units taken together
    assert_summary_matches(summary_values(xlsx), both)
    book = load_workbook(xlsx)
    assert book.sheetnames == UNIT_SHEETS
    assert book["明细"].max_row - 1 == sum(c["count"] for c in both["classes"].values())
    assert {r[1] for r in book["明细"].iter_rows(min_row=2, values_only=True)} == {"桂源公司", "供电公司"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(i.get("party") for i in manifest["inputs"] if i["role"] == "unit-pack") == ["gongdian", "guiyuan"]
    doc = Document(next(folder.glob("*.docx")))
    assert doc.paragraphs[1].text == "国家能源局南方监管局："


def test_company_from_input_files(cli, ws, tmp_path, sample_xlsx):
    for unit in ("guiyuan", "gongdian"):
        assert pack(cli, ws, "connection-data", "--period", PERIOD, "--party", unit, "--input", sample_xlsx).exit_code == 0
    files = [next((tmp_path / f"packs/connection-data_2026-H1_{u}").glob("*.xlsx")) for u in ("guiyuan", "gongdian")]
    args = ["connection-data", "--period", PERIOD, "--party", "company", "--out", "company"]
    result = pack(cli, ws, *args, "--input", files[0], "--input", files[1])
    assert result.exit_code == 0, result.output
    xlsx = next((tmp_path / "company/connection-data_2026-H1_company").glob("*.xlsx"))
    assert_summary_matches(summary_values(xlsx), stats(cli, ws, sample_xlsx))
    result = pack(cli, ws, *args, "--input", files[0], "--input", files[0], "--force")
    assert result.exit_code == 1
    assert "桂源公司的明细出现了两次" in result.stderr


def test_missing_unit_is_an_error_naming_it(cli, ws, tmp_path, sample_xlsx):
    _unit_packs_submitted(cli, ws, tmp_path, sample_xlsx, units=("guiyuan",))
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "company")
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：缺少 供电公司（gongdian） 的 2026年上半年用户报装信息：台账中没有其有效的报送记录")
    assert "--allow-missing" in result.stderr
    assert not (tmp_path / "packs/connection-data_2026-H1_company").exists()


def test_allow_missing_says_so_on_the_first_page(cli, ws, tmp_path, sample_xlsx):
    _unit_packs_submitted(cli, ws, tmp_path, sample_xlsx, units=("guiyuan",))
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "company", "--allow-missing")
    assert result.exit_code == 0, result.output
    assert "警告：供电公司的2026年上半年用户报装信息尚未报送" in result.stderr
    folder = tmp_path / "packs/connection-data_2026-H1_company"
    doc = Document(next(folder.glob("*.docx")))
    notice = doc.paragraphs[2]
    assert notice.text == "注意：供电公司的2026年上半年用户报装信息尚未报送，本汇总未包含供电公司的数据。"
    run = next(r for r in notice.runs if r.text)
    assert run.font.bold and str(run.font.color.rgb) == "C00000"
    book = load_workbook(next(folder.glob("*.xlsx")))
    preamble = [r[0] for r in book["汇总"].iter_rows(max_row=4, values_only=True)]
    assert notice.text in preamble
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["missing_units"] == ["gongdian"]
    # only the submitted unit's figures are in it
    assert_summary_matches(summary_values(next(folder.glob("*.xlsx"))), stats(cli, ws, sample_xlsx, "--unit", "guiyuan"))


# -- progress report ----------------------------------------------------------------------


def test_progress_report(cli, ws, tmp_path, sample_xlsx):
    evidence = tmp_path / "报告.pdf"
    evidence.write_bytes(b"%PDF-1.4 r1")
    submitted = cli(["submit", "progress-report", "--period", "2026-R1", "--from", "guiyuan", "--to", "all",
                     evidence, "--on", "2026-06-05", "--workspace", ws])  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    notes = tmp_path / "notes.yaml"
    notes.write_text(
        textwrap.dedent(
            """\
            二（一）: |
              本期对业扩报装流程逐个环节进行了梳理。

              推行线上办电。
            三:
              - 继续推进小微企业“三零”服务。
            """
        ),
        encoding="utf-8",
    )
    result = cli(["pack", "progress-report", "--period", "2026-R2", "--party", "guiyuan", "--notes", notes,
                  "--input", sample_xlsx, "--workspace", ws, "--as-of", "2026-08-06"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "警告：以下章节没有说明文字，已留“（待填写）”（高亮显示）：二(二)、二(三)、二(四)" in result.stderr
    folder = tmp_path / "packs/progress-report_2026-R2_guiyuan"
    doc = Document(folder / "工作开展情况报告_2026年第2次_桂源公司.docx")
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "桂源公司用户“获得电力”优质服务工作开展情况报告（2026年第2次）"
    assert texts[1] == "广西桂东电力股份有限公司营销部、国家能源局南方监管局："
    for heading in ("（一）加强业扩报装管理，提升业务办理整体水平", "（二）创新供电服务方式，保障人民群众便利用电",
                    "（三）加大信息公开和宣传力度", "（四）坚持问题导向，协同推进问题解决", "三、下一步工作安排"):  # fmt: skip
        assert heading in texts
    start = texts.index("（一）加强业扩报装管理，提升业务办理整体水平")
    assert texts[start + 1 : start + 3] == ["本期对业扩报装流程逐个环节进行了梳理。", "推行线上办电。"]
    assert texts[start + 3].startswith("本年以来（2026年1月1日至2026年8月6日，按送电日期")
    placeholders = [p for p in doc.paragraphs if p.text == "（待填写）"]
    assert len(placeholders) == 3
    for paragraph in placeholders:
        run = next(r for r in paragraph.runs if r.text)
        assert run._r.rPr.find(f"{W}highlight").get(f"{W}val") == "yellow"
    assert texts[texts.index("三、下一步工作安排") + 1] == "继续推进小微企业“三零”服务。"

    status = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in status.rows]
    assert rows[0] == ["事项", "期次", "报送对象", "截止日期", "报送日期", "状态"]
    assert ["工作开展情况报告", "2026-R1", "公司", "2026-06-08", "2026-06-05", "按时完成"] in rows
    assert ["用户报装信息", "2026-H1", "公司", "2026-07-10", "—", "已逾期（19 个工作日）"] in rows
    assert ["工作开展情况报告", "2026-R2", "公司", "2026-08-07", "—", "即将到期"] in rows

    annex = load_workbook(folder / "工作开展情况报告附表_2026年第2次_桂源公司.xlsx")
    assert annex.sheetnames == ["报送事项", "汇总"]  # a unit has no milestones: no 里程碑 sheet
    sheet = annex["报送事项"]
    table = list(sheet.iter_rows(min_row=4, values_only=True))
    assert table[0][:7] == ("事项", "期次", "报送单位", "报送对象", "截止日期", "报送日期", "状态")
    done = next(r for r in table if r[1] == "2026-R1" and r[3] == "公司")
    assert done[4] == datetime(2026, 6, 8) and done[5] == datetime(2026, 6, 5) and done[6] == "按时完成"
    assert sheet.freeze_panes == "A5"


def test_progress_report_company_milestones(cli, any_ws, tmp_path):
    ws = any_ws
    result = pack(cli, ws, "progress-report", "--period", "2026-R2", "--party", "company")
    assert result.exit_code == 0, result.output
    doc = Document(next((tmp_path / "packs/progress-report_2026-R2_company").glob("*.docx")))
    milestones = [[c.text for c in r.cells] for r in doc.tables[1].rows]
    assert milestones[0] == ["里程碑", "完成时限", "完成日期", "状态"]
    assert [r[0] for r in milestones[1:]] == ["微信公众号开发使用", "网上营业厅开发使用"]
    # no --notes: every narrative section is a highlighted placeholder, never invented text
    assert sum(1 for p in doc.paragraphs if p.text == "（待填写）") == 5


def test_notes_with_unknown_section(cli, ws, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# 2026年第2次\n\n## 二(一)\n正文。\n\n## 二(五) 其他\n文字\n", encoding="utf-8")
    result = pack(cli, ws, "progress-report", "--period", "2026-R2", "--party", "company", "--notes", notes)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误：说明文件 {notes} 有错误（共 1 处）：\n{notes}:6: 未知的章节“二(五) 其他”")


# -- self-inspection and rectification ----------------------------------------------------


def test_self_inspection(cli, ws, tmp_path, sample_xlsx):
    notes = tmp_path / "findings.yaml"
    notes.write_text("存在的问题: 个别低压居民接电超过22个工作日。\n", encoding="utf-8")
    result = cli(["pack", "self-inspection", "--period", "2018", "--party", "gongdian", "--input", sample_xlsx,
                  "--from", "2026-01-01", "--to", "2026-06-30", "--notes", notes, "--workspace", ws,
                  "--as-of", "2018-07-18"])  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = tmp_path / "packs/self-inspection_2018_gongdian"
    doc = Document(folder / "自查报告_供电公司.docx")
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "供电公司用户“获得电力”优质服务相关工作自查报告"
    assert any("对2026年1月至2026年6月用户“获得电力”优质服务相关工作开展了自查" in t for t in texts)
    residential = stats(cli, ws, sample_xlsx, "--unit", "gongdian")["classes"]["residential"]
    assert any(f"低压居民送电 {residential['count']} 户" in t for t in texts)
    assert texts[texts.index("三、存在的问题") + 1] == "个别低压居民接电超过22个工作日。"
    assert sum(1 for t in texts if t == "（待填写）") == 5
    assert_summary_matches(summary_values(folder / "自查期间报装指标_供电公司.xlsx"), stats(cli, ws, sample_xlsx, "--unit", "gongdian"))


def test_rectification_from_yaml(cli, ws, tmp_path):
    notes = tmp_path / "measures.yaml"
    notes.write_text(
        textwrap.dedent(
            """\
            - 问题: 部分低压居民接电超过22个工作日
              整改措施: 建立超期预警，每周通报
              责任部门: 营销部
              完成时限: 2018-09-30
            - 问题: 网站“获得电力”专栏未建立
              整改措施: 增设专栏并按时公开
              责任部门: 办公室
              完成时限: 2018年10月31日
            """
        ),
        encoding="utf-8",
    )
    result = cli(["pack", "rectification", "--period", "2018", "--party", "guiyuan", "--notes", notes,
                  "--workspace", ws, "--as-of", "2018-08-03"])  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = tmp_path / "packs/rectification_2018_guiyuan"
    doc = Document(folder / "整改措施_桂源公司.docx")
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows == [
        ["序号", "问题", "整改措施", "责任部门", "完成时限"],
        ["1", "部分低压居民接电超过22个工作日", "建立超期预警，每周通报", "营销部", "2018年9月30日"],
        ["2", "网站“获得电力”专栏未建立", "增设专栏并按时公开", "办公室", "2018年10月31日"],
    ]
    sheet = load_workbook(folder / "整改措施表_桂源公司.xlsx")["整改措施"]
    assert [c.value for c in sheet[3]] == ["序号", "问题", "整改措施", "责任部门", "完成时限"]
    assert sheet.cell(row=5, column=5).value == datetime(2018, 10, 31)


def test_rectification_deadline_errors_are_positioned(cli, ws, tmp_path):
    notes = tmp_path / "measures.yaml"
    notes.write_text(
        "- 问题: 甲\n  整改措施: 乙\n  责任部门: 丙\n  完成时限: 2018-09-31\n"
        "- 问题: 丁\n  整改措施: 戊\n  责任部门: 己\n  完成时限: 九月底\n  负责人: 张三\n",
        encoding="utf-8",
    )
    result = cli(["pack", "rectification", "--period", "2018", "--party", "guiyuan", "--notes", notes,
                  "--workspace", ws, "--as-of", "2018-08-03"])  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        f"错误：整改措施文件 {notes} 有错误（共 3 处）：\n"
        f"{notes}:4:9: 完成时限 “2018-09-31” 不是日期，应写作 2018-09-30 或 2018年9月30日\n"
        f"{notes}:8:9: 完成时限 “九月底” 不是日期，应写作 2018-09-30 或 2018年9月30日\n"
        f"{notes}:9:3: 未知的字段“负责人”（允许的字段：问题、整改措施、责任部门、完成时限）\n"
    )
    assert not (tmp_path / "packs").exists() or list((tmp_path / "packs").iterdir()) == []


def test_rectification_from_excel_with_bad_date(cli, ws, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "measures.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "整改措施"
    sheet.append(["问题", "整改措施", "责任部门", "完成时限"])
    sheet.append(["甲", "乙", "丙", datetime(2018, 9, 30)])
    sheet.append(["丁", "戊", "己", "下月"])
    book.save(path)
    result = cli(["pack", "rectification", "--period", "2018", "--party", "guiyuan", "--notes", path,
                  "--workspace", ws, "--as-of", "2018-08-03"])  # fmt: skip
    assert result.exit_code == 1
    assert f"{path}:整改措施!D3: 完成时限 “下月” 不是日期" in result.stderr
    sheet.cell(row=3, column=4).value = "2018/10/15"
    book.save(path)
    result = cli(["pack", "rectification", "--period", "2018", "--party", "guiyuan", "--notes", path,
                  "--workspace", ws, "--as-of", "2018-08-03"])  # fmt: skip
    assert result.exit_code == 0, result.output


def test_core_does_not_import_report_libraries():
    import subprocess
    import sys

    code = "import gdcomply.packs.build, gdcomply.packs.notes, sys; print(sorted(m for m in ('openpyxl', 'xlsxwriter', 'docxtpl', 'jinja2', 'docx', 'typer') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_failed_force_keeps_the_old_pack(cli, ws, tmp_path, sample_xlsx):
    args = ["connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx]
    assert pack(cli, ws, *args).exit_code == 0
    folder = tmp_path / "packs/connection-data_2026-H1_guiyuan"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    _template_with(ws / "templates" / "connection-data.docx", "{% if sender %}没有结束")
    result = pack(cli, ws, *args, "--force")
    assert result.exit_code == 1 and "有错误" in result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in (tmp_path / "packs").iterdir()) == ["connection-data_2026-H1_guiyuan"]


def test_company_warns_when_a_unit_counted_days_differently(cli, ws, tmp_path, sample_xlsx):
    for unit in ("guiyuan", "gongdian"):
        assert pack(cli, ws, "connection-data", "--period", PERIOD, "--party", unit, "--input", sample_xlsx).exit_code == 0
    files = [next((tmp_path / f"packs/connection-data_2026-H1_{u}").glob("*.xlsx")) for u in ("guiyuan", "gongdian")]
    # as if the unit had counted with a holiday calendar other than the company's
    book = load_workbook(files[0])
    detail = book["明细"]
    column = [c.value for c in detail[1]].index("接电时长(工作日)") + 1
    detail.cell(row=2, column=column).value = detail.cell(row=2, column=column).value + 1
    first_id = detail.cell(row=2, column=1).value
    book.save(files[0])
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "company",
                  "--input", files[0], "--input", files[1])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"警告：1 条明细的接电时长与按公司工作日历重算的不同（如 {first_id}：" in result.stderr


def test_narrative_from_markdown_and_yaml(tmp_path):
    from gdcomply.errors import InputError
    from gdcomply.packs.notes import load_narrative
    from gdcomply.packs.progress_report import progress_sections

    markdown = tmp_path / "n.md"
    markdown.write_text(
        "# 标题\n\n## 二（一）加强业扩报装管理\n第一段\n接续。\n\n第二段。\n\n### 下一步工作安排\n- 要点\n",
        encoding="utf-8",
    )
    narrative = load_narrative(markdown, progress_sections())
    assert narrative.of("二(一)") == ("第一段 接续。", "第二段。")
    assert narrative.of("三") == ("- 要点",)
    assert narrative.of("二(二)") == ()

    data = tmp_path / "n.yaml"
    data.write_text("二(二): 文字\n二(九): 错\n三: 3\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_narrative(data, progress_sections())
    assert [str(p) for p in caught.value.problems] == [
        f"{data}:2:1: 未知的章节“二(九)”，可用的章节：二(一)（加强业扩报装管理，提升业务办理整体水平）、"
        "二(二)（创新供电服务方式，保障人民群众便利用电）、二(三)（加大信息公开和宣传力度）、"
        "二(四)（坚持问题导向，协同推进问题解决）、三（下一步工作安排）",
        f"{data}:3:4: 应为文字",
    ]


# -- review findings: broken tags named in Chinese, no empty milestones block, periods not ended


@pytest.mark.parametrize(
    ("text", "tag", "cause"),
    [
        ("{{ title | nosuchfilter }}", "{{ title | nosuchfilter }}", "未知的过滤器“nosuchfilter”"),
        ("{{ title is nosuchtest }}", "{{ title is nosuchtest }}", "未知的测试“nosuchtest”"),
        ("{% if x %}没有结束标签", "{% if x %}", "没有对应的“{% endif %}”"),
        ("{% if title %}x{% endfor %}", "{% if title %}", "没有对应的“{% endif %}”（先遇到了“{% endfor %}”）"),
        ("{{ title + }}", "{{ title + }}", "语法错误"),
        ("{% nosuchtag %}", "{% nosuchtag %}", "未知的标签“nosuchtag”"),
        ("{{ sendr }}", "{{ sendr }}", "未定义的变量“sendr”"),
    ],
)
def test_broken_tag_named_with_its_cause_in_chinese(cli, ws, tmp_path, sample_xlsx, text, tag, cause):
    template = ws / "templates" / "connection-data.docx"
    _template_with(template, text)
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误：模板 {template} 的标签“{tag}”有错误：{cause}"), result.stderr
    for english in ("No filter named", "No test named", "Unexpected end of template", "Encountered unknown tag",
                    "is undefined", "Jinja was looking"):  # fmt: skip
        assert english not in result.stderr
    assert list((tmp_path / "packs").iterdir()) == []


def test_broken_tag_in_a_later_paragraph_and_in_the_footer(cli, ws, tmp_path, sample_xlsx):
    template = ws / "templates" / "connection-data.docx"
    doc = Document()
    for line in ("{{ title }}", "{{ sender }}", "正文", "{{ period | upper }}", "{{ period | nosuchfilter }}"):
        doc.add_paragraph(line)
    doc.save(template)
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx)
    assert result.exit_code == 1
    assert "标签“{{ period | nosuchfilter }}”有错误：未知的过滤器“nosuchfilter”" in result.stderr
    doc = Document()
    doc.add_paragraph("{{ title }}")
    doc.sections[0].footer.paragraphs[0].text = "{% if title %}页脚"
    doc.save(template)
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", sample_xlsx)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误：模板 {template}（页脚） 的标签“{{% if title %}}”有错误：没有对应的“{{% endif %}}”")


def test_progress_report_annex_without_milestones_has_no_milestones_block(cli, ws, tmp_path):
    result = cli(["pack", "progress-report", "--period", "2026-R4", "--party", "gongdian", "--workspace", ws,
                  "--as-of", "2026-11-20"])  # fmt: skip
    assert result.exit_code == 0, result.output
    annex = load_workbook(next((tmp_path / "packs/progress-report_2026-R4_gongdian").glob("*.xlsx")))
    assert annex.sheetnames == ["报送事项"]
    rows = list(annex["报送事项"].iter_rows(values_only=True))
    header = rows[3]
    assert header[:2] == ("事项", "期次")
    assert header not in rows[4:] and rows[-1][1] == "2026-R4"


@pytest.mark.parametrize(
    ("period", "party", "as_of", "end"),
    [
        ("2027-H2", "guiyuan", AS_OF, "2027-12-31"),
        ("2026-H2", "gongdian", "2026-12-31", "2026-12-31"),
        ("2026-H2", "company", AS_OF, "2026-12-31"),
    ],
)
def test_connection_data_of_a_period_not_ended_is_refused(cli, ws, tmp_path, sample_xlsx, period, party, as_of, end):
    args = ["--input", sample_xlsx] if party != "company" else []
    result = cli(["pack", "connection-data", "--period", period, "--party", party, *args, "--workspace", ws,
                  "--as-of", as_of])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("错误：") and f"到 {end} 才结束" in result.stderr, result.stderr
    assert not (tmp_path / "packs").exists() or list((tmp_path / "packs").iterdir()) == []


# -- what survives the way from the units to the company ----------------------------------


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _rows(book, sheet: str) -> list[tuple]:
    return [r for r in book[sheet].iter_rows(min_row=2, values_only=True) if any(c not in (None, "") for c in r)]


def _detail_by_id(book) -> dict[str, dict]:
    headers = [c.value for c in book["明细"][1]]
    return {r[0]: dict(zip(headers, r)) for r in _rows(book, "明细")}


_PAUSED_APPS = """\
    申请编号,供电单位,户名,业务类型,容量(kVA),受理日期,送电日期
    GY1,桂源公司,李明,低压居民新装,8,2026-03-02,2026-04-10
    GY2,桂源公司,王芳,低压居民新装,8,2026-03-02,2026-04-20
    """
# Reasons as customers' notes are written: full-width semicolons, a tilde, a formula-looking
# text, a line break — and one that holds what looks like a further pause.
_PAUSES = """\
    申请编号,暂停开始,暂停结束,原因
    GY1,2026-03-09,2026-03-13,客户要求暂缓；待内部工程完工
    GY1,2026-03-20,2026-03-23,"=1+1 ~ 见附件
    第二行"
    GY2,2026-03-05,2026-03-06,客户资料补充中；2026-03-16~2026-03-17 复核
    """


def test_pause_reasons_with_any_text_survive_the_round_trip(cli, ws, tmp_path):
    data = _write(tmp_path / "apps.csv", _PAUSED_APPS)
    pauses = _write(tmp_path / "pauses.csv", _PAUSES)
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", data,
                  "--pauses", pauses)  # fmt: skip
    assert result.exit_code == 0, result.output
    unit_book_path = tmp_path / "packs/connection-data_2026-H1_guiyuan/用户报装信息_2026上半年_桂源公司.xlsx"
    unit_book = load_workbook(unit_book_path)
    assert unit_book.sheetnames == UNIT_SHEETS
    assert [c.value for c in unit_book["暂停"][1]] == ["申请编号", "暂停开始", "暂停结束", "原因"]
    assert _rows(unit_book, "暂停") == [
        ("GY1", datetime(2026, 3, 9), datetime(2026, 3, 13), "客户要求暂缓；待内部工程完工"),
        ("GY1", datetime(2026, 3, 20), datetime(2026, 3, 23), "=1+1 ~ 见附件\n第二行"),
        ("GY2", datetime(2026, 3, 5), datetime(2026, 3, 6), "客户资料补充中；2026-03-16~2026-03-17 复核"),
    ]
    unit = _detail_by_id(unit_book)
    assert (unit["GY1"]["暂停工作日"], unit["GY2"]["暂停工作日"]) == (7, 2)

    company = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "company", "--input", unit_book_path,
                   "--allow-missing", "--out", tmp_path / "company")  # fmt: skip
    assert company.exit_code == 0, company.output
    company_book = load_workbook(next((tmp_path / "company").glob("*/*.xlsx")))
    consolidated = _detail_by_id(company_book)
    for application_id in ("GY1", "GY2"):
        for header in ("客户原因暂停", "暂停工作日", "接电时长(工作日)"):
            assert consolidated[application_id][header] == unit[application_id][header], (application_id, header)
    assert _rows(company_book, "暂停") == _rows(unit_book, "暂停")


def test_unit_pack_of_the_old_format_is_read_when_unambiguous(cli, ws, tmp_path):
    """Packs made before the 暂停 sheet existed hold pauses only as text in 明细!L."""
    data = _write(tmp_path / "apps.csv", _PAUSED_APPS)
    pauses = _write(tmp_path / "pauses.csv", _PAUSES)
    assert pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "guiyuan", "--input", data,
                "--pauses", pauses).exit_code == 0  # fmt: skip
    new = tmp_path / "packs/connection-data_2026-H1_guiyuan/用户报装信息_2026上半年_桂源公司.xlsx"
    unit = _detail_by_id(load_workbook(new))
    old_book = load_workbook(new)
    del old_book["暂停"]
    old = tmp_path / "old/桂源公司.xlsx"
    old.parent.mkdir()
    old_book.save(old)
    assert old_book["明细"]["A3"].value == "GY2"

    args = ["connection-data", "--period", PERIOD, "--party", "company", "--allow-missing", "--force"]
    # GY2's reason holds “；2026-03-16~2026-03-17 …”: a second pause or part of the reason? Refused.
    result = pack(cli, ws, *args, "--input", old, "--out", tmp_path / "company")
    assert result.exit_code == 1
    assert "桂源公司.xlsx:明细!L3: 客户原因暂停“2026-03-05~2026-03-06 客户资料补充中；2026-03-16~2026-03-17 复核”无法读取：" \
        "按“；”分成 2 段暂停共 4 个工作日，与本行“暂停工作日”2 不符" in result.stderr, result.stderr
    assert "旧版报送包" in result.stderr
    assert "Invalid isoformat" not in result.stderr
    assert not (tmp_path / "company").exists() or list((tmp_path / "company").iterdir()) == []

    # the other row's reason has a “；” too, but nothing after it looks like a pause: read as written
    old_book["明细"]["L3"].value = "2026-03-05~2026-03-06 客户资料补充中；复核"
    old_book.save(old)
    result = pack(cli, ws, *args, "--input", old, "--out", tmp_path / "company")
    assert result.exit_code == 0, result.output
    consolidated = _detail_by_id(load_workbook(next((tmp_path / "company").glob("*/*.xlsx"))))
    for application_id in ("GY1", "GY2"):
        assert consolidated[application_id]["暂停工作日"] == unit[application_id]["暂停工作日"]
        assert consolidated[application_id]["接电时长(工作日)"] == unit[application_id]["接电时长(工作日)"]


_SHARED_EXPORT = """\
    申请编号,供电单位,户名,业务类型,容量(kVA),受理日期,送电日期
    GY1,桂源公司,李明,低压居民新装,8,2026-03-02,2026-03-10
    GD1,供电公司,王芳,低压居民新装,8,2026-03-02,2026-03-11
    GY2,桂源公司,张三,低压居民新装,abc,2026-03-02,2026-03-12
    GD2,供电公司,赵四,低压居民新装,8,2026-03-05,2026-03-01
    X3,某某公司,钱五,低压居民新装,8,2026-03-02,2026-03-12
    """


def test_rejected_rows_of_a_shared_export_appear_once_in_the_company_pack(cli, ws, tmp_path):
    shared = _write(tmp_path / "申请导出.csv", _SHARED_EXPORT)
    _unit_packs_submitted(cli, ws, tmp_path, shared)
    unit_book = load_workbook(next((tmp_path / "packs/connection-data_2026-H1_guiyuan").glob("*.xlsx")))
    unit_problems = [r[0] for r in _rows(unit_book, "问题数据") if str(r[0]).startswith("申请导出.csv:")]
    assert unit_problems == ["申请导出.csv:4", "申请导出.csv:5", "申请导出.csv:6"]

    result = cli(["pack", "connection-data", "--period", PERIOD, "--party", "company",
                  "--workspace", ws, "--as-of", "2026-07-12"])  # fmt: skip
    assert result.exit_code == 0, result.output
    book = load_workbook(next((tmp_path / "packs/connection-data_2026-H1_company").glob("*.xlsx")))
    positions = [r[0] for r in _rows(book, "问题数据") if str(r[0]).startswith("申请导出.csv:")]
    assert positions == unit_problems


def test_same_named_exports_of_two_units_keep_their_own_rejected_rows(cli, ws, tmp_path):
    """Two different files that happen to share a name and a bad cell are two rejected rows."""
    a = _write(tmp_path / "a/申请导出.csv", _SHARED_EXPORT)
    b = _write(tmp_path / "b/申请导出.csv", _SHARED_EXPORT.replace("GD1,供电公司,王芳", "GD1,供电公司,王芳芳"))
    for unit, data in (("guiyuan", a), ("gongdian", b)):
        assert pack(cli, ws, "connection-data", "--period", PERIOD, "--party", unit, "--input", data).exit_code == 0
    files = [next((tmp_path / f"packs/connection-data_2026-H1_{u}").glob("*.xlsx")) for u in ("guiyuan", "gongdian")]
    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "company",
                  "--input", files[0], "--input", files[1], "--out", "company")  # fmt: skip
    assert result.exit_code == 0, result.output
    book = load_workbook(next((tmp_path / "company").glob("*/*.xlsx")))
    positions = [r[0] for r in _rows(book, "问题数据") if str(r[0]).startswith("申请导出.csv:")]
    assert positions == ["申请导出.csv:4", "申请导出.csv:5", "申请导出.csv:6"] * 2


def test_a_submission_without_a_pack_workbook_is_named_with_what_is_wrong(cli, ws, tmp_path, sample_xlsx):
    _unit_packs_submitted(cli, ws, tmp_path, sample_xlsx, units=("guiyuan",))
    (tmp_path / "报告.pdf").write_bytes(b"%PDF-1.4 report")
    (tmp_path / "用户报装信息_供电公司.xlsx").write_bytes(b"not a zip at all")
    files = [sample_xlsx, tmp_path / "报告.pdf", tmp_path / "用户报装信息_供电公司.xlsx"]
    result = cli(["submit", "connection-data", "--period", PERIOD, "--from", "gongdian", "--to", "company",
                  *files, "--on", "2026-07-09", "--workspace", ws])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "已登记 #2" in result.stdout

    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "company")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "错误：缺少 供电公司（gongdian） 的 2026年上半年用户报装信息：其报送记录 #2（2026-07-09）中没有可汇总的"
        "单位报送包 Excel："
    ), result.stderr
    assert "用户报装信息_供电公司.xlsx 无法作为 Excel 工作簿打开" in result.stderr
    assert f"{sample_xlsx.name} 没有“明细”工作表" in result.stderr
    assert "报告.pdf 不是 Excel 文件" in result.stderr
    assert "gdcomply pack connection-data --period 2026-H1 --party gongdian" in result.stderr
    assert "台账中没有其有效的报送记录" not in result.stderr

    result = pack(cli, ws, "connection-data", "--period", PERIOD, "--party", "company", "--allow-missing")
    assert result.exit_code == 0, result.output
    assert "警告：供电公司的报送记录 #2（2026-07-09）中没有可汇总的单位报送包 Excel：" in result.stderr
    assert "尚未报送" not in result.stderr  # it did submit: just not a workbook the company can read
    doc = Document(next((tmp_path / "packs/connection-data_2026-H1_company").glob("*.docx")))
    assert doc.paragraphs[2].text == (
        "注意：供电公司的2026年上半年用户报装信息未按规定格式报送（报送的文件中没有用户报装信息明细），本汇总未包含供电公司的数据。"
    )
