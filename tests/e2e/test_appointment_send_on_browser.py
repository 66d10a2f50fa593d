"""In a browser (chromium), SQLite and PostgreSQL: a patient sends an open appointment request on to
a clinician linked after it was made ("Also send to" on the Appointments page, 2026-12-06), and
the page with that form passes axe (WCAG 2.1 A/AA) at both widths."""

from __future__ import annotations

import re

import httpx

from tests.e2e.test_accessibility import WIDTHS, run_axe
from tests.e2e.test_challenges import link_patient, token
from tests.e2e.test_journeys import PASSWORD


def test_a_patient_sends_a_request_on_to_a_clinician_linked_later(server, browser) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    base = server.base
    p, _c, _pid = link_patient(server, browser, "pat@example.org")
    hp = token(base, "pat@example.org")
    req = httpx.post(base + "/api/v1/me/appointments", headers=hp, json={"reason": "Flare on both arms"}).json()["id"]
    made = server.cli("users", "create", "--email", "second@clinic.example.org", "--role", "clinician",
                      "--password", PASSWORD, "--name", "Dr Second")
    assert made.returncode == 0, made.stderr
    hs = token(base, "second@clinic.example.org")
    code = httpx.post(base + "/api/v1/me/invites", headers=hp).json()["code"]
    assert httpx.post(base + "/api/v1/clinician/links", headers=hs, json={"code": code}).status_code == 201
    assert httpx.get(base + "/api/v1/clinician/appointments", headers=hs).json() == []  # not by being linked

    p.goto(base + "/appointments")
    form = p.locator(f"#send-on-{req}")
    assert "Dr Second (second@clinic.example.org)" in form.inner_text()
    axe = Axe()
    problems = []
    for w, h in WIDTHS.values():
        p.set_viewport_size({"width": w, "height": h})
        p.goto(base + "/appointments")
        problems += run_axe(p, axe, "/appointments")
    assert not problems, "\n".join(problems)
    form.get_by_label(re.compile("Dr Second")).check()
    form.get_by_role("button", name="Send").click()
    # sent with fetch since 2026-12-07 (the page is replaced in place, at the same address): the form goes
    p.locator(f"#send-on-{req}").wait_for(state="detached", timeout=10000)
    assert re.search(r"/appointments$", p.url), p.url
    row = p.locator(f"#request-{req}").inner_text()
    assert "Dr Second (second@clinic.example.org)" in row and "Waiting for the clinic" in row, row
    assert p.locator(f"#send-on-{req}").count() == 0
    assert [q["id"] for q in httpx.get(base + "/api/v1/clinician/appointments", headers=hs).json()] == [req]
