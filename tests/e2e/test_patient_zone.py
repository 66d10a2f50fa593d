"""A phone in Auckland saves a diary day: the browser's zone (Intl, put in the tz cookie by
static/app.js) becomes the profile's, so the clinician's panel and the API's reminders take the
patient's "today" from it (migration 0013, 2026-12-06). Real Chromium with its time zone set,
against a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e


def test_the_phones_zone_becomes_the_profiles_on_save(server, browser) -> None:  # type: ignore[no-untyped-def]
    from gutskin.store.db import get_engine

    ctx = browser.new_context(timezone_id="Pacific/Auckland", viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    register(page, server.base, "kiri@example.org", "Kiri")
    engine = get_engine(server.db_url)
    with engine.begin() as conn:  # only looking at pages does not set it
        assert conn.execute(text("SELECT time_zone FROM patients")).scalars().all() == [None]
    page.goto(server.base + "/today")
    page.locator("#itch").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.click("#save")
    page.wait_for_selector("#saved-msg")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT time_zone FROM patients")).scalars().all() == ["Pacific/Auckland"]
    ctx.close()
