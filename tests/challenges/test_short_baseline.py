"""A challenge whose baseline days were not logged (allergist walk, 2026-12-07).

The verdict needs at least 7 food-free logged days before the first dose. A patient who logged 3
of the 7 baseline days was told "Step 1: eat 1/4 cooked egg today" with no word of it; once eaten,
the challenge could give no result, and its verdict kept asking to "log 4 more food-free baseline
day(s) before the first dose". Taking step 1 a few days late after logging those days did not help
either: the days of the reintroduction period before a late first dose counted as control days,
never as reference days.

Then the first step said how many of the 7 days are logged and to wait (a step can be taken late)
or ask the clinic, and the verdict's reference is every food-free logged day before the first dose.
Since later that day the step is held until 7 are logged (tests/challenges/test_first_step_held.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeDose, FoodChallenge
from tests.challenges.test_services import NO_SYMPTOMS, create, shift_back

TODAY = dt.date.today()
STEPS = [ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(4, "1 cooked egg")]


def _log(engine, people, days) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        for day in days:
            diary.put_day(s, people.owner, people.owner_pid, day, diary.DayInput(itch=2 + day.toordinal() % 2))


def _plan(engine, people, days_ago: int) -> tuple[int, dt.date, dt.date]:  # type: ignore[no-untyped-def]
    """A 7-day-baseline egg plan whose first step was due ``days_ago`` days ago: (id, baseline start, first dose day)."""
    cid = int(create(engine, people, doses=STEPS)["id"])
    shift_back(engine, cid, 7 + days_ago)
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        return cid, c.baseline_start, c.reintroduction_start


def _first_step(engine, people) -> dict:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
    return step


def test_the_first_step_says_the_baseline_is_short(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, b_start, _ = _plan(engine, people, 0)
    _log(engine, people, [b_start, b_start + dt.timedelta(days=2), b_start + dt.timedelta(days=5)])
    step = _first_step(engine, people)
    assert step["action"] == "wait_baseline" and step["baseline_logged"] == 3 and step["baseline_needed"] == 7, step
    assert "Step 1 waits: only 3 of the 7 food-free days the result needs are logged" in step["text"], step["text"]
    assert "log your day every day: the step is offered once 7 are logged" in step["text"]

    # a day logged with egg in the baseline is no reference day (nor the two after it)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, b_start + dt.timedelta(days=1),
                      diary.DayInput(itch=3, factors={"food.egg": 1.0}))
    assert _first_step(engine, people)["baseline_logged"] == 2

    # every baseline day logged food-free: no word of it
    _log(engine, people, [b_start + dt.timedelta(days=k) for k in range(7)])
    step = _first_step(engine, people)
    assert step["action"] == "dose" and step["baseline_logged"] == 7 and "waits" not in step["text"], step["text"]


def test_days_logged_before_a_late_first_step_are_reference_days(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, b_start, r_start = _plan(engine, people, 5)  # step 1 was due five days ago
    _log(engine, people, [b_start + dt.timedelta(days=k) for k in (0, 1, 3, 6)])  # 4 of the 7 baseline days
    _log(engine, people, [r_start + dt.timedelta(days=k) for k in range(3)])  # and the 3 days since, food-free
    step = _first_step(engine, people)
    assert step["action"] == "dose" and step["baseline_logged"] == 7 and "waits" not in step["text"], step
    with transaction(engine) as s:  # step 1 taken late, on the day after those; its window logged since
        dose = s.scalar(select(ChallengeDose).where(ChallengeDose.challenge_id == cid, ChallengeDose.step == 1))
        dose.status, dose.taken_at = "taken", dt.datetime.combine(r_start + dt.timedelta(days=3), dt.time(9))
    _log(engine, people, [TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1), TODAY])
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["baseline_days"] == 7, v  # old code: 4, and "log 3 more food-free baseline day(s) before the first dose"
    assert not [x for x in v["settle"] if "baseline day(s) before the first dose" in x], v["settle"]


def test_a_childs_first_step_speaks_of_the_child(engine, people) -> None:  # type: ignore[no-untyped-def]
    from tests.challenges.test_child_safety_guidance import _leo_at_first_dose

    leo, _ = _leo_at_first_dose(engine, people)
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, leo)
    assert step["baseline_logged"] == 0
    assert step["action"] == "wait_baseline", step
    assert "Step 1 waits: only 0 of the 7 food-free days the result needs are logged for Leo" in step["text"]
    assert "Give Leo no egg; log Leo's day every day" in step["text"] and "your day" not in step["text"]
