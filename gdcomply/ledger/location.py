"""Which ledger a command uses: the workspace's SQLite file, or a shared PostgreSQL database.

The choice, first that applies: ``--ledger URL``, else ``$GDCOMPLY_LEDGER``, else ``ledger:``
in the workspace's ``config/workspace.yaml`` (written by ``init --ledger``), else the SQLite
file ``data/ledger.sqlite3`` of the workspace (the embedded default: no server needed).

A PostgreSQL ledger is named by a libpq connection URL,
``postgresql://user@host:port/dbname`` (``postgres://`` too; query parameters such as
``?sslmode=require`` or ``?host=/run/postgresql`` pass through to libpq). A URL that carries a
password is refused wherever it comes from: passwords come only from libpq's own means
(``PGPASSWORD``, the password file ``~/.pgpass`` or ``%APPDATA%\\postgresql\\pgpass.conf``, a
service file), so that none ends up in a workspace file, a shell history or an output.

This module only reads and checks the choice; it imports neither SQLite nor a driver.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

from gdcomply import yamlsource
from gdcomply.errors import UsageError
from gdcomply.workspace import Workspace

ENV_LEDGER = "GDCOMPLY_LEDGER"
SETTINGS_NAME = "workspace.yaml"
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_SCHEMES = ("postgresql", "postgres")
_SETTINGS_KEYS = frozenset({"version", "ledger"})
PASSWORD_HINT = (
    "密码不能写在地址中：请用 libpq 自己的方式提供（环境变量 PGPASSWORD、密码文件 ~/.pgpass"
    "（Windows：%APPDATA%\\postgresql\\pgpass.conf）或服务文件 pg_service.conf）"
)


@dataclass(frozen=True)
class LedgerLocation:
    """A ledger to open: an SQLite file or a PostgreSQL URL (never with a password)."""

    kind: str  # SQLITE or POSTGRESQL
    path: Path | None  # the SQLite file
    url: str | None  # the PostgreSQL URL, as given (checked: no password)
    source: str  # where the choice came from, for messages: "--ledger", a file position…

    @property
    def shown(self) -> str:
        """The ledger as messages name it: the file, or the URL."""
        return str(self.path) if self.kind == SQLITE else str(self.url)

    @property
    def is_shared(self) -> bool:
        return self.kind == POSTGRESQL


def check_url(text: str, where: str) -> str:
    """A PostgreSQL URL checked for what gdcomply needs (scheme, database name, no password).

    Raises UsageError naming ``where`` (the option, the variable or the file position).
    """
    url = text.strip()
    problem = url_problem(url)
    if problem:
        raise UsageError(f"{where} 的值“{_without_password(url)}”不是可用的 PostgreSQL 地址：{problem}")
    return url


def url_problem(url: str) -> str | None:
    """What is wrong with a ledger URL, in Chinese, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "端口应为 1 到 65535 的整数" if "://" in url else "应写成 postgresql://用户@主机:端口/数据库"
    if parts.scheme not in _SCHEMES:
        return "应以 postgresql:// 开头，写成 postgresql://用户@主机:端口/数据库"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if parts.password is not None or _SECRET_KEYS & query.keys():
        return PASSWORD_HINT
    if port is not None and not 1 <= port <= 65535:
        return "端口应为 1 到 65535 的整数"
    database = unquote(parts.path.lstrip("/")) or query.get("dbname", "")
    if not database:
        return "缺少数据库名，应写成 postgresql://用户@主机:端口/数据库"
    if "/" in database:
        return f"数据库名“{database}”中不能有“/”"
    return None


# libpq's connection parameters that hold a secret: the password, and the passphrase of an SSL
# client key. Refused in a URL, and masked wherever a refused URL is shown.
_SECRET_KEYS = frozenset({"password", "sslpassword"})
_USERINFO_SECRET = re.compile(r"(://[^/@:?#]*:).*@")
_QUERY_SECRET = re.compile(r"((?:[?&])(?:%s)=)[^&#]*" % "|".join(sorted(_SECRET_KEYS)), re.IGNORECASE)


def _without_password(url: str) -> str:
    """The URL as it may be printed: every secret in it replaced by ***.

    Done on the text, not through urlsplit, so that a URL too malformed to parse (the very
    ones refused) is masked all the same; where in doubt, more is masked, never less.
    """
    return _QUERY_SECRET.sub(r"\1***", _USERINFO_SECRET.sub(r"\1***@", url))


@dataclass(frozen=True)
class WorkspaceSettings:
    """config/workspace.yaml: for now, only which ledger the workspace uses."""

    path: Path
    ledger_url: str | None
    ledger_where: str  # file:line:column of the ledger value


def settings_file(workspace: Workspace) -> Path:
    return workspace.config_dir / SETTINGS_NAME


def load_settings(path: Path, display: str | None = None) -> WorkspaceSettings:
    """Load and check workspace.yaml; empty settings when the file does not exist."""
    if not path.exists():
        return WorkspaceSettings(path, None, "")
    root, problems = yamlsource.load(path, display)
    url, where = None, ""
    if root is not None and yamlsource.expect_map(root, problems):
        yamlsource.check_keys(root, _SETTINGS_KEYS, problems)
        version = root.get("version")
        if version is not None and version.value != 1:
            problems.add(version, f"不支持的版本“{version.shown}”，本程序只认识 version: 1")
        node = root.get("ledger")
        if node is not None and node.value is not None:
            text = yamlsource.expect_str(node, problems, required_text="PostgreSQL 地址（postgresql://用户@主机:端口/数据库）")
            if text is not None:
                problem = url_problem(text.strip())
                if problem:
                    problems.add(node, f"“{_without_password(text.strip())}”不是可用的 PostgreSQL 地址：{problem}")
                else:
                    url, where = text.strip(), node.where
    problems.raise_if_any(f"工作区设置 {display or path} 有错误")
    return WorkspaceSettings(path, url, where)


def settings_text(url: str) -> str:
    """The workspace.yaml that init --ledger writes (commented, in Chinese, for its readers)."""
    return (
        "# 工作区设置（gdcomply）。修改后请运行 `gdcomply validate` 检查。\n"
        "#\n"
        "# ledger：共享台账（PostgreSQL）的地址，写成 postgresql://用户@主机:端口/数据库。\n"
        "# 不写时使用本工作区 data/ 中的 SQLite 台账。密码不要写在这里：请用环境变量 PGPASSWORD\n"
        "# 或密码文件 ~/.pgpass（Windows：%APPDATA%\\postgresql\\pgpass.conf）。\n"
        "# 命令行的 --ledger 和环境变量 GDCOMPLY_LEDGER 优先于这里的设置。\n"
        "version: 1\n"
        f"ledger: {url}\n"
    )


def choose(
    workspace: Workspace, option: str | None, environ: Mapping[str, str] | None = None
) -> LedgerLocation:
    """The ledger of this command (see the module docstring for the order)."""
    environ = os.environ if environ is None else environ
    if option is not None and option.strip():
        return LedgerLocation(POSTGRESQL, None, check_url(option, "--ledger"), "--ledger")
    from_env = environ.get(ENV_LEDGER, "").strip()
    if from_env:
        where = f"环境变量 {ENV_LEDGER}"
        return LedgerLocation(POSTGRESQL, None, check_url(from_env, where), where)
    if not workspace.is_bundled:
        settings = load_settings(settings_file(workspace), _display(workspace))
        if settings.ledger_url is not None:
            return LedgerLocation(POSTGRESQL, None, settings.ledger_url, settings.ledger_where)
    return LedgerLocation(SQLITE, workspace.ledger_file, None, "工作区默认")


def _display(workspace: Workspace) -> str:
    return f"{workspace.config_dir.name}/{SETTINGS_NAME}"
