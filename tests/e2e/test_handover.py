"""A parent hands a teenager's profile over to them, in headless Chromium against a real server, on
SQLite and PostgreSQL (2026-12-07): Pat adds Tom (17), logs a day for him, shares his record with
the allergist and lets Quinn keep it too; Tom registers on a phone and gets an empty profile; Pat
makes a handover code (shown once) and Tom enters it: the profile with its day (logged by "a former caregiver") is Tom's own, his
empty one is gone, his Sharing page names the allergist who still sees it and he ends that
sharing; Pat and Quinn get 404 and Pat's Caregivers page says where the profile went."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from tests.e2e.test_challenges import token
from tests.e2e.test_family import add_child
from tests.e2e.test_journeys import PASSWORD, register

pytestmark = pytest.mark.e2e


def test_a_teenager_takes_over_the_profile_their_parent_kept(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    made = server.cli("users", "create", "--email", "doc@clinic.example.org", "--role", "clinician",
                      "--password", PASSWORD, "--name", "Dr Allergist")
    assert made.returncode == 0, made.stderr
    pat = browser.new_context().new_page()
    register(pat, base, "pat@example.org", "Pat")
    tom = add_child(pat, base, "Tom", str(dt.date.today().year - 17))
    pat.goto(f"{base}/today?date={day}&patient={tom}")
    pat.fill("input[name=itch]", "5")
    pat.click("#save")
    pat.wait_for_selector("#saved-msg")
    parent = token(base, "pat@example.org")
    code = httpx.post(f"{base}/api/v1/me/invites?patient_id={tom}", headers=parent).json()["code"]
    assert httpx.post(f"{base}/api/v1/clinician/links", json={"code": code},
                      headers=token(base, "doc@clinic.example.org")).status_code == 201
    pat.goto(base + "/caregivers")
    pat.click(f"#new-caregiver-code-{tom}")
    helper_code = pat.locator("#caregiver-code").inner_text().strip()
    quinn = browser.new_context().new_page()
    register(quinn, base, "quinn@example.org", "Quinn")
    quinn.goto(base + "/caregivers")
    quinn.fill("input[name=code]", helper_code)
    quinn.click("#redeem-code")
    quinn.wait_for_url(re.compile(rf"/today\?patient={tom}$"))

    teen = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # on a phone
    register(teen, base, "tom@example.org", "Tom")
    own = httpx.get(base + "/api/v1/me", headers=token(base, "tom@example.org")).json()["patient_id"]
    assert own != tom

    pat.goto(base + "/caregivers")
    assert "Your access and every other caregiver's end" in pat.locator(f"#handover-how-{tom}").inner_text()
    pat.click(f"#new-handover-code-{tom}")
    code = pat.locator("#handover-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    pat.reload()
    assert pat.locator("#handover-code").count() == 0  # shown once

    teen.goto(base + "/caregivers")
    teen.fill("input[name=handover_code]", code.lower())
    teen.click("#redeem-handover-code")
    teen.wait_for_url(re.compile(r"/sharing$"))
    said = " ".join(teen.locator("#handover-sharing").inner_text().split())
    assert said.startswith("Pat kept this record on their account until")
    assert "It was shared then with Dr Allergist (doc@clinic.example.org), who still sees it." in said
    teen.goto(f"{base}/today?date={day}")
    # authors kept as recorded; by the diary's naming rule a name is shown only to those who share the
    # record with its bearer, and Pat no longer does
    assert teen.locator("#day-author").inner_text() == "Logged by a former caregiver."
    assert teen.locator("#itch-out").inner_text() == "5"
    gone = teen.goto(f"{base}/today?patient={own}")
    assert gone is not None and gone.status == 404  # the empty profile made at registration
    mine = httpx.get(base + "/api/v1/me", headers=token(base, "tom@example.org")).json()
    assert mine["patient_id"] == tom

    for page in (pat, quinn):
        gone = page.goto(f"{base}/today?patient={tom}")
        assert gone is not None and gone.status == 404
    pat.goto(base + "/caregivers")
    assert re.fullmatch(r"You handed the profile of Tom over on \w{3} \d{1,2} \w{3} \d{4} to the account tom@example.org\.",
                        pat.locator("#handed-over li").inner_text().strip())
    assert pat.locator(f"#child-{tom}").count() == 0

    # the sharing is Tom's to end now
    teen.goto(base + "/sharing")
    teen.locator("form[action^='/sharing/revoke/'] button").click()
    teen.wait_for_load_state()
    assert httpx.get(f"{base}/api/v1/patients/{tom}/diary",
                     headers=token(base, "doc@clinic.example.org")).status_code == 404
