"""Alembic, driven from code: ``gutskin db upgrade`` and the tests use these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from gutskin.store.db import get_engine, normalize_url

MIGRATIONS = Path(__file__).with_name("migrations")


class MigrationRefused(RuntimeError):
    """A downgrade that would delete data the earlier schema cannot hold, refused before anything
    changed (the whole run is one transaction); the message says what and how to go on."""


#: ``Config.attributes`` key set by a restore, which replaces every table anyway: a downgrade that
#: would otherwise refuse to lose rows (:class:`MigrationRefused`) goes on
REPLACING_EVERYTHING = "gutskin_replacing_everything"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


@contextmanager
def sqlite_foreign_keys_off(conn: Connection) -> Iterator[None]:
    """Foreign keys off on a SQLite connection for a migration that rebuilds tables, on again
    after (SQLite's own procedure, https://sqlite.org/lang_altertable.html#otheralter: a DROP
    TABLE with them on cascade-deletes the children). ``conn`` must not be in a transaction:
    the pragma is a no-op inside one. Nothing on PostgreSQL."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def check_foreign_keys(conn: Connection) -> None:
    """Raise if any row of a SQLite database points at a row that is not there."""
    if conn.dialect.name == "sqlite":
        bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if bad:
            raise RuntimeError(f"foreign key check failed after migration: {bad[:5]}")


#: PostgreSQL advisory lock key held while migrations run (any constant; "gutskin" in ASCII)
MIGRATION_LOCK_KEY = 0x67757473_6B696E


def hold_migration_lock(conn: Connection) -> None:
    """On PostgreSQL, wait for any other gutskin process migrating the same database, and keep
    the others waiting until this transaction ends (``pg_advisory_xact_lock``). Several machines
    or a restarted service running ``gutskin serve`` (which migrates first) at the same moment
    raced: each created the same tables and all but one failed with "duplicate key value violates
    unique constraint pg_type_typname_nsp_index". The one that waited then finds the database at
    head and does nothing. SQLite needs nothing: its ``BEGIN IMMEDIATE`` already serialises them."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def _run(url: str, action, revision: str) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
        hold_migration_lock(conn)
        cfg.attributes["connection"] = conn
        action(cfg, revision)
        check_foreign_keys(conn)


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (default: the newest), in one transaction."""
    _run(url, command.upgrade, revision)


def downgrade(url: str, revision: str) -> None:
    _run(url, command.downgrade, revision)


def check(url: str) -> None:
    """Raise when the models differ from the migrations (``alembic check``)."""
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head
