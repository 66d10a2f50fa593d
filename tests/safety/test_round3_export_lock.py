"""A FHIR export builds its Bundle after the transaction (third security review).

Found by attacking the running app: a patient with a century of diary days (36,000, imported
from a CSV) asked for their own FHIR export; building the Bundle took 80 s inside the request's
transaction, and another patient's diary write waited all that time (SQLite's write lock and the
app's SQLite lock; another process would have got "database is locked" after 10 s)."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import threading
import time

from gutskin.clinic import diary
from gutskin.store.db import get_engine
from tests.conftest import TEST_SECRET, People, bearer


def test_a_writer_is_not_held_up_while_the_bundle_is_built(sqlite_url) -> None:
    from fastapi.testclient import TestClient

    from gutskin.settings import Settings
    from gutskin.web import create_app

    engine = get_engine(sqlite_url)
    people = People(engine)
    rows = ["patient,date,itch,sleep_loss,poem,flare,food.egg,env.pollen"]
    rows += [f"x,{dt.date(1990, 1, 1) + dt.timedelta(days=i)},{i % 11},{i % 5},{i % 29},{i % 2},{i % 2},0.5"
             for i in range(1200)]
    diary.import_diary_csv(engine, people.owner, io.StringIO("\n".join(rows) + "\n"), into=people.owner_pid)
    settings = Settings(database_url=sqlite_url, secret_key=TEST_SECRET, env="test")
    with TestClient(create_app(settings)) as client:
        h = bearer(client, "owner@example.org")
        done: dict[str, float] = {}

        def export() -> None:
            r = client.get(f"/api/v1/patients/{people.owner_pid}/fhir", headers=h)
            assert r.status_code == 200
            done["at"] = time.monotonic()

        worker = threading.Thread(target=export)
        started = time.monotonic()
        worker.start()
        locked_at = free_again_at = None  # the request's transaction seen holding the lock, then letting go
        raw = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
        try:
            while worker.is_alive() and free_again_at is None:
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    raw.execute("ROLLBACK")
                    if locked_at is not None:
                        free_again_at = time.monotonic()
                except sqlite3.OperationalError:  # database is locked: the export is reading
                    locked_at = locked_at or time.monotonic()
                time.sleep(0.002)
        finally:
            raw.close()
            worker.join(120)
    assert "at" in done and locked_at is not None, "the export's transaction was never seen"
    total = done["at"] - started
    assert total > 0.5, total  # the Bundle takes a while to build
    # before: the lock was held until the Bundle was built, so it came free only at the very end
    assert free_again_at is not None and (free_again_at - started) < 0.5 * total, (locked_at - started, free_again_at, total)
