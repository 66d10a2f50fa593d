"""Authorization of every read and write of a patient's record.

Rules: the owning account (the patient, or the caregiver of a child profile) reads and
writes; a clinician with an active consent reads; everyone else gets ``NotFound`` (the
same answer as for a record that does not exist), so nobody can learn that a record exists.
Admins manage accounts, not health data. The CLI operator (``SYSTEM``) acts on the host.

A co-caregiver (a ``caregivers`` row: another person account the managing parent invited to a
child's profile) reads the child's record (:func:`patient_for_read`) and writes its day-to-day
record (:func:`patient_for_entry`: diary days, questionnaires, a challenge's patient side,
microbiome samples), but :func:`patient_for_write` -- what only the managing account may do:
sharing with clinicians, invite codes, appointments, the access log, deleting the profile --
stays the managing account's. A use case that names neither gets the strict rule by default.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import Forbidden, NotFound
from gutskin.store.models import AppointmentRequest, Caregiver, Consent, FoodChallenge, Patient


def has_active_consent(session: Session, patient_id: int, clinician_user_id: int, lock: bool = False) -> bool:
    """Whether the clinician may read the record now. ``lock``: for a clinician's *write* (a plan,
    a booking): the consent row is locked to the end of the transaction (``FOR UPDATE``; SQLite's
    writers take turns anyway), so a revocation running at the same moment either waits for the
    write -- and then stops or cancels what it made -- or, having revoked first, makes the write
    find no consent. Without it, on PostgreSQL a plan could commit just after the revocation had
    looked for running challenges, and stay running for a clinician who can no longer see it.
    No user id is no clinician: a consent whose clinician account is deleted (its reference NULL,
    0011) grants nothing (SQLAlchemy would compare ``== None`` as ``IS NULL``)."""
    if clinician_user_id is None:
        return False
    q = select(Consent.id).where(
        Consent.patient_id == patient_id,
        Consent.clinician_user_id == clinician_user_id,
        Consent.revoked_at.is_(None),
    )
    if not lock:
        return session.scalar(q) is not None
    found = session.scalar(q.limit(1).with_for_update()) is not None
    if found and session.get_bind().dialect.name == "postgresql":
        # The challenge or request the write loaded before this lock may be older than a write that
        # held it and committed meanwhile -- the same clinician's double-clicked "Confirm" stored two
        # allergy records (concurrency walk, 2026-12-06): read them again now. (Flushed already: the
        # locking query autoflushes; SQLite's writers take turns from BEGIN, nothing is stale there.)
        for obj in list(session.identity_map.values()):
            if isinstance(obj, (FoodChallenge, AppointmentRequest)) and obj.patient_id == patient_id:
                session.refresh(obj)
    return found


def is_co_caregiver(session: Session, actor: Actor, patient: Patient) -> bool:
    """Whether ``actor`` is a person account granted a share in keeping the child's profile
    ``patient`` (one indexed lookup); a removed or departed co-caregiver no longer is."""
    if actor.role != "patient" or actor.user_id is None or patient.relationship != "child":
        return False
    return session.scalar(
        select(Caregiver.id).where(Caregiver.patient_id == patient.id, Caregiver.user_id == actor.user_id)
    ) is not None


def patient_for_read(session: Session, actor: Actor, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("patient not found")
    if actor.is_system or (actor.user_id is not None and patient.owner_user_id == actor.user_id):
        return patient
    if is_co_caregiver(session, actor, patient):
        return patient
    if actor.role == "clinician" and actor.user_id is not None and has_active_consent(session, patient_id, actor.user_id):
        return patient
    raise NotFound("patient not found")


def patient_for_write(session: Session, actor: Actor, patient_id: int, lock: bool = False) -> Patient:
    """The managing account only (``owner_user_id``): a co-caregiver gets ``NotFound`` here.

    ``lock``: the profile's row is locked (``FOR UPDATE``) and read again first, for a write that
    gives access or speaks for the record (an invite code, an appointment request). On PostgreSQL
    a handover to the grown-up child committing meanwhile is then seen (404), where the write,
    checked against the row as it was, landed on the young person's record: a clinician code the
    parent held after the handover (attack walk, 2026-12-07)."""
    if lock:
        session.scalar(select(Patient).where(Patient.id == patient_id).with_for_update()
                       .execution_options(populate_existing=True))
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("patient not found")
    if actor.is_system or (actor.user_id is not None and patient.owner_user_id == actor.user_id):
        return patient
    raise NotFound("patient not found")


def patient_for_entry(session: Session, actor: Actor, patient_id: int) -> Patient:
    """Entering the day-to-day record (diary days, questionnaires, a challenge's doses and signs,
    microbiome samples): the managing account or a co-caregiver of the child."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("patient not found")
    if actor.is_system or (actor.user_id is not None and patient.owner_user_id == actor.user_id):
        return patient
    if is_co_caregiver(session, actor, patient):
        return patient
    raise NotFound("patient not found")


def patient_by_external_id(session: Session, actor: Actor, external_id: str) -> Patient:
    from gutskin.diary.csvio import canonical_identifier

    patient = None
    for candidate in dict.fromkeys((external_id, canonical_identifier(external_id))):  # as given, then NFC
        patient = session.scalar(select(Patient).where(Patient.external_id == candidate))
        if patient is not None:
            break
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


def caregiving_patients(session: Session, actor: Actor) -> list[Patient]:
    """The children's profiles this account helps keep as a co-caregiver (ordered by id)."""
    if actor.user_id is None or actor.role != "patient":
        return []
    return list(session.scalars(
        select(Patient).join(Caregiver, Caregiver.patient_id == Patient.id)
        .where(Caregiver.user_id == actor.user_id, Patient.relationship == "child").order_by(Patient.id)).all())


def profiles(session: Session, actor: Actor) -> list[Patient]:
    """The profile switcher's list: the profiles the account manages, then the children's it
    helps keep (:func:`caregiving_patients`)."""
    return owned_patients(session, actor) + caregiving_patients(session, actor)


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
    chosen = choose_default(profiles(session, actor))
    if chosen is None:
        raise NotFound("this account has no patient profile")
    return chosen
