"""one alert per challenge and kind (``uq_challenge_alerts_challenge_kind``)

A late (eczematous) reaction alert (kind ``late:YYYY-MM-DD``, one per challenge and diary day) is
written where steps and alerts are read (gutskin.clinic.challenges.check_late_reactions). Two reads
at the same moment (the patient's Today page and the clinician's panel) each found no alert for the
day and each wrote one: the clinician saw the reaction twice, and acknowledging one left the other
holding the next step. A safety stop (one per challenge: it stops the challenge) and a short-baseline
start (one per challenge) are one per challenge and kind too. The unique index makes the database
refuse the second row; the writer inserts with ``ON CONFLICT DO NOTHING``, so the read that loses
the race writes nothing and is not an error.

Upgrade: duplicates already stored are removed first, keeping the oldest row of each (challenge,
kind) (the lowest id, the first written); when a removed duplicate was acknowledged and the kept one
was not, the kept row takes the earliest acknowledgement (time and clinician), so the step the
clinician released stays released. The audit rows of removed alerts stay (history). Then the unique
index is built (in the migration's transaction; the table is small). Downgrade drops the index; the
removed duplicates do not come back.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

INDEX = "uq_challenge_alerts_challenge_kind"


def _remove_duplicates(conn: sa.Connection) -> None:
    rows = conn.execute(sa.text(
        "SELECT id, challenge_id, kind, acknowledged_at, acknowledged_by_user_id FROM challenge_alerts "
        "WHERE (challenge_id, kind) IN (SELECT challenge_id, kind FROM challenge_alerts "
        "GROUP BY challenge_id, kind HAVING COUNT(*) > 1) ORDER BY challenge_id, kind, id")).all()
    groups: dict[tuple[int, str], list] = {}
    for r in rows:
        groups.setdefault((r.challenge_id, r.kind), []).append(r)
    for group in groups.values():
        kept, *extra = group
        if kept.acknowledged_at is None:
            acked = sorted((r for r in extra if r.acknowledged_at is not None), key=lambda r: (r.acknowledged_at, r.id))
            if acked:
                conn.execute(sa.text("UPDATE challenge_alerts SET acknowledged_at = :at, acknowledged_by_user_id = :by "
                                     "WHERE id = :id"),
                             {"at": acked[0].acknowledged_at, "by": acked[0].acknowledged_by_user_id, "id": kept.id})
        conn.execute(sa.text("DELETE FROM challenge_alerts WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
                     {"ids": [r.id for r in extra]})


def upgrade() -> None:
    _remove_duplicates(op.get_bind())
    op.create_index(INDEX, "challenge_alerts", ["challenge_id", "kind"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="challenge_alerts")
