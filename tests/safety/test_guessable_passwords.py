"""Passwords an online guesser tries first are refused where a password is chosen (account walk,
2026-12-07): registering (page and API), changing it (page and API) and the operator's
``gutskin users set-password``. Ten characters were the only rule: "1234567890", "aaaaaaaaaa",
"Password123!" and the address's own name with digits made accounts holding health records,
and the per-address sign-in cap still lets a guesser try some 5,700 passwords a day."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from gutskin.clinic import accounts
from gutskin.clinic.errors import InvalidInput
from gutskin.clinic.passwords import guessable
from gutskin.store.db import transaction
from gutskin.store.models import User
from tests.conftest import People, bearer
from tests.safety.test_attacks import login_page

GUESSABLE = ["1234567890", "aaaaaaaaaa", "Password123!", "P@ssw0rd2024", "qwertyuiop", "iloveyou12", "0987654321",
             "1q2w3e4r5t", "abcd123456", "Gutskin2026!", "1212121212", "Eczema2026"]
FINE = ["correct horse battery", "my dog hates the rain, password 7", "demo-password-1", "a-brand-new-secret",
        "9081726354", "Tr0ub4dor&3 staple"]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _accounts(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


@pytest.mark.parametrize("password", GUESSABLE)
def test_the_rule_names_each_guessable_password(password: str) -> None:
    assert guessable(password) is not None


@pytest.mark.parametrize("password", FINE)
def test_the_rule_keeps_passphrases(password: str) -> None:
    assert guessable(password, "nora@example.org", "Nora Smith") is None


def test_the_address_and_name_count_as_guessable() -> None:
    assert guessable("nora123456", "nora@example.org") is not None
    assert guessable("Example2024!", "nora@example.org") is not None
    assert guessable("Nora.Smith.1990", "x@example.org", "Nora Smith") is not None
    assert guessable("nora123456", "someone@example.org") is None  # another person's name is just a word


def test_registering_with_a_guessable_password_is_refused_and_makes_no_account(client, engine) -> None:
    before = _accounts(engine)
    for i, password in enumerate(["Password123!", "qwertyuiop", "newperson2026"]):
        r = client.post("/api/v1/auth/register", json={"email": f"newperson{i}@example.org" if i < 2
                                                      else "newperson@example.org", "password": password})
        assert r.status_code == 422, (password, r.text)
        assert r.json()["detail"].startswith("password: too easy to guess")
        form = client.get("/register")
        page = client.post("/register", data={"email": f"page{i}@example.org" if i < 2 else "newperson@example.org",
                                              "password": password, "csrf_token": _csrf(form.text)},
                           follow_redirects=False)
        assert page.status_code == 422 and "too easy to guess" in page.text
        assert "gutskin_session" not in page.headers.get("set-cookie", "")
    assert _accounts(engine) == before
    ok = client.post("/api/v1/auth/register", json={"email": "newperson@example.org", "password": "correct horse battery"})
    assert ok.status_code == 201


def test_changing_to_a_guessable_password_is_refused_and_the_old_one_still_works(client, people, engine) -> None:
    h = bearer(client, "owner@example.org")
    for new in ("1234567890", "owner12345"):  # the second: the address's own name
        r = client.post("/api/v1/me/password", json={"old_password": People.password, "new_password": new}, headers=h)
        assert r.status_code == 422 and "too easy to guess" in r.json()["detail"], r.text
    assert client.get("/api/v1/me", headers=h).status_code == 200  # nothing changed: the token still works
    login_page(client, "owner@example.org")
    page = client.get("/account")
    r = client.post("/account/password", data={"csrf_token": _csrf(page.text), "current_password": People.password,
                                               "new_password": "P@ssw0rd2024"}, follow_redirects=False)
    assert r.status_code == 422 and "too easy to guess" in r.text
    client.cookies.clear()
    assert login_page(client, "owner@example.org").headers["location"] == "/today"  # the stored password is the old one
    assert login_page(client, "owner@example.org", "P@ssw0rd2024").status_code == 401


def test_the_operator_cannot_set_a_guessable_password(people, engine) -> None:
    with transaction(engine) as s:
        before = s.scalar(select(User.password_hash).where(User.email == "linked@clinic.example.org"))
        with pytest.raises(InvalidInput, match="too easy to guess"):
            accounts.set_password_by_operator(s, "linked@clinic.example.org", "linked12345")
    with transaction(engine) as s:
        assert s.scalar(select(User.password_hash).where(User.email == "linked@clinic.example.org")) == before
