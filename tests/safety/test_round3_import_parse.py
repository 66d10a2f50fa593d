"""A person's own diary import is read and checked with no transaction open, and a file larger
than one person's diary is refused (third security review).

Found by attacking the running app: a 19 MB diary CSV (600,000 days) posted to
``/api/v1/me/diary/import`` was parsed inside the import's write transaction for 12 s; another
patient's diary write waited SQLite's 10 s busy timeout and got a 500 ("database is locked").
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from gutskin.clinic import diary
from gutskin.clinic.errors import NotFound
from gutskin.diary.csvio import DiaryCsvError
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import DiaryDay
from tests.conftest import People, bearer


def _csv(days: int, start: dt.date = dt.date(1950, 1, 1)) -> str:
    rows = ["patient,date,itch,food.egg"]
    rows += [f"old-app,{start + dt.timedelta(days=i)},{i % 11},{i % 2}" for i in range(days)]
    return "\n".join(rows) + "\n"


class ArrivingSlowly(io.StringIO):
    """A file whose line ``stop_at`` arrives only when the test says so (an upload still coming in)."""

    def __init__(self, text: str, stop_at: int) -> None:
        super().__init__(text)
        self.name = "slow.csv"
        self.n, self.stop_at = 0, stop_at
        self.reached, self.go_on = threading.Event(), threading.Event()

    def __next__(self) -> str:
        self.n += 1
        if self.n == self.stop_at:
            self.reached.set()
            assert self.go_on.wait(30)
        return super().__next__()


def _days(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(DiaryDay)) or 0


def while_the_file_is_read(source: ArrivingSlowly, run_import, meanwhile) -> object:  # type: ignore[no-untyped-def]
    """Run ``run_import()`` in a thread, call ``meanwhile()`` while it waits at line
    ``source.stop_at``, let it finish: its result, or the exception it raised."""
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["out"] = run_import()
        except Exception as exc:  # returned to the test
            result["out"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert source.reached.wait(30), "the import never started reading"
        meanwhile()
    finally:
        source.go_on.set()
        worker.join(60)
    return result["out"]


def write_lock_now(sqlite_url: str, *statements: str) -> None:
    """Take SQLite's write lock at once (no busy wait), run ``statements`` and commit: raises
    "database is locked" if the import holds the lock."""
    raw = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
    try:
        raw.execute("BEGIN IMMEDIATE")
        for sql in statements:
            raw.execute(sql)
        raw.execute("COMMIT")
    finally:
        raw.close()


def test_the_file_is_read_while_other_writers_go_ahead(sqlite_url) -> None:
    engine = get_engine(sqlite_url)
    people = People(engine)
    source = ArrivingSlowly(_csv(300), stop_at=150)

    def meanwhile() -> None:
        write_lock_now(sqlite_url)  # "database is locked" while the import held the write lock
        with transaction(engine) as s:  # another person writes meanwhile
            diary.put_day(s, people.stranger, people.stranger_pid, dt.date(2026, 11, 2), diary.DayInput(itch=3))

    out = while_the_file_is_read(source, lambda: diary.import_diary_csv(engine, people.owner, source, into=people.owner_pid),
                                 meanwhile)
    assert isinstance(out, diary.ImportSummary) and out.rows == 300, out
    assert _days(engine) == 301


def test_more_days_than_one_life_are_refused_and_nothing_is_stored(client, people, engine) -> None:
    h = bearer(client, "owner@example.org")
    text = _csv(diary.MAX_OWN_DAYS + 1, start=dt.date(1800, 1, 1))
    r = client.post("/api/v1/me/diary/import", headers={**h, "Content-Type": "text/csv"}, content=text.encode())
    assert r.status_code == 422, r.text
    assert f"line {diary.MAX_OWN_DAYS + 2}" in r.json()["detail"] and "not one person's diary" in r.json()["detail"]
    assert _days(engine) == 0
    ok = _csv(diary.MAX_OWN_DAYS, start=dt.date(1800, 1, 1))
    r = client.post("/api/v1/me/diary/import", headers={**h, "Content-Type": "text/csv"}, content=ok.encode())
    assert r.status_code == 201 and r.json()["rows"] == diary.MAX_OWN_DAYS


def test_a_stranger_is_refused_before_the_file_is_read(engine, people) -> None:
    source = ArrivingSlowly(_csv(3), stop_at=1)
    source.go_on.set()
    with pytest.raises(NotFound):
        diary.import_diary_csv(engine, people.stranger, source, into=people.owner_pid)
    assert source.n == 0  # not a line was read
    with pytest.raises(DiaryCsvError):  # and a bad file still stores nothing for the owner
        diary.import_diary_csv(engine, people.owner, io.StringIO(_csv(3) + "old-app,2020-01-01,99,0\n"),
                               into=people.owner_pid)
    assert _days(engine) == 0


def test_a_file_with_more_factor_columns_than_a_person_tracks_is_refused(client, people, engine) -> None:
    """Found live: one row with 50,000 factor columns was imported (6.6 s in the write
    transaction) and created 50,000 factors."""
    from gutskin.store.models import Factor

    with transaction(engine) as s:
        before = s.scalar(select(func.count()).select_from(Factor))
    h = {**bearer(client, "owner@example.org"), "Content-Type": "text/csv"}
    n = diary.MAX_OWN_FACTOR_COLUMNS + 1
    text = "patient,date,itch," + ",".join(f"food.x{i}" for i in range(n)) + "\nx,2020-01-01,3," + ",".join("1" * n) + "\n"
    r = client.post("/api/v1/me/diary/import", headers=h, content=text.encode())
    assert r.status_code == 422 and "factor columns" in r.json()["detail"], r.text
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Factor)) == before
    assert _days(engine) == 0
    n = diary.MAX_OWN_FACTOR_COLUMNS
    text = "patient,date,itch," + ",".join(f"food.x{i}" for i in range(n)) + "\nx,2020-01-01,3," + ",".join("1" * n) + "\n"
    assert client.post("/api/v1/me/diary/import", headers=h, content=text.encode()).status_code == 201
