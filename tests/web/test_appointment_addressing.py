"""Appointment requests go to the clinician(s) the patient chose (migration 0012), on SQLite and
PostgreSQL. Before, a request had no addressee: with two clinics linked at once each saw, could
answer and was ranked by every request of the patient, also those meant for the other. Personas:
the owner (patient A, sharing with clinician A "Dr Linked" and clinician B "Dr Unlinked", whom the
test links), a stranger patient, and a third clinician nobody shares with.
"""

from __future__ import annotations

import datetime as dt
import re

from gutskin.clinic import accounts, appointments, sharing
from gutskin.store.db import transaction
from tests.conftest import People, bearer
from tests.safety.test_attacks import login_page

FUTURE = (dt.datetime.utcnow() + dt.timedelta(days=5)).replace(hour=9, minute=30, second=0, microsecond=0)


def _two_clinics(client, people: People, engine) -> tuple[dict[str, str], int, int]:  # type: ignore[no-untyped-def]
    """The owner shares with clinician A (People) and clinician B too; their consent ids."""
    with transaction(engine) as s:
        sharing.accept_invite(s, people.unlinked, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
        accounts.create_user(s, "third@clinic.example.org", People.password, "clinician", "Dr Third")
    owner = bearer(client, "owner@example.org")
    access = {a["email"]: a["consent_id"] for a in client.get("/api/v1/me/access", headers=owner).json()}
    return owner, access["linked@clinic.example.org"], access["unlinked@clinic.example.org"]


def test_a_request_is_seen_and_answered_only_by_the_clinician_it_was_sent_to(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    owner, to_a, to_b = _two_clinics(client, people, engine)
    doc_a = bearer(client, "linked@clinic.example.org")
    doc_b = bearer(client, "unlinked@clinic.example.org")
    third = bearer(client, "third@clinic.example.org")
    stranger = bearer(client, "stranger@example.org")

    # two clinicians linked: an explicit empty choice is refused, nothing stored
    r = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Flare on the hands", "urgency": "urgent",
                                                                     "to": []})
    assert r.status_code == 422 and r.json()["detail"].startswith("to: this record is shared with 2 clinicians"), r.text
    assert client.get("/api/v1/me/appointments", headers=owner).json() == []  # nothing stored
    r = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Flare on the hands", "urgency": "urgent",
                                                                     "to": [to_a]})
    assert r.status_code == 201, r.text
    req = r.json()["id"]
    assert r.json()["sent_to"] == ["Dr Linked (linked@clinic.example.org)"]

    assert [q["id"] for q in client.get("/api/v1/clinician/appointments", headers=doc_a).json()] == [req]
    assert client.get("/api/v1/clinician/appointments?include_closed=true", headers=doc_b).json() == []
    panel_b = {p["patient_id"]: p for p in client.get("/api/v1/clinician/patients", headers=doc_b).json()}
    panel_a = {p["patient_id"]: p for p in client.get("/api/v1/clinician/patients", headers=doc_a).json()}
    assert panel_b[people.owner_pid]["open_requests"] == 0 and panel_a[people.owner_pid]["open_requests"] == 1
    when = {"action": "accept", "time": FUTURE.isoformat() + "Z"}
    for other in (doc_b, third, stranger):  # B, a clinician nobody shares with, a stranger patient
        answered = client.post(f"/api/v1/clinician/appointments/{req}", headers=other, json=when)
        assert answered.status_code in (403, 404), answered.text
    assert client.post(f"/api/v1/clinician/appointments/{req}", headers=doc_b, json=when).status_code == 404
    assert client.post(f"/api/v1/me/appointments/{req}", headers=stranger, json={"action": "withdraw"}).status_code == 404
    assert client.get("/api/v1/me/appointments", headers=owner).json()[0]["status"] == "open"  # untouched
    ok = client.post(f"/api/v1/clinician/appointments/{req}", headers=doc_a, json=when)
    assert ok.status_code == 200 and ok.json()["status"] == "accepted", ok.text

    # to B only: the other way round; to both: both see it
    only_b = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Eczema review", "to": [to_b]}).json()["id"]
    both = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Second opinion", "to": [to_a, to_b, to_b]})
    assert sorted(both.json()["sent_to"]) == ["Dr Linked (linked@clinic.example.org)", "Dr Unlinked (unlinked@clinic.example.org)"]
    seen_a = {q["id"] for q in client.get("/api/v1/clinician/appointments", headers=doc_a).json()}
    seen_b = {q["id"] for q in client.get("/api/v1/clinician/appointments", headers=doc_b).json()}
    assert seen_a == {req, both.json()["id"]} and seen_b == {only_b, both.json()["id"]}
    assert client.post(f"/api/v1/clinician/appointments/{only_b}", headers=doc_a, json=when).status_code == 404

    # a consent id that is not one of this record's sharings now: named, nothing stored
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.stranger, people.stranger_pid)["code"])
    theirs = client.get("/api/v1/me/access", headers=stranger).json()[0]["consent_id"]
    for bad in ([theirs], [to_a, 999999]):
        r = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "x", "to": bad})
        assert r.status_code == 422 and "is not a clinician this record is shared with now" in r.json()["detail"], r.text
    assert len(client.get("/api/v1/me/appointments", headers=owner).json()) == 3


def test_a_request_to_a_clinician_whose_sharing_ended_reaches_nobody_else(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """Revoking A leaves A's request open but unseen (the page says so); B, still linked, does not
    get it; A linked again sees it again."""
    owner, to_a, to_b = _two_clinics(client, people, engine)
    req = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "For A", "to": [to_a]}).json()["id"]
    assert client.delete(f"/api/v1/me/access/{to_a}", headers=owner).status_code == 204
    doc_a = bearer(client, "linked@clinic.example.org")
    doc_b = bearer(client, "unlinked@clinic.example.org")
    assert client.get("/api/v1/clinician/appointments?include_closed=true", headers=doc_b).json() == []
    login_page(client, "owner@example.org")
    row = client.get("/appointments").text.split(f'id="request-{req}"', 1)[1].split("</tr>", 1)[0]
    assert "Not seen: your sharing with the clinician it was sent to ended" in row, row
    assert "Sent to Dr Linked (linked@clinic.example.org)" in row
    code = client.post("/api/v1/me/invites", headers=owner).json()["code"]
    assert client.post("/api/v1/clinician/links", headers=doc_a, json={"code": code}).status_code == 201
    assert [q["id"] for q in client.get("/api/v1/clinician/appointments", headers=doc_a).json()] == [req]
    assert client.get("/api/v1/clinician/appointments", headers=doc_b).json() == []


def test_one_clinician_linked_gets_it_and_nobody_linked_waits_for_the_next(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Only one clinic"})
    assert r.status_code == 201 and r.json()["sent_to"] == ["Dr Linked (linked@clinic.example.org)"]
    stranger = bearer(client, "stranger@example.org")  # shares with nobody
    waiting = client.post("/api/v1/me/appointments", headers=stranger, json={"reason": "Nobody yet"}).json()
    assert waiting["sent_to"] == []
    doc_b = bearer(client, "unlinked@clinic.example.org")
    code = client.post("/api/v1/me/invites", headers=stranger).json()["code"]
    assert client.post("/api/v1/clinician/links", headers=doc_b, json={"code": code}).status_code == 201
    assert [q["id"] for q in client.get("/api/v1/clinician/appointments", headers=doc_b).json()] == [waiting["id"]]
    assert client.get("/api/v1/me/appointments", headers=stranger).json()[0]["sent_to"] == [
        "Dr Unlinked (unlinked@clinic.example.org)"]
    doc_a = bearer(client, "linked@clinic.example.org")  # linked second: it was B's already
    code = client.post("/api/v1/me/invites", headers=stranger).json()["code"]
    assert client.post("/api/v1/clinician/links", headers=doc_a, json={"code": code}).status_code == 201
    assert people.stranger_pid not in {q["patient_id"] for q in client.get("/api/v1/clinician/appointments", headers=doc_a).json()}


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_page_lets_the_patient_pick_when_two_clinicians_are_linked(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    _, to_a, to_b = _two_clinics(client, people, engine)
    login_page(client, "owner@example.org")
    page = client.get("/appointments").text
    box = page.split('id="send-to"', 1)[1].split("</fieldset>", 1)[0]
    assert f'name="to" value="{to_a}"' in box and f'name="to" value="{to_b}"' in box
    assert "Dr Linked (linked@clinic.example.org)" in box and "Dr Unlinked (unlinked@clinic.example.org)" in box
    csrf = _csrf(page)
    r = client.post("/appointments", data={"csrf_token": csrf, "reason": "Rash", "urgency": "soon",
                                           "preferred_times": "Mondays"})
    assert r.status_code == 422 and "to: this record is shared with 2 clinicians" in r.text
    assert 'value="Mondays"' in r.text and 'id="no-requests"' in r.text
    r = client.post("/appointments", data={"csrf_token": csrf, "reason": "Rash", "to": str(to_b)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    listed = client.get("/appointments").text
    assert "Sent to Dr Unlinked (unlinked@clinic.example.org)" in listed
    with transaction(engine) as s:
        assert [q["reason"] for q in appointments.queue(s, people.unlinked)] == ["Rash"]
        assert appointments.queue(s, people.clinician) == []
    bad = client.post("/appointments", data={"csrf_token": csrf, "reason": "Rash", "to": "abc"})
    assert bad.status_code == 422 and "to: expected an id" in bad.text
    # one clinician linked: no choice to make, the page says where it goes
    assert client.delete(f"/api/v1/me/access/{to_b}", headers=bearer(client, "owner@example.org")).status_code == 204
    one = client.get("/appointments").text
    assert 'id="send-to"' not in one and "This request goes to Dr Linked (linked@clinic.example.org)." in one


def test_a_clinicians_fhir_export_carries_only_the_requests_sent_to_them(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """Found walking the flows as clinician B: B's FHIR export of the record held the Appointment
    A had booked for the request the patient sent to A (its time, "Dr Linked" as participant). The
    patient's own export keeps every booked appointment."""
    owner, to_a, to_b = _two_clinics(client, people, engine)
    doc_a, doc_b = bearer(client, "linked@clinic.example.org"), bearer(client, "unlinked@clinic.example.org")
    for_a = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "For A", "to": [to_a]}).json()["id"]
    for_b = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "For B", "to": [to_b]}).json()["id"]
    when = {"action": "accept", "time": FUTURE.isoformat() + "Z"}
    assert client.post(f"/api/v1/clinician/appointments/{for_a}", headers=doc_a, json=when).status_code == 200
    assert client.post(f"/api/v1/clinician/appointments/{for_b}", headers=doc_b, json=when).status_code == 200

    def booked(headers: dict[str, str]) -> list[int]:
        bundle = client.get(f"/api/v1/patients/{people.owner_pid}/fhir", headers=headers)
        assert bundle.status_code == 200, bundle.text
        return sorted(int(e["resource"]["identifier"][0]["value"]) for e in bundle.json()["entry"]
                      if e["resource"]["resourceType"] == "Appointment")

    assert booked(doc_b) == [for_b]
    assert booked(doc_a) == [for_a]
    assert booked(owner) == sorted([for_a, for_b])


def test_an_open_request_sent_only_to_a_clinician_whose_account_closes_is_cancelled(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """Found walking the flows as an ex-clinician: when A deleted their account, the request sent
    to A alone lost its addressee with the account (the rows cascade) and would have gone, as
    "sent to nobody", to whichever clinician the patient linked next. It is cancelled with the
    closed-account message, as A's bookings are; a request also sent to B stays B's."""
    owner, to_a, to_b = _two_clinics(client, people, engine)
    for_a = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "For A", "to": [to_a]}).json()["id"]
    for_both = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "For both", "to": [to_a, to_b]}).json()["id"]
    doc_a = bearer(client, "linked@clinic.example.org")
    assert client.post("/api/v1/me/delete", json={"password": People.password}, headers=doc_a).status_code == 204
    mine = {r["id"]: r for r in client.get("/api/v1/me/appointments", headers=owner).json()}
    assert mine[for_a]["status"] == "cancelled" and "account was closed" in mine[for_a]["message"], mine[for_a]
    assert mine[for_both]["status"] == "open" and mine[for_both]["seen"] is True
    doc_b = bearer(client, "unlinked@clinic.example.org")
    assert [r["id"] for r in client.get("/api/v1/clinician/appointments", headers=doc_b).json()] == [for_both]
    third = bearer(client, "third@clinic.example.org")  # linked after: gets neither
    code = client.post("/api/v1/me/invites", headers=owner).json()["code"]
    assert client.post("/api/v1/clinician/links", headers=third, json={"code": code}).status_code == 201
    assert client.get("/api/v1/clinician/appointments?include_closed=true", headers=third).json() == []
    log = client.get("/api/v1/me/audit", headers=owner).json()
    assert any(e["action"] == "cancel" and e["object"] == "appointment" and str(e.get("object_id", for_a)) == str(for_a)
               for e in log)


def test_an_api_request_without_to_goes_to_every_clinician_linked_as_before_addressing(client, people: People, engine) -> None:  # type: ignore[no-untyped-def]
    """An app written before ``to`` existed keeps working: its request reaches every clinician the
    record is shared with (what every request did before 0012), not a 422; a clinician nobody
    shares with and a stranger still see nothing."""
    owner, _, _ = _two_clinics(client, people, engine)
    r = client.post("/api/v1/me/appointments", headers=owner, json={"reason": "Itchy at night"})
    assert r.status_code == 201, r.text
    assert sorted(r.json()["sent_to"]) == ["Dr Linked (linked@clinic.example.org)",
                                           "Dr Unlinked (unlinked@clinic.example.org)"]
    req = r.json()["id"]
    for who in ("linked@clinic.example.org", "unlinked@clinic.example.org"):
        assert [q["id"] for q in client.get("/api/v1/clinician/appointments", headers=bearer(client, who)).json()] == [req]
    assert client.get("/api/v1/clinician/appointments", headers=bearer(client, "third@clinic.example.org")).json() == []
    stranger = bearer(client, "stranger@example.org")
    assert client.post(f"/api/v1/me/appointments/{req}", headers=stranger, json={"action": "withdraw"}).status_code == 404
