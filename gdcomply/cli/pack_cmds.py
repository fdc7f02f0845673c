"""CLI command: pack — the Excel and Word files a unit or the company submits for one instance."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from gdcomply.cli.common import (
    AsOfOption,
    ConfigOption,
    LedgerOption,
    WorkspaceOption,
    as_of_or_today,
    parse_date,
    print_warnings,
    resolve_party,
    resolve_workspace,
)


def pack_command(
    obligation: Annotated[
        str, typer.Argument(metavar="事项", help="事项：connection-data、progress-report、self-inspection 或 rectification。")
    ],
    period: Annotated[str, typer.Option("--period", metavar="期次", help="期次，如 2026-H1、2026-R3、2018。")],
    party: Annotated[str, typer.Option("--party", metavar="单位", help="报送单位：桂源公司、供电公司或公司（也可写代号 guiyuan、gongdian、company）。")],
    inputs: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--input",
            help="输入文件，可多次给出。单位报装信息：营销系统导出的申请数据；公司汇总：各单位报送包的 Excel"
            "（不给时取台账中各单位最新的有效报送）；工作开展情况报告、自查报告：申请数据（可选，用于报装指标）。",
            dir_okay=False,
        ),
    ] = None,
    pauses: Annotated[
        Optional[Path], typer.Option("--pauses", help="客户原因暂停的单独文件（申请数据中没有“暂停”工作表时）。", dir_okay=False)
    ] = None,
    notes: Annotated[
        Optional[Path],
        typer.Option(
            "--notes",
            help="说明文件：工作开展情况报告、自查报告按章节（如 二(一)）写的 YAML 或 Markdown；"
            "整改措施：YAML 或 Excel 表（问题、整改措施、责任部门、完成时限）。",
            dir_okay=False,
        ),
    ] = None,
    as_of: AsOfOption = None,
    out: Annotated[Path, typer.Option("--out", help="报送包存放的目录（默认：当前目录下的 packs）。", file_okay=False)] = Path(
        "packs"
    ),
    make_zip: Annotated[bool, typer.Option("--zip", help="同时生成同名的 .zip 压缩包。")] = False,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的同名报送包。")] = False,
    allow_missing: Annotated[
        bool, typer.Option("--allow-missing", help="公司汇总：某单位未报送时仍生成汇总，并在首页注明缺报单位。")
    ] = False,
    inspect_from: Annotated[
        Optional[str], typer.Option("--from", metavar="日期", help="自查报告：自查期间的起始日 YYYY-MM-DD（默认：上年6月1日）。")
    ] = None,
    inspect_to: Annotated[
        Optional[str], typer.Option("--to", metavar="日期", help="自查报告：自查期间的截止日 YYYY-MM-DD（默认：当年6月30日）。")
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    ledger_url: LedgerOption = None,
) -> None:
    """生成报送包：某一报送节点的 Excel 和 Word 文件及 manifest.json（文件和输入的 SHA-256）。"""
    from gdcomply import __version__
    from gdcomply.packs.build import build_pack, needs_ledger
    from gdcomply.packs.model import PackRequest
    from gdcomply.setup import load_setup

    day = as_of_or_today(as_of)
    # The party may be named as people do (桂源公司): the calendar says which id that is, so
    # the workspace is found (once: it may say which on stderr) before knowing whether the
    # ledger is read. Only these packs can read it; a default workspace is made for them.
    may_read_ledger = obligation in ("progress-report", "self-inspection") or (obligation == "connection-data" and not inputs)
    found = resolve_workspace(workspace, create_default=may_read_ledger, config=config)
    setup = load_setup(found, config)
    party = resolve_party(setup.calendar, party, "--party")
    request = PackRequest(
        obligation=obligation,
        period=period,
        party=party,
        as_of=day,
        out_dir=out,
        inputs=tuple(inputs or ()),
        pauses=pauses,
        notes=notes,
        make_zip=make_zip,
        force=force,
        allow_missing=allow_missing,
        inspect_from=parse_date(inspect_from, "--from") if inspect_from else None,
        inspect_to=parse_date(inspect_to, "--to") if inspect_to else None,
    )
    if needs_ledger(obligation, party, request.inputs):
        from gdcomply.cli.ledger_cmds import open_ledger

        with open_ledger(found, ledger_url) as opened:
            result = build_pack(setup, request, version=__version__, ledger=opened.ledger, evidence=opened.evidence)
    else:
        result = build_pack(setup, request, version=__version__)
    print_warnings(result.warnings)
    verb = "已重新生成" if result.replaced else "已生成"
    lines = [f"{verb}报送包 {result.folder}（{result.instance_id}，截至 {day.isoformat()}）："]
    # Names only: a size in bytes says nothing to the reader and changes with the writer
    # library's version; the manifest has every file's SHA-256 and size.
    for file in result.files:
        lines.append(f"  {file.name}")
    lines.append("  manifest.json（各文件和输入的 SHA-256、大小）")
    if result.zip_path is not None:
        lines.append(f"压缩包：{result.zip_path}")
    sys.stdout.write("\n".join(lines) + "\n")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("pack")(pack_command)
