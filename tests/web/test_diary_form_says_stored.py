"""The diary form says whether its day is stored (``data-stored``), for app.js to drop a draft the server
already has as typed (a Save sent before the page was left, its answer never read: 2026-12-07,
tests/e2e/test_diary_left_while_saving.py) and never one of a day that is not stored: a new day's form,
prefilled from an earlier day, can equal the draft and still not be saved. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _form(page: str) -> str:
    return re.search(r'<form method="post" action="/today[^"]*" class="card diary"[^>]*>', page).group(0)  # type: ignore[union-attr]


def test_the_form_marks_a_stored_day_only(client, people) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/today").text
    today = dt.date.fromisoformat(re.search(r'<h1 id="day-title" data-day="([0-9-]+)">', page).group(1))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    day = today - dt.timedelta(days=2)
    assert "data-stored" not in _form(client.get(f"/today?date={day}").text)
    r = client.post("/today", data={"csrf_token": csrf, "date": day.isoformat(), "itch": "5", "notes": "typed"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "data-stored" in _form(client.get(f"/today?date={day}").text)
    assert "data-stored" not in _form(client.get(f"/today?date={day + dt.timedelta(days=1)}").text)  # prefilled, not stored
    # deleted: not stored any more
    page = client.get(f"/today?date={day}").text
    base = re.search(r'name="base" value="([^"]*)"', page).group(1)
    assert client.post("/today/delete", data={"csrf_token": csrf, "date": day.isoformat(), "base": base},
                       follow_redirects=False).status_code in (200, 303)
    assert "data-stored" not in _form(client.get(f"/today?date={day}").text)
    assert [d for d in client.get("/api/v1/me/diary", headers=bearer(client, "owner@example.org")).json()
            if d["date"] == day.isoformat()] == []
