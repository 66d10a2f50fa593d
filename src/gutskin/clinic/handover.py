"""Hand a child's profile over to the grown-up child (2026-12-07).

A child's profile is kept by a parent's account (``Patient.owner_user_id``, ``relationship``
``child``). From the year the child turns 16 (by birth year: the parent knows the birthday) the
managing parent (not a co-caregiver) makes a one-time *handover code* (the invite codes'
machinery of :mod:`gutskin.clinic.sharing`, ``invites.kind = 'handover'``: 12 characters, 14 days,
only a hash stored, listed and cancellable, redeemed once). The young person redeems it signed in
to their own (patient) account, and in one transaction:

- the profile becomes theirs (``owner_user_id``, ``relationship = 'self'``);
- their account's own self profile, made empty when they registered, is removed (audited); if it
  holds anything (a diary day, a score, a sample, a sharing...) the code is refused before it is
  used up: two records are never merged;
- every co-caregiver's share ends as if they had left (the ``caregivers`` rows go, audited), and so
  does the parent's: their pages of the profile answer 404, the drafts on their phones are dropped
  (the pages' draft scope no longer names the profile);
- every unused code of the profile (clinician, caregiver, handover) is cancelled;
- sharing with clinicians is kept (the record is the same person's) and announced on the young
  person's Sharing page (:func:`handed_over`), where they can end it;
- past answers and diary days keep their authors as recorded (``caregiver``, ``co_caregiver``).

Audited on both sides: the parent's code made or cancelled (on the profile, by the parent), the
redemption ("accept handover", by the young person, its object the parent's account id), each
co-caregiver removed and code cancelled, the empty profile deleted. The parent's Caregivers page
says to whom and when the profile went (:func:`handed_over_by`).

Race-safe: the redeeming account's user row and then the profile's row are locked (PostgreSQL
``SELECT ... FOR UPDATE``), so two redemptions of one profile's codes, or one account redeeming
two codes at once, run one after the other and the second finds the profile no longer a child's;
the code itself is claimed atomically (:func:`gutskin.clinic.sharing.claim_invite`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from gutskin.clinic import audit, sharing
from gutskin.clinic.access import require_role
from gutskin.clinic.actors import Actor
from gutskin.clinic.caregivers import _child_for_parent
from gutskin.clinic.errors import Conflict, InvalidInput, NotFound
from gutskin.store.models import AuditEvent, Base, Caregiver, Consent, Patient, User

KIND = "handover"
#: the youngest age (in the year reached by birth year) at which a profile is handed over
MIN_AGE = 16


def _name(patient: Patient) -> str:
    return patient.display_name or patient.external_id


def age_problem(patient: Patient, today: dt.date) -> str | None:
    """Why the profile cannot be handed over yet (no birth year, under 16 this year), or None."""
    if patient.birth_year is None:
        return (f"the profile of {_name(patient)} has no birth year: set it on My data first (a profile is "
                f"handed over from the year its owner turns {MIN_AGE})")
    if today.year - patient.birth_year < MIN_AGE:
        return (f"{_name(patient)}, born in {patient.birth_year}, is under {MIN_AGE}: a profile is handed over "
                f"from the year its owner turns {MIN_AGE} ({patient.birth_year + MIN_AGE})")
    return None


def readiness(session: Session, actor: Actor, patient_id: int) -> str | None:
    """For the managing parent's page: why no handover code can be made now, or None."""
    return age_problem(_child_for_parent(session, actor, patient_id), dt.date.today())


def create_code(session: Session, actor: Actor, patient_id: int) -> dict[str, str]:
    """A one-time handover code (only the managing parent; refused under 16 with the reason)."""
    patient = _child_for_parent(session, actor, patient_id)
    problem = age_problem(patient, dt.date.today())
    if problem:
        raise InvalidInput(f"patient: {problem}")
    return sharing.create_invite(session, actor, patient_id, kind=KIND)


#: tables whose rows are not the person's record (a profile with only these is empty)
_NOT_RECORD = {"audit_events", "invites", "patients"}


def _has_record(session: Session, patient_id: int) -> bool:
    """Whether a profile holds anything of a record: a row in any table keyed to it (diary days,
    factor values, answers, samples, challenges, appointments, sharing, allergy records...), or a
    profile taken over earlier (an empty handed-over profile is still somebody's record)."""
    for table in Base.metadata.sorted_tables:
        if table.name in _NOT_RECORD or "patient_id" not in table.c:
            continue
        if session.scalar(select(exists().where(table.c.patient_id == patient_id))):
            return True
    return bool(session.scalar(select(exists().where(
        AuditEvent.patient_id == patient_id, AuditEvent.action == "accept", AuditEvent.object_type == "handover"))))


def redeem(session: Session, actor: Actor, code: str) -> int:
    """The young person's account takes over the profile of the code; returns its patient id."""
    require_role(actor, "patient")
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("code: enter the handover code your parent gave you")
    # one redemption at a time per account (two codes at once would leave two self profiles)
    session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
    inv = sharing.find_unused_invite(session, code, KIND)
    patient = session.scalar(select(Patient).where(Patient.id == inv.patient_id).with_for_update()
                             .execution_options(populate_existing=True))
    if patient is None or patient.relationship != "child":  # taken over a moment ago with another code
        raise NotFound("code: this invite code is unknown, used or expired")
    if patient.owner_user_id == actor.user_id:
        raise InvalidInput(f"code: this is the handover code of {_name(patient)}'s profile, which you manage; "
                           f"{_name(patient)} enters it signed in to their own account")
    if session.scalar(select(exists().where(Caregiver.patient_id == patient.id, Caregiver.user_id == actor.user_id))):
        # the other parent holding the code would take the record from the managing parent (2026-12-07)
        raise InvalidInput(f"code: this is the handover code of {_name(patient)}'s profile, whose diary you help "
                           f"keep; {_name(patient)} enters it signed in to their own account")
    problem = age_problem(patient, dt.date.today())
    if problem:
        raise InvalidInput(f"code: {problem}")
    own = list(session.scalars(select(Patient).where(Patient.owner_user_id == actor.user_id,
                                                      Patient.relationship == "self")).all())
    if any(_has_record(session, p.id) for p in own):
        raise Conflict("code: your account already keeps a record of its own (diary days, scores or sharing); "
                       "two records are not merged. Download it from My data if you want to keep it, then enter the "
                       "code signed in to a new account of yours (or delete this account and register again)")
    sharing.claim_invite(session, inv)
    parent_id = patient.owner_user_id
    for row in session.scalars(select(Caregiver).where(Caregiver.patient_id == patient.id).order_by(Caregiver.id)).all():
        audit.record(session, actor, patient.id, "remove", "caregiver", row.id)
        session.delete(row)
    for kind in sharing.AUDIT_OBJECT:
        sharing.cancel_unused_invites(session, actor, patient.id, kind)
    if own:
        from gutskin.clinic.accounts import _erase_profiles

        _erase_profiles(session, actor, own)
    patient.owner_user_id = actor.user_id
    patient.relationship = "self"
    session.flush()
    audit.record(session, actor, patient.id, "accept", "handover", parent_id or "")
    return patient.id


def _stamp(at: dt.datetime) -> str:
    return at.isoformat(timespec="seconds") + "Z"


def handed_over(session: Session, actor: Actor, patient_id: int) -> dict[str, object] | None:
    """For the young person's Sharing page (the caller has authorized the owner): when the profile
    was handed over to this account, by whom, and the clinicians it was shared with then who still
    see it (``[{"id", "name"}]``). None when the account did not take it over."""
    row = session.execute(
        select(AuditEvent.at, AuditEvent.object_id).where(
            AuditEvent.patient_id == patient_id, AuditEvent.action == "accept", AuditEvent.object_type == "handover",
            AuditEvent.actor_user_id == actor.user_id).order_by(AuditEvent.id.desc()).limit(1)).first()
    if row is None:
        return None
    at, parent = row
    who = session.execute(select(User.display_name, User.email).where(User.id == int(parent))).first() \
        if str(parent).isdigit() else None
    consents = session.execute(
        select(Consent, User.email, User.display_name).outerjoin(User, User.id == Consent.clinician_user_id)
        .where(Consent.patient_id == patient_id, Consent.revoked_at.is_(None), Consent.created_at <= at)
        .order_by(Consent.id)).all()
    clinicians = [{"id": c.id, "name": sharing.partner_label(c, email, name)} for c, email, name in consents]
    return {"at": _stamp(at), "from": (who[0] or who[1]) if who else "your parent", "clinicians": clinicians}


def handed_over_by(session: Session, actor: Actor) -> list[dict[str, object]]:
    """For the parent's Caregivers page: the profiles this account handed over, to whom, when."""
    require_role(actor, "patient")
    # through the codes this account made (audit indexes: by actor, then by profile), not a scan
    made = set(session.scalars(select(AuditEvent.patient_id).where(
        AuditEvent.actor_user_id == actor.user_id, AuditEvent.action == "create",
        AuditEvent.object_type == "handover_invite")).all())
    if not made:
        return []
    rows = session.execute(
        select(AuditEvent.at, AuditEvent.patient_id, AuditEvent.actor_user_id).where(
            AuditEvent.patient_id.in_(made), AuditEvent.action == "accept", AuditEvent.object_type == "handover",
            AuditEvent.object_id == str(actor.user_id)).order_by(AuditEvent.id)).all()
    out = []
    for at, pid, to_id in rows:
        patient = session.get(Patient, pid) if pid is not None else None
        to = session.get(User, to_id) if to_id is not None else None
        out.append({"at": _stamp(at), "name": _name(patient) if patient else "a profile",
                    "to": (to.email if to else "an account since deleted")})
    return out
