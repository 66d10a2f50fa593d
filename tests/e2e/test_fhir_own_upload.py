"""A patient uploads a FHIR bundle into their own record on My data in Chromium (2026-12-07; only the
clinician's page took one before): the preview says what will be added with nothing saved, the
confirmation imports it and My data says what came in; the same file again is refused naming the
day, nothing doubled; the pages pass axe (WCAG A/AA). SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_challenges import token
from tests.e2e.test_journeys import register
from tests.interop.test_fhir_import_foreign_patient import ITCH, LOINC_POEM, POEM_ANSWERS, ehr_bundle

pytestmark = pytest.mark.e2e


def test_patient_uploads_previews_and_imports_a_bundle_into_their_record(server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    from tests.e2e.test_accessibility import run_axe

    base = server.base
    f = tmp_path / "my-record.json"
    f.write_text(json.dumps(ehr_bundle(), indent=1), encoding="utf-8")
    ctx = browser.new_context()
    p = ctx.new_page()
    register(p, base, "maja@example.org", "Maja Lindqvist")
    owner = token(base, "maja@example.org")
    p.goto(f"{base}/data")
    form = p.locator("form[action$='/fhir/preview']")
    assert form.count() == 1
    pid = int(re.fullmatch(r"/profiles/(\d+)/fhir/preview", form.get_attribute("action") or "").group(1))  # type: ignore[union-attr]
    axe = Axe()
    assert run_axe(p, axe, "/data") == []

    p.get_by_label("Health record of Maja Lindqvist (FHIR JSON)").set_input_files(str(f))
    p.get_by_role("button", name="Check the file for Maja Lindqvist").click()
    p.wait_for_url(f"{base}/profiles/{pid}/fhir/preview")
    days = len(set(POEM_ANSWERS) | set(LOINC_POEM) | set(ITCH))
    assert p.locator("#fhir-days").inner_text() == f"{days} diary days"
    assert p.locator("#fhir-questionnaires").inner_text() == "3 questionnaires"
    assert p.locator("#fhir-ignored-none").inner_text() == "Nothing."
    assert run_axe(p, axe, "/profiles/fhir/preview") == []
    assert httpx.get(base + "/api/v1/me/diary", headers=owner).json() == []  # nothing saved by the preview

    p.get_by_role("button", name="Import into my record").click()
    p.wait_for_url(f"{base}/data?fhir_imported=*")
    assert p.locator(f"#fhir-imported-{pid}").inner_text() == (
        f"Imported {days} diary days, 3 questionnaires and 2 identifiers of another system.")
    assert run_axe(p, axe, "/data") == []
    got = {d["date"]: d["itch"] for d in httpx.get(base + "/api/v1/me/diary", headers=owner).json() if d["itch"] is not None}
    assert got == ITCH

    # the same file again: refused naming the first day already there, no confirm button, nothing doubled
    p.get_by_label("Health record of Maja Lindqvist (FHIR JSON)").set_input_files(str(f))
    p.get_by_role("button", name="Check the file for Maja Lindqvist").click()
    first = min(set(POEM_ANSWERS) | set(LOINC_POEM) | set(ITCH))
    assert f"already has a diary entry on {first}" in p.locator("#fhir-error").inner_text()
    assert p.locator("#fhir-confirm-form").count() == 0
    assert len(httpx.get(base + "/api/v1/me/diary", headers=owner).json()) == days
    ctx.close()
