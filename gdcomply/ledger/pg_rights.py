"""Who may do what in a shared ledger: ``gdcomply ledger grant``, ``revoke`` and ``roles``.

The rights themselves are the database's (gdcomply.ledger.pg_schema, step 3: privileges,
row-level security, audit triggers); this module gives and lists them on an open
gdcomply.ledger.postgres.Ledger, as its owner. A role is the administrator's: an office's
group role (its people's logins are members of it) or one person's login. Each kind of role
gets exactly these privileges (docs/deployment.md lists them; tests/test_ledger_rights.py
checks each by connecting as such a role):

- ``party`` (one of the calendar's parties): read every submission; record submissions, their
  files and evidence, and change their state (withdraw, supersede, reinstate), for its own
  party only (row-level security) — or for every party when the party is the company, whose
  roles also import the complaints. A unit's role reads only its own complaints.
- ``read-only``: read everything.
- ``reminders`` (the cron job's role): read everything; record reminders sent.

Nobody but the owner may write the audit (the database writes it), change a submission's
recorded facts (only its state columns), delete anything, or give rights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import psycopg
from psycopg import sql

from gdcomply.errors import LedgerError, LedgerSetupError

KINDS = ("party", "read-only", "reminders")
COMPANY = "company"  # the party whose roles record for every party (the marketing department)
_STATE_COLUMNS = ("state", "superseded_by", "withdrawn_reason")


@dataclass(frozen=True)
class RoleRights:
    """One role's rights in a shared ledger, as ``ledger roles`` lists them."""

    role: str
    kind: str  # party | read-only | reminders | owner
    party: str | None
    can_login: bool
    members: tuple[str, ...]  # roles that act through it (an office's people)
    granted_at: str
    granted_by: str


def describe(kind: str, party: str | None, names: Mapping[str, str]) -> str:
    """A role's kind in words: 代表桂源公司, 代表公司（可为各单位登记）, 只读, 发送提醒, 台账所有者."""
    if kind == "party":
        name = names.get(party or "", party or "")
        return f"代表{name}（可为各单位登记）" if party == COMPANY else f"代表{name}"
    return {"read-only": "只读", "reminders": "发送提醒", "owner": "台账所有者"}.get(kind, kind)


def can_do(kind: str, party: str | None, names: Mapping[str, str]) -> str:
    """What a role of that kind may do, in one line (``ledger roles``)."""
    if kind == "owner":
        return "全部：建立和升级台账、授权、复制台账；只有它能改写或删除审计记录"
    if kind == "party" and party == COMPANY:
        return "查看全部；为任一单位登记和撤回报送；导入投诉"
    if kind == "party":
        name = names.get(party or "", party or "")
        return f"查看全部报送和{name}的投诉；只为{name}登记和撤回报送"
    if kind == "reminders":
        return "查看全部；记录已发送的提醒"
    return "查看全部"


def acts_as(db: psycopg.Connection | psycopg.Cursor) -> list[tuple[str, str | None]]:
    """The (kind, party) of every grant the current role holds, itself or through membership."""
    rows = db.execute(
        "SELECT g.kind, g.party FROM gdcomply.grants g JOIN pg_roles r ON r.rolname = g.role"
        " WHERE pg_has_role(r.oid, 'USAGE') ORDER BY g.kind, g.party"
    ).fetchall()
    return [(kind, party) for kind, party in rows]


def held_by(db: psycopg.Connection | psycopg.Cursor, names: Mapping[str, str]) -> str:
    """What the current role acts as, in words (for a refusal): 代表桂源公司, 只读, …"""
    return "、".join(describe(kind, party, names) for kind, party in acts_as(db)) or "未获 gdcomply ledger grant 授权"


def grant(ledger: Any, role: str, kind: str, party: str | None) -> tuple[str | None, str | None] | None:
    """Let role act as kind (for party); returns the (kind, party) it had before, or None.

    In one transaction: the role's previous privileges go, the new ones come, and the grants
    table (audited by the database) says so. Only the ledger's owner can do it.
    """
    assert kind in KINDS and (kind == "party") == (party is not None)
    db = ledger._db
    try:
        with db.transaction():
            must_be_owner(ledger, db, "授权")
            target = db.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if target is None:
                raise LedgerSetupError(
                    f"数据库中没有角色 {role}，未做任何修改。请管理员先创建它（如 CREATE ROLE {role} LOGIN;，"
                    f"或一个办公室的组角色 CREATE ROLE {role} NOLOGIN;），再运行 gdcomply ledger grant"
                )
            if target[0] or target[1]:
                raise LedgerSetupError(
                    f"角色 {role} 是超级用户或可绕过行级安全（BYPASSRLS），数据库对它不执行任何权限限制，"
                    f"不能作为 gdcomply 的单位、只读或提醒角色。未做任何修改，请为各办公室另建普通角色"
                )
            owner = db.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'gdcomply'").fetchone()[0]
            if role == owner:
                raise LedgerSetupError(f"角色 {role} 是台账的所有者，已有全部权限，无需授权。未做任何修改")
            before = db.execute("SELECT kind, party FROM gdcomply.grants WHERE role = %s", (role,)).fetchone()
            _revoke_privileges(db, role)
            who = sql.Identifier(role)
            statements = [
                "GRANT USAGE ON SCHEMA gdcomply TO {who}",
                "GRANT SELECT ON ALL TABLES IN SCHEMA gdcomply TO {who}",
            ]
            if kind == "party":
                statements += [
                    "GRANT INSERT ON gdcomply.submissions, gdcomply.submission_files, gdcomply.evidence TO {who}",
                    "GRANT UPDATE ({columns}) ON gdcomply.submissions TO {who}",
                    "GRANT USAGE ON SEQUENCE gdcomply.submissions_id_seq TO {who}",
                ]
            if kind == "party" and party == COMPANY:  # the marketing department imports the complaints
                statements += [
                    "GRANT INSERT, UPDATE ON gdcomply.complaints TO {who}",
                    "GRANT USAGE ON SEQUENCE gdcomply.complaints_id_seq TO {who}",
                ]
            elif kind == "reminders":
                statements += [
                    "GRANT INSERT ON gdcomply.reminders TO {who}",
                    "GRANT USAGE ON SEQUENCE gdcomply.reminders_id_seq TO {who}",
                ]
            columns = sql.SQL(", ").join(sql.Identifier(c) for c in _STATE_COLUMNS)
            for statement in statements:
                db.execute(sql.SQL(statement).format(who=who, columns=columns))
            db.execute(
                "INSERT INTO gdcomply.grants(role, kind, party) VALUES (%s, %s, %s)"
                " ON CONFLICT (role) DO UPDATE SET kind = excluded.kind, party = excluded.party,"
                " granted_at = now(), granted_by = session_user",
                (role, kind, party),
            )
    except psycopg.Error as exc:
        raise ledger._error(exc, "授权") from None
    return (before[0], before[1]) if before else None


def revoke(ledger: Any, role: str) -> tuple[str, str | None]:
    """Take every right of role in the ledger; returns the (kind, party) it had."""
    db = ledger._db
    try:
        with db.transaction():
            must_be_owner(ledger, db, "撤销授权")
            before = db.execute("SELECT kind, party FROM gdcomply.grants WHERE role = %s", (role,)).fetchone()
            if before is None:
                raise LedgerError(f"角色 {role} 在共享台账 {ledger.url} 中没有授权（见 gdcomply ledger roles），未做任何修改")
            if db.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                _revoke_privileges(db, role)
            db.execute("DELETE FROM gdcomply.grants WHERE role = %s", (role,))
    except psycopg.Error as exc:
        raise ledger._error(exc, "撤销授权") from None
    return before[0], before[1]


def roles(ledger: Any) -> list[RoleRights]:
    """The owner and every granted role, with the roles that are members of each."""
    db = ledger._db
    try:
        owner = db.execute(
            "SELECT r.rolname, r.rolcanlogin FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner"
            " WHERE n.nspname = 'gdcomply'"
        ).fetchone()
        rows = db.execute(
            "SELECT g.role, g.kind, g.party, coalesce(r.rolcanlogin, false),"
            " coalesce((SELECT array_agg(m.rolname ORDER BY m.rolname) FROM pg_auth_members am"
            "           JOIN pg_roles m ON m.oid = am.member WHERE am.roleid = r.oid), '{}'),"
            " to_char(g.granted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), g.granted_by, r.oid IS NULL"
            " FROM gdcomply.grants g LEFT JOIN pg_roles r ON r.rolname = g.role"
            " ORDER BY g.kind, g.party NULLS LAST, g.role"
        ).fetchall()
    except psycopg.Error as exc:
        raise ledger._error(exc, "读取授权") from None
    listed = [RoleRights(owner[0], "owner", None, bool(owner[1]), (), "", "")] if owner else []
    for role, kind, party, login, members, at, by, dropped in rows:
        listed.append(RoleRights(role, kind, party, bool(login) and not dropped, tuple(members), at, by))
    return listed


def must_be_owner(ledger: Any, db: psycopg.Connection, doing: str) -> None:
    row = db.execute(
        "SELECT pg_has_role(session_user, nspowner, 'MEMBER'), nspowner::regrole::text FROM pg_namespace"
        " WHERE nspname = 'gdcomply'"
    ).fetchone()
    if not row or not row[0]:
        raise LedgerSetupError(
            f"只有共享台账 {ledger.url} 的所有者（数据库用户 {row[1] if row else '?'}）能{doing}；"
            f"数据库用户 {ledger.user} 不能，未做任何修改。请以所有者的身份运行"
        )


def _revoke_privileges(db: psycopg.Connection, role: str) -> None:
    who = sql.Identifier(role)
    for statement in (
        "REVOKE ALL ON ALL TABLES IN SCHEMA gdcomply FROM {who}",
        "REVOKE ALL ON ALL SEQUENCES IN SCHEMA gdcomply FROM {who}",
        "REVOKE ALL ON SCHEMA gdcomply FROM {who}",
    ):
        db.execute(sql.SQL(statement).format(who=who))
