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
    return re.search(r'id="day-title">([0-9-]+)<', page.text).group(1)


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
