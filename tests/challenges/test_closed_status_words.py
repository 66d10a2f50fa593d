"""A challenge whose outcome is recorded has the stored status "confirmed" whatever the outcome; the
clinician's challenge page printed it: a refuted egg allergy read "Status: confirmed (closed)", and
the immediate outcome ran into its notes ("negative Tolerated 3.5 g ...") (found walking the
clinician's journey, 2026-12-06)."""

from __future__ import annotations

import html
import re

from tests.challenges.test_services import shift_back
from tests.conftest import bearer, earlier_today
from tests.safety.test_attacks import login_page

PLAN = {"food": "food.egg", "kind": "supervised", "released_for_home": False, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "0.5 g egg protein"}]}


def _status(client, cid: int) -> str:  # type: ignore[no-untyped-def]
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    return re.search(r'<td id="challenge-status">(.*?)</td>', page).group(1)  # type: ignore[union-attr]


def egg_dose_given_in_clinic(client, engine, patient_id: int) -> tuple[dict[str, str], int]:  # type: ignore[no-untyped-def]
    """The linked clinician's token and a supervised egg challenge of ``patient_id`` whose one
    dose was given in clinic an hour ago, without symptoms (its baseline week moved into the past)."""
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{patient_id}/challenges", json=PLAN, headers=doc).json()["id"]
    shift_back(engine, cid, 7)
    dose = {"step": 1, "given_at": earlier_today(hours=1).astimezone().isoformat(), "amount": "0.5 g egg protein",
            "symptoms": ""}
    assert client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=doc).status_code == 201
    return doc, cid


def test_a_refuted_allergy_does_not_read_confirmed(client, people, engine) -> None:
    doc, cid = egg_dose_given_in_clinic(client, engine, people.owner_pid)
    assert client.post(f"/api/v1/challenges/{cid}/supervised-outcome", headers=doc, json={
        "immediate_outcome": "negative", "notes": "Tolerated 0.5 g, no objective signs."}).status_code == 200
    login_page(client, "linked@clinic.example.org")
    assert _status(client, cid) == "active (reintroduction)"
    page = html.unescape(client.get(f"/clinic/challenges/{cid}").text)
    assert '<td id="immediate-outcome">negative. Tolerated 0.5 g, no objective signs.</td>' in page

    r = client.post(f"/api/v1/challenges/{cid}/outcome", json={"outcome": "refuted"}, headers=doc)
    assert r.status_code == 200 and r.json()["status"] == "confirmed"  # the API's stored word is kept
    assert _status(client, cid) == "closed: outcome recorded (allergy refuted)"

    made = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json={**PLAN, "food": "food.wheat", "doses": [{"day_offset": 0, "amount": "1 g wheat protein"}]},
                       headers=doc)
    assert made.status_code == 201, made.text
    cid2 = made.json()["id"]
    assert client.post(f"/api/v1/challenges/{cid2}/outcome", headers=doc,
                       json={"outcome": "confirmed", "note": "reacted at the previous visit"}).status_code == 200
    assert _status(client, cid2) == "closed: outcome recorded (allergy confirmed)"
