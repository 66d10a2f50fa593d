"""An object's id under another object's URL (fourth security review).

A clinician linked to two patients may act on both, so an alert id of patient B's challenge
under patient A's challenge page passes every authorization check. Found by walking the routes
with ids of other objects of the same kind: ``POST /clinic/challenges/{A's}/alerts/{B's}/ack``
acknowledged B's safety stop (hives after a home dose) -- it left the clinician's alerts list --
while the page shown was A's. Now an alert of another challenge is "not found" and stays open.
The other pairs of the same shape are pinned here too (they were already refused).
"""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from gutskin.clinic import appointments, challenges as ch, microbiome, sharing
from gutskin.settings import Settings
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import ChallengeAlert, ChallengeDose, Consent
from tests.conftest import TEST_SECRET, People
from tests.safety.matrix_setup import PROFILE, build_world

TODAY = dt.date.today()


def _home_plan(food: str) -> ch.PlanInput:
    return ch.PlanInput(food=food, kind="home", released_for_home=True, start=TODAY, baseline_days=7,
                        doses=[ch.DoseStep(0, "a little")])


def _world(sqlite_url: str):  # type: ignore[no-untyped-def]
    """A and B both linked to the clinician; each has a challenge stopped by a safety sign (an alert),
    an appointment request, a microbiome sample and a consent."""
    settings = Settings(database_url=sqlite_url, secret_key=TEST_SECRET, env="test")
    engine = get_engine(sqlite_url)
    people = People(engine)
    world = build_world(engine, people, settings, with_challenge=False)
    ids: dict[str, dict[str, int]] = {"A": {}, "B": {}}
    with transaction(engine) as s:
        code = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
        sharing.accept_invite(s, people.clinician, code)
        for who, actor, pid, food in (("A", people.owner, people.owner_pid, "food.egg"),
                                      ("B", people.stranger, people.stranger_pid, "food.milk")):
            out = ch.create_plan(s, people.clinician, pid, _home_plan(food))
            ids[who]["challenge"] = out["id"]
            ids[who]["dose"] = out["doses"][0]["id"]
            ch.safety_check(s, actor, out["id"], ["hives"])
            ids[who]["appointment"] = appointments.request_appointment(s, actor, pid, "flare")["id"]
            ids[who]["sample"] = microbiome.upload_sample(s, actor, pid, "gut.tsv", PROFILE)["id"]
            ids[who]["consent"] = s.scalar(select(Consent.id).where(Consent.patient_id == pid))
        s.flush()
        for who in ("A", "B"):
            ids[who]["alert"] = s.scalar(select(ChallengeAlert.id).where(ChallengeAlert.challenge_id == ids[who]["challenge"]))
    return settings, engine, people, world, ids


def test_an_alert_of_another_patients_challenge_is_not_acknowledged_from_this_page(sqlite_url: str) -> None:
    from gutskin.web import create_app

    settings, engine, people, world, ids = _world(sqlite_url)
    with TestClient(create_app(settings), follow_redirects=False) as c:
        c.cookies.set("gutskin_session", world.cookies["clinician_linked"])
        csrf = world.csrf["clinician_linked"]
        r = c.post(f"/clinic/challenges/{ids['A']['challenge']}/alerts/{ids['B']['alert']}/ack", data={"csrf_token": csrf})
        assert r.status_code == 404, (r.status_code, r.headers.get("location"))
        with transaction(engine) as s:
            assert s.get(ChallengeAlert, ids["B"]["alert"]).acknowledged_at is None  # B's safety stop is still on the list
        listed = c.get("/clinic/challenges")
        assert listed.status_code == 200 and "Stranger" in listed.text
        # the alert's own page acknowledges it
        r = c.post(f"/clinic/challenges/{ids['B']['challenge']}/alerts/{ids['B']['alert']}/ack", data={"csrf_token": csrf})
        assert r.status_code == 303 and "error=" not in r.headers["location"]
    with transaction(engine) as s:
        assert s.get(ChallengeAlert, ids["B"]["alert"]).acknowledged_at is not None


def test_other_ids_of_the_same_kind_under_another_object_are_not_found(sqlite_url: str) -> None:
    from gutskin.web import create_app

    settings, engine, people, world, ids = _world(sqlite_url)
    a, b = ids["A"], ids["B"]
    with TestClient(create_app(settings), follow_redirects=False) as c:
        clin = {"gutskin_session": world.cookies["clinician_linked"]}
        owner = {"gutskin_session": world.cookies["patient_a"]}
        checks = [
            # B's sample under A's record (the clinician may read both)
            ("GET", f"/clinic/patients/{people.owner_pid}/microbiome/{b['sample']}", clin, None),
            # A's own pages with B's objects
            ("GET", f"/microbiome/{b['sample']}", owner, None),
            ("POST", f"/appointments/{b['appointment']}", owner, {"action": "withdraw", "csrf_token": world.csrf["patient_a"]}),
            ("POST", f"/sharing/revoke/{b['consent']}", owner, {"csrf_token": world.csrf["patient_a"]}),
            # B's dose under A's challenge
            ("POST", f"/challenges/{a['challenge']}/dose/{b['dose']}", owner,
             {"checked": "1", "csrf_token": world.csrf["patient_a"]}),
        ]
        for method, url, cookies, data in checks:
            c.cookies.clear()
            for k, v in cookies.items():
                c.cookies.set(k, v)
            r = c.request(method, url, data=data)
            assert r.status_code == 404, (method, url, r.status_code, r.headers.get("location"))
        api = {"Authorization": world.tokens["patient_a"]["Authorization"]}
        c.cookies.clear()
        r = c.post(f"/api/v1/me/challenges/{a['challenge']}/doses/{b['dose']}", headers=api,
                   json={"safety": {k: False for k in ch.SAFETY_SYMPTOMS}})
        assert r.status_code == 404, r.text
        assert c.delete(f"/api/v1/me/access/{b['consent']}", headers=api).status_code == 404
        assert c.post(f"/api/v1/me/appointments/{b['appointment']}", headers=api, json={"action": "withdraw"}).status_code == 404
    with transaction(engine) as s:
        assert s.get(ChallengeDose, b["dose"]).taken_at is None
        assert s.get(Consent, b["consent"]).revoked_at is None
