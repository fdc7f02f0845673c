"""Moving a workspace's SQLite ledger into an empty PostgreSQL database (``gdcomply ledger copy``).

Everything goes: submissions with their ids, files, evidence (its content read from the
evidence folder), the audit log, sent reminders and the tracking start. Before anything is
written the source must be intact (``problems()`` and the evidence re-hashed) and the target
empty; then one transaction writes it all, the database checks every file's content against
its SHA-256, and the transaction commits only if the target then exports exactly what the
source exported. A refused or failed copy leaves the target as it was (an empty database
that had no schema keeps the schema the copy made, which ``ledger migrate`` would have made).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gdcomply.errors import LedgerError
from gdcomply.ledger.evidence import EvidenceStore


@dataclass(frozen=True)
class Copied:
    """What ledger copy did."""

    source: Path
    url: str
    tracking_since: date
    counts: dict[str, int]  # rows per exported table, as the target holds them
    schema_before: int  # the target's schema version before the copy (0: none)
    replaced_since: date | None = None  # the tracking start a migrated target had, if not the source's


def copy_to_postgres(ledger_file: Path, evidence_dir: Path, url: str, *, today: date) -> Copied:
    """Copy the SQLite ledger at ledger_file (with its evidence folder) into the empty database at url."""
    from gdcomply.ledger import postgres, sqlite

    if not ledger_file.exists():
        raise LedgerError(f"没有可复制的 SQLite 台账：{ledger_file} 不存在。请在要迁移的工作区中运行，或用 --workspace 指定")
    # The source is held still from the first read to the target's commit: a submit or a
    # reminder recorded meanwhile would otherwise be left out of a copy that says it is whole
    # (such a command waits, then says the ledger is busy; nothing is lost).
    with sqlite.Ledger.open(ledger_file) as source, source.held_still():
        damaged = source.problems()
        if damaged:
            raise LedgerError(
                f"台账 {ledger_file} 有损坏的记录，未复制（首个问题：{damaged[0]}）。请先运行“gdcomply verify”并处理"
            )
        tracking_since = source.tracking_since
        tables = source.export_tables()
        store = EvidenceStore(evidence_dir)
        bad = store.verify({row["sha256"]: row["size"] for row in tables["evidence"]})
        if bad:
            what = "缺失" if bad[0].kind == "missing" else "内容已被改动"
            raise LedgerError(
                f"佐证材料 {bad[0].sha256} {what}（{bad[0].detail}），共 {len(bad)} 个文件有问题，未复制。"
                f"请先运行“gdcomply verify”并处理"
            )
        probed = postgres.Ledger.probe(url)
        if probed.has_rows:
            raise LedgerError(f"共享台账 {url} 不是空的，未做任何修改。只能复制到一个空的数据库（可以已运行过 gdcomply ledger migrate）")
        if probed.version < postgres.SCHEMA_VERSION:
            postgres.Ledger.migrate(url, tracking_since=tracking_since if probed.version == 0 else None, today=today)

        def content(sha256: str) -> bytes:
            with store.open(sha256) as handle:
                return handle.read()

        with postgres.Ledger.connect(url) as target:
            target.import_tables(tables, tracking_since, content)
            counts = target.row_counts()
    replaced = probed.tracking_since if probed.tracking_since not in (None, tracking_since) else None
    return Copied(ledger_file, url, tracking_since, counts, probed.version, replaced)
