"""A home reintroduction whose last window ended with ``reaction_likely`` (2026-12-06).

The food came off the avoid list when the reintroduction started; when its last observation
window ended with a likely reaction, nothing put it back before the clinician's review, so the
patient's page listed no food to avoid and said only "Your clinician will review the result".
Now it stays on the avoid list, and the day's step says to avoid it, until the outcome is recorded;
the clinician's outcome then decides as before (a refuted allergy takes it off).
"""

from __future__ import annotations

import datetime as dt

from gutskin.clinic import challenges as ch
from gutskin.store.db import transaction
from gutskin.store.models import FoodChallenge
from tests.challenges.test_home_walk_delayed import NY, _late_last_dose, _log


def _reacted(engine, people):  # type: ignore[no-untyped-def]
    """The walk's egg plan, the last window over two days ago, a flare after every dose; evaluated."""
    cid, start, end, _ = _late_last_dose(engine, people, days_ago=4)
    with transaction(engine) as s:
        rs = s.get(FoodChallenge, cid).reintroduction_start
    flare = {rs, rs + dt.timedelta(days=1), rs + dt.timedelta(days=4), rs + dt.timedelta(days=5),
             end + dt.timedelta(days=1), end + dt.timedelta(days=2)}
    _log(engine, people, start, end + dt.timedelta(days=3), flare)
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "reaction_likely", v
    return cid, end + dt.timedelta(days=4)


def test_a_likely_reaction_keeps_the_food_avoided_until_the_clinic_decides(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, today = _reacted(engine, people)
    with transaction(engine) as s:
        avoid = ch.avoid_list(s, people.owner, people.owner_pid, day=today)
        foods = ch.foods_to_avoid(s, people.owner_pid, today)
        step = ch.today_steps(s, people.owner, people.owner_pid, day=today, zone=NY)[0]
    # old code: [] -- the food had left the list when the last window ended
    assert [(a["food"], a["until"], a["reason"]) for a in avoid] == [("food.egg", None, "reaction likely: avoid until the clinic has reviewed this reintroduction")]
    assert foods == {"food.egg"}
    assert step["action"] == "review"
    assert "avoid egg until your clinic has reviewed this reintroduction" in step["text"], step
    with transaction(engine) as s:  # the clinician decides: refuted takes it off, as before
        ch.confirm_outcome(s, people.clinician, cid, "refuted", note="flares were the pollen week")
    with transaction(engine) as s:
        assert ch.avoid_list(s, people.owner, people.owner_pid, day=today) == []


def test_a_confirmed_outcome_keeps_it_as_a_confirmed_allergy(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, today = _reacted(engine, people)
    with transaction(engine) as s:
        ch.confirm_outcome(s, people.clinician, cid, "confirmed")
    with transaction(engine) as s:
        avoid = ch.avoid_list(s, people.owner, people.owner_pid, day=today)
    assert [(a["food"], a["reason"]) for a in avoid] == [("food.egg", "confirmed allergy")]


def test_no_reaction_leaves_the_list_when_the_window_ends_as_before(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, start, end, _ = _late_last_dose(engine, people, days_ago=4)
    _log(engine, people, start, end + dt.timedelta(days=3), set())
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
        avoid = ch.avoid_list(s, people.owner, people.owner_pid, day=end + dt.timedelta(days=4))
    assert v["verdict"] != "reaction_likely"
    assert avoid == []


def test_a_likely_reaction_nobody_evaluated_yet_keeps_the_food_avoided(engine, people) -> None:  # type: ignore[no-untyped-def]
    """No verdict stored after the last window (nobody ran it): the avoid list reads the diary itself."""
    cid, start, end, _ = _late_last_dose(engine, people, days_ago=4)
    with transaction(engine) as s:
        rs = s.get(FoodChallenge, cid).reintroduction_start
    flare = {rs, rs + dt.timedelta(days=1), rs + dt.timedelta(days=4), rs + dt.timedelta(days=5),
             end + dt.timedelta(days=1), end + dt.timedelta(days=2)}
    _log(engine, people, start, end + dt.timedelta(days=3), flare)
    today = end + dt.timedelta(days=4)
    with transaction(engine) as s:
        avoid = ch.avoid_list(s, people.owner, people.owner_pid, day=today)
        step = ch.today_steps(s, people.owner, people.owner_pid, day=today, zone=NY)[0]
        assert s.get(FoodChallenge, cid).verdict is None  # reading the list stores nothing
    assert [a["food"] for a in avoid] == ["food.egg"]  # old code and a1a8dba: []
    assert "avoid egg until your clinic has reviewed this reintroduction" in step["text"], step
