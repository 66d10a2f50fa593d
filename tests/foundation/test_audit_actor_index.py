"""Migration 0015: an account deletion finds the account's audit rows by an index (2026-12-06).

The deletion tags every row the account made (gutskin.clinic.audit.pseudonymise_actor, 0014),
``WHERE actor_user_id = ?``; nothing indexed that column, so on a clinic's log (every read of every
record) the deletion read the whole table: ``Seq Scan on audit_events`` on PostgreSQL, ``SCAN
audit_events`` on SQLite. The statement the real deletion runs is captured and EXPLAINed on the
same database, SQLite and PostgreSQL, after ANALYZE as a running clinic's database would have.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, insert, inspect, select

from gutskin.clinic import accounts
from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine, transaction
from gutskin.store.models import AuditEvent

PASSWORD = "long password of the victim 1"
OTHERS = 150  # accounts whose rows the deletion must not read
ROWS_EACH = 100


def _seed(engine) -> int:  # type: ignore[no-untyped-def]
    """A patient account with 100 audit rows among 15,000 of 150 other accounts and the operator's."""
    with transaction(engine) as s:
        victim = accounts.register_patient(s, "victim@example.org", PASSWORD, "Victim")
        uid = victim.id
    start = dt.datetime(2026, 1, 1)
    rows = [{"at": start + dt.timedelta(minutes=k), "actor_user_id": actor, "actor_label": label, "patient_id": actor,
             "action": "read", "object_type": "diary", "object_id": ""}
            for actor, label in [(uid, "victim@example.org"), *((10_000 + a, f"p{a}@example.org") for a in range(OTHERS)),
                                 (None, "")]
            for k in range(ROWS_EACH)]
    with transaction(engine) as s:
        s.execute(insert(AuditEvent.__table__), rows)
    with engine.connect() as c:
        c.exec_driver_sql("ANALYZE")
        c.commit()
    return uid


def _deletion_audit_statement(engine, uid: int) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    """Delete the account for real; return the UPDATE of audit_events it ran, with its parameters."""
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE AUDIT_EVENTS"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with transaction(engine) as s:
            user = s.get(accounts.User, uid)
            accounts.delete_account(s, accounts.actor_for(user), PASSWORD)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) == 1, seen
    return seen[0]


def _plan(engine, statement: str, params: object) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()
        try:
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            cur.execute(prefix + statement, params)
            return "\n".join(" ".join(str(x) for x in row) for row in cur.fetchall())
        finally:
            cur.close()
            conn.rollback()


def test_the_deletions_audit_update_uses_the_actor_index(db_url: str) -> None:
    engine = get_engine(db_url)
    uid = _seed(engine)
    statement, params = _deletion_audit_statement(engine, uid)
    with transaction(engine) as s:  # the deletion did its work: the account's rows, and only they, are tagged
        mine = s.scalars(select(AuditEvent.actor_label).where(AuditEvent.actor_user_id == uid)).all()
        assert len(mine) >= ROWS_EACH and set(mine) == {f"deleted-account-{uid}"}
        tagged = s.scalars(select(AuditEvent.id).where(AuditEvent.actor_label.like("deleted-account-%"))).all()
        assert len(tagged) == len(mine)
    plan = _plan(engine, statement, params)
    assert "ix_audit_actor" in plan, plan
    assert "Seq Scan on audit_events" not in plan and "SCAN audit_events" not in plan.replace(
        "SCAN audit_events USING", ""), plan


def test_upgrade_adds_and_downgrade_drops_the_index_keeping_every_row(db_url: str) -> None:
    def indexes() -> set[str]:
        dispose_engines()
        return {ix["name"] for ix in inspect(get_engine(db_url)).get_indexes("audit_events")}

    engine = get_engine(db_url)
    with transaction(engine) as s:
        s.execute(insert(AuditEvent.__table__), [{"at": dt.datetime(2026, 1, 1), "actor_user_id": 7,
                                                  "actor_label": "a@example.org", "patient_id": 3, "action": "read",
                                                  "object_type": "diary", "object_id": ""}])
    assert "ix_audit_actor" in indexes()
    migrate.check(db_url)  # the models agree with the migrations
    migrate.downgrade(db_url, "0014")
    assert indexes() == {"ix_audit_patient_at"}
    migrate.upgrade(db_url)
    assert indexes() == {"ix_audit_patient_at", "ix_audit_actor"}
    assert migrate.current_revision(db_url) == migrate.head_revision()
    migrate.check(db_url)
    with get_engine(db_url).connect() as c:
        assert c.exec_driver_sql("SELECT actor_user_id, actor_label FROM audit_events").all() == [(7, "a@example.org")]
