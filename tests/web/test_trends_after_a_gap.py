"""Trends of a diary that stopped months ago say when its last entry was: a patient back after
five months away (and the clinician reading the record) read "Nothing logged in the last 12 weeks
yet", as if the diary had never started (the years-of-data walk, 2026-12-06)."""

from __future__ import annotations

import datetime as dt

from gutskin.clinic import diary, summary
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page


def _words(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def test_an_empty_window_after_years_of_entries_names_the_last_entry(client, engine, people) -> None:
    today = dt.date.today()
    last = today - dt.timedelta(days=156)
    with transaction(engine) as s:
        for k in range(30):  # a month of entries ending five months ago
            diary.put_day(s, people.owner, people.owner_pid, last - dt.timedelta(days=k), diary.DayInput(itch=3))
    with transaction(engine) as s:
        t = summary.trends(s, people.clinician, people.owner_pid, 12, today=today)
    assert t["logged_days"] == 0 and t["last_entry"] == last.isoformat()

    login_page(client, "owner@example.org")
    page = " ".join(client.get("/trends?weeks=12").text.split())
    assert f"Nothing logged in the last 12 weeks: the last diary entry is from {_words(last)}" in page
    assert "weeks yet" not in page and 'href="/today"' in page
    page = client.get("/trends?weeks=52").text
    assert "last diary entry is from" not in page and "30 days logged" in page  # the entries are in the window
    client.post("/logout")

    login_page(client, "linked@clinic.example.org")
    page = " ".join(client.get(f"/clinic/patients/{people.owner_pid}?weeks=4").text.split())
    assert f"Nothing logged in the last 4 weeks: the last diary entry is from {_words(last)}." in page
    assert "weeks yet" not in page and "Log today" not in page  # the clinician is not told to log


def test_a_diary_without_entries_still_says_nothing_yet(client, people) -> None:
    login_page(client, "owner@example.org")
    page = " ".join(client.get("/trends?weeks=12").text.split())
    assert "Nothing logged in the last 12 weeks yet" in page and "last diary entry" not in page


def test_the_clinicians_last_two_weeks_say_when_the_last_entry_was(client, engine, people) -> None:
    today = dt.date.today()
    last = today - dt.timedelta(days=40)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, last, diary.DayInput(itch=5))
    login_page(client, "linked@clinic.example.org")
    page = " ".join(client.get(f"/clinic/patients/{people.owner_pid}").text.split())
    # an empty table with its headings and not a word, until 2026-12-06
    assert f'id="no-recent-days">Nothing logged in the last two weeks: the last diary entry is from {_words(last)}.' in page
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, today, diary.DayInput(itch=2))
    page = client.get(f"/clinic/patients/{people.owner_pid}").text
    assert 'id="no-recent-days"' not in page and f"<td>{today.isoformat()}</td>" in page


def test_the_calendar_names_each_year_above_its_first_week(client, engine, people) -> None:
    import re

    today = dt.date.today()
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=300), diary.DayInput(itch=2))
    login_page(client, "owner@example.org")
    page = client.get("/trends?weeks=52").text
    dates = re.findall(r'"dates": \[(.*?)\]', page)[0].replace('"', "").replace(" ", "").split(",")
    weeks = [dates[i] for i in range(0, len(dates), 7)]  # each calendar row's first day
    expected = [weeks[0][:4]] + [b[:4] for a, b in zip(weeks, weeks[1:]) if a[:4] != b[:4]]
    assert re.findall(r'<span class="cal-year">(\d{4})</span>', page) == expected
    assert len(expected) == len({w[:4] for w in weeks})  # each year once (two, unless today is in late December)
    page = client.get("/trends?weeks=4").text
    assert len(re.findall(r'class="cal-year"', page)) in (1, 2)  # the first row, and a new year's first week
