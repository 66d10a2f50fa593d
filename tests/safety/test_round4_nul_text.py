"""A NUL character in any text a person sends is a 422 naming the field, on both databases
(fourth security review).

Found by sending ``\\0`` in every text field on PostgreSQL (the API fuzzing of earlier rounds runs
on SQLite only): PostgreSQL refuses NUL in text and the request was a 500 -- a diary note, a
child's name, a dose amount, and anonymously the email of a sign-in. SQLite stored it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, DiaryDay, Patient, User
from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _count(db_url: str, model) -> int:  # type: ignore[no-untyped-def]
    with transaction(get_engine(db_url)) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_api_text_with_a_nul_is_refused_naming_the_field(client, people, db_url: str) -> None:
    h = bearer(client, "owner@example.org")
    c = bearer(client, "linked@clinic.example.org")
    audit_before = _count(db_url, AuditEvent)
    cases = [
        (client.put("/api/v1/me/diary/2026-11-01", headers=h, json={"itch": 3, "notes": "fine\x00"}), "notes"),
        (client.post("/api/v1/me/children", headers=h, json={"display_name": "Mia\x00"}), "display_name"),
        (client.post("/api/v1/auth/register", json={"email": "n@example.org", "password": "long password 1",
                                                    "display_name": "N\x00"}), "display_name"),
        (client.post("/api/v1/auth/token", json={"email": "owner@example.org\x00", "password": "whatever 123"}), "email"),
        (client.post(f"/api/v1/patients/{people.owner_pid}/challenges", headers=c, json={
            "food": "food.egg", "kind": "home", "released_for_home": True, "baseline_days": 7,
            "doses": [{"day_offset": 0, "amount": "1/4 egg\x00"}]}), "amount"),
    ]
    for r, field in cases:
        assert r.status_code == 422, (field, r.status_code, r.text[:200])
        assert r.json()["detail"].startswith(f"{field}: contains a NUL character"), r.json()
    assert _count(db_url, DiaryDay) == 0 and _count(db_url, User) == 5
    assert _count(db_url, Patient) == 2  # no child, no new account's profile
    assert _count(db_url, AuditEvent) == audit_before  # nothing written, nothing audited
    # the same values without the NUL go through
    assert client.put("/api/v1/me/diary/2026-11-01", headers=h, json={"itch": 3, "notes": "fine"}).status_code == 200


def test_a_page_form_with_a_nul_is_the_sites_422_page(client, people, db_url: str) -> None:
    login_page(client, "owner@example.org")
    csrf = client.get("/data").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/profiles/child", data={"display_name": "Mia\x00", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 422 and "name or initials: contains a NUL character" in r.text, r.text[:300]
    assert _count(db_url, Patient) == 2
    client.cookies.clear()
    anon = client.get("/login")
    token = anon.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"email": "owner@example.org\x00", "password": "x" * 12, "csrf_token": token})
    assert r.status_code == 422 and "Email: contains a NUL character" in r.text
