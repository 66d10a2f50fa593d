"""A new account lands on Today, and the page says where to start (new-user walk on a fresh server,
2026-12-07): it was a bare form with nothing on what to do first, how to add earlier days, when
Insights has something to say or how the clinic gets to see it. The note is there while the diary
has no day at all, and names a child's profile. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _note(page: str) -> str | None:
    found = re.search(r'<p class="hint" id="first-day">(.*?)</p>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split()) if found else None


def test_an_empty_diary_says_where_to_start(client, people) -> None:
    login_page(client, "stranger@example.org")
    page = client.get("/today").text
    note = _note(page)
    assert note and note.startswith("Nothing is logged yet. Start with today:"), note
    assert "press Save day" in note and 'id="save">Save day<' in page  # the button it names
    assert "import a diary file on My data" in note and "14 days with an itch score" in note and "invite code on Sharing" in note
    # a day logged long ago (an import): the diary is not empty, on any day's page
    stranger = bearer(client, "stranger@example.org")
    old = dt.date(2024, 5, 1)
    assert client.put(f"/api/v1/me/diary/{old}", json={"itch": 3}, headers=stranger).status_code == 200
    assert _note(client.get("/today").text) is None
    assert _note(client.get(f"/today?date={old + dt.timedelta(days=1)}").text) is None
    assert client.delete(f"/api/v1/me/diary/{old}", headers=stranger).status_code in (200, 204)
    assert _note(client.get("/today").text) is not None


def test_a_childs_empty_diary_is_named(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    made = client.post("/api/v1/me/children", json={"display_name": "Mia"}, headers=owner)
    assert made.status_code == 201, made.text
    mia = made.json()["patient_id"]
    login_page(client, "owner@example.org")
    note = _note(client.get(f"/today?patient={mia}").text)
    assert note and note.startswith("Nothing is logged yet for Mia.") and "tick what Mia had or used" in note, note
    assert "press Save the day of Mia" in note and "import a diary file" not in note
    assert client.put(f"/api/v1/me/diary/{dt.date(2025, 1, 2)}?patient_id={mia}", json={"itch": 2}, headers=owner).status_code == 200
    assert _note(client.get(f"/today?patient={mia}").text) is None
