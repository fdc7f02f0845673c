"""Backup and restore of a workspace: one zip with everything its record depends on.

A backup holds the ledger as an SQLite file (a consistent copy taken while others may write:
SQLite's online backup API, or one snapshot of a PostgreSQL ledger written out as an SQLite
ledger with the same rows and ids), every evidence file that copy names (from the evidence
folder or the database), the workspace's config/ and templates/ (statuses depend on that
calendar; config/workspace.yaml, which says where the ledger lives, is not part of the record
and is left out), and manifest.json with the SHA-256 and size of every member, the schema
version and the counts. The format is the same whichever store was backed up, so a backup
restores into either: restore gives a workspace with an SQLite ledger, and ``gdcomply ledger
copy`` moves that into an empty PostgreSQL database.

Restore checks the archive completely — names, sizes, hashes, the ledger copy itself — in a
staging folder beside the target, and only then renames it into place: a refused restore
changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable

from gdcomply import __version__
from gdcomply.errors import InputError, LedgerError, UsageError, os_reason
from gdcomply.ledger.location import SETTINGS_NAME
from gdcomply.ledger.sqlite import SCHEMA_VERSION, Ledger
from gdcomply.ledger.store import Evidence
from gdcomply.ledger.store import Ledger as LedgerStore
from gdcomply.safefiles import atomic_output, check_target, fsync_dir, hidden_dir
from gdcomply.workspace import Workspace

FORMAT = "gdcomply-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
LEDGER_MEMBER = "data/ledger.sqlite3"
_CHUNK = 1 << 20
_MANIFEST_MAX = 64 << 20  # a manifest of a million members is well under this
# Members a backup may hold: the ledger, evidence files by hash, and the two settings folders.
_MEMBER = re.compile(r"data/ledger\.sqlite3|data/evidence/[0-9a-f]{2}/[0-9a-f]{64}|(config|templates)/[^\x00]+")
# Evidence (office documents, PDFs, scans) is mostly compressed already: stored as it is.
_STORED_PREFIX = "data/evidence/"


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (also what restore found in one)."""

    path: Path
    created_at: str
    schema_version: int
    tracking_since: str
    submissions: int
    evidence_files: int
    members: int
    size: int  # bytes of the archive, or of the members restored


def backup(
    workspace: Workspace, live: LedgerStore, store: Evidence, out: Path, *, at: datetime, force: bool = False
) -> BackupSummary:
    """Write the backup of the workspace and its ledger (live, with its evidence store) to out
    (a .zip), whole or not at all."""
    check_target(out, force=force, protected=workspace.protected)
    scratch = _scratch_dir(out.parent, ".gdcomply-backup-")
    try:
        snapshot = scratch / "ledger.sqlite3"
        live.backup_to(snapshot)
        with Ledger.open(snapshot) as copy:
            damaged = copy.problems()
            if damaged:
                raise LedgerError(
                    f"台账 {live.shown} 有损坏的记录，备份未生成（首个问题：{damaged[0]}）。请先运行“gdcomply verify”"
                )
            evidence = copy.evidence_sizes()
            summary = {
                "schema_version": copy.schema_version,
                "tracking_since": copy.tracking_since.isoformat(),
                "submissions": copy.submission_count(),
                "evidence_files": len(evidence),
            }
        members: dict[str, dict[str, object]] = {}
        stamp = at.replace(tzinfo=None).timetuple()[:6]
        with atomic_output(out, "wb") as handle, zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
            members[LEDGER_MEMBER] = _add(archive, LEDGER_MEMBER, snapshot, stamp)
            for sha, size in sorted(evidence.items()):
                name = f"data/evidence/{sha[:2]}/{sha}"
                members[name] = _add(archive, name, f"佐证材料 {sha}（{store.shown}）", stamp, lambda: store.open(sha))
                if members[name] != {"sha256": sha, "size": size}:
                    raise InputError(
                        f"佐证材料 {sha}（{store.shown}）的内容已被改动，备份未生成。请先运行“gdcomply verify”"
                    )
            for folder in (workspace.config_dir, workspace.templates_dir):
                for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                    if path == workspace.config_dir / SETTINGS_NAME:
                        continue  # where the ledger lives: a restored copy must not point at the live one
                    name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
                    members[name] = _add(archive, name, path, stamp)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "gdcomply_version": __version__,
                "created_at": at.isoformat(timespec="seconds"),
                **summary,
                "members": members,
            }
            info = zipfile.ZipInfo(MANIFEST, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return BackupSummary(
        out, manifest["created_at"], summary["schema_version"], summary["tracking_since"],
        summary["submissions"], summary["evidence_files"], len(members), out.stat().st_size,
    )  # fmt: skip


def _add(
    archive: zipfile.ZipFile, name: str, source: Path | str, stamp: tuple, opener: Callable[[], BinaryIO] | None = None
) -> dict[str, object]:
    """Stream source (a file, or what opener opens) into the archive as name; its SHA-256 and
    size as read."""
    info = zipfile.ZipInfo(name, stamp)
    info.compress_type = zipfile.ZIP_STORED if name.startswith(_STORED_PREFIX) else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    try:
        handle = opener() if opener is not None else Path(source).open("rb")
    except FileNotFoundError:
        raise InputError(f"{source} 缺失，备份未生成。请先运行“gdcomply verify”") from None
    except OSError as exc:
        raise InputError(f"无法读取 {source}：{os_reason(exc)}，备份未生成") from None
    digest = hashlib.sha256()
    size = 0
    with handle, archive.open(info, "w", force_zip64=True) as member:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            member.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def restore(archive_path: Path, target: Path) -> BackupSummary:
    """Restore a backup into target (new or empty): checked completely, then moved into place."""
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} 已存在且不是目录，请给出一个新的或空的目录")
    if target.is_dir() and any(target.iterdir()):
        raise UsageError(f"{target} 不是空目录，未做任何修改。请恢复到一个新的或空的目录，核对后再替换原工作区")
    if not target.parent.is_dir():
        raise UsageError(f"{target} 所在的目录 {target.parent} 不存在，请先创建该目录")
    try:
        archive = zipfile.ZipFile(archive_path)
    except FileNotFoundError:
        raise UsageError(f"备份文件 {archive_path} 不存在") from None
    except IsADirectoryError:
        raise UsageError(f"{archive_path} 是目录，不是备份文件") from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{archive_path} 不是有效的 zip 文件（可能已损坏或不完整：{_plain(exc)}），未做任何修改") from None
    with archive:
        manifest = _read_manifest(archive, archive_path)
        members: dict[str, dict] = manifest["members"]
        _check_entries(archive, archive_path, members)
        staging = _scratch_dir(target.parent, f".{target.name}.restore-")
        try:
            restored = 0
            for name, expected in members.items():
                restored += _extract(archive, archive_path, name, expected, staging)
            summary = _check_ledger(archive_path, staging, manifest, restored)
            if target.is_dir():
                target.rmdir()  # empty, checked above
            os.rename(staging, target)
        except OSError as exc:
            raise InputError(f"无法恢复到 {target}：{os_reason(exc)}，未做任何修改") from None
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    fsync_dir(target.parent)
    return summary


def _read_manifest(archive: zipfile.ZipFile, archive_path: Path) -> dict:
    def refuse(why: str) -> InputError:
        return InputError(f"{archive_path} 不是 gdcomply 备份（{why}），未做任何修改")

    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise refuse(f"其中没有 {MANIFEST}") from None
    if info.file_size > _MANIFEST_MAX:
        raise refuse(f"{MANIFEST} 大得不正常")
    try:
        manifest = json.loads(_read_capped(archive, info, _MANIFEST_MAX))
    except (ValueError, zipfile.BadZipFile, OSError, zlib.error) as exc:  # zlib: a damaged deflate stream
        raise InputError(f"{archive_path} 中的 {MANIFEST} 已损坏（{_plain(exc)}），未做任何修改") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise refuse(f"{MANIFEST} 不是 gdcomply 备份的清单")
    version = manifest.get("format_version")
    schema = manifest.get("schema_version")
    if not isinstance(version, int) or not isinstance(schema, int) or not isinstance(manifest.get("members"), dict):
        raise refuse(f"{MANIFEST} 缺少版本或文件清单")
    if version > FORMAT_VERSION or schema > SCHEMA_VERSION:
        raise InputError(
            f"{archive_path} 由更新版本的 gdcomply 生成（备份格式 {version}、台账架构版本 {schema}；"
            f"本程序最高支持 {FORMAT_VERSION}、{SCHEMA_VERSION}）。请升级 gdcomply 后再恢复，未做任何修改"
        )
    for name, entry in manifest["members"].items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("size"), int)
            and entry["size"] >= 0
            and isinstance(entry.get("sha256"), str)
            and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        ):
            raise refuse(f"清单中 {name} 的大小或 SHA-256 无效")
    if LEDGER_MEMBER not in manifest["members"]:
        raise refuse(f"清单中没有台账 {LEDGER_MEMBER}")
    return manifest


def _safe_name(name: str) -> bool:
    """A relative POSIX path inside the archive: no absolute path, drive, '..', backslash."""
    path = PurePosixPath(name)
    return bool(
        name
        and not name.startswith("/")
        and "\\" not in name
        and ":" not in path.parts[0]
        and all(part not in ("", ".", "..") for part in name.split("/"))
        and _MEMBER.fullmatch(name)
    )


def _check_entries(archive: zipfile.ZipFile, archive_path: Path, members: dict[str, dict]) -> None:
    """Every entry is a member the manifest names, once, with a safe name and the stated size."""
    seen: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        if name == MANIFEST:
            continue
        if not _safe_name(name):
            raise InputError(f"{archive_path} 中有不安全或不属于备份的路径“{name}”，拒绝恢复，未做任何修改")
        if name in seen:
            raise InputError(f"{archive_path} 中“{name}”出现了不止一次，拒绝恢复，未做任何修改")
        seen.add(name)
        expected = members.get(name)
        if expected is None:
            raise InputError(f"{archive_path} 中的“{name}”不在清单中，拒绝恢复，未做任何修改")
        if info.file_size != expected["size"]:
            raise InputError(
                f"{archive_path} 中“{name}”的大小（{info.file_size} 字节）与清单（{expected['size']} 字节）不符，"
                f"备份已损坏或被改动，未做任何修改"
            )
    for name in members:
        if not _safe_name(name):
            raise InputError(f"{archive_path} 的清单中有不安全或不属于备份的路径“{name}”，拒绝恢复，未做任何修改")
        if name not in seen:
            raise InputError(f"{archive_path} 缺少清单中的“{name}”，备份不完整，未做任何修改")


def _extract(archive: zipfile.ZipFile, archive_path: Path, name: str, expected: dict, staging: Path) -> int:
    """Write one member under staging, reading at most its stated size, and check its hash."""
    destination = staging / name
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    limit = expected["size"]
    try:
        with archive.open(name) as member, destination.open("wb") as out:
            while chunk := member.read(min(_CHUNK, limit - size + 1)):
                size += len(chunk)
                if size > limit:
                    raise InputError(f"{archive_path} 中“{name}”比清单所写的大，备份已损坏或被改动，未做任何修改")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise InputError(f"{archive_path} 中“{name}”无法读出（{_plain(exc)}），备份已损坏，未做任何修改") from None
    if size != limit or digest.hexdigest() != expected["sha256"]:
        raise InputError(f"{archive_path} 中“{name}”的内容与清单的 SHA-256 不符，备份已损坏或被改动，未做任何修改")
    return size


def _check_ledger(archive_path: Path, staging: Path, manifest: dict, restored: int) -> BackupSummary:
    """The restored ledger opens, is intact, and names only evidence files that came with it."""
    ledger_file = staging / LEDGER_MEMBER
    try:
        with Ledger.open(ledger_file) as ledger:
            damaged = ledger.problems()
            evidence = ledger.evidence_sizes()
            count = ledger.submission_count()
            schema = ledger.schema_version
            since = ledger.tracking_since.isoformat()
    except LedgerError as exc:
        raise InputError(f"{archive_path} 中的台账无法使用：{exc}") from None
    if damaged:
        raise InputError(f"{archive_path} 中的台账有损坏的记录（{damaged[0]}），未做任何修改")
    missing = [sha for sha, size in evidence.items() if manifest["members"].get(f"data/evidence/{sha[:2]}/{sha}", {}).get("size") != size]
    if missing:
        raise InputError(f"{archive_path} 缺少台账所引用的佐证材料 {missing[0]} 等 {len(missing)} 个文件，未做任何修改")
    for folder in ("data/evidence", "config", "templates"):
        (staging / folder).mkdir(parents=True, exist_ok=True)
    return BackupSummary(
        archive_path, str(manifest.get("created_at", "")), schema, since, count, len(evidence),
        len(manifest["members"]), restored,
    )  # fmt: skip


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ValueError("too large")
    return data


def _scratch_dir(parent: Path, prefix: str) -> Path:
    try:
        return hidden_dir(parent, prefix)
    except OSError as exc:
        raise UsageError(f"无法在 {parent} 中写入：{os_reason(exc)}，未做任何修改") from None


def _plain(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
