"""The API's sign-in and registration limits say when to try again (stranger walk, 2026-12-07).

A 429 of ``POST /api/v1/auth/token`` or ``/auth/register`` said only "try again in a few minutes".
Every attempt is counted, the refused ones too (``accounts.record_login_attempt``,
``admit_registration``), so an app retrying on its own schedule -- every 30 s -- kept its count in
the window full and was refused for as long as it tried. The answer now carries ``Retry-After``:
the limit's window in seconds; after that long with no attempt the next one is let through (shown
here by moving the counted attempts back by that many seconds, not by waiting). Both databases."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import LoginAttempt
from tests.conftest import TEST_SECRET, People


def _app(db_url: str):  # type: ignore[no-untyped-def]
    from gutskin.settings import Settings
    from gutskin.web import create_app

    return create_app(Settings(database_url=db_url, secret_key=TEST_SECRET, env="test", login_max_failures=3,
                               login_window_seconds=420, register_max_per_network=2, register_window_seconds=1800))


def _age_attempts(engine, seconds: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:  # row by row: SQLite keeps times as text, no interval arithmetic in SQL
        for row in s.scalars(select(LoginAttempt)).all():
            row.at = row.at - dt.timedelta(seconds=seconds)


def test_a_refused_sign_in_says_when_to_try_again_and_then_it_goes_through(db_url: str, engine, people) -> None:  # type: ignore[no-untyped-def]
    with TestClient(_app(db_url)) as c:
        answers = [c.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": "not it at all"})
                   for _ in range(6)]
        assert [r.status_code for r in answers] == [401, 401, 401, 429, 429, 429]  # the fourth attempt in the window is refused
        assert "retry-after" not in answers[0].headers  # a wrong password is no limit
        for r in answers[3:]:
            assert r.headers["retry-after"] == "420" and r.json()["detail"].startswith("too many attempts")
        right = {"email": "owner@example.org", "password": People.password}
        assert c.post("/api/v1/auth/token", json=right).status_code == 429  # still counted, still refused
        _age_attempts(engine, int(answers[-1].headers["retry-after"]))
        assert c.post("/api/v1/auth/token", json=right).status_code == 200


def test_a_refused_registration_says_when_to_try_again_and_then_it_goes_through(db_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(_app(db_url)) as c:
        codes = [c.post("/api/v1/auth/register", json={"email": f"new{i}@example.org", "password": "long password 1"})
                 for i in range(3)]
        assert [r.status_code for r in codes] == [201, 201, 429]
        assert "retry-after" not in codes[0].headers and codes[2].headers["retry-after"] == "1800"
        _age_attempts(engine, int(codes[2].headers["retry-after"]))
        assert c.post("/api/v1/auth/register", json={"email": "new9@example.org", "password": "long password 1"}).status_code == 201
