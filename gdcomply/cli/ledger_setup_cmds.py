"""CLI commands: ledger migrate (create or upgrade a ledger's schema), ledger copy (SQLite → PostgreSQL), and
ledger grant / revoke / roles (who may do what in a shared ledger)."""

from __future__ import annotations

import sys
from pathlib import Path
from datetime import date
from typing import Annotated, NoReturn, Optional

import typer

from gdcomply.cli.common import (
    LedgerOption, TableOrJson, WorkspaceOption, parse_date, resolve_workspace, shown_path, today,
)  # fmt: skip
from gdcomply.errors import UsageError

ledger_app = typer.Typer(
    help="台账的建立、迁移和权限：在 PostgreSQL 中创建或升级共享台账，把工作区的 SQLite 台账复制过去，给各办公室的数据库角色授权。",
    no_args_is_help=True,
)


@ledger_app.command("migrate")
def migrate_command(
    since: Annotated[
        Optional[str],
        typer.Option("--since", metavar="日期", help="新建台账时的跟踪起始日 YYYY-MM-DD：此前到期的事项显示为“未跟踪”（默认：今天）。"),
    ] = None,
    ledger_url: LedgerOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """创建或升级台账的架构：在空的 PostgreSQL 数据库中建立共享台账，或把旧版本的架构升级到本程序的版本（由数据库所有者运行）。"""
    import os

    from gdcomply.ledger.location import ENV_LEDGER, choose
    from gdcomply.workspace import bundled_workspace

    tracking_since = parse_date(since, "--since") if since else None
    named = ledger_url is not None or bool(os.environ.get(ENV_LEDGER, "").strip())
    # a shared ledger named outright needs no workspace (the database owner may have none)
    ws = bundled_workspace() if named and workspace is None else resolve_workspace(workspace)
    location = choose(ws, ledger_url)
    if location.is_shared:
        from gdcomply.ledger import postgres

        assert location.url is not None
        done = postgres.Ledger.migrate(location.url, tracking_since=tracking_since, today=today())
        url, start = location.url, done.tracking_since.isoformat()
        if done.before == 0:
            sys.stdout.write(
                f"已在共享台账 {url} 中建立台账（架构版本 {done.after}），从 {start} 开始跟踪。\n"
                f"各办公室的工作区用“gdcomply init 目录 --ledger {url}”接入；"
                f"要迁入现有的 SQLite 台账，改用“gdcomply ledger copy --to {url}”。\n"
            )
        elif done.before < done.after:
            sys.stdout.write(f"已把共享台账 {url} 的架构从版本 {done.before} 升级到 {done.after}（从 {start} 开始跟踪，不变）。\n")
        else:
            sys.stdout.write(f"共享台账 {url} 的架构已是版本 {done.after}，无需升级（从 {start} 开始跟踪）。\n")
        return
    if ws.is_bundled:
        raise UsageError("未找到工作区：请在工作区目录中运行，或用 --workspace 指定；共享台账请用 --ledger 给出地址")
    from gdcomply.ledger import sqlite

    before = sqlite.file_schema_version(ws.ledger_file)
    held = sqlite.file_tracking_since(ws.ledger_file)
    if tracking_since is not None and held is not None and held != tracking_since:
        _refuse_since(ws.ledger_file, held)  # before opening: that would bring the schema forward
    ledger, created = sqlite.open_workspace_ledger(  # an older schema is brought forward on opening
        ws.ledger_file, create_since=tracking_since or today(), subdirs=(ws.evidence_dir.name,)
    )
    with ledger:
        start, version = ledger.tracking_since, ledger.schema_version
    if tracking_since is not None and tracking_since != start:
        _refuse_since(ws.ledger_file, start)
    shown = shown_path(ws.ledger_file)
    if created:
        sys.stdout.write(f"已建立台账 {shown}（架构版本 {version}），从 {start.isoformat()} 开始跟踪。\n")
    elif before < version:
        sys.stdout.write(f"已把台账 {shown} 的架构从版本 {before} 升级到 {version}（从 {start.isoformat()} 开始跟踪，不变）。\n")
    else:
        sys.stdout.write(f"台账 {shown} 的架构已是版本 {version}，无需升级（从 {start.isoformat()} 开始跟踪）。\n")


def _refuse_since(ledger_file: Path, start: date) -> NoReturn:
    raise UsageError(
        f"台账 {ledger_file} 已从 {start.isoformat()} 开始跟踪；migrate 不会修改已有台账的跟踪起始日，"
        f"未做任何修改。请去掉 --since 后重新运行"
    )


@ledger_app.command("copy")
def copy_command(
    to: Annotated[str, typer.Option("--to", metavar="地址", help="目标：空的 PostgreSQL 数据库，postgresql://用户@主机:端口/数据库（密码不要写在地址中）。")],
    workspace: WorkspaceOption = None,
) -> None:
    """把工作区的 SQLite 台账（报送记录、撤回、审计日志、已发提醒和全部佐证材料）复制到空的 PostgreSQL 数据库，核对条数和 SHA-256 后才算完成。"""
    from gdcomply.ledger.location import check_url
    from gdcomply.ledger.transfer import copy_to_postgres

    url = check_url(to, "--to")
    ws = resolve_workspace(workspace)
    if ws.is_bundled:
        raise UsageError("未找到工作区：请在要迁移的工作区中运行，或用 --workspace 指定")
    copied = copy_to_postgres(ws.ledger_file, ws.evidence_dir, url, today=today())
    counts = copied.counts
    replaced = (
        f"（取代了目标数据库迁移时设的 {copied.replaced_since.isoformat()}：跟踪起始日随原台账）"
        if copied.replaced_since is not None
        else ""
    )
    sys.stdout.write(
        f"已把台账 {shown_path(copied.source)} 复制到共享台账 {url}：\n"
        f"  报送记录 {counts['submissions']} 条（编号不变）、文件 {counts['files']} 条、审计日志 {counts['audit']} 条、"
        f"已发提醒 {counts['reminders']} 条，从 {copied.tracking_since.isoformat()} 开始跟踪{replaced}\n"
        f"  佐证材料 {counts['evidence']} 个，数据库已逐一核对 SHA-256；两边导出的内容完全一致\n"
        f"下一步：在 config/workspace.yaml 中写上“ledger: {url}”（或在命令中加 --ledger，或设置环境变量 GDCOMPLY_LEDGER），"
        f"各命令即使用共享台账；原 SQLite 台账没有改动，可留作存档。\n"
    )


# -- rights in a shared ledger ------------------------------------------------------------------


def _shared_ledger(ledger_url: str | None, workspace: Path | None, doing: str):
    """The workspace (its calendar names the parties) and the open shared ledger it names."""
    import os

    from gdcomply.ledger.location import ENV_LEDGER, choose
    from gdcomply.setup import load_setup
    from gdcomply.workspace import bundled_workspace

    named = ledger_url is not None or bool(os.environ.get(ENV_LEDGER, "").strip())
    ws = bundled_workspace() if named and workspace is None else resolve_workspace(workspace)
    location = choose(ws, ledger_url)
    if not location.is_shared:
        raise UsageError(
            f"{doing}只适用于 PostgreSQL 共享台账：本工作区用的是 SQLite 台账 {shown_path(ws.ledger_file)}"
            f"（能写这个文件的人都能登记）。请用 --ledger 指定共享台账的地址"
        )
    from gdcomply.ledger import postgres

    assert location.url is not None
    return load_setup(ws, None), postgres.Ledger.connect(location.url)


@ledger_app.command("grant")
def grant_command(
    role: Annotated[str, typer.Argument(metavar="角色", help="数据库角色名（管理员事先创建：一个办公室的组角色，或一个人的登录用户）。")],
    party: Annotated[
        Optional[str],
        typer.Option("--party", metavar="单位", help="代表哪个单位登记报送：guiyuan、gongdian，或 company（营销部，可为各单位登记）。"),
    ] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="只读：可查看、检查、生成材料，不能登记。")] = False,
    reminders: Annotated[bool, typer.Option("--reminders", help="提醒任务（cron）：可查看，可记录已发送的提醒，不能登记。")] = False,
    ledger_url: LedgerOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """给一个数据库角色授权：代表某个单位登记报送（--party），只读（--read-only），或发送提醒（--reminders）。由台账所有者运行；再次授权即替换原有权限。"""
    from gdcomply.ledger import pg_rights

    if sum((party is not None, read_only, reminders)) != 1:
        raise UsageError("请在 --party 单位、--read-only、--reminders 中选择一个且只选一个")
    setup, ledger = _shared_ledger(ledger_url, workspace, "ledger grant")
    names = setup.calendar.party_names()
    with ledger:
        if party is not None:
            party_id = setup.calendar.resolve_party(party)  # an id, a name or an alias: 桂源公司 works too
            if party_id is None or party_id == "bureau":
                choices = "、".join(f"{p}（{n}）" for p, n in names.items() if p != "bureau")
                raise UsageError(f"--party {party}：不是日历中报送材料的单位。可选：{choices}")
            party = party_id
        kind = "party" if party is not None else "read-only" if read_only else "reminders"
        before = pg_rights.grant(ledger, role, kind, party)
    now_is = pg_rights.describe(kind, party, names)
    was = f"（原为：{pg_rights.describe(before[0], before[1], names)}）" if before else ""
    sys.stdout.write(
        f"已授权：数据库角色 {role} {now_is}{was}。可做的事：{pg_rights.can_do(kind, party, names)}。\n"
        f"该角色的成员（GRANT {role} TO 某人）也一样；授权已记入审计日志。\n"
    )


@ledger_app.command("revoke")
def revoke_command(
    role: Annotated[str, typer.Argument(metavar="角色", help="要撤销授权的数据库角色名。")],
    ledger_url: LedgerOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """撤销一个数据库角色在共享台账中的全部权限（它登记过的记录不受影响）。由台账所有者运行。"""
    from gdcomply.ledger import pg_rights

    setup, ledger = _shared_ledger(ledger_url, workspace, "ledger revoke")
    with ledger:
        kind, party = pg_rights.revoke(ledger, role)
    was = pg_rights.describe(kind, party, setup.calendar.party_names())
    sys.stdout.write(f"已撤销数据库角色 {role} 的授权（原为：{was}）；它登记过的记录不变。撤销已记入审计日志。\n")


@ledger_app.command("roles")
def roles_command(
    output_format: Annotated[TableOrJson, typer.Option("--format", help="输出格式。")] = TableOrJson.table,
    ledger_url: LedgerOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """列出共享台账中谁能做什么：台账所有者和每个已授权的数据库角色、它的成员，以及可做的事。"""
    from gdcomply.cli.common import console, write_json
    from gdcomply.ledger import pg_rights

    setup, ledger = _shared_ledger(ledger_url, workspace, "ledger roles")
    names = setup.calendar.party_names()
    with ledger:
        listed = pg_rights.roles(ledger)
        url = ledger.url
    if output_format is TableOrJson.json:
        write_json(
            {
                "ledger": url,
                "roles": [
                    {"role": r.role, "kind": r.kind, "party": r.party, "can_login": r.can_login,
                     "members": list(r.members), "may": pg_rights.can_do(r.kind, r.party, names),
                     "granted_at": r.granted_at or None, "granted_by": r.granted_by or None}  # fmt: skip
                    for r in listed
                ],
            }
        )
        return
    from rich.table import Table

    table = Table(title=f"共享台账 {url} 的权限（{len(listed)} 个角色）")
    for header in ("角色", "身份", "可做的事", "成员", "授权"):
        table.add_column(header)
    for r in listed:
        granted = f"{r.granted_at}，{r.granted_by}" if r.granted_at else ""
        members = "、".join(r.members) or ("（本身可登录）" if r.can_login else "（无）")
        table.add_row(r.role, pg_rights.describe(r.kind, r.party, names), pg_rights.can_do(r.kind, r.party, names), members, granted)
    console().print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(ledger_app, name="ledger")
