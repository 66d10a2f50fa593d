"""Migration 0008 (the caregivers table and the invite code's kind) upgrades and downgrades on SQLite
and PostgreSQL keeping every other row; codes made before it are clinician codes; a grant goes
with its child's profile or either account (ON DELETE CASCADE), and a pair is granted once."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine


def _revisions() -> tuple[str, str]:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    [rev] = [r for r in script.walk_revisions() if r.path.endswith("_caregivers.py")]
    return rev.revision, rev.down_revision  # type: ignore[return-value]


def _fresh(db_url: str):  # type: ignore[no-untyped-def]
    dispose_engines()
    return get_engine(db_url)


def test_caregivers_upgrade_and_downgrade_keeping_rows(db_url: str) -> None:
    rev, before = _revisions()
    engine = get_engine(db_url)
    assert "caregivers" in inspect(engine).get_table_names()
    migrate.downgrade(db_url, before)
    engine = _fresh(db_url)
    assert "caregivers" not in inspect(engine).get_table_names()
    assert "kind" not in {c["name"] for c in inspect(engine).get_columns("invites")}
    with engine.begin() as c:  # written before the revision: two accounts, a child, a clinician code
        for uid, email in ((41, "mum@x"), (42, "dad@x")):
            c.exec_driver_sql("INSERT INTO users (id, email, password_hash, role, display_name, session_version, "
                              f"created_at) VALUES ({uid}, '{email}', 'h', 'patient', '', 1, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO patients (id, external_id, owner_user_id, relationship, display_name, "
                          "share_identity, created_at) VALUES (41, 'p-old', 41, 'child', 'Mia', false, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO invites (id, patient_id, code_hash, created_at, expires_at) "
                          "VALUES (41, 41, 'h1', '2026-01-01', '2099-01-01')")
    migrate.upgrade(db_url)
    engine = _fresh(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()  # 0008 or a later revision
    migrate.check(db_url)
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT kind FROM invites").all() == [("clinician",)]
        c.exec_driver_sql("INSERT INTO invites (id, patient_id, code_hash, created_at, expires_at, kind) "
                          "VALUES (42, 41, 'h2', '2026-01-01', '2099-01-01', 'caregiver')")
        c.exec_driver_sql("INSERT INTO caregivers (id, patient_id, user_id, granted_by_user_id, created_at) "
                          "VALUES (1, 41, 42, 41, '2026-01-02')")
    with pytest.raises(IntegrityError), engine.begin() as c:  # the same pair twice
        c.exec_driver_sql("INSERT INTO caregivers (id, patient_id, user_id, granted_by_user_id, created_at) "
                          "VALUES (2, 41, 42, 41, '2026-01-03')")
    with engine.begin() as c:  # the co-caregiver's account goes: so does its grant
        c.exec_driver_sql("DELETE FROM users WHERE id = 42")
        assert c.exec_driver_sql("SELECT count(*) FROM caregivers").scalar() == 0
        c.exec_driver_sql("INSERT INTO users (id, email, password_hash, role, display_name, session_version, "
                          "created_at) VALUES (43, 'gran@x', 'h', 'patient', '', 1, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO caregivers (id, patient_id, user_id, granted_by_user_id, created_at) "
                          "VALUES (3, 41, 43, 41, '2026-01-02')")
        c.exec_driver_sql("DELETE FROM patients WHERE id = 41")  # the child's profile goes: so does the grant
        assert c.exec_driver_sql("SELECT count(*) FROM caregivers").scalar() == 0
        c.exec_driver_sql("INSERT INTO patients (id, external_id, owner_user_id, relationship, display_name, "
                          "share_identity, created_at) VALUES (44, 'p-new', 41, 'child', 'Leo', false, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO invites (id, patient_id, code_hash, created_at, expires_at, kind) "
                          "VALUES (43, 44, 'h3', '2026-01-01', '2099-01-01', 'clinician')")
        c.exec_driver_sql("INSERT INTO invites (id, patient_id, code_hash, created_at, expires_at, kind) "
                          "VALUES (44, 44, 'h4', '2026-01-01', '2099-01-01', 'caregiver')")
        c.exec_driver_sql("INSERT INTO caregivers (id, patient_id, user_id, granted_by_user_id, created_at) "
                          "VALUES (4, 44, 43, 41, '2026-01-02')")
    migrate.downgrade(db_url, before)  # a caregiver code would become a clinician code: it goes
    engine = _fresh(db_url)
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT id FROM invites ORDER BY id").all() == [(43,)]
        assert c.exec_driver_sql("SELECT id FROM patients").all() == [(44,)]
    assert "caregivers" not in inspect(engine).get_table_names()
    migrate.upgrade(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
