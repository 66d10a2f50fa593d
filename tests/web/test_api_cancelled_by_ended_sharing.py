"""The clinician API's side of the withdrawn-booking notice (2026-12-06): when a patient stops
sharing, GET /api/v1/clinician/appointments drops the request, so a clinic's scheduling system
never learnt that the booking it holds went away. GET
/api/v1/clinician/appointments/cancelled-by-ended-sharing answers what /clinic/appointments says,
from the same service function: the request's id and time only, only to the clinician who
answered it, while the time is ahead and no sharing with that patient is active; audited as a read
of that request on the patient's record. SQLite and PostgreSQL (``db_url``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gutskin.clinic import appointments, sharing
from gutskin.store.db import transaction
from gutskin.store.models import AppointmentRequest, AuditEvent, Consent
from tests.conftest import People, bearer

URL = "/api/v1/clinician/appointments/cancelled-by-ended-sharing"
REASON = "Oozing patches behind both knees"


def _booked(engine, people: People, action: str) -> tuple[int, dt.datetime]:  # type: ignore[no-untyped-def]
    when = (dt.datetime.utcnow() + dt.timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, REASON, "soon", "mornings")["id"])
        appointments.respond(s, people.clinician, rid, action, when, "Bring your creams")
    return rid, when


def _revoke(engine, people: People, clinician_user_id: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        consent = s.scalar(select(Consent.id).where(Consent.patient_id == people.owner_pid, Consent.revoked_at.is_(None),
                                                    Consent.clinician_user_id == clinician_user_id))
        sharing.revoke(s, people.owner, people.owner_pid, consent)


def _reads(engine, people: People, rid: int) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return len(s.scalars(select(AuditEvent.id).where(
            AuditEvent.patient_id == people.owner_pid, AuditEvent.actor_user_id == people.clinician.user_id,
            AuditEvent.action == "read", AuditEvent.object_type == "appointment",
            AuditEvent.object_id == str(rid))).all())


def test_the_booking_a_revocation_cancelled_reaches_the_api_of_the_clinician_who_made_it(
        client, engine, people: People) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:  # a second clinician shares the record too (and answered nothing)
        sharing.accept_invite(s, people.unlinked, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
    rid, when = _booked(engine, people, "accept")
    doc = bearer(client, "linked@clinic.example.org")
    other = bearer(client, "unlinked@clinic.example.org")
    stranger = bearer(client, "stranger@example.org")
    assert client.get(URL, headers=doc).json() == []  # booked and shared: it is in the queue itself
    _revoke(engine, people, people.clinician.user_id)  # the patient stops sharing with the one who booked
    assert rid not in {q["id"] for q in client.get("/api/v1/clinician/appointments?include_closed=true", headers=doc).json()}
    before = _reads(engine, people, rid)
    r = client.get(URL, headers=doc)
    assert r.status_code == 200, r.text
    assert r.json() == [{"id": rid, "scheduled_for": when.isoformat(timespec="minutes") + "Z"}], r.text
    for private in (REASON, "Owner", "mornings", "Bring your creams", "patient"):  # nothing of the record
        assert private not in r.text
    assert _reads(engine, people, rid) == before + 1  # a read of that request on the patient's access record
    # the other clinician (still linked to the patient) and a stranger see nothing of it
    assert client.get(URL, headers=other).json() == []
    refused = client.get(URL, headers=stranger)
    assert refused.status_code == 403 and str(rid) not in refused.text and "09:30" not in refused.text
    # linked again: the request is back in the queue (cancelled), no longer a notice
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
    assert client.get(URL, headers=doc).json() == []


def test_a_proposed_time_is_listed_and_a_past_one_is_not(client, engine, people: People) -> None:  # type: ignore[no-untyped-def]
    rid, when = _booked(engine, people, "propose")
    _revoke(engine, people, people.clinician.user_id)
    doc = bearer(client, "linked@clinic.example.org")
    assert [w["id"] for w in client.get(URL, headers=doc).json()] == [rid]
    with transaction(engine) as s:  # the time has passed: nothing left to free
        s.get(AppointmentRequest, rid).scheduled_for = dt.datetime.utcnow() - dt.timedelta(hours=1)
    assert client.get(URL, headers=doc).json() == []
