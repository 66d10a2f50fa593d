"""A FHIR bundle with nothing gutskin imports (2026-12-07): a Patient alone (the export of a diary not
started, an EHR's patient lookup), a Patient with appointments and an encounter, a stool test's results.
It was imported as nothing, silently: the summary said 0 days and, for the operator, a new empty
profile was made for it. Now it is refused with what the bundle holds and what gutskin reads, and
nothing is written: by the operator's ``gutskin import fhir``, the clinician's upload and the
person's own upload on My data (whose bundle of the clinic's findings alone, skipped there, is
refused the same way). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from gutskin.clinic import assessments
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.errors import InvalidInput
from gutskin.clinic.fhir import export_bundle, import_bundle
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, DiaryDay, Patient, PatientIdentifier, QuestionnaireResponse
from tests.interop.test_fhir_import_foreign_patient import MRN_SYSTEM, ehr_bundle
from tests.safety.test_attacks import login_page

READS = ("and nothing gutskin can import: gutskin reads Observations of diary days (itch, sleep loss, flare, "
         "PO-SCORAD, POEM, notes and factors such as foods and exposures) and of the clinic's EASI and SCORAD, "
         "QuestionnaireResponses to its questionnaires (POEM, RECAP, ADCT, DLQI ...) and AllergyIntolerances of "
         "foods decided by a clinician")


def _patient_only(engine, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """gutskin's export of a profile whose diary has not started."""
    with transaction(engine) as s:
        return export_bundle(s, SYSTEM, people.owner_pid)


def _ehr_patient_with(*extra: dict[str, Any]) -> dict[str, Any]:
    """The hospital's bundle with its Patient only, and ``extra`` resources."""
    bundle = ehr_bundle()
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    for r in extra:
        bundle["entry"].append({"fullUrl": f"urn:uuid:{r['id']}", "request": {"method": "PUT",
                                "url": f"{r['resourceType']}/{r['id']}"}, "resource": r})
    return bundle


APPOINTMENT = {"resourceType": "Appointment", "id": "ap-1", "status": "booked", "start": "2026-12-14T09:00:00+01:00",
               "end": "2026-12-14T09:30:00+01:00",
               "participant": [{"actor": {"reference": "Patient/pat-4711"}, "status": "accepted"}]}
ENCOUNTER = {"resourceType": "Encounter", "id": "enc-1", "status": "finished",
             "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
             "subject": {"reference": "Patient/pat-4711"}}


def _counts(engine) -> tuple[int, int, int, int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (Patient, DiaryDay, QuestionnaireResponse, PatientIdentifier, AuditEvent))


def test_a_patient_alone_is_refused_naming_what_it_holds(engine, people) -> None:  # type: ignore[no-untyped-def]
    bundle = _patient_only(engine, people)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Patient") == 1 and not {"Observation", "QuestionnaireResponse"} & set(kinds), kinds
    before = _counts(engine)
    with pytest.raises(InvalidInput) as e:  # the operator's import of it made a new, empty profile p-copy
        import_bundle(engine, SYSTEM, bundle, patient_ref="p-copy")
    msg = str(e.value)
    assert msg.startswith("this bundle holds 1 Patient") and READS in msg and msg.endswith("; nothing was imported"), msg
    assert _counts(engine) == before


def test_an_ehr_patient_with_appointments_is_refused(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:  # named as the hospital names her: the identity check would pass
        p = s.get(Patient, people.owner_pid)
        p.display_name, p.birth_year = "Maja Lindqvist", 2016
    before = _counts(engine)
    with pytest.raises(InvalidInput) as e:
        import_bundle(engine, SYSTEM, _ehr_patient_with(APPOINTMENT, ENCOUNTER), into=people.owner_pid)
    assert str(e.value).startswith(f"this bundle holds 1 Patient, 1 Appointment and 1 Encounter {READS}"), e.value
    assert _counts(engine) == before  # not even the MRN kept on the profile


def test_microbiome_results_alone_are_refused_saying_where_they_go(engine, people) -> None:  # type: ignore[no-untyped-def]
    from tests.interop.test_fhir_microbiome_results import _upload

    _upload(engine, people, dt.date(2026, 9, 10), "16S")
    bundle = _patient_only(engine, people)
    before = _counts(engine)
    with pytest.raises(InvalidInput) as e:
        import_bundle(engine, SYSTEM, bundle, patient_ref="p-copy")
    msg = str(e.value)
    assert re.match(r"this bundle holds 1 Patient, 1 Specimen, \d+ Observations \(microbiome results\)", msg), msg
    assert "microbiome results are not imported (upload the lab's file on the Gut microbiome page)" in msg
    assert _counts(engine) == before


def test_the_command_refuses_it_in_one_line(db_url, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gutskin.cli import app
    from gutskin.settings import get_settings
    from tests.conftest import People

    engine = get_engine(db_url)
    people = People(engine)
    f = tmp_path / "patient-only.json"
    f.write_text(json.dumps(_patient_only(engine, people)), encoding="utf-8")
    before = _counts(engine)
    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["import", "fhir", str(f), "--patient", "p-copy"])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stdout == ""
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"error: {f}: this bundle holds 1 Patient, 1 Device and 1 Provenance {READS}"), line
    assert _counts(engine) == before


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_clinicians_upload_refuses_it(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    with transaction(engine) as s:
        p = s.get(Patient, pid)
        p.display_name, p.birth_year = "Maja Lindqvist", 2016
    login_page(client, "linked@clinic.example.org")
    token = _csrf(client.get(f"/clinic/patients/{pid}").text)
    before = _counts(engine)
    r = client.post(f"/clinic/patients/{pid}/fhir/preview", data={"csrf_token": token},
                    files={"file": ("patient.json", json.dumps(_ehr_patient_with(APPOINTMENT)).encode(),
                                    "application/fhir+json")})
    assert r.status_code == 422, r.text[:2000]
    assert "this bundle holds 1 Patient and 1 Appointment and nothing gutskin can import" in r.text
    assert 'id="fhir-confirm-form"' not in r.text
    with transaction(engine) as s:  # the refused preview leaves no identifier and no days
        assert s.scalar(select(func.count()).select_from(PatientIdentifier)) == before[3]
        assert s.scalar(select(func.count()).select_from(DiaryDay)) == before[1]


def test_my_own_upload_of_the_clinics_findings_alone_is_refused(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """One's own export holding only a clinician's EASI: on My data the clinic's findings are skipped,
    so nothing was left and the preview offered to import nothing."""
    from tests.interop.test_fhir_own_upload import _EASI

    pid = people.owner_pid
    with transaction(engine) as s:
        assessments.record(s, people.clinician, pid, "easi", _EASI, dt.date(2026, 11, 20))
    bundle = _patient_only(engine, people)
    with transaction(engine) as s:
        s.execute(delete(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == pid))
    login_page(client, "owner@example.org")
    token = _csrf(client.get("/data").text)
    before = _counts(engine)
    r = client.post(f"/profiles/{pid}/fhir/preview", data={"csrf_token": token},
                    files={"file": ("record.json", json.dumps(bundle).encode(), "application/fhir+json")})
    assert r.status_code == 422, r.text[:2000]
    assert "and nothing you can import: the clinic&#39;s EASI and SCORAD" in r.text, r.text[:3000]
    assert 'id="fhir-confirm-form"' not in r.text
    assert _counts(engine)[:4] == before[:4]
