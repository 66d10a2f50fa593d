"""Migration 0019: one challenge alert per (challenge, kind) (``uq_challenge_alerts_challenge_kind``;
two reads running the late-reaction check at once wrote a late alert twice, docs/challenges.md).

On a database at 0018 holding duplicates, the upgrade keeps the oldest row of each (challenge, kind)
(lowest id), carries a removed duplicate's acknowledgement to a kept row that had none, leaves every
other row alone, and builds the unique index; the downgrade drops it. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from gutskin.clinic import challenges as ch
from gutskin.store import migrate
from gutskin.store.db import dispose_engines, get_engine, transaction


def _indexes(db_url: str) -> dict[str, tuple[list[str], bool]]:
    dispose_engines()
    return {i["name"]: (list(i["column_names"]), bool(i["unique"]))
            for i in inspect(get_engine(db_url)).get_indexes("challenge_alerts")}


def _rows(db_url: str) -> list[tuple[object, ...]]:
    with get_engine(db_url).connect() as c:
        return [tuple(r) for r in c.exec_driver_sql(
            "SELECT id, challenge_id, kind, acknowledged_at, acknowledged_by_user_id FROM challenge_alerts ORDER BY id").all()]


def _insert(db_url: str, cid: int, pid: int, kind: str, created: str, acked: str | None = None,
            by: int | None = None) -> None:
    with get_engine(db_url).begin() as c:
        c.exec_driver_sql(
            "INSERT INTO challenge_alerts (challenge_id, patient_id, kind, symptoms, created_at, acknowledged_at, "
            "acknowledged_by_user_id) VALUES (%s, %s, '%s', '[\"flare\"]', '%s', %s, %s)"
            % (cid, pid, kind, created, "NULL" if acked is None else f"'{acked}'", "NULL" if by is None else by))


def test_upgrade_removes_duplicates_keeping_the_oldest_and_indexes_challenge_and_kind(db_url: str, people) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(db_url)
    with transaction(engine) as s:
        plan = ch.PlanInput(food="food.egg", kind="home", released_for_home=True, baseline_days=7,
                            doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(2, "1/2 cooked egg")])
        cid = int(ch.create_plan(s, people.clinician, people.owner_pid, plan)["id"])
        plan.food = "food.milk"
        plan.doses = [ch.DoseStep(0, "10 ml milk"), ch.DoseStep(2, "20 ml milk")]
        plan.start = dt.date.today() + dt.timedelta(days=30)
        other = int(ch.create_plan(s, people.clinician, people.owner_pid, plan)["id"])
    doc = people.clinician.user_id
    migrate.check(db_url)  # the models agree with the migrations
    assert _indexes(db_url)["uq_challenge_alerts_challenge_kind"] == (["challenge_id", "kind"], True)
    migrate.downgrade(db_url, "0018")
    assert "uq_challenge_alerts_challenge_kind" not in _indexes(db_url)
    pid = people.owner_pid
    # the race's leftovers: the same day's late alert three times, the clinician acknowledged the second
    _insert(db_url, cid, pid, "late:2026-12-05", "2026-12-05 07:10:00")
    _insert(db_url, cid, pid, "late:2026-12-05", "2026-12-05 07:10:00", "2026-12-05 09:00:00", doc)
    _insert(db_url, cid, pid, "late:2026-12-05", "2026-12-05 07:10:00")
    _insert(db_url, cid, pid, "late:2026-12-06", "2026-12-06 08:00:00")  # another day: not a duplicate
    _insert(db_url, other, pid, "late:2026-12-05", "2026-12-05 07:10:00")  # another challenge: not a duplicate
    _insert(db_url, cid, pid, "safety_stop", "2026-12-06 10:00:00", "2026-12-06 11:00:00", doc)
    _insert(db_url, cid, pid, "safety_stop", "2026-12-06 10:00:01", "2026-12-06 10:30:00", doc)
    before = _rows(db_url)
    assert len(before) == 7

    migrate.upgrade(db_url, "0019")
    assert migrate.current_revision(db_url) == "0019"
    after = _rows(db_url)
    first, _, _, late6, milk, stop, _ = before
    ids = [r[0] for r in after]
    assert ids == [first[0], late6[0], milk[0], stop[0]]  # the oldest of each kept, the rest untouched
    kept = after[0]
    assert str(kept[3])[:16] == "2026-12-05 09:00" and kept[4] == doc  # the duplicate's acknowledgement carried over
    assert after[1:] == [late6, milk, stop]  # an acknowledged kept row keeps its own acknowledgement
    assert _indexes(db_url)["uq_challenge_alerts_challenge_kind"] == (["challenge_id", "kind"], True)
    migrate.upgrade(db_url)
    migrate.check(db_url)
    with pytest.raises(IntegrityError):
        _insert(db_url, cid, pid, "late:2026-12-06", "2026-12-06 09:00:00")

    migrate.downgrade(db_url, "0018")
    assert "uq_challenge_alerts_challenge_kind" not in _indexes(db_url)
    assert _rows(db_url) == after
    migrate.upgrade(db_url)
