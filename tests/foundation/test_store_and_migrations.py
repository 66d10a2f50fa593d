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
