"""The patient's "today" at the edges of the map and the calendar (2026-12-06): Pacific/Kiritimati
(UTC+14, a day ahead of the server for ten hours of every UTC day), Pacific/Pago_Pago (UTC-11, a day
behind for eleven), the nights the clocks change in Europe/London and America/New_York (an offset
taken on the wrong side of the change puts the hour after midnight on the wrong day), and 29 February.

Walked for the diary's today (page without JavaScript, API), a challenge's dose days and reminders,
and the questionnaires' date and due list, with the process clock frozen by time-machine (the
server on UTC) and the profile's zone set as on My data.
"""

from __future__ import annotations

import datetime as dt
import re

import time_machine

from gutskin.store.db import transaction
from gutskin.store.models import Patient
from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.challenges.test_services import log_baseline

SAFE = dict.fromkeys(["hives", "swelling", "breathing", "vomiting", "faint"], False)


def at(utc: str) -> time_machine.travel:
    return time_machine.travel(dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC), tick=True)


def _zone(engine, pid: int, zone: str) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        s.get(Patient, pid).time_zone = zone


def _plan(client, people, start: str, offsets=(0, 3)) -> dict:  # type: ignore[no-untyped-def]
    doc = bearer(client, "linked@clinic.example.org")
    body = {"food": "food.egg", "kind": "home", "released_for_home": True, "baseline_days": 7, "start": start,
            "doses": [{"day_offset": o, "amount": f"{i + 1}/4 egg"} for i, o in enumerate(offsets)]}
    r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=body, headers=doc)
    assert r.status_code == 201, r.text
    return r.json()


def _page_day(client) -> str:  # type: ignore[no-untyped-def]
    """The diary page's day for a browser without JavaScript (no tz cookie)."""
    client.cookies.clear()
    assert login_page(client, "owner@example.org").status_code == 303
    page = client.get("/today")
    assert page.status_code == 200
    return re.search(r'<h1 id="day-title" data-day="([^"]+)">', page.text).group(1)


def _walk(client, people, engine, zone: str, now: str, day: str) -> None:  # type: ignore[no-untyped-def]
    """At UTC ``now`` the patient in ``zone`` lives ``day``: the diary, a dose planned that day,
    the reminders and a questionnaire all say so; the step planned the day after is not yet due."""
    _zone(engine, people.owner_pid, zone)
    d = dt.date.fromisoformat(day)
    with at(f"{(d - dt.timedelta(days=10)).isoformat()}T12:00"):
        ch = _plan(client, people, (d - dt.timedelta(days=7)).isoformat(), offsets=(0, 1))
        log_baseline(engine, ch["id"], before=d)
    assert [x["planned_on"] for x in ch["doses"]] == [day, (d + dt.timedelta(days=1)).isoformat()]
    with at(now):
        assert _page_day(client) == day, (zone, now)
        me = bearer(client, "owner@example.org")
        r = client.get("/api/v1/me/challenges", headers=me)
        body = r.json()
        assert [x["due"] for x in body["reminders"] if x["kind"] == "next_step"] == [day], (zone, body["reminders"])
        assert body["today"][0]["action"] == "dose", (zone, body["today"])
        first, second = ch["doses"]
        r = client.post(f"/api/v1/me/challenges/{ch['id']}/doses/{second['id']}", json={"safety": SAFE}, headers=me)
        assert r.status_code == 422 and "not today" in r.json()["detail"], (zone, r.text)
        r = client.post(f"/api/v1/me/challenges/{ch['id']}/doses/{first['id']}", json={"safety": SAFE}, headers=me)
        assert r.status_code == 200, (zone, r.text)
        r = client.post("/api/v1/me/questionnaires/poem", json={"answers": [1] * 7}, headers=me)
        assert r.status_code == 201 and r.json()["answered_on"] == day, (zone, r.text)
        assert client.put(f"/api/v1/me/diary/{day}", json={"itch": 2}, headers=me).status_code == 200


def test_kiritimati_lives_on_the_servers_tomorrow(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    _walk(client, people, engine, "Pacific/Kiritimati", "2027-01-10T10:30", "2027-01-11")  # 00:30 there


def test_pago_pago_lives_on_the_servers_yesterday(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    _walk(client, people, engine, "Pacific/Pago_Pago", "2027-01-12T10:30", "2027-01-11")  # 23:30 there


def test_london_after_the_clocks_go_forward(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """28 March 2027, 01:00 UTC: London goes to BST. 23:30 UTC that evening is 00:30 on the 29th
    there (on GMT it would still be the 28th)."""
    _walk(client, people, engine, "Europe/London", "2027-03-28T23:30", "2027-03-29")


def test_new_york_after_the_clocks_go_back(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """7 November 2027, 06:00 UTC: New York goes back to EST. 04:30 UTC on the 8th is 23:30 on the
    7th there (on EDT it would already be the 8th)."""
    _walk(client, people, engine, "America/New_York", "2027-11-08T04:30", "2027-11-07")


def test_the_29th_of_february(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """2028 is a leap year: 29 February is a diary day, a dose day and a questionnaire day, and a
    week later (7 March) the next POEM is due; a plan counts its days across it."""
    _walk(client, people, engine, "Pacific/Auckland", "2028-02-28T12:00", "2028-02-29")  # 01:00 on the 29th there
    me = bearer(client, "owner@example.org")
    days = [x["date"] for x in client.get("/api/v1/me/diary", headers=me).json()]
    assert "2028-02-29" in days
    with at("2028-03-06T12:00"):  # 01:00 on 7 March in Auckland: six days after the 29th... and seven
        login_page(client, "owner@example.org")
        client.cookies.clear()
        assert login_page(client, "owner@example.org").status_code == 303
        page = client.get("/today")
        assert '<h1 id="day-title" data-day="2028-03-07">' in page.text
        assert "/questionnaire/poem" in page.text  # due again: answered 29 February, 7 days ago
    with at("2028-03-05T12:00"):  # 6 March in Auckland: answered 6 days ago, not due
        client.cookies.clear()
        assert login_page(client, "owner@example.org").status_code == 303
        page = client.get("/today")
        assert '<h1 id="day-title" data-day="2028-03-06">' in page.text
        assert "/questionnaire/poem" not in page.text
