"""The visit report's food challenges: a challenge whose outcome is recorded read "Egg supervised,
confirmed" next to the clinician's outcome "refuted" (the stored status "confirmed" means "outcome
recorded"); an allergist reading the printout took the egg allergy as confirmed (found walking the
clinician's journey, 2026-12-06). It now reads "supervised, closed"."""

from __future__ import annotations

from tests.challenges.test_services import shift_back
from tests.conftest import bearer, earlier_today
from tests.interop.test_report import _pdf_text
from tests.safety.test_attacks import login_page

PLAN = {"food": "food.egg", "kind": "supervised", "released_for_home": False, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "0.5 g egg protein"}]}


def test_a_refuted_challenge_reads_closed_in_the_visit_report(client, people, engine) -> None:
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    shift_back(engine, cid, 7)
    dose = {"step": 1, "given_at": earlier_today(hours=1).astimezone().isoformat(), "amount": "0.5 g egg protein",
            "symptoms": ""}
    assert client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=doc).status_code == 201
    assert client.post(f"/api/v1/challenges/{cid}/outcome", json={"outcome": "refuted"}, headers=doc).status_code == 200
    login_page(client, "linked@clinic.example.org")
    r = client.get(f"/clinic/patients/{people.owner_pid}/report.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    flat = " ".join(_pdf_text(r.content)[1].split())
    section = flat[flat.index("Food challenges"):]
    assert "supervised, closed" in section and "refuted" in section
    assert "confirmed" not in section
