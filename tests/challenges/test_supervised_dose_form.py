"""The clinician's supervised-dose form offers the next planned step with its planned amount."""

from __future__ import annotations

import re

from tests.challenges.test_services import shift_back
from tests.conftest import bearer, earlier_today
from tests.safety.test_attacks import login_page

PLAN = {"food": "food.egg", "kind": "supervised", "released_for_home": False, "baseline_days": 7,
        "doses": [{"day_offset": 0, "amount": "3 mg protein"}, {"day_offset": 0, "amount": "30 mg protein"}]}


def test_the_dose_form_offers_the_next_planned_step_and_its_amount(client, people, engine) -> None:
    """The supervised-dose form had the next step's number but an empty Amount: the clinician retyped
    "30 mg protein" for each dose (found walking the clinician's journey)."""
    doc = bearer(client, "linked@clinic.example.org")
    cid = client.post(f"/api/v1/patients/{people.owner_pid}/challenges", json=PLAN, headers=doc).json()["id"]
    shift_back(engine, cid, 7)
    login_page(client, "linked@clinic.example.org")

    def form() -> str:
        page = client.get(f"/clinic/challenges/{cid}").text
        return re.search(r'(?s)<form[^>]*id="supervised-dose-form">(.*?)</form>', page).group(1)  # type: ignore[union-attr]

    f = form()
    assert 'name="step" min="1" max="20" value="1"' in f and 'name="amount" maxlength="120" required value="3 mg protein"' in f
    given = earlier_today(hours=1).astimezone().isoformat()
    dose = {"step": 1, "given_at": given, "amount": "3 mg protein", "symptoms": ""}
    assert client.post(f"/api/v1/challenges/{cid}/supervised-doses", json=dose, headers=doc).status_code == 201
    f = form()
    assert 'value="2"' in f and 'name="amount" maxlength="120" required value="30 mg protein"' in f
