"""appointment requests keep the patient's time zone

The preferred times ("weekday mornings") are the patient's words in the patient's zone; a
clinician in another zone read them as their own. The zone is stored with the request.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("patient_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.drop_column("patient_zone")
