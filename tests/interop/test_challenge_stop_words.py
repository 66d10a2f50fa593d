"""What a stopped challenge's summary says about the stop (visit report, FHIR note).

Every stopped challenge read "stopped for safety", also one the person stopped for a holiday or
one stopped because sharing with the supervising clinician ended (found after the clinician's
walk, 2026-12-06). The words now say which kind of stop it was, in fixed words: the typed
reason is free text, which a bundle without the patient's identity must not carry."""

from __future__ import annotations

from gutskin.clinic import challenges as ch
from gutskin.clinic import sharing
from gutskin.clinic.fhir import challenge_records
from gutskin.store.db import transaction
from tests.challenges.test_services import NO_SYMPTOMS, create, shift_back


def _summaries(engine, people) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return {r["food"]: r["summary"] for r in challenge_records(s, people.owner_pid)}


def test_each_kind_of_stop_reads_as_what_it_was(engine, people) -> None:
    # one food's reintroduction at a time (ac0956a): each plan is made once the one before has stopped
    holiday = create(engine, people)["id"]
    with transaction(engine) as s:
        ch.stop_challenge(s, people.owner, holiday, "going on holiday to Lisbon")
    milk = create(engine, people, food="food.milk", doses=[ch.DoseStep(0, "5 ml milk"), ch.DoseStep(4, "50 ml milk")])
    shift_back(engine, milk["id"], 7)
    with transaction(engine) as s:
        assert ch.take_dose(s, people.owner, milk["id"], milk["doses"][0]["id"], {**NO_SYMPTOMS, "hives": True})["stopped"]
    wheat = create(engine, people, food="food.wheat", doses=[ch.DoseStep(0, "1 g wheat"), ch.DoseStep(4, "2 g wheat")])
    with transaction(engine) as s:
        for access in sharing.list_access(s, people.owner, people.owner_pid):
            sharing.revoke(s, people.owner, people.owner_pid, int(access["consent_id"]))
    got = _summaries(engine, people)
    assert "stopped for safety" in got["food.milk"], got
    assert "stopped for safety" not in got["food.egg"] and "stopped before its end" in got["food.egg"], got
    assert "Lisbon" not in got["food.egg"]
    assert "stopped when sharing with the supervising clinician ended" in got["food.wheat"], (wheat, got)
