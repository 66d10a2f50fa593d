"""The daily diary on a small phone (360×640, touch) with a bad connection, against a real server
on SQLite and PostgreSQL (the phone walk of 2026-12-06).

Save was a plain form post: with the connection gone it led to the browser's "No internet" page
and the typed day was lost (back went to an empty form); a session that ended while the day was
typed led to the login page and, after signing in, an empty form, with no word that nothing was
saved. Now what is typed is kept in the tab until the server's "Saved." (static/app.js), Save is
sent with fetch and a failure says so on the form, and the day is filled in again after a reload
or a new sign-in.

Without script (app.js blocked, or not loaded on a bad connection) the score sliders kept their
"never moved" marker, so itch and sleep loss moved to 6 were stored as "not recorded"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import text

from tests.e2e.test_journeys import PASSWORD, register

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}


def test_a_day_typed_offline_or_signed_out_is_kept_and_the_phone_says_it_was_not_saved(server, browser) -> None:  # type: ignore[no-untyped-def]
    from gutskin.store.db import get_engine

    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    register(page, server.base, "phone-walk@example.org", "Pia")
    page.goto(f"{server.base}/today?date={yesterday}")
    page.locator("#itch").focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    page.tap("label.chip:has-text('Dairy')")
    page.fill("textarea[name=notes]", "hives after the party")

    ctx.set_offline(True)  # the train enters a tunnel
    page.tap("#save")
    status = page.locator("#save-status")
    status.filter(has_text="Not saved: no connection").wait_for(timeout=5000)
    assert page.url.endswith(f"/today?date={yesterday}")  # still on the form, what was typed in it
    assert page.locator("textarea[name=notes]").input_value() == "hives after the party"
    ctx.set_offline(False)
    page.reload()  # or the day opened again later in this tab
    assert page.locator("#draft-restored").is_visible()
    assert page.locator("#itch-out").inner_text() == "6"
    assert page.locator("input[name='f:food.dairy']").is_checked()
    assert page.locator("textarea[name=notes]").input_value() == "hives after the party"
    page.tap("#save")
    page.wait_for_selector("#saved-msg")
    assert not page.locator("#draft-restored").is_visible()
    page.reload()  # saved, and nothing left to bring back
    assert page.locator("#itch").input_value() == "6" and not page.locator("#draft-restored").is_visible()

    page.goto(server.base + "/today")  # today's entry is typed while the session ends
    page.fill("textarea[name=notes]", "slept well")
    with get_engine(server.db_url).begin() as conn:
        conn.execute(text("UPDATE web_sessions SET expires_at = :t"), {"t": dt.datetime(2000, 1, 1)})
    page.tap("#save")
    status.filter(has_text="Not saved: you were signed out").wait_for(timeout=5000)
    page.goto(server.base + "/login")
    assert page.locator("#draft-login-note").is_visible()
    page.fill("input[name=email]", "phone-walk@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/today$"))
    assert page.locator("#draft-restored").is_visible()
    assert page.locator("textarea[name=notes]").input_value() == "slept well"
    page.tap("#save")
    page.wait_for_selector("#saved-msg")
    assert page.locator("textarea[name=notes]").input_value() == "slept well"
    ctx.close()


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


def test_a_forgotten_day_last_week_is_one_pick_away(server, browser) -> None:  # type: ignore[no-untyped-def]
    """Only ‹ and › moved between days: a day forgotten last week was six taps on ‹, each a page
    load on a slow connection. An "Another day…" date field opens it (a GET form: without script too)."""
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    register(page, server.base, "forgetful@example.org", "Fay")
    for _ in range(50):  # app.js learns the browser's zone on the first page (and reloads it once)
        if any(c["name"] == "tz" for c in ctx.cookies()):
            break
        page.wait_for_timeout(100)
    page.goto(server.base + "/today")
    today = page.locator("#day-title").get_attribute("data-day")
    last_week = (dt.date.fromisoformat(today) - dt.timedelta(days=6)).isoformat()
    summary = page.locator("#daypick summary")
    assert summary.bounding_box()["height"] >= 24  # WCAG 2.2 target size
    summary.tap()
    assert page.locator("#daypick-date").get_attribute("max") == today  # no day after the person's today
    page.fill("#daypick-date", last_week)
    page.tap("#daypick-open")
    page.wait_for_url(re.compile(rf"/today\?date={last_week}$"))
    assert page.locator("#day-title").get_attribute("data-day") == last_week
    page.locator("#itch").fill("4")
    page.tap("#save")
    page.wait_for_selector("#saved-msg")
    assert page.locator("#day-title").get_attribute("data-day") == last_week
    ctx.close()


def test_a_day_saved_just_before_the_connection_dropped_is_not_offered_as_unsaved(server, browser) -> None:  # type: ignore[no-untyped-def]
    """The save went through but the page after it did not load (the connection dropped between the
    two): the form said nothing, and the next time the day was opened its draft was brought back as
    "Not saved yet", although the day was saved. Since 2026-12-06 the save's answer is the saved page
    itself (no page loads after it): the connection dropping once that answer is in changes nothing."""
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    register(page, server.base, "tunnel@example.org", "Tom")
    day = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    page.goto(f"{server.base}/today?date={day}")
    page.fill("textarea[name=notes]", "saved in time")
    with page.expect_response(lambda r: r.request.method == "POST"):  # the save's answer arrives ...
        page.tap("#save")
    page.route(re.compile(r".*"), lambda route: route.abort("internetdisconnected"))  # ... and the connection drops
    page.wait_for_selector("#saved-msg")  # the phone says it was saved, with nothing more to load
    assert re.search(rf"/today\?date={day}&saved=", page.url)
    page.unroute(re.compile(r".*"))
    page.goto(f"{server.base}/today?date={day}")
    assert page.locator("textarea[name=notes]").input_value() == "saved in time"  # stored
    assert not page.locator("#draft-restored").is_visible()
    ctx.close()


def test_without_script_the_page_says_whose_clock_today_is(server, browser) -> None:  # type: ignore[no-untyped-def]
    """Without script the browser's zone (the tz cookie app.js sets) is unknown and /today is the
    server's day: an evening entry in Los Angeles (UTC-8) opened and saved tomorrow's date with no
    word of it. The page now says which clock it used."""
    ctx = browser.new_context(java_script_enabled=False, timezone_id="America/Los_Angeles", **PHONE)
    page = ctx.new_page()
    register(page, server.base, "no-zone@example.org", "Zed")
    page.goto(server.base + "/today")
    shown = page.locator("#day-title").inner_text().strip()  # in words, as the note says it
    note = page.locator("#zone-unknown")
    assert note.is_visible() and f"today is {shown} by the server's clock" in note.inner_text()
    ctx.close()
