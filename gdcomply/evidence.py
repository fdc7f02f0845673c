"""The evidence store: submitted files kept by their SHA-256, written atomically, never overwritten."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gdcomply.errors import InputError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    original_name: str


@dataclass(frozen=True)
class EvidenceProblem:
    sha256: str
    kind: str  # "missing" | "altered"
    detail: str


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_readable(paths: list[Path]) -> None:
    """Fail before anything is stored: every file must exist and be readable."""
    problems = []
    for path in paths:
        if not path.exists():
            problems.append(f"{path}：文件不存在")
        elif path.is_dir():
            problems.append(f"{path}：是目录，不是文件")
        else:
            try:
                with path.open("rb") as handle:
                    handle.read(1)
            except OSError as exc:
                problems.append(f"{path}：无法读取（{exc.strerror or exc}）")
    if problems:
        raise InputError("以下佐证材料无法使用，未做任何记录：\n" + "\n".join(problems))


class EvidenceStore:
    """Files under root/ab/<sha256>; a file is complete on disk before anything names it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, source: Path) -> tuple[StoredFile, bool]:
        """Copy source in (hashing as it goes); returns the file and whether it was new."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path_of(sha)
            if final.exists():
                tmp.unlink()
                return StoredFile(sha, size, source.name), False
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
            return StoredFile(sha, size, source.name), True
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InputError(f"无法把 {source} 存入佐证材料库：{exc.strerror or exc}") from None

    def verify(self, expected: dict[str, int]) -> list[EvidenceProblem]:
        problems = []
        for sha, size in sorted(expected.items()):
            path = self.path_of(sha)
            if not path.is_file():
                problems.append(EvidenceProblem(sha, "missing", str(path)))
                continue
            actual, actual_size = sha256_of(path)
            if actual != sha or actual_size != size:
                problems.append(EvidenceProblem(sha, "altered", str(path)))
        return problems

    def stored_hashes(self) -> set[str]:
        if not self.root.is_dir():
            return set()
        return {p.name for p in self.root.glob("??/*") if len(p.name) == 64}


def _fsync_dir(path: Path) -> None:
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
