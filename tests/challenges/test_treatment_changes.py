"""A patient changing medication mid-challenge (allergist walk, 2026-12-07).

Two changes went unnamed in the verdict, which only named a topical steroid, TCI or antihistamine
used *more* on the window days:

* the steroid stopped when the reintroduction began (twice a day through the baseline, none
  after): itch rises on the days after the doses because the eczema flares by itself, and the
  verdict read "reaction likely" with no word of it;
* a dupilumab course (or any other treatment) started on the first dose day: itch falls, which
  hides a late reaction, and the verdict read "no reaction".

Now a step-down is named (the verdict stays with the diary: the clinician decides), and a
treatment first logged during the challenge is named and keeps the verdict from "no reaction".
A course already running before the challenge (logged up to 90 days before it) is not "new".
"""

from __future__ import annotations

import datetime as dt

from gutskin.clinic import challenges as ch
from gutskin.clinic import diary
from gutskin.diary.dates import day_words
from gutskin.insights.challenge_confounders import find_confounders
from gutskin.store.db import transaction
from tests.challenges.test_home_walk_delayed import _finished

D0 = dt.date(2026, 11, 1)
DAYS = [D0 + dt.timedelta(days=i) for i in range(24)]
POST = DAYS[14:]
WIN = [POST[i] for i in (0, 1, 2, 4, 5, 6, 8, 9)]
OTHER = [d for d in DAYS if d not in WIN]


def test_a_step_down_is_named_and_does_not_mask() -> None:
    tcs = {d: (2.0 if d < POST[0] else 0.0) for d in DAYS}
    out = find_confounders(WIN, OTHER, {"treat.tcs": tcs}, {}, {}, POST)
    assert not out.masks
    assert len(out.reasons) == 1 and out.reasons[0].startswith(
        "topical steroid used less on the days after the doses than on the other days (0.0 vs 1.8 a day)"), out.reasons


def test_a_treatment_first_logged_during_the_challenge_masks() -> None:
    out = find_confounders(WIN, OTHER, {"treat.dupilumab": {POST[1]: 1.0}}, {"treat.dupilumab": "Dupilumab injection"},
                           {}, POST)
    assert out.masks and out.started == ["treat.dupilumab"]
    assert out.reasons == [f"Dupilumab injection was started during the challenge (first logged on {day_words(POST[1])}, "
                           "not in the days before): a new treatment lowers itch by itself and can hide a late "
                           "reaction; ask the patient"]


def test_a_running_course_an_emollient_and_a_treatment_from_the_first_day_are_not_new() -> None:
    earlier = D0 - dt.timedelta(days=20)
    factors = {"treat.dupilumab": {earlier: 1.0, DAYS[6]: 1.0, POST[6]: 1.0},  # every 14 days since before the plan
               "treat.emollient": {d: 2.0 for d in POST},  # daily skin care is not a treatment change
               "treat.prednisolone": {d: 1.0 for d in DAYS}}  # from the first day analysed
    out = find_confounders(WIN, OTHER, factors, {}, {}, POST)
    assert out.reasons == [] and not out.masks and out.started == []


def _log(engine, people, start: dt.date, end: dt.date, itch, factors) -> None:  # type: ignore[no-untyped-def]
    day = start
    while day <= end:
        with transaction(engine) as s:
            diary.put_day(s, people.owner, people.owner_pid, day,
                          diary.DayInput(itch=itch(day), factors=factors(day)))
        day += dt.timedelta(days=1)


def test_the_steroid_stopped_when_the_reintroduction_began_is_named(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, start, end, window = _finished(engine, people)
    with transaction(engine) as s:
        r_start = s.get(ch.FoodChallenge, cid).reintroduction_start
    _log(engine, people, start, end, itch=lambda d: (6 if d >= r_start else 2) + d.toordinal() % 2,
         factors=lambda d: {"treat.tcs": 2.0 if d < r_start else 0.0})
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    said = " | ".join(v["reasons"])
    assert "topical steroid used less on the days after the doses than on the other days" in said, v
    assert "eczema can flare when a treatment is reduced" in said and v["confounders"]


def test_dupilumab_started_on_the_first_dose_day_is_not_no_reaction(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, start, end, window = _finished(engine, people)
    first_dose = min(window)
    _log(engine, people, start, end, itch=lambda d: 2 + d.toordinal() % 2,
         factors=lambda d: {"treat.dupilumab": 1.0 if d == first_dose else 0.0})
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "inconclusive", v  # old code: no_reaction, nothing named
    said = " | ".join(v["reasons"])
    assert f"Dupilumab injection was started during the challenge (first logged on {day_words(first_dose)}" in said
    assert "no reaction was seen, but a treatment started during the challenge may hide one" in said


def test_a_dupilumab_course_running_before_the_plan_is_not_named(engine, people) -> None:  # type: ignore[no-untyped-def]
    cid, start, end, window = _finished(engine, people)
    course = {start - dt.timedelta(days=k) for k in (30, 16, 2)} | {start + dt.timedelta(days=12)}
    with transaction(engine) as s:  # the injections before the plan, logged in the diary
        for d in sorted(course):
            if d < start:
                diary.put_day(s, people.owner, people.owner_pid, d,
                              diary.DayInput(itch=3, factors={"treat.dupilumab": 1.0}))
    _log(engine, people, start, end, itch=lambda d: 2 + d.toordinal() % 2,
         factors=lambda d: {"treat.dupilumab": 1.0 if d in course else 0.0})
    with transaction(engine) as s:
        v = ch.evaluate(s, people.clinician, cid)
    assert v["verdict"] == "no_reaction", v
    assert not [r for r in v["reasons"] if "started during" in r]
