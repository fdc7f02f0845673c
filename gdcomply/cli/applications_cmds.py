"""CLI commands: applications (registered on the root app by gdcomply.cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
