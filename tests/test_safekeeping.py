"""Nothing lost (issue 9): exports, backup and restore, a lost ledger, first commands at once,
what evidence may be, damaged rows, impossible dates, init on an existing ledger, and a
read-only or full disk. Every refusal leaves data/ byte-for-byte as it was.

Root ignores file permissions, so read-only cases use `chattr +i` and a run as `nobody`
(setpriv), and a full disk is a small tmpfs: both need root, which CI has (CI=true: never
skipped there).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from gdcomply.ledger.sqlite import SCHEMA_VERSION

GUIYUAN_R4 = ["submit", "progress-report", "--period", "2018-R4", "--from", "guiyuan", "--to", "all"]
IN_CI = os.environ.get("CI") == "true"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def needs_root(reason: str):
    """Root-only tests run in CI always; elsewhere they skip, saying why."""
    if IN_CI:
        return lambda test: test
    return pytest.mark.skipif(not IS_ROOT, reason=f"needs root ({reason})")


def state(folder: Path) -> dict[str, str]:
    """Every file under folder and the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


EMPTY = hashlib.sha256(b"").hexdigest()


def record_state(data: Path) -> dict[str, str]:
    """state() without SQLite's working files when they hold nothing: an empty write-ahead log
    (and its index) that SQLite could not remove from a full or read-only disk."""
    files = state(data)
    if files.get("ledger.sqlite3-wal", EMPTY) == EMPTY:
        files.pop("ledger.sqlite3-wal", None)
        files.pop("ledger.sqlite3-shm", None)
    return files


@pytest.fixture
def ws(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace tracking since 2018-06-01 with two recorded submissions; cwd inside it."""
    monkeypatch.setenv("GDCOMPLY_TODAY", "2018-11-19")
    assert cli(["init", "ws", "--since", "2018-06-01"]).exit_code == 0
    root = tmp_path / "ws"
    monkeypatch.chdir(root)
    (root / "r4.docx").write_bytes(b"R4 report of guiyuan")
    result = cli([*GUIYUAN_R4, "r4.docx", "--on", "2018-11-16"])
    assert result.exit_code == 0, result.output
    return root


def exported(cli, *args: str) -> str:
    result = cli(["export", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


# -- 1. export --out ---------------------------------------------------------------------------


def test_export_never_writes_over_the_ledger_the_evidence_or_an_old_backup(cli, ws: Path) -> None:
    before = state(ws / "data")
    ledger = ws / "data" / "ledger.sqlite3"
    for target in (ledger, ws / "data" / "evidence" / "new.json", ws / "data"):
        result = cli(["export", "--out", target, "--force"])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"错误：--out {target} 指向工作区的数据目录 {ws / 'data'}（台账和佐证材料库），不能写在那里")
    old = ws / "上月备份.json"
    old.write_text("last month", encoding="utf-8")
    refused = cli(["export", "--out", old])
    assert (refused.exit_code, refused.stderr) == (2, f"错误：{old} 已存在，未做任何修改。如确实要覆盖它，请加 --force\n")
    assert old.read_text(encoding="utf-8") == "last month"
    assert cli(["export", "--out", old, "--force"]).exit_code == 0
    assert json.loads(old.read_text(encoding="utf-8"))["submissions"][0]["instance_id"].startswith("progress-report/2018-R4")
    assert state(ws / "data") == before


def test_export_to_a_folder_or_a_missing_folder_is_a_chinese_error_and_leaves_no_temporary_file(cli, ws: Path) -> None:
    (ws / "备份").mkdir()
    folder = cli(["export", "--out", "备份"])
    assert (folder.exit_code, folder.stderr) == (2, "错误：--out 备份 是已存在的目录，请给出文件名（如 备份/台账备份.json）\n")
    missing = cli(["export", "--out", "没有的目录/台账.json"])
    assert (missing.exit_code, missing.stderr) == (2, "错误：--out 没有的目录/台账.json 所在的目录 没有的目录 不存在，请先创建该目录\n")
    csv_missing = cli(["export", "--format", "csv", "--out", "没有的目录/表"])
    assert csv_missing.exit_code == 2 and "所在的目录 没有的目录 不存在" in csv_missing.stderr
    assert not list(ws.rglob("*.tmp"))


def test_csv_export_refuses_to_replace_earlier_tables_without_force(cli, ws: Path) -> None:
    assert cli(["export", "--format", "csv", "--out", "表"]).exit_code == 0
    (ws / "表" / "audit.csv").write_text("edited by hand", encoding="utf-8")
    again = cli(["export", "--format", "csv", "--out", "表"])
    assert again.exit_code == 2 and "表/submissions.csv 已存在" in again.stderr
    assert (ws / "表" / "audit.csv").read_text(encoding="utf-8") == "edited by hand"
    assert cli(["export", "--format", "csv", "--out", "表", "--force"]).exit_code == 0
    assert (ws / "表" / "audit.csv").read_text(encoding="utf-8-sig").startswith("id,at,os_user,action")


# -- 2. backup and restore -----------------------------------------------------------------------


@pytest.fixture
def backed_up(cli, ws: Path, tmp_path: Path) -> Path:
    (ws / "r4-v2.docx").write_bytes(b"R4 report of guiyuan, corrected")
    assert cli([*GUIYUAN_R4, "r4-v2.docx", "--on", "2018-11-17"]).exit_code == 0
    assert cli(["withdraw", "1", "--reason", "报错了"]).exit_code == 0
    (ws / "config" / "deadlines.yaml").write_text(
        (ws / "config" / "deadlines.yaml").read_text(encoding="utf-8") + "# 营销部的修改\n", encoding="utf-8"
    )
    archive = tmp_path / "备份" / "获得电力-2018-11.zip"
    archive.parent.mkdir()
    result = cli(["backup", "--out", archive])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:3] == [
        f"  台账：4 条报送记录（架构版本 {SCHEMA_VERSION}，从 2018-06-01 开始跟踪）",
        "  佐证材料：2 个文件；连同配置和模板共 "
        + str(3 + len([p for p in (ws / "config").rglob("*") if p.is_file()]) + len(list((ws / "templates").rglob("*.*"))))
        + " 个文件，均记有 SHA-256",
    ]
    return archive


def test_backup_restore_round_trip(cli, ws: Path, backed_up: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(backed_up) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        for name, entry in manifest["members"].items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"]
    assert manifest["format"] == "gdcomply-backup" and manifest["schema_version"] == SCHEMA_VERSION
    assert names == set(manifest["members"]) | {"manifest.json"}
    assert "config/deadlines.yaml" in names and "templates/connection-data.docx" in names
    assert sum(n.startswith("data/evidence/") for n in names) == 2

    restored = tmp_path / "恢复"
    result = cli(["restore", backed_up, restored])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"已从 {backed_up} 恢复到 {restored}")
    original_export = exported(cli)
    original_check = cli(["check", "--as-of", "2018-11-19", "--format", "json"]).stdout
    assert cli(["check", "--as-of", "2018-11-19", "--format", "json", "-w", restored]).stdout == original_check
    assert exported(cli, "-w", str(restored)) == original_export
    verified = cli(["verify", "-w", restored])
    assert (verified.exit_code, verified.stdout) == (0, "校验通过：台账完好，2 个佐证材料文件完好。\n")
    assert (restored / "config" / "deadlines.yaml").read_text(encoding="utf-8").endswith("# 营销部的修改\n")


def test_backup_never_overwrites_and_never_writes_into_the_workspace_data(cli, ws: Path, backed_up: Path) -> None:
    before = backed_up.read_bytes()
    again = cli(["backup", "--out", backed_up])
    assert (again.exit_code, again.stderr) == (2, f"错误：{backed_up} 已存在，未做任何修改。如确实要覆盖它，请加 --force\n")
    assert backed_up.read_bytes() == before
    inside = cli(["backup", "--out", ws / "data" / "备份.zip"])
    assert inside.exit_code == 2 and "不能写在那里" in inside.stderr
    assert not (ws / "data" / "备份.zip").exists()


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of the backup with its manifest and members passed through change(manifest, members)."""
    with zipfile.ZipFile(source) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {name: archive.read(name) for name in archive.namelist() if name != "manifest.json"}
    manifest, members = change(manifest, members)
    with zipfile.ZipFile(target, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
        out.writestr("manifest.json", json.dumps(manifest))
    return target


def _with_member(name: str, data: bytes, *, listed_size: int | None = None):
    def change(manifest, members):
        members[name] = data
        manifest["members"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": listed_size if listed_size is not None else len(data)}
        return manifest, members

    return change


def _newer_schema(manifest, members):
    manifest["schema_version"] = 99
    return manifest, members


def _damaged(source: Path, target: Path) -> Path:
    data = bytearray(source.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\0" * 64
    target.write_bytes(bytes(data))
    return target


def _damaged_deflate(source: Path, target: Path) -> Path:
    """Garbage inside a compressed member's data: zlib, not zipfile, notices it first."""
    import struct

    with zipfile.ZipFile(source) as archive:
        info = max((i for i in archive.infolist() if i.compress_type == zipfile.ZIP_DEFLATED), key=lambda i: i.compress_size)
    data = bytearray(source.read_bytes())
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    data[start + 8 : start + 72] = b"\xff" * 64
    target.write_bytes(bytes(data))
    return target


def _foreign(source: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as out:
        out.writestr("报告.docx", b"not ours")
    return target


BAD_ARCHIVES = {
    "damaged": (lambda src, dst: _damaged(src, dst), "已损坏"),
    "damaged compressed data": (_damaged_deflate, "已损坏"),
    "truncated": (lambda src, dst: dst.write_bytes(src.read_bytes()[:-200]) and dst, "不是有效的 zip 文件"),
    "foreign zip": (_foreign, "不是 gdcomply 备份（其中没有 manifest.json）"),
    "dot-dot path": (lambda s, d: _rewrite(s, d, _with_member("config/../../逃逸.txt", b"x")), "不安全或不属于备份的路径“config/../../逃逸.txt”"),
    "absolute path": (lambda s, d: _rewrite(s, d, _with_member("/tmp/逃逸.txt", b"x")), "不安全或不属于备份的路径“/tmp/逃逸.txt”"),
    "far larger than listed": (
        lambda s, d: _rewrite(s, d, _with_member("config/大.yaml", b"0" * (4 << 20), listed_size=10)),
        "“config/大.yaml”的大小（4194304 字节）与清单（10 字节）不符",
    ),
    "newer schema": (lambda s, d: _rewrite(s, d, _newer_schema), "由更新版本的 gdcomply 生成"),
}


@pytest.mark.parametrize("spoil", list(BAD_ARCHIVES), ids=list(BAD_ARCHIVES))
def test_restore_refuses_a_bad_archive_and_changes_nothing(cli, backed_up: Path, tmp_path: Path, spoil: str) -> None:
    make, message = BAD_ARCHIVES[spoil]
    bad = make(backed_up, tmp_path / "坏的备份.zip")
    empty_target = tmp_path / "空目录"
    empty_target.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli(["restore", bad, empty_target])
    assert result.exit_code in (1, 2), result.output
    assert result.stderr.startswith("错误：") and message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert list(empty_target.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no staging folder left
    assert not Path("/tmp/逃逸.txt").exists()


def test_restore_refuses_a_folder_that_is_not_empty(cli, backed_up: Path, tmp_path: Path) -> None:
    target = tmp_path / "有东西"
    target.mkdir()
    (target / "旧.txt").write_text("keep", encoding="utf-8")
    result = cli(["restore", backed_up, target])
    assert result.exit_code == 2 and "不是空目录，未做任何修改" in result.stderr
    assert [p.name for p in target.iterdir()] == ["旧.txt"]


# -- 3. a lost ledger is never silently recreated -----------------------------------------------


def test_a_deleted_ledger_is_an_error_and_nothing_is_created(cli, ws: Path) -> None:
    (ws / "data" / "ledger.sqlite3").unlink()
    for args in (["check", "--as-of", "2018-11-19"], ["remind", "--dry-run", "--as-of", "2018-11-19"], [*GUIYUAN_R4, "r4.docx"]):
        result = cli(args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(f"错误：台账文件 {ws / 'data' / 'ledger.sqlite3'} 不存在，但数据目录 {ws / 'data'} 在")
        assert "gdcomply restore" in result.stderr
        assert not (ws / "data" / "ledger.sqlite3").exists()
    assert "缺失！" in cli(["info"]).stdout


def test_init_on_a_workspace_that_lost_its_ledger_changes_nothing(cli, ws: Path) -> None:
    shutil.rmtree(ws / "config")
    (ws / "data" / "ledger.sqlite3").unlink()
    result = cli(["init", ws, "--since", "2018-06-01"])
    assert result.exit_code == 2 and "不存在，但数据目录" in result.stderr
    assert not (ws / "config").exists() and not (ws / "data" / "ledger.sqlite3").exists()


def test_a_workspace_that_never_had_a_ledger_gets_one_on_first_use(cli, tmp_path: Path, monkeypatch) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", checkout / "config")
    monkeypatch.chdir(checkout)
    monkeypatch.setenv("GDCOMPLY_TODAY", "2026-11-19")
    result = cli(["check"])
    assert result.exit_code in (0, 1), result.output
    assert f"提示：已创建台账 {checkout / 'data' / 'ledger.sqlite3'}，从 2026-11-19 开始跟踪。" in result.stderr
    assert (checkout / "data" / "evidence").is_dir()
    assert not [p for p in checkout.iterdir() if p.name.startswith(".new-data-")]


# -- 4. two first commands at once ----------------------------------------------------------------


def test_first_commands_at_once_all_record(tmp_path: Path, child_env: dict[str, str]) -> None:
    """Several submits on a workspace without data/ yet, started together: every one records."""
    template = Path(__file__).resolve().parent.parent / "config"
    env = {**child_env, "GDCOMPLY_TODAY": "2018-11-19"}
    for round_ in range(3):
        workspace = tmp_path / f"ws{round_}"
        shutil.copytree(template, workspace / "config")
        evidence = []
        for sender in ("guiyuan", "gongdian"):
            path = workspace / f"{sender}.docx"
            path.write_bytes(f"{sender} R4".encode())
            evidence.append((sender, path))
        go = time.time() + 0.8
        script = (
            "import sys, time; t = float(sys.argv[1]); time.sleep(max(0, t - time.time()));"
            "from gdcomply.cli import main; main(sys.argv[2:])"
        )
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(go), "submit", "progress-report", str(path), "--period", "2018-R4",
                 "--from", sender, "--to", "company", "--on", "2018-11-16", "--workspace", str(workspace)],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            for sender, path in evidence
        ]
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            assert "已登记 #" in out
        db = sqlite3.connect(workspace / "data" / "ledger.sqlite3")
        try:
            assert db.execute("SELECT count(*) FROM submissions").fetchone() == (2,)
        finally:
            db.close()
        assert not [p for p in workspace.iterdir() if p.name.startswith(".new-data-")]


# -- 5. what evidence may be ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/dev/zero", "/dev/zero：不是普通文件（是设备文件），请给出实际的报告或回执文件"),
        ("/dev/null", "/dev/null：不是普通文件（是设备文件），请给出实际的报告或回执文件"),
        ("empty.docx", "empty.docx：是空文件（0 字节），请给出实际的报告或回执文件"),
        ("fifo", "fifo：不是普通文件（是命名管道），请给出实际的报告或回执文件"),
    ],
)
def test_only_regular_non_empty_files_are_evidence(cli, ws: Path, path: str, message: str) -> None:
    (ws / "empty.docx").write_bytes(b"")
    if path == "fifo":
        os.mkfifo(ws / "fifo")  # opening it would block forever: it must never be opened
    before = state(ws / "data")
    result = cli([*GUIYUAN_R4, path, "--on", "2018-11-17"])
    assert (result.exit_code, result.stderr) == (1, f"错误：以下佐证材料无法使用，未做任何记录：\n{message}\n")
    assert state(ws / "data") == before


def test_a_file_name_that_is_not_utf8_is_refused_before_anything_is_stored(cli, ws: Path) -> None:
    gbk = os.fsdecode(b"\xb1\xa8\xb8\xe6.docx")  # 报告.docx in GBK, as a Windows zip names it
    (ws / gbk).write_bytes(b"a report")
    before = state(ws / "data")
    result = cli([*GUIYUAN_R4, gbk, "--on", "2018-11-17"])
    assert result.exit_code == 1
    assert "文件名不是有效的 UTF-8 编码（常见于 Windows 压缩包中的 GBK 文件名），请先把文件改名" in result.stderr
    assert state(ws / "data") == before  # no evidence file stored for a record that cannot be made


def test_a_file_over_the_size_limit_is_refused_and_the_limit_is_settable(cli, ws: Path) -> None:
    with (ws / "扫描件.pdf").open("wb") as handle:
        handle.truncate((3 << 20) + 1)  # sparse, 3 MB + 1 byte
        handle.seek(0)
        handle.write(b"%PDF")
    before = state(ws / "data")
    refused = cli([*GUIYUAN_R4, "扫描件.pdf", "--on", "2018-11-17", "--max-size-mb", "3"])
    assert refused.exit_code == 1
    assert "扫描件.pdf：大小 3.0 MB 超过单个文件的上限 3.0 MB（确属佐证材料时可用 --max-size-mb 调高上限）" in refused.stderr
    assert state(ws / "data") == before
    accepted = cli([*GUIYUAN_R4, "扫描件.pdf", "--on", "2018-11-17", "--max-size-mb", "4"])
    assert accepted.exit_code == 0, accepted.output


def test_an_interrupted_copy_leaves_no_temporary_file_and_verify_reports_a_stray_one(cli, ws: Path, child_env) -> None:
    big = ws / "大文件.pdf"
    with big.open("wb") as handle:
        for _ in range(64):
            handle.write(os.urandom(1 << 20))
    store = ws / "data" / "evidence"
    process = subprocess.Popen(
        [sys.executable, "-m", "gdcomply", *GUIYUAN_R4, str(big), "--on", "2018-11-17", "--workspace", str(ws)],
        env={**child_env, "GDCOMPLY_TODAY": "2018-11-19"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not any(p.name.startswith(".incoming-") for p in store.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "已中断" in err and "Traceback" not in err
    assert not [p for p in store.iterdir() if p.name.startswith(".incoming-")]

    (store / ".incoming-abc123").write_bytes(b"left by a kill -9")
    result = cli(["verify"])
    assert result.exit_code == 0
    assert f"另有 1 个被中断的复制留下的临时文件（不影响台账，可以删除）：\n  {store / '.incoming-abc123'}\n" in result.stdout


# -- 6. damaged rows are named, never dropped -----------------------------------------------------


def _tamper(ws: Path, sql: str) -> None:
    db = sqlite3.connect(ws / "data" / "ledger.sqlite3")
    try:
        db.execute(sql)
        db.commit()
    finally:
        db.close()


@pytest.mark.parametrize("value", ["garbage", "", "2018-02-30"])
def test_a_corrupted_submission_date_is_named_by_check_verify_and_pack(cli, ws: Path, value: str) -> None:
    _tamper(ws, f"UPDATE submissions SET submitted_on = '{value}' WHERE id = 2")
    check = cli(["check", "--as-of", "2018-11-19"])
    assert check.exit_code == 1
    assert check.stderr.startswith(f"错误：台账 {ws / 'data' / 'ledger.sqlite3'} 中的报送记录 #2 已损坏：submitted_on 的值“{value}”无效")
    assert "gdcomply verify" in check.stderr and check.stdout == ""
    verify = cli(["verify"])
    assert verify.exit_code == 1
    assert f"台账记录有问题：报送记录 #2：submitted_on 的值“{value}”不是有效日期\n" in verify.stdout
    pack = cli(["pack", "progress-report", "--period", "2018-R4", "--party", "guiyuan", "--as-of", "2018-11-19"])
    assert pack.exit_code == 1 and "报送记录 #2 已损坏" in pack.stderr
    for result in (check, verify, pack):
        assert "Traceback" not in result.output


def test_a_garbage_tracking_start_and_a_dropped_audit_table_are_named(cli, ws: Path) -> None:
    _tamper(ws, "UPDATE meta SET value = 'soon' WHERE key = 'tracking_since'")
    check = cli(["check", "--as-of", "2018-11-19"])
    assert check.exit_code == 1
    assert "跟踪起始日（meta.tracking_since）的值“soon”不是有效日期" in check.stderr
    verify = cli(["verify"])
    assert verify.exit_code == 1 and "台账记录有问题：跟踪起始日（meta.tracking_since）：值“soon”不是有效日期" in verify.stdout
    _tamper(ws, "UPDATE meta SET value = '2018-06-01' WHERE key = 'tracking_since'")
    _tamper(ws, "DROP TABLE audit")
    for args in (["check", "--as-of", "2018-11-19"], ["verify"], ["log"]):
        result = cli(args)
        assert result.exit_code == 1, args
        assert f"台账 {ws / 'data' / 'ledger.sqlite3'} 已损坏：缺少数据表 audit，未做任何修改" in result.stderr
        assert "Traceback" not in result.output


# -- 7. dates that cannot be right -------------------------------------------------------------------


def test_dates_before_the_period_opens_or_after_today_are_refused(cli, ws: Path) -> None:
    before = state(ws / "data")
    long_ago = cli([*GUIYUAN_R4, "r4.docx", "--on", "2000-01-01"])
    assert (long_ago.exit_code, long_ago.stderr) == (
        2,
        "错误：报送日期 2000-01-01 早于“工作开展情况报告 2018-R4”最早可以报送的日期 2018-01-01"
        "（该期次在此之前还不能报送），未做任何记录。请检查 --on 和 --period\n",
    )
    (ws / "h1.xlsx").write_bytes(b"connection data")
    early = cli(["submit", "connection-data", "--period", "2018-H1", "--from", "guiyuan", "--to", "company", "h1.xlsx", "--on", "2018-06-20"])
    assert early.exit_code == 2 and "最早可以报送的日期 2018-07-01" in early.stderr
    h2 = cli(["submit", "connection-data", "--period", "2018-H2", "--from", "guiyuan", "--to", "company", "h1.xlsx", "--on", "2018-11-19"])
    assert h2.exit_code == 2 and "最早可以报送的日期 2019-01-01" in h2.stderr
    future = cli([*GUIYUAN_R4, "r4.docx", "--on", "2018-11-20"])
    assert (future.exit_code, future.stderr) == (2, "错误：报送日期 2018-11-20 晚于今天（2018-11-19），不能预先登记\n")
    assert state(ws / "data") == before


def test_a_wrong_date_is_corrected_with_an_audit_row(cli, ws: Path) -> None:
    (ws / "gd.docx").write_bytes(b"gongdian R4")
    submit = ["submit", "progress-report", "--period", "2018-R4", "--from", "gongdian", "gd.docx"]
    assert cli([*submit, "--on", "2018-11-16"]).exit_code == 0  # #3; really sent on the 19th
    repeat = cli([*submit, "--on", "2018-11-19"])
    assert repeat.exit_code == 0
    assert repeat.stdout == (
        "未重复登记：progress-report/2018-R4/gongdian->company 已有内容相同的报送记录 #3（2018-11-16）。\n"
        "  若 #3 的报送日期 2018-11-16 登记错了，请加 --correct-date 重新运行本命令："
        "原记录撤回并记入审计日志，以 2018-11-19 为准。\n"
    )
    corrected = cli([*submit, "--on", "2018-11-19", "--correct-date"])
    assert corrected.exit_code == 0
    assert corrected.stdout.startswith("已登记 #4（更正报送日期，原记录 #3 已撤回）：工作开展情况报告 2018-R4 供电公司→公司，2018-11-19 报送（截止 2018-11-16，逾期）")
    log = json.loads(cli(["log", "--format", "json"]).stdout)
    correction = [e for e in log if e["action"] == "correct"]
    assert len(correction) == 1 and correction[0]["submission_id"] == 3
    assert correction[0]["after"]["reason"] == "报送日期更正：2018-11-16 → 2018-11-19（见 #4）"
    item = next(
        i for i in json.loads(cli(["check", "--as-of", "2018-11-19", "--format", "json", "--all"]).stdout)["items"]
        if i["id"] == "progress-report/2018-R4/gongdian->company"
    )  # fmt: skip
    assert (item["status"], item["submission"]["id"]) == ("late", 4)


# -- 8. init --since on an existing ledger ------------------------------------------------------------


def test_init_never_claims_a_tracking_start_it_did_not_set(cli, ws: Path) -> None:
    shutil.rmtree(ws / "config")  # a workspace whose settings were lost, its ledger kept
    before = state(ws / "data")
    refused = cli(["init", ws, "--since", "2020-01-01"])
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"错误：{ws} 已有台账，从 2018-06-01 开始跟踪；init 不会修改已有台账的跟踪起始日，未做任何修改。"
        f"如确需从 2020-01-01 开始跟踪，请另建一个工作区\n"
    )
    assert not (ws / "config").exists()
    completed = cli(["init", ws])
    assert completed.exit_code == 0
    assert f"台账：{ws / 'data' / 'ledger.sqlite3'}（从 2018-06-01 开始跟踪）" in completed.stdout
    assert state(ws / "data") == before


# -- 9. read-only and full -----------------------------------------------------------------------------


@pytest.fixture
def immutable():
    """chattr +i on paths for the test; always undone."""
    marked: list[Path] = []

    def mark(path: Path) -> None:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        marked.append(path)

    yield mark
    for path in marked:
        subprocess.run(["chattr", "-i", str(path)], check=False)


@needs_root("chattr +i")
def test_a_read_only_ledger_gives_one_chinese_line(cli, ws: Path, immutable) -> None:
    before = record_state(ws / "data")
    (ws / "gd.docx").write_bytes(b"gongdian R4")
    immutable(ws / "data" / "ledger.sqlite3")
    result = cli(["submit", "progress-report", "--period", "2018-R4", "--from", "gongdian", "gd.docx", "--on", "2018-11-16"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("错误：")
    assert "不可写（只读文件、只读磁盘或权限不足），台账未做修改" in result.stderr
    assert "Traceback" not in result.output
    subprocess.run(["chattr", "-i", str(ws / "data" / "ledger.sqlite3")], check=True)
    assert record_state(ws / "data") == before


@needs_root("chattr +i")
def test_a_read_only_evidence_store_gives_one_chinese_line(cli, ws: Path, immutable) -> None:
    before = state(ws / "data")
    (ws / "gd.docx").write_bytes(b"gongdian R4")
    immutable(ws / "data" / "evidence")
    result = cli(["submit", "progress-report", "--period", "2018-R4", "--from", "gongdian", "gd.docx", "--on", "2018-11-16"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"错误：无法把 gd.docx 存入佐证材料库 {ws / 'data' / 'evidence'}：操作不被允许（文件可能被设为只读或不可更改），"
        f"请检查文件属性和权限（如 lsattr、ls -l）。未做任何记录\n"
    )
    assert state(ws / "data") == before


@needs_root("setpriv to run as nobody")
def test_a_ledger_owned_by_another_user_gives_one_chinese_line(ws: Path, child_env, tmp_path: Path) -> None:
    """As `nobody`, on a workspace root made: the folders are readable, not writable."""
    for folder in (tmp_path, *tmp_path.parents):
        if folder == Path("/"):
            break
        folder.chmod(folder.stat().st_mode | 0o005)  # pytest's folders are 0700
    (ws / "gd.docx").write_bytes(b"gongdian R4")
    (ws / "gd.docx").chmod(0o644)
    before = state(ws / "data")
    env = {**child_env, "GDCOMPLY_TODAY": "2018-11-19", "HOME": "/tmp"}
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "gdcomply",
         "submit", "progress-report", "--period", "2018-R4", "--from", "gongdian", str(ws / "gd.docx"),
         "--on", "2018-11-16", "--workspace", str(ws)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("错误：") and result.stderr.count("\n") == 1, result.stderr
    assert "没有写入或读取权限" in result.stderr or "不可写" in result.stderr
    assert state(ws / "data") == before


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@needs_root("mount a small tmpfs")
def test_a_full_disk_gives_one_chinese_line_and_nothing_half_written(cli, small_disk: Path, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GDCOMPLY_TODAY", "2018-11-19")
    assert cli(["init", small_disk / "ws", "--since", "2018-06-01"]).exit_code == 0
    workspace = small_disk / "ws"
    monkeypatch.chdir(workspace)
    filler = small_disk / "filler"
    with filler.open("wb", buffering=0) as handle:  # fill the disk to the last block
        try:
            while handle.write(b"\1" * 4096):
                pass
        except OSError:
            pass
    report = tmp_path / "报告.docx"
    report.write_bytes(os.urandom(200_000))
    before = record_state(workspace / "data")
    result = cli(["submit", "progress-report", "--period", "2018-R4", "--from", "gongdian", report, "--on", "2018-11-16"])
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：") and result.stderr.count("\n") == 1
    assert "磁盘空间已满" in result.stderr and "Traceback" not in result.output
    assert record_state(workspace / "data") == before
    backup = cli(["backup", "--out", small_disk / "备份.zip"])
    assert backup.exit_code in (1, 2) and "磁盘空间已满" in backup.stderr and backup.stderr.count("\n") == 1
    assert not (small_disk / "备份.zip").exists()
    assert not [p for p in small_disk.iterdir() if p.name.startswith(".")]
