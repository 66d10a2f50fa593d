"""Sign out everywhere: a lost phone's sessions and app tokens end at once, the password stays.

Before, only a password change ended API tokens (they are stateless); logging out ended the one
browser session only."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from gutskin.web import create_app
from tests.conftest import People, bearer
from tests.safety.test_attacks import login_page


def test_the_page_ends_every_session_and_token_of_the_account_only(settings, client, people) -> None:
    phone_token = bearer(client, "owner@example.org")
    other_browser = TestClient(create_app(settings))
    login_page(other_browser, "owner@example.org")
    assert other_browser.get("/today", follow_redirects=False).status_code == 200
    stranger_token = bearer(client, "stranger@example.org")
    login_page(client, "owner@example.org")
    page = client.get("/account").text
    assert 'id="sign-out-everywhere"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/account/sign-out-everywhere", data={}, follow_redirects=False).status_code in (400, 403)  # CSRF
    r = client.post("/account/sign-out-everywhere", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?everywhere=1"
    assert 'id="signed-out-everywhere"' in client.get(r.headers["location"]).text
    assert client.get("/today", follow_redirects=False).headers.get("location") == "/login"  # this browser
    assert other_browser.get("/today", follow_redirects=False).headers.get("location") == "/login"  # the other one
    assert client.get("/api/v1/me/diary", headers=phone_token).status_code == 401  # the phone app
    assert client.get("/api/v1/me/diary", headers=stranger_token).status_code == 200  # nobody else's
    assert client.get("/api/v1/me/diary", headers=bearer(client, "owner@example.org", People.password)).status_code == 200
    other_browser.close()


def test_the_api_ends_its_own_token_too(client, people) -> None:
    token = bearer(client, "linked@clinic.example.org")
    assert client.get("/api/v1/clinician/patients", headers=token).status_code == 200
    assert client.post("/api/v1/me/sign-out-everywhere", headers=token).status_code == 204
    assert client.get("/api/v1/clinician/patients", headers=token).status_code == 401
    assert client.post("/api/v1/me/sign-out-everywhere").status_code == 401
