"""Every resource of a FHIR export validates with fhir.resources (R4B), not only one per shape as
the export itself checks (``interop.fhir.one_per_shape``): the demo clinic's patients and edge
patients -- a child with a parent's RelatedPerson, a profile with no data, unicode names shared
with identity, a deleted diary day, a revoked sharing (the clinician: 404; the owner's export
still validates). Clinician walk 2026-12-06: all valid then; kept as a regression test of the
shape shortcut. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gutskin.clinic import accounts, appointments, diary, fhir, questionnaires, sharing
from gutskin.clinic.accounts import actor_for
from gutskin.clinic.errors import NotFound
from gutskin.store.db import transaction
from gutskin.store.models import Patient, User
from tests.conftest import People


def _every_resource_valid(bundle: dict) -> dict[str, int]:  # type: ignore[type-arg]
    from fhir.resources.R4B import get_fhir_model_class

    types: dict[str, int] = {}
    for i, e in enumerate(bundle["entry"]):
        res = e["resource"]
        model = get_fhir_model_class(res["resourceType"]).model_validate(res)  # raises, naming the field
        assert e["fullUrl"] == f"urn:uuid:{model.id}", i
        types[res["resourceType"]] = types.get(res["resourceType"], 0) + 1
    return types


@pytest.mark.slow
def test_every_resource_of_the_demo_patients_validates(db_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic.demo import CLINICIAN, PATIENTS, load_demo

    load_demo(db_url)
    with transaction(engine) as s:
        clinician = actor_for(s.scalar(select(User).where(User.email == CLINICIAN)))
        for name in PATIENTS:
            owner = actor_for(s.scalar(select(User).where(User.email == f"{name}@demo.gutskin.org")))
            pid = s.scalar(select(Patient.id).where(Patient.owner_user_id == owner.user_id))
            types = _every_resource_valid(fhir.export_bundle(s, owner, pid))
            assert types["Patient"] == 1 and types["Observation"] > 100, (name, types)
            if name in PATIENTS[:3]:  # the three linked to the demo clinician
                assert _every_resource_valid(fhir.export_bundle(s, clinician, pid)) == types
            else:
                with pytest.raises(NotFound):
                    fhir.export_bundle(s, clinician, pid)


def test_every_resource_of_edge_patients_validates(engine, people: People) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    with transaction(engine) as s:
        u = accounts.create_user(s, "zoe@example.org", People.password, "patient", "Zoë Ñandú 李小龙 😀")
        s.flush()
        zoe = actor_for(u)
        pid = s.scalar(select(Patient.id).where(Patient.owner_user_id == u.id))
        s.get(Patient, pid).share_identity = True  # type: ignore[union-attr]
        kid = accounts.add_child_profile(s, zoe, "Émile-Ørsted ʻOkalani", today.year - 3)
        s.flush()
        for p in (pid, kid.id):
            sharing.accept_invite(s, people.clinician, sharing.create_invite(s, zoe, p)["code"])
    with transaction(engine) as s:
        assert _every_resource_valid(fhir.export_bundle(s, people.clinician, pid)) == {
            "Patient": 1, "Device": 1, "Provenance": 1}  # no data yet
        for k in range(6):
            diary.put_day(s, zoe, kid.id, today - dt.timedelta(days=k),
                          diary.DayInput(itch=k, sleep_loss=10 - k, flare=k % 2 == 0, poscorad=12.5 + k, notes="ñ ü 李",
                                         factors={"food.egg": 1, "treat.topical_steroid": 1}))
        diary.delete_day(s, zoe, kid.id, today - dt.timedelta(days=2))
        questionnaires.submit(s, zoe, kid.id, "poem", {"answers": [1, 2, 0, 0, 1, 4, 3]}, respondent="proxy")
        appointments.request_appointment(s, zoe, kid.id, "Rash ünïcode 😀", "urgent", "Mornings")
    with transaction(engine) as s:
        types = _every_resource_valid(fhir.export_bundle(s, people.clinician, kid.id))
        assert types["RelatedPerson"] == 1 and types["QuestionnaireResponse"] == 1, types
        days = {o["effectiveDateTime"][:10] for e in fhir.export_bundle(s, people.clinician, kid.id)["entry"]
                if (o := e["resource"])["resourceType"] == "Observation" and "effectiveDateTime" in o}
        assert (today - dt.timedelta(days=2)).isoformat() not in days and len(days) == 5  # the deleted day is gone
        consent = [a["consent_id"] for a in sharing.list_access(s, zoe, kid.id)]
        assert len(consent) == 1
    with transaction(engine) as s:
        sharing.revoke(s, zoe, kid.id, int(consent[0]))
    with transaction(engine) as s:
        with pytest.raises(NotFound):
            fhir.export_bundle(s, people.clinician, kid.id)
        assert _every_resource_valid(fhir.export_bundle(s, zoe, kid.id)) == types
