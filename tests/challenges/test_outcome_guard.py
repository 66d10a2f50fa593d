"""Refuting an allergy ("the food can be eaten") from a challenge in which no dose was taken
needs the clinician's reason in the note; with a reason, or after a dose, it goes through."""

from __future__ import annotations

import pytest

from gutskin.clinic import challenges as ch
from gutskin.clinic.errors import InvalidInput
from gutskin.store.db import transaction
from gutskin.store.models import AllergyRecord
from tests.challenges.test_services import _run_home_challenge, create


def test_refuting_without_any_dose_needs_a_reason(engine, people) -> None:
    cid = create(engine, people)["id"]  # still in its baseline week
    with pytest.raises(InvalidInput, match="^note: no dose of this challenge was taken"), transaction(engine) as s:
        ch.confirm_outcome(s, people.clinician, cid, "refuted")
    with transaction(engine) as s:
        assert s.query(AllergyRecord).count() == 0
    with transaction(engine) as s:
        out = ch.confirm_outcome(s, people.clinician, cid, "refuted", "eats baked egg at home without symptoms")
    assert out["allergy_record"]["status"] == "refuted"


def test_confirming_early_and_refuting_after_doses_need_no_extra_note(engine, people) -> None:
    cid = create(engine, people)["id"]
    with transaction(engine) as s:  # an obvious reaction may be decided at once
        assert ch.confirm_outcome(s, people.clinician, cid, "confirmed")["allergy_record"]["status"] == "confirmed"
    with transaction(engine) as s:
        s.query(AllergyRecord).delete()
    done = _run_home_challenge(engine, people, reacts=False)  # doses taken, not evaluated: no verdict to override
    with transaction(engine) as s:
        assert ch.confirm_outcome(s, people.clinician, done, "refuted")["allergy_record"]["status"] == "refuted"
