"""Migration 0013 (a profile keeps its time zone) on SQLite and PostgreSQL: existing profiles get
no zone (their "today" stays the server's until their next entry says where they are); the
downgrade drops the column and keeps every profile and its diary (SQLite rebuilds the table)."""

from __future__ import annotations

from sqlalchemy import inspect

from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine


def _fresh(db_url: str):  # type: ignore[no-untyped-def]
    dispose_engines()
    return get_engine(db_url)


def _columns(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns("patients")}


def test_profiles_get_a_zone_column_and_keep_their_rows_both_ways(db_url: str) -> None:
    migrate.downgrade(db_url, "0012")
    engine = _fresh(db_url)
    assert "time_zone" not in _columns(engine)
    with engine.begin() as c:  # a profile and its diary written before the revision
        c.exec_driver_sql("INSERT INTO users (id, email, password_hash, role, display_name, session_version, "
                          "created_at) VALUES (71, 'kiri@x.org', 'h', 'patient', 'Kiri', 1, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO patients (id, external_id, owner_user_id, relationship, display_name, "
                          "share_identity, created_at) VALUES (71, 'p-71', 71, 'self', 'Kiri', false, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO diary_days (patient_id, day, itch, updated_at) VALUES (71, '2026-12-05', 4, "
                          "'2026-12-05 10:00:00')")
    migrate.upgrade(db_url)
    engine = _fresh(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
    migrate.check(db_url)  # the models agree with the migrations
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT id, time_zone FROM patients").all() == [(71, None)]
        c.exec_driver_sql("UPDATE patients SET time_zone = 'Pacific/Auckland' WHERE id = 71")
    migrate.downgrade(db_url, "0012")
    engine = _fresh(db_url)
    assert "time_zone" not in _columns(engine)
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT id, display_name FROM patients").all() == [(71, "Kiri")]
        assert c.exec_driver_sql("SELECT patient_id, itch FROM diary_days").all() == [(71, 4)]
    migrate.upgrade(db_url)
    engine = _fresh(db_url)
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT time_zone FROM patients WHERE id = 71").scalar() is None
