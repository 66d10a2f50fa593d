"""The daily diary on a small phone (360×640, touch) with a bad connection, against a real server
on SQLite and PostgreSQL (the phone walk of 2026-12-06).

Without script (app.js blocked, or not loaded on a bad connection) the score sliders kept their
"never moved" marker, so itch and sleep loss moved to 6 were stored as "not recorded"."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}


def test_the_diary_saves_scores_without_script(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(java_script_enabled=False, **PHONE)
    page = ctx.new_page()
    register(page, server.base, "no-script@example.org", "Noa")
    day = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    page.goto(f"{server.base}/today?date={day}")
    page.locator("#itch").fill("6")
    page.click("#save")
    page.wait_for_selector("#saved-msg")
    assert page.locator("#itch-out").inner_text() == "6"  # was "not recorded": the move was lost
    assert page.locator("#sleep-out").inner_text() == "not recorded"
    page.check("input[name=sleep_loss_zero]")  # a night without sleep lost: the 0 the slider cannot tell
    page.click("#save")
    page.wait_for_selector("#saved-msg")
    assert (page.locator("#itch-out").inner_text(), page.locator("#sleep-out").inner_text()) == ("6", "0")
    other = (dt.date.today() - dt.timedelta(days=5)).isoformat()  # untouched sliders still record nothing
    page.goto(f"{server.base}/today?date={other}")
    page.click("#save")
    page.wait_for_selector("#saved-msg")
    assert page.locator("#itch-out").inner_text() == "not recorded"
    assert page.locator("#sleep-out").inner_text() == "not recorded"
    ctx.close()
