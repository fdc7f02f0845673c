"""CLI commands: init, info, submit, withdraw, log, export, verify and check (the weekly check)."""

from __future__ import annotations

import os
import re
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, Sequence

import typer

from gdcomply.cli.common import (
    AsOfOption,
    ConfigOption,
    ForceOption,
    HtmlOutOption,
    LedgerOption,
    StrictOption,
    TableJsonOrHtml,
    TableOrJson,
    WorkspaceOption,
    as_of_or_today,
    check_html_out,
    console,
    now,
    parse_date,
    print_warnings,
    resolve_party,
    resolve_workspace,
    today,
    write_json,
    write_page,
)
from gdcomply.errors import UsageError
from gdcomply.ledger.evidence import DEFAULT_MAX_MB

if TYPE_CHECKING:
    from datetime import date

    from gdcomply.complaints.deadlines import ComplaintStatus
    from gdcomply.errors import LedgerError
    from gdcomply.ledger.location import LedgerLocation
    from gdcomply.ledger.store import Ledger, Opened
    from gdcomply.setup import Setup
    from gdcomply.tracking import CheckReport
    from gdcomply.workspace import Workspace


def os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def open_ledger(workspace: Workspace, option: str | None) -> Opened:
    """The ledger of this command, with its evidence: --ledger, else $GDCOMPLY_LEDGER, else the
    workspace's config/workspace.yaml, else its SQLite file (gdcomply.ledger.location).

    The SQLite file is made on first use (tracking from today) with a one-line notice, and
    only in a workspace that never had one (no data/ folder): a missing ledger beside its data
    folder is an error, never silently replaced by an empty one. A PostgreSQL ledger is never
    made here (``gdcomply ledger migrate``).
    """
    from gdcomply.ledger.location import choose
    from gdcomply.ledger.store import open_store

    since = today()
    opened = open_store(choose(workspace, option), create_since=since)
    if opened.created:
        sys.stderr.write(f"提示：已创建台账 {workspace.ledger_file}，从 {since.isoformat()} 开始跟踪。\n")
    return opened


def open_for_ledger(
    workspace_option: Path | None, config: Path | None, strict: bool = False, ledger_option: str | None = None
) -> tuple[Setup, Opened]:
    from gdcomply.ledger.location import check_url
    from gdcomply.setup import load_setup

    if ledger_option is not None:
        check_url(ledger_option, "--ledger")  # refused before anything (a default workspace) is made
    workspace = resolve_workspace(workspace_option, create_default=True)
    setup = load_setup(workspace, config, strict=strict)
    return setup, open_ledger(workspace, ledger_option)


# -- init / info ----------------------------------------------------------------------------


def init_command(
    directory: Annotated[Path, typer.Argument(help="工作区目录（默认：当前目录）。", file_okay=False)] = Path("."),
    since: Annotated[
        Optional[str], typer.Option("--since", metavar="日期", help="跟踪起始日 YYYY-MM-DD：此前到期的事项显示为“未跟踪”（默认：今天）。")
    ] = None,
    ledger_url: Annotated[
        Optional[str],
        typer.Option(
            "--ledger",
            metavar="地址",
            help="使用共享台账（PostgreSQL）：postgresql://用户@主机:端口/数据库，记入 config/workspace.yaml"
            "（密码不要写在地址中）；此时不建立本地台账，跟踪起始日由 gdcomply ledger migrate --since 设置。",
        ),
    ] = None,
) -> None:
    """创建工作区：复制默认的日历配置和模板，建立报送台账和佐证材料库（或记下要使用的共享台账）。"""
    from gdcomply.ledger import sqlite as ledger_module
    from gdcomply.workspace import MARKER, Workspace, init_workspace

    from gdcomply.ledger.location import ENV_LEDGER

    if ledger_url is not None:
        _init_shared(directory, since, ledger_url, where="--ledger")
        return
    if from_env := os.environ.get(ENV_LEDGER, "").strip():
        # The commands of this workspace will use the shared ledger the environment names, so
        # a local SQLite ledger made now would only mislead; the choice stays the environment's
        # (not written into the workspace: unset it, and the first recording command makes the
        # SQLite ledger, as in any workspace that never had one).
        _init_shared(directory, since, from_env, where=f"环境变量 {ENV_LEDGER}")
        return
    tracking_since = parse_date(since, "--since") if since else today()
    ledger_file = Workspace.at(directory).ledger_file
    if not (directory / MARKER).exists() and ledger_file.parent.exists():
        # A ledger is already there (or lost: then this raises, before anything is copied):
        # init completes the workspace around it but never changes its tracking start (that
        # would turn overdue items into 未跟踪 without a trace).
        existing, _ = ledger_module.open_workspace_ledger(ledger_file)
        with existing:
            current = existing.tracking_since
        if since and tracking_since != current:
            raise UsageError(
                f"{directory} 已有台账，从 {current.isoformat()} 开始跟踪；init 不会修改已有台账的跟踪起始日，"
                f"未做任何修改。如确需从 {tracking_since.isoformat()} 开始跟踪，请另建一个工作区"
            )
    workspace = init_workspace(directory)
    ledger, _ = ledger_module.open_workspace_ledger(
        workspace.ledger_file, create_since=tracking_since, subdirs=(workspace.evidence_dir.name,)
    )
    with ledger:
        tracking_since = ledger.tracking_since
    # Paths as the user named the folder (relative stays relative: shorter, and the same on
    # every machine); "init" without a folder names the absolute path of the current one.
    shown = workspace.root if directory == Path(".") else directory

    def named(path: Path) -> Path:
        return shown / path.relative_to(workspace.root)

    next_step = "在该目录中运行“gdcomply check”" if shown == workspace.root else f"cd {_shell_word(str(shown))}，然后运行“gdcomply check”"
    sys.stdout.write(
        f"已创建工作区 {shown}\n"
        f"  配置：{named(workspace.config_dir)}（期限日历 deadlines.yaml，可按需修改）\n"
        f"  模板：{named(workspace.templates_dir)}\n"
        f"  台账：{named(workspace.ledger_file)}（从 {tracking_since.isoformat()} 开始跟踪）\n"
        f"下一步：{next_step}查看报送情况。\n"
    )


def _init_shared(directory: Path, since: str | None, ledger_url: str, where: str) -> None:
    """init --ledger: a workspace whose config/workspace.yaml names a shared ledger (no data/);
    with the URL from $GDCOMPLY_LEDGER instead (``where``), the same workspace without that file."""
    from gdcomply.ledger import postgres
    from gdcomply.ledger.location import check_url, settings_file, settings_text
    from gdcomply.safefiles import atomic_output
    from gdcomply.workspace import MARKER, init_workspace

    if since is not None:
        raise UsageError(
            "共享台账的跟踪起始日属于台账本身：由数据库所有者运行“gdcomply ledger migrate --ledger 地址 --since 日期”设置。"
            f"使用共享台账（{where}）时 init 不接受 --since，未做任何修改"
        )
    url = check_url(ledger_url, where)
    recorded = where == "--ledger"
    if (directory / MARKER).exists():
        raise UsageError(f"{directory} 已经是 gdcomply 工作区（{MARKER} 已存在），未做任何修改")
    probed = postgres.Ledger.probe(url)  # an unreachable server stops here: nothing written
    version, tracking_since = probed.version, probed.tracking_since
    workspace = init_workspace(directory)
    settings = settings_file(workspace)
    shown = workspace.root if directory == Path(".") else directory
    shown_settings = shown / "config" / settings.name
    if recorded:
        with atomic_output(settings, "w") as handle:
            handle.write(settings_text(url))
        chosen = f"记在 {shown_settings}"
    else:
        chosen = f"由{where} 选定，未写入工作区；要固定使用，请在 {shown_settings} 中写上“ledger: {url}”"
    if version == 0:
        state = f"数据库中还没有台账：请数据库所有者运行“gdcomply ledger migrate --ledger {url} --since 跟踪起始日”"
    elif version < postgres.SCHEMA_VERSION:
        state = f"架构版本 {version}，须由数据库所有者运行“gdcomply ledger migrate --ledger {url}”升级后才能使用"
    else:
        assert tracking_since is not None
        state = f"从 {tracking_since.isoformat()} 开始跟踪"
    next_step = "在该目录中运行“gdcomply check”" if shown == workspace.root else f"cd {_shell_word(str(shown))}，然后运行“gdcomply check”"
    sys.stdout.write(
        f"已创建工作区 {shown}\n"
        f"  配置：{shown / 'config'}（期限日历 deadlines.yaml，可按需修改）\n"
        f"  模板：{shown / 'templates'}\n"
        f"  台账：共享台账 {url}（PostgreSQL，{state}），{chosen}\n"
        f"下一步：{next_step}查看报送情况。\n"
    )


def _shell_word(text: str) -> str:
    """text as one word for a POSIX shell: bare when nothing in it is special (Chinese names
    included, which shlex.quote would quote), else quoted."""
    return shlex.quote(text) if re.search(r"""[\s'"$`\\!*?&;|<>()#~{}\[\]]""", text) else text


def info_command(
    workspace: WorkspaceOption = None, config: ConfigOption = None, ledger_url: LedgerOption = None
) -> None:
    """显示正在使用的工作区、期限日历、台账（本地 SQLite 或共享的 PostgreSQL）和节假日数据。"""
    import holidays

    from gdcomply.errors import LedgerError
    from gdcomply.ledger.location import choose
    from gdcomply.ledger.sqlite import Ledger
    from gdcomply.setup import load_workdays

    ws = resolve_workspace(workspace, config=config)
    deadlines = config if config is not None else ws.deadlines_file
    workdays = load_workdays(deadlines.parent)
    location = choose(ws, ledger_url)
    kind = "（默认工作区）" if ws.is_default else ""
    lines = [f"工作区：{ws.root}{kind}" if not ws.is_bundled else "工作区：无（使用内置的默认配置，只能查询日历）"]
    lines.append(f"期限日历：{deadlines}")
    failure: LedgerError | None = None
    if location.is_shared:
        failure = _shared_ledger_lines(location, lines)
    elif ws.is_bundled:
        lines.append("台账：无（运行“gdcomply init”创建工作区）")
    elif ws.ledger_file.exists():
        with Ledger.open(ws.ledger_file) as ledger:
            count = ledger.submission_count()
            lines.append(
                f"台账：{ws.ledger_file}（架构版本 {ledger.schema_version}，{count} 条报送记录，"
                f"从 {ledger.tracking_since.isoformat()} 开始跟踪）"
            )
        lines.append(f"佐证材料库：{ws.evidence_dir}")
    elif ws.data_dir.exists():
        lines.append(f"台账：{ws.ledger_file}（缺失！数据目录在而台账不在，请从备份恢复）")
    else:
        lines.append(f"台账：{ws.ledger_file}（尚未创建，首次登记时自动创建）")
    official = workdays.data.official_years
    this_year = today().year
    nearby = range(this_year - 1, this_year + 3)
    provisional = [y for y in nearby if workdays.is_provisional(y) and not workdays.is_uncovered(y)]
    uncovered = [y for y in nearby if workdays.is_uncovered(y)]
    lines.append(
        f"节假日数据：holidays {holidays.__version__}"
        + (f"；{deadlines.parent / 'holidays.yaml'} 覆盖 {'、'.join(map(str, sorted(official)))} 年" if official else "")
    )
    if uncovered:
        lines.append(f"不在节假日数据覆盖范围内的年份（按推测计算）：{'、'.join(map(str, uncovered))}")
    if provisional:
        lines.append(f"尚未公布节假日安排的年份（按推测计算）：{'、'.join(map(str, provisional))}")
    sys.stdout.write("\n".join(lines) + "\n")
    if failure is not None:
        sys.stderr.write(f"错误：{failure}\n")
        raise typer.Exit(failure.exit_code)


def _shared_ledger_lines(location: LedgerLocation, lines: list[str]) -> LedgerError | None:
    """info's lines about a shared ledger; the error when it cannot be used (the other lines
    are still shown: info is where one looks when something is wrong)."""
    from gdcomply.errors import LedgerError
    from gdcomply.ledger import postgres

    head = f"台账：共享台账 {location.url}（PostgreSQL，设置来自 {location.source}"
    try:
        with postgres.Ledger.connect(location.shown) as ledger:
            counts = ledger.row_counts()
            lines.append(
                f"{head}；架构版本 {ledger.schema_version}，{counts['submissions']} 条报送记录，"
                f"从 {ledger.tracking_since.isoformat()} 开始跟踪）"
            )
            lines.append(f"佐证材料：存于共享台账的数据库中（{counts['evidence']} 个文件）；本机以数据库用户 {ledger.user} 登记")
    except LedgerError as exc:
        lines.append(f"{head}；无法使用，见下面的错误）")
        return exc
    return None


# -- submit / withdraw / log ----------------------------------------------------------------


def submit_command(
    obligation: Annotated[str, typer.Argument(metavar="事项", help="事项标识，如 progress-report、connection-data。")],
    files: Annotated[
        list[Path], typer.Argument(metavar="文件", help="佐证材料文件（报送的文件、回执截图等），可多个。", readable=False)
    ],
    period: Annotated[str, typer.Option("--period", metavar="期次", help="期次，如 2026-R3、2026-H1、2018。")],
    sender: Annotated[str, typer.Option("--from", metavar="单位", help="报送单位：桂源公司、供电公司或公司（也可写代号 guiyuan、gongdian、company）。")],
    receiver: Annotated[
        Optional[str],
        typer.Option(
            "--to",
            metavar="单位",
            help="接收单位：公司、南方监管局（或代号 company、bureau），或 all（该单位的全部接收方）。"
            "不写：该单位本期的里程碑（如“完成自查”），或其唯一的接收方。",
        ),
    ] = None,
    on: Annotated[Optional[str], typer.Option("--on", metavar="日期", help="报送日期 YYYY-MM-DD（默认：今天）。")] = None,
    note: Annotated[str, typer.Option("--note", help="备注。")] = "",
    correct_date: Annotated[
        bool,
        typer.Option("--correct-date", help="更正已登记的报送日期：原记录撤回（记入审计日志），以本次登记为准。"),
    ] = False,
    max_size_mb: Annotated[
        int,
        typer.Option("--max-size-mb", min=1, max=1 << 20, help=f"单个佐证材料文件的大小上限（MB，默认 {DEFAULT_MAX_MB}）。"),
    ] = DEFAULT_MAX_MB,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    ledger_url: LedgerOption = None,
) -> None:
    """登记一次报送（或里程碑完成），佐证材料按 SHA-256 存入材料库（共享台账：存入数据库）。"""
    from gdcomply.ledger.recording import submit

    as_of = today()
    submitted_on = parse_date(on, "--on") if on else as_of
    setup, opened = open_for_ledger(workspace, config, ledger_option=ledger_url)
    with opened:
        sender = resolve_party(setup.calendar, sender, "--from")
        if receiver is not None and receiver != "all":
            receiver = resolve_party(setup.calendar, receiver, "--to")
        outcomes = submit(
            setup, opened.ledger, opened.evidence,
            obligation=obligation, period=period, sender=sender, receiver=receiver,
            files=files, submitted_on=submitted_on, note=note, as_of=as_of, at=now(), os_user=os_user(),
            max_bytes=max_size_mb << 20, correct_date=correct_date,
        )  # fmt: skip
    calendar = setup.calendar
    for outcome in outcomes:
        instance = outcome.instance
        route = calendar.party_name(instance.sender) + (
            f"→{calendar.party_name(instance.receiver)}" if instance.receiver else ""
        )
        if outcome.recorded is None:
            assert outcome.existing is not None
            existing = outcome.existing
            sys.stdout.write(
                f"未重复登记：{instance.id} 已有内容相同的报送记录 #{existing.id}"
                f"（{existing.submitted_on.isoformat()}）。\n"
            )
            if existing.submitted_on != submitted_on:
                sys.stdout.write(
                    f"  若 #{existing.id} 的报送日期 {existing.submitted_on.isoformat()} 登记错了，"
                    f"请加 --correct-date 重新运行本命令：原记录撤回并记入审计日志，以 {submitted_on.isoformat()} 为准。\n"
                )
            continue
        recorded = outcome.recorded
        timing = "按时" if recorded.submitted_on <= instance.due else "逾期"
        corrected = f"（更正报送日期，原记录 #{outcome.replaced} 已撤回）" if correct_date and outcome.replaced else ""
        sys.stdout.write(
            f"已登记 #{recorded.id}{corrected}：{instance.title} {instance.period} {route}，"
            f"{recorded.submitted_on.isoformat()} 报送（截止 {instance.due.isoformat()}，{timing}），"
            f"{len(recorded.files)} 个文件。\n"
        )


def withdraw_command(
    submission_id: Annotated[int, typer.Argument(min=1, max=2**63 - 1, metavar="记录编号", help="报送记录编号（见 gdcomply log）。")],
    reason: Annotated[str, typer.Option("--reason", metavar="原因", help="撤回原因（必填，记入审计日志）。")],
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    ledger_url: LedgerOption = None,
) -> None:
    """撤回一条报送记录（不删除，记入审计日志）；此前被它取代的记录恢复有效。"""
    if not reason.strip():
        raise UsageError("--reason 不能为空：请写明撤回原因")
    setup, opened = open_for_ledger(workspace, config, ledger_option=ledger_url)
    with opened:
        withdrawn = opened.ledger.withdraw(
            submission_id, reason.strip(), at=now(), os_user=os_user(), party_names=setup.calendar.party_names()
        )
    sys.stdout.write(f"已撤回 #{withdrawn.id}（{withdrawn.instance_id}）：{reason.strip()}\n")


_ACTIONS = {
    "submit": "登记", "supersede": "被取代", "withdraw": "撤回", "reinstate": "恢复有效", "correct": "更正日期",
    # written only by a shared ledger's database, for changes made outside gdcomply (psql) and for rights
    "update": "直接改动", "delete": "直接删除", "add-file": "添加文件", "change-file": "改动文件", "remove-file": "删除文件",
    "grant": "授权", "revoke": "撤销授权",
}  # fmt: skip


def log_command(
    instance: Annotated[Optional[str], typer.Option("--instance", metavar="报送节点", help="只看这个报送节点（如 progress-report/2026-R3/guiyuan->company）。")] = None,
    output_format: Annotated[TableOrJson, typer.Option("--format", help="输出格式。")] = TableOrJson.table,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    ledger_url: LedgerOption = None,
) -> None:
    """审计日志：每次登记、取代、撤回的时间、用户（SQLite 台账：操作系统用户；共享台账：数据库用户）和前后内容。"""
    _, opened = open_for_ledger(workspace, config, ledger_option=ledger_url)
    with opened:
        entries = opened.ledger.audit_log(instance)
    if output_format is TableOrJson.json:
        write_json(
            [
                {"id": e.id, "at": e.at, "os_user": e.os_user, "client_addr": e.client, "action": e.action,
                 "submission_id": e.submission_id, "instance_id": e.instance_id,
                 "before": e.before, "after": e.after}  # fmt: skip
                for e in entries
            ]
        )
        return
    from rich.table import Table

    table = Table(title=f"审计日志（{len(entries)} 条）")
    for header in ("时间", "用户", "操作", "记录", "报送节点", "内容"):
        table.add_column(header)
    for e in entries:
        after = e.after or {}
        detail = ""
        if e.action == "submit":
            names = "、".join(f["name"] for f in after.get("files", []))
            detail = f"{after.get('submitted_on', '')} 报送；{names}"
        elif e.action in ("withdraw", "correct"):
            detail = f"原因：{after.get('reason', '')}"
        elif e.action == "supersede":
            detail = f"被 #{after.get('superseded_by')} 取代"
        elif e.action in ("grant", "revoke"):
            held = after or e.before or {}
            detail = f"角色 {held.get('role', '')}：{held.get('kind', '')} {held.get('party') or ''}".rstrip()
        elif e.action not in _ACTIONS or e.action in ("update", "delete", "add-file", "change-file", "remove-file"):
            detail = f"改动前 {_compact(e.before)}；改动后 {_compact(e.after)}"
        user = f"{e.os_user}@{e.client}" if e.client else e.os_user
        record = f"#{e.submission_id}" if e.submission_id is not None else ""
        table.add_row(e.at, user, _ACTIONS.get(e.action, e.action), record, e.instance_id or "", detail)
    console().print(table)


def _compact(change: dict | None) -> str:
    import json

    return json.dumps(change, ensure_ascii=False, sort_keys=True) if change else "（无）"


# -- export / verify ------------------------------------------------------------------------


class ExportFormat(str, Enum):
    json = "json"
    csv = "csv"


def export_command(
    output_format: Annotated[ExportFormat, typer.Option("--format", help="json 或 csv。")] = ExportFormat.json,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="json：输出文件（默认：标准输出）；csv：输出目录（必填）。")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件。")] = False,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    ledger_url: LedgerOption = None,
) -> None:
    """导出整个台账（报送记录、文件、审计日志、提醒记录），供其他工具使用；完整备份请用 backup。"""
    from gdcomply.ledger.recording import export_csv, export_json, export_json_file

    if output_format is ExportFormat.csv and out is None:
        raise UsageError("--format csv 需要用 --out 指定输出目录（每张表一个 CSV 文件）")
    setup, opened = open_for_ledger(workspace, config, ledger_option=ledger_url)
    protected = setup.workspace.protected
    with opened:
        ledger = opened.ledger
        if output_format is ExportFormat.csv:
            assert out is not None
            written = export_csv(ledger, out, force=force, protected=protected)
            sys.stdout.write("已导出：\n" + "".join(f"  {p}\n" for p in written))
            return
        if out is not None:
            export_json_file(ledger, out, force=force, protected=protected)
            sys.stdout.write(f"已导出：{out}\n")
            return
        payload = export_json(ledger)
    write_json(payload)


def verify_command(
    workspace: WorkspaceOption = None, config: ConfigOption = None, ledger_url: LedgerOption = None
) -> None:
    """检查台账记录，重新计算每个佐证材料文件的 SHA-256（共享台账：由数据库计算），报告缺失或被改动的文件。"""
    from gdcomply.ledger.recording import verify

    _, opened = open_for_ledger(workspace, config, ledger_option=ledger_url)
    with opened:
        report = verify(opened.ledger, opened.evidence)
    for line in report.ledger_problems:
        sys.stdout.write(f"台账记录有问题：{line}\n")
    for problem in report.problems:
        what = "缺失" if problem.kind == "missing" else "内容已被改动"
        sys.stdout.write(f"{what}：{problem.sha256}（{problem.detail}）\n")
    if report.unreferenced:
        sys.stdout.write(f"另有 {len(report.unreferenced)} 个文件未被任何报送记录引用（中断的登记留下的，可忽略）。\n")
    if report.stray:
        sys.stdout.write(
            f"另有 {len(report.stray)} 个被中断的复制留下的临时文件（不影响台账，可以删除）：\n"
            + "".join(f"  {path}\n" for path in report.stray)
        )
    if not report.ok:
        parts = [f"{n} {what}" for n, what in ((len(report.ledger_problems), "处台账记录"), (len(report.problems), "个文件")) if n]
        sys.stdout.write(
            f"校验未通过：{'、'.join(parts)}有问题（佐证材料共 {report.checked} 个）。"
            f"可从备份恢复（gdcomply restore），或撤回有问题的记录后重新登记。\n"
        )
        raise typer.Exit(1)
    sys.stdout.write(f"校验通过：台账完好，{report.checked} 个佐证材料文件完好。\n")


# -- check ----------------------------------------------------------------------------------


class FailOn(str, Enum):
    overdue = "overdue"
    due_soon = "due-soon"
    never = "never"


def check_command(
    as_of: AsOfOption = None,
    party: Annotated[Optional[str], typer.Option("--party", metavar="单位", help="只看与该单位有关的事项：单位名称（如 桂源公司）或代号（如 guiyuan）。")] = None,
    horizon: Annotated[int, typer.Option("--horizon", max=1000, metavar="工作日数", help="“即将到期”的范围：剩余工作日数（默认 5）。")] = 5,
    show_all: Annotated[bool, typer.Option("--all", help="列出本年度的全部事项。")] = False,
    output_format: Annotated[
        TableJsonOrHtml,
        typer.Option("--format", help="输出格式：table 表格、json，或 html 网页（汇总、各状态的事项和本年度的报送时间线，可离线打开和打印）。"),
    ] = TableJsonOrHtml.table,
    out: HtmlOutOption = None,
    force: ForceOption = False,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="何时以退出码 1 结束：overdue（有逾期）、due-soon（有逾期或即将到期）、never。")
    ] = FailOn.overdue,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    strict: StrictOption = False,
    ledger_url: LedgerOption = None,
) -> None:
    """每周检查：已逾期、有风险、即将到期和近期完成的报送事项。"""
    from gdcomply.tracking import Status, check

    day = as_of_or_today(as_of)
    html = output_format is TableJsonOrHtml.html
    check_html_out(out, force, html)
    setup, opened = open_for_ledger(workspace, config, strict, ledger_url)
    if out is not None:
        check_html_out(out, force, html, setup.workspace.protected)
    with opened:
        ledger = opened.ledger
        party = resolve_party(setup.calendar, party, "--party") if party is not None else None
        report = check(
            setup.calendar, setup.workdays, ledger.deciding_submissions(day), as_of=day,
            tracking_since=ledger.tracking_since, horizon=horizon, party=party, show_all=show_all,
        )  # fmt: skip
        complaints = overdue_complaints(setup, ledger, day, party)
    if output_format is TableJsonOrHtml.json:
        from gdcomply.complaints.deadlines import item_to_json

        payload = report_to_json(report)
        payload["complaints"] = {"overdue": len(complaints), "items": [item_to_json(item) for item in complaints]}
        write_json(payload)
    elif html:
        from gdcomply.reports.pages import check_page

        print_warnings(report.warnings)
        page = check_page(setup.calendar, report, party=party, show_all=show_all, complaints=complaint_lines(setup, complaints))
        write_page(page, out, force, setup.workspace.protected)
    else:
        print_warnings(report.warnings)
        _print_check(setup, report, complaints)
    failing = {FailOn.overdue: {Status.OVERDUE}, FailOn.due_soon: {Status.OVERDUE, Status.AT_RISK, Status.DUE_SOON}}
    if any(report.summary[s] for s in failing.get(fail_on, set())) or (complaints and fail_on is not FailOn.never):
        raise typer.Exit(1)


def overdue_complaints(setup: Setup, ledger: Ledger, as_of: date, unit: str | None) -> list[ComplaintStatus]:
    """The complaints whose reply is overdue on as_of (of one unit): the weekly check's and
    remind's own lines. Only the unanswered ones are read from the ledger."""
    from datetime import timedelta

    from gdcomply.complaints.deadlines import Status as ComplaintState
    from gdcomply.complaints.deadlines import check_complaints
    from gdcomply.complaints.settings import load_complaint_settings

    settings = load_complaint_settings(setup.deadlines_file.parent / "complaints.yaml")
    unanswered = ledger.complaints(unit, since=as_of + timedelta(days=1), open_on=as_of)
    result = check_complaints(unanswered, setup.workdays, settings, as_of=as_of, unit=unit)
    return [item for item in result.items if item.reply.status is ComplaintState.OVERDUE]


def report_to_json(report: CheckReport) -> dict:
    from gdcomply.calendar import instance_to_json

    items = []
    for item in report.items:
        submission = item.submission
        items.append(
            {
                **instance_to_json(item.instance),
                "status": item.status.value,
                "working_days_left": item.working_days_left,
                "working_days_overdue": item.working_days_overdue,
                "working_days_late": item.working_days_late,
                "submission": None
                if submission is None
                else {
                    "id": submission.id,
                    "submitted_on": submission.submitted_on.isoformat(),
                    "files": [{"name": f.name, "sha256": f.sha256} for f in submission.files],
                },
            }
        )
    return {
        "as_of": report.as_of.isoformat(),
        "tracking_since": report.tracking_since.isoformat(),
        "summary": {status.value: count for status, count in report.summary.items()},
        "items": items,
        "warnings": [{"code": w.code, "message": w.message} for w in report.warnings],
    }


def summary_line(report: CheckReport) -> str:
    parts = [f"{status.label} {count}" for status, count in report.summary.items() if count]
    return f"{report.as_of.isoformat()} 报送检查：" + ("，".join(parts) if parts else "本年度没有事项")


def complaint_lines(setup: Setup, complaints: Sequence[ComplaintStatus]) -> list[str]:
    """The weekly check's lines of overdue complaint replies (no customer data)."""
    if not complaints:
        return []
    from gdcomply.complaints.settings import Units, load_complaint_settings

    units = Units.of(setup.calendar, load_complaint_settings(setup.deadlines_file.parent / "complaints.yaml"))
    lines = [f"投诉答复已超期 {len(complaints)} 件（详见 gdcomply complaints check）："]
    for item in complaints:
        complaint, reply = item.complaint, item.reply
        lines.append(
            f"  {complaint.id}，{units.name(complaint.unit)}，{complaint.category.value}：受理 {complaint.received.isoformat()}，"
            f"答复期限 {reply.due.isoformat()}，已超期 {reply.working_days_overdue} 个工作日"
        )
    return lines


def _print_check(setup: Setup, report: CheckReport, complaints: Sequence[ComplaintStatus] = ()) -> None:
    """The check as a table that fits the terminal (or the $COLUMNS / 120 columns of a pipe).

    Wide enough, one column each for 状态, 截止日期, 事项, 期次, 报送 → 接收 and 情况; narrower,
    事项 and 期次 share a column; narrower still (below about 80 columns), one block of lines
    per item. A cell breaks only at its natural separators (“；”, “（”, after “→”, between a date
    and its weekday), so a status, a date, a period or a detail is never cut (layout.py).
    """
    from gdcomply.cli.calendar_cmds import route_text, weekday_zh
    from gdcomply.cli.layout import Cell, print_blocks, print_table, print_wrapped
    from gdcomply.tracking import Status, status_detail

    out = console()
    print_wrapped(out, summary_line(report))
    for line in complaint_lines(setup, complaints):
        print_wrapped(out, line)
    if not report.items:
        print_wrapped(out, "没有逾期、有风险或即将到期的事项。")
        return
    styles = {Status.OVERDUE: "bold red", Status.AT_RISK: "red", Status.DUE_SOON: "yellow", Status.LATE: "magenta"}
    calendar = setup.calendar
    rows: list[dict[str, Cell]] = []
    for item in report.items:
        instance = item.instance
        detail = status_detail(calendar, item, report.as_of)
        style = styles.get(item.status, "")
        due = f"{instance.due.isoformat()} {weekday_zh(instance.due)}"
        title = Cell.of(instance.title)
        rows.append(
            {
                "状态": Cell((item.status.label,), style),
                "截止日期": Cell.of(due),
                "事项": title,
                "期次": Cell((instance.period,)),
                "事项、期次": Cell((*title.pieces[:-1], title.pieces[-1] + " ", instance.period)),
                "报送 → 接收": Cell.of(route_text(calendar, instance)),
                "情况": Cell.of(detail),
                "标题": Cell((f"{item.status.label}  ", f"截止 {due}"), style),
            }
        )
    layouts = []
    for names in (
        ("状态", "截止日期", "事项", "期次", "报送 → 接收", "情况"),
        ("状态", "截止日期", "事项、期次", "报送 → 接收", "情况"),
    ):
        layouts.append(([Cell.of(n) for n in names], [[row[n] for n in names] for row in rows]))
    if not print_table(out, layouts):
        print_blocks(out, [[row["标题"], row["事项、期次"], row["报送 → 接收"], row["情况"]] for row in rows])


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("init")(init_command)
    app.command("info")(info_command)
    app.command("check")(check_command)
    app.command("submit")(submit_command)
    app.command("withdraw")(withdraw_command)
    app.command("log")(log_command)
    app.command("export")(export_command)
    app.command("verify")(verify_command)
