"""A co-caregiver the parent removed is a stranger to the child's record on every route (h6, 2026-12-07).

``test_round5_former_keepers`` walks the people a *handover* turns into strangers (the parent and
the co-caregiver, after the grown-up child took the profile over). A co-caregiver can also stop
being one while the parent keeps the profile: the parent removes them on the Caregivers page
(``caregivers.remove``; leaving, ``caregivers.leave``, deletes the same row). Only a handful of
routes were checked for that person (``test_caregivers_http``). Here, with the session and the API
token they had, the removed co-caregiver calls every route of the former-keepers walk (generated
from the app's route table) naming the child's profile or one of its objects -- in the path, in
``?patient=`` / ``?patient_id=``, in the import form's ``patient`` -- on both databases, and:

- the answer is 404 (403 only where the route is not for a patient account), never 2xx/3xx/409/422;
- nothing of the child's record changes, and no audit row is written for it (a read would be);
- no answer carries the child's diary note or name, or the parent's address;
- the refusal has the status an id naming nothing gets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from gutskin.clinic import caregivers, diary
from gutskin.store import models as m
from gutskin.store.db import transaction
from tests.safety import test_round5_former_keepers as keepers
from tests.safety.test_authz_matrix import ROWS, grown_child, matrix_world
from tests.safety.test_ids_outside_the_path import _send

NOTE = "Kid-private-note-8817"
CHILD_NAME = "Philomena Ashgrove"


def _removed_world(db_url: str):  # type: ignore[no-untyped-def]
    """The matrix's world, where A's child (kept with the helper) has a record -- diary days with a
    note, a clinician sharing, an appointment request, a sample, clinician, caregiver and handover
    codes, a food challenge with a dose and one with an alert -- and A then removes the helper, who
    stays signed in."""
    from gutskin.clinic import accounts

    settings, engine, people, world = matrix_world(db_url)
    child = world.ids["child_id"]
    grown_child(world)  # old enough for a handover code (a route naming one is walked too)
    today = dt.date.today()
    ids: dict[str, Any] = {"patient_id": child, "child_id": child, "instrument": "poem", "job": world.ids["job"],
                           "caregiver_id": world.ids["caregiver_id"], "caregiver_invite_id": world.ids["caregiver_invite_id"]}
    keepers.child_record(engine, people, child, today, ids, flare="Kid's flare", note=NOTE, name=CHILD_NAME)
    with transaction(engine) as s:
        world.sign_in(s, settings, "helper", s.scalar(select(m.User).where(m.User.email == "helper@example.org")))
        ids["gone"] = accounts.add_child_profile(s, people.owner, "Gone", 2019).id
    with transaction(engine) as s:
        s.delete(s.get(m.Patient, ids["gone"]))
        # the helper kept the child's diary too before being removed
        helper = accounts.actor_for(s.scalar(select(m.User).where(m.User.email == "helper@example.org")))
        diary.put_day(s, helper, child, today, diary.DayInput(itch=3))
    with transaction(engine) as s:
        caregivers.remove(s, people.owner, child, world.ids["caregiver_id"])
        # the parent makes a new caregiver code for someone else (not the removed helper's to use)
        ids["caregiver_invite_id"] = caregivers.create_code(s, people.owner, child)["id"]
    return settings, engine, people, world, ids


def _leaks(resp) -> list[str]:  # type: ignore[no-untyped-def]
    text = resp.text + resp.headers.get("location", "")
    return [mk for mk in (NOTE, CHILD_NAME, "owner@example.org") if mk in text]


def test_a_removed_co_caregiver_is_a_stranger_on_every_route(db_url: str) -> None:
    from gutskin.web import create_app

    settings, engine, people, world, ids = _removed_world(db_url)
    child = ids["patient_id"]
    app = create_app(settings)
    failures: list[str] = []
    for route in sorted(keepers.WALKED, key=lambda r: (r[0] != "GET", r[1])):
        method, path = route
        role_refused = ROWS[route].expect["patient_a"] == 403 if route in ROWS else False
        before = keepers._snapshot(engine, child)
        with transaction(engine) as s:
            last = s.scalar(select(func.max(m.AuditEvent.id))) or 0
        r = _send(app, world, "helper", method, keepers._url(route, ids), **keepers._body(world, "helper", route, child))
        after = keepers._snapshot(engine, child)
        with transaction(engine) as s:
            audit = s.execute(select(m.AuditEvent.action, m.AuditEvent.object_type)
                              .where(m.AuditEvent.id > last, m.AuditEvent.patient_id == child)).all()
        where = f"removed helper {method} {path}"
        if r.status_code != 404 and not (role_refused and r.status_code == 403):
            failures.append(f"{where}: {r.status_code}, not 404 {r.text[:160]!r}")
        if before != after:
            failures.append(f"{where}: the child's rows changed "
                            f"({', '.join(t for t in before if before[t] != after[t])}), answer {r.status_code}")
        if audit:
            failures.append(f"{where}: recorded on the child's record: {[tuple(a) for a in audit]}")
        if leaks := _leaks(r):
            failures.append(f"{where}: the answer ({r.status_code}) carries {leaks}")
        r2 = _send(app, world, "helper", method, keepers._url(route, keepers._fake(ids)),
                   **keepers._body(world, "helper", route, ids["gone"]))
        if r2.status_code != r.status_code:
            failures.append(f"{where}: {r.status_code} for the child's ids, {r2.status_code} for ids naming nothing")
    assert not failures, "\n".join(failures)


def test_a_removed_co_caregivers_own_pages_carry_nothing_of_the_child(db_url: str) -> None:
    """The routes naming no record (the helper's own account, lists, exports of their own profile)."""
    from gutskin.web import create_app

    settings, engine, people, world, ids = _removed_world(db_url)
    app = create_app(settings)
    failures = []
    for route in sorted(r for r in keepers.NO_RECORD_ID if r[0] == "GET"):
        r = _send(app, world, "helper", "GET", route[1].replace("{job}", str(ids["job"])))
        if r.status_code >= 500:
            failures.append(f"GET {route[1]}: {r.status_code}")
        if leaks := _leaks(r):
            failures.append(f"GET {route[1]}: the answer ({r.status_code}) carries {leaks}")
    assert not failures, "\n".join(failures)
