"""holidays import / status: published notices in their original wording, and every refusal.

The notices below are public documents (国务院办公厅 notices are not subject to copyright,
Copyright Law of the PRC art. 5), typed in from the published texts; each names its source.
After each import, every day of the years the notice covers must be a working day or not
exactly as in the holidays package's data for those years.
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from gdcomply.errors import InputError
from gdcomply.workdays.notice import parse_notice

# 国办发明电〔2018〕15号, 2018-12-04, as published on gov.cn (reposted e.g. by
# czj.gnzrmzf.gov.cn/info/1282/12573.htm); it reaches back into December 2018.
NOTICE_2019 = """
国务院办公厅关于2019年部分节假日安排的通知
国办发明电〔2018〕15号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：

　　经国务院批准，现将2019年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。

　　一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。

　　二、春节：2月4日至10日放假调休，共7天。2月2日（星期六）、2月3日（星期日）上班。

　　三、清明节：4月5日放假，与周末连休。

　　四、劳动节：5月1日放假。

　　五、端午节：6月7日放假，与周末连休。

　　六、中秋节：9月13日放假，与周末连休。

　　七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。

　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2018年12月4日
"""

# 国务院办公厅关于调整2019年劳动节假期安排的通知, 2019-03-22 (gov.cn; reposted e.g. by
# hxnews.com/news/gn/szxw/201903/22/1727059.shtml): the amendment of item 四 above.
AMENDMENT_2019 = """
国务院办公厅关于调整2019年劳动节假期安排的通知

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：

　　经国务院批准，现将调整2019年劳动节放假安排通知如下。

　　一、2019年5月1日至4日放假调休，共4天。4月28日（星期日）、5月5日（星期日）上班。

　　二、各地区、各部门要抓紧做好本地区、本领域的劳动节假期调整落实工作，采取有效措施，保障交通运力，加强旅游服务，丰富产品供给，强化综合调控，确保平稳运行。

　　三、劳动节期间，要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2019年3月22日
"""

# 国办发明电〔2022〕16号, 2022-12-08, in traditional characters as reposted by
# big5.china.com.cn/gate/big5/news.china.com.cn/2022-12/09/content_85004315.htm (新華社).
NOTICE_2023_TRADITIONAL = """
新華社北京12月8日電 國務院辦公廳關於2023年部分節假日安排的通知，全文如下：

各省、自治區、直轄市人民政府，國務院各部委、各直屬機構：

經國務院批准，現將2023年元旦、春節、清明節、勞動節、端午節、中秋節和國慶節放假調休日期的具體安排通知如下。

一、元旦：2022年12月31日至2023年1月2日放假調休，共3天。

二、春節：1月21日至27日放假調休，共7天。1月28日（星期六）、1月29日（星期日）上班。

三、清明節：4月5日放假，共1天。

四、勞動節：4月29日至5月3日放假調休，共5天。4月23日（星期日）、5月6日（星期六）上班。

五、端午節：6月22日至24日放假調休，共3天。6月25日（星期日）上班。

六、中秋節、國慶節：9月29日至10月6日放假調休，共8天。10月7日（星期六）、10月8日（星期日）上班。

節假日期間，各地區、各部門要妥善安排好值班和安全、保衛、疫情防控等工作，遇有重大突發事件，要按規定及時報告並妥善處置，確保人民群眾祥和平安度過節日假期。

國務院辦公廳

2022年12月8日
"""

# 国办发明电〔2023〕7号, 2023-10-25 (gov.cn), in an HTML page like the one gov.cn serves
# (the page's markup is ours; the text between the tags is the published text).
NOTICE_2024_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>国务院办公厅关于2024年部分节假日安排的通知_国务院文件_中国政府网</title>
<script>var pageData = {"date": "2023-10-25"};</script>
</head>
<body>
<div class="pages-title">国务院办公厅关于2024年<br>部分节假日安排的通知</div>
<div class="pages_content" id="UCAP-CONTENT">
<p style="text-align: center;">国办发明电〔2023〕7号</p>
<p>各省、自治区、直辖市人民政府，国务院各部委、各直属机构：</p>
<p>　　经国务院批准，现将2024年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。</p>
<p>　　一、元旦：1月1日放假，与周末连休。</p>
<p>　　二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。</p>
<p>　　三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。</p>
<p>　　四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。</p>
<p>　　五、端午节：6月10日放假，与周末连休。</p>
<p>　　六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。</p>
<p>　　七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。</p>
<p>　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。</p>
<p style="text-align: right;">国务院办公厅</p>
<p style="text-align: right;">2023年10月25日</p>
</div>
</body>
</html>
"""

# 国办发明电〔2024〕12号, 2024-11-12 (gov.cn; reposted e.g. by m.gmw.cn/2024-11/12/content_1303894933.htm):
# 放假1天，不调休; lunar annotations; the combined 国庆节、中秋节.
NOTICE_2025 = """
国务院办公厅关于2025年部分节假日安排的通知
国办发明电〔2024〕12号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：

　　经党中央、国务院批准，根据2024年11月修订的《全国年节及纪念日放假办法》，自2025年1月1日起，全体公民放假的假日增加2天，其中春节、劳动节各增加1天。据此对放假调休原则作进一步优化完善，除个别特殊情形外，春节自农历除夕起放假调休8天，国庆节自10月1日起放假调休7天，劳动节放假调休5天，元旦、清明节、端午节、中秋节分别放假调休或连休3天（如逢周三则只在当日放假），国庆节放假如逢中秋节则合并放假8天。

　　按照上述原则，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。

　　一、元旦：1月1日（周三）放假1天，不调休。

　　二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。

　　三、清明节：4月4日（周五）至6日（周日）放假，共3天。

　　四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。

　　五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。

　　六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。

　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2024年11月12日
"""

# 国办发明电〔2016〕17号, 2016-12-01 (zh.wikisource.org, from gov.cn), here with the half-width
# punctuation some reposts use: 补休 on a weekday.
NOTICE_2017_HALF_WIDTH = """
国务院办公厅关于2017年部分节假日安排的通知
国办发明电〔2016〕17号
各省、自治区、直辖市人民政府,国务院各部委、各直属机构:
经国务院批准,现将2017年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦:1月1日放假,1月2日(星期一)补休。
二、春节:1月27日至2月2日放假调休,共7天。1月22日(星期日)、2月4日(星期六)上班。
三、清明节:4月2日至4日放假调休,共3天。4月1日(星期六)上班。
四、劳动节:5月1日放假,与周末连休。
五、端午节:5月28日至30日放假调休,共3天。5月27日(星期六)上班。
六、中秋节、国庆节:10月1日至8日放假调休,共8天。9月30日(星期六)上班。
节假日期间,各地区、各部门要妥善安排好值班和安全、保卫等工作,遇有重大突发事件,要按规定及时报告并妥善处置,确保人民群众祥和平安度过节日假期。
国务院办公厅
2016年12月1日
"""

SHIPPED_2026 = Path(__file__).resolve().parents[1] / "config" / "examples" / "国务院办公厅关于2026年部分节假日安排的通知.txt"


@pytest.fixture
def workspace(tmp_path: Path, cli) -> Path:
    root = tmp_path / "ws"
    assert cli(["init", str(root), "--since", "2026-11-01"]).exit_code == 0
    return root


def _import(cli, workspace: Path, text: str, *args: str, name: str = "通知.txt"):
    notice = workspace / name
    notice.write_text(text, encoding="utf-8")
    return cli(["holidays", "import", str(notice), "--yes", "-w", str(workspace), *args])


def _package_calendar():
    from gdcomply.workdays.model import merge_holidays
    from gdcomply.workdays.package import package_holidays
    from gdcomply.workdays.workcalendar import WorkCalendar

    return WorkCalendar(merge_holidays(*package_holidays()))


def _assert_same_as_package(workspace: Path, years: list[int], *, covered: list[date] | None = None) -> None:
    """Every day of these years (or only the days a notice covers) as in the package."""
    from gdcomply.workdays.workcalendar import WorkCalendar

    imported = WorkCalendar.default(workspace / "config" / "holidays.yaml")
    package = _package_calendar()
    days = covered or [date(y, 1, 1) + timedelta(days=i) for y in years for i in range(366) if (date(y, 1, 1) + timedelta(days=i)).year == y]
    assert days
    for day in days:
        assert imported.is_working_day(day) == package.is_working_day(day), day
    for year in years:
        assert not imported.is_provisional(year)


@pytest.mark.parametrize(
    ("text", "years", "name"),
    [
        (NOTICE_2019, [2018, 2019], "通知.txt"),
        (NOTICE_2023_TRADITIONAL, [2022, 2023], "通知.txt"),
        (NOTICE_2024_HTML, [2024], "通知.html"),
        (NOTICE_2025, [2025], "通知.txt"),
        (NOTICE_2017_HALF_WIDTH, [2017], "通知.txt"),
        (SHIPPED_2026.read_text(encoding="utf-8"), [2026], "通知.txt"),
    ],
    ids=["2019-reaching-into-2018", "2023-traditional", "2024-html", "2025", "2017-half-width", "2026-shipped"],
)
def test_a_published_notice_gives_the_packages_working_days(cli, workspace, text, years, name):
    result = _import(cli, workspace, text, name=name)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    notice = parse_notice(text, name)
    covered = sorted({*notice.days_off(), *notice.workdays()})
    _assert_same_as_package(workspace, years, covered=covered)
    if notice.year != 2019:  # the package has 2019 as amended later (劳动节, see below)
        _assert_same_as_package(workspace, years)


def test_the_2019_notice_writes_its_december_days_into_2018_keeping_2018s_other_days(cli, workspace):
    result = _import(cli, workspace, NOTICE_2019)
    assert result.exit_code == 0, result.stderr
    source = "国务院办公厅关于2019年部分节假日安排的通知（国办发明电〔2018〕15号，2018年12月4日）"
    assert result.stdout.splitlines()[-2:] == [
        f"已写入 config/holidays.yaml：2019 年，放假 19 天，调休上班 4 天（依据：{source}）",
        f"已写入 config/holidays.yaml：2018 年，放假 21 天，调休上班 7 天（依据：holidays 包中的数据；{source}）",
    ]
    from gdcomply.workdays.holidayfile import load_holiday_overrides

    by_year = {o.year: o for o in load_holiday_overrides(workspace / "config" / "holidays.yaml")}
    assert by_year[2018].sources == ("holidays 包中的数据", source)
    assert by_year[2018].days_off[date(2018, 12, 31)] == "元旦"
    assert date(2018, 12, 29) in by_year[2018].workdays
    assert by_year[2018].days_off[date(2018, 10, 1)] == "国庆节"  # the rest of 2018 kept
    assert date(2019, 1, 1) in by_year[2019].days_off


def test_the_output_shows_the_notice_its_holidays_and_month_grids(cli, workspace):
    result = _import(cli, workspace, NOTICE_2024_HTML, name="通知.html")
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "通知：国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）",
        "发布日期：2023年10月25日",
        "  元旦：放假 2024-01-01",
    ]
    assert "  春节：放假 2024-02-10 至 2024-02-17（8 天）；上班 2024-02-04（周日）、2024-02-18（周日）" in lines
    # the 鼓励… sentence is shown but is not a day off: 2024-02-09 stays a working day
    assert "  不计入放假日（倡议）：鼓励各单位结合带薪年休假等制度落实,安排职工在除夕(2月9日)休息" in lines
    assert "2024 年 2 月（18 个工作日）" in result.stdout
    from gdcomply.workdays.workcalendar import WorkCalendar

    assert WorkCalendar.default(workspace / "config" / "holidays.yaml").is_working_day(date(2024, 2, 9))


def test_the_files_comments_and_other_years_stay_byte_for_byte(cli, workspace):
    holidays = workspace / "config" / "holidays.yaml"
    before = holidays.read_bytes()
    other = "\n# 本单位自己核对过的 2030 年（示例）\n2030:   # 行尾注释\n  notice: 某通知\n  days_off: [2030-01-01: 元旦]\n  workdays: []\n\n# 文件末尾的说明\n"
    holidays.write_bytes(before + other.encode("utf-8"))
    assert _import(cli, workspace, NOTICE_2025).exit_code == 0
    first = holidays.read_bytes()
    assert first.startswith(before + other.encode("utf-8"))
    # importing the same year again replaces that year's entry only
    assert _import(cli, workspace, NOTICE_2025).exit_code == 0
    assert holidays.read_bytes() == first


def test_importing_a_year_again_replaces_it_in_place(cli, workspace):
    holidays = workspace / "config" / "holidays.yaml"
    head = holidays.read_bytes()
    holidays.write_bytes(head + b"\n2025:\n  notice: old\n  days_off: [2025-03-03]\n  workdays: []\n# after\n2030: {notice: x, days_off: [], workdays: []}\n")
    assert _import(cli, workspace, NOTICE_2025).exit_code == 0
    text = holidays.read_text(encoding="utf-8")
    assert text.startswith(head.decode("utf-8") + "\n2025:\n  notice: 国务院办公厅关于2025年部分节假日安排的通知")
    assert text.endswith("# after\n2030: {notice: x, days_off: [], workdays: []}\n")
    assert "old" not in text and "2025-03-03" not in text


def test_an_amendment_replaces_only_the_holiday_it_names(cli, workspace):
    assert _import(cli, workspace, NOTICE_2019).exit_code == 0
    refused = _import(cli, workspace, AMENDMENT_2019)
    assert refused.exit_code == 1
    assert refused.stderr == (
        "错误：《国务院办公厅关于调整2019年劳动节假期安排的通知》只调整部分节日：请加 --amend，只替换它涉及的节日\n"
    )
    result = _import(cli, workspace, AMENDMENT_2019, "--amend")
    assert result.exit_code == 0, result.stderr
    from gdcomply.workdays.holidayfile import load_holiday_overrides

    by_year = {o.year: o for o in load_holiday_overrides(workspace / "config" / "holidays.yaml")}
    assert by_year[2019].sources == (
        "国务院办公厅关于2019年部分节假日安排的通知（国办发明电〔2018〕15号，2018年12月4日）",
        "国务院办公厅关于调整2019年劳动节假期安排的通知（2019年3月22日）",
    )
    # the package has the amended 2019: the whole year now agrees with it
    _assert_same_as_package(workspace, [2018, 2019])
    assert by_year[2019].days_off[date(2019, 2, 4)] == "春节"  # the other holidays kept


def test_a_notice_from_standard_input(cli, workspace, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(NOTICE_2025.encode("utf-8"))))
    result = cli(["holidays", "import", "-", "--yes", "-w", str(workspace)])
    assert result.exit_code == 0, result.stderr
    _assert_same_as_package(workspace, [2025])


# -- refusals: each leaves config/holidays.yaml byte for byte ---------------------------------

REFUSALS = [
    (
        "a sentence it does not understand",
        NOTICE_2025.replace(
            "　　六、国庆节、中秋节",
            "　　六、春节假期延长至2月5日（农历正月初八、周三），2月6日（周四）起正常上班。\n\n　　七、国庆节、中秋节",
        ),
        [],
        "通知.txt:21: 无法识别的放假安排：“春节假期延长至2月5日（农历正月初八、周三），2月6日（周四）起正常上班”",
    ),
    (
        "a weekday that does not match its date",
        NOTICE_2025.replace("4月27日（周日）上班", "4月27日（周六）上班"),
        [],
        "通知.txt:17: 2025-04-27 是周日，通知写的是“周六”：“4月27日(周六)”",
    ),
    (
        "共N天 that is not the days counted",
        NOTICE_2025.replace("至2月4日（农历正月初七、周二）放假调休，共8天", "至2月4日（农历正月初七、周二）放假调休，共7天"),
        [],
        "通知.txt:13: “共7天”与所列日期不符（2025-01-28 至 2025-02-04 共 8 天）："
        "“1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共7天”",
    ),
    (
        "a make-up working day that is not on a weekend",
        NOTICE_2019.replace("2月2日（星期六）、2月3日（星期日）上班", "2月1日（星期五）、2月3日（星期日）上班"),
        [],
        "通知.txt:11: 调休上班日 2019-02-01（周五） 不是周末：“2月1日（星期五）、2月3日（星期日）上班”",
    ),
    (
        "days off that overlap",
        NOTICE_2019.replace("六、中秋节：9月13日放假，与周末连休", "六、中秋节：10月7日至9日放假调休，共3天"),
        [],
        "通知.txt:21: 2019-10-07 在第 19 行已经出现过",
    ),
    (
        "与周末连休 on a day that is not next to a weekend",
        NOTICE_2019.replace("五、端午节：6月7日放假", "五、端午节：6月5日放假"),
        [],
        "通知.txt:17: 2019-06-05（周三） 不与周末相连，却写作“与周末连休”：“6月5日放假，与周末连休”",
    ),
    (
        "a date far from the notice's year",
        NOTICE_2025.replace("一、元旦：1月1日（周三）", "一、元旦：2024年1月1日（周一）"),
        [],
        "通知.txt:11: 2024-01-01 不在 2025 年（也不是相邻的 12 月或 1 月）",
    ),
]


@pytest.mark.parametrize(("why", "text", "args", "problem"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_notice_that_fails_a_check_writes_nothing(cli, workspace, why, text, args, problem):
    holidays = workspace / "config" / "holidays.yaml"
    before = holidays.read_bytes()
    result = _import(cli, workspace, text, *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("错误：通知 ") and lines[0].endswith("有无法确认的内容，未做任何修改（共 1 处）：")
    assert lines[1:] == [str(workspace / problem.split(":", 1)[0]) + ":" + problem.split(":", 1)[1]]
    assert holidays.read_bytes() == before


def test_a_year_option_that_is_not_the_titles_year(cli, workspace):
    holidays = workspace / "config" / "holidays.yaml"
    before = holidays.read_bytes()
    result = _import(cli, workspace, NOTICE_2025, "--year", "2026")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "错误：--year 2026 与通知标题中的年份不符：国务院办公厅关于2025年部分节假日安排的通知\n"
    assert holidays.read_bytes() == before


def test_a_text_without_a_title_needs_the_year(cli, workspace):
    holidays = workspace / "config" / "holidays.yaml"
    before = holidays.read_bytes()
    items = "一、元旦：1月1日（周三）放假1天，不调休。\n"
    result = _import(cli, workspace, items)
    assert result.exit_code == 1
    assert "无法确定年份；如确为放假安排通知，请用 --year 指定年份" in result.stderr
    assert holidays.read_bytes() == before
    assert _import(cli, workspace, items, "--year", "2025").exit_code == 0


def test_a_text_without_an_arrangement(cli, workspace):
    holidays = workspace / "config" / "holidays.yaml"
    before = holidays.read_bytes()
    result = _import(cli, workspace, "国务院办公厅关于2025年部分节假日安排的通知\n正文从略。\n")
    assert result.exit_code == 1
    assert result.stderr.endswith("中没有找到放假安排（形如“一、元旦：1月1日放假……”的条目）\n")
    assert holidays.read_bytes() == before


def test_without_a_terminal_and_without_yes_nothing_is_written(cli, workspace):
    holidays = workspace / "config" / "holidays.yaml"
    before = holidays.read_bytes()
    notice = workspace / "通知.txt"
    notice.write_text(NOTICE_2025, encoding="utf-8")
    result = cli(["holidays", "import", str(notice), "-w", str(workspace)])
    assert result.exit_code == 2
    assert "2025 年 10 月" in result.stdout  # shown for checking
    assert result.stderr == (
        "错误：没有可供确认的终端，未写入 config/holidays.yaml。核对以上日期无误后，加 --yes 重新运行\n"
    )
    assert holidays.read_bytes() == before


def test_a_broken_holidays_file_is_not_rewritten(cli, workspace):
    holidays = workspace / "config" / "holidays.yaml"
    holidays.write_text("2026: {notice: x}\n", encoding="utf-8")
    before = holidays.read_bytes()
    result = _import(cli, workspace, NOTICE_2025)
    assert result.exit_code == 2
    assert "缺少字段 days_off 和 workdays" in result.stderr
    assert holidays.read_bytes() == before


def test_an_amendment_of_a_year_nobody_has():
    from gdcomply.workdays.holidayfile import plan_import

    notice = parse_notice(AMENDMENT_2019, "n.txt")
    with pytest.raises(InputError) as caught:
        plan_import(notice, (), {}, set(), amend=True)
    assert str(caught.value) == (
        "通知涉及被调整的 2019 年，但 holidays 包和 config/holidays.yaml 中都没有该年的安排，"
        "无法在其基础上修改：请先录入 2019 年的放假通知"
    )


def test_a_missing_notice_file(cli, workspace):
    result = cli(["holidays", "import", str(workspace / "nope.txt"), "--yes", "-w", str(workspace)])
    assert result.exit_code == 2
    assert result.stderr == f"错误：通知文件不存在：{workspace / 'nope.txt'}\n"


def test_the_parser_lists_every_problem_of_a_notice():
    text = NOTICE_2025.replace("（周三）放假1天", "（周四）放假1天").replace("共5天", "共6天")
    with pytest.raises(InputError) as caught:
        parse_notice(text, "n.txt")
    assert [str(p) for p in caught.value.problems] == [
        "n.txt:11: 2025-01-01 是周三，通知写的是“周四”：“1月1日(周四)”",
        "n.txt:17: “共6天”与所列日期不符（2025-05-01 至 2025-05-05 共 5 天）：“5月1日（周四）至5日（周一）放假调休，共6天”",
    ]


def test_a_gbk_file_is_read_too(cli, workspace):
    notice = workspace / "通知.txt"
    notice.write_bytes(NOTICE_2025.encode("gbk"))
    assert cli(["holidays", "import", str(notice), "--yes", "-w", str(workspace)]).exit_code == 0
    _assert_same_as_package(workspace, [2025])


# -- status -----------------------------------------------------------------------------------


def test_status_names_each_years_source_and_what_depends_on_a_provisional_year(cli, workspace):
    result = cli(["holidays", "status", "--as-of", "2026-11-20", "-w", str(workspace)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1] == "  2026 年：已公布，来自 holidays 包；24 个报送节点"
    assert lines[2] == "  2027 年：尚未公布，按推测计算；28 个报送节点依赖该年"
    assert lines[-1].endswith("国务院办公厅公布通知后，运行“gdcomply holidays import 通知文件”录入。")
    assert _import(cli, workspace, SHIPPED_2026.read_text(encoding="utf-8")).exit_code == 0
    after = cli(["holidays", "status", "--as-of", "2026-11-20", "-w", str(workspace)]).stdout.splitlines()
    assert after[1] == (
        "  2026 年：已公布，来自 config/holidays.yaml（国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日））；"
        "24 个报送节点"
    )


def test_status_of_a_year_before_the_holidays_data_says_not_covered(cli, workspace):
    """Issue 12 item 7: a year long past is outside the data, not "尚未公布"."""
    result = cli(["holidays", "status", "--as-of", "2000-06-01", "-w", str(workspace)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "2000 年和 2001 年的 0 个报送节点涉及的年份：",
        "  2000 年：不在节假日数据覆盖范围内（holidays 包的放假安排从 2001 年开始），按推测计算；0 个报送节点依赖该年",
        "  2001 年：已公布，来自 holidays 包；0 个报送节点",
        "这两年没有报送节点。",
    ]
    added = cli(["workdays", "add", "2000-03-01", "5", "-w", str(workspace)])
    assert added.stdout == "2000-03-01（周三）之后第 5 个工作日：2000-03-08（周三）\n"
    assert added.stderr.startswith("警告：2000 年不在节假日数据的覆盖范围内（holidays 包的放假安排从 2001 年开始，")
    assert "尚未公布" not in added.stderr
    info = cli(["info", "-w", str(workspace)])
    assert "不在节假日数据覆盖范围内的年份" not in info.stdout  # today's neighbours are covered or to come


def test_status_counts_deadlines_on_a_year_not_covered_apart(cli, workspace, write_config):
    """A calendar with deadlines in 2000 and 2028: one year is not covered, the other unpublished."""
    write_config(
        workspace,
        """
        parties:
          company: {name: 公司}
        obligations:
          old:
            title: 旧事项
            source: 测试
            years: 2000
            steps:
              company: {from: company}
            rounds:
              - dates: {company: 06-09}
          new:
            title: 新事项
            source: 测试
            years: 2028
            steps:
              company: {from: company}
            rounds:
              - dates: {company: 06-09}
        """,
    )
    old = cli(["holidays", "status", "--as-of", "2000-06-01", "-w", str(workspace)]).stdout.splitlines()
    assert old[1] == "  2000 年：不在节假日数据覆盖范围内（holidays 包的放假安排从 2001 年开始），按推测计算；1 个报送节点依赖该年"
    assert old[-1] == "1 个报送节点依赖节假日数据覆盖范围以外的年份；如有该年的放假通知，可运行“gdcomply holidays import 通知文件”录入。"
    new = cli(["holidays", "status", "--as-of", "2028-01-10", "-w", str(workspace)]).stdout.splitlines()
    assert "  2028 年：尚未公布，按推测计算；1 个报送节点依赖该年" in new
    assert new[-1].startswith("1 个报送节点依赖尚未公布节假日安排的年份。")


def test_the_provisional_warning_names_the_command_on_stderr(cli, workspace):
    result = cli(["workdays", "count", "2026-12-01", "2027-01-05", "-w", str(workspace)])
    assert result.exit_code == 0
    assert "运行“gdcomply holidays import 通知文件”录入 2027 年的放假安排" in result.stderr
    assert "holidays import" not in result.stdout


def test_a_year_not_imported_stays_provisional_and_strict_still_refuses(cli, workspace):
    assert _import(cli, workspace, NOTICE_2025).exit_code == 0
    strict = cli(["workdays", "count", "2026-12-01", "2027-01-05", "--strict", "-w", str(workspace)])
    assert strict.exit_code == 1
    assert "2027 年的法定节假日安排尚未公布" in strict.stderr
