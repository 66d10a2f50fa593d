"""Engines and sessions. SQLite gets WAL mode and foreign keys; PostgreSQL goes through psycopg 3."""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as exc_mod
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Accept ``postgres://``, ``postgresql://`` and ``postgresql+psycopg2://`` (a common copy
    from other apps' settings) and use the psycopg 3 driver, the one gutskin installs."""
    for prefix in ("postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            url = "postgresql://" + url[len(prefix) :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


SUPPORTED_BACKENDS = ("sqlite", "postgresql")
#: the DBAPI drivers gutskin installs (a URL naming another, e.g. ``postgresql+asyncpg``, is refused)
SUPPORTED_DRIVERS = {"sqlite": ("pysqlite",), "postgresql": ("psycopg",)}


class DatabaseUrlError(ValueError):
    """``GUTSKIN_DATABASE_URL`` names no usable database; the message is one line for the user."""


def _default_sqlite_path() -> Path | None:
    from gutskin.settings import default_database_url

    return sqlite_path(default_database_url())


def check_database_url(url: str) -> str:
    """Validate a database URL before anything connects; return it normalized.

    Raises :class:`DatabaseUrlError` for a URL that is not one, a database other than SQLite
    or PostgreSQL, or a SQLite file whose folder does not exist: a mistyped path must not
    silently become a new empty database. Only the default file in the user's data directory
    (no ``GUTSKIN_DATABASE_URL`` set) gets its folder created, on first use.
    The message never repeats the URL itself (it may hold a password).
    """
    try:
        u = make_url(normalize_url(url))
    except exc_mod.ArgumentError:
        raise DatabaseUrlError(
            "GUTSKIN_DATABASE_URL: not a database URL (use sqlite:///PATH or postgresql://...)"
        ) from None
    backend = u.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseUrlError(
            f"GUTSKIN_DATABASE_URL: unsupported database {backend!r} (use sqlite:///PATH or postgresql://...)"
        )
    if u.get_driver_name() not in SUPPORTED_DRIVERS[backend]:
        raise DatabaseUrlError(
            f"GUTSKIN_DATABASE_URL: driver {u.get_driver_name()!r} is not installed; write {backend}://... "
            f"(gutskin uses {SUPPORTED_DRIVERS[backend][0]})"
        )
    path = sqlite_path(url)
    if path is not None:
        folder = path.parent
        if path.is_dir():
            raise DatabaseUrlError(f"GUTSKIN_DATABASE_URL: {path} is a directory, not a database file")
        if not folder.is_dir() and path.absolute() != (_default_sqlite_path() or Path()).absolute():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise DatabaseUrlError(f"GUTSKIN_DATABASE_URL: folder {folder} {what}")
    return normalize_url(url)


def is_sqlite(url: str) -> bool:
    return make_url(normalize_url(url)).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    u = make_url(normalize_url(url))
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy, not the sqlite3 module, open transactions (see _sqlite_begin): this makes
    # DDL transactional too, so a failed migration or restore leaves nothing behind.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")  # durable against process crashes in WAL mode
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    """``BEGIN IMMEDIATE``: SQLAlchemy's recipe for transactional DDL on pysqlite, and the write
    lock taken up front. A deferred transaction that reads and then writes fails at once with
    "database is locked" when another writer got in between (busy_timeout cannot help it);
    taking the lock at BEGIN makes concurrent requests wait their turn instead. SQLite has one
    writer at a time anyway; PostgreSQL is the choice for many concurrent users.
    A connection with the execution option ``snapshot_read=True`` (reads only) gets a deferred
    ``BEGIN`` instead: its first read fixes its snapshot (WAL) and it never blocks a writer."""
    if conn.get_execution_options().get("snapshot_read"):
        # a read-only snapshot (the insights worker): in WAL mode a deferred transaction never
        # takes or waits for the write lock, so a long read stalls no writer
        conn.exec_driver_sql("BEGIN")
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")


_engines: dict[str, Engine] = {}

#: seconds a new PostgreSQL connection may take (``?connect_timeout=`` in the URL overrides it).
#: libpq's default is to wait for ever: with the database host unreachable or a server that
#: accepts and never answers, every request hung on its connection attempt (operator review)
PG_CONNECT_TIMEOUT_SECONDS = 10

#: SQLite result codes (and their extended codes, e.g. SQLITE_IOERR_WRITE) that mean the database
#: cannot be used right now -- locked beyond the busy timeout, disk full, read-only, file gone --
#: rather than a bug in a statement (SQLITE_ERROR: syntax, no such table)
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_READONLY", "SQLITE_CANTOPEN",
                       "SQLITE_IOERR", "SQLITE_NOMEM", "SQLITE_PROTOCOL", "SQLITE_NOLFS", "SQLITE_AUTH")


def unavailable_reason(error: BaseException) -> str | None:
    """One line saying why the database cannot be used now, or ``None`` when ``error`` is not that.

    "Cannot be used now": PostgreSQL down, restarting, refusing connections or out of disk (every
    ``psycopg.OperationalError``), a connection lost mid-request, no pooled connection free in time,
    and on SQLite a lock held past the busy timeout, a full disk, a read-only file or folder, or an
    I/O error. The web app answers these 503 with ``Retry-After`` and logs this line (no traceback);
    anything else is a bug and stays a 500 with its traceback. The text never holds a row's values
    (``hide_parameters``; PostgreSQL's own text is already scrubbed by :func:`_scrub_postgres_error`).
    """
    if isinstance(error, exc_mod.TimeoutError):
        return "no database connection became free in time (the pool is exhausted)"
    if isinstance(error, exc_mod.DisconnectionError):
        return f"the database connection was lost: {_first_line(error)}"
    if not isinstance(error, exc_mod.DBAPIError):
        return None
    orig = error.orig
    if getattr(error, "connection_invalidated", False):
        return f"the database connection was lost: {_first_line(orig)}"
    errorname = getattr(orig, "sqlite_errorname", None)
    if errorname is not None:
        if isinstance(error, exc_mod.OperationalError) and errorname.startswith(_SQLITE_UNAVAILABLE):
            return f"{errorname}: {_first_line(orig)}"
        return None
    if type(orig).__module__.startswith("psycopg") and isinstance(error, (exc_mod.OperationalError, exc_mod.InterfaceError)):
        return _first_line(orig)
    return None


def _first_line(error: BaseException) -> str:
    text = " ".join(str(error).split("\n", 1)[0].split())  # one line, runs of spaces collapsed
    return text[:300] or type(error).__name__


def _create_private(path: Path) -> None:
    """A new SQLite file is created readable by its owner only (0600): it is everyone's health
    data, and the usual umask made it world-readable. SQLite gives its -wal and -shm files the
    database file's permissions. An existing file keeps the mode its operator chose."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        # a folder gutskin may not write in: SQLite cannot make the file either and says so in
        # its one line ("unable to open database file"); this was a PermissionError traceback


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` (checked by :func:`check_database_url`).

    For SQLite, only the default file's folder in the user's data directory is created; an
    explicitly given path must be in an existing folder.
    """
    url = check_database_url(url)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)  # only reached for the default file
            _create_private(path)
        # hide_parameters: a database error's message (and so the server log) never shows the
        # statement's values, which are health data (third security review)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS}
    engine = create_engine(url, pool_size=10, max_overflow=20, hide_parameters=True, connect_args=connect_args)
    event.listen(engine, "handle_error", _scrub_postgres_error)
    event.listen(engine, "checkin", _remember_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


#: SQLSTATE classes whose primary message names only schema objects (constraint, table,
#: column) or the statement, never a row's values: integrity (23), transaction rollback (40),
#: connection (08), syntax/access (42), resources (53), object state (55), operator (57)
_PRIMARY_NAMES_NO_VALUES = frozenset({"23", "40", "08", "42", "53", "55", "57"})
#: RAISE EXCEPTION in gutskin's own triggers (migrations): a fixed text such as "audit_events is
#: append-only" that says what was refused, and quotes no value
_OWN_TRIGGER_STATES = frozenset({"P0001"})


def postgres_error_text(orig: BaseException) -> str:
    """What of a PostgreSQL error may be shown or logged: never a row's values.

    The server's message continues after its first line with DETAIL (``Key (email)=(…)
    already exists``, ``Failing row contains (…)``), HINT and CONTEXT lines, which quote the
    row; a data exception's (class 22) first line quotes the offending value itself
    (``invalid input syntax for type integer: "…"``). Kept: the first line where it names only
    schema objects, else the error's name and SQLSTATE (and the column, if the server named one).
    """
    sqlstate = getattr(orig, "sqlstate", None) or ""
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None) or (str(orig).splitlines() or [""])[0]
    if sqlstate[:2] in _PRIMARY_NAMES_NO_VALUES or sqlstate in _OWN_TRIGGER_STATES:
        return primary
    column = getattr(diag, "column_name", None)
    return f"{type(orig).__name__} (SQLSTATE {sqlstate or 'unknown'})" + (f" in column {column!r}" if column else "")


def _scrub_postgres_error(context) -> None:  # type: ignore[no-untyped-def]
    """Rewrite a PostgreSQL error's message, and the driver error it wraps, to
    :func:`postgres_error_text` before anyone (a handler, the server log's traceback, the
    backup restore's one-line message) reads it. ``hide_parameters`` already keeps the
    statement's bound values out; this keeps out the ones the server quotes back."""
    orig = context.original_exception
    if not getattr(orig, "sqlstate", None):  # not the server's error (a client-side failure, a Python bug): as it is
        return
    safe = postgres_error_text(orig)
    orig.args = (safe,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None and wrapped.orig is orig:
        wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {safe}",)


#: a pooled connection idle longer than this is checked with a round trip before use
PING_AFTER_IDLE_SECONDS = 10.0


def _remember_checkin(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Pessimistic disconnect handling, but only for connections that sat idle.

    ``pool_pre_ping`` costs a round trip on every request; a connection that was in use a few
    seconds ago is alive, so only one idle for longer than ``PING_AFTER_IDLE_SECONDS`` (a
    database restart, a dropped idle connection) is pinged. A dead one raises
    ``DisconnectionError``, on which the pool discards it and checks out another
    (SQLAlchemy docs, "Disconnect Handling - Pessimistic", custom checkout event).
    """
    last = record.info.get("checked_in_at")
    if last is None or time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_conn.execute("SELECT 1")
        dbapi_conn.rollback()
    except Exception as exc:  # the driver's own error types vary; any failure means "not usable"
        raise exc_mod.DisconnectionError(str(exc)) from exc


def get_engine(url: str) -> Engine:
    """One shared engine per URL and process."""
    url = normalize_url(url)
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    with session_factory(engine).begin() as session:
        yield session
