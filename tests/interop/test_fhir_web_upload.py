"""The clinician's FHIR upload on the patient page (2026-12-07): there was no way to import a bundle but
the operator's CLI. Now: upload a JSON bundle (at most the site's upload cap), see the CLI's import
summary (what will be imported, what is skipped, the identifiers matched or kept) with nothing saved,
confirm to import: all or nothing, audited; refusals name the entry and field. Only a clinician the
patient shares with: an unlinked clinician 404, a patient 403. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from gutskin.clinic import diary
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, DiaryDay, PatientIdentifier, QuestionnaireResponse
from tests.interop.test_fhir_import_foreign_patient import ITCH, POEM_ANSWERS, LOINC_POEM, MRN_SYSTEM, ehr_bundle
from tests.safety.test_attacks import login_page


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _preview(client, pid: int, content: bytes, name: str = "from-ehr.json"):  # type: ignore[no-untyped-def]
    token = _csrf(client.get(f"/clinic/patients/{pid}").text)
    return client.post(f"/clinic/patients/{pid}/fhir/preview", data={"csrf_token": token},
                       files={"file": (name, content, "application/fhir+json")})


def _confirm_form(page: str) -> dict[str, str]:
    form = re.search(r'<form method="post" action="[^"]+/fhir/import" id="fhir-confirm-form">(.*?)</form>', page, re.S)
    assert form, page[:3000]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(1)))


def _state(engine, pid: int) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return (s.scalar(select(func.count()).select_from(DiaryDay).where(DiaryDay.patient_id == pid)),
                s.scalar(select(func.count()).select_from(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == pid)),
                s.scalar(select(func.count()).select_from(PatientIdentifier).where(PatientIdentifier.patient_id == pid)))


def _maja(engine, pid: int) -> None:  # type: ignore[no-untyped-def]
    """The profile named as the hospital's bundle names the patient (the identity check passes)."""
    from gutskin.store.models import Patient

    with transaction(engine) as s:
        p = s.get(Patient, pid)
        p.display_name, p.birth_year = "Maja Lindqvist", 2016


def _audits(engine, pid: int) -> list[tuple[int | None, str, str]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [tuple(r) for r in s.execute(select(AuditEvent.actor_user_id, AuditEvent.action, AuditEvent.object_type)
                                            .where(AuditEvent.patient_id == pid,
                                                   AuditEvent.object_type.in_(("fhir_bundle", "fhir_import_preview",
                                                                               "patient_identifier")))
                                            .order_by(AuditEvent.id)).all()]


def test_the_linked_clinician_previews_then_imports(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    _maja(engine, pid)
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{pid}").text
    assert 'action="/clinic/patients/%d/fhir/preview" enctype="multipart/form-data"' % pid in page
    assert "at most 20 MB" in page
    bundle = ehr_bundle()
    bundle["entry"].append({"fullUrl": "urn:uuid:org-1", "request": {"method": "PUT", "url": "Organization/org-1"},
                            "resource": {"resourceType": "Organization", "id": "org-1", "name": "Hospital"}})
    r = _preview(client, pid, json.dumps(bundle, indent=2).encode())
    assert r.status_code == 200, r.text[:3000]
    days = len(set(POEM_ANSWERS) | set(LOINC_POEM) | set(ITCH))
    assert f'<li id="fhir-days">{days} diary days</li>' in r.text and '<li id="fhir-questionnaires">3 questionnaires</li>' in r.text
    assert f"kept: identifier <bdi>{MRN_SYSTEM}|MRN-0042117</bdi>" in r.text
    assert "<li>1 × Organization</li>" in r.text  # what is skipped
    assert _state(engine, pid) == (0, 0, 0)  # nothing saved by the preview
    assert _audits(engine, pid) == [(people.clinician.user_id, "read", "fhir_import_preview")]
    r = client.post(f"/clinic/patients/{pid}/fhir/import", data=_confirm_form(r.text), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/clinic/patients/{pid}?fhir_imported="), r.text[:2000]
    assert _state(engine, pid) == (days, 3, 2)
    assert _audits(engine, pid)[1:] == [(people.clinician.user_id, "create", "patient_identifier")] * 2 + [
        (people.clinician.user_id, "import", "fhir_bundle")]
    page = client.get(r.headers["location"]).text
    assert (f'<p class="notice" role="status" id="fhir-imported">Imported {days} diary days, 3 questionnaires and '
            "2 identifiers of another system.</p>") in page
    assert "MRN-0042117</bdi>" in page
    # the note is signed: a link cannot write it
    assert 'id="fhir-imported"' not in client.get(f"/clinic/patients/{pid}?fhir_imported=Imported+500+days").text


def test_bad_files_are_refused_by_name_and_nothing_is_saved(people, engine, settings) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gutskin.web import create_app

    pid = people.owner_pid
    big = ehr_bundle()
    small_cap = len(json.dumps(big)) + 50  # the bundle as sent compactly passes, indented it does not
    bad_value = ehr_bundle()
    bad_value["entry"][-1]["resource"]["valueQuantity"]["value"] = 14
    with TestClient(create_app(settings.model_copy(update={"upload_max_bytes": small_cap}))) as client:
        login_page(client, "linked@clinic.example.org")
        for content, name, status, words in (
                (b"{not json", "a.json", 422, "a.json: not JSON"),
                (b"<Bundle xmlns=\"http://hl7.org/fhir\"/>", "b.xml", 422, "b.xml: FHIR XML is not supported"),
                (b"", "empty.json", 422, "empty.json: the file is empty"),
                (b"\xff\xfe{}", "latin.json", 422, "latin.json: not JSON (not UTF-8 text at byte 0)"),
                (json.dumps({"resourceType": "Patient"}).encode(), "p.json", 422, "Bundle: resourceType: expected &#39;Bundle&#39;"),
                (json.dumps(bad_value).encode(), "v.json", 422,
                 "entry[8] Observation/itch-2: valueQuantity.value: expected a value 0-10, got 14"),
                (json.dumps(big, indent=8).encode(), "big.json", 422, f"big.json: larger than {small_cap} bytes")):
            r = _preview(client, pid, content, name)
            assert r.status_code == status, (name, r.status_code, r.text[:2000])
            assert words in r.text, (name, re.findall(r'id="fhir-error">(.*?)</p>', r.text, re.S))
            assert 'id="fhir-confirm-form"' not in r.text
        # a hand-made confirm field is refused, not inflated
        token = _csrf(client.get(f"/clinic/patients/{pid}").text)
        r = client.post(f"/clinic/patients/{pid}/fhir/import", data={"csrf_token": token, "bundle": "not base64!"})
        assert r.status_code == 422 and "did not come back whole" in r.text
    assert _state(engine, pid) == (0, 0, 0)


def test_a_stranger_gets_404_and_a_patient_403(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    _maja(engine, pid)
    login_page(client, "linked@clinic.example.org")
    preview = _preview(client, pid, json.dumps(ehr_bundle()).encode())
    form = _confirm_form(preview.text)
    before = _audits(engine, pid)
    for email, status in (("unlinked@clinic.example.org", 404), ("owner@example.org", 403), ("stranger@example.org", 403)):
        client.cookies.clear()
        login_page(client, email)
        token = _csrf(client.get("/account").text)
        r = client.post(f"/clinic/patients/{pid}/fhir/preview", data={"csrf_token": token},
                        files={"file": ("x.json", json.dumps(ehr_bundle()).encode(), "application/json")})
        assert r.status_code == status, (email, r.status_code)
        r = client.post(f"/clinic/patients/{pid}/fhir/import", data={**form, "csrf_token": token})
        assert r.status_code == status, (email, r.status_code)
        assert "MRN-0042117" not in r.text
    assert _state(engine, pid) == (0, 0, 0) and _audits(engine, pid) == before


def test_the_import_is_all_or_nothing(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """A day logged between the preview and the confirmation: the confirmation is refused naming it,
    and nothing of the bundle is kept (neither the other days, the answers nor the identifiers)."""
    pid = people.owner_pid
    _maja(engine, pid)
    login_page(client, "linked@clinic.example.org")
    preview = _preview(client, pid, json.dumps(ehr_bundle()).encode())
    assert preview.status_code == 200
    last = sorted(ITCH)[-1]
    import datetime as dt

    with transaction(engine) as s:
        diary.put_day(s, people.owner, pid, dt.date.fromisoformat(last), diary.DayInput(itch=2))
    r = client.post(f"/clinic/patients/{pid}/fhir/import", data=_confirm_form(preview.text))
    assert r.status_code == 409 and f"already has a diary entry on {last}; nothing was imported" in r.text, r.text[:2000]
    assert _state(engine, pid) == (1, 0, 0)
    assert ("import", "fhir_bundle") not in [(a, o) for _, a, o in _audits(engine, pid)]


def test_an_identity_difference_is_shown_and_can_be_accepted(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    with transaction(engine) as s:
        from gutskin.store.models import Patient

        p = s.get(Patient, pid)
        p.display_name, p.birth_year = "Maja Lindkvist", 2015
    login_page(client, "linked@clinic.example.org")
    r = _preview(client, pid, json.dumps(ehr_bundle()).encode())
    assert r.status_code == 409 and "differ in name and birth year" in r.text and "They are the same person" in r.text
    assert "--accept-identity-difference" not in r.text
    again = re.search(r'<form method="post" action="[^"]+/fhir/preview" id="fhir-accept-form">(.*?)</form>', r.text, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', again.group(1)))  # type: ignore[union-attr]
    r = client.post(f"/clinic/patients/{pid}/fhir/preview", data={**fields, "accept": "1"})
    assert r.status_code == 200 and "differing in name and birth year (accepted as the same person)" in r.text
    assert _state(engine, pid) == (0, 0, 0)
    form = _confirm_form(r.text)
    assert form["accept"] == "1"
    r = client.post(f"/clinic/patients/{pid}/fhir/import", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert _state(engine, pid)[1] == 3


def test_a_gutskin_export_of_another_patient_is_refused_on_this_page(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.fhir import export_bundle

    with transaction(engine) as s:
        diary.put_day(s, people.stranger, people.stranger_pid, __import__("datetime").date(2026, 10, 1), diary.DayInput(itch=5))
        theirs = export_bundle(s, SYSTEM, people.stranger_pid)
    login_page(client, "linked@clinic.example.org")
    r = _preview(client, people.owner_pid, json.dumps(theirs).encode())
    assert r.status_code == 409 and "the bundle is the export of patient" in r.text, r.text[:2000]
    assert _state(engine, people.owner_pid) == (0, 0, 0)

