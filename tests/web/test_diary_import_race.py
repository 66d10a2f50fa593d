"""A diary import racing a save of one of its days (SQLite and PostgreSQL; 2026-12-06).

The import checks that none of the file's days is stored, then writes them all in one
transaction (PostgreSQL: COPY). A day saved by the page or the API after that check and before
the import's write (a co-caregiver's phone, the person's other tab) made the write fail on the
day's unique key: on PostgreSQL the COPY waited for the save's transaction and then raised the
driver's UniqueViolation, which nothing caught -- the page and the API answered 500, `gutskin
import diary` ended with a traceback. Now the import's transaction is rolled back (nothing
imported) and the answer is a 409 (the command line: its one-line error) naming the file's line
and the day, as the import's own check does. The race is made as in test_today_first_save_race:
the save's row is written and not committed when the import starts, then committed."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import select

from gutskin.clinic import diary
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, Patient
from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.web.test_today_first_save_race import _wait_until_blocked

DAYS = [dt.date.today() - dt.timedelta(days=n) for n in (3, 2, 1)]
RACED = DAYS[1]
GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def _csv(patient: str) -> str:
    lines = ["patient,date,itch,sleep_loss,poscorad,poem,flare,food.dairy"]
    lines += [f"{patient},{d.isoformat()},{i},1,,,0,1" for i, d in enumerate(DAYS, start=3)]
    return "\n".join(lines) + "\n"


def _stored(engine, pid: int) -> dict[dt.date, int | None]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return dict(s.execute(select(DiaryDay.day, DiaryDay.itch).where(DiaryDay.patient_id == pid)).all())


def _race(engine, people, pid: int, importer) -> object:  # type: ignore[no-untyped-def]
    """The owner's save of RACED is written and not committed when ``importer`` starts; then it
    commits. Returns what ``importer`` returned, or the exception it raised."""
    out: dict[str, object] = {}

    def run() -> None:
        try:
            out["r"] = importer()
        except Exception as exc:  # the old code's 500 (TestClient re-raises the server's error)
            out["r"] = exc

    racer = threading.Thread(target=run)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, pid, RACED, diary.DayInput(itch=9, notes="saved on the phone"))
        racer.start()
        _wait_until_blocked(engine)
    racer.join(60)
    assert not racer.is_alive()
    return out["r"]


def _check_nothing_imported(engine, pid: int) -> None:  # type: ignore[no-untyped-def]
    assert _stored(engine, pid) == {RACED: 9}  # the save stands; none of the file's days was imported


def test_the_page_import_racing_a_save_is_a_409_naming_the_line_and_nothing_is_imported(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    assert login_page(client, "owner@example.org").status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/data").text).group(1)
    r = _race(engine, people, people.owner_pid, lambda: client.post(
        "/data/import", data={"csrf_token": token, "patient": str(people.owner_pid)},
        files={"file": ("diary.csv", _csv("x").encode(), "text/csv")}, follow_redirects=False))
    assert not isinstance(r, Exception), f"{type(r).__name__}: {r}"
    assert r.status_code == 409, r.text[:300]
    assert f"diary.csv: line 3, column date: this profile already has a diary entry on {RACED.isoformat()}" in r.text
    assert "nothing was imported" in r.text
    _check_nothing_imported(engine, people.owner_pid)


def test_the_api_import_racing_a_save_is_a_409(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    auth = bearer(client, "owner@example.org")
    r = _race(engine, people, people.owner_pid, lambda: client.post(
        "/api/v1/me/diary/import", content=_csv("x").encode(), headers={**auth, "Content-Type": "text/csv"}))
    assert not isinstance(r, Exception), f"{type(r).__name__}: {r}"
    assert r.status_code == 409, r.text[:300]
    detail = r.json()["detail"]  # (on SQLite the import's own check finds the day: writers take turns)
    assert detail.startswith(f"body: line 3, column date: this profile already has a diary entry on {RACED.isoformat()}")
    assert detail.endswith("; nothing was imported")
    _check_nothing_imported(engine, people.owner_pid)


def test_the_command_line_import_racing_a_save_says_which_line_and_imports_nothing(engine, db_url, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        ext = s.scalar(select(Patient.external_id).where(Patient.id == people.owner_pid))
    path = tmp_path / "clinic.csv"
    path.write_text(_csv(ext))
    env = {**os.environ, "GUTSKIN_DATABASE_URL": db_url, "GUTSKIN_ENV": "test"}
    done = _race(engine, people, people.owner_pid, lambda: subprocess.run(
        [GUTSKIN, "import", "diary", str(path)], env=env, capture_output=True, text=True, timeout=60))
    assert done.returncode == 2, done.stderr  # type: ignore[union-attr]
    said = done.stderr.strip()  # type: ignore[union-attr]
    assert said.startswith(f"error: {path}: line 3, column date: patient {ext} already has a diary entry on {RACED.isoformat()}")
    assert said.endswith("; nothing was imported") and "\n" not in said  # one line, no traceback
    _check_nothing_imported(engine, people.owner_pid)
