"""Migration 0018: ``patient_identifiers`` (another system's identifiers of a patient, a hospital's MRN,
kept by the FHIR import; docs/interop.md, "Other systems' identifiers", 2026-12-07). Upgrade creates
the empty table with one value per (profile, system), downgrade drops it, every other row kept both
ways; the models agree with the migrations; the table's rows go with their profile. SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from gutskin.clinic import accounts
from gutskin.clinic.access import default_patient
from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine, transaction
from gutskin.store.models import Patient, PatientIdentifier

MRN = "urn:oid:1.2.36.146.595.217.0.1"


def _tables(db_url: str) -> set[str]:
    dispose_engines()
    return set(inspect(get_engine(db_url)).get_table_names())


def _patients(db_url: str) -> list[tuple[object, ...]]:
    with get_engine(db_url).connect() as c:
        return list(c.exec_driver_sql("SELECT id, external_id, display_name FROM patients ORDER BY id").all())


def test_upgrade_creates_and_downgrade_drops_patient_identifiers(db_url: str) -> None:
    engine = get_engine(db_url)
    with transaction(engine) as s:
        user = accounts.register_patient(s, "mig18@example.org", "long password of mig 18", "Mig")
        pid = default_patient(s, accounts.actor_for(user)).id
        s.add(PatientIdentifier(patient_id=pid, system=MRN, value="12345"))
    assert "patient_identifiers" in _tables(db_url)
    migrate.check(db_url)  # the models agree with the migrations
    before = _patients(db_url)
    migrate.downgrade(db_url, "0017")
    assert "patient_identifiers" not in _tables(db_url)
    assert migrate.current_revision(db_url) == "0017"
    assert _patients(db_url) == before
    migrate.upgrade(db_url, "0018")
    assert migrate.current_revision(db_url) == "0018"
    assert _patients(db_url) == before
    with get_engine(db_url).connect() as c:  # nothing guessed for earlier imports
        assert c.exec_driver_sql("SELECT count(*) FROM patient_identifiers").scalar() == 0
    migrate.upgrade(db_url)
    migrate.check(db_url)
    dispose_engines()
    engine = get_engine(db_url)
    with transaction(engine) as s:
        s.add(PatientIdentifier(patient_id=pid, system=MRN, value="12345"))
        s.add(PatientIdentifier(patient_id=pid, system="https://other.example.org/id", value="12345"))
    with pytest.raises(IntegrityError), transaction(engine) as s:  # one value per system and profile
        s.add(PatientIdentifier(patient_id=pid, system=MRN, value="99999"))
    with transaction(engine) as s:  # the profile's identifiers go with it (the database's cascade)
        s.delete(s.get(Patient, pid))
    with get_engine(db_url).connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM patient_identifiers").scalar() == 0
