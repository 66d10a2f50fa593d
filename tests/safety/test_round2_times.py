"""Appointment times at the ends of the calendar: refused with 422 naming ``time``, never a 500;
a stored far-future time is shown (in UTC) to viewers whose zone would run past year 9999."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gutskin.clinic import appointments
from gutskin.clinic.errors import InvalidInput
from gutskin.store.db import transaction
from gutskin.store.models import AppointmentRequest
from gutskin.web.api.params import datetime_param, utc_datetime_param
from gutskin.web.pages.common import local_time, utc_from_local
from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _request(engine, people) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return int(appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon")["id"])


@pytest.mark.parametrize(("time", "message"), [
    ("9999-12-31T23:59-05:00", "time: that date and time is out of range"),
    ("0001-01-01T00:00+01:00", "time: that date and time is out of range"),
    ("9999-12-31T23:59", "time: add the zone offset"),  # the API wants the offset (tests/web/test_appointment_times.py)
    ("9999-12-31T23:59+00:00", "time: at most 2 years ahead"),
])
def test_api_refuses_times_off_the_calendar_or_years_ahead(client, engine, people, time: str, message: str) -> None:
    rid = _request(engine, people)
    h = bearer(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/clinician/appointments/{rid}", headers=h, json={"action": "propose", "time": time})
    assert r.status_code == 422 and message in r.json()["detail"], r.text
    with transaction(engine) as s:
        assert s.get(AppointmentRequest, rid).scheduled_for is None


def test_api_still_accepts_a_time_within_two_years(client, engine, people) -> None:
    rid = _request(engine, people)
    h = bearer(client, "linked@clinic.example.org")
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=700)).strftime("%Y-%m-%dT09:30+00:00")
    r = client.post(f"/api/v1/clinician/appointments/{rid}", headers=h, json={"action": "accept", "time": when})
    assert r.status_code == 200 and r.json()["scheduled_for"].endswith("T09:30Z")


@pytest.mark.parametrize(("time", "zone", "message"), [
    ("0001-01-01T05:00", "Asia/Tokyo", "Time: that date and time is out of range"),  # LMT +09:18 in year 1
    ("0001-01-01T05:00", "Pacific/Kiritimati", "Time: that time has already passed"),  # LMT -10:29 in year 1
    ("9999-12-31T23:59", "America/New_York", "Time: that date and time is out of range"),
    ("9999-12-31T23:59", "Europe/London", "Time: at most 2 years ahead"),
])
def test_page_refuses_times_off_the_calendar_in_the_clinicians_zone(client, engine, people, time, zone, message) -> None:
    rid = _request(engine, people)
    login_page(client, "linked@clinic.example.org")
    client.cookies.set("tz", zone)
    page = client.get("/clinic/appointments")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(f"/clinic/appointments/{rid}", data={"csrf_token": csrf, "action": "accept", "time": time})
    assert r.status_code == 422 and message in r.text


def test_a_stored_far_future_time_does_not_break_the_lists_east_of_utc(client, engine, people) -> None:
    rid = _request(engine, people)
    with transaction(engine) as s:  # as stored before times were limited to 2 years ahead
        a = s.get(AppointmentRequest, rid)
        a.status, a.scheduled_for, a.clinician_user_id = "accepted", dt.datetime(9999, 12, 31, 23, 59), people.clinician.user_id
    login_page(client, "owner@example.org")
    client.cookies.set("tz", "Asia/Tokyo")
    r = client.get("/appointments")
    assert r.status_code == 200 and "Fri 31 Dec 9999, 23:59 (UTC)" in r.text
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    client.cookies.set("tz", "Pacific/Kiritimati")
    r = client.get("/clinic/appointments")
    assert r.status_code == 200 and "Fri 31 Dec 9999, 23:59 (UTC)" in r.text


def test_local_time_never_raises() -> None:
    assert local_time("9999-12-31T23:59", "Asia/Tokyo") == "Fri 31 Dec 9999, 23:59 (UTC)"
    assert local_time("0001-01-01T00:00", "America/New_York").endswith("00:00 (UTC)")
    assert local_time("2026-12-09T09:30", "Pacific/Auckland") == "Wed 9 Dec 2026, 22:30 (Pacific/Auckland)"
    assert local_time("not a time", "Europe/London") == "not a time"


def test_the_parsers_turn_overflow_into_an_error_naming_the_field() -> None:
    for parse, field in ((datetime_param, "given_at"), (utc_datetime_param, "taken_at")):
        for value in ("0001-01-01T00:00+01:00", "9999-12-31T23:59-05:00"):
            with pytest.raises(InvalidInput, match=rf"^{field}: that date and time is out of range"):
                parse(value, field)
    assert utc_datetime_param("2026-12-01T10:30+01:00", "taken_at") == dt.datetime(2026, 12, 1, 9, 30)
    with pytest.raises(ValueError, match="^time: that date and time is out of range"):
        utc_from_local("0001-01-01T05:00", __import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
