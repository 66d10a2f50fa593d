"""The clinician's patient page lists each score as the patient saw it: POEM 6, not "6.0" (the
stored total is a float; the patient's result page, the chart list and the visit report print 6;
found walking the clinician's journey)."""

from __future__ import annotations

import re

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def test_scores_are_whole_numbers_as_the_patient_saw_them(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post("/api/v1/me/questionnaires/poem", json={"answers": [1, 1, 1, 1, 1, 1, 0]}, headers=owner)
    assert r.status_code == 201 and r.json()["total"] == 6
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{people.owner_pid}").text
    row = re.search(r"<tr><td>[0-9-]{10}</td><td>POEM</td>(.*?)</tr>", page)
    assert row, page[-3000:]
    assert ">6</td>" in row.group(1) and "6.0" not in row.group(1), row.group(1)
