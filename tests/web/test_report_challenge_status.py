"""The visit report's food challenges: a challenge whose outcome is recorded read "Egg supervised,
confirmed" next to the clinician's outcome "refuted" (the stored status "confirmed" means "outcome
recorded"); an allergist reading the printout took the egg allergy as confirmed (found walking the
clinician's journey, 2026-12-06). It now reads "supervised, closed"."""

from __future__ import annotations

from tests.challenges.test_closed_status_words import egg_dose_given_in_clinic
from tests.interop.test_report import _pdf_text
from tests.safety.test_attacks import login_page


def test_a_refuted_challenge_reads_closed_in_the_visit_report(client, people, engine) -> None:
    doc, cid = egg_dose_given_in_clinic(client, engine, people.owner_pid)
    assert client.post(f"/api/v1/challenges/{cid}/outcome", json={"outcome": "refuted"}, headers=doc).status_code == 200
    login_page(client, "linked@clinic.example.org")
    r = client.get(f"/clinic/patients/{people.owner_pid}/report.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    flat = " ".join(_pdf_text(r.content)[1].split())
    section = flat[flat.index("Food challenges"):]
    assert "supervised, closed" in section and "refuted" in section
    assert "confirmed" not in section
