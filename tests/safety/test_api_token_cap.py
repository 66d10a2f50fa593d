"""An account holds at most ``GUTSKIN_API_TOKENS_MAX`` working API tokens (2026-12-07).

Every ``POST /api/v1/auth/token`` added a row to ``api_tokens`` for 12 hours, without a cap: an app
signing in on every launch (or a script in a loop) filled the account page's "Apps signed in" and
the table. Now one more than the cap (20 by default; 3 here) is refused with a 409 that names the
limit and how to sign one out (``DELETE /api/v1/auth/tokens/{id}``, or the account page), and
nothing is written. Revoked and expired tokens do not count; other accounts are not affected;
a refused sign-in with the right password is not a failed attempt. Parallel sign-ins cannot take
the last place twice. Both databases."""

from __future__ import annotations

import datetime as dt
import threading
import time

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from gutskin.store.db import transaction
from gutskin.store.models import ApiToken, User, utcnow
from tests.conftest import TEST_SECRET, People

A = "owner@example.org"
B = "stranger@example.org"
CAP = 3


def _app(db_url: str, **extra):  # type: ignore[no-untyped-def]
    from gutskin.settings import Settings
    from gutskin.web import create_app

    return create_app(Settings(database_url=db_url, secret_key=TEST_SECRET, env="test", api_tokens_max=CAP, **extra))


def _sign_in(c: TestClient, email: str = A):  # type: ignore[no-untyped-def]
    return c.post("/api/v1/auth/token", json={"email": email, "password": People.password},
                  headers={"User-Agent": "GutskinApp/2.1"})


def _rows(engine, email: str = A) -> list[tuple]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        uid = s.scalar(select(User.id).where(User.email == email))
        return [tuple(r) for r in s.execute(select(ApiToken.id, ApiToken.id_hash, ApiToken.revoked_at, ApiToken.expires_at,
                                                   ApiToken.last_used_at).where(ApiToken.user_id == uid)
                                            .order_by(ApiToken.id)).all()]


def test_one_token_more_than_the_cap_is_refused_and_nothing_is_written(db_url: str, engine, people) -> None:  # type: ignore[no-untyped-def]
    with TestClient(_app(db_url)) as c:
        tokens = []
        for _ in range(CAP):
            r = _sign_in(c)
            assert r.status_code == 200, r.text
            tokens.append(r.json()["access_token"])
        before = _rows(engine)
        assert len(before) == CAP
        refused = _sign_in(c)
        assert refused.status_code == 409, refused.text
        detail = refused.json()["detail"]
        assert f"already has {CAP} working API tokens, the most it may have" in detail
        assert "no new token was made" in detail
        assert "DELETE /api/v1/auth/tokens/{id}" in detail and "GET /api/v1/auth/tokens" in detail
        assert "Apps signed in" in detail and "ends on its own at " in detail
        assert "access_token" not in refused.json()
        assert _rows(engine) == before  # no row added, none changed
        # every token made before still works; another account signs in as before
        for raw in tokens:
            assert c.get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
        assert _sign_in(c, B).status_code == 200


def test_revoked_and_expired_tokens_do_not_count(db_url: str, engine, people) -> None:  # type: ignore[no-untyped-def]
    with TestClient(_app(db_url)) as c:
        raws = [_sign_in(c).json()["access_token"] for _ in range(CAP)]
        assert _sign_in(c).status_code == 409
        ids = [r[0] for r in _rows(engine)]
        # sign one out with another, as the refusal says: then a new one is made
        out = c.delete(f"/api/v1/auth/tokens/{ids[0]}", headers={"Authorization": f"Bearer {raws[1]}"})
        assert out.status_code == 204, out.text
        assert _sign_in(c).status_code == 200
        assert _sign_in(c).status_code == 409
        # one runs out (its 12 hours are over): it no longer counts either
        with transaction(engine) as s:
            row = s.get(ApiToken, ids[1])
            row.expires_at = utcnow() - dt.timedelta(minutes=1)
        assert _sign_in(c).status_code == 200
        assert _sign_in(c).status_code == 409
        live = [r for r in _rows(engine) if r[2] is None and r[3] >= utcnow()]
        assert len(live) == CAP


def test_a_refused_token_is_not_a_failed_sign_in(db_url: str, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The password was right: the sign-in's attempts are given back as for any success, so an app
    asking again and again keeps hearing why (409), not 'too many attempts' (429)."""
    with TestClient(_app(db_url, login_max_failures=3)) as c:
        assert [_sign_in(c).status_code for _ in range(CAP)] == [200] * CAP
        assert [_sign_in(c).status_code for _ in range(5)] == [409] * 5


def test_parallel_sign_ins_cannot_both_take_the_last_place(db_url: str, engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.web import security

    with transaction(engine) as s:
        uid = s.scalar(select(User.id).where(User.email == A))
        user = s.get(User, uid)
        for _ in range(CAP - 1):
            security.issue_token(TEST_SECRET, user, s, 60, "before", max_live=CAP)
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def slow_count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        # each racer lingers after counting the working tokens, before it adds its own: without the
        # account's row lock all six counted CAP - 1 and all six added one (PostgreSQL)
        if "count(" in statement.lower() and "api_tokens" in statement:
            time.sleep(0.3)

    event.listen(engine, "after_cursor_execute", slow_count)

    def one() -> None:
        start.wait()
        try:
            with transaction(engine) as s:
                security.issue_token(TEST_SECRET, s.get(User, uid), s, 60, "racer", max_live=CAP)
            outcomes.append("made")
        except security.TokenLimitReached:
            outcomes.append("refused")

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join(timeout=60)
    finally:
        event.remove(engine, "after_cursor_execute", slow_count)
    assert sorted(outcomes) == ["made"] + ["refused"] * 5
    assert len(_rows(engine)) == CAP


def test_the_cap_is_a_setting_of_twenty_by_default(monkeypatch) -> None:
    from gutskin.settings import Settings

    monkeypatch.delenv("GUTSKIN_API_TOKENS_MAX", raising=False)
    assert Settings().api_tokens_max == 20
    monkeypatch.setenv("GUTSKIN_API_TOKENS_MAX", "7")
    assert Settings().api_tokens_max == 7
