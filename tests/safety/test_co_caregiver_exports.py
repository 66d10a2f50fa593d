"""A co-caregiver's FHIR export of the child carries no appointment requests (2026-12-06).

A child's appointment requests are between the managing parent and the clinic: a co-caregiver
gets 404 on ``GET /api/v1/me/appointments?patient_id=<child>`` (``appointments.my_requests`` is
``patient_for_write``). The FHIR export (``GET /api/v1/patients/{child}/fhir``), open to the
co-caregiver like the other reads of the record (``patient_for_read``), carried every request of
the child: its reason, status, booked time and the clinician's name (found walking the routes
as the co-caregiver, tests/safety/test_ids_outside_the_path.py). A clinician's export already
carried only the requests sent to them (0012); now a co-caregiver's carries none.
"""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from gutskin.clinic import appointments, sharing
from gutskin.store.db import transaction
from gutskin.store.models import Patient
from tests.safety.test_ids_outside_the_path import _world

REASON = "Child-appointment-reason-5521"


def _appointment_resources(bundle: dict) -> list[dict]:  # type: ignore[type-arg]
    return [e["resource"] for e in bundle.get("entry", []) if e["resource"]["resourceType"] == "Appointment"]


def test_a_co_caregivers_fhir_export_of_the_child_has_no_appointment_requests(db_url: str) -> None:
    from gutskin.web import create_app

    settings, engine, people, world, b = _world(db_url)
    child = world.ids["child_id"]
    with transaction(engine) as s:  # the child's record shared with the clinician (name shown), who books a request
        s.get(Patient, child).share_identity = True
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, child)["code"])
        rid = appointments.request_appointment(s, people.owner, child, REASON, "soon")["id"]
        when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).replace(tzinfo=None, second=0, microsecond=0)
        appointments.respond(s, people.clinician, rid, "accept", when)
    with TestClient(create_app(settings)) as c:
        helper = world.tokens["helper"]
        assert c.get(f"/api/v1/me/appointments?patient_id={child}", headers=helper).status_code == 404  # the rule
        r = c.get(f"/api/v1/patients/{child}/fhir", headers=helper)
        assert r.status_code == 200, r.text  # the export itself stays the co-caregiver's to take
        bundle = r.json()
        assert _appointment_resources(bundle) == [], _appointment_resources(bundle)
        assert REASON not in r.text and "Dr Linked" not in r.text  # nor the booked clinician
        assert any(e["resource"]["resourceType"] == "Patient" for e in bundle["entry"])  # the rest is there
        # the managing parent's export of the same record still carries the request
        owner = c.get(f"/api/v1/patients/{child}/fhir", headers=world.tokens["patient_a"])
        assert owner.status_code == 200 and REASON in owner.text
        assert len(_appointment_resources(owner.json())) == 1


def test_no_read_open_to_a_co_caregiver_shows_the_parents_appointments_sharing_or_codes(db_url: str) -> None:
    """Every GET route of the authorization matrix, called by the child's co-caregiver on the
    child (``{patient_id}``, ``?patient=`` / ``?patient_id=``): what it may read (200) holds none of
    what is the managing parent's alone -- an appointment's reason or the clinic's message, the
    clinician the record is shared with, an unused invite code. (PDFs are compressed: their data
    is the report's, checked through ``reports.report_data`` in the interop tests.)"""
    import re

    from gutskin.web import create_app
    from tests.safety.test_authz_matrix import ROWS
    from tests.safety.test_ids_outside_the_path import QUERY_ROUTES, _send

    settings, engine, people, world, b = _world(db_url)
    child = world.ids["child_id"]
    with transaction(engine) as s:
        s.get(Patient, child).share_identity = True
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, child)["code"])
        rid = appointments.request_appointment(s, people.owner, child, REASON, "soon")["id"]
        when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).replace(tzinfo=None, second=0, microsecond=0)
        appointments.respond(s, people.clinician, rid, "accept", when, "Message-from-the-clinic-8842")
        appointments.request_appointment(s, people.owner, child, "Open-request-reason-3307", "routine")
        code = sharing.create_invite(s, people.owner, child)["code"]
    markers = [REASON, "Message-from-the-clinic-8842", "Open-request-reason-3307", "Dr Linked", "linked@clinic.example.org",
               code]
    takes = {(m, p): q for m, p, q in QUERY_ROUTES if q in ("patient", "patient_id")}
    app = create_app(settings)
    read, failures = 0, []
    for method, path in sorted(k for k in ROWS if k[0] == "GET"):
        ids = {**world.ids, "patient_id": child, "instrument": "poem"}
        url = re.sub(r"{(\w+)}", lambda mm: str(ids[mm.group(1)]), path)
        if (method, path) in takes:
            url += f"?{takes[(method, path)]}={child}"
        r = _send(app, world, "helper", method, url)
        if r.status_code != 200 or r.headers.get("content-type", "").startswith("application/pdf"):
            continue
        read += 1
        if found := [mk for mk in markers if mk in r.text]:
            failures.append(f"{url}: {found}")
    assert read >= 20, read  # the walk reaches the co-caregiver's reads
    assert not failures, "\n".join(failures)
