"""Other people's ids outside the path (2026-12-06): query strings, JSON bodies, form fields.

``test_authz_matrix`` puts patient A's ids in the *path* and checks every persona. A stranger can
also name A's objects where the matrix does not look: ``?patient=`` / ``?patient_id=`` on every
route that takes one, a ``dose_id`` in a safety check's body or form, the ``to`` of an appointment
request, the ``patient`` field of a diary import or of a challenge form, a CSV's ``patient``
column. Here stranger B (and a clinician nobody shares with, C) send each of them with A's ids --
A's own profile and A's child -- on routes whose path names B's own objects, so only the foreign
reference can reach A. For every call:

- nothing of A's changes: every row of A's profiles (diary, challenges and their doses and alerts,
  appointments and recipients, invites, consents, caregivers, samples, questionnaires, factor
  values) and A's audit rows are the same after the call (a read of A's data would be audited);
- no answer carries A's data: A's diary note, A's and the child's names, A's address;
- no answer is a 5xx; a query ``patient`` / ``patient_id`` naming A is a 404 (403 for a wrong role);
- the answer does not tell that A's object exists: the same call with an id that names nothing
  gets the same status, the same body and the same length (no ETag on either).

The routes that take an id in the query are found from the app's route table (every query
parameter named ``patient``, ``patient_id``, ``linked`` or ``*_id``); the ones that read an id
from a form by hand are found by reading the page modules' source (``form.get("…_id")``,
``form_id(…)``, ``form.get("patient")``) and must each have a case here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from gutskin.clinic import accounts, appointments, challenges as ch, diary, microbiome, sharing
from gutskin.clinic.errors import ClinicError
from gutskin.settings import Settings
from gutskin.store.db import get_engine, transaction
from gutskin.store import models as m
from gutskin.web.idguard import MAX_ID
from tests.conftest import TEST_SECRET, People
from tests.safety.matrix_setup import PROFILE, build_world, patient_rows
from tests.safety.test_authz_matrix import ROWS

TODAY = dt.date.today()
NOTE = "A-private-note-7731"
A_NAME = "Ottoline Quarrington"
CHILD_NAME = "Zebedee Quarrington"
ID_QUERY = re.compile(r"^(patient|patient_id|linked|\w+_id)$")
PAGES = Path(__file__).resolve().parents[2] / "src" / "gutskin" / "web" / "pages"


# ------------------------------------------------------------------------------------ the world


def _world(db_url: str):  # type: ignore[no-untyped-def]
    """The matrix's world (A with a child, A's challenge, alert, request, sample, invite, consent)
    plus B's own objects: B is linked to clinician D and has a home challenge, a request, a sample
    and an unused invite; A's names and a diary note are distinctive, to be looked for in answers."""
    settings = Settings(database_url=db_url, secret_key=TEST_SECRET, env="test")
    engine = get_engine(db_url)
    people = People(engine)
    world = build_world(engine, people, settings, with_child=True)
    b: dict[str, Any] = {}
    with transaction(engine) as s:
        d = accounts.actor_for(accounts.create_user(s, "other@clinic.example.org", people.password, "clinician", "Dr Other"))
        sharing.accept_invite(s, d, sharing.create_invite(s, people.stranger, people.stranger_pid)["code"])
        plan = ch.create_plan(s, d, people.stranger_pid, ch.PlanInput(
            food="food.wheat", kind="home", released_for_home=True, start=TODAY, baseline_days=7,
            doses=[ch.DoseStep(0, "1 slice"), ch.DoseStep(2, "2 slices")]))
        b["challenge_id"], b["dose_id"] = plan["id"], plan["doses"][0]["id"]
        b["request_id"] = appointments.request_appointment(s, people.stranger, people.stranger_pid, "B's flare")["id"]
        b["sample_pk"] = microbiome.upload_sample(s, people.stranger, people.stranger_pid, "gut.tsv", PROFILE)["id"]
        b["invite_id"] = sharing.create_invite(s, people.stranger, people.stranger_pid)["id"]
        b["consent_id"] = s.scalar(select(m.Consent.id).where(m.Consent.patient_id == people.stranger_pid))
        b["patient_id"] = people.stranger_pid
        b["day"] = (TODAY - dt.timedelta(days=2)).isoformat()
        diary.put_day(s, people.owner, people.owner_pid, TODAY - dt.timedelta(days=1), diary.DayInput(itch=5, notes=NOTE))
        s.get(m.Patient, people.owner_pid).display_name = A_NAME
        s.get(m.User, people.owner.user_id).display_name = A_NAME
        s.get(m.Patient, world.ids["child_id"]).display_name = CHILD_NAME
        a_ext = s.get(m.Patient, people.owner_pid).external_id
        child_ext = s.get(m.Patient, world.ids["child_id"]).external_id
        # ids that name nothing: a profile made and deleted (so the id is in range and was real)
        gone = accounts.add_child_profile(s, people.owner, "Gone", 2019).id
    with transaction(engine) as s:
        s.delete(s.get(m.Patient, gone))
    with transaction(engine) as s:
        a_challenges = list(s.scalars(select(m.FoodChallenge.id).where(m.FoodChallenge.patient_id == people.owner_pid)))
    world.ids.update({"a_ext": a_ext, "child_ext": child_ext, "gone": gone, "a_challenges": a_challenges})
    with transaction(engine) as s:  # the child's co-caregiver (the matrix world's helper) signed in too
        world.sign_in(s, settings, "helper", s.scalar(select(m.User).where(m.User.email == "helper@example.org")))
    world.engine = engine  # type: ignore[attr-defined]
    return settings, engine, people, world, b


def _a_snapshot(engine, people, world, persona: str = "patient_b") -> dict[str, list]:  # type: ignore[no-untyped-def]
    """Every row of A's two profiles, their challenges' rows and their audit rows (of the one the
    persona may not reach: the linked clinician reads A's record, the co-caregiver the child's)."""
    pids = [people.owner_pid, world.ids["child_id"]]
    pids = pids[1:] if persona == "clinician_linked" else pids[:1] if persona == "helper" else pids
    return patient_rows(engine, pids)


# ------------------------------------------------------------------------------------ the calls


def _query_routes() -> list[tuple[str, str, str]]:
    """(method, path, query parameter) of every route taking an id-like query parameter."""
    from gutskin.web import create_app

    app = create_app(Settings(database_url="sqlite://", secret_key=TEST_SECRET, env="test"))
    out = set()
    for route in app.routes:  # FastAPI >= 0.160 nests included routers (as gutskin.web.routes)
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else (
            [route] if isinstance(route, APIRoute) else [])
        for ctx in contexts:
            for param in ctx.dependant.query_params:
                if ID_QUERY.match(param.name):
                    out.update((meth, ctx.path, param.name) for meth in (ctx.methods or ()) if meth != "HEAD")
    return sorted(out)


QUERY_ROUTES = _query_routes()

# routes whose own path must name an object of B's (or of nobody's: A's object would be the matrix's case)
B_PATH = {"challenge_id": "challenge_id", "dose_id": "dose_id", "request_id": "request_id", "sample_pk": "sample_pk",
          "invite_id": "invite_id", "consent_id": "consent_id", "patient_id": "patient_id", "day": "day"}


def _path(path: str, world, b: dict[str, Any]) -> str:  # type: ignore[no-untyped-def]
    ids = {"instrument": "poem", "job": world.ids["job"], **b,
           # B has no child: a caregiver row or code of B's does not exist; these name the world's ids
           "caregiver_id": world.ids["caregiver_id"], "alert_id": world.ids["alert_id"]}
    return re.sub(r"{(\w+)}", lambda mm: str(ids[mm.group(1)]), path)


def _persona_for(path: str) -> str:
    return "clinician_unlinked" if path.startswith(("/clinic", "/api/v1/clinician", "/api/v1/challenges/",
                                                    "/api/v1/patients/")) else "patient_b"


def _send(app, world, persona: str, method: str, url: str, **kwargs):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, follow_redirects=False) as c:
        headers = dict(kwargs.pop("headers", {}))
        if url.startswith("/api/"):
            headers.update(world.tokens[persona])
        else:
            c.cookies.set("gutskin_session", world.cookies[persona])
        return c.request(method, url, headers=headers, **kwargs)


def _body(world, persona: str, method: str, path: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    row = ROWS.get((method, path))
    body = row.body(world, persona) if row is not None and row.body is not None else {}
    if method in ("POST", "PUT", "DELETE") and not path.startswith("/api/") and "data" not in body:
        body["data"] = {"csrf_token": world.csrf[persona]}
    return body


#: who attacks which of A's profiles, and what of A's they must not see (the linked clinician reads
#: A's record but not A's child's; the child's co-caregiver keeps the child's diary, with A's name
#: as the parent, but not A's own record)
ATTACKERS = {"patient_b": ("owner", "child"), "clinician_unlinked": ("owner", "child"),
             "clinician_linked": ("child",), "helper": ("owner",)}


def _leaks(text: str, people, world, persona: str = "patient_b") -> list[str]:  # type: ignore[no-untyped-def]
    if persona == "clinician_linked":
        markers = [CHILD_NAME, world.ids["child_ext"]]
    elif persona == "helper":
        markers = [NOTE, world.ids["a_ext"]]
    else:
        markers = [NOTE, A_NAME, CHILD_NAME, "owner@example.org", world.ids["a_ext"], world.ids["child_ext"]]
    return [mk for mk in markers if mk in text]


def _same_answer(r1, r2, swaps: list[tuple[Any, Any]] = ()) -> list[str]:  # type: ignore[no-untyped-def,assignment]
    """Differences between the answer for A's id and for an id naming nothing. The caller's own
    ids may be said back ("Request 7: not found") where they differ (``swaps``: A's value, the
    other); CSRF tokens and the signed notes in a redirect differ per request."""
    def norm(resp) -> str:  # type: ignore[no-untyped-def]
        text = re.sub(r'(csrf[-_]token"?\s*(value|content)?=?")[^"]+', r"\1", resp.text + "\n" + resp.headers.get("location", ""))
        return re.sub(r"(error|done|saved)=[^&\"\s]+", r"\1=", text)

    def same(t1: str, t2: str) -> bool:
        p1, p2 = re.split(r"(\d+)", t1), re.split(r"(\d+)", t2)
        if len(p1) != len(p2):
            return False
        allowed = {(str(x), str(y)) for x, y in swaps}
        return all(x == y or (i % 2 == 1 and (x, y) in allowed) for i, (x, y) in enumerate(zip(p1, p2)))

    out = []
    if r1.status_code != r2.status_code:
        out.append(f"status {r1.status_code} for A's id, {r2.status_code} for an unknown one")
    elif not same(norm(r1), norm(r2)):
        import difflib

        diff = [d for d in difflib.unified_diff(norm(r1).splitlines(), norm(r2).splitlines(), lineterm="", n=0)
                if d[:1] in "+-" and d[:3] not in ("+++", "---")]
        out.append(f"bodies differ: {diff[:6]}")
    if "etag" in r1.headers or "etag" in r2.headers:
        out.append("an ETag on a refused answer")
    return out


# --------------------------------------------------------------------------------------- tests


def test_the_walk_finds_the_routes_it_guards() -> None:
    found = {(mm, p, q) for mm, p, q in QUERY_ROUTES}
    assert ("GET", "/api/v1/me/diary", "patient_id") in found
    assert ("POST", "/today", "patient") in found
    assert ("GET", "/insights/panel", "patient") in found
    assert ("GET", "/clinic", "linked") in found
    assert len(found) > 40


def test_every_id_read_from_a_form_by_hand_has_a_case() -> None:
    """A page that reads an id from its form itself (not as a FastAPI parameter) is invisible to
    the route walk: each such field must be in FORM_CASES (by route) or fail here."""
    read = set()
    for src in PAGES.glob("*.py"):
        text = src.read_text()
        read.update(re.findall(r"""form\.get\(\s*["'](patient|\w+_id|to)["']""", text))
        read.update(re.findall(r"""form_id\([^,]+,\s*["'](\w+)["']\)""", text))
    covered = {field for _, _, _, field, _ in FORM_CASES}
    assert read, "the source walk found nothing: the pattern is stale"
    assert read <= covered, f"id fields read from forms without a case here: {sorted(read - covered)}"


def test_a_strangers_query_id_of_a_is_not_honoured(db_url: str) -> None:
    """Every route with an id in its query string, each attacker, each of A's profiles they may
    not reach (one world for all: every call here is refused, nothing changes)."""
    from gutskin.web import create_app

    settings, engine, people, world, b = _world(db_url)
    app = create_app(settings)
    failures: list[str] = []
    for route in QUERY_ROUTES:
        failures += _query_route(route, app, engine, people, world, b)
    assert not failures, "\n".join(failures)


def _query_route(route, app, engine, people, world, b) -> list[str]:  # type: ignore[no-untyped-def]
    method, path, param = route
    failures = []
    for persona, targets in ATTACKERS.items():
        if persona == "helper" and re.search(r"{(?!day|instrument)\w+}", path):
            continue  # the path names B's objects: 404 whatever the query says
        for target in targets:
            a_id = people.owner_pid if target == "owner" else world.ids["child_id"]
            base = _path(path, world, b)
            # the row's body first: some rows set the world up in it (grown_child: A's child turns 18),
            # which is not the attacker's doing
            body = _body(world, persona, method, path)
            before = _a_snapshot(engine, people, world, persona)
            r = _send(app, world, persona, method, f"{base}{'&' if '?' in base else '?'}{param}={a_id}", **body)
            after = _a_snapshot(engine, people, world, persona)
            where = f"{persona} {method} {path}?{param}=<{target}>"
            if r.status_code >= 500:
                failures.append(f"{where}: {r.status_code}")
            if before != after:
                changed = [t for t in before if before[t] != after[t]]
                failures.append(f"{where}: A's rows changed ({', '.join(changed)}), answer {r.status_code}")
            if leaks := _leaks(r.text, people, world, persona):
                failures.append(f"{where}: the answer ({r.status_code}) carries A's {leaks}")
            if param in ("patient", "patient_id") and r.status_code not in (403, 404):
                failures.append(f"{where}: answered {r.status_code}, not 404")
            # the same call naming nobody: the answer must not tell A's id from an unknown one
            r2 = _send(app, world, persona, method, f"{base}{'&' if '?' in base else '?'}{param}={world.ids['gone']}",
                       **_body(world, persona, method, path))
            failures += [f"{where}: {d}" for d in _same_answer(r, r2, [(a_id, world.ids['gone'])])]
    return failures


# (method, path, persona, field, how to put A's id there) -- ids outside the path read from bodies and forms
def _a_dose(world, b, persona) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"data": {"csrf_token": world.csrf[persona], "dose_id": str(world.ids["dose_id"])}}


FORM_CASES: list[tuple[str, str, str, str, Any]] = [
    # a safety check on B's own challenge naming A's dose (page form and API body)
    ("POST", "/challenges/{challenge_id}/safety", "patient_b", "dose_id",
     lambda w, b, p, v: {"data": {"csrf_token": w.csrf[p], "dose_id": str(v("dose"))}}),
    ("POST", "/api/v1/me/challenges/{challenge_id}/safety", "patient_b", "dose_id",
     lambda w, b, p, v: {"json": {"symptoms": [], "dose_id": v("dose")}}),
    # the challenge forms' ``patient`` field (where the page goes back to) naming A or A's child
    ("POST", "/challenges/{challenge_id}/safety", "patient_b", "patient",
     lambda w, b, p, v: {"data": {"csrf_token": w.csrf[p], "patient": str(v("patient"))}}),
    ("POST", "/challenges/{challenge_id}/dose/{dose_id}", "patient_b", "patient",
     lambda w, b, p, v: {"data": {"csrf_token": w.csrf[p], "patient": str(v("patient"))}}),
    ("POST", "/challenges/{challenge_id}/adherence", "patient_b", "patient",
     lambda w, b, p, v: {"data": {"csrf_token": w.csrf[p], "followed": "yes", "patient": str(v("patient"))}}),
    ("POST", "/challenges/{challenge_id}/stop", "patient_b", "patient",
     lambda w, b, p, v: {"data": {"csrf_token": w.csrf[p], "reason": "x", "patient": str(v("patient"))}}),
    # an appointment request "to" A's consent (page form and API body)
    ("POST", "/appointments", "patient_b", "to",
     lambda w, b, p, v: {"data": {"csrf_token": w.csrf[p], "reason": "itch", "to": str(v("consent"))}}),
    ("POST", "/api/v1/me/appointments", "patient_b", "to",
     lambda w, b, p, v: {"json": {"reason": "itch", "to": [v("consent")]}}),
    # a diary import into A's profile (form field) and a CSV whose ``patient`` column names A
    ("POST", "/data/import", "patient_b", "patient",
     lambda w, b, p, v: {"data": {"csrf_token": w.csrf[p], "patient": str(v("patient"))},
                         "files": {"file": ("d.csv", b"patient,date,itch\nx,2019-03-01,4\n", "text/csv")}}),
    ("POST", "/data/import", "helper", "patient",
     lambda w, b, p, v: {"data": {"csrf_token": w.csrf[p], "patient": str(v("patient"))},
                         "files": {"file": ("d.csv", b"patient,date,itch\nx,2019-03-01,4\n", "text/csv")}}),
    ("POST", "/data/import", "patient_b", "csv patient",
     lambda w, b, p, v: {"data": {"csrf_token": w.csrf[p]},
                         "files": {"file": ("d.csv", f"patient,date,itch\n{v('ext')},{v('date')},4\n".encode(), "text/csv")}}),
    ("POST", "/api/v1/me/diary/import", "patient_b", "csv patient",
     lambda w, b, p, v: {"content": f"patient,date,itch\n{v('ext')},{v('date2')},4\n".encode()}),
]


def test_a_strangers_body_id_of_a_is_not_honoured(db_url: str) -> None:
    """Every case of FORM_CASES in one world (B's own objects may change: B's calls on them are
    allowed; A's must not)."""
    from gutskin.web import create_app

    settings, engine, people, world, b = _world(db_url)
    app = create_app(settings)
    failures: list[str] = []
    for case in FORM_CASES:
        failures += _body_case(case, app, engine, people, world, b)
    assert not failures, "\n".join(failures)


def _body_case(case, app, engine, people, world, b) -> list[str]:  # type: ignore[no-untyped-def]
    method, path, persona, field, make = case
    failures = []
    for target in ("A",) if persona == "helper" else ("A", "child"):
        def v(kind: str, target: str = target) -> Any:
            if kind == "patient":
                return people.owner_pid if target == "A" else world.ids["child_id"]
            if kind == "ext":
                return world.ids["a_ext"] if target == "A" else world.ids["child_ext"]
            if kind in ("date", "date2"):  # a day B has not imported yet (each import adds one)
                return ("2019-03-0" if kind == "date" else "2019-05-0") + ("1" if target == "A" else "2")
            return {"dose": world.ids["dose_id"], "consent": world.ids["consent_id"]}[kind]

        def unknown(kind: str, target: str = target) -> Any:
            if kind in ("date", "date2"):
                return ("2019-04-0" if kind == "date" else "2019-06-0") + ("1" if target == "A" else "2")
            return {"patient": world.ids["gone"], "ext": "p-nobody", "dose": MAX_ID, "consent": MAX_ID}[kind]

        before = _a_snapshot(engine, people, world, persona)
        r = _send(app, world, persona, method, _path(path, world, b), **make(world, b, persona, v))
        after = _a_snapshot(engine, people, world, persona)
        where = f"{persona} {method} {path} {field}=<{target}>"
        if r.status_code >= 500:
            failures.append(f"{where}: {r.status_code}")
        if before != after:
            changed = [t for t in before if before[t] != after[t]]
            failures.append(f"{where}: A's rows changed ({', '.join(changed)}), answer {r.status_code}")
        if leaks := _leaks(r.text + r.headers.get("location", ""), people, world, persona):
            failures.append(f"{where}: the answer ({r.status_code}) carries A's {leaks}")
        if (loc := r.headers.get("location")) and str(v("patient")) in loc and field == "patient":
            failures.append(f"{where}: the answer sends B to A's profile ({loc})")
        # the same call naming nobody: a refusal must not tell A's id from an unknown one
        r2 = _send(app, world, persona, method, _path(path, world, b), **make(world, b, persona, unknown))
        if r.status_code >= 400 or r2.status_code >= 400:
            swaps = [(v(k), unknown(k)) for k in ("patient", "dose", "consent")]
            failures += [f"{where}: {d}" for d in _same_answer(r, r2, swaps)]
    return failures


# ------------------------------------------------------- a refusal does not tell what exists

PATH_ID = re.compile(r"{(\w+_id|sample_pk|job)}")
PATH_ROUTES = sorted(k for k in ROWS if PATH_ID.search(k[1]))


def test_a_refusal_is_the_same_for_As_object_and_for_none(db_url: str) -> None:
    """The matrix checks that B gets 404 for A's object in the path; here the 404 (or 403) must
    also be the one an id naming nothing gets: same status and the same body (so the same length),
    but for the id itself where the answer says it back. Every matrix route with an object id in
    its path, as B and as a clinician nobody shares with."""
    from gutskin.web import create_app

    settings, engine, people, world, b = _world(db_url)
    app = create_app(settings)
    failures: list[str] = []
    for route in PATH_ROUTES:
        failures += _path_route(route, app, engine, people, world, b)
    assert not failures, "\n".join(failures)


def _path_route(route, app, engine, people, world, b) -> list[str]:  # type: ignore[no-untyped-def]
    method, path = route
    row = ROWS[route]
    a_ids = {"instrument": "poem", **world.ids, **(row.ids(world) if row.ids else {})}
    failures = []
    for persona in ("patient_b", "clinician_unlinked"):
        a_url = re.sub(r"{(\w+)}", lambda mm: str(a_ids[mm.group(1)]), path + row.query)
        none_url = re.sub(r"{(\w+)}", lambda mm: str(MAX_ID - 7 if PATH_ID.fullmatch(mm.group(0)) else a_ids[mm.group(1)]),
                          path + row.query)
        before = _a_snapshot(engine, people, world)
        r1 = _send(app, world, persona, method, a_url, **_body(world, persona, method, path))
        after = _a_snapshot(engine, people, world)
        if r1.status_code < 400:
            continue  # allowed for this persona (B redeeming a code, leaving ...): the matrix's case
        r2 = _send(app, world, persona, method, none_url, **_body(world, persona, method, path))
        if before != after:
            failures.append(f"{persona} {method} {a_url}: refused, but A's rows changed")
        swaps = [(a_ids[k], MAX_ID - 7) for k in PATH_ID.findall(path)]
        failures += [f"{persona} {method} {path}: {d}" for d in _same_answer(r1, r2, swaps)]
    return failures


# ---------------------------------------------------------------- return addresses off the site

OFF_SITE = "evil.example"
RETURN_PARAMS = {"next": f"https://{OFF_SITE}/x", "return_to": f"//{OFF_SITE}/x", "redirect": f"https:{OFF_SITE}",
                 "url": f"/\\{OFF_SITE}", "continue": f"https://{OFF_SITE}", "back": f"//{OFF_SITE}"}
SPOOF_HEADERS = {"Referer": f"https://{OFF_SITE}/page", "X-Forwarded-Host": OFF_SITE, "Origin": f"https://{OFF_SITE}"}
#: calls that end the persona's session or account (walked elsewhere); the rest run in one world
ENDS_THE_SESSION = {("POST", "/data/delete"), ("POST", "/api/v1/me/delete"), ("POST", "/account/password"),
                    ("POST", "/api/v1/me/password"), ("POST", "/account/sign-out-everywhere"),
                    ("POST", "/api/v1/me/sign-out-everywhere"), ("POST", "/logout"),
                    ("POST", "/profiles/{patient_id}/delete")}


def test_no_answer_sends_anyone_off_the_site(db_url: str) -> None:
    """No route takes a return address: every route of the matrix, called by A, B and A's
    clinician with ``next=`` / ``return_to=`` / ``redirect=`` ... naming another site in the query
    and (forms) in the body, and a Referer / X-Forwarded-Host / Origin of that site, answers with
    no Location, HX-Redirect or HX-Location leaving the site and no link or refresh to it."""
    from gutskin.web import create_app
    from urllib.parse import urlencode

    settings, engine, people, world, b = _world(db_url)
    app = create_app(settings)
    failures = []
    routes = sorted(ROWS, key=lambda r: (r[0] != "GET", r[1]))
    for method, path in routes:
        if (method, path) in ENDS_THE_SESSION:
            continue
        row = ROWS[(method, path)]
        ids = {"instrument": "poem", **world.ids, **(row.ids(world) if row.ids else {})}
        url = re.sub(r"{(\w+)}", lambda mm: str(ids[mm.group(1)]), path + row.query)
        url += ("&" if "?" in url else "?") + urlencode(RETURN_PARAMS)
        for persona in ("patient_a", "patient_b", "clinician_linked"):
            try:
                kwargs = _body(world, persona, method, path)
            except ClinicError:  # the row's set-up is done already (B redeemed the child's code before)
                continue
            if isinstance(kwargs.get("data"), dict):
                kwargs["data"] = {**RETURN_PARAMS, **kwargs["data"]}
            r = _send(app, world, persona, method, url, headers=SPOOF_HEADERS, **kwargs)
            for name in ("location", "hx-redirect", "hx-location"):
                where = r.headers.get(name)
                if where is not None and (OFF_SITE in where or not where.startswith("/") or where.startswith(("//", "/\\"))):
                    failures.append(f"{persona} {method} {path}: {name}: {where}")
            if r.status_code < 500 and re.search(rf'(href|action|src|content)="[^"]*{re.escape(OFF_SITE)}', r.text):
                failures.append(f"{persona} {method} {path}: the page links to {OFF_SITE}")
            if r.status_code >= 500:
                failures.append(f"{persona} {method} {path}: {r.status_code}")
    assert not failures, "\n".join(failures)
