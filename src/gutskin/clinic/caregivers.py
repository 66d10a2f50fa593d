"""A child's second caregiver (shared custody, another parent, a grandparent).

The managing parent (``Patient.owner_user_id`` of a child's profile) makes a one-time caregiver
invite code (the clinician codes' machinery in :mod:`gutskin.clinic.sharing`: 12 characters,
14 days, only a hash stored, listed and cancellable, redeemed once, atomically). Another
signed-in person account redeems it and becomes a co-caregiver of that child only: it reads the
child's record and writes its day-to-day record (:func:`gutskin.clinic.access.patient_for_entry`),
sees the child in its profile switcher, and its entries are authored ``co_caregiver``. It cannot
delete the profile, share it with clinicians or revoke them, request appointments, read the
access log, or make caregiver codes: all of that stays ``patient_for_write`` (the managing
account's). The parent removes a co-caregiver; a co-caregiver leaves. Every grant (a code made
or cancelled), redemption, removal and leave is an audit row on the child's profile.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gutskin.clinic import audit, sharing
from gutskin.clinic.access import patient_for_write, require_role
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import Conflict, InvalidInput, NotFound
from gutskin.store.models import Caregiver, Patient, User

KIND = "caregiver"


def _child_for_parent(session: Session, actor: Actor, patient_id: int) -> Patient:
    """The managing account of a child's profile (anyone else: 404; its own profile: refused)."""
    require_role(actor, "patient")
    patient = patient_for_write(session, actor, patient_id)
    if patient.relationship != "child":
        raise InvalidInput("patient: caregivers are added to a child's profile, not to your own")
    return patient


def create_code(session: Session, actor: Actor, patient_id: int) -> dict[str, str]:
    """A one-time caregiver code for the child's profile (only the managing parent)."""
    _child_for_parent(session, actor, patient_id)
    return sharing.create_invite(session, actor, patient_id, kind=KIND)


def list_codes(session: Session, actor: Actor, patient_id: int, kind: str = KIND) -> list[dict[str, object]]:
    """The child's codes of ``kind`` (caregiver, or :data:`gutskin.clinic.handover.KIND`) that could
    still be redeemed (without the codes); only the managing parent sees them."""
    _child_for_parent(session, actor, patient_id)
    return sharing.list_invites(session, actor, patient_id, kind=kind)


def cancel_code(session: Session, actor: Actor, patient_id: int, invite_id: int, kind: str = KIND) -> None:
    """The managing parent cancels an unused code of ``kind`` (an id of another kind or profile: 404)."""
    _child_for_parent(session, actor, patient_id)
    sharing.cancel_invite(session, actor, patient_id, invite_id, kind=kind)


def redeem(session: Session, actor: Actor, code: str) -> int:
    """A person account redeems a caregiver code and becomes a co-caregiver of that child;
    returns the child's patient id. A clinician account cannot (403: it would gain write access
    to a record it should only read with consent). The managing parent's own code, or a second
    code for a child the account already helps keep, is refused before the code is used up."""
    require_role(actor, "patient")
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("code: enter the caregiver code the child's parent gave you")
    inv = sharing.find_unused_invite(session, code, KIND)
    # the child's row locked and read again (PostgreSQL), as a handover locks it: a handover
    # committing meanwhile (it ends every co-caregiver's share) is seen, never run beside this one
    patient = session.scalar(select(Patient).where(Patient.id == inv.patient_id).with_for_update()
                             .execution_options(populate_existing=True))
    if patient is None or patient.relationship != "child":  # handed over to the grown-up child a moment ago
        raise NotFound("code: this invite code is unknown, used or expired")
    if patient.owner_user_id == actor.user_id:
        raise InvalidInput("code: this is a code for a profile you manage yourself; give it to the other caregiver")
    if session.scalar(select(Caregiver.id).where(Caregiver.patient_id == patient.id,
                                                 Caregiver.user_id == actor.user_id)) is not None:
        raise Conflict("code: you already help keep this child's diary")
    sharing.claim_invite(session, inv)
    row = Caregiver(patient_id=patient.id, user_id=actor.user_id, granted_by_user_id=patient.owner_user_id)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same account redeeming two codes at once
        raise Conflict("code: you already help keep this child's diary") from None
    audit.record(session, actor, patient.id, "link", "caregiver", row.id)
    return patient.id


def list_caregivers(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    """The child's co-caregivers (for the managing parent): name, address, since when."""
    _child_for_parent(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "caregivers")
    rows = session.execute(
        select(Caregiver, User.email, User.display_name).join(User, User.id == Caregiver.user_id)
        .where(Caregiver.patient_id == patient_id).order_by(Caregiver.id)).all()
    return [{"id": c.id, "name": name or email, "email": email, "since": c.created_at.isoformat(timespec="seconds") + "Z"}
            for c, email, name in rows]


def remove(session: Session, actor: Actor, patient_id: int, caregiver_id: int) -> None:
    """The managing parent ends a co-caregiver's access at once (their entries stay, with their
    author). The child's unused caregiver codes are cancelled with it (audited one by one): the
    removed person may hold a second code the parent made and forgot, and would be back in with it
    (found in the consent walk of 2026-12-06). A caregiver who leaves cancels nothing."""
    _child_for_parent(session, actor, patient_id)
    row = session.get(Caregiver, caregiver_id)
    if row is None or row.patient_id != patient_id:
        raise NotFound("no such caregiver")
    session.delete(row)
    audit.record(session, actor, patient_id, "remove", "caregiver", caregiver_id)
    sharing.cancel_unused_invites(session, actor, patient_id, KIND)


def leave(session: Session, actor: Actor, patient_id: int) -> None:
    """A co-caregiver stops helping keep the child's profile (a child they do not help keep: 404)."""
    require_role(actor, "patient")
    row = session.scalar(select(Caregiver).where(Caregiver.patient_id == patient_id, Caregiver.user_id == actor.user_id))
    if row is None:
        raise NotFound("patient not found")
    rid = row.id
    session.execute(delete(Caregiver).where(Caregiver.id == rid))
    audit.record(session, actor, patient_id, "leave", "caregiver", rid)


def caregiving(session: Session, actor: Actor) -> list[dict[str, object]]:
    """The children this account helps keep: the child's name, who manages the profile, since when
    (a person account's; any other role: 403)."""
    require_role(actor, "patient")
    rows = session.execute(
        select(Caregiver, Patient, User.email, User.display_name)
        .join(Patient, Patient.id == Caregiver.patient_id)
        .join(User, User.id == Caregiver.granted_by_user_id)
        # a child's only: a row left on a profile handed over to the grown-up child (the race of a
        # caregiver code and the handover before 2026-12-07) names nothing of theirs
        .where(Caregiver.user_id == actor.user_id, Patient.relationship == "child").order_by(Caregiver.id)).all()
    return [{"id": c.id, "patient_id": p.id, "name": p.display_name or p.external_id,
             "managed_by": name or email, "since": c.created_at.isoformat(timespec="seconds") + "Z"}
            for c, p, email, name in rows]
