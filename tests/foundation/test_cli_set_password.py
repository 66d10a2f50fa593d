"""``gutskin users set-password``: the operator's way back in for someone who forgot their
password (there is no e-mail reset). Old sessions and tokens end; the person sees it on their
access list; a wrong address or a weak password changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, User
from tests.conftest import People, bearer

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))
NEW = "a brand new passphrase 7"
OWN = "my own quiet lantern 4"  # the password the person chooses after the operator's


def run(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"GUTSKIN_DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    return subprocess.run([GUTSKIN, "users", "set-password", *args], capture_output=True, text=True, timeout=120,
                          env=env, stdin=subprocess.DEVNULL)


def _hash(engine, email: str) -> str:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(User.password_hash).where(User.email == email)) or ""


def test_the_operator_sets_a_new_password_and_old_sessions_end(db_url, engine, people, client) -> None:
    old_token = bearer(client, "owner@example.org")
    assert client.get("/api/v1/me/diary", headers=old_token).status_code == 200
    r = run(db_url, "--email", " Owner@Example.org ", "--password", NEW)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "new password set for owner@example.org; their sessions and API tokens have ended"
    assert client.get("/api/v1/me/diary", headers=old_token).status_code == 401  # the old token ended
    assert client.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": People.password}).status_code == 401
    # the operator knows NEW: until the owner chooses their own, the token only changes it (0020)
    first = client.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": NEW}).json()
    assert first["password_change_required"] is True and "operator set this password" in first["password_change_reason"]
    told = client.get("/api/v1/me/diary", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert told.status_code == 403 and told.json()["detail"].startswith("password_change_required:")
    changed = client.post("/api/v1/me/password", json={"old_password": NEW, "new_password": OWN},
                          headers={"Authorization": f"Bearer {first['access_token']}"})
    assert changed.status_code == 204, changed.text
    assert client.get("/api/v1/me/diary", headers=bearer(client, "owner@example.org", OWN)).status_code == 200
    with transaction(engine) as s:  # the owner's access list shows the operator changed the password
        rows = s.execute(select(AuditEvent.actor_label, AuditEvent.action, AuditEvent.object_type)
                         .where(AuditEvent.patient_id == people.owner_pid, AuditEvent.object_type == "password")).all()
    assert rows == [("cli", "update", "password")]
    log = client.get("/api/v1/me/audit", headers=bearer(client, "owner@example.org", OWN)).json()
    assert any(e["action"] == "update" and e["object"] == "password" for e in log)


def test_a_clinician_account_too_and_errors_change_nothing(db_url, engine, people, client) -> None:
    before = _hash(engine, "linked@clinic.example.org")
    weak = run(db_url, "--email", "linked@clinic.example.org", "--password", "short")
    assert weak.returncode == 2 and len(weak.stderr.splitlines()) == 1 and "password" in weak.stderr
    assert _hash(engine, "linked@clinic.example.org") == before
    nobody = run(db_url, "--email", "nobody@example.org", "--password", NEW)
    assert nobody.returncode == 2 and nobody.stderr.strip().endswith("email: no account with this email")
    missing = run(db_url, "--email", "linked@clinic.example.org")  # no terminal, no password: says how
    assert missing.returncode == 2 and "--password" in missing.stderr and "GUTSKIN_NEW_PASSWORD" in missing.stderr
    assert _hash(engine, "linked@clinic.example.org") == before
    assert run(db_url, "--email", "linked@clinic.example.org", "--password", NEW).returncode == 0
    token = client.post("/api/v1/auth/token", json={"email": "linked@clinic.example.org", "password": NEW})
    assert token.status_code == 200
    old = client.post("/api/v1/auth/token", json={"email": "linked@clinic.example.org", "password": People.password})
    assert old.status_code == 401
