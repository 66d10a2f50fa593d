"""A child's mistyped birth year can be corrected by the managing parent (family walk, 2026-12-06).

Pat adds Ivy, a baby born in 2026, typing 2016. The instruments go by the birth year: CDLQI
(ages 4-16) was accepted for the baby, and the clinic's EASI weights would be a 10-year-old's.
Nothing could change the year short of deleting Ivy's profile with its whole record. My data now
has a birth-year form per managed profile (POST /profiles/{id}/birth_year), audited; a
co-caregiver and a stranger get 404 and change nothing; a bad year is refused on its form.
"""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from gutskin.clinic import accounts, caregivers
from gutskin.store.db import transaction
from gutskin.store.models import AuditEvent, Patient
from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def _year(engine, pid: int) -> int | None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.get(Patient, pid).birth_year  # type: ignore[union-attr]


def _changes(engine, pid: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [(e.actor_label, e.object_id) for e in s.scalars(select(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.object_type == "patient_birth_year"))]


def test_the_parent_corrects_a_childs_birth_year_and_the_instruments_follow(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        ivy = accounts.add_child_profile(s, people.owner, "Ivy", 2016).id  # mistyped: born 2026
        code = caregivers.create_code(s, people.owner, ivy)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)
    cdlqi = {"answers": [1] * 10}
    owner = bearer(client, "owner@example.org")
    assert client.post(f"/api/v1/me/questionnaires/cdlqi?patient_id={ivy}", json=cdlqi, headers=owner).status_code == 201

    # the co-caregiver cannot change it (404, like a stranger's profile), and has no form for it
    login_page(client, "stranger@example.org")
    page = client.get("/data")
    assert f'action="/profiles/{ivy}/birth_year"' not in page.text
    r = client.post(f"/profiles/{ivy}/birth_year", data={"year": "2026", "csrf_token": _csrf(page.text)})
    assert r.status_code == 404 and _year(engine, ivy) == 2016 and _changes(engine, ivy) == []

    client.cookies.clear()
    login_page(client, "owner@example.org")
    page = client.get("/data")
    assert "Ivy was born in <strong>2016</strong>." in page.text
    bad = client.post(f"/profiles/{ivy}/birth_year", data={"year": "20x6", "csrf_token": _csrf(page.text)})
    assert bad.status_code == 422 and f'id="birth-error-{ivy}"' in bad.text
    assert "Birth year: expected a year like 2019" in html.unescape(bad.text) and _year(engine, ivy) == 2016
    done = client.post(f"/profiles/{ivy}/birth_year", data={"year": "2026", "csrf_token": _csrf(page.text)},
                       follow_redirects=True)
    assert done.status_code == 200 and f'id="birth-saved-{ivy}"' in done.text
    assert "Ivy was born in <strong>2026</strong>." in done.text
    assert _year(engine, ivy) == 2026 and _changes(engine, ivy) == [("owner@example.org", "2026")]

    refused = client.post(f"/api/v1/me/questionnaires/cdlqi?patient_id={ivy}", json=cdlqi, headers=owner)
    assert refused.status_code == 422 and "IDQOL" in refused.text  # a baby: not CDLQI any more
    log = html.unescape(client.get(f"/sharing?patient={ivy}").text)
    assert "changed the profile's birth year" in log
