"""Race-free "create if missing" for rows that concurrent requests may both create.

``INSERT … ON CONFLICT DO NOTHING`` exists on PostgreSQL and SQLite (≥ 3.24); the caller
then reads (and on PostgreSQL locks) the row, so two requests logging the same day, or
naming the same new factor, never fail with a duplicate-key error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import case, func, insert as core_insert, literal, literal_column, select
from sqlalchemy.orm import Session

from gutskin.store.models import DiaryDay, Factor, FactorValue, utcnow

#: day columns a write sets; ``None`` in these keeps the stored value instead of clearing it
#: (a POEM score comes from the weekly questionnaire, the day form does not resend it)
KEEP_WHEN_NONE = ("poem",)
DAY_VALUES = ("itch", "sleep_loss", "poscorad", "poem", "flare", "notes")
#: who wrote the day (0007): set by every write, like the values; not returned
DAY_AUTHOR = ("author_user_id", "author_role")


def _insert(session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def ensure_diary_day(session: Session, patient_id: int, day: dt.date) -> tuple[DiaryDay, bool]:
    """The day's row, locked for this transaction; ``True`` when this call created it."""
    insert = _insert(session)
    inserted = session.execute(
        insert(DiaryDay).values(patient_id=patient_id, day=day, updated_at=utcnow())
        .on_conflict_do_nothing().returning(DiaryDay.day)
    ).first()
    created = inserted is not None  # (rowcount is not reliable for this statement on every driver)
    row = session.get(DiaryDay, (patient_id, day), with_for_update=True, populate_existing=True)
    assert row is not None
    return row, created


def ensure_factors(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert factor definitions that do not exist yet (by unique name)."""
    if rows:
        insert = _insert(session)
        session.execute(insert(Factor).values(rows).on_conflict_do_nothing(index_elements=["name"]))


def upsert_diary_day(session: Session, patient_id: int, day: dt.date, values: Mapping[str, object],
                     create_only: bool = False) -> tuple[dict[str, object], bool] | None:
    """Create or replace a day's scores in one statement; return the stored row and whether it is new.

    ``INSERT … ON CONFLICT (patient_id, day) DO UPDATE … RETURNING`` both writes and locks the
    row, so the write path of a diary day is one round trip on PostgreSQL (the ORM sequence of
    insert, locked read and update took three). On PostgreSQL ``xmax = 0`` in the returned row
    tells an inserted row from an updated one (the updating transaction's id is in ``xmax``;
    PostgreSQL docs, "System Columns"; the idiom is the documented way to tell them apart
    without a second query). SQLite has no such column; there the caller already holds the
    database's single write lock, so an in-process existence check before the upsert is exact.
    Rows of this day already in the session are expired so later reads see the new values.

    ``create_only``: ``ON CONFLICT DO NOTHING`` instead, and None when the day exists. On
    PostgreSQL the insert waits for a concurrent transaction that inserted the same day and then
    finds the conflict, so two first saves of a day cannot both create it (a conditional write,
    ``If-None-Match: *``, the page's Save of a day with no entry).
    """
    dialect = session.get_bind().dialect.name
    row = {k: values.get(k) for k in (*DAY_VALUES, *DAY_AUTHOR)}
    row.update(patient_id=patient_id, day=day, updated_at=utcnow())
    insert = _insert(session)
    table = DiaryDay.__table__  # Core statements: the ORM's bookkeeping is most of a small write's cost
    stmt = insert(table).values(**row)
    excluded = stmt.excluded
    sets = {k: (func.coalesce(excluded[k], table.c[k]) if k in KEEP_WHEN_NONE else excluded[k])
            for k in (*DAY_VALUES, *DAY_AUTHOR, "updated_at")}
    cols = [table.c[k] for k in DAY_VALUES]
    if create_only:
        inserted = session.execute(stmt.on_conflict_do_nothing(
            index_elements=[table.c.patient_id, table.c.day]).returning(*cols)).first()
        return None if inserted is None else ({k: getattr(inserted, k) for k in DAY_VALUES}, True)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.patient_id, table.c.day], set_=sets)
    if dialect == "postgresql":
        stored = session.execute(stmt.returning(*cols, literal_column("xmax = 0").label("created"))).one()
        created = bool(stored.created)
    else:
        created = session.scalar(
            select(literal(1)).where(table.c.patient_id == patient_id, table.c.day == day)) is None
        stored = session.execute(stmt.returning(*cols)).one()
    cached = session.identity_map.get(session.identity_key(DiaryDay, (patient_id, day)))
    if cached is not None:
        session.expire(cached)
    return {k: getattr(stored, k) for k in DAY_VALUES}, created


def insert_day_factor_values(session: Session, patient_id: int, day: dt.date, values: Mapping[str, float]) -> set[str]:
    """Insert a day's factor values by factor *name* in one statement; return the names not defined yet.

    ``INSERT INTO factor_values … SELECT … FROM factors WHERE name IN (…)`` resolves the ids in
    the database, so the common case (every factor already defined) needs no lookup round
    trip; the caller defines the missing ones and calls again with only those.
    """
    if not values:
        return set()
    names = sorted(values)
    factors = Factor.__table__
    value = case({n: float(values[n]) for n in names}, value=factors.c.name)
    source = select(literal(patient_id), literal(day), factors.c.id, value).where(factors.c.name.in_(names))
    inserted = session.execute(
        core_insert(FactorValue.__table__).from_select(["patient_id", "day", "factor_id", "value"], source),
        execution_options={"preserve_rowcount": True},  # SQLAlchemy keeps INSERT rowcounts only when asked
    ).rowcount
    if inserted == len(names):
        return set()
    return set(names) - set(session.scalars(select(factors.c.name).where(factors.c.name.in_(names))))
