"""a child's second caregiver: the caregivers table and the invite code's kind

A child's profile had exactly one managing account. A ``caregivers`` row lets another person
account (a second parent, a grandparent) keep the child's day-to-day record too: granted by the
managing parent's one-time caregiver invite code, removed by the parent or left by the
caregiver. ``invites.kind`` says what a code grants (``clinician``: read access, every code
made before this revision; ``caregiver``). Diary days and answers a co-caregiver enters are
authored ``co_caregiver`` (``author_role`` is a free String(16): no schema change for that).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caregivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name="fk_caregivers_patient_id_patients",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_caregivers_user_id_users", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["granted_by_user_id"], ["users.id"], name="fk_caregivers_granted_by_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_caregivers"),
        sa.UniqueConstraint("patient_id", "user_id", name="uq_caregivers_patient_user"),
    )
    op.create_index("ix_caregivers_user_id", "caregivers", ["user_id"])
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="clinician"))


def downgrade() -> None:
    # caregiver codes would become clinician codes: they go (an unused one is only a hash)
    op.execute("DELETE FROM invites WHERE kind = 'caregiver'")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_column("kind")
    op.drop_index("ix_caregivers_user_id", table_name="caregivers")
    op.drop_table("caregivers")
