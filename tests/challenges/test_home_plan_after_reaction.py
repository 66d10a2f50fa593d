"""A home reintroduction could be planned for a food the minute a challenge of it stopped for an
immediate reaction (the patient's safety check, or a positive supervised dose), before the clinician
recorded its outcome: only a confirmed allergy record blocked home plans (found walking the
clinician's journey, 2026-12-06). Until the outcome is recorded, only a supervised challenge may test
the food again; once it is recorded (here refuted, with a note), the rules of that record apply."""

from __future__ import annotations

from tests.challenges.test_services import shift_back
from tests.conftest import bearer, earlier_today

HOME = {"food": "food.egg", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1/4 cooked egg"}, {"day_offset": 3, "amount": "1/2 cooked egg"}]}
SUPERVISED = {**HOME, "kind": "supervised", "released_for_home": False,
              "doses": [{"day_offset": 0, "amount": "0.5 g egg protein"}]}
REFUSED = "kind: this patient's egg challenge stopped for an immediate reaction and its outcome is not recorded yet"


def test_no_home_plan_after_a_safety_stop_until_the_outcome_is_recorded(client, people, engine) -> None:
    doc = bearer(client, "linked@clinic.example.org")
    owner = bearer(client, "owner@example.org")
    url = f"/api/v1/patients/{people.owner_pid}/challenges"
    cid = client.post(url, json=HOME, headers=doc).json()["id"]
    r = client.post(f"/api/v1/me/challenges/{cid}/safety", json={"symptoms": ["swelling"]}, headers=owner)
    assert r.status_code == 200 and r.json()["stopped"] is True
    again = client.post(url, json=HOME, headers=doc)
    assert again.status_code == 422 and again.json()["detail"].startswith(REFUSED), again.text
    sup = client.post(url, json=SUPERVISED, headers=doc)
    assert sup.status_code == 201, sup.text
    assert client.post(f"/api/v1/challenges/{sup.json()['id']}/stop", json={"reason": "replanned"},
                       headers=doc).status_code == 200
    # the stop reviewed: refuted (an override of nothing decided: a note is required) -> home allowed again
    assert client.post(f"/api/v1/challenges/{cid}/outcome", headers=doc,
                       json={"outcome": "refuted", "note": "lip swelling was from a lip balm"}).status_code == 200
    assert client.post(url, json=HOME, headers=doc).status_code == 201


def test_no_home_plan_after_a_positive_supervised_dose(client, people, engine) -> None:
    doc = bearer(client, "linked@clinic.example.org")
    url = f"/api/v1/patients/{people.owner_pid}/challenges"
    cid = client.post(url, json=SUPERVISED, headers=doc).json()["id"]
    shift_back(engine, cid, 7)
    dose = {"step": 1, "given_at": earlier_today(hours=1).astimezone().isoformat(), "amount": "0.5 g egg protein",
            "symptoms": "", "reactions": ["hives"]}
    assert client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=doc).status_code == 201
    assert client.post(f"/api/v1/challenges/{cid}/supervised-outcome", headers=doc,
                       json={"immediate_outcome": "positive", "stop_reason": "hives after 0.5 g"}).status_code == 200
    again = client.post(url, json=HOME, headers=doc)
    assert again.status_code == 422 and again.json()["detail"].startswith(REFUSED), again.text
