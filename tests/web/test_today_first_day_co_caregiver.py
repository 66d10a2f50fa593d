"""A child's co-caregiver opening the child's empty diary was told to "make an invite code on
Sharing", a page they do not have for the child (new-user walk, 2026-12-07). The note says the
child's parent does it; the parent's own note is unchanged. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from gutskin.clinic import accounts
from gutskin.store.db import transaction
from tests.safety.test_caregivers_pages import _csrf, _signed_in
from tests.web.test_today_first_day import _note


def test_a_co_caregivers_first_day_note_sends_sharing_to_the_parent(engine, people, settings) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
    a, b = _signed_in(settings, "owner@example.org"), _signed_in(settings, "stranger@example.org")
    a.post(f"/caregivers/invite?patient={mia}", data={"csrf_token": _csrf(a.get("/caregivers").text)})
    code = re.search(r'id="caregiver-code">([^<]+)<', a.get("/caregivers").text).group(1)  # type: ignore[union-attr]
    got = b.post("/caregivers/redeem", data={"code": code, "csrf_token": _csrf(b.get("/caregivers").text)})
    assert got.status_code == 303
    helper = _note(b.get(f"/today?patient={mia}").text)
    assert helper and helper.startswith("Nothing is logged yet for Mia."), helper
    assert "make an invite code" not in helper and "its parent lets the clinic see the diary" in helper, helper
    assert b.get(f"/sharing?patient={mia}").status_code == 404  # the page the old note sent them to
    parent = _note(a.get(f"/today?patient={mia}").text)
    assert parent and "make an invite code on Sharing" in parent and "its parent" not in parent, parent
