"""Parties are named as people name them: 桂源公司, 供电公司, 公司, 南方监管局 (full or short name,
an alias from deadlines.yaml, or the id), wherever a command takes a party."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from gdcomply.calendar import load_calendar
from gdcomply.errors import ConfigError
from gdcomply.resources import bundled_config_dir

SHOWN = "config/deadlines.yaml"


@pytest.fixture(scope="module")
def calendar():
    return load_calendar(bundled_config_dir() / "deadlines.yaml", SHOWN)


@pytest.mark.parametrize(
    ("typed", "party"),
    [
        ("guiyuan", "guiyuan"),
        ("GuiYuan", "guiyuan"),
        ("桂源公司", "guiyuan"),
        (" 桂源 公司 ", "guiyuan"),
        ("供电公司", "gongdian"),
        ("公司", "company"),
        ("广西桂东电力股份有限公司", "company"),
        ("桂东电力", "company"),
        ("南方监管局", "bureau"),
        ("国家能源局南方监管局", "bureau"),
        ("监管局", "bureau"),
    ],
)
def test_a_party_is_found_by_any_of_its_names(calendar, typed: str, party: str) -> None:
    assert calendar.resolve_party(typed) == party


@pytest.mark.parametrize("typed", ["供电", "桂源", "", "  ", "unit", "all"])
def test_a_part_of_a_name_or_nothing_names_no_party(calendar, typed: str) -> None:
    assert calendar.resolve_party(typed) is None


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "deadlines.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n") + textwrap.dedent(OBLIGATIONS), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_calendar(path, SHOWN)
    return [str(p) for p in caught.value.problems]


OBLIGATIONS = """\
    obligations:
      report:
        title: 报告
        source: 三
        years: 2018
        steps:
          company: {from: company, to: bureau}
        rounds:
          - dates: {company: 06-10}
"""


def test_a_name_used_by_two_parties_is_an_error_where_it_is_written_twice(tmp_path: Path) -> None:
    text = """\
    parties:
      bureau: {name: 南方监管局}
      company:
        name: 广西桂东电力股份有限公司
        short_name: 公司
        aliases: [桂东电力, 南方监管局]
    """
    assert _problems(tmp_path, text) == [
        f"{SHOWN}:6:21: parties.company.aliases[1]: 名称“南方监管局”已用于单位 bureau（南方监管局）：一个名称只能指一个单位"
    ]


def test_aliases_must_be_a_list_of_names(tmp_path: Path) -> None:
    text = """\
    parties:
      bureau: {name: 南方监管局}
      company: {name: 公司, aliases: 桂东电力}
    """
    problems = _problems(tmp_path, text)
    assert problems == [f"{SHOWN}:3:32: parties.company.aliases: 应为名称列表，如 [桂东电力]"]


# -- every command that takes a party -------------------------------------------------------------


@pytest.fixture
def ws(cli, tmp_path: Path) -> Path:
    result = cli(["init", "ws", "--since", "2026-11-01"])
    assert result.exit_code == 0, result.output
    os.chdir(tmp_path / "ws")
    return tmp_path / "ws"


def test_check_and_calendar_take_chinese_names(cli, ws: Path) -> None:
    by_id = cli(["check", "--as-of", "2026-11-19", "--party", "guiyuan", "--all", "--format", "json"])
    by_name = cli(["check", "--as-of", "2026-11-19", "--party", "桂源公司", "--all", "--format", "json"])
    assert by_id.exit_code == by_name.exit_code
    assert json.loads(by_name.stdout) == json.loads(by_id.stdout)
    items = json.loads(by_name.stdout)["items"]
    assert items and all("guiyuan" in (i["from"], i["to"]) for i in items)

    calendar = cli(["calendar", "--year", "2026", "--party", "供电公司", "--format", "json"])
    assert calendar.exit_code == 0, calendar.output
    instances = json.loads(calendar.stdout)["instances"]
    assert len(instances) == 6 and all(i["from"] == "gongdian" for i in instances)


def test_submit_takes_chinese_names_for_sender_and_receiver(cli, ws: Path, monkeypatch) -> None:
    monkeypatch.setenv("GDCOMPLY_TODAY", "2026-11-19")
    report = ws.parent / "桂源公司第四次报告.docx"
    report.write_text("R4", encoding="utf-8")
    result = cli(["submit", "progress-report", "--period", "2026-R4", "--from", "桂源公司", "--to", "南方监管局",
                  str(report), "--on", "2026-11-17"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "已登记 #1：工作开展情况报告 2026-R4 桂源公司→南方监管局，2026-11-17 报送（截止 2026-11-18，按时），1 个文件。\n"
    )
    exported = json.loads(cli(["export", "--format", "json"]).stdout)
    assert [s["instance_id"] for s in exported["submissions"]] == ["progress-report/2026-R4/guiyuan->bureau"]


def test_an_unknown_name_is_refused_with_the_names_people_use(cli, ws: Path) -> None:
    result = cli(["check", "--as-of", "2026-11-19", "--party", "供电"])
    assert result.exit_code == 2
    assert result.stderr == (
        "错误：--party 的值“供电”不是已知的单位。是否想输入：供电公司？"
        "可选：南方监管局（bureau）、公司（company）、桂源公司（guiyuan）、供电公司（gongdian）\n"
    )


def test_a_party_that_owes_nothing_is_refused_without_contradiction(cli, ws: Path, monkeypatch) -> None:
    monkeypatch.setenv("GDCOMPLY_TODAY", "2026-11-19")
    report = ws.parent / "r.docx"
    report.write_text("R4", encoding="utf-8")
    result = cli(["submit", "progress-report", "--period", "2026-R4", "--from", "南方监管局", str(report)])
    assert result.exit_code == 2
    assert result.stderr == (
        "错误：南方监管局不是“工作开展情况报告 2026-R4”的报送单位。"
        "报送单位：公司（company）、供电公司（gongdian）、桂源公司（guiyuan）\n"
    )
    assert not (ws / "data" / "evidence").exists() or not any((ws / "data" / "evidence").rglob("*.*"))


def test_pack_takes_a_chinese_name(cli, ws: Path, tmp_path: Path) -> None:
    export = tmp_path / "申请.xlsx"
    made = cli(["applications", "sample", str(export), "--rows", "40", "--seed", "3", "--as-of", "2026-07-06"])
    assert made.exit_code == 0, made.output
    result = cli(["pack", "connection-data", "--period", "2026-H1", "--party", "桂源公司", "--input", str(export),
                  "--as-of", "2026-07-08"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (ws / "packs" / "connection-data_2026-H1_guiyuan" / "manifest.json").is_file()
    manifest = json.loads((ws / "packs" / "connection-data_2026-H1_guiyuan" / "manifest.json").read_text("utf-8"))
    assert manifest["instance_id"] == "connection-data/2026-H1/guiyuan->company"
