"""gdcomply: deadline and compliance tracker for "获得电力" supervision reporting."""

from __future__ import annotations

__version__ = "0.1.0"
