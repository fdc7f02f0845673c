"""Fixtures shared by every test file.

- ``cli(args)`` runs ``gdcomply.cli.main`` in-process and returns exit code, stdout and stderr;
  the home, workspace and cache of the real user are never touched.
- ``write_config(tmp_path, yaml_text, holidays=None)`` writes ``config/deadlines.yaml`` (and
  ``config/holidays.yaml``) from an indented literal, so a test shows the input it is about.
- ``workdays``: the working-day calendar of the bundled config, built once per session.
- ``child_env``: an environment for running gdcomply in a subprocess, isolated the same way.
- ``pg_database``: the URL of a new, empty PostgreSQL database with a random name, dropped
  afterwards, on the test server ($GDCOMPLY_TEST_POSTGRES, default
  postgresql://postgres@127.0.0.1:5432/test). Without a server the test is skipped with the
  reason (pytest -ra shows it); with CI=true it fails instead, so CI never passes untested.
- ``backend``: "sqlite" and "postgresql", for tests that run on both ledgers.
- ``password_server``: a private PostgreSQL cluster of the test session's own that asks for a
  password (scram-sha-256), for the login faults the trusting test server cannot show.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from gdcomply.resources import bundled_config_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CONFIG = bundled_config_dir()
# What a command says on stderr, every time, when run outside any workspace and without a
# default one: it uses the bundled configuration.
BUNDLED_NOTICE = "提示：当前目录不在任何工作区内，使用内置的默认配置（可运行“gdcomply init”创建工作区）。\n"


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """For the whole session: a private data home and one holidays cache shared by all tests.

    The cache is per session (built once, ~1 s) so that tests never read or write the user's.
    """
    cache = tmp_path_factory.mktemp("gdc-cache")
    home = tmp_path_factory.mktemp("gdc-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GDCOMPLY_CACHE_DIR", str(cache))
        mp.setenv("GDCOMPLY_HOME", str(home))
        mp.delenv("GDCOMPLY_WORKSPACE", raising=False)
        mp.delenv("GDCOMPLY_DEBUG", raising=False)
        yield cache


@pytest.fixture(scope="session")
def workdays(_isolated_environment: Path):
    """China's working-day calendar overlaid by the bundled config/holidays.yaml."""
    from gdcomply.workdays.workcalendar import WorkCalendar

    return WorkCalendar.default(BUNDLED_CONFIG / "holidays.yaml")


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def cli(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    _isolated_environment: Path,
) -> Callable[..., CliResult]:
    """Run ``gdcomply ARGS`` in-process from tmp_path, with a home of its own."""
    home = tmp_path / "gdc-home"
    monkeypatch.setenv("GDCOMPLY_HOME", str(home))
    monkeypatch.setenv("GDCOMPLY_CACHE_DIR", str(_isolated_environment))
    monkeypatch.delenv("GDCOMPLY_WORKSPACE", raising=False)
    monkeypatch.delenv("GDCOMPLY_DEBUG", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)  # output to a pipe: 120 columns unless a test sets it
    # anything that asks platformdirs or ~ lands in the test's folder too
    monkeypatch.setenv("HOME", str(home))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(variable, str(home / variable.lower()))
    monkeypatch.chdir(tmp_path)

    from gdcomply.cli import main

    def run(args: list[str] | tuple[str, ...]) -> CliResult:
        argv = [str(a) for a in args]
        capsys.readouterr()
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code
        else:  # pragma: no cover - main always exits
            code = 0
        if code is None:
            code = 0
        elif not isinstance(code, int):
            sys.stderr.write(str(code))
            code = 1
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def write_config_files(tmp_path: Path, yaml_text: str, holidays: str | None = None) -> Path:
    """Write tmp_path/config/deadlines.yaml (and holidays.yaml); return the deadlines path."""
    config = tmp_path / "config"
    config.mkdir(parents=True, exist_ok=True)
    deadlines = config / "deadlines.yaml"
    deadlines.write_text(textwrap.dedent(yaml_text).lstrip("\n"), encoding="utf-8")
    if holidays is not None:
        (config / "holidays.yaml").write_text(textwrap.dedent(holidays).lstrip("\n"), encoding="utf-8")
    return deadlines


@pytest.fixture
def write_config() -> Callable[..., Path]:
    """``write_config(tmp_path, yaml_text, holidays=None)``: see write_config_files."""
    return write_config_files


@pytest.fixture
def child_env(tmp_path: Path, _isolated_environment: Path, workdays) -> dict[str, str]:
    """The environment for running gdcomply in a child process, isolated like ``cli``.

    (Depends on ``workdays`` so that the shared holidays cache is built before the child runs.)
    """
    home = tmp_path / "gdc-home"
    env = dict(os.environ)
    env.pop("GDCOMPLY_WORKSPACE", None)
    env.pop("GDCOMPLY_DEBUG", None)
    env.pop("COLUMNS", None)
    env.update(GDCOMPLY_CACHE_DIR=str(_isolated_environment), GDCOMPLY_HOME=str(home), HOME=str(home))
    return env


_SUMMARY_LINES = pytest.StashKey[list]()


@pytest.fixture
def say_in_summary(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """``say_in_summary(text)``: a line shown at the end of the run, even with ``-q``
    (the README test says how many examples it ran)."""

    def say(text: str) -> None:
        request.config.stash.setdefault(_SUMMARY_LINES, []).append(text)

    return say


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    for line in config.stash.get(_SUMMARY_LINES, []):
        terminalreporter.write_line(line)


# -- PostgreSQL -------------------------------------------------------------------------------

TEST_POSTGRES = os.environ.get("GDCOMPLY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def database_url(name: str) -> str:
    """The test server's URL with another database name."""
    return urlsplit(TEST_POSTGRES)._replace(path=f"/{name}").geturl()


@pytest.fixture(scope="session")
def pg_admin():
    """A connection to the test server as a superuser (to create and drop databases and roles)."""
    import psycopg

    try:
        connection = psycopg.connect(TEST_POSTGRES, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        reason = f"PostgreSQL 测试服务器 {TEST_POSTGRES} 不可用（{' '.join(str(exc).split())}）"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true 时共享台账的测试必须运行：{reason}", pytrace=False)
        pytest.skip(f"{reason}，跳过共享台账的测试")
    with connection:
        yield connection


@pytest.fixture
def pg_database(pg_admin) -> Iterator[str]:
    """The URL of a new, empty database (random name), dropped after the test."""
    name = f"gdc_test_{secrets.token_hex(6)}"
    pg_admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        pg_admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def new_pg_database(pg_admin) -> Iterator[Callable[[], str]]:
    """``new_pg_database()``: the URL of a new, empty database for a module-scoped fixture;
    all of them are dropped at the end of the session."""
    made: list[str] = []

    def make() -> str:
        name = f"gdc_test_{secrets.token_hex(6)}"
        pg_admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return database_url(name)

    yield make
    for name in made:
        pg_admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class PasswordServer:
    port: int
    user: str
    password: str
    database: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true 时这些测试必须运行：{reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def password_server() -> Iterator[PasswordServer]:
    """A PostgreSQL cluster started for this session on a free port of 127.0.0.1, whose
    pg_hba.conf asks every login for a password (scram-sha-256), with the role ``clerk``
    (password ``right``) owning the database ``ledger``. It is stopped and removed at the end.
    The server binaries come from the PostgreSQL installation (Debian: /usr/lib/postgresql/N/bin);
    as root, the cluster runs as the ``postgres`` system user (initdb refuses root)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb") or ""]
    initdb = Path(found[-1]) if found[-1] else None
    if initdb is None or not initdb.exists():
        _unavailable("找不到 PostgreSQL 的 initdb（Debian 软件包 postgresql），跳过需要密码登录的测试")
    bindir = initdb.parent
    # not under pytest's own temporary folder, which only root may enter
    home = Path(tempfile.mkdtemp(prefix="gdcomply-test-pg-"))
    data = home / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    pwfile = home / "pw"
    pwfile.write_text("superpw\n", encoding="utf-8")
    if as_user:
        shutil.chown(pwfile, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True, cwd=home)
        if done.returncode != 0:
            _unavailable(f"无法启动测试用的 PostgreSQL（{' '.join(command[:1])}：{done.stderr.strip() or done.stdout.strip()}）")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync")
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "-t", "30", "start")
    try:
        import psycopg

        with psycopg.connect(f"postgresql://postgres:superpw@127.0.0.1:{port}/postgres", autocommit=True) as admin:
            admin.execute("CREATE ROLE clerk LOGIN PASSWORD 'right'")
            admin.execute("CREATE DATABASE ledger OWNER clerk")
        yield PasswordServer(port=port, user="clerk", password="right", database="ledger")
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True, cwd=home)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each ledger store in turn (the PostgreSQL one needs the test server: see pg_database)."""
    return request.param


def shared_ledger_of(workspace: Path) -> str | None:
    """The PostgreSQL URL a workspace's config/workspace.yaml names, or None (an SQLite workspace)."""
    from gdcomply.ledger.location import load_settings

    return load_settings(workspace / "config" / "workspace.yaml").ledger_url


def pg_tables(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of a shared ledger (evidence content included), read with plain
    psycopg, independently of the ledger module."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gdcomply' ORDER BY table_name"
            )
        ]
        return {name: connection.execute(f"SELECT * FROM gdcomply.{name} ORDER BY 1, 2").fetchall() for name in names}


def pg_state(url: str) -> dict[str, str]:
    """A hash of each table's rows: equal before and after means not a byte written."""
    import hashlib

    return {name: hashlib.sha256(repr(rows).encode()).hexdigest() for name, rows in pg_tables(url).items()}


@pytest.fixture
def shared_workspace(cli, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """``shared_workspace(name, since="2018-06-01")``: a workspace named `name` under tmp_path
    whose config/workspace.yaml names a new, migrated PostgreSQL ledger."""

    def make(name: str = "ws", since: str = "2018-06-01") -> Path:
        url = request.getfixturevalue("pg_database")
        migrated = cli(["ledger", "migrate", "--ledger", url, "--since", since])
        assert migrated.exit_code == 0, migrated.output
        made = cli(["init", tmp_path / name, "--ledger", url])
        assert made.exit_code == 0, made.output
        return tmp_path / name

    return make
