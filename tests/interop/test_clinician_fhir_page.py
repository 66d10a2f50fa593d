"""A clinician in the browser downloads the patient's FHIR record from the patient page: the FHIR
export was only ``GET /api/v1/patients/{id}/fhir`` with a bearer token (the API does not take the
session cookie: 401), so an allergist walking the app had no way to the EHR export the design
promises (found walking the clinician's journey). Same Bundle, same rule: the linked clinician
only (others 404, a patient 403), audited, not cached, gone the moment sharing ends."""

from __future__ import annotations

import re

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Consent
from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def test_the_linked_clinician_downloads_the_fhir_record(client, people, engine) -> None:
    owner = bearer(client, "owner@example.org")
    assert client.put("/api/v1/me/diary/2026-11-20", json={"itch": 4}, headers=owner).status_code == 200
    pid = people.owner_pid
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{pid}").text
    link = re.search(r'<a class="button secondary" id="fhir-link" href="([^"]+)" download>([^<]+)</a>', page)
    assert link and link.group(1) == f"/clinic/patients/{pid}/fhir.json", page[:2000]
    assert client.get(f"/api/v1/patients/{pid}/fhir").status_code == 401  # the API: a token, not the session
    r = client.get(link.group(1))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    assert r.headers["cache-control"] == "no-store"
    assert re.fullmatch(r'attachment; filename="gutskin-fhir-p-[0-9a-f]+-\d{4}-\d\d-\d\d\.json"', r.headers["content-disposition"])
    bundle = r.json()
    api = client.get(f"/api/v1/patients/{pid}/fhir", headers=bearer(client, "linked@clinic.example.org")).json()
    kinds = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
    assert bundle["resourceType"] == "Bundle" and kinds == sorted(e["resource"]["resourceType"] for e in api["entry"])
    assert any(e["resource"]["resourceType"] == "Observation" for e in bundle["entry"])
    with transaction(engine) as s:
        who = s.scalars(select(AuditEvent.actor_user_id).where(
            AuditEvent.patient_id == pid, AuditEvent.object_type == "fhir_bundle", AuditEvent.action == "export")).all()
    assert who == [people.clinician.user_id] * 2  # the page's download and the API's

    for email, status in (("unlinked@clinic.example.org", 404), ("owner@example.org", 403), ("admin@clinic.example.org", 403)):
        client.cookies.clear()
        login_page(client, email)
        assert client.get(f"/clinic/patients/{pid}/fhir.json").status_code == status, email

    with transaction(engine) as s:  # the patient stops sharing: the next request is a 404
        consent = s.scalar(select(Consent).where(Consent.patient_id == pid, Consent.revoked_at.is_(None)))
        consent_id = consent.id
    client.cookies.clear()
    login_page(client, "owner@example.org")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sharing").text).group(1)  # type: ignore[union-attr]
    assert client.post(f"/sharing/revoke/{consent_id}", data={"csrf_token": token}).status_code == 200
    client.cookies.clear()
    login_page(client, "linked@clinic.example.org")
    assert client.get(f"/clinic/patients/{pid}/fhir.json").status_code == 404
