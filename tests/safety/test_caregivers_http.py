"""A child's co-caregiver over HTTP (API), in the repo's owner / shared / stranger style, on SQLite
and PostgreSQL: the parent (A) makes a caregiver code for Mia; B redeems it and keeps Mia's
day-to-day record through the same /api/v1 routes as A; everything only A may do, A's own record,
A's other child, a clinician and a removed co-caregiver get 404 (or 403 for the wrong role) and no
data; every read and write of B's is on Mia's access log under B's account."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gutskin.clinic import accounts
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, DiaryDay
from tests.conftest import bearer
from tests.safety.matrix_setup import PROFILE

DAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _family(client, engine, people):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        leo = accounts.add_child_profile(s, people.owner, "Leo", 2021).id
    a, b = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
    r = client.post(f"/api/v1/me/caregiver-invites?patient_id={mia}", headers=a)
    assert r.status_code == 201, r.text
    listed = client.get(f"/api/v1/me/caregiver-invites?patient_id={mia}", headers=a).json()
    assert [c["id"] for c in listed] == [r.json()["id"]] and "code" not in listed[0]
    assert client.get(f"/api/v1/me/invites?patient_id={mia}", headers=a).json() == []  # not a clinician's code
    got = client.post("/api/v1/me/caregiving", json={"code": r.json()["code"]}, headers=b)
    assert got.status_code == 201, got.text
    assert got.json()["patient_id"] == mia and got.json()["managed_by"] == "Owner"
    return mia, leo, a, b


def test_a_co_caregiver_keeps_the_childs_record_through_the_api(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia, _, a, b = _family(client, engine, people)
    assert client.put(f"/api/v1/me/diary/{DAY}?patient_id={mia}", json={"itch": 6}, headers=b).status_code == 200
    assert client.post(f"/api/v1/me/questionnaires/poem?patient_id={mia}", json={"answers": [1] * 7, "respondent": "proxy"},
                       headers=b).status_code == 201
    up = client.post(f"/api/v1/me/microbiome?patient_id={mia}", headers=b,
                     files={"file": ("gut.tsv", PROFILE, "text/tab-separated-values")})
    assert up.status_code == 201, up.text
    for url in (f"/api/v1/patients/{mia}/diary", f"/api/v1/me/diary?patient_id={mia}", f"/api/v1/patients/{mia}/insights",
                f"/api/v1/patients/{mia}/microbiome", f"/api/v1/patients/{mia}/report.pdf",
                f"/api/v1/patients/{mia}/fhir", f"/api/v1/me/questionnaires?patient_id={mia}"):
        assert client.get(url, headers=b).status_code == 200, url
    assert [d["itch"] for d in client.get(f"/api/v1/patients/{mia}/diary", headers=a).json() if d["date"] == DAY] == [6]
    me = client.get("/api/v1/me", headers=b).json()
    assert me["patient_id"] == people.stranger_pid  # B's own profile stays the default
    assert [(p["patient_id"], p.get("co_caregiver", False)) for p in me["patients"]] == [
        (people.stranger_pid, False), (mia, True)]
    with transaction(engine) as s:
        row = s.get(DiaryDay, (mia, dt.date.fromisoformat(DAY)))
        assert (row.author_user_id, row.author_role) == (people.stranger.user_id, "co_caregiver")
        actions = set(s.execute(select(AuditEvent.action, AuditEvent.object_type).where(
            AuditEvent.patient_id == mia, AuditEvent.actor_user_id == people.stranger.user_id)).all())
    assert {("link", "caregiver"), ("create", "diary_day"), ("read", "diary"), ("export", "fhir_bundle")} <= actions
    # the parent sees who helps, and B in the child's access log
    assert [c["email"] for c in client.get(f"/api/v1/me/caregivers?patient_id={mia}", headers=a).json()] == [
        "stranger@example.org"]
    assert "stranger@example.org" in {e["actor"] for e in client.get(f"/api/v1/me/audit?patient_id={mia}", headers=a).json()}


def test_what_only_the_parent_may_do_and_everyone_elses_record_are_404_for_a_co_caregiver(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia, leo, a, b = _family(client, engine, people)
    grant = client.get(f"/api/v1/me/caregivers?patient_id={mia}", headers=a).json()[0]["id"]
    refused = [
        ("POST", f"/api/v1/me/invites?patient_id={mia}", None), ("GET", f"/api/v1/me/invites?patient_id={mia}", None),
        ("GET", f"/api/v1/me/access?patient_id={mia}", None), ("GET", f"/api/v1/me/audit?patient_id={mia}", None),
        ("POST", f"/api/v1/me/appointments?patient_id={mia}", {"reason": "flare", "urgency": "soon"}),
        ("GET", f"/api/v1/me/appointments?patient_id={mia}", None),
        ("POST", f"/api/v1/me/caregiver-invites?patient_id={mia}", None),
        ("GET", f"/api/v1/me/caregivers?patient_id={mia}", None),
        ("DELETE", f"/api/v1/me/caregivers/{grant}?patient_id={mia}", None),
    ]
    for pid in (leo, people.owner_pid):  # A's other child and A's own record
        refused += [("GET", f"/api/v1/patients/{pid}/diary", None), ("GET", f"/api/v1/me/diary?patient_id={pid}", None),
                    ("PUT", f"/api/v1/me/diary/{DAY}?patient_id={pid}", {"itch": 1}),
                    ("GET", f"/api/v1/patients/{pid}/fhir", None), ("DELETE", f"/api/v1/me/caregiving/{pid}", None)]
    with transaction(engine) as s:
        before = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    for method, url, body in refused:
        r = client.request(method, url, json=body, headers=b)
        assert r.status_code == 404, (method, url, r.status_code, r.text)
        assert "Mia" not in r.text and "Leo" not in r.text
    with transaction(engine) as s:  # refused calls leave no audit row on anyone's record
        assert s.scalars(select(AuditEvent).where(AuditEvent.id > before)).all() == []
    assert client.get(f"/api/v1/me/caregivers?patient_id={mia}", headers=a).json()[0]["id"] == grant


def test_clinicians_and_strangers_get_nothing_from_a_caregiver_code(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
    a, b = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
    doc = bearer(client, "linked@clinic.example.org")
    code = client.post(f"/api/v1/me/caregiver-invites?patient_id={mia}", headers=a).json()["code"]
    assert client.post("/api/v1/me/caregiving", json={"code": code}, headers=doc).status_code == 403
    assert client.post("/api/v1/clinician/links", json={"code": code}, headers=doc).status_code == 404
    assert client.get(f"/api/v1/patients/{mia}/diary", headers=doc).status_code == 404
    assert client.get(f"/api/v1/patients/{mia}/diary", headers=b).status_code == 404  # not yet redeemed
    assert client.post(f"/api/v1/me/caregiver-invites?patient_id={people.owner_pid}", headers=a).status_code == 422
    assert client.post(f"/api/v1/me/caregiver-invites?patient_id={mia}", headers=b).status_code == 404


def test_a_removed_or_departed_co_caregiver_gets_404(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia, _, a, b = _family(client, engine, people)
    assert client.put(f"/api/v1/me/diary/{DAY}?patient_id={mia}", json={"itch": 6}, headers=b).status_code == 200
    grant = client.get(f"/api/v1/me/caregivers?patient_id={mia}", headers=a).json()[0]["id"]
    assert client.delete(f"/api/v1/me/caregivers/{grant}?patient_id={mia}", headers=a).status_code == 204
    for method, url, body in (("GET", f"/api/v1/patients/{mia}/diary", None),
                              ("PUT", f"/api/v1/me/diary/{DAY}?patient_id={mia}", {"itch": 1}),
                              ("GET", f"/api/v1/patients/{mia}/report.pdf", None),
                              ("DELETE", f"/api/v1/me/caregiving/{mia}", None)):
        r = client.request(method, url, json=body, headers=b)
        assert r.status_code == 404 and "Mia" not in r.text, (url, r.status_code)
    assert [p["patient_id"] for p in client.get("/api/v1/me", headers=b).json()["patients"]] == [people.stranger_pid]
    assert client.get("/api/v1/me/caregiving", headers=b).json() == []
    # invited again, then leaves
    code = client.post(f"/api/v1/me/caregiver-invites?patient_id={mia}", headers=a).json()["code"]
    assert client.post("/api/v1/me/caregiving", json={"code": code}, headers=b).status_code == 201
    assert client.delete(f"/api/v1/me/caregiving/{mia}", headers=b).status_code == 204
    assert client.get(f"/api/v1/patients/{mia}/diary", headers=b).status_code == 404
    with transaction(engine) as s:
        acts = [tuple(r) for r in s.execute(select(AuditEvent.actor_user_id, AuditEvent.action).where(
            AuditEvent.patient_id == mia, AuditEvent.object_type == "caregiver").order_by(AuditEvent.id)).all()]
    assert acts == [(people.stranger.user_id, "link"), (people.owner.user_id, "remove"),
                    (people.stranger.user_id, "link"), (people.stranger.user_id, "leave")]
