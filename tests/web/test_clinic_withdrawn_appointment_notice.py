"""Concurrency walk (2026-12-06): when a patient stops sharing, the appointment the clinician had
booked (or proposed a time for) is cancelled for the patient -- and left the clinician's list
without a word, the slot still taken in the clinic's calendar. The clinician's Appointment
requests page now says "The appointment on <time> was cancelled when the patient stopped sharing
their record with you", with nothing of the record (no name, reason or message), while the time
is ahead and no sharing with that patient is active; audited on the patient's record. The
clinician's answer racing the revocation never lands after it and is a clear message."""

from __future__ import annotations

import datetime as dt
import re
import threading

from sqlalchemy import select

from gutskin.clinic import appointments, sharing
from gutskin.store.db import transaction
from gutskin.store.models import AppointmentRequest, AuditEvent, Consent
from tests.safety.test_attacks import login_page

REASON = "Oozing patches behind both knees"
NOTICE = re.compile(r'<p class="warning withdrawn" role="status">(.*?)</p>', re.S)


def _booked(engine, people, action: str = "accept") -> tuple[int, dt.datetime]:  # type: ignore[no-untyped-def]
    when = (dt.datetime.utcnow() + dt.timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, REASON, "soon", "mornings")["id"])
        appointments.respond(s, people.clinician, rid, action, when, "Bring your creams")
    return rid, when


def _revoke(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        consent = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid, Consent.revoked_at.is_(None)))
        sharing.revoke(s, people.owner, people.owner_pid, consent)


def test_a_booking_cancelled_by_the_revocation_is_said_on_the_clinicians_page(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    rid, when = _booked(engine, people)
    login_page(client, "linked@clinic.example.org")
    assert not NOTICE.findall(client.get("/clinic/appointments").text)  # booked and shared: no notice
    _revoke(engine, people)
    page = client.get("/clinic/appointments").text
    [notice] = [" ".join(n.split()) for n in NOTICE.findall(page)]
    assert notice == (f"The appointment on {when.strftime('%a')} {when.day} {when.strftime('%b %Y, %H:%M')} (UTC) was "
                      "cancelled when the patient stopped sharing their record with you: free that time in the "
                      "clinic's calendar. The patient was told to contact the clinic if they still need it."), notice
    for private in (REASON, "Owner", "mornings", "Bring your creams"):  # nothing of the record
        assert private not in page
    with transaction(engine) as s:  # the read is on the patient's access record
        assert s.scalar(select(AuditEvent.id).where(
            AuditEvent.patient_id == people.owner_pid, AuditEvent.actor_user_id == people.clinician.user_id,
            AuditEvent.action == "read", AuditEvent.object_type == "appointment", AuditEvent.object_id == str(rid)))
    # another clinician sees nothing of it
    login_page(client, "unlinked@clinic.example.org")
    assert not NOTICE.findall(client.get("/clinic/appointments").text)
    # linked again: the request is in the list itself (cancelled), not a notice
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
        sharing.accept_invite(s, people.clinician, code)
    login_page(client, "linked@clinic.example.org")
    assert not NOTICE.findall(client.get("/clinic/appointments").text)


def test_a_proposed_time_is_said_too_and_a_past_one_is_not(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    rid, _ = _booked(engine, people, "propose")
    _revoke(engine, people)
    login_page(client, "linked@clinic.example.org")
    assert len(NOTICE.findall(client.get("/clinic/appointments").text)) == 1
    with transaction(engine) as s:  # the time has passed: nothing to free any more
        s.get(AppointmentRequest, rid).scheduled_for = dt.datetime.utcnow() - dt.timedelta(hours=1)
    assert not NOTICE.findall(client.get("/clinic/appointments").text)


def test_the_clinicians_answer_racing_the_revocation_is_refused_in_words(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The clinician presses "Move to this time" while the revocation is written and not yet committed:
    the answer waits (PostgreSQL: the consent row's lock; SQLite: BEGIN IMMEDIATE), then is refused
    with a message on the page, never a 500, and the booking stays cancelled."""
    rid, _ = _booked(engine, people)
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic/appointments").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    later = (dt.datetime.utcnow() + dt.timedelta(days=5)).strftime("%Y-%m-%dT10:00")
    out: dict[str, object] = {}
    racer = threading.Thread(target=lambda: out.setdefault("r", client.post(
        f"/clinic/appointments/{rid}", data={"csrf_token": csrf, "action": "accept", "time": later, "message": ""},
        follow_redirects=False)))
    with transaction(engine) as s:
        consent = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid))
        sharing.revoke(s, people.owner, people.owner_pid, consent)
        racer.start()
        from tests.safety.lock_waits import until_waiting_or_done

        until_waiting_or_done(engine, racer)
    racer.join(30)
    r = out["r"]
    assert r.status_code == 404, r.status_code  # type: ignore[attr-defined]
    assert f"Request {rid}:" in r.text and "not found" in r.text  # type: ignore[attr-defined]
    with transaction(engine) as s:
        assert s.get(AppointmentRequest, rid).status == "cancelled"
    assert len(NOTICE.findall(r.text)) == 1  # type: ignore[attr-defined]  # and the page says why it is gone
