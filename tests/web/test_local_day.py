"""'Today' is the person's day: the browser's time zone decides, not the server's."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from tests.safety.test_attacks import login_page

# 26 hours apart: at any moment these two zones are on different dates
AHEAD, BEHIND = "Pacific/Kiritimati", "Etc/GMT+12"


def _page_day(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/today")
    assert page.status_code == 200
    return re.search(r'id="day-title" data-day="([0-9-]+)"', page.text).group(1)


def test_today_page_opens_on_the_date_of_the_browsers_time_zone(client, people) -> None:
    login_page(client, "owner@example.org")
    seen = {}
    for zone in (AHEAD, BEHIND):
        client.cookies.set("tz", zone)
        seen[zone] = _page_day(client)
        assert seen[zone] == dt.datetime.now(ZoneInfo(zone)).date().isoformat()
    assert seen[AHEAD] != seen[BEHIND]


@pytest.mark.parametrize("junk", ["../../etc/passwd", "Not/AZone", "x" * 300, "/etc/localtime"])
def test_a_bad_time_zone_cookie_falls_back_to_the_servers_date(client, people, junk: str) -> None:
    login_page(client, "owner@example.org")
    client.cookies.set("tz", junk)
    before = dt.date.today().isoformat()
    day = _page_day(client)
    assert day in (before, dt.date.today().isoformat())  # (midnight may pass during the request)


def test_saving_without_a_date_uses_the_persons_day(client, people) -> None:
    login_page(client, "owner@example.org")
    # whichever of the two zones is not on the server's date now (one always is not)
    zone = AHEAD if dt.datetime.now(ZoneInfo(AHEAD)).date() != dt.date.today() else BEHIND
    client.cookies.set("tz", zone)
    page = client.get("/today")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/today", data={"csrf_token": csrf, "itch": "3"}, follow_redirects=False)
    assert r.status_code == 303
    assert f"date={dt.datetime.now(ZoneInfo(zone)).date().isoformat()}" in r.headers["location"]


def test_appointment_times_are_read_and_shown_in_each_persons_zone(client, people, engine) -> None:
    """A clinician in London and a patient in Auckland once saw the same bare '2026-12-09T09:30'."""
    from gutskin.clinic import appointments
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        req = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare", "soon")
    day = dt.date.today() + dt.timedelta(days=40)  # no summer-time edge near: both zones fixed for the check below
    login_page(client, "linked@clinic.example.org")
    client.cookies.set("tz", "Europe/London")
    page = client.get("/clinic/appointments")
    assert "Time (Europe/London)" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(f"/clinic/appointments/{req['id']}", data={"csrf_token": csrf, "action": "accept",
                                                                "time": f"{day}T09:30"}, follow_redirects=False)
    assert r.status_code == 303
    london = dt.datetime.combine(day, dt.time(9, 30), ZoneInfo("Europe/London"))
    with transaction(engine) as s:
        stored = appointments.my_requests(s, people.owner, people.owner_pid)[0]["scheduled_for"]
    assert stored == london.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")  # kept in UTC
    client.cookies.clear()
    login_page(client, "owner@example.org")
    client.cookies.set("tz", "Pacific/Auckland")
    shown = re.search(r'<td class="appt-time">([^<]+)</td>', client.get("/appointments").text).group(1)
    auckland = london.astimezone(ZoneInfo("Pacific/Auckland"))
    assert shown == f"{auckland:%a} {auckland.day} {auckland:%b %Y, %H:%M} (Pacific/Auckland)"
    # and a time already gone is refused, in the clinician's words
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    page = client.get("/clinic/appointments")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(f"/clinic/appointments/{req['id']}", data={"csrf_token": csrf, "action": "propose",
                                                                "time": "2020-01-01T09:00", "message": "Monday?"})
    assert r.status_code == 422 and "that time has already passed" in r.text
    # on the request it belongs to, with what was typed
    assert f'id="request-error-{req["id"]}"' in r.text
    assert 'value="2020-01-01T09:00"' in r.text and 'value="Monday?"' in r.text


def test_recent_access_is_plain_words_in_the_persons_zone_with_repeats_grouped(client, people, engine) -> None:
    """Each panel load by the clinician wrote 'read panel_summary': the list filled within minutes."""
    from gutskin.clinic import summary
    from gutskin.store.db import transaction

    for _ in range(5):  # interleaved with another read: grouped per person, thing and day, not only runs
        with transaction(engine) as s:
            summary.panel(s, people.clinician)
        with transaction(engine) as s:
            summary.trends(s, people.clinician, people.owner_pid, 4)
    login_page(client, "owner@example.org")
    client.cookies.set("tz", "Pacific/Auckland")
    text = client.get("/sharing").text
    assert "When (Pacific/Auckland)" in text and "panel_summary" not in text
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>\s*<td>([^<]*)(?:<small>\((\d+) times\)</small>)?</td></tr>", text)
    panel_rows = [r for r in rows if r[1].startswith("viewed your summary in the clinic")]
    assert len(panel_rows) == 1 and panel_rows[0][0] == "Dr Linked (linked@clinic.example.org)" and panel_rows[0][2] == "5"
    assert [r[2] for r in rows if r[1].startswith("viewed trends")] == ["5"]
