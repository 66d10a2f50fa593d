"""A person imports their own diary CSV (from another app or an earlier export) into a profile."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select

from gutskin.clinic import diary
from gutskin.clinic.errors import Conflict, NotFound
from gutskin.diary.csvio import DiaryCsvError
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, FactorValue
from tests.safety.test_attacks import login_page

GOOD = "patient,date,itch,sleep_loss,food.dairy\napp-77,2026-03-01,4,2,1\napp-77,2026-03-02,6,3,0\n"


def _file(text: str, name: str = "old-app.csv") -> io.StringIO:
    f = io.StringIO(text)
    f.name = name
    return f


def _days(engine, pid: int) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(DiaryDay).where(DiaryDay.patient_id == pid))


def test_rows_go_to_the_chosen_profile_whatever_their_identifier(engine, people) -> None:
    out = diary.import_diary_csv(engine, people.owner, _file(GOOD), into=people.owner_pid)
    assert (out.rows, out.patients, out.new_patients) == (2, 1, 0)
    with transaction(engine) as s:
        days = diary.list_days(s, people.owner, people.owner_pid)
    assert [(d["date"], d["itch"], d["factors"]) for d in days] == [
        ("2026-03-01", 4, {"food.dairy": 1.0}), ("2026-03-02", 6, {"food.dairy": 0.0})]


def test_a_file_of_two_people_is_refused_whole(engine, people) -> None:
    two = GOOD + "someone-else,2026-03-03,1,1,0\n"
    with pytest.raises(DiaryCsvError) as e:
        diary.import_diary_csv(engine, people.owner, _file(two), into=people.owner_pid)
    assert "old-app.csv: line 4, column patient" in str(e.value) and "more than one person" in str(e.value)
    assert _days(engine, people.owner_pid) == 0


def test_a_day_already_in_the_diary_stops_the_import(engine, people) -> None:
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, __import__("datetime").date(2026, 3, 2), diary.DayInput(itch=1))
    with pytest.raises(Conflict) as e:
        diary.import_diary_csv(engine, people.owner, _file(GOOD), into=people.owner_pid)
    assert "this profile already has a diary entry on 2026-03-02; nothing was imported" in str(e.value)
    assert _days(engine, people.owner_pid) == 1
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(FactorValue).where(FactorValue.patient_id == people.owner_pid)) == 0


@pytest.mark.parametrize("who", ["stranger", "clinician", "unlinked"])
def test_nobody_imports_into_someone_elses_diary(engine, people, who: str) -> None:
    with pytest.raises(NotFound):
        diary.import_diary_csv(engine, getattr(people, who), _file(GOOD), into=people.owner_pid)
    assert _days(engine, people.owner_pid) == 0


def test_import_page_reports_success_and_errors(client, people, engine) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/data")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = "patient,date,itch\napp-77,2026-03-01,12\n"
    r = client.post("/data/import", data={"csrf_token": csrf}, files={"file": ("mine.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422 and 'id="import-error"' in r.text
    assert "mine.csv: line 2, column itch" in r.text and _days(engine, people.owner_pid) == 0
    assert 'id="import-done"' not in r.text  # a failed import never says "Imported"
    assert 'id="import-done"' not in client.get("/data").text
    wrong = client.post("/data/delete", data={"csrf_token": csrf, "password": "not-my-password"})
    assert wrong.status_code == 401 and 'id="import-done"' not in wrong.text
    r = client.post("/data/import", data={"csrf_token": csrf}, files={"file": ("x.csv", b"\xff\xfe\x00", "text/csv")})
    # FF FE is a UTF-16 mark (read since 2026-12-07): a lone byte after it is no UTF-16 character
    assert r.status_code == 422 and "x.csv: line 1: not valid UTF-16" in r.text
    # a file saved as Latin-1 by another app: the line with the first non-UTF-8 byte is named
    latin = "patient,date,itch\nmine,2026-03-01,4\nmin\xe9,2026-03-02,5\n".encode("latin-1")
    r = client.post("/data/import", data={"csrf_token": csrf}, files={"file": ("old-app.csv", latin, "text/csv")})
    assert r.status_code == 422 and "old-app.csv: line 3: not valid UTF-8 (byte 0xe9" in html.unescape(r.text)
    assert _days(engine, people.owner_pid) == 0
    r = client.post("/data/import", data={"csrf_token": csrf}, follow_redirects=False,
                    files={"file": ("mine.csv", ("\ufeff" + GOOD).encode(), "text/csv")})  # a BOM, as Excel writes
    assert r.status_code == 303 and r.headers["location"].startswith("/data?imported=")  # a signed note
    assert "Imported 2 days." in client.get(r.headers["location"]).text
    assert _days(engine, people.owner_pid) == 2


def test_api_import_all_or_nothing_with_the_line_named(client, people, engine) -> None:
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    bad = "patient,date,itch\nx,2026-03-01,4\nx,2026-03-02,eleven\n"
    r = client.post("/api/v1/me/diary/import", content=bad.encode(), headers={**h, "content-type": "text/csv"})
    assert r.status_code == 422 and r.json()["detail"].startswith("body: line 3, column itch:")
    assert _days(engine, people.owner_pid) == 0
    r = client.post("/api/v1/me/diary/import", content=GOOD.encode(), headers={**h, "content-type": "text/csv"})
    assert r.status_code == 201 and r.json() == {"rows": 2}
    again = client.post("/api/v1/me/diary/import", content=GOOD.encode(), headers=h)
    assert again.status_code == 409 and "already has a diary entry on 2026-03-01" in again.json()["detail"]
    assert _days(engine, people.owner_pid) == 2
    r = client.post("/api/v1/me/diary/import", content=b"\xff\xfe", headers=h)
    # FF FE alone: a UTF-16 mark and no text (UTF-16 with a mark is read since 2026-12-07)
    assert r.status_code == 422 and r.json()["detail"].startswith("body: line 1: the file is empty")
    stranger = bearer(client, "stranger@example.org")
    assert client.post("/api/v1/me/diary/import", params={"patient_id": people.owner_pid},
                       content=GOOD.encode(), headers=stranger).status_code == 404


def test_api_import_takes_a_multipart_file_too(client, people, engine) -> None:
    """``curl -F file=@diary.csv``, as the microbiome upload takes its file: the CSV is the part
    ``file`` and errors name the file. Before (contract review, session 8) the form's framing was
    read as the CSV: 422 'body: line 1, column --------------------------3e9a…: expected a core column'."""
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    bad = "patient,date,itch\nx,2026-03-01,4\nx,2026-03-02,eleven\n"
    r = client.post("/api/v1/me/diary/import", files={"file": ("old-app.csv", bad.encode(), "text/csv")}, headers=h)
    assert r.status_code == 422 and r.json()["detail"].startswith("old-app.csv: line 3, column itch:"), r.json()
    assert _days(engine, people.owner_pid) == 0
    r = client.post("/api/v1/me/diary/import", files={"file": ("old-app.csv", GOOD.encode(), "text/csv")}, headers=h)
    assert r.status_code == 201 and r.json() == {"rows": 2}
    assert _days(engine, people.owner_pid) == 2
    r = client.post("/api/v1/me/diary/import", data={"csv": GOOD}, files={"other": ("x.csv", b"", "text/csv")},
                    headers=h)
    assert r.status_code == 422 and r.json()["detail"].startswith("file: "), r.json()
    stranger = bearer(client, "stranger@example.org")
    r = client.post("/api/v1/me/diary/import", params={"patient_id": people.owner_pid},
                    files={"file": ("old-app.csv", GOOD.encode(), "text/csv")}, headers=stranger)
    assert r.status_code == 404 and _days(engine, people.owner_pid) == 2


def test_api_multipart_import_is_bounded_like_the_body(client, people, engine, settings) -> None:
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    limit = settings.upload_max_bytes
    big = GOOD.encode() + b"\n" * (limit + 10 - len(GOOD))
    r = client.post("/api/v1/me/diary/import", files={"file": ("big.csv", big, "text/csv")}, headers=h)
    assert r.status_code == 413 and _days(engine, people.owner_pid) == 0
