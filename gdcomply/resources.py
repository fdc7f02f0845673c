"""Where the bundled config/ and templates/ are: package data when installed, the repo otherwise."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    installed = _PACKAGE_DIR / "_bundled" / name  # wheel: copied there by the build
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name  # source checkout or editable install


def bundled_config_dir() -> Path:
    return _bundled("config")


def bundled_templates_dir() -> Path:
    return _bundled("templates")
