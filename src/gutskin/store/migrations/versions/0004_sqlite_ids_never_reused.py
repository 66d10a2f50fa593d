"""SQLite: ids of users and patients are never reused (AUTOINCREMENT)

Without AUTOINCREMENT SQLite gives a new row max(id) + 1, so deleting the newest account handed
its id to the next one to register: the deleted account's API token (which names the user id)
then opened the new account, and the audit rows of the deleted patient showed in the new
patient's history. PostgreSQL sequences never go back; nothing changes there.

The tables are rebuilt (SQLite cannot add AUTOINCREMENT in place), which needs foreign keys off
(a DROP TABLE with them on would cascade-delete every child row): gutskin's migration runner
(``gutskin.store.migrate``) turns them off around the transaction and checks them after.
The id sequences start above every id the audit log has seen, so ids of accounts deleted
before this migration are not handed out either.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SEEN = {"users": "actor_user_id", "patients": "patient_id"}  # audit column that remembers each table's ids


def _rebuild(autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "migration 0004 rebuilds tables on SQLite and needs foreign keys off; run it with `gutskin db upgrade`"
        )
    for table in SEEN:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass
    if autoincrement:
        for table, column in SEEN.items():
            high = bind.exec_driver_sql(
                f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), "
                f"coalesce((SELECT max({column}) FROM audit_events), 0))"
            ).scalar()
            bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
            bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, int(high or 0)))


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
