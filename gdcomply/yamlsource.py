"""YAML read with positions, so every config problem can say FILE:LINE:COLUMN: field.path.

Only the config loaders (calendar.py, holidayfile.py, applications/targets.py,
reminders/settings.py, packs/notes.py) use this module; it refuses aliases and deep nesting
(see `_refuse_aliases_and_depth`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdcomply.errors import ConfigError, Problem


@dataclass
class Node:
    """A YAML value with its position and its dotted path from the document root."""

    value: Any  # scalar, dict[str, Node] or list[Node]
    line: int  # 1-based
    column: int  # 1-based
    path: str
    source: str  # file name as shown to the user
    kind: str  # "scalar" | "map" | "seq"
    key_line: int = 0  # where this value's key is, for a value of a mapping (0: not one)
    key_column: int = 0
    text: str = ""  # a scalar as the user wrote it (".nan", "0x1F", "2018-02-30")

    @property
    def shown(self) -> str:
        """The value as the user wrote it, for messages: never a Python repr of Nodes."""
        if self.kind == "map":
            return "映射（键: 值）"
        if self.kind == "seq":
            return "列表"
        return self.text

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}:{self.column}"

    @property
    def key_where(self) -> str:
        """The position of this value's key (a wrong key is reported there), else of the value."""
        if not self.key_line:
            return self.where
        return f"{self.source}:{self.key_line}:{self.key_column}"

    def get(self, key: str) -> Node | None:
        if self.kind != "map":
            return None
        return self.value.get(key)


@dataclass
class Problems:
    """Collects every problem of one load; raise at the end if there were any."""

    items: list[Problem] = field(default_factory=list)

    def add(
        self, node: Node | None, message: str, *, where: str = "", path: str = "", at_key: bool = False
    ) -> None:
        if node is not None:
            where, path = (node.key_where if at_key else node.where), path or node.path
        self.items.append(Problem(where, f"{path}: {message}" if path else message))

    def raise_if_any(self, title: str) -> None:
        if self.items:
            self.items.sort(key=_position_key)
            raise ConfigError(f"{title}（共 {len(self.items)} 处问题）：", self.items)


def _position_key(problem: Problem) -> tuple:
    parts = problem.where.rsplit(":", 2)
    try:
        return (parts[0], int(parts[1]), int(parts[2]))
    except (IndexError, ValueError):
        return (problem.where, 0, 0)


def load(path: Path, display: str | None = None) -> tuple[Node | None, Problems]:
    """Parse a YAML file into Nodes; syntax errors and duplicate keys become problems."""
    import yaml

    shown = display or str(path)
    problems = Problems()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(None, f"文件不存在：{shown}", where=shown)
        return None, problems
    except UnicodeDecodeError as exc:
        data = exc.object
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1  # in bytes
        problems.add(
            None,
            "文件不是 UTF-8 编码（可能是用 GBK 保存的），请在编辑器中以 UTF-8 编码另存",
            where=f"{shown}:{line}:{column}",
        )
        return None, problems
    except OSError as exc:
        problems.add(None, f"无法读取文件：{exc.strerror}", where=shown)
        return None, problems
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        refused = _refuse_aliases_and_depth(text, loader_cls, shown)
        if refused is not None:
            problems.items.append(refused)
            return None, problems
        root = yaml.compose(text, Loader=loader_cls)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else shown
        problems.add(None, f"YAML 语法错误：{_explain(exc.problem or exc.context or '')}", where=where)
        return None, problems
    except yaml.YAMLError as exc:
        problems.add(None, f"YAML 语法错误：{exc}", where=shown)
        return None, problems
    if root is None:
        return None, problems
    constructor = yaml.constructor.SafeConstructor()
    return _convert(root, "", shown, constructor, problems), problems


MAX_DEPTH = 32  # the deepest real settings file nests 6 levels; 1000 would overflow the stack


def _refuse_aliases_and_depth(text: str, loader_cls: Any, shown: str) -> Problem | None:
    """Refuse aliases and deep nesting before anything is built from the document.

    An alias (*name) lets a few hundred bytes expand into gigabytes ("billion laughs") or
    refer to itself (an endless structure); a document nested thousands deep overflows the
    stack. These files have no use for either, so the event stream (flat, linear time) is
    checked first, and composing starts only when it is clean.
    """
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=loader_cls):
        if isinstance(event, yaml.AliasEvent):
            return Problem(
                _mark(shown, event.start_mark),
                f"不支持 YAML 别名“*{event.anchor}”：请把引用的内容直接写出来（设置文件中不使用 & 锚点和 * 别名）",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(
                    _mark(shown, event.start_mark),
                    f"嵌套层数超过 {MAX_DEPTH} 层：设置文件不需要这么深的结构（请检查缩进或括号）",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _mark(shown: str, mark: Any) -> str:
    return f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark is not None else shown


# PyYAML's most common complaints, in the words a person editing the file needs.
_YAML_PROBLEMS = (
    ("did not find expected key", "缩进不一致或缺少“键:”（检查这一行和上一行的缩进）"),
    ("mapping values are not allowed here", "这里不能出现“键: 值”（可能缺少空格、缩进有误，或值中有未加引号的冒号）"),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("found character '\\t' that cannot start any token", "使用了 Tab 缩进，请改用空格"),
    ("did not find expected ',' or '}'", "花括号 { } 没有闭合，或两项之间缺少逗号"),
    ("did not find expected ',' or ']'", "方括号 [ ] 没有闭合，或两项之间缺少逗号"),
    ("did not find expected node content", "缺少值（如列表项“-”后面是空的，或多了一个逗号）"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合）"),
    ("exceeded maximum nesting depth", "嵌套层数过多（请检查括号是否成对）"),
)


def _explain(problem: str) -> str:
    for english, chinese in _YAML_PROBLEMS:
        if problem.startswith(english):
            return f"{chinese}（{problem}）"
    return problem


def _convert(node: Any, path: str, source: str, constructor: Any, problems: Problems) -> Node:
    import yaml

    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key_line, key_column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):  # "? [a, b]: x": never a key of these files
                problems.add(None, "键应为文字，不能是列表或映射", where=f"{source}:{key_line}:{key_column}", path=path)
                continue
            key = str(_construct(key_node, constructor))
            child_path = f"{path}.{key}" if path else key
            if key in result:
                problems.add(
                    None,
                    f"重复的键“{key}”（第一次出现在第 {result[key].key_line} 行）",
                    where=f"{source}:{key_line}:{key_column}",
                    path=child_path,
                )
                continue
            child = _convert(value_node, child_path, source, constructor, problems)
            child.key_line, child.key_column = key_line, key_column
            result[key] = child
        return Node(result, line, column, path, source, "map")
    if isinstance(node, yaml.SequenceNode):
        items = [
            _convert(child, f"{path}[{i}]", source, constructor, problems)
            for i, child in enumerate(node.value)
        ]
        return Node(items, line, column, path, source, "seq")
    return Node(_construct(node, constructor), line, column, path, source, "scalar", text=str(node.value))


def _construct(node: Any, constructor: Any) -> Any:
    """The Python value of a node; the raw text when YAML cannot build it."""
    import yaml

    try:
        return constructor.construct_object(node, deep=True)
    except (yaml.constructor.ConstructorError, ValueError):
        # e.g. an impossible timestamp such as 2018-02-30 (as a value or as a mapping key):
        # keep the text, so that the loader reports it as a bad date with its position
        return node.value


def check_keys(node: Node, allowed: set[str] | frozenset[str], problems: Problems) -> None:
    """Every key of a mapping must be known: a typo must never be silently ignored."""
    for key, child in node.value.items():
        if key not in allowed:
            hint = _nearest(key, allowed)
            suggestion = f"，是否应为“{hint}”？" if hint else ""
            problems.add(
                child,
                f"未知的字段“{key}”{suggestion}（允许的字段：{'、'.join(sorted(allowed))}）",
                at_key=True,
            )


def _nearest(word: str, choices: set[str] | frozenset[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def expect_map(node: Node | None, problems: Problems, what: str = "映射（键: 值）") -> bool:
    if node is None or node.kind != "map":
        if node is not None:
            problems.add(node, f"应为{what}")
        return False
    return True


def expect_str(node: Node, problems: Problems, *, required_text: str = "文字") -> str | None:
    if node.kind != "scalar" or node.value is None or isinstance(node.value, (dict, list)):
        problems.add(node, f"应为{required_text}")
        return None
    value = node.value
    if isinstance(value, bool):
        problems.add(node, f"应为{required_text}，而不是 {str(value).lower()}")
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if not text.strip():
        problems.add(node, f"不能为空，应为{required_text}")
        return None
    return text.strip()
