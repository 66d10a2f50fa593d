"""another system's identifiers of a patient (``patient_identifiers``)

A FHIR bundle of another system (a hospital's EHR) names its Patient by that system's identifiers
(``Patient.identifier``: an MRN with the hospital's system URI). The import (``gutskin import fhir
FILE --patient ID``, the clinician's upload) checked the name and birth year against the profile and
then dropped the identifiers: the profile's export could not name the patient as the hospital does,
and a later bundle of the same hospital carrying another patient's MRN was not noticed.
``patient_identifiers`` keeps them: one value per (profile, system), deleted with the profile.

Upgrade creates the empty table (nothing to guess for earlier imports); downgrade drops it (the
stored identifiers are lost; no other row changes).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE",
                                name="fk_patient_identifiers_patient_id_patients"),
        sa.PrimaryKeyConstraint("id", name="pk_patient_identifiers"),
        sa.UniqueConstraint("patient_id", "system", name="uq_patient_identifiers_patient_system"),
    )


def downgrade() -> None:
    op.drop_table("patient_identifiers")
