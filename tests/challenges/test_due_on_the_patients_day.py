"""The clinician's "Due for review" list dates a stopped challenge by the patient's own day
(allergist walk, 2026-12-07). The stop's time is stored as UTC; its UTC date was the due day, so a
patient in Auckland who stopped at 08:00 (19:00 UTC the day before) was listed as "Overdue since
<yesterday> (1 day)" the minute the stop came, while the overdue count is on the patient's day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from gutskin.clinic import challenges as ch
from gutskin.clinic import zones
from gutskin.store.db import transaction
from gutskin.store.models import FoodChallenge, Patient
from tests.challenges.test_services import create

AUCKLAND = "Pacific/Auckland"


def test_a_stop_at_eight_in_auckland_is_due_that_day(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid = int(create(engine, people)["id"])
    with transaction(engine) as s:
        s.get(Patient, people.owner_pid).time_zone = AUCKLAND
        ch.stop_challenge(s, people.owner, cid, "a busy week")
    day = zones.today_in(AUCKLAND)
    eight = dt.datetime.combine(day, dt.time(8), ZoneInfo(AUCKLAND)).astimezone(dt.UTC).replace(tzinfo=None)
    assert eight.date() == day - dt.timedelta(days=1)  # 19:00 or 20:00 UTC the day before
    with transaction(engine) as s:
        s.get(FoodChallenge, cid).stopped_at = eight
    with transaction(engine) as s:
        (item,) = [r for r in ch.clinician_alerts(s, people.clinician)["due"] if r["kind"] == "review_stop"]
    assert item["due"] == day.isoformat(), item  # old code: the UTC date, the day before
    assert item["overdue_days"] == 0, item
