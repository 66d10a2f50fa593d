"""Every read and write of health data leaves an audit row naming actor, patient and action
(fourth security review).

The authorization matrix (``test_authz_matrix.py``) counts one row per allowed call where its row
has ``audit=`` and, since this review, checks that the rows name the persona's account and
address and a known action. Two gaps remained:

* a matrix row without ``audit=`` says nothing: a new route could read health data unrecorded
  and every test would pass. ``test_every_route_is_audited_or_says_why`` makes each route either
  audited (matrix or a scenario below) or listed in :data:`NO_HEALTH_DATA` with the reason;
* the food-challenge writes of the matrix's world are refused by clinic rules (a dose not due
  today, a plan without clinic doses...), so their audit rows were never seen through HTTP.
  :data:`SCENARIOS` puts a challenge in the state where each of them succeeds and checks the rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gutskin.clinic import challenges as ch
from gutskin.settings import Settings
from gutskin.store.db import get_engine, transaction
from gutskin.store.models import AuditEvent, Patient
from tests.challenges.test_services import log_baseline_in, shift_back_in
from tests.conftest import TEST_SECRET, People, earlier_today
from tests.safety.matrix_setup import build_world
from tests.safety.test_authz_matrix import ACTIONS, ROWS, app_routes

#: routes that read or write no health data, and why (everything else must be audited)
NO_HEALTH_DATA: dict[tuple[str, str], str] = {
    ("GET", "/"): "landing page or a redirect to the person's home page",
    ("GET", "/healthz"): "liveness",
    ("GET", "/openapi.json"): "the API's schema",
    ("GET", "/login"): "form", ("POST", "/login"): "sign-in (login_attempts, no patient)",
    ("GET", "/register"): "form", ("POST", "/register"): "a new account (its own profile's 'create' row is written)",
    ("POST", "/logout"): "ends the session",
    ("POST", "/api/v1/auth/register"): "a new account (its own profile's 'create' row is written)",
    ("POST", "/api/v1/auth/token"): "sign-in",
    ("GET", "/account"): "the account's address and the password form",
    ("POST", "/account/password"): "the password (the operator's reset is audited per profile)",
    ("POST", "/account/sign-out-everywhere"): "ends sessions and tokens",
    ("GET", "/api/v1/me"): "the account and the names of its own profiles",
    ("GET", "/api/v1/me/caregiving"): "the names of the children the account helps keep (its own grants, as "
                                      "/api/v1/me's profile list)",
    ("POST", "/api/v1/me/password"): "the password",
    ("POST", "/api/v1/me/sign-out-everywhere"): "ends sessions and tokens",
    ("GET", "/api/v1/auth/tokens"): "the account's own API tokens (app labels and times), as /account lists them",
    ("GET", "/data"): "the export links and the names of the account's own profiles",
    ("GET", "/insights"): "an empty page; its panel (/insights/panel) is what reads, and is audited",
    ("GET", "/questionnaire/{instrument}"): "an empty questionnaire form",
    ("GET", "/clinic/simulator"): "the simulator's form: simulated patients only",
    ("POST", "/clinic/simulator"): "a simulation of made-up patients (audited as 'run', no patient)",
    ("GET", "/clinic/simulator/{job}"): "a simulation's result: made-up patients",
}

TODAY = dt.date.today()
SAFE = {k: False for k in ch.SAFETY_SYMPTOMS}


def _plan(**kw: Any) -> ch.PlanInput:
    base: dict[str, Any] = dict(food="food.egg", kind="home", released_for_home=True, start=TODAY, baseline_days=7,
                                doses=[ch.DoseStep(0, "1/4 cooked egg"), ch.DoseStep(4, "1/2 cooked egg")])
    base.update(kw)
    return ch.PlanInput(**base)


def home_running(s, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A home challenge whose first dose is due today."""
    out = ch.create_plan(s, people.clinician, people.owner_pid, _plan())
    shift_back_in(s, out["id"], 7)
    log_baseline_in(s, out["id"])  # the first step waits for 7 logged baseline days (2026-12-07)
    return {"challenge_id": out["id"], "dose_id": out["doses"][0]["id"]}


def home_dosed(s, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """:func:`home_running` with its first dose taken: a challenge with something to evaluate (a plan
    before its first dose is refused evaluation since 2026-12-07)."""
    ids = home_running(s, people)
    ch.take_dose(s, people.owner, ids["challenge_id"], ids["dose_id"], SAFE)
    return ids


def home_new(s, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"challenge_id": ch.create_plan(s, people.clinician, people.owner_pid, _plan())["id"]}


def with_elimination(s, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"challenge_id": ch.create_plan(s, people.clinician, people.owner_pid,
                                           _plan(elimination_days=14, elimination_max_days=21))["id"]}


def supervised(s, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    out = ch.create_plan(s, people.clinician, people.owner_pid, _plan(
        kind="supervised", released_for_home=False, doses=[ch.DoseStep(0, "3 mg protein"), ch.DoseStep(0, "30 mg")]))
    shift_back_in(s, out["id"], 7)
    return {"challenge_id": out["id"]}


def stopped_with_alert(s, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    ids = home_new(s, people)
    ch.safety_check(s, people.owner, ids["challenge_id"], ["hives"])
    s.flush()
    alerts = ch.clinician_alerts(s, people.clinician)
    return {**ids, "alert_id": next(a["id"] for group in alerts.values() for a in group)}


def nothing(s, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {}


def a_child(s, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from gutskin.clinic import accounts

    return {"patient_id": accounts.add_child_profile(s, people.owner, "Mia", 2019).id}


def booking_cancelled_by_revocation(s, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A time the linked clinician booked, cancelled by the patient's revocation (the notice's case)."""
    from gutskin.clinic import appointments, sharing
    from gutskin.store.models import Consent

    rid = appointments.request_appointment(s, people.owner, people.owner_pid, "Flare on the hands")["id"]
    appointments.respond(s, people.clinician, int(rid), "accept", dt.datetime.utcnow() + dt.timedelta(days=3))
    for cid in s.scalars(select(Consent.id).where(Consent.patient_id == people.owner_pid, Consent.revoked_at.is_(None),
                                                  Consent.clinician_user_id == people.clinician.user_id)).all():
        sharing.revoke(s, people.owner, people.owner_pid, cid)
    return {}


#: a clinic dose's time, worked out when the scenario runs (``_body``): as a constant computed at import,
#: a run that crossed midnight sent yesterday's time for a plan made today (CI, 2026-12-07 00:38)
GIVEN_AT = "<given_at: 30 minutes ago>"


def _body(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with :data:`GIVEN_AT` replaced by 30 minutes ago, with its offset (a bare time is ambiguous)."""
    now = earlier_today(minutes=30).astimezone().isoformat(timespec="minutes")
    return {k: (now if v == GIVEN_AT else v) for k, v in body.items()}


@dataclass
class Scenario:
    persona: str
    setup: Callable[..., dict[str, Any]]
    actions: list[tuple[str, str]]  # (action, object_type) expected for patient A (or the new child)
    body: dict[str, Any] = field(default_factory=dict)  # json for the API, form fields for pages
    patient: str = "A"  # "child": the rows are for a profile the call creates; "given": the setup's patient_id


SCENARIOS: dict[tuple[str, str], list[Scenario]] = {
    ("PUT", "/api/v1/me/challenges/{challenge_id}/adherence/{day}"): [
        Scenario("patient_a", home_new, [("update", "challenge_adherence")], {"followed": True})],
    ("POST", "/challenges/{challenge_id}/adherence"): [
        Scenario("patient_a", home_new, [("update", "challenge_adherence")], {"followed": "yes"})],
    ("POST", "/api/v1/me/challenges/{challenge_id}/doses/{dose_id}"): [
        Scenario("patient_a", home_running, [("take", "challenge_dose")], {"safety": SAFE})],
    ("POST", "/challenges/{challenge_id}/dose/{dose_id}"): [
        Scenario("patient_a", home_running, [("take", "challenge_dose")], {"checked": "1"})],
    ("POST", "/api/v1/me/challenges/{challenge_id}/safety"): [
        Scenario("patient_a", home_running, [("check", "food_challenge")], {"symptoms": []})],
    ("POST", "/challenges/{challenge_id}/safety"): [
        Scenario("patient_a", home_running, [("check", "food_challenge")])],
    ("POST", "/api/v1/challenges/{challenge_id}/supervised-doses"): [
        Scenario("clinician_linked", supervised, [("record", "challenge_dose")],
                 {"step": 1, "given_at": GIVEN_AT, "amount": "3 mg protein"})],
    ("POST", "/clinic/challenges/{challenge_id}/supervised-dose"): [
        Scenario("clinician_linked", supervised, [("record", "challenge_dose")],
                 {"step": "1", "given_at": GIVEN_AT, "amount": "3 mg protein"})],
    ("POST", "/api/v1/challenges/{challenge_id}/supervised-outcome"): [
        Scenario("clinician_linked", supervised, [("record", "challenge_outcome")], {"immediate_outcome": "negative"})],
    ("POST", "/clinic/challenges/{challenge_id}/supervised-outcome"): [
        Scenario("clinician_linked", supervised, [("record", "challenge_outcome")], {"immediate_outcome": "negative"})],
    ("POST", "/api/v1/challenges/{challenge_id}/extend-elimination"): [
        Scenario("clinician_linked", with_elimination, [("extend", "food_challenge")], {"extra_days": 3})],
    ("POST", "/clinic/challenges/{challenge_id}/extend"): [
        Scenario("clinician_linked", with_elimination, [("extend", "food_challenge")], {"extra_days": "3"})],
    # the first step held for a short baseline (2026-12-07): lengthen it, or let the step start
    ("POST", "/api/v1/challenges/{challenge_id}/extend-baseline"): [
        Scenario("clinician_linked", home_running, [("extend", "food_challenge")], {"extra_days": 3})],
    ("POST", "/clinic/challenges/{challenge_id}/extend-baseline"): [
        Scenario("clinician_linked", home_running, [("extend", "food_challenge")], {"baseline_extra_days": "3"})],
    ("POST", "/api/v1/challenges/{challenge_id}/start-first-step"): [
        Scenario("clinician_linked", home_running, [("record", "food_challenge")], {})],
    ("POST", "/clinic/challenges/{challenge_id}/start-first-step"): [
        Scenario("clinician_linked", home_running, [("record", "food_challenge")], {})],
    ("POST", "/api/v1/challenges/{challenge_id}/outcome"): [
        Scenario("clinician_linked", home_running, [("confirm", "food_challenge"), ("create", "allergy_record")],
                 {"outcome": "confirmed", "note": "hives after the first dose in clinic"})],
    ("POST", "/clinic/challenges/{challenge_id}/outcome"): [
        Scenario("clinician_linked", home_running, [("confirm", "food_challenge"), ("create", "allergy_record")],
                 {"outcome": "confirmed", "note": "hives after the first dose in clinic"})],
    ("POST", "/api/v1/challenges/{challenge_id}/evaluate"): [
        Scenario("patient_a", home_dosed, [("evaluate", "food_challenge")]),
        Scenario("clinician_linked", home_dosed, [("evaluate", "food_challenge")])],
    ("POST", "/clinic/challenges/{challenge_id}/evaluate"): [
        Scenario("clinician_linked", home_dosed, [("evaluate", "food_challenge")])],
    ("POST", "/api/v1/challenges/{challenge_id}/stop"): [
        Scenario("patient_a", home_new, [("stop", "food_challenge")], {"reason": "holiday"}),
        Scenario("clinician_linked", home_new, [("stop", "food_challenge")], {"reason": "holiday"})],
    ("POST", "/challenges/{challenge_id}/stop"): [
        Scenario("patient_a", home_new, [("stop", "food_challenge")], {"reason": "holiday"})],
    ("POST", "/clinic/challenges/{challenge_id}/stop"): [
        Scenario("clinician_linked", home_new, [("stop", "food_challenge")], {"reason": "holiday"})],
    ("GET", "/api/v1/clinician/challenge-alerts"): [
        Scenario("clinician_linked", stopped_with_alert, [("read", "challenge_alert")])],
    ("GET", "/clinic/challenges"): [
        Scenario("clinician_linked", stopped_with_alert, [("read", "challenge_alert")])],
    ("POST", "/api/v1/clinician/challenge-alerts/{alert_id}/acknowledge"): [
        Scenario("clinician_linked", stopped_with_alert, [("acknowledge", "challenge_alert")])],
    ("POST", "/clinic/challenges/{challenge_id}/alerts/{alert_id}/ack"): [
        Scenario("clinician_linked", stopped_with_alert, [("acknowledge", "challenge_alert")])],
    ("POST", "/clinic/patients/{patient_id}/challenges"): [
        Scenario("clinician_linked", nothing, [("create", "food_challenge")],
                 {"food": "food.wheat", "released_for_home": "1", "baseline_days": "7", "doses": "0: 1 slice"})],
    ("GET", "/api/v1/clinician/appointments/cancelled-by-ended-sharing"): [
        Scenario("clinician_linked", booking_cancelled_by_revocation, [("read", "appointment")])],
    ("POST", "/api/v1/me/children"): [
        Scenario("patient_a", nothing, [("create", "patient")], {"display_name": "Mia"}, patient="child")],
    ("POST", "/profiles/child"): [
        Scenario("patient_a", nothing, [("create", "patient")], {"display_name": "Mia"}, patient="child")],
    ("POST", "/api/v1/me/delete"): [
        Scenario("patient_a", nothing, [("delete", "patient")], {"password": People.password})],
    ("POST", "/data/delete"): [
        Scenario("patient_a", nothing, [("delete", "patient")], {"password": People.password})],
    ("POST", "/profiles/{patient_id}/delete"): [
        Scenario("patient_a", a_child, [("delete", "patient")], {"password": People.password}, patient="given")],
}


def test_every_route_is_audited_or_says_why() -> None:
    routes = app_routes()
    audited = {r for r, row in ROWS.items() if row.audit}
    unaccounted = sorted(routes - audited - SCENARIOS.keys() - NO_HEALTH_DATA.keys())
    assert not unaccounted, ("routes whose audit rows nothing checks (add audit= to the matrix row, a scenario here, "
                             f"or a reason in NO_HEALTH_DATA): {unaccounted}")
    stale = sorted((SCENARIOS.keys() | NO_HEALTH_DATA.keys()) - routes)
    assert not stale, f"entries for routes that no longer exist: {stale}"
    both = sorted(NO_HEALTH_DATA.keys() & (audited | SCENARIOS.keys()))
    assert not both, f"said to hold no health data, yet audited: {both}"


@pytest.mark.parametrize("route, i", [(r, i) for r in sorted(SCENARIOS) for i in range(len(SCENARIOS[r]))],
                         ids=lambda v: f"{v[0]} {v[1]}" if isinstance(v, tuple) else str(v))
def test_a_successful_write_or_read_leaves_rows_naming_actor_patient_action(route: tuple[str, str], i: int,
                                                                             sqlite_url: str) -> None:
    from gutskin.web import create_app

    method, path = route
    sc = SCENARIOS[route][i]
    settings = Settings(database_url=sqlite_url, secret_key=TEST_SECRET, env="test")
    engine = get_engine(sqlite_url)
    people = People(engine)
    world = build_world(engine, people, settings, with_challenge=False)
    with transaction(engine) as s:
        ids = {"patient_id": people.owner_pid, "day": TODAY.isoformat(), **sc.setup(s, people)}
    with transaction(engine) as s:
        last = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        if path.startswith("/api/"):
            kwargs: dict[str, Any] = {"headers": world.tokens[sc.persona]}
            if method != "GET":
                kwargs["json"] = _body(sc.body)
        else:
            client.cookies.set("gutskin_session", world.cookies[sc.persona])
            kwargs = {} if method == "GET" else {"data": {**_body(sc.body), "csrf_token": world.csrf[sc.persona]}}
        resp = client.request(method, url, **kwargs)
    location = resp.headers.get("location", "")
    assert resp.status_code < 400 and "error=" not in location and location != "/login", (resp.status_code, location,
                                                                                          resp.text[:300])
    actor = world.actor(sc.persona)
    with transaction(engine) as s:
        rows = s.execute(select(AuditEvent.actor_user_id, AuditEvent.actor_label, AuditEvent.patient_id,
                                AuditEvent.action, AuditEvent.object_type).where(AuditEvent.id > last)).all()
        if sc.patient == "given":
            pid = ids["patient_id"]
        elif sc.patient == "child":
            pid = s.scalar(select(Patient.id).where(Patient.owner_user_id == people.owner.user_id,
                                                    Patient.relationship == "child"))
        else:
            pid = people.owner_pid
    assert sorted((a, o) for _, _, p, a, o in rows if p == pid) == sorted(sc.actions), rows
    # a patient's own account deletion leaves its rows naming deleted-account-<id>, not the address
    # (docs/security.md, "What deletion keeps"; tests/safety/test_deleted_account_pseudonyms.py)
    gone = path in ("/api/v1/me/delete", "/data/delete") and actor.role == "patient"
    for uid, label, _, action, _ in rows:
        assert (uid, label) == (actor.user_id, f"deleted-account-{actor.user_id}" if gone else actor.label), rows
        assert action in ACTIONS, rows
    assert all(p == pid for _, _, p, _, _ in rows), f"rows for another patient than the one acted on: {rows}"
