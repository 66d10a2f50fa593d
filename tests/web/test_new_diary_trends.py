"""Trends of a brand-new diary (new-user walk on a fresh server, 2026-12-07): with nothing logged the
page drew an empty chart, a table of 84 days "not logged" and a calendar of 83 days "before the diary
started" plus today "missing", under a sentence saying nothing was logged; with one to three days the
chart spanned the whole 12 weeks, its points squeezed at the right edge. Now an empty window has no
chart, table or calendar, and a diary begun inside the window is charted (and tabled) from its first
day, and counted since that day ("1 day logged since the diary started on ..., none missed", where it
read "1 day logged, 0 not logged in the last 12 weeks"). The patient's page and the clinician's read
the same; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re

from gutskin.diary.dates import day_words
from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="trend-data">(.*?)</script>', page, re.S).group(1))


def _table_days(page: str) -> list[str]:
    table = page.split('id="trend-table"')[1].split("</table>")[0]
    return re.findall(r'<tr><td><time datetime="(\d{4}-\d{2}-\d{2})">', table)


def test_an_empty_diary_has_no_chart_table_or_calendar(client, people) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/trends").text
    assert 'id="no-days-yet"' in page
    assert 'id="trend-chart"' not in page and 'id="trend-table"' not in page
    assert 'class="calendar"' not in page and "before the diary started" not in page and "not logged<" not in page
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    clinic = client.get(f"/clinic/patients/{people.owner_pid}").text
    assert 'id="no-days-yet"' in clinic and 'id="trend-chart"' not in clinic and 'class="calendar"' not in clinic


def test_a_new_diary_is_charted_from_its_first_day(client, people) -> None:
    login_page(client, "owner@example.org")
    today = dt.date.fromisoformat(_data(client.get("/trends").text)["dates"][-1])  # the page's own today
    owner = bearer(client, "owner@example.org")
    assert client.put(f"/api/v1/me/diary/{today}", json={"itch": 5, "sleep_loss": 2}, headers=owner).status_code == 200
    page = client.get("/trends").text
    data = _data(page)
    assert len(data["dates"]) == 84 and data["counted_from"] == str(today)  # the data still holds the window
    assert f'data-from="{today}"' in page
    assert _table_days(page) == [str(today)]
    assert f"by day, {day_words(str(today))} to {day_words(str(today))}: itch on 1 day" in page
    assert page.count(": logged;") == 1  # the calendar is back with the first day
    words = f"{today:%a} {today.day} {today:%b %Y}"  # the count is since the diary started, none missed ("0 not logged" before)
    assert f'<p id="days-count">1 day logged since the diary started on {words}, none missed.</p>' in page
    # two days back: three days, charted from the first
    first = today - dt.timedelta(days=2)
    for day, itch in ((first, 3), (today - dt.timedelta(days=1), 6)):
        assert client.put(f"/api/v1/me/diary/{day}", json={"itch": itch}, headers=owner).status_code == 200
    for weeks in (4, 12, 52):
        page = client.get(f"/trends?weeks={weeks}").text
        assert f'data-from="{first}"' in page and _table_days(page) == [str(first + dt.timedelta(days=k)) for k in range(3)]
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    clinic = client.get(f"/clinic/patients/{people.owner_pid}").text
    assert f'data-from="{first}"' in clinic and len(_table_days(clinic)) == 3


def test_a_diary_older_than_the_window_is_charted_over_the_whole_window(client, people) -> None:
    login_page(client, "owner@example.org")
    today = dt.date.fromisoformat(_data(client.get("/trends").text)["dates"][-1])
    owner = bearer(client, "owner@example.org")
    for day in (today - dt.timedelta(days=100), today - dt.timedelta(days=3)):
        assert client.put(f"/api/v1/me/diary/{day}", json={"itch": 4}, headers=owner).status_code == 200
    page = client.get("/trends?weeks=4").text
    start = today - dt.timedelta(days=27)
    assert f'data-from="{start}"' in page and len(_table_days(page)) == 28
    # today is open, not missed (tests/web/test_today_not_missed.py): 26 of the 27 unlogged days are missed
    assert '<p id="days-count">1 day logged, 26 not logged in the last 4 weeks.</p>' in page
    # back after a while: nothing in 4 weeks of a diary that has days is said, not charted; the calendar shows the missed days
    assert client.delete(f"/api/v1/me/diary/{today - dt.timedelta(days=3)}", headers=owner).status_code in (200, 204)
    page = client.get("/trends?weeks=4").text
    assert 'id="no-days-lately"' in page and 'id="trend-chart"' not in page and page.count(": missing;") == 27 and page.count(": today, not logged yet;") == 1
