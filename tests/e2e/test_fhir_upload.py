"""The clinician uploads a hospital's FHIR bundle on the patient's page in Chromium (2026-12-07): the
preview says what will be imported and what is skipped with nothing saved, the confirmation imports
it, the page then says what came in and shows the hospital's MRN; both pages pass axe (WCAG A/AA).
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_challenges import token
from tests.e2e.test_journeys import create_clinician, link_by_invite, login, register
from tests.interop.test_fhir_import_foreign_patient import ITCH, LOINC_POEM, POEM_ANSWERS, ehr_bundle

pytestmark = pytest.mark.e2e


def test_clinician_uploads_previews_and_imports_a_bundle(server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    from tests.e2e.test_accessibility import run_axe

    base = server.base
    create_clinician(server, "fhir@clinic.example.org")
    ctx = browser.new_context()
    p = ctx.new_page()
    register(p, base, "maja@example.org", "Maja Lindqvist")
    pid = link_by_invite(p, base, "fhir@clinic.example.org")
    ctx.close()

    f = tmp_path / "from-hospital.json"
    f.write_text(json.dumps(ehr_bundle(), indent=1), encoding="utf-8")
    ctx = browser.new_context()
    c = ctx.new_page()
    login(c, base, "fhir@clinic.example.org")
    c.goto(f"{base}/clinic/patients/{pid}")
    c.get_by_label("Bundle file (JSON)").set_input_files(str(f))
    c.get_by_role("button", name="Check the file").click()
    c.wait_for_url(f"{base}/clinic/patients/{pid}/fhir/preview")
    days = len(set(POEM_ANSWERS) | set(LOINC_POEM) | set(ITCH))
    assert c.locator("#fhir-days").inner_text() == f"{days} diary days"
    assert c.locator("#fhir-questionnaires").inner_text() == "3 questionnaires"
    assert "MRN-0042117" in c.locator("#fhir-summary").inner_text()
    assert c.locator("#fhir-ignored-none").inner_text() == "Nothing."
    axe = Axe()
    assert run_axe(c, axe, "/clinic/patients/fhir/preview") == []
    owner = token(base, "maja@example.org")
    assert httpx.get(base + "/api/v1/me/diary", headers=owner).json() == []  # nothing saved by the preview

    c.get_by_role("button", name="Import into Maja Lindqvist's record").click()
    c.wait_for_url(f"{base}/clinic/patients/{pid}?fhir_imported=*")
    assert c.locator("#fhir-imported").inner_text() == (
        f"Imported {days} diary days, 3 questionnaires and 2 identifiers of another system.")
    assert "MRN-0042117" in c.locator("#patient-identifiers").inner_text()
    assert run_axe(c, axe, f"/clinic/patients/{pid}") == []
    got = {d["date"]: d["itch"] for d in httpx.get(base + "/api/v1/me/diary", headers=owner).json() if d["itch"] is not None}
    assert got == ITCH

    # the same file again: refused by name (the days are there), nothing doubled
    c.get_by_label("Bundle file (JSON)").set_input_files(str(f))
    c.get_by_role("button", name="Check the file").click()
    assert "already has a diary entry on" in c.locator("#fhir-error").inner_text()
    assert c.locator("#fhir-confirm-form").count() == 0
    ctx.close()
