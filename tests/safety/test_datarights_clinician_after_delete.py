"""Data-rights review: once patient A deletes the account, nothing of A is reachable for the
clinician who was linked -- every route of the authorization matrix that names an object of A's
answers 404, every list (panel, appointments, alerts, challenges) answers without A, and nothing
is a 500 -- and A's own token and browser session stop working at once. The matrix's world has one
of each of A's objects (day, appointment, sample, invite, consent, challenges with a dose and a
safety alert); SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from gutskin.settings import Settings
from gutskin.store.db import get_engine
from gutskin.web import create_app
from tests.conftest import TEST_SECRET, People
from tests.safety.matrix_setup import build_world
from tests.safety.test_authz_matrix import OK, PASS, ROWS, route_url

#: path ids that name one of A's objects (``job`` is the clinician's own simulation)
A_IDS = {"patient_id", "request_id", "sample_pk", "invite_id", "consent_id", "challenge_id", "dose_id", "alert_id", "day"}

#: the clinician's own account (changing the password or signing out everywhere would end the
#: session this test walks with)
ACCOUNT = {"/account/password", "/account/sign-out-everywhere", "/api/v1/me/password", "/api/v1/me/sign-out-everywhere",
           "/api/v1/me/delete", "/data/delete"}


def test_nothing_of_a_deleted_patient_is_reachable_for_their_clinician(db_url: str) -> None:
    settings = Settings(database_url=db_url, secret_key=TEST_SECRET, env="test")
    engine = get_engine(db_url)
    people = People(engine)
    world = build_world(engine, people, settings)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        # before: the clinician sees A everywhere
        assert "Owner" in client.get("/api/v1/clinician/patients", headers=world.tokens["clinician_linked"]).text
        r = client.post("/api/v1/me/delete", json={"password": People.password}, headers=world.tokens["patient_a"])
        assert r.status_code in (200, 204), r.text

    failures, walked = [], []
    named = re.compile("|".join(re.escape(x) for x in ("Owner", "owner@example.org", "Flare")))
    for (method, path), row in sorted(ROWS.items()):
        want = row.expect["clinician_linked"]
        if want not in (OK, PASS) or path in ACCOUNT or path.startswith(("/login", "/register", "/logout", "/api/v1/auth")):
            continue
        names_a = set(re.findall(r"{(\w+)}", path + row.query)) & A_IDS
        try:
            kwargs = row.body(world, "clinician_linked") if row.body else {}
        except Exception:  # noqa: BLE001 - the body needs A (an invite code of A's): A is gone
            continue
        url = route_url(world, row, path)
        walked.append((method, path, bool(names_a)))
        with TestClient(app, follow_redirects=False) as client:
            headers = {}
            if path.startswith("/api/"):
                headers = world.tokens["clinician_linked"]
            else:
                client.cookies.set("gutskin_session", world.cookies["clinician_linked"])
            resp = client.request(method, url, headers=headers, **kwargs)
        got = resp.status_code
        if got >= 500:
            failures.append(f"{method} {url}: {got}")
        elif names_a and got != 404:
            failures.append(f"{method} {url}: names A's object, expected 404, got {got}")
        elif not names_a and method == "GET" and (got >= 400 or named.search(resp.text)):
            failures.append(f"{method} {url}: {got}, shows A: {bool(named.search(resp.text))}")
    assert not failures, "\n".join(failures)
    by_id = {p for _, p, a in walked if a}
    assert {"/clinic/patients/{patient_id}", "/clinic/patients/{patient_id}/report.pdf", "/clinic/challenges/{challenge_id}",
            "/api/v1/patients/{patient_id}/fhir", "/clinic/appointments/{request_id}",
            "/api/v1/clinician/challenge-alerts/{alert_id}/acknowledge"} <= by_id
    assert {"/clinic", "/clinic/appointments", "/clinic/challenges", "/api/v1/clinician/patients"} <= {
        p for _, p, a in walked if not a}

    with TestClient(app, follow_redirects=False) as client:
        # A's token and browser session ended with the account
        assert client.get("/api/v1/me", headers=world.tokens["patient_a"]).status_code == 401
        client.cookies.set("gutskin_session", world.cookies["patient_a"])
        r = client.get("/today")
        assert r.status_code == 303 and r.headers["location"] == "/login"
        # the clinician's lists are empty of A
        alerts = client.get("/api/v1/clinician/challenge-alerts", headers=world.tokens["clinician_linked"]).json()
        assert not [a for group in alerts.values() for a in group if a.get("patient_id") == people.owner_pid]
        assert client.get("/api/v1/clinician/patients", headers=world.tokens["clinician_linked"]).json() in ([], {"patients": []})
