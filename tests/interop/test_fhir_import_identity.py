"""A bundle that carries the patient's identity (shared with consent: no PSEUDED mark) gives the
profile an import creates that name, birth year, sex, region and the identity sharing (2026-12-06).
Before, the new profile was pseudonymous: its export lost the name and every diary note the first
export carried. The name is checked as every name (no text-direction controls), and an existing
profile is never changed by an import. SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from gutskin.clinic import diary
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.errors import InvalidInput
from gutskin.clinic.fhir import export_bundle, import_bundle
from gutskin.store.db import transaction
from gutskin.store.models import Patient


def _bundle(engine, people, share: bool) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        p = s.get(Patient, people.owner_pid)
        p.share_identity, p.birth_year, p.sex, p.region = share, 1990, "other", "Cork"
        diary.put_day(s, people.owner, people.owner_pid, dt.date(2026, 3, 1), diary.DayInput(itch=3, notes="after the beach"))
    with transaction(engine) as s:
        return export_bundle(s, people.owner, people.owner_pid)


def _profile(engine, ext: str) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        p = s.scalar(select(Patient).where(Patient.external_id == ext))
        notes = [d["notes"] for d in diary.list_days(s, SYSTEM, p.id)]
        return p.display_name, p.birth_year, p.sex, p.region, p.share_identity, notes


@pytest.mark.parametrize("share", [True, False])
def test_a_new_profile_takes_the_identity_the_bundle_carries(engine, people, share: bool) -> None:  # type: ignore[no-untyped-def]
    import_bundle(engine, SYSTEM, _bundle(engine, people, share), patient_ref="p-new")
    if share:
        assert _profile(engine, "p-new") == ("Owner", 1990, "other", "Cork", True, ["after the beach"])
    else:  # pseudonymous: the identifier is the name, nothing else is known
        assert _profile(engine, "p-new") == ("p-new", None, None, None, False, [None])


def test_an_existing_profile_keeps_its_own_identity(engine, people) -> None:  # type: ignore[no-untyped-def]
    bundle = _bundle(engine, people, True)
    with transaction(engine) as s:
        ext = s.get(Patient, people.stranger_pid).external_id
    import_bundle(engine, SYSTEM, bundle, patient_ref=ext)
    assert _profile(engine, ext)[:5] == ("Stranger", None, None, None, False)


def test_a_name_with_a_direction_control_is_refused_and_nothing_is_imported(engine, people) -> None:  # type: ignore[no-untyped-def]
    bundle = copy.deepcopy(_bundle(engine, people, True))
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["name"] = [{"text": "Ann\u202eeoJ"}]
    with transaction(engine) as s:
        before = s.scalar(select(func.count()).select_from(Patient))
    with pytest.raises(InvalidInput, match=r"^patient name: character 4 is U\+202E"):
        import_bundle(engine, SYSTEM, bundle, patient_ref="p-spoof")
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == before
