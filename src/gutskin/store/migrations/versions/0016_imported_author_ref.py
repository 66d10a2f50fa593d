"""which of another system's co-caregivers entered an imported answer or day (``author_ref``)

A FHIR bundle names each co-caregiver of a child as a RelatedPerson of its own (docs/interop.md,
"Who answered"). The import keeps the role (``author_role`` ``co_caregiver``) but no account of
this install entered the row (``author_user_id`` NULL), so every co-caregiver came back as one
and the next export made one RelatedPerson of two. ``author_ref`` keeps which one: the
co-caregiver's number in the imported bundle ("1", "2", ... in bundle order). Read only where
``author_user_id`` is NULL (a row written here names its account); NULL for every row written
before this revision and for every row not imported.

Upgrade adds the nullable column to ``diary_days`` and ``questionnaire_responses``; downgrade drops
it (imported co-caregivers then read as one again; no other row changes).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("questionnaire_responses", "diary_days")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("author_ref", sa.String(length=40), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("author_ref")
