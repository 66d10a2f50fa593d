"""Who measured or answered each score in the FHIR export (2026-12-07).

The clinic's EASI and SCORAD went out as examination Observations with no ``performer``, and the
questionnaires' score Observations with none either, so a receiving EHR could not tell a
clinician's measurement from a patient's answer by the resource. Now:

- an EASI or SCORAD names the clinic (an Organization "the clinic", the words the export already
  uses for a clinician of a pseudonymized bundle) and, with the patient's identity shared, the
  clinician who recorded it (a Practitioner by name, as an Appointment names them); a
  pseudonymized bundle has no Practitioner and no clinician's name or e-mail anywhere;
- a questionnaire's score names who answered: the Patient, or for a child the parent's RelatedPerson;
- the import reads the new bundles (an assessment's performer must be the clinic's, never the Patient
  or a RelatedPerson; a score's must be the Patient or a RelatedPerson of it).

Resources validated with fhir.resources (R4B). SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from gutskin.clinic.fhir import export_bundle
from gutskin.interop import codes as C
from gutskin.interop.fhir_import import BundleError, parse_bundle
from gutskin.store.db import transaction
from gutskin.store.models import Patient
from tests.interop.test_fhir_assessment_import import REGIONS, SIGNS


def _by_url(b: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in b["entry"]}


def _obs(b: dict[str, Any], code: str) -> dict[str, Any]:
    (res,) = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Observation"
              and any(c.get("code") == code for c in e["resource"]["code"].get("coding") or [])]
    return res


def _record(engine, people, share_identity: bool) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from gutskin.clinic import assessments, questionnaires, zones

    with transaction(engine) as s:
        p = s.get(Patient, people.owner_pid)
        p.birth_year, p.share_identity = 1980, share_identity
        day = zones.patient_today(s, people.owner_pid) - dt.timedelta(days=3)
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": [1, 2, 0, 0, 1, 3, 4]}, day)
        assessments.record(s, people.clinician, people.owner_pid, "easi", {"regions": REGIONS}, day)
        assessments.record(s, people.clinician, people.owner_pid, "scorad",
                           {"extent_percent": 30, "intensity": SIGNS, "itch": 6, "sleep_loss": 4}, day)
    with transaction(engine) as s:
        return export_bundle(s, people.clinician, people.owner_pid)


@pytest.mark.parametrize("share_identity", [True, False])
def test_the_clinics_scores_name_the_clinic_and_the_clinician(engine, people, share_identity: bool) -> None:
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.organization import Organization
    from fhir.resources.R4B.practitioner import Practitioner

    b = _record(engine, people, share_identity)
    urls = _by_url(b)
    patient = next(u for u, r in urls.items() if r["resourceType"] == "Patient")
    (clinic,) = [u for u, r in urls.items() if r["resourceType"] == "Organization"]
    assert urls[clinic]["name"] == "the clinic"
    Organization.model_validate(urls[clinic])
    doctors = [u for u, r in urls.items() if r["resourceType"] == "Practitioner"]
    for code in ("easi-total", "scorad-total"):
        obs = _obs(b, code)
        Observation.model_validate(obs)
        refs = [p["reference"] for p in obs["performer"]]
        if share_identity:
            assert refs == [doctors[0], clinic] and len(doctors) == 1, obs["performer"]
            assert obs["performer"][0]["display"] == "Dr Linked"
        else:
            assert refs == [clinic] and not doctors, obs["performer"]
        assert patient not in refs
    if share_identity:
        Practitioner.model_validate(urls[doctors[0]])
        assert urls[doctors[0]]["name"] == [{"text": "Dr Linked"}]
    else:  # pseudonymized: the clinician is "the clinic", as on its Appointment
        assert "Dr Linked" not in str(b) and "linked@clinic" not in str(b)
    # the patient's own POEM: answered and performed by the Patient
    score = _obs(b, C.POEM_TOTAL)
    Observation.model_validate(score)
    assert score["performer"] == [{"reference": patient}]

    # the import reads it: two assessments of the clinic, the POEM the patient's
    parsed = parse_bundle(b)
    assert sorted((a["instrument"], a["author_role"]) for a in parsed.assessments) == [("easi", "clinician"),
                                                                                        ("scorad", "clinician")]
    assert [(q["instrument"], q["author_role"]) for q in parsed.questionnaires] == [("poem", "patient")]
    assert parsed.ignored.get("Organization") == 1 and parsed.ignored.get("Practitioner", 0) == len(doctors)


def test_the_import_refuses_a_patient_performing_the_clinics_score_or_a_stranger_answering(engine, people) -> None:
    b = _record(engine, people, True)
    patient = next(e["fullUrl"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient")
    bad = copy.deepcopy(b)
    _obs(bad, "easi-total")["performer"] = [{"reference": patient}]
    with pytest.raises(BundleError) as err:
        parse_bundle(bad)
    assert "performer[0].reference" in str(err.value) and "the clinic's record" in str(err.value)
    bad = copy.deepcopy(b)
    clinic = next(e["fullUrl"] for e in b["entry"] if e["resource"]["resourceType"] == "Organization")
    _obs(bad, C.POEM_TOTAL)["performer"] = [{"reference": clinic}]  # a patient's answer, performed by the clinic
    with pytest.raises(BundleError) as err:
        parse_bundle(bad)
    assert "performer[0].reference" in str(err.value) and "must reference the bundle's Patient" in str(err.value)


def test_a_parents_answer_for_a_child_is_performed_by_the_parent(engine, people) -> None:
    from fhir.resources.R4B.observation import Observation

    from gutskin.clinic import accounts, questionnaires

    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        questionnaires.submit(s, people.owner, mia, "poem", {"answers": [2, 2, 2, 1, 1, 1, 1]}, respondent="proxy")
    with transaction(engine) as s:
        b = export_bundle(s, people.owner, mia)
    urls = _by_url(b)
    (parent,) = [u for u, r in urls.items() if r["resourceType"] == "RelatedPerson"]
    score = _obs(b, C.POEM_TOTAL)
    Observation.model_validate(score)
    assert score["performer"] == [{"reference": parent}]
    assert not [r for r in urls.values() if r["resourceType"] in ("Organization", "Practitioner")]
    assert [(q["author_role"], q["respondent"]) for q in parse_bundle(b).questionnaires] == [("caregiver", "proxy")]
