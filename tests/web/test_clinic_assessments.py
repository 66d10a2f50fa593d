"""The clinician records EASI and SCORAD at a visit (gutskin.clinic.assessments, 2026-12-06): scored by
gutskin.instruments (the worked examples pinned in tests/instruments), stored as the clinic's, one per
instrument and day, refused to patients (403) and to unlinked or revoked clinicians (404), and shown
where scores are shown: the clinician's Scores table, the visit report and the FHIR export."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from gutskin.clinic import zones
from gutskin.clinic.errors import Forbidden, InvalidInput, NotFound
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Consent, Patient, QuestionnaireResponse
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

# The EASI worked example of tests/instruments/test_easi.py (user guide formula): adult 18.1 moderate,
# the same findings in a 5-year-old 15.7
EASI_REGIONS = {
    "head_neck": {"area_percent": 20, "erythema": 2, "induration": 1, "excoriation": 1, "lichenification": 0},
    "upper_limbs": {"area_percent": 40, "erythema": 2, "induration": 2, "excoriation": 1.5, "lichenification": 1},
    "trunk": {"area_percent": 5, "erythema": 1, "induration": 1, "excoriation": 0, "lichenification": 0},
    "lower_limbs": {"area_percent": 60, "erythema": 2.5, "induration": 2, "excoriation": 2, "lichenification": 1.5},
}
# The SCORAD worked example of tests/instruments/test_scorad.py: A 30, B 7, itch 6, sleep 4 -> 40.5, oSCORAD 30.5
SCORAD = {"extent_percent": 30, "intensity": {"erythema": 2, "oedema_papulation": 1, "oozing_crusting": 1,
                                              "excoriation": 2, "lichenification": 0, "dryness": 1},
          "itch": 6, "sleep_loss": 4}


def _born(engine, pid: int, year: int | None) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        s.get(Patient, pid).birth_year = year


def _today(engine, pid: int) -> dt.date:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return zones.patient_today(s, pid)


def _record(engine, actor, pid, instrument, body):  # type: ignore[no-untyped-def]
    from gutskin.clinic import assessments

    with transaction(engine) as s:
        return assessments.record(s, actor, pid, instrument, body)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


# --- service -------------------------------------------------------------------------------------

def test_easi_weights_follow_the_profile_age(engine, people) -> None:
    today = _today(engine, people.owner_pid)
    _born(engine, people.owner_pid, today.year - 40)
    r = _record(engine, people.clinician, people.owner_pid, "easi", {"regions": EASI_REGIONS})
    assert (r["total"], r["band"], r["weights"], r["assessed_on"]) == (18.1, "moderate", "adult", today.isoformat())
    _born(engine, people.owner_pid, today.year - 5)  # 4 or 5 years old: the children's weights
    r = _record(engine, people.clinician, people.owner_pid, "easi", {"regions": EASI_REGIONS})
    assert (r["total"], r["weights"]) == (15.7, "child")
    with transaction(engine) as s:  # the same day again: replaced, not a second result
        rows = s.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == people.owner_pid)).all()
        assert [(q.instrument, q.total, q.author_role, q.author_user_id) for q in rows] == [
            ("easi", 15.7, "clinician", people.clinician.user_id)]
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "assessment")
                            .order_by(AuditEvent.id)).all()
        assert actions == ["create", "update"]


def test_an_age_the_birth_year_leaves_open_is_asked_for(engine, people) -> None:
    today = _today(engine, people.owner_pid)
    _born(engine, people.owner_pid, today.year - 8)  # 7 or 8 this year: the weights differ
    with pytest.raises(InvalidInput, match=r"^age_years: born in"):
        _record(engine, people.clinician, people.owner_pid, "easi", {"regions": EASI_REGIONS})
    with pytest.raises(InvalidInput, match=r"^age_years: 12 does not fit"):
        _record(engine, people.clinician, people.owner_pid, "easi", {"regions": EASI_REGIONS, "age_years": 12})
    r = _record(engine, people.clinician, people.owner_pid, "easi", {"regions": EASI_REGIONS, "age_years": 7})
    assert (r["total"], r["weights"]) == (15.7, "child")
    _born(engine, people.owner_pid, None)
    with pytest.raises(InvalidInput, match=r"^age_years: the profile gives no birth year"):
        _record(engine, people.clinician, people.owner_pid, "easi", {"regions": EASI_REGIONS})


def test_scorad_and_its_objective_part(engine, people) -> None:
    r = _record(engine, people.clinician, people.owner_pid, "scorad", SCORAD)
    assert (r["total"], r["band"], r["objective"], r["objective_band"]) == (40.5, "moderate", 30.5, "moderate")
    r = _record(engine, people.clinician, people.owner_pid, "scorad", {**SCORAD, "itch": None, "sleep_loss": None})
    assert r["total"] is None and r["objective"] == 30.5  # itch and sleep not rated: the objective SCORAD
    with pytest.raises(InvalidInput, match=r"^intensity\.dryness: not graded"):
        _record(engine, people.clinician, people.owner_pid, "scorad",
                {**SCORAD, "intensity": {**SCORAD["intensity"], "dryness": None}})


def test_dates_default_to_the_patients_today_and_never_the_future(engine, people) -> None:
    today = _today(engine, people.owner_pid)
    earlier = (today - dt.timedelta(days=3)).isoformat()
    assert _record(engine, people.clinician, people.owner_pid, "scorad", {**SCORAD, "assessed_on": earlier})["assessed_on"] == earlier
    with pytest.raises(InvalidInput, match=r"^assessed_on: .* is in the future"):
        _record(engine, people.clinician, people.owner_pid, "scorad",
                {**SCORAD, "assessed_on": (today + dt.timedelta(days=1)).isoformat()})


def test_who_may_record(engine, people) -> None:
    with pytest.raises(Forbidden):
        _record(engine, people.owner, people.owner_pid, "scorad", SCORAD)
    with pytest.raises(NotFound):
        _record(engine, people.unlinked, people.owner_pid, "scorad", SCORAD)
    with pytest.raises(NotFound):
        _record(engine, people.clinician, people.stranger_pid, "scorad", SCORAD)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(QuestionnaireResponse)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "assessment")) == 0


# --- API -----------------------------------------------------------------------------------------

def test_api_record_and_list(client, engine, people) -> None:
    url = f"/api/v1/patients/{people.owner_pid}/assessments"
    owner = bearer(client, "owner@example.org")
    assert client.post(f"{url}/scorad", json=SCORAD, headers=owner).status_code == 403
    assert client.post(f"{url}/scorad", json=SCORAD, headers=bearer(client, "unlinked@clinic.example.org")).status_code == 404
    assert client.post(f"{url}/scorad", json=SCORAD, headers=bearer(client, "stranger@example.org")).status_code == 403
    linked = bearer(client, "linked@clinic.example.org")
    r = client.post(f"{url}/scorad", json=SCORAD, headers=linked)
    assert r.status_code == 201, r.text
    assert (r.json()["total"], r.json()["objective"]) == (40.5, 30.5)
    bad = client.post(f"{url}/scorad", json={**SCORAD, "itch": 11}, headers=linked)
    assert bad.status_code == 422 and "itch" in bad.text
    listed = client.get(url, headers=owner)  # the patient reads the clinic's results
    assert listed.status_code == 200
    assert [(a["instrument"], a["total"], a["objective"], a["author_role"]) for a in listed.json()] == [
        ("scorad", 40.5, 30.5, "clinician")]
    assert client.get(url, headers=bearer(client, "unlinked@clinic.example.org")).status_code == 404
    # a revoked consent stops the clinician's recording
    with transaction(engine) as s:
        s.scalars(select(Consent).where(Consent.patient_id == people.owner_pid)).one().revoked_at = dt.datetime(2026, 1, 1)
    assert client.post(f"{url}/scorad", json=SCORAD, headers=linked).status_code == 404


# --- page ----------------------------------------------------------------------------------------

def _easi_form(regions: dict) -> dict[str, str]:
    return {f"regions.{r}.{k}": str(v) for r, fields in regions.items() for k, v in fields.items()}


def test_page_form_records_and_shows_total_band_and_scores_row(client, engine, people) -> None:
    _born(engine, people.owner_pid, _today(engine, people.owner_pid).year - 40)
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{people.owner_pid}").text
    assert 'id="easi-form"' in page and 'id="scorad-form"' in page
    assert '<th id="scores-author">Answered by</th>' in page  # only questionnaires (none yet)
    r = client.post(f"/clinic/patients/{people.owner_pid}/assessments/easi",
                    data={**_easi_form(EASI_REGIONS), "csrf_token": _csrf(page)}, follow_redirects=False)
    assert r.status_code == 303, r.text[-2000:]
    shown = client.get(r.headers["location"]).text
    saved = re.search(r'<p class="ok" role="status" id="assessment-saved">(.*?)</p>', shown, re.S)
    assert saved and "EASI recorded" in saved.group(1) and ">18.1<" in saved.group(1) and "moderate" in saved.group(1)
    row = re.search(r"<tr><td>[0-9-]{10}</td><td>EASI</td>(.*?)</tr>", shown)
    assert row and ">18.1</td>" in row.group(1) and "the clinic" in row.group(1), shown[-3000:]
    # the clinic's EASI is recorded, not answered (the visit report's words; clinician walk 2026-12-06)
    assert '<th id="scores-author">Answered or recorded by</th>' in shown


def test_page_refusal_marks_the_field_and_keeps_what_was_typed(client, engine, people) -> None:
    _born(engine, people.owner_pid, _today(engine, people.owner_pid).year - 40)
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{people.owner_pid}").text
    data = {**_easi_form(EASI_REGIONS), "regions.trunk.area_percent": "101", "csrf_token": _csrf(page)}
    r = client.post(f"/clinic/patients/{people.owner_pid}/assessments/easi", data=data, follow_redirects=False)
    assert r.status_code == 422
    field = re.search(r'<input type="number" name="regions.trunk.area_percent"[^>]*>', r.text).group(0)  # type: ignore[union-attr]
    assert 'aria-invalid="true"' in field and 'value="101"' in field
    assert re.search(r'<div class="error-summary" id="easi-error" role="alert".*?<a href="#easi-regions-trunk-area_percent">'
                     r'Trunk, area affected \(%\): ', r.text, re.S)
    kept = re.search(r'<select name="regions.lower_limbs.excoriation"[^>]*>.*?</select>', r.text, re.S).group(0)  # type: ignore[union-attr]
    assert '<option value="2" selected>' in kept
    # an ungraded SCORAD sign: the select is marked
    r = client.post(f"/clinic/patients/{people.owner_pid}/assessments/scorad",
                    data={"extent_percent": "30", "itch": "6", "sleep_loss": "4", "csrf_token": _csrf(page),
                          **{f"intensity.{k}": str(v) for k, v in SCORAD["intensity"].items() if k != "dryness"}},
                    follow_redirects=False)
    assert r.status_code == 422
    sel = re.search(r'<select name="intensity.dryness"[^>]*>', r.text).group(0)  # type: ignore[union-attr]
    assert 'aria-invalid="true"' in sel
    assert 'id="scorad-extent_percent" name="extent_percent" min="0" max="100" step="any" value="30"' in r.text
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(QuestionnaireResponse)) == 0
    # no CSRF token, no record
    bad = client.post(f"/clinic/patients/{people.owner_pid}/assessments/scorad", data={"extent_percent": "30"},
                      follow_redirects=False)
    assert bad.status_code == 403


# --- report and FHIR -----------------------------------------------------------------------------

def test_report_and_fhir_show_the_clinics_scores(engine, people) -> None:
    from gutskin.clinic.fhir import export_bundle
    from gutskin.clinic.reports import report_data
    from gutskin.interop.fhir import validate_bundle
    from gutskin.interop.fhir_import import parse_bundle
    from gutskin.interop.report import report_html

    _born(engine, people.owner_pid, _today(engine, people.owner_pid).year - 40)
    _record(engine, people.clinician, people.owner_pid, "easi", {"regions": EASI_REGIONS})
    _record(engine, people.clinician, people.owner_pid, "scorad", SCORAD)
    with transaction(engine) as s:
        data = report_data(s, people.clinician, people.owner_pid)
        bundle = export_bundle(s, people.clinician, people.owner_pid)
    assert data["latest_scores"]["easi"]["total"] == 18.1 and data["latest_scores"]["easi"]["author_role"] == "clinician"
    html = report_html(data)
    easi_row = re.search(r"<tr><td>EASI</td>(.*?)</tr>", html, re.S)
    assert easi_row and "18.1" in easi_row.group(1) and "the clinic" in easi_row.group(1), html
    validate_bundle(bundle)
    obs = {c["code"]: e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
           for c in e["resource"]["code"]["coding"] if c["code"] in ("easi-total", "scorad-total")}
    assert obs["easi-total"]["valueQuantity"]["value"] == 18.1
    assert obs["easi-total"]["interpretation"] == [{"text": "moderate"}]
    assert obs["scorad-total"]["valueQuantity"]["value"] == 40.5
    assert obs["scorad-total"]["component"][0]["valueQuantity"]["value"] == 30.5
    from fhir.resources.R4B.observation import Observation

    for o in obs.values():  # every shape, not only one per shape
        Observation.model_validate(o)
    parsed = parse_bundle(bundle)  # the importer re-scores them from their findings (skipped before 2026-12-06)
    assert [(a["instrument"], a["total"], a["band"], a["author_role"]) for a in parsed.assessments] == [
        ("easi", 18.1, "moderate", "clinician"), ("scorad", 40.5, "moderate", "clinician")]
    assert not any(k.startswith("Observation") for k in parsed.ignored)


def test_a_scorad_without_itch_and_sleep_shows_its_objective_score(client, engine, people) -> None:
    """Itch and sleep not rated at the visit: no SCORAD total, but an objective SCORAD (30.5 in the
    worked example). The Scores table and the visit report showed an empty total ('' and '–');
    they show "objective 30.5" and its band, and the FHIR export stays valid."""
    from gutskin.clinic.fhir import export_bundle
    from gutskin.clinic.reports import report_data
    from gutskin.interop.fhir import validate_bundle
    from gutskin.interop.report import report_html

    _record(engine, people.clinician, people.owner_pid, "scorad", {**SCORAD, "itch": None, "sleep_loss": None})
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{people.owner_pid}").text
    row = re.search(r"<tr><td>[0-9-]{10}</td><td>SCORAD</td>(.*?)</tr>", page)
    assert row and '<td class="score">objective 30.5</td><td>moderate</td>' in row.group(1), page[-3000:]
    with transaction(engine) as s:
        data = report_data(s, people.clinician, people.owner_pid)
        bundle = export_bundle(s, people.clinician, people.owner_pid)
    report_row = re.search(r"<tr><td>SCORAD</td>(.*?)</tr>", report_html(data), re.S)
    assert report_row and "objective 30.5" in report_row.group(1) and "moderate" in report_row.group(1)
    validate_bundle(bundle)
