"""Migration 0020: ``users.must_change_password`` and ``api_tokens`` (docs/security.md, "Operator-set
passwords", "API tokens one by one"). Upgrade adds both, existing accounts unflagged; downgrade removes
both and keeps every account; upgrading again gives the same schema as the models. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine, transaction
from gutskin.store.models import User
from gutskin.web import security
from tests.conftest import TEST_SECRET


def _schema(db_url: str) -> tuple[set[str], set[str]]:
    dispose_engines()
    insp = inspect(get_engine(db_url))
    return set(insp.get_table_names()), {c["name"] for c in insp.get_columns("users")}


def test_upgrade_and_downgrade_of_0020(db_url: str, people) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(db_url)
    with transaction(engine) as s:
        security.issue_token(TEST_SECRET, s.get(User, people.owner.user_id), s, 60, "phone")
        s.get(User, people.clinician.user_id).must_change_password = True
    migrate.check(db_url)  # the models agree with the migrations
    tables, columns = _schema(db_url)
    assert "api_tokens" in tables and "must_change_password" in columns
    with engine.connect() as c:
        accounts_before = c.execute(text("SELECT id, email, password_hash, session_version FROM users ORDER BY id")).all()
    assert len(accounts_before) == 5

    migrate.downgrade(db_url, "0019")
    assert migrate.current_revision(db_url) == "0019"
    tables, columns = _schema(db_url)
    assert "api_tokens" not in tables and "must_change_password" not in columns
    with get_engine(db_url).connect() as c:  # every account kept as it was
        assert c.execute(text("SELECT id, email, password_hash, session_version FROM users ORDER BY id")).all() == accounts_before
        if db_url.startswith("sqlite"):
            assert "AUTOINCREMENT" in c.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'users'").scalar()

    migrate.upgrade(db_url, "0020")
    assert migrate.current_revision(db_url) == "0020"
    tables, columns = _schema(db_url)
    assert "api_tokens" in tables and "must_change_password" in columns
    with get_engine(db_url).connect() as c:
        # whether an operator set a password was never recorded before 0020: nobody is flagged
        assert c.execute(text("SELECT COUNT(*) FROM users WHERE must_change_password")).scalar() == 0
        assert c.execute(text("SELECT COUNT(*) FROM api_tokens")).scalar() == 0
    migrate.upgrade(db_url)
    migrate.check(db_url)
    if db_url.startswith("sqlite"):  # no table rebuild: account ids are still never reused (0004)
        with get_engine(db_url).connect() as c:
            assert "AUTOINCREMENT" in c.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'users'").scalar()
