"""Objective signs at a supervised dose are an immediate reaction (found walking the clinician's
journey, 2026-12-06): the clinician ticked hives and lip swelling at step 2 of a peanut challenge;
the challenge stayed "active (reintroduction)", the page offered step 3 with its larger amount
prefilled, "Negative (go on to home observation)" was accepted, and the diary verdict could read
"no reaction". Now no further dose is recorded, the outcome is positive or stopped, the page says
why, and the verdict is "reaction likely"."""

from __future__ import annotations

import html
import re

from tests.challenges.test_services import shift_back
from tests.conftest import bearer, earlier_today
from tests.safety.test_attacks import login_page

PLAN = {"food": "food.peanut", "kind": "supervised", "released_for_home": False, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "100 mg peanut protein"}, {"day_offset": 0, "amount": "300 mg peanut protein"},
                  {"day_offset": 0, "amount": "1000 mg peanut protein"}]}


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_objective_signs_stop_further_doses_and_a_negative_outcome(client, people, engine) -> None:
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    shift_back(engine, cid, 7)  # the baseline week is over: the clinic day is today
    login_page(client, "linked@clinic.example.org")
    url = f"/clinic/challenges/{cid}"
    first, second = earlier_today(hours=2), earlier_today(hours=1)

    def post(path: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
        return client.post(url + path, data={**data, "csrf_token": _csrf(client.get(url).text)}, follow_redirects=False)

    r = post("/supervised-dose", {"step": "1", "given_at": first.strftime("%Y-%m-%dT%H:%M"), "zone": "UTC",
                                  "amount": "100 mg peanut protein", "symptoms": ""})
    assert r.status_code == 303 and "error=" not in r.headers["location"]
    r = post("/supervised-dose", {"step": "2", "given_at": second.strftime("%Y-%m-%dT%H:%M"), "zone": "UTC",
                                  "amount": "300 mg peanut protein", "symptoms": "urticaria on the neck, lip swelling",
                                  "symptom": ["hives", "swelling"]})
    assert r.status_code == 303 and "error=" not in r.headers["location"]

    page = html.unescape(client.get(url).text)
    assert ("Objective signs recorded at step 2 (hives; swelling of the lips, face, tongue or throat): "
            "give no further dose.") in page
    form = re.search(r'(?s)<form[^>]*id="supervised-dose-form">(.*?)</form>', page).group(1)  # type: ignore[union-attr]
    assert "1000 mg peanut protein" not in form and 'name="step" min="1" max="20" value="2"' in form  # a correction only
    outcome = re.search(r'(?s)<form[^>]*id="supervised-outcome-form">(.*?)</form>', page).group(1)  # type: ignore[union-attr]
    assert 'value="negative"' not in outcome and 'value="positive"' in outcome
    row = re.search(r'(?s)<tr class="dose-taken"><td>2</td>.*?</tr>', page).group(0)  # type: ignore[union-attr]
    assert "<td>given</td>" in row and "objective signs: Hives (raised, itchy welts) anywhere on the body" in row

    # the larger dose is refused, on the page and through the API
    r = post("/supervised-dose", {"step": "3", "given_at": second.strftime("%Y-%m-%dT%H:%M"), "zone": "UTC",
                                  "amount": "1000 mg peanut protein", "symptoms": ""})
    assert r.status_code == 303 and "error=" in r.headers["location"]
    shown = html.unescape(client.get(r.headers["location"]).text)
    assert "Step: objective signs were recorded at step 2 (hives; swelling of the lips, face, tongue or throat); give no further dose" in shown
    api = client.post(f"/api/v1/challenges/{cid}/supervised-doses", headers=doc, json={
        "step": 3, "given_at": second.astimezone().isoformat(), "amount": "1000 mg peanut protein", "symptoms": ""})
    assert api.status_code == 422 and api.json()["detail"].startswith("step: objective signs were recorded at step 2")
    got = client.get(f"/api/v1/challenges/{cid}", headers=doc).json()
    assert [(d["step"], d["status"]) for d in got["doses"]] == [(1, "taken"), (2, "taken"), (3, "planned")]

    # the clinician is told, on the panel and on Challenges, until the outcome is recorded
    assert "1 food challenge due for your review" in client.get("/clinic").text
    listed = html.unescape(client.get("/clinic/challenges").text)
    assert ("Objective signs were recorded at step 2 (hives; swelling of the lips, face, tongue or throat) of the "
            "peanut challenge: record its immediate outcome.") in listed

    # the patient is not told that the next step is given in clinic today
    owner = bearer(client, "owner@example.org")
    step = next(t for t in client.get("/api/v1/me/challenges", headers=owner).json()["today"] if t["challenge_id"] == cid)
    assert step["action"] != "clinic" and "1000 mg" not in step["text"] and step["next_text"] is None, step

    # no outcome yet: the diary verdict is decided by the signs
    v = client.post(f"/api/v1/challenges/{cid}/evaluate", headers=doc).json()
    assert v["verdict"] == "reaction_likely" and "immediate reaction: objective signs at step 2 (hives;" in " ".join(v["reasons"])

    # "negative" and "incomplete" are refused; positive stops the challenge
    for refused in ("negative", "incomplete"):
        bad = client.post(f"/api/v1/challenges/{cid}/supervised-outcome", headers=doc,
                          json={"immediate_outcome": refused, "notes": "fine"})
        assert bad.status_code == 422 and bad.json()["detail"].startswith(
            "immediate_outcome: objective signs were recorded at step 2")
    assert client.get(f"/api/v1/challenges/{cid}", headers=doc).json()["immediate_outcome"] is None
    ok = client.post(f"/api/v1/challenges/{cid}/supervised-outcome", headers=doc,
                     json={"immediate_outcome": "positive", "stop_reason": "urticaria and lip angioedema after 300 mg"})
    assert ok.status_code == 200 and ok.json()["status"] == "stopped"
    assert [d["status"] for d in ok.json()["doses"]] == ["taken", "taken", "skipped"]
    assert "Objective signs were recorded" not in client.get("/clinic/challenges").text


def test_a_sign_ticked_by_mistake_is_corrected_on_the_same_step(client, people, engine) -> None:
    """Recording the same step again without the sign is a correction: then doses go on, and a
    negative outcome is taken (clinical judgement stays with the clinician)."""
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    shift_back(engine, cid, 7)
    given = earlier_today(hours=1).astimezone().isoformat()
    dose = {"step": 1, "given_at": given, "amount": "100 mg peanut protein", "symptoms": ""}
    assert client.post(f"/api/v1/challenges/{cid}/supervised-doses", json={**dose, "reactions": ["hives"]},
                       headers=doc).status_code == 201
    assert client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=doc).status_code == 201
    nxt = client.post(f"/api/v1/challenges/{cid}/supervised-doses", headers=doc,
                      json={**dose, "step": 2, "amount": "300 mg peanut protein"})
    assert nxt.status_code == 201
    out = client.post(f"/api/v1/challenges/{cid}/supervised-outcome", headers=doc,
                      json={"immediate_outcome": "negative", "notes": "no objective signs"})
    assert out.status_code == 200 and out.json()["immediate_outcome"] == "negative"
