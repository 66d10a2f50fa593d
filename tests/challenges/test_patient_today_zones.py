"""'Today' and 'due' are the patient's own date, not the server's (UTC), around the patient's midnight.

The clock is faked (time-machine moves the whole process: the server's date and every zone's),
with the server on UTC, for a patient in Pacific/Auckland (UTC+13 in January) just after their
midnight -- the server still on yesterday -- and one in America/Los_Angeles (UTC-8) in the
evening -- the server already on tomorrow. The reminders of planned doses, the avoid list, the
default start of a plan, a questionnaire's date, the clinician's "due for review" and the panel's
"days since the last entry" were all taken on the server's date (2026-12-06).
"""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Patient
from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.challenges.test_services import log_baseline

AKL, LAX = "Pacific/Auckland", "America/Los_Angeles"
PLAN = {"food": "food.egg", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1/4 egg"}, {"day_offset": 3, "amount": "1 egg"}]}


def at(utc: str) -> time_machine.travel:
    """The whole process at this UTC instant (and on, the clock ticking)."""
    return time_machine.travel(dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC), tick=True)


def _plan(client, people, start: str | None) -> dict:  # type: ignore[no-untyped-def]
    doc = bearer(client, "linked@clinic.example.org")
    body = dict(PLAN, **({"start": start} if start else {}))
    r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=body, headers=doc)
    assert r.status_code == 201, r.text
    return r.json()


def _next_steps(reminders: list[dict]) -> list[str]:
    return [r["due"] for r in reminders if r["kind"] == "next_step"]


def test_los_angeles_evening_reminds_of_todays_dose_not_the_next_one(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """19:00 on 17 January in Los Angeles is 03:00 on the 18th in UTC: the step planned for the
    patient's 17th is due, and the reminders said the next one (the 20th) was."""
    with at("2027-01-10T20:00"):  # noon in Los Angeles: baseline 10-16, dose steps on the 17th and the 20th
        ch = _plan(client, people, "2027-01-10")
    assert [d["planned_on"] for d in ch["doses"]] == ["2027-01-17", "2027-01-20"]
    log_baseline(engine, ch["id"], before=dt.date(2027, 1, 17))  # the baseline week logged
    with at("2027-01-18T03:00"):
        me = bearer(client, "owner@example.org")
        r = client.get("/api/v1/me/challenges", params={"zone": LAX}, headers=me)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["today"][0]["action"] == "dose"  # the steps were already on the patient's day
        assert _next_steps(body["reminders"]) == ["2027-01-17"]  # the reminders were not: 2027-01-20
        assert body["challenges"][0]["phase"] == "reintroduction"
        # an app that sends its zone with the diary makes it the profile's: the reminders without a
        # zone (the patient's own, and the clinician's) are then on the patient's day too
        put = client.put("/api/v1/me/diary/2027-01-17", params={"zone": LAX}, json={"itch": 2}, headers=me)
        assert put.status_code == 200, put.text
        for who in ("owner@example.org", "linked@clinic.example.org"):
            r = client.get(f"/api/v1/patients/{people.owner_pid}/challenge-reminders", headers=bearer(client, who))
            assert r.status_code == 200, r.text
            assert _next_steps(r.json()) == ["2027-01-17"], who
        # a zone or date given in the request wins for that request
        r = client.get(f"/api/v1/patients/{people.owner_pid}/challenge-reminders", params={"zone": "UTC"}, headers=me)
        assert _next_steps(r.json()) == ["2027-01-20"]
        r = client.get(f"/api/v1/patients/{people.owner_pid}/challenge-reminders", params={"date": "2027-01-18"},
                       headers=me)
        assert _next_steps(r.json()) == ["2027-01-20"]


def test_auckland_morning_avoids_the_food_from_the_first_day_of_the_plan(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """00:30 on 11 January in Auckland is 11:30 on the 10th in UTC: a plan starting on the patient's
    11th puts the food on today's avoid list; it was listed from the server's 11th, half a day late."""
    with at("2027-01-10T11:30"):
        _plan(client, people, "2027-01-11")
        me = bearer(client, "owner@example.org")
        body = client.get("/api/v1/me/challenges", params={"zone": AKL}, headers=me).json()
        assert [a["food"] for a in body["avoid"]] == ["food.egg"]
        assert body["challenges"][0]["phase"] == "baseline"
        login_page(client, "owner@example.org")
        client.cookies.set("tz", AKL)
        page = client.get("/challenges")
        assert page.status_code == 200
        avoid = re.search(r'(?s)<h2[^>]*>\s*Foods to avoid.*?</ul>', page.text)
        assert avoid is not None and "egg" in avoid.group(0).lower(), page.text[:3000]


def test_a_plan_without_a_start_starts_on_the_patients_today(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """The clinician's 'start today' is the patient's today: an Auckland patient's plan made at
    their 00:30 began on their yesterday (the server's date), its first baseline day already over."""
    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).time_zone = AKL
    with at("2027-01-10T11:30"):
        ch = _plan(client, people, None)
        assert ch["baseline_start"] == "2027-01-11"
    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).time_zone = LAX
    with at("2027-03-02T05:00"):  # 21:00 on 1 March in Los Angeles
        doc = bearer(client, "linked@clinic.example.org")
        r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=dict(PLAN, food="food.peanut", doses=[
                            {"day_offset": 0, "amount": "1 peanut"}]),
                        headers=doc)
        assert r.status_code == 201, r.text
        assert r.json()["baseline_start"] == "2027-03-01"


def test_auckland_morning_takes_the_dose_of_their_day_without_sending_a_date(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """A dose sent with no date and no zone is on the profile's day once the profile has a zone:
    the Auckland patient's step of the 18th was refused at their 08:00 as 'not today'."""
    with at("2027-01-10T20:00"):
        ch = _plan(client, people, "2027-01-11")  # doses on the 18th and the 21st
    log_baseline(engine, ch["id"], before=dt.date(2027, 1, 18))  # the baseline week logged
    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).time_zone = AKL
    with at("2027-01-17T19:00"):  # 08:00 on the 18th in Auckland
        me = bearer(client, "owner@example.org")
        dose = ch["doses"][0]
        assert dose["planned_on"] == "2027-01-18"
        safety = dict.fromkeys(["hives", "swelling", "breathing", "vomiting", "faint"], False)
        r = client.post(f"/api/v1/me/challenges/{ch['id']}/doses/{dose['id']}", json={"safety": safety}, headers=me)
        assert r.status_code == 200, r.text
        assert r.json()["dose"]["status"] == "taken"


def test_a_questionnaire_without_a_date_is_on_the_patients_day(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """POEM answered through the API at 19:00 in Los Angeles was dated the server's tomorrow, and
    at 00:30 in Auckland the server's yesterday."""
    for zone, now, day in ((LAX, "2027-01-18T03:00", "2027-01-17"), (AKL, "2027-01-24T11:30", "2027-01-25")):
        with transaction(engine) as s:
            s.get(Patient, people.owner_pid).time_zone = zone
        with at(now):
            me = bearer(client, "owner@example.org")
            r = client.post("/api/v1/me/questionnaires/poem", json={"answers": [1] * 7}, headers=me)
            assert r.status_code == 201, r.text
            assert r.json()["answered_on"] == day, zone


def test_the_clinician_sees_a_finished_challenge_due_on_the_patients_morning(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """The result is due for review the day after the last one in the patient's zone: at 00:30 in
    Auckland, not 13 hours later when the server's date turns."""
    with at("2027-01-10T20:00"):
        ch = _plan(client, people, "2027-01-11")
    end = dt.date.fromisoformat(ch["reintroduction_end"])
    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).time_zone = AKL
    day_after = end + dt.timedelta(days=1)
    with at(f"{end.isoformat()}T11:30"):  # 00:30 on day_after in Auckland
        doc = bearer(client, "linked@clinic.example.org")
        due = client.get("/api/v1/clinician/challenge-alerts", headers=doc).json()["due"]
        assert [(r["kind"], r["due"]) for r in due] == [("review_result", day_after.isoformat())]
        mine = client.get(f"/api/v1/patients/{people.owner_pid}/challenge-reminders", headers=doc).json()
        assert "review_result" in [r["kind"] for r in mine]
    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).time_zone = LAX
    with at(f"{day_after.isoformat()}T03:00"):  # 19:00 on the last day in Los Angeles: not over yet
        doc = bearer(client, "linked@clinic.example.org")
        assert client.get("/api/v1/clinician/challenge-alerts", headers=doc).json()["due"] == []


def test_the_panel_counts_days_since_the_last_entry_from_the_patients_today(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """A Los Angeles patient who logged their day at 19:00 read '1 day' since the last entry on the
    panel (the server was on their tomorrow); an Auckland patient who had not yet logged their new
    day read '0'."""
    with at("2027-01-18T03:00"):  # 19:00 on the 17th in Los Angeles
        me = bearer(client, "owner@example.org")
        assert client.put("/api/v1/me/diary/2027-01-17", params={"zone": LAX}, json={"itch": 3},
                          headers=me).status_code == 200
        doc = bearer(client, "linked@clinic.example.org")
        row = client.get("/api/v1/clinician/patients", headers=doc).json()[0]
        assert (row["patient_id"], row["days_since_last_entry"], row["itch_last7"]) == (people.owner_pid, 0, 3.0)
    with transaction(engine) as s:  # the family moved: the zone is changed on My data (an entry's zone no
        s.get(Patient, people.owner_pid).time_zone = AKL  # longer changes a zone the profile has, 2026-12-06)
    with at("2027-01-25T11:30"):  # 00:30 on the 26th in Auckland; logged the 25th at 23:00 there
        me = bearer(client, "owner@example.org")
        assert client.put("/api/v1/me/diary/2027-01-25", params={"zone": AKL}, json={"itch": 4},
                          headers=me).status_code == 200
        doc = bearer(client, "linked@clinic.example.org")
        row = client.get("/api/v1/clinician/patients", headers=doc).json()[0]
        assert row["days_since_last_entry"] == 1
        # the patient's charts end on their today
        trend = client.get(f"/api/v1/patients/{people.owner_pid}/trends", params={"weeks": 4}, headers=doc).json()
        assert trend["dates"][-1] == "2027-01-26"


def test_the_profile_zone_is_kept_once_audited_and_a_bad_one_is_named(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    me = bearer(client, "owner@example.org")
    today = dt.date.today().isoformat()
    bad = client.put(f"/api/v1/me/diary/{today}", params={"zone": "Mars/Olympus_Mons"}, json={"itch": 1}, headers=me)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("zone: 'Mars/Olympus_Mons' is not a known time zone")
    with transaction(engine) as s:
        assert s.get(Patient, people.owner_pid).time_zone is None  # nothing written
    for zone in (AKL, AKL, LAX):
        assert client.put(f"/api/v1/me/diary/{today}", params={"zone": zone}, json={"itch": 1},
                          headers=me).status_code == 200
    no_zone = client.put(f"/api/v1/me/diary/{today}", json={"itch": 1}, headers=me)  # as before: the zone stays
    assert no_zone.status_code == 200
    with transaction(engine) as s:  # learnt once, while the profile had none: a later zone is that visit's only
        assert s.get(Patient, people.owner_pid).time_zone == AKL  # (2026-12-06; it was LAX, the last one sent)
        changes = s.scalars(select(AuditEvent.object_id).where(AuditEvent.object_type == "patient_time_zone")
                            .order_by(AuditEvent.id)).all()
    assert changes == [AKL]
    # another person's profile: 404 before the zone is looked at
    other = client.put(f"/api/v1/me/diary/{today}", params={"zone": AKL, "patient_id": people.stranger_pid},
                       json={"itch": 1}, headers=me)
    assert other.status_code == 404
    r = client.get(f"/api/v1/patients/{people.owner_pid}/challenge-reminders", params={"zone": "Nowhere/Land"},
                   headers=me)
    assert r.status_code == 422 and "zone" in r.json()["detail"]
    stranger = bearer(client, "stranger@example.org")
    r = client.get(f"/api/v1/patients/{people.owner_pid}/challenge-reminders", params={"zone": AKL}, headers=stranger)
    assert r.status_code == 404


def test_the_diary_page_keeps_the_browsers_zone_for_the_profile(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """The page's Save makes the browser's zone (the tz cookie app.js sets) the profile's, so the
    clinician's panel and the API's reminders take the patient's today from it."""
    login_page(client, "owner@example.org")
    client.cookies.set("tz", LAX)
    page = client.get("/today")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/today", data={"csrf_token": csrf, "itch": "3"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with transaction(engine) as s:
        assert s.get(Patient, people.owner_pid).time_zone == LAX
