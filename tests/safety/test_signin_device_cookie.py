"""People guessing one person's password from many networks no longer keep that person out of
their own browser (security walk of 2026-12-06).

Sign-in attempts are limited per (address, network) and, for all networks together, to 20 per
5 minutes per address (``test_round3_lockout``). So five networks guessing -- an IPv6 /56 holds
256 of them -- kept the owner locked out for as long as they guessed: a 429 even with the right
password, from anywhere. Now a browser that has signed in to an address gets a device cookie
(OWASP "device cookies": signed, HttpOnly, SameSite=Strict, sent only to /login, bound to the
address); its attempts are limited on their own (5 per window, like a network) and neither
limited by nor counted towards the address's cap. The guessers have no such cookie, so the cap
still holds them; a cookie for another address, forged, or from another server key is ignored.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import People

OWNER = "owner@example.org"


def _from(client, ip: str) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(client.app, client=(ip, 40000), base_url="https://testserver")


def _page_login(c: TestClient, password: str, email: str = OWNER):  # type: ignore[no-untyped-def]
    form = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return c.post("/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False)


def _logout(c: TestClient) -> None:
    page = c.get("/today")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303


def _lock_the_address_from_many_networks(client) -> None:  # type: ignore[no-untyped-def]
    codes = []
    for n in range(5):  # 5 networks x 5 guesses > the address's cap of 20
        guesser = _from(client, f"203.0.113.{10 + n}")
        codes += [guesser.post("/api/v1/auth/token", json={"email": OWNER, "password": f"guess {n}-{i}"}).status_code
                  for i in range(5)]
    assert codes.count(401) <= 20 and codes[-1] == 429  # the address's cap is used up (the owner's own sign-in counted)
    stranger_browser = _from(client, "192.0.2.77")  # the right password, a browser never used for it
    assert _page_login(stranger_browser, People.password).status_code == 429


def test_the_owners_browser_signs_in_while_others_guess_from_many_networks(client, people) -> None:
    owner = _from(client, "198.51.100.20")
    first = _page_login(owner, People.password)
    assert first.status_code == 303
    _logout(owner)
    _lock_the_address_from_many_networks(client)
    again = _page_login(owner, People.password)
    assert again.status_code == 303 and again.headers["location"] == "/today"  # was 429 for as long as they guessed
    cookie = next(h for h in first.headers.get_list("set-cookie") if h.startswith("gutskin_device="))
    low = cookie.lower()
    assert "httponly" in low and "samesite=strict" in low and "path=/login" in low and "secure" in low
    assert "owner" not in cookie.split(";")[0]  # names no address
    # the same browser from another network (a phone moving to mobile data) too
    _logout(owner)
    moved = _from(client, "198.51.100.99")
    moved.cookies.set("gutskin_device", owner.cookies.get("gutskin_device", path="/login"), path="/login")
    assert _page_login(moved, People.password).status_code == 303


def test_the_device_cookie_is_limited_on_its_own_and_only_for_its_address(client, people) -> None:
    owner = _from(client, "198.51.100.20")
    assert _page_login(owner, People.password).status_code == 303
    device = owner.cookies.get("gutskin_device", path="/login")
    _logout(owner)
    _lock_the_address_from_many_networks(client)
    # someone at the owner's browser guessing gets the device's own 5 tries, then waits like anyone
    codes = [_page_login(owner, f"wrong {i}").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    assert _page_login(owner, People.password).status_code == 429
    # the cookie does not open another address's cap, nor does a forged or tampered one
    other = _from(client, "198.51.100.21")
    other.cookies.set("gutskin_device", device, path="/login")
    assert _page_login(other, People.password, "stranger@example.org").status_code == 303  # not locked: its own cap
    for forged in (device[:-3] + "AAA", "x" * 40, ""):
        c = _from(client, "198.51.100.22")
        c.cookies.set("gutskin_device", forged, path="/login")
        assert _page_login(c, People.password).status_code == 429
