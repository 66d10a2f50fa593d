"""A new clinic's clinician, made as README says without ``--name``, gives a name on the Account page in
Chromium, and the patient's Appointments and Sharing pages name them by it, not by the address (clinic
walk on a fresh server, 2026-12-07; tests/web/test_account_name.py has the rules). Fails on the code
before (the Account page had no name form)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_challenges import link_patient

pytestmark = pytest.mark.e2e


def test_the_clinician_names_themselves_and_the_patient_reads_it(server, browser) -> None:  # type: ignore[no-untyped-def]
    p, c, _pid = link_patient(server, browser, "pat@example.org")
    p.goto(server.base + "/appointments")
    assert "This request goes to doc@clinic.example.org." in p.locator("#send-to-one").inner_text()
    c.goto(server.base + "/account")
    assert "No name given yet." in c.locator("#name-hint").inner_text()
    c.fill("#name-form input[name=display_name]", "Dr Ana Ruiz")
    c.click("#name-form button[type=submit]")
    c.wait_for_url(re.compile(r"/account\?named=1"))
    assert "Others now see you as Dr Ana Ruiz." in " ".join(c.locator("#name-saved").inner_text().split())
    assert c.input_value("#name-form input[name=display_name]") == "Dr Ana Ruiz"
    p.goto(server.base + "/appointments")
    assert p.locator("#send-to-one").inner_text() == "This request goes to Dr Ana Ruiz (doc@clinic.example.org)."
    p.goto(server.base + "/sharing")
    assert p.locator("ul.access .who").first.inner_text() == "Dr Ana Ruiz"
    p.context.close()
    c.context.close()
