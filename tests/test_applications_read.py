"""Reading exports: every date form, encodings, headers, and every bad-input case with its place."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from gdcomply.applications.read import read_applications
from gdcomply.applications.tables import column_letters
from gdcomply.applications.model import BusinessType, CustomerClass, Pause, RowCounts
from gdcomply.errors import InputError
from gdcomply.applications.targets import Targets
from test_applications_support import HEADER, csv_text, row, write_csv, write_xlsx

D = date


def read(path: Path, pauses: Path | None = None, targets: Targets | None = None):
    return read_applications(path, pauses, targets, display=path.name, pauses_display=pauses.name if pauses else None)


def problems(app_set) -> list[str]:
    return [str(p) for p in app_set.problems]


# -- dates ---------------------------------------------------------------------------------


def test_every_date_form_in_a_workbook(tmp_path):
    rows = [
        row("A1", "桂源公司", "低压居民新装", D(2026, 3, 5), D(2026, 3, 9)),
        row("A2", "桂源公司", "低压居民新装", datetime(2026, 3, 5, 14, 30), datetime(2026, 3, 9, 9, 0)),
        row("A3", "桂源公司", "低压居民新装", 46086, 46090.75),  # Excel serials, the second with a time
        row("A4", "桂源公司", "低压居民新装", "2026-03-05", "2026/3/9"),
        row("A5", "桂源公司", "低压居民新装", "2026年3月5日", "2026年03月09日"),
        row("A6", "桂源公司", "低压居民新装", "2026-03-05 14:30", "2026/3/9 9:05:00"),
        row("A7", "桂源公司", "低压居民新装", "2026年3月5日 14时30分", " 2026.3.9 "),
    ]
    # serials as plain numbers (General format), so calamine hands them over as floats
    path = write_xlsx(tmp_path / "dates.xlsx", rows, number_formats={8: "General", 9: "General"})
    app_set = read(path)
    assert problems(app_set) == []
    assert [(a.application_id, a.accepted, a.energised) for a in app_set.applications] == [
        (f"A{i}", D(2026, 3, 5), D(2026, 3, 9)) for i in range(1, 8)
    ]


def test_serial_dates_in_general_cells_are_floats_to_calamine(tmp_path):
    """The premise of the serial test above: without a date format calamine gives numbers."""
    from python_calamine import CalamineWorkbook

    path = write_xlsx(tmp_path / "s.xlsx", [row("A", "桂源公司", "低压居民新装", 46086)], number_formats={8: "General"})
    cells = list(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows())[1]
    assert cells[8] == 46086.0 and isinstance(cells[8], float)


def test_csv_dates_as_text(tmp_path):
    rows = [
        row("C1", "guiyuan", "低压居民新装", "2026/3/5", "2026-03-09 00:00:00"),
        row("C2", "gongdian", "低压居民增容", "2026年3月5日", ""),
    ]
    app_set = read(write_csv(tmp_path / "d.csv", rows))
    assert problems(app_set) == []
    assert [(a.unit, a.accepted, a.energised) for a in app_set.applications] == [
        ("guiyuan", D(2026, 3, 5), D(2026, 3, 9)),
        ("gongdian", D(2026, 3, 5), None),
    ]


# -- values --------------------------------------------------------------------------------


def test_values_are_converted_for_the_measures(tmp_path):
    rows = [
        row("V1", "供电公司", "低压非居民新装", "2026-03-05", "2026-03-09", small_micro="是", capacity="160",
            steps=2, materials="营业执照、身份证明，产权证明", cost="1,200.50", visits=1, customer="贺州市瑞丰商贸有限公司"),
        row("V2", "供电公司", "低压非居民增容", "2026-03-05", "", capacity="12.5kVA", materials="3", cost="¥300元"),
        row("V3", "桂源公司", "高压增容", "2026-03-05", "", small_micro="是", capacity=630),
    ]
    (v1, v2, v3) = read(write_csv(tmp_path / "v.csv", rows)).applications
    assert v1.customer_class is CustomerClass.SMALL_MICRO
    assert (v1.capacity_kva, v1.steps, v1.materials, v1.cost, v1.visits) == (Decimal(160), 2, 3, Decimal("1200.50"), 1)
    assert v2.customer_class is CustomerClass.OTHER_LOW_VOLTAGE
    assert (v2.capacity_kva, v2.materials, v2.cost, v2.steps, v2.visits) == (Decimal("12.5"), 3, Decimal(300), None, None)
    # 小微企业 = 是 does not make a high-voltage connection low-voltage
    assert (v3.business_type, v3.customer_class) == (BusinessType.HV_INCREASE, CustomerClass.HIGH_VOLTAGE)


def test_workbook_numbers_read_as_exact_decimals(tmp_path):
    rows = [row("N1", "桂源公司", "低压非居民新装", D(2026, 3, 5), capacity=630.0, cost=1200.5, steps=2.0, visits=0.0)]
    (n1,) = read(write_xlsx(tmp_path / "n.xlsx", rows)).applications
    assert (n1.capacity_kva, n1.cost, n1.steps, n1.visits) == (Decimal(630), Decimal("1200.5"), 2, 0)
    assert str(n1.capacity_kva) == "630"


# -- headers and sheets --------------------------------------------------------------------


def test_header_below_a_title_and_right_of_column_a(tmp_path):
    """Positions stay the sheet's own: the header at C3 makes 受理日期 column K."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "申请"
    sheet["C1"] = "桂源公司 2026 年业扩报装台账"
    for c, value in enumerate(HEADER):
        sheet.cell(row=3, column=3 + c, value=value)
    for c, value in enumerate(row("T1", "桂源公司", "低压居民新装", "2026-02-30")):
        sheet.cell(row=4, column=3 + c, value=value or None)
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    app_set = read(path)
    assert problems(app_set) == ["t.xlsx:申请!K4: 受理日期: “2026-02-30”不是有效的日期（2026 年没有 2 月 30 日）"]


def test_sheet_named_shen_qing_wins_over_the_first_sheet(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active["A1"] = "本表由营销系统导出"
    sheet = workbook.create_sheet("申请")
    sheet.append(HEADER)
    sheet.append(row("S1", "桂源公司", "低压居民新装", "2026-03-05"))
    workbook.save(tmp_path / "two.xlsx")
    assert [a.application_id for a in read(tmp_path / "two.xlsx").applications] == ["S1"]


def test_first_sheet_is_read_whatever_its_name(tmp_path):
    path = write_xlsx(tmp_path / "any.xlsx", [row("F1", "桂源公司", "低压居民新装", "2026-03-05")], sheet="Sheet1")
    assert [a.application_id for a in read(path).applications] == ["F1"]


def test_english_headers_and_header_variants(tmp_path):
    header = ["Application ID", "Unit", "Customer", "Business type", "capacity (kVA)", "Accepted",
              "energised", "Small-micro enterprise", "容量（kVA）单位"]
    rows = [["E1", "guiyuan", "Li", "低压非居民新装", 50, "2026-03-05", "2026-03-06", "是", ""]]
    (e1,) = read(write_csv(tmp_path / "en.csv", rows, header=header)).applications
    assert (e1.application_id, e1.capacity_kva, e1.customer_class) == ("E1", Decimal(50), CustomerClass.SMALL_MICRO)


def test_column_mapping_from_the_config(tmp_path):
    header = ["工单号", "供电单位", "户名", "业务类型", "容量(kVA)", "申请日期", "送电日期"]
    rows = [["W1", "桂源公司", "李明", "低压居民新装", 8, "2026-03-05", "2026-03-09"]]
    path = write_csv(tmp_path / "m.csv", rows, header=header)
    with pytest.raises(InputError):
        read(path)
    targets = Targets(columns={"application-id": ("工单号",), "accepted": ("申请日期",)})
    (w1,) = read(path, targets=targets).applications
    assert (w1.application_id, w1.accepted) == ("W1", D(2026, 3, 5))


def test_unit_names_from_the_config(tmp_path):
    rows = [row("U1", "桂东电力供电公司", "低压居民新装", "2026-03-05")]
    path = write_csv(tmp_path / "u.csv", rows)
    assert read(path).rows.rejected == 1
    targets = Targets(units={"guiyuan": ("桂源公司",), "gongdian": ("供电公司", "桂东电力供电公司")})
    assert [a.unit for a in read(path, targets=targets).applications] == ["gongdian"]


def test_missing_optional_columns_read_as_empty(tmp_path):
    header = ["申请编号", "供电单位", "户名", "业务类型", "容量(kVA)", "受理日期"]
    rows = [["M1", "桂源公司", "李明", "低压居民新装", 8, "2026-03-05"]]
    (m1,) = read(write_csv(tmp_path / "min.csv", rows, header=header)).applications
    assert (m1.energised, m1.steps, m1.cost, m1.visits) == (None, None, None, None)
    assert m1.customer_class is CustomerClass.RESIDENTIAL


def test_blank_rows_are_skipped_and_not_counted(tmp_path):
    rows = [row("B1", "桂源公司", "低压居民新装", "2026-03-05"), [""] * 15, row("B2", "桂源公司", "低压居民新装", "2026-03-05")]
    text = csv_text(rows) + "\r\n,,,\r\n"
    path = tmp_path / "blank.csv"
    path.write_text(text, encoding="utf-8")
    app_set = read(path)
    assert (app_set.rows.read, app_set.rows.valid) == (2, 2)
    assert app_set.where(app_set.applications[1]) == "blank.csv:4"


# -- encodings -----------------------------------------------------------------------------

ENCODED_ROWS = [
    row("G1", "桂源公司", "低压非居民新装", "2026-03-05", "2026-03-10", small_micro="是", customer="贺州市瑞丰商贸有限公司"),
    row("G2", "供电公司", "低压居民新装", "2026/3/5", "", customer="覃秀英"),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_read_alike(tmp_path, encoding):
    app_set = read(write_csv(tmp_path / f"{encoding}.csv", ENCODED_ROWS, encoding=encoding))
    assert problems(app_set) == []
    assert [(a.application_id, a.customer, a.unit) for a in app_set.applications] == [
        ("G1", "贺州市瑞丰商贸有限公司", "guiyuan"),
        ("G2", "覃秀英", "gongdian"),
    ]


def test_gbk_csv_problem_is_worded_in_chinese(tmp_path):
    rows = [*ENCODED_ROWS, row("G3", "供电公司", "低压居民新装", "2026年3月32日")]
    app_set = read(write_csv(tmp_path / "gbk.csv", rows, encoding="gbk"))
    assert problems(app_set) == ["gbk.csv:4: 受理日期: “2026年3月32日”不是有效的日期（2026 年没有 3 月 32 日）"]


def test_tab_separated_text(tmp_path):
    text = csv_text(ENCODED_ROWS).replace(",", "\t")
    path = tmp_path / "tab.txt"
    path.write_text(text, encoding="utf-8")
    assert [a.application_id for a in read(path).applications] == ["G1", "G2"]


def test_undecodable_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("申请编号,供电单位\n".encode("utf-8") + b"\x81\x30\xff\xfe\x80\n")
    with pytest.raises(InputError) as error:
        read(path)
    assert str(error.value) == (
        "bad.csv: 无法识别文件编码（既不是 UTF-8，也不是 GBK/GB18030）。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”"
    )


# -- bad rows ------------------------------------------------------------------------------


def test_every_bad_row_is_listed_at_its_cell_and_left_out(tmp_path):
    rows = [
        row("OK1", "桂源公司", "低压居民新装", "2026-03-05", "2026-03-09"),                   # 2
        row("BAD-DATE", "桂源公司", "低压居民新装", "2026-13-05"),                            # 3
        row("BEFORE", "桂源公司", "低压居民新装", "2026-03-05", "2026-03-01"),               # 4
        row("NEG-KVA", "桂源公司", "低压居民新装", "2026-03-05", capacity=-5),                # 5
        row("TXT-KVA", "桂源公司", "低压居民新装", "2026-03-05", capacity="abc"),             # 6
        row("NEG-COST", "桂源公司", "低压非居民新装", "2026-03-05", cost=-100),               # 7
        row("TXT-COST", "桂源公司", "低压非居民新装", "2026-03-05", cost="免费"),             # 8
        row("TYPE", "桂源公司", "低压商业", "2026-03-05"),                                    # 9
        row("UNIT", "某某公司", "低压居民新装", "2026-03-05"),                                # 10
        row("OK1", "供电公司", "低压居民增容", "2026-03-06"),                                 # 11: duplicate of 2
        row("", "桂源公司", "低压居民新装", "", customer=""),                                 # 12
        row("RES-SMALL", "桂源公司", "低压居民新装", "2026-03-05", small_micro="是"),        # 13
        row("ZERO-KVA", "桂源公司", "低压居民新装", "not a day", capacity=0, steps="两"),    # 14
        row("OK2", "供电公司", "高压新装", "2026-03-05", capacity=800),                       # 15
    ]
    app_set = read(write_xlsx(tmp_path / "bad.xlsx", rows))
    business_types = "低压居民新装、低压居民增容、低压非居民新装、低压非居民增容、高压新装、高压增容"
    assert problems(app_set) == [
        "bad.xlsx:申请!I3: 受理日期: “2026-13-05”不是有效的日期（2026 年没有 13 月 5 日）",
        "bad.xlsx:申请!J4: 送电日期: 2026-03-01 早于受理日期 2026-03-05",
        "bad.xlsx:申请!H5: 容量(kVA): “-5”应为大于 0 的数字",
        "bad.xlsx:申请!H6: 容量(kVA): “abc”不是数字",
        "bad.xlsx:申请!M7: 接电费用(元): “-100”不能为负数",
        "bad.xlsx:申请!M8: 接电费用(元): “免费”不是数字",
        f"bad.xlsx:申请!E9: 业务类型: “低压商业”不是已知的业务类型（应为 {business_types} 之一）",
        "bad.xlsx:申请!B10: 供电单位: “某某公司”不是已知的供电单位（应为 桂源公司（guiyuan）、供电公司（gongdian）；"
        "其他写法请加到 config/targets.yaml 的 units 中）",
        "bad.xlsx:申请!A11: 申请编号: 申请编号“OK1”重复，与 申请!A2 相同；两行都不参与测算",
        "bad.xlsx:申请!A12: 申请编号: 为空（必填）",
        "bad.xlsx:申请!C12: 户名: 为空（必填）",
        "bad.xlsx:申请!I12: 受理日期: 为空（必填）",
        "bad.xlsx:申请!H14: 容量(kVA): “0”应为大于 0 的数字",
        "bad.xlsx:申请!I14: 受理日期: “not a day”不是日期（应写成 2026-03-05、2026/3/5 或 2026年3月5日）",
        "bad.xlsx:申请!K14: 环节数: “两”应为不小于 0 的整数",
    ]
    # RES-SMALL (row 13) is valid: its business type makes it residential, 小微企业 = 是 or not
    assert [a.application_id for a in app_set.applications] == ["RES-SMALL", "OK2"]
    assert (app_set.rows.read, app_set.rows.valid, app_set.rows.rejected) == (14, 2, 12)


def test_business_type_decides_the_class_whatever_the_small_micro_mark(tmp_path):
    """小微企业 sorts low-voltage non-residential rows only; a residential or high-voltage row
    marked 是 keeps its business type's class (a household is not an enterprise)."""
    rows = [
        row("RES", "桂源公司", "低压居民新装", "2026-03-05", "2026-03-09", small_micro="是"),
        row("RES-INC", "供电公司", "低压居民增容", "2026-03-05", small_micro="是"),
        row("HV", "桂源公司", "高压新装", "2026-03-05", "2026-03-09", capacity=800, small_micro="是"),
        row("LV", "桂源公司", "低压非居民新装", "2026-03-05", "2026-03-09", small_micro="是"),
    ]
    for app_set in (read(write_xlsx(tmp_path / "m.xlsx", rows)), read(write_csv(tmp_path / "m.csv", rows))):
        assert problems(app_set) == []
        assert [(a.application_id, a.customer_class) for a in app_set.applications] == [
            ("RES", CustomerClass.RESIDENTIAL),
            ("RES-INC", CustomerClass.RESIDENTIAL),
            ("HV", CustomerClass.HIGH_VOLTAGE),
            ("LV", CustomerClass.SMALL_MICRO),
        ]


def test_csv_problems_name_the_line_and_column(tmp_path):
    rows = [
        row("L1", "桂源公司", "低压居民新装", "2026-03-05", "2026-03-01"),
        row("L1", "桂源公司", "低压居民新装", "2026-03-05"),
        row("L3", "桂源公司", "低压居民新装", "2026-03-05", capacity="-1"),
    ]
    app_set = read(write_csv(tmp_path / "lines.csv", rows, encoding="utf-8-sig"))
    assert problems(app_set) == [
        "lines.csv:2: 送电日期: 2026-03-01 早于受理日期 2026-03-05",
        "lines.csv:3: 申请编号: 申请编号“L1”重复，与 第 2 行 相同；两行都不参与测算",
        "lines.csv:4: 容量(kVA): “-1”应为大于 0 的数字",
    ]
    assert app_set.rows.valid == 0


def test_csv_line_numbers_follow_quoted_line_breaks(tmp_path):
    text = csv_text([row("Q1", "桂源公司", "低压居民新装", "2026-03-05", customer="多行\n户名"),
                     row("Q2", "桂源公司", "低压居民新装", "2026-99-05")])
    path = tmp_path / "q.csv"
    path.write_text(text, encoding="utf-8")
    assert problems(read(path)) == ["q.csv:4: 受理日期: “2026-99-05”不是有效的日期（2026 年没有 99 月 5 日）"]


@pytest.mark.parametrize("other_break", ["", "\f", "\u2028"])
def test_csv_line_numbers_across_chunks(tmp_path, other_break):
    """Rows are read 256 at a time: a quoted line break in a later chunk shifts the lines of
    the rows after it, and a break str.splitlines knows (form feed, U+2028) stays inside its cell."""
    rows = [row(f"R{i}", "桂源公司", "低压居民新装", "2026-03-05") for i in range(600)]
    rows[300] = row("R300", "桂源公司", "低压居民新装", "2026-03-05", customer=f"多行\n户{other_break}名")
    rows[299] = row("R299", "桂源公司", "低压居民新装", "2026-99-05")
    rows[400] = row("R400", "桂源公司", "低压居民新装", "2026-99-05")
    rows[599] = row("R599", "桂源公司", "低压居民新装", "2026-03-05", capacity="-1")
    path = tmp_path / "long.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    app_set = read(path)
    assert problems(app_set) == [
        "long.csv:301: 受理日期: “2026-99-05”不是有效的日期（2026 年没有 99 月 5 日）",
        "long.csv:403: 受理日期: “2026-99-05”不是有效的日期（2026 年没有 99 月 5 日）",
        "long.csv:602: 容量(kVA): “-1”应为大于 0 的数字",
    ]
    (multi_line,) = [a for a in app_set.applications if a.application_id == "R300"]
    assert (multi_line.customer, multi_line.row) == (f"多行\n户{other_break}名", 302)
    assert [a.row for a in app_set.applications][-1] == 601
    assert app_set.rows == RowCounts(600, 597, 3)


def test_dates_outside_the_calendar_range(tmp_path):
    rows = [row("OLD", "桂源公司", "低压居民新装", "1999-12-31"), row("SER", "桂源公司", "低压居民新装", 12)]
    app_set = read(write_xlsx(tmp_path / "range.xlsx", rows, number_formats={8: "General"}))
    assert problems(app_set) == [
        "range.xlsx:申请!I2: 受理日期: 日期 1999-12-31 超出工作日历支持的范围（2000-01-01 至 2035-12-31）",
        "range.xlsx:申请!I3: 受理日期: “12”不是日期（作为 Excel 日期序号，它不在工作日历支持的 2000-01-01 至 2035-12-31 之间）",
    ]


def test_implausibly_large_numbers_are_row_problems(tmp_path):
    """Bounds: cost 100 亿元 (1e10), capacity 1000 万 kVA (1e7), counts 1000; the bound itself is allowed."""
    rows = [
        row("BIG-COST", "桂源公司", "低压非居民新装", "2026-03-05", small_micro="是", cost=1e30),
        row("DIGITS", "桂源公司", "低压非居民新装", "2026-03-05", small_micro="是",
            cost="12345678901234567890123456789"),
        row("KVA", "桂源公司", "高压新装", "2026-03-05", capacity="20000000"),
        row("COUNTS", "桂源公司", "低压非居民新装", "2026-03-05", steps=1001, materials="5000", visits="99999"),
        row("AT-BOUNDS", "桂源公司", "高压新装", "2026-03-05", capacity=10_000_000, cost="10000000000",
            steps=1000, materials=1000, visits=1000),
    ]
    app_set = read(write_xlsx(tmp_path / "big.xlsx", rows))
    assert problems(app_set) == [
        "big.xlsx:申请!M2: 接电费用(元): 数值过大（超过 100 亿元）：“1e+30”，请核对是否填错",
        "big.xlsx:申请!M3: 接电费用(元): 数值过大（超过 100 亿元）：“12345678901234567890123456789”，请核对是否填错",
        "big.xlsx:申请!H4: 容量(kVA): 数值过大（超过 1000 万 kVA）：“20000000”，请核对是否填错",
        "big.xlsx:申请!K5: 环节数: 数值过大（超过 1000）：“1001”，请核对是否填错",
        "big.xlsx:申请!L5: 申请材料: 数值过大（超过 1000）：“5000”，请核对是否填错",
        "big.xlsx:申请!N5: 跑动次数: 数值过大（超过 1000）：“99999”，请核对是否填错",
    ]
    assert (app_set.rows.valid, app_set.rows.rejected) == (1, 4)
    (at_bounds,) = app_set.applications
    assert (at_bounds.capacity_kva, at_bounds.cost, at_bounds.steps) == (Decimal(10_000_000), Decimal(10**10), 1000)


def test_large_numbers_in_a_csv(tmp_path):
    rows = [row("C1", "桂源公司", "低压非居民新装", "2026-03-05", small_micro="是", cost="1e30")]
    app_set = read(write_csv(tmp_path / "big.csv", rows, encoding="utf-8"))
    assert problems(app_set) == ["big.csv:2: 接电费用(元): 数值过大（超过 100 亿元）：“1e30”，请核对是否填错"]


# -- pauses --------------------------------------------------------------------------------


def test_pause_sheet_is_attached_and_checked(tmp_path):
    rows = [
        row("P1", "桂源公司", "低压居民新装", "2026-09-28", "2026-10-12"),
        row("P2", "桂源公司", "低压居民新装", "2026-09-28", "2026-10-12"),
        row("P3", "桂源公司", "低压居民新装", "2026-09-28", ""),
        row("P4", "桂源公司", "低压居民新装", "2026-09-28", "2026-10-12"),
    ]
    pauses = [
        ["P1", "2026-09-29", "2026-10-09", "客户要求暂缓"],
        ["P1", D(2026, 10, 8), D(2026, 10, 10), "客户内部工程未完工"],
        ["P2", "2026-09-27", "2026-10-09", "客户要求暂缓"],      # starts before acceptance
        ["P3", "2026-10-08", "", "暂停中"],                      # still paused: allowed while open
        ["P4", "2026-10-09", "2026-10-13", ""],                  # ends after energising
        ["NOPE", "2026-10-08", "2026-10-09", ""],                # no such application
        ["P1", "2026-10-09", "2026-10-08", ""],                  # ends before it starts
    ]
    app_set = read(write_xlsx(tmp_path / "p.xlsx", rows, pauses=pauses))
    assert problems(app_set) == [
        "p.xlsx:申请!A3: 申请编号: 申请“P2”的暂停记录不在办理期间内（见 暂停!B4），本申请不参与测算",
        "p.xlsx:申请!A5: 申请编号: 申请“P4”的暂停记录不在办理期间内（见 暂停!C6），本申请不参与测算",
        "p.xlsx:暂停!B4: 暂停开始: 暂停开始 2026-09-27 早于申请“P2”的受理日期（受理 2026-09-28，送电 2026-10-12）",
        "p.xlsx:暂停!C6: 暂停结束: 暂停结束 2026-10-13 晚于申请“P4”的送电日期（受理 2026-09-28，送电 2026-10-12）",
        "p.xlsx:暂停!A7: 申请编号: 申请“NOPE”不在申请表中，这条暂停记录未使用",
        "p.xlsx:暂停!C8: 暂停结束: 暂停结束 2026-10-08 早于暂停开始 2026-10-09",
    ]
    p1, p3 = app_set.applications
    assert p1.pauses == (
        Pause(D(2026, 9, 29), D(2026, 10, 9), "客户要求暂缓"),
        Pause(D(2026, 10, 8), D(2026, 10, 10), "客户内部工程未完工"),
    )
    assert p3.pauses == (Pause(D(2026, 10, 8), None, "暂停中"),)
    assert (app_set.rows.read, app_set.rows.rejected) == (4, 2)


def test_pauses_from_a_second_csv(tmp_path):
    path = write_csv(tmp_path / "a.csv", [row("P1", "桂源公司", "低压居民新装", "2026-09-28", "2026-10-12")])
    pauses = tmp_path / "a-pauses.csv"
    pauses.write_text("申请编号,暂停开始,暂停结束,原因\nP1,2026/9/29,2026/10/9,客户原因\nP1,2026/9/20,2026/9/30,客户原因\n",
                      encoding="gbk")
    app_set = read(path, pauses)
    assert problems(app_set) == [
        "a.csv:2: 申请编号: 申请“P1”的暂停记录不在办理期间内（见 第 3 行），本申请不参与测算",
        "a-pauses.csv:3: 暂停开始: 暂停开始 2026-09-20 早于申请“P1”的受理日期（受理 2026-09-28，送电 2026-10-12）",
    ]


def test_empty_pause_sheet_means_no_pauses(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "申请"
    workbook.active.append(HEADER)
    workbook.active.append(row("E1", "桂源公司", "低压居民新装", "2026-03-05"))
    workbook.create_sheet("暂停")
    workbook.save(tmp_path / "e.xlsx")
    app_set = read(tmp_path / "e.xlsx")
    assert (problems(app_set), app_set.applications[0].pauses) == ([], ())


# -- files that cannot be used -------------------------------------------------------------


def test_missing_required_columns_are_all_named(tmp_path):
    header = ["申请编号", "户名", "业务类型", "送电日期"]
    path = write_xlsx(tmp_path / "cols.xlsx", [["A", "李明", "低压居民新装", ""]], header=header)
    with pytest.raises(InputError) as error:
        read(path)
    assert str(error.value).splitlines() == [
        "无法使用申请文件（共 3 处问题）：",
        "cols.xlsx:申请!A1: 供电单位: 缺少这一必需的列（也可用列名 单位、supply unit、unit；"
        "本单位表头不同时，请在 config/targets.yaml 的 columns 中对照 unit）",
        "cols.xlsx:申请!A1: 容量(kVA): 缺少这一必需的列（也可用列名 容量、申请容量、容量(千伏安)；"
        "本单位表头不同时，请在 config/targets.yaml 的 columns 中对照 capacity-kva）",
        "cols.xlsx:申请!A1: 受理日期: 缺少这一必需的列（也可用列名 受理时间、accepted、accepted date；"
        "本单位表头不同时，请在 config/targets.yaml 的 columns 中对照 accepted）",
    ]


def test_no_header_row(tmp_path):
    path = tmp_path / "nohead.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read(path)
    assert str(error.value).splitlines()[1] == (
        "nohead.csv:1: 找不到申请表的表头行：前 20 行中没有“申请编号”“供电单位”“户名”“业务类型”“容量(kVA)”“受理日期”这些列名"
    )


def test_duplicate_header_column(tmp_path):
    header = [*HEADER, "受理时间"]
    path = write_xlsx(tmp_path / "dup.xlsx", [row("A", "桂源公司", "低压居民新装", "2026-03-05")], header=header)
    with pytest.raises(InputError) as error:
        read(path)
    assert str(error.value).splitlines()[1] == "dup.xlsx:申请!P1: 受理时间: 与 申请!I1“受理日期”是同一列，请删去其中一列"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.xlsx", b"", "empty.xlsx: 文件是空的（0 字节），不是 Excel 工作簿"),
        ("empty.csv", b"", "empty.csv: 文件是空的，没有任何数据"),
        ("blank.csv", "\ufeff \r\n".encode("utf-8"), "blank.csv: 文件是空的，没有任何数据"),
        ("text.xlsx", "申请编号,受理日期\n".encode("gbk"),
         "text.xlsx: 这是文本文件而不是 Excel 工作簿；如果是 CSV，请把扩展名改为 .csv"),
        ("broken.xlsx", b"PK\x03\x04\x00\x00garbage",
         "broken.xlsx: 不是可以读取的 Excel 工作簿（文件已损坏或是其他格式）。请在 Excel 中另存为 .xlsx，或导出为 .csv"),
        ("report.pdf", b"%PDF-1.4\n", "report.pdf: 不支持的文件类型“.pdf”，请提供 .xlsx 或 .csv 文件"),
        ("binary.csv", b"\x00\x01\x02garbage", "binary.csv: 不是 CSV 文本文件（含有二进制内容），请提供 .xlsx 或 .csv 文件"),
    ],
)
def test_files_that_are_not_usable(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        read(path)
    assert str(error.value) == message


def test_workbook_saved_as_csv(tmp_path):
    path = write_xlsx(tmp_path / "w.xlsx", [row("A", "桂源公司", "低压居民新装", "2026-03-05")])
    renamed = path.rename(tmp_path / "w.csv")
    with pytest.raises(InputError) as error:
        read(renamed)
    assert str(error.value) == "w.csv: 这是 Excel 工作簿而不是 CSV 文本，请把扩展名改为 .xlsx（或 .xls）"


def test_empty_sheet(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "申请"
    workbook.save(tmp_path / "none.xlsx")
    with pytest.raises(InputError) as error:
        read(tmp_path / "none.xlsx")
    assert str(error.value).splitlines() == ["无法使用申请文件（共 1 处问题）：", "none.xlsx:申请: 申请表是空的，没有任何数据"]


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as error:
        read(tmp_path / "gone.xlsx")
    assert str(error.value) == "文件不存在：gone.xlsx"


def test_column_letters():
    assert [column_letters(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
