"""Tap targets of the diary page on a 360×640 touch phone (the phone walk of 2026-12-06): a
parent's profile switcher ("M" was 14×19 px next to "Mia": a slip logs the day in the wrong
diary) and the flare box, whose label is its target (23 px high), are at least 44 px high, and the
switcher's links at least 44 px wide (WCAG 2.2 asks 24 px; 44 is the platforms' own guidance)."""

from __future__ import annotations

import pytest

from tests.e2e.test_family import add_child
from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e


def test_the_profile_switcher_and_the_flare_box_are_big_enough_to_tap(server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    register(page, server.base, "m@example.org", "M")
    mia = add_child(page, server.base, "Mia", "2022")
    page.goto(f"{server.base}/today?patient={mia}")
    boxes = {name: page.locator("nav.profiles a", has_text=name).first.bounding_box() for name in ("M", "Mia")}
    boxes["flare"] = page.locator("label.toggle", has_text="Flare today").bounding_box()
    small = {k: (round(b["width"]), round(b["height"])) for k, b in boxes.items()
             if b["height"] < 44 or (k != "flare" and b["width"] < 44)}
    assert small == {}
    page.locator("nav.profiles a", has_text="M").first.tap()
    page.wait_for_url(lambda url: "patient=" in url and f"patient={mia}" not in url)
    assert page.locator("#logging-for").inner_text() == "Logging for M (your own diary)."
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    ctx.close()
