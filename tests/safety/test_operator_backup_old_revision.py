"""A backup taken before ``gutskin db upgrade`` (the prudent order) is written and restores
into an empty database, migrated to the newest revision with every row kept.

Found by following README: ``gutskin backup`` of a database still at revision 0001 crashed with
``NoSuchTableError: food_challenges`` (it reflected every table of the newest models).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import text

from gutskin.clinic import accounts
from gutskin.clinic.passwords import hash_password, verify_password
from gutskin.store.backup import backup, restore
from gutskin.store.db import get_engine, transaction
from gutskin.store.migrate import current_revision, downgrade, head_revision, upgrade
from tests.conftest import People

NOW = dt.datetime(2026, 11, 28, 22, 0, 0)
NAMES = ["Łukasz Żółć", "Ærin 李", "Kleine Jürgen"]


def seed_revision_0001(url: str) -> None:
    """Rows as the first release wrote them (revision 0001's tables and columns)."""
    h = hash_password(People.password)
    with get_engine(url).begin() as c:
        c.execute(text("INSERT INTO users (id, email, password_hash, role, display_name, session_version, created_at) "
                       "VALUES (:id, :e, :h, :r, :n, 0, :t)"), [
            {"id": 1, "e": "doc@clinic.example", "h": h, "r": "clinician", "n": "Dr Zoë Ñúñez", "t": NOW},
            {"id": 2, "e": "pat@clinic.example", "h": h, "r": "patient", "n": NAMES[0], "t": NOW},
            {"id": 3, "e": "mum@clinic.example", "h": h, "r": "patient", "n": NAMES[1], "t": NOW}])
        c.execute(text("INSERT INTO patients (id, external_id, owner_user_id, relationship, display_name, created_at) "
                       "VALUES (:id, :x, :o, :r, :n, :t)"), [
            {"id": 1, "x": "p-aaaa000001", "o": 2, "r": "self", "n": NAMES[0], "t": NOW},
            {"id": 2, "x": "p-aaaa000002", "o": 3, "r": "self", "n": NAMES[1], "t": NOW},
            {"id": 3, "x": "p-aaaa000003", "o": 3, "r": "child", "n": NAMES[2], "t": NOW}])
        c.execute(text("INSERT INTO factors (id, name, kind, unit, custom) VALUES (1, 'food.dairy', 'binary', '', false), "
                       "(2, 'env.pollen', 'scale', 'grains/m³', false)"))
        days = [{"p": p, "d": dt.date(2025, 10, 1) + dt.timedelta(i), "i": (3 * i + p) % 11,
                 "n": "ça gratte 夜" if i % 10 == 0 else None, "t": NOW} for p in (1, 2, 3) for i in range(60)]
        c.execute(text("INSERT INTO diary_days (patient_id, day, itch, notes, updated_at) VALUES (:p, :d, :i, :n, :t)"), days)
        c.execute(text("INSERT INTO factor_values (patient_id, day, factor_id, value) VALUES (:p, :d, 2, 12.5)"), days)
        c.execute(text("INSERT INTO questionnaire_responses (patient_id, instrument, version, answered_on, answers, total, band, created_at) "
                       "VALUES (1, 'poem', 'POEM', :d, :a, 10, 'moderate', :t)"), {"d": dt.date(2025, 10, 7), "a": json.dumps([1, 2, 1, 2, 1, 2, 1]), "t": NOW})
        c.execute(text("INSERT INTO consents (patient_id, clinician_user_id, created_at) VALUES (1, 1, :t)"), {"t": NOW})
        c.execute(text("INSERT INTO appointment_requests (patient_id, reason, urgency, preferred_times, status, message, created_at, updated_at) "
                       "VALUES (1, 'Ça gratte — 痒い', 'soon', 'mañana', 'open', '', :t, :t)"), {"t": NOW})
        c.execute(text("INSERT INTO audit_events (at, actor_user_id, actor_label, patient_id, action, object_type, object_id) "
                       "VALUES (:t, 9, 'user 9', 7, 'read', 'diary', '')"), {"t": NOW})  # a since-deleted account
        if c.dialect.name == "postgresql":
            for t in ("users", "patients", "factors"):
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"))


def test_a_backup_of_a_database_at_the_first_revision_restores_at_the_newest(db_url: str, tmp_path: Path) -> None:
    downgrade(db_url, "0001")
    try:
        seed_revision_0001(db_url)
        path = tmp_path / "before-upgrade.jsonl.gz"
        counts = backup(db_url, path)  # was: NoSuchTableError: food_challenges
        assert counts["diary_days"] == 180 and "food_challenges" not in counts
    finally:
        with get_engine(db_url).begin() as c:  # the shared test database goes back to the newest schema, empty
            for t in ("factor_values", "diary_days", "questionnaire_responses", "consents", "appointment_requests",
                      "patients", "users", "factors"):
                c.execute(text(f"DELETE FROM {t}"))
        upgrade(db_url)
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(target, path)
    assert current_revision(target) == head_revision()
    with get_engine(target).connect() as c:
        assert c.execute(text("SELECT count(*) FROM diary_days")).scalar() == 180
        assert c.execute(text("SELECT count(*) FROM factor_values")).scalar() == 180
        assert sorted(c.execute(text("SELECT display_name FROM patients")).scalars()) == sorted(NAMES)
        assert c.execute(text("SELECT reason, patient_zone FROM appointment_requests")).one() == ("Ça gratte — 痒い", None)
        assert c.execute(text("SELECT count(*) FROM diary_days WHERE notes = 'ça gratte 夜'")).scalar() == 18
    with transaction(get_engine(target)) as s:  # the restored accounts work, and new ids stay above the deleted one's
        stored = s.execute(text("SELECT password_hash FROM users WHERE email = 'pat@clinic.example'")).scalar_one()
        assert verify_password(People.password, stored)
        assert accounts.register_patient(s, "new@example.org", People.password).id == 10


def test_db_upgrade_from_the_first_revision_keeps_every_row(db_url: str) -> None:
    import os
    import subprocess
    import sys

    downgrade(db_url, "0001")
    try:
        seed_revision_0001(db_url)
        gutskin = str(Path(sys.executable).with_name("gutskin"))
        r = subprocess.run([gutskin, "db", "upgrade"], env={**os.environ, "GUTSKIN_DATABASE_URL": db_url},
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert current_revision(db_url) == head_revision()
        with get_engine(db_url).connect() as c:
            assert c.execute(text("SELECT count(*) FROM diary_days")).scalar() == 180
            assert c.execute(text("SELECT count(*) FROM factor_values")).scalar() == 180
            assert sorted(c.execute(text("SELECT display_name FROM patients")).scalars()) == sorted(NAMES)
            assert c.execute(text("SELECT count(*) FROM consents")).scalar() == 1
        with transaction(get_engine(db_url)) as s:  # SQLite (migration 0004): not the deleted account's id 9 either
            new_id = accounts.register_patient(s, "new@example.org", People.password).id
        assert new_id == 10 if db_url.startswith("sqlite") else new_id > 3
    finally:
        upgrade(db_url)
