"""The authorization matrix (issue 9): every route × six personas, generated from the route table.

Personas: anonymous, patient A (owner of the data), patient B (a stranger), a clinician linked to
A, an unlinked clinician, an admin. Expected answers: 401 unauthenticated (API) or a redirect to
/login (pages), 403 wrong role, 404 not yours, "ok" allowed. Every allowed read or write of a
patient's data writes exactly one audit row for that patient; a refused one writes none. A
meta-test fails when a route has no row. Runs on SQLite (the rules live in ``gutskin.clinic`` and
do not depend on the database; the service and e2e tests run them on PostgreSQL too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent
from tests.conftest import TEST_SECRET, People
from tests.safety.matrix_setup import PERSONAS, PROFILE, World, build_world

OK = "ok"
LOGIN = "login"
PASS = "pass"  # authorization passed: anything but 401/403/404 (a business rule may still say no)


def exp(anon: Any, a: Any, b: Any, linked: Any, unlinked: Any, admin: Any) -> dict[str, Any]:
    return dict(zip(PERSONAS, (anon, a, b, linked, unlinked, admin)))


PUBLIC = exp(200, 200, 200, 200, 200, 200)
ME = exp(401, OK, OK, 403, 403, 403)  # the caller's own patient profile
ME_A_OBJECT = exp(401, OK, 404, 403, 403, 403)  # an object of A's addressed through /me
ME_ANY = exp(401, OK, OK, OK, OK, OK)  # the caller's own account
PATIENT_READ = exp(401, OK, 404, OK, 404, 404)
CLINICIAN = exp(401, 403, 403, OK, OK, 403)
CLINICIAN_OF_A = exp(401, 403, 403, OK, 404, 403)
PAGE_ME = exp(LOGIN, OK, OK, 403, 403, 403)
PAGE_ANY = exp(LOGIN, OK, OK, OK, OK, OK)  # the caller's own account, any role
PAGE_ME_A_OBJECT = exp(LOGIN, OK, 404, 403, 403, 403)
PAGE_PATIENT_READ = exp(LOGIN, OK, 404, OK, 404, 403)
PAGE_CLINICIAN = exp(LOGIN, 403, 403, OK, OK, 403)
PAGE_CLINICIAN_OF_A = exp(LOGIN, 403, 403, OK, 404, 403)

# audit rules: who is expected to leave exactly one row for which patient
A_READERS = {"patient_a": "A", "clinician_linked": "A"}  # reads of A's data (owner or linked clinician)
ME_WRITERS = {"patient_a": "A", "patient_b": "B"}  # /me routes act on the caller's own profile
A_ONLY = {"patient_a": "A"}
A_CHILD = {"patient_a": "A_CHILD"}  # the managing parent on A's child's profile
CLINICIANS_OF_A = {"clinician_linked": "A"}
LINKERS = {"clinician_linked": "A", "clinician_unlinked": "A"}


@dataclass
class Row:
    expect: dict[str, Any]
    body: Callable[[World, str], dict[str, Any]] | None = None
    audit: dict[str, str] | None = None  # persona -> "A" | "B": exactly one row for that patient
    query: str = ""
    audit_rows: int = 1  # rows expected when the request writes more than one thing (each write is recorded)
    ids: Callable[[World], dict[str, Any]] | None = None  # path ids other than the world's defaults


def js(payload: dict[str, Any]) -> Callable[[World, str], dict[str, Any]]:
    return lambda w, p: {"json": payload}


def form(payload: dict[str, Any]) -> Callable[[World, str], dict[str, Any]]:
    return lambda w, p: {"data": {**payload, "csrf_token": w.csrf.get(p, "")}}


_EASI = {"age_years": 40, "regions": {r: {"area_percent": 20, "erythema": 2, "induration": 1, "excoriation": 1,
                                           "lichenification": 0} for r in ("head_neck", "upper_limbs", "trunk", "lower_limbs")}}
_SCORAD = {"extent_percent": 30, "intensity": {"erythema": 2, "oedema_papulation": 1, "oozing_crusting": 1, "excoriation": 2,
                                               "lichenification": 0, "dryness": 1}, "itch": 6, "sleep_loss": 4}


def insights_ready(w: World, p: str) -> dict[str, Any]:
    """Let A's insights finish first, reading nothing (no audit row): the panel audits the answer
    that shows them, not its "computing" polls (tests/web/test_insights_poll_audit.py)."""
    from gutskin.clinic.insights import cached_or_queued, settle

    with transaction(w.engine) as s:  # type: ignore[attr-defined]
        first = cached_or_queued(s, w.people.owner_pid)
    settle(w.people.owner_pid, first, 60)
    return {}


def own_token_id(w: World, p: str) -> str:
    """The row id of the API token the world issued to persona ``p`` (``api_tokens``, 0020)."""
    from gutskin.store.models import ApiToken

    if p == "anonymous":
        return "1"
    with transaction(w.engine) as s:  # type: ignore[attr-defined]
        return str(s.scalar(select(ApiToken.id).where(ApiToken.user_id == w.actor(p).user_id)))


def invite_code(w: World) -> str:
    from gutskin.clinic import sharing

    with transaction(w.engine) as s:  # type: ignore[attr-defined]
        return sharing.create_invite(s, w.people.owner, w.people.owner_pid)["code"]


def caregiver_code(w: World, p: str) -> dict[str, Any]:
    """A fresh caregiver code of A's child (redeemed by B: A's own code is refused, 422)."""
    from gutskin.clinic import caregivers

    with transaction(w.engine) as s:  # type: ignore[attr-defined]
        return {"json": {"code": caregivers.create_code(s, w.people.owner, w.ids["child_id"])["code"]}}


def b_helps_keep_the_child(w: World, p: str) -> dict[str, Any]:
    """B made a co-caregiver of A's child before B's call (so B may leave; the others may not)."""
    if p == "patient_b":
        from gutskin.clinic import caregivers

        with transaction(w.engine) as s:  # type: ignore[attr-defined]
            code = caregivers.create_code(s, w.people.owner, w.ids["child_id"])["code"]
        with transaction(w.engine) as s:  # type: ignore[attr-defined]
            caregivers.redeem(s, w.people.stranger, code)
    return {}


def grown_child(w: World, p: str = "") -> dict[str, Any]:
    """A's child is 18 this year (a handover code is refused under 16): set before each call."""
    import datetime as dt

    from gutskin.clinic import accounts

    with transaction(w.engine) as s:  # type: ignore[attr-defined]
        accounts.set_birth_year(s, w.people.owner, w.ids["child_id"], dt.date.today().year - 18)
    return {}


def handover_code(w: World, p: str) -> dict[str, Any]:
    """One handover code of A's grown child for the whole row (A's own is refused, 422, and not
    used up; B, whose profile is empty, takes the child's profile over last)."""
    if "handover_code" not in w.ids:
        from gutskin.clinic import handover

        grown_child(w)
        with transaction(w.engine) as s:  # type: ignore[attr-defined]
            w.ids["handover_code"] = handover.create_code(s, w.people.owner, w.ids["child_id"])["code"]
    return {"json": {"code": w.ids["handover_code"]}}


def handover_invite_id(w: World) -> int:
    from gutskin.clinic import handover

    grown_child(w)
    with transaction(w.engine) as s:  # type: ignore[attr-defined]
        return int(handover.create_code(s, w.people.owner, w.ids["child_id"])["id"])


def upload(w: World, p: str, page: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"files": {"file": ("gut.tsv", PROFILE, "text/tab-separated-values")}}
    if page:
        out["data"] = {"csrf_token": w.csrf.get(p, "")}
    return out


def diary_upload(w: World, p: str) -> dict[str, Any]:
    csv = "patient,date,itch\nold-app-id,2019-03-01,4\nold-app-id,2019-03-02,5\n"
    return {"files": {"file": ("diary.csv", csv.encode(), "text/csv")}, "data": {"csrf_token": w.csrf.get(p, "")}}


#: a hospital's bundle of one diary day (a Patient of another system, no name: nothing to compare)
_FHIR = {"resourceType": "Bundle", "type": "collection", "entry": [
    {"fullUrl": "urn:uuid:m-patient", "resource": {"resourceType": "Patient"}},
    {"fullUrl": "urn:uuid:m-itch", "resource": {
        "resourceType": "Observation", "status": "final", "subject": {"reference": "urn:uuid:m-patient"},
        "code": {"coding": [{"system": "https://gutskin.example.org/fhir/CodeSystem/observation", "code": "itch-nrs"}]},
        "effectiveDateTime": "2019-01-01", "valueInteger": 3}}]}


def fhir_upload(w: World, p: str) -> dict[str, Any]:
    import json

    return {"files": {"file": ("hospital.json", json.dumps(_FHIR).encode(), "application/fhir+json")},
            "data": {"csrf_token": w.csrf.get(p, "")}}


def fhir_confirm(w: World, p: str) -> dict[str, Any]:
    from gutskin.web.pages.fhir_upload import pack

    return {"data": {"bundle": pack(_FHIR), "csrf_token": w.csrf.get(p, "")}}


def send_on(w: World, p: str, page: bool = False) -> dict[str, Any]:
    """For A: the unlinked clinician is linked after A's request was made, and A sends it on to
    them (appointments.send_to); the others post the world's consent id."""
    to = w.ids["consent_id"]
    if p == "patient_a":
        from gutskin.clinic import sharing

        with transaction(w.engine) as s:  # type: ignore[attr-defined]
            from gutskin.store.models import Consent

            sharing.accept_invite(s, w.people.unlinked, sharing.create_invite(s, w.people.owner, w.people.owner_pid)["code"])
            to = s.scalar(select(Consent.id).where(Consent.patient_id == w.people.owner_pid,
                                                   Consent.clinician_user_id == w.people.unlinked.user_id))
    return {"data": {"to": str(to), "csrf_token": w.csrf.get(p, "")}} if page else {"json": {"to": [to]}}


POEM = {"answers": [1, 1, 1, 1, 1, 1, 1]}
FUTURE = f"{__import__('datetime').date.today() + __import__('datetime').timedelta(days=30)}T10:00"  # appointment times must lie ahead
PLAN = {"food": "food.wheat", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "1 slice"}]}

ROWS: dict[tuple[str, str], Row] = {
    # public and meta
    ("GET", "/healthz"): Row(PUBLIC),
    ("GET", "/openapi.json"): Row(PUBLIC),
    ("GET", "/login"): Row(PUBLIC),
    ("GET", "/register"): Row(PUBLIC),
    ("GET", "/"): Row(exp(200, OK, OK, OK, OK, OK)),
    ("POST", "/login"): Row(exp(403, 403, 403, 403, 403, 403), form({"email": "owner@example.org", "password": People.password})),
    ("POST", "/register"): Row(exp(403, 403, 403, 403, 403, 403), form({"email": "x@example.org", "password": "long password 1"})),
    ("POST", "/logout"): Row(exp(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN), form({})),
    ("POST", "/api/v1/auth/register"): Row(exp(201, 201, 201, 201, 201, 201),
                                           lambda w, p: {"json": {"email": f"new-{p}@example.org", "password": "long password 1"}}),
    ("POST", "/api/v1/auth/token"): Row(PUBLIC, js({"email": "owner@example.org", "password": People.password})),
    ("DELETE", "/api/v1/auth/token"): Row(ME_ANY, audit=ME_WRITERS),  # the caller's own token (0020)
    # the caller's own tokens listed; one revoked by id: A's token id, so everyone else gets 404 (2026-12-07)
    ("GET", "/api/v1/auth/tokens"): Row(ME_ANY),
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): Row(exp(401, OK, 404, 404, 404, 404), audit=A_ONLY,
                                                      ids=lambda w: {"token_id": own_token_id(w, "patient_a")}),
    # the caller's account and own profile (API)
    ("GET", "/api/v1/me"): Row(ME_ANY),
    ("POST", "/api/v1/me/password"): Row(ME_ANY, js({"old_password": People.password, "new_password": "another password 2"})),
    ("POST", "/api/v1/me/sign-out-everywhere"): Row(ME_ANY),
    ("POST", "/api/v1/me/delete"): Row(ME_ANY, js({"password": People.password})),
    ("GET", "/api/v1/me/export.json"): Row(ME_ANY, audit=ME_WRITERS),
    ("POST", "/api/v1/me/children"): Row(ME, js({"display_name": "Kid"})),
    ("GET", "/api/v1/me/diary"): Row(ME, audit=ME_WRITERS),
    ("PUT", "/api/v1/me/diary/{day}"): Row(ME, js({"itch": 2, "factors": {"food.egg": 1}}), audit=ME_WRITERS),
    ("PUT", "/api/v1/me/time_zone"): Row(ME, js({"time_zone": "Europe/London"}), audit=ME_WRITERS),
    ("PUT", "/api/v1/me/name"): Row(ME_ANY, js({"display_name": "A New Name"}), audit=ME_WRITERS),  # the account's own name
    ("DELETE", "/api/v1/me/diary/{day}"): Row(ME_A_OBJECT, audit=A_ONLY),
    ("GET", "/api/v1/me/trends"): Row(ME, audit=ME_WRITERS),
    ("GET", "/api/v1/me/insights"): Row(ME, audit=ME_WRITERS),
    ("GET", "/api/v1/me/questionnaires"): Row(ME, audit=ME_WRITERS),
    ("POST", "/api/v1/me/questionnaires/{instrument}"): Row(ME, js(POEM), audit=ME_WRITERS),
    ("POST", "/api/v1/me/invites"): Row(ME, audit=ME_WRITERS),
    ("GET", "/api/v1/me/invites"): Row(ME, audit=ME_WRITERS),
    ("DELETE", "/api/v1/me/invites/{invite_id}"): Row(ME_A_OBJECT, audit=A_ONLY),
    ("GET", "/api/v1/me/access"): Row(ME, audit=ME_WRITERS),
    # + the stopped challenge and the world's unused invite code, cancelled with the sharing (2026-12-06)
    ("DELETE", "/api/v1/me/access/{consent_id}"): Row(ME_A_OBJECT, audit=A_ONLY, audit_rows=3),
    ("GET", "/api/v1/me/audit"): Row(ME, audit=ME_WRITERS),
    # a child's co-caregivers (API): the managing parent on A's child; B redeems and leaves
    ("POST", "/api/v1/me/caregiver-invites"): Row(ME_A_OBJECT, audit=A_CHILD, query="?patient_id={child_id}"),
    ("GET", "/api/v1/me/caregiver-invites"): Row(ME_A_OBJECT, audit=A_CHILD, query="?patient_id={child_id}"),
    ("DELETE", "/api/v1/me/caregiver-invites/{invite_id}"): Row(
        ME_A_OBJECT, audit=A_CHILD, query="?patient_id={child_id}", ids=lambda w: {"invite_id": w.ids["caregiver_invite_id"]}),
    ("GET", "/api/v1/me/caregivers"): Row(ME_A_OBJECT, audit=A_CHILD, query="?patient_id={child_id}"),
    # + the child's unused caregiver code, cancelled with the removal (2026-12-06)
    ("DELETE", "/api/v1/me/caregivers/{caregiver_id}"): Row(ME_A_OBJECT, audit=A_CHILD, query="?patient_id={child_id}",
                                                            audit_rows=2),
    ("POST", "/api/v1/me/caregiving"): Row(exp(401, 422, 201, 403, 403, 403), caregiver_code,
                                           audit={"patient_b": "A_CHILD"}),
    # handing A's child's profile over to the grown-up child (clinic/handover.py): B's empty account takes it;
    # + the helper's share removed and the world's unused caregiver code cancelled with it
    ("POST", "/api/v1/me/handover-invites"): Row(ME_A_OBJECT, lambda w, p: grown_child(w, p), audit=A_CHILD,
                                                 query="?patient_id={child_id}"),
    ("GET", "/api/v1/me/handover-invites"): Row(ME_A_OBJECT, audit=A_CHILD, query="?patient_id={child_id}"),
    ("DELETE", "/api/v1/me/handover-invites/{invite_id}"): Row(
        ME_A_OBJECT, audit=A_CHILD, query="?patient_id={child_id}", ids=lambda w: {"invite_id": handover_invite_id(w)}),
    ("POST", "/api/v1/me/handover"): Row(exp(401, 422, 201, 403, 403, 403), handover_code,
                                         audit={"patient_b": "A_CHILD"}, audit_rows=3),
    ("GET", "/api/v1/me/caregiving"): Row(ME),
    ("DELETE", "/api/v1/me/caregiving/{patient_id}"): Row(exp(401, 404, OK, 403, 403, 403), b_helps_keep_the_child,
                                                         audit={"patient_b": "A_CHILD"},
                                                         ids=lambda w: {"patient_id": w.ids["child_id"]}),
    ("GET", "/api/v1/me/appointments"): Row(ME, audit=ME_WRITERS),
    ("POST", "/api/v1/me/appointments"): Row(ME, js({"reason": "itchy", "urgency": "soon"}), audit=ME_WRITERS),
    ("POST", "/api/v1/me/appointments/{request_id}"): Row(ME_A_OBJECT, js({"action": "withdraw"}), audit=A_ONLY),
    ("POST", "/api/v1/me/appointments/{request_id}/recipients"): Row(ME_A_OBJECT, send_on, audit=A_ONLY),
    ("GET", "/api/v1/me/export.csv"): Row(ME, audit=ME_WRITERS),
    ("POST", "/api/v1/me/microbiome"): Row(ME, lambda w, p: upload(w, p), audit=ME_WRITERS),
    # a patient's record by id (API)
    ("GET", "/api/v1/patients/{patient_id}/diary"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/patients/{patient_id}/trends"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/patients/{patient_id}/questionnaires"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/patients/{patient_id}/insights"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/patients/{patient_id}/microbiome"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/patients/{patient_id}/fhir"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/patients/{patient_id}/report.pdf"): Row(PATIENT_READ, audit=A_READERS),
    # the clinic's EASI and SCORAD (gutskin.clinic.assessments): recorded by a linked clinician, read as the record
    ("POST", "/api/v1/patients/{patient_id}/assessments/easi"): Row(CLINICIAN_OF_A, js(_EASI), audit=CLINICIANS_OF_A),
    ("POST", "/api/v1/patients/{patient_id}/assessments/scorad"): Row(CLINICIAN_OF_A, js(_SCORAD), audit=CLINICIANS_OF_A),
    ("GET", "/api/v1/patients/{patient_id}/assessments"): Row(PATIENT_READ, audit=A_READERS),
    # clinicians (API)
    ("POST", "/api/v1/clinician/links"): Row(CLINICIAN, lambda w, p: {"json": {"code": invite_code(w)}}, audit=LINKERS),
    ("GET", "/api/v1/clinician/patients"): Row(CLINICIAN, audit=CLINICIANS_OF_A),
    ("GET", "/api/v1/clinician/appointments"): Row(CLINICIAN, audit=CLINICIANS_OF_A),
    # the revocation-cancelled bookings of the caller (none in the world: the linked clinician is still linked)
    ("GET", "/api/v1/clinician/appointments/cancelled-by-ended-sharing"): Row(CLINICIAN),
    ("POST", "/api/v1/clinician/appointments/{request_id}"): Row(
        CLINICIAN_OF_A, js({"action": "accept", "time": FUTURE + "Z"}), audit=CLINICIANS_OF_A),
    # patient pages
    ("GET", "/today"): Row(PAGE_ME, audit=ME_WRITERS),
    ("POST", "/today"): Row(PAGE_ME, form({"date": "2026-11-01", "itch": "4", "f:food.egg": "1"}), audit=ME_WRITERS),
    # deleting a day of A's; B has no entry that day: nothing to delete, the same page (no audit row)
    ("POST", "/today/delete"): Row(exp(LOGIN, OK, OK, 403, 403, 403),
                                   lambda w, p: {"data": {"date": w.ids["day"], "csrf_token": w.csrf.get(p, "")}},
                                   audit=A_ONLY),
    ("GET", "/trends"): Row(PAGE_ME, audit=ME_WRITERS),
    ("GET", "/insights"): Row(PAGE_ME),
    ("GET", "/insights/panel"): Row(PAGE_PATIENT_READ, body=insights_ready, audit=A_READERS, query="?patient={patient_id}"),
    ("GET", "/questionnaire/{instrument}"): Row(PAGE_ME),
    ("POST", "/questionnaire/{instrument}"): Row(PAGE_ME, form({f"q{i}": "1" for i in range(7)}), audit=ME_WRITERS),
    ("GET", "/sharing"): Row(PAGE_ME, audit=ME_WRITERS),
    ("POST", "/sharing/invite"): Row(PAGE_ME, form({}), audit=ME_WRITERS),
    ("POST", "/sharing/invites/{invite_id}/cancel"): Row(PAGE_ME_A_OBJECT, form({}), audit=A_ONLY),
    # revoking the linked clinician also stops the challenge they supervise in the world and cancels
    # the world's unused invite code (2026-12-06): three writes
    ("POST", "/sharing/revoke/{consent_id}"): Row(PAGE_ME_A_OBJECT, form({}), audit=A_ONLY, audit_rows=3),
    ("GET", "/appointments"): Row(PAGE_ME, audit=ME_WRITERS),
    ("POST", "/appointments"): Row(PAGE_ME, form({"reason": "itchy", "urgency": "routine"}), audit=ME_WRITERS),
    ("POST", "/appointments/{request_id}"): Row(PAGE_ME_A_OBJECT, form({"action": "withdraw"}), audit=A_ONLY),
    ("POST", "/appointments/{request_id}/send"): Row(PAGE_ME_A_OBJECT, lambda w, p: send_on(w, p, page=True), audit=A_ONLY),
    ("GET", "/account"): Row(PAGE_ANY),
    ("POST", "/account/password"): Row(PAGE_ANY, form({"current_password": People.password, "new_password": People.password})),
    ("POST", "/account/sign-out-everywhere"): Row(PAGE_ANY, form({})),
    # the account's own name (2026-12-07): audited on a patient's own profile, else on no profile
    ("POST", "/account/name"): Row(PAGE_ANY, form({"display_name": "A New Name"}), audit=ME_WRITERS),
    # one API token of the caller's own signed out (0020); another's: 404 (test_api_tokens_one_by_one)
    ("POST", "/account/tokens/revoke"): Row(PAGE_ANY, lambda w, p: {"data": {"api_token": own_token_id(w, p),
                                                                               "csrf_token": w.csrf.get(p, "")}},
                                            audit=ME_WRITERS),
    ("GET", "/data"): Row(PAGE_ME),
    ("GET", "/data/diary.csv"): Row(PAGE_ME, audit=ME_WRITERS),
    ("GET", "/data/archive.json"): Row(PAGE_ME, audit=ME_WRITERS),
    ("GET", "/data/report.pdf"): Row(PAGE_ME, audit=ME_WRITERS),
    ("GET", "/data/fhir.json"): Row(PAGE_ME, audit=ME_WRITERS),  # the person's own FHIR record (2026-12-07)
    ("POST", "/data/delete"): Row(PAGE_ME, form({"password": People.password})),
    ("POST", "/data/import"): Row(PAGE_ME, diary_upload, audit=ME_WRITERS),
    ("POST", "/api/v1/me/diary/import"): Row(ME, lambda w, p: {"content": b"patient,date,itch\nx,2019-03-01,4\n"},
                                             audit=ME_WRITERS),
    ("POST", "/profiles/child"): Row(PAGE_ME, form({"display_name": "Kid"})),
    # a child's co-caregivers (pages): the managing parent on A's child; B redeems and leaves
    ("GET", "/caregivers"): Row(PAGE_ME, audit=A_CHILD),
    ("POST", "/caregivers/invite"): Row(PAGE_ME_A_OBJECT, form({}), audit=A_CHILD, query="?patient={child_id}"),
    ("POST", "/caregivers/invites/{invite_id}/cancel"): Row(
        PAGE_ME_A_OBJECT, form({}), audit=A_CHILD, query="?patient={child_id}",
        ids=lambda w: {"invite_id": w.ids["caregiver_invite_id"]}),
    ("POST", "/caregivers/{caregiver_id}/remove"): Row(PAGE_ME_A_OBJECT, form({}), audit=A_CHILD, query="?patient={child_id}",
                                                       audit_rows=2),  # + the cancelled caregiver code
    ("POST", "/caregivers/redeem"): Row(exp(LOGIN, 422, OK, 403, 403, 403),
                                        lambda w, p: {"data": {**caregiver_code(w, p)["json"], "csrf_token": w.csrf.get(p, "")}},
                                        audit={"patient_b": "A_CHILD"}),
    ("POST", "/caregivers/handover"): Row(PAGE_ME_A_OBJECT, lambda w, p: {**grown_child(w, p), **form({})(w, p)},
                                          audit=A_CHILD, query="?patient={child_id}"),
    ("POST", "/caregivers/handover/{invite_id}/cancel"): Row(
        PAGE_ME_A_OBJECT, form({}), audit=A_CHILD, query="?patient={child_id}",
        ids=lambda w: {"invite_id": handover_invite_id(w)}),
    ("POST", "/caregivers/handover/redeem"): Row(
        exp(LOGIN, 422, OK, 403, 403, 403),
        lambda w, p: {"data": {"handover_code": handover_code(w, p)["json"]["code"], "csrf_token": w.csrf.get(p, "")}},
        audit={"patient_b": "A_CHILD"}, audit_rows=3),
    ("POST", "/caregivers/leave/{patient_id}"): Row(
        exp(LOGIN, 404, OK, 403, 403, 403), lambda w, p: {**b_helps_keep_the_child(w, p), "data": {"csrf_token": w.csrf.get(p, "")}},
        audit={"patient_b": "A_CHILD"}, ids=lambda w: {"patient_id": w.ids["child_id"]}),
    # A's own profile is not a managed one (refused: it goes with the account); a child's deletion is
    # walked in test_round4_audit_walk
    ("POST", "/profiles/{patient_id}/delete"): Row(exp(LOGIN, PASS, 404, 403, 403, 403), form({"password": People.password})),
    # the zone A's days are lived in, chosen on My data (a co-caregiver may too: test_profile_time_zone)
    ("POST", "/profiles/{patient_id}/time_zone"): Row(exp(LOGIN, OK, 404, 403, 403, 403),
                                                     form({"time_zone": "Europe/London"}), audit=A_ONLY),
    # a profile's birth year, corrected by its managing account only (test_family_walk_birth_year: not a co-caregiver)
    ("POST", "/profiles/{patient_id}/birth_year"): Row(exp(LOGIN, OK, 404, 403, 403, 403),
                                                      form({"year": "1990"}), audit=A_ONLY),
    # the person's own FHIR upload on My data (2026-12-07): the managing account only (a co-caregiver: 404,
    # tests/interop/test_fhir_own_upload.py); the preview is a read, the confirmation the import
    ("POST", "/profiles/{patient_id}/fhir/preview"): Row(exp(LOGIN, OK, 404, 403, 403, 403), fhir_upload, audit=A_ONLY),
    ("POST", "/profiles/{patient_id}/fhir/import"): Row(exp(LOGIN, OK, 404, 403, 403, 403), fhir_confirm, audit=A_ONLY),
    ("GET", "/microbiome"): Row(PAGE_ME, audit=ME_WRITERS),
    ("POST", "/microbiome"): Row(PAGE_ME, lambda w, p: upload(w, p, page=True), audit=ME_WRITERS),
    ("GET", "/microbiome/{sample_pk}"): Row(PAGE_ME_A_OBJECT, audit=A_ONLY),
    # clinician pages
    ("GET", "/clinic"): Row(PAGE_CLINICIAN, audit=CLINICIANS_OF_A),
    ("POST", "/clinic/link"): Row(PAGE_CLINICIAN, lambda w, p: {"data": {"code": invite_code(w), "csrf_token": w.csrf.get(p, "")}},
                                  audit=LINKERS),
    ("GET", "/clinic/appointments"): Row(PAGE_CLINICIAN, audit=CLINICIANS_OF_A),
    ("POST", "/clinic/appointments/{request_id}"): Row(
        PAGE_CLINICIAN_OF_A, form({"action": "accept", "time": FUTURE}), audit=CLINICIANS_OF_A),
    ("GET", "/clinic/patients/{patient_id}"): Row(PAGE_CLINICIAN_OF_A, audit=CLINICIANS_OF_A),
    ("GET", "/clinic/patients/{patient_id}/microbiome/{sample_pk}"): Row(PAGE_CLINICIAN_OF_A, audit=CLINICIANS_OF_A),
    ("GET", "/clinic/patients/{patient_id}/report.pdf"): Row(PAGE_CLINICIAN_OF_A, audit=CLINICIANS_OF_A),
    ("GET", "/clinic/patients/{patient_id}/fhir.json"): Row(PAGE_CLINICIAN_OF_A, audit=CLINICIANS_OF_A),
    # the clinician's FHIR upload (2026-12-07): the preview is a read, the confirmation the import
    ("POST", "/clinic/patients/{patient_id}/fhir/preview"): Row(PAGE_CLINICIAN_OF_A, fhir_upload, audit=CLINICIANS_OF_A),
    ("POST", "/clinic/patients/{patient_id}/fhir/import"): Row(PAGE_CLINICIAN_OF_A, fhir_confirm, audit=CLINICIANS_OF_A),
    ("POST", "/clinic/patients/{patient_id}/assessments/easi"): Row(
        PAGE_CLINICIAN_OF_A, form({"age_years": "40", **{f"regions.{r}.{k}": str(v) for r, f in _EASI["regions"].items()
                                                        for k, v in f.items()}}), audit=CLINICIANS_OF_A),
    ("POST", "/clinic/patients/{patient_id}/assessments/scorad"): Row(
        PAGE_CLINICIAN_OF_A, form({"extent_percent": "30", "itch": "6", "sleep_loss": "4",
                                   **{f"intensity.{k}": str(v) for k, v in _SCORAD["intensity"].items()}}),
        audit=CLINICIANS_OF_A),
    ("GET", "/clinic/simulator"): Row(PAGE_CLINICIAN),
    ("POST", "/clinic/simulator"): Row(PAGE_CLINICIAN, lambda w, p: {"data": {"arm": "placebo", "patients": "1", "weeks": "1",
                                                                                "csrf_token": w.csrf.get(p, "")}}),
    ("GET", "/clinic/simulator/{job}"): Row(PAGE_CLINICIAN_OF_A),
}

try:
    from tests.safety.matrix_challenges import CHALLENGE_ROWS

    ROWS.update(CHALLENGE_ROWS)
except ImportError:  # pragma: no cover - the challenge rows live next to this file
    pass


def app_routes() -> set[tuple[str, str]]:
    from gutskin.settings import Settings
    from gutskin.web import create_app
    from gutskin.web.routes import route_table

    return set(route_table(create_app(Settings(database_url="sqlite://", secret_key=TEST_SECRET, env="test"))))


def test_every_route_has_a_row() -> None:
    routes = app_routes()
    missing = sorted(routes - ROWS.keys())
    stale = sorted(ROWS.keys() - routes)
    assert not missing, f"routes without a row in the authorization matrix: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def order(expect: dict[str, Any]) -> list[str]:
    """Refused personas first, allowed ones last (an allowed call may change or delete things)."""
    allowed = [p for p in PERSONAS if expect[p] in (OK, PASS) or (isinstance(expect[p], int) and expect[p] < 400)]
    return [p for p in PERSONAS if p not in allowed] + allowed


def audit_counts(engine) -> dict[int | None, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return dict(s.execute(select(AuditEvent.patient_id, func.count()).group_by(AuditEvent.patient_id)).all())


def last_audit_id(engine) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.scalar(select(func.max(AuditEvent.id))) or 0


#: what an audit row may say was done (``audit_events.action``); anything else is a typo or a value
ACTIONS = {"read", "create", "update", "delete", "export", "import", "link", "revoke", "accept", "propose", "decline",
           "withdraw", "confirm", "another_time", "cancel", "take", "check", "stop", "record", "evaluate", "override",
           "extend", "acknowledge", "run", "remove", "leave", "send"}


def audit_row_problems(engine, after_id: int, patient_id: int, actor) -> list[str]:  # type: ignore[no-untyped-def]
    """The new audit rows of ``patient_id`` must name who acted (the persona's account and address),
    what was done and on what: a row that only counts is no answer to "who read my record?"."""
    with transaction(engine) as s:
        rows = s.execute(select(AuditEvent.actor_user_id, AuditEvent.actor_label, AuditEvent.action, AuditEvent.object_type)
                         .where(AuditEvent.id > after_id, AuditEvent.patient_id == patient_id)).all()
    out = []
    for uid, label, action, obj in rows:
        if uid != actor.user_id or label != actor.label:
            out.append(f"audit row names actor {uid}/{label!r}, not {actor.user_id}/{actor.label!r}")
        if action not in ACTIONS or not obj:
            out.append(f"audit row says {action!r} on {obj!r}")
    return out


def matrix_world(sqlite_url: str):  # type: ignore[no-untyped-def]
    """Settings, engine, people and the matrix's world (every persona signed in, every object made)."""
    from gutskin.settings import Settings
    from gutskin.store.db import get_engine

    settings = Settings(database_url=sqlite_url, secret_key=TEST_SECRET, env="test")
    engine = get_engine(sqlite_url)
    people = People(engine)
    world = build_world(engine, people, settings, with_child=True)
    world.engine = engine  # type: ignore[attr-defined]
    return settings, engine, people, world


def route_url(world, row, path: str) -> str:  # type: ignore[no-untyped-def]
    """The route's path with the world's ids (and the row's own) filled in."""
    ids = {**world.ids, "instrument": "poem", **(row.ids(world) if row.ids else {})}
    return re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path + row.query)


def answer_passes(want, resp) -> bool:  # type: ignore[no-untyped-def]
    """Whether a response is what the matrix expects: OK (served, not sent to sign in), PASS
    (allowed through: neither refused nor sent to sign in, no 5xx), LOGIN or an exact status."""
    got = resp.status_code
    to_login = got == 303 and resp.headers.get("location") in ("/login", "/login?unsaved=1")  # a form sent: "not saved"
    if want == OK:
        return got < 400 and not to_login
    if want == PASS:
        return got not in (401, 403, 404) and got < 500 and not to_login
    if want == LOGIN:
        return to_login
    return got == want


@pytest.mark.parametrize("route", sorted(ROWS), ids=lambda r: f"{r[0]} {r[1]}")
def test_route(route: tuple[str, str], sqlite_url: str, request: pytest.FixtureRequest) -> None:
    from fastapi.testclient import TestClient

    from gutskin.web import create_app

    method, path = route
    row = ROWS[route]
    settings, engine, people, world = matrix_world(sqlite_url)
    url = route_url(world, row, path)
    patient_ids = {"A": people.owner_pid, "B": people.stranger_pid, "A_CHILD": world.ids["child_id"]}
    app = create_app(settings)
    failures = []
    for persona in order(row.expect):
        with TestClient(app, follow_redirects=False) as client:
            headers = {}
            if persona != "anonymous":
                if path.startswith("/api/"):
                    headers = world.tokens[persona]
                else:
                    client.cookies.set("gutskin_session", world.cookies[persona])
            kwargs = row.body(world, persona) if row.body else {}
            before = audit_counts(engine)
            last_id = last_audit_id(engine)
            resp = client.request(method, url, headers=headers, **kwargs)
            after = audit_counts(engine)
        want = row.expect[persona]
        got = resp.status_code
        if resp.headers.get("cache-control") != "no-store":  # no answer of these routes may be kept by a cache
            failures.append(f"{persona}: Cache-Control {resp.headers.get('cache-control')!r}, not 'no-store'")
        if not answer_passes(want, resp):
            failures.append(f"{persona}: expected {want}, got {got} {resp.text[:120]!r}")
            continue
        new = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}
        target = (row.audit or {}).get(persona)
        if target is not None and got < 400:
            pid = patient_ids[target]
            if new.get(pid, 0) != row.audit_rows:
                failures.append(f"{persona}: expected exactly {row.audit_rows} audit row(s) for patient {target}, "
                                f"got {new.get(pid, 0)}")
            failures += [f"{persona}: {problem}" for problem in audit_row_problems(engine, last_id, pid, world.actor(persona))]
        elif want not in (OK, PASS) and (new.get(people.owner_pid, 0) or new.get(world.ids["child_id"], 0)):
            failures.append(f"{persona}: a refused call wrote audit rows for patient A or A's child")
    assert not failures, "\n".join(failures)
