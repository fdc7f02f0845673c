"""China's days off and make-up workdays from the holidays package, cached on disk.

Loading the package's country module costs ~80 ms at every start, and importing the package
only to ask its version ~60 ms, so the table is cached per holidays version (in
$GDCOMPLY_CACHE_DIR or the platform's cache folder) and the version is read from the
package's dist-info folder's name. This is the only module that imports ``holidays``.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from gdcomply.workdays.model import RANGE_END, RANGE_START

_CACHE_FORMAT = 1


def cache_dir() -> Path | None:
    """gdcomply's cache folder: $GDCOMPLY_CACHE_DIR, else the platform's (None: none known)."""
    explicit = os.environ.get("GDCOMPLY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return None
    return Path(user_cache_dir("gdcomply", appauthor=False))


def _holidays_version() -> str:
    """The installed holidays package's version, read from its dist-info folder's name.

    Importing holidays only to ask its version costs ~60 ms (it reads its own metadata through
    importlib.metadata), more than everything else a cached start does; when the folder cannot
    be found unambiguously the package is imported after all.
    """
    from importlib.util import find_spec

    spec = find_spec("holidays")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if len(locations) == 1:
        site = Path(locations[0]).parent
        try:
            found = [
                entry.name[len("holidays-") : -len(".dist-info")]
                for entry in os.scandir(site)
                if entry.name.startswith("holidays-") and entry.name.endswith(".dist-info")
            ]
        except OSError:
            found = []
        if len(found) == 1:
            return found[0]
    import holidays

    return str(getattr(holidays, "__version__", "unknown"))


def package_holidays() -> tuple[dict[date, str], set[date]]:
    """China's days off and make-up workdays over the whole range, from the holidays package.

    Loading the package's country module costs ~80 ms at every start, so the result is
    cached on disk per holidays version; a missing or broken cache is simply rebuilt.
    """
    version = _holidays_version()
    folder = cache_dir()
    cache_file = folder / f"holidays-cn-{version}-f{_CACHE_FORMAT}.json" if folder else None
    if cache_file is not None:
        try:
            raw = json.loads(cache_file.read_text(encoding="utf-8"))
            days_off = {date.fromisoformat(k): v for k, v in raw["days_off"].items()}
            workdays = {date.fromisoformat(k) for k in raw["workdays"]}
            return days_off, workdays
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    import holidays

    cn = holidays.country_holidays(
        "CN", years=range(RANGE_START.year, RANGE_END.year + 1), language="zh_CN"
    )
    days_off = {d: str(name) for d, name in cn.items()}
    workdays = {d for d in getattr(cn, "weekend_workdays", set())}
    if cache_file is not None:
        payload = {
            "days_off": {d.isoformat(): n for d, n in sorted(days_off.items())},
            "workdays": sorted(d.isoformat() for d in workdays),
        }
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, cache_file)
        except OSError:
            pass  # a read-only home only costs the rebuild next time
    return days_off, workdays
