"""Dates that come in through the pages follow the diary's rule (docs/diary-csv.md): exactly
YYYY-MM-DD, or a 422 naming the field. ``date.fromisoformat`` also reads ISO 8601's other
spellings (the week date ``2025-W14-2``, the basic ``20250401``), and the diary page fell back
to today on a value it could not read: a save posted with a bad date was stored on today."""

from __future__ import annotations

import datetime as dt
import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def _spellings(day: dt.date) -> list[str]:
    """Other ISO 8601 spellings of ``day`` that Python 3.11's fromisoformat reads as that day."""
    year, week, weekday = day.isocalendar()
    return [f"{year}-W{week:02d}-{weekday}", day.strftime("%Y%m%d")]


def _days(client, owner) -> list[str]:  # type: ignore[no-untyped-def]
    return [d["date"] for d in client.get("/api/v1/me/diary", headers=owner).json()]


def test_the_diary_page_says_the_date_is_wrong_instead_of_showing_another_day(client, people) -> None:
    login_page(client, "owner@example.org")
    for bad in ["31/12/2025", "2025-02-30", *_spellings(dt.date(2025, 4, 1))]:
        r = client.get(f"/today?date={bad}")
        assert r.status_code == 422, (bad, r.status_code)
        assert "Day: expected a day YYYY-MM-DD" in html.unescape(r.text) and 'class="card diary"' not in r.text, bad
    r = client.get("/today?date=2025-04-01")
    assert r.status_code == 200 and '<h1 id="day-title" data-day="2025-04-01">Tue 1 Apr 2025</h1>' in r.text
    assert client.get("/today?date=").status_code == 200  # no date: today, as before


def test_a_save_with_a_bad_date_is_refused_not_stored_on_another_day(client, people) -> None:
    login_page(client, "owner@example.org")
    owner = bearer(client, "owner@example.org")
    token = _csrf(client.get("/today").text)
    for bad in ["garbage", *_spellings(dt.date(2025, 4, 1))]:
        r = client.post("/today", data={"csrf_token": token, "date": bad, "itch": "6"})
        assert r.status_code == 422 and "Day: expected a day YYYY-MM-DD" in html.unescape(r.text), (bad, r.text[:300])
    assert _days(client, owner) == []  # before: "garbage" was saved on today, the others on 1 April 2025


def test_deleting_a_day_takes_only_yyyy_mm_dd(client, people) -> None:
    login_page(client, "owner@example.org")
    owner = bearer(client, "owner@example.org")
    assert client.put("/api/v1/me/diary/2025-04-01", json={"itch": 3}, headers=owner).status_code == 200
    token = _csrf(client.get("/today").text)
    for bad in _spellings(dt.date(2025, 4, 1)):
        r = client.post("/today/delete", data={"csrf_token": token, "date": bad})
        assert r.status_code == 422 and "Day: expected a day YYYY-MM-DD" in html.unescape(r.text), bad
    assert _days(client, owner) == ["2025-04-01"]  # before: the week date deleted 1 April


def test_the_challenge_adherence_day_takes_only_yyyy_mm_dd(client, people) -> None:
    doc = bearer(client, "linked@clinic.example.org")
    owner = bearer(client, "owner@example.org")
    pid = people.owner_pid
    plan = {"food": "food.egg", "kind": "home", "released_for_home": True, "baseline_days": 7,
            "doses": [{"day_offset": 0, "amount": "1/4 egg"}]}
    cid = client.post(f"/api/v1/patients/{pid}/challenges", json=plan, headers=doc).json()["id"]
    today = dt.date.today()  # the challenge's days are the server's (no browser zone in the test client)

    login_page(client, "owner@example.org")
    token = _csrf(client.get("/challenges").text)
    for bad in _spellings(today):
        r = client.post(f"/challenges/{cid}/adherence", data={"csrf_token": token, "day": bad, "followed": "yes"})
        assert r.status_code == 200 and "Day: expected a day YYYY-MM-DD" in html.unescape(r.text), bad
    assert client.get(f"/api/v1/challenges/{cid}", headers=owner).json()["adherence"] == []  # before: today's logged


def test_the_clinicians_plan_start_takes_only_yyyy_mm_dd(client, people) -> None:
    doc = bearer(client, "linked@clinic.example.org")
    pid = people.owner_pid
    today = dt.date.today()
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{pid}/challenges")
    form = {"food": "food.milk", "kind": "home", "released_for_home": "1", "baseline_days": "7",
            "elimination_days": "0", "observation_hours": "48", "doses": "0: 5 ml milk", "csrf_token": _csrf(page.text)}
    for bad in _spellings(today):
        r = client.post(f"/clinic/patients/{pid}/challenges", data={**form, "start": bad})
        assert r.status_code == 422 and "First day: expected a day YYYY-MM-DD" in html.unescape(r.text), bad
        assert f'name="start" value="{bad}"' in r.text  # the form again with what was typed
    assert client.get(f"/api/v1/patients/{pid}/challenges", headers=doc).json() == []  # before: planned
    r = client.post(f"/clinic/patients/{pid}/challenges", data={**form, "start": today.isoformat()}, follow_redirects=False)
    assert r.status_code == 303
