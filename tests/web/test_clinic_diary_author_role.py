"""The clinician's ``GET /api/v1/patients/{id}/diary`` says who wrote each day as a role
(``author_role``: the patient, the parent, another caregiver; null when not recorded), as the
clinician's patient page, the PDF report and FHIR already did -- never a name. Before
2026-12-06 the API's days had no author at all (left by the co-caregiver work)."""

from __future__ import annotations

from tests.conftest import bearer
from tests.web.test_logged_by import BY_B, BY_OWNER, UNRECORDED, _family


def test_the_clinic_reads_who_wrote_each_day_as_a_role(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _family(engine, people)
    doc = bearer(client, "linked@clinic.example.org")
    r = client.get(f"/api/v1/patients/{mia}/diary", headers=doc)
    assert r.status_code == 200
    assert {d["date"]: d["author_role"] for d in r.json()} == {BY_OWNER: "caregiver", UNRECORDED: None, BY_B: "co_caregiver"}
    assert "Owner" not in r.text and "Stranger" not in r.text and "logged_by" not in r.text
    # the patient's own record read by the clinic: the patient wrote it
    owner = bearer(client, "owner@example.org")
    assert client.put("/api/v1/me/diary/2026-03-01", json={"itch": 4}, headers=owner).status_code == 200
    days = client.get(f"/api/v1/patients/{people.owner_pid}/diary", headers=doc).json()
    assert [(d["date"], d["author_role"]) for d in days] == [("2026-03-01", "patient")]
    # an unlinked clinician and a stranger still get nothing
    assert client.get(f"/api/v1/patients/{mia}/diary", headers=bearer(client, "unlinked@clinic.example.org")).status_code == 404
    assert client.get(f"/api/v1/patients/{mia}/diary", headers=bearer(client, "carl@example.org")).status_code == 404
