"""A date in the format's shape that is no day of the calendar (the new patient's walk of 2026-12-07,
docs/diary-csv.md): "2026-10-32" was answered 'expected an ISO date YYYY-MM-DD, got "2026-10-32"',
which it is in form, so the reader was left to find what is wrong. Now the error says which part
is impossible (the month's length, no month 13) and a date a sheet wrote without leading zeros
("2026-10-3") is told to take two digits. Nothing is imported. Uploaded through the API as the My
data page does, on SQLite and PostgreSQL; the reader alone for the month lengths.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from gutskin.diary.csvio import DiaryCsvError, iter_diary_csv
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay

CASES = {
    "2026-10-32": "(2026-10-32 is not a day of the calendar: October 2026 has 31 days)",
    "2026-02-29": "(2026-02-29 is not a day of the calendar: February 2026 has 28 days)",
    "2024-02-30": "(2024-02-30 is not a day of the calendar: February 2024 has 29 days)",
    "2026-04-31": "(2026-04-31 is not a day of the calendar: April 2026 has 30 days)",
    "2026-04-00": "(2026-04-00 is not a day of the calendar: April 2026 has 30 days)",
    "2026-13-01": "(there is no month 13: the month comes second, between the hyphens)",
    "2026-25-11": "(there is no month 25: the month comes second, between the hyphens)",
    "2026-10-3": "(the month and the day take two digits each: 2026-10-03)",
}


def _error(date: str) -> str:
    with pytest.raises(DiaryCsvError) as e:
        list(iter_diary_csv(io.StringIO(f"patient,date,itch\np1,2026-10-01,2\np1,{date},3\n")))
    return str(e.value)


@pytest.mark.parametrize("date", list(CASES))
def test_the_reader_says_what_is_impossible(date: str) -> None:
    msg = _error(date)
    assert f'line 3, column date: expected an ISO date YYYY-MM-DD {CASES[date]}, got "{date}"' in msg, msg


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_the_day_after_a_months_last_day_names_the_months_length(day: dt.date) -> None:
    nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    last = (nxt - dt.timedelta(days=1)).day
    text = f"{day.year:04d}-{day.month:02d}-{last + 1:02d}"
    assert f"{day.strftime('%B')} {day.year} has {last} days" in _error(text)


@pytest.mark.parametrize("date", list(CASES))
def test_the_upload_is_refused_saying_why_and_imports_nothing(date, client, people, engine) -> None:
    from tests.conftest import bearer

    h = bearer(client, "owner@example.org")
    body = f"\ufeffpatient,date,itch\r\napp-1,2026-10-01,2\r\napp-1,{date},3\r\n".encode()
    r = client.post("/api/v1/me/diary/import", files={"file": ("diary.csv", body, "text/csv")}, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == f'diary.csv: line 3, column date: expected an ISO date YYYY-MM-DD {CASES[date]}, got "{date}"'
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(DiaryDay)) == 0
