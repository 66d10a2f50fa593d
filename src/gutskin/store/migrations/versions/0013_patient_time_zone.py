"""a patient profile keeps the time zone its days are lived in

"Today" for a patient -- which food-challenge step and reminder is due, which day the clinician's
panel counts "days since the last entry" from, a questionnaire's date when the app sends none --
was the server's date (UTC), a day off for a patient in Auckland every morning and in Los Angeles
every evening. The browser already tells its zone (the ``tz`` cookie; home doses keep it since
0009); from this revision the profile keeps it too (``patients.time_zone``, an IANA name), set when
someone logs a day or takes a dose for the profile from a browser or an app that gives a zone.

Existing profiles get NULL: their zone is not known until their next entry, and until then
"today" is the server's date, as before (docs/challenges.md, docs/web.md).

Downgrade drops the column (the zones are learnt again after a later upgrade).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
