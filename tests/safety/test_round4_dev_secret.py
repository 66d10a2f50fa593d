"""A development server signs with a key nobody else knows (fourth security review).

Found by attacking a server started as README's "Quick start" does (``gutskin serve``, no
``GUTSKIN_SECRET_KEY``): the API tokens were signed with the development default printed in
``gutskin.settings``, so anyone who could reach the server (another user of the machine, the
network with ``--host 0.0.0.0``) signed ``{"uid": 1, "sv": 1}`` themselves and read and wrote
account 1's diary. ``GUTSKIN_SECRET_KEY=`` (empty) signed with the empty key, just as guessable.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from gutskin.settings import DEV_SECRET, Settings
from gutskin.web import create_app

SECRET_FILE = "secret_key"  # gutskin.web.security.SECRET_FILE


def _forged(secret: str, uid: int) -> dict[str, str]:
    """A token an attacker makes without the server: the format of ``security.issue_token``."""
    token = URLSafeTimedSerializer(secret, salt="gutskin-api-token").dumps({"uid": uid, "sv": 1})
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("secret", [DEV_SECRET, "", "   "], ids=["published default", "empty", "blank"])
def test_a_token_signed_with_a_guessable_key_opens_nothing(secret: str, sqlite_url: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = create_app(Settings(database_url=sqlite_url, secret_key=secret, env="development"))
    with TestClient(app) as c:
        r = c.post("/api/v1/auth/register", json={"email": "victim@example.org", "password": "victim password 1"})
        assert r.status_code == 201, r.text
        uid = r.json()["id"]
        assert c.put("/api/v1/me/diary/2026-11-30", json={"itch": 7}, headers=_forged(secret, uid)).status_code == 401
        assert c.get("/api/v1/me/diary", headers=_forged(secret, uid)).status_code == 401
        # the account's own token still works
        tok = c.post("/api/v1/auth/token", json={"email": "victim@example.org", "password": "victim password 1"})
        assert tok.status_code == 200, tok.text
        own = {"Authorization": f"Bearer {tok.json()['access_token']}"}
        assert c.get("/api/v1/me/diary", headers=own).status_code == 200


def test_the_installations_key_is_private_and_shared_by_every_worker(sqlite_url: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes of one server (``--workers 2``) or a restart accept each other's tokens: the
    key is made once, kept owner-only in the user's data directory, and read by every app."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    first = create_app(Settings(database_url=sqlite_url, secret_key=DEV_SECRET, env="development"))
    second = create_app(Settings(database_url=sqlite_url, secret_key=DEV_SECRET, env="development"))
    key_file = tmp_path / "data" / "gutskin" / SECRET_FILE
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 32 and DEV_SECRET not in key_file.read_text()
    with TestClient(first) as a, TestClient(second) as b:
        assert a.post("/api/v1/auth/register", json={"email": "p@example.org", "password": "long password 1"}).status_code == 201
        tok = a.post("/api/v1/auth/token", json={"email": "p@example.org", "password": "long password 1"}).json()["access_token"]
        assert b.get("/api/v1/me", headers={"Authorization": f"Bearer {tok}"}).status_code == 200


def test_a_key_that_is_set_is_used_as_it_is(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    key = "an operator's own key of at least thirty-two characters"
    with TestClient(create_app(Settings(database_url=sqlite_url, secret_key=key, env="development"))) as c:
        uid = c.post("/api/v1/auth/register", json={"email": "p@example.org", "password": "long password 1"}).json()["id"]
        tok = c.post("/api/v1/auth/token", json={"email": "p@example.org", "password": "long password 1"}).json()["access_token"]
        # the server signs with the operator's key as it is (a token also needs its api_tokens row since 0020,
        # so a key alone no longer makes a working token: the forged one below is refused)
        assert URLSafeTimedSerializer(key, salt="gutskin-api-token").loads(tok)["uid"] == uid
        assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
        assert c.get("/api/v1/me", headers=_forged(key, uid)).status_code == 401
    assert not (tmp_path / "data" / "gutskin" / SECRET_FILE).exists()
