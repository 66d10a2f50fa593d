"""the audit log lets a deleted patient account's address be replaced by a tag, and nothing else

Since 0001 database triggers refuse every UPDATE and DELETE of ``audit_events`` (append-only). A
patient's account deletion now replaces the address in the rows the account made
(``actor_label``) by ``deleted-account-<actor_user_id>``, in the deletion's transaction
(gutskin.clinic.audit.pseudonymise_actor, docs/security.md "What deletion keeps"). This revision
narrows the guard to let exactly that through: an UPDATE whose only change is ``actor_label``
becoming ``'deleted-account-' || actor_user_id`` of a row that names an account. Any other update
(another label, any other column, a row of the operator with no account) and every DELETE still
raise ``audit_events is append-only``.

PostgreSQL: the guard function compares the whole row without ``actor_label`` (``to_jsonb``), so
a column added later is covered without touching this guard. SQLite: the UPDATE trigger gets a
WHEN clause naming every column (a later column must be added to it).

Downgrade: the strict guard of 0001 again. Rows already tagged stay tagged (the addresses are
gone; that is the point).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_PG_GUARD = """
CREATE OR REPLACE FUNCTION gutskin_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.actor_user_id IS NOT NULL
     AND NEW.actor_label = 'deleted-account-' || OLD.actor_user_id::text
     AND (to_jsonb(NEW) - 'actor_label') = (to_jsonb(OLD) - 'actor_label') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql
"""

_PG_STRICT = """
CREATE OR REPLACE FUNCTION gutskin_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql
"""

_SQLITE_SAME = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in
                            ("id", "at", "actor_user_id", "patient_id", "action", "object_type", "object_id"))
_SQLITE_GUARD = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "WHEN NOT (OLD.actor_user_id IS NOT NULL AND NEW.actor_label = 'deleted-account-' || OLD.actor_user_id "
    f"AND {_SQLITE_SAME}) "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
)
_SQLITE_STRICT = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARD)  # the trigger of 0001 calls this function by name
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(_SQLITE_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_STRICT)
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(_SQLITE_STRICT)
