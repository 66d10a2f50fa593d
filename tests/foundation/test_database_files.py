"""The database as an operator meets it: file permissions and URLs copied from other apps."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from gutskin.store.db import DatabaseUrlError, check_database_url, make_engine, normalize_url


def _mode(path) -> int:  # type: ignore[no-untyped-def]
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_file_and_its_wal_are_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    old = os.umask(0o022)  # the usual umask: files readable by everyone
    try:
        path = tmp_path / "clinic.db"
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (note text)"))
            conn.execute(text("INSERT INTO t VALUES ('itch 7')"))
        assert _mode(path) == 0o600
        wal = tmp_path / "clinic.db-wal"  # kept while the pool holds the connection open
        assert wal.exists() and _mode(wal) == 0o600
        engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_sqlite_file_keeps_its_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shared.db"
    path.touch()
    os.chmod(path, 0o640)  # the operator's choice (e.g. a backup group)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert _mode(path) == 0o640


def test_postgres_urls_from_other_apps(pg_url) -> None:  # type: ignore[no-untyped-def]
    assert normalize_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    engine = make_engine(pg_url.replace("postgresql+psycopg://", "postgresql+psycopg2://"))
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT 1")) == 1
    engine.dispose()
    for url in ("postgresql+asyncpg://u:secret@h/db", "sqlite+aiosqlite:///x.db"):
        with pytest.raises(DatabaseUrlError, match="^GUTSKIN_DATABASE_URL: driver '.*' is not installed") as err:
            check_database_url(url)
        assert "secret" not in str(err.value)
