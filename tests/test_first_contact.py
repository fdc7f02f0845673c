"""What a new user meets first prints the same on every machine: init names the folder as the
user named it, and a pack lists its files without sizes that depend on a library's version."""

from __future__ import annotations

import os
from pathlib import Path


def test_init_names_the_workspace_as_the_user_named_it(cli, tmp_path: Path) -> None:
    result = cli(["init", "获得电力报送", "--since", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "已创建工作区 获得电力报送\n"
        "  配置：获得电力报送/config（期限日历 deadlines.yaml，可按需修改）\n"
        "  模板：获得电力报送/templates\n"
        "  台账：获得电力报送/data/ledger.sqlite3（从 2026-11-01 开始跟踪）\n"
        "下一步：cd 获得电力报送，然后运行“gdcomply check”查看报送情况。\n"
    )
    assert (tmp_path / "获得电力报送" / "data" / "ledger.sqlite3").is_file()


def test_init_quotes_a_folder_name_the_shell_would_split(cli, tmp_path: Path) -> None:
    result = cli(["init", "报送 2026", "--since", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "下一步：cd '报送 2026'，然后运行“gdcomply check”查看报送情况。"


def test_init_of_the_current_folder_names_its_absolute_path(cli, tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    os.chdir(tmp_path / "ws")
    result = cli(["init", "--since", "2026-11-01"])
    assert result.exit_code == 0, result.output
    root = (tmp_path / "ws").resolve()
    assert result.stdout.splitlines()[0] == f"已创建工作区 {root}"
    assert result.stdout.splitlines()[3] == f"  台账：{root}/data/ledger.sqlite3（从 2026-11-01 开始跟踪）"
    assert result.stdout.splitlines()[-1] == "下一步：在该目录中运行“gdcomply check”查看报送情况。"


def test_a_pack_lists_its_files_by_name_and_the_manifest_keeps_sizes(cli, tmp_path: Path) -> None:
    import json

    assert cli(["init", "ws", "--since", "2026-11-01"]).exit_code == 0
    os.chdir(tmp_path / "ws")
    assert cli(["applications", "sample", "示例.xlsx", "--rows", "40", "--seed", "2", "--as-of", "2026-07-06"]).exit_code == 0
    result = cli(["pack", "connection-data", "--period", "2026-H1", "--party", "供电公司", "--input", "示例.xlsx",
                  "--as-of", "2026-07-08"])  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = "packs/connection-data_2026-H1_gongdian"
    assert result.stdout == (
        f"已生成报送包 {folder}（connection-data/2026-H1/gongdian->company，截至 2026-07-08）：\n"
        "  用户报装信息_2026上半年_供电公司.xlsx\n"
        "  用户报装信息报送说明_2026上半年_供电公司.docx\n"
        "  manifest.json（各文件和输入的 SHA-256、大小）\n"
    )
    manifest = json.loads((tmp_path / "ws" / folder / "manifest.json").read_text("utf-8"))
    for entry in manifest["files"]:
        assert entry["size"] == (tmp_path / "ws" / folder / entry["name"]).stat().st_size


def test_a_hint_names_a_workspace_file_relative_to_the_current_folder(cli, tmp_path: Path) -> None:
    assert cli(["init", "ws", "--since", "2026-11-01"]).exit_code == 0
    os.chdir(tmp_path / "ws")
    inside = cli(["remind", "--dry-run", "--as-of", "2026-11-19"])
    assert inside.exit_code == 0, inside.output
    assert inside.stderr == "提示：config/reminders.yaml 尚未设置发件人 smtp.sender，演习中暂用 gdcomply@localhost。\n"
    (tmp_path / "elsewhere").mkdir()
    os.chdir(tmp_path / "elsewhere")
    outside = cli(["remind", "--dry-run", "--as-of", "2026-11-19", "--workspace", str(tmp_path / "ws")])
    assert outside.stderr.startswith(f"提示：{(tmp_path / 'ws').resolve()}/config/reminders.yaml 尚未设置发件人")
