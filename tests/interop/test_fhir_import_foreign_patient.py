"""A bundle made by another system, whose Patient has no gutskin identifier (an EHR's Patient with its
MRN, a research app's participant), imports when the operator names the target with ``--patient``
(2026-12-07). Before, it was refused as "not a gutskin bundle" even with ``--patient``: a clinic
moving a patient's diary from another app could not bring it in at all.

The named target decides who it is, checked: the Patient's name and birth year against the profile's
(a difference is refused by name, nothing imported, unless ``--accept-identity-difference``); without
``--patient`` the refusal says to pass it; a bundle of two Patients stays refused; a stranger's import
into someone else's profile is 404 as before; one bad resource and nothing is stored; the import is
audited. Bundles as other systems write them: a Patient with an MRN (v2-0203 ``MR``), the name as
given and family names, a full birth date and a postal address; server ids and absolute fullUrls;
POEM totals coded with LOINC 89870-0 only; POEM QuestionnaireResponses on gutskin's published
Questionnaire with times and offsets; an itch NRS as a UCUM ``{score}`` quantity. SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.clinic import diary
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.errors import Conflict, InvalidInput, NotFound
from gutskin.clinic.fhir import import_bundle, resolve_patient
from gutskin.interop import codes as C
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, DiaryDay, Patient, QuestionnaireResponse

EHR = "https://ehr.example-hospital.se/fhir"
MRN_SYSTEM = "urn:oid:1.2.752.129.2.1.4.1"  # a hospital's MRN namespace (an OID, as EHRs write them)
POEM_ANSWERS = {"2026-10-05": [3, 2, 1, 0, 2, 3, 4], "2026-10-12": [2, 1, 0, 0, 1, 2, 3], "2026-10-19": [4, 4, 2, 1, 3, 4, 4]}
LOINC_POEM = {"2026-10-26": 9, "2026-11-02": 6}  # POEM totals the EHR recorded with LOINC only (no answers)
ITCH = {"2026-10-05": 7, "2026-10-06": 6, "2026-10-07": 4}


def ehr_bundle(kind: str = "transaction") -> dict[str, Any]:
    """A bundle as a Swedish hospital EHR (or a research app on a FHIR server) sends it."""
    patient = {
        "resourceType": "Patient", "id": "pat-4711",
        "meta": {"versionId": "3", "lastUpdated": "2026-11-30T10:02:11.123+01:00",
                 "profile": ["http://hl7.org/fhir/StructureDefinition/Patient"]},
        "identifier": [
            {"use": "usual", "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                                  "code": "MR", "display": "Medical record number"}]},
             "system": MRN_SYSTEM, "value": "MRN-0042117"},
            {"use": "secondary", "system": "https://research-app.example.org/participant", "value": "RA-88"},
        ],
        "active": True,
        "name": [{"use": "official", "family": "Lindqvist", "given": ["Maja", "Elin"]},
                 {"use": "nickname", "given": ["Majsan"]}],
        "telecom": [{"system": "phone", "value": "+46 70 123 45 67", "use": "mobile"}],
        "gender": "female", "birthDate": "2016-04-09",
        "address": [{"use": "home", "line": ["Storgatan 12, lägenhet 1102"], "city": "Uppsala",
                     "postalCode": "753 20", "country": "SE",
                     "text": "Storgatan 12, lägenhet 1102, 753 20 Uppsala, Sweden (home of the family)"}],
    }
    entries: list[dict[str, Any]] = [{"fullUrl": f"{EHR}/Patient/pat-4711", "resource": patient}]
    subject = {"reference": "Patient/pat-4711", "display": "Maja Lindqvist"}
    for k, (day, answers) in enumerate(sorted(POEM_ANSWERS.items())):
        entries.append({"fullUrl": f"{EHR}/QuestionnaireResponse/qr-{k}", "resource": {
            "resourceType": "QuestionnaireResponse", "id": f"qr-{k}",
            "identifier": {"system": "https://research-app.example.org/response", "value": f"R-{k}"},
            "questionnaire": f"{C.QUESTIONNAIRE}/poem", "status": "completed", "subject": subject,
            "authored": f"{day}T08:12:00+02:00", "author": {"reference": "Patient/pat-4711"},
            "item": [{"linkId": str(i + 1), "text": C.POEM_ITEMS[i], "answer": [{"valueInteger": a}]}
                     for i, a in enumerate(answers)]}})
    for k, (day, total) in enumerate(sorted(LOINC_POEM.items())):
        entries.append({"fullUrl": f"{EHR}/Observation/poem-{k}", "resource": {
            "resourceType": "Observation", "id": f"poem-{k}", "status": "final",
            "category": [{"coding": [{"system": C.OBS_CATEGORY, "code": "survey"}]}],
            "code": {"coding": [{"system": C.LOINC, "code": C.POEM_TOTAL, "display": "Total score [POEM]"}],
                     "text": "POEM"},
            "subject": subject, "effectiveDateTime": f"{day}T09:30:00+01:00", "issued": f"{day}T09:31:02.100+01:00",
            "valueQuantity": {"value": total, "unit": "{score}", "system": C.UCUM, "code": "{score}"}}})
    for k, (day, v) in enumerate(sorted(ITCH.items())):
        entries.append({"fullUrl": f"{EHR}/Observation/itch-{k}", "resource": {
            "resourceType": "Observation", "id": f"itch-{k}", "status": "final",
            "code": {"coding": [{"system": C.OBSERVATION_SYSTEM, "code": "itch-nrs"}], "text": "Itch, worst 24 h"},
            "subject": subject, "effectiveDateTime": f"{day}T20:00:00+02:00", "performer": [{"reference": "Patient/pat-4711"}],
            "valueQuantity": {"value": v, "unit": "{score}", "system": C.UCUM, "code": "{score}"}}})
    if kind == "transaction":
        for e in entries:
            rt = e["resource"]["resourceType"]
            e["request"] = {"method": "PUT", "url": f"{rt}/{e['resource']['id']}"}
    return {"resourceType": "Bundle", "id": "b-20261130", "type": kind, "timestamp": "2026-11-30T10:05:00+01:00",
            "entry": entries}


def _counts(engine) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return (s.scalar(select(func.count()).select_from(DiaryDay)), s.scalar(select(func.count()).select_from(Patient)),
                s.scalar(select(func.count()).select_from(QuestionnaireResponse)))


def _profile(engine, pid: int, **fields: Any) -> str:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        p = s.get(Patient, pid)
        for k, v in fields.items():
            setattr(p, k, v)
        return p.external_id


def _cli(db_url: str, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    from gutskin.settings import get_settings
    from gutskin.store.db import dispose_engines

    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    r = CliRunner().invoke(app, list(args))
    dispose_engines()
    return r


def _diary(engine, pid: int) -> tuple[dict[str, Any], list[tuple[str, str, list[Any], Any]]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        days = {d["date"]: (d["itch"], d["poem"]) for d in diary.list_days(s, SYSTEM, pid)}
        qrs = [(q.instrument, q.answered_on.isoformat(), q.answers["answers"], q.total) for q in s.scalars(
            select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == pid)
            .order_by(QuestionnaireResponse.answered_on))]
    return days, qrs


@pytest.mark.parametrize("kind", ["transaction", "collection"])
def test_the_named_patient_receives_another_systems_bundle(engine, people, db_url, tmp_path: Path, monkeypatch,
                                                          kind: str) -> None:  # type: ignore[no-untyped-def]
    ext = _profile(engine, people.owner_pid, display_name="Maja Lindqvist", birth_year=2016)
    f = tmp_path / "from-ehr.json"
    f.write_text(json.dumps(ehr_bundle(kind), ensure_ascii=False), encoding="utf-8")
    r = _cli(db_url, monkeypatch, "import", "fhir", str(f), "--patient", ext)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["external_id"] == ext and not summary["created"] and summary["patient"] is None
    assert summary["questionnaires"] == 3 and summary["days"] == len(set(POEM_ANSWERS) | set(LOINC_POEM) | set(ITCH))
    fp = summary["foreign_patient"]
    assert fp["identifiers"][0] == f"{MRN_SYSTEM}|MRN-0042117" and fp["compared"] == ["name", "birth year"]
    assert fp["differs"] == []
    days, qrs = _diary(engine, people.owner_pid)
    want_poem = {**{d: sum(a) for d, a in POEM_ANSWERS.items()}, **LOINC_POEM}
    assert {d: p for d, (_, p) in days.items() if p is not None} == want_poem
    assert {d: i for d, (i, _) in days.items() if i is not None} == ITCH
    assert [(q[0], q[1], q[2], q[3]) for q in qrs] == [("poem", d, a, sum(a)) for d, a in sorted(POEM_ANSWERS.items())]
    with transaction(engine) as s:  # audited as every import, and the profile is the clinic's as it was
        audits = s.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == people.owner_pid,
                                                           AuditEvent.object_type == "fhir_bundle")).all()
        p = s.get(Patient, people.owner_pid)
        assert (p.display_name, p.birth_year, p.share_identity) == ("Maja Lindqvist", 2016, False)
    assert audits == ["import"]


def test_without_a_named_patient_the_refusal_says_to_name_one(engine, people, db_url, tmp_path: Path,
                                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = _counts(engine)
    with pytest.raises(InvalidInput) as err:
        import_bundle(engine, SYSTEM, ehr_bundle())
    msg = str(err.value)
    assert msg.startswith("entry[0] Patient/pat-4711: identifier:") and "--patient" in msg and "MRN-0042117" in msg, msg
    f = tmp_path / "from-ehr.json"
    f.write_text(json.dumps(ehr_bundle()), encoding="utf-8")
    r = _cli(db_url, monkeypatch, "import", "fhir", str(f))
    assert r.exit_code == 2 and "--patient ID" in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert _counts(engine) == before


def test_a_different_name_or_birth_year_is_refused_unless_accepted(engine, people, db_url, tmp_path: Path,
                                                                    monkeypatch) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "from-ehr.json"
    f.write_text(json.dumps(ehr_bundle()), encoding="utf-8")
    # the same person written otherwise: family name first, upper case, one given name, an accent
    ext = _profile(engine, people.owner_pid, display_name="LINDQVIST, Maja", birth_year=2016)
    same = import_bundle(engine, SYSTEM, ehr_bundle(), patient_ref=ext)
    assert same["foreign_patient"]["differs"] == [] and same["days"] > 0
    other = _profile(engine, people.stranger_pid, display_name="Maja Lindkvist", birth_year=2015)
    before = _counts(engine)
    with pytest.raises(Conflict) as err:
        import_bundle(engine, SYSTEM, ehr_bundle(), patient_ref=other)
    msg = str(err.value)
    assert ("'Maja Elin Lindqvist', born 2016" in msg and f"patient {other} ('Maja Lindkvist', born 2015)" in msg
            and "differ in name and birth year" in msg and "--accept-identity-difference" in msg), msg
    r = _cli(db_url, monkeypatch, "import", "fhir", str(f), "--patient", other)
    assert r.exit_code == 2 and "nothing was imported" in r.output, r.output
    assert _counts(engine) == before
    r = _cli(db_url, monkeypatch, "import", "fhir", str(f), "--patient", other, "--accept-identity-difference")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["foreign_patient"]["differs"] == ["name", "birth year"]
    assert _diary(engine, people.stranger_pid) == _diary(engine, people.owner_pid)
    with transaction(engine) as s:  # an existing profile is never changed by an import
        p = s.get(Patient, people.stranger_pid)
        assert (p.display_name, p.birth_year) == ("Maja Lindkvist", 2015)


def test_a_new_profile_takes_the_name_birth_year_and_sex_not_the_address(engine, people) -> None:  # type: ignore[no-untyped-def]
    summary = import_bundle(engine, SYSTEM, ehr_bundle(), patient_ref="p-from-ehr")
    assert summary["created"] and summary["foreign_patient"]["compared"] == []
    with transaction(engine) as s:
        p = resolve_patient(s, SYSTEM, "p-from-ehr")
        assert (p.display_name, p.birth_year, p.sex, p.region, p.share_identity) == (
            "Maja Elin Lindqvist", 2016, "female", None, False)


def test_what_stays_refused(engine, people) -> None:  # type: ignore[no-untyped-def]
    ext = _profile(engine, people.owner_pid, display_name="Maja Lindqvist", birth_year=2016)
    before = _counts(engine)
    two = ehr_bundle()
    sibling = copy.deepcopy(two["entry"][0])
    sibling["resource"]["id"], sibling["fullUrl"] = "pat-4712", f"{EHR}/Patient/pat-4712"
    sibling["request"]["url"] = "Patient/pat-4712"
    two["entry"].append(sibling)
    bad_value = ehr_bundle()
    bad_value["entry"][-1]["resource"]["valueQuantity"]["value"] = 14  # itch 0-10, the last entry
    other_subject = ehr_bundle()
    other_subject["entry"][-2]["resource"]["subject"] = {"reference": "Patient/pat-9999"}
    for bundle, words in ((two, "expected exactly one Patient, found 2"),
                          (bad_value, "Observation/itch-2: valueQuantity.value: expected a value 0-10, got 14"),
                          (other_subject, "Observation/itch-1: subject.reference: must reference the bundle's Patient")):
        with pytest.raises(InvalidInput) as err:
            import_bundle(engine, SYSTEM, bundle, patient_ref=ext)
        assert words in str(err.value), str(err.value)
    # authorized as every import: a patient into their own profile, a stranger's 404
    with pytest.raises(NotFound):
        import_bundle(engine, people.stranger, ehr_bundle(), patient_ref=ext)
    assert _counts(engine) == before
    summary = import_bundle(engine, people.owner, ehr_bundle(), patient_ref=ext)
    assert summary["questionnaires"] == 3


def test_the_care_context_an_ehr_sends_along_is_counted_not_refused(engine, people) -> None:  # type: ignore[no-untyped-def]
    """An EHR's bundle names the Patient's clinic (Organization), general practitioner (Practitioner,
    PractitionerRole) and the visit (Encounter) the POEM totals were recorded at; they were refused as
    "not part of a gutskin bundle". Now counted under ``ignored``; a value a Practitioner entered as a
    diary value is still refused (the diary is what the patient or their caregiver reported)."""
    ext = _profile(engine, people.owner_pid, display_name="Maja Lindqvist", birth_year=2016)
    b = ehr_bundle()
    context = [
        {"resourceType": "Organization", "id": "org-1", "name": "Akademiska sjukhuset, hudmottagningen",
         "identifier": [{"system": "urn:oid:1.2.752.29.4.19", "value": "SE2321000032-hud"}]},
        {"resourceType": "Practitioner", "id": "gp-9", "name": [{"family": "Berg", "given": ["Anders"]}]},
        {"resourceType": "PractitionerRole", "id": "role-9", "practitioner": {"reference": "Practitioner/gp-9"},
         "organization": {"reference": "Organization/org-1"}},
        {"resourceType": "Encounter", "id": "enc-77", "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
         "subject": {"reference": "Patient/pat-4711"}, "period": {"start": "2026-10-26T09:00:00+01:00"}},
    ]
    patient = b["entry"][0]["resource"]
    patient["managingOrganization"] = {"reference": "Organization/org-1"}
    patient["generalPractitioner"] = [{"reference": "Practitioner/gp-9"}]
    for r in context:
        b["entry"].append({"fullUrl": f"{EHR}/{r['resourceType']}/{r['id']}", "resource": r,
                           "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}})
    poem = next(e["resource"] for e in b["entry"] if e["resource"].get("id") == "poem-0")
    poem["encounter"] = {"reference": "Encounter/enc-77"}
    entered = copy.deepcopy(b)
    next(e["resource"] for e in entered["entry"] if e["resource"].get("id") == "itch-0")["performer"] = [
        {"reference": "Practitioner/gp-9"}]
    before = _counts(engine)
    with pytest.raises(InvalidInput) as err:
        import_bundle(engine, SYSTEM, entered, patient_ref=ext)
    assert "Observation/itch-0: performer[0].reference: must reference the bundle's Patient" in str(err.value)
    assert _counts(engine) == before
    summary = import_bundle(engine, SYSTEM, b, patient_ref=ext)
    assert {k: summary["ignored"].get(k) for k in ("Organization", "Practitioner", "PractitionerRole", "Encounter")} \
        == dict.fromkeys(("Organization", "Practitioner", "PractitionerRole", "Encounter"), 1), summary
    assert summary["questionnaires"] == 3 and summary["days"] == len(set(POEM_ANSWERS) | set(LOINC_POEM) | set(ITCH))
