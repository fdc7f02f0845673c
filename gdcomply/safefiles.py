"""Writing output files safely: never over what must be kept, whole or not at all.

Used for every file gdcomply writes outside the ledger and the evidence store (exports,
backups): the target is checked first, the bytes go to a temporary file beside it, and a
rename puts them in place, so a failure or a kill leaves the old file (or none) and no
temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator

from gdcomply.errors import UsageError, os_reason


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in path durable (best effort: some systems refuse)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_target(path: Path, *, force: bool, protected: Iterable[tuple[Path, str]] = (), option: str = "--out") -> None:
    """Refuse an output path that is a folder, has no parent folder, lies on or inside a
    protected path (the ledger, the evidence store), or exists (unless force)."""
    check_not_protected(path, protected, option)
    if path.is_dir():
        raise UsageError(f"{option} {path} 是已存在的目录，请给出文件名（如 {path / '台账备份.json'}）")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {path} 所在的目录 {path.parent} 不存在，请先创建该目录")
    if path.exists() and not force:
        raise UsageError(f"{path} 已存在，未做任何修改。如确实要覆盖它，请加 --force")


def check_not_protected(path: Path, protected: Iterable[tuple[Path, str]], option: str = "--out") -> None:
    """Refuse a path on or inside one of the protected paths (each with what it is)."""
    resolved = path.resolve()
    for keep, what in protected:
        keep = keep.resolve()
        if resolved == keep or keep in resolved.parents:
            raise UsageError(f"{option} {path} 指向{what}，不能写在那里。请另选一个位置（如工作区之外的备份目录）")


@contextmanager
def atomic_output(path: Path, mode: str = "wb") -> Iterator[IO]:
    """A temporary file beside path, renamed onto it when the block ends without error."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"无法写入 {path}：{os_reason(exc)}") from None
    tmp = Path(tmp_name)
    try:
        text = "b" not in mode  # text is written as given: UTF-8, no newline translation
        with os.fdopen(fd, mode, encoding="utf-8" if text else None, newline="" if text else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"无法写入 {path}：{os_reason(exc)}，未做任何修改") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def hidden_dir(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder in parent (with the user's umask), for building something
    that one rename then puts in place: beside its target, so the rename is atomic."""
    folder = parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}"
    folder.mkdir()
    return folder
