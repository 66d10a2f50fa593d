"""The API's what-if sentence after a diary gap: GET /api/v1/me/insights and the clinician's
/api/v1/patients/{id}/insights said "Dairy every day of the next 7 days: ..." for a diary last
written months ago, while the page already said "the 7 days after the last entry" (its template
rewrote the words; the API served the cached sentence as computed). One rule now
(``gutskin.clinic.insights.worded_for``) words the sentence for the day it is served, for both."""

from __future__ import annotations

import datetime as dt

from gutskin.clinic.insights import clear_cache
from tests.conftest import bearer
from tests.web.test_insights_service import fill


def _what_if(client, people) -> list[str]:  # type: ignore[no-untyped-def]
    owner = bearer(client, "owner@example.org")
    clinician = bearer(client, "linked@clinic.example.org")
    mine = client.get("/api/v1/me/insights?wait=10", headers=owner).json()
    theirs = client.get(f"/api/v1/patients/{people.owner_pid}/insights?wait=10", headers=clinician).json()
    assert mine["status"] == theirs["status"] == "ready", (mine, theirs)
    assert mine["what_if"] and [w["factor"] for w in mine["what_if"]] == [w["factor"] for w in theirs["what_if"]]
    return [w["sentence"] for body in (mine, theirs) for w in body["what_if"]]


def test_a_stale_diary_what_if_names_the_days_after_the_last_entry(engine, people, client) -> None:
    clear_cache()
    fill(engine, people.owner, people.owner_pid, 60, start=dt.date.today() - dt.timedelta(days=200))
    sentences = _what_if(client, people)
    for s in sentences:
        assert "every day of the 7 days after the last entry: chance of a bad day" in s, s
        assert "next 7 days" not in s, s


def test_a_current_diary_what_if_still_says_the_next_7_days(engine, people, client) -> None:
    clear_cache()
    fill(engine, people.owner, people.owner_pid, 60, start=dt.date.today() - dt.timedelta(days=59))
    for s in _what_if(client, people):
        assert "every day of the next 7 days: chance of a bad day" in s and "after the last entry" not in s, s
