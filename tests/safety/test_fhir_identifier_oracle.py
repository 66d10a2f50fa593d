"""A FHIR upload's preview does not tell who else is in gutskin (H6 stranger walk, 2026-12-07).

The FHIR import keeps a Patient's identifiers of other systems (a hospital's MRN, 0018) and refuses
a bundle whose MRN "another profile in gutskin already has" (a mix-up of two people). Since the
uploads on My data and on the clinician's patient page, anyone with a profile of their own -- any
registered account -- could preview a bundle naming any MRN (nothing saved, as often as they like)
and read from 409 vs 200 whether that hospital number belongs to somebody in gutskin: a membership
oracle of an eczema clinic's patients, for a stranger. Now only a profile the caller may read
counts as holding it (the operator: any); to a stranger the answer is the one for an MRN nobody
holds. Where the caller sees both profiles (the parent's own and child's, a clinician linked to
both) the mix-up check still refuses. Both databases.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from gutskin.clinic import accounts, fhir, sharing
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, PatientIdentifier
from gutskin.web import create_app
from tests.safety.test_ids_outside_the_path import _send
from tests.safety.test_authz_matrix import matrix_world

SYSTEM = "https://hospital.example.org/mrn"
HELD, NOBODYS = "MRN-4711", "MRN-0815"


def bundle(mrn: str, day: str = "2019-01-01") -> dict:
    """A hospital's bundle: a Patient of another system (its MRN only) and one itch score."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient", "identifier": [{"system": SYSTEM, "value": mrn}]}},
        {"fullUrl": "urn:uuid:o", "resource": {
            "resourceType": "Observation", "status": "final", "subject": {"reference": "urn:uuid:p"},
            "code": {"coding": [{"system": "https://gutskin.example.org/fhir/CodeSystem/observation", "code": "itch-nrs"}]},
            "effectiveDateTime": day, "valueInteger": 3}}]}


def _world(db_url: str):  # type: ignore[no-untyped-def]
    """The matrix's world; A's clinician imported the hospital's bundle (MRN-4711) into A's record."""
    settings, engine, people, world = matrix_world(db_url)
    fhir.import_bundle(engine, people.clinician, bundle(HELD, "2019-02-01"), into=people.owner_pid)
    with transaction(engine) as s:
        assert s.scalars(select(PatientIdentifier.value).where(PatientIdentifier.patient_id == people.owner_pid)).all() == [HELD]
    return settings, engine, people, world


def _preview(app, world, persona: str, url: str, mrn: str):  # type: ignore[no-untyped-def]
    return _send(app, world, persona, "POST", url, data={"csrf_token": world.csrf[persona]},
                 files={"file": ("hospital.json", json.dumps(bundle(mrn)).encode(), "application/fhir+json")})


def _words(resp) -> str:  # type: ignore[no-untyped-def]
    text = re.sub(r'(csrf[-_]token"?\s*(value|content)?=?")[^"]+', r"\1", resp.text)
    return re.sub(r'name="bundle" value="[^"]*"', "", text)  # the packed bundle carries the MRN itself


def _a_rows(engine, people):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return (s.execute(select(PatientIdentifier.system, PatientIdentifier.value)
                          .where(PatientIdentifier.patient_id == people.owner_pid)).all(),
                s.scalar(select(AuditEvent.id).where(AuditEvent.patient_id == people.owner_pid)
                         .order_by(AuditEvent.id.desc()).limit(1)))


def test_a_strangers_preview_answers_for_a_held_mrn_as_for_nobodys(db_url: str) -> None:
    """Stranger B on B's own My data, and a clinician B shares with on B's page: A's MRN gets the
    answer an MRN nobody holds gets (200, the same page but for the number), never 'another
    profile in gutskin'; the import then goes into B's record; nothing of A's changes."""
    settings, engine, people, world = _world(db_url)
    with transaction(engine) as s:  # the unlinked clinician (a stranger to A) is B's clinician
        sharing.accept_invite(s, people.unlinked, sharing.create_invite(s, people.stranger, people.stranger_pid)["code"])
    app = create_app(settings)
    before = _a_rows(engine, people)
    for persona, url in (("patient_b", f"/profiles/{people.stranger_pid}/fhir/preview"),
                         ("clinician_unlinked", f"/clinic/patients/{people.stranger_pid}/fhir/preview")):
        held = _preview(app, world, persona, url, HELD)
        nobodys = _preview(app, world, persona, url, NOBODYS)
        assert held.status_code == nobodys.status_code == 200, (persona, held.status_code, held.text[:400])
        assert "another profile" not in held.text, persona
        assert _words(held).replace(HELD, NOBODYS) == _words(nobodys), persona
    # the stranger's own import of the bundle: into B's record, told of no other profile
    summary = fhir.import_bundle(engine, people.stranger, bundle(HELD), into=people.stranger_pid,
                                 skip_clinic_findings=True)
    assert summary["identifiers"] == {"added": [f"{SYSTEM}|{HELD}"], "matched": [], "differs": [], "elsewhere": []}
    assert _a_rows(engine, people) == before


def test_the_mix_up_check_holds_where_the_caller_sees_both_profiles(db_url: str) -> None:
    """The parent uploading A's hospital bundle into their child's profile, and A's clinician (now
    linked to B too) into B's: refused, 409, naming no profile the caller cannot see."""
    settings, engine, people, world = _world(db_url)
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.stranger, people.stranger_pid)["code"])
        kid = accounts.add_child_profile(s, people.owner, "Kid", 2018).id
    app = create_app(settings)
    for persona, url in (("patient_a", f"/profiles/{kid}/fhir/preview"),
                         ("clinician_linked", f"/clinic/patients/{people.stranger_pid}/fhir/preview")):
        r = _preview(app, world, persona, url, HELD)
        assert r.status_code == 409 and "another profile in gutskin already has" in r.text, (persona, r.status_code)
        assert _preview(app, world, persona, url, NOBODYS).status_code == 200
