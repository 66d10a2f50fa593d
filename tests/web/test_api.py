"""The JSON API contract (issue 3) through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from tests.conftest import bearer


def test_register_token_me_and_diary_contract(client) -> None:
    r = client.post("/api/v1/auth/register", json={"email": "pat@example.org", "password": "a long password"})
    assert r.status_code == 201
    assert r.json()["role"] == "patient"
    # token accepts form (OAuth2 password flow) and JSON
    form = client.post("/api/v1/auth/token", data={"username": "pat@example.org", "password": "a long password"})
    assert form.status_code == 200 and form.json()["token_type"] == "bearer"
    h = bearer(client, "pat@example.org", "a long password")
    me = client.get("/api/v1/me", headers=h).json()
    pid = me["patient_id"]
    assert isinstance(pid, int)
    body = {"itch": 7, "sleep_loss": 3, "flare": True, "factors": {"food.dairy": 1, "env.pollen": 20}, "notes": "hot day"}
    put = client.put("/api/v1/me/diary/2026-11-02", json=body, headers=h)
    assert put.status_code == 200, put.text
    client.put("/api/v1/me/diary/2026-11-05", json={"itch": 2}, headers=h)
    days = client.get("/api/v1/me/diary", params={"start": "2026-11-01", "end": "2026-11-03"}, headers=h).json()
    assert days == [{"date": "2026-11-02", "itch": 7, "sleep_loss": 3, "flare": True, "poscorad": None, "poem": None,
                     "notes": "hot day", "factors": {"env.pollen": 20.0, "food.dairy": 1.0},
                     # who logged it (no name given at registration: the address; docs/web.md)
                     "logged_by": {"name": "pat@example.org", "role": "patient", "you": True},
                     # the version to send back as If-Match (2026-12-06): the PUT's ETag
                     "version": put.json()["version"]}]
    assert put.headers["etag"] == f'"{put.json()["version"]}"'
    assert len(client.get("/api/v1/me/diary", headers=h).json()) == 2


def test_sharing_flow_and_stranger_gets_404(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    stranger = bearer(client, "stranger@example.org")
    doc = bearer(client, "unlinked@clinic.example.org")
    client.put("/api/v1/me/diary/2026-11-02", json={"itch": 5}, headers=owner)
    pid = people.owner_pid
    assert client.get(f"/api/v1/patients/{pid}/diary", headers=doc).status_code == 404
    code = client.post("/api/v1/me/invites", headers=owner).json()["code"]
    linked = client.post("/api/v1/clinician/links", json={"code": code}, headers=doc)
    assert linked.status_code == 201 and linked.json() == {"patient_id": pid}
    got = client.get(f"/api/v1/patients/{pid}/diary", headers=doc)
    assert got.status_code == 200 and got.json()[0]["itch"] == 5
    assert client.get(f"/api/v1/patients/{pid}/diary", headers=stranger).status_code == 404
    assert client.get("/api/v1/patients/987654/diary", headers=stranger).status_code == 404
    access = client.get("/api/v1/me/access", headers=owner).json()
    mine = [a for a in access if a["email"] == "unlinked@clinic.example.org"][0]
    assert client.delete(f"/api/v1/me/access/{mine['consent_id']}", headers=owner).status_code == 204
    assert client.get(f"/api/v1/patients/{pid}/diary", headers=doc).status_code == 404
    log = client.get("/api/v1/me/audit", headers=owner).json()
    assert any(e["actor"] == "unlinked@clinic.example.org" and e["action"] == "read" for e in log)


def test_auth_errors(client, people) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer forged.token.value"}).status_code == 401
    bad = client.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": "wrong"})
    assert bad.status_code == 401 and bad.json()["detail"] == "wrong email or password"
    unknown = client.post("/api/v1/auth/token", json={"email": "ghost@example.org", "password": "wrong"})
    assert unknown.status_code == 401 and unknown.json() == bad.json()
    patient = bearer(client, "owner@example.org")
    assert client.get("/api/v1/clinician/patients", headers=patient).status_code == 403


def test_rate_limit_on_token(client, people) -> None:
    for _ in range(5):
        assert client.post("/api/v1/auth/token", json={"email": "stranger@example.org", "password": "x"}).status_code == 401
    r = client.post("/api/v1/auth/token", json={"email": "stranger@example.org", "password": People_password()})
    assert r.status_code == 429


def People_password() -> str:  # noqa: N802 - tiny helper to keep the assertion readable
    from tests.conftest import People

    return People.password


def test_mass_assignment_is_rejected(client, people) -> None:
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/auth/register", json={"email": "x@example.org", "password": "a long password", "role": "admin"})
    assert r.status_code == 422
    r = client.put("/api/v1/me/diary/2026-11-02", json={"itch": 1, "patient_id": people.stranger_pid}, headers=h)
    assert r.status_code == 422


def test_password_change_ends_tokens(client, people) -> None:
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/password", json={"old_password": People_password(), "new_password": "another long one"}, headers=h)
    assert r.status_code == 204
    assert client.get("/api/v1/me", headers=h).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(client, "owner@example.org", "another long one")).status_code == 200


def test_validation_errors_name_the_field(client, people) -> None:
    h = bearer(client, "owner@example.org")
    r = client.put("/api/v1/me/diary/2026-11-02", json={"itch": 12}, headers=h)
    assert r.status_code == 422 and "itch" in r.text
    r = client.put("/api/v1/me/diary/2026-13-02", json={"itch": 1}, headers=h)
    assert r.status_code == 422 and "date" in r.json()["detail"]
    r = client.put("/api/v1/me/diary/2026-11-02", json={"factors": {"Bad Name": 1}}, headers=h)
    assert r.status_code == 422 and "factors.Bad Name" in r.json()["detail"]


def test_appointments_and_panel_over_api(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    doc = bearer(client, "linked@clinic.example.org")
    req = client.post("/api/v1/me/appointments", json={"reason": "Flare", "urgency": "soon"}, headers=owner).json()
    queue = client.get("/api/v1/clinician/appointments", headers=doc).json()
    assert [q["id"] for q in queue] == [req["id"]]
    r = client.post(f"/api/v1/clinician/appointments/{req['id']}", json={"action": "accept", "time": f"{dt.date.today() + dt.timedelta(days=30)}T10:00+01:00"},
                    headers=doc)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert r.json()["scheduled_for"] == f"{dt.date.today() + dt.timedelta(days=30)}T09:00Z"  # +01:00 stored as UTC
    assert client.get("/api/v1/me/appointments", headers=owner).json()[0]["status"] == "accepted"
    panel = client.get("/api/v1/clinician/patients", headers=doc).json()
    assert [p["patient_id"] for p in panel] == [people.owner_pid]
    assert panel[0]["open_requests"] == 0


def test_exports_and_delete(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    client.put("/api/v1/me/diary/2026-11-02", json={"itch": 5, "factors": {"food.egg": 1}}, headers=owner)
    csv = client.get("/api/v1/me/export.csv", headers=owner)
    assert csv.headers["cache-control"] == "no-store"
    lines = csv.text.splitlines()
    assert lines[0] == "patient,date,itch,sleep_loss,poscorad,poem,flare,food.egg"
    assert lines[1].endswith(",2026-11-02,5,,,,,1")
    archive = client.get("/api/v1/me/export.json", headers=owner).json()
    assert archive["patients"][0]["diary"][0]["itch"] == 5
    assert client.post("/api/v1/me/delete", json={"password": "wrong"}, headers=owner).status_code == 401
    assert client.post("/api/v1/me/delete", json={"password": People_password()}, headers=owner).status_code == 204
    assert client.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": People_password()}).status_code == 401


def test_openapi_and_health(client) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/me", "/api/v1/me/diary/{day}",
                 "/api/v1/me/diary", "/api/v1/patients/{patient_id}/diary", "/api/v1/me/invites", "/api/v1/clinician/links"):
        assert path in spec["paths"], path
    assert client.get("/healthz").json()["status"] == "ok"
