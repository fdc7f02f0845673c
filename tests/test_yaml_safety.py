"""Every YAML file gdcomply reads refuses alias bombs, self-referencing aliases and deep nesting
at once, naming the file and line (issue 11, item 1)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest

from gdcomply.errors import GdcomplyError

# "billion laughs": 7 short lines that expand into 10**6 list items
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(5)
)
SELF_REFERENCE = "root: &loop\n  - *loop\n"
DEEP = "key:\n" + "".join("  " * depth + "- \n" for depth in range(1, 300)) + "  " * 300 + "- x\n"
DEEP_FLOW = "key: " + "[" * 900 + "]" * 900 + "\n"


def _loaders() -> dict[str, Callable[[Path], object]]:
    from gdcomply.applications.targets import load_targets
    from gdcomply.calendar import load_calendar
    from gdcomply.packs.notes import Section, load_measures, load_narrative
    from gdcomply.reminders.settings import load_remind_config
    from gdcomply.workdays.holidayfile import load_holiday_overrides

    sections = (Section("二(一)", "加强业扩报装管理"),)
    return {
        "deadlines.yaml": load_calendar,
        "holidays.yaml": load_holiday_overrides,
        "targets.yaml": load_targets,
        "reminders.yaml": load_remind_config,
        "notes.yaml": lambda path: load_narrative(path, sections),
        "measures.yaml": load_measures,
    }


@pytest.mark.parametrize("name", list(_loaders()))
@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (BOMB, 2, "不支持 YAML 别名“*a”"),
        (SELF_REFERENCE, 2, "不支持 YAML 别名“*loop”"),
        (DEEP, 33, "嵌套层数超过 32 层"),
        (DEEP_FLOW, 1, "嵌套层数超过 32 层"),
    ],
    ids=["bomb", "self-reference", "deep-block", "deep-flow"],
)
def test_every_yaml_file_refuses_aliases_and_deep_nesting(tmp_path, name, text, line, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(GdcomplyError) as raised:
        _loaders()[name](path)
    assert time.perf_counter() - started < 1.0
    shown = str(raised.value)
    assert f"{path}:{line}:" in shown
    assert message in shown
    assert "Node(" not in shown


def test_validate_names_the_alias_in_deadlines_yaml(cli, tmp_path, write_config):
    deadlines = write_config(tmp_path, "version: 1\nparties: &p {}\nobligations: *p\n")
    result = cli(["validate", "--config", deadlines])
    assert result.exit_code == 1
    assert f"{deadlines}:3:14: 不支持 YAML 别名“*p”" in result.stderr
    assert "Traceback" not in result.output


def test_an_anchor_without_alias_and_ordinary_nesting_still_load(tmp_path):
    from gdcomply.applications.targets import load_targets

    path = tmp_path / "targets.yaml"
    path.write_text("limits: &l\n  residential: 5\n", encoding="utf-8")
    assert load_targets(path).residential_limit == 5


def test_a_list_or_mapping_as_a_key_is_reported_not_shown_as_python(tmp_path):
    from gdcomply.applications.targets import load_targets

    path = tmp_path / "targets.yaml"
    path.write_text("limits:\n  ? [residential, x]\n  : 5\n", encoding="utf-8")
    with pytest.raises(GdcomplyError) as raised:
        load_targets(path)
    assert str(raised.value).splitlines()[1] == f"{path}:2:5: limits: 键应为文字，不能是列表或映射"
