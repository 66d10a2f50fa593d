"""Consent: a patient shares their record with a clinician by invite code; revocable at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.access import patient_for_write, require_role
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import InvalidInput, NotFound
from gutskin.store.models import Consent, Invite, Patient, User, utcnow

INVITE_DAYS = 14
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _hash(code: str) -> str:
    """The code as written on paper or read over the phone: any case, spaces or dashes (also the
    typographic ones a word processor puts in, and fullwidth letters) -- "57zt xeka 7xus" and
    "57ZT–XEKA–7XUS" were unknown codes when only ASCII '-' and outer spaces were dropped."""
    import re
    import unicodedata

    plain = re.sub(r"[\s\-\u2010-\u2015\u2212]", "", unicodedata.normalize("NFKC", code))
    return hashlib.sha256(plain.upper().encode()).hexdigest()


#: the audit trail's object for each kind of invite code (``Invite.kind``)
AUDIT_OBJECT = {"clinician": "invite", "caregiver": "caregiver_invite", "handover": "handover_invite"}


def create_invite(session: Session, actor: Actor, patient_id: int, kind: str = "clinician") -> dict[str, str]:
    """A one-time code (12 characters, ~60 bits) valid for 14 days; only its hash is stored.
    ``kind``: what the code grants (a clinician's read access, or a co-caregiver's share in
    keeping a child's profile: :mod:`gutskin.clinic.caregivers`). Only the managing account, as it
    is when the code is made (the row locked: a handover running now is waited for)."""
    patient_for_write(session, actor, patient_id, lock=True)
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    expires = utcnow() + dt.timedelta(days=INVITE_DAYS)
    inv = Invite(patient_id=patient_id, code_hash=_hash(code), expires_at=expires, kind=kind)
    session.add(inv)
    session.flush()
    audit.record(session, actor, patient_id, "create", AUDIT_OBJECT[kind], inv.id)
    return {"id": inv.id, "code": code, "expires_at": expires.isoformat(timespec="seconds") + "Z"}


def _stamp(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds") + "Z"


def list_invites(session: Session, actor: Actor, patient_id: int, kind: str = "clinician") -> list[dict[str, object]]:
    """The patient's invite codes that could still be redeemed (unused, not expired), oldest
    first. Only hashes are stored, so the codes themselves cannot be shown again: the list says
    when each was made and until when it works, so a code made twice (a reloaded page, a second
    tap) or given to the wrong person can be cancelled (:func:`cancel_invite`)."""
    patient_for_write(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", AUDIT_OBJECT[kind])
    rows = session.scalars(
        select(Invite).where(Invite.patient_id == patient_id, Invite.kind == kind, Invite.used_at.is_(None),
                             Invite.expires_at >= utcnow())
        .order_by(Invite.id)
    ).all()
    return [{"id": inv.id, "created_at": _stamp(inv.created_at), "expires_at": _stamp(inv.expires_at)} for inv in rows]


def cancel_invite(session: Session, actor: Actor, patient_id: int, invite_id: int, kind: str = "clinician") -> None:
    """Make an unused invite code unusable at once (it expires now). Another patient's code, a
    used or an expired one is 404: there is nothing of this patient's left to cancel."""
    patient_for_write(session, actor, patient_id)
    inv = session.get(Invite, invite_id)
    now = utcnow()
    if (inv is None or inv.patient_id != patient_id or inv.kind != kind or inv.used_at is not None
            or inv.expires_at < now):
        raise NotFound("no such unused invite code")
    inv.expires_at = now - dt.timedelta(seconds=1)
    audit.record(session, actor, patient_id, "cancel", AUDIT_OBJECT[kind], inv.id)


def cancel_unused_invites(session: Session, actor: Actor, patient_id: int, kind: str = "clinician") -> int:
    """Cancel every unused, unexpired code of this ``kind`` of the record at once (each expires now,
    each cancellation an audit row "cancel invite <id>"), as :func:`cancel_invite` does one by one.
    Called when the patient stops sharing (:func:`revoke`) and when a parent removes a
    co-caregiver (:func:`gutskin.clinic.caregivers.remove`): a patient who ends access expects
    nobody to get in afterwards with a code made earlier and forgotten, or kept by the person just
    removed (found in the consent walk of 2026-12-06: such codes stayed valid for their 14 days).
    The caller has authorised the managing account. Returns how many were cancelled."""
    now = utcnow()
    rows = session.scalars(
        select(Invite).where(Invite.patient_id == patient_id, Invite.kind == kind, Invite.used_at.is_(None),
                             Invite.expires_at >= now).order_by(Invite.id).with_for_update()
    ).all()
    for inv in rows:
        inv.expires_at = now - dt.timedelta(seconds=1)
        audit.record(session, actor, patient_id, "cancel", AUDIT_OBJECT[kind], inv.id)
    return len(rows)


def accept_invite(session: Session, actor: Actor, code: str) -> int:
    """A clinician redeems a code and gains read access; returns the patient id."""
    require_role(actor, "clinician")
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("code: enter the invite code the patient gave you")
    inv = find_unused_invite(session, code, "clinician")
    claim_invite(session, inv)
    existing = session.scalar(
        select(Consent).where(
            Consent.patient_id == inv.patient_id, Consent.clinician_user_id == actor.user_id, Consent.revoked_at.is_(None)
        )
    )
    if existing is None:
        existing = Consent(patient_id=inv.patient_id, clinician_user_id=actor.user_id)
        session.add(existing)
    _snapshot(session, existing)
    session.flush()
    audit.record(session, actor, inv.patient_id, "link", "consent", existing.id)
    from gutskin.clinic.appointments import address_waiting

    address_waiting(session, inv.patient_id, actor.user_id)  # requests made while nobody was linked
    return inv.patient_id


def find_unused_invite(session: Session, code: str, kind: str) -> Invite:
    """The unused, unexpired code of this ``kind`` (a caregiver code is unknown to a clinician and
    the other way round), else ``NotFound`` with one message for every reason."""
    inv = session.scalar(select(Invite).where(Invite.code_hash == _hash(code)))
    if inv is None or inv.kind != kind or inv.used_at is not None or inv.expires_at < utcnow():
        raise NotFound("code: this invite code is unknown, used or expired")
    return inv


def claim_invite(session: Session, inv: Invite) -> None:
    """Mark the code used, or ``NotFound`` when someone else redeemed it a moment earlier."""
    # Claimed atomically: of clinicians redeeming the same code at once (PostgreSQL runs them
    # side by side), only the one whose UPDATE finds used_at still empty gets it; the others
    # wait for its row lock, then match no row.
    from sqlalchemy import update
    from sqlalchemy.orm.attributes import set_committed_value

    # Not cancelled meanwhile either (attack walk, 2026-12-07): a code the parent or patient cancels
    # (or a handover, a removal, a revocation cancels with itself) while someone redeems it was read
    # as usable before the cancellation committed; on PostgreSQL this UPDATE then waited for the
    # cancellation's row lock and, with used_at still empty, took the code anyway.
    now = utcnow()
    claimed = session.execute(
        update(Invite).where(Invite.id == inv.id, Invite.used_at.is_(None), Invite.expires_at >= now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise NotFound("code: this invite code is unknown, used or expired")
    set_committed_value(inv, "used_at", now)


def _snapshot(session: Session, consent: Consent) -> None:
    """Keep the clinician's name and address on the consent (taken when the sharing starts and
    again when it ends): once their account is deleted the consent's clinician is NULL (0011) and
    the patient's Sharing page and archive still say who had access, and from when until when."""
    user = session.get(User, consent.clinician_user_id) if consent.clinician_user_id is not None else None
    if user is not None:
        consent.clinician_name, consent.clinician_email = user.display_name or "", user.email


def partner_label(consent: Consent, email: str | None, name: str | None) -> str:
    """How the patient reads who a sharing was with: "Dr Name (address)" from the account while it
    exists; "Dr Name (account closed)" from the consent's snapshot once it is deleted."""
    if consent.clinician_user_id is None or email is None:
        who = consent.clinician_name or consent.clinician_email or "a clinician"
        return f"{who} (account closed)"
    return f"{name} ({email})" if name else email


def list_access(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    """Clinicians who can read this patient's record now."""
    patient_for_write(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "sharing")
    rows = session.execute(
        select(Consent, User.email, User.display_name)
        .join(User, User.id == Consent.clinician_user_id)
        .where(Consent.patient_id == patient_id, Consent.revoked_at.is_(None))
        .order_by(Consent.id)
    ).all()
    from gutskin.clinic.appointments import booked_with
    from gutskin.clinic.challenges import open_challenges_with, unseen_alerts

    out = []
    for c, email, name in rows:
        unseen = unseen_alerts(session, patient_id, c.clinician_user_id)  # each named for what it is (2026-12-07)
        live = booked_with(session, patient_id, c.clinician_user_id)
        out.append({"consent_id": c.id, "clinician": name or email, "email": email,
                    "since": c.created_at.isoformat(timespec="seconds") + "Z",
                    "open_challenges": len(open_challenges_with(session, patient_id, c.clinician_user_id)),
                    # every live answer revoking cancels; of them, the times only proposed (not booked: the
                    # page called a proposal "an appointment ... booked with you", clinic walk 2026-12-07)
                    "booked_appointments": len(live),
                    "proposed_appointments": sum(1 for a in live if a.status == "proposed"),
                    "unseen_alerts": len(unseen), "unseen": unseen})
    return out


def sharing_partners(session: Session, actor: Actor, patient_id: int) -> dict[str, str]:
    """Every sharing of this record, ended ones too, as ``{consent id: "Dr Name (address)"}``: the
    access log names whose sharing a "revoke consent" row ended (a consent of a clinician account
    deleted since is named from the consent's snapshot, "(account closed)"). The managing account only; read with the access log."""
    patient_for_write(session, actor, patient_id)
    rows = session.execute(select(Consent, User.email, User.display_name)
                           .outerjoin(User, User.id == Consent.clinician_user_id)
                           .where(Consent.patient_id == patient_id)).all()
    return {str(c.id): partner_label(c, email, name) for c, email, name in rows}


def ended_access(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    """Sharings of this record that ended (revoked, or the clinician's account closed), newest
    first: who (as :func:`list_access` names them) and from when until when -- the Sharing page's
    "Sharing that ended", so who *had* access stays on the page, not only in the access log. Read
    with :func:`list_access` (same page, same audit row). A clinician whose account was deleted
    since reads "Dr Name (account closed)" from the consent's snapshot (0011)."""
    patient_for_write(session, actor, patient_id)
    rows = session.execute(
        select(Consent, User.email, User.display_name).outerjoin(User, User.id == Consent.clinician_user_id)
        .where(Consent.patient_id == patient_id, Consent.revoked_at.is_not(None))
        .order_by(Consent.revoked_at.desc(), Consent.id.desc())
    ).all()
    return [{"clinician": partner_label(c, email, name), "account_closed": c.clinician_user_id is None,
             "since": c.created_at.isoformat(timespec="seconds") + "Z", "until": c.revoked_at.isoformat(timespec="seconds") + "Z"}
            for c, email, name in rows]


def is_shared(session: Session, actor: Actor, patient_id: int) -> bool:
    """Whether any clinician can read this patient's record now (one indexed lookup)."""
    patient_for_write(session, actor, patient_id)
    return session.scalar(
        select(Consent.id).where(Consent.patient_id == patient_id, Consent.revoked_at.is_(None),
                                 Consent.clinician_user_id.is_not(None)).limit(1)
    ) is not None


def revoke(session: Session, actor: Actor, patient_id: int, consent_id: int) -> int:
    """End a clinician's access at once; the food challenges they supervised stop with it
    (:func:`gutskin.clinic.challenges.stop_for_ended_sharing`), and the record's unused clinician
    invite codes are cancelled (:func:`cancel_unused_invites`: "stop sharing" means nobody gets in
    with an old code either; the page says so by the Revoke button). Returns how many challenges stopped."""
    from gutskin.clinic.challenges import stop_for_ended_sharing

    patient_for_write(session, actor, patient_id)
    consent = session.get(Consent, consent_id)
    if (consent is None or consent.patient_id != patient_id or consent.revoked_at is not None
            or consent.clinician_user_id is None):
        raise NotFound("no such active sharing")
    consent.revoked_at = utcnow()
    _snapshot(session, consent)
    audit.record(session, actor, patient_id, "revoke", "consent", consent.id)
    cancel_unused_invites(session, actor, patient_id, "clinician")
    session.flush()
    from gutskin.clinic.appointments import cancel_for_ended_sharing

    cancel_for_ended_sharing(session, actor, patient_id, consent.clinician_user_id)
    return stop_for_ended_sharing(session, actor, patient_id, consent.clinician_user_id)


#: why a challenge stopped when its supervising clinician deleted their account (:func:`end_for_closed_account`)
CLOSED_ACCOUNT_REASON = ("the supervising clinician's account was closed: take no further doses at home "
                         "until a clinician plans the challenge again")


def end_for_closed_account(session: Session, actor: Actor, clinician_user_id: int) -> int:
    """A clinician deletes their account: every sharing with them ends as a revocation would
    (:func:`revoke`), before the account row goes -- its consents would otherwise vanish by the
    database's cascade, leaving the home challenges they supervised running with nobody reading
    their safety alerts and their booked appointments "accepted" with nobody (found in the
    consent-lifecycle walk, 2026-12-06). The consents themselves stay, with the clinician's name
    and address kept on them and the account reference set NULL (0011). Audited on each patient's record under the clinician's
    account (the patient reads "… ended sharing of your record"). Returns how many sharings ended."""
    from gutskin.clinic.appointments import CLOSED_ACCOUNT_MESSAGE, cancel_for_ended_sharing, cancel_sent_only_to
    from gutskin.clinic.challenges import open_challenges_with, stop_for_ended_sharing

    consents = list(session.scalars(select(Consent).where(Consent.clinician_user_id == clinician_user_id,
                                                          Consent.revoked_at.is_(None)).order_by(Consent.id)).all())
    for consent in consents:
        consent.revoked_at = utcnow()
        _snapshot(session, consent)  # the account goes next: the patient keeps who it was (0011)
        audit.record(session, actor, consent.patient_id, "revoke", "consent", consent.id)
    session.flush()
    for pid in dict.fromkeys(c.patient_id for c in consents):
        cancel_for_ended_sharing(session, actor, pid, clinician_user_id, CLOSED_ACCOUNT_MESSAGE)
        cancel_sent_only_to(session, actor, pid, clinician_user_id)  # else the next clinician linked would get them
        running = open_challenges_with(session, pid, clinician_user_id)
        stop_for_ended_sharing(session, actor, pid, clinician_user_id)
        for ch in running:  # the patient reads why: not a revocation of theirs
            ch.stop_reason = CLOSED_ACCOUNT_REASON
    return len(consents)


def linked_patients(session: Session, actor: Actor) -> list[Patient]:
    require_role(actor, "clinician")
    return list(
        session.scalars(
            select(Patient)
            .join(Consent, Consent.patient_id == Patient.id)
            .where(Consent.clinician_user_id == actor.user_id, Consent.revoked_at.is_(None),
                   Consent.clinician_user_id.is_not(None))
            .order_by(Patient.id)
        ).unique().all()
    )
