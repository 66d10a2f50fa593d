"""`gutskin import diary FILE --owner EMAIL` writes only into profiles that account manages
(stranger walk, 2026-12-06).

``--owner`` is how the operator imports a diary a person sent in (an old app's export) into that
person's account: new identifiers in the file become profiles the account manages. An identifier
that already exists went to that profile whoever managed it: a file from Alice that named Bob's
identifier (``p-…``, printed in every download name of Bob's) wrote Alice's rows into Bob's diary
-- a record Alice can neither read nor write -- and the operator was told only "imported N rows
for 2 patients (1 new)". With ``--owner`` an existing identifier of a profile that account does
not manage now stops the import (nothing written, one line naming the identifier and the line, not
who manages it); Alice's own managed profiles still take more days, and without ``--owner`` the
operator's bulk import into any profile is unchanged. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.clinic import accounts, diary
from gutskin.clinic.access import default_patient
from gutskin.settings import get_settings
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, DiaryDay, Patient

PASSWORD = "correct-horse-battery"


@pytest.fixture
def cli(db_url, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GUTSKIN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _people(db_url: str) -> dict[str, object]:
    engine = get_engine(db_url)
    with transaction(engine) as s:
        alice = accounts.actor_for(accounts.register_patient(s, "alice@example.org", PASSWORD, "Alice"))
        bob = accounts.actor_for(accounts.register_patient(s, "bob@example.org", PASSWORD, "Bob"))
        bob_pid = default_patient(s, bob).id
        diary.put_day(s, bob, bob_pid, dt.date(2025, 1, 1), diary.DayInput(itch=2, notes="Bob's own day"))
        alice_pid = default_patient(s, alice).id
        return {"alice_pid": alice_pid, "bob_pid": bob_pid,
                "alice_ext": s.get(Patient, alice_pid).external_id, "bob_ext": s.get(Patient, bob_pid).external_id}


def _days(db_url: str, pid: int) -> list[tuple]:
    with transaction(get_engine(db_url)) as s:
        return s.execute(select(DiaryDay.day, DiaryDay.itch, DiaryDay.notes).where(DiaryDay.patient_id == pid)
                         .order_by(DiaryDay.day)).all()


def _audit_rows(db_url: str, pid: int) -> int:
    with transaction(get_engine(db_url)) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.patient_id == pid)) or 0


def test_a_file_imported_for_one_account_cannot_write_into_another_persons_profile(cli, db_url, tmp_path) -> None:
    ids = _people(db_url)
    before_days, before_audit = _days(db_url, ids["bob_pid"]), _audit_rows(db_url, ids["bob_pid"])
    with transaction(get_engine(db_url)) as s:
        profiles_before = s.scalar(select(func.count()).select_from(Patient))
    f = tmp_path / "alice-old-app.csv"
    f.write_text(f"patient,date,itch\nkid-1,2025-02-01,3\n{ids['bob_ext']},2025-02-02,9\n{ids['bob_ext']},2025-02-03,9\n",
                 encoding="utf-8")
    r = cli.invoke(app, ["import", "diary", str(f), "--owner", "alice@example.org"])
    assert r.exit_code == 2, r.output
    line = r.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line, line
    assert ids["bob_ext"] in line and "line 3" in line, line
    assert "bob@example.org" not in line and "Bob" not in line  # who manages it is not the file's business
    # nothing of the file was written: not Bob's days, not Alice's new profile, no audit row for Bob
    assert _days(db_url, ids["bob_pid"]) == before_days
    assert _audit_rows(db_url, ids["bob_pid"]) == before_audit
    with transaction(get_engine(db_url)) as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == profiles_before


def test_the_owners_own_profiles_still_take_more_days_and_without_owner_nothing_changes(cli, db_url, tmp_path) -> None:
    ids = _people(db_url)
    first = tmp_path / "first.csv"
    first.write_text("patient,date,itch\nkid-1,2025-02-01,3\n", encoding="utf-8")
    assert cli.invoke(app, ["import", "diary", str(first), "--owner", "alice@example.org"]).exit_code == 0
    again = tmp_path / "again.csv"  # the same child's later days, and Alice's own profile
    again.write_text(f"patient,date,itch\nkid-1,2025-02-02,4\n{ids['alice_ext']},2025-02-02,5\n", encoding="utf-8")
    r = cli.invoke(app, ["import", "diary", str(again), "--owner", "alice@example.org"])
    assert r.exit_code == 0, r.output
    with transaction(get_engine(db_url)) as s:
        kid = s.scalar(select(Patient).where(Patient.external_id == "kid-1"))
        assert kid.owner_user_id == s.get(Patient, ids["alice_pid"]).owner_user_id
        kid_id = kid.id
    assert [d for d, _, _ in _days(db_url, kid_id)] == [dt.date(2025, 2, 1), dt.date(2025, 2, 2)]
    assert [(d, i) for d, i, _ in _days(db_url, ids["alice_pid"])] == [(dt.date(2025, 2, 2), 5)]
    # the operator's own bulk import (no --owner) still reaches any profile by its identifier
    bulk = tmp_path / "bulk.csv"
    bulk.write_text(f"patient,date,itch\n{ids['bob_ext']},2025-03-01,1\n", encoding="utf-8")
    r = cli.invoke(app, ["import", "diary", str(bulk)])
    assert r.exit_code == 0, r.output
    assert (dt.date(2025, 3, 1), 1, None) in _days(db_url, ids["bob_pid"])
