"""One food's reintroduction at a time (allergist walk, 2026-12-07).

Before, a clinician could plan an egg and a milk reintroduction for the same days: the patient's
page said "Step 1: eat 1/4 cooked egg today" and "Step 1: eat 5 ml milk today" on the same
morning, each verdict read a reaction to the other food as its own, and hives at the egg's
safety check stopped the egg challenge only, while the milk one went on to its next step.
Now a plan (or an elimination lengthened) whose reintroduction shares a day with another open
challenge's reintroduction is refused, saying from when it may start.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gutskin.clinic import challenges as ch
from gutskin.clinic.errors import InvalidInput
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeDose, FoodChallenge
from tests.challenges.test_services import NO_SYMPTOMS, create, plan, shift_back
from tests.conftest import bearer
from tests.challenges.test_services import log_baseline

TODAY = dt.date.today()
MILK = [ch.DoseStep(0, "5 ml milk"), ch.DoseStep(3, "30 ml milk")]


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(FoodChallenge)))


def test_a_second_food_on_the_same_days_is_refused_with_the_day_it_may_start(engine, people) -> None:  # type: ignore[no-untyped-def]
    egg = create(engine, people)  # 7-day baseline, doses on days 0, 4, 8: reintroduction days 7 to 17
    assert egg["reintroduction_start"] == (TODAY + dt.timedelta(days=7)).isoformat()
    assert egg["reintroduction_end"] == (TODAY + dt.timedelta(days=17)).isoformat()
    with pytest.raises(InvalidInput) as refused, transaction(engine) as s:
        ch.create_plan(s, people.clinician, people.owner_pid, plan(food="food.dairy", doses=MILK))
    msg = str(refused.value)
    first, last = TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(days=17)
    earliest = last + dt.timedelta(days=1) - dt.timedelta(days=7)  # its 7-day baseline may run beside the egg doses
    assert msg.startswith("start: ") and "overlaps the egg challenge's" in msg, msg
    assert f"({ch._day_words(first)} to {ch._day_words(last)})" in msg and "one food at a time" in msg, msg
    assert f"start this plan on {ch._day_words(earliest)} ({earliest.isoformat()}) or later" in msg, msg
    assert _count(engine) == 1  # nothing stored

    # the patient is never told to eat both on one morning: the start it names is taken
    with transaction(engine) as s:
        milk = ch.create_plan(s, people.clinician, people.owner_pid,
                              plan(food="food.dairy", doses=MILK, start=earliest))
    assert milk["reintroduction_start"] == (last + dt.timedelta(days=1)).isoformat()
    # a day earlier would share the egg's last observation day
    with pytest.raises(InvalidInput), transaction(engine) as s:
        ch.create_plan(s, people.clinician, people.owner_pid,
                       plan(food="food.wheat", doses=[ch.DoseStep(0, "1 slice of bread")],
                            start=earliest - dt.timedelta(days=1)))


def test_the_patient_is_not_given_two_foods_on_one_morning(engine, people) -> None:  # type: ignore[no-untyped-def]
    egg = create(engine, people)
    shift_back(engine, egg["id"], 7)  # its first dose is today
    log_baseline(engine, egg["id"])
    with pytest.raises(InvalidInput), transaction(engine) as s:
        ch.create_plan(s, people.clinician, people.owner_pid,
                       plan(food="food.dairy", doses=[ch.DoseStep(0, "5 ml milk")], start=TODAY))
    with transaction(engine) as s:
        steps = ch.today_steps(s, people.owner, people.owner_pid)
    assert [(st["food"], st["action"]) for st in steps] == [("food.egg", "dose")]


def test_a_stopped_or_decided_challenge_leaves_the_days_free(engine, people) -> None:  # type: ignore[no-untyped-def]
    egg = create(engine, people)
    shift_back(engine, egg["id"], 7)
    with transaction(engine) as s:
        dose = ch.get_challenge(s, people.owner, egg["id"])["doses"][0]["id"]
        assert ch.take_dose(s, people.owner, egg["id"], dose, {**NO_SYMPTOMS, "hives": True})["stopped"]
    with transaction(engine) as s:  # no doses are given in it any more
        milk = ch.create_plan(s, people.clinician, people.owner_pid, plan(food="food.dairy", doses=MILK))
    assert milk["status"] == "active"


def test_a_lengthened_elimination_does_not_move_onto_another_reintroduction(engine, people) -> None:  # type: ignore[no-untyped-def]
    wheat = create(engine, people, food="food.wheat", elimination_days=14, elimination_max_days=28,
                   doses=[ch.DoseStep(0, "1 slice of bread")])  # reintroduction days 21 to 23
    egg_start = TODAY + dt.timedelta(days=18)  # egg reintroduction days 25 to 35
    with transaction(engine) as s:
        ch.create_plan(s, people.clinician, people.owner_pid, plan(start=egg_start))
    with pytest.raises(InvalidInput) as refused, transaction(engine) as s:
        ch.extend_elimination(s, people.clinician, wheat["id"], 3)
    msg = str(refused.value)
    assert msg.startswith("extra_days: the reintroduction would then run from ") and "into the egg challenge's" in msg, msg
    with transaction(engine) as s:
        kept = s.get(FoodChallenge, wheat["id"])
        assert kept.reintroduction_start == TODAY + dt.timedelta(days=21)  # nothing moved
        assert s.scalar(select(ChallengeDose.planned_on).where(ChallengeDose.challenge_id == wheat["id"])) == \
            TODAY + dt.timedelta(days=21)
    with transaction(engine) as s:  # a lengthening that still ends before the egg's is taken
        out = ch.extend_elimination(s, people.clinician, wheat["id"], 1)
    assert out["reintroduction_start"] == (TODAY + dt.timedelta(days=22)).isoformat()


def test_the_api_answers_422_naming_start(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    create(engine, people)
    doc = bearer(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", headers=doc, json={
        "food": "food.dairy", "kind": "supervised", "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "5 ml milk"}]})
    assert r.status_code == 422 and r.json()["detail"].startswith("start: this plan's reintroduction"), r.text
    assert _count(engine) == 1
