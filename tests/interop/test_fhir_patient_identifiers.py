"""Another system's identifiers of the patient (a hospital's MRN in ``Patient.identifier``) are kept
when its bundle is imported (2026-12-07, migration 0018). Before, ``gutskin import fhir FILE --patient ID``
checked the name and birth year and dropped them: the profile could not be named as the hospital
names it, and a later bundle of the same hospital with another patient's MRN went into the profile
unnoticed.

Now: kept per (profile, system) and audited; shown on the clinician's patient page; in the FHIR
export's ``Patient.identifier`` next to gutskin's own when the patient shares their identity (a
pseudonymized bundle keeps gutskin's only); in the data archive; on a later import the same value
matches, another value of that system is refused by name (nothing imported) unless
``--accept-identity-difference`` (the profile's value kept), and a value another profile holds is
refused too; deleting the profile deletes them. SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gutskin.clinic import accounts, export
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.errors import Conflict, InvalidInput
from gutskin.clinic.fhir import export_bundle, import_bundle
from gutskin.interop import codes as C
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, DiaryDay, Patient, PatientIdentifier
from tests.interop.test_fhir_import_foreign_patient import MRN_SYSTEM, _cli, ehr_bundle
from tests.safety.test_attacks import login_page

RESEARCH = "https://research-app.example.org/participant"


def _stored(engine, pid: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [(x.system, x.value) for x in s.scalars(select(PatientIdentifier).where(PatientIdentifier.patient_id == pid)
                                                       .order_by(PatientIdentifier.system))]


def _named(engine, pid: int, **fields: Any) -> str:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        p = s.get(Patient, pid)
        for k, v in fields.items():
            setattr(p, k, v)
        return p.external_id


def _later(bundle: dict[str, Any], mrn: str | None = None) -> dict[str, Any]:
    """The hospital's next bundle: other days (a month later), the MRN as given."""
    b = copy.deepcopy(bundle)
    b["entry"] = [e for e in b["entry"] if e["resource"]["resourceType"] == "Patient"
                  or e["resource"].get("id", "").startswith("itch-")]
    for e in b["entry"]:
        if e["resource"].get("id", "").startswith("itch-"):
            e["resource"]["effectiveDateTime"] = e["resource"]["effectiveDateTime"].replace("2026-10-", "2026-11-")
    if mrn is not None:
        b["entry"][0]["resource"]["identifier"][0]["value"] = mrn
    return b


def _days(engine, pid: int) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(DiaryDay).where(DiaryDay.patient_id == pid))


def test_the_mrn_is_kept_shown_exported_and_archived(engine, people, db_url, tmp_path: Path, monkeypatch,
                                                     client) -> None:  # type: ignore[no-untyped-def]
    ext = _named(engine, people.owner_pid, display_name="Maja Lindqvist", birth_year=2016)
    f = tmp_path / "from-ehr.json"
    f.write_text(json.dumps(ehr_bundle()), encoding="utf-8")
    r = _cli(db_url, monkeypatch, "import", "fhir", str(f), "--patient", ext)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["identifiers"] == {"added": [f"{MRN_SYSTEM}|MRN-0042117", f"{RESEARCH}|RA-88"], "matched": [],
                                      "differs": [], "elsewhere": []}
    assert _stored(engine, people.owner_pid) == [(RESEARCH, "RA-88"), (MRN_SYSTEM, "MRN-0042117")]
    with transaction(engine) as s:  # each kept identifier is in the access log
        kinds = s.scalars(select(AuditEvent.object_type).where(AuditEvent.patient_id == people.owner_pid,
                                                               AuditEvent.action == "create")).all()
    assert kinds.count("patient_identifier") == 2

    # the clinician's patient page names them
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{people.owner_pid}").text
    assert "MRN-0042117</bdi> (<bdi>urn:oid:1.2.752.129.2.1.4.1</bdi>)" in page and "RA-88" in page
    client.cookies.clear()

    # the FHIR export: next to gutskin's own identifier with identity consent; a pseudonymized bundle keeps gutskin's only
    with transaction(engine) as s:
        pseud = export_bundle(s, SYSTEM, people.owner_pid)
        s.get(Patient, people.owner_pid).share_identity = True
    with transaction(engine) as s:
        shared = export_bundle(s, SYSTEM, people.owner_pid)
    patient = next(e["resource"] for e in shared["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["identifier"] == [{"system": C.PATIENT_ID_SYSTEM, "value": ext},
                                     {"system": RESEARCH, "value": "RA-88"},
                                     {"system": MRN_SYSTEM, "value": "MRN-0042117"}]
    patient = next(e["resource"] for e in pseud["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["identifier"] == [{"system": C.PATIENT_ID_SYSTEM, "value": ext}]
    assert "MRN-0042117" not in json.dumps(pseud)

    # the data archive
    with transaction(engine) as s:
        archive = json.loads(export.archive_json(s, people.owner))
    mine = next(p for p in archive["patients"] if p["patient_id"] == people.owner_pid)
    assert [(x["system"], x["value"]) for x in mine["identifiers"]] == [(MRN_SYSTEM, "MRN-0042117"), (RESEARCH, "RA-88")]
    assert all(x["recorded_at"].endswith("Z") for x in mine["identifiers"]) and "identifiers" in archive["legend"]

    # the exported bundle comes back (a new profile on another install): the MRN comes with it
    summary = import_bundle(engine, SYSTEM, shared, patient_ref="p-moved-here", accept_identity_difference=True)
    assert summary["created"]
    assert _stored(engine, summary["patient_id"]) == [(RESEARCH, "RA-88"), (MRN_SYSTEM, "MRN-0042117")]


def test_a_different_mrn_for_the_patient_is_refused_unless_accepted(engine, people, db_url, tmp_path: Path,
                                                                     monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ext = _named(engine, people.owner_pid, display_name="Maja Lindqvist", birth_year=2016)
    import_bundle(engine, SYSTEM, ehr_bundle(), patient_ref=ext)
    # the same hospital's next bundle, the same MRN: matched, imported
    again = import_bundle(engine, SYSTEM, _later(ehr_bundle()), patient_ref=ext)
    assert again["identifiers"]["matched"] == [f"{MRN_SYSTEM}|MRN-0042117", f"{RESEARCH}|RA-88"]
    assert again["identifiers"]["added"] == [] and again["days"] == 3
    days = _days(engine, people.owner_pid)
    # a bundle naming another MRN of that hospital (same name and birth year: a namesake, a mix-up)
    other = _later(ehr_bundle(), mrn="MRN-0099999")
    for e in other["entry"][1:]:
        e["resource"]["effectiveDateTime"] = e["resource"]["effectiveDateTime"].replace("2026-11-", "2026-09-")
    with pytest.raises(Conflict) as err:
        import_bundle(engine, SYSTEM, other, patient_ref=ext)
    msg = str(err.value)
    assert ("identifier 'MRN-0099999' of system urn:oid:1.2.752.129.2.1.4.1" in msg and f"patient {ext} has 'MRN-0042117'"
            in msg and "nothing was imported" in msg and "--accept-identity-difference" in msg), msg
    f = tmp_path / "other.json"
    f.write_text(json.dumps(other), encoding="utf-8")
    r = _cli(db_url, monkeypatch, "import", "fhir", str(f), "--patient", ext)
    assert r.exit_code == 2 and "MRN-0099999" in r.output and "nothing was imported" in r.output, r.output
    assert _days(engine, people.owner_pid) == days
    r = _cli(db_url, monkeypatch, "import", "fhir", str(f), "--patient", ext, "--accept-identity-difference")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["identifiers"]["differs"] == [f"{MRN_SYSTEM}|MRN-0099999"]
    assert _days(engine, people.owner_pid) == days + 3
    assert dict(_stored(engine, people.owner_pid))[MRN_SYSTEM] == "MRN-0042117"  # the profile's own is kept


def test_an_mrn_another_profile_holds_is_refused(engine, people) -> None:  # type: ignore[no-untyped-def]
    ext = _named(engine, people.owner_pid, display_name="Maja Lindqvist", birth_year=2016)
    import_bundle(engine, SYSTEM, ehr_bundle(), patient_ref=ext)
    other = _named(engine, people.stranger_pid, display_name="Maja Lindqvist", birth_year=2016)  # a duplicate profile
    with pytest.raises(Conflict) as err:
        import_bundle(engine, SYSTEM, _later(ehr_bundle()), patient_ref=other)
    assert f"which patient {ext} already has" in str(err.value), str(err.value)
    assert _days(engine, people.stranger_pid) == 0 and _stored(engine, people.stranger_pid) == []


def test_what_is_kept_and_what_is_refused_of_the_identifiers(engine, people) -> None:  # type: ignore[no-untyped-def]
    ext = _named(engine, people.owner_pid, display_name="Maja Lindqvist", birth_year=2016)
    b = ehr_bundle()
    ids = b["entry"][0]["resource"]["identifier"]
    ids += [{"use": "old", "system": MRN_SYSTEM, "value": "MRN-OLD-1"},  # no longer the patient's: left out
            {"value": "no-system-7"},  # nothing to match by: left out
            {"system": MRN_SYSTEM, "value": "MRN-0042117"}]  # the same twice: once
    summary = import_bundle(engine, SYSTEM, b, patient_ref=ext)
    assert summary["identifiers"]["added"] == [f"{MRN_SYSTEM}|MRN-0042117", f"{RESEARCH}|RA-88"]
    for bad, words in (({"system": MRN_SYSTEM, "value": "MRN-2"}, "identifier[2]: a second value for system"),
                       ({"system": "urn:x", "value": "A\u202eB"}, "identifier[2].value: character 2 is U+202E"),
                       ({"system": "urn:x", "value": "9" * 256}, "identifier[2].value: at most 255 characters")):
        b = _later(ehr_bundle())
        b["entry"][0]["resource"]["identifier"].append(bad)
        with pytest.raises(InvalidInput) as err:
            import_bundle(engine, SYSTEM, b, patient_ref=ext)
        assert "entry[0] Patient/pat-4711: " + words in str(err.value), str(err.value)


def test_deleting_the_profile_deletes_its_identifiers(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        child = accounts.add_child_profile(s, people.owner, "Maja Lindqvist", 2016).id
    import_bundle(engine, people.owner, ehr_bundle(), into=child)  # the parent imports the hospital's bundle
    assert len(_stored(engine, child)) == 2
    with transaction(engine) as s:
        accounts.delete_child_profile(s, people.owner, child, "correct-horse-battery")
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(PatientIdentifier)) == 0
