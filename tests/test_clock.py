"""The CLI's one clock: Asia/Shanghai, or a fixed day from $GDCOMPLY_TODAY (tests, demos)."""

from __future__ import annotations

from datetime import date

import pytest

from gdcomply.cli import common
from gdcomply.errors import UsageError


def test_fixed_today_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDCOMPLY_TODAY", "2026-11-19")
    assert common.today() == date(2026, 11, 19)
    moment = common.now()
    assert moment.date() == date(2026, 11, 19)
    assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 8 * 3600


def test_bad_fixed_today_is_a_chinese_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDCOMPLY_TODAY", "2026-13-01")
    with pytest.raises(UsageError, match="环境变量 GDCOMPLY_TODAY 的值“2026-13-01”不是有效的日期"):
        common.today()


def test_without_it_today_is_the_shanghai_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    monkeypatch.delenv("GDCOMPLY_TODAY", raising=False)
    before = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    got = common.today()
    after = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert before <= got <= after
