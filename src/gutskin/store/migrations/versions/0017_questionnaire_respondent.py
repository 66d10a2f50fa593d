"""who answered a questionnaire: the person themselves or a parent/caregiver for them (``respondent``)

A questionnaire answered on a child's profile was stored with ``author_role`` 'caregiver' (the
account that entered it) and nothing said whether the child answered (a 10-year-old filling in POEM
on the parent's phone: a self-report) or the parent answered for the child (a proxy report). The two
are not interchangeable scores, the clinic and the FHIR export (``QuestionnaireResponse.source``)
need to know which. ``respondent`` is 'self' or 'proxy' (``gutskin.store.models.RESPONDENTS``);
NULL = not recorded: every row before this revision, and the clinic's EASI and SCORAD (examined, not
answered).

Upgrade adds the nullable column to ``questionnaire_responses`` (no row is guessed: an old answer on
a child's profile may have come from either); downgrade drops it (no other row changes).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questionnaire_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("respondent", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questionnaire_responses", schema=None) as batch_op:
        batch_op.drop_column("respondent")
