"""Authorization of every read and write of a patient's record.

Rules: the owning account (the patient, or the caregiver of a child profile) reads and
writes; a clinician with an active consent reads; everyone else gets ``NotFound`` (the
same answer as for a record that does not exist), so nobody can learn that a record exists.
Admins manage accounts, not health data. The CLI operator (``SYSTEM``) acts on the host.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import Forbidden, NotFound
from gutskin.store.models import Consent, Patient


def has_active_consent(session: Session, patient_id: int, clinician_user_id: int) -> bool:
    return (
        session.scalar(
            select(Consent.id).where(
                Consent.patient_id == patient_id,
                Consent.clinician_user_id == clinician_user_id,
                Consent.revoked_at.is_(None),
            )
        )
        is not None
    )


def patient_for_read(session: Session, actor: Actor, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("patient not found")
    if actor.is_system or (actor.user_id is not None and patient.owner_user_id == actor.user_id):
        return patient
    if actor.role == "clinician" and actor.user_id is not None and has_active_consent(session, patient_id, actor.user_id):
        return patient
    raise NotFound("patient not found")


def patient_for_write(session: Session, actor: Actor, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("patient not found")
    if actor.is_system or (actor.user_id is not None and patient.owner_user_id == actor.user_id):
        return patient
    raise NotFound("patient not found")


def patient_by_external_id(session: Session, actor: Actor, external_id: str) -> Patient:
    patient = session.scalar(select(Patient).where(Patient.external_id == external_id))
    if patient is None:
        raise NotFound(f"no patient with identifier {external_id!r}")
    return patient_for_read(session, actor, patient.id)


def require_role(actor: Actor, *roles: str) -> None:
    if actor.is_system:
        return
    if actor.role not in roles:
        raise Forbidden(f"this action needs the role {' or '.join(roles)}")


def owned_patients(session: Session, actor: Actor) -> list[Patient]:
    if actor.user_id is None:
        return []
    return list(
        session.scalars(select(Patient).where(Patient.owner_user_id == actor.user_id).order_by(Patient.id)).all()
    )


def choose_default(patients: list[Patient]) -> Patient | None:
    """An account's own profile, else its first child's (``patients`` ordered by id)."""
    return next((p for p in patients if p.relationship == "self"), patients[0] if patients else None)


def default_patient(session: Session, actor: Actor) -> Patient:
    """The patient profile an account acts on by default (its own, else its first child)."""
    require_role(actor, "patient")
    if actor.default_patient_id is not None:
        hinted = session.get(Patient, actor.default_patient_id)  # loaded with the account: no query
        if hinted is not None and hinted.owner_user_id == actor.user_id:
            return hinted
    chosen = choose_default(owned_patients(session, actor))
    if chosen is None:
        raise NotFound("this account has no patient profile")
    return chosen
