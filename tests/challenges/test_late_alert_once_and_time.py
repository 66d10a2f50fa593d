"""A late-reaction alert is written once and dated by the diary save that shows it (2026-12-07).

* Its ``created_at`` was the moment a read first ran the check (the clinician opening the panel at
  15:00 for a flare saved at 07:10 read "15:00"); now it is the diary day's save time.
* Two reads at the same moment each found no alert for the day and each wrote one (PostgreSQL: a
  transaction does not see the other's uncommitted row). Migration 0019 puts a unique index on
  (challenge_id, kind) and the writer inserts with ON CONFLICT DO NOTHING: one row, no error.

SQLite and PostgreSQL (``db_url``). Time passes by moving the plan's dates back (shift_back).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gutskin.clinic import challenges as ch, diary
from gutskin.store.db import session_factory, transaction
from gutskin.store.models import ChallengeAlert, DiaryDay
from tests.challenges.test_late_reaction_alerts import _after_step_one
from tests.conftest import bearer

TODAY = dt.date.today()


def _flare_saved_at(engine, pid: int, owner, saved: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    """The patient saves today's diary day with a flare ticked; its save time is ``saved`` (naive UTC)."""
    with transaction(engine) as s:
        diary.put_day(s, owner, pid, TODAY, diary.DayInput(itch=2, flare=True))
    with transaction(engine) as s:
        s.get(DiaryDay, (pid, TODAY)).updated_at = saved


def _late_rows(engine, cid: int) -> list[tuple[int, str, dt.datetime, dt.datetime | None]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [tuple(r) for r in s.execute(select(ChallengeAlert.id, ChallengeAlert.kind, ChallengeAlert.created_at,
                                                   ChallengeAlert.acknowledged_at)
                                            .where(ChallengeAlert.challenge_id == cid,
                                                   ChallengeAlert.kind.like("late:%"))
                                            .order_by(ChallengeAlert.id)).all()]


def test_the_late_alert_is_dated_by_the_diary_save_not_by_the_read_that_found_it(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    saved = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=5, minutes=17)).replace(microsecond=0)
    _flare_saved_at(engine, people.owner_pid, people.owner, saved)

    doc = bearer(client, "linked@clinic.example.org")  # the clinician's read runs the check, hours later
    body = client.get("/api/v1/clinician/challenge-alerts", headers=doc).json()
    (late,) = [a for a in body["alerts"] if a["kind"] == "late_reaction"]
    assert late["created_at"] == saved.isoformat(timespec="minutes") + "Z"
    (row,) = _late_rows(engine, cid)
    assert row[2] == saved

    # a later save of the same day (a note added) does not move the alert's time
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, TODAY, diary.DayInput(itch=2, flare=True, notes="still red"))
    client.get("/api/v1/clinician/challenge-alerts", headers=doc)
    assert [r[2] for r in _late_rows(engine, cid)] == [saved]


def test_the_database_holds_one_alert_per_challenge_and_kind(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    kind = "late:" + TODAY.isoformat()
    with transaction(engine) as s:
        s.add(ChallengeAlert(challenge_id=cid, patient_id=people.owner_pid, kind=kind, symptoms=["flare"]))
    with pytest.raises(IntegrityError), transaction(engine) as s:
        s.add(ChallengeAlert(challenge_id=cid, patient_id=people.owner_pid, kind=kind, symptoms=["flare"]))
    assert len(_late_rows(engine, cid)) == 1
    with transaction(engine) as s:  # the writer: the second write of the same alert is not an error
        assert ch.add_alert_once(s, cid, people.owner_pid, kind, ["flare"]) is None
        other = ch.add_alert_once(s, cid, people.owner_pid, "late:" + (TODAY - dt.timedelta(days=1)).isoformat(), ["flare"])
        assert other is not None
    assert len(_late_rows(engine, cid)) == 2


def test_two_checks_at_the_same_moment_write_the_alert_once(engine, people) -> None:  # type: ignore[no-untyped-def]
    """Read A runs the check and has not committed when read B runs it: B does not see A's row
    (PostgreSQL) and wrote a second one; now B's insert waits for A, finds the row and writes
    nothing, without an error. (SQLite: B waits for A's write lock before it reads.)"""
    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    _flare_saved_at(engine, people.owner_pid, people.owner, dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0))
    outcome: dict[str, object] = {}

    def read_b() -> None:
        try:
            with transaction(engine) as s:
                outcome["b"] = ch.check_late_reactions(s, [people.owner_pid])
        except Exception as exc:  # noqa: BLE001 -- the test reports it
            outcome["b"] = exc

    with session_factory(engine).begin() as a:
        assert ch.check_late_reactions(a, [people.owner_pid]) == 1
        b = threading.Thread(target=read_b)
        b.start()
        time.sleep(1.0)  # B runs its check while A's row is not committed
    b.join(30)
    assert not b.is_alive()
    assert outcome["b"] == 0, outcome
    rows = _late_rows(engine, cid)
    assert [r[1] for r in rows] == ["late:" + TODAY.isoformat()]
