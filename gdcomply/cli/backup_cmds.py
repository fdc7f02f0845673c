"""CLI commands: backup (the workspace's record in one zip) and restore (into a new folder)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gdcomply.cli.common import LedgerOption, WorkspaceOption, now, resolve_workspace


def backup_command(
    out: Annotated[Path, typer.Option("--out", metavar="文件", help="备份文件（.zip），如 /备份/获得电力-2026-11.zip。")],
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的备份文件。")] = False,
    workspace: WorkspaceOption = None,
    ledger_url: LedgerOption = None,
) -> None:
    """完整备份：台账（共享台账也一样）、它引用的全部佐证材料、config/ 和 templates/，附清单（每个文件的 SHA-256）。"""
    from gdcomply.errors import LedgerError, UsageError
    from gdcomply.ledger.backup import backup
    from gdcomply.ledger.location import choose
    from gdcomply.ledger.store import open_store

    ws = resolve_workspace(workspace)
    if ws.is_bundled:
        raise UsageError("未找到工作区：请在工作区目录中运行，或用 --workspace 指定")
    location = choose(ws, ledger_url)
    if not location.is_shared and not ws.ledger_file.exists():
        raise LedgerError(f"工作区 {ws.root} 没有台账（{ws.ledger_file}），没有可备份的记录")
    with open_store(location) as opened:
        summary = backup(ws, opened.ledger, opened.evidence, out, at=now(), force=force)
    shared = f"共享台账 {location.url}，" if location.is_shared else ""
    sys.stdout.write(
        f"已备份 {ws.root} 到 {out}：\n"
        f"  台账：{summary.submissions} 条报送记录（{shared}架构版本 {summary.schema_version}，从 {summary.tracking_since} 开始跟踪）\n"
        f"  佐证材料：{summary.evidence_files} 个文件；连同配置和模板共 {summary.members} 个文件，均记有 SHA-256\n"
        f"恢复：gdcomply restore {out} 新目录\n"
    )


def restore_command(
    archive: Annotated[Path, typer.Argument(metavar="备份文件", help="gdcomply backup 生成的备份文件（.zip）。")],
    directory: Annotated[Path, typer.Argument(metavar="目录", help="恢复到的目录（须为新目录或空目录）。")],
) -> None:
    """从备份恢复工作区到新目录：先完整校验（清单、大小、SHA-256、台账），全部无误才放到位。"""
    from gdcomply.ledger.backup import restore

    summary = restore(archive, directory)
    sys.stdout.write(
        f"已从 {archive} 恢复到 {directory}（备份于 {summary.created_at}）：\n"
        f"  台账：{summary.submissions} 条报送记录（从 {summary.tracking_since} 开始跟踪）\n"
        f"  佐证材料：{summary.evidence_files} 个文件；共 {summary.members} 个文件，SHA-256 全部核对无误\n"
        f"下一步：在该目录中运行“gdcomply verify”和“gdcomply check”核对；确认无误后再替换原工作区。\n"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
