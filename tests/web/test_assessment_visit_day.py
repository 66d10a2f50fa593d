"""The day of the clinic's EASI or SCORAD visit (clinician walk, 2026-12-07): a profile without a time
zone had the server's (UTC) date as its today, so a clinic ahead of UTC (Auckland, a morning visit) was
refused "in the future" for today's visit. The visit's today is now the profile's today when the profile
has a zone, else today on the clinician's clock (the browser's zone, the ``tz`` cookie)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import Patient, QuestionnaireResponse
from tests.safety.test_attacks import login_page
from tests.web.test_clinic_assessments import SCORAD, _csrf

# 25 hours apart: their dates always differ by one day, whatever the time of day
AHEAD, BEHIND = "Pacific/Kiritimati", "Pacific/Pago_Pago"


def _scorad_form() -> dict[str, str]:
    form = {f"intensity.{k}": str(v) for k, v in SCORAD["intensity"].items()}
    return {**form, "extent_percent": str(SCORAD["extent_percent"]), "itch": str(SCORAD["itch"]),
            "sleep_loss": str(SCORAD["sleep_loss"])}


def _zone_of_profile(engine, pid: int, zone: str | None) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        s.get(Patient, pid).time_zone = zone


def _post(client, pid: int, day: dt.date, browser_zone: str):  # type: ignore[no-untyped-def]
    client.cookies.set("tz", browser_zone)
    url = f"/clinic/patients/{pid}"
    page = client.get(url).text
    return client.post(f"{url}/assessments/scorad", follow_redirects=False,
                       data={**_scorad_form(), "assessed_on": day.isoformat(), "csrf_token": _csrf(page)})


def _scorad_days(engine, pid: int) -> list[dt.date]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return list(s.scalars(select(QuestionnaireResponse.answered_on).where(
            QuestionnaireResponse.patient_id == pid, QuestionnaireResponse.instrument == "scorad")))


def test_a_profile_without_a_zone_takes_the_visits_day_on_the_clinicians_clock(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    _zone_of_profile(engine, pid, None)
    login_page(client, "linked@clinic.example.org")
    ahead_today = dt.datetime.now(ZoneInfo(AHEAD)).date()
    # the form offers the clinic's today
    client.cookies.set("tz", AHEAD)
    assert f'value="{ahead_today.isoformat()}"' in client.get(f"/clinic/patients/{pid}").text
    r = _post(client, pid, ahead_today, AHEAD)
    assert r.status_code in (200, 303), r.text[-2000:]
    assert ahead_today in _scorad_days(engine, pid)
    # the same day from a clinic 25 hours behind is still tomorrow there: refused, nothing stored
    before = _scorad_days(engine, pid)
    r = _post(client, pid, ahead_today + dt.timedelta(days=0), BEHIND)
    assert r.status_code == 422 and "in the future" in r.text
    assert _scorad_days(engine, pid) == before


def test_a_profile_with_a_zone_keeps_its_own_today(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    _zone_of_profile(engine, pid, BEHIND)
    login_page(client, "linked@clinic.example.org")
    ahead_today = dt.datetime.now(ZoneInfo(AHEAD)).date()  # the patient's tomorrow, whatever the clinic's clock
    r = _post(client, pid, ahead_today, AHEAD)
    assert r.status_code == 422 and "in the future" in r.text
    assert ahead_today not in _scorad_days(engine, pid)
    r = _post(client, pid, dt.datetime.now(ZoneInfo(BEHIND)).date(), AHEAD)
    assert r.status_code in (200, 303)

