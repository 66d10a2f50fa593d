"""A phone in Auckland saves a diary day: the browser's zone (Intl, put in the tz cookie by
static/app.js) becomes the profile's, so the clinician's panel and the API's reminders take the
patient's "today" from it (migration 0013, 2026-12-06). Real Chromium with its time zone set,
against a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from gutskin.diary.dates import day_words
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


def test_without_javascript_the_days_are_the_profiles_chosen_zone(server, browser) -> None:  # type: ignore[no-untyped-def]
    """JavaScript off (no tz cookie): the diary page took the server's date. The person chooses the
    profile's zone on My data (a plain form with a select) and the diary's today is that zone's
    (2026-12-06). The zone is whichever of +14 and -11 is on another date than the server now."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from gutskin.store.db import get_engine

    utc_day = dt.datetime.now(dt.UTC).date()
    zone = next(z for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago") if dt.datetime.now(ZoneInfo(z)).date() != utc_day)
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    register(page, server.base, "nojs@example.org", "Noa")
    assert page.locator("#day-title").get_attribute("data-day") == utc_day.isoformat()  # no zone known yet: the server's date
    assert "by the server's clock" in page.locator("#zone-unknown").inner_text()
    page.goto(server.base + "/data")
    assert "No time zone chosen for Noa yet" in page.locator("#time-zones ~ form").first.inner_text()
    page.locator("#time-zones ~ form select[name=time_zone]").first.select_option(zone)
    page.locator("#time-zones ~ form button[type=submit]").first.click()
    page.wait_for_selector("[id^=zone-saved-]")
    assert f"counted in {zone}" in page.locator("[id^=zone-now-]").first.inner_text()
    page.goto(server.base + "/today")
    day = dt.datetime.now(ZoneInfo(zone)).date().isoformat()
    assert page.locator("#day-title").get_attribute("data-day") == day
    assert page.locator("#day-title").inner_text() == day_words(day)
    assert f"profile's time zone, {zone}: today is {day_words(day)}" in page.locator("#zone-unknown").inner_text()
    page.check("input[name=itch_zero]")  # "No itch at all (0)", the page's no-script way to log a 0
    page.click("#save")
    page.wait_for_url(re.compile(r"saved="))
    with get_engine(server.db_url).begin() as conn:
        assert conn.execute(text("SELECT day FROM diary_days")).scalars().all() in ([day], [dt.date.fromisoformat(day)])
    ctx.close()
