"""The consent lifecycle walked as a clinic and its patients live it (2026-12-06): a patient
shares with a clinician, things are in flight (a home food challenge, a booked appointment),
then the clinician's side of the consent ends. Several users, as in the rest of tests/safety:
the owner patient, the linked clinician, a stranger and an unlinked clinician (People).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gutskin.clinic import appointments, challenges, sharing
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Consent
from tests.conftest import People, bearer


def _challenge_and_booking(engine, people: People) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A home egg challenge the linked clinician supervises and an appointment they booked."""
    with transaction(engine) as s:
        plan = challenges.PlanInput(food="food.egg", kind="home", released_for_home=True, start=dt.date.today(),
                                    baseline_days=7, doses=[challenges.DoseStep(0, "1/4 cooked egg")])
        ch = challenges.create_plan(s, people.clinician, people.owner_pid, plan)["id"]
        req = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare on the hands")["id"]
        when = (dt.datetime.utcnow() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
        appointments.respond(s, people.clinician, req, "accept", when)
    return ch, req


def test_a_clinician_who_closes_their_account_ends_what_they_supervised(people: People, engine, client) -> None:  # type: ignore[no-untyped-def]
    """Found in the consent-lifecycle walk: a clinician deleting their own account (POST
    /api/v1/me/delete) took their consents away by the database's cascade, without what revoking
    does -- the home challenge they supervised stayed 'active' (its next dose still due at home,
    its safety alerts read by nobody), their booked appointment stayed 'accepted' with nobody, and
    the patient's access log never said that sharing ended."""
    ch_id, req_id = _challenge_and_booking(engine, people)
    with transaction(engine) as s:  # an unlinked clinician's challenge elsewhere is not touched
        code = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
        sharing.accept_invite(s, people.unlinked, code)
        other = challenges.create_plan(s, people.unlinked, people.stranger_pid, challenges.PlanInput(
            food="food.milk", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
            doses=[challenges.DoseStep(0, "50 ml")]))["id"]

    doctor = bearer(client, "linked@clinic.example.org")
    assert client.post("/api/v1/me/delete", json={"password": People.password}, headers=doctor).status_code == 204

    owner = bearer(client, "owner@example.org")
    mine = client.get("/api/v1/me/challenges", headers=owner).json()
    egg = next(c for c in mine["challenges"] if c["id"] == ch_id)
    assert egg["status"] == "stopped", egg
    assert "account was closed" in egg["stop_reason"]
    assert not [t for t in mine["today"] if t["challenge_id"] == ch_id and t.get("dose")]
    assert "food.egg" in {a["food"] for a in mine["avoid"]}  # safety first: avoid until a clinician reviews it
    booked = next(a for a in client.get("/api/v1/me/appointments", headers=owner).json() if a["id"] == req_id)
    assert booked["status"] == "cancelled", booked
    assert "account was closed" in booked["message"]
    assert client.get("/api/v1/me/access", headers=owner).json() == []
    log = client.get("/api/v1/me/audit", headers=owner).json()
    ended = [e for e in log if e["action"] == "revoke" and e["object"] == "consent"]
    assert ended and ended[0]["actor"] == "linked@clinic.example.org", log[:5]
    assert {(e["action"], e["object"]) for e in log} >= {("stop", "food_challenge"), ("cancel", "appointment")}

    stranger = bearer(client, "stranger@example.org")  # another clinician's patient keeps their challenge
    theirs = client.get("/api/v1/me/challenges", headers=stranger).json()["challenges"]
    assert next(c for c in theirs if c["id"] == other)["status"] == "active"
    with transaction(engine) as s:
        assert s.scalar(select(Consent.id).where(Consent.patient_id == people.stranger_pid,
                                                 Consent.revoked_at.is_(None))) is not None
        assert not s.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == people.stranger_pid,
                                                             AuditEvent.action.in_(("revoke", "stop", "cancel")))).all()
