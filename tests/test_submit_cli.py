"""`gdcomply submit / withdraw / log / export / verify` through the CLI, on a real workspace.

Bad input must get its exact Chinese message and exit code AND leave the ledger and the
evidence store byte-for-byte as they were (every file under data/ is hashed before and after;
on a shared ledger, every row of every table).

Each test runs on both ledgers (the ``backend`` fixture: an SQLite workspace, or one whose
config/workspace.yaml names a PostgreSQL database), except those about the SQLite file and the
evidence folder themselves (``sqlite_only``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest

from conftest import pg_state, pg_tables, shared_ledger_of
from gdcomply.ledger.model import EXPORT_COLUMNS
from gdcomply.ledger.sqlite import SCHEMA_VERSION

R4_COMPANY = "progress-report/2018-R4/guiyuan->company"
R4_BUREAU = "progress-report/2018-R4/guiyuan->bureau"


sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])  # about the file and the folder themselves


@pytest.fixture
def ws(cli, tmp_path: Path, backend: str, shared_workspace) -> Path:
    """A workspace tracking since 2018-06-01, and the working directory is inside it."""
    if backend == "postgresql":
        shared_workspace("ws")
    else:
        result = cli(["init", "ws", "--since", "2018-06-01"])
        assert result.exit_code == 0, result.output
    os.chdir(tmp_path / "ws")  # the cli fixture's monkeypatch restores the directory
    return tmp_path / "ws"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def data_state(ws: Path) -> dict[str, str]:
    """Every file under data/ (ledger, its WAL files if any, evidence) and the hash of its bytes;
    with a shared ledger, also the hash of every table's rows."""
    url = shared_ledger_of(ws)
    return {
        **{
            str(p.relative_to(ws)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((ws / "data").rglob("*"))
            if p.is_file()
        },
        **(pg_state(url) if url else {}),
    }


def evidence_files(ws: Path) -> list[str]:
    """The SHA-256 of every stored evidence file (the folder's names, or the database's keys)."""
    url = shared_ledger_of(ws)
    if url:
        return sorted(row[0] for row in pg_tables(url)["evidence"])
    return sorted(p.name for p in (ws / "data" / "evidence").rglob("*") if p.is_file())


def stored_content(ws: Path, digest: str) -> bytes:
    url = shared_ledger_of(ws)
    if url:
        [content] = [row[3] for row in pg_tables(url)["evidence"] if row[0] == digest]
        return bytes(content)
    return (ws / "data" / "evidence" / digest[:2] / digest).read_bytes()


def exported(cli) -> dict:
    result = cli(["export", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def submit_r4_guiyuan(cli, ws: Path, content: str = "R4 report v1", *extra: str):
    report = write(ws.parent / "in" / "2018年第四次工作开展情况.docx", content)
    return cli(["submit", "progress-report", report, "--period", "2018-R4", "--from", "guiyuan", "--to", "all", "--on", "2018-11-16", *extra])


# -- submit -----------------------------------------------------------------------------------


def test_submit_to_all_records_one_row_per_receiver_and_stores_the_file_once(cli, ws: Path) -> None:
    result = submit_r4_guiyuan(cli, ws)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "已登记 #1：工作开展情况报告 2018-R4 桂源公司→公司，2018-11-16 报送（截止 2018-11-16，按时），1 个文件。\n"
        "已登记 #2：工作开展情况报告 2018-R4 桂源公司→南方监管局，2018-11-16 报送（截止 2018-11-16，按时），1 个文件。\n"
    )
    digest = sha("R4 report v1")
    assert stored_content(ws, digest) == b"R4 report v1"
    assert evidence_files(ws) == [digest]  # one copy, named by its SHA-256, no temporary left
    rows = exported(cli)
    assert [(s["id"], s["instance_id"], s["sender"], s["receiver"], s["submitted_on"], s["state"]) for s in rows["submissions"]] == [
        (1, R4_COMPANY, "guiyuan", "company", "2018-11-16", "active"),
        (2, R4_BUREAU, "guiyuan", "bureau", "2018-11-16", "active"),
    ]
    assert [(f["submission_id"], f["original_name"], f["sha256"], f["size"]) for f in rows["files"]] == [
        (1, "2018年第四次工作开展情况.docx", digest, 12),
        (2, "2018年第四次工作开展情况.docx", digest, 12),
    ]


def test_identical_resubmission_records_nothing_and_says_so(cli, ws: Path) -> None:
    assert submit_r4_guiyuan(cli, ws).exit_code == 0
    before = data_state(ws)
    again = submit_r4_guiyuan(cli, ws)
    assert again.exit_code == 0
    assert again.stdout == (
        f"未重复登记：{R4_COMPANY} 已有内容相同的报送记录 #1（2018-11-16）。\n"
        f"未重复登记：{R4_BUREAU} 已有内容相同的报送记录 #2（2018-11-16）。\n"
    )
    assert data_state(ws) == before  # not a byte written: no row, no audit, no file
    assert len(exported(cli)["submissions"]) == 2


def test_a_later_different_submission_supersedes_and_withdraw_reinstates(cli, ws: Path) -> None:
    assert submit_r4_guiyuan(cli, ws).exit_code == 0
    amended = submit_r4_guiyuan(cli, ws, "R4 report v2", "--note", "补充附表")
    assert amended.exit_code == 0
    assert amended.stdout.startswith("已登记 #3：工作开展情况报告 2018-R4 桂源公司→公司，")
    states = {s["id"]: (s["state"], s["superseded_by"]) for s in exported(cli)["submissions"]}
    assert states == {1: ("superseded", 3), 2: ("superseded", 4), 3: ("active", None), 4: ("active", None)}
    # check shows the newest submission
    check = json.loads(cli(["check", "--as-of", "2018-11-19", "--all", "--format", "json"]).stdout)
    item = next(i for i in check["items"] if i["id"] == R4_COMPANY)
    assert (item["status"], item["submission"]["id"]) == ("done", 3)
    assert item["submission"]["files"] == [{"name": "2018年第四次工作开展情况.docx", "sha256": sha("R4 report v2")}]

    withdrawn = cli(["withdraw", "3", "--reason", "附表有误"])
    assert (withdrawn.exit_code, withdrawn.stdout) == (0, f"已撤回 #3（{R4_COMPANY}）：附表有误\n")
    states = {s["id"]: s["state"] for s in exported(cli)["submissions"]}
    assert states == {1: "active", 2: "superseded", 3: "withdrawn", 4: "active"}
    check = json.loads(cli(["check", "--as-of", "2018-11-19", "--all", "--format", "json"]).stdout)
    assert next(i for i in check["items"] if i["id"] == R4_COMPANY)["submission"]["id"] == 1

    log = json.loads(cli(["log", "--instance", R4_COMPANY, "--format", "json"]).stdout)
    assert [(e["action"], e["submission_id"]) for e in log] == [
        ("submit", 1), ("submit", 3), ("supersede", 1), ("withdraw", 3), ("reinstate", 1),
    ]  # fmt: skip
    assert log[1]["after"]["note"] == "补充附表"
    assert log[3]["before"] == {"state": "active"}
    assert log[3]["after"] == {"state": "withdrawn", "reason": "附表有误"}
    assert all(e["instance_id"] == R4_COMPANY and e["os_user"] and e["at"].startswith("20") for e in log)
    assert len(json.loads(cli(["log", "--format", "json"]).stdout)) == 8  # both instances

    table = cli(["log", "--instance", R4_COMPANY])
    assert table.exit_code == 0
    for text in ("审计日志（5 条）", "登记", "被取代", "撤回", "恢复有效", "原因：附表有误", "被 #3 取代"):
        assert text in table.stdout


def test_withdraw_refusals(cli, ws: Path) -> None:
    assert submit_r4_guiyuan(cli, ws).exit_code == 0
    before = data_state(ws)
    empty = cli(["withdraw", "1", "--reason", "  "])
    assert (empty.exit_code, empty.stderr) == (2, "错误：--reason 不能为空：请写明撤回原因\n")
    unknown = cli(["withdraw", "9", "--reason", "错报"])
    assert (unknown.exit_code, unknown.stderr) == (1, "错误：没有编号为 9 的报送记录（可用“gdcomply log”查看）\n")
    missing = cli(["withdraw", "1"])
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    assert data_state(ws) == before


def test_late_submission_milestone_and_several_files(cli, ws: Path) -> None:
    late = cli(["submit", "progress-report", write(ws / "r1.pdf", "r1"), "--period", "2018-R1", "--from", "gongdian", "--on", "2018-06-12"])
    assert late.stdout == (
        "已登记 #1：工作开展情况报告 2018-R1 供电公司→公司，2018-06-12 报送（截止 2018-06-08，逾期），1 个文件。\n"
    )
    finish = cli(["submit", "self-inspection", write(ws / "自查完成通知.png", "png"), "--period", "2018", "--from", "guiyuan", "--on", "2018-07-13"])
    assert finish.stdout == "已登记 #2：自查报告（完成自查） 2018 桂源公司，2018-07-13 报送（截止 2018-07-13，按时），1 个文件。\n"
    files = [write(ws / "自查报告.docx", "report"), write(ws / "附件.xlsx", "annex")]
    both = cli(["submit", "self-inspection", *files, "--period", "2018", "--from", "gongdian", "--to", "company", "--on", "2018-07-20"])
    assert both.stdout.endswith("，2 个文件。\n")
    assert evidence_files(ws) == sorted(sha(t) for t in ("r1", "png", "report", "annex"))
    rows = exported(cli)
    assert [f["original_name"] for f in rows["files"] if f["submission_id"] == 3] == ["自查报告.docx", "附件.xlsx"]
    check = json.loads(cli(["check", "--as-of", "2018-07-20", "--all", "--format", "json"]).stdout)
    statuses = {i["id"]: i["status"] for i in check["items"]}
    assert statuses["progress-report/2018-R1/gongdian->company"] == "late"
    assert statuses["self-inspection/2018/guiyuan"] == "done"
    assert statuses["self-inspection/2018/gongdian->company"] == "done"


# -- export and verify -------------------------------------------------------------------------


@pytest.fixture
def busy_ws(cli, ws: Path) -> Path:
    """Submissions, a supersede, a withdrawal, a note that looks like a formula, a reminder row."""
    assert submit_r4_guiyuan(cli, ws).exit_code == 0
    assert submit_r4_guiyuan(cli, ws, "v2", "--note", "=HYPERLINK(\"x\")").exit_code == 0
    assert cli(["withdraw", "4", "--reason", "重复, 报送"]).exit_code == 0
    report = write(ws / "r1.pdf", "r1")
    assert cli(["submit", "progress-report", report, "--period", "2018-R1", "--from", "gongdian", "--on", "2018-06-12"]).exit_code == 0
    return ws


def ledger_rows(ws: Path) -> dict[str, list[dict]]:
    """The ledger read with plain sqlite3, independently of the ledger module."""
    db = sqlite3.connect(ws / "data" / "ledger.sqlite3")
    db.row_factory = sqlite3.Row
    tables = {
        "submissions": "SELECT * FROM submissions ORDER BY id",
        "files": "SELECT * FROM submission_files ORDER BY submission_id, position",
        "evidence": "SELECT * FROM evidence ORDER BY sha256",
        "audit": "SELECT * FROM audit ORDER BY id",
        "reminders": "SELECT * FROM reminders ORDER BY id",
        "complaints": "SELECT * FROM complaints ORDER BY id",
        "complaint_audit": "SELECT * FROM complaint_audit ORDER BY id",
    }
    rows = {name: [dict(r) for r in db.execute(query)] for name, query in tables.items()}
    db.close()
    return rows


@sqlite_only
def test_export_json_is_the_ledger(cli, busy_ws: Path) -> None:
    info = cli(["info"])
    assert f"台账：{busy_ws / 'data' / 'ledger.sqlite3'}（架构版本 {SCHEMA_VERSION}，5 条报送记录，从 2018-06-01 开始跟踪）" in info.stdout
    payload = exported(cli)
    assert payload["schema_version"] == SCHEMA_VERSION
    assert payload["tracking_since"] == "2018-06-01"
    assert {k: v for k, v in payload.items() if k not in ("schema_version", "tracking_since")} == ledger_rows(busy_ws)
    assert len(payload["submissions"]) == 5 and len(payload["audit"]) == 9  # 5 submit, 2 supersede, withdraw, reinstate
    out = cli(["export", "--format", "json", "--out", busy_ws.parent / "backup.json"])
    assert out.exit_code == 0 and out.stdout == f"已导出：{busy_ws.parent / 'backup.json'}\n"
    assert json.loads((busy_ws.parent / "backup.json").read_text(encoding="utf-8")) == payload


def test_export_csv_round_trips(cli, busy_ws: Path) -> None:
    out_dir = busy_ws.parent / "csv"
    result = cli(["export", "--format", "csv", "--out", out_dir])
    assert result.exit_code == 0, result.output
    names = ["submissions", "files", "evidence", "audit", "reminders", "complaints", "complaint_audit"]
    assert result.stdout == "已导出：\n" + "".join(f"  {out_dir / n}.csv\n" for n in names)
    rows = exported(cli)  # the JSON export, which test_export_json_is_the_ledger compares with the file
    for name in names:
        raw = (out_dir / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
        with open(out_dir / f"{name}.csv", encoding="utf-8-sig", newline="") as handle:
            read = list(csv.reader(handle))
        header, *body = read
        assert header == list(EXPORT_COLUMNS[name])  # an empty table (reminders) still has its header
        expected = [["" if v is None else str(v) for v in row.values()] for row in rows[name]]
        # a cell a spreadsheet would run as a formula is written as text (a leading quote)
        expected = [[("'" + v) if v[:1] in "=+-@" and v else v for v in row] for row in expected]
        assert body == expected
    with open(out_dir / "submissions.csv", encoding="utf-8-sig", newline="") as handle:
        submissions = list(csv.DictReader(handle))
    assert submissions[3]["note"] == "'=HYPERLINK(\"x\")"
    assert submissions[3]["withdrawn_reason"] == "重复, 报送"


def test_export_csv_needs_a_directory(cli, busy_ws: Path) -> None:
    result = cli(["export", "--format", "csv"])
    assert (result.exit_code, result.stderr) == (2, "错误：--format csv 需要用 --out 指定输出目录（每张表一个 CSV 文件）\n")
    blocker = write(busy_ws.parent / "a-file", "x")
    result = cli(["export", "--format", "csv", "--out", blocker])
    assert result.exit_code == 2 and result.stderr == f"错误：{blocker} 已存在且不是目录\n"


@sqlite_only
def test_verify_passes_then_finds_an_altered_and_a_missing_file(cli, busy_ws: Path) -> None:
    ok = cli(["verify"])
    assert (ok.exit_code, ok.stdout) == (0, "校验通过：台账完好，3 个佐证材料文件完好。\n")
    store = busy_ws / "data" / "evidence"
    altered = store / sha("v2")[:2] / sha("v2")
    altered.write_text("v3", encoding="utf-8")
    missing = store / sha("r1")[:2] / sha("r1")
    missing.unlink()
    bad = cli(["verify"])
    assert bad.exit_code == 1
    lines = bad.stdout.splitlines()
    assert sorted(lines[:2]) == sorted([f"内容已被改动：{sha('v2')}（{altered}）", f"缺失：{sha('r1')}（{missing}）"])
    assert lines[2:] == ["校验未通过：2 个文件有问题（佐证材料共 3 个）。可从备份恢复（gdcomply restore），或撤回有问题的记录后重新登记。"]


@sqlite_only
def test_verify_lists_unreferenced_files_without_failing(cli, busy_ws: Path) -> None:
    stray = write(busy_ws / "data" / "evidence" / sha("stray")[:2] / sha("stray"), "stray")
    assert stray.exists()
    result = cli(["verify"])
    assert result.exit_code == 0
    assert result.stdout == (
        "另有 1 个文件未被任何报送记录引用（中断的登记留下的，可忽略）。\n校验通过：台账完好，3 个佐证材料文件完好。\n"
    )


# -- bad input: exact message, exit code, nothing changed --------------------------------------


@pytest.fixture
def recorded_ws(cli, ws: Path) -> Path:
    """A workspace with one earlier submission, so that 'untouched' means something."""
    assert submit_r4_guiyuan(cli, ws).exit_code == 0
    write(ws / "good.pdf", "a good file")
    return ws


def assert_refused(cli, ws: Path, args: list, code: int, message: str) -> None:
    before = data_state(ws)
    result = cli(args)
    assert (result.exit_code, result.stderr) == (code, message)
    assert result.stdout == ""
    assert data_state(ws) == before
    assert evidence_files(ws) == [sha("R4 report v1")]


SUBMIT_R4 = ["submit", "progress-report", "--period", "2018-R4", "--from", "gongdian", "--on", "2018-11-16"]


def test_a_file_that_does_not_exist(cli, recorded_ws: Path) -> None:
    # the good file beside it is not stored either
    assert_refused(cli, recorded_ws, [*SUBMIT_R4, "good.pdf", "nope.pdf"], 1, "错误：以下佐证材料无法使用，未做任何记录：\nnope.pdf：文件不存在\n")


def test_a_directory_instead_of_a_file(cli, recorded_ws: Path) -> None:
    assert_refused(cli, recorded_ws, [*SUBMIT_R4, "good.pdf", "config"], 1, "错误：以下佐证材料无法使用，未做任何记录：\nconfig：是目录，不是文件\n")


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_a_file_that_says_it_is_empty(cli, recorded_ws: Path) -> None:
    """/proc/self/mem is a regular file of 0 bytes by its size (and unreadable at offset 0)."""
    assert_refused(
        cli, recorded_ws, [*SUBMIT_R4, "good.pdf", "/proc/self/mem"], 1,
        "错误：以下佐证材料无法使用，未做任何记录：\n/proc/self/mem：是空文件（0 字节），请给出实际的报告或回执文件\n",
    )  # fmt: skip


UNREADABLE = (
    "错误：以下佐证材料无法使用，未做任何记录：\n"
    "locked.pdf：无法读取（没有写入或读取权限，请检查文件和目录的所有者与权限（是否曾以其他用户身份运行过 gdcomply））\n"
)


def test_a_file_without_read_permission(cli, recorded_ws: Path, child_env: dict[str, str], tmp_path: Path) -> None:
    """chmod 000 stops every user but root; as root the submit runs as `nobody` (setpriv) on a
    workspace nobody owns, so the permission is really checked."""
    locked = write(recorded_ws / "locked.pdf", "secret")
    locked.chmod(0)
    try:
        if os.geteuid() != 0:
            assert_refused(cli, recorded_ws, [*SUBMIT_R4, "locked.pdf"], 1, UNREADABLE)
            return
        import shutil
        import subprocess
        import sys

        for folder in (tmp_path, *tmp_path.parents):
            if folder != Path("/"):
                folder.chmod(folder.stat().st_mode | 0o005)  # pytest's folders are 0700
        for path in (recorded_ws, *recorded_ws.rglob("*")):
            if path != locked:
                shutil.chown(path, 65534, 65534)
        before = data_state(recorded_ws)
        result = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "gdcomply",
             *SUBMIT_R4, "locked.pdf", "--workspace", str(recorded_ws)],
            cwd=recorded_ws, env={**child_env, "HOME": "/tmp"}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert (result.returncode, result.stderr, result.stdout) == (1, UNREADABLE, ""), result.stderr
        assert data_state(recorded_ws) == before
    finally:
        locked.chmod(0o600)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"--period": "2018-R5"},
            "事项“工作开展情况报告”（progress-report）没有期次“2018-R5”。是否想输入：2018-R4、2018-R3、2018-R2？"
            "可选期次如：2018-R1、2018-R2、2018-R3、2018-R4、2019-R1、2019-R2、2019-R3、2019-R4",
        ),
        (
            {"--from": "gongdain"},
            "--from 的值“gongdain”不是已知的单位。是否想输入：gongdian？"
            "可选：南方监管局（bureau）、公司（company）、桂源公司（guiyuan）、供电公司（gongdian）",
        ),
        ({"--to": "南方监管局"}, "供电公司的“工作开展情况报告 2018-R4”不报送给南方监管局。接收方：公司（company）"),
        ({"--on": "2018/11/16"}, "--on 的值“2018/11/16”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）"),
        ({"--on": "2018-11-31"}, "--on 的值“2018-11-31”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）"),
        ({"--on": "2030-01-01"}, None),  # in the future: refused, the text names today
    ],
)
def test_an_instance_or_date_that_does_not_exist(cli, recorded_ws: Path, change: dict, message: str | None) -> None:
    args = ["submit", "progress-report", "good.pdf", "--period", "2018-R4", "--from", "gongdian", "--on", "2018-11-16"]
    for option, value in change.items():
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    if message is None:
        result = cli(args)
        assert result.exit_code == 2
        assert result.stderr.startswith("错误：报送日期 2030-01-01 晚于今天（") and "不能预先登记" in result.stderr
        return
    assert_refused(cli, recorded_ws, args, 2, f"错误：{message}\n")


def test_an_unknown_obligation(cli, recorded_ws: Path) -> None:
    assert_refused(
        cli, recorded_ws, ["submit", "progres-report", "good.pdf", "--period", "2018-R4", "--from", "gongdian"], 2,
        "错误：未知的事项“progres-report”。是否想输入：progress-report？可选：implementation-plan、progress-report、"
        "connection-data、self-inspection、rectification、wechat-account、online-hall、disclosure\n",
    )  # fmt: skip


def _random_bytes(path: Path) -> str:
    path.write_bytes(os.urandom(8192))
    return f"错误：{path} 不是 gdcomply 台账（不是 SQLite 数据库文件），未做任何修改。请从备份恢复该文件，或检查工作区是否选对\n"


def _foreign(path: Path) -> str:
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT)")
    db.execute("INSERT INTO orders(customer) VALUES ('广西某小微企业')")
    db.commit()
    db.close()
    return f"错误：{path} 不是 gdcomply 台账（是其他程序的 SQLite 数据库），未做任何修改\n"


def _newer(path: Path) -> str:
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 3}")
    db.commit()
    db.close()
    return (
        f"错误：台账 {path} 由更新版本的 gdcomply 创建（架构版本 {SCHEMA_VERSION + 3}，"
        f"本程序最高支持 {SCHEMA_VERSION}）。请升级 gdcomply 后再使用，台账未做任何修改\n"
    )


def _empty(path: Path) -> str:
    path.write_bytes(b"")
    return (
        f"错误：{path} 是空文件，不是 gdcomply 台账，未做任何修改。请从备份恢复该文件；"
        f"若它确实是多余的，删除后下次登记时会重新创建台账（从当天开始跟踪）\n"
    )


LEDGER_COMMANDS = [
    [*SUBMIT_R4, "good.pdf"],
    ["check", "--as-of", "2018-11-19"],
    ["withdraw", "1", "--reason", "x"],
    ["log"],
    ["export", "--format", "json"],
    ["verify"],
    ["info"],
]


@sqlite_only
@pytest.mark.parametrize("spoil", [_random_bytes, _foreign, _newer, _empty], ids=["random-bytes", "foreign-sqlite", "newer-schema", "empty"])
def test_a_ledger_that_is_not_ours_is_refused_untouched(cli, recorded_ws: Path, spoil) -> None:
    ledger = recorded_ws / "data" / "ledger.sqlite3"
    for extra in ledger.parent.glob("ledger.sqlite3-*"):
        extra.unlink()  # checkpointed on close: nothing to lose
    message = spoil(ledger)
    for command in LEDGER_COMMANDS:
        assert_refused(cli, recorded_ws, command, 1, message)


def test_init_refuses_a_bad_since_date_and_an_existing_workspace(cli, ws: Path) -> None:
    result = cli(["init", ws.parent / "other", "--since", "2018-6-1"])
    assert (result.exit_code, result.stderr) == (2, "错误：--since 的值“2018-6-1”不是有效的日期，格式应为 YYYY-MM-DD（如 2026-06-08）\n")
    assert not (ws.parent / "other").exists()
    before = data_state(ws)
    again = cli(["init", ws, "--since", "2019-01-01"])
    assert again.exit_code == 2
    assert again.stderr == f"错误：{ws} 已经是 gdcomply 工作区（config/deadlines.yaml 已存在），未做任何修改\n"
    assert data_state(ws) == before
