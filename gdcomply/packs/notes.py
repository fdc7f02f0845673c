"""The --notes files of the report packs: narrative per section, or rectification measures.

Narrative (progress-report, self-inspection) is keyed by the report's section number, the
same numbering the Word document shows (二(一) … 二(四), 三, 四), or by the section's
title; full-width brackets are accepted (二（一）). Either

- YAML: ``二(一): text`` (blank lines separate paragraphs) or ``二(一): [paragraph, …]``;
- Markdown: a heading ``## 二(一) …`` followed by its paragraphs.

Rectification measures are a table 问题 / 整改措施 / 责任部门 / 完成时限, as a YAML list of
mappings or an Excel sheet with those headers; every 完成时限 must be a date.

Every problem is collected with its position (``notes.yaml:12:3: …``, ``notes.md:7: …``,
``measures.xlsx:整改措施!D5: …``) and raised once as an InputError. Nothing is ever made
up: a section without text stays empty, and the pack shows a highlighted placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

from gdcomply.applications.tables import column_letters
from gdcomply.errors import InputError, Problem

RECTIFICATION_HEADERS = ("问题", "整改措施", "责任部门", "完成时限")
_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Section:
    """A section of a report that notes can fill: its key (二(一)) and title."""

    key: str
    title: str


@dataclass(frozen=True)
class Narrative:
    """Paragraphs per section key; a section absent here has no text."""

    source: str
    paragraphs: Mapping[str, tuple[str, ...]]

    def of(self, key: str) -> tuple[str, ...]:
        return self.paragraphs.get(key, ())


@dataclass(frozen=True)
class Measure:
    """One rectification measure (a row of the table) and where it was written."""

    problem: str
    measure: str
    department: str
    deadline: date
    where: str


def _normal_key(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).replace("（", "(").replace("）", ")").rstrip("、.．")


def _resolver(sections: tuple[Section, ...]) -> dict[str, str]:
    names: dict[str, str] = {}
    for section in sections:
        names[_normal_key(section.key)] = section.key
        names[_normal_key(section.title)] = section.key
        names[_normal_key(section.key + section.title)] = section.key
    return names


def _heading_key(label: str, sections: tuple[Section, ...], names: dict[str, str]) -> str | None:
    """The section a Markdown heading names: its key or title, or its key followed by words."""
    normal = _normal_key(label)
    if normal in names:
        return names[normal]
    prefixes = sorted((_normal_key(s.key) for s in sections), key=len, reverse=True)
    for prefix in prefixes:
        if normal.startswith(prefix) and not normal[len(prefix):].startswith("("):
            return names[prefix]
    return None


def _allowed(sections: tuple[Section, ...]) -> str:
    return "、".join(f"{s.key}（{s.title}）" for s in sections)


def _split_paragraphs(text: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return [" ".join(line.strip() for line in block.splitlines() if line.strip()) for block in blocks if block.strip()]


def load_narrative(path: Path, sections: tuple[Section, ...]) -> Narrative:
    """Read a YAML (.yaml/.yml) or Markdown (.md/.markdown/.txt) notes file."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _narrative_yaml(path, sections)
    if suffix in (".md", ".markdown", ".txt"):
        return _narrative_markdown(path, sections)
    raise InputError(f"{path}：不支持的说明文件类型“{path.suffix}”，应为 YAML（.yaml）或 Markdown（.md）")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"说明文件 {path} 不存在") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}：不是 UTF-8 编码的文本文件（第 {exc.start} 字节）") from None
    except OSError as exc:
        raise InputError(f"无法读取说明文件 {path}：{exc.strerror or exc}") from None


def _narrative_markdown(path: Path, sections: tuple[Section, ...]) -> Narrative:
    text = _read_text(path)
    names = _resolver(sections)
    problems: list[Problem] = []
    found: dict[str, list[str]] = {}
    seen_at: dict[str, int] = {}
    current: str | None = None
    buffer: list[str] = []

    def flush() -> None:
        if current is not None:
            found[current] = _split_paragraphs("\n".join(buffer))

    for number, line in enumerate(text.splitlines(), start=1):
        heading = _HEADING.match(line)
        if heading:
            flush()
            buffer = []
            label = heading.group(2)
            key = _heading_key(label, sections, names)
            if key is None and len(heading.group(1)) == 1 and not seen_at:
                current = None  # the document's own title above the sections
                continue
            if key is None:
                problems.append(Problem(f"{path}:{number}", f"未知的章节“{label}”，可用的章节：{_allowed(sections)}"))
                current = None
            elif key in seen_at:
                problems.append(Problem(f"{path}:{number}", f"章节 {key} 重复（第一次出现在第 {seen_at[key]} 行）"))
                current = None
            else:
                seen_at[key] = number
                current = key
            continue
        if current is None and line.strip() and not problems and not seen_at:
            problems.append(Problem(f"{path}:{number}", "正文应写在章节标题（如“## 二(一)”）之下"))
            continue
        buffer.append(line)
    flush()
    if problems:
        raise InputError(f"说明文件 {path} 有错误（共 {len(problems)} 处）：", problems)
    return Narrative(str(path), {k: tuple(v) for k, v in found.items() if v})


def _narrative_yaml(path: Path, sections: tuple[Section, ...]) -> Narrative:
    from gdcomply import yamlsource

    root, collected = yamlsource.load(path)
    problems = list(collected.items)
    names = _resolver(sections)
    found: dict[str, tuple[str, ...]] = {}
    if root is not None and problems == []:
        if root.kind != "map":
            problems.append(Problem(root.where, "应为“章节: 内容”的映射，如“二(一): 本期……”"))
        else:
            for label, node in root.value.items():
                key = names.get(_normal_key(label))
                if key is None:
                    problems.append(Problem(node.key_where, f"未知的章节“{label}”，可用的章节：{_allowed(sections)}"))
                    continue
                if key in found:
                    problems.append(Problem(node.key_where, f"章节 {key} 重复"))
                    continue
                paragraphs = _yaml_paragraphs(node, problems)
                if paragraphs:
                    found[key] = tuple(paragraphs)
    if problems:
        raise InputError(f"说明文件 {path} 有错误（共 {len(problems)} 处）：", problems)
    return Narrative(str(path), found)


def _yaml_paragraphs(node: Any, problems: list[Problem]) -> list[str]:
    if node.kind == "scalar":
        if node.value is None:
            return []
        if isinstance(node.value, (bool, int, float, date)):
            problems.append(Problem(node.where, "应为文字"))
            return []
        return _split_paragraphs(str(node.value))
    if node.kind == "seq":
        result: list[str] = []
        for item in node.value:
            if item.kind != "scalar" or item.value is None or isinstance(item.value, (dict, list)):
                problems.append(Problem(item.where, "每个段落应为一段文字"))
                continue
            result.extend(_split_paragraphs(str(item.value)))
        return result
    problems.append(Problem(node.where, "应为文字或文字列表"))
    return []


# -- rectification measures -------------------------------------------------------------------


def parse_deadline(value: Any) -> date | None:
    """A date from a date cell, an ISO or Chinese date text; None if it is none of these."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = _DATE_TEXT.match(value)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    return None


def load_measures(path: Path) -> tuple[Measure, ...]:
    """Read rectification measures from YAML (.yaml/.yml) or Excel (.xlsx/.xls/.ods)."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(f"整改措施文件 {path} 不存在")
    if suffix in (".yaml", ".yml"):
        return _measures_yaml(path)
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return _measures_excel(path)
    raise InputError(f"{path}：不支持的整改措施文件类型“{path.suffix}”，应为 YAML（.yaml）或 Excel（.xlsx）")


def _measures_yaml(path: Path) -> tuple[Measure, ...]:
    from gdcomply import yamlsource

    root, collected = yamlsource.load(path)
    problems = list(collected.items)
    measures: list[Measure] = []
    if root is None and not problems:
        problems.append(Problem(str(path), "文件为空：应为整改措施列表"))
    elif root is not None and not problems:
        items = root.value if root.kind == "seq" else None
        if items is None:
            problems.append(Problem(root.where, "应为整改措施列表（每项含 问题、整改措施、责任部门、完成时限）"))
            items = []
        for item in items:
            if item.kind != "map":
                problems.append(Problem(item.where, "每项应为映射：问题、整改措施、责任部门、完成时限"))
                continue
            values: dict[str, Any] = {}
            for key, child in item.value.items():
                if key not in RECTIFICATION_HEADERS:
                    problems.append(
                        Problem(child.key_where, f"未知的字段“{key}”（允许的字段：{'、'.join(RECTIFICATION_HEADERS)}）")
                    )
                    continue
                values[key] = child
            measure = _measure(
                {k: (values[k].value if k in values else None) for k in RECTIFICATION_HEADERS},
                {k: (values[k].where if k in values else item.where) for k in RECTIFICATION_HEADERS},
                item.where,
                problems,
            )
            if measure is not None:
                measures.append(measure)
    if problems:
        problems.sort(key=_position)
        raise InputError(f"整改措施文件 {path} 有错误（共 {len(problems)} 处）：", problems)
    return tuple(measures)


def _position(problem: Problem) -> tuple[int, int]:
    """Sort key of a FILE:LINE:COLUMN position (problems are listed top to bottom)."""
    parts = problem.where.rsplit(":", 2)
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, 0


def _measure(values: dict[str, Any], where: dict[str, str], row_where: str, problems: list[Problem]) -> Measure | None:
    ok = True
    texts: dict[str, str] = {}
    for header in RECTIFICATION_HEADERS[:3]:
        value = values.get(header)
        text = "" if value is None else str(value).strip()
        if not text:
            problems.append(Problem(where[header], f"{header}不能为空"))
            ok = False
        texts[header] = text
    raw = values.get("完成时限")
    deadline = parse_deadline(raw)
    if deadline is None:
        shown = "（空）" if raw is None or str(raw).strip() == "" else f"“{raw}”"
        problems.append(Problem(where["完成时限"], f"完成时限 {shown} 不是日期，应写作 2018-09-30 或 2018年9月30日"))
        ok = False
    if not ok:
        return None
    assert deadline is not None
    return Measure(texts["问题"], texts["整改措施"], texts["责任部门"], deadline, row_where)


def _measures_excel(path: Path) -> tuple[Measure, ...]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of bad file
        raise InputError(f"{path}：无法作为 Excel 工作簿读取（{exc}）") from None
    names = workbook.sheet_names
    sheet_name = "整改措施" if "整改措施" in names else names[0]
    rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    problems: list[Problem] = []
    header_row = None
    for index, row in enumerate(rows[:20]):
        cells = [str(c).strip() for c in row]
        if all(h in cells for h in RECTIFICATION_HEADERS):
            header_row = index
            columns = {h: cells.index(h) for h in RECTIFICATION_HEADERS}
            break
    if header_row is None:
        raise InputError(
            f"{path}:{sheet_name}：找不到表头（应有 {'、'.join(RECTIFICATION_HEADERS)} 四列）"
        )
    measures: list[Measure] = []
    for index in range(header_row + 1, len(rows)):
        row = rows[index]
        if all(str(c).strip() == "" for c in row):
            continue
        number = index + 1
        values = {h: (row[c] if c < len(row) and row[c] != "" else None) for h, c in columns.items()}
        where = {h: f"{path}:{sheet_name}!{column_letters(c)}{number}" for h, c in columns.items()}
        measure = _measure(values, where, f"{path}:{sheet_name}!A{number}", problems)
        if measure is not None:
            measures.append(measure)
    if not measures and not problems:
        problems.append(Problem(f"{path}:{sheet_name}", "没有任何整改措施"))
    if problems:
        raise InputError(f"整改措施文件 {path} 有错误（共 {len(problems)} 处）：", problems)
    return tuple(measures)
