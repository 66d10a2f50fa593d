"""Two first saves of a day at the same instant (SQLite and PostgreSQL). The diary page's Save
of a day opened with no entry carries the version "none" (1f93e4a); its check locked the day's
row (``SELECT … FOR UPDATE``), but there was no row to lock, so on PostgreSQL a Save arriving
while the co-caregiver's first save of the same day was written and not yet committed found "no
entry", waited in its upsert for the other insert, and then replaced it (303): the other
caregiver's day was gone without a word (found reviewing 1f93e4a on 2026-12-06). The create-only
check is now the insert itself (``INSERT … ON CONFLICT DO NOTHING``, which waits for the other
transaction and then sees its row), in ``gutskin.clinic.diary.put_day``'s ``expect``. On SQLite
writers take turns (``BEGIN IMMEDIATE``): the same test holds there."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import text

from gutskin.clinic import diary
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page
from tests.web.test_today_two_phones import _form, _mia_with_ben

DAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _stored(engine, people, pid):  # type: ignore[no-untyped-def]
    d = dt.date.fromisoformat(DAY)
    with transaction(engine) as s:
        return diary.list_days(s, people.owner, pid, d, d)


def _wait_until_blocked(engine, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Until another connection waits on a lock (PostgreSQL); SQLite's writer waits at BEGIN IMMEDIATE."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.3)
        return
    end = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < end:
            if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                 "AND datname = current_database()")).scalar_one():
                return
            time.sleep(0.02)
            conn.rollback()
    raise AssertionError("the second save never waited for the first")


def _race(engine, people, pid, second) -> object:  # type: ignore[no-untyped-def]
    """Ben's first save of the day is written and not yet committed when ``second`` (the other
    first save) arrives; then Ben's commits. Returns ``second``'s response."""
    out: dict[str, object] = {}
    racer = threading.Thread(target=lambda: out.setdefault("r", second()))
    with transaction(engine) as s:
        diary.put_day(s, people.stranger, pid, dt.date.fromisoformat(DAY),
                      diary.DayInput(itch=8, notes="Ben: hives"))
        racer.start()
        _wait_until_blocked(engine)
    racer.join(30)
    assert not racer.is_alive()
    return out["r"]


def test_two_first_saves_of_a_day_at_once_on_the_page_one_is_refused(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The page's Save of a day opened with no entry (base "none"), racing Ben's first save."""
    mia = _mia_with_ben(engine, people)
    assert login_page(client, "owner@example.org").status_code == 303
    form = _form(client, f"/today?date={DAY}&patient={mia}")
    assert form["base"] == "none"
    r = _race(engine, people, mia, lambda: client.post(f"/today?patient={mia}", data={**form, "itch": "1", "notes": "calm"},
                                                      follow_redirects=False))
    assert r.status_code == 409, r.status_code  # type: ignore[attr-defined]
    assert "Not saved: Stranger saved this day" in r.text  # type: ignore[attr-defined]
    [day] = _stored(engine, people, mia)
    assert (day["itch"], day["notes"]) == (8, "Ben: hives")


