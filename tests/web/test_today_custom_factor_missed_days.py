"""A factor the person added today (their own "Tomato") is offered as a chip when they go back to
fill the days they missed; the form looked only at the days before the one it showed, so the new
factor was missing there and had to be typed again, day after day (patient walk, 2026-12-06)."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _chips(page: str) -> list[str]:
    return re.findall(r'<label class="chip[^"]*"><input type="checkbox" name="f:([a-z0-9_.]+)"', page)


def test_a_factor_added_today_is_a_chip_on_the_days_missed_before(client, people) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/today").text
    today = dt.date.fromisoformat(re.search(r'<h1 id="day-title" data-day="([0-9-]+)">', page).group(1))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/today", data={"csrf_token": csrf, "date": today.isoformat(), "itch": "5",
                                    "custom_name": "Tomato", "custom_group": "food", "custom_value": "1"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "food.tomato" in _chips(client.get(f"/today?date={today}").text)
    for back in (1, 5, 30):  # the days missed before it
        missed = client.get(f"/today?date={today - dt.timedelta(days=back)}")
        assert missed.status_code == 200
        assert "food.tomato" in _chips(missed.text), back
        assert "<span>Tomato</span>" in missed.text
    # ticking it on a missed day stores the same factor, not a second one typed differently
    day = today - dt.timedelta(days=5)
    page = client.get(f"/today?date={day}").text
    base = re.search(r'name="base" value="([^"]*)"', page).group(1)
    r = client.post("/today", data={"csrf_token": csrf, "date": day.isoformat(), "base": base, "itch": "3",
                                    "f:food.tomato": "1"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    stored = {d["date"]: d for d in client.get("/api/v1/me/diary", headers=bearer(client, "owner@example.org")).json()}
    assert stored[day.isoformat()]["factors"] == {"food.tomato": 1.0}
    # a stranger's custom factor is never offered on the owner's form
    login_page(client, "stranger@example.org")
    assert "food.tomato" not in _chips(client.get(f"/today?date={day}").text)
