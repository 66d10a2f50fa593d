"""A production server sends HSTS whatever scheme uvicorn saw (stranger walk, 2026-12-07).

Behind a TLS reverse proxy that uvicorn does not trust (``FORWARDED_ALLOW_IPS`` left at its
default 127.0.0.1 while the proxy runs in another container or on another host: docs/operations.md)
every request reached the app as plain HTTP, and ``Strict-Transport-Security`` was never sent, so
a browser kept following ``http://`` links and typed addresses to the server in the clear, where
anyone on the network could answer instead. The cookies were ``Secure`` in production already
(``pages.common.cookie_secure``). A browser ignores HSTS on an answer that did not come over TLS
(RFC 6797, section 8.1), so sending it on every production answer costs nothing. Outside
production over plain HTTP nothing changes (a development server on http://localhost)."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

from tests.conftest import TEST_SECRET


def _app(db_url: str, env: str):  # type: ignore[no-untyped-def]
    from gutskin.settings import Settings
    from gutskin.web import create_app

    secret = secrets.token_urlsafe(48) if env == "production" else TEST_SECRET
    return create_app(Settings(database_url=db_url, secret_key=secret, env=env))


def test_production_sends_hsts_on_every_answer_over_plain_http_behind_a_proxy(db_url: str, people) -> None:  # type: ignore[no-untyped-def]
    with TestClient(_app(db_url, "production"), base_url="http://gutskin.clinic.example") as c:
        answers = [c.get("/login"), c.get("/today", follow_redirects=False), c.get("/api/v1/me"),
                   c.get("/no-such-page"), c.get("/static/app.css")]
        token = c.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": people.password})
        answers += [token, c.get("/api/v1/me/diary", headers={"Authorization": f"Bearer {token.json()['access_token']}"})]
    for r in answers:
        assert r.headers.get("strict-transport-security") == "max-age=63072000; includeSubDomains", (
            r.request.url, r.status_code, dict(r.headers))


def test_outside_production_plain_http_gets_none_and_tls_gets_it(db_url: str) -> None:
    with TestClient(_app(db_url, "test"), base_url="http://localhost") as c:
        assert "strict-transport-security" not in c.get("/login").headers
    with TestClient(_app(db_url, "test"), base_url="https://localhost") as c:
        assert c.get("/login").headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
