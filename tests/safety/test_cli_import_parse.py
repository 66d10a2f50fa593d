"""The operator's diary import (``gutskin import diary``) reads and checks the whole file with
no transaction open, then writes it in one transaction: all rows or none.

It used to parse inside the write transaction, holding SQLite's write lock (and making every
other writer wait) for as long as a big file took to read, as the web's own-diary import did
before (tests/safety/test_round3_import_parse.py)."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gutskin.clinic import diary
from gutskin.clinic.actors import SYSTEM
from gutskin.diary.csvio import DiaryCsvError
from gutskin.store.db import get_engine
from tests.conftest import People
from tests.safety.test_round3_import_parse import ArrivingSlowly, _days, while_the_file_is_read, write_lock_now

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def _csv(patients: int, days: int) -> str:
    rows = ["patient,date,itch,food.egg"]
    rows += [f"clinic-{p},{dt.date(2020, 1, 1) + dt.timedelta(days=i)},{i % 11},{i % 2}"
             for p in range(patients) for i in range(days)]
    return "\n".join(rows) + "\n"


def test_other_writers_go_ahead_while_the_operators_file_is_read(sqlite_url) -> None:
    engine = get_engine(sqlite_url)
    people = People(engine)
    source = ArrivingSlowly(_csv(3, 100), stop_at=150)
    out = while_the_file_is_read(
        source, lambda: diary.import_diary_csv(engine, SYSTEM, source),  # what `gutskin import diary` calls
        lambda: write_lock_now(sqlite_url,  # "database is locked" while the import held the write lock
                               "UPDATE users SET display_name = 'Owner, renamed' WHERE email = 'owner@example.org'"))
    assert isinstance(out, diary.ImportSummary), out
    assert (out.rows, out.patients, out.new_patients) == (300, 3, 3)
    assert _days(engine) == 300
    del people


def test_a_bad_last_row_writes_nothing(engine) -> None:
    text = _csv(2, diary.BATCH) + "clinic-9,2020-01-01,11,0\n"  # itch 11: out of range, on the file's last line
    with pytest.raises(DiaryCsvError) as err:
        diary.import_diary_csv(engine, SYSTEM, io.StringIO(text))
    assert f"line {2 * diary.BATCH + 2}" in str(err.value) and "itch" in str(err.value)
    assert _days(engine) == 0  # two full batches came before it: none of them is kept


def test_the_command_writes_nothing_for_a_bad_last_row(sqlite_url) -> None:
    env = {**os.environ, "GUTSKIN_DATABASE_URL": sqlite_url}
    text = _csv(1, 50) + "clinic-0,2021-01-01,3,not-a-number\n"
    r = subprocess.run([GUTSKIN, "import", "diary", "-"], input=text, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "line 52" in r.stderr, r.stderr
    assert _days(get_engine(sqlite_url)) == 0
    r = subprocess.run([GUTSKIN, "import", "diary", "-"], input=_csv(1, 50), env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "imported 50 rows for 1 patient (1 new)" in r.stderr, r.stderr
    assert _days(get_engine(sqlite_url)) == 50
