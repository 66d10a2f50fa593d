"""Two parents keep one child's diary, in headless Chromium against a real server, on SQLite and
PostgreSQL: Ann adds Mia and makes a caregiver code; Ben registers, enters it and logs Mia's day;
Ann sees the day with Ben as its author (on /today and Trends); Ann removes Ben, and Ben no longer sees Mia."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gutskin.diary.dates import day_words
from tests.e2e.test_family import add_child
from tests.e2e.test_journeys import register

pytestmark = pytest.mark.e2e


def test_a_second_parent_logs_the_childs_day_until_removed(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    ann = browser.new_context().new_page()
    register(ann, base, "ann@example.org", "Ann")
    mia = add_child(ann, base, "Mia", "2022")
    ann.goto(base + "/caregivers")
    ann.click(f"#new-caregiver-code-{mia}")
    code = ann.locator("#caregiver-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)

    ben = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # on a phone
    register(ben, base, "ben@example.org", "Ben")
    ben.goto(base + "/caregivers")
    ben.fill("input[name=code]", code.lower())
    ben.click("#redeem-code")
    ben.wait_for_url(re.compile(rf"/today\?patient={mia}$"))
    assert ben.locator("#logging-for").inner_text() == "Logging for Mia."
    assert ben.locator("nav.profiles a").all_inner_texts() == ["Ben", "Mia"]
    ben.goto(f"{base}/today?date={day}&patient={mia}")
    ben.fill("input[name=itch]", "6")
    ben.click("#save")
    ben.wait_for_selector("#saved-msg")

    ann.goto(f"{base}/today?date={day}&patient={mia}")
    assert ann.locator("#day-author").inner_text() == "Logged by Ben."
    assert ann.locator("#itch-out").inner_text() == "6"
    ann.goto(f"{base}/trends?patient={mia}")  # Trends says it too, by the same rule
    assert ann.locator("#logged-by").inner_text() == f"Logged by Ben: {day_words(day)}"
    ann.goto(base + "/caregivers")
    assert "Ben" in ann.locator(f"#caregivers-{mia}").inner_text()
    ann.click("button[aria-label='Remove Ben as a caregiver of Mia']")
    ann.wait_for_selector(f"#no-caregivers-{mia}")

    gone = ben.goto(f"{base}/today?patient={mia}")
    assert gone is not None and gone.status == 404
    ben.goto(base + "/today")
    assert "Mia" not in ben.content()
    ben.goto(base + "/caregivers")
    assert ben.locator("#no-caregiving").is_visible()
