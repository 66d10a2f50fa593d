"""A late (eczematous) reaction's alert in the FHIR export (2026-12-07). The late-reaction alerts of
e278057 store their signs as codes ("flare", "itch_rise") in the same column as the safety check's
signs; the export's AllergyIntolerance.reaction sent them as the bare codes ("flare") and dated
them by the instant a page first ran the check. A receiving EHR now gets the signs in words and the diary day
the reaction was logged as the onset."""

from __future__ import annotations

from gutskin.clinic import challenges as ch, diary
from gutskin.store.db import transaction
from tests.challenges.test_late_reaction_alerts import TODAY, _after_step_one, _step


def test_a_confirmed_late_reaction_goes_out_in_words_with_its_diary_day(engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic.fhir import export_bundle

    cid = _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    with transaction(engine) as s:
        diary.put_day(s, people.owner, people.owner_pid, TODAY, diary.DayInput(itch=3, flare=True))
    assert _step(engine, people.owner, people.owner_pid)["action"] == "held"  # the check ran and made its alert
    with transaction(engine) as s:
        ch.stop_challenge(s, people.clinician, cid, "late reaction after step 1")
        ch.confirm_outcome(s, people.clinician, cid, "confirmed")  # type: ignore[arg-type]
        bundle = export_bundle(s, people.clinician, people.owner_pid)
    [egg] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"]
    [reaction] = egg["reaction"]
    assert [m["text"] for m in reaction["manifestation"]] == ["Eczema flare logged"]
    assert reaction["onset"] == TODAY.isoformat()  # the diary day, not the instant a page ran the check
