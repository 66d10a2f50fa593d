"""AllergyIntolerance in the FHIR export after a food is challenged again (SQLite and PostgreSQL).

A child's egg allergy confirmed by one challenge and refuted by a later supervised challenge
(outgrown) is one clinical fact that changed; a receiving EHR must not be left with an
"active, confirmed" egg allergy next to the refutation.
"""

from __future__ import annotations

import datetime as dt

from gutskin.interop import codes as C


def _plan(**kw):  # type: ignore[no-untyped-def]
    from gutskin.clinic import challenges as ch

    base = dict(food="food.egg", kind="home", released_for_home=True, start=dt.date.today(), baseline_days=7,
                doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(2, "1/2 cooked egg")])
    base.update(kw)
    return ch.PlanInput(**base)


def _allergies(engine, people):  # type: ignore[no-untyped-def]
    from gutskin.clinic.fhir import export_bundle
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        bundle = export_bundle(s, people.clinician, people.owner_pid)
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"]


def test_a_refuting_rechallenge_replaces_the_confirmed_allergy(engine, people) -> None:
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        first = ch.create_plan(s, people.clinician, people.owner_pid, _plan())
        ch.confirm_outcome(s, people.clinician, int(first["id"]), "confirmed")  # type: ignore[arg-type]
    [egg] = _allergies(engine, people)
    assert egg["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert egg["clinicalStatus"]["coding"][0]["code"] == "active"
    # the clinician who decided; a pseudonymized bundle names them neutrally (2026-12-06: a name typed by a person)
    assert egg["recorder"] == {"display": "the clinic"}

    with transaction(engine) as s:
        again = ch.create_plan(s, people.clinician, people.owner_pid, _plan(kind="supervised", released_for_home=False))
        ch.confirm_outcome(s, people.clinician, int(again["id"]), "refuted",  # type: ignore[arg-type]
                           note="ate a whole cooked egg in clinic without a reaction")
        assert [a["food"] for a in ch.avoid_list(s, people.clinician, people.owner_pid)] == []

    allergies = _allergies(engine, people)
    assert len(allergies) == 1, [a["verificationStatus"] for a in allergies]  # one egg allergy, not two that disagree
    [now] = allergies
    assert now["code"]["coding"][0] == {"system": C.FACTOR_SYSTEM, "code": "food.egg", "display": "Egg"}
    assert now["verificationStatus"]["coding"][0]["code"] == "refuted"
    assert now["clinicalStatus"]["coding"][0]["code"] == "inactive"
    assert now["id"] == egg["id"]  # the same resource, updated: a receiver replaces it rather than adding a second
    notes = " ".join(n["text"] for n in now.get("note", []))
    assert "Earlier: confirmed on" in notes  # the history is not lost


def test_a_confirmed_allergy_carries_the_reported_signs_as_its_reaction(engine, people) -> None:
    """A peanut challenge stopped by the patient's safety report (hives, vomiting) and confirmed by
    the clinician: the receiving EHR gets the signs as the reaction, with the report's instant."""
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import transaction
    from gutskin.store.models import ChallengeAlert

    with transaction(engine) as s:
        plan = ch.create_plan(s, people.clinician, people.owner_pid, _plan(food="food.peanut",
                                                                           doses=[ch.DoseStep(0, "1 peanut")]))
        ch.safety_check(s, people.owner, int(plan["id"]), ["hives", "vomiting"])  # type: ignore[arg-type]
        reported = s.query(ChallengeAlert).one().created_at
        ch.confirm_outcome(s, people.clinician, int(plan["id"]), "confirmed")  # type: ignore[arg-type]
        wheat = ch.create_plan(s, people.clinician, people.owner_pid, _plan(food="food.wheat",
                                                                            doses=[ch.DoseStep(0, "1 slice of bread")]))
        ch.confirm_outcome(s, people.clinician, int(wheat["id"]), "refuted", note="eats bread daily")  # type: ignore[arg-type]
    by_food = {a["code"]["coding"][0]["code"]: a for a in _allergies(engine, people)}
    [reaction] = by_food["food.peanut"]["reaction"]
    assert [m["text"] for m in reaction["manifestation"]] == [
        "Hives (raised, itchy welts) anywhere on the body", "Repeated vomiting"]
    assert reaction["onset"] == reported.replace(microsecond=0).isoformat() + "Z"  # stored UTC, marked as such
    assert "reaction" not in by_food["food.wheat"]  # no allergy, no reaction


def test_a_food_allergy_carries_its_snomed_ct_concept_next_to_the_local_code(engine, people) -> None:
    """A receiving EHR does not know gutskin's factor codes; the SNOMED CT "allergy to ..." concept
    lets it match the allergy. The pairs are pinned against the published food-allergy value sets
    (docs/interop.md), not read back from the mapping."""
    from gutskin.clinic import challenges as ch
    from gutskin.store.db import transaction

    published = {"food.egg": ("213020009", "Allergy to egg protein"), "food.peanut": ("91935009", "Allergy to peanut"),
                 "food.fermented": None}
    with transaction(engine) as s:
        for food in published:
            made = ch.create_plan(s, people.clinician, people.owner_pid, _plan(
                food=food, doses=[ch.DoseStep(0, "1 teaspoon"), ch.DoseStep(2, "2 teaspoons")]))
            ch.confirm_outcome(s, people.clinician, int(made["id"]), "refuted",  # type: ignore[arg-type]
                               note="eaten at home without a reaction")
    by_food = {a["code"]["coding"][0]["code"]: a["code"]["coding"] for a in _allergies(engine, people)}
    for food, concept in published.items():
        sct = [c for c in by_food[food] if c["system"] == "http://snomed.info/sct"]
        assert sct == ([] if concept is None else [{"system": "http://snomed.info/sct", "code": concept[0],
                                                    "display": concept[1]}])


def test_every_mapped_food_is_a_vocabulary_food_with_a_valid_snomed_identifier() -> None:
    """SNOMED CT identifiers end in a Verhoeff check digit; a typo in the table is caught here."""
    from gutskin.diary.factors import known_factor

    d = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
         [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
         [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
         [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
    p = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]]
    for _ in range(6):
        p.append([p[1][x] for x in p[-1]])

    def verhoeff_ok(num: str) -> bool:
        c = 0
        for i, ch_ in enumerate(reversed(num)):
            c = d[c][p[i % 8][int(ch_)]]
        return c == 0

    assert C.FOOD_SNOMED
    for food, (sct, display) in C.FOOD_SNOMED.items():
        assert known_factor(food).name == food
        assert sct.isdigit() and 6 <= len(sct) <= 18 and verhoeff_ok(sct), (food, sct)
        assert display.startswith("Allergy to ")
