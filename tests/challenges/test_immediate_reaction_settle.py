"""A challenge stopped for an immediate reaction in clinic is "reaction likely" whatever the diary
says; its page still listed what would settle the diary's own verdict, "log 7 more food-free
baseline day(s) before the first dose", after the doses were given and the challenge had stopped
(found walking the clinician's journey). The page now says the immediate reaction decided it and
what the diary alone reads; an undecided diary verdict keeps its list."""

from __future__ import annotations

import html

from tests.challenges.test_services import shift_back
from tests.conftest import bearer, earlier_today
from tests.safety.test_attacks import login_page

PLAN = {"food": "food.egg", "kind": "supervised", "released_for_home": False, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "3 mg protein"}, {"day_offset": 0, "amount": "30 mg protein"}]}


def test_an_immediate_reaction_does_not_ask_for_baseline_days(client, people, engine) -> None:
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    login_page(client, "linked@clinic.example.org")
    r = client.post(f"/api/v1/challenges/{cid}/evaluate", headers=doc)
    assert r.status_code == 422  # no dose given yet: nothing to evaluate (2026-12-07)
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    assert 'id="no-verdict"' in page and 'id="late-verdict"' not in page
    shift_back(engine, cid, 7)  # the baseline week is over: the clinic day is today
    given = earlier_today(hours=1).astimezone().isoformat()
    dose = {"step": 1, "given_at": given, "amount": "3 mg protein", "symptoms": "hives on the chin", "reactions": ["hives"]}
    assert client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=doc).status_code == 201
    out = client.post(f"/api/v1/challenges/{cid}/supervised-outcome",
                      json={"immediate_outcome": "positive", "stop_reason": "hives after 3 mg"}, headers=doc)
    assert out.status_code == 200
    v = client.post(f"/api/v1/challenges/{cid}/evaluate", headers=doc).json()
    assert v["verdict"] == "reaction_likely" and v["late_verdict"] == "inconclusive" and v["settle"]
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    assert "What would settle it:" not in page and "food-free baseline day(s) before the first dose" not in page
    assert "Decided by the immediate reaction; the diary alone (late reactions) reads: inconclusive." in page


def test_the_list_of_challenges_says_the_verdict_in_words(client, people, engine) -> None:
    """The clinician's list of a patient's challenges printed the verdict's code, "reaction_likely", where the
    challenge page says "reaction likely"."""
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    shift_back(engine, cid, 7)
    given = earlier_today(hours=1).astimezone().isoformat()
    dose = {"step": 1, "given_at": given, "amount": "3 mg protein", "symptoms": "", "reactions": ["hives"]}
    assert client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=doc).status_code == 201
    assert client.post(f"/api/v1/challenges/{cid}/supervised-outcome", json={"immediate_outcome": "positive",
                       "stop_reason": "hives"}, headers=doc).status_code == 200
    assert client.post(f"/api/v1/challenges/{cid}/evaluate", headers=doc).json()["verdict"] == "reaction_likely"
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{people.owner_pid}/challenges").text
    assert '<td class="verdict">reaction likely</td>' in page and "reaction_likely" not in page
