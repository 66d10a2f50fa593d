"""A missed day's form speaks of that day: going back to fill 3 December, the chips were headed
"Today I had / used" and the box said "Flare today", as if today were being logged (patient walk,
2026-12-06)."""

from __future__ import annotations

import datetime as dt
import re

from tests.safety.test_attacks import login_page


def test_a_past_day_is_not_called_today(client, people) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/today").text
    today = dt.date.fromisoformat(re.search(r'<h1 id="day-title" data-day="([0-9-]+)">', page).group(1))
    assert "<legend>Today I had / used</legend>" in page and "> Flare today</label>" in page
    day = today - dt.timedelta(days=3)
    past = client.get(f"/today?date={day}").text
    words = f"{day:%a} {day.day} {day:%b %Y}"
    assert f"<legend>On {words} I had / used</legend>" in past, re.search(r"<legend>[^<]*</legend>", past)
    assert "> Flare that day</label>" in past and "Flare today" not in past and "Today I had" not in past
    # a caregiver's child: the child's name, on that day
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/profiles/child", data={"csrf_token": csrf, "display_name": "Mia", "birth_year": "2020"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    mia = re.search(r'href="/today\?patient=(\d+)"[^>]*>Mia<', client.get("/today").text).group(1)
    child = client.get(f"/today?date={day}&patient={mia}").text
    assert f"<legend>On {words} Mia had / used</legend>" in child
    assert "<legend>Today Mia had / used</legend>" in client.get(f"/today?patient={mia}").text
