"""On HTTPS the session and sign-in form cookies are ``__Host-`` cookies, and a plain-named one is
not read (account walk, 2026-12-07; ``gutskin.web.cookieprefix``).

A site on a sibling host (``blog.clinic.example`` next to ``gutskin.clinic.example``) can set
``gutskin_session`` for the parent domain ("cookie tossing"): the browser sent it to gutskin, and
a person who had not signed in used the tosser's account, their diary going into it. The same
for the sign-in form's ``gutskin_csrf``, whose token anyone can learn for a value they choose:
a tossed value and a cross-site form signed the person in to another account. A ``__Host-``
cookie cannot be set by another host (nor with a Domain, nor without Secure)."""

from __future__ import annotations

import re
import secrets

import pytest
from fastapi.testclient import TestClient

from gutskin.web import security
from tests.conftest import TEST_SECRET, People

SECRET = secrets.token_urlsafe(48)
HOST = "https://gutskin.clinic.example"


@pytest.fixture
def production_app(db_url, people):  # type: ignore[no-untyped-def]
    from gutskin.settings import Settings
    from gutskin.web import create_app

    return create_app(Settings(database_url=db_url, secret_key=SECRET, env="production"))


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _set_cookies(r) -> list[str]:  # type: ignore[no-untyped-def]
    return r.headers.get_list("set-cookie")


def _named(r, name: str) -> str:  # type: ignore[no-untyped-def]
    found = [c for c in _set_cookies(r) if c.startswith(name + "=")]
    assert len(found) == 1, _set_cookies(r)
    return found[0]


def _sign_in(client: TestClient, email: str) -> str:
    form = client.get("/login")
    r = client.post("/login", data={"email": email, "password": People.password, "csrf_token": _form_token(form.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return _named(r, "__Host-gutskin_session").split(";")[0].split("=", 1)[1]


def test_the_session_cookies_are_host_only_secure_cookies(production_app) -> None:
    with TestClient(production_app, base_url=HOST) as c:
        form = _named(c.get("/login"), "__Host-gutskin_csrf")
        assert "Secure" in form and "Path=/" in form and "domain" not in form.lower()
        raw = _sign_in(c, "owner@example.org")
        assert raw and c.get("/today", follow_redirects=False).status_code == 200  # the app reads it back
        page = c.get("/account")
        out = c.post("/logout", data={"csrf_token": _form_token(page.text)}, follow_redirects=False)
        gone = _named(out, "__Host-gutskin_session")
        assert "Max-Age=0" in gone and "Secure" in gone  # a deletion a browser accepts for a __Host- cookie
        assert not [x for x in _set_cookies(out) if x.startswith("gutskin_session=")]


def test_a_session_cookie_tossed_by_another_host_is_not_read(production_app) -> None:
    with TestClient(production_app, base_url=HOST) as attacker:
        tossed = _sign_in(attacker, "stranger@example.org")  # the tosser's own, valid session
        assert attacker.get("/today", follow_redirects=False).status_code == 200
    with TestClient(production_app, base_url=HOST) as victim:
        r = victim.get("/today", headers={"cookie": f"gutskin_session={tossed}"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"  # not signed in as the stranger
        # the real cookie next to a tossed one: the person's own session is the one read
        own = _sign_in(victim, "owner@example.org")
        victim.cookies.clear()
        both = victim.get("/account", headers={"cookie": f"gutskin_session={tossed}; __Host-gutskin_session={own}"})
        assert both.status_code == 200 and "owner@example.org" in both.text and "stranger@example.org" not in both.text


def test_a_tossed_sign_in_form_cookie_cannot_sign_someone_in_to_another_account(production_app) -> None:
    value = "tossed-form-cookie-value-0123456789"
    _, token = security.anon_csrf_pair(SECRET, value)  # what GET /login answers anyone who sends that value
    with TestClient(production_app, base_url=HOST) as victim:
        r = victim.post("/login", data={"email": "stranger@example.org", "password": People.password, "csrf_token": token},
                        headers={"cookie": f"gutskin_csrf={value}"}, follow_redirects=False)
        assert r.status_code == 403
        assert not [x for x in _set_cookies(r) if "gutskin_session=" in x]


def test_plain_http_outside_production_keeps_the_plain_names(db_url, people) -> None:
    from gutskin.settings import Settings
    from gutskin.web import create_app

    app = create_app(Settings(database_url=db_url, secret_key=TEST_SECRET, env="test"))
    with TestClient(app) as c:
        assert _named(c.get("/login"), "gutskin_csrf")
        form = c.get("/login")
        r = c.post("/login", data={"email": "owner@example.org", "password": People.password,
                                   "csrf_token": _form_token(form.text)}, follow_redirects=False)
        assert "Secure" not in _named(r, "gutskin_session")
