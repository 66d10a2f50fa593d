"""Race-free "create if missing" for rows that concurrent requests may both create.

``INSERT … ON CONFLICT DO NOTHING`` exists on PostgreSQL and SQLite (≥ 3.24); the caller
then reads (and on PostgreSQL locks) the row, so two requests logging the same day, or
naming the same new factor, never fail with a duplicate-key error.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gutskin.store.models import DiaryDay, Factor, utcnow


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
