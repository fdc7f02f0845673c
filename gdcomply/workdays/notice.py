"""Reader of the State Council General Office's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知).

The notice is read as published or reposted: plain text or an HTML page, simplified or
traditional characters, full- or half-width punctuation. Every sentence of the arrangement
(the numbered items) that names a date must match one of the forms in docs/holidays.md;
anything else is refused with its line, never guessed. Cross-checks (weekday in
parentheses, 共N天, make-up days on weekends, no day named twice, the year) run here too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser

from gdcomply.errors import InputError, Problem

HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
_WEEKDAYS = "一二三四五六日"
_NUMERALS = "一二三四五六七八九十"

# dates after normalisation: "2018年12月30日", "2月4日", "17日", each maybe with "(...)"
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^()]*)\))?")
_ITEM = re.compile(rf"^([{_NUMERALS}]+)、(.*)$")
_HEAD = re.compile(r"^((?:[\u4e00-\u9fff]{1,4}节|元旦)(?:、(?:[\u4e00-\u9fff]{1,4}节|元旦))*):(.*)$")
_TITLE = re.compile(r"国务院办公厅关于(调整)?(\d{4})年(.{0,20}?)的通知")
_NUMBER = re.compile(r"国办发明电〔\d{4}〕\d+号")
_SIGNED = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_WEEKDAY = re.compile(r"^(?:星期|周)([一二三四五六日天])$")
_LUNAR = re.compile(r"^(?:农历.*|除夕|初[一二三四五六七八九十]+|正月.*|腊月.*)$")

# The forms of a sentence, with each date replaced by "D" (see docs/holidays.md).
_OFF = (
    r"(?P<off>D(?:至D)?)放假(?:调休|公休)?"
    r"(?:,共(?P<total>\d+)天|(?P<one>\d+)天,不调休|,不调休|(?P<weekend>,与周末连休)|,(?P<extra>D)补休)?"
)
_WORK = r"(?P<work>D(?:、D)*)上班"
_SENTENCES = (re.compile(rf"^{_OFF}(?:,{_WORK})?$"), re.compile(rf"^{_WORK}$"))


@dataclass(frozen=True)
class NoticeHoliday:
    """One holiday of the notice: its days off and its make-up working days."""

    name: str
    days_off: tuple[date, ...]
    workdays: tuple[date, ...]
    line: int


@dataclass(frozen=True)
class Notice:
    """What a notice arranges, with its title, number and date (the source of the arrangement)."""

    title: str
    year: int
    number: str
    issued: date | None
    holidays: tuple[NoticeHoliday, ...]
    encouragements: tuple[str, ...]  # 鼓励… sentences: not days off, shown to the user
    is_amendment: bool

    @property
    def source(self) -> str:
        """The notice as named in config/holidays.yaml: title (number, date)."""
        details = [self.number] if self.number else []
        if self.issued is not None:
            details.append(f"{self.issued.year}年{self.issued.month}月{self.issued.day}日")
        return f"{self.title}（{'，'.join(details)}）" if details else self.title

    def days_off(self) -> dict[date, str]:
        return {d: h.name for h in self.holidays for d in h.days_off}

    def workdays(self) -> dict[date, str]:
        return {d: h.name for h in self.holidays for d in h.workdays}

    def years(self) -> list[int]:
        """The years the notice's days fall in (its own year first)."""
        others = {d.year for h in self.holidays for d in (*h.days_off, *h.workdays)} - {self.year}
        return [self.year, *sorted(others)]


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based line in the file as given (HTML: the line of the page's source)
    text: str  # as the user wrote it (for quoting)
    norm: str  # normalised: NFKC, simplified, no blanks


def parse_notice(text: str, source: str, *, year: int | None = None) -> Notice:
    """The notice in text (plain or HTML), or an InputError listing every problem with its line."""
    lines = _lines(text)
    problems: list[Problem] = []
    joined = "".join(line.norm for line in lines)
    title_match = _TITLE.search(joined)
    if title_match is None:
        if year is None:
            raise InputError(
                f"{source} 中没有找到通知标题（国务院办公厅关于YYYY年部分节假日安排的通知），"
                "无法确定年份；如确为放假安排通知，请用 --year 指定年份"
            )
        title, notice_year, amendment = f"{year}年节假日安排", year, False
    else:
        title = title_match.group(0)
        notice_year, amendment = int(title_match.group(2)), bool(title_match.group(1))
        if year is not None and year != notice_year:
            raise InputError(f"--year {year} 与通知标题中的年份不符：{title}")
    number_match = _NUMBER.search(joined)
    issued = None
    for line in lines:
        signed = _SIGNED.match(line.norm)
        if signed:
            try:
                issued = date(*map(int, signed.groups()))
            except ValueError:
                pass
    holidays: list[NoticeHoliday] = []
    encouragements: list[str] = []
    for line in lines:
        item = _ITEM.match(line.norm)
        if item is None:
            continue
        body = item.group(2)
        head = _HEAD.match(body)
        if head:
            name, body = head.group(1), head.group(2)
        else:
            name = _name_from_title(title)
        for sentence in (s for s in re.split(r"[。;]", body) if s):
            if not _DATE.search(sentence):
                continue  # no date: a request to the departments, not an arrangement
            if sentence.startswith("鼓励"):
                encouragements.append(sentence)
                continue
            where = f"{source}:{line.number}"
            holiday = _sentence(sentence, name, notice_year, line, where, problems)
            if holiday is not None:
                holidays.append(holiday)
    if not holidays and not problems:
        raise InputError(f"{source} 中没有找到放假安排（形如“一、元旦：1月1日放假……”的条目）")
    _cross_check(holidays, notice_year, source, problems)
    if problems:
        raise InputError(f"通知 {source} 有无法确认的内容，未做任何修改（共 {len(problems)} 处）：", problems)
    return Notice(
        title=title,
        year=notice_year,
        number=number_match.group(0) if number_match else "",
        issued=issued,
        holidays=tuple(_merge_names(holidays)),
        encouragements=tuple(encouragements),
        is_amendment=amendment,
    )


def _name_from_title(title: str) -> str:
    named = [n for n in HOLIDAY_NAMES if n in title]
    return "、".join(named) if named else "法定节假日"


def _sentence(
    sentence: str, name: str, year: int, line: _Line, where: str, problems: list[Problem]
) -> NoticeHoliday | None:
    skeleton = _DATE.sub(lambda m: "D", sentence)
    match = next((m for m in (form.match(skeleton) for form in _SENTENCES) if m), None)
    if match is None:
        problems.append(Problem(where, f"无法识别的放假安排：“{_quote(line, sentence)}”"))
        return None
    dates = list(_DATE.finditer(sentence))
    # which dates belong to which part of the sentence, by their place in the skeleton
    index = {pos: i for i, pos in enumerate(m.start() for m in re.finditer("D", skeleton))}

    def part(group: str) -> list[re.Match]:
        if match.groupdict().get(group) is None:
            return []
        start, end = match.span(group)
        return [dates[index[p]] for p in range(start, end) if p in index]

    before = len(problems)
    days_off: list[date] = []
    off = part("off")
    if off:
        first = _resolve(off[0], year, None, where, line, problems)
        last = _resolve(off[1], year, first, where, line, problems) if len(off) == 2 else first
        if first is not None and last is not None:
            if last < first:
                problems.append(Problem(where, f"日期范围的结束早于开始：“{_quote(line, sentence)}”"))
            else:
                days_off = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        if match.groupdict().get("weekend") and len(days_off) == 1 and days_off[0].weekday() not in (0, 4):
            problems.append(
                Problem(where, f"{_day(days_off[0])} 不与周末相连，却写作“与周末连休”：“{_quote(line, sentence)}”")
            )
        stated = match.groupdict().get("total") or match.groupdict().get("one")
        if stated is not None and days_off and int(stated) != len(days_off):
            problems.append(
                Problem(where, f"“共{stated}天”与所列日期不符（{_span(days_off)} 共 {len(days_off)} 天）："
                        f"“{_quote(line, sentence)}”")
            )
        for extra in part("extra"):
            day = _resolve(extra, year, None, where, line, problems)
            if day is not None:
                if day.weekday() >= 5:
                    problems.append(Problem(where, f"补休日 {_day(day)} 是周末：“{_quote(line, sentence)}”"))
                days_off.append(day)
    workdays: list[date] = []
    for m in part("work"):
        day = _resolve(m, year, None, where, line, problems)
        if day is None:
            continue
        if day.weekday() < 5:
            problems.append(Problem(where, f"调休上班日 {_day(day)} 不是周末：“{_quote(line, sentence)}”"))
        workdays.append(day)
    if len(problems) > before:
        return None
    return NoticeHoliday(name, tuple(days_off), tuple(workdays), line.number)


def _resolve(
    match: re.Match, year: int, start: date | None, where: str, line: _Line, problems: list[Problem]
) -> date | None:
    """A date of the notice; the end of a range takes the year and month its start has."""
    y_text, m_text, d_text, note = match.groups()
    if m_text is None and start is None:
        problems.append(Problem(where, f"日期“{match.group(0)}”缺少月份"))
        return None
    y = int(y_text) if y_text else (start.year if start is not None else year)
    m = int(m_text) if m_text else start.month  # type: ignore[union-attr]
    try:
        day = date(y, m, int(d_text))
    except ValueError:
        problems.append(Problem(where, f"日期“{match.group(0)}”不存在"))
        return None
    for part in (p for p in re.split(r"[、,]", note or "") if p):
        weekday = _WEEKDAY.match(part)
        if weekday:
            said = _WEEKDAYS.index(weekday.group(1).replace("天", "日"))
            if said != day.weekday():
                problems.append(
                    Problem(where, f"{day.isoformat()} 是周{_WEEKDAYS[day.weekday()]}，"
                            f"通知写的是“{part}”：“{match.group(0)}”")
                )
        elif not _LUNAR.match(part):
            problems.append(Problem(where, f"括号中的“{part}”无法识别（应为星期几或农历日期）：“{match.group(0)}”"))
    return day


def _cross_check(holidays: list[NoticeHoliday], year: int, source: str, problems: list[Problem]) -> None:
    seen_off: dict[date, NoticeHoliday] = {}
    seen_work: dict[date, NoticeHoliday] = {}
    for holiday in holidays:
        where = f"{source}:{holiday.line}"
        for day in (*holiday.days_off, *holiday.workdays):
            neighbour = (day.year == year - 1 and day.month == 12) or (day.year == year + 1 and day.month == 1)
            if day.year != year and not neighbour:
                problems.append(Problem(where, f"{day.isoformat()} 不在 {year} 年（也不是相邻的 12 月或 1 月）"))
        for day in holiday.days_off:
            earlier = seen_off.get(day) or seen_work.get(day)
            if earlier is not None:
                problems.append(Problem(where, f"{day.isoformat()} 在第 {earlier.line} 行已经出现过"))
            seen_off[day] = holiday
        for day in holiday.workdays:
            earlier = seen_off.get(day) or seen_work.get(day)
            if earlier is not None:
                problems.append(Problem(where, f"{day.isoformat()} 在第 {earlier.line} 行已经出现过"))
            seen_work[day] = holiday


def _merge_names(holidays: list[NoticeHoliday]) -> list[NoticeHoliday]:
    """One entry per holiday name (an item's days off and its 上班 sentence are one holiday)."""
    merged: dict[str, NoticeHoliday] = {}
    for h in holidays:
        if h.name in merged:
            old = merged[h.name]
            h = NoticeHoliday(h.name, old.days_off + h.days_off, old.workdays + h.workdays, old.line)
        merged[h.name] = h
    return list(merged.values())


def _day(day: date) -> str:
    return f"{day.isoformat()}（周{_WEEKDAYS[day.weekday()]}）"


def _span(days: list[date]) -> str:
    return days[0].isoformat() if len(days) == 1 else f"{days[0].isoformat()} 至 {days[-1].isoformat()}"


def _quote(line: _Line, sentence: str) -> str:
    """The sentence with the notice's own (full-width) punctuation."""
    return sentence.translate(_FULL_WIDTH)


_FULL_WIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）"})


# -- text -----------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """NFKC (full-width to half-width), simplified characters, no blanks."""
    text = unicodedata.normalize("NFKC", text)
    if _has_traditional(text):
        text = _to_simplified(text)
    text = text.replace("週", "周").replace("星期天", "星期日")
    return re.sub(r"\s+", "", text)


# Characters of the notices that exist only in traditional writing (國務院辦公廳關於…節假日).
_TRADITIONAL_MARKS = set("國務辦廳關於節調勞動慶曆臘週補連與鼓勵職")


def _has_traditional(text: str) -> bool:
    return any(ch in _TRADITIONAL_MARKS for ch in text)


def _to_simplified(text: str) -> str:
    import opencc  # imported only for a notice in traditional characters

    return opencc.OpenCC("t2s").convert(text)


def _lines(text: str) -> list[_Line]:
    if _looks_like_html(text):
        raw = _html_lines(text)
    else:
        raw = [(i, line) for i, line in enumerate(text.splitlines(), 1)]
    result = []
    for number, line in raw:
        norm = _normalise(line)
        if norm:
            result.append(_Line(number, line.strip(), norm))
    return result


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith("<") and any(tag in head for tag in ("<html", "<!doctype", "<body", "<p", "<div"))


_BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "title", "section", "article",
     "table", "ul", "ol", "body", "head", "header", "footer"}
)


class _TextOfPage(HTMLParser):
    """The visible text of a page, one line per block element, each with its source line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self._parts: list[str] = []
        self._line = 0
        self._skip = 0

    def _flush(self) -> None:
        text = "".join(self._parts).strip()
        if text:
            self.lines.append((self._line, text))
        self._parts = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        base = self.getpos()[0]
        for i, piece in enumerate(data.split("\n")):
            if i:  # a line break inside a block's text starts a new line of the notice
                self._flush()
            if piece.strip() and not "".join(self._parts).strip():
                self._line = base + i
            self._parts.append(piece)


def _html_lines(text: str) -> list[tuple[int, str]]:
    parser = _TextOfPage()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.lines
