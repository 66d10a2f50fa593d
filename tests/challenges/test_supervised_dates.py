"""A supervised dose is recorded within the plan's reintroduction: a dose "given" in the baseline
week (it would spoil the food-free reference) or on a mistyped date years back was stored and
counted before; the refusal says how to record a dose given anyway (stop with the reason)."""

from __future__ import annotations

import datetime as dt

import pytest

from gutskin.clinic import challenges as ch
from gutskin.clinic.errors import InvalidInput
from gutskin.store.db import transaction
from gutskin.store.models import ChallengeDose, FoodChallenge
from tests.challenges.test_services import TODAY, create, shift_back


def _supervised(engine, people) -> int:  # type: ignore[no-untyped-def]
    return create(engine, people, kind="supervised", released_for_home=False,
                  doses=[ch.DoseStep(0, "3 mg protein"), ch.DoseStep(0, "30 mg protein")])["id"]


@pytest.mark.parametrize("when", [dt.datetime.combine(TODAY, dt.time(0)).astimezone(),  # the baseline week
                                  dt.datetime(2020, 1, 1, 9).astimezone()])  # a mistyped year
def test_a_dose_outside_the_reintroduction_is_refused_and_nothing_stored(engine, people, when) -> None:
    cid = _supervised(engine, people)
    with pytest.raises(InvalidInput, match=r"^given_at: doses of this plan are given from .* stop the challenge"), \
            transaction(engine) as s:
        ch.record_supervised_dose(s, people.clinician, cid, 1, when, "3 mg protein")
    with transaction(engine) as s:
        assert all(d.status == "planned" for d in s.query(ChallengeDose).filter_by(challenge_id=cid))
        assert s.get(FoodChallenge, cid).status == "active"


def test_a_dose_on_the_reintroduction_days_is_recorded(engine, people) -> None:
    cid = _supervised(engine, people)
    shift_back(engine, cid, 7)
    with transaction(engine) as s:
        c = s.get(FoodChallenge, cid)
        first, last = c.reintroduction_start, c.reintroduction_end
    assert first == TODAY
    with transaction(engine) as s:
        d = ch.record_supervised_dose(s, people.clinician, cid, 1, dt.datetime.combine(first, dt.time(0, 5)).astimezone(),
                                      "3 mg protein")
    assert d["status"] == "taken"
    with pytest.raises(InvalidInput, match="given_at"), transaction(engine) as s:  # the evening before
        ch.record_supervised_dose(s, people.clinician, cid, 2,
                                  (dt.datetime.combine(first, dt.time()) - dt.timedelta(minutes=5)).astimezone(), "30 mg protein")
    assert last > first
