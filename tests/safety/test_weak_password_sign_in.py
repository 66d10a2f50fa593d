"""A password set before the guessable-password rule (passwords.check_policy, 2026-12-07) still
signs in, on the web form and for an API token, and the person is asked to choose a new one,
told why. Nobody is locked out; a password the rule accepts signs in as before."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from gutskin.clinic.passwords import WEAK_REASONS, check_policy, hash_password, weakness
from gutskin.store.db import transaction
from gutskin.store.models import User
from tests.conftest import People
from tests.safety.test_attacks import login_page

#: each stored before the rule; each refused by it today (the first for its length)
OLD_PASSWORDS = {"short": "horse77", "common": "Password123!", "walk": "qwertyuiop", "own": "owner2020!!",
                 "few": "aaaaaaaaaa"}


def _store_old_password(engine, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Registration refuses it now: the hash goes into the database directly, as it was stored then."""
    with transaction(engine) as s:
        user = s.scalar(select(User).where(User.email == email))
        user.password_hash = hash_password(password)


@pytest.mark.parametrize("code,password", sorted(OLD_PASSWORDS.items()))
def test_each_old_password_is_refused_today_and_named(code: str, password: str) -> None:
    with pytest.raises(Exception):
        check_policy(password, "owner@example.org", "Owner")
    assert weakness(password, "owner@example.org", "Owner") == code


def test_web_sign_in_with_an_old_guessable_password_signs_in_and_asks_for_a_new_one(client, people, engine) -> None:
    _store_old_password(engine, "owner@example.org", "Password123!")
    r = login_page(client, "owner@example.org", "Password123!")
    assert r.status_code == 303 and r.headers["location"] == "/account?weak=common"
    assert client.cookies.get("gutskin_session")  # signed in: nobody is locked out
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    banner = re.search(r'<div[^>]*id="weak-password".*?</div>', page.text, re.S).group(0)
    assert "choose a new password" in banner and WEAK_REASONS["common"] in banner
    assert 'href="/today"' in banner  # "not now" leads on to the person's home
    assert 'action="/account/password"' in page.text
    assert client.get("/today").status_code == 200  # the session works everywhere
    # the change from the banner's form takes a new password and the next sign-in goes home
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = client.post("/account/password", data={"csrf_token": csrf, "current_password": "Password123!",
                                                  "new_password": "lantern orchard pebble"}, follow_redirects=False)
    assert done.status_code == 303
    client.cookies.clear()
    assert login_page(client, "owner@example.org", "lantern orchard pebble").headers["location"] == "/today"


def test_clinician_with_a_short_old_password_is_asked_too(client, people, engine) -> None:
    _store_old_password(engine, "linked@clinic.example.org", "horse77")
    r = login_page(client, "linked@clinic.example.org", "horse77")
    assert r.status_code == 303 and r.headers["location"] == "/account?weak=short"
    page = client.get(r.headers["location"])
    assert WEAK_REASONS["short"] in page.text and 'href="/clinic"' in page.text


def test_a_wrong_password_is_still_refused_and_a_good_one_goes_home(client, people, engine) -> None:
    _store_old_password(engine, "owner@example.org", "Password123!")
    assert login_page(client, "owner@example.org", "Password123?").status_code == 401
    assert login_page(client, "stranger@example.org").headers["location"] == "/today"
    page = client.get("/account")
    assert 'id="weak-password"' not in page.text
    assert 'id="weak-password"' not in client.get("/account?weak=%3Cscript%3E").text  # only the fixed words


def test_api_token_for_an_old_guessable_password_works_and_says_it_must_change(client, people, engine) -> None:
    _store_old_password(engine, "owner@example.org", "owner2020!!")
    r = client.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": "owner2020!!"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["password_change_required"] is True
    assert body["password_change_reason"] == WEAK_REASONS["own"]
    h = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200  # the token works
    form = client.post("/api/v1/auth/token", data={"username": "owner@example.org", "password": "owner2020!!"})
    assert form.status_code == 200 and form.json()["password_change_required"] is True
    changed = client.post("/api/v1/me/password", json={"old_password": "owner2020!!",
                                                       "new_password": "lantern orchard pebble"}, headers=h)
    assert changed.status_code in (200, 204), changed.text
    again = client.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": "lantern orchard pebble"})
    assert again.json()["password_change_required"] is False and again.json()["password_change_reason"] is None


def test_api_token_for_a_good_password_needs_no_change(client, people) -> None:
    r = client.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": People.password})
    assert r.status_code == 200 and r.json()["password_change_required"] is False

