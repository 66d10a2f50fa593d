"""People who kept a child's record and no longer do are strangers to it on every route (H6, 2026-12-07).

The authorization matrix walks six personas over every route; ``test_round4_revoked_clinician``
adds the clinician whose sharing was revoked. Nobody walked the two people a *handover* turns into
strangers: the parent who managed the child's profile and the co-caregiver who helped keep its
diary. Once the grown-up child has taken the profile over (``handover.redeem``), each of them,
still signed in with the session and the API token they had, calls every route of the app naming
the profile or one of its objects -- in the path, in ``?patient=`` / ``?patient_id=``, in the ids
the routes take (the child's diary day, appointment request, sample, clinician invite and sharing,
caregiver row and code, handover code, food challenge, dose and alert) -- and:

- the answer is 404 (403 only where the route is not for their role at all), never 2xx/3xx/409/422;
- nothing of the profile changes: every row keyed to it, its challenges' rows, its audit rows (a
  read would be audited);
- no answer carries the profile's diary note, its name or the young person's address;
- the refusal is the one an id naming nothing gets (same status).

The walk is generated from the app's route table: a route that names no profile and no object of
one (sign-in, the caller's own account, codes) must be listed in ``NO_RECORD_ID`` with a reason, so
a new route is either walked or fails ``test_every_route_is_walked_or_named``. Both databases.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from gutskin.clinic import appointments, challenges as ch, diary, handover, microbiome, sharing
from gutskin.clinic.errors import ClinicError
from gutskin.settings import Settings
from gutskin.store import models as m
from gutskin.store.db import transaction
from gutskin.web.idguard import MAX_ID
from tests.conftest import TEST_SECRET
from tests.safety.matrix_setup import PROFILE, patient_rows
from tests.safety.test_authz_matrix import ROWS, grown_child, matrix_world
from tests.safety.test_ids_outside_the_path import _send

NOTE = "Sam-private-note-5520"
CHILD_NAME = "Samwise Fenchurch"
GROWN_EMAIL = "samwise.grown@example.org"
KEEPERS = ("patient_a", "helper")  # the parent who managed the profile, the co-caregiver who helped keep it
PARENT_NOTE = "Parent-private-note-3391"
PROFILE_QUERY = ("patient", "patient_id")

#: routes that name no profile and no object of one: nothing of the child's to put in them
NO_RECORD_ID: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "public",
    ("GET", "/openapi.json"): "public",
    ("GET", "/login"): "public",
    ("GET", "/register"): "public",
    ("GET", "/"): "public",
    ("POST", "/login"): "sign-in",
    ("POST", "/register"): "registration",
    ("POST", "/logout"): "the caller's session",
    ("POST", "/api/v1/auth/register"): "registration",
    ("POST", "/api/v1/auth/token"): "sign-in",
    ("GET", "/api/v1/me"): "the caller's account",
    ("POST", "/api/v1/me/password"): "the caller's account",
    ("POST", "/api/v1/me/sign-out-everywhere"): "the caller's account",
    ("PUT", "/api/v1/me/name"): "the caller's account (its own profile's name too)",
    ("POST", "/api/v1/me/delete"): "the caller's account (walked in test_handover_attack_walk)",
    ("GET", "/api/v1/me/export.json"): "the caller's account's profiles",
    ("POST", "/api/v1/me/children"): "adds a profile",
    ("POST", "/api/v1/me/caregiving"): "a code, not an id (a used code: test_invite_codes_after_revocation)",
    ("POST", "/api/v1/me/handover"): "a code, not an id",
    ("GET", "/api/v1/me/caregiving"): "the caller's list (test_handover_attack_walk: the child is not on it)",
    ("GET", "/account"): "the caller's account",
    ("POST", "/account/password"): "the caller's account",
    ("POST", "/account/sign-out-everywhere"): "the caller's account",
    ("POST", "/account/name"): "the caller's account (its own profile's name too)",
    ("POST", "/account/tokens/revoke"): "one of the caller's own API tokens (another's: 404, test_api_tokens_one_by_one)",
    ("DELETE", "/api/v1/auth/token"): "the caller's own API token",
    ("GET", "/api/v1/auth/tokens"): "the caller's own API tokens",
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): "one of the caller's own API tokens (another's: 404, test_api_token_list)",
    ("GET", "/data"): "the caller's own profiles",
    ("GET", "/data/archive.json"): "the caller's account's profiles",
    ("POST", "/data/delete"): "the caller's account (walked in test_handover_attack_walk)",
    ("POST", "/profiles/child"): "adds a profile",
    ("GET", "/caregivers"): "the caller's children (handed_over_by says to whom, by design)",
    ("POST", "/caregivers/redeem"): "a code, not an id",
    ("POST", "/caregivers/handover/redeem"): "a code, not an id",
    ("GET", "/clinic/simulator"): "clinicians' simulations (no patient)",
    ("POST", "/clinic/simulator"): "clinicians' simulations (no patient)",
    ("GET", "/clinic/simulator/{job}"): "a clinician's own simulation (no patient)",
    ("GET", "/api/v1/clinician/patients"): "the clinician's own list",
    ("GET", "/api/v1/clinician/appointments"): "the clinician's own list",
    ("GET", "/api/v1/clinician/appointments/cancelled-by-ended-sharing"): "the clinician's own list",
    ("GET", "/api/v1/clinician/challenge-alerts"): "the clinician's own list",
    ("POST", "/api/v1/clinician/links"): "a code, not an id",
    ("POST", "/clinic/link"): "a code, not an id",
    ("GET", "/clinic"): "the clinician's own list",
    ("GET", "/clinic/appointments"): "the clinician's own list",
    ("GET", "/clinic/challenges"): "the clinician's own list",
}


def _app_routes() -> dict[tuple[str, str], set[str]]:
    """(method, path) -> the profile query parameters it takes (``patient`` / ``patient_id``)."""
    from gutskin.web import create_app
    from gutskin.web.routes import route_table

    app = create_app(Settings(database_url="sqlite://", secret_key=TEST_SECRET, env="test"))
    out: dict[tuple[str, str], set[str]] = {r: set() for r in route_table(app)}
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else (
            [route] if isinstance(route, APIRoute) else [])
        for ctx in contexts:
            names = {p.name for p in ctx.dependant.query_params} & set(PROFILE_QUERY)
            for meth in ctx.methods or ():
                if meth != "HEAD":
                    out.setdefault((meth, ctx.path), set()).update(names)
    return out


APP_ROUTES = _app_routes()
PATH_NAMES_OF_NO_RECORD = {"instrument", "job", "token_id"}  # token_id: an account's API token, no profile's
#: routes reading the profile from a form field by hand (not a FastAPI parameter): the field is set to the child
FORM_PROFILE = {("POST", "/data/import"): "patient"}


def _names_the_record(route: tuple[str, str]) -> bool:
    method, path = route
    return bool(APP_ROUTES[route] or route in FORM_PROFILE or set(re.findall(r"{(\w+)}", path)) - PATH_NAMES_OF_NO_RECORD - {"day"})


WALKED = sorted(r for r in APP_ROUTES if r not in NO_RECORD_ID)


def test_every_route_is_walked_or_named() -> None:
    """A route is walked here unless listed as naming no record; a listed route must really name
    none (no profile query, no object id in its path), and every walked one must name one."""
    stale = sorted(set(NO_RECORD_ID) - set(APP_ROUTES))
    assert not stale, f"NO_RECORD_ID rows for routes that no longer exist: {stale}"
    wrongly_listed = sorted(r for r in NO_RECORD_ID if _names_the_record(r) and r[1] != "/clinic/simulator/{job}")
    assert not wrongly_listed, f"listed as naming no record, but they take a profile or object id: {wrongly_listed}"
    unnamed = sorted(r for r in WALKED if not _names_the_record(r))
    assert not unnamed, (f"routes that name no profile or object of one: walk them here with an id, or list them "
                         f"in NO_RECORD_ID with the reason: {unnamed}")


# ------------------------------------------------------------------------------------ the world


def child_record(engine, people, child: int, today: dt.date, ids: dict[str, Any], *,  # type: ignore[no-untyped-def]
                 flare: str, note: str = NOTE, name: str = CHILD_NAME) -> None:
    """A's child's record for the walks of its former keepers (the handed-over child here, the removed
    co-caregiver in test_former_co_caregiver_walk): diary days with NOTE, a clinician sharing, an
    appointment request, a sample, clinician and handover codes, a food challenge with a dose and one
    with an alert; their ids go into ``ids``. ``note`` and ``name`` are the markers a leak check looks for."""
    with transaction(engine) as s:
        s.get(m.Patient, child).display_name = name
        for i in range(1, 15):
            diary.put_day(s, people.owner, child, today - dt.timedelta(days=i),
                          diary.DayInput(itch=2 + i % 5, notes=note if i == 1 else None))
        ids["day"] = (today - dt.timedelta(days=1)).isoformat()
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, child)["code"])
        ids["consent_id"] = s.scalar(select(m.Consent.id).where(m.Consent.patient_id == child))
        ids["request_id"] = appointments.request_appointment(s, people.owner, child, flare)["id"]
        ids["sample_pk"] = microbiome.upload_sample(s, people.owner, child, "gut.tsv", PROFILE)["id"]
        ids["invite_id"] = sharing.create_invite(s, people.owner, child)["id"]
        ids["handover_invite_id"] = handover.create_code(s, people.owner, child)["id"]
    with transaction(engine) as s:
        other = ch.create_plan(s, people.clinician, child, ch.PlanInput(
            food="food.milk", kind="home", released_for_home=True, start=today, baseline_days=7,
            doses=[ch.DoseStep(0, "50 ml")]))
        ch.safety_check(s, people.owner, other["id"], ["hives"])
        plan = ch.create_plan(s, people.clinician, child, ch.PlanInput(
            food="food.egg", kind="home", released_for_home=True, start=today, baseline_days=7, elimination_days=0,
            doses=[ch.DoseStep(0, "1/4 egg"), ch.DoseStep(2, "1/2 egg")]))
        ids["challenge_id"], ids["dose_id"] = plan["id"], plan["doses"][0]["id"]
    with transaction(engine) as s:
        ids["alert_id"] = s.scalar(select(m.ChallengeAlert.id).where(m.ChallengeAlert.challenge_id == other["id"]))
        assert ids["alert_id"] is not None


def _handed_over_world(db_url: str):  # type: ignore[no-untyped-def]
    """The matrix's world, where A's child (kept with the helper) has a record of its own -- diary
    days with a note, a clinician sharing, an appointment request, a sample, codes, a food challenge
    with an alert -- and is then handed over to the grown-up child's new account."""
    from gutskin.clinic import accounts

    settings, engine, people, world = matrix_world(db_url)
    child = world.ids["child_id"]
    grown_child(world)
    today = dt.date.today()
    ids: dict[str, Any] = {"patient_id": child, "child_id": child, "instrument": "poem", "job": world.ids["job"],
                           "caregiver_id": world.ids["caregiver_id"]}
    child_record(engine, people, child, today, ids, flare="Sam's flare")
    ids["caregiver_invite_id"] = world.ids["caregiver_invite_id"]
    with transaction(engine) as s:
        code = handover.create_code(s, people.owner, child)["code"]
        gone = accounts.add_child_profile(s, people.owner, "Gone", 2019).id
        world.sign_in(s, settings, "helper", s.scalar(select(m.User).where(m.User.email == "helper@example.org")))
    with transaction(engine) as s:
        s.delete(s.get(m.Patient, gone))
        grown = accounts.actor_for(accounts.register_patient(s, GROWN_EMAIL, people.password, "Samwise"))
    with transaction(engine) as s:
        assert handover.redeem(s, grown, code) == child
    with transaction(engine) as s:  # the young person signed in; the parent's own diary holds a note
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=1),
                      diary.DayInput(itch=4, notes=PARENT_NOTE))
        world.sign_in(s, settings, "grown", s.get(m.User, grown.user_id))
    ids["gone"] = gone
    return settings, engine, people, world, ids


def _snapshot(engine, pid: int) -> dict[str, list]:  # type: ignore[no-untyped-def]
    return patient_rows(engine, [pid])


def _url(route: tuple[str, str], ids: dict[str, Any]) -> str:
    method, path = route
    names = dict(ids)
    if "/caregiver-invites/" in path or "/caregivers/invites/" in path:
        names["invite_id"] = ids["caregiver_invite_id"]
    elif "handover" in path:
        names["invite_id"] = ids["handover_invite_id"]
    url = re.sub(r"{(\w+)}", lambda mm: str(names[mm.group(1)]), path)
    query = "&".join(f"{q}={ids['patient_id']}" for q in sorted(APP_ROUTES[route]))
    return url + ("?" + query if query else "")


def _body(world, persona: str, route: tuple[str, str], patient: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The matrix row's body; where its set-up acts on the child as the parent (refused now: the
    profile is not theirs), an empty form."""
    method, path = route
    row = ROWS.get(route)
    try:
        body = row.body(world, persona) if row is not None and row.body is not None else {}
    except ClinicError:
        body = {}
    if route in FORM_PROFILE:
        body["data"] = {**body.get("data", {}), FORM_PROFILE[route]: str(patient)}
    if method in ("POST", "PUT", "DELETE") and not path.startswith("/api/") and "data" not in body:
        body["data"] = {"csrf_token": world.csrf[persona]}
    return body


def _fake(ids: dict[str, Any]) -> dict[str, Any]:
    """The same names, each naming nothing (a profile made and deleted, an in-range id of no row)."""
    out = dict(ids)
    for k in ("patient_id", "child_id"):
        out[k] = ids["gone"]
    for k in ("consent_id", "request_id", "sample_pk", "invite_id", "caregiver_invite_id", "handover_invite_id",
              "challenge_id", "dose_id", "alert_id", "caregiver_id"):
        out[k] = MAX_ID - 7
    return out


def _leaks(resp, persona: str = "patient_a") -> list[str]:  # type: ignore[no-untyped-def]
    text = resp.text + resp.headers.get("location", "")
    markers = (PARENT_NOTE, "owner@example.org") if persona == "grown" else (NOTE, CHILD_NAME, GROWN_EMAIL, "Samwise")
    return [mk for mk in markers if mk in text]


def _parents_ids(world, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The parent's own profile and objects (the matrix world's), for the young person to name."""
    return {**world.ids, "instrument": "poem", "patient_id": people.owner_pid, "child_id": people.owner_pid,
            "caregiver_invite_id": world.ids["caregiver_invite_id"], "handover_invite_id": world.ids["invite_id"],
            "gone": world.ids["child_id"] - 1000}


@pytest.mark.parametrize("persona", (*KEEPERS, "grown"))
def test_after_the_handover_the_keepers_are_strangers_on_every_route(db_url: str, persona: str) -> None:
    """The parent and the co-caregiver naming the young person's record; and the other way round,
    the young person naming the parent's own profile and objects."""
    from gutskin.web import create_app

    settings, engine, people, world, ids = _handed_over_world(db_url)
    if persona == "grown":
        ids = {**_parents_ids(world, people), "gone": ids["gone"]}
    child = ids["patient_id"]  # the profile under attack: the young person's, or the parent's
    app = create_app(settings)
    failures: list[str] = []
    for route in sorted(WALKED, key=lambda r: (r[0] != "GET", r[1])):
        method, path = route
        role_refused = ROWS[route].expect["patient_a"] == 403 if route in ROWS else False
        before = _snapshot(engine, child)
        r = _send(app, world, persona, method, _url(route, ids), **_body(world, persona, route, child))
        after = _snapshot(engine, child)
        where = f"{persona} {method} {path}"
        if r.status_code != 404 and not (role_refused and r.status_code == 403):
            failures.append(f"{where}: {r.status_code}, not 404 {r.text[:160]!r}")
        if before != after:
            failures.append(f"{where}: the attacked profile's rows changed "
                            f"({', '.join(t for t in before if before[t] != after[t])}), answer {r.status_code}")
        if leaks := _leaks(r, persona):
            failures.append(f"{where}: the answer ({r.status_code}) carries {leaks}")
        r2 = _send(app, world, persona, method, _url(route, _fake(ids)), **_body(world, persona, route, ids["gone"]))
        if r2.status_code != r.status_code:
            failures.append(f"{where}: {r.status_code} for the young person's ids, {r2.status_code} for ids naming nothing")
    assert not failures, "\n".join(failures)


#: lists of the caller's own that may name the young person by design: the parent's Caregivers page
#: says to whom a profile was handed over and when (handover.handed_over_by)
SAYS_TO_WHOM = {("patient_a", ("GET", "/caregivers"))}


def test_after_the_handover_the_keepers_own_pages_carry_none_of_the_record(db_url: str) -> None:
    """The routes naming no record (the caller's account, lists, exports of their own profiles):
    after the handover nothing of the young person's record is in what the parent or the
    co-caregiver reads there (the parent's Caregivers page says to whom, by design)."""
    from gutskin.web import create_app

    settings, engine, people, world, ids = _handed_over_world(db_url)
    app = create_app(settings)
    failures = []
    for route in sorted(r for r in NO_RECORD_ID if r[0] == "GET"):
        for persona in KEEPERS:
            r = _send(app, world, persona, "GET", route[1].replace("{job}", str(ids["job"])))
            if r.status_code >= 500:
                failures.append(f"{persona} GET {route[1]}: {r.status_code}")
            if (persona, route) not in SAYS_TO_WHOM and (leaks := _leaks(r)):
                failures.append(f"{persona} GET {route[1]}: the answer ({r.status_code}) carries {leaks}")
    assert not failures, "\n".join(failures)
