"""The challenge API: thin routes, same rules (owner, linked clinician, stranger 404, patient 403 on clinician actions)."""

from __future__ import annotations

import datetime as dt

from tests.conftest import bearer, earlier_today
from tests.challenges.test_services import log_baseline

TODAY = dt.date.today()
PLAN = {"food": "food.egg", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1/4 egg"}, {"day_offset": 3, "amount": "1 egg"}]}


def test_challenge_api_roles(client, people) -> None:  # type: ignore[no-untyped-def]
    owner = bearer(client, "owner@example.org")
    doc = bearer(client, "linked@clinic.example.org")
    other_doc = bearer(client, "unlinked@clinic.example.org")
    stranger = bearer(client, "stranger@example.org")
    pid = people.owner_pid
    url = f"/api/v1/patients/{pid}/challenges"
    assert client.post(url, json=PLAN, headers=owner).status_code == 403
    assert client.post(url, json=PLAN, headers=other_doc).status_code == 404
    assert client.post(url, json={**PLAN, "patient_id": 9}, headers=doc).status_code == 422  # no mass assignment
    bad = client.post(url, json={**PLAN, "released_for_home": False}, headers=doc)
    assert bad.status_code == 422 and "released_for_home" in bad.json()["detail"]
    r = client.post(url, json=PLAN, headers=doc)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert [c["id"] for c in client.get(url, headers=owner).json()] == [cid]
    assert client.get(url, headers=stranger).status_code == 404
    assert client.get(f"/api/v1/challenges/{cid}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/challenges/{cid}", headers=other_doc).status_code == 404
    mine = client.get("/api/v1/me/challenges", headers=owner).json()
    assert mine["today"][0]["action"] == "avoid" and set(mine["safety_questions"]) == {
        "hives", "swelling", "breathing", "vomiting", "faint"}
    assert mine["avoid"][0]["food"] == "food.egg"
    # adherence by the owner only
    put = client.put(f"/api/v1/me/challenges/{cid}/adherence/{TODAY.isoformat()}", json={"followed": True}, headers=owner)
    assert put.status_code == 200 and put.json()["followed"] is True
    assert client.put(f"/api/v1/me/challenges/{cid}/adherence/{TODAY.isoformat()}", json={"followed": True},
                      headers=stranger).status_code == 404
    # a patient cannot record the outcome; the clinician can
    assert client.post(f"/api/v1/challenges/{cid}/outcome", json={"outcome": "refuted"}, headers=owner).status_code == 403
    v = client.post(f"/api/v1/challenges/{cid}/evaluate", headers=doc)  # no dose taken: nothing to evaluate (2026-12-07)
    assert v.status_code == 422 and "no dose has been taken" in v.json()["detail"]
    out = client.post(f"/api/v1/challenges/{cid}/outcome", json={"outcome": "refuted", "note": "tolerated at home"},
                      headers=doc)
    assert out.status_code == 200 and out.json()["allergy_record"]["status"] == "refuted"
    recs = client.get(f"/api/v1/patients/{pid}/allergies", headers=owner).json()
    assert [(r["food"], r["status"], r["avoid"]) for r in recs] == [("food.egg", "refuted", False)]
    # a safety report on a closed challenge is refused; alerts are the clinician's
    assert client.post(f"/api/v1/me/challenges/{cid}/safety", json={"symptoms": ["hives"]}, headers=owner).status_code == 422
    assert client.get("/api/v1/clinician/challenge-alerts", headers=owner).status_code == 403
    assert client.get("/api/v1/clinician/challenge-alerts", headers=doc).json() == {"alerts": [], "due": [], "running": []}


def test_safety_stop_via_api_alerts_clinician(client, people) -> None:  # type: ignore[no-untyped-def]
    owner = bearer(client, "owner@example.org")
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    r = client.post(f"/api/v1/me/challenges/{cid}/safety", json={"symptoms": ["swelling"]}, headers=owner)
    assert r.status_code == 200 and r.json()["stopped"] is True and "emergency" in r.json()["guidance"]
    alerts = client.get("/api/v1/clinician/challenge-alerts", headers=doc).json()["alerts"]
    assert [(a["challenge_id"], a["symptoms"]) for a in alerts] == [(cid, ["swelling"])]
    ack = client.post(f"/api/v1/clinician/challenge-alerts/{alerts[0]['id']}/acknowledge", headers=doc)
    assert ack.status_code == 200 and ack.json()["acknowledged"]
    assert client.get(f"/api/v1/challenges/{cid}", headers=doc).json()["status"] == "stopped"


def test_supervised_challenge_via_api(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.challenges.test_services import shift_back

    owner = bearer(client, "owner@example.org")
    doc = bearer(client, "linked@clinic.example.org")
    body = {**PLAN, "kind": "supervised", "released_for_home": False, "elimination_days": 14,
            "elimination_max_days": 21, "doses": [{"day_offset": 0, "amount": "3 mg protein"},
                                                  {"day_offset": 0, "amount": "30 mg protein"}]}
    c = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=body, headers=doc).json()
    cid = c["id"]
    assert [d["setting"] for d in c["doses"]] == ["clinic", "clinic"]
    ext = client.post(f"/api/v1/challenges/{cid}/extend-elimination", json={"extra_days": 7}, headers=doc)
    assert ext.status_code == 200 and ext.json()["elimination_end"] == (TODAY + dt.timedelta(days=20)).isoformat()
    too_long = client.post(f"/api/v1/challenges/{cid}/extend-elimination", json={"extra_days": 1}, headers=doc)
    assert too_long.status_code == 422
    assert client.post(f"/api/v1/challenges/{cid}/extend-elimination", json={"extra_days": 1},
                       headers=owner).status_code == 403
    given = earlier_today(hours=1).astimezone().isoformat()  # this machine's wall time with its offset
    dose = {"step": 1, "given_at": given, "amount": "3 mg protein", "symptoms": "none"}
    early = client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=doc)
    assert early.status_code == 422 and early.json()["detail"].startswith("given_at: doses of this plan are given from")
    shift_back(engine, cid, 21 + 7)  # elimination (14 + 7) and baseline are over: the clinic day is today
    assert client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=owner).status_code == 403
    r = client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=doc)
    assert r.status_code == 201 and r.json()["taken_at"] == dt.datetime.fromisoformat(given).astimezone(dt.UTC).replace(
        tzinfo=None).isoformat(timespec="minutes") + "Z"  # stored in UTC, answered marked as UTC
    bad = client.post(f"/api/v1/challenges/{cid}/supervised-doses", json={**dose, "reactions": ["sneezing"]}, headers=doc)
    assert bad.status_code == 422
    out = client.post(f"/api/v1/challenges/{cid}/supervised-outcome",
                      json={"immediate_outcome": "positive", "stop_reason": "urticaria after 30 mg"}, headers=doc)
    assert out.status_code == 200 and out.json()["status"] == "stopped"
    v = client.post(f"/api/v1/challenges/{cid}/evaluate", headers=doc).json()
    assert v["verdict"] == "reaction_likely"
    rem = client.get(f"/api/v1/patients/{people.owner_pid}/challenge-reminders", headers=owner)
    assert rem.status_code == 200
    avoid = client.get(f"/api/v1/patients/{people.owner_pid}/avoid-list", headers=owner).json()
    assert [(a["food"], a["reason"][:17]) for a in avoid] == [("food.egg", "challenge stopped")]  # until reviewed
    conf = client.post(f"/api/v1/challenges/{cid}/outcome", json={"outcome": "confirmed"}, headers=doc)
    assert conf.status_code == 200
    assert [a["food"] for a in client.get(f"/api/v1/patients/{people.owner_pid}/avoid-list", headers=owner).json()] == [
        "food.egg"]


def test_home_dose_time_with_an_offset_is_stored_as_utc(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    """A client that sends its local time with an offset (a phone app) gets the same instant back in UTC."""
    from tests.challenges.test_services import shift_back

    owner = bearer(client, "owner@example.org")
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    shift_back(engine, cid, 7)  # the baseline week is over: the first dose is due today
    log_baseline(engine, cid)
    dose = client.get(f"/api/v1/challenges/{cid}", headers=owner).json()["doses"][0]
    utc = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    east = utc.astimezone(dt.timezone(dt.timedelta(hours=5))).isoformat()  # ahead of UTC: once refused as future
    safety = {k: False for k in ("hives", "swelling", "breathing", "vomiting", "faint")}
    r = client.post(f"/api/v1/me/challenges/{cid}/doses/{dose['id']}", json={"safety": safety, "taken_at": east},
                    headers=owner)
    assert r.status_code == 200, r.text
    got = client.get(f"/api/v1/challenges/{cid}", headers=owner).json()["doses"][0]
    assert got["taken_at"] == utc.replace(tzinfo=None).isoformat(timespec="minutes") + "Z"
    bad = client.post(f"/api/v1/me/challenges/{cid}/doses/{dose['id']}", json={"safety": safety, "taken_at": "yesterday"},
                      headers=owner)
    assert bad.status_code == 422 and "taken_at" in bad.json()["detail"]
