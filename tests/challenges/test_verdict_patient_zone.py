"""The verdict lays each dose's 6-48 h reaction window on the patient's own days.

Diary days are the patient's dates; dose times are stored as UTC instants. Until migration 0009
a home dose kept no zone and the verdict laid its window from the UTC time: for a patient in
Auckland a 09:00 dose is 20:00 UTC the day before, so the window covered the dose day and the
next, and the second reaction day counted as a food-free control day with high itch; in Los
Angeles a dose given after school (17:30) is 01:30 UTC the next day, so the window ran a day
late. Now a home dose keeps the zone it was taken in (the page's browser zone, the API's zone
or offset) and the verdict converts every dose to that wall clock first.

Dates: the plan is moved into the past (tests.challenges.test_services.shift_back), doses are
set at fixed local times on their planned days: nothing depends on the time of day the tests
run. The API and page tests place a dose "now", and only check what is stored with it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary
from gutskin.insights.challenges import reaction_weights
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import ChallengeDose, FoodChallenge
from tests.challenges.test_pages import csrf, login, web  # noqa: F401  (fixture)
from tests.challenges.test_services import NO_SYMPTOMS, create, shift_back
from tests.conftest import bearer
from tests.challenges.test_services import log_baseline

AKL, LA = "Pacific/Auckland", "America/Los_Angeles"
BASELINE_ITCH = [2, 3, 2, 3, 2, 2, 3]
REACTION_ITCH = 7


def _challenge_in_the_past(engine, people, zone: str | None, local_time: dt.time, stored_zone: str | None,  # type: ignore[no-untyped-def]
                           **plan):
    """A finished home challenge (7 baseline days, doses on days 0, 4, 8, two observation days)
    whose doses were eaten at ``local_time`` in ``zone`` on their planned days; each dose keeps
    ``stored_zone``. The patient's itch rises to 7 on the two days after each dose (the days a
    late reaction to a morning or afternoon dose covers most), 2-3 on every other day.
    Returns (challenge id, the doses' local times, the reaction days)."""
    cid = create(engine, people, **plan)["id"]
    shift_back(engine, cid, 19)
    local_times: list[dt.datetime] = []
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        start, end = c.baseline_start, c.reintroduction_end
        for d in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid).order_by(ChallengeDose.step)):
            local = dt.datetime.combine(d.planned_on, local_time)
            aware = local.replace(tzinfo=ZoneInfo(zone)) if zone else local.replace(tzinfo=dt.UTC)
            d.status, d.taken_at, d.entered_zone = "taken", aware.astimezone(dt.UTC).replace(tzinfo=None), stored_zone
            local_times.append(local)
    react = {t.date() + dt.timedelta(days=k) for t in local_times for k in (1, 2)}
    day, i = start, 0
    while day <= end:
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, day,
                          diary.DayInput(itch=REACTION_ITCH if day in react else BASELINE_ITCH[i % 7]))
        day += dt.timedelta(days=1)
        i += 1
    return cid, local_times, react


def _window(local_times: list[dt.datetime]) -> set[dt.date]:
    """The model's window days (weight >= 0.05) of doses at these wall times."""
    return {d for d, w in reaction_weights(local_times).items() if w >= 0.05}


def test_auckland_morning_doses_react_on_the_patients_next_two_days(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, local, react = _challenge_in_the_past(engine, people, AKL, dt.time(9, 0), AKL)
    # the model agrees that a 09:00 dose reacts most on the next two days (weights 1.0 and 0.6)
    assert {d for d, w in reaction_weights(local).items() if w >= 0.5} == react
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "reaction_likely", v
    # window days: the dose day and the two after (9); laid from UTC they were the dose day and the
    # next only (6), and each dose's second reaction day was a "control" day with high itch
    assert v["challenge_days"] == len(_window(local)) == 9
    assert v["control_days"] == 11 - 9  # the reintroduction's 11 days less the window days
    assert v["effect"] > 3.0


def test_los_angeles_after_school_doses_are_weighted_on_the_patients_days(engine, people) -> None:  # type: ignore[no-untyped-def]
    """17:30 in Los Angeles is 01:30 UTC the next day: read as UTC, each window reached a day too
    far (the third day after the dose, with no rise, weighed as a reaction day)."""
    cid, local, react = _challenge_in_the_past(engine, people, LA, dt.time(17, 30), LA)
    assert {d for d, w in reaction_weights(local).items() if w >= 0.5} == react
    assert not any(t.date() + dt.timedelta(days=3) in _window(local) for t in local)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "reaction_likely", v
    assert v["challenge_days"] == len(_window(local)) == 6  # the two days after each dose; the dose day is not
    assert v["control_days"] == 11 - 6


def test_clinic_doses_are_read_in_the_zone_they_were_given_in(engine, people) -> None:  # type: ignore[no-untyped-def]
    """A supervised challenge in an Auckland clinic: its doses (UTC since 0006, with the clinic's zone)
    get the same windows as home doses there."""
    cid, local, react = _challenge_in_the_past(engine, people, AKL, dt.time(9, 0), AKL, kind="supervised",
                                               released_for_home=False)
    with transaction(engine) as s:
        assert {d.setting for d in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid))} == {"clinic"}
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "reaction_likely" and v["challenge_days"] == len(_window(local)) == 9, v


def test_a_dose_without_a_zone_is_still_read_as_utc(engine, people) -> None:  # type: ignore[no-untyped-def]
    """A home dose taken before 0009 (no zone) keeps the old reading: its 09:00 UTC is laid as it was."""
    cid, local, _ = _challenge_in_the_past(engine, people, None, dt.time(9, 0), None)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["challenge_days"] == len(_window(local)) == 9 and v["verdict"] == "reaction_likely"


@pytest.mark.parametrize("zone", [AKL, LA])
def test_api_keeps_the_zone_of_a_home_dose(client, people, engine, zone) -> None:  # type: ignore[no-untyped-def]
    owner = bearer(client, "owner@example.org")
    safety = dict(NO_SYMPTOMS)
    # the IANA zone sent with the dose: kept; a naive taken_at is then the wall time there
    cid = create(engine, people, doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(8, "1 cooked egg")])["id"]
    shift_back(engine, cid, 8)  # the first dose was due yesterday (the server's): today anywhere
    log_baseline(engine, cid)
    dose = client.get(f"/api/v1/challenges/{cid}", headers=owner).json()["doses"][0]
    wall = (dt.datetime.now(ZoneInfo(zone)) - dt.timedelta(hours=1)).replace(tzinfo=None, second=0, microsecond=0)
    if wall.fold or ZoneInfo(zone).utcoffset(wall) != ZoneInfo(zone).utcoffset(wall.replace(fold=1)):
        wall -= dt.timedelta(hours=2)  # the clocks changed within the hour: a time that exists once
    r = client.post(f"/api/v1/me/challenges/{cid}/doses/{dose['id']}",
                    json={"safety": safety, "taken_at": wall.isoformat(), "zone": zone}, headers=owner)
    assert r.status_code == 200, r.text
    got = r.json()["dose"]
    assert got["entered_zone"] == zone
    utc = wall.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC).replace(tzinfo=None)
    assert got["taken_at"] == utc.isoformat(timespec="minutes") + "Z"

    # an offset alone: kept as the fixed offset, the convention of clinic doses ("UTC+13:00"); one
    # food's reintroduction at a time (2026-12-07): the egg challenge stops first
    with transaction(engine) as s:
        ch.stop_challenge(s, people.owner, cid, "the next food instead")
    cid2 = create(engine, people, food="food.wheat",
                  doses=[ch.DoseStep(0, "1 slice of bread"), ch.DoseStep(8, "2 slices")])["id"]
    shift_back(engine, cid2, 8)
    log_baseline(engine, cid2)
    dose2 = client.get(f"/api/v1/challenges/{cid2}", headers=owner).json()["doses"][0]
    now = dt.datetime.now(ZoneInfo(zone)).replace(second=0, microsecond=0)
    off = now.utcoffset()
    sign, absoff = ("-", -off) if off < dt.timedelta(0) else ("+", off)
    label = f"UTC{sign}{int(absoff.total_seconds()) // 3600:02d}:{int(absoff.total_seconds()) % 3600 // 60:02d}"
    r = client.post(f"/api/v1/me/challenges/{cid2}/doses/{dose2['id']}",
                    json={"safety": safety, "taken_at": now.isoformat()}, headers=owner)
    assert r.status_code == 200 and r.json()["dose"]["entered_zone"] == label, r.text

    # an unknown zone is refused naming the field; nothing is stored
    with transaction(engine) as s:
        ch.stop_challenge(s, people.owner, cid2, "the next food instead")
    cid3 = create(engine, people, food="food.soy", doses=[ch.DoseStep(0, "1 tbsp tofu"), ch.DoseStep(8, "tofu")])["id"]
    shift_back(engine, cid3, 8)
    log_baseline(engine, cid3)
    dose3 = client.get(f"/api/v1/challenges/{cid3}", headers=owner).json()["doses"][0]
    bad = client.post(f"/api/v1/me/challenges/{cid3}/doses/{dose3['id']}",
                      json={"safety": safety, "zone": "Mars/Olympus_Mons"}, headers=owner)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("zone: not a known time zone name"), bad.text
    assert client.get(f"/api/v1/challenges/{cid3}", headers=owner).json()["doses"][0]["status"] == "planned"
    # a stranger still gets 404, whatever the zone
    stranger = bearer(client, "stranger@example.org")
    assert client.post(f"/api/v1/me/challenges/{cid3}/doses/{dose3['id']}",
                       json={"safety": safety, "zone": zone}, headers=stranger).status_code == 404


@pytest.mark.parametrize("zone", [AKL, LA])
def test_the_page_keeps_the_browsers_zone_with_the_dose(web, sqlite_url, zone) -> None:  # type: ignore[no-untyped-def]
    people, _, pat = web
    engine = get_engine(sqlite_url)
    login(pat, "owner@example.org")
    pat.cookies.set("tz", zone)  # what static/app.js sets from the browser
    cid = create(engine, people, doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(8, "1 cooked egg")])["id"]
    shift_back(engine, cid, 8)  # due yesterday by the server's date: today or earlier in every zone
    log_baseline(engine, cid)
    with transaction(engine) as s:
        dose_id = s.scalar(select(ChallengeDose.id).where(ChallengeDose.challenge_id == cid, ChallengeDose.step == 1))
    page = pat.get("/challenges")
    assert "eat 1/4 cooked egg today" in page.text
    r = pat.post(f"/challenges/{cid}/dose/{dose_id}", data={"checked": "1", "csrf_token": csrf(page.text)},
                 follow_redirects=True)
    assert r.status_code == 200
    with transaction(engine) as s:
        d = s.get(ChallengeDose, dose_id)
        assert (d.status, d.entered_zone, d.time_note) == ("taken", zone, "")


def test_a_zone_is_checked_before_anything_is_stored(engine, people) -> None:  # type: ignore[no-untyped-def]
    """The clinic layer (the API's and the page's way in): an unknown name or an impossible offset
    is refused naming ``zone``; a fixed offset is kept as given; a naive time is the wall time there."""
    from gutskin.clinic.errors import InvalidInput

    cid = create(engine, people, doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(8, "1 cooked egg")])["id"]
    shift_back(engine, cid, 8)
    log_baseline(engine, cid)
    with transaction(engine) as s:
        dose_id = s.scalar(select(ChallengeDose.id).where(ChallengeDose.challenge_id == cid, ChallengeDose.step == 1))
    for bad in ("UTC+25:00", "UTC+05:75", "Europe/Atlantis"):
        with pytest.raises(InvalidInput, match="^zone: "), transaction(engine) as s:
            ch.take_dose(s, people.owner, cid, dose_id, NO_SYMPTOMS, zone=bad, today=dt.date.today())
    wall = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=13) - dt.timedelta(hours=2)).replace(tzinfo=None, microsecond=0)
    with transaction(engine) as s:
        out = ch.take_dose(s, people.owner, cid, dose_id, NO_SYMPTOMS, taken_at=wall, zone="UTC+13:00",
                           today=dt.date.today())
    assert out["dose"]["entered_zone"] == "UTC+13:00"
    assert out["dose"]["taken_at"] == (wall - dt.timedelta(hours=13)).isoformat(timespec="minutes") + "Z"
