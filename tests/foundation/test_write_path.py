"""The diary write path (the app's hot path), on both databases: what each statement must keep."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select, text

from gutskin.clinic import access, accounts, diary
from gutskin.web import security
from gutskin.clinic.errors import NotFound
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, DiaryDay, Factor, FactorValue, User
from gutskin.store.upsert import insert_day_factor_values, upsert_diary_day

DAY = dt.date(2026, 10, 3)


def _values(**kw):  # type: ignore[no-untyped-def]
    base = {"itch": None, "sleep_loss": None, "poscorad": None, "poem": None, "flare": None, "notes": None}
    return {**base, **kw}


def test_upsert_reports_created_once_and_keeps_poem(engine, people) -> None:
    pid = people.owner_pid
    with transaction(engine) as s:
        stored, created = upsert_diary_day(s, pid, DAY, _values(itch=4, poem=12, notes="first"))
        assert created and stored["itch"] == 4 and stored["poem"] == 12
    with transaction(engine) as s:
        stored, created = upsert_diary_day(s, pid, DAY, _values(itch=7))
        assert not created
        # the day form does not resend POEM (it comes from the questionnaire): kept; notes cleared
        assert stored == _values(itch=7, poem=12)
    with transaction(engine) as s:
        assert s.scalar(select(DiaryDay.itch).where(DiaryDay.patient_id == pid, DiaryDay.day == DAY)) == 7


def test_upsert_expires_a_day_already_in_the_session(engine, people) -> None:
    pid = people.owner_pid
    with transaction(engine) as s:
        upsert_diary_day(s, pid, DAY, _values(itch=1))
    with transaction(engine) as s:
        row = s.get(DiaryDay, (pid, DAY))
        assert row is not None and row.itch == 1
        upsert_diary_day(s, pid, DAY, _values(itch=9))
        assert row.itch == 9  # not the stale value loaded before the write


def test_factor_values_by_name_report_undefined_factors(engine, people) -> None:
    pid = people.owner_pid
    with transaction(engine) as s:
        upsert_diary_day(s, pid, DAY, _values(itch=2))
        diary.factor_ids(s, ["food.dairy"])
        missing = insert_day_factor_values(s, pid, DAY, {"food.dairy": 1.0, "custom.cat_hair": 2.0})
        assert missing == {"custom.cat_hair"}
        stored = dict(s.execute(select(Factor.name, FactorValue.value).join(Factor, Factor.id == FactorValue.factor_id)
                                .where(FactorValue.patient_id == pid)).all())
        assert stored == {"food.dairy": 1.0}


def test_put_day_defines_new_factors_and_audits_create_then_update(engine, people) -> None:
    pid = people.owner_pid
    with transaction(engine) as s:
        out = diary.put_day(s, people.owner, pid, DAY, diary.DayInput(itch=3, factors={"custom.cat_hair": 1, "food.egg": 1}))
    assert out["factors"] == {"custom.cat_hair": 1.0, "food.egg": 1.0}
    with transaction(engine) as s:
        diary.put_day(s, people.owner, pid, DAY, diary.DayInput(itch=5, factors={"food.egg": 0}))
        (day,) = diary.list_days(s, people.owner, pid)
    assert day["itch"] == 5 and day["factors"] == {"food.egg": 0.0}
    with transaction(engine) as s:
        actions = list(s.scalars(select(AuditEvent.action).where(
            AuditEvent.patient_id == pid, AuditEvent.object_type == "diary_day").order_by(AuditEvent.id)))
    assert actions == ["create", "update"]


def test_a_write_is_at_most_five_statements(engine, people) -> None:
    """Guards the hot path against creeping back to the ORM's ~11 round trips."""
    with transaction(engine) as s:
        diary.factor_ids(s, ["food.dairy", "env.pollen"])
        token = security.issue_token("k" * 40, s.get(User, people.owner.user_id), s, 60)
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.strip().upper().startswith(("BEGIN", "COMMIT", "PRAGMA")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for k in range(2):  # created, then replaced
            seen.clear()
            with transaction(engine) as s:
                user, patients = security.account_from_token(s, "k" * 40, token, 60)  # as api_actor does
                actor = accounts.actor_for(user, access.choose_default(patients).id)
                patient = access.default_patient(s, actor)
                assert patient.id == people.owner_pid
                diary.put_day(s, actor, patient.id, DAY, diary.DayInput(itch=k, factors={"food.dairy": 1, "env.pollen": 3}))
            # get account + upsert (+ SQLite's existence check) (+ delete old factors) + insert factors + audit
            assert len(seen) <= 5 + (engine.dialect.name == "sqlite"), seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_default_patient_hint_never_grants_access(engine, people) -> None:
    """The actor's default-profile hint is checked against the database like any other id."""
    with transaction(engine) as s:
        user = s.get(User, people.stranger.user_id)
        forged = accounts.actor_for(user, people.owner_pid)  # hint pointing at someone else's profile
        assert access.default_patient(s, forged).id == people.stranger_pid
        with pytest.raises(NotFound):
            access.patient_for_write(s, forged, people.owner_pid)


def test_idle_pooled_connection_that_died_is_replaced(pg_url) -> None:  # type: ignore[no-untyped-def]
    """A connection killed while idle in the pool is pinged, discarded and replaced on checkout."""
    from gutskin.store import db

    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = get_engine(pg_url)
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = create_engine(db.normalize_url(pg_url), poolclass=NullPool)
    with killer.connect() as k:
        k.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        k.commit()
    killer.dispose()
    for rec in list(engine.pool._pool.queue):  # type: ignore[attr-defined]
        rec.info["checked_in_at"] -= db.PING_AFTER_IDLE_SECONDS + 1  # as if idle for a while
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
