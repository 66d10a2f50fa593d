"""clinic dose times are UTC, like home doses, and keep the zone they were typed in

Until now ``challenge_doses.taken_at`` held two meanings: a home dose's time was UTC, a
supervised (clinic) dose's time the clinic's wall clock as typed, with no zone. The
observation windows, the "20 hours since the last dose" rule, the verdict's reaction days and
the FHIR export compared them as if they were the same thing, hours apart for a clinic far
from UTC.

Upgrade: two columns, ``entered_zone`` (the zone a time was typed in: an IANA name, or
"UTC+09:00" for an offset) and ``time_note``; every clinic dose with a time is converted from
wall-clock time to UTC.

Which zone the old wall-clock values are in cannot be read from the database (the browser's
zone was never stored, and gutskin has no clinic-zone setting). The decision:

* ``GUTSKIN_CLINIC_ZONE`` set in the environment of the upgrade (an IANA name, e.g.
  ``America/Los_Angeles``): the old values are read as that zone's wall clock (with the
  offset in force on each dose's date; a wall time the zone skips or passes twice is read with
  the offset before the change). An unknown name stops the upgrade, changing nothing.
* not set: the old values are read as UTC (they keep their digits) -- the only choice that
  needs no guess, right for a clinic on UTC and off by the clinic's UTC offset otherwise.

Either way each converted row records what was assumed: ``entered_zone`` is the zone used and
``time_note`` says that it was assumed by this migration (the clinician's page shows it next to
the time). docs/challenges.md says the same.

Downgrade: clinic doses go back to wall-clock time in their ``entered_zone`` (the digits the old
code expects; rows typed after the upgrade included), then the two columns are dropped.

Needs a live connection (the data step reads rows); offline SQL generation is not supported.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 00:30:00
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ZONE_VARIABLE = "GUTSKIN_CLINIC_ZONE"
log = logging.getLogger("alembic.runtime.migration")

doses = sa.table(
    "challenge_doses",
    sa.column("id", sa.Integer),
    sa.column("setting", sa.String),
    sa.column("taken_at", sa.DateTime),
    sa.column("entered_zone", sa.String),
    sa.column("time_note", sa.String),
)


def _zone(name: str) -> dt.tzinfo:
    """An IANA name, or the fixed offsets the app writes ("UTC", "UTC+09:00", "UTC-05:30")."""
    m = re.fullmatch(r"UTC([+-])(\d\d):(\d\d)", name)
    if m:
        off = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return dt.timezone(-off if m.group(1) == "-" else off)
    if name == "UTC":
        return dt.UTC
    return ZoneInfo(name)


def _configured_zone() -> tuple[str, str]:
    """(zone name, note) for the old wall-clock values (see the module docstring)."""
    name = os.environ.get(ZONE_VARIABLE, "").strip()
    if not name:
        return "UTC", (f"typed before times had a zone; {ZONE_VARIABLE} was not set, so read as UTC "
                       "(upgrade 0006): may be off by the clinic's UTC offset")
    try:
        if len(name) > 64:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RuntimeError(f"{ZONE_VARIABLE}={name[:80]!r} is not a known IANA time zone name (like "
                           "America/Los_Angeles); unset it to read old clinic dose times as UTC") from None
    return name, f"typed before times had a zone; read as {name} time ({ZONE_VARIABLE}, upgrade 0006)"


def upgrade() -> None:
    name, note = _configured_zone()  # before any change: a wrong name stops here
    with op.batch_alter_table("challenge_doses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_zone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("time_note", sa.String(length=200), nullable=False, server_default=""))
    zone = _zone(name)
    bind = op.get_bind()
    rows = bind.execute(sa.select(doses.c.id, doses.c.taken_at).where(
        doses.c.setting == "clinic", doses.c.taken_at.is_not(None))).all()
    for dose_id, wall in rows:
        utc = wall.replace(tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)
        bind.execute(doses.update().where(doses.c.id == dose_id).values(taken_at=utc, entered_zone=name, time_note=note))
    log.info("0006: %d clinic dose time(s) read as %s and stored in UTC", len(rows), name)


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(doses.c.id, doses.c.taken_at, doses.c.entered_zone).where(
        doses.c.setting == "clinic", doses.c.taken_at.is_not(None))).all()
    for dose_id, utc, name in rows:
        try:
            zone = _zone(name) if name else dt.UTC
        except (ZoneInfoNotFoundError, ValueError, OSError):
            zone = dt.UTC
        wall = utc.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)
        bind.execute(doses.update().where(doses.c.id == dose_id).values(taken_at=wall))
    with op.batch_alter_table("challenge_doses", schema=None) as batch_op:
        batch_op.drop_column("time_note")
        batch_op.drop_column("entered_zone")
