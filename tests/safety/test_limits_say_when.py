"""Limits say when to come back (2026-12-07).

The HTML sign-in and registration pages answered their 429 without ``Retry-After`` and said "try
again in a few minutes" / "in an hour"; the API's 429 carried the whole window (abdc1d5), also
when the attempts that filled the limit were nearly out of it. The password-hash gate's "busy"
429 (``web.hashgate``) had no ``Retry-After`` on the page or the API. Now every one of them
carries the seconds until a try can succeed (the limit's own count: the oldest attempt that still
fills it leaves the window), the words say it ("try again in about 7 minutes"), and after that
long the next try goes through (shown by moving the counted attempts back, not by waiting).
The busy gate says a short fixed wait. Both databases."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import LoginAttempt
from tests.conftest import TEST_SECRET, People
from tests.safety.test_attacks import login_page

OWNER = "owner@example.org"
WINDOW = 420  # 7 minutes: the sign-in window of these tests


def _app(db_url: str):  # type: ignore[no-untyped-def]
    from gutskin.settings import Settings
    from gutskin.web import create_app

    return create_app(Settings(database_url=db_url, secret_key=TEST_SECRET, env="test", login_max_failures=3,
                               login_window_seconds=WINDOW, register_max_per_network=2, register_window_seconds=1800))


def _age_attempts(engine, seconds: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:  # row by row: SQLite keeps times as text, no interval arithmetic in SQL
        for row in s.scalars(select(LoginAttempt)).all():
            row.at = row.at - dt.timedelta(seconds=seconds)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _minutes(seconds: int) -> str:
    return f"try again in about {-(-seconds // 60)} minutes"


def test_the_sign_in_page_says_when_to_try_again_and_then_it_goes_through(db_url: str, engine, people) -> None:  # type: ignore[no-untyped-def]
    with TestClient(_app(db_url)) as c:
        codes = [login_page(c, OWNER, "not it at all").status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        refused = login_page(c, OWNER, "not it at all")
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        # the attempts were made just now: the wait is the window, less the seconds they took
        assert WINDOW - 60 < wait <= WINDOW, wait
        text = _text(refused.text)
        assert "too many attempts; " + _minutes(wait) in text, text  # 'try again in about 7 minutes'
        assert "few minutes" not in text
        assert login_page(c, OWNER).status_code == 429  # still counted, still refused
        _age_attempts(engine, int(login_page(c, OWNER).headers["retry-after"]))
        assert login_page(c, OWNER).status_code == 303  # signed in


@pytest.mark.parametrize("where", ["page", "api"])
def test_the_wait_is_until_the_oldest_attempt_that_fills_the_limit_leaves_it(where: str, db_url: str, engine,  # type: ignore[no-untyped-def]
                                                                                people) -> None:
    """Three wrong tries 400 s ago, one now: the limit (3) is full for 20 s more, not 420 (the API
    said 420; the page said nothing)."""

    def attempt(c: TestClient, password: str):  # type: ignore[no-untyped-def]
        if where == "page":
            return login_page(c, OWNER, password)
        return c.post("/api/v1/auth/token", json={"email": OWNER, "password": password})

    with TestClient(_app(db_url)) as c:
        assert [attempt(c, "not it at all").status_code for _ in range(3)] == [401, 401, 401]
        _age_attempts(engine, WINDOW - 20)
        refused = attempt(c, "not it at all")
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 21, wait
        if where == "page":
            assert f"try again in about {wait} second" in _text(refused.text)
        else:
            assert refused.json()["detail"].startswith(f"too many attempts; try again in about {wait} second")
        _age_attempts(engine, wait)
        assert attempt(c, People.password).status_code == (303 if where == "page" else 200)


def test_the_register_page_says_when_to_try_again_and_then_it_goes_through(db_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    def register_page(c: TestClient, email: str):  # type: ignore[no-untyped-def]
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/register").text).group(1)  # type: ignore[union-attr]
        return c.post("/register", data={"email": email, "password": "long password 1", "display_name": "",
                                         "csrf_token": token}, follow_redirects=False)

    with TestClient(_app(db_url)) as c:
        for i in range(2):  # the allowance is the network's, page and API together
            assert c.post("/api/v1/auth/register", json={"email": f"new{i}@example.org",
                                                         "password": "long password 1"}).status_code == 201
        refused = register_page(c, "new2@example.org")
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 1800 - 60 < wait <= 1800, wait
        assert "too many new accounts from your network; " + _minutes(wait) in _text(refused.text)  # about 30 minutes
        _age_attempts(engine, wait)
        assert register_page(c, "new2@example.org").status_code == 303


def test_the_busy_hash_gate_says_when_to_try_again(db_url: str, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The gate's queue is full (its length set to 0: every password check waits in vain): sign-in
    and registration, page and API, answer 429 at once with a short Retry-After, in words too."""
    from gutskin.web import hashgate

    monkeypatch.setattr(hashgate, "MAX_QUEUED", 0)
    with TestClient(_app(db_url)) as c:
        api = [c.post("/api/v1/auth/token", json={"email": OWNER, "password": People.password}),
               c.post("/api/v1/auth/register", json={"email": "new@example.org", "password": "long password 1"})]
        for r in api:
            assert r.status_code == 429 and r.headers["retry-after"] == str(hashgate.BUSY_RETRY_SECONDS)
            assert r.json()["detail"] == f"the server is busy; try again in about {hashgate.BUSY_RETRY_SECONDS} seconds"
        page = login_page(c, OWNER)
        assert page.status_code == 429 and page.headers["retry-after"] == str(hashgate.BUSY_RETRY_SECONDS)
        assert f"the server is busy; try again in about {hashgate.BUSY_RETRY_SECONDS} seconds" in _text(page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/register").text).group(1)  # type: ignore[union-attr]
        reg = c.post("/register", data={"email": "new@example.org", "password": "long password 1",
                                        "display_name": "", "csrf_token": token}, follow_redirects=False)
        assert reg.status_code == 429 and reg.headers["retry-after"] == str(hashgate.BUSY_RETRY_SECONDS)
    assert 1 <= hashgate.BUSY_RETRY_SECONDS <= 30


def test_a_wait_in_words_is_rounded_up() -> None:
    from gutskin.clinic.errors import try_again_in

    assert [try_again_in(s) for s in (0, 1, 5, 59, 60, 61, 420, 3540, 3599, 3600, 3601, 5400, 5401, 7200)] == [
        "try again in about 1 second", "try again in about 1 second", "try again in about 5 seconds",
        "try again in about 59 seconds", "try again in about a minute", "try again in about 2 minutes",
        "try again in about 7 minutes", "try again in about 59 minutes", "try again in about an hour",
        "try again in about an hour", "try again in about 61 minutes", "try again in about 90 minutes",
        "try again in about 2 hours", "try again in about 2 hours"]
