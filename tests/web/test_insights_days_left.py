"""Insights before there is enough diary says how many more days are needed, in words (new-user walk on
a fresh server, 2026-12-07): it read "14 days with an itch score are needed ... (you have 3)", leaving
a new patient to work out the rest, and "(you have 0)" on the first day. Now: "(you have none yet)",
"11 more days to go: score your itch on the Today page each day", and on the clinician's page
"11 more days with an itch score are needed." SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page

FIRST = dt.date(2025, 3, 1)


def _wait(client, pid: int) -> str:  # type: ignore[no-untyped-def]
    panel = client.get(f"/insights/panel?patient={pid}").text
    said = re.search(r'<p id="insights-wait">(.*?)</p>', panel, re.S)
    assert said, panel[:400]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", said.group(1))).split()), said.group(1)


def _log(client, headers, days: range, itch: int | None = 4) -> None:  # type: ignore[no-untyped-def]
    for k in days:
        body = {"itch": itch} if itch is not None else {"sleep_loss": 2}
        assert client.put(f"/api/v1/me/diary/{FIRST + dt.timedelta(days=k)}", json=body, headers=headers).status_code == 200


def test_the_days_still_needed_are_said(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    login_page(client, "owner@example.org")
    text, page = _wait(client, people.owner_pid)
    assert "(you have none yet)" in text and "14 more days to go: score your itch on the Today page each day" in text
    assert f'href="/today?patient={people.owner_pid}"' in page
    _log(client, owner, range(3))
    text, _ = _wait(client, people.owner_pid)
    assert "(you have 3)" in text and "11 more days to go" in text, text
    _log(client, owner, range(3, 5), itch=None)  # logged without an itch score: not counted
    text, _ = _wait(client, people.owner_pid)
    assert "(you have 3; 2 logged days have no itch score). 11 more days to go" in text, text
    _log(client, owner, range(5, 15))
    text, _ = _wait(client, people.owner_pid)
    assert "(you have 13;" in text and "1 more day to go" in text, text
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    text, page = _wait(client, people.owner_pid)
    assert "(the patient has 13; 2 logged days have no itch score). 1 more day with an itch score is needed." in text, text
    assert "to go" not in text and "your itch" not in text and "/today" not in page


def test_a_childs_record_speaks_of_the_child(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    made = client.post("/api/v1/me/children", json={"display_name": "Mia"}, headers=owner)
    assert made.status_code == 201, made.text
    mia = made.json()["patient_id"]
    login_page(client, "owner@example.org")
    for k in range(2):
        day = FIRST + dt.timedelta(days=k)
        assert client.put(f"/api/v1/me/diary/{day}?patient_id={mia}", json={"itch": 5}, headers=owner).status_code == 200
    text, page = _wait(client, mia)
    assert "(your child has 2). 12 more days to go: score your child's itch on the Today page each day" in text, text
    assert f'href="/today?patient={mia}"' in page
