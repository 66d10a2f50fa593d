"""The insights worker pool is fair and bounded (clinic.insights, docs/insights.md "In the product").

One worker thread computed every patient's insights, and every diary version queued its own
job, so one patient with a huge record (or one writing while polling) held up everybody.
Now: WORKERS threads, at most one job per patient, a write while a job runs makes it run
exactly once more, and a job reads only the last MAX_DAYS days.

No sleeps: the tests hold the module's own lock (a worker can neither start a job nor file a
result meanwhile) or occupy workers with tasks that wait on an event, and wait on the module's
condition with generous time-outs.
"""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select

from gutskin.clinic import diary, insights
from gutskin.clinic.insights import clear_cache, insights_for, settle
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import DiaryDay
from tests.conftest import People
from tests.web.test_insights_service import fill

JUNE = dt.date(2026, 6, 1)  # fill() starts here


def _ask(engine, actor, pid) -> dict:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return insights_for(s, actor, pid)


def _fresh() -> None:
    clear_cache()
    assert insights.idle(120), "jobs of an earlier test are still running"


def test_a_patient_is_queued_once_however_often_they_write_and_read(engine, people) -> None:
    _fresh()
    pid = people.owner_pid
    fill(engine, people.owner, pid, 30)  # June
    with insights._changed:  # held: the worker cannot take the job yet
        for i in range(4):
            if i:
                with transaction(engine) as s:
                    diary.put_day(s, people.owner, pid, dt.date(2026, 7, i), diary.DayInput(itch=5))
            assert _ask(engine, people.owner, pid) == {"status": "computing"}
            assert insights.jobs() == {pid: "queued"}  # before: one job per diary version, all run
    assert insights.idle(120)
    assert insights.computed(pid) == 1  # one run, and it read the days written while it was queued
    r = _ask(engine, people.owner, pid)
    assert r["status"] == "ready" and r["forecast"]["origin"] == "2026-07-03" and r["forecast"]["n_observed"] == 33


def test_a_write_while_the_job_runs_makes_it_run_exactly_once_more(engine, people) -> None:
    _fresh()
    pid = people.owner_pid
    fill(engine, people.owner, pid, 30)  # to 30 June
    with insights._changed:
        assert _ask(engine, people.owner, pid) == {"status": "computing"}
        # the worker reads the diary's version (and notifies); holding the lock again, the test
        # keeps it from filing its result until the writes below are done
        assert insights._changed.wait_for(lambda: insights.jobs().get(pid) == "running", timeout=120)
        for i in range(1, 4):  # three writes, each followed by a read, while it runs
            with transaction(engine) as s:
                diary.put_day(s, people.owner, pid, dt.date(2026, 7, i), diary.DayInput(itch=4))
            assert _ask(engine, people.owner, pid) == {"status": "computing"}
            assert insights.jobs() == {pid: "running"}  # not queued a second time
        assert insights.computed(pid) == 0
        # let the first run end; the lock is taken back once it has filed its result
        assert insights._changed.wait_for(lambda: insights.computed(pid) == 1, timeout=120)
        # its result (days to 30 June) is cached under its own version: not served as the current one
        assert _ask(engine, people.owner, pid) == {"status": "computing"}
        assert insights.jobs() in ({pid: "queued"}, {pid: "running"})  # the one repeat
    r = settle(pid, {"status": "computing"}, 120)  # waits for the repeat, not the first result
    assert r["status"] == "ready" and r["forecast"]["origin"] == "2026-07-03"
    assert insights.idle(120)
    assert insights.computed(pid) == 2  # exactly one more run, however many writes it saw
    assert _ask(engine, people.owner, pid) == r


def test_a_long_job_does_not_hold_up_another_patients_insights(engine, people) -> None:
    """Tasks waiting on an event stand for long jobs (a huge record) on every worker but one:
    with the one worker of before, the other patient's insights waited for them."""
    assert insights.WORKERS >= 2
    _fresh()
    fill(engine, people.owner, people.owner_pid, 30)
    fill(engine, people.stranger, people.stranger_pid, 30)
    busy = threading.Event()
    for _ in range(insights.WORKERS - 1):
        insights._pool.submit(busy.wait, 120)
    try:
        for actor, pid in ((people.owner, people.owner_pid), (people.stranger, people.stranger_pid)):
            r = settle(pid, _ask(engine, actor, pid), 120)
            assert r["status"] == "ready" and not busy.is_set()
    finally:
        busy.set()


def test_a_job_reads_only_the_last_max_days(engine, people, monkeypatch) -> None:
    _fresh()
    pid = people.owner_pid
    fill(engine, people.owner, pid, 90)  # 1 June to 29 August
    monkeypatch.setattr(insights, "MAX_DAYS", 30)
    r = settle(pid, _ask(engine, people.owner, pid), 120)
    assert r["status"] == "ready" and r["forecast"]["origin"] == "2026-08-29"
    assert r["forecast"]["n_observed"] == 30  # 31 July to 29 August
    dairy = next(x for g in ("triggers", "protective", "no_evidence", "not_enough_data")
                 for x in r["triggers"][g] if x["factor"] == "food.dairy")
    assert dairy["exposed_days"] + dairy["unexposed_days"] <= 30
    monkeypatch.setattr(insights, "MAX_DAYS", 0)  # the whole diary
    with transaction(engine) as s:  # a new version, so it is computed again
        diary.put_day(s, people.owner, pid, dt.date(2026, 8, 30), diary.DayInput(itch=3))
    r = settle(pid, _ask(engine, people.owner, pid), 120)
    assert r["status"] == "ready" and r["forecast"]["n_observed"] == 91


def test_the_jobs_read_never_blocks_a_sqlite_writer(sqlite_url) -> None:
    """The job's read is a deferred snapshot: with BEGIN IMMEDIATE (every other transaction)
    the write below waited the 10 s busy time-out and failed with "database is locked"."""
    from sqlalchemy.orm import Session

    engine = get_engine(sqlite_url)
    people = People(engine)
    fill(engine, people.owner, people.owner_pid, 20)
    count = select(DiaryDay.day).where(DiaryDay.patient_id == people.owner_pid)
    with Session(engine.execution_options(snapshot_read=True)) as s, s.begin():
        before = len(s.scalars(count).all())
        with transaction(engine) as w:  # another connection writes while the read is open
            diary.put_day(w, people.owner, people.owner_pid, JUNE + dt.timedelta(days=20), diary.DayInput(itch=2))
        assert len(s.scalars(count).all()) == before == 20  # a snapshot: one consistent diary version
    with transaction(engine) as s:
        assert len(s.scalars(count).all()) == 21
