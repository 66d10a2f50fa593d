"""a sharing stays in the patient's record after the clinician's account is deleted

Until this revision ``consents.clinician_user_id`` was NOT NULL with ``ON DELETE CASCADE``: when a
clinician deleted their account (or the operator ran ``gutskin users remove``) the database
deleted every consent row of theirs with it, so the patient's Sharing page ("Sharing that
ended") and their JSON archive lost who had had access to the record, and from when until when
(found in the consent-lifecycle walk of 2026-12-06). The access log kept its rows.

Upgrade: ``clinician_user_id`` becomes nullable with ``ON DELETE SET NULL``; two new columns,
``clinician_name`` and ``clinician_email``, hold a snapshot of the clinician's display name and
address. The application takes it when the sharing starts (the invite code is accepted) and
takes it again when the sharing ends (revoked, or the clinician's account closed), so the name
the patient last saw stays once the account is gone. Every existing consent is filled from its
clinician's account here. A consent whose clinician is NULL never grants access: the access
checks compare ``clinician_user_id`` with the acting user's id, and NULL equals nothing.

Account deletion of the *patient* is unchanged: ``patient_id`` keeps ``ON DELETE CASCADE`` and
their consents go with their profile.

Downgrade: the snapshot columns are dropped and the column is NOT NULL with ``ON DELETE CASCADE``
again. Consents whose clinician account is gone (``clinician_user_id`` NULL) cannot be held by the
earlier schema: until 2026-12-06 the downgrade DELETED them (the patients' record of who had had
access to their data). Now it refuses while there is one (``MigrationRefused``, nothing changed:
the whole run is one transaction), saying how many and how to go on: stay at 0011 or later, or take
a backup and delete them deliberately. A restore (which replaces every table anyway) goes on. The
snapshots of consents whose clinician still has an account are taken again from the account by
the next upgrade (a name or address changed since the sharing ended is the one taken then).

SQLite: batch mode rebuilds ``consents`` (foreign keys off around it, as gutskin's migration
runner does).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FK = "fk_consents_clinician_user_id_users"


def upgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clinician_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("clinician_email", sa.String(length=320), nullable=True))
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.alter_column("clinician_user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(FK, "users", ["clinician_user_id"], ["id"], ondelete="SET NULL")
    op.execute(
        "UPDATE consents SET "
        "clinician_name = (SELECT users.display_name FROM users WHERE users.id = consents.clinician_user_id), "
        "clinician_email = (SELECT users.email FROM users WHERE users.id = consents.clinician_user_id)"
    )


def downgrade() -> None:
    from alembic import context

    from gutskin.store.migrate import REPLACING_EVERYTHING, MigrationRefused

    orphans = op.get_bind().execute(
        sa.text("SELECT id FROM consents WHERE clinician_user_id IS NULL ORDER BY id")).scalars().all()
    if orphans and not context.config.attributes.get(REPLACING_EVERYTHING):
        shown = ", ".join(str(i) for i in orphans[:5]) + (", ..." if len(orphans) > 5 else "")
        raise MigrationRefused(
            f"downgrade below 0011 refused: {len(orphans)} sharing{'s' if len(orphans) != 1 else ''} in consents "
            f"(id {shown}) belong to clinician accounts that were deleted; the schema before 0011 cannot hold them "
            "and would delete the patients' record of who had access to their data. Nothing was changed. Stay at "
            "0011 or later, or, if losing them is decided, take a backup (gutskin backup) and delete them first: "
            "DELETE FROM consents WHERE clinician_user_id IS NULL")
    op.execute("DELETE FROM consents WHERE clinician_user_id IS NULL")  # a restore: every table is replaced anyway
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.alter_column("clinician_user_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(FK, "users", ["clinician_user_id"], ["id"], ondelete="CASCADE")
        batch_op.drop_column("clinician_email")
        batch_op.drop_column("clinician_name")
