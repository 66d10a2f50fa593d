"""A password the server's operator set must be replaced by the person's own (0020; docs/security.md,
"Operator-set passwords").

``gutskin users create`` and ``users set-password`` give an account a password the operator knows.
The account is flagged (``users.must_change_password``); signing in sends the person to the account
page with a banner, every other page sends them back there and the API answers 403 except the
account's own routes, and the token answer says ``password_change_required: true``. The person's own
change clears the flag; a self-registered account is never flagged. Both databases."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import User
from tests.conftest import People
from tests.safety.test_attacks import login_page

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))
GIVEN = "operator chose this one 5"
OWN = "my own quiet lantern 4"
DOC = "new.doc@clinic.example.org"


def _cli(db_url: str, *args: str) -> None:
    r = subprocess.run([GUTSKIN, "users", *args], capture_output=True, text=True, timeout=120,
                       env={"GUTSKIN_DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr


def _flag(engine, email: str) -> bool:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return bool(s.scalar(select(User.must_change_password).where(User.email == email)))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_clinician_made_by_the_operator_chooses_a_password_before_anything_else(db_url, engine, people, client) -> None:  # type: ignore[no-untyped-def]
    _cli(db_url, "create", "--email", DOC, "--role", "clinician", "--password", GIVEN)
    assert _flag(engine, DOC)
    signed_in = login_page(client, DOC, GIVEN)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200 and 'id="must-change-password"' in page.text
    assert "Choose your own password before anything else" in page.text
    for blocked in ("/clinic", "/clinic/appointments", "/"):  # clinical pages wait for the change
        r = client.get(blocked, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/account", (blocked, r.status_code)
    api = client.post("/api/v1/auth/token", json={"email": DOC, "password": GIVEN})
    assert api.status_code == 200 and api.json()["password_change_required"] is True
    headers = {"Authorization": f"Bearer {api.json()['access_token']}"}
    panel = client.get("/api/v1/clinician/patients", headers=headers)
    assert panel.status_code == 403 and panel.json()["detail"].startswith("password_change_required:")
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # who is signed in: still answered
    kept = client.post("/account/password", data={"csrf_token": _csrf(page.text), "current_password": GIVEN,
                                                  "new_password": GIVEN}, follow_redirects=False)
    assert kept.status_code == 422 and "administrator set the current password and knows it" in kept.text
    assert _flag(engine, DOC)  # the operator's password is not "their own" by typing it again
    same = client.post("/account/password", data={"csrf_token": _csrf(page.text), "current_password": GIVEN,
                                                  "new_password": OWN}, follow_redirects=False)
    assert same.status_code == 303 and same.headers["location"] == "/login?changed=1"
    assert not _flag(engine, DOC)  # their own now
    again = login_page(client, DOC, OWN)
    assert again.status_code == 303 and again.headers["location"] == "/clinic"
    assert client.get("/clinic").status_code == 200 and 'id="must-change-password"' not in client.get("/account").text
    api = client.post("/api/v1/auth/token", json={"email": DOC, "password": OWN}).json()
    assert api["password_change_required"] is False
    assert client.get("/api/v1/clinician/patients", headers={"Authorization": f"Bearer {api['access_token']}"}).status_code == 200


def test_set_password_flags_the_account_and_its_own_api_change_clears_it(db_url, engine, people, client) -> None:  # type: ignore[no-untyped-def]
    assert not _flag(engine, "owner@example.org")  # registered with their own password
    _cli(db_url, "set-password", "--email", "owner@example.org", "--password", GIVEN)
    assert _flag(engine, "owner@example.org")
    assert login_page(client, "owner@example.org", GIVEN).headers["location"] == "/account"
    assert client.get("/today", follow_redirects=False).headers["location"] == "/account"
    token = client.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": GIVEN}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/me/diary", headers=headers).status_code == 403
    assert client.post("/api/v1/me/password", headers=headers,
                       json={"old_password": GIVEN, "new_password": OWN}).status_code == 204
    assert not _flag(engine, "owner@example.org")
    assert login_page(client, "owner@example.org", OWN).headers["location"] == "/today"
    # a clinician the tests' world made in the library (not the operator's CLI) is not flagged
    assert not _flag(engine, "linked@clinic.example.org")
    assert login_page(client, "linked@clinic.example.org", People.password).headers["location"] == "/clinic"
