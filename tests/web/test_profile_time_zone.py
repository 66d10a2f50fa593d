"""The profile's time zone (patients.time_zone, 0013): who sets it and what a page without JavaScript
goes by (2026-12-06).

(a) Two caregivers of one child in two zones (a parent travelling) flipped the child's zone on
    each save, so reminders, challenge phases and the avoid list moved under the other caregiver.
    Now a visit's zone decides only that visit's "today"; the profile learns a zone only while it
    has none, and is changed on purpose on My data (owner or co-caregiver), audited.
(b) A page without JavaScript (no ``tz`` cookie) used the server's date; it uses the profile's zone.

The clock is faked (time-machine, the server on UTC) at hours where the zones' dates differ.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from gutskin.diary.dates import day_words
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, DiaryDay, Patient
from tests.conftest import bearer
from tests.safety.test_attacks import login_page
from tests.web.test_today_two_phones import _mia_with_ben

LON, NYC, KIRI, PAGO = "Europe/London", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"


def at(utc: str) -> time_machine.travel:
    return time_machine.travel(dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC), tick=True)


def _csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, page.text[:500]
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _zone(engine, pid: int) -> str | None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.get(Patient, pid).time_zone


def _zone_changes(engine, pid: int) -> list[str]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return list(s.scalars(select(AuditEvent.object_id).where(AuditEvent.object_type == "patient_time_zone",
                                                                 AuditEvent.patient_id == pid).order_by(AuditEvent.id)))


def _save(client, mia: int, zone: str, itch: int) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("tz", zone)
    csrf = _csrf(client, f"/today?patient={mia}")
    r = client.post(f"/today?patient={mia}", data={"csrf_token": csrf, "itch": str(itch)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]


def test_two_caregivers_in_two_zones_do_not_flip_the_childs_zone(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _mia_with_ben(engine, people)
    ben = TestClient(client.app)
    with at("2027-03-10T15:00"):  # afternoon in London, morning in New York: the same date in both
        assert login_page(client, "owner@example.org").status_code == 303
        assert login_page(ben, "stranger@example.org").status_code == 303
        _save(client, mia, LON, 3)  # the first entry with a zone: the profile learns it
        assert _zone(engine, mia) == LON
        _save(ben, mia, NYC, 4)  # Ben travelling: his save used to make Mia's zone New York's
        assert _zone(engine, mia) == LON
        r = ben.put("/api/v1/me/diary/2027-03-10", params={"zone": NYC, "patient_id": mia}, json={"itch": 5},
                    headers=bearer(ben, "stranger@example.org"))  # nor through the app
        assert r.status_code == 200, r.text
        assert _zone(engine, mia) == LON
        _save(client, mia, LON, 3)
        assert _zone_changes(engine, mia) == [LON]  # was [London, New York, London]
    # the clinic's reminders and panel go by the child's zone whoever saved last
    with at("2027-03-11T02:00"):  # 02:00 on the 11th in London, 21:00 on the 10th in New York
        with transaction(engine) as s:
            from gutskin.clinic import zones

            assert zones.patient_today(s, mia) == dt.date(2027, 3, 11)


def test_the_zone_is_chosen_on_my_data_by_the_owner_or_a_co_caregiver(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _mia_with_ben(engine, people)
    ben = TestClient(client.app)
    assert login_page(client, "owner@example.org").status_code == 303
    assert login_page(ben, "stranger@example.org").status_code == 303
    page = client.get("/data")
    text = html.unescape(page.text)
    assert "No time zone chosen for Mia yet" in text  # which zone is used, said on the page
    assert f'action="/profiles/{mia}/time_zone"' in text and "<option>Pacific/Kiritimati</option>" in text
    csrf = _csrf(client, "/data")
    for bad in ("Mars/Olympus_Mons", "", "../../etc/passwd", "posixrules"):
        r = client.post(f"/profiles/{mia}/time_zone", data={"csrf_token": csrf, "time_zone": bad})
        assert r.status_code == 422, bad
        words = "not a time zone this server knows" if bad else "choose the time zone this profile's days are lived in"
        assert re.search(rf'id="zone-error-{mia}">[^<]*{words}', html.unescape(r.text)), bad
        assert f'aria-describedby="zone-error-{mia}"' in r.text  # the refused select is marked, tied to the message
    assert _zone(engine, mia) is None and _zone_changes(engine, mia) == []
    r = client.post(f"/profiles/{mia}/time_zone", data={"csrf_token": csrf, "time_zone": LON}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "Time zone saved." in page.text and "The days of Mia are counted in <strong>Europe/London</strong>" in page.text
    assert f"<option selected>{LON}</option>" in page.text
    # the co-caregiver may change it too (the family moved); audited as his change
    r = ben.post(f"/profiles/{mia}/time_zone", data={"csrf_token": _csrf(ben, "/data"), "time_zone": NYC},
                 follow_redirects=False)
    assert r.status_code == 303
    assert _zone(engine, mia) == NYC and _zone_changes(engine, mia) == [LON, NYC]
    # Ann's own profile is not Ben's: 404, nothing written
    r = ben.post(f"/profiles/{people.owner_pid}/time_zone", data={"csrf_token": _csrf(ben, "/data"), "time_zone": NYC})
    assert r.status_code == 404 and _zone(engine, people.owner_pid) is None


def test_a_page_without_javascript_uses_the_profiles_zone(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """No tz cookie (JavaScript off): the diary page's today, a save without a date and the
    questionnaire's date are the profile's day, at +14 (Kiritimati) and -11 (Pago Pago)."""
    for zone, now, day in ((KIRI, "2027-01-10T12:00", "2027-01-11"),  # 02:00 on the 11th at +14
                           (PAGO, "2027-01-20T05:00", "2027-01-19")):  # 18:00 on the 19th at -11
        with transaction(engine) as s:
            s.get(Patient, people.owner_pid).time_zone = zone
        with at(now):
            client.cookies.clear()
            assert login_page(client, "owner@example.org").status_code == 303
            page = client.get("/today")
            assert f'<h1 id="day-title" data-day="{day}">' in page.text, zone  # was the server's date
            assert f"takes today from the profile's time zone, {zone}: today is {day_words(day)}" in html.unescape(page.text)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            r = client.post("/today", data={"csrf_token": csrf, "itch": "2"}, follow_redirects=False)
            assert r.status_code == 303 and f"date={day}" in r.headers["location"], zone
            r = client.post("/questionnaire/poem", data={"csrf_token": csrf, **{f"q{i}": "1" for i in range(7)}})
            assert r.status_code == 200, r.text[:300]
            with transaction(engine) as s:
                days = s.scalars(select(DiaryDay.day).where(DiaryDay.patient_id == people.owner_pid)).all()
                assert dt.date.fromisoformat(day) in days, (zone, days)
            mine = client.get("/api/v1/me/questionnaires", headers=bearer(client, "owner@example.org")).json()
            assert mine[-1]["answered_on"] == day, zone
    # a browser that says its zone still decides its own visit's today
    with at("2027-01-10T12:00"):
        client.cookies.set("tz", "UTC")
        assert '<h1 id="day-title" data-day="2027-01-10">' in client.get("/today").text


def test_an_app_changes_the_zone_through_the_api(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """An app's ``zone`` no longer moves a kept zone: ``PUT /api/v1/me/time_zone`` changes it
    (owner or co-caregiver), refuses an unknown name naming ``time_zone``, a stranger's profile 404."""
    mia = _mia_with_ben(engine, people)
    ann, ben = bearer(client, "owner@example.org"), bearer(client, "stranger@example.org")
    today = dt.date.today().isoformat()
    assert client.put(f"/api/v1/me/diary/{today}", params={"zone": LON, "patient_id": mia}, json={"itch": 1},
                      headers=ann).status_code == 200
    assert _zone(engine, mia) == LON  # learnt: the profile had none
    for bad in ({"time_zone": "Mars/Olympus_Mons"}, {"time_zone": ""}, {"zone": NYC}):
        r = client.put("/api/v1/me/time_zone", params={"patient_id": mia}, json=bad, headers=ben)
        assert r.status_code == 422 and "time_zone" in r.text, (bad, r.text)
    r = client.put("/api/v1/me/time_zone", params={"patient_id": mia}, json={"time_zone": NYC}, headers=ben)
    assert r.status_code == 200 and r.json() == {"patient_id": mia, "time_zone": NYC}
    assert _zone(engine, mia) == NYC and _zone_changes(engine, mia) == [LON, NYC]
    listed = {p["patient_id"]: p["time_zone"] for p in client.get("/api/v1/me", headers=ann).json()["patients"]}
    assert listed[mia] == NYC and listed[people.owner_pid] is None
    r = client.put("/api/v1/me/time_zone", params={"patient_id": people.owner_pid}, json={"time_zone": NYC}, headers=ben)
    assert r.status_code == 404 and _zone(engine, people.owner_pid) is None
    doc = bearer(client, "linked@clinic.example.org")
    r = client.put("/api/v1/me/time_zone", params={"patient_id": people.owner_pid}, json={"time_zone": NYC}, headers=doc)
    assert r.status_code in (403, 404) and _zone(engine, people.owner_pid) is None


def test_the_zone_learned_on_a_first_save_reads_added_not_changed(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The first save with a browser zone gives the profile its zone; nobody chose to change one, and
    the access list read "You changed the profile's time zone" (patient walk, 2026-12-06). It reads
    "added"; a choice on My data afterwards reads "changed"."""
    mia = _mia_with_ben(engine, people)
    assert login_page(client, "owner@example.org").status_code == 303
    _save(client, mia, LON, 3)
    assert _zone(engine, mia) == LON
    log = html.unescape(client.get(f"/sharing?patient={mia}").text)
    assert "added the profile's time zone" in log and "changed the profile's time zone" not in log
    r = client.post(f"/profiles/{mia}/time_zone", data={"csrf_token": _csrf(client, "/data"), "time_zone": NYC},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "changed the profile's time zone" in html.unescape(client.get(f"/sharing?patient={mia}").text)
