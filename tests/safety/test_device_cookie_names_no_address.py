"""The sign-in device cookie cannot be matched to an address (stranger walk, 2026-12-06).

A browser that signs in keeps ``gutskin_device`` for 180 days, also after signing out (it is what
lets its owner in while others guess: ``test_signin_device_cookie``). Its value is signed, not
encrypted: anyone who can read the browser's cookies -- the next person at a shared computer (a
clinic's waiting-room tablet, a library PC), through the browser's own settings -- reads its JSON.
It held a plain SHA-256 of the address (``device-email\\0<address>``), so that person could try
addresses (a colleague's, a list) and learn which one had used an eczema app there, and when the
account was used last; the docstring said the cookie "names no address". Now the tag is keyed
with the server's secret (HMAC): without the key no address can be tried against it, and the
same address gets another tag from a server with another key. The cookie still works for its
address (``test_signin_device_cookie``). SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import re

from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from gutskin.settings import Settings
from gutskin.web import create_app
from tests.conftest import People

OWNER = "owner@example.org"


def _device_cookie(app) -> str:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="https://testserver") as c:
        form = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        r = c.post("/login", data={"email": OWNER, "password": People.password, "csrf_token": token},
                   follow_redirects=False)
        assert r.status_code == 303, r.text[:200]
        return c.cookies.get("gutskin_device", path="/login")


def _payload(cookie: str) -> list[str]:
    """What anyone holding the cookie reads in it (the signature is not needed to read)."""
    _, value = URLSafeTimedSerializer("not the server's key", salt="gutskin-device").loads_unsafe(cookie)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), value
    return value


def _guesses(address: str) -> set[str]:
    """Hashes of an address a person can compute without the server's key."""
    out = set()
    for text in (address, address.upper(), f"device-email\x00{address}", f"device-email{address}"):
        for algo in ("sha256", "sha1", "md5", "blake2b", "sha512"):
            digest = hashlib.new(algo, text.encode()).hexdigest()
            out.update({digest, digest[:32], digest[:16]})
    return out


def test_the_device_cookie_holds_nothing_an_address_can_be_tried_against(client, people, settings) -> None:
    cookie = _device_cookie(client.app)
    parts = _payload(cookie)
    guesses = _guesses(OWNER)
    assert not [p for p in parts if p in guesses], f"the device cookie {parts} holds a hash of {OWNER} anyone can compute"
    assert not [p for p in parts if OWNER.split("@")[0] in p]
    # keyed: another server key gives the same address another tag (the nonces differ anyway)
    other = create_app(Settings(database_url=settings.database_url, env="test",
                                secret_key="another-secret-key-that-is-long-enough-987654"))
    tags = {_payload(_device_cookie(client.app))[0], _payload(_device_cookie(client.app))[0]}
    assert len(tags) == 1  # one address, one tag under one key (the cookie is bound to the address)
    assert _payload(_device_cookie(other))[0] not in tags
