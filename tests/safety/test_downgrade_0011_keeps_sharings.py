"""Migration 0011's downgrade no longer deletes the sharings of deleted clinicians (2026-12-06).

Since 0011 a consent outlives its clinician's account (``clinician_user_id`` NULL, the clinician's
name and address kept): the patient's record of who had access to their data. The schema before
0011 cannot hold such a row, and the downgrade DELETED them without a word. Now a downgrade below
0011 refuses while there is one, changes nothing (one transaction), and says how many and how to
go on; ``gutskin db downgrade`` prints it as one line. Without such rows the downgrade works as
before, and a restore (which replaces every table) is not stopped by it. SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy import select, text

from gutskin.clinic import accounts
from gutskin.store import migrate
from gutskin.store.db import transaction
from gutskin.store.models import Consent
from tests.conftest import People
from tests.safety.test_backup_restore import GUTSKIN


def _closed_clinicians_sharing(engine, people: People) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        accounts.delete_account(s, people.clinician, People.password)
    with transaction(engine) as s:
        row = s.scalar(select(Consent).where(Consent.patient_id == people.owner_pid))
        assert row is not None and row.clinician_user_id is None and row.clinician_email == "linked@clinic.example.org"
        return row.id


def _consents(engine) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text("SELECT * FROM consents ORDER BY id"))]


def test_a_downgrade_below_0011_refuses_to_delete_a_closed_clinicians_sharing(db_url: str, engine, people: People) -> None:  # type: ignore[no-untyped-def]
    consent = _closed_clinicians_sharing(engine, people)
    head = migrate.current_revision(db_url)
    before = _consents(engine)
    try:
        refused: Exception | None = None
        try:
            migrate.downgrade(db_url, "0010")
        except Exception as exc:  # noqa: BLE001 - checked below: MigrationRefused, nothing else
            refused = exc
        assert refused is not None, f"downgraded to {migrate.current_revision(db_url)}; consents now {_consents(engine)}"
        assert type(refused).__name__ == "MigrationRefused", repr(refused)
        message = str(refused)
        assert "0011" in message and f"id {consent}" in message and "1 sharing " in message
        assert "DELETE FROM consents WHERE clinician_user_id IS NULL" in message
        assert migrate.current_revision(db_url) == head  # nothing changed: not even the later revisions' downgrades
        assert _consents(engine) == before

        env = {**os.environ, "GUTSKIN_DATABASE_URL": db_url}
        r = subprocess.run([GUTSKIN, "db", "downgrade", "0010"], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, r.stderr
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: downgrade below 0011 refused"), r.stderr
        assert migrate.current_revision(db_url) == head and _consents(engine) == before
    finally:
        migrate.upgrade(db_url)  # the PostgreSQL test database is shared by the session


def test_without_such_sharings_the_downgrade_goes_and_comes_back(db_url: str, engine, people: People) -> None:  # type: ignore[no-untyped-def]
    try:
        migrate.downgrade(db_url, "0010")
        assert migrate.current_revision(db_url) == "0010"
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM consents WHERE patient_id = :p"),
                             {"p": people.owner_pid}).scalar() == 1
    finally:
        migrate.upgrade(db_url)
    with transaction(engine) as s:
        row = s.scalar(select(Consent).where(Consent.patient_id == people.owner_pid))
        assert (row.clinician_user_id, row.clinician_name, row.clinician_email) == (
            people.clinician.user_id, "Dr Linked", "linked@clinic.example.org")


def test_a_restore_over_such_a_database_is_not_stopped(db_url: str, engine, people: People, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A restore replaces everything (it downgrades to base first): the refusal is not for it."""
    from gutskin.store.backup import backup, restore

    saved = tmp_path / "b.jsonl.gz"
    backup(db_url, saved)  # with the live clinician's sharing
    _closed_clinicians_sharing(engine, people)
    restore(db_url, saved, force=True)
    with transaction(engine) as s:
        row = s.scalar(select(Consent).where(Consent.patient_id == people.owner_pid))
        assert row.clinician_user_id == people.clinician.user_id
