"""The diary in Chromium as a new patient meets it (keyboard, touch, screen-reader names)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_journeys import PASSWORD, create_clinician, link_by_invite, register

pytestmark = pytest.mark.e2e


def test_itch_zero_can_be_recorded_by_keyboard_and_by_a_tap(server, browser) -> None:  # type: ignore[no-untyped-def]
    """A slider left at 0 fired no input event for Left/Home or a tap on it: a day without itch
    was saved as "not recorded" (a good day missing from the trends) unless the person moved the
    slider away and back."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    p = ctx.new_page()
    register(p, server.base, "zero@example.org", "Zero")
    p.goto(server.base + "/today?date=2026-11-10")
    itch = p.get_by_label("Worst itch (last 24 h)")  # the slider has a name (its label once named the <output>)
    sleep = p.get_by_label("Sleep loss (last night)")
    assert itch.get_attribute("type") == "range" and sleep.get_attribute("type") == "range"
    assert p.locator("#itch-out").inner_text() == "not recorded"
    itch.focus()
    p.keyboard.press("Home")  # already 0: no value change
    assert p.locator("#itch-out").inner_text() == "0"
    box = sleep.bounding_box()
    assert box is not None
    p.mouse.click(box["x"] + 4, box["y"] + box["height"] / 2)  # a tap on the thumb at 0
    assert p.locator("#sleep-out").inner_text() == "0"
    p.locator("#save").click()
    p.wait_for_selector("#saved-msg")
    token = httpx.post(server.base + "/api/v1/auth/token", json={"email": "zero@example.org", "password": PASSWORD}).json()
    days = httpx.get(server.base + "/api/v1/me/diary", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert [(d["date"], d["itch"], d["sleep_loss"]) for d in days] == [("2026-11-10", 0, 0)]
    # Tab onto a slider and away again is not a choice: it stays unrecorded
    p.goto(server.base + "/today?date=2026-11-08")  # nothing before it to prefill from
    p.locator("#itch").focus()
    p.keyboard.press("Tab")
    assert p.locator("#itch-out").inner_text() == "not recorded"
    ctx.close()


def test_sharing_and_appointments_read_on_a_phone(server, browser) -> None:  # type: ignore[no-untyped-def]
    """At 390 px a clinician's long email widened the access log so that its "What" column lay
    off screen; the patient's requests said "open" / "proposed" (the database's words)."""
    base = server.base
    doc = "dr.evangeline.montgomerysmythe@universityhospital.example.org"  # no hyphen to wrap at
    create_clinician(server, doc)
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    p = ctx.new_page()
    register(p, base, "phone2@example.org", "Pat")
    link_by_invite(p, base, doc)
    doc_token = httpx.post(base + "/api/v1/auth/token", json={"email": doc, "password": PASSWORD}).json()["access_token"]
    p.goto(base + "/sharing")
    log = p.locator("table.access-log")
    assert doc in log.inner_text()
    fits = log.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    assert fits, log.evaluate("t => [t.scrollWidth, t.clientWidth]")
    p.goto(base + "/appointments")
    p.fill("textarea[name=reason]", "Flare on both arms")
    p.click("form.card button[type=submit]")
    p.wait_for_selector("td.status")
    assert p.locator("td.status").inner_text() == "Waiting for the clinic"
    # the clinic books it with a message: on a phone the time and the message are on screen (a card)
    import datetime as dt

    me = httpx.post(base + "/api/v1/auth/token", json={"email": "phone2@example.org", "password": PASSWORD}).json()
    rid = httpx.get(base + "/api/v1/me/appointments", headers={"Authorization": f"Bearer {me['access_token']}"}).json()[0]["id"]
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).replace(microsecond=0).isoformat()
    message = "Bring your steroid cream and the diary of the last two weeks"
    r = httpx.post(f"{base}/api/v1/clinician/appointments/{rid}", headers={"Authorization": f"Bearer {doc_token}"},
                   json={"action": "accept", "time": when, "message": message})
    assert r.status_code == 200, r.text
    p.goto(base + "/appointments")
    assert p.locator("td.status").inner_text() == "Booked"
    for cell, text in (("td.appt-time", "Time: "), ("td[data-label='Message from the clinic']", "Message from the clinic: ")):
        box = p.locator(cell).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (cell, box)
        assert p.locator(cell).evaluate("e => getComputedStyle(e, '::before').content").strip('"') == text
    assert p.locator("td[data-label='Message from the clinic']").inner_text() == message
    assert p.locator("#requests").evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    ctx.close()


def test_the_first_tab_offers_to_skip_the_menu(server, browser) -> None:  # type: ignore[no-untyped-def]
    """Keyboard users passed eleven menu links before the diary form on every page."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    p = ctx.new_page()
    register(p, server.base, "keys@example.org", "Keys")
    p.goto(server.base + "/today")
    assert not p.locator("a.skip").is_visible() or p.locator("a.skip").bounding_box()["x"] < 0  # type: ignore[index]
    p.keyboard.press("Tab")
    skip = p.locator("a.skip")
    assert p.evaluate("document.activeElement.textContent") == "Skip to content"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # shown on screen when focused
    p.keyboard.press("Enter")
    p.keyboard.press("Tab")  # the next stop is in the page's content, not the menu
    assert p.evaluate("document.activeElement.closest('main') !== null")
    ctx.close()
