"""The clinician's *Challenges* page on a phone (390 px wide, headless Chromium; SQLite and PostgreSQL).

Walk of 2026-12-07: the safety alerts' signs and the running challenges' next step -- the columns a
clinician opens the page for -- were off screen to the right of six-column tables (each table
scrolled in its own box). Both tables now read as one card per row on a phone (``table.stack``, as
the appointment requests), each value labelled."""

from __future__ import annotations

import datetime as dt

import pytest

from gutskin.clinic import diary
from gutskin.store.db import make_engine, transaction
from tests.challenges.test_late_reaction_alerts import _after_step_one
from tests.conftest import People

pytestmark = pytest.mark.e2e


def test_a_held_challenge_and_its_alert_fit_a_phone(server, browser) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(server.db_url)
    try:
        people = People(engine)
        _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
        with transaction(engine) as s:  # a flare after step 1: a late-reaction alert holds step 2
            diary.put_day(s, people.owner, people.owner_pid, dt.date.today(), diary.DayInput(itch=2, flare=True))
    finally:
        engine.dispose()
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(server.base + "/login")
    page.fill("input[name=email]", "linked@clinic.example.org")
    page.fill("input[name=password]", People.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/clinic**")
    page.goto(server.base + "/clinic/challenges")
    nxt = page.locator("#running-challenges .running-next").first
    assert "held by a late reaction" in nxt.inner_text()
    signs = page.locator("tr.alert-row td").nth(4)
    assert "Eczema flare logged on" in signs.inner_text()
    for cell in (nxt, signs):
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5, (cell.inner_text(), box)
    label = nxt.evaluate("td => getComputedStyle(td, '::before').content")  # labelled on the card
    assert "Next step" in label, label
    page.context.close()
