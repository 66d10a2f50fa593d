"""Lookalike email addresses (zero-width space, Roman numeral ⅼ, fullwidth letters, a trailing
dot) cannot register a second account beside the real one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gutskin.clinic import accounts
from gutskin.clinic.errors import Conflict, InvalidInput
from gutskin.store.db import transaction
from gutskin.store.models import User
from tests.conftest import People, bearer

PASSWORD = "lookalike password 1"


@pytest.mark.parametrize(("email", "status", "message"), [
    ("rl1@x.org\u200b", 422, "email: contains invisible or control characters"),
    ("r\u200dl1@x.org", 422, "email: contains invisible or control characters"),
    ("rl1@x.org\u202e", 422, "email: contains invisible or control characters"),
    ("rl1@x.org\x00", 422, "email:"),
    ("r\u217c1@x.org", 409, "email: an account with this email already exists"),
    ("\uff52l1@x.org", 409, "email: an account with this email already exists"),
    ("\uff32\uff2c\uff11@\uff38.\uff2f\uff32\uff27", 409, "email: an account with this email already exists"),
    ("rl1@x.org.", 409, "email: an account with this email already exists"),
    (" RL1@X.Org ", 409, "email: an account with this email already exists"),
])
def test_a_lookalike_of_a_registered_address_is_not_a_new_account(client, engine, email, status, message) -> None:
    r = client.post("/api/v1/auth/register", json={"email": "rl1@x.org", "password": PASSWORD})
    assert r.status_code in (200, 201), r.text
    r = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == status and message in r.json()["detail"], r.text
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.email.like("%1@%"))) == 1


def test_addresses_are_stored_in_one_spelling_and_sign_in_with_it(client, engine, people) -> None:
    with transaction(engine) as s:
        user = accounts.create_user(s, "\uff2a\uff55\uff52l1@Example.org.", PASSWORD, "patient")
        assert user.email == "jurl1@example.org"
        with pytest.raises(Conflict):
            accounts.create_user(s, "ju\u0072\u217c1@example.org", PASSWORD, "patient")
        composed = accounts.create_user(s, "j\u00fcrgen@example.org", PASSWORD, "patient")
        with pytest.raises(Conflict):  # the same letter written as u + combining diaeresis
            accounts.create_user(s, "ju\u0308rgen@example.org", PASSWORD, "patient")
        assert composed.email == "j\u00fcrgen@example.org"
        with pytest.raises(InvalidInput, match="^email: contains invisible or control characters"):
            accounts.normalize_email("\ufeffowner@example.org")
    bearer(client, "jurl1@example.org", PASSWORD)
    bearer(client, "owner@example.org")  # accounts made before keep signing in as they did
    bearer(client, "linked@clinic.example.org")


def test_a_lookalike_spelling_signs_in_to_the_one_account(client, people) -> None:
    """Registration stores the NFKC form; sign-in must read the address the same way."""
    r = client.post("/api/v1/auth/register", json={"email": "ｗide@x.org.", "password": People.password})
    assert r.status_code == 201, r.text
    for spelling in ("wide@x.org", "ＷIDE@x.org", "wide@x.org."):
        t = client.post("/api/v1/auth/token", json={"email": spelling, "password": People.password})
        assert t.status_code == 200, (spelling, t.text)
