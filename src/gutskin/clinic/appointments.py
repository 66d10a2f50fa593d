"""Appointment requests: the patient asks, a linked clinician accepts, proposes another time or declines."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import audit
from gutskin.clinic.access import has_active_consent, patient_for_write, require_role
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import InputProblems, InvalidInput, NotFound
from gutskin.store.models import AppointmentRecipient, AppointmentRequest, AuditEvent, Consent, Patient, User, utcnow

URGENCIES = ("routine", "soon", "urgent")
#: Closed requests: the clinic declined, sharing ended (cancelled), or the patient withdrew.
CLOSED = ("declined", "cancelled", "withdrawn")
ACTIONS = {"accept": "accepted", "propose": "proposed", "decline": "declined"}
#: What the patient (or caregiver) can do with their own request; see :func:`answer`.
PATIENT_ACTIONS = ("confirm", "another_time", "withdraw")


def _out(a: AppointmentRequest, patient: Patient | None = None) -> dict[str, object]:
    d: dict[str, object] = {
        "id": a.id,
        "patient_id": a.patient_id,
        "reason": a.reason,
        "urgency": a.urgency,
        "preferred_times": a.preferred_times,
        "patient_zone": a.patient_zone,  # the zone the preferred times are meant in (None: not known)
        "status": a.status,
        # UTC, marked as such ("...Z"): the API takes times only with an offset, so what it answers can go back in
        "scheduled_for": a.scheduled_for.isoformat(timespec="minutes") + "Z" if a.scheduled_for else None,
        "message": a.message,
        "created_at": a.created_at.isoformat(timespec="seconds") + "Z",
    }
    if patient is not None:
        d["patient_name"] = patient.display_name or patient.external_id
    return d


def _zone_name(zone: str | None) -> str | None:
    """An IANA zone name as given (``Pacific/Auckland``), checked; None when not given."""
    zone = (zone or "").strip()
    if not zone:
        return None
    try:
        if len(zone) > 64:
            raise ValueError
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput("time_zone: not a time zone name like Europe/Berlin") from None
    return zone


def _active_sharings(session: Session, patient_id: int) -> dict[int, int]:
    """``{consent id: clinician user id}`` of the record's sharings now (oldest first)."""
    return {cid: uid for cid, uid in session.execute(
        select(Consent.id, Consent.clinician_user_id).where(
            Consent.patient_id == patient_id, Consent.revoked_at.is_(None), Consent.clinician_user_id.is_not(None))
        .order_by(Consent.id)).all()}


def _recipients(session: Session, patient_id: int, to: list[int] | None) -> list[int]:
    """The clinician accounts a new request goes to. ``to``: consent ids of the record's active
    sharings (``GET /api/v1/me/access``, the page's tick boxes).

    - ``None`` (an API client that does not send ``to``): every clinician linked now, as every
      request went before 0012, so an app written before addressing keeps working (a 422 would
      have broken it) and reaches no one the patient has not already shared the whole record with.
    - ``[]`` (the page's form with nothing ticked): the only clinician linked; more than one
      linked: the patient must choose (the page shows the boxes; a request for one clinic must not
      reach the other by accident).
    - None linked, either way: nobody yet (the next clinician linked while it is open gets it,
      :func:`address_waiting`)."""
    active = _active_sharings(session, patient_id)
    if to is None:
        return list(dict.fromkeys(active.values()))
    if not to:
        if len(active) > 1:
            raise InvalidInput(f"to: this record is shared with {len(active)} clinicians; choose which of them "
                               "this request is for")
        return list(active.values())
    out: list[int] = []
    for cid in to:
        if not isinstance(cid, int) or isinstance(cid, bool) or cid not in active:
            raise InvalidInput(f"to: {cid!r} is not a clinician this record is shared with now "
                               "(the consent ids of GET /api/v1/me/access)")
        if active[cid] not in out:
            out.append(active[cid])
    return out


def address_waiting(session: Session, patient_id: int, clinician_user_id: int) -> int:
    """A clinician just linked (:func:`gutskin.clinic.sharing.accept_invite`) gets the record's open
    requests made while nobody was linked (addressed to nobody): the Appointments page told the
    patient "share your record with your clinic and they will see it". Requests addressed to
    another clinician stay theirs. Returns how many."""
    waiting = session.scalars(
        select(AppointmentRequest.id).where(
            AppointmentRequest.patient_id == patient_id, AppointmentRequest.status == "open",
            ~select(AppointmentRecipient.request_id).where(AppointmentRecipient.request_id == AppointmentRequest.id)
            .exists())).all()
    for rid in waiting:
        session.add(AppointmentRecipient(request_id=rid, clinician_user_id=clinician_user_id))
    return len(waiting)


def send_to(session: Session, actor: Actor, patient_id: int, request_id: int, to: list[int]) -> dict[str, object]:
    """Send an open request to more clinicians: ``to`` are consent ids of the record's active
    sharings (as for a new request). A clinician linked after a request was made does not get it
    by being linked (the patient addressed it to whoever was linked then, 0012; only a request
    made while nobody was linked waits for the next one, :func:`address_waiting`); the patient
    re-addresses it here instead of withdrawing it and typing it again. Only while the request is
    open (nobody has proposed or booked a time); those it went to keep it. Audited ("send")."""
    patient_for_write(session, actor, patient_id)
    # locked to the end of the transaction: a double-clicked Send waits here and then finds the
    # clinician already added (a 422), where both inserted the same recipient and one was a 500
    # on PostgreSQL (SQLite's writers take turns anyway)
    a = session.get(AppointmentRequest, request_id, with_for_update=True)
    if a is None or a.patient_id != patient_id:
        raise NotFound("appointment request not found")
    if a.status != "open":
        raise InvalidInput(f"status: only a request still waiting for the clinic can be sent to another clinician "
                           f"(this one is {a.status})")
    if not isinstance(to, list) or not to:
        raise InvalidInput("to: choose the clinician(s) to send this request to")
    active = _active_sharings(session, patient_id)
    have = set(session.scalars(select(AppointmentRecipient.clinician_user_id)
                               .where(AppointmentRecipient.request_id == a.id)).all())
    new: list[int] = []
    for cid in to:
        if not isinstance(cid, int) or isinstance(cid, bool) or cid not in active:
            raise InvalidInput(f"to: {cid!r} is not a clinician this record is shared with now "
                               "(the consent ids of GET /api/v1/me/access)")
    if all(active[cid] in have for cid in to) and _sent_on_lately(session, actor, a):
        # the same send again (its answer lost on a bad connection, or a double click): they have it, nothing
        # is written; it was refused ("already sent to"), and the page said the send had failed (2026-12-07)
        audit.record(session, actor, patient_id, "read", "appointment", a.id)
        return {**_out(a), "sent_to": _sent_to(session, [a.id]).get(a.id, [])}
    for cid in to:
        if active[cid] in have:
            name = _sent_to_names(session, [active[cid]])[0]
            raise InvalidInput(f"to: this request was already sent to {name}")
        if active[cid] not in new:
            new.append(active[cid])
    for uid in new:
        session.add(AppointmentRecipient(request_id=a.id, clinician_user_id=uid))
    a.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, patient_id, "send", "appointment", a.id)
    return {**_out(a), "sent_to": _sent_to(session, [a.id]).get(a.id, [])}


def _sent_on_lately(session: Session, actor: Actor, a: AppointmentRequest) -> bool:
    """Whether ``actor`` sent request ``a`` on to more clinicians (:func:`send_to`, audited "send") within
    :data:`DUPLICATE_WINDOW`: a send to clinicians who all have it is then that send again, not a mistake
    (one who had it from the start is still refused)."""
    return session.scalar(select(AuditEvent.id).where(
        AuditEvent.patient_id == a.patient_id, AuditEvent.action == "send", AuditEvent.object_type == "appointment",
        AuditEvent.object_id == str(a.id), AuditEvent.actor_user_id == actor.user_id,
        AuditEvent.at >= utcnow() - DUPLICATE_WINDOW).limit(1)) is not None


def _sent_to_names(session: Session, user_ids: list[int]) -> list[str]:
    names = {uid: f"{name} ({email})" if name else email for uid, email, name in session.execute(
        select(User.id, User.email, User.display_name).where(User.id.in_(user_ids)))}
    return [names[u] for u in user_ids]


def recipient_choices(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    """The clinicians a new request can be sent to (the record's active sharings), for the
    Appointments page's choice: ``[{"consent_id", "clinician"}]``, named as the Sharing page names
    them. The managing account only; read with the page's appointments (one audit row)."""
    patient_for_write(session, actor, patient_id)
    rows = session.execute(
        select(Consent.id, User.email, User.display_name).join(User, User.id == Consent.clinician_user_id)
        .where(Consent.patient_id == patient_id, Consent.revoked_at.is_(None)).order_by(Consent.id)).all()
    return [{"consent_id": cid, "clinician": f"{name} ({email})" if name else email} for cid, email, name in rows]


def _is_recipient(session: Session, request_id: int, clinician_user_id: int) -> bool:
    return session.scalar(select(AppointmentRecipient.request_id).where(
        AppointmentRecipient.request_id == request_id,
        AppointmentRecipient.clinician_user_id == clinician_user_id)) is not None


def request_appointment(
    session: Session, actor: Actor, patient_id: int, reason: str, urgency: str = "routine", preferred_times: str = "",
    zone: str | None = None, to: list[int] | None = None,
) -> dict[str, object]:
    """A request; ``zone`` is the patient's time zone, which the preferred times are meant in
    (the page passes the browser's, the API an optional ``time_zone``). ``to``: whom it is for,
    as consent ids of the record's active sharings (:func:`_recipients`); only they see and
    answer it (0012)."""
    patient_for_write(session, actor, patient_id, lock=True)  # a handover running now is waited for
    reason = (reason or "").strip()
    # every problem at once, in the form's order (InputProblems): the page refused one per send (an empty
    # reason, then no clinician chosen; 2026-12-07)
    problems: list[str] = []
    if not reason:
        problems.append("reason: say briefly why you would like an appointment")
    elif len(reason) > 2000:
        problems.append("reason: at most 2000 characters")
    if urgency not in URGENCIES:
        problems.append(f"urgency: expected one of {', '.join(URGENCIES)}")
    if len(preferred_times or "") > 500:
        problems.append("preferred_times: at most 500 characters")
    clinicians: list[int] = []
    zone_name: str | None = None
    try:
        clinicians = _recipients(session, patient_id, to)
    except InvalidInput as exc:
        problems.append(str(exc))
    try:
        zone_name = _zone_name(zone)
    except InvalidInput as exc:
        problems.append(str(exc))
    if problems:
        raise InputProblems(problems)
    # this record's requests one at a time (PostgreSQL; SQLite's BEGIN IMMEDIATE already is), so a
    # double-clicked Send finds the first one's row instead of making a second
    session.execute(select(Patient.id).where(Patient.id == patient_id).with_for_update())
    same = _same_request(session, patient_id, reason, urgency, (preferred_times or "").strip(), zone_name, clinicians)
    if same is not None:  # the same request sent twice: nothing new is written; the answer shows the stored one
        audit.record(session, actor, patient_id, "read", "appointment", same.id)
        return {**_out(same), "sent_to": _sent_to(session, [same.id]).get(same.id, [])}
    a = AppointmentRequest(patient_id=patient_id, reason=reason, urgency=urgency, preferred_times=(preferred_times or "").strip(),
                           patient_zone=zone_name)
    session.add(a)
    session.flush()
    for uid in clinicians:
        session.add(AppointmentRecipient(request_id=a.id, clinician_user_id=uid))
    session.flush()
    audit.record(session, actor, patient_id, "create", "appointment", a.id)
    return {**_out(a), "sent_to": _sent_to(session, [a.id]).get(a.id, [])}


#: a request identical to one the record made this long ago or less is the same request sent twice
DUPLICATE_WINDOW = dt.timedelta(minutes=10)


def _same_request(session: Session, patient_id: int, reason: str, urgency: str, preferred_times: str,
                  zone: str | None, clinicians: list[int]) -> AppointmentRequest | None:
    """An open request of the record with the same reason, urgency, preferred times (and their zone) and recipients
    made within :data:`DUPLICATE_WINDOW`: a double-clicked Send, or Back and Send again, made two
    requests that the clinic then had to decline one by one (concurrency walk, 2026-12-06)."""
    rows = session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.patient_id == patient_id, AppointmentRequest.status == "open",
        AppointmentRequest.reason == reason, AppointmentRequest.urgency == urgency,
        AppointmentRequest.preferred_times == preferred_times,
        AppointmentRequest.created_at >= utcnow() - DUPLICATE_WINDOW).order_by(AppointmentRequest.id.desc())).all()
    for a in rows:
        if a.patient_zone != zone:
            continue
        sent = set(session.scalars(select(AppointmentRecipient.clinician_user_id)
                                   .where(AppointmentRecipient.request_id == a.id)).all())
        if sent == set(clinicians):
            return a
    return None


def _sent_to(session: Session, request_ids: list[int]) -> dict[int, list[str]]:
    """Whom each request was sent to, as the Sharing page names clinicians ("Dr A (a@clinic)")."""
    out: dict[int, list[str]] = {}
    if not request_ids:
        return out
    for rid, email, name in session.execute(
            select(AppointmentRecipient.request_id, User.email, User.display_name)
            .join(User, User.id == AppointmentRecipient.clinician_user_id)
            .where(AppointmentRecipient.request_id.in_(request_ids))
            .order_by(AppointmentRecipient.request_id, User.id)):
        out.setdefault(rid, []).append(f"{name} ({email})" if name else email)
    return out


def my_requests(session: Session, actor: Actor, patient_id: int) -> list[dict[str, object]]:
    """The profile's appointment requests, for its managing account (a co-caregiver of a child:
    404; appointments, like sharing, are between the managing parent and the clinic)."""
    patient_for_write(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "appointments")
    rows = session.scalars(
        select(AppointmentRequest).where(AppointmentRequest.patient_id == patient_id).order_by(AppointmentRequest.id.desc())
    ).all()
    to = _sent_to(session, [a.id for a in rows])
    # requests a clinician with access now was sent: the others wait for nobody (sharing with whom
    # they were sent to ended, or none was linked when they were made)
    seen = set(session.scalars(
        select(AppointmentRecipient.request_id)
        .join(Consent, Consent.clinician_user_id == AppointmentRecipient.clinician_user_id)
        .where(Consent.patient_id == patient_id, Consent.revoked_at.is_(None),
               AppointmentRecipient.request_id.in_([a.id for a in rows]))).all()) if rows else set()
    # open requests can also go to a clinician linked now that they were not sent to (send_to)
    sharings = session.execute(
        select(Consent.id, Consent.clinician_user_id, User.email, User.display_name)
        .join(User, User.id == Consent.clinician_user_id)
        .where(Consent.patient_id == patient_id, Consent.revoked_at.is_(None)).order_by(Consent.id)).all()
    got: dict[int, set[int]] = {}
    open_ids = [a.id for a in rows if a.status == "open"]
    if open_ids and sharings:
        for rid, uid in session.execute(select(AppointmentRecipient.request_id, AppointmentRecipient.clinician_user_id)
                                        .where(AppointmentRecipient.request_id.in_(open_ids))):
            got.setdefault(rid, set()).add(uid)

    def more(a: AppointmentRequest) -> list[dict[str, object]]:
        if a.status != "open":
            return []
        out, users = [], set()
        for cid, uid, email, name in sharings:
            if uid not in got.get(a.id, set()) and uid not in users:
                users.add(uid)
                out.append({"consent_id": cid, "clinician": f"{name} ({email})" if name else email})
        return out

    return [{**_out(a), "sent_to": to.get(a.id, []), "seen": a.id in seen, "can_send_to": more(a)} for a in rows]


#: the requests the patient's home page (the diary, /today) mentions: waiting for the clinic, a time the
#: clinic proposes (waiting for the patient's answer), a booked time not yet past
UNDER_WAY = ("open", "proposed", "accepted")


def home_requests(session: Session, actor: Actor, patient_id: int,
                  now: dt.datetime | None = None) -> list[dict[str, object]]:
    """The profile's requests still under way, for its home page (2026-12-07: the diary page said
    nothing of a request the person had made, nor of a time the clinic proposed for them, until
    they opened Appointments): open, proposed, and booked with a time from ``now`` (UTC) on; newest
    first, with whether a clinician with access now was sent it (``seen``). The managing account
    only, as the Appointments page (a co-caregiver of a child: an empty list, nothing read).
    Audited as that page's read when there is one to show."""
    try:
        patient_for_write(session, actor, patient_id)
    except NotFound:
        return []
    now = now or utcnow()
    rows = [a for a in session.scalars(
        select(AppointmentRequest).where(AppointmentRequest.patient_id == patient_id,
                                         AppointmentRequest.status.in_(UNDER_WAY))
        .order_by(AppointmentRequest.id.desc())).all()
        if a.status != "accepted" or (a.scheduled_for is not None and a.scheduled_for >= now)]
    if not rows:
        return []
    audit.record(session, actor, patient_id, "read", "appointments")
    seen = set(session.scalars(
        select(AppointmentRecipient.request_id)
        .join(Consent, Consent.clinician_user_id == AppointmentRecipient.clinician_user_id)
        .where(Consent.patient_id == patient_id, Consent.revoked_at.is_(None),
               AppointmentRecipient.request_id.in_([a.id for a in rows]))).all())
    return [{**_out(a), "seen": a.id in seen} for a in rows]


def queue(session: Session, actor: Actor, include_closed: bool = False) -> list[dict[str, object]]:
    """Requests of the clinician's linked patients: open ones first (urgent, then oldest), then those
    with a proposed or accepted time, then closed ones (declined, cancelled, withdrawn) -- an old declined
    urgent request once sat above a new open one."""
    require_role(actor, "clinician")
    q = (
        select(AppointmentRequest, Patient)
        .join(Patient, Patient.id == AppointmentRequest.patient_id)
        .join(Consent, Consent.patient_id == Patient.id)
        .join(AppointmentRecipient, AppointmentRecipient.request_id == AppointmentRequest.id)
        .where(Consent.clinician_user_id == actor.user_id, Consent.revoked_at.is_(None),
               Consent.clinician_user_id.is_not(None), AppointmentRecipient.clinician_user_id == actor.user_id)
    )
    if not include_closed:  # closed: declined, cancelled, withdrawn; a proposed or accepted time is still live
        q = q.where(AppointmentRequest.status.notin_(CLOSED))
    rank = {u: i for i, u in enumerate(reversed(URGENCIES))}
    rows = session.execute(q.order_by(AppointmentRequest.created_at)).all()
    out = []
    state = {"open": 0, "proposed": 1, "accepted": 1}  # then closed ones: declined, cancelled, withdrawn
    ordered = sorted(rows, key=lambda r: (state.get(r[0].status, 2), rank.get(r[0].urgency, 9), r[0].created_at))
    audit.record_reads(session, actor, list(dict.fromkeys(p.id for _, p in ordered)), "appointments")  # once per patient
    for a, p in ordered:
        # who answered: a clinician linked after another's sharing ended read that one's time and
        # message ("Cancelled: sharing with this clinician ended") as their own clinic's
        by = None if a.clinician_user_id is None else "you" if a.clinician_user_id == actor.user_id else "another clinician"
        out.append({**_out(a, p), "answered_by": by})
    return out


def respond(
    session: Session, actor: Actor, request_id: int, action: str, when: dt.datetime | None = None, message: str = ""
) -> dict[str, object]:
    """Accept with a time, propose another time, or decline with a message. ``when`` is naive
    UTC (the pages convert from the clinician's zone, the API from the given offset); accepting a
    proposed request without a time books the proposed time."""
    require_role(actor, "clinician")
    a = session.get(AppointmentRequest, request_id)
    if (a is None or actor.user_id is None or not has_active_consent(session, a.patient_id, actor.user_id, lock=True)
            or not _is_recipient(session, a.id, actor.user_id)):  # another clinician's request: as if none (0012)
        raise NotFound("appointment request not found")
    # read again, locked, after the consent's lock: a withdrawal (or this same answer sent twice) that
    # committed meanwhile is seen, not overwritten by "accepted" (PostgreSQL; SQLite writers take turns)
    session.refresh(a, with_for_update=True)
    if when is not None:
        # booked to the minute, as every answer, page and the archive show it: an API time with
        # seconds (09:30:45Z) was kept, shown as 09:30 and sent to the EHR (FHIR) as 09:30:45
        when = when.replace(second=0, microsecond=0)
    if action not in ACTIONS:
        raise InvalidInput(f"action: expected one of {', '.join(ACTIONS)}")
    if _same_answer(a, actor, action, when, message):
        # the same answer sent again (its answer lost on a bad connection, sent with fetch since 2026-12-07):
        # nothing new is written; a second Decline was refused as "this request is closed"
        audit.record(session, actor, a.patient_id, "read", "appointment", a.id)
        return _out(a)
    if action == "accept" and when is None and a.status == "proposed" and a.scheduled_for is not None:
        when = a.scheduled_for  # accepting a proposed time as it stands (the field is empty on the card)
    if action in ("accept", "propose") and when is None:
        raise InvalidInput("time: give the appointment date and time")
    if action in ("accept", "propose") and when is not None and when < utcnow():
        raise InvalidInput("time: that time has already passed")
    if action in ("accept", "propose") and when is not None and when > utcnow() + dt.timedelta(days=2 * 366):
        raise InvalidInput("time: at most 2 years ahead")
    if action == "decline" and not (message or "").strip():
        raise InvalidInput("message: say why, or what the patient should do instead")
    if a.status in CLOSED:
        raise InvalidInput("status: this request is closed")
    a.status = ACTIONS[action]
    a.scheduled_for = when if action != "decline" else None
    a.message = (message or "").strip()[:2000]
    a.clinician_user_id = actor.user_id
    a.updated_at = utcnow()
    audit.record(session, actor, a.patient_id, action, "appointment", a.id)
    return _out(a)


def _same_answer(a: AppointmentRequest, actor: Actor, action: str, when: dt.datetime | None, message: str) -> bool:
    """The clinician's answer ``action`` (``when``, ``message``) is the one this clinician gave the request
    within :data:`DUPLICATE_WINDOW`: the same status, message and time (an Accept with no time: the one booked)."""
    if a.clinician_user_id != actor.user_id or a.status != ACTIONS[action]:
        return False
    if a.updated_at is None or a.updated_at < utcnow() - DUPLICATE_WINDOW:
        return False
    if (message or "").strip()[:2000] != (a.message or ""):
        return False
    if action == "decline":
        return True
    return when == a.scheduled_for or (action == "accept" and when is None)


def open_request_counts(session: Session, patient_ids: list[int],
                        clinician_user_id: int | None = None) -> dict[int, dict[str, int]]:
    """Open requests per patient and urgency: ``{patient_id: {"routine": n, "soon": n, "urgent": n}}``;
    with ``clinician_user_id``, only those addressed to that clinician (the panel: another clinic's
    urgent request must not rank the patient on this clinician's list, 0012)."""
    if not patient_ids:
        return {}
    counts: dict[int, dict[str, int]] = {}
    q = select(AppointmentRequest.patient_id, AppointmentRequest.urgency).where(
        AppointmentRequest.patient_id.in_(patient_ids), AppointmentRequest.status == "open")
    if clinician_user_id is not None:
        q = q.join(AppointmentRecipient, AppointmentRecipient.request_id == AppointmentRequest.id).where(
            AppointmentRecipient.clinician_user_id == clinician_user_id)
    for pid, urgency in session.execute(q):
        per = counts.setdefault(pid, {})
        per[urgency] = per.get(urgency, 0) + 1
    return counts




ENDED_SHARING_MESSAGE = ("Cancelled: sharing with this clinician ended, so they can no longer see this request. "
                         "Contact the clinic directly if you still need the appointment.")


CLOSED_ACCOUNT_MESSAGE = ("Cancelled: this clinician's account was closed, so nobody sees this request here. "
                          "Contact the clinic directly if you still need the appointment.")


def booked_with(session: Session, patient_id: int, clinician_user_id: int) -> list[AppointmentRequest]:
    """Requests a clinician answered (accepted or proposed a time) and that are still live."""
    return list(session.scalars(
        select(AppointmentRequest).where(AppointmentRequest.patient_id == patient_id,
                                         AppointmentRequest.clinician_user_id == clinician_user_id,
                                         AppointmentRequest.status.in_(("accepted", "proposed")))
    ).all())


def cancel_for_ended_sharing(session: Session, actor: Actor, patient_id: int, clinician_user_id: int,
                             message: str = ENDED_SHARING_MESSAGE) -> int:
    """Cancel the appointments a clinician booked when the patient ends sharing with them: the
    clinician can no longer see them, so they must not stand as "accepted" on the patient's page
    only (the web review found one). Called by :func:`gutskin.clinic.sharing.revoke`."""
    if has_active_consent(session, patient_id, clinician_user_id):
        return 0
    rows = booked_with(session, patient_id, clinician_user_id)
    for a in rows:
        a.status = "cancelled"
        a.message = message
        a.updated_at = utcnow()
        audit.record(session, actor, patient_id, "cancel", "appointment", a.id)
    return len(rows)


def withdrawn_by_ended_sharing(session: Session, actor: Actor) -> list[dict[str, object]]:
    """The clinician's appointments (booked or a time proposed) that a patient's revocation cancelled
    (:func:`cancel_for_ended_sharing`) and whose time has not passed: ``{"id", "scheduled_for"}``,
    soonest first. After a revocation the request left the clinician's list without a word, and
    the slot stayed in the clinic's calendar (concurrency walk, 2026-12-06). Content-free: the time
    the clinician set, nothing of the record (no name, reason or message); only the clinician who
    answered it, only while no sharing with that patient is active (linked again, the request is
    back in the list itself). Audited as a read of each such request on the patient's record."""
    require_role(actor, "clinician")
    if actor.user_id is None:
        return []
    active = (select(Consent.id).where(Consent.patient_id == AppointmentRequest.patient_id,
                                       Consent.clinician_user_id == actor.user_id, Consent.revoked_at.is_(None))
              .correlate(AppointmentRequest).exists())
    rows = session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.clinician_user_id == actor.user_id, AppointmentRequest.status == "cancelled",
        AppointmentRequest.message == ENDED_SHARING_MESSAGE, AppointmentRequest.scheduled_for.is_not(None),
        AppointmentRequest.scheduled_for >= utcnow(), ~active).order_by(AppointmentRequest.scheduled_for)).all()
    for a in rows:
        audit.record(session, actor, a.patient_id, "read", "appointment", a.id)
    return [{"id": a.id, "scheduled_for": a.scheduled_for.isoformat(timespec="minutes") + "Z"}  # type: ignore[union-attr]
            for a in rows]


def cancel_sent_only_to(session: Session, actor: Actor, patient_id: int, clinician_user_id: int,
                        message: str = CLOSED_ACCOUNT_MESSAGE) -> int:
    """Cancel the record's open requests sent to this clinician alone, when their account closes
    (:func:`gutskin.clinic.sharing.end_for_closed_account`): its recipient rows go with the account,
    and the request would otherwise wait as "sent to nobody" and go to whichever clinician the
    patient links next -- someone the patient did not choose. A revocation keeps them open (the
    same clinician may be linked again). Audited; returns how many."""
    from sqlalchemy.orm import aliased

    other = aliased(AppointmentRecipient)
    others = (select(other.request_id)
              .where(other.request_id == AppointmentRequest.id, other.clinician_user_id != clinician_user_id)
              .correlate(AppointmentRequest).exists())
    rows = session.scalars(
        select(AppointmentRequest)
        .join(AppointmentRecipient, AppointmentRecipient.request_id == AppointmentRequest.id)
        .where(AppointmentRequest.patient_id == patient_id, AppointmentRequest.status == "open",
               AppointmentRecipient.clinician_user_id == clinician_user_id, ~others)).all()
    for a in rows:
        a.status = "cancelled"
        a.message = message
        a.updated_at = utcnow()
        audit.record(session, actor, patient_id, "cancel", "appointment", a.id)
    return len(rows)


def answer(session: Session, actor: Actor, patient_id: int, request_id: int, action: str, note: str = "") -> dict[str, object]:
    """The patient's side of a request: ``confirm`` the clinic's proposed time (it becomes booked),
    ask for ``another_time`` (the request is open again, with the note added to the preferred
    times), or ``withdraw`` it (closed; the clinic sees it withdrawn). Before, a proposed time
    could only be confirmed by calling the clinic, which then pressed Accept for the patient.

    The request must belong to ``patient_id``; any other id is "not found" (no existence leak).
    """
    patient_for_write(session, actor, patient_id)
    # locked: the clinic's answer at the same moment waits, then reads this one (see :func:`respond`)
    a = session.get(AppointmentRequest, request_id, with_for_update=True, populate_existing=True)
    if a is None or a.patient_id != patient_id:
        raise NotFound("appointment request not found")
    if action not in PATIENT_ACTIONS:
        raise InvalidInput(f"action: expected one of {', '.join(PATIENT_ACTIONS)}")
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput("note: at most 500 characters")
    if _answered_lately(session, actor, a, action, note):
        # the same answer sent again (its answer lost on a bad connection, sent with fetch since 2026-12-07):
        # nothing new is written; it was refused ("this request is closed", "has not proposed a time")
        audit.record(session, actor, patient_id, "read", "appointment", a.id)
        return _out(a)
    if a.status in CLOSED:
        raise InvalidInput("status: this request is closed")
    if action in ("confirm", "another_time") and a.status != "proposed":
        raise InvalidInput("status: the clinic has not proposed a time for this request")
    if action == "confirm":
        if a.scheduled_for is None or a.scheduled_for < utcnow():
            raise InvalidInput("time: the proposed time has already passed; ask for another time")
        a.status = "accepted"
    elif action == "another_time":
        a.status = "open"
        a.scheduled_for = None
        if note:
            earlier = f" (earlier: {a.preferred_times})" if a.preferred_times else ""
            a.preferred_times = f"another time please: {note}{earlier}"[:500]
    else:
        a.status = "withdrawn"
    a.updated_at = utcnow()
    audit.record(session, actor, patient_id, action, "appointment", a.id)
    return _out(a)


#: the state a patient's answer leaves a request in (:func:`answer`)
_ANSWERED = {"confirm": "accepted", "another_time": "open", "withdraw": "withdrawn"}


def _answered_lately(session: Session, actor: Actor, a: AppointmentRequest, action: str, note: str) -> bool:
    """The patient's answer ``action`` (with ``note``) is the one ``actor`` gave the request within
    :data:`DUPLICATE_WINDOW` (audited under its action) and the request still stands as it left it."""
    if a.status != _ANSWERED[action] or a.updated_at is None or a.updated_at < utcnow() - DUPLICATE_WINDOW:
        return False
    if action == "another_time" and note and not (a.preferred_times or "").startswith(
            f"another time please: {note}"[:500]):
        return False
    last = session.scalars(select(AuditEvent.action).where(
        AuditEvent.patient_id == a.patient_id, AuditEvent.object_type == "appointment",
        AuditEvent.object_id == str(a.id), AuditEvent.action != "read",
        AuditEvent.at >= utcnow() - DUPLICATE_WINDOW).order_by(AuditEvent.id.desc()).limit(1)).first()
    return last == action and session.scalar(select(AuditEvent.actor_user_id).where(
        AuditEvent.patient_id == a.patient_id, AuditEvent.object_type == "appointment",
        AuditEvent.object_id == str(a.id), AuditEvent.action == action,
        AuditEvent.actor_user_id == actor.user_id).limit(1)) is not None
