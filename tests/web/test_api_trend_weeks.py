"""The API's trends take 4, 12 or 52 weeks and refuse any other number naming it: a patient with
four years of diary asking for ``weeks=208`` got 12 weeks and no word (the years-of-data walk,
2026-12-06). The pages keep showing 12 weeks for a hand-edited ``?weeks=``."""

from __future__ import annotations

import datetime as dt

import pytest

from gutskin.clinic import diary
from gutskin.store.db import transaction
from tests.conftest import bearer
from tests.safety.test_attacks import login_page


@pytest.mark.parametrize("weeks", [208, 0, -4, 13])
def test_other_windows_are_refused_by_name(client, engine, people, weeks: int) -> None:
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, dt.date.today() - dt.timedelta(days=400), diary.DayInput(itch=3))
    for email, path in (("owner@example.org", "/api/v1/me/trends"),
                        ("linked@clinic.example.org", f"/api/v1/patients/{people.owner_pid}/trends")):
        r = client.get(path, params={"weeks": weeks}, headers=bearer(client, email))
        assert r.status_code == 422, (path, r.status_code, r.text[:200])
        assert r.json()["detail"].startswith(f"weeks: expected one of 4, 12, 52, got {weeks}"), r.text
    r = client.get("/api/v1/me/trends", params={"weeks": 52}, headers=bearer(client, "owner@example.org"))
    assert r.status_code == 200 and r.json()["weeks"] == 52 and len(r.json()["dates"]) == 364


def test_a_stranger_still_gets_404_before_the_weeks_are_judged(client, people) -> None:
    for email in ("unlinked@clinic.example.org", "stranger@example.org"):
        r = client.get(f"/api/v1/patients/{people.owner_pid}/trends", params={"weeks": 208},
                       headers=bearer(client, email))
        assert r.status_code == 404, (email, r.status_code)


def test_the_page_still_shows_twelve_weeks(client, people) -> None:
    login_page(client, "owner@example.org")
    r = client.get("/trends", params={"weeks": 208})
    assert r.status_code == 200 and "in the last 12 weeks" in r.text
