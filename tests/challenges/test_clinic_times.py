"""Times on the clinician's challenge pages: a supervised dose's form is prefilled with the
clinician's wall clock and names the zone it reads the time in (a hidden field carries it); the
API takes an instant with its offset, or a wall time with a zone; every stored dose time is UTC
and every instant (safety alerts, stops, home and clinic doses, verdicts) is shown in the
viewer's zone with its name, not as bare UTC."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import ChallengeAlert, FoodChallenge
from gutskin.web.pages.common import local_time
from tests.challenges.test_api import PLAN
from tests.challenges.test_pages import csrf, login, web  # noqa: F401  (fixture)
from tests.conftest import bearer, earlier_today
from tests.challenges.test_services import log_baseline

FAR_EAST = "Pacific/Kiritimati"  # UTC+14: no server runs on it, so its wall clock differs from the server's


def test_given_at_is_prefilled_with_the_clinicians_wall_clock_and_says_so(web) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    people, doc, _ = web
    login(doc, "linked@clinic.example.org")
    page = doc.get(f"/clinic/patients/{people.owner_pid}/challenges")
    r = doc.post(f"/clinic/patients/{people.owner_pid}/challenges", follow_redirects=False, data={
        "food": "food.egg", "kind": "supervised", "start": dt.date.today().isoformat(), "baseline_days": "7",
        "elimination_days": "0", "observation_hours": "48", "doses": "0: 3 mg protein", "csrf_token": csrf(page.text)})
    assert r.status_code == 303
    doc.cookies.set("tz", FAR_EAST)
    before = dt.datetime.now(ZoneInfo(FAR_EAST)).replace(second=0, microsecond=0)
    html = doc.get(r.headers["location"]).text
    after = dt.datetime.now(ZoneInfo(FAR_EAST)).replace(second=0, microsecond=0)
    assert f"Given at ({FAR_EAST} time)" in html
    assert f'name="zone" value="{FAR_EAST}"' in html  # the form knows the zone its label names
    shown = re.search(r'name="given_at" value="([^"]+)"', html).group(1)
    assert shown in {before.strftime("%Y-%m-%dT%H:%M"), after.strftime("%Y-%m-%dT%H:%M")}  # was the server's clock
    doc.cookies.delete("tz")
    html = doc.get(r.headers["location"]).text  # zone unknown: the form says it reads UTC, and prefills UTC
    assert "Given at (UTC: your browser's zone is not known yet)" in html and 'name="zone" value="UTC"' in html


def test_api_given_at_is_an_instant_stored_in_utc(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """The same instant sent with any offset, or as a wall time with its zone, is stored as one UTC
    time; a bare wall time is refused as ambiguous (before 0006 it was kept as the clinic's clock)."""
    from tests.challenges.test_services import shift_back

    doc = bearer(client, "linked@clinic.example.org")
    body = {**PLAN, "kind": "supervised", "released_for_home": False, "doses": [{"day_offset": 0, "amount": "3 mg protein"}]}
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=body, headers=doc).json()["id"]
    shift_back(engine, cid, 8)  # the reintroduction began yesterday (the server's date)
    instant = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    utc = instant.replace(tzinfo=None).isoformat(timespec="minutes") + "Z"
    tokyo = instant.astimezone(ZoneInfo("Asia/Tokyo"))
    for given_at, zone in ((instant.astimezone(dt.timezone(dt.timedelta(hours=9))).isoformat(), None),
                           (instant.astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat(), None),
                           (instant.replace(tzinfo=None).isoformat() + "Z", None),
                           (tokyo.replace(tzinfo=None).isoformat(), "Asia/Tokyo")):
        r = client.post(f"/api/v1/challenges/{cid}/supervised-doses", headers=doc,
                        json={"step": 1, "given_at": given_at, "zone": zone, "amount": "3 mg protein"})
        assert r.status_code == 201 and r.json()["taken_at"] == utc, (given_at, r.text)
    assert r.json()["entered_zone"] == "Asia/Tokyo"
    for given_at, zone, says in ((tokyo.replace(tzinfo=None).isoformat(), None, "given_at: add the zone offset"),
                                 ("at nine", None, "given_at: expected an ISO date-time"),
                                 (tokyo.replace(tzinfo=None).isoformat(), "Mars/Olympus", "zone: not a known time zone")):
        r = client.post(f"/api/v1/challenges/{cid}/supervised-doses", headers=doc,
                        json={"step": 1, "given_at": given_at, "zone": zone, "amount": "3 mg protein"})
        assert r.status_code == 422 and r.json()["detail"].startswith(says), r.text


def test_alert_stop_and_dose_times_are_shown_in_the_viewers_zone(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.challenges.test_services import shift_back
    from tests.safety.test_attacks import login_page

    owner = bearer(client, "owner@example.org")
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    shift_back(engine, cid, 7)  # the first home dose is due today
    log_baseline(engine, cid)
    dose = client.get(f"/api/v1/challenges/{cid}", headers=owner).json()["doses"][0]
    safety = {k: False for k in ("hives", "swelling", "breathing", "vomiting", "faint")}
    taken = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    assert client.post(f"/api/v1/me/challenges/{cid}/doses/{dose['id']}", headers=owner,
                       json={"safety": safety, "taken_at": taken.isoformat()}).status_code == 200
    assert client.post(f"/api/v1/me/challenges/{cid}/safety", json={"symptoms": ["hives"]}, headers=owner).json()["stopped"]
    with transaction(engine) as s:
        alert_at = s.scalars(select(ChallengeAlert.created_at)).one()
        stopped_at = s.get(FoodChallenge, cid).stopped_at
    login_page(client, "linked@clinic.example.org")
    client.cookies.set("tz", "Asia/Tokyo")
    detail = client.get(f"/clinic/challenges/{cid}").text
    alerts = client.get("/clinic/challenges").text
    for when in (alert_at, stopped_at, taken):
        iso = when.replace(tzinfo=None).isoformat(timespec="minutes")
        tokyo = local_time(iso, "Asia/Tokyo")
        assert tokyo.endswith("(Asia/Tokyo)") and tokyo in detail, iso
        assert iso not in detail  # never the bare UTC text
    assert local_time(alert_at.isoformat(timespec="minutes"), "Asia/Tokyo") in alerts
