"""A stopped challenge said its stored reason raw: "This egg challenge was stopped: safety check: hives" on the
patient's page, "safety check: hives" on the clinician's, the phase "stopped" alone in the patient's list of
challenges, and "(stopped by the patient)" under Due for review (h2 walk, 2026-12-07). Each now says where and why
in plain words (``clinic.challenges.stop_words``): "stopped at step 1, before its dose, because of hives (safety
check)"; the stored reason is unchanged. SQLite and PostgreSQL."""

from __future__ import annotations

import html

from gutskin.clinic import challenges as ch
from gutskin.store.db import transaction
from tests.challenges.test_closed_status_words import egg_dose_given_in_clinic
from tests.challenges.test_services import NO_SYMPTOMS, egg_plan_at_first_dose
from tests.safety.test_attacks import login_page

HIVES_WORDS = "Stopped at step 1, before its dose, because of hives (safety check)"


def _page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(client.get(url).text)


def test_a_safety_stop_is_said_in_words_on_every_page(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    plan = egg_plan_at_first_dose(engine, people.clinician, people.owner_pid)
    cid = int(plan["id"])
    with transaction(engine) as s:
        assert ch.take_dose(s, people.owner, cid, plan["doses"][0]["id"], {**NO_SYMPTOMS, "hives": True})["stopped"]
    with transaction(engine) as s:
        (step,) = ch.today_steps(s, people.owner, people.owner_pid)
        stored = s.get(ch.FoodChallenge, cid).stop_reason
    assert stored == "safety check: hives"  # what the FHIR export and the verdict read is kept
    assert step["text"] == "This egg challenge was stopped at step 1, before its dose, because of hives (safety check)."

    login_page(client, "owner@example.org")
    mine = _page(client, "/challenges")
    assert "stopped at step 1, before its dose, because of hives (safety check)" in mine
    assert "safety check: hives" not in mine

    login_page(client, "linked@clinic.example.org")
    detail = _page(client, f"/clinic/challenges/{cid}")
    assert f'<td id="stop-reason">{HIVES_WORDS} · ' in detail and "safety check: hives" not in detail
    listing = _page(client, f"/clinic/patients/{people.owner_pid}/challenges")
    assert f'<span class="stop-words">{HIVES_WORDS}</span>' in listing
    alerts = _page(client, "/clinic/challenges")
    assert f'<small class="stop-words">{HIVES_WORDS}</small>' in alerts and "safety check: hives" not in alerts


def test_a_stop_by_the_patient_and_one_in_clinic(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    doc, cid = egg_dose_given_in_clinic(client, engine, people.owner_pid)
    r = client.post(f"/api/v1/challenges/{cid}/supervised-outcome", headers=doc,
                    json={"immediate_outcome": "stopped", "stop_reason": "the child was too upset to go on"})
    assert r.status_code == 200
    login_page(client, "linked@clinic.example.org")
    alerts = _page(client, "/clinic/challenges")
    assert ("The egg challenge was stopped in clinic at step 1 (reason given: the child was too upset to go on). "
            "Review it and record the outcome") in alerts, alerts

    with transaction(engine) as s:  # the same patient's next food, stopped by the patient before its first step
        milk = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.milk", kind="home", released_for_home=True, baseline_days=7,
            doses=[ch.DoseStep(0, "5 ml milk")]))
        ch.stop_challenge(s, people.owner, int(milk["id"]), "stopped by the patient")
    alerts = _page(client, "/clinic/challenges")
    assert "The milk challenge was stopped by the patient before the first step. Review it" in alerts
    listing = _page(client, f"/clinic/patients/{people.owner_pid}/challenges")
    assert '<span class="stop-words">Stopped by the patient before the first step</span>' in listing
    assert '<span class="stop-words">Stopped in clinic at step 1 (reason given: the child was too upset to go on)</span>' in listing
