"""Alembic migrations on SQLite and PostgreSQL: upgrade, downgrade, models in sync, audit append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from gutskin.clinic import audit
from gutskin.clinic.actors import SYSTEM
from gutskin.store import migrate
from gutskin.store.db import get_engine, transaction


def test_upgrade_downgrade_check(db_url: str) -> None:
    engine = get_engine(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
    migrate.check(db_url)  # raises when models and migrations differ
    migrate.downgrade(db_url, "base")
    assert migrate.current_revision(db_url) is None
    assert "diary_days" not in inspect(engine).get_table_names()
    migrate.upgrade(db_url)
    assert {"users", "patients", "diary_days", "factor_values", "questionnaire_responses", "audit_events"} <= set(
        inspect(engine).get_table_names()
    )
    migrate.check(db_url)


def test_audit_table_is_append_only(db_url: str) -> None:
    engine = get_engine(db_url)
    with transaction(engine) as s:
        audit.record(s, SYSTEM, 1, "read", "diary")
    for stmt in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(stmt))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM audit_events")).scalar_one() == "read"


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_sqlite_rebuild_to_autoincrement_keeps_every_row_and_never_reuses_an_id(tmp_path) -> None:
    """0004 rebuilds users and patients on SQLite; with foreign keys on, the DROP TABLE of that
    rebuild would cascade-delete every diary day, so the runner turns them off and checks after."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0003")
    engine = get_engine(url)
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO users (id, email, password_hash, role, display_name, session_version, created_at) "
                          "VALUES (1, 'a@x', 'h', 'patient', '', 1, '2026-01-01'), (2, 'b@x', 'h', 'patient', '', 1, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO patients (id, external_id, owner_user_id, relationship, display_name, share_identity, "
                          "created_at) VALUES (1, 'p1', 1, 'self', '', 0, '2026-01-01'), (2, 'p2', 2, 'self', '', 0, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO diary_days (patient_id, day, itch, updated_at) VALUES (1, '2026-01-01', 3, '2026-01-01'), "
                          "(2, '2026-01-01', 5, '2026-01-01')")
        # an account deleted before the migration (ids 7 and 9) left its trace in the audit log
        c.exec_driver_sql("INSERT INTO audit_events (at, actor_user_id, actor_label, patient_id, action, object_type, object_id) "
                          "VALUES ('2026-01-01', 7, 'gone@x', 9, 'read', 'diary', '')")
    migrate.upgrade(url)
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM diary_days").scalar() == 2
        assert c.exec_driver_sql("SELECT count(*) FROM patients").scalar() == 2
        assert "AUTOINCREMENT" in c.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'users'").scalar()
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for the app
        c.exec_driver_sql("DELETE FROM users WHERE id = 2")  # the newest account goes ...
        assert c.exec_driver_sql("SELECT count(*) FROM diary_days").scalar() == 1  # (cascade still works)
        c.exec_driver_sql("INSERT INTO users (email, password_hash, role, display_name, session_version, created_at) "
                          "VALUES ('c@x', 'h', 'patient', '', 1, '2026-01-02')")
        c.exec_driver_sql("INSERT INTO patients (external_id, owner_user_id, relationship, display_name, share_identity, "
                          "created_at) VALUES ('p3', 8, 'self', '', 0, '2026-01-02')")
        # ... and the next one gets neither its id nor the deleted-before-migration ids
        assert c.exec_driver_sql("SELECT id FROM users WHERE email = 'c@x'").scalar() == 8
        assert c.exec_driver_sql("SELECT id FROM patients WHERE external_id = 'p3'").scalar() == 10
    migrate.check(url)
    migrate.downgrade(url, "0003")
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM diary_days").scalar() == 1


def test_the_sqlite_rebuild_refuses_to_run_with_foreign_keys_on(tmp_path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0003")
    cfg = migrate.alembic_config(url)
    with get_engine(url).begin() as conn:  # foreign keys on: a plain Alembic run
        cfg.attributes["connection"] = conn
        with pytest.raises(RuntimeError, match="needs foreign keys off"):
            command.upgrade(cfg, "head")
