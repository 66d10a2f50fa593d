"""Concurrency walk (2026-12-06): "Request appointment" sent twice -- a double click without
script, Back then Send again, or two tabs -- made two identical open requests, both in the
clinician's queue (two urgent requests from one patient, each to be declined). The same request
(reason, urgency, preferred times and their zone, recipients) made again within ten minutes is
now the first one: the second Send lands on the same "Request sent" page and nothing new is
written. On PostgreSQL two Sends at the same moment take turns on the patient's row."""

from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from gutskin.clinic import appointments
from gutskin.store.db import transaction
from gutskin.store.models import AppointmentRequest, AuditEvent
from tests.safety.test_attacks import login_page
from tests.safety.lock_waits import until_waiting_or_done


FORM = {"reason": "Weeping rash on both arms", "urgency": "urgent", "preferred_times": "mornings"}


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/appointments").text).group(1)


def _count(engine, pid: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        made = s.scalar(select(func.count()).select_from(AppointmentRequest).where(AppointmentRequest.patient_id == pid))
        audited = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.object_type == "appointment", AuditEvent.action == "create"))
    return made, audited


def test_the_same_request_sent_twice_is_one_request(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    login_page(client, "owner@example.org")
    csrf = _csrf(client)
    first = client.post("/appointments", data={**FORM, "csrf_token": csrf}, follow_redirects=False)
    again = client.post("/appointments", data={**FORM, "csrf_token": csrf}, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert _count(engine, people.owner_pid) == (1, 1)
    assert "Request sent to Dr Linked" in client.get(again.headers["location"]).text  # the second Send's page says it too
    with transaction(engine) as s:  # the clinician sees one request
        assert len(appointments.queue(s, people.clinician)) == 1
    # a different request (other words, other urgency) is a new one
    client.post("/appointments", data={**FORM, "urgency": "soon", "csrf_token": csrf}, follow_redirects=False)
    client.post("/appointments", data={**FORM, "reason": "Another flare", "csrf_token": csrf}, follow_redirects=False)
    assert _count(engine, people.owner_pid) == (3, 3)


def test_two_sends_at_the_same_moment_make_one_request(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The first Send is written and not yet committed when the second arrives."""
    login_page(client, "owner@example.org")
    csrf = _csrf(client)
    out: dict[str, object] = {}
    racer = threading.Thread(target=lambda: out.setdefault(
        "r", client.post("/appointments", data={**FORM, "csrf_token": csrf}, follow_redirects=False)))
    with transaction(engine) as s:
        appointments.request_appointment(s, people.owner, people.owner_pid, FORM["reason"], FORM["urgency"],
                                         FORM["preferred_times"], None, None)
        racer.start()
        until_waiting_or_done(engine, racer)
    racer.join(30)
    assert not racer.is_alive()
    assert out["r"].status_code == 303  # type: ignore[attr-defined]
    assert _count(engine, people.owner_pid) == (1, 1)
