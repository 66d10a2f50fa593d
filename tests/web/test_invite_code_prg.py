"""Sharing page, "Create an invite code": Post/Redirect/Get (2026-12-06).

The code was shown on the POST's own page: a reload (or Back and resubmit) made a second live
code. Now the POST redirects and the code is shown once by the GET it leads to, never in a URL,
and only to the browser session that made it.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import Invite
FLASH_COOKIE = "gutskin_code"  # gutskin.web.pages.code_flash.FLASH_COOKIE (a literal: the test also runs on the old code)
from tests.safety.test_attacks import login_page

CODE = re.compile(r'id="invite-code">([^<]+)<')


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def _live_codes(engine, pid: int) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(Invite).where(Invite.patient_id == pid,
                                                                       Invite.used_at.is_(None)))


def test_a_reload_shows_no_second_code_and_the_code_is_in_no_url(client, people, engine) -> None:
    assert login_page(client, "stranger@example.org").status_code == 303
    csrf = _csrf(client.get("/sharing").text)
    posted = client.post("/sharing/invite", data={"csrf_token": csrf}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"] == "/sharing"
    sealed = posted.cookies.get(FLASH_COOKIE)
    assert sealed
    shown = client.get(posted.headers["location"])
    code = CODE.search(shown.text).group(1)
    assert "the code above" in shown.text and _live_codes(engine, people.stranger_pid) == 1
    for text in (posted.headers["location"], str(shown.url), sealed, posted.headers.get("set-cookie", "")):
        assert code not in text and code.replace("-", "") not in text  # not in a URL, nor the cookie in clear
    reloaded = client.get("/sharing")  # the reload is a GET now: no code made, none shown again
    assert CODE.search(reloaded.text) is None
    assert len(re.findall(r'action="/sharing/invites/(\d+)/cancel"', reloaded.text)) == 1
    assert _live_codes(engine, people.stranger_pid) == 1
    # followed by a browser: every URL of the journey is free of the code
    again = client.post("/sharing/invite", data={"csrf_token": csrf})
    second = CODE.search(again.text).group(1)
    assert second != code and all(second not in str(r.url) for r in [*again.history, again])


def test_another_session_or_person_cannot_see_the_code(client, people) -> None:
    login_page(client, "stranger@example.org")
    posted = client.post("/sharing/invite", data={"csrf_token": _csrf(client.get("/sharing").text)},
                         follow_redirects=False)
    sealed = posted.cookies.get(FLASH_COOKIE)
    client.cookies.delete(FLASH_COOKIE)  # set again by hand below
    for email in ("stranger@example.org", "owner@example.org"):  # the same person elsewhere, another person
        other = TestClient(client.app)
        login_page(other, email)
        other.cookies.set(FLASH_COOKIE, sealed, path="/sharing")
        page = other.get("/sharing")
        assert page.status_code == 200 and CODE.search(page.text) is None, email
    client.cookies.set(FLASH_COOKIE, sealed[:-2] + ("xx" if not sealed.endswith("xx") else "yy"), path="/sharing")
    assert CODE.search(client.get("/sharing").text) is None  # a forged cookie
    client.cookies.set(FLASH_COOKIE, sealed, path="/sharing")
    own = client.get("/sharing").text  # its maker's session: shown
    assert CODE.search(own)
    # a cancelled code is not shown even to its maker
    ids = re.findall(r'action="/sharing/invites/(\d+)/cancel"', own)
    client.post(f"/sharing/invites/{ids[0]}/cancel", data={"csrf_token": _csrf(client.get("/sharing").text)})
    client.cookies.set(FLASH_COOKIE, sealed, path="/sharing")
    assert CODE.search(client.get("/sharing").text) is None


def test_a_reload_of_the_caregivers_page_makes_no_second_caregiver_code(client, people, engine) -> None:
    from gutskin.clinic import accounts

    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get("/caregivers").text)
    posted = client.post(f"/caregivers/invite?patient={mia}", data={"csrf_token": csrf}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"] == "/caregivers"
    sealed = posted.cookies.get(FLASH_COOKIE)
    shown = client.get("/caregivers").text
    code = re.search(r'id="caregiver-code">([^<]+)<', shown).group(1)
    assert code not in sealed and "the code above" in shown
    again = client.get("/caregivers").text  # the reload
    assert 'id="caregiver-code"' not in again and _live_codes(engine, mia) == 1
    other = TestClient(client.app)  # another person with the cookie
    login_page(other, "stranger@example.org")
    other.cookies.set(FLASH_COOKIE, sealed, path="/caregivers")
    assert code not in other.get("/caregivers").text
