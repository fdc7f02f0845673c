"""Which ledger a command uses: --ledger, else $GDCOMPLY_LEDGER, else config/workspace.yaml, else
the workspace's SQLite file; a PostgreSQL URL with a password is refused wherever it is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdcomply.errors import ConfigError, UsageError
from gdcomply.ledger.location import (
    ENV_LEDGER, POSTGRESQL, SQLITE, choose, load_settings, settings_file, settings_text, url_problem,
)  # fmt: skip
from gdcomply.workspace import Workspace

URL = "postgresql://gdcomply@db.example.cn:5432/ledger"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace.at(tmp_path / "ws")
    ws.config_dir.mkdir(parents=True)
    return ws


def test_sqlite_in_the_workspace_is_the_default(workspace: Workspace) -> None:
    location = choose(workspace, None, {})
    assert (location.kind, location.path, location.url) == (SQLITE, workspace.ledger_file, None)
    assert not location.is_shared


def test_the_option_beats_the_variable_which_beats_the_settings_file(workspace: Workspace) -> None:
    settings_file(workspace).write_text(settings_text(URL), encoding="utf-8")
    from_file = choose(workspace, None, {})
    assert (from_file.kind, from_file.url, from_file.source) == (POSTGRESQL, URL, "config/workspace.yaml:8:9")
    other = "postgresql://u@other/db2"
    assert choose(workspace, None, {ENV_LEDGER: other}).url == other
    assert choose(workspace, "postgresql://u@third/db3", {ENV_LEDGER: other}).url == "postgresql://u@third/db3"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://postgres@127.0.0.1:5432/test", None),
        ("postgres://h/d?sslmode=require", None),
        ("postgresql:///ledger?host=/run/postgresql", None),
        ("postgresql://u:secret@h/db", "密码不能写在地址中"),
        ("postgresql://u@h/db?password=secret", "密码不能写在地址中"),
        ("postgresql://u@h/db?sslmode=require&sslpassword=secret", "密码不能写在地址中"),
        ("mysql://u@h/db", "应以 postgresql:// 开头"),
        ("postgresql://u@h:70000/db", "端口应为 1 到 65535 的整数"),
        ("postgresql://u@h/", "缺少数据库名"),
    ],
)
def test_a_url_is_checked_for_what_the_ledger_needs(url: str, problem: str | None) -> None:
    found = url_problem(url)
    assert (found is None) if problem is None else (found is not None and found.startswith(problem))


def test_a_password_in_the_option_is_refused_and_never_printed(workspace: Workspace) -> None:
    with pytest.raises(UsageError) as caught:
        choose(workspace, "postgresql://u:s3cret@h/db", {})
    assert caught.value.exit_code == 2
    assert "s3cret" not in str(caught.value)
    assert str(caught.value).startswith("--ledger 的值“postgresql://u:***@h/db”不是可用的 PostgreSQL 地址：密码不能写在地址中")
    with pytest.raises(UsageError) as from_env:
        choose(workspace, None, {ENV_LEDGER: "postgresql://u:s3cret@h/db"})
    assert str(from_env.value).startswith(f"环境变量 {ENV_LEDGER} 的值“postgresql://u:***@h/db”")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://127.0.0.1/test?password=S3cretQ", "postgresql://127.0.0.1/test?password=***"),
        ("postgresql://u@h/db?sslmode=require&sslpassword=S3cretK&x=1", "postgresql://u@h/db?sslmode=require&sslpassword=***&x=1"),
        ("postgresql://u:S3cretB@[::1/test", "postgresql://u:***@[::1/test"),  # too malformed to parse
        ("postgresql://u:S3c@ret@h:5432/db", "postgresql://u:***@h:5432/db"),  # an unencoded @ in it
    ],
)
def test_a_refused_url_never_shows_its_secret(workspace: Workspace, url: str, shown: str) -> None:
    for option, environ in ((url, {}), (None, {ENV_LEDGER: url})):
        with pytest.raises(UsageError) as caught:
            choose(workspace, option, environ)
        assert "S3c" not in str(caught.value)
        assert f"的值“{shown}”不是可用的 PostgreSQL 地址：" in str(caught.value)


def test_a_password_in_the_settings_file_is_a_positioned_error(workspace: Workspace) -> None:
    path = settings_file(workspace)
    path.write_text("version: 1\nledger: postgresql://u:s3cret@h/db\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, "config/workspace.yaml")
    problems = [str(p) for p in caught.value.problems]
    assert len(problems) == 1
    assert problems[0].startswith("config/workspace.yaml:2:9: ledger: “postgresql://u:***@h/db”不是可用的 PostgreSQL 地址：密码不能")
    assert "s3cret" not in problems[0]


def test_unknown_keys_and_versions_in_the_settings_file_are_positioned_errors(workspace: Workspace) -> None:
    path = settings_file(workspace)
    path.write_text("version: 2\nledgr: postgresql://u@h/db\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, "config/workspace.yaml")
    problems = [str(p) for p in caught.value.problems]
    assert problems[0] == "config/workspace.yaml:1:10: version: 不支持的版本“2”，本程序只认识 version: 1"
    assert problems[1].startswith("config/workspace.yaml:2:1: ledgr: ")
