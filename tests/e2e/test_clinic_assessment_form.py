"""The clinician records SCORAD and EASI on the patient's page in Chromium (2026-12-06): a refused
form marks the field it names and keeps what was typed; a saved one shows the total and its band,
and the Scores table lists it as the clinic's."""

from __future__ import annotations

import pytest

from tests.e2e.test_journeys import create_clinician, link_by_invite, login, register

pytestmark = pytest.mark.e2e

EASI = {"head_neck": ("Head and neck", 20, ("2", "1", "1", "0")),
        "upper_limbs": ("Upper limbs", 40, ("2", "2", "1.5", "1")),
        "trunk": ("Trunk", 5, ("1", "1", "0", "0")),
        "lower_limbs": ("Lower limbs", 60, ("2.5", "2", "2", "1.5"))}
SIGNS = ("erythema", "induration / papulation", "excoriation", "lichenification")


def test_clinician_records_scorad_and_easi_in_the_browser(server, browser) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    create_clinician(server, "easi@clinic.example.org")
    ctx = browser.new_context()
    p = ctx.new_page()
    register(p, base, "visit@example.org", "Vi")
    pid = link_by_invite(p, base, "easi@clinic.example.org")
    ctx.close()

    ctx = browser.new_context()
    p = ctx.new_page()
    login(p, base, "easi@clinic.example.org")
    p.goto(f"{base}/clinic/patients/{pid}")
    # SCORAD with dryness not graded: refused on that field, the rest kept
    p.get_by_text("Record SCORAD", exact=True).click()
    p.get_by_label("Extent (%) of the body").fill("30")
    for label, grade in (("Erythema", "2"), ("Oedema / papulation", "1"), ("Oozing / crusting", "1"),
                         ("Excoriation", "2"), ("Lichenification", "0")):
        p.locator("#scorad-form").get_by_label(label, exact=True).select_option(grade)
    p.get_by_label("Itch, last 3 days (0-10)").fill("6")
    p.get_by_label("Sleeplessness, last 3 nights (0-10)").fill("4")
    p.get_by_role("button", name="Save SCORAD").click()
    p.wait_for_selector("#scorad-error")
    assert "Dryness: not graded" in p.locator("#scorad-error").inner_text()
    assert p.evaluate("document.activeElement.id") == "scorad-error"  # the list of problems has the focus
    dryness = p.get_by_label("Dryness (uninvolved skin)")
    assert dryness.get_attribute("aria-invalid") == "true"
    assert p.get_by_label("Extent (%) of the body").input_value() == "30"
    assert p.locator("#scorad-form").get_by_label("Erythema", exact=True).input_value() == "2"
    dryness.select_option("1")
    p.get_by_role("button", name="Save SCORAD").click()
    p.wait_for_selector("#assessment-saved")
    saved = p.locator("#assessment-saved").inner_text()
    assert "SCORAD recorded" in saved and "40.5, moderate" in saved and "objective SCORAD 30.5 (moderate)" in saved, saved
    # EASI: the profile gives no birth year, so the age is entered
    p.get_by_text("Record EASI", exact=True).click()
    p.get_by_label("Age in years").fill("40")
    for _region, (words, area, grades) in EASI.items():
        p.get_by_label(f"{words}, area affected (%)").fill(str(area))
        for sign, grade in zip(SIGNS, grades):
            p.get_by_label(f"{words}, {sign}", exact=True).select_option(grade)
    p.get_by_role("button", name="Save EASI").click()
    p.wait_for_selector("#assessment-saved:has-text('EASI')")
    saved = p.locator("#assessment-saved").inner_text()
    assert "EASI recorded" in saved and "18.1, moderate" in saved, saved
    rows = p.get_by_role("table", name="Scores").locator("tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert any("EASI" in t and "18.1" in t and "the clinic" in t for t in texts), texts
    assert any("SCORAD" in t and "40.5" in t and "the clinic" in t for t in texts), texts
    ctx.close()
