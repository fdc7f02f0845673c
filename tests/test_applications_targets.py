"""config/targets.yaml: the bundled file is the plan; every problem is reported with its place."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from gdcomply.applications.targets import Targets, load_targets
from gdcomply.errors import ConfigError
from gdcomply.resources import bundled_config_dir


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_bundled_file_states_the_plan():
    assert load_targets(bundled_config_dir() / "targets.yaml") == Targets()


def test_plan_values():
    plan = Targets()
    assert (plan.residential_limit, plan.small_micro_limit, plan.other_low_voltage_limit, plan.high_voltage_limit) == (
        22, 25, None, None)
    assert (plan.small_micro_mean_working_days, plan.small_micro_steps, plan.small_micro_capacity_kva,
            plan.small_micro_cost) == (25, 2, Decimal(160), Decimal(0))
    assert (plan.residential_visits, plan.small_micro_visits, plan.high_voltage_visits) == (0, 1, 1)
    assert dict(plan.units) == {"guiyuan": ("桂源公司",), "gongdian": ("供电公司",)}


def test_absent_file_is_the_plan(tmp_path):
    assert load_targets(tmp_path / "targets.yaml") == Targets()
    assert load_targets(None) == Targets()


def test_stricter_targets(tmp_path):
    path = write_config(tmp_path, """\
        limits:
          residential: 15
          high-voltage: 40
        targets:
          small-micro-mean-working-days: 20
          small-micro-capacity-kva: 200
        alert:
          horizon: 3
        units:
          guiyuan: [桂源公司, 桂源]
          gongdian: 供电公司
        columns:
          accepted: [申请日期, 受理时间]
          application-id: 工单号
        """)
    targets = load_targets(path)
    assert (targets.residential_limit, targets.high_voltage_limit, targets.small_micro_limit) == (15, 40, 25)
    assert (targets.small_micro_mean_working_days, targets.small_micro_capacity_kva, targets.alert_horizon) == (
        20, Decimal(200), 3)
    assert targets.resolve_unit("桂源") == "guiyuan"
    assert targets.resolve_unit("gongdian") == "gongdian"
    assert targets.resolve_unit("别的公司") is None
    assert dict(targets.columns) == {"accepted": ("申请日期", "受理时间"), "application-id": ("工单号",)}


def test_every_problem_with_its_position(tmp_path):
    path = write_config(tmp_path, """\
        limits:
          residential: 二十二
          small-micro: 0
          high-volt: 30
        targets:
          small-micro-cost: -1
          small-micro-steps:
        alert:
          horizon: 2.5
        units:
          Guiyuan: [桂源]
          guiyuan: [桂源公司]
          gongdian: [桂源公司]
        columns:
          acepted: [申请日期]
        colums: {}
        """)
    with pytest.raises(ConfigError) as error:
        load_targets(path, display="config/targets.yaml")
    assert str(error.value).splitlines() == [
        "目标值文件 config/targets.yaml 有错误（共 10 处问题）：",
        "config/targets.yaml:2:16: limits.residential: “二十二”应为整数",
        "config/targets.yaml:3:16: limits.small-micro: 0 应不小于 1",
        "config/targets.yaml:4:3: limits.high-volt: 未知的字段“high-volt”，是否应为“high-voltage”？"
        "（允许的字段：high-voltage、other-low-voltage、residential、small-micro）",
        "config/targets.yaml:6:21: targets.small-micro-cost: “-1”应为不小于 0 的数字",
        "config/targets.yaml:7:21: targets.small-micro-steps: 不能为空，应为整数",
        "config/targets.yaml:9:12: alert.horizon: “2.5”应为整数",
        "config/targets.yaml:11:12: units.Guiyuan: 单位代号“Guiyuan”应为小写英文字母、数字和连字符（如 guiyuan）",
        "config/targets.yaml:13:13: units.gongdian: 名称“桂源公司”已用于单位 guiyuan",
        "config/targets.yaml:15:3: columns.acepted: 未知的字段“acepted”，是否应为“accepted”？"
        "（允许的字段：accepted、address、application-id、area、business-type、capacity-kva、capacity-kw、channel、"
        "cost、customer、energised、external-works、materials、pause-end、pause-kind、pause-start、power-source、"
        "reason、small-micro、steps、three-zero、unit、visits、voltage）",
        "config/targets.yaml:16:1: colums: 未知的字段“colums”，是否应为“columns”？"
        "（允许的字段：alert、columns、facts、limits、profiles、targets、units）",
    ]


def test_one_header_for_two_columns(tmp_path):
    path = write_config(tmp_path, """\
        columns:
          accepted: [日期]
          energised: [日期]
        """)
    with pytest.raises(ConfigError) as error:
        load_targets(path, display="targets.yaml")
    assert str(error.value).splitlines()[1] == (
        "targets.yaml:3:14: columns.energised: 表头“日期”已对照到 accepted，同一个表头只能对应一列"
    )
