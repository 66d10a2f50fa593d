"""A clinician linked after a request was made does not get it by being linked (the patient sent
it to whoever was linked then, 0012); the patient can send an open request on to them (2026-12-06),
on SQLite and PostgreSQL. Personas: the owner (linked to "Dr Linked"), "Dr Unlinked" whom the owner
links after making the request, a stranger patient (with their own sharing) and a third clinician.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from gutskin.clinic import accounts, sharing
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent
from tests.conftest import People, bearer
from tests.safety.test_attacks import login_page

FUTURE = (dt.datetime.utcnow() + dt.timedelta(days=5)).replace(hour=9, minute=30, second=0, microsecond=0)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _queue_ids(client, headers) -> set[int]:  # type: ignore[no-untyped-def]
    return {q["id"] for q in client.get("/api/v1/clinician/appointments?include_closed=true", headers=headers).json()}


def test_a_request_made_before_a_clinician_was_linked_can_be_sent_on_to_them(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    owner = bearer(client, "owner@example.org")
    made = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Flare on the hands", "urgency": "soon"})
    assert made.status_code == 201 and made.json()["sent_to"] == ["Dr Linked (linked@clinic.example.org)"], made.text
    req = made.json()["id"]
    with transaction(engine) as s:  # the owner now also shares with Dr Unlinked, and a stranger with Dr Linked
        sharing.accept_invite(s, people.unlinked, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.stranger, people.stranger_pid)["code"])
        accounts.create_user(s, "third@clinic.example.org", People.password, "clinician", "Dr Third")
    access = {a["email"]: a["consent_id"] for a in client.get("/api/v1/me/access", headers=owner).json()}
    to_a, to_b = access["linked@clinic.example.org"], access["unlinked@clinic.example.org"]
    doc_a = bearer(client, "linked@clinic.example.org")
    doc_b = bearer(client, "unlinked@clinic.example.org")
    stranger = bearer(client, "stranger@example.org")
    third = bearer(client, "third@clinic.example.org")

    # linking alone does not show B the earlier request (sent to A only) ...
    assert req not in _queue_ids(client, doc_b) and req in _queue_ids(client, doc_a)
    mine = client.get("/api/v1/me/appointments", headers=owner).json()[0]
    assert mine["can_send_to"] == [{"consent_id": to_b, "clinician": "Dr Unlinked (unlinked@clinic.example.org)"}]
    # ... and the page offers to send it on to B (only B: A has it)
    login_page(client, "owner@example.org")
    page = client.get("/appointments").text
    row = page.split(f'id="request-{req}"', 1)[1].split("</tr>", 1)[0]
    form = row.split(f'id="send-on-{req}"', 1)[1].split("</form>", 1)[0]
    assert f'name="to" value="{to_b}"' in form and f'value="{to_a}"' not in form
    assert "Dr Unlinked (unlinked@clinic.example.org)" in form

    # refused, each named, nothing changed: nothing chosen, already sent to A, another record's
    # sharing, an unknown id; a stranger or a clinician posting it: 404 / 403
    for bad, words in (([], "to: choose the clinician"), ([to_a], "to: this request was already sent to Dr Linked"),
                       ([to_b, to_a], "to: this request was already sent to Dr Linked"),
                       ([client.get("/api/v1/me/access", headers=stranger).json()[0]["consent_id"]],
                        "is not a clinician this record is shared with now"),
                       ([999999], "to: 999999 is not a clinician")):
        r = client.post(f"/api/v1/me/appointments/{req}/recipients", headers=owner, json={"to": bad})
        assert r.status_code == 422 and words in r.json()["detail"], (bad, r.text)
    assert client.post(f"/api/v1/me/appointments/{req}/recipients", headers=stranger, json={"to": [to_b]}).status_code == 404
    for doc in (doc_a, doc_b, third):
        assert client.post(f"/api/v1/me/appointments/{req}/recipients", headers=doc, json={"to": [to_b]}).status_code == 403
    assert req not in _queue_ids(client, doc_b)
    with transaction(engine) as s:
        assert not s.scalars(select(AuditEvent).where(AuditEvent.action == "send")).all()

    # sent on: B sees it (queue and panel count), A keeps it, the patient's list names both, audited
    ok = client.post(f"/api/v1/me/appointments/{req}/recipients", headers=owner, json={"to": [to_b]})
    assert ok.status_code == 200, ok.text
    assert sorted(ok.json()["sent_to"]) == ["Dr Linked (linked@clinic.example.org)", "Dr Unlinked (unlinked@clinic.example.org)"]
    assert req in _queue_ids(client, doc_b) and req in _queue_ids(client, doc_a)
    panel_b = {p["patient_id"]: p for p in client.get("/api/v1/clinician/patients", headers=doc_b).json()}
    assert panel_b[people.owner_pid]["open_requests"] == 1
    assert client.get("/api/v1/me/appointments", headers=owner).json()[0]["can_send_to"] == []
    assert f'id="send-on-{req}"' not in client.get("/appointments").text
    with transaction(engine) as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "send")).all()
        assert [(e.patient_id, e.object_type, e.object_id) for e in rows] == [(people.owner_pid, "appointment", str(req))]
    # the same send again (its answer lost on the way back, 2026-12-07): answered as sent, nothing written again
    again = client.post(f"/api/v1/me/appointments/{req}/recipients", headers=owner, json={"to": [to_b]})
    assert again.status_code == 200 and again.json()["sent_to"] == ok.json()["sent_to"], again.text
    with transaction(engine) as s:
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "send")).all()) == 1

    # once a clinician proposed a time it is no longer open: it stays with those it went to
    when = {"action": "propose", "time": FUTURE.isoformat() + "Z"}
    assert client.post(f"/api/v1/clinician/appointments/{req}", headers=doc_b, json=when).status_code == 200
    later = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Review", "to": [to_a]}).json()["id"]
    assert client.post(f"/api/v1/clinician/appointments/{later}", headers=doc_a, json=when).status_code == 200
    r = client.post(f"/api/v1/me/appointments/{later}/recipients", headers=owner, json={"to": [to_b]})
    assert r.status_code == 422 and r.json()["detail"].startswith("status: only a request still waiting"), r.text
    assert later not in _queue_ids(client, doc_b)


def test_a_request_left_unseen_by_an_ended_sharing_can_go_to_the_clinician_linked_now(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """The page used to say "withdraw it and send a new one"; now it can be sent on (page form)."""
    owner = bearer(client, "owner@example.org")
    req = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "For A"}).json()["id"]
    to_a = client.get("/api/v1/me/access", headers=owner).json()[0]["consent_id"]
    assert client.delete(f"/api/v1/me/access/{to_a}", headers=owner).status_code == 204
    doc_b = bearer(client, "unlinked@clinic.example.org")
    code = client.post("/api/v1/me/invites", headers=owner).json()["code"]
    assert client.post("/api/v1/clinician/links", headers=doc_b, json={"code": code}).status_code == 201
    assert req not in _queue_ids(client, doc_b)  # it was sent to A
    to_b = client.get("/api/v1/me/access", headers=owner).json()[0]["consent_id"]

    login_page(client, "owner@example.org")
    page = client.get("/appointments").text
    row = page.split(f'id="request-{req}"', 1)[1].split("</tr>", 1)[0]
    assert "Not seen: your sharing with the clinician it was sent to ended; send it to a clinician" in row, row
    csrf = _csrf(page)
    bad = client.post(f"/appointments/{req}/send", data={"csrf_token": csrf, "to": "abc"})
    assert bad.status_code == 422
    card = bad.text.split(f'id="request-{req}"', 1)[1].split("</tr>", 1)[0]
    assert f'id="request-error-{req}"' in card and "to: expected an id" in card
    assert f'aria-describedby="request-error-{req}"' in card.split(f'id="send-on-{req}"', 1)[1]
    none = client.post(f"/appointments/{req}/send", data={"csrf_token": csrf})
    assert none.status_code == 422 and "to: choose the clinician" in none.text
    r = client.post(f"/appointments/{req}/send", data={"csrf_token": csrf, "to": str(to_b)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert req in _queue_ids(client, doc_b)
    row = client.get("/appointments").text.split(f'id="request-{req}"', 1)[1].split("</tr>", 1)[0]
    assert "Waiting for the clinic" in row and "Dr Unlinked (unlinked@clinic.example.org)" in row, row
    # the access list says what happened in words
    assert "sent on an appointment request" in client.get("/sharing").text


def test_a_double_clicked_send_adds_the_clinician_once_and_the_second_is_told(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """Two sends of the same request to the same clinician at once (a double-click): the second
    waits for the first and then finds it done; before, on PostgreSQL both inserted the
    recipient and the second failed on the primary key (a 500). Until 2026-12-07 the second was
    refused ("already sent to"); it is now the same send again and answered as sent (the page sends
    it with fetch, and a send whose answer was lost is pressed again), nothing written twice."""
    import threading

    from sqlalchemy.orm import Session

    from gutskin.clinic import appointments
    from gutskin.store.models import AppointmentRecipient

    owner = bearer(client, "owner@example.org")
    req = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Flare"}).json()["id"]
    with transaction(engine) as s:
        sharing.accept_invite(s, people.unlinked, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
    to_b = {a["email"]: a["consent_id"] for a in client.get("/api/v1/me/access", headers=owner).json()}[
        "unlinked@clinic.example.org"]
    outcome: list[object] = []

    def second() -> None:
        try:
            with transaction(engine) as s2:
                outcome.append(appointments.send_to(s2, people.owner, people.owner_pid, req, [to_b]))
        except Exception as exc:  # noqa: BLE001 - what the second click got
            outcome.append(exc)

    with transaction(engine) as s1:
        appointments.send_to(s1, people.owner, people.owner_pid, req, [to_b])
        t = threading.Thread(target=second)
        t.start()
        t.join(1.0)  # it waits for this transaction (PostgreSQL: the row lock; SQLite: the write lock)
        assert t.is_alive() and outcome == [], outcome
    t.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], dict), repr(outcome)
    assert outcome[0]["sent_to"] == ["Dr Linked (linked@clinic.example.org)", "Dr Unlinked (unlinked@clinic.example.org)"]
    with Session(engine) as s:
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "send")).all()) == 1
    with Session(engine) as s:
        assert sorted(s.scalars(select(AppointmentRecipient.clinician_user_id)
                                .where(AppointmentRecipient.request_id == req)).all()) == sorted(
            [people.clinician.user_id, people.unlinked.user_id])
