"""A new diary's calendar read to a screen reader: "14: before the diary started; 15: before the diary
started; …" for each of the 80-odd days before its first logged day, then the one day that mattered.
Those days (and whole weeks of them) are shown but hidden from it, and one sentence says where the
diary starts (patient walk, 2026-12-06)."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _calendar(page: str) -> str:
    return page.split('class="calendar"')[1].split("</div>")[0]


def test_the_days_before_a_diary_started_are_not_read_out(client, people) -> None:
    today = dt.date.today()
    first = today - dt.timedelta(days=3)
    owner = bearer(client, "owner@example.org")
    for d in (first, today):
        assert client.put(f"/api/v1/me/diary/{d}", json={"itch": 4}, headers=owner).status_code == 200
    login_page(client, "owner@example.org")
    cal = _calendar(client.get("/trends?weeks=12").text)
    cells = re.findall(r'<span class="cal (logged|missing|before)[^"]*" data-day="([0-9-]+)" title="[^"]*"( aria-hidden="true")?>', cal)
    assert len(cells) == 84
    read = [(state, day) for state, day, hidden in cells if not hidden]
    assert [s for s, _ in read] == ["logged", "missing", "missing", "logged"], read  # from the first day on
    assert all(hidden for state, _, hidden in cells if state == "before")
    weeks = re.findall(r'<span class="cal-week"( aria-hidden="true")?>', cal)
    assert len(weeks) == 12 and weeks.count("") == 1  # the last row (today and the 6 days before) holds the whole diary
    starts = re.search(r'<span class="visually-hidden" id="cal-starts">([^<]+)</span>', cal)
    assert starts and starts.group(1) == f"The diary started on {first:%a} {first.day} {first:%b %Y}; the days before it are not listed."
    # the clinician's view of the record (the same calendar) reads the same
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    clinic = _calendar(client.get(f"/clinic/patients/{people.owner_pid}?weeks=12").text)
    assert 'id="cal-starts"' in clinic and clinic.count('aria-hidden="true">') == cal.count('aria-hidden="true">')
