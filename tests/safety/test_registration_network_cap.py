"""One network cannot test a list of addresses for accounts, or make accounts without end.

Registering must say "an account with this email already exists", so before 2026-12-06 anyone
could post registrations with a list of addresses and learn which have an account (the 409s),
at one request each and with no limit, and fill the database with accounts (a leftover of the
fourth security review). Now a network gets ``register_max_per_network`` (20) new-account
attempts an hour, counted whether they succeed or not; other networks are not affected.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import LoginAttempt
from tests.conftest import People
from tests.safety.test_round3_lockout import _from


def _api(c, email: str, password: str = People.password) -> int:  # type: ignore[no-untyped-def]
    return c.post("/api/v1/auth/register", json={"email": email, "password": password}).status_code


def _page(c, email: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    form = c.get("/register")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = c.post("/register", data={"email": email, "password": People.password, "display_name": "",
                                  "csrf_token": token}, follow_redirects=False)
    return r.status_code, r.text


def test_probing_addresses_from_one_network_stops_after_twenty(client, people, engine) -> None:
    prober, elsewhere = _from(client, "203.0.113.30"), _from(client, "198.51.100.31")
    # known addresses answer 409, new ones 201, a weak password 422: each one counts
    codes = [_api(prober, "owner@example.org"), _api(prober, "stranger@example.org"), _api(prober, "w@example.org", "short")]
    codes += [_api(prober, f"new{i}@example.org") for i in range(17)]
    assert codes == [409, 409, 422] + [201] * 17
    r = prober.post("/api/v1/auth/register", json={"email": "linked@clinic.example.org", "password": People.password})
    assert r.status_code == 429 and "too many new accounts from your network" in r.json()["detail"]
    assert _api(prober, "another-new@example.org") == 429  # new addresses too: no account is made
    status, text = _page(prober, "page-new@example.org")
    assert status == 429 and "too many new accounts from your network" in text
    # the refused attempts made nothing; another network registers as usual
    assert _api(elsewhere, "another-new@example.org") == 201
    assert _api(elsewhere, "owner@example.org") == 409
    assert _page(elsewhere, "page-new@example.org")[0] == 303
    # an hour later the network may register again
    with transaction(engine) as s:
        for row in s.scalars(select(LoginAttempt)):
            row.at = row.at - dt.timedelta(hours=1, minutes=1)
    assert _api(prober, "later@example.org") == 201


def test_sign_ins_do_not_use_up_the_registration_allowance(client, people) -> None:
    clinic = _from(client, "192.0.2.77")
    for _ in range(15):
        assert clinic.post("/api/v1/auth/token", json={"email": "owner@example.org",
                                                       "password": People.password}).status_code == 200
    assert [_api(clinic, f"c{i}@example.org") for i in range(20)] == [201] * 20
