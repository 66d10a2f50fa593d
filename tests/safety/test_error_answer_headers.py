"""The answer to an unexpected error carries the security headers like every other answer
(security walk of 2026-12-06).

``SecurityHeadersMiddleware`` was added with ``app.add_middleware``, which puts it inside
Starlette's ``ServerErrorMiddleware``: the 500 that middleware sends (the site's error page, or
the API's ``{"detail": "internal error"}``) went out with no CSP, no ``frame-ancestors``, no
``nosniff`` and no ``Cache-Control: no-store`` -- seen on the RecursionError 500 of
``POST /api/v1/auth/token`` fixed the same day (tests/safety/test_unreadable_json_body.py). The
app has no known 500 left, so the test adds one failing route to the real app (its whole
middleware stack, the real database) and asks it as a signed-in patient (the error page holds
the session's menu and CSRF token) and through the API.
"""

from __future__ import annotations

import pytest

from tests.conftest import TEST_SECRET
from tests.safety.test_attacks import login_page


@pytest.fixture
def failing_client(db_url):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gutskin.settings import Settings
    from gutskin.web import create_app

    app = create_app(Settings(database_url=db_url, secret_key=TEST_SECRET, env="test"))

    @app.get("/api/v1/walk-failure")
    @app.get("/walk-failure")
    def fails() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _has_security_headers(r) -> None:  # type: ignore[no-untyped-def]
    assert "frame-ancestors 'none'" in r.headers.get("content-security-policy", ""), dict(r.headers)
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("referrer-policy") == "no-referrer"
    assert r.headers.get("cache-control") == "no-store"


def test_a_500_page_and_api_answer_carry_the_security_headers(failing_client, people) -> None:
    c = failing_client
    login_page(c, "owner@example.org")
    page = c.get("/walk-failure")
    assert page.status_code == 500 and "Something went wrong on our side" in page.text
    assert 'action="/logout"' in page.text and 'data-csrf="' in page.text  # the session's menu and CSRF token:
    # a page that must not be cached by a proxy nor framed
    _has_security_headers(page)
    api = c.get("/api/v1/walk-failure")
    assert api.status_code == 500 and api.json() == {"detail": "internal error"}
    _has_security_headers(api)


def test_every_other_answer_keeps_them(failing_client, people) -> None:
    c = failing_client
    for r in (c.get("/"), c.get("/login"), c.get("/no-such-page"), c.get("/api/v1/me"),
              c.post("/api/v1/auth/token", content="[" * 5000, headers={"content-type": "application/json"})):
        assert r.status_code < 500, r.status_code
        _has_security_headers(r)
    assert c.get("/static/app.css").headers["cache-control"].startswith("public")
