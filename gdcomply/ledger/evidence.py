"""The evidence store: submitted files kept by their SHA-256, written atomically, never overwritten."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gdcomply.errors import InputError, os_reason
from gdcomply.safefiles import fsync_dir

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


DEFAULT_MAX_MB = 200  # per file: office documents and scanned PDFs fit; a disk image or /dev/zero does not
INCOMING_PREFIX = ".incoming-"


def check_readable(paths: list[Path], max_bytes: int = DEFAULT_MAX_MB << 20) -> None:
    """Fail before anything is stored: every file must be a readable, non-empty regular file
    of at most max_bytes (a device, a pipe or a 0-byte file is no evidence)."""
    problems = []
    for path in paths:
        problem = _unusable(path, max_bytes)
        if problem:
            problems.append(f"{path}：{problem}")
    if problems:
        raise InputError("以下佐证材料无法使用，未做任何记录：\n" + "\n".join(problems))


def _unusable(path: Path, max_bytes: int) -> str | None:
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:  # a GBK name from a Windows zip: the ledger could not record it
        return "文件名不是有效的 UTF-8 编码（常见于 Windows 压缩包中的 GBK 文件名），请先把文件改名"
    try:
        info = path.stat()
    except FileNotFoundError:
        return "文件不存在"
    except OSError as exc:
        return f"无法读取（{os_reason(exc)}）"
    if stat.S_ISDIR(info.st_mode):
        return "是目录，不是文件"
    if not stat.S_ISREG(info.st_mode):
        return f"不是普通文件（是{_kind(info.st_mode)}），请给出实际的报告或回执文件"
    if info.st_size == 0:
        return "是空文件（0 字节），请给出实际的报告或回执文件"
    if info.st_size > max_bytes:
        return (
            f"大小 {_megabytes(info.st_size)} 超过单个文件的上限 {_megabytes(max_bytes)}"
            f"（确属佐证材料时可用 --max-size-mb 调高上限）"
        )
    try:
        with _open_regular(path) as handle:
            handle.read(1)
    except OSError as exc:
        return f"无法读取（{os_reason(exc)}）"
    return None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "命名管道"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB" if size < 10 << 20 else f"{size >> 20} MB"


def _open_regular(path: Path) -> BinaryIO:
    """Open path for reading without ever blocking (a pipe swapped in after the check would
    hang an ordinary open) and refuse it unless it is a regular file."""
    # O_BINARY: on Windows an fd opened without it is in text mode, and reading it would turn
    # CRLF into LF (and stop at Ctrl-Z): the hash of an office's file would be wrong
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"不是普通文件（是{_kind(mode)}）")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def hash_file(source: Path, max_bytes: int = DEFAULT_MAX_MB << 20) -> StoredFile:
    """The SHA-256 and size of a regular file, read without blocking and within max_bytes
    (a file that grew past the limit after check_readable is refused, as put refuses it)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with _open_regular(source) as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(f"{source}：大小超过单个文件的上限 {_megabytes(max_bytes)}，未做任何记录")
                digest.update(chunk)
    except OSError as exc:
        raise InputError(f"无法读取 {source}：{os_reason(exc)}。未做任何记录") from None
    if size == 0:
        raise InputError(f"{source}：是空文件（0 字节），未做任何记录")
    return StoredFile(digest.hexdigest(), size, source.name)


class EvidenceStore:
    """Files under root/ab/<sha256>; a file is complete on disk before anything names it.

    The evidence of an SQLite ledger (gdcomply.ledger.store.Evidence); a PostgreSQL ledger
    keeps its evidence in the database instead (gdcomply.ledger.postgres.DatabaseEvidence).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def shown(self) -> str:
        """Where the evidence is, as messages name it."""
        return str(self.root)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def open(self, sha256: str) -> BinaryIO:
        """The stored file, to read (OSError when it is missing)."""
        return self.path_of(sha256).open("rb")

    def local_file(self, sha256: str) -> Path | None:
        """A file on this machine with the content (here: the stored file), or None if missing."""
        path = self.path_of(sha256)
        return path if path.is_file() else None

    def close(self) -> None:
        """Nothing to release: the store is a folder."""

    def put(self, source: Path, max_bytes: int = DEFAULT_MAX_MB << 20) -> tuple[StoredFile, bool]:
        """Copy source in (hashing as it goes); returns the file and whether it was new.

        The copy goes to a temporary file that is removed on any failure or interruption
        (Ctrl-C, SIGTERM); only SIGKILL can leave one, and ``verify`` lists it.
        """
        # The name is chosen before the file exists, so an interruption at any moment after
        # its creation finds it in the cleanup below (mkstemp would create, then return it).
        tmp = self.root / f"{INCOMING_PREFIX}{os.getpid()}-{os.urandom(6).hex()}"
        digest = hashlib.sha256()
        size = 0
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            out = open(tmp, "xb")  # with the user's umask, like the files they save
            with out, _open_regular(source) as handle:
                while chunk := handle.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:  # the file grew after the check
                        raise InputError(f"{source}：大小超过单个文件的上限 {_megabytes(max_bytes)}，未做任何记录")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise InputError(f"{source}：是空文件（0 字节），未做任何记录")
            sha = digest.hexdigest()
            final = self.path_of(sha)
            if final.exists():
                tmp.unlink()
                return StoredFile(sha, size, source.name), False
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            fsync_dir(final.parent)
            return StoredFile(sha, size, source.name), True
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InputError(f"无法把 {source} 存入佐证材料库 {self.root}：{os_reason(exc)}。未做任何记录") from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

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

    def stray_incoming(self) -> list[Path]:
        """Temporary files of copies that were killed (SIGKILL, power loss) before they ended."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.name.startswith(INCOMING_PREFIX))

    def stored_hashes(self) -> set[str]:
        if not self.root.is_dir():
            return set()
        return {p.name for p in self.root.glob("??/*") if len(p.name) == 64}
