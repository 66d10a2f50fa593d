"""The account's own name, set on the Account page (clinic walk on a fresh server, 2026-12-07).

A clinician made as README says (``gutskin users create --email E --role clinician``, no ``--name``) was
shown to their patients by the email address alone (Sharing, Appointments, the access list), and
nothing let them, or anyone, give a name afterwards: the Account page had only the password. Now the
page has a "Your name" form (``POST /account/name``); a patient's own profile takes the name their
clinic's panel shows, a child's profile keeps its own; ``users create`` says when no name was given.
Each test fails on the code before (no form, no route: 404/405)."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Patient, User
from gutskin.web import create_app
from tests.conftest import People
from tests.safety.test_attacks import login_page

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _nameless_clinician_of(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    """doc@clinic.example.org, made without a name as README's command makes one, linked to the owner."""
    from gutskin.clinic import accounts, sharing

    with transaction(engine) as s:
        doc = accounts.create_user(s, "doc@clinic.example.org", People.password, "clinician")
        code = sharing.create_invite(s, people.owner, people.owner_pid)["code"]
        sharing.accept_invite(s, accounts.actor_for(doc), code)


def test_a_clinician_made_without_a_name_gives_one_and_the_patient_sees_it(settings, engine, client, people) -> None:
    _nameless_clinician_of(engine, people)
    patient = TestClient(create_app(settings))
    login_page(patient, "owner@example.org")
    assert "doc@clinic.example.org" in patient.get("/sharing").text  # by the address alone, before
    login_page(client, "doc@clinic.example.org")
    page = client.get("/account").text
    assert 'action="/account/name"' in page and "No name given yet." in page
    assert "Your patients see this name" in page
    assert client.post("/account/name", data={"display_name": "Dr Ana Ruiz"}).status_code == 403  # no CSRF token
    r = client.post("/account/name", data={"display_name": "  Dr Ana Ruiz ", "csrf_token": _csrf(page)},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?named=1#name", r.text
    saved = client.get(r.headers["location"]).text
    assert 'id="name-saved"' in saved and "Others now see you as\n  <strong>Dr Ana Ruiz</strong>" in saved
    assert 'value="Dr Ana Ruiz"' in saved
    sharing_page = patient.get("/sharing").text
    assert re.search(r'<span class="who">[^<]*Dr Ana Ruiz', sharing_page), sharing_page
    assert "Dr Ana Ruiz (doc@clinic.example.org)" in sharing_page  # the access list names them too
    appointments = patient.get("/appointments").text
    assert "Dr Ana Ruiz" in appointments, appointments
    with transaction(engine) as s:
        uid = s.scalar(select(User.id).where(User.email == "doc@clinic.example.org"))
        rows = s.execute(select(AuditEvent.patient_id, AuditEvent.action).where(
            AuditEvent.actor_user_id == uid, AuditEvent.object_type == "account_name")).all()
    assert rows == [(None, "update")]  # one row, on no patient's record
    # blank takes it away again: the address is shown
    r = client.post("/account/name", data={"display_name": "", "csrf_token": _csrf(saved)}, follow_redirects=False)
    assert r.status_code == 303
    assert "No name: others see your email address." in client.get(r.headers["location"]).text
    assert "Dr Ana Ruiz" not in patient.get("/sharing").text.split("Recent access")[0]
    patient.close()


def test_a_patient_names_their_own_profile_not_the_childs(settings, engine, client, people) -> None:
    from gutskin.clinic import accounts

    with transaction(engine) as s:
        child = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
    login_page(client, "owner@example.org")
    page = client.get("/account").text
    assert "Your clinic sees this name on its list of patients" in page and 'value="Owner"' in page
    r = client.post("/account/name", data={"display_name": "Olga Owner", "csrf_token": _csrf(page)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    with transaction(engine) as s:
        assert s.get(Patient, people.owner_pid).display_name == "Olga Owner"
        assert s.get(Patient, child).display_name == "Mia"
        assert s.scalar(select(User.display_name).where(User.email == "owner@example.org")) == "Olga Owner"
    clinician = TestClient(create_app(settings))
    login_page(clinician, "linked@clinic.example.org")
    assert "Olga Owner" in clinician.get("/clinic").text  # the panel's name of the patient
    clinician.close()
    assert "changed the account's name" in html.unescape(client.get("/sharing").text)  # on their own access list


def test_a_refused_name_keeps_what_was_typed_and_changes_nothing(engine, client, people) -> None:
    login_page(client, "linked@clinic.example.org")
    page = client.get("/account").text
    r = client.post("/account/name", data={"display_name": "Dr \u202eAna", "csrf_token": _csrf(page)})
    assert r.status_code == 422, r.text
    assert 'id="name-error"' in r.text and "Your name:" in r.text  # the form's label, not "display_name:"
    assert 'aria-invalid="true"' in r.text and "Dr \u202eAna" in r.text  # marked, and kept to correct
    r = client.post("/account/name", data={"display_name": "x" * 121, "csrf_token": _csrf(page)})
    assert r.status_code == 422 and "at most 120 characters" in r.text
    with transaction(engine) as s:
        assert s.scalar(select(User.display_name).where(User.email == "linked@clinic.example.org")) == "Dr Linked"


def test_an_account_that_must_change_its_password_names_itself_after(engine, client, people) -> None:
    """An operator-set password opens only the password form: the name form is not offered, and a
    posted name changes nothing (the same rule as every other page)."""
    from gutskin.clinic import accounts

    with transaction(engine) as s:
        accounts.create_user(s, "new@clinic.example.org", People.password, "clinician", by_operator=True)
    login_page(client, "new@clinic.example.org")
    page = client.get("/account").text
    assert 'id="must-change-password"' in page and 'action="/account/name"' not in page
    client.post("/account/name", data={"display_name": "Dr New", "csrf_token": _csrf(page)})
    with transaction(engine) as s:
        assert s.scalar(select(User.display_name).where(User.email == "new@clinic.example.org")) == ""


def test_users_create_says_when_no_name_was_given(db_url) -> None:
    env = {**os.environ, "GUTSKIN_DATABASE_URL": db_url, "GUTSKIN_NEW_PASSWORD": "operator-set-pass-1"}
    made = subprocess.run([GUTSKIN, "users", "create", "--email", "you@clinic.example", "--role", "clinician"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert "created clinician you@clinic.example" in made.stdout
    assert "no name given: patients see this account as you@clinic.example" in made.stdout
    assert "Account page" in made.stdout
    named = subprocess.run([GUTSKIN, "users", "create", "--email", "ruiz@clinic.example", "--role", "clinician",
                            "--name", "Dr Ana Ruiz"], env=env, capture_output=True, text=True, timeout=120)
    assert named.returncode == 0 and "no name given" not in named.stdout, named.stdout + named.stderr


def test_the_api_sets_the_same_name(engine, client, people) -> None:
    from tests.conftest import bearer

    doc = bearer(client, "unlinked@clinic.example.org")
    assert client.get("/api/v1/me", headers=doc).json()["display_name"] == "Dr Unlinked"  # the name it was made with
    r = client.put("/api/v1/me/name", json={"display_name": " Dr Ana Ruiz "}, headers=doc)
    assert r.status_code == 200 and r.json() == {"display_name": "Dr Ana Ruiz"}, r.text
    assert client.get("/api/v1/me", headers=doc).json()["display_name"] == "Dr Ana Ruiz"  # GET /me says it back
    assert client.put("/api/v1/me/name", json={"display_name": "Dr \u202eAna"}, headers=doc).status_code == 422
    assert client.put("/api/v1/me/name", json={"display_name": "x" * 121}, headers=doc).status_code == 422
    assert client.put("/api/v1/me/name", json={"display_name": "Nobody"}).status_code == 401
    pat = bearer(client, "owner@example.org")
    assert client.put("/api/v1/me/name", json={"display_name": "Olga Owner"}, headers=pat).json() == {
        "display_name": "Olga Owner"}
    with transaction(engine) as s:
        assert s.scalar(select(User.display_name).where(User.email == "unlinked@clinic.example.org")) == "Dr Ana Ruiz"
        assert s.get(Patient, people.owner_pid).display_name == "Olga Owner"
