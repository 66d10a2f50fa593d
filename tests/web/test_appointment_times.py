"""Appointment times are unambiguous: the API wants the zone offset, and the clinician's page
refuses wall times that the clinician's zone skips or passes twice (summer-time changes)
instead of silently booking another time."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from gutskin.clinic import appointments
from gutskin.store.db import transaction
from gutskin.store.models import AppointmentRequest
from gutskin.web.pages.common import local_time, utc_from_local
from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _request(engine, people) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon")["id"])


def _stored(engine, rid: int):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        a = s.get(AppointmentRequest, rid)
        return a.status, a.scheduled_for


def _next(month: int) -> dt.date:
    """The next last-Sunday-of-the-month change in the EU rule (March / October) ahead of today."""
    today = dt.date.today()
    for year in (today.year, today.year + 1):
        last = dt.date(year, month, 31)
        sunday = last - dt.timedelta(days=(last.weekday() + 1) % 7)
        if sunday > today + dt.timedelta(days=1):
            return sunday
    raise AssertionError("no change ahead")


DAY = (dt.date.today() + dt.timedelta(days=30)).isoformat()


@pytest.mark.parametrize("time", [f"{DAY}T09:30", f"{DAY} 09:30", f"{DAY}T09:30:00"])
def test_api_refuses_a_time_without_zone_offset(client, engine, people, time: str) -> None:
    rid = _request(engine, people)
    h = bearer(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/clinician/appointments/{rid}", headers=h, json={"action": "accept", "time": time})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("time: add the zone offset")
    assert _stored(engine, rid) == ("open", None)  # nothing booked


@pytest.mark.parametrize(("time", "utc"), [(f"{DAY}T09:30Z", f"{DAY}T09:30"), (f"{DAY}T09:30+00:00", f"{DAY}T09:30"),
                                           (f"{DAY}T09:30+05:30", f"{DAY}T04:00"), (f"{DAY}T09:30-08:00", f"{DAY}T17:30")])
def test_api_converts_a_time_with_its_offset_to_utc(client, engine, people, time: str, utc: str) -> None:
    rid = _request(engine, people)
    h = bearer(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/clinician/appointments/{rid}", headers=h, json={"action": "propose", "time": time})
    assert r.status_code == 200 and r.json()["scheduled_for"] == utc + "Z", r.text


def test_openapi_says_the_offset_is_needed(client) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["AppointmentAction"]
    assert "offset" in schema["properties"]["time"]["description"]


def _post_page(client, rid: int, time: str, zone: str):  # type: ignore[no-untyped-def]
    client.cookies.set("tz", zone)
    page = client.get("/clinic/appointments")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(f"/clinic/appointments/{rid}", data={"csrf_token": csrf, "action": "accept", "time": time},
                       follow_redirects=False)


def test_page_refuses_a_time_the_clocks_skip(client, engine, people) -> None:
    spring = _next(3)
    rid = _request(engine, people)
    login_page(client, "linked@clinic.example.org")
    r = _post_page(client, rid, f"{spring}T02:30", "Europe/Berlin")
    assert r.status_code == 422
    assert (f"02:30 does not exist on {spring:%a} {spring.day} {spring:%b %Y} in Europe/Berlin: "
            "the clocks go forward one hour that night") in r.text
    assert _stored(engine, rid) == ("open", None)  # before: booked as 03:30 without a word
    assert f'value="{spring}T02:30"' in r.text  # what was typed stays in the field
    # the same wall time an hour later exists and is stored in UTC
    r = _post_page(client, rid, f"{spring}T03:30", "Europe/Berlin")
    assert r.status_code == 303
    assert _stored(engine, rid) == ("accepted", dt.datetime.combine(spring, dt.time(1, 30)))


def test_page_refuses_a_time_that_happens_twice_and_shows_which_one_was_booked(client, engine, people) -> None:
    autumn = _next(10)
    rid = _request(engine, people)
    login_page(client, "linked@clinic.example.org")
    r = _post_page(client, rid, f"{autumn}T02:30", "Europe/Berlin")
    assert r.status_code == 422 and "02:30 happens twice on" in r.text and "the clocks go back that night" in r.text
    assert _stored(engine, rid) == ("open", None)  # before: the first of the two, silently
    # a clinician working in UTC books 01:30 UTC = the second 02:30 in Berlin
    assert _post_page(client, rid, f"{autumn}T01:30", "UTC").status_code == 303
    assert _stored(engine, rid) == ("accepted", dt.datetime.combine(autumn, dt.time(1, 30)))
    client.cookies.clear()
    login_page(client, "owner@example.org")
    client.cookies.set("tz", "Europe/Berlin")
    shown = re.search(r'<td class="appt-time">([^<]+)</td>', client.get("/appointments").text).group(1)
    assert shown == f"{autumn:%a} {autumn.day} {autumn:%b %Y}, 02:30 (Europe/Berlin, UTC+01:00)"


def test_page_without_a_known_zone_says_the_time_is_utc(client, engine, people) -> None:
    _request(engine, people)
    login_page(client, "linked@clinic.example.org")
    assert "Time (UTC: your browser&#39;s zone is not known yet)" in client.get("/clinic/appointments").text


@pytest.mark.parametrize(("zone", "wall", "words"), [
    ("Europe/Berlin", dt.datetime(2026, 3, 29, 2, 0), "does not exist"),
    ("Europe/Berlin", dt.datetime(2026, 3, 29, 2, 59), "does not exist"),
    ("America/New_York", dt.datetime(2026, 11, 1, 1, 15), "happens twice"),
    ("Australia/Lord_Howe", dt.datetime(2026, 10, 4, 2, 15), "go forward 30 minutes"),
    ("Australia/Lord_Howe", dt.datetime(2026, 4, 5, 1, 45), "happens twice"),
])
def test_utc_from_local_refuses_skipped_and_repeated_wall_times(zone: str, wall: dt.datetime, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        utc_from_local(wall.isoformat(timespec="minutes"), ZoneInfo(zone))


def test_utc_from_local_round_trips_every_other_quarter_hour_of_a_change_year() -> None:
    zone = ZoneInfo("Europe/Berlin")
    wall, refused = dt.datetime(2026, 1, 1), 0
    while wall.year == 2026:
        try:
            utc = utc_from_local(wall.isoformat(timespec="minutes"), zone)
        except ValueError:
            refused += 1
        else:  # every accepted time comes back as the same wall time, labelled without ambiguity
            back = utc.replace(tzinfo=dt.UTC).astimezone(zone)
            assert back.replace(tzinfo=None) == wall
            assert local_time(utc.isoformat(), "Europe/Berlin").endswith(f"{wall:%H:%M} (Europe/Berlin)")
        wall += dt.timedelta(minutes=15)
    assert refused == 8  # 02:00-02:45 on 29 March and on 25 October


def test_what_the_api_answers_can_be_sent_back(client, engine, people) -> None:
    """Answers mark UTC with Z, so a client that echoes scheduled_for (to accept a proposed time)
    sends the same instant; a bare '…T09:30' would now be refused for lacking its offset."""
    rid = _request(engine, people)
    h = bearer(client, "linked@clinic.example.org")
    first = client.post(f"/api/v1/clinician/appointments/{rid}", headers=h,
                        json={"action": "propose", "time": f"{DAY}T09:30+02:00"}).json()
    assert first["scheduled_for"] == f"{DAY}T07:30Z" and first["created_at"].endswith("Z")
    again = client.post(f"/api/v1/clinician/appointments/{rid}", headers=h,
                        json={"action": "accept", "time": first["scheduled_for"]})
    assert again.status_code == 200 and again.json()["scheduled_for"] == first["scheduled_for"]
    mine = client.get("/api/v1/me/appointments", headers=bearer(client, "owner@example.org")).json()
    assert mine[0]["scheduled_for"] == f"{DAY}T07:30Z"


def test_the_clinician_sees_when_a_request_was_made_in_their_zone(client, engine, people) -> None:
    with transaction(engine) as s:
        rid = int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon", "Mondays 9-11")["id"])
    with transaction(engine) as s:
        made = s.get(AppointmentRequest, rid).created_at
    login_page(client, "linked@clinic.example.org")
    client.cookies.set("tz", "America/Los_Angeles")
    page = client.get("/clinic/appointments").text
    shown = local_time(made.isoformat(timespec="seconds"), "America/Los_Angeles")
    assert f"Requested {shown}" in page and shown.endswith("(America/Los_Angeles)")
    assert "Prefers: Mondays 9-11 <small>(the patient's words, in the patient's own time zone)" in page


def test_open_requests_come_before_answered_and_closed_ones(client, engine, people) -> None:
    with transaction(engine) as s:
        old = appointments.request_appointment(s, people.owner, people.owner_pid, "Old urgent one", "urgent")
        booked = appointments.request_appointment(s, people.owner, people.owner_pid, "Booked one", "urgent")
        appointments.respond(s, people.clinician, old["id"], "decline", None, "Seen in the walk-in clinic")
        appointments.respond(s, people.clinician, booked["id"], "accept",
                             dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=3))
        new = appointments.request_appointment(s, people.owner, people.owner_pid, "New routine one", "routine")
    with transaction(engine) as s:
        order = [r["id"] for r in appointments.queue(s, people.clinician, include_closed=True)]
    assert order == [new["id"], booked["id"], old["id"]]
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic/appointments").text
    assert page.index("New routine one") < page.index("Booked one") < page.index("Old urgent one")


def test_api_queue_keeps_proposed_and_accepted_requests_and_drops_closed_ones(client, engine, people) -> None:
    """A proposed time vanished from GET /clinician/appointments (only 'open' was listed unless
    include_closed): the clinician's API client lost the requests waiting on their proposal."""
    soon = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + dt.timedelta(days=3)
    with transaction(engine) as s:
        ids = {name: appointments.request_appointment(s, people.owner, people.owner_pid, name, "soon")["id"]
               for name in ("open", "proposed", "accepted", "declined")}
        appointments.respond(s, people.clinician, ids["proposed"], "propose", soon)
        appointments.respond(s, people.clinician, ids["accepted"], "accept", soon)
        appointments.respond(s, people.clinician, ids["declined"], "decline", None, "Please see your GP")
    h = bearer(client, "linked@clinic.example.org")
    live = {r["reason"]: r["status"] for r in client.get("/api/v1/clinician/appointments", headers=h).json()}
    assert live == {"open": "open", "proposed": "proposed", "accepted": "accepted"}
    every = client.get("/api/v1/clinician/appointments", params={"include_closed": "true"}, headers=h).json()
    assert [r["reason"] for r in every] == ["open", "proposed", "accepted", "declined"]


def test_accepting_a_proposed_request_without_a_time_books_the_proposed_time(client, engine, people) -> None:
    """The card shows the proposed time and an empty field: Accept answered 'time: give the
    appointment date and time'. An open request still needs one."""
    rid = _request(engine, people)
    login_page(client, "linked@clinic.example.org")
    client.cookies.set("tz", "Europe/Berlin")
    assert _post_page(client, rid, "", "Europe/Berlin").status_code == 422  # open: a time is needed
    proposed = dt.datetime.fromisoformat(f"{DAY}T09:15")
    with transaction(engine) as s:
        appointments.respond(s, people.clinician, rid, "propose", proposed, "Would 10:15 suit?")
    page = client.get("/clinic/appointments").text
    assert "leave empty and Accept to book the proposed time" in page
    assert _post_page(client, rid, "", "Europe/Berlin").status_code == 303
    assert _stored(engine, rid) == ("accepted", proposed)
