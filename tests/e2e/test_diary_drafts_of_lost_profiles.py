"""A diary draft of a record the account can no longer open is dropped from the tab, in headless
Chromium against a real server (SQLite and PostgreSQL; 2026-12-06, the family walk).

Ann deletes Zoe's profile and removes Ben as Mia's co-caregiver: Ben's phone kept the unsaved
days he had typed for both children (health data of records gone from his account) for up to
72 h, listed on /today as "Typed on this phone and not saved yet" with links answering 404. The
page now names the profiles the account may enter days for (body data-draft-profiles) and app.js
drops the other drafts on the next page load; the drafts of profiles still his are kept.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.test_family import add_child
from tests.e2e.test_journeys import PASSWORD, register

pytestmark = pytest.mark.e2e
DAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _share(ann, base: str, child: int) -> str:  # type: ignore[no-untyped-def]
    ann.goto(base + "/caregivers")
    ann.click(f"#new-caregiver-code-{child}")
    return ann.locator("#caregiver-code").inner_text().strip()


def _draft_profiles(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The profile of each diary draft in the tab's storage (key gutskin-draft:account:profile:day)."""
    keys = page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('gutskin-draft:'))")
    return sorted(k.split(":")[2] for k in keys)


def _type_draft(page, base: str, patient: int | None, notes: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/today?date={DAY}" + (f"&patient={patient}" if patient else ""))
    page.fill("textarea[name=notes]", notes)  # typed, not saved: kept in the tab


def test_drafts_of_a_deleted_child_and_of_ended_access_are_dropped(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    ann = browser.new_context().new_page()
    register(ann, base, "ann-drafts@example.org", "Ann")
    mia = add_child(ann, base, "Mia", "2021")
    zoe = add_child(ann, base, "Zoe", "2023")
    codes = [_share(ann, base, mia), _share(ann, base, zoe)]

    ben = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    register(ben, base, "ben-drafts@example.org", "Ben")
    for code in codes:
        ben.goto(base + "/caregivers")
        ben.fill("input[name=code]", code)
        ben.click("#redeem-code")
        ben.wait_for_url(lambda url: "/today?patient=" in url)
    _type_draft(ben, base, None, "Ben's own day")
    own = ben.evaluate("document.querySelector('form.diary').dataset.draft").split(":")[1]
    _type_draft(ben, base, mia, "Mia scratched all night")
    _type_draft(ben, base, zoe, "Zoe's cheeks red")
    assert _draft_profiles(ben) == sorted([own, str(mia), str(zoe)])

    ann.goto(base + "/data")  # Ann deletes Zoe's profile
    ann.click(f"#profile-{zoe} summary")
    form = ann.locator(f"form[action='/profiles/{zoe}/delete']")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    ann.wait_for_url(lambda url: "/data?removed=" in url)

    ben.goto(base + "/today")
    assert _draft_profiles(ben) == sorted([own, str(mia)])  # Zoe's gone; his own and Mia's kept
    assert "Zoe" not in ben.content()

    ann.goto(base + "/caregivers")  # Ann ends Ben's access to Mia
    ann.click("button[aria-label='Remove Ben as a caregiver of Mia']")
    ann.wait_for_selector(f"#no-caregivers-{mia}")

    ben.goto(base + "/account")  # any signed-in page
    assert _draft_profiles(ben) == [own]
    ben.goto(f"{base}/today?date={DAY}")
    assert ben.locator("textarea[name=notes]").input_value() == "Ben's own day"  # still brought back

    ben.click("form[action='/logout'] button")  # and signing out forgets the rest
    ben.wait_for_url(lambda url: "/today" not in url)
    assert _draft_profiles(ben) == []
