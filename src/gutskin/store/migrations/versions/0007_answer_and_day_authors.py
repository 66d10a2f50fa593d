"""who answered: author of questionnaire answers and diary days

A caregiver often answers for a child ("Logging for Mia"), and who answered was not recorded.
Each questionnaire response and diary day now keeps the account that entered it
(``author_user_id``) and its role (``author_role``: patient | caregiver). Rows written before
this revision keep NULL in both: the author is unknown (docs/interop.md, "Who answered").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("questionnaire_responses", "diary_days")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("author_user_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("author_role", sa.String(length=16), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("author_role")
            batch_op.drop_column("author_user_id")
