"""A food allergy travels with the patient: ``gutskin import fhir`` brings back each AllergyIntolerance
gutskin wrote as an allergy record (food, confirmed/refuted, avoid list, recorded day), so a confirmed
peanut allergy still blocks a home peanut challenge and stays on the avoid list in the new install
(2026-12-06; before, the import ignored AllergyIntolerance). SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from gutskin.interop import codes as C
from tests.interop.test_fhir import add_challenge


def _moved_bundle(engine, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Patient B's export (elsewhere: another clinician decided): peanut confirmed, on the avoid list; wheat refuted."""
    from gutskin.clinic.fhir import export_bundle
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        add_challenge(s, people.stranger_pid, "food.peanut", "confirmed", "reaction_likely", people.unlinked.user_id)
        add_challenge(s, people.stranger_pid, "food.wheat", "refuted", "no_reaction", people.unlinked.user_id)
    with transaction(engine) as s:
        return json.loads(json.dumps(export_bundle(s, people.stranger, people.stranger_pid)))


def _owner_ext(engine, people) -> str:  # type: ignore[no-untyped-def]
    from gutskin.store.db import transaction
    from gutskin.store.models import Patient

    with transaction(engine) as s:
        return s.get(Patient, people.owner_pid).external_id


def _records(engine, pid: int) -> list[tuple[Any, ...]]:
    from sqlalchemy import select

    from gutskin.store.db import transaction
    from gutskin.store.models import AllergyRecord

    with transaction(engine) as s:
        return [tuple(r) for r in s.execute(select(
            AllergyRecord.food, AllergyRecord.status, AllergyRecord.avoid, AllergyRecord.challenge_id,
            AllergyRecord.recorded_by_user_id, AllergyRecord.recorded_at).where(AllergyRecord.patient_id == pid)
            .order_by(AllergyRecord.food)).all()]


def test_an_imported_confirmed_allergy_blocks_a_home_challenge_and_is_on_the_avoid_list(engine, people) -> None:
    from gutskin.clinic import challenges as ch
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import InvalidInput
    from gutskin.clinic.fhir import import_bundle
    from gutskin.store.db import transaction

    bundle = _moved_bundle(engine, people)
    recorded = {a["code"]["coding"][0]["code"]: a["recordedDate"] for e in bundle["entry"]
                if (a := e["resource"])["resourceType"] == "AllergyIntolerance"}
    assert set(recorded) == {"food.peanut", "food.wheat"}
    summary = import_bundle(engine, SYSTEM, bundle, patient_ref=_owner_ext(engine, people))
    assert summary["patient_id"] == people.owner_pid and summary["allergies"] == 2
    assert "AllergyIntolerance" not in summary["ignored"]

    day = {f: dt.datetime.combine(dt.date.fromisoformat(d), dt.time()) for f, d in recorded.items()}
    # no challenge of this install decided them, no account of this install recorded them
    assert _records(engine, people.owner_pid) == [("food.peanut", "confirmed", True, None, None, day["food.peanut"]),
                                                  ("food.wheat", "refuted", False, None, None, day["food.wheat"])]
    with transaction(engine) as s:
        assert [o["food"] for o in ch.avoid_list(s, people.owner, people.owner_pid)] == ["food.peanut"]
    with pytest.raises(InvalidInput, match="confirmed allergy"), transaction(engine) as s:
        ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.peanut", kind="home", released_for_home=True, baseline_days=7,
            doses=[ch.DoseStep(0, "1/4 peanut"), ch.DoseStep(4, "1 peanut")]))
    with transaction(engine) as s:  # a refuted food may be reintroduced at home
        assert ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.wheat", kind="home", released_for_home=True, baseline_days=7,
            doses=[ch.DoseStep(0, "1/4 slice of bread")]))["food"] == "food.wheat"


def test_the_import_audits_each_allergy_record_and_a_second_import_conflicts(engine, people) -> None:
    from sqlalchemy import select

    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import Conflict
    from gutskin.clinic.fhir import import_bundle
    from gutskin.store.db import transaction
    from gutskin.store.models import AuditEvent

    bundle = _moved_bundle(engine, people)
    ext = _owner_ext(engine, people)
    import_bundle(engine, SYSTEM, bundle, patient_ref=ext)
    with transaction(engine) as s:
        rows = s.execute(select(AuditEvent.action, AuditEvent.object_type).where(
            AuditEvent.patient_id == people.owner_pid, AuditEvent.object_type == "allergy_record")).all()
    assert sorted(rows) == [("create", "allergy_record")] * 2
    before = _records(engine, people.owner_pid)
    with pytest.raises(Conflict, match="already has an allergy record for food.peanut"):
        import_bundle(engine, SYSTEM, bundle, patient_ref=ext)
    assert _records(engine, people.owner_pid) == before


def test_a_patient_cannot_import_a_clinicians_allergy_decision(engine, people) -> None:
    """A refuted allergy takes a food off the avoid list: a patient cannot mark their own challenge passed."""
    from gutskin.clinic.errors import Forbidden
    from gutskin.clinic.fhir import import_bundle

    bundle = _moved_bundle(engine, people)
    with pytest.raises(Forbidden, match="food allergies"):
        import_bundle(engine, people.owner, bundle, patient_ref=_owner_ext(engine, people))
    assert _records(engine, people.owner_pid) == []


def _allergy(bundle: dict[str, Any], food: str) -> tuple[int, dict[str, Any]]:
    return next((i, e["resource"]) for i, e in enumerate(bundle["entry"])
                if e["resource"]["resourceType"] == "AllergyIntolerance"
                and e["resource"]["code"]["coding"][0]["code"] == food)


def _set_status(a: dict[str, Any]) -> None:
    a["verificationStatus"]["coding"][0]["code"] = "unconfirmed"


def _drop_food(a: dict[str, Any]) -> None:
    a["code"]["coding"] = [c for c in a["code"]["coding"] if c["system"] != C.FACTOR_SYSTEM]


def _not_a_food(a: dict[str, Any]) -> None:
    a["code"]["coding"][0]["code"] = "env.pollen"


def _no_day(a: dict[str, Any]) -> None:
    del a["recordedDate"]


def _active_refutation(a: dict[str, Any]) -> None:
    a["clinicalStatus"]["coding"][0]["code"] = "active"


def _other_patient(a: dict[str, Any]) -> None:
    a["patient"] = {"reference": "Patient/someone-else"}


@pytest.mark.parametrize(("food", "spoil", "field"), [
    ("food.peanut", _set_status, "verificationStatus"),
    ("food.peanut", _drop_food, "code.coding"),
    ("food.peanut", _not_a_food, "code.coding.code"),
    ("food.peanut", _no_day, "recordedDate"),
    ("food.wheat", _active_refutation, "clinicalStatus"),
    ("food.peanut", _other_patient, "patient.reference"),
])
def test_a_malformed_allergy_is_refused_naming_the_entry_and_field_and_nothing_is_imported(
        engine, people, food, spoil, field) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import InvalidInput
    from gutskin.clinic.fhir import import_bundle

    bundle = copy.deepcopy(_moved_bundle(engine, people))
    i, a = _allergy(bundle, food)
    spoil(a)
    with pytest.raises(InvalidInput) as err:
        import_bundle(engine, SYSTEM, bundle, patient_ref=_owner_ext(engine, people))
    assert str(err.value).startswith(f"entry[{i}] AllergyIntolerance/{a['id']}: {field}: "), str(err.value)
    assert _records(engine, people.owner_pid) == []


def test_a_second_allergy_for_the_same_food_is_refused(engine, people) -> None:
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.errors import InvalidInput
    from gutskin.clinic.fhir import import_bundle

    bundle = _moved_bundle(engine, people)
    i, a = _allergy(bundle, "food.peanut")
    bundle["entry"].append({"fullUrl": "urn:uuid:6f1c1c8e-0000-4000-8000-000000000001",
                            "resource": {**copy.deepcopy(a), "id": "6f1c1c8e-0000-4000-8000-000000000001"}})
    with pytest.raises(InvalidInput, match=r"AllergyIntolerance/6f1c1c8e-0000-4000-8000-000000000001: code.coding: "
                                           r"a second AllergyIntolerance for food.peanut"):
        import_bundle(engine, SYSTEM, bundle, patient_ref=_owner_ext(engine, people))
    assert _records(engine, people.owner_pid) == []
