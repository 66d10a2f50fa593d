"""The FHIR note of a food challenge says what decided it (clinician's walk, 2026-12-06): the
AllergyIntolerance note of a supervised peanut challenge stopped for hives at a clinic dose, and
confirmed by the clinician, read "diary verdict: reaction likely" -- the diary decided nothing. The
visit report's challenge details (the same summary) read it too. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gutskin.store.models import ChallengeDose
from tests.challenges.test_services import log_baseline, shift_back
from tests.conftest import earlier_today


def _plan(**kw):  # type: ignore[no-untyped-def]
    from gutskin.clinic import challenges as ch

    base = dict(food="food.peanut", kind="supervised", released_for_home=False, start=dt.date.today(), baseline_days=7,
                doses=[ch.DoseStep(0, "100 mg peanut protein"), ch.DoseStep(0, "300 mg peanut protein")])
    base.update(kw)
    return ch.PlanInput(**base)


def _notes(engine, people, food: str) -> str:  # type: ignore[no-untyped-def]
    from gutskin.clinic.fhir import export_bundle
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        bundle = export_bundle(s, people.clinician, people.owner_pid)
    [res] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"
             and e["resource"]["code"]["coding"][0]["code"] == food]
    return " ".join(n["text"] for n in res.get("note", []))


def _summary(engine, people, cid: int) -> str:  # type: ignore[no-untyped-def]
    from gutskin.clinic.fhir import challenge_records
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        return next(c["summary"] for c in challenge_records(s, people.owner_pid) if c["id"] == cid)


def test_an_immediate_reaction_in_clinic_and_the_clinicians_outcome_are_named(engine, people) -> None:
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        cid = int(ch.create_plan(s, people.clinician, people.owner_pid, _plan())["id"])  # type: ignore[arg-type]
    shift_back(engine, cid, 7)  # the baseline week is over: the clinic day is today
    with transaction(engine) as s:
        ch.record_supervised_dose(s, people.clinician, cid, 1, earlier_today(hours=1), "100 mg peanut protein",
                                  "urticaria on the neck", reactions=["hives"], zone="UTC")
        assert ch.evaluate(s, people.clinician, cid)["verdict"] == "reaction_likely"

    # no outcome yet: the signs at the clinic dose decided it, not the diary
    summary = _summary(engine, people, cid)
    assert summary.startswith("verdict reaction likely, decided by an immediate reaction: objective signs at step 1 (hives"), summary
    assert "diary verdict" not in summary

    with transaction(engine) as s:
        ch.record_supervised_outcome(s, people.clinician, cid, "positive", stop_reason="urticaria after 100 mg")
        ch.evaluate(s, people.clinician, cid)
        ch.confirm_outcome(s, people.clinician, cid, "confirmed")
    notes = _notes(engine, people, "food.peanut")
    # the typed stopping reason stays out of a pseudonymized bundle (2026-12-06: free text)
    assert notes.startswith("decided by the clinician's recorded outcome: allergy confirmed; immediate reaction: "
                            "reason recorded in gutskin"), notes
    assert "diary verdict" not in notes
    assert "immediate reaction test: positive" in notes
    from gutskin.store.models import Patient

    with transaction(engine) as s:  # the patient shares their identity: the reason as typed
        s.get(Patient, people.owner_pid).share_identity = True
    notes = _notes(engine, people, "food.peanut")
    assert notes.startswith("decided by the clinician's recorded outcome: allergy confirmed; immediate reaction: "
                            "urticaria after 100 mg"), notes


def test_a_home_challenge_decided_by_the_clinician_says_so_beside_the_diary(engine, people) -> None:
    """A home challenge: the diary's verdict is named as the diary's, after the clinician's outcome."""
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        cid = int(ch.create_plan(s, people.clinician, people.owner_pid, _plan(  # type: ignore[arg-type]
            food="food.egg", kind="home", released_for_home=True,
            doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(2, "1/2 cooked egg")]))["id"])
    # step 1 taken after the logged baseline week: a challenge before its first dose has nothing to evaluate (2026-12-07)
    shift_back(engine, cid, 7)
    log_baseline(engine, cid)
    with transaction(engine) as s:
        first = min(d.id for d in s.scalars(select(ChallengeDose).where(ChallengeDose.challenge_id == cid)))
        ch.take_dose(s, people.owner, cid, first, {k: False for k in ch.SAFETY_SYMPTOMS})
    with transaction(engine) as s:
        ch.evaluate(s, people.clinician, cid)
        ch.confirm_outcome(s, people.clinician, cid, "refuted", note="ate a whole egg without a reaction")
    notes = _notes(engine, people, "food.egg")
    assert notes.startswith("decided by the clinician's recorded outcome: allergy refuted; diary verdict: "), notes
    assert "immediate reaction" not in notes
