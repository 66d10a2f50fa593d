"""home doses keep the zone they were taken in; older home doses say they are read as UTC

A home dose's ``taken_at`` is a UTC instant; the patient's zone was not kept with it, so the
challenge verdict laid each dose's 6-48 h reaction window on the diary's days (the patient's own
dates) as if the patient lived on UTC: 13 hours off in Auckland, 8 in Los Angeles, and the wrong
diary days got the reaction weights. From this revision a home dose records its zone in the
column clinic doses already have (``entered_zone``, since 0006): the browser's IANA zone when
taken on the page, the IANA ``zone`` or the offset of ``taken_at`` ("UTC+13:00") when sent
through the API. No schema change.

Which zone an older home dose was taken in is not in the database (neither the browser's zone
nor an offset was stored). The decision: older home doses keep ``entered_zone`` NULL and the
reading they had, UTC; this upgrade writes a ``time_note`` on each of them saying so (the
clinician's page shows it beside the time; docs/challenges.md says the same).

Downgrade: the notes this revision wrote are cleared; zones recorded on home doses since the
upgrade stay (the older code shows them in the API answer and ignores them otherwise; a later
upgrade then reads them again).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:30:00
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NOTE = ("taken before home doses kept their time zone; read as UTC (upgrade 0009): "
        "the reaction days may be off by the patient's UTC offset")
log = logging.getLogger("alembic.runtime.migration")

doses = sa.table(
    "challenge_doses",
    sa.column("id", sa.Integer),
    sa.column("setting", sa.String),
    sa.column("taken_at", sa.DateTime),
    sa.column("entered_zone", sa.String),
    sa.column("time_note", sa.String),
)


def upgrade() -> None:
    done = op.get_bind().execute(doses.update().where(
        doses.c.setting == "home", doses.c.taken_at.is_not(None), doses.c.entered_zone.is_(None),
        sa.or_(doses.c.time_note.is_(None), doses.c.time_note == "")).values(time_note=NOTE))
    log.info("0009: %d home dose time(s) without a zone marked as read in UTC", done.rowcount)


def downgrade() -> None:
    op.get_bind().execute(doses.update().where(doses.c.setting == "home", doses.c.time_note == NOTE)
                          .values(time_note=""))
