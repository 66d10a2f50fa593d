"""A treatment's trigger sentence ends with advice to the patient: "Do not stop or change a
prescribed treatment because of it: ask the clinician who prescribed it." The clinician's page of the
patient showed it too, telling the allergist reading it to ask the prescriber (found walking the
clinician's journey, 2026-12-06). The clinician's page keeps the sentence that the result is an
association, adjusted for treatment used because of bad days, without the patient's advice; the
patient's page keeps the advice."""

from __future__ import annotations

from tests.web.test_insights_acceptance import _logged_and_ready, panels

ADVICE = "ask the clinician who prescribed it"


def test_the_clinician_is_not_told_to_ask_the_prescriber(engine, people, client) -> None:
    r = _logged_and_ready(engine, people, 90, 5, lambda i, rng: {"treat.tcs": float(rng.random() < 0.4),
                                                                  "food.egg": float(rng.random() < 0.5)})
    every = [x for g in ("triggers", "protective", "no_evidence", "not_enough_data") for x in r["triggers"][g]]
    (tcs,) = [x for x in every if x["factor"] == "treat.tcs"]
    assert ADVICE in tcs["sentence"]
    texts = panels(client, people.owner_pid)
    patient, clinician = texts["owner@example.org"], texts["linked@clinic.example.org"]
    assert "Topical steroid: " in patient and ADVICE in patient
    assert "Topical steroid: " in clinician and "it is an association, not proof of cause." in clinician
    assert ADVICE not in clinician and "Do not stop or change a prescribed treatment" not in clinician


def test_a_treatment_that_needs_more_days_has_no_advice_for_the_clinician(engine, people, client) -> None:
    """The same advice in "Needs more days": a topical steroid on 3 of 90 days is not judged yet, and its
    sentence ends with the patient's advice, which the clinician's page kept there (the new clinician's
    walk, 2026-12-07: the demo's Ben, a steroid cream on one day, read "ask the clinician who prescribed
    it" on the allergist's own page)."""
    r = _logged_and_ready(engine, people, 90, 7, lambda i, rng: {"treat.tcs": float(i in (10, 40, 70)),
                                                                  "food.egg": float(rng.random() < 0.5)})
    (tcs,) = [x for x in r["triggers"]["not_enough_data"] if x["factor"] == "treat.tcs"]
    assert (tcs["exposed_days"], ADVICE in tcs["sentence"]) == (3, True)
    texts = panels(client, people.owner_pid)
    patient, clinician = texts["owner@example.org"], texts["linked@clinic.example.org"]
    needs = clinician.split("<h2>Needs more days</h2>", 1)[1].split("</ul>", 1)[0]
    assert "Topical steroid: not enough data yet" in needs and "(the patient has 3 and 87)" in needs
    assert "it is an association, not proof of cause." in needs
    assert ADVICE not in clinician and "Do not stop or change a prescribed treatment" not in clinician
    assert "Topical steroid: not enough data yet" in patient and ADVICE in patient
