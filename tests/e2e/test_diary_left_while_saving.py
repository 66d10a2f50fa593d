"""The diary page left while a Save is on its way (2026-12-07): the server saved the day, but the page was
gone before its answer, so the draft kept in the tab (static/app.js) stayed and the day was listed "Typed on
this phone and not saved yet" on every other day's page and filled in again as "Not saved yet" when opened.
Now a draft whose Save was sent is compared with what the server has when its day is listed or opened, and
dropped when the server has it as typed; a draft the server did not get is still listed and filled in again.
Chromium against a real server, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e
SAVE = re.compile(r"/today(\?.*)?$")


def _drafts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('gutskin-draft:'))")


def _listed(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page's list of other days' drafts is final (app.js marks the body), or shown."""
    page.locator("body[data-drafts-checked], #other-drafts:not([hidden])").first.wait_for(state="attached")


def _type_a_day(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("#itch").focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.locator("label.chip:has-text('Dairy')").click()
    page.fill("textarea[name=notes]", "cheese at lunch\nitchy after")


def _save_and_leave(page, base: str, *, reaches_server: bool) -> None:  # type: ignore[no-untyped-def]
    """Press Save and open another page before the answer is read. The request is held in the browser:
    with reaches_server the server gets it and saves (its answer is never given to the page)."""
    held: list[object] = []

    def hold(route, request) -> None:  # type: ignore[no-untyped-def]
        if request.method != "POST":
            route.continue_()
            return
        if reaches_server:
            route.fetch()  # the server saves the day; the answer stays here
        held.append(route)

    page.route(SAVE, hold)
    page.click("#save")
    deadline = time.time() + 15
    while not held and time.time() < deadline:
        page.wait_for_timeout(50)
    assert held and page.locator("#save-status").inner_text() == "Saving…"
    page.goto(base + "/trends")  # a link tapped while "Saving…": the answer is never read
    page.unroute(SAVE)  # (after leaving: unrouting first let the held request go on to the page)


def test_a_day_saved_while_the_page_was_left_is_not_listed_as_unsaved(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    page = ctx.new_page()
    register(page, server.base, "leaver@example.org", "Lea")
    page.goto(server.base + "/today")
    day = dt.date.fromisoformat(page.locator("form.diary input[name=date]").input_value())
    before = (day - dt.timedelta(days=1)).isoformat()
    page.goto(f"{server.base}/today?date={before}")
    _type_a_day(page)
    _save_and_leave(page, server.base, reaches_server=True)
    assert len(_drafts(page)) == 1  # the tab never read the answer

    page.goto(server.base + "/today")  # another day's page: the saved day is not listed as unsaved
    _listed(page)
    assert not page.locator("#other-drafts").is_visible()
    assert _drafts(page) == []
    page.goto(f"{server.base}/today?date={before}")  # the day itself: the server's values, no "Not saved yet"
    assert not page.locator("#draft-restored").is_visible()
    assert page.locator("#itch").input_value() == "4" and page.locator("input[name='f:food.dairy']").is_checked()
    assert page.locator("textarea[name=notes]").input_value() == "cheese at lunch\nitchy after"

    # opened straight away (no other page first): dropped as well
    page.fill("textarea[name=notes]", "cheese at lunch, hives")
    _save_and_leave(page, server.base, reaches_server=True)
    page.goto(f"{server.base}/today?date={before}")
    assert not page.locator("#draft-restored").is_visible() and _drafts(page) == []
    assert page.locator("textarea[name=notes]").input_value() == "cheese at lunch, hives"
    ctx.close()


def test_a_draft_the_server_did_not_get_is_still_kept(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    page = ctx.new_page()
    register(page, server.base, "keeper@example.org", "Kee")
    page.goto(server.base + "/today")
    day = dt.date.fromisoformat(page.locator("form.diary input[name=date]").input_value())
    before = (day - dt.timedelta(days=1)).isoformat()
    page.goto(f"{server.base}/today?date={before}")
    page.fill("textarea[name=notes]", "first note")  # saved: the day is on the server with other words
    page.click("#save")
    page.wait_for_selector("#saved-msg")
    _type_a_day(page)
    _save_and_leave(page, server.base, reaches_server=False)

    page.goto(server.base + "/today")
    _listed(page)
    assert page.locator("#other-drafts").is_visible()
    assert page.locator("#other-drafts-links a").inner_text() == before
    page.goto(f"{server.base}/today?date={before}")
    assert page.locator("#draft-restored").is_visible()
    assert page.locator("textarea[name=notes]").input_value() == "cheese at lunch\nitchy after"
    assert page.locator("#itch-out").inner_text() == "4"
    ctx.close()
