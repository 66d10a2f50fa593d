"""The patient's step without ?zone=: an app that does not say its zone (GET /me/challenges) had its
day placed in UTC, so 48 h after 09:00 in Auckland -- 09:00 two days later there -- that Auckland
day was "No egg today". The zone the last dose was taken in (kept since migration 0009) now
places the day; only without one is it a UTC day. The dose is set at a fixed local time on a day
in the past: the test does not depend on the time of day it runs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gutskin.clinic import challenges as ch
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeDose
from tests.challenges.test_services import create, shift_back
from tests.conftest import bearer

AKL = "Pacific/Auckland"


def test_an_app_without_zone_sees_observation_on_the_patients_day(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    owner = bearer(client, "owner@example.org")
    cid = create(engine, people, doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(8, "1 cooked egg")])["id"]
    shift_back(engine, cid, 12)
    with transaction(engine) as s:
        d = s.scalar(select(ChallengeDose).where(ChallengeDose.challenge_id == cid, ChallengeDose.step == 1))
        nine = dt.datetime.combine(d.planned_on, dt.time(9), ZoneInfo(AKL))
        d.status, d.taken_at, d.entered_zone = "taken", nine.astimezone(dt.UTC).replace(tzinfo=None), AKL
        day = d.planned_on
    for k, action in ((1, "observe"), (2, "observe"), (3, "avoid")):
        got = client.get("/api/v1/me/challenges", params={"date": (day + dt.timedelta(days=k)).isoformat()},
                         headers=owner).json()["today"]
        assert [x["action"] for x in got if x["challenge_id"] == cid] == [action], (k, got)
    # a dose without a zone (taken before 0009): the day stays a UTC day, as before
    with transaction(engine) as s:
        d = s.scalar(select(ChallengeDose).where(ChallengeDose.challenge_id == cid, ChallengeDose.step == 1))
        d.entered_zone = None
    got = client.get("/api/v1/me/challenges", params={"date": (day + dt.timedelta(days=2)).isoformat()},
                     headers=owner).json()["today"]
    assert [x["action"] for x in got if x["challenge_id"] == cid] == ["avoid"]
