"""Ended browser sessions leave the database (account walk, 2026-12-07).

A password change or "sign out everywhere" ended an account's sessions by raising its session
version, and an expired session was refused, but every such row stayed in ``web_sessions`` for
ever, with the account and the time of each sign-in: a browser closed without signing out, a
password change, a lost phone's session. Now they are deleted when the sessions end, and
expired rows at the next sign-in."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from gutskin.store.db import transaction
from gutskin.store.models import Session as WebSession
from gutskin.store.models import User
from tests.conftest import People, bearer
from tests.safety.test_attacks import login_page


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _rows(engine, email: str) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        uid = s.scalar(select(User.id).where(User.email == email))
        return s.scalar(select(func.count()).select_from(WebSession).where(WebSession.user_id == uid)) or 0


def _second_browser(client: TestClient) -> TestClient:
    return TestClient(client.app)


def test_sign_out_everywhere_deletes_every_session_row(client, people, engine) -> None:
    other = _second_browser(client)
    login_page(client, "owner@example.org")
    login_page(other, "owner@example.org")
    login_page(other, "stranger@example.org")  # rotates the other browser's session to B's
    login_page(_second_browser(client), "owner@example.org")
    assert _rows(engine, "owner@example.org") == 2
    csrf = _csrf(client.get("/account").text)
    assert client.post("/account/sign-out-everywhere", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert _rows(engine, "owner@example.org") == 0
    assert _rows(engine, "stranger@example.org") == 1  # another account's session is not touched
    assert other.get("/today", follow_redirects=False).status_code == 200


def test_a_password_change_deletes_every_session_row(client, people, engine) -> None:
    login_page(client, "owner@example.org")
    login_page(_second_browser(client), "owner@example.org")
    assert _rows(engine, "owner@example.org") == 2
    h = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/password", json={"old_password": People.password, "new_password": "a-brand-new-secret"},
                    headers=h)
    assert r.status_code == 204
    assert _rows(engine, "owner@example.org") == 0
    assert client.get("/today", follow_redirects=False).headers["location"] == "/login"


def test_the_next_sign_in_deletes_expired_and_ended_rows(client, people, engine) -> None:
    login_page(client, "owner@example.org")
    login_page(_second_browser(client), "owner@example.org")
    login_page(_second_browser(client), "stranger@example.org")  # another account's, closed without signing out
    with transaction(engine) as s:  # every one of them expired a day ago
        s.execute(update(WebSession).values(expires_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)))
    assert _rows(engine, "owner@example.org") == 2 and _rows(engine, "stranger@example.org") == 1
    fresh = _second_browser(client)
    assert login_page(fresh, "owner@example.org").status_code == 303
    assert _rows(engine, "owner@example.org") == 1  # only the new one
    assert _rows(engine, "stranger@example.org") == 0  # expired: pruned by anyone's sign-in
    assert fresh.get("/today", follow_redirects=False).status_code == 200
