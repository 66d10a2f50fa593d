"""The migration that records who answered (questionnaire responses and diary days get author_user_id and
author_role) upgrades and downgrades on SQLite and PostgreSQL, keeping every row; old rows: author unknown."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine

AUTHOR_COLUMNS = {"author_user_id", "author_role"}


def _revisions() -> tuple[str, str]:
    """(the authors revision, the one before it), found by the migration's file name."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    [rev] = [r for r in script.walk_revisions() if r.path.endswith("_answer_and_day_authors.py")]
    return rev.revision, rev.down_revision  # type: ignore[return-value]


def _columns(engine, table: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_author_columns_upgrade_and_downgrade_keeping_rows(db_url: str) -> None:
    authors, before = _revisions()
    engine = get_engine(db_url)
    assert AUTHOR_COLUMNS <= _columns(engine, "questionnaire_responses") and AUTHOR_COLUMNS <= _columns(engine, "diary_days")
    migrate.downgrade(db_url, before)
    dispose_engines()
    engine = get_engine(db_url)
    assert not AUTHOR_COLUMNS & (_columns(engine, "questionnaire_responses") | _columns(engine, "diary_days"))
    with engine.begin() as c:  # a record written before the revision
        c.exec_driver_sql("INSERT INTO users (id, email, password_hash, role, display_name, session_version, created_at) "
                          "VALUES (41, 'old@x', 'h', 'patient', '', 1, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO patients (id, external_id, owner_user_id, relationship, display_name, share_identity, "
                          "created_at) VALUES (41, 'p-old', 41, 'child', 'Mia', false, '2026-01-01')")
        c.exec_driver_sql("INSERT INTO diary_days (patient_id, day, itch, poem, updated_at) VALUES (41, '2026-01-01', 3, 7, "
                          "'2026-01-01')")
        c.exec_driver_sql("INSERT INTO factors (id, name, kind, unit, custom) VALUES (41, 'food.egg', 'binary', '', false)")
        c.exec_driver_sql("INSERT INTO factor_values (patient_id, day, factor_id, value) VALUES (41, '2026-01-01', 41, 1)")
        c.exec_driver_sql("INSERT INTO questionnaire_responses (patient_id, instrument, version, answered_on, answers, total, "
                          "created_at) VALUES (41, 'poem', 'v', '2026-01-01', '{\"answers\": [1, 1, 1, 1, 1, 1, 1]}', 7, "
                          "'2026-01-01')")
    migrate.upgrade(db_url)
    dispose_engines()
    engine = get_engine(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
    migrate.check(db_url)
    with engine.begin() as c:  # old rows: author not recorded
        assert c.exec_driver_sql("SELECT author_user_id, author_role FROM diary_days").all() == [(None, None)]
        assert c.exec_driver_sql("SELECT author_user_id, author_role FROM questionnaire_responses").all() == [(None, None)]
        c.exec_driver_sql("UPDATE diary_days SET author_user_id = 41, author_role = 'caregiver'")
        c.exec_driver_sql("UPDATE questionnaire_responses SET author_user_id = 41, author_role = 'caregiver'")
    migrate.downgrade(db_url, before)  # rebuilds the tables on SQLite: the rows and their factor values stay
    dispose_engines()
    engine = get_engine(db_url)
    with engine.begin() as c:
        assert c.exec_driver_sql("SELECT itch, poem FROM diary_days").all() == [(3, 7)]
        assert c.exec_driver_sql("SELECT count(*) FROM factor_values").scalar() == 1
        assert c.exec_driver_sql("SELECT total FROM questionnaire_responses").scalar() == 7
    assert not AUTHOR_COLUMNS & (_columns(engine, "questionnaire_responses") | _columns(engine, "diary_days"))
    migrate.upgrade(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
