"""Workspaces: a folder with the users' own config/ and templates/, and data/ (ledger, evidence).

A command finds its workspace from --workspace, else $GDCOMPLY_WORKSPACE, else the nearest
folder upward from the current one that holds config/deadlines.yaml; outside any, it uses
a default workspace in the user's data directory (created on first use by the commands
that record things; read-only commands fall back to the bundled config until then).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from gdcomply.errors import ConfigError, UsageError
from gdcomply.resources import bundled_config_dir, bundled_templates_dir

ENV_WORKSPACE = "GDCOMPLY_WORKSPACE"
ENV_DATA_HOME = "GDCOMPLY_HOME"  # where the default workspace lives (tests, servers)
MARKER = Path("config") / "deadlines.yaml"


@dataclass(frozen=True)
class Workspace:
    root: Path
    config_dir: Path
    templates_dir: Path
    is_default: bool = False
    is_bundled: bool = False  # no workspace: the read-only bundled config

    @classmethod
    def at(cls, root: Path, *, is_default: bool = False) -> Workspace:
        """The workspace whose folder is root (whether or not it exists yet)."""
        root = root.resolve()
        return cls(root, root / "config", root / "templates", is_default=is_default)

    @property
    def deadlines_file(self) -> Path:
        return self.config_dir / "deadlines.yaml"

    @property
    def holidays_file(self) -> Path:
        return self.config_dir / "holidays.yaml"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def ledger_file(self) -> Path:
        return self.data_dir / "ledger.sqlite3"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def protected(self) -> list[tuple[Path, str]]:
        """Where no output file may go (with what it is): the ledger and the evidence store."""
        return [(self.data_dir, f"工作区的数据目录 {self.data_dir}（台账和佐证材料库）")]

    def config_file(self, name: str) -> Path:
        """A file of the workspace's config/ (targets.yaml, reminders.yaml, …)."""
        return self.config_dir / name

    def template(self, name: str) -> Path:
        """The workspace's own template if it has one, else the bundled one."""
        own = self.templates_dir / name
        return own if own.exists() else bundled_templates_dir() / name


def default_workspace_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    home = env.get(ENV_DATA_HOME)
    if home:
        return Path(home) / "workspace"
    from platformdirs import user_data_dir

    return Path(user_data_dir("gdcomply", appauthor=False)) / "workspace"


def _at(root: Path, *, is_default: bool = False) -> Workspace:
    return Workspace.at(root, is_default=is_default)


def bundled_workspace() -> Workspace:
    """No workspace: the bundled config, read-only (for calendar and workdays questions)."""
    config = bundled_config_dir()
    return Workspace(config.parent, config, bundled_templates_dir(), is_bundled=True)


def find_workspace(
    explicit: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Workspace | None:
    """The workspace named or found; None when there is none (and no default one yet)."""
    env = os.environ if env is None else env
    if explicit is not None or env.get(ENV_WORKSPACE):
        named = explicit if explicit is not None else Path(env[ENV_WORKSPACE])
        how = "--workspace" if explicit is not None else f"环境变量 {ENV_WORKSPACE}"
        if not (named / MARKER).is_file():
            raise UsageError(
                f"{how} 指定的目录 {named} 不是 gdcomply 工作区（其中没有 {MARKER}）。"
                f"可运行“gdcomply init {named}”创建"
            )
        return _at(named)
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return _at(folder)
    default = default_workspace_dir(env)
    if (default / MARKER).is_file():
        return _at(default, is_default=True)
    return None


def init_workspace(root: Path, *, exist_ok: bool = False) -> Workspace:
    """Copy the bundled config/ and templates/ into root (never overwriting a user's file).

    data/ (the ledger and the evidence store) is made by the ledger's first opening, in one
    step (ledger.open_workspace_ledger): a data/ folder without a ledger means a lost ledger.
    """
    if (root / MARKER).exists() and not exist_ok:
        raise UsageError(f"{root} 已经是 gdcomply 工作区（{MARKER} 已存在），未做任何修改")
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} 已存在且不是目录")
    try:
        for source, target in ((bundled_config_dir(), root / "config"), (bundled_templates_dir(), root / "templates")):
            target.mkdir(parents=True, exist_ok=True)
            for item in sorted(source.rglob("*")):
                # Users get the files they edit, not the scripts that build them.
                if item.is_dir() or "__pycache__" in item.parts or item.suffix == ".py":
                    continue
                destination = target / item.relative_to(source)
                if destination.exists():
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(item, destination)
    except OSError as exc:
        raise ConfigError(f"无法在 {root} 创建工作区：{exc.strerror or exc}") from None
    return _at(root)
