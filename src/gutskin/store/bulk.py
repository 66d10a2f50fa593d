"""Fast bulk inserts of diary days and factor values for imports.

PostgreSQL: ``COPY … FROM STDIN`` through psycopg 3 (an order of magnitude faster than
multi-row INSERT). SQLite: ``executemany`` on the driver cursor. Both run on the session's
own connection, so they are part of the caller's transaction (all-or-nothing imports).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

DAY_COLUMNS = ("patient_id", "day", "itch", "sleep_loss", "poscorad", "poem", "flare", "notes", "updated_at")
#: the day columns with who wrote the day (an import's rows: the importing account and role, or NULL)
AUTHORED_DAY_COLUMNS = (*DAY_COLUMNS, "author_user_id", "author_role")
VALUE_COLUMNS = ("patient_id", "day", "factor_id", "value")


def _copy(session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:  # type: ignore[union-attr]
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _sqlite_value(v: object) -> object:
    """Dates and times as SQLAlchemy's SQLite types store them (ISO text)."""
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _executemany(session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    raw = session.connection().connection.driver_connection
    temporal = [i for i, v in enumerate(rows[0]) if isinstance(v, dt.date)]
    if temporal:
        cache: dict[object, object] = {}

        def conv(v: object) -> object:
            out = cache.get(v)
            if out is None:
                out = cache[v] = _sqlite_value(v)
            return out

        converted = []
        for r in rows:
            lst = list(r)
            for i in temporal:
                lst[i] = conv(lst[i])
            converted.append(lst)
        rows = converted
    marks = ", ".join("?" for _ in columns)
    cur = raw.cursor()  # type: ignore[union-attr]
    try:
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    finally:
        cur.close()


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert plain tuples into ``table`` in the session's transaction."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        _copy(session, table, columns, rows)
    elif dialect == "sqlite":
        _executemany(session, table, columns, rows)
    else:  # pragma: no cover - other backends take the portable path
        from sqlalchemy import table as sa_table, column, insert

        t = sa_table(table, *(column(c) for c in columns))
        session.execute(insert(t), [dict(zip(columns, r)) for r in rows])


def insert_diary_days(session: Session, rows: Sequence[tuple], columns: Sequence[str] = DAY_COLUMNS) -> None:
    insert_rows(session, "diary_days", columns, rows)


def insert_factor_values(session: Session, rows: Sequence[tuple]) -> None:
    insert_rows(session, "factor_values", VALUE_COLUMNS, rows)
