"""A parent with two children in headless Chromium against a real server, on SQLite and PostgreSQL.

Sam registers, adds Mia (born 2023) and Leo (born 2017), shares only Leo's record with the
allergist; the allergist plans an egg challenge for Leo and sees neither Mia nor Sam (pages, API,
FHIR, PDF: 404); Sam follows Leo's step on a phone, in words about Leo; a refused import of Leo's
old diary keeps Leo chosen; Sam deletes Mia's profile.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.test_challenges import _log_baseline, shift_back, token
from tests.e2e.test_journeys import PASSWORD, login, register

pytestmark = pytest.mark.e2e


def add_child(p, base: str, name: str, year: str) -> int:  # type: ignore[no-untyped-def]
    p.goto(base + "/data")
    p.fill("input[name=display_name]", name)
    p.fill("input[name=birth_year]", year)
    p.click("form[action='/profiles/child'] button")
    p.wait_for_url(re.compile(r"/today\?patient=\d+$"))
    assert p.locator("#logging-for").inner_text() == f"Logging for {name}."
    return int(p.url.rsplit("=", 1)[1])


def test_a_parent_shares_one_childs_record_and_follows_its_challenge(server, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    made = server.cli("users", "create", "--email", "doc@clinic.example.org", "--role", "clinician", "--password", PASSWORD)
    assert made.returncode == 0, made.stderr
    p = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    register(p, base, "sam@example.org", "Sam")
    mia = add_child(p, base, "Mia", "2023")
    leo = add_child(p, base, "Leo", "2017")
    sam = httpx.get(base + "/api/v1/me", headers=token(base, "sam@example.org")).json()["patient_id"]

    # a wrong line in Leo's old diary: refused, and Leo stays chosen for the corrected file
    old = tmp_path / "leo-old.csv"
    old.write_text("patient,date,itch\nleo,2026-09-01,4\nleo,2026-09-02,12\n")
    p.goto(base + "/data")
    p.select_option("select[name=patient]", str(leo))
    p.set_input_files("input[name=file]", str(old))
    p.click("form[action='/data/import'] button")
    assert "line 3, column itch" in p.locator("#import-error").inner_text()
    assert p.locator("select[name=patient]").input_value() == str(leo)
    old.write_text("patient,date,itch\nleo,2026-09-01,4\nleo,2026-09-02,2\n")
    p.set_input_files("input[name=file]", str(old))
    p.click("form[action='/data/import'] button")
    assert p.locator("#import-done").inner_text() == "Imported 2 days."
    me = token(base, "sam@example.org")
    assert len(httpx.get(f"{base}/api/v1/me/diary?patient_id={leo}", headers=me).json()) == 2
    assert httpx.get(f"{base}/api/v1/me/diary", headers=me).json() == []  # nothing went into Sam's own

    # only Leo's record is shared
    p.goto(f"{base}/sharing?patient={leo}")
    p.click("#new-invite")
    code = p.locator("#invite-code").inner_text().strip()
    c = browser.new_context().new_page()
    login(c, base, "doc@clinic.example.org")
    c.wait_for_url(re.compile(r"/clinic"))
    c.fill("input[name=code]", code)
    c.click("form[action='/clinic/link'] button")
    c.wait_for_selector("text=Patient linked.")
    assert c.locator("table.panel tbody tr").all_inner_texts()[0].startswith("Leo")
    assert c.locator("table.panel tbody tr").count() == 1
    doc = token(base, "doc@clinic.example.org")
    for other in (mia, sam):
        assert c.request.get(f"{base}/clinic/patients/{other}").status == 404
        for what in ("diary", "questionnaires", "fhir", "report.pdf", "challenges"):
            assert httpx.get(f"{base}/api/v1/patients/{other}/{what}", headers=doc).status_code == 404, (other, what)

    # the allergist sees Leo's age and plans a home egg challenge
    c.goto(f"{base}/clinic/patients/{leo}")
    assert "Born 2017; a child's profile, kept by a parent" in c.locator("#patient-facts").inner_text()
    c.click("#challenges-link")
    c.wait_for_selector("#plan-form")
    c.select_option("select[name=food]", "food.egg")
    c.check("input[name=released_for_home]")
    c.fill("input[name=baseline_days]", "7")
    c.fill("textarea[name=doses]", "0: 1/4 cooked egg\n3: 1/2 cooked egg")
    c.click("#create-plan")
    c.wait_for_url(re.compile(r"/clinic/challenges/\d+$"))
    cid = int(c.url.rstrip("/").split("/")[-1])

    # Sam follows Leo's step: the words are about Leo, not Sam
    p.goto(f"{base}/challenges?patient={leo}")
    assert p.locator(f"#today-step-{cid}").inner_text().startswith("Give Leo no egg today; log Leo's day")
    p.click(f"#adhered-{cid}")
    p.wait_for_selector("#adherence-done")
    shift_back(server.db_url, cid, 7)
    _log_baseline(server.db_url, cid)  # Leo's baseline week logged: the first step waits for it (2026-12-07)
    p.goto(f"{base}/challenges?patient={leo}")
    assert p.locator("#take-dose").inner_text() == "Leo ate 1/4 cooked egg"
    p.check("input[name=checked]")
    p.click("#take-dose")
    assert "log Leo's day" in p.locator("#dose-done").inner_text()
    p.goto(f"{base}/challenges?patient={mia}")
    assert p.locator("#no-challenge").inner_text().startswith("Mia has no food challenge running")
    p.goto(f"{base}/challenges")
    assert p.locator("#no-challenge").inner_text().startswith("You have no food challenge running")

    # Mia's profile goes; Leo's record and the allergist's access stay
    p.goto(base + "/data")
    p.click(f"#profile-{mia} summary")
    p.fill(f"#profile-{mia} input[name=password]", PASSWORD)
    p.click(f"#profile-{mia} button[type=submit]")
    assert p.locator("#profile-removed").inner_text() == "The profile and its records are deleted."
    assert p.request.get(f"{base}/today?patient={mia}").status == 404
    assert httpx.get(f"{base}/api/v1/patients/{leo}/diary", headers=doc).status_code == 200
