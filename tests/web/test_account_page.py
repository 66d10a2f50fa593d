"""The account page: every role has a home after login, and a password change from the browser."""

from __future__ import annotations

import re

from tests.conftest import People
from tests.safety.test_attacks import login_page


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_admin_lands_on_the_account_page_not_a_404(client, people) -> None:
    r = login_page(client, "admin@clinic.example.org")
    assert r.status_code == 303 and r.headers["location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200
    assert "admin@clinic.example.org" in page.text and 'id="admin-note"' in page.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/account"


def test_changing_the_password_in_the_browser(client, people) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/account")
    assert 'id="admin-note"' not in page.text
    wrong = client.post("/account/password", data={"csrf_token": _csrf(page.text), "current_password": "not-my-password",
                                                   "new_password": "a-brand-new-secret"}, follow_redirects=False)
    assert wrong.status_code == 401 and "current password is wrong" in wrong.text
    short = client.post("/account/password", data={"csrf_token": _csrf(page.text), "current_password": People.password,
                                                   "new_password": "short"}, follow_redirects=False)
    assert short.status_code == 422 and "at least 10 characters" in short.text
    old_cookie = client.cookies.get("gutskin_session")
    ok = client.post("/account/password", data={"csrf_token": _csrf(page.text), "current_password": People.password,
                                                "new_password": "a-brand-new-secret"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/login?changed=1"
    client.cookies.clear()
    client.cookies.set("gutskin_session", old_cookie)
    assert client.get("/today", follow_redirects=False).headers["location"] == "/login"  # every session ended
    client.cookies.clear()
    assert 'id="password-changed"' in client.get("/login?changed=1").text
    assert login_page(client, "owner@example.org").status_code != 303  # the old password no longer works
    assert login_page(client, "owner@example.org", "a-brand-new-secret").headers["location"] == "/today"


def test_guessing_the_current_password_is_limited(client, people) -> None:
    """Someone holding a stolen session could guess the real password on the change and delete
    forms without limit."""
    from tests.conftest import bearer

    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/account").text)
    answers = [client.post("/account/password", data={"csrf_token": csrf, "current_password": f"guess-number-{i}",
                                                      "new_password": "a-brand-new-secret"}).status_code for i in range(7)]
    assert answers[:5] == [401] * 5 and answers[-1] == 429
    ok = client.post("/account/password", data={"csrf_token": csrf, "current_password": People.password,
                                                "new_password": "a-brand-new-secret"}, follow_redirects=False)
    assert ok.status_code == 429  # even the right password waits out the window
    tok = bearer(client, "stranger@example.org")
    codes = [client.post("/api/v1/me/delete", json={"password": f"guess-{i}"}, headers=tok).status_code for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[-1] == 429
