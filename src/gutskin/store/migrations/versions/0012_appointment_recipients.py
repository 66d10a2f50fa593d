"""appointment requests are addressed to the clinician(s) the patient chose

Until this revision a request carried no addressee: every clinician the patient shared their
record with saw every one of the patient's requests (also those made before they were linked) and
could answer it, so with two clinics linked at once either answered -- or read -- what the patient
meant for the other (found in the consent walk of 2026-12-06).

Upgrade: a new table ``appointment_recipients`` (request, clinician account; both ``ON DELETE
CASCADE``). The application writes it when the request is made: the clinician the patient picked
(the page asks when more than one is linked), or the only one linked; a request made while nobody
is linked goes to the next clinician who is linked while it is still open. Only a recipient with
active consent sees and answers a request.

Existing requests are addressed to what their patient could expect from the pages they used:
every clinician whose sharing was active when the request was made; the clinician who answered
it (also one linked later); and, for a request made while nobody had access (the page then said
"share your record with your clinic and they will see it"), every clinician whose sharing began
after it. A clinician linked later than another's sharing no longer sees the earlier requests.

Downgrade: the table is dropped (the earlier schema shows every request to every linked
clinician again).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_recipients",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("clinician_user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["appointment_requests.id"],
                                name="fk_appointment_recipients_request_id_appointment_requests", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["clinician_user_id"], ["users.id"],
                                name="fk_appointment_recipients_clinician_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("request_id", "clinician_user_id", name="pk_appointment_recipients"),
    )
    op.create_index("ix_appointment_recipients_clinician_user_id", "appointment_recipients", ["clinician_user_id"])
    # 1. the clinicians whose sharing was active when the request was made
    op.execute(
        "INSERT INTO appointment_recipients (request_id, clinician_user_id) "
        "SELECT DISTINCT a.id, c.clinician_user_id FROM appointment_requests a "
        "JOIN consents c ON c.patient_id = a.patient_id "
        "WHERE c.clinician_user_id IS NOT NULL AND c.created_at <= a.created_at "
        "AND (c.revoked_at IS NULL OR c.revoked_at > a.created_at)"
    )
    # 2. the clinician who answered it, also one linked later (they keep what they booked)
    op.execute(
        "INSERT INTO appointment_recipients (request_id, clinician_user_id) "
        "SELECT a.id, a.clinician_user_id FROM appointment_requests a "
        "WHERE a.clinician_user_id IS NOT NULL AND EXISTS (SELECT 1 FROM users u WHERE u.id = a.clinician_user_id) "
        "AND NOT EXISTS (SELECT 1 FROM appointment_recipients r "
        "WHERE r.request_id = a.id AND r.clinician_user_id = a.clinician_user_id)"
    )
    # 3. made while nobody had access: the clinicians whose sharing began after it
    op.execute(
        "INSERT INTO appointment_recipients (request_id, clinician_user_id) "
        "SELECT DISTINCT a.id, c.clinician_user_id FROM appointment_requests a "
        "JOIN consents c ON c.patient_id = a.patient_id "
        "WHERE c.clinician_user_id IS NOT NULL AND c.created_at > a.created_at "
        "AND NOT EXISTS (SELECT 1 FROM appointment_recipients r WHERE r.request_id = a.id)"
    )


def downgrade() -> None:
    op.drop_index("ix_appointment_recipients_clinician_user_id", table_name="appointment_recipients")
    op.drop_table("appointment_recipients")
