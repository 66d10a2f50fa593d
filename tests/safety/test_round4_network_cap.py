"""One network cannot keep the password checks busy with made-up addresses (fourth security
review).

The sign-in limits count per (address, network) and per address: an attempt with a new made-up
address passed both every time and cost a real argon2 check, so one client could keep the
server's two hash slots busy for everyone's sign-in for as long as it liked (with
``test_round4_signin_flood.py``'s fix the rest of the app keeps running, but sign-ins queued
behind the flood). Now a network gets ``PER_NETWORK_FACTOR × login_max_failures`` (50) attempts
per window whatever the addresses; the 51st is refused before any password check. A successful
sign-in gives its attempt back, so people signing in from one address are not counted against it.
"""

from __future__ import annotations

import uuid

from tests.conftest import People
from tests.safety.test_round3_lockout import _from, _page_login, _token


def test_made_up_addresses_from_one_network_are_stopped_after_fifty(client, people) -> None:
    flooder, elsewhere = _from(client, "203.0.113.9"), _from(client, "198.51.100.20")
    codes = [_token(flooder, "wrong password 1", f"x{uuid.uuid4().hex}@example.org") for _ in range(60)]
    assert codes.count(401) == 50 and codes.count(429) == 10, codes
    assert codes[-10:] == [429] * 10
    r = flooder.post("/api/v1/auth/token", json={"email": "owner@example.org", "password": People.password})
    assert r.status_code == 429 and "your network" in r.json()["detail"]  # the trade-off: the whole network waits
    assert _page_login(flooder, People.password) == 429
    # other networks are not affected
    assert _token(elsewhere, "wrong password 1", f"y{uuid.uuid4().hex}@example.org") == 401
    assert _token(elsewhere, People.password) == 200


def test_successful_sign_ins_do_not_use_up_the_networks_allowance(client, people) -> None:
    clinic = _from(client, "192.0.2.50")  # many people behind one address
    emails = [f"p{i}@example.org" for i in range(4)]
    for e in emails:
        assert client.post("/api/v1/auth/register", json={"email": e, "password": People.password}).status_code == 201
    # 60 sign-ins (15 each: under the per-address cap of 20) from one network, all successful
    assert [_token(clinic, People.password, e) for e in emails for _ in range(15)] == [200] * 60
    assert _token(clinic, "wrong password 1", f"z{uuid.uuid4().hex}@example.org") == 401
