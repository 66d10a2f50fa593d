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
