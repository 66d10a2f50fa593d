"""Ids outside the path, the rest of the way (h6, 2026-12-07).

``test_ids_outside_the_path`` sends A's ids in query strings and in the form fields its cases name;
``test_round4_revoked_clinician`` walks the matrix routes as a clinician whose sharing was revoked,
on SQLite, with A's ids in the path only. What neither reached, walked here on both databases in
one shared world each (every call is refused or acts on the caller's own profile only):

- every id-like field of a request body, found from the app's route table (a ``Form`` field or a
  JSON body model field named ``patient``, ``to``, ``*_id``, ``replace*``) and every id-like query
  parameter the query walk's pattern misses (``?replace=``) must have a case, here or in
  ``FORM_CASES``: a new one fails ``test_every_id_field_of_a_body_has_a_case``. Added: the send-on
  of an appointment request ``to`` A's sharing (page form and API), and a questionnaire's
  ``replace`` / ``replace_ok`` naming A's answer (patient B on their own profile; A's child's
  co-caregiver on the child's, naming the parent's own answer);
- a clinician whose sharing with A and with A's child was revoked (E, who had A's request and
  supervised A's challenge) calls every matrix route naming A's objects in the path, and every route
  taking ``?patient=`` / ``?patient_id=`` / ``?linked=`` / ``?*_id=`` with A's or the child's id: the
  answer is the never-linked clinician's, the same as for an id naming nothing, no row of A's
  changes, no audit row is written for A or the child, and E's own lists carry nothing of A's;
- the co-caregiver of A's child (a persona the matrix lacks), signed in, names A's *own* profile and
  its objects in the path of every matrix route: stranger B's answer, nothing changed or audited;
- a clinician, caregiver and handover code of A's child, used by the person it was for, entered
  again by a stranger (page and API, and each where another kind is redeemed): the answer a code
  never made gets, nothing written or audited on the record;
- an anonymous sign-in carrying ``next=`` / ``return_to=`` (query and form) lands on the site;
- a FHIR bundle whose Patient carries A's (or the child's) gutskin identifier, uploaded by B on B's
  own My data and by B's clinician on B's page: the preview answers as for an identifier naming
  nobody, the confirmed import goes into B's record, nothing of A's changes (the hospital-number
  side of this is ``test_fhir_identifier_oracle``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import func, select

from gutskin.clinic import accounts, appointments, questionnaires, sharing
from gutskin.clinic.errors import ClinicError
from gutskin.settings import Settings
from gutskin.store import models as m
from gutskin.store.db import transaction
from gutskin.web.idguard import MAX_ID
from tests.conftest import TEST_SECRET
from tests.safety import test_ids_outside_the_path as walk
from tests.safety.test_authz_matrix import ROWS, answer_passes

ID_FIELD = re.compile(r"^(patient|patient_id|to|id|\w+_id|replace\w*|linked)$")
#: id-like names that name no row: the lab's own name of a sample in an uploaded file
NOT_A_ROW_ID = {"sample_id": "the lab's name of the sample inside the uploaded file (kept per profile)"}
POEM = {"answers": [1] * 7}
REVOKED = "clinician_revoked"
E_EMAIL = "revoked@clinic.example.org"


# ------------------------------------------------------------------------- the fields to walk


def _body_id_fields() -> set[tuple[str, str, str]]:
    """(method, path, field) of every id-like Form field, JSON body field (nested models too) and
    query parameter outside the query walk's pattern, from the app's route table."""
    from gutskin.web import create_app

    app = create_app(Settings(database_url="sqlite://", secret_key=TEST_SECRET, env="test"))
    out: set[tuple[str, str, str]] = set()

    def model_fields(model: type[BaseModel], seen: set[type]) -> list[str]:
        names = []
        for name, f in model.model_fields.items():
            if ID_FIELD.match(name):
                names.append(name)
            for sub in (*getattr(f.annotation, "__args__", ()), f.annotation):
                if isinstance(sub, type) and issubclass(sub, BaseModel) and sub not in seen:
                    names += model_fields(sub, seen | {sub})
        return names

    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else (
            [route] if isinstance(route, APIRoute) else [])
        for ctx in contexts:
            fields: list[str] = []
            for p in ctx.dependant.body_params:
                t = p.field_info.annotation
                if isinstance(t, type) and issubclass(t, BaseModel):
                    fields += model_fields(t, {t})
                elif ID_FIELD.match(p.name):
                    fields.append(p.name)
            fields += [p.name for p in ctx.dependant.query_params
                       if ID_FIELD.match(p.name) and not walk.ID_QUERY.match(p.name)]
            out.update((meth, ctx.path, f) for f in fields if f not in NOT_A_ROW_ID
                       for meth in (ctx.methods or ()) if meth != "HEAD")
    return out


BODY_ID_FIELDS = _body_id_fields()


# ------------------------------------------------------------------------------------ the world


def _world(db_url: str):  # type: ignore[no-untyped-def]
    """``test_ids_outside_the_path``'s world, and: A has answered POEM today on A's own profile and on
    the child's (``a_answer``, ``child_answer``); clinician E was linked to A and to the child, had A's
    appointment request and supervised a challenge of A's, and both sharings were then revoked; E is
    still signed in (persona ``clinician_revoked``, their old session and token)."""
    from gutskin.clinic import challenges as ch

    settings, engine, people, world, b = walk._world(db_url)
    child = world.ids["child_id"]
    with transaction(engine) as s:
        world.ids["a_answer"] = questionnaires.submit(s, people.owner, people.owner_pid, "poem", POEM)["id"]
        world.ids["child_answer"] = questionnaires.submit(s, people.owner, child, "poem", POEM, respondent="proxy")["id"]
        e = accounts.actor_for(accounts.create_user(s, E_EMAIL, people.password, "clinician", "Dr Revoked"))
        for pid in (people.owner_pid, child):
            sharing.accept_invite(s, e, sharing.create_invite(s, people.owner, pid)["code"])
        consents = {pid: s.scalar(select(m.Consent.id).where(m.Consent.patient_id == pid,
                                                              m.Consent.clinician_user_id == e.user_id))
                    for pid in (people.owner_pid, child)}
        appointments.request_appointment(s, people.owner, people.owner_pid, "E-only-reason-4410",
                                         to=[consents[people.owner_pid]])
        # E's plan for the child (A's own record has the matrix clinician's egg plan running)
        ch.create_plan(s, e, child, ch.PlanInput(food="food.soy", kind="home", released_for_home=True,
                                                 start=dt.date.today(), baseline_days=7, doses=[ch.DoseStep(0, "1 ml")]))
    with transaction(engine) as s:
        for pid, consent in consents.items():
            sharing.revoke(s, people.owner, pid, consent)
    with transaction(engine) as s:
        world.sign_in(s, settings, REVOKED, s.get(m.User, e.user_id))
    return settings, engine, people, world, b


def _last_audit(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.max(m.AuditEvent.id))) or 0


def _audit_since(engine, last: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [tuple(r) for r in s.execute(select(m.AuditEvent.patient_id, m.AuditEvent.action, m.AuditEvent.object_type)
                                            .where(m.AuditEvent.id > last).order_by(m.AuditEvent.id))]


# ------------------------------------------------------------------------- body and query cases

def _poem_form(w, p) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"csrf_token": w.csrf[p], **{f"q{i}": "1" for i in range(7)}, "respondent": "proxy"}


#: (method, path, persona, field, the profile the call acts on ("B" or "child"), the call's kwargs
#: given ``v(kind)``: A's id of that kind, or one naming nothing); the path names the caller's own objects
CASES: list[tuple[str, str, str, str, str, Any]] = [
    # an open request of B's sent on "to" A's sharing (page form and API body)
    ("POST", "/appointments/{request_id}/send", "patient_b", "to", "B",
     lambda w, p, v: {"data": {"csrf_token": w.csrf[p], "to": str(v("consent"))}}),
    ("POST", "/api/v1/me/appointments/{request_id}/recipients", "patient_b", "to", "B",
     lambda w, p, v: {"json": {"to": [v("consent")]}}),
    # B answering POEM on B's own profile, "replacing" A's answer of today (API query, page form)
    ("POST", "/api/v1/me/questionnaires/{instrument}", "patient_b", "replace", "B",
     lambda w, p, v: {"json": POEM, "params": {"replace": v("answer")}}),
    ("POST", "/questionnaire/{instrument}", "patient_b", "replace_ok", "B",
     lambda w, p, v: {"data": {**_poem_form(w, p), "replace_ok": str(v("answer"))}}),
    # the child's co-caregiver answering the child's POEM (which the parent answered today), naming
    # the parent's answer on the parent's own profile: still "already answered" (409), nothing replaced
    ("POST", "/api/v1/me/questionnaires/{instrument}", "helper", "replace", "child",
     lambda w, p, v: {"json": {**POEM, "respondent": "proxy"},
                      "params": {"replace": v("answer"), "patient_id": w.ids["child_id"]}}),
    ("POST", "/questionnaire/{instrument}", "helper", "replace_ok", "child",
     lambda w, p, v: {"data": {**_poem_form(w, p), "replace_ok": str(v("answer"))},
                      "params": {"patient": w.ids["child_id"]}}),
]


def test_every_id_field_of_a_body_has_a_case() -> None:
    """An id the route reads from its body (or from a query parameter the query walk does not
    match) must be walked, here or in ``FORM_CASES``; a route or field added later fails here."""
    covered = {(mm, p, f) for mm, p, _, f, *_ in CASES} | {(mm, p, f) for mm, p, _, f, _ in walk.FORM_CASES}
    assert ("POST", "/api/v1/me/challenges/{challenge_id}/safety", "dose_id") in BODY_ID_FIELDS  # the walk sees JSON
    assert ("POST", "/appointments", "to") in BODY_ID_FIELDS  # ... and forms
    missing = sorted(BODY_ID_FIELDS - covered)
    assert not missing, f"ids read from a body or query without a case: {missing}"
    # fields a page reads from its form by hand (not FastAPI parameters): by name, ``replace_ok`` too
    read = set()
    for src in walk.PAGES.glob("*.py"):
        read.update(re.findall(r"""form\.get\(\s*["'](patient|\w+_id|to|replace\w*)["']""", src.read_text()))
    assert "replace_ok" in read and "dose_id" in read, "the source walk found nothing: the pattern is stale"
    unwalked = sorted(read - {f for _, _, f in covered})
    assert not unwalked, f"id fields read from forms by hand without a case: {unwalked}"


def _ids(world, b, people, persona: str, target: str, kind: str, a: bool) -> Any:  # type: ignore[no-untyped-def]
    if not a:
        return MAX_ID
    return {"consent": world.ids["consent_id"],
            "answer": world.ids["a_answer"] if target == "B" or persona == "helper" else world.ids["child_answer"]}[kind]


def test_a_body_id_of_a_is_not_honoured(db_url: str) -> None:
    """Each case as the caller on their own record naming A's object: nothing of A's changes (nor
    the child's, unless the case acts on it), no audit row for A, no answer carries A's data, and a
    refusal is the one an id naming nothing gets. B's own call still works where it may."""
    from gutskin.web import create_app

    settings, engine, people, world, b = _world(db_url)
    app = create_app(settings)
    failures: list[str] = []
    for method, path, persona, field, target, make in CASES:
        watched = [people.owner_pid] + ([world.ids["child_id"]] if target == "B" else [])
        where = f"{persona} {method} {path} {field}=<A's>"
        url = walk._path(path, world, b)
        before, last = walk.patient_rows(engine, watched), _last_audit(engine)
        r = walk._send(app, world, persona, method, url,
                       **make(world, persona, lambda k: _ids(world, b, people, persona, target, k, True)))
        after, audit = walk.patient_rows(engine, watched), _audit_since(engine, last)
        if r.status_code >= 500:
            failures.append(f"{where}: {r.status_code}")
        if before != after:
            failures.append(f"{where}: A's rows changed ({', '.join(t for t in before if before[t] != after[t])})")
        if bad := [row for row in audit if row[0] in watched]:
            failures.append(f"{where}: audit rows for A: {bad}")
        if leaks := walk._leaks(r.text + r.headers.get("location", ""), people, world,
                                "helper" if persona == "helper" else "patient_b"):
            failures.append(f"{where}: the answer ({r.status_code}) carries {leaks}")
        if persona == "helper" and r.status_code != 409:
            failures.append(f"{where}: {r.status_code}, not 409 (the parent's answer of the day is not named)")
        r2 = walk._send(app, world, persona, method, url,
                        **make(world, persona, lambda k: _ids(world, b, people, persona, target, k, False)))
        if r.status_code >= 400 or r2.status_code >= 400:
            swaps = [(world.ids["consent_id"], MAX_ID), (world.ids["a_answer"], MAX_ID),
                     (world.ids["child_answer"], MAX_ID)]
            failures += [f"{where}: {d}" for d in walk._same_answer(r, r2, swaps)]
    assert not failures, "\n".join(failures)


# ----------------------------------------------------------------- the clinician after revocation

#: what the revoked clinician must not read anywhere: A's and the child's names, note, address,
#: identifiers, and the reason of the request A sent to E only
def _revoked_leaks(text: str, world) -> list[str]:  # type: ignore[no-untyped-def]
    markers = [walk.NOTE, walk.A_NAME, walk.CHILD_NAME, "owner@example.org", world.ids["a_ext"],
               world.ids["child_ext"], "E-only-reason-4410"]
    return [mk for mk in markers if mk in text]


def _caller_walk(app, engine, world, persona: str, pids: list[int], like: str) -> tuple[list[str], Any]:  # type: ignore[no-untyped-def]
    """A ``check`` of one call of ``persona`` on A's record (``pids``: the profiles it must not
    reach) and a walk of every matrix route with A's objects in the path, both collecting into the
    returned failures; the answer to get is the one persona ``like`` gets in the matrix."""
    failures: list[str] = []

    def check(where: str, method: str, url: str, none_url: str | None, body: dict[str, Any],
              want: Any, swaps: list[tuple[Any, Any]]) -> None:
        before, last = walk.patient_rows(engine, pids), _last_audit(engine)
        r = walk._send(app, world, persona, method, url, **body)
        after, audit = walk.patient_rows(engine, pids), _audit_since(engine, last)
        if not answer_passes(want, r):
            failures.append(f"{where}: {r.status_code}, {like} gets {want}")
        if before != after:
            failures.append(f"{where}: A's rows changed ({', '.join(t for t in before if before[t] != after[t])})")
        if bad := [row for row in audit if row[0] in pids]:
            failures.append(f"{where}: recorded as access to A's record: {bad}")
        text = r.text + r.headers.get("location", "")
        if leaks := (_revoked_leaks(text, world) if persona == REVOKED else walk._leaks(text, None, world, "helper")):
            failures.append(f"{where}: the answer ({r.status_code}) carries {leaks}")
        if none_url is not None and r.status_code >= 400:
            r2 = walk._send(app, world, persona, method, none_url, **body)
            failures.extend(f"{where}: {d}" for d in walk._same_answer(r, r2, swaps))

    for method, path in walk.PATH_ROUTES:  # A's objects in the path
        row = ROWS[(method, path)]
        want = row.expect[like]
        if want not in (403, 404):
            continue  # a code to redeem, the caller's own job or caregiving: not A's
        a_ids = {"instrument": "poem", **world.ids, **(row.ids(world) if row.ids else {})}
        url = re.sub(r"{(\w+)}", lambda mm: str(a_ids[mm.group(1)]), path + row.query)
        none_url = re.sub(r"{(\w+)}", lambda mm: str(MAX_ID - 7 if walk.PATH_ID.fullmatch(mm.group(0))
                                                      else a_ids[mm.group(1)]), path + row.query)
        swaps = [(a_ids[k], MAX_ID - 7) for k in walk.PATH_ID.findall(path)]
        try:
            body = walk._body(world, persona, method, path)
        except ClinicError:  # the row's own set-up (acting as A) was done by an earlier row
            continue
        check(f"{persona} {method} {path}", method, url, none_url, body, want, swaps)
    return failures, check


def test_a_revoked_clinician_is_a_stranger_to_every_id_in_path_and_query(db_url: str) -> None:
    """Every matrix route with an object id in its path (A's ids), every route with an id in its
    query (A's and the child's), and E's own lists, as E after the revocation."""
    from gutskin.web import create_app

    settings, engine, people, world, b = _world(db_url)
    app = create_app(settings)
    pids = [people.owner_pid, world.ids["child_id"]]
    failures, check = _caller_walk(app, engine, world, REVOKED, pids, "clinician_unlinked")

    for method, path, param in walk.QUERY_ROUTES:  # A's and the child's ids in the query
        if re.search(r"{(?!day|instrument|job)\w+}", path) or not path.startswith(("/clinic", "/api/v1/clinician",
                                                                                    "/api/v1/patients", "/insights")):
            continue  # the path names B's objects, or the route is a patient's own (403 for any clinician)
        base = walk._path(path, world, b)
        for a_id in pids:
            sep = "&" if "?" in base else "?"
            url = f"{base}{sep}{param}={a_id}"
            # the never-linked clinician's answer to the same call is the one to get
            want = walk._send(app, world, "clinician_unlinked", method, url,
                              **walk._body(world, "clinician_unlinked", method, path)).status_code
            check(f"{method} {path}?{param}=<{'A' if a_id == pids[0] else 'child'}>", method, url,
                  f"{base}{sep}{param}={world.ids['gone']}", walk._body(world, REVOKED, method, path), want,
                  [(a_id, world.ids["gone"])])

    for method, path in sorted(r for r in ROWS if r[0] == "GET" and r[1].startswith(("/clinic", "/api/v1/clinician"))
                               and "{" not in r[1]):  # E's own lists
        check(f"{method} {path} (E's own list)", method, path + ROWS[(method, path)].query, None, {}, "ok", [])
    assert not failures, "\n".join(failures)


def test_the_childs_co_caregiver_is_a_stranger_to_the_parents_own_record(db_url: str) -> None:
    """The helper keeps A's child's diary with A, and is signed in; A's own profile and its objects
    (the matrix's challenge, dose, alert, request, sample, invite, sharing) in the path of every
    matrix route: the answer stranger B gets (404, 403 for a clinician's route), nothing of A's
    own record changes or is audited or shown. (The matrix has no co-caregiver persona; the query
    walk covers the helper's ``?patient=`` naming A.)"""
    from gutskin.web import create_app

    settings, engine, people, world, b = _world(db_url)
    failures, _ = _caller_walk(create_app(settings), engine, world, "helper", [people.owner_pid], "patient_b")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------- return address at sign-in

OFF = {"next": "https://evil.example/x", "return_to": "//evil.example/x", "redirect": "/\\evil.example",
       "continue": "https:evil.example", "url": "https://evil.example"}


@pytest.mark.parametrize("email", ["owner@example.org", "linked@clinic.example.org"])
def test_signing_in_with_a_return_address_stays_on_the_site(client, people, email: str) -> None:  # type: ignore[no-untyped-def]
    """Signed out, the login form reached with ``?next=`` of another site and posted with the same
    fields (and a Referer of that site) lands on this site's own page (the walk of every route
    checks signed-in callers; this is the sign-in itself)."""
    from urllib.parse import urlencode

    form = client.get("/login?" + urlencode(OFF))
    assert form.status_code == 200 and "evil.example" not in form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = client.post("/login?" + urlencode(OFF), data={"email": email, "password": people.password,
                                                      "csrf_token": token, **OFF},
                    headers={"Referer": "https://evil.example/page"}, follow_redirects=False)
    where = r.headers.get("location", "")
    assert r.status_code == 303 and where.startswith("/") and not where.startswith(("//", "/\\")), (r.status_code, where)
    assert "evil.example" not in where
    assert client.get(where).status_code == 200  # signed in, on the site


# ------------------------------------------------------------- a FHIR bundle that names A's record


def _gutskin_bundle(external_id: str, day: str) -> bytes:
    """A bundle whose Patient carries gutskin's identifier ``external_id`` (as an export of that
    record does) and one itch score."""
    import json

    from gutskin.interop.codes import OBSERVATION_SYSTEM, PATIENT_ID_SYSTEM

    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient",
                                               "identifier": [{"system": PATIENT_ID_SYSTEM, "value": external_id}]}},
        {"fullUrl": "urn:uuid:o", "resource": {
            "resourceType": "Observation", "status": "final", "subject": {"reference": "urn:uuid:p"},
            "code": {"coding": [{"system": OBSERVATION_SYSTEM, "code": "itch-nrs"}]},
            "effectiveDateTime": day, "valueInteger": 3}}]}).encode()


def test_a_fhir_bundle_naming_as_record_goes_nowhere_but_the_callers(db_url: str) -> None:
    """B on B's own My data, and the clinician B shares with on B's page, upload a bundle whose
    Patient is A's (A's gutskin identifier) or the child's: the preview answers as for an identifier
    naming nobody (a mix-up to confirm, saying only the bundle's own identifier), confirmed it goes
    into B's record, and nothing of A's or the child's changes or is audited."""
    from gutskin.web import create_app

    settings, engine, people, world, b = _world(db_url)
    with transaction(engine) as s:
        sharing.accept_invite(s, people.unlinked, sharing.create_invite(s, people.stranger, people.stranger_pid)["code"])
    app = create_app(settings)
    pids = [people.owner_pid, world.ids["child_id"]]
    failures: list[str] = []
    for n, (persona, place) in enumerate((("patient_b", "profiles"), ("clinician_unlinked", "clinic/patients"))):
        url = f"/{place}/{people.stranger_pid}/fhir"
        for m_, ext in enumerate((world.ids["a_ext"], world.ids["child_ext"])):
            day = f"2019-0{n + 1}-1{m_}"
            before, last = walk.patient_rows(engine, pids), _last_audit(engine)
            answers = []
            for named in (ext, "p-nobody0000"):
                answers.append(walk._send(app, world, persona, "POST", f"{url}/preview", data={"csrf_token": world.csrf[persona]},
                                          files={"file": ("b.json", _gutskin_bundle(named, day), "application/fhir+json")}))
            held, nobodys = answers
            where = f"{persona} {place} naming {'A' if m_ == 0 else 'the child'}"
            if held.status_code != nobodys.status_code or held.status_code >= 500:
                failures.append(f"{where}: preview {held.status_code}, {nobodys.status_code} for an identifier naming nobody")
            words = [re.sub(r'name="(bundle|csrf_token)" value="[^"]*"', "", r.text) for r in answers]
            if words[0].replace(ext, "p-nobody0000") != words[1]:
                failures.append(f"{where}: the preview's words differ from an unknown identifier's")
            if leaks := _revoked_leaks(held.text.replace(ext, ""), world):
                failures.append(f"{where}: the preview carries {leaks}")
            packed = re.search(r'name="bundle" value="([^"]*)"', held.text)
            if packed:  # confirmed: "they are the same person"
                r = walk._send(app, world, persona, "POST", f"{url}/import",
                               data={"csrf_token": world.csrf[persona], "bundle": packed.group(1), "accept": "1"})
                if r.status_code >= 400:
                    failures.append(f"{where}: the confirmed import into B's record answered {r.status_code}")
            if walk.patient_rows(engine, pids) != before:
                failures.append(f"{where}: A's rows changed")
            if bad := [row for row in _audit_since(engine, last) if row[0] in pids]:
                failures.append(f"{where}: audit rows for A: {bad}")
    with transaction(engine) as s:
        b_days = s.scalars(select(m.DiaryDay.day).where(m.DiaryDay.patient_id == people.stranger_pid,
                                                       m.DiaryDay.day < dt.date(2020, 1, 1))).all()
    assert not failures, "\n".join(failures)
    assert len(b_days) == 4, b_days  # the four confirmed imports went into B's record


# ------------------------------------------------------------------ codes replayed by a stranger

#: (the code's kind, who replays it, method, path, the body given the code)
REPLAYS = [
    ("clinician", "clinician_unlinked", "POST", "/clinic/link", lambda w, p, c: {"data": {"csrf_token": w.csrf[p], "code": c}}),
    ("clinician", "clinician_unlinked", "POST", "/api/v1/clinician/links", lambda w, p, c: {"json": {"code": c}}),
    ("caregiver", "patient_b", "POST", "/caregivers/redeem", lambda w, p, c: {"data": {"csrf_token": w.csrf[p], "code": c}}),
    ("caregiver", "patient_b", "POST", "/api/v1/me/caregiving", lambda w, p, c: {"json": {"code": c}}),
    ("handover", "patient_b", "POST", "/caregivers/handover/redeem",
     lambda w, p, c: {"data": {"csrf_token": w.csrf[p], "handover_code": c}}),
    ("handover", "patient_b", "POST", "/api/v1/me/handover", lambda w, p, c: {"json": {"code": c}}),
]


def test_a_used_code_replayed_by_a_stranger_is_an_unknown_code(db_url: str) -> None:
    """A clinician code, a caregiver code and a handover code of A's child, each redeemed by the
    person it was for (the clinician, a second co-caregiver, the grown-up child), then entered again
    by a stranger on the page and through the API: the answer is the one a code never made gets
    (status and words), no row of the child's or A's changes and nothing is audited for them.
    The same for each code entered where another kind is redeemed."""
    from gutskin.clinic import caregivers, handover
    from gutskin.web import create_app
    from tests.safety.test_authz_matrix import grown_child

    settings, engine, people, world, b = _world(db_url)
    child = world.ids["child_id"]
    grown_child(world)
    with transaction(engine) as s:
        codes = {"clinician": sharing.create_invite(s, people.owner, child)["code"],
                 "caregiver": caregivers.create_code(s, people.owner, child)["code"],
                 "handover": handover.create_code(s, people.owner, child)["code"]}
        second = accounts.actor_for(accounts.register_patient(s, "second.helper@example.org", people.password, "Second"))
        grown = accounts.actor_for(accounts.register_patient(s, "grown.up@example.org", people.password, "Grown"))
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, codes["clinician"])
        caregivers.redeem(s, second, codes["caregiver"])
    with transaction(engine) as s:
        assert handover.redeem(s, grown, codes["handover"]) == child
    app = create_app(settings)
    pids = [people.owner_pid, child]
    never = "ZQ7K-M2XH-R4PT"
    failures: list[str] = []
    for kind, persona, method, path, make in REPLAYS:
        for code_kind, code in codes.items():
            where = f"{persona} {method} {path} with the used {code_kind} code"
            before, last = walk.patient_rows(engine, pids), _last_audit(engine)
            r = walk._send(app, world, persona, method, path, **make(world, persona, code))
            after, audit = walk.patient_rows(engine, pids), _audit_since(engine, last)
            r2 = walk._send(app, world, persona, method, path, **make(world, persona, never))
            if r.status_code < 400 or r.status_code >= 500:
                failures.append(f"{where}: {r.status_code}")
            if before != after:
                failures.append(f"{where}: rows changed ({', '.join(t for t in before if before[t] != after[t])})")
            if bad := [row for row in audit if row[0] in pids]:
                failures.append(f"{where}: audited on the record: {bad}")
            if leaks := walk._leaks(r.text, people, world):
                failures.append(f"{where}: the answer carries {leaks}")
            failures += [f"{where}: {d}" for d in walk._same_answer(r, r2, [(code, never)])]
    assert not failures, "\n".join(failures)
