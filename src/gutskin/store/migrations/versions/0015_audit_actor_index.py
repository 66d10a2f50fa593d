"""the audit log is indexed by the account that acted (``actor_user_id``)

A patient's account deletion tags every audit row the account made (0014,
gutskin.clinic.audit.pseudonymise_actor: ``UPDATE audit_events SET actor_label = ... WHERE
actor_user_id = ? AND actor_label != ?``). Nothing indexed ``actor_user_id``, so each deletion read
the whole log, which grows with every read of every record (a sequential scan on PostgreSQL, ``SCAN
audit_events`` on SQLite; checked with EXPLAIN on a seeded clinic, docs/operations.md "Indexes").
``ix_audit_actor`` makes it a search of the account's own rows.

Only this index: the same EXPLAIN walk over every page, the diary write, an appointment request,
a patient's and a clinician's deletion found no other sequential scan of a table that grows
(diary days, factor values, questionnaires, appointments, challenges already use their keys and
indexes; see the docs for what was looked at and left).

Upgrade: builds the index in the migration's transaction (PostgreSQL blocks writes to
``audit_events`` while it builds, seconds for millions of rows). Downgrade drops it; no row changes
either way.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_actor", "audit_events", ["actor_user_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_actor", table_name="audit_events")
